//! The facility admin's bearer token (`ADMIN_TOKEN`), compared in constant time.
//!
//! Without a configured token the admin routes are closed: every call is refused.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::auth::session::bearer_token;
use crate::error::EdgeError;
use crate::secret::SecretBytes;

/// Shortest accepted `ADMIN_TOKEN`, in bytes.
pub const MIN_ADMIN_TOKEN_LEN: usize = 24;

/// The admin credential: the SHA-256 of the configured token, so that comparison time reveals nothing about its
/// length or content.
#[derive(Debug)]
pub struct AdminCredential {
    token_hash: Option<SecretBytes>,
}

impl AdminCredential {
    /// `None` closes the admin routes; a token shorter than [`MIN_ADMIN_TOKEN_LEN`] is a configuration error.
    pub fn new(token: Option<SecretBytes>) -> Result<Self, EdgeError> {
        let token_hash = match token {
            None => None,
            Some(token) if token.len() < MIN_ADMIN_TOKEN_LEN => {
                return Err(EdgeError::Config("ADMIN_TOKEN is shorter than 24 bytes"));
            }
            Some(token) => Some(SecretBytes::new(Sha256::digest(token.expose()).to_vec())),
        };
        Ok(Self { token_hash })
    }

    /// Checks an `Authorization: Bearer <token>` header value.
    pub fn check(&self, authorization: Option<&str>) -> Result<(), EdgeError> {
        let expected = self.token_hash.as_ref().ok_or(EdgeError::AdminUnauthorized)?;
        let given = bearer_token(authorization).map_err(|_| EdgeError::AdminUnauthorized)?;
        let given_hash = Sha256::digest(given.as_bytes());
        if bool::from(given_hash.as_slice().ct_eq(expected.expose())) {
            Ok(())
        } else {
            Err(EdgeError::AdminUnauthorized)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "admin-token-for-edge-tests-0001";

    #[test]
    fn only_the_configured_token_opens_the_admin_routes() {
        let admin = AdminCredential::new(Some(SecretBytes::new(TOKEN.as_bytes().to_vec()))).unwrap();
        assert_eq!(admin.check(Some(&format!("Bearer {TOKEN}"))), Ok(()));
        for bad in [None, Some("Bearer"), Some("Bearer wrong"), Some(TOKEN), Some("Basic YWRtaW4=")] {
            assert_eq!(admin.check(bad), Err(EdgeError::AdminUnauthorized), "{bad:?}");
        }
        assert!(!format!("{admin:?}").contains(TOKEN));
    }

    #[test]
    fn no_token_closes_the_routes_and_short_tokens_are_refused() {
        let closed = AdminCredential::new(None).unwrap();
        assert_eq!(closed.check(Some(&format!("Bearer {TOKEN}"))), Err(EdgeError::AdminUnauthorized));
        assert!(matches!(AdminCredential::new(Some(SecretBytes::new(b"short".to_vec()))), Err(EdgeError::Config(_))));
    }
}
