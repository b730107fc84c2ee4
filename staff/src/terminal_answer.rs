//! The answer of a by-number check that went through the facility's 資格確認端末 (via its bridge): said to be the
//! terminal's, so staff know which path answered, with the validity told by colour, shape and words as every answer
//! is, and what the terminal said of the person: its 特定疾病療養受療証 too, in the words onshi's own answer uses, the
//! category only when the patient consented on the reader (the bridge dropped it otherwise).
//!
//! Must not: keep the answer beyond the page's memory; guess a field the terminal did not give.

use onshi_proto::bridge_link::TerminalAnswer;
use onshi_proto::qualification::Validity;
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::specific_disease_list::SpecificDiseaseList;
use crate::text::{STAFF, date_text, elderly_share_text, ratio_text, t, validity_key};

/// What the view shows.
#[derive(Properties, PartialEq)]
pub struct TerminalAnswerProps {
    /// The terminal's answer.
    pub answer: TerminalAnswer,
    /// The console's language.
    pub lang: Lang,
}

/// The terminal's answer, in the place of onshi's.
#[function_component(TerminalAnswerView)]
pub fn terminal_answer_view(props: &TerminalAnswerProps) -> Html {
    let (answer, lang) = (&props.answer, props.lang);
    let insurer = match (&answer.insurer_name, &answer.insurer_number) {
        (Some(name), Some(number)) => Some(STAFF.fill(
            lang,
            "staff.answer.insurer_value",
            &[("name", name.as_str()), ("number", number.as_str())],
        )),
        (Some(name), None) => Some(name.as_str().to_owned()),
        (None, Some(number)) => Some(number.as_str().to_owned()),
        (None, None) => None,
    };
    html! {
        <div id="by-number-result" role="status" data-validity={answer.validity.as_str()} data-path="terminal">
            <p id="by-number-path" class="path">{ t(lang, "staff.by_number.via_terminal") }</p>
            <p>
                { t(lang, "staff.answer.validity") }
                <span class="validity-mark" aria-hidden="true"></span>
                <strong id="by-number-validity">{ t(lang, validity_key(answer.validity)) }</strong>
            </p>
            <dl class="record">
                if let Some(name) = &answer.name {
                    <dt>{ t(lang, "staff.answer.name") }</dt>
                    <dd class="name" lang="ja">
                        { name.as_str() }
                        if let Some(kana) = &answer.name_kana {
                            { format!(" ({})", kana.as_str()) }
                        }
                    </dd>
                }
                if let Some(insurer) = insurer {
                    <dt>{ t(lang, "staff.answer.insurer") }</dt><dd class="insurer">{ insurer }</dd>
                }
                if let Some(percent) = answer.contribution_percent {
                    <dt>{ t(lang, "staff.answer.ratio") }</dt><dd class="ratio">{ ratio_text(lang, percent) }</dd>
                }
                // The 高齢受給者証 behind the share, as a by-number answer from onshi's own registry shows it.
                if let Some(share) = answer.elderly_share.as_ref().filter(|_| answer.validity == Validity::Valid) {
                    <dt>{ t(lang, "staff.answer.elderly") }</dt>
                    <dd class="elderly-share" data-until={share.certificate.valid_until.map(|until| until.to_string())}>
                        { elderly_share_text(lang, share) }
                    </dd>
                }
                if let Some(lost_on) = answer.disqualification_date {
                    <dt>{ t(lang, "staff.answer.lost_on") }</dt><dd class="lost-on">{ date_text(lost_on) }</dd>
                }
                if let Some(category) = &answer.limit_category {
                    <dt>{ t(lang, "staff.answer.limit_category") }</dt>
                    <dd class="limit-category">{ category.as_str() }</dd>
                }
                // Only when the terminal named a certificate: an answer that says none is no answer that there is none.
                if !answer.specific_diseases.is_empty() {
                    <dt>{ t(lang, "staff.answer.specific_diseases") }</dt>
                    <dd class="specific-diseases" data-count={answer.specific_diseases.len().to_string()}>
                        <SpecificDiseaseList certificates={answer.specific_diseases.clone()} lang={lang} />
                    </dd>
                }
            </dl>
        </div>
    }
}
