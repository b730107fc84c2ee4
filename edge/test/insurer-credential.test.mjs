// An insurer console session ends with the credential it was opened with, in workerd against the REAL origin: a
// clerk signs in with the insurer's credential, the operator revokes that credential at the origin, and the
// session's next call answers `session_invalid` (the answer that sends the console back to its sign-in), where the
// revoked credential is refused; a session opened with the insurer's rotated-in credential goes on.
// Run: ONSHI_ORIGIN_BIN=target/debug/onshi-origin node --test edge/test/insurer-credential.test.mjs

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ADMIN_TOKEN,
  FACILITY_CODE,
  ORIGIN_ADMIN_TOKEN,
  callEdge,
  enrolDevice,
  issueEnrolmentCode,
  startEdge,
  startRealOrigin,
} from "./helpers.mjs";

/** 保険者 A, as the origin's insurer tests name it. */
const A = "33120015";

let origin;
let edge;

/** Asks the origin's operator routes as the operator does, with the origin's admin token. */
async function operator(method, path, body) {
  const init = { method, headers: { authorization: `Bearer ${ORIGIN_ADMIN_TOKEN}` } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${origin.url}${path}`, init);
  assert.equal(response.status, 200, `${method} ${path}: ${response.status}`);
  return response.json();
}

/** Issues a credential of A: its token, and the public name the operator lists and revokes it by. */
async function issueCredential() {
  const issued = await operator("POST", "/admin/v1/insurers", { insurer_number: A, name: "テスト保険者" });
  return { token: issued.token, name: issued.credential };
}

async function insurerConsole() {
  const code = await issueEnrolmentCode(edge.url, FACILITY_CODE, ADMIN_TOKEN, { staffed: false, role: "insurer_console" });
  return enrolDevice(edge.url, { code });
}

/** A console call of the session `token` from `device`, as the insurer console sends it. */
function consoleCall(device, token, path, { body, method = "POST" } = {}) {
  return callEdge(edge.url, path, { body, method, signer: device, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

function signIn(device, credential) {
  return consoleCall(device, null, "/api/v1/insurer/login", { body: { credential, clerk: "審査係 鈴木" } });
}

function expectError(result, status, code) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.equal(result.body.error, code);
  assert.deepEqual(Object.keys(result.body).sort(), ["error", "message"]);
}

before(async () => {
  origin = await startRealOrigin();
  edge = await startEdge({ originUrl: origin.url });
});

after(async () => {
  await edge?.dispose();
  await origin?.stop();
});

describe("an insurer console session and the credential it was opened with", () => {
  test("revoking the credential ends the session at its next call, and the credential signs in no more", async () => {
    const revoked = await issueCredential();
    const rotatedIn = await issueCredential();
    const device = await insurerConsole();
    const otherDevice = await insurerConsole();
    const signedIn = await signIn(device, revoked.token);
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    const token = signedIn.body.insurer_token;
    assert.ok(!JSON.stringify(signedIn.body).includes(revoked.token), "the credential is not handed back");
    const rotated = await signIn(otherDevice, rotatedIn.token);
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const before = await consoleCall(device, token, "/api/v1/insurer/holds", { method: "GET" });
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.equal(before.body.insurer_number, A);

    const revocation = await operator("DELETE", `/admin/v1/insurers/${A}/credentials/${revoked.name}`);
    assert.equal(revocation.credential, revoked.name);

    // The next call of the session is the typed 401 that sends the console back to its sign-in, for a read and
    // for a change alike; the answer says nothing more.
    const read = await consoleCall(device, token, "/api/v1/insurer/holds", { method: "GET" });
    expectError(read, 401, "session_invalid");
    const inbox = await consoleCall(device, token, "/api/v1/insurer/notices", { body: { kind: "suspected_twin" } });
    expectError(inbox, 401, "session_invalid");
    // Signing in again with the revoked credential is refused as an unknown one is.
    expectError(await signIn(device, revoked.token), 401, "unauthorized");
    // The session opened with the rotated-in credential goes on, and that credential signs in on this device.
    const other = await consoleCall(otherDevice, rotated.body.insurer_token, "/api/v1/insurer/holds", { method: "GET" });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    const again = await signIn(device, rotatedIn.token);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const fresh = await consoleCall(device, again.body.insurer_token, "/api/v1/insurer/holds", { method: "GET" });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  });
});
