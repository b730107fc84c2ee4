// The built edge worker in workerd against the REAL origin process (ONSHI_ORIGIN_BIN, seeded with the demo cards):
// a consent withdrawn at the kiosk or by staff stops a consented read that worked a second before, staff of another
// facility cannot withdraw for this facility's check-in, and a cancelled 健康保険証利用登録 makes the card's next
// check-in answer 該当資格なし. The consented reads here are asked of the origin directly, signed as the edge signs;
// staff's read through the edge's own route is refused the same way in tests/e2e/withdrawal.test.mjs.
// Run: ONSHI_ORIGIN_BIN=target/debug/onshi-origin node --test edge/test/withdrawal.test.mjs

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { originSignatureHeaders } from "../../xtask/origin-signature.mjs";
import {
  FIXTURES, ORIGIN_SIGNING_KEY, callEdge, enrolDevice, startEdge, startRealOrigin, testCard,
  staffSessionOf,
} from "./helpers.mjs";

const DEMO_CARDS = JSON.parse(readFileSync(resolve(FIXTURES, "demo-cards.json"), "utf8"));
const OTHER_FACILITY = "1312345679";

let origin;
let edge;
let device;

/** Calls the edge as this file's kiosk, unless another `signer` is given (see `callEdge`). */
const call = (path, { signer = device, ...options } = {}) => callEdge(edge.url, path, { signer, ...options });

/** A consented read of card `index`'s 薬剤情報 for the device's facility, asked of the origin as the edge asks. */
async function medicationRead(index, facilityCode = device.facilityCode) {
  const holder = DEMO_CARDS[index];
  const path = "/v1/medical-info/medication";
  const body = JSON.stringify({
    certificate: { issuer: holder.certificate_issuer, serial: holder.certificate_serial },
    facility_code: facilityCode,
  });
  const response = await fetch(`${origin.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...originSignatureHeaders(ORIGIN_SIGNING_KEY, "POST", path, body) },
    body,
  });
  return { status: response.status, body: await response.json() };
}

/** A PIN session of test card `index` on `signer`; answers its bearer header. */
async function pinSession(index, signer = device) {
  const card = testCard(index);
  const issued = await call("/api/v1/challenge", { signer });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const challenge = Buffer.from(issued.body.challenge, "base64");
  const session = await call("/api/v1/session", {
    signer,
    body: {
      challenge_id: issued.body.challenge_id,
      certificate: card.certificate.toString("base64"),
      signature: card.sign(challenge, signer.id).toString("base64"),
    },
  });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  return { authorization: `Bearer ${session.body.session_token}` };
}

/** A staff session of `facilityCode`: `{ signer, headers }`. */
const staffOf = (facilityCode) => staffSessionOf(edge.url, facilityCode);

before(async () => {
  origin = await startRealOrigin();
  edge = await startEdge({ originUrl: origin.url });
  device = await enrolDevice(edge.url);
});

after(async () => {
  await edge?.dispose();
  await origin?.stop();
});

describe("what a patient takes back, through workerd and the real origin", () => {
  test("a withdrawal at the kiosk stops a read that worked a second before, and a new consent opens it again", async () => {
    const bearer = await pinSession(0);
    const agreed = await call("/api/v1/consent", { body: { kinds: ["comprehensive"], prescription: "paper" }, headers: bearer });
    assert.equal(agreed.status, 200, JSON.stringify(agreed.body));
    assert.equal((await medicationRead(0)).status, 200);

    const unconfirmed = await call("/api/v1/consent/withdraw", { body: { confirmed: false }, headers: bearer });
    assert.deepEqual([unconfirmed.status, unconfirmed.body.error], [400, "bad_request"]);
    assert.equal((await medicationRead(0)).status, 200, "an unconfirmed withdrawal changes nothing");

    const withdrawn = await call("/api/v1/consent/withdraw", { body: { confirmed: true }, headers: bearer });
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
    assert.deepEqual(withdrawn.body.withdrawn, ["comprehensive"]);
    const refused = await medicationRead(0);
    assert.deepEqual([refused.status, refused.body.error], [403, "consent_required"]);

    const again = await call("/api/v1/consent", { body: { kinds: ["medication"], prescription: "paper" }, headers: bearer });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await medicationRead(0)).status, 200);
  });

  test("staff withdraw for their facility's check-in; staff of another facility cannot", async () => {
    const bearer = await pinSession(1);
    const checkedIn = await call("/api/v1/qualification", { body: {}, headers: bearer });
    assert.equal(checkedIn.status, 200, JSON.stringify(checkedIn.body));
    const agreed = await call("/api/v1/consent", { body: { kinds: ["medication"], prescription: "paper" }, headers: bearer });
    assert.equal(agreed.status, 200, JSON.stringify(agreed.body));
    assert.equal((await medicationRead(1)).status, 200);

    const staff = await staffOf(device.facilityCode);
    const list = await call("/api/v1/staff/checkins", { signer: staff.signer, method: "GET", headers: staff.headers });
    const row = list.body.checkins.find((checkIn) => checkIn.device_id === device.id && checkIn.name);
    assert.ok(row, JSON.stringify(list.body));
    assert.equal(row.consent_withdrawn_at, undefined);

    const stranger = await staffOf(OTHER_FACILITY);
    const foreign = await call("/api/v1/staff/consent/withdraw", { signer: stranger.signer, headers: stranger.headers, body: { checkin_id: row.id } });
    assert.deepEqual([foreign.status, foreign.body.error], [404, "not_found"]);
    assert.equal((await medicationRead(1)).status, 200, "another facility's staff changed nothing");
    const smuggled = await call("/api/v1/staff/consent/withdraw", {
      signer: stranger.signer,
      headers: stranger.headers,
      body: { checkin_id: row.id, facility_code: device.facilityCode },
    });
    assert.deepEqual([smuggled.status, smuggled.body.error], [400, "bad_request"]);

    const withdrawn = await call("/api/v1/staff/consent/withdraw", { signer: staff.signer, headers: staff.headers, body: { checkin_id: row.id } });
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
    const refused = await medicationRead(1);
    assert.deepEqual([refused.status, refused.body.error], [403, "consent_required"]);
    const listed = await call("/api/v1/staff/checkins", { signer: staff.signer, method: "GET", headers: staff.headers });
    assert.equal(listed.body.checkins.find((checkIn) => checkIn.id === row.id).consent_withdrawn_at, withdrawn.body.withdrawn_at);
  });

  test("a cancelled registration answers 該当資格なし at the next check-in, and only the session's own card is cancelled", async () => {
    // Demo card 02 is linked to a qualification that has ended (the "lost" scenario): linked, but 無効.
    const bearer = await pinSession(2);
    const before = await call("/api/v1/qualification", { body: {}, headers: bearer });
    assert.equal(before.body.validity, "invalid");
    const smuggled = await call("/api/v1/registration/cancel", {
      headers: bearer,
      body: { confirmed: true, certificate: { issuer: DEMO_CARDS[0].certificate_issuer, serial: DEMO_CARDS[0].certificate_serial } },
    });
    assert.deepEqual([smuggled.status, smuggled.body.error], [400, "bad_request"]);

    const cancelled = await call("/api/v1/registration/cancel", { headers: bearer, body: { confirmed: true } });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.outcome, "cancelled");
    const next = await call("/api/v1/qualification", { body: {}, headers: await pinSession(2) });
    assert.deepEqual([next.body.validity, next.body.reason], ["no_qualification", "not_registered"]);
    // Card 0 was not touched.
    const other = await call("/api/v1/qualification", { body: {}, headers: await pinSession(0) });
    assert.equal(other.body.validity, "valid");
  });
});
