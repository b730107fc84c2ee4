//! The workers-rs adapter: request and response plumbing, the route handlers, static files, the
//! `ChallengeStore` Durable Object and the origin `fetch`. Everything here is thin; decisions are made in the
//! pure modules.

mod challenge_store;
mod ports;

use futures::StreamExt as _;
use serde::Serialize;
use worker::{Env, Headers, Request, Response, ResponseBuilder, RouteContext, js_sys};

use crate::config::EdgeConfig;
use crate::error::EdgeError;
use crate::http_policy::{
    API_RESPONSE_HEADERS, BodyCollector, STATIC_RESPONSE_HEADERS, check_declared_length,
};
use crate::proxy::forwardable_headers;
use crate::service::EdgeApi;

use ports::WorkerPorts;

/// Binding name of the static assets (the kiosk's built files).
const ASSETS_BINDING: &str = "ASSETS";

/// The runtime's clock, in unix seconds. Inside workerd it advances only across I/O, which is all the
/// protocol needs.
fn now_unix() -> i64 {
    // Whole seconds of a millisecond clock always fit in an i64.
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// A binding's text, whether it was set as a plain variable or as a secret.
fn binding_text(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|value| value.to_string())
}

fn load_config(env: &Env) -> Result<EdgeConfig, EdgeError> {
    EdgeConfig::from_lookup(|name| binding_text(env, name))
}

fn api_headers() -> worker::Result<Headers> {
    let headers = Headers::new();
    for (name, value) in API_RESPONSE_HEADERS {
        headers.set(name, value)?;
    }
    Ok(headers)
}

/// Every API answer goes through here: a JSON body, the API headers, and for errors only the stable code.
fn respond<T: Serialize>(result: Result<T, EdgeError>) -> worker::Result<Response> {
    let (status, body) = match result {
        Ok(value) => (200, serde_json::to_vec(&value)),
        Err(error) => {
            if error.http_status() >= 500 {
                // The error's text names the failing step and never carries personal data.
                worker::console_error!("onshi-edge: {error}");
            }
            (
                error.http_status(),
                serde_json::to_vec(&error.to_api_error()),
            )
        }
    };
    let body = body.map_err(|error| worker::Error::RustError(error.to_string()))?;
    Ok(ResponseBuilder::new()
        .with_status(status)
        .with_headers(api_headers()?)
        .fixed(body))
}

/// Reads the request body within the limits of [`BodyCollector`].
async fn read_body(request: &mut Request) -> Result<Vec<u8>, EdgeError> {
    let declared = request
        .headers()
        .get("content-length")
        .map_err(|_| EdgeError::BadRequest)?;
    check_declared_length(declared.as_deref())?;
    if request.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = request
        .stream()
        .map_err(|_| EdgeError::Runtime("request body is not readable"))?;
    let mut collector = BodyCollector::default();
    while let Some(chunk) = stream.next().await {
        collector.push(&chunk.map_err(|_| EdgeError::BadRequest)?)?;
    }
    collector.finish()
}

fn forwarded_headers(request: &Request) -> Vec<(String, String)> {
    forwardable_headers(request.headers().entries())
}

/// `POST /api/v1/challenge`.
pub async fn challenge_route(
    mut request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    respond(
        async {
            read_body(&mut request).await?;
            let config = load_config(&context.env)?;
            let ports = WorkerPorts::new(&context.env);
            EdgeApi::new(&config, &ports)
                .issue_challenge(now_unix())
                .await
        }
        .await,
    )
}

/// `POST /api/v1/session`.
pub async fn session_route(
    mut request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    respond(
        async {
            let body = read_body(&mut request).await?;
            let config = load_config(&context.env)?;
            let ports = WorkerPorts::new(&context.env);
            EdgeApi::new(&config, &ports)
                .open_session(&body, forwarded_headers(&request), now_unix())
                .await
        }
        .await,
    )
}

/// `POST /api/v1/qualification`.
pub async fn qualification_route(
    mut request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    respond(
        async {
            let body = read_body(&mut request).await?;
            let authorization = request
                .headers()
                .get("authorization")
                .map_err(|_| EdgeError::SessionInvalid)?;
            let config = load_config(&context.env)?;
            let ports = WorkerPorts::new(&context.env);
            EdgeApi::new(&config, &ports)
                .qualification(
                    authorization.as_deref(),
                    &body,
                    forwarded_headers(&request),
                    now_unix(),
                )
                .await
        }
        .await,
    )
}

/// `GET /api/v1/health`: the worker runs and its configuration is complete. Says nothing about the origin.
pub fn health_route(_request: Request, context: RouteContext<()>) -> worker::Result<Response> {
    respond(load_config(&context.env).map(|_| serde_json::json!({ "status": "ok" })))
}

/// Any other API path or method.
pub fn not_found_route(_request: Request, _context: RouteContext<()>) -> worker::Result<Response> {
    respond::<()>(Err(EdgeError::NotFound))
}

/// Serves a static file from the assets binding, adding the kiosk's security headers.
pub async fn serve_static(request: Request, env: &Env) -> worker::Result<Response> {
    let assets = match env.assets(ASSETS_BINDING) {
        Ok(assets) => assets,
        Err(_) => return respond::<()>(Err(EdgeError::NotFound)),
    };
    let fetched = assets.fetch_request(request).await?;
    let status = fetched.status_code();
    // A fetched response's headers are immutable, so the answer is rebuilt with a fresh header set.
    let headers = Headers::new();
    for (name, value) in fetched.headers().entries() {
        headers.append(&name, &value)?;
    }
    for (name, value) in STATIC_RESPONSE_HEADERS {
        headers.set(name, value)?;
    }
    let (_, body) = fetched.into_parts();
    Ok(ResponseBuilder::new()
        .with_status(status)
        .with_headers(headers)
        .body(body))
}
