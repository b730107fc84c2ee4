//! Staff's bulk pre-check through the facility's bridge, run natively against in-memory ports (the test plays the
//! facility's store and its bridge): rows go to the staff session's own facility's bridge and its progress reads
//! 送信済, 端末処理中 and then the rows' outcomes, handed over once; without a link nothing is kept or counted; too many
//! rows or a row that does not check is refused before anything is handed over; another facility's session finds
//! nothing; a silent terminal ends as no answer and nothing is sent again; each row is a by-number try against its
//! person, so lists cannot search for a birth date; uploads are limited per facility; and the edge logs nothing of
//! the rows.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::staff_terminal_bulk::{BULK_UPLOADS_PER_DAY, BULK_WAIT_SECS, BulkJob};
use onshi_edge::api::{EdgeApi, EdgePorts};
use onshi_proto::ErrorCode;
use onshi_proto::bridge_bulk::{
    BulkProgress, BulkRowOutcome, BulkTicket, MAX_BULK_ROWS, STAFF_TERMINAL_BULK_PATH, STAFF_TERMINAL_BULK_STATUS_PATH,
};
use onshi_proto::bridge_link::{TerminalAsk, TerminalOutcome, ToBridge};
use onshi_proto::qualification::Percent;
use onshi_proto::qualification::Validity;

mod support;

use support::*;

/// An upload of one row per (番号, 生年月日), under one insurer, 記号 and 枝番.
fn upload_of(rows: &[(&str, &str)]) -> Vec<u8> {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|(number, birth_date)| {
            serde_json::json!({
                "insurer_number": "06130017", "symbol": "記号", "number": number, "branch": "01",
                "birth_date": birth_date
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "rows": rows })).unwrap()
}

/// An upload of `rows` people, numbered 00000.., each born on 1980-01-15.
fn upload(rows: usize) -> Vec<u8> {
    let numbers: Vec<String> = (0..rows).map(|i| format!("{i:05}")).collect();
    upload_of(&numbers.iter().map(|number| (number.as_str(), "1980-01-15")).collect::<Vec<_>>())
}

fn send_bulk<P: EdgePorts>(api: &EdgeApi<'_, P>, staff: &StaffDesk, body: &[u8]) -> Result<BulkTicket, EdgeError> {
    block_on(api.staff_terminal_bulk(&staff.request("POST", STAFF_TERMINAL_BULK_PATH, body, NOW)))
}

fn status<P: EdgePorts>(
    api: &EdgeApi<'_, P>,
    staff: &StaffDesk,
    ticket: &BulkTicket,
    now: i64,
) -> Result<BulkProgress, EdgeError> {
    let body = serde_json::to_vec(ticket).unwrap();
    block_on(api.staff_terminal_bulk_status(&staff.request("POST", STAFF_TERMINAL_BULK_STATUS_PATH, &body, now)))
}

/// The bridge's side, as the store records it: the request of `ticket` at `facility` is now `job`.
fn bridge_says(ports: &FakePorts, facility: &str, ticket: &BulkTicket, job: BulkJob) {
    ports.bulk_jobs.borrow_mut().insert((facility.to_owned(), ticket.id.as_str().to_owned()), job);
}

#[test]
fn rows_go_to_the_facilitys_own_bridge_and_staff_read_sent_processing_and_the_rows_once() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    ports.bridge_links.borrow_mut().insert(OTHER_FACILITY.to_owned());

    let ticket = send_bulk(&api, &staff, &upload(3)).unwrap();
    let asked = ports.bridge_asked.borrow().clone();
    assert_eq!(asked.len(), 1);
    let (facility, ToBridge::Request { id, ask: TerminalAsk::Bulk { rows } }, _) = &asked[0] else {
        panic!("a bulk pre-check is asked as one")
    };
    assert_eq!(facility, FACILITY, "the staff session's facility, never another's");
    assert_eq!(id, &ticket.id);
    let numbers: Vec<&str> = rows.rows().iter().map(|row| row.number.as_str()).collect();
    assert_eq!(numbers, ["00000", "00001", "00002"], "in the order of the upload");

    assert_eq!(status(&api, &staff, &ticket, NOW + 1), Ok(BulkProgress::Sent));
    bridge_says(&ports, FACILITY, &ticket, BulkJob::Acknowledged { since: NOW });
    assert_eq!(status(&api, &staff, &ticket, NOW + 2), Ok(BulkProgress::TerminalProcessing));
    let valid = BulkRowOutcome::Answered {
        validity: Validity::Valid,
        contribution_percent: Some(Percent::literal(30)),
        limit_category: None,
    };
    let rows = vec![valid.clone(), BulkRowOutcome::Failed, valid];
    let outcome = TerminalOutcome::BulkAnswered { rows: rows.clone() };
    bridge_says(&ports, FACILITY, &ticket, BulkJob::Ended { outcome });
    assert_eq!(status(&api, &staff, &ticket, NOW + 3), Ok(BulkProgress::Done { rows }));
    assert_eq!(status(&api, &staff, &ticket, NOW + 4), Err(EdgeError::NotFound), "the edge keeps no outcome");

    // Each upload has its own id: the bridge keeps each once.
    let second = send_bulk(&api, &staff, &upload(1)).unwrap();
    assert_ne!(second.id, ticket.id);
    assert!(ports.sent.borrow().is_empty(), "onshi's origin was not asked");
    let logged = format!("{:?}{:?}", ports.audit.borrow(), ports.warnings.borrow());
    for personal in ["記号", "06130017", "00001", "1980"] {
        assert!(!logged.contains(personal), "{personal} was logged: {logged}");
    }
    assert!(logged.contains("staff_terminal_bulk"), "{logged}");
}

#[test]
fn without_a_link_nothing_is_kept_or_counted_and_staff_are_told_so() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    // Another facility's link opens nothing here.
    ports.bridge_links.borrow_mut().insert(OTHER_FACILITY.to_owned());
    let uploads_counted = || -> u32 {
        let counters = ports.counters.borrow();
        counters.iter().filter(|((name, _), _)| name.contains("bulk:")).map(|(_, count)| count).sum()
    };
    for _ in 0..3 {
        assert_eq!(send_bulk(&api, &staff, &upload(2)).unwrap_err(), EdgeError::BridgeNotConnected);
    }
    assert_eq!(EdgeError::BridgeNotConnected.code(), ErrorCode::BridgeNotConnected);
    assert!(ports.bridge_asked.borrow().is_empty(), "nothing was handed to any bridge");
    assert!(ports.bulk_jobs.borrow().is_empty());
    assert_eq!(uploads_counted(), 0);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    send_bulk(&api, &staff, &upload(2)).unwrap();
    assert_eq!(uploads_counted(), 1, "the counter is the one an upload moves");
}

#[test]
fn too_many_rows_none_or_a_row_that_does_not_check_is_refused_before_anything_is_handed_over() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());

    let refused = send_bulk(&api, &staff, &upload(MAX_BULK_ROWS + 1)).unwrap_err();
    assert_eq!(refused, EdgeError::TooManyRows);
    assert_eq!((refused.code(), refused.http_status()), (ErrorCode::TooManyRows, 413));
    assert_eq!(send_bulk(&api, &staff, &upload(0)).unwrap_err(), EdgeError::TooManyRows);
    let bad_digit = String::from_utf8(upload(2)).unwrap().replacen("06130017", "06130018", 1);
    assert_eq!(send_bulk(&api, &staff, bad_digit.as_bytes()).unwrap_err(), EdgeError::BadRequest);
    let with_a_name = String::from_utf8(upload(1)).unwrap().replacen("\"number\"", "\"name\":\"診療\",\"number\"", 1);
    assert_eq!(send_bulk(&api, &staff, with_a_name.as_bytes()).unwrap_err(), EdgeError::BadRequest);
    assert!(ports.bridge_asked.borrow().is_empty(), "a refused upload never reaches the bridge");

    // The most rows an upload may hold go through whole.
    send_bulk(&api, &staff, &upload(MAX_BULK_ROWS)).unwrap();
    let asked = ports.bridge_asked.borrow();
    let ToBridge::Request { ask: TerminalAsk::Bulk { rows }, .. } = &asked[0].1 else { panic!("a bulk request") };
    assert_eq!(rows.rows().len(), MAX_BULK_ROWS);
}

#[test]
fn another_facilitys_session_finds_nothing_and_a_kiosk_may_not_ask() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    let elsewhere = staff_desk(&api, OTHER_FACILITY, 32);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    ports.bridge_links.borrow_mut().insert(OTHER_FACILITY.to_owned());

    let ticket = send_bulk(&api, &staff, &upload(2)).unwrap();
    let outcome = TerminalOutcome::BulkAnswered { rows: vec![BulkRowOutcome::Failed; 2] };
    bridge_says(&ports, FACILITY, &ticket, BulkJob::Ended { outcome });
    assert_eq!(status(&api, &elsewhere, &ticket, NOW + 1), Err(EdgeError::NotFound));
    assert!(matches!(status(&api, &staff, &ticket, NOW + 2), Ok(BulkProgress::Done { .. })), "still there for its own");

    let kiosk = enrolled_kiosk(&api, 3);
    let one = upload(1);
    let request = kiosk.request_with("POST", STAFF_TERMINAL_BULK_PATH, &one, NOW);
    assert_eq!(block_on(api.staff_terminal_bulk(&request)).unwrap_err(), EdgeError::DeviceRoleForbidden);
    let mut no_token = staff.request("POST", STAFF_TERMINAL_BULK_PATH, &one, NOW);
    no_token.authorization = None;
    assert_eq!(block_on(api.staff_terminal_bulk(&no_token)).unwrap_err().code(), ErrorCode::SessionInvalid);
    assert_eq!(ports.bridge_asked.borrow().len(), 1, "only the first upload reached a bridge");
}

#[test]
fn a_silent_terminal_ends_as_no_answer_and_is_never_sent_again() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());

    let ticket = send_bulk(&api, &staff, &upload(2)).unwrap();
    bridge_says(&ports, FACILITY, &ticket, BulkJob::Acknowledged { since: NOW });
    // Staff keep asking (which keeps their session open) while the terminal says nothing.
    for minutes in (10..=30).step_by(10) {
        let progress = status(&api, &staff, &ticket, NOW + minutes * 60);
        assert_eq!(progress, Ok(BulkProgress::TerminalProcessing), "{minutes} min");
    }
    assert_eq!(BULK_WAIT_SECS, 30 * 60);
    assert_eq!(status(&api, &staff, &ticket, NOW + BULK_WAIT_SECS + 1), Ok(BulkProgress::NoAnswer));
    assert!(ports.bulk_jobs.borrow().is_empty(), "the store forgets it");
    // The bridge said the terminal may have processed it: no answer, too.
    let again = send_bulk(&api, &staff, &upload(2)).unwrap();
    bridge_says(&ports, FACILITY, &again, BulkJob::Ended { outcome: TerminalOutcome::Uncertain });
    assert_eq!(status(&api, &staff, &again, NOW + 1), Ok(BulkProgress::NoAnswer));
    assert_eq!(ports.bridge_asked.borrow().len(), 2, "each upload was handed over once, and no status call resent one");
}

#[test]
fn each_row_is_a_try_against_its_person_so_a_list_cannot_search_for_a_birth_date() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 31);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());

    // One list naming a person twice, with two birth dates, is refused before anything is counted or handed over.
    let twice = upload_of(&[("00007", "1980-01-01"), ("00008", "1980-01-15"), ("00007", "1980-01-02")]);
    assert_eq!(send_bulk(&api, &staff, &twice).unwrap_err(), EdgeError::BadRequest);
    assert!(ports.bridge_asked.borrow().is_empty());
    assert!(ports.counters.borrow().keys().all(|(name, _)| !name.contains("tries:")), "no try was counted");

    // Guessing across lists: each list tries one birth date against 00007 beside a patient of its own.
    let guesses = ["1980-01-01", "1980-01-02", "1980-01-03", "1980-01-04", "1980-01-05"];
    for (i, guess) in guesses.iter().enumerate() {
        let other = format!("1{i:04}");
        send_bulk(&api, &staff, &upload_of(&[("00007", guess), (&other, "1980-01-15")])).unwrap();
    }
    let sixth = upload_of(&[("00007", "1980-01-06"), ("20000", "1980-01-15")]);
    assert_eq!(send_bulk(&api, &staff, &sixth).unwrap_err(), EdgeError::RateLimited("by-number subject"));
    assert_eq!(EdgeError::RateLimited("by-number subject").code(), ErrorCode::RateLimited);
    assert_eq!(ports.bridge_asked.borrow().len(), guesses.len(), "the sixth list reached no bridge");
    // The person's tries are the by-number checks' own: staff cannot try them by hand either.
    let by_hand = serde_json::to_vec(&serde_json::json!({
        "insurer_number": "06130017", "symbol": "記号", "number": "00007", "branch": "01", "birth_date": "1980-01-06"
    }))
    .unwrap();
    let request = staff.request("POST", "/api/v1/staff/qualification/by-number", &by_hand, NOW);
    assert_eq!(
        block_on(api.staff_qualification_by_number(&request)).unwrap_err(),
        EdgeError::RateLimited("by-number subject")
    );
    assert!(ports.sent.borrow().is_empty(), "the origin was never asked");
    // A list of other people still goes.
    send_bulk(&api, &staff, &upload_of(&[("30000", "1980-01-15")])).unwrap();
    // The store holds no insured number in the counters' names.
    let names = format!("{:?}", ports.counters.borrow().keys().collect::<Vec<_>>());
    assert!(!names.contains("00007") && !names.contains("06130017"), "{names}");
}

#[test]
fn uploads_are_limited_per_facility() {
    let config = config_with(&[]);
    let ports = FakePorts::new(no_origin());
    let api = EdgeApi::new(&config, &ports);
    let first = staff_desk(&api, FACILITY, 31);
    let second = staff_desk(&api, FACILITY, 33);
    ports.bridge_links.borrow_mut().insert(FACILITY.to_owned());
    // Each upload a list of its own people, so only the uploads are counted against a limit.
    let list = |i: u32| upload_of(&[(&format!("{i:05}"), "1980-01-15")]);
    for i in 0..BULK_UPLOADS_PER_DAY {
        let desk = if i % 2 == 0 { &first } else { &second };
        send_bulk(&api, desk, &list(i)).unwrap();
    }
    let more = BULK_UPLOADS_PER_DAY;
    assert_eq!(send_bulk(&api, &second, &list(more)).unwrap_err(), EdgeError::RateLimited("bulk uploads"));
    assert_eq!(send_bulk(&api, &first, &list(more + 1)).unwrap_err(), EdgeError::RateLimited("bulk uploads"));
    assert_eq!(ports.bridge_asked.borrow().len(), BULK_UPLOADS_PER_DAY as usize);
}
