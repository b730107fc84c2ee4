//! Staff's bulk pre-check (一括照会, 前日確認) of a day's appointments through the facility's bridge: staff → edge →
//! the facility's store → the bridge's WebSocket → an IF-005 upload in the terminal's `req`, its phase-2 download
//! (asked again while 処理中) → the rows' outcomes back the same way.
//!
//! Layer: an edge use case over [`EdgePorts`]. Unlike a by-number check, the staff call does not wait for the
//! terminal (both phases can take minutes): [`EdgeApi::staff_terminal_bulk`] hands the request to the facility's
//! store and answers a [`BulkTicket`] at once, and [`EdgeApi::staff_terminal_bulk_status`] says how it stands
//! ([`progress`], pure). The store keeps the request in memory only until the bridge acknowledges it, and the
//! outcome only until staff read it once; a request not ended within [`BULK_WAIT_SECS`] is `no_answer` and is
//! never sent again. Uploads are counted per facility ([`BULK_UPLOADS_PER_DAY`]), once the bridge is known to hold
//! its link, and each row counts as a by-number try of its insured person, on the counter both by-number routes
//! share, so a list is no birth-date oracle: a list names each person once ([`onshi_proto::bridge_bulk::repeated_rows`]),
//! and an upload that would take anyone past [`BY_NUMBER_TRIES_PER_SUBJECT`] for the day is refused whole. Must not: keep or log any row or outcome (they are pass-through), or take the facility from the body.

use onshi_proto::bridge_bulk::{AppointmentsError, BulkProgress, BulkTicket, BulkUpload};
use onshi_proto::bridge_link::{LinkRequestId, TerminalAsk, TerminalOutcome, ToBridge};
use serde::{Deserialize, Serialize};

use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::auth::staff_session::{BY_NUMBER_TRIES_PER_SUBJECT, daily_counter};
use crate::error::EdgeError;
use crate::http_policy::parse_json;

/// How long a bulk pre-check may take from upload to outcome: the bridge's own timeouts (a minute per phase, a
/// result asked for again each minute while 処理中) end it well before, so past this nothing more will come.
pub const BULK_WAIT_SECS: i64 = 30 * 60;

/// Bulk uploads a facility may make per day: a pre-check is a once-a-day task, and a few retries after a
/// corrected list fit comfortably.
pub const BULK_UPLOADS_PER_DAY: u32 = 20;

/// What the facility's store holds of one bulk pre-check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum BulkJob {
    /// Handed to the bridge, not yet acknowledged, at `since` (Unix seconds).
    Sent {
        /// When it was handed over.
        since: i64,
    },
    /// Journalled by the bridge; it was handed over at `since`.
    Acknowledged {
        /// When it was handed over.
        since: i64,
    },
    /// The bridge said how it ended (the store forgets it once this is read).
    Ended {
        /// How.
        outcome: TerminalOutcome,
    },
}

/// How a bulk pre-check stands for staff, from what the store holds of it at `now_unix`. A request the store does
/// not hold is not this facility's (or was read already): `not_found`.
pub fn progress(job: Option<BulkJob>, now_unix: i64) -> Result<BulkProgress, EdgeError> {
    let expired = |since: i64| now_unix.saturating_sub(since) > BULK_WAIT_SECS;
    Ok(match job.ok_or(EdgeError::NotFound)? {
        BulkJob::Sent { since } | BulkJob::Acknowledged { since } if expired(since) => BulkProgress::NoAnswer,
        BulkJob::Sent { .. } => BulkProgress::Sent,
        BulkJob::Acknowledged { .. } => BulkProgress::TerminalProcessing,
        BulkJob::Ended { outcome: TerminalOutcome::BulkAnswered { rows } } => BulkProgress::Done { rows },
        // Closed by staff after looking on the terminal: onshi never had the terminal's answer.
        BulkJob::Ended { outcome: TerminalOutcome::Uncertain | TerminalOutcome::Settled } => BulkProgress::NoAnswer,
        // A single answer to a bulk request is not its answer.
        BulkJob::Ended {
            outcome:
                TerminalOutcome::Failed { .. }
                | TerminalOutcome::Answered { .. }
                | TerminalOutcome::Registered
                | TerminalOutcome::SettleRefused { .. },
        } => BulkProgress::Failed,
    })
}

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/staff/terminal/bulk`: hands a bulk pre-check of appointments to the facility's bridge.
    pub async fn staff_terminal_bulk(&self, request: &ApiRequest<'_>) -> Result<BulkTicket, EdgeError> {
        self.audited(AuditAction::StaffTerminalBulk, request.now_unix, async |context| {
            let claims = self.staff_token(request, context).await?;
            let body: BulkUpload = parse_json(request.body)?;
            let rows = body.appointments().map_err(|error| match error {
                AppointmentsError::Empty | AppointmentsError::TooMany => EdgeError::TooManyRows,
                // The console refuses such a list line by line before it sends anything.
                AppointmentsError::Repeated { .. } => EdgeError::BadRequest,
            })?;
            if !self.ports.bridge_link_open(&claims.facility).await? {
                return Err(EdgeError::BridgeNotConnected);
            }
            let mut counters = vec![daily_counter(format!("bulk:facility:{}", claims.facility), request.now_unix)];
            for row in rows.rows() {
                counters.push(self.subject_tries(row.insured_person(), request.now_unix)?);
            }
            let (counted, _) = self.staff_call(&claims, request, counters, Vec::new()).await?;
            let mut counted = counted.into_iter();
            if counted.next().is_none_or(|uploaded| uploaded > BULK_UPLOADS_PER_DAY) {
                return Err(EdgeError::RateLimited("bulk uploads"));
            }
            // Each row is a try against its person, on the by-number checks' own counter: a list cannot try more
            // birth dates against anyone than staff could by hand.
            if counted.len() != rows.rows().len() || counted.any(|tried| tried > BY_NUMBER_TRIES_PER_SUBJECT) {
                return Err(EdgeError::RateLimited("by-number subject"));
            }
            let id = LinkRequestId::parse(&hex::encode(self.random::<16>()?))
                .map_err(|_| EdgeError::Runtime("a link request id does not check"))?;
            let message = ToBridge::Request { id: id.clone(), ask: TerminalAsk::Bulk { rows } };
            if !self.ports.start_bulk(&claims.facility, &message, request.now_unix).await? {
                return Err(EdgeError::BridgeNotConnected);
            }
            Ok(BulkTicket { id })
        })
        .await
    }

    /// `POST /api/v1/staff/terminal/bulk/status`: how a bulk pre-check of this facility stands.
    pub async fn staff_terminal_bulk_status(&self, request: &ApiRequest<'_>) -> Result<BulkProgress, EdgeError> {
        self.audited(AuditAction::StaffTerminalBulkStatus, request.now_unix, async |context| {
            let claims = self.staff_token(request, context).await?;
            let ticket: BulkTicket = parse_json(request.body)?;
            self.staff_call(&claims, request, Vec::new(), Vec::new()).await?;
            let forget_before = request.now_unix.saturating_sub(BULK_WAIT_SECS);
            let job = self.ports.bulk_status(&claims.facility, &ticket.id, forget_before).await?;
            progress(job, request.now_unix)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use onshi_proto::bridge_bulk::BulkRowOutcome;
    use onshi_proto::bridge_link::{TerminalAnswer, TerminalFailure};
    use onshi_proto::qualification::Validity;

    use super::*;

    #[test]
    fn each_state_of_the_store_is_told_as_what_it_is_and_a_silent_terminal_ends_as_no_answer() {
        let now = 10_000;
        assert_eq!(progress(Some(BulkJob::Sent { since: now }), now), Ok(BulkProgress::Sent));
        assert_eq!(
            progress(Some(BulkJob::Acknowledged { since: now - 60 }), now),
            Ok(BulkProgress::TerminalProcessing)
        );
        let late = now - BULK_WAIT_SECS - 1;
        assert_eq!(progress(Some(BulkJob::Sent { since: late }), now), Ok(BulkProgress::NoAnswer));
        assert_eq!(progress(Some(BulkJob::Acknowledged { since: late }), now), Ok(BulkProgress::NoAnswer));
        let rows = vec![BulkRowOutcome::Failed];
        let ended = |outcome| progress(Some(BulkJob::Ended { outcome }), now);
        assert_eq!(ended(TerminalOutcome::BulkAnswered { rows: rows.clone() }), Ok(BulkProgress::Done { rows }));
        assert_eq!(ended(TerminalOutcome::Uncertain), Ok(BulkProgress::NoAnswer));
        let failed = TerminalOutcome::Failed { code: TerminalFailure::TerminalError };
        assert_eq!(ended(failed), Ok(BulkProgress::Failed));
        let single = TerminalOutcome::Answered { answer: TerminalAnswer::new(None, Validity::Valid) };
        assert_eq!(ended(single), Ok(BulkProgress::Failed));
        assert_eq!(progress(None, now), Err(EdgeError::NotFound));
    }
}
