//! What a patient takes back: their consents to a facility (`POST /v1/consent/withdraw`), asked at a kiosk with
//! card + PIN or through that facility's staff, and their card's 健康保険証利用登録 (`POST /v1/registration/cancel`).
//!
//! Layer: HTTP adapter, edge-signed. Must not answer before the audit row is committed, withdraw for a check-in of
//! another facility than the one the edge named, or take the person from anything but the verified certificate or
//! the facility's own check-in.

use axum::Json;
use axum::extract::State;
use onshi_proto::ErrorCode;
use onshi_proto::withdrawal::{
    ConsentWithdrawal, ConsentWithdrawn, RegistrationCancelAnswer, RegistrationCancelOutcome,
    RegistrationCancelRequest, WithdrawalBy,
};

use crate::http::audit::{STAFF_ACTOR_PREFIX, Who, audit};
use crate::http::signed::{Failure, SignedJson};
use crate::http::state::AppState;
use crate::store::HoldStatus;

/// Audit purpose of a consent withdrawal.
pub const PURPOSE_CONSENT_WITHDRAWAL: &str = "consent_withdrawal";
/// Audit purpose of a 健康保険証利用登録の解除.
pub const PURPOSE_REGISTRATION_CANCEL: &str = "registration_cancel";

/// `POST /v1/consent/withdraw`: every consent of the person to the facility stops now, and the withdrawal is kept.
pub(crate) async fn withdraw_consent(
    State(state): State<AppState>,
    SignedJson(request): SignedJson<ConsentWithdrawal>,
) -> Result<Json<ConsentWithdrawn>, Failure> {
    let now = state.now();
    let facility_code = request.facility_code.as_str();
    let (actor, person) = match &request.by {
        WithdrawalBy::Card { certificate, device_id } => {
            let person = match state.store().linked_person(certificate).await? {
                // A held record opens nothing to withdraw from (every consented read refuses it already), and a
                // card held for a suspected mis-link must not act on the record it points at.
                Some((person_id, HoldStatus::Held)) => Err((Some(person_id), ErrorCode::RecordHeld)),
                Some((person_id, _)) => Ok(person_id),
                None => Err((None, ErrorCode::NotFound)),
            };
            (device_id.as_str().to_owned(), person)
        }
        WithdrawalBy::Staff { checkin_id, staff_id } => {
            // The check-in must be the facility's own: staff of another facility find nothing.
            let person = state.store().checkin_person(checkin_id.as_str(), facility_code).await?;
            (format!("{STAFF_ACTOR_PREFIX}{}", staff_id.as_str()), person.ok_or((None, ErrorCode::NotFound)))
        }
    };
    let who = Who { device_id: Some(&actor), facility_code: Some(facility_code), arbitrary_identifier: None };
    let person_id = match person {
        Ok(person_id) => person_id,
        Err((subject, code)) => {
            audit(&state, now, &who, subject, PURPOSE_CONSENT_WITHDRAWAL, code.as_str()).await?;
            return Err(Failure(code));
        }
    };
    let withdrawn = state.store().withdraw_consents(&person_id, facility_code, now).await?;
    audit(&state, now, &who, Some(person_id), PURPOSE_CONSENT_WITHDRAWAL, "withdrawn").await?;
    Ok(Json(ConsentWithdrawn { withdrawn, withdrawn_at: now }))
}

/// `POST /v1/registration/cancel`: removes the card's link to its holder, so that the card answers 該当資格なし
/// until it is registered again, and withdraws the holder's live consents with it.
pub(crate) async fn cancel_registration(
    State(state): State<AppState>,
    SignedJson(request): SignedJson<RegistrationCancelRequest>,
) -> Result<Json<RegistrationCancelAnswer>, Failure> {
    let now = state.now();
    let who = Who {
        device_id: Some(request.device_id.as_str()),
        facility_code: Some(request.facility_code.as_str()),
        arbitrary_identifier: None,
    };
    let removed = state.store().cancel_registration(&request.certificate, now).await?;
    let outcome =
        if removed.is_some() { RegistrationCancelOutcome::Cancelled } else { RegistrationCancelOutcome::NotRegistered };
    audit(&state, now, &who, removed, PURPOSE_REGISTRATION_CANCEL, outcome.as_str()).await?;
    Ok(Json(RegistrationCancelAnswer { outcome }))
}
