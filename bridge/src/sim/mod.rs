//! A simulated 資格確認端末 for tests and the demo: its 連携アプリ takes request files out of `req`, answers in
//! `res` with the interface's encodings (bulk phase 2 as a ZIP), writes `face` files when told a reader check
//! happened (in code, or by a trigger file: [`trigger`]), and injects faults: partial writes, late answers, error
//! codes and a stalled 連携アプリ. A 照会番号 registered through IF-003 is remembered for that person (保険者番号 and
//! 番号), and their later face files carry it as `ReferenceNumber`, as the national system's do.
//!
//! An adapter over a folder; what it answers comes from a [`Population`]. Its delays imitate the terminal's
//! timing and are never used to synchronise anything.

pub mod population;
pub mod trigger;

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use onshi_onsfile::document;
use onshi_onsfile::messages::{
    AnswerHeader, BulkDownloadRequest, BulkResult, BulkResultBody, BulkUploadRequest, QualificationAnswer,
    QualificationAnswerBody, QualificationRecord, QualificationRequest, ReferenceRequest, ResultList, SearchInfo,
    StatusAnswer, StatusBody,
};
use onshi_onsfile::name::{ExchangeName, FaceName, FileName, Operation, System};
use onshi_onsfile::record::{Check, Checked, One, Record};
use onshi_onsfile::{Charset, Element};
use onshi_proto::origin::PrescriptionFormat;
use onshi_proto::qualification::Validity;
pub use population::{FixedPopulation, Found, Population};

use crate::clock;
use crate::error::{BridgeError, Context};
use crate::files;

/// Faults the simulator injects; they can be changed while it runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// The 連携アプリ does not take files out of `req`.
    pub stalled: bool,
    /// Answers are written in two halves with a pause between (no atomic rename).
    pub partial_writes: bool,
    /// Extra wait before each answer.
    pub answer_delay: Duration,
    /// Answer every request with `SegmentOfResult` 9 and this `ErrorCode`.
    pub error_code: Option<String>,
    /// Answer this many bulk downloads with `SegmentOfResult` 2 (処理中) before the result is ready.
    pub bulk_not_ready: u32,
}

/// The simulated 連携アプリ's own time for one request: from the pass that found the file in `req` to its answer
/// written in `res` (what a benchmark subtracts to get the bridge's share).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerTime {
    /// The request's file name in `req`.
    pub request: String,
    /// When the pass listed `req` and found it.
    pub seen: Instant,
    /// When its answer was complete in `res`.
    pub answered: Instant,
}

impl AnswerTime {
    /// The simulator's time for this request.
    pub fn duration(&self) -> Duration {
        self.answered.saturating_duration_since(self.seen)
    }
}

/// How many [`AnswerTime`]s the terminal keeps (the latest), so that a long-running simulator does not grow.
pub const ANSWER_TIMES_KEPT: usize = 4096;

/// The simulated terminal.
pub struct Terminal {
    root: PathBuf,
    facility: String,
    population: Box<dyn Population>,
    faults: Mutex<Faults>,
    uploads: Mutex<HashMap<String, Vec<SearchInfo>>>,
    /// 照会番号 registered through IF-003, by the person's (保険者番号, 番号), padding trimmed.
    references: Mutex<HashMap<(String, String), String>>,
    processed: AtomicUsize,
    face_counter: AtomicUsize,
    answer_times: Mutex<VecDeque<AnswerTime>>,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal").field("root", &self.root).field("processed", &self.processed).finish_non_exhaustive()
    }
}

impl Terminal {
    /// A terminal over the folder `root` (its `req`, `res`, `face` are created), answering from `population`.
    pub fn new(root: &Path, facility: &str, population: Box<dyn Population>) -> Result<Self, BridgeError> {
        files::ensure_dirs(&[&root.join("req"), &root.join("res"), &root.join("face")])?;
        Ok(Self {
            root: root.to_owned(),
            facility: facility.to_owned(),
            population,
            faults: Mutex::new(Faults::default()),
            uploads: Mutex::new(HashMap::new()),
            references: Mutex::new(HashMap::new()),
            processed: AtomicUsize::new(0),
            face_counter: AtomicUsize::new(0),
            answer_times: Mutex::new(VecDeque::new()),
        })
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut current) = self.faults.lock() {
            *current = faults;
        }
    }

    fn faults(&self) -> Faults {
        self.faults.lock().map(|f| f.clone()).unwrap_or_default()
    }

    fn take_not_ready(&self) -> bool {
        let Ok(mut faults) = self.faults.lock() else { return false };
        let not_ready = faults.bulk_not_ready > 0;
        faults.bulk_not_ready = faults.bulk_not_ready.saturating_sub(1);
        not_ready
    }

    /// How many request files the 連携アプリ has taken.
    pub fn processed(&self) -> usize {
        self.processed.load(Ordering::SeqCst)
    }

    /// The simulator's own time for the latest requests it answered (at most [`ANSWER_TIMES_KEPT`]), oldest first.
    pub fn answer_times(&self) -> Vec<AnswerTime> {
        self.answer_times.lock().map(|times| times.iter().cloned().collect()).unwrap_or_default()
    }

    /// Takes and answers every request file now in `req`; returns how many.
    pub fn step(&self) -> Result<usize, BridgeError> {
        if self.faults().stalled {
            return Ok(0);
        }
        let req = self.root.join("req");
        let mut count = 0;
        let listed = files::list(&req)?;
        let seen = Instant::now();
        for name in listed {
            let Ok(FileName::Exchange(parsed)) = FileName::parse(&name) else { continue };
            let Some(bytes) = files::read_if_there(&req.join(&name)) else { continue };
            std::fs::remove_file(req.join(&name)).context(|| format!("take {name}"))?;
            self.processed.fetch_add(1, Ordering::SeqCst);
            count += 1;
            self.answer(&parsed, &bytes)?;
            if let Ok(mut times) = self.answer_times.lock() {
                if times.len() == ANSWER_TIMES_KEPT {
                    times.pop_front();
                }
                times.push_back(AnswerTime { request: name, seen, answered: Instant::now() });
            }
        }
        Ok(count)
    }

    fn answer(&self, request: &ExchangeName, bytes: &[u8]) -> Result<(), BridgeError> {
        let faults = self.faults();
        if !faults.answer_delay.is_zero() {
            std::thread::sleep(faults.answer_delay);
        }
        let charset = onshi_onsfile::encoding::decode(bytes).charset;
        let header = self.header(charset, faults.error_code.as_deref());
        let failed = faults.error_code.is_some();
        let (tree, zip) = match (request.prefix.system, request.prefix.operation, request.prefix.phase) {
            _ if failed => (error_answer(header), false),
            (System::Oqs, Operation::SingleCheck, 1) => match document::read::<QualificationRequest>(bytes) {
                Ok(read) => {
                    let search = read.message.body.0.and_then(|b| b.search.0).unwrap_or_default();
                    let body = self.check(&search, true);
                    (
                        QualificationAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() }
                            .write("XmlMsg"),
                        false,
                    )
                }
                Err(_) => (error_answer(header), false),
            },
            (System::Oqs, Operation::BulkCheck, 1) => match document::read::<BulkUploadRequest>(bytes) {
                Ok(read) => {
                    let searches = read.message.body.0.map(|b| b.searches).unwrap_or_default();
                    let reception = format!("R{:09}", self.processed());
                    if let Ok(mut uploads) = self.uploads.lock() {
                        uploads.insert(reception.clone(), searches);
                    }
                    let header = AnswerHeader { reception_number: Some(reception), ..header };
                    (status_answer(header), false)
                }
                Err(_) => (error_answer(header), false),
            },
            (System::Oqs, Operation::BulkCheck, 2) if self.take_not_ready() => {
                (status_answer(AnswerHeader { segment: checked("2"), ..header }), false)
            }
            (System::Oqs, Operation::BulkCheck, 2) => {
                let reception = document::read::<BulkDownloadRequest>(bytes)
                    .ok()
                    .and_then(|r| r.message.body.0)
                    .and_then(|b| b.reception_number);
                let searches = reception.as_ref().and_then(|r| self.uploads.lock().ok()?.remove(r));
                match searches {
                    Some(searches) => {
                        let units: Vec<QualificationAnswerBody> =
                            searches.iter().map(|s| self.check(s, true)).collect();
                        let header = AnswerHeader {
                            reception_number: reception,
                            result_count: Some(units.len().to_string()),
                            normal_count: Some(units.len().to_string()),
                            error_count: Some("0".to_owned()),
                            ..header
                        };
                        let body = BulkResultBody { status: checked("1"), units, ..BulkResultBody::default() };
                        (
                            BulkResult { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() }
                                .write("XmlMsg"),
                            true,
                        )
                    }
                    None => (error_answer(header), false),
                }
            }
            (System::Oqs, Operation::SingleReference, 1) => match document::read::<ReferenceRequest>(bytes) {
                Ok(read) => {
                    let registrations = read.message.body.0.map(|b| b.registrations).unwrap_or_default();
                    if let Ok(mut references) = self.references.lock() {
                        for registration in registrations {
                            let insurer = registration.insurer.map(|i| i.raw.trim().to_owned()).unwrap_or_default();
                            let number = registration.number.as_deref().map(str::trim).unwrap_or_default().to_owned();
                            if let Some(reference) = registration.reference_number {
                                references.insert((insurer, number), reference);
                            }
                        }
                    }
                    (status_answer(header), false)
                }
                Err(_) => (error_answer(header), false),
            },
            _ => (error_answer(header), false),
        };
        let xml = document::write_tree(&tree, charset).map_err(|e| BridgeError::Usage(e.to_string()))?;
        let res = self.root.join("res");
        if zip {
            let inner = request.answer("xml").to_string();
            let bytes = files::zip_one(&inner, &xml)?;
            self.write_answer(&res, &request.answer("zip").to_string(), &bytes, faults.partial_writes)
        } else {
            self.write_answer(&res, &request.answer("xml").to_string(), &xml, faults.partial_writes)
        }
    }

    fn write_answer(&self, dir: &Path, name: &str, bytes: &[u8], partial: bool) -> Result<(), BridgeError> {
        if !partial {
            return files::write_atomic(dir, name, bytes);
        }
        let path = dir.join(name);
        let mut file = std::fs::File::create(&path).context(|| format!("create {name}"))?;
        let half = bytes.len() / 2;
        file.write_all(bytes.get(..half).unwrap_or_default()).context(|| format!("write {name}"))?;
        file.flush().context(|| format!("flush {name}"))?;
        // A slow writer: the first half is visible to readers for a while.
        std::thread::sleep(Duration::from_millis(300));
        file.write_all(bytes.get(half..).unwrap_or_default()).context(|| format!("write {name}"))?;
        file.flush().context(|| format!("flush {name}"))
    }

    fn header(&self, charset: Charset, error: Option<&str>) -> AnswerHeader {
        let now = clock::now_ms();
        AnswerHeader {
            executed_at: checked(&clock::japan_timestamp(now)),
            confirmation_date: checked(&clock::japan_date(now).compact()),
            facility: checked(&self.facility),
            segment: checked(if error.is_some() { "9" } else { "1" }),
            error_code: error.map(str::to_owned),
            error_message: error.map(|_| "simulated terminal error".to_owned()),
            character_code: Some(charset.identifier().to_owned()),
            ..AnswerHeader::default()
        }
    }

    fn check(&self, search: &SearchInfo, echo: bool) -> QualificationAnswerBody {
        let found = self.population.search(search);
        QualificationAnswerBody {
            status: checked("1"),
            validity: checked(&found.validity.code().to_string()),
            search: One(echo.then(|| search.clone())),
            results: One(
                (!found.records.is_empty()).then(|| ResultList { results: found.records, unknown: Vec::new() })
            ),
            ..QualificationAnswerBody::default()
        }
    }

    /// A reader check happened on the national reader: its result is written into `face` (atomically), as the
    /// terminal does, under a face file name with 処理コード `processing_code`. Returns the file name.
    pub fn reader_check(&self, record: QualificationRecord, processing_code: &str) -> Result<String, BridgeError> {
        self.reader_check_as(Some(record), Validity::Valid, processing_code)
    }

    /// A reader check with the given validity: `record` is the qualification found (none for 該当資格なし).
    pub fn reader_check_as(
        &self,
        record: Option<QualificationRecord>,
        validity: Validity,
        processing_code: &str,
    ) -> Result<String, BridgeError> {
        self.reader_check_choosing(record, validity, processing_code, None)
    }

    /// [`Self::reader_check_as`] where the patient also chose a prescription format on the reader.
    pub fn reader_check_choosing(
        &self,
        record: Option<QualificationRecord>,
        validity: Validity,
        processing_code: &str,
        prescription: Option<PrescriptionFormat>,
    ) -> Result<String, BridgeError> {
        let now = clock::now_ms();
        let counter = self.face_counter.fetch_add(1, Ordering::SeqCst) + 1;
        let name = FaceName {
            facility: self.facility.clone(),
            processing_code: processing_code.to_owned(),
            counter: format!("{counter:017}"),
            timestamp: clock::japan_timestamp(now),
        };
        let header =
            AnswerHeader { reference_classification: Some("1".to_owned()), ..self.header(Charset::ShiftJis, None) };
        let record = record.filter(|_| validity != Validity::NoQualification).map(|mut record| {
            record.reference_number = record.reference_number.take().or_else(|| self.reference_of(&record));
            record
        });
        let body = QualificationAnswerBody {
            status: checked("1"),
            validity: checked(&validity.code().to_string()),
            prescription: prescription.map(|format| format.national_code().to_owned()),
            results: One(record.map(|record| ResultList { results: vec![record], unknown: Vec::new() })),
            ..QualificationAnswerBody::default()
        };
        let message = QualificationAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() };
        let bytes = document::write(&message, Charset::ShiftJis).map_err(|e| BridgeError::Usage(e.to_string()))?;
        files::write_atomic(&self.root.join("face"), &name.to_string(), &bytes)?;
        Ok(name.to_string())
    }

    /// The 照会番号 registered for the person of `record`, if one was.
    pub fn reference_of(&self, record: &QualificationRecord) -> Option<String> {
        let insurer = record.insurer.as_ref().map(|i| i.raw.trim().to_owned()).unwrap_or_default();
        let number = record.number.as_deref().map(str::trim).unwrap_or_default().to_owned();
        self.references.lock().ok()?.get(&(insurer, number)).cloned()
    }

    /// Takes reader-check triggers from `dir` ([`trigger`]) until `stop` is set: a pass on every change in `dir` and
    /// at least every `scan`.
    pub fn run_reader_checks(&self, dir: &Path, stop: &AtomicBool, scan: Duration) -> Result<(), BridgeError> {
        files::ensure_dirs(&[&dir.to_path_buf()])?;
        let watch = files::FolderWatch::new(&[dir])?;
        while !stop.load(Ordering::Relaxed) {
            for face in self.take_reader_checks(dir)? {
                eprintln!("onshi-terminal-sim: reader check written as face/{face}");
            }
            watch.wait(scan);
        }
        Ok(())
    }

    /// Runs the 連携アプリ until `stop` is set: a pass on every change in `req` and at least every `scan`.
    pub fn run(&self, stop: &AtomicBool, scan: Duration) -> Result<(), BridgeError> {
        let watch = files::FolderWatch::new(&[&self.root.join("req")])?;
        while !stop.load(Ordering::Relaxed) {
            self.step()?;
            watch.wait(scan);
        }
        Ok(())
    }
}

fn checked<T: Check>(text: &str) -> Option<Checked<T>> {
    Some(Checked::new(text))
}

fn status_answer(header: AnswerHeader) -> Element {
    let body = StatusBody { status: checked("1"), ..StatusBody::default() };
    StatusAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() }.write("XmlMsg")
}

fn error_answer(header: AnswerHeader) -> Element {
    let header = AnswerHeader { segment: checked("9"), ..header };
    let body = StatusBody { status: checked("2"), ..StatusBody::default() };
    StatusAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() }.write("XmlMsg")
}
