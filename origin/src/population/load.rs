//! The bulk loader: writes a generated population into an origin database (SQLite or PostgreSQL), streaming.
//!
//! The origin's [`Store`] inserts one row per statement, which is right for the service and far too slow for ten
//! million persons. This adapter writes against the same schema (`migrations/`) with multi-row
//! `INSERT … ON CONFLICT DO NOTHING` statements of a fixed width, so each statement shape is prepared once per
//! connection and reused, inside one transaction per chunk of persons. Memory stays bounded by the chunk size
//! whatever the population size. Running the same load twice adds nothing.
//!
//! What a person becomes: a `persons` row (with the 個人番号, registered by their insurer), the same five items in
//! `resident_registry` (the 住基 stand-in), one `qualifications` row, and for a card holder a `jlis_certificates`
//! row (the certificate is good and belongs to their 個人番号) plus, when they registered, a `certificate_links`
//! row.
//!
//! For the load only, a SQLite connection sets `synchronous = OFF` (a crash mid-load can corrupt the file; the load
//! is simply redone), a large page cache, and no foreign-key checks (every row refers to rows the generator
//! produced in the same or an earlier chunk; the tests check the result with `PRAGMA foreign_key_check`). The file
//! stays in WAL mode, `synchronous` and foreign keys are restored, and the WAL is checkpointed before returning, so
//! the service opens it as it would any other database. A PostgreSQL session turns `synchronous_commit` off for
//! the load.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Connection as _};

use super::{Generator, PopulationConfig, SyntheticPerson};
use crate::error::{OriginError, Result};
use crate::store::{Backend, Store};

/// Persons generated and committed together: about 30 MB of rows in memory at a time.
pub const PERSONS_PER_TRANSACTION: usize = 20_000;

/// Rows per multi-row INSERT statement. At most 9 columns × 400 rows = 3 600 parameters, far below SQLite's limit
/// of 32 766 and PostgreSQL's 65 535.
const ROWS_PER_STATEMENT: usize = 400;

/// Page cache for a SQLite load, in KiB (SQLite reads a negative `cache_size` as KiB).
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

/// Creates (or migrates) the database at `url` and loads the population `config` describes into it. `progress`
/// is called after each committed chunk with the number of persons done so far.
pub async fn populate(url: &str, config: PopulationConfig, progress: impl FnMut(u64)) -> Result<LoadSummary> {
    let generator = Generator::new(config)?;
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(OriginError::Usage("an in-memory database would vanish when the load ends".into()));
    }
    // The service's own code creates the database and applies the migrations, so the schema is exactly the one
    // it expects.
    let store = Store::connect(url).await?;
    let result = load_with(&store, &generator, progress).await;
    store.close().await;
    result
}

async fn load_with(store: &Store, generator: &Generator, mut progress: impl FnMut(u64)) -> Result<LoadSummary> {
    let config = *generator.config();
    let backend = store.backend();
    let mut conn = store.pool().acquire().await?;
    match backend {
        Backend::Sqlite => {
            let pragmas = format!(
                "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = {}; \
                 PRAGMA temp_store = MEMORY;",
                -LOAD_CACHE_KIB
            );
            sqlx::raw_sql(AssertSqlSafe(pragmas)).execute(&mut *conn).await?;
        }
        Backend::Postgres => {
            sqlx::raw_sql("SET synchronous_commit = off").execute(&mut *conn).await?;
        }
    }

    let mut summary = LoadSummary::default();
    let insurers = generator.insurers();
    let mut tx = conn.begin().await?;
    summary.rows_inserted += insert_rows(&mut tx, backend, INSURERS, &insurers, |query, insurer| {
        query.bind(insurer.number.as_str().to_owned()).bind(insurer.name.clone()).bind(config.created_at)
    })
    .await?;
    tx.commit().await?;

    let mut next = 0u64;
    while next < config.persons {
        let end = config.persons.min(next + PERSONS_PER_TRANSACTION as u64);
        let chunk = (next..end).map(|index| generator.person(index)).collect::<Result<Vec<_>>>()?;
        summary.persons += chunk.len() as u64;
        summary.card_holders += chunk.iter().filter(|p| p.card.is_some()).count() as u64;
        summary.registered += chunk.iter().filter(|p| p.card.as_ref().is_some_and(|c| c.registered)).count() as u64;
        let mut tx = conn.begin().await?;
        summary.rows_inserted += insert_chunk(&mut tx, backend, &chunk, config.created_at).await?;
        tx.commit().await?;
        next = end;
        progress(next);
    }

    match backend {
        Backend::Sqlite => {
            // Back to the service's settings: enforced keys, durable commits, and a checkpointed, compact WAL.
            sqlx::raw_sql(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000; \
                 PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);",
            )
            .execute(&mut *conn)
            .await?;
        }
        Backend::Postgres => {
            sqlx::raw_sql("SET synchronous_commit = on; ANALYZE").execute(&mut *conn).await?;
        }
    }
    Ok(summary)
}

/// One table's multi-row insert: the statement head up to `VALUES` and its number of columns.
#[derive(Clone, Copy)]
struct Table {
    head: &'static str,
    columns: usize,
}

const INSURERS: Table = Table { head: "INSERT INTO insurers (insurer_number, name, created_at) VALUES ", columns: 3 };
const PERSONS: Table = Table {
    head: "INSERT INTO persons (id, name, name_kana, birth_date, sex, address, created_at, individual_number, \
           registered_by) VALUES ",
    columns: 9,
};
const RESIDENTS: Table = Table {
    head: "INSERT INTO resident_registry (individual_number, name, name_kana, birth_date, sex, address, updated_at) \
           VALUES ",
    columns: 7,
};
const QUALIFICATIONS: Table = Table {
    head: "INSERT INTO qualifications (id, person_id, insured_person_id, insurer_number, card_classification, symbol, \
           number, branch, personal_family, qualification_date, partial_contribution_percent, created_at) VALUES ",
    columns: 12,
};
const CERTIFICATES: Table = Table {
    head: "INSERT INTO jlis_certificates (certificate_issuer, certificate_serial, individual_number, status, \
           updated_at) VALUES ",
    columns: 5,
};
const LINKS: Table = Table {
    head: "INSERT INTO certificate_links (certificate_issuer, certificate_serial, person_id, linked_at) VALUES ",
    columns: 4,
};

/// `head ($1, …, $c), ($c+1, …), … ON CONFLICT DO NOTHING` for `rows` rows on PostgreSQL; SQLite gets anonymous
/// `?` placeholders instead, because it resolves every bound `$n` by a linear search of the statement's parameter
/// names, which makes a statement with thousands of parameters quadratic (it took 85% of a load's time).
fn statement(backend: Backend, table: Table, rows: usize) -> String {
    let mut sql = String::with_capacity(table.head.len() + rows * table.columns * 6 + 32);
    sql.push_str(table.head);
    let mut parameter = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..table.columns {
            parameter += 1;
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&parameter.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT DO NOTHING");
    sql
}

type AnyQuery<'q> = Query<'q, Any, AnyArguments>;

/// Inserts `rows` in statements of [`ROWS_PER_STATEMENT`] rows, binding each row with `bind`.
async fn insert_rows<T>(
    conn: &mut AnyConnection,
    backend: Backend,
    table: Table,
    rows: &[T],
    bind: impl for<'q> Fn(AnyQuery<'q>, &T) -> AnyQuery<'q>,
) -> Result<u64> {
    let full = statement(backend, table, ROWS_PER_STATEMENT);
    let mut inserted = 0;
    for group in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = if group.len() == ROWS_PER_STATEMENT { full.clone() } else { statement(backend, table, group.len()) };
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in group {
            query = bind(query, row);
        }
        inserted += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

async fn insert_chunk(
    conn: &mut AnyConnection,
    backend: Backend,
    chunk: &[SyntheticPerson],
    created_at: i64,
) -> Result<u64> {
    let mut inserted = insert_rows(conn, backend, PERSONS, chunk, |query, p| {
        query
            .bind(p.person.id.clone())
            .bind(p.person.name.clone())
            .bind(p.person.name_kana.clone())
            .bind(p.person.birth_date.to_string())
            .bind(sex_text(p.person.sex))
            .bind(p.person.address.clone())
            .bind(created_at)
            .bind(p.individual_number.clone())
            .bind(p.qualification.insurer_number.as_str().to_owned())
    })
    .await?;
    inserted += insert_rows(conn, backend, RESIDENTS, chunk, |query, p| {
        query
            .bind(p.individual_number.clone())
            .bind(p.person.name.clone())
            .bind(p.person.name_kana.clone())
            .bind(p.person.birth_date.to_string())
            .bind(sex_text(p.person.sex))
            .bind(p.person.address.clone().unwrap_or_default())
            .bind(created_at)
    })
    .await?;
    inserted += insert_rows(conn, backend, QUALIFICATIONS, chunk, |query, p| {
        let q = &p.qualification;
        query
            .bind(q.id.clone())
            .bind(q.person_id.clone())
            .bind(q.insured_person_id.clone())
            .bind(q.insurer_number.as_str().to_owned())
            .bind(q.card_classification.clone())
            .bind(q.symbol.clone().unwrap_or_default())
            .bind(q.number.clone())
            .bind(q.branch.clone().unwrap_or_default())
            .bind(match q.personal_family {
                onshi_proto::qualification::PersonalFamily::Insured => "insured",
                onshi_proto::qualification::PersonalFamily::Dependent => "dependent",
            })
            .bind(q.qualification_date.to_string())
            .bind(i32::from(q.partial_contribution_percent))
            .bind(created_at)
    })
    .await?;
    let holders: Vec<_> = chunk.iter().filter_map(|p| p.card.as_ref().map(|card| (p, card))).collect();
    inserted += insert_rows(conn, backend, CERTIFICATES, &holders, |query, (p, card)| {
        query
            .bind(card.certificate.issuer.clone())
            .bind(card.certificate.serial.clone())
            .bind(p.individual_number.clone())
            .bind("good")
            .bind(created_at)
    })
    .await?;
    let registered: Vec<_> = holders.iter().filter(|(_, card)| card.registered).collect();
    inserted += insert_rows(conn, backend, LINKS, &registered, |query, (p, card)| {
        query
            .bind(card.certificate.issuer.clone())
            .bind(card.certificate.serial.clone())
            .bind(p.person.id.clone())
            .bind(created_at)
    })
    .await?;
    Ok(inserted)
}

fn sex_text(sex: onshi_proto::qualification::Sex) -> &'static str {
    match sex {
        onshi_proto::qualification::Sex::Male => "male",
        onshi_proto::qualification::Sex::Female => "female",
        onshi_proto::qualification::Sex::Unspecified => "unspecified",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use time::macros::date;

    fn config(seed: u64, persons: u64) -> PopulationConfig {
        PopulationConfig { seed, persons, reference_date: date!(2026 - 11 - 24), created_at: 1_795_000_000 }
    }

    fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
        format!("sqlite://{}", dir.path().join(name).display())
    }

    /// Every row of the tables a load writes, as text, in a stable order.
    async fn dump(url: &str) -> Vec<String> {
        let store = Store::connect(url).await.unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        let mut lines = Vec::new();
        for sql in [
            "SELECT id || '|' || name || '|' || name_kana || '|' || birth_date || '|' || sex || '|' || address || '|' \
             || individual_number || '|' || registered_by FROM persons ORDER BY id",
            "SELECT individual_number || '|' || name || '|' || address FROM resident_registry ORDER BY individual_number",
            "SELECT id || '|' || insurer_number || '|' || symbol || '|' || number || '|' || qualification_date || '|' \
             || CAST(partial_contribution_percent AS TEXT) FROM qualifications ORDER BY id",
            "SELECT certificate_serial || '|' || individual_number || '|' || status FROM jlis_certificates \
             ORDER BY certificate_serial",
            "SELECT certificate_serial || '|' || person_id FROM certificate_links ORDER BY certificate_serial",
        ] {
            let mut rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut *conn).await.unwrap();
            // Sorted here as well, because PostgreSQL's collation may order text differently from SQLite's.
            rows.sort();
            lines.extend(rows);
        }
        drop(conn);
        store.close().await;
        lines
    }

    async fn count(url: &str, table: &str) -> i64 {
        let store = Store::connect(url).await.unwrap();
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(store.pool())
            .await
            .unwrap();
        store.close().await;
        n
    }

    #[tokio::test]
    async fn the_same_seed_loads_the_same_rows_and_a_second_load_adds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second, other) =
            (sqlite_url(&dir, "a.sqlite"), sqlite_url(&dir, "b.sqlite"), sqlite_url(&dir, "c.sqlite"));
        let persons = (PERSONS_PER_TRANSACTION + 700) as u64;
        let mut reported = Vec::new();
        let summary = populate(&first, config(5, persons), |done| reported.push(done)).await.unwrap();
        assert_eq!(reported, vec![PERSONS_PER_TRANSACTION as u64, persons]);
        assert_eq!(summary.persons, persons);
        populate(&second, config(5, persons), |_| {}).await.unwrap();
        populate(&other, config(6, persons), |_| {}).await.unwrap();
        let rows = dump(&first).await;
        assert_eq!(rows, dump(&second).await);
        assert_ne!(rows, dump(&other).await);

        let again = populate(&first, config(5, persons), |_| {}).await.unwrap();
        assert_eq!(again.rows_inserted, 0);
        assert_eq!(again.card_holders, summary.card_holders);

        assert_eq!(count(&first, "persons").await, i64::try_from(persons).unwrap());
        assert_eq!(count(&first, "resident_registry").await, i64::try_from(persons).unwrap());
        assert_eq!(count(&first, "qualifications").await, i64::try_from(persons).unwrap());
        assert_eq!(count(&first, "jlis_certificates").await, i64::try_from(summary.card_holders).unwrap());
        assert_eq!(count(&first, "certificate_links").await, i64::try_from(summary.registered).unwrap());
        // 47 prefectures × 4 kinds of insurer.
        assert_eq!(count(&first, "insurers").await, 188);
    }

    #[tokio::test]
    async fn a_loaded_database_is_consistent_and_answers_the_service() {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(&dir, "pop.sqlite");
        let generator = Generator::new(config(9, 3000)).unwrap();
        populate(&url, *generator.config(), |_| {}).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        let violations: Vec<(String,)> =
            sqlx::query_as("PRAGMA foreign_key_check").fetch_all(store.pool()).await.unwrap_or_default();
        assert!(violations.is_empty(), "{violations:?}");
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
        assert_eq!(journal, "wal");
        // A registered card holder is found by certificate, with their own name on the record.
        let person = (0..3000)
            .map(|index| generator.person(index).unwrap())
            .find(|p| p.card.as_ref().is_some_and(|c| c.registered))
            .unwrap();
        let certificate = &person.card.as_ref().unwrap().certificate;
        let holder = store.card_holder(certificate).await.unwrap().unwrap();
        assert_eq!(holder.person_id, person.person.id);
        assert!(!holder.held);
        let records = holder.records;
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].name, person.person.name);
        assert_eq!(records[0].insurer_number, person.qualification.insurer_number.as_str());
        store.close().await;
    }

    #[tokio::test]
    async fn postgres_gets_the_same_rows_as_sqlite() {
        use sqlx::migrate::MigrateDatabase as _;
        let Some(server) = std::env::var("ONSHI_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty()) else {
            // Written past libtest's output capture, so the skip shows in every run.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED postgres_gets_the_same_rows_as_sqlite: ONSHI_TEST_POSTGRES_URL is not set"
            );
            return;
        };
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).unwrap();
        let (base, query) = server.split_once('?').map_or((server.as_str(), ""), |(b, q)| (b, q));
        let prefix = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
        let name = format!("onshi_population_{}", hex::encode(random));
        let url = if query.is_empty() { format!("{prefix}/{name}") } else { format!("{prefix}/{name}?{query}") };
        sqlx::any::install_default_drivers();
        sqlx::Any::create_database(&url).await.unwrap();

        let dir = tempfile::tempdir().unwrap();
        let sqlite = sqlite_url(&dir, "same.sqlite");
        let persons = 2_500;
        let on_postgres = populate(&url, config(4, persons), |_| {}).await.unwrap();
        let on_sqlite = populate(&sqlite, config(4, persons), |_| {}).await.unwrap();
        assert_eq!(on_postgres, on_sqlite);
        assert_eq!(populate(&url, config(4, persons), |_| {}).await.unwrap().rows_inserted, 0);
        let rows = dump(&url).await;
        assert_eq!(rows, dump(&sqlite).await);
        sqlx::Any::drop_database(&url).await.unwrap();
    }

    #[test]
    fn statements_number_their_parameters_row_by_row() {
        let table = Table { head: "INSERT INTO t (a, b) VALUES ", columns: 2 };
        assert_eq!(
            statement(Backend::Postgres, table, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            statement(Backend::Sqlite, table, 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING"
        );
    }

    #[tokio::test]
    async fn an_in_memory_database_is_refused() {
        let refused = populate("sqlite::memory:", config(1, 10), |_| {}).await;
        assert!(matches!(refused, Err(OriginError::Usage(_))));
    }
}
