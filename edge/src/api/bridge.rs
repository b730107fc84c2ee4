//! The facility's bridge to its 資格確認端末: it hands on each check the national reader (顔認証付きカードリーダー)
//! did, read from the terminal's `face` folder, so that staff see it in the day's list beside the kiosk's; and it
//! reports how it stands (the terminal reachable, the 連携アプリ consuming requests), which staff read.
//!
//! Layer: edge use cases over [`EdgePorts`]. The bridge is an enrolled device of role [`DeviceRole::Bridge`]; its
//! proof is checked and counted like any device's, and no other role may call its routes. Its health report holds
//! counts and durations only, so the facility's store keeps the latest one; [`status`] decides what staff are told.
//! The bridge also holds a WebSocket link to its facility's store ([`EdgeApi::open_bridge_link`] authenticates its
//! upgrade), through which staff's by-number checks reach the terminal ([`TerminalReply`] is what the store says
//! of one).
//!
//! Must not: keep or log any part of a reader result or a terminal answer (they hold a name and an insurer; the
//! edge is a pass-through and the origin is where it rests), or take the facility from a body (it comes from the
//! device proof or the staff token).

use onshi_proto::api::DeviceRole;
use onshi_proto::bridge_health::{BridgeHealth, BridgeStatus, status};
use onshi_proto::bridge_link::TerminalOutcome;
use onshi_proto::facility::FacilityCode;
use onshi_proto::reader_result::{READER_RESULT_PATH, ReaderResult, ReaderResultReceipt, ReaderResultUpload};
use serde::{Deserialize, Serialize};

use crate::api::own;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

/// What the facility's store said of a request it was to hand to the bridge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum TerminalReply {
    /// No bridge link is open: nothing was sent.
    NotConnected,
    /// The bridge did not say how it ended within the wait: the request may be processed, and is not sent again.
    TimedOut,
    /// The bridge said how it ended.
    Outcome {
        /// How.
        outcome: TerminalOutcome,
    },
}

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `GET /api/v1/bridge/link`: a bridge opens its WebSocket link. Its device proof (over `GET`, the path and an
    /// empty body) is checked and counted like any bridge call; the facility it answers is the store the adapter
    /// hands the upgrade to, which accepts it and closes the link it replaces.
    pub async fn open_bridge_link(&self, request: &ApiRequest<'_>) -> Result<FacilityCode, EdgeError> {
        self.audited(AuditAction::BridgeLink, request.now_unix, async |context| {
            let device = self.authenticate_device_as(request, context, Some(DeviceRole::Bridge)).await?;
            Ok(device.facility_code)
        })
        .await
    }

    /// `POST /api/v1/bridge/reader-results`: a bridge hands on one national-reader result, which the origin keeps
    /// for its facility once (by the face file's name).
    pub async fn hand_on_reader_result(&self, request: &ApiRequest<'_>) -> Result<ReaderResultReceipt, EdgeError> {
        self.audited(AuditAction::ReaderResult, request.now_unix, async |context| {
            let device = self.authenticate_device_as(request, context, Some(DeviceRole::Bridge)).await?;
            let result: ReaderResult = parse_json(request.body)?;
            let upload = ReaderResultUpload {
                facility_code: device.facility_code.clone(),
                device_id: own(device.device_id.as_str())?,
                result,
            };
            self.call_origin(READER_RESULT_PATH, &upload, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/bridge/health`: the facility's bridge reports how it stands; the report replaces the last.
    pub async fn report_bridge_health(&self, request: &ApiRequest<'_>) -> Result<(), EdgeError> {
        self.audited(AuditAction::BridgeHealth, request.now_unix, async |context| {
            let device = self.authenticate_device_as(request, context, Some(DeviceRole::Bridge)).await?;
            let health: BridgeHealth = parse_json(request.body)?;
            self.ports.store_bridge_health(device.facility_code.as_str(), &health, request.now_unix).await
        })
        .await
    }

    /// `GET /api/v1/staff/bridge`: how the staff session's facility's bridge stands, and what staff must be told;
    /// nothing to tell for a facility without a bridge.
    pub async fn staff_bridge_status(&self, request: &ApiRequest<'_>) -> Result<BridgeStatus, EdgeError> {
        self.audited(AuditAction::StaffBridge, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, vec![], vec![]).await?;
            Ok(status(self.ports.bridge_health(&claims.facility).await?, request.now_unix))
        })
        .await
    }
}
