//! Content negotiation of a qualification answer: JSON (the default), the national 資格確認結果 XmlMsg (UTF-8, or
//! Shift_JIS when `Accept` asks for `charset=Shift_JIS`), or an FHIR `Bundle` after JP Core, as the `Accept` header
//! asks; and, for a caller that asked for FHIR, every refusal of the qualification routes as an `OperationOutcome`.
//!
//! Layer: HTTP adapter. Must not decide anything about the answer; `interop/` writes the other forms, and
//! `disclosure.rs` says what of it the reader may see.

use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use onshi_proto::qualification::QualificationAnswer;
use onshi_proto::{ApiError, ErrorCode};

use crate::disclosure::{Reader, disclose};
use crate::error::OriginError;
use crate::http::signed::Failure;
use crate::interop::{SearchEcho, XmlEncoding, XmlHeader, operation_outcome, to_fhir_bundle, to_xml_msg};

/// Media type of the national XmlMsg rendering.
pub const XML_MEDIA_TYPE: &str = "application/xml";
/// Media type of the FHIR rendering (a `Bundle` of JP Core `Coverage` resources, or an `OperationOutcome`).
pub const FHIR_MEDIA_TYPE: &str = "application/fhir+json";

/// Largest error body read back to turn it into an `OperationOutcome`; an `ApiError` is far smaller.
const MAX_ERROR_BODY_BYTES: usize = 4 * 1024;

/// Who asked and how, for the XmlMsg header.
pub(crate) struct Asked<'a> {
    /// The facility's 医療機関コード.
    pub facility_code: Option<&'a str>,
    /// The facility's `ArbitraryIdentifier`.
    pub arbitrary_identifier: Option<&'a str>,
    /// The search of a 記号番号 check; `None` for a card check.
    pub search: Option<SearchEcho>,
}

fn accepts(headers: &HeaderMap, media_type: &str) -> bool {
    headers.get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains(media_type))
}

/// The XmlMsg encoding `Accept` asks for: Shift_JIS when any of its `charset` parameters names it, else UTF-8.
fn xml_encoding(headers: &HeaderMap) -> XmlEncoding {
    let accept = headers.get(ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let shift_jis = accept.split([';', ',']).any(|part| {
        part.trim()
            .strip_prefix("charset=")
            .is_some_and(|charset| matches!(charset.trim_matches('"'), "shift_jis" | "shift-jis" | "sjis"))
    });
    if shift_jis { XmlEncoding::ShiftJis } else { XmlEncoding::Utf8 }
}

/// The answer in the representation the `Accept` header asks for.
pub(crate) fn render_answer(
    headers: &HeaderMap,
    answer: &QualificationAnswer,
    asked: Asked<'_>,
    now: i64,
) -> Result<Response, Failure> {
    let by_card = asked.search.is_none();
    // The XmlMsg and the FHIR forms are the facility's (its レセコン); see `disclosure.rs` for what each reader gets.
    let facility_copy =
        || disclose(answer.clone(), if by_card { Reader::FacilityByCard } else { Reader::FacilityByNumber });
    if accepts(headers, XML_MEDIA_TYPE) {
        let instant = time::OffsetDateTime::from_unix_timestamp(now)
            .map_err(|_| OriginError::Clock(now))?
            .to_offset(time::macros::offset!(+9));
        let format = time::macros::format_description!("[year][month][day][hour][minute][second]");
        let encoding = xml_encoding(headers);
        let header = XmlHeader {
            process_execution_time: instant.format(&format).map_err(|_| OriginError::Clock(now))?,
            medical_institution_code: asked.facility_code.unwrap_or_default().to_owned(),
            arbitrary_identifier: asked.arbitrary_identifier.map(str::to_owned),
            by_card,
            search: asked.search,
            encoding,
        };
        let media_type = format!("{XML_MEDIA_TYPE}; charset={}", encoding.label());
        return Ok(([(CONTENT_TYPE, media_type)], to_xml_msg(&facility_copy(), &header)).into_response());
    }
    if accepts(headers, FHIR_MEDIA_TYPE) {
        return Ok(([(CONTENT_TYPE, FHIR_MEDIA_TYPE)], Json(to_fhir_bundle(&facility_copy()))).into_response());
    }
    // JSON is what a kiosk reads for its screen; a card check-in's JSON answer is addressed to one, a 記号・番号
    // one to the staff console.
    if by_card {
        return Ok(Json(kiosk_screen_copy(answer.clone())).into_response());
    }
    Ok(Json(facility_copy()).into_response())
}

/// What of a card check-in's answer the kiosk's screen may show: its JSON answer, on whichever card route it is asked.
pub(crate) fn kiosk_screen_copy(answer: QualificationAnswer) -> QualificationAnswer {
    disclose(answer, Reader::KioskScreen)
}

/// Middleware of the qualification routes: a caller that asked for FHIR gets a refusal as an `OperationOutcome`
/// with the same status and the same stable code, instead of the `ApiError` JSON it cannot read as FHIR.
pub(crate) async fn fhir_refusals(request: Request, next: Next) -> Response {
    let wants_fhir = accepts(request.headers(), FHIR_MEDIA_TYPE);
    let response = next.run(request).await;
    let status = response.status();
    if !wants_fhir || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let code = match axum::body::to_bytes(body, MAX_ERROR_BODY_BYTES).await {
        Ok(bytes) => serde_json::from_slice::<ApiError>(&bytes).map_or(ErrorCode::Internal, |error| error.error),
        Err(_) => ErrorCode::Internal,
    };
    let outcome = serde_json::to_vec(&operation_outcome(code)).unwrap_or_default();
    parts.headers.insert(CONTENT_TYPE, HeaderValue::from_static(FHIR_MEDIA_TYPE));
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_is_chosen_only_by_a_charset_parameter_naming_it() {
        let with = |accept: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, HeaderValue::from_static(accept));
            xml_encoding(&headers)
        };
        assert_eq!(with("application/xml; charset=Shift_JIS"), XmlEncoding::ShiftJis);
        assert_eq!(with("application/xml;charset=\"shift_jis\", text/plain"), XmlEncoding::ShiftJis);
        assert_eq!(with("application/xml"), XmlEncoding::Utf8);
        assert_eq!(with("application/xml; charset=utf-8"), XmlEncoding::Utf8);
        assert_eq!(with("application/xml; note=shift_jis"), XmlEncoding::Utf8);
    }
}
