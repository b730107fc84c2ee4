//! [`EdgePorts`] for workerd: WebCrypto randomness, the `ChallengeStore` Durable Object and `fetch` to the
//! origin with a timeout.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::{Either, select};
use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::js_sys;
use worker::{
    AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
    Response,
};

use super::challenge_store::{STORE_PATH, StoreCall, USE_PATH, UseCall};
use crate::challenge::{ChallengeId, IssuedChallenge, StoredChallenge};
use crate::error::EdgeError;
use crate::proxy::{OriginOutcome, OriginRequest};
use crate::service::EdgePorts;

/// Binding name of the `ChallengeStore` Durable Object namespace.
const CHALLENGES_BINDING: &str = "CHALLENGES";
/// Base URL of calls to the store; the host is never resolved, the stub routes by path only.
const STORE_URL: &str = "https://challenge-store.internal";

/// The runtime's ports, borrowed for one request.
pub struct WorkerPorts<'a> {
    env: &'a Env,
}

impl<'a> WorkerPorts<'a> {
    pub fn new(env: &'a Env) -> Self {
        Self { env }
    }

    async fn call_store<B: Serialize, A: DeserializeOwned>(
        &self,
        id: &ChallengeId,
        path: &str,
        body: &B,
    ) -> Result<A, EdgeError> {
        let failed = |_| EdgeError::Runtime("challenge store call failed");
        let stub = self
            .env
            .durable_object(CHALLENGES_BINDING)
            .map_err(|_| EdgeError::Config("the CHALLENGES Durable Object binding is missing"))?
            .id_from_name(&id.shard_name())
            .and_then(|object| object.get_stub())
            .map_err(failed)?;
        let body = serde_json::to_string(body)
            .map_err(|_| EdgeError::Runtime("store call does not serialise"))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let request =
            Request::new_with_init(&format!("{STORE_URL}{path}"), &init).map_err(failed)?;
        let mut response = stub.fetch_with_request(request).await.map_err(failed)?;
        if response.status_code() != 200 {
            return Err(EdgeError::Runtime("challenge store refused a call"));
        }
        response.json().await.map_err(failed)
    }
}

impl EdgePorts for WorkerPorts<'_> {
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), EdgeError> {
        getrandom::fill(buffer).map_err(|_| EdgeError::Runtime("the random source failed"))
    }

    async fn store_challenge(
        &self,
        challenge: &IssuedChallenge,
        now_unix: i64,
    ) -> Result<(), EdgeError> {
        let call = StoreCall {
            id: challenge.id.as_str().to_owned(),
            challenge: URL_SAFE_NO_PAD.encode(challenge.challenge),
            expires_at: challenge.expires_at,
            forget_after: challenge.forget_after(),
            now: now_unix,
        };
        let _: serde_json::Value = self.call_store(&challenge.id, STORE_PATH, &call).await?;
        Ok(())
    }

    async fn count_challenge_use(
        &self,
        id: &ChallengeId,
        now_unix: i64,
    ) -> Result<Option<StoredChallenge>, EdgeError> {
        let call = UseCall {
            id: id.as_str().to_owned(),
            now: now_unix,
        };
        self.call_store(id, USE_PATH, &call).await
    }

    async fn send_to_origin(&self, request: OriginRequest, timeout_ms: u32) -> OriginOutcome {
        let Ok(outgoing) = build_fetch_request(&request) else {
            return OriginOutcome::Unreachable;
        };
        let controller = AbortController::default();
        let signal = controller.signal();
        // Bound to a variable first: the future borrows it.
        let fetch = Fetch::Request(outgoing);
        let exchange = async {
            let mut response: Response = fetch.send_with_signal(&signal).await.map_err(|_| ())?;
            let status = response.status_code();
            // A body that breaks off mid-way is as useless as a garbled one.
            let body = response.bytes().await.unwrap_or_default();
            Ok::<_, ()>(OriginOutcome::Answered { status, body })
        };
        futures::pin_mut!(exchange);
        let deadline = Delay::from(Duration::from_millis(u64::from(timeout_ms)));
        match select(exchange, deadline).await {
            Either::Left((Ok(outcome), _)) => outcome,
            Either::Left((Err(()), _)) => OriginOutcome::Unreachable,
            Either::Right(((), _)) => {
                controller.abort();
                OriginOutcome::TimedOut
            }
        }
    }
}

fn build_fetch_request(request: &OriginRequest) -> worker::Result<Request> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let body = js_sys::Uint8Array::from(request.body.as_slice());
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()))
        // A redirect from the origin is an error, never something to follow with a signed request.
        .with_redirect(RequestRedirect::Manual);
    Request::new_with_init(&request.url, &init)
}
