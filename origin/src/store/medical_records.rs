//! The medical information a check-in's patient has consented to show: whose a check-in is, and their 薬剤,
//! 特定健診, 診療行為 and 手術 rows, a page at a time.
//!
//! Layer: storage adapter. Must not decide whether a consent covers a read (the HTTP layer asks the consent store
//! and [`onshi_proto::origin::ConsentKind::covers`]), nor judge a value or flag a duplicate (`medical/` does).

use onshi_proto::medical_record::{CheckupResult, MedicalRecordKind, MedicationLine, ProcedureLine};

use crate::error::{OriginError, Result};
use crate::medical::codes::checkup_item;
use crate::store::Store;
use crate::store::rows::{HoldStatus, parse_date, parse_stored};

/// A 薬剤 row as stored.
#[derive(sqlx::FromRow)]
struct MedicationRow {
    dispensed_on: String,
    yj_code: String,
    drug_name: String,
    quantity: String,
    days: i64,
    prescriber_code: String,
    facility_name: String,
    source: String,
}

/// One page of rows: at most the page's size, and whether more follow.
#[derive(Clone, Debug, PartialEq)]
pub struct RowPage<T> {
    /// The rows.
    pub rows: Vec<T>,
    /// Whether a next page has rows.
    pub more: bool,
}

/// Reads one more row than the page holds, so the page knows whether another follows.
fn page_of<T>(mut rows: Vec<T>, size: u32) -> RowPage<T> {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let more = rows.len() > size;
    rows.truncate(size);
    RowPage { rows, more }
}

impl Store {
    /// The person a check-in of `facility_code` was answered for, and whether their record is held; `None` for a
    /// check-in of another facility, one with no linked person, or no such check-in.
    pub async fn checkin_subject(&self, facility_code: &str, checkin_id: &str) -> Result<Option<(String, HoldStatus)>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT c.person_id, p.hold_status FROM checkins c JOIN persons p ON p.id = c.person_id \
             WHERE c.id = $1 AND c.facility_code = $2",
        )
        .bind(checkin_id)
        .bind(facility_code)
        .fetch_optional(self.pool())
        .await?;
        row.map(|(person_id, hold)| Ok((person_id, HoldStatus::from_text(&hold)?))).transpose()
    }

    /// Every 薬剤 entry of a person, newest first, unflagged: the 重複投薬 rule reads them all before a page is cut.
    pub async fn medication_lines(&self, person_id: &str) -> Result<Vec<MedicationLine>> {
        let rows: Vec<MedicationRow> = sqlx::query_as(
            "SELECT dispensed_on, yj_code, drug_name, quantity, days, prescriber_code, facility_name, source \
             FROM medication_history WHERE person_id = $1 ORDER BY dispensed_on DESC, id",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(MedicationLine {
                    dispensed_on: parse_date("dispensed_on", &row.dispensed_on)?,
                    yj_code: row.yj_code,
                    drug_name: row.drug_name,
                    dose: row.quantity,
                    days: u32::try_from(row.days).map_err(|_| OriginError::CorruptRecord("days".into()))?,
                    prescriber_code: row.prescriber_code,
                    prescriber_name: row.facility_name,
                    source: parse_stored("medication source", &row.source)?,
                    duplicate: false,
                })
            })
            .collect()
    }

    /// A page of a person's 特定健診 results, newest first, each judged against its item's range.
    pub async fn checkup_results(&self, person_id: &str, offset: u32, size: u32) -> Result<RowPage<CheckupResult>> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT checked_on, code, item, value, unit FROM checkup_history WHERE person_id = $1 \
             ORDER BY checked_on DESC, id LIMIT $2 OFFSET $3",
        )
        .bind(person_id)
        .bind(i64::from(size) + 1)
        .bind(i64::from(offset))
        .fetch_all(self.pool())
        .await?;
        let results = rows
            .into_iter()
            .map(|(on, code, item, value, unit)| {
                let range = checkup_item(&code).map(|known| known.range);
                let flag = range.and_then(|range| range.judge(&value));
                Ok(CheckupResult { checked_on: parse_date("checked_on", &on)?, code, item, value, unit, range, flag })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(page_of(results, size))
    }

    /// A page of a person's 診療行為 or 手術, newest first.
    pub async fn procedures(
        &self,
        person_id: &str,
        kind: MedicalRecordKind,
        offset: u32,
        size: u32,
    ) -> Result<RowPage<ProcedureLine>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT performed_on, code, name, facility_name FROM procedure_history \
             WHERE person_id = $1 AND kind = $2 ORDER BY performed_on DESC, id LIMIT $3 OFFSET $4",
        )
        .bind(person_id)
        .bind(kind.as_str())
        .bind(i64::from(size) + 1)
        .bind(i64::from(offset))
        .fetch_all(self.pool())
        .await?;
        let lines = rows
            .into_iter()
            .map(|(on, code, name, facility_name)| {
                Ok(ProcedureLine { performed_on: parse_date("performed_on", &on)?, code, name, facility_name })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(page_of(lines, size))
    }
}
