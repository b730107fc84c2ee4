//! The start screen: check-in first with registration beside it, or, at `/?mode=register`, an ATM-style
//! 健康保険証利用登録 point (where a registration can be cancelled too). It says whether a usable reader is plugged in and, in demo and test builds, offers
//! the virtual reader's cards.

use yew::prelude::*;

use crate::hooks::use_reader_status::{ReaderStatus, VirtualCards};
use crate::i18n::Lang;
use crate::screens::ruby;
use crate::state::Purpose;

/// What this kiosk's start screen is for: 受付 (check-in), or at `/?mode=register` the 健康保険証利用登録 point.
pub fn default_purpose() -> Purpose {
    let registration_point = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|search| search.contains("mode=register"));
    if registration_point { Purpose::Registration } else { Purpose::CheckIn }
}

/// The start screen: whether a usable `reader` is plugged in, the virtual reader's demo `cards` (none outside demo
/// and test builds), and `on_start`, which starts a check-in or a registration (on the chosen demo card when one is
/// given).
pub fn welcome(
    lang: Lang,
    reader: ReaderStatus,
    cards: &VirtualCards,
    on_start: &Callback<(Option<u32>, Purpose)>,
) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let default_purpose = default_purpose();
    let registration_point = default_purpose == Purpose::Registration;
    let start_with = |purpose: Purpose| on_start.reform(move |_: MouseEvent| (None, purpose));
    let virtual_section = if cards.labels.is_empty() {
        html! {}
    } else {
        let chosen = *cards.chosen;
        let start_virtual = on_start.reform(move |_: MouseEvent| (Some(chosen), default_purpose));
        let cancel_virtual = on_start.reform(move |_: MouseEvent| (Some(chosen), Purpose::CancelRegistration));
        let on_choose = {
            let chosen = cards.chosen.clone();
            Callback::from(move |event: Event| {
                if let Some(select) = event.target_dyn_into::<web_sys::HtmlSelectElement>() {
                    chosen.set(select.value().parse().unwrap_or(0));
                }
            })
        };
        html! {
            <div class="virtual">
                <label for="virtual-card">{ h("welcome.virtual_card") }</label>
                <select id="virtual-card" onchange={on_choose}>
                    { for cards.labels.iter().enumerate().map(|(i, label)| html! {
                        <option value={i.to_string()} selected={i as u32 == chosen}>{ label.clone() }</option>
                    }) }
                </select>
                <button id="use-virtual" class="secondary" onclick={start_virtual}>{ h("welcome.virtual") }</button>
                // At a registration point the demo's cards can cancel a registration as well as make one.
                if default_purpose == Purpose::Registration {
                    <button id="use-virtual-cancel" class="secondary" onclick={cancel_virtual}>
                        { h("welcome.virtual_cancel") }
                    </button>
                }
            </div>
        }
    };
    let reader_line = match reader {
        // A plugged-in reader is opened and listened to: a card placed on it starts at once.
        ReaderStatus::Connected => html! {
            <p id="reader-status" class="reader-status connected" role="status" data-reader="connected">
                { h("reader.status_connected") }{ " " }{ h("welcome.place_card") }
            </p>
        },
        ReaderStatus::Missing => html! {
            <p id="reader-status" class="reader-status" role="status" data-reader="missing">
                { h("reader.status_missing") }
            </p>
        },
        ReaderStatus::Unknown => html! {},
    };
    if registration_point {
        html! {
            <section aria-labelledby="heading">
                <h2 id="heading" tabindex="-1">{ h("register.point_heading") }</h2>
                <p>{ h("register.point_body") }</p>
                { reader_line }
                <button id="register" class="primary" onclick={start_with(Purpose::Registration)}>
                    { h("welcome.register") }
                </button>
                <button id="cancel-registration" class="secondary" onclick={start_with(Purpose::CancelRegistration)}>
                    { h("cancel.point_button") }
                </button>
                { virtual_section }
            </section>
        }
    } else {
        html! {
            <section aria-labelledby="heading">
                <h2 id="heading" tabindex="-1">{ h("welcome.heading") }</h2>
                <p>{ h("welcome.body") }</p>
                { reader_line }
                <button id="connect" class="primary" onclick={start_with(Purpose::CheckIn)}>
                    { h("welcome.connect") }
                </button>
                <button id="register" class="secondary" onclick={start_with(Purpose::Registration)}>
                    { h("welcome.register") }
                </button>
                { virtual_section }
            </section>
        }
    }
}
