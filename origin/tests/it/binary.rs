//! The built `onshi-origin` executable: its command line, its one stdout line, and its graceful stop.

use std::process::Stdio;
use std::time::Duration;

use onshi_proto::origin::{BY_CERTIFICATE_PATH, CardQualificationQuery};
use onshi_proto::qualification::{QualificationAnswer, Validity};
use onshi_proto::signing;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

use crate::fixture::{Db, card_query, demo_cards_path, fresh_database_url, fresh_nonce, serial};

const BINARY: &str = env!("CARGO_BIN_EXE_onshi-origin");
const KEY: &str = "binary-test-signing-key-of-32-bytes!";

/// The request key the origin started with [`KEY`] and no audience signs with.
fn request_key() -> zeroize::Zeroizing<[u8; 32]> {
    signing::request_key(KEY.as_bytes(), &signing::Audience::default()).unwrap()
}
/// An upper bound for a step that should take milliseconds, so a broken build fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(60);

/// The binary serving the demo population on a free port with `environment` on top of [`KEY`]; its stdout after
/// the first line, and the base URL that line names.
async fn serve(
    dir: &tempfile::TempDir,
    environment: &[(&str, &str)],
) -> (tokio::process::Child, BufReader<tokio::process::ChildStdout>, String) {
    let database = format!("sqlite://{}", dir.path().join("origin.db").display());
    let mut child = Command::new(BINARY)
        .args(["serve", "--database", &database, "--listen", "127.0.0.1:0", "--demo", "--seed-demo"])
        .arg(demo_cards_path())
        .env("ONSHI_ORIGIN_SIGNING_KEY", KEY)
        .envs(environment.iter().copied())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(PATIENCE, stdout.read_line(&mut line)).await.unwrap().unwrap();
    let base = line
        .strip_suffix('\n')
        .and_then(|l| l.strip_prefix("onshi-origin listening on "))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, stdout, base)
}

/// A card lookup of the demo's valid card, signed with `key`.
async fn look_up_valid_card(client: &reqwest::Client, base: &str, key: &[u8]) -> reqwest::Response {
    let query = CardQualificationQuery { device_id: None, ..card_query(serial::VALID, None) };
    let body = serde_json::to_vec(&query).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let headers = signing::sign(key, "POST", BY_CERTIFICATE_PATH, now, &fresh_nonce(), &body).unwrap();
    client
        .post(format!("{base}{BY_CERTIFICATE_PATH}"))
        .header(signing::TIMESTAMP_HEADER, headers.timestamp)
        .header(signing::NONCE_HEADER, headers.nonce)
        .header(signing::SIGNATURE_HEADER, headers.signature)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_binary_starts_prints_its_line_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut stdout, base) = serve(&dir, &[]).await;
    let port: u16 = base.strip_prefix("http://127.0.0.1:").unwrap().parse().unwrap();
    assert_ne!(port, 0);

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let health: serde_json::Value = client.get(format!("{base}/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health, serde_json::json!({"status": "ok"}));

    // The seeded demo population answers a request signed with the key from the environment, on the real clock.
    let response = look_up_valid_card(&client, &base, request_key().as_ref()).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.json::<QualificationAnswer>().await.unwrap().validity, Validity::Valid);

    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(PATIENCE, child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "exit status {status:?}");
    // Exactly one line was printed to stdout.
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "");
}

#[tokio::test]
async fn an_origin_named_for_one_deployment_refuses_requests_signed_for_another_with_the_same_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (_child, _stdout, base) = serve(&dir, &[("ONSHI_ORIGIN_AUDIENCE", "staging")]).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let for_audience =
        |audience: &str| signing::request_key(KEY.as_bytes(), &signing::Audience::parse(audience).unwrap()).unwrap();
    // Signed for the default deployment, for production, and with the secret itself: each refused.
    for wrong in [request_key().to_vec(), for_audience("production").to_vec(), KEY.as_bytes().to_vec()] {
        let response = look_up_valid_card(&client, &base, &wrong).await;
        assert_eq!(response.status().as_u16(), 401);
    }
    let response = look_up_valid_card(&client, &base, for_audience("staging").as_ref()).await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn the_binary_refuses_to_start_without_a_usable_signing_key() {
    for key in [None, Some(""), Some("fifteen-bytes!!"), Some("thirty-one-bytes-is-still-short")] {
        let dir = tempfile::tempdir().unwrap();
        let database_path = dir.path().join("origin.db");
        let mut command = Command::new(BINARY);
        command.args(["serve", "--database", &format!("sqlite://{}", database_path.display())]);
        match key {
            Some(key) => command.env("ONSHI_ORIGIN_SIGNING_KEY", key),
            None => command.env_remove("ONSHI_ORIGIN_SIGNING_KEY"),
        };
        let output = tokio::time::timeout(PATIENCE, command.output()).await.unwrap().unwrap();
        assert_eq!(output.status.code(), Some(2), "key {key:?}");
        assert!(output.stdout.is_empty());
        assert!(String::from_utf8_lossy(&output.stderr).contains("ONSHI_ORIGIN_SIGNING_KEY"));
        assert!(!database_path.exists(), "no database is created by a refused start");
    }
}

#[tokio::test]
async fn a_bad_command_line_is_a_usage_error() {
    let output = Command::new(BINARY).args(["serve", "--listen", "nowhere"]).output();
    let output = tokio::time::timeout(PATIENCE, output).await.unwrap().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: onshi-origin serve"));
}

/// Starts the binary on `database` with an admin token; returns the child and its base URL.
async fn start_binary(database: &str) -> (tokio::process::Child, String) {
    let mut child = Command::new(BINARY)
        .args(["serve", "--database", database, "--listen", "127.0.0.1:0"])
        .env("ONSHI_ORIGIN_SIGNING_KEY", KEY)
        .env("ONSHI_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(PATIENCE, stdout.read_line(&mut line)).await.unwrap().unwrap();
    let base = line.trim_end().strip_prefix("onshi-origin listening on ").unwrap().to_owned();
    (child, base)
}

const ADMIN_TOKEN: &str = "binary-test-admin-token-0123456789";

/// `count` 資格取得 rows with valid, distinct 個人番号, numbered from `first`.
fn batch_rows(first: u64, count: u64) -> String {
    let mut body = String::new();
    for index in first..first + count {
        let base = format!("{:011}", 10_000_000_000 + index);
        let check = onshi_origin::individual_number::check_digit(&base).unwrap();
        body.push_str(&format!(
            "{{\"op\":\"acquire\",\"individual_number\":\"{base}{check}\",\"name\":\"試験　{index}\",\"name_kana\":\"ｼｹﾝ ﾀﾛｳ\",\
             \"birth_date\":\"1980-01-01\",\"sex\":\"male\",\"address\":\"東京都千代田区1-1\",\"symbol\":\"1\",\
             \"number\":\"{index}\",\"branch\":\"00\",\"qualification_date\":\"2026-04-01\",\"partial_contribution_percent\":30}}\n"
        ));
    }
    body
}

async fn a_kill_during_a_batch_import_keeps_every_acknowledged_batch_and_nothing_of_the_cut_one(db: Db) {
    use tokio::io::AsyncWriteExt as _;
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database_url(db, dir.path()).await;
    let (mut child, base) = start_binary(&database).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let created: serde_json::Value = client
        .post(format!("{base}/admin/v1/insurers"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({"insurer_number": "33120015", "name": "耐久試験保険者"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    // Two batches acknowledged…
    let mut acknowledged = Vec::new();
    for first in [0, 100] {
        let response = client
            .post(format!("{base}/insurer/v1/batches"))
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .body(batch_rows(first, 100))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let report: serde_json::Value = response.json().await.unwrap();
        acknowledged.push(report["batch_id"].as_str().unwrap().to_owned());
    }
    // …then a large one, written whole onto the socket, and the process killed without reading any answer.
    let large = batch_rows(1_000, 20_000);
    let address = base.strip_prefix("http://").unwrap();
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /insurer/v1/batches HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/x-ndjson\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        large.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(large.as_bytes()).await.unwrap();
    socket.flush().await.unwrap();
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(PATIENCE, child.wait()).await.unwrap().unwrap();
    assert!(!status.success());
    drop(socket);

    // After a restart, both acknowledged batches are wholly there and the cut one is wholly absent.
    let (mut child, base) = start_binary(&database).await;
    let page: serde_json::Value = client
        .get(format!("{base}/insurer/v1/batches"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> =
        page["batches"].as_array().unwrap().iter().map(|batch| batch["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    for id in &acknowledged {
        assert!(ids.contains(id));
        let report: serde_json::Value = client
            .get(format!("{base}/insurer/v1/batches/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["records_registered"], 100);
    }
    let store = onshi_origin::store::Store::connect(&database).await.unwrap();
    assert_eq!(store.count_rows("qualifications").await.unwrap(), 200);
    assert_eq!(store.count_rows("persons").await.unwrap(), 200);
    store.close().await;
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    tokio::time::timeout(PATIENCE, child.wait()).await.unwrap().unwrap();
    crate::fixture::drop_if_postgres(&database).await;
}
on_both_databases!(a_kill_during_a_batch_import_keeps_every_acknowledged_batch_and_nothing_of_the_cut_one);
