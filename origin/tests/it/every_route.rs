//! Every route of the document answered at least once with its documented success status, in one walk over a
//! fresh origin, so the contract check of every answer (`contract.rs`) covers every route and not only the ones
//! the other tests happen to call. Run on both databases.

use onshi_origin::http::api_doc::ROUTES;
use onshi_proto::access_log::{AccessLogPage, AccessLogQuery, ORIGIN_ACCESS_LOG_PATH};
use onshi_proto::medical_record::{MEDICAL_RECORDS_PATH, MedicalRecordKind, MedicalRecordQuery};
use onshi_proto::origin::CheckInList;
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, BY_NUMBER_PATH, CERTIFICATE_STATUS_PATH, CHECKINS_PATH, CHECKUP_PATH, CONSENT_PATH,
    CONSENT_QUERY_PATH, CertificateStatusQuery, CheckInListQuery, ConsentKind, ConsentQuery, ConsentRequest,
    MEDICATION_PATH, MedicalInfoQuery, NumberQualificationQuery, REGISTRATION_PATH, RegistrationRequest,
    STATUS_AND_QUALIFICATION_PATH, VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH, VISUAL_CHECK_DECIDE_PATH,
    VISUAL_CHECK_OPEN_PATH, VISUAL_CHECK_WITHDRAW_PATH, VisualCheckCollect, VisualCheckCreate, VisualCheckDecision,
    VisualCheckOpen, VisualCheckTicket,
};
use onshi_proto::withdrawal::{
    ConsentWithdrawal, ORIGIN_CONSENT_WITHDRAWAL_PATH, ORIGIN_REGISTRATION_CANCEL_PATH, RegistrationCancelRequest,
    WithdrawalBy,
};
use serde_json::{Value, json};

use crate::fixture::{ADMIN_TOKEN, Db, Origin, card_query, certificate, serial, visual_check_ask};

const FACILITY: &str = "1312345679";
const KIOSK: &str = "kiosk-1";
const INSURER: &str = "33120015";
const HANAKO: &str = "111111111118";
const NEWBORN: &str = "333333333332";

async fn ok(response: reqwest::Response, status: u16) -> reqwest::Response {
    assert_eq!(response.status().as_u16(), status, "{}", response.url());
    response
}

async fn visual_check(origin: &Origin) -> String {
    let request = VisualCheckCreate {
        device_label: Some("受付1".try_into().unwrap()),
        device_location: Some("1階 受付前".try_into().unwrap()),
        ..visual_check_ask(serial::VALID, FACILITY)
    };
    let ticket: VisualCheckTicket =
        ok(origin.post_signed(VISUAL_CHECK_CREATE_PATH, &request).await, 200).await.json().await.unwrap();
    ticket.request_id
}

fn collect(request_id: &str) -> VisualCheckCollect {
    VisualCheckCollect {
        request_id: request_id.try_into().unwrap(),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: KIOSK.try_into().unwrap(),
    }
}

async fn every_route_answers_its_documented_success(db: Db) {
    let origin = Origin::start(db).await;
    for path in ["/health", "/metrics", "/openapi.json"] {
        ok(origin.client.get(format!("{}{path}", origin.base)).send().await.unwrap(), 200).await;
    }

    // The card routes, in every representation a qualification answer has.
    let card = card_query(serial::VALID, Some(FACILITY));
    ok(origin.post_signed(BY_CERTIFICATE_PATH, &card).await, 200).await;
    for accept in ["application/xml", "application/fhir+json"] {
        let body = serde_json::to_vec(&card).unwrap();
        let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &body);
        let response = origin
            .client
            .post(format!("{}{BY_CERTIFICATE_PATH}", origin.base))
            .header("accept", accept)
            .header(onshi_proto::signing::TIMESTAMP_HEADER, &headers.timestamp)
            .header(onshi_proto::signing::NONCE_HEADER, &headers.nonce)
            .header(onshi_proto::signing::SIGNATURE_HEADER, &headers.signature)
            .body(body)
            .send()
            .await
            .unwrap();
        let response = ok(response, 200).await;
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(accept));
    }
    let status = CertificateStatusQuery { certificate: certificate(serial::VALID) };
    ok(origin.post_signed(CERTIFICATE_STATUS_PATH, &status).await, 200).await;
    ok(origin.post_signed(STATUS_AND_QUALIFICATION_PATH, &card).await, 200).await;
    let registration = RegistrationRequest {
        certificate: certificate(serial::VALID),
        facility_code: Some(FACILITY.try_into().unwrap()),
        device_id: Some(KIOSK.try_into().unwrap()),
        scope: Default::default(),
    };
    ok(origin.post_signed(REGISTRATION_PATH, &registration).await, 200).await;

    // Consents and what they open.
    let consent = ConsentRequest {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: Some("reader-1".try_into().unwrap()),
        kinds: vec![ConsentKind::Comprehensive],
        prescription: None,
        scope: Default::default(),
    };
    ok(origin.post_signed(CONSENT_PATH, &consent).await, 200).await;
    let query = ConsentQuery { certificate: certificate(serial::VALID), facility_code: FACILITY.try_into().unwrap() };
    ok(origin.post_signed(CONSENT_QUERY_PATH, &query).await, 200).await;
    let info = MedicalInfoQuery {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: None,
        scope: Default::default(),
    };
    ok(origin.post_signed(MEDICATION_PATH, &info).await, 200).await;
    ok(origin.post_signed(CHECKUP_PATH, &info).await, 200).await;

    // Staff and visual checks: one approved and collected, one withdrawn.
    let approved = visual_check(&origin).await;
    let withdrawn = visual_check(&origin).await;
    let listing = CheckInListQuery {
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        before: None,
    };
    let list: CheckInList = ok(origin.post_signed(CHECKINS_PATH, &listing).await, 200).await.json().await.unwrap();
    let consented = list.checkins.iter().find(|checkin| !checkin.consents.is_empty()).unwrap();
    let read = MedicalRecordQuery {
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        checkin_id: consented.id.clone().try_into().unwrap(),
        kind: MedicalRecordKind::Medication,
        page: Default::default(),
    };
    ok(origin.post_signed(MEDICAL_RECORDS_PATH, &read).await, 200).await;
    // The consent is withdrawn only once what it opens has been read.
    let withdrawal = ConsentWithdrawal {
        facility_code: FACILITY.try_into().unwrap(),
        by: WithdrawalBy::Card { certificate: certificate(serial::VALID), device_id: KIOSK.try_into().unwrap() },
    };
    ok(origin.post_signed(ORIGIN_CONSENT_WITHDRAWAL_PATH, &withdrawal).await, 200).await;
    // The card holder reads who read their information, now that there is something to see.
    let access_log = AccessLogQuery {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: KIOSK.try_into().unwrap(),
        scope: Default::default(),
        before: None,
    };
    let page: AccessLogPage =
        ok(origin.post_signed(ORIGIN_ACCESS_LOG_PATH, &access_log).await, 200).await.json().await.unwrap();
    assert!(!page.entries.is_empty());
    let opening = VisualCheckOpen {
        request_id: approved.clone().try_into().unwrap(),
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
    };
    ok(origin.post_signed(VISUAL_CHECK_OPEN_PATH, &opening).await, 200).await;
    let decision = VisualCheckDecision {
        request_id: approved.clone().try_into().unwrap(),
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        approve: true,
    };
    ok(origin.post_signed(VISUAL_CHECK_DECIDE_PATH, &decision).await, 200).await;
    let collected: Value =
        ok(origin.post_signed(VISUAL_CHECK_COLLECT_PATH, &collect(&approved)).await, 200).await.json().await.unwrap();
    assert_eq!(collected["state"], "collected");
    ok(origin.post_signed(VISUAL_CHECK_WITHDRAW_PATH, &collect(&withdrawn)).await, 200).await;

    // Admin and insurer routes: a resident, a certificate, an insurer, a batch with one held record, and its
    // resolution.
    origin.resident(HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "female", "東京都千代田区霞が関一丁目2番3号").await;
    let card = json!({"certificate": certificate("0C0FFEE1"), "individual_number": HANAKO, "status": "good"});
    ok(origin.admin_post("/admin/v1/certificates", &card).await, 204).await;
    let token = origin.insurer_token(INSURER).await;
    // A wrong 個人番号: 住基 holds nobody with these items under it, so the record is held.
    let row = json!({
        "op": "acquire", "individual_number": NEWBORN, "name": "資格　花子", "name_kana": "ｼｶｸ ﾊﾅｺ",
        "birth_date": "1989-09-13", "sex": "female", "address": "東京都千代田区霞が関1-2-3", "symbol": "10",
        "number": "5001", "branch": "00", "personal_family": "insured", "qualification_date": "2026-04-01",
        "partial_contribution_percent": 30
    });
    let report: Value =
        ok(origin.upload(&token, "application/x-ndjson", &format!("{row}\n")).await, 200).await.json().await.unwrap();
    assert_eq!(report["records_held"], 1);
    let batch_id = report["batch_id"].as_str().unwrap();
    ok(origin.get_with("/insurer/v1/batches", &token).await, 200).await;
    ok(origin.get_with(&format!("/insurer/v1/batches/{batch_id}"), &token).await, 200).await;
    let page: Value = ok(origin.get_with("/insurer/v1/notifications", &token).await, 200).await.json().await.unwrap();
    let notices = page["notifications"].as_array().unwrap();
    let person = notices.iter().find(|n| n["kind"] == "record_held").unwrap()["person_id"].as_str().unwrap();
    let resolution = origin
        .client
        .post(format!("{}/insurer/v1/holds/{person}/resolution", origin.base))
        .bearer_auth(&token)
        .json(&json!({"resolution": "corrected", "individual_number": HANAKO}))
        .send()
        .await
        .unwrap();
    let resolved: Value = ok(resolution, 200).await.json().await.unwrap();
    assert_eq!(resolved["outcome"], "released");
    let inbox: Value = ok(origin.get_with("/insurer/v1/notices", &token).await, 200).await.json().await.unwrap();
    let notice = inbox["notices"][0]["id"].as_str().unwrap();
    ok(origin.get_with(&format!("/insurer/v1/notices/{notice}"), &token).await, 200).await;
    ok(origin.get_with("/insurer/v1/holds", &token).await, 200).await;
    let progress: Value =
        ok(origin.get_with("/insurer/v1/batch-progress", &token).await, 200).await.json().await.unwrap();
    assert_eq!(progress, json!({"stage": "none"}));
    let number = NumberQualificationQuery {
        insurer_number: INSURER.try_into().unwrap(),
        symbol: Some("10".try_into().unwrap()),
        number: "5001".try_into().unwrap(),
        branch: Some("00".try_into().unwrap()),
        birth_date: onshi_proto::IsoDate::parse("1989-09-13").unwrap(),
        facility_code: Some(FACILITY.try_into().unwrap()),
        device_id: Some(KIOSK.try_into().unwrap()),
        arbitrary_identifier: None,
    };
    ok(origin.post_signed(BY_NUMBER_PATH, &number).await, 200).await;

    // A welfare office registers 医療扶助 for the card holder, which the next check-in carries.
    let payer: Value = ok(
        origin
            .admin_post("/admin/v1/public-expense-payers", &json!({"payer_number": "12131017", "name": "福祉事務所"}))
            .await,
        200,
    )
    .await
    .json()
    .await
    .unwrap();
    let individual_number = onshi_origin::seed::derived_individual_number(&certificate(serial::VALID)).unwrap();
    let assistance = json!({
        "individual_number": individual_number, "kind": "medical_assistance", "recipient_number": "1234566",
        "validity": {"valid_from": "2026-04-01"}
    });
    let upload = origin
        .client
        .post(format!("{}/public-expense/v1/batches", origin.base))
        .bearer_auth(payer["token"].as_str().unwrap())
        .header("content-type", "application/x-ndjson")
        .body(format!("{assistance}\n"))
        .send()
        .await
        .unwrap();
    ok(upload, 200).await;

    // The national reader's result, as a facility's bridge hands it on.
    let reader_result = json!({
        "facility_code": FACILITY,
        "device_id": "1312345679.bridge",
        "result": { "file_name": "OQSsiquc01res_face_1.xml", "validity": "valid", "name": "山田 花子" },
    });
    ok(origin.post_signed(onshi_proto::reader_result::READER_RESULT_PATH, &reader_result).await, 200).await;

    // What a card holder takes back: the link of their card (健康保険証利用登録の解除).
    let cancel = RegistrationCancelRequest {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: KIOSK.try_into().unwrap(),
        scope: Default::default(),
    };
    ok(origin.post_signed(ORIGIN_REGISTRATION_CANCEL_PATH, &cancel).await, 200).await;

    // The operator lists an insurer's and the payer's credentials and revokes one of each.
    for (number, path) in [(INSURER, "insurers"), ("12131017", "public-expense-payers")] {
        let credentials = format!("{}/admin/v1/{path}/{number}/credentials", origin.base);
        let listed: Value = ok(origin.client.get(&credentials).bearer_auth(ADMIN_TOKEN).send().await.unwrap(), 200)
            .await
            .json()
            .await
            .unwrap();
        let name = listed["credentials"][0]["credential"].as_str().unwrap().to_owned();
        let revoke = origin.client.delete(format!("{credentials}/{name}")).bearer_auth(ADMIN_TOKEN).send().await;
        ok(revoke.unwrap(), 200).await;
    }

    let violations = origin.contract.violations();
    assert!(violations.is_empty(), "answers the OpenAPI document does not declare:\n{}", violations.join("\n"));
    let answered = origin.contract.answered();
    for route in ROUTES {
        let wanted = (route.method.to_owned(), route.path.to_owned(), route.success.status);
        assert!(
            answered.contains(&wanted),
            "{} {} was never answered {}",
            route.method,
            route.path,
            route.success.status
        );
    }
    origin.stop().await;
}
on_both_databases!(every_route_answers_its_documented_success);
