//! A screen that waits for the kiosk: a spinner and what is happening, announced politely.

use yew::prelude::*;

use crate::i18n::{Lang, text};

/// A spinner and the message of resource key `message`.
pub fn progress(lang: Lang, message: &str) -> Html {
    html! {
        <section class="progress" role="status" aria-live="polite">
            <div class="spinner"></div><p>{ text(lang, message) }</p>
        </section>
    }
}
