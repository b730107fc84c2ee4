//! The insurer routes (`/insurer/v1/…`): batch upload and reports, notifications, and hold resolution, each
//! authorised by the insurer's own bearer token (stored hashed).
//!
//! Batch upload reads and validates the whole file first (a bad file is refused with per-row errors and changes
//! nothing), then runs the checks and applies everything in one transaction, and answers only after the commit.
//!
//! Layer: HTTP adapter. Must not apply part of a batch, or let one insurer read another's batches or holds.

use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use onshi_proto::ErrorCode;
use onshi_proto::insurer_number::InsurerNumber;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::batch::validate::RowError;
use crate::batch::{BatchFormat, parse_batch};
use crate::error::OriginError;
use crate::http::signed::{Failure, bearer};
use crate::http::state::AppState;
use crate::individual_number::IndividualNumber;
use crate::key::token_sha256;
use crate::store::{BatchReport, HoldOutcome, HoldResolution, Notification};

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
/// The insurer a request's bearer token belongs to.
#[derive(Debug)]
pub struct Insurer(pub InsurerNumber);

impl FromRequestParts<AppState> for Insurer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(Failure(ErrorCode::Unauthorized))?;
        let number = state.store().insurer_for_token(&token_sha256(token)).await?;
        let number = number.ok_or_else(|| {
            tracing::warn!("insurer route called with an unknown token");
            Failure(ErrorCode::Unauthorized)
        })?;
        Ok(Self(InsurerNumber::parse(&number).map_err(OriginError::from)?))
    }
}

/// The body of a refused batch: the `bad_request` error shape plus every bad row.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
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

pub(crate) async fn upload_batch(
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
    match state.store().apply_insurer_batch(&insurer, format, &digest, &rows, now).await? {
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

pub(crate) async fn list_batches(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
) -> Result<Json<Vec<String>>, Failure> {
    Ok(Json(state.store().batch_ids(insurer.as_str()).await?))
}

pub(crate) async fn batch_report(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    Path(batch_id): Path<String>,
) -> Result<Json<BatchReport>, Failure> {
    let report = state.store().batch_report(insurer.as_str(), &batch_id).await?;
    report.map(Json).ok_or(Failure(ErrorCode::NotFound))
}

pub(crate) async fn notifications(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
) -> Result<Json<Vec<Notification>>, Failure> {
    Ok(Json(state.store().notifications(insurer.as_str()).await?))
}

/// Answer of a hold resolution.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HoldResolutionAnswer {
    /// What happened.
    pub outcome: HoldOutcome,
}

pub(crate) async fn resolve_hold(
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
    let outcome = state.store().resolve_hold(insurer.as_str(), &person_id, &resolution, state.now()).await?;
    if outcome == HoldOutcome::NotFound {
        return Err(Failure(ErrorCode::NotFound));
    }
    Ok(Json(HoldResolutionAnswer { outcome }))
}
