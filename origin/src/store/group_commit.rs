//! Group commit of the writes every signed request must make before it is answered: the claim of its nonce before
//! it is served, and the rows an answered lookup leaves behind (its audit row and, for a facility, its check-in). A
//! lookup may hand in its nonce claim together with its rows (`GroupCommit::commit_claimed`): the rows are then
//! written only if the nonce is fresh, in the same transaction, so the lookup costs one commit instead of two. A
//! writer task (two on PostgreSQL: see `POSTGRES_WRITERS`) gathers the writes of all requests waiting at that
//! moment and commits them in one transaction, with one multi-row statement per table.
//!
//! Layer: storage adapter of the origin. It must not decide what is written (callers build the rows and claims)
//! and must not let a caller go on before its writes are durable: [`GroupCommit::commit`] and
//! [`GroupCommit::claim_nonce`] return only after the transaction that holds the caller's write has committed, so
//! the audit-before-answer and claim-before-serve rules of the HTTP handlers hold unchanged.
//!
//! Why: committing each request's writes on its own costs one transaction (and one WAL sync point) per write and,
//! on SQLite, a wait for the one write lock that every other request is also after; under load the commits, not
//! the reads, set the pace. The rows of one request always share a transaction, so a check-in is never stored
//! without its audit row. When a grouped transaction fails, each request's writes are retried in a transaction of
//! their own, so one bad row fails only its own request.

use std::collections::HashSet;
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Row as _};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::{OriginError, Result};
use crate::store::nonces::{ClaimGroup, NonceClaim, claim_nonces};
use crate::store::rows::{AuditEvent, CheckInRow, RequestRows, VISIT_REVISION_WINDOW_SECONDS};
use crate::store::sql::{Backend, Bound, Statement, multi_row_insert, sqlite_script};

/// Most requests whose writes share one transaction.
const MAX_REQUESTS_PER_COMMIT: usize = 256;
/// Most rows in one multi-row `INSERT` (25 columns × 64 rows stays far below every parameter limit).
const MAX_ROWS_PER_STATEMENT: usize = 64;
/// Requests that may wait for the writer before new ones wait for room.
const QUEUE_DEPTH: usize = 4_096;
/// Writers on PostgreSQL: a commit there waits for its WAL flush, and a second writer's transaction is built and
/// sent meanwhile instead of waiting its turn (PostgreSQL flushes concurrent commits together).
const POSTGRES_WRITERS: usize = 2;
/// How long a writer keeps its connection while no request comes (see [`WriterConnection`]).
const KEEP_IDLE_CONNECTION: std::time::Duration = std::time::Duration::from_millis(50);

/// One request's write, waiting for the writer, with where its outcome goes.
enum Job {
    /// The rows an answered request leaves behind.
    Rows { rows: Box<RequestRows>, done: oneshot::Sender<Result<()>> },
    /// A signed request's nonce; the answer says whether it was fresh.
    Nonce { claim: NonceClaim, done: oneshot::Sender<Result<bool>> },
    /// A signed request's nonce and the rows of its answer: the rows are written only when the nonce was fresh,
    /// and the answer says whether it was.
    ClaimedRows { claim: NonceClaim, rows: Box<RequestRows>, done: oneshot::Sender<Result<bool>> },
}

/// A handle to the writer task. Cheap to clone.
#[derive(Clone, Debug)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer tasks on the current Tokio runtime: one on SQLite, which lets one transaction write at a
    /// time, and [`POSTGRES_WRITERS`] on PostgreSQL. They stop once every handle is dropped. `keep_connection`:
    /// whether a writer may keep one of the pool's connections between transactions (see [`WriterConnection`]).
    pub(crate) fn start(pool: AnyPool, backend: Backend, keep_connection: bool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE_DEPTH);
        let queue = Arc::new(tokio::sync::Mutex::new(queue));
        let writers = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        };
        for _ in 0..writers {
            tokio::spawn(run_writer(pool.clone(), backend, keep_connection, Arc::clone(&queue)));
        }
        Self { jobs }
    }

    /// Commits `rows` together with whatever other requests are waiting, and returns once they are durable.
    pub async fn commit(&self, rows: RequestRows) -> Result<()> {
        let (done, committed) = oneshot::channel();
        self.jobs.send(Job::Rows { rows: Box::new(rows), done }).await.map_err(|_| writer_gone())?;
        committed.await.map_err(|_| writer_gone())?
    }

    /// Claims a nonce together with whatever other requests are waiting, and answers once the claim is durable:
    /// true when the nonce was fresh, false for a replay.
    pub(crate) async fn claim_nonce(&self, claim: NonceClaim) -> Result<bool> {
        let (done, claimed) = oneshot::channel();
        self.jobs.send(Job::Nonce { claim, done }).await.map_err(|_| writer_gone())?;
        claimed.await.map_err(|_| writer_gone())?
    }

    /// Claims a nonce and, only when it was fresh, commits `rows` in the same transaction, together with whatever
    /// other requests are waiting; answers once that transaction is durable: true when the nonce was fresh and the
    /// rows are stored, false for a replay (nothing of it is stored).
    pub(crate) async fn commit_claimed(&self, claim: NonceClaim, rows: RequestRows) -> Result<bool> {
        let (done, committed) = oneshot::channel();
        self.jobs.send(Job::ClaimedRows { claim, rows: Box::new(rows), done }).await.map_err(|_| writer_gone())?;
        committed.await.map_err(|_| writer_gone())?
    }
}

fn writer_gone() -> OriginError {
    OriginError::AuditWriterStopped
}

async fn run_writer(pool: AnyPool, backend: Backend, keep_connection: bool, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut writer = WriterConnection { pool, keep: keep_connection, kept: None };
    let mut jobs = Vec::with_capacity(MAX_REQUESTS_PER_COMMIT);
    loop {
        // One writer at a time waits on the queue and takes everything waiting; the others are committing.
        let next = async { queue.lock().await.recv_many(&mut jobs, MAX_REQUESTS_PER_COMMIT).await };
        let received = if writer.kept.is_some() {
            // Taking the lock and `recv_many` lose nothing when the time-out drops them.
            match tokio::time::timeout(KEEP_IDLE_CONNECTION, next).await {
                Ok(received) => received,
                Err(_idle) => {
                    writer.kept = None;
                    queue.lock().await.recv_many(&mut jobs, MAX_REQUESTS_PER_COMMIT).await
                }
            }
        } else {
            next.await
        };
        if received == 0 {
            break;
        }
        match writer.write(backend, &jobs).await {
            Ok(fresh) => answer(jobs.drain(..), fresh),
            Err(error) if jobs.len() > 1 => {
                tracing::warn!(%error, requests = jobs.len(), "grouped commit failed; committing one by one");
                for job in jobs.drain(..) {
                    match writer.write(backend, std::slice::from_ref(&job)).await {
                        Ok(fresh) => answer(std::iter::once(job), fresh),
                        Err(error) => job.fail(error),
                    }
                }
            }
            Err(error) => {
                if let Some(job) = jobs.pop() {
                    job.fail(error);
                }
            }
        }
    }
}

/// The writer's connection. Between transactions it is kept rather than given back to the pool, which tests every
/// connection given back with a round trip (to the connection's thread on SQLite, over the network on PostgreSQL):
/// one more round trip per commit. It goes back after a failed transaction, once no request has come for
/// [`KEEP_IDLE_CONNECTION`] (closing the pool waits for every connection to come back), and is never kept over an
/// in-memory SQLite database, whose one connection everything else needs too.
struct WriterConnection {
    pool: AnyPool,
    keep: bool,
    kept: Option<PoolConnection<Any>>,
}

impl WriterConnection {
    async fn write(&mut self, backend: Backend, jobs: &[Job]) -> Result<Vec<bool>> {
        let mut connection = match self.kept.take() {
            Some(connection) => connection,
            None => self.pool.acquire().await?,
        };
        let written = write_in_one_transaction(&mut connection, backend, jobs).await;
        if written.is_ok() && self.keep {
            self.kept = Some(connection);
        }
        written
    }
}

/// Tells each job of a committed transaction its outcome; `fresh` holds the nonce claims' answers in job order.
fn answer(jobs: impl Iterator<Item = Job>, fresh: Vec<bool>) {
    let mut fresh = fresh.into_iter();
    for job in jobs {
        // A caller that has gone away needs no answer; its writes are committed all the same.
        match job {
            Job::Rows { done, .. } => drop(done.send(Ok(()))),
            Job::Nonce { done, .. } | Job::ClaimedRows { done, .. } => {
                drop(done.send(fresh.next().ok_or(OriginError::AuditWriterStopped)))
            }
        }
    }
}

impl Job {
    /// The rows this job writes, if any (whether they are written depends on the claim of a `ClaimedRows`).
    fn rows(&self) -> Option<&RequestRows> {
        match self {
            Job::Rows { rows, .. } | Job::ClaimedRows { rows, .. } => Some(rows),
            Job::Nonce { .. } => None,
        }
    }

    /// The nonce this job claims, if any.
    fn claim(&self) -> Option<&NonceClaim> {
        match self {
            Job::Rows { .. } => None,
            Job::Nonce { claim, .. } | Job::ClaimedRows { claim, .. } => Some(claim),
        }
    }

    fn fail(self, error: OriginError) {
        // As in `answer`, a caller that has gone away needs no answer.
        match self {
            Job::Rows { done, .. } => drop(done.send(Err(error))),
            Job::Nonce { done, .. } | Job::ClaimedRows { done, .. } => drop(done.send(Err(error))),
        }
    }
}

/// Writes `jobs` in one transaction; answers the nonce claims' freshness in job order once it has committed.
async fn write_in_one_transaction(connection: &mut AnyConnection, backend: Backend, jobs: &[Job]) -> Result<Vec<bool>> {
    let revises =
        jobs.iter().any(|job| job.rows().and_then(|rows| rows.checkin.as_ref()).is_some_and(|c| c.revises_visit));
    if backend == Backend::Sqlite && !revises {
        return write_as_sqlite_script(connection, jobs).await;
    }
    let mut tx = sqlx::Connection::begin(&mut *connection).await?;
    let claims: Vec<&NonceClaim> = jobs.iter().filter_map(Job::claim).collect();
    let fresh = if claims.is_empty() { Vec::new() } else { claim_nonces(&mut tx, backend, &claims).await? };
    let rows = rows_to_write(jobs, &fresh);
    for statement in audit_statements(backend, &rows) {
        statement.query().execute(&mut *tx).await?;
    }
    let mut checkins: Vec<&CheckInRow> = Vec::new();
    for row in rows.iter().filter_map(|r| r.checkin.as_ref()) {
        // A revision with no check-in of its visit to rewrite is kept as a check-in of its own.
        if !row.revises_visit || !revise_visit(&mut tx, row).await? {
            checkins.push(row);
        }
    }
    for statement in checkin_statements(backend, &checkins) {
        statement.query().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(fresh)
}

/// SQLite: the same transaction as [`write_in_one_transaction`] in at most two commands to the connection's thread,
/// `BEGIN` and the claims, then the rows and `COMMIT`, instead of one command per statement plus a `BEGIN` and a
/// `COMMIT` that each wait for an acknowledgement. Each command is a hand-over between threads, and those
/// hand-overs, not SQLite's work, were most of a lookup's cost. A transaction the script leaves open when a
/// statement fails is rolled back before the connection goes back to the pool.
async fn write_as_sqlite_script(connection: &mut AnyConnection, jobs: &[Job]) -> Result<Vec<bool>> {
    let written = sqlite_script_commands(connection, jobs).await;
    if written.is_err() {
        // Fails harmlessly when the failed statement was `BEGIN` itself or `COMMIT` already ended the transaction.
        let _no_transaction_is_fine = sqlx::query("ROLLBACK").execute(&mut *connection).await;
    }
    written
}

async fn sqlite_script_commands(connection: &mut AnyConnection, jobs: &[Job]) -> Result<Vec<bool>> {
    let claims: Vec<&NonceClaim> = jobs.iter().filter_map(Job::claim).collect();
    let (fresh, begin) = if claims.is_empty() {
        (Vec::new(), "BEGIN")
    } else {
        let group = ClaimGroup::new(&claims);
        let mut digests = HashSet::with_capacity(claims.len());
        for row in sqlite_script("BEGIN", &group.statements(Backend::Sqlite), "").fetch_all(&mut *connection).await? {
            digests.insert(row.try_get::<String, _>(0)?);
        }
        (group.answers(&digests), "")
    };
    let rows = rows_to_write(jobs, &fresh);
    let checkins: Vec<&CheckInRow> = rows.iter().filter_map(|r| r.checkin.as_ref()).collect();
    let mut statements = audit_statements(Backend::Sqlite, &rows);
    statements.extend(checkin_statements(Backend::Sqlite, &checkins));
    sqlite_script(begin, &statements, "COMMIT").execute(&mut *connection).await?;
    Ok(fresh)
}

/// The rows to write: every request's, but those of a request whose nonce was replayed (that request is refused,
/// not answered). `fresh` holds the claims' answers in job order.
fn rows_to_write<'a>(jobs: &'a [Job], fresh: &[bool]) -> Vec<&'a RequestRows> {
    let mut claim_answers = fresh.iter();
    jobs.iter()
        .filter_map(|job| match job {
            Job::Rows { rows, .. } => Some(rows.as_ref()),
            Job::Nonce { .. } => {
                claim_answers.next();
                None
            }
            Job::ClaimedRows { rows, .. } => claim_answers.next().copied().unwrap_or(false).then_some(rows.as_ref()),
        })
        .collect()
}

/// The multi-row inserts of the audit rows of `rows`.
fn audit_statements<'a>(backend: Backend, rows: &[&'a RequestRows]) -> Vec<Statement<'a>> {
    let audits: Vec<&AuditEvent> = rows.iter().map(|r| &r.audit).collect();
    audits
        .chunks(MAX_ROWS_PER_STATEMENT)
        .map(|chunk| {
            let sql = multi_row_insert(
                backend,
                "INSERT INTO audit_events (id, occurred_at, actor_device_id, actor_facility_code, subject_person_id, \
                                           purpose, outcome, arbitrary_identifier) VALUES ",
                8,
                chunk.len(),
            );
            let mut values = Vec::with_capacity(chunk.len() * 8);
            for event in chunk {
                values.extend([
                    Bound::Text(Some(event.id.as_str())),
                    Bound::Int(event.occurred_at),
                    Bound::Text(event.actor_device_id.as_deref()),
                    Bound::Text(event.actor_facility_code.as_deref()),
                    Bound::Text(event.subject_person_id.as_deref()),
                    Bound::Text(Some(event.purpose.as_str())),
                    Bound::Text(Some(event.outcome.as_str())),
                    Bound::Text(event.arbitrary_identifier.as_deref()),
                ]);
            }
            Statement { sql, values }
        })
        .collect()
}

/// The multi-row inserts of `checkins`.
fn checkin_statements<'a>(backend: Backend, checkins: &[&'a CheckInRow]) -> Vec<Statement<'a>> {
    checkins
        .chunks(MAX_ROWS_PER_STATEMENT)
        .map(|chunk| {
            let sql = multi_row_insert(
                backend,
                "INSERT INTO checkins (id, facility_code, checkin_date, checked_in_at, device_id, person_id, method, \
                                       validity, reason, guidance, name, name_kana, insurer_number, insurer_name, \
                                       contribution_percent, device_label, disqualification_date, limit_category, \
                                       specific_diseases, certificate_notice, certificate_expiry_date, \
                                       patient_language, patient_aids, public_expense, visual_check_reason, \
                                       elderly_recipient) \
                 VALUES ",
                26,
                chunk.len(),
            );
            let mut values = Vec::with_capacity(chunk.len() * 26);
            for row in chunk {
                values.extend([
                    Bound::Text(Some(row.id.as_str())),
                    Bound::Text(Some(row.facility_code.as_str())),
                    Bound::Text(Some(row.checkin_date.as_str())),
                    Bound::Int(row.checked_in_at),
                    Bound::Text(row.device_id.as_deref()),
                    Bound::Text(row.person_id.as_deref()),
                    Bound::Text(Some(row.method.as_str())),
                    Bound::Text(Some(row.validity.as_str())),
                    Bound::Text(Some(row.reason.as_str())),
                    Bound::Text(row.guidance.as_deref()),
                    Bound::Text(row.name.as_deref()),
                    Bound::Text(row.name_kana.as_deref()),
                    Bound::Text(row.insurer_number.as_deref()),
                    Bound::Text(row.insurer_name.as_deref()),
                    Bound::SmallInt(row.contribution_percent),
                    Bound::Text(row.device_label.as_deref()),
                    Bound::Text(row.disqualification_date.as_deref()),
                    Bound::Text(row.limit_category.as_deref()),
                    Bound::Text(row.specific_diseases.as_deref()),
                    Bound::Text(row.certificate_notice.as_deref()),
                    Bound::Text(row.certificate_expiry_date.as_deref()),
                    Bound::Text(row.patient_language.as_deref()),
                    Bound::Text(row.patient_aids.as_deref()),
                    Bound::Text(row.public_expense.as_deref()),
                    Bound::Text(row.visual_check_reason.as_deref()),
                    Bound::Text(row.elderly_recipient.as_deref()),
                ]);
            }
            Statement { sql, values }
        })
        .collect()
}

/// Rewrites the answer on the check-in of `row`'s visit: the asking device's latest check-in of the same person,
/// facility, day and method within [`VISIT_REVISION_WINDOW_SECONDS`]. Its time, kiosk name, certificate notice and
/// patient mode stay those of the visit's start. True when there was one to rewrite.
async fn revise_visit(tx: &mut sqlx::Transaction<'_, sqlx::Any>, row: &CheckInRow) -> Result<bool> {
    let (Some(device_id), Some(person_id)) = (row.device_id.as_deref(), row.person_id.as_deref()) else {
        return Ok(false);
    };
    let revised = sqlx::query(
        "UPDATE checkins SET validity = $1, reason = $2, guidance = $3, name = $4, name_kana = $5, \
                             insurer_number = $6, insurer_name = $7, contribution_percent = $8, \
                             disqualification_date = $9, limit_category = $10, specific_diseases = $11, \
                             public_expense = $12, elderly_recipient = $13 \
         WHERE id = ( \
             SELECT id FROM checkins \
             WHERE facility_code = $14 AND device_id = $15 AND person_id = $16 AND checkin_date = $17 \
               AND method = $18 AND checked_in_at >= $19 \
             ORDER BY checked_in_at DESC, id DESC LIMIT 1)",
    )
    .bind(row.validity.as_str())
    .bind(row.reason.as_str())
    .bind(row.guidance.as_deref())
    .bind(row.name.as_deref())
    .bind(row.name_kana.as_deref())
    .bind(row.insurer_number.as_deref())
    .bind(row.insurer_name.as_deref())
    .bind(row.contribution_percent)
    .bind(row.disqualification_date.as_deref())
    .bind(row.limit_category.as_deref())
    .bind(row.specific_diseases.as_deref())
    .bind(row.public_expense.as_deref())
    .bind(row.elderly_recipient.as_deref())
    .bind(row.facility_code.as_str())
    .bind(device_id)
    .bind(person_id)
    .bind(row.checkin_date.as_str())
    .bind(row.method.as_str())
    .bind(row.checked_in_at - VISIT_REVISION_WINDOW_SECONDS)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(revised == 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::replay::NonceRecord;
    use crate::store::Store;

    fn audit_row(id: &str) -> RequestRows {
        RequestRows {
            audit: AuditEvent {
                id: id.to_owned(),
                occurred_at: 1_700_000_000,
                actor_device_id: Some("kiosk-1".into()),
                actor_facility_code: None,
                subject_person_id: None,
                purpose: "qualification_by_certificate".into(),
                outcome: "valid".into(),
                arbitrary_identifier: None,
            },
            checkin: None,
        }
    }

    #[tokio::test]
    async fn concurrent_requests_are_all_committed_and_a_bad_row_fails_only_its_own_request() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let mut requests = tokio::task::JoinSet::new();
        // Forty distinct rows and one whose primary key repeats an earlier one: whichever of the pair comes
        // second must be refused, and only it.
        for index in 0..40 {
            let store = store.clone();
            requests.spawn(async move { store.commit_request_rows(audit_row(&format!("row-{index}"))).await.is_ok() });
        }
        let repeat = store.clone();
        requests.spawn(async move { repeat.commit_request_rows(audit_row("row-7")).await.is_ok() });
        let mut committed = 0;
        let mut refused = 0;
        while let Some(outcome) = requests.join_next().await {
            if outcome.unwrap() { committed += 1 } else { refused += 1 }
        }
        assert_eq!((committed, refused), (40, 1));
        assert_eq!(store.count_rows("audit_events").await.unwrap(), 40);
    }

    #[tokio::test]
    async fn concurrent_claims_of_one_nonce_accept_it_once_beside_other_writes() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let now = 1_700_000_000;
        let mut requests = tokio::task::JoinSet::new();
        // Twenty requests replaying one nonce, twenty with nonces of their own and twenty audit rows, all at once:
        // they share the writer's transactions, and the replayed nonce is fresh for exactly one of its requests.
        for index in 0..20 {
            let (same, own, rows) = (store.clone(), store.clone(), store.clone());
            requests.spawn(async move {
                ("same", same.remember_nonce(&NonceRecord::of("replayed", now), now).await.unwrap())
            });
            requests.spawn(async move {
                ("own", own.remember_nonce(&NonceRecord::of(&format!("own-{index}"), now), now).await.unwrap())
            });
            requests.spawn(
                async move { ("rows", rows.commit_request_rows(audit_row(&format!("r{index}"))).await.is_ok()) },
            );
        }
        let mut counts = std::collections::BTreeMap::new();
        while let Some(outcome) = requests.join_next().await {
            let (kind, accepted) = outcome.unwrap();
            *counts.entry((kind, accepted)).or_insert(0) += 1;
        }
        let expected = [(("own", true), 20), (("rows", true), 20), (("same", false), 19), (("same", true), 1)];
        assert_eq!(counts, expected.into_iter().collect());
        assert_eq!(store.count_rows("request_nonces").await.unwrap(), 21);
        assert_eq!(store.count_rows("audit_events").await.unwrap(), 20);
    }

    #[tokio::test]
    async fn the_rows_of_a_replayed_request_are_not_stored() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let now = 1_700_000_000;
        let mut requests = tokio::task::JoinSet::new();
        // Ten lookups presenting one nonce at once, each with rows of its own: one is answered and stored, the
        // other nine are replays and leave nothing behind.
        for index in 0..10 {
            let store = store.clone();
            requests.spawn(async move {
                let rows = audit_row(&format!("lookup-{index}"));
                store.commit_rows_of_fresh_request(NonceRecord::of("once", now), now, rows).await.unwrap()
            });
        }
        let mut fresh = 0;
        while let Some(outcome) = requests.join_next().await {
            fresh += usize::from(outcome.unwrap());
        }
        assert_eq!(fresh, 1);
        assert_eq!(store.count_rows("audit_events").await.unwrap(), 1);
        assert_eq!(store.count_rows("request_nonces").await.unwrap(), 1);
        // The nonce claimed with rows is refused when presented alone, too.
        assert!(!store.remember_nonce(&NonceRecord::of("once", now), now).await.unwrap());
    }

    #[tokio::test]
    async fn a_nonce_is_refused_until_it_expires_and_taken_over_after() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let record = NonceRecord::of("n", 1_000);
        assert!(store.remember_nonce(&record, 1_000).await.unwrap());
        assert!(!store.remember_nonce(&record, record.expires_at).await.unwrap(), "a replay within the window");
        // The same nonce signed anew after the first one's window: the expired row is taken over, and kept anew.
        let later = NonceRecord::of("n", record.expires_at + 1);
        assert!(store.remember_nonce(&later, record.expires_at + 1).await.unwrap(), "a row past its expiry");
        assert!(!store.remember_nonce(&later, record.expires_at + 2).await.unwrap());
    }

    #[tokio::test]
    async fn a_check_in_is_committed_with_its_audit_row() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let mut rows = audit_row("audited");
        rows.checkin = Some(CheckInRow {
            id: "checkin-1".into(),
            facility_code: "1312345678".into(),
            checkin_date: "2026-11-24".into(),
            checked_in_at: 1_700_000_000,
            device_id: Some("kiosk-1".into()),
            person_id: None,
            method: "pin".into(),
            visual_check_reason: None,
            validity: "no_qualification".into(),
            reason: "not_registered".into(),
            guidance: None,
            name: None,
            name_kana: None,
            insurer_number: None,
            insurer_name: None,
            contribution_percent: None,
            elderly_recipient: None,
            device_label: Some("受付1".into()),
            disqualification_date: None,
            limit_category: None,
            specific_diseases: None,
            certificate_notice: Some("in_grace".into()),
            certificate_expiry_date: Some("2026-10-31".into()),
            patient_language: Some("vi".into()),
            patient_aids: Some("voice".into()),
            public_expense: None,
            revises_visit: false,
        });
        store.commit_request_rows(rows.clone()).await.unwrap();
        assert_eq!(store.count_rows("checkins").await.unwrap(), 1);
        // The same rows again break the audit table's key: neither row of the repeat may be stored.
        assert!(store.commit_request_rows(rows).await.is_err());
        assert_eq!(store.count_rows("audit_events").await.unwrap(), 1);
        assert_eq!(store.count_rows("checkins").await.unwrap(), 1);
    }
}
