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
    AuthMethod, BY_CERTIFICATE_PATH, BY_NUMBER_PATH, CERTIFICATE_STATUS_PATH, CHECKUP_PATH, CONSENT_PATH,
    CONSENT_QUERY_PATH, CardQualificationQuery, CertificateStatusAnswer, CertificateStatusQuery, MEDICATION_PATH,
    REGISTRATION_PATH,
};
use onshi_proto::qualification::{QualificationAnswer, Validity};
use onshi_proto::signing::{self, NONCE_HEADER, SIGNATURE_HEADER, SignatureHeaders, TIMESTAMP_HEADER};
use onshi_proto::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

use crate::certificate;
use crate::clock::{Clock, tokyo_date};
use crate::error::OriginError;
use crate::group_commit::{CheckInRow, RequestRows};
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
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) clock: Arc<dyn Clock>,
    key: SigningKey,
    nonces: Mutex<NonceCache>,
    pub(crate) admin_token: Option<crate::key::AdminToken>,
    pub(crate) metrics: crate::metrics::Metrics,
}

impl AppState {
    /// State over `store`, reading time from `clock` and verifying requests with `key`.
    pub fn new(store: Store, clock: Arc<dyn Clock>, key: SigningKey) -> Self {
        Self::with_admin_token(store, clock, key, None)
    }

    /// State as [`AppState::new`], also accepting `admin_token` on the `/admin/v1/…` routes (which are closed
    /// without one).
    pub fn with_admin_token(
        store: Store,
        clock: Arc<dyn Clock>,
        key: SigningKey,
        admin_token: Option<crate::key::AdminToken>,
    ) -> Self {
        Self(Arc::new(Shared {
            store,
            clock,
            key,
            nonces: Mutex::new(NonceCache::default()),
            admin_token,
            metrics: crate::metrics::Metrics::default(),
        }))
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.0
    }

    /// The current time, from the state's clock.
    pub fn now(&self) -> i64 {
        self.0.clock.now_unix()
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
        .route("/metrics", get(crate::metrics::render))
        .route("/openapi.json", get(crate::openapi::document))
        .route(BY_CERTIFICATE_PATH, post(qualification_by_certificate))
        .route(CERTIFICATE_STATUS_PATH, post(certificate_status))
        .route(BY_NUMBER_PATH, post(crate::http_edge::qualification_by_number))
        .route(REGISTRATION_PATH, post(crate::http_edge::registration))
        .route(CONSENT_PATH, post(crate::http_edge::record_consent))
        .route(CONSENT_QUERY_PATH, post(crate::http_edge::query_consent))
        .route(MEDICATION_PATH, post(crate::http_edge::medication))
        .route(CHECKUP_PATH, post(crate::http_edge::checkup))
        .route(onshi_proto::origin::CHECKINS_PATH, post(crate::staff::list_checkins))
        .route(onshi_proto::origin::VISUAL_CHECK_CREATE_PATH, post(crate::staff::create_visual_check))
        .route(onshi_proto::origin::VISUAL_CHECK_DECIDE_PATH, post(crate::staff::decide_visual_check))
        .route(onshi_proto::origin::VISUAL_CHECK_COLLECT_PATH, post(crate::staff::collect_visual_check))
        .route(onshi_proto::origin::VISUAL_CHECK_WITHDRAW_PATH, post(crate::staff::withdraw_visual_check))
        .merge(crate::http_insurer::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(no_store))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::metrics::track))
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
        let timestamp =
            signing::verify(state.0.key.expose(), &method, &path_and_query, &headers, &body, now).map_err(|error| {
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

pub(crate) async fn not_found() -> Failure {
    Failure(ErrorCode::NotFound)
}

async fn qualification_by_certificate(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedJson(query): SignedJson<CardQualificationQuery>,
) -> Result<Response, Failure> {
    if !certificate::is_well_formed(&query.certificate) || !query_identifiers_are_well_formed(&query) {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let now = state.0.clock.now_unix();
    let today = tokyo_date(now)?;
    let found = state.0.store.card_holder(&query.certificate).await?;
    let (person_id, holder) = match found {
        Some(found) if found.held => {
            audit(&state, now, &query, Some(found.person_id), PURPOSE_QUALIFICATION_BY_CERTIFICATE, "record_held")
                .await?;
            return Err(Failure(ErrorCode::RecordHeld));
        }
        Some(found) => (Some(found.person_id), CardHolder::Linked(found.records)),
        None => (None, CardHolder::NotLinked),
    };
    let answer = assess(holder, today);
    // The answer is released only once its read is on the audit trail; a facility's check-in is committed in the
    // same transaction. Concurrent lookups share that transaction (see `group_commit`), which is what lets the
    // audit trail keep up with the lookups.
    let rows = lookup_rows(now, &query, person_id, PURPOSE_QUALIFICATION_BY_CERTIFICATE, &answer, AuthMethod::Pin)?;
    state.0.store.commit_request_rows(rows).await?;
    tracing::info!(outcome = outcome_code(answer.validity), records = answer.records.len(), "qualification answered");
    render_answer(&headers, &answer, query.facility_code.as_deref(), query.arbitrary_identifier.as_deref(), true, now)
}

/// The audit row of an answered qualification lookup and, when a facility asked, its check-in row.
pub(crate) fn lookup_rows(
    now: i64,
    asker: &dyn Asker,
    subject_person_id: Option<String>,
    purpose: &str,
    answer: &QualificationAnswer,
    method: AuthMethod,
) -> Result<RequestRows, OriginError> {
    let checkin = match asker.facility_code() {
        None => None,
        Some(facility_code) => {
            let first = answer.records.first();
            Some(CheckInRow {
                id: random_id()?,
                facility_code: facility_code.to_owned(),
                checkin_date: onshi_proto::IsoDate(tokyo_date(now)?).to_string(),
                checked_in_at: now,
                device_id: asker.device_id().map(str::to_owned),
                person_id: subject_person_id.clone(),
                method: stored_wire_name(&method)?,
                validity: stored_wire_name(&answer.validity)?,
                reason: stored_wire_name(&answer.reason)?,
                guidance: answer.guidance.as_ref().map(stored_wire_name).transpose()?,
                name: first.map(|r| r.name.clone()),
                name_kana: first.map(|r| r.name_kana.clone()),
                insurer_number: first.map(|r| r.insurer_number.clone()),
                insurer_name: first.map(|r| r.insurer_name.clone()),
                contribution_percent: crate::staff::shown_contribution_percent(answer).map(i32::from),
                device_label: asker.device_label().map(str::to_owned),
                disqualification_date: first.and_then(|r| r.disqualification_date).map(|date| date.to_string()),
                limit_category: first.and_then(|r| r.limit_category.clone()),
                specific_diseases: crate::staff::specific_diseases_text(first)?,
            })
        }
    };
    let audit = audit_event(now, asker, subject_person_id, purpose, outcome_code(answer.validity))?;
    Ok(RequestRows { audit, checkin })
}

/// One audit row: who (`asker`), about whom, why (`purpose`), when (`now`) and with what result.
fn audit_event(
    now: i64,
    asker: &dyn Asker,
    subject_person_id: Option<String>,
    purpose: &str,
    outcome: &str,
) -> Result<AuditEvent, OriginError> {
    Ok(AuditEvent {
        id: random_id()?,
        occurred_at: now,
        actor_device_id: asker.device_id().map(str::to_owned),
        actor_facility_code: asker.facility_code().map(str::to_owned),
        subject_person_id,
        purpose: purpose.to_owned(),
        outcome: outcome.to_owned(),
        arbitrary_identifier: asker.arbitrary_identifier().map(str::to_owned),
    })
}

/// The stable snake_case name of a wire enumeration, as stored in text columns.
fn stored_wire_name<T: serde::Serialize>(value: &T) -> Result<String, OriginError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(OriginError::CorruptRecord("an enumeration without a wire name".into())),
    }
}

/// Media type of the national XmlMsg rendering.
pub const XML_MEDIA_TYPE: &str = "application/xml";
/// Media type of the FHIR rendering (a `Bundle` of JP Core `Coverage` resources).
pub const FHIR_MEDIA_TYPE: &str = "application/fhir+json";

/// The answer in the representation the `Accept` header asks for: JSON (the default), the 資格確認結果 XmlMsg, or
/// an FHIR `Bundle` of JP Core `Coverage` resources.
pub(crate) fn render_answer(
    headers: &HeaderMap,
    answer: &QualificationAnswer,
    facility_code: Option<&str>,
    arbitrary_identifier: Option<&str>,
    by_card: bool,
    now: i64,
) -> Result<Response, Failure> {
    let accept = headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if accept.contains(XML_MEDIA_TYPE) {
        let instant = time::OffsetDateTime::from_unix_timestamp(now)
            .map_err(|_| OriginError::Clock(now))?
            .to_offset(time::macros::offset!(+9));
        let format = time::macros::format_description!("[year][month][day][hour][minute][second]");
        let header = crate::interop::XmlHeader {
            process_execution_time: instant.format(&format).map_err(|_| OriginError::Clock(now))?,
            medical_institution_code: facility_code.unwrap_or_default().to_owned(),
            arbitrary_file_identifier: arbitrary_identifier.map(str::to_owned),
            by_card,
        };
        let xml = crate::interop::to_xml_msg(answer, &header);
        return Ok(([(axum::http::header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response());
    }
    if accept.contains(FHIR_MEDIA_TYPE) {
        let entries: Vec<serde_json::Value> = answer
            .records
            .iter()
            .enumerate()
            .map(|(index, record)| {
                let patient = format!("#beneficiary-{index}");
                serde_json::json!({ "resource": crate::interop::to_fhir_coverage(record, &patient, &patient, answer.confirmation_date) })
            })
            .collect();
        let bundle = serde_json::json!({ "resourceType": "Bundle", "type": "collection", "entry": entries });
        return Ok(([(axum::http::header::CONTENT_TYPE, FHIR_MEDIA_TYPE)], Json(bundle)).into_response());
    }
    Ok(Json(answer).into_response())
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

/// Who asked, for the audit trail.
pub(crate) trait Asker: Sync {
    fn device_id(&self) -> Option<&str>;
    fn facility_code(&self) -> Option<&str>;
    fn arbitrary_identifier(&self) -> Option<&str> {
        None
    }
    /// The asking kiosk's name, kept on its check-in rows.
    fn device_label(&self) -> Option<&str> {
        None
    }
}

impl Asker for CardQualificationQuery {
    fn device_id(&self) -> Option<&str> {
        self.device_id.as_deref()
    }
    fn device_label(&self) -> Option<&str> {
        self.device_label.as_deref()
    }
    fn facility_code(&self) -> Option<&str> {
        self.facility_code.as_deref()
    }
    fn arbitrary_identifier(&self) -> Option<&str> {
        self.arbitrary_identifier.as_deref()
    }
}

/// Writes one audit row (see [`audit_event`]).
pub(crate) async fn audit(
    state: &AppState,
    now: i64,
    asker: &dyn Asker,
    subject_person_id: Option<String>,
    purpose: &str,
    outcome: &str,
) -> Result<(), Failure> {
    state.0.store.record_audit(&audit_event(now, asker, subject_person_id, purpose, outcome)?).await?;
    Ok(())
}

/// True for a 10-digit 医療機関コード shape (the check digit is the edge's business).
pub(crate) fn facility_code_is_well_formed(code: &str) -> bool {
    code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit())
}

/// True for an optional identifier the audit trail may hold.
pub(crate) fn identifier_is_well_formed(value: Option<&str>) -> bool {
    value.is_none_or(|text| {
        !text.is_empty() && text.chars().count() <= MAX_IDENTIFIER_CHARS && !text.chars().any(char::is_control)
    })
}

fn query_identifiers_are_well_formed(query: &CardQualificationQuery) -> bool {
    let facility_ok =
        query.facility_code.as_deref().is_none_or(|code| code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()));
    let identifier_ok = |value: Option<&str>| {
        value.is_none_or(|text| {
            !text.is_empty() && text.chars().count() <= MAX_IDENTIFIER_CHARS && !text.chars().any(char::is_control)
        })
    };
    facility_ok
        && identifier_ok(query.device_id.as_deref())
        && identifier_ok(query.device_label.as_deref())
        && identifier_ok(query.arbitrary_identifier.as_deref())
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
    crate::store::random_id()
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
            device_label: Some("受付1".into()),
            arbitrary_identifier: None,
        };
        assert!(query_identifiers_are_well_formed(&base));
        let mut bad = base.clone();
        bad.facility_code = Some("13123".into());
        assert!(!query_identifiers_are_well_formed(&bad));
        let mut bad = base.clone();
        bad.device_id = Some("x".repeat(MAX_IDENTIFIER_CHARS + 1));
        assert!(!query_identifiers_are_well_formed(&bad));
        let mut bad = base.clone();
        bad.device_label = Some("受付\n1".into());
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
