// The edge's Durable Objects across restarts and over time, and the kiosk origins it lets call the API: rate
// counters survive a restart of workerd on the same storage, a challenge issued before one opens exactly one
// session after it (its store evicted mid-flow loses nothing and hands nothing out twice), old challenges are pruned by the
// alarm of the facility's EdgeStore, where they live, without any further write, and an Isolated Web App origin configured in KIOSK_ORIGINS gets CORS answers
// while every other origin is still refused.
// Run: node --test edge/test/*.test.mjs   (after `worker-build --release` in edge/)

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { enrolDevice, startEdge, startFakeOrigin, testCard } from "./helpers.mjs";

const KIOSK_APP = "isolated-app://amfcf7c4bmpbjbmq4h4yptcobves56hfdyr7tm3doxqt7enwpwva";

let origin;
const scratch = [];

before(async () => {
  origin = await startFakeOrigin();
});

after(async () => {
  await origin?.close();
  for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
});

async function challenge(edge, device, headers = {}) {
  const path = "/api/v1/challenge";
  const response = await fetch(`${edge.url}${path}`, {
    method: "POST",
    headers: { ...(await device.headers("POST", path, "")), ...headers },
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe("rate limits across a restart", () => {
  test("a device limited before workerd restarts is still limited after it", async () => {
    const directory = mkdtempSync(join(tmpdir(), "onshi-edge-persist-"));
    scratch.push(directory);
    // A one-day window: the test's few requests cannot straddle two windows unless run across midnight UTC.
    const options = {
      originUrl: origin.url,
      rateLimitPerDevice: 2,
      rateLimitPerFacility: 1000,
      rateLimitWindowSecs: 86400,
      persistDirectory: directory,
    };
    const first = await startEdge(options);
    let device;
    try {
      device = await enrolDevice(first.url);
      assert.equal((await challenge(first, device)).status, 200);
      assert.equal((await challenge(first, device)).status, 200);
      assert.equal((await challenge(first, device)).body.error, "rate_limited");
    } finally {
      await first.dispose();
    }
    const second = await startEdge(options);
    try {
      // The device record survived (same storage), and so did its count for this window.
      const again = await challenge(second, device);
      assert.equal(again.status, 429, JSON.stringify(again.body));
      assert.equal(again.body.error, "rate_limited");
      // Another device of the same facility has its own count.
      const other = await enrolDevice(second.url);
      assert.equal((await challenge(second, other)).status, 200);
    } finally {
      await second.dispose();
    }
  });
});

describe("a store evicted mid-flow", () => {
  test("a challenge issued before workerd restarts opens one session after it, and only one", async () => {
    const directory = mkdtempSync(join(tmpdir(), "onshi-edge-persist-"));
    scratch.push(directory);
    const options = { originUrl: origin.url, persistDirectory: directory };
    const first = await startEdge(options);
    let device;
    let issued;
    try {
      device = await enrolDevice(first.url);
      issued = await challenge(first, device);
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
    } finally {
      // Every object of the edge goes away with the process, the challenge's store among them.
      await first.dispose();
    }
    const second = await startEdge(options);
    try {
      const card = testCard(1);
      const bytes = JSON.stringify({
        challenge_id: issued.body.challenge_id,
        certificate: card.certificate.toString("base64"),
        signature: card.sign(Buffer.from(issued.body.challenge, "base64"), device.id).toString("base64"),
      });
      const open = async () => {
        const path = "/api/v1/session";
        const response = await fetch(`${second.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(await device.headers("POST", path, bytes)) },
          body: bytes,
        });
        return { status: response.status, body: await response.json() };
      };
      const session = await open();
      assert.equal(session.status, 200, JSON.stringify(session.body));
      assert.ok(session.body.session_token);
      const again = await open();
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.equal(again.body.error, "challenge_replayed", "the challenge was spent once, across the restart");
    } finally {
      await second.dispose();
    }
  });
});

describe("challenge pruning", () => {
  let edge;
  before(async () => {
    edge = await startEdge({ originUrl: origin.url });
  });
  after(async () => edge?.dispose());

  /** Calls the EdgeStore instance `name` (a facility's, where its devices' challenges live) directly, as the worker does. */
  async function store(name, path, body) {
    const namespace = await edge.mf.getDurableObjectNamespace("EDGE_STORE");
    const stub = namespace.get(namespace.idFromName(name));
    const response = await stub.fetch(`https://challenge-store.internal${path}`, {
      method: "POST",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.equal(response.status, 200);
    return response.json();
  }

  test("the alarm forgets old challenges with no further write and re-arms for the next one", async () => {
    const now = Math.floor(Date.now() / 1000);
    const later = now + 3600;
    const bound = { device: "0110113719.AAAAAAAAAAAAAAAAAAAAAA", purpose: "card-session" };
    await store("facility:0110113719", "/challenge/store", { id: "kept", challenge: "AAAA", expires_at: later, forget_after: later, ...bound });
    assert.deepEqual(await store("facility:0110113719", "/challenge/stats"), { challenges: 1, alarm_at_ms: (later + 1) * 1000 });
    // A challenge already past its forget-after time moves the alarm to now; nothing else is written afterwards.
    await store("facility:0110113719", "/challenge/store", { id: "old", challenge: "AAAA", expires_at: now - 20, forget_after: now - 10, ...bound });
    // The alarm runs on its own; wait (bounded) until its effect is visible.
    let stats;
    for (let attempt = 0; attempt < 250; attempt += 1) {
      stats = await store("facility:0110113719", "/challenge/stats");
      if (stats.challenges === 1) break;
      await delay(20);
    }
    assert.deepEqual(stats, { challenges: 1, alarm_at_ms: (later + 1) * 1000 });
    // The pruned one is unknown, the kept one is still there.
    assert.equal(await store("facility:0110113719", "/challenge/use", { id: "old", device: bound.device }), null);
    // Another device cannot count a use of it; its own device can.
    assert.equal(await store("facility:0110113719", "/challenge/use", { id: "kept", device: "0110113719.BBBBBBBBBBBBBBBBBBBBBB" }), null);
    assert.equal((await store("facility:0110113719", "/challenge/use", { id: "kept", device: bound.device })).uses, 1);
  });
});

describe("kiosk origins", () => {
  let edge;
  let plain;
  let device;
  before(async () => {
    edge = await startEdge({ originUrl: origin.url, kioskOrigins: `${KIOSK_APP}, https://kiosk.example` });
    plain = await startEdge({ originUrl: origin.url });
    device = await enrolDevice(edge.url);
  });
  after(async () => {
    await edge?.dispose();
    await plain?.dispose();
  });

  async function preflight(target, requestOrigin, method = "POST") {
    const response = await fetch(`${target.url}/api/v1/challenge`, {
      method: "OPTIONS",
      headers: {
        origin: requestOrigin,
        "access-control-request-method": method,
        "access-control-request-headers": "x-onshi-device-id, x-onshi-device-time, x-onshi-device-signature",
      },
    });
    await response.arrayBuffer();
    return response;
  }

  test("a configured Isolated Web App origin gets preflight and actual CORS answers", async () => {
    const answer = await preflight(edge, KIOSK_APP);
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get("access-control-allow-origin"), KIOSK_APP);
    assert.match(answer.headers.get("access-control-allow-methods"), /POST/);
    assert.match(answer.headers.get("access-control-allow-headers"), /x-onshi-device-signature/);
    assert.match(answer.headers.get("vary"), /Origin/);
    const actual = await challenge(edge, device, { origin: KIOSK_APP });
    assert.equal(actual.status, 200, JSON.stringify(actual.body));
    assert.equal(actual.headers.get("access-control-allow-origin"), KIOSK_APP);
    const listed = await challenge(edge, device, { origin: "https://kiosk.example" });
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get("access-control-allow-origin"), "https://kiosk.example");
    // The edge's own origin needs no CORS headers, as before.
    const own = await challenge(edge, device, { origin: edge.url });
    assert.equal(own.status, 200);
    assert.equal(own.headers.get("access-control-allow-origin"), null);
    // A preflight for a method the path does not serve gets nothing a browser could use.
    const wrongMethod = await preflight(edge, KIOSK_APP, "DELETE");
    assert.equal(wrongMethod.status, 404);
    assert.equal(wrongMethod.headers.get("access-control-allow-origin"), null);
  });

  test("any other origin is refused, preflight and actual, and so is every origin the config does not list", async () => {
    for (const stranger of ["https://evil.example", "isolated-app://someotherbundle", "null"]) {
      const answer = await preflight(edge, stranger);
      assert.equal(answer.status, 401, stranger);
      assert.equal(answer.headers.get("access-control-allow-origin"), null, stranger);
      const actual = await challenge(edge, device, { origin: stranger });
      assert.equal(actual.status, 401, stranger);
      assert.equal(actual.body.error, "unauthorized");
      assert.equal(actual.headers.get("access-control-allow-origin"), null);
    }
    // Without KIOSK_ORIGINS the IWA's origin is a stranger too.
    const plainDevice = await enrolDevice(plain.url);
    assert.equal((await preflight(plain, KIOSK_APP)).status, 401);
    const refused = await challenge(plain, plainDevice, { origin: KIOSK_APP });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
  });
});
