//! The audit trail: every row goes through the group commit; reads for tests and operators.
//!
//! Layer: storage adapter. Must not build audit rows (the HTTP layer does) or update or delete one.

use crate::error::Result;
use crate::store::Store;
use crate::store::rows::{AuditEvent, RequestRows};

impl Store {
    /// Appends one row to the audit trail, committed together with the rows of other requests waiting at the same
    /// moment; returns once the row is durable.
    pub async fn record_audit(&self, event: &AuditEvent) -> Result<()> {
        self.commit_request_rows(RequestRows { audit: event.clone(), checkin: None }).await
    }

    /// Commits one request's audit row and, when given, its check-in row in the same transaction (shared with
    /// other requests waiting at the same moment); returns once they are durable.
    pub async fn commit_request_rows(&self, rows: RequestRows) -> Result<()> {
        self.group_commit.commit(rows).await
    }

    /// The audit trail about one person, oldest first.
    pub async fn audit_events_about(&self, person_id: &str) -> Result<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, occurred_at, actor_device_id, actor_facility_code, subject_person_id, purpose, outcome, \
                    arbitrary_identifier \
             FROM audit_events WHERE subject_person_id = $1 ORDER BY occurred_at, id",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The whole audit trail, oldest first.
    pub async fn audit_events(&self) -> Result<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, occurred_at, actor_device_id, actor_facility_code, subject_person_id, purpose, outcome, \
                    arbitrary_identifier \
             FROM audit_events ORDER BY occurred_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
