// The demo path: no test fake is installed; the person presses the kiosk's own 「仮想カードリーダーで試す」 button,
// which loads the virtual reader shipped in demo builds and runs the same WebUSB code as with hardware.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_CARDS, startStack } from '../../xtask/stack.mjs';
import { enrolKiosk, enterPin, launchChromium, screen, screenshot } from './support.mjs';

let stack;
let browser;
before(async () => {
  stack = await startStack();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the demo virtual reader lists every demo card and checks one in', async () => {
  const holder = DEMO_CARDS.find((c) => c.scenario === 'elderly');
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto(stack.url);
  // A fresh browser profile is not an enrolled kiosk yet: staff type a one-time code first.
  await enrolKiosk(page, stack);
  await screen(page, 'welcome');
  await page.waitForSelector('#virtual-card option', { state: 'attached' });
  const labels = await page.$$eval('#virtual-card option', (options) => options.map((o) => o.textContent));
  assert.deepEqual(labels, DEMO_CARDS.map((c) => c.label));
  await page.selectOption('#virtual-card', String(holder.index));
  await screenshot(page, '00-demo-welcome');
  await page.click('#use-virtual');
  await enterPin(page, holder.pin);
  await screen(page, 'result');
  assert.equal(await page.textContent('#validity'), '有効');
  assert.equal(await page.textContent('#ratio'), '1割');
  await context.close();
});
