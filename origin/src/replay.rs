//! Replay protection for signed edge requests: remembers each nonce for as long as its timestamp could still be
//! accepted, and no longer.
//!
//! A request signed at `t` passes the timestamp check while `now` is within [`MAX_SKEW_SECS`] of `t`, so its nonce
//! must be remembered until `t + MAX_SKEW_SECS`. After that the timestamp check alone refuses a replay. Memory is
//! bounded twice over: expired nonces are dropped on every call, and when the cache is full new requests are
//! refused rather than an unexpired nonce being forgotten (forgetting one would reopen the replay it guards).
//!
//! Nonces are kept as 128-bit SHA-256 digests in buckets by expiry second: a nonce costs a fixed 16 bytes however
//! long it is, and expiring a second's worth of nonces is one bucket removal rather than one tree walk per nonce.
//! Two different nonces sharing a digest would need a SHA-256 collision on 128 bits; even then the effect is a
//! refusal, never an accepted replay.
//!
//! Pure: the caller passes the time in.

use std::collections::{BTreeMap, HashSet};

use onshi_proto::signing::MAX_SKEW_SECS;
use sha2::{Digest, Sha256};

/// Sustained signed requests per second the default cache is sized for.
pub const DESIGN_REQUESTS_PER_SECOND: usize = 20_000;

/// Default number of nonces kept: every nonce of [`DESIGN_REQUESTS_PER_SECOND`] sustained over the longest time a
/// nonce must be remembered (a timestamp up to [`MAX_SKEW_SECS`] ahead of the clock stays for twice the skew), with
/// one second to spare. At 16 bytes a nonce plus the set's overhead this is a few tens of MiB at most.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "MAX_SKEW_SECS is a small positive constant"
)]
pub const DEFAULT_CAPACITY: usize = DESIGN_REQUESTS_PER_SECOND * (2 * MAX_SKEW_SECS as usize + 1);

/// Why a nonce was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceRefusal {
    /// The nonce was already used within its window.
    Replayed,
    /// The cache holds `capacity` unexpired nonces; the request cannot be checked safely.
    CacheFull,
}

/// A nonce's fixed-size fingerprint.
type NonceDigest = [u8; 16];

/// The nonces seen within the acceptance window.
#[derive(Debug)]
pub struct NonceCache {
    live_nonces: HashSet<NonceDigest>,
    nonces_by_expiry: BTreeMap<i64, Vec<NonceDigest>>,
    capacity: usize,
}

impl NonceCache {
    /// An empty cache holding at most `capacity` nonces.
    pub fn new(capacity: usize) -> Self {
        Self { live_nonces: HashSet::new(), nonces_by_expiry: BTreeMap::new(), capacity }
    }

    /// Records `nonce`, signed at `timestamp`, unless it was seen within its window. Call only after the
    /// request's signature has been verified, so unauthenticated callers cannot fill the cache.
    pub fn remember(&mut self, nonce: &str, timestamp: i64, now: i64) -> Result<(), NonceRefusal> {
        self.forget_expired(now);
        let digest = digest_of(nonce);
        if self.live_nonces.contains(&digest) {
            return Err(NonceRefusal::Replayed);
        }
        if self.live_nonces.len() >= self.capacity {
            return Err(NonceRefusal::CacheFull);
        }
        let expires_at = timestamp.saturating_add(MAX_SKEW_SECS);
        self.live_nonces.insert(digest);
        self.nonces_by_expiry.entry(expires_at).or_default().push(digest);
        Ok(())
    }

    /// How many nonces are held.
    pub fn len(&self) -> usize {
        self.live_nonces.len()
    }

    /// True when no nonce is held.
    pub fn is_empty(&self) -> bool {
        self.live_nonces.is_empty()
    }

    fn forget_expired(&mut self, now: i64) {
        while let Some(entry) = self.nonces_by_expiry.first_entry() {
            if *entry.key() >= now {
                break;
            }
            for digest in entry.remove() {
                self.live_nonces.remove(&digest);
            }
        }
    }
}

fn digest_of(nonce: &str) -> NonceDigest {
    let full = Sha256::digest(nonce.as_bytes());
    let mut digest = [0_u8; 16];
    digest.copy_from_slice(&full[..16]);
    digest
}

impl Default for NonceCache {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_refused_while_its_timestamp_could_still_pass() {
        let mut cache = NonceCache::new(10);
        assert_eq!(cache.remember("a", 1_000, 1_000), Ok(()));
        assert_eq!(cache.remember("a", 1_000, 1_000), Err(NonceRefusal::Replayed));
        // Even with another timestamp: the nonce, not the pair, is single-use.
        assert_eq!(cache.remember("a", 1_010, 1_030), Err(NonceRefusal::Replayed));
        assert_eq!(cache.remember("a", 1_000, 1_000 + MAX_SKEW_SECS), Err(NonceRefusal::Replayed));
    }

    #[test]
    fn expired_nonces_are_forgotten() {
        let mut cache = NonceCache::new(10);
        cache.remember("a", 1_000, 1_000).unwrap();
        cache.remember("b", 1_050, 1_050).unwrap();
        assert_eq!(cache.len(), 2);
        // At 1_061 a request stamped 1_000 is stale, so its nonce no longer needs remembering.
        cache.remember("c", 1_061, 1_061).unwrap();
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.remember("b", 1_050, 1_061), Err(NonceRefusal::Replayed));
    }

    #[test]
    fn a_full_cache_refuses_instead_of_forgetting_live_nonces() {
        let mut cache = NonceCache::new(2);
        cache.remember("a", 1_000, 1_000).unwrap();
        cache.remember("b", 1_000, 1_000).unwrap();
        assert_eq!(cache.remember("c", 1_000, 1_000), Err(NonceRefusal::CacheFull));
        assert_eq!(cache.remember("a", 1_000, 1_001), Err(NonceRefusal::Replayed));
        // Once the window has passed there is room again.
        assert_eq!(cache.remember("c", 1_100, 1_100), Ok(()));
        assert_eq!(cache.len(), 1);
        assert!(!cache.is_empty());
    }

    #[test]
    fn timestamps_at_the_ends_of_the_range_do_not_overflow() {
        let mut cache = NonceCache::new(4);
        assert_eq!(cache.remember("max", i64::MAX, 0), Ok(()));
        assert_eq!(cache.remember("min", i64::MIN, 0), Ok(()));
        // The next call drops the long-expired one and keeps the far-future one.
        assert_eq!(cache.remember("now", 0, 0), Ok(()));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.remember("max", i64::MAX, 0), Err(NonceRefusal::Replayed));
    }

    #[test]
    fn the_default_capacity_holds_the_design_rate_for_the_whole_window() {
        let window = usize::try_from(MAX_SKEW_SECS).unwrap();
        assert!(DEFAULT_CAPACITY >= DESIGN_REQUESTS_PER_SECOND * window);
        let mut cache = NonceCache::default();
        // A minute at the design rate: every nonce is accepted once and none is refused for room.
        let per_second = i64::try_from(DESIGN_REQUESTS_PER_SECOND).unwrap();
        for second in 0..MAX_SKEW_SECS {
            for index in 0..per_second {
                let nonce = format!("{second}-{index}");
                assert_eq!(cache.remember(&nonce, 1_000 + second, 1_000 + second), Ok(()));
            }
        }
        assert_eq!(cache.remember("0-0", 1_000, 1_000 + MAX_SKEW_SECS - 1), Err(NonceRefusal::Replayed));
    }
}
