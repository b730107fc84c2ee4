//! The routes a card certificate asks: the qualification of its holder (`POST /v1/qualification/by-certificate`)
//! and its J-LIS status (`POST /v1/certificate/status`).
//!
//! Layer: HTTP adapter, edge-signed. Must not answer before the lookup's audit row is committed.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use onshi_proto::ErrorCode;
use onshi_proto::origin::{AuthMethod, CardQualificationQuery, CertificateStatusAnswer, CertificateStatusQuery};

use crate::certificate;
use crate::clock::tokyo_date;
use crate::http::audit::{audit, commit_lookup};
use crate::http::render::render_answer;
use crate::http::signed::{Failure, SignedJson, bad_request, facility_code_is_well_formed, is_identifier};
use crate::http::state::AppState;
use crate::validity::{CardHolder, assess};

/// The audit purpose recorded for a qualification lookup by card certificate.
pub const PURPOSE_QUALIFICATION_BY_CERTIFICATE: &str = "qualification_by_certificate";

/// `POST /v1/qualification/by-certificate`.
pub(crate) async fn qualification_by_certificate(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedJson(query): SignedJson<CardQualificationQuery>,
) -> Result<Response, Failure> {
    if !certificate::is_well_formed(&query.certificate) || !query_identifiers_are_well_formed(&query) {
        return Err(bad_request());
    }
    let now = state.now();
    let today = tokyo_date(now)?;
    let found = state.store().card_holder(&query.certificate).await?;
    let (person_id, holder) = match found {
        Some(found) if found.held => {
            audit(&state, now, &query, Some(found.person_id), PURPOSE_QUALIFICATION_BY_CERTIFICATE, "record_held")
                .await?;
            return Err(Failure(ErrorCode::RecordHeld));
        }
        Some(found) => (Some(found.person_id), CardHolder::Linked(found.records)),
        None => (None, CardHolder::NotLinked),
    };
    let answer = assess(holder, today);
    // The answer is released only once its read is on the audit trail; a facility's check-in is committed in the
    // same transaction.
    commit_lookup(&state, now, &query, person_id, PURPOSE_QUALIFICATION_BY_CERTIFICATE, &answer, AuthMethod::Pin)
        .await?;
    tracing::info!(outcome = answer.validity.as_str(), records = answer.records.len(), "qualification answered");
    render_answer(&headers, &answer, query.facility_code.as_deref(), query.arbitrary_identifier.as_deref(), true, now)
}

/// `POST /v1/certificate/status`.
pub(crate) async fn certificate_status(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<CertificateStatusQuery>,
) -> Result<Json<CertificateStatusAnswer>, Failure> {
    if !certificate::is_well_formed(&query.certificate) {
        return Err(bad_request());
    }
    let status = state.store().certificate_status(&query.certificate).await?;
    Ok(Json(CertificateStatusAnswer { status }))
}

fn query_identifiers_are_well_formed(query: &CardQualificationQuery) -> bool {
    query.facility_code.as_deref().is_none_or(facility_code_is_well_formed)
        && query.device_id.as_deref().is_none_or(is_identifier)
        && query.device_label.as_deref().is_none_or(is_identifier)
        && query.arbitrary_identifier.as_deref().is_none_or(is_identifier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_proto::identifier::MAX_IDENTIFIER_CHARS;

    #[test]
    fn query_identifiers_are_checked() {
        let base = CardQualificationQuery {
            certificate: onshi_proto::origin::CertificateRef { issuer: "CN=x".into(), serial: "01".into() },
            facility_code: Some("1312345678".into()),
            device_id: Some("kiosk-1".into()),
            device_label: Some("受付1".into()),
            arbitrary_identifier: None,
        };
        assert!(query_identifiers_are_well_formed(&base));
        let mut bad = base.clone();
        bad.facility_code = Some("13123".into());
        assert!(!query_identifiers_are_well_formed(&bad));
        let mut bad = base.clone();
        bad.device_id = Some("x".repeat(MAX_IDENTIFIER_CHARS + 1));
        assert!(!query_identifiers_are_well_formed(&bad));
        let mut bad = base.clone();
        bad.device_label = Some("受付\n1".into());
        assert!(!query_identifiers_are_well_formed(&bad));
        let mut bad = base;
        bad.arbitrary_identifier = Some("a\u{0}b".into());
        assert!(!query_identifiers_are_well_formed(&bad));
    }
}
