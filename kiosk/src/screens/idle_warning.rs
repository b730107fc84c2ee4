//! The idle warning over any screen: the kiosk starts over soon unless someone touches it. The idle hook moves
//! the focus to it when it shows, so a keyboard or switch user can extend at once.

use yew::prelude::*;

use crate::i18n::{Lang, marked_n};
use crate::screens::ruby;

/// The warning dialog: `seconds_left` until the reset, and `on_extend`, the touch that gives the full time again.
pub fn idle_warning(lang: Lang, seconds_left: u32, on_extend: &Callback<()>) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let on_extend = on_extend.reform(|_: MouseEvent| ());
    html! {
        <div id="idle-warning" class="idle" role="alertdialog" aria-modal="true"
            aria-labelledby="idle-heading" aria-describedby="idle-body">
            <div class="idle-box">
                <h2 id="idle-heading">{ h("idle.heading") }</h2>
                <p id="idle-body" data-seconds-left={seconds_left.to_string()}>
                    { ruby::rich(&marked_n(lang, "idle.body", seconds_left)) }
                </p>
                <button id="idle-extend" class="primary" onclick={on_extend}>{ h("idle.extend") }</button>
            </div>
        </div>
    }
}
