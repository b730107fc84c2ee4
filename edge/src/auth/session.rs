//! Short-lived card sessions as stateless bearer tokens.
//!
//! Layer: a pure auth rule over `auth::token`. `token = base64url(JSON claims) "." base64url(HMAC-SHA256(K,
//! base64url(JSON claims)))`, both parts without padding, where `K` is the card-session key derived from
//! `SESSION_KEY` ([`KeyPurpose::CardSession`]). The MAC is checked (in constant time) before the claims are even
//! parsed. Must not: read a clock or a random source (the clock and the token id's randomness are passed in), or
//! let a visual-check session do what needs the PIN.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onshi_proto::certificate::{CertificateSerial, IssuerName};
use onshi_proto::origin::{AuthMethod, CardScope, CertificateRef, ExpiryNotice};
use serde::{Deserialize, Serialize};

use crate::auth::token::{Lifetime, TokenCodec};
use crate::error::EdgeError;
use crate::secret::{KeyPurpose, SecretBytes, SessionToken};

/// Lifetime of a session, in seconds; a check-in completes well within it.
pub const SESSION_LIFETIME_SECS: i64 = 300;
/// Shortest accepted `SESSION_KEY`, in bytes (the HMAC-SHA256 block of security).
pub const MIN_SESSION_KEY_LEN: usize = 32;
/// Random bytes behind a token id.
pub const TOKEN_ID_RANDOM_LEN: usize = 16;
/// Longest token text considered at all; real tokens are a few hundred bytes.
const MAX_TOKEN_LEN: usize = 4096;

/// What a session token asserts.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionClaims {
    /// The card certificate's serial ([`onshi_proto::origin::canonical_serial`]); a token whose serial is not
    /// canonical does not decode.
    pub serial: CertificateSerial,
    /// The card certificate's issuer, RFC 4514 text.
    pub issuer: IssuerName,
    /// Unix seconds after which the token is refused.
    pub exp: i64,
    /// Unix seconds at which it was issued.
    pub iat: i64,
    /// Unique token id.
    pub jti: String,
    /// The enrolled device the session was opened on; it may be used from that device only.
    pub device: String,
    /// How the holder was identified: a PIN-verified card signature, or staff comparing them with the card face
    /// (目視). A visual-check session may not do what needs the PIN (see [`SessionClaims::require_pin`]).
    pub method: AuthMethod,
    /// What the session may do: a certificate in its grace period opens a `qualification_only` session, which
    /// may not consent or register (see [`SessionClaims::require_full_scope`]).
    pub scope: CardScope,
    /// What the edge found about the certificate's expiry when it opened the session, passed on with the
    /// qualification so the check-in shows it to staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_notice: Option<ExpiryNotice>,
}

impl SessionClaims {
    /// The certificate the session is bound to.
    pub fn certificate(&self) -> CertificateRef {
        CertificateRef { issuer: self.issuer.clone(), serial: self.serial.clone() }
    }
}

impl SessionClaims {
    /// Refuses a session opened without the PIN: linking a card to an insured record, or asking the origin for
    /// a PIN check-in, needs the holder to have proven they know the PIN.
    pub fn require_pin(&self) -> Result<(), EdgeError> {
        match self.method {
            AuthMethod::Pin => Ok(()),
            AuthMethod::VisualCheck | AuthMethod::NationalReader => Err(EdgeError::PinRequired),
        }
    }

    /// Refuses a session that confirms the qualification only: consent and 健康保険証利用登録 need a certificate
    /// that has not expired.
    pub fn require_full_scope(&self) -> Result<(), EdgeError> {
        if self.scope.is_full() { Ok(()) } else { Err(EdgeError::QualificationOnly) }
    }
}

impl std::fmt::Debug for SessionClaims {
    /// Leaves out the certificate identity: a serial points at one person's card.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionClaims")
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .field("method", &self.method)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Issues and checks session tokens with one key.
#[derive(Debug)]
pub struct SessionMinter {
    codec: TokenCodec,
}

impl Lifetime for SessionClaims {
    fn issued_at(&self) -> i64 {
        self.iat
    }
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

impl SessionMinter {
    /// Derives the card-session key from `session_key` (`SESSION_KEY`); refuses keys shorter than
    /// [`MIN_SESSION_KEY_LEN`].
    pub fn new(session_key: &SecretBytes) -> Result<Self, EdgeError> {
        if session_key.len() < MIN_SESSION_KEY_LEN {
            return Err(EdgeError::Config("SESSION_KEY is shorter than 32 bytes"));
        }
        let key = session_key.derive(KeyPurpose::CardSession)?;
        Ok(Self { codec: TokenCodec::new(key, "", MAX_TOKEN_LEN, SESSION_LIFETIME_SECS) })
    }

    /// Mints a full-scope token for `certificate` on `device`, identified by `method`, valid for
    /// [`SESSION_LIFETIME_SECS`] from `now_unix`.
    pub fn mint(
        &self,
        certificate: &CertificateRef,
        device: &str,
        method: AuthMethod,
        now_unix: i64,
        token_id_random: [u8; TOKEN_ID_RANDOM_LEN],
    ) -> Result<(SessionToken, SessionClaims), EdgeError> {
        self.mint_scoped(certificate, device, method, (CardScope::Full, None), now_unix, token_id_random)
    }

    /// Mints a token as [`SessionMinter::mint`] does, with the given scope and the certificate's expiry notice.
    pub fn mint_scoped(
        &self,
        certificate: &CertificateRef,
        device: &str,
        method: AuthMethod,
        (scope, expiry_notice): (CardScope, Option<ExpiryNotice>),
        now_unix: i64,
        token_id_random: [u8; TOKEN_ID_RANDOM_LEN],
    ) -> Result<(SessionToken, SessionClaims), EdgeError> {
        let claims = SessionClaims {
            serial: certificate.serial.clone(),
            issuer: certificate.issuer.clone(),
            exp: now_unix.saturating_add(SESSION_LIFETIME_SECS),
            iat: now_unix,
            jti: URL_SAFE_NO_PAD.encode(token_id_random),
            device: device.to_owned(),
            method,
            scope,
            expiry_notice,
        };
        Ok((self.codec.seal(&claims)?, claims))
    }

    /// Checks a token's MAC, then its claims and lifetime.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<SessionClaims, EdgeError> {
        self.codec.open(token, now_unix)
    }
}

/// Extracts the token from an `Authorization: Bearer <token>` header value.
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, EdgeError> {
    let value = authorization.ok_or(EdgeError::SessionInvalid)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(EdgeError::SessionInvalid)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(EdgeError::SessionInvalid);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minter(byte: u8) -> SessionMinter {
        SessionMinter::new(&SecretBytes::new(vec![byte; 32])).unwrap()
    }

    fn card() -> CertificateRef {
        CertificateRef::new("CN=onshi test auth CA,C=JP", "0A1B").unwrap()
    }

    #[test]
    fn a_minted_token_verifies_until_it_expires() {
        let minter = minter(1);
        let (token, claims) =
            minter.mint(&card(), "device-1", AuthMethod::Pin, 1_000, [3; TOKEN_ID_RANDOM_LEN]).unwrap();
        assert_eq!(claims.exp, 1_000 + SESSION_LIFETIME_SECS);
        let verified = minter.verify(token.expose(), 1_299).unwrap();
        assert_eq!(verified, claims);
        assert_eq!(verified.certificate(), card());
        assert_eq!(minter.verify(token.expose(), 1_300), Err(EdgeError::SessionExpired));
    }

    #[test]
    fn tokens_from_another_key_or_altered_tokens_are_invalid() {
        let (token, _) = minter(1).mint(&card(), "device-1", AuthMethod::Pin, 1_000, [3; TOKEN_ID_RANDOM_LEN]).unwrap();
        assert_eq!(minter(2).verify(token.expose(), 1_000), Err(EdgeError::SessionInvalid));

        // Swap the claims for another card's while keeping the original MAC.
        let other = CertificateRef { serial: CertificateSerial::parse("FFFF").unwrap(), ..card() };
        let (forged_claims, _) =
            minter(9).mint(&other, "device-1", AuthMethod::Pin, 1_000, [3; TOKEN_ID_RANDOM_LEN]).unwrap();
        let (_, original_tag) = token.expose().split_once('.').unwrap();
        let (forged_payload, _) = forged_claims.expose().split_once('.').unwrap();
        let spliced = format!("{forged_payload}.{original_tag}");
        assert_eq!(minter(1).verify(&spliced, 1_000), Err(EdgeError::SessionInvalid));

        for garbage in ["", ".", "abc", "abc.def", "a.b.c", &"x".repeat(MAX_TOKEN_LEN + 1)] {
            assert_eq!(minter(1).verify(garbage, 1_000), Err(EdgeError::SessionInvalid), "{garbage:?}");
        }
    }

    #[test]
    fn validly_signed_claims_with_an_overlong_life_or_future_issue_are_invalid() {
        let minter = minter(1);
        // Sealing does not judge lifetimes, so it signs claims that `verify` must then refuse.
        let sign = |claims: &SessionClaims| minter.codec.seal(claims).unwrap().expose().to_owned();
        let base = SessionClaims {
            serial: "01".try_into().unwrap(),
            issuer: "CN=x".try_into().unwrap(),
            exp: 1_300,
            iat: 1_000,
            jti: "j".into(),
            device: "device-1".into(),
            method: AuthMethod::Pin,
            scope: CardScope::Full,
            expiry_notice: None,
        };
        assert!(minter.verify(&sign(&base), 1_000).is_ok());
        let long = SessionClaims { exp: 1_000 + SESSION_LIFETIME_SECS + 1, ..base.clone() };
        assert_eq!(minter.verify(&sign(&long), 1_000), Err(EdgeError::SessionInvalid));
        let future = SessionClaims { iat: 2_000, exp: 2_300, ..base };
        assert_eq!(minter.verify(&sign(&future), 1_000), Err(EdgeError::SessionInvalid));
    }

    #[test]
    fn short_keys_are_refused_and_debug_hides_identity() {
        assert!(matches!(SessionMinter::new(&SecretBytes::new(vec![1; 31])), Err(EdgeError::Config(_))));
        let (token, claims) =
            minter(1).mint(&card(), "device-1", AuthMethod::Pin, 1_000, [3; TOKEN_ID_RANDOM_LEN]).unwrap();
        let printed = format!("{claims:?} {token:?} {:?}", minter(1));
        assert!(!printed.contains("0A1B"), "{printed}");
        assert!(!printed.contains(token.expose()), "{printed}");
    }

    #[test]
    fn a_qualification_only_session_says_so_and_cannot_be_widened() {
        let minter = minter(1);
        let (token, _) = minter
            .mint_scoped(
                &card(),
                "device-1",
                AuthMethod::Pin,
                (CardScope::QualificationOnly, None),
                1_000,
                [3; TOKEN_ID_RANDOM_LEN],
            )
            .unwrap();
        let verified = minter.verify(token.expose(), 1_000).unwrap();
        assert_eq!(verified.scope, CardScope::QualificationOnly);
        assert_eq!(verified.require_full_scope(), Err(EdgeError::QualificationOnly));
        assert_eq!(verified.require_pin(), Ok(()));
        let (full, _) = minter.mint(&card(), "device-1", AuthMethod::Pin, 1_000, [3; TOKEN_ID_RANDOM_LEN]).unwrap();
        assert_eq!(minter.verify(full.expose(), 1_000).unwrap().require_full_scope(), Ok(()));

        // Rewriting the scope in the claims breaks the MAC.
        let (payload, tag) = token.expose().split_once('.').unwrap();
        let json = URL_SAFE_NO_PAD.decode(payload).unwrap();
        let widened = String::from_utf8(json).unwrap().replace("qualification_only", "full");
        assert_ne!(widened, String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap());
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(widened));
        assert_eq!(minter.verify(&forged, 1_000), Err(EdgeError::SessionInvalid));
    }

    #[test]
    fn bearer_headers_are_parsed_strictly() {
        assert_eq!(bearer_token(Some("Bearer abc.def")), Ok("abc.def"));
        assert_eq!(bearer_token(Some("bearer  abc.def ")), Ok("abc.def"));
        for bad in [None, Some(""), Some("Bearer"), Some("Bearer "), Some("Basic abc"), Some("abc.def")] {
            assert_eq!(bearer_token(bad), Err(EdgeError::SessionInvalid), "{bad:?}");
        }
    }
}
