//! # onshi-edge — the edge worker
//!
//! Layer: the edge tier, run in workerd (Cloudflare Workers runtime) through workers-rs. It issues single-use
//! challenges, verifies a My Number card's 利用者証明用 certificate and its signature over a challenge, checks
//! revocation with the origin, mints short-lived sessions, proxies qualification queries to the origin with its
//! own request signature, and serves the kiosk's static files with security headers.
//!
//! Must not: store or log personal data (certificates and answers pass through, never rest here); forward the
//! kiosk's credentials to the origin; let internal detail reach a response body (only
//! [`onshi_proto::ApiError`]); read a clock or a random source outside the thin `worker` adapter.
//!
//! Layout: the pure modules ([`challenge`], [`cardauth`], [`session`], [`proxy`], [`http_policy`], [`config`],
//! [`service`]) know nothing of the runtime and are tested natively. The adapter (`#[event(fetch)]`, the router,
//! the `ChallengeStore` Durable Object and the origin `fetch`) exists only in the `wasm32` build.
#![forbid(unsafe_code)]

pub mod cardauth;
pub mod challenge;
pub mod config;
pub mod error;
pub mod http_policy;
pub mod proxy;
pub mod secret;
pub mod service;
pub mod session;

#[cfg(target_arch = "wasm32")]
mod worker_adapter;

pub use error::EdgeError;

/// The worker's entry point: API paths go to the router, everything else to the static files.
#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
async fn fetch(
    request: worker::Request,
    env: worker::Env,
    _context: worker::Context,
) -> worker::Result<worker::Response> {
    if http_policy::is_api_path(&request.path()) {
        api_router().run(request, env).await
    } else {
        worker_adapter::serve_static(request, &env).await
    }
}

/// The API routes. A known path asked with another method, and any unknown API path, get a JSON `not_found`
/// rather than the router's plain-text answers.
#[cfg(target_arch = "wasm32")]
fn api_router<'a>() -> worker::Router<'a, ()> {
    use onshi_proto::api::{CHALLENGE_PATH, QUALIFICATION_PATH, SESSION_PATH};
    use worker_adapter::{
        challenge_route, health_route, not_found_route, qualification_route, session_route,
    };

    let mut router = worker::Router::new()
        .post_async(CHALLENGE_PATH, challenge_route)
        .post_async(SESSION_PATH, session_route)
        .post_async(QUALIFICATION_PATH, qualification_route)
        .get(http_policy::HEALTH_PATH, health_route);
    for path in [CHALLENGE_PATH, SESSION_PATH, QUALIFICATION_PATH] {
        router = router
            .get(path, not_found_route)
            .put(path, not_found_route)
            .patch(path, not_found_route);
        router = router.delete(path, not_found_route);
    }
    router
        .post(http_policy::HEALTH_PATH, not_found_route)
        .put(http_policy::HEALTH_PATH, not_found_route)
        .patch(http_policy::HEALTH_PATH, not_found_route)
        .delete(http_policy::HEALTH_PATH, not_found_route)
        .or_else_any_method("/api/*rest", not_found_route)
        .or_else_any_method("/api", not_found_route)
}
