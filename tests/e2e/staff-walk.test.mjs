// End to end: a receptionist's first walk through the demo, as issue 11 found it, in headless Chromium against the
// real edge in workerd and the real origin on SQLite. Patients check in at kiosks the admin named (受付1, 受付2);
// the receptionist reads their rows at a glance: a 無効 patient's 資格喪失日 in 和暦 beside 西暦, no 負担割合 and
// the guidance of a lost qualification (read in Japanese whatever the console's language, the translation beside);
// the elderly patient's 特定疾病 with its monthly limit (「同意なし」 until she consents, its category after); the
// kiosk's name. A patient who asked for 目視 and then
// pressed 最初にもどる disappears from the requests, and a receptionist who approves such a request in the moment
// it was withdrawn is told so. A by-number check that finds nobody asks first to check what was typed.
//
// Every changed staff screen is checked with axe-core in every language and saved at 1280×800 and 390×844 as
// tests/artifacts/screens/staff-walk-*.png.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import {
  STAFF_RAW_KEY, answerConsent, askedOf, auditScreen, enterPin, isAnswerRequest, openKiosk, openPendingOf, openStaff,
  screen, useStack, waitForAnswer,
} from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

/** 和暦 as the browser's own Japanese calendar writes it, an oracle independent of the console's formatter. */
const wareki = (iso) => new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  era: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC',
}).format(new Date(`${iso}T00:00:00Z`));

/**
 * Audits the current staff screen in every language at the desk's 1280×800 and at a phone's 390×844 (axe, raw
 * keys, screenshots `screens/staff-walk-<name>[-390].<lang>.png`), and ends at 1280×800 in Japanese.
 */
async function auditBothSizes(page, name) {
  await page.setViewportSize({ width: 1280, height: 800 });
  const problems = await auditScreen(page, `staff-walk-${name}`, { rawKey: STAFF_RAW_KEY });
  await page.setViewportSize({ width: 390, height: 844 });
  problems.push(...await auditScreen(page, `staff-walk-${name}-390`, { rawKey: STAFF_RAW_KEY }));
  await page.setViewportSize({ width: 1280, height: 800 });
  return problems;
}

/**
 * The shape drawn beside a row's validity (`content` of its `::before`), whether screen readers skip it, and its
 * colour when it is the green of 有効 (the other marks keep the text's colour, so theirs is left out).
 */
async function validityMarkOf(row) {
  return row.locator('.validity-mark').evaluate((el) => {
    const drawn = getComputedStyle(el, '::before');
    const mark = { content: drawn.content, hidden: el.getAttribute('aria-hidden') };
    return drawn.content === '"✓"' ? { ...mark, color: drawn.color } : mark;
  });
}

describe('a receptionist\'s walk through the staff console', () => {
  const env = useStack();

  /** A kiosk the admin enrolled under `label`, holding the virtual card of `holder`. */
  async function namedKiosk(holder, label, location) {
    const kiosk = await openKiosk(env.browser, env.stack.url, { cardIndex: holder.index });
    await screen(kiosk.page, 'enrol');
    await kiosk.page.fill('#enrol-code', await env.stack.issueEnrolmentCode(undefined, { label, location }));
    await kiosk.page.click('#enrol-submit');
    await screen(kiosk.page, 'welcome');
    return kiosk;
  }

  /** The patient checks in with the PIN; resolves with the qualification the kiosk was answered. */
  async function checkIn(kiosk, holder) {
    const answered = waitForAnswer(kiosk.page);
    await kiosk.page.click('#connect');
    await enterPin(kiosk.page, holder.pin);
    await screen(kiosk.page, 'result');
    return answered;
  }

  test('a 無効 patient\'s row shows the 資格喪失日 in 和暦 and 西暦, no 負担割合, its own guidance and the kiosk', async () => {
    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const lost = card('lost');
    const kiosk = await namedKiosk(lost, '受付1');
    const answer = await checkIn(kiosk, lost);
    assert.equal(answer.validity, 'invalid');
    const lostOn = answer.records[0].disqualification_date;
    assert.match(lostOn, /^\d{4}-\d{2}-\d{2}$/);
    await kiosk.context.close();

    const row = page.locator('tr.checkin[data-validity="invalid"]', { hasText: lost.name }).first();
    await row.waitFor();
    // The row tells 無効 by shape and words as the by-number answer does: a cross beside the word, which screen
    // readers skip.
    assert.deepEqual(await validityMarkOf(row), { content: '"✕"', hidden: 'true' });
    const datePrinted = `${wareki(lostOn)} (${lostOn})`;
    assert.match(datePrinted, /^令和\d+年\d+月\d+日 \(\d{4}-\d{2}-\d{2}\)$/);
    assert.equal(await row.locator('.validity > span[lang="ja"]').first().textContent(), '無効');
    assert.equal(await row.locator('.lost-on').getAttribute('data-date'), lostOn);
    assert.equal(await row.locator('.lost-on').textContent(), `資格喪失日 ${datePrinted}`);
    // The old ratio is not what the patient pays today: no 負担割合, and not the 該当資格なし guidance either.
    assert.equal(await row.locator('.ratio').textContent(), '—');
    const advice = await row.locator('.advice').textContent();
    assert.ok(advice.startsWith(`資格喪失日 ${datePrinted} で資格が終了しています。`), advice);
    assert.match(advice, /新しい保険の資格確認書/);
    assert.notEqual(advice, '被保険者資格申立書をご記入いただき、通常の負担割合でお支払いいただけます。');
    assert.equal(await row.locator('.device').textContent(), '受付1');

    // In English the receptionist still reads the Japanese first, the translation beside it.
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.equal(await row.locator('.validity').textContent(),
      `無効 (Invalid)資格喪失日 ${datePrinted} (Coverage ended ${datePrinted})`);
    const english = await row.locator('.advice').textContent();
    assert.ok(english.startsWith(`資格喪失日 ${datePrinted} で資格が終了しています。`), english);
    assert.match(english, new RegExp(`\\(This insurance ended on ${datePrinted.replace(/[()]/g, '\\$&')}\\.`));
    assert.equal(await row.locator('.ratio').textContent(), '—');
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');

    assert.deepEqual(await auditBothSizes(page, 'lost-row'), []);
    await context.close();
  });

  test('the elderly patient\'s row shows her 特定疾病 with its monthly limit, its category only after she consents, and a 限度額適用区分', async () => {
    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const elderly = card('elderly');
    // She holds a 特定疾病療養受療証 and answers no to its consent question (yes to 包括同意).
    const kiosk = await namedKiosk(elderly, '2F 待合');
    const answer = await checkIn(kiosk, elderly);
    assert.equal(answer.records[0].specific_diseases?.[0]?.monthly_self_pay_yen, 10000);
    await answerConsent(kiosk.page, 'all', 'paper', { specificDisease: false });
    await kiosk.page.waitForSelector('#consent-recorded');
    await kiosk.context.close();

    const row = page.locator('tr.checkin', { hasText: elderly.name }).first();
    await row.waitFor();
    // Her 有効 is told by colour, shape and words on the row: a green tick beside the word.
    assert.equal(await row.getAttribute('data-validity'), 'valid');
    assert.deepEqual(await validityMarkOf(row), { content: '"✓"', hidden: 'true', color: 'rgb(10, 92, 42)' });
    assert.equal(await row.locator('.validity').textContent(), '有効');
    // Without her 特定疾病 consent the row says so at a glance, with the limit the counter charges by.
    const disease = row.locator('.benefits .specific-disease');
    assert.equal(await disease.count(), 1);
    assert.equal(await disease.getAttribute('data-consent'), 'none');
    assert.equal(await disease.getAttribute('data-category'), '');
    assert.equal(await disease.textContent(), '特定疾病: 同意なし 自己負担限度額 月10,000円');
    assert.equal(await row.locator('.ratio').textContent(), '1割');
    assert.equal(await row.locator('.device').textContent(), '2F 待合');
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.equal(await disease.textContent(), '特定疾病: 同意なし 自己負担限度額 月10,000円 '
      + '(Specified disease: no consent monthly limit ¥10,000)');
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');

    // The demo's 後期高齢者 holds a 限度額適用・標準負担額減額認定証 (低所得Ⅱ); the origin's own answer carries it.
    const limit = row.locator('.benefits .limit-category');
    await limit.waitFor();
    assert.equal(await limit.textContent(), '限度額適用区分 B05');
    assert.deepEqual(await auditBothSizes(page, 'specific-disease-row'), []);

    // At her next check-in she says yes: from the next refresh staff read the category.
    const again = await namedKiosk(elderly, '2F 待合');
    await checkIn(again, elderly);
    await answerConsent(again.page, 'all', 'paper', { specificDisease: true });
    await again.page.waitForSelector('#consent-recorded');
    await again.context.close();
    const consented = page.locator('tr.checkin', { hasText: elderly.name }).first()
      .locator('.benefits .specific-disease[data-consent="given"]');
    await consented.waitFor();
    assert.equal(await consented.getAttribute('data-category'), '1');
    assert.equal(await consented.textContent(), '特定疾病: 人工透析を要する慢性腎不全 自己負担限度額 月10,000円');
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.equal(await consented.textContent(), '特定疾病: 人工透析を要する慢性腎不全 自己負担限度額 月10,000円 '
      + '(Specified disease: Chronic renal failure requiring dialysis monthly limit ¥10,000)');
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');
    assert.deepEqual(await auditBothSizes(page, 'specific-disease-row-consented'), []);
    await context.close();
  });

  test('a patient who asks for 目視 and then presses 最初にもどる leaves the receptionist\'s requests', async () => {
    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const holder = card('valid');
    const kiosk = await namedKiosk(holder, '受付2', '2階 小児科待合');
    await kiosk.page.click('#connect');
    await screen(kiosk.page, 'pin');
    await kiosk.page.click('#visual-check');
    await screen(kiosk.page, 'visual-check');

    const pending = await openPendingOf(page, holder.name);
    assert.equal(await pending.locator('.device').textContent(), '端末 受付2');
    // Where the kiosk stands, as the admin named the place when enrolling it: staff walk to the patient.
    assert.equal(await pending.locator('.location').textContent(), '設置場所 2階 小児科待合');
    const birthDate = await pending.locator('.birth-date').textContent();
    assert.equal(birthDate, `${wareki(holder.birth_date)} (${holder.birth_date})`);
    assert.equal(birthDate, '昭和55年2月17日 (1980-02-17)');
    assert.deepEqual(await auditBothSizes(page, 'pending-named-kiosk'), []);

    // The patient gives up: the kiosk withdraws its request, and the receptionist's list drops it.
    const withdrawn = kiosk.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/visual-check/withdraw');
    await kiosk.page.click('#start-over');
    const withdrawal = await withdrawn;
    assert.equal(withdrawal.status(), 200);
    assert.equal((await withdrawal.json()).state, 'withdrawn');
    await screen(kiosk.page, 'welcome');
    await pending.waitFor({ state: 'detached' });
    assert.equal(await page.locator('li.pending', { hasText: holder.name }).count(), 0);
    await kiosk.context.close();
    await context.close();
  });

  test('approving a request in the moment its patient left tells the receptionist it was withdrawn', async () => {
    const { page, context, requests } = await openStaff(env.browser, env.stack, { axe: true });
    const holder = card('dependent');
    const kiosk = await namedKiosk(holder, '受付3');
    await kiosk.page.click('#connect');
    await screen(kiosk.page, 'pin');
    await kiosk.page.click('#visual-check');
    await screen(kiosk.page, 'visual-check');
    const pending = await openPendingOf(page, holder.name);

    // The receptionist looks at the list as it was a moment ago (its refresh is held back) while the patient
    // walks away; then they approve.
    let seen = null;
    await page.route('**/api/v1/staff/checkins', async (route) => {
      if (!seen) seen = await (await route.fetch()).json();
      await route.fulfill({ json: seen });
    });
    await page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/staff/checkins');
    assert.ok(seen.pending.some((p) => p.device_label === '受付3'), 'the held list was taken while the patient waited');
    const withdrawn = kiosk.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/visual-check/withdraw');
    await kiosk.page.click('#start-over');
    assert.equal((await (await withdrawn).json()).state, 'withdrawn');
    await screen(kiosk.page, 'welcome');
    assert.ok(await pending.isVisible(), 'the held list still shows the request');

    const decided = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/staff/visual-checks/decision');
    await pending.locator('button.approve').click();
    const decision = await decided;
    assert.equal(decision.status(), 409);
    assert.equal((await decision.json()).error, 'visual_check_withdrawn');
    const notice = page.locator('#decision-notice');
    await notice.waitFor();
    assert.equal(await notice.getAttribute('role'), 'alert');
    assert.equal(await notice.textContent(), 'この目視確認は取り下げられました。患者さまが受付機の操作をやめています。');
    assert.equal(requests.filter((r) => r.url.endsWith('/api/v1/staff/visual-checks/decision')).length, 1);
    assert.deepEqual(await auditBothSizes(page, 'decision-withdrawn'), []);
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.equal(await notice.textContent(), 'This visual check was withdrawn: the patient stopped using the kiosk.');
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');

    // With the list live again, the withdrawn request is gone.
    await page.unrouteAll({ behavior: 'wait' });
    await pending.waitFor({ state: 'detached' });
    await kiosk.context.close();
    await context.close();
  });

  test('a by-number check that finds nobody first asks to check the 記号・番号・枝番 and birth date', async () => {
    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const holder = card('valid');
    // The right 保険者番号 and birth date, but a 番号 nobody holds: a typing slip at the counter.
    await page.fill('#insurer-number', '01130012');
    await page.fill('#symbol', '2100');
    await page.fill('#number', '999');
    await page.fill('#branch', '00');
    await page.fill('#birth-date', holder.birth_date);
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-result');
    assert.equal(await page.textContent('#by-number-validity'), '該当資格なし');
    const noMatch = await page.textContent('#by-number-no-match');
    assert.match(noMatch, /記号・番号・枝番と生年月日/);
    const result = await page.textContent('#by-number-result');
    const claimForm = result.indexOf('被保険者資格申立書');
    assert.ok(claimForm > 0, result);
    assert.ok(result.indexOf('記号・番号・枝番と生年月日') < claimForm, 'the check comes before the claim form');
    assert.deepEqual(await auditBothSizes(page, 'by-number-no-match'), []);

    // A patient who is found shows her birth date in 和暦 beside 西暦.
    await page.fill('#number', '100');
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-result[data-validity="valid"]');
    assert.equal(await page.$('#by-number-no-match'), null);
    assert.equal(await page.textContent('#by-number-result .birth-date'), '昭和55年2月17日 (1980-02-17)');
    await context.close();
  });
  test('the receptionist sees the language and the aids the patient used at the kiosk', async () => {
    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const holder = card('valid');
    // A patient who reads Vietnamese turns on voice guidance, then checks in at 受付3.
    const kiosk = await namedKiosk(holder, '受付3');
    await kiosk.page.click('nav.langs button[lang="vi"]');
    await kiosk.page.click('#aid-voice');
    await checkIn(kiosk, holder);
    const asked = kiosk.requests.find((r) => isAnswerRequest(r.url, r.body));
    assert.deepEqual(askedOf(asked.url, asked.body).patient_mode, { language: 'vi', aids: ['voice'] });
    await kiosk.context.close();

    const row = page.locator('tr.checkin', { has: page.locator('td.device', { hasText: '受付3' }) }).first();
    await row.waitFor();
    const mode = row.locator('.patient-mode');
    assert.equal(await mode.getAttribute('data-language'), 'vi');
    assert.equal(await mode.getAttribute('data-aids'), 'voice');
    assert.equal(await mode.locator('.patient-language').textContent(), '言語: Tiếng Việt');
    assert.equal(await mode.locator('.patient-language span[lang="vi"]').textContent(), 'Tiếng Việt');
    assert.equal(await mode.locator('.patient-aid').textContent(), '音声案内');
    assert.deepEqual(await auditBothSizes(page, 'patient-mode-row'), []);

    // Another patient, in Japanese with no aid: the desk is told nothing more for them.
    const next = await namedKiosk(card('elderly'), '受付4');
    await checkIn(next, card('elderly'));
    const asked2 = next.requests.find((r) => isAnswerRequest(r.url, r.body));
    assert.deepEqual(askedOf(asked2.url, asked2.body).patient_mode, { language: 'ja' });
    await next.context.close();
    const plain = page.locator('tr.checkin', { has: page.locator('td.device', { hasText: '受付4' }) }).first();
    await plain.waitFor();
    assert.equal(await plain.locator('.patient-mode').count(), 0);
    await context.close();
  });

  test('the by-number birth date is typed as the 資格確認書 prints it, in 和暦, and read back before it is sent', async () => {
    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const holder = card('valid');
    const asked = [];
    page.on('request', (r) => { if (r.url().endsWith('/api/v1/staff/qualification/by-number')) asked.push(r.postDataJSON()); });
    // A text field with the form's own example: no date picker, so no browser-locale mm/dd/yyyy.
    const field = page.locator('#birth-date');
    assert.equal(await field.getAttribute('type'), 'text');
    const placeholder = await field.getAttribute('placeholder');
    assert.match(placeholder, /昭和55年2月17日/);
    assert.doesNotMatch(placeholder, /mm|yyyy/i);

    // The certificate says 昭和55年; the receptionist slips and types 平成 with the same year, which 平成 never had.
    const long = wareki(holder.birth_date); // e.g. 昭和55年2月17日
    const [, era, year, month, day] = long.match(/^(明治|大正|昭和|平成|令和)(\d+|元)年(\d+)月(\d+)日$/);
    assert.ok(era === '昭和' && Number(year) > 31, `${long}: 平成 had no year ${year}`);
    const slipped = long.replace('昭和', '平成');
    await page.fill('#insurer-number', '01130012');
    await page.fill('#symbol', '2100');
    await page.fill('#number', '100');
    await page.fill('#branch', '00');
    await field.pressSequentially(slipped);
    const reading = page.locator('#birth-date-reading');
    await page.waitForSelector('#birth-date-reading.problem');
    assert.match(await reading.textContent(), /元号/);
    assert.deepEqual(await auditBothSizes(page, 'birth-date-outside-era'), []);
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-error');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'birth-date');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(asked.length, 0, 'a date that cannot be is never sent');

    // Typed again the short way a form writes it (S55.2.17), the console reads it back as the day it will ask for.
    const letter = { 明治: 'M', 大正: 'T', 昭和: 'S', 平成: 'H', 令和: 'R' }[era];
    await field.fill('');
    await field.pressSequentially(`${letter}${year === '元' ? 1 : year}.${month}.${day}`);
    await page.waitForSelector('#birth-date-reading.reads');
    // The refusal of the slip goes once the field reads as a date: the two never contradict each other.
    assert.equal(await page.$('#by-number-error'), null);
    assert.equal(await field.getAttribute('aria-invalid'), null);
    assert.equal(await reading.textContent(), `この日付で確認します： ${long} (${holder.birth_date})`);
    assert.deepEqual(await auditBothSizes(page, 'birth-date-reads'), []);
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-result[data-validity="valid"]');
    assert.equal(asked.length, 1);
    assert.equal(asked[0].birth_date, holder.birth_date);
    // Valid is told by colour, shape and words: a tick drawn beside 有効, which screen readers skip.
    const mark = await page.$eval('#by-number-result .validity-mark', (el) => ({
      content: getComputedStyle(el, '::before').content, hidden: el.getAttribute('aria-hidden'),
    }));
    assert.deepEqual(mark, { content: '"✓"', hidden: 'true' });
    assert.equal(await page.textContent('#by-number-validity'), '有効');
    await context.close();
  });

  test('the demo senior\'s row and by-number answer show the 2割 of their 高齢受給者証; one that has ended no longer lowers it', async () => {
    const senior = card('senior');
    // The senior's 3割 insurance and 2割 certificate are the origin's demo records (a 協会けんぽ 被保険者, 記号 and
    // 番号 derived from the card index as the demo seeds them); the test only checks that today is in their 70s.
    const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
    const [year, month, day] = senior.birth_date.split('-').map(Number);
    const reachesSeventy = new Date(Date.UTC(year + 70, month - 1, day - 1));
    const from = new Date(Date.UTC(reachesSeventy.getUTCFullYear(), reachesSeventy.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
    const until = new Date(Date.UTC(year + 75, month - 1, day - 1)).toISOString().slice(0, 10);
    assert.ok(from <= today && today <= until, `the demo senior is a 高齢受給者 from ${from} to ${until}, not on ${today}`);

    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const kiosk = await namedKiosk(senior, '受付2');
    const checkedIn = await checkIn(kiosk, senior);
    await kiosk.context.close();
    assert.equal(checkedIn.records[0].partial_contribution_percent, 30);
    assert.equal(checkedIn.records[0].elderly_recipient.contribution_ratio_percent, 20);
    const row = page.locator('tr.checkin', { hasText: senior.name }).first();
    await row.waitFor();
    assert.equal(await row.getAttribute('data-validity'), 'valid');
    // The share he pays, then how long his 高齢受給者証 runs and his insurance's own share, which he pays after it.
    const certificate = checkedIn.records[0].elderly_recipient;
    assert.match(await row.locator('.ratio').textContent(), /^2割高齢受給者証: /);
    const share = row.locator('.ratio .elderly-share');
    assert.equal(await share.getAttribute('data-until'), certificate.valid_until);
    assert.equal(await share.getAttribute('data-insured-percent'), '30');
    assert.match(await share.textContent(), new RegExp(`^高齢受給者証: 令和\\d+年\\d+月\\d+日 \\(${certificate.valid_until}\\)まで（保険は3割）$`));
    assert.equal(await row.locator('.device').textContent(), '受付2');
    assert.deepEqual(await auditBothSizes(page, 'senior-row'), []);

    const byNumber = async (staffPage) => {
      const answered = staffPage.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/staff/qualification/by-number');
      await staffPage.fill('#insurer-number', checkedIn.records[0].insurer_number);
      await staffPage.fill('#symbol', checkedIn.records[0].symbol);
      await staffPage.fill('#number', checkedIn.records[0].number);
      await staffPage.fill('#branch', checkedIn.records[0].branch);
      await staffPage.fill('#birth-date', senior.birth_date);
      await staffPage.click('#by-number-submit');
      await staffPage.waitForSelector('#by-number-result[data-validity="valid"]');
      return (await answered).json();
    };
    const answer = await byNumber(page);
    assert.equal(answer.records[0].partial_contribution_percent, 30);
    assert.deepEqual(answer.records[0].elderly_recipient, checkedIn.records[0].elderly_recipient);
    assert.equal(await page.textContent('#by-number-result .ratio'), '2割');
    assert.equal(await page.getAttribute('#by-number-result .elderly-share', 'data-until'), certificate.valid_until);
    assert.match(await page.textContent('#by-number-result .elderly-share'), /まで（保険は3割）$/);
    await context.close();

    // An ended certificate. The only injection left: one 資格 record carries one 高齢受給者証, and the demo senior's
    // is the one in force, so a certificate that ended the day before it began stands in for last year's.
    const ended = await openStaff(env.browser, env.stack);
    await ended.page.route('**/api/v1/staff/qualification/by-number', async (route) => {
      const real = await route.fetch();
      const json = await real.json();
      const { valid_from: start } = json.records[0].elderly_recipient;
      const dayBefore = new Date(Date.parse(`${start}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const yearBefore = new Date(Date.parse(`${dayBefore}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10);
      json.records[0].elderly_recipient = { contribution_ratio_percent: 20, valid_from: yearBefore, valid_until: dayBefore };
      await route.fulfill({ response: real, json });
    });
    await byNumber(ended.page);
    assert.equal(await ended.page.textContent('#by-number-result .ratio'), '3割');
    assert.equal(await ended.page.locator('#by-number-result .elderly-share').count(), 0, 'an ended certificate is not shown as in force');
    await ended.context.close();
  });
});
