//! The edge-facing routes of issue 4: 健康保険証利用登録 through the J-LIS stand-in, consent with its 24-hour
//! window, and medication and checkup information only under a live consent. Every test runs on both databases.

use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, CHECKUP_PATH, CONSENT_PATH, CONSENT_QUERY_PATH, CONSENT_WINDOW_SECONDS,
    CardQualificationQuery, CheckupAnswer, ConsentAnswer, ConsentKind, ConsentQuery, ConsentRequest, MEDICATION_PATH,
    MedicalInfoQuery, MedicationAnswer, REGISTRATION_PATH, RegistrationAnswer, RegistrationOutcome,
    RegistrationRequest,
};
use onshi_proto::qualification::{QualificationAnswer, Validity};

use crate::fixture::{Db, NOW, Origin, card_query, certificate, expect_error, serial};

const FACILITY: &str = "1312345679";

fn register_request(serial: &str) -> RegistrationRequest {
    RegistrationRequest {
        certificate: certificate(serial),
        facility_code: Some(FACILITY.try_into().unwrap()),
        device_id: Some("kiosk-1".try_into().unwrap()),
        scope: Default::default(),
    }
}

async fn qualification(origin: &Origin, serial: &str) -> QualificationAnswer {
    let query = CardQualificationQuery { device_id: None, ..card_query(serial, None) };
    origin.post_signed(BY_CERTIFICATE_PATH, &query).await.json().await.unwrap()
}

async fn the_unregistered_card_registers_at_the_kiosk_and_is_then_valid(db: Db) {
    let origin = Origin::start(db).await;
    assert_eq!(qualification(&origin, serial::UNREGISTERED).await.validity, Validity::NoQualification);
    let answer: RegistrationAnswer =
        origin.post_signed(REGISTRATION_PATH, &register_request(serial::UNREGISTERED)).await.json().await.unwrap();
    assert_eq!(answer.outcome, RegistrationOutcome::Registered);
    assert_eq!(qualification(&origin, serial::UNREGISTERED).await.validity, Validity::Valid);
    // Registering again changes nothing.
    let again: RegistrationAnswer =
        origin.post_signed(REGISTRATION_PATH, &register_request(serial::UNREGISTERED)).await.json().await.unwrap();
    assert_eq!(again.outcome, RegistrationOutcome::AlreadyRegistered);
    // A revoked certificate cannot register; one J-LIS does not know cannot either.
    origin
        .store
        .set_certificate_status(&certificate(serial::VALID), onshi_proto::origin::CertificateStatus::Revoked, NOW)
        .await
        .unwrap();
    let revoked: RegistrationAnswer =
        origin.post_signed(REGISTRATION_PATH, &register_request(serial::VALID)).await.json().await.unwrap();
    assert_eq!(revoked.outcome, RegistrationOutcome::CertificateNotUsable);
    let unknown: RegistrationAnswer =
        origin.post_signed(REGISTRATION_PATH, &register_request("0BADCAFE")).await.json().await.unwrap();
    assert_eq!(unknown.outcome, RegistrationOutcome::CertificateNotUsable);
    // Every attempt is on the audit trail, without the 個人番号.
    let events = origin.store.audit_events().await.unwrap();
    assert_eq!(events.iter().filter(|e| e.purpose == "registration").count(), 4);
    assert!(
        !format!("{events:?}")
            .contains(&onshi_origin::seed::derived_individual_number(&certificate(serial::UNREGISTERED)).unwrap())
    );
    origin.stop().await;
}
on_both_databases!(the_unregistered_card_registers_at_the_kiosk_and_is_then_valid);

async fn medication_needs_a_live_consent_for_the_same_facility(db: Db) {
    let origin = Origin::start(db).await;
    let query = MedicalInfoQuery {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: None,
        scope: Default::default(),
    };
    expect_error(origin.post_signed(MEDICATION_PATH, &query).await, 403, "consent_required").await;
    let consent = ConsentRequest {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: Some("reader-1".try_into().unwrap()),
        kinds: vec![ConsentKind::Medication],
        prescription: None,
        scope: Default::default(),
    };
    let answer: ConsentAnswer = origin.post_signed(CONSENT_PATH, &consent).await.json().await.unwrap();
    assert_eq!(answer.live.len(), 1);
    assert_eq!(answer.live[0].expires_at, NOW + CONSENT_WINDOW_SECONDS);
    let medication: MedicationAnswer = origin.post_signed(MEDICATION_PATH, &query).await.json().await.unwrap();
    let history = onshi_origin::medical::synthetic::history("anyone", crate::fixture::TODAY).unwrap();
    assert_eq!(medication.entries.len(), history.medications.len());
    assert!(medication.entries.windows(2).all(|w| w[0].dispensed_on >= w[1].dispensed_on));
    // Medication consent does not open checkups; another facility sees nothing.
    expect_error(origin.post_signed(CHECKUP_PATH, &query).await, 403, "consent_required").await;
    let elsewhere = MedicalInfoQuery { facility_code: "2712345673".try_into().unwrap(), ..query.clone() };
    expect_error(origin.post_signed(MEDICATION_PATH, &elsewhere).await, 403, "consent_required").await;
    // 24 hours later the consent has lapsed.
    origin.clock.set(NOW + CONSENT_WINDOW_SECONDS);
    expect_error(origin.post_signed(MEDICATION_PATH, &query).await, 403, "consent_required").await;
    let live: ConsentAnswer = origin
        .post_signed(
            CONSENT_QUERY_PATH,
            &ConsentQuery { certificate: certificate(serial::VALID), facility_code: FACILITY.try_into().unwrap() },
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(live.live.is_empty());
    origin.stop().await;
}
on_both_databases!(medication_needs_a_live_consent_for_the_same_facility);

async fn a_comprehensive_consent_opens_checkups_too_and_every_view_is_audited(db: Db) {
    let origin = Origin::start(db).await;
    let consent = ConsentRequest {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: None,
        kinds: vec![ConsentKind::Comprehensive],
        prescription: None,
        scope: Default::default(),
    };
    assert_eq!(origin.post_signed(CONSENT_PATH, &consent).await.status().as_u16(), 200);
    let query = MedicalInfoQuery {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: None,
        scope: Default::default(),
    };
    let checkup: CheckupAnswer = origin.post_signed(CHECKUP_PATH, &query).await.json().await.unwrap();
    let history = onshi_origin::medical::synthetic::history("anyone", crate::fixture::TODAY).unwrap();
    assert_eq!(checkup.entries.len(), history.checkups.len());
    let events = origin.store.audit_events().await.unwrap();
    assert!(events.iter().any(|e| e.purpose == "checkup_info"
        && e.outcome == "shown"
        && e.actor_facility_code.as_deref() == Some(FACILITY)));
    // An unlinked card has nothing to consent with.
    let unlinked = ConsentRequest { certificate: certificate(serial::UNREGISTERED), ..consent };
    expect_error(origin.post_signed(CONSENT_PATH, &unlinked).await, 404, "not_found").await;
    origin.stop().await;
}
on_both_databases!(a_comprehensive_consent_opens_checkups_too_and_every_view_is_audited);

async fn the_answer_comes_as_xml_msg_or_fhir_when_asked(db: Db) {
    let origin = Origin::start(db).await;
    let query = CardQualificationQuery {
        device_id: None,
        arbitrary_identifier: Some("visit-7".try_into().unwrap()),
        ..card_query(serial::VALID, Some(FACILITY))
    };
    let body = serde_json::to_vec(&query).unwrap();
    let send = |accept: &'static str| {
        let body = body.clone();
        let origin = &origin;
        async move {
            let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &body);
            origin
                .client
                .post(format!("{}{BY_CERTIFICATE_PATH}", origin.base))
                .header("accept", accept)
                .header(onshi_proto::signing::TIMESTAMP_HEADER, &headers.timestamp)
                .header(onshi_proto::signing::NONCE_HEADER, &headers.nonce)
                .header(onshi_proto::signing::SIGNATURE_HEADER, &headers.signature)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let xml = send("application/xml").await;
    assert!(xml.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    assert_eq!(xml.headers()["cache-control"], "no-store");
    let xml = xml.text().await.unwrap();
    assert!(xml.contains("<QualificationValidity>1</QualificationValidity>"), "{xml}");
    assert!(xml.contains("<MedicalInstitutionCode>1312345679</MedicalInstitutionCode>"));
    assert!(xml.contains("<ArbitraryIdentifier>visit-7</ArbitraryIdentifier>"));
    assert!(!xml.contains("ArbitraryFileIdentifier"));
    assert!(xml.contains("<ProcessExecutionTime>20261124120000</ProcessExecutionTime>"));
    // The valid card has no 特定疾病療養受療証, so its answer carries no list.
    assert!(!xml.contains("SpecificDiseasesCertificateList"));
    let fhir: serde_json::Value = send("application/fhir+json").await.json().await.unwrap();
    assert_eq!(fhir["resourceType"], "Bundle");
    assert_eq!(fhir["entry"][0]["resource"]["resourceType"], "Coverage");
    assert_eq!(fhir["entry"][0]["resource"]["status"], "active");
    let plain: QualificationAnswer = send("application/json").await.json().await.unwrap();
    assert_eq!(plain.validity, Validity::Valid);
    origin.stop().await;
}
on_both_databases!(the_answer_comes_as_xml_msg_or_fhir_when_asked);

async fn a_held_record_refuses_registration_and_shows_nothing(db: Db) {
    let origin = Origin::start(db).await;
    // An insurer registers someone under a number 住基 does not know: the record is held.
    let token = origin.insurer_token("33120015").await;
    let row = serde_json::json!({
        "op": "acquire", "individual_number": "555555555557", "name": "保留　花子", "name_kana": "ﾎﾘｭｳ ﾊﾅｺ",
        "birth_date": "1970-01-01", "sex": "female", "address": "東京都", "number": "9", "qualification_date": "2026-04-01",
        "partial_contribution_percent": 30
    });
    let report: serde_json::Value =
        origin.upload(&token, "application/x-ndjson", &format!("{row}\n")).await.json().await.unwrap();
    assert_eq!(report["records_held"], 1);
    // The card holder's certificate resolves to that number at J-LIS; registration is refused as held.
    let card = certificate("0C0FFEE0");
    let response = origin
        .admin_post(
            "/admin/v1/certificates",
            &serde_json::json!({"certificate": card, "individual_number": "555555555557", "status": "good"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 204);
    expect_error(origin.post_signed(REGISTRATION_PATH, &register_request("0C0FFEE0")).await, 423, "record_held").await;
    let answer = qualification(&origin, "0C0FFEE0").await;
    assert_eq!(answer.validity, Validity::NoQualification);
    assert!(answer.records.is_empty());
    let events = origin.store.audit_events().await.unwrap();
    assert!(events.iter().any(|e| e.purpose == "registration" && e.outcome == "record_held"));
    origin.stop().await;
}
on_both_databases!(a_held_record_refuses_registration_and_shows_nothing);
