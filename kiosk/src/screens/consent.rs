//! The consent question under the answer, asked as the national reader asks it: first whether the facility may see
//! the patient's information (all of it with one tap, single kinds, or none), then, for a holder of a
//! 特定疾病療養受療証 only, whether it may see that certificate's information (its own consent, which 包括同意 does not
//! cover), then how they want the prescription (電子処方箋 or 紙), whose tap sends the answer. Each button carries the number of the key that presses it, for a
//! numeric keypad. What was recorded, and what an earlier visit agreed to that is still live, is said once the
//! answer is in.
//!
//! Must not: send a consent without a prescription format, or name an earlier grant as this answer.

use onshi_proto::origin::{ConsentKind, PrescriptionFormat};
use yew::prelude::*;

use crate::checkin::task::UiCommand;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::{Lang, jst_date_time, text, text_with};
use crate::screens::ruby;
use crate::state::{
    Action, ConsentStage, ConsentStep, PRESCRIPTION_ORDER, SINGLE_CONSENT_KINDS, SPECIFIC_DISEASE_ORDER, SharingChoice,
};

/// The resource key and element id of each kind.
fn consent_key(kind: ConsentKind) -> (&'static str, &'static str) {
    match kind {
        ConsentKind::Comprehensive => ("consent.comprehensive", "consent-comprehensive"),
        ConsentKind::Diagnosis => ("consent.diagnosis", "consent-diagnosis"),
        ConsentKind::Medication => ("consent.medication", "consent-medication"),
        ConsentKind::Operation => ("consent.operation", "consent-operation"),
        ConsentKind::HealthCheckup => ("consent.health_checkup", "consent-health-checkup"),
        ConsentKind::SpecificDisease => ("consent.specific_disease", "consent-specific-disease"),
    }
}

/// The resource key and element id of each answer to the first question.
fn sharing_key(choice: SharingChoice) -> (&'static str, &'static str) {
    match choice {
        SharingChoice::All => ("consent.comprehensive", "consent-comprehensive"),
        SharingChoice::Choose => ("consent.choose", "consent-choose"),
        SharingChoice::None => ("consent.decline", "consent-decline"),
    }
}

/// The resource key and element id of each prescription format.
fn prescription_key(format: PrescriptionFormat) -> (&'static str, &'static str) {
    match format {
        PrescriptionFormat::Electronic => ("consent.prescription_electronic", "prescription-electronic"),
        PrescriptionFormat::Paper => ("consent.prescription_paper", "prescription-paper"),
    }
}

/// A one-tap answer: a large button with the number of the key that presses it.
fn numbered_button(
    number: usize,
    id: &'static str,
    class: &'static str,
    label: Html,
    onclick: Callback<MouseEvent>,
) -> Html {
    html! {
        <button id={id} class={classes!("numbered", class)} {onclick}>
            <span class="key-number" aria-hidden="true">{ number }</span>
            <span>{ label }</span>
        </button>
    }
}

/// The consent question under the answer, one question at a time. No question is shown where no current
/// qualification could record it.
pub fn consent(lang: Lang, step: &ConsentStep, dispatch: &Callback<Action>, check_in: &CheckInHandle) -> Html {
    let t = |key: &str| text(lang, key);
    let h = |key: &str| ruby::shown(lang, key);
    let skip = html! {
        <button id="consent-skip" class="link" onclick={dispatch.reform(|_: MouseEvent| Action::ConsentSkipped)}>
            { h("consent.skip") }
        </button>
    };
    let back = html! {
        <button id="consent-back" class="link" onclick={dispatch.reform(|_: MouseEvent| Action::ConsentBack)}>
            { h("consent.back") }
        </button>
    };
    let body = match step {
        ConsentStep::NotAsked => return html! {},
        // Asked first, as the national reader asks it, only when a 受給者証 is on record; which one is not said
        // before the patient agrees to use it.
        ConsentStep::Asking { stage: ConsentStage::Certificates, .. } => {
            let yes = {
                let check_in = check_in.clone();
                Callback::from(move |_: MouseEvent| {
                    check_in.send(Action::CertificatesAnswered(true), UiCommand::UseRecipientCertificates);
                })
            };
            html! {
                <>
                    <p class="consent-body" id="certificates-question">{ h("consent.certificates_question") }</p>
                    <div class="answer-buttons" role="group" aria-labelledby="certificates-question">
                        { numbered_button(1, "certificates-yes", "primary", h("consent.certificates_yes"), yes) }
                        { numbered_button(2, "certificates-no", "secondary", h("consent.certificates_no"),
                            dispatch.reform(|_| Action::CertificatesAnswered(false))) }
                    </div>
                    { skip }
                </>
            }
        }
        ConsentStep::Asking { stage: ConsentStage::Sharing, .. } => html! {
            <>
                <p class="consent-body" id="consent-question">{ h("consent.body") }</p>
                <div class="answer-buttons" role="group" aria-labelledby="consent-question">
                    { for SharingChoice::ORDER.iter().enumerate().map(|(index, &choice)| {
                        let (key, id) = sharing_key(choice);
                        let class = if choice == SharingChoice::None { "secondary" } else { "primary" };
                        numbered_button(index + 1, id, class, h(key), dispatch.reform(move |_| Action::SharingAnswered(choice)))
                    }) }
                </div>
                { skip }
            </>
        },
        ConsentStep::Asking { stage: ConsentStage::Choosing, chosen } => html! {
            <>
                <fieldset class="consent-kinds">
                    <legend>{ h("consent.legend") }</legend>
                    { for SINGLE_CONSENT_KINDS.iter().enumerate().map(|(index, &kind)| {
                        let (key, id) = consent_key(kind);
                        let on_toggle = dispatch.reform(move |_: Event| Action::ToggleConsent(kind));
                        html! {
                            <label class="check" for={id}>
                                <input type="checkbox" id={id} checked={chosen.contains(&kind)} onchange={on_toggle} />
                                <span class="key-number" aria-hidden="true">{ index + 1 }</span>
                                <span>{ h(key) }</span>
                            </label>
                        }
                    }) }
                </fieldset>
                <div class="answer-buttons">
                    <button id="consent-agree" class="primary" disabled={chosen.is_empty()}
                        onclick={dispatch.reform(|_: MouseEvent| Action::KindsChosen)}>{ h("consent.agree") }</button>
                </div>
                { back }
            </>
        },
        // Its own question, after the sharing one: 包括同意 does not cover it. It names no disease: the screen is
        // seen by the waiting room, and the kiosk's answer never carries one.
        ConsentStep::Asking { stage: ConsentStage::SpecificDisease, .. } => html! {
            <>
                <p class="consent-body" id="specific-disease-question">{ h("consent.specific_disease_question") }</p>
                <p id="specific-disease-hint" class="hint">{ h("consent.specific_disease_hint") }</p>
                <div class="answer-buttons" role="group" aria-labelledby="specific-disease-question"
                    aria-describedby="specific-disease-hint">
                    { for SPECIFIC_DISEASE_ORDER.iter().enumerate().map(|(index, &agreed)| {
                        let (key, id, class) = if agreed {
                            ("consent.specific_disease_yes", "specific-disease-yes", "primary")
                        } else {
                            ("consent.specific_disease_no", "specific-disease-no", "secondary")
                        };
                        numbered_button(index + 1, id, class, h(key), dispatch.reform(move |_| Action::SpecificDiseaseAnswered(agreed)))
                    }) }
                </div>
                { back }
            </>
        },
        ConsentStep::Asking { stage: ConsentStage::Prescription, chosen } => {
            let kinds = ConsentStep::to_send(chosen);
            html! {
                <>
                    <p class="consent-body" id="prescription-question">{ h("consent.prescription_legend") }</p>
                    <p id="prescription-hint" class="hint">{ h("consent.prescription_hint") }</p>
                    <div class="answer-buttons" role="group" aria-labelledby="prescription-question"
                        aria-describedby="prescription-hint">
                        { for PRESCRIPTION_ORDER.iter().enumerate().map(|(index, &format)| {
                            let (key, id) = prescription_key(format);
                            let (check_in, kinds) = (check_in.clone(), kinds.clone());
                            let send = Callback::from(move |_: MouseEvent| {
                                check_in.send(
                                    Action::ConsentSubmitted(format),
                                    UiCommand::Consent { kinds: kinds.clone(), prescription: format },
                                );
                            });
                            numbered_button(index + 1, id, "primary", h(key), send)
                        }) }
                    </div>
                    { back }
                </>
            }
        }
        ConsentStep::Sending { .. } => html! { <p role="status">{ h("consent.sending") }</p> },
        ConsentStep::Recorded { agreed, prescription, .. } => {
            let names = |kinds: &[ConsentKind]| -> String {
                kinds.iter().map(|&kind| t(consent_key(kind).0)).collect::<Vec<_>>().join("・")
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
                        text_with(lang, "consent.until", &[("kind", &t(consent_key(grant.kind).0)), ("n", &until)])
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
                        { h("consent.prescription_recorded") }{ " " }<strong>{ h(prescription_key(*prescription).0) }</strong>
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
            <h3 id="consent-heading" tabindex="-1">{ h("consent.heading") }</h3>
            { body }
        </section>
    }
}
