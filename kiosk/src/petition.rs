//! The 被保険者資格申立書 the kiosk captures from the card in an outage (issue 15 item 6), as a pure state machine
//! beside `crate::state`: the patient is asked first; only if they agree does the kiosk ask for the
//! 券面事項入力補助AP's own PIN and read the 4 items (氏名, 生年月日, 性別, 住所); the items are shown for the patient
//! to check and are wiped when that screen goes; once sent (sealed to the facility's staff console, see
//! `onshi_proto::petition`) the patient is told the counter has them and gets a short reference to say there.
//!
//! Pure and clock-free, tested natively. It never holds an item or a digit: the items live in the check-in's wiped
//! cell while [`PetitionStep::Review`] shows, the digits in the PIN buffer. Must not: read the card unless the
//! patient agreed.

use onshi_card::jpki::PIN_DIGITS as PIN_LEN;

/// Why a capture did not reach the counter; in every case the patient fills the paper form at the counter, and
/// pays their usual share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PetitionFailure {
    /// The 券面事項入力補助AP's PIN is locked (or locked by the try just made).
    PinBlocked,
    /// The card could not be read, or its 4 items are not what the form asks.
    Card,
    /// The facility has no staff console that takes captures (none published its key), or the edge refused it.
    NotSent,
    /// The facility's queue is full until a staff console takes what waits.
    QueueFull,
    /// The card left the reader before the items were sent: nothing was sent, and what was read is gone.
    CardTaken,
}

impl PetitionFailure {
    /// The resource key of the sentence the patient reads.
    pub fn message_key(self) -> &'static str {
        match self {
            PetitionFailure::PinBlocked => "petition.pin_blocked",
            PetitionFailure::Card
            | PetitionFailure::NotSent
            | PetitionFailure::QueueFull
            | PetitionFailure::CardTaken => "petition.failed",
        }
    }
}

/// Where the capture stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PetitionStep {
    /// 「申立書の記入を、カードの情報で済ませますか」: nothing has been read.
    Offered,
    /// The patient agreed; the kiosk asks the card how many tries its 券面事項入力補助AP PIN has left.
    Opening,
    /// The 券面事項入力補助AP's own 4-digit PIN (not the one the check-in used, which is gone).
    PinEntry {
        /// Tries left, as the card reported.
        tries_left: u8,
        /// Digits typed (never the digits).
        entered: usize,
        /// The last PIN was wrong.
        last_was_wrong: bool,
        /// One try is left and the patient pressed OK: the pad asks first, because a wrong PIN now locks the
        /// 券面事項入力補助AP until the municipal office resets it.
        confirming_last_try: bool,
    },
    /// VERIFY and the read in flight.
    Reading,
    /// The 4 items on screen for the patient to check, then send or not.
    Review,
    /// Sealing and sending to the facility's staff console.
    Sending,
    /// The counter has the items: the reference the patient says there.
    Sent {
        /// The capture id's first characters, upper case.
        reference: String,
    },
    /// The patient said no (before or after seeing the items): nothing was sent, and nothing is kept.
    Declined,
    /// It did not reach the counter.
    Failed(PetitionFailure),
}

/// What can happen to a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PetitionEvent {
    /// The patient answered the offer (or, on the review, whether to send): yes or no.
    Answered(bool),
    /// The card reported the PIN's tries.
    PinRequired {
        /// Tries left.
        tries_left: u8,
    },
    /// The PIN pad's digit count changed.
    PinTyped {
        /// Digits now in the buffer.
        entered: usize,
    },
    /// The patient pressed OK with 4 digits (at one try left this only asks first: see
    /// [`PetitionStep::submit_needs_confirmation`]).
    PinSubmitted,
    /// At one try left, the patient confirmed that the PIN on the pad is the one to send.
    LastTryConfirmed,
    /// The card refused the PIN.
    PinWrong {
        /// Tries left.
        tries_left: u8,
    },
    /// The 4 items were read and are on screen.
    Read,
    /// The edge queued the sealed capture under this reference.
    Sent(String),
    /// It stopped.
    Failed(PetitionFailure),
}

impl PetitionStep {
    /// The next step; an event that makes no sense here leaves the step as it is, so a late message cannot bring
    /// back a screen the patient left.
    pub fn apply(self, event: PetitionEvent) -> PetitionStep {
        use PetitionEvent as E;
        use PetitionStep as S;
        match (self, event) {
            (S::Offered, E::Answered(true)) => S::Opening,
            // A no at the PIN pad (the patient does not know this PIN) is a no: nothing has been read.
            (S::Offered | S::PinEntry { .. } | S::Review, E::Answered(false)) => S::Declined,
            (S::Opening, E::PinRequired { tries_left }) => {
                S::PinEntry { tries_left, entered: 0, last_was_wrong: false, confirming_last_try: false }
            }
            (S::PinEntry { tries_left, last_was_wrong, confirming_last_try, .. }, E::PinTyped { entered }) => {
                // Changing the digits withdraws a pending confirmation: the patient confirms the PIN they send.
                let confirming_last_try = confirming_last_try && entered == PIN_LEN;
                S::PinEntry { tries_left, entered: entered.min(PIN_LEN), last_was_wrong, confirming_last_try }
            }
            (step @ S::PinEntry { .. }, E::PinSubmitted) if step.submit_needs_confirmation() => match step {
                S::PinEntry { tries_left, entered, last_was_wrong, .. } => {
                    S::PinEntry { tries_left, entered, last_was_wrong, confirming_last_try: true }
                }
                other => other,
            },
            (S::PinEntry { entered, tries_left, confirming_last_try: false, .. }, E::PinSubmitted)
                if entered == PIN_LEN && tries_left > 1 =>
            {
                S::Reading
            }
            (S::PinEntry { entered, confirming_last_try: true, .. }, E::LastTryConfirmed) if entered == PIN_LEN => {
                S::Reading
            }
            (S::Reading, E::PinWrong { tries_left }) => {
                S::PinEntry { tries_left, entered: 0, last_was_wrong: true, confirming_last_try: false }
            }
            (S::Reading, E::Read) => S::Review,
            (S::Review, E::Answered(true)) => S::Sending,
            (S::Sending, E::Sent(reference)) => S::Sent { reference },
            (step @ (S::Sent { .. } | S::Declined | S::Failed(_)), _) => step,
            (_, E::Failed(failure)) => S::Failed(failure),
            (step, _) => step,
        }
    }

    /// True when OK on the pad must first ask the patient to confirm: one try is left, so a wrong PIN would lock
    /// the 券面事項入力補助AP. The screen then only dispatches [`PetitionEvent::PinSubmitted`] and keeps the digits;
    /// they leave for the card with [`PetitionEvent::LastTryConfirmed`].
    pub fn submit_needs_confirmation(&self) -> bool {
        matches!(self, PetitionStep::PinEntry { tries_left, entered, confirming_last_try: false, .. }
            if *tries_left <= 1 && *entered == PIN_LEN)
    }

    /// True while the 4 items may be on screen. Every other step shows none of them, so the hook wipes its copy
    /// as soon as the step leaves this one.
    pub fn shows_items(&self) -> bool {
        matches!(self, PetitionStep::Review)
    }

    /// True while the kiosk waits for the card or the edge, not for the patient.
    pub fn is_busy(&self) -> bool {
        matches!(self, PetitionStep::Opening | PetitionStep::Reading | PetitionStep::Sending)
    }

    /// True once nothing is left to do but take the card: the screen offers 「終了」, and clears soon after the card
    /// has left the reader (`crate::state::Screen::clears_soon`).
    pub fn is_finished(&self) -> bool {
        matches!(self, PetitionStep::Sent { .. } | PetitionStep::Declined | PetitionStep::Failed(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use PetitionEvent as E;
    use PetitionStep as S;

    fn run(events: impl IntoIterator<Item = PetitionEvent>) -> PetitionStep {
        events.into_iter().fold(S::Offered, PetitionStep::apply)
    }

    fn typed_pin() -> Vec<PetitionEvent> {
        vec![E::Answered(true), E::PinRequired { tries_left: 3 }, E::PinTyped { entered: 4 }]
    }

    #[test]
    fn an_agreeing_patient_types_the_pin_checks_the_items_and_gets_a_reference() {
        let mut events = typed_pin();
        assert_eq!(
            run(events.clone()),
            S::PinEntry { tries_left: 3, entered: 4, last_was_wrong: false, confirming_last_try: false }
        );
        events.extend([E::PinSubmitted, E::Read]);
        let review = run(events.clone());
        assert_eq!(review, S::Review);
        assert!(review.shows_items());
        events.extend([E::Answered(true)]);
        assert_eq!(run(events.clone()), S::Sending);
        assert!(!S::Sending.shows_items(), "the items leave the screen once sent");
        events.push(E::Sent("ABC123".into()));
        let sent = run(events);
        assert_eq!(sent, S::Sent { reference: "ABC123".into() });
        assert!(sent.is_finished() && !sent.shows_items());
    }

    #[test]
    fn nothing_is_read_unless_the_patient_agrees() {
        let declined = run([E::Answered(false)]);
        assert_eq!(declined, S::Declined);
        // A card or PIN message arriving after a no changes nothing.
        assert_eq!(declined.clone().apply(E::PinRequired { tries_left: 3 }), S::Declined);
        assert_eq!(declined.apply(E::Read), S::Declined);
        // Before an answer, the card is not asked: a stray PIN request leaves the question on screen.
        assert_eq!(S::Offered.apply(E::PinRequired { tries_left: 3 }), S::Offered);
        assert_eq!(S::Offered.apply(E::Read), S::Offered);
    }

    #[test]
    fn the_patient_may_decline_after_seeing_the_items_and_nothing_is_sent() {
        let mut events = typed_pin();
        events.extend([E::PinSubmitted, E::Read, E::Answered(false)]);
        let step = run(events);
        assert_eq!(step, S::Declined);
        assert_eq!(step.apply(E::Sent("ABC123".into())), S::Declined);
    }

    #[test]
    fn the_pin_needs_four_digits_and_a_wrong_one_asks_again_with_the_tries_the_card_reported() {
        let short = run([E::Answered(true), E::PinRequired { tries_left: 3 }, E::PinTyped { entered: 3 }]);
        assert_eq!(short.clone().apply(E::PinSubmitted), short);
        let mut events = typed_pin();
        events.extend([E::PinSubmitted, E::PinWrong { tries_left: 2 }]);
        assert_eq!(
            run(events),
            S::PinEntry { tries_left: 2, entered: 0, last_was_wrong: true, confirming_last_try: false }
        );
    }

    #[test]
    fn at_one_try_left_ok_asks_first_and_only_the_confirmation_reads_the_card() {
        let last_try =
            |entered| S::PinEntry { tries_left: 1, entered, last_was_wrong: true, confirming_last_try: false };
        let typed = last_try(4);
        assert!(typed.submit_needs_confirmation());
        let asking = typed.clone().apply(E::PinSubmitted);
        assert_eq!(asking, S::PinEntry { tries_left: 1, entered: 4, last_was_wrong: true, confirming_last_try: true });
        assert!(!asking.submit_needs_confirmation(), "asked once, the next step is the confirmation");
        // Pressing OK again is not a confirmation; only the confirmation reads the card.
        assert_eq!(asking.clone().apply(E::PinSubmitted), asking);
        assert_eq!(asking.clone().apply(E::LastTryConfirmed), S::Reading);
        // Changing the digits withdraws the question: the patient confirms the PIN they will send.
        let retyping = asking.clone().apply(E::PinTyped { entered: 0 });
        assert_eq!(retyping, last_try(0));
        assert_eq!(retyping.clone().apply(E::LastTryConfirmed), retyping);
        // With tries to spare, or fewer than 4 digits, nothing asks and a stray confirmation does nothing.
        let spare = S::PinEntry { tries_left: 2, entered: 4, last_was_wrong: false, confirming_last_try: false };
        assert!(!spare.submit_needs_confirmation() && !last_try(3).submit_needs_confirmation());
        assert_eq!(spare.clone().apply(E::LastTryConfirmed), spare);
        assert_eq!(spare.apply(E::PinSubmitted), S::Reading);
    }

    #[test]
    fn a_patient_who_does_not_know_this_pin_says_no_at_the_pad_and_nothing_is_read() {
        for pad in [typed_pin(), vec![E::Answered(true), E::PinRequired { tries_left: 1 }]] {
            let declined = run(pad.into_iter().chain([E::Answered(false)]));
            assert_eq!(declined, S::Declined);
            assert_eq!(declined.apply(E::LastTryConfirmed), S::Declined);
        }
    }

    #[test]
    fn the_card_taken_at_the_pin_pad_or_the_review_ends_the_capture_and_takes_the_items_off_the_screen() {
        let mut at_review = typed_pin();
        at_review.extend([E::PinSubmitted, E::Read]);
        assert!(run(at_review.clone()).shows_items());
        for mut events in [typed_pin(), at_review] {
            events.push(E::Failed(PetitionFailure::CardTaken));
            let step = run(events.clone());
            assert_eq!(step, S::Failed(PetitionFailure::CardTaken));
            assert!(!step.shows_items() && step.is_finished());
            // A late send from the screen it left brings nothing back.
            events.push(E::Answered(true));
            assert_eq!(run(events), S::Failed(PetitionFailure::CardTaken));
        }
    }

    #[test]
    fn each_failure_ends_the_capture_with_the_paper_form() {
        for failure in [
            PetitionFailure::PinBlocked,
            PetitionFailure::Card,
            PetitionFailure::NotSent,
            PetitionFailure::QueueFull,
            PetitionFailure::CardTaken,
        ] {
            let mut events = typed_pin();
            events.extend([E::PinSubmitted, E::Failed(failure)]);
            let step = run(events);
            assert_eq!(step, S::Failed(failure));
            assert!(step.is_finished() && !step.shows_items());
            assert!(failure.message_key().starts_with("petition."));
        }
    }
}
