//! `POST /v1/registration`: 健康保険証利用登録, linking a card certificate to its holder's insured records.
//!
//! Layer: HTTP adapter, edge-signed. Must not answer before the attempt's audit row is committed, or link a
//! certificate on a qualification-only session (one in its grace period).

use axum::Json;
use axum::extract::State;
use onshi_proto::ErrorCode;
use onshi_proto::origin::{RegistrationAnswer, RegistrationOutcome, RegistrationRequest};

use crate::http::audit::{Who, audit};
use crate::http::consent::require_full_scope;
use crate::http::signed::{Failure, SignedJson};
use crate::http::state::AppState;
use crate::store::RegistrationResult;

/// Audit purpose of a 健康保険証利用登録.
pub const PURPOSE_REGISTRATION: &str = "registration";

/// `POST /v1/registration`.
pub(crate) async fn registration(
    State(state): State<AppState>,
    SignedJson(request): SignedJson<RegistrationRequest>,
) -> Result<Json<RegistrationAnswer>, Failure> {
    let now = state.now();
    let who = Who {
        device_id: request.device_id.as_deref(),
        facility_code: request.facility_code.as_deref(),
        arbitrary_identifier: None,
    };
    // An expired certificate in its grace period confirms the qualification only; it is never linked.
    require_full_scope(&state, request.scope, &who, PURPOSE_REGISTRATION).await?;
    let result = state.store().register_certificate(&request.certificate, now).await?;
    let (subject, outcome) = match result {
        RegistrationResult::Registered { person_id } => (Some(person_id), Ok(RegistrationOutcome::Registered)),
        RegistrationResult::AlreadyRegistered { person_id } => {
            (Some(person_id), Ok(RegistrationOutcome::AlreadyRegistered))
        }
        RegistrationResult::Held { person_id } => (Some(person_id), Err(Failure(ErrorCode::RecordHeld))),
        // Several unheld records under one number is itself a sign of mis-registration: refuse like a hold.
        RegistrationResult::Ambiguous => (None, Err(Failure(ErrorCode::RecordHeld))),
        RegistrationResult::NoInsuredRecord => (None, Ok(RegistrationOutcome::NoInsuredRecord)),
        RegistrationResult::CertificateNotUsable => (None, Ok(RegistrationOutcome::CertificateNotUsable)),
    };
    let outcome_text = outcome.map_or("record_held", RegistrationOutcome::as_str);
    audit(&state, now, &who, subject, PURPOSE_REGISTRATION, outcome_text).await?;
    outcome.map(|outcome| Json(RegistrationAnswer { outcome }))
}
