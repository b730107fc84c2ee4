//! What the bridge's tests share: temporary folders, a small population, request builders, and waiting on file
//! state with a deadline.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use onshi_bridge::bridge::Options;
use onshi_bridge::sim::{FixedPopulation, Terminal};
use onshi_onsfile::document;
use onshi_onsfile::messages::{
    BulkUploadBody, BulkUploadRequest, QualificationRecord, QualificationRequest, QualificationRequestBody,
    RequestHeader, SearchInfo,
};
use onshi_onsfile::record::{Checked, One};
use onshi_onsfile::{Charset, tree};

pub const FACILITY: &str = "0110113719";
pub const INSURER: &str = "06130017";
pub const BIRTHDATE: &str = "19800115";

pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("oqs")
    }
    pub fn state(&self) -> PathBuf {
        self.dir.path().join("bridge")
    }
    pub fn link(&self) -> PathBuf {
        self.state().join("link")
    }
    pub fn options(&self) -> Options {
        Options::new(self.root(), self.state(), FACILITY.to_owned())
    }
    pub fn terminal(&self, people: usize) -> Terminal {
        Terminal::new(&self.root(), FACILITY, Box::new(FixedPopulation::new(population(people)))).unwrap()
    }
    /// Hands a request to the bridge through the folder link, as a caller would: written aside, then renamed.
    pub fn submit(&self, id: &str, prefix: &str, body: &[u8]) {
        let inbox = self.link().join("in");
        std::fs::create_dir_all(&inbox).unwrap();
        let temporary = inbox.join(format!(".{id}.part"));
        std::fs::write(&temporary, body).unwrap();
        std::fs::rename(temporary, inbox.join(format!("{id}.{prefix}.xml"))).unwrap();
    }
    pub fn files(&self, folder: &str) -> Vec<String> {
        let dir = self.root().join(folder);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| !n.starts_with('.')).collect())
            .unwrap_or_default();
        names.sort();
        names
    }
    pub fn outcome(&self, id: &str) -> Option<Vec<u8>> {
        std::fs::read(self.link().join("out").join(format!("{id}.answered.xml"))).ok()
    }
    pub fn journal(&self) -> String {
        std::fs::read_to_string(self.state().join("journal.log")).unwrap_or_default()
    }
}

pub fn person_number(i: usize) -> String {
    format!("{:05}", i)
}

/// People with numbers 00000.. under one insurer, all born on one day.
pub fn population(count: usize) -> Vec<QualificationRecord> {
    (0..count)
        .map(|i| QualificationRecord {
            insurer: Some(Checked::new(INSURER)),
            number: Some(person_number(i)),
            birthdate: Some(Checked::new(BIRTHDATE)),
            name: Some("診療　太郎".to_owned()),
            name_kana: Some("ｼﾝﾘｮｳ ﾀﾛｳ".to_owned()),
            ratio: Some("030".to_owned()),
            ..QualificationRecord::default()
        })
        .collect()
}

pub fn search(number: &str, row: &str) -> SearchInfo {
    SearchInfo {
        insurer: Some(Checked::new(INSURER)),
        number: Some(number.to_owned()),
        birthdate: Some(Checked::new(BIRTHDATE)),
        row_identifier: Some(row.to_owned()),
        ..SearchInfo::default()
    }
}

fn header() -> One<RequestHeader> {
    One(Some(RequestHeader { facility: Some(Checked::new(FACILITY)), ..RequestHeader::default() }))
}

/// An IF-001 request, in UTF-8 (the bridge re-encodes it for the terminal).
pub fn check_request(number: &str) -> Vec<u8> {
    let body = QualificationRequestBody { search: One(Some(search(number, "row"))), unknown: Vec::new() };
    document::write(
        &QualificationRequest { header: header(), body: One(Some(body)), unknown: Vec::new() },
        Charset::Utf8,
    )
    .unwrap()
}

/// An IF-005 request with `rows` searches: even rows are known people, odd rows are not.
pub fn bulk_request(rows: usize) -> Vec<u8> {
    let searches = (0..rows)
        .map(|i| {
            let number = if i % 2 == 0 { person_number(i) } else { format!("X{i}") };
            search(&number, &format!("row-{i}"))
        })
        .collect();
    let body = BulkUploadBody { searches, unknown: Vec::new() };
    let message = BulkUploadRequest { header: header(), body: One(Some(body)), unknown: Vec::new() };
    document::write(&message, Charset::Utf8).unwrap()
}

/// Waits until `done` holds, checking file state every few milliseconds, failing after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn is_shift_jis_xml(bytes: &[u8]) -> bool {
    let decoded = onshi_onsfile::encoding::decode(bytes);
    decoded.charset == Charset::ShiftJis && !decoded.had_errors && tree::parse(&decoded.text).is_ok()
}

pub fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}
