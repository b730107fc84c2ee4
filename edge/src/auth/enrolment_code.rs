//! One-time codes: the device enrolment code and the staff login code, which share one alphabet, one stored form
//! and one redemption rule.
//!
//! Layer: a pure auth rule. A facility admin issues a code for a 医療機関コード; a kiosk redeems an enrolment code
//! once to register its key, and the staff console redeems a staff login code once for a staff session. The two
//! kinds are stored under different lookup keys, so a staff code can never enrol a device and an enrolment code can
//! never log staff in. Must not: keep a redeemable code anywhere (the store sees only its hash), print one, or read
//! the clock (it is passed in).

use onshi_proto::api::DeviceRole;
use onshi_proto::facility::FacilityCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::EdgeError;

/// How long an enrolment code may be redeemed, in seconds.
pub const ENROLMENT_CODE_LIFETIME_SECS: i64 = 24 * 60 * 60;
/// How long a staff login code may be redeemed, in seconds: one working day.
pub const STAFF_CODE_LIFETIME_SECS: i64 = 12 * 60 * 60;
/// Characters in an enrolment code (without the display hyphens): 12 × 5 bits = 60 bits.
pub const ENROLMENT_CODE_CHARS: usize = 12;
/// Random bytes drawn for one enrolment code, one per character.
pub const ENROLMENT_CODE_RANDOM_LEN: usize = ENROLMENT_CODE_CHARS;

/// The code alphabet: digits and capitals without 0/O and 1/I, which people confuse when typing. 32 symbols, so
/// `byte % 32` picks one without bias.
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A one-time enrolment code: a credential, so wiped on drop, never printed and compared in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct EnrolmentCode(String);

impl PartialEq for EnrolmentCode {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl Eq for EnrolmentCode {}

impl std::fmt::Debug for EnrolmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnrolmentCode(<redacted>)")
    }
}

impl EnrolmentCode {
    /// A fresh code from [`ENROLMENT_CODE_RANDOM_LEN`] random bytes.
    pub fn generate(random: &[u8; ENROLMENT_CODE_RANDOM_LEN]) -> Self {
        Self(random.iter().map(|byte| char::from(CODE_ALPHABET[usize::from(byte % 32)])).collect())
    }

    /// Reads a typed code: case, spaces and hyphens do not matter.
    pub fn parse(typed: &str) -> Result<Self, EdgeError> {
        let mut normalised: String =
            typed.chars().filter(|c| !matches!(c, '-' | ' ' | '\u{3000}')).map(|c| c.to_ascii_uppercase()).collect();
        let valid = normalised.len() == ENROLMENT_CODE_CHARS && normalised.bytes().all(|b| CODE_ALPHABET.contains(&b));
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
        bytes.chunks(4).map(|group| String::from_utf8_lossy(group).into_owned()).collect::<Vec<_>>().join("-")
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
    /// What the admin said of the device the code enrols.
    #[serde(flatten)]
    pub terms: DeviceTerms,
}

/// What the admin said of a device when issuing its enrolment code, carried unchanged from the code to the device's
/// record: the name staff know it by, where it stands, whether staff see the patient there, and what it is for.
/// Each part may be absent: a device stored before the part existed reads as unnamed, unplaced, unstaffed and a
/// kiosk, which is the narrowest device there is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceTerms {
    /// The name staff know the device by ([`onshi_proto::api::DeviceLabel`]); without one, its short id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Where it stands ([`onshi_proto::api::DeviceLocation`]), shown with its name on its 目視 requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// True when it stands where staff see the patient; only such a kiosk may ask for 目視.
    pub staffed: bool,
    /// What it is for: a kiosk, the facility's bridge to its 資格確認端末, or an insurer's console.
    pub role: DeviceRole,
}

impl DeviceTerms {
    /// The terms of an enrolment code as the admin asked for them.
    pub fn requested(request: &onshi_proto::api::EnrolmentCodeRequest) -> Self {
        Self {
            label: request.label.as_ref().map(|label| label.as_str().to_owned()),
            location: request.location.as_ref().map(|location| location.as_str().to_owned()),
            staffed: request.staffed,
            role: request.role,
        }
    }
}

/// Decides whether redeeming a code succeeds; `record` is `None` when the store has no such code.
pub fn judge_redemption(record: Option<StoredEnrolmentCode>, now_unix: i64) -> Result<FacilityCode, EdgeError> {
    let record = record.ok_or(EdgeError::EnrolmentCodeInvalid("unknown"))?;
    if record.uses > 1 {
        return Err(EdgeError::EnrolmentCodeInvalid("already used"));
    }
    if now_unix > record.expires_at {
        return Err(EdgeError::EnrolmentCodeInvalid("expired"));
    }
    FacilityCode::parse(&record.facility_code).map_err(|_| EdgeError::Runtime("a stored facility code is invalid"))
}

/// Number of store instances codes are spread over.
pub const CODE_STORE_SHARDS: u8 = 16;

/// The name of the store instance that holds the code with `lookup_key`: one of [`CODE_STORE_SHARDS`], by a hash
/// of the key, so redeeming a guessed code names an instance that exists anyway instead of creating one.
pub fn code_store_name(lookup_key: &str) -> String {
    use sha2::Digest as _;
    let first = sha2::Sha256::digest(lookup_key.as_bytes()).first().copied().unwrap_or(0);
    format!("codes-{:02}", first % CODE_STORE_SHARDS)
}

/// The key a staff login code is stored under: distinct from the same code's enrolment lookup key.
pub fn staff_code_lookup_key(code: &EnrolmentCode) -> String {
    format!("staff:{}", code.lookup_key())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACILITY: &str = "0110113719";

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
        for bad in ["", "2345-Z234-ZAB", "2345-Z234-ZABCD", "2345-Z234-ZAB0", "2345-Z234-ZABI"] {
            assert_eq!(EnrolmentCode::parse(bad), Err(EdgeError::EnrolmentCodeInvalid("malformed")), "{bad}");
        }
    }

    #[test]
    fn a_code_redeems_once_before_it_expires() {
        let stored = |uses| StoredEnrolmentCode {
            facility_code: FACILITY.into(),
            expires_at: 100,
            uses,
            terms: DeviceTerms::default(),
        };
        assert_eq!(judge_redemption(Some(stored(1)), 100).unwrap().as_str(), FACILITY);
        assert_eq!(judge_redemption(Some(stored(2)), 50), Err(EdgeError::EnrolmentCodeInvalid("already used")));
        assert_eq!(judge_redemption(Some(stored(1)), 101), Err(EdgeError::EnrolmentCodeInvalid("expired")));
        assert_eq!(judge_redemption(None, 0), Err(EdgeError::EnrolmentCodeInvalid("unknown")));
    }

    #[test]
    fn staff_and_enrolment_codes_are_stored_under_different_keys() {
        let code = EnrolmentCode::parse("K7QM-4XRD-9TWP").unwrap();
        assert_ne!(staff_code_lookup_key(&code), code.lookup_key());
        assert!(staff_code_lookup_key(&code).ends_with(&code.lookup_key()));
    }
}
