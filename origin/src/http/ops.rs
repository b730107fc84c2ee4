//! The operator routes: `/health`, `/metrics` (with the middleware that counts and times every request) and
//! `/openapi.json`, the hand-written OpenAPI 3.1 document. [`ROUTES`] is the list of every route the router serves;
//! the integration tests check the router and this list against each other.
//!
//! Layer: HTTP adapter. Must not label a metric with a raw path (it could hold an identifier).

use std::time::Instant;

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, BY_NUMBER_PATH, CERTIFICATE_STATUS_PATH, CHECKINS_PATH, CHECKUP_PATH, CONSENT_PATH,
    CONSENT_QUERY_PATH, MEDICATION_PATH, REGISTRATION_PATH, VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH,
    VISUAL_CHECK_DECIDE_PATH, VISUAL_CHECK_WITHDRAW_PATH,
};
use serde_json::{Value, json};

use crate::http::admin::{ADMIN_CERTIFICATES_PATH, ADMIN_INSURERS_PATH, ADMIN_RESIDENTS_PATH};
use crate::http::insurer::{BATCH_PATH, BATCHES_PATH, HOLD_RESOLUTION_PATH, NOTIFICATIONS_PATH};
use crate::http::state::AppState;

/// `GET /health`.
pub(crate) async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Middleware: counts and times every request under its matched route (never the raw path, which could hold an
/// identifier).
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    state.shared().metrics.observe(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], state.shared().metrics.render()).into_response()
}

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

/// One route: method, path (axum syntax, `{name}` parameters), authentication, and a summary.
pub type Route = (&'static str, &'static str, Auth, &'static str);

/// Every route the router serves.
pub const ROUTES: [Route; 24] = [
    ("get", "/health", Auth::None, "Liveness"),
    ("get", "/metrics", Auth::None, "Prometheus metrics"),
    ("get", "/openapi.json", Auth::None, "This document"),
    ("post", BY_CERTIFICATE_PATH, Auth::EdgeSignature, "Qualification of a card certificate's holder"),
    ("post", BY_NUMBER_PATH, Auth::EdgeSignature, "Qualification by 保険者番号 + 記号・番号・枝番 + 生年月日"),
    ("post", CERTIFICATE_STATUS_PATH, Auth::EdgeSignature, "Certificate status (J-LIS stand-in)"),
    ("post", REGISTRATION_PATH, Auth::EdgeSignature, "健康保険証利用登録"),
    ("post", CONSENT_PATH, Auth::EdgeSignature, "Record consents given at a reader"),
    ("post", CONSENT_QUERY_PATH, Auth::EdgeSignature, "Live consents for a facility"),
    ("post", MEDICATION_PATH, Auth::EdgeSignature, "薬剤情報 under a live consent"),
    ("post", CHECKUP_PATH, Auth::EdgeSignature, "特定健診情報 under a live consent"),
    ("post", CHECKINS_PATH, Auth::EdgeSignature, "Staff: today's check-ins and pending visual checks of a facility"),
    ("post", VISUAL_CHECK_CREATE_PATH, Auth::EdgeSignature, "Kiosk: ask for a staff visual check (目視)"),
    ("post", VISUAL_CHECK_DECIDE_PATH, Auth::EdgeSignature, "Staff: approve or refuse a visual check"),
    ("post", VISUAL_CHECK_COLLECT_PATH, Auth::EdgeSignature, "Kiosk: collect a visual check's qualification, once"),
    ("post", VISUAL_CHECK_WITHDRAW_PATH, Auth::EdgeSignature, "Kiosk: withdraw a visual check its patient left"),
    ("post", BATCHES_PATH, Auth::InsurerToken, "Upload a batch (application/x-ndjson or text/csv)"),
    ("get", BATCHES_PATH, Auth::InsurerToken, "The insurer's batch ids"),
    ("get", BATCH_PATH, Auth::InsurerToken, "One batch's report"),
    ("get", NOTIFICATIONS_PATH, Auth::InsurerToken, "Notifications to the insurer"),
    ("post", HOLD_RESOLUTION_PATH, Auth::InsurerToken, "Correct or clear a held record"),
    ("post", ADMIN_INSURERS_PATH, Auth::AdminToken, "Register an insurer and issue its token"),
    ("post", ADMIN_RESIDENTS_PATH, Auth::AdminToken, "Put a 住基 stand-in entry"),
    ("post", ADMIN_CERTIFICATES_PATH, Auth::AdminToken, "Put a J-LIS stand-in entry"),
];

/// The document.
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, auth, summary) in ROUTES {
        let security = match auth {
            Auth::None => json!([]),
            Auth::EdgeSignature => json!([{ "edgeSignature": [] }]),
            Auth::InsurerToken => json!([{ "insurerToken": [] }]),
            Auth::AdminToken => json!([{ "adminToken": [] }]),
        };
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let operation = json!({
            "summary": summary,
            "security": security,
            "parameters": parameters,
            "responses": {
                "200": { "description": "A typed answer (see onshi_proto)." },
                "default": { "description": "An error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ApiError" } } } }
            }
        });
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        if let Some(object) = entry.as_object_mut() {
            object.insert(method.to_owned(), operation);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "onshi origin", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "edgeSignature": { "type": "apiKey", "in": "header", "name": onshi_proto::signing::SIGNATURE_HEADER,
                                   "description": "HMAC-SHA256 over method, path, timestamp, nonce and body; ±60 s; each nonce once." },
                "insurerToken": { "type": "http", "scheme": "bearer" },
                "adminToken": { "type": "http", "scheme": "bearer" }
            },
            "schemas": {
                "ApiError": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": { "error": { "type": "string" }, "message": { "type": "string" } }
                }
            }
        }
    })
}

/// `GET /openapi.json`.
pub(crate) async fn document() -> Json<Value> {
    Json(openapi())
}
