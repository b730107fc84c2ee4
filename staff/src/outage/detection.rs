//! When the console counts the qualification service as down, and when as back: one rule, clock-free (the caller
//! passes the time of each observation), so it is tested natively.
//!
//! The rule: the service is **down** once [`FAILURES_FOR_OUTAGE`] calls in a row have failed with an outage code
//! ([`is_outage_code`]: the edge could not reach the origin, the origin did not answer in time, or answered
//! something unusable, or the edge itself could not be reached) *and* the first of them is at least
//! [`MIN_OUTAGE_SECS`] old. One failed call is a network blip and changes nothing on screen. The service is **back**
//! at the first call the origin answers (a typed refusal such as `record_held` is an answer too). A call that failed
//! for a reason of its own (the staff session lapsed, a bad request) says nothing about the service either way.

use onshi_proto::ErrorCode;

/// Failed calls in a row before the console speaks of an outage.
pub const FAILURES_FOR_OUTAGE: u32 = 2;
/// Seconds the failures must span: with the list refreshed every 1.5 s, two failures alone could be one blip seen
/// twice, and three seconds without any answer is what a patient at the counter already notices.
pub const MIN_OUTAGE_SECS: i64 = 3;

/// True for the codes that say the qualification service did not answer, rather than refused.
pub fn is_outage_code(code: ErrorCode) -> bool {
    matches!(code, ErrorCode::OriginUnavailable | ErrorCode::OriginTimeout | ErrorCode::OriginError)
}

/// What one call to the edge showed about the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observation {
    /// The origin answered (an answer, or a typed refusal of its own).
    Answered,
    /// The call failed with an outage code.
    Failed,
    /// The call failed for a reason that says nothing about the service.
    Unrelated,
}

impl Observation {
    /// What a call's result shows.
    pub fn of<T>(result: &Result<T, ErrorCode>) -> Self {
        match result {
            Ok(_) => Self::Answered,
            Err(code) if is_outage_code(*code) => Self::Failed,
            Err(ErrorCode::SessionInvalid | ErrorCode::SessionExpired | ErrorCode::RateLimited) => Self::Unrelated,
            // Any other typed code came back through the edge from the origin's own refusal.
            Err(_) => Self::Answered,
        }
    }
}

/// The service as the console sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServiceState {
    /// Answering, or not yet known to be down.
    #[default]
    Up,
    /// Down since the first failed call of the current run (Unix seconds).
    Down {
        /// When the first failed call of the run was made.
        since: i64,
    },
}

/// Follows the calls' results and applies the rule of this module.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceWatch {
    failures_in_a_row: u32,
    first_failure_at: Option<i64>,
}

impl ServiceWatch {
    /// Takes in one call's result, made at `now` (Unix seconds), and says how the service stands.
    pub fn observe(&mut self, observation: Observation, now: i64) -> ServiceState {
        match observation {
            Observation::Answered => *self = Self::default(),
            Observation::Failed => {
                self.failures_in_a_row = self.failures_in_a_row.saturating_add(1);
                self.first_failure_at.get_or_insert(now);
            }
            Observation::Unrelated => {}
        }
        self.state(now)
    }

    /// How the service stands at `now`, from what has been observed.
    pub fn state(&self, now: i64) -> ServiceState {
        match self.first_failure_at {
            Some(since) if self.failures_in_a_row >= FAILURES_FOR_OUTAGE && now - since >= MIN_OUTAGE_SECS => {
                ServiceState::Down { since }
            }
            _ => ServiceState::Up,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failed_call_is_a_blip() {
        let mut watch = ServiceWatch::default();
        assert_eq!(watch.observe(Observation::Failed, 100), ServiceState::Up);
        assert_eq!(watch.observe(Observation::Answered, 102), ServiceState::Up);
        // A later single failure starts a new run rather than completing the old one.
        assert_eq!(watch.observe(Observation::Failed, 110), ServiceState::Up);
        assert_eq!(watch.state(200), ServiceState::Up);
    }

    #[test]
    fn failures_in_a_row_spanning_the_minimum_are_an_outage_until_the_origin_answers() {
        let mut watch = ServiceWatch::default();
        watch.observe(Observation::Failed, 100);
        // Two failures within a second and a half are not yet an outage: they may be one blip seen twice.
        assert_eq!(watch.observe(Observation::Failed, 101), ServiceState::Up);
        assert_eq!(watch.observe(Observation::Failed, 103), ServiceState::Down { since: 100 });
        // A lapsed session says nothing about the service: it stays down.
        assert_eq!(watch.observe(Observation::Unrelated, 104), ServiceState::Down { since: 100 });
        assert_eq!(watch.observe(Observation::Answered, 130), ServiceState::Up);
    }

    #[test]
    fn only_the_codes_of_an_unanswering_service_count() {
        for code in [ErrorCode::OriginUnavailable, ErrorCode::OriginTimeout, ErrorCode::OriginError] {
            assert!(is_outage_code(code), "{code:?}");
            assert_eq!(Observation::of::<()>(&Err(code)), Observation::Failed);
        }
        assert_eq!(Observation::of::<()>(&Err(ErrorCode::SessionExpired)), Observation::Unrelated);
        assert_eq!(Observation::of::<()>(&Err(ErrorCode::RecordHeld)), Observation::Answered);
        assert_eq!(Observation::of(&Ok(())), Observation::Answered);
    }
}
