//! Staff read a check-in's patient's medical information (issue 15 item 3): only under that patient's live consent
//! to the staff's own facility, kind by kind, page by page, with 重複投薬 flagged and out-of-range checkup values
//! marked, and every read and refusal audited with its subject. Every test runs on both databases.

use onshi_proto::medical_record::{
    MEDICAL_RECORDS_PATH, MedicalRecordKind, MedicalRecordPage, MedicalRecordQuery, MedicalRecords, MedicationLine,
    RangeFlag,
};
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, CHECKINS_PATH, CONSENT_PATH, CONSENT_WINDOW_SECONDS, CheckIn, CheckInList, CheckInListQuery,
    ConsentKind, ConsentRequest,
};

use crate::fixture::{Db, NOW, Origin, TODAY, card_query, certificate, expect_error, serial};

const FACILITY: &str = "1312345679";
const OTHER_FACILITY: &str = "2712345673";

async fn check_in(origin: &Origin, serial: &str) {
    let query = card_query(serial, Some(FACILITY));
    assert_eq!(origin.post_signed(BY_CERTIFICATE_PATH, &query).await.status().as_u16(), 200);
}

async fn consent(origin: &Origin, serial: &str, kinds: Vec<ConsentKind>) {
    let request = ConsentRequest {
        certificate: certificate(serial),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: Some("kiosk-1".try_into().unwrap()),
        kinds,
        prescription: None,
        scope: Default::default(),
    };
    assert_eq!(origin.post_signed(CONSENT_PATH, &request).await.status().as_u16(), 200);
}

/// The facility's check-ins of the day, as staff list them.
async fn listing(origin: &Origin) -> Vec<CheckIn> {
    let query = CheckInListQuery {
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        before: None,
    };
    let list: CheckInList = origin.post_signed(CHECKINS_PATH, &query).await.json().await.unwrap();
    list.checkins
}

fn read(checkin_id: &str, kind: MedicalRecordKind, page: u32, facility: &str) -> MedicalRecordQuery {
    MedicalRecordQuery {
        facility_code: facility.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        checkin_id: checkin_id.try_into().unwrap(),
        kind,
        page: page.try_into().unwrap(),
    }
}

async fn page(origin: &Origin, query: &MedicalRecordQuery) -> MedicalRecordPage {
    let response = origin.post_signed(MEDICAL_RECORDS_PATH, query).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// Every 薬剤 entry, following the pages until there is no next one.
async fn all_medication(origin: &Origin, checkin_id: &str) -> Vec<MedicationLine> {
    let mut lines = Vec::new();
    let mut next = Some(0);
    while let Some(number) = next {
        let answer = page(origin, &read(checkin_id, MedicalRecordKind::Medication, number, FACILITY)).await;
        assert_eq!(answer.page, number);
        let MedicalRecords::Medication { entries } = answer.records else { panic!("a medication page") };
        assert!(!entries.is_empty());
        lines.extend(entries);
        next = answer.next_page;
    }
    lines
}

async fn staff_read_a_consented_patients_history_page_by_page(db: Db) {
    let origin = Origin::start(db).await;
    let history = onshi_origin::medical::synthetic::history("anyone", TODAY).unwrap();
    check_in(&origin, serial::VALID).await;
    let row = listing(&origin).await.remove(0);
    // Before any consent the row opens nothing and a read is refused, on the record.
    assert!(row.consents.is_empty());
    let medication = read(&row.id, MedicalRecordKind::Medication, 0, FACILITY);
    expect_error(origin.post_signed(MEDICAL_RECORDS_PATH, &medication).await, 403, "consent_required").await;

    consent(&origin, serial::VALID, vec![ConsentKind::Medication, ConsentKind::HealthCheckup]).await;
    let row = listing(&origin).await.remove(0);
    assert_eq!(
        MedicalRecordKind::opened_by(&row.consents),
        vec![MedicalRecordKind::Medication, MedicalRecordKind::HealthCheckup]
    );
    let lines = all_medication(&origin, &row.id).await;
    assert_eq!(lines.len(), history.medications.len());
    assert!(lines.windows(2).all(|pair| pair[0].dispensed_on >= pair[1].dispensed_on), "newest first");
    // The hospital's original brand and the clinic's latest generic of one ingredient, on whichever page.
    let duplicates: Vec<_> = lines.iter().filter(|line| line.duplicate).collect();
    assert_eq!(duplicates.len(), 2);
    assert_eq!(duplicates[0].yj_code[..7], duplicates[1].yj_code[..7]);
    assert_ne!(duplicates[0].prescriber_code, duplicates[1].prescriber_code);

    let checkups = page(&origin, &read(&row.id, MedicalRecordKind::HealthCheckup, 0, FACILITY)).await;
    let MedicalRecords::HealthCheckup { entries } = checkups.records else { panic!("a checkup page") };
    assert_eq!(entries.len(), history.checkups.len());
    let hba1c: Vec<_> = entries.iter().filter(|entry| entry.item.starts_with("HbA1c")).collect();
    assert_eq!(hba1c.len(), 5, "one a year for five years");
    assert!(hba1c.iter().all(|entry| entry.unit == "%" && entry.range.is_some()));
    assert_eq!(hba1c[0].flag, Some(RangeFlag::High), "the newest HbA1c is past 5.5");
    assert_eq!(hba1c[4].flag, None, "the oldest was in range");
    assert!(entries.iter().any(|entry| entry.flag == Some(RangeFlag::Low)), "HDL fell below 40");

    // A consent to 薬剤 and 健診 does not open 診療 or 手術; 包括同意 opens them all.
    let operations = read(&row.id, MedicalRecordKind::Operation, 0, FACILITY);
    expect_error(origin.post_signed(MEDICAL_RECORDS_PATH, &operations).await, 403, "consent_required").await;
    consent(&origin, serial::VALID, vec![ConsentKind::Comprehensive]).await;
    let answer = page(&origin, &operations).await;
    let MedicalRecords::Operation { entries } = answer.records else { panic!("an operation page") };
    assert!(!entries.is_empty() && entries.iter().all(|entry| entry.code.starts_with('K')));
    let answer = page(&origin, &read(&row.id, MedicalRecordKind::Diagnosis, 0, FACILITY)).await;
    assert_eq!(answer.next_page, None);
    let MedicalRecords::Diagnosis { entries } = answer.records else { panic!("a diagnosis page") };
    let expected = onshi_origin::medical::synthetic::count(&history, MedicalRecordKind::Diagnosis);
    assert!(entries.len() == expected && entries.iter().all(|entry| !entry.code.starts_with('K')));
    // A page past the last is empty, not an error.
    let far = page(&origin, &read(&row.id, MedicalRecordKind::Medication, 50, FACILITY)).await;
    assert_eq!((far.next_page, far.records), (None, MedicalRecords::Medication { entries: vec![] }));

    // Every read is on the audit trail with its subject and the staff member, and nothing left before it.
    let events = origin.store.audit_events().await.unwrap();
    let reads: Vec<_> = events.iter().filter(|event| event.purpose == "staff_medical_records").collect();
    assert!(reads.iter().all(|event| event.subject_person_id.is_some()));
    assert!(reads.iter().all(|event| event.actor_device_id.as_deref() == Some("staff:staff-a")));
    let shown = reads.iter().filter(|event| event.outcome.ends_with(":shown")).count();
    let refused = reads.iter().filter(|event| event.outcome.ends_with(":consent_required")).count();
    assert_eq!((refused, reads.len() - shown - refused), (2, 0));
    origin.stop().await;
}
on_both_databases!(staff_read_a_consented_patients_history_page_by_page);

async fn another_facility_a_lapsed_consent_or_a_declining_patient_see_nothing(db: Db) {
    let origin = Origin::start(db).await;
    check_in(&origin, serial::VALID).await;
    check_in(&origin, serial::DEPENDENT).await;
    consent(&origin, serial::VALID, vec![ConsentKind::Comprehensive]).await;
    // The dependent declined every consent.
    consent(&origin, serial::DEPENDENT, vec![]).await;
    let rows = listing(&origin).await;
    let consented = rows.iter().find(|row| !row.consents.is_empty()).unwrap();
    let declined = rows.iter().find(|row| row.consents.is_empty()).unwrap();
    for kind in MedicalRecordKind::ALL {
        let query = read(&declined.id, *kind, 0, FACILITY);
        expect_error(origin.post_signed(MEDICAL_RECORDS_PATH, &query).await, 403, "consent_required").await;
    }
    // Staff of another facility holding this facility's check-in id learn nothing, not even that it exists.
    let elsewhere = read(&consented.id, MedicalRecordKind::Medication, 0, OTHER_FACILITY);
    expect_error(origin.post_signed(MEDICAL_RECORDS_PATH, &elsewhere).await, 404, "not_found").await;
    let unknown = read("0123456789abcdef", MedicalRecordKind::Medication, 0, FACILITY);
    expect_error(origin.post_signed(MEDICAL_RECORDS_PATH, &unknown).await, 404, "not_found").await;
    // A read that works now stops when the 24-hour window closes.
    let query = read(&consented.id, MedicalRecordKind::Medication, 0, FACILITY);
    page(&origin, &query).await;
    origin.clock.set(NOW + CONSENT_WINDOW_SECONDS);
    expect_error(origin.post_signed(MEDICAL_RECORDS_PATH, &query).await, 403, "consent_required").await;
    // A page number past the bound is a bad request, read at the boundary.
    let mut body = serde_json::to_value(&query).unwrap();
    body["page"] = serde_json::json!(onshi_proto::medical_record::MAX_PAGE + 1);
    expect_error(origin.post_signed(MEDICAL_RECORDS_PATH, &body).await, 400, "bad_request").await;
    origin.stop().await;
}
on_both_databases!(another_facility_a_lapsed_consent_or_a_declining_patient_see_nothing);

/// Holds the record of the person a check-in was answered for, as an insurer's batch does for a suspected
/// mis-registration (the route to that is the insurer console's, tested in `edge_routes.rs`).
async fn hold_the_patient_of(origin: &Origin, checkin_id: &str) {
    const HOLD: &str =
        "UPDATE persons SET hold_status = 'held' WHERE id = (SELECT person_id FROM checkins WHERE id = $1)";
    let changed = if origin.database_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&origin.database_url).await.unwrap();
        let done = sqlx::query(HOLD).bind(checkin_id).execute(&pool).await.unwrap();
        pool.close().await;
        done.rows_affected()
    } else {
        let pool = sqlx::PgPool::connect(&origin.database_url).await.unwrap();
        let done = sqlx::query(HOLD).bind(checkin_id).execute(&pool).await.unwrap();
        pool.close().await;
        done.rows_affected()
    };
    assert_eq!(changed, 1);
}

async fn a_held_record_shows_nothing_even_under_a_live_consent(db: Db) {
    let origin = Origin::start(db).await;
    check_in(&origin, serial::VALID).await;
    consent(&origin, serial::VALID, vec![ConsentKind::Comprehensive]).await;
    let row = listing(&origin).await.remove(0);
    let query = read(&row.id, MedicalRecordKind::Medication, 0, FACILITY);
    page(&origin, &query).await;
    hold_the_patient_of(&origin, &row.id).await;
    expect_error(origin.post_signed(MEDICAL_RECORDS_PATH, &query).await, 423, "record_held").await;
    let events = origin.store.audit_events().await.unwrap();
    assert!(events.iter().any(|event| event.purpose == "staff_medical_records"
        && event.outcome == "medication:record_held"
        && event.subject_person_id.is_some()));
    origin.stop().await;
}
on_both_databases!(a_held_record_shows_nothing_even_under_a_live_consent);
