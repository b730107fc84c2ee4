//! The bridge binary killed at the worst moments neither loses nor repeats a request after a restart, and one
//! killed while rewriting its journal recovers to the same state. Each test synchronises on the folders and the
//! journal, never on elapsed time.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod common;

use std::process::{Child, Command};
use std::time::Duration;

use common::*;
use onshi_bridge::bridge::CRASH_AFTER_PENDING;
use onshi_bridge::core::journal::{Record, parse};
use onshi_bridge::files::CRASH_IN_COMPACTION;

const LIMIT: Duration = Duration::from_secs(30);

fn command(site: &Site) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onshi-bridge"));
    command.args(["--facility", FACILITY, "--root"]).arg(site.root()).arg("--state").arg(site.state());
    command.env_remove(CRASH_IN_COMPACTION);
    command
}

fn start(site: &Site, crash_after_pending: bool) -> Child {
    let mut command = command(site);
    if crash_after_pending {
        command.env(CRASH_AFTER_PENDING, "1");
    } else {
        command.env_remove(CRASH_AFTER_PENDING);
    }
    command.spawn().unwrap()
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn killed_between_publish_and_answer_it_neither_loses_nor_resends() {
    let site = Site::new();
    let terminal = site.terminal(2);
    let mut first = Running(start(&site, false));
    site.submit("k1", "OQSsiquc01req", &check_request("00001"));
    wait_for("the request to be submitted", LIMIT, || site.journal().contains("\"t\":\"Submitted\",\"id\":\"k1\""));
    assert_eq!(site.files("req").len(), 1);
    // SIGKILL: no chance to clean up.
    first.0.kill().unwrap();
    first.0.wait().unwrap();

    // The terminal answers while the bridge is down.
    assert_eq!(terminal.step().unwrap(), 1);
    assert_eq!(site.files("res").len(), 1);

    let _second = Running(start(&site, false));
    wait_for("the answer to reach the caller", LIMIT, || site.outcome("k1").is_some());
    wait_for("the answer file to be cleaned up", LIMIT, || site.files("res").is_empty());
    assert!(site.files("req").is_empty(), "nothing was sent again");
    assert_eq!(terminal.step().unwrap(), 0);
    assert_eq!(terminal.processed(), 1);
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\""), 1);
}

#[test]
fn killed_after_journalling_and_before_publishing_it_publishes_exactly_once() {
    let site = Site::new();
    let terminal = site.terminal(2);
    let mut crashing = start(&site, true);
    site.submit("k2", "OQSsiquc01req", &check_request("00001"));
    // The bridge aborts itself right after the journal says Pending.
    let status = crashing.wait().unwrap();
    assert!(!status.success());
    assert!(site.journal().contains("\"t\":\"Pending\",\"id\":\"k2\""));
    assert!(site.files("req").is_empty(), "the crash came before the rename");
    assert_eq!(std::fs::read_dir(site.state().join("work")).unwrap().count(), 1);

    let _second = Running(start(&site, false));
    wait_for("the staged request to be published", LIMIT, || {
        site.journal().contains("\"t\":\"Submitted\",\"id\":\"k2\"")
    });
    assert_eq!(site.files("req").len(), 1);
    assert_eq!(terminal.step().unwrap(), 1);
    wait_for("the answer to reach the caller", LIMIT, || site.outcome("k2").is_some());
    assert_eq!(terminal.processed(), 1);
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\""), 1);
    assert_eq!(std::fs::read_dir(site.state().join("work")).unwrap().count(), 0);
}

#[test]
fn a_stalled_link_app_is_reported_by_the_running_bridge() {
    let site = Site::new();
    let mut command = Command::new(env!("CARGO_BIN_EXE_onshi-bridge"));
    command
        .args(["--facility", FACILITY, "--stall-ms", "200", "--root"])
        .arg(site.root())
        .arg("--state")
        .arg(site.state());
    let _bridge = Running(command.spawn().unwrap());
    site.submit("st", "OQSsiquc01req", &check_request("00001"));
    // Nothing takes the file out of req: the health file must say so.
    wait_for("the stall to be reported", LIMIT, || {
        let health = std::fs::read_to_string(site.link().join("health.json")).unwrap_or_default();
        health.contains("\"link_app_stalled_ms\": ")
    });
}

/// The journal as (record kind, request id) pairs, in order.
fn journal_shape(site: &Site) -> Vec<(String, String)> {
    parse::<Record>(&site.journal())
        .into_iter()
        .map(|record| match record {
            Record::Pending { id, .. } => ("Pending".into(), id),
            Record::Submitted { id, .. } => ("Submitted".into(), id),
            Record::Answered { id, .. } => ("Answered".into(), id),
            Record::Failed { id, .. } => ("Failed".into(), id),
            Record::Uncertain { id, .. } => ("Uncertain".into(), id),
            Record::SettledByStaff { id, .. } => ("SettledByStaff".into(), id),
            Record::Forgotten { ids } => ("Forgotten".into(), ids.join(",")),
            Record::Sequence { date: _, used } => ("Sequence".into(), used.to_string()),
            Record::Face { file } => ("Face".into(), file),
        })
        .collect()
}

/// One request answered and one still in `req`; then a bridge that keeps nothing finished dies at `moment` of
/// rewriting its journal; then a bridge started normally must recover to the compacted state.
fn killed_while_compacting(moment: &str) {
    let site = Site::new();
    let terminal = site.terminal(3);
    let mut first = Running(start(&site, false));
    site.submit("k1", "OQSsiquc01req", &check_request("00001"));
    wait_for("k1 to be submitted", LIMIT, || site.journal().contains("\"t\":\"Submitted\",\"id\":\"k1\""));
    assert_eq!(terminal.step().unwrap(), 1);
    wait_for("k1's answer to reach the caller", LIMIT, || site.outcome("k1").is_some());
    site.submit("k2", "OQSsiquc01req", &check_request("00002"));
    wait_for("k2 to be submitted", LIMIT, || site.journal().contains("\"t\":\"Submitted\",\"id\":\"k2\""));
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let stored = site.state().join("answers").join("k1.xml");
    assert!(stored.exists(), "the answer is stored while it is retained");

    let status = command(&site).args(["--retention-ms", "0"]).env(CRASH_IN_COMPACTION, moment).status().unwrap();
    assert!(!status.success(), "the bridge aborted at the fault-injection point");
    assert!(!stored.exists(), "k1's answer was deleted before the journal was rewritten");
    let side = site.state().join(".journal.log.compact");
    if moment == "before-rename" {
        assert!(side.exists());
        assert!(site.journal().contains("\"t\":\"Answered\",\"id\":\"k1\""), "the old journal is whole");
    } else {
        assert!(!side.exists());
        assert!(!site.journal().contains("\"k1\""), "the new journal holds only live records");
    }

    let _third = Running(start(&site, false));
    // k2 is still the bridge's: its answer is taken after the restart, once.
    assert_eq!(terminal.step().unwrap(), 1);
    wait_for("k2's answer to reach the caller", LIMIT, || site.outcome("k2").is_some());
    wait_for("k2's answer to be cleaned up", LIMIT, || site.files("res").is_empty());
    let pair = |kind: &str, id: &str| (kind.to_owned(), id.to_owned());
    assert_eq!(
        journal_shape(&site),
        [pair("Sequence", "2"), pair("Pending", "k2"), pair("Submitted", "k2"), pair("Answered", "k2")]
    );
    assert!(!side.exists());
    assert!(site.files("req").is_empty(), "nothing was sent again");
    assert_eq!(terminal.processed(), 2);
    assert!(site.state().join("answers").join("k2.xml").exists());
}

#[test]
fn killed_while_compacting_before_the_rename_it_recovers_to_the_compacted_state() {
    killed_while_compacting("before-rename");
}

#[test]
fn killed_while_compacting_after_the_rename_it_recovers_to_the_compacted_state() {
    killed_while_compacting("after-rename");
}
