//! What an insurer's batch upload answers, defined once: the report of an applied batch, or the rejection of a
//! refused one with its first bad rows and a count of all. The origin writes them, the edge reads them on the way
//! (an answer of another shape is the origin's error, never passed on) and the insurer console shows them.
//!
//! Must not: carry anything of a row beyond its line, the field at fault and the code: a bad row's values are the
//! insurer's members' data and stay in the insurer's file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ErrorCode;
use crate::wire_enum::wire_text;

/// Most refused rows a rejection lists; the rest are counted ([`BatchRejection::total_errors`]).
pub const MAX_LISTED_ROWS: usize = 1_000;

/// What an applied batch did. Returned on upload and by the batch report route.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchReport {
    /// The batch identifier.
    pub batch_id: String,
    /// The uploading insurer.
    pub insurer_number: String,
    /// When it was committed (Unix seconds).
    pub received_at: i64,
    /// Rows in the file.
    pub rows_total: i64,
    /// Member records registered (held ones included).
    pub records_registered: i64,
    /// Of those, how many are held until the insurer acts.
    pub records_held: i64,
    /// 資格喪失 rows applied.
    pub qualifications_lost: i64,
    /// Notices raised for the insurer.
    pub notifications_raised: i64,
}

/// Why one row was refused. The names are part of the insurer API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum RowErrorCode {
    /// The line is not a JSON object, or a CSV line has the wrong number of cells or bad quoting.
    Malformed,
    /// A field this format does not know.
    UnknownField,
    /// A required field is missing or empty.
    MissingField,
    /// A field's value has the wrong form.
    InvalidValue,
    /// A text field holds a character no document may carry: a control character or a noncharacter (XML 1.0
    /// forbids U+0001 and U+FFFE, for example), which would break every XmlMsg the record appears in.
    ForbiddenCharacter,
    /// The 個人番号 is not 12 digits.
    IndividualNumberForm,
    /// The 個人番号's check digit is wrong.
    IndividualNumberCheckDigit,
    /// The row names an insurer other than the one uploading.
    InsurerMismatch,
    /// The `op` is neither `acquire` nor `lose`.
    UnknownOperation,
    /// The same 記号・番号・枝番 and 資格取得日 appear twice in the batch, or are already registered.
    Duplicate,
    /// A 家族 row whose 被保険者 (本人 with the same 記号・番号) is neither in the batch nor registered.
    InsuredMemberNotFound,
    /// A `lose` row for a qualification that is not registered (or already lost).
    QualificationNotFound,
    /// The batch has no rows, or more rows than the origin takes in one file.
    BatchSize,
}

wire_text!(RowErrorCode);

/// One refused row, as listed to the insurer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedRow {
    /// 1-based line in the file (the CSV header is line 1).
    pub line: u64,
    /// The field at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub code: RowErrorCode,
}

/// The body of a refused batch: the `bad_request` error shape plus the first bad rows and a count of all. Nothing
/// of the batch was applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRejection {
    /// Always `bad_request`.
    pub error: ErrorCode,
    /// The fixed sentence for the code.
    pub message: String,
    /// The first refused rows (at most [`MAX_LISTED_ROWS`]), in file order.
    pub rows: Vec<RejectedRow>,
    /// How many errors the file has, listed or not; never fewer than the rows listed.
    pub total_errors: u64,
    /// How many errors of each code the file has.
    pub errors_by_code: BTreeMap<RowErrorCode, u64>,
}

impl BatchRejection {
    /// The rejection of a file whose first errors are `rows`, with `total_errors` in all, counted by code.
    pub fn new(rows: Vec<RejectedRow>, total_errors: u64, errors_by_code: BTreeMap<RowErrorCode, u64>) -> Self {
        let total_errors = total_errors.max(rows.len() as u64);
        Self {
            error: ErrorCode::BadRequest,
            message: ErrorCode::BadRequest.default_message().to_owned(),
            rows,
            total_errors,
            errors_by_code,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rejection_reads_back_as_written_and_counts_at_least_its_rows() {
        let row = RejectedRow { line: 3, field: Some("birth_date".into()), code: RowErrorCode::InvalidValue };
        let rejection = BatchRejection::new(vec![row.clone()], 0, BTreeMap::from([(RowErrorCode::InvalidValue, 1)]));
        assert_eq!(rejection.total_errors, 1);
        let written = serde_json::to_value(&rejection).unwrap();
        assert_eq!(written["rows"][0], json!({ "line": 3, "field": "birth_date", "code": "invalid_value" }));
        assert_eq!(written["errors_by_code"], json!({ "invalid_value": 1 }));
        assert_eq!(serde_json::from_value::<BatchRejection>(written).unwrap(), rejection);
    }

    #[test]
    fn a_row_of_another_shape_is_refused() {
        for bad in [json!({ "line": "eight", "code": "malformed" }), json!({ "line": 8, "code": "no_such_code" })] {
            assert!(serde_json::from_value::<RejectedRow>(bad).is_err());
        }
        assert_eq!(RowErrorCode::IndividualNumberCheckDigit.as_str(), "individual_number_check_digit");
    }
}
