//! The patient's keys: what a key on a numeric keypad or a keyboard does on each screen, so that the whole flow
//! works without touching the screen, as on a bank's machine (digits, Enter to confirm, Backspace to correct,
//! Escape to cancel).
//!
//! Pure and tested natively. Must not: see the digits' meaning beyond "a digit" (the PIN buffer is the check-in
//! hook's), or read the page.

use onshi_proto::origin::{ConsentKind, PrescriptionFormat};

use crate::petition::PetitionStep;
use crate::state::{
    ConsentStage, ConsentStep, PIN_LEN, PRESCRIPTION_ORDER, SINGLE_CONSENT_KINDS, SPECIFIC_DISEASE_ORDER, Screen,
    SharingChoice,
};

/// What a key asks the kiosk to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyCommand {
    /// One digit on the PIN pad.
    Digit(char),
    /// 訂正: take back the last digit.
    TakeBack,
    /// Empty the PIN pad.
    Clear,
    /// 確定: send the PIN (asking first at one try left).
    Submit,
    /// Send the PIN at one try left, after the confirmation shown.
    ConfirmLastTry,
    /// Begin the check-in from the start screen.
    Start,
    /// 取消: call the check-in off and go back to the start screen (also the 「終了」 of a finished 申立書 capture).
    StartOver,
    /// Turn voice guidance on or off (the `*` key of a numeric keypad).
    Voice,
    /// Answer 「医療費助成の受給者証を利用しますか」: 1 yes, 2 no.
    Certificates(bool),
    /// Answer the first consent question (keys 1–3, in the order of its buttons).
    Sharing(SharingChoice),
    /// Tick or untick a single kind of consent (keys 1–4).
    ToggleKind(ConsentKind),
    /// Go on with the kinds ticked.
    KindsChosen,
    /// Answer the 特定疾病 question: 1 yes, 2 no.
    SpecificDisease(bool),
    /// Back to the first consent question.
    ConsentBack,
    /// Choose the prescription format, which sends the answer (keys 1–2).
    Prescription(PrescriptionFormat),
}

/// The command for `key` (a `KeyboardEvent.key` value; a numeric keypad sends the same values) on `screen`.
/// `on_control` tells whether a button or list has the focus: then Enter keeps its usual meaning (press that
/// control); `on_field` whether a text field has it: then every key stays typing.
pub fn key_command(screen: &Screen, key: &str, on_control: bool, on_field: bool) -> Option<KeyCommand> {
    if on_field {
        return None;
    }
    match (screen, key) {
        (_, "*") => Some(KeyCommand::Voice),
        (Screen::Welcome, "Enter") if !on_control => Some(KeyCommand::Start),
        (Screen::Welcome, _) => None,
        (_, "Escape") => Some(KeyCommand::StartOver),
        // A finished 申立書 capture has one thing left to press, its 「終了」, which Enter presses.
        (Screen::Petition { step, .. }, "Enter") if step.is_finished() && !on_control => Some(KeyCommand::StartOver),
        (&Screen::PinEntry { entered, confirming_last_try, .. }, key) => {
            pin_pad_key(entered, confirming_last_try, key, on_control)
        }
        // The 申立書 capture's pad (the 券面事項入力補助AP's own PIN) takes the same keys as the check-in's.
        (&Screen::Petition { step: PetitionStep::PinEntry { entered, confirming_last_try, .. }, .. }, key) => {
            pin_pad_key(entered, confirming_last_try, key, on_control)
        }
        (Screen::Result { consent: ConsentStep::Asking { stage, .. }, .. }, key) => {
            consent_key(*stage, key, on_control)
        }
        _ => None,
    }
}

/// A PIN pad's keys, with `entered` digits typed: digits, Backspace to take one back, Delete (or a keypad's Clear)
/// to empty the pad, Enter once 4 are typed (unless a button has the focus). While the last-try confirmation shows,
/// Enter confirms and Backspace, Delete or Clear withdraw it by emptying the pad.
fn pin_pad_key(entered: usize, confirming_last_try: bool, key: &str, on_control: bool) -> Option<KeyCommand> {
    match (confirming_last_try, key) {
        (true, "Enter") if !on_control => Some(KeyCommand::ConfirmLastTry),
        (true, "Backspace" | "Delete" | "Clear") => Some(KeyCommand::Clear),
        (true, _) => None,
        (false, "Backspace") => Some(KeyCommand::TakeBack),
        (false, "Delete" | "Clear") => Some(KeyCommand::Clear),
        (false, "Enter") if !on_control && entered == PIN_LEN => Some(KeyCommand::Submit),
        (false, key) => pin_digit(key).map(KeyCommand::Digit),
    }
}

/// The consent questions' keys: the number on a button presses it, Enter goes on from the single kinds (unless a
/// button has the focus), Backspace goes back to the first question.
fn consent_key(stage: ConsentStage, key: &str, on_control: bool) -> Option<KeyCommand> {
    let numbered = |key: &str| pin_digit(key).and_then(|c| c.to_digit(10)).and_then(|n| (n as usize).checked_sub(1));
    match (stage, key) {
        (ConsentStage::Certificates, "1") => Some(KeyCommand::Certificates(true)),
        (ConsentStage::Certificates, "2") => Some(KeyCommand::Certificates(false)),
        (ConsentStage::Certificates, _) => None,
        (ConsentStage::Sharing, key) => SharingChoice::ORDER.get(numbered(key)?).copied().map(KeyCommand::Sharing),
        (ConsentStage::Choosing | ConsentStage::SpecificDisease | ConsentStage::Prescription, "Backspace") => {
            Some(KeyCommand::ConsentBack)
        }
        (ConsentStage::SpecificDisease, key) => {
            SPECIFIC_DISEASE_ORDER.get(numbered(key)?).copied().map(KeyCommand::SpecificDisease)
        }
        (ConsentStage::Choosing, "Enter") if !on_control => Some(KeyCommand::KindsChosen),
        (ConsentStage::Choosing, key) => SINGLE_CONSENT_KINDS.get(numbered(key)?).copied().map(KeyCommand::ToggleKind),
        (ConsentStage::Prescription, key) => {
            PRESCRIPTION_ORDER.get(numbered(key)?).copied().map(KeyCommand::Prescription)
        }
    }
}

/// The digit a key stands for, if it is one of 0–9.
fn pin_digit(key: &str) -> Option<char> {
    let mut chars = key.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_digit() => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Action, PinSubmit};

    fn pad(entered: usize) -> Screen {
        Screen::Welcome
            .apply(Action::Connect)
            .apply(Action::ReaderReady)
            .apply(Action::PinRequired { tries_left: 3 })
            .apply(Action::PinTyped { entered })
    }

    #[test]
    fn the_pin_pad_takes_digits_correction_and_enter_once_complete() {
        for digit in '0'..='9' {
            assert_eq!(key_command(&pad(0), &digit.to_string(), false, false), Some(KeyCommand::Digit(digit)));
        }
        assert_eq!(key_command(&pad(2), "Backspace", false, false), Some(KeyCommand::TakeBack));
        assert_eq!(key_command(&pad(2), "Delete", false, false), Some(KeyCommand::Clear));
        assert_eq!(key_command(&pad(3), "Enter", false, false), None);
        assert_eq!(key_command(&pad(4), "Enter", false, false), Some(KeyCommand::Submit));
        // Enter on a focused button presses that button instead.
        assert_eq!(key_command(&pad(4), "Enter", true, false), None);
        assert_eq!(key_command(&pad(4), "Escape", false, false), Some(KeyCommand::StartOver));
        for other in ["a", "F5", "12", "", "Tab", "٣"] {
            assert_eq!(key_command(&pad(1), other, false, false), None, "{other}");
        }
    }

    #[test]
    fn the_last_try_confirms_with_enter_and_corrects_with_backspace() {
        let confirming =
            Screen::PinEntry { tries_left: 1, entered: 4, last_was_wrong: true, confirming_last_try: true };
        assert_eq!(key_command(&confirming, "Enter", false, false), Some(KeyCommand::ConfirmLastTry));
        assert_eq!(key_command(&confirming, "Backspace", false, false), Some(KeyCommand::Clear));
        // No digit is added behind the confirmation.
        assert_eq!(key_command(&confirming, "5", false, false), None);
    }

    #[test]
    fn the_petition_pad_takes_the_same_keys_and_its_ok_asks_first_at_one_try_left() {
        use crate::petition::{PetitionEvent, PetitionStep};
        let capture = |tries_left, entered, confirming_last_try| {
            Screen::petition(PetitionStep::PinEntry { tries_left, entered, last_was_wrong: false, confirming_last_try })
        };
        assert_eq!(key_command(&capture(3, 0, false), "7", false, false), Some(KeyCommand::Digit('7')));
        assert_eq!(key_command(&capture(3, 2, false), "Backspace", false, false), Some(KeyCommand::TakeBack));
        assert_eq!(key_command(&capture(3, 3, false), "Enter", false, false), None);
        assert_eq!(key_command(&capture(3, 4, false), "Enter", false, false), Some(KeyCommand::Submit));
        assert_eq!(key_command(&capture(1, 4, true), "Enter", false, false), Some(KeyCommand::ConfirmLastTry));
        assert_eq!(key_command(&capture(1, 4, true), "Backspace", false, false), Some(KeyCommand::Clear));
        assert_eq!(key_command(&capture(1, 4, true), "5", false, false), None);
        // What Enter then does is the screen's one rule: read the card, or at one try left ask first.
        assert_eq!(
            capture(3, 4, false).pin_submit(),
            Some(PinSubmit::Send(Action::Petition(PetitionEvent::PinSubmitted)))
        );
        assert_eq!(
            capture(1, 4, false).pin_submit(),
            Some(PinSubmit::AskFirst(Action::Petition(PetitionEvent::PinSubmitted)))
        );
        assert_eq!(
            capture(1, 4, true).last_try_confirmation(),
            Some(Action::Petition(PetitionEvent::LastTryConfirmed))
        );
        assert_eq!(capture(3, 4, false).last_try_confirmation(), None);
        // The check-in's pad keeps its own actions; a screen without a pad has none.
        assert_eq!(pad(4).pin_submit(), Some(PinSubmit::Send(Action::PinSubmitted)));
        assert_eq!(Screen::Welcome.pin_submit(), None);
        // Anywhere else in the capture, digits type nothing.
        assert_eq!(key_command(&Screen::petition(PetitionStep::Review), "4", false, false), None);
    }

    #[test]
    fn enter_starts_and_escape_cancels_elsewhere_but_fields_keep_their_keys() {
        assert_eq!(key_command(&Screen::Welcome, "Enter", false, false), Some(KeyCommand::Start));
        assert_eq!(key_command(&Screen::Welcome, "Escape", false, false), None);
        assert_eq!(key_command(&Screen::InsertCard, "Escape", false, false), Some(KeyCommand::StartOver));
        assert_eq!(key_command(&Screen::InsertCard, "5", false, false), None);
        assert_eq!(key_command(&pad(0), "5", true, true), None);
        // The voice key works everywhere, even where no other key does.
        assert_eq!(key_command(&Screen::Welcome, "*", false, false), Some(KeyCommand::Voice));
        assert_eq!(key_command(&Screen::Querying, "*", true, false), Some(KeyCommand::Voice));
    }

    #[test]
    fn enter_finishes_a_finished_petition_capture_and_nothing_before_it() {
        use crate::petition::{PetitionFailure, PetitionStep};
        for step in [
            PetitionStep::Sent { reference: "3A09FE".into() },
            PetitionStep::Declined,
            PetitionStep::Failed(PetitionFailure::PinBlocked),
            PetitionStep::Failed(PetitionFailure::CardTaken),
        ] {
            let screen = Screen::petition(step);
            assert_eq!(key_command(&screen, "Enter", false, false), Some(KeyCommand::StartOver), "{screen:?}");
            // With the 「終了」 button focused, Enter presses the button itself.
            assert_eq!(key_command(&screen, "Enter", true, false), None);
        }
        for step in [PetitionStep::Offered, PetitionStep::Review, PetitionStep::Sending] {
            assert_eq!(key_command(&Screen::petition(step), "Enter", false, false), None);
        }
    }

    #[test]
    fn each_consent_question_is_answered_by_the_numbers_on_its_buttons() {
        let at = |stage| Screen::Result {
            answer: crate::state::tests::answer(),
            card: crate::state::CardReminder::InReader,
            consent: ConsentStep::Asking { stage, chosen: vec![] },
            pin_verified: true,
            certificate: crate::state::CertificateTerms::default(),
        };
        let certificates = at(ConsentStage::Certificates);
        assert_eq!(key_command(&certificates, "1", false, false), Some(KeyCommand::Certificates(true)));
        assert_eq!(key_command(&certificates, "2", false, false), Some(KeyCommand::Certificates(false)));
        assert_eq!(key_command(&certificates, "3", false, false), None);
        let sharing = at(ConsentStage::Sharing);
        assert_eq!(key_command(&sharing, "1", false, false), Some(KeyCommand::Sharing(SharingChoice::All)));
        assert_eq!(key_command(&sharing, "2", false, false), Some(KeyCommand::Sharing(SharingChoice::Choose)));
        assert_eq!(key_command(&sharing, "3", false, false), Some(KeyCommand::Sharing(SharingChoice::None)));
        for other in ["0", "4", "9", "Enter", "Backspace"] {
            assert_eq!(key_command(&sharing, other, false, false), None, "{other}");
        }
        let choosing = at(ConsentStage::Choosing);
        assert_eq!(key_command(&choosing, "2", false, false), Some(KeyCommand::ToggleKind(ConsentKind::Medication)));
        assert_eq!(key_command(&choosing, "4", false, false), Some(KeyCommand::ToggleKind(ConsentKind::HealthCheckup)));
        assert_eq!(key_command(&choosing, "5", false, false), None);
        assert_eq!(key_command(&choosing, "Enter", false, false), Some(KeyCommand::KindsChosen));
        // A ticked box with the focus keeps its own keys (Space ticks it).
        assert_eq!(key_command(&choosing, "2", true, true), None);
        assert_eq!(key_command(&choosing, "Enter", true, false), None);
        assert_eq!(key_command(&choosing, "Backspace", false, false), Some(KeyCommand::ConsentBack));
        let specific_disease = at(ConsentStage::SpecificDisease);
        assert_eq!(key_command(&specific_disease, "1", false, false), Some(KeyCommand::SpecificDisease(true)));
        assert_eq!(key_command(&specific_disease, "2", false, false), Some(KeyCommand::SpecificDisease(false)));
        assert_eq!(key_command(&specific_disease, "3", false, false), None);
        assert_eq!(key_command(&specific_disease, "Backspace", false, false), Some(KeyCommand::ConsentBack));
        let format = at(ConsentStage::Prescription);
        assert_eq!(
            key_command(&format, "1", false, false),
            Some(KeyCommand::Prescription(PrescriptionFormat::Electronic))
        );
        assert_eq!(key_command(&format, "2", false, false), Some(KeyCommand::Prescription(PrescriptionFormat::Paper)));
        assert_eq!(key_command(&format, "3", false, false), None);
        assert_eq!(key_command(&format, "Backspace", false, false), Some(KeyCommand::ConsentBack));
        assert_eq!(key_command(&format, "Escape", false, false), Some(KeyCommand::StartOver));
    }
}
