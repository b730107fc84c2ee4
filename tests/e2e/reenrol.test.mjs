// End to end: a kiosk whose device enrolment is gone (its admin revoked it, or it holds an identity from before the
// device id format changed) learns it from the edge's `device_not_enrolled`, forgets its identity, and asks staff
// for a new enrolment code instead of failing every check-in; once re-enrolled, check-ins work again.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { DEMO_CARDS, startStack } from '../../xtask/stack.mjs';
import {
  auditScreen, enrolKiosk, enterPin, launchChromium, openKiosk, screen, screenshot, smallTargets, useStack,
} from './support.mjs';

const validHolder = () => {
  const found = DEMO_CARDS.find((c) => c.scenario === 'valid');
  assert.ok(found, 'demo card for valid');
  return found;
};

/** The device record the kiosk keeps in IndexedDB (`onshi-kiosk` / `device` / `current`), without its key. */
async function storedDevice(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('onshi-kiosk');
    open.onerror = () => reject(new Error('IndexedDB open failed'));
    open.onsuccess = () => {
      const database = open.result;
      if (!database.objectStoreNames.contains('device')) {
        database.close();
        resolve(null);
        return;
      }
      const read = database.transaction('device', 'readonly').objectStore('device').get('current');
      read.onerror = () => reject(new Error('IndexedDB read failed'));
      read.onsuccess = () => {
        database.close();
        const record = read.result;
        resolve(record ? { id: record.id, facility_code: record.facility_code } : null);
      };
    };
  }));
}

describe('re-enrolment of a kiosk whose device the edge no longer knows', () => {
  const env = useStack();

  test('a revoked kiosk asks staff for a new code mid check-in, forgets its identity, and checks in once re-enrolled', async () => {
    const holder = validHolder();
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    const enrolled = await storedDevice(page);
    assert.ok(enrolled?.id, 'the kiosk stored its device after enrolment');
    const revoked = await env.stack.revokeDevice(enrolled.id);
    assert.deepEqual(revoked, { device_id: enrolled.id, revoked: true });

    // Each refusal is recorded as it arrives, with its body read later, so no read races the assertions.
    const refusals = [];
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (response.status() === 401 && path.startsWith('/api/')) refusals.push({ path, body: response.json() });
    });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    // The patient mid-flow sees the enrolment screen with the staff sentence, not a generic error.
    await screen(page, 'enrol');
    await page.waitForSelector('#enrol-lapsed');
    assert.equal(
      await page.textContent('#enrol-lapsed'),
      'この端末の登録は無効になりました。管理者に新しい登録コードを発行してもらい、入力してください。',
    );
    assert.equal(await page.textContent('#heading'), 'この端末の登録をやり直してください');
    assert.equal(await page.$('#failed'), null, 'no generic error screen');
    const refused = await Promise.all(refusals.map(async (r) => [r.path, (await r.body).error]));
    assert.deepEqual(refused, [['/api/v1/challenge', 'device_not_enrolled']]);
    assert.equal(await storedDevice(page), null, 'the revoked identity is gone from IndexedDB');

    await screenshot(page, 'enrol-reenrol-needed');
    assert.deepEqual(await auditScreen(page, 'enrol-reenrol-needed'), []);
    assert.deepEqual(await smallTargets(page), []);

    // A reload still shows the enrolment screen: nothing of the dead identity is left to resurrect.
    await page.reload();
    await page.evaluate(() => window.__onshiFakeUsb);
    await screen(page, 'enrol');

    await enrolKiosk(page, env.stack);
    await screen(page, 'welcome');
    const renewed = await storedDevice(page);
    assert.ok(renewed?.id, 'the kiosk stored its new device');
    assert.notEqual(renewed.id, enrolled.id, 'the new enrolment is a new device');

    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    assert.match(await page.textContent('#result'), new RegExp(holder.name));
    await context.close();
  });

  test('a wrong enrolment code after a lapsed enrolment keeps the re-enrolment sentence and says the code failed', async () => {
    const holder = validHolder();
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    const enrolled = await storedDevice(page);
    await env.stack.revokeDevice(enrolled.id);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await page.waitForSelector('#enrol-lapsed');
    await page.fill('#enrol-code', 'NOT-A-REAL-CODE');
    await page.click('#enrol-submit');
    await page.waitForSelector('#enrol-failed');
    assert.ok(await page.$('#enrol-lapsed'), 'the re-enrolment sentence stays');
    await enrolKiosk(page, env.stack);
    await screen(page, 'welcome');
    await context.close();
  });
});

/** A TCP port that was free a moment ago, so that a restarted stack can come back on the same origin. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The screens the kiosk has shown since the page loaded, from its `onshi:screen:<name>` performance marks. */
function screensShown(page) {
  return page.evaluate(() => performance.getEntriesByType('mark')
    .map((mark) => mark.name).filter((name) => name.startsWith('onshi:screen:')));
}

describe('a kiosk confirms its enrolment with the edge when it starts', () => {
  test('after the demo restarts, the kiosk opens on the enrolment screen, not a start screen that fails', async () => {
    const holder = validHolder();
    const port = await freePort();
    const browser = await launchChromium();
    let stack = await startStack({ port });
    try {
      const { page, context } = await openKiosk(browser, stack, { cardIndex: holder.index, axe: true });
      assert.ok((await storedDevice(page))?.id, 'the kiosk stored its device after enrolment');
      // `cargo xtask demo` stopped and started again: the browser keeps its key, the new edge never saw it.
      await stack.stop();
      stack = await startStack({ port });
      await page.reload();
      await page.evaluate(() => window.__onshiFakeUsb);
      await screen(page, 'enrol');
      await page.waitForSelector('#enrol-lapsed');
      assert.deepEqual(await screensShown(page), ['onshi:screen:starting', 'onshi:screen:enrol'],
        'no start screen was shown before the enrolment screen');
      assert.equal(await storedDevice(page), null, 'the identity the edge forgot is gone from IndexedDB');
      assert.deepEqual(await auditScreen(page, 'enrol-after-restart'), []);

      await enrolKiosk(page, stack);
      await screen(page, 'welcome');
      await page.click('#connect');
      await enterPin(page, holder.pin);
      await screen(page, 'result');
      assert.equal(await page.textContent('#validity'), '有効');
      await context.close();
    } finally {
      await browser.close();
      await stack.stop();
    }
  });

  describe('when the edge cannot be reached', () => {
    const env = useStack();

    test('the kiosk says the service cannot be reached instead of looking ready, and keeps its identity', async () => {
      const { page, context } = await openKiosk(env.browser, env.stack, { axe: true });
      const enrolled = await storedDevice(page);
      // The edge is down when the kiosk starts: its confirmation never gets an answer.
      await page.route('**/api/v1/device', (route) => route.abort('connectionrefused'));
      await page.reload();
      await page.evaluate(() => window.__onshiFakeUsb);
      await screen(page, 'failed');
      assert.equal(await page.getAttribute('#failed', 'data-failure'), 'ServiceUnavailable');
      assert.equal(await page.textContent('#failed [role="alert"]'),
        '資格確認サービスに接続できません。受付にお声がけください（障害時の手順で受付します）。');
      assert.ok(!(await screensShown(page)).includes('onshi:screen:welcome'), 'no ready start screen');
      assert.deepEqual(await storedDevice(page), enrolled, 'an unreachable edge does not cost the enrolment');
      assert.deepEqual(await auditScreen(page, 'failed-edge-unreachable-at-start'), []);
      await context.close();
    });
  });
});
