//! Consents given at a reader (`POST /v1/consent`, `POST /v1/consent/query`), and the information a live consent
//! opens: 薬剤情報 (`POST /v1/medical-info/medication`) and 特定健診情報 (`POST /v1/medical-info/checkup`).
//!
//! Layer: HTTP adapter, edge-signed. Must not show medication or checkup information without a live consent, or
//! answer before the audit row of the read is committed. A session whose certificate is in its grace period
//! (scope `qualification_only`) may neither consent nor read: refused here with `qualification_only` whatever the
//! edge checked, and the refusal is audited.

use axum::Json;
use axum::extract::State;
use onshi_proto::ErrorCode;
use onshi_proto::origin::{
    CertificateRef, CheckupAnswer, ConsentAnswer, ConsentKind, ConsentQuery, ConsentRequest, MedicalInfoQuery,
    MedicationAnswer,
};

use onshi_proto::origin::CardScope;

use crate::http::audit::{Who, audit};
use crate::http::signed::{Failure, SignedJson, bad_request};
use crate::http::state::AppState;
use crate::store::HoldStatus;

/// Audit purpose of recording or reading consents.
pub const PURPOSE_CONSENT: &str = "consent";
/// Audit purpose of a 薬剤情報 read.
pub const PURPOSE_MEDICATION: &str = "medication_info";
/// Audit purpose of a 特定健診情報 read.
pub const PURPOSE_CHECKUP: &str = "checkup_info";

/// The unheld person a certificate is linked to; a held record refuses, an unlinked card is `not_found`.
async fn consenting_person(state: &AppState, certificate: &CertificateRef) -> Result<String, Failure> {
    match state.store().linked_person(certificate).await? {
        Some((_, HoldStatus::Held)) => Err(Failure(ErrorCode::RecordHeld)),
        Some((person_id, _)) => Ok(person_id),
        None => Err(Failure(ErrorCode::NotFound)),
    }
}

/// Refuses a qualification-only session, writing the refusal's audit row first.
pub(crate) async fn require_full_scope(
    state: &AppState,
    scope: CardScope,
    who: &Who<'_>,
    purpose: &str,
) -> Result<(), Failure> {
    if scope.is_full() {
        return Ok(());
    }
    audit(state, state.now(), who, None, purpose, ErrorCode::QualificationOnly.as_str()).await?;
    Err(Failure(ErrorCode::QualificationOnly))
}

/// `POST /v1/consent`.
pub(crate) async fn record_consent(
    State(state): State<AppState>,
    SignedJson(request): SignedJson<ConsentRequest>,
) -> Result<Json<ConsentAnswer>, Failure> {
    if request.kinds.len() > 8 {
        return Err(bad_request());
    }
    let now = state.now();
    let who = Who {
        device_id: request.device_id.as_deref(),
        facility_code: Some(&request.facility_code),
        arbitrary_identifier: None,
    };
    require_full_scope(&state, request.scope, &who, PURPOSE_CONSENT).await?;
    let person_id = consenting_person(&state, &request.certificate).await?;
    let mut kinds = request.kinds.clone();
    kinds.sort();
    kinds.dedup();
    let store = state.store();
    store
        .record_consents(
            &person_id,
            &request.facility_code,
            request.device_id.as_deref(),
            &kinds,
            request.prescription,
            now,
        )
        .await?;
    let live = store.live_consents(&person_id, &request.facility_code, now).await?;
    audit(&state, now, &who, Some(person_id), PURPOSE_CONSENT, "recorded").await?;
    Ok(Json(ConsentAnswer { live }))
}

/// `POST /v1/consent/query`.
pub(crate) async fn query_consent(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<ConsentQuery>,
) -> Result<Json<ConsentAnswer>, Failure> {
    let now = state.now();
    let person_id = consenting_person(&state, &query.certificate).await?;
    let live = state.store().live_consents(&person_id, &query.facility_code, now).await?;
    let who = Who { device_id: None, facility_code: Some(&query.facility_code), arbitrary_identifier: None };
    audit(&state, now, &who, Some(person_id), PURPOSE_CONSENT, "read").await?;
    Ok(Json(ConsentAnswer { live }))
}

/// Checks the query and the consent; returns the person whose information may be shown.
async fn consented_person(
    state: &AppState,
    query: &MedicalInfoQuery,
    wanted: ConsentKind,
    purpose: &str,
) -> Result<String, Failure> {
    let now = state.now();
    let who = Who {
        device_id: query.device_id.as_deref(),
        facility_code: Some(&query.facility_code),
        arbitrary_identifier: None,
    };
    require_full_scope(state, query.scope, &who, purpose).await?;
    let person_id = consenting_person(state, &query.certificate).await?;
    let live = state.store().live_consents(&person_id, &query.facility_code, now).await?;
    if !live.iter().any(|grant| grant.kind.covers(wanted)) {
        audit(state, now, &who, Some(person_id), purpose, "consent_required").await?;
        return Err(Failure(ErrorCode::ConsentRequired));
    }
    audit(state, now, &who, Some(person_id.clone()), purpose, "shown").await?;
    Ok(person_id)
}

/// `POST /v1/medical-info/medication`.
pub(crate) async fn medication(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<MedicalInfoQuery>,
) -> Result<Json<MedicationAnswer>, Failure> {
    let person_id = consented_person(&state, &query, ConsentKind::Medication, PURPOSE_MEDICATION).await?;
    Ok(Json(MedicationAnswer { entries: state.store().medication_history(&person_id).await? }))
}

/// `POST /v1/medical-info/checkup`.
pub(crate) async fn checkup(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<MedicalInfoQuery>,
) -> Result<Json<CheckupAnswer>, Failure> {
    let person_id = consented_person(&state, &query, ConsentKind::HealthCheckup, PURPOSE_CHECKUP).await?;
    Ok(Json(CheckupAnswer { entries: state.store().checkup_history(&person_id).await? }))
}
