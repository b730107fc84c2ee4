// End to end: a patient checks in alone. A card placed on the start screen begins the check-in without a touch
// (and nothing reaches the card before it is placed); the whole flow runs on the keys of a keyboard or numeric
// keypad; the kiosk speaks nine languages and returns to Japanese for the next person. Headless Chromium against the
// real edge and origin, with the virtual card behind the fake `navigator.usb`.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { LANGS, auditScreen, openKiosk, screen, screenshot, useStack } from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};
const usbLog = (page) => page.evaluate(() => window.onshiVirtualUsb.log.map((entry) => ({ ...entry })));
/** CCID messages the kiosk sent (bulk OUT), by their message type: 0x6F XfrBlock carries an APDU, 0x62 powers on. */
const sentOfType = (log, type) => log.filter((e) => e.dir === 'out' && e.hex.startsWith(type));

/** Presses Tab until `selector` has the focus (at most 40 times), as a keyboard user moves through the screen. */
async function tabTo(page, selector) {
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${selector}`);
}

/** The focused control shows a visible focus ring (an outline of at least 2 px). */
async function focusIsVisible(page) {
  return page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  });
}

describe('touch-free start, keys alone, and nine languages', () => {
  const env = useStack();

  test('a card placed on the start screen begins the check-in, and no APDU was sent before it', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: null, preAuthorised: true });
    await page.waitForSelector('#reader-status[data-reader="connected"]');
    // The kiosk opened the remembered reader by itself and listens on its interrupt endpoint for a card.
    await page.waitForFunction(() => window.onshiVirtualUsb.slotListening);
    const before = await usbLog(page);
    assert.ok(sentOfType(before, '65').length >= 1, 'the reader was asked for its slot status (GetSlotStatus)');
    assert.deepEqual(sentOfType(before, '6f'), [], 'no APDU reached the reader before the card was placed');
    assert.deepEqual(sentOfType(before, '62'), [], 'nothing was powered on before the card was placed');
    await screenshot(page, 'screens/welcome-touch-free.ja');

    await page.evaluate((index) => window.onshiVirtualUsb.insertCard(index), holder.index);
    await screen(page, 'pin');
    const after = await usbLog(page);
    const placedAt = after.findIndex((e) => e.dir === 'interrupt' && e.hex === '5003');
    const firstApdu = after.findIndex((e) => e.dir === 'out' && e.hex.startsWith('6f'));
    assert.ok(placedAt >= 0, 'the reader announced the card on its interrupt endpoint');
    assert.ok(firstApdu > placedAt, 'the first APDU followed the card being placed');
    assert.equal(await page.evaluate(() => window.onshiVirtualUsb.requestDeviceCalls), 0, 'no chooser');
    await context.close();
  });

  test('an RC-S380 (NFC Port-100) begins the check-in when a card is placed, with no SELECT sent before', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, {
      cardIndex: null, preAuthorised: true, readerKind: 'rcs380',
    });
    await page.waitForSelector('#reader-status[data-reader="connected"]');
    // The reader has no interrupt endpoint: the kiosk polls with the reader's own RF poll (no APDU).
    await page.waitForFunction(() => window.onshiVirtualUsb.log.filter((e) => e.dir === 'out').length >= 4);
    const before = await usbLog(page);
    assert.equal(before.filter((e) => e.dir === 'out' && e.hex.includes('00a4040c')).length, 0, 'no SELECT APDU yet');
    await page.evaluate((index) => window.onshiVirtualUsb.insertCard(index), holder.index);
    await screen(page, 'pin');
    const after = await usbLog(page);
    assert.ok(after.some((e) => e.dir === 'out' && e.hex.includes('00a4040c')), 'the card is selected once placed');
    await context.close();
  });

  test('a card left on the reader does not start the next check-in; pressing start still works', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, preAuthorised: true });
    await page.waitForFunction(() => window.onshiVirtualUsb.slotListening);
    assert.equal(await page.getAttribute('main', 'data-screen'), 'welcome');
    await page.click('#connect');
    await screen(page, 'pin');
    await context.close();
  });

  test('at the registration point a card placed on the reader begins the registration', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: null, preAuthorised: true });
    await page.goto(`${env.stack.url}/?mode=register`);
    await page.evaluate(() => window.__onshiFakeUsb);
    await screen(page, 'welcome');
    await page.waitForFunction(() => window.onshiVirtualUsb.slotListening);
    assert.deepEqual(sentOfType(await usbLog(page), '6f'), []);
    await page.evaluate((index) => window.onshiVirtualUsb.insertCard(index), holder.index);
    await screen(page, 'pin');
    for (const digit of holder.pin) await page.keyboard.press(digit);
    await page.keyboard.press('Enter');
    await screen(page, 'registration-terms');
    await context.close();
  });

  test('a whole check-in by keyboard alone: digits, Backspace, Enter, Tab and Space, Escape', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    // Enter on the start screen starts (the chooser opens: this reader was not chosen before).
    await page.keyboard.press('Enter');
    await screen(page, 'pin');
    const keypad = await page.$$eval('.keypad button.key[data-digit]', (keys) => keys.map((k) => k.dataset.digit).join(''));
    assert.equal(keypad, '1234567890', 'the keypad is in its fixed order, never shuffled');
    // A wrong digit, corrected with Backspace; the screen reader hears how many digits there are, never which.
    await page.keyboard.press(holder.pin[0]);
    await page.keyboard.press('9');
    await page.waitForSelector('.dot.filled >> nth=1');
    await page.keyboard.press('Backspace');
    await page.waitForFunction(() => document.querySelectorAll('.dot.filled').length === 1);
    for (const digit of holder.pin.slice(1)) await page.keyboard.press(digit);
    const label = await page.getAttribute('.pin-dots', 'aria-label');
    assert.match(label, /4/);
    assert.doesNotMatch(label, new RegExp(holder.pin));
    await page.keyboard.press('Enter');
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');

    // The consent questions by Tab, Space and Enter, each control showing where the focus is: single kinds ticked
    // one by one, then the prescription format.
    await tabTo(page, '#consent-choose');
    assert.ok(await focusIsVisible(page), 'the focused button is visibly marked');
    await page.keyboard.press('Enter');
    await tabTo(page, '#consent-medication');
    assert.ok(await focusIsVisible(page), 'the focused box is visibly marked');
    await page.keyboard.press('Space');
    await tabTo(page, '#consent-agree');
    await page.keyboard.press('Enter');
    await tabTo(page, '#prescription-electronic');
    assert.ok(await focusIsVisible(page), 'the focused choice is visibly marked');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#consent-recorded');
    assert.equal(await page.getAttribute('#consent-recorded', 'data-kinds'), 'medication');
    await page.evaluate(() => window.onshiVirtualUsb.removeCard());
    await page.waitForSelector('#card-taken');
    // Escape cancels: back to the start screen, ready for the next person.
    await page.keyboard.press('Escape');
    await screen(page, 'welcome');

    // Enter starts again and asks for the card; Escape calls it off.
    await page.keyboard.press('Enter');
    await screen(page, 'insert-card');
    await page.keyboard.press('Escape');
    await screen(page, 'welcome');
    // The card placed again starts by itself (the reader is a remembered one now); Escape on the PIN pad calls the
    // check-in off and forgets the digits.
    await page.waitForFunction(() => window.onshiVirtualUsb.slotListening);
    await page.evaluate((index) => window.onshiVirtualUsb.insertCard(index), holder.index);
    await screen(page, 'pin');
    await page.keyboard.press('1');
    await page.waitForSelector('.dot.filled');
    await page.keyboard.press('Escape');
    await screen(page, 'welcome');
    await context.close();
  });

  test('nine languages on the switcher; the language returns to Japanese at the idle reset', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { fakeClock: true, axe: true });
    const offered = await page.$$eval('nav.langs button[lang]', (buttons) => buttons.map((b) => b.lang));
    assert.deepEqual(offered, LANGS);
    const problems = await auditScreen(page, 'welcome-languages');
    assert.deepEqual(problems, []);
    await page.click('nav.langs button[lang="ne"]');
    await page.waitForSelector('main[lang="ne"]');
    assert.match(await page.textContent('h2#heading'), /My Number कार्ड/);
    await page.clock.fastForward(61_000);
    await page.waitForSelector('main[lang="ne"] #idle-warning');
    await page.clock.fastForward(31_000);
    await page.waitForSelector('main[lang="ja"]');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
    await context.close();
  });
});
