//! The journals' records: one line of JSON per state change, appended and synced before the change takes effect.
//! The spool's [`Record`]s go to `journal.log`, the edge outbox's [`EdgeRecord`]s to `edge.log`.
//!
//! Pure codec: it turns records into lines and lines back into records. A torn last line (the process killed
//! mid-write) is skipped, never fatal; the adapter owns the file. [`worth_compacting`] is the one rule for when a
//! journal is rewritten to its live records (what those are is the spool's and the outbox's to say).

use onshi_proto::reader_result::ReaderResult;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One state change of one request, or one reader result seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum Record {
    /// The request's file is complete in the work folder and about to be renamed into `req`.
    Pending {
        /// The caller's request id.
        id: String,
        /// The file name it gets in `req`.
        file: String,
        /// For a bulk phase-2 request, the phase-1 request it continues.
        parent: Option<String>,
        /// For a bulk phase-2 request, the `ReceptionNumber` it asks for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reception: Option<String>,
        /// Milliseconds (the adapter's clock).
        at: u64,
    },
    /// The file is in `req` (the rename is done).
    Submitted {
        /// The request id.
        id: String,
        /// When.
        at: u64,
    },
    /// The answer is stored under the bridge's state folder.
    Answered {
        /// The request id.
        id: String,
        /// The answer's file name in `res`.
        file: String,
        /// The answer said 処理中 (a bulk result not ready yet): it is asked for again later.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        in_progress: bool,
        /// When.
        at: u64,
    },
    /// The request never reached `req` and cannot: it may be sent again.
    Failed {
        /// The request id.
        id: String,
        /// Why.
        reason: String,
    },
    /// The request may or may not have been processed: it is never sent again.
    Uncertain {
        /// The request id.
        id: String,
        /// Why.
        reason: String,
    },
    /// Staff found the outcome of this Uncertain request on the terminal and closed it: it is Settled, final and
    /// never sent again, and ages out like an answered request from `at`.
    SettledByStaff {
        /// The request id (for a bulk request, each of its Uncertain parts).
        id: String,
        /// When.
        at: u64,
    },
    /// A reader result in `face` was passed on.
    Face {
        /// Its file name.
        file: String,
    },
    /// These finished requests are past their retention: the spool forgets them and their stored answers go.
    Forgotten {
        /// The request ids (a whole bulk request with its phase-2 requests at once).
        ids: Vec<String>,
    },
    /// The highest file sequence number used on a date, written by compaction so that the day's file names are
    /// never used twice once the Pending lines that used them are gone.
    Sequence {
        /// `YYYYMMDD`.
        date: String,
        /// The highest sequence number used.
        used: u16,
    },
}

/// One change of one reader result on its way to the edge ([`super::outbox`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum EdgeRecord {
    /// The result is to be sent (it holds the result, so a restart sends it without the `face` file).
    Queued {
        /// The result, its face file name its key (boxed: it is by far the largest record, and the journal's
        /// lines read the same either way).
        result: Box<ReaderResult>,
    },
    /// The edge acknowledged it (2xx): it is never sent again.
    Acknowledged {
        /// The face file name.
        file: String,
    },
    /// The edge refused it for good (a 4xx other than 429): it is never sent again.
    Refused {
        /// The face file name.
        file: String,
        /// The HTTP status.
        status: u16,
    },
    /// The face file carries no qualification: it is never sent.
    Unreadable {
        /// The face file name.
        file: String,
        /// Why, as the file interface crate says it.
        reason: String,
    },
    /// Written by compaction: refusals and unreadable files whose lines were dropped (their face files are gone
    /// from `face`, so they can never be offered again), still counted since enrolment.
    Tally {
        /// Refused results no longer listed.
        refused: usize,
        /// Unreadable face files no longer listed.
        unreadable: usize,
    },
}

impl Record {
    /// The record as one journal line, newline included.
    pub fn to_line(&self) -> String {
        line(self)
    }
}

impl EdgeRecord {
    /// The record as one journal line, newline included.
    pub fn to_line(&self) -> String {
        line(self)
    }
}

fn line(record: &impl Serialize) -> String {
    // A record is plain strings, numbers and checked wire values; serialising it cannot fail.
    let mut line = serde_json::to_string(record).unwrap_or_default();
    line.push('\n');
    line
}

/// Journal lines below which a journal is never rewritten: about 150 KB, so a quiet bridge does not rewrite a
/// small file every time one request leaves it.
pub const COMPACTION_FLOOR_LINES: usize = 1000;

/// Whether a journal of `lines` lines, of which `live` would survive a rewrite, is worth rewriting now: when the
/// dead lines are at least three times the live ones (and the journal is past [`COMPACTION_FLOOR_LINES`]). A
/// rewrite writes the live lines once, so at that ratio it costs at most one written line for every three appended
/// since the last one, and the journal never grows past four times what it must hold.
pub fn worth_compacting(lines: usize, live: usize) -> bool {
    lines >= COMPACTION_FLOOR_LINES && lines.saturating_sub(live) >= live.saturating_mul(3)
}

/// Reads a journal's text: every complete, well-formed line, in order. A torn or garbled line is skipped.
pub fn parse<T: DeserializeOwned>(text: &str) -> Vec<T> {
    text.split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .filter_map(|line| serde_json::from_str(line.trim_end()).ok())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_a_torn_tail_is_skipped() {
        let records = vec![
            Record::Pending {
                id: "a".into(),
                file: "OQSsiquc01req_202609300001.xml".into(),
                parent: None,
                reception: None,
                at: 1,
            },
            Record::Submitted { id: "a".into(), at: 2 },
        ];
        let mut text: String = records.iter().map(Record::to_line).collect();
        text.push_str("{\"t\":\"Answered\",\"id\":\"a\"");
        assert_eq!(parse::<Record>(&text), records);
    }

    #[test]
    fn a_journal_is_rewritten_only_when_most_of_it_is_dead_and_it_is_not_small() {
        assert!(!worth_compacting(COMPACTION_FLOOR_LINES - 1, 0), "a small journal is left alone");
        assert!(worth_compacting(COMPACTION_FLOOR_LINES, 0));
        assert!(worth_compacting(4000, 1000));
        assert!(!worth_compacting(3999, 1000), "fewer dead lines than three times the live ones");
        assert!(!worth_compacting(100_000, 100_000), "nothing is dead");
    }
}
