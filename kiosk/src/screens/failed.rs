//! The screen of a check-in that failed: what went wrong, in the person's words.

use yew::prelude::*;

use crate::i18n::{Lang, text};
use crate::state::Failure;

/// The failure's message; a reader that refused its smart-card interface also says what to do next.
pub fn failed(lang: Lang, failure: Failure) -> Html {
    let t = |key: &str| text(lang, key);
    html! {
        <section aria-labelledby="heading" class="failed" id="failed" data-failure={format!("{failure:?}")}>
            <h2 id="heading" tabindex="-1">{ t("error.heading") }</h2>
            <p role="alert">{ t(failure.message_key()) }</p>
            if failure == Failure::ReaderRefusedCcid {
                <p>{ t("reader.refused_next") }</p>
            }
        </section>
    }
}
