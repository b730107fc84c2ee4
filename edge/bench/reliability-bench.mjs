#!/usr/bin/env node
// Reliability under sustained load and faults, on loopback only: the real origin (SQLite) behind the real edge in
// workerd, a kiosk device with a card session sending qualification checks, each of which the origin records as a
// check-in before it answers.
//
//   node edge/bench/reliability-bench.mjs [--quick]
//
// Three phases, each bounded in time and count:
//   1. capacity  a closed loop of CONCURRENCY clients for CAPACITY_MS measures the highest rate the pair sustains;
//   2. soak      an open loop at 80 % of that rate for SOAK_MS (10 minutes, or 20 s with --quick; the environment's
//                ONSHI_SOAK_SECONDS for a longer look), with the origin's resident memory read from /proc every
//                twentieth of it;
//   3. faults    the closed loop again, the origin killed with SIGKILL mid-load, left down for DOWN_MS, and started
//                again on the same address and database while the edge keeps running.
// Figures, printed as `bench: <name> = <value> <unit> (n <sample>) (target <op> <value>)`:
//   reliability.soak_5xx                 answers of 500 and above during the soak                  (target = 0)
//   reliability.soak_no_answer           checks that got no answer at all during the soak: the connection failed
//                                        (reset, refused, closed early); their error codes are printed (target = 0)
//   reliability.soak_rss_growth_pct      the origin's RSS growth from the end of the soak's first fifth (its
//                                        warm-up) to its end                                      (target <= 10)
//   reliability.soak_rss_growth_from_cold_pct   the same from the soak's start                     (report)
// Why the warm-up: a heap profile of the origin over a soak (heaptrack, 90 s) found the live heap bounded at under
// 7 MB, nearly all of it SQLite's page caches and prepared statements, which fill as the database grows to their
// bound (2,000 KiB per connection, six connections); glibc's per-thread arenas keep the pages freed meanwhile.
// Filling a bounded cache is not a leak, so the target is judged once the caches are warm, and the growth from cold
// is still printed.
//   reliability.down_untyped             answers while the origin was down that were not the typed
//                                        origin_unavailable / origin_timeout, or no answer at all (target = 0)
//   reliability.down_answer_p99_ms       how long the edge took to say so                          (target <= the
//                                        edge's origin timeout, 3000 ms)
//   reliability.recovery_ms              from the origin listening again to the first answered check (report)
//   reliability.lost_acknowledged        checks answered 200 whose check-in the origin no longer has (target = 0)
// A check answered 200 is acknowledged: the origin wrote its check-in before answering. Counting them against the
// origin's own list after the restart proves that none was lost to the kill.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { originSignatureHeaders } from "../../xtask/origin-signature.mjs";
import {
  ORIGIN_SIGNING_KEY,
  closedPortUrl,
  enrolDevice,
  startEdge,
  startRealOrigin,
  testCard,
} from "../test/helpers.mjs";

const quick = process.argv.includes("--quick");
const CONCURRENCY = 4;
const CAPACITY_MS = quick ? 2_000 : 10_000;
const SOAK_MS = Number(process.env.ONSHI_SOAK_SECONDS ?? (quick ? 20 : 600)) * 1000;
const DOWN_MS = quick ? 3_000 : 10_000;
const ORIGIN_TIMEOUT_MS = 3_000;
/** Time for the origin to come back before the benchmark gives up on it. */
const RECOVERY_LIMIT_MS = 30_000;

function figure(name, value, unit, n, target) {
  process.stdout.write(`bench: ${name} = ${value} ${unit} (n ${n}) (target ${target})\n`);
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** One field of a process's /proc status (Linux), in KiB. */
function statusKib(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return Number(line.split(/\s+/)[1]);
}

/** The resident set size of a process, in KiB. */
const rssKib = (pid) => statusKib(pid, "VmRSS");

/** What the resident set is made of, in MiB: the heap and stacks, mapped files, shared memory (SQLite's WAL index). */
const rssParts = (pid) =>
  ["RssAnon", "RssFile", "RssShmem"].map((field) => `${field} ${(statusKib(pid, field) / 1024).toFixed(1)}`).join(", ");

/** A kiosk with an open card session; `check()` sends one qualification check and reports what came back. */
async function kiosk(edgeUrl) {
  const device = await enrolDevice(edgeUrl);
  const card = testCard(0);
  const post = async (path, body, extra = {}) =>
    fetch(`${edgeUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await device.headers("POST", path, body)), ...extra },
      body,
    });
  let token = null;
  const openSession = async () => {
    const challenge = await (await post("/api/v1/challenge", "")).json();
    const body = JSON.stringify({
      challenge_id: challenge.challenge_id,
      certificate: card.certificate.toString("base64"),
      signature: card.sign(Buffer.from(challenge.challenge, "base64"), device.id).toString("base64"),
    });
    const session = await (await post("/api/v1/session", body)).json();
    if (!session.session_token) throw new Error(`no session: ${JSON.stringify(session)}`);
    token = session.session_token;
  };
  await openSession();
  return {
    facilityCode: device.facilityCode,
    /**
     * `{ status, code, ms }` of one check; a session that ran out is opened again and the check sent again. A check
     * that got no answer at all (the connection failed: reset, refused, closed early) is status 0 with the
     * connection's error code, counted apart rather than ending the run, so that such failures are measured.
     */
    async check() {
      for (;;) {
        const started = process.hrtime.bigint();
        let response;
        let text;
        try {
          response = await post("/api/v1/qualification", "{}", { authorization: `Bearer ${token}` });
          text = await response.text();
        } catch (error) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          return { status: 0, code: error.cause?.code ?? error.code ?? error.name, ms };
        }
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        let code = null;
        try {
          code = JSON.parse(text).error ?? null;
        } catch {
          code = null;
        }
        if (response.status === 401 && code === "session_expired") {
          await openSession();
          continue;
        }
        return { status: response.status, code, ms };
      }
    },
  };
}

/**
 * Runs CONCURRENCY loops of `check`, each sending its next check when the last one answered, until `until()` is
 * true; returns every result with the time it ended, each also handed to `seen` as it comes.
 */
async function closedLoop(client, until, seen = () => {}) {
  const results = [];
  const loop = async () => {
    while (!until()) {
      const result = { ...(await client.check()), at: Date.now() };
      results.push(result);
      seen(result);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return results;
}

/** Sends checks at `perSecond` for `ms`, each on its own, whether or not earlier ones have answered. */
async function openLoop(client, perSecond, ms) {
  const results = [];
  const pending = [];
  const started = Date.now();
  const interval = 1000 / perSecond;
  for (let sent = 0; Date.now() - started < ms; sent += 1) {
    const due = started + sent * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    pending.push(client.check().then((result) => results.push(result)));
  }
  await Promise.all(pending);
  return results;
}

/**
 * How many check-ins the origin holds for `facilityCode` today, read as the edge would, with a signed request. The
 * listing answers one bounded page with the day's total (a COUNT in the origin), so this works at 150,000 rows.
 */
async function storedCheckins(originUrl, facilityCode) {
  const path = "/v1/staff/checkins";
  const body = JSON.stringify({ facility_code: facilityCode, staff_id: "reliability-bench" });
  const headers = { "content-type": "application/json", ...originSignatureHeaders(ORIGIN_SIGNING_KEY, "POST", path, body) };
  const response = await fetch(`${originUrl}${path}`, { method: "POST", headers, body });
  if (response.status !== 200) throw new Error(`the origin's check-in list answered ${response.status}`);
  const list = await response.json();
  if (!Number.isSafeInteger(list.total)) throw new Error("the origin's check-in list carried no total");
  return list.total;
}

const scratch = mkdtempSync(join(tmpdir(), "onshi-reliability-"));
const databaseUrl = `sqlite://${join(scratch, "origin.sqlite")}?mode=rwc`;
const listen = new URL(await closedPortUrl()).host;
let workerErrors = 0;
let origin = await startRealOrigin({ databaseUrl, listen });
const edge = await startEdge({
  originUrl: origin.url,
  originTimeoutMs: ORIGIN_TIMEOUT_MS,
  rateLimitPerDevice: 1_000_000,
  rateLimitPerFacility: 1_000_000,
  // Every check while the origin is down logs an error on purpose; they are counted, not echoed.
  onLog: (message, level) => {
    if (level === "error") workerErrors += 1;
  },
  echoWorkerErrors: false,
});
try {
  const client = await kiosk(edge.url);
  let answered = 0;
  const count = (results) => {
    answered += results.filter((r) => r.status === 200).length;
    return results;
  };

  // 1. Capacity.
  const capacityEnd = Date.now() + CAPACITY_MS;
  const capacity = count(await closedLoop(client, () => Date.now() > capacityEnd));
  const ratePerSecond = capacity.length / (CAPACITY_MS / 1000);
  figure("reliability.capacity_per_s", ratePerSecond.toFixed(0), "/s", capacity.length, "report");

  // 2. Soak at 80 % of it, the RSS read at every twentieth: growth that stops once the caches are warm is not a
  // leak; growth that goes on after the warm-up may be.
  const rssBefore = rssKib(origin.pid);
  const partsBefore = rssParts(origin.pid);
  const rssSamples = [];
  const sampler = setInterval(() => rssSamples.push(rssKib(origin.pid)), SOAK_MS / 20);
  const soak = count(await openLoop(client, ratePerSecond * 0.8, SOAK_MS));
  clearInterval(sampler);
  const rssAfter = rssKib(origin.pid);
  process.stdout.write(`reliability: origin RSS before the soak ${partsBefore}; after ${rssParts(origin.pid)}\n`);
  figure("reliability.soak_5xx", soak.filter((r) => r.status >= 500).length, "answers", soak.length, "= 0");
  const unanswered = soak.filter((r) => r.status === 0);
  figure("reliability.soak_no_answer", unanswered.length, "checks", soak.length, "= 0");
  if (unanswered.length) {
    const byCode = new Map();
    for (const { code } of unanswered) byCode.set(code, (byCode.get(code) ?? 0) + 1);
    const codes = [...byCode].map(([code, count]) => `${code} ×${count}`);
    process.stdout.write(`reliability: checks the edge never answered (the connection failed): ${codes.join(", ")}\n`);
  }
  const growthPct = (from) => (((rssAfter - from) / from) * 100).toFixed(1);
  const rssWarm = rssSamples[Math.floor(rssSamples.length / 5) - 1] ?? rssBefore;
  figure("reliability.soak_rss_growth_pct", growthPct(rssWarm), "%", soak.length, "<= 10");
  figure("reliability.soak_rss_growth_from_cold_pct", growthPct(rssBefore), "%", soak.length, "report");
  process.stdout.write(`reliability: origin RSS over the soak, MiB: ${[rssBefore, ...rssSamples, rssAfter].map((kib) => (kib / 1024).toFixed(1)).join(" ")}\n`);

  // 3. Faults: the origin killed mid-load, down a while, started again where the edge expects it, while the same
  // clients keep checking; the loop ends at the first check answered after the restart (or gives up).
  let killedAt = 0;
  let restartedAt = 0;
  let recoveredAt = 0;
  let answeredBeforeKill = 0;
  const faults = closedLoop(
    client,
    () => restartedAt !== 0 && (recoveredAt !== 0 || Date.now() - restartedAt > RECOVERY_LIMIT_MS),
    (result) => {
      if (restartedAt !== 0 && recoveredAt === 0 && result.status === 200) recoveredAt = result.at;
      if (killedAt === 0 && result.status === 200) answeredBeforeKill += 1;
    },
  );
  // The kill comes once the loop has had checks answered under load: no sleep decides it.
  const loaded = Date.now();
  await new Promise((done, fail) => {
    const poll = setInterval(() => {
      if (answeredBeforeKill >= CONCURRENCY * 20) {
        clearInterval(poll);
        done();
      } else if (Date.now() - loaded > RECOVERY_LIMIT_MS) {
        clearInterval(poll);
        fail(new Error("the checks were not answered before the kill"));
      }
    }, 10);
  });
  await origin.stop("SIGKILL");
  killedAt = Date.now();
  // Down for a fixed while: the length of the outage is what is being simulated, not a wait for something.
  await new Promise((done) => setTimeout(done, DOWN_MS));
  origin = await startRealOrigin({ databaseUrl, listen, seedDemo: false });
  restartedAt = Date.now();
  const results = count(await faults);
  // Answers that both began and ended while the origin was down.
  const whileDown = results.filter((r) => r.at - r.ms > killedAt && r.at < restartedAt);
  const untyped = whileDown.filter((r) => !["origin_unavailable", "origin_timeout"].includes(r.code));
  figure("reliability.down_untyped", untyped.length, "answers", whileDown.length, "= 0");
  const downP99 = whileDown.length ? percentile(whileDown.map((r) => r.ms), 99).toFixed(0) : "NaN";
  figure("reliability.down_answer_p99_ms", downP99, "ms", whileDown.length, `<= ${ORIGIN_TIMEOUT_MS}`);
  figure("reliability.recovery_ms", recoveredAt ? String(recoveredAt - restartedAt) : "NaN", "ms", 1, "report");
  console.log(`reliability-bench: the edge logged ${workerErrors} worker error(s), one for each refused check while down`);
  const stored = await storedCheckins(origin.url, client.facilityCode);
  figure("reliability.lost_acknowledged", Math.max(0, answered - stored), "check-ins", answered, "= 0");
} finally {
  await edge.dispose();
  await origin.stop();
  rmSync(scratch, { recursive: true, force: true });
}
