//! The bridge and the simulated terminal on temporary folders, stepped by hand so each test decides exactly when
//! the 連携アプリ and the bridge look at the folders.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod common;

use common::*;
use onshi_bridge::bridge::Bridge;
use onshi_bridge::link::FolderLink;
use onshi_bridge::sim::Faults;
use onshi_onsfile::document;
use onshi_onsfile::messages::{BulkResult, QualificationAnswer};
use onshi_onsfile::verdict::{Verdict, unit_verdict};
use onshi_proto::qualification::Validity;

fn bridge(site: &Site, tune: impl FnOnce(&mut onshi_bridge::bridge::Options)) -> Bridge<FolderLink> {
    let mut options = site.options();
    tune(&mut options);
    Bridge::open(options, FolderLink::new(&site.link()).unwrap()).unwrap()
}

#[test]
fn by_number_check_goes_out_as_shift_jis_req_and_is_answered_from_res() {
    let site = Site::new();
    let terminal = site.terminal(3);
    let mut bridge = bridge(&site, |_| {});
    site.submit("c1", "OQSsiquc01req", &check_request("00001"));
    bridge.step().unwrap();

    let req = site.files("req");
    assert_eq!(req.len(), 1);
    assert!(req[0].starts_with("OQSsiquc01req_") && req[0].ends_with("0001.xml"), "{req:?}");
    let bytes = std::fs::read(site.root().join("req").join(&req[0])).unwrap();
    assert!(is_shift_jis_xml(&bytes));
    assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\""));

    assert_eq!(terminal.step().unwrap(), 1);
    assert_eq!(site.files("res").len(), 1);
    bridge.step().unwrap();

    let answer = document::read::<QualificationAnswer>(&site.outcome("c1").unwrap()).unwrap();
    let Verdict::Valid(record) = answer.message.verdict() else { panic!("{:?}", answer.message.verdict()) };
    assert_eq!(record.number.as_deref(), Some("00001"));
    assert_eq!(record.name.as_deref(), Some("診療　太郎"));
    // Our answer file is cleaned up once stored; nothing is left in req.
    assert!(site.files("res").is_empty());
    assert!(site.files("req").is_empty());
    assert_eq!(count(&site.journal(), "\"Answered\""), 1);
}

#[test]
fn bulk_pre_check_of_1000_rows_runs_both_phases_with_a_zip_answer() {
    let site = Site::new();
    let terminal = site.terminal(1000);
    let mut bridge = bridge(&site, |_| {});
    site.submit("bulk1", "OQSmuquc01req", &bulk_request(1000));
    bridge.step().unwrap();
    assert!(site.files("req")[0].starts_with("OQSmuquc01req_"));
    terminal.step().unwrap();
    bridge.step().unwrap(); // takes the upload result and publishes phase 2
    let req = site.files("req");
    assert_eq!(req.len(), 1);
    assert!(req[0].starts_with("OQSmuquc02req_"), "{req:?}");
    assert!(site.outcome("bulk1").is_none(), "phase 1 alone is not the outcome");
    terminal.step().unwrap();
    let res = site.files("res");
    assert!(res.len() == 1 && res[0].starts_with("OQSmuquc02res_") && res[0].ends_with(".zip"), "{res:?}");
    bridge.step().unwrap();

    let result = document::read::<BulkResult>(&site.outcome("bulk1").unwrap()).unwrap();
    let units = result.message.body.0.unwrap().units;
    assert_eq!(units.len(), 1000);
    for (i, unit) in units.iter().enumerate() {
        let row = unit.search.0.as_ref().unwrap().row_identifier.clone().unwrap();
        assert_eq!(row, format!("row-{i}"));
        match unit_verdict(Some(unit)) {
            Verdict::Valid(_) => assert_eq!(i % 2, 0),
            Verdict::NotValid { validity: Some(Validity::NoQualification), .. } => assert_eq!(i % 2, 1),
            other => panic!("row {i}: {other:?}"),
        }
    }
    assert!(site.files("res").is_empty());
}

#[test]
fn a_repeated_request_id_is_never_published_twice() {
    let site = Site::new();
    let terminal = site.terminal(1);
    let mut bridge = bridge(&site, |_| {});
    site.submit("same", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    site.submit("same", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    assert_eq!(site.files("req").len(), 1);
    terminal.step().unwrap();
    bridge.step().unwrap();
    site.submit("same", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    assert!(site.files("req").is_empty());
    assert_eq!(terminal.processed(), 1);
    assert_eq!(count(&site.journal(), "\"Pending\""), 1);
}

#[test]
fn a_half_written_answer_waits_for_the_rest() {
    let site = Site::new();
    let terminal = site.terminal(1);
    let mut bridge = bridge(&site, |_| {});
    site.submit("p1", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    terminal.step().unwrap();
    let name = site.files("res").remove(0);
    let path = site.root().join("res").join(&name);
    let whole = std::fs::read(&path).unwrap();
    std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
    bridge.step().unwrap();
    assert!(site.outcome("p1").is_none());
    assert!(path.exists(), "an incomplete answer is left where it is");
    std::fs::write(&path, &whole).unwrap();
    bridge.step().unwrap();
    assert!(site.outcome("p1").is_some());
}

#[test]
fn an_unanswered_request_becomes_uncertain_is_not_resent_and_a_late_answer_is_still_taken() {
    let site = Site::new();
    let terminal = site.terminal(1);
    terminal.set_faults(Faults { stalled: true, ..Faults::default() });
    let mut bridge = bridge(&site, |o| o.config.answer_timeout_ms = 0);
    site.submit("u1", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    assert!(site.link().join("out/u1.uncertain.txt").exists());
    site.submit("u1", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    assert_eq!(site.files("req").len(), 1, "never sent again after an uncertain outcome");
    terminal.set_faults(Faults::default());
    terminal.step().unwrap();
    bridge.step().unwrap();
    assert!(site.outcome("u1").is_some());
    assert_eq!(terminal.processed(), 1);
}

#[test]
fn a_terminal_error_code_reaches_the_caller_as_an_answer() {
    let site = Site::new();
    let terminal = site.terminal(1);
    terminal.set_faults(Faults { error_code: Some("EQ001".into()), ..Faults::default() });
    let mut bridge = bridge(&site, |_| {});
    site.submit("e1", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    terminal.step().unwrap();
    bridge.step().unwrap();
    let answer = document::read::<QualificationAnswer>(&site.outcome("e1").unwrap()).unwrap();
    assert!(matches!(answer.message.verdict(), Verdict::Error { code: Some(code), .. } if code == "EQ001"));
}

#[test]
fn a_stalled_link_app_is_reported_and_clears_when_it_resumes() {
    let site = Site::new();
    let terminal = site.terminal(1);
    terminal.set_faults(Faults { stalled: true, ..Faults::default() });
    let mut bridge = bridge(&site, |o| o.config.stall_after_ms = 0);
    let health = || std::fs::read_to_string(site.link().join("health.json")).unwrap_or_default();
    site.submit("s1", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    terminal.step().unwrap();
    bridge.step().unwrap();
    assert!(health().contains("\"link_app_stalled_ms\": "), "{}", health());
    assert!(health().contains("\"waiting_in_req\": 1"));
    terminal.set_faults(Faults::default());
    terminal.step().unwrap();
    bridge.step().unwrap();
    assert!(!health().contains("\"link_app_stalled_ms\""), "{}", health());
}

#[test]
fn reader_results_in_face_are_passed_on_once_and_never_removed() {
    let site = Site::new();
    let terminal = site.terminal(1);
    let mut bridge = bridge(&site, |_| {});
    let name = terminal.reader_check(population(1).remove(0), "000").unwrap();
    bridge.step().unwrap();
    bridge.step().unwrap();
    let passed = std::fs::read(site.link().join("face").join(&name)).unwrap();
    assert!(is_shift_jis_xml(&passed));
    assert!(site.root().join("face").join(&name).exists(), "face files belong to other programs too");
    assert_eq!(count(&site.journal(), "\"Face\""), 1);
    // A restarted bridge does not pass it on again.
    drop(bridge);
    std::fs::remove_file(site.link().join("face").join(&name)).unwrap();
    let mut bridge = self::bridge(&site, |_| {});
    bridge.step().unwrap();
    assert!(!site.link().join("face").join(&name).exists());
}

#[test]
fn face_silence_in_opening_hours_is_reported() {
    let site = Site::new();
    let mut bridge = bridge(&site, |o| {
        o.config.face_silence_ms = 0;
        o.opening = Some((0, 24 * 60));
    });
    bridge.step().unwrap();
    let health = std::fs::read_to_string(site.link().join("health.json")).unwrap();
    assert!(health.contains("\"face_silent_ms\": "), "{health}");
}

#[test]
fn an_unreachable_terminal_share_is_reported_takes_no_request_and_recovers() {
    let site = Site::new();
    let terminal = site.terminal(1);
    let mut bridge = bridge(&site, |_| {});
    let health = || std::fs::read_to_string(site.link().join("health.json")).unwrap_or_default();
    let away = site.dir.path().join("oqs-away");
    std::fs::rename(site.root(), &away).unwrap();
    site.submit("n1", "OQSsiquc01req", &check_request("00000"));
    bridge.step().unwrap();
    assert!(health().contains("\"terminal_unreachable\": true"), "{}", health());
    assert!(site.link().join("in/n1.OQSsiquc01req.xml").exists(), "the request waits with the caller");
    std::fs::rename(&away, site.root()).unwrap();
    bridge.step().unwrap();
    assert!(health().contains("\"terminal_unreachable\": false"), "{}", health());
    terminal.step().unwrap();
    bridge.step().unwrap();
    assert!(site.outcome("n1").is_some());
}

#[test]
fn a_bulk_result_not_ready_yet_is_asked_for_again_not_delivered() {
    let site = Site::new();
    let terminal = site.terminal(10);
    terminal.set_faults(Faults { bulk_not_ready: 1, ..Faults::default() });
    let mut bridge = bridge(&site, |o| o.config.bulk_retry_ms = 0);
    site.submit("b2", "OQSmuquc01req", &bulk_request(10));
    bridge.step().unwrap();
    terminal.step().unwrap(); // upload accepted
    bridge.step().unwrap(); // first download request
    terminal.step().unwrap(); // 処理中
    bridge.step().unwrap(); // not the outcome; a second download request
    assert!(site.outcome("b2").is_none(), "処理中 is not a result");
    let req = site.files("req");
    assert!(req.len() == 1 && req[0].starts_with("OQSmuquc02req_"), "{req:?}");
    terminal.step().unwrap(); // the ZIP result
    bridge.step().unwrap();
    let result = document::read::<BulkResult>(&site.outcome("b2").unwrap()).unwrap();
    assert_eq!(result.message.body.0.unwrap().units.len(), 10);
    assert_eq!(terminal.processed(), 3, "upload, 処理中, result");
    bridge.step().unwrap();
    assert!(site.files("req").is_empty(), "nothing more is asked once the result is in");
}
