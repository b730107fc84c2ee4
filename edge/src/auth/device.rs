//! Device identity: enrolled devices and the per-request device proof.
//!
//! Layer: a pure auth rule. A kiosk that redeemed an enrolment code ([`crate::auth::enrolment_code`]) registered
//! the public half of a non-extractable ECDSA P-256 key it made in WebCrypto; from then on every call carries a
//! device proof (see [`onshi_proto::api::device_proof_message`]). Randomness and the clock are passed in, and
//! records come from and go to the store through the API's ports. Device records are not personal data. Must not:
//! do I/O, read a clock, or count a request whose proof does not hold.
//!
//! The elliptic-curve arithmetic itself (is the point on the curve, does the signature verify) is passed in:
//! workerd's WebCrypto does it natively, many times faster than the same arithmetic compiled to wasm. This module
//! decides everything around it: which key, which message, which signature bytes, which clock, and
//! ([`check_and_count`]) that a request is counted only once its proof holds.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use der::Decode as _;
use onshi_proto::Base64Bytes;
use onshi_proto::api::{
    DEVICE_PROOF_MAX_SKEW_SECS, DeviceRole, device_proof_body_hash, device_proof_message_over_hash,
    is_device_proof_nonce,
};
use onshi_proto::facility::FacilityCode;
use serde::{Deserialize, Serialize};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};

use crate::auth::enrolment_code::DeviceTerms;
use crate::auth::ratelimit::{RateCounter, RateLimits, RateScope};
use crate::error::EdgeError;
use crate::secret::{KeyPurpose, SecretBytes};

/// Random bytes behind a device id.
pub const DEVICE_ID_RANDOM_LEN: usize = 16;
/// Longest accepted SubjectPublicKeyInfo; a P-256 one is 91 bytes.
const MAX_SPKI_LEN: usize = 256;
/// Length of an ECDSA P-256 signature in IEEE P1363 form (`r || s`), as WebCrypto makes it.
pub const P256_SIGNATURE_LEN: usize = 64;
/// `id-ecPublicKey` (RFC 5480).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp256r1` / `prime256v1` (RFC 5480).
const P256_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// A device id: the facility's 医療機関コード, a dot, and base64url (no padding) of [`DEVICE_ID_RANDOM_LEN`] random
/// bytes, e.g. `0110113719.q8Xc…`. The facility in the id names the store that holds the device and its facility's
/// counters, so a device request is checked and counted in one store call; the id is not a credential, and a
/// request naming another facility's store simply finds no such device there.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceId(String);

/// Separates the facility code from the random part of a [`DeviceId`].
const DEVICE_ID_SEPARATOR: char = '.';
/// Characters of a [`DeviceId`]'s random part in its [`DeviceId::short`] form.
pub const DEVICE_SHORT_ID_CHARS: usize = 6;

impl DeviceId {
    /// A fresh id for a device of `facility`.
    pub fn from_random(facility: &FacilityCode, random: &[u8; DEVICE_ID_RANDOM_LEN]) -> Self {
        Self(format!("{}{DEVICE_ID_SEPARATOR}{}", facility.as_str(), URL_SAFE_NO_PAD.encode(random)))
    }

    /// Accepts only ids this edge could have issued; anything else is unknown by definition.
    pub fn parse(text: &str) -> Result<Self, EdgeError> {
        let Some((facility, random)) = text.split_once(DEVICE_ID_SEPARATOR) else {
            return Err(EdgeError::DeviceUnknown);
        };
        let random_is_ours = URL_SAFE_NO_PAD.decode(random).is_ok_and(|bytes| bytes.len() == DEVICE_ID_RANDOM_LEN);
        if random_is_ours && FacilityCode::parse(facility).is_ok() {
            Ok(Self(text.to_owned()))
        } else {
            Err(EdgeError::DeviceUnknown)
        }
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id's short form, the first [`DEVICE_SHORT_ID_CHARS`] characters of its random part: the name staff see
    /// for a kiosk that was enrolled without a label. Unique enough to tell a facility's kiosks apart, and not a
    /// credential any more than the id is.
    pub fn short(&self) -> &str {
        let random = self.0.split_once(DEVICE_ID_SEPARATOR).map_or(self.0.as_str(), |(_, random)| random);
        random.get(..DEVICE_SHORT_ID_CHARS).unwrap_or(random)
    }

    /// The facility the id was issued for (checked when the id was parsed).
    pub fn facility_code(&self) -> &str {
        self.0.split_once(DEVICE_ID_SEPARATOR).map_or(self.0.as_str(), |(facility, _)| facility)
    }

    /// The name of the store instance holding this device, its counters and its facility's counters.
    pub fn store_name(&self) -> String {
        facility_store_name(self.facility_code())
    }
}

/// Random bytes at the start of a device id's random part; the rest is the [`DeviceIdTags`] tag.
const DEVICE_ID_NONCE_LEN: usize = 8;

/// Issues device ids that carry a MAC over their facility and random bytes, and recognises them without any
/// storage: an id the edge never issued (a guess, or an issued id moved to another facility) is refused before any
/// Durable Object is named after it, so guessing ids costs the edge no store and creates none.
#[derive(Debug)]
pub struct DeviceIdTags {
    key: SecretBytes,
}

impl DeviceIdTags {
    /// Derives the tag key from `SESSION_KEY` ([`KeyPurpose::DeviceId`]).
    pub fn derive(session_key: &SecretBytes) -> Result<Self, EdgeError> {
        Ok(Self { key: session_key.derive(KeyPurpose::DeviceId)? })
    }

    /// The first [`DEVICE_ID_RANDOM_LEN`] − [`DEVICE_ID_NONCE_LEN`] bytes of HMAC-SHA256(key, facility "." nonce).
    fn tag(&self, facility: &str, nonce: &[u8]) -> Result<[u8; DEVICE_ID_RANDOM_LEN - DEVICE_ID_NONCE_LEN], EdgeError> {
        use hmac::{KeyInit as _, Mac as _};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.key.expose())
            .map_err(|_| EdgeError::Config("the device id key is unusable"))?;
        mac.update(facility.as_bytes());
        mac.update(b".");
        mac.update(nonce);
        let full = mac.finalize().into_bytes();
        let mut tag = [0; DEVICE_ID_RANDOM_LEN - DEVICE_ID_NONCE_LEN];
        tag.iter_mut().zip(full.iter()).for_each(|(byte, full)| *byte = *full);
        Ok(tag)
    }

    /// A fresh, tagged id for a device of `facility`, from `nonce` random bytes.
    pub fn issue(&self, facility: &FacilityCode, nonce: &[u8; DEVICE_ID_NONCE_LEN]) -> Result<DeviceId, EdgeError> {
        let mut random = [0; DEVICE_ID_RANDOM_LEN];
        random[..DEVICE_ID_NONCE_LEN].copy_from_slice(nonce);
        random[DEVICE_ID_NONCE_LEN..].copy_from_slice(&self.tag(facility.as_str(), nonce)?);
        Ok(DeviceId::from_random(facility, &random))
    }

    /// True when this edge issued `id` (its tag verifies, compared in constant time).
    pub fn issued(&self, id: &DeviceId) -> bool {
        use subtle::ConstantTimeEq as _;
        let random = id.0.split_once(DEVICE_ID_SEPARATOR).and_then(|(_, random)| URL_SAFE_NO_PAD.decode(random).ok());
        let Some((nonce, tag)) = random.as_deref().map(|random| random.split_at(DEVICE_ID_NONCE_LEN.min(random.len())))
        else {
            return false;
        };
        self.tag(id.facility_code(), nonce).is_ok_and(|expected| bool::from(expected.as_slice().ct_eq(tag)))
    }
}

/// Random bytes the edge draws for one device id ([`DeviceIdTags::issue`]).
pub const DEVICE_ID_NONCE_RANDOM_LEN: usize = DEVICE_ID_NONCE_LEN;

/// The name of the store instance holding a facility's devices and rate counters.
pub fn facility_store_name(facility_code: &str) -> String {
    format!("facility:{facility_code}")
}

impl TryFrom<String> for DeviceId {
    type Error = EdgeError;

    fn try_from(text: String) -> Result<Self, EdgeError> {
        Self::parse(&text)
    }
}

impl From<DeviceId> for String {
    fn from(id: DeviceId) -> Self {
        id.0
    }
}

/// An enrolled device as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// Its id.
    pub device_id: DeviceId,
    /// The facility it belongs to (a validated 医療機関コード).
    pub facility_code: String,
    /// Its ECDSA P-256 public key, SubjectPublicKeyInfo DER.
    pub public_key: Base64Bytes,
    /// Unix seconds of enrolment.
    pub enrolled_at: i64,
    /// True once an admin revoked it; a revoked device stays revoked.
    pub revoked: bool,
    /// What the admin said of it with its enrolment code: name, place, staffed, role. A record stored before any
    /// of these existed reads each as absent: an unnamed, unplaced, unstaffed kiosk, which must be enrolled again to
    /// ask for 目視.
    #[serde(flatten)]
    pub terms: DeviceTerms,
}

impl DeviceRecord {
    /// The name staff know the device by: its label, else its short id.
    pub fn display_label(&self) -> String {
        self.terms.label.clone().unwrap_or_else(|| self.device_id.short().to_owned())
    }
}

/// Checks that a device public key is a SubjectPublicKeyInfo of an uncompressed ECDSA P-256 point. Whether the
/// point lies on the curve is left to the key import of the signature port.
pub fn check_public_key(spki_der: &[u8]) -> Result<(), EdgeError> {
    if spki_der.len() > MAX_SPKI_LEN {
        return Err(EdgeError::BadRequest);
    }
    let info = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| EdgeError::BadRequest)?;
    let curve = info.algorithm.parameters.and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok());
    let point = info.subject_public_key.as_bytes().unwrap_or_default();
    let is_uncompressed_p256_point = point.len() == 65 && point.first() == Some(&0x04);
    if info.algorithm.oid == EC_PUBLIC_KEY && curve == Some(P256_CURVE) && is_uncompressed_p256_point {
        Ok(())
    } else {
        Err(EdgeError::BadRequest)
    }
}

/// The device proof headers of one request, as the kiosk sent them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceProofHeaders {
    /// [`onshi_proto::api::DEVICE_ID_HEADER`].
    pub device_id: Option<String>,
    /// [`onshi_proto::api::DEVICE_TIME_HEADER`].
    pub timestamp: Option<String>,
    /// [`onshi_proto::api::DEVICE_NONCE_HEADER`].
    pub nonce: Option<String>,
    /// [`onshi_proto::api::DEVICE_SIGNATURE_HEADER`].
    pub signature: Option<String>,
}

/// The request a device proof must cover.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path (no query: the API takes none).
    pub path: &'a str,
    /// Body bytes.
    pub body: &'a [u8],
}

/// A device whose proof verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatedDevice {
    /// Its id.
    pub device_id: DeviceId,
    /// Its facility.
    pub facility_code: FacilityCode,
    /// The name staff know it by ([`DeviceRecord::display_label`]), passed to the origin with its requests.
    #[serde(default)]
    pub label: String,
    /// Where it stands, when the admin said so ([`DeviceTerms::location`]), passed with its 目視 requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// [`DeviceRecord::staffed`].
    #[serde(default)]
    pub staffed: bool,
    /// [`DeviceRecord::role`].
    #[serde(default)]
    pub role: DeviceRole,
}

impl AuthenticatedDevice {
    /// The one rule for a token bound to a device (a card session, a staff session, an insurer session): it was
    /// minted on this very device, so a token copied to any other machine, however genuine its own proof, is
    /// refused. The device id names its facility under the edge's MAC, so the same id means the same facility.
    pub fn holds_token_of(&self, token_device: &str) -> Result<(), EdgeError> {
        if token_device == self.device_id.as_str() { Ok(()) } else { Err(EdgeError::SessionInvalid) }
    }
}

/// One device request as the facility store checks and counts it: the proof as sent, what it must cover (the
/// body by its hash, so the body itself never travels to the store), the clock and the two counters to count once
/// the proof holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCheck {
    /// The device the request names.
    pub device_id: DeviceId,
    /// The proof's timestamp header, as sent.
    pub timestamp: Option<String>,
    /// The proof's nonce header, as sent.
    #[serde(default)]
    pub nonce: Option<String>,
    /// The proof's signature header, as sent.
    pub signature: Option<String>,
    /// The request's method.
    pub method: String,
    /// The request's path.
    pub path: String,
    /// hex(SHA-256(body)) ([`device_proof_body_hash`]).
    pub body_hash: String,
    /// The clock, unix seconds.
    pub now: i64,
    /// The device's counter.
    pub device_counter: RateCounter,
    /// Its facility's counter.
    pub facility_counter: RateCounter,
}

impl DeviceCheck {
    /// The check of `request`, which names `device_id` and carries `headers`, counted on the two counters.
    pub fn new(
        device_id: DeviceId,
        headers: &DeviceProofHeaders,
        request: SignedRequest<'_>,
        now_unix: i64,
        limits: &RateLimits,
    ) -> Self {
        Self {
            device_counter: limits.counter(RateScope::Device, device_id.as_str(), now_unix),
            facility_counter: limits.counter(RateScope::Facility, device_id.facility_code(), now_unix),
            device_id,
            timestamp: headers.timestamp.clone(),
            nonce: headers.nonce.clone(),
            signature: headers.signature.clone(),
            method: request.method.to_owned(),
            path: request.path.to_owned(),
            body_hash: device_proof_body_hash(request.body),
            now: now_unix,
        }
    }
}

/// What is wrong with a device proof's headers or signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProofDefect {
    /// No timestamp header.
    NoTimestamp,
    /// The timestamp is not a number.
    MalformedTimestamp,
    /// The timestamp is further from the edge's clock than the accepted skew.
    StaleTimestamp,
    /// No nonce header, or one that is not a nonce ([`is_device_proof_nonce`]).
    MissingOrMalformedNonce,
    /// The device already sent a proof with this nonce: the request is a replay.
    ReplayedNonce,
    /// No signature header, or one that is not base64url.
    MissingOrMalformedSignature,
    /// The signature has the wrong length.
    MalformedSignature,
    /// The signature does not verify with the enrolled key.
    SignatureDoesNotVerify,
}

impl ProofDefect {
    /// The defect in words, for the worker's log.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NoTimestamp => "no timestamp",
            Self::MalformedTimestamp => "malformed timestamp",
            Self::StaleTimestamp => "stale timestamp",
            Self::MissingOrMalformedNonce => "missing or malformed nonce",
            Self::ReplayedNonce => "replayed nonce",
            Self::MissingOrMalformedSignature => "missing or malformed signature",
            Self::MalformedSignature => "malformed signature",
            Self::SignatureDoesNotVerify => "signature does not verify",
        }
    }
}

/// Why the facility store refused a device request. It crosses the store boundary as data and becomes an
/// [`EdgeError`] in the worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceRefusal {
    /// The store holds no such device.
    Unknown,
    /// The device was revoked.
    Revoked,
    /// The proof does not hold.
    ProofInvalid(ProofDefect),
}

impl From<DeviceRefusal> for EdgeError {
    fn from(refusal: DeviceRefusal) -> Self {
        match refusal {
            DeviceRefusal::Unknown => Self::DeviceUnknown,
            DeviceRefusal::Revoked => Self::DeviceRevoked,
            DeviceRefusal::ProofInvalid(defect) => Self::DeviceProofInvalid(defect.reason()),
        }
    }
}

/// A device request the store let through, with the counts after counting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedDevice {
    /// The device.
    pub device: AuthenticatedDevice,
    /// The device's count in its window, this request included.
    pub device_count: u32,
    /// The facility's count in its window, this request included.
    pub facility_count: u32,
}

/// The facility store's answer to a [`DeviceCheck`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceCheckAnswer {
    /// The proof holds and the request was counted.
    Counted(CountedDevice),
    /// The request was refused and not counted.
    Refused(DeviceRefusal),
}

/// A device proof that passed every check but the signature itself, which the caller verifies with
/// [`PendingProof::public_key`] over [`PendingProof::message`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingProof {
    /// The device, once the signature verifies.
    pub device: AuthenticatedDevice,
    /// Its public key, SubjectPublicKeyInfo DER.
    pub public_key: Vec<u8>,
    /// The signed message ([`onshi_proto::api::device_proof_message`]).
    pub message: Vec<u8>,
    /// The signature, IEEE P1363 `r || s`.
    pub signature: [u8; P256_SIGNATURE_LEN],
    /// The proof's nonce, to be remembered once the signature verifies.
    pub nonce: ProofNonce,
}

/// A device proof's nonce as the store remembers it: for this device, until no proof carrying it could pass the
/// timestamp check any more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofNonce {
    /// The device that sent it (nonces of different devices never collide).
    pub device_id: DeviceId,
    /// The nonce text.
    pub nonce: String,
    /// Unix seconds after which a proof with this nonce is stale anyway, so the store may forget it.
    pub forget_after: i64,
}

/// Checks a device proof against the device's stored record, all but the signature arithmetic. `record` is the
/// store's record of [`DeviceCheck::device_id`] (`None` when it has no such device). A stored record that is
/// unusable is the store's fault, an [`EdgeError`], not a refusal.
pub fn check_device_proof(
    record: Option<DeviceRecord>,
    check: &DeviceCheck,
) -> Result<Result<PendingProof, DeviceRefusal>, EdgeError> {
    let Some(record) = record else {
        return Ok(Err(DeviceRefusal::Unknown));
    };
    if record.revoked {
        return Ok(Err(DeviceRefusal::Revoked));
    }
    let refuse = |defect| Ok(Err(DeviceRefusal::ProofInvalid(defect)));
    let Some(timestamp_text) = check.timestamp.as_deref() else {
        return refuse(ProofDefect::NoTimestamp);
    };
    let Ok(timestamp) = timestamp_text.parse::<i64>() else {
        return refuse(ProofDefect::MalformedTimestamp);
    };
    if check.now.abs_diff(timestamp) > DEVICE_PROOF_MAX_SKEW_SECS.unsigned_abs() {
        return refuse(ProofDefect::StaleTimestamp);
    }
    let Some(nonce) = check.nonce.as_deref().filter(|nonce| is_device_proof_nonce(nonce)) else {
        return refuse(ProofDefect::MissingOrMalformedNonce);
    };
    let Some(signature_bytes) = check.signature.as_deref().and_then(|text| URL_SAFE_NO_PAD.decode(text).ok()) else {
        return refuse(ProofDefect::MissingOrMalformedSignature);
    };
    let Ok(signature) = <[u8; P256_SIGNATURE_LEN]>::try_from(signature_bytes) else {
        return refuse(ProofDefect::MalformedSignature);
    };
    check_public_key(record.public_key.as_slice()).map_err(|_| EdgeError::Runtime("a stored device key is invalid"))?;
    let facility_code = FacilityCode::parse(&record.facility_code)
        .map_err(|_| EdgeError::Runtime("a stored facility code is invalid"))?;
    let label = record.display_label();
    Ok(Ok(PendingProof {
        message: device_proof_message_over_hash(&check.method, &check.path, timestamp_text, nonce, &check.body_hash),
        public_key: record.public_key.as_slice().to_vec(),
        signature,
        nonce: ProofNonce {
            device_id: record.device_id.clone(),
            nonce: nonce.to_owned(),
            forget_after: timestamp.saturating_add(DEVICE_PROOF_MAX_SKEW_SECS),
        },
        device: AuthenticatedDevice {
            device_id: record.device_id,
            facility_code,
            label,
            location: record.terms.location,
            staffed: record.terms.staffed,
            role: record.terms.role,
        },
    }))
}

/// The facility store's one step for a device request: the proof is checked against the stored record, its
/// signature verified, its nonce remembered (a nonce already remembered refuses the request as a replay), and only
/// then is the request counted, on the device's and the facility's counters. Only proven requests count and only
/// their nonces are kept, so nobody can use up a device's allowance or fill the store with forged proofs; and
/// because one store holds a facility's devices, nonces and counters, the whole step is one store call.
/// Remembering and counting are synchronous after the last await, so two requests can never both see the same
/// nonce as new or the same count. The Durable Object and the native test store both run this function, so both
/// decide alike.
pub async fn check_and_count(
    record: Option<DeviceRecord>,
    check: &DeviceCheck,
    verify: impl AsyncFnOnce(&PendingProof) -> Result<bool, EdgeError>,
    remember_nonce: impl FnOnce(&ProofNonce) -> Result<bool, EdgeError>,
    mut count: impl FnMut(&RateCounter) -> Result<u32, EdgeError>,
) -> Result<DeviceCheckAnswer, EdgeError> {
    let pending = match check_device_proof(record, check)? {
        Ok(pending) => pending,
        Err(refusal) => return Ok(DeviceCheckAnswer::Refused(refusal)),
    };
    if !verify(&pending).await? {
        return Ok(DeviceCheckAnswer::Refused(DeviceRefusal::ProofInvalid(ProofDefect::SignatureDoesNotVerify)));
    }
    if !remember_nonce(&pending.nonce)? {
        return Ok(DeviceCheckAnswer::Refused(DeviceRefusal::ProofInvalid(ProofDefect::ReplayedNonce)));
    }
    Ok(DeviceCheckAnswer::Counted(CountedDevice {
        device_count: count(&check.device_counter)?,
        facility_count: count(&check.facility_counter)?,
        device: pending.device,
    }))
}

#[cfg(test)]
mod tests {
    use onshi_proto::api::device_proof_message;
    use p256::ecdsa::signature::{Signer as _, Verifier as _};
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};

    use super::*;

    const FACILITY: &str = "0110113719";

    fn signing_key(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    fn spki(key: &SigningKey) -> Vec<u8> {
        key.verifying_key().to_public_key_der().unwrap().as_bytes().to_vec()
    }

    fn facility() -> FacilityCode {
        FacilityCode::parse(FACILITY).unwrap()
    }

    fn device_id() -> DeviceId {
        DeviceId::from_random(&facility(), &[4; DEVICE_ID_RANDOM_LEN])
    }

    fn record(key: &SigningKey, revoked: bool) -> DeviceRecord {
        DeviceRecord {
            device_id: device_id(),
            facility_code: FACILITY.into(),
            public_key: Base64Bytes::from(spki(key)),
            enrolled_at: 0,
            revoked,
            terms: DeviceTerms::default(),
        }
    }

    fn proof(key: &SigningKey, request: SignedRequest<'_>, timestamp: i64) -> DeviceProofHeaders {
        proof_with_nonce(key, request, timestamp, &format!("nonce-{timestamp:0>16}"))
    }

    fn proof_with_nonce(
        key: &SigningKey,
        request: SignedRequest<'_>,
        timestamp: i64,
        nonce: &str,
    ) -> DeviceProofHeaders {
        let time = timestamp.to_string();
        let message = device_proof_message(request.method, request.path, &time, nonce, request.body);
        let signature: Signature = key.sign(&message);
        DeviceProofHeaders {
            device_id: Some(device_id().as_str().to_owned()),
            timestamp: Some(time),
            nonce: Some(nonce.to_owned()),
            signature: Some(URL_SAFE_NO_PAD.encode(signature.to_bytes())),
        }
    }

    /// What the signature port does: verify with the pending proof's key over its message.
    fn signature_verifies(pending: &PendingProof) -> bool {
        let key = VerifyingKey::from_public_key_der(&pending.public_key).unwrap();
        let signature = Signature::from_slice(&pending.signature).unwrap();
        key.verify(&pending.message, &signature).is_ok()
    }

    /// The store's check of `request` with `headers`, at `now`.
    fn check(headers: &DeviceProofHeaders, request: SignedRequest<'_>, now: i64) -> DeviceCheck {
        DeviceCheck::new(device_id(), headers, request, now, &RateLimits::default())
    }

    fn checked(
        record: Option<DeviceRecord>,
        headers: &DeviceProofHeaders,
        request: SignedRequest<'_>,
        now: i64,
    ) -> Result<PendingProof, DeviceRefusal> {
        check_device_proof(record, &check(headers, request, now)).unwrap()
    }

    const REQUEST: SignedRequest<'static> = SignedRequest { method: "POST", path: "/api/v1/challenge", body: b"" };

    #[test]
    fn a_device_is_known_by_its_label_or_else_by_its_short_id() {
        let key = signing_key(7);
        let unnamed = record(&key, false);
        let short = device_id().short().to_owned();
        assert_eq!(short.chars().count(), DEVICE_SHORT_ID_CHARS);
        assert!(device_id().as_str()[FACILITY.len() + 1..].starts_with(&short));
        assert_eq!(unnamed.display_label(), short);
        let named = DeviceRecord {
            terms: DeviceTerms { label: Some("受付1".into()), ..DeviceTerms::default() },
            ..unnamed.clone()
        };
        assert_eq!(named.display_label(), "受付1");
        // The authenticated device carries the name on to the origin.
        let headers = proof(&key, REQUEST, 1_000);
        assert_eq!(checked(Some(named), &headers, REQUEST, 1_000).unwrap().device.label, "受付1");
        assert_eq!(checked(Some(unnamed.clone()), &headers, REQUEST, 1_000).unwrap().device.label, short);
        // A record stored before kiosks had names reads back without one.
        let mut old = serde_json::to_value(&unnamed).unwrap();
        old.as_object_mut().unwrap().remove("label");
        assert_eq!(serde_json::from_value::<DeviceRecord>(old).unwrap(), unnamed);
    }

    #[test]
    fn a_proof_by_the_enrolled_key_passes_within_the_window() {
        let key = signing_key(7);
        let headers = proof(&key, REQUEST, 1_000);
        let pending = checked(Some(record(&key, false)), &headers, REQUEST, 1_060).unwrap();
        assert_eq!(pending.device.facility_code.as_str(), FACILITY);
        assert!(signature_verifies(&pending));
        assert_eq!(
            checked(Some(record(&key, false)), &headers, REQUEST, 1_061),
            Err(DeviceRefusal::ProofInvalid(ProofDefect::StaleTimestamp))
        );
    }

    #[test]
    fn the_signed_message_binds_key_path_and_body() {
        let key = signing_key(7);
        let by_other = proof(&signing_key(8), REQUEST, 1_000);
        let pending = checked(Some(record(&key, false)), &by_other, REQUEST, 1_000).unwrap();
        assert!(!signature_verifies(&pending), "another key's signature");
        let headers = proof(&key, REQUEST, 1_000);
        let other_path = SignedRequest { path: "/api/v1/session", ..REQUEST };
        let pending = checked(Some(record(&key, false)), &headers, other_path, 1_000).unwrap();
        assert!(!signature_verifies(&pending), "a proof for another path");
        let other_body = SignedRequest { body: b"{}", ..REQUEST };
        let pending = checked(Some(record(&key, false)), &headers, other_body, 1_000).unwrap();
        assert!(!signature_verifies(&pending), "a proof for another body");
    }

    #[test]
    fn revoked_and_unknown_devices_are_refused_before_any_arithmetic() {
        let key = signing_key(7);
        let headers = proof(&key, REQUEST, 1_000);
        assert_eq!(checked(Some(record(&key, true)), &headers, REQUEST, 1_000), Err(DeviceRefusal::Revoked));
        assert_eq!(checked(None, &headers, REQUEST, 1_000), Err(DeviceRefusal::Unknown));
    }

    #[test]
    fn malformed_proof_headers_are_typed_errors() {
        let key = signing_key(7);
        let good = proof(&key, REQUEST, 1_000);
        for (headers, reason) in [
            (DeviceProofHeaders { timestamp: None, ..good.clone() }, "no timestamp"),
            (DeviceProofHeaders { timestamp: Some("soon".into()), ..good.clone() }, "malformed timestamp"),
            (DeviceProofHeaders { timestamp: Some(i64::MIN.to_string()), ..good.clone() }, "stale timestamp"),
            (DeviceProofHeaders { nonce: None, ..good.clone() }, "missing or malformed nonce"),
            (DeviceProofHeaders { nonce: Some("short".into()), ..good.clone() }, "missing or malformed nonce"),
            (
                DeviceProofHeaders { nonce: Some("0123456789abcdef\nx".into()), ..good.clone() },
                "missing or malformed nonce",
            ),
            (DeviceProofHeaders { signature: None, ..good.clone() }, "missing or malformed signature"),
            (DeviceProofHeaders { signature: Some("!!".into()), ..good.clone() }, "missing or malformed signature"),
            (DeviceProofHeaders { signature: Some("AAAA".into()), ..good.clone() }, "malformed signature"),
        ] {
            assert_eq!(
                checked(Some(record(&key, false)), &headers, REQUEST, 1_000).map_err(EdgeError::from),
                Err(EdgeError::DeviceProofInvalid(reason))
            );
        }
    }

    #[test]
    fn public_keys_must_be_uncompressed_p256_spki() {
        let key = signing_key(3);
        assert_eq!(check_public_key(&spki(&key)), Ok(()));
        assert_eq!(check_public_key(b"not a key"), Err(EdgeError::BadRequest));
        assert_eq!(check_public_key(&[0x30; 300]), Err(EdgeError::BadRequest));
        // The same key as a compressed point: valid DER on the same curve, but not what WebCrypto exports.
        let compressed = key.verifying_key().to_sec1_point(true);
        let mut compressed_spki = hex::decode("3039301306072a8648ce3d020106082a8648ce3d030107032200").unwrap();
        compressed_spki.extend_from_slice(compressed.as_bytes());
        assert!(SubjectPublicKeyInfoRef::from_der(&compressed_spki).is_ok());
        assert_eq!(check_public_key(&compressed_spki), Err(EdgeError::BadRequest));
        // An RSA SubjectPublicKeyInfo (the test card CA's) is not a device key.
        let card_ca = include_str!("../../test/fixtures/test-pki/auth-ca.pem");
        let rsa_spki = {
            use der::Encode as _;
            let (_, der) = der::pem::decode_vec(card_ca.as_bytes()).unwrap();
            let certificate = x509_cert::Certificate::from_der(&der).unwrap();
            certificate.tbs_certificate().subject_public_key_info().to_der().unwrap()
        };
        assert_eq!(check_public_key(&rsa_spki), Err(EdgeError::BadRequest));
    }

    #[test]
    fn device_ids_name_their_facility_and_foreign_ids_are_unknown() {
        let id = DeviceId::from_random(&facility(), &[9; DEVICE_ID_RANDOM_LEN]);
        assert_eq!(id.facility_code(), FACILITY);
        assert_eq!(id.store_name(), "facility:0110113719");
        assert_eq!(DeviceId::parse(id.as_str()), Ok(id.clone()));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<DeviceId>(&json).unwrap(), id);
        for bad in [
            "",
            "short",
            // The random part alone, as ids had it before they named their facility.
            "CQkJCQkJCQkJCQkJCQkJCQ",
            "0110113719.short",
            "0110113719.AAAAAAAAAAAAAAAAAAAAAAAA",
            // A facility code with a wrong check digit.
            "0110113718.CQkJCQkJCQkJCQkJCQkJCQ",
            "0110113719.not base64!",
        ] {
            assert_eq!(DeviceId::parse(bad), Err(EdgeError::DeviceUnknown), "{bad}");
            assert!(serde_json::from_str::<DeviceId>(&format!("{bad:?}")).is_err(), "{bad}");
        }
    }

    /// Runs the store step with the p256 crate as the signature port, a fresh set as the remembered nonces and a
    /// map as the counters.
    fn run_store_step(
        record: Option<DeviceRecord>,
        check: &DeviceCheck,
        counts: &mut std::collections::HashMap<String, u32>,
    ) -> DeviceCheckAnswer {
        run_store_step_with_nonces(record, check, counts, &mut std::collections::HashSet::new())
    }

    fn run_store_step_with_nonces(
        record: Option<DeviceRecord>,
        check: &DeviceCheck,
        counts: &mut std::collections::HashMap<String, u32>,
        nonces: &mut std::collections::HashSet<(String, String)>,
    ) -> DeviceCheckAnswer {
        futures::executor::block_on(check_and_count(
            record,
            check,
            async |pending| Ok(signature_verifies(pending)),
            |nonce| Ok(nonces.insert((nonce.device_id.as_str().to_owned(), nonce.nonce.clone()))),
            |counter| {
                let count = counts.entry(counter.name.clone()).or_default();
                *count += 1;
                Ok(*count)
            },
        ))
        .unwrap()
    }

    #[test]
    fn the_store_step_counts_only_proven_requests_on_both_counters() {
        let key = signing_key(7);
        let mut counts = std::collections::HashMap::new();
        let good = check(&proof(&key, REQUEST, 1_000), REQUEST, 1_000);
        for expected in 1..=2 {
            assert_eq!(
                run_store_step(Some(record(&key, false)), &good, &mut counts),
                DeviceCheckAnswer::Counted(CountedDevice {
                    device: AuthenticatedDevice {
                        device_id: device_id(),
                        facility_code: facility(),
                        label: device_id().short().to_owned(),
                        location: None,
                        staffed: false,
                        role: DeviceRole::Kiosk,
                    },
                    device_count: expected,
                    facility_count: expected,
                })
            );
        }
        let forged = check(&proof(&signing_key(8), REQUEST, 1_000), REQUEST, 1_000);
        assert_eq!(
            run_store_step(Some(record(&key, false)), &forged, &mut counts),
            DeviceCheckAnswer::Refused(DeviceRefusal::ProofInvalid(ProofDefect::SignatureDoesNotVerify))
        );
        assert_eq!(
            run_store_step(Some(record(&key, true)), &good, &mut counts),
            DeviceCheckAnswer::Refused(DeviceRefusal::Revoked)
        );
        assert_eq!(run_store_step(None, &good, &mut counts), DeviceCheckAnswer::Refused(DeviceRefusal::Unknown));
        assert_eq!(counts[&good.device_counter.name], 2, "refusals are not counted");
        assert_eq!(counts[&good.facility_counter.name], 2, "refusals are not counted");
        assert_eq!(good.facility_counter.name, "rate:facility:0110113719");
        assert_eq!(
            EdgeError::from(DeviceRefusal::ProofInvalid(ProofDefect::SignatureDoesNotVerify)),
            EdgeError::DeviceProofInvalid("signature does not verify")
        );
    }

    #[test]
    fn a_replayed_proof_is_refused_and_not_counted_and_a_forged_one_leaves_no_nonce() {
        let key = signing_key(7);
        let mut counts = std::collections::HashMap::new();
        let mut nonces = std::collections::HashSet::new();
        let headers = proof_with_nonce(&key, REQUEST, 1_000, "AAAAAAAAAAAAAAAAAAAAAA");
        let first = check(&headers, REQUEST, 1_000);
        let answer = run_store_step_with_nonces(Some(record(&key, false)), &first, &mut counts, &mut nonces);
        assert!(matches!(answer, DeviceCheckAnswer::Counted(_)), "{answer:?}");
        // The same proof again, a second later and still inside the window.
        let replay = check(&headers, REQUEST, 1_001);
        assert_eq!(
            run_store_step_with_nonces(Some(record(&key, false)), &replay, &mut counts, &mut nonces),
            DeviceCheckAnswer::Refused(DeviceRefusal::ProofInvalid(ProofDefect::ReplayedNonce))
        );
        assert_eq!(counts[&first.device_counter.name], 1, "a replay is not counted");
        // A forged proof with a new nonce is refused before its nonce is remembered.
        let forged =
            check(&proof_with_nonce(&signing_key(8), REQUEST, 1_000, "BBBBBBBBBBBBBBBBBBBBBB"), REQUEST, 1_000);
        run_store_step_with_nonces(Some(record(&key, false)), &forged, &mut counts, &mut nonces);
        assert_eq!(nonces.len(), 1);
        // The nonce is kept exactly as long as a proof carrying it could pass the timestamp check.
        let pending = checked(Some(record(&key, false)), &headers, REQUEST, 1_000).unwrap();
        assert_eq!(pending.nonce.forget_after, 1_000 + DEVICE_PROOF_MAX_SKEW_SECS);
    }

    #[test]
    fn only_ids_this_edge_issued_carry_a_valid_tag() {
        let tags = DeviceIdTags::derive(&SecretBytes::new(vec![7; 32])).unwrap();
        let issued = tags.issue(&facility(), &[1; DEVICE_ID_NONCE_RANDOM_LEN]).unwrap();
        assert!(tags.issued(&issued));
        assert_eq!(DeviceId::parse(issued.as_str()), Ok(issued.clone()));
        // A guessed id, the issued id under another facility, and the same id under another edge's key.
        assert!(!tags.issued(&device_id()));
        let moved = DeviceId::parse(&issued.as_str().replace(FACILITY, "1310000011")).unwrap();
        assert!(!tags.issued(&moved));
        let elsewhere = DeviceIdTags::derive(&SecretBytes::new(vec![8; 32])).unwrap();
        assert!(!elsewhere.issued(&issued));
    }
}
