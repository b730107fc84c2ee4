//! The patient kiosk's staff visual check (目視): the card's 利用者証明用 certificate (EF 000A, readable without a
//! PIN) goes to the edge, which verifies it as for a PIN session and hands the request to the origin; the kiosk
//! then polls its request id until staff approve (a card session and the qualification arrive, once) or refuse.
//!
//! The check-in task calls [`request`] with the certificate it read when the person chooses the visual check, then
//! [`wait_for_decision`]. When the patient leaves before staff decide (最初にもどる, the idle reset, the reader
//! unplugged), the check-in task calls [`withdraw`], so the request leaves the staff console instead of waiting
//! there for a patient who is gone. All three are also exported to JavaScript (`staff_visual_check_request`,
//! `staff_visual_check_status`, `staff_visual_check_withdraw`) for the end-to-end tests.

use onshi_proto::api::{
    VISUAL_CHECK_PATH, VISUAL_CHECK_STATUS_PATH, VISUAL_CHECK_WITHDRAW_PATH, VisualCheckRequest,
    VisualCheckStatusRequest, VisualCheckStatusResponse,
};
use onshi_proto::card_face::CardFacePresence;
use onshi_proto::origin::{VisualCheckReason, VisualCheckState, VisualCheckTicket};
use onshi_proto::{Base64Bytes, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::platform::api;
use crate::platform::device::{self, Device};

/// How often the kiosk asks whether staff have decided, in milliseconds.
pub const POLL_INTERVAL_MS: u32 = 1_500;

/// Why a visual-check call failed: the edge's typed code ([`ErrorCode::OriginUnavailable`] when it could not be
/// reached, [`ErrorCode::DeviceNotEnrolled`] when the kiosk holds no device or the edge no longer knows it).
pub type VisualCheckResult<T> = Result<T, ErrorCode>;

async fn enrolled_device() -> VisualCheckResult<Device> {
    device::load().await.ok().flatten().ok_or(ErrorCode::DeviceNotEnrolled)
}

async fn post<B: Serialize, T: DeserializeOwned>(device: &Device, path: &str, body: &B) -> VisualCheckResult<T> {
    // The same client as every other kiosk call: the device proof over the exact bytes, and the edge baked into
    // the Isolated Web App when there is one.
    api::device_call(device, path, body).await.map_err(|error| error.code())
}

/// Asks staff to confirm the holder of the card whose certificate is `certificate_der`, saying why (staff see it
/// beside the request), with the 目視 assist's card-presence proof when staff opened the card face at the kiosk.
/// No PIN is involved.
pub async fn request(
    certificate_der: &[u8],
    reason: VisualCheckReason,
    card_face: Option<CardFacePresence>,
) -> VisualCheckResult<VisualCheckTicket> {
    let device = enrolled_device().await?;
    let body = VisualCheckRequest { certificate: Base64Bytes::from(certificate_der.to_vec()), reason, card_face };
    post(&device, VISUAL_CHECK_PATH, &body).await
}

/// Asks once where the request stands; an approved request answers with a session and the qualification, once.
pub async fn status(request_id: &str) -> VisualCheckResult<VisualCheckStatusResponse> {
    let device = enrolled_device().await?;
    post(&device, VISUAL_CHECK_STATUS_PATH, &VisualCheckStatusRequest { request_id: request_id.to_owned() }).await
}

/// Withdraws the request because its patient left; answers where it stands afterwards (`withdrawn`, or what it
/// already was when staff had refused it or it had lapsed).
pub async fn withdraw(request_id: &str) -> VisualCheckResult<VisualCheckTicket> {
    let device = enrolled_device().await?;
    post(&device, VISUAL_CHECK_WITHDRAW_PATH, &VisualCheckStatusRequest { request_id: request_id.to_owned() }).await
}

/// Polls until staff decide or the request lapses; returns the final answer (with the session and the
/// qualification when approved).
pub async fn wait_for_decision(request_id: &str) -> VisualCheckResult<VisualCheckStatusResponse> {
    loop {
        let answer = status(request_id).await?;
        if answer.state != VisualCheckState::Pending {
            return Ok(answer);
        }
        gloo_timers::future::TimeoutFuture::new(POLL_INTERVAL_MS).await;
    }
}

/// JavaScript bindings of [`request`], [`status`] and [`withdraw`], answering the wire JSON or throwing the error code.
#[allow(unsafe_code)] // The #[wasm_bindgen] exports expand to FFI glue.
mod exports {
    use wasm_bindgen::prelude::*;

    fn to_js<T: serde::Serialize>(result: super::VisualCheckResult<T>) -> Result<JsValue, JsValue> {
        match result {
            Ok(value) => serde_json::to_string(&value)
                .map(|json| JsValue::from_str(&json))
                .map_err(|_| JsValue::from_str("internal")),
            Err(code) => Err(JsValue::from_str(code.as_str())),
        }
    }

    /// `staff_visual_check_request(certificateDer: Uint8Array) -> Promise<string>` (a `VisualCheckTicket`).
    #[wasm_bindgen]
    pub async fn staff_visual_check_request(certificate_der: Vec<u8>) -> Result<JsValue, JsValue> {
        to_js(super::request(&certificate_der, super::VisualCheckReason::PatientChose, None).await)
    }

    /// `staff_visual_check_status(requestId: string) -> Promise<string>` (a `VisualCheckStatusResponse`).
    #[wasm_bindgen]
    pub async fn staff_visual_check_status(request_id: String) -> Result<JsValue, JsValue> {
        to_js(super::status(&request_id).await)
    }

    /// `staff_visual_check_withdraw(requestId: string) -> Promise<string>` (a `VisualCheckTicket`).
    #[wasm_bindgen]
    pub async fn staff_visual_check_withdraw(request_id: String) -> Result<JsValue, JsValue> {
        to_js(super::withdraw(&request_id).await)
    }
}
