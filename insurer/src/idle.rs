//! The idle rule the clerk is shown: the edge ends an insurer session after 15 minutes without a call, so the page
//! counts the same minutes from the clerk's last action and returns to sign-in when they are up, saying why, rather
//! than letting the next click fail. Pure and clock-free: the caller passes the times, so it is tested natively.

/// Minutes without a call after which the edge ends an insurer session (`edge/src/auth/insurer_session.rs`).
pub const IDLE_MINUTES: i64 = 15;

/// How often the page looks at the clock, in milliseconds.
pub const CHECK_INTERVAL_MS: u32 = 15_000;

/// True when the session has been idle for the whole limit: `last_action_ms` and `now_ms` are milliseconds of the
/// same clock.
pub fn has_lapsed(last_action_ms: f64, now_ms: f64) -> bool {
    now_ms - last_action_ms >= (IDLE_MINUTES * 60_000) as f64
}

/// Whole minutes left before the session lapses, at least 0, rounded up so that the clerk never reads 0 while a
/// click still works.
pub fn minutes_left(last_action_ms: f64, now_ms: f64) -> i64 {
    let left = (IDLE_MINUTES * 60_000) as f64 - (now_ms - last_action_ms);
    if left <= 0.0 { 0 } else { (left / 60_000.0).ceil() as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_lapses_after_fifteen_idle_minutes_and_not_before() {
        let start = 1_000_000.0;
        assert!(!has_lapsed(start, start + 14.0 * 60_000.0 + 59_999.0));
        assert!(has_lapsed(start, start + 15.0 * 60_000.0));
        assert_eq!(minutes_left(start, start), 15);
        assert_eq!(minutes_left(start, start + 60_001.0), 14);
        assert_eq!(minutes_left(start, start + 14.0 * 60_000.0 + 1.0), 1);
        assert_eq!(minutes_left(start, start + 16.0 * 60_000.0), 0);
    }
}
