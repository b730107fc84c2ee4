//! The insurer console session: a bearer token an insurer's clerk holds after signing in with the insurer's
//! credential on an enrolled insurer console device, bound to that device and backed by a record in the device's
//! facility store that makes it revocable (logout deletes it) and ends it after [`INSURER_IDLE_SECS`] without a call.
//!
//! Layer: a pure auth rule over `auth::token`, a sibling of [`crate::auth::staff_session`]. The token is `insurer.`
//! followed by the shared token format, MAC'd under a key derived from `SESSION_KEY` for this purpose only
//! ([`KeyPurpose::InsurerSession`]), so neither a card nor a staff token is ever accepted as an insurer token, nor
//! the other way round. It names the insurer (its 保険者番号, checked again on every use), the clerk who signed in,
//! the device it is bound to, a random session id, and the public name of the insurer credential the clerk signed
//! in with, which the edge signs into every call for the session so that the origin can refuse the session once that
//! credential is revoked or expired; nothing about any member, and never the credential itself.
//!
//! The record lives beside the staff sessions in the device's facility store, under an id of its own shape
//! ([`InsurerClaims::store_key`]: `insurer-` and 22 characters, where a staff session id is 22 characters), so the
//! same open, idle and logout rules hold for both and neither can end the other. Must not: read a clock or a random
//! source (both are passed in), or accept a token whose insurer or facility does not validate.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onshi_proto::credential_name::CredentialName;
use onshi_proto::facility::FacilityCode;
use onshi_proto::insurer_number::InsurerNumber;
use serde::{Deserialize, Serialize};

use crate::auth::staff_session::STAFF_IDLE_SECS;
use crate::auth::token::{Lifetime, TokenCodec};
use crate::error::EdgeError;
use crate::secret::{KeyPurpose, SecretBytes, SessionToken};

/// Lifetime of an insurer session, in seconds: a working morning; the clerk signs in again after it.
pub const INSURER_SESSION_LIFETIME_SECS: i64 = 4 * 60 * 60;
/// An insurer session with no call for this long is over, whatever its token says: the facility store judges it by
/// the staff sessions' rule with the staff console's default limit; the `STAFF_IDLE_SECS` binding changes only the
/// staff console's.
pub const INSURER_IDLE_SECS: i64 = STAFF_IDLE_SECS;
/// Random bytes behind an insurer session id.
pub const INSURER_ID_RANDOM_LEN: usize = 16;
/// Prefix of every insurer token.
pub const INSURER_TOKEN_PREFIX: &str = "insurer.";
/// Prefix of an insurer session's record id in the facility store.
const STORE_KEY_PREFIX: &str = "insurer-";
/// Longest token text considered at all.
const MAX_INSURER_TOKEN_LEN: usize = 1024;

/// What an insurer token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsurerClaims {
    /// The insurer's 保険者番号, as the origin named it at sign-in.
    pub insurer: String,
    /// Who signed in, as they typed it: every hold decision of the session is recorded under this name.
    pub clerk: String,
    /// The device the clerk signed in on; the token is refused from any other.
    pub device: String,
    /// The device's facility, whose store keeps the session's record.
    pub facility: String,
    /// The session's random id.
    pub session: String,
    /// The public name of the credential the session was opened with, as the origin named it at sign-in. A token
    /// minted before sessions carried it does not parse, so its clerk signs in again.
    pub credential: CredentialName,
    /// Unix seconds at which it was issued.
    pub iat: i64,
    /// Unix seconds after which it is refused.
    pub exp: i64,
}

impl InsurerClaims {
    /// The insurer, validated again (a token is only as good as the claims it carries).
    pub fn insurer_number(&self) -> Result<InsurerNumber, EdgeError> {
        InsurerNumber::parse(&self.insurer).map_err(|_| EdgeError::SessionInvalid)
    }

    /// The id of the session's record in the facility store.
    pub fn store_key(&self) -> String {
        format!("{STORE_KEY_PREFIX}{}", self.session)
    }

    /// How audit events name this session: the insurer and the session id, never the clerk's name.
    pub fn actor(&self) -> String {
        format!("insurer:{}:{}", self.insurer, self.session)
    }
}

impl Lifetime for InsurerClaims {
    fn issued_at(&self) -> i64 {
        self.iat
    }
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

/// Who is signing in where: the insurer the origin named, the clerk, and the device that proved itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignIn<'a> {
    /// The insurer.
    pub insurer: &'a InsurerNumber,
    /// The clerk's name as typed.
    pub clerk: &'a str,
    /// The device id.
    pub device: &'a str,
    /// The device's facility.
    pub facility: &'a FacilityCode,
    /// The credential the clerk signed in with, as the origin named it.
    pub credential: &'a CredentialName,
}

/// Issues and checks insurer tokens.
#[derive(Debug)]
pub struct InsurerSessions {
    codec: TokenCodec,
}

impl InsurerSessions {
    /// Derives the insurer-token key from `SESSION_KEY` ([`KeyPurpose::InsurerSession`]).
    pub fn derive(session_key: &SecretBytes) -> Result<Self, EdgeError> {
        let key = session_key.derive(KeyPurpose::InsurerSession)?;
        Ok(Self {
            codec: TokenCodec::new(key, INSURER_TOKEN_PREFIX, MAX_INSURER_TOKEN_LEN, INSURER_SESSION_LIFETIME_SECS),
        })
    }

    /// Mints an insurer token for `sign_in`, valid for [`INSURER_SESSION_LIFETIME_SECS`] from `now_unix`.
    pub fn mint(
        &self,
        sign_in: &SignIn<'_>,
        now_unix: i64,
        session_random: [u8; INSURER_ID_RANDOM_LEN],
    ) -> Result<(SessionToken, InsurerClaims), EdgeError> {
        let claims = InsurerClaims {
            insurer: sign_in.insurer.as_str().to_owned(),
            clerk: sign_in.clerk.to_owned(),
            device: sign_in.device.to_owned(),
            facility: sign_in.facility.as_str().to_owned(),
            session: URL_SAFE_NO_PAD.encode(session_random),
            credential: sign_in.credential.clone(),
            iat: now_unix,
            exp: now_unix.saturating_add(INSURER_SESSION_LIFETIME_SECS),
        };
        Ok((self.codec.seal(&claims)?, claims))
    }

    /// Checks a token's MAC (in constant time, before parsing anything), then its claims and lifetime.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<InsurerClaims, EdgeError> {
        let claims: InsurerClaims = self.codec.open(token, now_unix)?;
        claims.insurer_number()?;
        FacilityCode::parse(&claims.facility).map_err(|_| EdgeError::SessionInvalid)?;
        Ok(claims)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::auth::staff_session::{STAFF_ID_RANDOM_LEN, StaffSessions};

    const NOW: i64 = 1_795_489_200;

    fn session_key() -> SecretBytes {
        SecretBytes::new(b"a-session-key-of-at-least-32-bytes!!".to_vec())
    }

    fn insurer() -> InsurerNumber {
        InsurerNumber::parse("33120015").unwrap()
    }

    fn facility() -> FacilityCode {
        FacilityCode::parse("0110113719").unwrap()
    }

    fn mint(sessions: &InsurerSessions, now: i64) -> (SessionToken, InsurerClaims) {
        let insurer = insurer();
        let facility = facility();
        let credential = CredentialName::parse("0123456789ab").unwrap();
        let sign_in = SignIn {
            insurer: &insurer,
            clerk: "審査係 鈴木",
            device: "device-1",
            facility: &facility,
            credential: &credential,
        };
        sessions.mint(&sign_in, now, [5; INSURER_ID_RANDOM_LEN]).unwrap()
    }

    #[test]
    fn an_insurer_token_verifies_until_it_expires() {
        let sessions = InsurerSessions::derive(&session_key()).unwrap();
        let (token, claims) = mint(&sessions, NOW);
        assert!(token.expose().starts_with(INSURER_TOKEN_PREFIX));
        assert_eq!(sessions.verify(token.expose(), NOW + 10).unwrap(), claims);
        assert_eq!(claims.insurer_number().unwrap(), insurer());
        assert_eq!(sessions.verify(token.expose(), claims.exp), Err(EdgeError::SessionExpired));
        assert!(claims.store_key().starts_with("insurer-"));
        assert!(!claims.actor().contains("鈴木"));
        assert_eq!(claims.credential.as_str(), "0123456789ab");
    }

    #[test]
    fn forged_tampered_and_foreign_tokens_are_refused() {
        let sessions = InsurerSessions::derive(&session_key()).unwrap();
        let (token, claims) = mint(&sessions, NOW);
        let text = token.expose();
        let other = InsurerSessions::derive(&SecretBytes::new(vec![9; 32])).unwrap();
        assert_eq!(other.verify(text, NOW), Err(EdgeError::SessionInvalid));
        // Claims swapped for another insurer's, MAC kept: refused.
        let (_, tag) = text.strip_prefix(INSURER_TOKEN_PREFIX).unwrap().split_once('.').unwrap();
        let forged_claims = InsurerClaims { insurer: "06139996".into(), ..claims.clone() };
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged_claims).unwrap());
        let forged = format!("{INSURER_TOKEN_PREFIX}{forged_payload}.{tag}");
        assert_eq!(sessions.verify(&forged, NOW), Err(EdgeError::SessionInvalid));
        // Nor can a session be moved onto another credential of the same insurer.
        let moved_claims =
            InsurerClaims { credential: CredentialName::parse("ba9876543210").unwrap(), ..claims.clone() };
        let moved_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&moved_claims).unwrap());
        let moved = format!("{INSURER_TOKEN_PREFIX}{moved_payload}.{tag}");
        assert_eq!(sessions.verify(&moved, NOW), Err(EdgeError::SessionInvalid));
        // A staff token under the same SESSION_KEY is not an insurer token, and the other way round.
        let staff = StaffSessions::derive(&session_key()).unwrap();
        let (staff_token, _) = staff.mint(&facility(), "device-1", NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert_eq!(sessions.verify(staff_token.expose(), NOW), Err(EdgeError::SessionInvalid));
        let relabelled = format!("{INSURER_TOKEN_PREFIX}{}", staff_token.expose().trim_start_matches("staff."));
        assert_eq!(sessions.verify(&relabelled, NOW), Err(EdgeError::SessionInvalid));
        assert!(staff.verify(text, NOW).is_err());
        for junk in ["", "insurer.", "insurer..", "insurer.a.b", &"x".repeat(5000)] {
            assert_eq!(sessions.verify(junk, NOW), Err(EdgeError::SessionInvalid), "{junk:.20}");
        }
    }

    #[test]
    fn insurer_secrets_redact_in_debug() {
        let sessions = InsurerSessions::derive(&session_key()).unwrap();
        let printed = format!("{sessions:?}");
        assert!(printed.contains("<redacted>"), "{printed}");
        assert!(!printed.contains(&hex::encode(sessions.codec.key().expose())));
        let (token, _) = mint(&sessions, NOW);
        assert_eq!(format!("{token:?}"), "SessionToken(<redacted>)");
    }
}
