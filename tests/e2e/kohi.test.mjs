// End to end: 公費 at the kiosk, against the real edge and origin with the demo's 公費 (a 医療扶助 with this month's
// 医療券 and 調剤券 for 山田 太郎, a 難病 受給者証 for 山田 花子). The patient with a 受給者証 is asked
// 「医療費助成の受給者証を利用しますか」 before the consent, one tap each; yes asks again and the answer carries it, no
// leaves it out; the result counts the 公費 the clinic now sees and never names them. Every screen in every kiosk
// language under axe-core. Staff see one row per visit carrying the 公費 the answer did (医療扶助 with its 医療券 and
// 調剤券 always, a 受給者証 only after the yes), in every staff language under axe-core, saved at 1280×800 and
// 390×844 as tests/artifacts/screens/kohi-staff-*.png.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import {
  STAFF_RAW_KEY, answerConsent, answerOf, askedOf, demoIndividualNumber, describeOnEachDatabase, enterPin,
  isAnswerRequest, openKiosk, openStaff, screen,
} from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

/**
 * Every qualification the page asks (the first with the session, later ones on their own), with what it asked and
 * the answer.
 */
function watchQualifications(page) {
  const calls = [];
  page.on('response', async (response) => {
    const [url, body] = [response.url(), response.request().postData()];
    if (!isAnswerRequest(url, body)) return;
    const json = await response.json();
    calls.push({ body: askedOf(url, body), answer: answerOf(url, json) });
  });
  return calls;
}

describeOnEachDatabase('公費 at the kiosk', {}, (env, { auditScreen, screenshot }) => {
  test('a 受給者証 is offered first; yes asks again and the clinic gets it, counted but not named on screen', async () => {
    const holder = card('dependent');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    const calls = watchQualifications(page);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    await page.waitForSelector('#certificates-yes');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].answer.certificates_on_offer, true, 'the first answer says only that one is on record');
    // An answer with no 公費 to carry leaves the list out.
    assert.deepEqual(calls[0].answer.public_expense ?? [], [], 'and nothing of which');
    // The consent waits for this question; nothing of it is on screen yet.
    assert.equal(await page.$('#consent-comprehensive'), null);
    assert.equal(await page.$('#public-expense'), null);
    assert.deepEqual(await auditScreen(page, 'result-certificates-question'), []);
    await screenshot(page, 'screens/kohi-question.1280');

    await page.click('#certificates-yes');
    await page.waitForSelector('#public-expense');
    assert.equal(calls.length, 2, 'yes asks for the qualification again');
    assert.equal(calls[1].body.use_recipient_certificates, true);
    const carried = calls[1].answer.public_expense;
    assert.equal(carried.length, 1);
    assert.equal(carried[0].kind, 'intractable_disease');
    assert.equal(await page.getAttribute('#public-expense', 'data-count'), '1');
    // The screen counts it; the waiting room does not learn that it is a 難病 受給者証.
    const shown = await page.textContent('main');
    assert.doesNotMatch(shown, /難病|特定医療費|Intractable/i);
    assert.match(await page.textContent('#public-expense'), /1 件/);
    // The consent follows, and the check-in completes as any other.
    await answerConsent(page, 'none', 'paper');
    await page.waitForSelector('#consent-recorded');
    assert.deepEqual(await auditScreen(page, 'result-public-expense'), []);
    await screenshot(page, 'screens/kohi-result.1280');
    await context.close();
  });

  test('no leaves the 受給者証 out, by the keypad as well, and a 医療扶助 is carried without a question', async () => {
    const holder = card('dependent');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    const calls = watchQualifications(page);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    await page.waitForSelector('#certificates-no');
    // 2: do not use it. The consent question comes next, and the answer is not asked again.
    await page.keyboard.press('2');
    await page.waitForSelector('#consent-comprehensive');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'consent-heading');
    assert.equal(calls.length, 1);
    assert.equal(await page.$('#public-expense'), null);
    await context.close();

    // 山田 太郎's 医療扶助 needs no yes: the answer carries it with this month's 医療券 and 調剤券.
    const assisted = card('valid');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: assisted.index });
    const assistedCalls = watchQualifications(kiosk.page);
    await kiosk.page.click('#connect');
    await enterPin(kiosk.page, assisted.pin);
    await screen(kiosk.page, 'result');
    await kiosk.page.waitForSelector('#consent-comprehensive');
    assert.equal(await kiosk.page.$('#certificates-yes'), null, 'no question without a 受給者証');
    const [assistance] = assistedCalls[0].answer.public_expense;
    assert.equal(assistance.kind, 'medical_assistance');
    assert.deepEqual(assistance.tickets.map((t) => t.kind).sort(), ['dispensing', 'medical']);
    assert.equal(await kiosk.page.getAttribute('#public-expense', 'data-count'), '1');
    assert.doesNotMatch(await kiosk.page.textContent('main'), /医療扶助|生活保護|医療券/);
    await kiosk.context.close();
  });

  /** The check-in rows of `holder` on the staff console, newest first. */
  const rowsOf = (page, holder) => page.locator('tr.checkin', { hasText: holder.name });

  /** Checks `holder` in at a fresh kiosk: PIN, then yes or no to the 受給者証 when asked, then the consent. */
  async function checkInAtKiosk(holder, { useCertificates }) {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    const calls = watchQualifications(page);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    if (useCertificates !== undefined) {
      await page.click(useCertificates ? '#certificates-yes' : '#certificates-no');
    }
    await answerConsent(page, 'none', 'paper');
    await page.waitForSelector('#consent-recorded');
    await context.close();
    return calls;
  }

  /** Waits until the staff console has read the day's list once, so the rows already there are counted. */
  const listLoaded = (page) => page.waitForFunction(() => performance.getEntriesByName('onshi:staff:list').length > 0);

  /** Waits until the staff list shows `count` rows of `holder`, the newest with the prescription chosen last. */
  async function waitForRows(page, holder, count) {
    await page.waitForFunction(([name, expected]) => {
      const rows = [...document.querySelectorAll('tr.checkin')].filter((row) => row.textContent.includes(name));
      return rows.length === expected && rows[0].dataset.prescription === 'paper';
    }, [holder.name, count], { timeout: 20_000 });
  }

  /** Audits the staff screen in every staff language at 1280×800 and 390×844, saving `screens/kohi-staff-<name>`. */
  async function auditStaffBothSizes(page, name) {
    await page.setViewportSize({ width: 1280, height: 800 });
    const problems = await auditScreen(page, `kohi-staff-${name}`, { rawKey: STAFF_RAW_KEY });
    await page.setViewportSize({ width: 390, height: 844 });
    problems.push(...await auditScreen(page, `kohi-staff-${name}-390`, { rawKey: STAFF_RAW_KEY }));
    await page.setViewportSize({ width: 1280, height: 800 });
    return problems;
  }

  test('staff see one row for a yes, carrying the 受給者証, and 医療扶助 with its tickets on every row of its patient', async () => {
    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const certificateHolder = card('dependent');
    await listLoaded(page);
    const before = await rowsOf(page, certificateHolder).count();

    const calls = await checkInAtKiosk(certificateHolder, { useCertificates: true });
    assert.equal(calls.length, 2, 'the yes asked the qualification a second time');
    await waitForRows(page, certificateHolder, before + 1);
    const row = rowsOf(page, certificateHolder).first();
    const certificate = row.locator('.benefits .public-expense');
    assert.equal(await certificate.count(), 1);
    const agreed = calls[1].answer.public_expense[0];
    assert.equal(await certificate.getAttribute('data-kind'), 'intractable_disease');
    assert.equal(await certificate.getAttribute('data-payer'), agreed.payer_number);
    assert.equal(await certificate.getAttribute('data-recipient'), agreed.recipient_number);
    assert.match(await certificate.locator('.kohi-name').textContent(), new RegExp(`^難病（特定医療費） 法別${agreed.payer_number.slice(0, 2)}$`));
    assert.equal(await certificate.locator('.kohi-numbers').textContent(),
      `公費負担者番号 ${agreed.payer_number}　受給者番号 ${agreed.recipient_number}`);

    const assisted = card('valid');
    const assistedBefore = await rowsOf(page, assisted).count();
    const assistedCalls = await checkInAtKiosk(assisted, {});
    assert.equal(assistedCalls.length, 1, '医療扶助 needs no question');
    await waitForRows(page, assisted, assistedBefore + 1);
    const assistance = rowsOf(page, assisted).first().locator('.benefits .public-expense');
    assert.equal(await assistance.count(), 1);
    assert.equal(await assistance.getAttribute('data-kind'), 'medical_assistance');
    assert.match(await assistance.locator('.kohi-name').textContent(), /^生活保護（医療扶助） 法別12$/);
    const tickets = assistance.locator('.kohi-ticket');
    const answered = assistedCalls[0].answer.public_expense[0].tickets;
    assert.equal(await tickets.count(), answered.length);
    for (const [index, ticket] of answered.entries()) {
      const shown = tickets.nth(index);
      assert.equal(await shown.getAttribute('data-kind'), ticket.kind);
      assert.equal(await shown.getAttribute('data-month'), ticket.treatment_month);
      assert.equal(await shown.getAttribute('data-self-pay'), String(ticket.self_pay_yen));
      const text = await shown.textContent();
      assert.ok(text.includes(ticket.designated_facility_name) && text.includes(ticket.designated_facility_code), text);
      assert.match(text, new RegExp(`本人支払額 ${ticket.self_pay_yen.toLocaleString('en-US')}円$`));
    }
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.match(await assistance.locator('.kohi-name').textContent(), /^生活保護（医療扶助） 法別12 \(Public assistance \(medical aid\), law code 12\)$/);
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');
    assert.deepEqual(await auditStaffBothSizes(page, 'rows'), []);
    await context.close();
  });

  test('a no leaves the 受給者証 off the staff row, which is still the one row of the visit', async () => {
    const { page, context } = await openStaff(env.browser, env.stack);
    const certificateHolder = card('dependent');
    await listLoaded(page);
    const before = await rowsOf(page, certificateHolder).count();
    const calls = await checkInAtKiosk(certificateHolder, { useCertificates: false });
    assert.equal(calls.length, 1);
    await waitForRows(page, certificateHolder, before + 1);
    const row = rowsOf(page, certificateHolder).first();
    assert.equal(await row.locator('.public-expense').count(), 0);
    assert.doesNotMatch(await row.textContent(), /難病|特定医療費|公費負担者番号/);
    await context.close();
  });

  /** Staff type a 資格確認書's numbers and the birth date into the by-number form and wait for the answer. */
  async function checkByNumber(page, { insurer, symbol, number, branch, birthDate }) {
    await page.fill('#insurer-number', insurer);
    await page.fill('#symbol', symbol ?? '');
    await page.fill('#number', number);
    await page.fill('#branch', branch ?? '');
    await page.fill('#birth-date', birthDate);
    // The console asks the facility's terminal first (no bridge runs here, so it answers bridge_not_connected),
    // then onshi: the answer is onshi's.
    const answered = page.waitForResponse((response) => response.url().endsWith('/qualification/by-number'));
    await page.click('#by-number-submit');
    const answer = await (await answered).json();
    await page.waitForSelector('#by-number-result');
    return answer;
  }

  test('a by-number check carries 医療扶助 with its tickets and never a 受給者証, which only the reader asks about', async () => {
    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const assisted = card('valid');
    // 山田 太郎's 資格確認書: 全国健康保険協会 東京支部 01130012, 記号 2100, 番号 100, 枝番 00.
    const answer = await checkByNumber(page,
      { insurer: '01130012', symbol: '2100', number: '100', branch: '00', birthDate: assisted.birth_date });
    assert.equal(answer.public_expense.length, 1);
    assert.equal(answer.certificates_on_offer ?? false, false);
    const shown = page.locator('#by-number-result .public-expense');
    assert.equal(await page.getAttribute('#by-number-result .public-expense-answer', 'data-count'), '1');
    assert.equal(await shown.getAttribute('data-kind'), 'medical_assistance');
    assert.equal(await shown.locator('.kohi-ticket').count(), answer.public_expense[0].tickets.length);
    assert.ok(answer.public_expense[0].tickets.length > 0, 'this month\'s 医療券 and 調剤券');
    assert.deepEqual(await auditStaffBothSizes(page, 'by-number'), []);

    // 山田 花子 holds a 難病 受給者証, which a by-number answer leaves out: she shows the paper one at the counter.
    const certificateHolder = card('dependent');
    const calls = await checkInAtKiosk(certificateHolder, { useCertificates: false });
    const record = calls[0].answer.records[0];
    const theirs = await checkByNumber(page, {
      insurer: record.insurer_number, symbol: record.symbol, number: record.number, branch: record.branch,
      birthDate: certificateHolder.birth_date,
    });
    assert.deepEqual(theirs.public_expense ?? [], []);
    // The console replaces the first answer with this one.
    await page.waitForSelector('#by-number-result .public-expense-answer[data-count="0"]');
    assert.match(await page.textContent('#by-number-result'), new RegExp(certificateHolder.name));
    assert.equal(await page.textContent('#by-number-result .public-expense-answer dd'), 'なし');
    assert.doesNotMatch(await page.textContent('#by-number-result'), /難病|54131016/);
    await context.close();
  });
  // Last in the file: it gives 高橋 ハナ a 受給者証 the tests above do not expect.
  test('a city registers a 受給者証 through its own batch: a faulty file changes nothing, and the next check-in asks', async () => {
    const holder = card('elderly');
    // 重度心身障害者医療費 is a city's own 助成: its payer number carries no national 法別番号.
    const city = { payer_number: '80131014', name: '模擬市 重度心身障害者医療' };
    const issued = await env.stack.postOriginAdmin('/admin/v1/public-expense-payers', city);
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const upload = async (rows) => {
      const response = await fetch(`${env.stack.originUrl}/public-expense/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${issued.body.token}`, 'content-type': 'application/x-ndjson' },
        body: rows.map((row) => JSON.stringify(row)).join('\n'),
      });
      return { status: response.status, body: await response.json() };
    };
    const certificate = (recipient) => ({
      individual_number: demoIndividualNumber(holder), kind: 'severe_disability', recipient_number: recipient,
      validity: { valid_from: '2026-04-01' }, monthly_self_pay_yen: 0,
    });

    // The first file holds a good row and one whose 受給者番号 fails its check digit: refused whole, the fault named.
    const refused = await upload([certificate('3012341'), certificate('2345677')]);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'bad_request');
    assert.equal(refused.body.total_errors, 1);
    assert.deepEqual(refused.body.rows.map((row) => [row.line, row.field, row.code]), [[2, 'recipient_number', 'invalid']]);

    // The fixed file goes in.
    const applied = await upload([certificate('2345676')]);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.equal(applied.body.rows_total, 1);

    // At the kiosk she is asked whether to use it; yes carries it, the good row of the refused file never arrived.
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    const calls = watchQualifications(page);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    await page.click('#certificates-yes');
    await page.waitForSelector('#public-expense[data-count="1"]');
    const carried = calls.at(-1).answer.public_expense;
    assert.deepEqual(carried.map((expense) => [expense.kind, expense.payer_number, expense.recipient_number]),
      [['severe_disability', city.payer_number, '2345676']]);
    assert.doesNotMatch(await page.textContent('main'), /重度|障害/);
    await context.close();
  });
});
