//! The insurer console's edge client: every call carries the enrolled device's proof over its exact method, path
//! and body bytes, and, once signed in, the insurer session as a bearer. The insurer comes from the session at the
//! edge, never from the page. Answers are read by the shared [`onshi_web::client::decode`].
//!
//! Must not: keep the credential, the token or an answer; send anything the proof does not cover.

use gloo_net::http::Response;
use onshi_proto::ErrorCode;
use onshi_proto::identifier::Identifier;
use onshi_proto::insurer::{
    BatchProgress, DecisionOutcome, HoldResolution, HoldSummary, INSURER_BATCH_PROGRESS_PATH, INSURER_HOLD_PREFIX,
    INSURER_HOLDS_PATH, INSURER_LOGIN_PATH, INSURER_LOGOUT_PATH, INSURER_NOTICE_PREFIX, INSURER_NOTICES_PATH,
    INSURER_RESOLUTION_SUFFIX, InboxFilter, InsurerLoginRequest, InsurerSessionResponse, NoticeDetail, NoticePage,
};
use onshi_web::device::Device;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroize as _;

/// Why a call failed: the edge's typed code, or [`ErrorCode::OriginUnavailable`] when the edge could not be reached
/// or answered something unreadable.
pub type CallResult<T> = Result<T, ErrorCode>;

/// A signed-in clerk's means of calling: the device that proves each call and the session token.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// The enrolled console.
    pub device: Device,
    /// The insurer session's bearer token.
    pub token: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("device", &self.device).field("token", &"<redacted>").finish()
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> CallResult<T> {
    onshi_web::client::decode(response).await.map_err(onshi_web::WebError::code)
}

/// Sends `method path` with the device proof over `body`, and the bearer token when there is one.
pub async fn send(
    device: &Device,
    method: &str,
    path: &str,
    body: Option<String>,
    token: Option<&str>,
) -> CallResult<Response> {
    device.send(method, path, body, token).await.map_err(onshi_web::WebError::code)
}

/// Signs the clerk in with the insurer's credential; the credential's copy in the request is wiped once sent.
pub async fn login(device: &Device, credential: String, clerk: Identifier) -> CallResult<InsurerSessionResponse> {
    let mut request = InsurerLoginRequest { credential, clerk };
    let body = serde_json::to_string(&request).map_err(|_| ErrorCode::BadRequest);
    request.credential.zeroize();
    let mut body = body?;
    let response = send(device, "POST", INSURER_LOGIN_PATH, Some(body.clone()), None).await;
    body.zeroize();
    decode(response?).await
}

/// Ends the session at the edge, so that its token is refused from now on.
pub async fn logout(session: &Session) -> CallResult<()> {
    let response = send(&session.device, "POST", INSURER_LOGOUT_PATH, None, Some(&session.token)).await?;
    if response.ok() { Ok(()) } else { decode::<serde::de::IgnoredAny>(response).await.map(|_| ()) }
}

/// The count and ages of the insurer's open holds.
pub async fn holds(session: &Session) -> CallResult<HoldSummary> {
    decode(send(&session.device, "GET", INSURER_HOLDS_PATH, None, Some(&session.token)).await?).await
}

/// How far the insurer's running batch has got.
pub async fn batch_progress(session: &Session) -> CallResult<BatchProgress> {
    decode(send(&session.device, "GET", INSURER_BATCH_PROGRESS_PATH, None, Some(&session.token)).await?).await
}

/// One page of the inbox, newest first.
pub async fn notices(session: &Session, filter: &InboxFilter) -> CallResult<NoticePage> {
    let body = serde_json::to_string(filter).map_err(|_| ErrorCode::BadRequest)?;
    decode(send(&session.device, "POST", INSURER_NOTICES_PATH, Some(body), Some(&session.token)).await?).await
}

/// One notice with the records it compares.
pub async fn notice(session: &Session, id: &str) -> CallResult<NoticeDetail> {
    if !onshi_proto::insurer::is_path_id(id) {
        return Err(ErrorCode::NotFound);
    }
    let path = format!("{INSURER_NOTICE_PREFIX}{id}");
    decode(send(&session.device, "GET", &path, None, Some(&session.token)).await?).await
}

/// What the edge answers to a resolution.
#[derive(Deserialize)]
struct ResolutionAnswer {
    outcome: DecisionOutcome,
}

/// Records the clerk's decision on a held record.
pub async fn resolve(session: &Session, person_id: &str, body: &HoldResolution) -> CallResult<DecisionOutcome> {
    if !onshi_proto::insurer::is_path_id(person_id) {
        return Err(ErrorCode::NotFound);
    }
    let path = format!("{INSURER_HOLD_PREFIX}{person_id}{INSURER_RESOLUTION_SUFFIX}");
    let body = serde_json::to_string(body).map_err(|_| ErrorCode::BadRequest)?;
    let answer: ResolutionAnswer =
        decode(send(&session.device, "POST", &path, Some(body), Some(&session.token)).await?).await?;
    Ok(answer.outcome)
}
