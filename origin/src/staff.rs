//! The staff console's routes: the day's check-ins of a facility, and staff visual checks (目視).
//!
//! A check-in is written with its audit row, in one transaction, whenever a qualification by certificate is
//! answered for a facility ([`audit_and_record_checkin`]). Staff list them through the edge with
//! `POST /v1/staff/checkins`; every listing is audited. A kiosk whose patient does not use the PIN asks for a
//! visual check (`POST /v1/visual-checks`) with a certificate the edge has verified; the request rests here, not at
//! the edge, because it points at one person's card. Staff decide (`POST /v1/visual-checks/decide`) and the kiosk
//! collects (`POST /v1/visual-checks/collect`): an approved check is answered with the qualification exactly once,
//! audited and recorded as a `visual_check` check-in. A kiosk whose patient left withdraws its request
//! (`POST /v1/visual-checks/withdraw`): staff no longer see it, and a decision on it is refused with
//! `visual_check_withdrawn`, so staff are told instead of watching it vanish.
//!
//! All routes are signed by the edge. Time comes from the state's clock.

use axum::Json;
use axum::extract::State;
use onshi_proto::ErrorCode;
use onshi_proto::IsoDate;
use onshi_proto::origin::{
    AuthMethod, CertificateRef, CheckIn, CheckInList, CheckInListQuery, PendingVisualCheck,
    VISUAL_CHECK_LIFETIME_SECONDS, VisualCheckCollect, VisualCheckCollected, VisualCheckCreate, VisualCheckDecision,
    VisualCheckState, VisualCheckTicket, VisualCheckWithdraw,
};
use onshi_proto::qualification::{QualificationAnswer, QualificationRecord, SpecificDiseaseCertificate, Validity};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::certificate;
use crate::clock::tokyo_date;
use crate::error::{OriginError, Result};
use crate::http::{
    AppState, Asker, Failure, SignedJson, facility_code_is_well_formed, identifier_is_well_formed, outcome_code,
};
use crate::store::random_id;
use crate::validity::{CardHolder, assess};

/// Audit purpose of a staff listing of the day's check-ins.
pub const PURPOSE_STAFF_CHECKIN_LIST: &str = "staff_checkin_list";
/// Audit purpose of a kiosk asking for a visual check.
pub const PURPOSE_VISUAL_CHECK_REQUEST: &str = "visual_check_request";
/// Audit purpose of a staff decision on a visual check.
pub const PURPOSE_VISUAL_CHECK_DECISION: &str = "visual_check_decision";
/// Audit purpose of a kiosk withdrawing its visual check.
pub const PURPOSE_VISUAL_CHECK_WITHDRAWAL: &str = "visual_check_withdrawal";
/// Audit purpose of the qualification answered to an approved visual check.
pub const PURPOSE_QUALIFICATION_BY_VISUAL_CHECK: &str = "qualification_by_visual_check";
/// Prefix of the audit trail's actor for a staff session, so staff and kiosks never read alike.
pub const STAFF_ACTOR_PREFIX: &str = "staff:";

/// The stable snake_case name of a wire enum, as stored in text columns.
fn wire_name<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(OriginError::CorruptRecord("an enumeration without a wire name".into())),
    }
}

/// The wire enum a stored text column names.
fn from_wire_name<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| OriginError::CorruptRecord(format!("unknown stored code {text:?}")))
}

/// 負担割合 shown for a record: the 高齢受給者 ratio when the person has one, otherwise the 一部負担金割合.
pub fn contribution_percent(record: &QualificationRecord) -> u8 {
    record.elderly_recipient.as_ref().map_or(record.partial_contribution_percent, |e| e.contribution_ratio_percent)
}

/// 負担割合 as a check-in row shows it: only for a 有効 answer. A 無効 qualification has ended (or not begun), and of
/// several matching records none is known to apply, so printing a ratio there would tell the counter to charge what
/// no insurer confirmed; such rows show the guidance instead.
pub fn shown_contribution_percent(answer: &QualificationAnswer) -> Option<u8> {
    match (answer.validity, answer.records.as_slice()) {
        (Validity::Valid, [record]) => Some(contribution_percent(record)),
        _ => None,
    }
}

/// The 特定疾病療養受療証 of a check-in's first record, as the JSON array its row keeps; `None` when there is none.
pub(crate) fn specific_diseases_text(record: Option<&QualificationRecord>) -> Result<Option<String>> {
    match record {
        Some(record) if !record.specific_diseases.is_empty() => serde_json::to_string(&record.specific_diseases)
            .map(Some)
            .map_err(|_| OriginError::CorruptRecord("a 特定疾病 list that does not serialise".into())),
        _ => Ok(None),
    }
}

/// Writes the audit row of a qualification by certificate and, when a facility asked, its check-in, through the
/// same group commit the lookups use: both rows share one transaction (a check-in is never listed without the
/// audited read behind it), and this returns only once that transaction has committed, so the answer still leaves
/// after its audit row.
pub(crate) async fn audit_and_record_checkin(
    state: &AppState,
    now: i64,
    asker: &dyn Asker,
    subject_person_id: Option<String>,
    purpose: &str,
    answer: &QualificationAnswer,
    method: AuthMethod,
) -> std::result::Result<(), Failure> {
    let rows = crate::http::lookup_rows(now, asker, subject_person_id, purpose, answer, method)?;
    state.store().commit_request_rows(rows).await?;
    Ok(())
}

/// Who asked, for the audit trail (and, for a kiosk, the name its check-in rows show).
struct Actor {
    device_id: String,
    facility_code: String,
    device_label: Option<String>,
}

impl Actor {
    /// A staff session, as the audit trail names it.
    fn staff(staff_id: &str, facility_code: String) -> Self {
        Self { device_id: format!("{STAFF_ACTOR_PREFIX}{staff_id}"), facility_code, device_label: None }
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
}

async fn audit_simple(
    state: &AppState,
    now: i64,
    actor: &Actor,
    subject_person_id: Option<String>,
    purpose: &str,
    outcome: &str,
) -> std::result::Result<(), Failure> {
    crate::http::audit(state, now, actor, subject_person_id, purpose, outcome).await
}

fn bad_request() -> Failure {
    Failure(ErrorCode::BadRequest)
}

fn is_identifier(text: &str) -> bool {
    identifier_is_well_formed(Some(text))
}

#[derive(sqlx::FromRow)]
struct CheckInRow {
    id: String,
    checked_in_at: i64,
    device_id: Option<String>,
    method: String,
    validity: String,
    reason: String,
    guidance: Option<String>,
    name: Option<String>,
    name_kana: Option<String>,
    insurer_number: Option<String>,
    insurer_name: Option<String>,
    contribution_percent: Option<i32>,
    prescription: Option<String>,
    device_label: Option<String>,
    disqualification_date: Option<String>,
    limit_category: Option<String>,
    specific_diseases: Option<String>,
}

impl CheckInRow {
    fn into_wire(self) -> Result<CheckIn> {
        Ok(CheckIn {
            id: self.id,
            checked_in_at: self.checked_in_at,
            device_id: self.device_id,
            method: from_wire_name(&self.method)?,
            validity: from_wire_name(&self.validity)?,
            reason: from_wire_name(&self.reason)?,
            guidance: self.guidance.as_deref().map(from_wire_name).transpose()?,
            name: self.name,
            name_kana: self.name_kana,
            insurer_number: self.insurer_number,
            insurer_name: self.insurer_name,
            contribution_percent: self
                .contribution_percent
                .map(|p| u8::try_from(p).map_err(|_| OriginError::CorruptRecord("contribution percent".into())))
                .transpose()?,
            prescription: self.prescription.as_deref().map(crate::store::prescription_from_text).transpose()?,
            device_label: self.device_label,
            disqualification_date: self
                .disqualification_date
                .as_deref()
                .map(|text| {
                    IsoDate::parse(text).map_err(|_| OriginError::CorruptRecord("disqualification date".into()))
                })
                .transpose()?,
            limit_category: self.limit_category,
            specific_diseases: self
                .specific_diseases
                .as_deref()
                .map(|text| {
                    serde_json::from_str::<Vec<SpecificDiseaseCertificate>>(text)
                        .map_err(|_| OriginError::CorruptRecord("specific diseases".into()))
                })
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    id: String,
    requested_at: i64,
    expires_at: i64,
    device_id: String,
    device_label: Option<String>,
    name: Option<String>,
    birth_date: Option<String>,
}

/// `POST /v1/staff/checkins`: the facility's check-ins of today (Asia/Tokyo), newest first, and its pending visual
/// checks, oldest first. The listing is audited before it leaves.
pub async fn list_checkins(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<CheckInListQuery>,
) -> std::result::Result<Json<CheckInList>, Failure> {
    if !facility_code_is_well_formed(&query.facility_code) || !is_identifier(&query.staff_id) {
        return Err(bad_request());
    }
    let now = state.now();
    let day = IsoDate(tokyo_date(now)?);
    let pool = state.store().pool();
    let rows: Vec<CheckInRow> = sqlx::query_as(
        "SELECT id, checked_in_at, device_id, method, validity, reason, guidance, name, name_kana, insurer_number, \
                insurer_name, contribution_percent, prescription, device_label, disqualification_date, limit_category, \
                specific_diseases \
         FROM checkins WHERE facility_code = $1 AND checkin_date = $2 ORDER BY checked_in_at DESC, id",
    )
    .bind(&query.facility_code)
    .bind(day.to_string())
    .fetch_all(pool)
    .await
    .map_err(OriginError::from)?;
    let checkins = rows.into_iter().map(CheckInRow::into_wire).collect::<Result<Vec<_>>>()?;
    let pending_rows: Vec<PendingRow> = sqlx::query_as(
        "SELECT v.id, v.requested_at, v.expires_at, v.device_id, v.device_label, p.name, p.birth_date \
         FROM visual_checks v \
         LEFT JOIN certificate_links l \
           ON l.certificate_issuer = v.certificate_issuer AND l.certificate_serial = v.certificate_serial \
         LEFT JOIN persons p ON p.id = l.person_id \
         WHERE v.facility_code = $1 AND v.state = 'pending' AND v.expires_at >= $2 \
         ORDER BY v.requested_at, v.id",
    )
    .bind(&query.facility_code)
    .bind(now)
    .fetch_all(pool)
    .await
    .map_err(OriginError::from)?;
    let pending = pending_rows
        .into_iter()
        .map(|row| {
            let birth_date = row
                .birth_date
                .as_deref()
                .map(|text| IsoDate::parse(text).map_err(|_| OriginError::CorruptRecord("birth date".into())))
                .transpose()?;
            Ok(PendingVisualCheck {
                request_id: row.id,
                requested_at: row.requested_at,
                expires_at: row.expires_at,
                device_id: Some(row.device_id),
                device_label: row.device_label,
                name: row.name,
                birth_date,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let actor = Actor::staff(&query.staff_id, query.facility_code);
    audit_simple(&state, now, &actor, None, PURPOSE_STAFF_CHECKIN_LIST, "listed").await?;
    tracing::info!(checkins = checkins.len(), pending = pending.len(), "staff listing answered");
    Ok(Json(CheckInList { date: day, checkins, pending }))
}

/// `POST /v1/visual-checks`: records a pending visual check for a certificate the edge has verified.
pub async fn create_visual_check(
    State(state): State<AppState>,
    SignedJson(request): SignedJson<VisualCheckCreate>,
) -> std::result::Result<Json<VisualCheckTicket>, Failure> {
    if !certificate::is_well_formed(&request.certificate)
        || !facility_code_is_well_formed(&request.facility_code)
        || !is_identifier(&request.device_id)
        || !identifier_is_well_formed(request.device_label.as_deref())
    {
        return Err(bad_request());
    }
    let now = state.now();
    let id = random_id()?;
    let expires_at = now + VISUAL_CHECK_LIFETIME_SECONDS;
    sqlx::query(
        "INSERT INTO visual_checks (id, facility_code, device_id, device_label, certificate_issuer, \
                                    certificate_serial, state, requested_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)",
    )
    .bind(&id)
    .bind(&request.facility_code)
    .bind(&request.device_id)
    .bind(request.device_label.as_deref())
    .bind(&request.certificate.issuer)
    .bind(&request.certificate.serial)
    .bind(now)
    .bind(expires_at)
    .execute(state.store().pool())
    .await
    .map_err(OriginError::from)?;
    let actor = Actor { device_id: request.device_id, facility_code: request.facility_code, device_label: None };
    audit_simple(&state, now, &actor, None, PURPOSE_VISUAL_CHECK_REQUEST, "pending").await?;
    Ok(Json(VisualCheckTicket { request_id: id, state: VisualCheckState::Pending, expires_at }))
}

#[derive(sqlx::FromRow)]
struct VisualCheckRow {
    facility_code: String,
    device_id: String,
    device_label: Option<String>,
    certificate_issuer: String,
    certificate_serial: String,
    state: String,
    expires_at: i64,
    decided_at: Option<i64>,
}

impl VisualCheckRow {
    /// Where the request stands at `now`: a pending request past its lifetime, or an approved one not collected
    /// within the lifetime after its decision, has expired.
    fn state_at(&self, now: i64) -> Result<VisualCheckState> {
        let stored: VisualCheckState = from_wire_name(&self.state)?;
        Ok(match stored {
            VisualCheckState::Pending if now > self.expires_at => VisualCheckState::Expired,
            VisualCheckState::Approved
                if now > self.decided_at.unwrap_or(self.expires_at) + VISUAL_CHECK_LIFETIME_SECONDS =>
            {
                VisualCheckState::Expired
            }
            other => other,
        })
    }
}

async fn load_visual_check(state: &AppState, request_id: &str) -> Result<Option<VisualCheckRow>> {
    Ok(sqlx::query_as(
        "SELECT facility_code, device_id, device_label, certificate_issuer, certificate_serial, state, expires_at, \
                decided_at \
         FROM visual_checks WHERE id = $1",
    )
    .bind(request_id)
    .fetch_optional(state.store().pool())
    .await?)
}

/// `POST /v1/visual-checks/decide`: staff approve or refuse a pending check of their own facility. A request that
/// is no longer pending is left as it is and its state is answered, so a second click changes nothing; but one its
/// kiosk withdrew is refused with `visual_check_withdrawn`, because nobody is waiting for that decision and staff
/// must be told so rather than see their click vanish.
pub async fn decide_visual_check(
    State(state): State<AppState>,
    SignedJson(decision): SignedJson<VisualCheckDecision>,
) -> std::result::Result<Json<VisualCheckTicket>, Failure> {
    if !is_identifier(&decision.request_id)
        || !facility_code_is_well_formed(&decision.facility_code)
        || !is_identifier(&decision.staff_id)
    {
        return Err(bad_request());
    }
    let now = state.now();
    // Another facility's request reads as unknown: staff cannot even learn that it exists.
    let row = load_visual_check(&state, &decision.request_id)
        .await?
        .filter(|row| row.facility_code == decision.facility_code)
        .ok_or(Failure(ErrorCode::NotFound))?;
    let mut current = row.state_at(now)?;
    if current == VisualCheckState::Withdrawn {
        return Err(Failure(ErrorCode::VisualCheckWithdrawn));
    }
    if current == VisualCheckState::Pending {
        let decided = if decision.approve { VisualCheckState::Approved } else { VisualCheckState::Refused };
        let changed = sqlx::query(
            "UPDATE visual_checks SET state = $1, decided_at = $2, decided_by = $3 \
             WHERE id = $4 AND state = 'pending' AND expires_at >= $2",
        )
        .bind(wire_name(&decided)?)
        .bind(now)
        .bind(&decision.staff_id)
        .bind(&decision.request_id)
        .execute(state.store().pool())
        .await
        .map_err(OriginError::from)?
        .rows_affected();
        current = if changed == 1 {
            decided
        } else {
            // Someone else decided in between, or the kiosk withdrew it: answer what happened.
            load_visual_check(&state, &decision.request_id)
                .await?
                .map_or(Ok(VisualCheckState::Expired), |r| r.state_at(now))?
        };
        let actor = Actor::staff(&decision.staff_id, decision.facility_code);
        audit_simple(&state, now, &actor, None, PURPOSE_VISUAL_CHECK_DECISION, &wire_name(&current)?).await?;
        if current == VisualCheckState::Withdrawn {
            return Err(Failure(ErrorCode::VisualCheckWithdrawn));
        }
    }
    Ok(Json(VisualCheckTicket { request_id: decision.request_id, state: current, expires_at: row.expires_at }))
}

/// `POST /v1/visual-checks/collect`: the asking kiosk polls its request. An approved request is answered with the
/// certificate and the qualification, exactly once; the answer is audited and recorded as a `visual_check`
/// check-in before it leaves.
pub async fn collect_visual_check(
    State(state): State<AppState>,
    SignedJson(collect): SignedJson<VisualCheckCollect>,
) -> std::result::Result<Json<VisualCheckCollected>, Failure> {
    if !is_identifier(&collect.request_id)
        || !facility_code_is_well_formed(&collect.facility_code)
        || !is_identifier(&collect.device_id)
    {
        return Err(bad_request());
    }
    let now = state.now();
    let row = load_visual_check(&state, &collect.request_id)
        .await?
        .filter(|row| row.facility_code == collect.facility_code && row.device_id == collect.device_id)
        .ok_or(Failure(ErrorCode::NotFound))?;
    let current = row.state_at(now)?;
    let waiting = VisualCheckCollected { state: current, certificate: None, qualification: None };
    if current != VisualCheckState::Approved {
        return Ok(Json(waiting));
    }
    let taken = sqlx::query("UPDATE visual_checks SET state = 'collected' WHERE id = $1 AND state = 'approved'")
        .bind(&collect.request_id)
        .execute(state.store().pool())
        .await
        .map_err(OriginError::from)?
        .rows_affected();
    if taken != 1 {
        // A concurrent poll took the answer first.
        return Ok(Json(VisualCheckCollected { state: VisualCheckState::Collected, ..waiting }));
    }
    let certificate = CertificateRef { issuer: row.certificate_issuer, serial: row.certificate_serial };
    let actor =
        Actor { device_id: collect.device_id, facility_code: collect.facility_code, device_label: row.device_label };
    let today = tokyo_date(now)?;
    let (person_id, holder) = match state.store().card_holder(&certificate).await? {
        Some(found) if found.held => {
            audit_simple(
                &state,
                now,
                &actor,
                Some(found.person_id),
                PURPOSE_QUALIFICATION_BY_VISUAL_CHECK,
                "record_held",
            )
            .await?;
            return Err(Failure(ErrorCode::RecordHeld));
        }
        Some(found) => (Some(found.person_id), CardHolder::Linked(found.records)),
        None => (None, CardHolder::NotLinked),
    };
    let answer = assess(holder, today);
    audit_and_record_checkin(
        &state,
        now,
        &actor,
        person_id,
        PURPOSE_QUALIFICATION_BY_VISUAL_CHECK,
        &answer,
        AuthMethod::VisualCheck,
    )
    .await?;
    tracing::info!(outcome = outcome_code(answer.validity), "visual check collected");
    Ok(Json(VisualCheckCollected {
        state: VisualCheckState::Collected,
        certificate: Some(certificate),
        qualification: Some(answer),
    }))
}

/// `POST /v1/visual-checks/withdraw`: the asking kiosk withdraws its request because its patient left it. A pending
/// request, or an approved one the kiosk never collected, becomes `withdrawn`: staff no longer see it, and nobody
/// can collect an answer for a patient who is gone. A request already refused, lapsed, collected or withdrawn is
/// left as it is and its state is answered, so withdrawing twice changes nothing.
pub async fn withdraw_visual_check(
    State(state): State<AppState>,
    SignedJson(withdraw): SignedJson<VisualCheckWithdraw>,
) -> std::result::Result<Json<VisualCheckTicket>, Failure> {
    if !is_identifier(&withdraw.request_id)
        || !facility_code_is_well_formed(&withdraw.facility_code)
        || !is_identifier(&withdraw.device_id)
    {
        return Err(bad_request());
    }
    let now = state.now();
    // Only the kiosk that asked may withdraw; any other reads it as unknown.
    let row = load_visual_check(&state, &withdraw.request_id)
        .await?
        .filter(|row| row.facility_code == withdraw.facility_code && row.device_id == withdraw.device_id)
        .ok_or(Failure(ErrorCode::NotFound))?;
    let mut current = row.state_at(now)?;
    if matches!(current, VisualCheckState::Pending | VisualCheckState::Approved) {
        let changed = sqlx::query(
            "UPDATE visual_checks SET state = 'withdrawn' WHERE id = $1 AND state IN ('pending', 'approved')",
        )
        .bind(&withdraw.request_id)
        .execute(state.store().pool())
        .await
        .map_err(OriginError::from)?
        .rows_affected();
        current = if changed == 1 {
            VisualCheckState::Withdrawn
        } else {
            // The kiosk's own poll collected it in between: answer what happened.
            load_visual_check(&state, &withdraw.request_id)
                .await?
                .map_or(Ok(VisualCheckState::Expired), |r| r.state_at(now))?
        };
        let actor = Actor { device_id: withdraw.device_id, facility_code: withdraw.facility_code, device_label: None };
        audit_simple(&state, now, &actor, None, PURPOSE_VISUAL_CHECK_WITHDRAWAL, &wire_name(&current)?).await?;
    }
    Ok(Json(VisualCheckTicket { request_id: withdraw.request_id, state: current, expires_at: row.expires_at }))
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
        }
    }

    #[test]
    fn pending_checks_expire_after_their_lifetime_and_approvals_after_theirs() {
        assert_eq!(row("pending", None).state_at(1_000).unwrap(), VisualCheckState::Pending);
        assert_eq!(row("pending", None).state_at(1_001).unwrap(), VisualCheckState::Expired);
        let approved = row("approved", Some(900));
        assert_eq!(approved.state_at(900 + VISUAL_CHECK_LIFETIME_SECONDS).unwrap(), VisualCheckState::Approved);
        assert_eq!(approved.state_at(901 + VISUAL_CHECK_LIFETIME_SECONDS).unwrap(), VisualCheckState::Expired);
        assert_eq!(row("refused", Some(900)).state_at(5_000).unwrap(), VisualCheckState::Refused);
        // A withdrawn request stays withdrawn, whatever the clock says.
        assert_eq!(row("withdrawn", None).state_at(5_000).unwrap(), VisualCheckState::Withdrawn);
        assert!(row("bogus", None).state_at(0).is_err());
    }

    fn answer(validity: Validity, records: Vec<QualificationRecord>) -> QualificationAnswer {
        QualificationAnswer {
            validity,
            reason: onshi_proto::qualification::Reason::Current,
            guidance: None,
            confirmation_date: IsoDate::parse("2026-12-03").unwrap(),
            records,
        }
    }

    fn record(percent: u8, lost_on: Option<&str>) -> QualificationRecord {
        QualificationRecord {
            card_classification: "01".into(),
            insurer_number: "01130012".into(),
            insurer_name: "全国健康保険協会".into(),
            symbol: None,
            number: "1".into(),
            branch: None,
            personal_family: onshi_proto::qualification::PersonalFamily::Insured,
            name: "試験　花子".into(),
            name_kana: "ｼｹﾝ ﾊﾅｺ".into(),
            sex: onshi_proto::qualification::Sex::Female,
            birth_date: IsoDate::parse("1990-01-01").unwrap(),
            qualification_date: IsoDate::parse("2020-04-01").unwrap(),
            disqualification_date: lost_on.map(|d| IsoDate::parse(d).unwrap()),
            partial_contribution_percent: percent,
            elderly_recipient: None,
            limit_category: None,
            specific_diseases: Vec::new(),
        }
    }

    #[test]
    fn only_a_clean_valid_answer_shows_a_contribution_ratio() {
        assert_eq!(shown_contribution_percent(&answer(Validity::Valid, vec![record(30, None)])), Some(30));
        // 無効: the qualification ended; its old ratio is not what the patient pays today.
        let lost = answer(Validity::Invalid, vec![record(30, Some("2026-11-30"))]);
        assert_eq!(shown_contribution_percent(&lost), None);
        assert_eq!(shown_contribution_percent(&answer(Validity::InvalidNewerExists, vec![record(30, None)])), None);
        assert_eq!(
            shown_contribution_percent(&answer(Validity::MultipleMatches, vec![record(30, None), record(20, None)])),
            None
        );
        assert_eq!(shown_contribution_percent(&answer(Validity::NoQualification, vec![])), None);
    }

    #[test]
    fn a_specific_disease_list_is_kept_as_json_and_none_is_kept_as_nothing() {
        assert_eq!(specific_diseases_text(None).unwrap(), None);
        assert_eq!(specific_diseases_text(Some(&record(10, None))).unwrap(), None);
        let mut dialysis = record(10, None);
        dialysis.specific_diseases = vec![SpecificDiseaseCertificate {
            disease_category: "1".into(),
            valid_from: None,
            valid_until: None,
            monthly_self_pay_yen: Some(10_000),
        }];
        let text = specific_diseases_text(Some(&dialysis)).unwrap().unwrap();
        let read: Vec<SpecificDiseaseCertificate> = serde_json::from_str(&text).unwrap();
        assert_eq!(read, dialysis.specific_diseases);
    }

    #[test]
    fn enumerations_are_stored_by_their_wire_names() {
        assert_eq!(wire_name(&AuthMethod::VisualCheck).unwrap(), "visual_check");
        assert_eq!(from_wire_name::<AuthMethod>("pin").unwrap(), AuthMethod::Pin);
        assert!(from_wire_name::<AuthMethod>("face").is_err());
    }
}
