// End to end: what a patient takes back, in headless Chromium against the real edge and origin with the virtual
// card. A consent given at the kiosk is withdrawn at the kiosk (after reading what it means, and after changing
// their mind once) or by staff from the patient's row at the patient's request, and a consented read that worked a
// second before is refused at once: staff's read of the medicines through the edge, and the origin's own route,
// signed as the edge signs. A 健康保険証利用登録 is cancelled at the registration point, after which the card's next check-in
// answers 該当資格なし with the 資格確認書 guidance; declining on the same screen keeps the registration. Every new
// screen is checked in every language with axe-core and saved as a screenshot under tests/artifacts/screens/.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CARDS, DEMO_FACILITY_CODE } from '../../xtask/stack.mjs';
import {
  STAFF_RAW_KEY, answerConsent, describeOnEachDatabase, enterPin, openKiosk, openStaff, screen,
} from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};
const certificateOf = (holder) => ({ issuer: holder.certificate_issuer, serial: holder.certificate_serial });

/** A consented read at the origin for `holder` at the demo facility: `{ status, error }`. */
async function medicalRead(stack, holder, path = '/v1/medical-info/medication') {
  const read = await stack.postOrigin(path, { certificate: certificateOf(holder), facility_code: DEMO_FACILITY_CODE });
  return { status: read.status, error: read.body.error };
}

/** Checks `holder` in at the kiosk on `page` and agrees to `share` ('all' or single kinds), choosing paper. */
async function checkInAndAgree(page, holder, share) {
  await screen(page, 'welcome');
  await page.click('#connect');
  await enterPin(page, holder.pin);
  await screen(page, 'result');
  await answerConsent(page, share, 'paper');
  await page.waitForSelector('#consent-recorded');
}

/** Staff's read of `holder`'s medicines through the edge, from the patient's newest check-in row: the status and code. */
async function staffRead(staff, holder) {
  const { checkins } = await (await staff.call('/api/v1/staff/checkins')).json();
  const row = checkins.find((checkin) => checkin.name === holder.name);
  assert.ok(row, `a check-in row for ${holder.name}`);
  const read = await staff.call('/api/v1/staff/medical-records', { body: { checkin_id: row.id, kind: 'medication' } });
  return { status: read.status, error: read.status === 200 ? undefined : (await read.json()).error };
}

const bodiesTo = (requests, path) => requests.filter((r) => new URL(r.url).pathname === path).map((r) => JSON.parse(r.body));

describeOnEachDatabase('consent withdrawal, at the kiosk and by staff', {}, (env, { auditScreen }) => {
  test('a patient who agreed withdraws at the kiosk, and a read that worked a second before is refused', async () => {
    const holder = card('valid');
    const { page, context, requests } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await checkInAndAgree(page, holder, 'all');
    assert.deepEqual(await medicalRead(env.stack, holder), { status: 200, error: undefined });
    const staff = await env.stack.openStaffSession();
    assert.deepEqual(await staffRead(staff, holder), { status: 200, error: undefined });

    // The entry sits under the answered question, in every language.
    await page.waitForSelector('#withdraw-consent');
    assert.deepEqual(await auditScreen(page, 'result-withdrawal-offer'), []);
    await page.click('#withdraw-consent');
    await screen(page, 'withdrawal-confirm');
    assert.match(await page.textContent('#withdraw-confirm'), /見られなくなります/);
    assert.deepEqual(await auditScreen(page, 'withdrawal-confirm'), []);
    // The patient changes their mind: back to their answer, nothing sent, the read still works.
    await page.click('#withdraw-confirm-no');
    await screen(page, 'result');
    await page.waitForSelector('#consent-recorded');
    assert.deepEqual(bodiesTo(requests, '/api/v1/consent/withdraw'), []);
    assert.equal((await medicalRead(env.stack, holder)).status, 200);

    // Then they withdraw after all.
    await page.click('#withdraw-consent');
    await screen(page, 'withdrawal-confirm');
    await page.click('#withdraw-confirm-yes');
    await screen(page, 'consent-withdrawn');
    assert.deepEqual(bodiesTo(requests, '/api/v1/consent/withdraw'), [{ confirmed: true }]);
    assert.equal(await page.getAttribute('#withdrawn', 'data-withdrawn'), 'comprehensive');
    assert.deepEqual(await auditScreen(page, 'consent-withdrawn'), []);
    // Every consented read stops at once, staff's through the edge as well as the origin's own, and nothing is live
    // for this facility any more.
    assert.deepEqual(await staffRead(staff, holder), { status: 403, error: 'consent_required' });
    assert.deepEqual(await medicalRead(env.stack, holder), { status: 403, error: 'consent_required' });
    assert.deepEqual(await medicalRead(env.stack, holder, '/v1/medical-info/checkup'), { status: 403, error: 'consent_required' });
    const live = await env.stack.postOrigin('/v1/consent/query', { certificate: certificateOf(holder), facility_code: DEMO_FACILITY_CODE });
    assert.deepEqual(live.body.live, []);
    await context.close();
  });

  test('staff record a withdrawal the patient asks for at the counter, from the row, which then shows it', async () => {
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await checkInAndAgree(kiosk.page, holder, ['medication']);
    await kiosk.context.close();
    assert.equal((await medicalRead(env.stack, holder)).status, 200);

    const { page, context, requests } = await openStaff(env.browser, env.stack, { axe: true });
    const row = page.locator('tr.checkin[data-method="pin"]', { hasText: holder.name }).first();
    await row.locator('.consent-withdraw').waitFor();
    // Opening the confirmation says what withdrawing does; cancelling it sends nothing.
    await row.locator('.consent-withdraw').click();
    await row.locator('[role="alertdialog"]').waitFor();
    assert.match(await row.locator('[role="alertdialog"]').textContent(), /直ちに閲覧できなくなります/);
    assert.deepEqual(await auditScreen(page, 'staff-consent-withdrawal-confirm', { rawKey: STAFF_RAW_KEY }), []);
    await row.locator('.consent-withdraw-cancel').click();
    await row.locator('.consent-withdraw').waitFor();
    assert.deepEqual(bodiesTo(requests, '/api/v1/staff/consent/withdraw'), []);
    assert.equal((await medicalRead(env.stack, holder)).status, 200);

    // The patient insists: staff confirm, and the row says the consent is withdrawn.
    await row.locator('.consent-withdraw').click();
    await row.locator('.consent-withdraw-confirm').click();
    await row.locator('.consent-withdrawn').waitFor();
    const [sent] = bodiesTo(requests, '/api/v1/staff/consent/withdraw');
    assert.deepEqual(Object.keys(sent), ['checkin_id'], 'the facility comes from the staff session, never the page');
    assert.match(await row.locator('.consent-withdrawn').textContent(), /同意撤回済み/);
    assert.deepEqual(await auditScreen(page, 'staff-consent-withdrawn', { rawKey: STAFF_RAW_KEY }), []);
    assert.deepEqual(await medicalRead(env.stack, holder), { status: 403, error: 'consent_required' });
    await context.close();

    // Withdrawing is not for ever: the patient consents again at their next visit, and the read works again.
    const again = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await checkInAndAgree(again.page, holder, ['medication']);
    await again.context.close();
    assert.equal((await medicalRead(env.stack, holder)).status, 200);
  });
});

// Cancelling a registration changes the origin's records, so it runs against its own stack.
describeOnEachDatabase('健康保険証利用登録の解除 at the registration point, on an origin of its own', {}, (env, { auditScreen }) => {
  /** Opens the registration point with `holder`'s card, asks to cancel and proves the card with the PIN. */
  async function openCancelTerms(holder) {
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await kiosk.page.goto(`${env.stack.url}/?mode=register`);
    await kiosk.page.evaluate(() => window.__onshiFakeUsb);
    await screen(kiosk.page, 'welcome');
    await kiosk.page.click('#cancel-registration');
    await enterPin(kiosk.page, holder.pin);
    await screen(kiosk.page, 'registration-cancel-terms');
    return kiosk;
  }

  /** Checks `holder` in at the check-in kiosk on `page` and answers the validity shown. */
  async function checkIn(page, holder) {
    await page.goto(env.stack.url);
    await page.evaluate(() => window.__onshiFakeUsb);
    await screen(page, 'welcome');
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    return page.textContent('#validity');
  }

  test('a patient who opens the cancel screen and declines keeps their registration', async () => {
    const holder = card('elderly');
    const { page, context, requests } = await openCancelTerms(holder);
    assert.match(await page.textContent('#cancel-terms'), /資格確認書/);
    await page.click('#cancel-decline');
    await screen(page, 'welcome');
    assert.deepEqual(bodiesTo(requests, '/api/v1/registration/cancel'), []);
    assert.equal(await checkIn(page, holder), '有効');
    await context.close();
  });

  test('a patient who cancels the registration gets 該当資格なし with the 資格確認書 guidance at the next check-in', async () => {
    const holder = card('valid');
    const { page, context, requests } = await openCancelTerms(holder);
    assert.deepEqual(await auditScreen(page, 'registration-cancel-terms'), []);
    await page.click('#cancel-confirm');
    await screen(page, 'registration-cancelled');
    assert.deepEqual(bodiesTo(requests, '/api/v1/registration/cancel'), [{ confirmed: true }]);
    assert.equal(await page.getAttribute('#cancelled', 'data-outcome'), 'cancelled');
    assert.deepEqual(await auditScreen(page, 'registration-cancelled'), []);

    assert.equal(await checkIn(page, holder), '該当資格なし');
    const guidance = await page.textContent('#guidance');
    assert.match(guidance, /資格確認書/);
    assert.match(guidance, /被保険者資格申立書/);
    assert.deepEqual(await auditScreen(page, 'result-after-registration-cancelled'), []);
    await context.close();
  });
});
