// End to end: the staff console at /staff in headless Chromium, next to a patient kiosk with the virtual card; the
// real edge in workerd and the real origin on SQLite. On a browser enrolled as the facility's staff console (its
// token works nowhere else, and revoking the console ends it), staff log in with a one-time code, see a patient's
// check-in appear with the prescription format chosen at the kiosk, run the number-based check (a wrong check digit
// never leaves the page; the 特定疾病 list is shown in words), and approve a visual check (目視) that the kiosk asked
// for without a PIN.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEMO_CARDS, DEMO_FACILITY_CODE, ROOT } from '../../xtask/stack.mjs';
import {
  answerConsent, callFromStaffConsole, enterPin, openKiosk, openPendingOf, openStaff as openStaffPage, screen,
  screenshot, useStack,
} from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};
// The virtual cards' 利用者証明用 certificates, from the virtual card's own committed test PKI.
const certificateDer = (name) => [...readFileSync(join(ROOT, `shared/vcard/data/test-pki/${name}.cert.der`))];

describe('staff console', () => {
  const env = useStack();

  const openStaff = () => openStaffPage(env.browser, env.stack);

  test('staff log in once with a code and see a patient\'s check-in appear', async () => {
    const { page, context, code } = await openStaff();
    await screenshot(page, 'staff-01-dashboard-empty');
    assert.match(await page.textContent('#facility'), new RegExp(DEMO_FACILITY_CODE));
    // The code was one-time: it cannot open a second session, not even on another enrolled staff console.
    const elsewhere = await env.stack.enrolStaffConsole();
    const again = await elsewhere.call('/api/v1/staff/login', { body: { code } });
    assert.equal(again.status, 401);
    // Without the staff token the list is refused.
    assert.equal((await fetch(`${env.stack.url}/api/v1/staff/checkins`)).status, 401);

    const holder = card('valid');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await kiosk.page.click('#connect');
    await enterPin(kiosk.page, holder.pin);
    await screen(kiosk.page, 'result');
    assert.equal(await kiosk.page.textContent('#validity'), '有効');
    await kiosk.context.close();

    const row = page.locator('tr.checkin[data-validity="valid"][data-method="pin"]', { hasText: holder.name });
    await row.first().waitFor();
    assert.equal(await row.first().locator('.validity').textContent(), '有効');
    assert.equal(await row.first().locator('.ratio').textContent(), '3割');
    assert.match(await row.first().locator('.insurer').textContent(), /全国健康保険協会/);
    // No prescription format was chosen at this check-in, and the list says so rather than guessing one.
    assert.equal(await row.first().getAttribute('data-prescription'), null);
    assert.equal(await row.first().locator('.prescription').textContent(), '未選択');
    await screenshot(page, 'staff-02-checkin-listed');
    await context.close();
  });

  test('a staff token works only from the console it was opened on, and logging out ends it there too', async () => {
    const { page, context } = await openStaff();
    const listed = await page.waitForRequest((request) => request.url().endsWith('/api/v1/staff/checkins'));
    const headers = await listed.allHeaders();
    const authorization = headers.authorization;
    assert.match(authorization ?? '', /^Bearer staff\./);
    assert.ok(headers['x-onshi-device-signature'], 'every staff call carries the console\'s proof');
    const path = '/api/v1/staff/checkins';
    // The token copied off the screen or a log opens nothing by itself, nor from another enrolled staff console.
    const bare = await fetch(`${env.stack.url}${path}`, { headers: { authorization } });
    assert.equal(bare.status, 401);
    const elsewhere = await env.stack.enrolStaffConsole();
    const copied = await elsewhere.call(path, { token: authorization.replace(/^Bearer /, '') });
    assert.equal(copied.status, 401);
    assert.equal((await copied.json()).error, 'session_invalid');
    // Signed with this console's own key, as a script on this very page could, it is served until logout.
    assert.equal((await callFromStaffConsole(page, path, authorization)).status, 200);
    await page.click('#staff-logout');
    await page.waitForSelector('main[data-screen="staff-login"]');
    // The console marks its timeline once the edge has answered the logout.
    await page.waitForFunction(() => performance.getEntriesByName('onshi:staff:logged-out').length > 0);
    // The edge forgot the session: the token is refused although it has not expired, from its own console too.
    assert.deepEqual(await callFromStaffConsole(page, path, authorization), { status: 401, error: 'session_invalid' });
    await context.close();
  });

  test('revoking the staff console ends its session at once and brings back the enrolment screen', async () => {
    const { page, context } = await openStaff();
    const listed = await page.waitForRequest((request) => request.url().endsWith('/api/v1/staff/checkins'));
    const deviceId = (await listed.allHeaders())['x-onshi-device-id'];
    await env.stack.revokeDevice(deviceId);
    // The next refresh of the list is refused for the device, and the console says why, ready for a new code.
    await page.waitForSelector('main[data-screen="staff-enrol"] #enrol-error');
    assert.equal(await page.textContent('#enrol-error'), 'この端末の登録が取り消されました。新しい登録コードで登録してください。');
    // A reload does not bring the revoked identity back.
    await page.reload();
    await page.waitForSelector('main[data-screen="staff-enrol"]');
    await context.close();
  });

  test('the prescription format a patient chose at the kiosk shows on their row of the list', async () => {
    const { page, context } = await openStaff();
    const holder = card('dependent');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await kiosk.page.click('#connect');
    await enterPin(kiosk.page, holder.pin);
    await screen(kiosk.page, 'result');
    await answerConsent(kiosk.page, 'none', 'electronic');
    await kiosk.page.waitForSelector('#prescription-recorded');
    await kiosk.context.close();

    const row = page.locator('tr.checkin[data-prescription="electronic"]', { hasText: holder.name });
    await row.first().waitFor();
    assert.equal(await row.first().locator('.prescription').textContent(), '電子');
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.equal(await row.first().locator('.prescription').textContent(), 'Electronic');
    await screenshot(page, 'staff-09-prescription-listed');
    await context.close();
  });

  test('the number-based check answers a valid card and refuses a wrong check digit in the page', async () => {
    const { page, context, requests } = await openStaff();
    const holder = card('valid');
    await page.fill('#insurer-number', '01130013'); // the check digit of 0113001 is 2
    await page.fill('#symbol', '2100');
    await page.fill('#number', '100');
    await page.fill('#branch', '00');
    await page.fill('#birth-date', holder.birth_date);
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-error');
    assert.match(await page.textContent('#by-number-error'), /検証番号/);
    assert.ok(!requests.some((r) => r.url.includes('/api/v1/staff/qualification/by-number')), 'nothing was sent');
    await screenshot(page, 'staff-03-by-number-check-digit');

    await page.fill('#insurer-number', '01130012');
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-result');
    assert.equal(await page.textContent('#by-number-validity'), '有効');
    assert.match(await page.textContent('#by-number-result'), new RegExp(holder.name));
    assert.match(await page.textContent('#by-number-result .ratio'), /3割/);
    // This insured person holds no 特定疾病療養受療証, and the answer says so.
    assert.equal(await page.getAttribute('#by-number-result .specific-diseases', 'data-count'), '0');
    assert.equal(await page.textContent('#by-number-result .specific-diseases'), 'なし');
    // Asked of onshi once: the facility runs no bridge, so the terminal path answered bridge_not_connected first.
    assert.equal(requests.filter((r) => r.url.endsWith('/api/v1/staff/qualification/by-number')).length, 1);
    await screenshot(page, 'staff-04-by-number-valid');
    await context.close();
  });

  test('the number-based check lists the 特定疾病療養受療証 the insurer recorded, without its category', async () => {
    // The demo 後期高齢者 holds one for 人工透析 (OQSCD013 category 1) with a 10,000 yen monthly limit. Her
    // 保険者番号 is 3913001 and her 番号 1000004, each followed by its 検証番号; she has no 記号 or 枝番.
    const { page, context } = await openStaff();
    const holder = card('elderly');
    await page.fill('#insurer-number', '39130018');
    await page.fill('#number', '10000040');
    await page.fill('#birth-date', holder.birth_date);
    await page.click('#by-number-submit');
    await page.waitForSelector('#by-number-result');
    assert.equal(await page.textContent('#by-number-validity'), '有効');
    assert.match(await page.textContent('#by-number-result .ratio'), /1割/);
    // A 記号・番号 check reads no card, so no 特定疾病 consent can stand behind it: the certificate and its limit,
    // and 同意なし where the category would be.
    const disease = page.locator('#by-number-result li.specific-disease');
    assert.equal(await disease.count(), 1);
    assert.equal(await disease.getAttribute('data-category'), '');
    assert.equal(await disease.locator('.category').textContent(), '同意なし');
    assert.doesNotMatch(await page.textContent('#by-number-result'), /人工透析|慢性腎不全/);
    const details = await disease.locator('.detail').allTextContents();
    assert.match(details[0], /^\d{4}-\d{2}-\d{2}から$/);
    assert.equal(details.at(-1), '自己負担限度額 月10,000円');
    await screenshot(page, 'staff-08-by-number-specific-disease');
    await context.close();
  });

  test('a visual check asked for without a PIN is approved by staff and the kiosk shows the answer', async () => {
    const { page, context } = await openStaff();
    const holder = card('valid');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    const callKiosk = (name, arg) => kiosk.page.evaluate(async ([name, arg]) => {
      const kioskModule = await import('/pkg/onshi_kiosk.js');
      try {
        return { ok: JSON.parse(await kioskModule[name](Array.isArray(arg) ? new Uint8Array(arg) : arg)) };
      } catch (error) {
        return { error: String(error) };
      }
    }, [name, arg]);
    // An expired certificate is refused by the edge as for a PIN session, and never reaches staff.
    const expired = await callKiosk('staff_visual_check_request', certificateDer('card-expired'));
    assert.deepEqual(expired, { error: 'certificate_expired' });

    // At the PIN pad the patient chooses the visual check: the kiosk sends the certificate alone (EF 000A needs
    // no PIN, and the card signs nothing) and waits for staff.
    await kiosk.page.click('#connect');
    await screen(kiosk.page, 'pin');
    await kiosk.page.click('#visual-check');
    await screen(kiosk.page, 'visual-check');
    assert.ok(!kiosk.requests.some((r) => new URL(r.url).pathname === '/api/v1/session'), 'no PIN session');

    // The request is listed without a name; staff open it to compare the patient with the name and birth date.
    await page.locator('li.pending').first().waitFor();
    assert.equal(await page.locator('li.pending').count(), 1, 'the expired certificate never reached staff');
    assert.ok(!(await page.locator('li.pending').first().textContent()).includes(holder.name), 'no name before opening');
    await screenshot(page, 'staff-05-visual-check-pending');
    const opened = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/staff/visual-checks/open');
    const pending = await openPendingOf(page, holder.name);
    assert.equal((await opened).status(), 200);
    const requestId = await pending.getAttribute('data-request-id');
    await screenshot(page, 'staff-05-visual-check-opened');
    await screenshot(kiosk.page, 'staff-05-kiosk-waiting');
    await pending.locator('button.approve').click();
    await pending.waitFor({ state: 'detached' });

    // The kiosk's poll collects the approval: a session and the qualification, shown as for a PIN check-in.
    await screen(kiosk.page, 'result');
    assert.equal(await kiosk.page.textContent('#validity'), '有効');
    assert.match(await kiosk.page.textContent('#result'), new RegExp(holder.name));
    await screenshot(kiosk.page, 'staff-06-kiosk-result');
    // Two requests in all: the refused expired certificate above, and the kiosk's own.
    assert.equal(kiosk.requests.filter((r) => new URL(r.url).pathname === '/api/v1/visual-check').length, 2);
    // The answer was given once: polling again finds it collected, with nothing in it.
    const later = await callKiosk('staff_visual_check_status', requestId);
    assert.equal(later.ok?.state, 'collected', JSON.stringify(later));
    assert.equal(later.ok.qualification, undefined);
    assert.equal(later.ok.session, undefined);

    const row = page.locator('tr.checkin[data-method="visual_check"]', { hasText: holder.name });
    await row.first().waitFor();
    assert.equal(await row.first().locator('.validity').textContent(), '有効');
    await screenshot(page, 'staff-07-visual-check-listed');
    await kiosk.context.close();
    await context.close();
  });
});
