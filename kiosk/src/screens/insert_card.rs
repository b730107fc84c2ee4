//! The screen that asks for the card: the reader is open and empty.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::screens::ruby;

/// "Place your card".
pub fn insert_card(lang: Lang) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <section aria-labelledby="heading" class="insert-card" id="insert-card">
            <h2 id="heading" tabindex="-1">{ h("card.insert_heading") }</h2>
            <p role="status">{ h("card.insert_body") }</p>
        </section>
    }
}
