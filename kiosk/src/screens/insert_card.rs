//! The screen that asks for the card: the reader is open and empty.

use yew::prelude::*;

use crate::i18n::{Lang, text};

/// "Place your card".
pub fn insert_card(lang: Lang) -> Html {
    let t = |key: &str| text(lang, key);
    html! {
        <section aria-labelledby="heading" class="insert-card" id="insert-card">
            <h2 id="heading" tabindex="-1">{ t("card.insert_heading") }</h2>
            <p role="status">{ t("card.insert_body") }</p>
        </section>
    }
}
