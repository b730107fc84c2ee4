//! What a patient takes back: a consent withdrawn at the kiosk or through staff stops every consented read at once,
//! and a new consent counts again; a cancelled 健康保険証利用登録 makes the next check-in answer 該当資格なし. Every
//! test runs on both databases.

use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, CHECKUP_PATH, CONSENT_PATH, CONSENT_QUERY_PATH, ConsentAnswer, ConsentKind, ConsentQuery,
    ConsentRequest, MEDICATION_PATH, MedicalInfoQuery, REGISTRATION_PATH, RegistrationAnswer, RegistrationOutcome,
    RegistrationRequest,
};
use onshi_proto::qualification::{QualificationAnswer, Reason, Validity};
use onshi_proto::withdrawal::{
    ConsentWithdrawal, ConsentWithdrawn, ORIGIN_CONSENT_WITHDRAWAL_PATH, ORIGIN_REGISTRATION_CANCEL_PATH,
    RegistrationCancelAnswer, RegistrationCancelOutcome, RegistrationCancelRequest, WithdrawalBy,
};

use crate::fixture::{Db, Origin, card_query, certificate, expect_error, serial};

const FACILITY: &str = "1312345679";
const OTHER_FACILITY: &str = "0110113719";

fn consent(kinds: Vec<ConsentKind>) -> ConsentRequest {
    ConsentRequest {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: Some("kiosk-1".try_into().unwrap()),
        kinds,
        prescription: None,
        scope: Default::default(),
    }
}

fn medical_query() -> MedicalInfoQuery {
    MedicalInfoQuery {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: None,
        scope: Default::default(),
    }
}

fn by_card(facility: &str, serial: &str) -> ConsentWithdrawal {
    ConsentWithdrawal {
        facility_code: facility.try_into().unwrap(),
        by: WithdrawalBy::Card { certificate: certificate(serial), device_id: "kiosk-1".try_into().unwrap() },
    }
}

fn by_staff(facility: &str, checkin_id: &str) -> ConsentWithdrawal {
    ConsentWithdrawal {
        facility_code: facility.try_into().unwrap(),
        by: WithdrawalBy::Staff { checkin_id: checkin_id.try_into().unwrap(), staff_id: "staff-a".try_into().unwrap() },
    }
}

async fn check_in(origin: &Origin, serial: &str) -> QualificationAnswer {
    let query = card_query(serial, Some(FACILITY));
    origin.post_signed(BY_CERTIFICATE_PATH, &query).await.json().await.unwrap()
}

async fn withdraw(origin: &Origin, request: &ConsentWithdrawal) -> ConsentWithdrawn {
    let response = origin.post_signed(ORIGIN_CONSENT_WITHDRAWAL_PATH, request).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn a_withdrawal_at_the_kiosk_stops_a_read_that_worked_a_second_before(db: Db) {
    let origin = Origin::start(db).await;
    assert_eq!(origin.post_signed(CONSENT_PATH, &consent(vec![ConsentKind::Comprehensive])).await.status(), 200);
    assert_eq!(origin.post_signed(MEDICATION_PATH, &medical_query()).await.status(), 200);
    origin.clock.set(origin.clock_now() + 1);
    let withdrawn = withdraw(&origin, &by_card(FACILITY, serial::VALID)).await;
    assert_eq!(withdrawn.withdrawn, vec![ConsentKind::Comprehensive]);
    assert_eq!(withdrawn.withdrawn_at, origin.clock_now());
    // Within the same second, both consented reads and the consent query see nothing live.
    expect_error(origin.post_signed(MEDICATION_PATH, &medical_query()).await, 403, "consent_required").await;
    expect_error(origin.post_signed(CHECKUP_PATH, &medical_query()).await, 403, "consent_required").await;
    let query = ConsentQuery { certificate: certificate(serial::VALID), facility_code: FACILITY.try_into().unwrap() };
    let live: ConsentAnswer = origin.post_signed(CONSENT_QUERY_PATH, &query).await.json().await.unwrap();
    assert!(live.live.is_empty());
    // The patient changes their mind in the same second: a new consent counts again, for what it covers only.
    let again: ConsentAnswer =
        origin.post_signed(CONSENT_PATH, &consent(vec![ConsentKind::Medication])).await.json().await.unwrap();
    assert_eq!(again.live.iter().map(|grant| grant.kind).collect::<Vec<_>>(), vec![ConsentKind::Medication]);
    assert_eq!(origin.post_signed(MEDICATION_PATH, &medical_query()).await.status(), 200);
    expect_error(origin.post_signed(CHECKUP_PATH, &medical_query()).await, 403, "consent_required").await;
    // A second withdrawal with nothing else live names what it stopped; a third, with nothing live, names nothing
    // and is still recorded.
    assert_eq!(withdraw(&origin, &by_card(FACILITY, serial::VALID)).await.withdrawn, vec![ConsentKind::Medication]);
    assert!(withdraw(&origin, &by_card(FACILITY, serial::VALID)).await.withdrawn.is_empty());
    // Every withdrawal is on the audit trail with the kiosk, the facility and the subject.
    let events = origin.store.audit_events().await.unwrap();
    let withdrawals: Vec<_> = events.iter().filter(|e| e.purpose == "consent_withdrawal").collect();
    assert_eq!(withdrawals.len(), 3);
    assert!(withdrawals.iter().all(|e| e.outcome == "withdrawn"
        && e.actor_device_id.as_deref() == Some("kiosk-1")
        && e.actor_facility_code.as_deref() == Some(FACILITY)
        && e.subject_person_id.is_some()));
    origin.stop().await;
}
on_both_databases!(a_withdrawal_at_the_kiosk_stops_a_read_that_worked_a_second_before);

async fn a_withdrawal_ends_the_consents_to_one_facility_only(db: Db) {
    let origin = Origin::start(db).await;
    let elsewhere = ConsentRequest { facility_code: OTHER_FACILITY.try_into().unwrap(), ..consent(vec![]) };
    let elsewhere = ConsentRequest { kinds: vec![ConsentKind::Medication], ..elsewhere };
    assert_eq!(origin.post_signed(CONSENT_PATH, &elsewhere).await.status(), 200);
    assert_eq!(origin.post_signed(CONSENT_PATH, &consent(vec![ConsentKind::Medication])).await.status(), 200);
    withdraw(&origin, &by_card(FACILITY, serial::VALID)).await;
    expect_error(origin.post_signed(MEDICATION_PATH, &medical_query()).await, 403, "consent_required").await;
    let other = MedicalInfoQuery { facility_code: OTHER_FACILITY.try_into().unwrap(), ..medical_query() };
    assert_eq!(origin.post_signed(MEDICATION_PATH, &other).await.status(), 200);
    // An unlinked card has nothing to withdraw, and says so; the refusal is audited too.
    expect_error(
        origin.post_signed(ORIGIN_CONSENT_WITHDRAWAL_PATH, &by_card(FACILITY, serial::UNREGISTERED)).await,
        404,
        "not_found",
    )
    .await;
    let events = origin.store.audit_events().await.unwrap();
    assert!(events.iter().any(|e| e.purpose == "consent_withdrawal" && e.outcome == "not_found"));
    origin.stop().await;
}
on_both_databases!(a_withdrawal_ends_the_consents_to_one_facility_only);

async fn staff_withdraw_for_their_own_check_in_and_the_row_shows_it(db: Db) {
    let origin = Origin::start(db).await;
    assert_eq!(check_in(&origin, serial::VALID).await.validity, Validity::Valid);
    assert_eq!(origin.post_signed(CONSENT_PATH, &consent(vec![ConsentKind::HealthCheckup])).await.status(), 200);
    assert_eq!(origin.post_signed(CHECKUP_PATH, &medical_query()).await.status(), 200);
    let listed = origin.staff_list(FACILITY).await;
    let row = listed.checkins.first().unwrap();
    assert_eq!(row.consent_withdrawn_at, None);
    // Staff of another facility cannot reach this facility's check-in: nothing changes.
    expect_error(
        origin.post_signed(ORIGIN_CONSENT_WITHDRAWAL_PATH, &by_staff(OTHER_FACILITY, &row.id)).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(origin.post_signed(CHECKUP_PATH, &medical_query()).await.status(), 200);
    expect_error(
        origin.post_signed(ORIGIN_CONSENT_WITHDRAWAL_PATH, &by_staff(FACILITY, "no-such-checkin")).await,
        404,
        "not_found",
    )
    .await;
    origin.clock.set(origin.clock_now() + 60);
    let withdrawn = withdraw(&origin, &by_staff(FACILITY, &row.id)).await;
    assert_eq!(withdrawn.withdrawn, vec![ConsentKind::HealthCheckup]);
    expect_error(origin.post_signed(CHECKUP_PATH, &medical_query()).await, 403, "consent_required").await;
    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(listed.checkins.first().unwrap().consent_withdrawn_at, Some(withdrawn.withdrawn_at));
    let events = origin.store.audit_events().await.unwrap();
    assert!(events.iter().any(|e| e.purpose == "consent_withdrawal"
        && e.outcome == "withdrawn"
        && e.actor_device_id.as_deref() == Some("staff:staff-a")
        && e.actor_facility_code.as_deref() == Some(FACILITY)));
    assert!(events.iter().any(|e| e.purpose == "consent_withdrawal"
        && e.outcome == "not_found"
        && e.actor_facility_code.as_deref() == Some(OTHER_FACILITY)));
    origin.stop().await;
}
on_both_databases!(staff_withdraw_for_their_own_check_in_and_the_row_shows_it);

fn cancel_request(serial: &str) -> RegistrationCancelRequest {
    RegistrationCancelRequest {
        certificate: certificate(serial),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: "kiosk-1".try_into().unwrap(),
        scope: Default::default(),
    }
}

async fn cancel(origin: &Origin, serial: &str) -> RegistrationCancelOutcome {
    let response = origin.post_signed(ORIGIN_REGISTRATION_CANCEL_PATH, &cancel_request(serial)).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json::<RegistrationCancelAnswer>().await.unwrap().outcome
}

async fn a_cancelled_registration_answers_no_qualification_until_registered_again(db: Db) {
    let origin = Origin::start(db).await;
    assert_eq!(check_in(&origin, serial::VALID).await.validity, Validity::Valid);
    assert_eq!(cancel(&origin, serial::VALID).await, RegistrationCancelOutcome::Cancelled);
    let answer = check_in(&origin, serial::VALID).await;
    assert_eq!((answer.validity, answer.reason), (Validity::NoQualification, Reason::NotRegistered));
    assert!(answer.records.is_empty());
    // Cancelling again changes nothing, and says so.
    assert_eq!(cancel(&origin, serial::VALID).await, RegistrationCancelOutcome::NotRegistered);
    // Another card's registration is untouched by this card's cancellation.
    let registered: RegistrationAnswer = origin
        .post_signed(
            REGISTRATION_PATH,
            &RegistrationRequest {
                certificate: certificate(serial::UNREGISTERED),
                facility_code: Some(FACILITY.try_into().unwrap()),
                device_id: Some("kiosk-1".try_into().unwrap()),
                scope: Default::default(),
            },
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(registered.outcome, RegistrationOutcome::Registered);
    assert_eq!(check_in(&origin, serial::UNREGISTERED).await.validity, Validity::Valid);
    // Registering the cancelled card again links it again.
    let again: RegistrationAnswer = origin
        .post_signed(
            REGISTRATION_PATH,
            &RegistrationRequest {
                certificate: certificate(serial::VALID),
                facility_code: Some(FACILITY.try_into().unwrap()),
                device_id: Some("kiosk-1".try_into().unwrap()),
                scope: Default::default(),
            },
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.outcome, RegistrationOutcome::Registered);
    assert_eq!(check_in(&origin, serial::VALID).await.validity, Validity::Valid);
    let events = origin.store.audit_events().await.unwrap();
    let cancels: Vec<_> = events.iter().filter(|e| e.purpose == "registration_cancel").collect();
    // The trail's order within one second is not the order of the calls, so each outcome is found by name.
    let mut outcomes: Vec<_> = cancels.iter().map(|e| e.outcome.as_str()).collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, vec!["cancelled", "not_registered"]);
    assert!(cancels.iter().all(|e| e.subject_person_id.is_some() == (e.outcome == "cancelled")));
    assert!(cancels.iter().all(|e| e.actor_facility_code.as_deref() == Some(FACILITY)));
    origin.stop().await;
}
on_both_databases!(a_cancelled_registration_answers_no_qualification_until_registered_again);

async fn a_card_registered_again_within_a_day_of_its_cancellation_finds_no_live_consent(db: Db) {
    let origin = Origin::start(db).await;
    let elsewhere = ConsentRequest { facility_code: OTHER_FACILITY.try_into().unwrap(), ..consent(vec![]) };
    let elsewhere = ConsentRequest { kinds: vec![ConsentKind::HealthCheckup], ..elsewhere };
    assert_eq!(origin.post_signed(CONSENT_PATH, &elsewhere).await.status(), 200);
    assert_eq!(origin.post_signed(CONSENT_PATH, &consent(vec![ConsentKind::Comprehensive])).await.status(), 200);
    assert_eq!(origin.post_signed(MEDICATION_PATH, &medical_query()).await.status(), 200);
    origin.clock.set(origin.clock_now() + 60);
    assert_eq!(cancel(&origin, serial::VALID).await, RegistrationCancelOutcome::Cancelled);
    // The patient changes their mind an hour later, well within the consents' 24 hours, and registers again.
    origin.clock.set(origin.clock_now() + 3600);
    let again: RegistrationAnswer = origin
        .post_signed(
            REGISTRATION_PATH,
            &RegistrationRequest {
                certificate: certificate(serial::VALID),
                facility_code: Some(FACILITY.try_into().unwrap()),
                device_id: Some("kiosk-1".try_into().unwrap()),
                scope: Default::default(),
            },
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.outcome, RegistrationOutcome::Registered);
    // Nothing the cancelled link had opened is open again, at either facility.
    expect_error(origin.post_signed(MEDICATION_PATH, &medical_query()).await, 403, "consent_required").await;
    let other = MedicalInfoQuery { facility_code: OTHER_FACILITY.try_into().unwrap(), ..medical_query() };
    expect_error(origin.post_signed(CHECKUP_PATH, &other).await, 403, "consent_required").await;
    for facility in [FACILITY, OTHER_FACILITY] {
        let query =
            ConsentQuery { certificate: certificate(serial::VALID), facility_code: facility.try_into().unwrap() };
        let live: ConsentAnswer = origin.post_signed(CONSENT_QUERY_PATH, &query).await.json().await.unwrap();
        assert!(live.live.is_empty(), "{facility}");
    }
    // A consent given after registering again counts.
    assert_eq!(origin.post_signed(CONSENT_PATH, &consent(vec![ConsentKind::Medication])).await.status(), 200);
    assert_eq!(origin.post_signed(MEDICATION_PATH, &medical_query()).await.status(), 200);
    origin.stop().await;
}
on_both_databases!(a_card_registered_again_within_a_day_of_its_cancellation_finds_no_live_consent);
