//! The end of a 健康保険証利用登録の解除: cancelled (use the 資格確認書 from now on) or nothing to cancel.

use onshi_proto::withdrawal::RegistrationCancelOutcome;
use yew::prelude::*;

use crate::i18n::{Lang, cancelled_key};
use crate::screens::ruby;

/// The cancellation's `outcome` and the request to take the card.
pub fn cancelled(lang: Lang, outcome: RegistrationCancelOutcome) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <section aria-labelledby="heading" class="registered" id="cancelled" data-outcome={outcome.as_str()}>
            <h2 id="heading" tabindex="-1">{ h("cancel.done_heading") }</h2>
            <p class="done" role="status">{ h(cancelled_key(outcome)) }</p>
            <p class="remove">{ h("result.remove_card") }</p>
        </section>
    }
}
