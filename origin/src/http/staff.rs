//! The staff console's routes: the day's check-ins of a facility, and staff visual checks (目視).
//!
//! A check-in is written with its audit row, in one transaction, whenever a qualification by certificate is
//! answered for a facility (see [`commit_lookup`]). Staff list them through the edge with
//! `POST /v1/staff/checkins`; every listing is audited. A kiosk whose patient does not use the PIN asks for a
//! visual check (`POST /v1/visual-checks`) with a certificate the edge has verified; the request rests here, not at
//! the edge, because it points at one person's card. With the 目視 assist it also carries the birth date and sex of
//! the card face the edge found present, and a face that cannot be the certificate's person is refused
//! (`card_face_mismatch`) before any staff see it. Staff decide (`POST /v1/visual-checks/decide`) and the kiosk
//! collects (`POST /v1/visual-checks/collect`): an approved check is answered with the qualification exactly once,
//! audited and recorded as a `visual_check` check-in. A kiosk whose patient left withdraws its request
//! (`POST /v1/visual-checks/withdraw`): staff no longer see it, and a decision on it is refused with
//! `visual_check_withdrawn`, so staff are told instead of watching it vanish.
//!
//! Layer: HTTP adapter; all routes are signed by the edge. Time comes from the state's clock. Must not speak SQL
//! (`store/staff.rs` does) or answer before the audit row of a read is committed.

use axum::Json;
use axum::extract::State;
use onshi_proto::ErrorCode;
use onshi_proto::IsoDate;
use onshi_proto::checkin_page::CHECKIN_PAGE_ROWS;
use onshi_proto::origin::{
    AuthMethod, CardScope, CertificateRef, CheckInList, CheckInListQuery, ExpiryNotice, VISUAL_CHECK_LIFETIME_SECONDS,
    VisualCheckCollect, VisualCheckCollected, VisualCheckCreate, VisualCheckDecision, VisualCheckOpen,
    VisualCheckPerson, VisualCheckReason, VisualCheckState, VisualCheckTicket, VisualCheckWithdraw,
};

use crate::checkin_page::merge_page;
use crate::clock::tokyo_date;
use crate::disclosure::{Reader, disclose, disclose_checkin};
use crate::error::Result;
use crate::http::audit::{Asker, STAFF_ACTOR_PREFIX, audit, commit_lookup};
use crate::http::signed::{Failure, SignedJson};
use crate::http::state::AppState;
use crate::public_expense::without_the_question;
use crate::store::random_id;
use crate::store::rows::parse_stored;
use crate::store::staff::{NewVisualCheck, VisualCheckRow};
use crate::validity::{CardHolder, assess};

/// Audit purpose of a staff listing of the day's check-ins.
pub const PURPOSE_STAFF_CHECKIN_LIST: &str = "staff_checkin_list";
/// Audit purpose of a kiosk asking for a visual check.
pub const PURPOSE_VISUAL_CHECK_REQUEST: &str = "visual_check_request";
/// Audit purpose of a staff decision on a visual check.
pub const PURPOSE_VISUAL_CHECK_DECISION: &str = "visual_check_decision";
/// Audit purpose of staff opening a visual check: the name and birth date behind it were shown.
pub const PURPOSE_VISUAL_CHECK_DISCLOSURE: &str = "visual_check_disclosure";
/// Audit purpose of a kiosk withdrawing its visual check.
pub const PURPOSE_VISUAL_CHECK_WITHDRAWAL: &str = "visual_check_withdrawal";
/// Audit purpose of the qualification answered to an approved visual check.
pub const PURPOSE_QUALIFICATION_BY_VISUAL_CHECK: &str = "qualification_by_visual_check";

/// Who asked, for the audit trail (and, for a kiosk, the name its check-in rows show).
struct Actor {
    device_id: String,
    facility_code: String,
    device_label: Option<String>,
    /// The card certificate's expiry notice, for the check-in a collected 目視 records.
    expiry_notice: Option<ExpiryNotice>,
    /// Why the kiosk asked for the 目視, for the check-in a collected 目視 records; none for a staff session.
    visual_check_reason: Option<VisualCheckReason>,
}

impl Actor {
    /// A staff session, as the audit trail names it.
    fn staff(staff_id: &str, facility_code: String) -> Self {
        Self {
            device_id: format!("{STAFF_ACTOR_PREFIX}{staff_id}"),
            facility_code,
            device_label: None,
            expiry_notice: None,
            visual_check_reason: None,
        }
    }
}

impl Asker for Actor {
    fn device_id(&self) -> Option<&str> {
        Some(&self.device_id)
    }
    fn facility_code(&self) -> Option<&str> {
        Some(&self.facility_code)
    }
    fn device_label(&self) -> Option<&str> {
        self.device_label.as_deref()
    }
    fn expiry_notice(&self) -> Option<ExpiryNotice> {
        self.expiry_notice
    }
    fn visual_check_reason(&self) -> Option<VisualCheckReason> {
        self.visual_check_reason
    }
}

/// Where a visual check stands at `now`: a pending request past its lifetime, or an approved one not collected
/// within the lifetime after its decision, has expired.
fn state_at(row: &VisualCheckRow, now: i64) -> Result<VisualCheckState> {
    let stored: VisualCheckState = parse_stored("visual check state", &row.state)?;
    Ok(match stored {
        VisualCheckState::Pending if now > row.expires_at => VisualCheckState::Expired,
        VisualCheckState::Approved
            if now > row.decided_at.unwrap_or(row.expires_at) + VISUAL_CHECK_LIFETIME_SECONDS =>
        {
            VisualCheckState::Expired
        }
        other => other,
    })
}

/// `POST /v1/staff/checkins`: one page of the facility's check-ins of today (Asia/Tokyo), the national reader's
/// among them, newest first, after the query's cursor; the day's total; and its pending visual checks, oldest
/// first. Each source is asked for a page and one row more after the same cursor, so the answer is bounded however
/// many rows the day holds, and consents are asked for the page's patients only. The listing is audited before it
/// leaves.
pub(crate) async fn list_checkins(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<CheckInListQuery>,
) -> std::result::Result<Json<CheckInList>, Failure> {
    let now = state.now();
    let day = IsoDate(tokyo_date(now)?);
    let (facility, before) = (query.facility_code.as_str(), query.before.as_ref());
    let kiosks = state.store().checkins_page(facility, day, before, CHECKIN_PAGE_ROWS + 1).await?;
    // The national reader's checks stand in the same list, in the order they happened.
    let reader = state.store().reader_results_page(facility, day, before, CHECKIN_PAGE_ROWS + 1).await?;
    let (page, next) = merge_page(vec![kiosks, reader], CHECKIN_PAGE_ROWS)?;
    let total = state.store().listing_total(facility, day).await?;
    let checkins = crate::http::medical_records::attach_live_consents(&state, facility, now, page).await?;
    // The 特定疾病 category only under the consent live as the list is read.
    let checkins = checkins.into_iter().map(disclose_checkin).collect::<Vec<_>>();
    let pending = state.store().pending_visual_checks(facility, now).await?;
    let actor = Actor::staff(&query.staff_id, query.facility_code.to_string());
    audit(&state, now, &actor, None, PURPOSE_STAFF_CHECKIN_LIST, "listed").await?;
    tracing::info!(checkins = checkins.len(), total, pending = pending.len(), "staff listing answered");
    Ok(Json(CheckInList { date: day, checkins, next, total, pending }))
}

/// `POST /v1/visual-checks`: records a pending visual check for a certificate the edge has verified.
pub(crate) async fn create_visual_check(
    State(state): State<AppState>,
    SignedJson(request): SignedJson<VisualCheckCreate>,
) -> std::result::Result<Json<VisualCheckTicket>, Failure> {
    let now = state.now();
    let actor = Actor {
        device_id: request.device_id.to_string(),
        facility_code: request.facility_code.to_string(),
        device_label: None,
        expiry_notice: None,
        visual_check_reason: None,
    };
    if let Some(face) = &request.card_face {
        // The face was proved present at the kiosk, but the certificate could have come from another card: a face
        // that cannot be the linked person's reaches no staff, and the refusal names the person it was aimed at.
        // A certificate linked to nobody has no one to compare with, and its 目視 finds no qualification anyway.
        let person = state.store().certificate_person(&request.certificate).await?;
        if let Some(person) = person.filter(|person| !face.is_of(person.birth_date, person.sex)) {
            audit(&state, now, &actor, Some(person.person_id), PURPOSE_VISUAL_CHECK_REQUEST, "card_face_mismatch")
                .await?;
            return Err(Failure(ErrorCode::CardFaceMismatch));
        }
    }
    let id = random_id()?;
    let expires_at = now + VISUAL_CHECK_LIFETIME_SECONDS;
    state
        .store()
        .insert_visual_check(&NewVisualCheck {
            id: &id,
            facility_code: &request.facility_code,
            device_id: &request.device_id,
            device_label: request.device_label.as_deref(),
            device_location: request.device_location.as_deref(),
            certificate: &request.certificate,
            requested_at: now,
            expires_at,
            scope: request.scope,
            expiry_notice: request.expiry_notice,
            reason: request.reason,
            card_proven: request.card_face.is_some(),
        })
        .await?;
    audit(&state, now, &actor, None, PURPOSE_VISUAL_CHECK_REQUEST, "pending").await?;
    Ok(Json(VisualCheckTicket { request_id: id, state: VisualCheckState::Pending, expires_at }))
}

/// The state of a visual check that changed under a conditional update: what another request made of it.
async fn current_state(state: &AppState, request_id: &str, now: i64) -> Result<VisualCheckState> {
    state.store().visual_check(request_id).await?.map_or(Ok(VisualCheckState::Expired), |r| state_at(&r, now))
}

/// `POST /v1/visual-checks/decide`: staff approve or refuse a pending check of their own facility. A request that
/// is no longer pending is left as it is and its state is answered, so a second click changes nothing; but one its
/// kiosk withdrew is refused with `visual_check_withdrawn`, because nobody is waiting for that decision and staff
/// must be told so rather than see their click vanish.
pub(crate) async fn decide_visual_check(
    State(state): State<AppState>,
    SignedJson(decision): SignedJson<VisualCheckDecision>,
) -> std::result::Result<Json<VisualCheckTicket>, Failure> {
    let now = state.now();
    // Another facility's request reads as unknown: staff cannot even learn that it exists.
    let row = state
        .store()
        .visual_check(&decision.request_id)
        .await?
        .filter(|row| row.facility_code == decision.facility_code.as_str())
        .ok_or(Failure(ErrorCode::NotFound))?;
    let mut current = state_at(&row, now)?;
    if current == VisualCheckState::Withdrawn {
        return Err(Failure(ErrorCode::VisualCheckWithdrawn));
    }
    if current == VisualCheckState::Pending {
        let decided = if decision.approve { VisualCheckState::Approved } else { VisualCheckState::Refused };
        let changed = state.store().decide_visual_check(&decision.request_id, decided, &decision.staff_id, now).await?;
        current = if changed {
            decided
        } else {
            // Someone else decided in between, or the kiosk withdrew it: answer what happened.
            current_state(&state, &decision.request_id, now).await?
        };
        let actor = Actor::staff(&decision.staff_id, decision.facility_code.to_string());
        audit(&state, now, &actor, None, PURPOSE_VISUAL_CHECK_DECISION, current.as_str()).await?;
        if current == VisualCheckState::Withdrawn {
            return Err(Failure(ErrorCode::VisualCheckWithdrawn));
        }
    }
    Ok(Json(VisualCheckTicket {
        request_id: decision.request_id.to_string(),
        state: current,
        expires_at: row.expires_at,
    }))
}

/// `POST /v1/visual-checks/open`: staff open one pending check of their own facility to compare the patient and the
/// card face with the name and birth date of the person the card is linked to. Every opening writes an audit row
/// naming that person before the answer leaves; a request that is no longer pending discloses nothing.
pub(crate) async fn open_visual_check(
    State(state): State<AppState>,
    SignedJson(open): SignedJson<VisualCheckOpen>,
) -> std::result::Result<Json<VisualCheckPerson>, Failure> {
    let now = state.now();
    // Another facility's request reads as unknown, as for a decision.
    let row = state
        .store()
        .visual_check(&open.request_id)
        .await?
        .filter(|row| row.facility_code == open.facility_code.as_str())
        .ok_or(Failure(ErrorCode::NotFound))?;
    match state_at(&row, now)? {
        VisualCheckState::Pending => {}
        VisualCheckState::Withdrawn => return Err(Failure(ErrorCode::VisualCheckWithdrawn)),
        // Decided, collected or lapsed: nobody is waiting to be compared, so nothing is disclosed.
        _ => return Err(Failure(ErrorCode::NotFound)),
    }
    let person = state.store().visual_check_person(&open.request_id).await?;
    let actor = Actor::staff(&open.staff_id, open.facility_code.to_string());
    let (subject, outcome) = match &person {
        Some(person) => (Some(person.person_id.clone()), "disclosed"),
        None => (None, "unlinked"),
    };
    audit(&state, now, &actor, subject, PURPOSE_VISUAL_CHECK_DISCLOSURE, outcome).await?;
    Ok(Json(VisualCheckPerson {
        request_id: open.request_id.to_string(),
        name: person.as_ref().map(|person| person.name.clone()),
        birth_date: person.map(|person| person.birth_date),
    }))
}

/// `POST /v1/visual-checks/collect`: the asking kiosk polls its request. An approved request is answered with the
/// certificate and the qualification, exactly once; the answer is audited and recorded as a `visual_check`
/// check-in before it leaves.
pub(crate) async fn collect_visual_check(
    State(state): State<AppState>,
    SignedJson(collect): SignedJson<VisualCheckCollect>,
) -> std::result::Result<Json<VisualCheckCollected>, Failure> {
    let now = state.now();
    let row = state
        .store()
        .visual_check(&collect.request_id)
        .await?
        .filter(|row| {
            row.facility_code == collect.facility_code.as_str() && row.device_id == collect.device_id.as_str()
        })
        .ok_or(Failure(ErrorCode::NotFound))?;
    let current = state_at(&row, now)?;
    let waiting = VisualCheckCollected {
        state: current,
        certificate: None,
        qualification: None,
        scope: CardScope::default(),
        expiry_notice: None,
    };
    if current != VisualCheckState::Approved {
        return Ok(Json(waiting));
    }
    if !state.store().take_approved_visual_check(&collect.request_id).await? {
        // A concurrent poll took the answer first.
        return Ok(Json(VisualCheckCollected { state: VisualCheckState::Collected, ..waiting }));
    }
    let certificate = CertificateRef::new(&row.certificate_issuer, &row.certificate_serial)
        .map_err(|_| crate::error::OriginError::CorruptRecord("a stored certificate reference is malformed".into()))?;
    let today = tokyo_date(now)?;
    let (scope, expiry_notice) = (row.scope()?, row.expiry_notice(IsoDate(today))?);
    let actor = Actor {
        device_id: collect.device_id.to_string(),
        facility_code: collect.facility_code.to_string(),
        visual_check_reason: Some(row.reason()?),
        device_label: row.device_label,
        expiry_notice,
    };
    let (person_id, holder, has_public_expense) = match state.store().card_holder(&certificate).await? {
        Some(found) if found.held => {
            audit(&state, now, &actor, Some(found.person_id), PURPOSE_QUALIFICATION_BY_VISUAL_CHECK, "record_held")
                .await?;
            return Err(Failure(ErrorCode::RecordHeld));
        }
        Some(found) => (Some(found.person_id), CardHolder::Linked(found.records), found.has_public_expense),
        None => (None, CardHolder::NotLinked, false),
    };
    let mut answer = assess(holder, today);
    if let (Some(person_id), true) = (&person_id, has_public_expense) {
        // 医療扶助 always; a 受給者証 only through the reader's own question (see `without_the_question`), which a
        // 目視 session at the kiosk is not asked.
        let stored = state.store().public_expenses_of(person_id).await?;
        answer.public_expense = without_the_question(stored, answer.confirmation_date);
    }
    if let Some(person_id) = &person_id {
        // The patient answers the consent questions after a 目視 as after a PIN, the 特定疾病 one included.
        let facility = collect.facility_code.as_str();
        crate::http::card::state_specific_disease_consent(&state, person_id, facility, now, &mut answer).await?;
    }
    commit_lookup(
        &state,
        now,
        &actor,
        person_id,
        PURPOSE_QUALIFICATION_BY_VISUAL_CHECK,
        &answer,
        AuthMethod::VisualCheck,
    )
    .await?;
    tracing::info!(outcome = answer.validity.as_str(), "visual check collected");
    Ok(Json(VisualCheckCollected {
        state: VisualCheckState::Collected,
        certificate: Some(certificate),
        // The kiosk that asked shows it on its screen.
        qualification: Some(disclose(answer, Reader::KioskScreen)),
        scope,
        expiry_notice,
    }))
}

/// `POST /v1/visual-checks/withdraw`: the asking kiosk withdraws its request because its patient left it. A pending
/// request, or an approved one the kiosk never collected, becomes `withdrawn`: staff no longer see it, and nobody
/// can collect an answer for a patient who is gone. A request already refused, lapsed, collected or withdrawn is
/// left as it is and its state is answered, so withdrawing twice changes nothing.
pub(crate) async fn withdraw_visual_check(
    State(state): State<AppState>,
    SignedJson(withdraw): SignedJson<VisualCheckWithdraw>,
) -> std::result::Result<Json<VisualCheckTicket>, Failure> {
    let now = state.now();
    // Only the kiosk that asked may withdraw; any other reads it as unknown.
    let row = state
        .store()
        .visual_check(&withdraw.request_id)
        .await?
        .filter(|row| {
            row.facility_code == withdraw.facility_code.as_str() && row.device_id == withdraw.device_id.as_str()
        })
        .ok_or(Failure(ErrorCode::NotFound))?;
    let mut current = state_at(&row, now)?;
    if matches!(current, VisualCheckState::Pending | VisualCheckState::Approved) {
        current = if state.store().withdraw_visual_check(&withdraw.request_id).await? {
            VisualCheckState::Withdrawn
        } else {
            // The kiosk's own poll collected it in between: answer what happened.
            current_state(&state, &withdraw.request_id, now).await?
        };
        let actor = Actor {
            device_id: withdraw.device_id.to_string(),
            facility_code: withdraw.facility_code.to_string(),
            device_label: None,
            expiry_notice: None,
            visual_check_reason: None,
        };
        audit(&state, now, &actor, None, PURPOSE_VISUAL_CHECK_WITHDRAWAL, current.as_str()).await?;
    }
    Ok(Json(VisualCheckTicket {
        request_id: withdraw.request_id.to_string(),
        state: current,
        expires_at: row.expires_at,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn row(state: &str, decided_at: Option<i64>) -> VisualCheckRow {
        VisualCheckRow {
            facility_code: "1310000009".into(),
            device_id: "kiosk".into(),
            device_label: None,
            certificate_issuer: "CN=x".into(),
            certificate_serial: "01".into(),
            state: state.into(),
            expires_at: 1_000,
            decided_at,
            scope: "full".into(),
            certificate_notice: None,
            certificate_expiry_date: None,
            reason: "patient_chose".into(),
        }
    }

    #[test]
    fn pending_checks_expire_after_their_lifetime_and_approvals_after_theirs() {
        assert_eq!(state_at(&row("pending", None), 1_000).unwrap(), VisualCheckState::Pending);
        assert_eq!(state_at(&row("pending", None), 1_001).unwrap(), VisualCheckState::Expired);
        let approved = row("approved", Some(900));
        assert_eq!(state_at(&approved, 900 + VISUAL_CHECK_LIFETIME_SECONDS).unwrap(), VisualCheckState::Approved);
        assert_eq!(state_at(&approved, 901 + VISUAL_CHECK_LIFETIME_SECONDS).unwrap(), VisualCheckState::Expired);
        assert_eq!(state_at(&row("refused", Some(900)), 5_000).unwrap(), VisualCheckState::Refused);
        // A withdrawn request stays withdrawn, whatever the clock says.
        assert_eq!(state_at(&row("withdrawn", None), 5_000).unwrap(), VisualCheckState::Withdrawn);
        assert!(state_at(&row("bogus", None), 0).is_err());
    }
}
