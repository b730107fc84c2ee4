//! The edge outbox: reader results on their way to onshi's edge, decided purely.
//!
//! Rules kept here: a result is journalled as Queued (synced) before the spool journals its `face` file as seen, so
//! a crash between the two loses nothing; a queued result is sent until the edge acknowledges it (2xx), again after
//! a network error, a 5xx or a 429 on a doubling backoff, while every other result goes on being sent; once
//! acknowledged it is journalled and never sent again, across restarts; a refusal (any other status: a 4xx but 429,
//! a redirect) is journalled and never retried; a face file that carries no qualification is journalled as
//! unreadable and never sent. The edge and the origin key a result by its face file name, so a resend after a
//! crash between the acknowledgement and its journal line adds nothing.
//!
//! Compaction ([`Outbox::compact`]): a result still queued keeps its line whatever happens to its face file; an
//! acknowledged, refused or unreadable one keeps its line while its face file is still in `face` (it could be
//! offered again), and is dropped once the file is gone, a refusal or an unreadable file then living on only in the
//! counts since enrolment ([`EdgeRecord::Tally`]).
//!
//! No I/O, no clock: the time comes in as milliseconds, what to send and what to journal go out.

use std::collections::{BTreeMap, BTreeSet};

use onshi_proto::reader_result::ReaderResult;

use super::health::EdgeHealth;
use super::journal::EdgeRecord;

/// How soon a result the edge did not acknowledge is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure; each further failure doubles it.
    pub first_ms: u64,
    /// The longest wait.
    pub max_ms: u64,
}

impl Default for Backoff {
    /// 1 s, doubling to at most 5 minutes.
    fn default() -> Self {
        Self { first_ms: 1000, max_ms: 5 * 60_000 }
    }
}

impl Backoff {
    /// The wait after `failures` failed attempts in a row (`failures` ≥ 1).
    pub fn delay_ms(self, failures: u32) -> u64 {
        let doublings = failures.saturating_sub(1).min(63);
        self.first_ms.saturating_mul(1u64 << doublings).min(self.max_ms)
    }
}

/// What one attempt to send a result came to, as the adapter saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The edge answered.
    Status {
        /// The HTTP status.
        status: u16,
        /// The `code` of its JSON error body ([`onshi_proto::ApiError`]), when it sent one.
        code: Option<String>,
    },
    /// No answer: the connection failed or timed out.
    Unreachable(String),
}

/// What an attempt means for the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// 2xx: the edge has it.
    Acknowledged,
    /// The edge is away or busy (no answer, 5xx, 429): send again later.
    TryAgain,
    /// The edge will never take it (a 4xx but 429, or any other status): stop.
    Refused,
}

impl Attempt {
    /// The edge answered `status` with no error code.
    pub fn status(status: u16) -> Self {
        Self::Status { status, code: None }
    }

    /// What happened, for a log line: the status and the error code, or the network error.
    pub fn describe(&self) -> String {
        match self {
            Self::Status { status, code: Some(code) } => format!("status {status} {code}"),
            Self::Status { status, code: None } => format!("status {status}"),
            Self::Unreachable(why) => why.clone(),
        }
    }

    /// The meaning of the attempt.
    pub fn reply(&self) -> Reply {
        match self {
            Self::Status { status: 200..=299, .. } => Reply::Acknowledged,
            Self::Status { status: 429 | 500..=599, .. } | Self::Unreachable(_) => Reply::TryAgain,
            Self::Status { .. } => Reply::Refused,
        }
    }
}

/// Work for the adapter, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxEffect {
    /// Append the record to the edge journal and sync it.
    Journal(EdgeRecord),
    /// Tell the operator (a line on stderr): never personal data, only file names, statuses and reasons.
    Log(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Queued {
    result: Box<ReaderResult>,
    failures: u32,
    next_ms: u64,
}

/// The outbox.
#[derive(Debug)]
pub struct Outbox {
    backoff: Backoff,
    queued: BTreeMap<String, Queued>,
    acknowledged: BTreeSet<String>,
    /// Refused results by face file name, with the edge's status.
    refused: BTreeMap<String, u16>,
    /// Unreadable face files, with why.
    unreadable: BTreeMap<String, String>,
    /// Refusals and unreadable files counted since enrolment whose lines compaction dropped.
    tally: (usize, usize),
    last_failure: Option<String>,
}

impl Outbox {
    /// Rebuilds the outbox from its journal; every result still queued is due at once.
    pub fn recover(backoff: Backoff, records: impl IntoIterator<Item = EdgeRecord>) -> Self {
        let mut outbox = Self {
            backoff,
            queued: BTreeMap::new(),
            acknowledged: BTreeSet::new(),
            refused: BTreeMap::new(),
            unreadable: BTreeMap::new(),
            tally: (0, 0),
            last_failure: None,
        };
        for record in records {
            outbox.apply(&record);
        }
        outbox
    }

    fn apply(&mut self, record: &EdgeRecord) {
        match record {
            EdgeRecord::Queued { result } => {
                let file = result.file_name.as_str().to_owned();
                if !self.is_known(&file) {
                    self.queued.insert(file, Queued { result: result.clone(), failures: 0, next_ms: 0 });
                }
            }
            EdgeRecord::Acknowledged { file } => {
                self.queued.remove(file);
                self.acknowledged.insert(file.clone());
            }
            EdgeRecord::Refused { file, status } => {
                self.queued.remove(file);
                self.refused.insert(file.clone(), *status);
            }
            EdgeRecord::Unreadable { file, reason } => {
                self.unreadable.insert(file.clone(), reason.clone());
            }
            EdgeRecord::Tally { refused, unreadable } => {
                self.tally.0 += refused;
                self.tally.1 += unreadable;
            }
        }
    }

    fn journal(&mut self, record: EdgeRecord, effects: &mut Vec<OutboxEffect>) {
        self.apply(&record);
        effects.push(OutboxEffect::Journal(record));
    }

    /// Whether the face file `file` has been offered before (queued, acknowledged, refused or unreadable).
    pub fn is_known(&self, file: &str) -> bool {
        self.queued.contains_key(file)
            || self.acknowledged.contains(file)
            || self.refused.contains_key(file)
            || self.unreadable.contains_key(file)
    }

    /// Forgets the results settled for good whose face files are gone (`None`: `face` could not be listed, so
    /// every one is kept) and returns the records that rebuild the outbox as it stands: the counts of those
    /// forgotten, every result still queued, and the settled ones whose face files are still there.
    pub fn compact(&mut self, faces_present: Option<&BTreeSet<String>>) -> Vec<EdgeRecord> {
        if let Some(present) = faces_present {
            self.acknowledged.retain(|file| present.contains(file));
            let refused = self.refused.len();
            self.refused.retain(|file, _| present.contains(file));
            let unreadable = self.unreadable.len();
            self.unreadable.retain(|file, _| present.contains(file));
            self.tally.0 += refused - self.refused.len();
            self.tally.1 += unreadable - self.unreadable.len();
        }
        let mut records = Vec::with_capacity(self.live_lines());
        if self.tally != (0, 0) {
            records.push(EdgeRecord::Tally { refused: self.tally.0, unreadable: self.tally.1 });
        }
        records.extend(self.queued.values().map(|q| EdgeRecord::Queued { result: q.result.clone() }));
        records.extend(self.acknowledged.iter().map(|file| EdgeRecord::Acknowledged { file: file.clone() }));
        records.extend(
            self.refused.iter().map(|(file, status)| EdgeRecord::Refused { file: file.clone(), status: *status }),
        );
        records.extend(
            self.unreadable
                .iter()
                .map(|(file, reason)| EdgeRecord::Unreadable { file: file.clone(), reason: reason.clone() }),
        );
        records
    }

    /// How many lines [`Outbox::compact`] would write now (counting every settled result as still in `face`).
    pub fn live_lines(&self) -> usize {
        1 + self.queued.len() + self.acknowledged.len() + self.refused.len() + self.unreadable.len()
    }

    /// A face file read: `converted` is its reader result, or why it carries none. A file offered before is
    /// ignored; a new result is queued and due at once.
    pub fn offer<E: std::fmt::Display>(
        &mut self,
        file: &str,
        converted: Result<ReaderResult, E>,
        now_ms: u64,
    ) -> Vec<OutboxEffect> {
        let mut effects = Vec::new();
        if self.is_known(file) {
            return effects;
        }
        match converted {
            Ok(result) if result.file_name.as_str() == file => {
                self.journal(EdgeRecord::Queued { result: Box::new(result) }, &mut effects);
                if let Some(queued) = self.queued.get_mut(file) {
                    queued.next_ms = now_ms;
                }
            }
            Ok(result) => {
                let reason = format!("its result is named {}", result.file_name.as_str());
                self.unreadable(file, reason, &mut effects);
            }
            Err(why) => self.unreadable(file, why.to_string(), &mut effects),
        }
        effects
    }

    fn unreadable(&mut self, file: &str, reason: String, effects: &mut Vec<OutboxEffect>) {
        effects.push(OutboxEffect::Log(format!("{file} is not handed on to the edge: {reason}")));
        self.journal(EdgeRecord::Unreadable { file: file.to_owned(), reason }, effects);
    }

    /// The results to send now, longest waiting first.
    pub fn due(&self, now_ms: u64) -> Vec<ReaderResult> {
        let mut due: Vec<&Queued> = self.queued.values().filter(|q| q.next_ms <= now_ms).collect();
        due.sort_by_key(|q| q.next_ms);
        due.into_iter().map(|q| ReaderResult::clone(&q.result)).collect()
    }

    /// When the next result falls due, if any waits.
    pub fn next_due_ms(&self) -> Option<u64> {
        self.queued.values().map(|q| q.next_ms).min()
    }

    /// The attempt to send the result of `file` came to `attempt`.
    pub fn attempted(&mut self, file: &str, attempt: &Attempt, now_ms: u64) -> Vec<OutboxEffect> {
        let mut effects = Vec::new();
        if !self.queued.contains_key(file) {
            return effects;
        }
        match attempt.reply() {
            Reply::Acknowledged => {
                self.journal(EdgeRecord::Acknowledged { file: file.to_owned() }, &mut effects);
                if self.queued.is_empty() {
                    self.last_failure = None;
                }
            }
            Reply::Refused => {
                let status = match attempt {
                    Attempt::Status { status, .. } => *status,
                    Attempt::Unreachable(_) => 0,
                };
                effects.push(OutboxEffect::Log(format!(
                    "the edge refused {file} ({}); it is not sent again",
                    attempt.describe()
                )));
                self.journal(EdgeRecord::Refused { file: file.to_owned(), status }, &mut effects);
                if self.queued.is_empty() {
                    self.last_failure = None;
                }
            }
            Reply::TryAgain => {
                let why = attempt.describe();
                let backoff = self.backoff;
                if let Some(queued) = self.queued.get_mut(file) {
                    queued.failures = queued.failures.saturating_add(1);
                    let delay = backoff.delay_ms(queued.failures);
                    queued.next_ms = now_ms.saturating_add(delay);
                    effects.push(OutboxEffect::Log(format!(
                        "{file} not taken by the edge ({why}, attempt {}); sending again in {} ms",
                        queued.failures, delay
                    )));
                }
                self.last_failure = Some(why);
            }
        }
        effects
    }

    /// How it stands.
    pub fn health(&self) -> EdgeHealth {
        EdgeHealth {
            unsent: self.queued.len(),
            last_failure: self.last_failure.clone(),
            refused: self.refused.len() + self.tally.0,
            unreadable: self.unreadable.len() + self.tally.1,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::identifier::FaceFileName;
    use onshi_proto::qualification::Validity;

    use super::*;

    fn result(file: &str) -> ReaderResult {
        ReaderResult::new(FaceFileName::parse(file).unwrap(), Some(1), Validity::Valid)
    }

    fn journalled(effects: &[OutboxEffect]) -> Vec<EdgeRecord> {
        effects
            .iter()
            .filter_map(|e| match e {
                OutboxEffect::Journal(r) => Some(r.clone()),
                OutboxEffect::Log(_) => None,
            })
            .collect()
    }

    fn offered(outbox: &mut Outbox, file: &str, now: u64) -> Vec<EdgeRecord> {
        journalled(&outbox.offer::<String>(file, Ok(result(file)), now))
    }

    #[test]
    fn the_backoff_doubles_up_to_its_limit() {
        let backoff = Backoff { first_ms: 100, max_ms: 1000 };
        let delays: Vec<u64> = (1..=6).map(|n| backoff.delay_ms(n)).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff.delay_ms(u32::MAX), 1000);
    }

    #[test]
    fn statuses_mean_what_the_edge_says() {
        for (attempt, reply) in [
            (Attempt::status(200), Reply::Acknowledged),
            (Attempt::status(204), Reply::Acknowledged),
            (Attempt::status(429), Reply::TryAgain),
            (Attempt::status(500), Reply::TryAgain),
            (Attempt::status(503), Reply::TryAgain),
            (Attempt::Unreachable("refused".into()), Reply::TryAgain),
            (Attempt::status(400), Reply::Refused),
            (Attempt::status(401), Reply::Refused),
            (Attempt::status(403), Reply::Refused),
            (Attempt::status(302), Reply::Refused),
        ] {
            assert_eq!(attempt.reply(), reply, "{attempt:?}");
        }
    }

    #[test]
    fn a_result_is_sent_until_acknowledged_and_never_after() {
        let mut outbox = Outbox::recover(Backoff { first_ms: 100, max_ms: 1000 }, []);
        assert_eq!(offered(&mut outbox, "a.xml", 0), [EdgeRecord::Queued { result: Box::new(result("a.xml")) }]);
        assert_eq!(outbox.due(0), [result("a.xml")]);
        let effects = outbox.attempted("a.xml", &Attempt::status(503), 10);
        assert!(journalled(&effects).is_empty(), "a retry is not journalled");
        assert_eq!(outbox.health().last_failure.as_deref(), Some("status 503"));
        assert!(outbox.due(109).is_empty());
        assert_eq!(outbox.next_due_ms(), Some(110));
        assert_eq!(outbox.due(110), [result("a.xml")]);
        let effects = outbox.attempted("a.xml", &Attempt::status(200), 120);
        assert_eq!(journalled(&effects), [EdgeRecord::Acknowledged { file: "a.xml".into() }]);
        assert!(outbox.due(u64::MAX).is_empty());
        assert_eq!(outbox.health(), EdgeHealth::default());
        // Offered again (the bridge read the file again), it is not queued again.
        assert!(offered(&mut outbox, "a.xml", 200).is_empty());
    }

    #[test]
    fn a_result_waiting_for_a_retry_does_not_hold_up_the_others() {
        let mut outbox = Outbox::recover(Backoff::default(), []);
        offered(&mut outbox, "a.xml", 0);
        outbox.attempted("a.xml", &Attempt::Unreachable("connection refused".into()), 0);
        offered(&mut outbox, "b.xml", 5);
        assert_eq!(outbox.due(5), [result("b.xml")]);
        assert_eq!(outbox.health().unsent, 2);
    }

    #[test]
    fn a_refusal_is_journalled_counted_and_never_retried() {
        let mut outbox = Outbox::recover(Backoff::default(), []);
        offered(&mut outbox, "a.xml", 0);
        let effects = outbox.attempted("a.xml", &Attempt::status(400), 1);
        assert_eq!(journalled(&effects), [EdgeRecord::Refused { file: "a.xml".into(), status: 400 }]);
        assert!(effects.iter().any(|e| matches!(e, OutboxEffect::Log(line) if line.contains("400"))));
        assert!(outbox.due(u64::MAX).is_empty());
        assert_eq!(outbox.health().refused, 1);
        assert_eq!(outbox.health().unsent, 0);
    }

    #[test]
    fn a_file_without_a_qualification_is_counted_and_never_sent() {
        let mut outbox = Outbox::recover(Backoff::default(), []);
        let effects = outbox.offer::<String>("e.xml", Err("the terminal reported an error".into()), 0);
        assert!(matches!(journalled(&effects).as_slice(), [EdgeRecord::Unreadable { file, .. }] if file == "e.xml"));
        assert!(outbox.due(u64::MAX).is_empty());
        assert_eq!(outbox.health().unreadable, 1);
        assert!(outbox.offer::<String>("e.xml", Err("again".into()), 1).is_empty());
    }

    #[test]
    fn after_a_restart_the_unacknowledged_are_due_and_the_rest_are_not() {
        let mut outbox = Outbox::recover(Backoff::default(), []);
        let mut records = Vec::new();
        for file in ["a.xml", "b.xml", "c.xml"] {
            records.extend(offered(&mut outbox, file, 0));
        }
        records.extend(journalled(&outbox.attempted("a.xml", &Attempt::status(200), 1)));
        records.extend(journalled(&outbox.attempted("b.xml", &Attempt::status(404), 1)));
        records.extend(journalled(&outbox.attempted("c.xml", &Attempt::status(503), 1)));
        let text: String = records.iter().map(EdgeRecord::to_line).collect();
        let again = Outbox::recover(Backoff::default(), super::super::journal::parse::<EdgeRecord>(&text));
        assert_eq!(again.due(0), [result("c.xml")]);
        assert!(again.is_known("a.xml") && again.is_known("b.xml"));
        assert_eq!((again.health().unsent, again.health().refused), (1, 1));
    }

    #[test]
    fn a_compacted_edge_journal_keeps_what_is_unsent_and_what_could_be_offered_again() {
        let mut outbox = Outbox::recover(Backoff::default(), []);
        let mut records = Vec::new();
        for file in ["a.xml", "b.xml", "c.xml", "d.xml", "e.xml"] {
            records.extend(offered(&mut outbox, file, 0));
        }
        records.extend(journalled(&outbox.offer::<String>("u.xml", Err("no qualification".into()), 0)));
        records.extend(journalled(&outbox.attempted("a.xml", &Attempt::status(200), 1)));
        records.extend(journalled(&outbox.attempted("b.xml", &Attempt::status(200), 1)));
        records.extend(journalled(&outbox.attempted("c.xml", &Attempt::status(404), 1)));
        records.extend(journalled(&outbox.attempted("d.xml", &Attempt::status(503), 1)));
        // a.xml, c.xml and u.xml are gone from face; b.xml is still there; d.xml and e.xml wait to be sent.
        let present: BTreeSet<String> = ["b.xml", "d.xml", "e.xml"].iter().map(|f| (*f).to_owned()).collect();
        let before = outbox.health();
        let compacted = outbox.compact(Some(&present));
        assert_eq!(compacted.len(), outbox.live_lines());
        assert!(compacted.len() < records.len());

        let again = Outbox::recover(Backoff::default(), compacted.clone());
        assert_eq!(again.due(0), [result("d.xml"), result("e.xml")]);
        assert!(again.is_known("b.xml"), "a file still in face stays acknowledged");
        assert!(!again.is_known("a.xml") && !again.is_known("c.xml") && !again.is_known("u.xml"));
        let health = again.health();
        assert_eq!(
            (health.unsent, health.refused, health.unreadable),
            (before.unsent, before.refused, before.unreadable)
        );
        assert_eq!((health.refused, health.unreadable), (1, 1), "counted since enrolment");
        // Compacting again keeps the counts and drops nothing more.
        let mut again = again;
        assert_eq!(again.compact(Some(&present)), compacted);
    }
}
