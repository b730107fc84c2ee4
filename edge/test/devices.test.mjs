// Device enrolment, device proofs, revocation, rate limits, cross-origin refusal and audit events, in workerd
// against a fake origin. Run: node --test edge/test/*.test.mjs   (after `worker-build --release` in edge/)

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ADMIN_TOKEN,
  FACILITY_CODE,
  deviceWithKey,
  enrolDevice,
  issueEnrolmentCode,
  startEdge,
  startFakeOrigin,
  testCard,
} from "./helpers.mjs";
import { LogLines } from "../../xtask/log-lines.mjs";

let origin;
let edge;
const logs = new LogLines();

function auditEvents() {
  return logs.lines
    .filter((line) => line.includes('"kind":"onshi.edge.audit"'))
    .map((line) => JSON.parse(line.slice(line.indexOf("{"))));
}

async function call(target, path, { body, headers = {}, device, timestamp, method = "POST" } = {}) {
  const bytes = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const init = { method, headers: { "content-type": "application/json" } };
  if (body !== undefined) init.body = bytes;
  if (device) Object.assign(init.headers, await device.headers(method, path, bytes, timestamp));
  Object.assign(init.headers, headers);
  const response = await fetch(`${target.url}${path}`, init);
  assert.equal(response.headers.get("cache-control"), "no-store");
  return { status: response.status, body: await response.json() };
}

function expectError(result, status, code) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.deepEqual(result.body, { error: code, message: result.body.message });
}

async function sessionFor(target, device, card = testCard(0)) {
  const challenge = await call(target, "/api/v1/challenge", { device });
  assert.equal(challenge.status, 200, JSON.stringify(challenge.body));
  const bytes = Buffer.from(challenge.body.challenge, "base64");
  return call(target, "/api/v1/session", {
    device,
    body: {
      challenge_id: challenge.body.challenge_id,
      certificate: card.certificate.toString("base64"),
      signature: card.sign(bytes, device.id).toString("base64"),
    },
  });
}

before(async () => {
  origin = await startFakeOrigin();
  edge = await startEdge({ originUrl: origin.url, onLog: (message) => logs.push(message) });
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
});

describe("enrolment", () => {
  test("the admin issues one-time codes for valid facility codes only", async () => {
    const path = "/api/v1/admin/enrolment-codes";
    const body = { facility_code: FACILITY_CODE };
    expectError(await call(edge, path, { body }), 401, "unauthorized");
    expectError(await call(edge, path, { body, headers: { authorization: "Bearer not-the-admin-token-at-all" } }), 401, "unauthorized");
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    // Check digit 8 instead of 9; nine digits; a dental code with a wrong check digit.
    for (const facility_code of ["0110113718", "011011371", "0130113719"]) {
      expectError(await call(edge, path, { body: { facility_code }, headers: admin }), 400, "bad_request");
    }
    const issued = await call(edge, path, { body, headers: admin });
    assert.equal(issued.status, 200);
    assert.match(issued.body.code, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    assert.equal(issued.body.facility_code, FACILITY_CODE);
    assert.ok(issued.body.expires_at > Date.now() / 1000 + 23 * 3600);
  });

  test("a code enrols one device once", async () => {
    const code = await issueEnrolmentCode(edge.url);
    const device = await enrolDevice(edge.url, { code: code.toLowerCase().replaceAll("-", " ") });
    assert.equal(device.facilityCode, FACILITY_CODE);
    await assert.rejects(enrolDevice(edge.url, { code }), /401.*unauthorized/);
    await assert.rejects(enrolDevice(edge.url, { code: "2345-6789-ABCD" }), /401.*unauthorized/);
    const notAKey = await call(edge, "/api/v1/devices/enrol", {
      body: { code: await issueEnrolmentCode(edge.url), public_key: Buffer.from("not a key").toString("base64") },
    });
    expectError(notAKey, 400, "bad_request");
    expectError(await call(edge, "/api/v1/devices/enrol", { body: "{not json" }), 400, "bad_request");
  });
});

describe("admins per facility", () => {
  // Another 医療機関コード than FACILITY_CODE, with a valid check digit.
  const OTHER_FACILITY = "1312345679";

  test("a facility's admin issues codes and revokes devices for its own facility only, and every admin event names who acted", async () => {
    const operator = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const issued = await call(edge, "/api/v1/admin/facility-admins", {
      body: { facility_code: FACILITY_CODE, actor: "事務長 佐藤" },
      headers: operator,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    assert.equal(issued.body.facility_code, FACILITY_CODE);
    assert.match(issued.body.token, /^fadmin\./);
    const admin = { authorization: `Bearer ${issued.body.token}` };

    // Its own facility: a code that enrols a kiosk, and that kiosk's revocation.
    const code = await issueEnrolmentCode(edge.url, FACILITY_CODE, issued.body.token);
    const own = await enrolDevice(edge.url, { code });
    const revokedOwn = await call(edge, `/api/v1/admin/devices/${own.id}/revoke`, { headers: admin });
    assert.equal(revokedOwn.status, 200, JSON.stringify(revokedOwn.body));
    expectError(await call(edge, "/api/v1/challenge", { device: own }), 401, "device_not_enrolled");

    // Another facility's kiosk, enrolled by the operator: the facility admin may neither revoke it nor issue codes
    // or admin credentials there.
    const other = await enrolDevice(edge.url, { facilityCode: OTHER_FACILITY });
    expectError(await call(edge, `/api/v1/admin/devices/${other.id}/revoke`, { headers: admin }), 403, "forbidden");
    const challenge = await call(edge, "/api/v1/challenge", { device: other });
    assert.equal(challenge.status, 200, "the other facility's kiosk still works");
    const elsewhere = { facility_code: OTHER_FACILITY };
    expectError(await call(edge, "/api/v1/admin/enrolment-codes", { body: elsewhere, headers: admin }), 403, "forbidden");
    expectError(await call(edge, "/api/v1/admin/staff-codes", { body: elsewhere, headers: admin }), 403, "forbidden");
    const mint = { facility_code: FACILITY_CODE, actor: "mallory" };
    expectError(await call(edge, "/api/v1/admin/facility-admins", { body: mint, headers: admin }), 403, "forbidden");
    expectError(await call(edge, "/api/v1/admin/facility-admins", { body: mint }), 401, "unauthorized");

    const facilityActor = `facility-admin:${FACILITY_CODE}:事務長 佐藤`;
    // The last call's event; workerd's log can reach this process after the HTTP answer, in order.
    await logs.waitFor((line) => line.includes('"action":"facility_admin_issued"') && line.includes('"outcome":"unauthorized"'));
    const events = auditEvents();
    const named = (action, outcome) =>
      events.filter((event) => event.action === action && event.outcome === outcome).map((event) => event.actor);
    assert.ok(named("facility_admin_issued", "ok").includes("operator:operator"), JSON.stringify(events.slice(-12)));
    assert.ok(named("facility_admin_issued", "forbidden").includes(facilityActor));
    assert.ok(named("device_revoked", "ok").includes(facilityActor));
    assert.ok(named("device_revoked", "forbidden").includes(facilityActor));
    assert.ok(named("enrolment_code_issued", "forbidden").includes(facilityActor));
    assert.ok(named("staff_code_issued", "forbidden").includes(facilityActor));
    // No admin event lacks its actor once the credential was accepted.
    const adminActions = ["facility_admin_issued", "enrolment_code_issued", "device_revoked", "staff_code_issued"];
    for (const event of events.filter((e) => adminActions.includes(e.action) && e.outcome !== "unauthorized")) {
      assert.ok(event.actor, JSON.stringify(event));
    }
    // The credential itself is never written to the log.
    assert.ok(!logs.lines.some((line) => line.includes(issued.body.token)));
  });
});

describe("device proofs", () => {
  let device;
  before(async () => {
    device = await enrolDevice(edge.url);
  });

  test("an enrolled device's signed calls pass", async () => {
    const session = await sessionFor(edge, device);
    assert.equal(session.status, 200, JSON.stringify(session.body));
  });

  test("calls from unknown devices are told to enrol again; calls without a proof or with forged or stale proofs are unauthorized", async () => {
    expectError(await call(edge, "/api/v1/challenge"), 401, "unauthorized");
    const otherKey = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    const forged = deviceWithKey(device.id, device.facilityCode, otherKey.privateKey);
    expectError(await call(edge, "/api/v1/challenge", { device: forged }), 401, "unauthorized");
    const unknown = deviceWithKey("AAAAAAAAAAAAAAAAAAAAAA", FACILITY_CODE, device.privateKey);
    expectError(await call(edge, "/api/v1/challenge", { device: unknown }), 401, "device_not_enrolled");
    // The id names the facility whose store holds the device; the same random part under another (valid) 医療機関
    // コード names a store that has no such device.
    assert.ok(device.id.startsWith(`${FACILITY_CODE}.`), device.id);
    const elsewhere = deviceWithKey(device.id.replace(FACILITY_CODE, "1310000011"), "1310000011", device.privateKey);
    expectError(await call(edge, "/api/v1/challenge", { device: elsewhere }), 401, "device_not_enrolled");
    const stale = Math.floor(Date.now() / 1000) - 120;
    expectError(await call(edge, "/api/v1/challenge", { device, timestamp: stale }), 401, "unauthorized");
    // A proof made for one body does not cover another.
    const headers = await device.headers("POST", "/api/v1/qualification", "{}");
    const moved = await fetch(`${edge.url}/api/v1/qualification`, { method: "POST", headers, body: "{ }" });
    assert.equal(moved.status, 401);
    assert.equal((await moved.json()).error, "unauthorized");
  });

  test("a captured device proof is refused when sent again, and a proof without a nonce is refused", async () => {
    const headers = { "content-type": "application/json", ...(await device.headers("POST", "/api/v1/challenge", "")) };
    const first = await fetch(`${edge.url}/api/v1/challenge`, { method: "POST", headers, body: "" });
    assert.equal(first.status, 200, JSON.stringify(await first.json()));
    const replayed = await fetch(`${edge.url}/api/v1/challenge`, { method: "POST", headers, body: "" });
    assert.equal(replayed.status, 401);
    assert.equal((await replayed.json()).error, "unauthorized");
    const { "x-onshi-device-nonce": _nonce, ...withoutNonce } = await device.headers("POST", "/api/v1/challenge", "");
    const bare = await fetch(`${edge.url}/api/v1/challenge`, { method: "POST", headers: withoutNonce, body: "" });
    assert.equal(bare.status, 401);
    assert.equal((await bare.json()).error, "unauthorized");
    // A fresh proof from the same device still passes.
    assert.equal((await call(edge, "/api/v1/challenge", { device })).status, 200);
  });

  test("a session is bound to the device that opened it", async () => {
    const session = await sessionFor(edge, device);
    const other = await enrolDevice(edge.url);
    const authorization = `Bearer ${session.body.session_token}`;
    const stolen = await call(edge, "/api/v1/qualification", { device: other, body: {}, headers: { authorization } });
    expectError(stolen, 401, "session_invalid");
    const own = await call(edge, "/api/v1/qualification", { device, body: {}, headers: { authorization } });
    assert.equal(own.status, 200, JSON.stringify(own.body));
  });

  test("a replayed session request is refused: its challenge is spent", async () => {
    const challenge = await call(edge, "/api/v1/challenge", { device });
    const card = testCard(0);
    const body = {
      challenge_id: challenge.body.challenge_id,
      certificate: card.certificate.toString("base64"),
      signature: card.sign(Buffer.from(challenge.body.challenge, "base64"), device.id).toString("base64"),
    };
    assert.equal((await call(edge, "/api/v1/session", { device, body })).status, 200);
    expectError(await call(edge, "/api/v1/session", { device, body }), 409, "challenge_replayed");
  });

  test("a revoked device and its open session are refused and told to enrol again", async () => {
    const doomed = await enrolDevice(edge.url);
    const session = await sessionFor(edge, doomed);
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const revokePath = `/api/v1/admin/devices/${doomed.id}/revoke`;
    expectError(await call(edge, revokePath), 401, "unauthorized");
    const revoked = await call(edge, revokePath, { headers: admin });
    assert.deepEqual(revoked, { status: 200, body: { device_id: doomed.id, revoked: true } });
    expectError(await call(edge, "/api/v1/admin/devices/AAAAAAAAAAAAAAAAAAAAAA/revoke", { headers: admin }), 404, "not_found");
    expectError(await call(edge, "/api/v1/challenge", { device: doomed }), 401, "device_not_enrolled");
    const authorization = `Bearer ${session.body.session_token}`;
    expectError(await call(edge, "/api/v1/qualification", { device: doomed, body: {}, headers: { authorization } }), 401, "device_not_enrolled");
  });

  test("a kiosk confirms its enrolment: 204 while the edge knows it, device_not_enrolled once not", async () => {
    const confirm = async (target, who, { method = "GET", headers } = {}) => {
      const proof = who ? await who.headers(method, "/api/v1/device", "") : {};
      const response = await fetch(`${target.url}/api/v1/device`, { method, headers: { ...proof, ...headers } });
      assert.equal(response.headers.get("cache-control"), "no-store");
      const text = await response.text();
      return { status: response.status, body: text === "" ? null : JSON.parse(text) };
    };
    const kiosk = await enrolDevice(edge.url);
    assert.deepEqual(await confirm(edge, kiosk), { status: 204, body: null });
    expectError(await confirm(edge, null), 401, "unauthorized");
    expectError(await confirm(edge, kiosk, { method: "POST" }), 404, "not_found");
    // A restarted edge (the demo's is in memory) never saw this device: the browser still holds its key, and is
    // told to enrol again rather than finding out on the first check-in.
    const restarted = await startEdge({ originUrl: origin.url });
    try {
      expectError(await confirm(restarted, kiosk), 401, "device_not_enrolled");
    } finally {
      await restarted.dispose();
    }
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    assert.equal((await call(edge, `/api/v1/admin/devices/${kiosk.id}/revoke`, { headers: admin })).status, 200);
    expectError(await confirm(edge, kiosk), 401, "device_not_enrolled");
    // The check is audited like every device call.
    await logs.waitFor((line) => line.includes(kiosk.id) && line.includes('"action":"device_confirmed"')
      && line.includes('"outcome":"device_not_enrolled"'));
    const confirmed = auditEvents().filter((event) => event.action === "device_confirmed" && event.device === kiosk.id);
    assert.deepEqual(confirmed.map((event) => event.outcome), ["ok", "device_not_enrolled"]);
  });

  test("a page of another origin may not call the API", async () => {
    const refused = await call(edge, "/api/v1/challenge", { device, headers: { origin: "https://evil.example" } });
    expectError(refused, 401, "unauthorized");
    const same = await call(edge, "/api/v1/challenge", { device, headers: { origin: edge.url } });
    assert.equal(same.status, 200);
    const preflight = await fetch(`${edge.url}/api/v1/challenge`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
    await preflight.arrayBuffer();
  });
});

describe("rate limits", () => {
  let limited;
  before(async () => {
    // A one-day window: the test's few requests cannot straddle two windows unless run across midnight UTC.
    limited = await startEdge({
      originUrl: origin.url,
      rateLimitPerDevice: 3,
      rateLimitPerFacility: 5,
      rateLimitWindowSecs: 86400,
    });
  });
  after(async () => {
    await limited?.dispose();
  });

  test("a device, then its facility, is limited per window", async () => {
    const first = await enrolDevice(limited.url);
    const second = await enrolDevice(limited.url);
    for (let i = 0; i < 3; i += 1) assert.equal((await call(limited, "/api/v1/challenge", { device: first })).status, 200);
    expectError(await call(limited, "/api/v1/challenge", { device: first }), 429, "rate_limited");
    // The facility has counted four; the second device gets one more before the facility limit.
    assert.equal((await call(limited, "/api/v1/challenge", { device: second })).status, 200);
    expectError(await call(limited, "/api/v1/challenge", { device: second }), 429, "rate_limited");
  });
});

describe("audit events", () => {
  test("every decision is logged as JSON without personal data", async () => {
    const device = await enrolDevice(edge.url);
    const card = testCard(2);
    origin.behaviour.revoked.add(card.serial);
    try {
      expectError(await sessionFor(edge, device, card), 401, "certificate_revoked");
    } finally {
      origin.behaviour.revoked.clear();
    }
    // The last of its three events; workerd's log can reach this process after the HTTP answer.
    await logs.waitFor((line) => line.includes(device.id) && line.includes('"action":"session"'));
    const events = auditEvents().filter((event) => event.device === device.id);
    assert.deepEqual(
      events.map((event) => [event.action, event.outcome]),
      [["enrol", "ok"], ["challenge", "ok"], ["session", "certificate_revoked"]],
    );
    const session = events[2];
    assert.equal(session.facility, FACILITY_CODE);
    assert.match(session.certificate, /^[0-9a-f]{32}$/);
    const everything = logs.lines.join("\n");
    assert.ok(!everything.includes(card.serial), "no certificate serial in the log");
    assert.ok(!everything.includes("onshi test auth CA"), "no issuer name in the log");
    assert.ok(!everything.includes(card.certificate.toString("base64").slice(0, 40)), "no certificate in the log");
  });
});
