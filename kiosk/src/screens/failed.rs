//! The screen of a check-in that failed: what went wrong, in the person's words.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::screens::ruby;
use crate::state::Failure;

/// The failure's message; a reader that refused its smart-card interface also says what to do next.
pub fn failed(lang: Lang, failure: Failure) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <section aria-labelledby="heading" class="failed" id="failed" data-failure={format!("{failure:?}")}>
            <h2 id="heading" tabindex="-1">{ h("error.heading") }</h2>
            <p role="alert">{ h(failure.message_key()) }</p>
            if failure == Failure::ReaderRefusedCcid {
                <p>{ h("reader.refused_next") }</p>
            }
        </section>
    }
}
