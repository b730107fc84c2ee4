// End to end: every staff console screen in every language, in headless Chromium against the real edge and origin.
// Each screen — the enrolment of a new PC (and a kiosk's code refused), login (and a refused code), the check-in list with rows, a pending visual check, the number-based
// check with a validation error, and its answer — is checked with axe-core in ja, en, zh-Hans, ko and vi, with no
// raw resource key on screen, and a screenshot of each is saved under tests/artifacts/screens/staff-*.png. Targets,
// labels and the keyboard order are checked too, and that neither wasm bundle carries the other's texts.
//
// The check-ins' prescription choice and the answer's 特定疾病 list are written into the edge's real answers on
// their way to the page (Playwright's route), so that every value the console can show is rendered: electronic
// and paper, and all three OQSCD013 categories plus a code outside the list. staff.test.mjs checks the values the
// origin itself gives.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import {
  STAFF_RAW_KEY, auditScreen, enterPin, openKiosk, openStaff, screen, smallTargets, useStack,
} from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};
const audit = (page, name) => auditScreen(page, `staff-${name}`, { rawKey: STAFF_RAW_KEY });

/**
 * What the Tab key reaches from the focused element until it reaches `lastId` (at most 20 presses): ids, `lang-<tag>`
 * for the language buttons, else class names. Repeats are collapsed, as a date input takes one press per part.
 */
async function tabOrder(page, lastId) {
  const order = [];
  for (let i = 0; i < 20 && order.at(-1) !== lastId; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const active = document.activeElement;
      return active?.id || (active?.lang ? `lang-${active.lang}` : active?.className) || active?.tagName;
    });
    if (order.at(-1) !== id) order.push(id);
  }
  return order;
}

const PRESCRIPTIONS = ['electronic', 'paper'];
const SPECIFIC_DISEASES = [
  { disease_category: '1', valid_from: '2026-04-01', monthly_self_pay_yen: 10000 },
  { disease_category: '2' },
  { disease_category: '3', valid_until: '2027-03-31', monthly_self_pay_yen: 20000 },
  { disease_category: '9' },
];

/** Gives the check-ins a prescription choice and the first record of every answer the 特定疾病 list above. */
async function writeNewFields(page) {
  await page.route('**/api/v1/staff/checkins', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    list.checkins.forEach((checkin, index) => { checkin.prescription = PRESCRIPTIONS[index % PRESCRIPTIONS.length]; });
    await route.fulfill({ response, json: list });
  });
  await page.route('**/api/v1/staff/qualification/by-number', async (route) => {
    const response = await route.fetch();
    const answer = await response.json();
    if (answer.records?.[0]) answer.records[0].specific_diseases = SPECIFIC_DISEASES;
    await route.fulfill({ response, json: answer });
  });
}

describe('staff console screens, languages and accessibility', () => {
  const env = useStack();

  test('a new PC enrols as a staff console first, in every language; a kiosk\'s code does not enrol it', async () => {
    const { page, context, requests } = await openStaff(env.browser, env.stack, { axe: true, enrol: false });
    const problems = [...await audit(page, 'enrol')];
    assert.equal(await page.textContent('label[for="enrol-code"]'), '係員端末の登録コード（管理者が発行）');
    assert.deepEqual(await smallTargets(page), []);
    await page.focus('nav.langs button[lang="ja"]');
    assert.deepEqual(await tabOrder(page, 'enrol-submit'), ['lang-en', 'lang-zh-Hans', 'lang-ko', 'lang-vi', 'enrol-code', 'enrol-submit']);

    // The administrator hands over a kiosk's code by mistake: the console is told, in the language shown, and stays
    // unenrolled (the code is spent; a kiosk's code cannot make a staff console).
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    await page.fill('#enrol-code', await env.stack.issueEnrolmentCode());
    await page.click('#enrol-submit');
    await page.waitForSelector('#enrol-error');
    assert.match(await page.textContent('#enrol-error'), /not a staff console code/);
    assert.equal(await page.inputValue('#enrol-code'), '', 'the typed code leaves the input');
    assert.equal(await page.getAttribute('#enrol-code', 'aria-describedby'), 'enrol-error');
    const enrolments = requests.filter((r) => r.url.endsWith('/api/v1/devices/enrol'));
    assert.equal(enrolments.length, 1);
    assert.equal(JSON.parse(enrolments[0].body).role, 'staff_console', 'the console says what it enrols as');
    problems.push(...await audit(page, 'enrol-refused'));

    // With the staff console's own code it is enrolled, and the login screen follows, in the language chosen.
    await page.click('nav.langs button[lang="en"]');
    await page.fill('#enrol-code', await env.stack.issueStaffConsoleCode());
    await page.click('#enrol-submit');
    await page.waitForSelector('main[data-screen="staff-login"][lang="en"]');
    // A reload keeps the enrolment (the key stays in this browser) and asks for a login again.
    await page.reload();
    await page.waitForSelector('main[data-screen="staff-login"]');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('login, and a refused code, in every language: no axe violation, labelled input, 44 px targets, keyboard order', async () => {
    const { page, context, requests } = await openStaff(env.browser, env.stack, { axe: true, login: false });
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
    const problems = [...await audit(page, 'login')];
    assert.equal(await page.textContent('label[for="staff-code"]'), '係員ログインコード（管理者が発行）');
    assert.deepEqual(await smallTargets(page), []);
    // The switcher, then the code, then the button.
    await page.focus('nav.langs button[lang="ja"]');
    assert.deepEqual(await tabOrder(page, 'staff-login'), ['lang-en', 'lang-zh-Hans', 'lang-ko', 'lang-vi', 'staff-code', 'staff-login']);

    // The language chosen before logging in stays, and a refused code is said in it.
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.equal(await page.title(), 'Staff console — onshi');
    await page.fill('#staff-code', 'NOT-A-REAL-CODE');
    await page.click('#staff-login');
    await page.waitForSelector('#login-error');
    assert.equal(await page.textContent('#login-error'), 'The code is wrong, already used or expired.');
    assert.equal(await page.inputValue('#staff-code'), '', 'the typed code leaves the input');
    assert.equal(await page.getAttribute('#staff-code', 'aria-describedby'), 'login-error');
    assert.equal(requests.filter((r) => r.url.endsWith('/api/v1/staff/login')).length, 1);
    problems.push(...await audit(page, 'login-refused'));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the dashboard with check-ins and a pending visual check, a refused number and an answer, in every language', async () => {
    const { page, context, requests } = await openStaff(env.browser, env.stack, { axe: true });
    await writeNewFields(page);
    // After login the focus is on the first thing to act on.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pending-heading');
    const problems = [...await audit(page, 'dashboard-empty')];

    // Two check-ins at the kiosk (one valid, one without a qualification), then a visual check left pending.
    const valid = card('valid');
    const unregistered = card('unregistered');
    for (const holder of [valid, unregistered]) {
      const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
      await kiosk.page.click('#connect');
      await enterPin(kiosk.page, holder.pin);
      await screen(kiosk.page, 'result');
      await kiosk.context.close();
    }
    const waiting = await openKiosk(env.browser, env.stack, { cardIndex: card('elderly').index });
    await waiting.page.click('#connect');
    await screen(waiting.page, 'pin');
    await waiting.page.click('#visual-check');
    await screen(waiting.page, 'visual-check');
    // A card with no qualification has no name to list: its row is known by its validity.
    await page.locator('tr.checkin[data-validity="no_qualification"]').first().waitFor();
    await page.locator('tr.checkin', { hasText: valid.name }).first().waitFor();
    await page.locator('li.pending').first().waitFor();

    // The prescription column reads each choice; the other columns are the kiosk's answers.
    const rows = await page.locator('tr.checkin').evaluateAll((trs) => trs.map((tr) => ({
      prescription: tr.dataset.prescription,
      text: tr.querySelector('.prescription').textContent,
      validity: tr.dataset.validity,
      advice: tr.querySelector('.advice').textContent,
    })));
    assert.equal(rows.length, 2);
    for (const row of rows) assert.equal(row.text, { electronic: '電子', paper: '紙' }[row.prescription], JSON.stringify(row));
    assert.deepEqual(rows.map((r) => r.prescription).sort(), ['electronic', 'paper']);
    const unqualified = rows.find((r) => r.validity === 'no_qualification');
    assert.match(unqualified.advice, /被保険者資格申立書/);
    assert.equal(await page.locator('th[scope="col"]').nth(6).textContent(), '処方箋');

    assert.deepEqual(await smallTargets(page), []);
    problems.push(...await audit(page, 'dashboard'));
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.deepEqual((await page.locator('tr.checkin .prescription').allTextContents()).sort(), ['Electronic', 'Paper']);
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');

    // Keyboard order: the pending request's button that opens it (the decision comes once the name is shown), the
    // patient register's file chooser above the day's list it is matched against, then the form's fields in reading
    // order, then the button. The patient who was found gave no consent, so their row offers no withdrawal.
    await page.focus('#pending-heading');
    assert.deepEqual(await tabOrder(page, 'by-number-submit'), [
      'open primary',
      'register-file',
      'insurer-number', 'symbol', 'number', 'branch', 'birth-date', 'by-number-submit',
    ]);

    // A wrong check digit: refused in the page, the field marked and focused, the message tied to it.
    await page.fill('#insurer-number', '01130013');
    await page.fill('#symbol', '2100');
    await page.fill('#number', '100');
    await page.fill('#branch', '00');
    await page.fill('#birth-date', valid.birth_date);
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-error');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'insurer-number');
    assert.equal(await page.getAttribute('#insurer-number', 'aria-invalid'), 'true');
    assert.equal(await page.getAttribute('#insurer-number', 'aria-describedby'), 'by-number-error');
    assert.equal(await page.getAttribute('#number', 'aria-invalid'), null);
    assert.ok(!requests.some((r) => r.url.includes('/api/v1/staff/qualification/by-number')), 'nothing was sent');
    problems.push(...await audit(page, 'by-number-refused'));
    await page.click('nav.langs button[lang="ko"]');
    await page.waitForSelector('main[lang="ko"]');
    assert.match(await page.textContent('#by-number-error'), /검증 번호/);
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');

    // The right number: the answer, with its 特定疾病 list in words.
    await page.fill('#insurer-number', '01130012');
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-result');
    assert.equal(await page.$('#by-number-error'), null);
    assert.equal(await page.getAttribute('#insurer-number', 'aria-invalid'), null);
    assert.equal(await page.textContent('#by-number-validity'), '有効');
    const diseases = page.locator('#by-number-result li.specific-disease');
    assert.deepEqual(await diseases.evaluateAll((lis) => lis.map((li) => li.dataset.category)), ['1', '2', '3', '9']);
    assert.deepEqual(await diseases.locator('.category').allTextContents(),
      ['人工透析を要する慢性腎不全', '先天性血液凝固因子障害', '血液凝固因子製剤起因HIV', '区分 9']);
    assert.deepEqual(await diseases.first().locator('.detail').allTextContents(), ['2026-04-01から', '自己負担限度額 月10,000円']);
    assert.deepEqual(await diseases.nth(2).locator('.detail').allTextContents(), ['2027-03-31まで', '自己負担限度額 月20,000円']);
    problems.push(...await audit(page, 'by-number-answer'));
    await page.click('nav.langs button[lang="vi"]');
    await page.waitForSelector('main[lang="vi"]');
    assert.equal(await page.textContent('#by-number-validity'), 'Hợp lệ');
    assert.equal(await diseases.first().locator('.category').textContent(), 'Suy thận mạn cần lọc máu nhân tạo');

    assert.deepEqual(problems, []);
    // The console keeps refreshing its list; the rewriting routes are removed first, so that no refresh in flight
    // is answered by a page that is closing.
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await waiting.context.close();
    await context.close();
  });

  test('each bundle carries only its own texts: the patient kiosk none of the console\'s, the console none of the kiosk\'s', async () => {
    const bundle = async (path) => Buffer.from(await (await fetch(`${env.stack.url}${path}`)).arrayBuffer());
    const kioskBundle = await bundle('/pkg/onshi_kiosk_bg.wasm');
    const staffBundle = await bundle('/pkg-staff/onshi_staff_bg.wasm');
    const has = (wasm, text) => wasm.includes(Buffer.from(text, 'utf8'));
    assert.ok(has(kioskBundle, '"welcome.heading"') && has(staffBundle, '"staff.pending.heading"'), 'each carries its own catalog');
    assert.ok(!has(kioskBundle, '"staff.pending.heading"') && !has(kioskBundle, '係員コンソール'), 'the console\'s texts are not in the kiosk');
    assert.ok(!has(staffBundle, '"welcome.heading"'), 'the kiosk\'s texts are not in the console');
  });
});
