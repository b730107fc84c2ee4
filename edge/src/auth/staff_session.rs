//! The staff session: a token the staff console holds after redeeming a staff login code on an enrolled staff
//! console device, presented with that device's proof on every call and backed by a record
//! in the facility's store that makes it revocable (logout deletes it), ends it after its [`IdleLimit`] without a
//! call (the `STAFF_IDLE_SECS` binding, [`STAFF_IDLE_SECS`] by default), and counts its calls and its by-number
//! misses.
//!
//! Layer: a pure auth rule over `auth::token`, a sibling of [`crate::auth::session`]. The token is
//! `staff.` followed by the shared token format, MAC'd under a key derived from `SESSION_KEY` for this purpose only
//! ([`KeyPurpose::StaffSession`]), so a card session token is never accepted as a staff token or the other way
//! round. It names the facility, the enrolled staff console it was opened on (the token is refused from any other
//! device: a copied token is useless without that device's key) and a random staff-session id, nothing personal. Must not: read a clock or a random
//! source (both are passed in), or accept a token whose facility does not validate.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onshi_proto::facility::FacilityCode;
use serde::{Deserialize, Serialize};

use crate::auth::ratelimit::RateCounter;
use crate::auth::token::{Lifetime, TokenCodec};
use crate::error::EdgeError;
use crate::secret::{KeyPurpose, SecretBytes, SessionToken};

/// Lifetime of a staff session, in seconds; the console logs in again after it.
pub const STAFF_SESSION_LIFETIME_SECS: i64 = 60 * 60;
/// A staff session with no call for this long is over, whatever its token says: the default of the
/// `STAFF_IDLE_SECS` binding ([`IdleLimit`]).
pub const STAFF_IDLE_SECS: i64 = 15 * 60;
/// By-number checks that found no record, per staff session per [`STAFF_MISS_WINDOW_SECS`], before the session may
/// ask no more: enough for typing mistakes, far too few to search birth dates.
pub const BY_NUMBER_MISSES_PER_SESSION: u32 = 5;
/// By-number checks of one insured number, per facility per [`STAFF_MISS_WINDOW_SECS`], hits included.
pub const BY_NUMBER_TRIES_PER_SUBJECT: u32 = 5;
/// The window the by-number limits count in: a day.
pub const STAFF_MISS_WINDOW_SECS: i64 = 86_400;
/// Random bytes behind a staff-session id.
pub const STAFF_ID_RANDOM_LEN: usize = 16;
/// Prefix of every staff token, so that the two kinds of bearer token cannot be confused even by eye.
pub const STAFF_TOKEN_PREFIX: &str = "staff.";
/// Prefix of the staff session's id where the origin's audit trail names the asker (one definition for both tiers).
pub use onshi_proto::origin::STAFF_ACTOR_PREFIX;
/// Longest token text considered at all.
const MAX_STAFF_TOKEN_LEN: usize = 1024;

/// What a staff token asserts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffClaims {
    /// The facility's 医療機関コード.
    pub facility: String,
    /// Random id of this staff session, for audit trails.
    pub staff: String,
    /// The enrolled staff console the session was opened on; the token is refused from any other device.
    pub device: String,
    /// Unix seconds at which it was issued.
    pub iat: i64,
    /// Unix seconds after which it is refused.
    pub exp: i64,
}

impl StaffClaims {
    /// The facility, validated again (a token is only as good as the claims it carries).
    pub fn facility_code(&self) -> Result<FacilityCode, EdgeError> {
        FacilityCode::parse(&self.facility).map_err(|_| EdgeError::SessionInvalid)
    }

    /// How the origin's audit trail names this staff session.
    pub fn actor(&self) -> String {
        format!("{STAFF_ACTOR_PREFIX}{}", self.staff)
    }
}

/// Issues and checks staff tokens.
#[derive(Debug)]
pub struct StaffSessions {
    codec: TokenCodec,
    subject_key: SecretBytes,
}

/// A staff session as the facility's store keeps it: no personal data, only its times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStaffSession {
    /// Unix seconds after which it is over (the token's `exp`).
    pub expires_at: i64,
    /// Unix seconds of its last accepted call (or of the login).
    pub last_seen: i64,
}

/// How long a session may go without a call before it is over, in seconds: at least one second (zero or less
/// would end a session at its next call in a later second, which is no session at all) and at most the session's
/// lifetime (a longer limit would never be reached). Checked wherever it is read, the binding and the store's call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct IdleLimit(i64);

impl IdleLimit {
    /// The limit in seconds.
    pub fn secs(self) -> i64 {
        self.0
    }

    /// Reads the `STAFF_IDLE_SECS` binding: unset or blank is [`STAFF_IDLE_SECS`].
    pub fn parse(value: Option<&str>) -> Result<Self, EdgeError> {
        const REFUSED: EdgeError = EdgeError::Config("STAFF_IDLE_SECS must be a whole number from 1 to 3600");
        match value.map(str::trim).filter(|text| !text.is_empty()) {
            None => Ok(Self::default()),
            Some(text) => Self::try_from(text.parse::<i64>().map_err(|_| REFUSED)?).map_err(|_| REFUSED),
        }
    }
}

impl Default for IdleLimit {
    fn default() -> Self {
        Self(STAFF_IDLE_SECS)
    }
}

impl TryFrom<i64> for IdleLimit {
    type Error = EdgeError;

    fn try_from(secs: i64) -> Result<Self, EdgeError> {
        if (1..=STAFF_SESSION_LIFETIME_SECS).contains(&secs) {
            Ok(Self(secs))
        } else {
            Err(EdgeError::Config("an idle limit must be from 1 s to the session's lifetime"))
        }
    }
}

impl From<IdleLimit> for i64 {
    fn from(limit: IdleLimit) -> Self {
        limit.0
    }
}

/// A counter over one [`STAFF_MISS_WINDOW_SECS`] window, written through to storage from its first count (these
/// counts are few, and a restart must not give a brute force its allowance back).
pub fn daily_counter(name: String, now_unix: i64) -> RateCounter {
    RateCounter::durable(name, now_unix, STAFF_MISS_WINDOW_SECS)
}

/// Decides whether a staff session is still open: its record exists (logout and revocation delete it), it has not
/// expired, and it has not been idle for longer than `idle`.
pub fn judge_staff_session(
    record: Option<StoredStaffSession>,
    now_unix: i64,
    idle: IdleLimit,
) -> Result<(), EdgeError> {
    let record = record.ok_or(EdgeError::SessionInvalid)?;
    if now_unix > record.expires_at || now_unix.saturating_sub(record.last_seen) > idle.secs() {
        return Err(EdgeError::SessionExpired);
    }
    Ok(())
}

/// One staff call as the facility's store checks it: the session to find and judge, the counters to count when it
/// is open (the session's and the facility's calls, and for a by-number check the subject's tries) and the
/// session's by-number misses to report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCall {
    /// The staff session id.
    pub staff: String,
    /// The clock, unix seconds.
    pub now: i64,
    /// How long the session may have gone without a call. A call from a worker older than the limit's binding
    /// carries none and gets the default.
    #[serde(default)]
    pub idle: IdleLimit,
    /// Counted once the session is found open, in order.
    pub count: Vec<RateCounter>,
    /// Reported without counting.
    pub peek: Vec<RateCounter>,
}

/// The store's answer to a [`StaffCall`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffCallAnswer {
    /// The session is open and was seen now; the counts after counting, and the peeked counts, in order.
    Open {
        /// Counts of [`StaffCall::count`].
        counted: Vec<u32>,
        /// Counts of [`StaffCall::peek`].
        peeked: Vec<u32>,
    },
    /// The session is unknown (logged out or never opened here) or over.
    Refused {
        /// True when it is over by time (expired or idle) rather than unknown.
        expired: bool,
    },
}

impl Lifetime for StaffClaims {
    fn issued_at(&self) -> i64 {
        self.iat
    }
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

impl StaffSessions {
    /// Derives the staff-token key from `SESSION_KEY` ([`KeyPurpose::StaffSession`]).
    pub fn derive(session_key: &SecretBytes) -> Result<Self, EdgeError> {
        let key = session_key.derive(KeyPurpose::StaffSession)?;
        Ok(Self {
            codec: TokenCodec::new(key, STAFF_TOKEN_PREFIX, MAX_STAFF_TOKEN_LEN, STAFF_SESSION_LIFETIME_SECS),
            subject_key: session_key.derive(KeyPurpose::StaffSubject)?,
        })
    }

    /// The name a by-number subject (保険者番号 and 記号・番号・枝番 as read) is counted under: a keyed hash, so the
    /// store never holds the number.
    pub fn subject_key(&self, parts: &[&str]) -> Result<String, EdgeError> {
        use hmac::{KeyInit as _, Mac as _};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.subject_key.expose())
            .map_err(|_| EdgeError::Config("the staff subject key is unusable"))?;
        for part in parts {
            // Each part is length-prefixed, so no two different subjects hash the same input.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// Mints a staff token for `facility`, bound to the staff console `device` it was opened on, valid for
    /// [`STAFF_SESSION_LIFETIME_SECS`] from `now_unix`.
    pub fn mint(
        &self,
        facility: &FacilityCode,
        device: &str,
        now_unix: i64,
        staff_random: [u8; STAFF_ID_RANDOM_LEN],
    ) -> Result<(SessionToken, StaffClaims), EdgeError> {
        let claims = StaffClaims {
            facility: facility.as_str().to_owned(),
            staff: URL_SAFE_NO_PAD.encode(staff_random),
            device: device.to_owned(),
            iat: now_unix,
            exp: now_unix.saturating_add(STAFF_SESSION_LIFETIME_SECS),
        };
        Ok((self.codec.seal(&claims)?, claims))
    }

    /// Checks a token's MAC (in constant time, before parsing anything), then its claims and lifetime.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<StaffClaims, EdgeError> {
        let claims: StaffClaims = self.codec.open(token, now_unix)?;
        claims.facility_code()?;
        Ok(claims)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::auth::session::{SessionMinter, TOKEN_ID_RANDOM_LEN};
    use onshi_proto::origin::AuthMethod;

    const NOW: i64 = 1_795_489_200;

    fn session_key() -> SecretBytes {
        SecretBytes::new(b"a-session-key-of-at-least-32-bytes!!".to_vec())
    }

    fn facility() -> FacilityCode {
        FacilityCode::parse("0110113719").unwrap()
    }

    fn sessions() -> StaffSessions {
        StaffSessions::derive(&session_key()).unwrap()
    }

    #[test]
    fn a_staff_token_verifies_until_it_expires() {
        let sessions = sessions();
        let (token, claims) = sessions.mint(&facility(), "device-1", NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert!(token.expose().starts_with(STAFF_TOKEN_PREFIX));
        let verified = sessions.verify(token.expose(), NOW + 10).unwrap();
        assert_eq!(verified, claims);
        assert_eq!(verified.facility_code().unwrap(), facility());
        assert_eq!(verified.exp, NOW + STAFF_SESSION_LIFETIME_SECS);
        assert_eq!(sessions.verify(token.expose(), verified.exp), Err(EdgeError::SessionExpired));
    }

    #[test]
    fn forged_tampered_and_foreign_tokens_are_refused() {
        let sessions = sessions();
        let (token, _) = sessions.mint(&facility(), "device-1", NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        let text = token.expose();
        // Another key (another deployment) does not verify.
        let other = StaffSessions::derive(&SecretBytes::new(vec![9; 32])).unwrap();
        assert_eq!(other.verify(text, NOW), Err(EdgeError::SessionInvalid));
        // Claims swapped for another facility's, MAC kept: refused.
        let payload_and_tag = text.strip_prefix(STAFF_TOKEN_PREFIX).unwrap();
        let (_, tag) = payload_and_tag.split_once('.').unwrap();
        let forged_claims = StaffClaims {
            facility: "1312345678".into(),
            staff: "x".into(),
            device: "device-1".into(),
            iat: NOW,
            exp: NOW + STAFF_SESSION_LIFETIME_SECS,
        };
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged_claims).unwrap());
        let forged = format!("{STAFF_TOKEN_PREFIX}{forged_payload}.{tag}");
        assert_eq!(sessions.verify(&forged, NOW), Err(EdgeError::SessionInvalid));
        // A card session token, even under the same SESSION_KEY, is not a staff token.
        let card_sessions = SessionMinter::new(&session_key()).unwrap();
        let certificate = onshi_proto::origin::CertificateRef {
            issuer: "CN=x".try_into().unwrap(),
            serial: "01".try_into().unwrap(),
        };
        let (card_token, _) =
            card_sessions.mint(&certificate, "device", AuthMethod::Pin, NOW, [1; TOKEN_ID_RANDOM_LEN]).unwrap();
        assert_eq!(sessions.verify(card_token.expose(), NOW), Err(EdgeError::SessionInvalid));
        let with_prefix = format!("{STAFF_TOKEN_PREFIX}{}", card_token.expose());
        assert_eq!(sessions.verify(&with_prefix, NOW), Err(EdgeError::SessionInvalid));
        // And a staff token is not a card session.
        assert!(card_sessions.verify(text, NOW).is_err());
        // Garbage of every shape is a typed refusal, never a panic.
        for junk in ["", "staff.", "staff..", "staff.a.b", "staff.!!!.???", &"x".repeat(5000)] {
            assert_eq!(sessions.verify(junk, NOW), Err(EdgeError::SessionInvalid), "{junk:.20}");
        }
    }

    #[test]
    fn a_token_issued_in_the_future_or_for_too_long_is_refused() {
        let sessions = sessions();
        let (token, _) = sessions.mint(&facility(), "device-1", NOW + 3600, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert_eq!(sessions.verify(token.expose(), NOW), Err(EdgeError::SessionInvalid));
    }

    #[test]
    fn staff_secrets_redact_in_debug() {
        let sessions = sessions();
        let printed = format!("{sessions:?}");
        assert!(printed.contains("<redacted>"), "{printed}");
        assert!(!printed.contains(&hex::encode(sessions.codec.key().expose())));
        let (token, _) = sessions.mint(&facility(), "device-1", NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert_eq!(format!("{token:?}"), "SessionToken(<redacted>)");
    }

    #[test]
    fn a_staff_session_is_open_until_logged_out_expired_or_idle() {
        let idle = IdleLimit::default();
        let record = StoredStaffSession { expires_at: NOW + 3600, last_seen: NOW };
        assert_eq!(judge_staff_session(Some(record), NOW + STAFF_IDLE_SECS, idle), Ok(()));
        assert_eq!(judge_staff_session(Some(record), NOW + STAFF_IDLE_SECS + 1, idle), Err(EdgeError::SessionExpired));
        let recent = StoredStaffSession { last_seen: NOW + 3590, ..record };
        assert_eq!(judge_staff_session(Some(recent), NOW + 3601, idle), Err(EdgeError::SessionExpired));
        assert_eq!(judge_staff_session(None, NOW, idle), Err(EdgeError::SessionInvalid));
        let short = IdleLimit::parse(Some("30")).unwrap();
        assert_eq!(judge_staff_session(Some(record), NOW + 30, short), Ok(()));
        assert_eq!(judge_staff_session(Some(record), NOW + 31, short), Err(EdgeError::SessionExpired));
    }

    #[test]
    fn the_idle_limit_defaults_to_fifteen_minutes_and_refuses_nonsense() {
        assert_eq!(IdleLimit::parse(None).unwrap().secs(), 15 * 60);
        assert_eq!(IdleLimit::parse(Some(" ")).unwrap().secs(), 15 * 60);
        assert_eq!(IdleLimit::parse(Some(" 1 ")).unwrap().secs(), 1);
        assert_eq!(IdleLimit::parse(Some("3600")).unwrap().secs(), STAFF_SESSION_LIFETIME_SECS);
        for nonsense in ["0", "-5", "3601", "15m", "1.5", "99999999999999999999"] {
            assert!(matches!(IdleLimit::parse(Some(nonsense)), Err(EdgeError::Config(_))), "{nonsense}");
        }
        // The store reads the limit with the call, and checks it again there.
        let call: StaffCall = serde_json::from_str(r#"{"staff":"s","now":1,"count":[],"peek":[]}"#).unwrap();
        assert_eq!(call.idle, IdleLimit::default());
        assert!(serde_json::from_str::<StaffCall>(r#"{"staff":"s","now":1,"idle":0,"count":[],"peek":[]}"#).is_err());
    }

    #[test]
    fn subjects_are_counted_under_a_keyed_hash_that_tells_them_apart() {
        let sessions = sessions();
        let key = sessions.subject_key(&["33120015", "12-34", "5678", "01"]).unwrap();
        assert!(!key.contains("5678"));
        assert_eq!(key, sessions.subject_key(&["33120015", "12-34", "5678", "01"]).unwrap());
        assert_ne!(key, sessions.subject_key(&["33120015", "12-3", "45678", "01"]).unwrap());
        let other = StaffSessions::derive(&SecretBytes::new(vec![9; 32])).unwrap();
        assert_ne!(key, other.subject_key(&["33120015", "12-34", "5678", "01"]).unwrap());
    }
}
