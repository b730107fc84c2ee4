//! The origin's scale benchmarks, run by `cargo xtask bench` (or `cargo bench -p onshi-origin --bench
//! origin_scale -- [--quick]`).
//!
//! Layer: developer tooling around the origin tier. It loads a synthetic population
//! (`onshi_origin::population`), starts the real `onshi-origin` binary of this build profile on 127.0.0.1, drives
//! it with signed lookups from a Rust load generator, and runs one insurer batch against a large registry in a
//! child process. It prints one line per figure, `bench: <name> = <value> <unit> (n <sample>) (target <op>
//! <value>)`, on stdout; everything else goes to stderr.
//!
//! The lookup rate is also given as a ratio to its floor: the same binary's bare `/health` handler, driven by the
//! same load generator over the same connections, in runs interleaved with the lookup runs, so the ratio keeps its
//! meaning on a busy machine where the absolute rate does not.
//!
//! Must not: listen on anything but loopback, run unbounded (every run is bounded in requests and in time), or
//! read files outside the build's own target directory.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use onshi_origin::batch::{BatchFormat, BatchReader};
use onshi_origin::key::token_sha256;
use onshi_origin::population::load::{LoadSummary, populate};
use onshi_origin::population::{Generator, PopulationConfig, SyntheticPerson, TEST_CA_ISSUER};
use onshi_origin::store::batch_progress::ProgressCell;
use onshi_origin::store::{NewInsurer, Store};
use onshi_proto::facility::FacilityCodeError;
use onshi_proto::identifier::IdentifierError;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::origin::{BY_CERTIFICATE_PATH, CardQualificationQuery, CertificateRef};
use onshi_proto::qualification::{QualificationAnswer, Sex, Validity};
use onshi_proto::signing;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The allocator the origin's binaries ship with (`src/main.rs`, `src/bin/onshi-populate.rs`): the registry load and
/// the batch child run the origin's own code in this process, so their figures are those of that allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type BenchResult<T = ()> = Result<T, String>;

/// The request-signing key shared by the load generator and the origin under test.
const KEY: &str = "benchmark-signing-key-of-at-least-32-bytes";

/// The request key the origin started with [`KEY`] and no audience signs with.
fn request_key() -> BenchResult<zeroize::Zeroizing<[u8; 32]>> {
    signing::request_key(KEY.as_bytes(), &signing::Audience::default()).map_err(|e| e.to_string())
}
/// Every population here uses this seed.
const SEED: u64 = 1;
/// Measured runs per figure; the median is reported.
const RUNS: usize = 5;

/// Sizes for one mode.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    lookup_persons: u64,
    warm_up_requests: usize,
    requests_per_run: usize,
    concurrency: usize,
    run_time_limit: Duration,
    registry_persons: u64,
    batch_rows: u64,
    batch_runs: usize,
}

const FULL: Sizes = Sizes {
    lookup_persons: 1_000_000,
    // The origin remembers every nonce for a minute and refuses more than 65 536 of them at once, so one
    // server's warm-up plus measured runs stay below that.
    warm_up_requests: 5_000,
    requests_per_run: 10_000,
    concurrency: 32,
    run_time_limit: Duration::from_secs(30),
    registry_persons: 10_000_000,
    batch_rows: 1_000_000,
    batch_runs: 1,
};

const QUICK: Sizes = Sizes {
    lookup_persons: 10_000,
    warm_up_requests: 200,
    requests_per_run: 1_000,
    concurrency: 8,
    run_time_limit: Duration::from_secs(10),
    registry_persons: 20_000,
    batch_rows: 2_000,
    batch_runs: 3,
};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("origin_scale: no runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = if args.first().map(String::as_str) == Some("--batch-child") {
        runtime.block_on(batch_child(&args[1..]))
    } else {
        let quick = args.iter().any(|arg| arg == "--quick");
        // `--only lookups`, `--only batch` or `--only hostile` runs one group, for profiling; cargo's own `--bench` flag is ignored.
        let only = args.iter().position(|arg| arg == "--only").and_then(|i| args.get(i + 1)).cloned();
        match sized(if quick { QUICK } else { FULL }, &args) {
            Ok(sizes) => runtime.block_on(run_all(sizes, quick, only.as_deref())),
            Err(error) => Err(error),
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("origin_scale: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `sizes` with the batch's registry and row count taken from `--registry-persons N` and `--batch-rows N` when
/// given: the full registry is about 7 GB on SQLite, and a run copies it, so a machine short of disk measures at a
/// smaller scale and says so. The figures keep their names; the sizes are printed with them.
fn sized(mut sizes: Sizes, args: &[String]) -> BenchResult<Sizes> {
    let value = |flag: &str| -> BenchResult<Option<u64>> {
        match args.iter().position(|arg| arg == flag) {
            None => Ok(None),
            Some(i) => match args.get(i + 1).map(|value| value.parse::<u64>()) {
                Some(Ok(number)) if number > 0 => Ok(Some(number)),
                _ => Err(format!("{flag} needs a positive whole number")),
            },
        }
    };
    if let Some(persons) = value("--registry-persons")? {
        sizes.registry_persons = persons;
    }
    if let Some(rows) = value("--batch-rows")? {
        sizes.batch_rows = rows;
    }
    Ok(sizes)
}

/// One reported figure; `n` is the sample it was computed from.
fn report(name: &str, value: f64, unit: &str, n: usize, target: &str) {
    let shown = if value >= 100.0 { format!("{value:.0}") } else { format!("{value:.2}") };
    println!("bench: {name} = {shown} {unit} (n {n}) (target {target})");
}

/// Targets of one database's lookup figures: rate, p99 and the ratio to the floor.
struct LookupTargets {
    rate: &'static str,
    p99: &'static str,
    floor_ratio: &'static str,
}

/// Reports the lookup figures of one database (`sqlite`, `postgres`).
fn report_lookups(database: &str, figures: &LookupFigures, targets: &LookupTargets) {
    let (requests, runs) = (figures.requests, figures.runs);
    report(&format!("origin.lookups_per_s.{database}"), figures.throughput, "req/s", requests, targets.rate);
    report(&format!("origin.lookup_p99_ms.{database}"), figures.p99_ms, "ms", requests, targets.p99);
    let floor_name = format!("origin.floor_per_s.{database}");
    report(&floor_name, figures.floor_throughput, "req/s", figures.floor_requests, "report");
    report(&format!("origin.lookup_floor_ratio.{database}"), figures.floor_ratio, "ratio", runs, targets.floor_ratio);
}

fn note(text: &str) {
    eprintln!("origin_scale: {text}");
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn today_config(persons: u64) -> BenchResult<PopulationConfig> {
    let now = unix_now()?;
    Ok(PopulationConfig {
        seed: SEED,
        persons,
        reference_date: onshi_origin::clock::tokyo_date(now).map_err(|e| e.to_string())?,
        created_at: now,
    })
}

fn unix_now() -> BenchResult<i64> {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?;
    i64::try_from(elapsed.as_secs()).map_err(|e| e.to_string())
}

/// The build's scratch directory (`target/tmp`).
fn scratch_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("origin-scale")
}

async fn run_all(sizes: Sizes, quick: bool, only: Option<&str>) -> BenchResult {
    let scratch = scratch_dir();
    std::fs::create_dir_all(&scratch).map_err(|e| format!("create {}: {e}", scratch.display()))?;
    note(&format!("{} mode, scratch directory {}", if quick { "quick" } else { "full" }, scratch.display()));
    if only.is_none_or(|group| group == "lookups") {
        lookup_group(&scratch, sizes).await?;
    }
    if only.is_none_or(|group| group == "batch") {
        batch_figures(&scratch, sizes).await?;
    }
    if only.is_none_or(|group| group == "batch" || group == "hostile") {
        hostile_batch_figures(&scratch, quick).await?;
    }
    Ok(())
}

async fn lookup_group(scratch: &Path, sizes: Sizes) -> BenchResult {
    // Lookups against SQLite.
    let sqlite_path = scratch.join(format!("lookups-{}.sqlite", sizes.lookup_persons));
    remove_sqlite_files(&sqlite_path);
    let sqlite_url = format!("sqlite://{}", sqlite_path.display());
    let config = today_config(sizes.lookup_persons)?;
    let (loaded, load_seconds) = timed_load("sqlite", &sqlite_url, config).await?;
    note(&format!("{} card holders, {} registered", loaded.card_holders, loaded.registered));
    report_population_rate("sqlite", loaded.persons, load_seconds);
    let serials = Arc::new(registered_serials(config)?);
    let figures = lookup_figures(&sqlite_url, &serials, sizes).await?;
    report_lookups("sqlite", &figures, &LookupTargets { rate: ">= 10000", p99: "<= 10", floor_ratio: ">= 0.5" });
    remove_sqlite_files(&sqlite_path);

    // Lookups against PostgreSQL, when the xtask provides a server.
    match std::env::var("ONSHI_TEST_POSTGRES_URL") {
        Ok(base_url) => {
            let url = fresh_postgres_database(&base_url).await?;
            let (loaded, load_seconds) = timed_load("postgres", &url, config).await?;
            report_population_rate("postgres", loaded.persons, load_seconds);
            let figures = lookup_figures(&url, &serials, sizes).await?;
            let targets = LookupTargets { rate: "report", p99: "report", floor_ratio: ">= 0.35" };
            report_lookups("postgres", &figures, &targets);
        }
        Err(_) => note("origin.lookups_per_s.postgres skipped: ONSHI_TEST_POSTGRES_URL is not set"),
    }
    Ok(())
}

fn remove_sqlite_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _absent_is_fine = std::fs::remove_file(PathBuf::from(file));
    }
}

/// The certificate serials of every registered card holder among the first `config.persons`, in index order.
fn registered_serials(config: PopulationConfig) -> BenchResult<Vec<String>> {
    let generator = Generator::new(config).map_err(|e| e.to_string())?;
    let mut serials = Vec::new();
    for index in 0..config.persons {
        let person = generator.person(index).map_err(|e| e.to_string())?;
        // A person on 医療扶助 alone (単独) has no insurance to answer 有効 with.
        if let Some(card) = person.card.filter(|card| card.registered && person.qualification.is_some()) {
            serials.push(card.certificate.serial.to_string());
        }
    }
    if serials.is_empty() {
        return Err("the population has no registered card holder".into());
    }
    Ok(serials)
}

/// A connection to the PostgreSQL server of `base_url`, on `base_url`'s own database.
async fn postgres_server(base_url: &str) -> BenchResult<sqlx::AnyConnection> {
    use sqlx::Connection as _;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(base_url).await.map_err(|e| format!("connect postgres: {e}"))
}

/// Runs `sql` on the PostgreSQL server of `base_url`.
async fn on_postgres_server(base_url: &str, sql: String) -> BenchResult {
    use sqlx::Connection as _;
    let mut conn = postgres_server(base_url).await?;
    // Only database names this benchmark makes come here.
    let result = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut conn).await;
    conn.close().await.map_err(|e| e.to_string())?;
    result.map(drop).map_err(|e| format!("{sql}: {e}"))
}

/// The names of the databases on the server of `base_url` that start with `prefix`.
async fn postgres_databases(base_url: &str, prefix: &str) -> BenchResult<Vec<String>> {
    use sqlx::Connection as _;
    let mut conn = postgres_server(base_url).await?;
    let names: Vec<String> =
        sqlx::query_scalar("SELECT CAST(datname AS TEXT) FROM pg_database WHERE starts_with(datname, $1)")
            .bind(prefix)
            .fetch_all(&mut conn)
            .await
            .map_err(|e| format!("list databases: {e}"))?;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(names)
}

/// `base_url` with its database name replaced by `name`, keeping any query string.
fn postgres_url_of(base_url: &str, name: &str) -> String {
    let (without_query, query) = base_url.split_once('?').map_or((base_url, None), |(a, b)| (a, Some(b)));
    let authority_end = without_query.find("://").map_or(0, |i| i + 3);
    let path_start = without_query[authority_end..].find('/').map_or(without_query.len(), |i| authority_end + i);
    let mut url = format!("{}/{name}", &without_query[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// A new, empty database on the PostgreSQL server of `base_url`, dropped first if a previous run left it.
async fn fresh_postgres_database(base_url: &str) -> BenchResult<String> {
    let name = "onshi_origin_scale_bench";
    on_postgres_server(base_url, format!("DROP DATABASE IF EXISTS {name}")).await?;
    on_postgres_server(base_url, format!("CREATE DATABASE {name}")).await?;
    Ok(postgres_url_of(base_url, name))
}

/// The origin binary of this build, running on loopback until dropped or stopped.
struct Origin {
    child: Child,
    base: String,
}

impl Origin {
    async fn start(database_url: &str) -> BenchResult<Self> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_onshi-origin"))
            .args(["serve", "--database", database_url, "--listen", "127.0.0.1:0"])
            .env("ONSHI_ORIGIN_SIGNING_KEY", KEY)
            // A log line per request would measure the terminal, not the service.
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("start onshi-origin: {e}"))?;
        let stdout = child.stdout.take().ok_or("onshi-origin has no stdout")?;
        let line = BufReader::new(stdout)
            .lines()
            .next_line()
            .await
            .map_err(|e| e.to_string())?
            .ok_or("onshi-origin exited before listening")?;
        let base =
            line.strip_prefix("onshi-origin listening on ").ok_or(format!("unexpected line {line:?}"))?.to_owned();
        Ok(Self { child, base })
    }

    /// Peak resident memory of the server so far, in MiB (Linux only).
    fn peak_rss_mb(&self) -> Option<f64> {
        self.child.id().and_then(|pid| peak_rss_kb(&format!("/proc/{pid}/status"))).map(|kb| kb as f64 / 1024.0)
    }

    async fn stop(mut self) -> BenchResult {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        }
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .map_err(|_| "onshi-origin did not stop within 30 s".to_owned())?
            .map_err(|e| e.to_string())?;
        if status.success() { Ok(()) } else { Err(format!("onshi-origin exited with {status}")) }
    }
}

fn peak_rss_kb(status_file: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_file).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What one database's lookups measured: medians over the runs, and the sample behind them.
struct LookupFigures {
    /// Median lookups per second.
    throughput: f64,
    /// Median p99 latency of a lookup, in ms.
    p99_ms: f64,
    /// Median requests per second of the floor, the bare `/health` handler.
    floor_throughput: f64,
    /// Median over runs of (lookup rate / floor rate), each pair measured back to back.
    floor_ratio: f64,
    /// Lookups timed, over all runs.
    requests: usize,
    /// Floor requests timed, over all runs.
    floor_requests: usize,
    /// Measured runs, each one lookup run beside one floor run.
    runs: usize,
}

/// What the load generator sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Load {
    /// A signed certificate lookup, as the edge sends it.
    Lookup,
    /// `GET /health`: the same server, client and connections, with no work behind the handler.
    Floor,
}

/// Medians of signed lookups against a fresh origin on `url`, each run paired with a floor run.
async fn lookup_figures(url: &str, serials: &Arc<Vec<String>>, sizes: Sizes) -> BenchResult<LookupFigures> {
    let origin = Origin::start(url).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(sizes.concurrency)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| e.to_string())?;
    let endpoint = format!("{}{BY_CERTIFICATE_PATH}", origin.base);
    let health = format!("{}/health", origin.base);

    // One answer is checked in full, so the benchmark cannot measure fast failures.
    let first = signed_lookup(&client, &endpoint, &serials[0], "check-0").await?;
    let answer: QualificationAnswer =
        serde_json::from_slice(&first).map_err(|e| format!("lookup answer is not a QualificationAnswer: {e}"))?;
    if answer.validity != Validity::Valid {
        return Err(format!("a registered card holder answered {:?}", answer.validity));
    }

    run_lookups(&client, &endpoint, serials, sizes.warm_up_requests, sizes, "warm", Load::Lookup).await?;
    run_lookups(&client, &health, serials, sizes.warm_up_requests, sizes, "warm", Load::Floor).await?;
    let (mut throughputs, mut p99s, mut floors, mut ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut requests, mut floor_requests) = (0, 0);
    for run in 0..RUNS {
        // The floor first, then the lookups, over the same connections: the pair sees the same machine.
        let floor =
            run_lookups(&client, &health, serials, sizes.requests_per_run, sizes, &format!("floor{run}"), Load::Floor)
                .await?;
        if floor.failed > 0 {
            return Err(format!("{} of the floor requests failed (first: {})", floor.failed, floor.first_failure));
        }
        let stats =
            run_lookups(&client, &endpoint, serials, sizes.requests_per_run, sizes, &format!("run{run}"), Load::Lookup)
                .await?;
        note(&format!(
            "lookups run {run}: {} ok, {} failed in {:.2} s: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
            stats.ok,
            stats.failed,
            stats.seconds,
            stats.throughput(),
            stats.p50_ms,
            stats.p99_ms
        ));
        if stats.failed > 0 {
            return Err(format!("{} of the lookups failed (first: {})", stats.failed, stats.first_failure));
        }
        note(&format!("floor run {run}: {:.0} req/s, p99 {:.2} ms", floor.throughput(), floor.p99_ms));
        throughputs.push(stats.throughput());
        p99s.push(stats.p99_ms);
        floors.push(floor.throughput());
        ratios.push(stats.throughput() / floor.throughput());
        requests += stats.ok;
        floor_requests += floor.ok;
    }
    if let Some(peak) = origin.peak_rss_mb() {
        note(&format!("onshi-origin peak RSS {peak:.0} MiB"));
    }
    origin.stop().await?;
    Ok(LookupFigures {
        throughput: median(&mut throughputs),
        p99_ms: median(&mut p99s),
        floor_throughput: median(&mut floors),
        floor_ratio: median(&mut ratios),
        requests,
        floor_requests,
        runs: RUNS,
    })
}

/// `GET endpoint`, its body read to the end like a lookup's.
async fn bare_get(client: &reqwest::Client, endpoint: &str) -> BenchResult<Vec<u8>> {
    let response = client.get(endpoint).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() { Ok(bytes.to_vec()) } else { Err(format!("HTTP {status}")) }
}

async fn signed_lookup(client: &reqwest::Client, endpoint: &str, serial: &str, nonce: &str) -> BenchResult<Vec<u8>> {
    let query = CardQualificationQuery {
        certificate: CertificateRef::new(TEST_CA_ISSUER, serial).map_err(|e| e.to_string())?,
        facility_code: Some("1312345679".try_into().map_err(|e: FacilityCodeError| e.to_string())?),
        device_id: Some("bench-kiosk".try_into().map_err(|e: IdentifierError| e.to_string())?),
        device_label: None,
        arbitrary_identifier: None,
        scope: Default::default(),
        expiry_notice: None,
        patient_mode: Default::default(),
        use_recipient_certificates: false,
    };
    let body = serde_json::to_vec(&query).map_err(|e| e.to_string())?;
    let headers = signing::sign(request_key()?.as_ref(), "POST", BY_CERTIFICATE_PATH, unix_now()?, nonce, &body)
        .map_err(|e| e.to_string())?;
    let response = client
        .post(endpoint)
        .header("content-type", "application/json")
        .header(signing::TIMESTAMP_HEADER, headers.timestamp)
        .header(signing::NONCE_HEADER, headers.nonce)
        .header(signing::SIGNATURE_HEADER, headers.signature)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(bytes.to_vec())
    } else {
        Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes)))
    }
}

#[derive(Debug, Default)]
struct RunStats {
    ok: usize,
    failed: usize,
    first_failure: String,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl RunStats {
    fn throughput(&self) -> f64 {
        self.ok as f64 / self.seconds
    }
}

/// Sends up to `requests` requests of one `load` over `sizes.concurrency` keep-alive connections, stopping early at
/// `sizes.run_time_limit`.
async fn run_lookups(
    client: &reqwest::Client,
    endpoint: &str,
    serials: &Arc<Vec<String>>,
    requests: usize,
    sizes: Sizes,
    tag: &str,
    load: Load,
) -> BenchResult<RunStats> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..sizes.concurrency {
        let (client, endpoint, serials, next, tag) =
            (client.clone(), endpoint.to_owned(), Arc::clone(serials), Arc::clone(&next), tag.to_owned());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= requests || started.elapsed() > sizes.run_time_limit {
                    break;
                }
                let serial = &serials[index % serials.len()];
                let sent = Instant::now();
                let answered = match load {
                    Load::Lookup => signed_lookup(&client, &endpoint, serial, &format!("{tag}-{index}")).await,
                    Load::Floor => bare_get(&client, &endpoint).await,
                };
                match answered {
                    Ok(_) => latencies.push(sent.elapsed()),
                    Err(error) => failures.push(error),
                }
            }
            (latencies, failures)
        });
    }
    let mut latencies = Vec::new();
    let mut stats = RunStats::default();
    while let Some(joined) = workers.join_next().await {
        let (mut worker_latencies, failures) = joined.map_err(|e| e.to_string())?;
        latencies.append(&mut worker_latencies);
        stats.failed += failures.len();
        if stats.first_failure.is_empty() {
            stats.first_failure = failures.into_iter().next().unwrap_or_default();
        }
    }
    stats.seconds = started.elapsed().as_secs_f64();
    stats.ok = latencies.len();
    latencies.sort();
    let percentile = |p: f64| {
        let rank = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies.get(rank).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    stats.p50_ms = percentile(0.50);
    stats.p99_ms = percentile(0.99);
    Ok(stats)
}

/// The insurer the benchmark batch belongs to: the synthetic 健康保険組合 of 東京都, present in every population.
fn batch_insurer() -> BenchResult<InsurerNumber> {
    InsurerNumber::from_base("0613501").map_err(|e| e.to_string())
}

/// Writes the batch file, then on each database (PostgreSQL when the xtask provides a server) loads the registry
/// or reuses today's, and runs the batch in child processes against fresh copies of it.
async fn batch_figures(scratch: &Path, sizes: Sizes) -> BenchResult {
    let config = today_config(sizes.registry_persons)?;
    note(&format!(
        "insurer batch of {} rows against a registry of {} persons",
        sizes.batch_rows, sizes.registry_persons
    ));
    let body_path = scratch.join(format!("batch-{}-of-{}.csv", sizes.batch_rows, sizes.registry_persons));
    write_batch_file(&body_path, config, sizes.batch_rows)?;

    let registry = sqlite_registry(scratch, config).await?;
    let registry = Registry::Sqlite { registry, copy: scratch.join("registry-under-batch.sqlite") };
    let (mut seconds, mut peaks) = batch_runs(&registry, &body_path, sizes).await?;
    // Quick mode reports under the same names at its small sizes, so the figures' code path never rots.
    let runs = seconds.len();
    report("origin.batch_1m_vs_10m_s.sqlite", median(&mut seconds), "s", runs, "<= 30");
    report("origin.batch_peak_rss_mb.sqlite", median(&mut peaks), "MiB", runs, "<= 1024");

    match std::env::var("ONSHI_TEST_POSTGRES_URL") {
        Ok(base_url) => {
            let registry = postgres_registry(&base_url, config).await?;
            let (mut seconds, mut peaks) = batch_runs(&registry, &body_path, sizes).await?;
            let runs = seconds.len();
            report("origin.batch_1m_vs_10m_s.postgres", median(&mut seconds), "s", runs, "<= 60");
            report("origin.batch_peak_rss_mb.postgres", median(&mut peaks), "MiB", runs, "report");
        }
        Err(_) => note("origin.batch_1m_vs_10m_s.postgres skipped: ONSHI_TEST_POSTGRES_URL is not set"),
    }
    Ok(())
}

/// A loaded registry that each batch run gets a fresh copy of.
enum Registry {
    /// A SQLite file, copied to `copy` for each run.
    Sqlite { registry: PathBuf, copy: PathBuf },
    /// A PostgreSQL database, copied as the template of a new one.
    Postgres { base_url: String, template: String },
}

/// The PostgreSQL database a batch run works on, made from the registry as its template.
const BATCH_RUN_DATABASE: &str = "onshi_origin_scale_batch_run";

impl Registry {
    /// A fresh copy of the registry for one run; returns its URL.
    async fn fresh_copy(&self) -> BenchResult<String> {
        match self {
            Self::Sqlite { registry, copy } => {
                remove_sqlite_files(copy);
                std::fs::copy(registry, copy).map_err(|e| format!("copy registry: {e}"))?;
                Ok(format!("sqlite://{}", copy.display()))
            }
            Self::Postgres { base_url, template } => {
                on_postgres_server(base_url, format!("DROP DATABASE IF EXISTS {BATCH_RUN_DATABASE}")).await?;
                on_postgres_server(base_url, format!("CREATE DATABASE {BATCH_RUN_DATABASE} TEMPLATE {template}"))
                    .await?;
                Ok(postgres_url_of(base_url, BATCH_RUN_DATABASE))
            }
        }
    }

    async fn remove_copy(&self) -> BenchResult {
        match self {
            Self::Sqlite { copy, .. } => {
                remove_sqlite_files(copy);
                Ok(())
            }
            Self::Postgres { base_url, .. } => {
                on_postgres_server(base_url, format!("DROP DATABASE IF EXISTS {BATCH_RUN_DATABASE}")).await
            }
        }
    }
}

/// Loads the SQLite registry, or reuses the one loaded today: it is deterministic for its seed, size and reference
/// date, and loading ten million persons is the slowest step of the whole benchmark.
async fn sqlite_registry(scratch: &Path, config: PopulationConfig) -> BenchResult<PathBuf> {
    let persons = config.persons;
    let registry = scratch.join(format!("registry-{persons}-seed{SEED}-{}.sqlite", config.reference_date));
    let ready_marker = registry.with_extension("ready");
    if ready_marker.exists() {
        note(&format!("reusing registry {}", registry.display()));
        return Ok(registry);
    }
    // Registries of the same size from earlier days are stale; each is several gigabytes at full size.
    remove_stale_registries(scratch, persons);
    remove_sqlite_files(&registry);
    load_registry("sqlite", &format!("sqlite://{}", registry.display()), config).await?;
    std::fs::write(&ready_marker, b"").map_err(|e| e.to_string())?;
    Ok(registry)
}

/// Loads the PostgreSQL registry, or reuses today's: a database is loaded under a `_loading` name and renamed
/// once complete, so a database of the final name is always whole.
async fn postgres_registry(base_url: &str, config: PopulationConfig) -> BenchResult<Registry> {
    let prefix = format!("onshi_origin_scale_registry_{}_", config.persons);
    let name = format!("{prefix}{}", config.reference_date.to_string().replace('-', ""));
    for existing in postgres_databases(base_url, &prefix).await? {
        if existing == name {
            note(&format!("reusing registry database {name}"));
            return Ok(Registry::Postgres { base_url: base_url.to_owned(), template: name });
        }
        // Another day's registry, or a load that never finished.
        on_postgres_server(base_url, format!("DROP DATABASE {existing}")).await?;
    }
    let loading = format!("{name}_loading");
    on_postgres_server(base_url, format!("CREATE DATABASE {loading}")).await?;
    load_registry("postgres", &postgres_url_of(base_url, &loading), config).await?;
    on_postgres_server(base_url, format!("ALTER DATABASE {loading} RENAME TO {name}")).await?;
    Ok(Registry::Postgres { base_url: base_url.to_owned(), template: name })
}

/// Loads `config`'s population into `url` (of `database`: `sqlite` or `postgres`), noting its progress every 15 s;
/// returns what it loaded and how many seconds that took.
async fn timed_load(database: &str, url: &str, config: PopulationConfig) -> BenchResult<(LoadSummary, f64)> {
    let started = Instant::now();
    let total = config.persons;
    let mut last = Instant::now();
    let loaded = populate(url, config, |done| {
        if last.elapsed() >= Duration::from_secs(15) {
            last = Instant::now();
            note(&format!("{database}: {done} / {total} persons loaded"));
        }
    })
    .await
    .map_err(|e| format!("populate {database}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    note(&format!("{database}: {} persons loaded in {seconds:.1} s", loaded.persons));
    Ok((loaded, seconds))
}

/// Reports a load's rate, persons per second (`database`: `sqlite` or `postgres`).
fn report_population_rate(database: &str, persons: u64, seconds: f64) {
    let n = usize::try_from(persons).unwrap_or(usize::MAX);
    report(&format!("origin.populate_persons_per_s.{database}"), persons as f64 / seconds, "persons/s", n, "report");
}

/// Loads a registry of `config`'s population into `url` and reports how long it took.
async fn load_registry(database: &str, url: &str, config: PopulationConfig) -> BenchResult {
    let (_, seconds) = timed_load(database, url, config).await?;
    report(&format!("origin.populate_registry_s.{database}"), seconds, "s", 1, "<= 180");
    Ok(())
}

/// Runs the batch against fresh copies of `registry`, in a child process each; returns the measured runs'
/// seconds and peak resident memory.
async fn batch_runs(registry: &Registry, body_path: &Path, sizes: Sizes) -> BenchResult<(Vec<f64>, Vec<f64>)> {
    let (mut seconds, mut peaks) = (Vec::new(), Vec::new());
    // The first run only warms the page cache when several runs are made.
    let warm_up = usize::from(sizes.batch_runs > 1);
    for run in 0..sizes.batch_runs + warm_up {
        let url = registry.fresh_copy().await?;
        let output = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
            .arg("--batch-child")
            .arg(&url)
            .arg(body_path)
            .output()
            .await
            .map_err(|e| format!("start batch child: {e}"))?;
        registry.remove_copy().await?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!("batch child failed: {}{}", stdout, String::from_utf8_lossy(&output.stderr)));
        }
        let field = |name: &str| -> BenchResult<f64> {
            stdout
                .split_whitespace()
                .find_map(|word| word.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
                .and_then(|v| v.parse().ok())
                .ok_or(format!("batch child printed no {name}: {stdout}"))
        };
        note(&format!("batch run {run} on {}: {}", url.split(':').next().unwrap_or_default(), stdout.trim()));
        if run >= warm_up {
            seconds.push(field("seconds")?);
            peaks.push(field("peak_rss_mb")?);
        }
    }
    Ok((seconds, peaks))
}

/// A hostile insurer batch: a body of malformed two-byte lines (256 MiB, the largest accepted; 16 MiB in quick mode)
/// uploaded to the origin binary as fast as it reads it. The figures are the origin's peak RSS over the whole
/// upload and the size of its refusal, which lists the first errors and counts the rest.
async fn hostile_batch_figures(scratch: &Path, quick: bool) -> BenchResult {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let bytes: usize = if quick { 16 << 20 } else { 256 << 20 };
    let path = scratch.join("hostile-batch.sqlite");
    remove_sqlite_files(&path);
    let url = format!("sqlite://{}", path.display());
    let token = "hostile-batch-benchmark-token";
    let store = Store::connect(&url).await.map_err(|e| format!("connect: {e}"))?;
    let insurer = NewInsurer { number: batch_insurer()?, name: "ベンチ保険者".into() };
    let now = unix_now()?;
    let expires_at =
        onshi_origin::credential::CredentialLifetime::default().expiry(now, None).map_err(|e| e.to_string())?;
    let issued = store.add_insurer_token(&insurer, &token_sha256(token), now, expires_at).await;
    issued.map_err(|e| format!("token: {e}"))?;
    store.close().await;
    let origin = Origin::start(&url).await?;
    let address = origin.base.strip_prefix("http://").ok_or("origin base is not http")?.to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.map_err(|e| format!("connect origin: {e}"))?;
    let head = format!(
        "POST /insurer/v1/batches HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/x-ndjson\r\ncontent-length: {bytes}\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.map_err(|e| format!("send: {e}"))?;
    let chunk = "0\n".repeat(32 * 1024).into_bytes();
    let started = Instant::now();
    for _ in 0..bytes / chunk.len() {
        stream.write_all(&chunk).await.map_err(|e| format!("send: {e}"))?;
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.map_err(|e| format!("read answer: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = origin.peak_rss_mb().unwrap_or(f64::NAN);
    origin.stop().await?;
    remove_sqlite_files(&path);
    let text = String::from_utf8_lossy(&answer);
    let (answer_head, body) = text.split_once("\r\n\r\n").ok_or("the origin's answer has no head")?;
    if !answer_head.starts_with("HTTP/1.1 400") {
        return Err(format!("a hostile batch was answered {answer_head}"));
    }
    note(&format!("hostile batch of {} MiB refused in {seconds:.1} s", bytes >> 20));
    report("origin.hostile_batch_peak_rss_mb", peak, "MiB", 1, "< 300");
    report("origin.hostile_batch_answer_kib", body.len() as f64 / 1024.0, "KiB", 1, "< 1024");
    Ok(())
}

fn remove_stale_registries(scratch: &Path, persons: u64) {
    let prefix = format!("registry-{persons}-");
    let Ok(entries) = std::fs::read_dir(scratch) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _already_gone_is_fine = std::fs::remove_file(entry.path());
        }
    }
}

/// The batch: `rows` 資格取得 rows for [`batch_insurer`]. Nine rows in ten are registry persons moving to this
/// insurer (転職: their 個人番号 and 5 items are already known), one in ten are persons the registry has never
/// seen (newborns and the like). Every row gets its own 記号・番号.
fn write_batch_file(path: &Path, registry: PopulationConfig, rows: u64) -> BenchResult {
    use std::io::Write as _;
    let generator = Generator::new(registry).map_err(|e| e.to_string())?;
    let insurer = batch_insurer()?;
    let file = std::fs::File::create(path).map_err(|e| format!("create {}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let write_error = |e: std::io::Error| format!("write {}: {e}", path.display());
    writeln!(
        out,
        "op,insurer_number,individual_number,name,name_kana,birth_date,sex,address,card_classification,symbol,\
         number,branch,personal_family,qualification_date,partial_contribution_percent"
    )
    .map_err(write_error)?;
    for row in 0..rows {
        // 7 is coprime to every registry size used, so the moving persons are distinct.
        let index = if row % 10 == 9 { registry.persons + row } else { (row * 7 + 3) % registry.persons.max(1) };
        let person: SyntheticPerson = generator.person(index).map_err(|e| e.to_string())?;
        let sex = match person.person.sex {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unspecified => "unspecified",
        };
        writeln!(
            out,
            "acquire,{},{},{},{},{},{},{},01,B{},{},00,insured,{},{}",
            insurer,
            person.individual_number,
            person.person.name,
            person.person.name_kana,
            person.person.birth_date,
            sex,
            person.person.address.unwrap_or_default(),
            row / 100_000,
            row % 100_000 + 1,
            registry.reference_date,
            // A person on 医療扶助 alone joins this insurer as anyone of working age would: 3割.
            person.qualification.as_ref().map_or(30, |q| q.partial_contribution_percent.get()),
        )
        .map_err(write_error)?;
    }
    out.flush().map_err(write_error)
}

/// `--batch-child <database-url> <batch.csv>`: reads, checks and applies the batch with the origin's own code,
/// then prints `seconds=… peak_rss_mb=… registered=… held=… notifications=…`.
async fn batch_child(args: &[String]) -> BenchResult {
    let [url, body_path] = args else { return Err("usage: --batch-child <database-url> <batch.csv>".into()) };
    let store = Store::connect(url).await.map_err(|e| format!("connect: {e}"))?;
    let insurer = batch_insurer()?;
    let started = Instant::now();
    // The file is read as the origin reads an upload: a piece at a time, hashed and parsed as it goes, never held
    // whole.
    let mut file = std::fs::File::open(body_path).map_err(|e| format!("open {body_path}: {e}"))?;
    let (mut reader, mut digest) = (BatchReader::new(BatchFormat::Csv, &insurer), Sha256::new());
    let mut piece = vec![0_u8; 64 * 1024];
    loop {
        let read = std::io::Read::read(&mut file, &mut piece).map_err(|e| format!("read {body_path}: {e}"))?;
        let Some(bytes) = piece.get(..read).filter(|bytes| !bytes.is_empty()) else { break };
        digest.update(bytes);
        reader.push(bytes);
    }
    let body_sha256 = hex::encode(digest.finalize());
    let rows = reader
        .finish()
        .map_err(|errors| format!("{} rows refused, first {:?}", errors.total(), errors.first().first()))?;
    let now = unix_now()?;
    let report = store
        .apply_insurer_batch(&insurer, BatchFormat::Csv, &body_sha256, &rows, now, &ProgressCell::default())
        .await
        .map_err(|e| format!("apply: {e}"))?
        .map_err(|errors| format!("{} rows conflicted, first {:?}", errors.len(), errors.first()))?;
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    let peak = peak_rss_kb("/proc/self/status").map_or(f64::NAN, |kb| kb as f64 / 1024.0);
    println!(
        "seconds={seconds:.2} peak_rss_mb={peak:.0} rows={} registered={} held={} notifications={}",
        rows.len(),
        report.records_registered,
        report.records_held,
        report.notifications_raised
    );
    Ok(())
}
