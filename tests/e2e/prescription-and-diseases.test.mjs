// End to end: what the counter needs beside the qualification — the prescription format the patient chose on the
// consent screen (電子処方箋 or 紙, a required choice sent with the consent), and the 特定疾病療養受療証 of the
// answer with its own consent question (its category reaches staff only after yes) — in headless Chromium against
// the real edge and origin, in every language under axe-core.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { auditScreen, enterPin, openKiosk, routeAnswers, screen, useStack, waitForAnswer } from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};


describe('the prescription format and the 特定疾病 on the result', () => {
  const env = useStack();

  test('電子処方箋 is a required, labelled choice, sent with the consent and shown once recorded', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    // The format is the question after the sharing one: nothing is sent before it, whatever the first answer.
    const consentCalls = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/consent') consentCalls.push(r); });
    await page.click('#consent-comprehensive');
    // Two large buttons, named by their labels (the key number is not read out), grouped under the question.
    assert.equal(await page.getByRole('button', { name: '電子処方箋', exact: true }).count(), 1);
    assert.equal(await page.getByRole('button', { name: '紙の処方箋', exact: true }).count(), 1);
    assert.equal(await page.getByRole('group', { name: /処方箋の受け取り方法/ }).count(), 1);
    for (const id of ['prescription-electronic', 'prescription-paper']) {
      const box = await page.locator(`#${id}`).boundingBox();
      assert.ok(Math.min(box.width, box.height) >= 44, `${id}: ${JSON.stringify(box)}`);
    }
    assert.equal(consentCalls.length, 0, 'nothing is sent before the format is chosen');
    // This patient holds no 特定疾病療養受療証: the format follows the sharing question, with no question between.
    assert.equal(await page.locator('#specific-disease-question').count(), 0);
    assert.deepEqual(await auditScreen(page, 'result-prescription'), []);

    const sent = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/consent');
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/consent');
    await page.click('#prescription-electronic');
    assert.deepEqual(JSON.parse((await sent).postData()), { kinds: ['comprehensive'], prescription: 'electronic' });
    assert.equal((await answered).status(), 200, 'the edge accepted the consent with its prescription format');
    await page.waitForSelector('#prescription-recorded');
    assert.equal(await page.getAttribute('#prescription-recorded', 'data-prescription'), 'electronic');
    assert.match(await page.textContent('#prescription-recorded'), /電子処方箋/);
    // The counter sees it: the staff check-in list (edge → origin) carries this visit's format.
    const staff = await env.stack.openStaffSession();
    const list = await staff.call('/api/v1/staff/checkins');
    assert.equal(list.status, 200);
    const latest = (await list.json()).checkins.find((checkin) => checkin.name === holder.name);
    assert.equal(latest?.prescription, 'electronic', 'the newest check-in of the card holder shows 電子処方箋');
    assert.deepEqual(await auditScreen(page, 'result-prescription-recorded'), []);
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.match(await page.textContent('#prescription-recorded'), /Electronic prescription/);
    await context.close();
  });

  test('the keypad answers by the numbers on the buttons, goes back after agreeing, and declining records the format', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    // 1: agree to everything; the next question takes the focus, as a new screen's heading would.
    await page.keyboard.press('1');
    await page.waitForSelector('#prescription-paper');
    assert.equal(await focused(), 'consent-heading');
    // The patient changes their mind before the format: Backspace goes back, and nothing was sent.
    await page.keyboard.press('Backspace');
    await page.waitForSelector('#consent-decline');
    assert.equal(await focused(), 'consent-heading');
    // 3: do not agree; 2: paper, which sends.
    await page.keyboard.press('3');
    await page.waitForSelector('#prescription-paper');
    const sent = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/consent');
    await page.keyboard.press('2');
    assert.deepEqual(JSON.parse((await sent).postData()), { kinds: [], prescription: 'paper' });
    await page.waitForSelector('#prescription-recorded');
    assert.match(await page.textContent('#prescription-recorded'), /紙の処方箋/);
    await context.close();
  });

  test('a 特定疾病療養受療証 on the answer is shown as applying, with its limit and end date, never its disease', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    // The answer comes from the real origin; one certificate is added to its record on the way, as an insurer
    // with a dialysis patient would have recorded it (category "1", ¥10,000 a month).
    let answered = null;
    await routeAnswers(page, (answer) => {
      assert.equal(answer.records.length, 1);
      answer.records[0].specific_diseases = [
        { disease_category: '1', valid_from: '2026-04-01', valid_until: '2027-03-31', monthly_self_pay_yen: 10000 },
      ];
      answered = answer;
    });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.ok(answered, 'the answer passed through the test');
    const shown = page.locator('.specific-disease');
    assert.equal(await shown.count(), 1);
    const summary = await page.textContent('#result');
    assert.match(summary, /特定疾病療養受療証/);
    // Others in the waiting room can see the screen: it says that a certificate applies, never the disease.
    assert.match(await shown.textContent(), /適用あり/);
    assert.doesNotMatch(await page.textContent('main'), /人工透析|慢性腎不全|血液凝固|HIV/);
    assert.equal(await shown.getAttribute('data-category'), null, 'not even in the page\'s attributes');
    assert.match(await shown.textContent(), /10,000円/);
    assert.match(await shown.textContent(), /2027-03-31/);
    assert.deepEqual(await auditScreen(page, 'result-specific-disease'), []);
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.match(await shown.textContent(), /Applies/);
    assert.doesNotMatch(await page.textContent('main'), /dialysis|人工透析/i);
    await context.close();
  });

  test('the origin\'s own 特定疾病療養受療証 (the elderly demo person\'s) reaches the result, its limit intact and its disease unsaid', async () => {
    const holder = card('elderly');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    const shown = page.locator('.specific-disease');
    assert.equal(await shown.count(), 1);
    assert.match(await shown.textContent(), /適用あり/);
    assert.doesNotMatch(await page.textContent('main'), /人工透析|慢性腎不全/);
    assert.match(await shown.textContent(), /月10,000円/);
    await context.close();
  });

  test('a 特定疾病 holder is asked its own consent after the sharing question, by keypad too, and staff see the category only after yes', async () => {
    const holder = card('elderly');
    const staff = await env.stack.openStaffSession();
    const staffRow = async () => {
      const list = await staff.call('/api/v1/staff/checkins');
      assert.equal(list.status, 200);
      return (await list.json()).checkins.find((checkin) => checkin.name === holder.name);
    };
    const visit = async (answerYes) => {
      const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: answerYes });
      const answered = waitForAnswer(page);
      await page.click('#connect');
      await enterPin(page, holder.pin);
      await screen(page, 'result');
      const answer = await answered;
      // The kiosk is told only that the question is due: the certificate's category never reaches it.
      assert.equal(answer.specific_disease_question_due, true);
      assert.equal(answer.records[0].specific_diseases[0].disease_category, '');
      // 1: 包括同意. The 特定疾病 question follows as its own step, named by its group, with the key numbers.
      await page.keyboard.press('1');
      await page.waitForSelector('#specific-disease-question');
      assert.equal(await page.getByRole('group', { name: /特定疾病療養受療証/ }).count(), 1);
      assert.equal(await page.getByRole('button', { name: '同意する', exact: true }).count(), 1);
      assert.equal(await page.getByRole('button', { name: '同意しない', exact: true }).count(), 1);
      assert.doesNotMatch(await page.textContent('main'), /人工透析|慢性腎不全|血液凝固|HIV/);
      if (answerYes) assert.deepEqual(await auditScreen(page, 'result-specific-disease-question'), []);
      // Backspace goes back to the first question; 1 again, then the answer by its number, then 2: paper, which sends.
      await page.keyboard.press('Backspace');
      await page.waitForSelector('#consent-decline');
      await page.keyboard.press('1');
      await page.waitForSelector('#specific-disease-yes');
      await page.keyboard.press(answerYes ? '1' : '2');
      await page.waitForSelector('#prescription-paper');
      const sent = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/consent');
      const recorded = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/consent');
      await page.keyboard.press('2');
      const kinds = answerYes ? ['comprehensive', 'specific_disease'] : ['comprehensive'];
      assert.deepEqual(JSON.parse((await sent).postData()), { kinds, prescription: 'paper' });
      assert.equal((await recorded).status(), 200);
      await page.waitForSelector('#consent-recorded');
      await context.close();
    };

    // No first: staff see the certificate and its limit, and that there is no consent; never the category.
    await visit(false);
    const refused = await staffRow();
    assert.equal(refused.specific_diseases[0].disease_category, '');
    assert.equal(refused.specific_diseases[0].monthly_self_pay_yen, 10000);
    assert.ok(!refused.consents.includes('specific_disease'));
    // Yes at the next visit: the category reaches staff.
    await visit(true);
    const consented = await staffRow();
    assert.equal(consented.specific_diseases[0].disease_category, '1');
    assert.ok(consented.consents.includes('specific_disease'));
  });

  test('every demo card shows exactly the 特定疾病療養受療証 the origin answered, and none when there is none', async () => {
    for (const scenario of ['elderly', 'dependent']) {
      const holder = card(scenario);
      const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
      const answered = waitForAnswer(page);
      await page.click('#connect');
      await enterPin(page, holder.pin);
      await screen(page, 'result');
      const answer = await answered;
      const expected = answer.records.reduce((n, record) => n + (record.specific_diseases?.length ?? 0), 0);
      assert.equal(await page.locator('.specific-disease').count(), expected, scenario);
      if (expected === 0) assert.doesNotMatch(await page.textContent('#result'), /特定疾病/, scenario);
      await context.close();
    }
  });
});
