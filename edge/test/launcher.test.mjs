// The launcher used by the demo and the end-to-end tests: one stdout line once ready, clean stop on SIGTERM.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { FIXTURES, ORIGIN_SIGNING_KEY, closedPortUrl } from "./helpers.mjs";

const LAUNCHER = resolve(dirname(fileURLToPath(import.meta.url)), "../run-local.mjs");

test("prints exactly one line when ready, serves, and stops on SIGTERM", async () => {
  const child = spawn(
    process.execPath,
    [
      LAUNCHER,
      "--origin-url",
      await closedPortUrl(),
      "--ca-pem",
      resolve(FIXTURES, "test-pki/auth-ca.der"),
      "--assets",
      resolve(FIXTURES, "www"),
    ],
    { env: { ...process.env, ORIGIN_SIGNING_KEY }, stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = [];
  const reader = createInterface({ input: child.stdout });
  reader.on("line", (line) => lines.push(line));
  const [first] = await once(reader, "line");
  const match = /^onshi-edge listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(first);
  assert.ok(match, first);
  assert.notEqual(Number(match[2]), 0);

  const health = await fetch(`${match[1]}/api/v1/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok" });

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
  assert.deepEqual(lines, [first], "nothing else on stdout");
});

test("refuses to start without the origin signing key", async () => {
  const env = { ...process.env };
  delete env.ORIGIN_SIGNING_KEY;
  delete env.ONSHI_ORIGIN_SIGNING_KEY;
  const child = spawn(process.execPath, [LAUNCHER, "--origin-url", "http://127.0.0.1:1", "--ca-pem", "x"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const [code] = await once(child, "exit");
  assert.equal(code, 2);
  assert.match(stderr, /ORIGIN_SIGNING_KEY/);
});
