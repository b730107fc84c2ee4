//! The worker's configuration, read from its bindings through a lookup function so it can be built and
//! tested without the runtime.
//!
//! | binding | kind | meaning |
//! |---|---|---|
//! | `ORIGIN_URL` | var | `http(s)://host[:port]` of the origin |
//! | `ORIGIN_SIGNING_KEY` | secret | HMAC key for origin request signatures (its UTF-8 bytes), ≥ 16 bytes |
//! | `SESSION_KEY` | secret | HMAC key for session tokens (its UTF-8 bytes), ≥ 32 bytes |
//! | `JPKI_AUTH_CA_PEM` | var | one or more PEM certificates of the 利用者証明用 CA(s) to trust |
//! | `ORIGIN_TIMEOUT_MS` | var, optional | origin timeout, default 3000 |

use crate::cardauth::TrustAnchors;
use crate::error::EdgeError;
use crate::proxy::{OriginClient, parse_timeout_ms};
use crate::secret::SecretBytes;
use crate::session::SessionMinter;

/// Binding name of the origin's base URL.
pub const ORIGIN_URL: &str = "ORIGIN_URL";
/// Binding name of the origin request signing key.
pub const ORIGIN_SIGNING_KEY: &str = "ORIGIN_SIGNING_KEY";
/// Binding name of the session token key.
pub const SESSION_KEY: &str = "SESSION_KEY";
/// Binding name of the trusted CA certificates.
pub const JPKI_AUTH_CA_PEM: &str = "JPKI_AUTH_CA_PEM";
/// Binding name of the origin timeout.
pub const ORIGIN_TIMEOUT_MS: &str = "ORIGIN_TIMEOUT_MS";

/// Everything the handlers need, validated.
#[derive(Debug)]
pub struct EdgeConfig {
    /// Builds signed origin requests.
    pub origin: OriginClient,
    /// Mints and checks sessions.
    pub sessions: SessionMinter,
    /// Trusted 利用者証明用 CAs.
    pub trust_anchors: TrustAnchors,
    /// Origin timeout in milliseconds.
    pub origin_timeout_ms: u32,
}

impl EdgeConfig {
    /// Reads and validates every binding; `lookup` returns a binding's text, or `None` when it is unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EdgeError> {
        let required = |name: &'static str, missing: &'static str| {
            lookup(name)
                .filter(|value| !value.trim().is_empty())
                .ok_or(EdgeError::Config(missing))
        };
        let origin_url = required(ORIGIN_URL, "ORIGIN_URL is not set")?;
        let origin_key = required(ORIGIN_SIGNING_KEY, "ORIGIN_SIGNING_KEY is not set")?;
        let session_key = required(SESSION_KEY, "SESSION_KEY is not set")?;
        let anchors_pem = required(JPKI_AUTH_CA_PEM, "JPKI_AUTH_CA_PEM is not set")?;
        Ok(Self {
            origin: OriginClient::new(&origin_url, SecretBytes::new(origin_key.into_bytes()))?,
            sessions: SessionMinter::new(SecretBytes::new(session_key.into_bytes()))?,
            trust_anchors: TrustAnchors::from_pem(&anchors_pem)?,
            origin_timeout_ms: parse_timeout_ms(lookup(ORIGIN_TIMEOUT_MS).as_deref())?,
        })
    }
}
