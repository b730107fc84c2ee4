//! Content negotiation of a qualification answer: JSON (the default), the national 資格確認結果 XmlMsg, or an FHIR
//! `Bundle` of JP Core `Coverage` resources, as the `Accept` header asks.
//!
//! Layer: HTTP adapter. Must not decide anything about the answer; `interop.rs` writes the two other forms, and
//! `disclosure.rs` says what of it the reader may see.

use axum::Json;
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use onshi_proto::qualification::QualificationAnswer;

use crate::disclosure::{Reader, disclose};
use crate::error::OriginError;
use crate::http::signed::Failure;
use crate::interop::{XmlHeader, to_fhir_coverage, to_xml_msg};

/// Media type of the national XmlMsg rendering.
pub const XML_MEDIA_TYPE: &str = "application/xml";
/// Media type of the FHIR rendering (a `Bundle` of JP Core `Coverage` resources).
pub const FHIR_MEDIA_TYPE: &str = "application/fhir+json";

/// The answer in the representation the `Accept` header asks for.
pub(crate) fn render_answer(
    headers: &HeaderMap,
    answer: &QualificationAnswer,
    facility_code: Option<&str>,
    arbitrary_identifier: Option<&str>,
    by_card: bool,
    now: i64,
) -> Result<Response, Failure> {
    let accept = headers.get(ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if accept.contains(XML_MEDIA_TYPE) {
        let instant = time::OffsetDateTime::from_unix_timestamp(now)
            .map_err(|_| OriginError::Clock(now))?
            .to_offset(time::macros::offset!(+9));
        let format = time::macros::format_description!("[year][month][day][hour][minute][second]");
        let header = XmlHeader {
            process_execution_time: instant.format(&format).map_err(|_| OriginError::Clock(now))?,
            medical_institution_code: facility_code.unwrap_or_default().to_owned(),
            arbitrary_file_identifier: arbitrary_identifier.map(str::to_owned),
            by_card,
        };
        let xml = to_xml_msg(answer, &header);
        return Ok(([(CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response());
    }
    if accept.contains(FHIR_MEDIA_TYPE) {
        let entries: Vec<serde_json::Value> = answer
            .records
            .iter()
            .enumerate()
            .map(|(index, record)| {
                let patient = format!("#beneficiary-{index}");
                serde_json::json!({ "resource": to_fhir_coverage(record, &patient, &patient, answer.confirmation_date) })
            })
            .collect();
        let bundle = serde_json::json!({ "resourceType": "Bundle", "type": "collection", "entry": entries });
        return Ok(([(CONTENT_TYPE, FHIR_MEDIA_TYPE)], Json(bundle)).into_response());
    }
    // JSON is what a kiosk reads for its screen; a card check-in's JSON answer is addressed to one.
    let reader = if by_card { Reader::KioskScreen } else { Reader::Facility };
    Ok(Json(disclose(answer.clone(), reader)).into_response())
}
