//! The spool against a model of the folders and the journal, with crashes cutting any step short and the journal
//! compacted at any point: whatever the order of submits, repeats, answers, timeouts, retention, staff settling
//! Uncertain requests, compactions and crashes, no request file reaches `req` twice, an id is sent again only after
//! it was forgotten (never one that was Uncertain and not yet settled and forgotten), only an Uncertain request is
//! settled, no acknowledged request is lost, and a compacted journal recovers the spool the full one does.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use std::collections::{BTreeMap, BTreeSet};

use onshi_bridge::core::journal::Record;
use onshi_bridge::core::spool::{Config, Effect, NewRequest, Now, Spool};
use onshi_onsfile::Charset;
use onshi_onsfile::check::Ymd;
use onshi_onsfile::name::{Operation, System};
use onshi_proto::bridge_link::LinkRequestId;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    Submit(u8),
    Answer,
    Tick(u16),
    /// The adapter rewrites the journal to the spool's live records.
    Compact,
    /// Staff close request `r<n>` after looking on the terminal.
    Settle(u8),
    /// Crash while carrying out the next step's effects, after this many of them.
    CrashDuring(u8, Box<Step>),
}

fn step() -> impl Strategy<Value = Step> {
    let plain = prop_oneof![
        (0u8..4).prop_map(Step::Submit),
        Just(Step::Answer),
        (0u16..3000).prop_map(Step::Tick),
        Just(Step::Compact),
        (0u8..4).prop_map(Step::Settle)
    ];
    prop_oneof![3 => plain.clone(), 1 => (0u8..6, plain).prop_map(|(n, s)| Step::CrashDuring(n, Box::new(s)))]
}

fn config() -> Config {
    Config {
        facility: "0110113719".into(),
        charset: Charset::ShiftJis,
        answer_timeout_ms: 1000,
        stall_after_ms: 1000,
        face_silence_ms: 1000,
        bulk_retry_ms: 1000,
        retention_ms: 4000,
    }
}

#[derive(Default)]
struct World {
    work: BTreeSet<String>,
    req: BTreeSet<String>,
    res: BTreeSet<String>,
    journal: Vec<Record>,
    /// Every record ever journalled, compaction or not.
    history: Vec<Record>,
    ever_in_req: Vec<String>,
    acknowledged: BTreeSet<String>,
    ms: u64,
}

struct Crash;

impl World {
    fn now(&self) -> Now {
        Now { ms: self.ms, today: Ymd::new(2026, 9, 30).unwrap(), open: false }
    }

    /// Carries out effects; `budget` counts down and a crash happens when it reaches zero.
    fn execute(&mut self, spool: &mut Spool, effects: Vec<Effect>, budget: &mut Option<u8>) -> Result<(), Crash> {
        for effect in effects {
            if let Some(left) = budget {
                if *left == 0 {
                    return Err(Crash);
                }
                *left -= 1;
            }
            match effect {
                Effect::Stage { file, .. } => {
                    self.work.insert(file);
                }
                Effect::Journal(record) => {
                    self.history.push(record.clone());
                    self.journal.push(record);
                }
                Effect::Publish { id, file } => {
                    assert!(self.work.remove(&file));
                    assert!(!self.ever_in_req.contains(&file), "{file} published twice");
                    self.req.insert(file.clone());
                    self.ever_in_req.push(file);
                    let next = spool.published(&id, self.now());
                    self.execute(spool, next, budget)?;
                }
                Effect::RemoveAnswer { file } => {
                    self.res.remove(&file);
                }
                Effect::StoreAnswer { .. }
                | Effect::ForgetAnswer { .. }
                | Effect::ForgetOutcome { .. }
                | Effect::Deliver(_)
                | Effect::Face { .. }
                | Effect::Health(_) => {}
            }
        }
        Ok(())
    }

    fn recover(&mut self) -> Spool {
        let mut spool = Spool::recover(config(), self.journal.clone());
        let pending = spool.pending();
        self.work.retain(|file| pending.iter().any(|(_, f)| f == file));
        for (id, file) in pending {
            let effects = if self.work.contains(&file) {
                vec![Effect::Publish { id, file }]
            } else {
                spool.published(&id, self.now())
            };
            let _ = self.execute(&mut spool, effects, &mut None);
        }
        spool
    }

    fn run(&mut self, spool: &mut Spool, step: &Step, budget: &mut Option<u8>) -> Result<(), Crash> {
        match step {
            Step::Submit(n) => {
                let id = format!("r{n}");
                let request = NewRequest {
                    id: id.clone(),
                    system: System::Oqs,
                    operation: Operation::SingleCheck,
                    phase: 1,
                    body: b"<XmlMsg><MessageHeader/><MessageBody/></XmlMsg>".to_vec(),
                };
                let effects = spool.submit(request, self.now());
                self.execute(spool, effects, budget)?;
                // The caller counts the request as handed over only once the bridge has done all of it.
                self.acknowledged.insert(id);
            }
            Step::Answer => {
                // The 連携アプリ takes every file and answers it.
                for file in std::mem::take(&mut self.req) {
                    self.res.insert(file.replace("req_", "res_"));
                }
                for file in self.res.clone() {
                    let answer = b"<XmlMsg><MessageHeader><SegmentOfResult>1</SegmentOfResult></MessageHeader>\
                        <MessageBody/></XmlMsg>";
                    let effects = spool.answer(&file, Some(answer.to_vec()), self.now());
                    self.execute(spool, effects, budget)?;
                }
            }
            Step::Tick(ms) => {
                self.ms += u64::from(*ms);
                let waiting: Vec<String> = self.req.iter().cloned().collect();
                let effects = spool.tick(self.now(), &waiting);
                self.execute(spool, effects, budget)?;
            }
            Step::Compact => {
                // The rewrite is atomic (a side file renamed over the journal): a crash leaves the old or the new.
                let compacted = spool.compact(None);
                let full = Spool::recover(config(), self.journal.clone());
                let rebuilt = Spool::recover(config(), compacted.clone());
                assert_eq!(rebuilt.entries(), full.entries());
                assert_eq!(rebuilt.sequence_used(self.now().today), full.sequence_used(self.now().today));
                assert!(compacted.len() <= self.journal.len() + 1);
                self.journal = compacted;
            }
            Step::Settle(n) => {
                let before = spool.entries().clone();
                match spool.settle(&LinkRequestId::parse(&format!("r{n}")).unwrap(), self.now()) {
                    Ok(effects) => self.execute(spool, effects, budget)?,
                    Err(_) => assert_eq!(spool.entries(), &before, "a refused settlement changes nothing"),
                }
            }
            Step::CrashDuring(..) => {}
        }
        Ok(())
    }
}

proptest! {
    #[test]
    fn no_request_reaches_req_twice_and_none_acknowledged_is_lost(steps in proptest::collection::vec(step(), 1..40)) {
        let mut world = World::default();
        let mut spool = world.recover();
        for step in &steps {
            let (mut budget, step) = match step {
                Step::CrashDuring(n, inner) => (Some(*n), inner.as_ref()),
                other => (None, other),
            };
            if world.run(&mut spool, step, &mut budget).is_err() {
                spool = world.recover();
            }
        }
        // Per id: how many files it was given, and whether it has one it was not forgotten since.
        let mut files_per_id: BTreeMap<String, usize> = BTreeMap::new();
        let mut live: BTreeSet<String> = BTreeSet::new();
        let mut uncertain: BTreeSet<String> = BTreeSet::new();
        for record in &world.history {
            match record {
                Record::Pending { id, .. } => {
                    prop_assert!(live.insert(id.clone()), "{id} given a second file while still known");
                    prop_assert!(!uncertain.contains(id), "{id} sent again after it was Uncertain");
                    *files_per_id.entry(id.clone()).or_default() += 1;
                }
                Record::Uncertain { id, .. } => {
                    uncertain.insert(id.clone());
                }
                // A late answer settles it: it was processed once, and ages like any answered request.
                Record::Answered { id, .. } => {
                    uncertain.remove(id);
                }
                // Staff closed it: final, and it ages out like an answered request.
                Record::SettledByStaff { id, .. } => {
                    prop_assert!(uncertain.remove(id), "{id} settled while it was not Uncertain");
                }
                Record::Forgotten { ids } => {
                    for id in ids {
                        prop_assert!(!uncertain.contains(id), "{id} forgotten while Uncertain");
                        live.remove(id);
                    }
                }
                _ => {}
            }
        }
        for id in &world.acknowledged {
            prop_assert!(files_per_id.contains_key(id), "{id} was acknowledged but never journalled");
        }
        // Every file journalled reached req exactly once.
        prop_assert_eq!(world.ever_in_req.len(), files_per_id.values().sum::<usize>());
    }
}
