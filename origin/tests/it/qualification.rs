//! `POST /v1/qualification/by-certificate`: each demo scenario's answer and its audit row.

use onshi_origin::store::{NewInsurer, NewQualification, RecordBatch};
use onshi_proto::IsoDate;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::origin::{BY_CERTIFICATE_PATH, CardQualificationQuery};
use onshi_proto::qualification::{Guidance, PersonalFamily, QualificationAnswer, Reason, Sex, Validity};

use crate::fixture::{Db, NOW, Origin, TODAY, card_query, serial};

// A 10-digit 医療機関コード (都道府県 13, 医科 1) with a valid 検証番号; chosen to share no digit run with any fixture PIN.
const FACILITY: &str = "1319009013";
const DEVICE: &str = "kiosk-reception-1";

fn query(serial: &str) -> CardQualificationQuery {
    CardQualificationQuery {
        device_id: Some(DEVICE.try_into().unwrap()),
        arbitrary_identifier: Some("visit-42".try_into().unwrap()),
        ..card_query(serial, Some(FACILITY))
    }
}

async fn ask(origin: &Origin, serial: &str) -> QualificationAnswer {
    let response = origin.post_signed(BY_CERTIFICATE_PATH, &query(serial)).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    response.json().await.unwrap()
}

async fn a_valid_card_holder_is_valid_at_thirty_percent(db: Db) {
    let origin = Origin::start(db).await;
    let answer = ask(&origin, serial::VALID).await;
    assert_eq!((answer.validity, answer.reason, answer.guidance), (Validity::Valid, Reason::Current, None));
    assert_eq!(answer.confirmation_date, IsoDate(TODAY));
    assert!(answer.is_clean());
    let record = &answer.records[0];
    assert_eq!(record.name, "山田　太郎");
    assert_eq!(record.name_kana, "ﾔﾏﾀﾞ ﾀﾛｳ");
    assert_eq!(record.sex, Sex::Male);
    assert_eq!(record.birth_date.to_string(), "1980-02-17");
    assert_eq!(record.personal_family, PersonalFamily::Insured);
    assert_eq!(record.partial_contribution_percent.get(), 30);
    assert_eq!(record.insurer_number, "01130012");
    assert_eq!(InsurerNumber::parse(&record.insurer_number).unwrap().law_code(), Some("01"));
    assert_eq!(record.branch.as_deref(), Some("00"));
    assert!(record.symbol.is_some());
    assert_eq!(record.disqualification_date, None);
    origin.stop().await;
}
on_both_databases!(a_valid_card_holder_is_valid_at_thirty_percent);

async fn a_dependent_is_valid_as_family_of_another_insured(db: Db) {
    let origin = Origin::start(db).await;
    let answer = ask(&origin, serial::DEPENDENT).await;
    assert_eq!((answer.validity, answer.reason), (Validity::Valid, Reason::Current));
    let record = &answer.records[0];
    assert_eq!(record.personal_family, PersonalFamily::Dependent);
    assert_eq!(record.partial_contribution_percent.get(), 30);
    assert_eq!(record.name, "山田　花子");
    assert_eq!(record.branch.as_deref(), Some("01"));
    origin.stop().await;
}
on_both_databases!(a_dependent_is_valid_as_family_of_another_insured);

async fn a_lost_qualification_is_invalid_with_the_claim_form_path(db: Db) {
    let origin = Origin::start(db).await;
    let answer = ask(&origin, serial::LOST).await;
    assert_eq!((answer.validity, answer.reason), (Validity::Invalid, Reason::Lost));
    assert_eq!(answer.guidance, Some(Guidance::ClaimForm));
    assert_eq!(answer.records.len(), 1);
    let lost_on = answer.records[0].disqualification_date.unwrap();
    assert!(lost_on.0 < TODAY);
    origin.stop().await;
}
on_both_databases!(a_lost_qualification_is_invalid_with_the_claim_form_path);

async fn an_unregistered_card_has_no_qualification_and_takes_the_claim_form_path(db: Db) {
    let origin = Origin::start(db).await;
    let answer = ask(&origin, serial::UNREGISTERED).await;
    assert_eq!((answer.validity, answer.reason), (Validity::NoQualification, Reason::NotRegistered));
    assert_eq!(answer.guidance, Some(Guidance::ClaimForm));
    assert!(answer.records.is_empty());
    // A certificate nobody ever heard of gets the same answer.
    let answer = ask(&origin, "0123456789ABCDEF").await;
    assert_eq!((answer.validity, answer.reason), (Validity::NoQualification, Reason::NotRegistered));
    origin.stop().await;
}
on_both_databases!(an_unregistered_card_has_no_qualification_and_takes_the_claim_form_path);

async fn an_elderly_card_holder_is_valid_at_ten_percent_under_a_late_elderly_insurer(db: Db) {
    let origin = Origin::start(db).await;
    let answer = ask(&origin, serial::ELDERLY).await;
    assert_eq!((answer.validity, answer.reason), (Validity::Valid, Reason::Current));
    let record = &answer.records[0];
    assert_eq!(record.partial_contribution_percent.get(), 10);
    assert!(InsurerNumber::parse(&record.insurer_number).unwrap().is_late_elderly());
    assert_eq!(record.symbol, None);
    // The 後期高齢者 被保険者番号 carries its own 検証番号.
    let (base, check) = record.number.split_at(7);
    assert_eq!(onshi_proto::insurer_number::check_digit(base).unwrap().to_string(), check);
    // Cover begins on the 75th birthday.
    assert_eq!(record.qualification_date.to_string(), "2023-03-10");
    // The demo 特定疾病療養受療証 (人工透析) from the start of cover, 10,000 yen a month; its category is for the
    // facility, not for the kiosk screen this answer is shown on.
    let [disease] = record.specific_diseases.as_slice() else { panic!("{record:?}") };
    assert_eq!(disease.disease_category, "");
    assert_eq!((disease.valid_from, disease.valid_until), (Some(record.qualification_date), None));
    assert_eq!(disease.monthly_self_pay_yen, Some(10_000));
    origin.stop().await;
}
on_both_databases!(an_elderly_card_holder_is_valid_at_ten_percent_under_a_late_elderly_insurer);

async fn two_current_qualifications_are_multiple_matches_for_staff_review(db: Db) {
    let origin = Origin::start(db).await;
    let first = ask(&origin, serial::VALID).await;
    let person_id = origin.store.audit_events().await.unwrap()[0].subject_person_id.clone().unwrap();
    let other_insurer =
        NewInsurer { number: InsurerNumber::parse("33120015").unwrap(), name: "第二保険者".into() };
    let second_cover = NewQualification {
        id: format!("{person_id}-second"),
        person_id: person_id.clone(),
        insured_person_id: person_id.clone(),
        insurer_number: other_insurer.number.clone(),
        card_classification: "01".into(),
        symbol: Some("77".into()),
        number: "1".into(),
        branch: Some("00".into()),
        personal_family: PersonalFamily::Insured,
        qualification_date: IsoDate(time::macros::date!(2026 - 04 - 01)),
        disqualification_date: None,
        loss_reason: None,
        partial_contribution_percent: onshi_proto::qualification::Percent::literal(30),
        elderly_recipient: None,
        limit_category: None,
        specific_disease: None,
    };
    let batch = RecordBatch { insurers: vec![other_insurer], qualifications: vec![second_cover], ..Default::default() };
    assert_eq!(origin.store.apply(&batch, NOW).await.unwrap().rows_inserted, 2);

    let answer = ask(&origin, serial::VALID).await;
    assert_eq!((answer.validity, answer.reason), (Validity::MultipleMatches, Reason::Ambiguous));
    assert_eq!(answer.guidance, Some(Guidance::StaffReview));
    assert_eq!(answer.records.len(), 2);
    assert!(answer.records.iter().any(|r| r.insurer_number == first.records[0].insurer_number));
    assert!(answer.records.iter().any(|r| r.insurer_number == "33120015"));
    origin.stop().await;
}
on_both_databases!(two_current_qualifications_are_multiple_matches_for_staff_review);

async fn the_answer_follows_the_clock_across_the_loss_date(db: Db) {
    let origin = Origin::start(db).await;
    // Forty days earlier, before the 喪失日 (30 days before TODAY), the same card was still valid.
    origin.clock.set(NOW - 40 * 86_400);
    let answer = ask(&origin, serial::LOST).await;
    assert_eq!((answer.validity, answer.reason), (Validity::Valid, Reason::Current));
    assert_eq!(answer.confirmation_date.to_string(), "2026-10-15");
    origin.stop().await;
}
on_both_databases!(the_answer_follows_the_clock_across_the_loss_date);

async fn every_read_writes_one_audit_row_without_secrets(db: Db) {
    let origin = Origin::start(db).await;
    let cards: serde_json::Value =
        serde_json::from_slice(&std::fs::read(crate::fixture::demo_cards_path()).unwrap()).unwrap();
    let pins: Vec<String> =
        cards.as_array().unwrap().iter().map(|card| card["pin"].as_str().unwrap().to_owned()).collect();
    assert_eq!(pins.len(), 6);

    let scenarios = [
        (serial::VALID, "valid"),
        (serial::DEPENDENT, "valid"),
        (serial::LOST, "invalid"),
        (serial::UNREGISTERED, "no_qualification"),
        (serial::ELDERLY, "valid"),
        (serial::SENIOR, "valid"),
        (serial::VALID, "valid"),
    ];
    // One second apart, so the trail's time order is the order of the reads.
    for (offset, (serial, _)) in (0..).zip(scenarios) {
        origin.clock.set(NOW + offset);
        ask(&origin, serial).await;
    }
    let events = origin.store.audit_events().await.unwrap();
    assert_eq!(events.len(), scenarios.len());
    for ((offset, event), (_, outcome)) in (0..).zip(&events).zip(scenarios) {
        assert_eq!(event.purpose, "qualification_by_certificate");
        assert_eq!(event.outcome, outcome);
        assert_eq!(event.occurred_at, NOW + offset);
        assert_eq!(event.actor_device_id.as_deref(), Some(DEVICE));
        assert_eq!(event.actor_facility_code.as_deref(), Some(FACILITY));
        assert_eq!(event.arbitrary_identifier.as_deref(), Some("visit-42"));
        // The subject is an opaque record identifier, never a name or a card detail.
        if outcome == "no_qualification" {
            assert_eq!(event.subject_person_id, None);
        } else {
            assert!(event.subject_person_id.as_deref().unwrap().starts_with("demo-person-"));
        }
        let free_text = [
            Some(&event.purpose),
            Some(&event.outcome),
            event.actor_device_id.as_ref(),
            event.actor_facility_code.as_ref(),
            event.arbitrary_identifier.as_ref(),
        ];
        for text in free_text.into_iter().flatten() {
            for pin in &pins {
                assert!(!text.contains(pin.as_str()), "audit field {text:?} contains a PIN");
            }
        }
    }
    // The same person read twice has two rows about them.
    let valid_person = events[0].subject_person_id.clone().unwrap();
    assert_eq!(origin.store.audit_events_about(&valid_person).await.unwrap().len(), 2);
    // Audit ids are unique.
    let mut ids: Vec<_> = events.iter().map(|e| e.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), events.len());

    // No table has anywhere to put a PIN.
    let pin_columns: Vec<(String, String)> = if origin.database_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&origin.database_url).await.unwrap();
        let columns = sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND lower(p.name) LIKE '%pin%'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        columns
    } else {
        let pool = sqlx::PgPool::connect(&origin.database_url).await.unwrap();
        let columns = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND lower(column_name) LIKE '%pin%'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        columns
    };
    assert_eq!(pin_columns, vec![]);
    origin.stop().await;
}
on_both_databases!(every_read_writes_one_audit_row_without_secrets);
