//! The 申立書 kept in this browser, with where each re-check stands (confirmed, changed, not found, still pending),
//! the figures (how many are left, how old the oldest is), each one's summary to show or print, and the button that
//! marks one done, which alone removes it from the store, after staff confirm it (a 申立書 removed by a slip is lost).
//!
//! Layer: user interface (one Yew component). Must not: decide how a declaration compares (the pure
//! [`crate::outage::reconcile`] does), or touch the store (the console does when [`DeclarationListProps::on_done`]
//! fires).

use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::outage::reconcile::{Entry, Figures, Recheck};
use crate::text::{STAFF, date_text, moment_text, t};

/// Properties of [`DeclarationList`].
#[derive(Properties, PartialEq)]
pub struct DeclarationListProps {
    /// The stored declarations, oldest first.
    pub entries: Vec<Entry>,
    /// The console's language.
    pub lang: Lang,
    /// Now (Unix seconds), for the oldest one's age.
    pub now: i64,
    /// Fired with an entry's id when staff mark it done.
    pub on_done: Callback<String>,
}

/// What staff are told of an entry's re-check.
fn recheck_text(lang: Lang, entry: &Entry) -> String {
    match &entry.recheck {
        Recheck::Pending => t(lang, entry.pending_key()),
        Recheck::Confirmed => t(lang, "staff.recheck.confirmed"),
        Recheck::Changed { insurer_name, insurer_number, lost_on: None } => {
            STAFF.fill(lang, "staff.recheck.changed", &[("insurer", insurer_name), ("number", insurer_number)])
        }
        Recheck::Changed { insurer_name, insurer_number, lost_on: Some(lost_on) } => STAFF.fill(
            lang,
            "staff.recheck.lost",
            &[("insurer", insurer_name), ("number", insurer_number), ("date", &date_text(*lost_on))],
        ),
        Recheck::NotFound => t(lang, "staff.recheck.not_found"),
    }
}

/// The figures line.
fn figures_text(lang: Lang, figures: Figures) -> String {
    match figures.oldest_minutes {
        None => t(lang, "staff.declarations.none"),
        Some(minutes) => STAFF.fill(
            lang,
            "staff.declarations.figures",
            &[("count", &figures.pending.to_string()), ("minutes", &minutes.to_string())],
        ),
    }
}

fn shown(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "—".into())
}

/// What an entry's buttons do: print it, ask to mark it done (or take the question back), mark it done.
struct EntryActions {
    on_print: Callback<String>,
    on_ask_done: Callback<Option<String>>,
    on_done: Callback<String>,
}

/// One 申立書: its summary as the paper form lists it, its re-check, and its buttons; `confirming` while staff are
/// asked whether it is done.
fn entry_view(lang: Lang, entry: &Entry, printing: bool, confirming: bool, actions: &EntryActions) -> Html {
    let (d, id) = (&entry.declaration, entry.id.clone());
    let heading_id = format!("declaration-{id}-heading");
    let insurer = &d.insurer;
    let insured = [insurer.symbol.clone(), insurer.insured_number.clone(), insurer.branch.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ・ ");
    let print = {
        let (id, on_print) = (id.clone(), actions.on_print.clone());
        Callback::from(move |_: MouseEvent| on_print.emit(id.clone()))
    };
    let ask_done = {
        let (id, on_ask_done) = (id.clone(), actions.on_ask_done.clone());
        Callback::from(move |_: MouseEvent| on_ask_done.emit(Some(id.clone())))
    };
    let keep = {
        let on_ask_done = actions.on_ask_done.clone();
        Callback::from(move |_: MouseEvent| on_ask_done.emit(None))
    };
    let done = {
        let (id, on_done) = (id.clone(), actions.on_done.clone());
        Callback::from(move |_: MouseEvent| on_done.emit(id.clone()))
    };
    let confirm_id = format!("declaration-{id}-confirm");
    html! {
        <li class="declaration" data-id={id.clone()} data-recheck={entry.recheck.as_str()}
            data-print={printing.to_string()} aria-labelledby={heading_id.clone()}>
            <h3 id={heading_id.clone()}>
                { t(lang, "staff.declaration.heading") }{ " — " }<span lang="ja">{ d.name.clone() }</span>
            </h3>
            <p class="recheck" role="status">{ recheck_text(lang, entry) }</p>
            if let Some(reference) = &d.from_kiosk {
                <p class="from-kiosk" data-reference={reference.clone()}>
                    { STAFF.fill(lang, "staff.declarations.from_kiosk", &[("reference", reference)]) }
                </p>
            }
            <dl class="declaration-summary">
                <dt>{ t(lang, "staff.declaration.declared_at") }</dt><dd class="declared-at">{ moment_text(d.declared_at) }</dd>
                <dt>{ t(lang, "staff.declaration.name") }</dt><dd class="name" lang="ja">{ d.name.clone() }</dd>
                <dt>{ t(lang, "staff.declaration.birth_date") }</dt><dd class="birth-date">{ date_text(d.birth_date) }</dd>
                <dt>{ t(lang, "staff.declaration.sex") }</dt>
                <dd class="sex">{ t(lang, &format!("staff.declaration.sex.{}", d.sex.as_str())) }</dd>
                <dt>{ t(lang, "staff.declaration.address") }</dt><dd class="address" lang="ja">{ d.address.clone() }</dd>
                <dt>{ t(lang, "staff.declaration.insurer_name") }</dt><dd lang="ja">{ shown(&insurer.name) }</dd>
                <dt>{ t(lang, "staff.by_number.insurer_number") }</dt><dd>{ shown(&insurer.number) }</dd>
                <dt>{ t(lang, "staff.declaration.insured_number") }</dt>
                <dd lang="ja">{ if insured.is_empty() { "—".to_owned() } else { insured } }</dd>
            </dl>
            if confirming {
                <div class="actions">
                    <p id={confirm_id.clone()} class="confirm" role="alert">{ t(lang, "staff.declarations.done_confirm") }</p>
                    <button type="button" class="confirm-done primary" aria-describedby={confirm_id.clone()} onclick={done}>
                        { t(lang, "staff.declarations.done_yes") }
                    </button>
                    <button type="button" class="keep secondary" aria-describedby={confirm_id} onclick={keep}>
                        { t(lang, "staff.declarations.done_no") }
                    </button>
                </div>
            } else {
                <div class="actions">
                    <button type="button" class="print secondary" aria-describedby={heading_id.clone()} onclick={print}>
                        { t(lang, "staff.declarations.print") }
                    </button>
                    <button type="button" class="done primary" aria-describedby={heading_id} onclick={ask_done}>
                        { t(lang, "staff.declarations.done") }
                    </button>
                </div>
            }
        </li>
    }
}

/// The list and its figures; nothing when no declaration is kept.
#[function_component(DeclarationList)]
pub fn declaration_list(props: &DeclarationListProps) -> Html {
    let lang = props.lang;
    // The one entry the print style sheet keeps on paper; the others and the rest of the console are left off.
    let printing = use_state(|| None::<String>);
    {
        use_effect_with((*printing).clone(), |printing| {
            if printing.is_some()
                && let Some(window) = web_sys::window()
            {
                let _ = window.print();
            }
        });
    }
    // The one entry staff are asked about before it is removed.
    let confirming = use_state(|| None::<String>);
    let actions = EntryActions {
        on_print: {
            let printing = printing.clone();
            Callback::from(move |id: String| printing.set(Some(id)))
        },
        on_ask_done: {
            let confirming = confirming.clone();
            Callback::from(move |id: Option<String>| confirming.set(id))
        },
        on_done: {
            let (confirming, on_done) = (confirming.clone(), props.on_done.clone());
            Callback::from(move |id: String| {
                confirming.set(None);
                on_done.emit(id);
            })
        },
    };
    let figures = Figures::of(props.entries.iter().map(|e| e.declaration.declared_at), props.now);
    html! {
        <section id="declarations" aria-labelledby="declarations-heading"
                 data-pending={figures.pending.to_string()}
                 data-oldest-minutes={figures.oldest_minutes.map(|m| m.to_string())}>
            <h2 id="declarations-heading">{ t(lang, "staff.declarations.heading") }</h2>
            <p id="declaration-figures">{ figures_text(lang, figures) }</p>
            if !props.entries.is_empty() {
                <ul>
                    { for props.entries.iter().map(|entry| {
                        let printed = printing.as_deref() == Some(entry.id.as_str());
                        let asked = confirming.as_deref() == Some(entry.id.as_str());
                        entry_view(lang, entry, printed, asked, &actions)
                    }) }
                </ul>
            }
        </section>
    }
}
