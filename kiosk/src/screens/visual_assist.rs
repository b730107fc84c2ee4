//! The 目視 assist's screen, for staff standing at the kiosk: the form for 照合番号B and what the card answered
//! (wrong, with the tries left; stopped before the last tries, with what to do instead), the card face opening,
//! and, after 不一致, the patient sent to staff. What each step shows is decided in `crate::assist`.

use yew::prelude::*;

use crate::assist::AssistStep;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::Lang;
use crate::screens::assist_face::AssistFace;
use crate::screens::assist_form::AssistForm;
use crate::screens::ruby;

/// The assist at `step`; `back_to_waiting` when staff opened it from the 目視 waiting screen.
pub fn visual_assist(lang: Lang, step: AssistStep, back_to_waiting: bool, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let on_back = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.close_assist(back_to_waiting))
    };
    let on_mismatch = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.assist_mismatch())
    };
    let on_confirm = {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| check_in.assist_confirm())
    };
    if step == AssistStep::Mismatch {
        return html! {
            <section aria-labelledby="heading" class="visual-assist" id="assist" data-step="mismatch">
                <h2 id="heading" tabindex="-1">{ h("assist.mismatch_heading") }</h2>
                <p id="assist-mismatch">{ h("assist.mismatch") }</p>
            </section>
        };
    }
    let said = match step {
        AssistStep::Invalid(problem) => {
            html! { <p id="assist-problem" class="error" role="alert">{ h(problem.message_key()) }</p> }
        }
        AssistStep::Wrong { tries_left } => html! {
            <div id="assist-wrong" role="alert">
                <p class="error">{ ruby::shown_n(lang, "assist.wrong", tries_left) }</p>
                <p>{ h("assist.wrong_next") }</p>
            </div>
        },
        AssistStep::Checking => html! { <p id="assist-checking" role="status">{ h("assist.checking") }</p> },
        AssistStep::Stopped { tries_left, after_wrong } => html! {
            <div id="assist-stopped" role="alert" data-tries-left={tries_left.to_string()}>
                <h3>{ h("assist.stopped_heading") }</h3>
                <p class="error">{ match (tries_left, after_wrong) {
                    (0, _) => h("assist.blocked"),
                    (n, true) => ruby::shown_n(lang, "assist.stopped_wrong", n),
                    (n, false) => ruby::shown_n(lang, "assist.stopped", n),
                } }</p>
                <p>{ h("assist.stopped_next") }</p>
            </div>
        },
        AssistStep::Opened => html! { <p id="assist-opened" role="status">{ h("assist.opened") }</p> },
        AssistStep::Face => html! {
            <>
                <p id="assist-face-intro">{ h("assist.face_intro") }</p>
                <AssistFace lang={lang} check_in={check_in.clone()} />
            </>
        },
        AssistStep::Unverified => {
            html! { <p id="assist-unverified" class="error" role="alert">{ h("assist.unverified") }</p> }
        }
        AssistStep::Form | AssistStep::Mismatch => html! {},
    };
    let data_step = match step {
        AssistStep::Form => "form",
        AssistStep::Invalid(_) => "invalid",
        AssistStep::Wrong { .. } => "wrong",
        AssistStep::Checking => "checking",
        AssistStep::Stopped { .. } => "stopped",
        AssistStep::Opened => "opened",
        AssistStep::Face => "face",
        AssistStep::Unverified => "unverified",
        AssistStep::Mismatch => "mismatch",
    };
    html! {
        <section aria-labelledby="heading" class="visual-assist" id="assist" data-step={data_step}>
            <h2 id="heading" tabindex="-1">{ h("assist.heading") }</h2>
            if step.accepts_a_number() || step == AssistStep::Checking {
                <p id="assist-intro">{ h("assist.intro") }</p>
            }
            { said }
            if step.accepts_a_number() || step == AssistStep::Checking {
                <AssistForm lang={lang} check_in={check_in.clone()} busy={step == AssistStep::Checking} />
            }
            if step == AssistStep::Face {
                <div class="assist-decision">
                    <button id="assist-confirm" class="primary" onclick={on_confirm}>{ h("assist.confirm_button") }</button>
                    <button id="assist-mismatch-button" class="danger" onclick={on_mismatch.clone()}>{ h("assist.mismatch_button") }</button>
                </div>
            } else if step.may_refuse() {
                <button id="assist-mismatch-button" class="danger" onclick={on_mismatch}>{ h("assist.mismatch_button") }</button>
            }
            if step.may_go_back() {
                <button id="assist-back" class="secondary" onclick={on_back}>{ h("assist.back") }</button>
            }
        </section>
    }
}
