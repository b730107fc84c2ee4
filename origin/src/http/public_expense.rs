//! The 公費負担者's route (`/public-expense/v1/batches`): a welfare office uploads 医療扶助 with its 医療券/調剤券, a
//! municipality its 公費受給者証, each as JSON Lines under its own bearer token, issued as an insurer's is
//! (`admin.rs`, `store/public_expense.rs`).
//!
//! The upload takes the payer's batch lock (the insurers' lock, keyed by number; the two kinds share one number
//! space), reads and checks every row (a bad file is refused with its first faults and a count of all, and changes
//! nothing), applies the rows in one transaction and answers only after the commit; the upload and its outcome are
//! on the audit trail, naming the payer.
//!
//! Layer: HTTP adapter. Must not apply part of a batch, or take the payer from anywhere but its credential.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use onshi_proto::ErrorCode;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::http::audit::{Asker, audit};
use crate::http::insurer::BATCH_LOCK_SECS;
use crate::http::signed::{Failure, bearer};
use crate::http::state::AppState;
use crate::key::token_sha256;
use crate::public_expense::{PayerRowError, RowErrors, read_payer_batch};
use crate::store::public_expense::Payer;

/// A payer's batch upload.
pub const PAYER_BATCHES_PATH: &str = "/public-expense/v1/batches";
/// Largest payer batch accepted, in bytes: [`crate::public_expense::read::MAX_PAYER_ROWS`] rows of 医療扶助 with a
/// few tickets each.
pub const MAX_PAYER_BATCH_BYTES: usize = 32 * 1024 * 1024;
/// The audit purpose of a payer's batch upload.
pub const PURPOSE_PUBLIC_EXPENSE_BATCH: &str = "public_expense_batch";

/// The payer a request's bearer token belongs to.
#[derive(Debug)]
pub struct PayerCredential(pub Payer);

impl FromRequestParts<AppState> for PayerCredential {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(Failure(ErrorCode::Unauthorized))?;
        let payer = state.store().payer_for_token(&token_sha256(token), state.now()).await?;
        payer.map(Self).ok_or_else(|| {
            tracing::warn!("public expense route called with a token that is no payer's");
            Failure(ErrorCode::Unauthorized)
        })
    }
}

/// The payer as the audit trail names it.
struct PayerAsker(String);

impl Asker for PayerAsker {
    fn device_id(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn facility_code(&self) -> Option<&str> {
        None
    }
}

/// The body of a refused payer batch: the `bad_request` error shape plus the first faults and a count of all.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PayerBatchRejection {
    /// Always `bad_request`.
    pub error: ErrorCode,
    /// The fixed sentence for the code.
    pub message: String,
    /// The first faults (at most 1,000), by line.
    pub rows: Vec<serde_json::Value>,
    /// How many faults the file has, listed or not.
    pub total_errors: u64,
    /// How many faults of each code.
    pub errors_by_code: BTreeMap<String, u64>,
}

fn rejection(errors: &RowErrors) -> Response {
    let body = PayerBatchRejection {
        error: ErrorCode::BadRequest,
        message: ErrorCode::BadRequest.default_message().to_owned(),
        rows: errors.first().iter().filter_map(|row: &PayerRowError| serde_json::to_value(row).ok()).collect(),
        total_errors: errors.total(),
        errors_by_code: errors
            .by_code()
            .iter()
            .filter_map(|(code, count)| Some((serde_json::to_value(code).ok()?.as_str()?.to_owned(), *count)))
            .collect(),
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// `POST /public-expense/v1/batches`.
pub(crate) async fn upload_payer_batch(
    State(state): State<AppState>,
    PayerCredential(payer): PayerCredential,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !matches!(
        content_type.split(';').next().map(str::trim),
        Some("application/x-ndjson" | "application/jsonl" | "application/json-lines")
    ) {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let asker = PayerAsker(format!("payer:{}", payer.number.as_str()));
    let now = state.now();
    let Some(lock) = state.store().try_lock_insurer_batch(payer.number.as_str(), now, now + BATCH_LOCK_SECS).await?
    else {
        tracing::info!("payer batch refused: another batch of this payer is running");
        return Err(Failure(ErrorCode::RateLimited));
    };
    let outcome = apply(&state, &payer, &body, &asker).await;
    lock.release().await?;
    outcome
}

async fn apply(state: &AppState, payer: &Payer, body: &[u8], asker: &PayerAsker) -> Result<Response, Failure> {
    let now = state.now();
    let rows = match read_payer_batch(body, &payer.number) {
        Ok(rows) => rows,
        Err(errors) => {
            audit(state, now, asker, None, PURPOSE_PUBLIC_EXPENSE_BATCH, "rejected").await?;
            return Ok(rejection(&errors));
        }
    };
    let digest = hex::encode(sha2::Sha256::digest(body));
    match state.store().apply_public_expense_batch(&payer.number, &digest, &rows, now).await? {
        Ok(report) => {
            audit(state, now, asker, None, PURPOSE_PUBLIC_EXPENSE_BATCH, "applied").await?;
            tracing::info!(batch = %report.batch_id, rows = report.rows_total, "payer batch applied");
            Ok((StatusCode::OK, Json(report)).into_response())
        }
        Err(errors) => {
            audit(state, now, asker, None, PURPOSE_PUBLIC_EXPENSE_BATCH, "rejected").await?;
            Ok(rejection(&RowErrors::of(errors)))
        }
    }
}
