//! The one format both of the edge's bearer tokens use, card sessions and staff sessions:
//! `<prefix><base64url(JSON claims)>.<base64url(HMAC-SHA256(key, base64url(JSON claims)))>`.
//!
//! Layer: a pure auth rule under `session.rs` and `staff_session.rs`. The MAC is checked, in constant time
//! ([`subtle`]), before anything inside the token is parsed; then the claims' lifetime. Must not: read a clock (it
//! is passed in), or look inside a token whose MAC does not hold.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::error::EdgeError;
use crate::secret::{SecretBytes, SessionToken};

/// HMAC-SHA256, as every edge token uses it.
type HmacSha256 = hmac::Hmac<Sha256>;

/// How far in the future an issue time may lie before a token is refused (clock differences between isolates).
const MAX_FUTURE_ISSUE_SECS: i64 = 60;

/// Claims that carry their own issue and expiry times.
pub(crate) trait Lifetime {
    /// Unix seconds at which the token was issued.
    fn issued_at(&self) -> i64;
    /// Unix seconds after which the token is refused.
    fn expires_at(&self) -> i64;
}

/// Seals and opens one kind of token with one key.
#[derive(Debug)]
pub(crate) struct TokenCodec {
    key: SecretBytes,
    prefix: &'static str,
    max_len: usize,
    lifetime_secs: i64,
}

impl TokenCodec {
    /// A codec for tokens that start with `prefix`, are at most `max_len` characters, and live at most
    /// `lifetime_secs`.
    pub(crate) fn new(key: SecretBytes, prefix: &'static str, max_len: usize, lifetime_secs: i64) -> Self {
        Self { key, prefix, max_len, lifetime_secs }
    }

    /// The key, for tests that prove it never shows in `Debug`.
    #[cfg(test)]
    pub(crate) fn key(&self) -> &SecretBytes {
        &self.key
    }

    fn mac(&self) -> Result<HmacSha256, EdgeError> {
        HmacSha256::new_from_slice(self.key.expose()).map_err(|_| EdgeError::Config("SESSION_KEY is unusable"))
    }

    /// The token for `claims`.
    pub(crate) fn seal<C: Serialize>(&self, claims: &C) -> Result<SessionToken, EdgeError> {
        let json = serde_json::to_vec(claims).map_err(|_| EdgeError::Runtime("token claims do not serialise"))?;
        let payload = URL_SAFE_NO_PAD.encode(json);
        let mut mac = self.mac()?;
        mac.update(payload.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Ok(SessionToken::new(format!("{}{payload}.{tag}", self.prefix)))
    }

    /// The claims of a token this codec sealed and that is still live at `now_unix`.
    pub(crate) fn open<C: DeserializeOwned + Lifetime>(&self, token: &str, now_unix: i64) -> Result<C, EdgeError> {
        if token.len() > self.max_len {
            return Err(EdgeError::SessionInvalid);
        }
        let rest = token.strip_prefix(self.prefix).ok_or(EdgeError::SessionInvalid)?;
        let (payload, tag) = rest.split_once('.').ok_or(EdgeError::SessionInvalid)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| EdgeError::SessionInvalid)?;
        let mut mac = self.mac()?;
        mac.update(payload.as_bytes());
        // Compared in constant time, so that timing cannot reveal how much of a forged tag was right.
        let expected = mac.finalize().into_bytes();
        if !bool::from(expected.as_slice().ct_eq(tag.as_slice())) {
            return Err(EdgeError::SessionInvalid);
        }
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| EdgeError::SessionInvalid)?;
        let claims: C = serde_json::from_slice(&json).map_err(|_| EdgeError::SessionInvalid)?;
        if claims.expires_at().saturating_sub(claims.issued_at()) > self.lifetime_secs
            || claims.issued_at() > now_unix.saturating_add(MAX_FUTURE_ISSUE_SECS)
        {
            return Err(EdgeError::SessionInvalid);
        }
        if now_unix >= claims.expires_at() {
            return Err(EdgeError::SessionExpired);
        }
        Ok(claims)
    }
}
