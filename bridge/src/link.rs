//! The bridge's link to whoever asks it for checks: a trait, so that the WebSocket link to the facility's Durable
//! Object ([`crate::link_ws`]) stands beside the folder link.
//!
//! The folder link is the local hand-off: a caller drops `<id>.<prefix>.xml` (for example
//! `a1.OQSsiquc01req.xml`) into `link/in` (written under a temporary name and renamed), and finds
//! `<id>.answered.xml`, `<id>.failed.txt` or `<id>.uncertain.txt` in `link/out`, reader results in `link/face` and
//! the health in `link/health.json`. The edge link wraps another link and also hands every reader result on to
//! onshi's edge ([`EdgeSink`]), adding how that stands to the health, and reports the health to the edge through
//! the sink. Adapter code: no decisions.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use onshi_onsfile::name::Prefix;

use crate::core::health::{EdgeHealth, Health};
use crate::core::spool::{NewRequest, Outcome, State};
use crate::error::BridgeError;
use crate::files;
use crate::sink::EdgeSink;

/// Longest request id, in bytes.
pub const MAX_ID: usize = 64;

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
}

/// The folder link.
#[derive(Debug)]
pub struct FolderLink {
    inbox: PathBuf,
    outbox: PathBuf,
    faces: PathBuf,
    health: PathBuf,
}

impl FolderLink {
    /// The link under `dir` (its folders are created).
    pub fn new(dir: &Path) -> Result<Self, BridgeError> {
        let link =
            Self { inbox: dir.join("in"), outbox: dir.join("out"), faces: dir.join("face"), health: dir.to_owned() };
        files::ensure_dirs(&[&link.inbox, &link.outbox, &link.faces])?;
        Ok(link)
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Link for FolderLink {
    fn requests(&mut self) -> Result<Vec<(NewRequest, String)>, BridgeError> {
        let mut requests = Vec::new();
        for name in files::list(&self.inbox)? {
            let parsed = name
                .strip_suffix(".xml")
                .and_then(|stem| stem.split_once('.'))
                .filter(|(id, _)| valid_id(id))
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
        ["answered.xml", "failed.txt", "uncertain.txt"]
            .iter()
            .any(|ext| self.outbox.join(format!("{id}.{ext}")).exists())
    }

    fn deliver(&mut self, outcome: &Outcome) -> Result<(), BridgeError> {
        let (name, bytes) = match &outcome.state {
            State::Answered => (format!("{}.answered.xml", outcome.id), outcome.answer.clone().unwrap_or_default()),
            State::Failed(why) => (format!("{}.failed.txt", outcome.id), why.as_bytes().to_vec()),
            State::Uncertain(why) => (format!("{}.uncertain.txt", outcome.id), why.as_bytes().to_vec()),
            State::Pending | State::Submitted => return Ok(()),
        };
        files::write_atomic(&self.outbox, &name, &bytes)
    }

    fn face(&mut self, file: &str, bytes: &[u8]) -> Result<(), BridgeError> {
        files::write_atomic(&self.faces, file, bytes)
    }

    fn health(&mut self, health: &Health) -> Result<(), BridgeError> {
        let json = serde_json::to_vec_pretty(health).unwrap_or_default();
        files::write_atomic(&self.health, "health.json", &json)
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
}
