//! The HTTP adapter: routes, the signed-request extractor and error responses.
//!
//! Every answer carries `Cache-Control: no-store`. Every error body is an [`ApiError`] built from a code alone;
//! the detail goes to the log, never to the caller.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, CERTIFICATE_STATUS_PATH, CardQualificationQuery, CertificateStatusAnswer,
    CertificateStatusQuery,
};
use onshi_proto::qualification::{QualificationAnswer, Validity};
use onshi_proto::signing::{self, NONCE_HEADER, SIGNATURE_HEADER, SignatureHeaders, TIMESTAMP_HEADER};
use onshi_proto::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

use crate::certificate;
use crate::clock::{Clock, tokyo_date};
use crate::error::OriginError;
use crate::key::SigningKey;
use crate::replay::{NonceCache, NonceRefusal};
use crate::store::{AuditEvent, Store};
use crate::validity::{CardHolder, assess};

/// Largest request body accepted on any route.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The audit purpose recorded for a qualification lookup by card certificate.
pub const PURPOSE_QUALIFICATION_BY_CERTIFICATE: &str = "qualification_by_certificate";
/// Timestamps beyond this many seconds from the epoch (the year 5138) are refused outright.
const MAX_PLAUSIBLE_UNIX_TIME: i64 = 100_000_000_000;
/// Longest device identifier or `ArbitraryIdentifier` accepted, in characters.
pub const MAX_IDENTIFIER_CHARS: usize = 128;

/// What every handler shares. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    store: Store,
    clock: Arc<dyn Clock>,
    key: SigningKey,
    nonces: Mutex<NonceCache>,
}

impl AppState {
    /// State over `store`, reading time from `clock` and verifying requests with `key`.
    pub fn new(store: Store, clock: Arc<dyn Clock>, key: SigningKey) -> Self {
        Self(Arc::new(Shared { store, clock, key, nonces: Mutex::new(NonceCache::default()) }))
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route(BY_CERTIFICATE_PATH, post(qualification_by_certificate))
        .route(CERTIFICATE_STATUS_PATH, post(certificate_status))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(no_store))
        .with_state(state)
}

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

/// A JSON body whose request carried a valid, fresh, never-seen edge signature.
#[derive(Debug)]
pub struct SignedJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for SignedJson<T> {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
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
        let now = state.0.clock.now_unix();
        // `signing::verify` subtracts the timestamp from `now`; a timestamp near the ends of the i64 range would
        // overflow there, so anything that is not a plausible Unix time is refused before it gets that far.
        let plausible = headers
            .timestamp
            .parse::<i64>()
            .is_ok_and(|timestamp| (-MAX_PLAUSIBLE_UNIX_TIME..=MAX_PLAUSIBLE_UNIX_TIME).contains(&timestamp));
        if !plausible {
            tracing::warn!(path = %path_and_query, "signed request with a malformed or implausible timestamp refused");
            return Err(Failure(ErrorCode::Unauthorized));
        }
        let timestamp = signing::verify(state.0.key.expose(), &method, &path_and_query, &headers, &body, now)
            .map_err(|error| {
                tracing::warn!(%error, path = %path_and_query, "signed request refused");
                Failure(ErrorCode::Unauthorized)
            })?;
        {
            let mut nonces = state.0.nonces.lock().map_err(|_| Failure(ErrorCode::Internal))?;
            nonces.remember(&headers.nonce, timestamp, now).map_err(|refusal| match refusal {
                NonceRefusal::Replayed => {
                    tracing::warn!(path = %path_and_query, "replayed request nonce refused");
                    Failure(ErrorCode::Unauthorized)
                }
                NonceRefusal::CacheFull => {
                    tracing::warn!("nonce cache full; refusing until entries expire");
                    Failure(ErrorCode::RateLimited)
                }
            })?;
        }
        serde_json::from_slice(&body).map(SignedJson).map_err(|error| {
            // The error names a line and column, never the body's content.
            tracing::info!(line = error.line(), column = error.column(), "malformed JSON body");
            Failure(ErrorCode::BadRequest)
        })
    }
}

fn signature_headers(headers: &HeaderMap) -> Option<SignatureHeaders> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    Some(SignatureHeaders {
        timestamp: text(TIMESTAMP_HEADER)?,
        nonce: text(NONCE_HEADER)?,
        signature: text(SIGNATURE_HEADER)?,
    })
}

async fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn not_found() -> Failure {
    Failure(ErrorCode::NotFound)
}

async fn qualification_by_certificate(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<CardQualificationQuery>,
) -> Result<Json<QualificationAnswer>, Failure> {
    if !certificate::is_well_formed(&query.certificate) || !query_identifiers_are_well_formed(&query) {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let now = state.0.clock.now_unix();
    let today = tokyo_date(now)?;
    let found = state.0.store.card_holder(&query.certificate).await?;
    let (person_id, holder) = match found {
        Some((person_id, records)) => (Some(person_id), CardHolder::Linked(records)),
        None => (None, CardHolder::NotLinked),
    };
    let answer = assess(holder, today);
    // The answer is released only once its read is on the audit trail.
    state
        .0
        .store
        .record_audit(&AuditEvent {
            id: random_id()?,
            occurred_at: now,
            actor_device_id: query.device_id.clone(),
            actor_facility_code: query.facility_code.clone(),
            subject_person_id: person_id,
            purpose: PURPOSE_QUALIFICATION_BY_CERTIFICATE.to_owned(),
            outcome: outcome_code(answer.validity).to_owned(),
            arbitrary_identifier: query.arbitrary_identifier.clone(),
        })
        .await?;
    tracing::info!(outcome = outcome_code(answer.validity), records = answer.records.len(), "qualification answered");
    Ok(Json(answer))
}

async fn certificate_status(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<CertificateStatusQuery>,
) -> Result<Json<CertificateStatusAnswer>, Failure> {
    if !certificate::is_well_formed(&query.certificate) {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let status = state.0.store.certificate_status(&query.certificate).await?;
    Ok(Json(CertificateStatusAnswer { status }))
}

fn query_identifiers_are_well_formed(query: &CardQualificationQuery) -> bool {
    let facility_ok =
        query.facility_code.as_deref().is_none_or(|code| code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()));
    let identifier_ok = |value: Option<&str>| {
        value.is_none_or(|text| {
            !text.is_empty() && text.chars().count() <= MAX_IDENTIFIER_CHARS && !text.chars().any(char::is_control)
        })
    };
    facility_ok && identifier_ok(query.device_id.as_deref()) && identifier_ok(query.arbitrary_identifier.as_deref())
}

/// The audit outcome code for a validity: its stable wire name.
pub fn outcome_code(validity: Validity) -> &'static str {
    match validity {
        Validity::Valid => "valid",
        Validity::Invalid => "invalid",
        Validity::InvalidNewerExists => "invalid_newer_exists",
        Validity::NoQualification => "no_qualification",
        Validity::MultipleMatches => "multiple_matches",
    }
}

fn random_id() -> Result<String, OriginError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| OriginError::Random(error.to_string()))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn outcome_codes_are_the_wire_names() {
        for validity in [
            Validity::Valid,
            Validity::Invalid,
            Validity::InvalidNewerExists,
            Validity::NoQualification,
            Validity::MultipleMatches,
        ] {
            assert_eq!(serde_json::to_value(validity).unwrap(), outcome_code(validity));
        }
    }

    #[test]
    fn query_identifiers_are_checked() {
        let base = CardQualificationQuery {
            certificate: onshi_proto::origin::CertificateRef { issuer: "CN=x".into(), serial: "01".into() },
            facility_code: Some("1312345678".into()),
            device_id: Some("kiosk-1".into()),
            arbitrary_identifier: None,
        };
        assert!(query_identifiers_are_well_formed(&base));
        let mut bad = base.clone();
        bad.facility_code = Some("13123".into());
        assert!(!query_identifiers_are_well_formed(&bad));
        let mut bad = base.clone();
        bad.device_id = Some("x".repeat(MAX_IDENTIFIER_CHARS + 1));
        assert!(!query_identifiers_are_well_formed(&bad));
        let mut bad = base;
        bad.arbitrary_identifier = Some("a\u{0}b".into());
        assert!(!query_identifiers_are_well_formed(&bad));
    }

    #[test]
    fn failures_carry_the_codes_status() {
        let response = Failure(ErrorCode::PayloadTooLarge).into_response();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
