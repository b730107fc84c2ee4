//! The staff console page (`/staff`): enrolment of the browser as the facility's staff console on first use
//! ([`EnrolmentForm`], [`crate::device`]), login with a one-time staff code, the day's check-ins with their
//! qualification results read at a glance (負担割合 only for 有効, the 資格喪失日 and its own guidance for 無効,
//! 特定疾病 and 限度額適用区分, the kiosk's name) and the patient's prescription choice, pending visual checks with
//! approve / refuse (and a clear notice when the decision could not happen, e.g. the kiosk withdrew the request),
//! a consent withdrawal the patient asks for at the counter (recorded from their row, which then says so), and the
//! number-based check with its 特定疾病 list.
//!
//! Every text comes from the console's own resource files ([`crate::text`]) in the language chosen on the switcher
//! shown on every screen; the page's and the main region's `lang` attributes follow it. Names and insurers stay
//! marked as Japanese, as the records hold them; a 無効 answer and a 特定疾病 are read in Japanese whatever the
//! language, with the translation beside ([`japanese_first`]). Dates are 和暦 with 西暦 beside.
//!
//! The staff token lives in this component's state only: a reload logs staff out, and nothing is written to
//! storage. Every screen change marks `onshi:staff:<name>` on the page's performance timeline, like the kiosk.

use onshi_proto::api::StaffSessionResponse;
use onshi_proto::bridge_health::BridgeStatus;
use onshi_proto::bridge_link::TerminalAnswer;
use onshi_proto::origin::{
    AuthMethod, CheckIn, CheckInList, ElderlyShare, ExpiryNotice, PendingVisualCheck, PrescriptionFormat,
    VisualCheckPerson, VisualCheckReason,
};
use onshi_proto::qualification::{QualificationAnswer, QualificationRecord};
use onshi_proto::{ErrorCode, IsoDate};
use yew::prelude::*;

use crate::bridge_status::BridgeBanner;
use crate::bulk_panel::BulkPanel;
use crate::checkin_pages::LoadedCheckIns;
use crate::client;
use crate::consent_withdrawal::ConsentWithdrawal;
use crate::form::{BirthDateReading, FIELD_IDS, FormProblem, NumberForm};
use crate::medical::timeline::MedicalTimeline;
use crate::outage::detection::{Observation, ServiceState, ServiceWatch};
use crate::outage::panel::{OutagePanel, now_unix};
use crate::public_expense_list::PublicExpenseList;
use crate::register_panel::{RegisterPanel, SharedRegister};
use crate::row_match::RowMatch;
use crate::specific_disease_list::SpecificDiseaseList;
use crate::terminal_answer::TerminalAnswerView;
use crate::text::{
    STAFF, advice_key, by_number_found_nothing, date_text, dated_text, decision_notice_key, disease_line,
    elderly_share_text, error_key, expiry_mark, guidance_key, method_key, patient_mode_parts, prescription_key,
    ratio_text, read_in_japanese, t, time_of_day, validity_key,
};
use onshi_proto::medical_record::MedicalRecordKind;
use onshi_web::enrolment_form::{EnrolmentForm, EnrolmentTexts};
use onshi_web::i18n::Lang;
use onshi_web::page::{self, STAFF_SCREEN};

/// How often the console refreshes the list while logged in, in milliseconds: a check on the national reader is to
/// reach staff within 2 s, and the list's 40 calls a minute leave room under the staff session's 60 a minute.
const REFRESH_INTERVAL_MS: u32 = 1_500;
/// The bridge's status is read on every this many refreshes (about every 10 s): a stalled 連携アプリ reaches staff
/// well within a minute, for 6 more calls a minute.
const BRIDGE_STATUS_EVERY_TICKS: u32 = 7;
/// While the service answers, declarations whose re-check did not get an answer are tried again every this many
/// refreshes (about every 30 s); a return of the service re-checks them at once.
const RECHECK_EVERY_TICKS: u32 = 20;

/// Shown where a record has no value; the same in every language.
const NO_VALUE: &str = "—";

fn input_value(node: &NodeRef) -> String {
    node.cast::<web_sys::HtmlInputElement>().map(|input| input.value()).unwrap_or_default()
}

fn mark(name: &str) {
    page::mark(STAFF_SCREEN, name);
}

/// The day's listing as the console holds it: nothing before the first read and after logout. A reducer, so a
/// refresh and an older page that arrive close together both land on the latest list, never on a stale copy.
#[derive(Default, PartialEq)]
struct Listing(Option<LoadedCheckIns>);

/// What changes the listing.
enum ListingAction {
    /// A fresh read of the newest page.
    Refreshed(CheckInList),
    /// The older page staff asked for.
    Appended(CheckInList),
    /// Logged out: nothing of the day stays on the page.
    Cleared,
}

impl Reducible for Listing {
    type Action = ListingAction;

    fn reduce(self: std::rc::Rc<Self>, action: ListingAction) -> std::rc::Rc<Self> {
        let current = self.0.clone();
        std::rc::Rc::new(Listing(match action {
            ListingAction::Refreshed(fresh) => Some(match current {
                Some(loaded) => loaded.refreshed(fresh),
                None => LoadedCheckIns::first(fresh),
            }),
            ListingAction::Appended(page) => current.map(|loaded| loaded.appended(page)),
            ListingAction::Cleared => None,
        }))
    }
}

/// The check-in list's columns, in order; each names its header (`staff.col.<column>`) and its cells' label on a
/// narrow screen, where a row is laid out as a card.
const COLUMNS: [&str; 10] = [
    "time",
    "validity",
    "name",
    "insurer",
    "ratio",
    "method",
    "prescription",
    "benefits_with_kohi",
    "device",
    "guidance",
];

/// Text staff read in Japanese whatever the console's language, with the console's language beside it: the
/// Japanese is what the counter's procedures and the insurer's papers say, the translation helps whoever reads it.
fn japanese_first(lang: Lang, text: impl Fn(Lang) -> String) -> Html {
    html! {
        <>
            <span lang="ja">{ text(Lang::Ja) }</span>
            if lang != Lang::Ja {
                <span class="translated">{ format!(" ({})", text(lang)) }</span>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct CheckInRowProps {
    checkin: CheckIn,
    lang: Lang,
    /// Opens the medical information of the row's patient, when their consent opens any.
    on_open_medical: Callback<CheckIn>,
    /// Fired with the check-in's id when staff confirmed a consent withdrawal the patient asked for.
    on_withdraw: Callback<String>,
    /// The clinic's patient register staff loaded (empty: none), which every row is matched against.
    register: SharedRegister,
    /// The patient staff chose for this row among its candidates, if they did.
    chosen: Option<String>,
    /// Fired with the check-in's id and the patient id staff chose among its candidates.
    on_choose: Callback<(String, String)>,
    /// How the 照会番号 registration this row asked for stands, if it asked for one.
    registration: Option<Registration>,
}

/// How a background 照会番号 registration stands, as the row shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Registration {
    /// Asked; no answer yet.
    Asking,
    /// The terminal registered it.
    Registered,
    /// It was not registered (no bridge, the terminal refused, the face file is gone).
    Failed,
    /// The terminal did not answer in time: it may have been registered, and it is never asked again.
    Uncertain,
}

impl Registration {
    fn as_str(self) -> &'static str {
        match self {
            Self::Asking => "asking",
            Self::Registered => "registered",
            Self::Failed => "failed",
            Self::Uncertain => "uncertain",
        }
    }
}

/// Which of the clinic's patients a row is (a kiosk's check-in or a national reader's): the patient id (by 照会番号,
/// by attributes, or as staff chose it), "候補 N 件" with a button per candidate, or "該当なし"; nothing without a
/// register or without a reading to match by.
fn patient_match_view(lang: Lang, checkin_id: &str, found: &RowMatch, on_choose: &Callback<(String, String)>) -> Html {
    if *found == RowMatch::NotShown {
        return Html::default();
    }
    let text = match found {
        RowMatch::Candidates(ids) => STAFF.fill(lang, found.key(), &[("count", &ids.len().to_string())]),
        other => STAFF.fill(lang, other.key(), &[("id", other.patient_id().unwrap_or_default())]),
    };
    html! {
        <span class="patient-match" lang={lang.tag()} data-match={found.as_str()} data-patient-id={found.patient_id().map(str::to_owned)}>
            <span class="patient-match-text">{ text }</span>
            if let RowMatch::Candidates(ids) = found {
                { for ids.iter().map(|id| {
                    let (on_choose, pair) = (on_choose.clone(), (checkin_id.to_owned(), id.clone()));
                    html! {
                        <button type="button" class="choose-patient secondary" data-patient-id={id.clone()}
                                onclick={Callback::from(move |_: MouseEvent| on_choose.emit(pair.clone()))}>
                            { STAFF.fill(lang, "staff.match.choose", &[("id", id)]) }
                        </button>
                    }
                }) }
            }
        </span>
    }
}

/// The validity's shape (✓, ✕, !), drawn by the style sheet from the row's or answer's `data-validity`, so the
/// answer is told by colour, shape and words at once; hidden from screen readers, which read the words.
fn validity_mark() -> Html {
    html! { <span class="validity-mark" aria-hidden="true"></span> }
}

#[function_component(CheckInRow)]
fn check_in_row(props: &CheckInRowProps) -> Html {
    let (c, lang) = (&props.checkin, props.lang);
    let label = |column: &str| t(lang, &format!("staff.col.{column}"));
    let invalid = read_in_japanese(c.validity);
    let validity = if invalid {
        html! {
            <>
                { japanese_first(lang, |l| t(l, validity_key(c.validity))) }
                if let Some(lost_on) = c.disqualification_date {
                    <span class="lost-on" data-date={lost_on.to_string()}>
                        { japanese_first(lang, |l| dated_text(l, "staff.lost_on", Some(lost_on))) }
                    </span>
                }
            </>
        }
    } else {
        html! { { t(lang, validity_key(c.validity)) } }
    };
    let advice = match advice_key(c) {
        Some((key, date)) if invalid => japanese_first(lang, |l| dated_text(l, key, date)),
        Some((key, date)) => html! { { dated_text(lang, key, date) } },
        None => html! {},
    };
    // How the patient used the kiosk, under the name: whoever goes to help knows which language to speak and that
    // the patient listened rather than read.
    let (patient_language, patient_aids) = patient_mode_parts(lang, &c.patient_mode);
    let patient_mode = if patient_language.is_none() && patient_aids.is_empty() {
        html! {}
    } else {
        html! {
            <span class="patient-mode" lang={lang.tag()} data-language={c.patient_mode.language.map(|l| l.as_str())}
                  data-aids={c.patient_mode.aids_text()}>
                if let Some((tag, native)) = patient_language {
                    <span class="patient-language">
                        { t(lang, "staff.patient.language") }{ ": " }<span lang={tag}>{ native }</span>
                    </span>
                }
                { for patient_aids.into_iter().map(|aid| html! { <span class="patient-aid">{ aid }</span> }) }
            </span>
        }
    };
    // The patient's consents to this facility: withdrawn since this check-in, or, while one is live, a way to
    // record the withdrawal the patient asks for (with none live there is nothing to withdraw). A check-in that
    // found nobody, and the national reader's (whose consents the national service keeps), have none here.
    let consent = match c.consent_withdrawn_at {
        Some(at) => html! {
            <span class="consent-withdrawn" data-withdrawn-at={at.to_string()}>
                { STAFF.fill(lang, "staff.consent.withdrawn_at", &[("time", &time_of_day(at))]) }
            </span>
        },
        None if !c.consents.is_empty() && c.name.is_some() && c.method != AuthMethod::NationalReader => html! {
            <ConsentWithdrawal checkin_id={c.id.clone()} lang={lang} on_withdraw={props.on_withdraw.clone()} />
        },
        None => html! {},
    };
    let benefits = if c.specific_diseases.is_empty() && c.limit_category.is_none() && c.public_expense.is_empty() {
        html! { { NO_VALUE } }
    } else {
        html! {
            <>
                { for c.specific_diseases.iter().map(|d| html! {
                    <span class="specific-disease" data-category={d.disease_category.clone()}
                        data-consent={if d.disease_category.is_empty() { "none" } else { "given" }}>
                        { japanese_first(lang, |l| disease_line(l, d)) }
                    </span>
                }) }
                if let Some(code) = c.limit_category.clone() {
                    <span class="limit-category" data-code={code.clone()}>
                        { STAFF.fill(lang, "staff.benefit.limit", &[("code", &code)]) }
                    </span>
                }
                <PublicExpenseList expenses={c.public_expense.clone()} lang={lang} />
            </>
        }
    };
    // Only a row whose patient's live consent opens some medical information offers it.
    let opened = MedicalRecordKind::opened_by(&c.consents);
    let medical = if opened.is_empty() {
        html! {}
    } else {
        let (on_open, checkin) = (props.on_open_medical.clone(), c.clone());
        let kinds = opened.iter().map(|kind| kind.as_str()).collect::<Vec<_>>().join(" ");
        html! {
            <button type="button" class="open-medical secondary" lang={lang.tag()} data-checkin={c.id.clone()} data-kinds={kinds}
                    onclick={Callback::from(move |_: MouseEvent| on_open.emit(checkin.clone()))}>
                { t(lang, "staff.medical.open") }
            </button>
        }
    };
    let found = RowMatch::of(&props.register.0, c, props.chosen.as_deref());
    let patient_match = patient_match_view(lang, &c.id, &found, &props.on_choose);
    let registration = props.registration.map(|state| {
        html! {
            <span class="reference-registration" lang={lang.tag()} data-state={state.as_str()}>
                { t(lang, &format!("staff.match.registration.{}", state.as_str())) }
            </span>
        }
    });
    html! {
        <tr class="checkin" data-validity={c.validity.as_str()} data-method={c.method.as_str()}
            data-prescription={c.prescription.map(PrescriptionFormat::as_str)}>
            <td class="time" data-label={label("time")}>{ time_of_day(c.checked_in_at) }</td>
            <td class="validity" data-label={label("validity")}>{ validity_mark() }{ validity }</td>
            <td class="name" lang="ja" data-label={label("name")}>
                { c.name.clone().unwrap_or_else(|| NO_VALUE.into()) }
                { patient_match }
                { for registration }
                { patient_mode }
                { medical }
                <span class="consent-state" lang={lang.tag()}>{ consent }</span>
            </td>
            <td class="insurer" lang="ja" data-label={label("insurer")}>
                { c.insurer_name.clone().unwrap_or_else(|| NO_VALUE.into()) }
            </td>
            <td class="ratio" data-label={label("ratio")}>
                { c.contribution_percent.map(|p| ratio_text(lang, p)).unwrap_or_else(|| NO_VALUE.into()) }
                if let Some(share) = &c.elderly_recipient {
                    <span class="elderly-share" lang={lang.tag()}
                        data-until={share.certificate.valid_until.map(|until| until.to_string())}
                        data-insured-percent={share.insured_percent.to_string()}>
                        { format!("{}: {}", t(lang, "staff.answer.elderly"), elderly_share_text(lang, share)) }
                    </span>
                }
            </td>
            <td class="method" data-label={label("method")}>
                { t(lang, method_key(c.method)) }
                { visual_check_reason_mark(lang, c.visual_check_reason) }
                if let Some(notice) = c.expiry_notice {
                    <span class="certificate-expiry" data-kind={notice.kind()}
                        data-days-left={match notice { ExpiryNotice::ExpiringSoon { days_left, .. } => Some(days_left.to_string()), ExpiryNotice::InGrace { .. } => None }}>
                        { expiry_mark(lang, notice) }
                    </span>
                }
            </td>
            <td class="prescription" data-label={label("prescription")}>
                { t(lang, prescription_key(c.prescription)) }
            </td>
            <td class="benefits" data-label={label("benefits_with_kohi")}>{ benefits }</td>
            <td class="device" lang="ja" data-label={label("device")}>
                { c.device_label.clone().unwrap_or_else(|| NO_VALUE.into()) }
            </td>
            <td class="advice" data-label={label("guidance")}>{ advice }</td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct PendingProps {
    pending: PendingVisualCheck,
    lang: Lang,
    token: String,
    on_decide: Callback<(String, bool)>,
}

/// What staff are told of why the kiosk asked, when it is more than the patient's own choice: a card with no PIN
/// (a 顔認証マイナンバーカード) can be let in only by this 目視, and a locked PIN needs resetting later.
fn reason_key(reason: VisualCheckReason) -> Option<&'static str> {
    match reason {
        VisualCheckReason::PatientChose => None,
        VisualCheckReason::PinLocked => Some("staff.pending.reason.pin_locked"),
        VisualCheckReason::PinNotSet => Some("staff.pending.reason.pin_not_set"),
    }
}

/// On a check-in row a 目視 led to, why the kiosk asked, in the words the request showed in the queue and with a
/// shape the style sheet draws from `data-reason` (hidden from screen readers, which read the words): once staff
/// approved the request it left the queue, and the row is where staff still see that the card had no PIN, or a
/// locked one, when the patient comes back.
fn visual_check_reason_mark(lang: Lang, reason: Option<VisualCheckReason>) -> Html {
    let Some((reason, key)) = reason.and_then(|reason| reason_key(reason).map(|key| (reason, key))) else {
        return html! {};
    };
    html! {
        <span class="visual-check-reason" data-reason={reason.as_str()}>
            <span class="reason-mark" aria-hidden="true"></span>
            { t(lang, key) }
        </span>
    }
}

#[function_component(PendingItem)]
fn pending_item(props: &PendingProps) -> Html {
    let (p, lang) = (&props.pending, props.lang);
    // The name and birth date behind the request, once staff open it (each opening is audited with the person).
    let opened = use_state(|| None::<Result<VisualCheckPerson, ErrorCode>>);
    let on_open = {
        let (opened, token, id) = (opened.clone(), props.token.clone(), p.request_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (opened, token, id) = (opened.clone(), token.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let focus = format!("opened-{id}");
                opened.set(Some(client::open_visual_check(&token, id).await));
                // The person now shown is what staff read next, before the decision buttons that follow it.
                page::focus(&focus);
                mark("visual-check-opened");
            });
        })
    };
    let decide = |approve: bool| {
        let on_decide = props.on_decide.clone();
        let id = p.request_id.clone();
        Callback::from(move |_| on_decide.emit((id.clone(), approve)))
    };
    // Each button's description names the person, so that a list of identical buttons still says whom it decides.
    let person_id = format!("pending-person-{}", p.request_id);
    html! {
        <li class="pending" data-request-id={p.request_id.clone()} data-reason={p.reason.as_str()}
            data-card-proven={p.card_proven.to_string()}
            data-opened={opened.as_ref().is_some_and(Result::is_ok).to_string()}>
            <span class="requested-at">{ time_of_day(p.requested_at) }</span>
            <span id={person_id.clone()} class="person">
                if let Some(device) = p.device_label.clone() {
                    <span class="device">{ STAFF.fill(lang, "staff.pending.device", &[("label", &device)]) }</span>
                }
                // Where the kiosk stands, as the admin named the place: staff who did not set the kiosks up still
                // walk to the right one.
                if let Some(location) = p.device_location.clone() {
                    <span class="location" lang="ja">
                        { STAFF.fill(lang, "staff.pending.location", &[("location", &location)]) }
                    </span>
                }
                if let Some(key) = reason_key(p.reason) {
                    <span class="reason">{ t(lang, key) }</span>
                }
                // Staff at the kiosk opened the card face with 照合番号B and the card proved itself present: the
                // decision is still staff's, with the face they compared at the kiosk.
                if p.card_proven {
                    <span class="card-proven">{ t(lang, "staff.pending.card_proven") }</span>
                }
                if let Some(Ok(person)) = opened.as_ref() {
                    <span class="opened" id={format!("opened-{}", p.request_id)} tabindex="-1">
                        if let Some(name) = person.name.clone() {
                            <span class="name" lang="ja">{ name }</span>
                        } else {
                            <span class="name">{ t(lang, "staff.pending.unlinked") }</span>
                        }
                        <span class="birth-date">{ person.birth_date.map(date_text).unwrap_or_default() }</span>
                    </span>
                }
            </span>
            // Staff compare the patient and the card face with the name and birth date, so the decision is offered
            // only once they are shown.
            if let Some(Ok(_)) = opened.as_ref() {
                <button class="approve primary" type="button" aria-describedby={person_id.clone()} onclick={decide(true)}>
                    { t(lang, "staff.pending.approve") }
                </button>
                <button class="refuse secondary" type="button" aria-describedby={person_id} onclick={decide(false)}>
                    { t(lang, "staff.pending.refuse") }
                </button>
            } else {
                <button class="open primary" type="button" aria-describedby={person_id} onclick={on_open}>
                    { t(lang, "staff.pending.open") }
                </button>
                if let Some(Err(code)) = opened.as_ref() {
                    <span class="error" role="alert">{ t(lang, error_key(*code)) }</span>
                }
            }
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct AnswerProps {
    answer: QualificationAnswer,
    lang: Lang,
}

/// One record of an answer. The 負担割合 is the one in force on the answer's day: a 高齢受給者証 that has ended no
/// longer lowers it.
fn record_view(lang: Lang, r: &QualificationRecord, day: IsoDate) -> Html {
    let ratio = r.contribution_percent_on(day);
    html! {
        <dl class="record">
            <dt>{ t(lang, "staff.answer.name") }</dt><dd class="name" lang="ja">{ r.name.clone() }</dd>
            <dt>{ t(lang, "staff.answer.birth_date") }</dt><dd class="birth-date">{ date_text(r.birth_date) }</dd>
            <dt>{ t(lang, "staff.answer.insurer") }</dt>
            <dd class="insurer">{ STAFF.fill(lang, "staff.answer.insurer_value", &[("name", &r.insurer_name), ("number", &r.insurer_number)]) }</dd>
            <dt>{ t(lang, "staff.answer.ratio") }</dt><dd class="ratio">{ ratio_text(lang, ratio) }</dd>
            if let Some(share) = ElderlyShare::in_force(r, day) {
                <><dt>{ t(lang, "staff.answer.elderly") }</dt>
                <dd class="elderly-share" data-until={share.certificate.valid_until.map(|until| until.to_string())}>
                    { elderly_share_text(lang, &share) }
                </dd></>
            }
            if let Some(lost_on) = r.disqualification_date {
                <><dt>{ t(lang, "staff.answer.lost_on") }</dt><dd class="lost-on">{ date_text(lost_on) }</dd></>
            }
            if let Some(code) = r.limit_category.clone().map(String::from) {
                <><dt>{ t(lang, "staff.answer.limit_category") }</dt><dd class="limit-category">{ code }</dd></>
            }
            <dt>{ t(lang, "staff.answer.specific_diseases") }</dt>
            <dd class="specific-diseases" data-count={r.specific_diseases.len().to_string()}>
                if r.specific_diseases.is_empty() {
                    { t(lang, "staff.answer.no_specific_disease") }
                } else {
                    <SpecificDiseaseList certificates={r.specific_diseases.clone()} lang={lang} />
                }
            </dd>
        </dl>
    }
}

#[function_component(AnswerView)]
fn answer_view(props: &AnswerProps) -> Html {
    let (answer, lang) = (&props.answer, props.lang);
    html! {
        <div id="by-number-result" role="status" data-validity={answer.validity.as_str()} data-path="onshi">
            <p id="by-number-path" class="path">{ t(lang, "staff.by_number.via_onshi") }</p>
            <p>{ t(lang, "staff.answer.validity") }{ validity_mark() }<strong id="by-number-validity">{ t(lang, validity_key(answer.validity)) }</strong></p>
            // Nobody under this number and birth date: a typing slip is likelier than a patient without insurance, so
            // staff check what they typed before the 被保険者資格申立書 path below.
            if by_number_found_nothing(answer) {
                <p id="by-number-no-match" class="warning">{ t(lang, "staff.by_number.no_match") }</p>
            }
            { for answer.records.iter().map(|r| record_view(lang, r, answer.confirmation_date)) }
            // 医療扶助 only: the 受給者証 question is the card reader's, so a by-number patient shows the paper one.
            <dl class="public-expense-answer" data-count={answer.public_expense.len().to_string()}>
                <dt>{ t(lang, "staff.answer.public_expense") }</dt>
                <dd>
                    if answer.public_expense.is_empty() {
                        { t(lang, "staff.answer.no_public_expense") }
                    }
                    <PublicExpenseList expenses={answer.public_expense.clone()} lang={lang} />
                </dd>
            </dl>
            if let Some(guidance) = answer.guidance {
                <p class="advice">{ t(lang, guidance_key(guidance)) }</p>
            }
        </div>
    }
}

/// Which path answered a by-number check.
enum Answered {
    /// onshi's registry.
    Onshi(QualificationAnswer),
    /// The facility's 資格確認端末, through its bridge.
    Terminal(TerminalAnswer),
}

/// How one input of the number-based check form is shown; [`NUMBER_FIELDS`] follows the order of [`FIELD_IDS`].
struct NumberField {
    label: &'static str,
    example: Option<&'static str>,
    kind: &'static str,
    inputmode: Option<&'static str>,
}

const NUMBER_FIELDS: [NumberField; 5] = [
    NumberField {
        label: "staff.by_number.insurer_number",
        example: Some("staff.by_number.insurer_number_example"),
        kind: "text",
        inputmode: Some("numeric"),
    },
    // 記号 may hold letters and hyphens, so it keeps the full keyboard.
    NumberField { label: "staff.by_number.symbol", example: None, kind: "text", inputmode: None },
    NumberField { label: "staff.by_number.number", example: None, kind: "text", inputmode: Some("numeric") },
    NumberField {
        label: "staff.by_number.branch",
        example: Some("staff.by_number.branch_example"),
        kind: "text",
        inputmode: Some("numeric"),
    },
    // A text field, not a date picker: staff copy the date as the 資格確認書 prints it (often 和暦), and a date picker
    // would show the browser's own placeholder (mm/dd/yyyy) in place of the form's example.
    NumberField {
        label: "staff.by_number.birth_date",
        example: Some("staff.by_number.birth_date_example"),
        kind: "text",
        inputmode: None,
    },
];

/// The form's input `index`, with its label and, when it holds the problem, its invalid state tied to the message.
/// `oninput` and `after` let a field read back what was typed (the 生年月日).
fn number_field(
    lang: Lang,
    index: usize,
    node: &NodeRef,
    invalid: bool,
    oninput: Option<Callback<InputEvent>>,
    after: Html,
) -> Html {
    let (id, field) = (FIELD_IDS[index], &NUMBER_FIELDS[index]);
    html! {
        <div class="field">
            <label for={id}>{ t(lang, field.label) }</label>
            <input id={id} ref={node.clone()} type={field.kind} placeholder={field.example.map(|key| t(lang, key))}
                   inputmode={field.inputmode} autocomplete="off" aria-invalid={invalid.then_some("true")}
                   aria-describedby={invalid.then_some("by-number-error")} {oninput} />
            { after }
        </div>
    }
}

/// The 生年月日 read back under its field: the date the check will ask for (和暦 and 西暦), or why what is typed is
/// not one. Spoken politely, so a screen reader says it after typing stops.
fn birth_date_reading(lang: Lang, reading: BirthDateReading) -> Html {
    let (class, text) = match reading {
        BirthDateReading::Empty => ("reading", String::new()),
        BirthDateReading::Reads(date) => {
            ("reading reads", format!("{} {}", t(lang, "staff.by_number.birth_date_reads"), date_text(date)))
        }
        BirthDateReading::Problem(key) => ("reading problem", t(lang, key)),
    };
    html! { <p id="birth-date-reading" class={class} aria-live="polite">{ text }</p> }
}

/// A refusal of the number-based check: the message key, and the field to correct when the page refused it.
#[derive(Clone, Copy, PartialEq)]
struct ByNumberError {
    key: &'static str,
    field: Option<&'static str>,
}

/// Whether this browser holds an enrolled staff console identity ([`crate::device`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DeviceState {
    /// Not known yet: the browser's store is being read.
    Loading,
    /// None: the enrolment screen, with why the last attempt failed or why the console must enrol again.
    NotEnrolled { problem: Option<&'static str>, busy: bool },
    /// Enrolled: staff log in.
    Enrolled,
}

/// The whole console.
#[function_component(StaffConsole)]
pub fn staff_console() -> Html {
    let lang = use_state(|| Lang::Ja);
    let device = use_state(|| DeviceState::Loading);
    let session = use_state(|| None::<StaffSessionResponse>);
    let login_error = use_state(|| None::<&'static str>);
    let list = use_reducer(Listing::default);
    let bridge = use_state(BridgeStatus::default);
    let list_error = use_state(|| None::<&'static str>);
    let decision_notice = use_state(|| None::<&'static str>);
    let withdrawal_error = use_state(|| None::<&'static str>);
    let by_number_error = use_state(|| None::<ByNumberError>);
    let by_number_answer = use_state(|| None::<QualificationAnswer>);
    // The answer when the check went through the facility's 資格確認端末; at most one of the two is shown.
    let terminal_answer = use_state(|| None::<TerminalAnswer>);
    let refresh_tick = use_state(|| 0u32);
    // What the refreshes have shown of the service, under the one rule of `outage::detection`.
    let service_watch = use_mut_ref(ServiceWatch::default);
    let service = use_state_eq(ServiceState::default);
    let code_input = use_node_ref();
    let fields = [use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref()];
    let birth_date_typed = use_state(String::new);

    let medical = use_state(|| None::<CheckIn>);
    // The clinic's patient register and staff's choices among candidates (check-in id → patient id): the page's
    // memory only, gone on reload like the token.
    let register = use_state(SharedRegister::default);
    let chosen = use_state(std::collections::HashMap::<String, String>::new);
    let on_register = {
        let (register, chosen) = (register.clone(), chosen.clone());
        Callback::from(move |loaded: SharedRegister| {
            // A new register's patient ids are not the old one's: earlier choices are forgotten with it.
            chosen.set(std::collections::HashMap::new());
            register.set(loaded);
        })
    };
    // The 照会番号 registrations asked, by face file: each is asked once per page, whatever its outcome (an uncertain
    // one may have been registered, and a refused one is for staff to look into), and its state is shown on its row.
    let registrations = use_mut_ref(std::collections::HashMap::<String, Registration>::new);
    let redraw = use_force_update();
    {
        let (registrations, redraw) = (registrations.clone(), redraw.clone());
        let token = session.as_ref().map(|s| s.staff_token.clone());
        let rows = list.0.as_ref().map(|list| list.rows().to_vec()).unwrap_or_default();
        use_effect_with(((*register).clone(), (*chosen).clone(), rows), move |(register, chosen, rows)| {
            let Some(token) = token else { return };
            let mut asked = false;
            for checkin in rows {
                let found = RowMatch::of(&register.0, checkin, chosen.get(&checkin.id).map(String::as_str));
                let Some(ask) = found.registration(&register.0, checkin) else { continue };
                let face_file = ask.face_file.as_str().to_owned();
                if registrations.borrow().contains_key(&face_file) {
                    continue;
                }
                registrations.borrow_mut().insert(face_file.clone(), Registration::Asking);
                asked = true;
                let (token, registrations, redraw) = (token.clone(), registrations.clone(), redraw.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let state = match client::register_reference(&token, &ask).await {
                        Ok(_) => Registration::Registered,
                        Err(ErrorCode::TerminalTimeout) => Registration::Uncertain,
                        Err(_) => Registration::Failed,
                    };
                    registrations.borrow_mut().insert(face_file, state);
                    redraw.force_update();
                    mark("reference-registration-ended");
                });
            }
            if asked {
                redraw.force_update();
            }
        });
    }
    let on_choose = {
        let chosen = chosen.clone();
        Callback::from(move |(checkin_id, patient_id): (String, String)| {
            let mut choices = (*chosen).clone();
            choices.insert(checkin_id, patient_id);
            chosen.set(choices);
        })
    };
    let token = session.as_ref().map(|s| s.staff_token.clone());
    let lang_value = *lang;
    let on_open_medical = {
        let medical = medical.clone();
        Callback::from(move |checkin: CheckIn| medical.set(Some(checkin)))
    };
    let on_close_medical = {
        let medical = medical.clone();
        Callback::from(move |()| medical.set(None))
    };

    // The document's language and title follow the switcher, so that the header, too, is read in the right voice.
    use_effect_with(lang_value, move |lang| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = document.document_element() {
                let _ = root.set_attribute("lang", lang.tag());
            }
            document.set_title(&format!("{} — onshi", t(*lang, "staff.title")));
        }
    });

    // The browser's enrolled identity is read once; without one, the enrolment screen asks for a code.
    {
        let device = device.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                device.set(match crate::device::load().await {
                    Ok(true) => DeviceState::Enrolled,
                    Ok(false) => DeviceState::NotEnrolled { problem: None, busy: false },
                    Err(_) => DeviceState::NotEnrolled { problem: Some("staff.enrol.failed"), busy: false },
                });
                mark("device");
            });
        });
    }
    // The edge no longer knows this browser's device (the admin revoked it): the device and any session on it are
    // forgotten, and the enrolment screen says why.
    let on_device_lost = {
        let (device, session) = (device.clone(), session.clone());
        Callback::from(move |()| {
            session.set(None);
            device.set(DeviceState::NotEnrolled { problem: Some("staff.error.device_not_enrolled"), busy: false });
            wasm_bindgen_futures::spawn_local(async move {
                let _ = crate::device::forget().await;
            });
        })
    };
    let on_enrol = {
        let device = device.clone();
        Callback::from(move |code: String| {
            let device = device.clone();
            device.set(DeviceState::NotEnrolled { problem: None, busy: true });
            wasm_bindgen_futures::spawn_local(async move {
                device.set(match crate::device::enrol(&code).await {
                    Ok(()) => DeviceState::Enrolled,
                    Err(_) => DeviceState::NotEnrolled { problem: Some("staff.enrol.failed"), busy: false },
                });
                mark("enrolled");
            });
        })
    };

    // After login the focus moves to the first thing staff act on, the pending visual checks.
    use_effect_with(session.is_some(), move |logged_in| {
        if *logged_in {
            page::focus("pending-heading");
        }
    });

    {
        // Loads the list on login and after every tick; schedules the next tick while logged in.
        let list = list.clone();
        let list_error = list_error.clone();
        let bridge = bridge.clone();
        let refresh_tick = refresh_tick.clone();
        let session = session.clone();
        let login_error = login_error.clone();
        let on_device_lost = on_device_lost.clone();
        let (service_watch, service) = (service_watch.clone(), service.clone());
        use_effect_with((token.clone(), *refresh_tick), move |(token, tick)| {
            let tick = *tick;
            if let Some(token) = token.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let fresh = client::checkins(&token).await;
                    service.set(service_watch.borrow_mut().observe(Observation::of(&fresh), now_unix()));
                    match fresh {
                        Ok(fresh) => {
                            list.dispatch(ListingAction::Refreshed(fresh));
                            list_error.set(None);
                            mark("list");
                        }
                        Err(code @ (ErrorCode::SessionInvalid | ErrorCode::SessionExpired)) => {
                            // Back at the login screen, staff are told why they have to log in again.
                            login_error.set(Some(error_key(code)));
                            session.set(None);
                            return;
                        }
                        Err(ErrorCode::DeviceNotEnrolled) => {
                            on_device_lost.emit(());
                            return;
                        }
                        Err(code) => list_error.set(Some(error_key(code))),
                    }
                    // The bridge's status is read on every few ticks only: each call counts against the staff
                    // session's allowance, which the list alone already uses half of. A failed read leaves the last
                    // status shown (the list's own error already says when the edge is not answering).
                    if tick % BRIDGE_STATUS_EVERY_TICKS == 0
                        && let Ok(status) = client::bridge_status(&token).await
                    {
                        bridge.set(status);
                    }
                    gloo_timers::future::TimeoutFuture::new(REFRESH_INTERVAL_MS).await;
                    refresh_tick.set(tick.wrapping_add(1));
                });
            }
        });
    }

    let on_login = {
        let session = session.clone();
        let login_error = login_error.clone();
        let on_device_lost = on_device_lost.clone();
        let code_input = code_input.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let code = input_value(&code_input);
            if let Some(input) = code_input.cast::<web_sys::HtmlInputElement>() {
                input.set_value("");
            }
            let session = session.clone();
            let login_error = login_error.clone();
            let on_device_lost = on_device_lost.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match client::login(code).await {
                    Ok(opened) => {
                        login_error.set(None);
                        session.set(Some(opened));
                        mark("dashboard");
                    }
                    Err(ErrorCode::DeviceNotEnrolled) => on_device_lost.emit(()),
                    Err(code) => login_error.set(Some(error_key(code))),
                }
            });
        })
    };

    // Logging out ends the session at the edge as well as on this page; the page forgets the token either way.
    let on_logout = {
        let session = session.clone();
        let list = list.clone();
        let bridge = bridge.clone();
        let token = token.clone();
        let medical = medical.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(token) = token.clone() else { return };
            session.set(None);
            list.dispatch(ListingAction::Cleared);
            // What staff were reading goes with the session.
            medical.set(None);
            bridge.set(BridgeStatus::default());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = client::logout(&token).await;
                mark("logged-out");
            });
        })
    };

    let on_decide = {
        let token = token.clone();
        let decision_notice = decision_notice.clone();
        let list = list.clone();
        Callback::from(move |(request_id, approve): (String, bool)| {
            let Some(token) = token.clone() else { return };
            let decision_notice = decision_notice.clone();
            let list = list.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = client::decide(&token, request_id, approve).await.map(|ticket| ticket.state);
                // A decision that could not happen (the kiosk withdrew the request, it lapsed, someone else decided)
                // is said where staff clicked, never left to a request that silently vanishes.
                let notice = decision_notice_key(approve, outcome);
                decision_notice.set(notice);
                // Reload at once so the decided (or withdrawn) request leaves the list.
                if let Ok(fresh) = client::checkins(&token).await {
                    list.dispatch(ListingAction::Refreshed(fresh));
                }
                mark(if notice.is_some() { "decision-not-made" } else { "decided" });
            });
        })
    };

    let on_withdraw = {
        let token = token.clone();
        let withdrawal_error = withdrawal_error.clone();
        let list = list.clone();
        Callback::from(move |checkin_id: String| {
            let Some(token) = token.clone() else { return };
            let withdrawal_error = withdrawal_error.clone();
            let list = list.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = client::withdraw_consent(&token, &checkin_id).await;
                withdrawal_error.set(outcome.as_ref().err().map(|code| error_key(*code)));
                // Reload at once so the row shows the withdrawal.
                if let Ok(fresh) = client::checkins(&token).await {
                    list.dispatch(ListingAction::Refreshed(fresh));
                }
                mark(if outcome.is_ok() { "consent-withdrawn" } else { "consent-withdrawal-failed" });
            });
        })
    };

    let on_birth_date_input = {
        let node = fields[4].clone();
        let birth_date_typed = birth_date_typed.clone();
        let by_number_error = by_number_error.clone();
        Callback::from(move |_: InputEvent| {
            birth_date_typed.set(input_value(&node));
            // The reading under the field now speaks for the birth date; a refusal of the old text would contradict it.
            if by_number_error.is_some_and(|error| error.field == Some(FormProblem::BirthDate.field_id())) {
                by_number_error.set(None);
            }
        })
    };

    let on_by_number = {
        let token = token.clone();
        let fields = fields.clone();
        let by_number_error = by_number_error.clone();
        let by_number_answer = by_number_answer.clone();
        let terminal_answer = terminal_answer.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let form = NumberForm {
                insurer_number: input_value(&fields[0]),
                symbol: input_value(&fields[1]),
                number: input_value(&fields[2]),
                branch: input_value(&fields[3]),
                birth_date: input_value(&fields[4]),
            };
            // The check digit is checked here: a mistyped 保険者番号 never leaves the page.
            let query = match form.validate() {
                Ok(query) => query,
                Err(problem) => {
                    by_number_answer.set(None);
                    terminal_answer.set(None);
                    by_number_error.set(Some(ByNumberError { key: problem.key(), field: Some(problem.field_id()) }));
                    page::focus(problem.field_id());
                    mark("by-number-refused");
                    return;
                }
            };
            let Some(token) = token.clone() else { return };
            let by_number_error = by_number_error.clone();
            let by_number_answer = by_number_answer.clone();
            let terminal_answer = terminal_answer.clone();
            by_number_error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                // The facility's terminal first, when its bridge holds its link; onshi when it does not. A terminal
                // that did not answer is said so, never asked of onshi behind staff's back.
                let answered = match client::terminal_by_number(&token, &query).await {
                    Ok(answer) => Ok(Answered::Terminal(answer)),
                    Err(ErrorCode::BridgeNotConnected) => client::by_number(&token, &query).await.map(Answered::Onshi),
                    Err(code) => Err(code),
                };
                by_number_answer.set(None);
                terminal_answer.set(None);
                match answered {
                    Ok(Answered::Onshi(answer)) => {
                        by_number_answer.set(Some(answer));
                        mark("by-number-answer");
                    }
                    Ok(Answered::Terminal(answer)) => {
                        terminal_answer.set(Some(answer));
                        mark("by-number-answer");
                    }
                    Err(code) => by_number_error.set(Some(ByNumberError { key: error_key(code), field: None })),
                }
            });
        })
    };

    let header = html! {
        <header>
            <h1>{ t(lang_value, "staff.title") }</h1>
            <nav class="langs" aria-label={t(lang_value, "staff.lang_label")}>
                { for Lang::ALL.iter().map(|&l| {
                    let lang = lang.clone();
                    html! {
                        <button type="button" lang={l.tag()} aria-pressed={(l == lang_value).to_string()}
                            onclick={Callback::from(move |_| lang.set(l))}>{ l.native_name() }</button>
                    }
                }) }
            </nav>
        </header>
    };

    match *device {
        DeviceState::Loading => {
            return html! {
                <div class="staff-console">
                    { header }
                    <main data-screen="staff-checking" lang={lang_value.tag()} aria-busy="true">
                        <p>{ t(lang_value, "staff.enrol.checking") }</p>
                    </main>
                </div>
            };
        }
        DeviceState::NotEnrolled { problem, busy } => {
            return html! {
                <div class="staff-console">
                    { header }
                    <EnrolmentForm screen="staff-enrol" lang={lang_value} {busy} {on_enrol}
                        texts={EnrolmentTexts::read(|part| t(lang_value, &format!("staff.enrol.{part}")))}
                        problem={problem.map(|key| t(lang_value, key))} />
                </div>
            };
        }
        DeviceState::Enrolled => {}
    }
    let Some(opened) = session.as_ref() else {
        return html! {
            <div class="staff-console">
                { header }
                <main data-screen="staff-login" lang={lang_value.tag()}>
                    <form class="login" onsubmit={on_login} aria-labelledby="login-heading">
                        <h2 id="login-heading">{ t(lang_value, "staff.login.heading") }</h2>
                        <label for="staff-code">{ t(lang_value, "staff.login.code_label") }</label>
                        <input id="staff-code" ref={code_input} autocomplete="one-time-code" autocapitalize="characters"
                               spellcheck="false" required=true
                               aria-describedby={login_error.is_some().then_some("login-error")} />
                        <button id="staff-login" class="primary" type="submit">{ t(lang_value, "staff.login.submit") }</button>
                        if let Some(key) = *login_error {
                            <p id="login-error" role="alert" class="warning">{ t(lang_value, key) }</p>
                        }
                    </form>
                </main>
            </div>
        };
    };

    let (checkins, pending, date) = match list.0.as_ref() {
        Some(list) => (list.rows().to_vec(), list.pending().to_vec(), date_text(list.date())),
        None => (Vec::new(), Vec::new(), String::new()),
    };
    let total = list.0.as_ref().map_or(0, LoadedCheckIns::total);
    let older = list.0.as_ref().and_then(|list| list.older().cloned());
    // Staff ask for the page after the oldest row shown; it is appended below, and the refreshes keep it.
    let on_older = {
        let (token, list, list_error, older) = (token.clone(), list.clone(), list_error.clone(), older.clone());
        Callback::from(move |_: MouseEvent| {
            let (Some(token), Some(cursor)) = (token.clone(), older.clone()) else { return };
            let (list, list_error) = (list.clone(), list_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match client::checkins_before(&token, cursor).await {
                    Ok(page) => {
                        list.dispatch(ListingAction::Appended(page));
                        mark("older-checkins");
                    }
                    Err(code) => list_error.set(Some(error_key(code))),
                }
            });
        })
    };
    let error_field = by_number_error.as_ref().and_then(|e| e.field);
    html! {
        <div class="staff-console">
            { header }
            <main data-screen="staff-dashboard" lang={lang_value.tag()}>
                <p id="facility">{ STAFF.fill(lang_value, "staff.facility", &[("code", opened.facility_code.as_str())]) }</p>
                <button id="staff-logout" class="secondary" type="button" onclick={on_logout}>{ t(lang_value, "staff.logout") }</button>
                if let Some(key) = *list_error {
                    <p id="list-error" role="alert" class="warning">{ t(lang_value, key) }</p>
                }
                <BridgeBanner status={(*bridge).clone()} token={token.clone().unwrap_or_default()} lang={lang_value} />
                <OutagePanel token={token.clone().unwrap_or_default()} lang={lang_value} service={*service}
                    recheck_round={*refresh_tick / RECHECK_EVERY_TICKS} now={now_unix()}
                    facility={opened.facility_code.clone()} />
                <section aria-labelledby="pending-heading" id="pending">
                    <h2 id="pending-heading" tabindex="-1">{ t(lang_value, "staff.pending.heading") }</h2>
                    if let Some(key) = *decision_notice {
                        <p id="decision-notice" role="alert" class="warning">{ t(lang_value, key) }</p>
                    }
                    if pending.is_empty() {
                        <p class="empty">{ t(lang_value, "staff.pending.empty") }</p>
                    } else {
                        <ul>
                            { for pending.into_iter().map(|p| {
                                let key = p.request_id.clone();
                                html! {
                                    <PendingItem key={key} pending={p} lang={lang_value}
                                        token={token.clone().unwrap_or_default()} on_decide={on_decide.clone()} />
                                }
                            }) }
                        </ul>
                    }
                </section>
                <RegisterPanel lang={lang_value} loaded={register.0.len()} on_load={on_register} />
                <section aria-labelledby="checkins-heading" id="checkins">
                    <h2 id="checkins-heading">{ STAFF.fill(lang_value, "staff.checkins.heading", &[("date", &date)]) }</h2>
                    if total > 0 {
                        <p id="checkins-total">{ STAFF.fill(lang_value, "staff.checkins.total",
                            &[("total", &total.to_string()), ("shown", &checkins.len().to_string())]) }</p>
                    }
                    if let Some(key) = *withdrawal_error {
                        <p id="withdrawal-error" role="alert" class="warning">{ t(lang_value, key) }</p>
                    }
                    if checkins.is_empty() {
                        <p class="empty">{ t(lang_value, "staff.checkins.empty") }</p>
                    } else {
                        <table aria-labelledby="checkins-heading">
                                <thead><tr>
                                    { for COLUMNS
                                        .map(|column| html! { <th scope="col">{ t(lang_value, &format!("staff.col.{column}")) }</th> }) }
                                </tr></thead>
                                <tbody>
                                    { for checkins.into_iter().map(|c| {
                                        let key = c.id.clone();
                                        html! {
                                            <CheckInRow key={key} chosen={chosen.get(&c.id).cloned()} lang={lang_value}
                                                registration={c.face_file.as_ref().and_then(|f| registrations.borrow().get(f.as_str()).copied())}
                                                checkin={c}
                                                on_open_medical={on_open_medical.clone()} on_withdraw={on_withdraw.clone()}
                                                register={(*register).clone()} on_choose={on_choose.clone()} />
                                        }
                                    }) }
                                </tbody>
                            </table>
                    }
                    if older.is_some() {
                        <button id="checkins-older" class="secondary" type="button" onclick={on_older}>
                            { t(lang_value, "staff.checkins.older") }
                        </button>
                    }
                </section>
                if let (Some(open), Some(token)) = ((*medical).clone(), token.clone()) {
                    <MedicalTimeline key={open.id.clone()} token={token} checkin_id={open.id.clone()} name={open.name.clone()}
                        kinds={MedicalRecordKind::opened_by(&open.consents)} lang={lang_value} on_close={on_close_medical} />
                }
                <section aria-labelledby="by-number-heading" id="by-number">
                    <h2 id="by-number-heading">{ t(lang_value, "staff.by_number.heading") }</h2>
                    <form onsubmit={on_by_number} novalidate=true aria-labelledby="by-number-heading">
                        { for (0..FIELD_IDS.len()).map(|index| {
                            let invalid = error_field == Some(FIELD_IDS[index]);
                            if FIELD_IDS[index] == FormProblem::BirthDate.field_id() {
                                let reading = birth_date_reading(lang_value, BirthDateReading::of(&birth_date_typed));
                                number_field(lang_value, index, &fields[index], invalid, Some(on_birth_date_input.clone()), reading)
                            } else {
                                number_field(lang_value, index, &fields[index], invalid, None, Html::default())
                            }
                        }) }
                        <button id="by-number-submit" class="primary" type="submit">{ t(lang_value, "staff.by_number.submit") }</button>
                    </form>
                    if let Some(error) = *by_number_error {
                        <p id="by-number-error" role="alert" class="warning">{ t(lang_value, error.key) }</p>
                    }
                    if let Some(answer) = (*by_number_answer).clone() {
                        <AnswerView answer={answer} lang={lang_value} />
                    }
                    if let Some(answer) = (*terminal_answer).clone() {
                        <TerminalAnswerView answer={answer} lang={lang_value} />
                    }
                </section>
                <BulkPanel token={token.clone().unwrap_or_default()} lang={lang_value} />
            </main>
        </div>
    }
}

/// Entry point of the staff console's bundle: mounts the console on `<div id="app">`.
#[allow(unsafe_code)] // The #[wasm_bindgen] export expands to FFI glue.
mod entry {
    use wasm_bindgen::prelude::*;

    /// Mounts the staff console.
    #[wasm_bindgen(start)]
    pub fn start_staff_console() {
        let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
        match root {
            Some(root) => {
                yew::Renderer::<crate::console::StaffConsole>::with_root(root).render();
            }
            None => {
                yew::Renderer::<crate::console::StaffConsole>::new().render();
            }
        }
    }
}
