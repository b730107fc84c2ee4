//! The staff console's use cases: a staff login code, the staff login, the day's check-ins, a qualification by
//! number, and opening and deciding a kiosk's visual check (目視).
//!
//! Layer: edge use cases over [`EdgePorts`]. A facility admin issues a one-time staff login code (the one-time code
//! machinery of [`crate::auth::enrolment_code`], stored under its own lookup key). The console, enrolled as a
//! device of role [`DeviceRole::StaffConsole`] and proving it on every call, exchanges it for a
//! staff session bound to that device ([`crate::auth::staff_session`]), recorded in the facility's store; with it, staff list the day's
//! check-ins, read a consented patient's medical information, check a qualification by number and decide visual
//! checks, until they log out or leave it idle. Every
//! staff call is counted per session, and (by its console's device check, once) per device and per facility, and a by-number check per subject; a session that missed
//! [`BY_NUMBER_MISSES_PER_SESSION`] times may check by number no more that day. Must not: take the facility from a body (it always comes from the staff
//! token), or do I/O of its own (time and randomness come through [`EdgeApi`]'s ports).

use onshi_proto::api::{
    DeviceRole, StaffCheckInListRequest, StaffCodeRequest, StaffCodeResponse, StaffLoginRequest, StaffNumberQuery,
    StaffSessionResponse, StaffVisualCheckDecision, StaffVisualCheckOpen,
};
use onshi_proto::checkin_page::{CHECKIN_PAGE_ROWS, PENDING_VISUAL_CHECK_ROWS};
use onshi_proto::identifier::RequestId;
use onshi_proto::insured_number::InsuredNumber;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::medical_record::{
    MEDICAL_RECORDS_PATH, MedicalRecordPage, MedicalRecordQuery, StaffMedicalRecordRequest,
};
use onshi_proto::origin::{
    BY_NUMBER_PATH, CHECKINS_PATH, CheckInList, CheckInListQuery, NumberQualificationQuery, VISUAL_CHECK_DECIDE_PATH,
    VISUAL_CHECK_OPEN_PATH, VisualCheckDecision, VisualCheckOpen, VisualCheckPerson, VisualCheckTicket,
};
use onshi_proto::qualification::{QualificationAnswer, Validity};
use zeroize::Zeroize as _;

use crate::api::own;
use crate::api::{ApiRequest, AuditContext, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::auth::enrolment_code::{CodeKind, DeviceTerms, EnrolmentCode, STAFF_CODE_LIFETIME_SECS, judge_redemption};
use crate::auth::ratelimit::{RateCounter, RateScope};
use crate::auth::session::bearer_token;
use crate::auth::staff_session::{
    BY_NUMBER_MISSES_PER_SESSION, BY_NUMBER_TRIES_PER_SUBJECT, StaffCall, StaffCallAnswer, StaffClaims,
    StoredStaffSession, daily_counter,
};
use crate::error::EdgeError;
use crate::http_policy::{parse_json, parse_json_or_default};

/// Reads a staff number query before anything is forwarded: the 保険者番号 by the one shared validator
/// ([`InsurerNumber`], check digit included), and 記号・番号・枝番 by [`InsuredNumber`], the one home of their
/// bounds. The answer is the insured number as read: trimmed, a blank 記号 or 枝番 as none.
pub fn read_number_query(query: &StaffNumberQuery) -> Result<(InsurerNumber, InsuredNumber), EdgeError> {
    let insurer = InsurerNumber::parse(query.insurer_number.trim()).map_err(|_| EdgeError::BadRequest)?;
    let insured = InsuredNumber::parse(query.symbol.as_deref(), &query.number, query.branch.as_deref())
        .map_err(|_| EdgeError::BadRequest)?;
    Ok((insurer, insured))
}

/// Checks a staff number query by [`read_number_query`], keeping nothing of what it read.
pub fn check_number_query(query: &StaffNumberQuery) -> Result<(), EdgeError> {
    read_number_query(query).map(|_| ())
}

/// Checks a visual-check request id before it is forwarded.
pub fn check_request_id(request_id: &str) -> Result<RequestId, EdgeError> {
    RequestId::parse(request_id).map_err(|_| EdgeError::BadRequest)
}

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// The staff token a request carries, checked once per call: the device proof of an enrolled staff console
    /// (counted on the device's limits, so a revoked device ends its sessions at once), the token, and that the
    /// token was minted on this same device, so a token copied elsewhere opens nothing.
    pub(crate) async fn staff_token(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
    ) -> Result<StaffClaims, EdgeError> {
        let device = self.authenticate_device_as(request, context, Some(DeviceRole::StaffConsole)).await?;
        let claims = self.config.staff_sessions.verify(bearer_token(request.authorization)?, request.now_unix)?;
        context.actor = Some(claims.actor());
        device.holds_token_of(&claims.device)?;
        Ok(claims)
    }

    /// The staff session a request carries, checked: the device and the token ([`Self::staff_token`]), then its
    /// record in the facility's store ([`Self::staff_call`]).
    pub(crate) async fn staff_session(
        &self,
        request: &ApiRequest<'_>,
        context: &mut AuditContext,
        extra: Vec<RateCounter>,
        peek: Vec<RateCounter>,
    ) -> Result<(StaffClaims, Vec<u32>, Vec<u32>), EdgeError> {
        let claims = self.staff_token(request, context).await?;
        let (counted, peeked) = self.staff_call(&claims, request, extra, peek).await?;
        Ok((claims, counted, peeked))
    }

    /// The record of a checked staff token in the facility's store (open, not idle), which counts the call on the
    /// session's limit and on `extra`; answers the counts of `extra` and of `peek`, in order. The facility's limit
    /// is not counted here: the console's device check ([`Self::staff_token`]) counted this call on it already, in
    /// the same store, and a second count would spend the facility's allowance twice as fast for staff calls.
    pub(crate) async fn staff_call(
        &self,
        claims: &StaffClaims,
        request: &ApiRequest<'_>,
        extra: Vec<RateCounter>,
        peek: Vec<RateCounter>,
    ) -> Result<(Vec<u32>, Vec<u32>), EdgeError> {
        let limits = &self.config.rate_limits;
        let mut count = vec![limits.counter(RateScope::Staff, &claims.staff, request.now_unix)];
        count.extend(extra);
        let call =
            StaffCall { staff: claims.staff.clone(), now: request.now_unix, idle: self.config.staff_idle, count, peek };
        let (counted, peeked) = match self.ports.check_staff_call(&claims.facility, &call).await? {
            StaffCallAnswer::Open { counted, peeked } => (counted, peeked),
            StaffCallAnswer::Refused { expired: true } => return Err(EdgeError::SessionExpired),
            StaffCallAnswer::Refused { expired: false } => return Err(EdgeError::SessionInvalid),
        };
        let mut counts = counted.into_iter();
        limits.judge(RateScope::Staff, counts.next().unwrap_or(u32::MAX))?;
        Ok((counts.collect(), peeked))
    }

    /// `POST /api/v1/staff/logout`: ends the staff session; its token is refused from then on.
    pub async fn staff_logout(&self, request: &ApiRequest<'_>) -> Result<(), EdgeError> {
        self.audited(AuditAction::StaffLogout, request.now_unix, async |context| {
            let claims = self.staff_token(request, context).await?;
            if self.ports.end_staff_session(&claims.facility, &claims.staff).await? {
                Ok(())
            } else {
                Err(EdgeError::SessionInvalid)
            }
        })
        .await
    }

    /// `POST /api/v1/admin/staff-codes`: a one-time staff login code for a facility.
    pub async fn issue_staff_code(&self, request: &ApiRequest<'_>) -> Result<StaffCodeResponse, EdgeError> {
        self.audited(AuditAction::StaffCodeIssued, request.now_unix, async |context| {
            let admin = self.admin(request, context)?;
            let body: StaffCodeRequest = parse_json(request.body)?;
            context.facility = Some(body.facility_code.as_str().to_owned());
            admin.may_act_for(body.facility_code.as_str())?;
            let code = EnrolmentCode::generate(&self.random()?);
            let expires_at = request.now_unix.saturating_add(STAFF_CODE_LIFETIME_SECS);
            self.ports
                .store_enrolment_code(
                    &self.config.code_lookup.stored_under(CodeKind::StaffLogin, &code)?,
                    &body.facility_code,
                    &DeviceTerms::default(),
                    expires_at,
                    request.now_unix,
                )
                .await?;
            Ok(StaffCodeResponse { code: code.display(), facility_code: body.facility_code, expires_at })
        })
        .await
    }

    /// `POST /api/v1/staff/login`: redeems a staff login code, once, for a staff session bound to the enrolled
    /// staff console that sent it. Every attempt counts against the client's limit first, and once the device proof
    /// holds, the device's, so codes cannot be guessed at speed; a code of another facility than the device's is
    /// spent and refused.
    pub async fn staff_login(&self, request: &ApiRequest<'_>) -> Result<StaffSessionResponse, EdgeError> {
        self.audited(AuditAction::StaffLogin, request.now_unix, async |context| {
            self.throttle_unauthenticated(request).await?;
            let device = self.authenticate_device_as(request, context, Some(DeviceRole::StaffConsole)).await?;
            let mut body: StaffLoginRequest = parse_json(request.body)?;
            let code = EnrolmentCode::parse(&body.code);
            // The typed code is a credential: only the parsed copy, which wipes itself, lives on.
            body.code.zeroize();
            let code = code?;
            let stored = self.redeem_code(CodeKind::StaffLogin, &code, request.now_unix).await?;
            let facility_code = judge_redemption(stored, request.now_unix)?;
            if facility_code != device.facility_code {
                return Err(EdgeError::EnrolmentCodeInvalid("another facility's"));
            }
            let device_id = device.device_id.as_str();
            let (token, claims) =
                self.config.staff_sessions.mint(&facility_code, device_id, request.now_unix, self.random()?)?;
            context.actor = Some(claims.actor());
            let record = StoredStaffSession { expires_at: claims.exp, last_seen: request.now_unix };
            self.ports.open_staff_session(&claims.facility, &claims.staff, &record).await?;
            Ok(StaffSessionResponse { staff_token: token.expose().to_owned(), facility_code, expires_at: claims.exp })
        })
        .await
    }

    /// `GET /api/v1/staff/checkins` (the newest page) and `POST` with a [`StaffCheckInListRequest`] (the page after
    /// its cursor): one page of the session's facility's check-ins of the day, the day's total, and the pending
    /// visual checks. The cursor is read by its wire type before anything is forwarded, and an answer larger than
    /// the bounds the origin promises is refused rather than passed on.
    pub async fn staff_checkins(&self, request: &ApiRequest<'_>) -> Result<CheckInList, EdgeError> {
        self.audited(AuditAction::StaffCheckIns, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, vec![], vec![]).await?;
            let body: StaffCheckInListRequest = parse_json_or_default(request.body)?;
            let query = CheckInListQuery {
                facility_code: own(claims.facility.clone())?,
                staff_id: own(claims.staff.clone())?,
                before: body.before,
            };
            let list: CheckInList =
                self.call_origin(CHECKINS_PATH, &query, request.forwarded.clone(), request.now_unix).await?;
            if list.checkins.len() > CHECKIN_PAGE_ROWS || list.pending.len() > PENDING_VISUAL_CHECK_ROWS {
                return Err(EdgeError::OriginError { status: 200 });
            }
            Ok(list)
        })
        .await
    }

    /// `POST /api/v1/staff/qualification/by-number`: a qualification by 保険者番号 + 記号・番号・枝番 + 生年月日.
    ///
    /// A birth date cannot be searched for: one insured number is checked at most [`BY_NUMBER_TRIES_PER_SUBJECT`]
    /// times a day per facility, and a session whose checks found no record [`BY_NUMBER_MISSES_PER_SESSION`] times
    /// checks no more that day.
    pub async fn staff_qualification_by_number(
        &self,
        request: &ApiRequest<'_>,
    ) -> Result<QualificationAnswer, EdgeError> {
        self.audited(AuditAction::StaffQualificationByNumber, request.now_unix, async |context| {
            let claims = self.staff_token(request, context).await?;
            let body: StaffNumberQuery = parse_json(request.body)?;
            let (insurer_number, insured) = read_number_query(&body)?;
            let misses = self.admit_by_number(&claims, request, &insurer_number, &insured).await?;
            // What is sent is what the shared types read.
            let query = NumberQualificationQuery {
                insurer_number,
                symbol: insured.symbol,
                number: insured.number,
                branch: insured.branch,
                birth_date: body.birth_date,
                facility_code: Some(own(claims.facility.clone())?),
                device_id: Some(own(claims.actor())?),
                arbitrary_identifier: None,
            };
            let answer: QualificationAnswer =
                self.call_origin(BY_NUMBER_PATH, &query, request.forwarded.clone(), request.now_unix).await?;
            self.count_by_number_answer(&claims, &misses, answer.validity, request.now_unix).await?;
            Ok(answer)
        })
        .await
    }

    /// The guard every by-number check passes, whether onshi or the facility's terminal answers it: a birth date
    /// cannot be searched for, so one insured number is checked at most [`BY_NUMBER_TRIES_PER_SUBJECT`] times a
    /// day per facility, and a session whose checks found no record [`BY_NUMBER_MISSES_PER_SESSION`] times checks
    /// no more that day. Counts this call as a staff call and a try of its subject; answers the counter a miss is
    /// recorded on ([`Self::count_by_number_answer`]). The two routes share the counters, so asking the other
    /// route gains no tries.
    pub(crate) async fn admit_by_number(
        &self,
        claims: &StaffClaims,
        request: &ApiRequest<'_>,
        insurer_number: &InsurerNumber,
        insured: &InsuredNumber,
    ) -> Result<RateCounter, EdgeError> {
        let tries = self.subject_tries(
            [
                insurer_number.as_str(),
                insured.symbol.as_ref().map_or("", |symbol| symbol.as_str()),
                insured.number.as_str(),
                insured.branch.as_ref().map_or("", |branch| branch.as_str()),
            ],
            request.now_unix,
        )?;
        let misses = daily_counter(format!("misses:staff:{}", claims.staff), request.now_unix);
        let (counted, peeked) = self.staff_call(claims, request, vec![tries], vec![misses.clone()]).await?;
        if peeked.first().is_none_or(|&missed| missed >= BY_NUMBER_MISSES_PER_SESSION) {
            return Err(EdgeError::RateLimited("by-number misses"));
        }
        if counted.first().is_none_or(|&tried| tried > BY_NUMBER_TRIES_PER_SUBJECT) {
            return Err(EdgeError::RateLimited("by-number subject"));
        }
        Ok(misses)
    }

    /// The day's counter of checks of one insured person (保険者番号, 記号, 番号, 枝番; an absent part as ""),
    /// whichever route asks: a by-number check counts one try, and so does each row of a bulk pre-check. Its name
    /// is a keyed digest, so the store holds no insured number.
    pub(crate) fn subject_tries(&self, person: [&str; 4], now_unix: i64) -> Result<RateCounter, EdgeError> {
        let subject = self.config.staff_sessions.subject_key(&person)?;
        Ok(daily_counter(format!("tries:subject:{subject}"), now_unix))
    }

    /// Records a by-number check that found no record on the session's miss counter from [`Self::admit_by_number`].
    pub(crate) async fn count_by_number_answer(
        &self,
        claims: &StaffClaims,
        misses: &RateCounter,
        validity: Validity,
        now_unix: i64,
    ) -> Result<(), EdgeError> {
        if validity == Validity::NoQualification {
            self.ports.count_in_facility(&claims.facility, misses, now_unix).await?;
        }
        Ok(())
    }

    /// `POST /api/v1/staff/medical-records`: one page of one kind of the medical information of a check-in's
    /// patient, for the session's facility. The origin answers only under that patient's live consent to this
    /// facility and audits the read; the edge passes the answer on and keeps nothing of it.
    pub async fn staff_medical_records(&self, request: &ApiRequest<'_>) -> Result<MedicalRecordPage, EdgeError> {
        self.audited(AuditAction::StaffMedicalRecords, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, vec![], vec![]).await?;
            let body: StaffMedicalRecordRequest = parse_json(request.body)?;
            let query = MedicalRecordQuery {
                facility_code: own(claims.facility.clone())?,
                staff_id: own(claims.staff.clone())?,
                checkin_id: body.checkin_id,
                kind: body.kind,
                page: body.page,
            };
            self.call_origin(MEDICAL_RECORDS_PATH, &query, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/staff/visual-checks/decision`: approves or refuses a pending visual check of the facility.
    pub async fn staff_visual_check_decision(&self, request: &ApiRequest<'_>) -> Result<VisualCheckTicket, EdgeError> {
        self.audited(AuditAction::StaffVisualCheckDecision, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, vec![], vec![]).await?;
            let body: StaffVisualCheckDecision = parse_json(request.body)?;
            let request_id = check_request_id(&body.request_id)?;
            let decision = VisualCheckDecision {
                request_id,
                facility_code: own(claims.facility.clone())?,
                staff_id: own(claims.staff.clone())?,
                approve: body.approve,
            };
            self.call_origin(VISUAL_CHECK_DECIDE_PATH, &decision, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }

    /// `POST /api/v1/staff/visual-checks/open`: staff open one pending visual check of their facility to see the
    /// name and birth date behind it; the origin audits each opening with the person. The edge passes the answer
    /// through and keeps nothing of it.
    pub async fn staff_visual_check_open(&self, request: &ApiRequest<'_>) -> Result<VisualCheckPerson, EdgeError> {
        self.audited(AuditAction::StaffVisualCheckOpen, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, vec![], vec![]).await?;
            let body: StaffVisualCheckOpen = parse_json(request.body)?;
            let open = VisualCheckOpen {
                request_id: check_request_id(&body.request_id)?,
                facility_code: own(claims.facility.clone())?,
                staff_id: own(claims.staff.clone())?,
            };
            self.call_origin(VISUAL_CHECK_OPEN_PATH, &open, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

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
    fn a_number_query_is_read_by_the_shared_bounds_trimmed_and_blank_parts_as_none() {
        let mut padded = number_query("33120015");
        padded.symbol = Some(" 12-34 ".into());
        padded.number = " 5678 ".into();
        padded.branch = Some(" ".into());
        let (_, read) = read_number_query(&padded).unwrap();
        assert_eq!(read.symbol.as_ref().map(|symbol| symbol.as_str()), Some("12-34"));
        assert_eq!(read.number.as_str(), "5678");
        assert!(read.branch.is_none());
        let mut long_number = number_query("33120015");
        long_number.number = "1".repeat(onshi_proto::insured_number::MAX_NUMBER_CHARS + 1);
        assert_eq!(read_number_query(&long_number), Err(EdgeError::BadRequest));
        let mut long_symbol = number_query("33120015");
        long_symbol.symbol = Some("x".repeat(onshi_proto::insured_number::MAX_SYMBOL_CHARS + 1));
        assert_eq!(read_number_query(&long_symbol), Err(EdgeError::BadRequest));
    }

    #[test]
    fn request_ids_are_bounded_plain_text() {
        assert_eq!(check_request_id("0123456789abcdef0123456789abcdef").map(|_| ()), Ok(()));
        assert_eq!(check_request_id("").map(|_| ()), Err(EdgeError::BadRequest));
        assert_eq!(check_request_id("../admin").map(|_| ()), Err(EdgeError::BadRequest));
        assert_eq!(check_request_id(&"a".repeat(65)).map(|_| ()), Err(EdgeError::BadRequest));
    }
}
