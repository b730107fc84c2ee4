//! The workers-rs adapter: request and response plumbing (one API handler over [`crate::routes`], CORS for the
//! configured kiosk origins), static files, the `EdgeStore` Durable Object (with its parts `challenge_store.rs`
//! and `petition_store.rs`), the origin `fetch`, and a development edge's `Server-Timing`
//! ([`crate::server_timing`]). Everything here is thin; decisions are made in the pure modules.

mod challenge_store;
mod edge_store;
mod petition_store;
mod ports;
mod webcrypto;

use futures::StreamExt as _;
use worker::{Env, Headers, Request, Response, ResponseBuilder, js_sys};

use crate::api::{ApiRequest, EdgeApi};
use crate::auth::device::DeviceProofHeaders;
use crate::config::EdgeConfig;
use crate::error::EdgeError;
use crate::http_policy::{
    API_RESPONSE_HEADERS, BodyCollector, CorsVerdict, STATIC_RESPONSE_HEADERS, check_declared_length_within,
    cors_headers,
};
use crate::proxy::forwardable_headers;
use crate::routes::{UseCase, route};
use crate::server_timing::{SERVER_TIMING_HEADER, ServerTiming};
use onshi_proto::api::{DEVICE_ID_HEADER, DEVICE_NONCE_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIME_HEADER};

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

/// Every API answer goes through here: a JSON body (already serialised, or the error's stable code; an empty one
/// is [`crate::api::NO_CONTENT`], sent as 204), the API headers, and the CORS headers when an allowed kiosk
/// origin asked.
fn respond(result: Result<Vec<u8>, EdgeError>, cors: &CorsVerdict) -> worker::Result<Response> {
    let (status, body) = match result {
        Ok(body) if body.is_empty() => (204, body),
        Ok(body) => (200, body),
        Err(error) => {
            if error.http_status() >= 500 {
                // The error's text names the failing step and never carries personal data.
                worker::console_error!("onshi-edge: {error}");
            }
            let body = serde_json::to_vec(&error.to_api_error())
                .map_err(|error| worker::Error::RustError(error.to_string()))?;
            (error.http_status(), body)
        }
    };
    let headers = Headers::new();
    for (name, value) in API_RESPONSE_HEADERS {
        headers.set(name, value)?;
    }
    if let CorsVerdict::Allowed(origin) = cors {
        for (name, value) in cors_headers(origin, false) {
            headers.set(name, &value)?;
        }
    }
    let builder = ResponseBuilder::new().with_status(status).with_headers(headers);
    // A 204 must have no body at all: the Fetch API refuses even an empty one on a null-body status.
    Ok(if body.is_empty() { builder.empty() } else { builder.fixed(body) })
}

/// Reads the request body within the limits of [`BodyCollector`].
async fn read_body(request: &mut Request, limit: usize) -> Result<Vec<u8>, EdgeError> {
    let declared = request.headers().get("content-length").map_err(|_| EdgeError::BadRequest)?;
    check_declared_length_within(declared.as_deref(), limit)?;
    if request.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = request.stream().map_err(|_| EdgeError::Runtime("request body is not readable"))?;
    let mut collector = BodyCollector::within(limit);
    while let Some(chunk) = stream.next().await {
        collector.push(&chunk.map_err(|_| EdgeError::BadRequest)?)?;
    }
    collector.finish()
}

fn header(request: &Request, name: &str) -> Option<String> {
    request.headers().get(name).ok().flatten()
}

/// Judges the browser's `Origin`: the edge's own and the configured kiosk origins pass, any other is refused, so
/// that no page of another origin can drive the API with a kiosk's stored device key.
fn judge_origin(request: &Request, config: &EdgeConfig) -> Result<CorsVerdict, EdgeError> {
    let url = request.url().map_err(|_| EdgeError::BadRequest)?;
    config.kiosk_origins.judge(header(request, "origin").as_deref(), &url.origin().ascii_serialization())
}

/// Every API request: the configuration, the origin check, the route, the body within limits, the use case.
pub async fn handle_api(mut request: Request, env: &Env) -> worker::Result<Response> {
    let config = match load_config(env) {
        Ok(config) => config,
        Err(error) => return respond(Err(error), &CorsVerdict::SameOrigin),
    };
    let cors = match judge_origin(&request, &config) {
        Ok(cors) => cors,
        Err(error) => return respond(Err(error), &CorsVerdict::SameOrigin),
    };
    let method = request.method().to_string();
    let path = request.path();
    if method == "OPTIONS" {
        return preflight(&request, &path, &cors);
    }
    let Some(use_case) = route(&method, &path) else {
        return respond(Err(EdgeError::NotFound), &cors);
    };
    if use_case == UseCase::BridgeLink {
        return match open_bridge_link(&request, env, &config, &path).await {
            Ok(response) => Ok(response),
            Err(error) => respond(Err(error), &cors),
        };
    }
    let started_ms = js_sys::Date::now();
    let ports = WorkerPorts::new(env);
    let result = async {
        let body = read_body(&mut request, use_case.body_limit()).await?;
        let authorization = header(&request, "authorization");
        // Set by Cloudflare's front (and by Miniflare when absent); a client cannot choose it in production.
        let client = header(&request, "cf-connecting-ip");
        let api_request = ApiRequest {
            method: &method,
            path: &path,
            body: &body,
            authorization: authorization.as_deref(),
            device_proof: DeviceProofHeaders {
                device_id: header(&request, DEVICE_ID_HEADER),
                timestamp: header(&request, DEVICE_TIME_HEADER),
                nonce: header(&request, DEVICE_NONCE_HEADER),
                signature: header(&request, DEVICE_SIGNATURE_HEADER),
            },
            forwarded: forwardable_headers(request.headers().entries()),
            client: client.as_deref(),
            now_unix: now_unix(),
        };
        EdgeApi::new(&config, &ports).handle(&use_case, &api_request).await
    }
    .await;
    let mut response = respond(result, &cors)?;
    if ServerTiming::shown_in(config.environment) {
        let mut timing = ports.timing();
        timing.total_ms = js_sys::Date::now() - started_ms;
        response.headers_mut().set(SERVER_TIMING_HEADER, &timing.header_value())?;
    }
    Ok(response)
}

/// A bridge's WebSocket upgrade: a real upgrade request, its device proof checked by the use case (which writes the
/// audit event), then handed to the facility's store, whose `101` goes back as it is.
async fn open_bridge_link(
    request: &Request,
    env: &Env,
    config: &EdgeConfig,
    path: &str,
) -> Result<Response, EdgeError> {
    let upgrade = header(request, "upgrade").unwrap_or_default();
    let body_declared = header(request, "content-length").is_some_and(|length| length != "0");
    if !upgrade.eq_ignore_ascii_case("websocket") || body_declared {
        return Err(EdgeError::BadRequest);
    }
    let client = header(request, "cf-connecting-ip");
    let api_request = ApiRequest {
        method: "GET",
        path,
        body: &[],
        authorization: None,
        device_proof: DeviceProofHeaders {
            device_id: header(request, DEVICE_ID_HEADER),
            timestamp: header(request, DEVICE_TIME_HEADER),
            nonce: header(request, DEVICE_NONCE_HEADER),
            signature: header(request, DEVICE_SIGNATURE_HEADER),
        },
        forwarded: Vec::new(),
        client: client.as_deref(),
        now_unix: now_unix(),
    };
    let ports = WorkerPorts::new(env);
    let facility = EdgeApi::new(config, &ports).open_bridge_link(&api_request).await?;
    ports.hand_link_to_store(facility.as_str()).await
}

/// A CORS preflight: answered only for an allowed kiosk origin asking for a method the path serves. Everything
/// else is the JSON `not_found` every unknown route gets, without CORS headers, so the browser stops there.
fn preflight(request: &Request, path: &str, cors: &CorsVerdict) -> worker::Result<Response> {
    let CorsVerdict::Allowed(origin) = cors else {
        return respond(Err(EdgeError::NotFound), &CorsVerdict::SameOrigin);
    };
    let asked = header(request, "access-control-request-method").unwrap_or_default();
    if route(&asked, path).is_none() {
        return respond(Err(EdgeError::NotFound), &CorsVerdict::SameOrigin);
    }
    let headers = Headers::new();
    for (name, value) in API_RESPONSE_HEADERS {
        headers.set(name, value)?;
    }
    for (name, value) in cors_headers(origin, true) {
        headers.set(name, &value)?;
    }
    Ok(ResponseBuilder::new().with_status(204).with_headers(headers).empty())
}

/// Serves a static file from the assets binding, adding the kiosk's security headers.
pub async fn serve_static(request: Request, env: &Env) -> worker::Result<Response> {
    let assets = match env.assets(ASSETS_BINDING) {
        Ok(assets) => assets,
        Err(_) => return respond(Err(EdgeError::NotFound), &CorsVerdict::SameOrigin),
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
    Ok(ResponseBuilder::new().with_status(status).with_headers(headers).body(body))
}
