//! Replay protection for signed edge requests, the rule: a nonce is accepted once for as long as its timestamp could
//! still be accepted, and need not be remembered after that.
//!
//! A request signed at `t` passes the timestamp check while `now` is within [`MAX_SKEW_SECS`] of `t`, so its nonce
//! must be remembered until `t + MAX_SKEW_SECS`; after that the timestamp check alone refuses a replay. The nonces
//! are kept in the database (`store/nonces.rs`), so every replica and every restart of the origin sees them.
//!
//! A nonce is kept as a 128-bit SHA-256 digest: a fixed size however long the nonce is. Two different nonces
//! sharing a digest would need a SHA-256 collision on 128 bits; even then the effect is a refusal, never an
//! accepted replay.
//!
//! Pure: the caller passes the time in.

use onshi_proto::signing::MAX_SKEW_SECS;
use sha2::{Digest, Sha256};

/// What the store keeps of one accepted nonce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NonceRecord {
    /// The hex of the first 16 bytes of the nonce's SHA-256.
    pub digest: String,
    /// When the nonce's timestamp stops passing the signature check (Unix seconds).
    pub expires_at: i64,
}

impl NonceRecord {
    /// The record of `nonce`, signed at `timestamp`.
    pub fn of(nonce: &str, timestamp: i64) -> Self {
        let full = Sha256::digest(nonce.as_bytes());
        Self {
            digest: hex::encode(full.get(..16).unwrap_or_default()),
            expires_at: timestamp.saturating_add(MAX_SKEW_SECS),
        }
    }

    /// Whether this record may be pruned at `now`: one in about 256 requests (chosen by the nonce, which is random)
    /// prunes the expired ones, so the table stays about one window of requests long without a timer.
    pub fn prunes(&self) -> bool {
        self.digest.starts_with("00")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_kept_until_its_timestamp_goes_stale() {
        let record = NonceRecord::of("a", 1_000);
        assert_eq!(record.expires_at, 1_000 + MAX_SKEW_SECS);
        assert_eq!(record.digest.len(), 32);
        assert_eq!(record, NonceRecord::of("a", 1_000));
        assert_ne!(record.digest, NonceRecord::of("b", 1_000).digest);
        assert_eq!(NonceRecord::of("max", i64::MAX).expires_at, i64::MAX);
    }

    #[test]
    fn about_one_nonce_in_256_prunes() {
        let prunes = (0..25_600).filter(|index| NonceRecord::of(&format!("n{index}"), 0).prunes()).count();
        assert!((50..200).contains(&prunes), "{prunes}");
    }
}
