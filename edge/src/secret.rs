//! Secret values (keys and tokens) that are wiped from memory when dropped and never printed, and the one way the
//! edge derives a key from another.
//!
//! Layer: a leaf under every module that holds key material. Every key the edge makes from `SESSION_KEY` comes from
//! [`SecretBytes::derive`]: HKDF-SHA256 (RFC 5869) with a distinct `info` per [`KeyPurpose`], so a key made for one
//! purpose (card sessions, staff sessions, audit hashes, one-time code lookup keys) is unrelated to the key of any other and to `SESSION_KEY`
//! itself. Must not: print key bytes, or derive a key any other way.

use hkdf::Hkdf;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::EdgeError;

/// Length of every derived key, in bytes: the HMAC-SHA256 output, the strength of the MACs it keys.
pub const DERIVED_KEY_LEN: usize = 32;

/// What a key derived from `SESSION_KEY` is for. Each purpose names its own HKDF `info`, so no two purposes ever
/// share a key: a card session token cannot pass for a staff token, and the audit hash key signs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPurpose {
    /// The MAC key of card session tokens.
    CardSession,
    /// The MAC key of staff session tokens.
    StaffSession,
    /// The key of the certificate hash in audit events.
    AuditCertificate,
    /// The MAC key of the tag inside every device id the edge issues.
    DeviceId,
    /// The key of the hash a staff by-number subject is counted under (the number itself is never stored).
    StaffSubject,
    /// The MAC key of facility admin credentials.
    FacilityAdmin,
    /// The MAC key of insurer console session tokens.
    InsurerSession,
    /// The MAC key of the lookup keys one-time codes (enrolment and staff login) are stored under, so that reading
    /// the store does not let anyone search the code space offline.
    CodeLookup,
}

impl KeyPurpose {
    /// The HKDF `info` of this purpose. Changing one invalidates every token of that kind in flight (and changes
    /// the audit hashes), so a new spelling gets a new version suffix.
    pub fn info(self) -> &'static [u8] {
        match self {
            Self::CardSession => b"onshi-edge card-session v1",
            Self::StaffSession => b"onshi-edge staff-session v1",
            Self::AuditCertificate => b"onshi-edge audit-certificate v1",
            Self::DeviceId => b"onshi-edge device-id v1",
            Self::StaffSubject => b"onshi-edge staff-subject v1",
            Self::FacilityAdmin => b"onshi-edge facility-admin v1",
            Self::InsurerSession => b"onshi-edge insurer-session v1",
            Self::CodeLookup => b"onshi-edge code-lookup v1",
        }
    }
}

/// Key material: wiped on drop, shown as `<redacted>` by `Debug`, compared in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl PartialEq for SecretBytes {
    /// Constant time in the bytes' content ([`subtle`]); only the lengths, which reveal nothing usable, may show.
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.as_slice().ct_eq(other.0.as_slice()))
    }
}

impl Eq for SecretBytes {}

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

    /// The [`DERIVED_KEY_LEN`]-byte key for `purpose`, derived from these bytes as input keying material by
    /// HKDF-SHA256 without a salt (RFC 5869 then uses a block of zeros) and with the purpose's `info`.
    pub fn derive(&self, purpose: KeyPurpose) -> Result<Self, EdgeError> {
        let mut okm = Self(vec![0_u8; DERIVED_KEY_LEN]);
        // HKDF-Expand only refuses more than 255 hash lengths of output; one is asked for, so this never fails.
        Hkdf::<Sha256>::new(None, &self.0)
            .expand(purpose.info(), &mut okm.0)
            .map_err(|_| EdgeError::Config("a key cannot be derived from SESSION_KEY"))?;
        Ok(okm)
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBytes(<redacted>, {} bytes)", self.0.len())
    }
}

/// A bearer session token: wiped on drop, shown as `<redacted>` by `Debug`, compared in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionToken(String);

impl PartialEq for SessionToken {
    /// Constant time in the token's content ([`subtle`]).
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl Eq for SessionToken {}

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

    #[test]
    fn secrets_compare_by_content() {
        assert_eq!(SecretBytes::new(vec![1, 2, 3]), SecretBytes::new(vec![1, 2, 3]));
        assert_ne!(SecretBytes::new(vec![1, 2, 3]), SecretBytes::new(vec![1, 2, 4]));
        assert_ne!(SecretBytes::new(vec![1, 2, 3]), SecretBytes::new(vec![1, 2]));
        assert_eq!(SessionToken::new("a.b".to_owned()), SessionToken::new("a.b".to_owned()));
        assert_ne!(SessionToken::new("a.b".to_owned()), SessionToken::new("a.c".to_owned()));
    }

    #[test]
    fn each_purpose_derives_its_own_key_by_hkdf_sha256() {
        let session_key = SecretBytes::new(b"a-session-key-of-at-least-32-bytes!!".to_vec());
        // HKDF-SHA256 (RFC 5869, no salt) of the key above with each purpose's info, computed independently of this
        // crate; a change here invalidates every token of that kind and every audit hash in flight.
        for (purpose, expected) in [
            (KeyPurpose::CardSession, "b109304638ec0478993cd588e3e0b2795c76c37c32d402f7d87b03d4d821ab51"),
            (KeyPurpose::StaffSession, "f872be5ba67fa62e3d9692998b77e52ceb74d329f27d1dcc77645e7b24732fc1"),
            (KeyPurpose::AuditCertificate, "ecaaf3fba02d1de871a87f40312c1cc20cb5c476081a40b9b74d92078e42b701"),
            (KeyPurpose::DeviceId, "c54ebcfd0acad57707d9a6b2f3533125a642e6d8888e1f7ec50b1de8a330b5b1"),
            (KeyPurpose::StaffSubject, "58bd0c41497f157e150c29b46c999e1704d3630f4ecac5a047dafa7a6ab8e93e"),
            // Computed with Python's hmac and hashlib (HKDF written out: extract with 32 zero bytes as the salt,
            // then one expand block), the same program reproducing the staff-subject key above.
            (KeyPurpose::CodeLookup, "86a1e615a8986af9326357a5a8f226238b9d82b49233ad9a1fa69c4c3c7152e3"),
        ] {
            let derived = session_key.derive(purpose).unwrap();
            assert_eq!(hex::encode(derived.expose()), expected, "{purpose:?}");
            assert_eq!(derived.len(), DERIVED_KEY_LEN);
        }
        let other = SecretBytes::new(vec![9; 32]);
        assert_ne!(
            other.derive(KeyPurpose::CardSession).unwrap(),
            session_key.derive(KeyPurpose::CardSession).unwrap()
        );
    }
}
