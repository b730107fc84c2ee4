//! The OpenAPI 3.1 document of every route, built from the wire types' derived schemas (utoipa), never written
//! by hand: [`ROUTES`] is the typed route table (method, path, authentication, summary, request body, success
//! answer with its real status, error answers) and [`openapi`] turns it into the document `/openapi.json` serves.
//! The integration tests check the router against the table, and every real answer against the document.
//!
//! Layer: HTTP adapter (description only). Must not decide or serve anything: the handlers do, and a route added
//! to the router must be added here with the types its handler reads and writes.

use onshi_proto::ApiError;
use onshi_proto::access_log::{AccessLogPage, AccessLogQuery, ORIGIN_ACCESS_LOG_PATH};
use onshi_proto::medical_record::{MEDICAL_RECORDS_PATH, MedicalRecordPage, MedicalRecordQuery};
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, BY_NUMBER_PATH, CERTIFICATE_STATUS_PATH, CHECKINS_PATH, CHECKUP_PATH, CONSENT_PATH,
    CONSENT_QUERY_PATH, CardQualificationQuery, CertificateStatusAnswer, CertificateStatusQuery, CheckInList,
    CheckInListQuery, CheckupAnswer, ConsentAnswer, ConsentQuery, ConsentRequest, MEDICATION_PATH, MedicalInfoQuery,
    MedicationAnswer, NumberQualificationQuery, REGISTRATION_PATH, RegistrationAnswer, RegistrationRequest,
    STATUS_AND_QUALIFICATION_PATH, StatusAndQualificationAnswer, VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH,
    VISUAL_CHECK_DECIDE_PATH, VISUAL_CHECK_OPEN_PATH, VISUAL_CHECK_WITHDRAW_PATH, VisualCheckCollect,
    VisualCheckCollected, VisualCheckCreate, VisualCheckDecision, VisualCheckOpen, VisualCheckPerson,
    VisualCheckTicket, VisualCheckWithdraw,
};
use onshi_proto::qualification::QualificationAnswer;
use onshi_proto::reader_result::{READER_RESULT_PATH, ReaderResultReceipt, ReaderResultUpload};
use onshi_proto::withdrawal::{
    ConsentWithdrawal, ConsentWithdrawn, ORIGIN_CONSENT_WITHDRAWAL_PATH, ORIGIN_REGISTRATION_CANCEL_PATH,
    RegistrationCancelAnswer, RegistrationCancelRequest,
};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Ref, Schema, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, RefOr, Required, ResponseBuilder,
    ResponsesBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use crate::http::admin::{
    ADMIN_CERTIFICATES_PATH, ADMIN_INSURERS_PATH, ADMIN_PAYERS_PATH, ADMIN_RESIDENTS_PATH, CertificateRequest,
    NewInsurerAnswer, NewInsurerRequest, NewPayerAnswer, NewPayerRequest, ResidentRequest,
};
use crate::http::admin_credentials::{
    ADMIN_INSURER_CREDENTIAL_PATH, ADMIN_INSURER_CREDENTIALS_PATH, ADMIN_PAYER_CREDENTIAL_PATH,
    ADMIN_PAYER_CREDENTIALS_PATH, CredentialList, CredentialView,
};
use crate::http::insurer::{
    BATCH_PATH, BATCH_PROGRESS_PATH, BATCHES_PATH, HOLD_RESOLUTION_PATH, HOLDS_PATH, HoldResolutionAnswer, INBOX_PATH,
    NOTICE_PATH, NOTIFICATIONS_PATH, NotificationPage,
};
use crate::http::public_expense::{PAYER_BATCHES_PATH, PayerBatchRejection};
use crate::http::render::{FHIR_MEDIA_TYPE, XML_MEDIA_TYPE};
use crate::store::public_expense::PayerBatchReport;
use crate::store::{BatchReport, HoldResolution};
use onshi_proto::batch_page::BatchPage;
use onshi_proto::batch_report::BatchRejection;
use onshi_proto::insurer::{BatchProgress, HoldSummary, NoticeDetail, NoticePage};

/// Media type of every JSON body.
pub const JSON: &str = "application/json";

/// How a route is authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Open.
    None,
    /// The edge's request signature.
    EdgeSignature,
    /// An insurer's bearer token.
    InsurerToken,
    /// The admin bearer token.
    AdminToken,
}

/// The schema of a body: how to write it where it is used, and which named schemas it needs in the components.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The schema at the place of use (usually a `$ref` to a component).
    pub schema: fn() -> RefOr<Schema>,
    /// Adds the named schemas the shape refers to.
    pub register: fn(ComponentsBuilder) -> ComponentsBuilder,
}

/// One body of a request or an answer: its media type and, when the document describes it, its schema.
#[derive(Clone, Copy, Debug)]
pub struct Body {
    /// The media type (`Content-Type`).
    pub media_type: &'static str,
    /// Its schema; `None` for bodies the document does not describe (XmlMsg, FHIR, Prometheus text).
    pub shape: Option<Shape>,
}

/// One answer of a route: its status and the bodies it may carry (none for a 204).
#[derive(Clone, Copy, Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// What the answer is.
    pub description: &'static str,
    /// The bodies, one per media type.
    pub bodies: &'static [Body],
}

/// One route of the router, typed.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// `get` or `post`.
    pub method: &'static str,
    /// The path, in axum syntax (`{name}` parameters).
    pub path: &'static str,
    /// Its authentication.
    pub auth: Auth,
    /// A summary.
    pub summary: &'static str,
    /// The request bodies it accepts, one per media type; empty when it reads no body.
    pub request: &'static [Body],
    /// Its success answer.
    pub success: Answer,
    /// Every error answer it can give.
    pub errors: &'static [Answer],
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

fn register<T: ToSchema>(components: ComponentsBuilder) -> ComponentsBuilder {
    let mut nested = Vec::new();
    T::schemas(&mut nested);
    components.schema_from::<T>().schemas_from_iter(nested)
}

fn nothing(components: ComponentsBuilder) -> ComponentsBuilder {
    components
}

/// A JSON body of type `T`, as a named component.
const fn json<T: ToSchema>() -> Body {
    Body { media_type: JSON, shape: Some(Shape { schema: reference::<T>, register: register::<T> }) }
}

/// A JSON body whose schema is written inline.
const fn json_inline(schema: fn() -> RefOr<Schema>) -> Body {
    Body { media_type: JSON, shape: Some(Shape { schema, register: nothing }) }
}

/// A body of `media_type` the document does not describe further, or describes as `schema`.
const fn opaque(media_type: &'static str, schema: Option<fn() -> RefOr<Schema>>) -> Body {
    match schema {
        Some(schema) => Body { media_type, shape: Some(Shape { schema, register: nothing }) },
        None => Body { media_type, shape: None },
    }
}

fn health_schema() -> RefOr<Schema> {
    ObjectBuilder::new().property("status", ObjectBuilder::new().schema_type(Type::String)).required("status").into()
}

fn any_object() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Object).into()
}

fn binary_text() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Binary)))
        .into()
}

/// A refused batch: the plain error (wrong media type) or the error with every bad row (which is also a plain
/// error, with one more field, hence `anyOf`).
fn batch_refusal() -> RefOr<Schema> {
    AnyOfBuilder::new().item(reference::<ApiError>()).item(reference::<BatchRejection>()).into()
}

fn register_batch_refusal(components: ComponentsBuilder) -> ComponentsBuilder {
    register::<BatchRejection>(register::<ApiError>(components))
}

fn payer_batch_refusal() -> RefOr<Schema> {
    AnyOfBuilder::new().item(reference::<ApiError>()).item(reference::<PayerBatchRejection>()).into()
}

fn register_payer_batch_refusal(components: ComponentsBuilder) -> ComponentsBuilder {
    register::<PayerBatchRejection>(register::<ApiError>(components))
}

const PAYER_BATCH_REFUSED: Answer = Answer {
    status: 400,
    description: "`bad_request`: a media type other than NDJSON, or bad rows (the first listed by line and field, all counted)",
    bodies: &[Body {
        media_type: JSON,
        shape: Some(Shape { schema: payer_batch_refusal, register: register_payer_batch_refusal }),
    }],
};

const fn ok(bodies: &'static [Body]) -> Answer {
    Answer { status: 200, description: "The answer", bodies }
}

const NO_CONTENT: Answer = Answer { status: 204, description: "Done; no body", bodies: &[] };

const API_ERROR: &[Body] = &[json::<ApiError>()];

const fn error(status: u16, description: &'static str) -> Answer {
    Answer { status, description, bodies: API_ERROR }
}

const BAD_REQUEST: Answer = error(400, "`bad_request`: the body or a field is malformed");
const UNAUTHORIZED: Answer = error(401, "`unauthorized`: missing, stale, replayed or wrong credentials");
const CONSENT_REQUIRED: Answer = error(
    403,
    "`consent_required`: no live consent covers this information; `qualification_only`: the card's certificate is \
     in its grace period, which confirms the qualification only",
);
const QUALIFICATION_ONLY: Answer = error(
    403,
    "`qualification_only`: the card's certificate is in its grace period, which confirms the qualification only",
);
const NOT_FOUND: Answer = error(404, "`not_found`: no such record for the caller");
const SAME_CLERK: Answer = error(
    403,
    "`forbidden`: the clerk who proposed releasing a hold the 住基 comparison raised tried to confirm it; another clerk must",
);
const WITHDRAWN: Answer = error(409, "`visual_check_withdrawn`: the kiosk withdrew the request");
const FACE_MISMATCH: Answer = error(
    409,
    "`card_face_mismatch`: the card face proved at the kiosk has another birth date or sex than the certificate's person",
);
const TOO_LARGE: Answer = error(413, "`payload_too_large`: the body is over the limit");
const RECORD_HELD: Answer = error(423, "`record_held`: the record is held for a suspected mis-registration");
const RATE_LIMITED: Answer = error(429, "`rate_limited`: too many requests in flight; retry later");
const INTERNAL: Answer = error(500, "`internal`: the service failed; the detail is in its log");
/// Every route can run past its time limit (see `http::REQUEST_TIME_LIMIT`), so every operation declares it.
const TIMED_OUT: Answer = error(504, "`origin_timeout`: the request ran past its time limit and was dropped");

/// A refused batch upload.
const BATCH_REFUSED: Answer = Answer {
    status: 400,
    description: "`bad_request`: a media type other than NDJSON or CSV, or bad rows (the first listed, all counted)",
    bodies: &[Body {
        media_type: JSON,
        shape: Some(Shape { schema: batch_refusal, register: register_batch_refusal }),
    }],
};

/// The errors every edge-signed route can give.
const SIGNED: [Answer; 5] = [BAD_REQUEST, UNAUTHORIZED, TOO_LARGE, RATE_LIMITED, INTERNAL];

const fn signed_and(extra: Answer) -> [Answer; 6] {
    let [a, b, c, d, e] = SIGNED;
    [a, b, c, d, e, extra]
}

const fn signed_and2(x: Answer, y: Answer) -> [Answer; 7] {
    let [a, b, c, d, e] = SIGNED;
    [a, b, c, d, e, x, y]
}

const fn signed_and3(x: Answer, y: Answer, z: Answer) -> [Answer; 8] {
    let [a, b, c, d, e] = SIGNED;
    [a, b, c, d, e, x, y, z]
}

/// A refusal of a qualification route: an `ApiError`, or an FHIR `OperationOutcome` for a caller that asked for FHIR.
const API_ERROR_OR_OUTCOME: &[Body] = &[json::<ApiError>(), opaque(FHIR_MEDIA_TYPE, None)];

const fn qualification_refusal(answer: Answer) -> Answer {
    Answer { bodies: API_ERROR_OR_OUTCOME, ..answer }
}

/// The refusals of the two qualification routes.
const QUALIFICATION_REFUSALS: [Answer; 6] = [
    qualification_refusal(BAD_REQUEST),
    qualification_refusal(UNAUTHORIZED),
    qualification_refusal(TOO_LARGE),
    qualification_refusal(RATE_LIMITED),
    qualification_refusal(INTERNAL),
    qualification_refusal(RECORD_HELD),
];

/// A qualification answer: JSON by default, the national XmlMsg or an FHIR `Bundle` as `Accept` asks.
const QUALIFICATION: Answer =
    ok(&[json::<QualificationAnswer>(), opaque(XML_MEDIA_TYPE, None), opaque(FHIR_MEDIA_TYPE, None)]);

/// Every route the router serves.
pub const ROUTES: [Route; 41] = [
    Route {
        method: "get",
        path: "/health",
        auth: Auth::None,
        summary: "Liveness",
        request: &[],
        success: ok(&[json_inline(health_schema)]),
        errors: &[],
    },
    Route {
        method: "get",
        path: "/metrics",
        auth: Auth::None,
        summary: "Prometheus metrics",
        request: &[],
        success: ok(&[opaque("text/plain", None)]),
        errors: &[],
    },
    Route {
        method: "get",
        path: "/openapi.json",
        auth: Auth::None,
        summary: "This document",
        request: &[],
        success: ok(&[json_inline(any_object)]),
        errors: &[],
    },
    Route {
        method: "post",
        path: BY_CERTIFICATE_PATH,
        auth: Auth::EdgeSignature,
        summary: "Qualification of a card certificate's holder",
        request: &[json::<CardQualificationQuery>()],
        success: QUALIFICATION,
        errors: &QUALIFICATION_REFUSALS,
    },
    Route {
        method: "post",
        path: BY_NUMBER_PATH,
        auth: Auth::EdgeSignature,
        summary: "Qualification by 保険者番号 + 記号・番号・枝番 + 生年月日",
        request: &[json::<NumberQualificationQuery>()],
        success: QUALIFICATION,
        errors: &QUALIFICATION_REFUSALS,
    },
    Route {
        method: "post",
        path: CERTIFICATE_STATUS_PATH,
        auth: Auth::EdgeSignature,
        summary: "Certificate status (J-LIS stand-in)",
        request: &[json::<CertificateStatusQuery>()],
        success: ok(&[json::<CertificateStatusAnswer>()]),
        errors: &SIGNED,
    },
    Route {
        method: "post",
        path: STATUS_AND_QUALIFICATION_PATH,
        auth: Auth::EdgeSignature,
        summary: "A kiosk check-in: the certificate status and, only when it is good, its holder's qualification",
        request: &[json::<CardQualificationQuery>()],
        success: ok(&[json::<StatusAndQualificationAnswer>()]),
        errors: &signed_and(RECORD_HELD),
    },
    Route {
        method: "post",
        path: REGISTRATION_PATH,
        auth: Auth::EdgeSignature,
        summary: "健康保険証利用登録",
        request: &[json::<RegistrationRequest>()],
        success: ok(&[json::<RegistrationAnswer>()]),
        errors: &signed_and2(QUALIFICATION_ONLY, RECORD_HELD),
    },
    Route {
        method: "post",
        path: CONSENT_PATH,
        auth: Auth::EdgeSignature,
        summary: "Record consents given at a reader",
        request: &[json::<ConsentRequest>()],
        success: ok(&[json::<ConsentAnswer>()]),
        errors: &signed_and3(QUALIFICATION_ONLY, NOT_FOUND, RECORD_HELD),
    },
    Route {
        method: "post",
        path: CONSENT_QUERY_PATH,
        auth: Auth::EdgeSignature,
        summary: "Live consents for a facility",
        request: &[json::<ConsentQuery>()],
        success: ok(&[json::<ConsentAnswer>()]),
        errors: &signed_and2(NOT_FOUND, RECORD_HELD),
    },
    Route {
        method: "post",
        path: MEDICATION_PATH,
        auth: Auth::EdgeSignature,
        summary: "薬剤情報 under a live consent",
        request: &[json::<MedicalInfoQuery>()],
        success: ok(&[json::<MedicationAnswer>()]),
        errors: &signed_and3(CONSENT_REQUIRED, NOT_FOUND, RECORD_HELD),
    },
    Route {
        method: "post",
        path: CHECKUP_PATH,
        auth: Auth::EdgeSignature,
        summary: "特定健診情報 under a live consent",
        request: &[json::<MedicalInfoQuery>()],
        success: ok(&[json::<CheckupAnswer>()]),
        errors: &signed_and3(CONSENT_REQUIRED, NOT_FOUND, RECORD_HELD),
    },
    Route {
        method: "post",
        path: ORIGIN_CONSENT_WITHDRAWAL_PATH,
        auth: Auth::EdgeSignature,
        summary: "Withdraw a person's consents to a facility (by card, or by staff for one of its check-ins)",
        request: &[json::<ConsentWithdrawal>()],
        success: ok(&[json::<ConsentWithdrawn>()]),
        errors: &signed_and2(NOT_FOUND, RECORD_HELD),
    },
    Route {
        method: "post",
        path: ORIGIN_REGISTRATION_CANCEL_PATH,
        auth: Auth::EdgeSignature,
        summary: "健康保険証利用登録の解除",
        request: &[json::<RegistrationCancelRequest>()],
        success: ok(&[json::<RegistrationCancelAnswer>()]),
        errors: &SIGNED,
    },
    Route {
        method: "post",
        path: ORIGIN_ACCESS_LOG_PATH,
        auth: Auth::EdgeSignature,
        summary: "The card holder's own access log: which facilities read their information, newest first",
        request: &[json::<AccessLogQuery>()],
        success: ok(&[json::<AccessLogPage>()]),
        errors: &signed_and3(QUALIFICATION_ONLY, NOT_FOUND, RECORD_HELD),
    },
    Route {
        method: "post",
        path: CHECKINS_PATH,
        auth: Auth::EdgeSignature,
        summary: "Staff: today's check-ins and pending visual checks of a facility",
        request: &[json::<CheckInListQuery>()],
        success: ok(&[json::<CheckInList>()]),
        errors: &SIGNED,
    },
    Route {
        method: "post",
        path: MEDICAL_RECORDS_PATH,
        auth: Auth::EdgeSignature,
        summary: "Staff: one page of a check-in's patient's 薬剤, 特定健診, 診療 or 手術 under a live consent",
        request: &[json::<MedicalRecordQuery>()],
        success: ok(&[json::<MedicalRecordPage>()]),
        errors: &signed_and3(CONSENT_REQUIRED, NOT_FOUND, RECORD_HELD),
    },
    Route {
        method: "post",
        path: VISUAL_CHECK_CREATE_PATH,
        auth: Auth::EdgeSignature,
        summary: "Kiosk: ask for a staff visual check (目視)",
        request: &[json::<VisualCheckCreate>()],
        success: ok(&[json::<VisualCheckTicket>()]),
        errors: &signed_and(FACE_MISMATCH),
    },
    Route {
        method: "post",
        path: VISUAL_CHECK_DECIDE_PATH,
        auth: Auth::EdgeSignature,
        summary: "Staff: approve or refuse a visual check",
        request: &[json::<VisualCheckDecision>()],
        success: ok(&[json::<VisualCheckTicket>()]),
        errors: &signed_and2(NOT_FOUND, WITHDRAWN),
    },
    Route {
        method: "post",
        path: VISUAL_CHECK_OPEN_PATH,
        auth: Auth::EdgeSignature,
        summary: "Staff: open a pending visual check to see the name and birth date behind it (audited)",
        request: &[json::<VisualCheckOpen>()],
        success: ok(&[json::<VisualCheckPerson>()]),
        errors: &signed_and2(NOT_FOUND, WITHDRAWN),
    },
    Route {
        method: "post",
        path: VISUAL_CHECK_COLLECT_PATH,
        auth: Auth::EdgeSignature,
        summary: "Kiosk: collect a visual check's qualification, once",
        request: &[json::<VisualCheckCollect>()],
        success: ok(&[json::<VisualCheckCollected>()]),
        errors: &signed_and2(NOT_FOUND, RECORD_HELD),
    },
    Route {
        method: "post",
        path: VISUAL_CHECK_WITHDRAW_PATH,
        auth: Auth::EdgeSignature,
        summary: "Kiosk: withdraw a visual check its patient left",
        request: &[json::<VisualCheckWithdraw>()],
        success: ok(&[json::<VisualCheckTicket>()]),
        errors: &signed_and(NOT_FOUND),
    },
    Route {
        method: "post",
        path: READER_RESULT_PATH,
        auth: Auth::EdgeSignature,
        summary: "Bridge: hand on a national-reader result, kept once per face file",
        request: &[json::<ReaderResultUpload>()],
        success: ok(&[json::<ReaderResultReceipt>()]),
        errors: &SIGNED,
    },
    Route {
        method: "post",
        path: BATCHES_PATH,
        auth: Auth::InsurerToken,
        summary: "Upload a batch (application/x-ndjson or text/csv)",
        request: &[opaque("application/x-ndjson", Some(binary_text)), opaque("text/csv", Some(binary_text))],
        success: ok(&[json::<BatchReport>()]),
        // 429: another batch of the same insurer is running.
        errors: &[BATCH_REFUSED, UNAUTHORIZED, TOO_LARGE, RATE_LIMITED, INTERNAL],
    },
    Route {
        method: "get",
        path: BATCHES_PATH,
        auth: Auth::InsurerToken,
        summary: "The insurer's batches, newest first, a page at a time (`?limit=` up to 1000, default 100; `?before=` the last page's `next`)",
        request: &[],
        success: ok(&[json::<BatchPage>()]),
        // 400: a cursor this listing did not write, or a page size outside 1..=1000.
        errors: &[BAD_REQUEST, UNAUTHORIZED, INTERNAL],
    },
    Route {
        method: "get",
        path: BATCH_PATH,
        auth: Auth::InsurerToken,
        summary: "One batch's report",
        request: &[],
        success: ok(&[json::<BatchReport>()]),
        // 400: a batch id that is not text (a path segment that is not UTF-8).
        errors: &[BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, INTERNAL],
    },
    Route {
        method: "get",
        path: NOTIFICATIONS_PATH,
        auth: Auth::InsurerToken,
        summary: "Notifications to the insurer, a page at a time (`?limit=` up to 1000, `?after=` the last page's `next`)",
        request: &[],
        success: ok(&[json::<NotificationPage>()]),
        // 400: a cursor this listing did not write, or a page size outside 1..=1000.
        errors: &[BAD_REQUEST, UNAUTHORIZED, INTERNAL],
    },
    Route {
        method: "post",
        path: HOLD_RESOLUTION_PATH,
        auth: Auth::InsurerToken,
        summary: "Correct or clear a held record. 理由付き疑いなし on a hold the 住基 comparison raised (`five_item_mismatch`, `resident_registry_mismatch`, `resident_registry_not_found`) is a proposal (`awaiting_second_clerk`) until another clerk of the insurer sends it too",
        request: &[json::<HoldResolution>()],
        success: ok(&[json::<HoldResolutionAnswer>()]),
        errors: &[BAD_REQUEST, UNAUTHORIZED, SAME_CLERK, NOT_FOUND, TOO_LARGE, INTERNAL],
    },
    Route {
        method: "get",
        path: INBOX_PATH,
        auth: Auth::InsurerToken,
        summary: "The inbox: notices newest first (`?kind=`, `?state=open|resolved|informational`, `?limit=` up to 1000, `?before=` the last page's `next`)",
        request: &[],
        success: ok(&[json::<NoticePage>()]),
        // 400: an unknown kind or state, a cursor this listing did not write, or a page size outside 1..=1000.
        errors: &[BAD_REQUEST, UNAUTHORIZED, INTERNAL],
    },
    Route {
        method: "get",
        path: NOTICE_PATH,
        auth: Auth::InsurerToken,
        summary: "One notice beside the record it compares with (the other record described by what differs)",
        request: &[],
        success: ok(&[json::<NoticeDetail>()]),
        errors: &[BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, INTERNAL],
    },
    Route {
        method: "get",
        path: HOLDS_PATH,
        auth: Auth::InsurerToken,
        summary: "How many of the insurer's records are held, and for how long",
        request: &[],
        success: ok(&[json::<HoldSummary>()]),
        errors: &[UNAUTHORIZED, INTERNAL],
    },
    Route {
        method: "get",
        path: BATCH_PROGRESS_PATH,
        auth: Auth::InsurerToken,
        summary: "How far the insurer's running batch has got: `none`, `reading` (rows read and refused so far), `applying` (rows applied of all), or `running_elsewhere` (another replica runs it; no counts)",
        request: &[],
        success: ok(&[json::<BatchProgress>()]),
        errors: &[UNAUTHORIZED, INTERNAL],
    },
    Route {
        method: "post",
        path: ADMIN_INSURERS_PATH,
        auth: Auth::AdminToken,
        summary: "Register an insurer and issue its token",
        request: &[json::<NewInsurerRequest>()],
        success: ok(&[json::<NewInsurerAnswer>()]),
        errors: &[BAD_REQUEST, UNAUTHORIZED, TOO_LARGE, INTERNAL],
    },
    Route {
        method: "post",
        path: PAYER_BATCHES_PATH,
        auth: Auth::InsurerToken,
        summary: "A 公費負担者 (welfare office, municipality) registers 医療扶助 or 受給者証 (application/x-ndjson), with its own token issued as an insurer's",
        request: &[opaque("application/x-ndjson", Some(binary_text))],
        success: ok(&[json::<PayerBatchReport>()]),
        // 429: another batch of the same payer is running.
        errors: &[PAYER_BATCH_REFUSED, UNAUTHORIZED, TOO_LARGE, RATE_LIMITED, INTERNAL],
    },
    Route {
        method: "post",
        path: ADMIN_PAYERS_PATH,
        auth: Auth::AdminToken,
        summary: "Register a 公費負担者 and issue its token (refused for a number registered as an insurer's)",
        request: &[json::<NewPayerRequest>()],
        success: ok(&[json::<NewPayerAnswer>()]),
        errors: &[BAD_REQUEST, UNAUTHORIZED, TOO_LARGE, INTERNAL],
    },
    Route {
        method: "get",
        path: ADMIN_INSURER_CREDENTIALS_PATH,
        auth: Auth::AdminToken,
        summary: "An insurer's credentials by public name (the first 12 hex digits of the token's SHA-256), with when each was issued, expires and was revoked; never a token",
        request: &[],
        success: ok(&[json::<CredentialList>()]),
        // 400: a malformed 保険者番号; 404: no such insurer.
        errors: &[BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, INTERNAL],
    },
    Route {
        method: "delete",
        path: ADMIN_INSURER_CREDENTIAL_PATH,
        auth: Auth::AdminToken,
        summary: "Revoke one of an insurer's credentials: refused from the next request on, on every replica (revoking twice answers the first revocation)",
        request: &[],
        success: ok(&[json::<CredentialView>()]),
        // 404: the insurer has no credential of that name.
        errors: &[BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, INTERNAL],
    },
    Route {
        method: "get",
        path: ADMIN_PAYER_CREDENTIALS_PATH,
        auth: Auth::AdminToken,
        summary: "A 公費負担者's credentials, as an insurer's are listed",
        request: &[],
        success: ok(&[json::<CredentialList>()]),
        errors: &[BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, INTERNAL],
    },
    Route {
        method: "delete",
        path: ADMIN_PAYER_CREDENTIAL_PATH,
        auth: Auth::AdminToken,
        summary: "Revoke one of a 公費負担者's credentials, as an insurer's is revoked",
        request: &[],
        success: ok(&[json::<CredentialView>()]),
        errors: &[BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, INTERNAL],
    },
    Route {
        method: "post",
        path: ADMIN_RESIDENTS_PATH,
        auth: Auth::AdminToken,
        summary: "Put a 住基 stand-in entry",
        request: &[json::<ResidentRequest>()],
        success: NO_CONTENT,
        errors: &[BAD_REQUEST, UNAUTHORIZED, TOO_LARGE, INTERNAL],
    },
    Route {
        method: "post",
        path: ADMIN_CERTIFICATES_PATH,
        auth: Auth::AdminToken,
        summary: "Put a J-LIS stand-in entry",
        request: &[json::<CertificateRequest>()],
        success: NO_CONTENT,
        errors: &[BAD_REQUEST, UNAUTHORIZED, TOO_LARGE, INTERNAL],
    },
];

fn content(body: &Body) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(body.shape.map(|shape| (shape.schema)())).build()
}

fn response(answer: &Answer) -> utoipa::openapi::Response {
    answer
        .bodies
        .iter()
        .fold(ResponseBuilder::new().description(answer.description), |builder, body| {
            builder.content(body.media_type, content(body))
        })
        .build()
}

fn method(name: &str) -> HttpMethod {
    match name {
        "get" => HttpMethod::Get,
        "delete" => HttpMethod::Delete,
        _ => HttpMethod::Post,
    }
}

fn security(auth: Auth) -> Vec<SecurityRequirement> {
    let scheme = match auth {
        Auth::None => return Vec::new(),
        Auth::EdgeSignature => "edgeSignature",
        Auth::InsurerToken => "insurerToken",
        Auth::AdminToken => "adminToken",
    };
    vec![SecurityRequirement::new(scheme, Vec::<String>::new())]
}

/// The named schemas `route` refers to, added to `components`.
fn register_route(route: &Route, components: ComponentsBuilder) -> ComponentsBuilder {
    let errors = route.errors.iter().chain(std::iter::once(&TIMED_OUT));
    let bodies = route.request.iter().chain(route.success.bodies).chain(errors.flat_map(|e| e.bodies));
    bodies.filter_map(|body| body.shape).fold(components, |components, shape| (shape.register)(components))
}

fn operation(route: &Route) -> utoipa::openapi::path::Operation {
    let parameters = route
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(String::schema()))
                .build()
        })
        .collect::<Vec<_>>();
    let request_body = (!route.request.is_empty()).then(|| {
        route
            .request
            .iter()
            .fold(RequestBodyBuilder::new().required(Some(Required::True)), |builder, body| {
                builder.content(body.media_type, content(body))
            })
            .build()
    });
    let responses = std::iter::once(&route.success)
        .chain(route.errors)
        .chain(std::iter::once(&TIMED_OUT))
        .fold(ResponsesBuilder::new(), |builder, answer| builder.response(answer.status.to_string(), response(answer)))
        .build();
    OperationBuilder::new()
        .summary(Some(route.summary))
        .securities(Some(security(route.auth)))
        .parameters(Some(parameters))
        .request_body(request_body)
        .responses(responses)
        .build()
}

/// The document.
pub fn openapi() -> OpenApi {
    let mut paths = PathsBuilder::new().build();
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            "edgeSignature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                onshi_proto::signing::SIGNATURE_HEADER,
                "HMAC-SHA256 over method, path, timestamp, nonce and body; ±60 s; each nonce once.",
            ))),
        )
        .security_scheme(
            "insurerToken",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        )
        .security_scheme("adminToken", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    for route in &ROUTES {
        paths.add_path_operation(route.path, vec![method(route.method)], operation(route));
        components = register_route(route, components);
    }
    OpenApiBuilder::new()
        .info(InfoBuilder::new().title("onshi origin").version(env!("CARGO_PKG_VERSION")).build())
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "a test should stop at the first unexpected value")]
mod tests {
    use serde_json::Value;

    use super::*;

    fn document() -> Value {
        serde_json::to_value(openapi()).unwrap()
    }

    fn operation_of<'a>(document: &'a Value, route: &Route) -> &'a Value {
        &document["paths"][route.path][route.method]
    }

    #[test]
    fn every_route_that_reads_a_body_declares_it() {
        let document = document();
        for route in &ROUTES {
            let body = &operation_of(&document, route)["requestBody"];
            if route.method == "post" {
                let content =
                    body["content"].as_object().unwrap_or_else(|| panic!("{} has no request body", route.path));
                assert!(!content.is_empty(), "{}", route.path);
                assert!(content.values().all(|c| c["schema"].is_object()), "{}", route.path);
                assert_eq!(body["required"], true, "{}", route.path);
            } else {
                assert!(body.is_null(), "{} {}", route.method, route.path);
            }
        }
    }

    #[test]
    fn every_route_declares_its_success_schema_and_its_errors() {
        let document = document();
        for route in &ROUTES {
            let responses = operation_of(&document, route)["responses"].as_object().unwrap();
            let success = &responses[&route.success.status.to_string()];
            if route.success.status == 204 {
                assert!(success.get("content").is_none(), "{}", route.path);
            } else if route.path != "/metrics" {
                let schema = &success["content"][JSON]["schema"];
                assert!(schema.is_object(), "{} {} has no JSON success schema", route.method, route.path);
            }
            for error in route.errors {
                assert!(responses.contains_key(&error.status.to_string()), "{} {}", route.path, error.status);
            }
            assert!(!responses.contains_key("default"), "every status is declared, none left to a default");
        }
    }

    #[test]
    fn every_reference_names_a_component() {
        let document = document();
        let text = document.to_string();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "{name} is referenced but not a component");
        }
    }

    #[test]
    fn the_schemas_say_what_serde_writes() {
        let document = document();
        let schemas = &document["components"]["schemas"];
        // Enumerations by their snake_case wire names.
        let states = schemas["VisualCheckState"]["enum"].as_array().unwrap();
        assert!(states.contains(&Value::from("pending")) && states.contains(&Value::from("withdrawn")));
        let outcomes = schemas["HoldOutcome"]["enum"].as_array().unwrap();
        assert!(outcomes.contains(&Value::from("still_held")));
        // An optional field is not required; a required one is.
        let required = schemas["CardQualificationQuery"]["required"].as_array().unwrap();
        assert!(required.contains(&Value::from("certificate")));
        assert!(!required.contains(&Value::from("facility_code")));
        // A body that refuses unknown fields says so.
        assert_eq!(schemas["CardQualificationQuery"]["additionalProperties"], false);
        assert_eq!(schemas["NewInsurerRequest"]["additionalProperties"], false);
        // Dates and bytes are strings.
        assert_eq!(schemas["IsoDate"]["type"], "string");
        assert_eq!(schemas["ApiError"]["required"], serde_json::json!(["error", "message"]));
        // A hold resolution is tagged by `resolution`.
        assert!(schemas["HoldResolution"].to_string().contains("\"resolution\""));
    }

    #[test]
    fn the_document_keeps_its_security_schemes_and_version() {
        let document = document();
        assert_eq!(document["openapi"], "3.1.0");
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(schemes["edgeSignature"]["in"], "header");
        assert_eq!(schemes["insurerToken"]["scheme"], "bearer");
        assert_eq!(schemes["adminToken"]["scheme"], "bearer");
        let by_certificate = &document["paths"][BY_CERTIFICATE_PATH]["post"];
        assert_eq!(by_certificate["security"], serde_json::json!([{ "edgeSignature": [] }]));
        let answer = &by_certificate["responses"]["200"]["content"];
        assert!(answer[XML_MEDIA_TYPE].is_object() && answer[FHIR_MEDIA_TYPE].is_object());
        assert_eq!(document["paths"]["/health"]["get"]["security"], serde_json::json!([]));
    }
}
