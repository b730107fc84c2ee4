// The built edge worker in workerd against the REAL origin process (ONSHI_ORIGIN_BIN, seeded with the demo
// cards): the whole check-in, and every way it must fail. A TCP relay in front of the origin makes it slow.
// Run: ONSHI_ORIGIN_BIN=target/debug/onshi-origin node --test edge/test/real-origin.test.mjs

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  ADMIN_TOKEN,
  ORIGIN_ADMIN_TOKEN,
  enrolDevice,
  issueEnrolmentCode,
  realExpiredCard,
  startDelayingRelay,
  startEdge,
  startRealOrigin,
  testCaPem,
  testCard,
} from "./helpers.mjs";

let origin;
let relay;
let edge;
let device;

async function call(target, path, { body, headers = {}, device: signer = device, method = "POST" } = {}) {
  const bytes = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const init = { method, headers: { "content-type": "application/json" } };
  if (body !== undefined) init.body = bytes;
  if (signer) Object.assign(init.headers, await signer.headers(method, path, bytes));
  Object.assign(init.headers, headers);
  const response = await fetch(`${target.url}${path}`, init);
  assert.equal(response.headers.get("cache-control"), "no-store", `no-store on ${path}`);
  const text = await response.text();
  // A 204 answer has nothing to say.
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

/**
 * A staff session of `facilityCode` as its console holds one: a staff console enrolled with a code of its role, and
 * the token it logged in with; every staff call goes out with that console's proof (`console`) and the token
 * (`headers`).
 */
async function staffSession(facilityCode) {
  const signer = await enrolDevice(edge.url, { facilityCode, role: "staff_console" });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const code = await call(edge, "/api/v1/admin/staff-codes", { device: null, headers: admin, body: { facility_code: facilityCode } });
  assert.equal(code.status, 200, JSON.stringify(code.body));
  const login = await call(edge, "/api/v1/staff/login", { device: signer, body: { code: code.body.code } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return { console: signer, headers: { authorization: `Bearer ${login.body.staff_token}` } };
}

function expectError(result, status, code) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.equal(result.body.error, code);
  assert.deepEqual(Object.keys(result.body).sort(), ["error", "message"]);
}

async function challenge(target = edge, signer = device) {
  const result = await call(target, "/api/v1/challenge", { device: signer });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return { id: result.body.challenge_id, bytes: Buffer.from(result.body.challenge, "base64"), deviceId: signer.id };
}

function sessionBody(issued, certificate, signature) {
  return {
    challenge_id: issued.id,
    certificate: Buffer.from(certificate).toString("base64"),
    signature: Buffer.from(signature).toString("base64"),
  };
}

async function openSession(card, target = edge, signer = device) {
  const issued = await challenge(target, signer);
  return call(target, "/api/v1/session", {
    device: signer,
    body: sessionBody(issued, card.certificate, card.sign(issued.bytes, issued.deviceId)),
  });
}

before(async () => {
  origin = await startRealOrigin();
  relay = await startDelayingRelay(origin.url);
  edge = await startEdge({ originUrl: relay.url, originTimeoutMs: 1000 });
  device = await enrolDevice(edge.url);
});

after(async () => {
  await edge?.dispose();
  await relay?.close();
  await origin?.stop();
});

describe("against the real origin", () => {
  test("the happy path: enrolled device, card signature, session, qualification", async () => {
    const session = await openSession(testCard(0));
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.ok(session.body.expires_at <= Math.floor(Date.now() / 1000) + 300);
    const answer = await call(edge, "/api/v1/qualification", {
      body: { arbitrary_identifier: "edge-real-origin-1" },
      headers: { authorization: `Bearer ${session.body.session_token}` },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    // Demo card 00 is the "valid" scenario of the seeded population.
    assert.equal(answer.body.validity, "valid");
    assert.ok(answer.body.records.length >= 1);
  });

  test("a visual check approved by staff is recorded as 目視, and its session cannot add a PIN check-in", async () => {
    const staff = await staffSession(device.facilityCode);
    const checkIns = async () => {
      const list = await call(edge, "/api/v1/staff/checkins", { device: staff.console, method: "GET", headers: staff.headers });
      assert.equal(list.status, 200, JSON.stringify(list.body));
      return list.body.checkins.filter((checkIn) => checkIn.device_id === device.id);
    };
    const before = await checkIns();

    const card = testCard(1);
    const ticket = await call(edge, "/api/v1/visual-check", { body: { certificate: card.certificate.toString("base64") } });
    assert.equal(ticket.status, 200, JSON.stringify(ticket.body));
    const decision = await call(edge, "/api/v1/staff/visual-checks/decision", {
      device: staff.console,
      headers: staff.headers,
      body: { request_id: ticket.body.request_id, approve: true },
    });
    assert.equal(decision.status, 200, JSON.stringify(decision.body));
    const collected = await call(edge, "/api/v1/visual-check/status", { body: { request_id: ticket.body.request_id } });
    assert.equal(collected.status, 200, JSON.stringify(collected.body));
    assert.equal(collected.body.state, "approved");
    const after = await checkIns();
    const added = after.filter((checkIn) => !before.some((earlier) => earlier.id === checkIn.id));
    assert.deepEqual(added.map((checkIn) => checkIn.method), ["visual_check"]);

    // The 目視 session may not ask again: that would be recorded as a PIN check-in.
    const authorization = `Bearer ${collected.body.session.session_token}`;
    expectError(await call(edge, "/api/v1/qualification", { body: {}, headers: { authorization } }), 401, "session_invalid");
    expectError(
      await call(edge, "/api/v1/registration", { body: { terms_accepted: true }, headers: { authorization } }),
      401,
      "session_invalid",
    );
    assert.equal((await checkIns()).length, after.length);
  });

  test("staff read a consented patient's medication and checkups through the edge; without consent, elsewhere or from a kiosk they cannot", async () => {
    const staff = await staffSession(device.facilityCode);
    const read = (who, body) => call(edge, "/api/v1/staff/medical-records", { device: who.console, headers: who.headers, body });

    // The patient checks in with card 00 (the seeded patient with a history) and has not consented yet.
    const session = await openSession(testCard(0));
    assert.equal(session.status, 200, JSON.stringify(session.body));
    const card = { authorization: `Bearer ${session.body.session_token}` };
    assert.equal((await call(edge, "/api/v1/qualification", { body: {}, headers: card })).status, 200);
    const list = await call(edge, "/api/v1/staff/checkins", { device: staff.console, method: "GET", headers: staff.headers });
    const row = list.body.checkins.find((checkIn) => checkIn.device_id === device.id && checkIn.method === "pin");
    assert.ok(row, JSON.stringify(list.body));
    const medication = { checkin_id: row.id, kind: "medication" };
    expectError(await read(staff, medication), 403, "consent_required");

    // The patient consents to 薬剤 and 健診 at the kiosk; the same read now answers, page by page.
    const consent = await call(edge, "/api/v1/consent", { body: { kinds: ["medication", "health_checkup"] }, headers: card });
    assert.equal(consent.status, 200, JSON.stringify(consent.body));
    const relisted = await call(edge, "/api/v1/staff/checkins", { device: staff.console, method: "GET", headers: staff.headers });
    const consented = relisted.body.checkins.find((checkIn) => checkIn.id === row.id);
    assert.deepEqual(consented.consents, ["medication", "health_checkup"]);
    const first = await read(staff, medication);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.records.kind, "medication");
    assert.equal(first.body.next_page, 1);
    const second = await read(staff, { ...medication, page: 1 });
    const lines = [...first.body.records.entries, ...second.body.records.entries];
    const duplicates = lines.filter((line) => line.duplicate);
    assert.equal(duplicates.length, 2, "the hospital's original and the clinic's generic of one ingredient");
    assert.equal(duplicates[0].yj_code.slice(0, 7), duplicates[1].yj_code.slice(0, 7));
    assert.ok(lines.some((line) => line.source === "electronic_prescription") && lines.some((line) => line.source === "dispensing_result"));
    const checkups = await read(staff, { checkin_id: row.id, kind: "health_checkup" });
    assert.equal(checkups.status, 200, JSON.stringify(checkups.body));
    const high = checkups.body.records.entries.filter((entry) => entry.flag === "high");
    assert.ok(high.some((entry) => entry.item.startsWith("HbA1c") && entry.unit === "%"), JSON.stringify(high));
    // 手術 was not consented to.
    expectError(await read(staff, { checkin_id: row.id, kind: "operation" }), 403, "consent_required");

    // Staff of another facility, holding this check-in's id, learn nothing; a kiosk cannot read at all, with its
    // card session or with the staff token itself; nor can the token alone, without its console's proof.
    expectError(await read(await staffSession("1312345679"), medication), 404, "not_found");
    expectError(await read({ console: device, headers: {} }, medication), 403, "forbidden");
    expectError(await read({ console: device, headers: card }, medication), 403, "forbidden");
    expectError(await read({ console: device, headers: staff.headers }, medication), 403, "forbidden");
    expectError(await read({ console: null, headers: staff.headers }, medication), 401, "unauthorized");
  });

  test("the facility's bridge hands a national-reader result to staff's list and reports a stalled 連携アプリ to them", async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const code = await call(edge, "/api/v1/admin/enrolment-codes", {
      device: null,
      headers: admin,
      body: { facility_code: device.facilityCode, role: "bridge" },
    });
    assert.equal(code.status, 200, JSON.stringify(code.body));
    const bridge = await enrolDevice(edge.url, { code: code.body.code, facilityCode: device.facilityCode });
    const staff = await staffSession(device.facilityCode);
    const asStaff = (path) => call(edge, path, { device: staff.console, method: "GET", headers: staff.headers });

    const result = {
      file_name: `OQSsiquc01res_face_${Date.now()}.xml`,
      validity: "valid",
      name: "顔認　花子",
      insurer_number: "06130017",
      contribution_percent: 30,
    };
    const handed = await call(edge, "/api/v1/bridge/reader-results", { device: bridge, body: result });
    assert.deepEqual(handed, { status: 200, body: { new: true } });
    const again = await call(edge, "/api/v1/bridge/reader-results", { device: bridge, body: result });
    assert.deepEqual(again, { status: 200, body: { new: false } }, "the same face file is kept once");
    const list = await asStaff("/api/v1/staff/checkins");
    const listed = list.body.checkins.filter((checkIn) => checkIn.method === "national_reader");
    assert.equal(listed.length, 1);
    assert.equal(listed[0].name, "顔認　花子");
    assert.equal(listed[0].device_id, bridge.id);

    assert.deepEqual((await asStaff("/api/v1/staff/bridge")).body, { alerts: [] }, "no report yet, nothing to tell");
    const stalled = await call(edge, "/api/v1/bridge/health", {
      device: bridge,
      body: { link_app_stalled_ms: 42000, waiting_in_req: 1 },
    });
    assert.equal(stalled.status, 204);
    const told = await asStaff("/api/v1/staff/bridge");
    assert.deepEqual(told.body.alerts, ["link_app_stalled"]);
    assert.equal(told.body.health.waiting_in_req, 1);
    expectError(await call(edge, "/api/v1/bridge/health", { body: { waiting_in_req: 0 } }), 403, "forbidden");
  });

  test("a replayed challenge and a replayed session request are refused", async () => {
    const card = testCard(0);
    const issued = await challenge();
    const body = sessionBody(issued, card.certificate, card.sign(issued.bytes, issued.deviceId));
    assert.equal((await call(edge, "/api/v1/session", { body })).status, 200);
    expectError(await call(edge, "/api/v1/session", { body }), 409, "challenge_replayed");
  });

  test("a session is refused on another device, after revocation of its device, and when forged", async () => {
    const session = await openSession(testCard(0));
    const authorization = `Bearer ${session.body.session_token}`;
    const other = await enrolDevice(edge.url);
    expectError(await call(edge, "/api/v1/qualification", { device: other, body: {}, headers: { authorization } }), 401, "session_invalid");
    const [payload] = session.body.session_token.split(".");
    const forged = `Bearer ${payload}.${Buffer.alloc(32).toString("base64url")}`;
    expectError(await call(edge, "/api/v1/qualification", { body: {}, headers: { authorization: forged } }), 401, "session_invalid");

    const doomed = await enrolDevice(edge.url);
    const doomedSession = await openSession(testCard(0), edge, doomed);
    assert.equal(doomedSession.status, 200);
    const revoke = await call(edge, `/api/v1/admin/devices/${doomed.id}/revoke`, {
      device: null,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(revoke.status, 200);
    const afterRevoke = await call(edge, "/api/v1/qualification", {
      device: doomed,
      body: {},
      headers: { authorization: `Bearer ${doomedSession.body.session_token}` },
    });
    expectError(afterRevoke, 401, "device_not_enrolled");
  });

  test("a staff token serves only the staff console it was opened on, and ends with that console's revocation", async () => {
    const staff = await staffSession(device.facilityCode);
    const path = "/api/v1/staff/checkins";
    const list = (signer, headers = staff.headers) => call(edge, path, { device: signer, method: "GET", headers });
    assert.equal((await list(staff.console)).status, 200);
    // Copied to another enrolled staff console of the facility, to the facility's kiosk, or sent bare.
    const second = await enrolDevice(edge.url, { facilityCode: device.facilityCode, role: "staff_console" });
    expectError(await list(second), 401, "session_invalid");
    expectError(await list(device), 403, "forbidden");
    expectError(await list(null), 401, "unauthorized");
    // A recorded request sent again, its proof and all: the nonce is spent.
    const headers = { ...(await staff.console.headers("GET", path, "")), ...staff.headers };
    assert.equal((await fetch(`${edge.url}${path}`, { headers })).status, 200);
    const replayed = await fetch(`${edge.url}${path}`, { headers });
    assert.deepEqual([replayed.status, (await replayed.json()).error], [401, "unauthorized"]);
    // A kiosk's enrolment code does not make a staff console, nor a staff console's code a kiosk.
    const kioskCode = await issueEnrolmentCode(edge.url, device.facilityCode);
    await assert.rejects(enrolDevice(edge.url, { code: kioskCode, role: "staff_console" }), /enrolment refused: 401/);
    const consoleCode = await issueEnrolmentCode(edge.url, device.facilityCode, ADMIN_TOKEN, { staffed: false, role: "staff_console" });
    await assert.rejects(enrolDevice(edge.url, { code: consoleCode, role: "kiosk" }), /enrolment refused: 401/);
    // The admin revokes the console: its session ends at once, though its token has not expired.
    const revoke = await call(edge, `/api/v1/admin/devices/${staff.console.id}/revoke`, {
      device: null,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    expectError(await list(staff.console), 401, "device_not_enrolled");
  });

  test("unknown devices are told to enrol again and calls without a device proof are unauthorized", async () => {
    expectError(await call(edge, "/api/v1/challenge", { device: null }), 401, "unauthorized");
    const ghost = { ...device, headers: async (...args) => ({ ...(await device.headers(...args)), "x-onshi-device-id": "AAAAAAAAAAAAAAAAAAAAAA" }) };
    expectError(await call(edge, "/api/v1/challenge", { device: ghost }), 401, "device_not_enrolled");
  });

  test("expired, forged and wrong-CA certificates are refused", async () => {
    const real = realExpiredCard();
    let issued = await challenge();
    expectError(
      await call(edge, "/api/v1/session", { body: sessionBody(issued, real.certificate, real.signature) }),
      401,
      "certificate_expired",
    );

    const card = testCard(0);
    const altered = Buffer.from(card.certificate);
    const commonName = new X509Certificate(card.certificate).subject.match(/CN=(.+)/)[1];
    const at = altered.indexOf(Buffer.from(commonName, "latin1"));
    altered[at] = altered[at] === 0x5a ? 0x59 : 0x5a;
    issued = await challenge();
    expectError(
      await call(edge, "/api/v1/session", { body: sessionBody(issued, altered, card.sign(issued.bytes, issued.deviceId)) }),
      401,
      "certificate_untrusted",
    );

    // An edge configured as in development trusts only the test CA: a real J-LIS card is from the wrong CA.
    const devEdge = await startEdge({ originUrl: origin.url, caPem: testCaPem() });
    try {
      const devDevice = await enrolDevice(devEdge.url);
      const devIssued = await challenge(devEdge, devDevice);
      const refused = await call(devEdge, "/api/v1/session", {
        device: devDevice,
        body: sessionBody(devIssued, real.certificate, real.signature),
      });
      expectError(refused, 401, "certificate_untrusted");
    } finally {
      await devEdge.dispose();
    }
  });

  test("a signature over another challenge, or by another card, is refused", async () => {
    const card = testCard(0);
    const first = await challenge();
    const second = await challenge();
    expectError(
      await call(edge, "/api/v1/session", { body: sessionBody(second, card.certificate, card.sign(first.bytes, first.deviceId)) }),
      401,
      "signature_invalid",
    );
    const third = await challenge();
    expectError(
      await call(edge, "/api/v1/session", { body: sessionBody(third, card.certificate, testCard(1).sign(third.bytes, third.deviceId)) }),
      401,
      "signature_invalid",
    );
  });

  test("a certificate the origin's J-LIS stand-in reports revoked gets no session", async () => {
    const card = testCard(1);
    const certificate = new X509Certificate(card.certificate);
    const issuer = "CN=onshi test auth CA,OU=JPKI for user authentication TEST,O=onshi test,C=JP";
    const response = await fetch(`${origin.url}/admin/v1/certificates`, {
      method: "POST",
      headers: { authorization: `Bearer ${ORIGIN_ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        certificate: { issuer, serial: card.serial },
        // The worked example of a valid 個人番号 from the reference notes (check digit 8).
        individual_number: "123456789018",
        status: "revoked",
      }),
    });
    assert.equal(response.status, 204, await response.text());
    assert.ok(certificate.serialNumber.toUpperCase().endsWith(card.serial));
    expectError(await openSession(card), 401, "certificate_revoked");
  });

  test("oversized and malformed bodies never reach the origin", async () => {
    expectError(await call(edge, "/api/v1/session", { body: "x".repeat(17 * 1024) }), 413, "payload_too_large");
    expectError(await call(edge, "/api/v1/session", { body: "{not json" }), 400, "bad_request");
    expectError(await call(edge, "/api/v1/session", { body: { challenge_id: "x" } }), 400, "bad_request");
  });

  test("a slow origin gives 504 and the next call succeeds again", async () => {
    relay.delayMs = 2500;
    try {
      expectError(await openSession(testCard(0)), 504, "origin_timeout");
    } finally {
      relay.delayMs = 0;
    }
    assert.equal((await openSession(testCard(0))).status, 200);
  });

  test("an origin that is down gives 503", async () => {
    await origin.stop();
    expectError(await openSession(testCard(0)), 503, "origin_unavailable");
  });
});
