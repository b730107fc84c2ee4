//! The terms of the 健康保険証利用登録, which the card holder accepts before the card is linked.

use yew::prelude::*;

use crate::checkin::task::UiCommand;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::ruby;
use crate::state::Action;

/// The terms and the accept button.
pub fn registration_terms(lang: Lang, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let check_in = check_in.clone();
    let on_accept = Callback::from(move |_: MouseEvent| check_in.send(Action::TermsAccepted, UiCommand::AcceptTerms));
    html! {
        <section aria-labelledby="heading" class="terms" id="terms">
            <h2 id="heading" tabindex="-1">{ h("register.terms_heading") }</h2>
            <p>{ h("register.terms_body") }</p>
            <button id="terms-accept" class="primary" onclick={on_accept}>{ h("register.accept") }</button>
        </section>
    }
}
