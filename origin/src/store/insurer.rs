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
use tokio::sync::mpsc;

use crate::batch::decide::{KnownRecord, Notice, NoticeKind, Placement, decide};
use crate::batch::read::BatchFormat;
use crate::batch::validate::{BatchRow, RowError, RowErrorCode};
use crate::error::{OriginError, Result};
use crate::store::batch_progress::ProgressCell;
use crate::store::batch_reads::{CHECK_WINDOW, ReadAhead, WindowFacts, known_records, residents};
use crate::store::batch_writes::{
    BatchIds, BatchStatement, BatchWriter, NewNotice, PendingWrites, STATEMENTS_IN_FLIGHT, WRITE_CHUNK, ask_writer,
    hand_over, set_sqlite_batch_settings,
};
use crate::store::credentials::{PrincipalKind, insert_credential};
use crate::store::rows::{
    BatchReport, HoldOutcome, HoldResolution, HoldStatus, NewInsurer, NewQualification, Notification, NotificationKey,
    stored_person_items,
};
use crate::store::seed::insert_insurer;
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
        // The connection gets settings of its own for the batch only, and its defaults back afterwards (also when
        // the batch fails).
        set_sqlite_batch_settings(&mut conn, self.backend(), true).await?;
        let outcome = self.apply_on(&mut conn, insurer, format, body_sha256, rows, now, progress).await;
        set_sqlite_batch_settings(&mut conn, self.backend(), false).await?;
        outcome
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
        // Each window's reads are asked one window ahead on two connections of their own, so they go on while the
        // window before is checked and written. A database of one connection (SQLite in memory) has none to spare:
        // it reads each window on the batch's own connection, between its writes.
        let reads = if self.pool().options().get_max_connections() > 1 {
            let persons = self.pool().acquire().await?.detach();
            let registry = self.pool().acquire().await?.detach();
            WindowReads::Ahead(ReadAhead::start(persons, registry, self.backend()).await?)
        } else {
            WindowReads::OnBatchConnection
        };
        let (statements, queue) = mpsc::channel(STATEMENTS_IN_FLIGHT);
        let writer = BatchWriter {
            backend: self.backend(),
            insurer,
            batch_id: &batch_id,
            now,
            progress,
            rows_total: rows.len(),
        };
        let (written, checked) =
            tokio::try_join!(writer.carry_out(&mut tx, queue), check_rows(insurer, rows, reads, statements))?;
        let mut errors = checked.errors;
        errors.extend(written.errors);
        if !errors.is_empty() {
            // Dropping the transaction rolls it back: a refused batch changes nothing.
            tx.rollback().await?;
            errors.sort_by_key(|error| error.line);
            return Ok(Err(errors));
        }
        let Checked { raised, registered, held, .. } = checked;
        let lost = written.lost;
        progress.finishing(rows.len());
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

/// What checking a batch's rows came to, besides the records handed to the writer.
struct Checked {
    /// Notices raised, each handed to the writer.
    raised: i64,
    /// Member records registered, and those of them held.
    registered: i64,
    held: i64,
    /// 家族 rows whose 本人 is found nowhere.
    errors: Vec<RowError>,
}

/// Where the checks get what the database holds for a window's numbers.
enum WindowReads {
    /// From a task reading a window ahead on two connections of its own.
    Ahead(ReadAhead),
    /// From the batch's own connection, through the writer's queue.
    OnBatchConnection,
}

/// Checks every row of `rows` for `insurer` (checks a–f of `batch::decide`, window by window), handing the records
/// to write to the writer through `statements` as they are decided.
///
/// New persons and qualifications go to the writer in chunks of [`WRITE_CHUNK`] rows. Nothing read later here
/// depends on them having been written: the checks read the window's facts and `batch_known`, a 家族 row finds a
/// 本人 of this batch in `batch_insured` and asks the database only for earlier ones, and a 資格喪失 row (which may
/// end a qualification acquired earlier in the same file) is handed over after the records before it.
async fn check_rows<'r>(
    insurer: &InsurerNumber,
    rows: &'r [BatchRow],
    mut reads: WindowReads,
    statements: mpsc::Sender<BatchStatement<'r>>,
) -> Result<Checked> {
    let mut checked = Checked { raised: 0, registered: 0, held: 0, errors: Vec::new() };
    // Records created earlier in this batch, by 個人番号, so twins in one file are caught too.
    let mut batch_known: HashMap<String, Vec<KnownRecord>> = HashMap::new();
    // 本人 person ids by 記号・番号 created in this batch, for 家族 rows.
    let mut batch_insured: HashMap<(&str, &str), String> = HashMap::new();
    // Person records this batch created, which a read on the batch's own connection leaves out.
    let mut batch_persons: HashSet<String> = HashSet::new();
    let mut ids = BatchIds::new()?;
    // Notices decided and not yet handed over: they go to the writer WRITE_CHUNK at a time, so that its
    // statements come in few shapes.
    let mut notices: Vec<NewNotice> = Vec::new();
    let mut pending = PendingWrites::default();
    // Rows taken up so far, told to the progress with each statement.
    let mut taken_up = 0_usize;
    let windows: Vec<&[BatchRow]> = rows.chunks(CHECK_WINDOW).collect();
    if let (WindowReads::Ahead(ahead), Some(first)) = (&reads, windows.first()) {
        ahead.ask(owned(&window_numbers(first))).await?;
    }
    for (index, window) in windows.iter().copied().enumerate() {
        let facts = match &mut reads {
            WindowReads::Ahead(ahead) => {
                if let Some(next) = windows.get(index + 1) {
                    ahead.ask(owned(&window_numbers(next))).await?;
                }
                ahead.next().await?
            }
            WindowReads::OnBatchConnection => {
                let numbers = window_numbers(window);
                let mut facts = ask_writer(&statements, |reply| BatchStatement::ReadWindow { numbers, reply }).await?;
                // This read sees the persons the batch has written; `batch_known` holds those already.
                for records in facts.known.values_mut() {
                    records.retain(|record| !batch_persons.contains(&record.person_id));
                }
                facts
            }
        };
        let WindowFacts { known: stored_known, residents } = facts;
        for row in window {
            taken_up += 1;
            // The writer runs in this task: letting it take up a finished statement every few rows keeps the
            // database thread busy while the checks go on.
            if taken_up.is_multiple_of(YIELD_EVERY_ROWS) {
                tokio::task::yield_now().await;
            }
            let row = match row {
                BatchRow::Acquire(row) => row,
                BatchRow::Lose(row) => {
                    let writes = std::mem::take(&mut pending);
                    hand_over(&statements, BatchStatement::Insert { writes, taken_up: taken_up - 1 }).await?;
                    hand_over(&statements, BatchStatement::Lose { row, taken_up }).await?;
                    continue;
                }
            };
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
                PersonalFamily::Dependent => match batch_insured.get(&(row.symbol.as_str(), row.number.as_str())) {
                    Some(id) => Some(id.clone()),
                    None => {
                        let (symbol, number) = (row.symbol.as_str(), row.number.as_str());
                        ask_writer(&statements, |reply| BatchStatement::InsuredMember { symbol, number, reply }).await?
                    }
                },
            };
            let Some(insured_person_id) = insured_person_id else {
                checked.errors.push(RowError {
                    line: row.line,
                    field: None,
                    code: RowErrorCode::InsuredMemberNotFound,
                });
                continue;
            };
            pending.qualifications.push((
                row.line,
                NewQualification {
                    id: ids.next(),
                    person_id: person_id.clone(),
                    insured_person_id,
                    insurer_number: insurer.clone(),
                    card_classification: row.card_classification.to_string(),
                    symbol: Some(row.symbol.to_string()).filter(|s| !s.is_empty()),
                    number: row.number.to_string(),
                    branch: Some(row.branch.to_string()).filter(|s| !s.is_empty()),
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
            // Counted now; a row that turns out to be a duplicate refuses the whole batch, counts and all.
            checked.registered += 1;
            if decision.hold.is_some() {
                checked.held += 1;
            }
            for Notice { kind, counterpart } in decision.notices {
                let person_id = Some(person_id.clone());
                notices.push(NewNotice { id: ids.next(), line: row.line, person_id, kind, counterpart });
                checked.raised += 1;
            }
            if notices.len() >= WRITE_CHUNK {
                pending.notices.extend(notices.drain(..WRITE_CHUNK));
            }
            if pending.qualifications.len() >= WRITE_CHUNK {
                let writes = std::mem::take(&mut pending);
                hand_over(&statements, BatchStatement::Insert { writes, taken_up }).await?;
            }
        }
    }
    pending.notices.append(&mut notices);
    let writes = std::mem::take(&mut pending);
    hand_over(&statements, BatchStatement::Insert { writes, taken_up }).await?;
    Ok(checked)
}

/// Rows checked between two chances for the writer, which shares the checks' task, to go on: a few hundred
/// microseconds of checks.
const YIELD_EVERY_ROWS: usize = 16;

/// The distinct 個人番号 of a window's 資格取得 rows, in order (so each `IN` list reads neighbouring index pages).
fn window_numbers(window: &[BatchRow]) -> Vec<&str> {
    window
        .iter()
        .filter_map(|row| match row {
            BatchRow::Acquire(row) => Some(row.individual_number.as_str()),
            BatchRow::Lose(_) => None,
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The numbers as owned text, for the reading task.
fn owned(numbers: &[&str]) -> Vec<String> {
    numbers.iter().map(|number| (*number).to_owned()).collect()
}
