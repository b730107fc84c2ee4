//! Speech synthesis adapter: says sentences aloud in a language with the browser's `speechSynthesis`, and tells
//! whether the browser has a voice for that language at all.
//!
//! Must not: decide what is said (the pure `crate::voice` does), or be handed anything that names a PIN digit.

use wasm_bindgen::JsValue;
use web_sys::{SpeechSynthesis, SpeechSynthesisUtterance, SpeechSynthesisVoice};

/// What became of a request to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spoken {
    /// The sentences are queued with a voice of the language.
    Queued,
    /// The browser has no voice for the language (or no speech synthesis): nothing was said, and the screen says so.
    NoVoice,
}

fn synthesis() -> Option<SpeechSynthesis> {
    let window = web_sys::window()?;
    // Not every browser has speech synthesis; test for it before using it.
    if !js_sys::Reflect::has(&window, &JsValue::from_str("speechSynthesis")).unwrap_or(false) {
        return None;
    }
    window.speech_synthesis().ok()
}

/// The primary language of a BCP 47 tag (`pt` of `pt-BR`, `ja` of `ja-x-easy`).
fn primary(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// True when the browser has a voice speaking the language of `tag`.
pub fn has_voice(tag: &str) -> bool {
    let Some(synthesis) = synthesis() else { return false };
    synthesis.get_voices().iter().any(|voice| {
        let voice: SpeechSynthesisVoice = voice.into();
        primary(&voice.lang()).eq_ignore_ascii_case(primary(tag))
    })
}

/// Stops what is being said and says `sentences`, one after the other, in the language of `tag`.
pub fn say(sentences: &[String], tag: &str) -> Spoken {
    let Some(synthesis) = synthesis() else { return Spoken::NoVoice };
    if !has_voice(tag) {
        synthesis.cancel();
        return Spoken::NoVoice;
    }
    synthesis.cancel();
    // The browser picks its voice for the language; private-use tags (やさしい日本語) are spoken as their language.
    let lang = if tag.contains("-x-") { primary(tag) } else { tag };
    for sentence in sentences {
        if let Ok(utterance) = SpeechSynthesisUtterance::new_with_text(sentence) {
            utterance.set_lang(lang);
            utterance.set_rate(0.9);
            synthesis.speak(&utterance);
        }
    }
    Spoken::Queued
}

/// Stops speaking.
pub fn hush() {
    if let Some(synthesis) = synthesis() {
        synthesis.cancel();
    }
}
