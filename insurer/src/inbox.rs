//! The notices inbox: every notice the batch checks raised for this insurer, newest first, filtered by kind and
//! state, a page at a time (the edge pages with a cursor; the page keeps the cursors it came through, so the clerk
//! can go back), and above it the count of open holds and the age of the oldest.
//!
//! Must not: show a notice of another insurer (the edge asks the origin for this session's insurer only).

use onshi_proto::ErrorCode;
use onshi_proto::insurer::{HoldSummary, InboxCursor, InboxFilter, NoticeKind, NoticePage, NoticeState};
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::client::{self, Session};
use crate::text::{INSURER, age_text, date_time_text, ends_session, error_key, kind_key, state_key, t};

/// Notices on one page.
const PAGE_SIZE: u32 = 20;

/// The inbox's inputs.
#[derive(Properties, PartialEq)]
pub struct InboxProps {
    /// The signed-in clerk's session.
    pub session: Session,
    /// The page's language.
    pub lang: Lang,
    /// Opens one notice by its id.
    pub on_open: Callback<String>,
    /// The edge answered that the session is over.
    pub on_session_lost: Callback<ErrorCode>,
}

fn now_seconds() -> i64 {
    // Whole seconds of a millisecond clock always fit in an i64.
    (js_sys::Date::now() / 1000.0).floor() as i64
}

fn select_value(event: &Event) -> String {
    event.target_dyn_into::<web_sys::HtmlSelectElement>().map(|select| select.value()).unwrap_or_default()
}

fn hold_summary(lang: Lang, holds: &HoldSummary) -> Html {
    let fill = |key, values: &[(&str, &str)]| INSURER.fill(lang, key, values);
    html! {
        <section id="holds" aria-labelledby="holds-heading">
            <h2 id="holds-heading">{ t(lang, "insurer.holds.heading") }</h2>
            if holds.open == 0 {
                <p id="holds-open" data-open="0">{ t(lang, "insurer.holds.none") }</p>
            } else {
                <p id="holds-open" data-open={holds.open.to_string()}>
                    { fill("insurer.holds.open", &[("count", &holds.open.to_string())]) }
                </p>
                if let Some(since) = holds.oldest_since {
                    <p id="holds-oldest">
                        { fill("insurer.holds.oldest", &[("age", &age_text(lang, since, now_seconds()))]) }
                    </p>
                }
                <p id="holds-ages">{ fill("insurer.holds.ages", &[
                    ("day", &holds.under_one_day.to_string()),
                    ("week", &holds.one_to_seven_days.to_string()),
                    ("older", &holds.over_seven_days.to_string()),
                ]) }</p>
            }
        </section>
    }
}

/// The inbox with its filters, pages and hold counts.
#[function_component(Inbox)]
pub fn inbox(props: &InboxProps) -> Html {
    let lang = props.lang;
    let kind = use_state(|| None::<NoticeKind>);
    let state = use_state(|| None::<NoticeState>);
    // The cursor of each page the clerk came through; the last is the page shown (`None`: the newest).
    let cursors = use_state(|| vec![None::<InboxCursor>]);
    let page = use_state(|| None::<NoticePage>);
    let holds = use_state(|| None::<HoldSummary>);
    let problem = use_state(|| None::<&'static str>);

    {
        let (session, holds, problem, lost) =
            (props.session.clone(), holds.clone(), problem.clone(), props.on_session_lost.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match client::holds(&session).await {
                    Ok(summary) => holds.set(Some(summary)),
                    Err(code) if ends_session(code) => lost.emit(code),
                    Err(code) => problem.set(Some(error_key(code))),
                }
            });
        });
    }
    {
        let (session, page, problem, lost) =
            (props.session.clone(), page.clone(), problem.clone(), props.on_session_lost.clone());
        let before = cursors.last().cloned().flatten();
        use_effect_with((*kind, *state, before), move |(kind, state, before)| {
            let filter = InboxFilter { kind: *kind, state: *state, before: before.clone(), limit: Some(PAGE_SIZE) };
            wasm_bindgen_futures::spawn_local(async move {
                match client::notices(&session, &filter).await {
                    Ok(fresh) => {
                        problem.set(None);
                        page.set(Some(fresh));
                        onshi_web::page::mark(onshi_web::page::INSURER_SCREEN, "inbox-page");
                    }
                    Err(code) if ends_session(code) => lost.emit(code),
                    Err(code) => problem.set(Some(error_key(code))),
                }
            });
        });
    }

    let on_kind = {
        let (kind, cursors) = (kind.clone(), cursors.clone());
        Callback::from(move |event: Event| {
            kind.set(select_value(&event).parse().ok());
            cursors.set(vec![None]);
        })
    };
    let on_state = {
        let (state, cursors) = (state.clone(), cursors.clone());
        Callback::from(move |event: Event| {
            state.set(select_value(&event).parse().ok());
            cursors.set(vec![None]);
        })
    };
    let next = page.as_ref().and_then(|page| page.next.clone()).and_then(|next| InboxCursor::try_from(next).ok());
    let on_next = {
        let cursors = cursors.clone();
        let next = next.clone();
        Callback::from(move |_: MouseEvent| {
            let mut through = (*cursors).clone();
            through.push(next.clone());
            cursors.set(through);
        })
    };
    let on_previous = {
        let cursors = cursors.clone();
        Callback::from(move |_: MouseEvent| {
            let mut through = (*cursors).clone();
            if through.len() > 1 {
                through.pop();
            }
            cursors.set(through);
        })
    };

    let option = |value: &'static str, key: String, selected: bool| {
        html! { <option value={value} selected={selected}>{ t(lang, &key) }</option> }
    };
    let notices = page.as_ref().map(|page| page.notices.clone()).unwrap_or_default();
    html! {
        <>
            if let Some(summary) = holds.as_ref() {
                { hold_summary(lang, summary) }
            }
            <section id="inbox" aria-labelledby="inbox-heading">
                <h2 id="inbox-heading">{ t(lang, "insurer.inbox.heading") }</h2>
                <div class="filters">
                    <label for="filter-kind">{ t(lang, "insurer.inbox.filter_kind") }</label>
                    <select id="filter-kind" onchange={on_kind}>
                        <option value="" selected={kind.is_none()}>{ t(lang, "insurer.inbox.all") }</option>
                        { for NoticeKind::ALL.iter().map(|k| option(k.as_str(), kind_key(*k), *kind == Some(*k))) }
                    </select>
                    <label for="filter-state">{ t(lang, "insurer.inbox.filter_state") }</label>
                    <select id="filter-state" onchange={on_state}>
                        <option value="" selected={state.is_none()}>{ t(lang, "insurer.inbox.all") }</option>
                        { for NoticeState::ALL.iter().map(|s| option(s.as_str(), state_key(*s), *state == Some(*s))) }
                    </select>
                </div>
                if let Some(key) = *problem {
                    <p id="inbox-error" role="alert" class="warning">{ t(lang, key) }</p>
                }
                if page.is_some() && notices.is_empty() {
                    <p class="empty" id="inbox-empty">{ t(lang, "insurer.inbox.empty") }</p>
                } else if !notices.is_empty() {
                    <table aria-labelledby="inbox-heading">
                        <thead><tr>
                            { for ["created", "kind", "state", "line", "open"].iter().map(|column| html! {
                                <th scope="col">{ t(lang, &format!("insurer.inbox.col.{column}")) }</th>
                            }) }
                        </tr></thead>
                        <tbody>
                            { for notices.into_iter().map(|notice| {
                                let on_open = props.on_open.clone();
                                let id = notice.id.clone();
                                html! {
                                    <tr key={notice.id.clone()} data-id={notice.id.clone()} data-kind={notice.kind.as_str()}
                                        data-state={notice.state.as_str()}>
                                        <td>{ date_time_text(notice.created_at) }</td>
                                        <td class="kind">{ t(lang, &kind_key(notice.kind)) }</td>
                                        <td>{ t(lang, &state_key(notice.state)) }</td>
                                        <td>{ notice.line.map(|line| line.to_string()).unwrap_or_default() }</td>
                                        <td>
                                            <button type="button" class="secondary open-notice"
                                                onclick={Callback::from(move |_: MouseEvent| on_open.emit(id.clone()))}>
                                                { t(lang, "insurer.inbox.open") }
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                }
                <nav class="pages" aria-label={t(lang, "insurer.inbox.heading")}>
                    <span id="inbox-page">
                        { INSURER.fill(lang, "insurer.inbox.page", &[("page", &cursors.len().to_string())]) }
                    </span>
                    <button id="inbox-previous" type="button" class="secondary" disabled={cursors.len() <= 1}
                        onclick={on_previous}>{ t(lang, "insurer.inbox.previous") }</button>
                    <button id="inbox-next" type="button" class="secondary" disabled={next.is_none()}
                        onclick={on_next}>{ t(lang, "insurer.inbox.next") }</button>
                </nav>
            </section>
        </>
    }
}
