//! Time as the service sees it. Handlers never read the system clock directly: the application state holds a
//! [`Clock`], so tests can fix "now" and "today".
//!
//! Qualification dates are calendar dates in Japan, so "today" is the date in Asia/Tokyo (UTC+9, no daylight
//! saving), whatever the host's time zone.

use std::sync::atomic::{AtomicI64, Ordering};

use time::macros::offset;
use time::{Date, OffsetDateTime};

use crate::error::{OriginError, Result};

/// A source of the current time.
pub trait Clock: std::fmt::Debug + Send + Sync {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> i64;
}

/// The calendar date in Asia/Tokyo at `unix` seconds.
pub fn tokyo_date(unix: i64) -> Result<Date> {
    let instant = OffsetDateTime::from_unix_timestamp(unix).map_err(|_| OriginError::Clock(unix))?;
    Ok(instant.to_offset(offset!(+9)).date())
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// A clock that reads whatever it was last set to; for tests and reproducible demos.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock reading `unix` seconds.
    pub fn new(unix: i64) -> Self {
        Self(AtomicI64::new(unix))
    }

    /// Moves the clock to `unix` seconds.
    pub fn set(&self, unix: i64) {
        self.0.store(unix, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn tokyo_date_turns_over_at_fifteen_hundred_utc() {
        // 2026-11-23T14:59:59Z is 23:59:59 in Tokyo; one second later it is the 24th there.
        let before = OffsetDateTime::parse("2026-11-23T14:59:59Z", &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp();
        assert_eq!(tokyo_date(before).unwrap(), date!(2026 - 11 - 23));
        assert_eq!(tokyo_date(before + 1).unwrap(), date!(2026 - 11 - 24));
    }

    #[test]
    fn an_impossible_time_is_an_error_not_a_panic() {
        assert!(matches!(tokyo_date(i64::MAX), Err(OriginError::Clock(i64::MAX))));
    }

    #[test]
    fn a_fixed_clock_reads_what_it_was_set_to() {
        let clock = FixedClock::new(10);
        assert_eq!(clock.now_unix(), 10);
        clock.set(20);
        assert_eq!(clock.now_unix(), 20);
    }
}
