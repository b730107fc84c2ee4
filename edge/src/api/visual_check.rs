//! The kiosk's visual check (目視): asking staff to confirm a card holder, polling the answer, and withdrawing the
//! request when the patient leaves.
//!
//! Layer: edge use cases over [`EdgePorts`]. A kiosk asks with the card's 利用者証明用 certificate alone (read without
//! a PIN) from a kiosk enrolled as staffed, a few times an hour: the edge verifies the chain, the dates and the revocation status exactly as for a PIN session, then hands
//! the request to the origin, where pending requests rest. When the kiosk polls and staff have approved, the origin
//! answers once with the certificate and the qualification, and the edge mints a card session bound to that
//! certificate and device, marked as opened by 目視. When the patient leaves the kiosk before staff decide (最初に
//! もどる, the idle reset, the reader gone), the kiosk withdraws its request through the same device-proven path, and
//! staff no longer see it. With the 目視 assist, the request also carries the card-presence proof
//! ([`crate::auth::card_face`]): staff opened the card face at the kiosk with 照合番号B, and the card signed a
//! challenge issued for that purpose to this kiosk; a request whose proof fails reaches no staff, and nothing of the
//! proof goes on to the origin but the face's birth date and sex, which the origin compares with the certificate's
//! person. Must not: take the facility or device from a body (both come from the device proof),
//! or mint a session that could pass for a PIN session.

use onshi_proto::api::{
    ChallengePurpose, SessionResponse, VisualCheckRequest, VisualCheckStatusRequest, VisualCheckStatusResponse,
    card_challenge_message,
};
use onshi_proto::card_face::{CardFaceHolder, CardFacePresence};
use onshi_proto::origin::{
    AuthMethod, VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH, VISUAL_CHECK_WITHDRAW_PATH, VisualCheckCollect,
    VisualCheckCollected, VisualCheckCreate, VisualCheckState, VisualCheckTicket, VisualCheckWithdraw,
};

use crate::api::own;
use crate::api::staff::check_request_id;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::auth::card_face::verify_card_face_presence;
use crate::auth::cardauth::verify_card_certificate;
use crate::auth::challenge::{ChallengeId, judge_consumption};
use crate::auth::ratelimit::{
    RateCounter, VISUAL_CHECK_WINDOW_SECS, VISUAL_CHECKS_PER_DEVICE, VISUAL_CHECKS_PER_FACILITY,
};
use crate::auth::session::TOKEN_ID_RANDOM_LEN;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/visual-check`: an enrolled kiosk asks staff to confirm the holder of a card certificate. Only
    /// a kiosk its admin enrolled as staffed may ask, and only [`VISUAL_CHECKS_PER_DEVICE`] times an hour (its
    /// facility's kiosks together [`VISUAL_CHECKS_PER_FACILITY`]), counted before anything else is looked at; the
    /// certificate is verified as for a PIN session (chain, dates, revocation) before the origin records the
    /// request.
    pub async fn request_visual_check(&self, request: &ApiRequest<'_>) -> Result<VisualCheckTicket, EdgeError> {
        self.audited(AuditAction::VisualCheckRequest, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            if !device.staffed {
                return Err(EdgeError::VisualCheckNotStaffed);
            }
            let facility = device.facility_code.as_str();
            let counter = |name: String| RateCounter::durable(name, request.now_unix, VISUAL_CHECK_WINDOW_SECS);
            let by_device = counter(format!("visual:device:{}", device.device_id.as_str()));
            let by_facility = counter(format!("visual:facility:{facility}"));
            // A device over its own limit is refused before the facility counts it, so one misbehaving kiosk
            // cannot spend its facility's allowance for the others.
            if self.ports.count_in_facility(facility, &by_device, request.now_unix).await? > VISUAL_CHECKS_PER_DEVICE
                || self.ports.count_in_facility(facility, &by_facility, request.now_unix).await?
                    > VISUAL_CHECKS_PER_FACILITY
            {
                return Err(EdgeError::RateLimited("visual checks"));
            }
            let body: VisualCheckRequest = parse_json(request.body)?;
            let anchors = &self.config.trust_anchors;
            let card =
                verify_card_certificate(body.certificate.as_slice(), anchors, request.now_unix, self.ports).await?;
            context.certificate = Some(self.config.audit_hasher.hash(&card.certificate));
            let card_face = match &body.card_face {
                Some(proof) => Some(self.check_card_face_presence(proof, device.device_id.as_str(), request).await?),
                None => None,
            };
            self.refuse_if_revoked(&card.certificate, request).await?;
            let create = VisualCheckCreate {
                certificate: card.certificate,
                facility_code: own(device.facility_code.as_str())?,
                device_id: own(device.device_id.as_str())?,
                device_label: Some(own(device.label.clone())?),
                device_location: device.location.clone().map(own).transpose()?,
                scope: card.scope,
                expiry_notice: card.expiry_notice,
                reason: body.reason,
                // Only the face's birth date and sex go on, for the origin to compare with the certificate's
                // person: the proof was checked above, and a failed one has already ended here.
                card_face,
            };
            self.call_origin(VISUAL_CHECK_CREATE_PATH, &create, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// The 目視 assist's proof that the card whose face staff opened at the kiosk is in its reader: the challenge
    /// is consumed first (only by this device, for this purpose, once), then the issuer's and the card's signatures
    /// are checked ([`verify_card_face_presence`]). Nothing of the proof is kept; the face's birth date and sex are
    /// answered for the origin.
    async fn check_card_face_presence(
        &self,
        proof: &CardFacePresence,
        device_id: &str,
        request: &ApiRequest<'_>,
    ) -> Result<CardFaceHolder, EdgeError> {
        let id = ChallengeId::parse(&proof.challenge_id)?;
        let record = self.ports.count_challenge_use(&id, device_id, request.now_unix).await?;
        let purpose = ChallengePurpose::CardFacePresence;
        let challenge = judge_consumption(record, device_id, purpose, request.now_unix)?;
        let message = card_challenge_message(purpose, device_id, &challenge);
        verify_card_face_presence(proof, &message, &self.config.card_face_issuers)
    }

    /// `POST /api/v1/visual-check/withdraw`: the asking kiosk withdraws its visual check because its patient left.
    /// The origin checks that this kiosk asked for it; the answer is the request's state after the call.
    pub async fn withdraw_visual_check(&self, request: &ApiRequest<'_>) -> Result<VisualCheckTicket, EdgeError> {
        self.audited(AuditAction::VisualCheckWithdraw, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            let body: VisualCheckStatusRequest = parse_json(request.body)?;
            let request_id = check_request_id(&body.request_id)?;
            let withdraw = VisualCheckWithdraw {
                request_id,
                facility_code: own(device.facility_code.as_str())?,
                device_id: own(device.device_id.as_str())?,
            };
            self.call_origin(VISUAL_CHECK_WITHDRAW_PATH, &withdraw, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/visual-check/status`: the asking kiosk polls its visual check. Once staff approved, the
    /// answer carries, exactly once, a card session bound to the certificate and this device, and the
    /// qualification.
    pub async fn visual_check_status(&self, request: &ApiRequest<'_>) -> Result<VisualCheckStatusResponse, EdgeError> {
        self.audited(AuditAction::VisualCheckStatus, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            let body: VisualCheckStatusRequest = parse_json(request.body)?;
            let request_id = check_request_id(&body.request_id)?;
            let collect = VisualCheckCollect {
                request_id,
                facility_code: own(device.facility_code.as_str())?,
                device_id: own(device.device_id.as_str())?,
            };
            let collected: VisualCheckCollected = self
                .call_origin(VISUAL_CHECK_COLLECT_PATH, &collect, request.forwarded.clone(), request.now_unix)
                .await?;
            let (Some(certificate), Some(qualification)) = (collected.certificate, collected.qualification) else {
                return Ok(VisualCheckStatusResponse { state: collected.state, session: None, qualification: None });
            };
            context.certificate = Some(self.config.audit_hasher.hash(&certificate));
            // The session says it was opened by 目視, so it can never pass for a PIN session, and it has the scope the
            // certificate had when the kiosk asked: one in its grace period confirms the qualification only.
            let (token, claims) = self.config.sessions.mint_scoped(
                &certificate,
                device.device_id.as_str(),
                AuthMethod::VisualCheck,
                (collected.scope, collected.expiry_notice),
                request.now_unix,
                self.random::<TOKEN_ID_RANDOM_LEN>()?,
            )?;
            // To the kiosk this is the approval itself; the origin has already marked the request collected, so
            // a later poll reads `collected` without an answer.
            Ok(VisualCheckStatusResponse {
                state: VisualCheckState::Approved,
                session: Some(SessionResponse {
                    session_token: token.expose().to_owned(),
                    expires_at: claims.exp,
                    scope: claims.scope,
                    expiry_notice: claims.expiry_notice,
                    // The approval's answer travels beside the session, in the status answer's own field.
                    qualification: None,
                }),
                qualification: Some(qualification),
            })
        })
        .await
    }
}
