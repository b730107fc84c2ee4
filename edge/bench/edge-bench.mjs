#!/usr/bin/env node
// Edge benchmarks, on loopback only: the latency the edge adds over calling the origin directly, and the size of
// the worker bundle. Needs the built worker (edge/build, `worker-build --release`) and the origin binary
// (ONSHI_ORIGIN_BIN, default target/debug/onshi-origin).
//
//   node edge/bench/edge-bench.mjs [--quick]
//
// Prints one line per figure, exactly `bench: <name> = <value> <unit> (n <sample>) (target <op> <value>)`. Each
// round sends the same qualification three ways, back to back from the same client: straight to the origin, through
// the floor (a trivial worker in the same workerd that only passes the request on) and through the edge, both
// workers reached on a socket of their own: Miniflare's entry worker (and the asset router of a worker with assets),
// which only the edge's main URL passes through, is Miniflare's plumbing, paid by neither the floor nor the edge's
// own code. Figures
// are percentiles of the per-round differences, never differences of percentiles:
//   edge.added_p50_ms / edge.added_p99_ms  edge − origin: all the edge adds (device proof, rate counters, session
//                                          check, signed proxy, and workerd's own cost)
//   edge.floor_added_p99_ms                floor − origin: what any worker in this workerd adds
//   edge.added_p99_over_floor_ms           edge − floor: what the edge's own work adds over that floor
//   edge.bundle_gz_kb                      gzip -9 of the worker's wasm plus its JavaScript glue
// The round count is fixed (5,000, or 200 with --quick), so the whole benchmark is bounded.
// CPU per card session (edge.session_cpu_ms) is measured natively: `cargo bench -p onshi-edge --bench session_cpu`.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { originSignatureHeaders } from "../../xtask/origin-signature.mjs";
import {
  ORIGIN_SIGNING_KEY,
  enrolDevice,
  startEdge,
  startRealOrigin,
  testCard,
} from "../test/helpers.mjs";

const EDGE = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 200 : 5_000;
const WARM_UP = quick ? 20 : 200;

function figure(name, value, unit, n, target) {
  process.stdout.write(`bench: ${name} = ${value} ${unit} (n ${n}) (target ${target})\n`);
}

function percentile(sorted, p) {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/** The `p`th percentile of the element-wise differences `a[i] - b[i]`. */
function differencePercentile(a, b, p) {
  return percentile(a.map((value, i) => value - b[i]).sort((x, y) => x - y), p);
}

/** Signs an origin request as the edge does (onshi-proto signing.rs). */
function originHeaders(path, body) {
  return { "content-type": "application/json", ...originSignatureHeaders(ORIGIN_SIGNING_KEY, "POST", path, body) };
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
    withFloorWorker: true,
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
      return timed(`${edge.edgeDirectUrl}${edgePath}`, { method: "POST", headers, body: edgeBody });
    };
    // The origin's own signature is made before the clock starts too, for both ways that carry it.
    const toOrigin = (base) => {
      const init = { method: "POST", headers: originHeaders(directPath, directBody), body: directBody };
      return timed(`${base}${directPath}`, init);
    };
    const direct = () => toOrigin(origin.url);
    const viaFloor = () => toOrigin(edge.floorUrl);

    for (let i = 0; i < WARM_UP; i += 1) {
      await direct();
      await viaFloor();
      await viaEdge();
    }
    const directTimes = [];
    const floorTimes = [];
    const edgeTimes = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      directTimes.push(await direct());
      floorTimes.push(await viaFloor());
      edgeTimes.push(await viaEdge());
    }
    return {
      n: ROUNDS,
      p50: differencePercentile(edgeTimes, directTimes, 50),
      p99: differencePercentile(edgeTimes, directTimes, 99),
      floorP99: differencePercentile(floorTimes, directTimes, 99),
      overFloorP99: differencePercentile(edgeTimes, floorTimes, 99),
    };
  } finally {
    await edge.dispose();
    await origin.stop();
  }
}

const added = await addedLatency();
figure("edge.added_p99_ms", added.p99.toFixed(2), "ms", added.n, "<= 3");
figure("edge.added_p50_ms", added.p50.toFixed(2), "ms", added.n, "report");
figure("edge.floor_added_p99_ms", added.floorP99.toFixed(2), "ms", added.n, "report");
figure("edge.added_p99_over_floor_ms", added.overFloorP99.toFixed(2), "ms", added.n, "<= 1");
figure("edge.bundle_gz_kb", bundleSizeKb().toFixed(1), "KB", 1, "<= 1024");
