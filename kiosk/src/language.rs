//! The patient's choice of language, as a pure machine: the language the screen shows, the one whose texts are on
//! their way, and the one whose texts could not be had. Only Japanese is in the bundle ([`crate::i18n`]); a language
//! whose file is not loaded yet is fetched first, and the screen keeps its language until the file arrives, so that
//! nobody ever reads a half-translated screen.
//!
//! Pure and tested natively; `crate::hooks::use_language` feeds it what the fetches answer. Must not: fetch, or
//! decide anything the patient did not ask for (a file that arrives for a choice since changed switches nothing).

use crate::i18n::Lang;

/// Where the language choice stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LanguageChoice {
    /// The language of every text on the screen and of the voice.
    pub shown: Lang,
    /// The language the patient chose last, whose texts are being fetched.
    pub awaited: Option<Lang>,
    /// The language the patient chose last whose texts could not be fetched: the screen says so, in the language
    /// it shows.
    pub unavailable: Option<Lang>,
}

impl Default for LanguageChoice {
    /// Japanese, as every patient first finds the kiosk.
    fn default() -> Self {
        LanguageChoice { shown: Lang::Ja, awaited: None, unavailable: None }
    }
}

/// What moves the language choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LanguageEvent {
    /// The patient pressed a language; `at_hand` says whether its texts are already loaded.
    Chosen {
        /// The language pressed.
        lang: Lang,
        /// Its texts are in the catalog already.
        at_hand: bool,
    },
    /// The texts of a language arrived and are in the catalog.
    Arrived(Lang),
    /// The texts of a language could not be fetched or read.
    Failed(Lang),
    /// The kiosk starts over for the next patient.
    Reset,
}

impl LanguageChoice {
    /// The choice after `event`.
    pub fn apply(self, event: LanguageEvent) -> LanguageChoice {
        match event {
            LanguageEvent::Chosen { lang, at_hand: true } => {
                LanguageChoice { shown: lang, awaited: None, unavailable: None }
            }
            LanguageEvent::Chosen { lang, at_hand: false } => {
                LanguageChoice { awaited: Some(lang), unavailable: None, ..self }
            }
            // Only the language still awaited switches the screen or earns the notice: a background fetch, or a
            // choice the patient has since replaced, changes nothing the patient sees.
            LanguageEvent::Arrived(lang) if self.awaited == Some(lang) => {
                LanguageChoice { shown: lang, awaited: None, unavailable: None }
            }
            LanguageEvent::Failed(lang) if self.awaited == Some(lang) => {
                LanguageChoice { awaited: None, unavailable: Some(lang), ..self }
            }
            LanguageEvent::Arrived(_) | LanguageEvent::Failed(_) => self,
            LanguageEvent::Reset => LanguageChoice::default(),
        }
    }

    /// True when the choice is as the kiosk starts: Japanese, nothing awaited, no notice.
    pub fn is_initial(&self) -> bool {
        *self == LanguageChoice::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(lang: Lang, at_hand: bool) -> LanguageEvent {
        LanguageEvent::Chosen { lang, at_hand }
    }

    #[test]
    fn a_loaded_language_shows_at_once_and_another_when_its_texts_arrive() {
        let start = LanguageChoice::default();
        assert!(start.is_initial());
        assert_eq!(start.apply(chosen(Lang::Ja, true)).shown, Lang::Ja);
        let waiting = start.apply(chosen(Lang::En, false));
        // The screen keeps Japanese while English is on its way.
        assert_eq!(waiting, LanguageChoice { shown: Lang::Ja, awaited: Some(Lang::En), unavailable: None });
        assert!(!waiting.is_initial());
        let english = waiting.apply(LanguageEvent::Arrived(Lang::En));
        assert_eq!(english, LanguageChoice { shown: Lang::En, awaited: None, unavailable: None });
        // Back to a language at hand: at once.
        assert_eq!(english.apply(chosen(Lang::Ja, true)).shown, Lang::Ja);
    }

    #[test]
    fn a_language_whose_texts_fail_keeps_the_screen_and_says_so_until_the_next_choice() {
        let english = LanguageChoice::default().apply(chosen(Lang::En, true));
        let failed = english.apply(chosen(Lang::Ne, false)).apply(LanguageEvent::Failed(Lang::Ne));
        assert_eq!(failed, LanguageChoice { shown: Lang::En, awaited: None, unavailable: Some(Lang::Ne) });
        // Trying again clears the notice while it waits; a success shows the language.
        let again = failed.apply(chosen(Lang::Ne, false));
        assert_eq!(again.unavailable, None);
        assert_eq!(again.apply(LanguageEvent::Arrived(Lang::Ne)).shown, Lang::Ne);
        // Another language at hand clears it too.
        assert_eq!(failed.apply(chosen(Lang::Ja, true)), LanguageChoice::default());
    }

    #[test]
    fn a_patient_who_changes_their_mind_is_not_overruled_by_a_late_file() {
        let waiting_for_korean =
            LanguageChoice::default().apply(chosen(Lang::En, false)).apply(chosen(Lang::Ko, false));
        // English arrives late: it is loaded for later, but the screen does not switch to it.
        let english_late = waiting_for_korean.apply(LanguageEvent::Arrived(Lang::En));
        assert_eq!(english_late, waiting_for_korean);
        assert_eq!(waiting_for_korean.apply(LanguageEvent::Failed(Lang::En)), waiting_for_korean);
        assert_eq!(english_late.apply(LanguageEvent::Arrived(Lang::Ko)).shown, Lang::Ko);
        // Having chosen Japanese again, a late Korean changes nothing.
        let back = waiting_for_korean.apply(chosen(Lang::Ja, true));
        assert_eq!(back.apply(LanguageEvent::Arrived(Lang::Ko)), LanguageChoice::default());
    }

    #[test]
    fn a_background_file_switches_nothing_and_the_reset_returns_to_japanese() {
        let start = LanguageChoice::default();
        assert_eq!(start.apply(LanguageEvent::Arrived(Lang::Vi)), start);
        assert_eq!(start.apply(LanguageEvent::Failed(Lang::Vi)), start);
        let mid_fetch = start.apply(chosen(Lang::En, true)).apply(chosen(Lang::Id, false));
        let reset = mid_fetch.apply(LanguageEvent::Reset);
        assert!(reset.is_initial());
        // The file the previous patient asked for arrives after the reset: the next patient still finds Japanese.
        assert!(reset.apply(LanguageEvent::Arrived(Lang::Id)).is_initial());
        let failed = start.apply(chosen(Lang::Id, false)).apply(LanguageEvent::Failed(Lang::Id));
        assert!(failed.apply(LanguageEvent::Reset).is_initial());
    }
}
