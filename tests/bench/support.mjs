// Shared pieces of the browser benchmarks: the figure line `cargo xtask bench` reads, percentiles, and the kiosk's
// own time per check-in with the link model's share taken out.
//
// The kiosk marks every screen change (`onshi:screen:<name>`). Its own time from a moment `from` (a performance mark)
// to the answer is (from → PIN pad shown) + (PIN sent → answer shown); the person's typing between the two is not
// the kiosk's. The link model's share is the time the virtual card spends inside the reader's transfers (every
// transferOut runs the virtual card to completion), which stands in for the real card and reader: the part of it
// that falls inside those two stretches is subtracted.

/** Prints one figure as `bench: <name> = <value> <unit> (n <sample>) (target <target>)`. */
export function figure(name, value, unit, n, target) {
  const shown = Number.isFinite(value) ? Number(value.toFixed(1)) : 'NaN';
  console.log(`bench: ${name} = ${shown} ${unit} (n ${n}) (target ${target})`);
}

/** The `p`th percentile (nearest rank) of `values`; NaN for none. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * Times every transfer to the virtual card on `page` from now on (`window.__onshiLinkModel`, start and end of each),
 * so that [`kioskMs`] can take the link model's share out. Call it once the fake reader is installed.
 */
export async function meterLinkModel(page) {
  await page.evaluate(() => {
    const device = window.onshiVirtualUsb.device;
    const transferOut = device.transferOut;
    window.__onshiLinkModel = [];
    device.transferOut = async (...args) => {
      const start = performance.now();
      try { return await transferOut(...args); } finally {
        window.__onshiLinkModel.push({ start, end: performance.now() });
      }
    };
    // transferIn runs no card: it hands over what the transferOut before it left queued (or waits for it). Its
    // own time is kept apart, only to show that it is negligible ([`answerSplit`]'s `transferIn`); it is not
    // subtracted, since most of it is the kiosk waiting on the reader's queue.
    const transferIn = device.transferIn;
    window.__onshiTransferIn = [];
    device.transferIn = async (...args) => {
      const start = performance.now();
      try { return await transferIn(...args); } finally {
        window.__onshiTransferIn.push({ start, end: performance.now() });
      }
    };
  });
}

/** The check-in's step marks (`onshi:step:<name>`, kiosk/src/checkin/task.rs), in the order the kiosk makes them. */
const ANSWER_STEPS = ['verified', 'challenge', 'signed', 'session', 'answer'];

/**
 * Where the kiosk's time from the PIN sent to the answer shown goes, for the check-in after the mark `from`
 * (call it after [`kioskMs`]): each stretch between the screen and step marks, less the link model's share, and the
 * session and qualification requests as the page's Resource Timing saw them, split by the edge's `Server-Timing`
 * (a development edge's waits on its Durable Objects and on the origin; `outside` is the rest of the fetch: the
 * edge's own work, which workerd's clock does not see, the socket and the browser). Every value in ms.
 *   verify     verifying screen → VERIFY answered        challenge  → early challenge in hand
 *   sign       → the card's signature                    session    → session answered (`request: {…}` below)
 *   answer     → qualification answered                  render     → result screen marked
 *   session_fetch / answer_fetch  { total, store, stores (calls), origin, origins (calls), outside }; all 0 for
 *              answer_fetch when the qualification came in the session's answer (no request of its own)
 *   kiosk_session / kiosk_answer  the stretch less its fetch: the device proof, encoding and decoding in the kiosk
 *   transferIn the reader's transferIn time inside the stretch (no card work runs there)
 * Throws, naming it, when a mark or a request is missing.
 */
export async function answerSplit(page, from) {
  const split = await page.evaluate(([from, steps]) => {
    const origin = performance.getEntriesByName(from)[0]?.startTime;
    const after = (name, at) => performance.getEntriesByName(name).find((m) => m.startTime >= at)?.startTime;
    const verifying = after('onshi:screen:verifying', origin);
    if (verifying === undefined) return { missing: 'onshi:screen:verifying' };
    const at = { verifying };
    let last = verifying;
    for (const step of steps) {
      at[step] = after(`onshi:step:${step}`, origin);
      if (at[step] === undefined) return { missing: `onshi:step:${step}` };
      last = Math.max(last, at[step]);
    }
    at.result = after('onshi:screen:result', last);
    if (at.result === undefined) return { missing: 'onshi:screen:result' };
    const overlap = ({ start, end }, [a, b]) => Math.max(0, Math.min(end, b) - Math.max(start, a));
    const within = (list, range) => (list ?? []).reduce((sum, t) => sum + overlap(t, range), 0);
    const stretch = (a, b) => at[b] - at[a] - within(window.__onshiLinkModel, [at[a], at[b]]);
    const fetchOf = (path) => {
      const entry = performance.getEntriesByType('resource')
        .filter((r) => r.name.endsWith(path) && r.startTime >= verifying).at(0);
      if (!entry) return null;
      const timing = Object.fromEntries(entry.serverTiming.map((t) => [t.name, t]));
      const total = entry.responseEnd - entry.startTime;
      const store = timing.store?.duration ?? NaN;
      const originMs = timing.origin?.duration ?? NaN;
      return {
        total, store, stores: Number(timing.store?.description ?? NaN), origin: originMs,
        origins: Number(timing.origin?.description ?? NaN), outside: total - (timing.edge?.duration ?? NaN),
      };
    };
    const session = fetchOf('/api/v1/session');
    // A kiosk that asks the qualification with the session makes no request of its own for it: its stretch is
    // then the kiosk's alone, and its fetch is counted as none.
    const none = { total: 0, store: 0, stores: 0, origin: 0, origins: 0, outside: 0 };
    const answer = fetchOf('/api/v1/qualification') ?? none;
    if (!session) return { missing: 'a Resource Timing entry of the session' };
    const sessionStretch = stretch('signed', 'session');
    const answerStretch = stretch('session', 'answer');
    return {
      verify: stretch('verifying', 'verified'), challenge: stretch('verified', 'challenge'),
      sign: stretch('challenge', 'signed'), session: sessionStretch, answer: answerStretch,
      render: stretch('answer', 'result'), session_fetch: session, answer_fetch: answer,
      kiosk_session: sessionStretch - session.total, kiosk_answer: answerStretch - answer.total,
      transferIn: within(window.__onshiTransferIn, [verifying, at.result]),
    };
  }, [from, ANSWER_STEPS]);
  if (split.missing) throw new Error(`no ${split.missing} after ${from}`);
  return split;
}

/** The median of each number in `splits` (objects of the same shape, nested once), to a tenth of a ms. */
export function medianSplit(splits) {
  const median = (values) => percentile(values, 50);
  const out = {};
  for (const [key, value] of Object.entries(splits[0])) {
    out[key] = typeof value === 'object'
      ? Object.fromEntries(Object.keys(value).map((k) => [k, median(splits.map((s) => s[key][k]))]))
      : median(splits.map((s) => s[key]));
  }
  return out;
}

/** One line of [`medianSplit`]'s answer: the stretches, then each request's waits. */
export function describeSplit(m) {
  const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : '?');
  const request = (r) => `fetch ${f(r.total)}: store ${f(r.store)} in ${f(r.stores)}, origin ${f(r.origin)} in `
    + `${f(r.origins)}, outside the edge's clock ${f(r.outside)}`;
  return `VERIFY ${f(m.verify)}, challenge ${f(m.challenge)}, signature ${f(m.sign)}, session ${f(m.session)} `
    + `(${request(m.session_fetch)}; kiosk ${f(m.kiosk_session)}), qualification ${f(m.answer)} `
    + `(${request(m.answer_fetch)}; kiosk ${f(m.kiosk_answer)}), render ${f(m.render)}; transferIn ${f(m.transferIn)}`;
}

/**
 * The kiosk's own time in ms from the performance mark `from` to the answer: (from → PIN pad shown) + (PIN sent →
 * answer shown), each screen the first one marked at or after `from`, less the time the virtual card spent in
 * transfers within those two stretches ([`meterLinkModel`] must be installed); with that link-model time as `card`
 * and the kiosk's own time in each stretch as `toPin` and `toAnswer`.
 * Throws, naming the mark, when one is missing, so that a broken flow never becomes a figure.
 */
export async function kioskMs(page, from) {
  // The mark follows the screen's render; wait for it rather than read too early.
  await page.waitForFunction((from) => {
    const origin = performance.getEntriesByName(from)[0]?.startTime;
    return origin !== undefined && performance.getEntriesByName('onshi:screen:result').some((m) => m.startTime >= origin);
  }, from, { timeout: 20_000 }).catch(() => {});
  const measured = await page.evaluate((from) => {
    const origin = performance.getEntriesByName(from)[0]?.startTime;
    if (origin === undefined) return { missing: from };
    const at = (name) => performance.getEntriesByName(`onshi:screen:${name}`).find((m) => m.startTime >= origin)?.startTime;
    const marks = { pin: at('pin'), verifying: at('verifying'), result: at('result') };
    const missing = Object.keys(marks).find((name) => marks[name] === undefined);
    if (missing) return { missing: `onshi:screen:${missing}` };
    const overlap = ({ start, end }, [from, to]) => Math.max(0, Math.min(end, to) - Math.max(start, from));
    const ours = ([from, to]) => {
      const card = (window.__onshiLinkModel ?? []).reduce((sum, transfer) => sum + overlap(transfer, [from, to]), 0);
      return { ms: to - from - card, card };
    };
    const toPin = ours([origin, marks.pin]);
    const toAnswer = ours([marks.verifying, marks.result]);
    return { ms: toPin.ms + toAnswer.ms, card: toPin.card + toAnswer.card, toPin: toPin.ms, toAnswer: toAnswer.ms };
  }, from);
  if (measured.missing) throw new Error(`no performance mark ${measured.missing} after ${from}`);
  return measured;
}
