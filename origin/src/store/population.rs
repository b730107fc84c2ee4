//! The population loader's writes: a generated population streamed into the schema with multi-row
//! `INSERT … ON CONFLICT DO NOTHING` statements of a fixed width, so each statement shape is prepared once per
//! connection and reused, inside one transaction per chunk of persons. Memory stays bounded by the chunk size
//! whatever the population size. Running the same load twice adds nothing.
//!
//! For the load only, a SQLite connection sets `synchronous = OFF` (a crash mid-load can corrupt the file; the load
//! is simply redone), a large page cache, and no foreign-key checks (every row refers to rows the generator
//! produced in the same or an earlier chunk; the tests check the result with `PRAGMA foreign_key_check`). The file
//! stays in WAL mode, `synchronous` and foreign keys are restored, and the WAL is checkpointed before returning, so
//! the service opens it as it would any other database. A PostgreSQL session turns `synchronous_commit` off for
//! the load.
//!
//! Layer: storage adapter. Must not generate anyone (`population.rs` does, from the seed alone).

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Connection as _};

use crate::error::Result;
use crate::population::{Generator, SyntheticPerson};
use crate::store::Store;
use crate::store::sql::{Backend, multi_row_insert};

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

impl Store {
    /// Writes the population `generator` describes, a chunk of persons per transaction; `progress` is called after
    /// each committed chunk with the number of persons done so far.
    pub(crate) async fn load_population(
        &self,
        generator: &Generator,
        mut progress: impl FnMut(u64),
    ) -> Result<LoadSummary> {
        let config = *generator.config();
        let backend = self.backend();
        let mut conn = self.pool().acquire().await?;
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
        // The 公費負担者 beside the insurers, each with the one batch its population rows are said to come from.
        let payers = generator.payers();
        summary.rows_inserted += insert_rows(&mut tx, backend, PAYERS, &payers, |query, payer| {
            query
                .bind(payer.number.as_str().to_owned())
                .bind(payer.name.clone())
                .bind(config.created_at)
                .bind("public_expense_payer")
        })
        .await?;
        summary.rows_inserted += insert_rows(&mut tx, backend, PAYER_BATCHES, &payers, |query, payer| {
            query
                .bind(population_batch_id(payer.number.as_str()))
                .bind(payer.number.as_str().to_owned())
                .bind(config.created_at)
                .bind(POPULATION_BATCH_DIGEST)
                .bind(0i64)
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
const PAYERS: Table =
    Table { head: "INSERT INTO insurers (insurer_number, name, created_at, principal_kind) VALUES ", columns: 4 };
const PAYER_BATCHES: Table = Table {
    head: "INSERT INTO public_expense_batches (id, payer_number, received_at, body_sha256, rows_total) VALUES ",
    columns: 5,
};
const PUBLIC_EXPENSES: Table = Table {
    head: "INSERT INTO public_expenses (id, individual_number, payer_number, kind, recipient_number, valid_from, \
           valid_until, monthly_self_pay_yen, batch_id) VALUES ",
    columns: 9,
};

/// What a population batch row keeps where a payer's upload keeps the SHA-256 of its body: there was no body.
const POPULATION_BATCH_DIGEST: &str = "population";

/// The id of the batch a payer's population rows are filed under.
fn population_batch_id(payer_number: &str) -> String {
    format!("population-{payer_number}")
}

const LINKS: Table = Table {
    head: "INSERT INTO certificate_links (certificate_issuer, certificate_serial, person_id, linked_at) VALUES ",
    columns: 4,
};

/// `head (…), (…) ON CONFLICT DO NOTHING` for `rows` rows.
fn statement(backend: Backend, table: Table, rows: usize) -> String {
    let mut sql = multi_row_insert(backend, table.head, table.columns, rows);
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
            .bind(p.person.sex.as_str())
            .bind(p.person.address.clone())
            .bind(created_at)
            .bind(p.individual_number.clone())
            .bind(registrar(p))
    })
    .await?;
    inserted += insert_rows(conn, backend, RESIDENTS, chunk, |query, p| {
        query
            .bind(p.individual_number.clone())
            .bind(p.person.name.clone())
            .bind(p.person.name_kana.clone())
            .bind(p.person.birth_date.to_string())
            .bind(p.person.sex.as_str())
            .bind(p.person.address.clone().unwrap_or_default())
            .bind(created_at)
    })
    .await?;
    let qualified: Vec<_> = chunk.iter().filter_map(|p| p.qualification.as_ref()).collect();
    inserted += insert_rows(conn, backend, QUALIFICATIONS, &qualified, |query, q| {
        query
            .bind(q.id.clone())
            .bind(q.person_id.clone())
            .bind(q.insured_person_id.clone())
            .bind(q.insurer_number.as_str().to_owned())
            .bind(q.card_classification.clone())
            .bind(q.symbol.clone().unwrap_or_default())
            .bind(q.number.clone())
            .bind(q.branch.clone().unwrap_or_default())
            .bind(q.personal_family.as_str())
            .bind(q.qualification_date.to_string())
            .bind(i32::from(q.partial_contribution_percent))
            .bind(created_at)
    })
    .await?;
    let expenses: Vec<_> =
        chunk.iter().flat_map(|p| p.public_expenses.iter().map(move |expense| (p, expense))).collect();
    inserted += insert_rows(conn, backend, PUBLIC_EXPENSES, &expenses, |query, (p, expense)| {
        query
            .bind(expense.id.clone())
            .bind(p.individual_number.clone())
            .bind(expense.payer_number.as_str().to_owned())
            .bind(expense.kind.as_str())
            .bind(expense.recipient_number.as_str().to_owned())
            .bind(expense.valid_from.to_string())
            .bind(expense.valid_until.map(|date| date.to_string()))
            .bind(expense.monthly_self_pay_yen.map(i64::from))
            .bind(population_batch_id(expense.payer_number.as_str()))
    })
    .await?;
    let holders: Vec<_> = chunk.iter().filter_map(|p| p.card.as_ref().map(|card| (p, card))).collect();
    inserted += insert_rows(conn, backend, CERTIFICATES, &holders, |query, (p, card)| {
        query
            .bind(card.certificate.issuer.to_string())
            .bind(card.certificate.serial.to_string())
            .bind(p.individual_number.clone())
            .bind("good")
            .bind(created_at)
    })
    .await?;
    let registered: Vec<_> = holders.iter().filter(|(_, card)| card.registered).collect();
    inserted += insert_rows(conn, backend, LINKS, &registered, |query, (p, card)| {
        query
            .bind(card.certificate.issuer.to_string())
            .bind(card.certificate.serial.to_string())
            .bind(p.person.id.clone())
            .bind(created_at)
    })
    .await?;
    Ok(inserted)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_number_their_parameters_row_by_row() {
        let table = Table { head: "INSERT INTO t (a, b) VALUES ", columns: 2 };
        assert_eq!(
            statement(Backend::Postgres, table, 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            statement(Backend::Sqlite, table, 2),
            "INSERT INTO t (a, b) VALUES (?,?),(?,?) ON CONFLICT DO NOTHING"
        );
    }
}
