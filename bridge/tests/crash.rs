//! The bridge binary killed at the worst moments neither loses nor repeats a request after a restart. Each test
//! synchronises on the folders and the journal, never on elapsed time.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod common;

use std::process::{Child, Command};
use std::time::Duration;

use common::*;
use onshi_bridge::bridge::CRASH_AFTER_PENDING;

const LIMIT: Duration = Duration::from_secs(30);

fn start(site: &Site, crash_after_pending: bool) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onshi-bridge"));
    command.args(["--facility", FACILITY, "--root"]).arg(site.root()).arg("--state").arg(site.state());
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
