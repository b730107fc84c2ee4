//! The entry under an answered check-in for the patient's own access log (閲覧履歴): a plain button that opens the
//! list of which facilities read their information.

use yew::prelude::*;

use crate::checkin::task::UiCommand;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::ruby;
use crate::state::Action;

/// The entry and its button, which opens the log and asks the check-in task for its newest page.
pub fn access_log_offer(lang: Lang, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let check_in = check_in.clone();
    let on_open =
        Callback::from(move |_: MouseEvent| check_in.send(Action::AskAccessLog, UiCommand::ReadAccessLog(None)));
    html! {
        <section class="consent access-log-offer" id="access-log-offer" aria-labelledby="access-log-offer-heading">
            <h3 id="access-log-offer-heading">{ h("access_log.offer_heading") }</h3>
            <p>{ h("access_log.offer_body") }</p>
            <button id="open-access-log" class="secondary" onclick={on_open}>{ h("access_log.offer_button") }</button>
        </section>
    }
}
