//! Kiosk ⇄ edge: the public API the browser calls.
//!
//! Flow: `POST` [`CHALLENGE_PATH`] → the card signs DigestInfo(SHA-256(challenge)) → `POST` [`SESSION_PATH`] with
//! the certificate and signature → a short-lived bearer session → `POST` [`QUALIFICATION_PATH`].

use serde::{Deserialize, Serialize};

use crate::Base64Bytes;

/// Issues a single-use challenge.
pub const CHALLENGE_PATH: &str = "/api/v1/challenge";
/// Exchanges a signed challenge for a card session.
pub const SESSION_PATH: &str = "/api/v1/session";
/// Asks for the qualification of the session's card holder.
pub const QUALIFICATION_PATH: &str = "/api/v1/qualification";

/// Length of a challenge in bytes.
pub const CHALLENGE_LEN: usize = 32;

/// Answer to `POST /api/v1/challenge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeResponse {
    /// Opaque identifier to send back with the signature.
    pub challenge_id: String,
    /// The bytes the card must sign (as DigestInfo(SHA-256(challenge))).
    pub challenge: Base64Bytes,
    /// Unix seconds after which the challenge is refused.
    pub expires_at: i64,
}

/// Body of `POST /api/v1/session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// From [`ChallengeResponse::challenge_id`].
    pub challenge_id: String,
    /// The 利用者証明用 certificate (DER) read from JPKI EF 000A.
    pub certificate: Base64Bytes,
    /// The card's RSA PKCS#1 v1.5 signature over DigestInfo(SHA-256(challenge)).
    pub signature: Base64Bytes,
}

/// Answer to `POST /api/v1/session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Bearer token for the qualification call; bound to the certificate.
    pub session_token: String,
    /// Unix seconds after which the session is refused.
    pub expires_at: i64,
}

/// Body of `POST /api/v1/qualification`. The card holder comes from the session, never from the body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationRequest {
    /// The facility's own identifier for this check (`ArbitraryIdentifier`), echoed back in audit records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitrary_identifier: Option<String>,
}
