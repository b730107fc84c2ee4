//! Request authentication and the error contract: signatures, replay, freshness, body limits, malformed input.

use onshi_proto::origin::{BY_CERTIFICATE_PATH, CERTIFICATE_STATUS_PATH};
use onshi_proto::signing::{self, MAX_SKEW_SECS};

use std::sync::Arc;
use std::time::Duration;

use onshi_origin::clock::FixedClock;
use onshi_origin::http::{AppState, RouterSettings};
use onshi_origin::key::SigningKey;
use onshi_origin::store::Store;

use crate::fixture::{Db, KEY, NOW, Origin, card_query, expect_error, fresh_nonce, serial};

fn body() -> Vec<u8> {
    serde_json::to_vec(&card_query(serial::VALID, None)).unwrap()
}

async fn audit_rows(origin: &Origin) -> usize {
    origin.store.audit_events().await.unwrap().len()
}

async fn a_correctly_signed_request_is_accepted(db: Db) {
    let origin = Origin::start(db).await;
    let body = body();
    let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &body);
    let response = origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(audit_rows(&origin).await, 1);
    origin.stop().await;
}
on_both_databases!(a_correctly_signed_request_is_accepted);

async fn a_replayed_nonce_is_refused(db: Db) {
    let origin = Origin::start(db).await;
    let body = body();
    let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &body);
    let first = origin.post_raw(BY_CERTIFICATE_PATH, body.clone(), Some(&headers)).await;
    assert_eq!(first.status().as_u16(), 200);
    // The identical request again, still inside the time window.
    origin.clock.set(NOW + 30);
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body.clone(), Some(&headers)).await, 401, "unauthorized").await;
    // A fresh signature over the same nonce is refused too: the nonce itself is single-use.
    let same_nonce = signing::sign(KEY, "POST", BY_CERTIFICATE_PATH, NOW + 30, &headers.nonce, &body).unwrap();
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&same_nonce)).await, 401, "unauthorized").await;
    assert_eq!(audit_rows(&origin).await, 1);
    origin.stop().await;
}
on_both_databases!(a_replayed_nonce_is_refused);

async fn a_request_replayed_to_another_replica_is_refused(db: Db) {
    let first = Origin::start(db).await;
    // Another origin process on the same database: its own pool, its own memory, its own port.
    let second = first.replica().await;
    let body = body();
    let headers = first.sign("POST", BY_CERTIFICATE_PATH, &body);
    assert_eq!(first.post_raw(BY_CERTIFICATE_PATH, body.clone(), Some(&headers)).await.status().as_u16(), 200);
    let replayed = second.post_raw(BY_CERTIFICATE_PATH, body.clone(), Some(&headers)).await;
    expect_error(replayed, 401, "unauthorized").await;
    // And the other way round.
    let headers = second.sign("POST", BY_CERTIFICATE_PATH, &body);
    assert_eq!(second.post_raw(BY_CERTIFICATE_PATH, body.clone(), Some(&headers)).await.status().as_u16(), 200);
    expect_error(first.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await, 401, "unauthorized").await;
    assert_eq!(audit_rows(&first).await, 2);
    second.stop().await;
    first.stop().await;
}
on_both_databases!(a_request_replayed_to_another_replica_is_refused);

async fn a_restarted_origin_refuses_a_replay(db: Db) {
    // The fixture's origin keeps the database; the one restarted is a replica of it.
    let database = Origin::start(db).await;
    let before = database.replica().await;
    let body = body();
    let headers = before.sign("POST", BY_CERTIFICATE_PATH, &body);
    assert_eq!(before.post_raw(BY_CERTIFICATE_PATH, body.clone(), Some(&headers)).await.status().as_u16(), 200);
    before.stop().await;
    // The same origin after a restart: a new process over the same database, with nothing in memory from before.
    let after = database.replica().await;
    after.clock.set(NOW + 30);
    expect_error(after.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await, 401, "unauthorized").await;
    assert_eq!(audit_rows(&after).await, 1);
    after.stop().await;
    database.stop().await;
}
on_both_databases!(a_restarted_origin_refuses_a_replay);

async fn a_request_stuck_behind_a_held_database_lock_gets_a_typed_timeout(db: Db) {
    use sqlx::Connection as _;
    let settings = RouterSettings { time_limit: Duration::from_secs(2), ..RouterSettings::default() };
    let origin = Origin::start_with(db, settings).await;
    // Another client holds the lock every answer's audit row needs, and does not let go.
    let mut holder = sqlx::AnyConnection::connect(&origin.database_url).await.unwrap();
    match db {
        Db::Sqlite => {
            sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
        }
        Db::Postgres => {
            sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
            sqlx::query("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE").execute(&mut holder).await.unwrap();
        }
    }
    let body = body();
    let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &body);
    let stuck = origin.post_raw(BY_CERTIFICATE_PATH, body.clone(), Some(&headers)).await;
    expect_error(stuck, 504, "origin_timeout").await;
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();
    // Once the lock is free, requests are answered again.
    let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &body);
    assert_eq!(origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await.status().as_u16(), 200);
    origin.stop().await;
}
on_both_databases!(a_request_stuck_behind_a_held_database_lock_gets_a_typed_timeout);

async fn a_stale_or_future_timestamp_is_refused(db: Db) {
    let origin = Origin::start(db).await;
    for timestamp in [NOW - MAX_SKEW_SECS - 1, NOW + MAX_SKEW_SECS + 1] {
        let body = body();
        let headers = signing::sign(KEY, "POST", BY_CERTIFICATE_PATH, timestamp, &fresh_nonce(), &body).unwrap();
        expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await, 401, "unauthorized").await;
    }
    // Timestamps at the ends of the integer range are refused, not a crash.
    for timestamp in [i64::MIN, i64::MAX] {
        let body = body();
        let mut headers = origin.sign("POST", BY_CERTIFICATE_PATH, &body);
        headers.timestamp = timestamp.to_string();
        expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await, 401, "unauthorized").await;
    }
    // The edges of the window are still accepted.
    for timestamp in [NOW - MAX_SKEW_SECS, NOW + MAX_SKEW_SECS] {
        let body = body();
        let headers = signing::sign(KEY, "POST", BY_CERTIFICATE_PATH, timestamp, &fresh_nonce(), &body).unwrap();
        assert_eq!(origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await.status().as_u16(), 200);
    }
    origin.stop().await;
}
on_both_databases!(a_stale_or_future_timestamp_is_refused);

async fn a_signature_made_with_another_key_is_refused(db: Db) {
    let origin = Origin::start(db).await;
    let body = body();
    let headers = signing::sign(b"some-other-key", "POST", BY_CERTIFICATE_PATH, NOW, &fresh_nonce(), &body).unwrap();
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await, 401, "unauthorized").await;
    assert_eq!(audit_rows(&origin).await, 0);
    origin.stop().await;
}
on_both_databases!(a_signature_made_with_another_key_is_refused);

async fn a_tampered_body_is_refused(db: Db) {
    let origin = Origin::start(db).await;
    let signed_body = body();
    let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &signed_body);
    // Same request, but asking about another card.
    let tampered = String::from_utf8(signed_body).unwrap().replace(serial::VALID, serial::ELDERLY).into_bytes();
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, tampered, Some(&headers)).await, 401, "unauthorized").await;
    assert_eq!(audit_rows(&origin).await, 0);
    origin.stop().await;
}
on_both_databases!(a_tampered_body_is_refused);

async fn a_signature_for_another_path_is_refused(db: Db) {
    let origin = Origin::start(db).await;
    let body = body();
    let headers = origin.sign("POST", CERTIFICATE_STATUS_PATH, &body);
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&headers)).await, 401, "unauthorized").await;
    origin.stop().await;
}
on_both_databases!(a_signature_for_another_path_is_refused);

async fn an_unsigned_request_is_refused(db: Db) {
    let origin = Origin::start(db).await;
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body(), None).await, 401, "unauthorized").await;
    expect_error(origin.post_raw(CERTIFICATE_STATUS_PATH, b"{}".to_vec(), None).await, 401, "unauthorized").await;
    // Garbage in the headers is no better than none.
    let mut garbage = origin.sign("POST", BY_CERTIFICATE_PATH, &body());
    garbage.timestamp = "yesterday".into();
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body(), Some(&garbage)).await, 401, "unauthorized").await;
    assert_eq!(audit_rows(&origin).await, 0);
    origin.stop().await;
}
on_both_databases!(an_unsigned_request_is_refused);

async fn a_refused_request_does_not_use_up_its_nonce(db: Db) {
    let origin = Origin::start(db).await;
    let body = body();
    let nonce = fresh_nonce();
    let forged = signing::sign(b"attacker-key", "POST", BY_CERTIFICATE_PATH, NOW, &nonce, &body).unwrap();
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, body.clone(), Some(&forged)).await, 401, "unauthorized").await;
    // Only verified requests are remembered, so a forger cannot block the real edge's nonces.
    let genuine = signing::sign(KEY, "POST", BY_CERTIFICATE_PATH, NOW, &nonce, &body).unwrap();
    assert_eq!(origin.post_raw(BY_CERTIFICATE_PATH, body, Some(&genuine)).await.status().as_u16(), 200);
    origin.stop().await;
}
on_both_databases!(a_refused_request_does_not_use_up_its_nonce);

async fn malformed_json_is_a_typed_bad_request(db: Db) {
    let origin = Origin::start(db).await;
    for bad in [
        &b"{not json"[..],
        b"",
        b"[]",
        br#"{"certificate":{"issuer":"CN=x","serial":"01"},"surprise":1}"#,
        br#"{"certificate":{"issuer":"CN=x","serial":"0a"}}"#,
        br#"{"certificate":{"issuer":"CN=x","serial":"01"},"facility_code":"12"}"#,
    ] {
        let headers = origin.sign("POST", BY_CERTIFICATE_PATH, bad);
        expect_error(origin.post_raw(BY_CERTIFICATE_PATH, bad.to_vec(), Some(&headers)).await, 400, "bad_request")
            .await;
    }
    assert_eq!(audit_rows(&origin).await, 0);
    origin.stop().await;
}
on_both_databases!(malformed_json_is_a_typed_bad_request);

async fn an_oversized_body_is_refused_with_413(db: Db) {
    let origin = Origin::start(db).await;
    let huge = vec![b' '; 64 * 1024 + 1];
    let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &huge);
    expect_error(origin.post_raw(BY_CERTIFICATE_PATH, huge, Some(&headers)).await, 413, "payload_too_large").await;
    // Exactly at the limit the body is read (and then judged as JSON).
    let padded = {
        let mut body = body();
        body.resize(64 * 1024, b' ');
        body
    };
    let headers = origin.sign("POST", BY_CERTIFICATE_PATH, &padded);
    assert_eq!(origin.post_raw(BY_CERTIFICATE_PATH, padded, Some(&headers)).await.status().as_u16(), 200);
    origin.stop().await;
}
on_both_databases!(an_oversized_body_is_refused_with_413);

async fn unknown_routes_and_methods_are_not_found(db: Db) {
    let origin = Origin::start(db).await;
    let get = |path: &str| origin.client.get(format!("{}{path}", origin.base)).send();
    expect_error(get("/v1/nothing-here").await.unwrap(), 404, "not_found").await;
    expect_error(get(BY_CERTIFICATE_PATH).await.unwrap(), 404, "not_found").await;
    origin.stop().await;
}
on_both_databases!(unknown_routes_and_methods_are_not_found);

async fn health_is_open_and_uncached(db: Db) {
    let origin = Origin::start(db).await;
    let response = origin.client.get(format!("{}/health", origin.base)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    assert_eq!(response.json::<serde_json::Value>().await.unwrap(), serde_json::json!({"status": "ok"}));
    origin.stop().await;
}
on_both_databases!(health_is_open_and_uncached);

#[tokio::test]
async fn the_application_state_never_prints_the_key() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let state = AppState::new(store, Arc::new(FixedClock::new(NOW)), SigningKey::new(KEY.to_vec()).unwrap());
    let printed = format!("{state:?}");
    assert!(!printed.contains(std::str::from_utf8(KEY).unwrap()), "{printed}");
    assert!(printed.contains("SigningKey(<redacted>)"));
    state.store().close().await;
}
