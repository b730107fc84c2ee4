//! The entry under an answered check-in for withdrawing the consents the patient gave this facility, today or on
//! an earlier visit: a plain button that leads to a screen saying what withdrawing means, never a withdrawal itself.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::screens::ruby;
use crate::state::Action;

/// The entry and its button, which tells the app's screen machine (`dispatch`).
pub fn withdrawal_offer(lang: Lang, dispatch: &Callback<Action>) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let on_withdraw = dispatch.reform(|_: MouseEvent| Action::AskWithdrawal);
    html! {
        <section class="consent withdrawal-offer" id="withdraw-offer" aria-labelledby="withdraw-offer-heading">
            <h3 id="withdraw-offer-heading">{ h("withdraw.offer_heading") }</h3>
            <p>{ h("withdraw.offer_body") }</p>
            <button id="withdraw-consent" class="secondary" onclick={on_withdraw}>{ h("withdraw.offer_button") }</button>
        </section>
    }
}
