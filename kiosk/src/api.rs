//! Client for the edge's public API (same origin as the page, or the edge baked into the Isolated Web App: see
//! [`crate::config`]). Bodies and errors are the shared wire types. Every
//! call carries the enrolled device's proof over its exact method, path and body bytes.

use gloo_net::http::{Request, Response};
use onshi_proto::api::DEVICE_PATH;
use onshi_proto::api::{
    CHALLENGE_PATH, CONSENT_PATH, ChallengeResponse, ConsentSubmission, QUALIFICATION_PATH, QualificationRequest,
    REGISTRATION_PATH, RegistrationSubmission, SESSION_PATH, SessionRequest, SessionResponse,
};
use onshi_proto::origin::{ConsentAnswer, RegistrationAnswer};
use onshi_proto::qualification::QualificationAnswer;
use onshi_proto::{ApiError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::device::Device;

/// Why an edge call failed.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// The edge answered with a typed error.
    #[error("edge refused: {0}")]
    Api(ErrorCode),
    /// The edge could not be reached or answered something unreadable.
    #[error("edge unreachable")]
    Network,
    /// The browser could not sign the device proof.
    #[error("device proof failed")]
    DeviceProof,
}

impl EdgeError {
    /// The network error code this stands for (an unreachable edge is, to the patient, an unavailable service).
    pub fn code(&self) -> ErrorCode {
        match self {
            EdgeError::Api(code) => *code,
            EdgeError::Network => ErrorCode::OriginUnavailable,
            EdgeError::DeviceProof => ErrorCode::Internal,
        }
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, EdgeError> {
    if response.ok() {
        return response.json::<T>().await.map_err(|_| EdgeError::Network);
    }
    Err(refusal(response).await)
}

/// The typed error of an answer that is not a success; one the kiosk cannot read counts as unreachable.
async fn refusal(response: Response) -> EdgeError {
    match response.json::<ApiError>().await {
        Ok(error) => EdgeError::Api(error.error),
        Err(_) => EdgeError::Network,
    }
}

/// Sends `POST path` with the device proof, an optional bearer session and an optional JSON body. The body is
/// serialized once, so that the proof covers exactly the bytes sent.
async fn post<B: Serialize>(
    device: &Device,
    path: &str,
    body: Option<&B>,
    session_token: Option<&str>,
) -> Result<Response, EdgeError> {
    let bytes = match body {
        Some(body) => serde_json::to_string(body).map_err(|_| EdgeError::Network)?,
        None => String::new(),
    };
    let proof = device.proof_headers("POST", path, bytes.as_bytes()).await.map_err(|_| EdgeError::DeviceProof)?;
    let mut request = Request::post(&crate::config::edge_url(path));
    for (name, value) in &proof {
        request = request.header(name, value);
    }
    if let Some(token) = session_token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let request =
        if body.is_some() { request.header("Content-Type", "application/json").body(bytes) } else { request.build() };
    request.map_err(|_| EdgeError::Network)?.send().await.map_err(|_| EdgeError::Network)
}

/// Confirms with the edge that it still knows this device (`GET` [`DEVICE_PATH`], answered 204). The browser keeps
/// its key when the edge forgets the device (a restarted demo, a revoked kiosk), so the kiosk asks when it starts:
/// `device_not_enrolled` means enrol again, [`EdgeError::Network`] that the edge cannot be reached at all.
pub async fn confirm_device(device: &Device) -> Result<(), EdgeError> {
    let proof = device.proof_headers("GET", DEVICE_PATH, b"").await.map_err(|_| EdgeError::DeviceProof)?;
    let mut request = Request::get(&crate::config::edge_url(DEVICE_PATH));
    for (name, value) in &proof {
        request = request.header(name, value);
    }
    let response = request.build().map_err(|_| EdgeError::Network)?.send().await.map_err(|_| EdgeError::Network)?;
    if response.ok() { Ok(()) } else { Err(refusal(response).await) }
}

/// Sends a device-proved JSON `POST` that needs no card session (the visual check's calls) and decodes the answer.
pub async fn device_call<B: Serialize, T: DeserializeOwned>(
    device: &Device,
    path: &str,
    body: &B,
) -> Result<T, EdgeError> {
    decode(post(device, path, Some(body), None).await?).await
}

/// Asks for a single-use challenge.
pub async fn challenge(device: &Device) -> Result<ChallengeResponse, EdgeError> {
    decode(post::<()>(device, CHALLENGE_PATH, None, None).await?).await
}

/// Exchanges the card's signature over the challenge for a session.
pub async fn session(device: &Device, request: &SessionRequest) -> Result<SessionResponse, EdgeError> {
    decode(post(device, SESSION_PATH, Some(request), None).await?).await
}

/// Asks for the session holder's qualification.
pub async fn qualification(device: &Device, session: &SessionResponse) -> Result<QualificationAnswer, EdgeError> {
    let body = QualificationRequest::default();
    decode(post(device, QUALIFICATION_PATH, Some(&body), Some(&session.session_token)).await?).await
}

/// Records the session holder's consents for this kiosk's facility; answers the consents live now.
pub async fn consent(
    device: &Device,
    session: &SessionResponse,
    submission: &ConsentSubmission,
) -> Result<ConsentAnswer, EdgeError> {
    decode(post(device, CONSENT_PATH, Some(submission), Some(&session.session_token)).await?).await
}

/// 健康保険証利用登録 of the session holder's card, after they accepted the terms.
pub async fn register(device: &Device, session: &SessionResponse) -> Result<RegistrationAnswer, EdgeError> {
    let body = RegistrationSubmission { terms_accepted: true };
    decode(post(device, REGISTRATION_PATH, Some(&body), Some(&session.session_token)).await?).await
}
