//! The edge sink: every reader result the bridge reads is handed on to onshi's edge, in the background, until the
//! edge acknowledges it.
//!
//! Thin adapter over the outbox ([`crate::core::outbox`], which decides what to send, when to send it again and
//! what to journal): [`EdgeSink::offer`] converts a `face` file ([`onshi_onsfile::reader_result`]) and journals it
//! in `<state>/edge.log` (synced) before it returns; a sender thread posts whatever is due with a fresh device proof
//! and journals the outcome, so a slow or absent edge never holds up the terminal's requests.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use onshi_onsfile::reader_result::reader_result;

use crate::clock;
use crate::core::health::EdgeHealth;
use crate::core::journal::{self, EdgeRecord};
use crate::core::outbox::{Backoff, Outbox, OutboxEffect};
use crate::device::Enrolled;
use crate::edge::EdgeClient;
use crate::error::BridgeError;
use crate::files;

/// The edge journal's name in the state folder.
pub const EDGE_JOURNAL: &str = "edge.log";

/// The longest the sender sleeps with nothing due (a new result wakes it at once).
const IDLE: Duration = Duration::from_secs(60);

struct State {
    outbox: Outbox,
    stop: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    journal: PathBuf,
    client: EdgeClient,
    enrolled: Enrolled,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere leaves the outbox as consistent as its last completed call.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Carries out the outbox's effects in order (the caller holds the lock, so journal lines never interleave).
    fn carry_out(&self, effects: Vec<OutboxEffect>) -> Result<(), BridgeError> {
        for effect in effects {
            match effect {
                OutboxEffect::Journal(record) => files::append_synced(&self.journal, &record.to_line())?,
                OutboxEffect::Log(line) => eprintln!("onshi-bridge: {line}"),
            }
        }
        Ok(())
    }
}

/// The running sink. Dropping it stops the sender (after the call in flight, if any).
pub struct EdgeSink {
    shared: Arc<Shared>,
    sender: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EdgeSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdgeSink").field("device", &self.shared.enrolled.device).finish_non_exhaustive()
    }
}

impl EdgeSink {
    /// Recovers the outbox from `<state>/edge.log` and starts sending what is unacknowledged to the device's edge.
    pub fn open(state: &Path, enrolled: Enrolled, backoff: Backoff) -> Result<Self, BridgeError> {
        files::ensure_dirs(&[&state.to_path_buf()])?;
        let journal_path = state.join(EDGE_JOURNAL);
        let text = match std::fs::read(&journal_path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(BridgeError::Io { what: format!("read {}", journal_path.display()), source: e }),
        };
        let outbox = Outbox::recover(backoff, journal::parse::<EdgeRecord>(&text));
        let shared = Arc::new(Shared {
            state: Mutex::new(State { outbox, stop: false }),
            wake: Condvar::new(),
            journal: journal_path,
            client: EdgeClient::new(&enrolled.device.edge),
            enrolled,
        });
        let sender = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("edge-sink".into())
                .spawn(move || send_loop(&shared))
                .map_err(|e| BridgeError::Io { what: "start the edge sender".into(), source: e })?
        };
        Ok(Self { shared, sender: Some(sender) })
    }

    /// A `face` file the bridge read: converted and queued (journalled and synced before this returns), or
    /// counted as unreadable. A file offered before is ignored.
    pub fn offer(&self, file: &str, bytes: &[u8]) -> Result<(), BridgeError> {
        let converted = reader_result(file, bytes);
        let mut state = self.shared.lock();
        let effects = state.outbox.offer(file, converted, clock::now_ms());
        self.shared.carry_out(effects)?;
        drop(state);
        self.shared.wake.notify_all();
        Ok(())
    }

    /// How handing results on stands.
    pub fn health(&self) -> EdgeHealth {
        self.shared.lock().outbox.health()
    }
}

impl Drop for EdgeSink {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        if let Some(sender) = self.sender.take() {
            let _ = sender.join();
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
            if let Err(e) = shared.carry_out(effects) {
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
