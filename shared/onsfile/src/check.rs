//! The checks a field's text must pass: `onshi-proto`'s validated identifiers, interface dates and the status
//! codes. Each check strips only the padding the interface is known to use; the record keeps the raw text anyway.

use onshi_proto::facility::FacilityCode;
use onshi_proto::insured_number::BranchNumber;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::qualification::Validity;

use crate::record::Check;

impl Check for InsurerNumber {
    /// 保険者番号 are 8 characters on the wire; a 6-digit 市町村国保 number is left-padded with spaces (or zeros,
    /// which the check digit rule treats the same).
    fn check(text: &str) -> Result<Self, String> {
        InsurerNumber::parse(text.trim_start_matches(' ')).map_err(|e| e.to_string())
    }
}

impl Check for FacilityCode {
    fn check(text: &str) -> Result<Self, String> {
        FacilityCode::parse(text).map_err(|e| e.to_string())
    }
}

impl Check for BranchNumber {
    fn check(text: &str) -> Result<Self, String> {
        BranchNumber::parse(text).map_err(|e| e.to_string())
    }
}

/// A calendar date written `YYYYMMDD` (西暦), as every interface date is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ymd {
    /// Year.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31 as the month allows.
    pub day: u8,
}

impl Ymd {
    /// Checks the date exists.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days).contains(&day).then_some(Self { year, month, day })
    }

    /// The interface's spelling, `YYYYMMDD`.
    pub fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

fn digits(text: &str, count: usize) -> Option<&str> {
    (text.len() == count && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

fn number<T: std::str::FromStr>(text: Option<&str>) -> Option<T> {
    text?.parse().ok()
}

impl Check for Ymd {
    fn check(text: &str) -> Result<Self, String> {
        let text = digits(text, 8).ok_or("a date is 8 digits, YYYYMMDD")?;
        Ymd::new(
            number(text.get(..4)).unwrap_or(0),
            number(text.get(4..6)).unwrap_or(0),
            number(text.get(6..)).unwrap_or(0),
        )
        .ok_or_else(|| "no such calendar date".to_owned())
    }
}

/// A time written `YYYYMMDDhhmmss` (`ProcessExecutionTime`, consent times).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    /// The date.
    pub date: Ymd,
    /// Seconds since midnight.
    pub seconds: u32,
}

impl Check for Timestamp {
    fn check(text: &str) -> Result<Self, String> {
        let text = digits(text, 14).ok_or("a time is 14 digits, YYYYMMDDhhmmss")?;
        let date = Ymd::check(text.get(..8).unwrap_or_default())?;
        let (h, m, s): (u32, u32, u32) = (
            number(text.get(8..10)).unwrap_or(99),
            number(text.get(10..12)).unwrap_or(99),
            number(text.get(12..)).unwrap_or(99),
        );
        if h > 23 || m > 59 || s > 59 {
            return Err("no such time of day".to_owned());
        }
        Ok(Self { date, seconds: h * 3600 + m * 60 + s })
    }
}

/// `SegmentOfResult`: whether the terminal finished the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// 1 正常終了.
    Completed,
    /// 2 処理中.
    InProgress,
    /// 9 異常終了.
    Aborted,
}

impl Check for Segment {
    fn check(text: &str) -> Result<Self, String> {
        match text.trim() {
            "1" => Ok(Self::Completed),
            "2" => Ok(Self::InProgress),
            "9" => Ok(Self::Aborted),
            _ => Err("SegmentOfResult is 1, 2 or 9".to_owned()),
        }
    }
}

/// `ProcessingResultStatus`: whether the request itself was processed without error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Processing {
    /// 1 正常.
    Normal,
    /// 2 エラー.
    Error,
}

impl Check for Processing {
    fn check(text: &str) -> Result<Self, String> {
        match text.trim() {
            "1" => Ok(Self::Normal),
            "2" => Ok(Self::Error),
            _ => Err("ProcessingResultStatus is 1 or 2".to_owned()),
        }
    }
}

/// `QualificationValidity` (OQSCD006), read into `onshi-proto`'s one validity type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ValidityCode(pub Validity);

impl Check for ValidityCode {
    fn check(text: &str) -> Result<Self, String> {
        Validity::ALL
            .iter()
            .find(|v| text.trim() == v.code().to_string())
            .map(|v| Self(*v))
            .ok_or_else(|| "QualificationValidity is 1 to 5".to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn space_padded_insurer_number_checks_and_keeps_its_digits() {
        let number = InsurerNumber::check("  138057").unwrap();
        assert_eq!(number.as_str(), "138057");
        assert!(InsurerNumber::check("  138058").is_err());
    }

    #[test]
    fn dates_and_times_are_calendar_checked() {
        assert_eq!(Ymd::check("20240229").unwrap(), Ymd { year: 2024, month: 2, day: 29 });
        assert!(Ymd::check("20230229").is_err());
        assert!(Ymd::check("2024-02-29").is_err());
        assert!(Ymd::check("２０２４０２２９").is_err());
        assert_eq!(Timestamp::check("20260930235959").unwrap().seconds, 86399);
        assert!(Timestamp::check("20260930240000").is_err());
    }

    #[test]
    fn codes_map_to_their_meaning() {
        assert_eq!(ValidityCode::check("3").unwrap().0, Validity::InvalidNewerExists);
        assert!(ValidityCode::check("6").is_err());
        assert_eq!(Segment::check("9").unwrap(), Segment::Aborted);
        assert_eq!(Processing::check("2").unwrap(), Processing::Error);
    }
}
