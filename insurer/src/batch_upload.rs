//! The batch upload screen: a CSV or JSON Lines file sent with a progress bar of the bytes sent, which the clerk
//! can cancel until the upload finishes; then, while the origin reads and applies it, a second bar of the rows read
//! and refused, then of the rows applied of all (asked every [`POLL_MS`] until the upload's answer comes or the
//! screen goes away); then the batch report: the counts of an applied batch, or the refused rows
//! (line, field, a sentence) in a table, and a download of those rows (a Blob behind an object URL) to fix and send
//! again.
//!
//! Must not: keep the file beyond the page's memory; offer to cancel once the edge has the whole file (the batch is
//! then checked and applied as one).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use onshi_proto::ErrorCode;
use onshi_proto::batch_report::{BatchRejection, BatchReport};
use onshi_proto::insurer::{BatchProgress, BatchUploadAnswer, BatchUploadFormat};
use onshi_web::i18n::Lang;
use wasm_bindgen::JsCast as _;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::client::{self, Session};
use crate::error_rows::{error_file_name, error_rows};
use crate::progress::{POLL_MS, bar, figures_text, stage_name, stage_text};
use crate::text::{INSURER, ends_session, error_key, row_error_key, t};
use crate::upload::{self, Upload, UploadEnd};

/// The screen's inputs.
#[derive(Properties, PartialEq)]
pub struct BatchUploadProps {
    /// The signed-in clerk's session.
    pub session: Session,
    /// The page's language.
    pub lang: Lang,
    /// The edge answered that the session is over.
    pub on_session_lost: Callback<ErrorCode>,
}

/// Where the upload stands.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    /// Nothing sent yet.
    Idle,
    /// Bytes going out: `(sent, total)`.
    Sending(f64, f64),
    /// The whole file is at the edge; the origin is checking and applying it, as far as it last said.
    Checking(BatchProgress),
    /// The batch's fate.
    Done(BatchUploadAnswer),
    /// The clerk cancelled.
    Cancelled,
    /// Refused or failed, as a text key.
    Failed(&'static str),
}

/// The file last sent, kept for the download of its rows in error.
struct Sent {
    name: String,
    format: BatchUploadFormat,
    text: String,
}

fn mark(name: &str) {
    onshi_web::page::mark(onshi_web::page::INSURER_SCREEN, name);
}

/// Asks how far the batch has got at once and then every [`POLL_MS`], and shows it, for as long as `round` is still
/// `mine` (a new upload, the upload's answer and leaving the screen each move it on). A failed ask keeps the last
/// figures: the upload's own answer says what became of the batch.
fn watch(session: Session, phase: UseStateHandle<Phase>, round: Rc<Cell<u32>>, mine: u32) {
    wasm_bindgen_futures::spawn_local(async move {
        while round.get() == mine {
            let answer = client::batch_progress(&session).await;
            if round.get() != mine {
                return;
            }
            match answer {
                Ok(progress) => phase.set(Phase::Checking(progress)),
                Err(code) if ends_session(code) => return,
                Err(_) => {}
            }
            TimeoutFuture::new(POLL_MS).await;
        }
    });
}

/// The second bar: the stage said once to a screen reader, the counts shown beside the bar.
fn checking_view(lang: Lang, progress: &BatchProgress) -> Html {
    let stage = stage_text(lang, progress);
    let figures = figures_text(lang, progress).unwrap_or_default();
    let stage_name = stage_name(progress);
    html! {
        <div class="progress" id="batch-progress-block" data-stage={stage_name}>
            // Always there while the origin works, so that a screen reader hears each new stage when it comes.
            <p id="batch-stage" aria-live="polite">{ stage.clone().unwrap_or_default() }</p>
            if stage.is_some() {
                <label for="batch-progress">{ t(lang, "insurer.progress.label") }</label>
                { match bar(progress) {
                    Some((value, max)) => html! {
                        <progress id="batch-progress" aria-describedby="batch-figures"
                            max={max.max(1).to_string()} value={value.to_string()}></progress>
                    },
                    None => html! { <progress id="batch-progress" aria-describedby="batch-figures"></progress> },
                } }
                <p id="batch-figures" aria-live="off">{ figures }</p>
            }
        </div>
    }
}

/// Offers `text` as a file named `name` through a Blob and an object URL, revoked once the click has started.
fn download(name: &str, text: &str, format: BatchUploadFormat) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(format.content_type());
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

fn applied_view(lang: Lang, counts: &BatchReport) -> Html {
    let rows = [
        ("rows_total", counts.rows_total),
        ("records_registered", counts.records_registered),
        ("records_held", counts.records_held),
        ("qualifications_lost", counts.qualifications_lost),
        ("notifications_raised", counts.notifications_raised),
    ];
    html! {
        <section id="batch-report" data-outcome="applied" aria-labelledby="report-heading">
            <h3 id="report-heading">{ t(lang, "insurer.report.applied_heading") }</h3>
            <dl class="counts">
                { for rows.iter().map(|(name, count)| html! {
                    <>
                        <dt>{ t(lang, &format!("insurer.report.{name}")) }</dt>
                        <dd id={format!("report-{}", name.replace('_', "-"))}>{ count.to_string() }</dd>
                    </>
                }) }
            </dl>
        </section>
    }
}

fn refused_view(lang: Lang, refused: &BatchRejection, on_download: Callback<MouseEvent>) -> Html {
    let count = refused.total_errors.to_string();
    html! {
        <section id="batch-report" data-outcome="refused" aria-labelledby="report-heading">
            <h3 id="report-heading">{ t(lang, "insurer.report.refused_heading") }</h3>
            <p id="report-total" data-total={count.clone()}>
                { INSURER.fill(lang, "insurer.report.refused_intro", &[("count", &count)]) }
            </p>
            if (refused.rows.len() as u64) < refused.total_errors {
                <p>{ INSURER.fill(lang, "insurer.report.listed", &[("count", &refused.rows.len().to_string())]) }</p>
            }
            <table id="row-errors" aria-labelledby="report-heading">
                <thead><tr>
                    <th scope="col">{ t(lang, "insurer.report.col.line") }</th>
                    <th scope="col">{ t(lang, "insurer.report.col.field") }</th>
                    <th scope="col">{ t(lang, "insurer.report.col.problem") }</th>
                </tr></thead>
                <tbody>
                    { for refused.rows.iter().map(|row| html! {
                        <tr data-line={row.line.to_string()} data-code={row.code.as_str()}>
                            <td>{ row.line.to_string() }</td>
                            <td><code>{ row.field.clone().unwrap_or_else(|| t(lang, "insurer.report.no_field")) }</code></td>
                            <td>{ t(lang, &row_error_key(row.code)) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <button id="download-errors" type="button" class="secondary" onclick={on_download}>
                { t(lang, "insurer.report.download") }
            </button>
        </section>
    }
}

/// The upload form, its progress and its report.
#[function_component(BatchUpload)]
pub fn batch_upload(props: &BatchUploadProps) -> Html {
    let lang = props.lang;
    let file = use_node_ref();
    let format = use_state(|| BatchUploadFormat::Csv);
    let phase = use_state(|| Phase::Idle);
    let upload: Rc<RefCell<Option<Upload>>> = use_mut_ref(|| None);
    let sent: Rc<RefCell<Option<Sent>>> = use_mut_ref(|| None);
    // A cancel that comes while the file is still being read and signed, before the request exists: the request is
    // then aborted as soon as it starts, so the clerk's cancel is never lost.
    let cancel_asked: Rc<RefCell<bool>> = use_mut_ref(|| false);
    // Which upload the progress is asked for: each new upload, its answer and leaving the screen move it on, and
    // a watcher of an earlier round stops.
    let poll_round: Rc<Cell<u32>> = use_memo((), |()| Cell::new(0));
    {
        let poll_round = poll_round.clone();
        use_effect_with((), move |()| move || poll_round.set(poll_round.get().wrapping_add(1)));
    }

    let choose = |value: BatchUploadFormat| {
        let format = format.clone();
        Callback::from(move |_: Event| format.set(value))
    };
    let onsubmit = {
        let (file, format, phase, upload, sent) = (file.clone(), *format, phase.clone(), upload.clone(), sent.clone());
        let (cancel_asked, poll_round) = (cancel_asked.clone(), poll_round.clone());
        let (session, lost) = (props.session.clone(), props.on_session_lost.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let chosen =
                file.cast::<web_sys::HtmlInputElement>().and_then(|input| input.files()).and_then(|f| f.get(0));
            let Some(chosen) = chosen else {
                phase.set(Phase::Failed("insurer.upload.no_file"));
                onshi_web::page::focus("batch-file");
                return;
            };
            let (phase, upload, sent, session, lost) =
                (phase.clone(), upload.clone(), sent.clone(), session.clone(), lost.clone());
            let cancel_asked = cancel_asked.clone();
            *cancel_asked.borrow_mut() = false;
            let round = poll_round.get().wrapping_add(1);
            poll_round.set(round);
            let poll_round = poll_round.clone();
            phase.set(Phase::Sending(0.0, chosen.size()));
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(buffer) = JsFuture::from(chosen.array_buffer()).await else {
                    phase.set(Phase::Failed("insurer.upload.unreadable"));
                    return;
                };
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                *sent.borrow_mut() =
                    Some(Sent { name: chosen.name(), format, text: String::from_utf8_lossy(&bytes).into_owned() });
                let on_progress = {
                    let (phase, session, poll_round) = (phase.clone(), session.clone(), poll_round.clone());
                    // The bytes are all out once; the progress events after that change nothing.
                    let watching = Cell::new(false);
                    Callback::from(move |(loaded, total): (f64, f64)| {
                        if loaded < total {
                            phase.set(Phase::Sending(loaded, total));
                        } else if !watching.replace(true) && poll_round.get() == round {
                            phase.set(Phase::Checking(BatchProgress::None));
                            watch(session.clone(), phase.clone(), poll_round.clone(), round);
                        }
                    })
                };
                let on_end = {
                    let (phase, upload) = (phase.clone(), upload.clone());
                    Callback::from(move |end: UploadEnd| {
                        // The answer is in: the watcher of this upload stops.
                        if poll_round.get() == round {
                            poll_round.set(round.wrapping_add(1));
                        }
                        upload.borrow_mut().take();
                        let next = match end {
                            UploadEnd::Answer(answer) => Phase::Done(answer),
                            UploadEnd::Cancelled => Phase::Cancelled,
                            UploadEnd::Refused(code) if ends_session(code) => {
                                lost.emit(code);
                                Phase::Failed(error_key(code))
                            }
                            UploadEnd::Refused(code) => Phase::Failed(error_key(code)),
                        };
                        mark(match &next {
                            Phase::Done(BatchUploadAnswer::Applied(_)) => "batch-applied",
                            Phase::Done(BatchUploadAnswer::Refused(_)) => "batch-refused",
                            Phase::Cancelled => "batch-cancelled",
                            _ => "batch-failed",
                        });
                        phase.set(next);
                    })
                };
                match upload::start(&session, format, bytes, on_progress, on_end).await {
                    Ok(started) => {
                        if *cancel_asked.borrow() {
                            started.cancel();
                        }
                        // Kept, also when cancelled, so that its handlers live until the request has ended.
                        *upload.borrow_mut() = Some(started);
                    }
                    Err(code) => phase.set(Phase::Failed(error_key(code))),
                }
            });
        })
    };
    let on_cancel = {
        let (upload, cancel_asked) = (upload.clone(), cancel_asked.clone());
        Callback::from(move |_: MouseEvent| {
            // Taken out first: the request may end at once, and its handler then clears the slot itself.
            let current = upload.borrow_mut().take();
            match current {
                Some(current) => {
                    current.cancel();
                    *upload.borrow_mut() = Some(current);
                }
                None => *cancel_asked.borrow_mut() = true,
            }
        })
    };
    let on_download = {
        let sent = sent.clone();
        let phase = phase.clone();
        Callback::from(move |_: MouseEvent| {
            let sent = sent.borrow();
            let (Some(sent), Phase::Done(BatchUploadAnswer::Refused(refused))) = (sent.as_ref(), &*phase) else {
                return;
            };
            let lines: Vec<u64> = refused.rows.iter().map(|row| row.line).collect();
            let text = error_rows(sent.format, &sent.text, &lines);
            let _ = download(&error_file_name(&sent.name, sent.format), &text, sent.format);
        })
    };

    let sending = matches!(*phase, Phase::Sending(..));
    let busy = sending || matches!(*phase, Phase::Checking(_));
    let (sent_bytes, total_bytes) = match *phase {
        Phase::Sending(sent, total) => (sent, total),
        Phase::Checking(_) | Phase::Done(_) => (1.0, 1.0),
        _ => (0.0, 1.0),
    };
    html! {
        <section id="upload" aria-labelledby="upload-heading">
            <h2 id="upload-heading">{ t(lang, "insurer.upload.heading") }</h2>
            <p>{ t(lang, "insurer.upload.intro") }</p>
            <form id="upload-form" {onsubmit} aria-labelledby="upload-heading" novalidate=true>
                <fieldset>
                    <legend>{ t(lang, "insurer.upload.format_label") }</legend>
                    <label class="choice">
                        <input type="radio" name="format" id="format-csv" checked={*format == BatchUploadFormat::Csv}
                            onchange={choose(BatchUploadFormat::Csv)} disabled={busy} />
                        { t(lang, "insurer.upload.format.csv") }
                    </label>
                    <label class="choice">
                        <input type="radio" name="format" id="format-ndjson"
                            checked={*format == BatchUploadFormat::Ndjson}
                            onchange={choose(BatchUploadFormat::Ndjson)} disabled={busy} />
                        { t(lang, "insurer.upload.format.ndjson") }
                    </label>
                </fieldset>
                <label for="batch-file">{ t(lang, "insurer.upload.file_label") }</label>
                <input id="batch-file" ref={file} type="file" accept=".csv,.jsonl,.ndjson,text/csv" disabled={busy} />
                <button id="upload-submit" class="primary" type="submit" disabled={busy}>
                    { t(lang, "insurer.upload.submit") }
                </button>
                if sending {
                    <button id="upload-cancel" class="secondary" type="button" onclick={on_cancel}>
                        { t(lang, "insurer.upload.cancel") }
                    </button>
                }
            </form>
            if *phase != Phase::Idle {
                <div class="progress">
                    <label for="upload-progress">{ t(lang, "insurer.upload.progress_label") }</label>
                    <progress id="upload-progress" max={total_bytes.to_string()} value={sent_bytes.to_string()}></progress>
                    <p id="upload-status" role="status">
                        { match &*phase {
                            Phase::Sending(sent, total) => INSURER.fill(lang, "insurer.upload.sent", &[
                                ("sent", &format!("{sent:.0}")), ("total", &format!("{total:.0}")),
                            ]),
                            Phase::Checking(_) => t(lang, "insurer.upload.checking"),
                            Phase::Cancelled => t(lang, "insurer.upload.cancelled"),
                            _ => String::new(),
                        } }
                    </p>
                </div>
            }
            if let Phase::Checking(progress) = &*phase {
                { checking_view(lang, progress) }
            }
            if let Phase::Failed(key) = *phase {
                <p id="upload-error" role="alert" class="warning">{ t(lang, key) }</p>
            }
            { match &*phase {
                Phase::Done(BatchUploadAnswer::Applied(counts)) => applied_view(lang, counts),
                Phase::Done(BatchUploadAnswer::Refused(refused)) => refused_view(lang, refused, on_download),
                _ => html! {},
            } }
        </section>
    }
}
