//! Insurer batches end to end: upload (JSON Lines and CSV), atomic refusal of bad files, the checks a–f with
//! their notifications, holds that answer `record_held`, and hold resolution. Every test runs on both databases.

use onshi_proto::origin::{BY_NUMBER_PATH, NumberQualificationQuery};
use onshi_proto::qualification::{QualificationAnswer, SpecificDiseaseCertificate, Validity};
use serde_json::{Value, json};

use crate::fixture::{Db, Origin, acquire, expect_error, ndjson};

/// The uploading insurer in these tests (a valid 8-digit 保険者番号 of the reference notes §2.1).
const INSURER: &str = "33120015";
/// Another insurer, for check b.
const OTHER_INSURER: &str = "01130012";

const HANAKO: &str = "111111111118";
const TWIN_NUMBER: &str = "222222222225";
const NEWBORN: &str = "333333333332";
const UNKNOWN_TO_JUMIN: &str = "444444444440";

async fn seed_residents(origin: &Origin) {
    origin.resident(HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "female", "東京都千代田区霞が関一丁目2番3号").await;
    origin.resident(TWIN_NUMBER, "資格　太郎", "ｼｶｸ ﾀﾛｳ", "2004-08-04", "female", "大阪府大阪市北区梅田1-1-1").await;
    origin.resident(NEWBORN, "資格　芽衣", "ｼｶｸ ﾒｲ", "2021-03-01", "female", "福岡県福岡市中央区天神2-3-4").await;
}

async fn by_number(origin: &Origin, insurer: &str, number: &str, birth: &str) -> reqwest::Response {
    let query = NumberQualificationQuery {
        insurer_number: insurer.try_into().unwrap(),
        symbol: Some("10".try_into().unwrap()),
        number: number.try_into().unwrap(),
        branch: Some("00".try_into().unwrap()),
        birth_date: onshi_proto::IsoDate::parse(birth).unwrap(),
        facility_code: Some("1312345679".try_into().unwrap()),
        device_id: Some("kiosk-1".try_into().unwrap()),
        arbitrary_identifier: None,
    };
    origin.post_signed(BY_NUMBER_PATH, &query).await
}

async fn notices(origin: &Origin, token: &str) -> Vec<(i64, String)> {
    let page: Value = origin.get_with("/insurer/v1/notifications", token).await.json().await.unwrap();
    page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["line"].as_i64().unwrap_or(0), n["kind"].as_str().unwrap().to_owned()))
        .collect()
}

async fn a_clean_batch_registers_and_answers_by_number(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    // 住所 表記ゆれ: the registry has 一丁目2番3号, the insurer writes 1-2-3 in full width; the kana is half width
    // in the registry and full width here.
    let body = ndjson(&[acquire(
        "5001",
        HANAKO,
        "資格 花子",
        "シカク　ハナコ",
        "1989-09-13",
        "東京都千代田区霞が関１－２－３",
    )]);
    let response = origin.upload(&token, "application/x-ndjson", &body).await;
    assert_eq!(response.status().as_u16(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!((report["records_registered"].as_i64(), report["records_held"].as_i64()), (Some(1), Some(0)));
    // d: no history → the 住基 query result is notified.
    assert_eq!(notices(&origin, &token).await, vec![(1, "resident_registry_match".to_owned())]);
    let response = by_number(&origin, INSURER, "5001", "1989-09-13").await;
    assert_eq!(response.status().as_u16(), 200);
    let answer: QualificationAnswer = response.json().await.unwrap();
    assert_eq!(answer.validity, Validity::Valid);
    // The wrong birth date finds nothing, with the claim-form path.
    let answer: QualificationAnswer = by_number(&origin, INSURER, "5001", "1989-09-14").await.json().await.unwrap();
    assert_eq!(answer.validity, Validity::NoQualification);
    assert!(answer.guidance.is_some());
    // The batch report is there for the insurer, and for no one else.
    let batch_id = report["batch_id"].as_str().unwrap();
    let again: Value = origin.get_with(&format!("/insurer/v1/batches/{batch_id}"), &token).await.json().await.unwrap();
    assert_eq!(again, report);
    let other = origin.insurer_token(OTHER_INSURER).await;
    expect_error(origin.get_with(&format!("/insurer/v1/batches/{batch_id}"), &other).await, 404, "not_found").await;
    origin.stop().await;
}
on_both_databases!(a_clean_batch_registers_and_answers_by_number);

async fn check_a_a_bad_check_digit_refuses_the_whole_file(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    let persons_before = origin.store.count_rows("persons").await.unwrap();
    let body = ndjson(&[
        acquire("5001", HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "東京都千代田区霞が関1-2-3"),
        acquire("5002", "111111111119", "資格　次郎", "ｼｶｸ ｼﾞﾛｳ", "1990-01-01", "東京都"),
        json!({"op": "acquire"}),
    ]);
    let response = origin.upload(&token, "application/x-ndjson", &body).await;
    assert_eq!(response.status().as_u16(), 400);
    let rejection: Value = response.json().await.unwrap();
    assert_eq!(rejection["error"], "bad_request");
    assert_eq!(
        rejection["rows"][0],
        json!({"line": 2, "field": "individual_number", "code": "individual_number_check_digit"})
    );
    assert_eq!(rejection["rows"][1]["line"], 3);
    assert_eq!(rejection["rows"][1]["code"], "missing_field");
    // Nothing of the good first row was written.
    assert_eq!(origin.store.count_rows("persons").await.unwrap(), persons_before);
    assert_eq!(origin.store.count_rows("insurer_batches").await.unwrap(), 0);
    origin.stop().await;
}
on_both_databases!(check_a_a_bad_check_digit_refuses_the_whole_file);

async fn check_b_another_birth_date_under_the_same_number_is_held(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let other = origin.insurer_token(OTHER_INSURER).await;
    let first = ndjson(&[acquire("7001", HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "東京都千代田区霞が関1-2-3")]);
    assert_eq!(origin.upload(&other, "application/x-ndjson", &first).await.status().as_u16(), 200);
    // The seed's case: S62.9.13 registered under a number whose owner was born H1.9.13.
    let token = origin.insurer_token(INSURER).await;
    let second = ndjson(&[acquire("5001", HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1987-09-13", "東京都千代田区霞が関1-2-3")]);
    let report: Value = origin.upload(&token, "application/x-ndjson", &second).await.json().await.unwrap();
    assert_eq!(report["records_held"], 1);
    let kinds: Vec<String> = notices(&origin, &token).await.into_iter().map(|(_, k)| k).collect();
    assert!(kinds.contains(&"suspected_misregistration".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"record_held".to_owned()));
    // f: the held record never shows data.
    expect_error(by_number(&origin, INSURER, "5001", "1987-09-13").await, 423, "record_held").await;
    // The first insurer's record is untouched.
    assert_eq!(by_number(&origin, OTHER_INSURER, "7001", "1989-09-13").await.status().as_u16(), 200);
    origin.stop().await;
}
on_both_databases!(check_b_another_birth_date_under_the_same_number_is_held);

async fn check_c_twins_under_one_number_are_caught_within_one_batch(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    // The seed's case: H16.8.4 シカク タロウ and シカク ジロウ, both given the same number.
    let body = ndjson(&[
        acquire("5001", TWIN_NUMBER, "資格　太郎", "ｼｶｸ ﾀﾛｳ", "2004-08-04", "大阪府大阪市北区梅田1-1-1"),
        acquire("5002", TWIN_NUMBER, "資格　次郎", "ｼｶｸ ｼﾞﾛｳ", "2004-08-04", "大阪府大阪市北区梅田1-1-1"),
    ]);
    let report: Value = origin.upload(&token, "application/x-ndjson", &body).await.json().await.unwrap();
    assert_eq!((report["records_registered"].as_i64(), report["records_held"].as_i64()), (Some(2), Some(1)));
    let list = notices(&origin, &token).await;
    assert!(list.contains(&(2, "suspected_twin".to_owned())), "{list:?}");
    assert_eq!(by_number(&origin, INSURER, "5001", "2004-08-04").await.status().as_u16(), 200);
    expect_error(by_number(&origin, INSURER, "5002", "2004-08-04").await, 423, "record_held").await;
    origin.stop().await;
}
on_both_databases!(check_c_twins_under_one_number_are_caught_within_one_batch);

async fn check_d_a_newborn_is_queried_against_the_resident_registry(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    let body = ndjson(&[
        acquire("5001", NEWBORN, "資格　芽衣", "ｼｶｸ ﾒｲ", "2021-03-01", "福岡県福岡市中央区天神二丁目3番4号"),
        acquire("5002", UNKNOWN_TO_JUMIN, "資格　不明", "ｼｶｸ ﾌﾒｲ", "2021-03-01", "福岡県"),
    ]);
    let report: Value = origin.upload(&token, "application/x-ndjson", &body).await.json().await.unwrap();
    assert_eq!(report["records_held"], 1);
    let list = notices(&origin, &token).await;
    assert!(list.contains(&(1, "resident_registry_match".to_owned())), "{list:?}");
    assert!(list.contains(&(2, "resident_registry_not_found".to_owned())), "{list:?}");
    expect_error(by_number(&origin, INSURER, "5002", "2021-03-01").await, 423, "record_held").await;
    origin.stop().await;
}
on_both_databases!(check_d_a_newborn_is_queried_against_the_resident_registry);

async fn check_e_a_gaiji_name_and_address_variants_match_but_a_wrong_item_holds(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    let body = ndjson(&[
        // ● for a 外字: never equal to a real character, but the other four items confirm the match.
        acquire("5001", HANAKO, "●格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "東京都千代田区霞が関1丁目2-3"),
    ]);
    let report: Value = origin.upload(&token, "application/x-ndjson", &body).await.json().await.unwrap();
    assert_eq!(report["records_held"], 0);
    // A second insurer registers the same number with the address of someone else: 5 items do not match.
    let other = origin.insurer_token(OTHER_INSURER).await;
    let body = ndjson(&[acquire("7001", HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "北海道札幌市1-1")]);
    let report: Value = origin.upload(&other, "application/x-ndjson", &body).await.json().await.unwrap();
    assert_eq!(report["records_held"], 1);
    assert!(notices(&origin, &other).await.contains(&(1, "five_item_mismatch".to_owned())));
    origin.stop().await;
}
on_both_databases!(check_e_a_gaiji_name_and_address_variants_match_but_a_wrong_item_holds);

async fn check_f_a_hold_is_released_only_by_the_insurer(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    // A wrong number: 住基 holds another person under it.
    let body = ndjson(&[
        acquire("5001", NEWBORN, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "東京都千代田区霞が関1-2-3"),
        acquire("5002", UNKNOWN_TO_JUMIN, "資格　不明", "ｼｶｸ ﾌﾒｲ", "2021-03-01", "福岡県"),
    ]);
    let report: Value = origin.upload(&token, "application/x-ndjson", &body).await.json().await.unwrap();
    assert_eq!(report["records_held"], 2);
    let page: Value = origin.get_with("/insurer/v1/notifications", &token).await.json().await.unwrap();
    let list = page["notifications"].as_array().unwrap().clone();
    let person = |line: i64| {
        list.iter().find(|n| n["line"] == line && n["kind"] == "record_held").unwrap()["person_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let resolve = |person: String, body: Value, token: String| {
        let origin = &origin;
        async move {
            origin
                .client
                .post(format!("{}/insurer/v1/holds/{person}/resolution", origin.base))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // Another insurer cannot touch this insurer's hold.
    let other = origin.insurer_token(OTHER_INSURER).await;
    let refused = resolve(person(1), json!({"resolution": "no_suspicion", "reason": "本人確認済み"}), other).await;
    expect_error(refused, 404, "not_found").await;
    // Correcting to the right number releases the record after a fresh 5-item check…
    let fixed =
        resolve(person(1), json!({"resolution": "corrected", "individual_number": HANAKO}), token.clone()).await;
    assert_eq!(fixed.json::<Value>().await.unwrap()["outcome"], "released");
    assert_eq!(by_number(&origin, INSURER, "5001", "1989-09-13").await.status().as_u16(), 200);
    // …a wrong correction keeps it held, and 理由付き疑いなし releases it once a second clerk confirms it (the hold
    // came from the 住基 comparison; the first call names no clerk, so its credential is the first clerk).
    let still =
        resolve(person(2), json!({"resolution": "corrected", "individual_number": NEWBORN}), token.clone()).await;
    assert_eq!(still.json::<Value>().await.unwrap()["outcome"], "still_held");
    expect_error(by_number(&origin, INSURER, "5002", "2021-03-01").await, 423, "record_held").await;
    let proposed =
        resolve(person(2), json!({"resolution": "no_suspicion", "reason": "本人に確認済み"}), token.clone()).await;
    assert_eq!(proposed.json::<Value>().await.unwrap()["outcome"], "awaiting_second_clerk");
    expect_error(by_number(&origin, INSURER, "5002", "2021-03-01").await, 423, "record_held").await;
    let cleared = origin
        .client
        .post(format!("{}/insurer/v1/holds/{}/resolution", origin.base, person(2)))
        .bearer_auth(&token)
        .header("x-onshi-decided-by", "second-clerk")
        .json(&json!({"resolution": "no_suspicion", "reason": "記録を確認し同意"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.json::<Value>().await.unwrap()["outcome"], "released");
    assert_eq!(by_number(&origin, INSURER, "5002", "2021-03-01").await.status().as_u16(), 200);
    origin.stop().await;
}
on_both_databases!(check_f_a_hold_is_released_only_by_the_insurer);

async fn csv_batches_carry_acquisitions_and_losses(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    let csv = "op,individual_number,name,name_kana,birth_date,sex,address,symbol,number,branch,qualification_date,partial_contribution_percent,disqualification_date,loss_reason\r\n\
               acquire,111111111118,資格　花子,ｼｶｸ ﾊﾅｺ,1989-09-13,female,\"東京都千代田区霞が関1-2-3\",10,5001,00,2026-04-01,30,,\r\n";
    assert_eq!(origin.upload(&token, "text/csv", csv).await.status().as_u16(), 200);
    let loss = "op,symbol,number,branch,disqualification_date,loss_reason\nlose,10,5001,00,2026-11-01,03\n";
    let report: Value = origin.upload(&token, "text/csv", loss).await.json().await.unwrap();
    assert_eq!(report["qualifications_lost"], 1);
    let answer: QualificationAnswer = by_number(&origin, INSURER, "5001", "1989-09-13").await.json().await.unwrap();
    assert_eq!(answer.validity, Validity::Invalid);
    // Losing it again is a conflict that refuses the batch; bad quoting is malformed.
    let again = origin.upload(&token, "text/csv", loss).await;
    assert_eq!(again.json::<Value>().await.unwrap()["rows"][0]["code"], "qualification_not_found");
    let broken = origin.upload(&token, "text/csv", "op,number\nlose,\"50\"01\n").await;
    assert_eq!(broken.json::<Value>().await.unwrap()["rows"][0]["code"], "malformed");
    // An unknown content type, and a missing or wrong token, are refused.
    expect_error(origin.upload(&token, "application/xml", "<x/>").await, 400, "bad_request").await;
    expect_error(origin.upload("not-a-token", "text/csv", loss).await, 401, "unauthorized").await;
    origin.stop().await;
}
on_both_databases!(csv_batches_carry_acquisitions_and_losses);

async fn a_specific_disease_certificate_travels_from_the_batch_to_every_answer(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    let csv = "op,individual_number,name,name_kana,birth_date,sex,address,symbol,number,branch,qualification_date,\
               partial_contribution_percent,specific_disease_category,specific_disease_valid_from,\
               specific_disease_valid_until,specific_disease_self_pay_yen\n\
               acquire,111111111118,資格　花子,ｼｶｸ ﾊﾅｺ,1989-09-13,female,東京都千代田区霞が関1-2-3,10,5001,00,2026-04-01,\
               30,1,2026-04-01,2027-03-31,20000\n";
    assert_eq!(origin.upload(&token, "text/csv", csv).await.status().as_u16(), 200);
    let answer: QualificationAnswer = by_number(&origin, INSURER, "5001", "1989-09-13").await.json().await.unwrap();
    let [record] = answer.records.as_slice() else { panic!("{answer:?}") };
    // A 記号・番号 answer carries the certificate and its limit, never its category: no card, so no consent.
    assert_eq!(
        record.specific_diseases,
        vec![SpecificDiseaseCertificate {
            disease_category: String::new(),
            valid_from: Some(onshi_proto::IsoDate::parse("2026-04-01").unwrap()),
            valid_until: Some(onshi_proto::IsoDate::parse("2027-03-31").unwrap()),
            monthly_self_pay_yen: Some(20_000),
        }]
    );
    // A row without one answers an empty list; a bad self-pay refuses the file with its line and field.
    let plain =
        ndjson(&[acquire("5002", TWIN_NUMBER, "資格　太郎", "ｼｶｸ ﾀﾛｳ", "2004-08-04", "大阪府大阪市北区梅田1-1-1")]);
    assert_eq!(origin.upload(&token, "application/x-ndjson", &plain).await.status().as_u16(), 200);
    let answer: QualificationAnswer = by_number(&origin, INSURER, "5002", "2004-08-04").await.json().await.unwrap();
    assert!(answer.records[0].specific_diseases.is_empty());
    let mut bad = acquire("5003", NEWBORN, "資格　芽衣", "ｼｶｸ ﾒｲ", "2021-03-01", "福岡県福岡市中央区天神2-3-4");
    bad["specific_disease_category"] = json!("2");
    bad["specific_disease_self_pay_yen"] = json!(5000);
    let refused = origin.upload(&token, "application/x-ndjson", &ndjson(&[bad])).await;
    assert_eq!(refused.status().as_u16(), 400);
    let rows = refused.json::<Value>().await.unwrap()["rows"].clone();
    assert_eq!(rows, json!([{ "line": 1, "field": "specific_disease_self_pay_yen", "code": "invalid_value" }]));
    origin.stop().await;
}
on_both_databases!(a_specific_disease_certificate_travels_from_the_batch_to_every_answer);

fn dependent(number: &str, individual_number: &str, name: &str, kana: &str, birth: &str, address: &str) -> Value {
    let mut row = acquire(number, individual_number, name, kana, birth, address);
    row["personal_family"] = json!("dependent");
    row["branch"] = json!("01");
    row
}

async fn registered_rows_and_missing_insured_members_refuse_the_whole_batch_by_line(db: Db) {
    let origin = Origin::start(db).await;
    seed_residents(&origin).await;
    let token = origin.insurer_token(INSURER).await;
    let hanako = acquire("5001", HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "東京都千代田区霞が関1-2-3");
    let mei = || dependent("5001", NEWBORN, "資格　芽衣", "ｼｶｸ ﾒｲ", "2021-03-01", "福岡県福岡市中央区天神2-3-4");
    // A 家族 finds its 本人 earlier in the same file.
    let first = origin.upload(&token, "application/x-ndjson", &ndjson(&[hanako.clone(), mei()])).await;
    assert_eq!(first.status().as_u16(), 200);
    let report: Value = first.json().await.unwrap();
    assert_eq!((report["records_registered"].as_i64(), report["records_held"].as_i64()), (Some(2), Some(0)));

    // Line 2 is already registered, line 3 is a 家族 whose 本人 is nowhere: both are reported, and line 1 (good on
    // its own) is not kept either.
    let taro = acquire("5002", TWIN_NUMBER, "資格　太郎", "ｼｶｸ ﾀﾛｳ", "2004-08-04", "大阪府大阪市北区梅田1-1-1");
    let orphan = dependent("5999", NEWBORN, "資格　芽衣", "ｼｶｸ ﾒｲ", "2021-03-01", "福岡県福岡市中央区天神2-3-4");
    let refused = origin.upload(&token, "application/x-ndjson", &ndjson(&[taro.clone(), hanako, orphan])).await;
    assert_eq!(refused.status().as_u16(), 400);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["rows"],
        json!([{ "line": 2, "code": "duplicate" }, { "line": 3, "code": "insured_member_not_found" }])
    );
    assert_eq!(
        by_number(&origin, INSURER, "5002", "2004-08-04").await.json::<QualificationAnswer>().await.unwrap().validity,
        Validity::NoQualification
    );

    // A 家族 of a later file finds its 本人 in the database.
    let mut second_child = mei();
    second_child["branch"] = json!("02");
    second_child["qualification_date"] = json!("2026-05-01");
    let later = origin.upload(&token, "application/x-ndjson", &ndjson(&[taro, second_child])).await;
    assert_eq!(later.status().as_u16(), 200);
    origin.stop().await;
}
on_both_databases!(registered_rows_and_missing_insured_members_refuse_the_whole_batch_by_line);

/// The long-vowel forms senders write (the domain notes §3.2 step 5: ー, ｰ, －, ‐, ―, ～ and U+2212), and the wave
/// dash 〜 that Japanese input methods put where ～ was meant.
const LONG_VOWEL_FORMS: [char; 8] = ['ー', 'ｰ', '－', '‐', '―', '～', '\u{2212}', '〜'];

/// A valid 個人番号 for test person `index` of the long-vowel test.
fn long_vowel_number(index: u64) -> String {
    let base = format!("{:011}", 60_000_000_000_u64 + index);
    format!("{base}{}", onshi_origin::individual_number::check_digit(&base).unwrap())
}

async fn a_kana_name_differing_only_by_its_long_vowel_form_raises_no_twin_hold(db: Db) {
    let origin = Origin::start(db).await;
    let other = origin.insurer_token(OTHER_INSURER).await;
    let token = origin.insurer_token(INSURER).await;
    let (name, birth, address) = ("資格　優子", "1990-05-05", "東京都港区芝公園4-2-8");
    // One person per form, each known to 住基 and already registered with the other insurer as ﾕｰｺ, half-width
    // as registries send kana.
    let mut registered = Vec::new();
    for (index, _) in LONG_VOWEL_FORMS.iter().enumerate() {
        let number = long_vowel_number(index as u64);
        origin.resident(&number, name, "ｼｶｸ ﾕｰｺ", birth, "female", address).await;
        registered.push(acquire(&format!("{}", 7100 + index), &number, name, "ｼｶｸ ﾕｰｺ", birth, address));
    }
    let first = origin.upload(&other, "application/x-ndjson", &ndjson(&registered)).await;
    let first: Value = first.json().await.unwrap();
    assert_eq!((first["records_registered"].as_u64(), first["records_held"].as_u64()), (Some(8), Some(0)), "{first}");

    // This insurer registers each of them again, the kana written with another long-vowel form.
    let rows: Vec<Value> = LONG_VOWEL_FORMS
        .iter()
        .enumerate()
        .map(|(index, form)| {
            let kana = format!("シカク　ユ{form}コ");
            acquire(&format!("{}", 5100 + index), &long_vowel_number(index as u64), name, &kana, birth, address)
        })
        .collect();
    let report: Value = origin.upload(&token, "application/x-ndjson", &ndjson(&rows)).await.json().await.unwrap();
    assert_eq!(
        (report["records_registered"].as_u64(), report["records_held"].as_u64()),
        (Some(8), Some(0)),
        "{report}"
    );
    let raised = notices(&origin, &token).await;
    assert!(raised.iter().all(|(_, kind)| kind != "suspected_twin" && kind != "record_held"), "{raised:?}");
    for (index, form) in LONG_VOWEL_FORMS.iter().enumerate() {
        let answer = by_number(&origin, INSURER, &format!("{}", 5100 + index), birth).await;
        assert_eq!(answer.status().as_u16(), 200, "ユ{form}コ was held");
    }

    // A truly different kana under the same number and birth date is still a suspected twin, and held.
    let twin = acquire("5199", &long_vowel_number(0), name, "シカク　ユキコ", birth, address);
    let report: Value = origin.upload(&token, "application/x-ndjson", &ndjson(&[twin])).await.json().await.unwrap();
    assert_eq!(report["records_held"].as_u64(), Some(1), "{report}");
    assert!(notices(&origin, &token).await.contains(&(1, "suspected_twin".to_owned())));
    expect_error(by_number(&origin, INSURER, "5199", birth).await, 423, "record_held").await;
    origin.stop().await;
}
on_both_databases!(a_kana_name_differing_only_by_its_long_vowel_form_raises_no_twin_hold);
