// End to end: the kiosk's patient-safety and accessibility requirements in headless Chromium, against the real edge
// and origin with the virtual card behind the fake `navigator.usb`. Every screen is checked in every language with
// axe-core, and a screenshot of each is saved under tests/artifacts/screens/.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import {
  LANGS, answerConsent, auditScreen, axeViolations, enrolKiosk, enterPin, openKiosk, screen, screenshot, useStack,
} from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};
const wrongPin = (pin) => pin.split('').map((d) => String((Number(d) + 1) % 10)).join('');
const asciiHex = (pin) => Buffer.from(pin, 'ascii').toString('hex');
/** Bulk-OUT transfers that carried VERIFY with this PIN (`00 20 00 <P2> 04 <ASCII digits>`, P2 naming the PIN EF). */
const verifiesWith = (log, pin) => {
  const verify = new RegExp(`002000[0-9a-f]{2}04${asciiHex(pin)}`);
  return log.filter((e) => e.dir === 'out' && verify.test(e.hex)).length;
};
const usbLog = (page) => page.evaluate(() => window.onshiVirtualUsb.log);

describe('kiosk screens, languages and patient safety', () => {
  const env = useStack();

  test('a kiosk that is not enrolled asks staff for a one-time code first, in every language', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack.url, { axe: true });
    await screen(page, 'enrol');
    assert.deepEqual(await auditScreen(page, 'enrol'), []);
    await page.fill('#enrol-code', 'NOT-A-REAL-CODE');
    await page.click('#enrol-submit');
    await page.waitForSelector('#enrol-failed');
    assert.equal(await page.inputValue('#enrol-code'), '', 'the typed code leaves the input');
    await enrolKiosk(page, env.stack);
    await screen(page, 'welcome');
    await context.close();
  });

  test('welcome, PIN pad and result render in every language with no axe violation and focus on the heading', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    const problems = [];
    problems.push(...await auditScreen(page, 'welcome'));
    await page.click('#connect');
    await screen(page, 'pin');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'heading', 'focus moves to the new heading');
    // Keyboard order on the PIN pad: the keys in reading order, then OK, then start over.
    for (const digit of '1234') await page.click(`button.key[data-digit="${digit}"]`);
    await page.focus('button.key[data-digit="1"]');
    const order = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.dataset.digit ?? document.activeElement?.id));
    }
    assert.deepEqual(order, ['2', '3', '4', '5', '6', '7', '8', '9', 'pin-clear', '0', 'pin-back', 'pin-submit']);
    problems.push(...await auditScreen(page, 'pin'));
    // Targets: every button is at least 44 × 44 CSS pixels (WCAG 2.5.8 asks 24; the kiosk brief asks 44).
    const small = await page.evaluate(() => [...document.querySelectorAll('button, select')]
      .map((b) => ({ b, r: b.getBoundingClientRect() }))
      .filter(({ r }) => r.width < 44 || r.height < 44)
      .map(({ b, r }) => `${b.id || b.textContent} ${r.width}×${r.height}`));
    assert.deepEqual(small, []);
    await page.click('#pin-clear');
    await enterPin(page, wrongPin(holder.pin));
    await page.waitForSelector('.warning');
    problems.push(...await auditScreen(page, 'pin-wrong'));
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    problems.push(...await auditScreen(page, 'result-valid'));
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    // The staff's national label stays in Japanese; the patient's own language is beside it.
    assert.equal(await page.textContent('#validity'), '有効');
    assert.equal(await page.textContent('#validity-translated'), 'Valid');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('two wrong PINs, then the last try asks for confirmation, and the right PIN checks in', async () => {
    const holder = card('elderly');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    await enterPin(page, wrongPin(holder.pin));
    await page.waitForSelector('#tries-left:has-text("2")');
    await enterPin(page, wrongPin(holder.pin));
    await page.waitForSelector('#tries-left:has-text("1")');
    assert.ok(await page.isVisible('#visual-check'), 'the visual check is offered at one try left');
    assert.deepEqual(await auditScreen(page, 'pin-last-try'), []);
    await enterPin(page, holder.pin);
    await page.waitForSelector('#last-try');
    // Nothing went to the card yet: the kiosk waits for the confirmation.
    assert.equal(verifiesWith(await usbLog(page), holder.pin), 0);
    assert.deepEqual(await auditScreen(page, 'pin-confirm-last-try'), []);
    await page.click('#last-try-send');
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    const log = await usbLog(page);
    assert.equal(verifiesWith(log, wrongPin(holder.pin)), 2, 'each wrong PIN was sent exactly once');
    assert.equal(verifiesWith(log, holder.pin), 1, 'the right PIN was sent exactly once');
    await context.close();
  });

  test('at the last try the patient can choose the visual check and the PIN never reaches the card', async () => {
    const holder = card('lost');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    await enterPin(page, wrongPin(holder.pin));
    await page.waitForSelector('#tries-left:has-text("2")');
    await enterPin(page, wrongPin(holder.pin));
    await page.waitForSelector('#tries-left:has-text("1")');
    await enterPin(page, holder.pin);
    await page.waitForSelector('#last-try');
    // The kiosk asks the edge for a visual check with the certificate it read; the card keeps its last try.
    const visualRequest = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/visual-check');
    await page.click('#last-try #visual-check');
    await screen(page, 'visual-check');
    assert.match(await page.textContent('#visual'), /目視/);
    const sent = await visualRequest;
    assert.ok(JSON.parse(sent.postData()).certificate, 'the request carries the certificate');
    assert.deepEqual(await auditScreen(page, 'visual-check'), []);
    assert.equal(verifiesWith(await usbLog(page), holder.pin), 0);
    await context.close();
  });

  test('a kiosk its admin did not enrol as staffed sends the patient to the counter instead of queuing 目視', async () => {
    // A kiosk in an unattended corner: enrolled without `staffed`, so the edge refuses its 目視 requests.
    const { page, context } = await openKiosk(env.browser, env.stack.url, { cardIndex: card('valid').index, axe: true });
    await screen(page, 'enrol');
    await page.fill('#enrol-code', await env.stack.issueEnrolmentCode(undefined, { label: '待合 奥', staffed: false }));
    await page.click('#enrol-submit');
    await screen(page, 'welcome');
    await page.click('#connect');
    await screen(page, 'pin');
    const refused = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/visual-check');
    await page.click('#visual-check');
    assert.equal((await refused).status(), 403);
    await screen(page, 'failed');
    assert.equal(await page.getAttribute('#failed', 'data-failure'), 'VisualCheckUnavailable');
    const said = await page.textContent('#failed');
    assert.ok(said.includes('受付') && said.includes('マイナンバーカード'), said);
    assert.deepEqual(await auditScreen(page, 'failed-visual-unavailable'), []);
    assert.equal(verifiesWith(await usbLog(page), card('valid').pin), 0, 'no PIN went to the card');
    await context.close();
  });

  test('the card removed mid-flow ends in a clear next step, and no PIN try is spent', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    await screen(page, 'pin');
    await page.click('button.key[data-digit="1"]');
    // The reader announces the removal on its interrupt endpoint: the PIN pad closes before a PIN can be sent.
    await page.evaluate(() => window.onshiVirtualUsb.removeCard());
    await screen(page, 'failed');
    assert.equal(await page.getAttribute('#failed', 'data-failure'), 'CardRemoved');
    assert.match(await page.textContent('#failed'), /もう一度カードを置いて/);
    assert.deepEqual(await auditScreen(page, 'failed-card-removed'), []);
    // Put back, the card still has all its tries: the PIN typed while it was out reached no card.
    await page.evaluate((index) => window.onshiVirtualUsb.insertCard(index), holder.index);
    await page.click('#start-over');
    await page.click('#connect');
    await screen(page, 'pin');
    assert.match(await page.textContent('#tries-left'), /3/);
    await context.close();
  });

  test('the reader unplugged while the PIN pad waits ends the check-in at once', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    await screen(page, 'pin');
    await page.click('button.key[data-digit="1"]');
    await page.evaluate(() => window.onshiVirtualUsb.unplug());
    await screen(page, 'failed');
    assert.equal(await page.getAttribute('#failed', 'data-failure'), 'ReaderDisconnected');
    assert.deepEqual(await auditScreen(page, 'failed-reader-unplugged'), []);
    await context.close();
  });

  test('a CCID reader refused by the browser, and a blocked PIN, pass axe in every language', async () => {
    const refused = await openKiosk(env.browser, env.stack, { cardIndex: 0, refuseProtectedClass: true, axe: true });
    await refused.page.click('#connect');
    await screen(refused.page, 'failed');
    assert.deepEqual(await auditScreen(refused.page, 'failed-reader-refused'), []);
    await refused.context.close();

    const holder = card('dependent');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    for (const left of ['2', '1']) {
      await enterPin(page, wrongPin(holder.pin));
      await page.waitForSelector(`#tries-left:has-text("${left}")`);
    }
    await enterPin(page, wrongPin(holder.pin));
    await page.click('#last-try-send');
    await screen(page, 'blocked');
    assert.deepEqual(await auditScreen(page, 'blocked'), []);
    await context.close();
  });

  test('no qualification shows the 申立書 path in every language, never 10割', async () => {
    const holder = card('unregistered');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.deepEqual(await auditScreen(page, 'result-no-qualification'), []);
    assert.match(await page.textContent('#guidance'), /被保険者資格申立書/);
    assert.doesNotMatch(await page.textContent('#result'), /10割|100%/);
    await context.close();
  });

  test('consent under the answer: single kinds or 包括同意 are recorded through the edge for 24 hours', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    // One question at a time, each answer one tap, as on the national reader.
    assert.deepEqual(await auditScreen(page, 'result-consent'), []);
    await page.click('#consent-choose');
    assert.ok(await page.isDisabled('#consent-agree'), 'nothing chosen, nothing to agree to');
    await page.check('#consent-medication');
    await page.check('#consent-diagnosis');
    assert.deepEqual(await auditScreen(page, 'result-consent-kinds'), []);
    await page.click('#consent-agree');
    // Nothing is sent before the prescription format: its tap sends the whole answer.
    assert.deepEqual(await auditScreen(page, 'result-consent-prescription'), []);
    const recorded = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/consent');
    await page.click('#prescription-paper');
    const response = await recorded;
    assert.equal(response.status(), 200);
    const { live } = await response.json();
    assert.deepEqual(live.map((g) => g.kind).sort(), ['diagnosis', 'medication']);
    for (const grant of live) assert.equal(grant.expires_at - grant.granted_at, 24 * 60 * 60);
    await page.waitForSelector('#consent-recorded');
    assert.equal(await page.getAttribute('#consent-recorded', 'data-kinds'), 'diagnosis,medication');
    assert.equal(await page.getAttribute('#prescription-recorded', 'data-prescription'), 'paper');
    assert.deepEqual(await auditScreen(page, 'result-consent-recorded'), []);

    // The next check-in with the same card: 包括同意 covers every kind and is sent alone.
    await page.click('#start-over');
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    await page.click('#consent-comprehensive');
    const comprehensive = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/consent');
    await page.click('#prescription-electronic');
    assert.deepEqual(JSON.parse((await comprehensive).postData()), { kinds: ['comprehensive'], prescription: 'electronic' });
    await page.waitForSelector('#consent-recorded');
    assert.match(await page.getAttribute('#consent-recorded', 'data-kinds'), /comprehensive/);
    await context.close();
  });

  test('declining consent records nothing and says so', async () => {
    const holder = card('dependent');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    const declined = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/consent');
    await answerConsent(page, 'none', 'paper');
    assert.deepEqual(JSON.parse((await declined).postData()), { kinds: [], prescription: 'paper' });
    await page.waitForSelector('#consent-recorded');
    assert.equal(await page.getAttribute('#consent-recorded', 'data-kinds'), '');
    assert.equal(await page.getAttribute('#prescription-recorded', 'data-prescription'), 'paper');
    await context.close();
  });

  test('a card left in the reader raises an alert, which clears when the card is taken', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true, fakeClock: true });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    // The card is asked for once the question under the answer is answered.
    await answerConsent(page, 'none', 'paper');
    await page.waitForSelector('#consent-recorded');
    assert.ok(await page.isVisible('#remove-card'));
    await page.clock.fastForward(11_000);
    await page.waitForSelector('#card-left-behind[role="alert"]');
    assert.deepEqual(await auditScreen(page, 'result-card-left-behind'), []);
    await page.evaluate(() => window.onshiVirtualUsb.removeCard());
    await page.clock.fastForward(1_000);
    await page.waitForSelector('#card-taken');
    assert.equal(await page.isVisible('#card-left-behind'), false);
    await screenshot(page, 'screens/result-card-taken.ja');
    // Soon after the card has left, the answer leaves the screen too.
    await page.clock.fastForward(8_000);
    await screen(page, 'welcome');
    assert.equal(await page.$('#result'), null);
    assert.doesNotMatch(await page.textContent('main'), new RegExp(holder.birth_date));
    await context.close();
  });

  test('idle: a warning with at least 20 s to extend, then a reset that clears everything', async () => {
    const holder = card('valid');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true, fakeClock: true });
    await page.click('#connect');
    await screen(page, 'pin');
    await page.click('button.key[data-digit="1"]');
    await page.click('button.key[data-digit="2"]');
    await page.clock.fastForward(61_000);
    await page.waitForSelector('#idle-warning');
    const secondsLeft = Number(await page.getAttribute('#idle-body', 'data-seconds-left'));
    assert.ok(secondsLeft >= 20, `${secondsLeft} s to extend`);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'idle-extend');
    await page.click('#idle-extend');
    await page.waitForSelector('#idle-warning', { state: 'detached' });
    assert.equal(await page.locator('.dot.filled').count(), 2, 'extending keeps the digits typed');

    // The warning covers the language switcher, so each language is set before the warning appears.
    const problems = [];
    for (const lang of LANGS) {
      await page.click(`nav.langs button[lang="${lang}"]`);
      await page.clock.fastForward(61_000);
      await page.waitForSelector(`main[lang="${lang}"] #idle-warning`);
      for (const violation of await axeViolations(page)) problems.push(`idle/${lang}: ${JSON.stringify(violation)}`);
      await screenshot(page, `screens/idle-warning.${lang}`);
      await page.click('#idle-extend');
      await page.waitForSelector('#idle-warning', { state: 'detached' });
    }
    assert.deepEqual(problems, []);
    await page.click('nav.langs button[lang="vi"]');
    await page.clock.fastForward(61_000);
    await page.waitForSelector('#idle-warning');
    await page.clock.fastForward(31_000);
    await screen(page, 'welcome');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja', 'the language is back to Japanese');
    assert.equal(await page.getAttribute('main', 'lang'), 'ja');
    // A new check-in starts from an empty PIN pad.
    await page.click('#connect');
    await screen(page, 'pin');
    assert.equal(await page.locator('.dot.filled').count(), 0);
    await context.close();
  });
});

// 健康保険証利用登録 changes the origin's records (the unregistered card gets linked), so it runs against its own
// stack: the tests above, which expect that card unregistered, and this one, which expects to link it, each stand
// alone and pass in any order or alone (`--test-name-pattern`).
describe('健康保険証利用登録 at the kiosk, on an origin of its own', () => {
  const env = useStack();

  test('健康保険証利用登録: card → PIN → terms → done, then the next check-in finds the insurance', async () => {
    const holder = card('unregistered');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    // The ATM-style registration point.
    await page.goto(`${env.stack.url}/?mode=register`);
    await page.evaluate(() => window.__onshiFakeUsb);
    await screen(page, 'welcome');
    assert.equal(await page.$('#connect'), null, 'a registration point offers registration only');
    assert.deepEqual(await auditScreen(page, 'welcome-registration-point'), []);
    await page.click('#register');
    await enterPin(page, holder.pin);
    await screen(page, 'registration-terms');
    assert.deepEqual(await auditScreen(page, 'registration-terms'), []);
    const registered = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/registration');
    await page.click('#terms-accept');
    assert.deepEqual(JSON.parse((await registered).postData()), { terms_accepted: true });
    await screen(page, 'registered');
    assert.equal(await page.getAttribute('#registered', 'data-outcome'), 'Registered');
    assert.deepEqual(await auditScreen(page, 'registered'), []);

    // Back at the check-in kiosk, the same card now finds its insurance.
    await page.goto(env.stack.url);
    await page.evaluate(() => window.__onshiFakeUsb);
    await screen(page, 'welcome');
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');

    // Registering again changes nothing and says so.
    await page.click('#start-over');
    await page.click('#register');
    await enterPin(page, holder.pin);
    await screen(page, 'registration-terms');
    await page.click('#terms-accept');
    await screen(page, 'registered');
    assert.equal(await page.getAttribute('#registered', 'data-outcome'), 'AlreadyRegistered');
    await context.close();
  });
});
