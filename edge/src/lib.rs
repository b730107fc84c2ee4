//! # onshi-edge — the edge worker
//!
//! Layer: the edge tier, run in workerd (Cloudflare Workers runtime) through workers-rs. It enrols kiosk devices
//! with one-time codes and checks a device proof on every call, rate-limits devices and facilities, issues single-use
//! challenges, verifies a My Number card's 利用者証明用 certificate and its signature over a challenge, checks
//! revocation with the origin, mints short-lived sessions, proxies qualification queries to the origin with its
//! own request signature, and serves the kiosk's static files with security headers.
//!
//! Must not: store or log personal data (certificates and answers pass through, never rest here); forward the
//! kiosk's credentials to the origin; let internal detail reach a response body (only
//! [`onshi_proto::ApiError`]); read a clock or a random source outside the thin `worker` adapter.
//!
//! Layout: the pure modules know nothing of the runtime and are tested natively: [`auth`] holds the rules (card
//! authentication, challenges, devices, one-time codes, card and staff sessions, the admin credential, rate
//! limits), [`api`] the use cases over [`api::EdgePorts`], one file per audience, and beside them [`routes`],
//! [`config`], [`proxy`], [`audit`], [`http_policy`], [`server_timing`], [`error`] and [`secret`]. The adapter (`#[event(fetch)]`, the
//! API handler, the `EdgeStore` Durable Object, the audit log and the origin `fetch`) exists
//! only in the `wasm32` build.
#![forbid(unsafe_code)]

pub mod api;
pub mod audit;
pub mod auth;
pub mod config;
pub mod error;
pub mod http_policy;
pub mod proxy;
pub mod routes;
pub mod secret;
pub mod server_timing;

#[cfg(target_arch = "wasm32")]
mod worker_adapter;

pub use error::EdgeError;

/// The worker's entry point: API paths go to the one API handler (routes in [`routes`]), everything else to the
/// static files.
#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
async fn fetch(
    request: worker::Request,
    env: worker::Env,
    _context: worker::Context,
) -> worker::Result<worker::Response> {
    if http_policy::is_api_path(&request.path()) {
        worker_adapter::handle_api(request, &env).await
    } else {
        worker_adapter::serve_static(request, &env).await
    }
}
