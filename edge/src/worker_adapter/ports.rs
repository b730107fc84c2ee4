//! [`EdgePorts`] for workerd: WebCrypto randomness, the `EdgeStore` Durable Objects (a device's requests are checked
//! and counted, and its card challenges kept, by its facility's `EdgeStore`), the audit log (one JSON line per event
//! on the worker's log), WebCrypto for enrolling keys and `fetch` to the origin with a timeout.

use std::cell::Cell;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::{Either, select};
use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::js_sys;
use worker::{AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

use super::challenge_store::{CHALLENGE_STORE_PATH, CHALLENGE_USE_PATH, StoreCall, UseCall};
use super::challenge_store::{CHECK_WITH_CHALLENGE_PATH, CheckWithChallengeAnswer, CheckWithChallengeCall};
use super::edge_store::{BRIDGE_ASK_PATH, BRIDGE_LINK_ACCEPT_PATH, BRIDGE_LINK_OPEN_PATH, BridgeAskCall};
use super::edge_store::{BRIDGE_BULK_START_PATH, BRIDGE_BULK_STATUS_PATH, BulkStartCall, BulkStatusCall};
use super::edge_store::{
    BRIDGE_HEALTH_READ_PATH, BRIDGE_HEALTH_STORE_PATH, BridgeHealthCall, CODE_REDEEM_PATH, CODE_STORE_PATH, COUNT_PATH,
    CodeRedeemCall, CodeStoreCall, CountCall, DEVICE_CHECK_PATH, DEVICE_REVOKE_PATH, DEVICE_STORE_PATH, DeviceCall,
    STAFF_CHECK_PATH, STAFF_END_PATH, STAFF_OPEN_PATH, StaffEndCall, StaffOpenCall,
};
use super::petition_store::{
    PETITION_KEY_READ_PATH, PETITION_KEY_STORE_PATH, PETITION_QUEUE_PATH, PETITION_TAKE_PATH, QueueCall, TakeCall,
};
use super::webcrypto;
use crate::api::EdgePorts;
use crate::api::bridge::TerminalReply;
use crate::api::outage_relay::Queued;
use crate::api::staff_terminal_bulk::BulkJob;
use crate::audit::AuditEvent;
use crate::auth::challenge::{ChallengeId, IssuedChallenge, StoredChallenge};
use crate::auth::device::{DeviceCheck, DeviceCheckAnswer, DeviceId, DeviceRecord, facility_store_name};
use crate::auth::enrolment_code::{DeviceTerms, ENROLMENT_CODE_LIFETIME_SECS, StoredEnrolmentCode, code_store_name};
use crate::auth::ratelimit::{RateCounter, client_bucket_name};
use crate::auth::rsa_signature::RsaSha256Check;
use crate::auth::staff_session::{StaffCall, StaffCallAnswer, StoredStaffSession};
use crate::error::EdgeError;
use crate::proxy::{OriginOutcome, OriginRequest};
use crate::server_timing::ServerTiming;
use onshi_proto::answer_signing::ANSWER_SIGNATURE_HEADER;
use onshi_proto::bridge_health::BridgeHealth;
use onshi_proto::bridge_link::{LinkRequestId, ToBridge};
use onshi_proto::facility::FacilityCode;
use onshi_proto::petition::{P256PublicKey, QueuedPetition, SealedPetition};

/// Binding name of the `EdgeStore` Durable Object namespace.
const EDGE_STORE_BINDING: &str = "EDGE_STORE";
/// Base URL of calls to the store; the host is never resolved, the stub routes by path only.
const STORE_URL: &str = "https://challenge-store.internal";

/// The runtime's ports, borrowed for one request.
pub struct WorkerPorts<'a> {
    env: &'a Env,
    /// The time this request has waited on Durable Objects and on the origin so far (see [`ServerTiming`]).
    timing: Cell<ServerTiming>,
}

impl<'a> WorkerPorts<'a> {
    pub fn new(env: &'a Env) -> Self {
        Self { env, timing: Cell::new(ServerTiming::default()) }
    }

    /// What this request waited on so far; the caller fills in the whole request's time.
    pub fn timing(&self) -> ServerTiming {
        self.timing.get()
    }

    /// Runs `call` and counts its time as a wait on a store (`store`) or on the origin.
    async fn timed<T>(&self, store: bool, call: impl Future<Output = T>) -> T {
        let started = js_sys::Date::now();
        let result = call.await;
        let mut timing = self.timing.get();
        let waited = if store { &mut timing.store } else { &mut timing.origin };
        waited.add(js_sys::Date::now() - started);
        self.timing.set(timing);
        result
    }

    /// Calls the facility store of the device `device` (a device id as this edge issued it).
    async fn call_device_store<B: Serialize, A: DeserializeOwned>(
        &self,
        device: &str,
        path: &str,
        body: &B,
    ) -> Result<A, EdgeError> {
        let device = DeviceId::parse(device).map_err(|_| EdgeError::Runtime("a challenge names no device id"))?;
        self.call_object(EDGE_STORE_BINDING, &device.store_name(), path, body).await
    }

    async fn call_object<B: Serialize, A: DeserializeOwned>(
        &self,
        binding: &'static str,
        instance: &str,
        path: &str,
        body: &B,
    ) -> Result<A, EdgeError> {
        let failed = |_| EdgeError::Runtime("durable object call failed");
        let stub = self
            .env
            .durable_object(binding)
            .map_err(|_| EdgeError::Config("a Durable Object binding is missing"))?
            .id_from_name(instance)
            .and_then(|object| object.get_stub())
            .map_err(failed)?;
        let body = serde_json::to_string(body).map_err(|_| EdgeError::Runtime("store call does not serialise"))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let request = Request::new_with_init(&format!("{STORE_URL}{path}"), &init).map_err(failed)?;
        self.timed(true, async {
            let mut response = stub.fetch_with_request(request).await.map_err(failed)?;
            if response.status_code() != 200 {
                return Err(EdgeError::Runtime("a durable object refused a call"));
            }
            response.json().await.map_err(failed)
        })
        .await
    }

    /// Hands a bridge's authenticated WebSocket upgrade to its facility's store, which accepts it: the store's
    /// answer (`101` with the socket's client end) is the answer to the bridge.
    pub(super) async fn hand_link_to_store(&self, facility: &str) -> Result<Response, EdgeError> {
        let failed = |_| EdgeError::Runtime("durable object call failed");
        let stub = self
            .env
            .durable_object(EDGE_STORE_BINDING)
            .map_err(|_| EdgeError::Config("a Durable Object binding is missing"))?
            .id_from_name(&facility_store_name(facility))
            .and_then(|object| object.get_stub())
            .map_err(failed)?;
        let headers = Headers::new();
        headers.set("upgrade", "websocket").map_err(failed)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Get).with_headers(headers);
        let request =
            Request::new_with_init(&format!("{STORE_URL}{BRIDGE_LINK_ACCEPT_PATH}"), &init).map_err(failed)?;
        let response = stub.fetch_with_request(request).await.map_err(failed)?;
        if response.status_code() != 101 {
            return Err(EdgeError::Runtime("the facility's store did not accept the link"));
        }
        Ok(response)
    }
}

impl RsaSha256Check for WorkerPorts<'_> {
    async fn rsa_sha256_verifies(&self, spki_der: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, EdgeError> {
        webcrypto::rsa_sha256_verifies(spki_der, message, signature).await
    }
}

impl EdgePorts for WorkerPorts<'_> {
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), EdgeError> {
        getrandom::fill(buffer).map_err(|_| EdgeError::Runtime("the random source failed"))
    }

    async fn p256_key_is_valid(&self, spki_der: &[u8]) -> Result<bool, EdgeError> {
        Ok(webcrypto::p256_key_is_valid(spki_der).await)
    }

    fn audit(&self, event: &AuditEvent) {
        worker::console_log!("{}", event.to_json());
    }

    fn warn(&self, message: &str) {
        worker::console_warn!("{message}");
    }

    async fn store_enrolment_code(
        &self,
        lookup_key: &str,
        facility_code: &FacilityCode,
        terms: &DeviceTerms,
        expires_at: i64,
        now_unix: i64,
    ) -> Result<(), EdgeError> {
        let call = CodeStoreCall {
            lookup_key: lookup_key.to_owned(),
            facility_code: facility_code.as_str().to_owned(),
            terms: terms.clone(),
            expires_at,
            forget_after: expires_at.saturating_add(ENROLMENT_CODE_LIFETIME_SECS),
            now: now_unix,
        };
        let _: bool =
            self.call_object(EDGE_STORE_BINDING, &code_store_name(lookup_key), CODE_STORE_PATH, &call).await?;
        Ok(())
    }

    async fn redeem_enrolment_code(
        &self,
        lookup_key: &str,
        now_unix: i64,
    ) -> Result<Option<StoredEnrolmentCode>, EdgeError> {
        let call = CodeRedeemCall { lookup_key: lookup_key.to_owned(), now: now_unix };
        self.call_object(EDGE_STORE_BINDING, &code_store_name(lookup_key), CODE_REDEEM_PATH, &call).await
    }

    async fn store_device(&self, record: &DeviceRecord) -> Result<(), EdgeError> {
        let _: bool =
            self.call_object(EDGE_STORE_BINDING, &record.device_id.store_name(), DEVICE_STORE_PATH, record).await?;
        Ok(())
    }

    async fn count_client_attempt(&self, counter: &RateCounter, now_unix: i64) -> Result<u32, EdgeError> {
        let call = CountCall { counter: counter.clone(), now: now_unix };
        self.call_object(EDGE_STORE_BINDING, &client_bucket_name(&counter.name), COUNT_PATH, &call).await
    }

    async fn open_staff_session(
        &self,
        facility: &str,
        staff: &str,
        record: &StoredStaffSession,
    ) -> Result<(), EdgeError> {
        let call = StaffOpenCall { staff: staff.to_owned(), record: *record };
        let _: bool =
            self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), STAFF_OPEN_PATH, &call).await?;
        Ok(())
    }

    async fn check_staff_call(&self, facility: &str, call: &StaffCall) -> Result<StaffCallAnswer, EdgeError> {
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), STAFF_CHECK_PATH, call).await
    }

    async fn end_staff_session(&self, facility: &str, staff: &str) -> Result<bool, EdgeError> {
        let call = StaffEndCall { staff: staff.to_owned() };
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), STAFF_END_PATH, &call).await
    }

    async fn store_bridge_health(&self, facility: &str, health: &BridgeHealth, now_unix: i64) -> Result<(), EdgeError> {
        let call = BridgeHealthCall { health: health.clone(), reported_at: now_unix };
        let _: bool = self
            .call_object(EDGE_STORE_BINDING, &facility_store_name(facility), BRIDGE_HEALTH_STORE_PATH, &call)
            .await?;
        Ok(())
    }

    async fn bridge_health(&self, facility: &str) -> Result<Option<(BridgeHealth, i64)>, EdgeError> {
        let stored: Option<BridgeHealthCall> =
            self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), BRIDGE_HEALTH_READ_PATH, &()).await?;
        Ok(stored.map(|call| (call.health, call.reported_at)))
    }

    async fn store_petition_key(&self, facility: &str, key: &P256PublicKey) -> Result<(), EdgeError> {
        let _: bool =
            self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), PETITION_KEY_STORE_PATH, key).await?;
        Ok(())
    }

    async fn petition_key(&self, facility: &str) -> Result<Option<P256PublicKey>, EdgeError> {
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), PETITION_KEY_READ_PATH, &()).await
    }

    async fn queue_petition(&self, facility: &str, sealed: &SealedPetition, now: i64) -> Result<Queued, EdgeError> {
        let call = QueueCall { sealed: sealed.clone(), now };
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), PETITION_QUEUE_PATH, &call).await
    }

    async fn take_petitions(&self, facility: &str, now: i64) -> Result<Vec<QueuedPetition>, EdgeError> {
        let call = TakeCall { now };
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), PETITION_TAKE_PATH, &call).await
    }

    async fn bridge_link_open(&self, facility: &str) -> Result<bool, EdgeError> {
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), BRIDGE_LINK_OPEN_PATH, &()).await
    }

    async fn ask_bridge(&self, facility: &str, request: &ToBridge, wait_ms: u32) -> Result<TerminalReply, EdgeError> {
        let call = BridgeAskCall { request: request.clone(), wait_ms };
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), BRIDGE_ASK_PATH, &call).await
    }

    async fn start_bulk(&self, facility: &str, request: &ToBridge, now_unix: i64) -> Result<bool, EdgeError> {
        let call = BulkStartCall { request: request.clone(), now: now_unix };
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), BRIDGE_BULK_START_PATH, &call).await
    }

    async fn bulk_status(
        &self,
        facility: &str,
        id: &LinkRequestId,
        forget_before: i64,
    ) -> Result<Option<BulkJob>, EdgeError> {
        let call = BulkStatusCall { id: id.clone(), forget_before };
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), BRIDGE_BULK_STATUS_PATH, &call).await
    }

    async fn count_in_facility(&self, facility: &str, counter: &RateCounter, now_unix: i64) -> Result<u32, EdgeError> {
        let call = CountCall { counter: counter.clone(), now: now_unix };
        self.call_object(EDGE_STORE_BINDING, &facility_store_name(facility), COUNT_PATH, &call).await
    }

    async fn check_device(&self, check: &DeviceCheck) -> Result<DeviceCheckAnswer, EdgeError> {
        self.call_object(EDGE_STORE_BINDING, &check.device_id.store_name(), DEVICE_CHECK_PATH, check).await
    }

    async fn revoke_device(&self, id: &DeviceId) -> Result<bool, EdgeError> {
        let call = DeviceCall { id: id.clone() };
        self.call_object(EDGE_STORE_BINDING, &id.store_name(), DEVICE_REVOKE_PATH, &call).await
    }

    async fn store_challenge(&self, challenge: &IssuedChallenge, _now_unix: i64) -> Result<(), EdgeError> {
        let call = StoreCall {
            id: challenge.id.as_str().to_owned(),
            challenge: URL_SAFE_NO_PAD.encode(challenge.challenge),
            expires_at: challenge.expires_at,
            forget_after: challenge.forget_after(),
            device: challenge.device.clone(),
            purpose: challenge.purpose.as_str().to_owned(),
        };
        let _: bool = self.call_device_store(&challenge.device, CHALLENGE_STORE_PATH, &call).await?;
        Ok(())
    }

    async fn count_challenge_use(
        &self,
        id: &ChallengeId,
        device: &str,
        _now_unix: i64,
    ) -> Result<Option<StoredChallenge>, EdgeError> {
        let call = UseCall { id: id.as_str().to_owned(), device: device.to_owned() };
        self.call_device_store(device, CHALLENGE_USE_PATH, &call).await
    }

    async fn check_device_using_challenge(
        &self,
        check: &DeviceCheck,
        id: &ChallengeId,
    ) -> Result<(DeviceCheckAnswer, Option<StoredChallenge>), EdgeError> {
        let call = CheckWithChallengeCall { check: check.clone(), challenge_id: id.as_str().to_owned() };
        let answer: CheckWithChallengeAnswer = self
            .call_object(EDGE_STORE_BINDING, &check.device_id.store_name(), CHECK_WITH_CHALLENGE_PATH, &call)
            .await?;
        Ok((answer.device, answer.challenge))
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
            let signature = response.headers().get(ANSWER_SIGNATURE_HEADER).ok().flatten();
            // A body that breaks off mid-way is as useless as a garbled one (and will not match its signature).
            let body = response.bytes().await.unwrap_or_default();
            Ok::<_, ()>(OriginOutcome::Answered { status, body, signature })
        };
        futures::pin_mut!(exchange);
        let deadline = Delay::from(Duration::from_millis(u64::from(timeout_ms)));
        match self.timed(false, select(exchange, deadline)).await {
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
    let mut init = RequestInit::new();
    if request.method == "GET" {
        // A fetch with a body may not be a GET: the insurer console's reads go without one.
        init.with_method(Method::Get);
    } else {
        let body = js_sys::Uint8Array::from(request.body.as_slice());
        init.with_method(Method::Post).with_body(Some(body.into()));
    }
    init.with_headers(headers)
        // A redirect from the origin is an error, never something to follow with a signed request.
        .with_redirect(RequestRedirect::Manual);
    Request::new_with_init(&request.url, &init)
}
