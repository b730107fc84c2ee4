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
        let value = std::env::var_os(SIGNING_KEY_ENV).ok_or(OriginError::MissingSigningKey { variable: SIGNING_KEY_ENV })?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

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
