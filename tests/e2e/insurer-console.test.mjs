// End to end: an insurer's clerk uses the insurer console (/insurer) in headless Chromium against the real edge and
// origin, as a new user would. The console PC is enrolled with a one-time code its administrator issued, the clerk
// signs in with the insurer's credential and their name, uploads the seed's scenarios as a CSV file, finds each
// notice the checks raised in the inbox, opens the twin (ジロウ registered under タロウ's 個人番号), tries to lift
// the hold without a reason and is told why, lifts it with one, and the held patient's by-number check at the
// facility's staff console turns from 保留 to 有効. Another insurer's console sees none of it, and signs its clerk
// out after 15 idle minutes. A 100,000-row CSV goes up with the progress bar moving, comes back refused with its
// rows in error, which the clerk downloads to fix; a second one is cancelled before it finishes, and the fixed rows
// go up as JSON Lines; a valid one shows the origin's rows read or applied before its report. Every screen is checked with axe-core in Japanese and English and saved as a screenshot under
// tests/artifacts/screens/insurer-*.png. The walk from the seed to 有効 runs again with the origin on PostgreSQL.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEMO_FACILITY_CODE } from '../../xtask/stack.mjs';
import {
  auditScreen, openStaff, postgresDatabase, screen, screenshot, useStack, withCheckDigit,
} from './support.mjs';

/** 保険者 A (the clerk's) and B (registered the same people earlier), as the origin's insurer tests name them. */
const A = '33120015';
const B = '01130012';
const ADDRESS = '大阪府大阪市北区梅田9-9-9';
const HANAKO_ADDRESS = '東京都千代田区霞が関一丁目2番3号';
/** The seed's people, with their 個人番号 (1111…4444 in the seed, made valid) as the 住基 stand-in knows them. */
const RESIDENTS = [
  ['111111111118', '資格　花子', 'ｼｶｸ ﾊﾅｺ', '1989-09-13', HANAKO_ADDRESS],
  ['222222222225', '保険　一郎', 'ﾎｹﾝ ｲﾁﾛｳ', '1987-09-13', ADDRESS],
  ['333333333332', '資格　芽衣', 'ｼｶｸ ﾒｲ', '2021-03-01', '福岡県福岡市中央区天神2-3-4'],
  ['444444444440', '資格　太郎', 'ｼｶｸ ﾀﾛｳ', '2004-08-04', ADDRESS],
  ['555555555557', '資格　次郎', 'ｼｶｸ ｼﾞﾛｳ', '2004-08-04', ADDRESS],
];
const FIELDS = ['op', 'individual_number', 'name', 'name_kana', 'birth_date', 'sex', 'address', 'symbol', 'number',
  'branch', 'personal_family', 'qualification_date', 'partial_contribution_percent'];

function acquire(number, individualNumber, name, kana, birthDate, address) {
  return {
    op: 'acquire', individual_number: individualNumber, name, name_kana: kana, birth_date: birthDate, sex: 'female',
    address, symbol: '10', number, branch: '00', personal_family: 'insured', qualification_date: '2026-04-01',
    partial_contribution_percent: 30,
  };
}

/** A CSV cell, quoted when it must be (RFC 4180). */
const cell = (value) => (/[",\n]/.test(String(value)) ? `"${String(value).replaceAll('"', '""')}"` : String(value));
const csv = (rows) => `${FIELDS.join(',')}\n${rows.map((row) => FIELDS.map((f) => cell(row[f])).join(',')).join('\n')}\n`;

/** A's batch from the seed: ハナコ again (a match), 2222 with another birth date, a newborn, ジロウ under 4444. */
const SEED_BATCH = [
  acquire('5001', '111111111118', '●格　花子', 'シカク　ハナコ', '1989-09-13', '東京都千代田区霞が関１－２－３'),
  acquire('5002', '222222222225', '資格　三郎', 'ｼｶｸ ｻﾌﾞﾛｳ', '1991-07-04', '大阪府堺市1-1'),
  acquire('5003', '333333333332', '資格　芽衣', 'ｼｶｸ ﾒｲ', '2021-03-01', '福岡県福岡市中央区天神二丁目3番4号'),
  acquire('5004', '444444444440', '資格　次郎', 'ｼｶｸ ｼﾞﾛｳ', '2004-08-04', ADDRESS),
];

const scratch = mkdtempSync(join(tmpdir(), 'onshi-insurer-e2e-'));
// The batch files the clerk uploads (a 100,000-row one among them) go when the file's tests are done.
after(() => rmSync(scratch, { recursive: true, force: true }));
const credentials = {};
const auditInsurerScreen = (page, name) => auditScreen(page, `insurer-${name}`, { rawKey: /\binsurer\.[a-z][a-z0-9_.]*/ });
const audit = auditInsurerScreen;

async function originAdmin(stack, path, body) {
  const answer = await stack.postOriginAdmin(path, body);
  assert.ok(answer.status === 200 || answer.status === 204, `${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Opens the console on a fresh browser profile and enrols it with a new insurer-console code. */
async function openConsole(env, { axe = false, fakeClock = false } = {}) {
  const context = await env.browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (request) => requests.push({ url: request.url(), method: request.method() }));
  if (axe) await page.addInitScript({ content: readFileSync(join(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8') });
  if (fakeClock) await page.clock.install();
  await page.goto(`${env.stack.url}/insurer`);
  await screen(page, 'insurer-enrol');
  return { page, context, requests };
}

async function enrol(env, page) {
  const code = await env.stack.issueEnrolmentCode(DEMO_FACILITY_CODE, { role: 'insurer_console', staffed: false });
  await page.fill('#enrol-code', code);
  await page.click('#enrol-submit');
  await screen(page, 'insurer-sign-in');
}

async function signIn(page, credential, clerk) {
  await page.fill('#insurer-credential', credential);
  await page.fill('#clerk-name', clerk);
  await page.click('#sign-in-submit');
  await screen(page, 'insurer-inbox');
}

/** Uploads `text` as the file `name` on the upload screen and waits for the report. */
async function upload(page, name, text) {
  const file = join(scratch, name);
  writeFileSync(file, text);
  await page.click('#nav-upload');
  await screen(page, 'insurer-upload');
  await page.check('#format-csv');
  await page.setInputFiles('#batch-file', file);
  await page.click('#upload-submit');
}

/** The staff console's by-number check of A's member 10-`number`-00 born `birth`: the answer's validity or error. */
async function byNumber(staff, number, birth) {
  await staff.fill('#insurer-number', A);
  await staff.fill('#symbol', '10');
  await staff.fill('#number', number);
  await staff.fill('#branch', '00');
  await staff.fill('#birth-date', birth);
  await staff.click('#by-number-submit');
  await staff.waitForSelector('#by-number-result, #by-number-error');
  const error = await staff.$('#by-number-error');
  return error ? `error: ${await error.textContent()}` : staff.textContent('#by-number-validity');
}

/** The insurers A and B, the 住基 stand-in's residents, and what B registered earlier, on a fresh stack. */
async function setUpInsurers(stack) {
  for (const number of [A, B]) {
    credentials[number] = (await originAdmin(stack, '/admin/v1/insurers', { insurer_number: number, name: 'テスト保険者' })).token;
  }
  for (const [number, name, kana, birth, address] of RESIDENTS) {
    await originAdmin(stack, '/admin/v1/residents', {
      individual_number: number, name, name_kana: kana, birth_date: birth, sex: 'female', address,
    });
  }
  // B registered ハナコ, 2222 and タロウ earlier, through its own system straight to the origin.
  const earlier = [
    acquire('9001', '111111111118', '資格　花子', 'ｼｶｸ ﾊﾅｺ', '1989-09-13', HANAKO_ADDRESS),
    acquire('9002', '222222222225', '保険　一郎', 'ﾎｹﾝ ｲﾁﾛｳ', '1987-09-13', ADDRESS),
    acquire('9003', '444444444440', '資格　太郎', 'ｼｶｸ ﾀﾛｳ', '2004-08-04', ADDRESS),
  ];
  const response = await fetch(`${stack.originUrl}/insurer/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${credentials[B]}`, 'content-type': 'application/x-ndjson' },
    body: earlier.map((row) => `${JSON.stringify(row)}\n`).join(''),
  });
  assert.equal(response.status, 200, await response.text());
}

/**
 * The seed's insurer side as a clerk walks it: enrol, sign in, upload the seed's scenarios, read every notice,
 * lift the twin hold with a reason, and see the held patient's check-in turn 有効; another insurer sees none of it.
 * Screens are audited (axe-core, screenshots) when `audited`.
 */
async function seedToValid(env, { audited }) {
  const audit = audited ? auditInsurerScreen : async () => [];
  const { page, context, requests } = await openConsole(env, { axe: true });
  assert.deepEqual(await audit(page, '01-enrol'), []);
  await page.fill('#enrol-code', 'WRONG-CODE');
  await page.click('#enrol-submit');
  await page.waitForSelector('#enrol-error');
  assert.match(await page.textContent('#enrol-error'), /登録できませんでした/);
  await enrol(env, page);
  assert.deepEqual(await audit(page, '02-sign-in'), []);

  // A wrong credential is said as such, and the clerk's name must be there.
  await page.fill('#insurer-credential', 'not-the-credential');
  await page.fill('#clerk-name', '審査係 鈴木');
  await page.click('#sign-in-submit');
  await page.waitForSelector('#sign-in-notice');
  assert.match(await page.textContent('#sign-in-notice'), /認証情報が正しくありません/);
  await page.fill('#insurer-credential', credentials[A]);
  await page.fill('#clerk-name', '   ');
  await page.click('#sign-in-submit');
  await page.waitForSelector('#clerk-error');
  await signIn(page, credentials[A], '審査係 鈴木');
  assert.match(await page.textContent('#signed-in-as'), /審査係 鈴木.*33120015/);
  assert.match(await page.textContent('#idle-rule'), /15分/);
  assert.ok(requests.every((r) => !r.url.includes(credentials[A])), 'the credential is never in a URL');
  await page.waitForSelector('#inbox-empty');
  assert.equal(await page.getAttribute('#holds-open', 'data-open'), '0');

  await upload(page, 'seed.csv', csv(SEED_BATCH));
  await page.waitForSelector('#batch-report[data-outcome="applied"]', { timeout: 60_000 });
  assert.equal(await page.textContent('#report-rows-total'), '4');
  assert.equal(await page.textContent('#report-records-held'), '2');
  assert.deepEqual(await audit(page, '03-upload-applied'), []);

  // Before: the twin's record is held, so the facility cannot confirm ジロウ.
  const staff = await openStaff(env.browser, env.stack);
  assert.match(await byNumber(staff.page, '5004', '2004-08-04'), /^error: .*保険者が確認中/);

  // Every notice of the seed's checks is in the inbox, newest first; two holds are open.
  await page.click('#nav-inbox');
  await screen(page, 'insurer-inbox');
  await page.waitForSelector('#inbox tbody tr');
  const kinds = await page.$$eval('#inbox tbody tr', (rows) => rows.map((row) => row.dataset.kind));
  for (const kind of ['suspected_misregistration', 'suspected_twin', 'resident_registry_match', 'five_item_mismatch', 'record_held']) {
    assert.ok(kinds.includes(kind), `${kind} in ${kinds}`);
  }
  assert.equal(await page.getAttribute('#holds-open', 'data-open'), '2');
  await page.waitForSelector('#holds-oldest');
  assert.deepEqual(await audit(page, '04-inbox'), []);
  const aNotices = await page.$$eval('#inbox tbody tr', (rows) => rows.map((row) => row.dataset.id));

  // Filtered to open twins, one notice; opened, the two records side by side, B's only by what differs.
  await page.selectOption('#filter-kind', 'suspected_twin');
  await page.selectOption('#filter-state', 'open');
  await page.waitForFunction(() => [...document.querySelectorAll('#inbox tbody tr')].every((row) => row.dataset.kind === 'suspected_twin'));
  assert.equal(await page.locator('#inbox tbody tr').count(), 1);
  await page.click('#inbox tbody tr button.open-notice');
  await screen(page, 'insurer-notice');
  await page.waitForSelector('#comparison');
  assert.equal(await page.getAttribute('#comparison', 'data-source'), 'other_record');
  assert.equal(await page.getAttribute('#comparison tr[data-item="name_kana"]', 'data-comparison'), 'differs');
  assert.match(await page.textContent('#comparison tr[data-item="name_kana"]'), /ｼｶｸ ｼﾞﾛｳ.*相違/);
  const shown = await page.textContent('main');
  for (const leaked of ['ﾀﾛｳ', '太郎', B]) assert.ok(!shown.includes(leaked), `${leaked} is not shown`);
  assert.equal(await page.getAttribute('#hold-state', 'data-held'), 'true');
  assert.deepEqual(await audit(page, '05-notice'), []);

  // 理由付き疑いなし needs a reason: without one the clerk is told, and nothing is sent.
  const resolutions = () => requests.filter((r) => r.url.includes('/resolution')).length;
  await page.click('#resolution-submit');
  await page.waitForSelector('#resolution-error');
  assert.match(await page.textContent('#resolution-error'), /理由を1〜200文字/);
  assert.equal(resolutions(), 0);
  assert.deepEqual(await audit(page, '06-resolution-refused'), []);
  await page.fill('#resolution-reason', '双子の弟。本人に電話で確認済み');
  await page.click('#resolution-submit');
  await page.waitForSelector('#resolution-outcome[data-outcome="released"]');
  await page.waitForSelector('#hold-state[data-held="false"]');
  assert.match(await page.textContent('#decisions'), /審査係 鈴木.*双子の弟/);
  assert.equal(resolutions(), 1);
  assert.deepEqual(await audit(page, '07-resolved'), []);

  // After: the facility's next check of ジロウ answers 有効 at once.
  assert.equal(await byNumber(staff.page, '5004', '2004-08-04'), '有効');
  await screenshot(staff.page, 'screens/insurer-08-staff-by-number-valid');
  await page.click('#notice-back');
  await screen(page, 'insurer-inbox');
  await page.waitForSelector('#holds-open[data-open="1"]');

  // Another insurer's clerk, on another enrolled console, sees none of A's notices.
  const other = await openConsole(env, { fakeClock: true });
  await enrol(env, other.page);
  await signIn(other.page, credentials[B], 'B 係');
  await other.page.waitForSelector('#inbox tbody tr, #inbox-empty');
  const bNotices = await other.page.$$eval('#inbox tbody tr', (rows) => rows.map((row) => row.dataset.id));
  assert.deepEqual(bNotices.filter((id) => aNotices.includes(id)), []);
  assert.ok(!(await other.page.textContent('main')).includes('ｼﾞﾛｳ'));

  // B's clerk leaves the console alone for 15 minutes: it returns to sign-in and says why.
  await other.page.clock.fastForward('14:00');
  await other.page.waitForSelector('#idle-rule:has-text("残り約1分")');
  await other.page.clock.fastForward('01:00');
  await screen(other.page, 'insurer-sign-in');
  assert.match(await other.page.textContent('#sign-in-notice'), /15分間操作がなかったため/);

  // Signing out returns to sign-in with a sentence, and the session is gone.
  await page.click('#sign-out');
  await screen(page, 'insurer-sign-in');
  assert.match(await page.textContent('#sign-in-notice'), /サインアウトしました/);
  await Promise.all([context.close(), other.context.close(), staff.context.close()]);
}

describe('the insurer console', () => {
  // The 100,000-row batch goes through the edge to the origin, which reads and checks it as one; the debug build
  // takes longer for that than a kiosk's call may.
  const env = useStack({ edgeEnv: { ORIGIN_TIMEOUT_MS: '30000' } }, setUpInsurers);

  test('a clerk enrols the PC, uploads the seed, finds every notice, lifts the twin hold with a reason; the patient turns 有効', () => seedToValid(env, { audited: true }));

  test('a 100,000-row CSV goes up with a moving progress bar; its rows in error come back to download and go up again as JSON Lines; an upload can be cancelled', async () => {
    const { page, context } = await openConsole(env, { axe: true });
    await enrol(env, page);
    await signIn(page, credentials[A], '審査係 佐藤');

    // 100,000 members of A with valid 個人番号, two of them wrong: a birth date that is no date, a bad check digit.
    const rows = Array.from({ length: 100_000 }, (_, index) => acquire(
      String(600_000 + index), withCheckDigit(`7${String(index).padStart(10, '0')}`), '資格　花子', 'ｼｶｸ ﾊﾅｺ',
      '1990-01-01', HANAKO_ADDRESS,
    ));
    const badDate = 50_000;
    const badNumber = 99_999;
    rows[badDate].birth_date = '1990-13-45';
    rows[badNumber].individual_number = `${rows[badNumber].individual_number.slice(0, 11)}${(Number(rows[badNumber].individual_number[11]) + 1) % 10}`;
    const text = csv(rows);

    // The page's own progress bar is watched as it changes: every value it shows before the report.
    await page.click('#nav-upload');
    await screen(page, 'insurer-upload');
    await page.evaluate(() => {
      window.progressSeen = [];
      new MutationObserver(() => {
        const bar = document.querySelector('#upload-progress');
        if (bar && !document.querySelector('#batch-report')) window.progressSeen.push(bar.value / bar.max);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
    });
    // A clinic's or an insurer's line is not a loopback: the upload goes at 40 Mbit/s.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 5, downloadThroughput: 5_000_000, uploadThroughput: 5_000_000,
    });
    await upload(page, 'members-100k.csv', text);
    await page.waitForSelector('#upload-cancel');
    await screenshot(page, 'screens/insurer-09-upload-progress');
    await page.waitForSelector('#batch-report[data-outcome="refused"]', { timeout: 120_000 });
    const seen = await page.evaluate(() => window.progressSeen);
    const between = [...new Set(seen.filter((value) => value > 0 && value < 1))];
    assert.ok(between.length >= 2, `the bar moved through ${between.length} values: ${seen}`);
    assert.ok(between.every((value, index) => index === 0 || value > between[index - 1]), 'the bar only rises');

    // The report: both errors, each with its line, field and a sentence.
    assert.equal(await page.getAttribute('#report-total', 'data-total'), '2');
    const lines = await page.$$eval('#row-errors tbody tr', (trs) => trs.map((tr) => [tr.dataset.line, tr.dataset.code, tr.textContent]));
    assert.deepEqual(lines.map(([line]) => Number(line)), [badDate + 2, badNumber + 2]);
    assert.match(lines[0][2], /birth_date.*値の形が正しくありません/);
    assert.match(lines[1][2], /individual_number.*検査用数字/);
    assert.deepEqual(await audit(page, '10-upload-refused'), []);

    // The rows in error come back as a CSV of their own, header first, to fix and send again.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-errors')]);
    assert.equal(download.suggestedFilename(), 'members-100k-errors.csv');
    const returned = readFileSync(await download.path(), 'utf8').trimEnd().split('\n');
    assert.deepEqual(returned, text.split('\n').filter((_, index) => [0, badDate + 1, badNumber + 1].includes(index)));

    // Sent again slower, and called off before it is all sent: nothing is applied.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 5, downloadThroughput: 500_000, uploadThroughput: 500_000,
    });
    await page.setInputFiles('#batch-file', join(scratch, 'members-100k.csv'));
    await page.click('#upload-submit');
    await page.waitForSelector('#upload-cancel');
    await page.click('#upload-cancel');
    await page.waitForSelector('#upload-status:has-text("中止しました")');
    assert.equal(await page.$('#batch-report'), null);
    assert.deepEqual(await audit(page, '11-upload-cancelled'), []);

    // The fixed rows go up again, as JSON Lines this time, at full speed: applied.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const fixed = [rows[badDate], rows[badNumber]].map((row, index) => ({
      ...row, birth_date: '1990-01-01', individual_number: withCheckDigit(`8${String(index).padStart(10, '0')}`),
    }));
    writeFileSync(join(scratch, 'fixed.jsonl'), fixed.map((row) => `${JSON.stringify(row)}\n`).join(''));
    await page.check('#format-ndjson');
    await page.setInputFiles('#batch-file', join(scratch, 'fixed.jsonl'));
    await page.click('#upload-submit');
    await page.waitForSelector('#batch-report[data-outcome="applied"]', { timeout: 60_000 });
    assert.equal(await page.textContent('#report-rows-total'), '2');

    // 100,000 new members, all valid: once the bytes are sent, the second bar shows the origin's own figures
    // (rows read, then rows applied of all) before the report. Every state of the bar is recorded as it changes.
    await page.evaluate(() => {
      window.batchSeen = [];
      new MutationObserver(() => {
        const block = document.querySelector('#batch-progress-block');
        const bar = document.querySelector('#batch-progress');
        if (block && !document.querySelector('#batch-report')) {
          window.batchSeen.push({
            stage: block.dataset.stage,
            value: bar?.getAttribute('value') ?? null,
            max: bar?.getAttribute('max') ?? null,
            figures: document.querySelector('#batch-figures')?.textContent ?? '',
          });
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    const members = Array.from({ length: 100_000 }, (_, index) => acquire(
      String(800_000 + index), withCheckDigit(`9${String(index).padStart(10, '0')}`), '資格　花子', 'ｼｶｸ ﾊﾅｺ',
      '1990-01-01', HANAKO_ADDRESS,
    ));
    await upload(page, 'members-100k-valid.csv', csv(members));
    await page.waitForSelector(['reading', 'applying', 'finishing'].map((stage) => `#batch-progress-block[data-stage="${stage}"]`).join(', '), { timeout: 120_000 });
    await page.waitForSelector('#batch-report[data-outcome="applied"]', { timeout: 120_000 });
    assert.equal(await page.textContent('#report-rows-total'), '100000');
    const figures = (await page.evaluate(() => window.batchSeen)).filter(({ stage }) => ['reading', 'applying', 'finishing'].includes(stage));
    assert.ok(figures.length > 0, "the origin's figures showed before the report");
    let appliedBefore = 0;
    for (const { stage, value, max, figures: text } of figures) {
      if (stage === 'applying') {
        assert.ok(Number(value) <= Number(max) && Number(max) === 100_000, `${value} of ${max}`);
        assert.ok(Number(value) >= appliedBefore, `the rows applied went back from ${appliedBefore} to ${value}`);
        appliedBefore = Number(value);
        assert.match(text, /100000行中\d+行を登録中/);
      } else if (stage === 'finishing') {
        assert.equal(value, null, 'the commit has no end to show');
        assert.equal(text, '100000行の登録を確定中');
      } else {
        assert.equal(value, null, 'reading has no end to show');
        assert.match(text, /\d+行を読み込み（うち誤り0行）/);
      }
    }
    await context.close();
  });
});

// The same walk with the origin on PostgreSQL, as a registry at scale runs it (its screens were audited above).
const postgres = postgresDatabase();
describe('the insurer console on PostgreSQL', { skip: postgres ? false : 'ONSHI_TEST_POSTGRES_URL is not set' }, () => {
  const env = useStack({ databaseUrl: postgres?.url }, setUpInsurers);
  after(() => postgres?.drop());

  test(`${'a clerk enrols the PC, uploads the seed, finds every notice, lifts the twin hold with a reason; the patient turns 有効'} (PostgreSQL)`, () => seedToValid(env, { audited: false }));
});
