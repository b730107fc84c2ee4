// End to end: staff's by-number check goes round the national file interface. The facility's bridge holds its
// WebSocket link to the facility's store in the real edge (workerd); staff type a 資格確認書's numbers in the staff
// console in Chromium; the edge hands the check to the bridge, which writes an IF-001 request into the simulated
// 資格確認端末's req folder in Shift_JIS and answers from its res; the console says the terminal answered (端末経由).
// The person asked for is known to the terminal only (onshi's origin has no such record), so the answer can only
// have come from res. Then the bridge is killed with SIGKILL while the terminal holds a request and started again:
// the request was written into req once, and staff are told the terminal did not answer in time, never a guess.
// A request the terminal never answers becomes uncertain: staff see it listed under the bridge's alert (kind, request
// file name, time, reason), press 「端末で確認済み」, answer the question, and the request and the alert go away.
// The terminal's answer carries the holder's 特定疾病療養受療証 with its limit, and no category without her consent.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { STAFF_RAW_KEY, auditScreen, openStaff, screenshot, useStack } from './support.mjs';

/** A 資格確認書 holder the simulated terminal knows (the stack's demo population): never registered at onshi. */
const HOLDER = { insurer: '06130017', symbol: '1234', number: '0056', branch: '00', birth: '1979-04-21', name: '受付　陽子' };

/** Types the holder's numbers into the by-number form and sends it. */
async function askByNumber(page, holder = HOLDER) {
  await page.fill('#insurer-number', holder.insurer);
  await page.fill('#symbol', holder.symbol);
  await page.fill('#number', holder.number);
  await page.fill('#branch', holder.branch);
  await page.fill('#birth-date', holder.birth);
  await page.click('#by-number-submit');
}

/** The bridge's journal records, one JSON object a line. */
function journal(bridge) {
  const path = join(bridge.state, 'journal.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** Resolves once `done()` holds, looking at the bridge's files every 50 ms; fails after 20 s. */
function until(what, done, failAfterMs = 20_000) {
  const deadline = Date.now() + failAfterMs;
  return new Promise((resolve, reject) => {
    const look = () => {
      if (done()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(look, 50);
    };
    look();
  });
}

/** True when `bytes` declare Shift_JIS and hold bytes that are not UTF-8 (the kana and kanji of the answer). */
function isShiftJisXml(bytes) {
  const head = bytes.subarray(0, 60).toString('latin1');
  let utf8 = true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    utf8 = false;
  }
  return /encoding="Shift_JIS"/i.test(head) && !utf8;
}

describe('by-number through the terminal', () => {
  const env = useStack();

  test('a by-number check is asked of the terminal in Shift_JIS and answered from res, and staff see which path answered', async () => {
    const bridge = await env.stack.startBridge();
    const { page, context, requests } = await openStaff(env.browser, env.stack, { axe: true });
    await bridge.linkOpen();
    await askByNumber(page);
    await page.waitForSelector('#by-number-result');
    assert.equal(await page.getAttribute('#by-number-result', 'data-path'), 'terminal');
    assert.equal(await page.textContent('#by-number-validity'), '有効');
    assert.match(await page.textContent('#by-number-path'), /端末経由/);
    assert.match(await page.textContent('#by-number-result .name'), new RegExp(HOLDER.name));
    assert.match(await page.textContent('#by-number-result .ratio'), /3割/);
    assert.match(await page.textContent('#by-number-result .insurer'), /全国健康保険協会東京支部/);
    // Her 特定疾病療養受療証 reached staff through the terminal with its limit, and, as she did not consent to it,
    // without its category: the words staff read under onshi's own answer.
    const disease = page.locator('#by-number-result .specific-disease');
    assert.equal(await disease.count(), 1);
    assert.equal(await disease.getAttribute('data-consent'), 'none');
    assert.equal(await disease.locator('.category').textContent(), '同意なし');
    assert.match(await disease.textContent(), /自己負担限度額 月10,000円/);
    const asked = (path) => requests.filter((r) => r.url.endsWith(path)).length;
    assert.equal(asked('/api/v1/staff/qualification/by-number/terminal'), 1);
    assert.equal(asked('/api/v1/staff/qualification/by-number'), 0, 'onshi was not asked');

    // The bridge journalled the edge's request, wrote it into req and stored the terminal's res answer, which the
    // simulated terminal writes in the request's own encoding: Shift_JIS, as the bridge wrote the request.
    const records = journal(bridge);
    const pending = records.filter((r) => r.t === 'Pending' && r.id.startsWith('edge-'));
    assert.equal(pending.length, 1, JSON.stringify(records));
    assert.match(pending[0].file, /^OQSsiquc01req_\d{12}\.xml$/);
    const answered = records.find((r) => r.t === 'Answered' && r.id === pending[0].id);
    assert.match(answered.file, /^OQSsiquc01res_\d{12}\.xml$/);
    const stored = readFileSync(join(bridge.state, 'answers', `${pending[0].id}.xml`));
    assert.ok(isShiftJisXml(stored), 'the terminal answered a Shift_JIS request in Shift_JIS');
    assert.match(new TextDecoder('shift_jis').decode(stored), new RegExp(HOLDER.name));
    await screenshot(page, 'staff-by-number-via-terminal');
    const problems = await auditScreen(page, 'staff-by-number-via-terminal', { rawKey: STAFF_RAW_KEY });
    assert.deepEqual(problems, []);
    await bridge.stop();
    await context.close();
  });

  test('a bridge killed while the terminal holds the request never sends it twice, and staff are told it did not answer', async () => {
    // A 連携アプリ that takes nothing: the request waits in req while the bridge is killed and started again.
    const bridge = await env.stack.startBridge(undefined, { stalled: true });
    const { page, context } = await openStaff(env.browser, env.stack);
    const edgeRequests = () => journal(bridge).filter((r) => r.t === 'Pending' && r.id.startsWith('edge-'));
    await bridge.linkOpen();
    await askByNumber(page, { ...HOLDER, number: '0071', birth: '1953-08-02' });
    await until('the request to be journalled', () => edgeRequests().length === 1);
    const [request] = edgeRequests();
    const inReq = () => readdirSync(join(bridge.share, 'req')).filter((name) => !name.startsWith('.'));
    await until('the request to be in req', () => journal(bridge).some((r) => r.t === 'Submitted' && r.id === request.id));
    assert.deepEqual(inReq(), [request.file]);

    await bridge.kill();
    await bridge.start();
    // Staff are told the terminal did not answer in time; the request stays where it was, written once.
    await page.waitForSelector('#by-number-error', { timeout: 40_000 });
    assert.match(await page.textContent('#by-number-error'), /資格確認端末から時間内に回答がありませんでした/);
    assert.equal(await page.$('#by-number-result'), null, 'no answer is made up');
    assert.deepEqual(inReq(), [request.file], 'nothing was written into req again');
    assert.equal(edgeRequests().length, 1, 'journalled once');
    await screenshot(page, 'staff-by-number-terminal-timeout');
    await bridge.stop();
    await context.close();
  });

  test('staff see an uncertain request listed, close it after checking the terminal, and the alert goes away', async () => {
    // A 連携アプリ that takes nothing, and a bridge that gives up on an answer after 3 s: the request is uncertain.
    const bridge = await env.stack.startBridge(undefined, { stalled: true, timeoutMs: 3000 });
    const { page, context, requests } = await openStaff(env.browser, env.stack);
    await bridge.linkOpen();
    await askByNumber(page, { ...HOLDER, number: '0072', birth: '1961-07-23' });
    await until('the request to be uncertain', () => journal(bridge).some((r) => r.t === 'Uncertain' && r.id.startsWith('edge-')));
    const request = journal(bridge).find((r) => r.t === 'Pending' && r.id.startsWith('edge-'));

    // The console reads the bridge's status every few refreshes: the alert and the listed request appear.
    const row = page.locator(`#uncertain-requests tr[data-request="${request.id.slice('edge-'.length)}"]`);
    await row.waitFor({ timeout: 40_000 });
    assert.equal(await page.locator('#bridge-status li[data-alert="uncertain_requests"]').count(), 1);
    assert.equal(await row.locator('.kind').textContent(), '資格確認');
    assert.equal(await row.locator('.file').textContent(), request.file);
    assert.match(await row.locator('.written').textContent(), /\d{2}:\d{2}$/);
    const panel = await page.textContent('#bridge-status');
    for (const personal of [HOLDER.insurer, '0072', '1961', HOLDER.name]) {
      assert.ok(!panel.includes(personal), `${personal} is not shown: ${panel}`);
    }
    await screenshot(page, 'staff-bridge-uncertain-listed');

    // Pressing the button asks first; only a yes closes it.
    await row.locator('button.settle').click();
    assert.match(await row.locator('.settle-question').textContent(), /照会履歴/);
    await row.locator('button.settle-no').click();
    assert.equal(requests.filter((r) => r.url.endsWith('/api/v1/staff/bridge/settle')).length, 0, 'no closes nothing');
    await row.locator('button.settle').click();
    await row.locator('button.settle-yes').click();
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    await page.locator('#bridge-status li[data-alert="uncertain_requests"]').waitFor({ state: 'detached', timeout: 20_000 });
    assert.ok(journal(bridge).some((r) => r.t === 'SettledByStaff' && r.id === request.id), 'the bridge journalled it');
    const inReq = readdirSync(join(bridge.share, 'req')).filter((name) => !name.startsWith('.'));
    assert.deepEqual(inReq, [request.file], 'nothing was written into req again');
    await screenshot(page, 'staff-bridge-uncertain-closed');
    await bridge.stop();
    await context.close();
  });
});
