//! Replay protection for signed edge requests: remembers each nonce for as long as its timestamp could still be
//! accepted, and no longer.
//!
//! A request signed at `t` passes the timestamp check while `now` is within [`MAX_SKEW_SECS`] of `t`, so its nonce
//! must be remembered until `t + MAX_SKEW_SECS`. After that the timestamp check alone refuses a replay. Memory is
//! bounded twice over: expired nonces are dropped on every call, and when the cache is full new requests are
//! refused rather than an unexpired nonce being forgotten (forgetting one would reopen the replay it guards).
//!
//! Pure: the caller passes the time in.

use std::collections::{BTreeSet, HashMap};

use onshi_proto::signing::MAX_SKEW_SECS;

/// Default number of nonces kept: a minute of traffic at about a thousand requests per second.
pub const DEFAULT_CAPACITY: usize = 65_536;

/// Why a nonce was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceRefusal {
    /// The nonce was already used within its window.
    Replayed,
    /// The cache holds `capacity` unexpired nonces; the request cannot be checked safely.
    CacheFull,
}

/// The nonces seen within the acceptance window.
#[derive(Debug)]
pub struct NonceCache {
    expiry_by_nonce: HashMap<String, i64>,
    nonces_by_expiry: BTreeSet<(i64, String)>,
    capacity: usize,
}

impl NonceCache {
    /// An empty cache holding at most `capacity` nonces.
    pub fn new(capacity: usize) -> Self {
        Self { expiry_by_nonce: HashMap::new(), nonces_by_expiry: BTreeSet::new(), capacity }
    }

    /// Records `nonce`, signed at `timestamp`, unless it was seen within its window. Call only after the
    /// request's signature has been verified, so unauthenticated callers cannot fill the cache.
    pub fn remember(&mut self, nonce: &str, timestamp: i64, now: i64) -> Result<(), NonceRefusal> {
        self.forget_expired(now);
        if self.expiry_by_nonce.contains_key(nonce) {
            return Err(NonceRefusal::Replayed);
        }
        if self.expiry_by_nonce.len() >= self.capacity {
            return Err(NonceRefusal::CacheFull);
        }
        let expires_at = timestamp.saturating_add(MAX_SKEW_SECS);
        self.expiry_by_nonce.insert(nonce.to_owned(), expires_at);
        self.nonces_by_expiry.insert((expires_at, nonce.to_owned()));
        Ok(())
    }

    /// How many nonces are held.
    pub fn len(&self) -> usize {
        self.expiry_by_nonce.len()
    }

    /// True when no nonce is held.
    pub fn is_empty(&self) -> bool {
        self.expiry_by_nonce.is_empty()
    }

    fn forget_expired(&mut self, now: i64) {
        while let Some((expires_at, _)) = self.nonces_by_expiry.first() {
            if *expires_at >= now {
                break;
            }
            if let Some((_, nonce)) = self.nonces_by_expiry.pop_first() {
                self.expiry_by_nonce.remove(&nonce);
            }
        }
    }
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
}
