// End to end: the facility's national reader (顔認証付きカードリーダー) beside onshi. A patient checks in on the
// national reader; the simulated 資格確認端末 writes the result into its face folder; the bridge, enrolled to the
// facility as a bridge device, hands it on through the real edge in workerd to the real origin; and the staff
// console in Chromium lists it with the day's kiosk check-ins. The bridge is killed with SIGKILL while a patient
// is checked, and after its restart that patient appears once, and nobody twice. A 特定疾病 category reaches staff
// only when the patient consented on the reader, even from a terminal that writes it without. A terminal whose
// 連携アプリ stops taking requests is shown to staff.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { elderlyYear, readerPatient } from '../../xtask/stack.mjs';
import { openStaff, screenshot, useStack } from './support.mjs';

/** A qualification request (IF-001) as a clinic's software writes it; the stalled terminal never reads it. */
const QUALIFICATION_REQUEST = `<?xml version="1.0" encoding="UTF-8"?>
<XmlMsg><MessageHeader><MedicalInstitutionCode>0110113719</MedicalInstitutionCode></MessageHeader>
<MessageBody><QualificationConfirmSearchInfo><InsurerNumber>06130017</InsurerNumber>
<InsuredIdentificationNumber>0089</InsuredIdentificationNumber><Birthdate>19840612</Birthdate>
</QualificationConfirmSearchInfo></MessageBody></XmlMsg>`;

/** What the staff console shows in a cell with nothing to say. */
const NO_VALUE = '—';

describe('national reader', () => {
  const env = useStack();

  test('a check on the national reader appears on the staff console, once, even across a bridge killed mid-check', async () => {
    const { page, context } = await openStaff(env.browser, env.stack);
    const bridge = await env.stack.startBridge();
    const readerRows = page.locator('tr.checkin[data-method="national_reader"]');

    // She consented on the reader to her 特定疾病 being passed on: staff see which disease, with its limit.
    bridge.readerCheck(readerPatient({
      limit_category: 'A03',
      prescription: 'electronic',
      specific_diseases: [{ disease_category: '1', valid_from: '2025-04-01', monthly_self_pay_yen: 10000 }],
      specific_disease_consent: 'given',
    }));
    const first = readerRows.filter({ hasText: '診療　花子' });
    await first.waitFor();
    assert.equal(await first.getAttribute('data-validity'), 'valid');
    assert.equal(await first.locator('.validity').textContent(), '有効');
    assert.equal(await first.locator('.ratio').textContent(), '3割');
    assert.match(await first.locator('.insurer').textContent(), /全国健康保険協会/);
    assert.equal(await first.locator('.method').textContent(), '顔認証付きカードリーダー');
    assert.match(await first.locator('.benefits').textContent(), /A03/);
    const firstDisease = first.locator('.specific-disease');
    assert.equal(await firstDisease.getAttribute('data-category'), '1');
    assert.equal(await firstDisease.textContent(), '特定疾病: 人工透析を要する慢性腎不全 自己負担限度額 月10,000円');
    // The prescription format the patient chose on the national reader, as for a kiosk check-in.
    assert.equal(await first.getAttribute('data-prescription'), 'electronic');
    await screenshot(page, 'staff-national-reader-row');

    // The bridge dies without warning; the next patient is checked on the national reader while it is down.
    await bridge.kill();
    bridge.readerCheck(readerPatient({
      name: '喪失　一郎',
      name_kana: 'ｿｳｼﾂ ｲﾁﾛｳ',
      sex: 'male',
      birth_date: '1950-02-03',
      validity: 'invalid',
      disqualification_date: '2026-11-30',
      elderly_ratio_percent: 20,
      ...elderlyYear(new Date()),
      // A terminal that writes the category although the patient did not consent: the bridge drops it.
      specific_diseases: [{ disease_category: '3', monthly_self_pay_yen: 10000 }],
      specific_disease_consent: 'not_given',
    }));
    await bridge.start();
    const second = readerRows.filter({ hasText: '喪失　一郎' });
    await second.waitFor();
    assert.equal(await second.getAttribute('data-validity'), 'invalid');
    assert.match(await second.locator('.validity').textContent(), /^無効資格喪失日 令和8年11月30日/);
    // A lost qualification's share is not what the patient pays today, so none is shown.
    assert.equal(await second.locator('.ratio').textContent(), NO_VALUE);
    const secondDisease = second.locator('.specific-disease');
    assert.equal(await secondDisease.getAttribute('data-category'), '');
    assert.equal(await secondDisease.textContent(), '特定疾病: 同意なし 自己負担限度額 月10,000円');
    // An invalid qualification shows no 高齢受給者証 either, though the file carried one.
    assert.equal(await second.locator('.elderly-share').count(), 0);

    // A patient aged 70–74 with a 高齢受給者証 in force: staff see 2割, until when, and the 3割 after it.
    const year = elderlyYear(new Date());
    bridge.readerCheck(readerPatient({
      name: '長寿　茂', name_kana: 'ﾁｮｳｼﾞｭ ｼｹﾞﾙ', sex: 'male', birth_date: '1953-08-02', number: '0071',
      elderly_ratio_percent: 20, ...year,
    }));
    const senior = readerRows.filter({ hasText: '長寿　茂' });
    await senior.waitFor();
    assert.match(await senior.locator('.ratio').textContent(), /^2割高齢受給者証: /);
    const share = senior.locator('.ratio .elderly-share');
    assert.equal(await share.getAttribute('data-until'), year.elderly_valid_until);
    assert.equal(await share.getAttribute('data-insured-percent'), '30');
    assert.match(await share.textContent(), new RegExp(`^高齢受給者証: 令和\\d+年7月31日 \\(${year.elderly_valid_until}\\)まで（保険は3割）$`));
    assert.equal(await readerRows.count(), 3, 'each national-reader check is listed once');
    await screenshot(page, 'staff-national-reader-after-restart');
    await bridge.stop();
    await context.close();
  });

  test('a 連携アプリ that stops taking requests is shown to staff, in their language', async () => {
    const { page, context } = await openStaff(env.browser, env.stack);
    // A terminal whose 連携アプリ has hung: requests pile up in req. The bridge calls it stalled after 2 s.
    const bridge = await env.stack.startBridge(undefined, { stalled: true, stallMs: 2000 });
    bridge.request('morning-1', 'OQSsiquc01req', QUALIFICATION_REQUEST);
    const alert = page.locator('#bridge-status li[data-alert="link_app_stalled"]');
    await alert.waitFor({ timeout: 60_000 });
    assert.match(await alert.textContent(), /連携アプリが照会を処理していません（1件待ち）/);
    await screenshot(page, 'staff-bridge-link-app-stalled');
    await page.click('nav.langs button[lang="en"]');
    assert.match(await alert.textContent(), /link application is not processing requests \(1 waiting\)/);
    await bridge.stop();
    await context.close();
  });
});
