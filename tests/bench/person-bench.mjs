// The kiosk measured as a person meets it: a scripted first-time patient checks in, three ways.
//
//   node tests/bench/person-bench.mjs [--quick]
//
// Needs the built site (dist/www, or ONSHI_SITE_DIR) and the origin binary (ONSHI_ORIGIN_BIN), as the end-to-end
// tests do. Prints one line per figure: `bench: <name> = <value> <unit> (n <sample>) (target <op> <value>)`.
//
// The patient places the card on the reader at the start screen (no touch starts it), is asked for the PIN, types
// the 4 digits, sends them, answers the consent questions under the answer (包括同意, then the prescription
// electronic, whose answer sends), takes the card when the screen says so, and walks away; the kiosk clears itself
// back to the start screen.
//   touch     every step a tap (the keypad, the buttons), no key pressed;
//   keyboard  every step a key press (digits, Enter, the number shown on a button), no tap at all;
//   voice     the voice guidance (音声案内) tapped on first, then as `touch`, the patient waiting to hear the start
//             screen, the PIN pad and the request to take the card; every screen passed must have said something
//             through the (instrumented) speech synthesis.
//
// Per way:
//   kiosk.person.<way>.touches_after_pin  taps (or key presses) the page received after the last PIN digit until
//                                         back at the start: sending the PIN, the consent question, anything else.
//                                         Counted in the page (trusted pointerdown / keydown), the most in any run.
//   kiosk.person.<way>.screens            distinct screens shown from the card placed until back at the start
//                                         screen (that one not counted), the most in any run.
//   kiosk.person.<way>.system_p95_ms      the system's own time (kiosk, edge, origin) from the card placed to the
//                                         answer shown: the person's typing on the PIN pad and the link model's
//                                         share (the virtual card's time inside the reader's transfers) taken
//                                         out, as for kiosk.checkin_overhead_p95_ms (see ./support.mjs). p95 over
//                                         the runs; the note line before the figures splits its median in two,
//                                         and the next line splits the median of PIN sent → answer by the
//                                         kiosk's step marks and its requests' Resource Timing, each request by
//                                         the edge's Server-Timing (`answerSplit` in ./support.mjs).
//
// Each way has its own enrolled kiosk page, which serves one patient after another as a kiosk in a waiting room
// does. While one kiosk's answer waits to clear (8 s after the card is taken) the next kiosk serves its patient;
// only an idle timer runs on the waiting one. A flow that does not reach a screen fails the program, naming the way,
// the run and what was awaited.

import { DEMO_CARDS, startStack } from '../../xtask/stack.mjs';
import { instrumentSpeech, launchChromium, openKiosk } from '../e2e/support.mjs';
import { answerSplit, describeSplit, figure, kioskMs, medianSplit, meterLinkModel, percentile } from './support.mjs';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 1 : 20;
const WAYS = ['touch', 'keyboard', 'voice'];
const PLACED = 'onshi:bench:card-placed';
const holder = DEMO_CARDS.find((c) => c.scenario === 'valid');
if (!holder) throw new Error('person-bench: no demo card for the valid scenario');

/** Records every trusted tap (pointerdown) and key press (keydown) the page receives, before any page script. */
function recordInput() {
  window.__onshiInput = [];
  const note = (event) => {
    if (!event.isTrusted) return;
    window.__onshiInput.push({ type: event.type, key: event.key ?? null, at: performance.now() });
  };
  window.addEventListener('pointerdown', note, { capture: true });
  window.addEventListener('keydown', note, { capture: true });
}

const inputCount = (page) => page.evaluate(() => window.__onshiInput.length);
const shownScreen = (page) => page.evaluate(() => document.querySelector('main')?.dataset.screen ?? '(none)');

/** Waits for `selector`, or fails saying what the person was waiting for and which screen was shown instead. */
async function waitFor(page, selector, what, options = {}) {
  try {
    await page.waitForSelector(selector, { timeout: 20_000, ...options });
  } catch {
    throw new Error(`${what} never came (${selector}); the screen shown is "${await shownScreen(page)}"`);
  }
}

/** The PIN: four taps on the keypad, or four digit keys; resolves once the pad shows four digits. */
async function typePin(page, way) {
  for (const digit of holder.pin) {
    if (way === 'keyboard') await page.keyboard.press(digit);
    else await page.click(`button.key[data-digit="${digit}"]`);
  }
  await page.waitForFunction(() => document.querySelectorAll('.dot.filled').length === 4, null, { timeout: 20_000 })
    .catch(() => { throw new Error('the PIN pad never showed four digits typed'); });
}

/** With the voice on, waits until the kiosk has said `text` (or, without `text`, anything) on the screen `name`. */
async function hear(page, name, text = null) {
  await page.waitForFunction(([name, text]) => window.__spoken
    .some((u) => u.screen === name && (text === null || u.text === text)), [name, text], { timeout: 20_000 })
    .catch(() => { throw new Error(`the voice guidance never said ${text === null ? 'anything' : `"${text}"`} on ${name}`); });
}

/** Sends the PIN and answers the consent questions: 包括同意, then the prescription electronic, which sends. */
async function sendPinAndConsent(page, way) {
  if (way === 'keyboard') await page.keyboard.press('Enter');
  else await page.click('#pin-submit');
  await waitFor(page, 'main[data-screen="result"]', 'the answer');
  await waitFor(page, '#consent-comprehensive', 'the consent question');
  // One answer per question, as on the national reader: by the number on the button with the keypad.
  if (way === 'keyboard') {
    await page.keyboard.press('1');
    await waitFor(page, '#prescription-electronic', 'the prescription question');
    await page.keyboard.press('1');
  } else {
    await page.click('#consent-comprehensive');
    await page.click('#prescription-electronic');
  }
  await waitFor(page, '#consent-recorded', 'the consent recorded');
}

/** A kiosk for one way: enrolled once, its reader remembered, serving one patient after another. */
async function openKioskFor(browser, stack, way) {
  const { page, context } = await openKiosk(browser, stack, {
    cardIndex: null, preAuthorised: true, initScripts: [recordInput, instrumentSpeech],
  });
  await meterLinkModel(page);
  return { way, page, context, ready: Promise.resolve() };
}

/**
 * One patient on `kiosk`. Resolves when the card has been taken, with `done`: a promise of the run's figures once
 * the kiosk has cleared itself back to its start screen.
 */
async function servePatient({ page, way }) {
  await waitFor(page, 'main[data-screen="welcome"]', 'the start screen');
  // This patient's record starts empty: no earlier screen, tap, key, utterance or transfer counts.
  await page.evaluate(() => {
    performance.clearMarks();
    // The browser keeps 250 resource entries and drops later ones; each patient's requests must be there.
    performance.clearResourceTimings();
    window.__onshiInput.length = 0;
    window.__spoken.length = 0;
    window.__onshiLinkModel.length = 0;
  });
  // The reader this kiosk used before is open and listening for a card; the screen asks for it.
  await page.waitForFunction(() => window.onshiVirtualUsb.slotListening, null, { timeout: 20_000 })
    .catch(() => { throw new Error('the reader never listened for a card on the start screen'); });
  await waitFor(page, '#reader-status[data-reader="connected"]', 'the reader ready on the start screen');
  if (way === 'voice') {
    await page.click('#aid-voice');
    await hear(page, 'welcome');
  }
  // The card goes on the reader; the mark is the moment the reader has it, before the kiosk could react.
  await page.evaluate(([index, mark]) => {
    window.onshiVirtualUsb.insertCard(index);
    performance.mark(mark);
  }, [holder.index, PLACED]);
  await waitFor(page, 'main[data-screen="pin"]', 'the PIN pad after the card was placed');
  if (way === 'voice') await hear(page, 'pin');
  await typePin(page, way);
  const afterPin = await inputCount(page);
  await sendPinAndConsent(page, way);
  const { ms, card, toPin, toAnswer } = await kioskMs(page, PLACED);
  const split = await answerSplit(page, PLACED);
  // Told to take the card, the patient takes it and leaves.
  await waitFor(page, '#remove-card', 'the request to take the card');
  if (way === 'voice') await hear(page, 'result', (await page.textContent('#remove-card')).trim());
  await page.evaluate(() => window.onshiVirtualUsb.removeCard());
  await waitFor(page, '#card-taken', 'the card taken noted');

  const done = (async () => {
    await waitFor(page, 'main[data-screen="welcome"]', 'the start screen again after the card was taken');
    const seen = await page.evaluate((mark) => {
      const origin = performance.getEntriesByName(mark)[0].startTime;
      const marks = performance.getEntriesByType('mark')
        .filter((m) => m.name.startsWith('onshi:screen:') && m.startTime >= origin)
        .sort((a, b) => a.startTime - b.startTime)
        .map((m) => m.name.slice('onshi:screen:'.length));
      return { marks, input: window.__onshiInput, spoken: window.__spoken };
    }, PLACED);
    const back = seen.marks.lastIndexOf('welcome');
    if (back < 0) throw new Error('no start screen marked after the card was taken');
    const passed = seen.marks.slice(0, back);
    const after = seen.input.slice(afterPin);
    const taps = seen.input.filter((e) => e.type === 'pointerdown').length;
    const keys = seen.input.filter((e) => e.type === 'keydown').length;
    if (way === 'keyboard' && taps > 0) throw new Error(`the keyboard way received ${taps} tap(s)`);
    if (way !== 'keyboard' && keys > 0) throw new Error(`the ${way} way received ${keys} key press(es)`);
    if (way === 'voice') {
      const silent = [...new Set(passed)].filter((name) => !seen.spoken.some((u) => u.screen === name));
      if (silent.length > 0) throw new Error(`voice on, yet nothing was said on: ${silent.join(', ')}`);
    }
    const screens = new Set(passed).size;
    return { ms, card, toPin, toAnswer, split, touches: after.length, screens, passed, spoken: seen.spoken.length };
  })();
  done.catch(() => {}); // awaited before this kiosk's next patient, or at the end; a failure is reported there
  return { done };
}

const stack = await startStack();
let browser;
const runs = Object.fromEntries(WAYS.map((way) => [way, []]));
const kiosks = [];
let failed = null;
try {
  browser = await launchChromium();
  for (const way of WAYS) kiosks.push(await openKioskFor(browser, stack, way));
  // Each kiosk's first patient is not counted: the first check-in warms the page and the stack. The ways take
  // turns, so that a busy moment of the machine falls on all of them alike; while one kiosk's answer waits to clear,
  // the next kiosk serves its patient.
  for (let run = 0; run <= RUNS; run++) {
    for (const kiosk of kiosks) {
      const label = run === 0 ? `${kiosk.way} warm-up` : `${kiosk.way} run ${run}`;
      await kiosk.ready;
      const named = (error) => { throw new Error(`person-bench: ${label}: ${error.message}`); };
      const { done } = await servePatient(kiosk).catch(named);
      kiosk.ready = done.then((result) => { if (run > 0) runs[kiosk.way].push(result); }, named);
      kiosk.ready.catch(() => {});
    }
  }
  for (const kiosk of kiosks) await kiosk.ready;
  for (const way of WAYS) {
    const results = runs[way];
    const sample = results[0];
    const p50 = (key) => percentile(results.map((r) => r[key]), 50).toFixed(1);
    console.log(`person-bench: ${way}: ${sample.passed.join(' → ')} → welcome; ${sample.touches} input(s) after the PIN`
      + `${way === 'voice' ? `; ${sample.spoken} utterance(s)` : ''}; p50 kiosk ms card placed → PIN pad `
      + `${p50('toPin')}, PIN sent → answer ${p50('toAnswer')}; p50 link model ${p50('card')} ms`);
    console.log(`person-bench: ${way}: p50 ms of PIN sent → answer: ${describeSplit(medianSplit(results.map((r) => r.split)))}`);
    figure(`kiosk.person.${way}.touches_after_pin`, Math.max(...results.map((r) => r.touches)), 'touches', results.length, '<= 3');
    figure(`kiosk.person.${way}.screens`, Math.max(...results.map((r) => r.screens)), 'screens', results.length, 'report');
    figure(`kiosk.person.${way}.system_p95_ms`, percentile(results.map((r) => r.ms), 95), 'ms', results.length, '<= 30');
  }
} catch (error) {
  failed = error;
} finally {
  await Promise.allSettled(kiosks.map((kiosk) => kiosk.ready));
  await browser?.close();
  await stack.stop();
}
if (failed) {
  console.error(failed.message);
  process.exit(1);
}
