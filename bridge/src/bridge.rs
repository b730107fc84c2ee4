//! The bridge's file-system adapter: carries out the spool's effects on the terminal's folders, feeds it what the
//! folders show (watcher plus periodic scan), recovers after a crash, rewrites the journals to their live records
//! at start-up and whenever most of a journal is dead ([`journal::worth_compacting`]), and has the link drop the
//! caller's copies past retention (at start-up, and on the loop's pass at most once a minute, [`prune::Sweeps`]).
//! Thin: every decision is the core's (what is forgotten, what a compacted journal holds, which copies are old).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use onshi_onsfile::Charset;

use crate::clock::{self, Clock};
use crate::core::journal::{self, Record};
use crate::core::prune;
use crate::core::spool::{Config, DEFAULT_RETENTION_MS, Effect, Now, Outcome, Spool, State};
use crate::error::BridgeError;
use crate::files;
use crate::link::Link;

/// Where things are and how long to wait.
#[derive(Clone, Debug)]
pub struct Options {
    /// The terminal's shared folder holding `req`, `res` and `face`.
    pub root: PathBuf,
    /// The bridge's own folder: journal, work folder, stored answers. It must be on the same volume as `req` so
    /// the publishing rename is atomic.
    pub state: PathBuf,
    /// Limits and identity.
    pub config: Config,
    /// Time between full scans (the watcher wakes the loop sooner).
    pub scan_interval: Duration,
    /// Opening hours in Japan, minutes since midnight (start, end), for the `face` silence check.
    pub opening: Option<(u32, u32)>,
    /// The time the loop runs on: the system's, or a test's fake one (give the folder link the same,
    /// [`crate::link::FolderLink::with_clock`]).
    pub clock: Clock,
}

impl Options {
    /// Defaults for a facility: Shift_JIS, 60 s answer timeout, 30 s stall limit, 30 min face silence, a bulk
    /// result not ready asked for again after 60 s, finished requests kept for [`DEFAULT_RETENTION_MS`].
    pub fn new(root: PathBuf, state: PathBuf, facility: String) -> Self {
        Self {
            root,
            state,
            config: Config {
                facility,
                charset: Charset::ShiftJis,
                answer_timeout_ms: 60_000,
                stall_after_ms: 30_000,
                face_silence_ms: 30 * 60_000,
                bulk_retry_ms: 60_000,
                retention_ms: DEFAULT_RETENTION_MS,
            },
            scan_interval: Duration::from_millis(500),
            opening: None,
            clock: Clock::system(),
        }
    }
}

struct Folders {
    req: PathBuf,
    res: PathBuf,
    face: PathBuf,
    work: PathBuf,
    answers: PathBuf,
    state: PathBuf,
    journal: PathBuf,
}

/// The spool's journal's name in the state folder.
pub const JOURNAL: &str = "journal.log";

/// The running bridge.
pub struct Bridge<L: Link> {
    spool: Spool,
    link: L,
    folders: Folders,
    options: Options,
    unreachable: bool,
    /// Lines in `journal.log` (complete or not), for deciding when to rewrite it.
    journal_lines: usize,
    /// When the link's copies were last looked over.
    sweeps: prune::Sweeps,
}

impl<L: Link> std::fmt::Debug for Bridge<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge").field("spool", &self.spool).finish_non_exhaustive()
    }
}

impl<L: Link> Bridge<L> {
    /// Opens the folders and the journal, and finishes what a crash interrupted: a request journalled as Pending is
    /// published if its file is still in the work folder, and otherwise known to be in `req` already. Before any
    /// outcome is handed on, requests past their retention are forgotten, answers no request owns are deleted, and
    /// a journal holding any dead line is rewritten to its live ones (the edge journal too, through the link).
    pub fn open(options: Options, link: L) -> Result<Self, BridgeError> {
        let folders = Folders {
            req: options.root.join("req"),
            res: options.root.join("res"),
            face: options.root.join("face"),
            work: options.state.join("work"),
            answers: options.state.join("answers"),
            state: options.state.clone(),
            journal: options.state.join(JOURNAL),
        };
        files::ensure_dirs(&[&folders.req, &folders.res, &folders.face, &folders.work, &folders.answers])?;
        let text = match std::fs::read(&folders.journal) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(BridgeError::Io { what: format!("read {}", folders.journal.display()), source: e }),
        };
        let spool = Spool::recover(options.config.clone(), journal::parse(&text));
        let journal_lines = text.split_inclusive('\n').count();
        let sweeps = prune::Sweeps::default();
        let mut bridge = Self { spool, link, folders, options, unreachable: false, journal_lines, sweeps };
        let now = bridge.now();
        let forget = bridge.spool.retire(now);
        bridge.execute(forget, now)?;
        // Left by a crash between journalling a request as forgotten and deleting its answer.
        for file in bridge.spool.unowned_answers(&files::list(&bridge.folders.answers)?) {
            let _ = std::fs::remove_file(bridge.folders.answers.join(file));
        }
        // And the caller's copies such a crash, or an earlier run, left.
        bridge.sweeps.due(now.ms);
        bridge.prune(now)?;
        let faces = files::list(&bridge.folders.face).ok().map(BTreeSet::from_iter);
        bridge.compact(faces.as_ref(), true)?;
        bridge.link.compact(faces.as_ref(), true)?;
        bridge.recover()?;
        Ok(bridge)
    }

    /// Rewrites `journal.log` to the records the spool says are live, if that drops any line: at start-up
    /// whenever it does, otherwise only when most of the journal is dead. `faces`: the files in `face` now, if the
    /// folder could be listed.
    fn compact(&mut self, faces: Option<&BTreeSet<String>>, at_start: bool) -> Result<(), BridgeError> {
        let live_lines = self.spool.live_lines();
        let spool = &mut self.spool;
        files::compact_journal(&self.folders.state, JOURNAL, &mut self.journal_lines, live_lines, at_start, || {
            spool.compact(faces).iter().map(Record::to_line).collect()
        })
    }

    /// Has the link drop what it holds past retention that no forgetting named: copies of requests the spool does
    /// not know, aged by their file time.
    fn prune(&mut self, now: Now) -> Result<(), BridgeError> {
        let spool = &self.spool;
        self.link.prune(now.ms, self.options.config.retention_ms, &|id| spool.knows(id))
    }

    fn now(&self) -> Now {
        let ms = self.options.clock.now_ms();
        let minute = clock::japan_minute(ms);
        let open = self.options.opening.is_some_and(|(start, end)| (start..end).contains(&minute));
        Now { ms, today: clock::japan_date(ms), open }
    }

    fn recover(&mut self) -> Result<(), BridgeError> {
        let now = self.now();
        let pending = self.spool.pending();
        let staged: Vec<&String> = pending.iter().map(|(_, file)| file).collect();
        // A work file no journal entry names was staged just before a crash and never announced: the caller had
        // no acknowledgement and still holds the request, so it is ours to delete.
        for name in files::list(&self.folders.work)? {
            if !staged.contains(&&name) {
                let _ = std::fs::remove_file(self.folders.work.join(&name));
            }
        }
        for (id, file) in pending.clone() {
            if self.folders.work.join(&file).exists() {
                self.execute(vec![Effect::Publish { id, file }], now)?;
            } else {
                let effects = self.spool.published(&id, now);
                self.execute(effects, now)?;
            }
        }
        for (caller, state, answer_id) in self.spool.outcomes() {
            if self.link.has_outcome(&caller) {
                continue;
            }
            let answer = files::read_if_there(&self.folders.answers.join(format!("{answer_id}.xml")));
            self.link.deliver(&Outcome { id: caller, state, answer })?;
        }
        Ok(())
    }

    /// Carries out effects in order.
    fn execute(&mut self, effects: Vec<Effect>, now: Now) -> Result<(), BridgeError> {
        for effect in effects {
            match effect {
                Effect::Stage { file, bytes } => files::write_synced(&self.folders.work.join(file), &bytes)?,
                Effect::Journal(record) => self.journal(&record)?,
                Effect::Publish { id, file } => {
                    let from = self.folders.work.join(&file);
                    let to = self.folders.req.join(&file);
                    let next = match std::fs::rename(&from, &to) {
                        Ok(()) => {
                            files::sync_dir(&self.folders.req);
                            self.spool.published(&id, now)
                        }
                        Err(e) => {
                            let _ = std::fs::remove_file(&from);
                            self.spool.publish_failed(&id, format!("could not move the request into req: {e}"))
                        }
                    };
                    self.execute(next, now)?;
                }
                Effect::StoreAnswer { id, bytes } => {
                    files::write_atomic(&self.folders.answers, &format!("{id}.xml"), &bytes)?
                }
                Effect::RemoveAnswer { file } => {
                    // Only the answer to our own request, already stored and journalled.
                    let _ = std::fs::remove_file(self.folders.res.join(file));
                }
                Effect::Deliver(outcome) => self.link.deliver(&outcome)?,
                Effect::Face { file, bytes } => self.link.face(&file, &bytes)?,
                Effect::Health(health) => self.link.health(&health)?,
                Effect::ForgetAnswer { id } => {
                    // The request is journalled as forgotten: a file a failed delete leaves is removed at the next
                    // start-up, as one no request owns.
                    let _ = std::fs::remove_file(self.folders.answers.join(format!("{id}.xml")));
                }
                Effect::ForgetOutcome { id } => self.link.forget(&id)?,
            }
        }
        Ok(())
    }

    fn journal(&mut self, record: &Record) -> Result<(), BridgeError> {
        files::append_synced(&self.folders.journal, &record.to_line())?;
        self.journal_lines += 1;
        if matches!(record, Record::Pending { .. }) && std::env::var_os(CRASH_AFTER_PENDING).is_some() {
            // The fault-injection point the crash tests use: the worst moment to die, after the journal says
            // Pending and before the rename.
            std::process::abort();
        }
        Ok(())
    }

    /// One pass over the link and the folders.
    pub fn step(&mut self) -> Result<(), BridgeError> {
        let now = self.now();
        // The terminal's share can vanish (the terminal rebooting, the network): that is reported and retried,
        // and no request is taken meanwhile. The bridge's own folder failing stops it instead.
        let listings =
            (files::list(&self.folders.req), files::list(&self.folders.res), files::list(&self.folders.face));
        let (Ok(req), Ok(res), Ok(face)) = listings else {
            if !self.unreachable {
                self.unreachable = true;
                let mut health = self.spool.health().clone();
                health.report.terminal_unreachable = true;
                self.link.health(&health)?;
            }
            return Ok(());
        };
        if std::mem::take(&mut self.unreachable) {
            self.link.health(self.spool.health())?;
        }
        for (request, handle) in self.link.requests()? {
            let effects = self.spool.submit(request, now);
            self.execute(effects, now)?;
            self.link.taken(&handle);
        }
        // Staff's closings of Uncertain requests: each is answered only once the spool's records are journalled.
        for id in self.link.settlements() {
            match self.spool.settle(&id, now) {
                Ok(effects) => {
                    self.execute(effects, now)?;
                    self.link.settle_answered(&id, Ok(()));
                }
                Err(reason) => self.link.settle_answered(&id, Err(reason)),
            }
        }
        for name in res {
            if self.spool.owner_of_answer(&name).is_none() {
                continue;
            }
            let Some(bytes) = files::read_if_there(&self.folders.res.join(&name)) else { continue };
            let xml =
                if name.to_ascii_lowercase().ends_with(".zip") { files::xml_from_zip(&bytes) } else { Some(bytes) };
            let effects = self.spool.answer(&name, xml, now);
            self.execute(effects, now)?;
        }
        for name in &face {
            if self.spool.face_seen(name) {
                continue;
            }
            let Some(bytes) = files::read_if_there(&self.folders.face.join(name)) else { continue };
            let effects = self.spool.face(name, bytes, now);
            self.execute(effects, now)?;
        }
        let ours: Vec<String> = req
            .into_iter()
            .filter(|name| self.spool.entries().values().any(|e| &e.file == name && e.state == State::Submitted))
            .collect();
        let effects = self.spool.tick(now, &ours);
        self.execute(effects, now)?;
        if self.sweeps.due(now.ms) {
            self.prune(now)?;
        }
        let faces = BTreeSet::from_iter(face);
        self.compact(Some(&faces), false)?;
        self.link.compact(Some(&faces), false)
    }

    /// Lines in `journal.log` now.
    pub fn journal_lines(&self) -> usize {
        self.journal_lines
    }

    /// Runs until `stop` is set: a pass whenever the watcher reports a change, and at least every scan interval.
    pub fn run(&mut self, stop: &AtomicBool, link_inbox: Option<&Path>) -> Result<(), BridgeError> {
        // The loop rescans everything, so a change only says when to look.
        let dirs: Vec<&Path> =
            [self.folders.res.as_path(), self.folders.face.as_path()].into_iter().chain(link_inbox).collect();
        let watch = files::FolderWatch::new(&dirs)?;
        while !stop.load(Ordering::Relaxed) {
            self.step()?;
            watch.wait(self.options.scan_interval);
        }
        Ok(())
    }

    /// The spool, for inspection.
    pub fn spool(&self) -> &Spool {
        &self.spool
    }
}

/// Environment variable that makes the bridge abort right after journalling a request as Pending (crash tests).
pub const CRASH_AFTER_PENDING: &str = "ONSHI_BRIDGE_CRASH_AFTER_PENDING";
