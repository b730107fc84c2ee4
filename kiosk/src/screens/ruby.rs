//! Text with its readings: a resource text whose kanji carry readings (`[漢字|かんじ]`, the やさしい日本語 set) shown
//! as HTML ruby, ふりがな over the kanji; any other text as it is.
//!
//! Must not: change the words: the plain text (`crate::i18n::plain`) is exactly the ruby's base text.

use yew::prelude::*;

use crate::i18n::{Lang, marked, segments};

/// A marked-up text as HTML: ruby where a piece has a reading.
pub fn rich(text: &str) -> Html {
    if !text.contains('|') {
        return html! { { text.to_owned() } };
    }
    html! {
        { for segments(text).into_iter().map(|segment| match segment.reading {
            Some(reading) => html! { <ruby>{ segment.base }<rt>{ reading }</rt></ruby> },
            None => html! { { segment.base } },
        }) }
    }
}

/// The kiosk's text for `key` in `lang`, with its readings as ruby.
pub fn shown(lang: Lang, key: &str) -> Html {
    rich(&marked(lang, key))
}

/// The kiosk's text for `key` in `lang` with `{n}` filled in, with its readings as ruby.
pub fn shown_n(lang: Lang, key: &str, n: impl std::fmt::Display) -> Html {
    rich(&crate::i18n::marked_n(lang, key, n))
}
