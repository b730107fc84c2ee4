// End to end: a 顔認証マイナンバーカード, which has no PIN at all, at a kiosk with no face authentication, in headless
// Chromium against the real edge in workerd and the real origin. The kiosk learns that the card has no PIN from two
// empty VERIFYs (which spend no try) and never shows the PIN pad; the patient reaches the visual check (目視) with
// one tap on a screen that says why; staff see the request marked as a card without a PIN, approve it, the kiosk
// shows the answer, and the check-in row it becomes keeps the mark. The new screen is checked with axe in every kiosk language, and the marked request in
// every staff language (tests/artifacts/screens/pinless-*.png).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { STAFF_RAW_KEY, auditScreen, openKiosk, openPendingOf, openStaff, screen, useStack } from './support.mjs';

/** The PIN-less card follows the fixed demo cards and the four others with a state of their own (onshi-vcard `dated`). */
const PIN_NOT_SET_INDEX = DEMO_CARDS.length + 4;
/** Whose card it is: the demo person whose certificate serial it carries. */
const HOLDER = DEMO_CARDS.find((card) => card.scenario === 'elderly');

/** The APDUs of every VERIFY the kiosk sent to the JPKI 利用者証明用 PIN (EF 0018 by SFI: P2 0x98), as hex. */
async function verifiesSent(page) {
  const log = await page.evaluate(() => window.onshiVirtualUsb.log.map((entry) => ({ ...entry })));
  // On the short-APDU CCID reader each PC_to_RDR_XfrBlock is a 10-byte header and then the APDU itself.
  return log.filter((entry) => entry.dir === 'out' && entry.hex.startsWith('6f'))
    .map((entry) => entry.hex.slice(20))
    .filter((apdu) => apdu.startsWith('00200098'));
}

describe('a card with no PIN', () => {
  const env = useStack();

  test('lands on the visual check in one tap, with no PIN sent, and staff see why', async () => {
    const staff = await openStaff(env.browser, env.stack, { axe: true });
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: PIN_NOT_SET_INDEX, axe: true });
    const { page } = kiosk;
    await page.click('#connect');
    await screen(page, 'no-pin');
    assert.equal(await page.$('#pin-keys'), null, 'no PIN pad is shown');
    assert.ok((await page.textContent('#no-pin-why')).includes('目視'));
    assert.ok((await page.textContent('#no-pin-certificate')).includes('資格確認書'));
    // Only empty VERIFYs reached the card: its state was read twice, the second time after a fresh SELECT, and
    // nothing that could count as a try was sent.
    assert.deepEqual(await verifiesSent(page), ['00200098', '00200098']);
    const problems = await auditScreen(page, 'pinless-kiosk');
    assert.deepEqual(problems, []);

    // One tap: the desk is asked with the certificate and the reason.
    const asked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/visual-check');
    await page.click('#no-pin #visual-check');
    const body = JSON.parse((await asked).postData());
    assert.equal(body.reason, 'pin_not_set');
    assert.ok(body.certificate);
    await screen(page, 'visual-check');

    // Staff see the request marked as a card without a PIN, in their language.
    const marked = staff.page.locator('li.pending[data-reason="pin_not_set"]');
    await marked.first().waitFor();
    assert.ok((await marked.first().textContent()).includes('顔認証マイナンバーカード（暗証番号なし）'));
    const pending = await openPendingOf(staff.page, HOLDER.name);
    assert.equal(await pending.getAttribute('data-reason'), 'pin_not_set');
    const staffProblems = await auditScreen(staff.page, 'pinless-staff', { rawKey: STAFF_RAW_KEY });
    assert.deepEqual(staffProblems, []);
    await pending.locator('button.approve').click();
    await pending.waitFor({ state: 'detached' });

    // The kiosk collects the approval and shows the qualification; still no PIN was ever sent.
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    assert.deepEqual(await verifiesSent(page), ['00200098', '00200098']);

    // The request has left the queue; the check-in row it became still says why, in words and with a shape.
    const row = staff.page.locator('tr.checkin[data-method="visual_check"]', { hasText: HOLDER.name }).first();
    await row.waitFor();
    const reason = row.locator('td.method .visual-check-reason');
    assert.equal(await reason.getAttribute('data-reason'), 'pin_not_set');
    assert.equal(await reason.textContent(), '顔認証マイナンバーカード（暗証番号なし）');
    assert.deepEqual(await reason.locator('.reason-mark').evaluate((el) => ({
      content: getComputedStyle(el, '::before').content, hidden: el.getAttribute('aria-hidden'),
    })), { content: '"◎"', hidden: 'true' });
    await staff.page.click('nav.langs button[lang="en"]');
    await staff.page.waitForSelector('main[lang="en"]');
    assert.equal(await reason.textContent(), 'Face-authentication card (no PIN)');
    await staff.page.click('nav.langs button[lang="ja"]');
    await staff.page.waitForSelector('main[lang="ja"]');
    // Every staff language has the words, and the marked row passes axe.
    assert.deepEqual(await auditScreen(staff.page, 'pinless-staff-row', { rawKey: STAFF_RAW_KEY }), []);
    await kiosk.context.close();
    await staff.context.close();
  });

  test('a patient who takes the card instead is let go, and the screen clears for the next person', async () => {
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: PIN_NOT_SET_INDEX, fakeClock: true });
    const { page } = kiosk;
    await page.click('#connect');
    await screen(page, 'no-pin');
    await page.evaluate(() => window.onshiVirtualUsb.removeCard());
    await page.waitForSelector('#no-pin[data-card-taken="true"] #card-taken');
    assert.ok(!kiosk.requests.some((r) => new URL(r.url).pathname === '/api/v1/visual-check'), 'nobody was called');
    await page.clock.runFor(9_000);
    await screen(page, 'welcome');
    await kiosk.context.close();
  });
});
