// End to end: medical information for staff under a live consent (issue 15 item 3), in headless Chromium against
// the real edge and origin. A patient consents at the kiosk to 薬剤 and 特定健診; staff open the patient's timeline from
// the check-in row and read the medicines (a 重複投薬 marked), page by page, and the checkups (an out-of-range value
// marked, a trend chart per item), in every staff language under axe-core; after a 包括同意, 診療 and 手術 too. A
// patient who declined has no timeline: the row offers none and the edge refuses the read with its typed code.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import {
  STAFF_RAW_KEY, answerConsent, describeOnEachDatabase, enterPin, openKiosk, openStaff, screen,
} from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

/** The patient checks in at the kiosk with card and PIN, then answers the consent question: 'all', `kinds`, or none. */
async function checkInAndAnswer(env, holder, kinds) {
  const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
  await page.click('#connect');
  await enterPin(page, holder.pin);
  await screen(page, 'result');
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/consent');
  await answerConsent(page, kinds, 'paper');
  assert.equal((await answered).status(), 200, 'the edge recorded the answer');
  await context.close();
}

describeOnEachDatabase('medical information for staff under a live consent', {}, (env, { auditScreen }) => {
  test('staff open a consenting patient\'s medicines and checkups; a declining patient has no timeline', async () => {
    const consenting = card('valid');
    const declining = card('dependent');
    await checkInAndAnswer(env, consenting, ['medication', 'health-checkup']);
    await checkInAndAnswer(env, declining, []);

    const { page, context } = await openStaff(env.browser, env.stack, { axe: true });
    const row = (holder) => page.locator('tr.checkin', { hasText: holder.name }).first();
    await row(consenting).locator('button.open-medical').waitFor();
    assert.equal(await row(declining).locator('button.open-medical').count(), 0, 'no consent, no button');

    await row(consenting).locator('button.open-medical').click();
    await page.waitForSelector('#medical[data-kind="medication"] tr.medication-line');
    // Focus moves to the panel's heading, which names the patient.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'medical-heading');
    assert.match(await page.textContent('#medical-heading'), new RegExp(consenting.name));
    // Only what was consented to is offered.
    const kinds = await page.$$eval('#medical button.kind', (buttons) => buttons.map((b) => b.dataset.kind));
    assert.deepEqual(kinds, ['medication', 'health_checkup']);
    // The newest medicines come first, with the hospital's original and the clinic's generic of one ingredient marked.
    const duplicates = page.locator('tr.medication-line[data-duplicate="true"]');
    assert.equal(await duplicates.count(), 2);
    const ingredients = await duplicates.evaluateAll((rows) => rows.map((r) => r.dataset.yj.slice(0, 7)));
    assert.equal(ingredients[0], ingredients[1]);
    assert.match(await duplicates.first().textContent(), /重複投薬/);
    const sources = await page.$$eval('tr.medication-line', (rows) => rows.map((r) => r.dataset.source));
    assert.ok(sources.includes('dispensing_result') && sources.includes('electronic_prescription'), sources.join());
    assert.deepEqual(await auditScreen(page, 'staff-medical-medication', { rawKey: STAFF_RAW_KEY }), []);

    // The next page holds older medicines, the claims of months ago; and back again.
    const firstDates = await page.$$eval('tr.medication-line td:first-child', (cells) => cells.map((c) => c.textContent));
    await page.click('#medical-next');
    await page.waitForSelector('#medical-previous');
    const secondDates = await page.$$eval('tr.medication-line td:first-child', (cells) => cells.map((c) => c.textContent));
    assert.ok(secondDates.length > 0 && !secondDates.some((d) => firstDates.includes(d)), 'another page, other dates');
    await page.click('#medical-previous');
    await page.waitForSelector('#medical-next');

    // Checkups: values with units and ranges, those out of range marked in words, a chart per item.
    await page.click('#medical button.kind[data-kind="health_checkup"]');
    await page.waitForSelector('#medical[data-kind="health_checkup"] tr.checkup-item');
    const hba1c = page.locator('tr.checkup-item', { hasText: 'HbA1c' });
    assert.equal(await hba1c.locator('li.checkup-value').count(), 5, 'five years');
    assert.equal(await hba1c.locator('li.checkup-value').first().getAttribute('data-flag'), 'high');
    assert.match(await hba1c.locator('li.checkup-value').first().textContent(), /%.*高/);
    assert.match(await hba1c.locator('td.range').textContent(), /5\.5/);
    assert.equal(await hba1c.locator('svg.trend').getAttribute('data-points'), '5');
    assert.ok(await page.locator('li.checkup-value[data-flag="low"]').count() > 0, 'HDL fell below its range');
    assert.deepEqual(await auditScreen(page, 'staff-medical-checkup', { rawKey: STAFF_RAW_KEY }), []);
    await page.click('#medical-close');
    await page.waitForSelector('#medical', { state: 'detached' });

    // Back at the kiosk the patient gives the 包括同意: 診療 and 手術 open too, coded by their 区分番号.
    await checkInAndAnswer(env, consenting, 'all');
    // The list refreshes on its own; the newest row of the patient offers every kind once the consent is read.
    await row(consenting).locator('button.open-medical[data-kinds~="operation"]').click();
    await page.waitForSelector('#medical tr.medication-line');
    const opened = await page.$$eval('#medical button.kind', (buttons) => buttons.map((b) => b.dataset.kind));
    assert.deepEqual(opened, ['medication', 'health_checkup', 'diagnosis', 'operation']);
    await page.click('#medical button.kind[data-kind="diagnosis"]');
    await page.waitForSelector('#medical table.procedures[data-kind="diagnosis"] tr.procedure-line');
    const treatments = await page.$$eval('tr.procedure-line', (rows) => rows.map((r) => r.dataset.code));
    assert.ok(treatments.includes('D007') && treatments.includes('E200'), treatments.join());
    await page.click('#medical button.kind[data-kind="operation"]');
    await page.waitForSelector('#medical table.procedures[data-kind="operation"] tr.procedure-line');
    const operations = await page.$$eval('tr.procedure-line', (rows) => rows.map((r) => r.dataset.code));
    assert.ok(operations.length > 0 && operations.every((code) => code.startsWith('K')), operations.join());
    assert.match(await page.textContent('table.procedures'), /水晶体再建術/);
    assert.deepEqual(await auditScreen(page, 'staff-medical-operation', { rawKey: STAFF_RAW_KEY }), []);
    await context.close();

    // The route refuses the declining patient's information with its typed code, whatever the page offers.
    const staff = await env.stack.openStaffSession();
    const list = await (await staff.call('/api/v1/staff/checkins')).json();
    const declined = list.checkins.find((checkin) => checkin.name === declining.name);
    assert.ok(declined && !declined.consents, JSON.stringify(declined));
    const refused = await staff.call('/api/v1/staff/medical-records', { body: { checkin_id: declined.id, kind: 'medication' } });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).error, 'consent_required');
  });
});
