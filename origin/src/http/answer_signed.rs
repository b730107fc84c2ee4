//! Signs the answer to every request that presents an edge request signature
//! ([`onshi_proto::answer_signing`]), so that the edge can tell the origin's own answer, to its own request, from
//! anything a network in between could put there: a certificate status turned `good`, another person's
//! qualification, an old answer replayed.
//!
//! Layer: HTTP adapter, the outermost answer layer but the metrics: it signs what the caller will receive, the
//! typed refusals and time-outs included. A request without a signature (an operator's `/health`, an insurer's own
//! bearer call) gets an unsigned answer, as before. Must not: change an answer, or sign one that was cut short.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use onshi_proto::ErrorCode;
use onshi_proto::answer_signing::{ANSWER_SIGNATURE_HEADER, sign_answer};
use onshi_proto::signing::SIGNATURE_HEADER;

use crate::http::signed::Failure;
use crate::http::state::AppState;

/// Largest answer the origin signs, in bytes: far above any answer it gives (lists are paged, a batch report keeps
/// only its first errors), so an answer over it is a fault, and it is refused rather than sent unsigned.
pub const MAX_SIGNED_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// The middleware: runs the request, then signs the answer's status and body for the request signature presented.
pub async fn sign_answers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(request_signature) =
        request.headers().get(SIGNATURE_HEADER).and_then(|value| value.to_str().ok()).map(str::to_owned)
    else {
        return next.run(request).await;
    };
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_SIGNED_ANSWER_BYTES).await else {
        tracing::error!("an answer was over the signed answer limit or broke off; refused instead");
        return Failure(ErrorCode::Internal).into_response();
    };
    match sign_answer(state.shared().key.expose(), &request_signature, parts.status.as_u16(), &bytes) {
        Ok(signature) => {
            // Hex text is always a valid header value.
            if let Ok(value) = HeaderValue::from_str(&signature) {
                parts.headers.insert(ANSWER_SIGNATURE_HEADER, value);
            }
        }
        // A presented signature that is not hex: the request was refused already (its signature cannot have
        // verified), and the refusal goes out unsigned, as it would to anyone.
        Err(error) => tracing::warn!(%error, "answer left unsigned"),
    }
    Response::from_parts(parts, Body::from(bytes))
}
