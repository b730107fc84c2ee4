//! The bridge's WebSocket link to its facility's store at the edge, against a fake store in this process (a
//! WebSocket server on 127.0.0.1 that checks the upgrade's device proof with the bridge's key): a by-number request
//! the store hands over is acknowledged once journalled, written into `req` as Shift_JIS XML, and answered from the
//! terminal's `res`; the same request handed again writes nothing; and the bridge binary killed before its
//! acknowledgement or after submitting the request neither loses nor repeats it. A bulk pre-check goes the same
//! way through both phases (a result not ready, then a ZIP) and comes back row by row, and a 照会番号 registration
//! is written as IF-003 for the person of the face file it names and answered from IF-004. A request the terminal
//! never answers becomes Uncertain and is listed in the health; staff's closing of it through the store makes it
//! Settled (the count drops, a repeat is answered Settled, nothing is written again), and a closing of an unknown
//! or not-uncertain id is refused with its reason. Each test synchronises on messages and files, never on elapsed
//! time.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod common;

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use onshi_bridge::bridge::{Bridge, CRASH_AFTER_PENDING};
use onshi_bridge::device::{self, Device, DeviceKey};
use onshi_bridge::link::FolderLink;
use onshi_bridge::link_ws::WsLink;
use onshi_bridge::sim::Faults;
use onshi_onsfile::document;
use onshi_onsfile::messages::BulkUploadRequest;
use onshi_proto::IsoDate;
use onshi_proto::api::device_proof_message;
use onshi_proto::api::{DEVICE_ID_HEADER, DEVICE_NONCE_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIME_HEADER};
use onshi_proto::bridge_bulk::{Appointment, BulkRowOutcome};
use onshi_proto::bridge_link::{BRIDGE_LINK_PATH, FromBridge, LinkRequestId, TerminalAsk, TerminalOutcome, ToBridge};
use onshi_proto::facility::FacilityCode;
use onshi_proto::insured_number::InsuredNo;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::qualification::Percent;
use onshi_proto::qualification::Validity;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use tungstenite::{Message, WebSocket};

const DEVICE_ID: &str = "0110113719.ZmFrZS1icmlkZ2U";
const LIMIT: Duration = Duration::from_secs(30);

/// The fake store: each upgrade whose proof verifies becomes a socket the test reads and writes.
struct FakeStore {
    url: String,
    links: mpsc::Receiver<WebSocket<TcpStream>>,
}

impl FakeStore {
    #[allow(clippy::result_large_err, reason = "the handshake callback's type is tungstenite's")]
    fn start(public_key_spki: Vec<u8>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (sender, links) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                stream.set_read_timeout(Some(LIMIT)).unwrap();
                let key = public_key_spki.clone();
                let seen: Arc<Mutex<HashMap<String, String>>> = Arc::default();
                let kept = seen.clone();
                let accepted = tungstenite::accept_hdr(
                    stream,
                    move |request: &tungstenite::handshake::server::Request, response| {
                        let mut headers = kept.lock().unwrap();
                        for (name, value) in request.headers() {
                            headers.insert(name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned());
                        }
                        headers.insert(":path".into(), request.uri().path().to_owned());
                        Ok(response)
                    },
                );
                // The bridge's health reports come to the same port as plain HTTP: not links.
                let Ok(socket) = accepted else { continue };
                assert_proven(&seen.lock().unwrap(), &key);
                if sender.send(socket).is_err() {
                    return;
                }
            }
        });
        Self { url, links }
    }

    fn next_link(&self) -> WebSocket<TcpStream> {
        self.links.recv_timeout(LIMIT).unwrap()
    }
}

/// What the store checks of an upgrade: the path, the device, and the signature over `GET`, the path and no body.
fn assert_proven(headers: &HashMap<String, String>, public_key_spki: &[u8]) {
    assert_eq!(headers[":path"], BRIDGE_LINK_PATH);
    assert_eq!(headers[DEVICE_ID_HEADER], DEVICE_ID);
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(&headers[DEVICE_SIGNATURE_HEADER]).unwrap()).unwrap();
    let message =
        device_proof_message("GET", BRIDGE_LINK_PATH, &headers[DEVICE_TIME_HEADER], &headers[DEVICE_NONCE_HEADER], b"");
    let key = VerifyingKey::from_public_key_der(public_key_spki).unwrap();
    assert!(key.verify(&message, &signature).is_ok(), "the upgrade carries the bridge's proof");
}

fn ask(id: &str, number: &str) -> ToBridge {
    ToBridge::Request {
        id: LinkRequestId::parse(id).unwrap(),
        ask: TerminalAsk::ByNumber {
            insurer_number: InsurerNumber::parse(INSURER).unwrap(),
            symbol: None,
            number: InsuredNo::parse(number).unwrap(),
            branch: None,
            birth_date: IsoDate::parse("1980-01-15").unwrap(),
        },
    }
}

fn send(link: &mut WebSocket<TcpStream>, message: &ToBridge) {
    link.send(Message::text(message.to_text())).unwrap();
}

/// The next link message from the bridge (pings and pongs are skipped); `None` when the link closed.
fn receive(link: &mut WebSocket<TcpStream>) -> Option<FromBridge> {
    loop {
        match link.read() {
            Ok(Message::Text(text)) => return Some(FromBridge::read(text.as_str()).unwrap()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn ack(id: &str) -> FromBridge {
    FromBridge::Ack { id: LinkRequestId::parse(id).unwrap() }
}

fn answered(message: Option<FromBridge>, id: &str) -> onshi_proto::bridge_link::TerminalAnswer {
    match message {
        Some(FromBridge::Outcome { id: said, outcome: TerminalOutcome::Answered { answer } })
            if said.as_str() == id =>
        {
            answer
        }
        other => panic!("expected {id} answered, got {other:?}"),
    }
}

#[test]
fn a_request_from_the_store_is_acknowledged_written_as_shift_jis_and_answered_from_res() {
    let (site, store) = site_with_store();
    let terminal = site.terminal(2);
    let folder = FolderLink::new(&site.link()).unwrap();
    let link = WsLink::open(folder, &site.link(), device::load(&site.state()).unwrap().unwrap()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let (stop, options) = (stop.clone(), site.options());
        std::thread::spawn(move || Bridge::open(options, link).unwrap().run(&stop, None).unwrap())
    };
    let mut socket = store.next_link();

    send(&mut socket, &ask("t1", "00001"));
    assert_eq!(receive(&mut socket), Some(ack("t1")), "acknowledged once journalled");
    assert!(site.journal().contains("\"t\":\"Pending\",\"id\":\"edge-t1\""));
    let requests = site.files("req");
    assert_eq!(requests.len(), 1);
    assert!(requests[0].starts_with("OQSsiquc01req_"), "{requests:?}");
    assert!(is_shift_jis_xml(&std::fs::read(site.root().join("req").join(&requests[0])).unwrap()));

    assert_eq!(terminal.step().unwrap(), 1);
    let answer = answered(receive(&mut socket), "t1");
    assert_eq!(answer.validity, Validity::Valid);
    assert_eq!(answer.name.unwrap().as_str(), "診療　太郎");
    assert_eq!(answer.contribution_percent.map(|p| p.get()), Some(30));

    // The same request handed again (the store never heard the acknowledgement): acknowledged, nothing written.
    send(&mut socket, &ask("t1", "00001"));
    assert_eq!(receive(&mut socket), Some(ack("t1")));
    // A message this bridge does not read is neither acknowledged nor written anywhere.
    socket.send(Message::text(r#"{"type":"request","id":"../t3","ask":{"kind":"by_number"}}"#)).unwrap();
    // A person the terminal does not know is answered as such, after the repeated request was passed over.
    send(&mut socket, &ask("t2", "99999"));
    assert_eq!(receive(&mut socket), Some(ack("t2")));
    assert_eq!(terminal.step().unwrap(), 1, "one file: the new request's");
    assert_eq!(answered(receive(&mut socket), "t2").validity, Validity::NoQualification);
    assert_eq!(terminal.processed(), 2);
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\""), 2);

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    running.join().unwrap();
}

fn said(id: &str, outcome: TerminalOutcome) -> Option<FromBridge> {
    Some(FromBridge::Outcome { id: LinkRequestId::parse(id).unwrap(), outcome })
}

fn settle(id: &str) -> ToBridge {
    ToBridge::Settle { id: LinkRequestId::parse(id).unwrap() }
}

#[test]
fn staff_close_an_uncertain_request_through_the_store_and_it_leaves_the_health_settled() {
    let (site, store) = site_with_store();
    let clock = onshi_bridge::clock::Clock::fake(1_790_000_000_000);
    let folder = FolderLink::new(&site.link()).unwrap().with_clock(clock.clone());
    let link = WsLink::open(folder, &site.link(), device::load(&site.state()).unwrap().unwrap()).unwrap();
    let options = onshi_bridge::bridge::Options { clock: clock.clone(), ..site.options() };
    let timeout = options.config.answer_timeout_ms;
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let stop = stop.clone();
        std::thread::spawn(move || Bridge::open(options, link).unwrap().run(&stop, None).unwrap())
    };
    let mut socket = store.next_link();
    let health = || std::fs::read_to_string(site.link().join("health.json")).unwrap_or_default();

    // The 連携アプリ never answers: once the answer timeout passes the request is Uncertain, and listed.
    send(&mut socket, &ask("u1", "00001"));
    assert_eq!(receive(&mut socket), Some(ack("u1")));
    let file = site.files("req").remove(0);
    clock.advance(timeout);
    assert_eq!(receive(&mut socket), said("u1", TerminalOutcome::Uncertain));
    wait_for("the uncertain request listed", LIMIT, || health().contains(&file));
    let listed = health();
    assert!(listed.contains("\"uncertain\": 1"), "{listed}");
    assert!(listed.contains("\"id\": \"u1\""), "{listed}");
    assert!(listed.contains("\"written_at\": 1790000000"), "{listed}");

    // Not uncertain, or unknown: refused, nothing changes.
    send(&mut socket, &ask("a1", "00001"));
    assert_eq!(receive(&mut socket), Some(ack("a1")));
    send(&mut socket, &settle("a1"));
    let not_uncertain = onshi_proto::bridge_link::SettleRefusal::NotUncertain;
    assert_eq!(receive(&mut socket), said("a1", TerminalOutcome::SettleRefused { reason: not_uncertain }));
    send(&mut socket, &settle("nobody"));
    let unknown = onshi_proto::bridge_link::SettleRefusal::Unknown;
    assert_eq!(receive(&mut socket), said("nobody", TerminalOutcome::SettleRefused { reason: unknown }));

    // Staff looked on the terminal and close it.
    send(&mut socket, &settle("u1"));
    assert_eq!(receive(&mut socket), said("u1", TerminalOutcome::Settled));
    assert!(site.journal().contains("\"t\":\"SettledByStaff\",\"id\":\"edge-u1\""), "{}", site.journal());
    wait_for("the health without it", LIMIT, || !health().contains(&file));
    assert!(health().contains("\"uncertain\": 0"), "{}", health());
    // Both the delivery of its final outcome and the answer to the closing say Settled; the store takes the first.
    assert_eq!(receive(&mut socket), said("u1", TerminalOutcome::Settled));

    // Asked again: answered Settled from the journal, nothing written; closed again: refused.
    send(&mut socket, &ask("u1", "00001"));
    assert_eq!(receive(&mut socket), said("u1", TerminalOutcome::Settled));
    assert_eq!(receive(&mut socket), Some(ack("u1")));
    send(&mut socket, &settle("u1"));
    assert_eq!(receive(&mut socket), said("u1", TerminalOutcome::SettleRefused { reason: not_uncertain }));
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\",\"id\":\"edge-u1\""), 1, "never sent again");

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    running.join().unwrap();
}

#[test]
fn a_folder_callers_uncertain_request_closed_by_staff_leaves_a_settled_copy_in_its_out_folder() {
    let (site, store) = site_with_store();
    let clock = onshi_bridge::clock::Clock::fake(1_790_000_000_000);
    let folder = FolderLink::new(&site.link()).unwrap().with_clock(clock.clone());
    let link = WsLink::open(folder, &site.link(), device::load(&site.state()).unwrap().unwrap()).unwrap();
    let options = onshi_bridge::bridge::Options { clock: clock.clone(), ..site.options() };
    let timeout = options.config.answer_timeout_ms;
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let stop = stop.clone();
        std::thread::spawn(move || Bridge::open(options, link).unwrap().run(&stop, None).unwrap())
    };
    let mut socket = store.next_link();
    let out = site.link().join("out");

    site.submit("f1", "OQSsiquc01req", &check_request("00001"));
    wait_for("the request in req", LIMIT, || site.files("req").len() == 1);
    clock.advance(timeout);
    wait_for("the uncertain copy", LIMIT, || exists(&out.join("f1.uncertain.txt")));

    send(&mut socket, &settle("f1"));
    assert_eq!(receive(&mut socket), said("f1", TerminalOutcome::Settled), "the store hears the closing");
    assert!(exists(&out.join("f1.settled.txt")));
    assert!(!exists(&out.join("f1.uncertain.txt")), "the final state replaces the uncertain one");

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    running.join().unwrap();
}

/// A 照会番号 registration of `reference` for the person of the face file `face_file`.
fn register(id: &str, face_file: &str, reference: &str) -> ToBridge {
    ToBridge::Request {
        id: LinkRequestId::parse(id).unwrap(),
        ask: TerminalAsk::RegisterReference {
            face_file: onshi_proto::identifier::FaceFileName::parse(face_file).unwrap(),
            reference_number: onshi_proto::identifier::ReferenceNumber::parse(reference).unwrap(),
        },
    }
}

#[test]
fn a_reference_registration_is_written_as_if003_for_the_person_of_the_face_file_and_their_next_face_carries_it() {
    let (site, store) = site_with_store();
    let terminal = site.terminal(2);
    let folder = FolderLink::new(&site.link()).unwrap();
    let link = WsLink::open(folder, &site.link(), device::load(&site.state()).unwrap().unwrap())
        .unwrap()
        .reading_faces_from(site.root().join("face"));
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let (stop, options) = (stop.clone(), site.options());
        std::thread::spawn(move || Bridge::open(options, link).unwrap().run(&stop, None).unwrap())
    };
    let mut socket = store.next_link();
    let person = population(1).remove(0);
    let first = terminal.reader_check(person.clone(), "000").unwrap();

    // A face file the bridge does not have: answered at once, nothing journalled or written.
    send(
        &mut socket,
        &register("r0", "OQSsiquc01res_face_0110113719_000_00000000000000099_20261204093012.xml", "P-1001"),
    );
    let not_there = FromBridge::Outcome {
        id: LinkRequestId::parse("r0").unwrap(),
        outcome: TerminalOutcome::Failed { code: onshi_proto::bridge_link::TerminalFailure::NotSubmitted },
    };
    assert_eq!(receive(&mut socket), Some(not_there));

    send(&mut socket, &register("r1", &first, "P-1001"));
    assert_eq!(receive(&mut socket), Some(ack("r1")), "acknowledged once journalled");
    let requests = site.files("req");
    assert_eq!(requests.len(), 1, "only the registration's: {requests:?}");
    assert!(requests[0].starts_with("OQSsiimm01req_"), "{requests:?}");
    let written = std::fs::read(site.root().join("req").join(&requests[0])).unwrap();
    let read = document::read::<onshi_onsfile::messages::ReferenceRequest>(&written).unwrap().message;
    let [registration] = read.body.0.unwrap().registrations.try_into().unwrap();
    assert_eq!(registration.reference_number.as_deref(), Some("P-1001"));
    assert_eq!(
        (registration.insurer.unwrap().raw.trim(), registration.number.as_deref()),
        (INSURER, person.number.as_deref())
    );
    assert!(!site.journal().contains("P-1001"), "the journal keeps no 照会番号");

    assert_eq!(terminal.step().unwrap(), 1);
    let registered =
        FromBridge::Outcome { id: LinkRequestId::parse("r1").unwrap(), outcome: TerminalOutcome::Registered };
    assert_eq!(receive(&mut socket), Some(registered));
    // The person's next check on the national reader carries the clinic's id.
    let next = terminal.reader_check(person, "000").unwrap();
    let bytes = std::fs::read(site.root().join("face").join(&next)).unwrap();
    let result = onshi_onsfile::reader_result::reader_result(&next, &bytes).unwrap();
    assert_eq!(result.reference_number.as_deref(), Some("P-1001"));

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    running.join().unwrap();
}

/// A bulk pre-check of `numbers`, each under the test insurer and birth date.
fn bulk(id: &str, numbers: &[&str]) -> ToBridge {
    let rows: Vec<Appointment> = numbers
        .iter()
        .map(|number| Appointment {
            insurer_number: InsurerNumber::parse(INSURER).unwrap(),
            symbol: None,
            number: InsuredNo::parse(number).unwrap(),
            branch: None,
            birth_date: IsoDate::parse("1980-01-15").unwrap(),
        })
        .collect();
    ToBridge::Request {
        id: LinkRequestId::parse(id).unwrap(),
        ask: TerminalAsk::Bulk { rows: rows.try_into().unwrap() },
    }
}

#[test]
fn a_bulk_pre_check_from_the_store_runs_both_phases_through_a_not_ready_answer_and_a_zip_and_is_answered_by_row() {
    let (site, store) = site_with_store();
    let terminal = site.terminal(3);
    terminal.set_faults(Faults { bulk_not_ready: 1, ..Faults::default() });
    let folder = FolderLink::new(&site.link()).unwrap();
    let link = WsLink::open(folder, &site.link(), device::load(&site.state()).unwrap().unwrap()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let (stop, mut options) = (stop.clone(), site.options());
        // A result answered 処理中 is asked for again on the next pass, so the test waits on files, not a clock.
        options.config.bulk_retry_ms = 0;
        std::thread::spawn(move || Bridge::open(options, link).unwrap().run(&stop, None).unwrap())
    };
    let mut socket = store.next_link();

    send(&mut socket, &bulk("b1", &["00001", "99999", "00002"]));
    assert_eq!(receive(&mut socket), Some(ack("b1")), "acknowledged once journalled");
    let requests = site.files("req");
    assert_eq!(requests.len(), 1);
    assert!(requests[0].starts_with("OQSmuquc01req_"), "phase 1 is an IF-005 upload: {requests:?}");
    let upload = std::fs::read(site.root().join("req").join(&requests[0])).unwrap();
    assert!(is_shift_jis_xml(&upload));
    let read = document::read::<BulkUploadRequest>(&upload).unwrap().message;
    let rows: Vec<(Option<String>, Option<String>)> =
        read.body.0.unwrap().searches.into_iter().map(|search| (search.number, search.row_identifier)).collect();
    let numbered = |n: &str, row: &str| (Some(n.to_owned()), Some(row.to_owned()));
    assert_eq!(rows, vec![numbered("00001", "1"), numbered("99999", "2"), numbered("00002", "3")]);

    // Phase 1 accepted: the bridge asks for the result (phase 2), which is not ready the first time.
    assert_eq!(terminal.step().unwrap(), 1);
    let phase_two = |site: &Site| site.files("req").iter().any(|name| name.starts_with("OQSmuquc02req_"));
    wait_for("the phase-2 request", LIMIT, || phase_two(&site));
    assert_eq!(terminal.step().unwrap(), 1, "answered 処理中");
    wait_for("the phase-2 request asked again", LIMIT, || phase_two(&site));
    assert_eq!(terminal.step().unwrap(), 1, "answered with the result as a ZIP");

    match receive(&mut socket) {
        Some(FromBridge::Outcome { id, outcome: TerminalOutcome::BulkAnswered { rows } }) => {
            assert_eq!(id.as_str(), "b1");
            let share = Some(Percent::literal(30));
            let valid = BulkRowOutcome::Answered {
                validity: Validity::Valid,
                contribution_percent: share,
                limit_category: None,
            };
            let unknown = BulkRowOutcome::Answered {
                validity: Validity::NoQualification,
                contribution_percent: None,
                limit_category: None,
            };
            assert_eq!(rows, vec![valid.clone(), unknown, valid]);
        }
        other => panic!("expected the bulk answer, got {other:?}"),
    }
    assert_eq!(terminal.processed(), 3, "one upload and two downloads, nothing sent twice");
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\""), 3);

    // The same request handed again: acknowledged, nothing written.
    send(&mut socket, &bulk("b1", &["00001", "99999", "00002"]));
    assert_eq!(receive(&mut socket), Some(ack("b1")));
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\""), 3);
    assert!(site.files("req").is_empty());

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    running.join().unwrap();
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(site: &Site, crash_after_pending: bool) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onshi-bridge"));
    command.args(["--facility", FACILITY, "--edge-link", "--root"]).arg(site.root()).arg("--state").arg(site.state());
    if crash_after_pending {
        command.env(CRASH_AFTER_PENDING, "1");
    } else {
        command.env_remove(CRASH_AFTER_PENDING);
    }
    command.spawn().unwrap()
}

/// A site whose bridge is enrolled at a fresh fake store.
fn site_with_store() -> (Site, FakeStore) {
    let site = Site::new();
    let key = DeviceKey::generate().unwrap();
    let store = FakeStore::start(key.public_key_spki().unwrap());
    std::fs::create_dir_all(site.state()).unwrap();
    device::save_key(&site.state(), &key).unwrap();
    let record = Device {
        device_id: DEVICE_ID.to_owned(),
        facility_code: FacilityCode::parse(FACILITY).unwrap(),
        edge: store.url.clone(),
    };
    device::save_device(&site.state(), &record).unwrap();
    (site, store)
}

#[test]
fn killed_before_acknowledging_it_is_handed_the_request_again_and_writes_it_once() {
    let (site, store) = site_with_store();
    let terminal = site.terminal(2);
    let mut crashing = start(&site, true);
    let mut socket = store.next_link();
    send(&mut socket, &ask("k1", "00001"));
    // The bridge aborts itself right after the journal says Pending, before the rename and the acknowledgement.
    assert!(!crashing.wait().unwrap().success());
    assert_eq!(receive(&mut socket), None, "no acknowledgement came");
    assert!(site.files("req").is_empty());

    let _second = Running(start(&site, false));
    let mut socket = store.next_link();
    // The store hands an unacknowledged request to the next link, as the facility's Durable Object does.
    send(&mut socket, &ask("k1", "00001"));
    assert_eq!(receive(&mut socket), Some(ack("k1")));
    wait_for("the staged request to be published", LIMIT, || site.files("req").len() == 1);
    assert_eq!(terminal.step().unwrap(), 1);
    assert_eq!(answered(receive(&mut socket), "k1").validity, Validity::Valid);
    assert_eq!(terminal.processed(), 1);
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\""), 1, "journalled once");
}

#[test]
fn killed_between_publish_and_answer_it_answers_after_the_restart_and_never_resends() {
    let (site, store) = site_with_store();
    let terminal = site.terminal(2);
    let mut first = Running(start(&site, false));
    let mut socket = store.next_link();
    send(&mut socket, &ask("k2", "00001"));
    assert_eq!(receive(&mut socket), Some(ack("k2")));
    wait_for("the request to be submitted", LIMIT, || {
        site.journal().contains("\"t\":\"Submitted\",\"id\":\"edge-k2\"")
    });
    // SIGKILL: no chance to clean up.
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    // The terminal answers while the bridge is down.
    assert_eq!(terminal.step().unwrap(), 1);

    let _second = Running(start(&site, false));
    let mut socket = store.next_link();
    assert_eq!(answered(receive(&mut socket), "k2").validity, Validity::Valid, "answered on the next link");
    assert!(site.files("req").is_empty(), "nothing was sent again");
    assert_eq!(terminal.step().unwrap(), 0);
    assert_eq!(terminal.processed(), 1);
    assert_eq!(count(&site.journal(), "\"t\":\"Pending\""), 1);
}
