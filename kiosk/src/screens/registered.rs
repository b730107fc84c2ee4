//! The end of a 健康保険証利用登録: linked (or already linked), or why it could not be.

use onshi_proto::origin::RegistrationOutcome;
use yew::prelude::*;

use crate::i18n::{Lang, registered_key};
use crate::screens::ruby;

/// The registration's `outcome` and the request to take the card.
pub fn registered(lang: Lang, outcome: RegistrationOutcome) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let key = registered_key(outcome);
    let done = matches!(outcome, RegistrationOutcome::Registered | RegistrationOutcome::AlreadyRegistered);
    html! {
        <section aria-labelledby="heading" class="registered" id="registered" data-outcome={format!("{outcome:?}")}>
            <h2 id="heading" tabindex="-1">{ h("register.done_heading") }</h2>
            <p class={if done { "done" } else { "guidance" }} role="status">{ h(key) }</p>
            <p class="remove">{ h("result.remove_card") }</p>
        </section>
    }
}
