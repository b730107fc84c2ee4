//! The screen of a card whose PIN is blocked: how to reset it (at a convenience store's multi-copy machine when the
//! 署名用 password is known, or at the 市区町村 window), how to check in today (目視, or the 資格確認書), and the
//! visual check (目視), which calls the desk.

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::{ruby, visual_check_offer};

/// The blocked PIN, with the visual-check offer; `card_taken` once the card has left the reader.
pub fn blocked(lang: Lang, card_taken: bool, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <section aria-labelledby="heading" class="blocked" id="blocked" data-card-taken={card_taken.to_string()}>
            <h2 id="heading" tabindex="-1">{ h("blocked.heading") }</h2>
            <p id="unlock-intro">{ h("blocked.body") }</p>
            <ul class="unlock-ways" id="unlock-ways">
                <li id="reset-store">{ h("blocked.reset_store") }</li>
                <li id="reset-office">{ h("blocked.reset_office") }</li>
            </ul>
            // How to check in today: the visual check, whose button follows, or else the 資格確認書 at the desk.
            <p id="blocked-today">{ h("blocked.visual_check_offer") }</p>
            { visual_check_offer::visual_check_offer(lang, "blocked", card_taken, check_in) }
        </section>
    }
}
