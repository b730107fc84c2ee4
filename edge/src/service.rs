//! The API use cases, written against [`EdgePorts`] so that they run unchanged in workerd (Durable Objects,
//! `fetch`, WebCrypto randomness) and in native tests (in-memory fakes).
//!
//! Every card call is made by an enrolled device: its proof is checked and its requests (and its facility's) are
//! counted before anything else. Every use case runs inside `EdgeApi::audited`, which ends it with one audit event
//! through [`EdgePorts::audit`]; [`EdgeApi::handle`] is the one entry the adapter calls, with the use case
//! [`crate::routes::route`] found.

use onshi_proto::api::{
    ChallengeResponse, DeviceLabel, DeviceRevokeResponse, EnrolRequest, EnrolResponse, EnrolmentCodeRequest,
    EnrolmentCodeResponse, QualificationRequest, SessionRequest, SessionResponse,
};
use onshi_proto::facility::FacilityCode;
use onshi_proto::origin::{
    AuthMethod, BY_CERTIFICATE_PATH, CERTIFICATE_STATUS_PATH, CardQualificationQuery, CertificateRef,
    CertificateStatus, CertificateStatusAnswer, CertificateStatusQuery,
};
use onshi_proto::qualification::QualificationAnswer;

use crate::audit::{AuditAction, AuditEvent};
use crate::cardauth::verify_card_authentication;
use crate::challenge::{ChallengeId, ChallengeRandomness, IssuedChallenge, StoredChallenge, judge_consumption};
use crate::config::EdgeConfig;
use crate::device::{
    AuthenticatedDevice, DEVICE_ID_RANDOM_LEN, DeviceCheck, DeviceCheckAnswer, DeviceId, DeviceProofHeaders,
    DeviceRecord, ENROLMENT_CODE_LIFETIME_SECS, EnrolmentCode, SignedRequest, StoredEnrolmentCode, check_public_key,
    judge_redemption,
};
use crate::error::EdgeError;
use crate::http_policy::{parse_json, parse_json_or_default};
use crate::proxy::{NONCE_RANDOM_LEN, OriginOutcome, OriginRequest, interpret_outcome};
use crate::ratelimit::RateScope;
use crate::routes::UseCase;
use crate::session::{SessionClaims, TOKEN_ID_RANDOM_LEN, bearer_token};
use zeroize::Zeroize as _;

/// Longest accepted `arbitrary_identifier`; the national message allows far less.
const MAX_ARBITRARY_IDENTIFIER_LEN: usize = 64;

/// True for outcomes where a read may be tried again: nothing reached the origin, or it said it is unavailable.
fn is_retryable(outcome: &OriginOutcome) -> bool {
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

/// The outside world, as the use cases need it.
#[allow(async_fn_in_trait)] // The worker runs on one thread; its futures are not `Send` and need not be.
pub trait EdgePorts {
    /// Fills `buffer` from a cryptographically secure random source.
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), EdgeError>;

    /// True when `spki_der` imports as an ECDSA P-256 public key (the point lies on the curve).
    async fn p256_key_is_valid(&self, spki_der: &[u8]) -> Result<bool, EdgeError>;

    /// Writes one audit event (a JSON line) to the audit log.
    fn audit(&self, event: &AuditEvent);

    /// Remembers a newly issued challenge until [`IssuedChallenge::forget_after`].
    async fn store_challenge(&self, challenge: &IssuedChallenge, now_unix: i64) -> Result<(), EdgeError>;

    /// Counts one more use of a challenge, atomically, and returns the record as it is after counting; `None`
    /// when the id is not stored.
    async fn count_challenge_use(&self, id: &ChallengeId, now_unix: i64) -> Result<Option<StoredChallenge>, EdgeError>;

    /// Remembers an enrolment code (by its lookup key), with the name of the kiosk it will enrol when the admin
    /// gave one, until some time after `expires_at`.
    async fn store_enrolment_code(
        &self,
        lookup_key: &str,
        facility_code: &FacilityCode,
        label: Option<&DeviceLabel>,
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

    /// Checks one device request in its facility's store and, when the proof holds, counts it on the device's and
    /// the facility's counters: [`crate::device::check_and_count`], run where the records are, in one call.
    async fn check_device(&self, check: &DeviceCheck) -> Result<DeviceCheckAnswer, EdgeError>;

    /// Sends a request to the origin, giving up after `timeout_ms`.
    async fn send_to_origin(&self, request: OriginRequest, timeout_ms: u32) -> OriginOutcome;
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
    /// The `Authorization` header: a session token on card routes, the admin token on admin routes.
    pub authorization: Option<&'r str>,
    /// The device proof headers.
    pub device_proof: DeviceProofHeaders,
    /// Allow-listed headers to pass to the origin.
    pub forwarded: Vec<(String, String)>,
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
}

impl AuditContext {
    fn know_device(&mut self, device: &AuthenticatedDevice) {
        self.device = Some(device.device_id.as_str().to_owned());
        self.facility = Some(device.facility_code.as_str().to_owned());
    }
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
        if claims.device != device.device_id.as_str() {
            return Err(EdgeError::SessionInvalid);
        }
        Ok((device, claims))
    }

    /// Asks the origin (the J-LIS stand-in) for the certificate's revocation status and refuses a revoked one.
    /// An unknown status is accepted: the certificate chains to a trusted CA, and the origin's answer for an
    /// unregistered card is a typed "no qualification" anyway. Only a positive revocation refuses.
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
        if status.status == CertificateStatus::Revoked {
            return Err(EdgeError::CertificateRevoked);
        }
        Ok(())
    }

    /// Calls the origin. Both origin calls the edge makes are reads, so one that could not connect, or that the
    /// origin answered with 503, is tried once more with a fresh signature; a timeout is not retried, because the
    /// kiosk user has already waited the whole timeout.
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
            outcome = self.ports.send_to_origin(request, self.config.origin_timeout_ms).await;
            if !is_retryable(&outcome) {
                break;
            }
        }
        interpret_outcome(outcome)
    }

    /// Checks the device proof, then counts the request against the device's and its facility's limits, in one call
    /// to the facility's store. Only proven requests are counted, so nobody can use up a device's allowance with
    /// forged proofs.
    pub(crate) async fn authenticate_device(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
    ) -> Result<AuthenticatedDevice, EdgeError> {
        let id_text = request.device_proof.device_id.as_deref().ok_or(EdgeError::DeviceProofInvalid("no device id"))?;
        let id = DeviceId::parse(id_text)?;
        context.device = Some(id.as_str().to_owned());
        let limits = &self.config.rate_limits;
        let check = DeviceCheck::new(id, &request.device_proof, request.signed(), request.now_unix, limits);
        let counted = match self.ports.check_device(&check).await? {
            DeviceCheckAnswer::Counted(counted) => counted,
            DeviceCheckAnswer::Refused(refusal) => return Err(refusal.into()),
        };
        context.know_device(&counted.device);
        limits.judge(RateScope::Device, counted.device_count)?;
        limits.judge(RateScope::Facility, counted.facility_count)?;
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
            UseCase::IssueEnrolmentCode => json_body(self.issue_enrolment_code(request).await),
            UseCase::RevokeDevice(device) => json_body(self.revoke_device(request, device).await),
            UseCase::Consent => json_body(self.record_consent(request).await),
            UseCase::Registration => json_body(self.register_card(request).await),
            UseCase::IssueStaffCode => json_body(self.issue_staff_code(request).await),
            UseCase::StaffLogin => json_body(self.staff_login(request).await),
            UseCase::StaffCheckIns => json_body(self.staff_checkins(request).await),
            UseCase::StaffByNumber => json_body(self.staff_qualification_by_number(request).await),
            UseCase::StaffDecision => json_body(self.staff_visual_check_decision(request).await),
            UseCase::RequestVisualCheck => json_body(self.request_visual_check(request).await),
            UseCase::VisualCheckStatus => json_body(self.visual_check_status(request).await),
            UseCase::WithdrawVisualCheck => json_body(self.withdraw_visual_check(request).await),
        }
    }

    /// `POST /api/v1/challenge`: issues and stores a single-use challenge for an enrolled device.
    pub async fn issue_challenge(&self, request: &ApiRequest<'_>) -> Result<ChallengeResponse, EdgeError> {
        self.audited(AuditAction::Challenge, request.now_unix, async |context| {
            self.authenticate_device(request, context).await?;
            let randomness = ChallengeRandomness { id: self.random()?, challenge: self.random()? };
            let issued = IssuedChallenge::issue(&randomness, request.now_unix);
            self.ports.store_challenge(&issued, request.now_unix).await?;
            Ok(issued.to_response())
        })
        .await
    }

    /// `POST /api/v1/session`: consumes the challenge, verifies the card's answer, asks the origin whether the
    /// certificate is revoked, and mints a session bound to the device and the certificate.
    ///
    /// The challenge is consumed before the card is checked, so a failed attempt burns it too.
    pub async fn open_session(&self, request: &ApiRequest<'_>) -> Result<SessionResponse, EdgeError> {
        self.audited(AuditAction::Session, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            let body: SessionRequest = parse_json(request.body)?;
            let id = ChallengeId::parse(&body.challenge_id)?;
            let record = self.ports.count_challenge_use(&id, request.now_unix).await?;
            let challenge = judge_consumption(record, request.now_unix)?;
            let certificate = verify_card_authentication(
                body.certificate.as_slice(),
                body.signature.as_slice(),
                &challenge,
                &self.config.trust_anchors,
                request.now_unix,
            )?;
            context.certificate = Some(self.config.audit_hasher.hash(&certificate));
            self.refuse_if_revoked(&certificate, request).await?;
            let (token, claims) = self.config.sessions.mint(
                &certificate,
                device.device_id.as_str(),
                AuthMethod::Pin,
                request.now_unix,
                self.random::<TOKEN_ID_RANDOM_LEN>()?,
            )?;
            Ok(SessionResponse { session_token: token.expose().to_owned(), expires_at: claims.exp })
        })
        .await
    }

    /// `POST /api/v1/qualification`: the qualification of the session's card holder, asked from the device the
    /// session was opened on. The card comes from the session only, never from the body.
    pub async fn qualification(&self, request: &ApiRequest<'_>) -> Result<QualificationAnswer, EdgeError> {
        self.audited(AuditAction::Qualification, request.now_unix, async |context| {
            let (device, claims) = self.card_session(request, context).await?;
            // A visual-check session got its qualification when staff approved it, and the origin recorded that
            // check-in as 目視; asking again here would record a PIN check-in that never happened.
            claims.require_pin()?;
            let certificate = claims.certificate();
            let body: QualificationRequest = parse_json_or_default(request.body)?;
            if body.arbitrary_identifier.as_ref().is_some_and(|id| id.chars().count() > MAX_ARBITRARY_IDENTIFIER_LEN) {
                return Err(EdgeError::BadRequest);
            }
            let query = CardQualificationQuery {
                certificate,
                facility_code: Some(device.facility_code.as_str().to_owned()),
                device_id: Some(device.device_id.as_str().to_owned()),
                device_label: Some(device.label.clone()),
                arbitrary_identifier: body.arbitrary_identifier,
            };
            self.call_origin(BY_CERTIFICATE_PATH, &query, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/devices/enrol`: redeems a one-time code and registers the device's public key.
    ///
    /// The key is checked before the code is redeemed, so a malformed key does not burn the code.
    pub async fn enrol(&self, request: &ApiRequest<'_>) -> Result<EnrolResponse, EdgeError> {
        self.audited(AuditAction::Enrol, request.now_unix, async |context| {
            let mut body: EnrolRequest = parse_json(request.body)?;
            let code = EnrolmentCode::parse(&body.code);
            // The typed code is a credential: only the parsed copy, which wipes itself, lives on.
            body.code.zeroize();
            let code = code?;
            check_public_key(body.public_key.as_slice())?;
            if !self.ports.p256_key_is_valid(body.public_key.as_slice()).await? {
                return Err(EdgeError::BadRequest);
            }
            let stored = self.ports.redeem_enrolment_code(&code.lookup_key(), request.now_unix).await?;
            let label = stored.as_ref().and_then(|stored| stored.label.clone());
            let facility_code = judge_redemption(stored, request.now_unix)?;
            context.facility = Some(facility_code.as_str().to_owned());
            let device_id = DeviceId::from_random(&facility_code, &self.random::<DEVICE_ID_RANDOM_LEN>()?);
            context.device = Some(device_id.as_str().to_owned());
            self.ports
                .store_device(&DeviceRecord {
                    device_id: device_id.clone(),
                    facility_code: facility_code.as_str().to_owned(),
                    public_key: body.public_key.clone(),
                    enrolled_at: request.now_unix,
                    revoked: false,
                    label,
                })
                .await?;
            Ok(EnrolResponse { device_id: device_id.as_str().to_owned(), facility_code })
        })
        .await
    }

    /// `GET /api/v1/device`: the device confirms that the edge still knows it. The device proof is all there is to
    /// check, so an unknown or revoked device is `device_not_enrolled` and a bad proof `unauthorized`, exactly as
    /// on the card routes; the check counts against the device's rate limits like any proven request.
    pub async fn confirm_device(&self, request: &ApiRequest<'_>) -> Result<(), EdgeError> {
        self.audited(AuditAction::DeviceConfirmed, request.now_unix, async |context| {
            self.authenticate_device(request, context).await.map(|_| ())
        })
        .await
    }

    /// `POST /api/v1/admin/enrolment-codes`: a one-time enrolment code for a facility.
    pub async fn issue_enrolment_code(&self, request: &ApiRequest<'_>) -> Result<EnrolmentCodeResponse, EdgeError> {
        self.audited(AuditAction::EnrolmentCodeIssued, request.now_unix, async |context| {
            self.config.admin.check(request.authorization)?;
            let body: EnrolmentCodeRequest = parse_json(request.body)?;
            context.facility = Some(body.facility_code.as_str().to_owned());
            let code = EnrolmentCode::generate(&self.random()?);
            let expires_at = request.now_unix.saturating_add(ENROLMENT_CODE_LIFETIME_SECS);
            self.ports
                .store_enrolment_code(
                    &code.lookup_key(),
                    &body.facility_code,
                    body.label.as_ref(),
                    expires_at,
                    request.now_unix,
                )
                .await?;
            Ok(EnrolmentCodeResponse { code: code.display(), facility_code: body.facility_code, expires_at })
        })
        .await
    }

    /// `POST /api/v1/admin/devices/<id>/revoke`: revokes a device; an unknown device is `not_found`.
    pub async fn revoke_device(
        &self,
        request: &ApiRequest<'_>,
        device_id: &str,
    ) -> Result<DeviceRevokeResponse, EdgeError> {
        self.audited(AuditAction::DeviceRevoked, request.now_unix, async |context| {
            self.config.admin.check(request.authorization)?;
            let id = DeviceId::parse(device_id).map_err(|_| EdgeError::NotFound)?;
            context.device = Some(id.as_str().to_owned());
            if !self.ports.revoke_device(&id).await? {
                return Err(EdgeError::NotFound);
            }
            Ok(DeviceRevokeResponse { device_id: id.as_str().to_owned(), revoked: true })
        })
        .await
    }
}
