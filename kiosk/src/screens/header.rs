//! The kiosk's header on every screen: the title and the language switcher.

use yew::prelude::*;

use crate::i18n::{Lang, text};

/// The title and one button per language, each in its own language; a pressed button goes to `on_lang`.
pub fn header(lang: Lang, on_lang: &Callback<Lang>) -> Html {
    html! {
        <header>
            <h1>{ text(lang, "app.title") }</h1>
            <nav class="langs" aria-label={text(lang, "lang.label")}>
                { for Lang::PATIENT.iter().map(|&l| html! {
                    <button lang={l.tag()} aria-pressed={(l == lang).to_string()}
                        onclick={on_lang.reform(move |_| l)}>{ l.native_name() }</button>
                }) }
            </nav>
        </header>
    }
}
