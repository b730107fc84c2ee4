//! The resolution of a held record: 理由付き疑いなし with a required reason, or the corrected 個人番号, which the
//! origin checks against 住基 again as it checks a batch row. On a hold the 住基 comparison raised, the first
//! clerk's 理由付き疑いなし is a proposal and a second clerk's confirms it; the same clerk again is told so. What the page can check is checked before sending (a
//! reason of 1 to 200 characters, 12 digits); every refusal is said as a sentence and the typed text is kept.
//!
//! Must not: send a decision without a reason or a number; lose what the clerk typed on a refusal.

use onshi_proto::ErrorCode;
use onshi_proto::insurer::{DecisionOutcome, HoldResolution, Reason};
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::client::{self, Session};
use crate::text::{ends_session, error_key, t};

/// The form's inputs.
#[derive(Properties, PartialEq)]
pub struct ResolutionProps {
    /// The signed-in clerk's session.
    pub session: Session,
    /// The page's language.
    pub lang: Lang,
    /// The held record.
    pub person_id: String,
    /// Fired with what the decision did.
    pub on_resolved: Callback<DecisionOutcome>,
    /// The edge answered that the session is over.
    pub on_session_lost: Callback<ErrorCode>,
}

/// The resolution form.
#[function_component(Resolution)]
pub fn resolution(props: &ResolutionProps) -> Html {
    let lang = props.lang;
    let corrected = use_state(|| false);
    let reason = use_node_ref();
    let number = use_node_ref();
    let problem = use_state(|| None::<(&'static str, Option<&'static str>)>);
    let busy = use_state(|| false);

    let choose = |value: bool| {
        let (corrected, problem) = (corrected.clone(), problem.clone());
        Callback::from(move |_: Event| {
            corrected.set(value);
            problem.set(None);
        })
    };
    let onsubmit = {
        let (corrected, reason, number, problem, busy) =
            (*corrected, reason.clone(), number.clone(), problem.clone(), busy.clone());
        let (session, person_id) = (props.session.clone(), props.person_id.clone());
        let (on_resolved, lost) = (props.on_resolved.clone(), props.on_session_lost.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let body = if corrected {
                let typed = number.cast::<web_sys::HtmlInputElement>().map(|input| input.value()).unwrap_or_default();
                let typed = typed.trim().to_owned();
                if typed.len() != 12 || !typed.bytes().all(|b| b.is_ascii_digit()) {
                    problem.set(Some(("insurer.resolution.number_form", Some("resolution-number"))));
                    onshi_web::page::focus("resolution-number");
                    return;
                }
                HoldResolution::Corrected { individual_number: typed }
            } else {
                let typed =
                    reason.cast::<web_sys::HtmlTextAreaElement>().map(|input| input.value()).unwrap_or_default();
                let Some(reason) = Reason::parse(&typed) else {
                    problem.set(Some(("insurer.resolution.reason_required", Some("resolution-reason"))));
                    onshi_web::page::focus("resolution-reason");
                    return;
                };
                HoldResolution::NoSuspicion { reason: reason.as_str().to_owned() }
            };
            problem.set(None);
            busy.set(true);
            let (session, person_id, problem, busy) =
                (session.clone(), person_id.clone(), problem.clone(), busy.clone());
            let (on_resolved, lost) = (on_resolved.clone(), lost.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = client::resolve(&session, &person_id, &body).await;
                busy.set(false);
                match outcome {
                    Ok(outcome) => on_resolved.emit(outcome),
                    Err(code) if ends_session(code) => lost.emit(code),
                    // On this route `forbidden` means the clerk tried to confirm their own proposal to release a
                    // hold the 住基 comparison raised (the device and the session already hold, or the page would
                    // not be here).
                    Err(ErrorCode::Forbidden) => problem.set(Some(("insurer.resolution.same_clerk", None))),
                    Err(code) => problem.set(Some((error_key(code), None))),
                }
            });
        })
    };
    let invalid = |field: &str| problem.and_then(|(_, at)| at).is_some_and(|at| at == field).to_string();
    html! {
        <form id="resolution" onsubmit={onsubmit} aria-labelledby="resolution-heading" novalidate=true>
            <h3 id="resolution-heading">{ t(lang, "insurer.resolution.heading") }</h3>
            <fieldset>
                <legend>{ t(lang, "insurer.resolution.choice") }</legend>
                <label class="choice">
                    <input type="radio" name="resolution" id="resolution-no-suspicion" checked={!*corrected}
                        onchange={choose(false)} />
                    { t(lang, "insurer.resolution.kind.no_suspicion") }
                </label>
                <label class="choice">
                    <input type="radio" name="resolution" id="resolution-corrected" checked={*corrected}
                        onchange={choose(true)} />
                    { t(lang, "insurer.resolution.kind.corrected") }
                </label>
            </fieldset>
            if *corrected {
                <label for="resolution-number">{ t(lang, "insurer.resolution.number_label") }</label>
                <input id="resolution-number" ref={number} inputmode="numeric" autocomplete="off" maxlength="12"
                    aria-invalid={invalid("resolution-number")}
                    aria-describedby={problem.is_some().then_some("resolution-error")} />
            } else {
                <label for="resolution-reason">{ t(lang, "insurer.resolution.reason_label") }</label>
                <textarea id="resolution-reason" ref={reason} rows="3" maxlength="200"
                    aria-invalid={invalid("resolution-reason")}
                    aria-describedby={problem.is_some().then_some("resolution-error")} />
            }
            if let Some((key, _)) = *problem {
                <p id="resolution-error" role="alert" class="warning">{ t(lang, key) }</p>
            }
            <button id="resolution-submit" class="primary" type="submit" disabled={*busy}>
                { t(lang, "insurer.resolution.submit") }
            </button>
        </form>
    }
}
