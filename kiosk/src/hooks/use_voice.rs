//! Voice guidance while the patient has it on: each screen's main sentence and next step when the screen (or the
//! language) changes, the number of digits after each key on the PIN pad, and the idle warning when it appears.
//!
//! Must not: decide what is said (the pure [`crate::voice`] does) or see the PIN digits (it sees the count only).

use yew::prelude::*;

use crate::i18n::Lang;
use crate::petition::PetitionStep;
use crate::platform::speech::{self, Spoken};
use crate::state::{IdlePhase, Screen};
use crate::voice::{self, sentences};

/// Speaks for the kiosk while `on`; answers whether the last request found a voice for the language.
#[hook]
pub fn use_voice(on: bool, lang: Lang, screen: &Screen, reader_ready: bool, idle: IdlePhase) -> Option<Spoken> {
    let spoken = use_state(|| None::<Spoken>);
    let lines = voice::screen_lines(screen, reader_ready);
    let was_on = use_mut_ref(|| false);
    {
        let spoken = spoken.clone();
        use_effect_with((on, lang, lines), move |(on, lang, lines)| {
            if *on {
                spoken.set(Some(speech::say(&sentences(*lang, lines), lang.tag())));
            } else if was_on.replace(false) {
                // Only a patient who had the voice on is interrupted; otherwise the browser's speech is left alone.
                speech::hush();
                spoken.set(None);
            }
            *was_on.borrow_mut() = *on;
        });
    }
    // The PIN pad says the count after every key that changed it; the first showing of the pad says its sentence.
    let entered = match screen {
        Screen::PinEntry { entered, confirming_last_try: false, .. }
        | Screen::Petition { step: PetitionStep::PinEntry { entered, confirming_last_try: false, .. }, .. } => {
            Some(*entered)
        }
        _ => None,
    };
    let last_entered = use_mut_ref(|| None::<usize>);
    use_effect_with((on, entered), move |&(on, entered)| {
        let before = std::mem::replace(&mut *last_entered.borrow_mut(), entered);
        if let (true, Some(now), Some(before)) = (on, entered, before)
            && now != before
        {
            speech::say(&sentences(lang, &[voice::digits_entered(now)]), lang.tag());
        }
    });
    let warning = match idle {
        IdlePhase::Warning { seconds_left } => Some(seconds_left),
        _ => None,
    };
    use_effect_with((on, warning.is_some()), move |&(on, warns)| {
        if let (true, true, Some(seconds_left)) = (on, warns, warning) {
            speech::say(&sentences(lang, &voice::idle_warning(seconds_left)), lang.tag());
        }
    });
    *spoken
}
