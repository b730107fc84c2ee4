//! The staff console's use cases and the staff session, and the kiosk's staff visual check (目視).
//!
//! A facility admin issues a one-time staff login code (the enrolment-code machinery, stored under a separate
//! lookup key so that a staff code can never enrol a device and an enrolment code can never log staff in). The
//! console exchanges it for a staff session: a stateless bearer token, MAC'd under a key derived from
//! `SESSION_KEY` for this purpose only, so a card session token is never accepted as a staff token or the other
//! way round. The token names the facility and a random staff-session id, nothing personal. With it, staff list the
//! day's check-ins, check a qualification by number and decide visual checks; the facility always comes from the
//! token, never from the body.
//!
//! A kiosk asks for a visual check with the card's 利用者証明用 certificate alone (read without a PIN): the edge
//! verifies the chain, the dates and the revocation status exactly as for a PIN session, then hands the request to
//! the origin, where pending requests rest. When the kiosk polls and staff have approved, the origin answers once
//! with the certificate and the qualification, and the edge mints a card session bound to that certificate and
//! device. When the patient leaves the kiosk before staff decide (最初にもどる, the idle reset, the reader gone),
//! the kiosk withdraws its request through the same device-proven path, and staff no longer see it.
//!
//! Pure: time and randomness come through [`EdgeApi`]'s ports; nothing here does I/O of its own.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use onshi_proto::api::{
    SessionResponse, StaffCodeRequest, StaffCodeResponse, StaffLoginRequest, StaffNumberQuery, StaffSessionResponse,
    StaffVisualCheckDecision, VisualCheckRequest, VisualCheckStatusRequest, VisualCheckStatusResponse,
};
use onshi_proto::facility::FacilityCode;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::origin::{
    AuthMethod, BY_NUMBER_PATH, CHECKINS_PATH, CheckInList, CheckInListQuery, NumberQualificationQuery,
    VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH, VISUAL_CHECK_DECIDE_PATH, VISUAL_CHECK_WITHDRAW_PATH,
    VisualCheckCollect, VisualCheckCollected, VisualCheckCreate, VisualCheckDecision, VisualCheckState,
    VisualCheckTicket, VisualCheckWithdraw,
};
use onshi_proto::qualification::QualificationAnswer;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize as _;

use crate::audit::AuditAction;
use crate::cardauth::verify_card_certificate;
use crate::device::{EnrolmentCode, judge_redemption};
use crate::error::EdgeError;
use crate::http_policy::parse_json;
use crate::secret::{SecretBytes, SessionToken};
use crate::service::{ApiRequest, AuditContext, EdgeApi, EdgePorts};
use crate::session::{TOKEN_ID_RANDOM_LEN, bearer_token};
use crate::token::{HmacSha256, Lifetime, TokenCodec};

/// How long a staff login code may be redeemed, in seconds: one working day.
pub const STAFF_CODE_LIFETIME_SECS: i64 = 12 * 60 * 60;
/// Lifetime of a staff session, in seconds; the console logs in again after it.
pub const STAFF_SESSION_LIFETIME_SECS: i64 = 60 * 60;
/// Random bytes behind a staff-session id.
pub const STAFF_ID_RANDOM_LEN: usize = 16;
/// Prefix of every staff token, so that the two kinds of bearer token cannot be confused even by eye.
pub const STAFF_TOKEN_PREFIX: &str = "staff.";
/// Prefix of the staff session's id where the origin's audit trail names the asker.
pub const STAFF_ACTOR_PREFIX: &str = "staff:";
/// Longest token text considered at all.
const MAX_STAFF_TOKEN_LEN: usize = 1024;
/// Longest visual-check request id accepted; the origin's are 32 hex digits.
const MAX_REQUEST_ID_LEN: usize = 64;

/// The key a staff login code is stored under: distinct from the same code's enrolment lookup key.
pub fn staff_code_lookup_key(code: &EnrolmentCode) -> String {
    format!("staff:{}", code.lookup_key())
}

/// What a staff token asserts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffClaims {
    /// The facility's 医療機関コード.
    pub facility: String,
    /// Random id of this staff session, for audit trails.
    pub staff: String,
    /// Unix seconds at which it was issued.
    pub iat: i64,
    /// Unix seconds after which it is refused.
    pub exp: i64,
}

impl StaffClaims {
    /// The facility, validated again (a token is only as good as the claims it carries).
    pub fn facility_code(&self) -> Result<FacilityCode, EdgeError> {
        FacilityCode::parse(&self.facility).map_err(|_| EdgeError::SessionInvalid)
    }

    /// How the origin's audit trail names this staff session.
    pub fn actor(&self) -> String {
        format!("{STAFF_ACTOR_PREFIX}{}", self.staff)
    }
}

/// Issues and checks staff tokens.
#[derive(Debug)]
pub struct StaffSessions {
    codec: TokenCodec,
}

impl Lifetime for StaffClaims {
    fn issued_at(&self) -> i64 {
        self.iat
    }
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

impl StaffSessions {
    /// Derives the staff-token key from `SESSION_KEY`: HMAC-SHA256(SESSION_KEY, a fixed label).
    pub fn derive(session_key: &SecretBytes) -> Result<Self, EdgeError> {
        let mut mac = HmacSha256::new_from_slice(session_key.expose())
            .map_err(|_| EdgeError::Config("SESSION_KEY is unusable"))?;
        mac.update(b"onshi-staff-session-v1");
        let key = SecretBytes::new(mac.finalize().into_bytes().to_vec());
        Ok(Self { codec: TokenCodec::new(key, STAFF_TOKEN_PREFIX, MAX_STAFF_TOKEN_LEN, STAFF_SESSION_LIFETIME_SECS) })
    }

    /// Mints a staff token for `facility`, valid for [`STAFF_SESSION_LIFETIME_SECS`] from `now_unix`.
    pub fn mint(
        &self,
        facility: &FacilityCode,
        now_unix: i64,
        staff_random: [u8; STAFF_ID_RANDOM_LEN],
    ) -> Result<(SessionToken, StaffClaims), EdgeError> {
        let claims = StaffClaims {
            facility: facility.as_str().to_owned(),
            staff: URL_SAFE_NO_PAD.encode(staff_random),
            iat: now_unix,
            exp: now_unix.saturating_add(STAFF_SESSION_LIFETIME_SECS),
        };
        Ok((self.codec.seal(&claims)?, claims))
    }

    /// Checks a token's MAC (in constant time, before parsing anything), then its claims and lifetime.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<StaffClaims, EdgeError> {
        let claims: StaffClaims = self.codec.open(token, now_unix)?;
        claims.facility_code()?;
        Ok(claims)
    }
}

/// Checks a staff number query before anything is forwarded: the 保険者番号 by the one shared validator
/// ([`InsurerNumber`], check digit included), a 2-digit 枝番, and plain, bounded 記号 and 番号.
pub fn check_number_query(query: &StaffNumberQuery) -> Result<(), EdgeError> {
    let plain = |text: &str, max: usize| text.chars().count() <= max && !text.chars().any(char::is_control);
    let well_formed = InsurerNumber::parse(query.insurer_number.trim()).is_ok()
        && !query.number.trim().is_empty()
        && plain(&query.number, 20)
        && query.symbol.as_deref().is_none_or(|symbol| plain(symbol, 40))
        && query.branch.as_deref().is_none_or(|branch| branch.len() == 2 && branch.bytes().all(|b| b.is_ascii_digit()));
    if well_formed { Ok(()) } else { Err(EdgeError::BadRequest) }
}

/// Checks a visual-check request id before it is forwarded.
pub fn check_request_id(request_id: &str) -> Result<(), EdgeError> {
    let well_formed = !request_id.is_empty()
        && request_id.len() <= MAX_REQUEST_ID_LEN
        && request_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed { Ok(()) } else { Err(EdgeError::BadRequest) }
}

impl<P: EdgePorts> EdgeApi<'_, P> {
    fn staff_claims(&self, request: &ApiRequest<'_>, context: &mut AuditContext) -> Result<StaffClaims, EdgeError> {
        let claims = self.config.staff_sessions.verify(bearer_token(request.authorization)?, request.now_unix)?;
        context.device = Some(claims.actor());
        context.facility = Some(claims.facility.clone());
        Ok(claims)
    }

    /// `POST /api/v1/admin/staff-codes`: a one-time staff login code for a facility.
    pub async fn issue_staff_code(&self, request: &ApiRequest<'_>) -> Result<StaffCodeResponse, EdgeError> {
        self.audited(AuditAction::StaffCodeIssued, request.now_unix, async |context| {
            self.config.admin.check(request.authorization)?;
            let body: StaffCodeRequest = parse_json(request.body)?;
            context.facility = Some(body.facility_code.as_str().to_owned());
            let code = EnrolmentCode::generate(&self.random()?);
            let expires_at = request.now_unix.saturating_add(STAFF_CODE_LIFETIME_SECS);
            self.ports
                .store_enrolment_code(
                    &staff_code_lookup_key(&code),
                    &body.facility_code,
                    None,
                    expires_at,
                    request.now_unix,
                )
                .await?;
            Ok(StaffCodeResponse { code: code.display(), facility_code: body.facility_code, expires_at })
        })
        .await
    }

    /// `POST /api/v1/staff/login`: redeems a staff login code, once, for a staff session.
    pub async fn staff_login(&self, request: &ApiRequest<'_>) -> Result<StaffSessionResponse, EdgeError> {
        self.audited(AuditAction::StaffLogin, request.now_unix, async |context| {
            let mut body: StaffLoginRequest = parse_json(request.body)?;
            let code = EnrolmentCode::parse(&body.code);
            // The typed code is a credential: only the parsed copy, which wipes itself, lives on.
            body.code.zeroize();
            let code = code?;
            let stored = self.ports.redeem_enrolment_code(&staff_code_lookup_key(&code), request.now_unix).await?;
            let facility_code = judge_redemption(stored, request.now_unix)?;
            context.facility = Some(facility_code.as_str().to_owned());
            let (token, claims) = self.config.staff_sessions.mint(&facility_code, request.now_unix, self.random()?)?;
            context.device = Some(claims.actor());
            Ok(StaffSessionResponse { staff_token: token.expose().to_owned(), facility_code, expires_at: claims.exp })
        })
        .await
    }

    /// `GET /api/v1/staff/checkins`: the session's facility's check-ins of the day and pending visual checks.
    pub async fn staff_checkins(&self, request: &ApiRequest<'_>) -> Result<CheckInList, EdgeError> {
        self.audited(AuditAction::StaffCheckIns, request.now_unix, async |context| {
            let claims = self.staff_claims(request, context)?;
            let query = CheckInListQuery { facility_code: claims.facility.clone(), staff_id: claims.staff.clone() };
            self.call_origin(CHECKINS_PATH, &query, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/staff/qualification/by-number`: a qualification by 保険者番号 + 記号・番号・枝番 + 生年月日.
    pub async fn staff_qualification_by_number(
        &self,
        request: &ApiRequest<'_>,
    ) -> Result<QualificationAnswer, EdgeError> {
        self.audited(AuditAction::StaffQualificationByNumber, request.now_unix, async |context| {
            let claims = self.staff_claims(request, context)?;
            let body: StaffNumberQuery = parse_json(request.body)?;
            check_number_query(&body)?;
            let query = NumberQualificationQuery {
                insurer_number: body.insurer_number.trim().to_owned(),
                symbol: body.symbol.filter(|symbol| !symbol.trim().is_empty()),
                number: body.number.trim().to_owned(),
                branch: body.branch.filter(|branch| !branch.is_empty()),
                birth_date: body.birth_date,
                facility_code: Some(claims.facility.clone()),
                device_id: Some(claims.actor()),
                arbitrary_identifier: None,
            };
            self.call_origin(BY_NUMBER_PATH, &query, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/staff/visual-checks/decision`: approves or refuses a pending visual check of the facility.
    pub async fn staff_visual_check_decision(&self, request: &ApiRequest<'_>) -> Result<VisualCheckTicket, EdgeError> {
        self.audited(AuditAction::StaffVisualCheckDecision, request.now_unix, async |context| {
            let claims = self.staff_claims(request, context)?;
            let body: StaffVisualCheckDecision = parse_json(request.body)?;
            check_request_id(&body.request_id)?;
            let decision = VisualCheckDecision {
                request_id: body.request_id,
                facility_code: claims.facility.clone(),
                staff_id: claims.staff.clone(),
                approve: body.approve,
            };
            self.call_origin(VISUAL_CHECK_DECIDE_PATH, &decision, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/visual-check`: an enrolled kiosk asks staff to confirm the holder of a card certificate. The
    /// certificate is verified as for a PIN session (chain, dates, revocation) before the origin records the
    /// request.
    pub async fn request_visual_check(&self, request: &ApiRequest<'_>) -> Result<VisualCheckTicket, EdgeError> {
        self.audited(AuditAction::VisualCheckRequest, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            let body: VisualCheckRequest = parse_json(request.body)?;
            let certificate =
                verify_card_certificate(body.certificate.as_slice(), &self.config.trust_anchors, request.now_unix)?;
            context.certificate = Some(self.config.audit_hasher.hash(&certificate));
            self.refuse_if_revoked(&certificate, request).await?;
            let create = VisualCheckCreate {
                certificate,
                facility_code: device.facility_code.as_str().to_owned(),
                device_id: device.device_id.as_str().to_owned(),
                device_label: Some(device.label.clone()),
            };
            self.call_origin(VISUAL_CHECK_CREATE_PATH, &create, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/visual-check/withdraw`: the asking kiosk withdraws its visual check because its patient left.
    /// The origin checks that this kiosk asked for it; the answer is the request's state after the call.
    pub async fn withdraw_visual_check(&self, request: &ApiRequest<'_>) -> Result<VisualCheckTicket, EdgeError> {
        self.audited(AuditAction::VisualCheckWithdraw, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            let body: VisualCheckStatusRequest = parse_json(request.body)?;
            check_request_id(&body.request_id)?;
            let withdraw = VisualCheckWithdraw {
                request_id: body.request_id,
                facility_code: device.facility_code.as_str().to_owned(),
                device_id: device.device_id.as_str().to_owned(),
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
            check_request_id(&body.request_id)?;
            let collect = VisualCheckCollect {
                request_id: body.request_id,
                facility_code: device.facility_code.as_str().to_owned(),
                device_id: device.device_id.as_str().to_owned(),
            };
            let collected: VisualCheckCollected = self
                .call_origin(VISUAL_CHECK_COLLECT_PATH, &collect, request.forwarded.clone(), request.now_unix)
                .await?;
            let (Some(certificate), Some(qualification)) = (collected.certificate, collected.qualification) else {
                return Ok(VisualCheckStatusResponse { state: collected.state, session: None, qualification: None });
            };
            context.certificate = Some(self.config.audit_hasher.hash(&certificate));
            // The session says it was opened by 目視, so it can never pass for a PIN session.
            let (token, claims) = self.config.sessions.mint(
                &certificate,
                device.device_id.as_str(),
                AuthMethod::VisualCheck,
                request.now_unix,
                self.random::<TOKEN_ID_RANDOM_LEN>()?,
            )?;
            // To the kiosk this is the approval itself; the origin has already marked the request collected, so
            // a later poll reads `collected` without an answer.
            Ok(VisualCheckStatusResponse {
                state: VisualCheckState::Approved,
                session: Some(SessionResponse { session_token: token.expose().to_owned(), expires_at: claims.exp }),
                qualification: Some(qualification),
            })
        })
        .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::session::SessionMinter;

    const NOW: i64 = 1_795_489_200;

    fn session_key() -> SecretBytes {
        SecretBytes::new(b"a-session-key-of-at-least-32-bytes!!".to_vec())
    }

    fn facility() -> FacilityCode {
        FacilityCode::parse("0110113719").unwrap()
    }

    fn sessions() -> StaffSessions {
        StaffSessions::derive(&session_key()).unwrap()
    }

    #[test]
    fn a_staff_token_verifies_until_it_expires() {
        let sessions = sessions();
        let (token, claims) = sessions.mint(&facility(), NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert!(token.expose().starts_with(STAFF_TOKEN_PREFIX));
        let verified = sessions.verify(token.expose(), NOW + 10).unwrap();
        assert_eq!(verified, claims);
        assert_eq!(verified.facility_code().unwrap(), facility());
        assert_eq!(verified.exp, NOW + STAFF_SESSION_LIFETIME_SECS);
        assert_eq!(sessions.verify(token.expose(), verified.exp), Err(EdgeError::SessionExpired));
    }

    #[test]
    fn forged_tampered_and_foreign_tokens_are_refused() {
        let sessions = sessions();
        let (token, _) = sessions.mint(&facility(), NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        let text = token.expose();
        // Another key (another deployment) does not verify.
        let other = StaffSessions::derive(&SecretBytes::new(vec![9; 32])).unwrap();
        assert_eq!(other.verify(text, NOW), Err(EdgeError::SessionInvalid));
        // Claims swapped for another facility's, MAC kept: refused.
        let payload_and_tag = text.strip_prefix(STAFF_TOKEN_PREFIX).unwrap();
        let (_, tag) = payload_and_tag.split_once('.').unwrap();
        let forged_claims = StaffClaims {
            facility: "1312345678".into(),
            staff: "x".into(),
            iat: NOW,
            exp: NOW + STAFF_SESSION_LIFETIME_SECS,
        };
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged_claims).unwrap());
        let forged = format!("{STAFF_TOKEN_PREFIX}{forged_payload}.{tag}");
        assert_eq!(sessions.verify(&forged, NOW), Err(EdgeError::SessionInvalid));
        // A card session token, even under the same SESSION_KEY, is not a staff token.
        let card_sessions = SessionMinter::new(session_key()).unwrap();
        let certificate = onshi_proto::origin::CertificateRef { issuer: "CN=x".into(), serial: "01".into() };
        let (card_token, _) =
            card_sessions.mint(&certificate, "device", AuthMethod::Pin, NOW, [1; TOKEN_ID_RANDOM_LEN]).unwrap();
        assert_eq!(sessions.verify(card_token.expose(), NOW), Err(EdgeError::SessionInvalid));
        let with_prefix = format!("{STAFF_TOKEN_PREFIX}{}", card_token.expose());
        assert_eq!(sessions.verify(&with_prefix, NOW), Err(EdgeError::SessionInvalid));
        // And a staff token is not a card session.
        assert!(card_sessions.verify(text, NOW).is_err());
        // Garbage of every shape is a typed refusal, never a panic.
        for junk in ["", "staff.", "staff..", "staff.a.b", "staff.!!!.???", &"x".repeat(5000)] {
            assert_eq!(sessions.verify(junk, NOW), Err(EdgeError::SessionInvalid), "{junk:.20}");
        }
    }

    #[test]
    fn a_token_issued_in_the_future_or_for_too_long_is_refused() {
        let sessions = sessions();
        let (token, _) = sessions.mint(&facility(), NOW + 3600, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert_eq!(sessions.verify(token.expose(), NOW), Err(EdgeError::SessionInvalid));
    }

    #[test]
    fn staff_secrets_redact_in_debug() {
        let sessions = sessions();
        let printed = format!("{sessions:?}");
        assert!(printed.contains("<redacted>"), "{printed}");
        assert!(!printed.contains(&hex::encode(sessions.codec.key().expose())));
        let (token, _) = sessions.mint(&facility(), NOW, [7; STAFF_ID_RANDOM_LEN]).unwrap();
        assert_eq!(format!("{token:?}"), "SessionToken(<redacted>)");
    }

    #[test]
    fn staff_and_enrolment_codes_are_stored_under_different_keys() {
        let code = EnrolmentCode::parse("K7QM-4XRD-9TWP").unwrap();
        assert_ne!(staff_code_lookup_key(&code), code.lookup_key());
        assert!(staff_code_lookup_key(&code).ends_with(&code.lookup_key()));
    }

    fn number_query(insurer_number: &str) -> StaffNumberQuery {
        StaffNumberQuery {
            insurer_number: insurer_number.into(),
            symbol: Some("12-34".into()),
            number: "5678".into(),
            branch: Some("01".into()),
            birth_date: onshi_proto::IsoDate::parse("1980-02-17").unwrap(),
        }
    }

    #[test]
    fn number_queries_are_checked_with_the_shared_insurer_number_validator() {
        assert_eq!(check_number_query(&number_query("33120015")), Ok(()));
        assert_eq!(check_number_query(&number_query("131011")), Ok(()));
        assert_eq!(check_number_query(&number_query("33120016")), Err(EdgeError::BadRequest));
        assert_eq!(check_number_query(&number_query("3312001")), Err(EdgeError::BadRequest));
        let mut bad_branch = number_query("33120015");
        bad_branch.branch = Some("1".into());
        assert_eq!(check_number_query(&bad_branch), Err(EdgeError::BadRequest));
        let mut empty_number = number_query("33120015");
        empty_number.number = " ".into();
        assert_eq!(check_number_query(&empty_number), Err(EdgeError::BadRequest));
    }

    #[test]
    fn request_ids_are_bounded_plain_text() {
        assert_eq!(check_request_id("0123456789abcdef0123456789abcdef"), Ok(()));
        assert_eq!(check_request_id(""), Err(EdgeError::BadRequest));
        assert_eq!(check_request_id("../admin"), Err(EdgeError::BadRequest));
        assert_eq!(check_request_id(&"a".repeat(65)), Err(EdgeError::BadRequest));
    }
}
