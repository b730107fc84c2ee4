//! What one insurer can make the origin hold: a refusal of a huge bad file is small, one insurer runs one batch at
//! a time on every replica (and a second upload is refused before its body is read), and its batches and
//! notifications come a bounded page at a time. Every test runs on both databases.

use onshi_origin::individual_number::check_digit;
use onshi_origin::store::Store;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::fixture::{Db, NOW, Origin, expect_error};

const INSURER: &str = "33120015";

/// An acquisition whose 個人番号 is unknown to 住基 (so it raises notifications) with 番号 `number`.
pub(crate) fn unknown_person(number: u32) -> Value {
    let base = format!("{:011}", 50_000_000_000_u64 + u64::from(number));
    let individual_number = format!("{base}{}", check_digit(&base).unwrap());
    json!({
        "op": "acquire", "individual_number": individual_number, "name": "資格　花子", "name_kana": "ｼｶｸ ﾊﾅｺ",
        "birth_date": "1989-09-13", "sex": "female", "address": "東京都千代田区霞が関1-2-3", "symbol": "10",
        "number": number.to_string(), "branch": "00", "personal_family": "insured",
        "qualification_date": "2026-04-01", "partial_contribution_percent": 30
    })
}

async fn a_large_body_of_malformed_lines_gets_a_bounded_answer(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    // Two bytes a line, each one an error: 2,000,000 entries in one answer would be tens of MiB.
    let lines = 2_000_000_u64;
    let response = origin.upload(&token, "application/x-ndjson", &"0\n".repeat(lines as usize)).await;
    assert_eq!(response.status().as_u16(), 400);
    let body = response.bytes().await.unwrap();
    assert!(body.len() < 1024 * 1024, "the refusal is {} bytes", body.len());
    let rejection: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rejection["error"], "bad_request");
    let rows = rejection["rows"].as_array().unwrap();
    assert!(rows.len() <= 1_000 && !rows.is_empty(), "{} rows listed", rows.len());
    assert_eq!(rows[0], json!({"line": 1, "code": "malformed"}));
    assert_eq!(rejection["total_errors"], lines);
    assert_eq!(rejection["errors_by_code"], json!({"malformed": lines}));
    // The same through CSV: rows with the wrong number of cells.
    let csv = format!("op,number,symbol\n{}", "lose\n".repeat(100_000));
    let rejection: Value = origin.upload(&token, "text/csv", &csv).await.json().await.unwrap();
    assert_eq!(
        (rejection["rows"].as_array().unwrap().len(), rejection["total_errors"].as_u64()),
        (1_000, Some(100_000))
    );
    assert_eq!(origin.store.count_rows("insurer_batches").await.unwrap(), 0);
    origin.stop().await;
}
on_both_databases!(a_large_body_of_malformed_lines_gets_a_bounded_answer);

/// Opens a raw HTTP/1.1 upload of `length` bytes that asks to be told to go on (`Expect: 100-continue`), and returns
/// the connection with what the origin first answered: `100 Continue` once the handler started reading the body,
/// or its final answer.
pub(crate) async fn start_upload(origin: &Origin, token: &str, length: usize) -> (TcpStream, String) {
    let address = origin.base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /insurer/v1/batches HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/x-ndjson\r\ncontent-length: {length}\r\nexpect: 100-continue\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let first = read_head(&mut stream).await;
    (stream, first)
}

/// Reads one response head (up to its blank line).
pub(crate) async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0_u8];
        assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "connection closed after {head:?}");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

async fn a_second_batch_of_the_same_insurer_is_refused_while_the_first_runs(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    let body = format!("{}\n", unknown_person(7001));
    // The first upload's handler holds the lock as soon as it asks for the body.
    let (mut first, answer) = start_upload(&origin, &token, body.len()).await;
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
    // A second upload of the same insurer is refused at once, without its body being asked for.
    let (_second, answer) = start_upload(&origin, &token, body.len()).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    expect_error(origin.upload(&token, "application/x-ndjson", &body).await, 429, "rate_limited").await;
    // Another insurer is not held up.
    let other = origin.insurer_token("01130012").await;
    let response = origin.upload(&other, "application/x-ndjson", &format!("{}\n", unknown_person(7002))).await;
    assert_eq!(response.status().as_u16(), 200);
    // The first upload finishes, and the lock goes with it.
    first.write_all(body.as_bytes()).await.unwrap();
    assert!(read_head(&mut first).await.starts_with("HTTP/1.1 200"));
    let again = format!("{}\n", unknown_person(7003));
    assert_eq!(origin.upload(&token, "application/x-ndjson", &again).await.status().as_u16(), 200);
    origin.stop().await;
}
on_both_databases!(a_second_batch_of_the_same_insurer_is_refused_while_the_first_runs);

async fn the_batch_lock_holds_across_replicas_and_expires(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    // Another replica, on the same database, is running a batch of this insurer.
    let replica = Store::connect(&origin.database_url).await.unwrap();
    let held = replica.try_lock_insurer_batch(INSURER, NOW, NOW + 60).await.unwrap().unwrap();
    let body = format!("{}\n", unknown_person(7101));
    expect_error(origin.upload(&token, "application/x-ndjson", &body).await, 429, "rate_limited").await;
    assert!(replica.try_lock_insurer_batch(INSURER, NOW, NOW + 60).await.unwrap().is_none());
    held.release().await.unwrap();
    assert_eq!(origin.upload(&token, "application/x-ndjson", &body).await.status().as_u16(), 200);
    // A holder that died leaves its row; once its expiry has passed the next batch takes it over.
    let dead = replica.try_lock_insurer_batch(INSURER, NOW, NOW + 60).await.unwrap().unwrap();
    std::mem::forget(dead);
    let body = format!("{}\n", unknown_person(7102));
    expect_error(origin.upload(&token, "application/x-ndjson", &body).await, 429, "rate_limited").await;
    origin.clock.set(NOW + 61);
    assert_eq!(origin.upload(&token, "application/x-ndjson", &body).await.status().as_u16(), 200);
    replica.close().await;
    origin.stop().await;
}
on_both_databases!(the_batch_lock_holds_across_replicas_and_expires);

async fn pagination_walks_every_notification_exactly_once(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    for batch in 0..2 {
        let body: String = (0..12).map(|index| format!("{}\n", unknown_person(8000 + batch * 100 + index))).collect();
        assert_eq!(origin.upload(&token, "application/x-ndjson", &body).await.status().as_u16(), 200);
        origin.clock.set(NOW + 1 + i64::from(batch));
    }
    let all: Value = origin.get_with("/insurer/v1/notifications?limit=1000", &token).await.json().await.unwrap();
    let all: Vec<String> =
        all["notifications"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
    assert!(all.len() >= 24, "{} notifications", all.len());
    let total = origin.store.count_rows("insurer_notifications").await.unwrap();
    assert_eq!(all.len(), usize::try_from(total).unwrap());
    let (mut walked, mut after, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &after {
            Some(cursor) => format!("/insurer/v1/notifications?limit=7&after={cursor}"),
            None => "/insurer/v1/notifications?limit=7".to_owned(),
        };
        let page: Value = origin.get_with(&path, &token).await.json().await.unwrap();
        let notes = page["notifications"].as_array().unwrap();
        assert!(notes.len() <= 7);
        walked.extend(notes.iter().map(|n| n["id"].as_str().unwrap().to_owned()));
        pages += 1;
        match page.get("next").and_then(Value::as_str) {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(walked, all);
    assert_eq!(pages, all.len().div_ceil(7));
    // Without a limit a page holds at most the default.
    let page: Value = origin.get_with("/insurer/v1/notifications", &token).await.json().await.unwrap();
    assert_eq!(page["notifications"].as_array().unwrap().len(), all.len().min(100));
    for bad in ["limit=0", "limit=1001", "after=1.2.3", "after=x.y.z.w", "limit=seven"] {
        let response = origin.get_with(&format!("/insurer/v1/notifications?{bad}"), &token).await;
        expect_error(response, 400, "bad_request").await;
    }
    origin.stop().await;
}
on_both_databases!(pagination_walks_every_notification_exactly_once);

/// Lists the insurer's batches at `path` and returns the page's batch ids and its `next`, checking the answer's
/// status and that each listed batch says when it was applied.
async fn batch_page(origin: &Origin, token: &str, path: &str) -> (Vec<String>, Option<String>) {
    let response = origin.get_with(path, token).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let page: Value = response.json().await.unwrap();
    let ids = page["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|batch| {
            assert!(batch["received_at"].as_i64().is_some(), "{batch}");
            batch["id"].as_str().unwrap().to_owned()
        })
        .collect();
    (ids, page.get("next").and_then(Value::as_str).map(str::to_owned))
}

async fn the_batch_listing_answers_the_newest_a_page_at_a_time_and_pages_back_through_the_rest(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token(INSURER).await;
    // More batches than a default page holds, three to a second so the cursor must also order within a second.
    let mut sent: Vec<(i64, String)> = Vec::new();
    for index in 0..103_u32 {
        let received_at = NOW + i64::from(index / 3);
        origin.clock.set(received_at);
        let response =
            origin.upload(&token, "application/x-ndjson", &format!("{}\n", unknown_person(9000 + index))).await;
        assert_eq!(response.status().as_u16(), 200);
        let report: Value = response.json().await.unwrap();
        sent.push((received_at, report["batch_id"].as_str().unwrap().to_owned()));
    }
    sent.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let newest_first: Vec<String> = sent.iter().map(|(_, id)| id.clone()).collect();

    // Without a limit the first page holds the default 100, the newest, and names where the older ones start.
    let (first, next) = batch_page(&origin, &token, "/insurer/v1/batches").await;
    assert_eq!(first, newest_first[..100]);
    let (rest, last) = batch_page(&origin, &token, &format!("/insurer/v1/batches?before={}", next.unwrap())).await;
    assert_eq!((rest.as_slice(), last), (&newest_first[100..], None));

    // Pages of 7 walk every batch exactly once, newest first, even with a batch applied halfway through.
    let (mut walked, mut before, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &before {
            Some(cursor) => format!("/insurer/v1/batches?limit=7&before={cursor}"),
            None => "/insurer/v1/batches?limit=7".to_owned(),
        };
        let (ids, next) = batch_page(&origin, &token, &path).await;
        assert!(ids.len() <= 7, "{} batches in a page of 7", ids.len());
        walked.extend(ids);
        pages += 1;
        if pages == 2 {
            origin.clock.set(NOW + 1_000);
            let late = origin.upload(&token, "application/x-ndjson", &format!("{}\n", unknown_person(9900))).await;
            assert_eq!(late.status().as_u16(), 200);
        }
        match next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(walked, newest_first);
    assert_eq!(pages, newest_first.len().div_ceil(7));
    // The batch applied while paging heads the next listing.
    let (first, _) = batch_page(&origin, &token, "/insurer/v1/batches?limit=1").await;
    assert!(!newest_first.contains(&first[0]), "{first:?}");

    // Another insurer lists none of these.
    let other = origin.insurer_token("01130012").await;
    assert_eq!(batch_page(&origin, &other, "/insurer/v1/batches").await, (Vec::new(), None));

    // A page size out of range or a cursor this listing did not write is refused, as a typed error.
    for bad in [
        "limit=0",
        "limit=1001",
        "limit=seven",
        "before=",
        "before=1.2.3",
        "before=abc",
        "before=05.x",
        "before=5.a%27--",
    ] {
        let response = origin.get_with(&format!("/insurer/v1/batches?{bad}"), &token).await;
        expect_error(response, 400, "bad_request").await;
    }
    origin.stop().await;
}
on_both_databases!(the_batch_listing_answers_the_newest_a_page_at_a_time_and_pages_back_through_the_rest);
