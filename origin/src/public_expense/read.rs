//! A payer's batch: JSON Lines, one 公費 per line, each line read field by field so that every fault is named by its
//! line, its field and a stable code, and a file with any fault changes nothing.
//!
//! A line is `{"individual_number", "kind", "recipient_number", "validity", "monthly_self_pay_yen"?, "tickets"?}`;
//! the payer is the credential's, never the file's, so a payer cannot register another payer's 公費.
//!
//! Pure: no I/O, no clock.

use std::collections::{BTreeMap, HashSet};

use onshi_proto::public_expense::{
    MedicalTicket, PayerNumber, PublicExpense, PublicExpenseError, PublicExpenseKind, RecipientNumber, SelfPayYen,
    ValidityPeriod,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::batch::tally::MAX_REPORTED_ERRORS;
use crate::individual_number::IndividualNumber;

/// Most rows in one payer batch: a large city's 子ども医療費 recipients change by far fewer in one run.
pub const MAX_PAYER_ROWS: usize = 50_000;

/// The fields a line may have.
const FIELDS: [&str; 6] =
    ["individual_number", "kind", "recipient_number", "validity", "monthly_self_pay_yen", "tickets"];

/// What is wrong with a row, as a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayerRowErrorCode {
    /// The line is not one JSON object.
    Malformed,
    /// A field the line must have is absent.
    Missing,
    /// A field holds a value its type refuses (a wrong check digit, a period that ends before it starts …).
    Invalid,
    /// A field the format does not have.
    UnknownField,
    /// The kind needs another 法別番号 than the payer's (医療扶助 12, 難病 54, 小児慢性 52).
    LawCode,
    /// Tickets on a 受給者証, or more than a 医療扶助 may carry.
    Tickets,
    /// The same 受給者番号 twice in the file.
    Duplicate,
    /// No person with this 個人番号 is registered.
    UnknownPerson,
    /// The file has more than [`MAX_PAYER_ROWS`] rows.
    TooManyRows,
}

/// One fault of a row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PayerRowError {
    /// 1-based line number in the file.
    pub line: u64,
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// What is wrong.
    pub code: PayerRowErrorCode,
}

/// A row that passed every check of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayerRow {
    /// 1-based line number in the file.
    pub line: u64,
    /// Whose 公費 it is.
    pub individual_number: IndividualNumber,
    /// Which 公費.
    pub kind: PublicExpenseKind,
    /// 公費受給者番号.
    pub recipient_number: RecipientNumber,
    /// When it applies.
    pub validity: ValidityPeriod,
    /// 自己負担上限月額, when the 受給者証 has one.
    pub monthly_self_pay_yen: Option<SelfPayYen>,
    /// 医療券/調剤券 (医療扶助 only).
    pub tickets: Vec<MedicalTicket>,
}

/// The faults of a refused batch, bounded: the first [`MAX_REPORTED_ERRORS`] by line, and a count of all by code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowErrors {
    first: Vec<PayerRowError>,
    by_code: BTreeMap<PayerRowErrorCode, u64>,
    total: u64,
}

impl RowErrors {
    /// The faults of `errors`, whatever their order.
    pub fn of(mut errors: Vec<PayerRowError>) -> Self {
        errors.sort_by_key(|error| error.line);
        let mut tally = Self::default();
        for error in errors {
            tally.push(error);
        }
        tally
    }

    fn push(&mut self, error: PayerRowError) {
        self.total = self.total.saturating_add(1);
        let count = self.by_code.entry(error.code).or_default();
        *count = count.saturating_add(1);
        if self.first.len() < MAX_REPORTED_ERRORS {
            self.first.push(error);
        }
    }

    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The kept faults, first by line.
    pub fn first(&self) -> &[PayerRowError] {
        &self.first
    }

    /// How many faults, kept or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// How many faults of each code.
    pub fn by_code(&self) -> &BTreeMap<PayerRowErrorCode, u64> {
        &self.by_code
    }
}

/// Reads `body` for `payer`: every row, or every fault (bounded) and nothing else.
pub fn read_payer_batch(body: &[u8], payer: &PayerNumber) -> Result<Vec<PayerRow>, RowErrors> {
    let mut rows = Vec::new();
    let mut errors = RowErrors::default();
    let mut seen = HashSet::new();
    let lines = body.split(|&b| b == b'\n').enumerate().filter(|(_, line)| !line.trim_ascii().is_empty());
    for (read, (index, line)) in lines.enumerate() {
        let line_number = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
        if read >= MAX_PAYER_ROWS {
            errors.push(PayerRowError { line: line_number, field: None, code: PayerRowErrorCode::TooManyRows });
            break;
        }
        match read_row(line_number, line, payer) {
            Ok(row) if !seen.insert(row.recipient_number.clone()) => errors.push(PayerRowError {
                line: line_number,
                field: Some("recipient_number"),
                code: PayerRowErrorCode::Duplicate,
            }),
            Ok(row) => rows.push(row),
            Err(row_errors) => row_errors.into_iter().for_each(|error| errors.push(error)),
        }
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// One line, every fault of it named.
fn read_row(line: u64, text: &[u8], payer: &PayerNumber) -> Result<PayerRow, Vec<PayerRowError>> {
    let fault = |field, code| PayerRowError { line, field, code };
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice::<serde_json::Value>(text) else {
        return Err(vec![fault(None, PayerRowErrorCode::Malformed)]);
    };
    let mut errors: Vec<PayerRowError> = object
        .keys()
        .filter_map(|key| match FIELDS.iter().find(|field| **field == key.as_str()) {
            Some(_) => None,
            None => Some(fault(None, PayerRowErrorCode::UnknownField)),
        })
        .collect();
    let mut take = |name: &'static str, required: bool| match object.remove(name) {
        None | Some(serde_json::Value::Null) if required => {
            errors.push(fault(Some(name), PayerRowErrorCode::Missing));
            None
        }
        value => value,
    };
    let individual_number = take("individual_number", true);
    let kind = take("kind", true);
    let recipient_number = take("recipient_number", true);
    let validity = take("validity", true);
    let monthly_self_pay_yen = take("monthly_self_pay_yen", false);
    let tickets = take("tickets", false);
    let individual_number = individual_number.and_then(|value| {
        let parsed = value.as_str().and_then(|text| IndividualNumber::parse(text).ok());
        if parsed.is_none() {
            errors.push(fault(Some("individual_number"), PayerRowErrorCode::Invalid));
        }
        parsed
    });
    let kind = typed::<PublicExpenseKind>(kind, "kind", line, &mut errors);
    let recipient_number = typed::<RecipientNumber>(recipient_number, "recipient_number", line, &mut errors);
    let validity = typed::<ValidityPeriod>(validity, "validity", line, &mut errors);
    let monthly_self_pay_yen =
        typed::<Option<SelfPayYen>>(monthly_self_pay_yen, "monthly_self_pay_yen", line, &mut errors);
    let tickets = typed::<Option<Vec<MedicalTicket>>>(tickets, "tickets", line, &mut errors);
    let (Some(individual_number), Some(kind), Some(recipient_number), Some(validity), Some(monthly), Some(tickets)) =
        (individual_number, kind, recipient_number, validity, monthly_self_pay_yen, tickets)
    else {
        return Err(errors);
    };
    let tickets = tickets.unwrap_or_default();
    match PublicExpense::check_fit(kind, payer, &tickets) {
        Err(PublicExpenseError::LawCode) => errors.push(fault(Some("kind"), PayerRowErrorCode::LawCode)),
        Err(_) => errors.push(fault(Some("tickets"), PayerRowErrorCode::Tickets)),
        Ok(()) => {}
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PayerRow { line, individual_number, kind, recipient_number, validity, monthly_self_pay_yen: monthly, tickets })
}

/// `value` read as `T`, or a fault named by `field`; an absent optional value reads as `T`'s `null`.
fn typed<T: DeserializeOwned>(
    value: Option<serde_json::Value>,
    field: &'static str,
    line: u64,
    errors: &mut Vec<PayerRowError>,
) -> Option<T> {
    match serde_json::from_value(value.unwrap_or(serde_json::Value::Null)) {
        Ok(parsed) => Some(parsed),
        Err(_) => {
            // A required field that was absent is already counted as missing.
            if !errors.iter().any(|error| error.line == line && error.field == Some(field)) {
                errors.push(PayerRowError { line, field: Some(field), code: PayerRowErrorCode::Invalid });
            }
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use serde_json::json;

    const PERSON: &str = "111111111118";

    fn welfare_office() -> PayerNumber {
        PayerNumber::parse("12131017").unwrap()
    }

    fn assistance_line() -> serde_json::Value {
        json!({
            "individual_number": PERSON, "kind": "medical_assistance", "recipient_number": "1234566",
            "validity": {"valid_from": "2026-04-01"},
            "tickets": [{
                "kind": "medical", "validity": {"valid_from": "2026-11-01", "valid_until": "2026-11-30"},
                "issue_number": "202611000123", "treatment_month": "2026-11",
                "designated_facility_code": "1312345679", "designated_facility_name": "しんじゅく内科",
                "self_pay_yen": 0
            }]
        })
    }

    fn body(lines: &[serde_json::Value]) -> Vec<u8> {
        lines.iter().map(|line| format!("{line}\n")).collect::<String>().into_bytes()
    }

    #[test]
    fn a_clean_line_becomes_a_row_with_its_tickets() {
        let rows = read_payer_batch(&body(&[assistance_line()]), &welfare_office()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, PublicExpenseKind::MedicalAssistance);
        assert_eq!(rows[0].tickets.len(), 1);
        assert_eq!(rows[0].tickets[0].treatment_month.compact(), "202611");
    }

    #[test]
    fn every_fault_is_named_by_line_field_and_code() {
        let mut wrong_digit = assistance_line();
        wrong_digit["recipient_number"] = json!("1234567");
        let mut backwards = assistance_line();
        backwards["validity"] = json!({"valid_from": "2026-04-02", "valid_until": "2026-04-01"});
        backwards["recipient_number"] = json!("2345676");
        let mut missing = assistance_line();
        missing.as_object_mut().unwrap().remove("individual_number");
        missing["recipient_number"] = json!("7654320");
        let mut extra = assistance_line();
        extra["payer_number"] = json!("54016027");
        let mut certificate_with_tickets = assistance_line();
        certificate_with_tickets["kind"] = json!("child_medical");
        let mut wrong_law = assistance_line();
        wrong_law["kind"] = json!("intractable_disease");
        wrong_law["tickets"] = json!([]);
        let mut file = body(&[
            wrong_digit,
            backwards,
            missing,
            extra,
            certificate_with_tickets,
            wrong_law,
            assistance_line(),
            assistance_line(),
        ]);
        file.extend_from_slice(b"not json\n");
        let errors = read_payer_batch(&file, &welfare_office()).unwrap_err();
        let found: Vec<(u64, Option<&str>, PayerRowErrorCode)> =
            errors.first().iter().map(|error| (error.line, error.field, error.code)).collect();
        use PayerRowErrorCode::*;
        assert_eq!(
            found,
            [
                (1, Some("recipient_number"), Invalid),
                (2, Some("validity"), Invalid),
                (3, Some("individual_number"), Missing),
                (4, None, UnknownField),
                (5, Some("tickets"), Tickets),
                (6, Some("kind"), LawCode),
                (8, Some("recipient_number"), Duplicate),
                (9, None, Malformed),
            ]
        );
        assert_eq!(errors.total(), 8);
    }

    #[test]
    fn a_municipal_certificate_has_a_monthly_limit_and_no_tickets() {
        let city = PayerNumber::parse("88131016").unwrap();
        let line = json!({
            "individual_number": PERSON, "kind": "child_medical", "recipient_number": "1234566",
            "validity": {"valid_from": "2026-04-01", "valid_until": "2027-03-31"}, "monthly_self_pay_yen": 200
        });
        let rows = read_payer_batch(&body(&[line]), &city).unwrap();
        assert_eq!(rows[0].monthly_self_pay_yen.map(SelfPayYen::yen), Some(200));
        assert!(rows[0].tickets.is_empty());
    }

    #[test]
    fn a_file_past_the_row_limit_is_refused_and_its_errors_stay_bounded() {
        let line = format!("{}\n", json!({"kind": "nonsense"}));
        let file = line.repeat(MAX_PAYER_ROWS + 10).into_bytes();
        let errors = read_payer_batch(&file, &welfare_office()).unwrap_err();
        assert_eq!(errors.first().len(), MAX_REPORTED_ERRORS);
        assert_eq!(errors.by_code().get(&PayerRowErrorCode::TooManyRows), Some(&1));
        assert!(errors.total() > MAX_PAYER_ROWS as u64);
    }
}
