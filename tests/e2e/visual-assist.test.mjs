// End to end: the 目視 assist at the kiosk, in headless Chromium against the real edge in workerd and the real
// origin. Staff standing at the kiosk open it from the 目視 waiting screen and type 照合番号B from the card face they
// hold; the kiosk reads the card's counter first, sends at most one VERIFY and none at three tries or fewer; on a
// correct number it shows the chip's photo (decoded by the lazily loaded /pkg-photo/ module) and four items beside
// the camera, and 確認 sends the 目視 request with the card's proof, which staff approve. A wrong number costs
// exactly one try and shows no face; the card taken out ends the assist; no photo or image byte reaches the edge, nor
// a line the edge, the origin, the kiosk's page or the staff console's page prints. Each new screen is
// checked with axe in every kiosk language and photographed (tests/artifacts/screens/assist-*.png).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEMO_CARDS, ROOT } from '../../xtask/stack.mjs';
import { auditScreen, openKiosk, openPendingOf, openStaff, screen, useStack } from './support.mjs';

const CARD = 0;
const HOLDER = DEMO_CARDS[CARD];
const PHOTO = readFileSync(join(ROOT, 'shared/vcard/data/face/synthetic-face.jp2'));
const NAME_IMAGE = readFileSync(join(ROOT, 'shared/vcard/data/face/name-placeholder.png'));

/**
 * Runs of the photo's and the name image's bytes, from their start and from the middle of each (the photo's middle
 * is its compressed picture, which no other JPEG 2000 file shares), as a log line could spell them: base64 at each
 * of the three alignments a longer buffer could give them (less the tail, which depends on what follows), hex in
 * either case, and the decimal lists that Rust's `{:?}` and JavaScript's `String(Uint8Array)` print.
 */
function imageSpellings() {
  const runs = [PHOTO, NAME_IMAGE].flatMap((image) => {
    const middle = Math.floor(image.length / 2);
    return [image.subarray(0, 96), image.subarray(middle, middle + 96)];
  });
  return runs.flatMap((run) => [
    ...[0, 1, 2].map((skip) => run.subarray(skip).toString('base64').slice(0, -4)),
    run.toString('hex'),
    run.toString('hex').toUpperCase(),
    [...run.subarray(0, 24)].join(', '),
    [...run.subarray(0, 24)].join(','),
  ]);
}

/** The lines among `lines` that carry a run of the photo's or the name image's bytes in any of those spellings. */
function linesWithImageBytes(lines) {
  const spellings = imageSpellings();
  return lines.filter((line) => spellings.some((spelling) => line.includes(spelling)));
}

/** A camera for the page: a canvas's stream stands in for `getUserMedia`, as a kiosk's camera would answer. */
function fakeCamera() {
  const stream = () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const context = canvas.getContext('2d');
    context.fillStyle = '#8ab';
    context.fillRect(0, 0, 320, 240);
    return canvas.captureStream(5);
  };
  Object.defineProperty(navigator, 'mediaDevices', {
    value: { getUserMedia: async () => stream() }, configurable: true,
  });
}

/** A kiosk with no camera: the browser finds none. */
function noCamera() {
  Object.defineProperty(navigator, 'mediaDevices', {
    value: { getUserMedia: async () => { throw new DOMException('Requested device not found', 'NotFoundError'); } },
    configurable: true,
  });
}

/** Every APDU the kiosk sent on the short-APDU reader (a 10-byte XfrBlock header, then the APDU), as hex. */
async function apdusSent(page) {
  const log = await page.evaluate(() => window.onshiVirtualUsb.log.map((entry) => ({ ...entry })));
  return log.filter((entry) => entry.dir === 'out' && entry.hex.startsWith('6f')).map((entry) => entry.hex.slice(20));
}

/** The VERIFYs of 照合番号B that carried a number (empty VERIFYs, which read the counter, are not among them). */
async function collationVerifies(page) {
  return (await apdusSent(page)).filter((apdu) => apdu.startsWith('002000800e'));
}

/** The empty VERIFYs that read 照合番号B's counter without spending a try. */
async function counterReads(page) {
  return (await apdusSent(page)).filter((apdu) => apdu === '00200080');
}

async function triesLeft(page) {
  return page.evaluate(() => window.onshiVirtualUsb.reader.collation_b_tries_left());
}

/** The demo card's 照合番号B as printed on its face: 和暦 birth date, expiry year, security code. */
async function printedNumber(page, index = CARD) {
  const digits = await page.evaluate((i) => window.onshiVirtualUsb.reader.constructor.card_collation_b(i), index);
  return { birth: digits.slice(0, 6), expiry: digits.slice(6, 10), code: digits.slice(10, 14) };
}

/** Puts the card back in the reader with 照合番号B's counter at `tries` (before the kiosk opens the reader). */
async function counterAt(page, tries) {
  await page.evaluate((t) => {
    const reader = window.onshiVirtualUsb.reader;
    reader.remove_card();
    reader.insert_card_with_collation_b_tries_left(0, t);
  }, tries);
}

/** From the PIN pad to the 目視 waiting screen, then staff open the assist. */
async function openAssist(page) {
  await page.click('#connect');
  await screen(page, 'pin');
  await page.click('#visual-check');
  await screen(page, 'visual-check');
  const withdrawn = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/visual-check/withdraw');
  await page.click('#open-assist');
  await screen(page, 'assist');
  // The request waiting for staff leaves the console while they stand at the kiosk.
  await withdrawn;
}

async function typeNumber(page, { birth, expiry, code }) {
  await page.fill('#assist-birth', birth);
  await page.fill('#assist-expiry', expiry);
  await page.fill('#assist-code', code);
  await page.click('#assist-submit');
}

/** A wrong security code for `number`: same birth date and year, another code. */
function wrongCode(number) {
  return { ...number, code: number.code === '0000' ? '1111' : '0000' };
}

describe('the 目視 assist at the kiosk', () => {
  const env = useStack();

  test('a wrong number costs one try; the right one shows the chip face, and 確認 sends only the proof', async () => {
    const staff = await openStaff(env.browser, env.stack);
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: CARD, axe: true, initScripts: [fakeCamera] });
    const { page } = kiosk;
    await openAssist(page);
    assert.equal(await page.getAttribute('#assist-code', 'type'), 'password', 'the security code is masked');
    assert.deepEqual(await auditScreen(page, 'assist-form'), []);

    // The 西暦 helper turns a date staff know into the digits the card prints.
    await page.fill('#assist-seireki', '1990-04-01');
    await page.click('#assist-convert');
    assert.equal(await page.inputValue('#assist-birth'), '020401');
    assert.match(await page.textContent('#assist-seireki-result'), /平成2年4月1日/);

    // A 西暦 year typed where the 和暦 goes is named on the form, and nothing reaches the card.
    const number = await printedNumber(page);
    await typeNumber(page, { ...number, birth: '19900401' });
    await page.waitForSelector('#assist[data-step="invalid"] #assist-problem');
    assert.match(await page.textContent('#assist-problem'), /和暦/);
    assert.deepEqual(await counterReads(page), []);
    assert.equal(await triesLeft(page), 10);

    // A wrong security code: the counter is read first, then exactly one VERIFY, and one try is gone.
    await typeNumber(page, wrongCode(number));
    await page.waitForSelector('#assist[data-step="wrong"] #assist-wrong');
    assert.match(await page.textContent('#assist-wrong'), /違います。残り 9 回/);
    assert.equal(await page.$('#assist-face'), null, 'a wrong number shows no face');
    assert.equal(await page.$('#assist-photo'), null);
    assert.equal(await triesLeft(page), 9);
    assert.equal((await counterReads(page)).length, 1);
    assert.equal((await collationVerifies(page)).length, 1);
    assert.equal(await page.inputValue('#assist-code'), '', 'what was typed left the form');
    assert.deepEqual(await auditScreen(page, 'assist-wrong'), []);

    // The right number: the face is shown, the photo drawn from the chip, the four items beside the camera.
    await typeNumber(page, number);
    await page.waitForSelector('#assist[data-step="face"] #assist-face[data-photo="shown"][data-camera="shown"]');
    assert.equal(await triesLeft(page), 10, 'a correct number resets the counter');
    assert.equal((await collationVerifies(page)).length, 2);
    const inked = await page.evaluate(() => {
      const canvas = document.querySelector('#assist-photo');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] < 200) dark += 1;
      return { width: canvas.width, height: canvas.height, dark };
    });
    assert.ok(inked.width > 100 && inked.height > 100, JSON.stringify(inked));
    assert.ok(inked.dark > 1000, `the photo has ink: ${JSON.stringify(inked)}`);
    for (const id of ['assist-name', 'assist-address']) {
      assert.ok(await page.evaluate((i) => document.getElementById(i).width > 0, id), `${id} is drawn`);
    }
    const birth = HOLDER.birth_date;
    assert.ok((await page.textContent('#assist-birth-shown')).includes(birth), 'the birth date with its 西暦');
    assert.ok((await page.textContent('#assist-sex')).length > 0);
    // The photo module was fetched only now, for this screen.
    assert.ok(kiosk.requests.some((r) => new URL(r.url).pathname.startsWith('/pkg-photo/')));
    assert.deepEqual(await auditScreen(page, 'assist-face'), []);

    // 確認: the request goes out with the card's proof, and staff approve it as any 目視.
    const asked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/visual-check');
    await page.click('#assist-confirm');
    const body = JSON.parse((await asked).postData());
    assert.deepEqual(Object.keys(body.card_face).sort(),
      ['card_signature', 'challenge_id', 'issuer_signature', 'name_address_digest', 'photo_digest', 'signed_group_one']);
    await screen(page, 'visual-check');
    assert.equal(await page.$('#assist-face'), null, 'the face is gone from the page');
    const pending = await openPendingOf(staff.page, HOLDER.name);
    // Staff see that the card was proven present at the kiosk, and only that.
    assert.equal(await pending.getAttribute('data-card-proven'), 'true');
    assert.match(await pending.locator('.card-proven').textContent(), /券面AP確認済/);
    await pending.locator('button.approve').click();
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');

    // Nothing of the photo or the images left the kiosk, in any request it made.
    const photoSlice = PHOTO.subarray(0, 96);
    const nameSlice = NAME_IMAGE.subarray(0, 96);
    for (const request of kiosk.requests) {
      const sent = request.body ?? '';
      for (const slice of [photoSlice, nameSlice]) {
        assert.ok(!sent.includes(slice.toString('base64')), `${request.url} carries image bytes (base64)`);
        assert.ok(!sent.includes(slice.toString('hex')), `${request.url} carries image bytes (hex)`);
      }
    }
    assert.deepEqual(linesWithImageBytes(kiosk.requests.map((request) => request.body ?? '')), []);

    // Nor did any reach a log: the edge's and the origin's lines (every line both printed while the stack ran), or
    // the console of the kiosk's page and of the staff console's. The reader's own record of its APDUs
    // (`onshiVirtualUsb.log`) is the test's window onto the card, not a log of onshi's, and is not among them.
    assert.ok(env.stack.logs.some((line) => line.startsWith('[edge] ')), 'the edge\'s lines were recorded');
    assert.ok(env.stack.logs.some((line) => line.startsWith('[origin] ')), 'the origin\'s lines were recorded');
    assert.deepEqual(linesWithImageBytes(env.stack.logs), [], 'no edge or origin log line carries image bytes');
    assert.deepEqual(linesWithImageBytes(kiosk.consoleLines), [], 'no kiosk console line carries image bytes');
    assert.deepEqual(linesWithImageBytes(staff.consoleLines), [], 'no staff console line carries image bytes');
    // The scan finds what it looks for: a line that does spell the photo's middle in hex is caught.
    const middle = PHOTO.subarray(PHOTO.length / 2 | 0, (PHOTO.length / 2 | 0) + 200);
    assert.equal(linesWithImageBytes([`[edge] read ${middle.toString('hex')}`]).length, 1);
    assert.equal(linesWithImageBytes([`photo=${middle.subarray(1).toString('base64')}`]).length, 1);
    await kiosk.context.close();
    await staff.context.close();
  });

  test('a card at three tries left gets no VERIFY at all, and one at four stops after one wrong try', async () => {
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: CARD, axe: true, initScripts: [noCamera] });
    const { page } = kiosk;
    await counterAt(page, 3);
    await openAssist(page);
    await typeNumber(page, await printedNumber(page));
    await page.waitForSelector('#assist[data-step="stopped"] #assist-stopped[data-tries-left="3"]');
    assert.match(await page.textContent('#assist-stopped'), /市区町村/);
    assert.equal((await counterReads(page)).length, 1, 'the counter was read');
    assert.deepEqual(await collationVerifies(page), [], 'no VERIFY reached the card');
    assert.equal(await triesLeft(page), 3);
    assert.equal(await page.$('#assist-submit'), null, 'there is nothing more to submit');
    assert.equal(await page.$('#assist-face'), null, 'a stopped assist shows no face');
    assert.deepEqual(await auditScreen(page, 'assist-stopped'), []);
    await kiosk.context.close();

    const second = await openKiosk(env.browser, env.stack, { cardIndex: CARD, initScripts: [noCamera] });
    await counterAt(second.page, 4);
    await openAssist(second.page);
    await typeNumber(second.page, wrongCode(await printedNumber(second.page)));
    await second.page.waitForSelector('#assist[data-step="stopped"] #assist-stopped[data-tries-left="3"]');
    assert.match(await second.page.textContent('#assist-stopped'), /違います/);
    assert.equal(await second.page.$('#assist-face'), null, 'a wrong number that stops the assist shows no face');
    assert.equal((await collationVerifies(second.page)).length, 1);
    assert.equal(await triesLeft(second.page), 3);
    await second.context.close();
  });

  test('without a camera the photo still shows; 不一致 sends nothing and sends the patient to staff', async () => {
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: CARD, axe: true, initScripts: [noCamera] });
    const { page } = kiosk;
    await openAssist(page);
    await typeNumber(page, await printedNumber(page));
    await page.waitForSelector('#assist-face[data-photo="shown"][data-camera="none"] #assist-no-camera');
    const before = kiosk.requests.filter((r) => new URL(r.url).pathname === '/api/v1/visual-check').length;
    await page.click('#assist-mismatch-button');
    await page.waitForSelector('#assist[data-step="mismatch"] #assist-mismatch');
    assert.equal(await page.$('#assist-photo'), null, 'the photo is gone');
    assert.equal(kiosk.requests.filter((r) => new URL(r.url).pathname === '/api/v1/visual-check').length, before,
      'no 目視 request went out');
    assert.deepEqual(await auditScreen(page, 'assist-mismatch'), []);
    await kiosk.context.close();
  });

  test('the card taken out while staff look at its face ends the assist and wipes the screen', async () => {
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: CARD, initScripts: [fakeCamera] });
    const { page } = kiosk;
    await openAssist(page);
    await typeNumber(page, await printedNumber(page));
    await page.waitForSelector('#assist-face[data-photo="shown"]');
    await page.evaluate(() => window.onshiVirtualUsb.removeCard());
    await screen(page, 'failed');
    assert.match(await page.textContent('main'), /目視アシストを終了/);
    assert.equal(await page.$('#assist-photo'), null);
    assert.equal(await page.$('#assist-camera'), null);
    assert.ok(!kiosk.requests.some((r) => new URL(r.url).pathname === '/api/v1/visual-check' && r.body?.includes('card_face')),
      'no proof was sent');
    await kiosk.context.close();
  });
});

