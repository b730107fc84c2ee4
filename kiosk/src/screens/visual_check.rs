//! The screen of a visual check (目視) under way: the desk has been called, and the kiosk waits for staff.

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::{assist_entry, ruby};

/// "Staff are on their way", and the staff's way into the 目視 assist.
pub fn visual_check(lang: Lang, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <section aria-labelledby="heading" class="visual-check" id="visual">
            <h2 id="heading" tabindex="-1">{ h("visual.heading") }</h2>
            <p>{ h("visual.body") }</p>
            <div class="spinner" role="presentation"></div>
            <p class="remove" role="status">{ h("visual.waiting") }</p>
            { assist_entry::assist_entry(lang, check_in) }
        </section>
    }
}
