//! Client for the edge's public API (same origin as the page, or the edge baked into the Isolated Web App: see
//! [`crate::platform::config`]). Bodies and errors are the shared wire types, read by the shared
//! [`onshi_web::client`]; a failed call is a [`KioskError`] (the edge's code, or an unreachable edge). Every call carries the enrolled device's proof over its exact method, path and body bytes.
//!
//! Must not: send a call without the device proof, or anything the proof does not cover.

use gloo_net::http::{Request, Response};
use onshi_proto::access_log::{ACCESS_LOG_PATH, AccessLogPage, AccessLogSubmission};
use onshi_proto::api::DEVICE_PATH;
use onshi_proto::api::{
    CHALLENGE_PATH, CONSENT_PATH, ChallengeRequest, ChallengeRequestPurpose, ChallengeResponse, ConsentSubmission,
    QUALIFICATION_PATH, QualificationRequest, REGISTRATION_PATH, RegistrationSubmission, SESSION_PATH, SessionRequest,
    SessionResponse,
};
use onshi_proto::origin::{ConsentAnswer, RegistrationAnswer};
use onshi_proto::patient_mode::PatientMode;
use onshi_proto::qualification::QualificationAnswer;
use onshi_proto::withdrawal::{
    CONSENT_WITHDRAWAL_PATH, ConsentWithdrawalSubmission, ConsentWithdrawn, REGISTRATION_CANCEL_PATH,
    RegistrationCancelAnswer, RegistrationCancelSubmission,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::KioskError;
use crate::platform::device::Device;

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, KioskError> {
    Ok(onshi_web::client::decode(response).await?)
}

/// Sends `POST path` with the device proof, an optional bearer session and an optional JSON body. The body is
/// serialized once, so that the proof covers exactly the bytes sent.
///
/// Only the serialization is generic; the signing and sending are [`post_bytes`], one copy in the bundle for every
/// body type rather than one per type.
async fn post<B: Serialize>(
    device: &Device,
    path: &str,
    body: Option<&B>,
    session_token: Option<&str>,
) -> Result<Response, KioskError> {
    let bytes = match body {
        Some(body) => Some(serde_json::to_string(body).map_err(|_| KioskError::EDGE_UNREACHABLE)?),
        None => None,
    };
    post_bytes(device, path, bytes, session_token).await
}

/// Sends `POST path` with the device proof over `body` (JSON already serialized; none for an empty body).
async fn post_bytes(
    device: &Device,
    path: &str,
    body: Option<String>,
    session_token: Option<&str>,
) -> Result<Response, KioskError> {
    let has_body = body.is_some();
    let bytes = body.unwrap_or_default();
    let proof = device.proof_headers("POST", path, bytes.as_bytes()).await.map_err(|_| KioskError::DeviceProof)?;
    let mut request = Request::post(&crate::platform::config::edge_url(path));
    for (name, value) in &proof {
        request = request.header(name, value);
    }
    if let Some(token) = session_token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let request =
        if has_body { request.header("Content-Type", "application/json").body(bytes) } else { request.build() };
    request.map_err(|_| KioskError::EDGE_UNREACHABLE)?.send().await.map_err(|_| KioskError::EDGE_UNREACHABLE)
}

/// Confirms with the edge that it still knows this device (`GET` [`DEVICE_PATH`], answered 204). The browser keeps
/// its key when the edge forgets the device (a restarted demo, a revoked kiosk), so the kiosk asks when it starts:
/// `device_not_enrolled` means enrol again, [`KioskError::EDGE_UNREACHABLE`] that the edge cannot be reached at all.
pub async fn confirm_device(device: &Device) -> Result<(), KioskError> {
    let proof = device.proof_headers("GET", DEVICE_PATH, b"").await.map_err(|_| KioskError::DeviceProof)?;
    let mut request = Request::get(&crate::platform::config::edge_url(DEVICE_PATH));
    for (name, value) in &proof {
        request = request.header(name, value);
    }
    let response = request
        .build()
        .map_err(|_| KioskError::EDGE_UNREACHABLE)?
        .send()
        .await
        .map_err(|_| KioskError::EDGE_UNREACHABLE)?;
    if response.ok() { Ok(()) } else { Err(onshi_web::client::refusal(response).await.into()) }
}

/// Sends a device-proved JSON `POST` that needs no card session (the visual check's calls) and decodes the answer.
pub async fn device_call<B: Serialize, T: DeserializeOwned>(
    device: &Device,
    path: &str,
    body: &B,
) -> Result<T, KioskError> {
    decode(post(device, path, Some(body), None).await?).await
}

/// Asks for a single-use challenge.
pub async fn challenge(device: &Device) -> Result<ChallengeResponse, KioskError> {
    decode(post::<()>(device, CHALLENGE_PATH, None, None).await?).await
}

/// Asks for a challenge for `purpose` (the 目視 assist's card-presence proof asks for its own).
pub async fn challenge_for(device: &Device, purpose: ChallengeRequestPurpose) -> Result<ChallengeResponse, KioskError> {
    decode(post(device, CHALLENGE_PATH, Some(&ChallengeRequest { purpose }), None).await?).await
}

/// Exchanges the card's signature over the challenge for a session, and the qualification with it when the request
/// asks one.
pub async fn session(device: &Device, request: &SessionRequest) -> Result<SessionResponse, KioskError> {
    decode(post(device, SESSION_PATH, Some(request), None).await?).await
}

/// Asks for the session holder's qualification, saying how the patient uses the kiosk (for the staff's row), with
/// the patient's 公費受給者証 when they said yes to using them.
pub async fn qualification(
    device: &Device,
    session: &SessionResponse,
    patient_mode: PatientMode,
    use_recipient_certificates: bool,
) -> Result<QualificationAnswer, KioskError> {
    let body = qualification_body(patient_mode, use_recipient_certificates);
    decode(post(device, QUALIFICATION_PATH, Some(&body), Some(&session.session_token)).await?).await
}

/// What the kiosk says when it asks a qualification, on its own ([`qualification`]) or with the session
/// ([`SessionRequest::qualification`]): how the patient uses the kiosk, and whether they said yes to their 公費受給者証.
pub fn qualification_body(patient_mode: PatientMode, use_recipient_certificates: bool) -> QualificationRequest {
    QualificationRequest { patient_mode, use_recipient_certificates, ..QualificationRequest::default() }
}

/// Records the session holder's consents for this kiosk's facility; answers the consents live now.
pub async fn consent(
    device: &Device,
    session: &SessionResponse,
    submission: &ConsentSubmission,
) -> Result<ConsentAnswer, KioskError> {
    decode(post(device, CONSENT_PATH, Some(submission), Some(&session.session_token)).await?).await
}

/// 健康保険証利用登録 of the session holder's card, after they accepted the terms.
pub async fn register(device: &Device, session: &SessionResponse) -> Result<RegistrationAnswer, KioskError> {
    let body = RegistrationSubmission { terms_accepted: true };
    decode(post(device, REGISTRATION_PATH, Some(&body), Some(&session.session_token)).await?).await
}

/// Withdraws every consent the session holder gave this kiosk's facility, after they confirmed it; answers what
/// stopped.
pub async fn withdraw_consent(device: &Device, session: &SessionResponse) -> Result<ConsentWithdrawn, KioskError> {
    let body = ConsentWithdrawalSubmission { confirmed: true };
    decode(post(device, CONSENT_WITHDRAWAL_PATH, Some(&body), Some(&session.session_token)).await?).await
}

/// One page of the session holder's access log: which facilities read their information.
pub async fn access_log(
    device: &Device,
    session: &SessionResponse,
    submission: &AccessLogSubmission,
) -> Result<AccessLogPage, KioskError> {
    decode(post(device, ACCESS_LOG_PATH, Some(submission), Some(&session.session_token)).await?).await
}

/// Cancels the session holder's 健康保険証利用登録, after they confirmed it.
pub async fn cancel_registration(
    device: &Device,
    session: &SessionResponse,
) -> Result<RegistrationCancelAnswer, KioskError> {
    let body = RegistrationCancelSubmission { confirmed: true };
    decode(post(device, REGISTRATION_CANCEL_PATH, Some(&body), Some(&session.session_token)).await?).await
}
