//! The card holder's own access log (`POST /v1/access-log`): which facilities read their information, when and
//! what kind, newest first, a page at a time. Which audit rows count is `crate::access_log`'s rule.
//!
//! Layer: HTTP adapter, edge-signed. The person comes from the verified certificate the edge names, never from the
//! body, so a session for one card reaches that card's holder's log only. Must not answer before the reading's own
//! audit row (purpose `access_log`, with the kiosk, the facility and the subject) is committed; must not show the
//! log behind a held record (the card may point at someone else's) or to a session in its certificate's grace
//! period (it confirms the qualification only); must not name a staff member or a device.

use axum::Json;
use axum::extract::State;
use onshi_proto::ErrorCode;
use onshi_proto::access_log::{AccessLogCursor, AccessLogEntry, AccessLogPage, AccessLogQuery};
use onshi_proto::facility::FacilityCode;
use onshi_proto::identifier::RequestId;

use crate::access_log::{ACCESS_LOG_PAGE, access_kind};
use crate::error::OriginError;
use crate::http::audit::{Who, audit};
use crate::http::consent::require_full_scope;
use crate::http::signed::{Failure, SignedJson};
use crate::http::state::AppState;
use crate::store::HoldStatus;
use crate::store::access_log::AccessLogRow;

/// Audit purpose of a card holder reading their own access log.
pub const PURPOSE_ACCESS_LOG: &str = "access_log";

/// `POST /v1/access-log`.
pub(crate) async fn access_log(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<AccessLogQuery>,
) -> Result<Json<AccessLogPage>, Failure> {
    let now = state.now();
    let who = Who {
        device_id: Some(query.device_id.as_str()),
        facility_code: Some(query.facility_code.as_str()),
        arbitrary_identifier: None,
    };
    require_full_scope(&state, query.scope, &who, PURPOSE_ACCESS_LOG).await?;
    let person_id = match state.store().linked_person(&query.certificate).await? {
        Some((person_id, HoldStatus::Held)) => {
            audit(&state, now, &who, Some(person_id), PURPOSE_ACCESS_LOG, ErrorCode::RecordHeld.as_str()).await?;
            return Err(Failure(ErrorCode::RecordHeld));
        }
        Some((person_id, _)) => person_id,
        None => {
            audit(&state, now, &who, None, PURPOSE_ACCESS_LOG, ErrorCode::NotFound.as_str()).await?;
            return Err(Failure(ErrorCode::NotFound));
        }
    };
    let before = query.before.as_ref().map(|cursor| (cursor.occurred_at, cursor.id.as_str()));
    // One row more than a page says whether an older page exists.
    let mut rows = state.store().access_log(&person_id, before, ACCESS_LOG_PAGE + 1).await?;
    let more = rows.len() > ACCESS_LOG_PAGE as usize;
    rows.truncate(ACCESS_LOG_PAGE as usize);
    let next = match rows.last() {
        Some(last) if more => Some(cursor_of(last)?),
        _ => None,
    };
    let entries = rows.iter().filter_map(|row| entry_of(row).transpose()).collect::<Result<Vec<_>, _>>()?;
    audit(&state, now, &who, Some(person_id), PURPOSE_ACCESS_LOG, "shown").await?;
    Ok(Json(AccessLogPage { entries, next }))
}

/// The entry a row shows, or `None` for a row the rule does not name (the store selects only rows it names).
fn entry_of(row: &AccessLogRow) -> Result<Option<AccessLogEntry>, OriginError> {
    let Some(kind) = access_kind(&row.purpose, &row.outcome) else { return Ok(None) };
    let facility_code = FacilityCode::parse(&row.facility_code)
        .map_err(|_| OriginError::CorruptRecord("an audit row's facility code is not a 医療機関コード".into()))?;
    Ok(Some(AccessLogEntry {
        occurred_at: row.occurred_at,
        facility_code,
        facility_name: row.facility_name.clone(),
        kind,
    }))
}

fn cursor_of(row: &AccessLogRow) -> Result<AccessLogCursor, OriginError> {
    let id = RequestId::parse(&row.id)
        .map_err(|_| OriginError::CorruptRecord("an audit row's id is not a plain identifier".into()))?;
    Ok(AccessLogCursor { occurred_at: row.occurred_at, id })
}

#[cfg(test)]
mod tests {
    use onshi_proto::access_log::AccessKind;

    use super::*;
    use crate::http::card::PURPOSE_QUALIFICATION_BY_CERTIFICATE;
    use crate::http::consent::{PURPOSE_CHECKUP, PURPOSE_MEDICATION};
    use crate::http::medical_records::PURPOSE_STAFF_MEDICAL_RECORDS;
    use crate::http::number::PURPOSE_QUALIFICATION_BY_NUMBER;
    use crate::http::staff::{PURPOSE_QUALIFICATION_BY_VISUAL_CHECK, PURPOSE_VISUAL_CHECK_DISCLOSURE};

    /// The rule names purposes by their text; this holds it to the constants the routes write.
    #[test]
    fn the_rule_knows_the_purposes_the_routes_write() {
        for purpose in [PURPOSE_QUALIFICATION_BY_NUMBER, PURPOSE_QUALIFICATION_BY_VISUAL_CHECK] {
            assert_eq!(access_kind(purpose, "valid"), Some(AccessKind::Qualification));
        }
        // The patient's own check-in with card and PIN is theirs, not the facility's.
        assert_eq!(access_kind(PURPOSE_QUALIFICATION_BY_CERTIFICATE, "valid"), None);
        assert_eq!(access_kind(PURPOSE_VISUAL_CHECK_DISCLOSURE, "disclosed"), Some(AccessKind::VisualCheck));
        assert_eq!(access_kind(PURPOSE_MEDICATION, "shown"), Some(AccessKind::Medication));
        assert_eq!(access_kind(PURPOSE_CHECKUP, "shown"), Some(AccessKind::HealthCheckup));
        assert_eq!(access_kind(PURPOSE_STAFF_MEDICAL_RECORDS, "diagnosis:shown"), Some(AccessKind::Diagnosis));
        assert_eq!(access_kind(PURPOSE_ACCESS_LOG, "shown"), None);
    }
}
