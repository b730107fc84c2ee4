//! The national reader's checks a facility's bridge hands on: kept once per face file, listed to that facility's
//! staff beside the kiosk's check-ins in the order they happened, never to another facility, each call audited
//! without the person in the audit row. Every test runs on both databases.

use onshi_proto::origin::AuthMethod;
use onshi_proto::qualification::{Guidance, Reason, Validity};
use onshi_proto::reader_result::{READER_RESULT_PATH, ReaderResultReceipt};

use crate::fixture::{Db, NOW, Origin, expect_error};

const FACILITY: &str = "1312345679";
const OTHER_FACILITY: &str = "2712345673";
const BRIDGE: &str = "1312345679.bridge";

fn upload(facility: &str, file: &str, checked_at: Option<i64>, validity: &str) -> serde_json::Value {
    serde_json::json!({
        "facility_code": facility,
        "device_id": BRIDGE,
        "result": {
            "file_name": file,
            "checked_at": checked_at,
            "validity": validity,
            "name": "山田 花子",
            "name_kana": "ﾔﾏﾀﾞ ﾊﾅｺ",
            "insurer_number": "06139992",
            "insurer_name": "全国健康保険協会 東京支部",
            "contribution_percent": 30,
            "limit_category": "A03",
            "prescription": "electronic",
            "birth_date": "1985-04-01",
            "sex": "female",
            "reference_number": "P-0042",
        }
    })
}

async fn hand_on(origin: &Origin, body: &serde_json::Value) -> ReaderResultReceipt {
    let response = origin.post_signed(READER_RESULT_PATH, body).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn a_reader_result_is_kept_once_and_listed_to_its_facility_only(db: Db) {
    let origin = Origin::start(db).await;
    let first = upload(FACILITY, "OQSsiquc01res_face_1.xml", Some(NOW - 60), "valid");
    assert!(hand_on(&origin, &first).await.new);
    // The bridge restarted before it saw the answer and hands the same file on again: nothing is added.
    assert!(!hand_on(&origin, &first).await.new);
    let lost = upload(FACILITY, "OQSsiquc01res_face_2.xml", Some(NOW - 30), "invalid");
    assert!(hand_on(&origin, &lost).await.new);
    // Another facility's terminal may use the same file name: its own result.
    assert!(hand_on(&origin, &upload(OTHER_FACILITY, "OQSsiquc01res_face_1.xml", Some(NOW), "valid")).await.new);

    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(listed.checkins.len(), 2);
    let [newest, older] = listed.checkins.as_slice() else { unreachable!() };
    assert_eq!((newest.checked_in_at, older.checked_in_at), (NOW - 30, NOW - 60));
    assert!(listed.checkins.iter().all(|c| c.method == AuthMethod::NationalReader));
    assert!(listed.checkins.iter().all(|c| c.device_id.as_deref() == Some(BRIDGE)));
    assert_eq!((older.validity, older.reason, older.guidance), (Validity::Valid, Reason::Current, None));
    assert_eq!(older.name.as_deref(), Some("山田 花子"));
    assert_eq!(older.contribution_percent.map(u8::from), Some(30));
    assert_eq!(older.limit_category.as_deref(), Some("A03"));
    assert_eq!(older.prescription, Some(onshi_proto::origin::PrescriptionFormat::Electronic));
    // What the console matches the row to the clinic's own patients by comes back as the face file said it.
    assert_eq!(older.birth_date.map(|d| d.to_string()).as_deref(), Some("1985-04-01"));
    assert_eq!(older.sex, Some(onshi_proto::qualification::Sex::Female));
    assert_eq!(older.reference_number.as_deref(), Some("P-0042"));
    assert_eq!(older.face_file.as_deref(), Some("OQSsiquc01res_face_1.xml"), "what a 照会番号 registration names");
    assert_eq!(
        (newest.validity, newest.reason, newest.guidance),
        (Validity::Invalid, Reason::Lost, Some(Guidance::ClaimForm))
    );
    assert_eq!(newest.contribution_percent, None, "a lost qualification's share is nobody's to charge");
    assert_eq!(origin.staff_list(OTHER_FACILITY).await.checkins.len(), 1);

    // Each hand-on is audited, naming the bridge and whether it added anything, and never the person.
    let events = origin.store.audit_events().await.unwrap();
    let handed: Vec<_> = events.iter().filter(|e| e.purpose == "reader_result").collect();
    assert_eq!(handed.len(), 4);
    assert!(handed.iter().all(|e| e.actor_device_id.as_deref() == Some(BRIDGE)));
    assert_eq!(handed.iter().filter(|e| e.outcome == "repeated").count(), 1);
    assert!(!format!("{handed:?}").contains("山田"));

    // A result with no time of its own is listed when it arrived; the next Tokyo day starts an empty list.
    hand_on(&origin, &upload(FACILITY, "OQSsiquc01res_face_3.xml", None, "no_qualification")).await;
    assert_eq!(origin.staff_list(FACILITY).await.checkins[0].checked_in_at, origin.clock_now());
    origin.clock.set(NOW + 24 * 60 * 60);
    assert!(origin.staff_list(FACILITY).await.checkins.is_empty());
    origin.stop().await;
}
on_both_databases!(a_reader_result_is_kept_once_and_listed_to_its_facility_only);

async fn a_malformed_or_unsigned_reader_result_is_refused_and_keeps_nothing(db: Db) {
    let origin = Origin::start(db).await;
    let mut bad_file = upload(FACILITY, "../face/x.xml", None, "valid");
    let mut bad_share = upload(FACILITY, "f.xml", None, "valid");
    bad_share["result"]["contribution_percent"] = 130.into();
    let mut bad_facility = upload("1312345678", "f.xml", None, "valid");
    for body in [&mut bad_file, &mut bad_share, &mut bad_facility] {
        expect_error(origin.post_signed(READER_RESULT_PATH, &*body).await, 400, "bad_request").await;
    }
    let unsigned = serde_json::to_vec(&upload(FACILITY, "f.xml", None, "valid")).unwrap();
    expect_error(origin.post_raw(READER_RESULT_PATH, unsigned, None).await, 401, "unauthorized").await;
    assert!(origin.staff_list(FACILITY).await.checkins.is_empty());
    origin.stop().await;
}
on_both_databases!(a_malformed_or_unsigned_reader_result_is_refused_and_keeps_nothing);

async fn a_reader_results_specific_disease_category_is_listed_only_under_the_readers_consent_flag_one(db: Db) {
    let origin = Origin::start(db).await;
    let with_certificate = |file: &str, flag: Option<&str>| {
        let mut body = upload(FACILITY, file, Some(NOW - 60), "valid");
        body["result"]["specific_diseases"] = serde_json::json!([
            {"disease_category": "3", "valid_from": "2025-04-01", "monthly_self_pay_yen": 10000}
        ]);
        if let Some(flag) = flag {
            body["result"]["specific_disease_consent"] = flag.into();
        }
        body
    };
    // The patient consented on the reader: staff see the category, though onshi holds no consent of its own.
    hand_on(&origin, &with_certificate("OQSsiquc01res_face_1.xml", Some("given"))).await;
    // A bridge that passed a category on under a lapsed flag, or under none: the origin keeps it without.
    hand_on(&origin, &with_certificate("OQSsiquc01res_face_2.xml", Some("lapsed"))).await;
    hand_on(&origin, &with_certificate("OQSsiquc01res_face_3.xml", None)).await;
    // A result from a bridge that reads no certificate at all lists none.
    hand_on(&origin, &upload(FACILITY, "OQSsiquc01res_face_4.xml", Some(NOW - 60), "valid")).await;

    let listed = origin.staff_list(FACILITY).await;
    let row = |file: &str| {
        let found = listed.checkins.iter().find(|c| c.face_file.as_deref() == Some(file));
        let Some(row) = found else { panic!("{file} is not listed") };
        row.specific_diseases.iter().map(|d| (d.disease_category.clone(), d.monthly_self_pay_yen)).collect::<Vec<_>>()
    };
    assert_eq!(row("OQSsiquc01res_face_1.xml"), vec![("3".to_owned(), Some(10_000))]);
    assert_eq!(row("OQSsiquc01res_face_2.xml"), vec![(String::new(), Some(10_000))]);
    assert_eq!(row("OQSsiquc01res_face_3.xml"), vec![(String::new(), Some(10_000))]);
    assert_eq!(row("OQSsiquc01res_face_4.xml"), Vec::new());
    origin.stop().await;
}
on_both_databases!(a_reader_results_specific_disease_category_is_listed_only_under_the_readers_consent_flag_one);

async fn a_reader_results_elderly_certificate_is_listed_with_its_period_for_a_valid_qualification_only(db: Db) {
    let origin = Origin::start(db).await;
    let with_certificate = |file: &str, validity: &str| {
        let mut body = upload(FACILITY, file, Some(NOW - 60), validity);
        body["result"]["contribution_percent"] = 20.into();
        body["result"]["elderly_share"] = serde_json::json!({
            "certificate": {"contribution_ratio_percent": 20, "valid_from": "2026-08-01", "valid_until": "2027-07-31"},
            "insured_percent": 30,
        });
        body
    };
    hand_on(&origin, &with_certificate("OQSsiquc01res_face_1.xml", "valid")).await;
    // A lost qualification's share is not what anyone pays today; neither is its certificate's.
    hand_on(&origin, &with_certificate("OQSsiquc01res_face_2.xml", "invalid")).await;
    hand_on(&origin, &upload(FACILITY, "OQSsiquc01res_face_3.xml", Some(NOW - 60), "valid")).await;
    // A share over 100 percent (in the certificate or the insurance's own) is refused at the boundary, and
    // nothing is kept.
    for (field, value) in [("certificate", 150), ("insured_percent", 101), ("certificate", 300)] {
        let mut wrong = with_certificate("OQSsiquc01res_face_4.xml", "valid");
        match field {
            "certificate" => {
                wrong["result"]["elderly_share"]["certificate"]["contribution_ratio_percent"] = value.into()
            }
            _ => wrong["result"]["elderly_share"]["insured_percent"] = value.into(),
        }
        let refused = origin.post_signed(READER_RESULT_PATH, &wrong).await;
        assert_eq!(refused.status().as_u16(), 400, "{field} {value}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"], "bad_request", "{field} {value}: {body}");
    }

    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(listed.checkins.len(), 3);
    let row = |file: &str| {
        let found = listed.checkins.iter().find(|c| c.face_file.as_deref() == Some(file));
        let Some(row) = found else { panic!("{file} is not listed") };
        row.elderly_recipient.clone()
    };
    let Some(share) = row("OQSsiquc01res_face_1.xml") else { panic!("the valid result lists no certificate") };
    assert_eq!(share.certificate.contribution_ratio_percent.get(), 20);
    assert_eq!(share.certificate.valid_until.map(|d| d.to_string()).as_deref(), Some("2027-07-31"));
    assert_eq!(share.insured_percent.get(), 30);
    assert_eq!(row("OQSsiquc01res_face_2.xml"), None);
    assert_eq!(row("OQSsiquc01res_face_3.xml"), None);
    origin.stop().await;
}
on_both_databases!(a_reader_results_elderly_certificate_is_listed_with_its_period_for_a_valid_qualification_only);
