// End to end: the real kiosk in headless Chromium, the virtual card behind a fake `navigator.usb` speaking CCID,
// the real edge in workerd and the real origin on SQLite.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { auditScreen, enterPin, jsonStrings, openKiosk, screen, screenshot, useStack } from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};
const wrongPin = (pin) => pin.split('').map((d) => String((Number(d) + 1) % 10)).join('');

describe('check-in with a virtual card', () => {
  const env = useStack();

  test('a registered card with the right PIN shows 有効 and the PIN goes nowhere but the card', async () => {
    const holder = card('valid');
    const { page, context, requests } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await screenshot(page, '01-welcome');
    await page.click('#connect');
    await screen(page, 'pin');
    assert.match(await page.textContent('#tries-left'), /3/);
    await screenshot(page, '02-pin');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    await screenshot(page, '03-result-valid');
    assert.equal(await page.textContent('#validity'), '有効');
    assert.match(await page.textContent('#result'), new RegExp(holder.name));
    assert.equal(await page.textContent('#ratio'), '3割');

    const apiCalls = requests.filter((r) => new URL(r.url).pathname.startsWith('/api/'));
    // The qualification is asked in the session's request, so the answer comes in one round trip.
    assert.deepEqual(apiCalls.map((r) => new URL(r.url).pathname),
      ['/api/v1/devices/enrol', '/api/v1/challenge', '/api/v1/session']);
    assert.ok(JSON.parse(apiCalls[2].body).qualification, 'the session request asked the qualification');
    for (const request of requests) {
      if (!request.body) continue;
      const { keys, values } = request.body.trim().startsWith('{')
        ? jsonStrings(JSON.parse(request.body))
        : { keys: [], values: [request.body] };
      // No field is named for a PIN, and no value is the PIN (a base64 signature may spell "pin" by chance).
      assert.ok(!keys.some((k) => /pin/i.test(k)), `a PIN-like field name in ${request.url}: ${keys.join()}`);
      assert.ok(!values.some((v) => v === holder.pin), `the PIN as a value in ${request.url}`);
    }
    const pinWord = new RegExp(`(^|\\D)${holder.pin}(\\D|$)`);
    assert.ok(!env.stack.logs.some((line) => pinWord.test(line)), 'no server log line contains the PIN');
    const fakeLog = await page.evaluate(() => window.onshiVirtualUsb.log.length);
    assert.ok(fakeLog > 0, 'the kiosk spoke to the reader over WebUSB');
    await context.close();
  });

  test('a card not registered for insurance shows 該当資格なし with the 申立書 path, never 10割', async () => {
    const holder = card('unregistered');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    await screenshot(page, '04-result-no-qualification');
    assert.equal(await page.textContent('#validity'), '該当資格なし');
    assert.match(await page.textContent('#guidance'), /被保険者資格申立書/);
    assert.doesNotMatch(await page.textContent('#result'), /10割/);
    await context.close();
  });

  test('a lost qualification shows 無効 with the 申立書 path', async () => {
    const holder = card('lost');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '無効');
    assert.match(await page.textContent('#guidance'), /被保険者資格申立書/);
    await context.close();
  });

  test('a wrong PIN shows the tries left, and the right one still checks in', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await page.click('#connect');
    await enterPin(page, wrongPin(holder.pin));
    await screen(page, 'pin');
    await page.waitForSelector('.warning');
    assert.match(await page.textContent('#tries-left'), /2/);
    await screenshot(page, '05-pin-wrong');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    await context.close();
  });

  test('three wrong PINs end on the blocked screen', async () => {
    const holder = card('dependent');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await page.click('#connect');
    await enterPin(page, wrongPin(holder.pin));
    await page.waitForSelector('#tries-left:has-text("2")');
    await enterPin(page, wrongPin(holder.pin));
    await page.waitForSelector('#tries-left:has-text("1")');
    await enterPin(page, wrongPin(holder.pin));
    // At one try left the kiosk asks before it sends the PIN that could lock the card.
    await page.waitForSelector('#last-try');
    await page.click('#last-try-send');
    await screen(page, 'blocked');
    await screenshot(page, '06-blocked');
    assert.match(await page.textContent('#blocked'), /市区町村/);

    // The card is blocked now: a new check-in with it stops before the PIN pad.
    await page.click('#start-over');
    await screen(page, 'welcome');
    await page.click('#connect');
    await screen(page, 'blocked');
    await context.close();
  });

  test('a CCID reader refused by the browser says why and what works', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: 0, refuseProtectedClass: true });
    await page.click('#connect');
    await screen(page, 'failed');
    await screenshot(page, '07-reader-refused');
    assert.equal(await page.getAttribute('#failed', 'data-failure'), 'ReaderRefusedCcid');
    assert.match(await page.textContent('#failed'), /RC-S380/);
    await context.close();
  });
});

describe('check-in while the origin is down', () => {
  const env = useStack({}, (stack) => stack.stopOrigin());

  test('ends in the outage procedure, not in a result', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'failed');
    await screenshot(page, '08-origin-down');
    assert.equal(await page.getAttribute('#failed', 'data-failure'), 'ServiceUnavailable');
    assert.deepEqual(await auditScreen(page, 'failed-origin-down'), []);
    await context.close();
  });
});
