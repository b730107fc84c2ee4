//! Recording a consent withdrawal the patient asks for at the counter: a button on the patient's check-in row that
//! opens a confirmation saying what withdrawing does, and only its confirm button asks the edge.
//!
//! Layer: user interface (one Yew component). Must not: call the edge itself (the console does, with its token, when
//! [`ConsentWithdrawalProps::on_withdraw`] fires), or withdraw without the confirmation.

use onshi_web::i18n::Lang;
use onshi_web::page;
use yew::prelude::*;

use crate::text::t;

/// Properties of [`ConsentWithdrawal`].
#[derive(Properties, PartialEq)]
pub struct ConsentWithdrawalProps {
    /// The check-in row of the patient who asked.
    pub checkin_id: String,
    /// The console's language.
    pub lang: Lang,
    /// Fired with the check-in's id once staff confirmed.
    pub on_withdraw: Callback<String>,
}

/// The withdraw button, and the confirmation it opens.
#[function_component(ConsentWithdrawal)]
pub fn consent_withdrawal(props: &ConsentWithdrawalProps) -> Html {
    let confirming = use_state(|| false);
    let lang = props.lang;
    // Ids unique to the row, so that each dialog's name and description point at its own texts.
    let dialog_id = format!("withdraw-dialog-{}", props.checkin_id);
    let heading_id = format!("{dialog_id}-heading");
    let body_id = format!("{dialog_id}-body");
    {
        // The confirmation takes the focus when it opens, so a keyboard or screen-reader user is in it at once.
        let heading_id = heading_id.clone();
        use_effect_with(*confirming, move |open| {
            if *open {
                page::focus(&heading_id);
            }
        });
    }
    let open = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(true))
    };
    let close = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    let confirm = {
        let (confirming, on_withdraw, checkin_id) =
            (confirming.clone(), props.on_withdraw.clone(), props.checkin_id.clone());
        Callback::from(move |_: MouseEvent| {
            confirming.set(false);
            on_withdraw.emit(checkin_id.clone());
        })
    };
    if !*confirming {
        return html! {
            <button class="consent-withdraw secondary" type="button" onclick={open}
                data-checkin-id={props.checkin_id.clone()}>
                { t(lang, "staff.consent.withdraw") }
            </button>
        };
    }
    html! {
        <div id={dialog_id} class="consent-withdraw-dialog" role="alertdialog" aria-labelledby={heading_id.clone()}
            aria-describedby={body_id.clone()}>
            <h3 id={heading_id} tabindex="-1">{ t(lang, "staff.consent.confirm_heading") }</h3>
            <p id={body_id}>{ t(lang, "staff.consent.confirm_body") }</p>
            <button class="consent-withdraw-confirm primary" type="button" onclick={confirm}>
                { t(lang, "staff.consent.confirm") }
            </button>
            <button class="consent-withdraw-cancel secondary" type="button" onclick={close}>
                { t(lang, "staff.consent.cancel") }
            </button>
        </div>
    }
}
