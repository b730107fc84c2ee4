//! A screen that waits for the kiosk: a spinner and what is happening, announced politely.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::screens::ruby;

/// A spinner and the message of resource key `message`.
pub fn progress(lang: Lang, message: &str) -> Html {
    html! {
        <section class="progress" role="status" aria-live="polite">
            <div class="spinner"></div><p>{ ruby::shown(lang, message) }</p>
        </section>
    }
}
