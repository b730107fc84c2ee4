// End to end: the patient's aids. やさしい日本語 with ふりがな, large text and high contrast stay on for this patient
// and are gone for the next one; voice guidance (the browser's speech synthesis, instrumented here so the test hears
// what is said) speaks each screen's main sentence and next step, the number of PIN digits and never a digit, the
// idle warning and the card-left-behind alert, and says on screen when it has no voice for the language. A wait's
// spinner shows only once the wait has lasted half a second, and stays still when the patient asked for less motion.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { axeViolations, instrumentSpeech, openKiosk, screen, screenshot, useStack } from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

const spoken = (page) => page.evaluate(() => window.__spoken.map((u) => u.text));
const spokenSince = async (page, from) => (await spoken(page)).slice(from);
/** Waits until `text` has been spoken (after the first `from` utterances). */
const heard = (page, text, from = 0) => page.waitForFunction(
  ([text, from]) => window.__spoken.slice(from).some((u) => u.text === text), [text, from],
);

describe('the patient aids: plain Japanese, large text, high contrast, voice', () => {
  const env = useStack();

  test('やさしい日本語 shows ruby over the kanji; large text and high contrast last for this patient only', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('nav.langs button[lang="ja-x-easy"]');
    await page.waitForSelector('main[lang="ja-x-easy"]');
    assert.equal(await page.textContent('#heading rt'), 'うけつけ', 'the reading over 受付');
    assert.match(await page.evaluate(() => document.querySelector('#heading ruby').firstChild.textContent), /受付/);
    await page.click('#aid-large');
    await page.click('#aid-contrast');
    await page.waitForSelector('html.large-text.high-contrast');
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '26px');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(0, 0, 0)');
    const problems = [];
    for (const v of await axeViolations(page)) problems.push(`welcome/all aids: ${JSON.stringify(v)}`);
    await screenshot(page, 'screens/welcome.ja-x-easy.large.contrast');

    // The aids go with the patient through the check-in.
    await page.click('#connect');
    await screen(page, 'pin');
    assert.ok(await page.$('html.large-text.high-contrast'));
    assert.ok(await page.$('#heading ruby'), 'the PIN pad, too, has its readings');
    for (const v of await axeViolations(page)) problems.push(`pin/all aids: ${JSON.stringify(v)}`);
    await screenshot(page, 'screens/pin.ja-x-easy.large.contrast');
    for (const digit of holder.pin) await page.keyboard.press(digit);
    await page.keyboard.press('Enter');
    await screen(page, 'result');
    for (const v of await axeViolations(page)) problems.push(`result/all aids: ${JSON.stringify(v)}`);
    await screenshot(page, 'screens/result.ja-x-easy.large.contrast');
    assert.deepEqual(problems, []);

    // The next patient finds the kiosk as the first one did.
    await page.click('#start-over');
    await screen(page, 'welcome');
    assert.equal(await page.$('html.large-text'), null);
    assert.equal(await page.$('html.high-contrast'), null);
    assert.equal(await page.getAttribute('main', 'lang'), 'ja');
    assert.equal(await page.getAttribute('#aid-large', 'aria-pressed'), 'false');
    assert.equal(await page.getAttribute('#aid-contrast', 'aria-pressed'), 'false');
    await context.close();
  });

  test('voice guidance: screens, digit counts but never digits, the idle warning, the card left behind', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, {
      cardIndex: null, preAuthorised: true, fakeClock: true, axe: true,
    });
    await page.addInitScript(instrumentSpeech);
    await page.reload();
    await page.evaluate(() => window.__onshiFakeUsb);
    await screen(page, 'welcome');
    await page.waitForFunction(() => window.onshiVirtualUsb.slotListening);
    assert.equal(await page.textContent('#aid-voice'), '音声案内');
    assert.deepEqual(await spoken(page), [], 'silent until asked');

    // The physical key turns it on; the start screen says what it is and what to do.
    await page.keyboard.press('*');
    assert.equal(await page.getAttribute('#aid-voice', 'aria-pressed'), 'true');
    await heard(page, 'マイナンバーカードで受付します');
    await heard(page, 'カードを置くと、そのまま始まります。');

    await page.evaluate((index) => window.onshiVirtualUsb.insertCard(index), holder.index);
    await screen(page, 'pin');
    await heard(page, '暗証番号（4けた）を入力してください');
    await heard(page, '数字キーで4けたを入力し、Enterで確定してください。Backspaceで1字消せます。');

    // Each key says how many digits there are; a correction says it too; no digit is ever said.
    const typingFrom = (await spoken(page)).length;
    for (const digit of holder.pin.slice(0, 3)) await page.keyboard.press(digit);
    await heard(page, '3 けた入力済み', typingFrom);
    await page.keyboard.press('Backspace');
    await heard(page, '2 けた入力済み', typingFrom + 3);
    await page.keyboard.press(holder.pin[2]);
    await page.keyboard.press(holder.pin[3]);
    await heard(page, '4 けた入力済み', typingFrom);
    assert.deepEqual(await spokenSince(page, typingFrom),
      ['1 けた入力済み', '2 けた入力済み', '3 けた入力済み', '2 けた入力済み', '3 けた入力済み', '4 けた入力済み']);
    await page.keyboard.press('Enter');
    await screen(page, 'result');
    await heard(page, '有効');

    // The idle warning is spoken when it appears.
    await page.clock.fastForward(61_000);
    await page.waitForSelector('#idle-warning');
    await heard(page, 'まだご利用中ですか？');
    await page.click('#idle-extend');
    await page.waitForSelector('#idle-warning', { state: 'detached' });

    // Once the questions are answered, the card left in the reader raises a spoken alert.
    await page.click('#consent-skip');
    await page.clock.fastForward(10_000);
    await page.waitForSelector('#card-left-behind');
    await heard(page, 'カードがカードリーダーに残っています。必ずお取りください。');

    // English has a voice and is spoken in English; Nepali has none here, and the screen says so instead.
    await page.click('nav.langs button[lang="en"]');
    await heard(page, 'Your card is still in the card reader. Please take it now.');
    const langs = await page.evaluate(() => window.__spoken.map((u) => u.lang));
    assert.equal(langs.at(-1), 'en');
    const beforeNepali = (await spoken(page)).length;
    await page.click('nav.langs button[lang="ne"]');
    await page.waitForSelector('#voice-missing');
    assert.deepEqual(await spokenSince(page, beforeNepali), [], 'nothing is said without a voice');
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'screens/result-voice-missing.ne');

    const everything = await spoken(page);
    assert.ok(everything.every((text) => !text.includes(holder.pin)), 'the PIN is never spoken');

    // Voice guidance, too, belongs to this patient.
    await page.click('#start-over');
    await screen(page, 'welcome');
    assert.equal(await page.getAttribute('#aid-voice', 'aria-pressed'), 'false');
    await context.close();
  });

  test('a wait shows its spinner only once it has lasted half a second, turning, or still when motion is reduced', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack);
    // The spinner of the kiosk's progress screens, under the kiosk's own stylesheet; its CSS animations are moved
    // to a given moment of the wait rather than waited for.
    const spinnerAt = (ms) => page.evaluate((ms) => {
      let spinner = document.querySelector('#spinner-probe');
      if (!spinner) {
        spinner = Object.assign(document.createElement('div'), { id: 'spinner-probe', className: 'spinner' });
        document.body.append(spinner);
      }
      const animations = spinner.getAnimations();
      for (const animation of animations) {
        animation.pause();
        animation.currentTime = ms;
      }
      const style = getComputedStyle(spinner);
      return { names: animations.map((a) => a.animationName).sort(), opacity: style.opacity, transform: style.transform };
    }, ms);
    const shown = await spinnerAt(0);
    assert.deepEqual(shown.names, ['appear', 'spin']);
    assert.equal(shown.opacity, '0', 'nothing flashes while an answer is still quick');
    assert.equal((await spinnerAt(499)).opacity, '0');
    const later = await spinnerAt(750);
    assert.equal(later.opacity, '1');
    assert.notEqual(later.transform, 'none', 'it turns once shown');

    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.evaluate(() => document.querySelector('#spinner-probe').remove());
    const still = await spinnerAt(750);
    assert.deepEqual(still.names, ['appear']);
    assert.equal(still.opacity, '1', 'a patient who asked for less motion still sees that the kiosk is working');
    assert.equal(still.transform, 'none');
    await context.close();
  });
});
