//! Interface file names: `<prefix>_<yyyyMMdd><4-digit sequence>.<ext>` for requests and their answers, and
//! `OQSsiquc01res_face_<医療機関コード 10><処理コード 3><counter 17>_<yyyyMMddHHmmss>.xml` for reader results.
//!
//! Building and parsing only; the per-day sequence is the caller's to keep (it lives in the bridge's journal), and
//! the date is passed in. No clock, no I/O.

use std::fmt;

use crate::OnsfileError;
use crate::check::Ymd;
use crate::record::Check;

/// Which system a file is for: the first three letters of the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum System {
    /// `OQS`, the qualification system.
    Oqs,
    /// `YZK`, 薬剤情報 (seen in third-party code; whether the 連携アプリ wants this prefix is not confirmed).
    Yzk,
    /// `TKK`, 特定健診情報 (same caveat).
    Tkk,
}

/// The operation: scope (`si` single, `mu` multiple) and action, as in `OQSsiquc01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `siquc`: one qualification check (IF-001/002; also the 薬剤/健診 requests under YZK/TKK).
    SingleCheck,
    /// `siimm`: register one 照会番号 (IF-003/004).
    SingleReference,
    /// `muquc`: bulk qualification pre-check (IF-005–008).
    BulkCheck,
    /// `muimm`: bulk 照会番号 registration (IF-009–012).
    BulkReference,
    /// `muonq`: 同意済 bulk, オンライン診療.
    BulkOnline,
    /// `muhvq`: 同意済 bulk, 訪問診療.
    BulkHomeVisit,
    /// `mutic`: 医療扶助 bulk.
    BulkWelfare,
}

const OPERATIONS: [(Operation, &str); 7] = [
    (Operation::SingleCheck, "siquc"),
    (Operation::SingleReference, "siimm"),
    (Operation::BulkCheck, "muquc"),
    (Operation::BulkReference, "muimm"),
    (Operation::BulkOnline, "muonq"),
    (Operation::BulkHomeVisit, "muhvq"),
    (Operation::BulkWelfare, "mutic"),
];

/// Request (in `req`) or answer (in `res`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `req`.
    Request,
    /// `res`.
    Answer,
}

/// The prefix before the first `_`, e.g. `OQSmuquc02req`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prefix {
    /// The system.
    pub system: System,
    /// The operation.
    pub operation: Operation,
    /// The phase, `01` or `02` (bulk has two).
    pub phase: u8,
    /// Request or answer.
    pub direction: Direction,
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let system = match self.system {
            System::Oqs => "OQS",
            System::Yzk => "YZK",
            System::Tkk => "TKK",
        };
        let operation = OPERATIONS.iter().find(|(op, _)| *op == self.operation).map_or("", |(_, s)| s);
        let direction = match self.direction {
            Direction::Request => "req",
            Direction::Answer => "res",
        };
        write!(f, "{system}{operation}{:02}{direction}", self.phase)
    }
}

impl Prefix {
    /// Parses a 13-character prefix.
    pub fn parse(text: &str) -> Option<Self> {
        let system = match text.get(..3)? {
            "OQS" => System::Oqs,
            "YZK" => System::Yzk,
            "TKK" => System::Tkk,
            _ => return None,
        };
        let operation = OPERATIONS.iter().find(|(_, s)| text.get(3..8) == Some(*s))?.0;
        let phase = text.get(8..10).filter(|p| p.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()?;
        let direction = match text.get(10..)? {
            "req" => Direction::Request,
            "res" => Direction::Answer,
            _ => return None,
        };
        Some(Self { system, operation, phase, direction })
    }
}

/// A request's or answer's file name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExchangeName {
    /// The prefix.
    pub prefix: Prefix,
    /// The day the file was written.
    pub date: Ymd,
    /// The per-day sequence, 1–9999.
    pub sequence: u16,
    /// The extension without the dot: `xml`, and for answers also `zip` or `pdf`.
    pub extension: String,
}

/// Largest per-day sequence the 4-digit field holds.
pub const MAX_SEQUENCE: u16 = 9999;

impl ExchangeName {
    /// A request name, `xml`.
    pub fn request(system: System, operation: Operation, phase: u8, date: Ymd, sequence: u16) -> Self {
        let prefix = Prefix { system, operation, phase, direction: Direction::Request };
        Self { prefix, date, sequence, extension: "xml".to_owned() }
    }

    /// The name the answer to this request has, with extension `extension`: `req` becomes `res`, the rest stays.
    pub fn answer(&self, extension: &str) -> Self {
        let prefix = Prefix { direction: Direction::Answer, ..self.prefix };
        Self { prefix, extension: extension.to_owned(), ..self.clone() }
    }

    /// The common part of a request and its answers (the name without direction and extension), the pairing key.
    pub fn key(&self) -> String {
        let prefix = Prefix { direction: Direction::Request, ..self.prefix };
        format!("{prefix}_{}{:04}", self.date.compact(), self.sequence)
    }
}

impl fmt::Display for ExchangeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}{:04}.{}", self.prefix, self.date.compact(), self.sequence, self.extension)
    }
}

/// A reader result's file name in `face`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FaceName {
    /// 医療機関コード, 10 digits, kept as text.
    pub facility: String,
    /// 処理コード, 3 digits (400 医療扶助, 600 訪問診療, 800 オンライン診療 are known; the reader's own are not).
    pub processing_code: String,
    /// The 17-digit counter.
    pub counter: String,
    /// `yyyyMMddHHmmss`.
    pub timestamp: String,
}

impl fmt::Display for FaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OQSsiquc01res_face_{}{}{}_{}.xml", self.facility, self.processing_code, self.counter, self.timestamp)
    }
}

/// Any interface file name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileName {
    /// A request or an answer.
    Exchange(ExchangeName),
    /// A reader result.
    Face(FaceName),
}

fn all_digits(text: &str, count: usize) -> bool {
    text.len() == count && text.bytes().all(|b| b.is_ascii_digit())
}

impl FileName {
    /// Parses a bare file name (no folders). Extensions compare case-insensitively, as on Windows.
    pub fn parse(name: &str) -> Result<Self, OnsfileError> {
        let bad = || OnsfileError::FileName(name.to_owned());
        let (stem, extension) = name.rsplit_once('.').ok_or_else(bad)?;
        let extension = extension.to_ascii_lowercase();
        if let Some(rest) = stem.strip_prefix("OQSsiquc01res_face_") {
            if extension != "xml" {
                return Err(bad());
            }
            let (ids, timestamp) = rest.split_once('_').ok_or_else(bad)?;
            if !all_digits(ids, 30) || !all_digits(timestamp, 14) {
                return Err(bad());
            }
            return Ok(Self::Face(FaceName {
                facility: ids.get(..10).ok_or_else(bad)?.to_owned(),
                processing_code: ids.get(10..13).ok_or_else(bad)?.to_owned(),
                counter: ids.get(13..).ok_or_else(bad)?.to_owned(),
                timestamp: timestamp.to_owned(),
            }));
        }
        let (prefix, rest) = stem.split_once('_').ok_or_else(bad)?;
        let prefix = Prefix::parse(prefix).ok_or_else(bad)?;
        if !all_digits(rest, 12) || !matches!(extension.as_str(), "xml" | "zip" | "pdf") {
            return Err(bad());
        }
        let date = Ymd::check(rest.get(..8).ok_or_else(bad)?).map_err(|_| bad())?;
        let sequence: u16 = rest.get(8..).ok_or_else(bad)?.parse().map_err(|_| bad())?;
        if sequence == 0 {
            return Err(bad());
        }
        Ok(Self::Exchange(ExchangeName { prefix, date, sequence, extension }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn request_names_build_parse_and_pair() {
        let date = Ymd::new(2026, 9, 30).unwrap();
        let name = ExchangeName::request(System::Oqs, Operation::SingleReference, 1, date, 1);
        assert_eq!(name.to_string(), "OQSsiimm01req_202609300001.xml");
        assert_eq!(FileName::parse("OQSsiimm01req_202609300001.xml").unwrap(), FileName::Exchange(name.clone()));
        let answer = name.answer("zip");
        assert_eq!(answer.to_string(), "OQSsiimm01res_202609300001.zip");
        assert_eq!(answer.key(), name.key());
        let bulk = ExchangeName::request(System::Oqs, Operation::BulkCheck, 2, date, 9999);
        assert_eq!(bulk.to_string(), "OQSmuquc02req_202609309999.xml");
        let drug = ExchangeName::request(System::Yzk, Operation::SingleCheck, 1, date, 12);
        assert_eq!(drug.to_string(), "YZKsiquc01req_202609300012.xml");
        assert_eq!(FileName::parse(&drug.to_string()).unwrap(), FileName::Exchange(drug));
    }

    #[test]
    fn face_names_keep_their_parts() {
        let text = "OQSsiquc01res_face_131234567860000000000000000012_20260930091500.xml";
        let FileName::Face(face) = FileName::parse(text).unwrap() else { panic!("not a face name") };
        assert_eq!(face.facility, "1312345678");
        assert_eq!(face.processing_code, "600");
        assert_eq!(face.counter, "00000000000000012");
        assert_eq!(face.to_string(), text);
    }

    #[test]
    fn other_names_are_refused() {
        for name in [
            "OQSsiquc01req_20260930001.xml",
            "OQSsiquc01req_202609310001.xml",
            "OQSsiquc01req_202609300000.xml",
            "OQSxxquc01req_202609300001.xml",
            "OQSsiquc01req_202609300001.tmp",
            "OQSsiquc01res_face_1312_20260930091500.xml",
            "notes.txt",
            "",
        ] {
            assert!(FileName::parse(name).is_err(), "{name}");
        }
    }
}
