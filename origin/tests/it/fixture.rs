//! Starts the real router on a free loopback port over a fresh SQLite file seeded from the test fixture.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use onshi_origin::clock::FixedClock;
use onshi_origin::http::AppState;
use onshi_origin::key::SigningKey;
use onshi_origin::seed::seed_demo_file;
use onshi_origin::server::serve;
use onshi_origin::store::Store;
use onshi_proto::origin::CertificateRef;
use onshi_proto::signing::{self, NONCE_HEADER, SIGNATURE_HEADER, SignatureHeaders, TIMESTAMP_HEADER};
use tempfile::TempDir;
use time::Date;
use time::macros::date;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The key the fixture's origin verifies with.
pub const KEY: &[u8] = b"integration-test-origin-signing-key";
/// 2026-11-24T03:00:00Z, which is 12:00 on 2026-11-24 in Tokyo.
pub const NOW: i64 = 1_795_489_200;
/// The Tokyo date at [`NOW`].
pub const TODAY: Date = date!(2026 - 11 - 24);
/// The issuer of every fixture card.
pub const ISSUER: &str = "CN=onshi Test JPKI User Authentication CA,O=onshi test,C=JP";

/// The fixture's demo-card file, in this crate.
pub fn demo_cards_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo-cards-fixture.json")
}

/// A fixture card's certificate, by its canonical serial.
pub fn certificate(serial: &str) -> CertificateRef {
    CertificateRef { issuer: ISSUER.into(), serial: serial.into() }
}

/// Canonical serials of the fixture cards, by scenario.
pub mod serial {
    pub const VALID: &str = "0A1B2C3D";
    pub const DEPENDENT: &str = "0A1B2C3E";
    pub const LOST: &str = "0A1B2C3F";
    pub const UNREGISTERED: &str = "F1E2D3C4";
    pub const ELDERLY: &str = "7F000001";
}

/// A running origin.
pub struct Origin {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<FixedClock>,
    pub store: Store,
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<onshi_origin::Result<()>>>,
    _dir: TempDir,
}

static NONCES: AtomicU64 = AtomicU64::new(0);

/// A nonce never used before in this test process.
pub fn fresh_nonce() -> String {
    format!("test-nonce-{}", NONCES.fetch_add(1, Ordering::Relaxed))
}

impl Origin {
    /// Starts an origin seeded with the fixture cards, its clock at [`NOW`].
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!("sqlite://{}", dir.path().join("origin.db").display());
        let store = Store::connect(&database_url).await.unwrap();
        let summary = seed_demo_file(&store, &demo_cards_path(), TODAY, NOW).await.unwrap();
        assert!(summary.rows_inserted > 0);
        let clock = Arc::new(FixedClock::new(NOW));
        let state = AppState::new(store.clone(), clock.clone(), SigningKey::new(KEY.to_vec()).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, state, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        Self { base, client, clock, store, database_url, shutdown: Some(shutdown), server: Some(server), _dir: dir }
    }

    /// Headers signing `body` for `method path` at the origin's current time with the fixture key.
    pub fn sign(&self, method: &str, path: &str, body: &[u8]) -> SignatureHeaders {
        signing::sign(KEY, method, path, self.clock_now(), &fresh_nonce(), body).unwrap()
    }

    pub fn clock_now(&self) -> i64 {
        use onshi_origin::clock::Clock as _;
        self.clock.now_unix()
    }

    /// POSTs `body` to `path` with the given signature headers (or none).
    pub async fn post_raw(&self, path: &str, body: Vec<u8>, headers: Option<&SignatureHeaders>) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(headers) = headers {
            request = request
                .header(TIMESTAMP_HEADER, &headers.timestamp)
                .header(NONCE_HEADER, &headers.nonce)
                .header(SIGNATURE_HEADER, &headers.signature);
        }
        request.send().await.unwrap()
    }

    /// POSTs `value` as JSON to `path`, correctly signed.
    pub async fn post_signed<T: serde::Serialize>(&self, path: &str, value: &T) -> reqwest::Response {
        let body = serde_json::to_vec(value).unwrap();
        let headers = self.sign("POST", path, &body);
        self.post_raw(path, body, Some(&headers)).await
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
        self.store.close().await;
    }
}

/// Reads an error body and checks its shape.
pub async fn expect_error(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    let typed: onshi_proto::ApiError = serde_json::from_value(body).unwrap();
    assert_eq!(typed.error.as_str(), code);
}
