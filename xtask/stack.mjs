// Starts the whole onshi stack on 127.0.0.1 for the demo and the end-to-end tests: the origin binary on a SQLite
// file seeded with the demo population, and the edge worker in workerd serving the kiosk. Used as a module by the
// tests (startStack) and as a program by `cargo xtask demo`.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LogLines } from './log-lines.mjs';
import { originSignatureHeaders } from './origin-signature.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_CARDS = JSON.parse(readFileSync(join(ROOT, 'shared/vcard/data/demo-cards.json'), 'utf8'));
const TEST_CA_DER = join(ROOT, 'shared/vcard/data/test-pki/auth-ca.der');
/** The demo facility's 医療機関コード (qualification-domain.md §2.3 worked example; the check digit is valid). */
export const DEMO_FACILITY_CODE = '0110113719';

function derToPem(path) {
  const b64 = readFileSync(path).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

/** Spawns a program and resolves with its URL once it prints `<prefix> http://…`; rejects if it exits first. */
function startProcess(name, command, args, env, prefix, logs) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const record = (stream) => createInterface({ input: stream }).on('line', (line) => {
      logs.push(`[${name}] ${line}`);
      if (process.env.ONSHI_STACK_VERBOSE) console.error(`[${name}] ${line}`);
      const match = line.match(new RegExp(`^${prefix} (http://\\S+)`));
      if (match) resolvePromise({ child, url: match[1] });
    });
    record(child.stdout);
    record(child.stderr);
    child.once('error', reject);
    // 'close' (not 'exit') fires after the output streams are drained, so the error carries the last log lines.
    child.once('close', (code, signal) => reject(new Error(`${name} exited early (${code ?? signal}):\n${logs.lines.join('\n')}`)));
  });
}

function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    child.once('exit', () => resolvePromise());
    child.kill('SIGTERM');
  });
}

/**
 * Starts origin + edge. Options: port (edge port, 0 = any free one), database (SQLite file; a temporary one by
 * default), originUrlOverride (point the edge at another origin, e.g. a stopped one for outage tests).
 * Resolves with { url, originUrl, logs, issueEnrolmentCode(facilityCode?), issueStaffCode(facilityCode?),
 * revokeDevice(deviceId), postOrigin(path, value), waitForLog(predicate), stopOrigin(), stop() }. `logs` collects
 * every line both processes print, and `waitForLog` resolves with the first line (seen or still to come) that
 * `predicate` accepts: a process's log reaches this process through a pipe, after the HTTP answer it goes with.
 * `issueEnrolmentCode` returns a fresh one-time code for enrolling a kiosk (named by `{ label }` when given).
 */
export async function startStack({ port = 0, database, originUrlOverride, edgeEnv = {} } = {}) {
  const logs = new LogLines();
  const scratch = mkdtempSync(join(tmpdir(), 'onshi-stack-'));
  const signingKey = randomBytes(32).toString('hex');
  const sessionKey = randomBytes(32).toString('hex');
  // The national operator's admin token: it only mints each facility's admin credential, and the facility's admin
  // issues that facility's codes and revokes its kiosks (see facilityAdmin below), as in a real deployment.
  const adminToken = randomBytes(32).toString('hex');
  const dbFile = database ?? join(scratch, 'origin.sqlite');
  const originBin = process.env.ONSHI_ORIGIN_BIN ?? join(ROOT, 'target/debug/onshi-origin');
  const siteDir = process.env.ONSHI_SITE_DIR ?? join(ROOT, 'dist/www');

  const origin = await startProcess('origin', originBin, [
    'serve', '--database', `sqlite://${dbFile}?mode=rwc`, '--listen', '127.0.0.1:0',
    '--demo', '--seed-demo', join(ROOT, 'shared/vcard/data/demo-cards.json'),
  ], { ONSHI_ORIGIN_SIGNING_KEY: signingKey, RUST_LOG: process.env.RUST_LOG ?? 'info' }, 'onshi-origin listening on', logs);

  const caPemFile = join(scratch, 'auth-ca.pem');
  writeFileSync(caPemFile, derToPem(TEST_CA_DER));
  let edge;
  try {
    edge = await startProcess('edge', process.execPath, [
      join(ROOT, 'edge/run-local.mjs'),
      '--port', String(port),
      '--origin-url', originUrlOverride ?? origin.url,
      '--assets', siteDir,
      '--ca-pem', caPemFile,
    ], {
      ORIGIN_SIGNING_KEY: signingKey,
      SESSION_KEY: sessionKey,
      ADMIN_TOKEN: adminToken,
      OPERATOR_ID: 'demo-operator',
      // The stack runs the virtual card, whose test CA the edge refuses in production.
      ENVIRONMENT: 'development',
      ...edgeEnv,
    }, 'onshi-edge listening on', logs);
  } catch (error) {
    await stopProcess(origin.child);
    throw error;
  }

  /** Each facility's admin credential, minted by the operator on first use: 医療機関コード → a promise of the token. */
  const facilityAdmins = new Map();
  function facilityAdmin(facilityCode) {
    if (!facilityAdmins.has(facilityCode)) {
      facilityAdmins.set(facilityCode, (async () => {
        const response = await fetch(`${edge.url}/api/v1/admin/facility-admins`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ facility_code: facilityCode, actor: `admin of ${facilityCode}` }),
        });
        const body = await response.json();
        if (response.status !== 200) throw new Error(`facility admin refused: ${response.status} ${JSON.stringify(body)}`);
        return body.token;
      })());
    }
    return facilityAdmins.get(facilityCode);
  }
  /** Calls one of the edge's admin routes as the facility's admin; returns the one-time code it issues. */
  async function issueAdminCode(path, facilityCode, extra = {}) {
    const response = await fetch(`${edge.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await facilityAdmin(facilityCode)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ facility_code: facilityCode, ...extra }),
    });
    const body = await response.json();
    if (response.status !== 200) throw new Error(`${path} refused: ${response.status} ${JSON.stringify(body)}`);
    return body.code;
  }
  /**
   * A one-time kiosk enrolment code for a 医療機関コード; `label` names the kiosk for staff (e.g. '受付1'), and
   * `staffed` (default true: the demo's kiosks stand at reception) lets it ask staff for 目視.
   */
  const issueEnrolmentCode = (facilityCode = DEMO_FACILITY_CODE, { label, staffed = true } = {}) =>
    issueAdminCode('/api/v1/admin/enrolment-codes', facilityCode, { staffed, ...(label === undefined ? {} : { label }) });
  /** A one-time staff console login code for a 医療機関コード. */
  const issueStaffCode = (facilityCode = DEMO_FACILITY_CODE) => issueAdminCode('/api/v1/admin/staff-codes', facilityCode);
  /** Revokes an enrolled kiosk device through the edge's admin route, as its facility's admin would. */
  async function revokeDevice(deviceId) {
    const path = `/api/v1/admin/devices/${encodeURIComponent(deviceId)}/revoke`;
    // A device id starts with its facility's 医療機関コード.
    const facilityCode = deviceId.split('.')[0];
    const response = await fetch(`${edge.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await facilityAdmin(facilityCode)}` },
    });
    const body = await response.json();
    if (response.status !== 200) throw new Error(`${path} refused: ${response.status} ${JSON.stringify(body)}`);
    return body;
  }

  /**
   * Calls one of the origin's edge-signed routes directly, signed as the edge signs (onshi-proto `signing.rs`), so
   * a test can show what the origin refuses on its own; resolves with `{ status, body }`.
   */
  async function postOrigin(path, value) {
    const body = JSON.stringify(value);
    const response = await fetch(`${origin.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...originSignatureHeaders(signingKey, 'POST', path, body) },
      body,
    });
    return { status: response.status, body: await response.json() };
  }

  return {
    url: edge.url,
    originUrl: origin.url,
    postOrigin,
    logs: logs.lines,
    issueEnrolmentCode,
    issueStaffCode,
    revokeDevice,
    waitForLog: (predicate, failAfterMs) => logs.waitFor(predicate, failAfterMs),
    stopOrigin: () => stopProcess(origin.child),
    async stop() {
      await stopProcess(edge.child);
      await stopProcess(origin.child);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

// `cargo xtask demo` runs this file as a program.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const portFlag = process.argv.indexOf('--port');
  const port = portFlag > 0 ? Number(process.argv[portFlag + 1]) : Number(process.env.ONSHI_DEMO_PORT ?? 8787);
  // The demo database lives in the repository's target/ even when CARGO_TARGET_DIR points elsewhere (a test of the
  // demo program points ONSHI_DEMO_DATABASE at a scratch file instead).
  mkdirSync(join(ROOT, 'target'), { recursive: true });
  const database = process.env.ONSHI_DEMO_DATABASE ?? join(ROOT, 'target/demo-origin.sqlite');
  // Every start begins from the seeded demo population, so that what one run did (a card registered for insurance,
  // today's check-ins) does not change what the next run's demo cards show; `--keep` carries the data over.
  const keep = process.argv.includes('--keep');
  if (!keep) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${database}${suffix}`, { force: true });
  }
  const stack = await startStack({ port, database });
  console.log(`\nonshi demo is running: ${stack.url}\n`);
  console.log(keep ? `Kept the demo data of the last run (${database}).`
    : 'Fresh demo data (`cargo xtask demo --keep` keeps the last run\'s registrations and check-ins).');
  // A fresh browser profile is not an enrolled kiosk yet; this one-time code enrols it (valid for a while only),
  // under the name staff see on its check-ins and 目視 requests.
  const enrolmentCode = await stack.issueEnrolmentCode(undefined, { label: '受付1' });
  console.log(`Enrol the kiosk 「受付1」 with this one-time code: ${enrolmentCode}`);
  console.log(`Registration point (健康保険証利用登録): ${stack.url}/?mode=register`);
  console.log(`Staff console: ${stack.url}/staff  — one-time staff login code: ${await stack.issueStaffCode()}\n`);
  console.log('Open it in Chromium, press 「仮想カードリーダーで試す（デモ）」 and use one of these virtual cards:\n');
  for (const card of DEMO_CARDS) {
    console.log(`  ${String(card.index).padEnd(3)} ${card.label.padEnd(8, '　')}  PIN ${card.pin}   (${card.scenario})`);
  }
  console.log('\nCtrl-C stops origin and edge.');
  const shutdown = async () => { await stack.stop(); process.exit(0); };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
