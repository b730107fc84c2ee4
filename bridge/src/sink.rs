//! The edge sink: every reader result the bridge reads is handed on to onshi's edge, in the background, until the
//! edge acknowledges it; and the bridge's health is reported to the edge when it changes and every heartbeat.
//!
//! Thin adapter over the outbox ([`crate::core::outbox`], which decides what to send, when to send it again and
//! what to journal): [`EdgeSink::offer`] converts a `face` file ([`onshi_onsfile::reader_result`]) and journals it
//! in `<state>/edge.log` (synced) before it returns; a sender thread posts whatever is due with a fresh device proof
//! and journals the outcome, so a slow or absent edge never holds up the terminal's requests. Health goes the same
//! way on a thread of its own ([`EdgeSink::report`] only hands it the latest health; [`Reports`] decides when a
//! report is due), so a health report waiting on the edge holds up neither requests nor reader results.
//! [`EdgeSink::compact`] rewrites `edge.log` to the outbox's live records, at start-up and when most of it is dead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use onshi_onsfile::reader_result::reader_result;
use onshi_proto::bridge_health::{BRIDGE_HEARTBEAT_SECS, BridgeHealth};

use crate::clock;
use crate::core::health::{EdgeHealth, Reports};
use crate::core::journal::{self, EdgeRecord};
use crate::core::outbox::{Backoff, Outbox, OutboxEffect, Reply};
use crate::device::Enrolled;
use crate::edge::EdgeClient;
use crate::error::BridgeError;
use crate::files;

/// The edge journal's name in the state folder.
pub const EDGE_JOURNAL: &str = "edge.log";

/// The longest the sender sleeps with nothing due (a new result wakes it at once).
const IDLE: Duration = Duration::from_secs(60);

/// How the sink paces its calls to the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// When a reader result the edge did not take is sent again.
    pub backoff: Backoff,
    /// A health report goes at least this often, even when nothing changed.
    pub heartbeat: Duration,
}

impl Default for Timing {
    /// The outbox's default backoff; a heartbeat every [`BRIDGE_HEARTBEAT_SECS`].
    fn default() -> Self {
        Self { backoff: Backoff::default(), heartbeat: Duration::from_secs(BRIDGE_HEARTBEAT_SECS.unsigned_abs()) }
    }
}

struct State {
    outbox: Outbox,
    stop: bool,
    /// Lines in `edge.log`, for deciding when to rewrite it.
    journal_lines: usize,
}

/// The health reporter's side: the latest health the bridge handed over, and what was reported when.
struct Reporting {
    reports: Reports,
    stop: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    reporting: Mutex<Reporting>,
    report_wake: Condvar,
    /// The health reporter's clock: milliseconds since the sink opened, which never go back.
    opened: Instant,
    /// The state folder, which holds `edge.log`.
    dir: PathBuf,
    client: EdgeClient,
    enrolled: Enrolled,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere leaves the outbox as consistent as its last completed call.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_reporting(&self) -> MutexGuard<'_, Reporting> {
        self.reporting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Carries out the outbox's effects in order (the caller holds the lock, so journal lines never interleave).
    fn carry_out(&self, state: &mut State, effects: Vec<OutboxEffect>) -> Result<(), BridgeError> {
        for effect in effects {
            match effect {
                OutboxEffect::Journal(record) => {
                    files::append_synced(&self.dir.join(EDGE_JOURNAL), &record.to_line())?;
                    state.journal_lines += 1;
                }
                OutboxEffect::Log(line) => eprintln!("onshi-bridge: {line}"),
            }
        }
        Ok(())
    }
}

/// The running sink. Dropping it stops the result sender and the health reporter (each after its call in flight,
/// if any).
pub struct EdgeSink {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for EdgeSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdgeSink").field("device", &self.shared.enrolled.device).finish_non_exhaustive()
    }
}

impl EdgeSink {
    /// Recovers the outbox from `<state>/edge.log` and starts sending what is unacknowledged to the device's edge,
    /// and the health reporter.
    pub fn open(state: &Path, enrolled: Enrolled, timing: Timing) -> Result<Self, BridgeError> {
        files::ensure_dirs(&[&state.to_path_buf()])?;
        let journal_path = state.join(EDGE_JOURNAL);
        let text = match std::fs::read(&journal_path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(BridgeError::Io { what: format!("read {}", journal_path.display()), source: e }),
        };
        let outbox = Outbox::recover(timing.backoff, journal::parse::<EdgeRecord>(&text));
        let journal_lines = text.split_inclusive('\n').count();
        let heartbeat_ms = u64::try_from(timing.heartbeat.as_millis()).unwrap_or(u64::MAX);
        let shared = Arc::new(Shared {
            state: Mutex::new(State { outbox, stop: false, journal_lines }),
            wake: Condvar::new(),
            reporting: Mutex::new(Reporting { reports: Reports::new(heartbeat_ms), stop: false }),
            report_wake: Condvar::new(),
            opened: Instant::now(),
            dir: state.to_path_buf(),
            client: EdgeClient::new(&enrolled.device.edge),
            enrolled,
        });
        let mut sink = Self { shared, threads: Vec::new() };
        for (name, work) in [("edge-sink", send_loop as fn(&Shared)), ("edge-health", report_loop)] {
            let shared = Arc::clone(&sink.shared);
            let thread = std::thread::Builder::new()
                .name(name.into())
                .spawn(move || work(&shared))
                .map_err(|e| BridgeError::Io { what: format!("start the {name} thread"), source: e })?;
            // Pushed at once: a failure to start the second thread stops the first when `sink` drops.
            sink.threads.push(thread);
        }
        Ok(sink)
    }

    /// A `face` file the bridge read: converted and queued (journalled and synced before this returns), or
    /// counted as unreadable. A file offered before is ignored.
    pub fn offer(&self, file: &str, bytes: &[u8]) -> Result<(), BridgeError> {
        let converted = reader_result(file, bytes);
        let mut state = self.shared.lock();
        let effects = state.outbox.offer(file, converted, clock::now_ms());
        self.shared.carry_out(&mut state, effects)?;
        drop(state);
        self.shared.wake.notify_all();
        Ok(())
    }

    /// Rewrites `edge.log` to the outbox's live records if that drops any line: whenever it does if `now` (at
    /// start-up), otherwise only when most of it is dead. `faces`: the files in `face`, if it could be listed. The
    /// lock is held throughout, so no line is appended to the old journal meanwhile.
    pub fn compact(&self, faces: Option<&BTreeSet<String>>, now: bool) -> Result<(), BridgeError> {
        let mut guard = self.shared.lock();
        let state = &mut *guard;
        let live_lines = state.outbox.live_lines();
        let outbox = &mut state.outbox;
        files::compact_journal(&self.shared.dir, EDGE_JOURNAL, &mut state.journal_lines, live_lines, now, || {
            outbox.compact(faces).iter().map(EdgeRecord::to_line).collect()
        })
    }

    /// How handing results on stands.
    pub fn health(&self) -> EdgeHealth {
        self.shared.lock().outbox.health()
    }

    /// The bridge's health as it stands now, handed over on every pass of its loop: reported to the edge at once
    /// if it changed, and with the next heartbeat otherwise (a loop that stops handing it over stops the
    /// heartbeats). Returns without waiting for the edge.
    pub fn report(&self, health: BridgeHealth) {
        let mut reporting = self.shared.lock_reporting();
        let due = reporting.reports.handed(health, self.shared.elapsed_ms());
        drop(reporting);
        if due {
            self.shared.report_wake.notify_all();
        }
    }
}

impl Drop for EdgeSink {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.lock_reporting().stop = true;
        self.shared.wake.notify_all();
        self.shared.report_wake.notify_all();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Reports the latest health whenever [`Reports`] says one is due, and sleeps until the next heartbeat or a change.
/// The outcome of a report is only noted: a report the edge did not take is not sent again as such.
fn report_loop(shared: &Shared) {
    let mut reporting = shared.lock_reporting();
    loop {
        if reporting.stop {
            return;
        }
        let now = shared.elapsed_ms();
        let Some(health) = reporting.reports.take_due(now) else {
            let wait = reporting.reports.next_heartbeat_ms().map_or(IDLE, |at| Duration::from_millis(at - now.min(at)));
            reporting =
                shared.report_wake.wait_timeout(reporting, wait.min(IDLE)).unwrap_or_else(PoisonError::into_inner).0;
            continue;
        };
        drop(reporting);
        // No lock is held during the call: the bridge keeps handing over newer health meanwhile.
        let attempt = shared.client.send_health(&shared.enrolled, &health);
        reporting = shared.lock_reporting();
        let acknowledged = attempt.reply() == Reply::Acknowledged;
        // The heartbeat counts from when this report started, so that a slow edge does not stretch it.
        if let Some(line) = reporting.reports.reported(health, now, acknowledged, &attempt.describe()) {
            eprintln!("onshi-bridge: {line}");
        }
    }
}

/// Sends whatever is due, one result at a time, and sleeps until the next is due or a new one arrives.
fn send_loop(shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if state.stop {
            return;
        }
        let now = clock::now_ms();
        let due = state.outbox.due(now);
        if due.is_empty() {
            let wait = state.outbox.next_due_ms().map_or(IDLE, |at| Duration::from_millis(at.saturating_sub(now)));
            state = shared.wake.wait_timeout(state, wait.min(IDLE)).unwrap_or_else(PoisonError::into_inner).0;
            continue;
        }
        drop(state);
        for result in due {
            // No lock is held during the call: the bridge keeps offering new results meanwhile.
            let attempt = shared.client.send_reader_result(&shared.enrolled, &result);
            let mut state = shared.lock();
            let effects = state.outbox.attempted(result.file_name.as_str(), &attempt, clock::now_ms());
            if let Err(e) = shared.carry_out(&mut state, effects) {
                // Unjournalled, an acknowledgement is only sent again after a restart, which the edge takes as a
                // repeat of the same face file.
                eprintln!("onshi-bridge: cannot journal a reader result's outcome: {e}");
            }
            if state.stop {
                return;
            }
        }
        state = shared.lock();
    }
}
