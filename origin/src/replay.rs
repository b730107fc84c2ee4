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
//! A few requests are answered from one process's memory alone (the progress of a batch that process runs); their
//! nonces are remembered in that memory too ([`RecentNonces`]), by the same rule.
//!
//! Pure: the caller passes the time in.

use std::collections::HashMap;

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

    /// Whether a record that expires at `expires_at` still refuses its nonce at `now`: up to and including its
    /// expiry. The one rule of both stores: the database's (`store/nonces.rs`) takes a record over, and prunes it,
    /// exactly when this is false (`expires_at < now` in its SQL), and [`RecentNonces`] calls this.
    pub fn guards_at(expires_at: i64, now: i64) -> bool {
        expires_at >= now
    }

    /// Whether this record may be pruned at `now`: one in about 256 requests (chosen by the nonce, which is random)
    /// prunes the expired ones, so the table stays about one window of requests long without a timer.
    pub fn prunes(&self) -> bool {
        self.digest.starts_with("00")
    }
}

/// Nonces accepted by this process alone, each until its record expires: the replay guard of a request whose
/// answer this process alone can give, for which a database write would cost more than the answer (and, on SQLite,
/// wait for whatever transaction holds the one write lock).
#[derive(Debug, Default)]
pub struct RecentNonces {
    expires_at: HashMap<String, i64>,
    /// How many records there may be before the expired ones are dropped.
    prune_at: usize,
}

impl RecentNonces {
    /// Fewest records that start a prune: below this the set is small whatever it holds.
    const PRUNE_FLOOR: usize = 1_024;

    /// Records `nonce` at `now`: true when it is fresh (never seen, or seen with a record expired before `now`, as
    /// the database's rule has it), false for a replay. The expired records are dropped whenever the set has doubled
    /// since they last were, so it stays about one window of requests long without a timer.
    pub fn remember(&mut self, nonce: &NonceRecord, now: i64) -> bool {
        if self.expires_at.len() >= self.prune_at {
            self.expires_at.retain(|_, expires_at| NonceRecord::guards_at(*expires_at, now));
            self.prune_at = (self.expires_at.len() * 2).max(Self::PRUNE_FLOOR);
        }
        match self.expires_at.get(&nonce.digest) {
            Some(expires_at) if NonceRecord::guards_at(*expires_at, now) => false,
            _ => {
                self.expires_at.insert(nonce.digest.clone(), nonce.expires_at);
                true
            }
        }
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

    #[test]
    fn a_nonce_in_memory_is_accepted_once_until_it_expires_and_the_set_stays_one_window_long() {
        let mut recent = RecentNonces::default();
        let first = NonceRecord::of("a", 1_000);
        assert!(recent.remember(&first, 1_000));
        assert!(!recent.remember(&first, 1_000));
        assert!(!recent.remember(&first, first.expires_at), "refused up to its expiry, as the database does");
        assert!(recent.remember(&first, first.expires_at + 1), "taken over once expired");
        // A window's worth of polls, then as many more a window later: the first window's records are gone.
        for index in 0..3_000 {
            assert!(recent.remember(&NonceRecord::of(&format!("early{index}"), 0), 0));
        }
        let later = MAX_SKEW_SECS + 1;
        for index in 0..3_000 {
            assert!(recent.remember(&NonceRecord::of(&format!("late{index}"), later), later));
        }
        assert!(recent.expires_at.len() < 4_500, "{} records kept", recent.expires_at.len());
        assert!(!recent.remember(&NonceRecord::of("late7", later), later), "a live record survives a prune");
    }
}
