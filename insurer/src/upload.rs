//! A batch upload the clerk can watch and call off: the file's bytes sent with `XMLHttpRequest`, whose
//! `upload.onprogress` reports the bytes sent (`fetch` reports nothing while a request body goes out), signed by the
//! device over exactly those bytes, and `abort()` to cancel before the upload finishes.
//!
//! Layer: browser I/O adapter. Must not: send a body the proof does not cover, or keep the bytes after sending.

use onshi_proto::insurer::{BatchUploadAnswer, BatchUploadFormat, INSURER_BATCH_CSV_PATH, INSURER_BATCH_NDJSON_PATH};
use onshi_proto::{ApiError, ErrorCode};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::closure::Closure;
use web_sys::{ProgressEvent, XmlHttpRequest};
use yew::Callback;

use crate::client::Session;

/// How an upload ended.
#[derive(Clone, Debug, PartialEq)]
pub enum UploadEnd {
    /// The edge answered with the batch's fate.
    Answer(BatchUploadAnswer),
    /// The edge refused the upload itself (session over, too large, another batch running…).
    Refused(ErrorCode),
    /// The clerk cancelled it.
    Cancelled,
}

/// An upload under way; dropping it keeps the request going, [`Upload::cancel`] stops it.
pub struct Upload {
    request: XmlHttpRequest,
    // The handlers live as long as the request may call them.
    _on_progress: Closure<dyn FnMut(ProgressEvent)>,
    _on_end: Closure<dyn FnMut(ProgressEvent)>,
}

impl Upload {
    /// Stops the upload; the request ends as [`UploadEnd::Cancelled`].
    pub fn cancel(&self) {
        let _ = self.request.abort();
    }
}

fn path(format: BatchUploadFormat) -> &'static str {
    match format {
        BatchUploadFormat::Csv => INSURER_BATCH_CSV_PATH,
        BatchUploadFormat::Ndjson => INSURER_BATCH_NDJSON_PATH,
    }
}

/// What the finished request says.
fn ending(request: &XmlHttpRequest, event: &ProgressEvent) -> UploadEnd {
    match event.type_().as_str() {
        "abort" => return UploadEnd::Cancelled,
        "error" | "timeout" => return UploadEnd::Refused(ErrorCode::OriginUnavailable),
        _ => {}
    }
    let text = request.response_text().ok().flatten().unwrap_or_default();
    let status = request.status().unwrap_or(0);
    if status == 200 {
        return serde_json::from_str(&text).map_or(UploadEnd::Refused(ErrorCode::OriginUnavailable), UploadEnd::Answer);
    }
    UploadEnd::Refused(serde_json::from_str::<ApiError>(&text).map_or(ErrorCode::OriginUnavailable, |e| e.error))
}

/// Starts sending `bytes` as a batch of `format`; `on_progress` hears `(sent, total)` bytes as they go out and
/// `on_end` how it ended, once.
pub async fn start(
    session: &Session,
    format: BatchUploadFormat,
    bytes: Vec<u8>,
    on_progress: Callback<(f64, f64)>,
    on_end: Callback<UploadEnd>,
) -> Result<Upload, ErrorCode> {
    let path = path(format);
    let proof = session.device.proof_headers("POST", path, &bytes).await.map_err(|_| ErrorCode::Internal)?;
    let request = XmlHttpRequest::new().map_err(|_| ErrorCode::Internal)?;
    request.open("POST", path).map_err(|_| ErrorCode::Internal)?;
    for (name, value) in &proof {
        request.set_request_header(name, value).map_err(|_| ErrorCode::Internal)?;
    }
    request
        .set_request_header("Authorization", &format!("Bearer {}", session.token))
        .map_err(|_| ErrorCode::Internal)?;
    request.set_request_header("Content-Type", format.content_type()).map_err(|_| ErrorCode::Internal)?;

    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() {
            on_progress.emit((event.loaded(), event.total()));
        }
    });
    request.upload().map_err(|_| ErrorCode::Internal)?.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let on_end = {
        let request = request.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| on_end.emit(ending(&request, &event)))
    };
    // `loadend` fires exactly once, after `load`, `error`, `abort` or `timeout`; its own type says which, so each
    // of those is listened to instead and ends the upload once.
    for kind in ["load", "error", "abort", "timeout"] {
        request
            .add_event_listener_with_callback(kind, on_end.as_ref().unchecked_ref())
            .map_err(|_| ErrorCode::Internal)?;
    }
    let body = js_sys::Uint8Array::from(bytes.as_slice());
    drop(bytes);
    request.send_with_opt_buffer_source(Some(&body)).map_err(|_| ErrorCode::Internal)?;
    Ok(Upload { request, _on_progress: on_progress, _on_end: on_end })
}
