//! The bridge's link to whoever asks it for checks: a trait, so that the WebSocket link to the facility's Durable
//! Object ([`crate::link_ws`]) stands beside the folder link.
//!
//! The folder link is the local hand-off: a caller drops `<id>.<prefix>.xml` (for example
//! `a1.OQSsiquc01req.xml`) into `link/in` (written under a temporary name and renamed), and finds
//! `<id>.answered.xml`, `<id>.failed.txt` or `<id>.uncertain.txt` in `link/out` (an uncertain request staff
//! closed becomes `<id>.settled.txt`, its uncertain copy gone), reader results in `link/face` and
//! the health in `link/health.json`. Its copies go once past retention: a forgotten request's outcome when the
//! spool forgets it ([`Link::forget`]), and what no forgetting named on a sweep ([`Link::prune`], deciding by
//! [`crate::core::prune`]). The edge link wraps another link and also hands every reader result on to
//! onshi's edge ([`EdgeSink`]), adding how that stands to the health, and reports the health to the edge through
//! the sink. Adapter code: no decisions.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use onshi_onsfile::name::Prefix;
use onshi_proto::bridge_link::{LinkRequestId, SettleRefusal};

use crate::clock::Clock;
use crate::core::health::{EdgeHealth, Health};
use crate::core::prune;
use crate::core::spool::{NewRequest, Outcome, State, valid_request_id};
use crate::error::BridgeError;
use crate::files;
use crate::sink::EdgeSink;

pub use crate::core::spool::MAX_REQUEST_ID as MAX_ID;

/// Where requests come from and results go.
pub trait Link {
    /// Requests waiting to be taken, with the handle to drop each once it is journalled.
    fn requests(&mut self) -> Result<Vec<(NewRequest, String)>, BridgeError>;
    /// The request behind `handle` is journalled (or refused): the link may forget it.
    fn taken(&mut self, handle: &str);
    /// Whether the caller already holds this outcome (a restart re-delivers only what is missing).
    fn has_outcome(&self, id: &str) -> bool;
    /// A request's outcome.
    fn deliver(&mut self, outcome: &Outcome) -> Result<(), BridgeError>;
    /// A reader result.
    fn face(&mut self, file: &str, bytes: &[u8]) -> Result<(), BridgeError>;
    /// The health changed.
    fn health(&mut self, health: &Health) -> Result<(), BridgeError>;
    /// A chance to rewrite a journal the link keeps to its live records: at once if `now`, otherwise only when
    /// most of it is dead. `faces` are the files in `face` (if the folder could be listed): a reader result whose
    /// file is gone cannot be offered again. A link that keeps no journal does nothing.
    fn compact(&mut self, faces: Option<&BTreeSet<String>>, now: bool) -> Result<(), BridgeError> {
        let _ = (faces, now);
        Ok(())
    }
    /// The spool forgot the caller's request `id` (its retention passed since its answer): the caller's copies of
    /// its outcome go, and whatever the link kept to know it was delivered.
    fn forget(&mut self, id: &str) -> Result<(), BridgeError>;
    /// Drops what the link holds past retention that no [`Link::forget`] named (left by an earlier run or a crash):
    /// `spool_knows` says which caller ids the spool still knows, whose copies are kept; the rest are aged as
    /// [`crate::core::prune`] says, against `now_ms` and `retention_ms`.
    fn prune(&mut self, now_ms: u64, retention_ms: u64, spool_knows: &dyn Fn(&str) -> bool) -> Result<(), BridgeError>;
    /// Staff's closings of uncertain requests waiting to be carried out, each by the id the health report lists
    /// ([`crate::core::spool::Spool::settle`]). A link staff cannot reach has none.
    fn settlements(&mut self) -> Vec<LinkRequestId> {
        Vec::new()
    }
    /// How staff's closing of `id` went: `Ok` when the request is now Settled (its outcome was also delivered to
    /// its own caller), or why nothing changed.
    fn settle_answered(&mut self, id: &LinkRequestId, result: Result<(), SettleRefusal>) {
        let _ = (id, result);
    }
}

/// What `<id>.settled.txt` says.
pub const SETTLED_TEXT: &str =
    "staff found the outcome of this uncertain request on the terminal and closed it; it is not sent again";

/// The folder link.
#[derive(Debug)]
pub struct FolderLink {
    inbox: PathBuf,
    outbox: PathBuf,
    faces: PathBuf,
    health: PathBuf,
    clock: Clock,
}

impl FolderLink {
    /// The link under `dir` (its folders are created).
    pub fn new(dir: &Path) -> Result<Self, BridgeError> {
        let link = Self {
            inbox: dir.join("in"),
            outbox: dir.join("out"),
            faces: dir.join("face"),
            health: dir.to_owned(),
            clock: Clock::system(),
        };
        files::ensure_dirs(&[&link.inbox, &link.outbox, &link.faces])?;
        Ok(link)
    }

    /// The link stamping the copies it writes with `clock`'s time, which must be the clock the bridge runs on
    /// ([`crate::bridge::Options::clock`]): a copy is aged by its file time when the spool no longer knows it, and
    /// that age must be read on the clock retention is measured on.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Deletes `dir/name`, a name checked to be one the link writes there; a file already gone (the caller took it
    /// away) is no error, and one that cannot be deleted now is tried again on the next sweep.
    fn delete(dir: &Path, name: &str) {
        let _ = std::fs::remove_file(dir.join(name));
    }
}

impl Link for FolderLink {
    fn requests(&mut self) -> Result<Vec<(NewRequest, String)>, BridgeError> {
        let mut requests = Vec::new();
        for name in files::list(&self.inbox)? {
            let parsed = name
                .strip_suffix(".xml")
                .and_then(|stem| stem.split_once('.'))
                .filter(|(id, _)| valid_request_id(id))
                .and_then(|(id, prefix)| Some((id.to_owned(), Prefix::parse(prefix)?)));
            let Some((id, prefix)) = parsed else { continue };
            let Some(body) = files::read_if_there(&self.inbox.join(&name)) else { continue };
            let request =
                NewRequest { id, system: prefix.system, operation: prefix.operation, phase: prefix.phase, body };
            requests.push((request, name));
        }
        Ok(requests)
    }

    fn taken(&mut self, handle: &str) {
        // Left behind, it would only be offered again and answered from the journal.
        let _ = std::fs::remove_file(self.inbox.join(handle));
    }

    fn has_outcome(&self, id: &str) -> bool {
        prune::OUTCOME_ENDINGS.iter().any(|ext| self.outbox.join(format!("{id}.{ext}")).exists())
    }

    fn deliver(&mut self, outcome: &Outcome) -> Result<(), BridgeError> {
        let (ending, bytes) = match &outcome.state {
            State::Answered => ("answered.xml", outcome.answer.clone().unwrap_or_default()),
            State::Failed(why) => ("failed.txt", why.as_bytes().to_vec()),
            State::Uncertain(why) => ("uncertain.txt", why.as_bytes().to_vec()),
            State::Settled => ("settled.txt", SETTLED_TEXT.as_bytes().to_vec()),
            State::Pending | State::Submitted => return Ok(()),
        };
        let name = format!("{}.{ending}", outcome.id);
        files::write_atomic_at(&self.outbox, &name, &bytes, self.clock.now_system_time())?;
        if outcome.state == State::Settled && valid_request_id(&outcome.id) {
            // The final state replaces the uncertain one, so a caller reading the folder sees only how it ended.
            Self::delete(&self.outbox, &format!("{}.uncertain.txt", outcome.id));
        }
        Ok(())
    }

    fn face(&mut self, file: &str, bytes: &[u8]) -> Result<(), BridgeError> {
        files::write_atomic_at(&self.faces, file, bytes, self.clock.now_system_time())
    }

    fn health(&mut self, health: &Health) -> Result<(), BridgeError> {
        let json = serde_json::to_vec_pretty(health).unwrap_or_default();
        files::write_atomic(&self.health, "health.json", &json)
    }

    fn forget(&mut self, id: &str) -> Result<(), BridgeError> {
        // Only an id the link takes names a file here; any other cannot have a copy, and must not be joined to a
        // path.
        if valid_request_id(id) {
            // A request answered late after it was Uncertain has both copies; each goes.
            for ending in prune::OUTCOME_ENDINGS {
                Self::delete(&self.outbox, &format!("{id}.{ending}"));
            }
        }
        Ok(())
    }

    fn prune(&mut self, now_ms: u64, retention_ms: u64, spool_knows: &dyn Fn(&str) -> bool) -> Result<(), BridgeError> {
        let outcomes = files::list_written(&self.outbox)?;
        for name in prune::outcomes_past_retention(&outcomes, spool_knows, now_ms, retention_ms) {
            Self::delete(&self.outbox, &name);
        }
        let faces = files::list_written(&self.faces)?;
        for name in prune::faces_past_retention(&faces, now_ms, retention_ms) {
            Self::delete(&self.faces, &name);
        }
        Ok(())
    }
}

/// A link whose requests and outcomes go through `inner`, and whose reader results also go to the edge.
#[derive(Debug)]
pub struct EdgeLink<L: Link> {
    inner: L,
    sink: EdgeSink,
    spool_health: Health,
    reported: Option<EdgeHealth>,
}

impl<L: Link> EdgeLink<L> {
    /// `inner` beside the edge `sink`.
    pub fn new(inner: L, sink: EdgeSink) -> Self {
        Self { inner, sink, spool_health: Health::default(), reported: None }
    }

    /// The sink, for inspection.
    pub fn sink(&self) -> &EdgeSink {
        &self.sink
    }

    /// The health with the edge's part: to the inner link, and to the edge (which the sink does in the background).
    fn report(&mut self, edge: EdgeHealth) -> Result<(), BridgeError> {
        self.reported = Some(edge.clone());
        let health = self.spool_health.with_edge(edge);
        self.sink.report(health.report.clone());
        self.inner.health(&health)
    }
}

impl<L: Link> Link for EdgeLink<L> {
    fn requests(&mut self) -> Result<Vec<(NewRequest, String)>, BridgeError> {
        // The sender works on its own thread: what it changed is reported on the bridge's next pass. The edge is
        // handed the health on every pass, which is what keeps its heartbeats going.
        let edge = self.sink.health();
        if self.reported.as_ref() != Some(&edge) {
            self.report(edge)?;
        } else {
            self.sink.report(self.spool_health.with_edge(edge).report);
        }
        self.inner.requests()
    }

    fn taken(&mut self, handle: &str) {
        self.inner.taken(handle);
    }

    fn has_outcome(&self, id: &str) -> bool {
        self.inner.has_outcome(id)
    }

    fn deliver(&mut self, outcome: &Outcome) -> Result<(), BridgeError> {
        self.inner.deliver(outcome)
    }

    fn face(&mut self, file: &str, bytes: &[u8]) -> Result<(), BridgeError> {
        self.inner.face(file, bytes)?;
        self.sink.offer(file, bytes)
    }

    fn health(&mut self, health: &Health) -> Result<(), BridgeError> {
        self.spool_health = health.clone();
        self.report(self.sink.health())
    }

    fn compact(&mut self, faces: Option<&BTreeSet<String>>, now: bool) -> Result<(), BridgeError> {
        self.inner.compact(faces, now)?;
        self.sink.compact(faces, now)
    }

    fn forget(&mut self, id: &str) -> Result<(), BridgeError> {
        self.inner.forget(id)
    }

    fn prune(&mut self, now_ms: u64, retention_ms: u64, spool_knows: &dyn Fn(&str) -> bool) -> Result<(), BridgeError> {
        self.inner.prune(now_ms, retention_ms, spool_knows)
    }

    fn settlements(&mut self) -> Vec<LinkRequestId> {
        self.inner.settlements()
    }

    fn settle_answered(&mut self, id: &LinkRequestId, result: Result<(), SettleRefusal>) {
        self.inner.settle_answered(id, result);
    }
}
