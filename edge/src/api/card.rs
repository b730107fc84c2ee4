//! The kiosk's check-in: a one-time challenge, the card session opened by the card's signature over it, and the
//! qualification of the session's card holder, asked on its own or in the same request that opens the session.
//!
//! Layer: edge use cases over [`EdgePorts`]. The card comes from the verified certificate and then from the session
//! token only, never from a body; the facility from the device proof. Must not: mint a session before the challenge
//! is consumed and the certificate verified and found unrevoked, or ask the origin for a PIN check-in on a session
//! opened without the PIN.

use onshi_proto::ErrorCode;
use onshi_proto::api::{
    ChallengePurpose, ChallengeRequest, ChallengeResponse, QualificationRequest, SessionRequest, SessionResponse,
    card_challenge_message,
};
use onshi_proto::identifier::Identifier;
use onshi_proto::origin::{
    AuthMethod, BY_CERTIFICATE_PATH, CardQualificationQuery, CardScope, CertificateRef, CertificateStatus,
    ExpiryNotice, STATUS_AND_QUALIFICATION_PATH, StatusAndQualificationAnswer,
};
use onshi_proto::qualification::QualificationAnswer;

use crate::api::own;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::auth::cardauth::{AuthenticatedCard, authenticate_card};
use crate::auth::challenge::{ChallengeId, ChallengeRandomness, IssuedChallenge, judge_consumption};
use crate::auth::device::AuthenticatedDevice;
use crate::auth::session::{SessionClaims, TOKEN_ID_RANDOM_LEN};
use crate::error::EdgeError;
use crate::http_policy::{parse_json, parse_json_or_default};

/// Longest accepted `arbitrary_identifier`; the national message allows far less.
const MAX_ARBITRARY_IDENTIFIER_LEN: usize = 64;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/challenge`: issues and stores a single-use challenge for an enrolled device, bound to that
    /// device and to the purpose the body names (opening a card session unless it says otherwise).
    pub async fn issue_challenge(&self, request: &ApiRequest<'_>) -> Result<ChallengeResponse, EdgeError> {
        self.audited(AuditAction::Challenge, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            // An empty body asks for a card-session challenge, as it did before the 目視 assist's purpose existed.
            let body: ChallengeRequest = parse_json_or_default(request.body)?;
            let randomness = ChallengeRandomness { id: self.random()?, challenge: self.random()? };
            let issued = IssuedChallenge::issue(
                &randomness,
                device.device_id.as_str(),
                ChallengePurpose::from(body.purpose),
                request.now_unix,
            );
            self.ports.store_challenge(&issued, request.now_unix).await?;
            Ok(issued.to_response())
        })
        .await
    }

    /// `POST /api/v1/session`: consumes the challenge, verifies the card's answer, asks the origin whether the
    /// certificate is revoked, and mints a session bound to the device and the certificate. A certificate in its
    /// grace period (expired, by less than the rule of [`onshi_proto::certificate_expiry`]) opens a
    /// qualification-only session; the answer tells the kiosk the scope and what to say about the expiry.
    ///
    /// The challenge is consumed before the card is checked, so a failed attempt burns it too; only the device it
    /// was issued to can consume it, and the card must have signed it for this device and purpose.
    ///
    /// A body that also asks the qualification ([`SessionRequest::qualification`]) gets both in one answer: one
    /// round trip, one device proof and one store call fewer for the kiosk, and one origin call fewer for the edge,
    /// which asks the certificate's status and the qualification together
    /// ([`onshi_proto::origin::STATUS_AND_QUALIFICATION_PATH`]; the origin answers the qualification only for a
    /// `good` status). The session is minted only once that status has passed, and the qualification has its own
    /// audit event after the session's, as a separate call would. When the combined call fails, the session fails
    /// with it (its status may never have been decided); when the origin refuses a good certificate's holder (a
    /// held record), the session's event is `ok` and the qualification's carries the refusal, as with the separate
    /// call. Either way the request answers the error, the session is not handed out, and a kiosk that retries
    /// starts again.
    pub async fn open_session(&self, request: &ApiRequest<'_>) -> Result<SessionResponse, EdgeError> {
        let (mut opened, asked) = self.open_card_session(request).await?;
        if let Some((device, claims, asked)) = asked {
            let answer = self
                .audited(AuditAction::Qualification, request.now_unix, async |context| {
                    context.know_device(&device);
                    context.certificate = Some(self.config.audit_hasher.hash(&claims.certificate()));
                    match asked {
                        AskedWithSession::Answered(answer) => Ok(answer),
                        AskedWithSession::Refused(refusal) => Err(refusal),
                        AskedWithSession::StillToAsk(body) => {
                            self.ask_qualification(&device, &claims, body, request).await
                        }
                    }
                })
                .await?;
            opened.qualification = Some(answer);
        }
        Ok(opened)
    }

    /// The session part of [`Self::open_session`], audited as the session; answers the session and, when the body
    /// asked the qualification too, what the qualification part needs: the device, the new session's claims and
    /// what became of the ask.
    async fn open_card_session(
        &self,
        request: &ApiRequest<'_>,
    ) -> Result<(SessionResponse, Option<(AuthenticatedDevice, SessionClaims, AskedWithSession)>), EdgeError> {
        self.audited(AuditAction::Session, request.now_unix, async |context| {
            // The device is checked before the body is judged, as on every device route: a body that does not
            // read (or names no challenge this edge could have issued) is refused after the device check counted it.
            let read = parse_json::<SessionRequest>(request.body)
                .and_then(|body| Ok((ChallengeId::parse(&body.challenge_id)?, body)));
            let (id, body) = match read {
                Ok(read) => read,
                Err(refusal) => {
                    self.authenticate_device(request, context).await?;
                    return Err(refusal);
                }
            };
            let (device, record) = self.authenticate_device_using_challenge(request, context, &id).await?;
            let purpose = ChallengePurpose::CardSession;
            let challenge = judge_consumption(record, device.device_id.as_str(), purpose, request.now_unix)?;
            let message = card_challenge_message(purpose, device.device_id.as_str(), &challenge);
            let card = authenticate_card(
                body.certificate.as_slice(),
                body.signature.as_slice(),
                &message,
                &self.config.trust_anchors,
                request.now_unix,
                self.ports,
            )
            .await?;
            context.certificate = Some(self.config.audit_hasher.hash(&card.certificate));
            // An expired certificate in its grace period is still checked for revocation.
            let asked = match body.qualification {
                None => {
                    self.refuse_if_revoked(&card.certificate, request).await?;
                    None
                }
                Some(asked) => Some(self.check_status_and_ask(&device, &card, asked, request).await?),
            };
            let (token, claims) = self.config.sessions.mint_scoped(
                &card.certificate,
                device.device_id.as_str(),
                AuthMethod::Pin,
                (card.scope, card.expiry_notice),
                request.now_unix,
                self.random::<TOKEN_ID_RANDOM_LEN>()?,
            )?;
            let opened = SessionResponse {
                session_token: token.expose().to_owned(),
                expires_at: claims.exp,
                scope: claims.scope,
                expiry_notice: card.expiry_notice,
                qualification: None,
            };
            Ok((opened, asked.map(|asked| (device, claims, asked))))
        })
        .await
    }

    /// The revocation check of a session whose body asked the qualification, and that qualification, in one origin
    /// call: the status passes or is refused by [`Self::let_status_pass`], exactly as the status-only call's would.
    /// An `unknown` status let through by `REVOCATION_SOFT_FAIL` comes without a qualification (the origin answers
    /// one only for `good`), so that rare operator path asks it with the plain call after the session is minted.
    async fn check_status_and_ask(
        &self,
        device: &AuthenticatedDevice,
        card: &AuthenticatedCard,
        asked: QualificationRequest,
        request: &ApiRequest<'_>,
    ) -> Result<AskedWithSession, EdgeError> {
        let query = match qualification_query(device, card.certificate.clone(), card.scope, card.expiry_notice, &asked)
        {
            Ok(query) => query,
            Err(refusal) => {
                // An ask the qualification route would refuse is refused as the qualification's, without asking
                // the origin; the session's own check is still made, on its own, as for a body without the ask.
                self.refuse_if_revoked(&card.certificate, request).await?;
                return Ok(AskedWithSession::Refused(refusal));
            }
        };
        let checked: Result<StatusAndQualificationAnswer, EdgeError> =
            self.call_origin(STATUS_AND_QUALIFICATION_PATH, &query, request.forwarded.clone(), request.now_unix).await;
        let answer = match checked {
            Ok(answer) => answer,
            // A held record is refused only once the status has passed (a card whose status is not good is
            // answered its status), so that refusal is the qualification's, as it was when asked separately. Any
            // other failure may have come before the status was decided, so the session fails with it.
            Err(EdgeError::OriginRefused(ErrorCode::RecordHeld)) => {
                return Ok(AskedWithSession::Refused(EdgeError::OriginRefused(ErrorCode::RecordHeld)));
            }
            Err(failure) => return Err(failure),
        };
        self.let_status_pass(answer.status)?;
        match (answer.status, answer.qualification) {
            (CertificateStatus::Good, Some(qualification)) => Ok(AskedWithSession::Answered(qualification)),
            // The origin broke its own contract: a good status always comes with its qualification.
            (CertificateStatus::Good, None) => Err(EdgeError::OriginError { status: 200 }),
            (_, _) => Ok(AskedWithSession::StillToAsk(asked)),
        }
    }

    /// `POST /api/v1/qualification`: the qualification of the session's card holder, asked from the device the
    /// session was opened on. The card comes from the session only, never from the body.
    pub async fn qualification(&self, request: &ApiRequest<'_>) -> Result<QualificationAnswer, EdgeError> {
        self.audited(AuditAction::Qualification, request.now_unix, async |context| {
            let (device, claims) = self.card_session(request, context).await?;
            let body: QualificationRequest = parse_json_or_default(request.body)?;
            self.ask_qualification(&device, &claims, body, request).await
        })
        .await
    }

    /// Asks the origin the qualification of the card holder of `claims`, a session of `device`, as `body` says:
    /// [`Self::qualification`]'s call, and [`Self::open_session`]'s when the status came without one.
    async fn ask_qualification(
        &self,
        device: &AuthenticatedDevice,
        claims: &SessionClaims,
        body: QualificationRequest,
        request: &ApiRequest<'_>,
    ) -> Result<QualificationAnswer, EdgeError> {
        // A visual-check session got its qualification when staff approved it, and the origin recorded that
        // check-in as 目視; asking again here would record a PIN check-in that never happened.
        claims.require_pin()?;
        let query = qualification_query(device, claims.certificate(), claims.scope, claims.expiry_notice, &body)?;
        self.call_origin(BY_CERTIFICATE_PATH, &query, request.forwarded.clone(), request.now_unix).await
    }
}

/// What the session part of a check-in that asked its qualification hands the qualification part.
enum AskedWithSession {
    /// The origin answered it with the certificate's status.
    Answered(QualificationAnswer),
    /// Refused: an ask the qualification route refuses, or the origin's refusal of a good certificate's holder.
    Refused(EdgeError),
    /// Still to ask with the plain call: the status was `unknown`, let through by `REVOCATION_SOFT_FAIL`.
    StillToAsk(QualificationRequest),
}

/// The origin's query for the qualification of `certificate`'s holder, asked from `device` as `body` says, for a
/// session of `scope` with `expiry_notice`: the one rule for every way a kiosk asks it.
fn qualification_query(
    device: &AuthenticatedDevice,
    certificate: CertificateRef,
    scope: CardScope,
    expiry_notice: Option<ExpiryNotice>,
    body: &QualificationRequest,
) -> Result<CardQualificationQuery, EdgeError> {
    if body.arbitrary_identifier.as_ref().is_some_and(|id| id.chars().count() > MAX_ARBITRARY_IDENTIFIER_LEN) {
        return Err(EdgeError::BadRequest);
    }
    Ok(CardQualificationQuery {
        certificate,
        facility_code: Some(own(device.facility_code.as_str())?),
        device_id: Some(own(device.device_id.as_str())?),
        device_label: Some(own(device.label.clone())?),
        arbitrary_identifier: body
            .arbitrary_identifier
            .clone()
            .map(Identifier::try_from)
            .transpose()
            .map_err(|_| EdgeError::BadRequest)?,
        scope,
        expiry_notice,
        // Passed through as the kiosk said it: a language and aids name nobody.
        patient_mode: body.patient_mode.clone(),
        // The patient's own yes to 「医療費助成の受給者証を利用しますか」, as the kiosk asked it; the card is still
        // the session's, so a yes opens only that card holder's 受給者証.
        use_recipient_certificates: body.use_recipient_certificates,
    })
}
