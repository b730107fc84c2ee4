//! What an insurer batch's checks read: the person records and the 住基 stand-in's entries carrying each 個人番号
//! of a window of rows, in a few large queries instead of two per row, and [`ReadAhead`], which reads them a
//! window ahead of the checks on two connections of its own.
//!
//! Reading ahead is what lets a batch's reads and writes go on at once: while the batch's connection writes one
//! window's records, the reading connections read the next window's. They see only what is committed, so never
//! the batch's own rows, which the batch keeps in memory and checks against itself; and what they read is what the
//! batch's transaction would read, since on SQLite the batch holds the one write lock from its first statement,
//! and on PostgreSQL the batch's transaction (read committed) sees others' commits just as a second connection
//! does.
//!
//! Layer: storage adapter. Must not decide: it hands over what the database holds, and `batch::decide` judges it.

use std::collections::HashMap;

use sqlx::AnyConnection;
use tokio::sync::mpsc;

use crate::batch::decide::{KnownRecord, PersonItems};
use crate::error::{OriginError, Result};
use crate::store::rows::{HoldStatus, stored_person_items};
use crate::store::sql::{Backend, multi_row_insert};

/// How many numbers one `IN (…)` query carries; well under the bind limits of SQLite (32 766) and PostgreSQL
/// (65 535).
const LOOKUP_CHUNK: usize = 500;

#[derive(sqlx::FromRow)]
struct KnownRow {
    id: String,
    individual_number: String,
    name: String,
    name_kana: String,
    birth_date: String,
    sex: String,
    address: Option<String>,
    hold_status: String,
}

/// Hands `each` every row `select_in` finds for `numbers`: `select_in` is a query whose `WHERE` ends in `IN` and
/// `tail` what follows the list; the numbers are asked [`LOOKUP_CHUNK`] at a time, and each chunk's rows are handed
/// over before the next chunk is read.
async fn each_row_for_numbers<R>(
    conn: &mut AnyConnection,
    backend: Backend,
    select_in: &str,
    tail: &str,
    numbers: &[&str],
    mut each: impl FnMut(R) -> Result<()>,
) -> Result<()>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    for chunk in numbers.chunks(LOOKUP_CHUNK) {
        // Only the count of placeholders is formatted in; the numbers themselves are bound.
        let mut sql = multi_row_insert(backend, select_in, chunk.len(), 1);
        sql.push_str(tail);
        let mut query = sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(sql));
        for number in chunk {
            query = query.bind(*number);
        }
        for row in query.fetch_all(&mut *conn).await? {
            each(row)?;
        }
    }
    Ok(())
}

/// The person records already carrying each of `numbers`, by number.
pub(crate) async fn known_records(
    conn: &mut AnyConnection,
    backend: Backend,
    numbers: &[&str],
) -> Result<HashMap<String, Vec<KnownRecord>>> {
    let mut known: HashMap<String, Vec<KnownRecord>> = HashMap::new();
    let select_in = "SELECT id, individual_number, name, name_kana, birth_date, sex, address, hold_status \
                     FROM persons WHERE individual_number IN ";
    each_row_for_numbers(conn, backend, select_in, " ORDER BY id", numbers, |row: KnownRow| {
        let record = KnownRecord {
            person_id: row.id,
            items: stored_person_items(row.name, row.name_kana, &row.birth_date, &row.sex, row.address)?,
            held: HoldStatus::from_text(&row.hold_status)? == HoldStatus::Held,
        };
        known.entry(row.individual_number).or_default().push(record);
        Ok(())
    })
    .await?;
    Ok(known)
}

#[derive(sqlx::FromRow)]
struct ResidentRow {
    individual_number: String,
    name: String,
    name_kana: String,
    birth_date: String,
    sex: String,
    address: String,
}

/// The 住基 stand-in's entries for `numbers`, by number.
pub(crate) async fn residents(
    conn: &mut AnyConnection,
    backend: Backend,
    numbers: &[&str],
) -> Result<HashMap<String, PersonItems>> {
    let mut found = HashMap::new();
    let select_in = "SELECT individual_number, name, name_kana, birth_date, sex, address FROM resident_registry \
                     WHERE individual_number IN ";
    each_row_for_numbers(conn, backend, select_in, "", numbers, |row: ResidentRow| {
        let items = stored_person_items(row.name, row.name_kana, &row.birth_date, &row.sex, Some(row.address))?;
        found.insert(row.individual_number, items);
        Ok(())
    })
    .await?;
    Ok(found)
}

/// Rows whose checks read the database together: large enough for few queries (20 per window of each of the two
/// reads), small enough that what is read for two windows stays a small part of the batch's memory and that the
/// first window's reads, which nothing else overlaps, are short.
pub(crate) const CHECK_WINDOW: usize = 10_000;

/// What the database holds for the 個人番号 of one window of rows.
#[derive(Debug, Default)]
pub(crate) struct WindowFacts {
    /// The person records carrying each number.
    pub known: HashMap<String, Vec<KnownRecord>>,
    /// The 住基 stand-in's entry for each number.
    pub residents: HashMap<String, PersonItems>,
}

/// Reads what the database holds for `numbers`.
pub(crate) async fn read_window(conn: &mut AnyConnection, backend: Backend, numbers: &[&str]) -> Result<WindowFacts> {
    let known = known_records(conn, backend, numbers).await?;
    let residents = residents(conn, backend, numbers).await?;
    Ok(WindowFacts { known, residents })
}

/// Sets a SQLite connection's page cache to `kib` KiB, for the connections a batch reads and writes on; PostgreSQL
/// has no per-connection page cache to set.
pub(crate) async fn set_sqlite_cache_kib(conn: &mut AnyConnection, backend: Backend, kib: u32) -> Result<()> {
    if backend == Backend::Sqlite {
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{kib}"))).execute(conn).await?;
    }
    Ok(())
}

/// SQLite page cache of each reading connection, in KiB: enough for the upper levels of its `individual_number`
/// index, so that a number's lookup reads little more than its leaf and its row from the file (which the operating
/// system caches).
const READ_AHEAD_SQLITE_CACHE_KIB: u32 = 32 * 1024;

/// Windows asked for and not yet handed over: the one being checked, and the next one being read.
const WINDOWS_IN_FLIGHT: usize = 2;

/// A task reading [`WindowFacts`] on two connections of its own, one window ahead of the checks: each window's
/// numbers are asked with [`ReadAhead::ask`] and its facts taken, in the same order, with [`ReadAhead::next`].
///
/// Its connections are taken out of the pool and closed at the end, so the larger page cache they get never serves
/// anyone else; dropping a `ReadAhead` (a batch refused or failed part way) ends the task and closes them too.
pub(crate) struct ReadAhead {
    asks: mpsc::Sender<Vec<String>>,
    facts: mpsc::Receiver<Result<WindowFacts>>,
}

impl ReadAhead {
    /// Starts reading on two connections taken out of the pool: the person records on one, the 住基 stand-in's
    /// entries on the other, at the same time.
    pub(crate) async fn start(
        mut persons: AnyConnection,
        mut registry: AnyConnection,
        backend: Backend,
    ) -> Result<Self> {
        for conn in [&mut persons, &mut registry] {
            set_sqlite_cache_kib(conn, backend, READ_AHEAD_SQLITE_CACHE_KIB).await?;
        }
        let (asks, mut asked) = mpsc::channel::<Vec<String>>(WINDOWS_IN_FLIGHT);
        let (facts_sender, facts) = mpsc::channel(WINDOWS_IN_FLIGHT);
        tokio::spawn(async move {
            while let Some(numbers) = asked.recv().await {
                let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
                let read = tokio::try_join!(
                    known_records(&mut persons, backend, &numbers),
                    residents(&mut registry, backend, &numbers)
                );
                let read = read.map(|(known, residents)| WindowFacts { known, residents });
                let failed = read.is_err();
                if facts_sender.send(read).await.is_err() || failed {
                    break;
                }
            }
            for conn in [persons, registry] {
                let _closing_a_connection_no_one_else_uses_may_fail = sqlx::Connection::close(conn).await;
            }
        });
        Ok(Self { asks, facts })
    }

    /// Asks for the facts of the next window's `numbers`; returns at once.
    pub(crate) async fn ask(&self, numbers: Vec<String>) -> Result<()> {
        self.asks.send(numbers).await.map_err(|_| OriginError::BatchTaskStopped)
    }

    /// The facts of the earliest window asked for and not yet taken, once read.
    pub(crate) async fn next(&mut self) -> Result<WindowFacts> {
        // A read that failed was handed over with its error; a channel closed without it means the task is gone.
        self.facts.recv().await.unwrap_or(Err(OriginError::BatchTaskStopped))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::IsoDate;
    use onshi_proto::insurer_number::InsurerNumber;
    use onshi_proto::qualification::Sex;

    use crate::batch::decide::PersonItems;
    use crate::batch::{BatchFormat, parse_batch};
    use crate::store::batch_progress::ProgressCell;
    use crate::store::{NewInsurer, NewResident, Store};

    /// A valid 個人番号 made from `index`.
    fn individual_number(index: usize) -> String {
        let base = format!("{:011}", 30_000_000_000 + index);
        format!("{base}{}", crate::individual_number::check_digit(&base).unwrap())
    }

    /// A batch longer than one window of checks: `rows` 資格取得 of distinct persons, then a second record under
    /// the first row's 個人番号 with another birth date (check b, which must see a person written a window earlier),
    /// then the loss of the first row's qualification (which must come after its insert).
    fn batch_across_windows(rows: usize) -> String {
        let mut csv = String::from(
            "op,individual_number,name,name_kana,birth_date,sex,address,symbol,number,branch,qualification_date,\
             partial_contribution_percent,disqualification_date\n",
        );
        for index in 0..rows {
            let number = individual_number(index);
            csv.push_str(&format!(
                "acquire,{number},窓口　太郎,ﾏﾄﾞｸﾞﾁ ﾀﾛｳ,1980-01-01,1,東京都千代田区1-{index},10,{index},00,2026-04-01,30,\n"
            ));
        }
        let first = individual_number(0);
        csv.push_str(&format!(
            "acquire,{first},窓口　太郎,ﾏﾄﾞｸﾞﾁ ﾀﾛｳ,1981-02-02,1,東京都千代田区1-0,10,{rows},00,2026-04-01,30,\n"
        ));
        csv.push_str("lose,,,,,,,10,0,00,,,2026-11-01\n");
        csv
    }

    /// Applies the batch on a store at `url` whose 住基 stand-in knows the first `residents` persons as the batch
    /// has them; the report's counts.
    async fn counts(url: &str, body: &str, residents: usize) -> (i64, i64, i64, i64) {
        let store = Store::connect(url).await.unwrap();
        for index in 0..residents {
            let items = PersonItems {
                name: "窓口　太郎".into(),
                name_kana: "ﾏﾄﾞｸﾞﾁ ﾀﾛｳ".into(),
                birth_date: IsoDate(time::macros::date!(1980 - 01 - 01)),
                sex: Sex::Male,
                address: format!("東京都千代田区1-{index}").into(),
            };
            let resident = NewResident { individual_number: individual_number(index), items };
            store.put_resident(&resident, 1_780_000_000).await.unwrap();
        }
        let insurer = InsurerNumber::from_base("0613501").unwrap();
        let new = NewInsurer { number: insurer.clone(), name: "窓口健康保険組合".into() };
        store.add_insurer_token(&new, "token-sha256", 1_780_000_000, 1_790_000_000).await.unwrap();
        let rows = parse_batch(BatchFormat::Csv, body.as_bytes(), &insurer).unwrap();
        let progress = ProgressCell::default();
        let report = store
            .apply_insurer_batch(&insurer, BatchFormat::Csv, "sha", &rows, 1_780_000_000, &progress)
            .await
            .unwrap()
            .unwrap();
        store.close().await;
        (report.records_registered, report.records_held, report.qualifications_lost, report.notifications_raised)
    }

    #[tokio::test]
    async fn reading_ahead_and_reading_on_the_batch_connection_decide_alike_across_windows() {
        let rows = super::CHECK_WINDOW + 5;
        let body = batch_across_windows(rows);
        let dir = tempfile::tempdir().unwrap();
        // A file has connections to spare, so the batch reads ahead; an in-memory database has one.
        let ahead = counts(&format!("sqlite://{}", dir.path().join("ahead.db").display()), &body, rows).await;
        let on_batch_connection = counts("sqlite::memory:", &body, rows).await;
        assert_eq!(ahead, on_batch_connection);
        let (registered, held, lost, _) = ahead;
        assert_eq!((registered, lost), (rows as i64 + 1, 1));
        // The second record under the first number, a window later, is held (check b).
        assert_eq!(held, 1);
    }
}
