//! The insurer routes as the edge calls them for an insurer console session: signed by the edge for one insurer
//! (`x-onshi-insurer`, covered by the signature) instead of carrying the insurer's bearer token. The insurer a
//! request names cannot be swapped, a request cannot be replayed, and a session of one insurer reads nothing of
//! another's, nor can the clerk a decision is recorded under be changed on the way. Every test runs on both
//! databases.

use onshi_origin::key::token_sha256;
use onshi_proto::credential_name::CredentialName;
use onshi_proto::insurer::DECIDED_BY_HEADER;
use onshi_proto::signing::{
    self, INSURER_CREDENTIAL_HEADER, INSURER_HEADER, INSURER_SESSION_HEADER, NONCE_HEADER, Principal, SIGNATURE_HEADER,
    SignatureHeaders, TIMESTAMP_HEADER,
};
use serde_json::{Value, json};

use crate::fixture::{Db, KEY, NOW, Origin, expect_error, fresh_nonce};
use crate::insurer_console::{A, B, by_number, notice_id, seed_scenarios};

/// The edge's signature for `principal` over one request.
pub(crate) fn sign_for(
    origin: &Origin,
    principal: &Principal,
    method: &str,
    path: &str,
    body: &[u8],
) -> SignatureHeaders {
    signing::sign_for_insurer(KEY, method, path, origin.clock_now(), &fresh_nonce(), body, principal).unwrap()
}

/// 鈴木, percent-encoded as the edge sends a clerk's name.
const SUZUKI: &str = "%E9%88%B4%E6%9C%A8";

/// The public name of `token`, as the origin names it in the answer the edge's sign-in reads.
pub(crate) fn credential_of(token: &str) -> String {
    CredentialName::of_sha256(&token_sha256(token)).as_str().to_owned()
}

/// A console session of `insurer` opened with its credential `token`, as the edge names it.
pub(crate) fn principal(insurer: &str, token: &str) -> Principal {
    Principal {
        insurer: insurer.to_owned(),
        session: "edge-session-1".to_owned(),
        clerk: SUZUKI.to_owned(),
        credential: credential_of(token),
    }
}

/// Sends one edge-signed request naming `named` in its headers; `headers` may have been signed for someone else
/// (an attack).
pub(crate) async fn send(
    origin: &Origin,
    method: &str,
    path: &str,
    body: Option<Value>,
    named: &Principal,
    headers: &SignatureHeaders,
) -> reqwest::Response {
    let url = format!("{}{path}", origin.base);
    let mut request = if method == "GET" { origin.client.get(url) } else { origin.client.post(url) };
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(serde_json::to_vec(&body).unwrap());
    }
    request
        .header(INSURER_HEADER, &named.insurer)
        .header(INSURER_SESSION_HEADER, &named.session)
        .header(DECIDED_BY_HEADER, &named.clerk)
        .header(INSURER_CREDENTIAL_HEADER, &named.credential)
        .header(TIMESTAMP_HEADER, &headers.timestamp)
        .header(NONCE_HEADER, &headers.nonce)
        .header(SIGNATURE_HEADER, &headers.signature)
        .send()
        .await
        .unwrap()
}

async fn get_for(origin: &Origin, insurer: &str, token: &str, path: &str) -> Value {
    let principal = principal(insurer, token);
    let headers = sign_for(origin, &principal, "GET", path, b"");
    let response = send(origin, "GET", path, None, &principal, &headers).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.json().await.unwrap()
}

async fn the_edge_speaks_for_one_insurer_and_its_clerk_resolves_a_hold(db: Db) {
    let origin = Origin::start(db).await;
    let (a, b) = seed_scenarios(&origin).await;
    // The summary names the insurer it is of: how the edge's sign-in learns whose credential was typed. Asked with
    // the credential itself, it names that credential too, which the session is bound to; asked for a session, no
    // credential.
    let signing_in: Value = origin.get_with("/insurer/v1/holds", &a).await.json().await.unwrap();
    assert_eq!(signing_in["credential"].as_str(), Some(credential_of(&a).as_str()), "{signing_in}");
    let holds = get_for(&origin, A, &a, "/insurer/v1/holds").await;
    assert_eq!((holds["insurer_number"].as_str(), holds["open"].as_u64()), (Some(A), Some(2)));
    assert!(holds.get("credential").is_none(), "{holds}");
    let page = get_for(&origin, A, &a, "/insurer/v1/notices?kind=suspected_twin").await;
    let twin = notice_id(&page, 4, "suspected_twin");
    let detail = get_for(&origin, A, &a, &format!("/insurer/v1/notices/{twin}")).await;
    let person = detail["member"]["person_id"].as_str().unwrap().to_owned();
    // B's session sees none of it: not the notice, not the hold, not a notice in its inbox about A's rows.
    let b_principal = principal(B, &b);
    let path = format!("/insurer/v1/notices/{twin}");
    let headers = sign_for(&origin, &b_principal, "GET", &path, b"");
    expect_error(send(&origin, "GET", &path, None, &b_principal, &headers).await, 404, "not_found").await;
    let b_page = get_for(&origin, B, &b, "/insurer/v1/notices").await;
    assert!(!b_page.to_string().contains(&twin), "{b_page}");
    assert_eq!(get_for(&origin, B, &b, "/insurer/v1/holds").await["open"], 0);
    // The clerk resolves the twin hold with a reason; the decision is recorded under the clerk's name.
    assert_eq!(by_number(&origin, A, "5004", "2004-08-04").await, 423);
    let a_principal = principal(A, &a);
    let path = format!("/insurer/v1/holds/{person}/resolution");
    let body = json!({"resolution": "no_suspicion", "reason": "双子の弟。本人に電話で確認済み"});
    let bytes = serde_json::to_vec(&body).unwrap();
    // B's session cannot resolve A's hold.
    let headers = sign_for(&origin, &b_principal, "POST", &path, &bytes);
    expect_error(send(&origin, "POST", &path, Some(body.clone()), &b_principal, &headers).await, 404, "not_found")
        .await;
    assert_eq!(by_number(&origin, A, "5004", "2004-08-04").await, 423);
    let headers = sign_for(&origin, &a_principal, "POST", &path, &bytes);
    let url = format!("{}{path}", origin.base);
    let answer: Value = origin
        .client
        .post(url)
        .header("content-type", "application/json")
        .header(DECIDED_BY_HEADER, SUZUKI)
        .header(INSURER_HEADER, &a_principal.insurer)
        .header(INSURER_SESSION_HEADER, &a_principal.session)
        .header(INSURER_CREDENTIAL_HEADER, &a_principal.credential)
        .header(TIMESTAMP_HEADER, &headers.timestamp)
        .header(NONCE_HEADER, &headers.nonce)
        .header(SIGNATURE_HEADER, &headers.signature)
        .body(bytes)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "released");
    assert_eq!(by_number(&origin, A, "5004", "2004-08-04").await, 200);
    let detail = get_for(&origin, A, &a, &format!("/insurer/v1/notices/{twin}")).await;
    assert_eq!(detail["decisions"][0]["decided_by"], "鈴木");
    origin.stop().await;
}
on_both_databases!(the_edge_speaks_for_one_insurer_and_its_clerk_resolves_a_hold);

async fn a_swapped_insurer_a_replay_a_stray_bearer_or_a_bad_signature_is_refused(db: Db) {
    let origin = Origin::start(db).await;
    let (a, b) = seed_scenarios(&origin).await;
    let path = "/insurer/v1/holds";
    let a_principal = principal(A, &a);
    // Signed for A, sent naming B: the signature no longer holds.
    let headers = sign_for(&origin, &a_principal, "GET", path, b"");
    expect_error(send(&origin, "GET", path, None, &principal(B, &b), &headers).await, 401, "unauthorized").await;
    // Another session under the same insurer: refused too, the session is signed.
    let other_session = Principal { session: "edge-session-2".into(), ..a_principal.clone() };
    let headers = sign_for(&origin, &a_principal, "GET", path, b"");
    expect_error(send(&origin, "GET", path, None, &other_session, &headers).await, 401, "unauthorized").await;
    // Another clerk's name put in after the edge signed: refused, the clerk is signed.
    let other_clerk = Principal { clerk: "%E4%BD%90%E8%97%A4".into(), ..a_principal.clone() }; // 佐藤
    let headers = sign_for(&origin, &a_principal, "GET", path, b"");
    expect_error(send(&origin, "GET", path, None, &other_clerk, &headers).await, 401, "unauthorized").await;
    // A good request answers once; the same headers again are a replay.
    let headers = sign_for(&origin, &a_principal, "GET", path, b"");
    assert_eq!(send(&origin, "GET", path, None, &a_principal, &headers).await.status().as_u16(), 200);
    expect_error(send(&origin, "GET", path, None, &a_principal, &headers).await, 401, "unauthorized").await;
    // A plain edge signature (no insurer in it) does not pass for one that names the insurer.
    let plain = origin.sign("GET", path, b"");
    expect_error(send(&origin, "GET", path, None, &a_principal, &plain).await, 401, "unauthorized").await;
    // An insurer's bearer token beside an edge signature: refused, whose insurer would it be?
    let headers = sign_for(&origin, &principal(B, &b), "GET", path, b"");
    let response = origin
        .client
        .get(format!("{}{path}", origin.base))
        .bearer_auth(&a)
        .header(INSURER_HEADER, B)
        .header(INSURER_SESSION_HEADER, "edge-session-1")
        .header(DECIDED_BY_HEADER, SUZUKI)
        .header(TIMESTAMP_HEADER, &headers.timestamp)
        .header(NONCE_HEADER, &headers.nonce)
        .header(SIGNATURE_HEADER, &headers.signature)
        .send()
        .await
        .unwrap();
    expect_error(response, 401, "unauthorized").await;
    // A stale signature, and a malformed insurer, are refused.
    let headers = sign_for(&origin, &a_principal, "GET", path, b"");
    origin.clock.set(NOW + 3_600);
    expect_error(send(&origin, "GET", path, None, &a_principal, &headers).await, 401, "unauthorized").await;
    let bad = Principal { insurer: "1234567".into(), ..a_principal.clone() };
    let headers = sign_for(&origin, &bad, "GET", path, b"");
    expect_error(send(&origin, "GET", path, None, &bad, &headers).await, 401, "unauthorized").await;
    // The insurer's own bearer token still works as before.
    assert_eq!(origin.get_with(path, &a).await.status().as_u16(), 200);
    origin.stop().await;
}
on_both_databases!(a_swapped_insurer_a_replay_a_stray_bearer_or_a_bad_signature_is_refused);

async fn a_batch_the_edge_signs_for_an_insurer_is_that_insurers_and_its_size_is_bounded(db: Db) {
    let origin = Origin::start(db).await;
    let (a, b) = seed_scenarios(&origin).await;
    let a_principal = principal(A, &a);
    let row = crate::fixture::acquire("5100", "555555555557", "資格　次郎", "ｼｶｸ ｼﾞﾛｳ", "2004-08-04", "大阪府");
    let body = crate::fixture::ndjson(&[row]);
    let path = "/insurer/v1/batches";
    let headers = sign_for(&origin, &a_principal, "POST", path, body.as_bytes());
    let upload = |headers: SignatureHeaders, body: Vec<u8>, principal: Principal| {
        origin
            .client
            .post(format!("{}{path}", origin.base))
            .header("content-type", "application/x-ndjson")
            .header(INSURER_HEADER, principal.insurer)
            .header(INSURER_SESSION_HEADER, principal.session)
            .header(DECIDED_BY_HEADER, principal.clerk)
            .header(INSURER_CREDENTIAL_HEADER, principal.credential)
            .header(TIMESTAMP_HEADER, headers.timestamp)
            .header(NONCE_HEADER, headers.nonce)
            .header(SIGNATURE_HEADER, headers.signature)
            .body(body)
            .send()
    };
    let report: Value =
        upload(headers, body.clone().into_bytes(), a_principal.clone()).await.unwrap().json().await.unwrap();
    let batch_id = report["batch_id"].as_str().unwrap().to_owned();
    assert_eq!(report["records_registered"], 1);
    // The batch is A's: A's own credential finds it, B's does not.
    let a_batches: Value = origin.get_with(path, &a).await.json().await.unwrap();
    let b_batches: Value = origin.get_with(path, &b).await.json().await.unwrap();
    assert!(a_batches.to_string().contains(&batch_id) && !b_batches.to_string().contains(&batch_id));
    // A body past the edge's batch limit did not come from the edge: refused unread.
    let huge = vec![b'x'; onshi_proto::insurer::MAX_EDGE_BATCH_BYTES + 1];
    let headers = sign_for(&origin, &a_principal, "POST", path, &huge);
    expect_error(upload(headers, huge, a_principal).await.unwrap(), 413, "payload_too_large").await;
    origin.stop().await;
}
on_both_databases!(a_batch_the_edge_signs_for_an_insurer_is_that_insurers_and_its_size_is_bounded);

/// Holds the database's write lock the way a running batch does (on SQLite its transaction is the one writer; on
/// PostgreSQL the nonce table is locked against writers), until `release` is sent.
async fn hold_writers(
    database_url: String,
    held: tokio::sync::oneshot::Sender<()>,
    release: tokio::sync::oneshot::Receiver<()>,
) {
    use sqlx::Connection as _;
    if database_url.starts_with("sqlite") {
        let mut connection = sqlx::SqliteConnection::connect(&database_url).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE").execute(&mut connection).await.unwrap();
        held.send(()).unwrap();
        release.await.unwrap();
        sqlx::query("ROLLBACK").execute(&mut connection).await.unwrap();
    } else {
        let mut connection = sqlx::PgConnection::connect(&database_url).await.unwrap();
        let mut transaction = connection.begin().await.unwrap();
        sqlx::query("LOCK TABLE request_nonces IN EXCLUSIVE MODE").execute(&mut *transaction).await.unwrap();
        held.send(()).unwrap();
        release.await.unwrap();
        transaction.rollback().await.unwrap();
    }
}

async fn the_progress_of_a_batch_is_answered_while_a_writer_holds_the_database_and_is_not_replayed(db: Db) {
    use onshi_proto::insurer::{BatchProgress, ORIGIN_BATCH_PROGRESS_PATH, RowsRead};
    let origin = Origin::start(db).await;
    let a = origin.insurer_token(A).await;
    let b = origin.insurer_token(B).await;
    // A batch of A's runs in this process: 500 rows read, 2 refused.
    let now = origin.clock_now();
    let lock = origin.store.try_lock_insurer_batch(A, now, now + 60).await.unwrap().unwrap();
    lock.progress().reading(RowsRead::new(500, 2).unwrap());
    // The batch's transaction holds the database: a poll that wrote its nonce there would wait for its commit.
    let (held, release) = (tokio::sync::oneshot::channel(), tokio::sync::oneshot::channel());
    let writer = tokio::spawn(hold_writers(origin.database_url.clone(), held.0, release.1));
    held.1.await.unwrap();
    let a_principal = principal(A, &a);
    let headers = sign_for(&origin, &a_principal, "GET", ORIGIN_BATCH_PROGRESS_PATH, b"");
    let poll = send(&origin, "GET", ORIGIN_BATCH_PROGRESS_PATH, None, &a_principal, &headers);
    // Bounded so that a poll stuck behind the writer fails the test instead of hanging it.
    let Ok(answer) = tokio::time::timeout(std::time::Duration::from_secs(30), poll).await else {
        panic!("the poll waited for the writer");
    };
    assert_eq!(answer.status().as_u16(), 200);
    let progress: BatchProgress = answer.json().await.unwrap();
    assert_eq!(progress, BatchProgress::Reading(RowsRead::new(500, 2).unwrap()));
    // The same signed poll sent again is a replay, refused though its nonce was never written to the database.
    let replay = send(&origin, "GET", ORIGIN_BATCH_PROGRESS_PATH, None, &a_principal, &headers).await;
    expect_error(replay, 401, "unauthorized").await;
    // B's session, polling at the same moment, sees no batch.
    let b_principal = principal(B, &b);
    let b_headers = sign_for(&origin, &b_principal, "GET", ORIGIN_BATCH_PROGRESS_PATH, b"");
    let b_answer = send(&origin, "GET", ORIGIN_BATCH_PROGRESS_PATH, None, &b_principal, &b_headers).await;
    assert_eq!(b_answer.json::<BatchProgress>().await.unwrap(), BatchProgress::None);
    release.0.send(()).unwrap();
    writer.await.unwrap();
    lock.release().await.unwrap();
    assert_eq!(
        get_for(&origin, A, &a, ORIGIN_BATCH_PROGRESS_PATH).await,
        serde_json::to_value(BatchProgress::None).unwrap()
    );
    origin.stop().await;
}
on_both_databases!(the_progress_of_a_batch_is_answered_while_a_writer_holds_the_database_and_is_not_replayed);
