//! When a card-session challenge asked for early may still be signed: the check-in asks the edge for its challenge
//! as soon as the PIN pad shows, so that the round trip overlaps the patient's typing instead of following VERIFY.
//!
//! The edge refuses a challenge 120 seconds after it issued it (`CHALLENGE_LIFETIME_SECS` in the edge's
//! `auth/challenge.rs`). The kiosk's clock need not agree with the edge's, so the age is measured on the kiosk's own
//! clock from the moment it asked (the challenge was issued after that, so it is younger than measured), and a
//! challenge is used only within half the lifetime: what is left covers the card's signature and the trip back.
//! An older one is left to lapse unused and a fresh one asked for, as before the early ask existed.
//!
//! Pure: the caller passes both moments in milliseconds on one clock. Must not: read a clock or hold a challenge.

/// How long after asking, in milliseconds of the kiosk's clock, an early challenge is still used.
pub const REUSE_WITHIN_MS: f64 = 60_000.0;

/// True when a challenge asked for at `asked_at_ms` may still be signed at `now_ms` (both on the same clock). A
/// clock that went backwards between the two says nothing about the age, so it counts as too old.
pub fn still_usable(asked_at_ms: f64, now_ms: f64) -> bool {
    let age = now_ms - asked_at_ms;
    (0.0..REUSE_WITHIN_MS).contains(&age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_asked_for_while_the_patient_types_is_used() {
        assert!(still_usable(1_000.0, 1_000.0));
        assert!(still_usable(1_000.0, 1_000.0 + 8_000.0));
        assert!(still_usable(1_000.0, 1_000.0 + REUSE_WITHIN_MS - 1.0));
    }

    #[test]
    fn a_challenge_older_than_half_its_lifetime_is_left_to_lapse() {
        assert!(!still_usable(1_000.0, 1_000.0 + REUSE_WITHIN_MS));
        assert!(!still_usable(1_000.0, 1_000.0 + 119_000.0));
    }

    #[test]
    fn a_clock_that_went_backwards_counts_as_too_old() {
        assert!(!still_usable(5_000.0, 4_999.0));
    }
}
