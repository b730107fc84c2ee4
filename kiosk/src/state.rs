//! The kiosk's screens as a pure state machine: `(Screen, Action) → Screen`.
//!
//! It holds no secret: the PIN digits live in a zeroizing buffer owned by the UI, and this state only knows how many
//! have been typed. It does no I/O, so every transition is tested natively.

use onshi_proto::ErrorCode;
use onshi_proto::qualification::QualificationAnswer;

/// Length of the 利用者証明用 PIN.
pub const PIN_LEN: usize = 4;

/// Why a check-in stopped, as the patient must be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The browser refused to claim a smart-card-class interface (Chrome's protected classes).
    ReaderRefusedCcid,
    /// The person closed the device chooser without picking a reader.
    NoReaderChosen,
    /// The reader stopped answering or answered garbage.
    Reader,
    /// The card left the reader mid-flow.
    CardRemoved,
    /// The card's certificate is outside its validity period.
    CertificateExpired,
    /// The card's certificate has been revoked.
    CertificateRevoked,
    /// The qualification service cannot be reached (outage procedure).
    ServiceUnavailable,
    /// Anything else.
    Other,
}

impl Failure {
    /// The failure a network error code stands for.
    pub fn from_code(code: ErrorCode) -> Self {
        match code {
            ErrorCode::CertificateExpired => Failure::CertificateExpired,
            ErrorCode::CertificateRevoked => Failure::CertificateRevoked,
            ErrorCode::OriginUnavailable | ErrorCode::OriginTimeout | ErrorCode::OriginError => {
                Failure::ServiceUnavailable
            }
            _ => Failure::Other,
        }
    }

    /// The resource key of the sentence that says what happened and what to do next.
    pub fn message_key(self) -> &'static str {
        match self {
            Failure::ReaderRefusedCcid => "reader.refused_ccid",
            Failure::NoReaderChosen => "reader.none",
            Failure::Reader => "error.reader",
            Failure::CardRemoved => "error.card_removed",
            Failure::CertificateExpired => "error.certificate_expired",
            Failure::CertificateRevoked => "error.certificate_revoked",
            Failure::ServiceUnavailable => "error.origin_unavailable",
            Failure::Other => "error.generic",
        }
    }
}

/// What the kiosk shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Start screen.
    Welcome,
    /// Asking the browser for the reader.
    Connecting,
    /// Reading the certificate from the card.
    ReadingCard,
    /// The PIN pad.
    PinEntry {
        /// Tries left before the card locks, as the card reported.
        tries_left: u8,
        /// How many digits have been typed (never the digits).
        entered: usize,
        /// The last PIN was wrong.
        last_was_wrong: bool,
    },
    /// VERIFY in flight.
    Verifying,
    /// Challenge, signature and session in flight.
    Authenticating,
    /// Qualification query in flight.
    Querying,
    /// The answer.
    Result(QualificationAnswer),
    /// The PIN is blocked on the card.
    Blocked,
    /// The check-in stopped; the failure says why and what next.
    Failed(Failure),
}

/// Everything that can happen to the kiosk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The person pressed start.
    Connect,
    /// The reader is open and the card powered.
    ReaderReady,
    /// The card reported its PIN tries.
    PinRequired {
        /// Tries left.
        tries_left: u8,
    },
    /// The PIN pad's digit count changed.
    PinTyped {
        /// Digits now in the buffer.
        entered: usize,
    },
    /// The PIN was sent to the card.
    PinSubmitted,
    /// The card refused the PIN.
    PinWrong {
        /// Tries left after this attempt.
        tries_left: u8,
    },
    /// The card reports the PIN blocked.
    PinBlocked,
    /// The card accepted the PIN; authentication to the edge starts.
    PinAccepted,
    /// The session exists; the qualification query starts.
    SessionReady,
    /// The answer arrived.
    Answer(QualificationAnswer),
    /// Something stopped the check-in.
    Fail(Failure),
    /// Back to the start screen, clearing everything.
    Reset,
}

impl Screen {
    /// The next screen. Actions that make no sense on the current screen leave it unchanged, so a late message
    /// from a cancelled check-in cannot resurrect it.
    pub fn apply(self, action: Action) -> Screen {
        match (self, action) {
            (_, Action::Reset) => Screen::Welcome,
            (_, Action::Fail(failure)) => Screen::Failed(failure),
            (_, Action::PinBlocked) => Screen::Blocked,
            (Screen::Welcome | Screen::Failed(_), Action::Connect) => Screen::Connecting,
            (Screen::Connecting, Action::ReaderReady) => Screen::ReadingCard,
            (Screen::ReadingCard, Action::PinRequired { tries_left }) => {
                Screen::PinEntry { tries_left, entered: 0, last_was_wrong: false }
            }
            (Screen::PinEntry { tries_left, last_was_wrong, .. }, Action::PinTyped { entered }) => {
                Screen::PinEntry { tries_left, entered: entered.min(PIN_LEN), last_was_wrong }
            }
            (Screen::PinEntry { entered, .. }, Action::PinSubmitted) if entered == PIN_LEN => Screen::Verifying,
            (Screen::Verifying, Action::PinWrong { tries_left }) => {
                Screen::PinEntry { tries_left, entered: 0, last_was_wrong: true }
            }
            (Screen::Verifying, Action::PinAccepted) => Screen::Authenticating,
            (Screen::Authenticating, Action::SessionReady) => Screen::Querying,
            (Screen::Querying, Action::Answer(answer)) => Screen::Result(answer),
            (screen, _) => screen,
        }
    }

    /// True while the card is being used; the UI warns against removing it.
    pub fn card_in_use(&self) -> bool {
        matches!(self, Screen::ReadingCard | Screen::Verifying | Screen::Authenticating)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_proto::IsoDate;
    use onshi_proto::qualification::{Reason, Validity};

    fn answer() -> QualificationAnswer {
        QualificationAnswer {
            validity: Validity::NoQualification,
            reason: Reason::NotRegistered,
            guidance: None,
            confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
            records: vec![],
        }
    }

    fn at_pin_pad(tries_left: u8) -> Screen {
        Screen::Welcome
            .apply(Action::Connect)
            .apply(Action::ReaderReady)
            .apply(Action::PinRequired { tries_left })
    }

    #[test]
    fn happy_path_reaches_the_result() {
        let screen = at_pin_pad(3)
            .apply(Action::PinTyped { entered: 4 })
            .apply(Action::PinSubmitted)
            .apply(Action::PinAccepted)
            .apply(Action::SessionReady)
            .apply(Action::Answer(answer()));
        assert_eq!(screen, Screen::Result(answer()));
    }

    #[test]
    fn a_short_pin_is_not_submitted_and_a_wrong_one_returns_to_the_pad_empty() {
        let short = at_pin_pad(3).apply(Action::PinTyped { entered: 3 }).apply(Action::PinSubmitted);
        assert_eq!(short, Screen::PinEntry { tries_left: 3, entered: 3, last_was_wrong: false });
        let wrong = short
            .apply(Action::PinTyped { entered: 4 })
            .apply(Action::PinSubmitted)
            .apply(Action::PinWrong { tries_left: 2 });
        assert_eq!(wrong, Screen::PinEntry { tries_left: 2, entered: 0, last_was_wrong: true });
    }

    #[test]
    fn blocked_and_failures_win_from_any_screen_and_reset_clears() {
        assert_eq!(at_pin_pad(1).apply(Action::PinBlocked), Screen::Blocked);
        assert_eq!(
            Screen::Querying.apply(Action::Fail(Failure::ServiceUnavailable)),
            Screen::Failed(Failure::ServiceUnavailable)
        );
        assert_eq!(Screen::Result(answer()).apply(Action::Reset), Screen::Welcome);
    }

    #[test]
    fn late_messages_do_not_resurrect_a_finished_check_in() {
        assert_eq!(Screen::Welcome.apply(Action::Answer(answer())), Screen::Welcome);
        assert_eq!(Screen::Blocked.apply(Action::PinAccepted), Screen::Blocked);
    }

    #[test]
    fn network_codes_map_to_the_next_step() {
        assert_eq!(Failure::from_code(ErrorCode::OriginTimeout), Failure::ServiceUnavailable);
        assert_eq!(Failure::from_code(ErrorCode::CertificateExpired).message_key(), "error.certificate_expired");
    }
}
