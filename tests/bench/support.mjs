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
  });
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
