// The launcher used by the demo and the end-to-end tests: one stdout line once ready, clean stop on SIGTERM that
// leaves nothing behind.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { FIXTURES, ORIGIN_SIGNING_KEY, closedPortUrl } from "./helpers.mjs";

const LAUNCHER = resolve(dirname(fileURLToPath(import.meta.url)), "../run-local.mjs");

test("prints exactly one line when ready, serves, and stops on SIGTERM, leaving no temporary files", async (t) => {
  // A temporary folder of the launcher's own, so that what Miniflare keeps there (its Durable Objects' and cache's
  // files) can be seen to go with it, whatever other tests run beside this one.
  const temporary = mkdtempSync(join(tmpdir(), "onshi-launcher-test-"));
  t.after(() => rmSync(temporary, { recursive: true, force: true }));
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
    { env: { ...process.env, ORIGIN_SIGNING_KEY, TMPDIR: temporary }, stdio: ["ignore", "pipe", "inherit"] },
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
  assert.notDeepEqual(readdirSync(temporary), [], "Miniflare keeps its files in the launcher's temporary folder");

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
  assert.deepEqual(lines, [first], "nothing else on stdout");
  assert.deepEqual(readdirSync(temporary), [], "the launcher's temporary files are gone once it has stopped");
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
