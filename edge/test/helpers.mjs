// Shared pieces of the workerd tests: a fake origin that checks the edge's request signatures the way the real
// origin does (onshi-proto signing.rs), the test card PKI, and a Miniflare instance of the built worker.

import { createHash, createPrivateKey, sign, timingSafeEqual, X509Certificate } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { connect, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { edgeMiniflareOptions } from "../run-local.mjs";
import { ANSWER_SIGNATURE_HEADER, answerSignature, originSignature } from "../../xtask/origin-signature.mjs";
import { enrolWithCode } from "../../xtask/device-proof.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const EDGE = resolve(HERE, "..");
export const FIXTURES = resolve(HERE, "fixtures");

export const ORIGIN_SIGNING_KEY = "edge-test-origin-signing-key-0001";
export const SESSION_KEY = "edge-test-session-key-000000000000001";
export const ADMIN_TOKEN = "edge-test-admin-token-0000000000000001";
/** qualification-domain.md §2.3 worked example of a 医療機関コード. */
export const FACILITY_CODE = "0110113719";
const MAX_SKEW_SECS = 60;

/** Only the virtual card's test CA, as in development. */
export function testCaPem() {
  return readFileSync(resolve(FIXTURES, "test-pki/auth-ca.pem"), "utf8");
}

/** The trusted CAs: the virtual card's test CA plus the real 2015 J-LIS auth root (for the expired real card). */
export function trustedCaPem() {
  return readFileSync(resolve(FIXTURES, "test-pki/auth-ca.pem"), "utf8") + realAuthCaPem();
}

/** The real J-LIS 利用者証明用 CA alone: what a production edge may trust (it refuses the committed test CA). */
export function realAuthCaPem() {
  return readFileSync(resolve(EDGE, "tests/data/jpki-myna-ta/auth_ca_2015.pem"), "utf8");
}

/** A test card: its certificate (DER), a signer for challenges and its canonical serial. */
export function testCard(index) {
  const name = `card-${String(index).padStart(2, "0")}`;
  const certificate = readFileSync(resolve(FIXTURES, `test-pki/${name}.cert.der`));
  const key = createPrivateKey({
    key: readFileSync(resolve(FIXTURES, `test-pki/${name}.key.pk8`)),
    format: "der",
    type: "pkcs8",
  });
  return {
    certificate,
    serial: canonicalSerial(new X509Certificate(certificate).serialNumber),
    // RSA PKCS#1 v1.5 over SHA-256 of the bound message: what the card computes over DigestInfo(SHA-256(message))
    // when the kiosk `deviceId` asks it to answer `challenge`.
    sign: (challenge, deviceId) => sign("sha256", cardChallengeMessage(deviceId, challenge), key),
    /** The card's signature over the bare challenge bytes, with no protocol tag, purpose or device. */
    signBare: (bytes) => sign("sha256", bytes, key),
  };
}

/**
 * Test card `index` with its certificate issued again by the test CA to end at 23:59:59 in Japan on `isoDate`
 * (`YYYY-MM-DD`), from 2021-04-01: the same key, subject and serial, so the card still signs. The card's
 * validity is two UTCTimes of 13 characters in the to-be-signed part; they are replaced in place (the lengths do
 * not change) and the to-be-signed part is signed again with the test CA's key, whose 2048-bit signature ends the
 * certificate.
 */
export function testCardEnding(index, isoDate) {
  const card = testCard(index);
  const der = Buffer.from(card.certificate);
  const validity = Buffer.from([0x30, 0x1e, 0x17, 0x0d]);
  const at = der.indexOf(validity);
  if (at < 0 || der[at + 17] !== 0x17 || der[at + 18] !== 0x0d) throw new Error("no UTCTime validity in the card");
  const [year, month, day] = isoDate.split("-");
  der.write("210401000000Z", at + 4, "latin1");
  // 23:59:59 in Japan is 14:59:59 UTC the same day.
  der.write(`${year.slice(2)}${month}${day}145959Z`, at + 19, "latin1");
  // Certificate ::= SEQUENCE (4-byte header) { tbsCertificate SEQUENCE (its own 4-byte header), ... }.
  const tbsLength = der.readUInt16BE(6);
  const tbs = der.subarray(4, 4 + 4 + tbsLength);
  const caKey = createPrivateKey({
    key: readFileSync(resolve(FIXTURES, "test-pki/auth-ca.pk8")),
    format: "der",
    type: "pkcs8",
  });
  sign("sha256", tbs, caKey).copy(der, der.length - 256);
  const reissued = new X509Certificate(der);
  if (!reissued.verify(new X509Certificate(readFileSync(resolve(FIXTURES, "test-pki/auth-ca.der"))).publicKey)) {
    throw new Error("the reissued certificate does not verify");
  }
  return { ...card, certificate: der, validTo: reissued.validTo };
}

/**
 * The message a card signs to answer a challenge, as onshi-proto `api::card_challenge_message` builds it for the
 * card-session purpose: "onshi-card-challenge-v1\ncard-session\n" DEVICE_ID "\n" hex(challenge).
 */
export function cardChallengeMessage(deviceId, challenge) {
  if (typeof deviceId !== "string") throw new Error("a card answers a challenge for one device: pass its id");
  return Buffer.from(["onshi-card-challenge-v1", "card-session", deviceId, Buffer.from(challenge).toString("hex")].join("\n"), "utf8");
}

/** The real My Number card certificate (expired since 2024-05-02) and its published signature. */
export function realExpiredCard() {
  const dir = resolve(EDGE, "tests/data/my-number-myna-test-vector");
  return {
    certificate: readFileSync(resolve(dir, "auth-cert-myna.cer")),
    signature: readFileSync(resolve(dir, "auth-message1-sha256rsapkcs.sig")),
  };
}

function canonicalSerial(hex) {
  const stripped = hex.toUpperCase().replace(/^(00)+/, "");
  return stripped === "" ? "00" : stripped;
}

function verifySignature(method, pathAndQuery, headers, body, seenNonces) {
  const timestamp = headers["x-onshi-timestamp"];
  const nonce = headers["x-onshi-nonce"];
  const signature = headers["x-onshi-signature"];
  if (!timestamp || !nonce || !signature) return "missing signature headers";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(nonce)) return "malformed nonce";
  if (Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > MAX_SKEW_SECS) return "stale timestamp";
  if (seenNonces.has(nonce)) return "replayed nonce";
  const expected = originSignature(ORIGIN_SIGNING_KEY, method, pathAndQuery, timestamp, nonce, body);
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "signature mismatch";
  seenNonces.add(nonce);
  return null;
}

/**
 * Answers with `value` as JSON, signed as the origin signs an answer when the request presented a signature
 * (`response.requestSignature`, set by the stand-in origin on every request it receives).
 */
const json = (response, status, value) => {
  const body = JSON.stringify(value);
  const headers = { "content-type": "application/json" };
  if (response.requestSignature) {
    headers[ANSWER_SIGNATURE_HEADER] = answerSignature(ORIGIN_SIGNING_KEY, response.requestSignature, status, body);
  }
  response.writeHead(status, headers);
  response.end(body);
};

export const QUALIFICATION_ANSWER = {
  validity: "valid",
  reason: "current",
  guidance: null,
  confirmation_date: "2026-11-24",
  records: [],
  // The origin flags the 特定疾病 consent in every answer (SpecificDiseasesCertificateRelatedConsFlg 0).
  specific_disease_consent: "not_given",
};

/**
 * A fake origin on 127.0.0.1. `behaviour` is changed by tests: `revoked` (serials), and `mode`:
 * "normal", "hang" (never answers), "error500", "garbage", "held" (qualification of a good card → 423 record_held),
 * "impostor" (something in the origin's place answers every certificate `good`, signed under a key of its own). It also
 * records consents and registrations, and approves every visual check at once.
 */
export async function startFakeOrigin() {
  const origin = {
    behaviour: { revoked: new Set(), unknown: new Set(), mode: "normal" },
    received: [],
    signatureFailures: [],
    /** Visual checks asked for and not yet collected, by request id. */
    visualChecks: new Map(),
    hanging: [],
  };
  const seenNonces = new Set();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      response.requestSignature = request.headers["x-onshi-signature"];
      const failure = verifySignature(request.method, request.url, request.headers, body, seenNonces);
      if (failure) {
        origin.signatureFailures.push(failure);
        return json(response, 401, { error: "unauthorized", message: "Authentication is required." });
      }
      const query = JSON.parse(body.toString("utf8"));
      origin.received.push({ path: request.url, headers: request.headers, query });
      const { mode, revoked, unknown } = origin.behaviour;
      if (mode === "hang") return origin.hanging.push(response);
      if (mode === "error500") return json(response, 500, { error: "internal", message: "Internal error." });
      if (mode === "impostor") {
        const status = JSON.stringify({ status: "good" });
        response.writeHead(200, {
          "content-type": "application/json",
          [ANSWER_SIGNATURE_HEADER]: answerSignature("a-key-the-impostor-made-up", response.requestSignature, 200, status),
        });
        return response.end(status);
      }
      if (mode === "garbage") {
        response.writeHead(200, { "content-type": "text/html" });
        return response.end("<html>surprise</html>");
      }
      const statusOf = (certificate) =>
        revoked.has(certificate.serial) ? "revoked" : unknown.has(certificate.serial) ? "unknown" : "good";
      const held = () => json(response, 423, { error: "record_held", message: "The record is held for review." });
      if (request.url === "/v1/certificate-status") {
        return json(response, 200, { status: statusOf(query.certificate) });
      }
      if (request.url === "/v1/qualification/by-certificate") {
        if (mode === "held") return held();
        return json(response, 200, QUALIFICATION_ANSWER);
      }
      // As the real origin: the status first, and the qualification (or the held record's refusal) only for good.
      if (request.url === "/v1/qualification/by-certificate/with-status") {
        const status = statusOf(query.certificate);
        if (status !== "good") return json(response, 200, { status });
        if (mode === "held") return held();
        return json(response, 200, { status, qualification: QUALIFICATION_ANSWER });
      }
      if (request.url === "/v1/consent") return json(response, 200, { live: [] });
      if (request.url === "/v1/registration") return json(response, 200, { outcome: "registered" });
      if (request.url === "/v1/reader-results") return json(response, 200, { new: true });
      // Visual checks: staff approve at once, so the first collect hands over the certificate and the answer.
      if (request.url === "/v1/visual-checks") {
        const requestId = `vc${String(origin.visualChecks.size + 1).padStart(6, "0")}`;
        origin.visualChecks.set(requestId, query.certificate);
        return json(response, 200, { request_id: requestId, state: "pending", expires_at: Math.floor(Date.now() / 1000) + 600 });
      }
      if (request.url === "/v1/visual-checks/collect") {
        const certificate = origin.visualChecks.get(query.request_id);
        if (!certificate) return json(response, 404, { error: "not_found", message: "No such resource." });
        origin.visualChecks.delete(query.request_id);
        return json(response, 200, { state: "collected", certificate, qualification: QUALIFICATION_ANSWER });
      }
      json(response, 404, { error: "not_found", message: "No such resource." });
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  origin.url = `http://127.0.0.1:${server.address().port}`;
  origin.close = async () => {
    for (const response of origin.hanging.splice(0)) response.destroy();
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  };
  return origin;
}

/** A URL on 127.0.0.1 where nothing listens: a port that was free a moment ago. */
export async function closedPortUrl() {
  const server = createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return `http://127.0.0.1:${port}`;
}

// The device proof is written once, beside the origin signature, for every Node caller of the edge.
export { deviceProofMessage, deviceWithKey } from "../../xtask/device-proof.mjs";

/**
 * Issues a one-time enrolment code through the admin API, for a kiosk that stands where staff see the patient
 * (`staffed`, so it may ask for 目視) unless told otherwise; `role: "bridge"` enrols the facility's bridge instead.
 */
export async function issueEnrolmentCode(
  edgeUrl,
  facilityCode = FACILITY_CODE,
  adminToken = ADMIN_TOKEN,
  { staffed = true, role = "kiosk" } = {},
) {
  const response = await fetch(`${edgeUrl}/api/v1/admin/enrolment-codes`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ facility_code: facilityCode, staffed, role }),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`enrolment code refused: ${response.status} ${JSON.stringify(body)}`);
  return body.code;
}


/**
 * Calls the edge at `edgeUrl` as a client does: `body` as JSON (none when undefined), signed by `signer` (an enrolled
 * device, whose proof covers the method, path and body) when given, then `headers`. Resolves with
 * `{ status, body }`, the body parsed as JSON (`null` when empty).
 */
export async function callEdge(edgeUrl, path, { body, headers = {}, signer, method = "POST" } = {}) {
  const bytes = body === undefined ? "" : JSON.stringify(body);
  const init = { method, headers: { "content-type": "application/json" } };
  if (body !== undefined) init.body = bytes;
  if (signer) Object.assign(init.headers, await signer.headers(method, path, bytes));
  Object.assign(init.headers, headers);
  const response = await fetch(`${edgeUrl}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}
/**
 * Enrols a device as the kiosk does (or, with `role`, as the app of that role does, e.g. "staff_console"): a
 * non-extractable ECDSA P-256 key made with WebCrypto, its SPKI public key registered with a one-time code. Returns `{ id, facilityCode, headers(method, path, body, timestamp?, nonce?) }`, where
 * `headers` gives the device proof headers for one request.
 */
export async function enrolDevice(edgeUrl, { code, facilityCode = FACILITY_CODE, role } = {}) {
  // A device of another role than a kiosk stands nowhere a patient is, so its code is never staffed.
  const terms = role === undefined ? {} : { role, staffed: false };
  return enrolWithCode(edgeUrl, code ?? (await issueEnrolmentCode(edgeUrl, facilityCode, ADMIN_TOKEN, terms)), role);
}

/**
 * A staff session of `facilityCode` on a staff console enrolled for it, as the facility's admin issues its code and
 * a clerk signs in: `{ signer, headers }`, the console's proof and the staff token, which every staff call carries
 * together.
 */
export async function staffSessionOf(edgeUrl, facilityCode) {
  const signer = await enrolDevice(edgeUrl, { facilityCode, role: "staff_console" });
  const code = await callEdge(edgeUrl, "/api/v1/admin/staff-codes", {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: { facility_code: facilityCode },
  });
  if (code.status !== 200) throw new Error(`staff code: ${code.status} ${JSON.stringify(code.body)}`);
  const login = await callEdge(edgeUrl, "/api/v1/staff/login", { signer, body: { code: code.body.code } });
  if (login.status !== 200) throw new Error(`staff login: ${login.status} ${JSON.stringify(login.body)}`);
  return { signer, headers: { authorization: `Bearer ${login.body.staff_token}` } };
}

/** Starts the built worker in workerd; returns `{ url, mf, dispose }` (`mf` reaches the Durable Objects). */
export async function startEdge({
  originUrl,
  originTimeoutMs,
  rateLimitPerDevice,
  rateLimitPerFacility,
  rateLimitPerClient,
  rateLimitWindowSecs,
  // Seconds a staff session may go without a call (the worker's default when unset).
  staffIdleSecs,
  kioskOrigins,
  // A directory keeps the Durable Objects' storage, so a second edge started on it sees the first one's state.
  persistDirectory,
  // Audit lines are dropped unless a test collects them; worker errors still reach stderr unless told otherwise.
  onLog = () => {},
  echoWorkerErrors = true,
  caPem,
  environment,
  revocationSoftFail,
  // Base64 SubjectPublicKeyInfo DER of the card-face issuers the 目視 assist accepts, comma-separated.
  cardFaceIssuerKeys,
  // The benchmark's floor: a trivial worker in the same workerd that passes a request to the origin unchanged.
  withFloorWorker = false,
}) {
  const scriptPath = resolve(EDGE, "build/index.js");
  if (!existsSync(scriptPath)) {
    throw new Error(`${scriptPath} is missing: run \`worker-build --release\` in edge/ first`);
  }
  const edgeOptions = edgeMiniflareOptions({
    port: 0,
    scriptPath,
    assetsDirectory: resolve(FIXTURES, "www"),
    originUrl,
    originSigningKey: ORIGIN_SIGNING_KEY,
    sessionKey: SESSION_KEY,
    caPem: caPem ?? trustedCaPem(),
    originTimeoutMs,
    adminToken: ADMIN_TOKEN,
    rateLimitPerDevice,
    rateLimitPerFacility,
    rateLimitPerClient,
    rateLimitWindowSecs,
    staffIdleSecs,
    kioskOrigins,
    persistDirectory,
    onLog,
    echoWorkerErrors,
    environment,
    revocationSoftFail,
    cardFaceIssuerKeys,
  });
  const mf = new Miniflare(withFloorWorker ? withFloor(edgeOptions, originUrl) : edgeOptions);
  const url = await mf.ready;
  const direct = async (worker) => (await mf.unsafeGetDirectURL(worker)).href.replace(/\/$/, "");
  // With the floor, both workers also get a socket of their own, so that the benchmark reaches them the same way:
  // through `url` the edge would pay Miniflare's entry worker and asset router, which the floor does not.
  const floorUrl = withFloorWorker ? await direct(FLOOR_WORKER) : undefined;
  const edgeDirectUrl = withFloorWorker ? await direct(EDGE_WORKER) : undefined;
  return { url: url.href.replace(/\/$/, ""), floorUrl, edgeDirectUrl, mf, dispose: () => mf.dispose() };
}

const FLOOR_WORKER = "floor";
const EDGE_WORKER = "edge";

/** A worker that does nothing but hand the request to the origin and its answer back: what any worker costs. */
const FLOOR_SCRIPT = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.ORIGIN_URL + url.pathname + url.search, {
      method: request.method, headers: request.headers, body: request.body,
    });
  },
};`;

/**
 * The edge's Miniflare options with a second worker, the floor, beside it in the same workerd: the edge stays the
 * entry worker on `url`, the floor gets a socket of its own. The options every worker shares move to the top.
 */
function withFloor(edgeOptions, originUrl) {
  const { host, port, logRequests, handleStructuredLogs, durableObjectsPersist, ...edgeWorker } = edgeOptions;
  const floor = {
    name: FLOOR_WORKER,
    modules: true,
    script: FLOOR_SCRIPT,
    compatibilityDate: edgeWorker.compatibilityDate,
    bindings: { ORIGIN_URL: originUrl },
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  };
  return {
    host, port, logRequests, handleStructuredLogs, durableObjectsPersist,
    workers: [{ name: EDGE_WORKER, ...edgeWorker, unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] }, floor],
  };
}

export const ORIGIN_ADMIN_TOKEN = "edge-test-origin-admin-token-0001";

/**
 * Starts the real origin binary (`ONSHI_ORIGIN_BIN`, default target/debug/onshi-origin) with this file's signing
 * key: on a fresh SQLite file unless `databaseUrl` names another database, seeded with the demo cards unless
 * `seedDemo` is false (a second replica of an already seeded database), on a free loopback port unless `listen`
 * names one (an origin restarted where the edge expects it). Returns `{ url, pid, stop(signal) }`; `stop` may be
 * called more than once.
 */
export async function startRealOrigin({ databaseUrl, seedDemo = true, listen = "127.0.0.1:0" } = {}) {
  const binary = process.env.ONSHI_ORIGIN_BIN ?? resolve(EDGE, "../target/debug/onshi-origin");
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`cargo build -p onshi-origin\` or set ONSHI_ORIGIN_BIN`);
  }
  const scratch = mkdtempSync(join(tmpdir(), "onshi-edge-origin-"));
  const child = spawn(
    binary,
    [
      "serve",
      "--database",
      databaseUrl ?? `sqlite://${join(scratch, "origin.sqlite")}?mode=rwc`,
      "--listen",
      listen,
      "--demo",
      ...(seedDemo ? ["--seed-demo", resolve(FIXTURES, "demo-cards.json")] : []),
    ],
    {
      env: {
        ...process.env,
        ONSHI_ORIGIN_SIGNING_KEY: ORIGIN_SIGNING_KEY,
        ONSHI_ADMIN_TOKEN: ORIGIN_ADMIN_TOKEN,
        RUST_LOG: process.env.RUST_LOG ?? "warn",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise((done, fail) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const match = /^onshi-origin listening on (http:\/\/\S+)/.exec(line);
      if (match) done(match[1]);
    });
    child.once("exit", (code, signal) => fail(new Error(`onshi-origin exited early (${code ?? signal})`)));
  });
  const exited = new Promise((done) => child.once("exit", done));
  return {
    url,
    /** The process id, for reading its memory from /proc. */
    pid: child.pid,
    /** Sends `signal` (SIGTERM unless told) and waits for the process to end; may be called more than once. */
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP relay on 127.0.0.1 in front of `targetUrl` that holds back every chunk of the origin's answers for
 * `relay.delayMs` (changeable at any time): an origin that is slow to answer, even on a reused connection.
 * Returns `{ url, delayMs, close() }`.
 */
export async function startDelayingRelay(targetUrl) {
  const target = new URL(targetUrl);
  const sockets = new Set();
  const relay = { delayMs: 0 };
  const server = createNetServer((incoming) => {
    const outgoing = connect(Number(target.port), target.hostname);
    sockets.add(incoming);
    sockets.add(outgoing);
    incoming.pipe(outgoing);
    // Chunks are released in order: each waits for the delay and for the chunk before it.
    let released = Promise.resolve();
    outgoing.on("data", (chunk) => {
      const delay = relay.delayMs;
      released = released.then(() => new Promise((done) => setTimeout(done, delay))).then(() => {
        if (!incoming.destroyed) incoming.write(chunk);
      });
    });
    outgoing.on("end", () => released.then(() => incoming.end()));
    const closeBoth = () => {
      incoming.destroy();
      outgoing.destroy();
    };
    outgoing.on("error", closeBoth);
    incoming.on("error", closeBoth);
    incoming.on("close", closeBoth);
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  relay.url = `http://127.0.0.1:${server.address().port}`;
  relay.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(done));
  };
  return relay;
}
