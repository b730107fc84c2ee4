//! The 申立書 capture of an outage: the offer under the outage message, the 券面事項入力補助AP's PIN pad, the 4 items
//! for the patient to check (shown only while that step lasts), and the end: the counter has them, with the
//! reference to say there, or the paper form at the counter. Every end says the patient pays their usual share,
//! asks for the card while it is in the reader, and has a 「終了」 button that starts over at once (the screen also
//! clears by itself soon after the card is taken, as the answer's does: `crate::state::Screen::clears_soon`).

use onshi_proto::petition::PetitionItems;
use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::{Lang, marked_n, text};
use crate::petition::PetitionStep;
use crate::screens::pin_pad::pin_keys;
use crate::screens::ruby;
use crate::state::{PIN_LEN, Screen};

/// The offer, under the outage message: fill the 申立書 from the card, or write it at the counter.
pub fn petition_offer(lang: Lang, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let answer = |yes: bool| {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.answer_petition(yes))
    };
    html! {
        <section class="consent offer" id="petition-offer" aria-labelledby="petition-offer-text">
            <p id="petition-offer-text">{ h("petition.offer") }</p>
            <button id="petition-agree" class="primary" onclick={answer(true)}>{ h("petition.agree") }</button>
            <button id="petition-decline" class="secondary" onclick={answer(false)}>{ h("petition.decline") }</button>
        </section>
    }
}

/// The capture's screen at `step`; `card_taken` once the card has left the reader, `on_finish` the 「終了」 button's
/// start over.
pub fn petition(
    lang: Lang,
    step: &PetitionStep,
    card_taken: bool,
    check_in: &CheckInHandle,
    on_finish: &Callback<()>,
) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let body = match step {
        PetitionStep::Offered => petition_offer(lang, check_in),
        PetitionStep::Opening | PetitionStep::Reading => html! { <p role="status">{ h("petition.reading") }</p> },
        PetitionStep::PinEntry { .. } => pin_entry(lang, step, check_in),
        PetitionStep::Review => match check_in.petition_items() {
            Some(items) => review(lang, &items, check_in),
            None => html! { <p role="status">{ h("petition.reading") }</p> },
        },
        PetitionStep::Sending => html! { <p role="status">{ h("petition.sending") }</p> },
        PetitionStep::Sent { reference } => html! {
            <>
                <p>{ h("petition.sent") }</p>
                <p class="reference">
                    { h("petition.reference") }{ " " }
                    <strong id="petition-reference">{ reference.clone() }</strong>
                </p>
            </>
        },
        PetitionStep::Declined => html! { <p id="petition-declined">{ h("petition.declined") }</p> },
        PetitionStep::Failed(failure) => {
            html! { <p role="alert" id="petition-failed">{ h(failure.message_key()) }</p> }
        }
    };
    let heading = match step {
        PetitionStep::Sent { .. } => "petition.sent_heading",
        PetitionStep::Review => "petition.review_heading",
        PetitionStep::PinEntry { .. } => "petition.pin_heading",
        _ => "error.heading",
    };
    // The end leaves nothing to do here but take the card and go: the button lets the patient clear the screen
    // (their reference with it) before the next patient steps up.
    let end = step.is_finished().then(|| {
        html! {
            <>
                if !card_taken {
                    <p class="remove">{ h("result.remove_card") }</p>
                }
                <button id="petition-finish" class="primary" onclick={on_finish.reform(|_: MouseEvent| ())}>
                    { h("petition.finish") }
                </button>
            </>
        }
    });
    html! {
        <section aria-labelledby="heading" class="petition" id="petition" data-step={step_name(step)}
            data-card-taken={card_taken.to_string()}>
            <h2 id="heading" tabindex="-1">{ h(heading) }</h2>
            { body }
            { for end }
        </section>
    }
}

/// The step's name, for the page's `data-step` (tests wait on it).
fn step_name(step: &PetitionStep) -> &'static str {
    match step {
        PetitionStep::Offered => "offered",
        PetitionStep::Opening => "opening",
        PetitionStep::PinEntry { .. } => "pin",
        PetitionStep::Reading => "reading",
        PetitionStep::Review => "review",
        PetitionStep::Sending => "sending",
        PetitionStep::Sent { .. } => "sent",
        PetitionStep::Declined => "declined",
        PetitionStep::Failed(_) => "failed",
    }
}

/// The 4 items, to check, and the choice to send them or not.
fn review(lang: Lang, items: &PetitionItems, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let answer = |yes: bool| {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.answer_petition(yes))
    };
    let row = |id: &str, key: &str, value: String| {
        html! { <><dt>{ h(key) }</dt><dd id={id.to_owned()}>{ value }</dd></> }
    };
    html! {
        <>
            <p class="hint">{ h("petition.review_hint") }</p>
            <dl class="petition-items">
                { row("petition-name", "petition.name", items.name.clone()) }
                { row("petition-birth-date", "petition.birth_date", items.birth_date.to_string()) }
                { row("petition-sex", "petition.sex", text(lang, &format!("petition.sex.{}", items.sex.as_str()))) }
                { row("petition-address", "petition.address", items.address.clone()) }
            </dl>
            <button id="petition-send" class="primary" onclick={answer(true)}>{ h("petition.send") }</button>
            <button id="petition-dont-send" class="secondary" onclick={answer(false)}>{ h("petition.dont_send") }</button>
        </>
    }
}

/// The 券面事項入力補助AP's PIN pad: the digits go straight to the check-in's buffer, as on the check-in's pad, and
/// the same keys work (`crate::keys`). At one try left OK asks first, as the check-in's pad does: a wrong PIN then
/// locks this AP until the municipal office resets it. A patient who does not know this PIN writes the form at the
/// counter instead, without taking the card out.
fn pin_entry(lang: Lang, step: &PetitionStep, check_in: &CheckInHandle) -> Html {
    let &PetitionStep::PinEntry { tries_left, entered, last_was_wrong, confirming_last_try } = step else {
        return Html::default();
    };
    let h = |key: &str| ruby::shown(lang, key);
    let on_reenter = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.clear_pin())
    };
    // The one rule of what OK does lives with the screens' state (`Screen::pin_submit`).
    let ok = Screen::petition(step.clone()).pin_submit();
    let on_submit = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(submit) = ok.clone() {
                check_in.press_pin_ok(submit);
            }
        })
    };
    let on_confirm = {
        let (check_in, confirmation) = (check_in.clone(), Screen::petition(step.clone()).last_try_confirmation());
        Callback::from(move |_: MouseEvent| {
            if let Some(action) = confirmation.clone() {
                check_in.submit_pin(action);
            }
        })
    };
    let on_paper = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.answer_petition(false))
    };
    html! {
        <>
            <p class="hint" id="petition-pin-keys">{ h("pin.keys_hint") }</p>
            if last_was_wrong {
                <p class="warning" role="alert">{ h("pin.wrong") }</p>
            }
            <p id="petition-tries-left" class={classes!("tries", (tries_left <= 1).then_some("danger"))}>
                { ruby::rich(&marked_n(lang, "pin.tries_left", tries_left)) }
            </p>
            if tries_left == 1 && !confirming_last_try {
                <p class="warning" role="alert" id="petition-last-try">{ h("petition.last_try") }</p>
            }
            if confirming_last_try {
                <div id="petition-last-try-confirm" class="confirm" role="alertdialog" aria-modal="false"
                    aria-labelledby="petition-confirm-heading" aria-describedby="petition-confirm-body">
                    <h3 id="petition-confirm-heading">{ h("pin.confirm_heading") }</h3>
                    <p id="petition-confirm-body">{ h("petition.confirm_body") }</p>
                    <button id="petition-confirm-send" class="primary" onclick={on_confirm}>
                        { h("petition.confirm_send") }
                    </button>
                    <button id="petition-reenter" class="secondary" onclick={on_reenter}>{ h("pin.reenter") }</button>
                    <button id="petition-pin-paper" class="secondary" onclick={on_paper.clone()}>
                        { h("petition.pin_paper") }
                    </button>
                </div>
            } else {
                { pin_keys(lang, entered, check_in) }
                <button id="petition-pin-submit" class="primary" disabled={entered != PIN_LEN} onclick={on_submit}>
                    { h("petition.pin_submit") }
                </button>
                <button id="petition-pin-paper" class="secondary" onclick={on_paper}>
                    { h("petition.pin_paper") }
                </button>
            }
        </>
    }
}
