//! Staff read a check-in's patient's medical information under the patient's live consent
//! (`POST /v1/staff/medical-records`): 薬剤 with 重複投薬 flagged, 特定健診 judged against their ranges, 診療行為 and
//! 手術, one kind and one page per read.
//!
//! Layer: HTTP adapter, edge-signed; the edge puts the staff session's facility and id in the query. Must not show
//! anything of a check-in of another facility (it reads as unknown), of a held record, or without a consent to this
//! facility that covers the kind and is live now by the consent store's own [`crate::store::Store::live_consents`]
//! (so a withdrawal there stops these reads too); must not answer before the read's audit row, naming the subject,
//! is committed. A refusal for want of consent is audited as well.

use axum::Json;
use axum::extract::State;
use onshi_proto::ErrorCode;
use onshi_proto::medical_record::{MedicalRecordKind, MedicalRecordPage, MedicalRecordQuery, MedicalRecords};

use crate::http::audit::{STAFF_ACTOR_PREFIX, Who, audit};
use crate::http::signed::{Failure, SignedJson};
use crate::http::state::AppState;
use crate::medical::duplicates::flag_duplicates;
use crate::store::HoldStatus;

/// Audit purpose of a staff read of medical information; the kind is the outcome's prefix.
pub const PURPOSE_STAFF_MEDICAL_RECORDS: &str = "staff_medical_records";

/// 薬剤 entries per page.
pub const MEDICATION_PAGE: u32 = 20;
/// 特定健診 results per page: a year's dozen items five times over, so the first page holds every year a trend needs.
pub const CHECKUP_PAGE: u32 = 60;
/// 診療行為 or 手術 per page.
pub const PROCEDURE_PAGE: u32 = 20;

/// `POST /v1/staff/medical-records`.
pub(crate) async fn medical_records(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<MedicalRecordQuery>,
) -> Result<Json<MedicalRecordPage>, Failure> {
    let now = state.now();
    let actor = format!("{STAFF_ACTOR_PREFIX}{}", query.staff_id.as_str());
    let who =
        Who { device_id: Some(&actor), facility_code: Some(query.facility_code.as_str()), arbitrary_identifier: None };
    let kind = query.kind;
    let outcome = |what: &str| format!("{}:{what}", kind.as_str());
    let store = state.store();
    // Another facility's check-in reads as unknown: staff cannot even learn that it exists.
    let Some((person_id, hold)) =
        store.checkin_subject(query.facility_code.as_str(), query.checkin_id.as_str()).await?
    else {
        audit(&state, now, &who, None, PURPOSE_STAFF_MEDICAL_RECORDS, &outcome("not_found")).await?;
        return Err(Failure(ErrorCode::NotFound));
    };
    if hold == HoldStatus::Held {
        audit(&state, now, &who, Some(person_id), PURPOSE_STAFF_MEDICAL_RECORDS, &outcome("record_held")).await?;
        return Err(Failure(ErrorCode::RecordHeld));
    }
    let live = store.live_consents(&person_id, query.facility_code.as_str(), now).await?;
    if !live.iter().any(|grant| grant.kind.covers(kind.consent())) {
        audit(&state, now, &who, Some(person_id), PURPOSE_STAFF_MEDICAL_RECORDS, &outcome("consent_required")).await?;
        return Err(Failure(ErrorCode::ConsentRequired));
    }
    let page = query.page.get();
    let (records, more) = match kind {
        MedicalRecordKind::Medication => {
            let mut lines = store.medication_lines(&person_id).await?;
            // The rule reads the whole history, so an entry is flagged whichever page its partner falls on.
            flag_duplicates(&mut lines);
            let from = usize::try_from(page.saturating_mul(MEDICATION_PAGE)).unwrap_or(usize::MAX);
            let size = usize::try_from(MEDICATION_PAGE).unwrap_or(usize::MAX);
            let more = lines.len() > from.saturating_add(size);
            let entries = lines.into_iter().skip(from).take(size).collect();
            (MedicalRecords::Medication { entries }, more)
        }
        MedicalRecordKind::HealthCheckup => {
            let found = store.checkup_results(&person_id, page.saturating_mul(CHECKUP_PAGE), CHECKUP_PAGE).await?;
            (MedicalRecords::HealthCheckup { entries: found.rows }, found.more)
        }
        MedicalRecordKind::Diagnosis | MedicalRecordKind::Operation => {
            let found = store.procedures(&person_id, kind, page.saturating_mul(PROCEDURE_PAGE), PROCEDURE_PAGE).await?;
            let records = if kind == MedicalRecordKind::Diagnosis {
                MedicalRecords::Diagnosis { entries: found.rows }
            } else {
                MedicalRecords::Operation { entries: found.rows }
            };
            (records, found.more)
        }
    };
    audit(&state, now, &who, Some(person_id), PURPOSE_STAFF_MEDICAL_RECORDS, &outcome("shown")).await?;
    Ok(Json(MedicalRecordPage { page, next_page: more.then_some(page + 1), records }))
}

/// Gives each check-in of a listing's page its patient's consents to the facility live at `now`, by the consent
/// store's own rule, so staff see which rows open medical information. One question per patient on the page, so
/// the cost follows the page, never the day.
pub(crate) async fn attach_live_consents(
    state: &AppState,
    facility_code: &str,
    now: i64,
    page: Vec<crate::checkin_page::ListedCheckIn>,
) -> crate::error::Result<Vec<onshi_proto::origin::CheckIn>> {
    let mut asked: std::collections::HashMap<String, Vec<onshi_proto::origin::ConsentKind>> = Default::default();
    let mut checkins = Vec::with_capacity(page.len());
    for listed in page {
        let mut checkin = listed.checkin;
        if let Some(person_id) = listed.person_id {
            if !asked.contains_key(&person_id) {
                let live = state.store().live_consents(&person_id, facility_code, now).await?;
                asked.insert(person_id.clone(), live.into_iter().map(|grant| grant.kind).collect());
            }
            checkin.consents = asked.get(&person_id).cloned().unwrap_or_default();
        }
        checkins.push(checkin);
    }
    Ok(checkins)
}
