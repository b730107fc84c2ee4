//! The consent question under the answer: 包括同意 or single kinds, each for 24 hours, or nothing; and, required on
//! the same screen, how the patient wants the prescription (電子処方箋 or 紙). What was recorded, and what an earlier
//! visit agreed to that is still live, is said once the answer is in.
//!
//! Must not: send a consent without a prescription format, or name an earlier grant as this answer.

use onshi_proto::origin::{ConsentKind, PrescriptionFormat};
use yew::prelude::*;

use crate::checkin::task::UiCommand;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::{Lang, jst_date_time, text, text_with};
use crate::screens::ruby;
use crate::state::{Action, ConsentStep};

/// The consent kinds in the order the question lists them, with their resource keys and element ids.
const CONSENT_KINDS: [(ConsentKind, &str, &str); 5] = [
    (ConsentKind::Comprehensive, "consent.comprehensive", "consent-comprehensive"),
    (ConsentKind::Diagnosis, "consent.diagnosis", "consent-diagnosis"),
    (ConsentKind::Medication, "consent.medication", "consent-medication"),
    (ConsentKind::Operation, "consent.operation", "consent-operation"),
    (ConsentKind::HealthCheckup, "consent.health_checkup", "consent-health-checkup"),
];

fn consent_key(kind: ConsentKind) -> &'static str {
    CONSENT_KINDS.iter().find(|(k, _, _)| *k == kind).map_or("consent.comprehensive", |(_, key, _)| key)
}

/// The prescription formats in the order the question lists them, with their resource keys and element ids.
const PRESCRIPTION_FORMATS: [(PrescriptionFormat, &str, &str); 2] = [
    (PrescriptionFormat::Electronic, "consent.prescription_electronic", "prescription-electronic"),
    (PrescriptionFormat::Paper, "consent.prescription_paper", "prescription-paper"),
];

fn prescription_key(format: PrescriptionFormat) -> &'static str {
    PRESCRIPTION_FORMATS.iter().find(|(f, _, _)| *f == format).map_or("consent.prescription_paper", |(_, key, _)| key)
}

/// What the consent question reports back.
struct ConsentCallbacks {
    /// A kind was ticked or unticked.
    toggle: Callback<ConsentKind>,
    /// A prescription format was chosen.
    prescription: Callback<PrescriptionFormat>,
    /// Agree (`true`) or decline (`false`) was pressed.
    send: Callback<bool>,
    /// The patient chose to tell the desk instead of answering here.
    skip: Callback<MouseEvent>,
}

/// The consent question under the answer: 包括同意 or single kinds, each for 24 hours, or nothing; and, required
/// on the same screen, how the patient wants the prescription (電子処方箋 or 紙). No question is shown where no
/// current qualification could record it.
pub fn consent(lang: Lang, step: &ConsentStep, dispatch: &Callback<Action>, check_in: &CheckInHandle) -> Html {
    let t = |key: &str| text(lang, key);
    let h = |key: &str| ruby::shown(lang, key);
    let check_in = check_in.clone();
    let callbacks = ConsentCallbacks {
        toggle: dispatch.reform(Action::ToggleConsent),
        prescription: dispatch.reform(Action::ChoosePrescription),
        send: {
            let (chosen, prescription) = match step {
                ConsentStep::Asking { chosen, prescription } => (chosen.clone(), *prescription),
                _ => (Vec::new(), None),
            };
            Callback::from(move |agree: bool| {
                // The buttons are disabled until a prescription format is chosen; nothing is sent without one.
                let Some(prescription) = prescription else { return };
                let kinds = if agree { ConsentStep::to_send(&chosen) } else { Vec::new() };
                check_in.send(Action::ConsentSubmitted, UiCommand::Consent { kinds, prescription });
            })
        },
        skip: dispatch.reform(|_: MouseEvent| Action::ConsentSkipped),
    };
    let body = match step {
        ConsentStep::NotAsked => return html! {},
        ConsentStep::Asking { chosen, prescription } => {
            let comprehensive = chosen.contains(&ConsentKind::Comprehensive);
            html! {
                <>
                    <p class="consent-body">{ h("consent.body") }</p>
                    <fieldset class="consent-kinds">
                        <legend>{ h("consent.legend") }</legend>
                        { for CONSENT_KINDS.iter().map(|&(kind, key, id)| {
                            let on_toggle = callbacks.toggle.clone();
                            // 包括同意 already covers every single kind, so those are shown ticked and fixed.
                            let covered = comprehensive && kind != ConsentKind::Comprehensive;
                            html! {
                                <label class={classes!("check", (kind == ConsentKind::Comprehensive).then_some("all"))}
                                    for={id}>
                                    <input type="checkbox" id={id} checked={chosen.contains(&kind) || covered}
                                        disabled={covered} onchange={Callback::from(move |_: Event| on_toggle.emit(kind))} />
                                    <span>{ h(key) }</span>
                                </label>
                            }
                        }) }
                    </fieldset>
                    <fieldset class="prescription" id="prescription" aria-describedby="prescription-hint">
                        <legend>{ h("consent.prescription_legend") }</legend>
                        <p id="prescription-hint" class="hint">{ h("consent.prescription_hint") }</p>
                        <div class="choices">
                            { for PRESCRIPTION_FORMATS.iter().map(|&(format, key, id)| {
                                let on_choose = callbacks.prescription.clone();
                                html! {
                                    <label class="check choice" for={id}>
                                        <input type="radio" name="prescription" id={id} required=true
                                            value={format.as_str()} checked={*prescription == Some(format)}
                                            onchange={Callback::from(move |_: Event| on_choose.emit(format))} />
                                        <span>{ h(key) }</span>
                                    </label>
                                }
                            }) }
                        </div>
                    </fieldset>
                    <div class="answer-buttons">
                        <button id="consent-agree" class="primary" disabled={chosen.is_empty() || prescription.is_none()}
                            onclick={callbacks.send.reform(|_: MouseEvent| true)}>{ h("consent.agree") }</button>
                        <button id="consent-decline" class="secondary" disabled={prescription.is_none()}
                            onclick={callbacks.send.reform(|_: MouseEvent| false)}>
                            { h("consent.decline") }
                        </button>
                    </div>
                    <button id="consent-skip" class="link" onclick={callbacks.skip.clone()}>{ h("consent.skip") }</button>
                </>
            }
        }
        ConsentStep::Sending { .. } => html! { <p role="status">{ h("consent.sending") }</p> },
        ConsentStep::Recorded { agreed, prescription, .. } => {
            let names = |kinds: &[ConsentKind]| -> String {
                kinds.iter().map(|&kind| t(consent_key(kind))).collect::<Vec<_>>().join("・")
            };
            let consent_line = if agreed.is_empty() {
                html! { <p id="consent-recorded" role="status" data-kinds="">{ h("consent.declined") }</p> }
            } else {
                let data: Vec<&str> = agreed.iter().map(|&kind| kind.as_str()).collect();
                html! {
                    <p id="consent-recorded" role="status" data-kinds={data.join(",")}>
                        { h("consent.recorded") }{ " " }<strong>{ names(agreed) }</strong>
                    </p>
                }
            };
            // What an earlier visit agreed to stays live until it lapses; it is named as such, never as this answer.
            let still_live = step.live_from_before();
            let earlier_line = if still_live.is_empty() {
                html! {}
            } else {
                let items: Vec<String> = still_live
                    .iter()
                    .map(|grant| {
                        let until = jst_date_time(grant.expires_at);
                        text_with(lang, "consent.until", &[("kind", &t(consent_key(grant.kind))), ("n", &until)])
                    })
                    .collect();
                let data: Vec<&str> = still_live.iter().map(|grant| grant.kind.as_str()).collect();
                html! {
                    <p id="consent-still-live" data-kinds={data.join(",")}>
                        { h("consent.still_live") }{ " " }<strong>{ items.join("・") }</strong>
                    </p>
                }
            };
            html! {
                <>
                    { consent_line }
                    { earlier_line }
                    <p id="prescription-recorded" data-prescription={prescription.as_str()}>
                        { h("consent.prescription_recorded") }{ " " }<strong>{ h(prescription_key(*prescription)) }</strong>
                    </p>
                </>
            }
        }
        ConsentStep::Skipped => html! { <p id="consent-skipped" role="status">{ h("consent.skipped") }</p> },
        ConsentStep::Failed => {
            html! { <p id="consent-failed" class="warning" role="alert">{ h("consent.failed") }</p> }
        }
    };
    html! {
        <section class="consent" id="consent" aria-labelledby="consent-heading" data-open={step.is_open().to_string()}>
            <h3 id="consent-heading">{ h("consent.heading") }</h3>
            { body }
        </section>
    }
}
