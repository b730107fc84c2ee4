//! The card holder's own access log at the edge: after card + PIN at a kiosk, which facilities read their
//! information, when and what kind, a page at a time, passed through from the origin.
//!
//! Layer: edge use case over [`EdgePorts`], pure like the others in [`crate::api`]. The card comes from the session
//! token and the kiosk and its facility from the device proof, never from the body, which only says where the page
//! starts; the origin finds the person behind the certificate, so a session reaches its own holder's log alone.
//! Must not: act on a session opened without the PIN (a card only looked at proves nothing about who holds it) or
//! in a certificate's grace period (it confirms the qualification only), or keep anything of the answer.

use onshi_proto::access_log::{AccessLogPage, AccessLogQuery, AccessLogSubmission, ORIGIN_ACCESS_LOG_PATH};

use crate::api::own;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/access-log`: one page of the session holder's access log.
    pub async fn access_log(&self, request: &ApiRequest<'_>) -> Result<AccessLogPage, EdgeError> {
        self.audited(AuditAction::AccessLog, request.now_unix, async |context| {
            let (device, claims) = self.card_session(request, context).await?;
            claims.require_pin()?;
            claims.require_full_scope()?;
            let body: AccessLogSubmission = parse_json(request.body)?;
            let query = AccessLogQuery {
                certificate: claims.certificate(),
                facility_code: own(device.facility_code.as_str())?,
                device_id: own(device.device_id.as_str())?,
                scope: claims.scope,
                before: body.before,
            };
            // Reading changes nothing but the audit trail, so the one retry of `call_origin` is safe.
            self.call_origin(ORIGIN_ACCESS_LOG_PATH, &query, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }
}
