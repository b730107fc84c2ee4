//! Fixtures shared by the native use-case tests: in-memory ports with a scripted origin that checks the edge's
//! request signatures, the test PKI, a configuration, and an enrolled kiosk that signs its requests.
#![allow(dead_code, reason = "each test binary uses its own part of the shared fixtures")]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::outage_relay::Queued;
use onshi_edge::api::{ApiRequest, EdgeApi, EdgePorts};
use onshi_edge::audit::AuditEvent;
use onshi_edge::auth::challenge::{ChallengeId, IssuedChallenge, StoredChallenge};
use onshi_edge::auth::device::{
    DeviceCheck, DeviceCheckAnswer, DeviceId, DeviceProofHeaders, DeviceRecord, PendingProof, check_and_count,
};
use onshi_edge::auth::enrolment_code::{DeviceTerms, StoredEnrolmentCode};
use onshi_edge::auth::ratelimit::RateCounter;
use onshi_edge::auth::rsa_signature::{RsaSha256Check, RustCryptoRsa};
use onshi_edge::auth::staff_session::{StaffCall, StaffCallAnswer, StoredStaffSession, judge_staff_session};
use onshi_edge::config::EdgeConfig;
use onshi_edge::proxy::{OriginOutcome, OriginRequest};
use onshi_proto::api::{
    ChallengePurpose, ChallengeResponse, EnrolRequest, SessionRequest, SessionResponse, card_challenge_message,
    device_proof_message,
};
use onshi_proto::bridge_health::BridgeHealth;
use onshi_proto::facility::FacilityCode;
use onshi_proto::petition::{self, P256PublicKey, QueuedPetition, SealedPetition};
use onshi_proto::qualification::{QualificationAnswer, Reason, Validity};
use onshi_proto::{Base64Bytes, answer_signing, signing};
use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};

pub const CA_PEM: &str = include_str!("../../test/fixtures/test-pki/auth-ca.pem");
pub const CARD0_CERT: &[u8] = include_bytes!("../../test/fixtures/test-pki/card-00.cert.der");
pub const CARD0_KEY: &[u8] = include_bytes!("../../test/fixtures/test-pki/card-00.key.pk8");
pub const CARD1_KEY: &[u8] = include_bytes!("../../test/fixtures/test-pki/card-01.key.pk8");
pub const CARD0_SERIAL: &str = "3B55F11D";
pub const TEST_CA_ISSUER: &str = "CN=onshi test auth CA,OU=JPKI for user authentication TEST,O=onshi test,C=JP";

pub const ORIGIN_KEY: &str = "origin-signing-key-for-edge-tests";
pub const ADMIN_TOKEN: &str = "admin-token-for-edge-use-case-tests";
pub const SESSION_KEY: &str = "session-key-for-edge-tests-0123456789";
/// 2026-11-24T00:00:00Z, inside the test cards' validity (2025 .. 2030).
pub const NOW: i64 = 1_795_478_400;
/// qualification-domain.md §2.3 worked example.
pub const FACILITY: &str = "0110113719";
/// Another facility, whose sessions, devices and links must reach nothing of [`FACILITY`]'s.
pub const OTHER_FACILITY: &str = "1312345679";

pub type OriginScript = Box<dyn Fn(&str, &[u8]) -> OriginOutcome>;
/// A scripted origin that sees the whole request (its method and headers), for the insurer routes.
pub type RequestScript = Box<dyn Fn(&OriginRequest) -> OriginOutcome>;

/// A bridge: its reply to each request handed to it.
pub type BridgeScript = Box<dyn Fn(&onshi_proto::bridge_link::ToBridge) -> onshi_edge::api::bridge::TerminalReply>;

/// A network between edge and origin: what reaches the edge for what the origin answered.
pub type NetworkInBetween = Box<dyn Fn(OriginOutcome) -> OriginOutcome>;

pub struct FakePorts {
    pub next_random: Cell<u8>,
    pub challenges: RefCell<HashMap<String, StoredChallenge>>,
    pub codes: RefCell<HashMap<String, StoredEnrolmentCode>>,
    pub devices: RefCell<HashMap<String, DeviceRecord>>,
    pub counters: RefCell<HashMap<(String, i64), u32>>,
    pub nonces: RefCell<std::collections::HashSet<(String, String)>>,
    pub staff_sessions: RefCell<HashMap<(String, String), StoredStaffSession>>,
    /// Each facility's bridge's latest health report and when it came.
    pub bridge_health: RefCell<HashMap<String, (BridgeHealth, i64)>>,
    /// Each facility's staff console key for 申立書 captures.
    pub petition_keys: RefCell<HashMap<String, P256PublicKey>>,
    /// Each facility's queue of sealed captures, as the facility's store keeps it.
    pub petitions: RefCell<HashMap<String, Vec<QueuedPetition>>>,
    /// Facilities whose bridge holds its link open.
    pub bridge_links: RefCell<std::collections::HashSet<String>>,
    /// What the bridge does with a request handed to it: its reply to the waiting staff call.
    pub bridge_script: RefCell<Option<BridgeScript>>,
    /// Requests handed to a bridge, by facility, and the wait given.
    pub bridge_asked: RefCell<Vec<(String, onshi_proto::bridge_link::ToBridge, u32)>>,
    /// Bulk pre-checks each facility's store holds, by link request id: the test plays the bridge by changing them.
    pub bulk_jobs: RefCell<HashMap<(String, String), onshi_edge::api::staff_terminal_bulk::BulkJob>>,
    /// Device checks that reached the store.
    pub device_checks: Cell<u32>,
    /// Calls of `count_challenge_use` on its own (not folded into a device check).
    pub challenge_use_calls: Cell<u32>,
    pub audit: RefCell<Vec<String>>,
    pub warnings: RefCell<Vec<String>>,
    pub origin: OriginScript,
    /// When set, answers every request whose signature (or insurer credential) holds, in place of `origin`.
    pub request_origin: Option<RequestScript>,
    pub sent: RefCell<Vec<OriginRequest>>,
    /// When set, a network between edge and origin that may change each answer on its way back.
    pub in_between: RefCell<Option<NetworkInBetween>>,
}

impl FakePorts {
    pub fn new(origin: OriginScript) -> Self {
        Self {
            next_random: Cell::new(1),
            challenges: RefCell::default(),
            codes: RefCell::default(),
            devices: RefCell::default(),
            counters: RefCell::default(),
            nonces: RefCell::default(),
            device_checks: Cell::default(),
            challenge_use_calls: Cell::default(),
            staff_sessions: RefCell::default(),
            bridge_health: RefCell::default(),
            petition_keys: RefCell::default(),
            petitions: RefCell::default(),
            bridge_links: RefCell::default(),
            bridge_script: RefCell::default(),
            bridge_asked: RefCell::default(),
            bulk_jobs: RefCell::default(),
            audit: RefCell::default(),
            warnings: RefCell::default(),
            origin,
            request_origin: None,
            sent: RefCell::default(),
            in_between: RefCell::default(),
        }
    }

    /// Counts one use of a challenge by the device it was issued to, as the facility's store does.
    fn use_challenge(&self, id: &ChallengeId, device: &str) -> Option<StoredChallenge> {
        let mut challenges = self.challenges.borrow_mut();
        challenges.get_mut(id.as_str()).filter(|record| record.device == device).map(|record| {
            record.uses += 1;
            record.clone()
        })
    }

    /// The bodies sent to one origin path, in order.
    pub fn sent_to(&self, path: &str) -> Vec<Vec<u8>> {
        self.sent
            .borrow()
            .iter()
            .filter(|request| request.url.strip_prefix("https://origin.test") == Some(path))
            .map(|request| request.body.clone())
            .collect()
    }
}

/// What workerd's WebCrypto does for the facility store: verify the pending proof with its key over its message.
fn p256_verifies(pending: &PendingProof) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&pending.public_key) else {
        return false;
    };
    let Ok(signature) = p256::ecdsa::Signature::from_slice(&pending.signature) else {
        return false;
    };
    key.verify(&pending.message, &signature).is_ok()
}

/// The `rsa` crate's check where the worker has WebCrypto's.
impl RsaSha256Check for FakePorts {
    async fn rsa_sha256_verifies(&self, spki_der: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, EdgeError> {
        RustCryptoRsa.rsa_sha256_verifies(spki_der, message, signature).await
    }
}

impl EdgePorts for FakePorts {
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), EdgeError> {
        // Distinct, predictable bytes per draw: enough to tell draws apart in a test.
        let seed = self.next_random.get();
        self.next_random.set(seed.wrapping_add(1));
        buffer.iter_mut().enumerate().for_each(|(i, b)| *b = seed.wrapping_mul(31).wrapping_add(i as u8));
        Ok(())
    }

    async fn p256_key_is_valid(&self, spki_der: &[u8]) -> Result<bool, EdgeError> {
        Ok(p256::ecdsa::VerifyingKey::from_public_key_der(spki_der).is_ok())
    }

    fn audit(&self, event: &AuditEvent) {
        self.audit.borrow_mut().push(event.to_json());
    }

    fn warn(&self, message: &str) {
        self.warnings.borrow_mut().push(message.to_owned());
    }

    async fn store_challenge(&self, challenge: &IssuedChallenge, _now: i64) -> Result<(), EdgeError> {
        let record = StoredChallenge {
            challenge: challenge.challenge.to_vec(),
            expires_at: challenge.expires_at,
            uses: 0,
            device: challenge.device.clone(),
            purpose: challenge.purpose.as_str().to_owned(),
        };
        self.challenges.borrow_mut().insert(challenge.id.as_str().to_owned(), record);
        Ok(())
    }

    async fn count_challenge_use(
        &self,
        id: &ChallengeId,
        device: &str,
        _now: i64,
    ) -> Result<Option<StoredChallenge>, EdgeError> {
        self.challenge_use_calls.set(self.challenge_use_calls.get() + 1);
        Ok(self.use_challenge(id, device))
    }

    async fn store_enrolment_code(
        &self,
        lookup_key: &str,
        facility_code: &FacilityCode,
        terms: &DeviceTerms,
        expires_at: i64,
        _now: i64,
    ) -> Result<(), EdgeError> {
        let record = StoredEnrolmentCode {
            facility_code: facility_code.as_str().to_owned(),
            expires_at,
            uses: 0,
            terms: terms.clone(),
        };
        self.codes.borrow_mut().insert(lookup_key.to_owned(), record);
        Ok(())
    }

    async fn redeem_enrolment_code(
        &self,
        lookup_key: &str,
        _now: i64,
    ) -> Result<Option<StoredEnrolmentCode>, EdgeError> {
        Ok(self.codes.borrow_mut().get_mut(lookup_key).map(|record| {
            record.uses += 1;
            record.clone()
        }))
    }

    async fn store_device(&self, record: &DeviceRecord) -> Result<(), EdgeError> {
        self.devices.borrow_mut().insert(record.device_id.as_str().to_owned(), record.clone());
        Ok(())
    }

    async fn count_client_attempt(&self, counter: &RateCounter, _now: i64) -> Result<u32, EdgeError> {
        let mut counters = self.counters.borrow_mut();
        let count = counters.entry((counter.name.clone(), counter.window_start)).or_insert(0);
        *count += 1;
        Ok(*count)
    }

    async fn open_staff_session(
        &self,
        facility: &str,
        staff: &str,
        record: &StoredStaffSession,
    ) -> Result<(), EdgeError> {
        self.staff_sessions.borrow_mut().insert((facility.to_owned(), staff.to_owned()), *record);
        Ok(())
    }

    async fn check_staff_call(&self, facility: &str, call: &StaffCall) -> Result<StaffCallAnswer, EdgeError> {
        let key = (facility.to_owned(), call.staff.clone());
        let record = self.staff_sessions.borrow().get(&key).copied();
        if let Err(error) = judge_staff_session(record, call.now, call.idle) {
            return Ok(StaffCallAnswer::Refused { expired: error == EdgeError::SessionExpired });
        }
        if let Some(record) = self.staff_sessions.borrow_mut().get_mut(&key) {
            record.last_seen = call.now;
        }
        let mut counters = self.counters.borrow_mut();
        let mut count = |counter: &RateCounter, add: u32| {
            let count = counters.entry((format!("{facility}/{}", counter.name), counter.window_start)).or_insert(0);
            *count += add;
            *count
        };
        let counted = call.count.iter().map(|counter| count(counter, 1)).collect();
        let peeked = call.peek.iter().map(|counter| count(counter, 0)).collect();
        Ok(StaffCallAnswer::Open { counted, peeked })
    }

    async fn store_petition_key(&self, facility: &str, key: &P256PublicKey) -> Result<(), EdgeError> {
        self.petition_keys.borrow_mut().insert(facility.to_owned(), key.clone());
        Ok(())
    }

    async fn petition_key(&self, facility: &str) -> Result<Option<P256PublicKey>, EdgeError> {
        Ok(self.petition_keys.borrow().get(facility).cloned())
    }

    async fn queue_petition(&self, facility: &str, sealed: &SealedPetition, now: i64) -> Result<Queued, EdgeError> {
        let mut queues = self.petitions.borrow_mut();
        let queue = queues.entry(facility.to_owned()).or_default();
        queue.retain(|queued| queued.received_at >= petition::expired_before(now));
        if !petition::queue_admits(queue.len()) {
            return Ok(Queued::Full);
        }
        if !queue.iter().any(|queued| queued.sealed.capture_id == sealed.capture_id) {
            queue.push(QueuedPetition { sealed: sealed.clone(), received_at: now });
        }
        Ok(Queued::Kept)
    }

    async fn take_petitions(&self, facility: &str, now: i64) -> Result<Vec<QueuedPetition>, EdgeError> {
        let mut taken = self.petitions.borrow_mut().remove(facility).unwrap_or_default();
        taken.retain(|queued| queued.received_at >= petition::expired_before(now));
        Ok(taken)
    }

    async fn end_staff_session(&self, facility: &str, staff: &str) -> Result<bool, EdgeError> {
        Ok(self.staff_sessions.borrow_mut().remove(&(facility.to_owned(), staff.to_owned())).is_some())
    }

    async fn store_bridge_health(&self, facility: &str, health: &BridgeHealth, now: i64) -> Result<(), EdgeError> {
        self.bridge_health.borrow_mut().insert(facility.to_owned(), (health.clone(), now));
        Ok(())
    }

    async fn bridge_health(&self, facility: &str) -> Result<Option<(BridgeHealth, i64)>, EdgeError> {
        Ok(self.bridge_health.borrow().get(facility).cloned())
    }

    async fn bridge_link_open(&self, facility: &str) -> Result<bool, EdgeError> {
        Ok(self.bridge_links.borrow().contains(facility))
    }

    async fn ask_bridge(
        &self,
        facility: &str,
        request: &onshi_proto::bridge_link::ToBridge,
        wait_ms: u32,
    ) -> Result<onshi_edge::api::bridge::TerminalReply, EdgeError> {
        use onshi_edge::api::bridge::TerminalReply;
        self.bridge_asked.borrow_mut().push((facility.to_owned(), request.clone(), wait_ms));
        if !self.bridge_links.borrow().contains(facility) {
            return Ok(TerminalReply::NotConnected);
        }
        Ok(self.bridge_script.borrow().as_ref().map_or(TerminalReply::TimedOut, |script| script(request)))
    }

    async fn start_bulk(
        &self,
        facility: &str,
        request: &onshi_proto::bridge_link::ToBridge,
        now_unix: i64,
    ) -> Result<bool, EdgeError> {
        use onshi_edge::api::staff_terminal_bulk::BulkJob;
        self.bridge_asked.borrow_mut().push((facility.to_owned(), request.clone(), 0));
        if !self.bridge_links.borrow().contains(facility) {
            return Ok(false);
        }
        let id = request.id();
        let key = (facility.to_owned(), id.as_str().to_owned());
        self.bulk_jobs.borrow_mut().insert(key, BulkJob::Sent { since: now_unix });
        Ok(true)
    }

    async fn bulk_status(
        &self,
        facility: &str,
        id: &onshi_proto::bridge_link::LinkRequestId,
        forget_before: i64,
    ) -> Result<Option<onshi_edge::api::staff_terminal_bulk::BulkJob>, EdgeError> {
        use onshi_edge::api::staff_terminal_bulk::BulkJob;
        let mut jobs = self.bulk_jobs.borrow_mut();
        let key = (facility.to_owned(), id.as_str().to_owned());
        let job = jobs.get(&key).cloned();
        if matches!(job, Some(BulkJob::Ended { .. })) {
            jobs.remove(&key);
        }
        jobs.retain(|_, job| match job {
            BulkJob::Sent { since } | BulkJob::Acknowledged { since } => *since >= forget_before,
            BulkJob::Ended { .. } => true,
        });
        Ok(job)
    }

    async fn count_in_facility(&self, facility: &str, counter: &RateCounter, _now: i64) -> Result<u32, EdgeError> {
        let mut counters = self.counters.borrow_mut();
        let count = counters.entry((format!("{facility}/{}", counter.name), counter.window_start)).or_insert(0);
        *count += 1;
        Ok(*count)
    }

    async fn check_device(&self, check: &DeviceCheck) -> Result<DeviceCheckAnswer, EdgeError> {
        self.device_checks.set(self.device_checks.get() + 1);
        let record = self.devices.borrow().get(check.device_id.as_str()).cloned();
        check_and_count(
            record,
            check,
            async |pending| Ok(p256_verifies(pending)),
            |nonce| Ok(self.nonces.borrow_mut().insert((nonce.device_id.as_str().to_owned(), nonce.nonce.clone()))),
            // The device's counters live in its facility's store, beside the staff calls' and the facility's
            // other counts, so they are keyed as `check_staff_call` and `count_in_facility` key theirs.
            |counter| {
                let facility = check.device_id.facility_code();
                let mut counters = self.counters.borrow_mut();
                let count = counters.entry((format!("{facility}/{}", counter.name), counter.window_start)).or_insert(0);
                *count += 1;
                Ok(*count)
            },
        )
        .await
    }

    async fn check_device_using_challenge(
        &self,
        check: &DeviceCheck,
        id: &ChallengeId,
    ) -> Result<(DeviceCheckAnswer, Option<StoredChallenge>), EdgeError> {
        // One store call, as in the facility's store: the challenge is counted only for a request that was counted.
        let answer = self.check_device(check).await?;
        let challenge = match answer {
            DeviceCheckAnswer::Counted(_) => self.use_challenge(id, check.device_id.as_str()),
            DeviceCheckAnswer::Refused(_) => None,
        };
        Ok((answer, challenge))
    }

    async fn revoke_device(&self, id: &DeviceId) -> Result<bool, EdgeError> {
        Ok(self.devices.borrow_mut().get_mut(id.as_str()).map(|record| record.revoked = true).is_some())
    }

    async fn send_to_origin(&self, request: OriginRequest, _timeout_ms: u32) -> OriginOutcome {
        let path = request.url.strip_prefix("https://origin.test").unwrap_or("").to_owned();
        let headers = signing::SignatureHeaders {
            timestamp: request.header(signing::TIMESTAMP_HEADER).unwrap_or_default().to_owned(),
            nonce: request.header(signing::NONCE_HEADER).unwrap_or_default().to_owned(),
            signature: request.header(signing::SIGNATURE_HEADER).unwrap_or_default().to_owned(),
        };
        // The scripted origin derives its request key from the secret as the real one does.
        let key = signing::request_key(ORIGIN_KEY.as_bytes(), &signing::Audience::default()).unwrap();
        let verified = match request.header(signing::INSURER_HEADER) {
            Some(insurer) => {
                let session = request.header(signing::INSURER_SESSION_HEADER).unwrap_or_default();
                let clerk = request.header(onshi_proto::insurer::DECIDED_BY_HEADER).unwrap_or_default();
                let principal = signing::Principal {
                    insurer: insurer.to_owned(),
                    session: session.to_owned(),
                    clerk: clerk.to_owned(),
                    credential: request.header(signing::INSURER_CREDENTIAL_HEADER).unwrap_or_default().to_owned(),
                };
                signing::verify_for_insurer(
                    key.as_ref(),
                    request.method,
                    &path,
                    &headers,
                    &request.body,
                    NOW,
                    &principal,
                )
                .is_ok()
            }
            // An insurer's own credential at sign-in: the scripted origin judges it.
            None if request.header("authorization").is_some() => true,
            None => signing::verify(key.as_ref(), request.method, &path, &headers, &request.body, NOW).is_ok(),
        };
        let outcome = if verified {
            match &self.request_origin {
                Some(script) => script(&request),
                None => (self.origin)(&path, &request.body),
            }
        } else {
            json(401, &serde_json::json!({ "error": "unauthorized", "message": "x" }))
        };
        // The origin signs every answer to a request that presents a signature, as the real one does.
        let outcome = match (outcome, request.header(signing::SIGNATURE_HEADER)) {
            (OriginOutcome::Answered { status, body, .. }, Some(sent)) => {
                let signature = answer_signing::sign_answer(key.as_ref(), sent, status, &body).ok();
                OriginOutcome::Answered { status, body, signature }
            }
            (outcome, _) => outcome,
        };
        self.sent.borrow_mut().push(request);
        match self.in_between.borrow().as_ref() {
            Some(network) => network(outcome),
            None => outcome,
        }
    }
}

/// The next device proof nonce any test kiosk uses.
static NEXT_NONCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// An enrolled kiosk: its device id and P-256 key, signing every request it builds.
pub struct Kiosk {
    pub device_id: String,
    pub key: p256::ecdsa::SigningKey,
}

impl Kiosk {
    pub fn request<'r>(&self, path: &'r str, body: &'r [u8], now: i64) -> ApiRequest<'r> {
        self.request_with("POST", path, body, now)
    }

    /// A request with this device's proof over `method`, `path` and `body`.
    pub fn request_with<'r>(&self, method: &'r str, path: &'r str, body: &'r [u8], now: i64) -> ApiRequest<'r> {
        let time = now.to_string();
        // A fresh nonce for every request, as the kiosk draws one.
        let nonce = format!("nonce-{:016}", NEXT_NONCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let message = device_proof_message(method, path, &time, &nonce, body);
        let signature: p256::ecdsa::Signature = self.key.sign(&message);
        ApiRequest {
            method,
            path,
            body,
            authorization: None,
            device_proof: DeviceProofHeaders {
                device_id: Some(self.device_id.clone()),
                timestamp: Some(time),
                nonce: Some(nonce),
                signature: Some(URL_SAFE_NO_PAD.encode(signature.to_bytes())),
            },
            forwarded: vec![],
            client: None,
            now_unix: now,
        }
    }

    pub fn challenge<P: EdgePorts>(&self, api: &EdgeApi<'_, P>, now: i64) -> ChallengeResponse {
        block_on(api.issue_challenge(&self.request("/api/v1/challenge", b"", now))).unwrap()
    }

    /// A session request body: a fresh challenge, signed by the card key `card_pk8`.
    pub fn answered_challenge<P: EdgePorts>(
        &self,
        api: &EdgeApi<'_, P>,
        certificate: &[u8],
        card_pk8: &[u8],
        now: i64,
    ) -> Vec<u8> {
        let challenge = self.challenge(api, now);
        session_body(&challenge, certificate, sign(card_pk8, &self.device_id, &challenge))
    }

    pub fn session<P: EdgePorts>(
        &self,
        api: &EdgeApi<'_, P>,
        body: &[u8],
        now: i64,
    ) -> Result<SessionResponse, EdgeError> {
        block_on(api.open_session(&self.request("/api/v1/session", body, now)))
    }

    pub fn qualification<P: EdgePorts>(
        &self,
        api: &EdgeApi<'_, P>,
        session: Option<&SessionResponse>,
        body: &[u8],
        now: i64,
    ) -> Result<QualificationAnswer, EdgeError> {
        let authorization = session.map(|session| format!("Bearer {}", session.session_token));
        let mut request = self.request("/api/v1/qualification", body, now);
        request.authorization = authorization.as_deref();
        block_on(api.qualification(&request))
    }
}

pub fn admin_request<'r>(path: &'r str, body: &'r [u8], authorization: Option<&'r str>) -> ApiRequest<'r> {
    request("POST", path, body, authorization)
}

/// A code for a kiosk of `facility` that stands at a staffed reception (so it may ask for 目視).
pub fn issue_code<P: EdgePorts>(api: &EdgeApi<'_, P>, facility: &str) -> String {
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    let body = format!(r#"{{"facility_code":"{facility}","staffed":true}}"#);
    let request = admin_request("/api/v1/admin/enrolment-codes", body.as_bytes(), Some(&authorization));
    block_on(api.issue_enrolment_code(&request)).unwrap().code
}

pub fn enrol_request(code: &str, key: &p256::ecdsa::SigningKey) -> Vec<u8> {
    let spki = key.verifying_key().to_public_key_der().unwrap();
    let public_key = Base64Bytes(spki.as_bytes().to_vec());
    serde_json::to_vec(&EnrolRequest { code: code.to_owned(), public_key, role: None }).unwrap()
}

/// Issues a code for [`FACILITY`] and enrols a kiosk with a key derived from `seed`.
pub fn enrolled_kiosk<P: EdgePorts>(api: &EdgeApi<'_, P>, seed: u8) -> Kiosk {
    let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
    let code = issue_code(api, FACILITY);
    let body = enrol_request(&code, &key);
    let enrolled = block_on(api.enrol(&admin_request("/api/v1/devices/enrol", &body, None))).unwrap();
    assert_eq!(enrolled.facility_code.as_str(), FACILITY);
    Kiosk { device_id: enrolled.device_id, key }
}

/// Enrols a device with the enrolment code the admin issued for `body` (its facility, label, staffed mark and
/// role), with a key derived from `seed`.
pub fn device_enrolled_with<P: EdgePorts>(api: &EdgeApi<'_, P>, seed: u8, body: &serde_json::Value) -> Kiosk {
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    let body = serde_json::to_vec(body).unwrap();
    let request = admin_request("/api/v1/admin/enrolment-codes", &body, Some(&authorization));
    let code = block_on(api.issue_enrolment_code(&request)).unwrap().code;
    let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
    let enrolled =
        block_on(api.enrol(&admin_request("/api/v1/devices/enrol", &enrol_request(&code, &key), None))).unwrap();
    Kiosk { device_id: enrolled.device_id, key }
}

/// Enrols a staff console of `facility` (a device of role `staff_console`) with a key derived from `seed`.
pub fn enrolled_staff_console<P: EdgePorts>(api: &EdgeApi<'_, P>, facility: &str, seed: u8) -> Kiosk {
    device_enrolled_with(api, seed, &serde_json::json!({ "facility_code": facility, "role": "staff_console" }))
}

/// A one-time staff login code the admin issued for `facility`.
pub fn issue_staff_code<P: EdgePorts>(api: &EdgeApi<'_, P>, facility: &str) -> String {
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    let body = format!(r#"{{"facility_code":"{facility}"}}"#);
    let request = admin_request("/api/v1/admin/staff-codes", body.as_bytes(), Some(&authorization));
    block_on(api.issue_staff_code(&request)).unwrap().code
}

/// Staff log in on `console` with `code`, the console's proof on the request, as the staff console does.
pub fn staff_login_on<P: EdgePorts>(
    api: &EdgeApi<'_, P>,
    console: &Kiosk,
    code: &str,
) -> Result<onshi_proto::api::StaffSessionResponse, EdgeError> {
    let body = serde_json::to_vec(&serde_json::json!({ "code": code })).unwrap();
    block_on(api.staff_login(&console.request("/api/v1/staff/login", &body, NOW)))
}

/// A staff session and the enrolled staff console it was opened on: every request it builds carries the console's
/// proof and the session's token, as the staff console sends them.
pub struct StaffDesk {
    pub console: Kiosk,
    pub bearer: String,
}

impl StaffDesk {
    /// Logs staff in on `console` with a fresh staff code of the console's facility.
    pub fn log_in<P: EdgePorts>(api: &EdgeApi<'_, P>, console: Kiosk, facility: &str) -> Self {
        let session = staff_login_on(api, &console, &issue_staff_code(api, facility)).unwrap();
        Self { console, bearer: format!("Bearer {}", session.staff_token) }
    }

    /// A request of this session at `now`.
    pub fn request<'r>(&'r self, method: &'r str, path: &'r str, body: &'r [u8], now: i64) -> ApiRequest<'r> {
        let mut request = self.console.request_with(method, path, body, now);
        request.authorization = Some(&self.bearer);
        request
    }
}

/// A staff session of `facility` on a staff console enrolled for it with a key derived from `seed`.
pub fn staff_desk<P: EdgePorts>(api: &EdgeApi<'_, P>, facility: &str, seed: u8) -> StaffDesk {
    StaffDesk::log_in(api, enrolled_staff_console(api, facility, seed), facility)
}

/// The test configuration, with `extra` bindings (rate limits and the like) on top.
pub fn config_with(extra: &[(&str, &str)]) -> EdgeConfig {
    EdgeConfig::from_lookup(|name| {
        let base = match name {
            "ORIGIN_URL" => Some("https://origin.test"),
            "ORIGIN_SIGNING_KEY" => Some(ORIGIN_KEY),
            "SESSION_KEY" => Some(SESSION_KEY),
            "JPKI_AUTH_CA_PEM" => Some(CA_PEM),
            "ADMIN_TOKEN" => Some(ADMIN_TOKEN),
            // The committed test CA is only trusted outside production.
            "ENVIRONMENT" => Some("development"),
            _ => None,
        };
        extra.iter().find(|(extra_name, _)| *extra_name == name).map(|(_, value)| *value).or(base).map(str::to_owned)
    })
    .unwrap()
}

/// A request without a device proof, as an admin, the staff console or a test of refusals sends it.
pub fn request<'r>(method: &'r str, path: &'r str, body: &'r [u8], authorization: Option<&'r str>) -> ApiRequest<'r> {
    ApiRequest {
        method,
        path,
        body,
        authorization,
        device_proof: DeviceProofHeaders::default(),
        forwarded: vec![],
        client: None,
        now_unix: NOW,
    }
}

/// The card's answer to `challenge` on the kiosk `device_id`, as the card flow makes it.
pub fn sign(key_pk8: &[u8], device_id: &str, challenge: &ChallengeResponse) -> Vec<u8> {
    let key = SigningKey::<Sha256>::from_pkcs8_der(key_pk8).unwrap();
    let message = card_challenge_message(ChallengePurpose::CardSession, device_id, challenge.challenge.as_slice());
    key.sign(&message).to_vec()
}

pub fn session_body(challenge: &ChallengeResponse, certificate: &[u8], signature: Vec<u8>) -> Vec<u8> {
    serde_json::to_vec(&SessionRequest {
        challenge_id: challenge.challenge_id.clone(),
        certificate: Base64Bytes(certificate.to_vec()),
        signature: Base64Bytes(signature),
        qualification: None,
    })
    .unwrap()
}

/// An origin that knows no route: for flows the edge must answer without asking it.
pub fn no_origin() -> OriginScript {
    Box::new(|_, _| json(404, &()))
}

pub fn json(status: u16, value: &impl serde::Serialize) -> OriginOutcome {
    OriginOutcome::Answered { status, body: serde_json::to_vec(value).unwrap(), signature: None }
}

/// A valid answer with no records, as of NOW's day: what a scripted origin answers when the records do not matter.
/// What a scripted origin that knows every certificate as good and whose staff approve every 目視 at once answers to
/// a certificate-status query or a 目視 collection (for [`CARD0_SERIAL`]'s card); `None` for any other path.
pub fn good_card_or_approved_visual_check(path: &str, body: &[u8]) -> Option<OriginOutcome> {
    match path {
        "/v1/certificate-status" => {
            let _: onshi_proto::origin::CertificateStatusQuery = serde_json::from_slice(body).unwrap();
            Some(json(200, &serde_json::json!({ "status": "good" })))
        }
        "/v1/visual-checks/collect" => Some(json(
            200,
            &serde_json::json!({
                "state": "approved",
                "certificate": { "issuer": TEST_CA_ISSUER, "serial": CARD0_SERIAL },
                "qualification": answer(),
            }),
        )),
        _ => None,
    }
}

/// A card session opened by card + PIN on `kiosk` with the test card 0, at [`NOW`].
pub fn pin_session<P: EdgePorts>(api: &EdgeApi<'_, P>, kiosk: &Kiosk) -> SessionResponse {
    let body = kiosk.answered_challenge(api, CARD0_CERT, CARD0_KEY, NOW);
    kiosk.session(api, &body, NOW).unwrap()
}

pub fn answer() -> QualificationAnswer {
    QualificationAnswer {
        validity: Validity::Valid,
        reason: Reason::Current,
        guidance: None,
        confirmation_date: onshi_proto::IsoDate::parse("2026-11-24").unwrap(),
        records: vec![],
        public_expense: Vec::new(),
        certificates_on_offer: false,
        specific_disease_consent: Default::default(),
        specific_disease_question_due: false,
    }
}
