// End to end: in an outage the kiosk fills the 被保険者資格申立書 from the patient's card and hands it to the
// counter, in headless Chromium against the real edge (workerd) and origin. The staff console is open and signed in
// (so its capture key is published); the origin stops; a patient checks in, is told they will not pay 10割, agrees
// to fill the 申立書 from the card, types the card's 券面事項入力補助AP PIN, checks the four items and sends them; the
// kiosk gives them the short reference to say at the counter, and the staff console's outage list shows the capture
// (marked as read at the kiosk, with the same reference). The edge never sees plain text: neither the requests'
// bodies nor the stack's logs hold the name or the address, and nothing personal is left in the kiosk's storage or
// on its screen. With voice guidance on, the reference is said one character at a time. The patient presses
// 「終了」 (or Enter) and the kiosk is back at the start with nothing of the capture left; a card taken out clears
// the end by itself soon after. A patient who declines sends nothing; a wrong 券面事項入力補助AP PIN says the tries
// left and can be typed again, and one typed wrong until it locks (the last try asked first) ends in the paper form
// with nothing sent; the pad works by keys alone, and a patient who does not know this PIN chooses the counter from
// it; one who agrees and then takes the card out, or walks away and lets the idle reset fire, leaves nothing
// behind. Every new screen is checked in every language with axe-core and saved under tests/artifacts/screens/.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import {
  STAFF_RAW_KEY, auditScreen, enterPin, instrumentSpeech, openKiosk, openStaff, screen, screenshot, useStack,
} from './support.mjs';

const PETITION_PATH = '/api/v1/petitions';
const STAFF_PETITIONS_PATH = '/api/v1/staff/petitions';
const STAFF_PETITION_KEY_PATH = '/api/v1/staff/petitions/key';

/** A PIN of the same length that is not `pin`: every digit one higher. */
const wrongPin = (pin) => pin.split('').map((d) => String((Number(d) + 1) % 10)).join('');

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

/** What of a card's holder must never be seen in clear outside the kiosk's review and the staff console. */
function personalOf(holder) {
  const [family, given] = holder.name.split('　');
  return [holder.name, family, given, holder.address, holder.address.slice(0, 6), holder.birth_date,
    holder.birth_date.replaceAll('-', '')];
}

/** Every value in the kiosk's local storage, session storage and IndexedDB databases, as text. */
async function kioskStorage(page) {
  return page.evaluate(async () => {
    const parts = [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })];
    for (const { name } of await indexedDB.databases()) {
      const database = await new Promise((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of database.objectStoreNames) {
        const records = await new Promise((resolve, reject) => {
          const request = database.transaction(store, 'readonly').objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const decoder = new TextDecoder('utf-8', { fatal: false });
        parts.push(JSON.stringify(records, (_, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v)
          ? decoder.decode(v) : v)));
      }
      database.close();
    }
    return parts.join('\n');
  });
}

/**
 * The kiosk's whole document as markup, without the demo build's card picker (which lists the demo cards' labels
 * on the start screen whoever is at the kiosk).
 */
async function kioskPage(page) {
  return page.evaluate(() => {
    const copy = document.documentElement.cloneNode(true);
    copy.querySelectorAll('.virtual').forEach((picker) => picker.remove());
    return copy.outerHTML;
  });
}

/** The patient's check-in up to the outage screen, which offers to fill the 申立書 from the card. */
async function checkInDuringOutage(page, holder) {
  await page.click('#connect');
  await enterPin(page, holder.pin);
  await screen(page, 'failed');
  assert.equal(await page.getAttribute('#failed', 'data-failure'), 'ServiceUnavailable');
  assert.match(await page.textContent('#failed-next-step'), /10割/);
  await page.waitForSelector('#petition-offer');
}

/**
 * How many VERIFY commands carrying a PIN the reader has passed on so far (the virtual reader's transfer log; a
 * VERIFY is `00 20 00 80 04 …` inside the reader's framing).
 */
async function pinVerifies(page) {
  return page.evaluate(() => window.onshiVirtualUsb.log
    .filter((entry) => entry.dir === 'out' && entry.hex.includes('0020008004')).length);
}

/** Waits until the capture's screen is at `step` (its `data-step`). */
async function petitionStep(page, step, timeout = 20_000) {
  await page.waitForSelector(`main[data-screen="petition"] #petition[data-step="${step}"]`, { timeout });
}

/** Types the 券面事項入力補助AP's PIN on the capture's keypad and confirms it. */
async function enterTextPin(page, pin) {
  await petitionStep(page, 'pin');
  for (const digit of pin) await page.click(`button.key[data-digit="${digit}"]`);
  await page.click('#petition-pin-submit');
}

/** Resolves once the staff console has taken the queued captures `rounds` more times than it had by now. */
async function staffCollects(staff, rounds = 1, timeout = 60_000) {
  const taken = () => staff.requests.filter((r) => r.url.endsWith(STAFF_PETITIONS_PATH)).length;
  const target = taken() + rounds;
  const deadline = Date.now() + timeout;
  while (taken() < target) {
    assert.ok(Date.now() < deadline, `the staff console took no captures within ${timeout} ms`);
    await staff.page.waitForEvent('requestfinished', {
      predicate: (r) => r.url().endsWith(STAFF_PETITIONS_PATH), timeout: Math.max(1, deadline - Date.now()),
    });
  }
}

describe('an outage: the kiosk fills the 申立書 from the card and hands it to the counter', () => {
  const env = useStack();
  let staff;

  before(async () => {
    // The staff console is open and signed in, which publishes its capture key; then the origin stops.
    staff = await openStaff(env.browser, env.stack, { axe: true });
    await staff.page.waitForSelector('#checkins');
    await staff.page.waitForEvent('requestfinished', {
      predicate: (r) => r.url().endsWith(STAFF_PETITION_KEY_PATH), timeout: 30_000,
    }).catch(() => {});
    assert.ok(staff.requests.some((r) => r.url.endsWith(STAFF_PETITION_KEY_PATH)), 'the console published its key');
    await env.stack.stopOrigin();
    await staff.page.waitForSelector('#outage', { timeout: 30_000 });
  });

  test('a patient agrees, checks the four items and sends them: the counter has them, with the same reference', async () => {
    const holder = card('valid');
    const secrets = personalOf(holder);
    const kiosk = await openKiosk(env.browser, env.stack, {
      cardIndex: holder.index, axe: true, initScripts: [instrumentSpeech],
    });
    await screen(kiosk.page, 'welcome');
    const logsBefore = env.stack.logs.length;

    await checkInDuringOutage(kiosk.page, holder);
    assert.deepEqual(await auditScreen(kiosk.page, 'petition-offer'), []);
    await kiosk.page.click('#petition-agree');
    await petitionStep(kiosk.page, 'pin');
    assert.match(await kiosk.page.textContent('#petition-tries-left'), /3/);
    assert.deepEqual(await auditScreen(kiosk.page, 'petition-pin'), []);

    // The 券面事項入力補助AP's PIN (the demo cards use the same 4 digits as for the check-in).
    await enterTextPin(kiosk.page, holder.pin);
    await petitionStep(kiosk.page, 'review');
    assert.equal(await kiosk.page.textContent('#petition-name'), holder.name);
    assert.equal(await kiosk.page.textContent('#petition-birth-date'), holder.birth_date);
    assert.equal(await kiosk.page.textContent('#petition-sex'), '男');
    assert.equal(await kiosk.page.textContent('#petition-address'), holder.address);
    assert.deepEqual(await auditScreen(kiosk.page, 'petition-review'), []);

    // The patient turns the voice guidance on before sending: the kiosk says the reference one character at a
    // time, so a patient who cannot see the screen can repeat it at the counter.
    await kiosk.page.click('#aid-voice');
    await kiosk.page.click('#petition-send');
    await petitionStep(kiosk.page, 'sent');
    const reference = (await kiosk.page.textContent('#petition-reference')).trim();
    assert.match(reference, /^[0-9A-F]{6}$/);
    const spokenReference = `受付でお伝えいただく番号は、${reference.split('').join(', ')}、です。`;
    await kiosk.page.waitForFunction((sentence) => window.__spoken.some((u) => u.text === sentence), spokenReference);
    const spoken = await kiosk.page.evaluate(() => window.__spoken.map((u) => u.text).join('\n'));
    for (const secret of secrets) assert.ok(!spoken.includes(secret), `${secret} was said aloud`);
    assert.match(await kiosk.page.textContent('#petition'), /10割/);
    // The items left the screen (and the page) with the review.
    const dom = await kioskPage(kiosk.page);
    for (const secret of secrets) assert.ok(!dom.includes(secret), `${secret} is still in the kiosk's page`);
    assert.deepEqual(await auditScreen(kiosk.page, 'petition-sent'), []);

    // The edge got ciphertext only: no request of the kiosk carries the items, and the sealed capture went once.
    const posted = kiosk.requests.filter((r) => r.method === 'POST' && r.url.endsWith(PETITION_PATH));
    assert.equal(posted.length, 1);
    assert.ok(JSON.parse(posted[0].body).ciphertext, 'the capture went sealed');
    const sent = kiosk.requests.map((r) => `${r.url} ${r.body ?? ''}`).join('\n');
    for (const secret of secrets) assert.ok(!sent.includes(secret), `${secret} was sent by the kiosk in clear`);
    // Nothing personal stays in the kiosk's storage.
    const stored = await kioskStorage(kiosk.page);
    for (const secret of secrets) assert.ok(!stored.includes(secret), `${secret} is in the kiosk's storage`);

    // The staff console collects it on its own, lists it as read at the kiosk, with the same reference, and says
    // plainly that it is not re-checked automatically.
    const capture = staff.page.locator('li.declaration', { has: staff.page.locator(`.from-kiosk[data-reference="${reference}"]`) });
    await capture.waitFor({ timeout: 60_000 });
    assert.equal(await capture.locator('dd.name').textContent(), holder.name);
    assert.match(await capture.locator('dd.birth-date').textContent(), new RegExp(holder.birth_date));
    assert.equal(await capture.locator('dd.sex').textContent(), '男');
    assert.equal(await capture.locator('dd.address').textContent(), holder.address);
    assert.match(await capture.locator('.from-kiosk').textContent(), new RegExp(`キオスク.*${reference}`));
    assert.equal(await capture.getAttribute('data-recheck'), 'pending');
    assert.doesNotMatch(await capture.locator('.recheck').textContent(), /自動で確認します/);
    assert.match(await capture.locator('.recheck').textContent(), /キオスク.*自動では確認しません/);
    assert.deepEqual(await auditScreen(staff.page, 'outage-staff-kiosk-capture', { rawKey: STAFF_RAW_KEY }), []);

    // Nor did the staff console's calls carry the items (it opened them in the page), nor did any process of the
    // stack (edge, origin) log them.
    const staffSent = staff.requests.map((r) => `${r.url} ${r.body ?? ''}`).join('\n');
    for (const secret of secrets) assert.ok(!staffSent.includes(secret), `${secret} was sent by the staff console`);
    const logged = env.stack.logs.slice(logsBefore).join('\n');
    for (const secret of secrets) assert.ok(!logged.includes(secret), `${secret} is in the stack's logs`);

    // The patient is done and presses 「終了」 (the card still in the reader): the kiosk is back at the start for
    // the next patient, with nothing of the capture left, not even the reference.
    assert.match(await kiosk.page.textContent('#petition .remove'), /カードをお取りください/);
    assert.equal((await kiosk.page.textContent('#petition-finish')).trim(), '終了');
    await kiosk.page.click('#petition-finish');
    await screen(kiosk.page, 'welcome');
    assert.equal(await kiosk.page.$('#petition'), null);
    assert.ok(!(await kiosk.page.textContent('main')).includes(reference), 'the reference is still on screen');
    const left = await kioskPage(kiosk.page);
    for (const secret of secrets) assert.ok(!left.includes(secret), `${secret} is still in the kiosk's page`);
    const storedAfter = await kioskStorage(kiosk.page);
    for (const kept of [reference, ...secrets]) assert.ok(!storedAfter.includes(kept), `${kept} is in the kiosk's storage`);
    await kiosk.context.close();
  });

  test('a patient who declines, at the offer or after seeing the items, sends nothing', async () => {
    const before = await staff.page.locator('li.declaration').count();
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await checkInDuringOutage(kiosk.page, holder);
    await kiosk.page.click('#petition-decline');
    await petitionStep(kiosk.page, 'declined');
    assert.match(await kiosk.page.textContent('#petition-declined'), /受付で申立書にご記入ください/);
    assert.deepEqual(await auditScreen(kiosk.page, 'petition-declined'), []);
    // A keyboard user finishes with Enter, which presses 「終了」 (the audit left the focus on the language switcher;
    // the keyboard user's starts on the screen's heading, as on every new screen).
    await kiosk.page.focus('#heading');
    await kiosk.page.keyboard.press('Enter');
    await screen(kiosk.page, 'welcome');
    await kiosk.context.close();

    // Another agrees, reads the items, and then would rather write the form at the counter.
    const second = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: false });
    await checkInDuringOutage(second.page, holder);
    await second.page.click('#petition-agree');
    await enterTextPin(second.page, holder.pin);
    await petitionStep(second.page, 'review');
    await second.page.click('#petition-dont-send');
    await petitionStep(second.page, 'declined');
    const dom = await kioskPage(second.page);
    for (const secret of personalOf(holder)) assert.ok(!dom.includes(secret), `${secret} is still in the page`);

    for (const { requests } of [kiosk, second]) {
      assert.equal(requests.filter((r) => r.url.includes(PETITION_PATH)).length, 0, 'the kiosk called the relay');
    }
    // A full collection round later, the console has nothing new.
    await staffCollects(staff, 1);
    assert.equal(await staff.page.locator('li.declaration').count(), before);
    assert.equal(await staff.page.locator('li.declaration', { hasText: holder.name }).count(), 0);
    await second.context.close();
  });

  test('a wrong 券面事項入力補助AP PIN says the tries left and lets the patient try again; the right one reads the card', async () => {
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await checkInDuringOutage(kiosk.page, holder);
    await kiosk.page.click('#petition-agree');
    await petitionStep(kiosk.page, 'pin');
    assert.match(await kiosk.page.textContent('#petition-tries-left'), /3/);
    await enterTextPin(kiosk.page, wrongPin(holder.pin));
    // Back on the pad, empty, with the card's own count of what is left.
    await kiosk.page.waitForSelector('#petition-tries-left:has-text("2")');
    await petitionStep(kiosk.page, 'pin');
    assert.match(await kiosk.page.textContent('#petition [role="alert"]'), /暗証番号がちがいます/);
    assert.equal(await kiosk.page.locator('.pin-dots .dot.filled').count(), 0);
    assert.deepEqual(await auditScreen(kiosk.page, 'petition-pin-wrong'), []);
    await enterTextPin(kiosk.page, holder.pin);
    await petitionStep(kiosk.page, 'review');
    assert.equal(await kiosk.page.textContent('#petition-name'), holder.name);
    await kiosk.page.click('#petition-dont-send');
    await petitionStep(kiosk.page, 'declined');
    assert.equal(kiosk.requests.filter((r) => r.url.includes(PETITION_PATH)).length, 0);
    await kiosk.context.close();
  });

  test('a 券面事項入力補助AP PIN typed wrong until it locks ends in the paper form, and nothing is sent', async () => {
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await checkInDuringOutage(kiosk.page, holder);
    await kiosk.page.click('#petition-agree');
    for (const left of ['2', '1']) {
      await enterTextPin(kiosk.page, wrongPin(holder.pin));
      await kiosk.page.waitForSelector(`#petition-tries-left:has-text("${left}")`);
    }
    // At one try left the pad warns, and OK asks first: a wrong PIN now locks the 券面事項入力補助AP.
    assert.match(await kiosk.page.textContent('#petition-last-try'), /ロックされます/);
    await enterTextPin(kiosk.page, wrongPin(holder.pin));
    await kiosk.page.waitForSelector('#petition-last-try-confirm');
    assert.match(await kiosk.page.textContent('#petition-confirm-body'), /健康保険の確認に使った暗証番号はそのまま使えます/);
    assert.deepEqual(await auditScreen(kiosk.page, 'petition-pin-last-try'), []);
    // The third wrong PIN, confirmed, locks the card's 券面事項入力補助AP (it allows three tries).
    await kiosk.page.click('#petition-confirm-send');
    await petitionStep(kiosk.page, 'failed');
    assert.match(await kiosk.page.textContent('#petition-failed'), /券面事項入力補助用の暗証番号がロックされています/);
    assert.match(await kiosk.page.textContent('#petition-failed'), /受付で申立書にご記入ください/);
    assert.equal(await kiosk.page.$('#petition-name'), null);
    assert.deepEqual(await auditScreen(kiosk.page, 'petition-pin-blocked'), []);
    assert.equal(kiosk.requests.filter((r) => r.url.includes(PETITION_PATH)).length, 0, 'the kiosk called the relay');
    await kiosk.context.close();
  });

  test('a card whose 券面事項入力補助AP PIN is locked already goes to the paper form at once, with no PIN asked', async () => {
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, textPinBlocked: true });
    // The insurance PIN is another PIN: the check-in itself goes as for anyone, up to the outage.
    await checkInDuringOutage(kiosk.page, holder);
    const verifiesBefore = await pinVerifies(kiosk.page);
    await kiosk.page.click('#petition-agree');
    await petitionStep(kiosk.page, 'failed');
    assert.match(await kiosk.page.textContent('#petition-failed'), /券面事項入力補助用の暗証番号がロックされています/);
    assert.match(await kiosk.page.textContent('#petition-failed'), /受付で申立書にご記入ください/);
    assert.equal(await kiosk.page.$('#petition-pin-submit'), null, 'no PIN pad was shown');
    assert.equal(await pinVerifies(kiosk.page), verifiesBefore, 'no PIN went to the locked AP');
    assert.equal(kiosk.requests.filter((r) => r.url.includes(PETITION_PATH)).length, 0);
    await kiosk.context.close();
  });

  test('the pad by keys alone: at one try left Enter asks first, Backspace withdraws it, Enter confirms the right PIN', async () => {
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    const page = kiosk.page;
    await checkInDuringOutage(page, holder);
    await page.click('#petition-agree');
    await petitionStep(page, 'pin');
    assert.match(await page.textContent('#petition-pin-keys'), /Enter/);
    const typeByKeys = async (pin) => {
      for (const digit of pin) await page.keyboard.press(digit);
      await page.waitForSelector('.pin-dots[aria-label="4 けた入力済み"]');
    };
    for (const left of ['2', '1']) {
      await typeByKeys(wrongPin(holder.pin));
      await page.keyboard.press('Enter');
      await page.waitForSelector(`#petition-tries-left:has-text("${left}")`);
    }
    // The right PIN at one try left: Enter only asks; nothing reaches the card, so the count stays at 1.
    await typeByKeys(holder.pin);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#petition-last-try-confirm');
    assert.equal(await page.getAttribute('#petition', 'data-step'), 'pin');
    assert.match(await page.textContent('#petition-tries-left'), /1/);
    // Backspace withdraws the question and empties the pad, as 「入力しなおす」 does.
    await page.keyboard.press('Backspace');
    await page.waitForSelector('#petition-last-try-confirm', { state: 'detached' });
    assert.equal(await page.locator('.pin-dots .dot.filled').count(), 0);
    await typeByKeys(holder.pin);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#petition-last-try-confirm');
    await page.keyboard.press('Enter');
    await petitionStep(page, 'review');
    assert.equal(await page.textContent('#petition-name'), holder.name);
    await page.click('#petition-dont-send');
    await petitionStep(page, 'declined');
    assert.equal(kiosk.requests.filter((r) => r.url.includes(PETITION_PATH)).length, 0);
    await kiosk.context.close();
  });

  test('a patient who does not know this PIN chooses the counter at the pad: nothing is read or sent', async () => {
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await checkInDuringOutage(kiosk.page, holder);
    await kiosk.page.click('#petition-agree');
    await petitionStep(kiosk.page, 'pin');
    await kiosk.page.click('#petition-pin-paper');
    await petitionStep(kiosk.page, 'declined');
    assert.match(await kiosk.page.textContent('#petition-declined'), /カードからは何も読み取っていません/);
    assert.equal(await kiosk.page.$('#petition-name'), null);
    assert.equal(kiosk.requests.filter((r) => r.url.includes(PETITION_PATH)).length, 0);
    // Nothing was read, so the kiosk asks for the card and offers 「終了」 as every end does.
    await kiosk.page.waitForSelector('#petition-finish');
    await kiosk.context.close();
  });

  test('a patient who agrees and then takes the card out leaves nothing behind', async () => {
    await takenAtTheReview('ccid-apdu');
  });

  test('on a reader that announces nothing (RC-S380) a card taken out at the review is noticed too', async () => {
    await takenAtTheReview('rcs380');
  });

  /** Reads the card with `readerKind`, then takes it out while the four items are on screen. */
  async function takenAtTheReview(readerKind) {
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true, readerKind });
    await checkInDuringOutage(kiosk.page, holder);
    await kiosk.page.click('#petition-agree');
    await enterTextPin(kiosk.page, holder.pin);
    await petitionStep(kiosk.page, 'review');
    // The card leaves the reader while the items are on screen: they go at once, and nothing is sent.
    await kiosk.page.evaluate(() => window.onshiVirtualUsb.removeCard());
    await kiosk.page.waitForSelector('#petition-name', { state: 'detached' });
    // The card is gone and nothing is left to do: the screen will clear by itself soon, as the answer's does (the
    // audit's taps below give it the full time again each time).
    assert.equal(await kiosk.page.getAttribute('#petition', 'data-card-taken'), 'true');
    const dom = await kioskPage(kiosk.page);
    for (const secret of personalOf(holder)) assert.ok(!dom.includes(secret), `${secret} is still in the page`);
    if (readerKind === 'ccid-apdu') {
      await screenshot(kiosk.page, 'screens/petition-card-taken.ja');
      assert.deepEqual(await auditScreen(kiosk.page, 'petition-card-taken'), []);
    }
    assert.equal(kiosk.requests.filter((r) => r.url.includes(PETITION_PATH)).length, 0);
    const stored = await kioskStorage(kiosk.page);
    for (const secret of personalOf(holder)) assert.ok(!stored.includes(secret), `${secret} is in the kiosk's storage`);
    await screen(kiosk.page, 'welcome', 30_000);
    await kiosk.context.close();
  }

  test('a patient who walks away from the review leaves nothing once the idle reset fires', async () => {
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, fakeClock: true });
    await checkInDuringOutage(kiosk.page, holder);
    await kiosk.page.click('#petition-agree');
    await enterTextPin(kiosk.page, holder.pin);
    await petitionStep(kiosk.page, 'review');
    await kiosk.page.clock.fastForward(61_000);
    await kiosk.page.waitForSelector('#idle-warning');
    await kiosk.page.clock.fastForward(31_000);
    await screen(kiosk.page, 'welcome');
    const dom = await kioskPage(kiosk.page);
    for (const secret of personalOf(holder)) assert.ok(!dom.includes(secret), `${secret} is still in the page`);
    assert.equal(kiosk.requests.filter((r) => r.url.includes(PETITION_PATH)).length, 0);
    await kiosk.context.close();
  });
});
