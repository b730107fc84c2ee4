//! `MedicalTimeline`: the panel staff open from a consented check-in row. It shows one kind at a time (the kinds
//! the patient's live consents open, as buttons), a page at a time with previous and next, and asks the edge for
//! each page as it is shown, so a consent withdrawn or lapsed meanwhile stops the next page with its typed refusal.
//! Focus moves to its heading when it opens.

use onshi_proto::ErrorCode;
use onshi_proto::medical_record::{MedicalRecordKind, MedicalRecordPage, MedicalRecords, StaffMedicalRecordRequest};
use onshi_web::i18n::Lang;
use onshi_web::page;
use yew::prelude::*;

use crate::client;
use crate::medical::checkup_table::CheckupTable;
use crate::medical::medication_list::MedicationList;
use crate::medical::procedure_list::ProcedureList;
use crate::text::{STAFF, error_key, t};

/// Properties of [`MedicalTimeline`].
#[derive(Properties, PartialEq)]
pub struct MedicalTimelineProps {
    /// The staff token.
    pub token: String,
    /// The check-in whose patient's information is shown.
    pub checkin_id: String,
    /// The patient's name, for the heading.
    pub name: Option<String>,
    /// The kinds the patient's consents open, in order; the first is shown first.
    pub kinds: Vec<MedicalRecordKind>,
    /// The console's language.
    pub lang: Lang,
    /// Closes the panel.
    pub on_close: Callback<()>,
}

/// What the panel shows.
#[derive(Clone, PartialEq)]
enum Shown {
    Loading,
    Page(MedicalRecordPage),
    Refused(&'static str),
}

/// The panel.
#[function_component(MedicalTimeline)]
pub fn medical_timeline(props: &MedicalTimelineProps) -> Html {
    let lang = props.lang;
    let kind = use_state(|| props.kinds.first().copied().unwrap_or(MedicalRecordKind::Medication));
    let page_number = use_state(|| 0u32);
    let shown = use_state(|| Shown::Loading);

    use_effect_with(props.checkin_id.clone(), |_| page::focus("medical-heading"));

    {
        let shown = shown.clone();
        let token = props.token.clone();
        use_effect_with((props.checkin_id.clone(), *kind, *page_number), move |(checkin_id, kind, number)| {
            shown.set(Shown::Loading);
            let request = checkin_id.as_str().try_into().ok().and_then(|checkin_id| {
                Some(StaffMedicalRecordRequest { checkin_id, kind: *kind, page: (*number).try_into().ok()? })
            });
            wasm_bindgen_futures::spawn_local(async move {
                let answer = match request {
                    Some(request) => client::medical_records(&token, &request).await,
                    None => Err(ErrorCode::BadRequest),
                };
                shown.set(match answer {
                    Ok(page) => Shown::Page(page),
                    Err(code) => Shown::Refused(error_key(code)),
                });
                page::mark(page::STAFF_SCREEN, "medical");
            });
        });
    }

    let choose = |wanted: MedicalRecordKind| {
        let kind = kind.clone();
        let page_number = page_number.clone();
        Callback::from(move |_: MouseEvent| {
            kind.set(wanted);
            page_number.set(0);
        })
    };
    let turn = |to: u32| {
        let page_number = page_number.clone();
        Callback::from(move |_: MouseEvent| page_number.set(to))
    };
    let on_close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let heading = STAFF.fill(lang, "staff.medical.heading", &[("name", props.name.as_deref().unwrap_or("—"))]);
    let body = match &*shown {
        Shown::Loading => html! { <p class="loading" aria-busy="true">{ t(lang, "staff.medical.loading") }</p> },
        Shown::Refused(key) => html! { <p id="medical-error" role="alert" class="warning">{ t(lang, key) }</p> },
        Shown::Page(page) => {
            let entries = match &page.records {
                MedicalRecords::Medication { entries } if !entries.is_empty() => {
                    html! { <MedicationList entries={entries.clone()} lang={lang} /> }
                }
                MedicalRecords::HealthCheckup { entries } if !entries.is_empty() => {
                    html! { <CheckupTable entries={entries.clone()} lang={lang} /> }
                }
                MedicalRecords::Diagnosis { entries } | MedicalRecords::Operation { entries }
                    if !entries.is_empty() =>
                {
                    html! { <ProcedureList kind={page.records.kind()} entries={entries.clone()} lang={lang} /> }
                }
                _ => html! { <p class="empty">{ t(lang, "staff.medical.empty") }</p> },
            };
            let number = page.page;
            html! {
                <>
                    { entries }
                    <nav class="pages" aria-label={t(lang, "staff.medical.pages")}>
                        if number > 0 {
                            <button id="medical-previous" type="button" class="secondary" onclick={turn(number - 1)}>
                                { t(lang, "staff.medical.previous") }
                            </button>
                        }
                        <span class="page-number" aria-live="polite">
                            { STAFF.fill(lang, "staff.medical.page", &[("page", &(number + 1).to_string())]) }
                        </span>
                        if let Some(next) = page.next_page {
                            <button id="medical-next" type="button" class="secondary" onclick={turn(next)}>
                                { t(lang, "staff.medical.next") }
                            </button>
                        }
                    </nav>
                </>
            }
        }
    };
    html! {
        <section id="medical" aria-labelledby="medical-heading" data-checkin={props.checkin_id.clone()}
                 data-kind={kind.as_str()}>
            <h2 id="medical-heading" tabindex="-1">{ heading }</h2>
            <button id="medical-close" type="button" class="secondary" onclick={on_close}>{ t(lang, "staff.medical.close") }</button>
            <div class="kinds" role="group" aria-label={t(lang, "staff.medical.kinds")}>
                { for props.kinds.iter().map(|&choice| html! {
                    <button type="button" class="kind" data-kind={choice.as_str()}
                            aria-pressed={(choice == *kind).to_string()} onclick={choose(choice)}>
                        { t(lang, &format!("staff.medical.kind.{}", choice.as_str())) }
                    </button>
                }) }
            </div>
            { body }
        </section>
    }
}
