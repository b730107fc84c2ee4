//! The form staff fill in at the kiosk to open the card face: 照合番号B's three parts as printed on the card (birth
//! date in 和暦 `YYMMDD`, the expiry year in 西暦, the セキュリティコード, typed masked), with a helper that turns a
//! 西暦 birth date staff know into the 和暦 digits. What was typed leaves the fields the moment it is submitted.
//!
//! Must not: keep what was typed (the fields are emptied on submit, and the number goes straight into a zeroizing
//! `CollationNumberB`), or check the number itself (`crate::assist` does, and the task asks the card).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::assist::birth_digits_from_seireki;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::{Lang, text_with};
use crate::screens::ruby;

/// The form's inputs.
#[derive(Properties, PartialEq)]
pub struct AssistFormProps {
    /// The language on screen.
    pub lang: Lang,
    /// The running check-in, which takes the number.
    pub check_in: CheckInHandle,
    /// True while an attempt is in flight: the submit button waits.
    pub busy: bool,
}

/// What the 西暦 helper last said: nothing yet, the 和暦 it entered, or that the date had none.
#[derive(Clone, PartialEq)]
enum Helped {
    Nothing,
    Entered(String),
    NoWareki,
}

fn take_value(input: &NodeRef) -> String {
    input
        .cast::<HtmlInputElement>()
        .map(|field| {
            let value = field.value();
            field.set_value("");
            value
        })
        .unwrap_or_default()
}

/// 照合番号B's three fields, the 西暦 helper and 「照合する」.
#[function_component(AssistForm)]
pub fn assist_form(props: &AssistFormProps) -> Html {
    let (birth, expiry, code, seireki) = (use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref());
    let helped = use_state(|| Helped::Nothing);
    let lang = props.lang;
    let h = |key: &str| ruby::shown(lang, key);
    let on_submit = {
        let (birth, expiry, code, seireki, check_in) =
            (birth.clone(), expiry.clone(), code.clone(), seireki.clone(), props.check_in.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (birth, expiry, code) = (take_value(&birth), take_value(&expiry), take_value(&code));
            drop(take_value(&seireki));
            check_in.submit_collation(birth.trim(), expiry.trim(), code.trim());
        })
    };
    let on_convert = {
        let (birth, seireki, helped) = (birth.clone(), seireki.clone(), helped.clone());
        Callback::from(move |_: MouseEvent| {
            let date = seireki.cast::<HtmlInputElement>().map(|field| field.value()).unwrap_or_default();
            match birth_digits_from_seireki(&date) {
                Some((digits, wareki)) => {
                    if let Some(field) = birth.cast::<HtmlInputElement>() {
                        field.set_value(&digits);
                    }
                    helped.set(Helped::Entered(text_with(
                        lang,
                        "assist.seireki_result",
                        &[("wareki", &wareki), ("digits", &digits)],
                    )));
                }
                None => helped.set(Helped::NoWareki),
            }
        })
    };
    html! {
        <form id="assist-form" class="assist-form" onsubmit={on_submit} autocomplete="off">
            <label for="assist-birth">{ h("assist.birth_label") }</label>
            <input id="assist-birth" ref={birth} inputmode="numeric" maxlength="6" pattern="[0-9]*" />
            <fieldset class="seireki-helper">
                <legend>{ h("assist.seireki_label") }</legend>
                <input id="assist-seireki" ref={seireki} type="date" aria-label={crate::i18n::text(lang, "assist.seireki_label")} />
                <button id="assist-convert" type="button" class="secondary" onclick={on_convert}>
                    { h("assist.seireki_convert") }
                </button>
                <p id="assist-seireki-result" role="status">
                    { match &*helped {
                        Helped::Nothing => html! {},
                        Helped::Entered(said) => html! { { said.clone() } },
                        Helped::NoWareki => h("assist.seireki_invalid"),
                    } }
                </p>
            </fieldset>
            <label for="assist-expiry">{ h("assist.expiry_label") }</label>
            <input id="assist-expiry" ref={expiry} inputmode="numeric" maxlength="4" pattern="[0-9]*" />
            <label for="assist-code">{ h("assist.code_label") }</label>
            <input id="assist-code" ref={code} type="password" inputmode="numeric" maxlength="4" autocomplete="off" />
            <button id="assist-submit" type="submit" class="primary" disabled={props.busy}>{ h("assist.submit") }</button>
        </form>
    }
}
