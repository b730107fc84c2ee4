//! The screen of a visual check (目視) under way: the desk has been called, and the kiosk waits for staff.

use yew::prelude::*;

use crate::i18n::{Lang, text};

/// "Staff are on their way".
pub fn visual_check(lang: Lang) -> Html {
    let t = |key: &str| text(lang, key);
    html! {
        <section aria-labelledby="heading" class="visual-check" id="visual">
            <h2 id="heading" tabindex="-1">{ t("visual.heading") }</h2>
            <p>{ t("visual.body") }</p>
            <div class="spinner" role="presentation"></div>
            <p class="remove" role="status">{ t("visual.waiting") }</p>
        </section>
    }
}
