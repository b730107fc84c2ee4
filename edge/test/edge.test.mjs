// The built edge worker in workerd (Miniflare), against a fake origin that verifies its request signatures.
// Every card call is made by an enrolled device whose WebCrypto P-256 key signs the request.
// Run: node --test edge/test/*.test.mjs   (after `worker-build --release` in edge/)

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  ADMIN_TOKEN,
  FACILITY_CODE,
  QUALIFICATION_ANSWER,
  closedPortUrl,
  enrolDevice,
  issueEnrolmentCode,
  realAuthCaPem,
  realExpiredCard,
  startEdge,
  startFakeOrigin,
  testCard,
  testCardEnding,
} from "./helpers.mjs";

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const HSTS = "max-age=63072000; includeSubDomains";

let origin;
let edge;
/** The enrolled device most tests call from. */
let kiosk;

/**
 * Calls the edge and checks what every API answer must carry. The call carries `device`'s proof (the shared
 * kiosk unless told otherwise; `null` for none); explicit `headers` win over the proof's.
 */
async function api(path, { method = "POST", body, headers = {}, device = kiosk, timestamp, target = edge } = {}) {
  const init = { method, headers: {} };
  let bytes = "";
  if (body !== undefined) {
    bytes = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
    init.body = bytes;
    init.headers["content-type"] = "application/json";
  }
  if (device) Object.assign(init.headers, await device.headers(method, path, bytes, timestamp));
  Object.assign(init.headers, headers);
  const response = await fetch(`${target.url}${path}`, init);
  assert.equal(response.headers.get("cache-control"), "no-store", `no-store on ${method} ${path}`);
  // fetch asks for gzip and br; the answer must still come uncompressed (see API_RESPONSE_HEADERS).
  assert.equal(response.headers.get("content-encoding"), "identity", `uncompressed ${method} ${path}`);
  assert.match(response.headers.get("content-type"), /^application\/json/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  return { status: response.status, body: await response.json() };
}

function expectError(result, status, code) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.equal(result.body.error, code);
  assert.equal(typeof result.body.message, "string");
  assert.deepEqual(Object.keys(result.body).sort(), ["error", "message"]);
}

async function newChallenge(options = {}) {
  const result = await api("/api/v1/challenge", options);
  assert.equal(result.status, 200, JSON.stringify(result.body));
  const deviceId = (options.device ?? kiosk).id;
  return { id: result.body.challenge_id, bytes: Buffer.from(result.body.challenge, "base64"), deviceId };
}

function sessionBody(challenge, certificate, signature) {
  return {
    challenge_id: challenge.id,
    certificate: Buffer.from(certificate).toString("base64"),
    signature: Buffer.from(signature).toString("base64"),
  };
}

async function openSession(card, options = {}) {
  const challenge = await newChallenge(options);
  return api("/api/v1/session", {
    ...options,
    body: sessionBody(challenge, card.certificate, card.sign(challenge.bytes, challenge.deviceId)),
  });
}

before(async () => {
  origin = await startFakeOrigin();
  edge = await startEdge({ originUrl: origin.url, originTimeoutMs: 1500, rateLimitPerDevice: 1000 });
  kiosk = await enrolDevice(edge.url);
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
});

beforeEach(() => {
  origin.behaviour.mode = "normal";
  origin.behaviour.revoked.clear();
  origin.behaviour.unknown.clear();
});

describe("check-in flow", () => {
  test("challenge → card signature → session → qualification", async () => {
    const card = testCard(0);
    const challenge = await newChallenge();
    assert.equal(challenge.bytes.length, 32);

    const session = await api("/api/v1/session", {
      body: sessionBody(challenge, card.certificate, card.sign(challenge.bytes, challenge.deviceId)),
      headers: { "accept-language": "ja-JP" },
    });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.ok(session.body.expires_at > Math.floor(Date.now() / 1000));

    origin.received.length = 0;
    const answer = await api("/api/v1/qualification", {
      body: { arbitrary_identifier: "visit-0001" },
      headers: { authorization: `Bearer ${session.body.session_token}`, cookie: "kiosk=1" },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, QUALIFICATION_ANSWER);

    const [query] = origin.received;
    assert.equal(query.path, "/v1/qualification/by-certificate");
    assert.equal(query.query.certificate.serial, card.serial);
    assert.equal(
      query.query.certificate.issuer,
      "CN=onshi test auth CA,OU=JPKI for user authentication TEST,O=onshi test,C=JP",
    );
    assert.equal(query.query.arbitrary_identifier, "visit-0001");
    assert.equal(query.query.facility_code, FACILITY_CODE);
    assert.equal(query.query.device_id, kiosk.id);
    assert.equal(query.headers.authorization, undefined, "the kiosk's Authorization never reaches the origin");
    assert.equal(query.headers.cookie, undefined);
    assert.deepEqual(origin.signatureFailures, [], "every origin call carried a valid signature");
  });

  test("challenge → card signature → session and its qualification in one request", async () => {
    const card = testCard(0);
    const challenge = await newChallenge();
    origin.received.length = 0;
    const body = {
      ...sessionBody(challenge, card.certificate, card.sign(challenge.bytes, challenge.deviceId)),
      qualification: { arbitrary_identifier: "visit-0002" },
    };
    const opened = await api("/api/v1/session", { body });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.deepEqual(opened.body.qualification, QUALIFICATION_ANSWER);
    assert.equal(typeof opened.body.session_token, "string");

    // One origin call asked the status and the query together, for the card the signature proved.
    assert.deepEqual(origin.received.map((r) => r.path), ["/v1/qualification/by-certificate/with-status"]);
    const query = origin.received[0].query;
    assert.equal(query.certificate.serial, card.serial);
    assert.equal(query.arbitrary_identifier, "visit-0002");
    assert.equal(query.device_id, kiosk.id);
    assert.deepEqual(origin.signatureFailures, [], "every origin call carried a valid signature");

    // The session it handed out serves the later calls, and the challenge is spent.
    const again = await api("/api/v1/qualification", {
      body: {}, headers: { authorization: `Bearer ${opened.body.session_token}` },
    });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    expectError(await api("/api/v1/session", { body }), 409, "challenge_replayed");

    // A revoked card is refused, with the ask in the body (the one combined call, which the origin answers with
    // the status alone) or without it (the status-only call).
    origin.behaviour.revoked.add(card.serial);
    origin.received.length = 0;
    const next = await newChallenge();
    const refused = await api("/api/v1/session", {
      body: { ...sessionBody(next, card.certificate, card.sign(next.bytes, next.deviceId)), qualification: {} },
    });
    expectError(refused, 401, "certificate_revoked");
    assert.deepEqual(origin.received.map((r) => r.path), ["/v1/qualification/by-certificate/with-status"]);
    origin.received.length = 0;
    const plain = await newChallenge();
    const alsoRefused = await api("/api/v1/session", {
      body: sessionBody(plain, card.certificate, card.sign(plain.bytes, plain.deviceId)),
    });
    expectError(alsoRefused, 401, "certificate_revoked");
    assert.deepEqual(origin.received.map((r) => r.path), ["/v1/certificate-status"]);
  });

  test("a challenge is single-use", async () => {
    const card = testCard(0);
    const challenge = await newChallenge();
    const body = sessionBody(challenge, card.certificate, card.sign(challenge.bytes, challenge.deviceId));
    assert.equal((await api("/api/v1/session", { body })).status, 200);
    expectError(await api("/api/v1/session", { body }), 409, "challenge_replayed");
  });

  test("a challenge is answered only on the device that asked for it, and only as a bound message", async () => {
    const card = testCard(0);
    const other = await enrolDevice(edge.url);
    const challenge = await newChallenge();
    // Another kiosk presents the answer, signed for the asking kiosk or for itself: the challenge is not its own.
    for (const signedFor of [kiosk.id, other.id]) {
      const body = sessionBody(challenge, card.certificate, card.sign(challenge.bytes, signedFor));
      expectError(await api("/api/v1/session", { body, device: other }), 409, "challenge_unknown");
    }
    // Those attempts did not burn it: the asking kiosk's answer still opens a session.
    const own = sessionBody(challenge, card.certificate, card.sign(challenge.bytes, kiosk.id));
    assert.equal((await api("/api/v1/session", { body: own })).status, 200);
    // The bare challenge, signed with no protocol tag, purpose or device, opens nothing.
    const fresh = await newChallenge();
    const bare = sessionBody(fresh, card.certificate, card.signBare(fresh.bytes));
    expectError(await api("/api/v1/session", { body: bare }), 401, "signature_invalid");
  });

  test("a challenge the edge never issued is unknown", async () => {
    const card = testCard(0);
    const fake = { id: "AAAAAAAAAAAAAAAAAAAAAA", bytes: Buffer.alloc(32, 7) };
    const body = sessionBody(fake, card.certificate, card.sign(fake.bytes, kiosk.id));
    expectError(await api("/api/v1/session", { body }), 409, "challenge_unknown");
  });
});

describe("consent and visual-check sessions", () => {
  test("a consent forwards the kinds and the prescription choice to the origin", async () => {
    const card = testCard(0);
    const session = await openSession(card);
    assert.equal(session.status, 200, JSON.stringify(session.body));
    origin.received.length = 0;
    const consent = await api("/api/v1/consent", {
      body: { kinds: ["medication"], prescription: "electronic" },
      headers: { authorization: `Bearer ${session.body.session_token}` },
    });
    assert.equal(consent.status, 200, JSON.stringify(consent.body));
    const [sent] = origin.received;
    assert.equal(sent.path, "/v1/consent");
    assert.equal(sent.query.prescription, "electronic");
    assert.deepEqual(sent.query.kinds, ["medication"]);
    assert.equal(sent.query.certificate.serial, card.serial);
    assert.equal(sent.query.facility_code, FACILITY_CODE);
  });

  test("a kiosk not enrolled as staffed may not ask for 目視, and a staffed one only a few times an hour", async () => {
    const card = testCard(1);
    const body = { certificate: card.certificate.toString("base64") };
    const code = await issueEnrolmentCode(edge.url, FACILITY_CODE, ADMIN_TOKEN, { staffed: false });
    const corner = await enrolDevice(edge.url, { code });
    origin.received.length = 0;
    expectError(await api("/api/v1/visual-check", { body, device: corner }), 403, "forbidden");
    assert.deepEqual(origin.received, [], "nothing reached the origin for an unstaffed kiosk");
    // The same kiosk's PIN check-in is untouched: only 目視 needs staff beside it.
    assert.equal((await api("/api/v1/challenge", { device: corner })).status, 200);

    const reception = await enrolDevice(edge.url);
    for (let i = 0; i < 6; i += 1) {
      const ticket = await api("/api/v1/visual-check", { body, device: reception });
      assert.equal(ticket.status, 200, JSON.stringify(ticket.body));
    }
    expectError(await api("/api/v1/visual-check", { body, device: reception }), 429, "rate_limited");
  });

  test("the facility's bridge hands on a national-reader result; a kiosk may not, and the bridge may not check a card in", async () => {
    const code = await issueEnrolmentCode(edge.url, FACILITY_CODE, ADMIN_TOKEN, { staffed: false, role: "bridge" });
    const bridge = await enrolDevice(edge.url, { code });
    const result = { file_name: "OQSsiquc01res_face_01.xml", validity: "valid", name: "山田 花子", contribution_percent: 30 };
    origin.received.length = 0;
    const handed = await api("/api/v1/bridge/reader-results", { body: result, device: bridge });
    assert.equal(handed.status, 200, JSON.stringify(handed.body));
    assert.deepEqual(handed.body, { new: true });
    const [sent] = origin.received;
    assert.equal(sent.path, "/v1/reader-results");
    assert.equal(sent.query.facility_code, FACILITY_CODE, "the facility comes from the bridge's proof");
    assert.equal(sent.query.device_id, bridge.id);
    assert.deepEqual(sent.query.result, result);

    origin.received.length = 0;
    expectError(await api("/api/v1/bridge/reader-results", { body: result }), 403, "forbidden");
    expectError(await api("/api/v1/challenge", { device: bridge }), 403, "forbidden");
    expectError(
      await api("/api/v1/bridge/reader-results", { body: { ...result, file_name: "../x.xml" }, device: bridge }),
      400,
      "bad_request",
    );
    assert.deepEqual(origin.received, [], "nothing reached the origin");
    const staffedBridge = await fetch(`${edge.url}/api/v1/admin/enrolment-codes`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ facility_code: FACILITY_CODE, staffed: true, role: "bridge" }),
    });
    assert.equal(staffedBridge.status, 400);
  });

  test("a session opened by staff approval says 目視 and may not do what needs the PIN", async () => {
    const card = testCard(1);
    const ticket = await api("/api/v1/visual-check", { body: { certificate: card.certificate.toString("base64") } });
    assert.equal(ticket.status, 200, JSON.stringify(ticket.body));
    const status = await api("/api/v1/visual-check/status", { body: { request_id: ticket.body.request_id } });
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.body.state, "approved");
    assert.deepEqual(status.body.qualification, QUALIFICATION_ANSWER);
    const token = status.body.session.session_token;
    // The token's claims are readable (only their MAC is secret): they name the method.
    const claims = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString("utf8"));
    assert.equal(claims.method, "visual_check");

    origin.received.length = 0;
    const authorization = `Bearer ${token}`;
    // The origin recorded the 目視 check-in when it handed over the answer; a second query would be a PIN one.
    expectError(await api("/api/v1/qualification", { body: {}, headers: { authorization } }), 401, "session_invalid");
    expectError(
      await api("/api/v1/registration", { body: { terms_accepted: true }, headers: { authorization } }),
      401,
      "session_invalid",
    );
    assert.deepEqual(origin.received, [], "nothing PIN-bound reached the origin");
    const consent = await api("/api/v1/consent", { body: { kinds: [] }, headers: { authorization } });
    assert.equal(consent.status, 200, JSON.stringify(consent.body));
    assert.deepEqual(origin.received.map((call) => call.path), ["/v1/consent"]);

    // A PIN session of the same card still may.
    const pin = await openSession(card);
    const pinClaims = JSON.parse(Buffer.from(pin.body.session_token.split(".")[0], "base64url").toString("utf8"));
    assert.equal(pinClaims.method, "pin");
    const registration = await api("/api/v1/registration", {
      body: { terms_accepted: true },
      headers: { authorization: `Bearer ${pin.body.session_token}` },
    });
    assert.equal(registration.status, 200, JSON.stringify(registration.body));
  });
});

/** The calendar day in Japan `days` after today (negative: before), as `YYYY-MM-DD`. */
function japanDay(days) {
  return new Date(Date.now() + 9 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/** The last day of the third calendar month after the month of `isoDate`: the end of a certificate's grace. */
function endOfGrace(isoDate) {
  const [year, month] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1 + 4, 0)).toISOString().slice(0, 10);
}

describe("expired-certificate grace", () => {
  test("a certificate expired within its grace opens a qualification-only session, which may not consent or register", async () => {
    const expiredOn = japanDay(-20);
    const card = testCardEnding(0, expiredOn);
    const session = await openSession(card);
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.equal(session.body.scope, "qualification_only");
    assert.deepEqual(session.body.expiry_notice, {
      kind: "in_grace",
      expired_on: expiredOn,
      covered_until: endOfGrace(expiredOn),
    });
    const bearer = { authorization: `Bearer ${session.body.session_token}` };
    origin.received.length = 0;
    const answer = await api("/api/v1/qualification", { body: {}, headers: bearer });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const [query] = origin.received;
    assert.equal(query.query.scope, "qualification_only", "the origin is told the scope, to enforce it again");
    assert.equal(query.query.expiry_notice.kind, "in_grace");
    const claims = JSON.parse(Buffer.from(session.body.session_token.split(".")[0], "base64url").toString("utf8"));
    assert.equal(claims.scope, "qualification_only");

    origin.received.length = 0;
    const consent = await api("/api/v1/consent", { body: { kinds: ["comprehensive"], prescription: "paper" }, headers: bearer });
    expectError(consent, 403, "qualification_only");
    const registration = await api("/api/v1/registration", { body: { terms_accepted: true }, headers: bearer });
    expectError(registration, 403, "qualification_only");
    assert.deepEqual(origin.received, [], "the edge refused both without asking the origin");
  });

  test("a certificate past its grace is refused, and one in its grace is still checked for revocation", async () => {
    expectError(await openSession(testCardEnding(0, japanDay(-150))), 401, "certificate_expired");
    const revoked = testCardEnding(2, japanDay(-20));
    origin.behaviour.revoked.add(revoked.serial);
    expectError(await openSession(revoked), 401, "certificate_revoked");
  });

  test("a certificate expiring within three months opens a full session that says how many days are left", async () => {
    const expiresOn = japanDay(30);
    const session = await openSession(testCardEnding(1, expiresOn));
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.equal(session.body.scope, "full");
    assert.deepEqual(session.body.expiry_notice, { kind: "expiring_soon", expires_on: expiresOn, days_left: 30 });
    const bearer = { authorization: `Bearer ${session.body.session_token}` };
    const consent = await api("/api/v1/consent", { body: { kinds: ["comprehensive"], prescription: "paper" }, headers: bearer });
    assert.equal(consent.status, 200, JSON.stringify(consent.body));
  });
});

describe("card authentication", () => {
  test("an expired real My Number card certificate is refused", async () => {
    const real = realExpiredCard();
    const challenge = await newChallenge();
    const body = sessionBody(challenge, real.certificate, real.signature);
    expectError(await api("/api/v1/session", { body }), 401, "certificate_expired");
  });

  test("a certificate no trusted CA signed is refused", async () => {
    const card = testCard(0);
    // Change one character of the subject's CN: still a well-formed certificate, but not what the CA signed.
    const altered = Buffer.from(card.certificate);
    const commonName = new X509Certificate(card.certificate).subject.match(/CN=(.+)/)[1];
    const at = altered.indexOf(Buffer.from(commonName, "latin1"));
    assert.ok(at > 0);
    altered[at] = altered[at] === 0x5a ? 0x59 : 0x5a;
    const challenge = await newChallenge();
    const body = sessionBody(challenge, altered, card.sign(challenge.bytes, challenge.deviceId));
    expectError(await api("/api/v1/session", { body }), 401, "certificate_untrusted");
  });

  test("a signature by another card's key is refused", async () => {
    const challenge = await newChallenge();
    const body = sessionBody(challenge, testCard(0).certificate, testCard(1).sign(challenge.bytes, challenge.deviceId));
    expectError(await api("/api/v1/session", { body }), 401, "signature_invalid");
  });

  test("a revoked certificate gets no session", async () => {
    const card = testCard(2);
    origin.behaviour.revoked.add(card.serial);
    expectError(await openSession(card), 401, "certificate_revoked");
  });

  test("a certificate whose status is unknown gets no session, unless the operator set REVOCATION_SOFT_FAIL", async () => {
    const card = testCard(2);
    origin.behaviour.unknown.add(card.serial);
    expectError(await openSession(card), 401, "certificate_untrusted");

    const warnings = [];
    const softEdge = await startEdge({
      originUrl: origin.url,
      revocationSoftFail: true,
      onLog: (message, level) => {
        if (level === "warn") warnings.push(message);
      },
    });
    try {
      const softKiosk = await enrolDevice(softEdge.url);
      const session = await openSession(card, { target: softEdge, device: softKiosk });
      assert.equal(session.status, 200, JSON.stringify(session.body));
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], /REVOCATION_SOFT_FAIL/);
    } finally {
      await softEdge.dispose();
    }
  });

  test("an edge configured with a plain-http origin off this machine will not run", async () => {
    const exposed = await startEdge({ originUrl: "http://origin.example.jp:8788" });
    try {
      const health = await fetch(`${exposed.url}/api/v1/health`);
      assert.equal(health.status, 500);
      assert.equal((await health.json()).error, "internal");
    } finally {
      await exposed.dispose();
    }
    // The same edge with its origin on a loopback address runs (every other test here does).
    const health = await fetch(`${edge.url}/api/v1/health`);
    assert.equal(health.status, 200);
  });

  test("only a development edge tells a caller its own timings; a production edge sends no Server-Timing", async () => {
    // The header says how long the origin and the Durable Objects took: a help to the bench, a gift to an attacker.
    const development = await fetch(`${edge.url}/api/v1/challenge`, { method: "POST" });
    assert.equal(development.status, 401);
    assert.match(development.headers.get("server-timing") ?? "", /edge;dur=/);
    const productionEdge = await startEdge({ originUrl: origin.url, environment: "production", caPem: realAuthCaPem() });
    try {
      assert.equal((await fetch(`${productionEdge.url}/api/v1/health`)).status, 200, "the production edge runs");
      const production = await fetch(`${productionEdge.url}/api/v1/challenge`, { method: "POST" });
      assert.equal(production.status, 401);
      assert.equal(production.headers.get("server-timing"), null);
    } finally {
      await productionEdge.dispose();
    }
  });

  test("an edge configured as production will not run with the committed test CA", async () => {
    const productionEdge = await startEdge({ originUrl: origin.url, environment: "production" });
    try {
      const health = await fetch(`${productionEdge.url}/api/v1/health`);
      assert.equal(health.status, 500);
      assert.equal((await health.json()).error, "internal");
    } finally {
      await productionEdge.dispose();
    }
  });
});

describe("sessions", () => {
  test("qualification without a session is refused", async () => {
    expectError(await api("/api/v1/qualification", { body: {} }), 401, "session_invalid");
  });

  test("a forged session is refused", async () => {
    const session = await openSession(testCard(0));
    const [payload] = session.body.session_token.split(".");
    const forged = `${payload}.${Buffer.alloc(32).toString("base64url")}`;
    const headers = { authorization: `Bearer ${forged}` };
    expectError(await api("/api/v1/qualification", { body: {}, headers }), 401, "session_invalid");
  });
});

describe("origin failures", () => {
  test("an origin that does not answer in time gives 504", async () => {
    origin.behaviour.mode = "hang";
    expectError(await openSession(testCard(0)), 504, "origin_timeout");
  });

  test("an origin server error or garbage gives 502", async () => {
    origin.behaviour.mode = "error500";
    expectError(await openSession(testCard(0)), 502, "origin_error");
    origin.behaviour.mode = "garbage";
    expectError(await openSession(testCard(0)), 502, "origin_error");
  });

  test("an answer that does not carry the origin's signature over this request opens nothing", async () => {
    origin.behaviour.revoked.add(testCard(0).serial);
    try {
      expectError(await openSession(testCard(0)), 401, "certificate_revoked");
      // Something in the origin's place now calls the revoked certificate good: no session.
      origin.behaviour.mode = "impostor";
      expectError(await openSession(testCard(0)), 502, "origin_error");
    } finally {
      origin.behaviour.revoked.delete(testCard(0).serial);
    }
  });

  test("a typed origin refusal is passed on by its code", async () => {
    const session = await openSession(testCard(0));
    origin.behaviour.mode = "held";
    const headers = { authorization: `Bearer ${session.body.session_token}` };
    expectError(await api("/api/v1/qualification", { body: {}, headers }), 423, "record_held");
  });

  test("an unreachable origin gives 503", async () => {
    const downEdge = await startEdge({ originUrl: await closedPortUrl() });
    try {
      const device = await enrolDevice(downEdge.url);
      const result = await openSession(testCard(0), { device, target: downEdge });
      expectError(result, 503, "origin_unavailable");
    } finally {
      await downEdge.dispose();
    }
  });
});

describe("request hygiene", () => {
  test("an oversized body is refused with 413, declared or streamed", async () => {
    const big = "x".repeat(17 * 1024);
    expectError(await api("/api/v1/session", { body: big }), 413, "payload_too_large");
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 17; i += 1) controller.enqueue(new TextEncoder().encode("y".repeat(1024)));
        controller.close();
      },
    });
    const response = await fetch(`${edge.url}/api/v1/session`, { method: "POST", body: chunked, duplex: "half" });
    assert.equal(response.status, 413);
    assert.equal((await response.json()).error, "payload_too_large");
  });

  test("malformed JSON is a bad request", async () => {
    expectError(await api("/api/v1/session", { body: "{not json" }), 400, "bad_request");
    const session = await openSession(testCard(0));
    const headers = { authorization: `Bearer ${session.body.session_token}` };
    expectError(await api("/api/v1/qualification", { body: "[1,", headers }), 400, "bad_request");
  });

  test("unknown API paths and wrong methods answer with typed 404s", async () => {
    expectError(await api("/api/v1/nothing-here"), 404, "not_found");
    expectError(await api("/api/v1/session", { method: "GET" }), 404, "not_found");
    const health = await api("/api/v1/health", { method: "GET" });
    assert.deepEqual(health, { status: 200, body: { status: "ok" } });
  });
});

describe("static files", () => {
  test("the kiosk's files carry the CSP and security headers", async () => {
    const response = await fetch(`${edge.url}/`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /onshi edge static fixture/);
    assert.equal(response.headers.get("content-security-policy"), CSP);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("referrer-policy"), "no-referrer");
    assert.equal(response.headers.get("strict-transport-security"), HSTS);
    assert.equal(response.headers.get("cross-origin-opener-policy"), "same-origin");
    // WebUSB (the reader) and the camera for this origin only; nothing else a script could reach for.
    const permissions = response.headers.get("permissions-policy") ?? "";
    assert.match(permissions, /(^|, )usb=\(self\)(,|$)/);
    for (const closed of ["microphone", "geolocation", "payment", "serial", "hid", "bluetooth"]) {
      assert.match(permissions, new RegExp(`(^|, )${closed}=\\(\\)(,|$)`), closed);
    }
  });

  test("API answers carry HSTS and a CSP that closes base and form targets", async () => {
    const response = await fetch(`${edge.url}/api/v1/health`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("strict-transport-security"), HSTS);
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /base-uri 'none'/);
    assert.match(csp, /form-action 'none'/);
    await response.arrayBuffer();
  });

  test("a missing file is a 404 with the same headers", async () => {
    const response = await fetch(`${edge.url}/no-such-file.js`);
    assert.equal(response.status, 404);
    assert.equal(response.headers.get("content-security-policy"), CSP);
    await response.arrayBuffer();
  });
});
