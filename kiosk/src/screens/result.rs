//! The answer on screen: 有効 or not (in Japanese, with the patient's language beside), each record with the 負担割合
//! in force, the 高齢受給者証 and the 限度額適用区分 (shown without a consent since 2024-10), the guidance, and what the
//! kiosk asks about the card. A 特定疾病療養受療証 is shown as applying, never its disease.
//!
//! Under the answer, the card certificate's expiry when it comes within three months (in how many days, how to
//! renew) or has passed and is in its grace period (today is covered, until when, how to renew).
//!
//! Must not: show a disease category, or ask for the card while a question on screen is still open.

use onshi_proto::IsoDate;
use onshi_proto::origin::ExpiryNotice;
use onshi_proto::qualification::{
    Guidance, PersonalFamily, QualificationAnswer, QualificationRecord, Reason, SpecificDiseaseCertificate, Validity,
};
use yew::prelude::*;

use crate::i18n::{Lang, text, text_n, validity_key};
use crate::screens::ruby;
use crate::state::CardReminder;

/// The answer, its guidance, the certificate's expiry `notice`, and what the kiosk asks about the `card` (nothing
/// yet while `questions_open`).
pub fn result_view(
    lang: Lang,
    answer: &QualificationAnswer,
    card: CardReminder,
    questions_open: bool,
    notice: Option<ExpiryNotice>,
) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let validity_class = if answer.validity == Validity::Valid { "valid" } else { "invalid" };
    // A 無効 answer carries no share to pay under the lost qualification; it shows when that ended instead.
    let lost = answer.validity == Validity::Invalid;
    html! {
        <section aria-labelledby="heading" class="result" id="result" data-validity={format!("{:?}", answer.validity)}>
            <h2 id="heading" tabindex="-1">{ h("result.heading") }</h2>
            <p class={classes!("validity", validity_class)}>
                <span class="label">{ h("result.validity") }</span>
                // The staff read the national label at a glance; a patient reading another language gets theirs too.
                <strong id="validity" lang="ja">{ text(Lang::Ja, validity_key(answer.validity)) }</strong>
                if lang != Lang::Ja {
                    <span class="translated" id="validity-translated">{ h(validity_key(answer.validity)) }</span>
                }
            </p>
            { for answer.records.iter().map(|record| html! {
                <dl class="record">
                    <dt>{ h("result.name") }</dt><dd>{ &record.name }</dd>
                    <dt>{ h("result.birth_date") }</dt><dd id="birth-date">{ date_with_era(record.birth_date) }</dd>
                    <dt>{ h("result.insurer") }</dt><dd>{ &record.insurer_name }</dd>
                    <dt>{ h("result.insurer_number") }</dt><dd>{ &record.insurer_number }</dd>
                    <dt>{ h("result.symbol_number") }</dt>
                    <dd>{ format!("{} ・ {} ・ {}", record.symbol.as_deref().unwrap_or("—"), record.number, record.branch.as_deref().unwrap_or("—")) }</dd>
                    <dt>{ h("result.personal_family") }</dt>
                    <dd>{ h(if record.personal_family == PersonalFamily::Insured { "result.insured" } else { "result.dependent" }) }</dd>
                    if lost {
                        if let Some(date) = record.disqualification_date {
                            <dt>{ h("result.disqualification_date") }</dt>
                            <dd id="disqualification-date">{ date_with_era(date) }</dd>
                        }
                    } else {
                        <dt>{ h("result.ratio") }</dt>
                        <dd id="ratio">{ text_n(lang, "result.ratio_value", record.contribution_percent_on(answer.confirmation_date).tenths()) }</dd>
                        { benefits_view(lang, record, answer.confirmation_date) }
                    }
                    { for record.specific_diseases.iter().map(|certificate| specific_disease_view(lang, certificate)) }
                </dl>
            }) }
            // The 公費 the clinic now sees are counted, never named: a 医療扶助 or a 難病 受給者証 on a kiosk screen
            // would tell the waiting room what the counter alone needs to know.
            if !answer.public_expense.is_empty() {
                <p id="public-expense" data-count={answer.public_expense.len().to_string()}>
                    { ruby::shown_n(lang, "result.public_expense", answer.public_expense.len()) }
                </p>
            }
            { guidance_view(lang, answer) }
            { expiry_view(lang, notice) }
            { match (card, questions_open) {
                // The card may stay while the patient answers; it is asked for once nothing is left to answer.
                (CardReminder::InReader | CardReminder::LeftBehind, true) => html! {
                    <p class="hint" id="answer-first">{ h("result.answer_first") }</p>
                },
                (CardReminder::Taken, true) => html! {
                    <p class="hint" id="card-taken-early" role="status">{ h("result.card_taken_answer_first") }</p>
                },
                (CardReminder::InReader, false) => html! { <p class="remove" id="remove-card">{ h("result.remove_card") }</p> },
                (CardReminder::LeftBehind, false) => html! {
                    <p class="remove alert" id="card-left-behind" role="alert">{ h("result.card_left_behind") }</p>
                },
                (CardReminder::Taken, false) => html! {
                    <p class="done" id="card-taken" role="status">{ h("result.card_taken") }</p>
                },
            } }
        </section>
    }
}

/// The 高齢受給者証 in force on `day` (its ratio is the one shown above; here with its end date) and the
/// 限度額適用区分, by the names the certificate and the counter use, with the national code beside.
fn benefits_view(lang: Lang, record: &QualificationRecord, day: IsoDate) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let elderly = record.elderly_recipient.as_ref().filter(|elderly| elderly.in_force_on(day));
    html! {
        <>
            if let Some(elderly) = elderly {
                <dt>{ h("result.elderly_recipient") }</dt>
                <dd id="elderly-recipient">
                    { text_n(lang, "result.ratio_value", elderly.contribution_ratio_percent.tenths()) }
                    if let Some(until) = elderly.valid_until {
                        { " ・ " }{ text_n(lang, "result.valid_until", date_with_era(until)) }
                    }
                </dd>
            }
            if let Some(category) = &record.limit_category {
                <dt>{ h("result.limit_category") }</dt>
                <dd id="limit-category" lang="ja">{ format!("{}（{}）", category.label_ja(), category.as_str()) }</dd>
            }
        </>
    }
}

/// One 特定疾病療養受療証 in the result summary: that a certificate applies, with its monthly limit and the end of its
/// validity when the insurer recorded them. The category names a disease (人工透析, HIV), and a kiosk screen is seen
/// by others in the waiting room, so the patient's screen never shows it; the staff console does.
fn specific_disease_view(lang: Lang, certificate: &SpecificDiseaseCertificate) -> Html {
    let t = |key: &str| text(lang, key);
    let h = |key: &str| ruby::shown(lang, key);
    let mut details = vec![t("result.specific_disease_applies")];
    if let Some(yen) = certificate.monthly_self_pay_yen {
        details.push(text_n(lang, "result.specific_disease_self_pay", crate::i18n::yen(yen)));
    }
    if let Some(until) = &certificate.valid_until {
        details.push(text_n(lang, "result.specific_disease_until", until));
    }
    html! {
        <>
            <dt>{ h("result.specific_disease") }</dt>
            <dd class="specific-disease">{ details.join(" ・ ") }</dd>
        </>
    }
}

/// The answer's guidance in words: a lost qualification says when it ended and asks for the new insurance before
/// the 申立書, rather than read like a card that was never registered.
fn guidance_view(lang: Lang, answer: &QualificationAnswer) -> Html {
    let t = |key: &str| text(lang, key);
    let lost_on = answer.records.iter().find_map(|record| record.disqualification_date);
    let sentence = match (answer.guidance, answer.reason, lost_on) {
        (None, _, _) => return html! {},
        (Some(Guidance::StaffReview), _, _) => t("result.staff_review"),
        (Some(Guidance::ClaimForm), Reason::Lost, Some(date)) => text_n(lang, "result.lost", date_with_era(date)),
        (Some(Guidance::ClaimForm), Reason::NotYetStarted, _) => t("result.not_yet_started"),
        // A card with no link (never registered, or its registration cancelled) is sent to the 資格確認書 first.
        (Some(Guidance::ClaimForm), Reason::NotRegistered, _) => t("result.not_registered"),
        (Some(Guidance::ClaimForm), _, _) => t("result.claim_form"),
    };
    html! { <p class="guidance" id="guidance">{ sentence }</p> }
}

/// The certificate's expiry: the days left and how to renew, or, in its grace period, that today is covered, until
/// when, what is not possible meanwhile, and how to renew.
fn expiry_view(lang: Lang, notice: Option<ExpiryNotice>) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    match notice {
        None => html! {},
        Some(ExpiryNotice::ExpiringSoon { expires_on, days_left }) => html! {
            <section class="expiry soon" id="expiry-notice" data-kind="expiring_soon" data-days-left={days_left.to_string()}
                aria-labelledby="expiry-heading">
                <h3 id="expiry-heading">{ h("expiry.soon_heading") }</h3>
                <p id="expiry-days">{ ruby::shown_n(lang, "expiry.soon_days", days_left) }</p>
                <p id="expiry-date">{ ruby::shown_n(lang, "expiry.expires_on", date_with_era(expires_on)) }</p>
                <p id="expiry-renew">{ h("expiry.renew_ahead") }</p>
            </section>
        },
        Some(ExpiryNotice::InGrace { expired_on, covered_until }) => html! {
            <section class="expiry grace" id="expiry-notice" data-kind="in_grace" aria-labelledby="expiry-heading">
                <h3 id="expiry-heading">{ h("expiry.grace_heading") }</h3>
                <p id="expiry-expired">{ ruby::shown_n(lang, "expiry.expired_on", date_with_era(expired_on)) }</p>
                <p id="expiry-today">{ h("expiry.today_covered") }</p>
                <p id="expiry-until">{ ruby::shown_n(lang, "expiry.covered_until", date_with_era(covered_until)) }</p>
                <p id="expiry-limits">{ h("expiry.grace_limits") }</p>
                <p id="expiry-renew">{ h("expiry.renew_now") }</p>
            </section>
        },
    }
}

/// A date as patients and staff read it at the counter: 和暦 with 西暦 beside it, in every language.
fn date_with_era(date: IsoDate) -> String {
    onshi_proto::wareki::format_with_iso(date)
}
