//! What every route reads from a request before its handler runs: the edge's signature (the [`SignedJson`]
//! extractor), a bearer token, and the well-formedness of the identifiers a request carries; and the one error
//! answer, [`Failure`].
//!
//! Layer: HTTP adapter. Must not put internal detail or personal data in an error body: a [`Failure`] is built
//! from an [`ErrorCode`] alone and the detail goes to the log.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use onshi_proto::signing::{self, NONCE_HEADER, SIGNATURE_HEADER, SignatureHeaders, TIMESTAMP_HEADER};
use onshi_proto::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

use crate::error::OriginError;
use crate::http::state::AppState;
use crate::replay::NonceRecord;
use crate::store::rows::RequestRows;

/// Timestamps beyond this many seconds from the epoch (the year 5138) are refused outright.
const MAX_PLAUSIBLE_UNIX_TIME: i64 = 100_000_000_000;

/// An error answer: the code decides the status and the fixed body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure(pub ErrorCode);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ApiError::from(self.0))).into_response()
    }
}

impl From<OriginError> for Failure {
    fn from(error: OriginError) -> Self {
        tracing::error!(%error, "request failed");
        Self(ErrorCode::Internal)
    }
}

/// The answer to a request whose fields are not well formed.
pub(crate) fn bad_request() -> Failure {
    Failure(ErrorCode::BadRequest)
}

/// The answer of every path and method the router does not serve.
pub(crate) async fn not_found() -> Failure {
    Failure(ErrorCode::NotFound)
}

/// A JSON body whose request carried a valid, fresh, never-seen edge signature.
#[derive(Debug)]
pub struct SignedJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for SignedJson<T> {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (body, nonce) = verified_body(request, state).await?;
        // After the signature, so unauthenticated callers cannot fill the table.
        nonce.claim_alone(state).await?;
        parse_body(&body).map(SignedJson)
    }
}

/// A JSON body whose request carried a valid, fresh edge signature, with its nonce still to be claimed: the
/// handler hands [`UnclaimedNonce`] in with the rows its answer leaves behind (`UnclaimedNonce::commit_with`), so
/// that the claim and the rows share one commit. For a lookup, whose read has no effect of its own: nothing is
/// answered, and nothing stored, before the claim has committed.
#[derive(Debug)]
pub struct SignedLookup<T> {
    /// The request body.
    pub body: T,
    /// The request's nonce, not yet claimed.
    pub nonce: UnclaimedNonce,
}

/// The nonce of a verified request, to be claimed together with the rows of its answer. A request that ends
/// without claiming it (a fault before its commit) has stored nothing and is answered with a fixed error code.
#[derive(Debug)]
#[must_use = "a signed request is answered only after its nonce is claimed"]
pub struct UnclaimedNonce {
    record: NonceRecord,
    now: i64,
}

impl UnclaimedNonce {
    /// Claims the nonce and commits `rows` in one transaction; refuses the request, storing nothing, when the nonce
    /// was seen before (by this or any other replica sharing the database). Returns once both are durable.
    pub(crate) async fn commit_with(self, state: &AppState, rows: RequestRows) -> Result<(), Failure> {
        if state.store().commit_rows_of_fresh_request(self.record, self.now, rows).await? {
            Ok(())
        } else {
            Err(replay_refused())
        }
    }

    /// Claims the nonce with no rows beside it, for a request that leaves nothing else behind; refuses the request
    /// when the nonce was seen before. Returns once the claim is durable.
    pub(crate) async fn claim_alone(self, state: &AppState) -> Result<(), Failure> {
        if state.store().remember_nonce(&self.record, self.now).await? { Ok(()) } else { Err(replay_refused()) }
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for SignedLookup<T> {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (body, nonce) = verified_body(request, state).await?;
        Ok(SignedLookup { body: parse_body(&body)?, nonce })
    }
}

/// The body of a request whose signature verifies, and its nonce (not yet claimed).
async fn verified_body(request: Request, state: &AppState) -> Result<(Bytes, UnclaimedNonce), Failure> {
    let headers = signature_headers(request.headers()).ok_or_else(|| {
        tracing::warn!("signed route called without signature headers");
        Failure(ErrorCode::Unauthorized)
    })?;
    let method = request.method().as_str().to_owned();
    let path_and_query =
        request.uri().path_and_query().map_or_else(|| request.uri().path().to_owned(), |pq| pq.as_str().to_owned());
    let body = Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure(ErrorCode::PayloadTooLarge)
        } else {
            Failure(ErrorCode::BadRequest)
        }
    })?;
    let shared = state.shared();
    let now = state.now();
    if !is_plausible_timestamp(&headers.timestamp) {
        tracing::warn!(path = %path_and_query, "signed request with a malformed or implausible timestamp refused");
        return Err(Failure(ErrorCode::Unauthorized));
    }
    let timestamp =
        signing::verify(shared.key.expose(), &method, &path_and_query, &headers, &body, now).map_err(|error| {
            tracing::warn!(%error, path = %path_and_query, "signed request refused");
            Failure(ErrorCode::Unauthorized)
        })?;
    Ok((body, UnclaimedNonce { record: NonceRecord::of(&headers.nonce, timestamp), now }))
}

/// The refusal of a request whose nonce was seen before.
fn replay_refused() -> Failure {
    tracing::warn!("replayed request nonce refused");
    Failure(ErrorCode::Unauthorized)
}

/// The JSON body of a verified request.
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|error| {
        // The error names a line and column, never the body's content.
        tracing::info!(line = error.line(), column = error.column(), "malformed JSON body");
        Failure(ErrorCode::BadRequest)
    })
}

/// `signing::verify` subtracts the timestamp from `now`; a timestamp near the ends of the i64 range would overflow
/// there, so anything that is not a plausible Unix time is refused before it gets that far.
pub(crate) fn is_plausible_timestamp(timestamp: &str) -> bool {
    timestamp
        .parse::<i64>()
        .is_ok_and(|timestamp| (-MAX_PLAUSIBLE_UNIX_TIME..=MAX_PLAUSIBLE_UNIX_TIME).contains(&timestamp))
}

/// The three signature headers of a request, when it has them all.
pub(crate) fn signature_headers(headers: &HeaderMap) -> Option<SignatureHeaders> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    Some(SignatureHeaders {
        timestamp: text(TIMESTAMP_HEADER)?,
        nonce: text(NONCE_HEADER)?,
        signature: text(SIGNATURE_HEADER)?,
    })
}

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_carry_the_codes_status() {
        let response = Failure(ErrorCode::PayloadTooLarge).into_response();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn only_a_bearer_header_carries_a_token() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, axum::http::HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, axum::http::HeaderValue::from_static("Bearer  tok "));
        assert_eq!(bearer(&headers), Some("tok"));
    }
}
