// Two origin processes on one PostgreSQL database behind a round-robin balancer, with the built edge in workerd in
// front: the origin keeps no state of its own that matters, so check-ins go through either replica, a replica
// killed with SIGKILL in the middle of a load loses nothing that was acknowledged and records nothing twice, and a
// signed request is accepted once by whichever replica sees it first, before or after a restart.
//
// The balancer acts as a common reverse proxy does: each request goes to the next replica in turn, a replica that
// refuses the connection is skipped, and a request cut off after it reached a replica is answered 502 (a POST is
// never resent, since the replica may have acted on it).
//
// Needs a PostgreSQL server: ONSHI_TEST_POSTGRES_URL, which `cargo xtask test` sets; psql makes the database.
// Run: ONSHI_ORIGIN_BIN=target/debug/onshi-origin ONSHI_TEST_POSTGRES_URL=postgres://… node --test edge/test/replicas.test.mjs

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import { originSignatureHeaders } from "../../xtask/origin-signature.mjs";
import { ORIGIN_SIGNING_KEY, enrolDevice, startEdge, startRealOrigin, testCard } from "./helpers.mjs";

const POSTGRES = process.env.ONSHI_TEST_POSTGRES_URL;
const BY_CERTIFICATE = "/v1/qualification/by-certificate";

/** Runs one SQL statement with psql and returns its unaligned, tuples-only output. */
function psql(url, sql) {
  const run = spawnSync("psql", [url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`psql: ${run.stderr || run.error}`);
  return run.stdout.trim();
}

function databaseUrl(base, name) {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.href;
}

/**
 * A round-robin HTTP balancer on 127.0.0.1 over `replicas` (objects with a `url`, replaceable while it runs). It
 * remembers every request it passed on and which replica answered it, and counts the answers of each replica.
 * `state.pinned`, when set to an index, sends everything to that replica, so a test can choose who answers.
 */
async function startBalancer(replicas) {
  const state = { answered: replicas.map(() => 0), refusedConnections: 0, cutOff: 0, forwarded: [], pinned: null };
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const chunks = [];
    incoming.on("data", (chunk) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const attempt = (tried) => {
        if (tried === replicas.length) {
          outgoing.writeHead(503).end("no replica is reachable");
          return;
        }
        const index = state.pinned ?? next++ % replicas.length;
        const target = new URL(replicas[index].url);
        let connected = false;
        const upstream = httpRequest({
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
          agent: false,
        });
        upstream.on("socket", (socket) => socket.once("connect", () => { connected = true; }));
        upstream.on("response", (answer) => {
          state.answered[index] += 1;
          state.forwarded.push({
            replica: index, method: incoming.method, path: incoming.url, headers: { ...incoming.headers }, body,
            status: answer.statusCode,
          });
          outgoing.writeHead(answer.statusCode, answer.headers);
          answer.pipe(outgoing);
        });
        upstream.on("error", () => {
          if (!connected) {
            state.refusedConnections += 1;
            attempt(tried + 1);
          } else {
            state.cutOff += 1;
            if (!outgoing.headersSent) outgoing.writeHead(502);
            outgoing.end("the replica went away");
          }
        });
        upstream.end(body);
      };
      attempt(0);
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    state,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(done); }),
  };
}

/** Sends a request the balancer passed on straight to `url`, exactly as it was signed. */
async function replay(url, forwarded, headers = {}) {
  const response = await fetch(`${url}${forwarded.path}`, {
    method: forwarded.method,
    headers: { "content-type": "application/json", ...pick(forwarded.headers, /^x-onshi-/), ...headers },
    body: forwarded.body,
  });
  return { status: response.status, body: await response.json() };
}

function pick(headers, pattern) {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => pattern.test(name)));
}

/** The same body and timestamp signed again with a fresh nonce: what a replay would be were the nonce not known. */
function resigned(forwarded) {
  const timestamp = forwarded.headers["x-onshi-timestamp"];
  const signed = originSignatureHeaders(ORIGIN_SIGNING_KEY, forwarded.method, forwarded.path, forwarded.body, { timestamp });
  return { "x-onshi-nonce": signed["x-onshi-nonce"], "x-onshi-signature": signed["x-onshi-signature"] };
}

describe("two origin replicas on one PostgreSQL", { skip: POSTGRES ? false : "ONSHI_TEST_POSTGRES_URL is not set" }, () => {
  const name = `onshi_replicas_${process.pid}_${Date.now()}`;
  let database;
  const replicas = [];
  let balancer;
  let edge;
  let device;

  before(async () => {
    psql(POSTGRES, `CREATE DATABASE ${name}`);
    database = databaseUrl(POSTGRES, name);
    // The first replica creates the schema and the demo population; the second joins the same database.
    replicas.push(await startRealOrigin({ databaseUrl: database }));
    replicas.push(await startRealOrigin({ databaseUrl: database, seedDemo: false }));
    balancer = await startBalancer(replicas);
    edge = await startEdge({
      originUrl: balancer.url,
      originTimeoutMs: 5000,
      rateLimitPerDevice: 100_000,
      rateLimitPerFacility: 100_000,
    });
    device = await enrolDevice(edge.url);
  });

  after(async () => {
    await edge?.dispose();
    await balancer?.close();
    for (const replica of replicas) await replica.stop();
    if (database) psql(POSTGRES, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  async function call(path, body, headers = {}) {
    const bytes = body === undefined ? "" : JSON.stringify(body);
    const init = { method: "POST", headers: { "content-type": "application/json", ...headers } };
    if (body !== undefined) init.body = bytes;
    Object.assign(init.headers, await device.headers("POST", path, bytes));
    const response = await fetch(`${edge.url}${path}`, init);
    return { status: response.status, body: await response.json() };
  }

  /** One patient's check-in through the edge, tagged with `tag` as the facility's own identifier. */
  async function checkIn(tag, card = testCard(0)) {
    const issued = await call("/api/v1/challenge");
    if (issued.status !== 200) return { tag, ...issued };
    const challenge = Buffer.from(issued.body.challenge, "base64");
    const session = await call("/api/v1/session", {
      challenge_id: issued.body.challenge_id,
      certificate: card.certificate.toString("base64"),
      signature: card.sign(challenge, device.id).toString("base64"),
    });
    if (session.status !== 200) return { tag, ...session };
    const answer = await call(
      "/api/v1/qualification",
      { arbitrary_identifier: tag },
      { authorization: `Bearer ${session.body.session_token}` },
    );
    return { tag, ...answer };
  }

  const recordedOnce = (tag) => psql(database, `SELECT count(*) FROM audit_events WHERE arbitrary_identifier = '${tag}'`);

  test("check-ins go through either replica, and one killed mid-load loses nothing acknowledged", async (t) => {
    for (let i = 0; i < 8; i += 1) {
      const result = await checkIn(`replicas-warm-${i}`);
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.equal(result.body.validity, "valid");
    }
    assert.ok(balancer.state.answered.every((count) => count > 0), `both replicas answered: ${balancer.state.answered}`);

    // Four kiosks check patients in at once; after the tenth acknowledged answer the second replica is killed.
    const tags = Array.from({ length: 40 }, (_, i) => `replicas-load-${i}`);
    const results = [];
    let acknowledged = 0;
    let killed;
    const kiosk = async () => {
      for (let tag = tags.shift(); tag !== undefined; tag = tags.shift()) {
        const result = await checkIn(tag);
        results.push(result);
        if (result.status === 200 && ++acknowledged === 10) killed = replicas[1].stop("SIGKILL");
      }
    };
    await Promise.all([kiosk(), kiosk(), kiosk(), kiosk()]);
    await killed;
    assert.ok(killed, "the replica was killed during the load");
    assert.ok(balancer.state.refusedConnections > 0, "the dead replica was passed over by the balancer");

    const ok = results.filter((r) => r.status === 200);
    const failed = results.filter((r) => r.status !== 200);
    // Only what was in flight on the killed replica may fail, and it fails with a typed error, never a wrong answer.
    assert.ok(failed.length <= 4, `at most the four in flight failed: ${JSON.stringify(failed)}`);
    for (const result of failed) {
      assert.ok(result.status >= 500, JSON.stringify(result));
      assert.equal(typeof result.body.error, "string", JSON.stringify(result));
    }
    for (const result of ok) assert.equal(result.body.validity, "valid", JSON.stringify(result));
    assert.ok(ok.length >= 36, `${ok.length} acknowledged`);
    const { answered, refusedConnections, cutOff } = balancer.state;
    t.diagnostic(`${ok.length} acknowledged, ${failed.length} failed (${failed.map((r) => r.body.error)}); ` +
      `answers per replica ${answered}, connections refused ${refusedConnections}, cut off ${cutOff}`);

    // Every acknowledged check-in is in the database exactly once; nothing was recorded twice.
    for (const result of ok) assert.equal(recordedOnce(result.tag), "1", result.tag);
    for (const result of failed) assert.ok(["0", "1"].includes(recordedOnce(result.tag)), result.tag);
    const audited = Number(psql(database, "SELECT count(*) FROM audit_events WHERE arbitrary_identifier LIKE 'replicas-%'"));
    const checkIns = Number(psql(database, `SELECT count(*) FROM checkins WHERE device_id = '${device.id}'`));
    assert.equal(checkIns, audited, "each recorded check-in has its one audit row");
    assert.ok(audited >= 8 + ok.length && audited <= 8 + results.length, `${audited} recorded`);

    // The survivor goes on answering without anything being restarted.
    const after = await checkIn("replicas-after-kill");
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.equal(recordedOnce("replicas-after-kill"), "1");
  });

  test("a signed request is accepted once by any replica, and again not after a restart", async () => {
    // The killed replica comes back on the same database, as an orchestrator would restart it.
    replicas[1] = await startRealOrigin({ databaseUrl: database, seedDemo: false });
    // One check-in answered wholly by each replica.
    const lookupBy = async (index) => {
      balancer.state.pinned = index;
      const before = balancer.state.forwarded.length;
      try {
        const result = await checkIn(`replicas-replay-${index}`);
        assert.equal(result.status, 200, JSON.stringify(result.body));
      } finally {
        balancer.state.pinned = null;
      }
      const lookup = balancer.state.forwarded.slice(before).find((f) => f.path === BY_CERTIFICATE);
      assert.equal(lookup?.replica, index);
      assert.equal(lookup.status, 200);
      return lookup;
    };
    const byReplica = { 0: await lookupBy(0), 1: await lookupBy(1) };

    // A lookup the second replica answered, sent again to the first: refused, though it is correctly signed and in
    // time, as the same body and time with a fresh nonce shows.
    const answeredBySecond = byReplica[1];
    const crossReplay = await replay(replicas[0].url, answeredBySecond);
    assert.equal(crossReplay.status, 401, JSON.stringify(crossReplay.body));
    assert.equal(crossReplay.body.error, "unauthorized");
    const fresh = await replay(replicas[0].url, answeredBySecond, resigned(answeredBySecond));
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));

    // A lookup the first replica answered, sent again to the first after it restarted: still refused.
    const answeredByFirst = byReplica[0];
    await replicas[0].stop();
    replicas[0] = await startRealOrigin({ databaseUrl: database, seedDemo: false });
    const afterRestart = await replay(replicas[0].url, answeredByFirst);
    assert.equal(afterRestart.status, 401, JSON.stringify(afterRestart.body));
    const freshAfterRestart = await replay(replicas[0].url, answeredByFirst, resigned(answeredByFirst));
    assert.equal(freshAfterRestart.status, 200, JSON.stringify(freshAfterRestart.body));
  });
});
