//! The offer under an answer that found no insurance linked to a card proved with its PIN: link it now (the
//! 健康保険証利用登録), instead of leaving with a form. The answer's own guidance still names the 申立書 path.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::screens::ruby;
use crate::state::Action;

/// The offer and its button, which tells the app's screen machine (`dispatch`).
pub fn registration_offer(lang: Lang, dispatch: &Callback<Action>) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let on_register = dispatch.reform(|_: MouseEvent| Action::StartRegistration);
    html! {
        <section class="consent offer" id="register-offer" aria-labelledby="register-offer-heading">
            <h3 id="register-offer-heading">{ h("register.offer_heading") }</h3>
            <p>{ h("register.offer_body") }</p>
            <button id="register-now" class="primary" onclick={on_register}>{ h("register.offer_button") }</button>
        </section>
    }
}
