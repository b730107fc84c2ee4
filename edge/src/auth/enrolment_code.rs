//! One-time codes: the device enrolment code and the staff login code, which share one alphabet, one stored form
//! and one redemption rule.
//!
//! Layer: a pure auth rule. A facility admin issues a code for a 医療機関コード; a kiosk redeems an enrolment code
//! once to register its key, and the staff console redeems a staff login code once for a staff session. The two
//! kinds are stored under different lookup keys, so a staff code can never enrol a device and an enrolment code can
//! never log staff in. The lookup key is a MAC of the code under a key derived from `SESSION_KEY` for this purpose
//! only ([`KeyPurpose::CodeLookup`]): a code has 60 bits and lives 12–24 h, so an unkeyed hash of it could be
//! searched offline by anyone who reads the store; a keyed one cannot without the secret. Must not: keep a
//! redeemable code anywhere (the store sees only its MAC), print one, or read the clock (it is passed in).

use hmac::{Hmac, KeyInit as _, Mac as _};
use onshi_proto::api::DeviceRole;
use onshi_proto::facility::FacilityCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::EdgeError;
use crate::secret::{KeyPurpose, SecretBytes};

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

    /// The key an enrolment code was stored under before lookup keys were keyed: a tagged SHA-256 anyone can
    /// compute. Only [`CodeLookupKeys::redeem_under`] still asks for it, for codes issued before the upgrade.
    fn legacy_lookup_key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"onshi-enrolment-code-v1\n");
        hasher.update(self.0.as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// What a one-time code opens: each kind is stored under its own lookup key, so one kind never redeems as the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// A device enrolment code.
    Enrolment,
    /// A staff login code.
    StaffLogin,
}

impl CodeKind {
    /// The tag the code is MAC'd after, so the same code text gives each kind an unrelated key.
    fn mac_tag(self) -> &'static [u8] {
        match self {
            Self::Enrolment => b"onshi-enrolment-code-v2\n",
            Self::StaffLogin => b"onshi-staff-code-v2\n",
        }
    }

    /// The prefix of the stored key, so a store row says by eye which kind it is.
    fn key_prefix(self) -> &'static str {
        match self {
            Self::Enrolment => "",
            Self::StaffLogin => "staff:",
        }
    }
}

/// Makes the lookup keys one-time codes are stored under: hex HMAC-SHA256 of the kind's tag and the code, keyed
/// by a key derived from `SESSION_KEY` ([`KeyPurpose::CodeLookup`]). The key is secret, so a copy of the store
/// does not let anyone test guesses offline; guessing online is bounded by the per-client limit.
#[derive(Debug)]
pub struct CodeLookupKeys {
    key: SecretBytes,
}

impl CodeLookupKeys {
    /// Derives the lookup MAC key from `SESSION_KEY` ([`KeyPurpose::CodeLookup`]).
    pub fn derive(session_key: &SecretBytes) -> Result<Self, EdgeError> {
        Ok(Self { key: session_key.derive(KeyPurpose::CodeLookup)? })
    }

    /// The key a newly issued code of `kind` is stored under.
    pub fn stored_under(&self, kind: CodeKind, code: &EnrolmentCode) -> Result<String, EdgeError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.expose())
            .map_err(|_| EdgeError::Config("the code lookup key is unusable"))?;
        mac.update(kind.mac_tag());
        mac.update(code.0.as_bytes());
        Ok(format!("{}{}", kind.key_prefix(), hex::encode(mac.finalize().into_bytes())))
    }

    /// The keys a typed code of `kind` is redeemed under, in the order to try them: the keyed one, then the
    /// unkeyed one codes were stored under before this release, tried only when the first finds nothing.
    ///
    /// The second keeps a clinic mid-enrolment going across the upgrade: a code its admin wrote down yesterday
    /// still works today, instead of sending them back for a new one. It costs a guesser nothing (each guess is
    /// still one attempt on the client's limit) and leaves only codes issued before the upgrade searchable, until
    /// they expire. The fallback can go once this release has run for [`ENROLMENT_CODE_LIFETIME_SECS`] (the
    /// longer of the two lifetimes): every code stored the old way has expired by then.
    pub fn redeem_under(&self, kind: CodeKind, code: &EnrolmentCode) -> Result<[String; 2], EdgeError> {
        let legacy = format!("{}{}", kind.key_prefix(), code.legacy_lookup_key());
        Ok([self.stored_under(kind, code)?, legacy])
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

#[cfg(test)]
mod tests {
    use super::*;

    const FACILITY: &str = "0110113719";

    /// The session key of `crate::secret`'s known-answer test, so the derived key is checked there too.
    const SESSION_KEY: &[u8] = b"a-session-key-of-at-least-32-bytes!!";

    fn lookup_keys(session_key: &[u8]) -> CodeLookupKeys {
        CodeLookupKeys::derive(&SecretBytes::new(session_key.to_vec())).unwrap()
    }

    #[test]
    fn enrolment_codes_are_typable_normalised_and_stored_under_a_keyed_mac() {
        let keys = lookup_keys(SESSION_KEY);
        let code = EnrolmentCode::generate(&[0, 1, 2, 3, 31, 32, 33, 255, 8, 9, 10, 11]);
        assert_eq!(code.display(), "2345-Z23Z-ABCD");
        let typed = EnrolmentCode::parse(" 2345 z23z-abcd ").unwrap();
        assert_eq!(typed, code);
        let stored = keys.stored_under(CodeKind::Enrolment, &code).unwrap();
        assert_eq!(keys.stored_under(CodeKind::Enrolment, &typed).unwrap(), stored);
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains("2345Z23ZABCD"));
        assert!(!format!("{code:?}").contains("2345"));
        assert!(!format!("{keys:?}").contains(&hex::encode(SESSION_KEY)));
        for bad in ["", "2345-Z234-ZAB", "2345-Z234-ZABCD", "2345-Z234-ZAB0", "2345-Z234-ZABI"] {
            assert_eq!(EnrolmentCode::parse(bad), Err(EdgeError::EnrolmentCodeInvalid("malformed")), "{bad}");
        }
    }

    #[test]
    fn a_lookup_key_is_the_known_hmac_of_the_code_under_the_derived_key() {
        // Computed once with Python's hmac and hashlib: HKDF-SHA256 of SESSION_KEY (32 zero bytes as the salt,
        // info "onshi-edge code-lookup v1", 32 bytes) as the key, then HMAC-SHA256 over the kind's tag
        // ("onshi-enrolment-code-v2\n" or "onshi-staff-code-v2\n") followed by the code "K7QM4XRD9TWP"; and the old
        // key, SHA-256 of "onshi-enrolment-code-v1\n" and the code.
        let keys = lookup_keys(SESSION_KEY);
        let code = EnrolmentCode::parse("K7QM-4XRD-9TWP").unwrap();
        let enrolment = "b8d23647b0e42580156a07389efdc28c1d86604038cfa8fbcf488f6f5ce10261";
        let staff = "81a57c8a818d062992012414f4fbb45f0c27fe666b34a1939b3810b98adb1e3c";
        let legacy = "821d6987b0904608730c733ba18ea9a11fd160b4b393507572f4071fbe85bcbe";
        assert_eq!(keys.stored_under(CodeKind::Enrolment, &code).unwrap(), enrolment);
        assert_eq!(keys.stored_under(CodeKind::StaffLogin, &code).unwrap(), format!("staff:{staff}"));
        assert_eq!(keys.redeem_under(CodeKind::Enrolment, &code).unwrap(), [enrolment.to_owned(), legacy.to_owned()]);
        assert_eq!(
            keys.redeem_under(CodeKind::StaffLogin, &code).unwrap(),
            [format!("staff:{staff}"), format!("staff:{legacy}")]
        );
    }

    #[test]
    fn the_lookup_key_depends_on_the_secret() {
        let code = EnrolmentCode::parse("K7QM-4XRD-9TWP").unwrap();
        let one = lookup_keys(SESSION_KEY);
        let other = lookup_keys(b"another-session-key-of-32-bytes-or-more");
        for kind in [CodeKind::Enrolment, CodeKind::StaffLogin] {
            assert_ne!(one.stored_under(kind, &code).unwrap(), other.stored_under(kind, &code).unwrap(), "{kind:?}");
            // The old unkeyed key is the same under every secret: that is what made it searchable.
            assert_eq!(one.redeem_under(kind, &code).unwrap()[1], other.redeem_under(kind, &code).unwrap()[1]);
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
        let keys = lookup_keys(SESSION_KEY);
        let code = EnrolmentCode::parse("K7QM-4XRD-9TWP").unwrap();
        let enrolment = keys.redeem_under(CodeKind::Enrolment, &code).unwrap();
        let staff = keys.redeem_under(CodeKind::StaffLogin, &code).unwrap();
        for key in &staff {
            assert!(!enrolment.contains(key), "{key}");
        }
    }
}
