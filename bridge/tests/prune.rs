//! The caller's copies do not outlive retention: the folder link's outcomes in `link/out` and reader results in
//! `link/face` are deleted once past it, and the edge link's `edge-delivered.log` lists only outcomes the spool
//! still knows. The bridge runs on a fake clock (`clock::Clock::fake`), so days pass in a step; each test acts
//! through the folders as a caller and the terminal would, and waits on nothing.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use onshi_bridge::bridge::Bridge;
use onshi_bridge::clock::Clock;
use onshi_bridge::core::journal::Record;
use onshi_bridge::device::{self, Device, DeviceKey};
use onshi_bridge::link::{FolderLink, Link};
use onshi_bridge::link_ws::{DELIVERED_FILE, WsLink};
use onshi_proto::facility::FacilityCode;

/// 2026-09-30 09:00 in Japan.
const START_MS: u64 = 1_790_726_400_000;
const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 24 * 60 * MINUTE_MS;

fn bridge_on<L: Link>(site: &Site, clock: &Clock, retention_ms: u64, link: L) -> Bridge<L> {
    let mut options = site.options();
    options.clock = clock.clone();
    options.config.retention_ms = retention_ms;
    Bridge::open(options, link).unwrap()
}

fn folder_link(site: &Site, clock: &Clock) -> FolderLink {
    FolderLink::new(&site.link()).unwrap().with_clock(clock.clone())
}

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| !name.starts_with('.'))
        .collect()
}

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// Writes `name` in `dir` as a file an earlier run left, last written at `written_ms`.
fn left_behind(dir: &Path, name: &str, written_ms: u64) {
    let path = dir.join(name);
    std::fs::write(&path, b"<XmlMsg/>").unwrap();
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(at(written_ms)).unwrap();
}

#[test]
fn after_two_thousand_answered_requests_the_link_holds_only_the_copies_inside_retention() {
    const BATCHES: usize = 100;
    const PER_BATCH: usize = 20;
    const RETENTION_BATCHES: usize = 30;
    let site = Site::new();
    let terminal = site.terminal(BATCHES * PER_BATCH);
    let clock = Clock::fake(START_MS);
    // A batch of checks a minute, each answered within it, and one card read on the reader; half an hour kept.
    let mut bridge = bridge_on(&site, &clock, RETENTION_BATCHES as u64 * MINUTE_MS, folder_link(&site, &clock));
    let (out, face) = (site.link().join("out"), site.link().join("face"));
    let mut faces = Vec::new();
    let mut taken_away = BTreeSet::new();
    for batch in 0..BATCHES {
        if batch > 0 {
            clock.advance(MINUTE_MS);
        }
        for i in batch * PER_BATCH..(batch + 1) * PER_BATCH {
            site.submit(&format!("r{i}"), "OQSsiquc01req", &check_request(&person_number(i)));
        }
        faces.push(terminal.reader_check(population(1).remove(0), "000").unwrap());
        bridge.step().unwrap();
        assert_eq!(terminal.step().unwrap(), PER_BATCH);
        bridge.step().unwrap();
        // The caller takes one outcome of each batch away itself; the bridge must not mind it gone.
        let taken = format!("r{}.answered.xml", batch * PER_BATCH);
        std::fs::remove_file(out.join(&taken)).unwrap();
        taken_away.insert(taken);
    }
    // The newest batches are inside the half hour: answered (and read) less than 30 minutes before the last.
    let window = BATCHES - RETENTION_BATCHES..BATCHES;
    let expected_out: BTreeSet<String> = window
        .clone()
        .flat_map(|batch| batch * PER_BATCH..(batch + 1) * PER_BATCH)
        .map(|i| format!("r{i}.answered.xml"))
        .filter(|name| !taken_away.contains(name))
        .collect();
    let expected_faces: BTreeSet<String> = faces[window].iter().cloned().collect();
    let (held_out, held_faces) = (names(&out), names(&face));
    assert_eq!(held_out.len(), RETENTION_BATCHES * (PER_BATCH - 1));
    assert_eq!(held_out, expected_out);
    assert_eq!(held_faces.len(), RETENTION_BATCHES);
    assert_eq!(held_faces, expected_faces);
    // The terminal's own face files are not the bridge's to delete.
    assert_eq!(site.files("face").len(), BATCHES);

    // Half an hour later without a request, nothing is left.
    clock.advance(RETENTION_BATCHES as u64 * MINUTE_MS);
    bridge.step().unwrap();
    assert!(names(&out).is_empty() && names(&face).is_empty(), "{:?}", names(&out));
}

#[test]
fn copies_an_earlier_run_left_are_aged_by_their_file_time_and_a_request_still_open_keeps_its_copy() {
    let site = Site::new();
    let clock = Clock::fake(START_MS + 10 * DAY_MS);
    let now = clock.now_ms();
    let retention = 3 * DAY_MS;
    let (out, face) = (site.link().join("out"), site.link().join("face"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&face).unwrap();
    left_behind(&out, "old.answered.xml", now - retention);
    left_behind(&out, "old.failed.txt", now - 5 * DAY_MS);
    left_behind(&out, "young.answered.xml", now - retention + 1);
    left_behind(&out, "notes.txt", now - 9 * DAY_MS);
    left_behind(&face, "OQSsiquc01res_face_old.xml", now - retention);
    left_behind(&face, "OQSsiquc01res_face_young.xml", now - MINUTE_MS);
    let terminal = site.terminal(1);
    let mut options = site.options();
    options.clock = clock.clone();
    options.config.retention_ms = retention;
    options.config.answer_timeout_ms = DAY_MS;
    let mut bridge = Bridge::open(options, folder_link(&site, &clock)).unwrap();
    let kept: BTreeSet<String> = ["notes.txt", "young.answered.xml"].iter().map(|s| s.to_string()).collect();
    assert_eq!(names(&out), kept, "at start-up");
    assert_eq!(names(&face), BTreeSet::from(["OQSsiquc01res_face_young.xml".to_owned()]));

    // A request is taken and never answered, while a copy an earlier use of its id left is still there.
    site.submit("open", "OQSsiquc01req", &check_request(&person_number(0)));
    bridge.step().unwrap();
    assert_eq!(site.files("req").len(), 1);
    left_behind(&out, "open.answered.xml", now - 9 * DAY_MS);
    clock.advance(2 * MINUTE_MS);
    bridge.step().unwrap();
    assert!(out.join("open.answered.xml").exists(), "a request in flight keeps its copies");
    // A day later it is Uncertain, and its copies are never deleted.
    clock.advance(DAY_MS);
    bridge.step().unwrap();
    assert!(out.join("open.uncertain.txt").exists());
    clock.advance(30 * DAY_MS);
    bridge.step().unwrap();
    let kept: BTreeSet<String> =
        ["notes.txt", "open.answered.xml", "open.uncertain.txt"].iter().map(|s| s.to_string()).collect();
    assert_eq!(names(&out), kept, "an Uncertain request's copies stay; young.answered.xml aged out");
    drop(terminal);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_in_the_link_folders_never_deletes_what_it_points_to() {
    let site = Site::new();
    let outside = site.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let clock = Clock::fake(START_MS + 10 * DAY_MS);
    let long_ago = START_MS;
    let (out, face) = (site.link().join("out"), site.link().join("face"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&face).unwrap();
    // Old files outside, linked from names the link writes: followed, they would look past retention.
    for name in ["ghost.answered.xml", "a1.answered.xml", "OQSsiquc01res_face_x.xml"] {
        left_behind(&outside, name, long_ago);
    }
    std::os::unix::fs::symlink(outside.join("ghost.answered.xml"), out.join("ghost.answered.xml")).unwrap();
    std::os::unix::fs::symlink(outside.join("OQSsiquc01res_face_x.xml"), face.join("OQSsiquc01res_face_x.xml"))
        .unwrap();
    std::os::unix::fs::symlink(&outside, out.join("dir.answered.xml")).unwrap();
    let terminal = site.terminal(1);
    let mut bridge = bridge_on(&site, &clock, DAY_MS, folder_link(&site, &clock));
    // A request answered, whose copy the caller swapped for a link outside before it was forgotten.
    site.submit("a1", "OQSsiquc01req", &check_request(&person_number(0)));
    bridge.step().unwrap();
    terminal.step().unwrap();
    bridge.step().unwrap();
    std::fs::remove_file(out.join("a1.answered.xml")).unwrap();
    std::os::unix::fs::symlink(outside.join("a1.answered.xml"), out.join("a1.answered.xml")).unwrap();
    clock.advance(2 * DAY_MS);
    bridge.step().unwrap();
    assert!(bridge.spool().entries().is_empty(), "a1 is forgotten");
    assert!(std::fs::symlink_metadata(out.join("a1.answered.xml")).is_err(), "its copy, a link, is gone");
    assert!(std::fs::symlink_metadata(out.join("ghost.answered.xml")).is_ok(), "a link the bridge never wrote stays");
    assert_eq!(names(&outside).len(), 3, "every file outside survives");
    for name in names(&outside) {
        assert_eq!(std::fs::read(outside.join(&name)).unwrap(), b"<XmlMsg/>");
    }
}

fn edge_id(i: usize) -> String {
    format!("edge-r{i}")
}

/// A journal in which the edge's requests `ids` were answered at `at_ms`.
fn journal_of_answered(ids: &[String], at_ms: u64) -> String {
    let mut lines = String::new();
    for (i, id) in ids.iter().enumerate() {
        let file = format!("OQSsiquc01req_20260930{:04}.xml", i + 1);
        lines.push_str(
            &Record::Pending { id: id.clone(), file: file.clone(), parent: None, reception: None, at: at_ms }.to_line(),
        );
        lines.push_str(&Record::Submitted { id: id.clone(), at: at_ms }.to_line());
        let answer =
            Record::Answered { id: id.clone(), file: file.replace("req_", "res_"), in_progress: false, at: at_ms };
        lines.push_str(&answer.to_line());
    }
    lines
}

fn delivered_lines(site: &Site) -> Vec<String> {
    let text = std::fs::read_to_string(site.link().join(DELIVERED_FILE)).unwrap();
    text.lines().map(str::to_owned).collect()
}

/// The edge link for an enrolled device whose edge does not answer: outcomes are only ever listed, never sent.
fn ws_link(site: &Site, clock: &Clock) -> WsLink<FolderLink> {
    device::save_key(&site.state(), &DeviceKey::generate().unwrap()).unwrap();
    let record = Device {
        device_id: "0110113719.ZmFrZS1icmlkZ2U".to_owned(),
        facility_code: FacilityCode::parse(FACILITY).unwrap(),
        // Port 9 (discard) on loopback: refused at once, so the link keeps trying in the background.
        edge: "http://127.0.0.1:9".to_owned(),
    };
    device::save_device(&site.state(), &record).unwrap();
    WsLink::open(folder_link(site, clock), &site.link(), device::load(&site.state()).unwrap().unwrap()).unwrap()
}

#[test]
fn the_delivered_list_keeps_only_outcomes_the_spool_still_knows() {
    const KNOWN: usize = 1_500;
    let site = Site::new();
    let clock = Clock::fake(START_MS + 10 * DAY_MS);
    let retention = 3 * DAY_MS;
    std::fs::create_dir_all(site.link()).unwrap();
    std::fs::create_dir_all(site.state()).unwrap();
    // An earlier run listed 1,500 outcomes the spool still knows and 2,000 it forgot long ago.
    let known: Vec<String> = (0..KNOWN).map(edge_id).collect();
    std::fs::write(site.state().join("journal.log"), journal_of_answered(&known, clock.now_ms() - DAY_MS)).unwrap();
    let listed: String = (0..KNOWN + 2_000).map(|i| format!("{}\n", edge_id(i))).collect();
    std::fs::write(site.link().join(DELIVERED_FILE), listed).unwrap();

    // At start-up the list is rewritten to the outcomes still known, which are not offered again.
    let mut bridge = bridge_on(&site, &clock, retention, ws_link(&site, &clock));
    let mut expected = known.clone();
    expected.sort();
    assert_eq!(delivered_lines(&site), expected);
    assert!(names(&site.link().join("out")).is_empty(), "an edge outcome is not the folder's");

    // Once they pass retention the spool forgets them, and the running bridge rewrites the list on its next pass.
    clock.advance(2 * DAY_MS);
    bridge.step().unwrap();
    assert!(bridge.spool().entries().is_empty());
    assert!(delivered_lines(&site).is_empty());
    assert!(!site.link().join(format!(".{DELIVERED_FILE}.compact")).exists(), "the side file was renamed");
}
