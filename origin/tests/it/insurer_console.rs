//! The insurer's console routes, as a clerk uses them: the seed's scenarios uploaded by two insurers, the inbox
//! newest first by kind and state and a page at a time, a notice opened beside the record it collided with, a hold
//! resolved with a reason and a named clerk, and the patient's next check answering at once. Every route is also
//! tried by the other insurer, and no answer to one insurer carries anything of the other's. Every test runs on
//! both databases.

use onshi_proto::origin::{BY_NUMBER_PATH, NumberQualificationQuery};
use serde_json::{Value, json};

use crate::fixture::{Db, NOW, Origin, acquire, expect_error, ndjson};

/// 保険者 A: the insurer the seed's clerk works for.
pub(crate) const A: &str = "33120015";
/// 保険者 B: registered the same people earlier.
pub(crate) const B: &str = "01130012";

/// The seed's numbers (1111, 2222, 3333 and 4444 there), made valid 個人番号.
const HANAKO: &str = "111111111118";
const MISREGISTERED: &str = "222222222225";
const NEWBORN: &str = "333333333332";
const TWINS: &str = "444444444440";
/// ジロウ's own number, which A should have registered.
const JIRO: &str = "555555555557";

/// What B registered before: the names and addresses A must never see.
const B_TARO_NAME: &str = "資格　太郎";
const B_TARO_KANA: &str = "ｼｶｸ ﾀﾛｳ";
const B_ADDRESS: &str = "大阪府大阪市北区梅田9-9-9";

/// The seed's page: B registered ハナコ (1111), a person born S62.9.13 (2222) and タロウ (4444); then A registers
/// ハナコ again (1111, a match), someone born H3.7.4 under 2222 (個人番号誤登録疑い), a newborn (3333, no history:
/// 住基), and ジロウ under タロウ's number (a twin). Returns A's and B's tokens.
pub(crate) async fn seed_scenarios(origin: &Origin) -> (String, String) {
    let hanako_address = "東京都千代田区霞が関一丁目2番3号";
    origin.resident(HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "female", hanako_address).await;
    origin.resident(MISREGISTERED, "保険　一郎", "ﾎｹﾝ ｲﾁﾛｳ", "1987-09-13", "female", B_ADDRESS).await;
    origin.resident(NEWBORN, "資格　芽衣", "ｼｶｸ ﾒｲ", "2021-03-01", "female", "福岡県福岡市中央区天神2-3-4").await;
    origin.resident(TWINS, B_TARO_NAME, B_TARO_KANA, "2004-08-04", "female", B_ADDRESS).await;
    origin.resident(JIRO, "資格　次郎", "ｼｶｸ ｼﾞﾛｳ", "2004-08-04", "female", B_ADDRESS).await;
    let b = origin.insurer_token(B).await;
    let earlier = ndjson(&[
        acquire("9001", HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", hanako_address),
        acquire("9002", MISREGISTERED, "保険　一郎", "ﾎｹﾝ ｲﾁﾛｳ", "1987-09-13", B_ADDRESS),
        acquire("9003", TWINS, B_TARO_NAME, B_TARO_KANA, "2004-08-04", B_ADDRESS),
    ]);
    assert_eq!(origin.upload(&b, "application/x-ndjson", &earlier).await.status().as_u16(), 200);
    origin.clock.set(NOW + 60);
    let a = origin.insurer_token(A).await;
    let body = ndjson(&[
        acquire("5001", HANAKO, "●格　花子", "シカク　ハナコ", "1989-09-13", "東京都千代田区霞が関１－２－３"),
        acquire("5002", MISREGISTERED, "資格　三郎", "ｼｶｸ ｻﾌﾞﾛｳ", "1991-07-04", "大阪府堺市1-1"),
        acquire("5003", NEWBORN, "資格　芽衣", "ｼｶｸ ﾒｲ", "2021-03-01", "福岡県福岡市中央区天神二丁目3番4号"),
        acquire("5004", TWINS, "資格　次郎", "ｼｶｸ ｼﾞﾛｳ", "2004-08-04", B_ADDRESS),
    ]);
    let report: Value = origin.upload(&a, "application/x-ndjson", &body).await.json().await.unwrap();
    assert_eq!((report["records_registered"].as_i64(), report["records_held"].as_i64()), (Some(4), Some(2)));
    (a, b)
}

/// Every text an answer shows a person, the random hex ids (`id`, `batch_id`, `person_id`, …) left out: a random
/// id can hold any run of digits, so a number searched for in the whole text would be found there by chance.
fn shown_texts(value: &Value) -> Vec<String> {
    let mut texts = Vec::new();
    let mut pending = vec![(None, value)];
    while let Some((key, value)) = pending.pop() {
        match value {
            Value::String(text) if !key.is_some_and(|key: &str| key == "id" || key.ends_with("_id")) => {
                texts.push(text.clone());
            }
            Value::Number(number) => texts.push(number.to_string()),
            Value::Array(items) => pending.extend(items.iter().map(|item| (key, item))),
            Value::Object(fields) => pending.extend(fields.iter().map(|(name, item)| (Some(name.as_str()), item))),
            _ => {}
        }
    }
    texts
}

async fn get(origin: &Origin, path: &str, token: &str) -> Value {
    let response = origin.get_with(path, token).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.json().await.unwrap()
}

fn kinds(page: &Value) -> Vec<(i64, String, String)> {
    page["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["line"].as_i64().unwrap_or(0),
                n["kind"].as_str().unwrap().to_owned(),
                n["state"].as_str().unwrap().into(),
            )
        })
        .collect()
}

pub(crate) fn notice_id(page: &Value, line: i64, kind: &str) -> String {
    page["notices"].as_array().unwrap().iter().find(|n| n["line"] == line && n["kind"] == kind).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn by_number(origin: &Origin, insurer: &str, number: &str, birth: &str) -> u16 {
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
    origin.post_signed(BY_NUMBER_PATH, &query).await.status().as_u16()
}

async fn resolve(origin: &Origin, token: &str, person: &str, clerk: Option<&str>, body: Value) -> reqwest::Response {
    let mut request =
        origin.client.post(format!("{}/insurer/v1/holds/{person}/resolution", origin.base)).bearer_auth(token);
    if let Some(clerk) = clerk {
        request = request.header("x-onshi-decided-by", clerk);
    }
    request.json(&body).send().await.unwrap()
}

async fn the_inbox_lists_every_notice_newest_first_by_kind_and_state_a_page_at_a_time(db: Db) {
    let origin = Origin::start(db).await;
    let (a, _b) = seed_scenarios(&origin).await;
    let page = get(&origin, "/insurer/v1/notices", &a).await;
    // Newest first (one batch: the last line first); a held row's notices share its line, and `record_held` rides
    // along with each hold. Line 1 matched B's record on 5 items (its ● and 表記ゆれ tolerated) and raised nothing.
    let listed = kinds(&page);
    assert!(listed.windows(2).all(|pair| pair[0].0 >= pair[1].0), "{listed:?}");
    let mut sorted = listed.clone();
    sorted.sort();
    let open = |line: i64, kind: &str| (line, kind.to_owned(), "open".to_owned());
    assert_eq!(
        sorted,
        vec![
            open(2, "five_item_mismatch"),
            open(2, "record_held"),
            open(2, "suspected_misregistration"),
            (3, "resident_registry_match".into(), "informational".into()),
            open(4, "five_item_mismatch"),
            open(4, "record_held"),
            open(4, "suspected_twin"),
        ]
    );
    let twins = get(&origin, "/insurer/v1/notices?kind=suspected_twin", &a).await;
    assert_eq!(kinds(&twins), vec![(4, "suspected_twin".into(), "open".into())]);
    let informational = get(&origin, "/insurer/v1/notices?state=informational", &a).await;
    assert_eq!(kinds(&informational), vec![(3, "resident_registry_match".into(), "informational".into())]);
    // A page at a time: every notice once, in the same order.
    let mut walked = Vec::new();
    let mut path = "/insurer/v1/notices?limit=2".to_owned();
    loop {
        let page = get(&origin, &path, &a).await;
        walked.extend(kinds(&page));
        match page["next"].as_str() {
            Some(next) => path = format!("/insurer/v1/notices?limit=2&before={next}"),
            None => break,
        }
    }
    assert_eq!(walked, kinds(&page));
    // A filter or cursor this listing does not know is refused, not ignored.
    expect_error(origin.get_with("/insurer/v1/notices?kind=anything", &a).await, 400, "bad_request").await;
    expect_error(origin.get_with("/insurer/v1/notices?state=closed", &a).await, 400, "bad_request").await;
    expect_error(origin.get_with("/insurer/v1/notices?before=x", &a).await, 400, "bad_request").await;
    expect_error(origin.get_with("/insurer/v1/notices", "not-a-token").await, 401, "unauthorized").await;
    // Two holds are open, held since A's batch.
    let holds = get(&origin, "/insurer/v1/holds", &a).await;
    assert_eq!(holds["open"], 2);
    assert_eq!(holds["oldest_since"], NOW + 60);
    assert_eq!((holds["under_one_day"].as_u64(), holds["over_seven_days"].as_u64()), (Some(2), Some(0)));
    origin.clock.set(NOW + 8 * 86_400);
    let holds = get(&origin, "/insurer/v1/holds", &a).await;
    assert_eq!((holds["under_one_day"].as_u64(), holds["over_seven_days"].as_u64()), (Some(0), Some(2)));
    origin.stop().await;
}
on_both_databases!(the_inbox_lists_every_notice_newest_first_by_kind_and_state_a_page_at_a_time);

async fn a_twin_notice_shows_what_differs_and_nothing_of_the_other_insurers_record(db: Db) {
    let origin = Origin::start(db).await;
    let (a, b) = seed_scenarios(&origin).await;
    let page = get(&origin, "/insurer/v1/notices", &a).await;
    let twin = notice_id(&page, 4, "suspected_twin");
    let response = origin.get_with(&format!("/insurer/v1/notices/{twin}"), &a).await;
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap();
    let detail: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(detail["member"]["name"], "資格　次郎");
    assert_eq!(detail["member"]["name_kana"], "ｼｶｸ ｼﾞﾛｳ");
    assert_eq!(detail["member"]["name_kana_normalized"], "シカクジロウ");
    assert_eq!(detail["member"]["held"], true);
    assert_eq!(detail["counterpart"]["source"], "other_record");
    let items: Vec<(String, String)> = detail["counterpart"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["item"].as_str().unwrap().into(), i["comparison"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        items,
        vec![
            ("name".into(), "differs".into()),
            ("name_kana".into(), "differs".into()),
            ("birth_date".into(), "same".into()),
            ("sex".into(), "same".into()),
            ("address".into(), "same".into()),
        ]
    );
    // B's record is described by what differs, never by whose it is or what it holds.
    let shown = shown_texts(&detail);
    for leaked in [B_TARO_NAME, B_TARO_KANA, "タロウ", B, "9003"] {
        assert!(!shown.iter().any(|text| text.contains(leaked)), "{leaked} leaked into {text}");
    }
    // B's inbox has B's own 住基 results and nothing of A's: no notice, no member, no name.
    let b_page = origin.get_with("/insurer/v1/notices", &b).await.text().await.unwrap();
    let b_kinds = kinds(&serde_json::from_str(&b_page).unwrap());
    assert_eq!(b_kinds.len(), 3, "{b_page}");
    assert!(b_kinds.iter().all(|(_, kind, _)| kind == "resident_registry_match"), "{b_page}");
    let person = detail["member"]["person_id"].as_str().unwrap();
    for leaked in [twin.as_str(), person] {
        assert!(!b_page.contains(leaked), "{leaked} leaked into {b_page}");
    }
    let b_shown = shown_texts(&serde_json::from_str(&b_page).unwrap());
    for leaked in ["資格　次郎", "ｼｶｸ ｼﾞﾛｳ", A] {
        assert!(!b_shown.iter().any(|text| text.contains(leaked)), "{leaked} leaked into {b_page}");
    }
    assert_eq!(get(&origin, "/insurer/v1/holds", &b).await["open"], 0);
    // B cannot open A's notice or touch A's hold, and is told only that there is no such thing.
    expect_error(origin.get_with(&format!("/insurer/v1/notices/{twin}"), &b).await, 404, "not_found").await;
    let refused = resolve(&origin, &b, person, None, json!({"resolution": "no_suspicion", "reason": "確認済み"})).await;
    expect_error(refused, 404, "not_found").await;
    origin.stop().await;
}
on_both_databases!(a_twin_notice_shows_what_differs_and_nothing_of_the_other_insurers_record);

async fn a_hold_resolved_with_a_reason_lifts_at_once_and_the_audit_names_the_clerk(db: Db) {
    let origin = Origin::start(db).await;
    let (a, _b) = seed_scenarios(&origin).await;
    let page = get(&origin, "/insurer/v1/notices", &a).await;
    let twin = notice_id(&page, 4, "suspected_twin");
    let detail = get(&origin, &format!("/insurer/v1/notices/{twin}"), &a).await;
    let person = detail["member"]["person_id"].as_str().unwrap().to_owned();
    assert_eq!(by_number(&origin, A, "5004", "2004-08-04").await, 423);
    // 理由付き疑いなし needs a reason.
    for reason in ["", "   ", &"理".repeat(201)] {
        let refused =
            resolve(&origin, &a, &person, None, json!({"resolution": "no_suspicion", "reason": reason})).await;
        expect_error(refused, 400, "bad_request").await;
    }
    // A clerk's name travels percent-encoded (headers are ASCII).
    let clerk = "%E4%BF%9D%E9%99%BA%E3%80%80%E8%8A%B1%E5%AD%90"; // 保険　花子
    origin.clock.set(NOW + 3_600);
    let reason = "双子の弟。本人に電話で確認し、J-LIS照会で番号を確認済み";
    let answer =
        resolve(&origin, &a, &person, Some(clerk), json!({"resolution": "no_suspicion", "reason": reason})).await;
    assert_eq!(answer.json::<Value>().await.unwrap()["outcome"], "released");
    // The patient's next check answers at once.
    assert_eq!(by_number(&origin, A, "5004", "2004-08-04").await, 200);
    // The notice is resolved, and the decision says who and why.
    let detail = get(&origin, &format!("/insurer/v1/notices/{twin}"), &a).await;
    assert_eq!(detail["notice"]["state"], "resolved");
    assert_eq!(
        detail["decisions"],
        json!([{"decided_at": NOW + 3_600, "decided_by": "保険　花子", "resolution": "no_suspicion", "reason": reason,
                "outcome": "released"}])
    );
    let open = get(&origin, "/insurer/v1/notices?state=open", &a).await;
    assert!(kinds(&open).iter().all(|(line, _, _)| *line == 2), "{open}");
    assert_eq!(kinds(&get(&origin, "/insurer/v1/notices?state=resolved", &a).await).len(), 3);
    assert_eq!(get(&origin, "/insurer/v1/holds", &a).await["open"], 1);
    // The same hold cannot be resolved twice.
    let again = resolve(&origin, &a, &person, None, json!({"resolution": "no_suspicion", "reason": reason})).await;
    expect_error(again, 404, "not_found").await;
    // The audit trail has the reads of the record and the decision.
    let purposes: Vec<String> =
        origin.store.audit_events_about(&person).await.unwrap().into_iter().map(|e| e.purpose).collect();
    assert!(purposes.contains(&"insurer_notice_detail".to_owned()), "{purposes:?}");
    assert!(purposes.contains(&"insurer_hold_resolution".to_owned()), "{purposes:?}");
    origin.stop().await;
}
on_both_databases!(a_hold_resolved_with_a_reason_lifts_at_once_and_the_audit_names_the_clerk);

async fn a_corrected_number_is_checked_again_like_a_batch_row(db: Db) {
    let origin = Origin::start(db).await;
    let (a, _b) = seed_scenarios(&origin).await;
    let page = get(&origin, "/insurer/v1/notices?kind=suspected_twin", &a).await;
    let twin = notice_id(&page, 4, "suspected_twin");
    let detail = get(&origin, &format!("/insurer/v1/notices/{twin}"), &a).await;
    let person = detail["member"]["person_id"].as_str().unwrap().to_owned();
    // A number B registered for someone born on another day: check b holds it still.
    let wrong =
        resolve(&origin, &a, &person, None, json!({"resolution": "corrected", "individual_number": MISREGISTERED}))
            .await;
    assert_eq!(wrong.json::<Value>().await.unwrap()["outcome"], "still_held");
    assert_eq!(by_number(&origin, A, "5004", "2004-08-04").await, 423);
    // A number that fails its check digit is refused before anything is looked at.
    let typo =
        resolve(&origin, &a, &person, None, json!({"resolution": "corrected", "individual_number": "555555555556"}))
            .await;
    expect_error(typo, 400, "bad_request").await;
    origin.clock.set(NOW + 600);
    // ジロウ's own number matches 住基 on 5 items: released, and the decision names the credential that acted.
    let right =
        resolve(&origin, &a, &person, None, json!({"resolution": "corrected", "individual_number": JIRO})).await;
    assert_eq!(right.json::<Value>().await.unwrap()["outcome"], "released");
    assert_eq!(by_number(&origin, A, "5004", "2004-08-04").await, 200);
    let detail = get(&origin, &format!("/insurer/v1/notices/{twin}"), &a).await;
    let decisions = detail["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(
        (decisions[0]["outcome"].as_str(), decisions[1]["outcome"].as_str()),
        (Some("still_held"), Some("released"))
    );
    assert!(decisions[1]["decided_by"].as_str().unwrap().starts_with("credential "), "{detail}");
    assert_eq!(detail["member"]["individual_number"], JIRO);
    origin.stop().await;
}
on_both_databases!(a_corrected_number_is_checked_again_like_a_batch_row);

async fn a_registry_notice_compares_with_the_registry_without_showing_it(db: Db) {
    let origin = Origin::start(db).await;
    let (a, _b) = seed_scenarios(&origin).await;
    let page = get(&origin, "/insurer/v1/notices", &a).await;
    let newborn = notice_id(&page, 3, "resident_registry_match");
    let response = origin.get_with(&format!("/insurer/v1/notices/{newborn}"), &a).await;
    let text = response.text().await.unwrap();
    let detail: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(detail["counterpart"]["source"], "resident_registry");
    assert!(detail["counterpart"]["items"].as_array().unwrap().iter().all(|i| i["comparison"] == "same"), "{text}");
    // 住基's own spelling of the address is not sent.
    assert!(!text.contains("天神2-3-4"), "{text}");
    // The misregistration compares with B's record: another birth date, said without the date.
    let misregistered = notice_id(&page, 2, "suspected_misregistration");
    let text = origin.get_with(&format!("/insurer/v1/notices/{misregistered}"), &a).await.text().await.unwrap();
    let detail: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(detail["counterpart"]["items"][2], json!({"item": "birth_date", "comparison": "differs"}));
    for leaked in ["1987-09-13", "保険　一郎", "ﾎｹﾝ ｲﾁﾛｳ", B_ADDRESS] {
        assert!(!text.contains(leaked), "{leaked} leaked into {text}");
    }
    // An unknown notice id is simply not found.
    expect_error(origin.get_with("/insurer/v1/notices/0123abcd", &a).await, 404, "not_found").await;
    origin.stop().await;
}
on_both_databases!(a_registry_notice_compares_with_the_registry_without_showing_it);

async fn twins_the_insurer_registered_itself_are_shown_side_by_side_with_a_gaiji_said_as_such(db: Db) {
    let origin = Origin::start(db).await;
    origin.resident(TWINS, B_TARO_NAME, B_TARO_KANA, "2004-08-04", "female", B_ADDRESS).await;
    let a = origin.insurer_token(A).await;
    // Both twins in one file, the second with ● for a 外字 its sender could not encode.
    let body = ndjson(&[
        acquire("5001", TWINS, B_TARO_NAME, B_TARO_KANA, "2004-08-04", B_ADDRESS),
        acquire("5002", TWINS, "資格　●郎", "ｼｶｸ ｼﾞﾛｳ", "2004-08-04", B_ADDRESS),
    ]);
    assert_eq!(origin.upload(&a, "application/x-ndjson", &body).await.status().as_u16(), 200);
    let page = get(&origin, "/insurer/v1/notices?kind=suspected_twin", &a).await;
    let twin = notice_id(&page, 2, "suspected_twin");
    let detail = get(&origin, &format!("/insurer/v1/notices/{twin}"), &a).await;
    assert_eq!(detail["member"]["name"], "資格　●郎");
    assert_eq!(detail["member"]["name_has_gaiji"], true);
    assert_eq!(detail["member"]["name_kana_normalized"], "シカクジロウ");
    // The other twin is A's own member: its values are shown beside, the name compared around the ●.
    assert_eq!(detail["counterpart"]["source"], "own_record");
    assert_eq!(
        detail["counterpart"]["items"][0],
        json!({"item": "name", "comparison": "same_except_gaiji", "other_value": B_TARO_NAME})
    );
    assert_eq!(
        detail["counterpart"]["items"][1],
        json!({"item": "name_kana", "comparison": "differs", "other_value": B_TARO_KANA})
    );
    // The record_held notice of the same row opens on the same comparison.
    let held = get(&origin, "/insurer/v1/notices?kind=record_held", &a).await;
    let held = notice_id(&held, 2, "record_held");
    let detail = get(&origin, &format!("/insurer/v1/notices/{held}"), &a).await;
    assert_eq!(detail["counterpart"]["source"], "own_record");
    origin.stop().await;
}
on_both_databases!(twins_the_insurer_registered_itself_are_shown_side_by_side_with_a_gaiji_said_as_such);
