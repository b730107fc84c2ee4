//! Insurers' and 公費負担者' credentials as the operator and the insurer meet them: a credential expires after its
//! lifetime (the configured one, or a shorter one the issue asked for) and is then refused like an unknown one;
//! the operator lists an insurer's credentials by public name and revokes one, which every replica refuses from
//! the next request on, while a second credential issued for rotation keeps working; and a credential issued before
//! credentials expired is dated at the first start. A console session the edge opened with a credential ends when
//! that credential is revoked or expires. The clock is the fixture's fake one. Every test runs on both databases.

use onshi_origin::key::token_sha256;
use serde_json::{Value, json};

use onshi_proto::signing::Principal;

use crate::fixture::{ADMIN_TOKEN, Db, NOW, Origin, expect_error};
use crate::insurer_edge::{principal, send, sign_for};

const INSURER: &str = "33120015";
const OTHER_INSURER: &str = "01130012";
const PAYER: &str = "12131017";
const DAY: i64 = 24 * 60 * 60;

async fn issue(origin: &Origin, path: &str, body: Value) -> reqwest::Response {
    origin.admin_post(path, &body).await
}

async fn issued(origin: &Origin, path: &str, body: Value) -> Value {
    let response = issue(origin, path, body).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// The status of an insurer route called with `token`.
async fn insurer_status(origin: &Origin, token: &str) -> u16 {
    origin.get_with("/insurer/v1/holds", token).await.status().as_u16()
}

/// The status of the payer upload with `token` and a file that cannot be read: 400 once the credential is accepted.
async fn payer_status(origin: &Origin, token: &str) -> u16 {
    let response = origin
        .client
        .post(format!("{}/public-expense/v1/batches", origin.base))
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson")
        .body("not json\n")
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

/// The public name of `token`, computed as an operator would from the token the issue answered.
fn name_of(token: &str) -> String {
    token_sha256(token)[..12].to_owned()
}

async fn admin_get(origin: &Origin, path: &str) -> reqwest::Response {
    origin.client.get(format!("{}{path}", origin.base)).bearer_auth(ADMIN_TOKEN).send().await.unwrap()
}

async fn admin_delete(origin: &Origin, path: &str) -> reqwest::Response {
    origin.client.delete(format!("{}{path}", origin.base)).bearer_auth(ADMIN_TOKEN).send().await.unwrap()
}

async fn a_credential_expires_after_its_lifetime_and_may_be_issued_shorter_never_longer(db: Db) {
    let origin = Origin::start(db).await;
    let insurers = "/admin/v1/insurers";
    let yearly = issued(&origin, insurers, json!({"insurer_number": INSURER, "name": "保険者"})).await;
    assert_eq!(yearly["expires_at"], NOW + 365 * DAY);
    let yearly_token = yearly["token"].as_str().unwrap().to_owned();
    assert_eq!(yearly["credential"], name_of(&yearly_token));
    let monthly =
        issued(&origin, insurers, json!({"insurer_number": INSURER, "name": "保険者", "lifetime_days": 30})).await;
    assert_eq!(monthly["expires_at"], NOW + 30 * DAY);
    let monthly_token = monthly["token"].as_str().unwrap().to_owned();
    // Longer than the configured lifetime, or no life at all, is refused and issues nothing.
    for days in [366, 0] {
        let refused =
            issue(&origin, insurers, json!({"insurer_number": INSURER, "name": "保険者", "lifetime_days": days})).await;
        expect_error(refused, 400, "bad_request").await;
    }
    let listed: Value = admin_get(&origin, &format!("{insurers}/{INSURER}/credentials")).await.json().await.unwrap();
    assert_eq!(listed["credentials"].as_array().unwrap().len(), 2, "{listed}");
    // The last second of the month still opens the routes; its end does not, and says no more than an unknown
    // token would.
    origin.clock.set(NOW + 30 * DAY - 1);
    assert_eq!(insurer_status(&origin, &monthly_token).await, 200);
    origin.clock.set(NOW + 30 * DAY);
    expect_error(origin.get_with("/insurer/v1/holds", &monthly_token).await, 401, "unauthorized").await;
    assert_eq!(insurer_status(&origin, &yearly_token).await, 200);
    origin.clock.set(NOW + 365 * DAY);
    assert_eq!(insurer_status(&origin, &yearly_token).await, 401);
    // A payer's credential is issued and expires by the same rule.
    origin.clock.set(NOW);
    let payers = "/admin/v1/public-expense-payers";
    let payer =
        issued(&origin, payers, json!({"payer_number": PAYER, "name": "福祉事務所", "lifetime_days": 10})).await;
    assert_eq!(payer["expires_at"], NOW + 10 * DAY);
    let payer_token = payer["token"].as_str().unwrap().to_owned();
    let too_long = issue(&origin, payers, json!({"payer_number": PAYER, "name": "福祉事務所", "lifetime_days": 400}));
    expect_error(too_long.await, 400, "bad_request").await;
    assert_eq!(payer_status(&origin, &payer_token).await, 400);
    origin.clock.set(NOW + 10 * DAY);
    assert_eq!(payer_status(&origin, &payer_token).await, 401);
    origin.stop().await;
}
on_both_databases!(a_credential_expires_after_its_lifetime_and_may_be_issued_shorter_never_longer);

async fn the_operator_lists_and_revokes_credentials_and_rotation_keeps_the_new_one(db: Db) {
    let origin = Origin::start(db).await;
    let replica = origin.replica().await;
    let first = origin.insurer_token(INSURER).await;
    origin.clock.set(NOW + 60);
    let second = origin.insurer_token(INSURER).await;
    let other = origin.insurer_token(OTHER_INSURER).await;
    let credentials = format!("/admin/v1/insurers/{INSURER}/credentials");
    // Without the admin token there is nothing to see.
    let anonymous = origin.client.get(format!("{}{credentials}", origin.base)).bearer_auth(&first).send().await;
    expect_error(anonymous.unwrap(), 401, "unauthorized").await;
    let listed = admin_get(&origin, &credentials).await;
    assert_eq!(listed.status().as_u16(), 200);
    let text = listed.text().await.unwrap();
    for secret in [&first, &second, &token_sha256(&first), &token_sha256(&second)] {
        assert!(!text.contains(secret.as_str()), "the listing shows a token or a whole hash: {text}");
    }
    let listed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        listed,
        json!({"number": INSURER, "credentials": [
            {"credential": name_of(&first), "issued_at": NOW, "expires_at": NOW + 365 * DAY},
            {"credential": name_of(&second), "issued_at": NOW + 60, "expires_at": NOW + 60 + 365 * DAY},
        ]})
    );
    // Rotation: the first is revoked; it is refused at once here and on the other replica, the second still works.
    origin.clock.set(NOW + 120);
    let revoked = admin_delete(&origin, &format!("{credentials}/{}", name_of(&first))).await;
    assert_eq!(revoked.status().as_u16(), 200);
    let revoked: Value = revoked.json().await.unwrap();
    assert_eq!(revoked["revoked_at"], NOW + 120);
    replica.clock.set(NOW + 120);
    for serving in [&origin, &replica] {
        expect_error(serving.get_with("/insurer/v1/holds", &first).await, 401, "unauthorized").await;
        assert_eq!(insurer_status(serving, &second).await, 200);
    }
    // Revoking again answers the first revocation; the listing shows it.
    origin.clock.set(NOW + 180);
    let again: Value = admin_delete(&origin, &format!("{credentials}/{}", name_of(&first))).await.json().await.unwrap();
    assert_eq!(again["revoked_at"], NOW + 120);
    let listed: Value = admin_get(&origin, &credentials).await.json().await.unwrap();
    assert_eq!(listed["credentials"][0]["revoked_at"], NOW + 120);
    assert!(listed["credentials"][1].get("revoked_at").is_none(), "{listed}");
    // Another insurer's credential is not this insurer's to revoke, and a name that cannot be one is no one's.
    for name in [name_of(&other), "zzzzzzzzzzzz".to_owned(), "0123".to_owned()] {
        expect_error(admin_delete(&origin, &format!("{credentials}/{name}")).await, 404, "not_found").await;
    }
    assert_eq!(insurer_status(&origin, &other).await, 200);
    expect_error(admin_get(&origin, "/admin/v1/insurers/33120016/credentials").await, 400, "bad_request").await;
    expect_error(admin_get(&origin, "/admin/v1/insurers/06270011/credentials").await, 404, "not_found").await;
    // A payer's credentials are listed and revoked the same way, under the payer's number only.
    let payer: Value = origin
        .admin_post("/admin/v1/public-expense-payers", &json!({"payer_number": PAYER, "name": "福祉事務所"}))
        .await
        .json()
        .await
        .unwrap();
    let payer_token = payer["token"].as_str().unwrap().to_owned();
    let payer_credentials = format!("/admin/v1/public-expense-payers/{PAYER}/credentials");
    let listed: Value = admin_get(&origin, &payer_credentials).await.json().await.unwrap();
    assert_eq!(listed["credentials"][0]["credential"], name_of(&payer_token));
    let as_insurer = admin_delete(&origin, &format!("{credentials}/{}", name_of(&payer_token))).await;
    expect_error(as_insurer, 404, "not_found").await;
    assert_eq!(payer_status(&origin, &payer_token).await, 400);
    let revoked = admin_delete(&origin, &format!("{payer_credentials}/{}", name_of(&payer_token))).await;
    assert_eq!(revoked.status().as_u16(), 200);
    assert_eq!(payer_status(&replica, &payer_token).await, 401);
    // Every listing and revocation is audited with the operator who did it.
    let events = origin.store.audit_events().await.unwrap();
    let revocations: Vec<_> = events.iter().filter(|e| e.purpose == "admin_credential_revoke").collect();
    let wanted = format!("revoked:{INSURER}:{}", name_of(&first));
    assert!(revocations.iter().any(|e| e.outcome == wanted), "{revocations:?}");
    assert!(revocations.iter().all(|e| e.actor_device_id.as_deref() == Some("operator:operator")), "{revocations:?}");
    assert!(events.iter().any(|e| e.purpose == "admin_credential_list"));
    replica.stop().await;
    origin.stop().await;
}
on_both_databases!(the_operator_lists_and_revokes_credentials_and_rotation_keeps_the_new_one);

/// Sets a credential back to the state a pre-expiry origin left it in: no expiry.
async fn undate(origin: &Origin, token: &str) {
    const UNDATE: &str = "UPDATE insurer_tokens SET expires_at = NULL WHERE token_sha256 = $1";
    let changed = if origin.database_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&origin.database_url).await.unwrap();
        let done = sqlx::query(UNDATE).bind(token_sha256(token)).execute(&pool).await.unwrap();
        pool.close().await;
        done.rows_affected()
    } else {
        let pool = sqlx::PgPool::connect(&origin.database_url).await.unwrap();
        let done = sqlx::query(UNDATE).bind(token_sha256(token)).execute(&pool).await.unwrap();
        pool.close().await;
        done.rows_affected()
    };
    assert_eq!(changed, 1);
}

async fn a_credential_issued_before_expiry_existed_is_dated_at_the_first_start(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    undate(&origin, &token).await;
    // Undated, it opens nothing: the start dates it before any request is served.
    assert_eq!(insurer_status(&origin, &token).await, 401);
    let listed: Value =
        admin_get(&origin, &format!("/admin/v1/insurers/{INSURER}/credentials")).await.json().await.unwrap();
    assert!(listed["credentials"][0].get("expires_at").is_none(), "{listed}");
    let upgraded_at = NOW + 400 * DAY;
    origin.clock.set(upgraded_at);
    assert_eq!(origin.store.date_undated_credentials(upgraded_at + 365 * DAY).await.unwrap(), 1);
    assert_eq!(origin.store.date_undated_credentials(upgraded_at + 365 * DAY).await.unwrap(), 0);
    assert_eq!(insurer_status(&origin, &token).await, 200);
    origin.clock.set(upgraded_at + 365 * DAY);
    assert_eq!(insurer_status(&origin, &token).await, 401);
    origin.stop().await;
}
on_both_databases!(a_credential_issued_before_expiry_existed_is_dated_at_the_first_start);

/// The answer to one call the edge signs for a console session named by `session`, on the holds route.
async fn session_call(origin: &Origin, session: &Principal) -> reqwest::Response {
    let path = "/insurer/v1/holds";
    let headers = sign_for(origin, session, "GET", path, b"");
    send(origin, "GET", path, None, session, &headers).await
}

async fn a_console_session_ends_when_the_credential_it_was_opened_with_is_revoked_or_expires(db: Db) {
    let origin = Origin::start(db).await;
    let replica = origin.replica().await;
    let insurers = "/admin/v1/insurers";
    let to_revoke = origin.insurer_token(INSURER).await;
    let rotated_in = origin.insurer_token(INSURER).await;
    let daily =
        issued(&origin, insurers, json!({"insurer_number": INSURER, "name": "保険者", "lifetime_days": 1})).await;
    let daily = daily["token"].as_str().unwrap().to_owned();
    let other = origin.insurer_token(OTHER_INSURER).await;
    // Sessions opened with each of the insurer's live credentials are served.
    for token in [&to_revoke, &rotated_in, &daily] {
        assert_eq!(session_call(&origin, &principal(INSURER, token)).await.status().as_u16(), 200);
    }
    // The operator revokes one: its session is refused from the next call on, on every replica, with the code a
    // revoked bearer token gets, while a session on the rotated-in credential goes on.
    origin.clock.set(NOW + 60);
    replica.clock.set(NOW + 60);
    let revoked = admin_delete(&origin, &format!("{insurers}/{INSURER}/credentials/{}", name_of(&to_revoke))).await;
    assert_eq!(revoked.status().as_u16(), 200);
    for serving in [&origin, &replica] {
        expect_error(session_call(serving, &principal(INSURER, &to_revoke)).await, 401, "unauthorized").await;
        expect_error(serving.get_with("/insurer/v1/holds", &to_revoke).await, 401, "unauthorized").await;
        assert_eq!(session_call(serving, &principal(INSURER, &rotated_in)).await.status().as_u16(), 200);
    }
    // A session naming another insurer's credential, a name no credential has, or no name at all is refused, though
    // the edge signed it: a credential opens its own insurer's sessions only.
    let foreign = principal(INSURER, &other);
    let unknown = Principal { credential: "000000000000".into(), ..principal(INSURER, &rotated_in) };
    let unnamed = Principal { credential: String::new(), ..principal(INSURER, &rotated_in) };
    for refused in [foreign, unknown, unnamed] {
        expect_error(session_call(&origin, &refused).await, 401, "unauthorized").await;
    }
    assert_eq!(session_call(&origin, &principal(OTHER_INSURER, &other)).await.status().as_u16(), 200);
    // A day on, the one-day credential has expired and its session with it; the rotated-in one still serves.
    origin.clock.set(NOW + DAY);
    expect_error(session_call(&origin, &principal(INSURER, &daily)).await, 401, "unauthorized").await;
    assert_eq!(session_call(&origin, &principal(INSURER, &rotated_in)).await.status().as_u16(), 200);
    replica.stop().await;
    origin.stop().await;
}
on_both_databases!(a_console_session_ends_when_the_credential_it_was_opened_with_is_revoked_or_expires);
