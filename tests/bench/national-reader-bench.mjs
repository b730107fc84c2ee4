// The national reader's checks on the staff console, timed as staff see them: a patient checks in on the
// facility's national reader (the simulated 資格確認端末 writes the face file), the bridge hands the result through
// the edge in workerd to the origin, and the staff console in Chromium shows the row.
//
//   node tests/bench/national-reader-bench.mjs [--quick]
//
// Needs what the end-to-end tests need (the built site, ONSHI_ORIGIN_BIN, ONSHI_BRIDGE_BIN, ONSHI_TERMINAL_SIM_BIN).
//
//   bridge.face_to_console_p95_ms  from the reader check's trigger written to the row shown on an open staff console
//                                  (target: within 2 s). It adds up the simulator's pick-up of its trigger, the face
//                                  file written, the bridge's watcher, the edge and the origin, and the console's own
//                                  refresh (every 2 s), which alone can take up to 2 s: the figure says how the whole
//                                  chain stands, not the bridge alone (its own added time is bridge.added_p95_ms).
//   bridge.face_to_list_p95_ms     the same chain to the row in the staff list the edge answers, asked every 20 ms:
//                                  everything but the console's refresh.
// Runs one reader check at a time, 3 with --quick and 20 otherwise.

import { DEMO_FACILITY_CODE, startStack } from '../../xtask/stack.mjs';
import { launchChromium, openStaff } from '../e2e/support.mjs';
import { figure, percentile } from './support.mjs';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 20;
/** How long one check may take before the program fails instead of printing a figure. */
const GIVE_UP_MS = 30_000;

const patient = (run) => ({
  name: `計測　${run}号`,
  name_kana: 'ｹｲｿｸ',
  birth_date: '1980-01-01',
  sex: 'unspecified',
  insurer_number: '06130017',
  insurer_name: '全国健康保険協会東京支部',
  number: String(1000 + run),
  ratio_percent: 30,
  validity: 'valid',
});

/** The staff list, as the edge answers it to a staff session. */
async function staffList(staff) {
  const response = await staff.call('/api/v1/staff/checkins');
  if (response.status !== 200) throw new Error(`the staff list answered ${response.status}`);
  return (await response.json()).checkins;
}

// The bench asks for the staff list every 20 ms, far above what a staff session may ask (60 a minute), so the
// session limit is raised for this stack; the console itself asks about 36 times a minute, under either limit.
const stack = await startStack({ edgeEnv: { RATE_LIMIT_PER_DEVICE: '100000', RATE_LIMIT_PER_FACILITY: '100000' } });
const browser = await launchChromium();
try {
  const bridge = await stack.startBridge(DEMO_FACILITY_CODE);
  const { page } = await openStaff(browser, stack);
  const staff = await stack.openStaffSession();

  // Each run checks two patients in, one after the other: the first is timed to the open console alone, the second
  // to the staff list alone, so that asking for the list every 20 ms does not crowd out the console's own calls.
  const toConsole = [];
  const toList = [];
  for (let run = 1; run <= RUNS; run += 1) {
    const seen = patient(2 * run - 1);
    let started = performance.now();
    bridge.readerCheck(seen);
    await page.locator('tr.checkin[data-method="national_reader"]', { hasText: seen.name }).waitFor({ timeout: GIVE_UP_MS });
    toConsole.push(performance.now() - started);

    const listedPatient = patient(2 * run);
    started = performance.now();
    bridge.readerCheck(listedPatient);
    while (!(await staffList(staff)).some((row) => row.name === listedPatient.name)) {
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`run ${run}: ${listedPatient.name} never reached the staff list`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    toList.push(performance.now() - started);
  }
  figure('bridge.face_to_console_p95_ms', percentile(toConsole, 95), 'ms', RUNS, '<= 2000');
  figure('bridge.face_to_list_p95_ms', percentile(toList, 95), 'ms', RUNS, 'report');
} finally {
  await browser.close();
  await stack.stop();
}
