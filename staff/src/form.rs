//! The counter's number-based check form, checked before anything is sent: the 保険者番号 by the one shared
//! validator ([`onshi_proto::insurer_number`], check digit included), then 記号・番号・枝番 by the shared bounds
//! ([`onshi_proto::insured_number`]) and 生年月日, which staff may type in 和暦 as the 資格確認書 prints it or in
//! 西暦 ([`onshi_proto::written_date`]). Pure, so it is tested natively.

use onshi_proto::IsoDate;
use onshi_proto::api::StaffNumberQuery;
use onshi_proto::insured_number::{InsuredNumber, InsuredNumberError};
use onshi_proto::insurer_number::{InsurerNumber, InsurerNumberError};
use onshi_proto::written_date::{self, WrittenDateError};

/// What staff typed, as the form's text fields hold it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NumberForm {
    /// 保険者番号.
    pub insurer_number: String,
    /// 記号 (may be empty).
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番 (may be empty).
    pub branch: String,
    /// 生年月日 as typed: 和暦 (`昭和55年2月17日`, `S55.2.17`) or 西暦 (`1980-02-17`, `1980/2/17`).
    pub birth_date: String,
}

/// Why the form cannot be sent. Each problem has a message in the console's resource files ([`FormProblem::key`])
/// and names the field to correct ([`FormProblem::field_id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormProblem {
    /// The 保険者番号 is not 6 or 8 digits.
    InsurerNumberLength,
    /// The 保険者番号 holds something other than digits.
    InsurerNumberNotDigits,
    /// The 保険者番号's 検証番号 does not match.
    InsurerNumberCheckDigit,
    /// 番号 is empty or too long.
    Number,
    /// 記号 is too long.
    Symbol,
    /// 枝番 is not two digits.
    Branch,
    /// 生年月日 is not a date.
    BirthDate,
}

impl FormProblem {
    /// The resource key of the message shown beside the form (`staff/locales/`).
    pub fn key(self) -> &'static str {
        match self {
            Self::InsurerNumberLength => "staff.form.insurer_number_length",
            Self::InsurerNumberNotDigits => "staff.form.insurer_number_not_digits",
            Self::InsurerNumberCheckDigit => "staff.form.insurer_number_check_digit",
            Self::Number => "staff.form.number",
            Self::Symbol => "staff.form.symbol",
            Self::Branch => "staff.form.branch",
            Self::BirthDate => "staff.form.birth_date",
        }
    }

    /// The `id` of the input that holds the mistake; the console marks it invalid and moves the focus to it.
    pub fn field_id(self) -> &'static str {
        match self {
            Self::InsurerNumberLength | Self::InsurerNumberNotDigits | Self::InsurerNumberCheckDigit => FIELD_IDS[0],
            Self::Symbol => FIELD_IDS[1],
            Self::Number => FIELD_IDS[2],
            Self::Branch => FIELD_IDS[3],
            Self::BirthDate => FIELD_IDS[4],
        }
    }
}

/// The `id`s of the form's inputs, in the form's (and the focus') order: 保険者番号, 記号, 番号, 枝番, 生年月日.
pub const FIELD_IDS: [&str; 5] = ["insurer-number", "symbol", "number", "branch", "birth-date"];

/// Full-width digits (as a Japanese IME types them) become ASCII; everything else is kept as typed.
fn ascii_digits(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            other => other,
        })
        .collect()
}

impl NumberForm {
    /// The query to send, or the first problem in the form's order.
    pub fn validate(&self) -> Result<StaffNumberQuery, FormProblem> {
        let insurer_number = ascii_digits(&self.insurer_number);
        InsurerNumber::parse(&insurer_number).map_err(|error| match error {
            InsurerNumberError::NotDigits => FormProblem::InsurerNumberNotDigits,
            InsurerNumberError::Length { .. } => FormProblem::InsurerNumberLength,
            InsurerNumberError::CheckDigitMismatch { .. } => FormProblem::InsurerNumberCheckDigit,
        })?;
        // The bounds of 記号・番号・枝番 are the shared ones the edge and the origin apply too.
        let insured =
            InsuredNumber::parse(Some(&self.symbol), &ascii_digits(&self.number), Some(&ascii_digits(&self.branch)))
                .map_err(|error| match error {
                    InsuredNumberError::Symbol => FormProblem::Symbol,
                    InsuredNumberError::Number => FormProblem::Number,
                    InsuredNumberError::Branch => FormProblem::Branch,
                })?;
        let birth_date = written_date::parse(&self.birth_date).map_err(|_| FormProblem::BirthDate)?;
        Ok(StaffNumberQuery {
            insurer_number,
            symbol: insured.symbol.map(String::from),
            number: insured.number.into(),
            branch: insured.branch.map(String::from),
            birth_date,
        })
    }
}

/// How the console reads the 生年月日 back to staff while they type, so a slip in the era or the year is seen before
/// the check is sent: the date it will ask for, or why it cannot read one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BirthDateReading {
    /// Nothing typed yet.
    Empty,
    /// The date the check will ask for.
    Reads(IsoDate),
    /// What is typed is not a date; the value is the resource key of the reason.
    Problem(&'static str),
}

impl BirthDateReading {
    /// The reading of what is in the field now.
    pub fn of(typed: &str) -> Self {
        if typed.trim().is_empty() {
            return Self::Empty;
        }
        match written_date::parse(typed) {
            Ok(date) => Self::Reads(date),
            Err(WrittenDateError::Unreadable) => Self::Problem("staff.by_number.birth_date_unreadable"),
            Err(WrittenDateError::NoSuchDay) => Self::Problem("staff.by_number.birth_date_no_such_day"),
            Err(WrittenDateError::OutsideEra) => Self::Problem("staff.by_number.birth_date_outside_era"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn form(insurer_number: &str) -> NumberForm {
        NumberForm {
            insurer_number: insurer_number.into(),
            symbol: "12-34".into(),
            number: "5678".into(),
            branch: "01".into(),
            birth_date: "1980-02-17".into(),
        }
    }

    #[test]
    fn a_valid_form_becomes_the_query() {
        let query = form("33120015").validate().unwrap();
        assert_eq!(query.insurer_number, "33120015");
        assert_eq!(query.symbol.as_deref(), Some("12-34"));
        assert_eq!(query.number, "5678");
        assert_eq!(query.branch.as_deref(), Some("01"));
        assert_eq!(query.birth_date.to_string(), "1980-02-17");
        // Full-width digits from an IME are accepted; empty optional fields are left out.
        let typed = NumberForm { symbol: " ".into(), branch: String::new(), ..form("３３１２００１５") };
        let query = typed.validate().unwrap();
        assert_eq!(query.insurer_number, "33120015");
        assert!(query.symbol.is_none() && query.branch.is_none());
    }

    #[test]
    fn a_wrong_check_digit_is_refused_before_anything_is_sent() {
        assert_eq!(form("33120016").validate(), Err(FormProblem::InsurerNumberCheckDigit));
        assert_eq!(form("3312001").validate(), Err(FormProblem::InsurerNumberLength));
        assert_eq!(form("3312001a").validate(), Err(FormProblem::InsurerNumberNotDigits));
        assert_eq!(FormProblem::InsurerNumberCheckDigit.field_id(), "insurer-number");
        let message = crate::text::t(onshi_web::i18n::Lang::Ja, FormProblem::InsurerNumberCheckDigit.key());
        assert!(message.contains("検証番号"), "{message}");
    }

    #[test]
    fn the_other_fields_are_checked_too() {
        assert_eq!(NumberForm { number: String::new(), ..form("33120015") }.validate(), Err(FormProblem::Number));
        assert_eq!(NumberForm { branch: "1".into(), ..form("33120015") }.validate(), Err(FormProblem::Branch));
        assert_eq!(
            NumberForm { birth_date: "1980-02-30".into(), ..form("33120015") }.validate(),
            Err(FormProblem::BirthDate)
        );
        assert_eq!(NumberForm { symbol: "x".repeat(41), ..form("33120015") }.validate(), Err(FormProblem::Symbol));
    }

    #[test]
    fn the_birth_date_is_taken_as_the_certificate_prints_it() {
        for typed in ["昭和55年2月17日", "S55.2.17", "昭55/2/17", "１９８０年２月１７日", "1980/2/17"] {
            let query = NumberForm { birth_date: typed.into(), ..form("33120015") }.validate().unwrap();
            assert_eq!(query.birth_date.to_string(), "1980-02-17", "{typed}");
        }
        // An era that never had the day is refused before anything is sent, not sent as a guess.
        let slipped = NumberForm { birth_date: "平成55年2月17日".into(), ..form("33120015") };
        assert_eq!(slipped.validate(), Err(FormProblem::BirthDate));
        assert_eq!(
            NumberForm { birth_date: "80/2/17".into(), ..form("33120015") }.validate(),
            Err(FormProblem::BirthDate)
        );
    }

    #[test]
    fn staff_see_what_the_birth_date_reads_as_while_typing() {
        use crate::text::t;
        use onshi_web::i18n::Lang;
        assert_eq!(BirthDateReading::of("  "), BirthDateReading::Empty);
        assert_eq!(BirthDateReading::of("S13.3.9"), BirthDateReading::Reads(IsoDate::parse("1938-03-09").unwrap()));
        let problems =
            [BirthDateReading::of("S13.3"), BirthDateReading::of("S13.2.30"), BirthDateReading::of("平成55年2月17日")];
        let keys: Vec<_> = problems
            .iter()
            .map(|reading| match reading {
                BirthDateReading::Problem(key) => *key,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            keys,
            [
                "staff.by_number.birth_date_unreadable",
                "staff.by_number.birth_date_no_such_day",
                "staff.by_number.birth_date_outside_era"
            ]
        );
        for key in keys.into_iter().chain(["staff.by_number.birth_date_reads", "staff.by_number.birth_date_example"]) {
            for lang in Lang::ALL {
                assert_ne!(t(lang, key), key, "{key} in {lang:?}");
            }
        }
    }

    #[test]
    fn every_problem_names_a_field_of_the_form_and_has_a_message_in_every_language() {
        use crate::text::t;
        use onshi_web::i18n::Lang;
        let all = [
            FormProblem::InsurerNumberLength,
            FormProblem::InsurerNumberNotDigits,
            FormProblem::InsurerNumberCheckDigit,
            FormProblem::Number,
            FormProblem::Symbol,
            FormProblem::Branch,
            FormProblem::BirthDate,
        ];
        for problem in all {
            assert!(FIELD_IDS.contains(&problem.field_id()), "{problem:?}");
            for lang in Lang::ALL {
                assert_ne!(t(lang, problem.key()), problem.key(), "{problem:?} in {lang:?}");
            }
        }
        assert_eq!(FormProblem::Number.field_id(), "number");
        assert_eq!(FormProblem::BirthDate.field_id(), "birth-date");
    }
}
