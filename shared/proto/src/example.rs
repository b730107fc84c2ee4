//! Worked example values of the wire types, for the tests of this crate and of the crates that show or store them:
//! a test that needs "a 医療扶助 with this month's 医療券" takes it from here, and names only what its case changes
//! (`PublicExpense { tickets: …, ..example::medical_assistance() }`), rather than writing a copy of its own.
//!
//! Layer: test support. Compiled for this crate's tests, and for other crates' tests through the `example`
//! feature, which they enable as a dev-dependency only. Must not: be enabled in a shipped build, or hold a rule.

#![allow(clippy::unwrap_used, reason = "every value here is a constant that parses; a failure is a broken example")]

use crate::IsoDate;
use crate::facility::FacilityCode;
use crate::public_expense::{
    IssueNumber, MedicalTicket, PayerNumber, PublicExpense, PublicExpenseKind, RecipientNumber, SelfPayYen, TicketKind,
    TreatmentMonth, ValidityPeriod,
};
use crate::record_text::RecordText;

/// A day written as ISO 8601.
pub fn day(text: &str) -> IsoDate {
    IsoDate::parse(text).unwrap()
}

/// A 医療券 for `month` (`2026-11`), valid from `from` to `until`, issued for しんじゅく内科 (1312345679), with a
/// self-pay of 1,500 yen.
pub fn medical_ticket(month: &str, from: &str, until: &str) -> MedicalTicket {
    MedicalTicket {
        kind: TicketKind::Medical,
        validity: ValidityPeriod::new(day(from), Some(day(until))).unwrap(),
        issue_number: IssueNumber::parse("2026110001").unwrap(),
        treatment_month: TreatmentMonth::parse(month).unwrap(),
        designated_facility_code: FacilityCode::parse("1312345679").unwrap(),
        designated_facility_name: RecordText::parse("しんじゅく内科").unwrap(),
        self_pay_yen: SelfPayYen::try_from(1500).unwrap(),
    }
}

/// 医療扶助 (生活保護) from the 新宿区福祉事務所, 公費負担者番号 12131017 (法別 12), 受給者番号 1234566, from
/// 2026-04-01 with no end, with the 医療券 of 2026-11.
pub fn medical_assistance() -> PublicExpense {
    PublicExpense {
        kind: PublicExpenseKind::MedicalAssistance,
        payer_number: PayerNumber::parse("12131017").unwrap(),
        recipient_number: RecipientNumber::parse("1234566").unwrap(),
        payer_name: RecordText::parse("新宿区福祉事務所").unwrap(),
        validity: ValidityPeriod::new(day("2026-04-01"), None).unwrap(),
        monthly_self_pay_yen: None,
        tickets: vec![medical_ticket("2026-11", "2026-11-01", "2026-11-30")],
    }
}
