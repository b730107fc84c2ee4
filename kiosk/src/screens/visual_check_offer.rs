//! What the two screens of a card this kiosk cannot check share at their foot: a blocked PIN and a card with no PIN
//! both offer the visual check (目視), which calls the desk, name the 資格確認書 as the other way to check in today,
//! say what to do with the card, and give staff their assist entry while the card is still on the reader.

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::{assist_entry, ruby};

/// The 目視 button, the 資格確認書 line (`<screen>-certificate`, so each screen's line keeps its own id), and the card
/// line: remove it, or, once `card_taken`, that it has been taken (then without the assist entry, which needs it).
pub fn visual_check_offer(lang: Lang, screen: &'static str, card_taken: bool, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let staff_entry = if card_taken {
        html! {}
    } else {
        assist_entry::assist_entry(lang, check_in)
    };
    let check_in = check_in.clone();
    let on_visual_check = Callback::from(move |_: MouseEvent| check_in.choose_visual_check());
    html! {
        <>
            <button id="visual-check" class="primary" onclick={on_visual_check}>
                { h("blocked.visual_check") }
            </button>
            <p id={format!("{screen}-certificate")}>{ h("blocked.today") }</p>
            if card_taken {
                <p class="done" id="card-taken" role="status">{ h("blocked.card_taken") }</p>
            } else {
                <p class="remove" id="remove-card">{ h("blocked.remove_card") }</p>
            }
            { staff_entry }
        </>
    }
}
