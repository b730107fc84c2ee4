// The demo path: no test fake is installed; the person presses the kiosk's own 「仮想カードリーダーで試す」 button,
// which loads the virtual reader shipped in demo builds and runs the same WebUSB code as with hardware.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { DEMO_CARDS, ROOT } from '../../xtask/stack.mjs';
import {
  addAxe, auditScreen, enrolKiosk, enterPin, launchChromium, openKiosk, screen, screenshot, smallTargets, useStack,
} from './support.mjs';

const env = useStack();

/**
 * The picker's cards: the demo people of demo-cards.json, then the five dated cards (onshi-vcard `dated`), each a
 * demo person's card with its state in brackets.
 */
function assertDemoCardLabels(labels) {
  assert.deepEqual(labels.slice(0, DEMO_CARDS.length), DEMO_CARDS.map((c) => c.label));
  const dated = labels.slice(DEMO_CARDS.length);
  assert.equal(dated.length, 5, JSON.stringify(dated));
  for (const label of dated) {
    assert.ok(DEMO_CARDS.some((c) => label.startsWith(`${c.label}（`)) && label.endsWith('）'), label);
  }
}

test('the demo virtual reader lists every demo card and checks one in', async () => {
  const holder = DEMO_CARDS.find((c) => c.scenario === 'elderly');
  const context = await env.browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto(env.stack.url);
  // A fresh browser profile is not an enrolled kiosk yet: staff type a one-time code first.
  await enrolKiosk(page, env.stack);
  await screen(page, 'welcome');
  await page.waitForSelector('#virtual-card option', { state: 'attached' });
  assertDemoCardLabels(await page.$$eval('#virtual-card option', (options) => options.map((o) => o.textContent)));
  await page.selectOption('#virtual-card', String(holder.index));
  await screenshot(page, '00-demo-welcome');
  await page.click('#use-virtual');
  await enterPin(page, holder.pin);
  await screen(page, 'result');
  assert.equal(await page.textContent('#validity'), '有効');
  assert.equal(await page.textContent('#ratio'), '1割');
  await context.close();
});

/** The kiosk's own controls (header and screen) that the demo card panel covers, described for an assertion. */
function coveredKioskControls(page) {
  return page.evaluate(() => {
    const panel = document.getElementById('demo-card-controls').getBoundingClientRect();
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return [...document.querySelectorAll('header button, main button, main input, main select, main a[href]')]
      .filter((control) => meets(control.getBoundingClientRect(), panel))
      .map((control) => control.id || control.textContent.trim());
  });
}

test('the demo card controls take the card out and place another, beside the kiosk at any screen size', async () => {
  const holder = DEMO_CARDS.find((c) => c.scenario === 'valid');
  const unregistered = DEMO_CARDS.find((c) => c.scenario === 'unregistered');
  const context = await env.browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await addAxe(page);
  await page.goto(env.stack.url);
  await enrolKiosk(page, env.stack);
  await screen(page, 'welcome');
  await page.waitForSelector('#virtual-card option', { state: 'attached' });
  assert.equal(await page.$('#demo-card-controls'), null, 'no card controls before the virtual reader is in use');
  await page.selectOption('#virtual-card', String(holder.index));
  await page.click('#use-virtual');
  await screen(page, 'pin');
  await page.waitForSelector('#demo-card-controls');
  assert.equal(await page.textContent('#demo-card-state'), `リーダーにあるカード：${holder.label}`);
  assertDemoCardLabels(await page.$$eval('#demo-card-pick option', (options) => options.map((o) => o.textContent)));
  assert.equal(await page.isDisabled('#demo-card-insert'), true, 'a card is already on the reader');

  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(viewport);
    assert.deepEqual(await coveredKioskControls(page), [], `${viewport.width}×${viewport.height}`);
    assert.deepEqual(await smallTargets(page), [], `${viewport.width}×${viewport.height}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  // The panel follows the kiosk's language; auditScreen runs axe in every language and ends in Japanese.
  await page.click('nav.langs button[lang="en"]');
  await page.waitForSelector('#demo-card-controls[lang="en"]');
  assert.equal(await page.textContent('#demo-card-remove'), 'Take the card out');
  assert.match(await page.textContent('label[for="demo-card-text-pin-blocked"]'), /PIN .*locked/);
  assert.deepEqual(await auditScreen(page, 'pin-with-demo-card-controls'), []);
  await screenshot(page, '00-demo-card-controls');

  // Taking the card out while the PIN pad waits ends the check-in, as with a real card.
  await page.click('#demo-card-remove');
  await screen(page, 'failed');
  assert.equal(await page.getAttribute('#failed', 'data-failure'), 'CardRemoved');
  assert.equal(await page.textContent('#demo-card-state'), 'リーダーにカードはありません');
  // Starting again with the empty reader asks for the card; placing another one reads it.
  await page.click('#start-over');
  await screen(page, 'welcome');
  await page.click('#connect');
  await screen(page, 'insert-card');
  await page.selectOption('#demo-card-pick', String(unregistered.index));
  // Placed with its 券面事項入力補助AP PIN locked: the insurance PIN, another PIN, works as before.
  await page.check('#demo-card-text-pin-blocked');
  await page.click('#demo-card-insert');
  await enterPin(page, unregistered.pin);
  await screen(page, 'result');
  assert.equal(await page.textContent('#validity'), '該当資格なし');
  assert.equal(await page.textContent('#demo-card-state'), `リーダーにあるカード：${unregistered.label}`);
  await context.close();
});

/**
 * Runs the demo program as `cargo xtask demo` does (`node xtask/stack.mjs`, any free port, its database at
 * `database`), and resolves once it has printed what a newcomer needs: { url, code, insurer: { code, credential },
 * stop() }.
 */
function startDemo(database, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'xtask/stack.mjs'), '--port', '0', ...args], {
      env: { ...process.env, ONSHI_DEMO_DATABASE: database }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((done) => child.once('exit', done));
    const stop = async () => {
      child.kill('SIGINT');
      await exited;
    };
    let url;
    let code;
    const insurer = {};
    createInterface({ input: child.stdout }).on('line', (line) => {
      url ??= line.match(/^onshi demo is running: (\S+)/)?.[1];
      code ??= line.match(/^Enrol the kiosk (?:「[^」]*」 )?with this one-time code: (\S+)/)?.[1];
      insurer.code ??= line.match(/^Insurer console: \S+ +— enrol the PC with: (\S+)/)?.[1];
      insurer.credential ??= line.match(/with the credential: (\S+)$/)?.[1];
      // The list of demo cards comes after everything a newcomer is told to type.
      if (line.startsWith('Open it in Chromium') && url && code && insurer.code) resolve({ url, code, insurer, stop });
    });
    exited.then((status) => reject(new Error(`the demo exited early (${status})`)));
  });
}

/** A fresh browser context with a kiosk enrolled on the demo with its printed one-time code. */
async function kioskOnDemo(browser, demo, holder) {
  const { page, context } = await openKiosk(browser, demo.url, { cardIndex: holder.index });
  await enrolKiosk(page, { issueEnrolmentCode: async () => demo.code });
  const visit = async (path) => {
    await page.goto(`${demo.url}${path}`);
    await page.evaluate(() => window.__onshiFakeUsb);
    await screen(page, 'welcome');
  };
  return {
    context,
    /** Checks the card in and answers the validity shown. */
    async checkIn() {
      await visit('/');
      await page.click('#connect');
      await enterPin(page, holder.pin);
      await screen(page, 'result');
      return page.textContent('#validity');
    },
    /** 健康保険証利用登録 of the card at the registration point. */
    async register() {
      await visit('/?mode=register');
      await page.click('#register');
      await enterPin(page, holder.pin);
      await screen(page, 'registration-terms');
      await page.click('#terms-accept');
      await screen(page, 'registered');
    },
  };
}

describe('the demo program', () => {
  test('Ctrl-C while it is still setting up stops its edge and origin too', async () => {
    // Before: the handlers came last, so a Ctrl-C during set-up ended the program and left edge and origin running.
    const scratch = mkdtempSync(join(tmpdir(), 'onshi-demo-'));
    try {
      const child = spawn(process.execPath, [join(ROOT, 'xtask/stack.mjs'), '--port', '0'], {
        env: { ...process.env, ONSHI_DEMO_DATABASE: join(scratch, 'demo-origin.sqlite') }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((done) => child.once('exit', done));
      const url = await new Promise((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const running = line.match(/^onshi demo is running: (\S+)/)?.[1];
          if (running) resolve(running);
        });
        exited.then((status) => reject(new Error(`the demo exited early (${status})`)));
      });
      // The first line is out; the demo is still enrolling codes and starting the bridge, whose steps now fail.
      child.kill('SIGINT');
      // A clean exit is the stop of the whole stack, origin included, having run to its end.
      assert.equal(await exited, 0, 'the demo stopped cleanly, not by the signal or a set-up step failing');
      await assert.rejects(fetch(`${url}/`), 'the edge stopped with the demo');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('starts from fresh demo data each time, so a registration does not outlive its run unless --keep, and opens the insurer console with what it printed', async () => {
    const holder = DEMO_CARDS.find((c) => c.scenario === 'unregistered');
    const scratch = mkdtempSync(join(tmpdir(), 'onshi-demo-'));
    const database = join(scratch, 'demo-origin.sqlite');
    const browser = await launchChromium();
    let demo;
    try {
      demo = await startDemo(database);
      // The insurer console opens with what the demo printed: the PC's code, then the insurer's credential.
      const insurerPage = await browser.newPage({ locale: 'ja-JP' });
      await insurerPage.goto(`${demo.url}/insurer`);
      await screen(insurerPage, 'insurer-enrol');
      await insurerPage.fill('#enrol-code', demo.insurer.code);
      await insurerPage.click('#enrol-submit');
      await screen(insurerPage, 'insurer-sign-in');
      assert.ok(demo.insurer.credential, 'a fresh run prints the insurer credential');
      await insurerPage.fill('#insurer-credential', demo.insurer.credential);
      await insurerPage.fill('#clerk-name', 'デモ 係');
      await insurerPage.click('#sign-in-submit');
      await screen(insurerPage, 'insurer-inbox');
      await insurerPage.close();
      let kiosk = await kioskOnDemo(browser, demo, holder);
      assert.equal(await kiosk.checkIn(), '該当資格なし');
      await kiosk.register();
      assert.equal(await kiosk.checkIn(), '有効');
      await kiosk.context.close();
      await demo.stop();
      // With --keep the last run's registration is still there.
      demo = await startDemo(database, ['--keep']);
      kiosk = await kioskOnDemo(browser, demo, holder);
      assert.equal(await kiosk.checkIn(), '有効');
      await kiosk.context.close();
      await demo.stop();
      // Without it the card is again what the demo says it is: never registered.
      demo = await startDemo(database);
      kiosk = await kioskOnDemo(browser, demo, holder);
      assert.equal(await kiosk.checkIn(), '該当資格なし');
      await kiosk.context.close();
    } finally {
      await demo?.stop();
      await browser.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
