//! The staff console's edge client: every call carries the proof of the page's enrolled staff console device over
//! its exact method, path and body, and, once logged in, the staff token (bound at the edge to that device) as a
//! bearer; the facility comes from the token at the edge, never from the page. Answers are read by the shared
//! [`onshi_web::client::decode`].
//!
//! Must not: keep the token or an answer; send anything but the calls below.

use gloo_net::http::Response;
use onshi_proto::ErrorCode;
use onshi_proto::api::{
    STAFF_BY_NUMBER_PATH, STAFF_CHECKINS_PATH, STAFF_LOGIN_PATH, STAFF_LOGOUT_PATH, STAFF_VISUAL_CHECK_DECISION_PATH,
    STAFF_VISUAL_CHECK_OPEN_PATH, StaffCheckInListRequest, StaffLoginRequest, StaffNumberQuery, StaffSessionResponse,
    StaffVisualCheckDecision, StaffVisualCheckOpen,
};
use onshi_proto::bridge_bulk::{
    Appointment, BulkProgress, BulkTicket, BulkUpload, STAFF_TERMINAL_BULK_PATH, STAFF_TERMINAL_BULK_STATUS_PATH,
};
use onshi_proto::bridge_health::{BridgeStatus, STAFF_BRIDGE_PATH, STAFF_BRIDGE_SETTLE_PATH};
use onshi_proto::bridge_link::{
    LinkRequestId, ReferenceRegistered, ReferenceRegistrationAsk, STAFF_TERMINAL_BY_NUMBER_PATH,
    STAFF_TERMINAL_REFERENCE_PATH, SettleAsk, Settled, TerminalAnswer,
};
use onshi_proto::checkin_page::CheckInCursor;
use onshi_proto::origin::{CheckInList, VisualCheckPerson, VisualCheckTicket};
use onshi_proto::qualification::QualificationAnswer;
use onshi_proto::withdrawal::{ConsentWithdrawn, STAFF_CONSENT_WITHDRAWAL_PATH, StaffConsentWithdrawal};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroize as _;

/// Why a staff call failed: the edge's typed code, or [`ErrorCode::OriginUnavailable`] when the edge could not be
/// reached or answered something unreadable.
pub type CallResult<T> = Result<T, ErrorCode>;

async fn decode<T: DeserializeOwned>(response: Response) -> CallResult<T> {
    onshi_web::client::decode(response).await.map_err(onshi_web::WebError::code)
}

/// Sends one call signed by the page's enrolled device ([`crate::device::current`]), with the staff token when
/// there is one; a page without a device has nothing to sign with and is told it is not enrolled.
async fn send(method: &str, path: &str, body: Option<String>, token: Option<&str>) -> CallResult<Response> {
    let device = crate::device::current().ok_or(ErrorCode::DeviceNotEnrolled)?;
    device.send(method, path, body, token).await.map_err(onshi_web::WebError::code)
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B, token: Option<&str>) -> CallResult<T> {
    let bytes = serde_json::to_string(body).map_err(|_| ErrorCode::BadRequest)?;
    decode(send("POST", path, Some(bytes), token).await?).await
}

/// Exchanges a one-time staff code for a staff session bound to this page's device.
pub async fn login(code: String) -> CallResult<StaffSessionResponse> {
    let mut request = StaffLoginRequest { code };
    let body = serde_json::to_string(&request).map_err(|_| ErrorCode::BadRequest);
    // The typed code is a credential: the request's copy and the body's are wiped once sent.
    request.code.zeroize();
    let mut body = body?;
    let response = send("POST", STAFF_LOGIN_PATH, Some(body.clone()), None).await;
    body.zeroize();
    decode(response?).await
}

/// Ends the staff session at the edge, so that its token is refused from now on, even where it was copied.
pub async fn logout(token: &str) -> CallResult<()> {
    let response = send("POST", STAFF_LOGOUT_PATH, None, Some(token)).await?;
    if response.ok() {
        return Ok(());
    }
    decode::<serde::de::IgnoredAny>(response).await.map(|_| ())
}

async fn get<T: DeserializeOwned>(path: &str, token: &str) -> CallResult<T> {
    decode(send("GET", path, None, Some(token)).await?).await
}

/// The newest page of the facility's check-ins of the day, the day's total and its pending visual checks.
pub async fn checkins(token: &str) -> CallResult<CheckInList> {
    get(STAFF_CHECKINS_PATH, token).await
}

/// The page of the day's check-ins after `cursor` (a page's `next`), with the total and pending visual checks.
pub async fn checkins_before(token: &str, cursor: CheckInCursor) -> CallResult<CheckInList> {
    post(STAFF_CHECKINS_PATH, &StaffCheckInListRequest { before: Some(cursor) }, Some(token)).await
}

/// How the facility's bridge to its 資格確認端末 stands.
pub async fn bridge_status(token: &str) -> CallResult<BridgeStatus> {
    get(STAFF_BRIDGE_PATH, token).await
}

/// Closes the uncertain terminal request `id` once staff found its outcome on the terminal; `not_uncertain` when
/// the bridge holds no uncertain request by that id (nothing changed).
pub async fn settle_uncertain(token: &str, id: LinkRequestId) -> CallResult<Settled> {
    post(STAFF_BRIDGE_SETTLE_PATH, &SettleAsk { id }, Some(token)).await
}

/// A staff call of the 申立書 relay (`crate::outage::kiosk_inbox`): `body` posted to `path` under the session.
pub async fn staff_call<B: Serialize, T: DeserializeOwned>(token: &str, path: &str, body: &B) -> CallResult<T> {
    post(path, body, Some(token)).await
}

/// A qualification by number; `query` has passed [`crate::form::NumberForm::validate`].
pub async fn by_number(token: &str, query: &StaffNumberQuery) -> CallResult<QualificationAnswer> {
    post(STAFF_BY_NUMBER_PATH, query, Some(token)).await
}

/// A qualification by number asked of the facility's 資格確認端末 through its bridge; `bridge_not_connected` when
/// the facility's bridge holds no link (nothing was counted or sent: ask [`by_number`] instead).
pub async fn terminal_by_number(token: &str, query: &StaffNumberQuery) -> CallResult<TerminalAnswer> {
    post(STAFF_TERMINAL_BY_NUMBER_PATH, query, Some(token)).await
}

/// Asks the facility's 資格確認端末, through its bridge, to register the clinic's patient id as the 照会番号 of the
/// person a national-reader check found; `terminal_timeout` means it may have been registered and is never asked
/// again.
pub async fn register_reference(token: &str, ask: &ReferenceRegistrationAsk) -> CallResult<ReferenceRegistered> {
    post(STAFF_TERMINAL_REFERENCE_PATH, ask, Some(token)).await
}

/// Hands a bulk pre-check of `rows` to the facility's 資格確認端末 through its bridge; `bridge_not_connected` when
/// the bridge holds no link (nothing was sent or kept).
pub async fn bulk_start(token: &str, rows: Vec<Appointment>) -> CallResult<BulkTicket> {
    post(STAFF_TERMINAL_BULK_PATH, &BulkUpload { rows }, Some(token)).await
}

/// How a bulk pre-check stands; its outcome is handed over once.
pub async fn bulk_status(token: &str, ticket: &BulkTicket) -> CallResult<BulkProgress> {
    post(STAFF_TERMINAL_BULK_STATUS_PATH, ticket, Some(token)).await
}

/// Opens a pending visual check: the name and birth date of the person its card is linked to. The origin audits
/// every opening.
pub async fn open_visual_check(token: &str, request_id: String) -> CallResult<VisualCheckPerson> {
    post(STAFF_VISUAL_CHECK_OPEN_PATH, &StaffVisualCheckOpen { request_id }, Some(token)).await
}

/// Approves or refuses a visual check.
pub async fn decide(token: &str, request_id: String, approve: bool) -> CallResult<VisualCheckTicket> {
    post(STAFF_VISUAL_CHECK_DECISION_PATH, &StaffVisualCheckDecision { request_id, approve }, Some(token)).await
}

/// One page of one kind of a check-in's patient's medical information; refused with `consent_required` unless the
/// patient's consent to this facility covers it.
pub async fn medical_records(
    token: &str,
    request: &onshi_proto::medical_record::StaffMedicalRecordRequest,
) -> CallResult<onshi_proto::medical_record::MedicalRecordPage> {
    post(onshi_proto::medical_record::STAFF_MEDICAL_RECORDS_PATH, request, Some(token)).await
}

/// Records the withdrawal of the consents of the patient of check-in `checkin_id`, which the patient asked for.
pub async fn withdraw_consent(token: &str, checkin_id: &str) -> CallResult<ConsentWithdrawn> {
    let checkin_id = checkin_id.try_into().map_err(|_| ErrorCode::BadRequest)?;
    post(STAFF_CONSENT_WITHDRAWAL_PATH, &StaffConsentWithdrawal { checkin_id }, Some(token)).await
}
