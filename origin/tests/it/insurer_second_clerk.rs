//! A hold the 住基 comparison raised is not released on one clerk's word: the first clerk's 理由付き疑いなし is kept
//! as a proposal the console shows, the same clerk confirming it is refused, and the hold lifts when another clerk
//! of the insurer confirms; a corrected 個人番号 still releases at once and settles the proposal. Every step is
//! audited. Every test runs on both databases.

use serde_json::{Value, json};

use crate::fixture::{Db, NOW, Origin, acquire, expect_error, ndjson};
use crate::insurer_console::{A, by_number};
use crate::insurer_edge::{principal, send, sign_for};
use onshi_proto::signing::Principal;

/// A 個人番号 住基 knows as 資格 花子.
const HANAKO: &str = "111111111118";
const ADDRESS: &str = "東京都千代田区霞が関一丁目2番3号";
/// The clerks, as the console sends their names (percent-encoded UTF-8).
const SATO: &str = "%E4%BD%90%E8%97%A4"; // 佐藤
const SUZUKI: &str = "%E9%88%B4%E6%9C%A8"; // 鈴木

/// Registers A's member 5001 under 花子's number with another kana name: a number with no history whose 5 items do
/// not match 住基, held as `resident_registry_mismatch`. Returns A's token and the held record.
async fn held_by_the_registry(origin: &Origin) -> (String, String) {
    origin.resident(HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "female", ADDRESS).await;
    let token = origin.insurer_token(A).await;
    let body = ndjson(&[acquire("5001", HANAKO, "資格　花子", "ｼｶｸ ﾊﾅｴ", "1989-09-13", ADDRESS)]);
    let report: Value = origin.upload(&token, "application/x-ndjson", &body).await.json().await.unwrap();
    assert_eq!(report["records_held"], 1, "{report}");
    let page: Value = origin.get_with("/insurer/v1/notices", &token).await.json().await.unwrap();
    let kinds: Vec<&str> = page["notices"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"resident_registry_mismatch"), "{page}");
    let notice = page["notices"].as_array().unwrap().iter().find(|n| n["kind"] == "record_held").unwrap();
    let detail: Value = origin
        .get_with(&format!("/insurer/v1/notices/{}", notice["id"].as_str().unwrap()), &token)
        .await
        .json()
        .await
        .unwrap();
    (token, detail["member"]["person_id"].as_str().unwrap().to_owned())
}

async fn resolve(origin: &Origin, token: &str, person: &str, clerk: &str, body: Value) -> reqwest::Response {
    origin
        .client
        .post(format!("{}/insurer/v1/holds/{person}/resolution", origin.base))
        .bearer_auth(token)
        .header("x-onshi-decided-by", clerk)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn detail_of(origin: &Origin, token: &str) -> Value {
    let page: Value = origin.get_with("/insurer/v1/notices?kind=record_held", token).await.json().await.unwrap();
    let id = page["notices"][0]["id"].as_str().unwrap().to_owned();
    origin.get_with(&format!("/insurer/v1/notices/{id}"), token).await.json().await.unwrap()
}

async fn a_registry_hold_lifts_only_when_a_second_clerk_confirms(db: Db) {
    let origin = Origin::start(db).await;
    let (token, person) = held_by_the_registry(&origin).await;
    let first_reason = "本人に電話で確認。住基のカナ表記が古い";
    origin.clock.set(NOW + 600);
    let proposed =
        resolve(&origin, &token, &person, SATO, json!({"resolution": "no_suspicion", "reason": first_reason}));
    assert_eq!(proposed.await.json::<Value>().await.unwrap()["outcome"], "awaiting_second_clerk");
    // Still held: the patient's check answers record_held, and the console shows whose proposal waits.
    assert_eq!(by_number(&origin, A, "5001", "1989-09-13").await, 423);
    let detail = detail_of(&origin, &token).await;
    assert_eq!(detail["member"]["held"], true);
    assert_eq!(detail["proposal"], json!({"proposed_at": NOW + 600, "proposed_by": "佐藤", "reason": first_reason}));
    assert_eq!(detail["decisions"], json!([]));
    // The same clerk cannot confirm their own proposal, with another reason or without a name the second time.
    origin.clock.set(NOW + 900);
    let alone = resolve(&origin, &token, &person, SATO, json!({"resolution": "no_suspicion", "reason": "確認済み"}));
    expect_error(alone.await, 403, "forbidden").await;
    assert_eq!(by_number(&origin, A, "5001", "1989-09-13").await, 423);
    // Another clerk of the insurer confirms: released, and the decision names the confirming clerk.
    origin.clock.set(NOW + 1_200);
    let second_reason = "佐藤さんの確認記録を見て同意";
    let confirmed =
        resolve(&origin, &token, &person, SUZUKI, json!({"resolution": "no_suspicion", "reason": second_reason}));
    assert_eq!(confirmed.await.json::<Value>().await.unwrap()["outcome"], "released");
    assert_eq!(by_number(&origin, A, "5001", "1989-09-13").await, 200);
    let detail = detail_of(&origin, &token).await;
    assert!(detail.get("proposal").is_none(), "{detail}");
    assert_eq!(
        detail["decisions"],
        json!([{"decided_at": NOW + 1_200, "decided_by": "鈴木", "resolution": "no_suspicion",
                "reason": second_reason, "outcome": "released"}])
    );
    // The proposal, the refusal and the release are each in the audit trail.
    let outcomes: Vec<String> = origin
        .store
        .audit_events_about(&person)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.purpose == "insurer_hold_resolution")
        .map(|e| e.outcome)
        .collect();
    assert_eq!(outcomes, ["awaiting_second_clerk", "same_clerk_refused", "released"]);
    origin.stop().await;
}
on_both_databases!(a_registry_hold_lifts_only_when_a_second_clerk_confirms);

async fn a_corrected_number_still_releases_a_registry_hold_at_once_and_settles_its_proposal(db: Db) {
    let origin = Origin::start(db).await;
    let (token, person) = held_by_the_registry(&origin).await;
    let proposed = resolve(&origin, &token, &person, SATO, json!({"resolution": "no_suspicion", "reason": "確認中"}));
    assert_eq!(proposed.await.json::<Value>().await.unwrap()["outcome"], "awaiting_second_clerk");
    // The kana was right and the number wrong: ハナエ's own number matches 住基 on 5 items.
    let hanae = "666666666664";
    origin.resident(hanae, "資格　花子", "ｼｶｸ ﾊﾅｴ", "1989-09-13", "female", ADDRESS).await;
    let corrected =
        resolve(&origin, &token, &person, SATO, json!({"resolution": "corrected", "individual_number": hanae}));
    assert_eq!(corrected.await.json::<Value>().await.unwrap()["outcome"], "released");
    assert_eq!(by_number(&origin, A, "5001", "1989-09-13").await, 200);
    let detail = detail_of(&origin, &token).await;
    assert!(detail.get("proposal").is_none(), "{detail}");
    origin.stop().await;
}
on_both_databases!(a_corrected_number_still_releases_a_registry_hold_at_once_and_settles_its_proposal);

/// The edge resolving a hold for a console session of A, signed for `clerk` (percent-encoded).
async fn resolve_through_the_edge(
    origin: &Origin,
    token: &str,
    person: &str,
    clerk: &str,
    body: Value,
) -> reqwest::Response {
    let principal = Principal { session: "edge-session-2".to_owned(), clerk: clerk.to_owned(), ..principal(A, token) };
    let path = format!("/insurer/v1/holds/{person}/resolution");
    let headers = sign_for(origin, &principal, "POST", &path, &serde_json::to_vec(&body).unwrap());
    send(origin, "POST", &path, Some(body), &principal, &headers).await
}

async fn through_the_edge_the_second_clerk_is_the_one_the_edge_signs_for(db: Db) {
    let origin = Origin::start(db).await;
    let (token, person) = held_by_the_registry(&origin).await;
    let body = json!({"resolution": "no_suspicion", "reason": "本人確認済み"});
    let proposed = resolve_through_the_edge(&origin, &token, &person, SATO, body.clone()).await;
    assert_eq!(proposed.json::<Value>().await.unwrap()["outcome"], "awaiting_second_clerk");
    // The same signed clerk, from another console session, is still the same clerk.
    expect_error(resolve_through_the_edge(&origin, &token, &person, SATO, body.clone()).await, 403, "forbidden").await;
    assert_eq!(by_number(&origin, A, "5001", "1989-09-13").await, 423);
    let confirmed = resolve_through_the_edge(&origin, &token, &person, SUZUKI, body).await;
    assert_eq!(confirmed.json::<Value>().await.unwrap()["outcome"], "released");
    assert_eq!(by_number(&origin, A, "5001", "1989-09-13").await, 200);
    origin.stop().await;
}
on_both_databases!(through_the_edge_the_second_clerk_is_the_one_the_edge_signs_for);
