//! Device enrolment and the admin's device routes: a one-time enrolment code, its redemption by a kiosk that
//! registers its key, the kiosk's check that it is still enrolled, and revocation.
//!
//! Layer: edge use cases over [`EdgePorts`], on the pure rules of [`crate::auth::device`] and
//! [`crate::auth::enrolment_code`]. Must not: burn a code for a malformed key (the key is checked first), keep the
//! typed code beyond parsing it, or let anything but an admin of the device's facility (or the national operator)
//! issue codes or revoke devices.

use onshi_proto::api::{
    DeviceRevokeResponse, DeviceRole, EnrolRequest, EnrolResponse, EnrolmentCodeRequest, EnrolmentCodeResponse,
};
use zeroize::Zeroize as _;

use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::auth::device::{DEVICE_ID_NONCE_RANDOM_LEN, DeviceId, DeviceRecord, check_public_key};
use crate::auth::enrolment_code::{
    CodeKind, DeviceTerms, ENROLMENT_CODE_LIFETIME_SECS, EnrolmentCode, judge_redemption,
};
use crate::error::EdgeError;
use crate::http_policy::parse_json;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/devices/enrol`: redeems a one-time code and registers the device's public key.
    ///
    /// The key is checked before the code is redeemed, so a malformed key does not burn the code; every attempt
    /// counts against the client's limit first, so codes cannot be guessed at speed.
    pub async fn enrol(&self, request: &ApiRequest<'_>) -> Result<EnrolResponse, EdgeError> {
        self.audited(AuditAction::Enrol, request.now_unix, async |context| {
            self.throttle_unauthenticated(request).await?;
            let mut body: EnrolRequest = parse_json(request.body)?;
            let code = EnrolmentCode::parse(&body.code);
            // The typed code is a credential: only the parsed copy, which wipes itself, lives on.
            body.code.zeroize();
            let code = code?;
            check_public_key(body.public_key.as_slice())?;
            if !self.ports.p256_key_is_valid(body.public_key.as_slice()).await? {
                return Err(EdgeError::BadRequest);
            }
            let stored = self.redeem_code(CodeKind::Enrolment, &code, request.now_unix).await?;
            let terms = stored.as_ref().map(|stored| stored.terms.clone()).unwrap_or_default();
            let facility_code = judge_redemption(stored, request.now_unix)?;
            context.facility = Some(facility_code.as_str().to_owned());
            if body.role.is_some_and(|wanted| wanted != terms.role) {
                return Err(EdgeError::EnrolmentCodeInvalid("another role's"));
            }
            let device_id =
                self.config.device_ids.issue(&facility_code, &self.random::<DEVICE_ID_NONCE_RANDOM_LEN>()?)?;
            context.device = Some(device_id.as_str().to_owned());
            self.ports
                .store_device(&DeviceRecord {
                    device_id: device_id.clone(),
                    facility_code: facility_code.as_str().to_owned(),
                    public_key: body.public_key.clone(),
                    enrolled_at: request.now_unix,
                    revoked: false,
                    terms,
                })
                .await?;
            Ok(EnrolResponse { device_id: device_id.as_str().to_owned(), facility_code })
        })
        .await
    }

    /// `GET /api/v1/device`: the device confirms that the edge still knows it. The device proof is all there is to
    /// check, so an unknown or revoked device is `device_not_enrolled` and a bad proof `unauthorized`, exactly as
    /// on the card routes; the check counts against the device's rate limits like any proven request.
    pub async fn confirm_device(&self, request: &ApiRequest<'_>) -> Result<(), EdgeError> {
        self.audited(AuditAction::DeviceConfirmed, request.now_unix, async |context| {
            self.authenticate_device_as(request, context, None).await.map(|_| ())
        })
        .await
    }

    /// `POST /api/v1/admin/enrolment-codes`: a one-time enrolment code for a facility.
    pub async fn issue_enrolment_code(&self, request: &ApiRequest<'_>) -> Result<EnrolmentCodeResponse, EdgeError> {
        self.audited(AuditAction::EnrolmentCodeIssued, request.now_unix, async |context| {
            let admin = self.admin(request, context)?;
            let body: EnrolmentCodeRequest = parse_json(request.body)?;
            context.facility = Some(body.facility_code.as_str().to_owned());
            admin.may_act_for(body.facility_code.as_str())?;
            if body.staffed && body.role != DeviceRole::Kiosk {
                // 目視 stands on staff seeing the patient at a kiosk; a bridge has no patient in front of it.
                return Err(EdgeError::BadRequest);
            }
            let code = EnrolmentCode::generate(&self.random()?);
            let expires_at = request.now_unix.saturating_add(ENROLMENT_CODE_LIFETIME_SECS);
            self.ports
                .store_enrolment_code(
                    &self.config.code_lookup.stored_under(CodeKind::Enrolment, &code)?,
                    &body.facility_code,
                    &DeviceTerms::requested(&body),
                    expires_at,
                    request.now_unix,
                )
                .await?;
            Ok(EnrolmentCodeResponse { code: code.display(), facility_code: body.facility_code, expires_at })
        })
        .await
    }

    /// `POST /api/v1/admin/devices/<id>/revoke`: revokes a device; an unknown device is `not_found`.
    pub async fn revoke_device(
        &self,
        request: &ApiRequest<'_>,
        device_id: &str,
    ) -> Result<DeviceRevokeResponse, EdgeError> {
        self.audited(AuditAction::DeviceRevoked, request.now_unix, async |context| {
            let admin = self.admin(request, context)?;
            let id = DeviceId::parse(device_id).map_err(|_| EdgeError::NotFound)?;
            context.device = Some(id.as_str().to_owned());
            context.facility = Some(id.facility_code().to_owned());
            // The facility is part of the id, so another facility's device is refused before any store is asked.
            admin.may_act_for(id.facility_code())?;
            if !self.ports.revoke_device(&id).await? {
                return Err(EdgeError::NotFound);
            }
            Ok(DeviceRevokeResponse { device_id: id.as_str().to_owned(), revoked: true })
        })
        .await
    }
}
