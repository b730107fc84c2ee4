// End to end: the 限度額適用区分 and the 高齢受給者証 on the patient's own result (shown without a consent since
// 2024-10), with the 負担割合 in force, in every kiosk language under axe-core, against the real edge and origin.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { LANGS, describeOnEachDatabase, enterPin, openKiosk, routeAnswers, screen, waitForAnswer } from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

const locale = (lang) => JSON.parse(readFileSync(new URL(`../../kiosk/locales/${lang}.json`, import.meta.url), 'utf8'));

/** A text as the page's `textContent` reads it: a `[漢字|かんじ]` reading is drawn as ruby, base then reading. */
const asShown = (text) => text.replace(/\[([^|\]]+)\|([^\]]+)\]/g, '$1$2');

/** The text of the `<dt>` just before the element `#id`. */
const termOf = (page, id) => page.evaluate((id) => document.getElementById(id).previousElementSibling.textContent, id);

describeOnEachDatabase('the 限度額 and 高齢受給者 on the patient\'s result', {}, (env, { auditScreen }) => {
  test('the origin\'s 限度額適用区分 reaches the result by its name and code, labelled in every language', async () => {
    const holder = card('elderly');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    const answered = waitForAnswer(page);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    const answer = await answered;
    assert.equal(answer.records[0].limit_category, 'B05', 'the demo 後期高齢者 holds a 低所得Ⅱ certificate');
    assert.equal(await page.textContent('#limit-category'), '低所得Ⅱ（B05）');
    // A 後期高齢者 has no 高齢受給者証: nothing is invented.
    assert.equal(await page.$('#elderly-recipient'), null);
    assert.deepEqual(await auditScreen(page, 'result-limit-category'), []);
    for (const lang of LANGS) {
      await page.click(`nav.langs button[lang="${lang}"]`);
      await page.waitForSelector(`main[lang="${lang}"]`);
      assert.equal(await termOf(page, 'limit-category'), asShown(locale(lang)['result.limit_category']), lang);
    }
    await context.close();
  });

  test('a 高齢受給者証 in force sets the 負担割合 shown, and one that has ended does not', async () => {
    const holder = card('valid');
    for (const [until, ratio, shown] of [['2099-07-31', '2割', true], ['2025-07-31', '3割', false]]) {
      const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: shown });
      // The answer comes from the real origin; a 高齢受給者証 is added to its record on the way, as the insurer of a
      // 70–74-year-old would have recorded it (一部負担金割合 3割, 高齢受給者 2割).
      await routeAnswers(page, (answer) => {
        assert.equal(answer.records[0].partial_contribution_percent, 30);
        answer.records[0].elderly_recipient = { contribution_ratio_percent: 20, valid_from: '2024-07-01', valid_until: until };
      });
      await page.click('#connect');
      await enterPin(page, holder.pin);
      await screen(page, 'result');
      assert.equal(await page.textContent('#ratio'), ratio, until);
      if (shown) {
        assert.match(await page.textContent('#elderly-recipient'), /^2割 ・ 有効期限 .*2099-07-31/);
        assert.deepEqual(await auditScreen(page, 'result-elderly-recipient'), []);
        for (const lang of LANGS) {
          await page.click(`nav.langs button[lang="${lang}"]`);
          await page.waitForSelector(`main[lang="${lang}"]`);
          assert.equal(await termOf(page, 'elderly-recipient'), asShown(locale(lang)['result.elderly_recipient']), lang);
        }
      } else {
        assert.equal(await page.$('#elderly-recipient'), null);
      }
      await context.close();
    }
  });
});
