//! The population loader's writes: a generated population streamed into the schema chunk by chunk, all in one
//! transaction, through each engine's bulk path. The loaded tables' non-unique indexes are dropped at the start and
//! built again from their own definitions before the commit, so each is one sort instead of a b-tree insertion per
//! row; a load that fails commits nothing, indexes included. Memory stays bounded by the chunk size whatever the
//! population size, and running the same load twice adds nothing. The database's side is the bottleneck, so
//! everything else is done beside it: the next chunk is generated on a thread of its own, and on SQLite each
//! statement's values are bound while the one before runs.
//!
//! - SQLite: multi-row `INSERT … ON CONFLICT DO NOTHING` statements of a fixed width, so each statement shape is
//!   prepared once per connection and reused, on a connection of the load's own that moves the file out of WAL
//!   for the load ([`load_sqlite`] says why) and back into it after. A file has one writer at a time, so some
//!   tables are written into a side file of the load's own by a second connection meanwhile, and copied into the
//!   database before the commit ([`SIDE_TABLES`]).
//! - PostgreSQL: `COPY … FROM STDIN` of each table's rows, on a connection of the load's own with
//!   `synchronous_commit` off: straight into a table that had no row when the load began, else into a temporary
//!   table of the same shape and then one `INSERT … SELECT … ON CONFLICT DO NOTHING` from it. COPY alone cannot
//!   skip a row that is already there, and a parameterised insert makes the server parse and plan thousands of
//!   parameters per statement.
//!
//! Both are fed the same rows ([`Value`]), built once per table from the generated persons.
//!
//! Layer: storage adapter. Must not generate anyone (`population.rs` does, from the seed alone).

use std::str::FromStr as _;

use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection as _, Sqlite};

use super::MIGRATOR;
use crate::error::{OriginError, Result};
use crate::population::{Generator, SyntheticPerson};
use crate::store::sql::{Backend, multi_row_insert};

/// Persons generated and written together, unless a caller asks for fewer: about 150 MB of rows in memory at a
/// time, twice over while the next chunk is generated. Each table's rows are written in key order within a chunk,
/// so the larger the chunk, the more of its keys land on the same page of a large index. The 10M load on SQLite
/// took 382.5 s with 20,000 persons a chunk, 330.9 s with 100,000 and 313.1 s with 250,000, whose peak memory was
/// 1.56 GB against 0.96–0.98 GB; 1M on PostgreSQL 33.3 s with 20,000 and 30.8 s with 100,000, at a peak of 177
/// against 586 MB (one run each).
pub const PERSONS_PER_CHUNK: usize = 100_000;

/// Rows per multi-row INSERT statement on SQLite. At most 12 columns × 400 rows = 4 800 parameters, far below
/// SQLite's limit of 32 766.
const ROWS_PER_STATEMENT: usize = 400;

/// Page cache for a SQLite load, in KiB (SQLite reads a negative `cache_size` as KiB). Four times as much made the
/// 10M load slower (366 against 340 s, one run each) and took 1.8 GB instead of 1.0 GB.
const LOAD_CACHE_KIB: i64 = 256 * 1024;

/// What a load added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadSummary {
    /// Persons generated (inserted or already present).
    pub persons: u64,
    /// Of them, card holders.
    pub card_holders: u64,
    /// Of the card holders, those whose certificate is linked (保険証利用登録).
    pub registered: u64,
    /// Rows actually inserted across all tables.
    pub rows_inserted: u64,
}

/// Creates (or migrates) the database at `url` and writes the population `generator` describes in one
/// transaction, with the tables' secondary indexes dropped first and built again from their own definitions once
/// every row is in; `progress` is called after each chunk of persons with the number done so far. Nothing is
/// committed unless all of it is, so a load that fails leaves the database as it was (migrated). The load runs on a
/// connection of its own, since each engine's bulk path is its own driver's. A load is meant for a database the
/// service is not using meanwhile: on PostgreSQL the dropped indexes lock their tables until the commit, and on
/// SQLite another connection keeps the load in WAL ([`load_sqlite`]). The persons are generated and written
/// `persons_per_chunk` at a time (at least one).
pub(crate) async fn load_population(
    url: &str,
    generator: &Generator,
    persons_per_chunk: usize,
    progress: impl FnMut(u64),
) -> Result<LoadSummary> {
    let chunked = Chunked { generator, persons: persons_per_chunk.max(1) };
    match Backend::of_url(url)? {
        Backend::Sqlite => load_sqlite(url, chunked, progress).await,
        Backend::Postgres => load_postgres(url, chunked, progress).await,
    }
}

/// A population and how many of its persons are generated and written together.
#[derive(Clone, Copy)]
struct Chunked<'a> {
    generator: &'a Generator,
    persons: usize,
}

/// A SQLite load, on a connection of its own to the file at `url`, created if missing.
///
/// For the load only, the file leaves WAL for a rollback journal. A transaction far larger than the page cache
/// spills pages as it goes; in WAL each spilled page is appended to the WAL, every later read of it searches the
/// WAL's index (whose cost grows with the WAL), and the checkpoint after the commit writes every page a second
/// time. In a rollback journal a spilled page goes straight to its place in the file, and only pages the file had
/// before the load are copied to the journal first: none, for a new file. The journal mode can change only while
/// no other connection has the file open; when one has, the load runs in WAL all the same, more slowly.
///
/// The connection also sets, for the load only, `synchronous = OFF` (a crash mid-load can corrupt the file; the
/// load is simply redone), a large page cache, and no foreign-key checks (every row refers to rows the generator
/// produced in the same or an earlier chunk; the tests check the result with `PRAGMA foreign_key_check`).
///
/// The tables of [`SIDE_TABLES`] are written by a second connection into a side file ([`SideFile`]) at the same
/// time, and copied into this one's transaction at the end, so a failed load still commits nothing.
async fn load_sqlite(url: &str, chunked: Chunked<'_>, progress: impl FnMut(u64)) -> Result<LoadSummary> {
    let options = SqliteConnectOptions::from_str(url)?.create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    MIGRATOR.run(&mut conn).await?;
    // Refused (SQLITE_BUSY, or the old mode answered) while another connection has the file; the load then stays
    // in WAL, as the doc comment says.
    let _rollback_journal_unless_in_use: std::result::Result<String, _> =
        sqlx::query_scalar("PRAGMA journal_mode = DELETE").fetch_one(&mut conn).await;
    sqlx::raw_sql(AssertSqlSafe(load_pragmas())).execute(&mut conn).await?;
    let side = SideFile::create(&mut conn, options.get_filename()).await?;
    let summary = load_with_side(&mut conn, &side, chunked, progress).await;
    let removed = side.remove(&mut conn).await;
    // Back to what the service expects of the file: WAL (the service's connections set the rest themselves).
    sqlx::raw_sql("PRAGMA journal_mode = WAL; PRAGMA optimize;").execute(&mut conn).await?;
    conn.close().await?;
    // A failed load's own error comes first.
    let summary = summary?;
    removed?;
    Ok(summary)
}

/// The connection settings of a SQLite load, on both of its files: no foreign-key checks, no `fsync`, a large page
/// cache and temporary structures in memory ([`load_sqlite`] says why).
fn load_pragmas() -> String {
    format!(
        "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = {}; PRAGMA temp_store = MEMORY;",
        -LOAD_CACHE_KIB
    )
}

/// The load itself on SQLite, once the side file is ready: the main file's transaction and the side file's.
async fn load_with_side(
    conn: &mut SqliteConnection,
    side: &SideFile,
    chunked: Chunked<'_>,
    progress: impl FnMut(u64),
) -> Result<LoadSummary> {
    let mut side_conn = side.connect().await?;
    let writer = Writer::Sqlite { main: conn.begin().await?, side: side_conn.begin().await? };
    let summary = load(writer, chunked, progress).await;
    let closed = side_conn.close().await;
    // A failed load's own error comes first.
    let summary = summary?;
    closed?;
    Ok(summary)
}

/// The tables a SQLite load writes into its side file, on a connection (and so a thread) of their own, while the
/// main file's connection writes the others; they are copied into the main file at the end. A database file has one
/// writer at a time, so a second file is the only way to a second writer. These three take about as long to write
/// as the persons, the 住基 entries and the 公費 together (at 10M, by each table's time in one run: 101 s against
/// 102 s), and the persons' two large indexes are built where they stay. Copying them took 31 s at 10M; with the
/// persons and the 住基 entries on the side instead, the copy took 43 s (one run each).
const SIDE_TABLES: [&str; 3] = ["certificate_links", "jlis_certificates", "qualifications"];

/// The schema name the main file's connection attaches the side file under.
const SIDE_SCHEMA: &str = "population_load_side";

/// A SQLite load's side file ([`SIDE_TABLES`]): beside the database, named after it, with empty copies of the
/// side tables made from the main file's own definitions, and attached to the main file's connection.
struct SideFile {
    path: std::path::PathBuf,
}

impl SideFile {
    /// Creates the side file of the database at `main` anew (a crashed load's is replaced), with the side tables
    /// as `conn` defines them, and attaches it to `conn`. The tables exist before the attachment, so that `conn`
    /// reads them with the file's schema.
    async fn create(conn: &mut SqliteConnection, main: &std::path::Path) -> Result<Self> {
        let mut name = main.as_os_str().to_owned();
        name.push(".population-load");
        let side = Self { path: name.into() };
        side.remove_file()?;
        let definitions: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ({}) ORDER BY name",
            name_list(&SIDE_TABLES)
        )))
        .fetch_all(&mut *conn)
        .await?;
        let mut side_conn = side.connect().await?;
        sqlx::raw_sql(AssertSqlSafe(definitions.join(";\n"))).execute(&mut side_conn).await?;
        side_conn.close().await?;
        sqlx::query(AssertSqlSafe(format!("ATTACH DATABASE ? AS {SIDE_SCHEMA}")))
            .bind(side.path.to_string_lossy().into_owned())
            .execute(&mut *conn)
            .await?;
        Ok(side)
    }

    /// A connection of its own to the side file. Its rollback journal is kept in memory: the file is thrown away
    /// whatever happens, and a file made for the load has no page a rollback would need back.
    async fn connect(&self) -> Result<SqliteConnection> {
        let options = SqliteConnectOptions::new().filename(&self.path).create_if_missing(true);
        let mut conn = SqliteConnection::connect_with(&options).await?;
        sqlx::raw_sql(AssertSqlSafe(format!("PRAGMA journal_mode = MEMORY; {}", load_pragmas())))
            .execute(&mut conn)
            .await?;
        Ok(conn)
    }

    /// Detaches the side file from `conn` and deletes it.
    async fn remove(self, conn: &mut SqliteConnection) -> Result<()> {
        sqlx::raw_sql(AssertSqlSafe(format!("DETACH DATABASE {SIDE_SCHEMA}"))).execute(&mut *conn).await?;
        self.remove_file()
    }

    fn remove_file(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error.into()),
            _ => Ok(()),
        }
    }
}

/// A PostgreSQL load, on a connection of its own: rows are COPYed ([`copy_rows`]).
async fn load_postgres(url: &str, chunked: Chunked<'_>, progress: impl FnMut(u64)) -> Result<LoadSummary> {
    let mut conn = PgConnection::connect(url).await?;
    MIGRATOR.run(&mut conn).await?;
    // As on SQLite, references are not checked row by row: the generator made every row referred to. Turning the
    // checks off takes a superuser; without one they stay on and the load is slower.
    sqlx::raw_sql("SET synchronous_commit = off").execute(&mut conn).await?;
    let _checks_stay_on_without_superuser =
        sqlx::raw_sql("SET session_replication_role = replica").execute(&mut conn).await;
    let writer = Writer::Postgres { tx: conn.begin().await?, empty_at_start: Vec::new() };
    let summary = load(writer, chunked, progress).await?;
    sqlx::raw_sql("ANALYZE").execute(&mut conn).await?;
    conn.close().await?;
    Ok(summary)
}

/// The load itself, in `writer`'s transaction. The persons of the next chunk are generated, and their rows built,
/// on a thread of their own while the writer writes the chunk before.
async fn load(mut writer: Writer<'_>, chunked: Chunked<'_>, mut progress: impl FnMut(u64)) -> Result<LoadSummary> {
    let generator = chunked.generator;
    let config = *generator.config();
    let indexes = writer.secondary_indexes().await?;
    for index in &indexes {
        writer.drop_index(index).await?;
    }
    writer.stage().await?;
    let mut summary = LoadSummary::default();
    summary.rows_inserted += writer.write(payer_and_insurer_rows(generator, config.created_at)).await?;
    let mut chunks = generate_chunks(generator.clone(), chunked.persons, writer.wants_sorted_rows());
    while let Some(chunk) = chunks.recv().await {
        let chunk = chunk?;
        summary.persons += chunk.persons;
        summary.card_holders += chunk.card_holders;
        summary.registered += chunk.registered;
        summary.rows_inserted += writer.write(chunk.tables).await?;
        progress(summary.persons);
    }
    // The generating thread ends early only by panicking: what it wrote must not be committed as the whole.
    if summary.persons != config.persons {
        return Err(OriginError::PopulationGeneratorStopped);
    }
    summary.rows_inserted += writer.finish(&indexes).await?;
    Ok(summary)
}

/// One chunk of persons, as the rows the load writes for them.
struct Chunk {
    persons: u64,
    card_holders: u64,
    registered: u64,
    tables: Vec<TableRows>,
}

/// Generates every chunk of `generator`'s population, `persons_per_chunk` persons each, in order on a blocking
/// thread, one chunk ahead of the receiver; each table's rows are in key order when `sorted`. Generating stops at
/// the first error, which is sent, or once the receiver is dropped (a load that failed).
fn generate_chunks(
    generator: Generator,
    persons_per_chunk: usize,
    sorted: bool,
) -> tokio::sync::mpsc::Receiver<Result<Chunk>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    tokio::task::spawn_blocking(move || {
        let config = *generator.config();
        let mut next = 0u64;
        while next < config.persons {
            let end = config.persons.min(next + persons_per_chunk as u64);
            let chunk = (next..end).map(|index| generator.person(index)).collect::<Result<Vec<_>>>().map(|chunk| {
                let mut tables = chunk_rows(&chunk, config.created_at);
                if sorted {
                    tables.iter_mut().for_each(|table| table.rows.sort_unstable());
                }
                let holders = || chunk.iter().filter_map(|p| p.card.as_ref());
                Chunk {
                    persons: chunk.len() as u64,
                    card_holders: holders().count() as u64,
                    registered: holders().filter(|card| card.registered).count() as u64,
                    tables,
                }
            });
            let failed = chunk.is_err();
            if sender.blocking_send(chunk).is_err() || failed {
                return;
            }
            next = end;
        }
    });
    receiver
}

/// A non-unique index on a table the load writes, as its database defines it. Unique ones stay: the load's
/// `ON CONFLICT DO NOTHING` needs them.
#[derive(Debug, sqlx::FromRow)]
struct SecondaryIndex {
    name: String,
    definition: String,
    /// The table it indexes.
    table_name: String,
}

/// One value of a row to load, typed as its column is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Self::Text(Some(text))
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::Text(Some(text.to_owned()))
    }
}

impl From<Option<String>> for Value {
    fn from(text: Option<String>) -> Self {
        Self::Text(text)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Self {
        Self::Int(Some(number))
    }
}

impl From<Option<i64>> for Value {
    fn from(number: Option<i64>) -> Self {
        Self::Int(number)
    }
}

type Row = Vec<Value>;

/// A table a load writes, with the columns it fills, in the order of each [`Row`]'s values.
#[derive(Clone, Copy)]
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
}

/// Rows for one table.
struct TableRows {
    table: Table,
    rows: Vec<Row>,
}

const INSURERS: Table = Table { name: "insurers", columns: &["insurer_number", "name", "created_at"] };
const PAYERS: Table = Table { name: "insurers", columns: &["insurer_number", "name", "created_at", "principal_kind"] };
const PAYER_BATCHES: Table = Table {
    name: "public_expense_batches",
    columns: &["id", "payer_number", "received_at", "body_sha256", "rows_total"],
};
const PERSONS: Table = Table {
    name: "persons",
    columns: &[
        "id",
        "name",
        "name_kana",
        "birth_date",
        "sex",
        "address",
        "created_at",
        "individual_number",
        "registered_by",
    ],
};
const RESIDENTS: Table = Table {
    name: "resident_registry",
    columns: &["individual_number", "name", "name_kana", "birth_date", "sex", "address", "updated_at"],
};
const QUALIFICATIONS: Table = Table {
    name: "qualifications",
    columns: &[
        "id",
        "person_id",
        "insured_person_id",
        "insurer_number",
        "card_classification",
        "symbol",
        "number",
        "branch",
        "personal_family",
        "qualification_date",
        "partial_contribution_percent",
        "created_at",
    ],
};
const PUBLIC_EXPENSES: Table = Table {
    name: "public_expenses",
    columns: &[
        "id",
        "individual_number",
        "payer_number",
        "kind",
        "recipient_number",
        "valid_from",
        "valid_until",
        "monthly_self_pay_yen",
        "batch_id",
    ],
};
const CERTIFICATES: Table = Table {
    name: "jlis_certificates",
    columns: &["certificate_issuer", "certificate_serial", "individual_number", "status", "updated_at"],
};
const LINKS: Table = Table {
    name: "certificate_links",
    columns: &["certificate_issuer", "certificate_serial", "person_id", "linked_at"],
};

/// What a population batch row keeps where a payer's upload keeps the SHA-256 of its body: there was no body.
const POPULATION_BATCH_DIGEST: &str = "population";

/// The id of the batch a payer's population rows are filed under.
fn population_batch_id(payer_number: &str) -> String {
    format!("population-{payer_number}")
}

/// The insurers, and the 公費負担者 beside them, each payer with the one batch its population rows are said to come
/// from.
fn payer_and_insurer_rows(generator: &Generator, created_at: i64) -> Vec<TableRows> {
    let insurers = generator.insurers();
    let payers = generator.payers();
    vec![
        TableRows {
            table: INSURERS,
            rows: insurers
                .iter()
                .map(|insurer| vec![insurer.number.as_str().into(), insurer.name.clone().into(), created_at.into()])
                .collect(),
        },
        TableRows {
            table: PAYERS,
            rows: payers
                .iter()
                .map(|payer| {
                    vec![
                        payer.number.as_str().into(),
                        payer.name.clone().into(),
                        created_at.into(),
                        "public_expense_payer".into(),
                    ]
                })
                .collect(),
        },
        TableRows {
            table: PAYER_BATCHES,
            rows: payers
                .iter()
                .map(|payer| {
                    vec![
                        population_batch_id(payer.number.as_str()).into(),
                        payer.number.as_str().into(),
                        created_at.into(),
                        POPULATION_BATCH_DIGEST.into(),
                        0i64.into(),
                    ]
                })
                .collect(),
        },
    ]
}

/// Every row a chunk of persons adds, table by table in the order their references need.
fn chunk_rows(chunk: &[SyntheticPerson], created_at: i64) -> Vec<TableRows> {
    let persons = chunk
        .iter()
        .map(|p| {
            vec![
                p.person.id.clone().into(),
                p.person.name.clone().into(),
                p.person.name_kana.clone().into(),
                p.person.birth_date.to_string().into(),
                p.person.sex.as_str().into(),
                p.person.address.clone().into(),
                created_at.into(),
                p.individual_number.clone().into(),
                registrar(p).into(),
            ]
        })
        .collect();
    let residents = chunk
        .iter()
        .map(|p| {
            vec![
                p.individual_number.clone().into(),
                p.person.name.clone().into(),
                p.person.name_kana.clone().into(),
                p.person.birth_date.to_string().into(),
                p.person.sex.as_str().into(),
                p.person.address.clone().unwrap_or_default().into(),
                created_at.into(),
            ]
        })
        .collect();
    let qualifications = chunk
        .iter()
        .filter_map(|p| p.qualification.as_ref())
        .map(|q| {
            vec![
                q.id.clone().into(),
                q.person_id.clone().into(),
                q.insured_person_id.clone().into(),
                q.insurer_number.as_str().into(),
                q.card_classification.clone().into(),
                q.symbol.clone().unwrap_or_default().into(),
                q.number.clone().into(),
                q.branch.clone().unwrap_or_default().into(),
                q.personal_family.as_str().into(),
                q.qualification_date.to_string().into(),
                i64::from(i32::from(q.partial_contribution_percent)).into(),
                created_at.into(),
            ]
        })
        .collect();
    let public_expenses = chunk
        .iter()
        .flat_map(|p| p.public_expenses.iter().map(move |expense| (p, expense)))
        .map(|(p, expense)| {
            vec![
                expense.id.clone().into(),
                p.individual_number.clone().into(),
                expense.payer_number.as_str().into(),
                expense.kind.as_str().into(),
                expense.recipient_number.as_str().into(),
                expense.valid_from.to_string().into(),
                expense.valid_until.map(|date| date.to_string()).into(),
                expense.monthly_self_pay_yen.map(i64::from).into(),
                population_batch_id(expense.payer_number.as_str()).into(),
            ]
        })
        .collect();
    let holders: Vec<_> = chunk.iter().filter_map(|p| p.card.as_ref().map(|card| (p, card))).collect();
    let certificates = holders
        .iter()
        .map(|(p, card)| {
            vec![
                card.certificate.issuer.to_string().into(),
                card.certificate.serial.to_string().into(),
                p.individual_number.clone().into(),
                "good".into(),
                created_at.into(),
            ]
        })
        .collect();
    let links = holders
        .iter()
        .filter(|(_, card)| card.registered)
        .map(|(p, card)| {
            vec![
                card.certificate.issuer.to_string().into(),
                card.certificate.serial.to_string().into(),
                p.person.id.clone().into(),
                created_at.into(),
            ]
        })
        .collect();
    vec![
        TableRows { table: PERSONS, rows: persons },
        TableRows { table: RESIDENTS, rows: residents },
        TableRows { table: QUALIFICATIONS, rows: qualifications },
        TableRows { table: PUBLIC_EXPENSES, rows: public_expenses },
        TableRows { table: CERTIFICATES, rows: certificates },
        TableRows { table: LINKS, rows: links },
    ]
}

/// Who registered a person: their insurer, or for a person on 医療扶助 with no insurer, the welfare office.
fn registrar(person: &SyntheticPerson) -> Option<String> {
    match &person.qualification {
        Some(qualification) => Some(qualification.insurer_number.as_str().to_owned()),
        None => person
            .public_expenses
            .iter()
            .find(|expense| expense.kind.is_medical_assistance())
            .map(|expense| expense.payer_number.as_str().to_owned()),
    }
}

/// Every table a load writes (`insurers` twice, with and without its principal's kind).
const LOADED: [Table; 9] =
    [INSURERS, PAYERS, PAYER_BATCHES, PERSONS, RESIDENTS, QUALIFICATIONS, PUBLIC_EXPENSES, CERTIFICATES, LINKS];

/// The names of the tables a load writes, each once, in order.
fn loaded_tables() -> Vec<&'static str> {
    let mut names: Vec<&str> = LOADED.iter().map(|table| table.name).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The names of the tables a load writes, as an SQL list for `IN (…)`.
fn loaded_table_names() -> String {
    name_list(&loaded_tables())
}

/// Table names (the constants above, never input) as an SQL list for `IN (…)`.
fn name_list(names: &[&str]) -> String {
    names.iter().map(|name| format!("'{name}'")).collect::<Vec<_>>().join(", ")
}

/// The temporary table a PostgreSQL load COPYs a table's rows into before inserting them.
fn staging_table(table_name: &str) -> String {
    format!("population_load_{table_name}")
}

/// Where a load writes: its transaction on a connection of its own, to SQLite or to PostgreSQL.
enum Writer<'c> {
    /// The main file's transaction, and the side file's ([`SIDE_TABLES`]).
    Sqlite { main: sqlx::Transaction<'c, Sqlite>, side: sqlx::Transaction<'c, Sqlite> },
    /// With the loaded tables that had no row when the load began ([`Writer::stage`]).
    Postgres { tx: sqlx::Transaction<'c, sqlx::Postgres>, empty_at_start: Vec<&'static str> },
}

impl Writer<'_> {
    /// Whether [`Writer::write`] is best fed each table's rows in key order (a row's leading values are its
    /// table's key): on SQLite each statement's rows then land on neighbouring b-tree pages. Two alternating runs
    /// of a million persons each way: 33.2 and 32.7 s sorted, 34.2 and 37.0 s not; PostgreSQL's COPY path gained
    /// nothing (48.0 against 45.8 s), so its rows are not sorted.
    fn wants_sorted_rows(&self) -> bool {
        matches!(self, Self::Sqlite { .. })
    }

    /// Writes every table's rows; returns the rows actually inserted. On SQLite the side tables' rows go to the side
    /// file at the same time as the others go to the main file, and are counted when [`Writer::finish`] copies them.
    async fn write(&mut self, tables: Vec<TableRows>) -> Result<u64> {
        match self {
            Self::Sqlite { main, side } => {
                let (on_side, on_main): (Vec<_>, Vec<_>) =
                    tables.into_iter().partition(|rows| SIDE_TABLES.contains(&rows.table.name));
                let (inserted, on_side) = tokio::join!(insert_tables(main, on_main), insert_tables(side, on_side));
                on_side?;
                inserted
            }
            Self::Postgres { tx, empty_at_start } => {
                let mut inserted = 0;
                for rows in tables {
                    let into_empty = empty_at_start.contains(&rows.table.name);
                    inserted += copy_rows(tx, rows, into_empty).await?;
                }
                Ok(inserted)
            }
        }
    }

    /// On PostgreSQL, notes the loaded tables that have no row yet, and creates the staging table of every other
    /// ([`copy_rows`]) once for the whole load; they go with the load's transaction. SQLite inserts directly and
    /// stages nothing.
    async fn stage(&mut self) -> Result<()> {
        let Self::Postgres { tx, empty_at_start } = self else {
            return Ok(());
        };
        for name in loaded_tables() {
            // Names are the constants above, never input.
            let empty: bool = sqlx::query_scalar(AssertSqlSafe(format!("SELECT NOT EXISTS (SELECT 1 FROM {name})")))
                .fetch_one(&mut **tx)
                .await?;
            if empty {
                empty_at_start.push(name);
                continue;
            }
            let staging = staging_table(name);
            sqlx::raw_sql(AssertSqlSafe(format!(
                "CREATE TEMPORARY TABLE {staging} (LIKE {name} INCLUDING DEFAULTS) ON COMMIT DROP"
            )))
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// The non-unique indexes of the loaded tables, from the database's own catalogue.
    async fn secondary_indexes(&mut self) -> Result<Vec<SecondaryIndex>> {
        let tables = loaded_table_names();
        Ok(match self {
            Self::Sqlite { main, .. } => {
                sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT name, sql AS definition, tbl_name AS table_name FROM sqlite_master WHERE type = 'index' \
                     AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({tables}) ORDER BY name"
                )))
                .fetch_all(&mut **main)
                .await?
            }
            Self::Postgres { tx, .. } => {
                sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT indexname AS name, indexdef AS definition, CAST(tablename AS TEXT) AS table_name \
                     FROM pg_indexes \
                     WHERE schemaname = current_schema() AND indexdef NOT LIKE 'CREATE UNIQUE%' \
                     AND tablename IN ({tables}) ORDER BY indexname"
                )))
                .fetch_all(&mut **tx)
                .await?
            }
        })
    }

    /// Drops an index of the main file (before the rows: it is built again by [`Writer::finish`]).
    async fn drop_index(&mut self, index: &SecondaryIndex) -> Result<()> {
        let sql = vec![format!("DROP INDEX {}", index.name)];
        match self {
            Self::Sqlite { main, .. } => run_statements(&mut **main, sql).await,
            Self::Postgres { tx, .. } => run_statements(&mut **tx, sql).await,
        }
    }

    /// Builds `indexes` again, each once over every row (one sort instead of a b-tree insertion per row), and
    /// commits; returns the rows the side file's copy added. On SQLite each file's connection builds its own
    /// tables' indexes, at the same time; the side file is committed, and its tables are copied into the main file
    /// with the indexes built there (SQLite copies a table into an empty one with the same indexes b-tree by b-tree,
    /// in order, and row by row into one that has rows, skipping those already there).
    async fn finish(self, indexes: &[SecondaryIndex]) -> Result<u64> {
        let (on_side, on_main): (Vec<_>, Vec<_>) =
            indexes.iter().partition(|index| SIDE_TABLES.contains(&index.table_name.as_str()));
        let definitions =
            |indexes: &[&SecondaryIndex]| indexes.iter().map(|i| i.definition.clone()).collect::<Vec<_>>();
        match self {
            Self::Sqlite { mut main, mut side } => {
                let (on_main, built_on_side) = tokio::join!(
                    run_statements(&mut *main, definitions(&on_main)),
                    run_statements(&mut *side, definitions(&on_side))
                );
                on_main?;
                built_on_side?;
                side.commit().await?;
                run_statements(&mut *main, definitions(&on_side)).await?;
                let mut copied = 0;
                for table in SIDE_TABLES {
                    // Names are the constants above, never input.
                    copied += sqlx::query(AssertSqlSafe(format!(
                        "INSERT OR IGNORE INTO main.{table} SELECT * FROM {SIDE_SCHEMA}.{table}"
                    )))
                    .execute(&mut *main)
                    .await?
                    .rows_affected();
                }
                main.commit().await?;
                Ok(copied)
            }
            Self::Postgres { mut tx, .. } => {
                run_statements(&mut *tx, indexes.iter().map(|index| index.definition.clone()).collect()).await?;
                tx.commit().await?;
                Ok(0)
            }
        }
    }
}

/// Runs statements of the load's own (indexes dropped or built, from the catalogue's names and definitions) on a
/// connection of either engine, one after another.
async fn run_statements<C>(conn: &mut C, statements: Vec<String>) -> Result<()>
where
    for<'c> &'c mut C: sqlx::Executor<'c>,
{
    for sql in statements {
        // Only index names and definitions read from the catalogue come here, never input.
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts each table's rows in turn ([`insert_rows`]); the rows actually inserted.
async fn insert_tables(conn: &mut SqliteConnection, tables: Vec<TableRows>) -> Result<u64> {
    let mut inserted = 0;
    for rows in tables {
        inserted += insert_rows(conn, rows).await?;
    }
    Ok(inserted)
}

/// `INSERT INTO table (columns) VALUES (…), (…) ON CONFLICT DO NOTHING` for `rows` rows, with SQLite's parameters.
fn statement(table: Table, rows: usize) -> String {
    let head = format!("INSERT INTO {} ({}) VALUES ", table.name, table.columns.join(", "));
    let mut sql = multi_row_insert(Backend::Sqlite, &head, table.columns.len(), rows);
    sql.push_str(" ON CONFLICT DO NOTHING");
    sql
}

/// Inserts a table's rows in statements of [`ROWS_PER_STATEMENT`] rows. Each statement's values are bound while
/// the connection's thread runs the one before, so the two threads work at once instead of taking turns.
async fn insert_rows(conn: &mut SqliteConnection, TableRows { table, rows }: TableRows) -> Result<u64> {
    let full = statement(table, ROWS_PER_STATEMENT);
    let bind = |group: Vec<Row>| {
        let sql = if group.len() == ROWS_PER_STATEMENT { full.clone() } else { statement(table, group.len()) };
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in group.into_iter().flatten() {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(number) => query.bind(number),
            };
        }
        query
    };
    let mut rows = rows.into_iter();
    let mut group = move || Some(rows.by_ref().take(ROWS_PER_STATEMENT).collect::<Vec<_>>()).filter(|g| !g.is_empty());
    let mut inserted = 0;
    let mut next = group().map(bind);
    while let Some(query) = next {
        let following = group();
        let (done, bound) = tokio::join!(query.execute(&mut *conn), async { following.map(bind) });
        inserted += done?.rows_affected();
        next = bound;
    }
    Ok(inserted)
}

/// COPYs a table's rows straight into it when it was empty when the load began (`into_empty`); otherwise into a
/// temporary table of its shape, then inserts those not there yet. Into an empty table every row is new: the
/// generator never makes two rows of one key (the tests load the same population into SQLite, which skips a
/// repeated key, and compare), and were a key repeated after all, the COPY would fail the whole load rather than
/// double a row.
async fn copy_rows(conn: &mut PgConnection, TableRows { table, rows }: TableRows, into_empty: bool) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    // Names and columns are the constants above, never input; the staging table is the load's ([`Writer::stage`]).
    let columns = table.columns.join(", ");
    // The table itself, or its staging table.
    let target = if into_empty { table.name.to_owned() } else { staging_table(table.name) };
    let mut copy = conn.copy_in_raw(&format!("COPY {target} ({columns}) FROM STDIN")).await?;
    copy.send(copy_text(&rows).into_bytes()).await?;
    let copied = copy.finish().await?;
    if into_empty {
        return Ok(copied);
    }
    let inserted = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {} ({columns}) SELECT {columns} FROM {target} ON CONFLICT DO NOTHING",
        table.name
    )))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::raw_sql(AssertSqlSafe(format!("TRUNCATE {target}"))).execute(&mut *conn).await?;
    Ok(inserted)
}

/// Rows in COPY's text format: one line per row, values separated by tabs, `\N` for NULL, and a backslash, tab,
/// newline or carriage return inside a value escaped with a backslash.
fn copy_text(rows: &[Row]) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    for row in rows {
        for (column, value) in row.iter().enumerate() {
            if column > 0 {
                text.push('\t');
            }
            match value {
                Value::Text(None) | Value::Int(None) => text.push_str("\\N"),
                Value::Int(Some(number)) => {
                    let _ = write!(text, "{number}");
                }
                Value::Text(Some(value)) => {
                    for character in value.chars() {
                        match character {
                            '\\' => text.push_str("\\\\"),
                            '\t' => text.push_str("\\t"),
                            '\n' => text.push_str("\\n"),
                            '\r' => text.push_str("\\r"),
                            other => text.push(other),
                        }
                    }
                }
            }
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_number_their_parameters_row_by_row() {
        let table = Table { name: "t", columns: &["a", "b"] };
        assert_eq!(statement(table, 2), "INSERT INTO t (a, b) VALUES (?,?),(?,?) ON CONFLICT DO NOTHING");
    }

    #[test]
    fn the_index_lookup_names_each_loaded_table_once() {
        assert_eq!(
            loaded_table_names(),
            "'certificate_links', 'insurers', 'jlis_certificates', 'persons', 'public_expense_batches', \
             'public_expenses', 'qualifications', 'resident_registry'"
        );
    }

    #[test]
    fn copy_text_escapes_what_would_end_a_value_or_a_row_and_writes_null_apart_from_empty() {
        let rows = vec![
            vec![Value::from("a\tb\\c"), Value::from(Some(7_i64)), Value::Text(None)],
            vec![Value::from("line\nbreak\r"), Value::Int(None), Value::from("")],
        ];
        assert_eq!(copy_text(&rows), "a\\tb\\\\c\t7\t\\N\nline\\nbreak\\r\t\\N\t\n");
    }
}
