//! The insurer routes (`/insurer/v1/…`): batch upload and reports, notifications, and hold resolution, each
//! authorised by the insurer's own bearer token (stored hashed).
//!
//! Batch upload first takes the insurer's batch lock (one batch per insurer at a time, on every replica), then
//! reads and validates the file as it arrives (a bad file is refused with its first bad rows and a count of all, and
//! changes nothing), then runs the checks and applies everything in one transaction, and answers only after the
//! commit. Notifications are listed a page at a time.
//!
//! Layer: HTTP adapter. Must not apply part of a batch, or let one insurer read another's batches or holds.

use std::sync::atomic::Ordering;

use std::collections::BTreeMap;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use onshi_proto::ErrorCode;
use onshi_proto::insurer_number::InsurerNumber;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::batch::{BatchFormat, BatchReader, ErrorTally};
use crate::error::OriginError;
use crate::http::signed::{Failure, bearer};
use crate::http::state::AppState;
use crate::individual_number::IndividualNumber;
use crate::key::token_sha256;
use crate::store::{BatchReport, HoldOutcome, HoldResolution, Notification, NotificationKey};

/// Largest batch body accepted, in bytes.
pub const MAX_BATCH_BYTES: usize = 256 * 1024 * 1024;
/// How long an insurer's batch lock lasts when its holder never releases it (a replica killed mid-batch): longer
/// than a batch of [`MAX_BATCH_BYTES`] takes to read, check and apply.
pub const BATCH_LOCK_SECS: i64 = 30 * 60;
/// Notifications in a page unless the insurer asks for another number.
pub const DEFAULT_NOTIFICATION_PAGE: u32 = 100;
/// Most notifications in one page.
pub const MAX_NOTIFICATION_PAGE: u32 = 1_000;
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

/// The body of a refused batch: the `bad_request` error shape plus the first bad rows and a count of all.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchRejection {
    /// Always `bad_request`.
    pub error: ErrorCode,
    /// The fixed sentence for the code.
    pub message: String,
    /// The first refused rows (at most 1,000), in file order.
    pub rows: Vec<serde_json::Value>,
    /// How many errors the file has, listed or not.
    pub total_errors: u64,
    /// How many errors of each row error code the file has.
    pub errors_by_code: BTreeMap<String, u64>,
}

fn rejection(errors: &ErrorTally) -> Response {
    let body = BatchRejection {
        error: ErrorCode::BadRequest,
        message: ErrorCode::BadRequest.default_message().to_owned(),
        rows: errors.first().iter().filter_map(|r| serde_json::to_value(r).ok()).collect(),
        total_errors: errors.total(),
        errors_by_code: errors.by_code().iter().map(|(code, count)| ((*code).to_owned(), *count)).collect(),
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

pub(crate) async fn upload_batch(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let format = match content_type.split(';').next().map(str::trim) {
        Some("application/x-ndjson" | "application/jsonl" | "application/json-lines") => BatchFormat::Ndjson,
        Some("text/csv") => BatchFormat::Csv,
        _ => return Err(Failure(ErrorCode::BadRequest)),
    };
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BATCH_BYTES as u64) {
        return Err(Failure(ErrorCode::PayloadTooLarge));
    }
    // The lock comes before the body: a second upload of the same insurer is refused before it is read.
    let now = state.now();
    let Some(lock) = state.store().try_lock_insurer_batch(insurer.as_str(), now, now + BATCH_LOCK_SECS).await? else {
        tracing::info!("batch upload refused: another batch of this insurer is running");
        return Err(Failure(ErrorCode::RateLimited));
    };
    let outcome = read_and_apply(&state, &insurer, format, body).await;
    lock.release().await?;
    outcome
}

/// Reads the upload as it arrives (never more than [`MAX_BATCH_BYTES`]), then applies it.
async fn read_and_apply(
    state: &AppState,
    insurer: &InsurerNumber,
    format: BatchFormat,
    body: Body,
) -> Result<Response, Failure> {
    let metrics = &state.shared().metrics;
    let mut reader = BatchReader::new(format, insurer);
    let mut digest = sha2::Sha256::new();
    let mut received = 0_usize;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|error| {
            tracing::info!(%error, "batch upload cut short");
            Failure(ErrorCode::BadRequest)
        })?;
        received = received.saturating_add(chunk.len());
        if received > MAX_BATCH_BYTES {
            return Err(Failure(ErrorCode::PayloadTooLarge));
        }
        digest.update(&chunk);
        reader.push(&chunk);
    }
    let rows = match reader.finish() {
        Ok(rows) => rows,
        Err(errors) => {
            metrics.batches_rejected.fetch_add(1, Ordering::Relaxed);
            return Ok(rejection(&errors));
        }
    };
    let digest = hex::encode(digest.finalize());
    let now = state.now();
    match state.store().apply_insurer_batch(insurer, format, &digest, &rows, now).await? {
        Ok(report) => {
            metrics.batches_applied.fetch_add(1, Ordering::Relaxed);
            metrics.batch_records.fetch_add(u64::try_from(report.records_registered).unwrap_or(0), Ordering::Relaxed);
            metrics.batch_records_held.fetch_add(u64::try_from(report.records_held).unwrap_or(0), Ordering::Relaxed);
            tracing::info!(batch = %report.batch_id, rows = report.rows_total, held = report.records_held, "batch applied");
            Ok((StatusCode::OK, Json(report)).into_response())
        }
        Err(errors) => {
            metrics.batches_rejected.fetch_add(1, Ordering::Relaxed);
            Ok(rejection(&ErrorTally::of(errors)))
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

/// The query of the notification listing: `?after=<cursor>&limit=<n>`.
#[derive(Debug, Deserialize)]
pub(crate) struct NotificationQuery {
    after: Option<String>,
    limit: Option<u32>,
}

/// One page of an insurer's notifications.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotificationPage {
    /// Up to `limit` notifications, oldest first.
    pub notifications: Vec<Notification>,
    /// The `after` of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

pub(crate) async fn notifications(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    Query(query): Query<NotificationQuery>,
) -> Result<Json<NotificationPage>, Failure> {
    let limit = query.limit.unwrap_or(DEFAULT_NOTIFICATION_PAGE);
    if limit == 0 || limit > MAX_NOTIFICATION_PAGE {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let after = match query.after.as_deref() {
        Some(cursor) => Some(NotificationKey::from_cursor(cursor).ok_or(Failure(ErrorCode::BadRequest))?),
        None => None,
    };
    // One more than asked tells whether there is a next page.
    let mut notifications = state.store().notifications(insurer.as_str(), after.as_ref(), limit + 1).await?;
    let more = notifications.len() > limit as usize;
    notifications.truncate(limit as usize);
    let next = if more { notifications.last().map(|last| last.key().to_cursor()) } else { None };
    Ok(Json(NotificationPage { notifications, next }))
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
