//! The insurer console's use cases: a clerk signs in with the insurer's credential on an enrolled insurer console
//! device, reads the count and age of open holds, pages through the notices, opens one, and resolves a hold; then
//! uploads a batch and watches how far it has got; then signs out, or leaves the session to idle out.
//!
//! Layer: edge use cases over [`EdgePorts`], on the pure rule of [`crate::auth::insurer_session`]. Every call is made
//! by a device an admin enrolled as [`DeviceRole::InsurerConsole`]: its proof is checked and counted first, and the
//! session token must have been minted on that same device, so a token copied elsewhere is refused.
//!
//! How the origin learns the insurer. At sign-in the edge shows the origin the credential the clerk typed, once, as
//! the origin's own insurer bearer token on `GET /insurer/v1/holds`: the origin says whose it is
//! ([`HoldSummary::insurer_number`]) or refuses it, and the edge wipes its copy. From then on the edge speaks for the
//! session with the origin's signed-request scheme, extended to name the insurer and the session
//! ([`onshi_proto::signing::sign_for_insurer`]), so the origin serves that insurer and no other. The edge therefore
//! never stores or replays an insurer's bearer token (a leaked edge store or log would otherwise hand out every
//! insurer's credential), the insurer named in a request cannot be changed on the way (it is signed), and a session
//! can be ended at the edge at once (logout, idle, revocation of the device), which a bearer token held by a
//! browser could not.
//!
//! The session is bound to the credential it was opened with: the sign-in's answer names it by its public name
//! ([`HoldSummary::credential`]), the session token keeps that name, and every call signs it in. When the operator
//! revokes that credential, or it expires, the origin refuses the session's next call as `unauthorized`; the edge
//! then ends the session's record and answers `session_invalid`, which sends the console back to its sign-in, where
//! the revoked credential is refused. Must not: take the insurer from a body or a path (it always comes from the session token),
//! or keep the typed credential beyond the sign-in.

use onshi_proto::api::DeviceRole;
use onshi_proto::batch_report::BatchRejection;
use onshi_proto::insurer::{
    BatchProgress, BatchUploadAnswer, BatchUploadFormat, HoldSummary, InboxFilter, InsurerLoginRequest,
    InsurerSessionResponse, MAX_DECIDED_BY_CHARS, NoticeDetail, NoticePage, ORIGIN_BATCH_PROGRESS_PATH,
    ORIGIN_BATCHES_PATH, ORIGIN_HOLDS_PATH, ORIGIN_NOTICES_PATH, is_path_id,
};
use onshi_proto::signing::Principal;
use zeroize::Zeroizing;

use crate::api::{ApiRequest, AuditContext, EdgeApi, EdgePorts, is_retryable};
use crate::audit::AuditAction;
use crate::auth::insurer_session::{INSURER_ID_RANDOM_LEN, InsurerClaims, SignIn};
use crate::auth::session::bearer_token;
use crate::auth::staff_session::{IdleLimit, StaffCall, StaffCallAnswer, StoredStaffSession};
use crate::error::EdgeError;
use crate::http_policy::parse_json;
use crate::proxy::{MAX_ORIGIN_TIMEOUT_MS, NONCE_RANDOM_LEN, OriginOutcome, interpret_outcome};

/// Longest credential considered: the origin's insurer tokens are far shorter.
const MAX_CREDENTIAL_LEN: usize = 256;

/// A body for the origin: its bytes, its content type, and the headers that go with it.
type BodyWithHeaders<'b> = (&'b [u8], &'static str, &'b [(String, String)]);

/// True for a credential that can travel in an `Authorization` header as it is: printable ASCII without spaces.
fn is_header_safe(credential: &str) -> bool {
    !credential.is_empty()
        && credential.len() <= MAX_CREDENTIAL_LEN
        && credential.bytes().all(|byte| byte.is_ascii_graphic())
}

/// Percent-encodes a clerk's name as UTF-8 for the origin's [`onshi_proto::insurer::DECIDED_BY_HEADER`]: header values
/// are ASCII.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// The insurer session a request carries, checked: the device proof (an insurer console, counted on its limits),
    /// the token, that the token was minted on this device, and its record in the facility's store (open, not idle),
    /// which marks it seen.
    async fn insurer_session(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
    ) -> Result<InsurerClaims, EdgeError> {
        let device = self.authenticate_device_as(request, context, Some(DeviceRole::InsurerConsole)).await?;
        let claims = self.config.insurer_sessions.verify(bearer_token(request.authorization)?, request.now_unix)?;
        context.actor = Some(claims.actor());
        device.holds_token_of(&claims.device)?;
        if claims.facility != device.facility_code.as_str() {
            return Err(EdgeError::SessionInvalid);
        }
        // The insurer console keeps the default idle limit: `STAFF_IDLE_SECS` is the staff console's binding.
        let call = StaffCall {
            staff: claims.store_key(),
            now: request.now_unix,
            idle: IdleLimit::default(),
            count: vec![],
            peek: vec![],
        };
        match self.ports.check_staff_call(&claims.facility, &call).await? {
            StaffCallAnswer::Open { .. } => Ok(claims),
            StaffCallAnswer::Refused { expired: true } => Err(EdgeError::SessionExpired),
            StaffCallAnswer::Refused { expired: false } => Err(EdgeError::SessionInvalid),
        }
    }

    /// Calls an insurer route of the origin for the session's insurer. A read that could not connect, or that the
    /// origin answered with 503, is tried once more with a fresh signature; a resolution is not, since it changes
    /// the record.
    async fn call_origin_for_insurer<A: serde::de::DeserializeOwned>(
        &self,
        claims: &InsurerClaims,
        method: &'static str,
        path_and_query: &str,
        body: Option<BodyWithHeaders<'_>>,
        request: &ApiRequest<'_>,
    ) -> Result<A, EdgeError> {
        let timeout_ms = self.config.origin_timeout_ms;
        interpret_outcome(self.send_for_insurer(claims, method, path_and_query, body, request, timeout_ms).await?)
    }

    /// [`Self::call_origin_for_insurer`] up to the origin's outcome, for a use case that reads more of it.
    async fn send_for_insurer(
        &self,
        claims: &InsurerClaims,
        method: &'static str,
        path_and_query: &str,
        body: Option<BodyWithHeaders<'_>>,
        request: &ApiRequest<'_>,
        timeout_ms: u32,
    ) -> Result<OriginOutcome, EdgeError> {
        // The clerk goes with every call, signed, so the origin records each decision under the name that signed in.
        let principal = Principal {
            insurer: claims.insurer.clone(),
            session: claims.session.clone(),
            clerk: percent_encode(&claims.clerk),
            credential: claims.credential.as_str().to_owned(),
        };
        let attempts = if method == "GET" { 2 } else { 1 };
        let mut outcome = OriginOutcome::Unreachable;
        for _attempt in 0..attempts {
            let mut forwarded = request.forwarded.clone();
            let (bytes, content_type) = match body {
                Some((bytes, content_type, extra)) => {
                    forwarded.extend(extra.iter().cloned());
                    (bytes.to_vec(), Some(content_type))
                }
                None => (Vec::new(), None),
            };
            let origin_request = self.config.origin.for_insurer(
                method,
                path_and_query,
                bytes,
                content_type,
                &principal,
                forwarded,
                request.now_unix,
                self.random::<NONCE_RANDOM_LEN>()?,
            )?;
            outcome = self.exchange(origin_request, timeout_ms).await;
            if !is_retryable(&outcome) {
                break;
            }
        }
        // The origin, having checked the edge's signature, refuses a session's call only when the session may no
        // longer speak for the insurer: the credential it was opened with is revoked or expired. The session is over
        // then, here too, so its later calls stop at the edge and the console signs in again.
        if matches!(outcome, OriginOutcome::Answered { status: 401, .. }) {
            self.ports.end_staff_session(&claims.facility, &claims.store_key()).await?;
            return Err(EdgeError::SessionInvalid);
        }
        Ok(outcome)
    }

    /// `POST /api/v1/insurer/login`: an insurer console device signs its clerk in with the insurer's credential.
    /// The attempt counts against the client's limit and, once the device proof holds, the device's, so
    /// credentials cannot be guessed at speed.
    pub async fn insurer_login(&self, request: &ApiRequest<'_>) -> Result<InsurerSessionResponse, EdgeError> {
        self.audited(AuditAction::InsurerLogin, request.now_unix, async |context| {
            self.throttle_unauthenticated(request).await?;
            let device = self.authenticate_device_as(request, context, Some(DeviceRole::InsurerConsole)).await?;
            let mut body: InsurerLoginRequest = parse_json(request.body)?;
            // The typed credential lives on only in this copy, which wipes itself.
            let credential = Zeroizing::new(std::mem::take(&mut body.credential));
            if !is_header_safe(&credential) {
                return Err(EdgeError::InsurerCredentialInvalid);
            }
            // The origin records a decision under at most this many characters; a longer name is refused now, not
            // at the clerk's first resolution.
            if body.clerk.as_str().chars().count() > MAX_DECIDED_BY_CHARS {
                return Err(EdgeError::BadRequest);
            }
            let origin_request = self.config.origin.get_with_insurer_credential(
                ORIGIN_HOLDS_PATH,
                &credential,
                request.now_unix,
                self.random::<NONCE_RANDOM_LEN>()?,
            )?;
            let outcome = self.exchange(origin_request, self.config.origin_timeout_ms).await;
            let summary: HoldSummary = match outcome {
                OriginOutcome::Answered { status: 401, .. } => return Err(EdgeError::InsurerCredentialInvalid),
                other => interpret_outcome(other)?,
            };
            // The origin names the credential that answered; a session is never opened without it, since it could
            // not be refused when that credential is revoked.
            let credential_name = summary.credential.as_ref().ok_or(EdgeError::OriginError { status: 200 })?;
            let sign_in = SignIn {
                credential: credential_name,
                insurer: &summary.insurer_number,
                clerk: body.clerk.as_str(),
                device: device.device_id.as_str(),
                facility: &device.facility_code,
            };
            let (token, claims) = self.config.insurer_sessions.mint(
                &sign_in,
                request.now_unix,
                self.random::<INSURER_ID_RANDOM_LEN>()?,
            )?;
            context.actor = Some(claims.actor());
            let record = StoredStaffSession { expires_at: claims.exp, last_seen: request.now_unix };
            self.ports.open_staff_session(&claims.facility, &claims.store_key(), &record).await?;
            Ok(InsurerSessionResponse {
                insurer_token: token.expose().to_owned(),
                insurer_number: summary.insurer_number,
                expires_at: claims.exp,
            })
        })
        .await
    }

    /// `POST /api/v1/insurer/logout`: ends the insurer session; its token is refused from then on.
    pub async fn insurer_logout(&self, request: &ApiRequest<'_>) -> Result<(), EdgeError> {
        self.audited(AuditAction::InsurerLogout, request.now_unix, async |context| {
            let claims = self.insurer_session(request, context).await?;
            if self.ports.end_staff_session(&claims.facility, &claims.store_key()).await? {
                Ok(())
            } else {
                Err(EdgeError::SessionInvalid)
            }
        })
        .await
    }

    /// `GET /api/v1/insurer/holds`: how many of the insurer's records are held, and for how long.
    pub async fn insurer_holds(&self, request: &ApiRequest<'_>) -> Result<HoldSummary, EdgeError> {
        self.audited(AuditAction::InsurerHolds, request.now_unix, async |context| {
            let claims = self.insurer_session(request, context).await?;
            let summary: HoldSummary =
                self.call_origin_for_insurer(&claims, "GET", ORIGIN_HOLDS_PATH, None, request).await?;
            // The origin answers for the insurer the signature names; anything else is a fault, never shown.
            if summary.insurer_number.as_str() != claims.insurer {
                return Err(EdgeError::OriginError { status: 200 });
            }
            Ok(summary)
        })
        .await
    }

    /// `POST /api/v1/insurer/notices`: one page of the insurer's notices, newest first, for the filter in the body.
    pub async fn insurer_notices(&self, request: &ApiRequest<'_>) -> Result<NoticePage, EdgeError> {
        self.audited(AuditAction::InsurerNotices, request.now_unix, async |context| {
            let claims = self.insurer_session(request, context).await?;
            let filter: InboxFilter = parse_json(request.body)?;
            let query = filter.query_string().map_err(|_| EdgeError::BadRequest)?;
            let path = format!("{ORIGIN_NOTICES_PATH}{query}");
            self.call_origin_for_insurer(&claims, "GET", &path, None, request).await
        })
        .await
    }

    /// `GET /api/v1/insurer/notices/<id>`: one notice beside the record it compares with.
    pub async fn insurer_notice(&self, request: &ApiRequest<'_>, notice_id: &str) -> Result<NoticeDetail, EdgeError> {
        self.audited(AuditAction::InsurerNotice, request.now_unix, async |context| {
            let claims = self.insurer_session(request, context).await?;
            if !is_path_id(notice_id) {
                return Err(EdgeError::NotFound);
            }
            let path = format!("{ORIGIN_NOTICES_PATH}/{notice_id}");
            self.call_origin_for_insurer(&claims, "GET", &path, None, request).await
        })
        .await
    }

    /// `POST /api/v1/insurer/holds/<person id>/resolution`: the clerk corrects the 個人番号 or records
    /// 理由付き疑いなし. The body goes to the origin as it came (a JSON object, within the edge's body limit), which
    /// checks it like a batch row; the decision is recorded under the clerk who signed in.
    pub async fn insurer_resolve_hold(
        &self,
        request: &ApiRequest<'_>,
        person_id: &str,
    ) -> Result<serde_json::Value, EdgeError> {
        self.audited(AuditAction::InsurerHoldResolution, request.now_unix, async |context| {
            let claims = self.insurer_session(request, context).await?;
            if !is_path_id(person_id) {
                return Err(EdgeError::NotFound);
            }
            let body: serde_json::Map<String, serde_json::Value> = parse_json(request.body)?;
            let body = serde_json::to_vec(&body).map_err(|_| EdgeError::Runtime("a JSON object does not serialise"))?;
            let path = format!("{ORIGIN_HOLDS_PATH}/{person_id}/resolution");
            let body = Some((body.as_slice(), "application/json", &[][..]));
            self.call_origin_for_insurer(&claims, "POST", &path, body, request).await
        })
        .await
    }

    /// `POST /api/v1/insurer/batches/<csv|ndjson>`: uploads a batch of the session's insurer, at most
    /// [`onshi_proto::insurer::MAX_EDGE_BATCH_BYTES`] (the adapter refuses more with `payload_too_large` before
    /// reading it). The origin reads, checks and applies it whole or not at all; a refused file comes back with its
    /// bad rows, so the clerk can fix and send them again. The origin is given [`MAX_ORIGIN_TIMEOUT_MS`] for it, and
    /// the call is never repeated: a batch that may have been applied is not sent twice.
    pub async fn insurer_upload_batch(
        &self,
        request: &ApiRequest<'_>,
        format: BatchUploadFormat,
    ) -> Result<BatchUploadAnswer, EdgeError> {
        self.audited(AuditAction::InsurerBatch, request.now_unix, async |context| {
            let claims = self.insurer_session(request, context).await?;
            if request.body.iter().all(u8::is_ascii_whitespace) {
                return Err(EdgeError::BadRequest);
            }
            let body = Some((request.body, format.content_type(), &[][..]));
            let outcome = self
                .send_for_insurer(&claims, "POST", ORIGIN_BATCHES_PATH, body, request, MAX_ORIGIN_TIMEOUT_MS)
                .await?;
            match outcome {
                OriginOutcome::Answered { status: 200, body, .. } => serde_json::from_slice(&body)
                    .map(BatchUploadAnswer::Applied)
                    .map_err(|_| EdgeError::OriginError { status: 200 }),
                // A refused file carries its rows beside the `bad_request` code; any other refusal is a code only.
                OriginOutcome::Answered { status: 400, body, signature } => {
                    match serde_json::from_slice::<BatchRejection>(&body) {
                        Ok(rejection) => Ok(BatchUploadAnswer::Refused(rejection)),
                        Err(_) => interpret_outcome(OriginOutcome::Answered { status: 400, body, signature }),
                    }
                }
                other => interpret_outcome(other),
            }
        })
        .await
    }

    /// `GET /api/v1/insurer/batch-progress`: how far the session's insurer's running batch has got, which the
    /// console asks while its upload's answer has not come. The origin answers for the insurer the signature
    /// names, so a session never sees another insurer's batch.
    pub async fn insurer_batch_progress(&self, request: &ApiRequest<'_>) -> Result<BatchProgress, EdgeError> {
        self.audited(AuditAction::InsurerBatchProgress, request.now_unix, async |context| {
            let claims = self.insurer_session(request, context).await?;
            self.call_origin_for_insurer(&claims, "GET", ORIGIN_BATCH_PROGRESS_PATH, None, request).await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clerks_name_travels_as_ascii() {
        assert_eq!(percent_encode("鈴木 a"), "%E9%88%B4%E6%9C%A8%20a");
        assert!(is_header_safe("tok-123") && !is_header_safe("tok 123") && !is_header_safe(""));
        assert!(!is_header_safe("tok\r\nx") && !is_header_safe(&"a".repeat(MAX_CREDENTIAL_LEN + 1)));
    }
}
