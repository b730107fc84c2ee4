//! The workers-rs adapter: request and response plumbing, the route handlers, static files, the
//! `ChallengeStore` Durable Object and the origin `fetch`. Everything here is thin; decisions are made in the
//! pure modules.

mod challenge_store;
mod consent_routes;
mod edge_store;
mod ports;
mod staff_routes;

pub use consent_routes::{consent_route, registration_route};
pub use staff_routes::{
    staff_by_number_route, staff_checkins_route, staff_code_route, staff_decision_route,
    staff_login_route, visual_check_route, visual_check_status_route,
};

use futures::StreamExt as _;
use serde::Serialize;
use worker::{Env, Headers, Request, Response, ResponseBuilder, RouteContext, js_sys};

use crate::config::EdgeConfig;
use crate::device::DeviceProofHeaders;
use crate::error::EdgeError;
use crate::http_policy::{
    API_RESPONSE_HEADERS, BodyCollector, STATIC_RESPONSE_HEADERS, check_declared_length,
};
use crate::proxy::forwardable_headers;
use crate::service::{ApiRequest, EdgeApi};
use onshi_proto::api::{DEVICE_ID_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIME_HEADER};

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

thread_local! {
    /// The configuration, parsed once per isolate: bindings do not change while an isolate lives, and parsing
    /// the trust anchors on every request would cost more than the rest of a request's work.
    static CONFIG: std::cell::RefCell<Option<std::rc::Rc<EdgeConfig>>> = const { std::cell::RefCell::new(None) };
}

fn load_config(env: &Env) -> Result<std::rc::Rc<EdgeConfig>, EdgeError> {
    if let Some(config) = CONFIG.with(|cached| cached.borrow().clone()) {
        return Ok(config);
    }
    let config = std::rc::Rc::new(EdgeConfig::from_lookup(|name| binding_text(env, name))?);
    CONFIG.with(|cached| *cached.borrow_mut() = Some(config.clone()));
    Ok(config)
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

fn header(request: &Request, name: &str) -> Option<String> {
    request.headers().get(name).ok().flatten()
}

/// Which use case a route runs.
#[derive(Clone, Copy)]
enum UseCase {
    Challenge,
    Session,
    Qualification,
    Enrol,
    IssueEnrolmentCode,
    RevokeDevice,
}

/// Reads the request (body within limits, the headers the use cases need), runs the use case, answers.
async fn run(
    mut request: Request,
    env: &Env,
    use_case: UseCase,
    device_param: Option<String>,
) -> worker::Result<Response> {
    respond(
        async {
            check_cross_origin(&request)?;
            let body = read_body(&mut request).await?;
            let config = load_config(env)?;
            let ports = WorkerPorts::new(env);
            let api = EdgeApi::new(&config, &ports);
            let path = request.path();
            let authorization = header(&request, "authorization");
            let api_request = ApiRequest {
                method: "POST",
                path: &path,
                body: &body,
                authorization: authorization.as_deref(),
                device_proof: DeviceProofHeaders {
                    device_id: header(&request, DEVICE_ID_HEADER),
                    timestamp: header(&request, DEVICE_TIME_HEADER),
                    signature: header(&request, DEVICE_SIGNATURE_HEADER),
                },
                forwarded: forwarded_headers(&request),
                now_unix: now_unix(),
            };
            match use_case {
                UseCase::Challenge => to_json(api.issue_challenge(&api_request).await),
                UseCase::Session => to_json(api.open_session(&api_request).await),
                UseCase::Qualification => to_json(api.qualification(&api_request).await),
                UseCase::Enrol => to_json(api.enrol(&api_request).await),
                UseCase::IssueEnrolmentCode => {
                    to_json(api.issue_enrolment_code(&api_request).await)
                }
                UseCase::RevokeDevice => to_json(
                    api.revoke_device(&api_request, device_param.as_deref().unwrap_or_default())
                        .await,
                ),
            }
        }
        .await,
    )
}

fn to_json<T: Serialize>(result: Result<T, EdgeError>) -> Result<serde_json::Value, EdgeError> {
    result.and_then(|value| {
        serde_json::to_value(value).map_err(|_| EdgeError::Runtime("an answer does not serialise"))
    })
}

/// Refuses a request a browser sent from another origin: the kiosk is served by this worker, so its calls are
/// same-origin, and no cross-origin page may drive the API with a kiosk's stored device key.
fn check_cross_origin(request: &Request) -> Result<(), EdgeError> {
    let Some(origin) = header(request, "origin") else {
        return Ok(());
    };
    let url = request.url().map_err(|_| EdgeError::BadRequest)?;
    if crate::http_policy::same_origin(&origin, &url.origin().ascii_serialization()) {
        Ok(())
    } else {
        Err(EdgeError::CrossOrigin)
    }
}

/// `POST /api/v1/challenge`.
pub async fn challenge_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, UseCase::Challenge, None).await
}

/// `POST /api/v1/session`.
pub async fn session_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, UseCase::Session, None).await
}

/// `POST /api/v1/qualification`.
pub async fn qualification_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, UseCase::Qualification, None).await
}

/// `POST /api/v1/devices/enrol`.
pub async fn enrol_route(request: Request, context: RouteContext<()>) -> worker::Result<Response> {
    run(request, &context.env, UseCase::Enrol, None).await
}

/// `POST /api/v1/admin/enrolment-codes`.
pub async fn enrolment_code_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, UseCase::IssueEnrolmentCode, None).await
}

/// `POST /api/v1/admin/devices/:id/revoke`.
pub async fn revoke_device_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    let device = context.param("id").cloned();
    run(request, &context.env, UseCase::RevokeDevice, device).await
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
