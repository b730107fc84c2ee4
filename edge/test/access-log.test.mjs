// The built edge worker in workerd against the REAL origin process (ONSHI_ORIGIN_BIN, seeded with the demo cards):
// after card + PIN, a patient reads which facilities read their information (the 薬剤 read under their consent; their
// own check-in is theirs, not the facility's), named by the facility's name and code, newest first; another
// patient's log holds none of it; a session without a card, a forged one, or a body naming another card reaches
// nothing.
// Run: ONSHI_ORIGIN_BIN=target/debug/onshi-origin node --test edge/test/access-log.test.mjs

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { originSignatureHeaders } from "../../xtask/origin-signature.mjs";
import {
  FIXTURES, ORIGIN_SIGNING_KEY, callEdge, enrolDevice, startEdge, startRealOrigin, testCard,
} from "./helpers.mjs";

const DEMO_CARDS = JSON.parse(readFileSync(resolve(FIXTURES, "demo-cards.json"), "utf8"));

let origin;
let edge;
let device;

/** Calls the edge as this file's kiosk, unless another `signer` is given (see `callEdge`). */
const call = (path, { signer = device, ...options } = {}) => callEdge(edge.url, path, { signer, ...options });

/** A consented read of card `index`'s 薬剤情報 for the device's facility, asked of the origin as the edge asks. */
async function medicationRead(index) {
  const holder = DEMO_CARDS[index];
  const path = "/v1/medical-info/medication";
  const body = JSON.stringify({
    certificate: { issuer: holder.certificate_issuer, serial: holder.certificate_serial },
    facility_code: device.facilityCode,
  });
  const response = await fetch(`${origin.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...originSignatureHeaders(ORIGIN_SIGNING_KEY, "POST", path, body) },
    body,
  });
  return response.status;
}

/** A PIN session of test card `index`; answers its bearer header. */
async function pinSession(index) {
  const card = testCard(index);
  const issued = await call("/api/v1/challenge");
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const challenge = Buffer.from(issued.body.challenge, "base64");
  const session = await call("/api/v1/session", {
    body: {
      challenge_id: issued.body.challenge_id,
      certificate: card.certificate.toString("base64"),
      signature: card.sign(challenge, device.id).toString("base64"),
    },
  });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  return { authorization: `Bearer ${session.body.session_token}` };
}

before(async () => {
  origin = await startRealOrigin();
  edge = await startEdge({ originUrl: origin.url });
  device = await enrolDevice(edge.url);
});

after(async () => {
  await edge?.dispose();
  await origin?.stop();
});

describe("the patient's own access log, through workerd and the real origin", () => {
  test("a patient sees the facility's 薬剤 read, and another patient sees none of it", async () => {
    const bearer = await pinSession(0);
    const empty = await call("/api/v1/access-log", { body: {}, headers: bearer });
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.deepEqual(empty.body, { entries: [], next: null });

    const checkIn = await call("/api/v1/qualification", { body: {}, headers: bearer });
    assert.equal(checkIn.status, 200, JSON.stringify(checkIn.body));
    const agreed = await call("/api/v1/consent", { body: { kinds: ["medication"], prescription: "paper" }, headers: bearer });
    assert.equal(agreed.status, 200, JSON.stringify(agreed.body));
    assert.equal(await medicationRead(0), 200);

    const log = await call("/api/v1/access-log", { body: {}, headers: bearer });
    assert.equal(log.status, 200, JSON.stringify(log.body));
    assert.deepEqual(log.body.entries.map((entry) => entry.kind), ["medication"]);
    for (const entry of log.body.entries) {
      assert.equal(entry.facility_code, device.facilityCode);
      assert.equal(entry.facility_name, "おんし内科クリニック");
    }
    assert.equal(log.body.next, null);
    assert.ok(!JSON.stringify(log.body).includes(device.id), "the log names no device");

    // The other patient of the same facility checks in too, and nothing has read their information.
    const other = await pinSession(1);
    assert.equal((await call("/api/v1/qualification", { body: {}, headers: other })).status, 200);
    const theirs = await call("/api/v1/access-log", { body: {}, headers: other });
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.deepEqual(theirs.body, { entries: [], next: null });
  });

  test("no session, a forged one, or a body naming another card reaches nothing", async () => {
    const bearer = await pinSession(0);
    const none = await call("/api/v1/access-log", { body: {} });
    assert.deepEqual([none.status, none.body.error], [401, "session_invalid"]);
    const forged = await call("/api/v1/access-log", { body: {}, headers: { authorization: `${bearer.authorization}x` } });
    assert.deepEqual([forged.status, forged.body.error], [401, "session_invalid"]);
    const holder = DEMO_CARDS[1];
    const naming = await call("/api/v1/access-log", {
      body: { certificate: { issuer: holder.certificate_issuer, serial: holder.certificate_serial } },
      headers: bearer,
    });
    assert.deepEqual([naming.status, naming.body.error], [400, "bad_request"]);
    const unsigned = await call("/api/v1/access-log", { body: {}, headers: bearer, signer: null });
    assert.equal(unsigned.status, 401);
  });
});
