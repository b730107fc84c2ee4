// Shared pieces of the browser end-to-end tests: Chromium, the kiosk page with the virtual reader installed
// through `navigator.usb`, and PIN entry through the on-screen keypad.

import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { after, before, describe } from 'node:test';
import { ROOT, startStack } from '../../xtask/stack.mjs';
import { deviceProofMessage } from '../../xtask/device-proof.mjs';

export const ARTIFACTS = join(ROOT, 'tests/artifacts');
mkdirSync(join(ARTIFACTS, 'screens'), { recursive: true });

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.ONSHI_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/**
 * Opens the kiosk with the fake `navigator.usb` installed before any page script runs, enrolled as a device of
 * the demo facility when `target` is the stack. `cardIndex` picks the
 * demo card on the virtual reader; `refuseProtectedClass` makes claimInterface fail as Chrome does on plain pages;
 * `readerKind` picks the virtual reader ('ccid-apdu', 'ccid-extended', 'ccid-tpdu' or 'rcs380'); `preAuthorised`
 * makes it a reader the kiosk was allowed to use before (listed by `navigator.usb.getDevices()`); `textPinBlocked`
 * puts the card on the reader with its 券面事項入力補助AP PIN locked; `initScripts` are
 * more functions to run before any page script (e.g. `instrumentSpeech`); `beforeLoad(context)` runs before the
 * page loads (e.g. to make a file of the site fail with `context.route`).
 * Every request the page makes is recorded with its body.
 */
export async function openKiosk(browser, target, { cardIndex = 0, refuseProtectedClass = false, axe = false, fakeClock = false, readerKind = 'ccid-apdu', preAuthorised = false, textPinBlocked = false, initScripts = [], beforeLoad = async () => {} } = {}) {
  // `target` is the stack (then a fresh kiosk is enrolled with a one-time code) or a bare URL (then the caller
  // handles the enrolment screen).
  const url = typeof target === 'string' ? target : target.url;
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (request) => requests.push({ url: request.url(), method: request.method(), body: request.postData() }));
  const consoleLines = [];
  page.on('console', (message) => consoleLines.push(message.text()));
  // axe-core goes in as an init script (DevTools protocol), which the page's Content-Security-Policy does not
  // govern; the kiosk itself still runs under the real policy. The fake clock lets tests move time forward.
  if (axe) await page.addInitScript({ content: AXE_SOURCE() });
  if (fakeClock) await page.clock.install();
  for (const script of initScripts) await page.addInitScript(script);
  await page.addInitScript(({ cardIndex, refuseProtectedClass, readerKind, preAuthorised, textPinBlocked }) => {
    const ready = import('/virtual-reader/fake-usb.js')
      .then((m) => m.installVirtualUsb({
        cardIndex, refuseProtectedClass, readerKind, preAuthorised, textPinBlocked, demoControls: false,
      }));
    window.__onshiFakeUsb = ready;
    // The fake loads asynchronously; until it replaces this stand-in, every call waits for it, so the kiosk never
    // sees the browser's own (empty) WebUSB first, as a kiosk with its reader plugged in would not.
    const later = (name) => (...args) => ready.then(() => navigator.usb[name](...args));
    Object.defineProperty(navigator, 'usb', {
      value: {
        getDevices: later('getDevices'), requestDevice: later('requestDevice'),
        addEventListener: later('addEventListener'), removeEventListener: later('removeEventListener'),
      },
      configurable: true,
    });
  }, { cardIndex, refuseProtectedClass, readerKind, preAuthorised, textPinBlocked });
  await beforeLoad(context);
  await page.goto(url);
  await page.evaluate(() => window.__onshiFakeUsb);
  await page.waitForSelector('main[data-screen="welcome"], main[data-screen="enrol"]');
  if (typeof target !== 'string' && await page.$('main[data-screen="enrol"]')) {
    await enrolKiosk(page, target);
    await page.waitForSelector('main[data-screen="welcome"]');
  }
  return { page, context, requests, consoleLines };
}

/**
 * Enrols the kiosk on `page` as a facility's device: types a fresh one-time code from `stack.issueEnrolmentCode()`
 * into the enrolment screen and waits until the kiosk leaves it.
 */
export async function enrolKiosk(page, stack, facilityCode) {
  await page.waitForSelector('main[data-screen="enrol"]');
  const code = await stack.issueEnrolmentCode(facilityCode);
  await page.fill('#enrol-code', code);
  await page.click('#enrol-submit');
  await page.waitForSelector('main:not([data-screen="enrol"])');
}

/**
 * Replaces `speechSynthesis` before any page script runs: it records every utterance (`window.__spoken`: text,
 * language, and the screen shown when it was asked for) and offers voices for Japanese and English only, so that
 * other languages take the no-voice path.
 */
export function instrumentSpeech() {
  window.__spoken = [];
  const voices = [
    { lang: 'ja-JP', name: 'Japanese', voiceURI: 'ja', localService: true, default: true },
    { lang: 'en-US', name: 'English', voiceURI: 'en', localService: true, default: false },
  ];
  const synthesis = {
    speaking: false, pending: false, paused: false, onvoiceschanged: null,
    speak: (utterance) => window.__spoken.push({
      text: utterance.text, lang: utterance.lang, screen: document.querySelector('main')?.dataset.screen ?? null,
    }),
    cancel: () => {}, pause: () => {}, resume: () => {},
    getVoices: () => voices,
    addEventListener: () => {}, removeEventListener: () => {},
  };
  Object.defineProperty(window, 'speechSynthesis', { value: synthesis, configurable: true });
}

export async function screen(page, name, timeout = 20_000) {
  await page.waitForSelector(`main[data-screen="${name}"]`, { timeout });
}

/**
 * Answers the consent questions under the answer as a patient does, one tap each: `share` is 'all' (包括同意),
 * 'none', or a list of single kinds ('diagnosis', 'medication', 'operation', 'health-checkup') ticked after choosing
 * to pick them; then the prescription format ('electronic' or 'paper'), whose tap sends the answer. A patient with a
 * 公費受給者証 on record is asked first whether to use it; `certificates` is their answer (the demo's 山田 花子 is
 * asked; the others are not). A holder of a 特定疾病療養受療証 is asked its own consent after the sharing question;
 * `specificDisease` is their answer.
 */
export async function answerConsent(page, share, prescription, { certificates = false, specificDisease = false } = {}) {
  await page.waitForSelector('#certificates-yes, #consent-comprehensive');
  if (await page.$('#certificates-yes')) {
    await page.click(certificates ? '#certificates-yes' : '#certificates-no');
    await page.waitForSelector('#consent-comprehensive');
  }
  if (share === 'all') await page.click('#consent-comprehensive');
  else if (share === 'none' || share.length === 0) await page.click('#consent-decline');
  else {
    await page.click('#consent-choose');
    for (const kind of share) await page.check(`#consent-${kind}`);
    await page.click('#consent-agree');
  }
  // A holder of a 特定疾病療養受療証 (the demo's elderly card) is asked its own consent next; nobody else is.
  await page.waitForSelector(`#specific-disease-yes, #prescription-${prescription}`);
  if (await page.$('#specific-disease-yes')) {
    await page.click(specificDisease ? '#specific-disease-yes' : '#specific-disease-no');
  }
  await page.click(`#prescription-${prescription}`);
}

/** Types a PIN on the keypad and confirms it. */
export async function enterPin(page, pin) {
  await screen(page, 'pin');
  for (const digit of pin) await page.click(`button.key[data-digit="${digit}"]`);
  await page.click('#pin-submit');
}

/**
 * The qualification answers a kiosk receives: a check-in asks its first with the session (`POST /api/v1/session`
 * with `qualification`, answered in the session's `qualification`) and any later one (a 受給者証 yes, a registration
 * then a new answer) on its own (`POST /api/v1/qualification`). `isAnswerRequest` tells such a request;
 * `askedOf(request)` is what it asked (its `QualificationRequest`), `answerOf(path, json)` what it was answered.
 */
const ANSWER_PATHS = ['/api/v1/session', '/api/v1/qualification'];
const pathOf = (url) => new URL(url).pathname;
export const isAnswerRequest = (url, body) => pathOf(url) === '/api/v1/qualification'
  || (pathOf(url) === '/api/v1/session' && JSON.parse(body ?? '{}').qualification !== undefined);
export const askedOf = (url, body) => {
  const json = JSON.parse(body ?? '{}');
  return pathOf(url) === '/api/v1/session' ? json.qualification : json;
};
export const answerOf = (url, json) => (pathOf(url) === '/api/v1/session' ? json.qualification : json);

/** Resolves with the next qualification answer `page` receives, by either request. */
export async function waitForAnswer(page) {
  const response = await page.waitForResponse((r) => isAnswerRequest(r.url(), r.request().postData()));
  return answerOf(response.url(), await response.json());
}

/**
 * Every qualification answer on its way to `page` passes through `edit(answer)` (which may change it in place), as
 * a test does to add what the demo origin never answers; the request itself reaches the real stack.
 */
export async function routeAnswers(page, edit) {
  for (const path of ANSWER_PATHS) {
    await page.route(`**${path}`, async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      const answer = answerOf(route.request().url(), json);
      if (answer) await edit(answer);
      await route.fulfill({ response, json });
    });
  }
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * The field names and the string values anywhere in a JSON document, apart: `{ keys, values }`. They are checked
 * apart because a value may be base64 or hex, in which any short word turns up by chance, while a name never is.
 */
export function jsonStrings(value, out = { keys: [], values: [] }) {
  if (typeof value === 'string') out.values.push(value);
  else if (Array.isArray(value)) value.forEach((v) => jsonStrings(v, out));
  else if (value && typeof value === 'object') {
    Object.entries(value).forEach(([k, v]) => { out.keys.push(k); jsonStrings(v, out); });
  }
  return out;
}

let axeSource = null;
function AXE_SOURCE() {
  axeSource ??= readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/** Injects axe-core into every page `page` loads from now on (for a page not opened with `openKiosk`). */
export async function addAxe(page) {
  await page.addInitScript({ content: AXE_SOURCE() });
}

/** The 個人番号 check digit (番号法施行令 8条): weights 2–7, 2–6 from the right, 11 minus the remainder mod 11. */
export function withCheckDigit(eleven) {
  const digits = [...eleven].map(Number).reverse();
  const sum = digits.reduce((total, digit, index) => total + digit * (index < 6 ? index + 2 : index - 4), 0);
  const remainder = sum % 11;
  return `${eleven}${remainder <= 1 ? 0 : 11 - remainder}`;
}

/**
 * The 個人番号 the demo gives a demo card's holder, as `derived_individual_number` in origin/src/seed.rs makes it
 * from the card's certificate: a 9, ten digits from a hash of its issuer and serial, and the check digit. A welfare
 * office or a city knows a resident's 個人番号; a test that plays one finds it this way.
 */
export function demoIndividualNumber(card) {
  const digest = createHash('sha256')
    .update(`onshi demo individual number\n${card.certificate_issuer}\n${card.certificate_serial}`)
    .digest();
  return withCheckDigit(`9${[...digest.subarray(0, 10)].map((byte) => byte % 10).join('')}`);
}

/** The kiosk's languages, as the `lang` attribute of their switcher buttons. */
export const LANGS = ['ja', 'ja-x-easy', 'en', 'zh-Hans', 'ko', 'vi', 'pt-BR', 'fil', 'ne', 'id'];

/**
 * Runs axe-core on the page and returns its violations, summarised: every WCAG 2.0/2.1/2.2 A and AA rule and axe's
 * best practices, or only `rules` when they are given.
 */
export async function axeViolations(page, { rules } = {}) {
  const runOnly = rules
    ? { type: 'rule', values: rules }
    : { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] };
  const result = await page.evaluate((options) => window.axe.run(document, options), { runOnly });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Resource keys look like `pin.heading`; one on screen means a text is missing from a resource file. */
const RAW_KEY = /\b(app|welcome|reader|card|pin|no_pin|progress|result|blocked|error|action|lang|visual|validity|idle|enrol|consent|register|aid|voice|expiry|withdraw|cancel|petition)\.[a-z_]+\b/;

/**
 * The kiosk's patient aids: the button that turns each on, the mode's name in screenshots and problems, and the class
 * it puts on `<html>`.
 */
const AIDS = [['aid-large', 'large', 'large-text'], ['aid-contrast', 'contrast', 'high-contrast']];

/**
 * The axe rules whose outcome an aid's stylesheet can change: it changes colours and sizes and nothing else (no
 * element appears, disappears or changes its role, name or language), so the other rules give every mode the answer
 * they gave with no aid on. Both aids on at once need no run of their own: large text only relaxes the contrast a
 * text needs and enlarges targets, so what passes with high contrast alone passes with both.
 */
const AID_RULES = ['color-contrast', 'link-in-text-block', 'target-size', 'scrollable-region-focusable'];

/**
 * The kiosk screens (their `data-screen`) this run has checked with each aid in every language, one per line. The
 * test runner starts each file in a process of its own (two at a time in `cargo xtask test`), so the ledger is a file:
 * the one `cargo xtask test` names in `ONSHI_E2E_AIDS_LEDGER` and removes after the suite, or, for a runner started
 * by hand, one named for the runner's process, so that a new run starts a new one. Two files that reach a screen of
 * the same kind at the same moment may both check it in every language, which costs time and nothing else.
 */
const AIDS_LEDGER = process.env.ONSHI_E2E_AIDS_LEDGER || join(tmpdir(), `onshi-e2e-aids-${process.ppid}.txt`);
const auditedWithAids = (kind) => existsSync(AIDS_LEDGER) && readFileSync(AIDS_LEDGER, 'utf8').split('\n').includes(kind);

/**
 * Checks the current screen in every language its switcher offers (the kiosk's ten with やさしい日本語, the staff
 * console's five): switches language, waits for the `lang` attributes, looks for raw resource keys (`rawKey`, the
 * kiosk's by default), runs axe, and saves a screenshot `screens/<name>.<lang>.png`. On the kiosk it then turns on
 * each patient aid in turn (large text, high contrast): in Japanese it runs every axe rule and saves
 * `screens/<name>.large.png` / `.contrast.png`, and, the first time the run audits a screen of its kind, in every
 * other language it runs the rules the aid can change ([`AID_RULES`]); then it turns the aid off again. Ends back in
 * Japanese.
 * Returns the problems found (empty when all is well), so the test's assertion shows them all at once.
 */
export async function auditScreen(page, name, { rawKey = RAW_KEY } = {}) {
  const problems = [];
  const offered = await page.$$eval('nav.langs button[lang]', (buttons) => buttons.map((b) => b.lang));
  const languages = [...offered.filter((l) => l !== 'ja'), 'ja'];
  const switchTo = async (lang) => {
    await page.click(`nav.langs button[lang="${lang}"]`);
    await page.waitForSelector(`main[lang="${lang}"]`);
  };
  for (const lang of languages) {
    await switchTo(lang);
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== lang) problems.push(`${name}/${lang}: <html lang="${htmlLang}">`);
    const text = await page.evaluate(() => document.body.innerText);
    const raw = text.match(rawKey);
    if (raw) problems.push(`${name}/${lang}: raw resource key ${raw[0]}`);
    for (const violation of await axeViolations(page)) problems.push(`${name}/${lang}: axe ${JSON.stringify(violation)}`);
    await screenshot(page, `screens/${name}.${lang}`);
  }
  // A screen is checked with each aid in every language the first time the run audits it; the variants of it that
  // follow (the same screen with other content) are checked with each aid in Japanese.
  const kind = await page.$eval('main', (main) => main.dataset.screen ?? '').catch(() => '');
  const everyLanguage = !auditedWithAids(kind);
  if (everyLanguage && await page.$(`#${AIDS[0][0]}`)) appendFileSync(AIDS_LEDGER, `${kind}\n`);
  for (const [aid, mode, htmlClass] of AIDS) {
    if (!await page.$(`#${aid}`)) continue;
    await page.click(`#${aid}`);
    await page.waitForSelector(`html.${htmlClass}`);
    for (const violation of await axeViolations(page)) problems.push(`${name}/${mode}: axe ${JSON.stringify(violation)}`);
    await screenshot(page, `screens/${name}.${mode}`);
    for (const lang of languages) {
      if (lang === 'ja' || !everyLanguage) continue;
      await switchTo(lang);
      if (!await page.$(`html.${htmlClass}`)) problems.push(`${name}/${lang}: the ${mode} aid went off with the language`);
      for (const violation of await axeViolations(page, { rules: AID_RULES })) {
        problems.push(`${name}/${lang}/${mode}: axe ${JSON.stringify(violation)}`);
      }
    }
    await switchTo('ja');
    await page.click(`#${aid}`);
    await page.waitForSelector(`html:not(.${htmlClass})`);
  }
  return problems;
}

/** The staff console's resource keys all start with `staff.`; one on screen means a text is missing. */
export const STAFF_RAW_KEY = /\bstaff\.[a-z][a-z0-9_.]*/;

/**
 * Opens the staff console at `/staff` (axe-core injected when `axe`) on a fresh browser profile, enrols it as a staff
 * console of the demo facility with a fresh code of that role unless `enrol` is false (then it stays on the
 * enrolment screen), and, unless `login` is false, logs in with a fresh one-time staff code. Every request the page
 * makes is recorded with its body, and every line it prints to its console in `consoleLines`.
 */
export async function openStaff(browser, stack, { axe = false, enrol = true, login = true } = {}) {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (request) => requests.push({ url: request.url(), method: request.method(), body: request.postData() }));
  const consoleLines = [];
  page.on('console', (message) => consoleLines.push(message.text()));
  if (axe) await page.addInitScript({ content: AXE_SOURCE() });
  await page.goto(`${stack.url}/staff`);
  await page.waitForSelector('main[data-screen="staff-enrol"]');
  if (!enrol) return { page, context, requests, consoleLines };
  await enrolStaffConsole(page, stack);
  let code;
  if (login) {
    code = await stack.issueStaffCode();
    await page.fill('#staff-code', code);
    await page.click('#staff-login');
    await page.waitForSelector('main[data-screen="staff-dashboard"]');
  }
  return { page, context, requests, consoleLines, code };
}

/**
 * Enrols the staff console on `page` as the facility admin's newcomer would: types a fresh one-time code of the
 * staff console's role from `stack.issueStaffConsoleCode()` into the enrolment screen and waits for the login.
 */
export async function enrolStaffConsole(page, stack) {
  await page.waitForSelector('main[data-screen="staff-enrol"]');
  await page.fill('#enrol-code', await stack.issueStaffConsoleCode());
  await page.click('#enrol-submit');
  await page.waitForSelector('main[data-screen="staff-login"]');
}

/**
 * Sends one staff call from inside the staff console's page, signed with the console's own key from its IndexedDB
 * database as any script on that page could sign it: what a token is worth to someone who runs code on the very
 * console it was opened on. Answers `{ status, error }`.
 */
export async function callFromStaffConsole(page, path, authorization) {
  // The page's own device record, its id and its CryptoKey (which never leaves the page), read as the console
  // reads it; the message it signs is built here by the one JavaScript copy of the proof.
  const deviceId = await page.evaluate(() => new Promise((done, fail) => {
    const opening = indexedDB.open('onshi-staff-console');
    opening.onerror = () => fail(opening.error);
    opening.onsuccess = () => {
      const reading = opening.result.transaction('device').objectStore('device').get('current');
      reading.onsuccess = () => done(reading.result.id);
      reading.onerror = () => fail(reading.error);
    };
  }));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID();
  const headers = { 'x-onshi-device-id': deviceId, 'x-onshi-device-time': timestamp, 'x-onshi-device-nonce': nonce };
  const message = [...deviceProofMessage('GET', path, timestamp, nonce, '')];
  return page.evaluate(async ({ path, authorization, headers, message }) => {
    const { key } = await new Promise((done, fail) => {
      const opening = indexedDB.open('onshi-staff-console');
      opening.onerror = () => fail(opening.error);
      opening.onsuccess = () => {
        const reading = opening.result.transaction('device').objectStore('device').get('current');
        reading.onsuccess = () => done(reading.result);
        reading.onerror = () => fail(reading.error);
      };
    });
    const signed = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new Uint8Array(message)));
    const signature = btoa(String.fromCharCode(...signed)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    const response = await fetch(path, { headers: { ...headers, authorization, 'x-onshi-device-signature': signature } });
    return { status: response.status, error: response.status === 200 ? undefined : (await response.json()).error };
  }, { path, authorization, headers, message });
}

/**
 * The staff console's pending visual check of the patient named `name`, opened. The list names nobody until staff
 * open a request (each opening is audited with the person), so this opens each unopened request in turn, as a
 * receptionist would, until the one whose name matches is shown; it waits for new requests meanwhile.
 */
export async function openPendingOf(page, name, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = page.locator('li.pending[data-opened="true"]', { hasText: name });
    if (await found.count() > 0) return found.first();
    const unopened = page.locator('li.pending[data-opened="false"]');
    if (await unopened.count() === 0) {
      await page.waitForSelector('li.pending[data-opened="false"]', { timeout: Math.max(1, deadline - Date.now()) });
      continue;
    }
    const requestId = await unopened.first().getAttribute('data-request-id');
    await unopened.first().locator('button.open').click();
    await page.waitForSelector(`li.pending[data-request-id="${requestId}"][data-opened="true"]`, { timeout: Math.max(1, deadline - Date.now()) });
  }
}

/** Controls (buttons, inputs, selects, links) smaller than `min` CSS pixels either way, described for an assertion. */
export async function smallTargets(page, min = 44) {
  return page.evaluate((min) => [...document.querySelectorAll('button, input, select, a[href]')]
    .map((element) => ({ element, box: element.getBoundingClientRect() }))
    .filter(({ box }) => box.width < min || box.height < min)
    .map(({ element, box }) => `${element.id || element.textContent.trim()} ${box.width}×${box.height}`), min);
}

/**
 * An empty PostgreSQL database of its own in the server `ONSHI_TEST_POSTGRES_URL` names (which `cargo xtask test`
 * sets), made now with psql: `{ url, drop() }`, or `undefined` when no server is named.
 */
export function postgresDatabase() {
  const server = process.env.ONSHI_TEST_POSTGRES_URL;
  if (!server) return undefined;
  const name = `onshi_e2e_${randomUUID().replaceAll('-', '')}`;
  const psql = (sql) => {
    const run = spawnSync('psql', [server, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`psql: ${run.stderr || run.error}`);
  };
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Starts a stack (origin + edge) and Chromium before the tests of the enclosing suite and stops both after them.
 * Returns an object whose `stack` and `browser` are set once the suite's `before` has run. `stackOptions` go to
 * `startStack`; `afterStart(stack)` runs before the browser starts (e.g. to stop the origin for outage tests).
 */
export function useStack(stackOptions = {}, afterStart = async () => {}) {
  const env = { stack: undefined, browser: undefined };
  before(async () => {
    env.stack = await startStack(stackOptions);
    await afterStart(env.stack);
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    await env.stack?.stop();
  });
  return env;
}

/**
 * Declares the suite `title` twice: on the stack's SQLite file, and again on an empty PostgreSQL database of its own
 * when `ONSHI_TEST_POSTGRES_URL` names a server (skipped, and said to be, when it does not), so a walk whose origin
 * part must hold on both databases is proven on both. `body(env, { auditScreen, screenshot })` declares the tests against the
 * `useStack` env with the suite's own `auditScreen` and `screenshot`. The screens are audited (axe in every
 * language) and photographed on SQLite only: what a screen shows does not depend on the database, and the
 * PostgreSQL pass would only repeat the same pictures; there `auditScreen` answers no problems and neither takes a
 * picture.
 */
export function describeOnEachDatabase(title, stackOptions, body, afterStart) {
  describe(title, () => body(useStack(stackOptions, afterStart), { auditScreen, screenshot }));
  const skip = process.env.ONSHI_TEST_POSTGRES_URL ? false : 'ONSHI_TEST_POSTGRES_URL is not set';
  describe(`${title}, on PostgreSQL`, { skip }, () => {
    const postgres = skip ? undefined : postgresDatabase();
    const env = useStack({ ...stackOptions, databaseUrl: postgres?.url }, afterStart);
    after(() => postgres?.drop());
    body(env, { auditScreen: async () => [], screenshot: async () => {} });
  });
}
