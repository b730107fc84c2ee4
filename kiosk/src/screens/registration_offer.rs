//! The offer under an answer that found no insurance linked to a card proved with its PIN: link it now (the
//! 健康保険証利用登録), instead of leaving with a form. The answer's own guidance still names the 申立書 path.

use yew::prelude::*;

use crate::i18n::{Lang, text};
use crate::state::Action;

/// The offer and its button, which tells the app's screen machine (`dispatch`).
pub fn registration_offer(lang: Lang, dispatch: &Callback<Action>) -> Html {
    let t = |key: &str| text(lang, key);
    let on_register = dispatch.reform(|_: MouseEvent| Action::StartRegistration);
    html! {
        <section class="consent offer" id="register-offer" aria-labelledby="register-offer-heading">
            <h3 id="register-offer-heading">{ t("register.offer_heading") }</h3>
            <p>{ t("register.offer_body") }</p>
            <button id="register-now" class="primary" onclick={on_register}>{ t("register.offer_button") }</button>
        </section>
    }
}
