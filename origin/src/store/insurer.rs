//! The insurers' side of the store: bearer tokens, and applying an insurer batch. The checks read what the
//! database holds, and the batch, its records and its notifications are written in one transaction. The batch is
//! acknowledged only after that commit, so an acknowledged batch is wholly there and a batch cut short (even by
//! `kill -9`) is wholly absent.
//!
//! Layer: storage adapter. Must not decide: where a record goes and whether it is held is `batch::decide`'s
//! answer, applied here as given.

use std::collections::{HashMap, HashSet};

use onshi_proto::batch_page::{BatchCursor, ListedBatch};
use onshi_proto::insurer::{DecisionOutcome, ResolutionKind};
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::qualification::PersonalFamily;
use sqlx::AnyConnection;

use crate::batch::decide::{KnownRecord, NoticeKind, PersonItems, Placement, decide, other_record};
use crate::batch::read::BatchFormat;
use crate::batch::validate::{Acquisition, BatchRow, Loss, RowError, RowErrorCode};
use crate::error::{OriginError, Result};
use crate::store::batch_progress::ProgressCell;
use crate::store::credentials::{PrincipalKind, insert_credential};
use crate::store::rows::{
    BatchReport, HoldOutcome, HoldResolution, HoldStatus, NewInsurer, NewQualification, Notification, NotificationKey,
    stored_person_items,
};
use crate::store::seed::insert_insurer;
use crate::store::sql::{Backend, multi_row_insert};
use crate::store::{Store, random_id};

impl Store {
    /// Adds an insurer (if new) and a bearer token for it expiring at `expires_at`, stored as its SHA-256 only.
    pub async fn add_insurer_token(
        &self,
        insurer: &NewInsurer,
        token_sha256: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_insurer(&mut tx, insurer, now).await?;
        insert_credential(&mut tx, token_sha256, insurer.number.as_str(), now, expires_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The insurer a live bearer token (given as its SHA-256) belongs to at `now`.
    pub async fn insurer_for_token(&self, token_sha256: &str, now: i64) -> Result<Option<String>> {
        // A 公費負担者's token (`store/public_expense.rs`) shares the table and opens no insurer route.
        let holder = self.credential_holder(token_sha256, PrincipalKind::Insurer, now).await?;
        Ok(holder.map(|(number, _name)| number))
    }

    /// Applies a validated batch for `insurer` at `now`, telling `progress` how many rows are checked and written
    /// as it goes. Rows that turn out to conflict with the database (duplicates, a 家族 without 本人, a loss of an
    /// unknown qualification) refuse the whole batch.
    pub async fn apply_insurer_batch(
        &self,
        insurer: &InsurerNumber,
        format: BatchFormat,
        body_sha256: &str,
        rows: &[BatchRow],
        now: i64,
        progress: &ProgressCell,
    ) -> Result<std::result::Result<BatchReport, Vec<RowError>>> {
        progress.applying(0, rows.len());
        let _one_batch_at_a_time = self.batch_lock().lock().await;
        let mut conn = self.pool().acquire().await?;
        // A batch touches index pages all over the large tables; with SQLite's default 2 MiB page cache its dirty
        // pages spill to the WAL again and again before the commit. The connection gets a larger cache for the
        // batch only, and its default back afterwards (also when the batch fails).
        self.set_sqlite_cache_kib(&mut conn, BATCH_SQLITE_CACHE_KIB).await?;
        let outcome = self.apply_on(&mut conn, insurer, format, body_sha256, rows, now, progress).await;
        self.set_sqlite_cache_kib(&mut conn, DEFAULT_SQLITE_CACHE_KIB).await?;
        outcome
    }

    /// Sets a SQLite connection's page cache to `kib` KiB; PostgreSQL has no per-connection page cache to set.
    async fn set_sqlite_cache_kib(&self, conn: &mut AnyConnection, kib: u32) -> Result<()> {
        if self.backend() == Backend::Sqlite {
            sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{kib}"))).execute(conn).await?;
        }
        Ok(())
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the private body of apply_insurer_batch: its arguments and the connection"
    )]
    async fn apply_on(
        &self,
        conn: &mut AnyConnection,
        insurer: &InsurerNumber,
        format: BatchFormat,
        body_sha256: &str,
        rows: &[BatchRow],
        now: i64,
        progress: &ProgressCell,
    ) -> Result<std::result::Result<BatchReport, Vec<RowError>>> {
        let mut tx = sqlx::Connection::begin(conn).await?;
        let batch_id = random_id()?;
        let mut errors = Vec::new();
        // Each notice with the line, the member record and the other record that raised it (checks b and c).
        let mut notices: Vec<(u64, Option<String>, NoticeKind, Option<String>)> = Vec::new();
        let (mut registered, mut held, mut lost) = (0i64, 0i64, 0i64);
        // Records created earlier in this batch, by 個人番号, so twins in one file are caught too.
        let mut batch_known: HashMap<String, Vec<KnownRecord>> = HashMap::new();
        // 本人 person ids by 記号・番号 created in this batch, for 家族 rows.
        let mut batch_insured: HashMap<(&str, &str), String> = HashMap::new();
        // The batch row goes in first so notifications can refer to it; its counts are filled in at the end.
        sqlx::query(
            "INSERT INTO insurer_batches (id, insurer_number, format, received_at, body_sha256, rows_total, \
                                          records_registered, records_held, qualifications_lost, notifications_raised) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0)",
        )
        .bind(&batch_id)
        .bind(insurer.as_str())
        .bind(format.as_text())
        .bind(now)
        .bind(body_sha256)
        .bind(rows.len() as i64)
        .execute(&mut *tx)
        .await?;
        // Person records this batch created: the database reads of later windows leave them out, since
        // `batch_known` already holds them.
        let mut batch_persons: HashSet<String> = HashSet::new();
        // Qualification ids of one batch share a random prefix and count up, so the new rows land together at one
        // place of the primary-key index instead of dirtying pages all over a large table.
        let id_prefix: String = random_id()?.chars().take(16).collect();
        let mut next_qualification = 0u64;
        // New persons and qualifications are written in multi-row statements of `WRITE_CHUNK` rows. Nothing read
        // later in the loop depends on them before a flush: the checks read `stored_known` and `batch_known`, a
        // 家族 row finds a 本人 of this batch in `batch_insured` and only looks in the database for earlier ones, and
        // a 資格喪失 row (which may end a qualification acquired earlier in the same file) flushes first.
        let mut pending = PendingWrites::default();
        // Rows taken up so far, told to `progress` at each write to the database (every `WRITE_CHUNK` acquisitions,
        // every loss) and at the end of each window.
        let mut taken_up = 0_usize;
        for window in rows.chunks(CHECK_WINDOW) {
            // What the database and the 住基 stand-in hold for every number of the window, read in a few large queries
            // instead of two per row; a window at a time, so these maps never hold the whole batch.
            let numbers: Vec<&str> = window
                .iter()
                .filter_map(|row| match row {
                    BatchRow::Acquire(row) => Some(row.individual_number.as_str()),
                    BatchRow::Lose(_) => None,
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut stored_known = known_records(&mut tx, self.backend(), &numbers).await?;
            for records in stored_known.values_mut() {
                records.retain(|record| !batch_persons.contains(&record.person_id));
            }
            let residents = residents(&mut tx, self.backend(), &numbers).await?;
            drop(numbers);
            for row in window {
                taken_up += 1;
                match row {
                    BatchRow::Acquire(row) => {
                        let number = row.individual_number.as_str();
                        let stored = stored_known.get(number).map_or(&[][..], Vec::as_slice);
                        let combined: Vec<KnownRecord>;
                        let known = match batch_known.get(number) {
                            None => stored,
                            Some(earlier) => {
                                combined = stored.iter().chain(earlier).cloned().collect();
                                combined.as_slice()
                            }
                        };
                        let decision = decide(&row.items, known, residents.get(number));
                        let others: Vec<Option<String>> = decision
                            .notices
                            .iter()
                            .map(|kind| other_record(*kind, &row.items, known).map(|k| k.person_id.clone()))
                            .collect();
                        let person_id = match &decision.placement {
                            Placement::Existing(person_id) => person_id.clone(),
                            Placement::New => {
                                let person_id = random_id()?;
                                pending.persons.push((person_id.clone(), row, decision.hold));
                                batch_persons.insert(person_id.clone());
                                batch_known.entry(number.to_owned()).or_default().push(KnownRecord {
                                    person_id: person_id.clone(),
                                    items: row.items.clone(),
                                    held: decision.hold.is_some(),
                                });
                                person_id
                            }
                        };
                        let insured_person_id = match row.personal_family {
                            PersonalFamily::Insured => {
                                batch_insured.insert((row.symbol.as_str(), row.number.as_str()), person_id.clone());
                                Some(person_id.clone())
                            }
                            PersonalFamily::Dependent => {
                                match batch_insured.get(&(row.symbol.as_str(), row.number.as_str())) {
                                    Some(id) => Some(id.clone()),
                                    None => insured_member(&mut tx, insurer, &row.symbol, &row.number).await?,
                                }
                            }
                        };
                        let Some(insured_person_id) = insured_person_id else {
                            errors.push(RowError {
                                line: row.line,
                                field: None,
                                code: RowErrorCode::InsuredMemberNotFound,
                            });
                            continue;
                        };
                        pending.qualifications.push((
                            row.line,
                            NewQualification {
                                id: format!("{id_prefix}{next_qualification:016x}"),
                                person_id: person_id.clone(),
                                insured_person_id,
                                insurer_number: insurer.clone(),
                                card_classification: row.card_classification.clone(),
                                symbol: Some(row.symbol.clone()).filter(|s| !s.is_empty()),
                                number: row.number.clone(),
                                branch: Some(row.branch.clone()).filter(|s| !s.is_empty()),
                                personal_family: row.personal_family,
                                qualification_date: row.qualification_date,
                                disqualification_date: None,
                                loss_reason: None,
                                partial_contribution_percent: row.partial_contribution_percent,
                                elderly_recipient: row.elderly_recipient.clone(),
                                limit_category: row.limit_category.clone(),
                                specific_disease: row.specific_disease.clone(),
                            },
                        ));
                        next_qualification += 1;
                        // Counted now; a row that turns out to be a duplicate refuses the whole batch, counts and all.
                        registered += 1;
                        if decision.hold.is_some() {
                            held += 1;
                        }
                        for (kind, other) in decision.notices.into_iter().zip(others) {
                            notices.push((row.line, Some(person_id.clone()), kind, other));
                        }
                        if pending.qualifications.len() >= WRITE_CHUNK {
                            pending.flush(&mut tx, self.backend(), insurer, now, &mut errors).await?;
                            progress.applying(taken_up, rows.len());
                        }
                    }
                    BatchRow::Lose(row) => {
                        pending.flush(&mut tx, self.backend(), insurer, now, &mut errors).await?;
                        if apply_loss(&mut tx, insurer, row).await? == 0 {
                            errors.push(RowError {
                                line: row.line,
                                field: None,
                                code: RowErrorCode::QualificationNotFound,
                            });
                        } else {
                            lost += 1;
                        }
                        progress.applying(taken_up, rows.len());
                    }
                }
            }
            progress.applying(taken_up, rows.len());
        }
        pending.flush(&mut tx, self.backend(), insurer, now, &mut errors).await?;
        if !errors.is_empty() {
            // Dropping the transaction rolls it back: a refused batch changes nothing.
            tx.rollback().await?;
            errors.sort_by_key(|error| error.line);
            return Ok(Err(errors));
        }
        progress.finishing(rows.len());
        for chunk in notices.chunks(WRITE_CHUNK) {
            let sql = multi_row_insert(
                self.backend(),
                "INSERT INTO insurer_notifications (id, insurer_number, batch_id, line, person_id, kind, detail, \
                                                    created_at, counterpart_person_id) VALUES ",
                9,
                chunk.len(),
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (line, person_id, kind, other) in chunk {
                query = query
                    .bind(random_id()?)
                    .bind(insurer.as_str())
                    .bind(&batch_id)
                    .bind(i64::try_from(*line).unwrap_or(i64::MAX))
                    .bind(person_id.as_deref())
                    .bind(kind.as_str())
                    .bind("")
                    .bind(now)
                    .bind(other.as_deref());
            }
            query.execute(&mut *tx).await?;
        }
        let raised = notices.len() as i64;
        sqlx::query(
            "UPDATE insurer_batches SET records_registered = $1, records_held = $2, qualifications_lost = $3, \
                                        notifications_raised = $4 WHERE id = $5",
        )
        .bind(registered)
        .bind(held)
        .bind(lost)
        .bind(raised)
        .bind(&batch_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(BatchReport {
            batch_id,
            insurer_number: insurer.as_str().to_owned(),
            received_at: now,
            rows_total: rows.len() as i64,
            records_registered: registered,
            records_held: held,
            qualifications_lost: lost,
            notifications_raised: raised,
        }))
    }

    /// How many of the notices of `insurer`'s batch `batch_id` (received at `received_at`) say that 住基 does not
    /// know the number or that the 5 items do not match it: the answers an insurer probing guessed 個人番号 would
    /// collect, counted into the operator's metrics.
    pub async fn registry_misses(&self, insurer: &str, batch_id: &str, received_at: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM insurer_notifications \
             WHERE insurer_number = $1 AND created_at = $2 AND batch_id = $3 \
               AND kind IN ('resident_registry_not_found', 'resident_registry_mismatch', 'five_item_mismatch')",
        )
        .bind(insurer)
        .bind(received_at)
        .bind(batch_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// The report of one of `insurer`'s batches.
    pub async fn batch_report(&self, insurer: &str, batch_id: &str) -> Result<Option<BatchReport>> {
        type Row = (String, String, i64, i64, i64, i64, i64, i64);
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, insurer_number, received_at, rows_total, records_registered, records_held, \
                    qualifications_lost, notifications_raised \
             FROM insurer_batches WHERE id = $1 AND insurer_number = $2",
        )
        .bind(batch_id)
        .bind(insurer)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(batch_id, insurer_number, received_at, rows_total, registered, held, lost, raised)| BatchReport {
            batch_id,
            insurer_number,
            received_at,
            rows_total,
            records_registered: registered,
            records_held: held,
            qualifications_lost: lost,
            notifications_raised: raised,
        }))
    }

    /// At most `rows` of `insurer`'s batches after `before` (from the newest when none), newest first and then by
    /// id. The keyset condition follows the index `insurer_batches_by_insurer` (insurer, receipt time), so the
    /// database reads only the page however many batches the insurer has sent; `received_at <= $2` is the range
    /// the index seeks to, and the `OR` only sorts out the batches of the cursor's own second.
    pub async fn batch_page(&self, insurer: &str, before: Option<&BatchCursor>, rows: u32) -> Result<Vec<ListedBatch>> {
        let (received_at, id) = before.map_or((i64::MAX, ""), |cursor| (cursor.received_at(), cursor.id()));
        let page: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, received_at FROM insurer_batches \
             WHERE insurer_number = $1 AND received_at <= $2 AND (received_at < $2 OR id > $3) \
             ORDER BY received_at DESC, id LIMIT $4",
        )
        .bind(insurer)
        .bind(received_at)
        .bind(id)
        .bind(i64::from(rows))
        .fetch_all(self.pool())
        .await?;
        Ok(page.into_iter().map(|(id, received_at)| ListedBatch { id, received_at }).collect())
    }

    /// Up to `limit` of `insurer`'s notifications, oldest first, after the one `after` names (from the first when
    /// `None`). The order is a total one over columns every notification has a value for, so walking the pages by
    /// the last one's key sees each notification exactly once, even while new ones are written.
    pub async fn notifications(
        &self,
        insurer: &str,
        after: Option<&NotificationKey>,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        let start =
            NotificationKey { created_at: i64::MIN, batch_id: String::new(), line: i64::MIN, id: String::new() };
        let after = after.unwrap_or(&start);
        Ok(sqlx::query_as(
            "SELECT id, batch_id, line, person_id, kind, created_at FROM insurer_notifications \
             WHERE insurer_number = $1 AND created_at >= $2 \
               AND (created_at, COALESCE(batch_id, ''), COALESCE(line, 0), id) > ($3, $4, $5, $6) \
             ORDER BY created_at, COALESCE(batch_id, ''), COALESCE(line, 0), id LIMIT $7",
        )
        .bind(insurer)
        .bind(after.created_at)
        .bind(after.created_at)
        .bind(&after.batch_id)
        .bind(after.line)
        .bind(&after.id)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?)
    }

    /// Resolves a held record of `insurer` at `now`, as `decided_by` decided: 理由付き疑いなし releases it with its
    /// reason, except that a hold the 住基 comparison raised ([`NoticeKind::release_needs_second_clerk`]) is
    /// released only by a second clerk: the first one's is kept as a proposal, and the same clerk again is refused.
    /// A corrected 個人番号 is checked again as a batch row would be (checks b–f against the records under the new
    /// number and its 住基 entry) and releases it only when nothing holds it. The decision is kept with who took it
    /// and why, in the same transaction as the change.
    pub async fn resolve_hold(
        &self,
        insurer: &str,
        person_id: &str,
        resolution: &HoldResolution,
        decided_by: &str,
        now: i64,
    ) -> Result<HoldOutcome> {
        let _one_batch_at_a_time = self.batch_lock().lock().await;
        let mut tx = self.pool().begin().await?;
        type HeldRow = (String, String, String, String, String, Option<String>, Option<String>);
        let found: Option<HeldRow> = sqlx::query_as(
            "SELECT name, name_kana, birth_date, sex, hold_status, address, hold_reason FROM persons \
             WHERE id = $1 AND registered_by = $2",
        )
        .bind(person_id)
        .bind(insurer)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((name, name_kana, birth_date, sex, hold, address, hold_reason)) = found else {
            return Ok(HoldOutcome::NotFound);
        };
        if HoldStatus::from_text(&hold)? != HoldStatus::Held {
            return Ok(HoldOutcome::NotFound);
        }
        // A hold without a stored reason (hand-made rows) is treated as the strictest kind.
        let needs_second_clerk = match hold_reason.as_deref() {
            Some(reason) => reason
                .parse::<NoticeKind>()
                .map_err(|_| OriginError::CorruptRecord(format!("hold reason {reason:?}")))?
                .release_needs_second_clerk(),
            None => true,
        };
        if let HoldResolution::NoSuspicion { reason } = resolution
            && needs_second_clerk
        {
            let proposal: Option<(String, String)> = sqlx::query_as(
                "SELECT id, proposed_by FROM hold_proposals \
                 WHERE person_id = $1 AND insurer_number = $2 AND settled_at IS NULL ORDER BY proposed_at, id",
            )
            .bind(person_id)
            .bind(insurer)
            .fetch_optional(&mut *tx)
            .await?;
            match proposal {
                None => {
                    sqlx::query(
                        "INSERT INTO hold_proposals (id, insurer_number, person_id, proposed_at, proposed_by, reason) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(random_id()?)
                    .bind(insurer)
                    .bind(person_id)
                    .bind(now)
                    .bind(decided_by)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok(HoldOutcome::AwaitingSecondClerk);
                }
                Some((_, proposed_by)) if proposed_by == decided_by => return Ok(HoldOutcome::SameClerk),
                // Another clerk confirms: released below, as one clerk's 理由付き疑いなし releases other holds.
                Some(_) => {}
            }
        }
        let (outcome, kind, resolution_kind, reason) = match resolution {
            HoldResolution::NoSuspicion { reason } => {
                sqlx::query("UPDATE persons SET hold_status = $1, hold_note = $2 WHERE id = $3")
                    .bind(HoldStatus::Cleared.as_text())
                    .bind(reason)
                    .bind(person_id)
                    .execute(&mut *tx)
                    .await?;
                (HoldOutcome::Released, "hold_cleared", ResolutionKind::NoSuspicion, Some(reason.as_str()))
            }
            HoldResolution::Corrected { individual_number } => {
                let items = stored_person_items(name, name_kana, &birth_date, &sex, address)?;
                let number = [individual_number.as_str()];
                let mut known = known_records(&mut tx, self.backend(), &number).await?;
                let mut known = known.remove(individual_number.as_str()).unwrap_or_default();
                known.retain(|record| record.person_id != person_id);
                let registry = residents(&mut tx, self.backend(), &number).await?;
                let released = decide(&items, &known, registry.get(individual_number)).hold.is_none();
                let status = if released { HoldStatus::None } else { HoldStatus::Held };
                sqlx::query("UPDATE persons SET individual_number = $1, hold_status = $2 WHERE id = $3")
                    .bind(individual_number)
                    .bind(status.as_text())
                    .bind(person_id)
                    .execute(&mut *tx)
                    .await?;
                if released {
                    (HoldOutcome::Released, "hold_corrected", ResolutionKind::Corrected, None)
                } else {
                    (HoldOutcome::StillHeld, "hold_still_mismatched", ResolutionKind::Corrected, None)
                }
            }
        };
        sqlx::query(
            "INSERT INTO insurer_notifications (id, insurer_number, batch_id, line, person_id, kind, detail, created_at) \
             VALUES ($1, $2, NULL, NULL, $3, $4, $5, $6)",
        )
        .bind(random_id()?)
        .bind(insurer)
        .bind(person_id)
        .bind(kind)
        .bind("")
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if outcome == HoldOutcome::Released {
            // A proposal the hold waited on is settled by whatever released it.
            sqlx::query(
                "UPDATE hold_proposals SET settled_at = $1, settled_by = $2 \
                 WHERE person_id = $3 AND insurer_number = $4 AND settled_at IS NULL",
            )
            .bind(now)
            .bind(decided_by)
            .bind(person_id)
            .bind(insurer)
            .execute(&mut *tx)
            .await?;
        }
        let decision_outcome =
            if outcome == HoldOutcome::Released { DecisionOutcome::Released } else { DecisionOutcome::StillHeld };
        sqlx::query(
            "INSERT INTO hold_decisions (id, insurer_number, person_id, decided_at, decided_by, resolution, reason, \
                                         outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(random_id()?)
        .bind(insurer)
        .bind(person_id)
        .bind(now)
        .bind(decided_by)
        .bind(resolution_kind.as_str())
        .bind(reason)
        .bind(decision_outcome.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

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

/// SQLite page cache of the connection applying a batch, in KiB (the peak resident size of a 1M-row batch stays
/// under its 2 GiB target with it).
const BATCH_SQLITE_CACHE_KIB: u32 = 512 * 1024;
/// SQLite's default page cache, in KiB.
const DEFAULT_SQLITE_CACHE_KIB: u32 = 2_000;

/// Rows whose checks read the database together: large enough for few queries, small enough that what is read
/// for them stays a small part of the batch's memory.
const CHECK_WINDOW: usize = 100_000;

/// Rows in one multi-row `INSERT` of a batch: 22 columns × 200 rows stays far below the parameter limits of SQLite
/// (32 766) and PostgreSQL (65 535).
const WRITE_CHUNK: usize = 200;

/// New persons and qualifications decided but not yet written, each qualification with its batch line.
#[derive(Default)]
struct PendingWrites<'r> {
    persons: Vec<(String, &'r Acquisition, Option<NoticeKind>)>,
    qualifications: Vec<(u64, NewQualification)>,
}

impl PendingWrites<'_> {
    /// Writes the pending persons, then their qualifications (the foreign keys point that way). A qualification
    /// already registered (the same 保険者・記号・番号・枝番・資格取得日) is skipped by `ON CONFLICT DO NOTHING`; when a
    /// statement inserts fewer rows than it carries, the rows that are missing are found by id and reported as
    /// `duplicate`.
    async fn flush(
        &mut self,
        conn: &mut AnyConnection,
        backend: Backend,
        insurer: &InsurerNumber,
        now: i64,
        errors: &mut Vec<RowError>,
    ) -> Result<()> {
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
                query = query
                    .bind(person_id.as_str())
                    .bind(row.items.name.as_str())
                    .bind(row.items.name_kana.as_str())
                    .bind(row.items.birth_date.to_string())
                    .bind(row.items.sex.as_str())
                    .bind(row.items.address.as_str())
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
        Ok(())
    }
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
