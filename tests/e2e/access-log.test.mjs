// End to end: the patient's own access log (閲覧履歴), in headless Chromium against the real edge and origin with the
// virtual card. A patient checks in at the demo facility and consents to 薬剤; staff there open their medicines from
// the check-in row; the patient, back at a kiosk with card and PIN, opens 「閲覧履歴を見る」 and sees the facility's
// 薬剤 read by the facility's name and code (their own check-ins are theirs, not the facility's reads), and never
// another patient's; they return to the answer. A patient whose information nobody read sees that said plainly.
// Every new screen is checked in every language with axe-core and saved as a screenshot under
// tests/artifacts/screens/, and on a phone-sized screen.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CARDS, DEMO_FACILITY_CODE } from '../../xtask/stack.mjs';
import { answerConsent, describeOnEachDatabase, enterPin, openKiosk, openStaff, screen } from './support.mjs';

/** The demo facility's name, as the demo's list of facilities names it (origin/src/seed.rs). */
const DEMO_FACILITY_NAME = 'おんし内科クリニック';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

/** Checks `holder` in on `page` with card and PIN and answers the consent question: `kinds` agreed, or declined. */
async function checkInAndAnswer(page, holder, kinds) {
  await screen(page, 'welcome');
  await page.click('#connect');
  await enterPin(page, holder.pin);
  await screen(page, 'result');
  await answerConsent(page, kinds, 'paper');
  await page.waitForSelector('#consent-recorded');
}

/** The entries on screen: `{ kind, facility, text }`, newest first. */
const entriesOn = (page) => page.$$eval('tr.access-log-entry', (rows) => rows.map((r) => ({
  kind: r.dataset.kind, facility: r.dataset.facility, text: r.textContent,
})));

describeOnEachDatabase("the patient's own access log at the kiosk", {}, (env, { auditScreen, screenshot }) => {
  test('a patient sees which facility read what after staff open their medicines, and another patient sees none of it', async () => {
    const holder = card('valid');
    const other = card('dependent');
    // The other patient checks in at the same facility first, and declines.
    const first = await openKiosk(env.browser, env.stack, { cardIndex: other.index });
    await checkInAndAnswer(first.page, other, []);
    await first.context.close();

    const visit = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await checkInAndAnswer(visit.page, holder, ['medication']);
    await visit.context.close();

    // Staff open the patient's medicines from their check-in row, and page back and forth through them: each page
    // is a read, eleven in all, more than the kiosk shows on one page.
    const staff = await openStaff(env.browser, env.stack);
    const row = staff.page.locator('tr.checkin', { hasText: holder.name }).first();
    await row.locator('button.open-medical').click();
    await staff.page.waitForSelector('#medical[data-kind="medication"] tr.medication-line');
    for (let turn = 0; turn < 5; turn += 1) {
      await staff.page.click('#medical-next');
      await staff.page.waitForSelector('#medical-previous');
      await staff.page.click('#medical-previous');
      await staff.page.waitForSelector('#medical-next');
    }
    await staff.context.close();

    // The patient comes back to a kiosk, answers today's question, and opens the log beside the withdrawal.
    const { page, context, requests } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await checkInAndAnswer(page, holder, []);
    await page.waitForSelector('#open-access-log');
    assert.deepEqual(await auditScreen(page, 'result-access-log-offer'), []);
    await page.click('#open-access-log');
    await screen(page, 'access-log');
    const entries = await entriesOn(page);
    // The staff's 薬剤 read at the demo facility by name; neither the patient's own check-ins nor anything of the
    // other patient is there.
    assert.equal(entries.length, 10, 'a full page');
    assert.deepEqual([...new Set(entries.map((e) => e.kind))], ['medication']);
    for (const entry of entries) {
      assert.equal(entry.facility, DEMO_FACILITY_CODE);
      assert.match(entry.text, new RegExp(`${DEMO_FACILITY_NAME}.*${DEMO_FACILITY_CODE}`));
      assert.match(entry.text, /\d{4}-\d\d-\d\d \d\d:\d\d/);
    }
    assert.match(await page.textContent('tr.access-log-entry[data-kind="medication"]'), /薬剤情報/);
    // The kiosk asked for the newest page and named nothing else; no staff or device id reaches the screen.
    const asked = () => requests.filter((r) => new URL(r.url).pathname === '/api/v1/access-log').map((r) => JSON.parse(r.body));
    assert.deepEqual(asked(), [{ before: null }]);
    const shown = await page.textContent('#access-log');
    assert.doesNotMatch(shown, /staff|kiosk-|device/i);
    // The newest page offers the older one only.
    assert.equal(await page.$('#access-log-newer'), null);
    assert.deepEqual(await auditScreen(page, 'access-log'), []);
    // The older page holds the one read left, from where the first page ended; then back to the newest.
    await page.click('#access-log-older');
    await page.waitForSelector('#access-log-newer');
    const older = await entriesOn(page);
    assert.deepEqual(older.map((e) => e.kind), ['medication']);
    assert.equal(await page.$('#access-log-older'), null, 'nothing older than the last page');
    assert.equal(asked().length, 2);
    assert.ok(asked()[1].before.occurred_at > 0, 'the second page starts where the first ended');
    assert.deepEqual(await auditScreen(page, 'access-log-older'), []);
    await page.click('#access-log-newer');
    await page.waitForSelector('#access-log-older');
    assert.deepEqual(await entriesOn(page), entries);
    assert.deepEqual(asked()[2], { before: null });
    // A phone-sized screen: the table wraps within the width.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no sideways scrolling');
    await screenshot(page, 'screens/access-log.390');
    await page.setViewportSize({ width: 1024, height: 900 });

    // Back to the answer, which is still there.
    await page.click('#access-log-back');
    await screen(page, 'result');
    await page.waitForSelector('#consent-recorded');
    await context.close();
  });

  test('a patient whose information no facility read sees that said plainly, with nothing of another patient', async () => {
    // The other patient of the first test checked in and declined: nothing of theirs was read, and the first
    // patient's reads are not theirs.
    const holder = card('dependent');
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await checkInAndAnswer(page, holder, []);
    await page.click('#open-access-log');
    await screen(page, 'access-log');
    await page.waitForSelector('#access-log-empty');
    assert.match(await page.textContent('#access-log-empty'), /どの医療機関・薬局もあなたの情報を見ていません/);
    assert.equal(await page.$('tr.access-log-entry'), null);
    assert.deepEqual(await auditScreen(page, 'access-log-empty'), []);
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no sideways scrolling');
    await screenshot(page, 'screens/access-log-empty.390');
    await page.click('#access-log-back');
    await screen(page, 'result');
    await context.close();
  });
});
