// The 申立書 relay of an outage in workerd (edge/src/api/outage_relay.rs): a staff console publishes its ECDH
// key, a kiosk of the facility reads it and posts the card's 4 items sealed to it (ECDH P-256 + HKDF-SHA-256 +
// AES-256-GCM with the facility and the capture id as associated data, as shared/proto/src/petition.rs says), and
// the console takes and opens them once. The facility's Durable Object storage on disk holds the sealed capture
// and never the patient's name, and neither do the edge's logs.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  FACILITY_CODE, callEdge, enrolDevice, startEdge, startFakeOrigin,
  staffSessionOf,
} from "./helpers.mjs";

const subtle = globalThis.crypto.subtle;
const NAME = "黒桐　幹也";
const KDF_INFO = new TextEncoder().encode("onshi petition v1 aes-256-gcm");
const b64 = (bytes) => Buffer.from(bytes).toString("base64");

let origin;
let edge;
let persist;
const logs = [];

const call = (path, options) => callEdge(edge.url, path, options);

/** A staff session of `facilityCode` on a staff console enrolled for it: calls `path` with `body` as it. */
async function staffOf(facilityCode) {
  const { signer, headers } = await staffSessionOf(edge.url, facilityCode);
  return (path, body) => call(path, { signer, body, headers });
}

function associatedData(facility, captureId) {
  return new TextEncoder().encode(`onshi-petition-v1\0${facility}\0${captureId}`);
}

async function captureKey(privateKey, publicKey, usage) {
  const bits = await subtle.deriveBits({ name: "ECDH", public: publicKey }, privateKey, 256);
  const hkdf = await subtle.importKey("raw", bits, "HKDF", false, ["deriveKey"]);
  return subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: KDF_INFO },
    hkdf, { name: "AES-GCM", length: 256 }, false, [usage],
  );
}

const ecdh = { name: "ECDH", namedCurve: "P-256" };

async function seal(recipientRaw, facility, captureId, items) {
  const recipient = await subtle.importKey("raw", recipientRaw, ecdh, true, []);
  const ephemeral = await subtle.generateKey(ecdh, true, ["deriveBits"]);
  const key = await captureKey(ephemeral.privateKey, recipient, "encrypt");
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const plaintext = new TextEncoder().encode(JSON.stringify(items));
  const ciphertext = await subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: associatedData(facility, captureId) }, key, plaintext,
  );
  return {
    capture_id: captureId,
    recipient_key: b64(recipientRaw),
    ephemeral_key: b64(await subtle.exportKey("raw", ephemeral.publicKey)),
    iv: b64(iv),
    ciphertext: b64(ciphertext),
  };
}

async function open(privateKey, facility, sealed) {
  const ephemeral = await subtle.importKey("raw", Buffer.from(sealed.ephemeral_key, "base64"), ecdh, true, []);
  const key = await captureKey(privateKey, ephemeral, "decrypt");
  const plaintext = await subtle.decrypt(
    { name: "AES-GCM", iv: Buffer.from(sealed.iv, "base64"), additionalData: associatedData(facility, sealed.capture_id) },
    key, Buffer.from(sealed.ciphertext, "base64"),
  );
  return JSON.parse(new TextDecoder().decode(plaintext));
}

/** Every byte the edge's Durable Objects keep on disk, as one buffer. */
function storedBytes(directory) {
  const parts = [];
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) parts.push(storedBytes(path));
    else parts.push(readFileSync(path));
  }
  return Buffer.concat(parts);
}

before(async () => {
  persist = mkdtempSync(join(tmpdir(), "onshi-petition-"));
  origin = await startFakeOrigin();
  edge = await startEdge({ originUrl: origin.url, persistDirectory: persist, onLog: (line) => logs.push(String(line)) });
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
  if (persist) rmSync(persist, { recursive: true, force: true });
});

describe("the 申立書 relay", () => {
  test("a kiosk's sealed capture reaches its facility's console once, and the edge keeps no plain text", async () => {
    const staff = await staffOf(FACILITY_CODE);
    const kiosk = await enrolDevice(edge.url, {});

    const missing = await call("/api/v1/petitions/key", { signer: kiosk, body: null });
    assert.equal(missing.status, 409);
    assert.equal(missing.body.error, "petition_key_missing");

    const consoleKeys = await subtle.generateKey(ecdh, false, ["deriveBits"]);
    const publicRaw = new Uint8Array(await subtle.exportKey("raw", consoleKeys.publicKey));
    const published = await staff("/api/v1/staff/petitions/key", { public_key: b64(publicRaw) });
    assert.equal(published.status, 200, JSON.stringify(published.body));

    const recipient = await call("/api/v1/petitions/key", { signer: kiosk, body: null });
    assert.equal(recipient.status, 200, JSON.stringify(recipient.body));
    assert.equal(recipient.body.facility_code, FACILITY_CODE);
    assert.equal(recipient.body.public_key, b64(publicRaw));

    const captureId = "3c".repeat(16);
    const items = { name: NAME, birth_date: "1980-02-17", sex: "male", address: "東京都清瀬市観布子南", read_at: 1 };
    const sealed = await seal(publicRaw, FACILITY_CODE, captureId, items);
    const posted = await call("/api/v1/petitions", { signer: kiosk, body: sealed });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    assert.equal(posted.body.capture_id, captureId);

    // What the facility's store keeps on disk: the sealed capture, never the name.
    const onDisk = storedBytes(persist);
    assert.ok(onDisk.includes(Buffer.from(sealed.ciphertext)), "the sealed capture is in the store");
    assert.ok(!onDisk.includes(Buffer.from(NAME)), "no plain-text name in the store");

    const taken = await staff("/api/v1/staff/petitions", null);
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.equal(taken.body.petitions.length, 1);
    assert.deepEqual(await open(consoleKeys.privateKey, FACILITY_CODE, taken.body.petitions[0].sealed), items);
    const again = await staff("/api/v1/staff/petitions", null);
    assert.deepEqual(again.body.petitions, [], "handed over once");

    // Moved to another facility the capture does not open: the facility is in its associated data.
    await assert.rejects(open(consoleKeys.privateKey, "1312345679", taken.body.petitions[0].sealed));
    assert.ok(!logs.join("\n").includes(NAME), "no plain-text name in the edge's logs");
  });
});
