// The 目視 assist's card-presence proof in workerd: the built edge worker against the fake origin. The proof is
// made here as a card and its issuer would make it, from the committed test keys: the card face's group 1
// (DF22 birth date, DF23 sex, DF24 the card's own key), the digests of the images and the photo, the issuer's
// PKCS#1 v1.5 signature over the three-digest DigestInfo, and the card's signature over the edge's challenge.
// Run: node --test edge/test/visual-assist.test.mjs   (after `worker-build --release` in edge/)

import assert from "node:assert/strict";
import { createHash, createPrivateKey, privateEncrypt, sign, constants } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXTURES, enrolDevice, startEdge, startFakeOrigin, testCard } from "./helpers.mjs";

const pkcs8 = (name) =>
  createPrivateKey({ key: readFileSync(resolve(FIXTURES, `test-pki/${name}`)), format: "der", type: "pkcs8" });
const ISSUER = pkcs8("surface-issuer.pk8");
const ISSUER_KEYS = readFileSync(resolve(FIXTURES, "test-pki/surface-issuer.spki.der")).toString("base64");

const sha256 = (bytes) => createHash("sha256").update(bytes).digest();
/** A BER field with a two-byte tag (short or 82-form length). */
const field = (tag, value) => {
  const length = value.length < 0x80 ? Buffer.from([value.length]) : Buffer.from([0x82, value.length >> 8, value.length & 0xff]);
  return Buffer.concat([Buffer.from([tag >> 8, tag & 0xff]), length, value]);
};

/** The card face of a card whose own key is `cardKey`: group 1, the digests, and the issuer's signature. */
function cardFace(cardKey, birthDate = "19800217") {
  const jwk = cardKey.export({ format: "jwk" });
  const modulus = Buffer.from(jwk.n, "base64url");
  const exponent = Buffer.from(jwk.e, "base64url");
  const key = Buffer.concat([
    Buffer.from([0x90, exponent.length]), exponent, Buffer.from([0x91, 0x82, 0x01, 0x00]), modulus,
  ]);
  const groupOne = Buffer.concat([field(0xdf22, Buffer.from(birthDate)), field(0xdf23, Buffer.from("1")), field(0xdf24, key)]);
  const nameAddress = sha256(Buffer.concat([field(0xdf25, Buffer.from("name png")), field(0xdf26, Buffer.from("address png"))]));
  const photo = sha256(field(0xdf27, Buffer.from("a JPEG 2000 photo stands here")));
  // SHA-256's AlgorithmIdentifier and one OCTET STRING of the three digests: `30 71 30 0D … 05 00 04 60 H1 H2 H3`.
  const digestInfo = Buffer.concat([
    Buffer.from("3071300d060960864801650304020105000460", "hex"), sha256(groupOne), nameAddress, photo,
  ]);
  const issuerSignature = privateEncrypt({ key: ISSUER, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
  return { groupOne, nameAddress, photo, issuerSignature };
}

/** The bytes the card signs for the card-face purpose, as onshi-proto `api::card_challenge_message` builds them. */
const presenceMessage = (deviceId, challenge) =>
  Buffer.from(["onshi-card-challenge-v1", "card-face-presence", deviceId, challenge.toString("hex")].join("\n"));

let origin;
let edge;
let kiosk;

async function api(path, body, device = kiosk) {
  const bytes = body === undefined ? "" : JSON.stringify(body);
  const headers = { "content-type": "application/json", ...(await device.headers("POST", path, bytes)) };
  const response = await fetch(`${edge.url}${path}`, { method: "POST", headers, body: bytes || undefined });
  return { status: response.status, body: await response.json() };
}

/** Asks a card-face challenge and answers it with `face`, signed by `signer` (the card's own key). */
async function proof(face, signer, device = kiosk) {
  const issued = await api("/api/v1/challenge", { purpose: "card-face-presence" }, device);
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const challenge = Buffer.from(issued.body.challenge, "base64");
  return {
    challenge_id: issued.body.challenge_id,
    signed_group_one: face.groupOne.toString("base64"),
    name_address_digest: face.nameAddress.toString("base64"),
    photo_digest: face.photo.toString("base64"),
    issuer_signature: face.issuerSignature.toString("base64"),
    card_signature: sign("sha256", presenceMessage(device.id, challenge), signer).toString("base64"),
  };
}

before(async () => {
  origin = await startFakeOrigin();
  edge = await startEdge({ originUrl: origin.url, rateLimitPerDevice: 1000, cardFaceIssuerKeys: ISSUER_KEYS });
  kiosk = await enrolDevice(edge.url);
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
});

describe("the 目視 assist's card-presence proof", () => {
  const certificate = testCard(0).certificate.toString("base64");
  const cardKey = pkcs8("card-00.surface.key.pk8");

  test("the card that holds the face reaches staff, once per challenge, with only its birth date and sex", async () => {
    const card_face = await proof(cardFace(cardKey), cardKey);
    origin.received.length = 0;
    const ticket = await api("/api/v1/visual-check", { certificate, card_face });
    assert.equal(ticket.status, 200, JSON.stringify(ticket.body));
    const created = origin.received.filter((sent) => sent.path === "/v1/visual-checks");
    assert.equal(created.length, 1);
    // The origin gets the face's birth date and sex, to compare with the certificate's person, and nothing else of
    // the proof: no signature, digest or challenge.
    assert.deepEqual(created[0].query.card_face, { birth_date: "1980-02-17", sex: "male" });
    const forwarded = JSON.stringify(created[0].query);
    for (const part of [card_face.photo_digest, card_face.issuer_signature, card_face.card_signature, card_face.challenge_id]) {
      assert.ok(!forwarded.includes(part), forwarded);
    }

    const again = await api("/api/v1/visual-check", { certificate, card_face });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.error, "challenge_replayed");
  });

  test("a copied face answered by another card, or a face its issuer did not sign, reaches no staff", async () => {
    origin.received.length = 0;
    const otherCard = pkcs8("card-01.surface.key.pk8");
    const copied = await api("/api/v1/visual-check", { certificate, card_face: await proof(cardFace(cardKey), otherCard) });
    assert.equal(copied.status, 401, JSON.stringify(copied.body));
    assert.equal(copied.body.error, "signature_invalid");

    const forged = cardFace(cardKey);
    forged.photo = sha256(Buffer.from("someone else's photo"));
    const refused = await api("/api/v1/visual-check", { certificate, card_face: await proof(forged, cardKey) });
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.equal(refused.body.error, "signature_invalid");
    assert.deepEqual(origin.received.filter((sent) => sent.path === "/v1/visual-checks"), []);
  });

  test("a card-session challenge does not count for the card face, and a photo has no place in the body", async () => {
    const face = cardFace(cardKey);
    const issued = await api("/api/v1/challenge");
    const challenge = Buffer.from(issued.body.challenge, "base64");
    const card_face = {
      ...(await proof(face, cardKey)),
      challenge_id: issued.body.challenge_id,
      card_signature: sign("sha256", presenceMessage(kiosk.id, challenge), cardKey).toString("base64"),
    };
    const wrongPurpose = await api("/api/v1/visual-check", { certificate, card_face });
    assert.equal(wrongPurpose.status, 409, JSON.stringify(wrongPurpose.body));
    assert.equal(wrongPurpose.body.error, "challenge_unknown");

    const withPhoto = { ...(await proof(face, cardKey)), photo: Buffer.from("jp2").toString("base64") };
    const refused = await api("/api/v1/visual-check", { certificate, card_face: withPhoto });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error, "bad_request");
  });
});
