//! The PIN pad: four digits for the card's 利用者証明用 PIN, the tries left, and on the last try a confirmation
//! that offers the visual check instead. Each key goes straight to the [`crate::hooks::use_check_in`] buffer; the
//! pad itself never sees the digits, only how many there are.

use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::{Lang, marked_n, text, text_n};
use crate::screens::ruby;
use crate::state::{Action, PIN_LEN};

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
    /// Submitting asks first: one try is left ([`crate::state::Screen::submit_needs_confirmation`]).
    pub needs_confirmation: bool,
}

/// The pad, the dots and the buttons. Two columns on a landscape kiosk (what to know beside what to press), one on
/// a phone: the OK button stays on screen after a wrong PIN, whatever the warnings above it say.
pub fn pin_pad(lang: Lang, props: &PinPadState, dispatch: &Callback<Action>, check_in: &CheckInHandle) -> Html {
    let t = |key: &str| text(lang, key);
    let h = |key: &str| ruby::shown(lang, key);
    let on_digit = {
        let check_in = check_in.clone();
        Callback::from(move |digit: char| check_in.type_digit(digit))
    };
    let on_back = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.take_back_digit())
    };
    // 「クリア」 empties the pad; 「入力しなおす」 does the same, which also withdraws the pending last-try
    // confirmation (the state machine's rule).
    let on_clear = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.clear_pin())
    };
    let on_submit = {
        let (check_in, dispatch, needs_confirmation) = (check_in.clone(), dispatch.clone(), props.needs_confirmation);
        Callback::from(move |_: MouseEvent| {
            if needs_confirmation {
                // One try left: ask first, keeping the digits, and offer the visual check.
                dispatch.emit(Action::PinSubmitted);
            } else {
                check_in.submit_pin(Action::PinSubmitted);
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
    let keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
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
                        <button id="last-try-reenter" class="secondary" onclick={on_clear.clone()}>
                            { h("pin.reenter") }
                        </button>
                        <button id="visual-check" class="secondary" onclick={on_visual_check.clone()}>
                            { h("pin.visual_check") }
                        </button>
                    </div>
                } else {
                    <div class="pin-dots" role="status" aria-label={text_n(lang, "pin.entered", entered)}>
                        { for (0..PIN_LEN).map(|i| html! {
                            <span class={classes!("dot", (i < entered).then_some("filled"))}></span>
                        }) }
                    </div>
                    <div class="keypad" role="group" aria-label={t("pin.keypad")}>
                        { for keys.iter().map(|&k| key_button(k, on_digit.clone())) }
                        <button class="key" id="pin-clear" onclick={on_clear}>{ h("pin.clear") }</button>
                        { key_button('0', on_digit.clone()) }
                        <button class="key" id="pin-back" onclick={on_back}>{ h("pin.back") }</button>
                    </div>
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

fn key_button(digit: char, on_digit: Callback<char>) -> Html {
    html! {
        <button class="key" data-digit={digit.to_string()} onclick={Callback::from(move |_| on_digit.emit(digit))}>
            { digit }
        </button>
    }
}
