//! The staff session: a stateless bearer token the staff console holds after redeeming a staff login code.
//!
//! Layer: a pure auth rule over `auth::token`, a sibling of [`crate::auth::session`]. The token is
//! `staff.` followed by the shared token format, MAC'd under a key derived from `SESSION_KEY` for this purpose only
//! ([`KeyPurpose::StaffSession`]), so a card session token is never accepted as a staff token or the other way
//! round. It names the facility and a random staff-session id, nothing personal. Must not: read a clock or a random
//! source (both are passed in), or accept a token whose facility does not validate.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onshi_proto::facility::FacilityCode;
use serde::{Deserialize, Serialize};

use crate::auth::token::{Lifetime, TokenCodec};
use crate::error::EdgeError;
use crate::secret::{KeyPurpose, SecretBytes, SessionToken};

/// Lifetime of a staff session, in seconds; the console logs in again after it.
pub const STAFF_SESSION_LIFETIME_SECS: i64 = 60 * 60;
/// Random bytes behind a staff-session id.
pub const STAFF_ID_RANDOM_LEN: usize = 16;
/// Prefix of every staff token, so that the two kinds of bearer token cannot be confused even by eye.
pub const STAFF_TOKEN_PREFIX: &str = "staff.";
/// Prefix of the staff session's id where the origin's audit trail names the asker.
pub const STAFF_ACTOR_PREFIX: &str = "staff:";
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
        Ok(Self { codec: TokenCodec::new(key, STAFF_TOKEN_PREFIX, MAX_STAFF_TOKEN_LEN, STAFF_SESSION_LIFETIME_SECS) })
    }

    /// Mints a staff token for `facility`, valid for [`STAFF_SESSION_LIFETIME_SECS`] from `now_unix`.
    pub fn mint(
        &self,
        facility: &FacilityCode,
        now_unix: i64,
        staff_random: [u8; STAFF_ID_RANDOM_LEN],
    ) -> Result<(SessionToken, StaffClaims), EdgeError> {
        let claims = StaffClaims {
            facility: facility.as_str().to_owned(),
            staff: URL_SAFE_NO_PAD.encode(staff_random),
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
        let (token, claims) = sessions.mint(&facility(), NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
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
        let (token, _) = sessions.mint(&facility(), NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
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
        let (token, _) = sessions.mint(&facility(), NOW + 3600, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert_eq!(sessions.verify(token.expose(), NOW), Err(EdgeError::SessionInvalid));
    }

    #[test]
    fn staff_secrets_redact_in_debug() {
        let sessions = sessions();
        let printed = format!("{sessions:?}");
        assert!(printed.contains("<redacted>"), "{printed}");
        assert!(!printed.contains(&hex::encode(sessions.codec.key().expose())));
        let (token, _) = sessions.mint(&facility(), NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert_eq!(format!("{token:?}"), "SessionToken(<redacted>)");
    }
}
