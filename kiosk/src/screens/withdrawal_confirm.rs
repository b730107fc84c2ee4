//! What withdrawing a consent means, in plain words, before anything is sent: the facility stops seeing the
//! patient's medical information at once, today's check-in stays, and a new consent later counts again.

use yew::prelude::*;

use crate::checkin::task::UiCommand;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::ruby;
use crate::state::Action;

/// The explanation, the confirm button (which sends the withdrawal) and the decline button (back to the answer).
pub fn withdrawal_confirm(lang: Lang, dispatch: &Callback<Action>, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let check_in = check_in.clone();
    let on_confirm =
        Callback::from(move |_: MouseEvent| check_in.send(Action::WithdrawalConfirmed, UiCommand::WithdrawConsent));
    let on_decline = dispatch.reform(|_: MouseEvent| Action::WithdrawalDeclined);
    html! {
        <section aria-labelledby="heading" class="terms" id="withdraw-confirm">
            <h2 id="heading" tabindex="-1">{ h("withdraw.confirm_heading") }</h2>
            <p>{ h("withdraw.confirm_body") }</p>
            <button id="withdraw-confirm-yes" class="primary" onclick={on_confirm}>{ h("withdraw.confirm") }</button>
            <button id="withdraw-confirm-no" class="secondary" onclick={on_decline}>{ h("withdraw.decline") }</button>
        </section>
    }
}
