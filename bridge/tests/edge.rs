//! The bridge as an enrolled device of onshi's edge, against a fake edge in this process: a TCP listener on
//! 127.0.0.1 answering HTTP/1.1 by hand, which checks every device proof with the public key the bridge enrolled.
//! It takes reader results and health reports; health reports can be refused (500) or held unanswered.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod common;

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use onshi_bridge::bridge::Bridge;
use onshi_bridge::core::outbox::Backoff;
use onshi_bridge::device;
use onshi_bridge::edge;
use onshi_bridge::link::{EdgeLink, FolderLink};
use onshi_bridge::sim::Faults;
use onshi_bridge::sink::{EDGE_JOURNAL, EdgeSink, Timing};
use onshi_onsfile::messages::{AnswerHeader, QualificationRecord, StatusAnswer, StatusBody};
use onshi_onsfile::record::{Checked, One};
use onshi_onsfile::{Charset, document};
use onshi_proto::api::{
    DEVICE_ID_HEADER, DEVICE_NONCE_HEADER, DEVICE_PROOF_MAX_SKEW_SECS, DEVICE_SIGNATURE_HEADER, DEVICE_TIME_HEADER,
    ENROL_PATH, EnrolRequest, device_proof_message, is_device_proof_nonce,
};
use onshi_proto::bridge_health::{BRIDGE_HEALTH_PATH, BridgeHealth};
use onshi_proto::qualification::Validity;
use onshi_proto::reader_result::{BRIDGE_READER_RESULT_PATH, ReaderResult};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;

const DEVICE_ID: &str = "0110113719.ZmFrZS1kZXZpY2UtaWQ";
const CODE: &str = "K7QM-4XRD-9TWP";
const WAIT: Duration = Duration::from_secs(20);

/// One request as the fake edge received it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    at: Instant,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    fn result(&self) -> ReaderResult {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn health(&self) -> BridgeHealth {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// How the fake edge answers health reports.
const HEALTH_TAKEN: u16 = 204;
/// A health report is held unanswered until the fake edge is released.
const HEALTH_HELD: u16 = 0;

/// Connections held open by the fake edge until it is released.
#[derive(Default)]
struct Held {
    released: Mutex<bool>,
    wake: Condvar,
}

/// The fake edge: answers enrolment with a device id, reader results with the scripted statuses, then 200, and
/// health reports with `health_status` (204, a refusal, or [`HEALTH_HELD`]). Each connection has its own thread,
/// so a held health report holds up nothing else. Reader results and enrolments are seen through [`Self::next`];
/// health reports are kept apart ([`Self::health_reports`]).
struct FakeEdge {
    port: u16,
    seen: mpsc::Receiver<Seen>,
    script: Arc<Mutex<VecDeque<u16>>>,
    health: Arc<Mutex<Vec<Seen>>>,
    health_status: Arc<AtomicU16>,
    held: Arc<Held>,
}

impl FakeEdge {
    fn start(script: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (sender, seen) = mpsc::channel();
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<u16>>()));
        let health = Arc::new(Mutex::new(Vec::new()));
        let health_status = Arc::new(AtomicU16::new(HEALTH_TAKEN));
        let held = Arc::new(Held::default());
        let (answers, reports, health_answer, hold) =
            (Arc::clone(&script), Arc::clone(&health), Arc::clone(&health_status), Arc::clone(&held));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (sender, answers, reports, health_answer, hold) = (
                    sender.clone(),
                    Arc::clone(&answers),
                    Arc::clone(&reports),
                    Arc::clone(&health_answer),
                    Arc::clone(&hold),
                );
                std::thread::spawn(move || {
                    let Some(request) = read_request(&mut stream) else { return };
                    if request.path == BRIDGE_HEALTH_PATH {
                        let status = health_answer.load(Ordering::SeqCst);
                        reports.lock().unwrap().push(request);
                        if status == HEALTH_HELD {
                            let mut released = hold.released.lock().unwrap();
                            while !*released {
                                released = hold.wake.wait(released).unwrap();
                            }
                            return;
                        }
                        let body = r#"{"error":"internal","message":"The edge failed."}"#;
                        respond(&mut stream, status, if status == 204 { "" } else { body });
                        return;
                    }
                    let (status, body) = if request.path == ENROL_PATH {
                        (200, format!(r#"{{"device_id":"{DEVICE_ID}","facility_code":"{FACILITY}"}}"#))
                    } else {
                        let status = answers.lock().unwrap().pop_front().unwrap_or(200);
                        let body = if (200..300).contains(&status) {
                            r#"{"new":true}"#.to_owned()
                        } else {
                            r#"{"error":"bad_request","message":"The request is malformed."}"#.to_owned()
                        };
                        (status, body)
                    };
                    // Recorded before answering, so a test that saw the answer's effect has seen the request.
                    let _ = sender.send(request);
                    respond(&mut stream, status, &body);
                });
            }
        });
        Self { port, seen, script, health, health_status, held }
    }

    /// Health reports from now on are answered with `status` ([`HEALTH_HELD`]: not at all until released).
    fn answer_health_with(&self, status: u16) {
        self.health_status.store(status, Ordering::SeqCst);
    }

    /// The health reports received so far, oldest first.
    fn health_reports(&self) -> Vec<Seen> {
        self.health.lock().unwrap().clone()
    }

    /// Lets go of every held health report (the bridge sees its connection close).
    fn release(&self) {
        *self.held.released.lock().unwrap() = true;
        self.held.wake.notify_all();
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next request, waiting for it.
    fn next(&self) -> Seen {
        match self.seen.recv_timeout(WAIT) {
            Ok(seen) => seen,
            Err(e) => panic!("the fake edge received no request in time: {e}"),
        }
    }

    /// A request already received and not yet looked at.
    fn unexpected(&self) -> Option<Seen> {
        self.seen.try_recv().ok()
    }

    fn script_is_used_up(&self) -> bool {
        self.script.lock().unwrap().is_empty()
    }
}

/// Answers `status` with the JSON `body`, or with no body at all when it is empty (a 204).
fn respond(stream: &mut std::net::TcpStream, status: u16, body: &str) {
    let head = if body.is_empty() {
        String::new()
    } else {
        format!("content-type: application/json\r\ncontent-length: {}\r\n", body.len())
    };
    let _ = write!(stream, "HTTP/1.1 {status} X\r\n{head}connection: close\r\n\r\n{body}");
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Seen { method, path, headers, body, at: Instant::now() })
}

/// Enrols `state` at the fake edge in this process; answers the public key the edge received.
fn enrol(fake: &FakeEdge, state: &Path) -> Vec<u8> {
    edge::enrol(&fake.url(), CODE, state).unwrap();
    let request = fake.next();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", ENROL_PATH));
    let body: EnrolRequest = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body.code, CODE);
    body.public_key.as_slice().to_vec()
}

/// What the edge checks of a reader result's device proof ([`assert_proven_at`]).
fn assert_proven(seen: &Seen, public_key_spki: &[u8]) {
    assert_proven_at(seen, BRIDGE_READER_RESULT_PATH, public_key_spki);
}

/// What the edge checks of a device proof, with the key it enrolled: the path, the headers, a fresh time, the nonce
/// form, and the signature over exactly this method, path, time, nonce and body.
fn assert_proven_at(seen: &Seen, path: &str, public_key_spki: &[u8]) {
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", path));
    assert_eq!(seen.header("content-type"), "application/json");
    assert_eq!(seen.header(DEVICE_ID_HEADER), DEVICE_ID);
    let time = seen.header(DEVICE_TIME_HEADER);
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap();
    assert!(now.abs_diff(time.parse::<i64>().unwrap()) <= DEVICE_PROOF_MAX_SKEW_SECS.unsigned_abs(), "{time}");
    let nonce = seen.header(DEVICE_NONCE_HEADER);
    assert!(is_device_proof_nonce(nonce), "{nonce}");
    let signature = URL_SAFE_NO_PAD.decode(seen.header(DEVICE_SIGNATURE_HEADER)).unwrap();
    let signature = Signature::from_slice(&signature).unwrap();
    let key = VerifyingKey::from_public_key_der(public_key_spki).unwrap();
    let message = device_proof_message("POST", &seen.path, time, nonce, &seen.body);
    assert!(key.verify(&message, &signature).is_ok(), "the device proof verifies with the enrolled key");
}

fn fast() -> Timing {
    Timing { backoff: Backoff { first_ms: 20, max_ms: 200 }, ..Timing::default() }
}

fn sink(state: &Path) -> EdgeSink {
    EdgeSink::open(state, device::load(state).unwrap().unwrap(), fast()).unwrap()
}

/// A face file as the simulated terminal writes it for person `i`: (name, bytes).
fn face(site: &Site, terminal: &onshi_bridge::sim::Terminal, i: usize) -> (String, Vec<u8>) {
    let name = terminal.reader_check(population(i + 1).remove(i), "000").unwrap();
    let bytes = std::fs::read(site.root().join("face").join(&name)).unwrap();
    (name, bytes)
}

fn journal(state: &Path) -> String {
    std::fs::read_to_string(state.join(EDGE_JOURNAL)).unwrap_or_default()
}

#[test]
fn enrolment_writes_the_device_and_a_key_another_process_can_load() {
    let fake = FakeEdge::start(&[]);
    let site = Site::new();
    let state = site.state();
    let run =
        |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_onshi-bridge")).args(args).output().unwrap();
    let state_arg = state.to_str().unwrap();
    let output = run(&["enrol", "--edge", &fake.url(), "--code", CODE, "--state", state_arg]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains(DEVICE_ID));
    let request = fake.next();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", ENROL_PATH));
    let sent: EnrolRequest = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(sent.code, CODE);

    // This test process is the second process: it loads what the enrolling one saved.
    let enrolled = device::load(&state).unwrap().unwrap();
    assert_eq!(enrolled.device.device_id, DEVICE_ID);
    assert_eq!(enrolled.device.facility_code.as_str(), FACILITY);
    assert_eq!(enrolled.device.edge, fake.url());
    assert_eq!(enrolled.key.public_key_spki().unwrap(), sent.public_key.as_slice());
    assert!(!format!("{enrolled:?}").contains(&format!("{:?}", enrolled.key.to_pkcs8_der().unwrap().as_slice())));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(state.join(device::KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // Enrolling again over an enrolled device, or at an edge reached in clear text elsewhere, is refused.
    let again = run(&["enrol", "--edge", &fake.url(), "--code", CODE, "--state", state_arg]);
    assert!(!again.status.success());
    let other = site.dir.path().join("other");
    let clear = run(&["enrol", "--edge", "http://edge.example.jp", "--code", CODE, "--state", other.to_str().unwrap()]);
    assert!(!clear.status.success());
    assert!(String::from_utf8_lossy(&clear.stderr).contains("https://"));
    assert!(fake.unexpected().is_none(), "nothing more reached the edge");
}

#[test]
fn a_reader_check_reaches_the_edge_through_the_running_bridge_with_a_device_proof() {
    let fake = FakeEdge::start(&[]);
    let site = Site::new();
    let terminal = site.terminal(1);
    let public_key = enrol(&fake, &site.state());
    let link = EdgeLink::new(FolderLink::new(&site.link()).unwrap(), sink(&site.state()));
    let mut bridge = Bridge::open(site.options(), link).unwrap();

    let record = QualificationRecord {
        insurer_name: Some("全国健康保険協会東京支部".to_owned()),
        disqualified_on: Some(Checked::new("20261130")),
        ..population(1).remove(0)
    };
    let name = terminal.reader_check_as(Some(record), Validity::Invalid, "000").unwrap();
    bridge.step().unwrap();
    let seen = fake.next();
    assert_proven(&seen, &public_key);
    let result = seen.result();
    assert_eq!(result.file_name.as_str(), name);
    assert_eq!(result.validity, Validity::Invalid);
    assert_eq!(result.name.unwrap().as_str(), "診療　太郎");
    assert_eq!(result.name_kana.unwrap().as_str(), "ｼﾝﾘｮｳ ﾀﾛｳ");
    assert_eq!(result.insurer_number.unwrap().as_str(), INSURER);
    assert_eq!(result.insurer_name.unwrap().as_str(), "全国健康保険協会東京支部");
    assert_eq!(result.contribution_percent.unwrap().get(), 30);
    assert_eq!(result.disqualification_date.unwrap().to_string(), "2026-11-30");
    assert!(result.checked_at.is_some());

    // The health says so once the acknowledgement is in; the folder link still gets its copy.
    let health = || std::fs::read_to_string(site.link().join("health.json")).unwrap_or_default();
    wait_for("the health to show nothing unsent", WAIT, || {
        bridge.step().unwrap();
        health().contains("\"unsent\": 0")
    });
    assert!(site.link().join("face").join(&name).exists());
    assert_eq!(count(&journal(&site.state()), "\"Acknowledged\""), 1);
    assert!(fake.unexpected().is_none(), "sent once");
}

#[test]
fn a_result_the_edge_could_not_take_is_sent_again_until_acknowledged_and_never_after_a_restart() {
    let fake = FakeEdge::start(&[503, 429]);
    let site = Site::new();
    let terminal = site.terminal(2);
    let public_key = enrol(&fake, &site.state());
    let (first, bytes) = face(&site, &terminal, 0);
    let sink = sink(&site.state());
    sink.offer(&first, &bytes).unwrap();
    for _ in 0..3 {
        let seen = fake.next();
        assert_proven(&seen, &public_key);
        assert_eq!(seen.result().file_name.as_str(), first);
    }
    wait_for("the acknowledgement", WAIT, || sink.health().unsent == 0);
    assert!(fake.script_is_used_up());
    assert_eq!(count(&journal(&site.state()), "\"Acknowledged\""), 1);
    assert_eq!(sink.health().last_failure, None);
    // Offered again (a rescan), it is not sent again.
    sink.offer(&first, &bytes).unwrap();
    drop(sink);

    // After a restart, only what is new goes out.
    let sink = self::sink(&site.state());
    sink.offer(&first, &bytes).unwrap();
    let (second, bytes) = face(&site, &terminal, 1);
    sink.offer(&second, &bytes).unwrap();
    assert_eq!(fake.next().result().file_name.as_str(), second);
    wait_for("the second acknowledgement", WAIT, || sink.health().unsent == 0);
    assert!(fake.unexpected().is_none());
    assert_eq!(count(&journal(&site.state()), "\"Acknowledged\""), 2);
}

#[test]
fn a_result_not_acknowledged_before_a_restart_is_sent_after_it() {
    let fake = FakeEdge::start(&[503]);
    let site = Site::new();
    let terminal = site.terminal(1);
    enrol(&fake, &site.state());
    let (first, bytes) = face(&site, &terminal, 0);
    {
        let sink = EdgeSink::open(
            &site.state(),
            device::load(&site.state()).unwrap().unwrap(),
            Timing { backoff: Backoff { first_ms: 3_600_000, max_ms: 3_600_000 }, ..Timing::default() },
        )
        .unwrap();
        sink.offer(&first, &bytes).unwrap();
        assert_eq!(fake.next().result().file_name.as_str(), first);
        wait_for("the failure to be noted", WAIT, || sink.health().last_failure.is_some());
        assert_eq!(sink.health().unsent, 1);
    }
    // The bridge stopped with the result waiting an hour for its retry; started again, it sends it at once.
    let sink = sink(&site.state());
    assert_eq!(fake.next().result().file_name.as_str(), first);
    wait_for("the acknowledgement", WAIT, || sink.health().unsent == 0);
}

#[test]
fn the_edge_journal_is_rewritten_without_results_whose_face_files_are_gone_and_keeps_its_counts() {
    let fake = FakeEdge::start(&[200, 400, 503]);
    let site = Site::new();
    let terminal = site.terminal(3);
    enrol(&fake, &site.state());
    let sink = sink(&site.state());
    let faces: Vec<(String, Vec<u8>)> = (0..3).map(|i| face(&site, &terminal, i)).collect();
    for (file, bytes) in &faces[..2] {
        sink.offer(file, bytes).unwrap();
        assert_eq!(fake.next().result().file_name.as_str(), file);
    }
    wait_for("the acknowledgement and the refusal", WAIT, || sink.health().unsent == 0);
    // The third waits for its retry an hour away.
    drop(sink);
    let sink = EdgeSink::open(
        &site.state(),
        device::load(&site.state()).unwrap().unwrap(),
        Timing { backoff: Backoff { first_ms: 3_600_000, max_ms: 3_600_000 }, ..Timing::default() },
    )
    .unwrap();
    sink.offer(&faces[2].0, &faces[2].1).unwrap();
    assert_eq!(fake.next().result().file_name.as_str(), faces[2].0);
    wait_for("the failure to be noted", WAIT, || sink.health().last_failure.is_some());
    let before = journal(&site.state());
    assert_eq!(count(&before, "\n"), 5);

    // The terminal has removed every face file: nothing settled can be offered again.
    let nothing = std::collections::BTreeSet::new();
    sink.compact(Some(&nothing), false).unwrap();
    assert_eq!(journal(&site.state()), before, "five lines are not worth a rewrite but at start-up");
    sink.compact(Some(&nothing), true).unwrap();
    let after = journal(&site.state());
    assert_eq!(count(&after, "\n"), 2, "{after}");
    assert!(after.contains("\"t\":\"Tally\",\"refused\":1,\"unreadable\":0"), "{after}");
    assert!(after.contains(&faces[2].0) && !after.contains(&faces[0].0) && !after.contains(&faces[1].0));
    assert!(!site.state().join(".edge.log.compact").exists());
    drop(sink);

    // Started again, only the unsent result goes out, and the refusal is still counted.
    let sink = self::sink(&site.state());
    assert_eq!(fake.next().result().file_name.as_str(), faces[2].0);
    wait_for("the acknowledgement", WAIT, || sink.health().unsent == 0);
    assert_eq!(sink.health().refused, 1);
    assert!(fake.unexpected().is_none());
}

#[test]
fn a_refusal_is_counted_and_not_retried() {
    let fake = FakeEdge::start(&[400]);
    let site = Site::new();
    let terminal = site.terminal(2);
    enrol(&fake, &site.state());
    let sink = sink(&site.state());
    let (refused, bytes) = face(&site, &terminal, 0);
    sink.offer(&refused, &bytes).unwrap();
    assert_eq!(fake.next().result().file_name.as_str(), refused);
    wait_for("the refusal", WAIT, || sink.health().refused == 1);
    assert_eq!(sink.health().unsent, 0);
    assert!(journal(&site.state()).contains("\"status\":400"));
    // Other results go on, and the refused one does not come back, before or after a restart.
    let (next, bytes) = face(&site, &terminal, 1);
    sink.offer(&next, &bytes).unwrap();
    assert_eq!(fake.next().result().file_name.as_str(), next);
    wait_for("the acknowledgement", WAIT, || sink.health().unsent == 0);
    drop(sink);
    let sink = self::sink(&site.state());
    assert_eq!(sink.health().refused, 1);
    assert!(fake.unexpected().is_none());
}

#[test]
fn a_face_file_without_a_qualification_is_counted_and_never_sent() {
    let fake = FakeEdge::start(&[]);
    let site = Site::new();
    let terminal = site.terminal(1);
    enrol(&fake, &site.state());
    let sink = sink(&site.state());
    let header = AnswerHeader {
        segment: Some(Checked::new("9")),
        error_code: Some("E99".to_owned()),
        ..AnswerHeader::default()
    };
    let body = StatusBody { status: Some(Checked::new("2")), ..StatusBody::default() };
    let error = StatusAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() };
    let error_name = "OQSsiquc01res_face_011011371900000000000000000099_20261204093012.xml";
    sink.offer(error_name, &document::write(&error, Charset::ShiftJis).unwrap()).unwrap();
    assert_eq!(sink.health().unreadable, 1);
    assert_eq!(sink.health().unsent, 0);
    let (good, bytes) = face(&site, &terminal, 0);
    sink.offer(&good, &bytes).unwrap();
    assert_eq!(fake.next().result().file_name.as_str(), good, "the error file was not sent first");
    wait_for("the acknowledgement", WAIT, || sink.health().unsent == 0);
    assert!(fake.unexpected().is_none());
}

#[test]
fn a_reader_check_trigger_becomes_a_face_file_and_is_removed() {
    let site = Site::new();
    let terminal = site.terminal(0);
    let checks = site.dir.path().join("reader-checks");
    std::fs::create_dir_all(&checks).unwrap();
    let drop_trigger = |name: &str, json: &str| {
        let aside = checks.join(format!(".{name}.part"));
        std::fs::write(&aside, json).unwrap();
        std::fs::rename(aside, checks.join(name)).unwrap();
    };
    drop_trigger(
        "hanako.json",
        r#"{"name": "診療　花子", "name_kana": "ｼﾝﾘｮｳ ﾊﾅｺ", "birth_date": "1954-06-12", "sex": "female",
            "insurer_number": "06130017", "insurer_name": "全国健康保険協会東京支部", "number": "0089",
            "branch": "00", "ratio_percent": 30, "elderly_ratio_percent": 20, "validity": "valid",
            "limit_category": "A03"}"#,
    );
    drop_trigger("broken.json", r#"{"name": "x"}"#);
    let written = terminal.take_reader_checks(&checks).unwrap();
    assert_eq!(written.len(), 1);
    assert!(std::fs::read_dir(&checks).unwrap().next().is_none(), "both triggers are removed");
    let bytes = std::fs::read(site.root().join("face").join(&written[0])).unwrap();
    assert!(is_shift_jis_xml(&bytes));
    let result = onshi_onsfile::reader_result::reader_result(&written[0], &bytes).unwrap();
    assert_eq!(result.validity, Validity::Valid);
    assert_eq!(result.name.unwrap().as_str(), "診療　花子");
    assert_eq!(result.insurer_number.unwrap().as_str(), "06130017");
    assert_eq!(result.contribution_percent.unwrap().get(), 20);
    assert_eq!(result.limit_category.unwrap().as_str(), "A03");
}

/// Child processes of one test, stopped when it ends however it ends.
struct Running(Vec<std::process::Child>);

impl Drop for Running {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn the_programs_as_installed_hand_a_national_reader_check_to_the_edge() {
    let fake = FakeEdge::start(&[]);
    let site = Site::new();
    let (root, state, checks) = (site.root(), site.state(), site.dir.path().join("reader-checks"));
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let enrolled = std::process::Command::new(env!("CARGO_BIN_EXE_onshi-bridge"))
        .args(["enrol", "--edge", &fake.url(), "--code", CODE, "--state", &path(&state)])
        .output()
        .unwrap();
    assert!(enrolled.status.success(), "{}", String::from_utf8_lossy(&enrolled.stderr));
    let public_key = serde_json::from_slice::<EnrolRequest>(&fake.next().body).unwrap().public_key.as_slice().to_vec();
    std::fs::create_dir_all(&checks).unwrap();

    let _running = Running(vec![
        std::process::Command::new(env!("CARGO_BIN_EXE_onshi-terminal-sim"))
            .args(["--root", &path(&root), "--facility", FACILITY, "--reader-checks", &path(&checks)])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
        // No --facility: the enrolled device's is taken.
        std::process::Command::new(env!("CARGO_BIN_EXE_onshi-bridge"))
            .args(["--root", &path(&root), "--state", &path(&state), "--edge", &fake.url()])
            .spawn()
            .unwrap(),
    ]);
    let aside = checks.join(".taro.part");
    std::fs::write(
        &aside,
        r#"{"name": "受付　太郎", "name_kana": "ｳｹﾂｹ ﾀﾛｳ", "birth_date": "1980-01-15", "sex": "male",
            "insurer_number": "138057", "insurer_name": "札幌市", "number": "0045", "ratio_percent": 30,
            "validity": "valid"}"#,
    )
    .unwrap();
    std::fs::rename(&aside, checks.join("taro.json")).unwrap();

    let seen = fake.next();
    assert_proven(&seen, &public_key);
    let result = seen.result();
    assert!(result.file_name.as_str().starts_with(&format!("OQSsiquc01res_face_{FACILITY}000")), "{result:?}");
    assert_eq!(result.validity, Validity::Valid);
    assert_eq!(result.name.unwrap().as_str(), "受付　太郎");
    assert_eq!(result.insurer_number.unwrap().as_str(), "138057");
    wait_for("the acknowledgement in the health", WAIT, || {
        std::fs::read_to_string(state.join("link/health.json")).unwrap_or_default().contains("\"unsent\": 0")
    });
    assert!(!checks.join("taro.json").exists(), "the trigger is removed");
    assert!(fake.unexpected().is_none(), "sent once");
}

#[test]
fn an_edge_whose_tls_fails_is_unreachable_and_tried_again_not_a_crash() {
    // A listener that hangs up on every connection: the TLS handshake (rustls with ring) fails.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    let key = device::DeviceKey::generate().unwrap();
    let enrolled = device::Enrolled {
        device: device::Device {
            device_id: DEVICE_ID.to_owned(),
            facility_code: onshi_proto::facility::FacilityCode::parse(FACILITY).unwrap(),
            edge: format!("https://127.0.0.1:{port}"),
        },
        key,
    };
    let site = Site::new();
    let terminal = site.terminal(1);
    let (name, bytes) = face(&site, &terminal, 0);
    let result = onshi_onsfile::reader_result::reader_result(&name, &bytes).unwrap();
    let attempt = edge::EdgeClient::new(&enrolled.device.edge).send_reader_result(&enrolled, &result);
    assert!(matches!(attempt, onshi_bridge::core::outbox::Attempt::Unreachable(_)), "{attempt:?}");
    assert_eq!(attempt.reply(), onshi_bridge::core::outbox::Reply::TryAgain);
}

/// Time between the running bridge's full scans (its watcher wakes it sooner).
const SCAN: Duration = Duration::from_millis(100);

/// Runs the bridge (enrolled in `site`, reporting with `timing`, a stall after `stall_ms`) and `terminal`, each on
/// its own thread and on its own watchers and scans, while `test` looks at what they write and send.
fn running_bridge(
    site: &Site,
    terminal: &onshi_bridge::sim::Terminal,
    timing: Timing,
    stall_ms: u64,
    test: impl FnOnce(),
) {
    let mut options = site.options();
    options.scan_interval = SCAN;
    options.config.stall_after_ms = stall_ms;
    let sink = EdgeSink::open(&site.state(), device::load(&site.state()).unwrap().unwrap(), timing).unwrap();
    let mut bridge = Bridge::open(options, EdgeLink::new(FolderLink::new(&site.link()).unwrap(), sink)).unwrap();
    let inbox = site.link().join("in");
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let stop = &stop;
        scope.spawn(move || terminal.run(stop, SCAN).unwrap());
        let running = scope.spawn(|| bridge.run(stop, Some(&inbox)).unwrap());
        let tested = std::panic::catch_unwind(std::panic::AssertUnwindSafe(test));
        stop.store(true, Ordering::Relaxed);
        running.join().unwrap();
        if let Err(panic) = tested {
            std::panic::resume_unwind(panic);
        }
    });
}

/// Waits for the first health report received after `since` that `wanted` accepts, failing after `limit`.
fn health_report(fake: &FakeEdge, since: Instant, limit: Duration, wanted: impl Fn(&BridgeHealth) -> bool) -> Seen {
    let mut found = None;
    wait_for("a health report", limit, || {
        found = fake.health_reports().into_iter().find(|seen| seen.at >= since && wanted(&seen.health()));
        found.is_some()
    });
    found.unwrap()
}

#[test]
fn health_is_reported_with_a_device_proof_and_again_every_heartbeat_when_nothing_changes() {
    let fake = FakeEdge::start(&[]);
    let site = Site::new();
    let terminal = site.terminal(1);
    let public_key = enrol(&fake, &site.state());
    let heartbeat = Duration::from_millis(300);
    // Nothing happens while the bridge runs: every report after the first is a heartbeat.
    running_bridge(&site, &terminal, Timing { heartbeat, ..fast() }, 30_000, || {
        wait_for("three health reports", WAIT, || fake.health_reports().len() >= 3);
    });
    let reports = fake.health_reports();
    for seen in &reports {
        assert_proven_at(seen, BRIDGE_HEALTH_PATH, &public_key);
        assert_eq!(seen.health(), BridgeHealth::default(), "a quiet bridge");
    }
    for pair in reports.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap >= heartbeat / 2, "a heartbeat, not a burst: {gap:?}");
    }
    assert!(fake.unexpected().is_none(), "no reader result was sent");
}

#[test]
fn a_bridge_that_stops_passing_over_its_folders_stops_reporting() {
    let fake = FakeEdge::start(&[]);
    let site = Site::new();
    let _terminal = site.terminal(1);
    enrol(&fake, &site.state());
    let heartbeat = Duration::from_millis(100);
    let sink =
        EdgeSink::open(&site.state(), device::load(&site.state()).unwrap().unwrap(), Timing { heartbeat, ..fast() })
            .unwrap();
    let mut bridge = Bridge::open(site.options(), EdgeLink::new(FolderLink::new(&site.link()).unwrap(), sink)).unwrap();
    // Three passes a heartbeat apart, then none: as a loop stuck on a share that hangs.
    for passes in 1..=3 {
        bridge.step().unwrap();
        wait_for("the pass's report", WAIT, || fake.health_reports().len() >= passes);
        let last = fake.health_reports().last().unwrap().at;
        wait_for("the heartbeat to fall due", WAIT, || last.elapsed() >= heartbeat);
    }
    let reported = fake.health_reports().len();
    let idle = Instant::now();
    wait_for("five heartbeats' time", WAIT, || idle.elapsed() >= heartbeat * 5);
    assert_eq!(fake.health_reports().len(), reported, "no heartbeat without a pass");
    bridge.step().unwrap();
    wait_for("the report after a pass", WAIT, || fake.health_reports().len() > reported);
}

#[test]
fn a_stalled_link_app_is_reported_to_the_edge_within_the_stall_limit_and_a_scan_and_so_is_its_recovery() {
    let fake = FakeEdge::start(&[]);
    let site = Site::new();
    let terminal = site.terminal(1);
    terminal.set_faults(Faults { stalled: true, ..Faults::default() });
    let public_key = enrol(&fake, &site.state());
    let stall = Duration::from_millis(300);
    // The heartbeat is left at its 20 s: what arrives here arrives because the health changed.
    running_bridge(&site, &terminal, fast(), 300, || {
        let dropped = Instant::now();
        site.submit("s1", "OQSsiquc01req", &check_request("00000"));
        let seen = health_report(&fake, dropped, WAIT, |h| h.link_app_stalled_ms.is_some());
        let took = seen.at.duration_since(dropped);
        // The stall limit and one scan, and a second for publishing, the HTTP call and a busy machine.
        assert!(took <= stall + SCAN + Duration::from_secs(1), "reported after {took:?}");
        assert_proven_at(&seen, BRIDGE_HEALTH_PATH, &public_key);
        let health = seen.health();
        assert!(health.link_app_stalled_ms.unwrap() >= 300, "{health:?}");
        assert_eq!(health.waiting_in_req, 1);
        assert!(!health.terminal_unreachable);

        terminal.set_faults(Faults::default());
        wait_for("the answer", WAIT, || site.outcome("s1").is_some());
        health_report(&fake, seen.at, WAIT, |h| *h == BridgeHealth::default());
    });
}

#[test]
fn requests_and_reader_results_go_on_while_the_edge_refuses_or_holds_health_reports() {
    for status in [500, HEALTH_HELD] {
        let fake = FakeEdge::start(&[]);
        fake.answer_health_with(status);
        let site = Site::new();
        let terminal = site.terminal(2);
        enrol(&fake, &site.state());
        let timing = Timing { heartbeat: Duration::from_millis(200), ..fast() };
        running_bridge(&site, &terminal, timing, 30_000, || {
            wait_for("a health report to reach the edge", WAIT, || !fake.health_reports().is_empty());
            site.submit("r1", "OQSsiquc01req", &check_request("00001"));
            let name = terminal.reader_check(population(1).remove(0), "000").unwrap();
            wait_for("the answer", WAIT, || site.outcome("r1").is_some());
            assert_eq!(fake.next().result().file_name.as_str(), name, "status {status}");
            wait_for("the acknowledgement", WAIT, || count(&journal(&site.state()), "\"Acknowledged\"") == 1);
            if status == HEALTH_HELD {
                assert_eq!(fake.health_reports().len(), 1, "one report held, none sent beside it");
            } else {
                wait_for("refused heartbeats to go on", WAIT, || fake.health_reports().len() >= 3);
            }
            fake.release();
        });
        assert!(fake.unexpected().is_none(), "status {status}: the result was sent once");
    }
}

#[test]
fn requests_go_on_and_reader_results_wait_while_the_edge_cannot_be_reached() {
    let fake = FakeEdge::start(&[]);
    let site = Site::new();
    let terminal = site.terminal(2);
    enrol(&fake, &site.state());
    // The edge moves away: the device now names a port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let path = site.state().join(device::DEVICE_FILE);
    let mut record: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    record["edge"] = format!("http://127.0.0.1:{closed}").into();
    std::fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();
    let timing = Timing { heartbeat: Duration::from_millis(200), ..fast() };
    running_bridge(&site, &terminal, timing, 30_000, || {
        site.submit("r1", "OQSsiquc01req", &check_request("00001"));
        let name = terminal.reader_check(population(1).remove(0), "000").unwrap();
        wait_for("the answer", WAIT, || site.outcome("r1").is_some());
        wait_for("the reader result in the folder link", WAIT, || site.link().join("face").join(&name).exists());
        let health = || std::fs::read_to_string(site.link().join("health.json")).unwrap_or_default();
        wait_for("the result to wait for the edge", WAIT, || health().contains("\"results_unsent\": 1"));
    });
    assert!(fake.health_reports().is_empty() && fake.unexpected().is_none());
}
