// End to end: 公費 at the kiosk, against the real edge and origin with the demo's 公費 (a 医療扶助 with this month's
// 医療券 and 調剤券 for 山田 太郎, a 難病 受給者証 for 山田 花子). The patient with a 受給者証 is asked
// 「医療費助成の受給者証を利用しますか」 before the consent, one tap each; yes asks again and the answer carries it, no
// leaves it out; the result counts the 公費 the clinic now sees and never names them. Every screen in every kiosk
// language under axe-core.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { answerConsent, auditScreen, enterPin, openKiosk, screen, screenshot, useStack } from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

/** Every `/api/v1/qualification` call the page makes, with its body and the answer's JSON. */
function watchQualifications(page) {
  const calls = [];
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname !== '/api/v1/qualification') return;
    calls.push({ body: JSON.parse(response.request().postData() ?? '{}'), answer: await response.json() });
  });
  return calls;
}

describe('公費 at the kiosk', () => {
  const env = useStack();

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
});
