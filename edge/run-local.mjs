#!/usr/bin/env node
// Starts the built onshi edge worker in workerd through Miniflare, for the demo and the end-to-end tests.
//
//   node edge/run-local.mjs --origin-url http://127.0.0.1:8788 --ca-pem path/to/auth-ca.pem [--port 0]
//
// Prints exactly one line on stdout once the worker answers: `onshi-edge listening on http://127.0.0.1:<port>`;
// everything else (worker logs, errors) goes to stderr. Stops cleanly on SIGTERM or SIGINT.
// Secrets are best passed through the environment (flags are visible to other local users in `ps`).
//
// Option (flag / environment variable):
//   --host / ONSHI_EDGE_HOST                     listen address, default 127.0.0.1
//   --port / ONSHI_EDGE_PORT                     listen port, default 0 (any free port)
//   --origin-url / ORIGIN_URL                    origin base URL (required)
//   --origin-signing-key / ORIGIN_SIGNING_KEY    origin request HMAC key (required; ONSHI_ORIGIN_SIGNING_KEY,
//                                                the origin's own variable, is accepted too)
//   ORIGIN_AUDIENCE                              the origin deployment requests are meant for (ONSHI_ORIGIN_AUDIENCE,
//                                                the origin's own variable, is accepted too); default onshi
//   --session-key / SESSION_KEY                  session key material; default: 32 fresh random bytes per run
//   --ca-pem / JPKI_AUTH_CA_PEM_FILE             file with the trusted 利用者証明用 CA certificate(s), PEM or one DER
//                                                certificate (required; the flag may be repeated; the variable
//                                                takes several paths separated by ":")
//   --assets / ONSHI_EDGE_ASSETS                 static files directory, default ../dist/www next to this file
//   --script / ONSHI_EDGE_SCRIPT                 built worker, default build/index.js next to this file
//   --origin-timeout-ms / ORIGIN_TIMEOUT_MS      origin timeout, default 3000
//   --admin-token / ADMIN_TOKEN                  the national operator's bearer token of the admin routes
//                                                (≥ 24 bytes); unset closes them to the operator
//   OPERATOR_ID                                  who holds ADMIN_TOKEN, as audit events name them; default operator
//   RATE_LIMIT_PER_DEVICE, RATE_LIMIT_PER_FACILITY  requests per window, defaults 60 and 600
//   RATE_LIMIT_PER_STAFF_SESSION                 staff calls per session per window, default the per-device limit
//   RATE_LIMIT_WINDOW_SECS                       rate limit window, default 60
//   STAFF_IDLE_SECS                              seconds a staff session may go without a call, default 900 (1-3600)
//   KIOSK_ORIGINS                                kiosk origins allowed besides the edge's own, e.g. the Isolated
//                                                Web App's isolated-app://<bundle id> (comma separated)
//   ENVIRONMENT                                  the worker's ENVIRONMENT binding, default development: this launcher
//                                                runs the demo and the tests, which trust the committed test CA
//                                                (the worker itself defaults to production and then refuses it)
//   REVOCATION_SOFT_FAIL                         true lets a certificate whose status is unknown pass, with a
//                                                warning; default false (only good passes)
//   ONSHI_EDGE_PERSIST                           directory keeping the Durable Objects' storage across restarts;
//                                                default: in memory, gone when the launcher stops

import { randomBytes, X509Certificate } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Miniflare } from "miniflare";

const HERE = dirname(fileURLToPath(import.meta.url));
export const COMPATIBILITY_DATE = "2026-04-01";

/**
 * Miniflare options for the edge worker, shared by the launcher and the tests so both run the same setup.
 * `config`: { host, port, scriptPath, assetsDirectory, originUrl, originSigningKey, originAudience, sessionKey, caPem,
 * originTimeoutMs, adminToken, operatorId, rateLimitPerDevice, rateLimitPerFacility, rateLimitPerClient, rateLimitWindowSecs, staffIdleSecs, kioskOrigins,
 * environment, revocationSoftFail, cardFaceIssuerKeys, persistDirectory, onLog, echoWorkerErrors }. `environment` defaults to "development": the launcher
 * and the tests run with the committed test CA, which the worker refuses in production. `onLog(message, level)`, when given,
 * sees every worker log line (the audit events among them) besides stderr, where errors and warnings are echoed
 * unless `echoWorkerErrors` is false (a benchmark that provokes a thousand of them on purpose).
 */
export function edgeMiniflareOptions(config) {
  const bindings = {
    ORIGIN_URL: config.originUrl,
    ORIGIN_SIGNING_KEY: config.originSigningKey,
    SESSION_KEY: config.sessionKey,
    JPKI_AUTH_CA_PEM: config.caPem,
    ENVIRONMENT: config.environment ?? "development",
  };
  if (config.originAudience) bindings.ORIGIN_AUDIENCE = config.originAudience;
  if (config.revocationSoftFail !== undefined) bindings.REVOCATION_SOFT_FAIL = String(config.revocationSoftFail);
  if (config.cardFaceIssuerKeys) bindings.CARD_FACE_ISSUER_KEYS = config.cardFaceIssuerKeys;
  if (config.originTimeoutMs !== undefined) bindings.ORIGIN_TIMEOUT_MS = String(config.originTimeoutMs);
  if (config.adminToken) bindings.ADMIN_TOKEN = config.adminToken;
  if (config.operatorId) bindings.OPERATOR_ID = config.operatorId;
  if (config.rateLimitPerDevice !== undefined) bindings.RATE_LIMIT_PER_DEVICE = String(config.rateLimitPerDevice);
  if (config.rateLimitPerFacility !== undefined) bindings.RATE_LIMIT_PER_FACILITY = String(config.rateLimitPerFacility);
  if (config.rateLimitPerStaffSession !== undefined) bindings.RATE_LIMIT_PER_STAFF_SESSION = String(config.rateLimitPerStaffSession);
  if (config.rateLimitPerClient !== undefined) bindings.RATE_LIMIT_PER_CLIENT = String(config.rateLimitPerClient);
  if (config.rateLimitWindowSecs !== undefined) bindings.RATE_LIMIT_WINDOW_SECS = String(config.rateLimitWindowSecs);
  if (config.staffIdleSecs !== undefined) bindings.STAFF_IDLE_SECS = String(config.staffIdleSecs);
  if (config.kioskOrigins) bindings.KIOSK_ORIGINS = config.kioskOrigins;
  const options = {
    host: config.host ?? "127.0.0.1",
    port: config.port ?? 0,
    scriptPath: config.scriptPath ?? resolve(HERE, "build/index.js"),
    modules: true,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"], fallthrough: true }],
    compatibilityDate: COMPATIBILITY_DATE,
    // Miniflare's own request log posts every request back to this process, where nothing reads it: the worker
    // writes its own audit line for each decision, and the round trip would only add load to every request.
    logRequests: false,
    bindings,
    durableObjects: {
      EDGE_STORE: { className: "EdgeStore", useSQLite: true },
    },
    // Devices, enrolment codes, rate counters and challenges survive a restart only when given a directory.
    durableObjectsPersist: config.persistDirectory ?? false,
    // Worker logs go to stderr so that stdout carries only the launcher's one line.
    handleStructuredLogs: ({ level, message }) => {
      config.onLog?.(message, level);
      const echoed = !config.onLog || ((level === "error" || level === "warn") && config.echoWorkerErrors !== false);
      if (echoed) {
        process.stderr.write(`[workerd ${level}] ${message}\n`);
      }
    },
  };
  if (config.assetsDirectory) {
    options.assets = {
      directory: config.assetsDirectory,
      binding: "ASSETS",
      // As `run_worker_first = true` in wrangler.toml: the worker adds security headers to static files.
      routerConfig: { invoke_user_worker_ahead_of_assets: true, has_user_worker: true },
    };
  }
  return options;
}

function fail(message) {
  process.stderr.write(`onshi-edge: ${message}\n`);
  process.exit(2);
}

function readConfig(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "origin-url": { type: "string" },
      "origin-signing-key": { type: "string" },
      "session-key": { type: "string" },
      "ca-pem": { type: "string", multiple: true },
      assets: { type: "string" },
      script: { type: "string" },
      "origin-timeout-ms": { type: "string" },
      "admin-token": { type: "string" },
    },
    strict: true,
  });
  const originUrl = values["origin-url"] ?? env.ORIGIN_URL;
  const originSigningKey = values["origin-signing-key"] ?? env.ORIGIN_SIGNING_KEY ?? env.ONSHI_ORIGIN_SIGNING_KEY;
  const caPaths = values["ca-pem"] ?? env.JPKI_AUTH_CA_PEM_FILE?.split(":").filter(Boolean);
  if (!originUrl) fail("--origin-url (or ORIGIN_URL) is required");
  if (!originSigningKey) fail("--origin-signing-key (or ORIGIN_SIGNING_KEY) is required");
  if (!caPaths?.length) fail("--ca-pem (or JPKI_AUTH_CA_PEM_FILE) is required");
  const port = Number(values.port ?? env.ONSHI_EDGE_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail("--port must be 0..65535");
  const scriptPath = resolve(values.script ?? env.ONSHI_EDGE_SCRIPT ?? resolve(HERE, "build/index.js"));
  if (!existsSync(scriptPath)) fail(`${scriptPath} does not exist; build the worker first (worker-build --release)`);
  const assetsDirectory = resolve(values.assets ?? env.ONSHI_EDGE_ASSETS ?? resolve(HERE, "../dist/www"));
  if (!existsSync(assetsDirectory)) fail(`assets directory ${assetsDirectory} does not exist`);
  return {
    host: values.host ?? env.ONSHI_EDGE_HOST ?? "127.0.0.1",
    port,
    scriptPath,
    assetsDirectory,
    originUrl,
    originSigningKey,
    originAudience: env.ORIGIN_AUDIENCE ?? env.ONSHI_ORIGIN_AUDIENCE,
    sessionKey: values["session-key"] ?? env.SESSION_KEY ?? randomBytes(32).toString("hex"),
    caPem: caPaths.map(readCertificatesAsPem).join(""),
    originTimeoutMs: values["origin-timeout-ms"] ?? env.ORIGIN_TIMEOUT_MS,
    adminToken: values["admin-token"] ?? env.ADMIN_TOKEN,
    operatorId: env.OPERATOR_ID,
    rateLimitPerDevice: env.RATE_LIMIT_PER_DEVICE,
    rateLimitPerFacility: env.RATE_LIMIT_PER_FACILITY,
    rateLimitPerStaffSession: env.RATE_LIMIT_PER_STAFF_SESSION,
    rateLimitWindowSecs: env.RATE_LIMIT_WINDOW_SECS,
    staffIdleSecs: env.STAFF_IDLE_SECS,
    kioskOrigins: env.KIOSK_ORIGINS,
    environment: env.ENVIRONMENT,
    revocationSoftFail: env.REVOCATION_SOFT_FAIL,
    cardFaceIssuerKeys: env.CARD_FACE_ISSUER_KEYS,
    persistDirectory: env.ONSHI_EDGE_PERSIST,
  };
}

/** A PEM file as it is; a DER certificate converted to PEM (the virtual card's test CA ships as DER). */
function readCertificatesAsPem(path) {
  if (!existsSync(path)) fail(`CA certificate file ${path} does not exist`);
  const bytes = readFileSync(path);
  if (bytes.includes("-----BEGIN CERTIFICATE-----")) return bytes.toString("utf8").trim() + "\n";
  try {
    return new X509Certificate(bytes).toString().trim() + "\n";
  } catch {
    fail(`${path} is neither PEM nor a DER certificate`);
  }
}

/** How long a stopping launcher waits for its last handles to close before it exits all the same. */
const STOP_GRACE_MS = 5_000;

async function main() {
  const config = readConfig(process.argv.slice(2), process.env);
  const mf = new Miniflare(edgeMiniflareOptions(config));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await mf.dispose();
    // `dispose` starts removing Miniflare's temporary folder and does not wait for it, so an exit here would leave
    // the folder behind. The process ends by itself once nothing is pending; the timer, which does not keep it
    // alive, only bounds a handle that would not close.
    process.exitCode = 0;
    setTimeout(() => process.exit(0), STOP_GRACE_MS).unref();
  };
  // Miniflare's own signal hook kills workerd and exits at once with 128+signal, leaving its temporary folder
  // behind; this launcher replaces it with an orderly dispose and exit code 0.
  process.removeAllListeners("SIGTERM");
  process.removeAllListeners("SIGINT");
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  const url = await mf.ready;
  process.stdout.write(`onshi-edge listening on http://${config.host}:${url.port}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    process.stderr.write(`onshi-edge: ${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
