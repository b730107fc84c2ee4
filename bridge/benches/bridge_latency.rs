//! `cargo bench -p onshi-bridge --bench bridge_latency [-- --quick]`: what the bridge adds to the simulated
//! terminal's answer time, and how fast a bulk pre-check goes through it.
//!
//! The bridge and the simulated terminal run in this process on their own threads, each on its own watchers and
//! scans at their natural speed (the bridge's 500 ms scan, the terminal's 500 ms scan), over a temporary folder, as
//! in the facility; the bench is the caller of the folder link.
//!
//! - `bridge.added_p95_ms` (target ≤ 50 ms): single qualification checks, one at a time after a warm-up: the time
//!   from the request dropped into `link/in` (renamed in) to its outcome in `link/out`, less the simulator's own
//!   time for it (from its pass finding the file in `req` to its answer complete in `res`, as the terminal records
//!   it: `Terminal::answer_times`). The rest is the bridge's: its watcher waking on `link/in`, re-encoding, the
//!   synced work file and journal lines, the rename into `req`, the terminal's watcher noticing it (counted as the
//!   bridge's: the real 連携アプリ polls at its own pace, which no bridge can shorten), the bridge's watcher waking on
//!   `res`, storing the answer (synced), journalling and writing the outcome. Both sides act on file-system events,
//!   not on their scans, so no polling interval is in this figure (it is a few milliseconds against a 500 ms scan);
//!   what remains is the synced writes (the work file, journal lines, the stored answer, a directory sync) and the
//!   watchers' wake-ups. On the terminal's share in a facility (SMB, whose change notifications may be late or lost)
//!   each synced write costs more and a lost event falls back to the scan, so the figure there is larger.
//!   `bridge.round_trip_p95_ms` is the whole time, for context.
//! - `bridge.bulk_rows_per_s` (report): one bulk pre-check of 1,000 rows (100 with `--quick`) from the drop to the
//!   outcome, through both phases (the upload, its `ReceptionNumber`, the download answered with a ZIP). Encoding
//!   and parsing the XML of both phases, the simulator's included, dominate it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark stops at a broken run.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Site, bulk_request, check_request, person_number};
use onshi_bridge::bridge::Bridge;
use onshi_bridge::link::FolderLink;
use onshi_onsfile::document;
use onshi_onsfile::messages::BulkResult;

/// The longest any one outcome may take before the run is declared broken.
const LIMIT: Duration = Duration::from_secs(120);
/// Requests sent first and not counted (first use of the folders, the journal, the allocator).
const WARM_UP: usize = 3;

/// The `p`th percentile (nearest rank) of `values`, as the other benchmarks take it.
fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)]
}

/// Waits for `path` to exist, looking every millisecond (the measurement's resolution).
fn wait_for(path: &std::path::Path) -> Instant {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < LIMIT, "no outcome at {} in time", path.display());
        std::thread::sleep(Duration::from_millis(1));
    }
    Instant::now()
}

/// Stops the bridge and the terminal when dropped, also when a broken run panics, so that the program ends.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (singles, rows) = if quick { (20, 100) } else { (200, 1000) };

    let site = Site::new();
    let terminal = site.terminal(rows.max(singles));
    let options = site.options();
    let scan = options.scan_interval;
    let mut bridge = Bridge::open(options, FolderLink::new(&site.link()).unwrap()).unwrap();
    let inbox = site.link().join("in");
    let out = site.link().join("out");
    let stop = AtomicBool::new(false);

    std::thread::scope(|scope| {
        let (terminal, stop) = (&terminal, &stop);
        scope.spawn(move || terminal.run(stop, scan).unwrap());
        scope.spawn(|| bridge.run(stop, Some(&inbox)).unwrap());
        let _stop = StopOnDrop(stop);

        let (mut added, mut round_trips, mut simulator) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..WARM_UP + singles {
            let id = format!("c{i}");
            let answered_before = terminal.answer_times().len();
            site.submit(&id, "OQSsiquc01req", &check_request(&person_number(i % singles)));
            let dropped = Instant::now();
            let done = wait_for(&out.join(format!("{id}.answered.xml")));
            // The terminal notes its time just after writing the answer, which the bridge may have delivered first.
            let noted = Instant::now();
            let mut times = terminal.answer_times();
            while times.len() == answered_before {
                assert!(noted.elapsed() < LIMIT, "the terminal noted no answer time");
                std::thread::sleep(Duration::from_millis(1));
                times = terminal.answer_times();
            }
            let new = times.get(answered_before..).unwrap_or_default();
            assert_eq!(new.len(), 1, "one request file for one check");
            let round_trip = done.duration_since(dropped);
            let own = new[0].duration();
            if i >= WARM_UP {
                round_trips.push(ms(round_trip));
                simulator.push(ms(own));
                added.push(ms(round_trip.saturating_sub(own)));
            }
        }
        eprintln!(
            "bridge_latency: {} checks: added p50 {:.1} ms, round trip p50 {:.1} ms, simulator p95 {:.1} ms",
            added.len(),
            percentile(&added, 50.0),
            percentile(&round_trips, 50.0),
            percentile(&simulator, 95.0)
        );
        println!("bench: bridge.added_p95_ms = {:.1} ms (n {}) (target <= 50)", percentile(&added, 95.0), added.len());
        println!(
            "bench: bridge.round_trip_p95_ms = {:.1} ms (n {}) (target report)",
            percentile(&round_trips, 95.0),
            round_trips.len()
        );

        let bulk = bulk_request(rows);
        site.submit("bulk", "OQSmuquc01req", &bulk);
        let dropped = Instant::now();
        let done = wait_for(&out.join("bulk.answered.xml"));
        let seconds = done.duration_since(dropped).as_secs_f64();
        let answer = std::fs::read(out.join("bulk.answered.xml")).unwrap();
        let units = document::read::<BulkResult>(&answer).unwrap().message.body.0.unwrap().units;
        assert_eq!(units.len(), rows, "every row answered");
        let zipped = site.journal().contains("OQSmuquc02res_") && site.journal().contains(".zip");
        assert!(zipped, "the phase-2 answer came as a ZIP");
        eprintln!("bridge_latency: bulk of {rows} rows through both phases in {seconds:.2} s");
        println!("bench: bridge.bulk_rows_per_s = {:.1} rows/s (n 1) (target report)", rows as f64 / seconds);
    });
}
