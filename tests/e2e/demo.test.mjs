// The demo path: no test fake is installed; the person presses the kiosk's own 「仮想カードリーダーで試す」 button,
// which loads the virtual reader shipped in demo builds and runs the same WebUSB code as with hardware.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { enrolKiosk, enterPin, screen, screenshot, useStack } from './support.mjs';

const env = useStack();

test('the demo virtual reader lists every demo card and checks one in', async () => {
  const holder = DEMO_CARDS.find((c) => c.scenario === 'elderly');
  const context = await env.browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto(env.stack.url);
  // A fresh browser profile is not an enrolled kiosk yet: staff type a one-time code first.
  await enrolKiosk(page, env.stack);
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
