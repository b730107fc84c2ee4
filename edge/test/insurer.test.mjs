// The insurer console's routes in workerd against the REAL origin: an insurer console device enrolled by the
// admin, a clerk signing in with the insurer's credential, the inbox and one notice, a twin hold resolved with a
// reason, and another insurer's session that sees none of it. Sign-out and the session's binding to its device.
// Run: ONSHI_ORIGIN_BIN=target/debug/onshi-origin node --test edge/test/insurer.test.mjs

import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import {
  ADMIN_TOKEN,
  FACILITY_CODE,
  ORIGIN_ADMIN_TOKEN,
  enrolDevice,
  issueEnrolmentCode,
  startEdge,
  startRealOrigin,
} from "./helpers.mjs";

/** 保険者 A (the clerk's) and B (registered the same people earlier), as the origin's insurer tests name them. */
const A = "33120015";
const B = "01130012";
/** タロウ's 個人番号 (4444 in the seed), which A gives ジロウ by mistake; and ジロウ's own. */
const TWINS = "444444444440";
const JIRO = "555555555557";
const ADDRESS = "大阪府大阪市北区梅田9-9-9";

let origin;
let edge;
const credentials = {};

async function originAdmin(path, body) {
  const response = await fetch(`${origin.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${ORIGIN_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.ok(response.status === 200 || response.status === 204, `${path}: ${response.status}`);
  return response.status === 200 ? response.json() : null;
}

function acquire(number, individualNumber, name, kana) {
  return {
    op: "acquire", individual_number: individualNumber, name, name_kana: kana, birth_date: "2004-08-04",
    sex: "female", address: ADDRESS, symbol: "10", number, branch: "00", personal_family: "insured",
    qualification_date: "2026-04-01", partial_contribution_percent: 30,
  };
}

/** Uploads a batch straight to the origin with the insurer's own credential, as the insurer's system does. */
async function upload(credential, rows) {
  const response = await fetch(`${origin.url}/insurer/v1/batches`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/x-ndjson" },
    body: rows.map((row) => `${JSON.stringify(row)}\n`).join(""),
  });
  assert.equal(response.status, 200, await response.clone().text());
}

async function call(path, { device, token, body, method = "POST" } = {}) {
  const bytes = body === undefined ? "" : JSON.stringify(body);
  const headers = { "content-type": "application/json" };
  if (device) Object.assign(headers, await device.headers(method, path, bytes));
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${edge.url}${path}`, { method, headers, body: method === "GET" ? undefined : bytes });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

function expectError(result, status, code) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.equal(result.body.error, code);
}

async function insurerConsole() {
  const code = await issueEnrolmentCode(edge.url, FACILITY_CODE, ADMIN_TOKEN, { staffed: false, role: "insurer_console" });
  return enrolDevice(edge.url, { code });
}

async function signIn(device, credential, clerk = "審査係 鈴木") {
  const result = await call("/api/v1/insurer/login", { device, body: { credential, clerk } });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return result.body;
}

before(async () => {
  origin = await startRealOrigin();
  edge = await startEdge({ originUrl: origin.url });
  for (const number of [A, B]) {
    credentials[number] = (await originAdmin("/admin/v1/insurers", { insurer_number: number, name: "テスト保険者" })).token;
  }
  for (const [number, name, kana] of [[TWINS, "資格　太郎", "ｼｶｸ ﾀﾛｳ"], [JIRO, "資格　次郎", "ｼｶｸ ｼﾞﾛｳ"]]) {
    await originAdmin("/admin/v1/residents", {
      individual_number: number, name, name_kana: kana, birth_date: "2004-08-04", sex: "female", address: ADDRESS,
    });
  }
  await upload(credentials[B], [acquire("9003", TWINS, "資格　太郎", "ｼｶｸ ﾀﾛｳ")]);
  await upload(credentials[A], [acquire("5004", TWINS, "資格　次郎", "ｼｶｸ ｼﾞﾛｳ")]);
});

after(async () => {
  await edge?.dispose();
  await origin?.stop();
});

/**
 * POSTs the headers of a request (its `content-length` promising a body) and none of its body, and resolves with
 * the answer: how a client sees a refusal decided on the declared length alone.
 */
function headersOnly(url, headers) {
  return new Promise((done, fail) => {
    const outgoing = httpRequest(url, { method: "POST", headers }, (answer) => {
      const chunks = [];
      answer.on("data", (chunk) => chunks.push(chunk));
      answer.on("end", () => {
        done({ status: answer.statusCode, body: Buffer.concat(chunks).toString("utf8") });
        outgoing.destroy();
      });
    });
    outgoing.on("error", fail);
    outgoing.flushHeaders();
  });
}

describe("the insurer console through the edge", () => {
  test("a clerk signs in, finds the twin notice, resolves its hold with a reason; B sees none of it", async () => {
    const device = await insurerConsole();
    const session = await signIn(device, credentials[A]);
    assert.equal(session.insurer_number, A);
    assert.ok(!JSON.stringify(session).includes(credentials[A]), "the credential is not handed back");
    const token = session.insurer_token;

    const holds = await call("/api/v1/insurer/holds", { device, token, method: "GET" });
    assert.equal(holds.status, 200, JSON.stringify(holds.body));
    assert.equal(holds.body.insurer_number, A);
    assert.equal(holds.body.open, 1);
    const page = await call("/api/v1/insurer/notices", { device, token, body: { kind: "suspected_twin", state: "open" } });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.notices.length, 1);
    const twin = page.body.notices[0];
    const detail = await call(`/api/v1/insurer/notices/${twin.id}`, { device, token, method: "GET" });
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    assert.equal(detail.body.member.name_kana, "ｼｶｸ ｼﾞﾛｳ");
    assert.equal(detail.body.counterpart.source, "other_record");
    assert.ok(!JSON.stringify(detail.body).includes("ﾀﾛｳ"), "B's record is described by what differs, not shown");

    // B's clerk, on B's own console, sees neither the notice nor the hold, and cannot resolve it.
    const bDevice = await insurerConsole();
    const bToken = (await signIn(bDevice, credentials[B], "B 係")).insurer_token;
    expectError(await call(`/api/v1/insurer/notices/${twin.id}`, { device: bDevice, token: bToken, method: "GET" }), 404, "not_found");
    const bPage = await call("/api/v1/insurer/notices", { device: bDevice, token: bToken, body: {} });
    assert.ok(!JSON.stringify(bPage.body).includes(twin.id));
    const resolution = `/api/v1/insurer/holds/${detail.body.member.person_id}/resolution`;
    const reason = { resolution: "no_suspicion", reason: "双子の弟。本人に電話で確認済み" };
    expectError(await call(resolution, { device: bDevice, token: bToken, body: reason }), 404, "not_found");

    // 理由付き疑いなし needs a reason; with one, the hold lifts and the decision names the clerk.
    expectError(await call(resolution, { device, token, body: { resolution: "no_suspicion", reason: " " } }), 400, "bad_request");
    const resolved = await call(resolution, { device, token, body: reason });
    assert.deepEqual(resolved, { status: 200, body: { outcome: "released" } });
    const after = await call(`/api/v1/insurer/notices/${twin.id}`, { device, token, method: "GET" });
    assert.equal(after.body.notice.state, "resolved");
    assert.equal(after.body.decisions[0].decided_by, "審査係 鈴木");
    assert.equal((await call("/api/v1/insurer/holds", { device, token, method: "GET" })).body.open, 0);
  });

  test("a clerk uploads a batch through the edge; a bad file comes back with its rows; an oversized one is refused", async () => {
    const device = await insurerConsole();
    const token = (await signIn(device, credentials[A])).insurer_token;
    const send = async (format, text) => {
      const path = `/api/v1/insurer/batches/${format}`;
      const headers = { ...(await device.headers("POST", path, text)), authorization: `Bearer ${token}` };
      const response = await fetch(`${edge.url}${path}`, { method: "POST", headers, body: text });
      return { status: response.status, body: await response.json() };
    };
    const good = `${JSON.stringify(acquire("5010", JIRO, "資格　次郎", "ｼｶｸ ｼﾞﾛｳ"))}\n`;
    const applied = await send("ndjson", good);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.equal(applied.body.applied.rows_total, 1);
    const bad = `${JSON.stringify({ ...acquire("5011", JIRO, "資格　次郎", "ｼｶｸ ｼﾞﾛｳ"), birth_date: "2004-13-45" })}\n`;
    const refused = await send("ndjson", bad);
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    assert.equal(refused.body.refused.total_errors, 1);
    assert.equal(refused.body.refused.rows[0].line, 1);
    // Past the edge's batch limit (24 MiB), refused by its declared length before the body is read: only the
    // headers are sent, and the answer comes without a byte of the body. (Sending the body as well races the
    // edge's early answer: the connection may close while the client is still writing.)
    const path = "/api/v1/insurer/batches/csv";
    const headers = {
      ...(await device.headers("POST", path, "")),
      authorization: `Bearer ${token}`,
      "content-length": String(24 * 1024 * 1024 + 1),
    };
    const response = await headersOnly(`${edge.url}${path}`, headers);
    assert.equal(response.status, 413);
    assert.equal(JSON.parse(response.body).error, "payload_too_large");
  });

  test("a wrong credential, a kiosk, a copied token and a signed-out session are refused", async () => {
    const device = await insurerConsole();
    expectError(await call("/api/v1/insurer/login", { device, body: { credential: "guess", clerk: "x" } }), 401, "unauthorized");
    const kiosk = await enrolDevice(edge.url);
    expectError(await call("/api/v1/insurer/login", { device: kiosk, body: { credential: credentials[A], clerk: "x" } }), 403, "forbidden");
    const token = (await signIn(device, credentials[A])).insurer_token;
    const other = await insurerConsole();
    expectError(await call("/api/v1/insurer/holds", { device: other, token, method: "GET" }), 401, "session_invalid");
    assert.equal((await call("/api/v1/insurer/logout", { device, token })).status, 204);
    expectError(await call("/api/v1/insurer/holds", { device, token, method: "GET" }), 401, "session_invalid");
  });
});
