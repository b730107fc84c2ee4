//! The API: the use cases, written against [`EdgePorts`] so that they run unchanged in workerd (Durable Objects,
//! `fetch`, WebCrypto randomness) and in native tests (in-memory fakes).
//!
//! Layer: the edge's use cases, over the pure rules of [`crate::auth`]. This file holds what every use case shares
//! ([`EdgeApi`], [`EdgePorts`], [`ApiRequest`], the `audited` wrapper, the device and card-session checks and the
//! origin call); the use cases themselves live one file per audience: [`access_log`] (the card holder's own
//! access log), [`admin`] (the admin credential and the
//! operator's facility admin credentials), [`card`] (the kiosk's check-in), [`device`] (enrolment and the admin's
//! device routes), [`bridge`] (the national reader's results from the facility's bridge), [`consent`], [`registration`], [`staff`] (the staff console), [`insurer`] (an insurer's console) and
//! [`visual_check`] (the kiosk's 目視). Must not: do I/O or read a clock of its own (everything outside comes
//! through [`EdgePorts`] and [`ApiRequest`]), or end a use case without its audit event.
//!
//! Every card call is made by an enrolled device: its proof is checked and its requests (and its facility's) are
//! counted before anything else. Every use case runs inside `EdgeApi::audited`, which ends it with one audit event
//! through [`EdgePorts::audit`]; [`EdgeApi::handle`] is the one entry the adapter calls, with the use case
//! [`crate::routes::route`] found.

pub mod access_log;
pub mod admin;
pub mod bridge;
pub mod card;
pub mod consent;
pub mod device;
pub mod insurer;
pub mod outage_relay;
pub mod registration;
pub mod staff;
pub mod staff_bridge_settle;
pub mod staff_terminal;
pub mod staff_terminal_bulk;
pub mod staff_terminal_reference;
pub mod visual_check;
pub mod withdrawal;

use onshi_proto::api::DeviceRole;
use onshi_proto::bridge_health::BridgeHealth;
use onshi_proto::facility::FacilityCode;
use onshi_proto::origin::{
    CERTIFICATE_STATUS_PATH, CertificateRef, CertificateStatus, CertificateStatusAnswer, CertificateStatusQuery,
};
use onshi_proto::petition::{P256PublicKey, QueuedPetition, SealedPetition};

use crate::audit::{AuditAction, AuditEvent};
use crate::auth::challenge::{ChallengeId, IssuedChallenge, StoredChallenge};
use crate::auth::device::{
    AuthenticatedDevice, DeviceCheck, DeviceCheckAnswer, DeviceId, DeviceProofHeaders, DeviceRecord, SignedRequest,
};
use crate::auth::enrolment_code::{CodeKind, DeviceTerms, EnrolmentCode, StoredEnrolmentCode};
use crate::auth::ratelimit::{RateCounter, RateScope, client_key};
use crate::auth::rsa_signature::RsaSha256Check;
use crate::auth::session::{SessionClaims, bearer_token};
use crate::auth::staff_session::{StaffCall, StaffCallAnswer, StoredStaffSession};
use crate::config::EdgeConfig;
use crate::error::EdgeError;
use crate::proxy::{NONCE_RANDOM_LEN, OriginOutcome, OriginRequest, interpret_outcome};
use crate::routes::UseCase;

/// True for outcomes where a read may be tried again: nothing reached the origin, or it said it is unavailable.
pub(crate) fn is_retryable(outcome: &OriginOutcome) -> bool {
    matches!(outcome, OriginOutcome::Unreachable | OriginOutcome::Answered { status: 503, .. })
}

/// The health answer: the worker runs and its configuration is complete. Says nothing about the origin.
#[derive(serde::Serialize)]
struct HealthAnswer {
    status: &'static str,
}

/// The body of an answer that has nothing to say beyond its success: the adapter sends it as `204 No Content`.
pub const NO_CONTENT: Vec<u8> = Vec::new();

/// An answer serialised once, straight to the response body.
fn json_body<T: serde::Serialize>(result: Result<T, EdgeError>) -> Result<Vec<u8>, EdgeError> {
    serde_json::to_vec(&result?).map_err(|_| EdgeError::Runtime("an answer does not serialise"))
}

/// The outside world, as the use cases need it; a card's signatures are checked through it too.
#[allow(async_fn_in_trait)] // The worker runs on one thread; its futures are not `Send` and need not be.
pub trait EdgePorts: RsaSha256Check {
    /// Fills `buffer` from a cryptographically secure random source.
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), EdgeError>;

    /// True when `spki_der` imports as an ECDSA P-256 public key (the point lies on the curve).
    async fn p256_key_is_valid(&self, spki_der: &[u8]) -> Result<bool, EdgeError>;

    /// Writes one audit event (a JSON line) to the audit log.
    fn audit(&self, event: &AuditEvent);

    /// Writes one warning line to the operator's log: a setting that weakens a check has let a request through.
    fn warn(&self, message: &str);

    /// Remembers a newly issued challenge until [`IssuedChallenge::forget_after`].
    async fn store_challenge(&self, challenge: &IssuedChallenge, now_unix: i64) -> Result<(), EdgeError>;

    /// Counts one more use of a challenge by `device`, atomically, and returns the record as it is after counting;
    /// `None` when the id is not stored for that device, so another device can neither see nor burn it.
    async fn count_challenge_use(
        &self,
        id: &ChallengeId,
        device: &str,
        now_unix: i64,
    ) -> Result<Option<StoredChallenge>, EdgeError>;

    /// Remembers an enrolment code (by its lookup key), with what the admin said of the device it will enrol,
    /// until some time after `expires_at`.
    async fn store_enrolment_code(
        &self,
        lookup_key: &str,
        facility_code: &FacilityCode,
        terms: &DeviceTerms,
        expires_at: i64,
        now_unix: i64,
    ) -> Result<(), EdgeError>;

    /// Counts one redemption attempt of a code, atomically, and returns the record after counting; `None` when
    /// no such code is stored.
    async fn redeem_enrolment_code(
        &self,
        lookup_key: &str,
        now_unix: i64,
    ) -> Result<Option<StoredEnrolmentCode>, EdgeError>;

    /// Stores a newly enrolled device.
    async fn store_device(&self, record: &DeviceRecord) -> Result<(), EdgeError>;

    /// Marks a device revoked for good; false when it was never enrolled.
    async fn revoke_device(&self, id: &DeviceId) -> Result<bool, EdgeError>;

    /// Counts one unauthenticated attempt on a client's counter, in the store of the counter's bucket
    /// ([`crate::auth::ratelimit::client_bucket_name`]), and returns the count after counting.
    async fn count_client_attempt(&self, counter: &RateCounter, now_unix: i64) -> Result<u32, EdgeError>;

    /// Opens a staff session in its facility's store.
    async fn open_staff_session(
        &self,
        facility: &str,
        staff: &str,
        record: &StoredStaffSession,
    ) -> Result<(), EdgeError>;

    /// Checks one staff call in its facility's store: finds and judges the session
    /// ([`crate::auth::staff_session::judge_staff_session`]) and, when it is open, marks it seen and counts.
    async fn check_staff_call(&self, facility: &str, call: &StaffCall) -> Result<StaffCallAnswer, EdgeError>;

    /// Ends a staff session (logout); false when it was not open.
    async fn end_staff_session(&self, facility: &str, staff: &str) -> Result<bool, EdgeError>;

    /// Keeps the latest health report of the facility's bridge (nothing personal) in the facility's store, in place
    /// of the one before.
    async fn store_bridge_health(&self, facility: &str, health: &BridgeHealth, now_unix: i64) -> Result<(), EdgeError>;

    /// The latest health report of the facility's bridge and when it came; `None` when no bridge ever reported.
    async fn bridge_health(&self, facility: &str) -> Result<Option<(BridgeHealth, i64)>, EdgeError>;

    /// True when the facility's bridge holds its link to the facility's store open.
    async fn bridge_link_open(&self, facility: &str) -> Result<bool, EdgeError>;

    /// Hands `request` to the facility's bridge over its link and waits at most `wait_ms` for its outcome. The
    /// store keeps the request in memory only while it waits.
    async fn ask_bridge(
        &self,
        facility: &str,
        request: &onshi_proto::bridge_link::ToBridge,
        wait_ms: u32,
    ) -> Result<bridge::TerminalReply, EdgeError>;

    /// Hands a bulk pre-check to the facility's bridge over its link and returns at once: false when no link is
    /// open (nothing is kept). The store keeps the request in memory, sending it again on a newer link until the
    /// bridge acknowledges it, and then its outcome until [`Self::bulk_status`] reads it.
    async fn start_bulk(
        &self,
        facility: &str,
        request: &onshi_proto::bridge_link::ToBridge,
        now_unix: i64,
    ) -> Result<bool, EdgeError>;

    /// What the facility's store holds of the bulk pre-check `id`; an ended one is handed over once and forgotten,
    /// and so is every one handed to the bridge before `forget_before` (after this one is read).
    async fn bulk_status(
        &self,
        facility: &str,
        id: &onshi_proto::bridge_link::LinkRequestId,
        forget_before: i64,
    ) -> Result<Option<staff_terminal_bulk::BulkJob>, EdgeError>;

    /// Counts one by-number miss on a counter in the facility's store; the count after counting.
    async fn count_in_facility(&self, facility: &str, counter: &RateCounter, now_unix: i64) -> Result<u32, EdgeError>;

    /// Checks one device request in its facility's store and, when the proof holds, counts it on the device's and
    /// the facility's counters: [`crate::auth::device::check_and_count`], run where the records are, in one call.
    async fn check_device(&self, check: &DeviceCheck) -> Result<DeviceCheckAnswer, EdgeError>;
    /// [`Self::check_device`] for a request that answers the challenge `id`, and in the same call to the facility's
    /// store, only when the request was counted, [`Self::count_challenge_use`] of it by the request's device: one
    /// store round trip for the session's device check and its challenge (both live in the facility's store).
    async fn check_device_using_challenge(
        &self,
        check: &DeviceCheck,
        id: &ChallengeId,
    ) -> Result<(DeviceCheckAnswer, Option<StoredChallenge>), EdgeError>;

    /// Sends a request to the origin, giving up after `timeout_ms`.
    async fn send_to_origin(&self, request: OriginRequest, timeout_ms: u32) -> OriginOutcome;

    /// Keeps the facility's staff console key for 申立書 captures in the facility's store, in place of the one
    /// before.
    async fn store_petition_key(&self, facility: &str, key: &P256PublicKey) -> Result<(), EdgeError>;

    /// The facility's staff console key for 申立書 captures; `None` when no console published one.
    async fn petition_key(&self, facility: &str) -> Result<Option<P256PublicKey>, EdgeError>;

    /// Queues a sealed 申立書 capture in the facility's store, forgetting the expired ones first
    /// ([`onshi_proto::petition::expired_before`]) and keeping it only while the queue admits one more
    /// ([`onshi_proto::petition::queue_admits`]); a capture id already queued is kept once.
    async fn queue_petition(
        &self,
        facility: &str,
        sealed: &SealedPetition,
        now_unix: i64,
    ) -> Result<outage_relay::Queued, EdgeError>;

    /// Hands over every live capture queued for the facility, oldest first, forgetting them as it does.
    async fn take_petitions(&self, facility: &str, now_unix: i64) -> Result<Vec<QueuedPetition>, EdgeError>;
}

/// One API request, as the adapter read it.
#[derive(Clone, Debug)]
pub struct ApiRequest<'r> {
    /// HTTP method.
    pub method: &'r str,
    /// Path, without query.
    pub path: &'r str,
    /// Body bytes (already size-limited).
    pub body: &'r [u8],
    /// The `Authorization` header: a session token on card routes, an admin credential on admin routes.
    pub authorization: Option<&'r str>,
    /// The device proof headers.
    pub device_proof: DeviceProofHeaders,
    /// Allow-listed headers to pass to the origin.
    pub forwarded: Vec<(String, String)>,
    /// The client's address as the edge's front reports it (`CF-Connecting-IP`), when it does.
    pub client: Option<&'r str>,
    /// The clock, unix seconds.
    pub now_unix: i64,
}

impl ApiRequest<'_> {
    fn signed(&self) -> SignedRequest<'_> {
        SignedRequest { method: self.method, path: self.path, body: self.body }
    }
}

/// What an audit event will say beyond the outcome, filled in as the steps succeed.
#[derive(Debug, Default)]
pub(crate) struct AuditContext {
    pub(crate) device: Option<String>,
    pub(crate) facility: Option<String>,
    pub(crate) certificate: Option<String>,
    pub(crate) actor: Option<String>,
    pub(crate) request: Option<String>,
}

impl AuditContext {
    fn know_device(&mut self, device: &AuthenticatedDevice) {
        self.device = Some(device.device_id.as_str().to_owned());
        self.facility = Some(device.facility_code.as_str().to_owned());
    }
}

/// A value this edge made or stored itself (a device's facility and id, a staff session's ids), typed for the
/// origin's body. Such values were checked when they came in (enrolment, login), so a refusal here means the
/// stored state is corrupt: an internal error, never the caller's fault.
pub(crate) fn own<T: TryFrom<String>>(text: impl Into<String>) -> Result<T, EdgeError> {
    T::try_from(text.into()).map_err(|_| EdgeError::Runtime("a stored value no longer passes its own type"))
}

/// The edge's API, bound to a configuration and a set of ports.
#[derive(Debug)]
pub struct EdgeApi<'a, P> {
    pub(crate) config: &'a EdgeConfig,
    pub(crate) ports: &'a P,
}

impl<'a, P: EdgePorts> EdgeApi<'a, P> {
    /// Binds the API.
    pub fn new(config: &'a EdgeConfig, ports: &'a P) -> Self {
        Self { config, ports }
    }

    pub(crate) fn random<const N: usize>(&self) -> Result<[u8; N], EdgeError> {
        let mut bytes = [0_u8; N];
        self.ports.fill_random(&mut bytes)?;
        Ok(bytes)
    }

    /// Runs one use case and writes its audit event: the use case fills in `context` as its steps succeed, and
    /// the event carries the outcome, whatever it was.
    pub(crate) async fn audited<T>(
        &self,
        action: AuditAction,
        now_unix: i64,
        use_case: impl AsyncFnOnce(&mut AuditContext) -> Result<T, EdgeError>,
    ) -> Result<T, EdgeError> {
        let mut context = AuditContext::default();
        let result = use_case(&mut context).await;
        let mut event = AuditEvent::new(action, now_unix, &result);
        event.device = context.device;
        event.facility = context.facility;
        event.certificate = context.certificate;
        event.actor = context.actor;
        event.request = context.request;
        self.ports.audit(&event);
        result
    }

    /// The card session a request carries, checked: the device proof (and its rate limits), the token, and that
    /// the token was minted for this device. The card comes from the token only, never from a body.
    pub(crate) async fn card_session(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
    ) -> Result<(AuthenticatedDevice, SessionClaims), EdgeError> {
        let device = self.authenticate_device(request, context).await?;
        let claims = self.config.sessions.verify(bearer_token(request.authorization)?, request.now_unix)?;
        context.certificate = Some(self.config.audit_hasher.hash(&claims.certificate()));
        device.holds_token_of(&claims.device)?;
        Ok((device, claims))
    }

    /// Asks the origin (the J-LIS stand-in) for the certificate's revocation status and lets it pass as
    /// [`Self::let_status_pass`] says. A check-in that asks its qualification with the session asks the status
    /// together with it instead, in one call ([`onshi_proto::origin::STATUS_AND_QUALIFICATION_PATH`]), judged by the
    /// same rule.
    pub(crate) async fn refuse_if_revoked(
        &self,
        certificate: &CertificateRef,
        request: &ApiRequest<'_>,
    ) -> Result<(), EdgeError> {
        let status: CertificateStatusAnswer = self
            .call_origin(
                CERTIFICATE_STATUS_PATH,
                &CertificateStatusQuery { certificate: certificate.clone() },
                request.forwarded.clone(),
                request.now_unix,
            )
            .await?;
        self.let_status_pass(status.status)
    }

    /// The one rule for a card certificate's revocation status: only `good` passes. `revoked` is refused, and so is
    /// `unknown` (RFC 6960 treats it as not good; a card whose certificate the status service has never heard of
    /// must not open a session or reach the 目視 queue). With `REVOCATION_SOFT_FAIL=true` an operator lets `unknown`
    /// pass, and each such pass writes a warning.
    pub(crate) fn let_status_pass(&self, status: CertificateStatus) -> Result<(), EdgeError> {
        match status {
            CertificateStatus::Good => Ok(()),
            CertificateStatus::Revoked => Err(EdgeError::CertificateRevoked),
            CertificateStatus::Unknown if self.config.revocation_soft_fail => {
                // The certificate's identity stays out of the log, as in the audit events.
                self.ports.warn("REVOCATION_SOFT_FAIL: a card certificate whose status is unknown was let through");
                Ok(())
            }
            CertificateStatus::Unknown => Err(EdgeError::CertificateStatusUnknown),
        }
    }

    /// Calls the origin. A call that could not connect, or that the origin answered with 503, is tried once more
    /// with a fresh signature; a timeout is not retried, because the kiosk user has already waited the whole
    /// timeout. That is safe for the reads, and for the calls that write a check-in (a card's qualification, alone
    /// or with its status) too: nothing reached the origin when it could not connect, and the origin never answers
    /// 503 itself (its faults are 500s), so a 503 comes from in front of it, a balancer with no replica to hand the
    /// request to.
    pub(crate) async fn call_origin<T: serde::Serialize, A: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &T,
        forwarded: Vec<(String, String)>,
        now_unix: i64,
    ) -> Result<A, EdgeError> {
        let mut outcome = OriginOutcome::Unreachable;
        for _attempt in 0..2 {
            let nonce = self.random::<NONCE_RANDOM_LEN>()?;
            let request = self.config.origin.post_json(path, body, forwarded.clone(), now_unix, nonce)?;
            outcome = self.exchange(request, self.config.origin_timeout_ms).await;
            if !is_retryable(&outcome) {
                break;
            }
        }
        interpret_outcome(outcome)
    }

    /// Sends one signed request to the origin and keeps the answer only when the origin signed it for that request:
    /// every call to the origin goes through here, so no answer the edge acts on can have been changed on the way.
    pub(crate) async fn exchange(&self, request: OriginRequest, timeout_ms: u32) -> OriginOutcome {
        let sent_signature = request.header(onshi_proto::signing::SIGNATURE_HEADER).unwrap_or_default().to_owned();
        let answer = self.ports.send_to_origin(request, timeout_ms).await;
        let outcome = self.config.origin.authenticate(&sent_signature, answer);
        if let OriginOutcome::Unverified { status } = outcome {
            self.ports.warn(&format!("an origin answer (status {status}) without the origin's signature was refused"));
        }
        outcome
    }

    /// Counts one redemption attempt of a typed one-time code of `kind`, under each key it may be stored under in
    /// turn ([`crate::auth::enrolment_code::CodeLookupKeys::redeem_under`]) until one finds it; `None` when none does.
    pub(crate) async fn redeem_code(
        &self,
        kind: CodeKind,
        code: &EnrolmentCode,
        now_unix: i64,
    ) -> Result<Option<StoredEnrolmentCode>, EdgeError> {
        for lookup_key in self.config.code_lookup.redeem_under(kind, code)? {
            if let Some(stored) = self.ports.redeem_enrolment_code(&lookup_key, now_unix).await? {
                return Ok(Some(stored));
            }
        }
        Ok(None)
    }

    /// Counts one attempt that carries no credential yet (an enrolment, a staff login, a device id this edge never
    /// issued) against the client's limit, refusing it over the limit before anything is looked up.
    pub(crate) async fn throttle_unauthenticated(&self, request: &ApiRequest<'_>) -> Result<(), EdgeError> {
        let limits = &self.config.rate_limits;
        let counter = limits.counter(RateScope::Client, &client_key(request.client), request.now_unix);
        limits.judge(RateScope::Client, self.ports.count_client_attempt(&counter, request.now_unix).await?)
    }

    /// Checks the device proof, then counts the request against the device's and its facility's limits, in one call
    /// to the facility's store. Only proven requests are counted, so nobody can use up a device's allowance with
    /// forged proofs. A device id this edge never issued is refused before any store is named after it, and counted
    /// against the client's limit instead.
    pub(crate) async fn authenticate_device(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
    ) -> Result<AuthenticatedDevice, EdgeError> {
        self.authenticate_device_as(request, context, Some(DeviceRole::Kiosk)).await
    }

    /// [`Self::authenticate_device`] for a route of another role (`None`: any enrolled device, as for the check that
    /// a device is still enrolled). A device of another role is refused once its proof has held and been counted,
    /// so a bridge cannot start a card check-in and a kiosk cannot pass off a national-reader result.
    pub(crate) async fn authenticate_device_as(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
        role: Option<DeviceRole>,
    ) -> Result<AuthenticatedDevice, EdgeError> {
        let check = self.device_check(request, context).await?;
        let answer = self.ports.check_device(&check).await?;
        self.judge_device_check(answer, context, role)
    }

    /// [`Self::authenticate_device`] for a request that answers the challenge `id` (a kiosk opening a card session):
    /// the device check and the challenge's use in one call to the facility's store. The challenge is counted only
    /// when the store counted the request (its proof held), never for a forged one; a request the limits then
    /// refuse has used its challenge up, and the kiosk asks for a new one. Answers the challenge's record after
    /// counting, for [`crate::auth::challenge::judge_consumption`].
    pub(crate) async fn authenticate_device_using_challenge(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
        id: &ChallengeId,
    ) -> Result<(AuthenticatedDevice, Option<StoredChallenge>), EdgeError> {
        let check = self.device_check(request, context).await?;
        let (answer, challenge) = self.ports.check_device_using_challenge(&check, id).await?;
        Ok((self.judge_device_check(answer, context, Some(DeviceRole::Kiosk))?, challenge))
    }

    /// The facility store's check of a request's device proof. A device id this edge never issued is refused before
    /// any store is named after it, and counted against the client's limit instead.
    async fn device_check(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
    ) -> Result<DeviceCheck, EdgeError> {
        let id_text = request.device_proof.device_id.as_deref().ok_or(EdgeError::DeviceProofInvalid("no device id"))?;
        let issued = DeviceId::parse(id_text).ok().filter(|id| self.config.device_ids.issued(id));
        let Some(id) = issued else {
            self.throttle_unauthenticated(request).await?;
            return Err(EdgeError::DeviceUnknown);
        };
        context.device = Some(id.as_str().to_owned());
        Ok(DeviceCheck::new(id, &request.device_proof, request.signed(), request.now_unix, &self.config.rate_limits))
    }

    /// What the facility's store answered of a device check, judged: a refused proof, a device or facility over its
    /// limit and a device of another role than `role` are refused.
    fn judge_device_check(
        &self,
        answer: DeviceCheckAnswer,
        context: &mut AuditContext,
        role: Option<DeviceRole>,
    ) -> Result<AuthenticatedDevice, EdgeError> {
        let limits = &self.config.rate_limits;
        let counted = match answer {
            DeviceCheckAnswer::Counted(counted) => counted,
            DeviceCheckAnswer::Refused(refusal) => return Err(refusal.into()),
        };
        context.know_device(&counted.device);
        limits.judge(RateScope::Device, counted.device_count)?;
        limits.judge(RateScope::Facility, counted.facility_count)?;
        if role.is_some_and(|role| role != counted.device.role) {
            return Err(EdgeError::DeviceRoleForbidden);
        }
        Ok(counted.device)
    }

    /// Runs the use case a route named and answers with its JSON body: the one entry the adapter calls. An empty
    /// body is an answer with nothing to say ([`NO_CONTENT`]), which the adapter sends as `204 No Content`; a JSON
    /// answer is never empty.
    pub async fn handle(&self, use_case: &UseCase, request: &ApiRequest<'_>) -> Result<Vec<u8>, EdgeError> {
        match use_case {
            UseCase::Health => json_body(Ok(HealthAnswer { status: "ok" })),
            UseCase::Challenge => json_body(self.issue_challenge(request).await),
            UseCase::Session => json_body(self.open_session(request).await),
            UseCase::Qualification => json_body(self.qualification(request).await),
            UseCase::Enrol => json_body(self.enrol(request).await),
            UseCase::ConfirmDevice => self.confirm_device(request).await.map(|()| NO_CONTENT),
            UseCase::IssueFacilityAdmin => json_body(self.issue_facility_admin(request).await),
            UseCase::IssueEnrolmentCode => json_body(self.issue_enrolment_code(request).await),
            UseCase::RevokeDevice(device) => json_body(self.revoke_device(request, device).await),
            UseCase::Consent => json_body(self.record_consent(request).await),
            UseCase::ReaderResult => json_body(self.hand_on_reader_result(request).await),
            UseCase::BridgeHealth => self.report_bridge_health(request).await.map(|()| NO_CONTENT),
            UseCase::StaffBridge => json_body(self.staff_bridge_status(request).await),
            UseCase::StaffMedicalRecords => json_body(self.staff_medical_records(request).await),
            UseCase::Registration => json_body(self.register_card(request).await),
            UseCase::IssueStaffCode => json_body(self.issue_staff_code(request).await),
            UseCase::StaffLogin => json_body(self.staff_login(request).await),
            UseCase::StaffCheckIns => json_body(self.staff_checkins(request).await),
            UseCase::StaffLogout => self.staff_logout(request).await.map(|()| NO_CONTENT),
            UseCase::StaffByNumber => json_body(self.staff_qualification_by_number(request).await),
            UseCase::StaffDecision => json_body(self.staff_visual_check_decision(request).await),
            UseCase::StaffOpenVisualCheck => json_body(self.staff_visual_check_open(request).await),
            UseCase::RequestVisualCheck => json_body(self.request_visual_check(request).await),
            UseCase::VisualCheckStatus => json_body(self.visual_check_status(request).await),
            UseCase::WithdrawVisualCheck => json_body(self.withdraw_visual_check(request).await),
            UseCase::WithdrawConsent => json_body(self.withdraw_consent(request).await),
            UseCase::StaffWithdrawConsent => json_body(self.staff_withdraw_consent(request).await),
            UseCase::CancelRegistration => json_body(self.cancel_registration(request).await),
            UseCase::AccessLog => json_body(self.access_log(request).await),
            UseCase::InsurerLogin => json_body(self.insurer_login(request).await),
            UseCase::InsurerLogout => self.insurer_logout(request).await.map(|()| NO_CONTENT),
            UseCase::InsurerHolds => json_body(self.insurer_holds(request).await),
            UseCase::InsurerNotices => json_body(self.insurer_notices(request).await),
            UseCase::InsurerNotice(notice) => json_body(self.insurer_notice(request, notice).await),
            UseCase::InsurerHoldResolution(person) => json_body(self.insurer_resolve_hold(request, person).await),
            UseCase::InsurerBatch(format) => json_body(self.insurer_upload_batch(request, *format).await),
            UseCase::InsurerBatchProgress => json_body(self.insurer_batch_progress(request).await),
            // The upgrade is answered by the facility's store, not with a body: the adapter runs
            // [`Self::open_bridge_link`] and hands the request on.
            UseCase::BridgeLink => Err(EdgeError::BadRequest),
            UseCase::StaffTerminalByNumber => json_body(self.staff_terminal_by_number(request).await),
            UseCase::StaffTerminalBulk => json_body(self.staff_terminal_bulk(request).await),
            UseCase::StaffTerminalReference => json_body(self.staff_terminal_reference(request).await),
            UseCase::StaffBridgeSettle => json_body(self.staff_bridge_settle(request).await),
            UseCase::StaffTerminalBulkStatus => json_body(self.staff_terminal_bulk_status(request).await),
            UseCase::PetitionKey => json_body(self.petition_recipient(request).await),
            UseCase::Petition => json_body(self.queue_petition(request).await),
            UseCase::StaffPetitionKey => json_body(self.publish_petition_key(request).await),
            UseCase::StaffPetitions => json_body(self.take_petitions(request).await),
        }
    }
}
