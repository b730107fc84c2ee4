// Kiosk benchmarks: wasm size, time to interactive under a 4× CPU throttle, and the kiosk's own time per check-in.
//
//   node tests/bench/kiosk-bench.mjs [--quick]
//
// Needs the built site (dist/www, or ONSHI_SITE_DIR) and the origin binary (ONSHI_ORIGIN_BIN), as the end-to-end
// tests do. Prints one line per figure: `bench: <name> = <value> <unit> (n <sample>) (target <op> <value>)`.
//
// kiosk.checkin_overhead_p95_ms: the kiosk's own time per check-in from the card being read (the `reading` screen)
// to the answer, the person's typing and the link model's share taken out (see `kioskMs` in ./support.mjs).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEMO_CARDS, ROOT, startStack } from '../../xtask/stack.mjs';
import { enterPin, launchChromium, openKiosk, screen } from '../e2e/support.mjs';
import { figure, kioskMs, meterLinkModel, percentile } from './support.mjs';

const quick = process.argv.includes('--quick');
const siteDir = process.env.ONSHI_SITE_DIR ?? join(ROOT, 'dist/www');

// 1. Size: the optimized kiosk wasm as a client downloads it, gzip level 9.
const wasm = readFileSync(join(siteDir, 'pkg/onshi_kiosk_bg.wasm'));
figure('kiosk.wasm_gz_kb', gzipSync(wasm, { level: 9 }).length / 1024, 'KB', 1, '<= 350');

const stack = await startStack();
const browser = await launchChromium();
try {
  // 2. Time to interactive: navigation start to the first interactive screen's mark (rendered, with its
  //    controls wired), cold cache, CPU throttled 4×. Median of several runs after one warm-up.
  const ttiRuns = quick ? 2 : 7;
  const tti = [];
  for (let run = 0; run <= ttiRuns; run++) {
    const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1024, height: 900 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(stack.url);
    // A fresh profile has no device yet, so its first interactive screen is the enrolment form; an enrolled one
    // starts on the welcome screen. Both come after the same start-up work.
    const firstScreen = () => ['welcome', 'enrol']
      .flatMap((name) => performance.getEntriesByName(`onshi:screen:${name}`))
      .map((mark) => mark.startTime)
      .sort((a, b) => a - b)[0];
    await page.waitForFunction(firstScreen);
    const ms = await page.evaluate(firstScreen);
    if (run > 0) tti.push(ms);
    await context.close();
  }
  figure('kiosk.tti_ms_4x', percentile(tti, 50), 'ms', tti.length, '<= 1000');

  // 3. The kiosk's own time per check-in, p95 over several check-ins after one warm-up.
  const holder = DEMO_CARDS.find((c) => c.scenario === 'valid');
  const checkins = quick ? 3 : 20;
  const overheads = [];
  for (let run = 0; run <= checkins; run++) {
    const { page, context } = await openKiosk(browser, stack, { cardIndex: holder.index });
    await meterLinkModel(page);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    const { ms } = await kioskMs(page, 'onshi:screen:reading');
    if (run > 0) overheads.push(ms);
    await context.close();
  }
  figure('kiosk.checkin_overhead_p95_ms', percentile(overheads, 95), 'ms', overheads.length, '<= 150');
} finally {
  await browser.close();
  await stack.stop();
}
