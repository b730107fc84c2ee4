//! 公費 end to end at the origin: a welfare office registers 医療扶助 with its 医療券/調剤券 and a municipality its
//! 子ども医療費 受給者証, each through its own credential and batch; a card check-in carries 医療扶助 always and the
//! 受給者証 only after the patient's yes (before it, only the word that one is on offer); a bad file is refused with
//! every fault named and changes nothing; one credential kind opens none of the other's routes. Every test runs on
//! both databases.

use onshi_origin::seed::derived_individual_number;
use onshi_proto::origin::{
    AuthMethod, BY_CERTIFICATE_PATH, BY_NUMBER_PATH, CardQualificationQuery, CheckIn, NumberQualificationQuery,
    VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH, VISUAL_CHECK_DECIDE_PATH, VisualCheckCollect,
    VisualCheckCollected, VisualCheckDecision, VisualCheckTicket,
};
use onshi_proto::public_expense::PublicExpenseKind;
use onshi_proto::qualification::QualificationAnswer;
use serde_json::{Value, json};

use crate::fixture::{Db, Origin, card_query, certificate, expect_error, ndjson, serial, visual_check_ask};

/// A welfare office (法別 12, 東京都 13, 実施機関 101, 検証番号 7).
const WELFARE_OFFICE: &str = "12131017";
/// A municipality's 子ども医療費 programme (a local 法別 88).
const CITY: &str = "88131016";
const FACILITY: &str = "1312345679";

fn query(serial: &str, use_recipient_certificates: bool) -> CardQualificationQuery {
    CardQualificationQuery { use_recipient_certificates, ..card_query(serial, Some(FACILITY)) }
}

async fn check_in(origin: &Origin, serial: &str, agreed: bool) -> QualificationAnswer {
    let response = origin.post_signed(BY_CERTIFICATE_PATH, &query(serial, agreed)).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// The 個人番号 the fixture gave the holder of the card `serial`.
fn holder(serial: &str) -> String {
    derived_individual_number(&certificate(serial)).unwrap()
}

async fn payer_token(origin: &Origin, number: &str, name: &str) -> String {
    let response =
        origin.admin_post("/admin/v1/public-expense-payers", &json!({"payer_number": number, "name": name})).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn upload(origin: &Origin, token: &str, body: &str) -> reqwest::Response {
    origin
        .client
        .post(format!("{}/public-expense/v1/batches", origin.base))
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

fn ticket(kind: &str, month: &str, from: &str, until: &str, self_pay: u32) -> Value {
    json!({
        "kind": kind, "validity": {"valid_from": from, "valid_until": until}, "issue_number": "2026110001",
        "treatment_month": month, "designated_facility_code": FACILITY,
        "designated_facility_name": "しんじゅく内科", "self_pay_yen": self_pay
    })
}

/// 医療扶助 for the VALID card's holder: October's 医療券 (past), November's 医療券 and 調剤券 (today's).
fn assistance(individual_number: &str) -> Value {
    json!({
        "individual_number": individual_number, "kind": "medical_assistance", "recipient_number": "1234566",
        "validity": {"valid_from": "2026-04-01"},
        "tickets": [
            ticket("medical", "2026-10", "2026-10-01", "2026-10-31", 0),
            ticket("medical", "2026-11", "2026-11-01", "2026-11-30", 1500),
            ticket("dispensing", "2026-11", "2026-11-01", "2026-11-30", 0),
        ]
    })
}

fn child_medical(individual_number: &str, recipient: &str) -> Value {
    json!({
        "individual_number": individual_number, "kind": "child_medical", "recipient_number": recipient,
        "validity": {"valid_from": "2026-04-01", "valid_until": "2027-03-31"}, "monthly_self_pay_yen": 200
    })
}

async fn medical_assistance_is_in_every_answer_with_the_tickets_of_the_day(db: Db) {
    let origin = Origin::start(db).await;
    let token = payer_token(&origin, WELFARE_OFFICE, "新宿区福祉事務所").await;
    let report: Value =
        upload(&origin, &token, &ndjson(&[assistance(&holder(serial::VALID))])).await.json().await.unwrap();
    assert_eq!((report["payer_number"].as_str(), report["rows_total"].as_i64()), (Some(WELFARE_OFFICE), Some(1)));

    let answer = check_in(&origin, serial::VALID, false).await;
    assert_eq!(answer.public_expense.len(), 1);
    assert!(!answer.certificates_on_offer, "医療扶助 is no 受給者証 to offer");
    let expense = &answer.public_expense[0];
    assert_eq!(expense.kind, PublicExpenseKind::MedicalAssistance);
    assert_eq!((expense.payer_number.as_str(), expense.payer_name.as_str()), (WELFARE_OFFICE, "新宿区福祉事務所"));
    let tickets: Vec<(&str, String, u32)> =
        expense.tickets.iter().map(|t| (t.kind.as_str(), t.treatment_month.compact(), t.self_pay_yen.yen())).collect();
    assert_eq!(tickets, [("medical", "202611".to_owned(), 1500), ("dispensing", "202611".to_owned(), 0)]);
    // Somebody else's answer carries none of it.
    assert!(check_in(&origin, serial::DEPENDENT, false).await.public_expense.is_empty());

    // A later batch naming the same 受給者番号 replaces it, tickets and all.
    let mut renewed = assistance(&holder(serial::VALID));
    renewed["tickets"] = json!([ticket("medical", "2026-11", "2026-11-01", "2026-11-30", 800)]);
    assert_eq!(upload(&origin, &token, &ndjson(&[renewed])).await.status().as_u16(), 200);
    let answer = check_in(&origin, serial::VALID, false).await;
    let amounts: Vec<u32> = answer.public_expense[0].tickets.iter().map(|t| t.self_pay_yen.yen()).collect();
    assert_eq!(amounts, [800]);

    let events = origin.store.audit_events().await.unwrap();
    let uploads: Vec<_> = events.iter().filter(|e| e.purpose == "public_expense_batch").collect();
    assert_eq!(uploads.len(), 2);
    assert!(uploads.iter().all(
        |e| e.outcome == "applied" && e.actor_device_id.as_deref() == Some(&format!("payer:{WELFARE_OFFICE}")[..])
    ));
    origin.stop().await;
}
on_both_databases!(medical_assistance_is_in_every_answer_with_the_tickets_of_the_day);

async fn a_recipient_certificate_is_offered_and_shown_only_after_a_yes(db: Db) {
    let origin = Origin::start(db).await;
    let token = payer_token(&origin, CITY, "新宿区子ども医療費助成").await;
    let rows = [child_medical(&holder(serial::DEPENDENT), "1234566")];
    assert_eq!(upload(&origin, &token, &ndjson(&rows)).await.status().as_u16(), 200);

    // Not asked yet: the answer says one is on offer and nothing of which.
    let unasked = check_in(&origin, serial::DEPENDENT, false).await;
    assert!(unasked.public_expense.is_empty());
    assert!(unasked.certificates_on_offer);
    let raw = serde_json::to_string(&unasked).unwrap();
    assert!(!raw.contains(CITY) && !raw.contains("1234566") && !raw.contains("child_medical"), "{raw}");

    // The patient says yes.
    let agreed = check_in(&origin, serial::DEPENDENT, true).await;
    assert!(!agreed.certificates_on_offer);
    assert_eq!(agreed.public_expense.len(), 1);
    let certificate = &agreed.public_expense[0];
    assert_eq!(certificate.kind, PublicExpenseKind::ChildMedical);
    assert_eq!(certificate.recipient_number.as_str(), "1234566");
    assert_eq!(certificate.monthly_self_pay_yen.map(|yen| yen.yen()), Some(200));

    // A person with no 受給者証 is not asked at all.
    assert!(!check_in(&origin, serial::VALID, false).await.certificates_on_offer);
    origin.stop().await;
}
on_both_databases!(a_recipient_certificate_is_offered_and_shown_only_after_a_yes);

async fn a_bad_file_is_refused_with_every_fault_named_and_changes_nothing(db: Db) {
    let origin = Origin::start(db).await;
    let token = payer_token(&origin, WELFARE_OFFICE, "新宿区福祉事務所").await;
    let mut wrong_digit = assistance(&holder(serial::VALID));
    wrong_digit["recipient_number"] = json!("1234567");
    // A 受給者証 kind a welfare office's 法別 12 cannot pay.
    let mut wrong_law = child_medical(&holder(serial::DEPENDENT), "2345676");
    wrong_law["kind"] = json!("intractable_disease");
    let body = format!("{}{{oops\n", ndjson(&[assistance(&holder(serial::VALID)), wrong_digit, wrong_law]));
    let response = upload(&origin, &token, &body).await;
    assert_eq!(response.status().as_u16(), 400);
    let refusal: Value = response.json().await.unwrap();
    assert_eq!(refusal["error"], "bad_request");
    assert_eq!(
        refusal["rows"],
        json!([
            {"line": 2, "field": "recipient_number", "code": "invalid"},
            {"line": 3, "field": "kind", "code": "law_code"},
            {"line": 4, "code": "malformed"},
        ])
    );
    assert_eq!(refusal["total_errors"], 3);
    // The good first line was not applied either.
    assert!(check_in(&origin, serial::VALID, false).await.public_expense.is_empty());

    // A 個人番号 nobody is registered with refuses the whole batch, the good row with it.
    let nobody = assistance("111111111118");
    let mut good = assistance(&holder(serial::VALID));
    good["recipient_number"] = json!("2345676");
    let refusal: Value = upload(&origin, &token, &ndjson(&[good, nobody])).await.json().await.unwrap();
    assert_eq!(refusal["rows"], json!([{"line": 2, "field": "individual_number", "code": "unknown_person"}]));
    assert!(check_in(&origin, serial::VALID, false).await.public_expense.is_empty());

    let events = origin.store.audit_events().await.unwrap();
    let rejected = events.iter().filter(|e| e.purpose == "public_expense_batch" && e.outcome == "rejected").count();
    assert_eq!(rejected, 2);
    // Another media type is refused before any row is read.
    let csv = origin
        .client
        .post(format!("{}/public-expense/v1/batches", origin.base))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body("individual_number\n")
        .send()
        .await
        .unwrap();
    expect_error(csv, 400, "bad_request").await;
    origin.stop().await;
}
on_both_databases!(a_bad_file_is_refused_with_every_fault_named_and_changes_nothing);

async fn an_insurer_and_a_payer_open_only_their_own_routes(db: Db) {
    let origin = Origin::start(db).await;
    let insurer = origin.insurer_token("33120015").await;
    let payer = payer_token(&origin, WELFARE_OFFICE, "新宿区福祉事務所").await;
    let rows = ndjson(&[assistance(&holder(serial::VALID))]);
    expect_error(upload(&origin, &insurer, &rows).await, 401, "unauthorized").await;
    expect_error(upload(&origin, "not-a-token", &rows).await, 401, "unauthorized").await;
    expect_error(origin.upload(&payer, "application/x-ndjson", "").await, 401, "unauthorized").await;
    expect_error(origin.get_with("/insurer/v1/notices", &payer).await, 401, "unauthorized").await;
    // An insurer's number cannot be registered again as a payer's, and a payer number must check.
    let taken = origin
        .admin_post("/admin/v1/public-expense-payers", &json!({"payer_number": "33120015", "name": "偽の福祉事務所"}))
        .await;
    expect_error(taken, 400, "bad_request").await;
    let wrong = origin
        .admin_post("/admin/v1/public-expense-payers", &json!({"payer_number": "12131018", "name": "福祉事務所"}))
        .await;
    expect_error(wrong, 400, "bad_request").await;
    // Nothing was registered by the refused uploads.
    assert!(check_in(&origin, serial::VALID, false).await.public_expense.is_empty());
    origin.stop().await;
}
on_both_databases!(an_insurer_and_a_payer_open_only_their_own_routes);

/// The facility's check-ins of the day, as staff see them.
async fn listed(origin: &Origin) -> Vec<CheckIn> {
    origin.staff_list(FACILITY).await.checkins
}

/// The kinds of 公費 on a listed check-in, by their wire names in alphabetical order.
fn kinds(checkin: &CheckIn) -> Vec<&'static str> {
    let mut kinds: Vec<_> = checkin.public_expense.iter().map(|expense| expense.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds
}

async fn a_yes_completes_the_visits_check_in_and_a_no_leaves_it_without_the_certificate(db: Db) {
    let origin = Origin::start(db).await;
    let welfare = payer_token(&origin, WELFARE_OFFICE, "新宿区福祉事務所").await;
    let city = payer_token(&origin, CITY, "新宿区子ども医療費助成").await;
    assert_eq!(upload(&origin, &welfare, &ndjson(&[assistance(&holder(serial::VALID))])).await.status().as_u16(), 200);
    let certificates =
        [child_medical(&holder(serial::VALID), "2345676"), child_medical(&holder(serial::DEPENDENT), "1234566")];
    assert_eq!(upload(&origin, &city, &ndjson(&certificates)).await.status().as_u16(), 200);

    // The first answer of the visit: staff see 医療扶助 at once, and nothing of the 受給者証 not yet agreed to.
    assert!(check_in(&origin, serial::VALID, false).await.certificates_on_offer);
    let rows = listed(&origin).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(kinds(&rows[0]), ["medical_assistance"]);
    let first_row = rows[0].clone();
    let tickets: Vec<(&str, u32)> =
        first_row.public_expense[0].tickets.iter().map(|t| (t.kind.as_str(), t.self_pay_yen.yen())).collect();
    assert_eq!(tickets, [("medical", 1500), ("dispensing", 0)], "the day's 医療券 and 調剤券 with their 本人支払額");

    // The patient says yes a moment later: the same row now carries the 受給者証 too, and no second row appears.
    origin.clock.set(origin.clock_now() + 40);
    assert_eq!(check_in(&origin, serial::VALID, true).await.public_expense.len(), 2);
    let rows = listed(&origin).await;
    assert_eq!(rows.len(), 1, "one row per visit: {rows:?}");
    assert_eq!((rows[0].id.as_str(), rows[0].checked_in_at), (first_row.id.as_str(), first_row.checked_in_at));
    assert_eq!(kinds(&rows[0]), ["child_medical", "medical_assistance"]);
    let certificate = rows[0].public_expense.iter().find(|expense| expense.kind == PublicExpenseKind::ChildMedical);
    assert_eq!(certificate.unwrap().recipient_number.as_str(), "2345676");
    // Each read is audited all the same.
    let reads = origin.store.audit_events().await.unwrap();
    assert_eq!(reads.iter().filter(|e| e.purpose == "qualification_by_certificate").count(), 2);

    // Another patient answers no: their row has no 受給者証 (and they have no 医療扶助), and it is a row of its own.
    check_in(&origin, serial::DEPENDENT, false).await;
    let rows = listed(&origin).await;
    assert_eq!(rows.len(), 2);
    let dependent = rows.iter().find(|row| row.id != first_row.id).unwrap();
    assert!(dependent.public_expense.is_empty(), "{dependent:?}");
    let raw = serde_json::to_string(dependent).unwrap();
    assert!(!raw.contains("1234566") && !raw.contains(CITY), "{raw}");

    // The first patient comes back in the afternoon: a new visit, a new row, even with a yes asked straight away
    // of a session that no longer has a morning check-in within its window.
    origin.clock.set(origin.clock_now() + 3 * 3600);
    check_in(&origin, serial::VALID, true).await;
    let rows = listed(&origin).await;
    assert_eq!(rows.len(), 3);
    assert_eq!(kinds(&rows[0]), ["child_medical", "medical_assistance"]);
    origin.stop().await;
}
on_both_databases!(a_yes_completes_the_visits_check_in_and_a_no_leaves_it_without_the_certificate);

async fn a_yes_revises_only_its_own_kiosks_check_in(db: Db) {
    let origin = Origin::start(db).await;
    let city = payer_token(&origin, CITY, "新宿区子ども医療費助成").await;
    assert_eq!(
        upload(&origin, &city, &ndjson(&[child_medical(&holder(serial::DEPENDENT), "1234566")]))
            .await
            .status()
            .as_u16(),
        200
    );
    // The same patient checked in at another kiosk first; a yes at this kiosk is a visit of its own there.
    let mut elsewhere = query(serial::DEPENDENT, false);
    elsewhere.device_id = Some("kiosk-2".try_into().unwrap());
    assert_eq!(origin.post_signed(BY_CERTIFICATE_PATH, &elsewhere).await.status().as_u16(), 200);
    check_in(&origin, serial::DEPENDENT, true).await;
    let rows = listed(&origin).await;
    assert_eq!(rows.len(), 2);
    let by_kiosk = |id: &str| rows.iter().find(|row| row.device_id.as_deref() == Some(id)).unwrap();
    assert!(by_kiosk("kiosk-2").public_expense.is_empty());
    assert_eq!(kinds(by_kiosk("kiosk-1")), ["child_medical"]);
    origin.stop().await;
}
on_both_databases!(a_yes_revises_only_its_own_kiosks_check_in);

async fn staff_by_number_and_visual_check_answers_carry_medical_assistance_only(db: Db) {
    let origin = Origin::start(db).await;
    let welfare = payer_token(&origin, WELFARE_OFFICE, "新宿区福祉事務所").await;
    let city = payer_token(&origin, CITY, "新宿区子ども医療費助成").await;
    assert_eq!(upload(&origin, &welfare, &ndjson(&[assistance(&holder(serial::VALID))])).await.status().as_u16(), 200);
    assert_eq!(
        upload(&origin, &city, &ndjson(&[child_medical(&holder(serial::VALID), "2345676")])).await.status().as_u16(),
        200
    );
    let record = check_in(&origin, serial::VALID, false).await.records[0].clone();

    // Staff's by-number check of a 資格確認書 holder: 医療扶助 with the day's tickets, and no 受給者証.
    let by_number = NumberQualificationQuery {
        insurer_number: record.insurer_number.as_str().try_into().unwrap(),
        symbol: record.symbol.as_deref().map(|symbol| symbol.try_into().unwrap()),
        number: record.number.as_str().try_into().unwrap(),
        branch: record.branch.as_deref().map(|branch| branch.try_into().unwrap()),
        birth_date: record.birth_date,
        facility_code: Some(FACILITY.try_into().unwrap()),
        device_id: Some("staff-console".try_into().unwrap()),
        arbitrary_identifier: None,
    };
    let response = origin.post_signed(BY_NUMBER_PATH, &by_number).await;
    assert_eq!(response.status().as_u16(), 200);
    let answer: QualificationAnswer = response.json().await.unwrap();
    let shown: Vec<_> = answer.public_expense.iter().map(|expense| expense.kind).collect();
    assert_eq!(shown, [PublicExpenseKind::MedicalAssistance]);
    assert_eq!(answer.public_expense[0].tickets.len(), 2);
    assert!(!answer.certificates_on_offer, "nobody at a reader asked the patient");

    // An approved 目視 check: the same, on the kiosk's answer and on the check-in row staff see.
    let request = visual_check_ask(serial::VALID, FACILITY);
    let ticket: VisualCheckTicket = origin.post_signed(VISUAL_CHECK_CREATE_PATH, &request).await.json().await.unwrap();
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
        device_id: "kiosk-1".try_into().unwrap(),
    };
    let collected: VisualCheckCollected =
        origin.post_signed(VISUAL_CHECK_COLLECT_PATH, &collect).await.json().await.unwrap();
    let answer = collected.qualification.unwrap();
    let shown: Vec<_> = answer.public_expense.iter().map(|expense| expense.kind).collect();
    assert_eq!(shown, [PublicExpenseKind::MedicalAssistance]);
    let rows = listed(&origin).await;
    let visual = rows.iter().find(|row| row.method == AuthMethod::VisualCheck).unwrap();
    assert_eq!(kinds(visual), ["medical_assistance"]);
    assert!(!serde_json::to_string(&rows).unwrap().contains("2345676"), "no row shows a 受給者証 nobody agreed to");
    origin.stop().await;
}
on_both_databases!(staff_by_number_and_visual_check_answers_carry_medical_assistance_only);
