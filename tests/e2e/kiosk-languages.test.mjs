// End to end: the kiosk's texts beyond Japanese are files of the site, not part of its wasm. They are fetched in the
// background once the start screen is up, each once for the page's life; a language whose file is loaded shows at
// once. A language whose file cannot be had (offline, not found, not a resource file) leaves the screen in the
// language it shows, says so in that language, and the kiosk stays usable; choosing it again tries again.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { LANGS, axeViolations, enterPin, openKiosk, screen, screenshot, useStack } from './support.mjs';

const card = (scenario) => {
  const found = DEMO_CARDS.find((c) => c.scenario === scenario);
  assert.ok(found, `demo card for ${scenario}`);
  return found;
};

/** A resource file of the kiosk as written. */
const locale = (lang) => JSON.parse(readFileSync(new URL(`../../kiosk/locales/${lang}.json`, import.meta.url), 'utf8'));
/** A text as the screen shows it: readings left out. */
const asShown = (text) => text.replace(/\[([^|\]]+)\|[^\]]+\]/g, '$1');
/** The text of the element `selector` as read, without the readings shown over its kanji. */
const readText = (page, selector) => page.$eval(selector, (element) => {
  const copy = element.cloneNode(true);
  for (const reading of copy.querySelectorAll('rt')) reading.remove();
  return copy.textContent;
});
/** The language names of the switcher, each in its own language. */
const nameOf = (page, lang) => page.textContent(`nav.langs button[lang="${lang}"]`);
/** How many times the page asked for the resource file of `lang`. */
const fetchesOf = (requests, lang) => requests.filter((r) => r.url.endsWith(`/locales/kiosk/${lang}.json`)).length;

describe('the kiosk fetches the texts of a language from the site, once, and stays usable without them', () => {
  const env = useStack();

  test('the other languages arrive in the background after the start screen, and each is fetched once', async () => {
    const { page, context, requests } = await openKiosk(env.browser, env.stack);
    const others = LANGS.filter((lang) => lang !== 'ja');
    // The start screen is up in Japanese; the nine other files follow it, loaded once each.
    await page.waitForFunction((count) => performance.getEntriesByType('resource')
      .filter((entry) => entry.name.includes('/locales/kiosk/')).length === count, others.length);
    for (const lang of others) {
      await page.click(`nav.langs button[lang="${lang}"]`);
      await page.waitForSelector(`main[lang="${lang}"]`);
      assert.equal(await readText(page, '#heading'), asShown(locale(lang)['welcome.heading']), lang);
    }
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    assert.equal(await page.textContent('#connect'), locale('en')['welcome.connect']);
    for (const lang of others) assert.equal(fetchesOf(requests, lang), 1, `${lang} is fetched once`);
    assert.equal(fetchesOf(requests, 'ja'), 0, 'Japanese is in the bundle');
    await context.close();
  });

  test('a language whose file cannot be fetched keeps Japanese, says so, and the check-in still works', async () => {
    const holder = card('valid');
    let korean = 'offline';
    const { page, context } = await openKiosk(env.browser, env.stack, {
      cardIndex: holder.index,
      axe: true,
      beforeLoad: (context) => Promise.all([
        // Korean: the network is gone until the test brings it back.
        context.route('**/locales/kiosk/ko.json', (route) => (korean === 'offline' ? route.abort('internetdisconnected') : route.continue())),
        // Vietnamese: the site has no such file.
        context.route('**/locales/kiosk/vi.json', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: '<!doctype html><p>Not found' })),
        // Nepali: an answer that is no resource file.
        context.route('**/locales/kiosk/ne.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"welcome.heading": 1}' })),
      ]),
    });
    const japanese = locale('ja');
    for (const lang of ['ko', 'vi', 'ne']) {
      await page.click(`nav.langs button[lang="${lang}"]`);
      await page.waitForSelector('#lang-unavailable');
      const notice = await page.textContent('#lang-unavailable');
      assert.equal(notice, japanese['lang.unavailable'].replace('{name}', await nameOf(page, lang)), lang);
      assert.equal(await page.getAttribute('main', 'lang'), 'ja', `${lang}: the screen stays in Japanese`);
      assert.equal(await page.textContent('#heading'), japanese['welcome.heading']);
      assert.equal(await page.getAttribute(`nav.langs button[lang="${lang}"]`, 'aria-pressed'), 'false');
    }
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'screens/welcome-lang-unavailable.ja');

    // Another language that loads clears the notice; one that fails again says so in the language shown.
    await page.click('nav.langs button[lang="en"]');
    await page.waitForSelector('main[lang="en"]');
    await page.waitForSelector('#lang-unavailable', { state: 'detached' });
    await page.click('nav.langs button[lang="vi"]');
    await page.waitForSelector('#lang-unavailable');
    assert.equal(await page.textContent('#lang-unavailable'), locale('en')['lang.unavailable'].replace('{name}', await nameOf(page, 'vi')));
    assert.equal(await page.getAttribute('main', 'lang'), 'en');
    await page.click('nav.langs button[lang="ja"]');
    await page.waitForSelector('main[lang="ja"]');

    // The patient goes on in Japanese: the check-in is untouched by the missing texts.
    await page.click('nav.langs button[lang="ko"]');
    await page.waitForSelector('#lang-unavailable');
    await page.click('#connect');
    await screen(page, 'pin');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.getAttribute('main', 'lang'), 'ja');
    assert.equal(await page.textContent('#validity'), '有効');

    // The network is back: choosing Korean again fetches it, and the answer is shown in Korean.
    korean = 'online';
    await page.click('nav.langs button[lang="ko"]');
    await page.waitForSelector('main[lang="ko"]');
    await page.waitForSelector('#lang-unavailable', { state: 'detached' });
    assert.equal(await page.textContent('#validity-translated'), locale('ko')['validity.valid']);
    await screenshot(page, 'screens/result-after-retry.ko');

    // The next patient finds the kiosk in Japanese, with no notice.
    await page.click('#start-over');
    await screen(page, 'welcome');
    assert.equal(await page.getAttribute('main', 'lang'), 'ja');
    assert.equal(await page.$('#lang-unavailable'), null);
    await context.close();
  });
});
