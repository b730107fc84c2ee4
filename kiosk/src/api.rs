//! Client for the edge's public API (same origin as the page). Bodies and errors are the shared wire types.

use gloo_net::http::{Request, Response};
use onshi_proto::api::{
    CHALLENGE_PATH, ChallengeResponse, QUALIFICATION_PATH, QualificationRequest, SESSION_PATH, SessionRequest,
    SessionResponse,
};
use onshi_proto::qualification::QualificationAnswer;
use onshi_proto::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

/// Why an edge call failed.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// The edge answered with a typed error.
    #[error("edge refused: {0}")]
    Api(ErrorCode),
    /// The edge could not be reached or answered something unreadable.
    #[error("edge unreachable")]
    Network,
}

impl EdgeError {
    /// The network error code this stands for (an unreachable edge is, to the patient, an unavailable service).
    pub fn code(&self) -> ErrorCode {
        match self {
            EdgeError::Api(code) => *code,
            EdgeError::Network => ErrorCode::OriginUnavailable,
        }
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, EdgeError> {
    if response.ok() {
        return response.json::<T>().await.map_err(|_| EdgeError::Network);
    }
    match response.json::<ApiError>().await {
        Ok(error) => Err(EdgeError::Api(error.error)),
        Err(_) => Err(EdgeError::Network),
    }
}

/// Asks for a single-use challenge.
pub async fn challenge() -> Result<ChallengeResponse, EdgeError> {
    let response = Request::post(CHALLENGE_PATH).send().await.map_err(|_| EdgeError::Network)?;
    decode(response).await
}

/// Exchanges the card's signature over the challenge for a session.
pub async fn session(request: &SessionRequest) -> Result<SessionResponse, EdgeError> {
    let response = Request::post(SESSION_PATH)
        .json(request)
        .map_err(|_| EdgeError::Network)?
        .send()
        .await
        .map_err(|_| EdgeError::Network)?;
    decode(response).await
}

/// Asks for the session holder's qualification.
pub async fn qualification(session: &SessionResponse) -> Result<QualificationAnswer, EdgeError> {
    let response = Request::post(QUALIFICATION_PATH)
        .header("Authorization", &format!("Bearer {}", session.session_token))
        .json(&QualificationRequest::default())
        .map_err(|_| EdgeError::Network)?
        .send()
        .await
        .map_err(|_| EdgeError::Network)?;
    decode(response).await
}
