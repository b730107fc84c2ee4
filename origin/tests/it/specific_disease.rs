//! The 特定疾病 consent: a patient holding a 特定疾病療養受療証 is asked at the kiosk whether the facility may see its
//! disease category, and the category reaches the facility's staff and レセコン only while that consent is live;
//! the kiosk screen and 記号・番号 answers never carry it, and every answer carries the national flag (0/1/2; a
//! withdrawal, even of a consent that had lapsed, is 0). Every test runs on both databases.

use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, BY_NUMBER_PATH, CONSENT_PATH, CONSENT_WINDOW_SECONDS, CheckIn, ConsentAnswer, ConsentKind,
    ConsentRequest, NumberQualificationQuery, VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH,
    VISUAL_CHECK_DECIDE_PATH, VisualCheckCollect, VisualCheckCollected, VisualCheckDecision, VisualCheckTicket,
};
use onshi_proto::qualification::{QualificationAnswer, SpecificDiseaseConsent};
use onshi_proto::withdrawal::{ConsentWithdrawal, ConsentWithdrawn, ORIGIN_CONSENT_WITHDRAWAL_PATH, WithdrawalBy};

use crate::fixture::{Db, Origin, card_query, certificate, serial, visual_check_ask};

const FACILITY: &str = "1312345679";
const OTHER_FACILITY: &str = "2712345673";
/// The fixture's 受療証 holder's category: 人工透析を要する慢性腎不全.
const DIALYSIS: &str = "1";

async fn check_in(origin: &Origin, serial: &str) -> QualificationAnswer {
    let response = origin.post_signed(BY_CERTIFICATE_PATH, &card_query(serial, Some(FACILITY))).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// The patient answers the kiosk's consent questions: `kinds` is what they said yes to.
async fn answer_consent(origin: &Origin, facility: &str, kinds: Vec<ConsentKind>) -> ConsentAnswer {
    let request = ConsentRequest {
        certificate: certificate(serial::ELDERLY),
        facility_code: facility.try_into().unwrap(),
        device_id: Some("kiosk-1".try_into().unwrap()),
        kinds,
        prescription: None,
        scope: Default::default(),
    };
    let response = origin.post_signed(CONSENT_PATH, &request).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// The row staff see for the 受療証 holder.
async fn staff_row(origin: &Origin) -> CheckIn {
    let listed = origin.staff_list(FACILITY).await;
    let found = listed.checkins.into_iter().find(|c| c.specific_diseases.len() == 1);
    let Some(row) = found else { panic!("the holder's check-in is not listed") };
    row
}

/// The レセコン's XmlMsg of a card check-in of the 受療証 holder.
async fn card_xml(origin: &Origin) -> String {
    let body = serde_json::to_vec(&card_query(serial::ELDERLY, Some(FACILITY))).unwrap();
    xml(origin, BY_CERTIFICATE_PATH, body).await
}

async fn xml(origin: &Origin, path: &str, body: Vec<u8>) -> String {
    let headers = origin.sign("POST", path, &body);
    let response = origin
        .client
        .post(format!("{}{path}", origin.base))
        .header("content-type", "application/json")
        .header("accept", "application/xml")
        .header(onshi_proto::signing::TIMESTAMP_HEADER, &headers.timestamp)
        .header(onshi_proto::signing::NONCE_HEADER, &headers.nonce)
        .header(onshi_proto::signing::SIGNATURE_HEADER, &headers.signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.unwrap()
}

fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

fn number_query(answer: &QualificationAnswer) -> NumberQualificationQuery {
    let record = &answer.records[0];
    NumberQualificationQuery {
        insurer_number: record.insurer_number.as_str().try_into().unwrap(),
        symbol: None,
        number: record.number.as_str().try_into().unwrap(),
        branch: None,
        birth_date: record.birth_date,
        facility_code: Some(FACILITY.try_into().unwrap()),
        device_id: Some("staff-console".try_into().unwrap()),
        arbitrary_identifier: None,
    }
}

async fn a_consent_given_at_the_kiosk_opens_the_category_to_staff_and_the_rececon_only(db: Db) {
    let origin = Origin::start(db).await;
    // The kiosk's answer: a 特定疾病 question is due, the certificate and its limit, never the category.
    let kiosk = check_in(&origin, serial::ELDERLY).await;
    assert!(kiosk.specific_disease_question_due);
    assert_eq!(kiosk.specific_disease_consent, SpecificDiseaseConsent::NotGiven);
    let [shown] = kiosk.records[0].specific_diseases.as_slice() else { panic!("{kiosk:?}") };
    assert_eq!((shown.disease_category.as_str(), shown.monthly_self_pay_yen), ("", Some(10_000)));
    // Before the patient answers, staff see the certificate and its limit, and no category; the XmlMsg says 0.
    let before = staff_row(&origin).await;
    assert_eq!(before.specific_diseases[0].disease_category, "");
    assert_eq!(before.specific_diseases[0].monthly_self_pay_yen, Some(10_000));
    let xml_before = card_xml(&origin).await;
    assert_eq!(element(&xml_before, "SpecificDiseasesCertificateRelatedConsFlg"), Some("0"), "{xml_before}");
    assert_eq!(element(&xml_before, "SpecificDiseasesDiseaseCategory"), None, "{xml_before}");
    assert_eq!(element(&xml_before, "SpecificDiseasesSelfPay"), Some("10000"));

    // Yes to 包括同意 and yes to the 特定疾病 question.
    let recorded =
        answer_consent(&origin, FACILITY, vec![ConsentKind::Comprehensive, ConsentKind::SpecificDisease]).await;
    let live: Vec<_> = recorded.live.iter().map(|grant| grant.kind).collect();
    assert_eq!(live, vec![ConsentKind::Comprehensive, ConsentKind::SpecificDisease]);
    let row = staff_row(&origin).await;
    assert_eq!(row.specific_diseases[0].disease_category, DIALYSIS);
    assert!(row.consents.contains(&ConsentKind::SpecificDisease));
    let xml = card_xml(&origin).await;
    assert_eq!(element(&xml, "SpecificDiseasesCertificateRelatedConsFlg"), Some("1"), "{xml}");
    assert_eq!(element(&xml, "SpecificDiseasesDiseaseCategory"), Some(DIALYSIS), "{xml}");
    // The kiosk's next answer states the flag and still never the category.
    let again = check_in(&origin, serial::ELDERLY).await;
    assert_eq!(again.specific_disease_consent, SpecificDiseaseConsent::Given);
    assert_eq!(again.records[0].specific_diseases[0].disease_category, "");
    // A consent to another facility opens nothing here.
    assert_eq!(answer_consent(&origin, OTHER_FACILITY, vec![ConsentKind::SpecificDisease]).await.live.len(), 1);
    origin.stop().await;
}
on_both_databases!(a_consent_given_at_the_kiosk_opens_the_category_to_staff_and_the_rececon_only);

async fn a_patient_who_says_no_keeps_the_category_from_staff_even_under_the_comprehensive_consent(db: Db) {
    let origin = Origin::start(db).await;
    check_in(&origin, serial::ELDERLY).await;
    // Yes to 包括同意, no to the 特定疾病 question.
    answer_consent(&origin, FACILITY, vec![ConsentKind::Comprehensive]).await;
    let row = staff_row(&origin).await;
    assert_eq!(row.consents, vec![ConsentKind::Comprehensive]);
    assert_eq!(row.specific_diseases[0].disease_category, "", "包括同意 does not name the disease");
    assert_eq!(row.specific_diseases[0].monthly_self_pay_yen, Some(10_000));
    let xml = card_xml(&origin).await;
    assert_eq!(element(&xml, "SpecificDiseasesCertificateRelatedConsFlg"), Some("0"), "{xml}");
    assert_eq!(element(&xml, "SpecificDiseasesDiseaseCategory"), None, "{xml}");
    origin.stop().await;
}
on_both_databases!(a_patient_who_says_no_keeps_the_category_from_staff_even_under_the_comprehensive_consent);

async fn a_withdrawal_withholds_the_category_from_the_next_read_and_a_lapse_flags_two(db: Db) {
    let origin = Origin::start(db).await;
    check_in(&origin, serial::ELDERLY).await;
    answer_consent(&origin, FACILITY, vec![ConsentKind::SpecificDisease]).await;
    assert_eq!(staff_row(&origin).await.specific_diseases[0].disease_category, DIALYSIS);

    // A second later the patient withdraws at the kiosk: the read that worked a second before now withholds.
    let now = origin.clock_now();
    origin.clock.set(now + 1);
    let withdrawal = ConsentWithdrawal {
        facility_code: FACILITY.try_into().unwrap(),
        by: WithdrawalBy::Card { certificate: certificate(serial::ELDERLY), device_id: "kiosk-1".try_into().unwrap() },
    };
    let response = origin.post_signed(ORIGIN_CONSENT_WITHDRAWAL_PATH, &withdrawal).await;
    assert_eq!(response.status().as_u16(), 200);
    let withdrawn: ConsentWithdrawn = response.json().await.unwrap();
    assert_eq!(withdrawn.withdrawn, vec![ConsentKind::SpecificDisease]);
    let row = staff_row(&origin).await;
    assert_eq!(row.specific_diseases[0].disease_category, "");
    assert!(row.consents.is_empty());
    let xml = card_xml(&origin).await;
    assert_eq!(element(&xml, "SpecificDiseasesCertificateRelatedConsFlg"), Some("0"), "a withdrawn consent is none");
    assert_eq!(element(&xml, "SpecificDiseasesDiseaseCategory"), None);

    // Given again, then past its window: lapsed, flagged 2, and withheld.
    origin.clock.set(now + 2);
    answer_consent(&origin, FACILITY, vec![ConsentKind::SpecificDisease]).await;
    assert_eq!(element(&card_xml(&origin).await, "SpecificDiseasesCertificateRelatedConsFlg"), Some("1"));
    origin.clock.set(now + 2 + CONSENT_WINDOW_SECONDS);
    let lapsed = card_xml(&origin).await;
    assert_eq!(element(&lapsed, "SpecificDiseasesCertificateRelatedConsFlg"), Some("2"), "{lapsed}");
    assert_eq!(element(&lapsed, "SpecificDiseasesDiseaseCategory"), None);
    assert_eq!(check_in(&origin, serial::ELDERLY).await.specific_disease_consent, SpecificDiseaseConsent::Lapsed);
    origin.stop().await;
}
on_both_databases!(a_withdrawal_withholds_the_category_from_the_next_read_and_a_lapse_flags_two);

async fn a_withdrawal_after_the_consent_lapsed_flags_none_until_a_new_consent(db: Db) {
    let origin = Origin::start(db).await;
    check_in(&origin, serial::ELDERLY).await;
    answer_consent(&origin, FACILITY, vec![ConsentKind::SpecificDisease]).await;
    let now = origin.clock_now();
    origin.clock.set(now + CONSENT_WINDOW_SECONDS);
    assert_eq!(element(&card_xml(&origin).await, "SpecificDiseasesCertificateRelatedConsFlg"), Some("2"));

    // The consent has lapsed; the patient withdraws anyway. Nothing was live, and the withdrawal is taken.
    origin.clock.set(now + CONSENT_WINDOW_SECONDS + 1);
    let withdrawal = ConsentWithdrawal {
        facility_code: FACILITY.try_into().unwrap(),
        by: WithdrawalBy::Card { certificate: certificate(serial::ELDERLY), device_id: "kiosk-1".try_into().unwrap() },
    };
    let response = origin.post_signed(ORIGIN_CONSENT_WITHDRAWAL_PATH, &withdrawal).await;
    assert_eq!(response.status().as_u16(), 200);
    let withdrawn: ConsentWithdrawn = response.json().await.unwrap();
    assert_eq!(withdrawn.withdrawn, Vec::<ConsentKind>::new(), "nothing was live");
    // Their last word is no: 0, as for a live consent withdrawn, not 2 ("ask again").
    let xml = card_xml(&origin).await;
    assert_eq!(element(&xml, "SpecificDiseasesCertificateRelatedConsFlg"), Some("0"), "{xml}");
    assert_eq!(element(&xml, "SpecificDiseasesDiseaseCategory"), None, "{xml}");
    assert_eq!(check_in(&origin, serial::ELDERLY).await.specific_disease_consent, SpecificDiseaseConsent::NotGiven);

    // A consent given after the withdrawal stands on its own.
    origin.clock.set(now + CONSENT_WINDOW_SECONDS + 2);
    answer_consent(&origin, FACILITY, vec![ConsentKind::SpecificDisease]).await;
    let xml = card_xml(&origin).await;
    assert_eq!(element(&xml, "SpecificDiseasesCertificateRelatedConsFlg"), Some("1"), "{xml}");
    assert_eq!(element(&xml, "SpecificDiseasesDiseaseCategory"), Some(DIALYSIS), "{xml}");
    origin.stop().await;
}
on_both_databases!(a_withdrawal_after_the_consent_lapsed_flags_none_until_a_new_consent);

async fn a_number_lookup_never_carries_the_category_even_under_a_live_consent(db: Db) {
    let origin = Origin::start(db).await;
    let kiosk = check_in(&origin, serial::ELDERLY).await;
    answer_consent(&origin, FACILITY, vec![ConsentKind::SpecificDisease]).await;
    assert_eq!(staff_row(&origin).await.specific_diseases[0].disease_category, DIALYSIS);

    let response = origin.post_signed(BY_NUMBER_PATH, &number_query(&kiosk)).await;
    assert_eq!(response.status().as_u16(), 200);
    let staff: QualificationAnswer = response.json().await.unwrap();
    let [certificate] = staff.records[0].specific_diseases.as_slice() else { panic!("{staff:?}") };
    assert_eq!((certificate.disease_category.as_str(), certificate.monthly_self_pay_yen), ("", Some(10_000)));
    assert_eq!(staff.specific_disease_consent, SpecificDiseaseConsent::NotGiven);
    assert!(!staff.specific_disease_question_due, "nobody at a kiosk is asked a 記号・番号 lookup");
    let by_number = xml(&origin, BY_NUMBER_PATH, serde_json::to_vec(&number_query(&kiosk)).unwrap()).await;
    assert_eq!(element(&by_number, "SpecificDiseasesCertificateRelatedConsFlg"), Some("0"), "{by_number}");
    assert_eq!(element(&by_number, "SpecificDiseasesDiseaseCategory"), None, "{by_number}");
    origin.stop().await;
}
on_both_databases!(a_number_lookup_never_carries_the_category_even_under_a_live_consent);

async fn no_question_is_due_for_a_patient_without_a_certificate_and_a_visual_check_screen_never_names_it(db: Db) {
    let origin = Origin::start(db).await;
    let plain = check_in(&origin, serial::VALID).await;
    assert!(plain.records[0].specific_diseases.is_empty());
    assert!(!plain.specific_disease_question_due);
    assert_eq!(plain.specific_disease_consent, SpecificDiseaseConsent::NotGiven);

    // A 目視 collected at the kiosk is a kiosk screen: no category even under a live consent.
    check_in(&origin, serial::ELDERLY).await;
    answer_consent(&origin, FACILITY, vec![ConsentKind::SpecificDisease]).await;
    let ticket: VisualCheckTicket = origin
        .post_signed(VISUAL_CHECK_CREATE_PATH, &visual_check_ask(serial::ELDERLY, FACILITY))
        .await
        .json()
        .await
        .unwrap();
    let decision = VisualCheckDecision {
        request_id: ticket.request_id.as_str().try_into().unwrap(),
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        approve: true,
    };
    assert_eq!(origin.post_signed(VISUAL_CHECK_DECIDE_PATH, &decision).await.status().as_u16(), 200);
    let collect = VisualCheckCollect {
        request_id: ticket.request_id.as_str().try_into().unwrap(),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: visual_check_ask(serial::ELDERLY, FACILITY).device_id,
    };
    let collected: VisualCheckCollected =
        origin.post_signed(VISUAL_CHECK_COLLECT_PATH, &collect).await.json().await.unwrap();
    let answer = collected.qualification.unwrap();
    assert!(answer.specific_disease_question_due, "the patient is asked after a 目視 as after a PIN");
    assert_eq!(answer.specific_disease_consent, SpecificDiseaseConsent::Given);
    assert_eq!(answer.records[0].specific_diseases[0].disease_category, "");
    assert_eq!(answer.records[0].specific_diseases[0].monthly_self_pay_yen, Some(10_000));
    origin.stop().await;
}
on_both_databases!(no_question_is_due_for_a_patient_without_a_certificate_and_a_visual_check_screen_never_names_it);
