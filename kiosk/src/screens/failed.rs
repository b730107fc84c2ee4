//! The screen of a check-in that failed: what went wrong, in the person's words, and what to do next where there
//! is more to say (a reader to swap; in an outage, no 10割 and the 申立書 at the counter, which the patient may
//! fill from the card here: [`crate::screens::petition`]).

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::{petition, ruby};
use crate::state::Failure;

/// The failure's message, and the next step when the failure has one ([`Failure::next_step_key`]).
pub fn failed(lang: Lang, failure: Failure, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <section aria-labelledby="heading" class="failed" id="failed" data-failure={format!("{failure:?}")}>
            <h2 id="heading" tabindex="-1">{ h("error.heading") }</h2>
            <p role="alert">{ h(failure.message_key()) }</p>
            if let Some(key) = failure.next_step_key() {
                <p class="next-step" id="failed-next-step">{ h(key) }</p>
            }
            if failure == Failure::ServiceUnavailable {
                { petition::petition_offer(lang, check_in) }
            }
        </section>
    }
}
