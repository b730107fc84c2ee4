//! A batch answer as the clerk reads it: the counts of an applied batch, or the refused rows (line, field, the
//! row error's code, for which [`crate::text`] has a sentence) and how many errors the file has in all. Pure, tested
//! natively.
//!
//! The edge hands the origin's answer on inside [`BatchUploadAnswer`]; the rows' shape is the origin's batch
//! report. A row the console cannot read is kept as an unknown error on line 0 rather than dropped, so the count
//! the clerk sees is never smaller than the file's.

use onshi_proto::insurer::BatchUploadAnswer;
use serde::Deserialize;

/// The counts of an applied batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct AppliedCounts {
    /// Rows in the file.
    pub rows_total: i64,
    /// Member records registered, held ones included.
    pub records_registered: i64,
    /// Of those, how many are held until the insurer acts.
    pub records_held: i64,
    /// 資格喪失 rows applied.
    pub qualifications_lost: i64,
    /// Notices raised for the insurer.
    pub notifications_raised: i64,
}

/// One refused row.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RowProblem {
    /// 1-based line in the file (the CSV header is line 1).
    pub line: u64,
    /// The field at fault, when one is.
    #[serde(default)]
    pub field: Option<String>,
    /// The row error's code (e.g. `individual_number_check_digit`).
    pub code: String,
}

/// A refused batch: nothing of it was applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refused {
    /// The first refused rows (the origin lists at most 1,000), in file order.
    pub rows: Vec<RowProblem>,
    /// How many errors the file has, listed or not.
    pub total_errors: u64,
}

/// What became of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Every row was applied.
    Applied(AppliedCounts),
    /// The file was refused as a whole.
    Refused(Refused),
}

impl BatchOutcome {
    /// Reads the edge's answer; `None` when the applied counts cannot be read at all.
    pub fn read(answer: BatchUploadAnswer) -> Option<Self> {
        match answer {
            BatchUploadAnswer::Applied(report) => serde_json::from_value(report).ok().map(Self::Applied),
            BatchUploadAnswer::Refused(rejection) => {
                let rows: Vec<RowProblem> = rejection
                    .get("rows")
                    .and_then(|rows| rows.as_array())
                    .map(|rows| {
                        rows.iter()
                            .map(|row| {
                                serde_json::from_value(row.clone()).unwrap_or(RowProblem {
                                    line: 0,
                                    field: None,
                                    code: "unknown".to_owned(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let total_errors = rejection
                    .get("total_errors")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0)
                    .max(rows.len() as u64);
                Some(Self::Refused(Refused { rows, total_errors }))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_applied_batch_gives_its_counts() {
        let answer = BatchUploadAnswer::Applied(json!({
            "batch_id": "b-1", "insurer_number": "33120015", "received_at": 1, "rows_total": 3,
            "records_registered": 3, "records_held": 1, "qualifications_lost": 0, "notifications_raised": 4,
        }));
        let BatchOutcome::Applied(counts) = BatchOutcome::read(answer).unwrap() else { panic!("not applied") };
        assert_eq!((counts.rows_total, counts.records_held, counts.notifications_raised), (3, 1, 4));
    }

    #[test]
    fn a_refused_batch_keeps_every_row_even_one_it_cannot_read() {
        let answer = BatchUploadAnswer::Refused(json!({
            "error": "bad_request", "message": "x", "total_errors": 1200,
            "rows": [
                { "line": 3, "field": "birth_date", "code": "invalid_value" },
                { "line": 7, "code": "malformed" },
                { "line": "eight" },
            ],
        }));
        let BatchOutcome::Refused(refused) = BatchOutcome::read(answer).unwrap() else { panic!("not refused") };
        assert_eq!(refused.total_errors, 1200);
        assert_eq!(refused.rows.len(), 3);
        assert_eq!(refused.rows[0].field.as_deref(), Some("birth_date"));
        assert_eq!(refused.rows[1], RowProblem { line: 7, field: None, code: "malformed".into() });
        assert_eq!(refused.rows[2].code, "unknown");
    }

    #[test]
    fn a_count_of_errors_is_never_below_the_rows_listed() {
        let answer = BatchUploadAnswer::Refused(json!({ "rows": [{ "line": 2, "code": "duplicate" }] }));
        let BatchOutcome::Refused(refused) = BatchOutcome::read(answer).unwrap() else { panic!("not refused") };
        assert_eq!(refused.total_errors, 1);
        assert!(BatchOutcome::read(BatchUploadAnswer::Applied(json!({ "rows_total": "x" }))).is_none());
    }
}
