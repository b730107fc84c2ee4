//! The spool: every request's life, Pending → Submitted → Answered / Failed / Uncertain (→ Settled by staff),
//! decided purely.
//!
//! Rules kept here: a request id is taken once (a repeated submit gets the known outcome, never a second file);
//! the request file is complete in the work folder before the journal says Pending, and the journal says Pending
//! before the rename into `req`, so after a crash a Pending request is either still in the work folder (publish
//! it) or already in `req` (it was published) — never ambiguous; a request that times out becomes Uncertain and is
//! never sent again, though a late answer is still taken; a bulk phase-1 answer leads to its phase-2 request.
//!
//! Retention: a request answered or failed (a bulk request with all its phase-2 requests) is forgotten once its
//! last change is older than [`Config::retention_ms`]: journalled as [`Record::Forgotten`], its stored answer
//! deleted, and its lines left out of the next compaction ([`Spool::compact`]). Until then a repeated submit gets
//! the known outcome; after it the id is new again, which is the caller's contract (ids are unique, so a repeat
//! days later is a new question, and an IF-001 or IF-003 asked twice changes nothing at the terminal). An Uncertain
//! request is never forgotten: it may have been processed, so a repeat of its id must be answered Uncertain and
//! never sent; its lines hold no personal data (id, file name, reason), it has no stored answer unless a late one
//! arrives (then it is Answered and ages like any other), and the health counts and lists it for staff
//! ([`UncertainRequest`]: id, kind, file name, time, reason). Once staff found its outcome on the terminal they
//! close it ([`Spool::settle`]): journalled as [`Record::SettledByStaff`], it is Settled, a final state that is
//! still never sent again, answers a repeat of its id, and is forgotten by retention like an answered request.
//!
//! No I/O, no clock: time comes in [`Now`], work goes out as [`Effect`]s.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use onshi_onsfile::check::{Processing, Segment, Ymd};
use onshi_onsfile::document;
use onshi_onsfile::messages::{BulkDownloadBody, BulkDownloadRequest, RequestHeader, StatusAnswer};
use onshi_onsfile::name::{Direction, ExchangeName, FileName, MAX_SEQUENCE, Operation, System};
use onshi_onsfile::record::{Checked, One};
use onshi_onsfile::{Charset, tree};

use onshi_proto::bridge_health::{
    BridgeHealth, RequestFileName, TerminalRequestKind, UncertainList, UncertainReason, UncertainRequest,
};
use onshi_proto::bridge_link::{LinkRequestId, SettleRefusal};

use super::caller;
use super::health::{Health, wire_count};
use super::journal::Record;

/// Limits and identity.
#[derive(Clone, Debug)]
pub struct Config {
    /// The facility's 医療機関コード, written into generated requests.
    pub facility: String,
    /// The encoding of files written into `req`.
    pub charset: Charset,
    /// An answer not seen this long after publishing makes the request Uncertain.
    pub answer_timeout_ms: u64,
    /// A file of ours left in `req` this long means the 連携アプリ is not consuming.
    pub stall_after_ms: u64,
    /// No `face` file this long during opening hours is reported.
    pub face_silence_ms: u64,
    /// A bulk result answered 処理中 is asked for again after this long.
    pub bulk_retry_ms: u64,
    /// A finished request is forgotten, and its stored answer (names, insurer numbers) deleted, this long after its
    /// last change. Long enough for a caller to hand the same request again (the edge re-hands one a bridge never
    /// acknowledged to its next link, and a folder caller retries after its own restart) and get the known outcome
    /// instead of a second check; short enough that the bridge keeps no one's data longer than a few days.
    pub retention_ms: u64,
}

/// The retention the bridge runs with unless told otherwise: three days, which covers a link down over a weekend.
pub const DEFAULT_RETENTION_MS: u64 = 3 * 24 * 3600 * 1000;

/// The time as the adapter read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Milliseconds on a clock that does not go back.
    pub ms: u64,
    /// Today's date, for file names.
    pub today: Ymd,
    /// Whether the facility is open now (its opening hours are the adapter's to know).
    pub open: bool,
}

/// Longest caller's request id, in bytes.
pub const MAX_REQUEST_ID: usize = 64;

/// Whether `id` is a caller's request id the folder link takes: `[A-Za-z0-9_-]{1,64}`, so that it is a plain part
/// of a file name on every file system.
pub fn valid_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A request handed to the bridge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequest {
    /// The caller's id: the same id is never sent twice.
    pub id: String,
    /// Which system's prefix.
    pub system: System,
    /// Which operation.
    pub operation: Operation,
    /// Phase (1, or 2 for a download).
    pub phase: u8,
    /// The XmlMsg, in either encoding; it is re-encoded for the terminal.
    pub body: Vec<u8>,
}

/// Where a request is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Journalled, not yet known to be in `req`.
    Pending,
    /// In `req` (or taken from it by the 連携アプリ).
    Submitted,
    /// Answered; the answer is stored.
    Answered,
    /// Never reached `req`: safe to send again.
    Failed(String),
    /// Maybe processed: never sent again.
    Uncertain(String),
    /// Was Uncertain; staff found its outcome on the terminal and closed it. Final: never sent again.
    Settled,
}

/// One request the spool knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its file name in `req`.
    pub file: String,
    /// The pairing key of its name.
    pub key: String,
    /// The bulk request it continues.
    pub parent: Option<String>,
    /// Its state.
    pub state: State,
    /// When it was journalled or published, for timeouts.
    pub since_ms: u64,
    /// The stored answer's name in `res`.
    pub answer_file: Option<String>,
    /// For a bulk phase-2 request, the `ReceptionNumber` it asks for.
    pub reception: Option<String>,
    /// The answer said 処理中.
    pub in_progress: bool,
}

/// What the caller learns about a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The caller's id.
    pub id: String,
    /// The final state.
    pub state: State,
    /// The answer's bytes (for a bulk request, the phase-2 result XML).
    pub answer: Option<Vec<u8>>,
}

/// Work for the adapter, to be done in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Write `bytes` as `file` in the work folder, flushed and synced.
    Stage {
        /// File name.
        file: String,
        /// Contents.
        bytes: Vec<u8>,
    },
    /// Append the record to the journal and sync it.
    Journal(Record),
    /// Rename `file` from the work folder into `req`, then call [`Spool::published`].
    Publish {
        /// Request id.
        id: String,
        /// File name.
        file: String,
    },
    /// Keep an answer's bytes under the state folder, synced, as the answer of `id`.
    StoreAnswer {
        /// Request id.
        id: String,
        /// Contents.
        bytes: Vec<u8>,
    },
    /// Delete our own answer file from `res` (it is stored and journalled).
    RemoveAnswer {
        /// File name in `res`.
        file: String,
    },
    /// Tell the caller.
    Deliver(Outcome),
    /// Pass a reader result on.
    Face {
        /// Its name in `face`.
        file: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// Health changed.
    Health(Health),
    /// Delete the answer stored for `id` (the request is forgotten; a missing file is already gone).
    ForgetAnswer {
        /// Request id.
        id: String,
    },
    /// The caller's request `id` is forgotten: the link drops its copies of the outcome (a copy the caller already
    /// took away is simply gone) and anything it keeps to know the outcome was handed over.
    ForgetOutcome {
        /// The caller's id (a bulk request's own, never one of its phase-2 requests').
        id: String,
    },
}

/// The spool.
#[derive(Debug)]
pub struct Spool {
    config: Config,
    entries: BTreeMap<String, Entry>,
    /// Highest sequence used per date (`YYYYMMDD`).
    sequences: BTreeMap<String, u16>,
    faces: HashSet<String>,
    last_face_ms: Option<u64>,
    health: Health,
}

impl Spool {
    /// Rebuilds the spool from its journal.
    pub fn recover(config: Config, records: impl IntoIterator<Item = Record>) -> Self {
        let mut spool = Self {
            config,
            entries: BTreeMap::new(),
            sequences: BTreeMap::new(),
            faces: HashSet::new(),
            last_face_ms: None,
            health: Health::default(),
        };
        for record in records {
            spool.apply(&record);
        }
        spool
    }

    fn apply(&mut self, record: &Record) {
        match record {
            Record::Pending { id, file, parent, reception, at } => {
                let key = match FileName::parse(file) {
                    Ok(FileName::Exchange(name)) => {
                        let date = name.date.compact();
                        let used = self.sequences.entry(date).or_default();
                        *used = (*used).max(name.sequence);
                        name.key()
                    }
                    _ => file.clone(),
                };
                let entry = Entry {
                    file: file.clone(),
                    key,
                    parent: parent.clone(),
                    state: State::Pending,
                    since_ms: *at,
                    answer_file: None,
                    reception: reception.clone(),
                    in_progress: false,
                };
                self.entries.insert(id.clone(), entry);
            }
            Record::Submitted { id, at } => self.set(id, State::Submitted, Some(*at)),
            Record::Answered { id, file, in_progress, at } => {
                self.set(id, State::Answered, Some(*at));
                if let Some(entry) = self.entries.get_mut(id) {
                    entry.answer_file = Some(file.clone());
                    entry.in_progress = *in_progress;
                }
            }
            Record::Failed { id, reason } => self.set(id, State::Failed(reason.clone()), None),
            Record::Uncertain { id, reason } => self.set(id, State::Uncertain(reason.clone()), None),
            Record::SettledByStaff { id, at } => self.set(id, State::Settled, Some(*at)),
            Record::Face { file } => {
                self.faces.insert(file.clone());
            }
            Record::Forgotten { ids } => {
                for id in ids {
                    self.entries.remove(id);
                }
            }
            Record::Sequence { date, used } => {
                let known = self.sequences.entry(date.clone()).or_default();
                *known = (*known).max(*used);
            }
        }
    }

    fn set(&mut self, id: &str, state: State, since: Option<u64>) {
        if let Some(entry) = self.entries.get_mut(id) {
            entry.state = state;
            if let Some(since) = since {
                entry.since_ms = since;
            }
        }
    }

    fn journal(&mut self, record: Record, effects: &mut Vec<Effect>) {
        self.apply(&record);
        effects.push(Effect::Journal(record));
    }

    /// Every request and its state.
    pub fn entries(&self) -> &BTreeMap<String, Entry> {
        &self.entries
    }

    /// The highest file sequence number used on `date`, so far as the spool remembers (the next file is one more).
    pub fn sequence_used(&self, date: Ymd) -> u16 {
        self.sequences.get(&date.compact()).copied().unwrap_or(0)
    }

    /// Forgets the reader results whose `face` files are gone (`None`: the folder could not be listed, so every
    /// one is kept) and returns the records that rebuild the spool as it stands: the latest date's file sequence,
    /// each request's last state in the fewest lines, and each reader result still in `face`. A `face` file no
    /// longer there cannot be read again, so its line is dead; one still there must stay seen.
    pub fn compact(&mut self, faces_present: Option<&BTreeSet<String>>) -> Vec<Record> {
        if let Some(present) = faces_present {
            self.faces.retain(|file| present.contains(file));
        }
        let mut records = Vec::with_capacity(self.live_lines());
        if let Some((date, used)) = self.sequences.iter().next_back() {
            records.push(Record::Sequence { date: date.clone(), used: *used });
        }
        for (id, entry) in &self.entries {
            let at = entry.since_ms;
            records.push(Record::Pending {
                id: id.clone(),
                file: entry.file.clone(),
                parent: entry.parent.clone(),
                reception: entry.reception.clone(),
                at,
            });
            records.extend(match &entry.state {
                State::Pending => None,
                State::Submitted => Some(Record::Submitted { id: id.clone(), at }),
                State::Answered => Some(Record::Answered {
                    id: id.clone(),
                    file: entry.answer_file.clone().unwrap_or_default(),
                    in_progress: entry.in_progress,
                    at,
                }),
                State::Failed(reason) => Some(Record::Failed { id: id.clone(), reason: reason.clone() }),
                State::Uncertain(reason) => Some(Record::Uncertain { id: id.clone(), reason: reason.clone() }),
                State::Settled => Some(Record::SettledByStaff { id: id.clone(), at }),
            });
        }
        let mut faces: Vec<&String> = self.faces.iter().collect();
        faces.sort();
        records.extend(faces.into_iter().map(|file| Record::Face { file: file.clone() }));
        records
    }

    /// How many lines [`Spool::compact`] would write now (counting every reader result seen as still in `face`).
    pub fn live_lines(&self) -> usize {
        let requests: usize = self.entries.values().map(|e| if e.state == State::Pending { 1 } else { 2 }).sum();
        1 + requests + self.faces.len()
    }

    /// Of the files in the stored answers' folder, those no request the spool knows owns: left by a crash between
    /// journalling a request as forgotten and deleting its answer. Each is `<id>.xml`.
    pub fn unowned_answers(&self, files: &[String]) -> Vec<String> {
        files
            .iter()
            .filter(|file| file.strip_suffix(".xml").is_none_or(|id| !self.entries.contains_key(id)))
            .cloned()
            .collect()
    }

    /// Finished requests past their retention are forgotten: journalled first, then their stored answers deleted
    /// and the caller's copies of their outcomes dropped, so a crash in between leaves only files
    /// [`Spool::unowned_answers`] names and copies no request owns (which the link's sweep ages by their file time,
    /// [`super::prune`]). A bulk request goes with all its
    /// phase-2 requests, once none is in flight or waiting to be asked again and the newest is past retention; a
    /// request with an Uncertain part is kept (see the module's doc).
    pub fn retire(&mut self, now: Now) -> Vec<Effect> {
        let mut families: BTreeMap<&str, Vec<(&String, &Entry)>> = BTreeMap::new();
        for (id, entry) in &self.entries {
            families.entry(entry.parent.as_deref().unwrap_or(id)).or_default().push((id, entry));
        }
        let (mut ids, mut answers, mut callers) = (Vec::new(), Vec::new(), Vec::new());
        for (caller, members) in &families {
            let settled =
                members.iter().all(|(_, e)| matches!(e.state, State::Answered | State::Failed(_) | State::Settled));
            // A bulk result answered 処理中 is asked for again unless a later phase-2 request settled it.
            let asked_again = members.iter().any(|(_, e)| e.in_progress)
                && !members.iter().any(|(_, e)| e.parent.is_some() && !e.in_progress);
            let last = members.iter().map(|(_, e)| e.since_ms).max().unwrap_or(0);
            if settled && !asked_again && now.ms.saturating_sub(last) >= self.config.retention_ms {
                callers.push((*caller).to_owned());
                for (id, entry) in members {
                    ids.push((*id).clone());
                    if entry.answer_file.is_some() {
                        answers.push((*id).clone());
                    }
                }
            }
        }
        let mut effects = Vec::new();
        if !ids.is_empty() {
            self.journal(Record::Forgotten { ids }, &mut effects);
            effects.extend(answers.into_iter().map(|id| Effect::ForgetAnswer { id }));
            effects.extend(callers.into_iter().map(|id| Effect::ForgetOutcome { id }));
        }
        effects
    }

    /// Whether the spool still knows the caller's request `id` (in any state): its outcome must still be held.
    pub fn knows(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    /// Requests journalled as Pending: after a restart the adapter publishes the ones still in the work folder and
    /// reports the rest as published (the rename is atomic, so a file not in the work folder reached `req`).
    pub fn pending(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter(|(_, e)| e.state == State::Pending)
            .map(|(id, e)| (id.clone(), e.file.clone()))
            .collect()
    }

    /// Every finished outcome the caller should hold: (caller id, state, id whose stored answer is the answer).
    /// A bulk phase-1 request that led to a phase-2 request speaks through its child.
    pub fn outcomes(&self) -> Vec<(String, State, String)> {
        self.entries
            .iter()
            .filter(|(id, e)| {
                let continued = self.entries.values().any(|c| c.parent.as_deref() == Some(id.as_str()));
                !matches!(e.state, State::Pending | State::Submitted)
                    && (!continued || e.state != State::Answered)
                    && !e.in_progress
            })
            .map(|(id, e)| (e.parent.clone().unwrap_or_else(|| id.clone()), e.state.clone(), id.clone()))
            .collect()
    }

    /// Takes a request. A known id gets its known outcome (or nothing while it is in flight), never a new file.
    pub fn submit(&mut self, request: NewRequest, now: Now) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(entry) = self.entries.get(&request.id) {
            if !matches!(entry.state, State::Pending | State::Submitted) {
                effects.push(Effect::Deliver(Outcome { id: request.id, state: entry.state.clone(), answer: None }));
            }
            return effects;
        }
        let bytes = match reencode(&request.body, self.config.charset) {
            Ok(bytes) => bytes,
            Err(reason) => {
                self.refuse(&request.id, reason, &mut effects);
                return effects;
            }
        };
        let publish = self.stage(
            request.id,
            request.system,
            request.operation,
            request.phase,
            None,
            None,
            bytes,
            now,
            &mut effects,
        );
        effects.extend(publish);
        effects
    }

    fn refuse(&mut self, id: &str, reason: String, effects: &mut Vec<Effect>) {
        effects.push(Effect::Deliver(Outcome { id: id.to_owned(), state: State::Failed(reason), answer: None }));
    }

    #[allow(clippy::too_many_arguments, reason = "one private step of submit, named by its parts")]
    fn stage(
        &mut self,
        id: String,
        system: System,
        operation: Operation,
        phase: u8,
        parent: Option<String>,
        reception: Option<String>,
        bytes: Vec<u8>,
        now: Now,
        effects: &mut Vec<Effect>,
    ) -> Option<Effect> {
        let used = self.sequences.get(&now.today.compact()).copied().unwrap_or(0);
        if used >= MAX_SEQUENCE {
            // Nothing was written, so the caller may try again tomorrow.
            let reason = "the day's 9999 file sequence numbers are used up".to_owned();
            self.refuse(parent.as_deref().unwrap_or(&id), reason, effects);
            return None;
        }
        let name = ExchangeName::request(system, operation, phase, now.today, used + 1);
        let file = name.to_string();
        effects.push(Effect::Stage { file: file.clone(), bytes });
        self.journal(Record::Pending { id: id.clone(), file: file.clone(), parent, reception, at: now.ms }, effects);
        Some(Effect::Publish { id, file })
    }

    /// Staff found the outcome of the Uncertain request they see listed as `id` on the terminal, and close it: each
    /// Uncertain part of it (a bulk request's phase-2 request) is journalled Settled, and the caller is told the
    /// final outcome. The listed id is the edge's request first, then a folder caller's ([`caller`]).
    ///
    /// Errors, with nothing changed: [`SettleRefusal::Unknown`] when no request is known by that id,
    /// [`SettleRefusal::NotUncertain`] when none of its parts is Uncertain (in flight, answered, failed, or
    /// settled already).
    pub fn settle(&mut self, id: &LinkRequestId, now: Now) -> Result<Vec<Effect>, SettleRefusal> {
        let known =
            caller::spool_ids_listed_as(id).into_iter().filter(|candidate| self.entries.contains_key(candidate));
        let callers: Vec<String> = known.collect();
        let uncertain = |caller: &String| -> Vec<String> {
            self.entries
                .iter()
                .filter(|(member, e)| {
                    (*member == caller || e.parent.as_ref() == Some(caller)) && matches!(e.state, State::Uncertain(_))
                })
                .map(|(member, _)| member.clone())
                .collect()
        };
        let Some((caller, parts)) =
            callers.iter().map(|caller| (caller.clone(), uncertain(caller))).find(|(_, parts)| !parts.is_empty())
        else {
            return Err(if callers.is_empty() { SettleRefusal::Unknown } else { SettleRefusal::NotUncertain });
        };
        let mut effects = Vec::new();
        for part in parts {
            self.journal(Record::SettledByStaff { id: part, at: now.ms }, &mut effects);
        }
        effects.push(Effect::Deliver(Outcome { id: caller, state: State::Settled, answer: None }));
        Ok(effects)
    }

    /// The Uncertain requests as staff see them, oldest first, at most as many as a report lists: one line per
    /// caller's request (a bulk request by its own id, with its uncertain part's file).
    fn uncertain_list(&self) -> UncertainList {
        let mut parts: Vec<(&String, &Entry)> =
            self.entries.iter().filter(|(_, e)| matches!(e.state, State::Uncertain(_))).collect();
        parts.sort_by_key(|(id, e)| (e.since_ms, (*id).clone()));
        let mut listed = BTreeSet::new();
        let requests = parts.into_iter().filter_map(|(id, entry)| {
            let caller = entry.parent.as_ref().unwrap_or(id);
            let listed_id = caller::listed_id(caller)?;
            listed.insert(caller.clone()).then(|| uncertain_request(listed_id, entry)).flatten()
        });
        UncertainList::first_of(requests.collect::<Vec<_>>())
    }

    /// The adapter renamed the file into `req`.
    pub fn published(&mut self, id: &str, now: Now) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.entries.get(id).is_some_and(|e| e.state == State::Pending) {
            self.journal(Record::Submitted { id: id.to_owned(), at: now.ms }, &mut effects);
        }
        effects
    }

    /// The rename into `req` failed while the file was still ours in the work folder: the request never left.
    pub fn publish_failed(&mut self, id: &str, reason: String) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.entries.get(id).is_some_and(|e| e.state == State::Pending) {
            self.journal(Record::Failed { id: id.to_owned(), reason: reason.clone() }, &mut effects);
            let caller = self.entries.get(id).and_then(|e| e.parent.clone()).unwrap_or_else(|| id.to_owned());
            effects.push(Effect::Deliver(Outcome { id: caller, state: State::Failed(reason), answer: None }));
        }
        effects
    }

    /// The id whose answer a `res` file name would be, if it is ours and still awaited or already stored.
    pub fn owner_of_answer(&self, file: &str) -> Option<(&str, &Entry)> {
        let Ok(FileName::Exchange(name)) = FileName::parse(file) else { return None };
        if name.prefix.direction != Direction::Answer {
            return None;
        }
        let key = name.key();
        self.entries.iter().find(|(_, e)| e.key == key).map(|(id, e)| (id.as_str(), e))
    }

    /// An answer file in `res`, with its XML (taken out of the ZIP by the adapter). `None` bytes mean the file
    /// is not complete yet (it did not parse): it is looked at again on the next scan.
    pub fn answer(&mut self, file: &str, xml: Option<Vec<u8>>, now: Now) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some((id, entry)) = self.owner_of_answer(file) else { return effects };
        let (id, entry) = (id.to_owned(), entry.clone());
        match entry.state {
            State::Answered | State::Failed(_) | State::Settled => {
                // Stored and journalled before a crash kept us from removing it; or an answer to a request staff
                // closed already, whose outcome they took from the terminal itself.
                effects.push(Effect::RemoveAnswer { file: file.to_owned() });
                return effects;
            }
            State::Pending | State::Submitted | State::Uncertain(_) => {}
        }
        let Some(xml) = xml.filter(|bytes| document::read::<StatusAnswer>(bytes).is_ok()) else { return effects };
        effects.push(Effect::StoreAnswer { id: id.clone(), bytes: xml.clone() });
        if entry.parent.is_some() && in_progress(&xml) {
            // The bulk result is not ready: [`Spool::tick`] asks for it again after the retry interval.
            let record = Record::Answered { id, file: file.to_owned(), in_progress: true, at: now.ms };
            self.journal(record, &mut effects);
            effects.push(Effect::RemoveAnswer { file: file.to_owned() });
            return effects;
        }
        // A bulk upload's answer leads to its download request. The child is journalled before the parent is
        // marked answered, so a crash in between leaves the parent awaited (its answer still in res) with its
        // child already known, and the child is never made twice.
        let mut publish = None;
        let mut continued = self.entries.values().any(|e| e.parent.as_deref() == Some(id.as_str()));
        if let Some((name, reception)) = bulk_upload_accepted(&entry.file, &xml)
            && !continued
        {
            match self.download_request(&reception) {
                Ok(bytes) => {
                    let (system, operation) = (name.prefix.system, name.prefix.operation);
                    let (child, parent) = (format!("{id}#2"), Some(id.clone()));
                    publish =
                        self.stage(child, system, operation, 2, parent, Some(reception), bytes, now, &mut effects);
                    continued = publish.is_some();
                }
                Err(reason) => self.refuse(&id, reason, &mut effects),
            }
        }
        let record = Record::Answered { id: id.clone(), file: file.to_owned(), in_progress: false, at: now.ms };
        self.journal(record, &mut effects);
        effects.push(Effect::RemoveAnswer { file: file.to_owned() });
        if continued {
            effects.extend(publish);
            return effects;
        }
        let caller = entry.parent.unwrap_or(id);
        effects.push(Effect::Deliver(Outcome { id: caller, state: State::Answered, answer: Some(xml) }));
        effects
    }

    fn download_request(&self, reception: &str) -> Result<Vec<u8>, String> {
        let message = BulkDownloadRequest {
            header: One(Some(RequestHeader {
                facility: Some(Checked::new(&self.config.facility)),
                character_code: Some(self.config.charset.identifier().to_owned()),
                ..RequestHeader::default()
            })),
            body: One(Some(BulkDownloadBody { reception_number: Some(reception.to_owned()), unknown: Vec::new() })),
            unknown: Vec::new(),
        };
        document::write(&message, self.config.charset).map_err(|e| e.to_string())
    }

    /// A file in `face`; each is passed on once.
    pub fn face(&mut self, file: &str, bytes: Vec<u8>, now: Now) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.last_face_ms = Some(now.ms);
        if self.faces.contains(file) || document::read::<StatusAnswer>(&bytes).is_err() {
            return effects;
        }
        effects.push(Effect::Face { file: file.to_owned(), bytes });
        self.journal(Record::Face { file: file.to_owned() }, &mut effects);
        effects
    }

    /// Whether a `face` file has been passed on already (so the adapter need not read it again).
    pub fn face_seen(&self, file: &str) -> bool {
        self.faces.contains(file)
    }

    /// Time passes: retention, timeouts and health. `waiting` are the names of our files still in `req`.
    pub fn tick(&mut self, now: Now, waiting: &[String]) -> Vec<Effect> {
        let mut effects = self.retire(now);
        let expired: Vec<(String, Option<String>)> = self
            .entries
            .iter()
            .filter(|(_, e)| {
                e.state == State::Submitted && now.ms.saturating_sub(e.since_ms) >= self.config.answer_timeout_ms
            })
            .map(|(id, e)| (id.clone(), e.parent.clone()))
            .collect();
        self.ask_again(now, &mut effects);
        for (id, parent) in expired {
            let reason = "no answer in time; the terminal may have processed it, so it is not sent again".to_owned();
            self.journal(Record::Uncertain { id: id.clone(), reason: reason.clone() }, &mut effects);
            effects.push(Effect::Deliver(Outcome {
                id: parent.unwrap_or(id),
                state: State::Uncertain(reason),
                answer: None,
            }));
        }
        let oldest = self
            .entries
            .values()
            .filter(|e| waiting.contains(&e.file))
            .map(|e| now.ms.saturating_sub(e.since_ms))
            .max();
        let last_face = *self.last_face_ms.get_or_insert(now.ms);
        let silent = now.ms.saturating_sub(last_face);
        let uncertain = self.entries.values().filter(|e| matches!(e.state, State::Uncertain(_))).count();
        let report = BridgeHealth {
            link_app_stalled_ms: oldest.filter(|age| *age >= self.config.stall_after_ms),
            waiting_in_req: wire_count(waiting.len()),
            face_silent_ms: (now.open && silent >= self.config.face_silence_ms).then_some(silent),
            uncertain: wire_count(uncertain),
            uncertain_requests: self.uncertain_list(),
            terminal_unreachable: false,
            results_unsent: 0,
        };
        let health = Health { report, edge: None };
        if health.is_ok() != self.health.is_ok()
            || health.report.waiting_in_req != self.health.report.waiting_in_req
            || !health.is_ok()
        {
            effects.push(Effect::Health(health.clone()));
        }
        self.health = health;
        effects
    }

    /// Bulk results answered 処理中: once the retry interval has passed and nothing else is in flight for the same
    /// upload, one more download request is made.
    fn ask_again(&mut self, now: Now, effects: &mut Vec<Effect>) {
        let mut latest: BTreeMap<String, (String, Entry)> = BTreeMap::new();
        let mut busy = HashSet::new();
        for (id, entry) in &self.entries {
            let Some(parent) = &entry.parent else { continue };
            if matches!(entry.state, State::Pending | State::Submitted) || !entry.in_progress {
                busy.insert(parent.clone());
            }
            let newer = latest.get(parent).is_none_or(|(_, e)| e.since_ms <= entry.since_ms);
            if newer {
                latest.insert(parent.clone(), (id.clone(), entry.clone()));
            }
        }
        for (parent, (_, entry)) in latest {
            let due = now.ms.saturating_sub(entry.since_ms) >= self.config.bulk_retry_ms;
            if busy.contains(&parent) || !entry.in_progress || !due {
                continue;
            }
            let (Ok(FileName::Exchange(name)), Some(reception)) = (FileName::parse(&entry.file), entry.reception)
            else {
                continue;
            };
            let tries = self.entries.values().filter(|e| e.parent.as_deref() == Some(parent.as_str())).count();
            match self.download_request(&reception) {
                Ok(bytes) => {
                    let (system, operation) = (name.prefix.system, name.prefix.operation);
                    let child = format!("{parent}#2.{}", tries + 1);
                    let publish =
                        self.stage(child, system, operation, 2, Some(parent), Some(reception), bytes, now, effects);
                    effects.extend(publish);
                }
                Err(reason) => self.refuse(&parent, reason, effects),
            }
        }
    }

    /// The health last computed.
    pub fn health(&self) -> &Health {
        &self.health
    }
}

/// An Uncertain request as staff see it: what finds it in the terminal's history, nothing of its body. `None` for
/// a file name the wire does not carry (the spool names every file it writes in the terminal's plain alphabet).
fn uncertain_request(id: LinkRequestId, entry: &Entry) -> Option<UncertainRequest> {
    let kind = match FileName::parse(&entry.file) {
        Ok(FileName::Exchange(name)) => match name.prefix.operation {
            Operation::SingleCheck => TerminalRequestKind::Qualification,
            Operation::SingleReference => TerminalRequestKind::ReferenceRegistration,
            Operation::BulkCheck
            | Operation::BulkReference
            | Operation::BulkOnline
            | Operation::BulkHomeVisit
            | Operation::BulkWelfare => TerminalRequestKind::Bulk,
        },
        _ => return None,
    };
    Some(UncertainRequest {
        id,
        kind,
        file: RequestFileName::parse(&entry.file).ok()?,
        written_at: i64::try_from(entry.since_ms / 1000).unwrap_or(i64::MAX),
        // The spool makes a request Uncertain for one reason only: it reached `req` and no answer came in time.
        reason: UncertainReason::NoAnswerInTime,
    })
}

/// Re-encodes a caller's XmlMsg for the terminal: well-formed, rooted at `XmlMsg`, in the terminal's encoding.
fn reencode(body: &[u8], charset: Charset) -> Result<Vec<u8>, String> {
    let decoded = onshi_onsfile::encoding::decode(body);
    let root = tree::parse(&decoded.text).map_err(|e| e.to_string())?;
    if root.name != document::ROOT {
        return Err(format!("the request's root is {:?}, not XmlMsg", root.name));
    }
    document::write_tree(&root, charset).map_err(|e| e.to_string())
}

/// For a bulk phase-1 request file, the `ReceptionNumber` of the upload the terminal accepted (正常終了 and 正常).
fn bulk_upload_accepted(request_file: &str, xml: &[u8]) -> Option<(ExchangeName, String)> {
    let Ok(FileName::Exchange(name)) = FileName::parse(request_file) else { return None };
    let bulk = matches!(
        name.prefix.operation,
        Operation::BulkCheck
            | Operation::BulkReference
            | Operation::BulkOnline
            | Operation::BulkHomeVisit
            | Operation::BulkWelfare
    );
    if !bulk || name.prefix.phase != 1 {
        return None;
    }
    accepted_upload(xml).map(|reception| (name, reception))
}

/// Whether an answer says 処理中 (`SegmentOfResult` 2).
fn in_progress(xml: &[u8]) -> bool {
    document::read::<StatusAnswer>(xml)
        .ok()
        .and_then(|read| read.message.header.0)
        .and_then(|header| header.segment)
        .and_then(|segment| segment.value)
        == Some(Segment::InProgress)
}

/// The `ReceptionNumber` of a bulk upload the terminal accepted (正常終了 and 正常).
fn accepted_upload(xml: &[u8]) -> Option<String> {
    let read = document::read::<StatusAnswer>(xml).ok()?;
    let header = read.message.header.0?;
    let completed = header.segment.and_then(|s| s.value) == Some(Segment::Completed);
    let normal = read.message.body.0.and_then(|b| b.status).and_then(|s| s.value) != Some(Processing::Error);
    header.reception_number.filter(|r| completed && normal && !r.trim().is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            facility: "0110113719".into(),
            charset: Charset::ShiftJis,
            answer_timeout_ms: 1000,
            stall_after_ms: 1000,
            face_silence_ms: 1000,
            bulk_retry_ms: 1000,
            retention_ms: 10_000,
        }
    }

    fn now(ms: u64) -> Now {
        Now { ms, today: Ymd::new(2026, 9, 30).unwrap(), open: false }
    }

    fn request(id: &str, operation: Operation) -> NewRequest {
        NewRequest {
            id: id.into(),
            system: System::Oqs,
            operation,
            phase: 1,
            body: b"<XmlMsg><MessageHeader/><MessageBody/></XmlMsg>".to_vec(),
        }
    }

    fn journalled(effects: &[Effect]) -> Vec<Record> {
        effects.iter().filter_map(|e| if let Effect::Journal(r) = e { Some(r.clone()) } else { None }).collect()
    }

    fn published_file(effects: &[Effect]) -> Option<String> {
        effects.iter().find_map(|e| if let Effect::Publish { file, .. } = e { Some(file.clone()) } else { None })
    }

    #[test]
    fn the_file_is_staged_before_it_is_journalled_and_journalled_before_it_is_published() {
        let mut spool = Spool::recover(config(), []);
        let effects = spool.submit(request("a", Operation::SingleCheck), now(0));
        let kinds: Vec<&str> = effects
            .iter()
            .map(|e| match e {
                Effect::Stage { .. } => "stage",
                Effect::Journal(Record::Pending { .. }) => "pending",
                Effect::Publish { .. } => "publish",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["stage", "pending", "publish"]);
        let Some(Effect::Stage { bytes, .. }) = effects.first() else { panic!() };
        assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\""));
    }

    #[test]
    fn sequences_continue_after_recovery_and_a_used_up_day_fails_without_a_file() {
        let mut spool = Spool::recover(config(), []);
        let mut records = Vec::new();
        for id in ["a", "b"] {
            records.extend(journalled(&spool.submit(request(id, Operation::SingleCheck), now(0))));
        }
        let mut recovered = Spool::recover(config(), records);
        let effects = recovered.submit(request("c", Operation::SingleCheck), now(0));
        assert_eq!(published_file(&effects).unwrap(), "OQSsiquc01req_202609300003.xml");

        let full = Record::Pending {
            id: "x".into(),
            file: "OQSsiquc01req_202609309999.xml".into(),
            parent: None,
            reception: None,
            at: 0,
        };
        let mut spool = Spool::recover(config(), [full]);
        let effects = spool.submit(request("y", Operation::SingleCheck), now(0));
        assert!(published_file(&effects).is_none());
        assert!(matches!(&effects[..], [Effect::Deliver(Outcome { state: State::Failed(_), .. })]));
    }

    #[test]
    fn a_refused_body_is_never_staged() {
        let mut spool = Spool::recover(config(), []);
        let mut bad = request("a", Operation::SingleCheck);
        bad.body = b"<NotXmlMsg/>".to_vec();
        let effects = spool.submit(bad, now(0));
        assert!(matches!(&effects[..], [Effect::Deliver(Outcome { state: State::Failed(_), .. })]));
        assert!(spool.entries().is_empty(), "a refused request may be sent again once fixed");
    }

    #[test]
    fn a_bulk_child_is_journalled_before_its_parent_is_answered_and_never_made_twice() {
        let mut spool = Spool::recover(config(), []);
        let file = published_file(&spool.submit(request("b", Operation::BulkCheck), now(0))).unwrap();
        spool.published("b", now(1));
        let answer = file.replace("req_", "res_");
        let upload = b"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult>\
            <ReceptionNumber>R1</ReceptionNumber></MessageHeader><MessageBody>\
            <ProcessingResultStatus>1</ProcessingResultStatus></MessageBody></XmlMsg>";
        let effects = spool.answer(&answer, Some(upload.to_vec()), now(2));
        let records = journalled(&effects);
        assert!(matches!(&records[..], [Record::Pending { id, .. }, Record::Answered { .. }] if id == "b#2"));
        assert!(published_file(&effects).unwrap().starts_with("OQSmuquc02req_"));
        assert!(!effects.iter().any(|e| matches!(e, Effect::Deliver(_))), "phase 1 is not the outcome");

        // A crash after the child's Pending but before the parent's Answered: the upload answer is seen again.
        let crashed: Vec<Record> = vec![
            Record::Pending { id: "b".into(), file: file.clone(), parent: None, reception: None, at: 0 },
            Record::Submitted { id: "b".into(), at: 1 },
            records[0].clone(),
        ];
        let mut spool = Spool::recover(config(), crashed);
        let effects = spool.answer(&answer, Some(upload.to_vec()), now(3));
        assert!(matches!(&journalled(&effects)[..], [Record::Answered { .. }]));
        assert!(published_file(&effects).is_none());
    }

    #[test]
    fn a_timed_out_request_is_uncertain_once() {
        let mut spool = Spool::recover(config(), []);
        spool.submit(request("a", Operation::SingleCheck), now(0));
        spool.published("a", now(0));
        assert!(journalled(&spool.tick(now(999), &[])).is_empty());
        assert!(matches!(&journalled(&spool.tick(now(1000), &[]))[..], [Record::Uncertain { .. }]));
        assert!(journalled(&spool.tick(now(5000), &[])).is_empty());
        assert_eq!(spool.health().report.uncertain, 1);
    }

    const ANSWER: &[u8] =
        b"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader><MessageBody/></XmlMsg>";

    /// Submits, publishes and answers `id` at `at`; returns every record journalled on the way.
    fn answered(spool: &mut Spool, id: &str, at: u64) -> Vec<Record> {
        let mut effects = spool.submit(request(id, Operation::SingleCheck), now(at));
        let file = published_file(&effects).unwrap();
        effects.extend(spool.published(id, now(at)));
        effects.extend(spool.answer(&file.replace("req_", "res_"), Some(ANSWER.to_vec()), now(at)));
        journalled(&effects)
    }

    fn forgotten_answers(effects: &[Effect]) -> Vec<String> {
        effects
            .iter()
            .filter_map(|e| if let Effect::ForgetAnswer { id } = e { Some(id.clone()) } else { None })
            .collect()
    }

    #[test]
    fn an_answered_request_is_kept_for_its_retention_then_forgotten_and_its_id_is_new_again() {
        let mut spool = Spool::recover(config(), []);
        answered(&mut spool, "a", 0);
        // Within retention a repeat gets the known outcome and writes nothing.
        let repeat = spool.submit(request("a", Operation::SingleCheck), now(9_999));
        assert!(matches!(&repeat[..], [Effect::Deliver(Outcome { state: State::Answered, .. })]), "{repeat:?}");
        assert!(spool.tick(now(9_999), &[]).iter().all(|e| !matches!(e, Effect::Journal(_))));

        let effects = spool.tick(now(10_000), &[]);
        assert_eq!(journalled(&effects), [Record::Forgotten { ids: vec!["a".into()] }]);
        assert_eq!(forgotten_answers(&effects), ["a"]);
        assert!(effects.contains(&Effect::ForgetOutcome { id: "a".into() }), "the caller's copy goes too");
        let journal_first = effects.iter().position(|e| matches!(e, Effect::Journal(_)));
        let delete_first = effects.iter().position(|e| matches!(e, Effect::ForgetAnswer { .. }));
        assert!(journal_first < delete_first, "journalled before the answer is deleted");
        let copy_first = effects.iter().position(|e| matches!(e, Effect::ForgetOutcome { .. }));
        assert!(journal_first < copy_first, "journalled before the caller's copy is dropped");
        assert!(spool.entries().is_empty());
        assert!(spool.tick(now(20_000), &[]).is_empty(), "forgotten once");

        // The caller's ids are unique: a repeat after retention is a new question, with a new file.
        let effects = spool.submit(request("a", Operation::SingleCheck), now(20_000));
        assert_eq!(published_file(&effects).unwrap(), "OQSsiquc01req_202609300002.xml");
    }

    #[test]
    fn an_uncertain_request_is_never_forgotten_and_never_sent_again() {
        let mut spool = Spool::recover(config(), []);
        spool.submit(request("u", Operation::SingleCheck), now(0));
        spool.published("u", now(0));
        spool.tick(now(1000), &[]);
        let effects = spool.tick(now(1_000_000_000), &[]);
        assert!(journalled(&effects).is_empty(), "{effects:?}");
        let repeat = spool.submit(request("u", Operation::SingleCheck), now(1_000_000_000));
        assert!(matches!(&repeat[..], [Effect::Deliver(Outcome { state: State::Uncertain(_), .. })]), "{repeat:?}");
        // It survives compaction too.
        let again = Spool::recover(config(), spool.compact(None));
        assert!(matches!(again.entries()["u"].state, State::Uncertain(_)));
    }

    #[test]
    fn a_failed_request_is_forgotten_after_retention_without_an_answer_to_delete() {
        let mut spool = Spool::recover(config(), []);
        spool.submit(request("f", Operation::SingleCheck), now(0));
        spool.publish_failed("f", "the share went away".into());
        let effects = spool.tick(now(10_000), &[]);
        assert_eq!(journalled(&effects), [Record::Forgotten { ids: vec!["f".into()] }]);
        assert!(forgotten_answers(&effects).is_empty());
    }

    #[test]
    fn a_bulk_request_is_forgotten_with_its_phase_two_requests_once_its_result_is_in() {
        let mut spool = Spool::recover(config(), []);
        let file = published_file(&spool.submit(request("b", Operation::BulkCheck), now(0))).unwrap();
        spool.published("b", now(0));
        let upload = b"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult>\
            <ReceptionNumber>R1</ReceptionNumber></MessageHeader><MessageBody>\
            <ProcessingResultStatus>1</ProcessingResultStatus></MessageBody></XmlMsg>";
        let effects = spool.answer(&file.replace("req_", "res_"), Some(upload.to_vec()), now(0));
        let child = published_file(&effects).unwrap();
        spool.published("b#2", now(0));
        // The phase-2 request is in flight: nothing of the bulk request goes, however old.
        assert!(journalled(&spool.tick(now(999), &[])).is_empty());
        let busy =
            b"<XmlMsg><MessageHeader><SegmentOfResult>2</SegmentOfResult></MessageHeader><MessageBody/></XmlMsg>";
        spool.answer(&child.replace("req_", "res_"), Some(busy.to_vec()), now(500));
        // Answered 処理中: it is asked for again, not forgotten, even past retention.
        let effects = spool.tick(now(20_000), &[]);
        assert!(!journalled(&effects).iter().any(|r| matches!(r, Record::Forgotten { .. })), "{effects:?}");
        let retry = published_file(&effects).unwrap();
        spool.published("b#2.2", now(20_000));
        spool.answer(&retry.replace("req_", "res_"), Some(ANSWER.to_vec()), now(20_000));
        assert!(journalled(&spool.tick(now(29_999), &[])).is_empty());
        let effects = spool.tick(now(30_000), &[]);
        let ids = vec!["b".to_owned(), "b#2".to_owned(), "b#2.2".to_owned()];
        assert_eq!(journalled(&effects), [Record::Forgotten { ids: ids.clone() }]);
        assert_eq!(forgotten_answers(&effects), ids);
        let outcomes: Vec<&Effect> = effects.iter().filter(|e| matches!(e, Effect::ForgetOutcome { .. })).collect();
        assert_eq!(outcomes, [&Effect::ForgetOutcome { id: "b".into() }], "the caller knows the bulk request only");
    }

    #[test]
    fn a_compacted_journal_recovers_the_same_spool_as_the_full_one() {
        let mut spool = Spool::recover(config(), []);
        let mut full = Vec::new();
        for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
            full.extend(answered(&mut spool, id, u64::try_from(i).unwrap() * 4000));
        }
        let effects = spool.submit(request("p", Operation::SingleCheck), now(12_000));
        full.extend(journalled(&effects));
        let effects = spool.submit(request("s", Operation::SingleCheck), now(12_000));
        full.extend(journalled(&effects));
        full.extend(journalled(&spool.published("s", now(12_000))));
        for file in ["f1.xml", "f2.xml"] {
            full.extend(journalled(&spool.face(file, ANSWER.to_vec(), now(12_000))));
        }
        // a and b are past retention at 14 s; c, d, p and s are live.
        full.extend(journalled(&spool.tick(now(14_000), &[])));
        let present: BTreeSet<String> = ["f2.xml".to_owned()].into();
        let compacted = spool.compact(Some(&present));

        let from_full = Spool::recover(config(), full.clone());
        let from_compacted = Spool::recover(config(), compacted.clone());
        assert_eq!(from_compacted.entries(), from_full.entries());
        assert_eq!(from_compacted.entries().keys().collect::<Vec<_>>(), ["c", "d", "p", "s"]);
        let today = now(0).today;
        assert_eq!(from_compacted.sequence_used(today), from_full.sequence_used(today));
        assert!(from_compacted.face_seen("f2.xml") && !from_compacted.face_seen("f1.xml"));
        assert!(compacted.len() < full.len());
        assert_eq!(compacted.len(), spool.live_lines());
        // Compacting what was compacted changes nothing.
        assert_eq!(Spool::recover(config(), compacted.clone()).compact(Some(&present)), compacted);
    }

    #[test]
    fn when_every_request_is_forgotten_the_days_file_names_still_go_on() {
        let mut spool = Spool::recover(config(), []);
        answered(&mut spool, "a", 0);
        answered(&mut spool, "b", 0);
        spool.tick(now(10_000), &[]);
        let compacted = spool.compact(None);
        assert_eq!(compacted, [Record::Sequence { date: "20260930".into(), used: 2 }]);
        let mut again = Spool::recover(config(), compacted);
        let effects = again.submit(request("c", Operation::SingleCheck), now(10_000));
        assert_eq!(published_file(&effects).unwrap(), "OQSsiquc01req_202609300003.xml");
    }

    #[test]
    fn answers_no_known_request_owns_are_named_for_deletion() {
        let mut spool = Spool::recover(config(), []);
        answered(&mut spool, "kept", 0);
        let files = ["kept.xml".to_owned(), "gone.xml".to_owned(), "b#2.xml".to_owned()];
        assert_eq!(spool.unowned_answers(&files), ["gone.xml", "b#2.xml"]);
    }
    /// A request `id` submitted and published at `at`, timed out into Uncertain; returns its records.
    fn uncertain(spool: &mut Spool, id: &str, operation: Operation, at: u64) -> Vec<Record> {
        let mut effects = spool.submit(request(id, operation), now(at));
        effects.extend(spool.published(id, now(at)));
        effects.extend(spool.tick(now(at + 1000), &[]));
        journalled(&effects)
    }

    fn link(id: &str) -> LinkRequestId {
        LinkRequestId::parse(id).unwrap()
    }

    #[test]
    fn staff_settle_an_uncertain_request_which_stays_unsent_and_answers_repeats_settled() {
        let mut spool = Spool::recover(config(), []);
        uncertain(&mut spool, "edge-s1", Operation::SingleCheck, 0);
        uncertain(&mut spool, "edge-s2", Operation::SingleCheck, 100);
        let listed = &spool.health().report.uncertain_requests;
        let ids: Vec<&str> = listed.requests().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s2"], "listed by link id, oldest first");

        let effects = spool.settle(&link("s1"), now(5_000)).unwrap();
        assert_eq!(journalled(&effects), [Record::SettledByStaff { id: "edge-s1".into(), at: 5_000 }]);
        assert!(effects.contains(&Effect::Deliver(Outcome {
            id: "edge-s1".into(),
            state: State::Settled,
            answer: None
        })));
        assert!(published_file(&effects).is_none(), "nothing is written into req");
        spool.tick(now(5_000), &[]);
        assert_eq!(spool.health().report.uncertain, 1, "the count drops");
        let ids: Vec<&str> =
            spool.health().report.uncertain_requests.requests().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["s2"]);

        let repeat = spool.submit(request("edge-s1", Operation::SingleCheck), now(6_000));
        assert_eq!(repeat, [Effect::Deliver(Outcome { id: "edge-s1".into(), state: State::Settled, answer: None })]);
        assert_eq!(spool.settle(&link("s1"), now(6_000)), Err(SettleRefusal::NotUncertain), "settled twice");
        assert_eq!(spool.settle(&link("nobody"), now(6_000)), Err(SettleRefusal::Unknown));
        // A late answer to a settled request changes nothing: staff took its outcome from the terminal.
        let file = spool.entries()["edge-s1"].file.replace("req_", "res_");
        let late = spool.answer(&file, Some(ANSWER.to_vec()), now(7_000));
        assert_eq!(late, [Effect::RemoveAnswer { file }]);
        assert_eq!(spool.entries()["edge-s1"].state, State::Settled);
    }

    #[test]
    fn a_request_that_is_not_uncertain_is_refused_and_nothing_changes() {
        let mut spool = Spool::recover(config(), []);
        answered(&mut spool, "a", 0);
        spool.submit(request("p", Operation::SingleCheck), now(0));
        spool.published("p", now(0));
        let before = spool.entries().clone();
        assert_eq!(spool.settle(&link("a"), now(10)), Err(SettleRefusal::NotUncertain), "answered");
        assert_eq!(spool.settle(&link("p"), now(10)), Err(SettleRefusal::NotUncertain), "in flight");
        assert_eq!(spool.entries(), &before);
        // A folder caller's Uncertain request is closed by its own id.
        uncertain(&mut spool, "f1", Operation::SingleCheck, 0);
        assert!(spool.settle(&link("f1"), now(2_000)).is_ok());
        assert_eq!(spool.entries()["f1"].state, State::Settled);
    }

    #[test]
    fn a_settled_request_survives_a_restart_and_compaction_and_is_forgotten_after_retention() {
        let mut spool = Spool::recover(config(), []);
        let mut full = uncertain(&mut spool, "edge-s", Operation::SingleCheck, 0);
        full.extend(uncertain(&mut spool, "edge-u", Operation::SingleCheck, 0));
        full.extend(journalled(&spool.settle(&link("s"), now(3_000)).unwrap()));

        let mut restarted = Spool::recover(config(), full.clone());
        assert_eq!(restarted.entries(), spool.entries());
        assert_eq!(restarted.entries()["edge-s"].state, State::Settled);
        let compacted = restarted.compact(None);
        assert!(compacted.contains(&Record::SettledByStaff { id: "edge-s".into(), at: 3_000 }), "{compacted:?}");
        assert_eq!(compacted.len(), restarted.live_lines());
        let mut again = Spool::recover(config(), compacted);
        assert_eq!(again.entries(), spool.entries());

        // Retention counts from the closing, like an answer's time; the Uncertain one is kept.
        assert!(journalled(&again.tick(now(12_999), &[])).is_empty());
        let effects = again.tick(now(13_000), &[]);
        assert_eq!(journalled(&effects), [Record::Forgotten { ids: vec!["edge-s".into()] }]);
        assert!(effects.contains(&Effect::ForgetOutcome { id: "edge-s".into() }));
        assert_eq!(again.entries().keys().collect::<Vec<_>>(), ["edge-u"]);
    }

    #[test]
    fn an_uncertain_bulk_request_is_listed_once_by_its_own_id_and_settled_whole() {
        let mut spool = Spool::recover(config(), []);
        let file = published_file(&spool.submit(request("edge-b", Operation::BulkCheck), now(0))).unwrap();
        spool.published("edge-b", now(0));
        let upload = b"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult>\
            <ReceptionNumber>R1</ReceptionNumber></MessageHeader><MessageBody>\
            <ProcessingResultStatus>1</ProcessingResultStatus></MessageBody></XmlMsg>";
        let effects = spool.answer(&file.replace("req_", "res_"), Some(upload.to_vec()), now(0));
        let child = published_file(&effects).unwrap();
        spool.published("edge-b#2", now(2_000));
        spool.tick(now(3_000), &[]);
        let listed = spool.health().report.uncertain_requests.requests().to_vec();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id.as_str(), "b");
        assert_eq!(listed[0].kind, TerminalRequestKind::Bulk);
        assert_eq!(listed[0].file.as_str(), child, "the part the terminal may have processed");
        assert_eq!(listed[0].written_at, 2, "seconds");
        let effects = spool.settle(&link("b"), now(4_000)).unwrap();
        assert_eq!(journalled(&effects), [Record::SettledByStaff { id: "edge-b#2".into(), at: 4_000 }]);
        assert!(effects.contains(&Effect::Deliver(Outcome {
            id: "edge-b".into(),
            state: State::Settled,
            answer: None
        })));
        let effects = spool.tick(now(14_000), &[]);
        let forgotten = vec!["edge-b".to_owned(), "edge-b#2".to_owned()];
        assert_eq!(journalled(&effects), [Record::Forgotten { ids: forgotten }]);
    }

    #[test]
    fn at_most_twenty_uncertain_requests_are_listed_the_oldest_first_and_all_are_counted() {
        let mut spool = Spool::recover(config(), []);
        for i in 0..25u64 {
            let operation = if i % 2 == 0 { Operation::SingleCheck } else { Operation::SingleReference };
            uncertain(&mut spool, &format!("edge-r{:02}", 24 - i), operation, i * 1000);
        }
        let report = &spool.health().report;
        assert_eq!(report.uncertain, 25);
        let listed = report.uncertain_requests.requests();
        assert_eq!(listed.len(), onshi_proto::bridge_health::MAX_LISTED_UNCERTAIN);
        assert_eq!((listed[0].id.as_str(), listed[0].written_at), ("r24", 0));
        assert_eq!(listed[1].kind, TerminalRequestKind::ReferenceRegistration);
        assert!(listed.windows(2).all(|w| w[0].written_at <= w[1].written_at));
    }
}
