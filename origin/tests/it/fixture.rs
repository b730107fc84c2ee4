//! Starts the real router on a free loopback port over a fresh database seeded from the test fixture: a SQLite
//! file, or (when `ONSHI_TEST_POSTGRES_URL` names a server) a fresh PostgreSQL database per test. Every answer
//! it gives is checked against the OpenAPI document (`contract.rs`); an origin whose answers broke the document
//! fails the test when it is dropped.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use onshi_origin::clock::FixedClock;
use onshi_origin::http::AppState;
use onshi_origin::http::{RouterSettings, router_with};
use onshi_origin::key::SigningKey;
use onshi_origin::net::{ConnectionLimits, serve_connections};
use onshi_origin::seed::seed_demo_file;
use onshi_origin::store::Store;
use onshi_proto::origin::{
    CHECKINS_PATH, CardQualificationQuery, CertificateRef, CheckInList, CheckInListQuery, VisualCheckCreate,
};
use onshi_proto::signing::{self, NONCE_HEADER, SIGNATURE_HEADER, SignatureHeaders, TIMESTAMP_HEADER};
use tempfile::TempDir;
use time::Date;
use time::macros::date;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::contract::{self, Contract};

/// The key the fixture's origin verifies with.
pub const KEY: &[u8] = b"integration-test-origin-signing-key";
/// The admin token the fixture's origin accepts.
pub const ADMIN_TOKEN: &str = "integration-test-admin-token-0123456789";
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
    CertificateRef { issuer: ISSUER.try_into().unwrap(), serial: serial.try_into().unwrap() }
}

/// A card check-in's query as a kiosk (`kiosk-1`) of `facility` sends it through the edge, with `serial`'s
/// certificate and nothing else asked; a test names only the fields its case is about
/// (`CardQualificationQuery { arbitrary_identifier: …, ..card_query(…) }`).
pub fn card_query(serial: &str, facility: Option<&str>) -> CardQualificationQuery {
    CardQualificationQuery {
        certificate: certificate(serial),
        facility_code: facility.map(|code| code.try_into().unwrap()),
        device_id: Some("kiosk-1".try_into().unwrap()),
        device_label: None,
        arbitrary_identifier: None,
        scope: Default::default(),
        expiry_notice: None,
        patient_mode: Default::default(),
        use_recipient_certificates: false,
    }
}

/// A kiosk's (`kiosk-1`) visual check (目視) of `serial`'s card at `facility` as the edge hands it on: no name or
/// place of the kiosk, no certificate notice, no reason given and no card face proved; a test names only the
/// fields its case is about.
pub fn visual_check_ask(serial: &str, facility: &str) -> VisualCheckCreate {
    VisualCheckCreate {
        certificate: certificate(serial),
        facility_code: facility.try_into().unwrap(),
        device_id: "kiosk-1".try_into().unwrap(),
        device_label: None,
        device_location: None,
        scope: Default::default(),
        expiry_notice: None,
        reason: Default::default(),
        card_face: None,
    }
}

/// Canonical serials of the fixture cards, by scenario.
pub mod serial {
    pub const VALID: &str = "0A1B2C3D";
    pub const DEPENDENT: &str = "0A1B2C3E";
    pub const LOST: &str = "0A1B2C3F";
    pub const UNREGISTERED: &str = "F1E2D3C4";
    pub const ELDERLY: &str = "7F000001";
    /// Born 1 January 1955: a 高齢受給者 (2割 beside a 3割 協会けんぽ cover) from 2025-01-01 to 2029-12-31.
    pub const SENIOR: &str = "5E410005";
}

/// The environment variable naming the throwaway PostgreSQL server (`postgres://user@host:port/db`).
pub const POSTGRES_URL_VARIABLE: &str = "ONSHI_TEST_POSTGRES_URL";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs an `async fn name(db: Db)` test on SQLite and on PostgreSQL; the PostgreSQL variant says on stderr that
/// it is skipped when no server is configured.
macro_rules! on_both_databases {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::fixture::Db::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::fixture::postgres_server().is_none() {
                    // Written to the process's stderr directly, past libtest's output capture, so the skip shows
                    // in every test run.
                    use std::io::Write as _;
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED {} on PostgreSQL: {} is not set",
                        stringify!($name),
                        $crate::fixture::POSTGRES_URL_VARIABLE
                    );
                    return;
                }
                super::$name($crate::fixture::Db::Postgres).await;
            }
        }
    };
}

/// The configured PostgreSQL server, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var(POSTGRES_URL_VARIABLE).ok().filter(|url| !url.is_empty())
}

/// A fresh, empty database on `db`: a file in `dir`, or a new PostgreSQL database `onshi_test_<random>`.
pub async fn fresh_database_url(db: Db, dir: &std::path::Path) -> String {
    match db {
        Db::Sqlite => format!("sqlite://{}", dir.join("origin.db").display()),
        Db::Postgres => {
            use sqlx::migrate::MigrateDatabase as _;
            let server = postgres_server().unwrap();
            let mut random = [0u8; 8];
            getrandom::fill(&mut random).unwrap();
            let name = format!("onshi_test_{}", hex::encode(random));
            // Replace the database part of the URL (everything after the last '/', before any '?').
            let (base, query) = server.split_once('?').map_or((server.as_str(), ""), |(b, q)| (b, q));
            let prefix = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
            let url = if query.is_empty() { format!("{prefix}/{name}") } else { format!("{prefix}/{name}?{query}") };
            sqlx::any::install_default_drivers();
            sqlx::Any::create_database(&url).await.unwrap();
            url
        }
    }
}

/// Drops a test database made by [`fresh_database_url`] on PostgreSQL, so a long-lived server does not fill up.
pub async fn drop_if_postgres(url: &str) {
    use sqlx::migrate::MigrateDatabase as _;
    if url.starts_with("postgres") {
        sqlx::Any::force_drop_database(url).await.unwrap();
    }
}

/// A running origin.
pub struct Origin {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<FixedClock>,
    pub store: Store,
    pub database_url: String,
    /// Every answer, checked against the OpenAPI document.
    pub contract: Arc<Contract>,
    /// Whether stopping drops the database (a replica's does not).
    owns_database: bool,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: TempDir,
}

static NONCES: AtomicU64 = AtomicU64::new(0);

/// A nonce never used before in this test process.
pub fn fresh_nonce() -> String {
    format!("test-nonce-{}", NONCES.fetch_add(1, Ordering::Relaxed))
}

impl Origin {
    /// Starts an origin on `db` seeded with the fixture cards, its clock at [`NOW`], accepting [`ADMIN_TOKEN`].
    pub async fn start(db: Db) -> Self {
        Self::start_with(db, RouterSettings::default()).await
    }

    /// As [`Origin::start`], with the router built as `settings` says.
    pub async fn start_with(db: Db, settings: RouterSettings) -> Self {
        Self::start_limited(db, settings, ConnectionLimits::default()).await
    }

    /// As [`Origin::start_with`], its connections within `limits`.
    pub async fn start_limited(db: Db, settings: RouterSettings, limits: ConnectionLimits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database_url(db, dir.path()).await;
        let store = Store::connect(&database_url).await.unwrap();
        let summary = seed_demo_file(&store, &demo_cards_path(), TODAY, NOW).await.unwrap();
        assert!(summary.rows_inserted > 0);
        Self::serve(store, database_url, dir, true, settings, limits).await
    }

    /// Another origin on this one's database, with its own connections, memory and port, as a second replica (or
    /// the same origin after a restart) would be. It leaves the database in place when it stops.
    pub async fn replica(&self) -> Self {
        let store = Store::connect(&self.database_url).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        Self::serve(
            store,
            self.database_url.clone(),
            dir,
            false,
            RouterSettings::default(),
            ConnectionLimits::default(),
        )
        .await
    }

    async fn serve(
        store: Store,
        database_url: String,
        dir: TempDir,
        owns_database: bool,
        settings: RouterSettings,
        limits: ConnectionLimits,
    ) -> Self {
        let clock = Arc::new(FixedClock::new(NOW));
        let admin = onshi_origin::key::AdminToken::new(ADMIN_TOKEN.to_owned()).unwrap();
        let state = AppState::with_admin_token(
            store.clone(),
            clock.clone(),
            SigningKey::new(KEY.to_vec()).unwrap(),
            Some(admin),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let contract = Arc::new(Contract::default());
        // The real router on the real connection loop (as `server::serve` runs them), with the contract check
        // around every route.
        let app =
            router_with(state, settings).layer(axum::middleware::from_fn_with_state(contract.clone(), contract::check));
        let server = tokio::spawn(serve_connections(listener, app, limits, async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        Self {
            base,
            client,
            clock,
            store,
            database_url,
            contract,
            owns_database,
            shutdown: Some(shutdown),
            server: Some(server),
            _dir: dir,
        }
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
        let mut request =
            self.client.post(format!("{}{path}", self.base)).header("content-type", "application/json").body(body);
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

    /// The staff list of `facility_code` as staff session `staff-a` reads it, which must be answered.
    pub async fn staff_list(&self, facility_code: &str) -> CheckInList {
        let query = CheckInListQuery {
            facility_code: facility_code.try_into().unwrap(),
            staff_id: "staff-a".try_into().unwrap(),
            before: None,
        };
        let response = self.post_signed(CHECKINS_PATH, &query).await;
        assert_eq!(response.status().as_u16(), 200);
        response.json().await.unwrap()
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
        if self.owns_database {
            drop_if_postgres(&self.database_url).await;
        }
    }
}

impl Drop for Origin {
    /// Fails the test if any answer broke the OpenAPI document (unless it is failing already).
    fn drop(&mut self) {
        let violations = self.contract.violations();
        if !std::thread::panicking() {
            assert!(violations.is_empty(), "answers the OpenAPI document does not declare:\n{}", violations.join("\n"));
        }
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

impl Origin {
    /// Sends `request` with the admin token.
    pub async fn admin_post<T: serde::Serialize>(&self, path: &str, value: &T) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.base)).bearer_auth(ADMIN_TOKEN).json(value).send().await.unwrap()
    }

    /// Registers an insurer through the admin route and returns its bearer token.
    pub async fn insurer_token(&self, insurer_number: &str) -> String {
        let response = self
            .admin_post(
                "/admin/v1/insurers",
                &serde_json::json!({"insurer_number": insurer_number, "name": "テスト保険者"}),
            )
            .await;
        assert_eq!(response.status().as_u16(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// Puts a 住基 stand-in entry.
    pub async fn resident(&self, number: &str, name: &str, kana: &str, birth: &str, sex: &str, address: &str) {
        let response = self
            .admin_post(
                "/admin/v1/residents",
                &serde_json::json!({"individual_number": number, "name": name, "name_kana": kana,
                                    "birth_date": birth, "sex": sex, "address": address}),
            )
            .await;
        assert_eq!(response.status().as_u16(), 204);
    }

    /// Uploads a batch body as `content_type` with `token`.
    pub async fn upload(&self, token: &str, content_type: &str, body: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/insurer/v1/batches", self.base))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// GETs `path` with a bearer token.
    pub async fn get_with(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.unwrap()
    }
}

/// One 資格取得 line of an insurer batch (a female 本人 of 記号 10, 枝番 00, from 2026-04-01, 3割), as JSON.
pub fn acquire(
    number: &str,
    individual_number: &str,
    name: &str,
    kana: &str,
    birth: &str,
    address: &str,
) -> serde_json::Value {
    serde_json::json!({
        "op": "acquire", "individual_number": individual_number, "name": name, "name_kana": kana,
        "birth_date": birth, "sex": "female", "address": address, "symbol": "10", "number": number,
        "branch": "00", "personal_family": "insured", "qualification_date": "2026-04-01",
        "partial_contribution_percent": 30
    })
}

/// Batch lines as an NDJSON body.
pub fn ndjson(rows: &[serde_json::Value]) -> String {
    rows.iter().map(|r| format!("{r}\n")).collect()
}
