//! The bridge's WebSocket link and staff's by-number check through the national terminal, run natively against
//! in-memory ports: only an enrolled bridge opens its facility's link, with a fresh proof (a kiosk's, a staff
//! console's, a replayed one are refused); a check asked while the facility's bridge holds its link goes to that
//! facility's bridge and answers with what the terminal said, counted as any by-number check; without a link
//! nothing is counted and staff are told to ask onshi; a terminal that does not answer is a timeout, never a guess;
//! and the edge logs nothing of the person. Staff close an uncertain request on their own facility's bridge only,
//! from a staff console, audited by its id; and they read the uncertain requests their bridge listed.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::bridge::TerminalReply;
use onshi_edge::api::{EdgeApi, EdgePorts};
use onshi_proto::ErrorCode;
use onshi_proto::bridge_health::{BRIDGE_HEALTH_PATH, STAFF_BRIDGE_PATH, STAFF_BRIDGE_SETTLE_PATH};
use onshi_proto::bridge_link::{
    BRIDGE_LINK_PATH, STAFF_TERMINAL_BY_NUMBER_PATH, STAFF_TERMINAL_REFERENCE_PATH, SettleRefusal, TerminalAnswer,
    TerminalAsk, TerminalFailure, TerminalOutcome, ToBridge,
};
use onshi_proto::qualification::Validity;
use onshi_proto::record_text::RecordText;

mod support;

use support::*;

fn bridge_of<P: EdgePorts>(api: &EdgeApi<'_, P>, facility: &str, seed: u8) -> Kiosk {
    device_enrolled_with(api, seed, &serde_json::json!({ "facility_code": facility, "role": "bridge" }))
}

fn terminal_check<P: EdgePorts>(
    api: &EdgeApi<'_, P>,
    staff: &StaffDesk,
    number: &str,
) -> Result<TerminalAnswer, EdgeError> {
    let body = serde_json::to_vec(&serde_json::json!({
        "insurer_number": "06130017", "symbol": "記号", "number": number, "branch": "01", "birth_date": "1980-01-15"
    }))
    .unwrap();
    block_on(api.staff_terminal_by_number(&staff.request("POST", STAFF_TERMINAL_BY_NUMBER_PATH, &body, NOW)))
}

/// A terminal that knows one person, 00001, and answers the others 該当資格なし.
fn terminal() -> BridgeScript {
    Box::new(|request| {
        let ToBridge::Request { ask: TerminalAsk::ByNumber { number, .. }, .. } = request else {
            return TerminalReply::Outcome { outcome: TerminalOutcome::Uncertain };
        };
        let mut answer = TerminalAnswer::new(Some(NOW), Validity::NoQualification);
        if number.as_str() == "00001" {
            answer.validity = Validity::Valid;
            answer.name = Some(RecordText::parse("診療　太郎").unwrap());
        }
        TerminalReply::Outcome { outcome: TerminalOutcome::Answered { answer } }
    })
}

#[test]
fn only_an_enrolled_bridge_opens_its_facilitys_link_and_only_once_per_proof() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let bridge = bridge_of(&api, FACILITY, 7);
    let other = bridge_of(&api, OTHER_FACILITY, 8);
    let kiosk = enrolled_kiosk(&api, 3);
    let console = enrolled_staff_console(&api, FACILITY, 4);

    let upgrade = bridge.request_with("GET", BRIDGE_LINK_PATH, b"", NOW);
    assert_eq!(block_on(api.open_bridge_link(&upgrade)).unwrap().as_str(), FACILITY);
    let elsewhere = other.request_with("GET", BRIDGE_LINK_PATH, b"", NOW);
    assert_eq!(block_on(api.open_bridge_link(&elsewhere)).unwrap().as_str(), OTHER_FACILITY, "its own store only");

    let replayed = block_on(api.open_bridge_link(&upgrade));
    assert_eq!(replayed.unwrap_err().code(), ErrorCode::Unauthorized, "a proof opens one link");
    for device in [&kiosk, &console] {
        let refused = block_on(api.open_bridge_link(&device.request_with("GET", BRIDGE_LINK_PATH, b"", NOW)));
        assert_eq!(refused.unwrap_err(), EdgeError::DeviceRoleForbidden);
    }
    let mut unsigned = bridge.request_with("GET", BRIDGE_LINK_PATH, b"", NOW);
    unsigned.device_proof.signature = None;
    assert_eq!(block_on(api.open_bridge_link(&unsigned)).unwrap_err().code(), ErrorCode::Unauthorized);
    // A proof made an hour before it arrives.
    let mut stale = bridge.request_with("GET", BRIDGE_LINK_PATH, b"", NOW - 3600);
    stale.now_unix = NOW;
    assert_eq!(block_on(api.open_bridge_link(&stale)).unwrap_err().code(), ErrorCode::Unauthorized);
    // A proof signed for another path does not open the link.
    let mut other_path = bridge.request_with("GET", "/api/v1/device", b"", NOW);
    other_path.path = BRIDGE_LINK_PATH;
    assert_eq!(block_on(api.open_bridge_link(&other_path)).unwrap_err().code(), ErrorCode::Unauthorized);
    let audited = ports.audit.borrow().iter().filter(|line| line.contains("bridge_link")).count();
    assert_eq!(audited, 8, "every attempt writes one audit event");
}

#[test]
fn a_check_goes_to_the_facilitys_own_bridge_and_answers_with_what_the_terminal_said() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    ports.bridge_links.borrow_mut().insert(OTHER_FACILITY.to_owned());
    *ports.bridge_script.borrow_mut() = Some(terminal());

    let answer = terminal_check(&api, &staff, "00001").unwrap();
    assert_eq!((answer.validity, answer.name.unwrap().as_str()), (Validity::Valid, "診療　太郎"));
    let asked = ports.bridge_asked.borrow().clone();
    assert_eq!(asked.len(), 1);
    let (facility, ToBridge::Request { id, ask: TerminalAsk::ByNumber { insurer_number, symbol, branch, .. } }, _) =
        &asked[0]
    else {
        panic!("a by-number check is asked by number")
    };
    assert_eq!(facility, FACILITY, "the staff session's facility, never another's");
    assert_eq!((insurer_number.as_str(), symbol.as_ref().unwrap().as_str()), ("06130017", "記号"));
    assert_eq!(branch.as_ref().unwrap().as_str(), "01");

    // Each request has its own id: the bridge keeps each once.
    terminal_check(&api, &staff, "00002").unwrap();
    let second = ports.bridge_asked.borrow()[1].1.id().clone();
    assert_ne!(id, &second);
    assert!(ports.sent.borrow().is_empty(), "onshi's origin was not asked");
    let logged = format!("{:?}{:?}", ports.audit.borrow(), ports.warnings.borrow());
    for personal in ["診療", "06130017", "00001", "1980"] {
        assert!(!logged.contains(personal), "{personal} was logged: {logged}");
    }
    assert!(logged.contains("staff_terminal_by_number"), "{logged}");
}

#[test]
fn without_a_link_nothing_is_counted_and_staff_are_told_to_ask_onshi() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    *ports.bridge_script.borrow_mut() = Some(terminal());
    // Another facility's link opens nothing here.
    ports.bridge_links.borrow_mut().insert(OTHER_FACILITY.to_owned());
    // The console's proof is counted as every device call is; the staff session's calls, the facility's staff
    // calls and the subject's tries are not.
    let staff_counted = || -> u32 {
        let counters = ports.counters.borrow();
        counters
            .iter()
            .filter(|((name, _), _)| ["rate:staff", "tries:", "misses:"].iter().any(|kind| name.contains(kind)))
            .map(|(_, count)| count)
            .sum()
    };
    let counted_before = staff_counted();
    for _ in 0..8 {
        assert_eq!(terminal_check(&api, &staff, "00001").unwrap_err(), EdgeError::BridgeNotConnected);
    }
    assert_eq!(staff_counted(), counted_before, "no session or subject counter moved");
    assert!(ports.bridge_asked.borrow().is_empty());
    // Once the link is open, the same check is counted.
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    terminal_check(&api, &staff, "00001").unwrap();
    assert!(staff_counted() > counted_before, "the counters are the ones a check moves");
}

#[test]
fn a_terminal_that_does_not_answer_is_a_timeout_and_a_failure_is_said_as_one() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    for (reply, error) in [
        (TerminalReply::TimedOut, EdgeError::TerminalTimeout),
        (TerminalReply::Outcome { outcome: TerminalOutcome::Uncertain }, EdgeError::TerminalTimeout),
        (
            TerminalReply::Outcome { outcome: TerminalOutcome::Failed { code: TerminalFailure::TerminalError } },
            EdgeError::TerminalFailed,
        ),
        (TerminalReply::NotConnected, EdgeError::BridgeNotConnected),
    ] {
        let said = reply.clone();
        *ports.bridge_script.borrow_mut() = Some(Box::new(move |_| said.clone()));
        assert_eq!(terminal_check(&api, &staff, "00001").unwrap_err(), error, "{reply:?}");
    }
    assert_eq!(EdgeError::TerminalTimeout.code().http_status(), 504);
    // The wait is bounded, so a staff call never hangs on a silent terminal.
    assert!(ports.bridge_asked.borrow().iter().all(|(_, _, wait)| (1..=30_000).contains(wait)));
}

#[test]
fn the_terminal_path_keeps_the_by_number_limits() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    *ports.bridge_script.borrow_mut() = Some(terminal());
    // A session that finds nobody five times checks by number no more today, by either path.
    for number in ["10", "11", "12", "13", "14"] {
        assert_eq!(terminal_check(&api, &staff, number).unwrap().validity, Validity::NoQualification);
    }
    assert_eq!(terminal_check(&api, &staff, "00001").unwrap_err(), EdgeError::RateLimited("by-number misses"));
    assert_eq!(ports.bridge_asked.borrow().len(), 5, "a refused check never reaches the bridge");
    let bad = br#"{"insurer_number":"06130018","number":"1","birth_date":"1980-01-15"}"#;
    let refused =
        block_on(api.staff_terminal_by_number(&staff.request("POST", STAFF_TERMINAL_BY_NUMBER_PATH, bad, NOW)));
    assert_eq!(refused.unwrap_err(), EdgeError::BadRequest);
}

fn register_reference<P: EdgePorts>(
    api: &EdgeApi<'_, P>,
    staff: &StaffDesk,
    body: &serde_json::Value,
) -> Result<onshi_proto::bridge_link::ReferenceRegistered, EdgeError> {
    let body = serde_json::to_vec(body).unwrap();
    block_on(api.staff_terminal_reference(&staff.request("POST", STAFF_TERMINAL_REFERENCE_PATH, &body, NOW)))
}

#[test]
fn a_reference_registration_goes_to_the_facilitys_bridge_naming_the_face_file_only_and_is_refused_otherwise() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    let body = serde_json::json!({ "face_file": "OQSsiquc01res_face_7.xml", "reference_number": "P-1001" });

    // Without the facility's link, nothing is asked or counted.
    ports.bridge_links.borrow_mut().insert(OTHER_FACILITY.to_owned());
    assert_eq!(register_reference(&api, &staff, &body).unwrap_err(), EdgeError::BridgeNotConnected);
    assert!(ports.bridge_asked.borrow().is_empty());

    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    let outcome = std::rc::Rc::new(std::cell::RefCell::new(TerminalOutcome::Registered));
    let scripted = outcome.clone();
    *ports.bridge_script.borrow_mut() =
        Some(Box::new(move |_: &ToBridge| TerminalReply::Outcome { outcome: scripted.borrow().clone() }));
    assert!(register_reference(&api, &staff, &body).unwrap().registered);
    let asked = ports.bridge_asked.borrow().clone();
    let [(facility, ToBridge::Request { ask: TerminalAsk::RegisterReference { face_file, reference_number }, .. }, _)] =
        asked.as_slice()
    else {
        panic!("one registration asked: {asked:?}")
    };
    assert_eq!(facility, FACILITY);
    assert_eq!((face_file.as_str(), reference_number.as_str()), ("OQSsiquc01res_face_7.xml", "P-1001"));

    // What the terminal says is what staff are told: an uncertain one is a timeout, never a guess.
    for (said, refused) in [
        (TerminalOutcome::Uncertain, EdgeError::TerminalTimeout),
        (TerminalOutcome::Failed { code: TerminalFailure::NotSubmitted }, EdgeError::TerminalFailed),
        (TerminalOutcome::Answered { answer: TerminalAnswer::new(None, Validity::Valid) }, EdgeError::TerminalFailed),
    ] {
        *outcome.borrow_mut() = said;
        assert_eq!(register_reference(&api, &staff, &body).unwrap_err(), refused);
    }
    // A body that does not check, or says more, is refused before the bridge is asked.
    let before = ports.bridge_asked.borrow().len();
    for bad in [
        serde_json::json!({ "face_file": "../x.xml", "reference_number": "P-1001" }),
        serde_json::json!({ "face_file": "f.xml", "reference_number": "患者1001" }),
        serde_json::json!({ "face_file": "f.xml", "reference_number": "P-1", "name": "診療" }),
    ] {
        assert_eq!(register_reference(&api, &staff, &bad).unwrap_err().code(), ErrorCode::BadRequest, "{bad}");
    }
    assert_eq!(ports.bridge_asked.borrow().len(), before);
    let logged = format!("{:?}{:?}", ports.audit.borrow(), ports.warnings.borrow());
    assert!(!logged.contains("P-1001") && !logged.contains("face_7"), "{logged}");
    assert!(logged.contains("staff_terminal_reference"), "{logged}");
}

fn settle<P: EdgePorts>(
    api: &EdgeApi<'_, P>,
    staff: &StaffDesk,
    id: &str,
) -> Result<onshi_proto::bridge_link::Settled, EdgeError> {
    let body = serde_json::to_vec(&serde_json::json!({ "id": id })).unwrap();
    block_on(api.staff_bridge_settle(&staff.request("POST", STAFF_BRIDGE_SETTLE_PATH, &body, NOW)))
}

#[test]
fn staff_close_an_uncertain_request_on_their_own_facilitys_bridge_and_the_edge_says_what_the_bridge_said() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 41);
    let outcome = std::rc::Rc::new(std::cell::RefCell::new(TerminalOutcome::Settled));
    let scripted = outcome.clone();
    *ports.bridge_script.borrow_mut() =
        Some(Box::new(move |_: &ToBridge| TerminalReply::Outcome { outcome: scripted.borrow().clone() }));

    // No bridge linked: said so, and nothing reaches any bridge.
    assert_eq!(settle(&api, &staff, "3f9a").unwrap_err(), EdgeError::BridgeNotConnected);

    // Another facility's staff reach only their own facility's store, whose bridge is not linked.
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    let other = staff_desk(&api, OTHER_FACILITY, 42);
    let before_other = ports.bridge_asked.borrow().len();
    assert_eq!(settle(&api, &other, "3f9a").unwrap_err(), EdgeError::BridgeNotConnected);
    let asked_by_other = ports.bridge_asked.borrow()[before_other..].to_vec();
    assert!(asked_by_other.iter().all(|(facility, _, _)| facility == OTHER_FACILITY), "{asked_by_other:?}");

    // A kiosk holding a staff token is not a staff console.
    let kiosk = StaffDesk { console: enrolled_kiosk(&api, 43), bearer: staff.bearer.clone() };
    assert_eq!(settle(&api, &kiosk, "3f9a").unwrap_err(), EdgeError::DeviceRoleForbidden);
    let asked_before = ports.bridge_asked.borrow().len();

    // The facility's own staff: the bridge is handed the closing of that id, and its answer is staff's.
    assert!(settle(&api, &staff, "3f9a").unwrap().settled);
    let asked = ports.bridge_asked.borrow()[asked_before..].to_vec();
    let [(facility, ToBridge::Settle { id }, _)] = asked.as_slice() else { panic!("one closing asked: {asked:?}") };
    assert_eq!((facility.as_str(), id.as_str()), (FACILITY, "3f9a"));
    for (said, refused) in [
        (TerminalOutcome::SettleRefused { reason: SettleRefusal::NotUncertain }, ErrorCode::NotUncertain),
        (TerminalOutcome::SettleRefused { reason: SettleRefusal::Unknown }, ErrorCode::NotUncertain),
    ] {
        *outcome.borrow_mut() = said;
        let error = settle(&api, &staff, "3f9a").unwrap_err();
        assert_eq!((error.code(), error.http_status()), (refused, 409));
    }
    *ports.bridge_script.borrow_mut() = None;
    assert_eq!(settle(&api, &staff, "3f9a").unwrap_err(), EdgeError::TerminalTimeout, "the bridge did not say");

    // A body that does not check is refused before any bridge is asked.
    let before = ports.bridge_asked.borrow().len();
    for bad in ["../x", ""] {
        assert_eq!(settle(&api, &staff, bad).unwrap_err().code(), ErrorCode::BadRequest, "{bad}");
    }
    assert_eq!(ports.bridge_asked.borrow().len(), before);

    // Audited with the id and the staff actor.
    let audit = ports.audit.borrow();
    let closings: Vec<_> = audit.iter().filter(|event| event.contains("staff_bridge_settle")).collect();
    assert!(
        closings.iter().any(|event| event.contains("\"request\":\"3f9a\"") && event.contains("\"actor\":\"staff:"))
    );
}

#[test]
fn staff_read_the_uncertain_requests_their_bridge_listed() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 44);
    let bridge = bridge_of(&api, FACILITY, 45);
    let report = r#"{"uncertain":1,"uncertain_requests":[{"id":"3f9a","kind":"qualification","file":"OQSsiquc01req_202609300001.xml","written_at":1795478000,"reason":"no_answer_in_time"}]}"#;
    block_on(api.report_bridge_health(&bridge.request(BRIDGE_HEALTH_PATH, report.as_bytes(), NOW))).unwrap();
    let status = block_on(api.staff_bridge_status(&staff.request("GET", STAFF_BRIDGE_PATH, b"", NOW))).unwrap();
    let listed = status.health.unwrap().uncertain_requests;
    assert_eq!(listed.requests().len(), 1);
    assert_eq!(listed.requests()[0].file.as_str(), "OQSsiquc01req_202609300001.xml");
    assert_eq!(status.alerts, vec![onshi_proto::bridge_health::BridgeAlert::UncertainRequests]);
    // A report listing something personal is refused whole.
    let personal = report.replace(r#""reason""#, r#""name":"診療　太郎","reason""#);
    let refused = block_on(api.report_bridge_health(&bridge.request(BRIDGE_HEALTH_PATH, personal.as_bytes(), NOW)));
    assert_eq!(refused.unwrap_err(), EdgeError::BadRequest);
}
