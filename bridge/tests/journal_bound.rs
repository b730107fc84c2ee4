//! The journal stays bounded however many requests pass: requests past their retention are forgotten and the
//! journal is rewritten to its live records when most of it is dead. Checked on the spool with a model adapter over
//! ten thousand requests, and on the real bridge's `journal.log` and stored answers over a few hundred.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod common;

use common::*;
use onshi_bridge::bridge::Bridge;
use onshi_bridge::clock::{Clock, japan_date};
use onshi_bridge::core::journal::{COMPACTION_FLOOR_LINES, Record, parse, worth_compacting};
use onshi_bridge::core::spool::{Config, Effect, NewRequest, Now, Spool};
use onshi_bridge::link::FolderLink;
use onshi_onsfile::Charset;
use onshi_onsfile::name::{Operation, System};

const ANSWER: &[u8] =
    b"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader><MessageBody/></XmlMsg>";

/// 2026-09-30 09:00 in Japan.
const START_MS: u64 = 1_790_726_400_000;
const MINUTE_MS: u64 = 60_000;

fn config() -> Config {
    Config {
        facility: FACILITY.into(),
        charset: Charset::ShiftJis,
        answer_timeout_ms: MINUTE_MS,
        stall_after_ms: MINUTE_MS,
        face_silence_ms: 30 * MINUTE_MS,
        bulk_retry_ms: MINUTE_MS,
        retention_ms: 60 * MINUTE_MS,
    }
}

fn now(ms: u64) -> Now {
    Now { ms, today: japan_date(ms), open: false }
}

/// The model adapter's journal: the lines as the file would hold them.
#[derive(Default)]
struct Journal {
    lines: Vec<String>,
    written: usize,
}

impl Journal {
    fn carry_out(&mut self, spool: &mut Spool, effects: Vec<Effect>, at: Now) {
        for effect in effects {
            match effect {
                Effect::Journal(record) => {
                    self.lines.push(record.to_line());
                    self.written += 1;
                }
                Effect::Publish { id, .. } => {
                    let next = spool.published(&id, at);
                    self.carry_out(spool, next, at);
                }
                _ => {}
            }
        }
    }

    fn bytes(&self) -> usize {
        self.lines.iter().map(String::len).sum()
    }
}

#[test]
fn ten_thousand_answered_requests_leave_a_journal_no_longer_than_the_live_ones_need() {
    const REQUESTS: u64 = 10_000;
    let mut spool = Spool::recover(config(), []);
    let mut journal = Journal::default();
    let (mut most_lines, mut most_bytes, mut most_live) = (0, 0, 0);
    for i in 0..REQUESTS {
        // One check a minute, each answered at once.
        let at = now(START_MS + i * MINUTE_MS);
        let request = NewRequest {
            id: format!("r{i}"),
            system: System::Oqs,
            operation: Operation::SingleCheck,
            phase: 1,
            body: b"<XmlMsg><MessageHeader/><MessageBody/></XmlMsg>".to_vec(),
        };
        let effects = spool.submit(request, at);
        let file = effects
            .iter()
            .find_map(|e| if let Effect::Publish { file, .. } = e { Some(file.clone()) } else { None })
            .unwrap();
        journal.carry_out(&mut spool, effects, at);
        let effects = spool.answer(&file.replace("req_", "res_"), Some(ANSWER.to_vec()), at);
        journal.carry_out(&mut spool, effects, at);
        let effects = spool.tick(at, &[]);
        journal.carry_out(&mut spool, effects, at);
        // The adapter's rule, as `Bridge::step` applies it.
        if worth_compacting(journal.lines.len(), spool.live_lines()) {
            journal.lines = spool.compact(None).iter().map(Record::to_line).collect();
        }
        most_lines = most_lines.max(journal.lines.len());
        most_bytes = most_bytes.max(journal.bytes());
        most_live = most_live.max(spool.live_lines());
    }
    // Every request wrote Pending, Submitted and Answered, and all but the last hour's were forgotten.
    assert_eq!(journal.written, 3 * 10_000 + (10_000 - 60));
    // An hour's retention at one request a minute keeps about 60 requests of two lines each alive.
    assert!(most_live <= 2 * 61 + 1, "{most_live}");
    // The journal never grew past the floor or four times what was live, whichever is more, plus one request.
    assert!(most_lines <= COMPACTION_FLOOR_LINES.max(4 * most_live) + 4, "{most_lines}");
    assert!(most_bytes <= 200 * most_lines, "{most_bytes} bytes");
    // Once the last request is past retention, a compaction leaves the day's file sequence alone.
    let later = now(START_MS + (REQUESTS + 60) * MINUTE_MS);
    let effects = spool.tick(later, &[]);
    journal.carry_out(&mut spool, effects, later);
    assert!(spool.entries().is_empty());
    assert!(matches!(&spool.compact(None)[..], [Record::Sequence { .. }]));
}

#[test]
fn the_running_bridge_forgets_answers_past_retention_and_keeps_its_journal_small() {
    const REQUESTS: usize = 260;
    let site = Site::new();
    let terminal = site.terminal(REQUESTS);
    let mut options = site.options();
    // One request a minute on a fake clock, each finished one kept for a minute: each answer is forgotten on the
    // pass after it is delivered (with its copy in link/out, which the caller has read by then).
    let clock = Clock::fake(START_MS);
    options.clock = clock.clone();
    options.config.retention_ms = MINUTE_MS;
    let link = FolderLink::new(&site.link()).unwrap().with_clock(clock.clone());
    let mut bridge = Bridge::open(options, link).unwrap();
    let mut most_lines = 0;
    for i in 0..REQUESTS {
        clock.advance(MINUTE_MS);
        let id = format!("n{i}");
        site.submit(&id, "OQSsiquc01req", &check_request(&person_number(i)));
        bridge.step().unwrap();
        assert_eq!(terminal.step().unwrap(), 1);
        bridge.step().unwrap();
        assert!(site.outcome(&id).is_some(), "{id} was answered");
        let lines = count(&site.journal(), "\n");
        assert_eq!(lines, bridge.journal_lines());
        most_lines = most_lines.max(lines);
    }
    clock.advance(MINUTE_MS);
    bridge.step().unwrap();
    // 260 requests wrote over a thousand lines; the journal was rewritten when it reached the floor.
    assert!(most_lines <= COMPACTION_FLOOR_LINES + 4, "{most_lines}");
    assert!(count(&site.journal(), "\n") < 200, "{}", site.journal().len());
    let stored = std::fs::read_dir(site.state().join("answers")).unwrap().count();
    assert_eq!(stored, 0, "no answer is kept past retention");
    let copies = std::fs::read_dir(site.link().join("out")).unwrap().count();
    assert_eq!(copies, 0, "nor the caller's copy");
    // What is left after the rewrite is dead lines of the last requests, which recover to nothing.
    let recovered = Spool::recover(config(), parse::<Record>(&site.journal()));
    assert!(recovered.entries().is_empty() && bridge.spool().entries().is_empty());
}
