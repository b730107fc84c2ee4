//! The facility's national reader: the bridge beside its 資格確認端末 hands on each check the reader did (read from
//! the terminal's `face` folder), through the edge, which authenticated the bridge and names its facility. The
//! result is kept once per face file and listed to staff with the day's check-ins (`http/staff.rs`).
//!
//! Layer: HTTP adapter, signed by the edge. Must not speak SQL (`store/reader_results.rs` does), or take a
//! facility from anywhere but the edge's signed body.

use axum::Json;
use axum::extract::State;
use onshi_proto::IsoDate;
use onshi_proto::reader_result::{ReaderResultReceipt, ReaderResultUpload};

use crate::clock::tokyo_date;
use crate::disclosure::disclose_reader_result;
use crate::http::audit::{Who, audit};
use crate::http::signed::{Failure, SignedJson};
use crate::http::state::AppState;
use crate::store::random_id;
use crate::store::reader_results::NewReaderResult;

/// Audit purpose of a national-reader result handed on by a bridge.
pub const PURPOSE_READER_RESULT: &str = "reader_result";

/// `POST /v1/reader-results`: keeps a national-reader result for the bridge's facility, once per face file; a
/// file handed on again (the bridge restarted before it saw the answer) is acknowledged and adds nothing. Each call
/// is audited, naming the bridge, with `kept` or `repeated`.
pub(crate) async fn receive_reader_result(
    State(state): State<AppState>,
    SignedJson(upload): SignedJson<ReaderResultUpload>,
) -> std::result::Result<Json<ReaderResultReceipt>, Failure> {
    let now = state.now();
    // The 特定疾病 category is kept only under the reader's own consent flag, whatever the bridge sent.
    let result = disclose_reader_result(upload.result);
    let checked_at = result.checked_at.unwrap_or(now);
    let id = random_id()?;
    let new = state
        .store()
        .insert_reader_result(&NewReaderResult {
            id: &id,
            facility_code: upload.facility_code.as_str(),
            device_id: upload.device_id.as_str(),
            checked_at,
            result_date: IsoDate(tokyo_date(checked_at)?),
            received_at: now,
            result: &result,
        })
        .await?;
    let who = Who {
        device_id: Some(upload.device_id.as_str()),
        facility_code: Some(upload.facility_code.as_str()),
        arbitrary_identifier: None,
    };
    audit(&state, now, &who, None, PURPOSE_READER_RESULT, if new { "kept" } else { "repeated" }).await?;
    Ok(Json(ReaderResultReceipt { new }))
}
