// End to end: the kiosk packaged as an Isolated Web App calls the edge whose origin `cargo xtask iwa --edge-url`
// baked into its start page (`<meta name="onshi-edge-url">`), not its own origin. Headless Chromium cannot install
// an IWA, so the test serves the start page with the same <meta> the bundle carries, answers the baked edge's
// origin from the real edge of the stack, and checks that every API call of an enrolment and a check-in went to
// the baked origin. (The page's Content-Security-Policy allows only its own origin; an IWA's allows https:, so the
// policy is bypassed here.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { enrolKiosk, enterPin, screen, useStack } from './support.mjs';

const BAKED_EDGE = 'https://edge.onshi.test';
const holder = DEMO_CARDS.find((c) => c.scenario === 'valid');

const env = useStack();

test('the kiosk calls the edge baked into its start page for the enrolment and the whole check-in', async () => {
  const { stack, browser } = env;
  const context = await browser.newContext({ locale: 'ja-JP', bypassCSP: true });
  const page = await context.newPage();
  const pageOrigin = new URL(stack.url).origin;
  // The start page as `cargo xtask iwa --edge-url` writes it: the <meta> right after the charset.
  for (const path of ['/', '/index.html']) {
    await page.route(`${pageOrigin}${path}`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace('<meta charset="utf-8">',
        `<meta charset="utf-8">\n  <meta name="onshi-edge-url" content="${BAKED_EDGE}">`);
      await route.fulfill({ response, body: html });
    });
  }
  const baked = [];
  await page.route(`${BAKED_EDGE}/**`, async (route) => {
    const url = new URL(route.request().url());
    baked.push(url.pathname);
    const response = await route.fetch({ url: `${stack.url}${url.pathname}${url.search}` });
    await route.fulfill({ response, headers: { ...response.headers(), 'access-control-allow-origin': pageOrigin } });
  });
  const ownApi = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === pageOrigin && url.pathname.startsWith('/api/')) ownApi.push(url.pathname);
  });
  await page.addInitScript((cardIndex) => {
    window.__onshiFakeUsb = import('/virtual-reader/fake-usb.js')
      .then((m) => m.installVirtualUsb({ cardIndex, demoControls: false }));
  }, holder.index);
  await page.goto(stack.url);
  await page.evaluate(() => window.__onshiFakeUsb);
  assert.equal(await page.getAttribute('meta[name="onshi-edge-url"]', 'content'), BAKED_EDGE);
  await enrolKiosk(page, stack);
  await screen(page, 'welcome');
  await page.click('#connect');
  await enterPin(page, holder.pin);
  await screen(page, 'result');
  assert.equal(await page.textContent('#validity'), '有効');
  // The qualification is asked in the session's request.
  assert.deepEqual(baked, ['/api/v1/devices/enrol', '/api/v1/challenge', '/api/v1/session']);
  assert.deepEqual(ownApi, [], 'no API call went to the page\'s own origin');
  await context.close();
});
