//! The public name of an insurer's (or a 公費負担者's) bearer credential: the first [`CREDENTIAL_NAME_LEN`] hex
//! digits of its token's SHA-256. The origin lists, revokes and audits credentials by it, and it is what an edge
//! console session is bound to: the origin names it in the answer the edge's sign-in reads, the edge carries it in
//! the session token, and signs it into every call it makes for the session ([`crate::signing::Principal`]), so the
//! origin can refuse the session once that credential is revoked or expired.
//!
//! Layer: shared wire type. Must not hold or derive anything from a token: only a name computed from its hash ever
//! reaches this file, and 48 bits of a SHA-256 are useless to anyone who wants the token.

use serde::{Deserialize, Serialize};

/// How many hex digits of a credential's SHA-256 name it.
pub const CREDENTIAL_NAME_LEN: usize = 12;

/// A credential's public name, checked: exactly [`CREDENTIAL_NAME_LEN`] lower-case hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct CredentialName(String);

impl CredentialName {
    /// The name of the credential whose token has `token_sha256` (lower-case hex) as its SHA-256.
    pub fn of_sha256(token_sha256: &str) -> Self {
        Self(token_sha256.chars().take(CREDENTIAL_NAME_LEN).collect())
    }

    /// Reads a name as an operator types it or a header carries it: exactly [`CREDENTIAL_NAME_LEN`] hex digits,
    /// either case.
    pub fn parse(text: &str) -> Option<Self> {
        let well_formed = text.len() == CREDENTIAL_NAME_LEN && text.bytes().all(|b| b.is_ascii_hexdigit());
        well_formed.then(|| Self(text.to_ascii_lowercase()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CredentialName {
    type Error = &'static str;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or("a credential's name is 12 hex digits")
    }
}

impl From<CredentialName> for String {
    fn from(name: CredentialName) -> Self {
        name.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn a_public_name_is_twelve_hex_digits_of_the_hash() {
        let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(CredentialName::of_sha256(hash).as_str(), "0123456789ab");
        assert_eq!(CredentialName::parse("0123456789AB"), Some(CredentialName::of_sha256(hash)));
        for bad in ["0123456789a", "0123456789abc", "0123456789ag", ""] {
            assert_eq!(CredentialName::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_name_travels_as_its_text_and_a_malformed_one_is_refused() {
        let name = CredentialName::parse("0123456789ab").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"0123456789ab\"");
        assert_eq!(serde_json::from_str::<CredentialName>("\"0123456789AB\"").unwrap(), name);
        assert!(serde_json::from_str::<CredentialName>("\"0123456789a\"").is_err());
        assert!(serde_json::from_str::<CredentialName>("\"edge session 1\"").is_err());
    }
}
