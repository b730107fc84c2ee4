//! The 一括照会 (前日確認) panel: staff choose tomorrow's appointment list, see every row in error before anything
//! is sent, send it through the facility's bridge to its 資格確認端末, follow its progress (送信済, 端末処理中, 完了,
//! 端末応答なし) and read one result per patient.
//!
//! Layer: user interface (one Yew component) over the pure [`crate::appointment_list`]; the file is read and
//! decoded by [`crate::csv_file`]. Must not: send a list with a row in error,
//! send a list again on its own after an uncertain outcome (only a new choice of file sends again), or keep a
//! result beyond the page's memory.

use std::rc::Rc;

use onshi_proto::ErrorCode;
use onshi_proto::bridge_bulk::{BulkProgress, BulkRowOutcome};
use onshi_proto::qualification::Validity;
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::appointment_list::{self, ListProblem, PlannedRow, RowProblemKind, Table};
use crate::client;
use crate::csv_file::read_chosen;
use crate::text::{STAFF, error_key, ratio_text, t, validity_key};

/// How soon the panel first asks how a sent list stands, in milliseconds; each later ask waits twice as long, up to
/// [`POLL_MAX_MS`]. The console's own refresh already spends most of a device's calls per minute, and a terminal
/// that answers 処理中 is asked again only each minute, so asking more often would learn nothing sooner.
const POLL_FIRST_MS: u32 = 2_000;
/// The longest wait between two asks.
const POLL_MAX_MS: u32 = 10_000;

/// Properties of [`BulkPanel`].
#[derive(Properties, PartialEq)]
pub struct BulkPanelProps {
    /// The staff token.
    pub token: String,
    /// The console's language.
    pub lang: Lang,
}

/// Where the panel's list stands.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Nothing chosen yet.
    Empty,
    /// The file could not be used; nothing was sent.
    Refused(ListProblem),
    /// Every row checked; ready to send.
    Ready(Rc<Vec<PlannedRow>>),
    /// Sent; how it stands, the rows kept to show the results beside their patient ids.
    Sent(Rc<Vec<PlannedRow>>, BulkProgress),
    /// The edge refused or could not take it.
    Error(ErrorCode),
}

/// The message about a file of `table` that cannot be used, filled in (the patient register's panel says its own
/// the same way).
fn problem_text(lang: Lang, problem: &ListProblem, table: Table) -> String {
    let key = problem.key(table);
    match problem {
        ListProblem::MissingColumn(column) => {
            let column = t(lang, &format!("staff.bulk.column.{column}"));
            STAFF.fill(lang, key, &[("column", &column)])
        }
        ListProblem::TooManyRows(count) => STAFF.fill(lang, key, &[("count", &count.to_string())]),
        ListProblem::Rows(rows) => STAFF.fill(lang, key, &[("count", &rows.len().to_string())]),
        ListProblem::NotText | ListProblem::Empty => t(lang, key),
    }
}

/// Why a chosen file of `table` is not used, with every row in error by its line (`#{id}-problem`,
/// `#{id}-row-problems`); the patient register's panel shows its own the same way.
pub(crate) fn refusal(lang: Lang, problem: &ListProblem, table: Table, id: &str) -> Html {
    html! {
        <div id={format!("{id}-problem")} role="alert" class="warning">
            <p>{ problem_text(lang, problem, table) }</p>
            if let ListProblem::Rows(rows) = problem {
                <ul id={format!("{id}-row-problems")}>
                    { for rows.iter().map(|row| html! {
                        <li data-line={row.line.to_string()}>{ STAFF.fill(lang, "staff.bulk.row_line",
                            &[("line", &row.line.to_string()), ("problem", &row_problem_text(lang, row.kind))]) }</li>
                    }) }
                </ul>
            }
        </div>
    }
}

/// What is wrong with one row, in the staff's language.
fn row_problem_text(lang: Lang, kind: RowProblemKind) -> String {
    if let RowProblemKind::Repeated { first_line } = kind {
        STAFF.fill(lang, kind.key(), &[("first_line", &first_line.to_string())])
    } else {
        t(lang, kind.key())
    }
}

/// One result row.
fn result_row(lang: Lang, index: usize, row: &PlannedRow, outcome: &BulkRowOutcome) -> Html {
    match outcome {
        BulkRowOutcome::Answered { validity, contribution_percent, limit_category } => html! {
            <tr data-validity={validity.as_str()}>
                <td>{ index + 1 }</td>
                <td class="patient-id">{ row.patient_id.clone() }</td>
                <td class="validity"><span class="validity-mark" aria-hidden="true"></span>{ t(lang, validity_key(*validity)) }</td>
                <td class="ratio">{ contribution_percent.map(|p| ratio_text(lang, p)).unwrap_or_default() }</td>
                <td class="limit">{ limit_category.as_ref().map(|l| l.as_str().to_owned()).unwrap_or_default() }</td>
            </tr>
        },
        BulkRowOutcome::Failed => html! {
            <tr data-validity="failed" class="failed">
                <td>{ index + 1 }</td>
                <td class="patient-id">{ row.patient_id.clone() }</td>
                <td class="validity" colspan="3">{ t(lang, "staff.bulk.row_failed") }</td>
            </tr>
        },
    }
}

/// The results table: one row per patient, in the list's order; a row the terminal's answer does not reach is
/// failed.
fn results(lang: Lang, rows: &[PlannedRow], outcomes: &[BulkRowOutcome]) -> Html {
    let outcome = |index: usize| outcomes.get(index).unwrap_or(&BulkRowOutcome::Failed);
    let (mut valid, mut other, mut failed) = (0, 0, 0);
    for index in 0..rows.len() {
        match outcome(index) {
            BulkRowOutcome::Answered { validity: Validity::Valid, .. } => valid += 1,
            BulkRowOutcome::Answered { .. } => other += 1,
            BulkRowOutcome::Failed => failed += 1,
        }
    }
    let summary = STAFF.fill(
        lang,
        "staff.bulk.summary",
        &[("valid", &valid.to_string()), ("other", &other.to_string()), ("failed", &failed.to_string())],
    );
    html! {
        <>
            <p id="bulk-summary">{ summary }</p>
            <table id="bulk-results" aria-labelledby="bulk-heading">
                <thead><tr>
                    { for ["line", "patient_id", "validity", "ratio", "limit"]
                        .map(|column| html! { <th scope="col">{ t(lang, &format!("staff.bulk.col.{column}")) }</th> }) }
                </tr></thead>
                <tbody>
                    { for rows.iter().enumerate().map(|(index, row)| result_row(lang, index, row, outcome(index))) }
                </tbody>
            </table>
        </>
    }
}

/// The panel.
#[function_component(BulkPanel)]
pub fn bulk_panel(props: &BulkPanelProps) -> Html {
    let lang = props.lang;
    let stage = use_state(|| Stage::Empty);
    // Each choice of file starts a new round; a poll of an older round stops instead of overwriting the panel.
    let round = use_mut_ref(|| 0u32);

    let on_file = {
        let (stage, round) = (stage.clone(), round.clone());
        Callback::from(move |event: Event| {
            let stage = stage.clone();
            let chosen = read_chosen(&event, appointment_list::read, move |read| {
                stage.set(match read {
                    Ok(rows) => Stage::Ready(Rc::new(rows)),
                    Err(problem) => Stage::Refused(problem),
                });
            });
            if chosen {
                *round.borrow_mut() += 1;
            }
        })
    };

    let on_send = {
        let (stage, round, token) = (stage.clone(), round.clone(), props.token.clone());
        Callback::from(move |_: MouseEvent| {
            let Stage::Ready(rows) = (*stage).clone() else { return };
            let mine = *round.borrow();
            let (stage, round, token) = (stage.clone(), round.clone(), token.clone());
            // The list is sent once: the panel leaves Ready before the call, so a second press sends nothing.
            stage.set(Stage::Sent(rows.clone(), BulkProgress::Sent));
            wasm_bindgen_futures::spawn_local(async move {
                let appointments = rows.iter().map(|row| row.appointment.clone()).collect();
                let ticket = match client::bulk_start(&token, appointments).await {
                    Ok(ticket) => ticket,
                    Err(code) => return stage.set(Stage::Error(code)),
                };
                let mut wait = POLL_FIRST_MS;
                loop {
                    gloo_timers::future::TimeoutFuture::new(wait).await;
                    wait = (wait * 2).min(POLL_MAX_MS);
                    if *round.borrow() != mine {
                        return;
                    }
                    let progress = match client::bulk_status(&token, &ticket).await {
                        Ok(progress) => progress,
                        // The store no longer holds it (restarted): the outcome is unknown, never a reason to resend.
                        Err(ErrorCode::NotFound) => BulkProgress::NoAnswer,
                        Err(code) => return stage.set(Stage::Error(code)),
                    };
                    let waiting = matches!(progress, BulkProgress::Sent | BulkProgress::TerminalProcessing);
                    stage.set(Stage::Sent(rows.clone(), progress));
                    if !waiting {
                        return;
                    }
                }
            });
        })
    };

    let body = match &*stage {
        Stage::Empty => Html::default(),
        Stage::Refused(problem) => refusal(lang, problem, Table::Appointments, "bulk"),
        Stage::Ready(rows) => html! {
            <>
                <p id="bulk-ready">{ STAFF.fill(lang, "staff.bulk.ready", &[("count", &rows.len().to_string())]) }</p>
                <button id="bulk-submit" class="primary" type="button" onclick={on_send}>{ t(lang, "staff.bulk.submit") }</button>
            </>
        },
        Stage::Sent(rows, progress) => {
            let (state, text) = match progress {
                BulkProgress::Sent => ("sent", t(lang, "staff.bulk.state.sent")),
                BulkProgress::TerminalProcessing => {
                    ("terminal_processing", t(lang, "staff.bulk.state.terminal_processing"))
                }
                BulkProgress::Done { rows: outcomes } => {
                    ("done", STAFF.fill(lang, "staff.bulk.state.done", &[("count", &outcomes.len().to_string())]))
                }
                BulkProgress::NoAnswer => ("no_answer", t(lang, "staff.bulk.state.no_answer")),
                BulkProgress::Failed => ("failed", t(lang, "staff.bulk.state.failed")),
            };
            let warning = matches!(progress, BulkProgress::NoAnswer | BulkProgress::Failed).then_some("warning");
            html! {
                <>
                    <p id="bulk-progress" role="status" aria-live="polite" data-state={state} class={warning}>{ text }</p>
                    if let BulkProgress::Done { rows: outcomes } = progress {
                        { results(lang, rows, outcomes) }
                    }
                </>
            }
        }
        Stage::Error(code) => html! {
            <p id="bulk-error" role="alert" class="warning" data-error={code.as_str()}>{ t(lang, error_key(*code)) }</p>
        },
    };
    html! {
        <section aria-labelledby="bulk-heading" id="bulk">
            <h2 id="bulk-heading">{ t(lang, "staff.bulk.heading") }</h2>
            <p class="hint">{ t(lang, "staff.bulk.intro") }</p>
            <label for="bulk-file">{ t(lang, "staff.bulk.file_label") }</label>
            <input id="bulk-file" type="file" accept=".csv,text/csv" onchange={on_file} />
            { body }
        </section>
    }
}
