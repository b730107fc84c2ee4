//! The routes a card certificate asks: the qualification of its holder (`POST /v1/qualification/by-certificate`),
//! its J-LIS status (`POST /v1/certificate-status`), and both in one call for a kiosk check-in
//! (`POST /v1/qualification/by-certificate/with-status`), which answers the qualification only for a `good` status.
//!
//! Layer: HTTP adapter, edge-signed. Must not answer before the lookup's audit row and its request's nonce are
//! committed.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use onshi_proto::ErrorCode;
use onshi_proto::origin::{
    AuthMethod, CardQualificationQuery, CertificateRef, CertificateStatus, CertificateStatusAnswer,
    CertificateStatusQuery, ConsentKind, StatusAndQualificationAnswer,
};
use onshi_proto::qualification::QualificationAnswer;

use crate::clock::tokyo_date;
use crate::disclosure::consent_flag;
use crate::http::audit::{audit_event, lookup_rows};
use crate::http::render::{Asked, kiosk_screen_copy, render_answer};
use crate::http::signed::{Failure, SignedJson, SignedLookup, UnclaimedNonce};
use crate::http::state::AppState;
use crate::public_expense::select;
use crate::store::rows::{CardHolderRecord, RequestRows};
use crate::validity::{CardHolder, assess};

/// The audit purpose recorded for a qualification lookup by card certificate.
pub const PURPOSE_QUALIFICATION_BY_CERTIFICATE: &str = "qualification_by_certificate";

/// `POST /v1/qualification/by-certificate`.
pub(crate) async fn qualification_by_certificate(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedLookup { body: query, nonce }: SignedLookup<CardQualificationQuery>,
) -> Result<Response, Failure> {
    let now = state.now();
    let found = state.store().card_holder(&query.certificate).await?;
    let answer = answer_card_holder(&state, &query, found, nonce, now).await?;
    let asked = Asked {
        facility_code: query.facility_code.as_deref(),
        arbitrary_identifier: query.arbitrary_identifier.as_deref(),
        search: None,
    };
    render_answer(&headers, &answer, asked, now)
}

/// `POST /v1/qualification/by-certificate/with-status`: a kiosk check-in in one call. The status is decided first,
/// as the certificate-status route decides it; only a `good` certificate's holder is then looked up, exactly as the
/// by-certificate route does it (audit row and check-in committed with the nonce before the answer). A `revoked`
/// or `unknown` one is answered its status alone, with the nonce claimed and nothing else written: no check-in,
/// no audit row, as its status call would have left.
pub(crate) async fn status_and_qualification(
    State(state): State<AppState>,
    SignedLookup { body: query, nonce }: SignedLookup<CardQualificationQuery>,
) -> Result<Json<StatusAndQualificationAnswer>, Failure> {
    // The status and the holder are one read: the holder's rows come only with a `good` status.
    let (status, found) = state.store().status_and_card_holder(&query.certificate).await?;
    if status != CertificateStatus::Good {
        nonce.claim_alone(&state).await?;
        return Ok(Json(StatusAndQualificationAnswer { status, qualification: None }));
    }
    let answer = answer_card_holder(&state, &query, found, nonce, state.now()).await?;
    Ok(Json(StatusAndQualificationAnswer { status, qualification: Some(kiosk_screen_copy(answer)) }))
}

/// The answer for a card certificate's holder `found` (the caller's read) as of `now`, with its audit row and
/// (when a facility asked) its check-in committed together with the request's nonce: the one answer of both card
/// routes. The read comes before the nonce's claim, which is committed with the lookup's audit row: a replay is
/// refused there, before anything of the read is answered or stored.
async fn answer_card_holder(
    state: &AppState,
    query: &CardQualificationQuery,
    found: Option<CardHolderRecord>,
    nonce: UnclaimedNonce,
    now: i64,
) -> Result<QualificationAnswer, Failure> {
    let today = tokyo_date(now)?;
    let (person_id, holder, has_public_expense) = match found {
        Some(found) if found.held => {
            let audit =
                audit_event(now, query, Some(found.person_id), PURPOSE_QUALIFICATION_BY_CERTIFICATE, "record_held")?;
            nonce.commit_with(state, RequestRows { audit, checkin: None }).await?;
            return Err(Failure(ErrorCode::RecordHeld));
        }
        Some(found) => (Some(found.person_id), CardHolder::Linked(found.records), found.has_public_expense),
        None => (None, CardHolder::NotLinked, false),
    };
    let mut answer = assess(holder, today);
    if let (Some(person_id), true) = (&person_id, has_public_expense) {
        // 医療扶助 always; a 受給者証 only after the patient's yes, otherwise only the word that one is on offer.
        let stored = state.store().public_expenses_of(person_id).await?;
        let selection = select(stored, answer.confirmation_date, query.use_recipient_certificates);
        answer.public_expense = selection.shown;
        answer.certificates_on_offer = selection.certificates_on_offer;
    }
    if let (Some(person_id), Some(facility)) = (&person_id, &query.facility_code) {
        state_specific_disease_consent(state, person_id, facility.as_str(), now, &mut answer).await?;
    }
    // The answer is released only once its read is on the audit trail; a facility's check-in and the request's
    // nonce are committed in the same transaction.
    let rows = lookup_rows(now, query, person_id, PURPOSE_QUALIFICATION_BY_CERTIFICATE, &answer, AuthMethod::Pin)?;
    nonce.commit_with(state, rows).await?;
    tracing::info!(outcome = answer.validity.as_str(), records = answer.records.len(), "qualification answered");
    Ok(answer)
}

/// States on a card holder's answer their 特定疾病 consent to `facility_code` and, when they hold a 受療証, that the
/// kiosk's 特定疾病 question is due. The consent is read only for a holder: nobody else is ever asked it, so the
/// flag of everyone else is 0 without a read on the check-in path.
pub(crate) async fn state_specific_disease_consent(
    state: &AppState,
    person_id: &str,
    facility_code: &str,
    now: i64,
    answer: &mut QualificationAnswer,
) -> crate::error::Result<()> {
    if answer.records.iter().all(|record| record.specific_diseases.is_empty()) {
        return Ok(());
    }
    let latest = state.store().latest_consent(person_id, facility_code, ConsentKind::SpecificDisease, now).await?;
    answer.specific_disease_consent = consent_flag(latest);
    answer.specific_disease_question_due = true;
    Ok(())
}

/// `POST /v1/certificate-status`.
pub(crate) async fn certificate_status(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<CertificateStatusQuery>,
) -> Result<Json<CertificateStatusAnswer>, Failure> {
    Ok(Json(CertificateStatusAnswer { status: status_of(&state, &query.certificate).await? }))
}

/// A card certificate's status, as the J-LIS stand-in holds it: the one decision of both routes that answer it.
async fn status_of(state: &AppState, certificate: &CertificateRef) -> Result<CertificateStatus, Failure> {
    Ok(state.store().certificate_status(certificate).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::identifier::MAX_IDENTIFIER_CHARS;
    use serde_json::{Value, json};

    /// The body as the edge sends it; each bad identifier is refused as the body is read, before any handler runs.
    #[test]
    fn query_identifiers_are_checked() {
        let base = json!({
            "certificate": { "issuer": "CN=x", "serial": "01" },
            "facility_code": "1312345679",
            "device_id": "kiosk-1",
            "device_label": "受付1",
        });
        let read = |body: &Value| serde_json::from_value::<CardQualificationQuery>(body.clone());
        assert!(read(&base).is_ok());
        for (field, value) in [
            ("facility_code", json!("13123")),
            // Ten digits, but the check digit is wrong: the origin checks it too, not only the edge.
            ("facility_code", json!("1312345678")),
            ("device_id", json!("x".repeat(MAX_IDENTIFIER_CHARS + 1))),
            ("device_label", json!("受付\n1")),
            ("arbitrary_identifier", json!("a\u{0}b")),
        ] {
            let mut bad = base.clone();
            bad[field] = value.clone();
            assert!(read(&bad).is_err(), "{field} = {value}");
        }
        let mut bad = base;
        bad["certificate"]["serial"] = json!("1");
        assert!(read(&bad).is_err(), "a serial not in canonical form");
    }
}
