//! Insurer routes (`/insurer/v1/…`, a bearer token per insurer, stored hashed) and admin routes (`/admin/v1/…`,
//! the token from `ONSHI_ADMIN_TOKEN`; closed when it is unset).
//!
//! Batch upload parses and validates the whole file first (a bad file is refused with per-row errors and changes
//! nothing), then runs the checks and applies everything in one transaction, and answers only after the commit.

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use onshi_proto::origin::CertificateRef;
use onshi_proto::qualification::Sex;
use onshi_proto::{ErrorCode, IsoDate};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::batch::{BatchFormat, RowError, parse_batch};
use crate::batch_store::{BatchReport, HoldOutcome, HoldResolution, Notification};
use crate::certificate;
use crate::http::{AppState, Failure};
use crate::individual_number::IndividualNumber;
use crate::insurer_number::InsurerNumber;
use crate::key::token_sha256;
use crate::store::{JlisStatus, NewInsurer, NewJlisCertificate, NewResident, PersonItems, random_id};

/// Largest batch body accepted, in bytes.
pub const MAX_BATCH_BYTES: usize = 256 * 1024 * 1024;
/// Batch upload.
pub const BATCHES_PATH: &str = "/insurer/v1/batches";
/// One batch's report.
pub const BATCH_PATH: &str = "/insurer/v1/batches/{batch_id}";
/// The insurer's notifications.
pub const NOTIFICATIONS_PATH: &str = "/insurer/v1/notifications";
/// Resolve a held record.
pub const HOLD_RESOLUTION_PATH: &str = "/insurer/v1/holds/{person_id}/resolution";
/// Register an insurer and issue it a token.
pub const ADMIN_INSURERS_PATH: &str = "/admin/v1/insurers";
/// Put a 住基 stand-in entry.
pub const ADMIN_RESIDENTS_PATH: &str = "/admin/v1/residents";
/// Put a J-LIS stand-in entry.
pub const ADMIN_CERTIFICATES_PATH: &str = "/admin/v1/certificates";

/// The insurer and admin routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BATCHES_PATH, post(upload_batch).get(list_batches).layer(DefaultBodyLimit::max(MAX_BATCH_BYTES)))
        .route(BATCH_PATH, get(batch_report))
        .route(NOTIFICATIONS_PATH, get(notifications))
        .route(HOLD_RESOLUTION_PATH, post(resolve_hold))
        .route(ADMIN_INSURERS_PATH, post(add_insurer))
        .route(ADMIN_RESIDENTS_PATH, post(put_resident))
        .route(ADMIN_CERTIFICATES_PATH, post(put_certificate))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())
}

/// The insurer a request's bearer token belongs to.
#[derive(Debug)]
pub struct Insurer(pub InsurerNumber);

impl FromRequestParts<AppState> for Insurer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(Failure(ErrorCode::Unauthorized))?;
        let number = state.shared().store.insurer_for_token(&token_sha256(token)).await?;
        let number = number.ok_or_else(|| {
            tracing::warn!("insurer route called with an unknown token");
            Failure(ErrorCode::Unauthorized)
        })?;
        Ok(Self(InsurerNumber::parse(&number).map_err(crate::OriginError::from)?))
    }
}

/// Proof that the request carried the admin token.
#[derive(Debug)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(Failure(ErrorCode::Unauthorized))?;
        match &state.shared().admin_token {
            Some(admin) if admin.matches(token) => Ok(Self),
            _ => {
                tracing::warn!("admin route refused");
                Err(Failure(ErrorCode::Unauthorized))
            }
        }
    }
}

/// The body of a refused batch: the `bad_request` error shape plus every bad row.
#[derive(Debug, Serialize, Deserialize)]
pub struct BatchRejection {
    /// Always `bad_request`.
    pub error: ErrorCode,
    /// The fixed sentence for the code.
    pub message: String,
    /// Every refused row, in file order.
    pub rows: Vec<serde_json::Value>,
}

fn rejection(rows: &[RowError]) -> Response {
    let body = BatchRejection {
        error: ErrorCode::BadRequest,
        message: ErrorCode::BadRequest.default_message().to_owned(),
        rows: rows.iter().filter_map(|r| serde_json::to_value(r).ok()).collect(),
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn upload_batch(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let format = match content_type.split(';').next().map(str::trim) {
        Some("application/x-ndjson" | "application/jsonl" | "application/json-lines") => BatchFormat::Ndjson,
        Some("text/csv") => BatchFormat::Csv,
        _ => return Err(Failure(ErrorCode::BadRequest)),
    };
    let metrics = &state.shared().metrics;
    let rows = match parse_batch(format, &body, &insurer) {
        Ok(rows) => rows,
        Err(errors) => {
            metrics.batches_rejected.fetch_add(1, Ordering::Relaxed);
            return Ok(rejection(&errors));
        }
    };
    let digest = hex::encode(sha2::Sha256::digest(&body));
    let now = state.now();
    match state.shared().store.apply_insurer_batch(&insurer, format, &digest, &rows, now).await? {
        Ok(report) => {
            metrics.batches_applied.fetch_add(1, Ordering::Relaxed);
            metrics.batch_records.fetch_add(u64::try_from(report.records_registered).unwrap_or(0), Ordering::Relaxed);
            metrics.batch_records_held.fetch_add(u64::try_from(report.records_held).unwrap_or(0), Ordering::Relaxed);
            tracing::info!(batch = %report.batch_id, rows = report.rows_total, held = report.records_held, "batch applied");
            Ok((StatusCode::OK, Json(report)).into_response())
        }
        Err(errors) => {
            metrics.batches_rejected.fetch_add(1, Ordering::Relaxed);
            Ok(rejection(&errors))
        }
    }
}

async fn list_batches(State(state): State<AppState>, Insurer(insurer): Insurer) -> Result<Json<Vec<String>>, Failure> {
    Ok(Json(state.shared().store.batch_ids(insurer.as_str()).await?))
}

async fn batch_report(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    Path(batch_id): Path<String>,
) -> Result<Json<BatchReport>, Failure> {
    let report = state.shared().store.batch_report(insurer.as_str(), &batch_id).await?;
    report.map(Json).ok_or(Failure(ErrorCode::NotFound))
}

async fn notifications(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
) -> Result<Json<Vec<Notification>>, Failure> {
    Ok(Json(state.shared().store.notifications(insurer.as_str()).await?))
}

/// Answer of a hold resolution.
#[derive(Debug, Serialize, Deserialize)]
pub struct HoldResolutionAnswer {
    /// What happened.
    pub outcome: HoldOutcome,
}

async fn resolve_hold(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    Path(person_id): Path<String>,
    body: Bytes,
) -> Result<Json<HoldResolutionAnswer>, Failure> {
    let resolution: HoldResolution = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    match &resolution {
        HoldResolution::NoSuspicion { reason } if reason.trim().is_empty() || reason.chars().count() > 200 => {
            return Err(Failure(ErrorCode::BadRequest));
        }
        HoldResolution::Corrected { individual_number } if IndividualNumber::parse(individual_number).is_err() => {
            return Err(Failure(ErrorCode::BadRequest));
        }
        _ => {}
    }
    let outcome = state.shared().store.resolve_hold(insurer.as_str(), &person_id, &resolution, state.now()).await?;
    if outcome == HoldOutcome::NotFound {
        return Err(Failure(ErrorCode::NotFound));
    }
    Ok(Json(HoldResolutionAnswer { outcome }))
}

/// Body of `POST /admin/v1/insurers`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInsurerRequest {
    /// 保険者番号 (checked).
    pub insurer_number: String,
    /// 保険者名称.
    pub name: String,
}

/// Answer of `POST /admin/v1/insurers`: the bearer token, shown this once and stored only as its SHA-256.
#[derive(Serialize, Deserialize)]
pub struct NewInsurerAnswer {
    /// The insurer.
    pub insurer_number: String,
    /// Its new bearer token.
    pub token: String,
}

impl std::fmt::Debug for NewInsurerAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInsurerAnswer")
            .field("insurer_number", &self.insurer_number)
            .field("token", &"<redacted>")
            .finish()
    }
}

async fn add_insurer(
    State(state): State<AppState>,
    _admin: Admin,
    body: Bytes,
) -> Result<Json<NewInsurerAnswer>, Failure> {
    let request: NewInsurerRequest = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let number = InsurerNumber::parse(&request.insurer_number).map_err(|_| Failure(ErrorCode::BadRequest))?;
    if request.name.trim().is_empty() || request.name.chars().count() > 100 {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let token = format!("{}{}", random_id()?, random_id()?);
    let insurer = NewInsurer { number, name: request.name };
    state.shared().store.add_insurer_token(&insurer, &token_sha256(&token), state.now()).await?;
    Ok(Json(NewInsurerAnswer { insurer_number: insurer.number.as_str().to_owned(), token }))
}

/// Body of `POST /admin/v1/residents`: one 住基 stand-in entry.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidentRequest {
    /// 個人番号 (checked).
    pub individual_number: String,
    /// 漢字氏名.
    pub name: String,
    /// カナ氏名.
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所.
    pub address: String,
}

async fn put_resident(State(state): State<AppState>, _admin: Admin, body: Bytes) -> Result<StatusCode, Failure> {
    let request: ResidentRequest = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let number = IndividualNumber::parse(&request.individual_number).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let resident = NewResident {
        individual_number: number.as_str().to_owned(),
        items: PersonItems {
            name: request.name,
            name_kana: request.name_kana,
            birth_date: request.birth_date,
            sex: request.sex,
            address: request.address,
        },
    };
    state.shared().store.put_resident(&resident, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /admin/v1/certificates`: one J-LIS stand-in entry.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequest {
    /// The certificate.
    pub certificate: CertificateRef,
    /// The 個人番号 it was issued for.
    pub individual_number: String,
    /// `good`, `revoked` or `expired`.
    pub status: String,
}

async fn put_certificate(State(state): State<AppState>, _admin: Admin, body: Bytes) -> Result<StatusCode, Failure> {
    let request: CertificateRequest = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let number = IndividualNumber::parse(&request.individual_number).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let status = match request.status.as_str() {
        "good" => JlisStatus::Good,
        "revoked" => JlisStatus::Revoked,
        "expired" => JlisStatus::Expired,
        _ => return Err(Failure(ErrorCode::BadRequest)),
    };
    if !certificate::is_well_formed(&request.certificate) {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let entry = NewJlisCertificate {
        certificate: request.certificate,
        individual_number: Some(number.as_str().to_owned()),
        status,
    };
    state.shared().store.put_jlis_certificate(&entry, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_insurer_token_never_shows_in_debug_output() {
        let answer = NewInsurerAnswer { insurer_number: "33120015".into(), token: "secret-token-value-0123".into() };
        let shown = format!("{answer:?}");
        assert!(shown.contains("33120015"));
        assert!(!shown.contains("secret-token-value"));
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
