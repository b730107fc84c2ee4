//! The patient's language: the pure choice of [`crate::language`] kept for the app, the fetch of a chosen
//! language's texts ([`crate::platform::locales`]), and the background prefetch of the others once the start screen
//! is up.
//!
//! Must not: switch the screen to a language whose texts are not loaded (the choice machine waits for them).

use std::rc::Rc;

use yew::prelude::*;

use crate::i18n::{KIOSK, Lang};
use crate::language::{LanguageChoice, LanguageEvent};
use crate::platform::locales;

/// The reducer wrapper Yew needs around the pure [`LanguageChoice`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct ChoiceState(LanguageChoice);

impl Reducible for ChoiceState {
    type Action = LanguageEvent;
    fn reduce(self: Rc<Self>, event: LanguageEvent) -> Rc<Self> {
        Rc::new(ChoiceState(self.0.apply(event)))
    }
}

/// The language choice and what changes it.
#[derive(Clone, PartialEq)]
pub struct LanguageHandle {
    choice: UseReducerHandle<ChoiceState>,
}

impl LanguageHandle {
    /// Where the choice stands: the language shown, the one awaited, the one that could not be had.
    pub fn choice(&self) -> LanguageChoice {
        self.choice.0
    }

    /// The patient pressed `lang`: shown at once when its texts are loaded, else once they arrive.
    pub fn choose(&self, lang: Lang) {
        let at_hand = KIOSK.has(lang);
        self.choice.dispatch(LanguageEvent::Chosen { lang, at_hand });
        if !at_hand {
            let dispatcher = self.choice.dispatcher();
            wasm_bindgen_futures::spawn_local(async move {
                dispatcher.dispatch(match locales::load(lang).await {
                    Ok(()) => LanguageEvent::Arrived(lang),
                    Err(_) => LanguageEvent::Failed(lang),
                });
            });
        }
    }

    /// Back to Japanese for the next patient.
    pub fn reset(&self) {
        self.choice.dispatch(LanguageEvent::Reset);
    }
}

/// The patient's language, Japanese at first.
#[hook]
pub fn use_language() -> LanguageHandle {
    LanguageHandle { choice: use_reducer(ChoiceState::default) }
}

/// Once the start screen is up (`start_screen_up`), the other languages' texts are fetched in the background, once
/// for the page's life, one file after the other, so that a later choice switches at once; the first screen never
/// waits for them, and the enrolment and device check before it do not share the network with them.
#[hook]
pub fn use_language_prefetch(start_screen_up: bool) {
    let prefetched = use_mut_ref(|| false);
    use_effect_with(start_screen_up, move |up| {
        if *up && !prefetched.replace(true) {
            wasm_bindgen_futures::spawn_local(locales::prefetch());
        }
    });
}
