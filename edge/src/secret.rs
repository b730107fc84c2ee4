//! Secret values (keys and tokens) that are wiped from memory when dropped and never printed.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Key material: wiped on drop, shown as `<redacted>` by `Debug`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of the key bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The key bytes, for the MAC that uses them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (safe to log: it reveals nothing usable).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no key bytes at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBytes(<redacted>, {} bytes)", self.0.len())
    }
}

/// A bearer session token: wiped on drop, shown as `<redacted>` by `Debug`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SessionToken(String);

impl SessionToken {
    /// Wraps the token text.
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The token text, for the response body or the verifier.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let key = SecretBytes::new(b"correct horse battery staple".to_vec());
        let printed = format!("{key:?}");
        assert!(!printed.contains("horse"), "{printed}");
        assert!(printed.contains("28 bytes"));
        let token = SessionToken::new("eyJzZXJpYWwiOiIwMSJ9.c2lnbmF0dXJl".to_owned());
        assert_eq!(format!("{token:?}"), "SessionToken(<redacted>)");
    }

    #[test]
    fn zeroize_wipes_the_bytes() {
        let mut key = SecretBytes::new(vec![0x5a; 32]);
        key.zeroize();
        // `Vec`'s zeroize overwrites the whole allocation and then truncates it.
        assert!(key.is_empty());
        let mut token = SessionToken::new("secret-token".to_owned());
        token.zeroize();
        assert!(token.expose().is_empty());
    }
}
