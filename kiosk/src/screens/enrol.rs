//! The enrolment screen of a kiosk without a device identity: staff type the one-time code from the facility's
//! admin. A kiosk whose identity the edge no longer knows says so, so that staff ask for a new code.

use wasm_bindgen::JsCast as _;
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::i18n::Lang;
use crate::screens::ruby;

/// The code form. `failed`: the last attempt was refused or could not reach the edge; `lapsed`: the kiosk was
/// enrolled, but the edge no longer knows it. The typed code goes to `on_enrol`, taken out of the input.
pub fn enrol(lang: Lang, failed: bool, lapsed: bool, on_enrol: &Callback<Zeroizing<String>>) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let on_submit = {
        let on_enrol = on_enrol.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let input = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("enrol-code"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
            let Some(input) = input else { return };
            // The one-time code is a credential: it leaves the input as soon as it is read.
            let code = Zeroizing::new(input.value());
            input.set_value("");
            if !code.trim().is_empty() {
                on_enrol.emit(code);
            }
        })
    };
    html! {
        <section aria-labelledby="heading" class="enrol" id="enrol" data-lapsed={lapsed.to_string()}>
            <h2 id="heading" tabindex="-1">
                { h(if lapsed { "enrol.lapsed_heading" } else { "enrol.heading" }) }
            </h2>
            if lapsed {
                <p class="warning" role="alert" id="enrol-lapsed">{ h("enrol.lapsed") }</p>
            } else {
                <p>{ h("enrol.body") }</p>
            }
            if failed {
                <p class="warning" role="alert" id="enrol-failed">{ h("enrol.failed") }</p>
            }
            <form onsubmit={on_submit}>
                <label for="enrol-code">{ h("enrol.code_label") }</label>
                <input id="enrol-code" type="text" autocomplete="off" autocapitalize="characters"
                    spellcheck="false" />
                <button id="enrol-submit" class="primary" type="submit">{ h("enrol.submit") }</button>
            </form>
        </section>
    }
}
