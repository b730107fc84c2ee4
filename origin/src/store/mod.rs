//! The database adapter: the only place that speaks SQL. This file opens the database (pools, migrations, the
//! lookup's read connections) and holds the [`Store`] handle; the other files of `store/` add its statements, one
//! file per area, over the row types of `rows.rs`.
//!
//! One set of portable SQL (`$n` binds, `ON CONFLICT`, no database-specific functions) runs through
//! `sqlx::Any` on SQLite (a file in WAL mode, or `sqlite::memory:`) or PostgreSQL, chosen by the URL scheme.
//! Dates are stored as `YYYY-MM-DD` text and instants as Unix seconds; see `migrations/`.
//!
//! Must not: decide anything (what to write and what an answer says is decided by the callers), or reach the
//! network other than the database.

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, ConnectOptions as _, Connection as _, Executor as _};

use crate::error::{OriginError, Result};
use crate::store::group_commit::GroupCommit;
pub use crate::store::rows::{
    AuditEvent, BatchReport, BatchSummary, CardHolderRecord, CheckInRow, HoldOutcome, HoldResolution, HoldStatus,
    JlisEntry, JlisStatus, NewCertificateLink, NewCheckup, NewInsurer, NewJlisCertificate, NewMedication, NewPerson,
    NewProcedure, NewQualification, NewResident, Notification, NotificationKey, NumberKey, RecordBatch,
    RegistrationResult, RequestRows,
};
pub use crate::store::sql::Backend;

pub mod access_log;
mod audit;
pub mod batch_lock;
pub mod batch_progress;
mod batch_reads;
mod batch_writes;
mod consent;
pub mod credentials;
pub mod group_commit;
mod insurer;
mod lookup;
pub mod medical_records;
mod nonces;
pub mod notices;
pub(crate) mod population;
pub mod public_expense;
pub(crate) mod reader_results;
mod registration;
mod registry;
pub mod rows;
mod seed;
pub(crate) mod sql;
pub(crate) mod staff;
mod withdrawal;

/// The schema migrations, embedded at build time from `origin/migrations/`.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a connection waits for a lock held by another connection before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Most SQLite connections in a pool over a file (2 cores serve them; see [`Store::connect`]).
const SQLITE_MAX_CONNECTIONS: u32 = 4;

/// SQLite connections kept outside the pool for the qualification lookup's one read (see [`ReadConnections`]).
/// Each has its own thread; on the 2-core reference machine 2 served more lookups with less CPU than 4 (A/B in
/// `benches/README.md`), since a read is short and more threads only add switches between them.
const SQLITE_READ_CONNECTIONS: usize = 2;

/// The settings every SQLite connection of the store gets, as one batch of statements.
fn sqlite_pragmas() -> String {
    let busy = BUSY_TIMEOUT.as_millis();
    format!(
        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy}; \
         PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
    )
}

/// Connections to a SQLite file reserved for the qualification lookup's read, each used by one request at a time.
///
/// Why: a connection returned to the pool is pinged before it is reused, and for SQLite that ping is one more round
/// trip to the connection's own thread (two thread switches) after every read, which cost as much as the read
/// itself under load. These connections only ever run single read statements in autocommit mode; a read whose
/// request is cancelled is finished or reset by the connection's thread before it runs the next command, so a
/// connection is never left inside a transaction and needs no test between uses. A closed one is `None`.
struct ReadConnections {
    connections: Vec<tokio::sync::Mutex<Option<AnyConnection>>>,
    /// Where the next request waits when every connection is busy, so waiters spread over the connections.
    next: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for ReadConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadConnections").field("connections", &self.connections.len()).finish_non_exhaustive()
    }
}

impl ReadConnections {
    async fn open(options: &AnyConnectOptions, count: usize) -> Result<Self> {
        let mut connections = Vec::with_capacity(count);
        for _ in 0..count {
            let mut connection = options.connect().await?;
            connection.execute(sqlx::AssertSqlSafe(sqlite_pragmas())).await?;
            connections.push(tokio::sync::Mutex::new(Some(connection)));
        }
        Ok(Self { connections, next: std::sync::atomic::AtomicUsize::new(0) })
    }

    /// A free connection, or the turn of the next one to come free; `None` once they are closed.
    async fn acquire(&self) -> Option<tokio::sync::MappedMutexGuard<'_, AnyConnection>> {
        let guard = match self.connections.iter().find_map(|connection| connection.try_lock().ok()) {
            Some(free) => free,
            None => {
                let count = self.connections.len();
                let turn = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed).checked_rem(count)?;
                self.connections.get(turn)?.lock().await
            }
        };
        tokio::sync::MutexGuard::try_map(guard, Option::as_mut).ok()
    }

    /// Closes every connection, waiting for those in use.
    async fn close(&self) {
        for connection in &self.connections {
            if let Some(open) = connection.lock().await.take() {
                // A connection that only ever read has nothing to lose; one that fails to close cleanly is gone.
                let _closed_either_way = open.close().await;
            }
        }
    }
}

/// Opens a pool with the connection settings every connection of the store gets.
async fn open_pool(pool_options: AnyPoolOptions, backend: Backend, options: AnyConnectOptions) -> Result<AnyPool> {
    Ok(pool_options
        .after_connect(move |connection, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers proceed while one writer commits; NORMAL sync in WAL mode loses nothing a
                    // committed transaction wrote when the process dies (only an OS crash can cost the last
                    // commits). Foreign keys are enforced, and a writer waits for a lock instead of failing.
                    connection.execute(sqlx::AssertSqlSafe(sqlite_pragmas())).await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

/// A handle to the origin database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Insurer batches read, decide and write inside one transaction; running them one at a time keeps two
    /// batches from deciding on the same snapshot (and keeps SQLite from refusing a lock upgrade).
    batch_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// How far the batches whose locks this process holds have got (`batch_progress.rs`).
    batch_progress: batch_progress::ProgressBoard,
    /// The one writer of audit and check-in rows: requests waiting at the same moment share a transaction.
    group_commit: GroupCommit,
    /// Connections reserved for lookups, over a SQLite file only (an in-memory database has one connection, and
    /// PostgreSQL serves the pool's connections without a thread each).
    readers: Option<std::sync::Arc<ReadConnections>>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies the migrations. `sqlite://path/to/file`,
    /// `sqlite:path`, `sqlite::memory:` and `postgres://…` (or `postgresql://…`) are understood.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_file(url),
            Backend::Postgres => url.to_owned(),
        };
        let options =
            AnyConnectOptions::from_url(&url.parse().map_err(|_| OriginError::Usage("bad database URL".into()))?)?
                .disable_statement_logging();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = match backend {
            Backend::Sqlite if in_memory => {
                // Every connection to an in-memory database sees its own empty database unless they share one
                // connection, and the database vanishes when its last connection closes: keep exactly one.
                let pool_options =
                    AnyPoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
                open_pool(pool_options, backend, options.clone()).await?
            }
            // Each SQLite connection is served by its own thread; more connections than cores spend the CPU
            // switching threads rather than reading. A connection to a local file does not go stale the way a
            // network connection can, so it is not pinged (one more round trip to its thread) every time it is
            // taken from the pool.
            Backend::Sqlite => {
                let pool_options =
                    AnyPoolOptions::new().max_connections(SQLITE_MAX_CONNECTIONS).test_before_acquire(false);
                open_pool(pool_options, backend, options.clone()).await?
            }
            Backend::Postgres => open_pool(AnyPoolOptions::new().max_connections(8), backend, options.clone()).await?,
        };
        MIGRATOR.run(&pool).await?;
        // The read connections open after the migrations, so they never see an older schema.
        let readers = match backend {
            Backend::Sqlite if !in_memory => {
                Some(std::sync::Arc::new(ReadConnections::open(&options, SQLITE_READ_CONNECTIONS).await?))
            }
            _ => None,
        };
        let group_commit = GroupCommit::start(pool.clone(), backend, !in_memory);
        Ok(Self {
            pool,
            backend,
            batch_lock: std::sync::Arc::default(),
            batch_progress: batch_progress::ProgressBoard::default(),
            group_commit,
            readers,
        })
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for the insurer-batch and population code in this crate.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The lock insurer batches hold while they run.
    pub(crate) fn batch_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.batch_lock
    }

    /// The board of the batches this process runs.
    pub(crate) fn batch_progress(&self) -> &batch_progress::ProgressBoard {
        &self.batch_progress
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(readers) = &self.readers {
            readers.close().await;
        }
    }

    /// Counts rows of a table; for tests and metrics. Only the fixed table names of this schema are accepted.
    pub async fn count_rows(&self, table: &str) -> Result<i64> {
        const TABLES: [&str; 15] = [
            "checkins",
            "persons",
            "insurers",
            "qualifications",
            "certificate_links",
            "jlis_certificates",
            "resident_registry",
            "consents",
            "audit_events",
            "insurer_batches",
            "insurer_notifications",
            "medication_history",
            "checkup_history",
            "procedure_history",
            "request_nonces",
        ];
        if !TABLES.contains(&table) {
            return Err(OriginError::Usage(format!("no table {table:?}")));
        }
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&self.pool)
            .await?)
    }
}

/// A random 128-bit identifier in hex.
pub fn random_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| OriginError::Random(error.to_string()))?;
    Ok(hex::encode(bytes))
}

/// `sqlite://path` without a `mode` opens read-write and creates the file when it is missing, as the command line
/// promises; an explicit `mode=` or an in-memory URL is left alone.
fn sqlite_url_creating_file(url: &str) -> String {
    if url.contains(":memory:") || url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_their_file_unless_told_otherwise() {
        assert_eq!(sqlite_url_creating_file("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(sqlite_url_creating_file("sqlite://a.db?cache=shared"), "sqlite://a.db?cache=shared&mode=rwc");
        assert_eq!(sqlite_url_creating_file("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
        assert_eq!(sqlite_url_creating_file("sqlite::memory:"), "sqlite::memory:");
    }
}
