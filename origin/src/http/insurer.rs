//! The insurer routes (`/insurer/v1/…`): batch upload and reports, notifications, and hold resolution, each
//! authorised by the insurer's own bearer token (stored hashed).
//!
//! Batch upload first takes the insurer's batch lock (one batch per insurer at a time, on every replica), then
//! reads and validates the file as it arrives (a bad file is refused with its first bad rows and a count of all, and
//! changes nothing), then runs the checks and applies everything in one transaction, and answers only after the
//! commit. While it runs, the insurer can ask how far it has got (`store/batch_progress.rs`). Batches (newest
//! first) and notifications are listed a page at a time.
//!
//! The console reaches these routes through the edge, which signs each call for the insurer instead of holding its
//! token (`insurer_signed.rs`); [`Insurer`] takes that insurer before any bearer token.
//!
//! Layer: HTTP adapter. Must not apply part of a batch, or let one insurer read another's batches or holds.

use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use onshi_proto::ErrorCode;
use onshi_proto::batch_page::{BatchCursor, BatchPage, BatchPageSize};
use onshi_proto::insurer_number::InsurerNumber;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::batch::decide::{PersonItems, compare_items};
use crate::batch::{BatchFormat, BatchReader, ErrorTally};
use crate::credential::CredentialName;
use crate::error::OriginError;
use crate::http::audit::{Asker, audit};
use crate::http::insurer_signed::EdgeInsurer;
use crate::http::signed::{Failure, bearer};
use crate::http::state::AppState;
use crate::individual_number::IndividualNumber;
use crate::key::token_sha256;
use crate::store::batch_progress::ProgressCell;
use crate::store::notices::{NoticeRecords, OtherRow, notice_key};
use crate::store::{BatchReport, HoldOutcome, HoldResolution, Notification, NotificationKey};
use onshi_proto::insurer::{
    BatchProgress, Counterpart, CounterpartSource, DECIDED_BY_HEADER, FieldDifference, HoldDecision, HoldProposal,
    HoldSummary, Item, MAX_DECIDED_BY_CHARS, MemberRecord, NoticeDetail, NoticeKind, NoticePage, NoticeState, Reason,
};
use onshi_proto::normalize::{has_gaiji, kana_key};

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
pub const BATCHES_PATH: &str = onshi_proto::insurer::ORIGIN_BATCHES_PATH;
/// One batch's report.
pub const BATCH_PATH: &str = "/insurer/v1/batches/{batch_id}";
/// The insurer's notifications.
pub const NOTIFICATIONS_PATH: &str = "/insurer/v1/notifications";
/// Resolve a held record.
pub const HOLD_RESOLUTION_PATH: &str = "/insurer/v1/holds/{person_id}/resolution";
/// The inbox: notices newest first, by kind and state.
pub const INBOX_PATH: &str = onshi_proto::insurer::ORIGIN_NOTICES_PATH;
/// One notice beside the record it compares with.
pub const NOTICE_PATH: &str = "/insurer/v1/notices/{notice_id}";
/// The count and age of open holds.
pub const HOLDS_PATH: &str = onshi_proto::insurer::ORIGIN_HOLDS_PATH;
/// How far the insurer's running batch has got.
pub const BATCH_PROGRESS_PATH: &str = onshi_proto::insurer::ORIGIN_BATCH_PROGRESS_PATH;
/// The insurer a request's bearer token belongs to.
#[derive(Debug)]
pub struct Insurer(pub InsurerNumber);

/// The insurer a request's bearer token belongs to, with the token's public name (the first 12 hex digits of its
/// SHA-256) to say which credential acted when the request names no clerk.
#[derive(Debug)]
pub struct InsurerCredential {
    /// The insurer.
    pub insurer: InsurerNumber,
    /// The credential's public name.
    pub credential: String,
}

impl FromRequestParts<AppState> for InsurerCredential {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(edge) = parts.extensions.get::<EdgeInsurer>() {
            let credential = format!("edge session {}", edge.session);
            return Ok(Self { insurer: edge.insurer.clone(), credential });
        }
        let Insurer(insurer) = Insurer::from_request_parts(parts, state).await?;
        let token = bearer(&parts.headers).ok_or(Failure(ErrorCode::Unauthorized))?;
        let credential = CredentialName::of_sha256(&token_sha256(token)).as_str().to_owned();
        Ok(Self { insurer, credential })
    }
}

impl FromRequestParts<AppState> for Insurer {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The edge speaking for a console session, its signature already checked (`insurer_signed.rs`).
        if let Some(edge) = parts.extensions.get::<EdgeInsurer>() {
            return Ok(Self(edge.insurer.clone()));
        }
        let token = bearer(&parts.headers).ok_or(Failure(ErrorCode::Unauthorized))?;
        let number = state.store().insurer_for_token(&token_sha256(token), state.now()).await?;
        let number = number.ok_or_else(|| {
            // An expired or revoked credential is refused as an unknown one is; see `http/admin_credentials.rs`.
            tracing::warn!("insurer route called with an unknown, expired or revoked token");
            Failure(ErrorCode::Unauthorized)
        })?;
        Ok(Self(InsurerNumber::parse(&number).map_err(OriginError::from)?))
    }
}

fn rejection(errors: &ErrorTally) -> Response {
    (StatusCode::BAD_REQUEST, Json(errors.rejection())).into_response()
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
    let outcome = read_and_apply(&state, &insurer, format, body, lock.progress()).await;
    lock.release().await?;
    outcome
}

/// How far the insurer's own running batch has got; another insurer's is never looked at.
pub(crate) async fn batch_progress(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
) -> Result<Json<BatchProgress>, Failure> {
    Ok(Json(state.store().insurer_batch_progress(insurer.as_str(), state.now()).await?))
}

/// How much of the upload is read between two reports of the rows read (a quarter of the CSV reader's block).
const READ_SLICE_BYTES: usize = 64 * 1024;

/// Reads the upload as it arrives (never more than [`MAX_BATCH_BYTES`]), then applies it.
async fn read_and_apply(
    state: &AppState,
    insurer: &InsurerNumber,
    format: BatchFormat,
    body: Body,
    progress: &ProgressCell,
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
        // The edge hands a batch on in one piece (it reads the whole file to check the signature over it), so the
        // piece is read a slice at a time: the count the clerk watches moves while a large file is read, and the
        // other requests this thread serves get their turn between slices.
        for slice in chunk.chunks(READ_SLICE_BYTES) {
            reader.push(slice);
            progress.reading(reader.rows_read());
            tokio::task::yield_now().await;
        }
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
    match state.store().apply_insurer_batch(insurer, format, &digest, &rows, now, progress).await? {
        Ok(report) => {
            metrics.batches_applied.fetch_add(1, Ordering::Relaxed);
            metrics.batch_records.fetch_add(u64::try_from(report.records_registered).unwrap_or(0), Ordering::Relaxed);
            metrics.batch_records_held.fetch_add(u64::try_from(report.records_held).unwrap_or(0), Ordering::Relaxed);
            // Beside the records registered, so the operator sees the share of a batch's numbers 住基 did not
            // know or did not match: a batch of guessed 個人番号 is mostly misses (SECURITY.md).
            let misses = state.store().registry_misses(insurer.as_str(), &report.batch_id, now).await?;
            metrics.batch_registry_misses.fetch_add(u64::try_from(misses).unwrap_or(0), Ordering::Relaxed);
            tracing::info!(batch = %report.batch_id, rows = report.rows_total, held = report.records_held, "batch applied");
            Ok((StatusCode::OK, Json(report)).into_response())
        }
        Err(errors) => {
            metrics.batches_rejected.fetch_add(1, Ordering::Relaxed);
            Ok(rejection(&ErrorTally::of(errors)))
        }
    }
}

/// The query of the batch listing: `?before=<cursor>&limit=<n>`.
#[derive(Debug, Deserialize)]
pub(crate) struct BatchListQuery {
    before: Option<String>,
    limit: Option<u32>,
}

/// `GET /insurer/v1/batches`: one page of the insurer's batches, newest first, after the query's cursor. The store
/// is asked for one batch more than the page holds, which tells whether there is an older page.
pub(crate) async fn list_batches(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    Query(query): Query<BatchListQuery>,
) -> Result<Json<BatchPage>, Failure> {
    let size = BatchPageSize::new(query.limit).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let before = match query.before.as_deref() {
        Some(cursor) => Some(BatchCursor::parse(cursor).map_err(|_| Failure(ErrorCode::BadRequest))?),
        None => None,
    };
    let mut batches = state.store().batch_page(insurer.as_str(), before.as_ref(), size.rows() + 1).await?;
    let more = batches.len() > size.rows() as usize;
    batches.truncate(size.rows() as usize);
    let next = match batches.last() {
        Some(last) if more => {
            Some(BatchCursor::after(last.received_at, &last.id).map_err(|_| Failure(ErrorCode::Internal))?)
        }
        _ => None,
    };
    Ok(Json(BatchPage { batches, next }))
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
    credential: InsurerCredential,
    Path(person_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<HoldResolutionAnswer>, Failure> {
    let InsurerCredential { insurer, credential } = credential;
    let mut resolution: HoldResolution = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    match &mut resolution {
        HoldResolution::NoSuspicion { reason } => {
            *reason = Reason::parse(reason).ok_or(Failure(ErrorCode::BadRequest))?.as_str().to_owned();
        }
        HoldResolution::Corrected { individual_number } if IndividualNumber::parse(individual_number).is_err() => {
            return Err(Failure(ErrorCode::BadRequest));
        }
        HoldResolution::Corrected { .. } => {}
    }
    let decided_by = decided_by(&headers, &credential)?;
    let now = state.now();
    let outcome = state.store().resolve_hold(insurer.as_str(), &person_id, &resolution, &decided_by, now).await?;
    let asker = insurer_asker(&insurer);
    let outcome_text = match outcome {
        HoldOutcome::NotFound => return Err(Failure(ErrorCode::NotFound)),
        HoldOutcome::SameClerk => {
            // Audited too: a clerk trying to release a 住基 hold alone is what the rule is for.
            audit(&state, now, &asker, Some(person_id), PURPOSE_HOLD_RESOLUTION, "same_clerk_refused").await?;
            tracing::info!("a clerk tried to confirm their own proposal to release a hold");
            return Err(Failure(ErrorCode::Forbidden));
        }
        HoldOutcome::Released => "released",
        HoldOutcome::StillHeld => "still_held",
        HoldOutcome::AwaitingSecondClerk => "awaiting_second_clerk",
    };
    audit(&state, now, &asker, Some(person_id), PURPOSE_HOLD_RESOLUTION, outcome_text).await?;
    Ok(Json(HoldResolutionAnswer { outcome }))
}

/// Audit purpose of a hold resolution (a release, a still-held correction, a proposal awaiting a second clerk, or
/// a clerk refused for confirming their own proposal).
pub const PURPOSE_HOLD_RESOLUTION: &str = "insurer_hold_resolution";

/// Who decides: the clerk the console names in [`DECIDED_BY_HEADER`] (1 to 64 characters of plain text), or else
/// the credential that signed the request.
fn decided_by(headers: &HeaderMap, credential: &str) -> Result<String, Failure> {
    let Some(value) = headers.get(DECIDED_BY_HEADER) else { return Ok(format!("credential {credential}")) };
    let name = value.to_str().ok().and_then(|v| percent_decode(v.trim())).ok_or(Failure(ErrorCode::BadRequest))?;
    let plain = name.chars().all(|c| !c.is_control());
    if name.is_empty() || name.chars().count() > MAX_DECIDED_BY_CHARS || !plain {
        return Err(Failure(ErrorCode::BadRequest));
    }
    Ok(name)
}

/// Header values are ASCII: a clerk's name in kana or kanji comes percent-encoded as UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(byte);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The audit trail's "who asked" for an insurer: no device or facility, the insurer named in the device slot.
fn insurer_asker(insurer: &InsurerNumber) -> InsurerAsker {
    InsurerAsker(format!("insurer:{}", insurer.as_str()))
}

struct InsurerAsker(String);

impl Asker for InsurerAsker {
    fn device_id(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn facility_code(&self) -> Option<&str> {
        None
    }
}

/// The query of the inbox: `?kind=&state=&before=<cursor>&limit=<n>`.
#[derive(Debug, Deserialize)]
pub(crate) struct InboxQuery {
    kind: Option<NoticeKind>,
    state: Option<NoticeState>,
    before: Option<String>,
    limit: Option<u32>,
}

pub(crate) async fn inbox(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    query: Result<Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<NoticePage>, Failure> {
    let Query(query) = query.map_err(|_| Failure(ErrorCode::BadRequest))?;
    let limit = query.limit.unwrap_or(DEFAULT_NOTIFICATION_PAGE);
    if limit == 0 || limit > MAX_NOTIFICATION_PAGE {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let before = match query.before.as_deref() {
        Some(cursor) => Some(NotificationKey::from_cursor(cursor).ok_or(Failure(ErrorCode::BadRequest))?),
        None => None,
    };
    let mut rows = state.store().inbox(insurer.as_str(), query.kind, query.state, before.as_ref(), limit + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|last| notice_key(last).to_cursor()) } else { None };
    Ok(Json(NoticePage { notices: rows, next }))
}

pub(crate) async fn notice_detail(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    Path(notice_id): Path<String>,
) -> Result<Json<NoticeDetail>, Failure> {
    let found = state.store().notice_records(insurer.as_str(), &notice_id).await?;
    let Some(records) = found else { return Err(Failure(ErrorCode::NotFound)) };
    let detail = notice_view(records)?;
    // The member's 5 items are personal data: the read is audited before the answer leaves.
    let subject = Some(detail.member.person_id.clone());
    audit(&state, state.now(), &insurer_asker(&insurer), subject, "insurer_notice_detail", "shown").await?;
    Ok(Json(detail))
}

/// The wire view of a notice's records. The other record is described by how each item compares; its values go
/// along only when the same insurer registered it.
fn notice_view(records: NoticeRecords) -> Result<NoticeDetail, Failure> {
    let NoticeRecords { notice, member, other, decisions, proposal } = records;
    let counterpart = other.map(|other| {
        let (other_items, source) = match &other {
            OtherRow::Record { items, own: true } => (items, CounterpartSource::OwnRecord),
            OtherRow::Record { items, own: false } => (items, CounterpartSource::OtherRecord),
            OtherRow::Resident(items) => (items, CounterpartSource::ResidentRegistry),
        };
        // Only a record the insurer registered itself is shown by value; any other is said by what differs.
        let shown = source == CounterpartSource::OwnRecord;
        let items = compare_items(&member.items, other_items)
            .into_iter()
            .map(|(item, comparison)| FieldDifference {
                item,
                comparison,
                other_value: shown.then(|| item_value(other_items, item)),
            })
            .collect();
        Counterpart { source, items }
    });
    let decisions = decisions
        .into_iter()
        .map(|(decided_at, decided_by, resolution, reason, outcome)| {
            Ok(HoldDecision {
                decided_at,
                decided_by,
                resolution: resolution.parse().map_err(|_| Failure(ErrorCode::Internal))?,
                reason,
                outcome: outcome.parse().map_err(|_| Failure(ErrorCode::Internal))?,
            })
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let items = &member.items;
    Ok(NoticeDetail {
        notice,
        member: MemberRecord {
            person_id: member.person_id.clone(),
            individual_number: member.individual_number.clone(),
            name: items.name.to_string(),
            name_has_gaiji: has_gaiji(&items.name),
            name_kana: items.name_kana.to_string(),
            name_kana_normalized: kana_key(&items.name_kana),
            birth_date: items.birth_date,
            sex: items.sex,
            address: items.address.to_string(),
            held: member.held,
            held_since: member.held.then_some(member.created_at),
        },
        counterpart,
        decisions,
        proposal: proposal.map(|(proposed_at, proposed_by, reason)| HoldProposal { proposed_at, proposed_by, reason }),
    })
}

fn item_value(items: &PersonItems, item: Item) -> String {
    match item {
        Item::Name => items.name.to_string(),
        Item::NameKana => items.name_kana.to_string(),
        Item::BirthDate => items.birth_date.to_string(),
        Item::Sex => items.sex.as_str().to_owned(),
        Item::Address => items.address.to_string(),
    }
}

/// Seconds in a day, for the ages of holds.
const DAY_SECS: i64 = 24 * 60 * 60;

/// The count and age of the insurer's open holds. Asked with the insurer's own bearer token (as the edge's console
/// sign-in asks), the answer also names that credential, so the edge can bind the session to it; asked for a
/// session, it names none (the session already does).
pub(crate) async fn hold_summary(
    State(state): State<AppState>,
    Insurer(insurer): Insurer,
    headers: HeaderMap,
) -> Result<Json<HoldSummary>, Failure> {
    // The edge's signed calls carry no bearer token (`insurer_signed.rs` refuses one beside its signature).
    let credential = bearer(&headers).map(|token| CredentialName::of_sha256(&token_sha256(token)));
    let now = state.now();
    let counts = state.store().hold_counts(insurer.as_str(), now - DAY_SECS, now - 7 * DAY_SECS).await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(Json(HoldSummary {
        insurer_number: insurer,
        open: count(counts.open),
        oldest_since: counts.oldest_since,
        under_one_day: count(counts.recent),
        one_to_seven_days: count(counts.middle),
        over_seven_days: count(counts.open - counts.recent - counts.middle),
        credential,
    }))
}
