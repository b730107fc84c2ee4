//! The edge↔origin request-signing key.

use onshi_proto::signing::{Audience, request_key};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{OriginError, Result};

/// The environment variable the key is read from. Its value's bytes (UTF-8 as given) are the HMAC key; the edge
/// must be configured with the same value.
pub const SIGNING_KEY_ENV: &str = "ONSHI_ORIGIN_SIGNING_KEY";

/// The environment variable naming the deployment requests must be meant for ([`Audience`]); the edge's
/// `ORIGIN_AUDIENCE` must name the same. Unset means [`Audience::DEFAULT`].
pub const AUDIENCE_ENV: &str = "ONSHI_ORIGIN_AUDIENCE";

/// Shortest signing key accepted, in bytes: HMAC-SHA256 is only as strong as its key, and a key shorter than the
/// hash's 32 bytes is guessable long before the hash is. The edge refuses shorter keys too.
pub const MIN_SIGNING_KEY_LEN: usize = 32;
/// Shortest admin bearer token accepted, in bytes.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// The shared HMAC key. Wiped from memory when dropped and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// Wraps key bytes; an empty key or one shorter than [`MIN_SIGNING_KEY_LEN`] is refused.
    pub fn new(bytes: Vec<u8>) -> Result<Self> {
        // Wrapping first means the bytes are wiped even when they are refused.
        let key = Self(bytes);
        if key.0.is_empty() {
            return Err(OriginError::MissingSigningKey { variable: SIGNING_KEY_ENV });
        }
        if key.0.len() < MIN_SIGNING_KEY_LEN {
            return Err(OriginError::SigningKeyTooShort { variable: SIGNING_KEY_ENV, min: MIN_SIGNING_KEY_LEN });
        }
        Ok(key)
    }

    /// The request key for `audience` ([`request_key`]), from the configured secret, which is checked first as
    /// [`SigningKey::new`] checks a key.
    pub fn derive(secret: Vec<u8>, audience: &Audience) -> Result<Self> {
        let secret = Self::new(secret)?;
        let key = request_key(secret.expose(), audience)
            .map_err(|_| OriginError::Usage("no request key derives from the secret".into()))?;
        Ok(Self(key.to_vec()))
    }

    /// The request key from the secret in [`SIGNING_KEY_ENV`] and the audience in [`AUDIENCE_ENV`].
    pub fn from_env() -> Result<Self> {
        let value =
            std::env::var_os(SIGNING_KEY_ENV).ok_or(OriginError::MissingSigningKey { variable: SIGNING_KEY_ENV })?;
        let audience = match std::env::var(AUDIENCE_ENV) {
            Err(std::env::VarError::NotPresent) => Audience::default(),
            Ok(text) => {
                Audience::parse(&text).map_err(|error| OriginError::Usage(format!("{AUDIENCE_ENV}: {error}")))?
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(OriginError::Usage(format!("{AUDIENCE_ENV} is not UTF-8")));
            }
        };
        Self::derive(value.into_encoded_bytes(), &audience)
    }

    /// The key bytes, for the HMAC only.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// The environment variable the admin bearer token is read from; without it the admin routes stay closed.
pub const ADMIN_TOKEN_ENV: &str = "ONSHI_ADMIN_TOKEN";

/// The environment variable naming who holds the admin token, as the audit rows of admin calls name them.
pub const OPERATOR_ID_ENV: &str = "ONSHI_OPERATOR_ID";
/// The operator's name in audit rows when [`OPERATOR_ID_ENV`] is unset.
pub const DEFAULT_OPERATOR_ID: &str = "operator";
/// Prefix of the operator's name where an audit row names the actor.
pub const OPERATOR_ACTOR_PREFIX: &str = "operator:";

/// The national operator's admin token and who holds it. The token is wiped on drop and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AdminToken {
    token: String,
    /// `operator:<id>`, as audit rows name the actor.
    #[zeroize(skip)]
    actor: String,
}

impl AdminToken {
    /// Wraps a token held by [`DEFAULT_OPERATOR_ID`]; one shorter than [`MIN_ADMIN_TOKEN_LEN`] bytes is refused.
    pub fn new(token: String) -> Result<Self> {
        let token = Self { token, actor: format!("{OPERATOR_ACTOR_PREFIX}{DEFAULT_OPERATOR_ID}") };
        if token.token.len() < MIN_ADMIN_TOKEN_LEN {
            return Err(OriginError::SigningKeyTooShort { variable: ADMIN_TOKEN_ENV, min: MIN_ADMIN_TOKEN_LEN });
        }
        Ok(token)
    }

    /// The same token, held by `operator_id` (1 to 128 characters, no control characters).
    pub fn held_by(mut self, operator_id: &str) -> Result<Self> {
        let id = onshi_proto::identifier::Identifier::parse(operator_id)
            .map_err(|_| OriginError::Usage(format!("{OPERATOR_ID_ENV} must be 1 to 128 characters on one line")))?;
        self.actor = format!("{OPERATOR_ACTOR_PREFIX}{}", id.as_str());
        Ok(self)
    }

    /// Reads [`ADMIN_TOKEN_ENV`] and [`OPERATOR_ID_ENV`]; `None` when the token is unset or empty.
    pub fn from_env() -> Result<Option<Self>> {
        match std::env::var(ADMIN_TOKEN_ENV) {
            Ok(value) if !value.is_empty() => {
                let token = Self::new(value)?;
                match std::env::var(OPERATOR_ID_ENV) {
                    Ok(id) if !id.is_empty() => token.held_by(&id).map(Some),
                    _ => Ok(Some(token)),
                }
            }
            _ => Ok(None),
        }
    }

    /// Who holds the token, as audit rows name the actor: `operator:<id>`.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// True when `presented` is this token, compared in constant time (`subtle`) over their SHA-256 digests, so
    /// neither the length nor the first differing byte of the token shows in the time taken.
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq as _;
        let expected = token_sha256(&self.token);
        let given = token_sha256(presented);
        expected.as_bytes().ct_eq(given.as_bytes()).into()
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// The hex SHA-256 of a bearer token: what is stored for insurer tokens, never the token itself.
pub fn token_sha256(token: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn admin_tokens_redact_and_compare_by_value() {
        let token = AdminToken::new("admin-token-for-a-test-0123456789".into()).unwrap();
        assert_eq!(format!("{token:?}"), "AdminToken(<redacted>)");
        assert!(token.matches("admin-token-for-a-test-0123456789"));
        assert!(!token.matches("admin-token-for-a-test-012345678"));
        assert!(AdminToken::new("short".into()).is_err());
        assert_eq!(token.actor(), "operator:operator");
        let held = token.clone().held_by("ops-tanaka").unwrap();
        assert_eq!(held.actor(), "operator:ops-tanaka");
        assert!(held.matches("admin-token-for-a-test-0123456789"));
        assert!(token.held_by("two\nlines").is_err());
        assert_eq!(token_sha256("abc").len(), 64);
        assert_ne!(token_sha256("abc"), "abc");
    }

    fn wiped_on_drop<T: ZeroizeOnDrop>() {}

    #[test]
    fn the_key_never_prints_and_is_wiped_on_drop() {
        let key = SigningKey::new(b"super-secret-origin-key-of-32-bytes".to_vec()).unwrap();
        let printed = format!("{key:?} {:?}", Some(&key));
        assert!(!printed.contains("super-secret"), "{printed}");
        assert!(printed.contains("<redacted>"));
        wiped_on_drop::<SigningKey>();
    }

    #[test]
    fn zeroize_clears_the_bytes() {
        let mut key = SigningKey::new(vec![0xAA; 40]).unwrap();
        key.zeroize();
        // Zeroizing a Vec overwrites its bytes and then empties it.
        assert!(key.expose().is_empty());
    }

    #[test]
    fn empty_keys_and_keys_shorter_than_the_hash_are_refused() {
        assert!(matches!(SigningKey::new(Vec::new()), Err(OriginError::MissingSigningKey { .. })));
        for short in [1, 16, 31] {
            assert!(matches!(SigningKey::new(vec![7; short]), Err(OriginError::SigningKeyTooShort { min: 32, .. })));
        }
        assert!(SigningKey::new(vec![7; 32]).is_ok());
    }
}
