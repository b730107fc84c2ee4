//! The database adapter: the only module that speaks SQL.
//!
//! One set of portable SQL (`$n` binds, `ON CONFLICT`, no database-specific functions) runs through
//! `sqlx::Any` on SQLite (a file in WAL mode, or `sqlite::memory:`) or PostgreSQL, chosen by the URL scheme.
//! Dates are stored as `YYYY-MM-DD` text and instants as Unix seconds; see `migrations/`.

use std::time::Duration;

use onshi_proto::IsoDate;
use onshi_proto::origin::{CertificateRef, CertificateStatus};
use onshi_proto::qualification::{
    ElderlyRecipient, PersonalFamily, QualificationRecord, Sex, SpecificDiseaseCertificate,
};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, ConnectOptions as _, Executor as _, FromRow};

use crate::error::{OriginError, Result};
use crate::insurer_number::InsurerNumber;

/// The schema migrations, embedded at build time from `origin/migrations/`.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a connection waits for a lock held by another connection before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: a file in WAL mode, or in memory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

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
/// connection is never left inside a transaction and needs no test between uses.
struct ReadConnections {
    connections: Vec<tokio::sync::Mutex<AnyConnection>>,
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
            connections.push(tokio::sync::Mutex::new(connection));
        }
        Ok(Self { connections, next: std::sync::atomic::AtomicUsize::new(0) })
    }

    /// A free connection, or the turn of the next one to come free.
    async fn acquire(&self) -> Option<tokio::sync::MutexGuard<'_, AnyConnection>> {
        if let Some(free) = self.connections.iter().find_map(|connection| connection.try_lock().ok()) {
            return Some(free);
        }
        let count = self.connections.len();
        let turn = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed).checked_rem(count)?;
        Some(self.connections.get(turn)?.lock().await)
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
    /// The one writer of audit and check-in rows: requests waiting at the same moment share a transaction.
    group_commit: crate::group_commit::GroupCommit,
    /// Connections reserved for lookups, over a SQLite file only (an in-memory database has one connection, and
    /// PostgreSQL serves the pool's connections without a thread each).
    readers: Option<std::sync::Arc<ReadConnections>>,
}

/// A person to insert (see the `persons` table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPerson {
    /// Stable identifier chosen by the caller.
    pub id: String,
    /// 漢字氏名 as registered.
    pub name: String,
    /// カナ氏名 as registered (half-width).
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所, when registered.
    pub address: Option<String>,
}

/// An insurer to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInsurer {
    /// 保険者番号, already checked.
    pub number: InsurerNumber,
    /// 保険者名称.
    pub name: String,
}

/// A qualification (資格) to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQualification {
    /// Stable identifier chosen by the caller.
    pub id: String,
    /// Whose cover this is.
    pub person_id: String,
    /// The 被保険者 (本人) the cover hangs on: `person_id` itself for 本人.
    pub insured_person_id: String,
    /// 保険者番号, already checked.
    pub insurer_number: InsurerNumber,
    /// 証区分 code (01 一般 …).
    pub card_classification: String,
    /// 記号.
    pub symbol: Option<String>,
    /// 番号.
    pub number: String,
    /// 枝番.
    pub branch: Option<String>,
    /// 本人・家族の別.
    pub personal_family: PersonalFamily,
    /// 資格取得日.
    pub qualification_date: IsoDate,
    /// 資格喪失日: the first day without cover.
    pub disqualification_date: Option<IsoDate>,
    /// 喪失事由 code (01 死亡, 02 生活保護受給開始, 03 医療保険等の資格取得, 99 その他).
    pub loss_reason: Option<String>,
    /// 一部負担金割合 in percent.
    pub partial_contribution_percent: u8,
    /// 高齢受給者証, for ages 70–74.
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// 限度額適用認定証区分 (A01–A06, B01–B10).
    pub limit_category: Option<String>,
    /// 特定疾病療養受療証, at most one per qualification (see `migrations/0004_…`).
    pub specific_disease: Option<SpecificDiseaseCertificate>,
}

/// A 保険証利用登録 link between a certificate and a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCertificateLink {
    /// The linked certificate.
    pub certificate: CertificateRef,
    /// The person it identifies.
    pub person_id: String,
}

/// Records to insert together, all or nothing. Rows whose key already exists are left as they are, so applying
/// the same batch twice changes nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordBatch {
    /// Insurers.
    pub insurers: Vec<NewInsurer>,
    /// Persons.
    pub persons: Vec<NewPerson>,
    /// Qualifications (after the insurers and persons they refer to).
    pub qualifications: Vec<NewQualification>,
    /// Certificate links.
    pub links: Vec<NewCertificateLink>,
    /// Initial certificate statuses. An existing status is never overwritten by a batch, so re-seeding cannot
    /// un-revoke a certificate.
    pub certificate_statuses: Vec<(CertificateRef, CertificateStatus)>,
    /// J-LIS stand-in entries (certificate → 個人番号 and status); existing entries are kept.
    pub jlis_certificates: Vec<NewJlisCertificate>,
    /// 住基 stand-in entries; existing entries are kept.
    pub residents: Vec<NewResident>,
    /// 個人番号 of persons in this batch (or already stored), as (person id, number); set only where a person
    /// has none yet.
    pub individual_numbers: Vec<(String, String)>,
    /// 薬剤情報 rows.
    pub medications: Vec<NewMedication>,
    /// 特定健診 rows.
    pub checkups: Vec<NewCheckup>,
}

/// The 5 items identity matching compares (漢字氏名, カナ氏名, 生年月日, 性別, 住所).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonItems {
    /// 漢字氏名, possibly with ● for 外字.
    pub name: String,
    /// カナ氏名.
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所.
    pub address: String,
}

/// One 住基 stand-in entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewResident {
    /// 個人番号 (already checked).
    pub individual_number: String,
    /// What the resident registry holds.
    pub items: PersonItems,
}

/// Status of a certificate in the J-LIS stand-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JlisStatus {
    /// Usable.
    Good,
    /// Revoked.
    Revoked,
    /// Past its validity period.
    Expired,
}

impl JlisStatus {
    fn as_text(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }

    fn from_text(text: &str) -> Result<Self> {
        match text {
            "good" => Ok(Self::Good),
            "revoked" => Ok(Self::Revoked),
            "expired" => Ok(Self::Expired),
            other => Err(OriginError::CorruptRecord(format!("certificate status {other:?}"))),
        }
    }

    /// The status as the edge sees it.
    pub fn wire_status(self) -> CertificateStatus {
        match self {
            Self::Good => CertificateStatus::Good,
            Self::Revoked | Self::Expired => CertificateStatus::Revoked,
        }
    }
}

/// A J-LIS stand-in entry to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJlisCertificate {
    /// The certificate.
    pub certificate: CertificateRef,
    /// The 個人番号 it was issued for, when known.
    pub individual_number: Option<String>,
    /// Its status.
    pub status: JlisStatus,
}

/// A J-LIS stand-in entry as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct JlisEntry {
    /// The 個人番号 the certificate was issued for, when known.
    pub individual_number: Option<String>,
    /// Its status.
    pub status: JlisStatus,
}

impl std::fmt::Debug for JlisEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The 個人番号 is never printed.
        f.debug_struct("JlisEntry")
            .field("individual_number", &self.individual_number.as_ref().map(|_| "<redacted>"))
            .field("status", &self.status)
            .finish()
    }
}

/// A 薬剤情報 row to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMedication {
    /// Stable identifier.
    pub id: String,
    /// Whose.
    pub person_id: String,
    /// The entry.
    pub entry: onshi_proto::origin::MedicationEntry,
}

/// A 特定健診 row to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCheckup {
    /// Stable identifier.
    pub id: String,
    /// Whose.
    pub person_id: String,
    /// The entry.
    pub entry: onshi_proto::origin::CheckupEntry,
}

/// Whether a person record may be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldStatus {
    /// Never held, or corrected by the insurer.
    None,
    /// Held after a failed mis-registration check: answers `record_held`, never shows data.
    Held,
    /// The insurer recorded 理由付き疑いなし.
    Cleared,
}

impl HoldStatus {
    pub(crate) fn as_text(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Held => "held",
            Self::Cleared => "cleared",
        }
    }

    pub(crate) fn from_text(text: &str) -> Result<Self> {
        match text {
            "none" => Ok(Self::None),
            "held" => Ok(Self::Held),
            "cleared" => Ok(Self::Cleared),
            other => Err(OriginError::CorruptRecord(format!("hold status {other:?}"))),
        }
    }
}

/// The person a certificate (or a card number) leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardHolderRecord {
    /// The person record.
    pub person_id: String,
    /// True when the record is held; `records` is then always empty.
    pub held: bool,
    /// All of the person's qualifications (empty when held).
    pub records: Vec<QualificationRecord>,
}

/// 保険者番号 + 記号 + 番号 + 枝番 as stored (記号 and 枝番 are '' when absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberKey {
    /// 保険者番号 (6 or 8 digits).
    pub insurer_number: String,
    /// 記号, '' when none.
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番, '' when none.
    pub branch: String,
}

/// How many rows a batch actually added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// New rows across all tables.
    pub rows_inserted: u64,
}

/// One row of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct AuditEvent {
    /// Random identifier.
    pub id: String,
    /// When (Unix seconds).
    pub occurred_at: i64,
    /// Which device asked, as the edge reported it.
    pub actor_device_id: Option<String>,
    /// Which facility (医療機関コード) asked.
    pub actor_facility_code: Option<String>,
    /// About whom; `None` when the question matched nobody.
    pub subject_person_id: Option<String>,
    /// Why: a fixed purpose code such as `qualification_by_certificate`.
    pub purpose: String,
    /// What the answer was: a fixed outcome code such as `valid` or `no_qualification`.
    pub outcome: String,
    /// The facility's `ArbitraryIdentifier`, echoed.
    pub arbitrary_identifier: Option<String>,
}

/// One row of [`Store::card_holder`]'s statement: the link and person, and one qualification when there is one.
#[derive(FromRow)]
struct CardHolderRow {
    person_id: String,
    hold_status: String,
    card_classification: Option<String>,
    insurer_number: Option<String>,
    insurer_name: Option<String>,
    symbol: Option<String>,
    number: Option<String>,
    branch: Option<String>,
    personal_family: Option<String>,
    name: String,
    name_kana: String,
    sex: String,
    birth_date: String,
    qualification_date: Option<String>,
    disqualification_date: Option<String>,
    partial_contribution_percent: Option<i32>,
    elderly_contribution_percent: Option<i32>,
    elderly_valid_from: Option<String>,
    elderly_valid_until: Option<String>,
    limit_category: Option<String>,
    specific_disease_category: Option<String>,
    specific_disease_valid_from: Option<String>,
    specific_disease_valid_until: Option<String>,
    specific_disease_self_pay_yen: Option<i32>,
}

impl CardHolderRow {
    /// The qualification this row carries; `None` for the single row of a person without qualifications (or a
    /// qualification whose insurer is missing).
    fn into_qualification(self) -> Option<QualificationRow> {
        Some(QualificationRow {
            card_classification: self.card_classification?,
            insurer_number: self.insurer_number?,
            insurer_name: self.insurer_name?,
            symbol: self.symbol?,
            number: self.number?,
            branch: self.branch?,
            personal_family: self.personal_family?,
            name: self.name,
            name_kana: self.name_kana,
            sex: self.sex,
            birth_date: self.birth_date,
            qualification_date: self.qualification_date?,
            disqualification_date: self.disqualification_date,
            partial_contribution_percent: self.partial_contribution_percent?,
            elderly_contribution_percent: self.elderly_contribution_percent,
            elderly_valid_from: self.elderly_valid_from,
            elderly_valid_until: self.elderly_valid_until,
            limit_category: self.limit_category,
            specific_disease_category: self.specific_disease_category,
            specific_disease_valid_from: self.specific_disease_valid_from,
            specific_disease_valid_until: self.specific_disease_valid_until,
            specific_disease_self_pay_yen: self.specific_disease_self_pay_yen,
        })
    }
}

#[derive(FromRow)]
struct QualificationRow {
    card_classification: String,
    insurer_number: String,
    insurer_name: String,
    symbol: String,
    number: String,
    branch: String,
    personal_family: String,
    name: String,
    name_kana: String,
    sex: String,
    birth_date: String,
    qualification_date: String,
    disqualification_date: Option<String>,
    partial_contribution_percent: i32,
    elderly_contribution_percent: Option<i32>,
    elderly_valid_from: Option<String>,
    elderly_valid_until: Option<String>,
    limit_category: Option<String>,
    specific_disease_category: Option<String>,
    specific_disease_valid_from: Option<String>,
    specific_disease_valid_until: Option<String>,
    specific_disease_self_pay_yen: Option<i32>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies the migrations. `sqlite://path/to/file`,
    /// `sqlite:path`, `sqlite::memory:` and `postgres://…` (or `postgresql://…`) are understood.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            (Backend::Sqlite, sqlite_url_creating_file(url))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(OriginError::Usage(format!(
                "unsupported database URL scheme in {:?}: use sqlite: or postgres:// URLs",
                url.split(':').next().unwrap_or_default()
            )));
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
        let group_commit = crate::group_commit::GroupCommit::start(pool.clone(), backend);
        Ok(Self { pool, backend, batch_lock: std::sync::Arc::default(), group_commit, readers })
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

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The person a certificate is linked to and all of their qualifications, or `None` when the certificate is
    /// not linked.
    pub async fn card_holder(&self, certificate: &CertificateRef) -> Result<Option<CardHolderRecord>> {
        // One statement finds the link, the person's hold status and every qualification: a lookup is one round
        // trip to the database. The insurer join is an outer join only so that a linked person without
        // qualifications still yields a row; a qualification without its insurer is skipped, as the inner join of
        // [`qualifications_of`] would.
        let query = sqlx::query_as(
            "SELECT l.person_id, p.hold_status, q.card_classification, q.insurer_number, i.name AS insurer_name, \
                    q.symbol, q.number, q.branch, q.personal_family, p.name, p.name_kana, p.sex, p.birth_date, \
                    q.qualification_date, q.disqualification_date, q.partial_contribution_percent, \
                    q.elderly_contribution_percent, q.elderly_valid_from, q.elderly_valid_until, q.limit_category, \
                    q.specific_disease_category, q.specific_disease_valid_from, q.specific_disease_valid_until, \
                    q.specific_disease_self_pay_yen \
             FROM certificate_links l \
             JOIN persons p ON p.id = l.person_id \
             LEFT JOIN qualifications q ON q.person_id = p.id \
             LEFT JOIN insurers i ON i.insurer_number = q.insurer_number \
             WHERE l.certificate_issuer = $1 AND l.certificate_serial = $2 \
             ORDER BY q.qualification_date DESC, q.id",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial);
        let reader = match &self.readers {
            Some(readers) => readers.acquire().await,
            None => None,
        };
        let rows: Vec<CardHolderRow> = match reader {
            Some(mut connection) => query.fetch_all(&mut *connection).await?,
            None => query.fetch_all(&self.pool).await?,
        };
        let Some(first) = rows.first() else { return Ok(None) };
        let person_id = first.person_id.clone();
        let held = HoldStatus::from_text(&first.hold_status)? == HoldStatus::Held;
        if held {
            return Ok(Some(CardHolderRecord { person_id, held, records: Vec::new() }));
        }
        let records = rows
            .into_iter()
            .filter_map(CardHolderRow::into_qualification)
            .map(QualificationRow::into_record)
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(CardHolderRecord { person_id, held, records }))
    }

    /// The qualifications under 保険者番号 + 記号 + 番号 + 枝番 whose holder was born on `birth_date`, grouped by
    /// person: one entry per person found (normally zero or one).
    pub async fn qualification_holders(&self, key: &NumberKey, birth_date: IsoDate) -> Result<Vec<CardHolderRecord>> {
        let mut conn = self.pool.acquire().await?;
        let people: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT p.id, p.hold_status FROM qualifications q JOIN persons p ON p.id = q.person_id \
             WHERE q.insurer_number = $1 AND q.symbol = $2 AND q.number = $3 AND q.branch = $4 \
               AND p.birth_date = $5 ORDER BY p.id",
        )
        .bind(&key.insurer_number)
        .bind(&key.symbol)
        .bind(&key.number)
        .bind(&key.branch)
        .bind(birth_date.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let mut holders = Vec::with_capacity(people.len());
        for (person_id, hold_status) in people {
            let held = HoldStatus::from_text(&hold_status)? == HoldStatus::Held;
            let records = if held {
                Vec::new()
            } else {
                qualifications_of(&mut conn, &person_id)
                    .await?
                    .into_iter()
                    .filter(|r| {
                        r.insurer_number == key.insurer_number
                            && r.symbol.as_deref().unwrap_or_default() == key.symbol
                            && r.number == key.number
                            && r.branch.as_deref().unwrap_or_default() == key.branch
                    })
                    .collect()
            };
            holders.push(CardHolderRecord { person_id, held, records });
        }
        Ok(holders)
    }
}

async fn qualifications_of(conn: &mut AnyConnection, person_id: &str) -> Result<Vec<QualificationRecord>> {
    let rows: Vec<QualificationRow> = sqlx::query_as(
        "SELECT q.card_classification, q.insurer_number, i.name AS insurer_name, q.symbol, q.number, q.branch, \
                    q.personal_family, p.name, p.name_kana, p.sex, p.birth_date, q.qualification_date, \
                    q.disqualification_date, q.partial_contribution_percent, q.elderly_contribution_percent, \
                    q.elderly_valid_from, q.elderly_valid_until, q.limit_category, q.specific_disease_category, \
                    q.specific_disease_valid_from, q.specific_disease_valid_until, q.specific_disease_self_pay_yen \
             FROM qualifications q \
             JOIN persons p ON p.id = q.person_id \
             JOIN insurers i ON i.insurer_number = q.insurer_number \
             WHERE q.person_id = $1 \
             ORDER BY q.qualification_date DESC, q.id",
    )
    .bind(person_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(QualificationRow::into_record).collect::<Result<Vec<_>>>()
}

impl Store {
    /// Appends one row to the audit trail, committed together with the rows of other requests waiting at the same
    /// moment; returns once the row is durable.
    pub async fn record_audit(&self, event: &AuditEvent) -> Result<()> {
        self.commit_request_rows(crate::group_commit::RequestRows { audit: event.clone(), checkin: None }).await
    }

    /// Commits one request's audit row and, when given, its check-in row in the same transaction (shared with
    /// other requests waiting at the same moment); returns once they are durable.
    pub async fn commit_request_rows(&self, rows: crate::group_commit::RequestRows) -> Result<()> {
        self.group_commit.commit(rows).await
    }

    /// The audit trail about one person, oldest first.
    pub async fn audit_events_about(&self, person_id: &str) -> Result<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, occurred_at, actor_device_id, actor_facility_code, subject_person_id, purpose, outcome, \
                    arbitrary_identifier \
             FROM audit_events WHERE subject_person_id = $1 ORDER BY occurred_at, id",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The whole audit trail, oldest first.
    pub async fn audit_events(&self) -> Result<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, occurred_at, actor_device_id, actor_facility_code, subject_person_id, purpose, outcome, \
                    arbitrary_identifier \
             FROM audit_events ORDER BY occurred_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The revocation status of a certificate; `Unknown` when it has never been recorded. An expired certificate
    /// is reported as revoked: either way the edge must refuse it, and it knows no other refusal.
    pub async fn certificate_status(&self, certificate: &CertificateRef) -> Result<CertificateStatus> {
        Ok(match self.jlis_certificate(certificate).await? {
            None => CertificateStatus::Unknown,
            Some(entry) => entry.status.wire_status(),
        })
    }

    /// The J-LIS stand-in's entry for a certificate.
    pub async fn jlis_certificate(&self, certificate: &CertificateRef) -> Result<Option<JlisEntry>> {
        let row: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT individual_number, status FROM jlis_certificates \
             WHERE certificate_issuer = $1 AND certificate_serial = $2",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(individual_number, status)| {
            Ok(JlisEntry { individual_number, status: JlisStatus::from_text(&status)? })
        })
        .transpose()
    }

    /// Records a certificate as good or revoked at `now` (Unix seconds), replacing any earlier status and keeping
    /// its 個人番号. `Unknown` is not a status that can be recorded; asking for it removes the record instead.
    pub async fn set_certificate_status(
        &self,
        certificate: &CertificateRef,
        status: CertificateStatus,
        now: i64,
    ) -> Result<()> {
        let status = match status {
            CertificateStatus::Good => JlisStatus::Good,
            CertificateStatus::Revoked => JlisStatus::Revoked,
            CertificateStatus::Unknown => {
                sqlx::query("DELETE FROM jlis_certificates WHERE certificate_issuer = $1 AND certificate_serial = $2")
                    .bind(&certificate.issuer)
                    .bind(&certificate.serial)
                    .execute(&self.pool)
                    .await?;
                return Ok(());
            }
        };
        let revoked_at = (status == JlisStatus::Revoked).then_some(now);
        sqlx::query(
            "INSERT INTO jlis_certificates (certificate_issuer, certificate_serial, individual_number, status, \
                                            revoked_at, updated_at) \
             VALUES ($1, $2, NULL, $3, $4, $5) \
             ON CONFLICT (certificate_issuer, certificate_serial) \
             DO UPDATE SET status = excluded.status, revoked_at = excluded.revoked_at, updated_at = excluded.updated_at",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .bind(status.as_text())
        .bind(revoked_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records (or replaces) the J-LIS stand-in's entry for a certificate.
    pub async fn put_jlis_certificate(&self, entry: &NewJlisCertificate, now: i64) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        upsert_jlis(&mut conn, entry, now, true).await?;
        Ok(())
    }

    /// Records (or replaces) one 住基 stand-in entry.
    pub async fn put_resident(&self, resident: &NewResident, now: i64) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        upsert_resident(&mut conn, resident, now, true).await?;
        Ok(())
    }

    /// Inserts `batch` in one transaction at `now` (Unix seconds). Existing rows are kept unchanged.
    pub async fn apply(&self, batch: &RecordBatch, now: i64) -> Result<BatchSummary> {
        let mut tx = self.pool.begin().await?;
        let mut rows_inserted = 0;
        for insurer in &batch.insurers {
            rows_inserted += insert_insurer(&mut tx, insurer, now).await?;
        }
        for person in &batch.persons {
            rows_inserted += insert_person(&mut tx, person, now).await?;
        }
        for qualification in &batch.qualifications {
            rows_inserted += insert_qualification(&mut tx, qualification, now).await?;
        }
        for link in &batch.links {
            rows_inserted += insert_link(&mut tx, link, now).await?;
        }
        // J-LIS entries with their 個人番号 go first, so a bare status for the same certificate cannot take
        // their place.
        for entry in &batch.jlis_certificates {
            rows_inserted += upsert_jlis(&mut tx, entry, now, false).await?;
        }
        for (certificate, status) in &batch.certificate_statuses {
            let status = match status {
                CertificateStatus::Good => JlisStatus::Good,
                CertificateStatus::Revoked => JlisStatus::Revoked,
                CertificateStatus::Unknown => continue,
            };
            let entry = NewJlisCertificate { certificate: certificate.clone(), individual_number: None, status };
            rows_inserted += upsert_jlis(&mut tx, &entry, now, false).await?;
        }
        for (person_id, number) in &batch.individual_numbers {
            let done =
                sqlx::query("UPDATE persons SET individual_number = $1 WHERE id = $2 AND individual_number IS NULL")
                    .bind(number)
                    .bind(person_id)
                    .execute(&mut *tx)
                    .await?;
            rows_inserted += done.rows_affected();
        }
        for resident in &batch.residents {
            rows_inserted += upsert_resident(&mut tx, resident, now, false).await?;
        }
        for entry in &batch.medications {
            rows_inserted += insert_medication(&mut tx, entry).await?;
        }
        for entry in &batch.checkups {
            rows_inserted += insert_checkup(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(BatchSummary { rows_inserted })
    }
}

pub(crate) async fn insert_insurer(conn: &mut AnyConnection, insurer: &NewInsurer, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO insurers (insurer_number, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(insurer.number.as_str())
    .bind(&insurer.name)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_person(conn: &mut AnyConnection, person: &NewPerson, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO persons (id, name, name_kana, birth_date, sex, address, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&person.id)
    .bind(&person.name)
    .bind(&person.name_kana)
    .bind(person.birth_date.to_string())
    .bind(sex_text(person.sex))
    .bind(&person.address)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_qualification(conn: &mut AnyConnection, q: &NewQualification, now: i64) -> Result<u64> {
    let elderly = q.elderly_recipient.as_ref();
    let disease = q.specific_disease.as_ref();
    let done = sqlx::query(
        "INSERT INTO qualifications (id, person_id, insured_person_id, insurer_number, card_classification, symbol, \
                                     number, branch, personal_family, qualification_date, disqualification_date, \
                                     loss_reason, partial_contribution_percent, elderly_contribution_percent, \
                                     elderly_valid_from, elderly_valid_until, limit_category, created_at, \
                                     specific_disease_category, specific_disease_valid_from, \
                                     specific_disease_valid_until, specific_disease_self_pay_yen) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
                 $22) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&q.id)
    .bind(&q.person_id)
    .bind(&q.insured_person_id)
    .bind(q.insurer_number.as_str())
    .bind(&q.card_classification)
    .bind(q.symbol.clone().unwrap_or_default())
    .bind(&q.number)
    .bind(q.branch.clone().unwrap_or_default())
    .bind(personal_family_text(q.personal_family))
    .bind(q.qualification_date.to_string())
    .bind(q.disqualification_date.map(|d| d.to_string()))
    .bind(&q.loss_reason)
    .bind(i32::from(q.partial_contribution_percent))
    .bind(elderly.map(|e| i32::from(e.contribution_ratio_percent)))
    .bind(elderly.map(|e| e.valid_from.to_string()))
    .bind(elderly.and_then(|e| e.valid_until).map(|d| d.to_string()))
    .bind(&q.limit_category)
    .bind(now)
    .bind(disease.map(|d| d.disease_category.as_str()))
    .bind(disease.and_then(|d| d.valid_from).map(|d| d.to_string()))
    .bind(disease.and_then(|d| d.valid_until).map(|d| d.to_string()))
    // Batches accept only 10,000 or 20,000; anything that does not fit is refused by the column's CHECK.
    .bind(disease.and_then(|d| d.monthly_self_pay_yen).map(|yen| i32::try_from(yen).unwrap_or(i32::MAX)))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_link(conn: &mut AnyConnection, link: &NewCertificateLink, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO certificate_links (certificate_issuer, certificate_serial, person_id, linked_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(&link.certificate.issuer)
    .bind(&link.certificate.serial)
    .bind(&link.person_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Inserts or (with `replace`) overwrites a J-LIS entry. Without `replace` an existing entry is kept, so
/// re-seeding cannot un-revoke a certificate.
async fn upsert_jlis(conn: &mut AnyConnection, entry: &NewJlisCertificate, now: i64, replace: bool) -> Result<u64> {
    let revoked_at = (entry.status == JlisStatus::Revoked).then_some(now);
    let on_conflict = if replace {
        "DO UPDATE SET individual_number = excluded.individual_number, status = excluded.status, \
         revoked_at = excluded.revoked_at, updated_at = excluded.updated_at"
    } else {
        "DO NOTHING"
    };
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO jlis_certificates (certificate_issuer, certificate_serial, individual_number, status, revoked_at, \
                                        updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (certificate_issuer, certificate_serial) {on_conflict}"
    )))
    .bind(&entry.certificate.issuer)
    .bind(&entry.certificate.serial)
    .bind(&entry.individual_number)
    .bind(entry.status.as_text())
    .bind(revoked_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn upsert_resident(conn: &mut AnyConnection, resident: &NewResident, now: i64, replace: bool) -> Result<u64> {
    let on_conflict = if replace {
        "DO UPDATE SET name = excluded.name, name_kana = excluded.name_kana, birth_date = excluded.birth_date, \
         sex = excluded.sex, address = excluded.address, updated_at = excluded.updated_at"
    } else {
        "DO NOTHING"
    };
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO resident_registry (individual_number, name, name_kana, birth_date, sex, address, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (individual_number) {on_conflict}"
    )))
    .bind(&resident.individual_number)
    .bind(&resident.items.name)
    .bind(&resident.items.name_kana)
    .bind(resident.items.birth_date.to_string())
    .bind(sex_text(resident.items.sex))
    .bind(&resident.items.address)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_medication(conn: &mut AnyConnection, entry: &NewMedication) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO medication_history (id, person_id, dispensed_on, drug_name, quantity, days, facility_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&entry.id)
    .bind(&entry.person_id)
    .bind(entry.entry.dispensed_on.to_string())
    .bind(&entry.entry.drug_name)
    .bind(&entry.entry.quantity)
    .bind(i64::from(entry.entry.days))
    .bind(&entry.entry.facility_name)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_checkup(conn: &mut AnyConnection, entry: &NewCheckup) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO checkup_history (id, person_id, checked_on, item, value, unit) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(&entry.id)
    .bind(&entry.person_id)
    .bind(entry.entry.checked_on.to_string())
    .bind(&entry.entry.item)
    .bind(&entry.entry.value)
    .bind(&entry.entry.unit)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) fn sex_text(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Unspecified => "unspecified",
    }
}

pub(crate) fn sex_from_text(text: &str) -> Result<Sex> {
    match text {
        "male" => Ok(Sex::Male),
        "female" => Ok(Sex::Female),
        "unspecified" => Ok(Sex::Unspecified),
        other => Err(OriginError::CorruptRecord(format!("sex {other:?}"))),
    }
}

pub(crate) fn personal_family_text(value: PersonalFamily) -> &'static str {
    match value {
        PersonalFamily::Insured => "insured",
        PersonalFamily::Dependent => "dependent",
    }
}

pub(crate) fn parse_date(column: &str, text: &str) -> Result<IsoDate> {
    IsoDate::parse(text).map_err(|_| OriginError::CorruptRecord(format!("{column} is not a YYYY-MM-DD date")))
}

fn parse_percent(column: &str, value: i32) -> Result<u8> {
    u8::try_from(value).map_err(|_| OriginError::CorruptRecord(format!("{column} is out of range")))
}

fn non_empty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

impl QualificationRow {
    fn into_record(self) -> Result<QualificationRecord> {
        let personal_family = match self.personal_family.as_str() {
            "insured" => PersonalFamily::Insured,
            "dependent" => PersonalFamily::Dependent,
            _ => return Err(OriginError::CorruptRecord("personal_family".into())),
        };
        let sex = match self.sex.as_str() {
            "male" => Sex::Male,
            "female" => Sex::Female,
            "unspecified" => Sex::Unspecified,
            _ => return Err(OriginError::CorruptRecord("sex".into())),
        };
        let elderly_recipient = match (self.elderly_contribution_percent, self.elderly_valid_from) {
            (Some(percent), Some(from)) => Some(ElderlyRecipient {
                contribution_ratio_percent: parse_percent("elderly_contribution_percent", percent)?,
                valid_from: parse_date("elderly_valid_from", &from)?,
                valid_until: self.elderly_valid_until.map(|d| parse_date("elderly_valid_until", &d)).transpose()?,
            }),
            (None, None) => None,
            _ => return Err(OriginError::CorruptRecord("elderly recipient fields are incomplete".into())),
        };
        Ok(QualificationRecord {
            card_classification: self.card_classification,
            insurer_number: self.insurer_number,
            insurer_name: self.insurer_name,
            symbol: non_empty(self.symbol),
            number: self.number,
            branch: non_empty(self.branch),
            personal_family,
            name: self.name,
            name_kana: self.name_kana,
            sex,
            birth_date: parse_date("birth_date", &self.birth_date)?,
            qualification_date: parse_date("qualification_date", &self.qualification_date)?,
            disqualification_date: self
                .disqualification_date
                .map(|d| parse_date("disqualification_date", &d))
                .transpose()?,
            partial_contribution_percent: parse_percent(
                "partial_contribution_percent",
                self.partial_contribution_percent,
            )?,
            elderly_recipient,
            limit_category: self.limit_category,
            specific_diseases: match self.specific_disease_category {
                None => Vec::new(),
                Some(disease_category) => vec![SpecificDiseaseCertificate {
                    disease_category,
                    valid_from: self
                        .specific_disease_valid_from
                        .map(|d| parse_date("specific_disease_valid_from", &d))
                        .transpose()?,
                    valid_until: self
                        .specific_disease_valid_until
                        .map(|d| parse_date("specific_disease_valid_until", &d))
                        .transpose()?,
                    monthly_self_pay_yen: self
                        .specific_disease_self_pay_yen
                        .map(|yen| {
                            u32::try_from(yen)
                                .map_err(|_| OriginError::CorruptRecord("specific_disease_self_pay_yen".into()))
                        })
                        .transpose()?,
                }],
            },
        })
    }
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

/// What a 健康保険証利用登録 attempt found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationResult {
    /// Linked now.
    Registered {
        /// The person linked to.
        person_id: String,
    },
    /// The certificate was already linked to this person.
    AlreadyRegistered {
        /// The person.
        person_id: String,
    },
    /// The only records under the card holder's 個人番号 are held.
    Held {
        /// One of the held records.
        person_id: String,
    },
    /// No insurer registered anyone under the card holder's 個人番号 (or J-LIS does not know the number).
    NoInsuredRecord,
    /// Several records that are not held carry the number: linking would have to guess.
    Ambiguous,
    /// The certificate is revoked, expired or unknown to J-LIS.
    CertificateNotUsable,
}

impl Store {
    /// 健康保険証利用登録 at `now`: resolves the certificate to a 個人番号 through the J-LIS stand-in, finds the
    /// person the insurers registered under it (never a held one), and links the certificate to that person. The
    /// number itself never leaves this function.
    pub async fn register_certificate(&self, certificate: &CertificateRef, now: i64) -> Result<RegistrationResult> {
        let mut tx = self.pool.begin().await?;
        let jlis: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT individual_number, status FROM jlis_certificates \
             WHERE certificate_issuer = $1 AND certificate_serial = $2",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((number, status)) = jlis else { return Ok(RegistrationResult::CertificateNotUsable) };
        if JlisStatus::from_text(&status)? != JlisStatus::Good {
            return Ok(RegistrationResult::CertificateNotUsable);
        }
        let Some(number) = number else { return Ok(RegistrationResult::NoInsuredRecord) };
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT person_id FROM certificate_links WHERE certificate_issuer = $1 AND certificate_serial = $2",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .fetch_optional(&mut *tx)
        .await?;
        let candidates: Vec<(String, String)> =
            sqlx::query_as("SELECT id, hold_status FROM persons WHERE individual_number = $1 ORDER BY id")
                .bind(&number)
                .fetch_all(&mut *tx)
                .await?;
        let mut usable = Vec::new();
        let mut held = None;
        for (person_id, hold) in candidates {
            if HoldStatus::from_text(&hold)? == HoldStatus::Held {
                held.get_or_insert(person_id);
            } else {
                usable.push(person_id);
            }
        }
        let person_id = match (usable.len(), held) {
            (0, Some(person_id)) => return Ok(RegistrationResult::Held { person_id }),
            (0, None) => return Ok(RegistrationResult::NoInsuredRecord),
            (1, _) => usable.remove(0),
            _ => return Ok(RegistrationResult::Ambiguous),
        };
        if existing.as_deref() == Some(person_id.as_str()) {
            return Ok(RegistrationResult::AlreadyRegistered { person_id });
        }
        // A link to someone else (a renewed number, or an earlier mis-link the insurer has since corrected) is
        // replaced: the J-LIS answer is the authority on whose card this is.
        sqlx::query(
            "INSERT INTO certificate_links (certificate_issuer, certificate_serial, person_id, linked_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (certificate_issuer, certificate_serial) \
             DO UPDATE SET person_id = excluded.person_id, linked_at = excluded.linked_at",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .bind(&person_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RegistrationResult::Registered { person_id })
    }

    /// The person a certificate is linked to and whether that record is held.
    pub async fn linked_person(&self, certificate: &CertificateRef) -> Result<Option<(String, HoldStatus)>> {
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT l.person_id, p.hold_status FROM certificate_links l JOIN persons p ON p.id = l.person_id \
             WHERE l.certificate_issuer = $1 AND l.certificate_serial = $2",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .fetch_optional(&self.pool)
        .await?;
        found.map(|(id, hold)| Ok((id, HoldStatus::from_text(&hold)?))).transpose()
    }

    /// Records consents of `kinds` given by `person_id` to `facility_code` at `now`, each lasting
    /// [`onshi_proto::origin::CONSENT_WINDOW_SECONDS`], and the prescription format chosen on the same screen, all
    /// in one transaction.
    ///
    /// The prescription choice belongs to the visit, not to a consent (a patient may decline every consent and
    /// still choose 紙 or 電子), and the kiosk sends it after the qualification check-in of the same visit has been
    /// answered, which is committed before that answer leaves. So it is written onto the facility's latest
    /// check-in of this person on the Tokyo day of `now`, where the staff list reads it with no
    /// join. A choice without such a check-in (a consent given without a check-in today) has nothing to attach to
    /// and is not kept.
    pub async fn record_consents(
        &self,
        person_id: &str,
        facility_code: &str,
        device_id: Option<&str>,
        kinds: &[onshi_proto::origin::ConsentKind],
        prescription: Option<onshi_proto::origin::PrescriptionFormat>,
        now: i64,
    ) -> Result<()> {
        let checkin_date = IsoDate(crate::clock::tokyo_date(now)?);
        let mut tx = self.pool.begin().await?;
        for kind in kinds {
            sqlx::query(
                "INSERT INTO consents (id, person_id, facility_code, device_id, kind, granted_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(random_id()?)
            .bind(person_id)
            .bind(facility_code)
            .bind(device_id)
            .bind(consent_kind_text(*kind))
            .bind(now)
            .bind(now + onshi_proto::origin::CONSENT_WINDOW_SECONDS)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(prescription) = prescription {
            sqlx::query(
                "UPDATE checkins SET prescription = $1 WHERE id = ( \
                     SELECT id FROM checkins WHERE facility_code = $2 AND person_id = $3 AND checkin_date = $4 \
                     ORDER BY checked_in_at DESC, id DESC LIMIT 1)",
            )
            .bind(prescription_text(prescription))
            .bind(facility_code)
            .bind(person_id)
            .bind(checkin_date.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The consents of `person_id` to `facility_code` live at `now`: the latest grant of each kind.
    pub async fn live_consents(
        &self,
        person_id: &str,
        facility_code: &str,
        now: i64,
    ) -> Result<Vec<onshi_proto::origin::ConsentGrant>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT kind, granted_at, expires_at FROM consents \
             WHERE person_id = $1 AND facility_code = $2 AND granted_at <= $3 AND expires_at > $3 \
             ORDER BY kind, granted_at DESC",
        )
        .bind(person_id)
        .bind(facility_code)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut live: Vec<onshi_proto::origin::ConsentGrant> = Vec::new();
        for (kind, granted_at, expires_at) in rows {
            let kind = consent_kind_from_text(&kind)?;
            if live.last().is_some_and(|grant| grant.kind == kind) {
                continue;
            }
            live.push(onshi_proto::origin::ConsentGrant { kind, granted_at, expires_at });
        }
        live.sort_by_key(|grant| grant.kind);
        Ok(live)
    }

    /// 薬剤情報 of a person, newest first.
    pub async fn medication_history(&self, person_id: &str) -> Result<Vec<onshi_proto::origin::MedicationEntry>> {
        let rows: Vec<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT dispensed_on, drug_name, quantity, days, facility_name FROM medication_history \
             WHERE person_id = $1 ORDER BY dispensed_on DESC, id",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(on, drug_name, quantity, days, facility_name)| {
                Ok(onshi_proto::origin::MedicationEntry {
                    dispensed_on: parse_date("dispensed_on", &on)?,
                    drug_name,
                    quantity,
                    days: u32::try_from(days).map_err(|_| OriginError::CorruptRecord("days".into()))?,
                    facility_name,
                })
            })
            .collect()
    }

    /// 特定健診 results of a person, newest first.
    pub async fn checkup_history(&self, person_id: &str) -> Result<Vec<onshi_proto::origin::CheckupEntry>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT checked_on, item, value, unit FROM checkup_history WHERE person_id = $1 \
             ORDER BY checked_on DESC, id",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(on, item, value, unit)| {
                Ok(onshi_proto::origin::CheckupEntry { checked_on: parse_date("checked_on", &on)?, item, value, unit })
            })
            .collect()
    }

    /// Adds an insurer (if new) and a bearer token for it, stored as its SHA-256 only.
    pub async fn add_insurer_token(&self, insurer: &NewInsurer, token_sha256: &str, now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_insurer(&mut tx, insurer, now).await?;
        sqlx::query("INSERT INTO insurer_tokens (token_sha256, insurer_number, created_at) VALUES ($1, $2, $3)")
            .bind(token_sha256)
            .bind(insurer.number.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The insurer a bearer token (given as its SHA-256) belongs to.
    pub async fn insurer_for_token(&self, token_sha256: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT insurer_number FROM insurer_tokens WHERE token_sha256 = $1")
            .bind(token_sha256)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Counts rows of a table; for tests and metrics. Only the fixed table names of this schema are accepted.
    pub async fn count_rows(&self, table: &str) -> Result<i64> {
        const TABLES: [&str; 13] = [
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

/// The stored name of a prescription format (the `checkins.prescription` CHECK lists them).
pub(crate) fn prescription_text(format: onshi_proto::origin::PrescriptionFormat) -> &'static str {
    match format {
        onshi_proto::origin::PrescriptionFormat::Electronic => "electronic",
        onshi_proto::origin::PrescriptionFormat::Paper => "paper",
    }
}

/// The prescription format stored as `text`.
pub(crate) fn prescription_from_text(text: &str) -> Result<onshi_proto::origin::PrescriptionFormat> {
    match text {
        "electronic" => Ok(onshi_proto::origin::PrescriptionFormat::Electronic),
        "paper" => Ok(onshi_proto::origin::PrescriptionFormat::Paper),
        other => Err(OriginError::CorruptRecord(format!("prescription format {other:?}"))),
    }
}

fn consent_kind_text(kind: onshi_proto::origin::ConsentKind) -> &'static str {
    use onshi_proto::origin::ConsentKind;
    match kind {
        ConsentKind::Diagnosis => "diagnosis",
        ConsentKind::Medication => "medication",
        ConsentKind::Operation => "operation",
        ConsentKind::HealthCheckup => "health_checkup",
        ConsentKind::Comprehensive => "comprehensive",
    }
}

fn consent_kind_from_text(text: &str) -> Result<onshi_proto::origin::ConsentKind> {
    use onshi_proto::origin::ConsentKind;
    Ok(match text {
        "diagnosis" => ConsentKind::Diagnosis,
        "medication" => ConsentKind::Medication,
        "operation" => ConsentKind::Operation,
        "health_checkup" => ConsentKind::HealthCheckup,
        "comprehensive" => ConsentKind::Comprehensive,
        other => return Err(OriginError::CorruptRecord(format!("consent kind {other:?}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jlis_entry_never_prints_its_individual_number() {
        let entry = JlisEntry { individual_number: Some("123456789018".into()), status: JlisStatus::Good };
        assert!(!format!("{entry:?}").contains("123456789018"));
    }

    #[test]
    fn sqlite_urls_create_their_file_unless_told_otherwise() {
        assert_eq!(sqlite_url_creating_file("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(sqlite_url_creating_file("sqlite://a.db?cache=shared"), "sqlite://a.db?cache=shared&mode=rwc");
        assert_eq!(sqlite_url_creating_file("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
        assert_eq!(sqlite_url_creating_file("sqlite::memory:"), "sqlite::memory:");
    }
}
