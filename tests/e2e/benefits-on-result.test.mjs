// End to end: the 限度額適用区分 and the 高齢受給者証 on the patient's own result (shown without a consent since
// 2024-10), with the 負担割合 in force, in every kiosk language under axe-core, against the real edge and origin:
// the demo's 後期高齢者 with a 限度額 certificate, and the demo's 70–74-year-old with a 高齢受給者証.

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

/** Today's date in Japan, `YYYY-MM-DD`, which is the day the origin answers for. */
const japanToday = () => new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);

/** `iso` moved by `days`. */
const addDays = (iso, days) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The birthday `years` after `birth` (29 February becomes 1 March in common years). */
const birthdayAt = (birth, years) => {
  const [y, m, d] = birth.split('-').map(Number);
  const day = new Date(Date.UTC(y + years, m - 1, d));
  return day.getUTCDate() === d ? day.toISOString().slice(0, 10) : `${y + years}-03-01`;
};

/**
 * The days a person born on `birth` is a 高齢受給者: from the first of the month after the day they reach 70 (the
 * day before the 70th birthday), to the day before the 75th birthday, when 後期高齢者医療 takes over.
 */
function elderlyRecipientWindow(birth) {
  const [y, m] = addDays(birthdayAt(birth, 70), -1).split('-').map(Number);
  const from = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  return { from, until: addDays(birthdayAt(birth, 75), -1) };
}

/** The 適用年度 (1 August to 31 July) that holds `today`, cut to the 高齢受給者 `window`. */
function certificateYear(today, window) {
  const [y, m] = today.split('-').map(Number);
  const start = m >= 8 ? y : y - 1;
  const max = (a, b) => (a > b ? a : b);
  const min = (a, b) => (a < b ? a : b);
  return { from: max(`${start}-08-01`, window.from), until: min(`${start + 1}-07-31`, window.until) };
}

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

  test('the demo senior\'s 高齢受給者証 sets the 負担割合 shown, with its dates, and one that has ended does not', async () => {
    const holder = card('senior');
    const today = japanToday();
    const { from, until } = elderlyRecipientWindow(holder.birth_date);
    assert.ok(from <= today && today <= until,
      `the demo senior (born ${holder.birth_date}) is a 高齢受給者 from ${from} to ${until}, not on ${today}: give them a later birth date`);
    const certificate = certificateYear(today, { from, until });

    // The real answer: the origin seeded the senior as their insurer records a 70–74-year-old (一部負担金割合 3割,
    // 高齢受給者 2割 for the 適用年度 that holds today).
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    const answered = waitForAnswer(page);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    const [record] = (await answered).records;
    assert.equal(record.partial_contribution_percent, 30);
    assert.deepEqual(record.elderly_recipient,
      { contribution_ratio_percent: 20, valid_from: certificate.from, valid_until: certificate.until });
    assert.equal(await page.textContent('#ratio'), '2割');
    assert.match(await page.textContent('#elderly-recipient'), new RegExp(`^2割 ・ 有効期限 .*${certificate.until}`));
    assert.deepEqual(await auditScreen(page, 'result-elderly-recipient'), []);
    for (const lang of LANGS) {
      await page.click(`nav.langs button[lang="${lang}"]`);
      await page.waitForSelector(`main[lang="${lang}"]`);
      assert.equal(await termOf(page, 'elderly-recipient'), asShown(locale(lang)['result.elderly_recipient']), lang);
    }
    await context.close();

    // An ended certificate. The only injection left: one 資格 record carries one 高齢受給者証, and the demo senior's
    // is the one in force, so the day before its start stands in for the end of last year's. Everything else in the
    // answer is the origin's.
    const ended = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    const dayBefore = addDays(certificate.from, -1);
    await routeAnswers(ended.page, (answer) => {
      assert.equal(answer.records[0].elderly_recipient.valid_from, certificate.from);
      answer.records[0].elderly_recipient = { contribution_ratio_percent: 20, valid_from: addDays(dayBefore, -364), valid_until: dayBefore };
    });
    await ended.page.click('#connect');
    await enterPin(ended.page, holder.pin);
    await screen(ended.page, 'result');
    assert.equal(await ended.page.textContent('#ratio'), '3割');
    assert.equal(await ended.page.$('#elderly-recipient'), null);
    await ended.context.close();
  });
});
