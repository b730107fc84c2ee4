//! The edge↔origin request-signing key.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{OriginError, Result};

/// The environment variable the key is read from. Its value's bytes (UTF-8 as given) are the HMAC key; the edge
/// must be configured with the same value.
pub const SIGNING_KEY_ENV: &str = "ONSHI_ORIGIN_SIGNING_KEY";

/// Shortest key accepted, in bytes; the edge refuses shorter keys too.
pub const MIN_KEY_LEN: usize = 16;
/// Keys shorter than this are accepted for development but logged as weak; HMAC-SHA256 wants 32 bytes.
pub const RECOMMENDED_KEY_LEN: usize = 32;

/// The shared HMAC key. Wiped from memory when dropped and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// Wraps key bytes; an empty key or one shorter than [`MIN_KEY_LEN`] is refused.
    pub fn new(bytes: Vec<u8>) -> Result<Self> {
        // Wrapping first means the bytes are wiped even when they are refused.
        let key = Self(bytes);
        if key.0.is_empty() {
            return Err(OriginError::MissingSigningKey { variable: SIGNING_KEY_ENV });
        }
        if key.0.len() < MIN_KEY_LEN {
            return Err(OriginError::SigningKeyTooShort { variable: SIGNING_KEY_ENV, min: MIN_KEY_LEN });
        }
        Ok(key)
    }

    /// Reads the key from [`SIGNING_KEY_ENV`].
    pub fn from_env() -> Result<Self> {
        let value =
            std::env::var_os(SIGNING_KEY_ENV).ok_or(OriginError::MissingSigningKey { variable: SIGNING_KEY_ENV })?;
        Self::new(value.into_encoded_bytes())
    }

    /// The key bytes, for the HMAC only.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// True when the key is shorter than [`RECOMMENDED_KEY_LEN`].
    pub fn is_weak(&self) -> bool {
        self.0.len() < RECOMMENDED_KEY_LEN
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
    /// Wraps a token held by [`DEFAULT_OPERATOR_ID`]; one shorter than [`MIN_KEY_LEN`] bytes is refused.
    pub fn new(token: String) -> Result<Self> {
        let token = Self { token, actor: format!("{OPERATOR_ACTOR_PREFIX}{DEFAULT_OPERATOR_ID}") };
        if token.token.len() < MIN_KEY_LEN {
            return Err(OriginError::SigningKeyTooShort { variable: ADMIN_TOKEN_ENV, min: MIN_KEY_LEN });
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
        let key = SigningKey::new(b"super-secret-origin-key".to_vec()).unwrap();
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
    fn empty_and_short_keys_are_refused_and_weak_keys_are_flagged() {
        assert!(matches!(SigningKey::new(Vec::new()), Err(OriginError::MissingSigningKey { .. })));
        assert!(matches!(SigningKey::new(vec![7; 15]), Err(OriginError::SigningKeyTooShort { min: 16, .. })));
        assert!(SigningKey::new(vec![7; 16]).unwrap().is_weak());
        assert!(!SigningKey::new(vec![7; 32]).unwrap().is_weak());
    }
}
