//! A CSV file staff choose in a file input: read whole, decoded (UTF-8, else Shift_JIS strictly with the browser's
//! `TextDecoder`) and handed to the caller's pure reader. The bulk panel and the patient register panel read their
//! files this way.
//!
//! Layer: browser adapter (`File`, `TextDecoder`). Must not: parse a table (that is [`crate::csv_table`] and the
//! readers over it), or keep the bytes beyond the read.

use wasm_bindgen::JsCast as _;
use yew::prelude::*;

use crate::csv_table::{ListProblem, decode};

/// Decodes Shift_JIS strictly with the browser's `TextDecoder`.
fn shift_jis(bytes: &[u8]) -> Option<String> {
    let options = web_sys::TextDecoderOptions::new();
    options.set_fatal(true);
    let decoder = web_sys::TextDecoder::new_with_label_and_options("shift_jis", &options).ok()?;
    decoder.decode_with_u8_array(bytes).ok()
}

/// Reads the chosen file whole.
async fn file_bytes(file: web_sys::File) -> Option<Vec<u8>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Reads the file chosen in the file input that fired `event`, decodes it and parses it with `parse`; `done` hears
/// the outcome once the browser has read it. Returns whether a file was chosen (nothing is read otherwise).
pub(crate) fn read_chosen<T: 'static>(
    event: &Event,
    parse: impl FnOnce(&str) -> Result<T, ListProblem> + 'static,
    done: impl FnOnce(Result<T, ListProblem>) + 'static,
) -> bool {
    let Some(input) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
        return false;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else { return false };
    wasm_bindgen_futures::spawn_local(async move {
        let read = match file_bytes(file).await {
            Some(bytes) => decode(&bytes, shift_jis).and_then(|text| parse(&text)),
            None => Err(ListProblem::NotText),
        };
        done(read);
    });
    true
}
