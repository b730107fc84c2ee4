//! The edge speaking for an insurer's console session: a request to an insurer route (`/insurer/v1/…`) signed by
//! the edge with [`onshi_proto::signing::sign_for_insurer`], naming the insurer, the edge's session, the clerk and
//! the credential the session was opened with in [`INSURER_HEADER`], [`INSURER_SESSION_HEADER`],
//! [`DECIDED_BY_HEADER`] and [`INSURER_CREDENTIAL_HEADER`], all four under the signature.
//!
//! The edge learns the insurer once, at the console's sign-in, by showing the origin the insurer's own bearer
//! token; after that it never holds the token and signs each call for the insurer instead, so the insurer a call
//! names cannot be changed on the way and the origin's insurer routes serve that insurer only. This middleware checks
//! such a request (signature, time window, that the session's credential is still the insurer's and live, a nonce
//! never seen: in the database every replica shares, or, for the batch progress this process alone can answer, in
//! its memory) and hands the insurer to the routes as an
//! [`EdgeInsurer`] extension, which [`crate::http::insurer::Insurer`] reads before any bearer token. A request
//! without [`INSURER_HEADER`] passes untouched, so an insurer's own bearer calls (and a streamed batch upload)
//! work as before.
//!
//! The credential check is what ends a console session when the operator revokes the credential it was opened with,
//! or that credential expires: the next call of the session is refused as a revoked bearer token is (`unauthorized`,
//! nothing more), from every replica at once, at the cost of one indexed read and no write.
//!
//! Layer: HTTP adapter. Must not: let a request name an insurer without the edge's signature over it, serve a
//! session whose credential is not the insurer's live one, accept both a bearer token and an edge signature on one
//! request (whose insurer would it be?), or read more of a body than the edge ever sends
//! ([`MAX_EDGE_INSURER_BODY_BYTES`], or a batch's [`MAX_EDGE_BATCH_BYTES`]).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use onshi_proto::ErrorCode;
use onshi_proto::insurer::{DECIDED_BY_HEADER, MAX_EDGE_BATCH_BYTES, ORIGIN_BATCH_PROGRESS_PATH, ORIGIN_BATCHES_PATH};
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::signing::{self, INSURER_CREDENTIAL_HEADER, INSURER_HEADER, INSURER_SESSION_HEADER, Principal};

use crate::credential::CredentialName;

use crate::http::signed::{Failure, is_plausible_timestamp, signature_headers};
use crate::http::state::AppState;
use crate::replay::NonceRecord;
use crate::store::credentials::PrincipalKind;

/// Largest body an edge-signed insurer request may carry but a batch: the edge refuses any other request body over
/// 16 KiB, so anything larger did not come from it.
pub const MAX_EDGE_INSURER_BODY_BYTES: usize = 64 * 1024;
/// Longest edge session id accepted.
const MAX_SESSION_LEN: usize = 64;
/// The paths this scheme is for.
const INSURER_PREFIX: &str = "/insurer/v1/";

/// The insurer an edge-signed request speaks for, and the edge's session that asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeInsurer {
    /// The insurer.
    pub insurer: InsurerNumber,
    /// The edge's insurer console session.
    pub session: String,
    /// The credential the session was opened with, live when the request came.
    pub credential: CredentialName,
}

/// Checks an edge-signed insurer request and passes its insurer on; see the module doc.
pub(crate) async fn speak_for_insurer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let names_insurer = request.headers().contains_key(INSURER_HEADER);
    if !names_insurer || !request.uri().path().starts_with(INSURER_PREFIX) {
        return next.run(request).await;
    }
    match verified(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(failure) => failure.into_response(),
    }
}

/// Whether a request asks how far the insurer's batch has got. Its nonce is remembered in this process's memory,
/// not the database: the console asks every few seconds while the batch runs, and on SQLite the batch holds the
/// one write lock until it commits, so a nonce written to the database would wait for exactly the end the clerk is
/// watching for. The answer itself comes from this process's memory (`store/batch_progress.rs`); a replay sent to
/// another replica learns no counts, only that a batch runs.
fn is_progress_poll(method: &Method, path: &str) -> bool {
    method == Method::GET && path == ORIGIN_BATCH_PROGRESS_PATH
}

async fn verified(state: &AppState, request: Request) -> Result<Request, Failure> {
    let unauthorized = |why: &str| {
        tracing::warn!(why, "edge-signed insurer request refused");
        Failure(ErrorCode::Unauthorized)
    };
    let (mut parts, body) = request.into_parts();
    if parts.headers.contains_key(AUTHORIZATION) {
        return Err(unauthorized("a bearer token beside the edge's signature"));
    }
    let text = |name: &str| parts.headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let principal = Principal {
        insurer: text(INSURER_HEADER).unwrap_or_default(),
        session: text(INSURER_SESSION_HEADER).unwrap_or_default(),
        // Read as sent: the route decodes it, after the signature has shown it is the name the edge signed.
        clerk: text(DECIDED_BY_HEADER).unwrap_or_default(),
        credential: text(INSURER_CREDENTIAL_HEADER).unwrap_or_default(),
    };
    let session_ok = (1..=MAX_SESSION_LEN).contains(&principal.session.len())
        && principal.session.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let insurer = InsurerNumber::parse(&principal.insurer).ok().filter(|_| session_ok);
    let Some(insurer) = insurer else { return Err(unauthorized("a malformed insurer or session")) };
    let credential =
        CredentialName::parse(&principal.credential).ok_or_else(|| unauthorized("a malformed credential name"))?;
    let headers = signature_headers(&parts.headers).ok_or_else(|| unauthorized("no signature"))?;
    if !is_plausible_timestamp(&headers.timestamp) {
        return Err(unauthorized("an implausible timestamp"));
    }
    // A batch comes as large as the edge takes one; it is read whole, since the signature covers its hash.
    let limit =
        if parts.uri.path() == ORIGIN_BATCHES_PATH { MAX_EDGE_BATCH_BYTES } else { MAX_EDGE_INSURER_BODY_BYTES };
    let body = to_bytes(body, limit).await.map_err(|_| Failure(ErrorCode::PayloadTooLarge))?;
    let path_and_query = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |pq| pq.to_string());
    let now = state.now();
    let key = state.shared().key.expose();
    let timestamp =
        signing::verify_for_insurer(key, parts.method.as_str(), &path_and_query, &headers, &body, now, &principal)
            .map_err(|_| unauthorized("the signature does not hold"))?;
    // After the signature (so unauthenticated callers cannot make the origin read) and before the nonce is claimed
    // (so a refused session writes nothing): the credential a session was opened with must still be this
    // insurer's and live. Revoked, expired and another insurer's are refused alike, as a revoked bearer token is.
    if !state.store().credential_is_live(insurer.as_str(), PrincipalKind::Insurer, &credential, now).await? {
        return Err(unauthorized("the session's credential is revoked, expired or not the insurer's"));
    }
    // After the signature, so unauthenticated callers cannot fill the table.
    let nonce = NonceRecord::of(&headers.nonce, timestamp);
    let fresh = if is_progress_poll(&parts.method, parts.uri.path()) {
        state.remember_nonce_here(&nonce, now)
    } else {
        state.store().remember_nonce(&nonce, now).await?
    };
    if !fresh {
        return Err(unauthorized("a replayed nonce"));
    }
    parts.extensions.insert(EdgeInsurer { insurer, session: principal.session, credential });
    Ok(Request::from_parts(parts, Body::from(body)))
}
