//! The card holder's own access log (issue 15 item 7): a facility's answered reads of their information, named by
//! facility and kind, newest first and page by page; nothing of their own acts (their check-in with card and PIN
//! among them), of refusals or of anyone else; and the reading itself audited. Every test runs on both databases.

use onshi_proto::access_log::{AccessKind, AccessLogPage, AccessLogQuery, ORIGIN_ACCESS_LOG_PATH};
use onshi_proto::medical_record::{MEDICAL_RECORDS_PATH, MedicalRecordKind, MedicalRecordQuery};
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, CHECKUP_PATH, CONSENT_PATH, CardScope, ConsentKind, ConsentRequest, MEDICATION_PATH,
    MedicalInfoQuery,
};
use onshi_proto::withdrawal::{ConsentWithdrawal, ORIGIN_CONSENT_WITHDRAWAL_PATH, WithdrawalBy};

use crate::fixture::{Db, Origin, card_query, certificate, expect_error, serial};

/// Named in the demo's list of facilities.
const FACILITY: &str = "1312345679";
/// On no list: shown by its code alone.
const UNNAMED_FACILITY: &str = "2712345673";

async fn check_in(origin: &Origin, serial: &str, facility: &str) {
    assert_eq!(origin.post_signed(BY_CERTIFICATE_PATH, &card_query(serial, Some(facility))).await.status(), 200);
}

async fn consent(origin: &Origin, serial: &str, facility: &str, kinds: Vec<ConsentKind>) {
    let request = ConsentRequest {
        certificate: certificate(serial),
        facility_code: facility.try_into().unwrap(),
        device_id: Some("kiosk-1".try_into().unwrap()),
        kinds,
        prescription: None,
        scope: Default::default(),
    };
    assert_eq!(origin.post_signed(CONSENT_PATH, &request).await.status(), 200);
}

/// The facility's own system reads the patient's 薬剤情報 under their consent, as the edge asks the origin.
fn medication_read(serial: &str, facility: &str) -> MedicalInfoQuery {
    MedicalInfoQuery {
        certificate: certificate(serial),
        facility_code: facility.try_into().unwrap(),
        device_id: Some("recept-1".try_into().unwrap()),
        scope: Default::default(),
    }
}

fn log_query(serial: &str) -> AccessLogQuery {
    AccessLogQuery {
        certificate: certificate(serial),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: "kiosk-2".try_into().unwrap(),
        scope: Default::default(),
        before: None,
    }
}

async fn read_log(origin: &Origin, query: &AccessLogQuery) -> AccessLogPage {
    let response = origin.post_signed(ORIGIN_ACCESS_LOG_PATH, query).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// The kinds of a page, newest first.
fn kinds(page: &AccessLogPage) -> Vec<AccessKind> {
    page.entries.iter().map(|entry| entry.kind).collect()
}

async fn a_patient_sees_each_facilitys_reads_by_kind_and_nothing_of_their_own(db: Db) {
    let origin = Origin::start(db).await;
    let start = origin.clock_now();
    // At the named facility: the patient's own check-in, a consent (their own act too), 薬剤 read by the facility,
    // a 特定健診 read refused for want of consent (nothing shown), then staff read 診療 under a 包括同意.
    check_in(&origin, serial::VALID, FACILITY).await;
    let own_only = read_log(&origin, &log_query(serial::VALID)).await;
    assert_eq!(own_only, AccessLogPage { entries: vec![], next: None }, "their own check-in is not a facility's read");
    origin.clock.set(start + 60);
    consent(&origin, serial::VALID, FACILITY, vec![ConsentKind::Medication]).await;
    assert_eq!(origin.post_signed(MEDICATION_PATH, &medication_read(serial::VALID, FACILITY)).await.status(), 200);
    expect_error(
        origin.post_signed(CHECKUP_PATH, &medication_read(serial::VALID, FACILITY)).await,
        403,
        "consent_required",
    )
    .await;
    origin.clock.set(start + 120);
    consent(&origin, serial::VALID, FACILITY, vec![ConsentKind::Comprehensive]).await;
    let checkin = origin.staff_list(FACILITY).await.checkins.into_iter().next().unwrap();
    let staff_read = MedicalRecordQuery {
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        checkin_id: checkin.id.try_into().unwrap(),
        kind: MedicalRecordKind::Diagnosis,
        page: Default::default(),
    };
    assert_eq!(origin.post_signed(MEDICAL_RECORDS_PATH, &staff_read).await.status(), 200);
    // The patient withdraws (their own act again), then checks in and consents at a facility on no list of names,
    // which reads their 薬剤.
    origin.clock.set(start + 180);
    let withdrawal = ConsentWithdrawal {
        facility_code: FACILITY.try_into().unwrap(),
        by: WithdrawalBy::Card { certificate: certificate(serial::VALID), device_id: "kiosk-1".try_into().unwrap() },
    };
    assert_eq!(origin.post_signed(ORIGIN_CONSENT_WITHDRAWAL_PATH, &withdrawal).await.status(), 200);
    origin.clock.set(start + 240);
    check_in(&origin, serial::VALID, UNNAMED_FACILITY).await;
    consent(&origin, serial::VALID, UNNAMED_FACILITY, vec![ConsentKind::Medication]).await;
    let elsewhere = medication_read(serial::VALID, UNNAMED_FACILITY);
    assert_eq!(origin.post_signed(MEDICATION_PATH, &elsewhere).await.status(), 200);
    // Another patient's 薬剤 read at the same facility is theirs alone.
    check_in(&origin, serial::DEPENDENT, FACILITY).await;
    consent(&origin, serial::DEPENDENT, FACILITY, vec![ConsentKind::Medication]).await;
    assert_eq!(origin.post_signed(MEDICATION_PATH, &medication_read(serial::DEPENDENT, FACILITY)).await.status(), 200);

    let page = read_log(&origin, &log_query(serial::VALID)).await;
    assert_eq!(kinds(&page), vec![AccessKind::Medication, AccessKind::Diagnosis, AccessKind::Medication]);
    assert_eq!(
        page.entries.iter().map(|e| e.occurred_at).collect::<Vec<_>>(),
        vec![start + 240, start + 120, start + 60]
    );
    assert_eq!(page.entries[0].facility_code.as_str(), UNNAMED_FACILITY);
    assert_eq!(page.entries[0].facility_name, None);
    assert!(page.entries[1..].iter().all(|e| e.facility_code.as_str() == FACILITY
        && e.facility_name.as_deref() == Some("かすみがせき中央病院")));
    assert_eq!(page.next, None);
    // Nothing in the answer names a staff member or a device.
    let text = serde_json::to_string(&page).unwrap();
    assert!(!text.contains("staff-a") && !text.contains("kiosk-1") && !text.contains("recept-1"), "{text}");

    // Reading the log is audited with the kiosk and the subject, and is not itself an entry.
    let again = read_log(&origin, &log_query(serial::VALID)).await;
    assert_eq!(again, page);
    let events = origin.store.audit_events().await.unwrap();
    let readings: Vec<_> = events.iter().filter(|e| e.purpose == "access_log").collect();
    assert_eq!(readings.len(), 3);
    assert!(readings.iter().all(|e| e.outcome == "shown"
        && e.actor_device_id.as_deref() == Some("kiosk-2")
        && e.subject_person_id.is_some()));

    // The other patient sees their one read and nothing of the first patient's.
    let other = read_log(&origin, &log_query(serial::DEPENDENT)).await;
    assert_eq!(kinds(&other), vec![AccessKind::Medication]);
    assert_eq!(other.entries[0].occurred_at, start + 240);
    origin.stop().await;
}
on_both_databases!(a_patient_sees_each_facilitys_reads_by_kind_and_nothing_of_their_own);

async fn the_log_pages_through_reads_of_the_same_second_without_repeating_or_skipping_one(db: Db) {
    let origin = Origin::start(db).await;
    let start = origin.clock_now();
    consent(&origin, serial::VALID, FACILITY, vec![ConsentKind::Medication]).await;
    // 23 reads: three a second, so that pages end in the middle of a second.
    for n in 0..23 {
        origin.clock.set(start + n / 3);
        assert_eq!(origin.post_signed(MEDICATION_PATH, &medication_read(serial::VALID, FACILITY)).await.status(), 200);
    }
    let mut query = log_query(serial::VALID);
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let page = read_log(&origin, &query).await;
        sizes.push(page.entries.len());
        seen.extend(page.entries.iter().map(|e| e.occurred_at));
        match page.next {
            Some(next) => query.before = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, vec![10, 10, 3]);
    let mut expected: Vec<i64> = (0..23).map(|n| start + n / 3).collect();
    expected.reverse();
    assert_eq!(seen, expected);
    origin.stop().await;
}
on_both_databases!(the_log_pages_through_reads_of_the_same_second_without_repeating_or_skipping_one);

async fn nobody_reads_a_log_but_the_linked_card_holder_with_a_full_session(db: Db) {
    let origin = Origin::start(db).await;
    check_in(&origin, serial::VALID, FACILITY).await;
    // A card linked to nobody has no log, and the refusal is audited.
    expect_error(origin.post_signed(ORIGIN_ACCESS_LOG_PATH, &log_query(serial::UNREGISTERED)).await, 404, "not_found")
        .await;
    // A certificate in its grace period confirms the qualification only.
    let grace = AccessLogQuery { scope: CardScope::QualificationOnly, ..log_query(serial::VALID) };
    expect_error(origin.post_signed(ORIGIN_ACCESS_LOG_PATH, &grace).await, 403, "qualification_only").await;
    // A body that names a person, or a forged or missing signature, reaches nothing.
    let mut naming = serde_json::to_value(log_query(serial::DEPENDENT)).unwrap();
    naming["person_id"] = "p-valid".into();
    let body = serde_json::to_vec(&naming).unwrap();
    let headers = origin.sign("POST", ORIGIN_ACCESS_LOG_PATH, &body);
    expect_error(origin.post_raw(ORIGIN_ACCESS_LOG_PATH, body, Some(&headers)).await, 400, "bad_request").await;
    let body = serde_json::to_vec(&log_query(serial::VALID)).unwrap();
    let mut forged = origin.sign("POST", ORIGIN_ACCESS_LOG_PATH, &body);
    forged.signature = forged.signature.chars().rev().collect();
    expect_error(origin.post_raw(ORIGIN_ACCESS_LOG_PATH, body.clone(), Some(&forged)).await, 401, "unauthorized").await;
    expect_error(origin.post_raw(ORIGIN_ACCESS_LOG_PATH, body, None).await, 401, "unauthorized").await;
    let events = origin.store.audit_events().await.unwrap();
    let outcomes: Vec<_> = events.iter().filter(|e| e.purpose == "access_log").map(|e| e.outcome.as_str()).collect();
    assert!(outcomes.contains(&"not_found") && outcomes.contains(&"qualification_only"), "{outcomes:?}");
    assert!(!outcomes.contains(&"shown"));
    origin.stop().await;
}
on_both_databases!(nobody_reads_a_log_but_the_linked_card_holder_with_a_full_session);
