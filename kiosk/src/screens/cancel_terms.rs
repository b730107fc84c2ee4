//! What cancelling the 健康保険証利用登録 means, in plain words, before anything is sent: the card no longer works as
//! a 保険証 at clinics until it is registered again, and the 資格確認書 is what to use meanwhile. Declining is
//! starting over, which sends nothing.

use yew::prelude::*;

use crate::checkin::task::UiCommand;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::ruby;
use crate::state::Action;

/// The explanation, the confirm button and the decline button.
pub fn cancel_terms(lang: Lang, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let on_confirm = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.send(Action::CancelConfirmed, UiCommand::ConfirmCancel))
    };
    let on_decline = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.start_over())
    };
    html! {
        <section aria-labelledby="heading" class="terms" id="cancel-terms">
            <h2 id="heading" tabindex="-1">{ h("cancel.terms_heading") }</h2>
            <p>{ h("cancel.terms_body") }</p>
            <button id="cancel-confirm" class="primary" onclick={on_confirm}>{ h("cancel.confirm") }</button>
            <button id="cancel-decline" class="secondary" onclick={on_decline}>{ h("cancel.decline") }</button>
        </section>
    }
}
