//! The screen of a card with no PIN at all, a 顔認証マイナンバーカード: why this kiosk cannot take it on its own
//! (it has no certified face authentication), and the visual check (目視), which calls the desk, as the one thing
//! to press. The card was asked only how its PIN stands, which spends no try.

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::{assist_entry, ruby};

/// The card without a PIN, with the visual check; `card_taken` once the card has left the reader.
pub fn no_pin(lang: Lang, card_taken: bool, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let staff_entry = if card_taken {
        html! {}
    } else {
        assist_entry::assist_entry(lang, check_in)
    };
    let check_in = check_in.clone();
    let on_visual_check = Callback::from(move |_: MouseEvent| check_in.choose_visual_check());
    html! {
        <section aria-labelledby="heading" class="blocked" id="no-pin" data-card-taken={card_taken.to_string()}>
            <h2 id="heading" tabindex="-1">{ h("no_pin.heading") }</h2>
            <p id="no-pin-why">{ h("no_pin.body") }</p>
            <button id="visual-check" class="primary" onclick={on_visual_check}>
                { h("blocked.visual_check") }
            </button>
            <p id="no-pin-certificate">{ h("blocked.today") }</p>
            if card_taken {
                <p class="done" id="card-taken" role="status">{ h("blocked.card_taken") }</p>
            } else {
                <p class="remove" id="remove-card">{ h("blocked.remove_card") }</p>
            }
            { staff_entry }
        </section>
    }
}
