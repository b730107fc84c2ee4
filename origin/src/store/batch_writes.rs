//! The writing half of an insurer batch: the batch's transaction, and the statements the checks hand over to it
//! (new persons, qualifications and notices in multi-row inserts, 資格喪失, and the reads that must see the batch's
//! own rows), carried out in the order they were handed over while the checks go on with the rows after them.
//!
//! The checks and the writer run as two futures of one task, joined by a short queue: while the database thread
//! writes one chunk of records, the task decides the next. Nothing a check reads depends on a write not yet
//! carried out: the checks keep the batch's own persons and 本人 in memory, and a read that must see the database
//! as the batch left it goes through the same queue, after every write handed over before it.
//!
//! Layer: storage adapter. Must not decide: it writes what `batch::decide` decided, and reports which rows the
//! database refused (a duplicate qualification, a loss of none).

use onshi_proto::insurer_number::InsurerNumber;
use sqlx::AnyConnection;
use tokio::sync::{mpsc, oneshot};

use crate::batch::decide::NoticeKind;
use crate::batch::validate::{Acquisition, Loss, RowError, RowErrorCode};
use crate::error::{OriginError, Result};
use crate::store::batch_progress::ProgressCell;
use crate::store::batch_reads::{WindowFacts, read_window, set_sqlite_cache_kib};
use crate::store::random_id;
use crate::store::rows::{HoldStatus, NewQualification, bind_person_items};
use crate::store::sql::{Backend, multi_row_insert};

/// Statements handed to the writer and not yet carried out: enough that the checks seldom wait for the writer,
/// few enough that the records they carry stay a small part of the batch's memory.
pub(crate) const STATEMENTS_IN_FLIGHT: usize = 4;

/// What the checks hand the writer, carried out in order.
pub(crate) enum BatchStatement<'r> {
    /// New persons, then their qualifications; once written, `taken_up` rows of the batch are done.
    Insert { writes: PendingWrites<'r>, taken_up: usize },
    /// A 資格喪失, which may end a qualification written by an `Insert` before it.
    Lose { row: &'r Loss, taken_up: usize },
    /// What the database holds for a window's numbers, read on the batch's own connection (a database with no
    /// second connection to read ahead on).
    ReadWindow { numbers: Vec<&'r str>, reply: oneshot::Sender<Result<WindowFacts>> },
    /// The 本人 of a 記号・番号 registered by an earlier batch, for a 家族 row.
    InsuredMember { symbol: &'r str, number: &'r str, reply: oneshot::Sender<Result<Option<String>>> },
}

/// What the writer found: the rows the database refused, and how many losses it applied.
#[derive(Debug, Default)]
pub(crate) struct Written {
    /// Duplicate qualifications and losses of no qualification, by line.
    pub errors: Vec<RowError>,
    /// 資格喪失 rows applied.
    pub lost: i64,
}

/// The writer of one batch.
pub(crate) struct BatchWriter<'a> {
    pub backend: Backend,
    pub insurer: &'a InsurerNumber,
    /// The batch's row in `insurer_batches`, which its notices name.
    pub batch_id: &'a str,
    pub now: i64,
    pub progress: &'a ProgressCell,
    pub rows_total: usize,
}

impl BatchWriter<'_> {
    /// Carries out every statement of `statements` on `conn` (the batch's transaction), until the checks drop
    /// their end of the queue.
    pub(crate) async fn carry_out(
        &self,
        conn: &mut AnyConnection,
        mut statements: mpsc::Receiver<BatchStatement<'_>>,
    ) -> Result<Written> {
        let mut written = Written::default();
        while let Some(statement) = statements.recv().await {
            match statement {
                BatchStatement::Insert { mut writes, taken_up } => {
                    writes.flush(conn, self, &mut written.errors).await?;
                    self.progress.applying(taken_up, self.rows_total);
                }
                BatchStatement::Lose { row, taken_up } => {
                    if apply_loss(conn, self.insurer, row).await? == 0 {
                        let code = RowErrorCode::QualificationNotFound;
                        written.errors.push(RowError { line: row.line, field: None, code });
                    } else {
                        written.lost += 1;
                    }
                    self.progress.applying(taken_up, self.rows_total);
                }
                // A read's failure is the checks' to report: they wait for the answer and stop at an error. When
                // they no longer wait, they have stopped already and the batch is ending.
                BatchStatement::ReadWindow { numbers, reply } => {
                    let _checks_may_have_stopped = reply.send(read_window(conn, self.backend, &numbers).await);
                }
                BatchStatement::InsuredMember { symbol, number, reply } => {
                    let found = insured_member(conn, self.insurer, symbol, number).await;
                    let _checks_may_have_stopped = reply.send(found);
                }
            }
        }
        Ok(written)
    }
}

/// SQLite page cache of the connection applying a batch, in KiB. A batch touches index pages all over the large
/// tables; with SQLite's default 2 MiB cache its dirty pages spill to the WAL again and again before the commit. With
/// the two reading connections' caches and the rows themselves, a 1M-row batch against the 10M registry peaked at
/// 928 MiB (target 1 GiB); with 256 MiB here and 64 MiB for each reader it peaked at 1,141 MiB and was no faster
/// (`origin/benches/README.md`).
const BATCH_SQLITE_CACHE_KIB: u32 = 128 * 1024;
/// SQLite's default page cache, in KiB.
const DEFAULT_SQLITE_CACHE_KIB: u32 = 2_000;

/// Gives a SQLite connection the settings of a batch's writer (`applying`), or puts SQLite's defaults back:
/// - its page cache, [`BATCH_SQLITE_CACHE_KIB`];
/// - its statement journals kept in memory. Each of a batch's multi-row statements journals the pages it changes, so
///   that a statement that fails part way can be undone inside the batch's transaction; past 64 KiB SQLite writes
///   that journal to a temporary file. A 100,000-row batch against the 1M registry wrote 433 MB to the disk with it
///   there and 78 MB with it in memory. A journal holds only the pages one statement of [`WRITE_CHUNK`] rows
///   changes: a 1M-row batch against the 10M registry peaked at 927–928 MiB either way.
///
/// PostgreSQL has neither setting per connection.
pub(crate) async fn set_sqlite_batch_settings(
    conn: &mut AnyConnection,
    backend: Backend,
    applying: bool,
) -> Result<()> {
    let (cache_kib, temp_store) = if applying {
        (BATCH_SQLITE_CACHE_KIB, "PRAGMA temp_store = MEMORY")
    } else {
        (DEFAULT_SQLITE_CACHE_KIB, "PRAGMA temp_store = DEFAULT")
    };
    set_sqlite_cache_kib(conn, backend, cache_kib).await?;
    if backend == Backend::Sqlite {
        sqlx::query(temp_store).execute(conn).await?;
    }
    Ok(())
}

/// Hands `statement` to the writer, then lets it take up what it was handed (both run in one task).
pub(crate) async fn hand_over<'r>(
    statements: &mpsc::Sender<BatchStatement<'r>>,
    statement: BatchStatement<'r>,
) -> Result<()> {
    statements.send(statement).await.map_err(|_| OriginError::BatchTaskStopped)?;
    tokio::task::yield_now().await;
    Ok(())
}

/// Asks the writer a read and waits for its answer: `ask` builds the statement around the reply's sender.
pub(crate) async fn ask_writer<'r, T>(
    statements: &mpsc::Sender<BatchStatement<'r>>,
    ask: impl FnOnce(oneshot::Sender<Result<T>>) -> BatchStatement<'r>,
) -> Result<T> {
    let (reply, answer) = oneshot::channel();
    statements.send(ask(reply)).await.map_err(|_| OriginError::BatchTaskStopped)?;
    answer.await.map_err(|_| OriginError::BatchTaskStopped)?
}

/// Rows in one multi-row `INSERT` of a batch: 22 columns × 200 rows stays far below the parameter limits of SQLite
/// (32 766) and PostgreSQL (65 535).
pub(crate) const WRITE_CHUNK: usize = 200;

/// The ids of the rows one batch creates: a random prefix of the batch's own, then a count, so that a batch's new
/// rows land together at one place of each primary-key index instead of dirtying pages all over a large table. The
/// prefix keeps one batch's ids apart from another's; reading a notice or a qualification needs the insurer's own
/// credential whatever its id.
#[derive(Debug)]
pub(crate) struct BatchIds {
    prefix: String,
    next: u64,
}

impl BatchIds {
    /// A new batch's ids.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self { prefix: random_id()?.chars().take(16).collect(), next: 0 })
    }

    /// The next id, as long as [`random_id`]'s.
    pub(crate) fn next(&mut self) -> String {
        let id = format!("{}{:016x}", self.prefix, self.next);
        self.next += 1;
        id
    }
}

/// A notice to the insurer about one row.
#[derive(Debug)]
pub(crate) struct NewNotice {
    pub id: String,
    /// The row's line in the batch.
    pub line: u64,
    /// The member record.
    pub person_id: Option<String>,
    pub kind: NoticeKind,
    /// The other record that raised it (checks b and c).
    pub counterpart: Option<String>,
}

/// New persons, qualifications and notices decided but not yet written, each qualification with its batch line.
#[derive(Default)]
pub(crate) struct PendingWrites<'r> {
    /// New person records: the id, the row with their 5 items, and why they are held (when they are).
    pub persons: Vec<(String, &'r Acquisition, Option<NoticeKind>)>,
    /// New qualifications, each with its batch line.
    pub qualifications: Vec<(u64, NewQualification)>,
    /// Notices about the rows decided so far.
    pub notices: Vec<NewNotice>,
}

impl PendingWrites<'_> {
    /// Writes the pending persons, then their qualifications and the notices (the foreign keys point that way). A
    /// qualification already registered (the same 保険者・記号・番号・枝番・資格取得日) is skipped by `ON CONFLICT DO
    /// NOTHING`; when a statement inserts fewer rows than it carries, the rows that are missing are found by id and
    /// reported as `duplicate`.
    async fn flush(
        &mut self,
        conn: &mut AnyConnection,
        writer: &BatchWriter<'_>,
        errors: &mut Vec<RowError>,
    ) -> Result<()> {
        let BatchWriter { backend, insurer, now, .. } = *writer;
        for chunk in self.persons.chunks(WRITE_CHUNK) {
            let sql = multi_row_insert(
                backend,
                "INSERT INTO persons (id, name, name_kana, birth_date, sex, address, created_at, individual_number, \
                                      registered_by, hold_status, hold_reason) VALUES ",
                11,
                chunk.len(),
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (person_id, row, hold) in chunk {
                let status = if hold.is_some() { HoldStatus::Held } else { HoldStatus::None };
                query = bind_person_items(query.bind(person_id.as_str()), &row.items)
                    .bind(now)
                    .bind(row.individual_number.as_str())
                    .bind(insurer.as_str())
                    .bind(status.as_text())
                    .bind(hold.map(NoticeKind::as_str));
            }
            query.execute(&mut *conn).await?;
        }
        self.persons.clear();
        for chunk in self.qualifications.chunks(WRITE_CHUNK) {
            let inserted = insert_qualifications(conn, backend, chunk, now).await?;
            if inserted < chunk.len() as u64 {
                let present = present_qualification_ids(conn, backend, chunk).await?;
                errors.extend(chunk.iter().filter(|(_, q)| !present.contains(&q.id)).map(|(line, _)| RowError {
                    line: *line,
                    field: None,
                    code: RowErrorCode::Duplicate,
                }));
            }
        }
        self.qualifications.clear();
        for chunk in self.notices.chunks(WRITE_CHUNK) {
            insert_notices(conn, writer, chunk).await?;
        }
        self.notices.clear();
        Ok(())
    }
}

/// One multi-row `INSERT` of notices of the writer's batch.
async fn insert_notices(conn: &mut AnyConnection, writer: &BatchWriter<'_>, chunk: &[NewNotice]) -> Result<()> {
    let sql = multi_row_insert(
        writer.backend,
        "INSERT INTO insurer_notifications (id, insurer_number, batch_id, line, person_id, kind, detail, created_at, \
                                            counterpart_person_id) VALUES ",
        9,
        chunk.len(),
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for notice in chunk {
        query = query
            .bind(notice.id.as_str())
            .bind(writer.insurer.as_str())
            .bind(writer.batch_id)
            .bind(i64::try_from(notice.line).unwrap_or(i64::MAX))
            .bind(notice.person_id.as_deref())
            .bind(notice.kind.as_str())
            .bind("")
            .bind(writer.now)
            .bind(notice.counterpart.as_deref());
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// One multi-row `INSERT … ON CONFLICT DO NOTHING` of qualifications; the number of rows inserted.
async fn insert_qualifications(
    conn: &mut AnyConnection,
    backend: Backend,
    chunk: &[(u64, NewQualification)],
    now: i64,
) -> Result<u64> {
    let mut sql = multi_row_insert(
        backend,
        "INSERT INTO qualifications (id, person_id, insured_person_id, insurer_number, card_classification, symbol, \
                                     number, branch, personal_family, qualification_date, disqualification_date, \
                                     loss_reason, partial_contribution_percent, elderly_contribution_percent, \
                                     elderly_valid_from, elderly_valid_until, limit_category, created_at, \
                                     specific_disease_category, specific_disease_valid_from, \
                                     specific_disease_valid_until, specific_disease_self_pay_yen) VALUES ",
        22,
        chunk.len(),
    );
    sql.push_str(" ON CONFLICT DO NOTHING");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (_, q) in chunk {
        let elderly = q.elderly_recipient.as_ref();
        let disease = q.specific_disease.as_ref();
        query = query
            .bind(q.id.as_str())
            .bind(q.person_id.as_str())
            .bind(q.insured_person_id.as_str())
            .bind(q.insurer_number.as_str())
            .bind(q.card_classification.as_str())
            .bind(q.symbol.clone().unwrap_or_default())
            .bind(q.number.as_str())
            .bind(q.branch.clone().unwrap_or_default())
            .bind(q.personal_family.as_str())
            .bind(q.qualification_date.to_string())
            .bind(q.disqualification_date.map(|d| d.to_string()))
            .bind(q.loss_reason.as_deref())
            .bind(i32::from(q.partial_contribution_percent))
            .bind(elderly.map(|e| i32::from(e.contribution_ratio_percent)))
            .bind(elderly.map(|e| e.valid_from.to_string()))
            .bind(elderly.and_then(|e| e.valid_until).map(|d| d.to_string()))
            .bind(q.limit_category.as_deref())
            .bind(now)
            .bind(disease.map(|d| d.disease_category.as_str()))
            .bind(disease.and_then(|d| d.valid_from).map(|d| d.to_string()))
            .bind(disease.and_then(|d| d.valid_until).map(|d| d.to_string()))
            .bind(disease.and_then(|d| d.monthly_self_pay_yen).map(|yen| i32::try_from(yen).unwrap_or(i32::MAX)));
    }
    Ok(query.execute(&mut *conn).await?.rows_affected())
}

/// Which of the chunk's qualification ids are in the table.
async fn present_qualification_ids(
    conn: &mut AnyConnection,
    backend: Backend,
    chunk: &[(u64, NewQualification)],
) -> Result<std::collections::HashSet<String>> {
    let sql = multi_row_insert(backend, "SELECT id FROM qualifications WHERE id IN ", chunk.len(), 1);
    let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
    for (_, q) in chunk {
        query = query.bind(q.id.as_str());
    }
    Ok(query.fetch_all(&mut *conn).await?.into_iter().collect())
}

async fn insured_member(
    conn: &mut AnyConnection,
    insurer: &InsurerNumber,
    symbol: &str,
    number: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT person_id FROM qualifications \
         WHERE insurer_number = $1 AND symbol = $2 AND number = $3 AND personal_family = 'insured' \
         ORDER BY qualification_date DESC, id LIMIT 1",
    )
    .bind(insurer.as_str())
    .bind(symbol)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?)
}

async fn apply_loss(conn: &mut AnyConnection, insurer: &InsurerNumber, row: &Loss) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE qualifications SET disqualification_date = $1, loss_reason = $2 \
         WHERE insurer_number = $3 AND symbol = $4 AND number = $5 AND branch = $6 \
           AND disqualification_date IS NULL AND qualification_date < $1",
    )
    .bind(row.disqualification_date.to_string())
    .bind(&row.loss_reason)
    .bind(insurer.as_str())
    .bind(&row.symbol)
    .bind(&row.number)
    .bind(&row.branch)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::insurer_number::InsurerNumber;

    use crate::batch::{BatchFormat, parse_batch};
    use crate::store::batch_progress::ProgressCell;
    use crate::store::{NewInsurer, Store};

    #[tokio::test]
    async fn the_batch_connection_goes_back_to_the_pool_with_sqlite_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("batch.db").display())).await.unwrap();
        let insurer = InsurerNumber::from_base("0613501").unwrap();
        let new = NewInsurer { number: insurer.clone(), name: "窓口健康保険組合".into() };
        store.add_insurer_token(&new, "token-sha256", 1_780_000_000, 1_790_000_000).await.unwrap();
        let body = "op,individual_number,name,name_kana,birth_date,sex,address,symbol,number,branch,\
                    qualification_date,partial_contribution_percent,disqualification_date\n\
                    acquire,123456789018,窓口　太郎,ﾏﾄﾞｸﾞﾁ ﾀﾛｳ,1980-01-01,1,東京都千代田区1-1,10,1,00,2026-04-01,30,\n";
        let rows = parse_batch(BatchFormat::Csv, body.as_bytes(), &insurer).unwrap();
        let progress = ProgressCell::default();
        let applied = store.apply_insurer_batch(&insurer, BatchFormat::Csv, "sha", &rows, 1_780_000_000, &progress);
        assert_eq!(applied.await.unwrap().unwrap().records_registered, 1);
        // Every connection the pool may hand out, the batch's among them, has SQLite's own settings back.
        let max = store.pool().options().get_max_connections();
        let mut connections = Vec::new();
        for _ in 0..max {
            connections.push(store.pool().acquire().await.unwrap());
        }
        for conn in &mut connections {
            let temp_store: i64 = sqlx::query_scalar("PRAGMA temp_store").fetch_one(&mut **conn).await.unwrap();
            let cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut **conn).await.unwrap();
            assert_eq!((temp_store, cache), (0, -2_000));
        }
    }
}
