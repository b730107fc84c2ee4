//! The HTTP adapter (axum): the router, and one file per audience behind it.
//!
//! Every answer carries `Cache-Control: no-store`. Every error body is an `ApiError` built from a code alone (see
//! `signed.rs`); the detail goes to the log, never to the caller.
//!
//! Layer: HTTP adapter. This file wires routes and middleware and holds nothing else; it must not speak SQL (the
//! store does) or decide an answer (the pure cores do).

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::routing::{delete, get, post};
use onshi_proto::ErrorCode;
use onshi_proto::access_log::ORIGIN_ACCESS_LOG_PATH;
use onshi_proto::medical_record::MEDICAL_RECORDS_PATH;
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, BY_NUMBER_PATH, CERTIFICATE_STATUS_PATH, CHECKINS_PATH, CHECKUP_PATH, CONSENT_PATH,
    CONSENT_QUERY_PATH, MEDICATION_PATH, REGISTRATION_PATH, STATUS_AND_QUALIFICATION_PATH, VISUAL_CHECK_COLLECT_PATH,
    VISUAL_CHECK_CREATE_PATH, VISUAL_CHECK_DECIDE_PATH, VISUAL_CHECK_OPEN_PATH, VISUAL_CHECK_WITHDRAW_PATH,
};
use onshi_proto::reader_result::READER_RESULT_PATH;
use onshi_proto::withdrawal::{ORIGIN_CONSENT_WITHDRAWAL_PATH, ORIGIN_REGISTRATION_CANCEL_PATH};

pub mod access_log;
pub mod admin;
pub mod admin_credentials;
pub mod answer_signed;
pub mod api_doc;
pub mod audit;
pub mod card;
pub mod consent;
pub mod insurer;
pub mod insurer_signed;
pub mod medical_records;
pub mod number;
pub mod ops;
pub mod public_expense;
pub mod reader;
pub mod registration;
pub mod render;
pub mod signed;
pub mod staff;
pub mod state;
pub mod withdrawal;

pub use state::AppState;

/// Largest request body accepted on any route but the insurer batch upload.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Whether the operator routes that describe the service (`/metrics`, `/openapi.json`) are served. `/health` is
/// always served: launchers and load balancers poll it, and it tells nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OpsRoutes {
    /// Served to anyone who can reach the origin.
    #[default]
    Open,
    /// Not served (404, as any unknown path): for a production origin whose network others share.
    Closed,
}

/// How long a request may take, from the router's first look at it to its answer, on every route but the batch
/// upload: a lookup takes milliseconds, so a request still running after this is stuck (a held lock, a database
/// that stopped answering) and its caller is better told so than kept waiting.
pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(30);

/// How long an insurer batch upload may take: reading, checking and applying the largest accepted file, with room
/// to spare, and less than the batch lock lasts (`insurer::BATCH_LOCK_SECS`).
pub const BATCH_TIME_LIMIT: Duration = Duration::from_secs(25 * 60);

/// What the router is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouterSettings {
    /// Whether `/metrics` and `/openapi.json` are served.
    pub ops_routes: OpsRoutes,
    /// The time limit of every request but the batch upload.
    pub time_limit: Duration,
}

impl Default for RouterSettings {
    fn default() -> Self {
        Self { ops_routes: OpsRoutes::Open, time_limit: REQUEST_TIME_LIMIT }
    }
}

/// The service's routes, with the default settings.
pub fn router(state: AppState) -> Router {
    router_with(state, RouterSettings::default())
}

/// The service's routes, built with `settings`.
pub fn router_with(state: AppState, settings: RouterSettings) -> Router {
    let routes = Router::new().route("/health", get(ops::health));
    let routes = match settings.ops_routes {
        OpsRoutes::Open => routes.route("/metrics", get(ops::metrics)).route("/openapi.json", get(ops::document)),
        OpsRoutes::Closed => routes,
    };
    routes
        .route(
            BY_CERTIFICATE_PATH,
            post(card::qualification_by_certificate).layer(axum::middleware::from_fn(render::fhir_refusals)),
        )
        .route(CERTIFICATE_STATUS_PATH, post(card::certificate_status))
        .route(STATUS_AND_QUALIFICATION_PATH, post(card::status_and_qualification))
        .route(
            BY_NUMBER_PATH,
            post(number::qualification_by_number).layer(axum::middleware::from_fn(render::fhir_refusals)),
        )
        .route(REGISTRATION_PATH, post(registration::registration))
        .route(CONSENT_PATH, post(consent::record_consent))
        .route(CONSENT_QUERY_PATH, post(consent::query_consent))
        .route(MEDICATION_PATH, post(consent::medication))
        .route(CHECKUP_PATH, post(consent::checkup))
        .route(ORIGIN_CONSENT_WITHDRAWAL_PATH, post(withdrawal::withdraw_consent))
        .route(ORIGIN_REGISTRATION_CANCEL_PATH, post(withdrawal::cancel_registration))
        .route(ORIGIN_ACCESS_LOG_PATH, post(access_log::access_log))
        .route(CHECKINS_PATH, post(staff::list_checkins))
        .route(MEDICAL_RECORDS_PATH, post(medical_records::medical_records))
        .route(READER_RESULT_PATH, post(reader::receive_reader_result))
        .route(VISUAL_CHECK_CREATE_PATH, post(staff::create_visual_check))
        .route(VISUAL_CHECK_DECIDE_PATH, post(staff::decide_visual_check))
        .route(VISUAL_CHECK_OPEN_PATH, post(staff::open_visual_check))
        .route(VISUAL_CHECK_COLLECT_PATH, post(staff::collect_visual_check))
        .route(VISUAL_CHECK_WITHDRAW_PATH, post(staff::withdraw_visual_check))
        .route(
            insurer::BATCHES_PATH,
            post(insurer::upload_batch)
                .get(insurer::list_batches)
                .layer(DefaultBodyLimit::max(insurer::MAX_BATCH_BYTES)),
        )
        .route(insurer::BATCH_PATH, get(insurer::batch_report))
        .route(insurer::NOTIFICATIONS_PATH, get(insurer::notifications))
        .route(insurer::HOLD_RESOLUTION_PATH, post(insurer::resolve_hold))
        .route(insurer::INBOX_PATH, get(insurer::inbox))
        .route(insurer::NOTICE_PATH, get(insurer::notice_detail))
        .route(insurer::HOLDS_PATH, get(insurer::hold_summary))
        .route(insurer::BATCH_PROGRESS_PATH, get(insurer::batch_progress))
        .route(
            public_expense::PAYER_BATCHES_PATH,
            post(public_expense::upload_payer_batch)
                .layer(DefaultBodyLimit::max(public_expense::MAX_PAYER_BATCH_BYTES)),
        )
        .route(admin::ADMIN_PAYERS_PATH, post(admin::add_payer))
        .route(admin::ADMIN_INSURERS_PATH, post(admin::add_insurer))
        .route(admin::ADMIN_RESIDENTS_PATH, post(admin::put_resident))
        .route(admin::ADMIN_CERTIFICATES_PATH, post(admin::put_certificate))
        .route(admin_credentials::ADMIN_INSURER_CREDENTIALS_PATH, get(admin_credentials::insurer_credentials))
        .route(admin_credentials::ADMIN_INSURER_CREDENTIAL_PATH, delete(admin_credentials::revoke_insurer_credential))
        .route(admin_credentials::ADMIN_PAYER_CREDENTIALS_PATH, get(admin_credentials::payer_credentials))
        .route(admin_credentials::ADMIN_PAYER_CREDENTIAL_PATH, delete(admin_credentials::revoke_payer_credential))
        .fallback(signed::not_found)
        .method_not_allowed_fallback(signed::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), insurer_signed::speak_for_insurer))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(settings.time_limit, time_limit))
        .layer(axum::middleware::map_response(typed_refusals))
        .layer(axum::middleware::map_response(no_store))
        .layer(axum::middleware::from_fn_with_state(state.clone(), answer_signed::sign_answers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::track))
        .with_state(state)
}

/// A refusal the framework wrote itself (a path segment that is not UTF-8, a body over the limit, a body that is
/// not the declared type) becomes the `ApiError` every route promises. The framework's own text can name an internal
/// parameter, so it never reaches the caller; the status is kept and given its stable code.
async fn typed_refusals(response: Response) -> Response {
    let status = response.status();
    let typed = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json") || value.starts_with(render::FHIR_MEDIA_TYPE));
    if typed || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => ErrorCode::NotFound,
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        status if status.is_client_error() => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    };
    signed::Failure(code).into_response()
}

/// Answers 504 `origin_timeout` for a request that runs past its time limit, and drops its work: a transaction in
/// flight rolls back, and an answer whose audit row was not committed is never sent.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let is_batch = request.method() == Method::POST
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|path| matches!(path.as_str(), insurer::BATCHES_PATH | public_expense::PAYER_BATCHES_PATH));
    let limit = if is_batch { BATCH_TIME_LIMIT } else { limit };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => {
            tracing::warn!(limit_ms = limit.as_millis(), "request ran past its time limit");
            signed::Failure(ErrorCode::OriginTimeout).into_response()
        }
    }
}

async fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
