//! 健康保険証利用登録 at the reader: after a PIN session, the kiosk links the card to the holder's insured record once
//! they accepted the terms.
//!
//! Layer: an edge use case over [`EdgePorts`], pure like the others in [`crate::api`]. The card comes from the
//! session token and the facility from the device proof, never from the body. Must not: accept a facility,
//! certificate or device from the body, or link a card on a session opened without the PIN.

use onshi_proto::api::RegistrationSubmission;
use onshi_proto::origin::{REGISTRATION_PATH as ORIGIN_REGISTRATION_PATH, RegistrationAnswer, RegistrationRequest};

use crate::api::own;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/registration`: links the session holder's card to their insured record (健康保険証利用登録).
    pub async fn register_card(&self, request: &ApiRequest<'_>) -> Result<RegistrationAnswer, EdgeError> {
        self.audited(AuditAction::Registration, request.now_unix, async |context| {
            let (device, claims) = self.card_session(request, context).await?;
            // Linking a card to an insured record binds it for good, so it needs the PIN, not a look at the card.
            claims.require_pin()?;
            // An expired certificate, even in its grace period, may not be linked (the national rule cancels the
            // registration of a certificate left unrenewed).
            claims.require_full_scope()?;
            let certificate = claims.certificate();
            let body: RegistrationSubmission = parse_json(request.body)?;
            if !body.terms_accepted {
                return Err(EdgeError::BadRequest);
            }
            let registration = RegistrationRequest {
                certificate,
                facility_code: Some(own(device.facility_code.as_str())?),
                device_id: Some(own(device.device_id.as_str())?),
                scope: claims.scope,
            };
            // Linking is idempotent at the origin (a repeat answers "already registered"), so the one retry of
            // `call_origin` after a lost connection is safe.
            self.call_origin(ORIGIN_REGISTRATION_PATH, &registration, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }
}
