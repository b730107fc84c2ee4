// Starts the whole onshi stack on 127.0.0.1 for the demo and the end-to-end tests: the origin binary on a SQLite
// file seeded with the demo population, and the edge worker in workerd serving the kiosk. Used as a module by the
// tests (startStack) and as a program by `cargo xtask demo`.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LogLines } from './log-lines.mjs';
import { originSignatureHeaders } from './origin-signature.mjs';
import { enrolWithCode, signedCall } from './device-proof.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_CARDS = JSON.parse(readFileSync(join(ROOT, 'shared/vcard/data/demo-cards.json'), 'utf8'));
const TEST_CA_DER = join(ROOT, 'shared/vcard/data/test-pki/auth-ca.der');
/** The demo facility's 医療機関コード (qualification-domain.md §2.3 worked example; the check digit is valid). */
export const DEMO_FACILITY_CODE = '0110113719';

/**
 * Patients the demo's national reader checks in, in turn (the simulated terminal's trigger, bridge/README.md): one
 * with a 限度額 agreed on the reader and a 特定疾病療養受療証 whose category she did not consent to, one under a
 * 高齢受給者証, and one whose qualification was lost last month.
 */
/**
 * The 適用年度 of a 高齢受給者証 that holds `now` in Japan: 1 August to the next 31 July, as the trigger's
 * `elderly_valid_from` and `elderly_valid_until`.
 */
export function elderlyYear(now) {
  const tokyo = new Date(now.getTime() + 9 * 3600 * 1000);
  const first = tokyo.getUTCMonth() >= 7 ? tokyo.getUTCFullYear() : tokyo.getUTCFullYear() - 1;
  return { elderly_valid_from: `${first}-08-01`, elderly_valid_until: `${first + 1}-07-31` };
}

const NATIONAL_READER_PATIENTS = [
  {
    name: '受付　陽子', name_kana: 'ｳｹﾂｹ ﾖｳｺ', birth_date: '1979-04-21', sex: 'female', insurer_number: '06130017',
    insurer_name: '全国健康保険協会東京支部', symbol: '1234', number: '0056', branch: '00', ratio_percent: 30,
    validity: 'valid', limit_category: 'A03', prescription: 'electronic',
    // A 特定疾病療養受療証 without the patient's 特定疾病 consent: the terminal writes flag 0 and no category.
    specific_diseases: [{ disease_category: '', valid_from: '2025-04-01', monthly_self_pay_yen: 10000 }],
    specific_disease_consent: 'not_given',
  },
  {
    name: '長寿　茂', name_kana: 'ﾁｮｳｼﾞｭ ｼｹﾞﾙ', birth_date: '1953-08-02', sex: 'male', insurer_number: '06130017',
    insurer_name: '全国健康保険協会東京支部', symbol: '1234', number: '0071', branch: '00', ratio_percent: 30,
    elderly_ratio_percent: 20, ...elderlyYear(new Date()), validity: 'valid',
  },
  {
    name: '転職　光', name_kana: 'ﾃﾝｼｮｸ ﾋｶﾙ', birth_date: '1991-12-09', sex: 'unspecified', insurer_number: '06130017',
    insurer_name: '全国健康保険協会東京支部', symbol: '1234', number: '0093', branch: '00', ratio_percent: 30,
    validity: 'invalid', disqualification_date: '2026-10-31',
  },
];

/**
 * A patient as the national reader finds them, in the simulated terminal's trigger shape (bridge/README.md):
 * 診療 花子 under 協会けんぽ, 有効, unless `overrides` says otherwise. The e2e tests that drive the simulator start
 * from her, so each names only what its case is about.
 */
export function readerPatient(overrides = {}) {
  return {
    name: '診療　花子',
    name_kana: 'ｼﾝﾘｮｳ ﾊﾅｺ',
    birth_date: '1984-06-12',
    sex: 'female',
    insurer_number: '06130017',
    insurer_name: '全国健康保険協会東京支部',
    symbol: '1234',
    number: '0089',
    branch: '00',
    ratio_percent: 30,
    validity: 'valid',
    ...overrides,
  };
}

function derToPem(path) {
  const b64 = readFileSync(path).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

/**
 * Records every line `child` prints, on either stream, into `logs` under `name` (and on stderr when
 * `ONSHI_STACK_VERBOSE` is set), handing each line to `onLine` too.
 */
function recordOutput(name, child, logs, onLine = () => {}) {
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      logs.push(`[${name}] ${line}`);
      if (process.env.ONSHI_STACK_VERBOSE) console.error(`[${name}] ${line}`);
      onLine(line);
    });
  }
}

/** Spawns a program and resolves with its URL once it prints `<prefix> http://…`; rejects if it exits first. */
function startProcess(name, command, args, env, prefix, logs) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const announcement = new RegExp(`^${prefix} (http://\\S+)`);
    recordOutput(name, child, logs, (line) => {
      const match = line.match(announcement);
      if (match) resolvePromise({ child, url: match[1] });
    });
    child.once('error', reject);
    // 'close' (not 'exit') fires after the output streams are drained, so the error carries the last log lines.
    child.once('close', (code, signal) => reject(new Error(`${name} exited early (${code ?? signal}):\n${logs.lines.join('\n')}`)));
  });
}

/** Spawns a program whose output goes to `logs` under `name`; resolves once it has started. */
function spawnLogged(name, command, args, logs) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    recordOutput(name, child, logs);
    child.once('spawn', () => resolvePromise(child));
    child.once('error', reject);
  });
}

/** Runs a program to its end; rejects unless it exits 0, with what it printed. */
function runToEnd(name, command, args, logs) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    recordOutput(name, child, logs, (line) => output.push(line));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${name} failed (${code}):\n${output.join('\n')}`))));
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
 * default), databaseUrl (the origin's database as a URL, e.g. an empty PostgreSQL database, in place of the SQLite
 * file), originUrlOverride (point the edge at another origin, e.g. a stopped one for outage tests).
 * Resolves with { url, originUrl, logs, issueEnrolmentCode(facilityCode?), issueStaffCode(facilityCode?),
 * revokeDevice(deviceId), postOrigin(path, value), postOriginAdmin(path, value), waitForLog(predicate),
 * stopOrigin(), restartOrigin(), stop() }. `logs` collects
 * every line both processes print, and `waitForLog` resolves with the first line (seen or still to come) that
 * `predicate` accepts: a process's log reaches this process through a pipe, after the HTTP answer it goes with.
 * `issueEnrolmentCode` returns a fresh one-time code for enrolling a kiosk (named by `{ label }` when given).
 */
export async function startStack({ port = 0, database, databaseUrl, originUrlOverride, edgeEnv = {} } = {}) {
  const logs = new LogLines();
  const scratch = mkdtempSync(join(tmpdir(), 'onshi-stack-'));
  const signingKey = randomBytes(32).toString('hex');
  const sessionKey = randomBytes(32).toString('hex');
  // The national operator's admin token: it only mints each facility's admin credential, and the facility's admin
  // issues that facility's codes and revokes its kiosks (see facilityAdmin below), as in a real deployment.
  const adminToken = randomBytes(32).toString('hex');
  // The origin's own admin routes (insurers, 住基 stand-in residents), which the insurer console's tests set up.
  const originAdminToken = randomBytes(32).toString('hex');
  const dbFile = database ?? join(scratch, 'origin.sqlite');
  const originBin = process.env.ONSHI_ORIGIN_BIN ?? join(ROOT, 'target/debug/onshi-origin');
  const siteDir = process.env.ONSHI_SITE_DIR ?? join(ROOT, 'dist/www');

  const startOrigin = (listen) => startProcess('origin', originBin, [
    'serve', '--database', databaseUrl ?? `sqlite://${dbFile}?mode=rwc`, '--listen', listen,
    '--demo', '--seed-demo', join(ROOT, 'shared/vcard/data/demo-cards.json'),
  ], { ONSHI_ORIGIN_SIGNING_KEY: signingKey, ONSHI_ADMIN_TOKEN: originAdminToken, RUST_LOG: process.env.RUST_LOG ?? 'info' }, 'onshi-origin listening on', logs);
  let origin = await startOrigin('127.0.0.1:0');

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
      // The virtual card's test card-face issuer, so the 目視 assist's card-presence proof verifies in the demo.
      CARD_FACE_ISSUER_KEYS: readFileSync(join(ROOT, 'shared/vcard/data/test-pki/surface-issuer.spki.der')).toString('base64'),
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
   * A one-time kiosk enrolment code for a 医療機関コード; `label` names the kiosk for staff (e.g. '受付1'),
   * `location` says where it stands (e.g. '1階 受付前', shown with its 目視 requests), and
   * `staffed` (default true: the demo's kiosks stand at reception) lets it ask staff for 目視. `role: 'bridge'`
   * enrols the facility's bridge to its 資格確認端末 instead (never staffed).
   */
  const issueEnrolmentCode = (facilityCode = DEMO_FACILITY_CODE, { label, location, staffed, role = 'kiosk' } = {}) =>
    issueAdminCode('/api/v1/admin/enrolment-codes', facilityCode, {
      role,
      staffed: staffed ?? role === 'kiosk',
      ...(label === undefined ? {} : { label }),
      ...(location === undefined ? {} : { location }),
    });
  /** A one-time staff console login code for a 医療機関コード. */
  const issueStaffCode = (facilityCode = DEMO_FACILITY_CODE) => issueAdminCode('/api/v1/admin/staff-codes', facilityCode);
  /** A one-time code that enrols a browser as a staff console of a 医療機関コード (the first screen of `/staff`). */
  const issueStaffConsoleCode = (facilityCode = DEMO_FACILITY_CODE) =>
    issueEnrolmentCode(facilityCode, { role: 'staff_console' });
  /**
   * A staff console enrolled from Node as the browser enrols one (a non-extractable WebCrypto key), for tests and
   * benches that make staff calls outside a browser: `call(path, { body, token, method })` sends one request with
   * its proof, `login()` opens a staff session on it with a fresh staff code.
   */
  async function enrolStaffConsole(facilityCode = DEMO_FACILITY_CODE) {
    const device = await enrolWithCode(edge.url, await issueStaffConsoleCode(facilityCode), 'staff_console');
    const call = (path, options) => signedCall(edge.url, device, path, options);
    return {
      device,
      call,
      /** Logs staff in with a fresh staff code: `{ token, call(path, { body, method }) }`, the token on every call. */
      async login() {
        const response = await call('/api/v1/staff/login', { body: { code: await issueStaffCode(facilityCode) } });
        const body = await response.json();
        if (response.status !== 200) throw new Error(`staff login refused: ${response.status} ${JSON.stringify(body)}`);
        const token = body.staff_token;
        return { token, call: (path, options = {}) => call(path, { ...options, token }) };
      },
    };
  }
  /** A staff session of a 医療機関コード on a staff console enrolled for it from Node ([`enrolStaffConsole`]). */
  const openStaffSession = async (facilityCode = DEMO_FACILITY_CODE) => (await enrolStaffConsole(facilityCode)).login();
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

  /**
   * Calls one of the origin's `/admin/v1` routes as the national operator does (registering an insurer, which
   * answers its credential, or a resident of the 住基 stand-in); resolves with `{ status, body }`.
   */
  async function postOriginAdmin(path, value) {
    const response = await fetch(`${origin.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${originAdminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(value),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  }

  const bridges = [];
  /**
   * Starts the facility's bridge beside a simulated 資格確認端末, as a clinic sets it up: its admin issues a bridge
   * enrolment code, `onshi-bridge enrol` registers the bridge's key with the edge, and the bridge watches the
   * terminal's share while the simulator writes a face file for every reader check. Resolves with
   * `{ readerCheck(person), request(id, prefix, xml), kill(), start(), stop() }`: `readerCheck` makes the national
   * reader check someone (the simulator's trigger JSON, see bridge/README.md), `request` hands the bridge a request
   * through its folder link, `kill` ends the bridge with SIGKILL and `start` starts it again on the same state
   * folder. `stalled` starts the terminal with a 連携アプリ that never consumes `req`; `stallMs` is how long the
   * bridge lets a request wait there before it calls the 連携アプリ stalled; `timeoutMs` how long it waits for an
   * answer before the request is Uncertain.
   */
  async function startBridge(facilityCode = DEMO_FACILITY_CODE, { stalled = false, stallMs, timeoutMs } = {}) {
    const dir = mkdtempSync(join(scratch, 'bridge-'));
    const [share, state, triggers] = ['oqs', 'state', 'reader-checks'].map((name) => join(dir, name));
    for (const folder of [share, triggers]) mkdirSync(folder, { recursive: true });
    const bridgeBin = process.env.ONSHI_BRIDGE_BIN ?? join(ROOT, 'target/debug/onshi-bridge');
    const simBin = process.env.ONSHI_TERMINAL_SIM_BIN ?? join(ROOT, 'target/debug/onshi-terminal-sim');
    const code = await issueEnrolmentCode(facilityCode, { role: 'bridge' });
    await runToEnd('bridge', bridgeBin, ['enrol', '--edge', edge.url, '--code', code, '--state', state], logs);
    // The terminal knows the demo's national-reader patients, so a by-number check of one of them from the staff
    // console goes round the file interface and finds them.
    const population = join(dir, 'population.json');
    writeFileSync(population, JSON.stringify(NATIONAL_READER_PATIENTS));
    const terminalArgs = ['--root', share, '--facility', facilityCode, '--reader-checks', triggers, '--population', population];
    const terminal = await spawnLogged('terminal', simBin, [...terminalArgs, ...(stalled ? ['--stalled'] : [])], logs);
    // `--edge-link`: the bridge holds its WebSocket to the facility's store, through which staff's by-number checks
    // reach the terminal.
    const bridgeArgs = [
      '--root', share, '--state', state, '--edge-link',
      ...(stallMs === undefined ? [] : ['--stall-ms', String(stallMs)]),
      ...(timeoutMs === undefined ? [] : ['--timeout-ms', String(timeoutMs)]),
    ];
    let bridge = null;
    let checks = 0;
    // How many times a bridge had opened its link to the edge when this one last started.
    const linkLine = (line) => line.startsWith('[bridge] ') && line.includes('the edge link is open');
    let linksBefore = 0;
    const handle = {
      // The bridge's own folder (its journal, its stored answers) and the terminal's share, for tests to read.
      state,
      share,
      async start() {
        linksBefore = logs.lines.filter(linkLine).length;
        bridge = await spawnLogged('bridge', bridgeBin, bridgeArgs, logs);
      },
      /** Resolves once the bridge, since it last started, has opened its WebSocket link to the edge. */
      linkOpen() {
        let seen = 0;
        return logs.waitFor((line) => linkLine(line) && ++seen > linksBefore, 20_000);
      },
      readerCheck(person) {
        checks += 1;
        const aside = join(triggers, `.check-${checks}.tmp`);
        writeFileSync(aside, JSON.stringify(person));
        renameSync(aside, join(triggers, `check-${checks}.json`));
      },
      request(id, prefix, xml) {
        const inbox = join(state, 'link', 'in');
        mkdirSync(inbox, { recursive: true });
        const aside = join(inbox, `.${id}.tmp`);
        writeFileSync(aside, xml);
        renameSync(aside, join(inbox, `${id}.${prefix}.xml`));
      },
      async kill() {
        if (!bridge || bridge.exitCode !== null || bridge.signalCode !== null) return;
        const exited = new Promise((done) => bridge.once('exit', done));
        bridge.kill('SIGKILL');
        await exited;
      },
      async stop() {
        await stopProcess(bridge);
        await stopProcess(terminal);
      },
    };
    await handle.start();
    bridges.push(handle);
    return handle;
  }

  return {
    url: edge.url,
    originUrl: origin.url,
    postOrigin,
    postOriginAdmin,
    startBridge,
    logs: logs.lines,
    issueEnrolmentCode,
    issueStaffCode,
    issueStaffConsoleCode,
    enrolStaffConsole,
    openStaffSession,
    revokeDevice,
    waitForLog: (predicate, failAfterMs) => logs.waitFor(predicate, failAfterMs),
    stopOrigin: () => stopProcess(origin.child),
    /**
     * Starts the origin again after `stopOrigin`, on the same address and database, as a service that comes back
     * after an outage: the edge reaches it where it always did, and everything stored before is still there.
     */
    async restartOrigin() {
      await stopProcess(origin.child);
      origin = await startOrigin(new URL(origin.url).host);
    },
    async stop() {
      for (const bridge of bridges) await bridge.stop();
      await stopProcess(edge.child);
      await stopProcess(origin.child);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The insurer the demo registers for its insurer console: none of the demo population is insured there yet. */
const DEMO_CONSOLE_INSURER = '33120015';

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
  // Ctrl-C stops what was started from here on, even while the demo is still setting up: a SIGINT before these
  // handlers would end this program and leave its origin and edge running, and a step of the set-up that fails
  // because the stack is stopping (the bridge finding no edge) must not end it before the origin is stopped too.
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  try {
    await setUpDemo(stack, database, keep);
  } catch (error) {
    if (!stopping) {
      await stack.stop();
      throw error;
    }
  }
}

/** Prints what a newcomer needs, then starts the national reader's bridge beside the running `stack`. */
async function setUpDemo(stack, database, keep) {
  console.log(`\nonshi demo is running: ${stack.url}\n`);
  console.log(keep ? `Kept the demo data of the last run (${database}).`
    : 'Fresh demo data (`cargo xtask demo --keep` keeps the last run\'s registrations and check-ins).');
  // A fresh browser profile is not an enrolled kiosk yet; this one-time code enrols it (valid for a while only),
  // under the name staff see on its check-ins and 目視 requests.
  const enrolmentCode = await stack.issueEnrolmentCode(undefined, { label: '受付1', location: '1階 受付前' });
  console.log(`Enrol the kiosk 「受付1」 with this one-time code: ${enrolmentCode}`);
  console.log(`Registration point (健康保険証利用登録, and its 解除): ${stack.url}/?mode=register`);
  // The staff console, too, is a device of the facility: a fresh browser profile enrols it once with its own code.
  console.log(`Staff console: ${stack.url}/staff  — enrol the PC with: ${await stack.issueStaffConsoleCode()}`);
  console.log(`  then log in with this one-time staff login code: ${await stack.issueStaffCode()}\n`);
  // The insurer console: the insurer's PC enrols with its own code, and the clerk signs in with the credential the
  // national operator gave the insurer when it registered it, which is shown this once (each run registers it
  // anew, so each run prints a credential that works).
  const insurer = await stack.postOriginAdmin('/admin/v1/insurers', { insurer_number: DEMO_CONSOLE_INSURER, name: 'デモ健康保険組合' });
  const insurerCode = await stack.issueEnrolmentCode(undefined, { role: 'insurer_console', staffed: false });
  console.log(`Insurer console: ${stack.url}/insurer  — enrol the PC with: ${insurerCode}`);
  console.log(insurer.status === 200
    ? `  then sign in as 保険者 ${DEMO_CONSOLE_INSURER} (デモ健康保険組合) with the credential: ${insurer.body.token}\n`
    : `  (the insurer could not be registered: ${insurer.status}; see the origin's log)\n`);
  console.log('A consent given under the answer can be withdrawn there (「同意を撤回する」) or from the patient\'s row in');
  console.log('the staff console (「同意の撤回」); the registration point cancels a card\'s registration (「保険証利用登録を解除する」).');
  console.log('Open it in Chromium, press 「仮想カードリーダーで試す（デモ）」 and use one of these virtual cards:\n');
  for (const card of DEMO_CARDS) {
    console.log(`  ${String(card.index).padEnd(3)} ${card.label.padEnd(8, '　')}  PIN ${card.pin}   (${card.scenario})`);
  }
  // The facility's national reader (顔認証付きカードリーダー) and its 資格確認端末, simulated beside the stack: the
  // bridge hands every check the reader does on to the staff console, as it would in a clinic.
  const bridge = await stack.startBridge();
  let nextPatient = 0;
  const readerCheck = () => {
    const patient = NATIONAL_READER_PATIENTS[nextPatient % NATIONAL_READER_PATIENTS.length];
    nextPatient += 1;
    bridge.readerCheck(patient);
    console.log(`National reader: ${patient.name} checked in; the staff console lists it.`);
  };
  readerCheck();
  const [first] = NATIONAL_READER_PATIENTS;
  console.log('By-number checks in the staff console go round the file interface: the bridge writes an IF-001 request');
  console.log(`into the simulated 資格確認端末's req folder and answers from its res (端末経由). Try 保険者番号 ${first.insurer_number},`);
  console.log(`記号 ${first.symbol}, 番号 ${first.number}, 枝番 ${first.branch}, 生年月日 ${first.birth_date}.`);
  console.log('Press Enter here to check the next patient in on the national reader (顔認証付きカードリーダー).');
  createInterface({ input: process.stdin }).on('line', readerCheck);
  console.log('\nCtrl-C stops origin, edge, bridge and the simulated terminal.');
}
