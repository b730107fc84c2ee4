//! The PIN digits the patient has typed, and the one rule for when the kiosk forgets them.
//!
//! Layer: pure kiosk logic, compiled and tested natively (no browser API, no clock). The browser-only hook
//! `use_check_in` owns one [`PinBuffer`] and hands every event that concerns the digits to [`PinBuffer::follow`],
//! so which events wipe the digits is decided here, once, and proven by the tests below.
//!
//! Must not: copy, log or format the digits (its `Debug` shows only how many were typed); keep a byte of a digit
//! after the pad is cleared, called off, left or submitted; decide what a screen shows (the reducer in
//! [`crate::state`] does).

use std::fmt;

use onshi_card::jpki::Pin;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::state::{PIN_LEN, Screen};

/// Something that happens at the kiosk while digits may be in the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinEvent {
    /// The check-in is called off: the reader unplugged, another check-in started, the device lapsed.
    Cancel,
    /// The person chose the staff's visual check (目視), which never uses the PIN.
    VisualCheck,
    /// 最初にもどる, or the idle clock running out: everything about this patient goes.
    StartOver,
    /// The person emptied the PIN pad.
    Clear,
    /// The kiosk now shows a screen; `pin_pad` says whether it is the PIN pad. Use [`PinEvent::shown`].
    Shown {
        /// The screen is the PIN pad, the only one that may hold digits.
        pin_pad: bool,
    },
}

impl PinEvent {
    /// The kiosk now shows `screen`. Leaving the PIN pad for any reason (the card taken out, the reader failing,
    /// the PIN accepted) is a way out of it.
    pub fn shown(screen: &Screen) -> PinEvent {
        PinEvent::Shown {
            pin_pad: matches!(
                screen,
                Screen::PinEntry { .. } | Screen::Petition { step: crate::petition::PetitionStep::PinEntry { .. }, .. }
            ),
        }
    }

    /// Whether the typed digits must be forgotten when this happens: on every event but showing the PIN pad.
    fn wipes(self) -> bool {
        match self {
            PinEvent::Cancel | PinEvent::VisualCheck | PinEvent::StartOver | PinEvent::Clear => true,
            PinEvent::Shown { pin_pad } => !pin_pad,
        }
    }
}

/// The PIN digits typed so far, in a fixed array with no spare capacity: every byte that ever held a digit is in
/// view, so overwriting the array forgets them all. (A `String` keeps a digit taken back with `pop` in its spare
/// capacity until the next wipe.) Zeroized when forgotten, submitted or dropped.
#[derive(Default, Zeroize, ZeroizeOnDrop)]
pub struct PinBuffer {
    digits: [u8; PIN_LEN],
    len: usize,
}

impl fmt::Debug for PinBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinBuffer").field("entered", &self.len).field("digits", &"<redacted>").finish()
    }
}

impl PinBuffer {
    /// Adds one ASCII digit (anything else, or a digit past a complete PIN, is ignored); the count after it.
    pub fn push(&mut self, digit: char) -> usize {
        if let (Some(slot), true) = (self.digits.get_mut(self.len), digit.is_ascii_digit()) {
            // An ASCII digit is one byte.
            *slot = digit as u8;
            self.len += 1;
        }
        self.len
    }

    /// Takes back the last digit, overwriting it; the count after it.
    pub fn take_back(&mut self) -> usize {
        self.len = self.len.saturating_sub(1);
        if let Some(slot) = self.digits.get_mut(self.len) {
            slot.zeroize();
        }
        self.len
    }

    /// Moves the digits into a [`Pin`] (when they are a whole PIN) and forgets them here either way.
    pub fn take_pin(&mut self) -> Option<Pin> {
        let pin = std::str::from_utf8(self.digits.get(..self.len).unwrap_or_default())
            .ok()
            .and_then(|digits| Pin::new(digits).ok());
        self.zeroize();
        pin
    }

    /// Follows `event`, overwriting every digit when it is a way out of the PIN pad; the count after it.
    pub fn follow(&mut self, event: PinEvent) -> usize {
        if event.wipes() {
            self.zeroize();
        }
        self.len
    }

    /// The buffer's memory as it stands, digits and count, for the tests to observe.
    #[cfg(test)]
    fn memory(&self) -> ([u8; PIN_LEN], usize) {
        (self.digits, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Action, Failure};

    /// A screen the PIN pad might show, as the card reported it.
    fn pin_pad(entered: usize) -> Screen {
        Screen::PinEntry { tries_left: 3, entered, last_was_wrong: false, confirming_last_try: false }
    }

    /// The PIN pad with `digits` typed on it, the buffer's memory checked to hold them.
    fn typed(digits: &str) -> (PinBuffer, Screen) {
        let mut buffer = PinBuffer::default();
        let mut screen = pin_pad(0);
        for digit in digits.chars() {
            let entered = buffer.push(digit);
            screen = screen.apply(Action::PinTyped { entered });
            buffer.follow(PinEvent::shown(&screen));
        }
        assert_eq!(&buffer.memory().0[..digits.len()], digits.as_bytes(), "the digits are in the buffer");
        (buffer, screen)
    }

    /// Every byte of the buffer, and its count, are zero.
    fn assert_wiped(buffer: &PinBuffer, way: &str) {
        assert_eq!(buffer.memory(), ([0; PIN_LEN], 0), "{way} leaves a byte of the PIN behind");
    }

    #[test]
    fn every_way_out_of_the_pin_pad_overwrites_every_digit() {
        // Each way out as the hook meets it: the event it hands over, and the action the reducer then gets (none
        // when the person stays on the pad).
        let ways: [(&str, PinEvent, Option<Action>); 5] = [
            ("cancel (the reader unplugged)", PinEvent::Cancel, Some(Action::Fail(Failure::ReaderDisconnected))),
            ("choosing 目視", PinEvent::VisualCheck, Some(Action::ChooseVisualCheck)),
            ("the idle reset", PinEvent::StartOver, Some(Action::Reset)),
            ("最初にもどる", PinEvent::StartOver, Some(Action::Reset)),
            ("clearing the pad", PinEvent::Clear, None),
        ];
        for (way, event, action) in ways {
            // The event alone wipes, before any screen changes.
            let (mut buffer, _) = typed("5678");
            assert_eq!(buffer.follow(event), 0, "{way}");
            assert_wiped(&buffer, way);
            // The screen shown after it wipes as well, so the rule holds from either side should one be missed.
            if let Some(action) = action {
                let (mut buffer, screen) = typed("5678");
                let next = screen.apply(action);
                assert_ne!(PinEvent::shown(&next), PinEvent::Shown { pin_pad: true }, "{way} leaves the PIN pad");
                buffer.follow(PinEvent::shown(&next));
                assert_wiped(&buffer, way);
            }
        }
    }

    #[test]
    fn a_card_taken_out_at_the_pin_pad_leaves_nothing_behind() {
        // Card removal has no event of its own: the task reports it, the reducer shows the failure, and showing a
        // screen other than the PIN pad wipes the digits.
        let (mut buffer, screen) = typed("5678");
        let removed = screen.apply(Action::Fail(Failure::CardRemoved));
        assert_eq!(removed, Screen::Failed(Failure::CardRemoved));
        buffer.follow(PinEvent::shown(&removed));
        assert_wiped(&buffer, "taking the card out");
    }

    #[test]
    fn the_pin_pad_itself_keeps_the_digits_while_the_person_types() {
        let (mut buffer, screen) = typed("567");
        assert_eq!(buffer.follow(PinEvent::shown(&screen)), 3);
        assert_eq!(buffer.memory(), (*b"567\0", 3));
        // The last-try confirmation is still the PIN pad: the digits wait for the answer.
        let confirming =
            Screen::PinEntry { tries_left: 1, entered: 4, last_was_wrong: false, confirming_last_try: true };
        buffer.push('9');
        assert_eq!(buffer.follow(PinEvent::shown(&confirming)), 4);
        assert_eq!(buffer.memory(), (*b"5679", 4));
    }

    #[test]
    fn a_digit_taken_back_is_overwritten_and_a_submitted_pin_leaves_nothing_behind() {
        let (mut buffer, _) = typed("5678");
        assert_eq!(buffer.take_back(), 3);
        assert_eq!(buffer.memory(), (*b"567\0", 3), "the digit taken back is overwritten, not only uncounted");
        buffer.push('9');
        assert_eq!(buffer.push('1'), PIN_LEN, "a fifth digit is ignored");
        assert_eq!(buffer.memory(), (*b"5679", PIN_LEN));
        let pin = buffer.take_pin();
        assert!(pin.is_some(), "a whole PIN leaves as a Pin");
        assert_wiped(&buffer, "submitting");
        assert_eq!(buffer.push('x'), 0, "only digits are typed");
        assert_wiped(&buffer, "a key that is not a digit");
    }

    #[test]
    fn a_short_pin_submitted_is_not_sent_and_is_still_forgotten() {
        let (mut buffer, _) = typed("567");
        assert!(buffer.take_pin().is_none());
        assert_wiped(&buffer, "submitting a short PIN");
    }

    #[test]
    fn taking_back_every_digit_and_more_leaves_the_buffer_zero() {
        let (mut buffer, _) = typed("5678");
        for _ in 0..PIN_LEN + 1 {
            buffer.take_back();
        }
        assert_wiped(&buffer, "taking back every digit");
    }

    #[test]
    fn debug_names_how_many_digits_and_never_a_digit() {
        let (buffer, _) = typed("5679");
        for shown in [format!("{buffer:?}"), format!("{buffer:#?}")] {
            assert!(shown.contains("<redacted>"), "{shown}");
            assert!(shown.contains("entered: 4"), "{shown}");
            for digit in ["5", "6", "7", "9"] {
                assert!(!shown.contains(digit), "{shown} shows a digit");
            }
        }
    }
}
