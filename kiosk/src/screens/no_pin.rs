//! The screen of a card with no PIN at all, a 顔認証マイナンバーカード: why this kiosk cannot take it on its own
//! (it has no certified face authentication), and the visual check (目視), which calls the desk, as the one thing
//! to press. The card was asked only how its PIN stands, which spends no try.

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::{ruby, visual_check_offer};

/// The card without a PIN, with the visual check; `card_taken` once the card has left the reader.
pub fn no_pin(lang: Lang, card_taken: bool, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <section aria-labelledby="heading" class="blocked" id="no-pin" data-card-taken={card_taken.to_string()}>
            <h2 id="heading" tabindex="-1">{ h("no_pin.heading") }</h2>
            <p id="no-pin-why">{ h("no_pin.body") }</p>
            { visual_check_offer::visual_check_offer(lang, "no-pin", card_taken, check_in) }
        </section>
    }
}
