//! One notice opened: the insurer's own record and the record it was compared with, side by side, item by item,
//! each differing item marked in words (not by colour alone), a 外字 said as such, the kana name both as entered
//! and normalised; the decisions taken so far; and, while the record is held, the [`Resolution`] form.
//!
//! Must not: show more of the other record than the origin gives (for another record, only what differs).

use onshi_proto::ErrorCode;
use onshi_proto::insurer::{Comparison, DecisionOutcome, Item, MemberRecord, NoticeDetail, ResolutionKind};
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::client::{self, Session};
use crate::resolution::Resolution;
use crate::text::{
    INSURER, comparison_key, date_time_text, ends_session, error_key, item_key, kind_key, outcome_key, source_key,
    state_key, t,
};

/// The notice screen's inputs.
#[derive(Properties, PartialEq)]
pub struct NoticeViewProps {
    /// The signed-in clerk's session.
    pub session: Session,
    /// The page's language.
    pub lang: Lang,
    /// The notice's id.
    pub id: String,
    /// Back to the inbox.
    pub on_back: Callback<()>,
    /// The edge answered that the session is over.
    pub on_session_lost: Callback<ErrorCode>,
}

/// The insurer's own value of one item.
fn member_value(lang: Lang, member: &MemberRecord, item: Item) -> Html {
    match item {
        Item::Name => html! {
            <>
                <span lang="ja">{ &member.name }</span>
                if member.name_has_gaiji {
                    <span class="gaiji">{ " " }{ t(lang, "insurer.notice.gaiji") }</span>
                }
            </>
        },
        Item::NameKana => html! {
            <dl class="kana">
                <dt>{ t(lang, "insurer.notice.kana_raw") }</dt><dd lang="ja">{ &member.name_kana }</dd>
                <dt>{ t(lang, "insurer.notice.kana_normalized") }</dt><dd lang="ja">{ &member.name_kana_normalized }</dd>
            </dl>
        },
        Item::BirthDate => html! { { member.birth_date.to_string() } },
        Item::Sex => html! { { t(lang, &format!("insurer.sex.{}", member.sex.as_str())) } },
        Item::Address => html! { <span lang="ja">{ &member.address }</span> },
    }
}

fn decision_kind_key(kind: ResolutionKind) -> String {
    format!("insurer.resolution.kind.{}", kind.as_str())
}

/// The notice, loaded when opened and again after a decision.
#[function_component(NoticeView)]
pub fn notice_view(props: &NoticeViewProps) -> Html {
    let lang = props.lang;
    let detail = use_state(|| None::<NoticeDetail>);
    let problem = use_state(|| None::<&'static str>);
    let outcome = use_state(|| None::<DecisionOutcome>);
    let reloads = use_state(|| 0_u32);
    {
        let (session, detail, problem, lost) =
            (props.session.clone(), detail.clone(), problem.clone(), props.on_session_lost.clone());
        use_effect_with((props.id.clone(), *reloads), move |(id, _)| {
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match client::notice(&session, &id).await {
                    Ok(fresh) => {
                        detail.set(Some(fresh));
                        onshi_web::page::mark(onshi_web::page::INSURER_SCREEN, "notice");
                    }
                    Err(code) if ends_session(code) => lost.emit(code),
                    Err(code) => problem.set(Some(error_key(code))),
                }
            });
        });
    }
    let on_resolved = {
        let (outcome, reloads) = (outcome.clone(), reloads.clone());
        Callback::from(move |decided: DecisionOutcome| {
            outcome.set(Some(decided));
            reloads.set(*reloads + 1);
        })
    };
    let on_back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_: MouseEvent| on_back.emit(()))
    };

    let body = match detail.as_ref() {
        None => html! {},
        Some(detail) => {
            let member = &detail.member;
            let line = match detail.notice.line {
                Some(line) => INSURER.fill(lang, "insurer.notice.line", &[("line", &line.to_string())]),
                None => t(lang, "insurer.notice.no_line"),
            };
            let raised = INSURER.fill(
                lang,
                "insurer.notice.raised",
                &[("time", &date_time_text(detail.notice.created_at)), ("line", &line)],
            );
            html! {
                <>
                    <p id="notice-kind" data-kind={detail.notice.kind.as_str()} data-state={detail.notice.state.as_str()}>
                        <strong>{ t(lang, &kind_key(detail.notice.kind)) }</strong>
                        { " — " }{ t(lang, &state_key(detail.notice.state)) }
                    </p>
                    <p>{ raised }</p>
                    <p id="notice-number">
                        { t(lang, "insurer.notice.individual_number") }{ ": " }
                        { member.individual_number.clone().unwrap_or_else(|| t(lang, "insurer.notice.no_number")) }
                    </p>
                    <section aria-labelledby="compare-heading">
                        <h3 id="compare-heading">{ t(lang, "insurer.notice.compare_heading") }</h3>
                        { comparison_table(lang, detail) }
                    </section>
                    <p id="hold-state" data-held={member.held.to_string()}>
                        if member.held {
                            { INSURER.fill(lang, "insurer.notice.held", &[(
                                "since",
                                &member.held_since.map(date_time_text).unwrap_or_default(),
                            )]) }
                        } else {
                            { t(lang, "insurer.notice.not_held") }
                        }
                    </p>
                    if let (true, Some(proposal)) = (member.held, &detail.proposal) {
                        <p id="hold-proposal" data-proposed-by={proposal.proposed_by.clone()}>
                            { INSURER.fill(lang, "insurer.notice.proposal", &[
                                ("at", &date_time_text(proposal.proposed_at)),
                                ("by", &proposal.proposed_by),
                                ("reason", &proposal.reason),
                            ]) }
                        </p>
                    }
                    if let Some(decided) = *outcome {
                        <p id="resolution-outcome" role="status" data-outcome={decided.as_str()}>
                            { t(lang, &outcome_key(decided)) }
                        </p>
                    }
                    if member.held {
                        <Resolution session={props.session.clone()} lang={lang} person_id={member.person_id.clone()}
                            on_resolved={on_resolved} on_session_lost={props.on_session_lost.clone()} />
                    }
                    if !detail.decisions.is_empty() {
                        <section aria-labelledby="decisions-heading">
                            <h3 id="decisions-heading">{ t(lang, "insurer.notice.decisions") }</h3>
                            <ul id="decisions">
                                { for detail.decisions.iter().map(|decision| html! {
                                    <li data-outcome={decision.outcome.as_str()}>
                                        { INSURER.fill(lang, "insurer.notice.decision", &[
                                            ("at", &date_time_text(decision.decided_at)),
                                            ("by", &decision.decided_by),
                                            ("resolution", &t(lang, &decision_kind_key(decision.resolution))),
                                            ("reason", &decision.reason.clone()
                                                .unwrap_or_else(|| t(lang, "insurer.resolution.no_reason"))),
                                        ]) }
                                        { " " }{ t(lang, &outcome_key(decision.outcome)) }
                                    </li>
                                }) }
                            </ul>
                        </section>
                    }
                </>
            }
        }
    };
    html! {
        <section id="notice" aria-labelledby="notice-heading">
            <h2 id="notice-heading" tabindex="-1">{ t(lang, "insurer.notice.heading") }</h2>
            <button id="notice-back" type="button" class="secondary" onclick={on_back}>
                { t(lang, "insurer.notice.back") }
            </button>
            if let Some(key) = *problem {
                <p id="notice-error" role="alert" class="warning">{ t(lang, key) }</p>
            }
            { body }
        </section>
    }
}

/// The two records item by item: the insurer's value, and how the other record compares (with its value only
/// where the origin gives it).
fn comparison_table(lang: Lang, detail: &NoticeDetail) -> Html {
    let Some(counterpart) = detail.counterpart.as_ref() else {
        return html! { <p id="no-counterpart">{ t(lang, "insurer.notice.no_counterpart") }</p> };
    };
    let heading =
        INSURER.fill(lang, "insurer.notice.col.counterpart", &[("source", &t(lang, &source_key(counterpart.source)))]);
    html! {
        <table id="comparison" data-source={counterpart.source.as_str()}>
            <thead><tr>
                <th scope="col">{ t(lang, "insurer.notice.col.item") }</th>
                <th scope="col">{ t(lang, "insurer.notice.col.member") }</th>
                <th scope="col">{ heading }</th>
            </tr></thead>
            <tbody>
                { for Item::ALL.iter().map(|&item| {
                    let difference = counterpart.items.iter().find(|difference| difference.item == item);
                    let comparison = difference.map(|difference| difference.comparison);
                    let differs = comparison == Some(Comparison::Differs);
                    html! {
                        <tr data-item={item.as_str()} data-comparison={comparison.map(Comparison::as_str)}
                            class={classes!(differs.then_some("differs"))}>
                            <th scope="row">{ t(lang, &item_key(item)) }</th>
                            <td>{ member_value(lang, &detail.member, item) }</td>
                            <td>
                                if let Some(difference) = difference {
                                    <strong class="comparison">{ t(lang, &comparison_key(difference.comparison)) }</strong>
                                    if let Some(value) = &difference.other_value {
                                        { " " }<span lang="ja" class="other-value">{ value }</span>
                                    } else if differs {
                                        { " " }{ t(lang, "insurer.notice.hidden_value") }
                                    }
                                } else {
                                    { "—" }
                                }
                            </td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}
