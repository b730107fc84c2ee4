//! What a patient takes back, at the edge: their consents to a facility, withdrawn at the kiosk after card + PIN
//! or recorded by that facility's staff at their request, and their card's 健康保険証利用登録, cancelled at a
//! registration point after card + PIN.
//!
//! Layer: edge use cases over [`EdgePorts`], pure like the others in [`crate::api`]. The card comes from the session
//! token, the facility from the device proof or the staff session, never from the body; the origin keeps the
//! consents and the links. Must not: accept a facility, certificate or device from the body, act on a session
//! opened without the PIN (a card that is only looked at proves nothing about the holder's wish), or let staff
//! reach a check-in of another facility (the origin looks the check-in up within the staff session's facility).

use onshi_proto::withdrawal::{
    ConsentWithdrawal, ConsentWithdrawalSubmission, ConsentWithdrawn, ORIGIN_CONSENT_WITHDRAWAL_PATH,
    ORIGIN_REGISTRATION_CANCEL_PATH, RegistrationCancelAnswer, RegistrationCancelRequest, RegistrationCancelSubmission,
    StaffConsentWithdrawal, WithdrawalBy,
};

use crate::api::own;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/consent/withdraw`: the session holder withdraws every consent they gave the device's facility.
    pub async fn withdraw_consent(&self, request: &ApiRequest<'_>) -> Result<ConsentWithdrawn, EdgeError> {
        self.audited(AuditAction::ConsentWithdrawal, request.now_unix, async |context| {
            let (device, claims) = self.card_session(request, context).await?;
            claims.require_pin()?;
            // Withdrawing only takes access away, so a certificate in its grace period may withdraw what it gave
            // before it expired: no scope is required.
            let body: ConsentWithdrawalSubmission = parse_json(request.body)?;
            if !body.confirmed {
                return Err(EdgeError::BadRequest);
            }
            let withdrawal = ConsentWithdrawal {
                facility_code: own(device.facility_code.as_str())?,
                by: WithdrawalBy::Card {
                    certificate: claims.certificate(),
                    device_id: own(device.device_id.as_str())?,
                },
            };
            // A repeated withdrawal withdraws nothing more, so the one retry of `call_origin` is safe.
            self.call_origin(ORIGIN_CONSENT_WITHDRAWAL_PATH, &withdrawal, request.forwarded.clone(), request.now_unix)
                .await
        })
        .await
    }

    /// `POST /api/v1/staff/consent/withdraw`: staff record the withdrawal the patient of one of the day's
    /// check-ins asked for at the counter.
    pub async fn staff_withdraw_consent(&self, request: &ApiRequest<'_>) -> Result<ConsentWithdrawn, EdgeError> {
        self.audited(AuditAction::StaffConsentWithdrawal, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, vec![], vec![]).await?;
            let body: StaffConsentWithdrawal = parse_json(request.body)?;
            let withdrawal = ConsentWithdrawal {
                facility_code: own(claims.facility.clone())?,
                by: WithdrawalBy::Staff { checkin_id: body.checkin_id, staff_id: own(claims.staff.clone())? },
            };
            self.call_origin(ORIGIN_CONSENT_WITHDRAWAL_PATH, &withdrawal, request.forwarded.clone(), request.now_unix)
                .await
        })
        .await
    }

    /// `POST /api/v1/registration/cancel`: the session holder cancels their card's 健康保険証利用登録.
    pub async fn cancel_registration(&self, request: &ApiRequest<'_>) -> Result<RegistrationCancelAnswer, EdgeError> {
        self.audited(AuditAction::RegistrationCancel, request.now_unix, async |context| {
            let (device, claims) = self.card_session(request, context).await?;
            // Unlinking a card ends its use as a 保険証 everywhere, so it needs the PIN, as linking does.
            claims.require_pin()?;
            let body: RegistrationCancelSubmission = parse_json(request.body)?;
            if !body.confirmed {
                return Err(EdgeError::BadRequest);
            }
            let cancel = RegistrationCancelRequest {
                certificate: claims.certificate(),
                facility_code: own(device.facility_code.as_str())?,
                device_id: own(device.device_id.as_str())?,
                scope: claims.scope,
            };
            // A repeat answers "not registered" and changes nothing, so the one retry of `call_origin` is safe.
            self.call_origin(ORIGIN_REGISTRATION_CANCEL_PATH, &cancel, request.forwarded.clone(), request.now_unix)
                .await
        })
        .await
    }
}
