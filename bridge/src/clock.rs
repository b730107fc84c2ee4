//! The bridge's clock, read in one place: milliseconds since the epoch (and whole seconds, for device proofs) and
//! Japan's calendar date (UTC+9, no daylight saving), which names request files and bounds the per-day sequence.
//! [`Clock`] is the time the bridge's loop runs on: the system's, or in tests one that moves only when told, so
//! that days of retention pass without waiting for them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use onshi_onsfile::check::Ymd;

/// Milliseconds since 1970 in UTC.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Seconds since 1970 in UTC: a device proof's timestamp.
pub fn now_unix_secs() -> i64 {
    i64::try_from(now_ms() / 1000).unwrap_or(i64::MAX)
}

/// The time the bridge's loop reads: the system's clock, or a fake one shared by its clones, which a test moves
/// forward.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    fake: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// The system's clock ([`now_ms`]).
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock standing at `start_ms` until [`Clock::advance`] moves it; its clones move with it.
    pub fn fake(start_ms: u64) -> Self {
        Self { fake: Some(Arc::new(AtomicU64::new(start_ms))) }
    }

    /// Moves a fake clock forward by `ms` (the system's clock moves by itself, so there it does nothing).
    pub fn advance(&self, ms: u64) {
        if let Some(fake) = &self.fake {
            fake.fetch_add(ms, Ordering::SeqCst);
        }
    }

    /// Milliseconds since 1970 in UTC, on this clock.
    pub fn now_ms(&self) -> u64 {
        self.fake.as_ref().map_or_else(now_ms, |fake| fake.load(Ordering::SeqCst))
    }

    /// This clock's time as a file time, for stamping a file with the time it was written on this clock.
    pub fn now_system_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.now_ms())
    }
}

/// A file time as milliseconds since 1970 (`None` before 1970, which no file the bridge wrote has).
pub fn ms_of(time: SystemTime) -> Option<u64> {
    time.duration_since(UNIX_EPOCH).ok().map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

const JST_OFFSET_MS: u64 = 9 * 3600 * 1000;

/// The date in Japan at `ms`.
pub fn japan_date(ms: u64) -> Ymd {
    let days = i64::try_from((ms + JST_OFFSET_MS) / 86_400_000).unwrap_or(0);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let fallback = Ymd { year: 1970, month: 1, day: 1 };
    Ymd::new(u16::try_from(year).unwrap_or(1970), u8::try_from(month).unwrap_or(1), u8::try_from(day).unwrap_or(1))
        .unwrap_or(fallback)
}

/// Minutes since midnight in Japan at `ms`.
pub fn japan_minute(ms: u64) -> u32 {
    u32::try_from(((ms + JST_OFFSET_MS) % 86_400_000) / 60_000).unwrap_or(0)
}

/// `yyyyMMddHHmmss` in Japan at `ms`.
pub fn japan_timestamp(ms: u64) -> String {
    let seconds = ((ms + JST_OFFSET_MS) % 86_400_000) / 1000;
    format!("{}{:02}{:02}{:02}", japan_date(ms).compact(), seconds / 3600, seconds / 60 % 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_is_nine_hours_ahead() {
        // 2026-09-30T15:00:00Z is 2026-10-01 00:00 in Japan.
        let ms = 1_790_780_400_000;
        assert_eq!(japan_date(ms).compact(), "20261001");
        assert_eq!(japan_minute(ms), 0);
        assert_eq!(japan_timestamp(ms + 61_000), "20261001000101");
        assert_eq!(japan_date(ms - 1).compact(), "20260930");
    }
}
