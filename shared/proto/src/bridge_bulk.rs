//! The bulk pre-check (一括照会, 前日確認) of a day's appointments through the facility's 資格確認端末: the rows staff
//! upload, what the terminal said of each, and how the request stands while the terminal works on it.
//!
//! Layer: wire types of the contract, pure. Staff post [`BulkUpload`] to [`STAFF_TERMINAL_BULK_PATH`] and get a
//! [`BulkTicket`]; they then post the ticket to [`STAFF_TERMINAL_BULK_STATUS_PATH`] and read a [`BulkProgress`]
//! until it is [`BulkProgress::Done`] (or ended otherwise). The rows travel to the bridge inside
//! [`crate::bridge_link::TerminalAsk::Bulk`] and come back as [`BulkRowOutcome`]s in the same order. A row names no
//! patient: the clinic's own patient id stays in the console, which matches results by position.
//!
//! Must not: hold a rule of its own about a number or a date (each field is the validating type of its part), or
//! carry anything the results table does not show (no name, no address).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Serialize};

use crate::IsoDate;
use crate::identifier::Identifier;
use crate::insured_number::{BranchNumber, InsuredNo, InsuredSymbol};
use crate::insurer_number::InsurerNumber;
use crate::qualification::Percent;
use crate::qualification::Validity;

/// The staff route that hands a bulk pre-check to the facility's bridge: body [`BulkUpload`], answered with
/// [`BulkTicket`]; `bridge_not_connected` when the bridge holds no link, `too_many_rows` over [`MAX_BULK_ROWS`].
pub const STAFF_TERMINAL_BULK_PATH: &str = "/api/v1/staff/terminal/bulk";

/// The staff route that says how a bulk pre-check stands: body [`BulkTicket`], answered with [`BulkProgress`];
/// `not_found` for a ticket this facility's store does not hold (another facility's, or one already read).
pub const STAFF_TERMINAL_BULK_STATUS_PATH: &str = "/api/v1/staff/terminal/bulk/status";

/// Most rows in one upload: a clinic's busiest day, and what one link message carries comfortably.
pub const MAX_BULK_ROWS: usize = 1000;

/// Largest body of a bulk upload, in bytes: [`MAX_BULK_ROWS`] rows with every part at its longest (a 記号 of 40
/// and a 番号 of 20 four-byte characters make a row of about 330 bytes).
pub const MAX_BULK_UPLOAD_BYTES: usize = 384 * 1024;

/// One appointment to check: the number on the patient's card and the birth date, each part checked as it is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appointment {
    /// 保険者番号.
    pub insurer_number: InsurerNumber,
    /// 記号, when the card has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<InsuredSymbol>,
    /// 番号.
    pub number: InsuredNo,
    /// 枝番, when the card has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<BranchNumber>,
    /// 生年月日.
    pub birth_date: IsoDate,
}

/// Why a list of appointments was refused as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppointmentsError {
    /// No row at all.
    #[error("a bulk pre-check has at least one row")]
    Empty,
    /// More than [`MAX_BULK_ROWS`].
    #[error("a bulk pre-check has at most {MAX_BULK_ROWS} rows")]
    TooMany,
    /// Two rows name the same insured person ([`repeated_rows`]): the row at index `row` repeats the one
    /// at `first` (indexes in the list, from 0).
    #[error("row {row} names the insured person of row {first} again")]
    Repeated {
        /// The repeating row.
        row: usize,
        /// The row it repeats.
        first: usize,
    },
}

impl Appointment {
    /// The insured person the row names: 保険者番号, 記号, 番号 and 枝番 (an absent part as ""), whatever the birth
    /// date. Rows and by-number checks with equal parts are tries against one person.
    pub fn insured_person(&self) -> [&str; 4] {
        [
            self.insurer_number.as_str(),
            self.symbol.as_ref().map_or("", |symbol| symbol.as_str()),
            self.number.as_str(),
            self.branch.as_ref().map_or("", |branch| branch.as_str()),
        ]
    }
}

/// Every row that names the insured person ([`Appointment::insured_person`]) of an earlier row, as (that row, the
/// first row naming them), indexes from 0 in list order. A day's appointment list has each patient once; a list
/// that names one person twice could only be trying birth dates against them, so it is refused.
pub fn repeated_rows(rows: &[Appointment]) -> Vec<(usize, usize)> {
    let mut first_of = HashMap::with_capacity(rows.len());
    let mut repeats = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        match first_of.entry(row.insured_person()) {
            Entry::Occupied(first) => repeats.push((index, *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
    }
    repeats
}

/// The rows of one upload: 1 to [`MAX_BULK_ROWS`], each insured person once, in the order the console will read
/// the results in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Appointment>", into = "Vec<Appointment>")]
pub struct Appointments(Vec<Appointment>);

impl Appointments {
    /// The rows, in order.
    pub fn rows(&self) -> &[Appointment] {
        &self.0
    }
}

impl TryFrom<Vec<Appointment>> for Appointments {
    type Error = AppointmentsError;

    fn try_from(rows: Vec<Appointment>) -> Result<Self, AppointmentsError> {
        match rows.len() {
            0 => Err(AppointmentsError::Empty),
            n if n > MAX_BULK_ROWS => Err(AppointmentsError::TooMany),
            _ => match repeated_rows(&rows).first() {
                Some(&(row, first)) => Err(AppointmentsError::Repeated { row, first }),
                None => Ok(Self(rows)),
            },
        }
    }
}

impl From<Appointments> for Vec<Appointment> {
    fn from(rows: Appointments) -> Self {
        rows.0
    }
}

/// Body of `POST` [`STAFF_TERMINAL_BULK_PATH`]. The rows are read as plain JSON first, so that too many rows is
/// told apart ([`BulkUpload::appointments`]) from a row that does not check (`bad_request`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkUpload {
    /// The rows.
    pub rows: Vec<Appointment>,
}

impl BulkUpload {
    /// The rows as a checked list.
    pub fn appointments(self) -> Result<Appointments, AppointmentsError> {
        Appointments::try_from(self.rows)
    }
}

/// The handle of one bulk pre-check, which its status is asked with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkTicket {
    /// The link request id the facility's store and the bridge know it by.
    pub id: crate::identifier::LinkRequestId,
}

/// What the terminal said of one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkRowOutcome {
    /// The terminal checked the row.
    Answered {
        /// 有効, 無効, 該当資格なし, and the rest.
        validity: Validity,
        /// 負担割合 in percent, when the answer carries one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contribution_percent: Option<Percent>,
        /// 限度額適用区分, when the answer carries one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit_category: Option<Identifier>,
    },
    /// The terminal could not check this row (an error for the row, or no unit came back for it).
    Failed,
}

/// How a bulk pre-check stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkProgress {
    /// 送信済: handed to the bridge, not yet journalled there.
    Sent,
    /// 端末処理中: journalled by the bridge's spool, which uploads it and fetches the result.
    TerminalProcessing,
    /// 完了: one outcome per uploaded row, in the order of the upload.
    Done {
        /// The rows' outcomes.
        rows: Vec<BulkRowOutcome>,
    },
    /// 端末応答なし: the terminal may have processed it and did not answer in time; it is never sent again.
    NoAnswer,
    /// The terminal answered the whole request with an error, or it never reached the terminal.
    Failed,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    const ROW: &str =
        r#"{"insurer_number":"06130017","symbol":"記号１","number":"00001","branch":"01","birth_date":"1980-01-15"}"#;

    /// `rows` rows, each a person of its own (番号 00000, 00001, …).
    fn distinct_rows(rows: usize) -> Vec<String> {
        (0..rows).map(|i| ROW.replace("00001", &format!("{i:05}"))).collect()
    }

    fn upload(rows: usize) -> String {
        format!(r#"{{"rows":[{}]}}"#, distinct_rows(rows).join(","))
    }

    #[test]
    fn rows_are_counted_apart_from_being_read() {
        let read: BulkUpload = serde_json::from_str(&upload(MAX_BULK_ROWS)).unwrap();
        assert_eq!(read.appointments().unwrap().rows().len(), MAX_BULK_ROWS);
        let over: BulkUpload = serde_json::from_str(&upload(MAX_BULK_ROWS + 1)).unwrap();
        assert_eq!(over.appointments(), Err(AppointmentsError::TooMany));
        let none: BulkUpload = serde_json::from_str(r#"{"rows":[]}"#).unwrap();
        assert_eq!(none.appointments(), Err(AppointmentsError::Empty));
        assert!(upload(MAX_BULK_ROWS).len() < MAX_BULK_UPLOAD_BYTES);
    }

    #[test]
    fn a_checked_list_refuses_too_many_rows_when_it_is_read() {
        let list = format!("[{}]", distinct_rows(MAX_BULK_ROWS + 1).join(","));
        assert!(serde_json::from_str::<Appointments>(&list).is_err());
        assert!(serde_json::from_str::<Appointments>("[]").is_err());
        let one: Appointments = serde_json::from_str(&format!("[{ROW}]")).unwrap();
        assert_eq!(serde_json::to_string(&one).unwrap(), format!("[{ROW}]"));
    }

    #[test]
    fn a_list_naming_one_insured_person_twice_is_refused_whatever_the_birth_dates() {
        let other_birth_date = ROW.replace("1980-01-15", "1981-03-09");
        let family_member = ROW.replace(r#""01""#, r#""02""#);
        let other_symbol = ROW.replace("記号１", "記号２");
        let rows = [ROW, family_member.as_str(), other_symbol.as_str(), other_birth_date.as_str(), ROW];
        let read: BulkUpload = serde_json::from_str(&format!(r#"{{"rows":[{}]}}"#, rows.join(","))).unwrap();
        assert_eq!(repeated_rows(&read.rows), vec![(3, 0), (4, 0)]);
        assert_eq!(read.appointments(), Err(AppointmentsError::Repeated { row: 3, first: 0 }));
        let list = format!("[{ROW},{other_birth_date}]");
        assert!(serde_json::from_str::<Appointments>(&list).is_err(), "nor can such a list be read as checked");
        let distinct = format!("[{ROW},{family_member},{other_symbol}]");
        assert_eq!(serde_json::from_str::<Appointments>(&distinct).unwrap().rows().len(), 3);
    }

    #[test]
    fn a_row_whose_part_does_not_check_is_refused() {
        for (from, to) in [
            ("06130017", "06130018"),     // the insurer number's check digit
            ("1980-01-15", "1980-02-30"), // no such day
            (r#""01""#, r#""1""#),        // a 枝番 is two digits
            (r#""00001""#, r#""""#),      // a 番号 is never empty
        ] {
            let bad = ROW.replace(from, to);
            assert_ne!(bad, ROW);
            assert!(serde_json::from_str::<Appointment>(&bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Appointment>(&ROW.replacen('{', r#"{"name":"診療 太郎","#, 1)).is_err());
    }

    #[test]
    fn progress_and_row_outcomes_have_their_wire_spelling() {
        let done = BulkProgress::Done {
            rows: vec![
                BulkRowOutcome::Answered {
                    validity: Validity::Valid,
                    contribution_percent: Some(Percent::literal(30)),
                    limit_category: Some(Identifier::parse("ア").unwrap()),
                },
                BulkRowOutcome::Failed,
            ],
        };
        let text = serde_json::to_string(&done).unwrap();
        assert_eq!(
            text,
            r#"{"state":"done","rows":[{"state":"answered","validity":"valid","contribution_percent":30,"limit_category":"ア"},{"state":"failed"}]}"#
        );
        assert_eq!(serde_json::from_str::<BulkProgress>(&text).unwrap(), done);
        for (progress, spelling) in [
            (BulkProgress::Sent, "sent"),
            (BulkProgress::TerminalProcessing, "terminal_processing"),
            (BulkProgress::NoAnswer, "no_answer"),
            (BulkProgress::Failed, "failed"),
        ] {
            assert_eq!(serde_json::to_string(&progress).unwrap(), format!(r#"{{"state":"{spelling}"}}"#));
        }
        let share = r#"{"state":"answered","validity":"valid","contribution_percent":101}"#;
        assert!(serde_json::from_str::<BulkRowOutcome>(share).is_err(), "a share over 100 percent");
    }
}
