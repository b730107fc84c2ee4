// Shared pieces of the workerd tests: a fake origin that checks the edge's request signatures the way the real
// origin does (onshi-proto signing.rs), the test card PKI, and a Miniflare instance of the built worker.

import { createHash, createHmac, createPrivateKey, sign, timingSafeEqual, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { edgeMiniflareOptions } from "../run-local.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const EDGE = resolve(HERE, "..");
export const FIXTURES = resolve(HERE, "fixtures");

export const ORIGIN_SIGNING_KEY = "edge-test-origin-signing-key-0001";
export const SESSION_KEY = "edge-test-session-key-000000000000001";
const MAX_SKEW_SECS = 60;

/** The trusted CAs: the virtual card's test CA plus the real 2015 J-LIS auth root (for the expired real card). */
export function trustedCaPem() {
  return (
    readFileSync(resolve(FIXTURES, "test-pki/auth-ca.pem"), "utf8") +
    readFileSync(resolve(EDGE, "tests/data/jpki-myna-ta/auth_ca_2015.pem"), "utf8")
  );
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
    // RSA PKCS#1 v1.5 over SHA-256(challenge): what the card computes over DigestInfo(SHA-256(challenge)).
    sign: (challenge) => sign("sha256", challenge, key),
  };
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
  const bodyHash = createHash("sha256").update(body).digest("hex");
  const expected = createHmac("sha256", ORIGIN_SIGNING_KEY)
    .update([method, pathAndQuery, timestamp, nonce, bodyHash].join("\n"))
    .digest();
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "signature mismatch";
  seenNonces.add(nonce);
  return null;
}

const json = (response, status, value) => {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
};

export const QUALIFICATION_ANSWER = {
  validity: "valid",
  reason: "current",
  guidance: null,
  confirmation_date: "2026-11-24",
  records: [],
};

/**
 * A fake origin on 127.0.0.1. `behaviour` is changed by tests: `revoked` (serials), and `mode`:
 * "normal", "hang" (never answers), "error500", "garbage", "held" (qualification → 423 record_held).
 */
export async function startFakeOrigin() {
  const origin = {
    behaviour: { revoked: new Set(), mode: "normal" },
    received: [],
    signatureFailures: [],
    hanging: [],
  };
  const seenNonces = new Set();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const failure = verifySignature(request.method, request.url, request.headers, body, seenNonces);
      if (failure) {
        origin.signatureFailures.push(failure);
        return json(response, 401, { error: "unauthorized", message: "Authentication is required." });
      }
      const query = JSON.parse(body.toString("utf8"));
      origin.received.push({ path: request.url, headers: request.headers, query });
      const { mode, revoked } = origin.behaviour;
      if (mode === "hang") return origin.hanging.push(response);
      if (mode === "error500") return json(response, 500, { error: "internal", message: "Internal error." });
      if (mode === "garbage") {
        response.writeHead(200, { "content-type": "text/html" });
        return response.end("<html>surprise</html>");
      }
      if (request.url === "/v1/certificate-status") {
        return json(response, 200, { status: revoked.has(query.certificate.serial) ? "revoked" : "good" });
      }
      if (request.url === "/v1/qualification/by-certificate") {
        if (mode === "held") {
          return json(response, 423, { error: "record_held", message: "The record is held for review." });
        }
        return json(response, 200, QUALIFICATION_ANSWER);
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

/** Starts the built worker in workerd; returns `{ url, dispose }`. */
export async function startEdge({ originUrl, originTimeoutMs }) {
  const scriptPath = resolve(EDGE, "build/index.js");
  if (!existsSync(scriptPath)) {
    throw new Error(`${scriptPath} is missing: run \`worker-build --release\` in edge/ first`);
  }
  const mf = new Miniflare(
    edgeMiniflareOptions({
      port: 0,
      scriptPath,
      assetsDirectory: resolve(FIXTURES, "www"),
      originUrl,
      originSigningKey: ORIGIN_SIGNING_KEY,
      sessionKey: SESSION_KEY,
      caPem: trustedCaPem(),
      originTimeoutMs,
    }),
  );
  const url = await mf.ready;
  return { url: url.href.replace(/\/$/, ""), dispose: () => mf.dispose() };
}
