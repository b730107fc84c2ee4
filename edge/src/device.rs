//! Device identity: one-time enrolment codes, enrolled devices and the per-request device proof.
//!
//! A facility admin issues a one-time code for a 医療機関コード; a kiosk redeems it once, registering the public half
//! of a non-extractable ECDSA P-256 key it made in WebCrypto; from then on every call carries a device proof (see
//! [`onshi_proto::api::device_proof_message`]). Pure: randomness and the clock are passed in, records come from
//! and go to the store through the service's ports. Device records are not personal data.
//!
//! The elliptic-curve arithmetic itself (is the point on the curve, does the signature verify) is a port of the
//! service: workerd's WebCrypto does it natively, many times faster than the same arithmetic compiled to wasm.
//! This module decides everything around it: which key, which message, which signature bytes, which clock.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use der::Decode as _;
use onshi_proto::Base64Bytes;
use onshi_proto::api::{DEVICE_PROOF_MAX_SKEW_SECS, device_proof_message};
use onshi_proto::facility::FacilityCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::EdgeError;

/// How long an enrolment code may be redeemed, in seconds.
pub const ENROLMENT_CODE_LIFETIME_SECS: i64 = 24 * 60 * 60;
/// Characters in an enrolment code (without the display hyphens): 12 × 5 bits = 60 bits.
pub const ENROLMENT_CODE_CHARS: usize = 12;
/// Random bytes drawn for one enrolment code, one per character.
pub const ENROLMENT_CODE_RANDOM_LEN: usize = ENROLMENT_CODE_CHARS;
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

/// The code alphabet: digits and capitals without 0/O and 1/I, which people confuse when typing. 32 symbols, so
/// `byte % 32` picks one without bias.
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A one-time enrolment code: a credential, so wiped on drop and never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct EnrolmentCode(String);

impl std::fmt::Debug for EnrolmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnrolmentCode(<redacted>)")
    }
}

impl EnrolmentCode {
    /// A fresh code from [`ENROLMENT_CODE_RANDOM_LEN`] random bytes.
    pub fn generate(random: &[u8; ENROLMENT_CODE_RANDOM_LEN]) -> Self {
        Self(
            random
                .iter()
                .map(|byte| char::from(CODE_ALPHABET[usize::from(byte % 32)]))
                .collect(),
        )
    }

    /// Reads a typed code: case, spaces and hyphens do not matter.
    pub fn parse(typed: &str) -> Result<Self, EdgeError> {
        let mut normalised: String = typed
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = normalised.len() == ENROLMENT_CODE_CHARS
            && normalised.bytes().all(|b| CODE_ALPHABET.contains(&b));
        if valid {
            Ok(Self(normalised))
        } else {
            normalised.zeroize();
            Err(EdgeError::EnrolmentCodeInvalid("malformed"))
        }
    }

    /// The code as shown to the admin: three groups of four, e.g. `K7QM-4XRD-9TWP`.
    pub fn display(&self) -> String {
        let bytes = self.0.as_bytes();
        bytes
            .chunks(4)
            .map(|group| String::from_utf8_lossy(group).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The key the code is stored under: its SHA-256, so the store never holds a redeemable code.
    pub fn lookup_key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"onshi-enrolment-code-v1\n");
        hasher.update(self.0.as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// An enrolment code as the store keeps it, after its use was counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEnrolmentCode {
    /// The facility the code enrols into.
    pub facility_code: String,
    /// Unix seconds after which the code is refused.
    pub expires_at: i64,
    /// Redemption attempts, this one included.
    pub uses: u32,
}

/// Decides whether redeeming a code succeeds; `record` is `None` when the store has no such code.
pub fn judge_redemption(
    record: Option<StoredEnrolmentCode>,
    now_unix: i64,
) -> Result<FacilityCode, EdgeError> {
    let record = record.ok_or(EdgeError::EnrolmentCodeInvalid("unknown"))?;
    if record.uses > 1 {
        return Err(EdgeError::EnrolmentCodeInvalid("already used"));
    }
    if now_unix > record.expires_at {
        return Err(EdgeError::EnrolmentCodeInvalid("expired"));
    }
    FacilityCode::parse(&record.facility_code)
        .map_err(|_| EdgeError::Runtime("a stored facility code is invalid"))
}

/// A device id: base64url (no padding) of [`DEVICE_ID_RANDOM_LEN`] random bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(String);

impl DeviceId {
    /// A fresh id.
    pub fn from_random(random: &[u8; DEVICE_ID_RANDOM_LEN]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(random))
    }

    /// Accepts only ids this edge could have issued; anything else is unknown by definition.
    pub fn parse(text: &str) -> Result<Self, EdgeError> {
        match URL_SAFE_NO_PAD.decode(text) {
            Ok(bytes) if bytes.len() == DEVICE_ID_RANDOM_LEN => Ok(Self(text.to_owned())),
            _ => Err(EdgeError::DeviceUnknown),
        }
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
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
}

/// Checks that a device public key is a SubjectPublicKeyInfo of an uncompressed ECDSA P-256 point. Whether the
/// point lies on the curve is left to the key import of the signature port.
pub fn check_public_key(spki_der: &[u8]) -> Result<(), EdgeError> {
    if spki_der.len() > MAX_SPKI_LEN {
        return Err(EdgeError::BadRequest);
    }
    let info = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| EdgeError::BadRequest)?;
    let curve = info
        .algorithm
        .parameters
        .and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok());
    let point = info.subject_public_key.as_bytes().unwrap_or_default();
    let is_uncompressed_p256_point = point.len() == 65 && point.first() == Some(&0x04);
    if info.algorithm.oid == EC_PUBLIC_KEY
        && curve == Some(P256_CURVE)
        && is_uncompressed_p256_point
    {
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedDevice {
    /// Its id.
    pub device_id: DeviceId,
    /// Its facility.
    pub facility_code: FacilityCode,
}

/// A device proof that passed every check but the signature itself, which the caller verifies with
/// [`PendingProof::public_key`] over [`PendingProof::message`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingProof {
    /// The device, once the signature verifies.
    pub device: AuthenticatedDevice,
    /// Its public key, SubjectPublicKeyInfo DER.
    pub public_key: Vec<u8>,
    /// The signed message ([`device_proof_message`]).
    pub message: Vec<u8>,
    /// The signature, IEEE P1363 `r || s`.
    pub signature: [u8; P256_SIGNATURE_LEN],
}

/// Checks a device proof against the device's stored record, all but the signature arithmetic. The caller loaded
/// `record` by [`DeviceProofHeaders::device_id`] (`None` when the store has no such device).
pub fn check_device_proof(
    record: Option<DeviceRecord>,
    headers: &DeviceProofHeaders,
    request: SignedRequest<'_>,
    now_unix: i64,
) -> Result<PendingProof, EdgeError> {
    let record = record.ok_or(EdgeError::DeviceUnknown)?;
    if record.revoked {
        return Err(EdgeError::DeviceRevoked);
    }
    let timestamp_text = headers
        .timestamp
        .as_deref()
        .ok_or(EdgeError::DeviceProofInvalid("no timestamp"))?;
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| EdgeError::DeviceProofInvalid("malformed timestamp"))?;
    if now_unix.abs_diff(timestamp) > DEVICE_PROOF_MAX_SKEW_SECS.unsigned_abs() {
        return Err(EdgeError::DeviceProofInvalid("stale timestamp"));
    }
    let signature_bytes = headers
        .signature
        .as_deref()
        .and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
        .ok_or(EdgeError::DeviceProofInvalid(
            "missing or malformed signature",
        ))?;
    let signature: [u8; P256_SIGNATURE_LEN] = signature_bytes
        .try_into()
        .map_err(|_| EdgeError::DeviceProofInvalid("malformed signature"))?;
    check_public_key(record.public_key.as_slice())
        .map_err(|_| EdgeError::Runtime("a stored device key is invalid"))?;
    let facility_code = FacilityCode::parse(&record.facility_code)
        .map_err(|_| EdgeError::Runtime("a stored facility code is invalid"))?;
    Ok(PendingProof {
        message: device_proof_message(request.method, request.path, timestamp_text, request.body),
        public_key: record.public_key.as_slice().to_vec(),
        signature,
        device: AuthenticatedDevice {
            device_id: record.device_id,
            facility_code,
        },
    })
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::signature::{Signer as _, Verifier as _};
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};

    use super::*;

    const FACILITY: &str = "0110113719";

    fn signing_key(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    fn spki(key: &SigningKey) -> Vec<u8> {
        key.verifying_key()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec()
    }

    fn record(key: &SigningKey, revoked: bool) -> DeviceRecord {
        DeviceRecord {
            device_id: DeviceId::from_random(&[4; DEVICE_ID_RANDOM_LEN]),
            facility_code: FACILITY.into(),
            public_key: Base64Bytes::from(spki(key)),
            enrolled_at: 0,
            revoked,
        }
    }

    fn proof(key: &SigningKey, request: SignedRequest<'_>, timestamp: i64) -> DeviceProofHeaders {
        let time = timestamp.to_string();
        let message = device_proof_message(request.method, request.path, &time, request.body);
        let signature: Signature = key.sign(&message);
        DeviceProofHeaders {
            device_id: Some(
                DeviceId::from_random(&[4; DEVICE_ID_RANDOM_LEN])
                    .as_str()
                    .to_owned(),
            ),
            timestamp: Some(time),
            signature: Some(URL_SAFE_NO_PAD.encode(signature.to_bytes())),
        }
    }

    /// What the signature port does: verify with the pending proof's key over its message.
    fn signature_verifies(pending: &PendingProof) -> bool {
        let key = VerifyingKey::from_public_key_der(&pending.public_key).unwrap();
        let signature = Signature::from_slice(&pending.signature).unwrap();
        key.verify(&pending.message, &signature).is_ok()
    }

    const REQUEST: SignedRequest<'static> = SignedRequest {
        method: "POST",
        path: "/api/v1/challenge",
        body: b"",
    };

    #[test]
    fn a_proof_by_the_enrolled_key_passes_within_the_window() {
        let key = signing_key(7);
        let headers = proof(&key, REQUEST, 1_000);
        let pending =
            check_device_proof(Some(record(&key, false)), &headers, REQUEST, 1_060).unwrap();
        assert_eq!(pending.device.facility_code.as_str(), FACILITY);
        assert!(signature_verifies(&pending));
        assert_eq!(
            check_device_proof(Some(record(&key, false)), &headers, REQUEST, 1_061),
            Err(EdgeError::DeviceProofInvalid("stale timestamp"))
        );
    }

    #[test]
    fn the_signed_message_binds_key_path_and_body() {
        let key = signing_key(7);
        let by_other = proof(&signing_key(8), REQUEST, 1_000);
        let pending =
            check_device_proof(Some(record(&key, false)), &by_other, REQUEST, 1_000).unwrap();
        assert!(!signature_verifies(&pending), "another key's signature");
        let headers = proof(&key, REQUEST, 1_000);
        let other_path = SignedRequest {
            path: "/api/v1/session",
            ..REQUEST
        };
        let pending =
            check_device_proof(Some(record(&key, false)), &headers, other_path, 1_000).unwrap();
        assert!(!signature_verifies(&pending), "a proof for another path");
        let other_body = SignedRequest {
            body: b"{}",
            ..REQUEST
        };
        let pending =
            check_device_proof(Some(record(&key, false)), &headers, other_body, 1_000).unwrap();
        assert!(!signature_verifies(&pending), "a proof for another body");
    }

    #[test]
    fn revoked_and_unknown_devices_are_refused_before_any_arithmetic() {
        let key = signing_key(7);
        let headers = proof(&key, REQUEST, 1_000);
        assert_eq!(
            check_device_proof(Some(record(&key, true)), &headers, REQUEST, 1_000),
            Err(EdgeError::DeviceRevoked)
        );
        assert_eq!(
            check_device_proof(None, &headers, REQUEST, 1_000),
            Err(EdgeError::DeviceUnknown)
        );
    }

    #[test]
    fn malformed_proof_headers_are_typed_errors() {
        let key = signing_key(7);
        let good = proof(&key, REQUEST, 1_000);
        for (headers, reason) in [
            (
                DeviceProofHeaders {
                    timestamp: None,
                    ..good.clone()
                },
                "no timestamp",
            ),
            (
                DeviceProofHeaders {
                    timestamp: Some("soon".into()),
                    ..good.clone()
                },
                "malformed timestamp",
            ),
            (
                DeviceProofHeaders {
                    timestamp: Some(i64::MIN.to_string()),
                    ..good.clone()
                },
                "stale timestamp",
            ),
            (
                DeviceProofHeaders {
                    signature: None,
                    ..good.clone()
                },
                "missing or malformed signature",
            ),
            (
                DeviceProofHeaders {
                    signature: Some("!!".into()),
                    ..good.clone()
                },
                "missing or malformed signature",
            ),
            (
                DeviceProofHeaders {
                    signature: Some("AAAA".into()),
                    ..good.clone()
                },
                "malformed signature",
            ),
        ] {
            assert_eq!(
                check_device_proof(Some(record(&key, false)), &headers, REQUEST, 1_000),
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
        let mut compressed_spki =
            hex::decode("3039301306072a8648ce3d020106082a8648ce3d030107032200").unwrap();
        compressed_spki.extend_from_slice(compressed.as_bytes());
        assert!(SubjectPublicKeyInfoRef::from_der(&compressed_spki).is_ok());
        assert_eq!(
            check_public_key(&compressed_spki),
            Err(EdgeError::BadRequest)
        );
        // An RSA SubjectPublicKeyInfo (the test card CA's) is not a device key.
        let card_ca = include_str!("../test/fixtures/test-pki/auth-ca.pem");
        let rsa_spki = {
            use der::Encode as _;
            let (_, der) = der::pem::decode_vec(card_ca.as_bytes()).unwrap();
            let certificate = x509_cert::Certificate::from_der(&der).unwrap();
            certificate
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .unwrap()
        };
        assert_eq!(check_public_key(&rsa_spki), Err(EdgeError::BadRequest));
    }

    #[test]
    fn enrolment_codes_are_typable_normalised_and_stored_hashed() {
        let code = EnrolmentCode::generate(&[0, 1, 2, 3, 31, 32, 33, 255, 8, 9, 10, 11]);
        assert_eq!(code.display(), "2345-Z23Z-ABCD");
        let typed = EnrolmentCode::parse(" 2345 z23z-abcd ").unwrap();
        assert_eq!(typed, code);
        assert_eq!(typed.lookup_key(), code.lookup_key());
        assert_eq!(code.lookup_key().len(), 64);
        assert!(!code.lookup_key().contains("2345Z23ZABCD"));
        assert!(!format!("{code:?}").contains("2345"));
        for bad in [
            "",
            "2345-Z234-ZAB",
            "2345-Z234-ZABCD",
            "2345-Z234-ZAB0",
            "2345-Z234-ZABI",
        ] {
            assert_eq!(
                EnrolmentCode::parse(bad),
                Err(EdgeError::EnrolmentCodeInvalid("malformed")),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_code_redeems_once_before_it_expires() {
        let stored = |uses| StoredEnrolmentCode {
            facility_code: FACILITY.into(),
            expires_at: 100,
            uses,
        };
        assert_eq!(
            judge_redemption(Some(stored(1)), 100).unwrap().as_str(),
            FACILITY
        );
        assert_eq!(
            judge_redemption(Some(stored(2)), 50),
            Err(EdgeError::EnrolmentCodeInvalid("already used"))
        );
        assert_eq!(
            judge_redemption(Some(stored(1)), 101),
            Err(EdgeError::EnrolmentCodeInvalid("expired"))
        );
        assert_eq!(
            judge_redemption(None, 0),
            Err(EdgeError::EnrolmentCodeInvalid("unknown"))
        );
    }

    #[test]
    fn device_ids_round_trip_and_foreign_ids_are_unknown() {
        let id = DeviceId::from_random(&[9; DEVICE_ID_RANDOM_LEN]);
        assert_eq!(DeviceId::parse(id.as_str()), Ok(id));
        for bad in ["", "short", "AAAAAAAAAAAAAAAAAAAAAAAA", "not base64!"] {
            assert_eq!(DeviceId::parse(bad), Err(EdgeError::DeviceUnknown), "{bad}");
        }
    }
}
