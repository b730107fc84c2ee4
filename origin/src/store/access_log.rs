//! A person's own access log: the audit rows of facilities' reads about them, newest first, a page at a time, with
//! each facility's name; and the list of facility names it draws on.
//!
//! Layer: storage adapter. Must not decide which rows are reads by a facility (`crate::access_log` lists them),
//! select rows about anyone but the person asked for, or return a staff or device id.

use crate::access_log::{read_outcomes, read_purposes};
use crate::error::Result;
use crate::store::Store;
use crate::store::sql::numbered_list;

/// One facility's read, as the audit trail keeps it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessLogRow {
    /// The audit row's id: where the next page starts.
    pub id: String,
    /// When (Unix seconds).
    pub occurred_at: i64,
    /// 医療機関コード of the facility that read.
    pub facility_code: String,
    /// The facility's name, when it is on the list.
    pub facility_name: Option<String>,
    /// The audit purpose.
    pub purpose: String,
    /// The audit outcome.
    pub outcome: String,
}

impl Store {
    /// Up to `limit` reads by facilities of `person_id`'s information, newest first, older than `before` (a time
    /// and an audit row id: rows of the same second are ordered by id) when given.
    pub async fn access_log(
        &self,
        person_id: &str,
        before: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<AccessLogRow>> {
        let purposes = read_purposes();
        let outcomes = read_outcomes();
        let purpose_list = numbered_list(2, purposes.len());
        let outcome_list = numbered_list(2 + purposes.len(), outcomes.len());
        let next = 2 + purposes.len() + outcomes.len();
        let older = if before.is_some() {
            format!("AND (a.occurred_at < ${next} OR (a.occurred_at = ${next} AND a.id < ${})) ", next + 1)
        } else {
            String::new()
        };
        let limit_at = if before.is_some() { next + 2 } else { next };
        let sql = format!(
            "SELECT a.id, a.occurred_at, a.actor_facility_code AS facility_code, f.name AS facility_name, \
                    a.purpose, a.outcome \
             FROM audit_events a LEFT JOIN facility_names f ON f.facility_code = a.actor_facility_code \
             WHERE a.subject_person_id = $1 AND a.actor_facility_code IS NOT NULL \
               AND a.purpose IN ({purpose_list}) AND a.outcome IN ({outcome_list}) {older}\
             ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${limit_at}"
        );
        // Only placeholder numbers are formatted into the statement; every value is bound.
        let mut query = sqlx::query_as::<_, AccessLogRow>(sqlx::AssertSqlSafe(sql)).bind(person_id);
        for purpose in purposes {
            query = query.bind(purpose);
        }
        for outcome in outcomes {
            query = query.bind(outcome);
        }
        if let Some((at, id)) = before {
            query = query.bind(at).bind(id);
        }
        Ok(query.bind(i64::from(limit)).fetch_all(&self.pool).await?)
    }

    /// Names a facility (or renames it), as the operator's list of facilities has it.
    pub async fn name_facility(&self, facility_code: &str, name: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO facility_names (facility_code, name) VALUES ($1, $2) \
             ON CONFLICT (facility_code) DO UPDATE SET name = excluded.name",
        )
        .bind(facility_code)
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
