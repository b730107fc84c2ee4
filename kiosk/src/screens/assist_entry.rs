//! The staff-facing control that opens the 目視 assist, shown under the screens where a 目視 is waiting or offered
//! (the 目視 waiting screen, a blocked PIN, a card without a PIN), apart from the patient's own buttons and marked
//! as staff's, so that a patient does not take it for the next step.

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::ruby;

/// 「係員操作：目視アシスト」.
pub fn assist_entry(lang: Lang, check_in: &CheckInHandle) -> Html {
    let check_in = check_in.clone();
    let on_open = Callback::from(move |_: MouseEvent| check_in.open_assist());
    html! {
        <div class="staff-only">
            <button id="open-assist" class="staff" onclick={on_open}>{ ruby::shown(lang, "assist.open") }</button>
        </div>
    }
}
