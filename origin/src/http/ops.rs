//! The operator routes: `/health`, `/metrics` (with the middleware that counts and times every request) and
//! `/openapi.json`, which serves the document `api_doc.rs` builds from the wire types.
//!
//! Layer: HTTP adapter. Must not label a metric with anything a caller chooses: a raw path (it could hold an
//! identifier, and has no bound) or a method outside the standard ones. The labels are the matched route template
//! (or `unmatched`), a standard method (or `OTHER`) and the status.

use std::time::Instant;

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::http::api_doc::openapi;
use crate::http::state::AppState;

/// `GET /health`.
pub(crate) async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Middleware: counts and times every request under its matched route (never the raw path, which could hold an
/// identifier).
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    state.shared().metrics.observe(method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// The label of a request's method: one of the standard ones, or `OTHER`. A caller may send any token as a method,
/// and a label per token would grow the counters without bound.
fn method_label(method: &Method) -> &'static str {
    [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::PATCH, "PATCH"),
    ]
    .into_iter()
    .find_map(|(known, label)| (known == method).then_some(label))
    .unwrap_or("OTHER")
}

/// `GET /metrics`.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], state.shared().metrics.render()).into_response()
}

/// `GET /openapi.json`.
pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
