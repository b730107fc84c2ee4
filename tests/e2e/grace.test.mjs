// End to end: cards whose 利用者証明用 certificate dates decide the check-in, in headless Chromium against the real
// edge in workerd and the real origin. The virtual reader's dated demo cards are issued when the page makes them,
// relative to today, so these tests do not rot: one expiring in 30 days, one expired 20 days ago (within its grace:
// qualification only), one expired 150 days ago (past its grace), and one whose PIN is locked.
//
// An expired-within-grace card gets its qualification, with no consent question and no 健康保険証利用登録; the edge
// refuses its session's consent and registration on its own, and the origin refuses a qualification-only request
// on its own. Beyond the grace the patient is refused with renewal guidance and the 資格確認書 / 申立書 path. An
// expiring card shows the days left on the kiosk, and a mark on the staff console's row. The locked screen gives
// the convenience-store and 市区町村 reset and today's 目視 or 資格確認書. A card within its grace that goes to 目視 is
// answered on the same terms as with its PIN. Each new screen is checked with axe in every
// language (tests/artifacts/screens/grace-*.png).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { enrolDevice, testCardEnding } from '../../edge/test/helpers.mjs';
import { auditScreen, enterPin, openKiosk, openPendingOf, openStaff, screen, useStack } from './support.mjs';

/** The dated demo cards follow the fixed ones on the virtual reader (onshi-vcard `dated::DATED_CARDS`). */
const DATED = { expiringSoon: 0, inGrace: 1, beyondGrace: 2, locked: 3 };
const datedIndex = (name) => DEMO_CARDS.length + DATED[name];
/** Whose card each dated card is: its PIN and its name at the origin. */
const holder = (scenario) => DEMO_CARDS.find((card) => card.scenario === scenario);
const HOLDERS = { expiringSoon: holder('valid'), inGrace: holder('elderly'), beyondGrace: holder('dependent'), locked: holder('lost') };

/** The calendar day in Japan `days` after today (negative: before), `YYYY-MM-DD`. */
const japanDay = (days) => new Date(Date.now() + 9 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
/** The last day of the third month after the month of `isoDate`: the end of a certificate's grace. */
const endOfGrace = (isoDate) => {
  const [year, month] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1 + 4, 0)).toISOString().slice(0, 10);
};
const FACILITY = '0110113719';

describe('expired and expiring card certificates', () => {
  const env = useStack();

  /** Places dated card `name` and checks in with its holder's PIN; resolves with the session and the answer. */
  async function checkIn(name, { axe = false } = {}) {
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: datedIndex(name), axe });
    const session = kiosk.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session');
    await kiosk.page.click('#connect');
    await enterPin(kiosk.page, HOLDERS[name].pin);
    return { kiosk, session: await (await session).json() };
  }

  test('an expired-within-grace card gets its qualification with no consent question, told until when', async () => {
    const { kiosk, session } = await checkIn('inGrace', { axe: true });
    const { page } = kiosk;
    await screen(page, 'result');
    assert.equal(session.scope, 'qualification_only');
    const expiredOn = japanDay(-20);
    assert.deepEqual(session.expiry_notice, { kind: 'in_grace', expired_on: expiredOn, covered_until: endOfGrace(expiredOn) });
    assert.equal(await page.textContent('#validity'), '有効');
    assert.equal(await page.getAttribute('#expiry-notice', 'data-kind'), 'in_grace');
    const until = endOfGrace(expiredOn);
    assert.ok((await page.textContent('#expiry-until')).includes(`(${until})`), await page.textContent('#expiry-until'));
    assert.ok((await page.textContent('#expiry-renew')).includes('市区町村'));
    // Nothing to consent to and nothing to register: the check-in is complete, and the card is asked for at once.
    assert.equal(await page.$('#consent'), null);
    assert.equal(await page.$('#register-offer'), null);
    await page.waitForSelector('#remove-card');
    assert.equal(kiosk.requests.filter((r) => new URL(r.url).pathname === '/api/v1/consent').length, 0);
    const problems = await auditScreen(page, 'grace-result-in-grace');
    assert.deepEqual(problems, []);
    await kiosk.context.close();
  });

  test('the edge refuses consent and registration to a grace session on its own', async () => {
    // A kiosk of the demo facility, driven from here, with test card 00 (the demo's 山田 太郎) expired 20 days ago.
    const device = await enrolDevice(env.stack.url, { code: await env.stack.issueEnrolmentCode() });
    const card = testCardEnding(0, japanDay(-20));
    const call = async (path, body, headers = {}) => {
      const text = JSON.stringify(body);
      const response = await fetch(`${env.stack.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...await device.headers('POST', path, text), ...headers },
        body: text,
      });
      return { status: response.status, body: await response.json() };
    };
    const challenge = await call('/api/v1/challenge', {});
    assert.equal(challenge.status, 200, JSON.stringify(challenge.body));
    const bytes = Buffer.from(challenge.body.challenge, 'base64');
    const session = await call('/api/v1/session', {
      challenge_id: challenge.body.challenge_id,
      certificate: card.certificate.toString('base64'),
      signature: card.sign(bytes, device.id).toString('base64'),
    });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.equal(session.body.scope, 'qualification_only');
    const bearer = { authorization: `Bearer ${session.body.session_token}` };
    const answer = await call('/api/v1/qualification', {}, bearer);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.validity, 'valid');
    const consent = await call('/api/v1/consent', { kinds: ['comprehensive'], prescription: 'paper' }, bearer);
    assert.deepEqual([consent.status, consent.body.error], [403, 'qualification_only']);
    const registration = await call('/api/v1/registration', { terms_accepted: true }, bearer);
    assert.deepEqual([registration.status, registration.body.error], [403, 'qualification_only']);
    // Neither reached the origin: it holds no consent for this card at this facility.
    const certificate = { issuer: holder('valid').certificate_issuer, serial: holder('valid').certificate_serial };
    const live = await env.stack.postOrigin('/v1/consent/query', { certificate, facility_code: FACILITY });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.deepEqual(live.body.live, []);
  });

  test('the origin refuses a qualification-only request on its own', async () => {
    const certificate = { issuer: HOLDERS.inGrace.certificate_issuer, serial: HOLDERS.inGrace.certificate_serial };
    const qualificationOnly = { scope: 'qualification_only' };
    const consent = await env.stack.postOrigin('/v1/consent', {
      certificate, facility_code: FACILITY, kinds: ['comprehensive'], ...qualificationOnly,
    });
    assert.deepEqual([consent.status, consent.body.error], [403, 'qualification_only']);
    const registration = await env.stack.postOrigin('/v1/registration', { certificate, ...qualificationOnly });
    assert.deepEqual([registration.status, registration.body.error], [403, 'qualification_only']);
    for (const path of ['/v1/medical-info/medication', '/v1/medical-info/checkup']) {
      const read = await env.stack.postOrigin(path, { certificate, facility_code: FACILITY, ...qualificationOnly });
      assert.deepEqual([read.status, read.body.error], [403, 'qualification_only'], path);
    }
    // The same request with a full scope is the origin's ordinary business.
    const full = await env.stack.postOrigin('/v1/consent', { certificate, facility_code: FACILITY, kinds: [] });
    assert.equal(full.status, 200, JSON.stringify(full.body));
  });

  test('registration at the kiosk with a grace card says to renew first', async () => {
    const kiosk = await openKiosk(env.browser, `${env.stack.url}/?mode=register`, { cardIndex: datedIndex('inGrace') });
    const { page } = kiosk;
    if (await page.$('main[data-screen="enrol"]')) {
      await page.fill('#enrol-code', await env.stack.issueEnrolmentCode());
      await page.click('#enrol-submit');
    }
    await page.waitForSelector('main[data-screen="welcome"]');
    await page.click('#register');
    await enterPin(page, HOLDERS.inGrace.pin);
    await screen(page, 'failed');
    assert.equal(await page.getAttribute('#failed', 'data-failure'), 'QualificationOnly');
    assert.ok((await page.textContent('#failed')).includes('更新'));
    assert.equal(await page.$('main[data-screen="registration-terms"]'), null);
    await kiosk.context.close();
  });

  test('beyond its grace a card is refused with renewal guidance and the 資格確認書 or 申立書 path, never 10割', async () => {
    const { kiosk, session } = await checkIn('beyondGrace', { axe: true });
    const { page } = kiosk;
    assert.equal(session.error, 'certificate_expired');
    await screen(page, 'failed');
    assert.equal(await page.getAttribute('#failed', 'data-failure'), 'CertificateExpired');
    const said = await page.textContent('#failed');
    for (const words of ['市区町村', '資格確認書', '被保険者資格申立書', '通常の負担割合']) assert.ok(said.includes(words), words);
    assert.ok(!said.includes('10割'));
    const problems = await auditScreen(page, 'grace-beyond');
    assert.deepEqual(problems, []);
    await kiosk.context.close();
  });

  test('a card expiring within three months shows the days left on the kiosk and a mark on the staff row', async () => {
    const staff = await openStaff(env.browser, env.stack, { axe: true });
    const { kiosk, session } = await checkIn('expiringSoon', { axe: true });
    const { page } = kiosk;
    await screen(page, 'result');
    assert.equal(session.scope, 'full');
    assert.deepEqual(session.expiry_notice, { kind: 'expiring_soon', expires_on: japanDay(30), days_left: 30 });
    assert.equal(await page.getAttribute('#expiry-notice', 'data-days-left'), '30');
    assert.ok((await page.textContent('#expiry-days')).includes('30'));
    assert.ok((await page.textContent('#expiry-renew')).includes('市区町村'));
    // The certificate has not expired: the consent question is asked as ever.
    await page.waitForSelector('#consent[data-open="true"]');
    const problems = await auditScreen(page, 'grace-result-expiring');
    await kiosk.context.close();

    const row = staff.page.locator('tr.checkin', { hasText: HOLDERS.expiringSoon.name }).first();
    await row.waitFor();
    const mark = row.locator('.certificate-expiry');
    assert.equal(await mark.getAttribute('data-kind'), 'expiring_soon');
    assert.equal(await mark.getAttribute('data-days-left'), '30');
    assert.ok((await mark.textContent()).includes('30日'), await mark.textContent());
    problems.push(...await auditScreen(staff.page, 'grace-staff-row', { rawKey: /\bstaff\.[a-z][a-z0-9_.]*/ }));
    assert.deepEqual(problems, []);
    await staff.context.close();
  });

  test('a card within its grace that goes to 目視 instead of the PIN gets its qualification on the same terms', async () => {
    const staff = await openStaff(env.browser, env.stack);
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: datedIndex('inGrace'), axe: true });
    const { page } = kiosk;
    // The patient does not use the PIN: the certificate alone goes to the desk.
    await page.click('#connect');
    await screen(page, 'pin');
    await page.click('#visual-check');
    await screen(page, 'visual-check');
    const pending = await openPendingOf(staff.page, HOLDERS.inGrace.name);
    await pending.locator('button.approve').click();

    // Approved: the qualification, with the grace told as after a PIN, and nothing to consent to or register.
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    assert.equal(await page.getAttribute('#expiry-notice', 'data-kind'), 'in_grace');
    const until = endOfGrace(japanDay(-20));
    assert.ok((await page.textContent('#expiry-until')).includes(`(${until})`), await page.textContent('#expiry-until'));
    assert.equal(await page.$('#consent'), null);
    assert.equal(await page.$('#register-offer'), null);
    await page.waitForSelector('#remove-card');
    const problems = await auditScreen(page, 'grace-visual-check-result');
    assert.deepEqual(problems, []);
    await kiosk.context.close();

    // The desk sees a 目視 check-in marked as within its grace.
    const row = staff.page.locator('tr.checkin[data-method="visual_check"]', { hasText: HOLDERS.inGrace.name }).first();
    await row.waitFor();
    assert.equal(await row.locator('.certificate-expiry').getAttribute('data-kind'), 'in_grace');
    await staff.context.close();
  });

  test('the locked screen says where to reset the PIN and how to check in today', async () => {
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: datedIndex('locked'), axe: true });
    const { page } = kiosk;
    await page.click('#connect');
    await screen(page, 'blocked');
    const store = await page.textContent('#reset-store');
    assert.ok(store.includes('コンビニ') && store.includes('署名用'), store);
    assert.ok((await page.textContent('#reset-office')).includes('市区町村'));
    // Today's two ways, each said once: the 目視 (its button follows) and the 資格確認書.
    const today = await page.textContent('#blocked-today');
    assert.ok(today.includes('目視'), today);
    const certificate = await page.textContent('#blocked-certificate');
    assert.ok(certificate.includes('資格確認書') && !certificate.includes('目視'), certificate);
    const todayLines = await page.locator('#blocked p', { hasText: '本日' }).count();
    assert.equal(todayLines, 1, 'how to check in today is said once');
    assert.ok(await page.$('#visual-check'));
    const problems = await auditScreen(page, 'grace-locked');
    assert.deepEqual(problems, []);
    await kiosk.context.close();
  });
});
