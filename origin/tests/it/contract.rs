//! The contract check: every answer the fixture's origin gives on a documented operation is checked against the
//! OpenAPI document (`onshi_origin::http::api_doc::openapi`): its status must be declared for the operation, its
//! media type declared for that status, and a JSON body must validate against the declared schema. So every
//! integration test is also a contract test. The check runs as a middleware around the real router, so answers
//! to any client of the test (fixture helpers or a hand-built request) are all checked.
//!
//! A violation is recorded, not thrown, so the test sees the answer it asked for; the [`Origin`](crate::fixture)
//! fails when it is dropped if any answer broke the contract.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

/// The document, once per test process.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_value(onshi_origin::http::api_doc::openapi()).unwrap())
}

/// What one origin answered, and what of it broke the document.
#[derive(Default)]
pub struct Contract {
    violations: Mutex<Vec<String>>,
    answered: Mutex<BTreeSet<(String, String, u16)>>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// Escapes one JSON-pointer segment for a URI fragment (route templates hold braces, which a URI may not).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1").replace('{', "%7B").replace('}', "%7D").replace('+', "%2B")
}

impl Contract {
    /// Every (method, route, status) answered so far.
    pub fn answered(&self) -> BTreeSet<(String, String, u16)> {
        self.answered.lock().unwrap().clone()
    }

    /// Every answer so far that broke the document.
    pub fn violations(&self) -> Vec<String> {
        self.violations.lock().unwrap().clone()
    }

    fn validator(&self, pointer: &str) -> Arc<jsonschema::Validator> {
        let mut validators = self.validators.lock().unwrap();
        validators
            .entry(pointer.to_owned())
            .or_insert_with(|| {
                // The whole document is the root, so `#/components/schemas/…` references resolve; the root
                // `$ref` points at the one schema this answer must satisfy.
                let mut root = document().clone();
                root["$ref"] = Value::from(format!("#{pointer}"));
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .build(&root)
                    .unwrap_or_else(|error| panic!("the schema at {pointer} does not compile: {error}"));
                Arc::new(validator)
            })
            .clone()
    }

    /// Checks one answer of `method route` (a route template as the router matched it).
    pub fn check(&self, method: &str, route: &str, status: u16, content_type: Option<&str>, body: &[u8]) {
        let operation = &document()["paths"][route][method];
        if !operation.is_object() {
            // Not an operation of the document (a method the path does not serve): the router's 404.
            return;
        }
        self.answered.lock().unwrap().insert((method.to_owned(), route.to_owned(), status));
        if let Err(problem) = self.problem(operation, method, route, status, content_type, body) {
            let shown = String::from_utf8_lossy(&body[..body.len().min(400)]).into_owned();
            self.violations.lock().unwrap().push(format!("{method} {route} → {status}: {problem}; body: {shown}"));
        }
    }

    fn problem(
        &self,
        operation: &Value,
        method: &str,
        route: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let answer = operation["responses"]
            .get(status.to_string())
            .ok_or_else(|| format!("status {status} is not declared for this operation"))?;
        let Some(declared) = answer.get("content").and_then(Value::as_object) else {
            return if body.is_empty() { Ok(()) } else { Err("a body on an answer declared without one".into()) };
        };
        let media_type = content_type.and_then(|t| t.split(';').next()).map(str::trim).unwrap_or_default();
        let media = declared
            .get(media_type)
            .ok_or_else(|| format!("media type {media_type:?} is not declared (declared: {:?})", declared.keys()))?;
        if !(media_type == "application/json" || media_type.ends_with("+json")) {
            return Ok(());
        }
        let instance: Value = serde_json::from_slice(body).map_err(|error| format!("not JSON: {error}"))?;
        if media.get("schema").is_none() {
            return Ok(());
        }
        let pointer =
            format!("/paths/{}/{method}/responses/{status}/content/{}/schema", escape(route), escape(media_type));
        let validator = self.validator(&pointer);
        let errors: Vec<String> =
            validator.iter_errors(&instance).map(|error| format!("{} at {}", error, error.instance_path())).collect();
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }
}

/// Middleware: passes the request on, checks the answer, and hands the answer back unchanged.
pub async fn check(State(contract): State<Arc<Contract>>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_ascii_lowercase();
    let route = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned());
    let response = next.run(request).await;
    let Some(route) = route else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let content_type = parts.headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok());
    contract.check(&method, &route, parts.status.as_u16(), content_type, &bytes);
    Response::from_parts(parts, Body::from(bytes))
}
