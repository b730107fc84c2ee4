#!/usr/bin/env node
// Edge benchmarks, on loopback only: the latency the edge adds over calling the origin directly, and the size of
// the worker bundle. Needs the built worker (edge/build, `worker-build --release`) and the origin binary
// (ONSHI_ORIGIN_BIN, default target/debug/onshi-origin).
//
//   node edge/bench/edge-bench.mjs [--quick]
//
// Prints one line per figure, exactly `bench: <name> = <value> <unit> (target <op> <value>)`:
//   edge.added_p99_ms / edge.added_p50_ms  qualification through the edge (device proof, rate counters, session
//                                          check, signed proxy) minus the same signed query sent straight to the
//                                          origin; the two are measured interleaved in the same run
//   edge.bundle_gz_kb                      gzip -9 of the worker's wasm plus its JavaScript glue
// Each latency figure is the median over several runs after a warm-up; the run count and request count are
// fixed, so the whole benchmark is bounded (about 10 s, under 2 s with --quick).
// CPU per card session (edge.session_cpu_ms) is measured natively: `cargo bench -p onshi-edge --bench session_cpu`.

import { createHmac, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  ORIGIN_SIGNING_KEY,
  enrolDevice,
  startEdge,
  startRealOrigin,
  testCard,
} from "../test/helpers.mjs";

const EDGE = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const RUNS = quick ? 3 : 7;
const REQUESTS_PER_RUN = quick ? 40 : 300;
const WARM_UP = quick ? 20 : 100;

function figure(name, value, unit, target) {
  process.stdout.write(`bench: ${name} = ${value} ${unit} (target ${target})\n`);
}

function percentile(sorted, p) {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Signs an origin request as the edge does (onshi-proto signing.rs). */
function originHeaders(path, body) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString("hex");
  const bodyHash = createHash("sha256").update(body).digest("hex");
  const signature = createHmac("sha256", ORIGIN_SIGNING_KEY)
    .update(["POST", path, timestamp, nonce, bodyHash].join("\n"))
    .digest("hex");
  return {
    "content-type": "application/json",
    "x-onshi-timestamp": timestamp,
    "x-onshi-nonce": nonce,
    "x-onshi-signature": signature,
  };
}

async function timed(url, init) {
  const started = process.hrtime.bigint();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return elapsed;
}

function bundleSizeKb() {
  const wasm = readFileSync(resolve(EDGE, "build/index_bg.wasm"));
  const glue = readFileSync(resolve(EDGE, "build/index.js"));
  return (gzipSync(wasm, { level: 9 }).length + gzipSync(glue, { level: 9 }).length) / 1024;
}

async function addedLatency() {
  const origin = await startRealOrigin();
  // Limits far above the benchmark's request count, so that counting is measured but never refuses.
  const edge = await startEdge({
    originUrl: origin.url,
    rateLimitPerDevice: 1_000_000,
    rateLimitPerFacility: 1_000_000,
  });
  try {
    const device = await enrolDevice(edge.url);
    const card = testCard(0);
    const sign = async (path, body) => ({
      "content-type": "application/json",
      ...(await device.headers("POST", path, body)),
    });
    const challengeBody = "";
    const challenge = await (
      await fetch(`${edge.url}/api/v1/challenge`, { method: "POST", headers: await sign("/api/v1/challenge", challengeBody) })
    ).json();
    const sessionBody = JSON.stringify({
      challenge_id: challenge.challenge_id,
      certificate: card.certificate.toString("base64"),
      signature: card.sign(Buffer.from(challenge.challenge, "base64"), device.id).toString("base64"),
    });
    const session = await (
      await fetch(`${edge.url}/api/v1/session`, {
        method: "POST",
        headers: await sign("/api/v1/session", sessionBody),
        body: sessionBody,
      })
    ).json();
    if (!session.session_token) throw new Error(`no session: ${JSON.stringify(session)}`);

    // The query the edge sends for this session, sent straight to the origin for the baseline.
    const directPath = "/v1/qualification/by-certificate";
    const directBody = JSON.stringify({
      certificate: {
        issuer: "CN=onshi test auth CA,OU=JPKI for user authentication TEST,O=onshi test,C=JP",
        serial: card.serial,
      },
      facility_code: device.facilityCode,
      device_id: device.id,
    });
    const edgePath = "/api/v1/qualification";
    const edgeBody = "{}";
    const viaEdge = async () => {
      // The device signature is made before the clock starts: it is the kiosk's cost, not the edge's.
      const headers = { ...(await sign(edgePath, edgeBody)), authorization: `Bearer ${session.session_token}` };
      return timed(`${edge.url}${edgePath}`, { method: "POST", headers, body: edgeBody });
    };
    const direct = () =>
      timed(`${origin.url}${directPath}`, { method: "POST", headers: originHeaders(directPath, directBody), body: directBody });

    for (let i = 0; i < WARM_UP; i += 1) {
      await direct();
      await viaEdge();
    }
    const p50s = [];
    const p99s = [];
    for (let run = 0; run < RUNS; run += 1) {
      const edgeTimes = [];
      const directTimes = [];
      for (let i = 0; i < REQUESTS_PER_RUN; i += 1) {
        directTimes.push(await direct());
        edgeTimes.push(await viaEdge());
      }
      edgeTimes.sort((a, b) => a - b);
      directTimes.sort((a, b) => a - b);
      p50s.push(percentile(edgeTimes, 50) - percentile(directTimes, 50));
      p99s.push(percentile(edgeTimes, 99) - percentile(directTimes, 99));
    }
    return { p50: median(p50s), p99: median(p99s) };
  } finally {
    await edge.dispose();
    await origin.stop();
  }
}

const { p50, p99 } = await addedLatency();
figure("edge.added_p99_ms", p99.toFixed(2), "ms", "<= 3");
figure("edge.added_p50_ms", p50.toFixed(2), "ms", "report");
figure("edge.bundle_gz_kb", bundleSizeKb().toFixed(1), "KB", "<= 1024");
