// Shared pieces of the browser end-to-end tests: Chromium, the kiosk page with the virtual reader installed
// through `navigator.usb`, and PIN entry through the on-screen keypad.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from '../../xtask/stack.mjs';

export const ARTIFACTS = join(ROOT, 'tests/artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.ONSHI_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/**
 * Opens the kiosk with the fake `navigator.usb` installed before any page script runs. `cardIndex` picks the
 * demo card on the virtual reader; `refuseProtectedClass` makes claimInterface fail as Chrome does on plain pages.
 * Every request the page makes is recorded with its body.
 */
export async function openKiosk(browser, url, { cardIndex = 0, refuseProtectedClass = false } = {}) {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (request) => requests.push({ url: request.url(), method: request.method(), body: request.postData() }));
  const consoleLines = [];
  page.on('console', (message) => consoleLines.push(message.text()));
  await page.addInitScript(({ cardIndex, refuseProtectedClass }) => {
    window.__onshiFakeUsb = import('/virtual-reader/fake-usb.js')
      .then((m) => m.installVirtualUsb({ cardIndex, refuseProtectedClass }));
  }, { cardIndex, refuseProtectedClass });
  await page.goto(url);
  await page.evaluate(() => window.__onshiFakeUsb);
  await page.waitForSelector('main[data-screen="welcome"]');
  return { page, context, requests, consoleLines };
}

export async function screen(page, name, timeout = 20_000) {
  await page.waitForSelector(`main[data-screen="${name}"]`, { timeout });
}

/** Types a PIN on the keypad and confirms it. */
export async function enterPin(page, pin) {
  await screen(page, 'pin');
  for (const digit of pin) await page.click(`button.key[data-digit="${digit}"]`);
  await page.click('#pin-submit');
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Every string value anywhere in a JSON document. */
export function jsonStrings(value, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => jsonStrings(v, out));
  else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => { out.push(k); jsonStrings(v, out); });
  return out;
}
