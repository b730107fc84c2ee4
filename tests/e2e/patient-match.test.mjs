// End to end: staff load the clinic's patient register into the staff console in Chromium, and each check on the
// facility's national reader (the simulated 資格確認端末's face file, handed on by the bridge through the real edge in
// workerd to the real origin) shows which of the clinic's patients it is: the patient id found by the 照会番号 the
// result carried or by birth date and kana, "候補 2 件" for two patients staff must choose between (neither is
// picked), or "該当なし". A patient found by attributes is registered in the background as the person's 照会番号
// (IF-003 through the edge and the bridge; the simulated terminal remembers it), so that the person's next check
// is found by it. A patient who checks in at onshi's own kiosk with their card and PIN is matched the same way, by
// the birth date and sex of the person their certificate led to, and no registration is asked for them (the
// terminal never saw them). The register stays in the browser: no request carries more of it than that id.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEMO_CARDS, readerPatient } from '../../xtask/stack.mjs';
import { STAFF_RAW_KEY, auditScreen, enterPin, openKiosk, openStaff, screen, screenshot, useStack } from './support.mjs';

/** The clinic's register: 1001 by attributes, 2001 and 2002 share kana and birth date, 3001 is found by its 照会番号. */
const REGISTER = [
  '患者ID,カナ氏名,漢字氏名,生年月日,性別,照会番号',
  '1001,シンリョウ ハナコ,診療　花子,1984-06-12,女,',
  '2001,フタゴ ヒカル,,2001-05-05,,',
  '2002,フタゴ ヒカル,,2001-05-05,,',
  '3001,キュウセイ タロウ,旧姓　太郎,1970-01-01,男,R-3001',
].join('\r\n');

/** The bridge's journal records, one JSON object a line. */
function journal(bridge) {
  const path = join(bridge.state, 'journal.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('patient matching', () => {
  const env = useStack();

  test('a national-reader check shows the clinic patient id, or the candidates staff choose between, or no match', async () => {
    const { page, context, requests } = await openStaff(env.browser, env.stack, { axe: true });
    const bridge = await env.stack.startBridge();
    await page.setInputFiles('#register-file', { name: 'patients.csv', mimeType: 'text/csv', buffer: Buffer.from(REGISTER) });
    assert.equal(await page.getAttribute('#register-loaded', 'data-count'), '4');
    const row = (name) => page.locator('tr.checkin[data-method="national_reader"]').filter({ hasText: name });

    // Birth date and kana agree with one patient only (the reader writes half-width kana; the register full-width).
    bridge.readerCheck(readerPatient());
    const hanako = row('診療　花子').locator('.patient-match');
    await hanako.waitFor();
    assert.equal(await hanako.getAttribute('data-match'), 'by_attributes');
    assert.equal(await hanako.getAttribute('data-patient-id'), '1001');
    assert.equal(await hanako.locator('.patient-match-text').textContent(), '患者ID 1001');
    // Her result carried no 照会番号: the console registers 1001 as hers, through the bridge, in the background.
    const registered = row('診療　花子').locator('.reference-registration[data-state="registered"]');
    await registered.waitFor();
    assert.equal(await registered.textContent(), '照会番号を登録しました');
    const registrations = journal(bridge).filter((r) => r.t === 'Pending' && /^OQSsiimm01req_/.test(r.file));
    assert.equal(registrations.length, 1, 'one IF-003 request');

    // The 照会番号 the clinic registered comes first, though the name the terminal holds is not the register's.
    bridge.readerCheck(readerPatient({ name: '新姓　太郎', name_kana: 'ｼﾝｾｲ ﾀﾛｳ', birth_date: '1970-01-01', sex: 'male', number: '0202', reference_number: 'R-3001' }));
    const taro = row('新姓　太郎').locator('.patient-match');
    await taro.waitFor();
    assert.equal(await taro.getAttribute('data-match'), 'by_reference');
    assert.equal(await taro.locator('.patient-match-text').textContent(), '患者ID 3001（照会番号）');
    assert.equal(await row('新姓　太郎').locator('.reference-registration').count(), 0, 'registered already');

    // Two patients agree: both are offered, neither is picked, until staff choose one.
    bridge.readerCheck(readerPatient({ name: '双子　光', name_kana: 'ﾌﾀｺﾞ ﾋｶﾙ', birth_date: '2001-05-05', sex: 'male', number: '0101' }));
    const twin = row('双子　光').locator('.patient-match');
    await twin.waitFor();
    assert.equal(await twin.getAttribute('data-match'), 'candidates');
    assert.equal(await twin.getAttribute('data-patient-id'), null, 'nobody is picked');
    assert.equal(await twin.locator('.patient-match-text').textContent(), '候補 2 件');
    assert.deepEqual(await twin.locator('button.choose-patient').evaluateAll((buttons) => buttons.map((b) => b.dataset.patientId)), ['2001', '2002']);
    await screenshot(page, 'staff-patient-match-candidates');
    await twin.locator('button.choose-patient[data-patient-id="2002"]').click();
    await page.waitForSelector('tr.checkin .patient-match[data-match="chosen"]');
    assert.equal(await twin.getAttribute('data-patient-id'), '2002');
    assert.equal(await twin.locator('.patient-match-text').textContent(), '患者ID 2002（選択済み）');
    assert.equal(await twin.locator('button.choose-patient').count(), 0);
    await row('双子　光').locator('.reference-registration[data-state="registered"]').waitFor();

    // Somebody the register does not hold.
    bridge.readerCheck(readerPatient({ name: '来院　初子', name_kana: 'ﾗｲｲﾝ ﾊﾂｺ', birth_date: '1999-09-09', number: '0303' }));
    const stranger = row('来院　初子').locator('.patient-match');
    await stranger.waitFor();
    assert.equal(await stranger.getAttribute('data-match'), 'no_match');
    assert.equal(await stranger.locator('.patient-match-text').textContent(), '該当なし');

    // Her next check on the national reader carries 1001, and is found by it.
    bridge.readerCheck(readerPatient());
    await page.locator('tr.checkin[data-method="national_reader"] .patient-match[data-match="by_reference"][data-patient-id="1001"]').waitFor();
    assert.equal(journal(bridge).filter((r) => r.t === 'Pending' && /^OQSsiimm01req_/.test(r.file)).length, 2, 'hers and the twin\'s, once each');

    // In another language the same rows say it in that language.
    await page.click('nav.langs button[lang="en"]');
    assert.equal(await twin.locator('.patient-match-text').textContent(), 'Patient ID 2002 (chosen)');
    await page.click('nav.langs button[lang="ja"]');

    // The register stayed in the browser: no request the console made carried any of it but the two ids registered.
    const sent = requests.map((r) => `${r.url} ${r.body ?? ''}`).join('\n');
    for (const kept of ['シンリョウ', 'フタゴ', 'R-3001', '2001-05-05', '3001', '2001']) assert.ok(!sent.includes(kept), kept);
    const asked = requests.filter((r) => r.url.endsWith('/api/v1/staff/terminal/reference')).map((r) => JSON.parse(r.body).reference_number);
    assert.deepEqual(asked, ['1001', '2002']);

    const problems = await auditScreen(page, 'staff-patient-match', { rawKey: STAFF_RAW_KEY });
    assert.deepEqual(problems, []);
    await screenshot(page, 'staff-patient-match');
    await bridge.stop();
    await context.close();
  });

  test('a patient who checks in at the kiosk with card and PIN shows their clinic patient id once the register is loaded', async () => {
    const holder = DEMO_CARDS.find((card) => card.scenario === 'valid');
    // The clinic registered them under its own id, in full-width kana as a clinic's system writes it; a namesake
    // born on another day is somebody else.
    const birthYear = Number(holder.birth_date.slice(0, 4));
    const register = [
      '患者ID,カナ氏名,漢字氏名,生年月日,性別',
      `5001,${holder.name_kana.normalize('NFKC')},${holder.name},${holder.birth_date},${holder.sex === 'male' ? '男' : '女'}`,
      `5002,${holder.name_kana.normalize('NFKC')},${holder.name},${birthYear + 1}${holder.birth_date.slice(4)},`,
    ].join('\r\n');
    const { page, context, requests } = await openStaff(env.browser, env.stack);

    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await kiosk.page.click('#connect');
    await enterPin(kiosk.page, holder.pin);
    await screen(kiosk.page, 'result');
    await kiosk.context.close();
    const row = page.locator('tr.checkin[data-method="pin"]', { hasText: holder.name }).first();
    await row.waitFor();
    assert.equal(await row.locator('.patient-match').count(), 0, 'no register loaded: nothing to say');

    await page.setInputFiles('#register-file', { name: 'patients.csv', mimeType: 'text/csv', buffer: Buffer.from(register) });
    assert.equal(await page.getAttribute('#register-loaded', 'data-count'), '2');
    const found = row.locator('.patient-match[data-match="by_attributes"]');
    await found.waitFor();
    assert.equal(await found.getAttribute('data-patient-id'), '5001');
    assert.equal(await found.locator('.patient-match-text').textContent(), '患者ID 5001');
    // A kiosk's check-in has no face file of the terminal's: no 照会番号 registration is asked for it.
    assert.equal(await row.locator('.reference-registration').count(), 0);
    assert.ok(!requests.some((r) => r.url.endsWith('/api/v1/staff/terminal/reference')), 'no registration asked');
    const sent = requests.map((r) => `${r.url} ${r.body ?? ''}`).join('\n');
    for (const kept of ['5001', '5002', holder.name_kana.normalize('NFKC')]) assert.ok(!sent.includes(kept), kept);
    await screenshot(page, 'staff-patient-match-kiosk');
    await context.close();
  });

  test('a register with a row in error is not loaded, and staff are told which line', async () => {
    const { page, context } = await openStaff(env.browser, env.stack);
    const broken = `${REGISTER}\r\n4001,,1980-01-01,,,\r\n`;
    await page.setInputFiles('#register-file', { name: 'patients.csv', mimeType: 'text/csv', buffer: Buffer.from(broken) });
    await page.waitForSelector('#register-problem');
    assert.match(await page.textContent('#register-problem'), /1行に誤りがあります/);
    assert.equal(await page.getAttribute('#register-row-problems li', 'data-line'), '6');
    assert.equal(await page.locator('#register-loaded').count(), 0);
    await context.close();
  });
});
