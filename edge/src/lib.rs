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
//! Layout: the pure modules ([`challenge`], [`cardauth`], [`session`], [`device`], [`ratelimit`], [`audit`],
//! [`admin`], [`proxy`], [`http_policy`], [`config`], [`service`], [`staff`]) know nothing of the runtime and are tested
//! natively. The adapter (`#[event(fetch)]`, the router, the `ChallengeStore` and `EdgeStore` Durable Objects, the
//! audit log and the origin `fetch`) exists only in the `wasm32` build.
#![forbid(unsafe_code)]

pub mod admin;
pub mod audit;
pub mod cardauth;
pub mod challenge;
pub mod config;
pub mod consent;
pub mod device;
pub mod error;
pub mod http_policy;
pub mod proxy;
pub mod ratelimit;
pub mod secret;
pub mod service;
pub mod session;
pub mod staff;
mod token;

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
    use onshi_proto::api::{
        ADMIN_ENROLMENT_CODES_PATH, CHALLENGE_PATH, ENROL_PATH, QUALIFICATION_PATH, SESSION_PATH,
    };
    use worker_adapter::{
        challenge_route, enrol_route, enrolment_code_route, health_route, not_found_route,
        qualification_route, revoke_device_route, session_route,
    };
    const REVOKE_DEVICE_PATH: &str = "/api/v1/admin/devices/:id/revoke";

    let mut router = worker::Router::new()
        .post_async(CHALLENGE_PATH, challenge_route)
        .post_async(SESSION_PATH, session_route)
        .post_async(QUALIFICATION_PATH, qualification_route)
        .post_async(ENROL_PATH, enrol_route)
        .post_async(ADMIN_ENROLMENT_CODES_PATH, enrolment_code_route)
        .post_async(REVOKE_DEVICE_PATH, revoke_device_route)
        .post_async(onshi_proto::api::CONSENT_PATH, worker_adapter::consent_route)
        .post_async(onshi_proto::api::REGISTRATION_PATH, worker_adapter::registration_route)
        .get(http_policy::HEALTH_PATH, health_route);
    router = staff_routes(router);
    for path in [
        CHALLENGE_PATH,
        SESSION_PATH,
        QUALIFICATION_PATH,
        ENROL_PATH,
        ADMIN_ENROLMENT_CODES_PATH,
        REVOKE_DEVICE_PATH,
    ] {
        router = router
            .get(path, not_found_route)
            .put(path, not_found_route)
            .patch(path, not_found_route);
        router = router.delete(path, not_found_route);
    }
    for path in STAFF_POST_PATHS {
        router = router
            .get(path, not_found_route)
            .put(path, not_found_route)
            .patch(path, not_found_route)
            .delete(path, not_found_route);
    }
    router = router
        .post(onshi_proto::api::STAFF_CHECKINS_PATH, not_found_route)
        .put(onshi_proto::api::STAFF_CHECKINS_PATH, not_found_route)
        .patch(onshi_proto::api::STAFF_CHECKINS_PATH, not_found_route)
        .delete(onshi_proto::api::STAFF_CHECKINS_PATH, not_found_route);
    router
        .post(http_policy::HEALTH_PATH, not_found_route)
        .put(http_policy::HEALTH_PATH, not_found_route)
        .patch(http_policy::HEALTH_PATH, not_found_route)
        .delete(http_policy::HEALTH_PATH, not_found_route)
        .or_else_any_method("/api/*rest", not_found_route)
        .or_else_any_method("/api", not_found_route)
}

/// The staff console's POST routes and the kiosk's visual-check routes.
#[cfg(target_arch = "wasm32")]
const STAFF_POST_PATHS: [&str; 6] = [
    onshi_proto::api::ADMIN_STAFF_CODES_PATH,
    onshi_proto::api::STAFF_LOGIN_PATH,
    onshi_proto::api::STAFF_BY_NUMBER_PATH,
    onshi_proto::api::STAFF_VISUAL_CHECK_DECISION_PATH,
    onshi_proto::api::VISUAL_CHECK_PATH,
    onshi_proto::api::VISUAL_CHECK_STATUS_PATH,
];

/// Adds the staff console's routes and the kiosk's visual-check routes (see [`staff`]).
#[cfg(target_arch = "wasm32")]
fn staff_routes(router: worker::Router<'_, ()>) -> worker::Router<'_, ()> {
    use onshi_proto::api::{
        ADMIN_STAFF_CODES_PATH, STAFF_BY_NUMBER_PATH, STAFF_CHECKINS_PATH, STAFF_LOGIN_PATH,
        STAFF_VISUAL_CHECK_DECISION_PATH, VISUAL_CHECK_PATH, VISUAL_CHECK_STATUS_PATH,
    };
    use worker_adapter::{
        staff_by_number_route, staff_checkins_route, staff_code_route, staff_decision_route,
        staff_login_route, visual_check_route, visual_check_status_route,
    };
    router
        .post_async(ADMIN_STAFF_CODES_PATH, staff_code_route)
        .post_async(STAFF_LOGIN_PATH, staff_login_route)
        .get_async(STAFF_CHECKINS_PATH, staff_checkins_route)
        .post_async(STAFF_BY_NUMBER_PATH, staff_by_number_route)
        .post_async(STAFF_VISUAL_CHECK_DECISION_PATH, staff_decision_route)
        .post_async(VISUAL_CHECK_PATH, visual_check_route)
        .post_async(VISUAL_CHECK_STATUS_PATH, visual_check_status_route)
}
