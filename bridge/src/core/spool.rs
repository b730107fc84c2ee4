//! The spool: every request's life, Pending → Submitted → Answered / Failed / Uncertain, decided purely.
//!
//! Rules kept here: a request id is taken once (a repeated submit gets the known outcome, never a second file);
//! the request file is complete in the work folder before the journal says Pending, and the journal says Pending
//! before the rename into `req`, so after a crash a Pending request is either still in the work folder (publish
//! it) or already in `req` (it was published) — never ambiguous; a request that times out becomes Uncertain and is
//! never sent again, though a late answer is still taken; a bulk phase-1 answer leads to its phase-2 request.
//! No I/O, no clock: time comes in [`Now`], work goes out as [`Effect`]s.

use std::collections::{BTreeMap, HashSet};

use onshi_onsfile::check::{Processing, Segment, Ymd};
use onshi_onsfile::document;
use onshi_onsfile::messages::{BulkDownloadBody, BulkDownloadRequest, RequestHeader, StatusAnswer};
use onshi_onsfile::name::{Direction, ExchangeName, FileName, MAX_SEQUENCE, Operation, System};
use onshi_onsfile::record::{Checked, One};
use onshi_onsfile::{Charset, tree};

use onshi_proto::bridge_health::BridgeHealth;

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
}

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
            Record::Face { file } => {
                self.faces.insert(file.clone());
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
            State::Answered | State::Failed(_) => {
                // Stored and journalled before a crash kept us from removing it.
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

    /// Time passes: timeouts and health. `waiting` are the names of our files still in `req`.
    pub fn tick(&mut self, now: Now, waiting: &[String]) -> Vec<Effect> {
        let mut effects = Vec::new();
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
}
