// End to end: the facility's national reader (顔認証付きカードリーダー) beside onshi. A patient checks in on the
// national reader; the simulated 資格確認端末 writes the result into its face folder; the bridge, enrolled to the
// facility as a bridge device, hands it on through the real edge in workerd to the real origin; and the staff
// console in Chromium lists it with the day's kiosk check-ins. The bridge is killed with SIGKILL while a patient
// is checked, and after its restart that patient appears once, and nobody twice.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStaff, screenshot, useStack } from './support.mjs';

/** What the staff console shows in a cell with nothing to say. */
const NO_VALUE = '—';

/** A patient as the national reader finds them: the simulator's trigger (bridge/README.md). */
const patient = (overrides) => ({
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
});

describe('national reader', () => {
  const env = useStack();

  test('a check on the national reader appears on the staff console, once, even across a bridge killed mid-check', async () => {
    const { page, context } = await openStaff(env.browser, env.stack);
    const bridge = await env.stack.startBridge();
    const readerRows = page.locator('tr.checkin[data-method="national_reader"]');

    bridge.readerCheck(patient({ limit_category: 'A03' }));
    const first = readerRows.filter({ hasText: '診療　花子' });
    await first.waitFor();
    assert.equal(await first.getAttribute('data-validity'), 'valid');
    assert.equal(await first.locator('.validity').textContent(), '有効');
    assert.equal(await first.locator('.ratio').textContent(), '3割');
    assert.match(await first.locator('.insurer').textContent(), /全国健康保険協会/);
    assert.equal(await first.locator('.method').textContent(), '顔認証付きカードリーダー');
    assert.match(await first.locator('.benefits').textContent(), /A03/);
    await screenshot(page, 'staff-national-reader-row');

    // The bridge dies without warning; the next patient is checked on the national reader while it is down.
    await bridge.kill();
    bridge.readerCheck(patient({
      name: '喪失　一郎',
      name_kana: 'ｿｳｼﾂ ｲﾁﾛｳ',
      sex: 'male',
      birth_date: '1950-02-03',
      validity: 'invalid',
      disqualification_date: '2026-11-30',
      elderly_ratio_percent: 20,
    }));
    await bridge.start();
    const second = readerRows.filter({ hasText: '喪失　一郎' });
    await second.waitFor();
    assert.equal(await second.getAttribute('data-validity'), 'invalid');
    assert.match(await second.locator('.validity').textContent(), /^無効資格喪失日 令和8年11月30日/);
    // A lost qualification's share is not what the patient pays today, so none is shown.
    assert.equal(await second.locator('.ratio').textContent(), NO_VALUE);
    assert.equal(await readerRows.count(), 2, 'each national-reader check is listed once');
    await screenshot(page, 'staff-national-reader-after-restart');
    await context.close();
  });
});
