// End to end: the qualification service stops mid-morning and comes back, in headless Chromium against the real
// edge (workerd) and origin (on SQLite, then again on PostgreSQL). A patient at the kiosk is told they will not be charged 10割 and sent to the
// counter; the staff console notices the outage on its own, staff take three 被保険者資格申立書 (one for a person of
// the demo population, one for a name nobody holds, one for a person whose declared insurance has ended), which
// rest in the browser sealed under a non-extractable key and nowhere else; the origin returns, the console
// re-checks them on its own without a reload (confirmed, not found, changed), staff mark the confirmed one done and
// it leaves the store, and a reload keeps the other two. Every new
// screen is checked in every language with axe-core and saved under tests/artifacts/screens/.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { STAFF_RAW_KEY, describeOnEachDatabase, enterPin, openKiosk, openStaff, screen } from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

/** What the console's store holds, read as any script of the page could: every record, and the key's properties. */
async function storeContents(page) {
  return page.evaluate(async () => {
    const database = await new Promise((resolve, reject) => {
      const request = indexedDB.open('onshi-staff-declarations');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const all = (store) => new Promise((resolve, reject) => {
      const request = database.transaction(store, 'readonly').objectStore(store).getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const records = await all('declarations');
    const [key] = await all('key');
    database.close();
    // Every byte of every record, read as text as an attacker with the disk would, and the records as JSON.
    const decoder = new TextDecoder('utf-8', { fatal: false });
    const asText = records.map((r) => decoder.decode(r.sealed) + decoder.decode(r.iv) + JSON.stringify(r)).join('\n');
    const storage = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage });
    return {
      count: records.length,
      asText,
      storage,
      key: key && { type: key.type, extractable: key.extractable, algorithm: key.algorithm.name, usages: key.usages },
    };
  });
}

/** Fills the 申立書 form as staff would from what the patient says; fields not given stay empty. */
async function fillDeclaration(page, person) {
  const fields = {
    name: '#declaration-name', birth_date: '#declaration-birth-date', address: '#declaration-address',
    insurer_name: '#declaration-insurer-name', insurer_number: '#declaration-insurer-number',
    symbol: '#declaration-symbol', number: '#declaration-number', branch: '#declaration-branch',
  };
  for (const [field, selector] of Object.entries(fields)) await page.fill(selector, person[field] ?? '');
  if (person.sex) await page.selectOption('#declaration-sex', person.sex);
}

describeOnEachDatabase('an origin outage mid-morning', {}, (env, { auditScreen, screenshot }) => {
  test('no patient is charged 10割 and every 申立書 is confirmed or listed after the service returns', async () => {
    const holder = card('valid');
    const staff = await openStaff(env.browser, env.stack, { axe: true });
    // The console stands in for a print dialog, which a headless browser cannot show.
    await staff.page.addInitScript(() => { window.print = () => { window.__printed = (window.__printed ?? 0) + 1; }; });
    await staff.page.evaluate(() => { window.print = () => { window.__printed = (window.__printed ?? 0) + 1; }; });
    await staff.page.waitForSelector('#checkins');
    assert.equal(await staff.page.$('#outage'), null, 'no outage while the service answers');
    const kiosk = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, axe: true });
    await screen(kiosk.page, 'welcome');

    // Mid-morning the origin stops.
    await env.stack.stopOrigin();

    // A patient checks in: after the card and PIN the kiosk says they will not pay 10割 and sends them to the counter.
    await kiosk.page.click('#connect');
    await enterPin(kiosk.page, holder.pin);
    await screen(kiosk.page, 'failed');
    assert.equal(await kiosk.page.getAttribute('#failed', 'data-failure'), 'ServiceUnavailable');
    assert.match(await kiosk.page.textContent('#failed-next-step'), /10割/);
    assert.match(await kiosk.page.textContent('#failed-next-step'), /申立書/);
    assert.deepEqual(await auditScreen(kiosk.page, 'outage-kiosk'), []);
    await kiosk.context.close();

    // The console notices by itself that the service is down, and offers the 申立書.
    await staff.page.waitForSelector('#outage', { timeout: 30_000 });
    assert.match(await staff.page.textContent('#outage'), /10割/);
    assert.deepEqual(await auditScreen(staff.page, 'outage-staff-form', { rawKey: STAFF_RAW_KEY }), []);
    const sentBefore = staff.requests.length;

    // Staff forget the sex at first (the form offers no choice of its own); the form says so at that field and
    // keeps nothing.
    assert.equal(await staff.page.inputValue('#declaration-sex'), '');
    const known = {
      name: '山田 太郎', birth_date: '昭和55年2月17日', address: holder.address, insurer_name: '全国健康保険協会',
      insurer_number: '01130012', symbol: '2100', number: '100', branch: '00',
    };
    await fillDeclaration(staff.page, known);
    await staff.page.click('#declaration-submit');
    await staff.page.waitForSelector('#declaration-problem');
    assert.equal(await staff.page.getAttribute('#declaration-sex', 'aria-invalid'), 'true');
    assert.equal(await staff.page.$('li.declaration'), null);
    await staff.page.selectOption('#declaration-sex', 'male');
    await staff.page.click('#declaration-submit');
    await staff.page.waitForSelector('li.declaration');

    // The second patient names an insurer and a number under which nobody of that name is insured.
    const unknown = {
      name: '架空 存在子', birth_date: '1990-01-01', sex: 'female', address: '東京都千代田区どこにもない町1番',
      insurer_number: '01130012', number: '999999',
    };
    await fillDeclaration(staff.page, unknown);
    await staff.page.click('#declaration-submit');
    await staff.page.waitForSelector('#declarations[data-pending="2"]');

    // The third names the insurer whose cover the registry records as lost a month ago.
    const lost = card('lost');
    await fillDeclaration(staff.page, {
      name: '佐藤 次郎', birth_date: lost.birth_date, sex: 'male', address: lost.address,
      insurer_number: '06139992', symbol: '2102', number: '102', branch: '00',
    });
    await staff.page.click('#declaration-submit');
    await staff.page.waitForSelector('#declarations[data-pending="3"]');
    assert.equal(await staff.page.locator('li.declaration[data-recheck="pending"]').count(), 3);
    assert.match(await staff.page.textContent('#declaration-figures'), /3件/);
    // The oldest was declared a moment ago: its age is there, in whole minutes.
    assert.equal(await staff.page.getAttribute('#declarations', 'data-oldest-minutes'), '0');

    // Nothing personal left the page while capturing, and the store holds none of it in clear.
    const sentWhileCapturing = staff.requests.slice(sentBefore).map((r) => `${r.url} ${r.body ?? ''}`).join('\n');
    for (const secret of ['山田', '架空', '1980-02-17', '1990-01-01', '999999']) {
      assert.ok(!sentWhileCapturing.includes(secret), `${secret} was sent while capturing`);
    }
    const stored = await storeContents(staff.page);
    assert.equal(stored.count, 3);
    for (const secret of ['山田', '架空', '存在子', '千代田', '1980-02-17', '999999']) {
      assert.ok(!stored.asText.includes(secret), `${secret} is in the store in clear`);
      assert.ok(!stored.storage.includes(secret), `${secret} is in local or session storage`);
    }
    assert.deepEqual(stored.key, { type: 'secret', extractable: false, algorithm: 'AES-GCM', usages: ['encrypt', 'decrypt'] });
    assert.deepEqual(await auditScreen(staff.page, 'outage-staff-declarations', { rawKey: STAFF_RAW_KEY }), []);

    // Staff print the first one's summary: on paper only that 申立書 is left.
    const first = staff.page.locator('li.declaration', { hasText: '山田 太郎' });
    await first.locator('button.print').click();
    await staff.page.waitForFunction(() => window.__printed === 1);
    await staff.page.emulateMedia({ media: 'print' });
    assert.ok(await first.locator('dl.declaration-summary').isVisible());
    assert.ok(!await staff.page.locator('li.declaration', { hasText: '存在子' }).isVisible());
    assert.ok(!await staff.page.locator('#checkins').isVisible());
    await screenshot(staff.page, 'screens/outage-staff-print');
    await staff.page.emulateMedia({ media: 'screen' });

    // The origin comes back; the console notices on its own (the same document, no reload) and re-checks both.
    await staff.page.evaluate(() => { window.__sameDocument = true; });
    await env.stack.restartOrigin();
    await staff.page.waitForSelector('li.declaration[data-recheck="confirmed"]', { timeout: 30_000 });
    await staff.page.waitForSelector('li.declaration[data-recheck="not_found"]', { timeout: 30_000 });
    await staff.page.waitForSelector('li.declaration[data-recheck="changed"]', { timeout: 30_000 });
    assert.equal(await staff.page.evaluate(() => window.__sameDocument), true);
    assert.equal(await staff.page.$('#outage'), null);
    assert.match(await staff.page.locator('li.declaration[data-recheck="confirmed"]').textContent(), /山田 太郎/);
    assert.match(await staff.page.locator('li.declaration[data-recheck="not_found"]').textContent(), /架空 存在子/);
    const changed = await staff.page.locator('li.declaration[data-recheck="changed"]').textContent();
    assert.match(changed, /佐藤 次郎/);
    assert.match(changed, /喪失/);
    assert.deepEqual(await auditScreen(staff.page, 'outage-staff-rechecked', { rawKey: STAFF_RAW_KEY }), []);

    // Staff mark the confirmed one done, are asked, change their mind once (it stays), then confirm: it leaves the
    // store; the other two stay until staff settle them.
    const confirmed = staff.page.locator('li.declaration[data-recheck="confirmed"]');
    await confirmed.locator('button.done').click();
    await confirmed.locator('button.keep').click();
    await confirmed.locator('button.done').waitFor();
    assert.equal((await storeContents(staff.page)).count, 3);
    await confirmed.locator('button.done').click();
    assert.deepEqual(await auditScreen(staff.page, 'outage-staff-done-confirm', { rawKey: STAFF_RAW_KEY }), []);
    await confirmed.locator('button.confirm-done').click();
    await staff.page.waitForSelector('#declarations[data-pending="2"]');
    assert.equal((await storeContents(staff.page)).count, 2);

    // A reload (which logs staff out) keeps the other two, with their re-checks.
    await staff.page.reload();
    await staff.page.waitForSelector('main[data-screen="staff-login"]');
    await staff.page.fill('#staff-code', await env.stack.issueStaffCode());
    await staff.page.click('#staff-login');
    await staff.page.waitForSelector('#declarations[data-pending="2"]');
    assert.equal(await staff.page.locator('li.declaration[data-recheck="not_found"]').count(), 1);
    assert.equal(await staff.page.locator('li.declaration[data-recheck="changed"]').count(), 1);
    assert.equal(await staff.page.locator('li.declaration').count(), 2);
    await staff.context.close();
  });
});
