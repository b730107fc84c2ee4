//! The bridge and the simulated terminal both running on their own (watchers and scans), with the terminal writing
//! its answers slowly in two halves and late: every request still gets exactly its own answer.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use onshi_bridge::bridge::Bridge;
use onshi_bridge::link::FolderLink;
use onshi_bridge::sim::Faults;
use onshi_onsfile::document;
use onshi_onsfile::messages::QualificationAnswer;
use onshi_onsfile::verdict::Verdict;

#[test]
fn slow_partial_answers_from_a_running_terminal_reach_a_running_bridge() {
    let site = Site::new();
    let terminal = site.terminal(5);
    terminal.set_faults(Faults { partial_writes: true, answer_delay: Duration::from_millis(50), ..Faults::default() });
    let stop = AtomicBool::new(false);
    let mut options = site.options();
    options.scan_interval = Duration::from_millis(100);
    let mut bridge = Bridge::open(options, FolderLink::new(&site.link()).unwrap()).unwrap();
    let inbox = site.link().join("in");
    std::thread::scope(|scope| {
        let terminal = &terminal;
        let stop = &stop;
        scope.spawn(move || terminal.run(stop, Duration::from_millis(100)).unwrap());
        scope.spawn(|| bridge.run(stop, Some(&inbox)).unwrap());
        for i in 0..5 {
            site.submit(&format!("r{i}"), "OQSsiquc01req", &check_request(&person_number(i)));
        }
        wait_for("every answer", Duration::from_secs(60), || (0..5).all(|i| site.outcome(&format!("r{i}")).is_some()));
        stop.store(true, Ordering::Relaxed);
    });
    for i in 0..5 {
        let answer = document::read::<QualificationAnswer>(&site.outcome(&format!("r{i}")).unwrap()).unwrap();
        let Verdict::Valid(record) = answer.message.verdict() else { panic!("r{i}: {:?}", answer.message.verdict()) };
        assert_eq!(record.number.as_deref(), Some(person_number(i).as_str()));
    }
    assert_eq!(terminal.processed(), 5);
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\""), 5);
}
