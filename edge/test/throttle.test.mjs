// Unauthenticated routes (enrolment, staff login, device ids the edge never issued) are throttled per client, in
// workerd against a fake origin, and a flood of guesses creates no stored object per guess: the Durable Objects'
// storage files are counted in a persist directory before and after.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FACILITY_CODE, deviceWithKey, enrolDevice, startEdge, startFakeOrigin } from "./helpers.mjs";

/** The number of store instances codes are spread over (`CODE_STORE_SHARDS` in `edge/src/auth/enrolment_code.rs`). */
const CODE_STORES = 16;

let origin;
const scratch = [];

before(async () => {
  origin = await startFakeOrigin();
});

after(async () => {
  await origin?.close();
  for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
});

/** A typable one-time code nobody issued. */
function guessedCode() {
  const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  const characters = [...randomBytes(12)].map((byte) => alphabet[byte % alphabet.length]).join("");
  return `${characters.slice(0, 4)}-${characters.slice(4, 8)}-${characters.slice(8)}`;
}

async function post(edge, path, body, headers = {}) {
  const response = await fetch(`${edge.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const P256_SPKI = async () => {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  return { keys, spki: Buffer.from(await crypto.subtle.exportKey("spki", keys.publicKey)).toString("base64") };
};

/** An enrolment guess from `client`. */
async function enrolGuess(edge, client, spki) {
  return post(edge, "/api/v1/devices/enrol", { code: guessedCode(), public_key: spki }, { "cf-connecting-ip": client });
}

/** A staff login guess from `client`. */
async function loginGuess(edge, client) {
  return post(edge, "/api/v1/staff/login", { code: guessedCode() }, { "cf-connecting-ip": client });
}

/** A challenge request from `client` by a device id nobody issued, under a random valid-looking facility's store. */
async function forgedDeviceGuess(edge, client, privateKey) {
  const id = `${FACILITY_CODE}.${randomBytes(16).toString("base64url")}`;
  const device = deviceWithKey(id, FACILITY_CODE, privateKey);
  const headers = { "cf-connecting-ip": client, ...(await device.headers("POST", "/api/v1/challenge", "")) };
  const response = await fetch(`${edge.url}/api/v1/challenge`, { method: "POST", headers, body: "" });
  return { status: response.status, body: await response.json() };
}

/** Every file under `directory`, with its size: the Durable Objects' storage. */
function storageFiles(directory) {
  const files = [];
  const walk = (path) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files.push(full);
    }
  };
  walk(directory);
  return files.sort();
}

describe("unauthenticated throttling", () => {
  let edge;
  let spki;
  let keys;
  before(async () => {
    edge = await startEdge({ originUrl: origin.url, rateLimitPerClient: 3, rateLimitWindowSecs: 86400 });
    ({ keys, spki } = await P256_SPKI());
  });
  after(async () => edge?.dispose());

  test("the guess after a client's limit is refused with rate_limited, for each unauthenticated route", async () => {
    const attempts = [
      ["enrolment", (client) => enrolGuess(edge, client, spki), "unauthorized"],
      ["staff login", (client) => loginGuess(edge, client), "unauthorized"],
      ["unknown device id", (client) => forgedDeviceGuess(edge, client, keys.privateKey), "device_not_enrolled"],
    ];
    for (const [index, [route, attempt, refusal]] of attempts.entries()) {
      const client = `203.0.113.${10 + index}`;
      for (let guess = 0; guess < 3; guess += 1) {
        const result = await attempt(client);
        assert.equal(result.body.error, refusal, `${route}: ${JSON.stringify(result.body)}`);
      }
      const over = await attempt(client);
      assert.equal(over.status, 429, `${route}: ${JSON.stringify(over.body)}`);
      assert.equal(over.body.error, "rate_limited", route);
      // Another client is not held back by this one's guesses.
      assert.equal((await attempt(`198.51.100.${index}`)).body.error, refusal, route);
    }
  });

  test("an enrolled device is not held back by its address's failed guesses", async () => {
    const client = "192.0.2.77";
    for (let guess = 0; guess < 4; guess += 1) await loginGuess(edge, client);
    assert.equal((await loginGuess(edge, client)).body.error, "rate_limited");
    const device = await enrolDevice(edge.url);
    const headers = { "cf-connecting-ip": client, ...(await device.headers("POST", "/api/v1/challenge", "")) };
    const response = await fetch(`${edge.url}/api/v1/challenge`, { method: "POST", headers, body: "" });
    assert.equal(response.status, 200);
  });
});

describe("no stored object per guess", () => {
  test("distinct guessed codes and device ids add no Durable Object storage", async () => {
    const directory = mkdtempSync(join(tmpdir(), "onshi-edge-throttle-"));
    scratch.push(directory);
    const edge = await startEdge({ originUrl: origin.url, rateLimitPerClient: 1000, persistDirectory: directory });
    try {
      const { keys, spki } = await P256_SPKI();
      const client = "203.0.113.99";
      const round = async () => {
        assert.equal((await enrolGuess(edge, client, spki)).body.error, "unauthorized");
        assert.equal((await loginGuess(edge, client)).body.error, "unauthorized");
        assert.equal((await forgedDeviceGuess(edge, client, keys.privateKey)).body.error, "device_not_enrolled");
      };
      for (let index = 0; index < 40; index += 1) await round();
      // 120 guesses: 80 distinct codes and 40 distinct device ids. Codes land in a fixed number of shared code
      // stores and the client's count in one counter store; a forged device id reaches no store at all.
      // One SQLite database per Durable Object instance, besides each namespace's own metadata database.
      const databases = storageFiles(directory).filter(
        (file) => file.endsWith(".sqlite") && !file.endsWith("metadata.sqlite"),
      );
      assert.ok(databases.length <= CODE_STORES + 1, `${databases.length} Durable Object databases for 120 guesses`);
    } finally {
      await edge.dispose();
    }
  });
});
