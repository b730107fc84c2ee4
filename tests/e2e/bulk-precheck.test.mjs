// End to end: the day-before bulk pre-check (一括照会, 前日確認) goes round the national file interface. Staff choose
// tomorrow's appointment list (1,000 rows) in the staff console in Chromium; every row is checked before anything
// is sent; the real edge (workerd) hands the rows to the facility's bridge over its WebSocket link; the bridge writes
// an IF-005 upload into the simulated 資格確認端末's req, follows it with the phase-2 download, and reads the result
// the terminal answers as a ZIP; staff follow the progress and read one result per patient. The two people the
// terminal knows are known to it only (onshi's origin has no such record), so their results can only have come from
// the terminal. A list with a row in error (or naming a patient twice) sends nothing, a list in Shift_JIS reads as
// well, and without a bridge staff are told so.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { STAFF_RAW_KEY, auditScreen, openStaff, screenshot, useStack } from './support.mjs';

const HEADER = '患者ID,保険者番号,記号,番号,枝番,生年月日';

/**
 * The terminal's three people (the stack's national-reader patients) first, then people it does not know. The third
 * lost the qualification (a 資格喪失日 in the terminal's data), so the terminal answers 無効 for them.
 */
function appointmentList(rows) {
  const known = [
    'K-1,06130017,1234,0056,00,1979-04-21', // 有効, 3割, 限度額 A03
    'K-2,06130017,1234,0071,00,S28.8.2', // 有効 under a 高齢受給者証: 2割 (和暦, as the certificate prints it)
    'K-3,06130017,1234,0093,00,1991-12-09', // 無効: lost on 2026-10-31
  ];
  const unknown = Array.from({ length: rows - known.length }, (_, i) => `P-${i + known.length + 1},06130017,,${9000 + i},,1980-01-15`);
  return `${HEADER}\r\n${[...known, ...unknown].join('\r\n')}\r\n`;
}

/** The bridge's journal records, one JSON object a line. */
function journal(bridge) {
  const path = join(bridge.state, 'journal.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/**
 * A list as a レセコン exports it in Shift_JIS: the header and a row with a full-width 記号 and a 和暦 birth date,
 * `患者ID,保険者番号,記号,番号,枝番,生年月日` and `K-1,06130017,１２３４,0056,00,昭和54年4月21日` (Shift_JIS bytes, since
 * neither Node nor the browser encodes it), then rows in ASCII.
 */
const SHIFT_JIS_LIST = Buffer.concat([
  Buffer.from('8ab38ed249442c95db8caf8ed294d48d862c8b4c8d862c94d48d862c8e7d94d42c90b6944e8c8e93fa0d0a', 'hex'),
  Buffer.from('4b2d312c30363133303031372c82508251825282532c303035362c30302c8fba98613534944e348c8e323193fa0d0a', 'hex'),
  Buffer.from('P-2,06130017,,9001,,1980-01-15\r\nP-3,06130017,,9002,,1980-01-15\r\n', 'latin1'),
]);

/** Chooses `contents` (text, written as UTF-8, or bytes) as the list file, as staff pick it in the file dialog. */
async function chooseList(page, contents, name = 'appointments.csv') {
  const buffer = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
  await page.setInputFiles('#bulk-file', { name, mimeType: 'text/csv', buffer });
}

describe('bulk pre-check through the terminal', () => {
  const env = useStack();

  test('a list with a row in error sends nothing, a Shift_JIS list reads, and without a bridge staff are told so', async () => {
    const { page, context, requests } = await openStaff(env.browser, env.stack);
    // Line 5 names line 4's patient again with another birth date: a list that could only be trying birth dates.
    const list = `${HEADER}\nA,06130018,,1,,1980-01-15\nB,06130017,,2,1,1980-01-15\nC,06130017,,3,,1980-01-15\nD,06130017,,3,,1981-03-09\n`;
    await chooseList(page, list);
    await page.waitForSelector('#bulk-problem');
    assert.match(await page.textContent('#bulk-problem'), /3行に誤りがあります/);
    const lines = await page.$$eval('#bulk-row-problems li', (items) => items.map((li) => li.dataset.line));
    assert.deepEqual(lines, ['2', '3', '5']);
    assert.match(await page.textContent('#bulk-row-problems li[data-line="5"]'), /4行目と同じ被保険者/);
    assert.equal(await page.$('#bulk-submit'), null, 'nothing can be sent');

    // A correct list in Shift_JIS, but the facility's bridge has not started (this test runs before any bridge of
    // the stack). Its 和暦 birth date reads only if the file was decoded as Shift_JIS.
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(SHIFT_JIS_LIST), 'the file is not UTF-8');
    await chooseList(page, SHIFT_JIS_LIST, 'corrected.csv');
    await page.waitForSelector('#bulk-ready');
    assert.match(await page.textContent('#bulk-ready'), /3件/);
    await page.click('#bulk-submit');
    await page.waitForSelector('#bulk-error');
    assert.equal(await page.getAttribute('#bulk-error', 'data-error'), 'bridge_not_connected');
    assert.match(await page.textContent('#bulk-error'), /ブリッジ/);
    assert.equal(requests.filter((r) => r.url.endsWith('/api/v1/staff/terminal/bulk')).length, 1);
    await context.close();
  });

  test('staff send 1,000 appointments and read a result per patient after both phases and a ZIP answer', async () => {
    const bridge = await env.stack.startBridge();
    const { page, context, requests } = await openStaff(env.browser, env.stack, { axe: true });
    await bridge.linkOpen();

    await chooseList(page, appointmentList(1000));
    await page.waitForSelector('#bulk-ready');
    assert.match(await page.textContent('#bulk-ready'), /1000件/);
    await page.click('#bulk-submit');
    await page.waitForSelector('#bulk-progress');
    await page.waitForSelector('#bulk-progress[data-state="done"]', { timeout: 60_000 });
    assert.match(await page.textContent('#bulk-progress'), /完了/);

    const rows = await page.$$eval('#bulk-results tbody tr', (trs) =>
      trs.map((tr) => ({
        validity: tr.dataset.validity,
        id: tr.querySelector('.patient-id').textContent,
        ratio: tr.querySelector('.ratio')?.textContent ?? '',
        limit: tr.querySelector('.limit')?.textContent ?? '',
      })),
    );
    assert.equal(rows.length, 1000);
    assert.deepEqual(rows[0], { validity: 'valid', id: 'K-1', ratio: '3割', limit: 'A03' });
    assert.deepEqual(rows[1], { validity: 'valid', id: 'K-2', ratio: '2割', limit: '' });
    assert.equal(rows[2].validity, 'invalid', JSON.stringify(rows[2]));
    assert.equal(rows[2].id, 'K-3');
    assert.equal(await page.textContent('#bulk-results tbody tr:nth-child(3) .validity'), '無効');
    assert.ok(rows.slice(3).every((row) => row.validity === 'no_qualification'), 'the others are 該当資格なし');
    assert.equal(rows[999].id, 'P-1000');
    assert.match(await page.textContent('#bulk-summary'), /有効 2件、有効以外 998件、照会できず 0件/);

    // Both phases went through the terminal's folders once each: an IF-005 upload and an IF-007 download whose
    // answer was a ZIP.
    const records = journal(bridge);
    const pending = records.filter((r) => r.t === 'Pending' && r.id.startsWith('edge-'));
    assert.deepEqual(pending.map((r) => r.file.slice(0, 13)), ['OQSmuquc01req', 'OQSmuquc02req'], JSON.stringify(pending));
    const answered = records.filter((r) => r.t === 'Answered' && r.id.startsWith('edge-')).map((r) => r.file);
    assert.match(answered[1], /^OQSmuquc02res_\d{12}\.zip$/, JSON.stringify(answered));
    const asked = (path) => requests.filter((r) => r.url.endsWith(path)).length;
    assert.equal(asked('/api/v1/staff/terminal/bulk'), 1, 'sent once');
    assert.ok(asked('/api/v1/staff/terminal/bulk/status') >= 1);
    const sent = requests.find((r) => r.url.endsWith('/api/v1/staff/terminal/bulk'));
    assert.ok(!sent.body.includes('K-1') && !sent.body.includes('P-1000'), 'the clinic\'s patient ids stay in the console');

    await screenshot(page, 'staff-bulk-precheck-done');
    const problems = await auditScreen(page, 'staff-bulk-precheck-done', { rawKey: STAFF_RAW_KEY });
    assert.deepEqual(problems, []);
    await bridge.stop();
    await context.close();
  });
});
