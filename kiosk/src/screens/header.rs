//! The kiosk's header on every screen: the title, the language switcher, and the patient's aids (voice guidance,
//! large text, high contrast), each a toggle that stays on for this patient only.

use yew::prelude::*;

use crate::i18n::{KIOSK, Lang, text};
use crate::platform::speech::Spoken;
use crate::screens::ruby;

/// The order of the switcher: Japanese and やさしい日本語 first, then the other languages.
const SWITCHER: [Lang; 10] =
    [Lang::Ja, Lang::JaEasy, Lang::En, Lang::ZhHans, Lang::Ko, Lang::Vi, Lang::PtBr, Lang::Fil, Lang::Ne, Lang::Id];
const _: () = assert!(SWITCHER.len() == Lang::PATIENT.len());

/// The patient's aids as the header shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Aids {
    /// Voice guidance is on.
    pub voice: bool,
    /// Large text is on.
    pub large: bool,
    /// High contrast is on.
    pub contrast: bool,
}

/// What the header's controls change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AidToggle {
    /// 音声案内.
    Voice,
    /// 文字を大きく.
    Large,
    /// 白黒反転.
    Contrast,
}

/// The title, one button per language (each in its own language; a pressed one goes to `on_lang`), and the aids'
/// toggles (to `on_aid`). `spoken` says, when voice guidance found no voice for the language, that it cannot speak;
/// `unavailable` names the language chosen last whose texts could not be fetched, said in the language shown.
pub fn header(
    lang: Lang,
    aids: Aids,
    spoken: Option<Spoken>,
    unavailable: Option<Lang>,
    on_lang: &Callback<Lang>,
    on_aid: &Callback<AidToggle>,
) -> Html {
    let toggle = |id: &'static str, key: &str, on: bool, which: AidToggle| {
        html! {
            <button id={id} class="aid" aria-pressed={on.to_string()} onclick={on_aid.reform(move |_| which)}>
                { ruby::shown(lang, key) }
            </button>
        }
    };
    html! {
        <header>
            <h1>{ ruby::shown(lang, "app.title") }</h1>
            <nav class="langs" aria-label={text(lang, "lang.label")}>
                { for SWITCHER.iter().map(|&l| html! {
                    <button lang={l.tag()} aria-pressed={(l == lang).to_string()}
                        onclick={on_lang.reform(move |_| l)}>{ l.native_name() }</button>
                }) }
            </nav>
            <div class="aids" role="group" aria-label={text(lang, "aid.label")}>
                { toggle("aid-voice", "aid.voice", aids.voice, AidToggle::Voice) }
                { toggle("aid-large", "aid.large", aids.large, AidToggle::Large) }
                { toggle("aid-contrast", "aid.contrast", aids.contrast, AidToggle::Contrast) }
            </div>
            if let Some(missing) = unavailable {
                <p id="lang-unavailable" class="lang-unavailable" role="status">
                    { ruby::rich(&KIOSK.fill(lang, "lang.unavailable", &[("name", missing.native_name())])) }
                </p>
            }
            if aids.voice && spoken == Some(Spoken::NoVoice) {
                <p id="voice-missing" class="voice-missing" role="status">{ ruby::shown(lang, "aid.voice_missing") }</p>
            }
        </header>
    }
}
