//! The PIN pad: four digits for the card's 利用者証明用 PIN, the tries left, and on the last try a confirmation
//! that offers the visual check instead. Each key goes straight to the [`crate::hooks::use_check_in`] buffer; the
//! pad itself never sees the digits, only how many there are.

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::{Lang, marked_n, text, text_n};
use crate::screens::ruby;
use crate::state::{Action, PIN_LEN, PinSubmit};

/// The PIN screen's state, from [`crate::state::Screen::PinEntry`].
#[derive(Debug)]
pub struct PinPadState {
    /// Wrong PINs the card still accepts before it blocks.
    pub tries_left: u8,
    /// Digits typed so far.
    pub entered: usize,
    /// The last PIN sent was wrong.
    pub last_was_wrong: bool,
    /// The last-try confirmation is showing.
    pub confirming_last_try: bool,
    /// What OK does: ask first at one try left, or send the PIN ([`crate::state::Screen::pin_submit`]).
    pub ok: Option<PinSubmit>,
}

/// The pad, the dots and the buttons. Two columns on a landscape kiosk (what to know beside what to press), one on
/// a phone: the OK button stays on screen after a wrong PIN, whatever the warnings above it say.
pub fn pin_pad(lang: Lang, props: &PinPadState, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    // 「入力しなおす」 empties the pad as 「消去」 does, which also withdraws the pending last-try confirmation (the
    // state machine's rule).
    let on_reenter = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.clear_pin())
    };
    // At one try left OK asks first, keeping the digits, and offers the visual check.
    let on_submit = {
        let (check_in, ok) = (check_in.clone(), props.ok.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(submit) = ok.clone() {
                check_in.press_pin_ok(submit);
            }
        })
    };
    let on_confirm_last_try = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.submit_pin(Action::LastTryConfirmed))
    };
    let on_visual_check = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.choose_visual_check())
    };
    let (tries_left, entered) = (props.tries_left, props.entered);
    html! {
        <section aria-labelledby="heading" class="pin">
            <div class="pin-info">
                <h2 id="heading" tabindex="-1">{ h("pin.heading") }</h2>
                <p class="hint">{ h("pin.hint") }</p>
                <p class="hint" id="pin-keys">{ h("pin.keys_hint") }</p>
                if props.last_was_wrong {
                    <p class="warning" role="alert">{ h("pin.wrong") }</p>
                }
                <p id="tries-left" class={classes!("tries", (tries_left <= 1).then_some("danger"))}>
                    { ruby::rich(&marked_n(lang, "pin.tries_left", tries_left)) }
                </p>
                if tries_left == 1 && !props.confirming_last_try {
                    <p class="warning" role="alert">{ h("pin.last_try") }</p>
                }
            </div>
            <div class="pin-entry">
                if props.confirming_last_try {
                    <div id="last-try" class="confirm" role="alertdialog" aria-modal="false"
                        aria-labelledby="last-try-heading" aria-describedby="last-try-body">
                        <h3 id="last-try-heading">{ h("pin.confirm_heading") }</h3>
                        <p id="last-try-body">{ h("pin.confirm_body") }</p>
                        <button id="last-try-send" class="primary" onclick={on_confirm_last_try}>
                            { h("pin.confirm_send") }
                        </button>
                        <button id="last-try-reenter" class="secondary" onclick={on_reenter}>
                            { h("pin.reenter") }
                        </button>
                        <button id="visual-check" class="secondary" onclick={on_visual_check.clone()}>
                            { h("pin.visual_check") }
                        </button>
                    </div>
                } else {
                    { pin_keys(lang, entered, check_in) }
                    <button id="pin-submit" class="primary" disabled={entered != PIN_LEN} onclick={on_submit}>
                        { h("pin.submit") }
                    </button>
                    <button id="visual-check" class="secondary" onclick={on_visual_check}>
                        { h("pin.visual_check") }
                    </button>
                }
            </div>
        </section>
    }
}

/// The dots that count the digits typed, and the keypad (1–9, 「消去」, 0, 「1字消す」), as both PIN pads show them:
/// the check-in's and the 申立書 capture's. Each key goes straight to the check-in's buffer.
pub fn pin_keys(lang: Lang, entered: usize, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let key_button = |digit: char| {
        let check_in = check_in.clone();
        html! {
            <button class="key" data-digit={digit.to_string()} onclick={move |_: MouseEvent| check_in.type_digit(digit)}>
                { digit }
            </button>
        }
    };
    let on_back = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.take_back_digit())
    };
    let on_clear = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.clear_pin())
    };
    html! {
        <>
            <div class="pin-dots" role="status" aria-label={text_n(lang, "pin.entered", entered)}>
                { for (0..PIN_LEN).map(|i| html! {
                    <span class={classes!("dot", (i < entered).then_some("filled"))}></span>
                }) }
            </div>
            <div class="keypad" role="group" aria-label={text(lang, "pin.keypad")}>
                { for ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map(key_button) }
                <button class="key" id="pin-clear" onclick={on_clear}>{ h("pin.clear") }</button>
                { key_button('0') }
                <button class="key" id="pin-back" onclick={on_back}>{ h("pin.back") }</button>
            </div>
        </>
    }
}
