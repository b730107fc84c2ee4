//! The lock that lets one insurer run one batch at a time, kept in the database so that every replica of the origin
//! sees it: a row per insurer with its holder and an expiry, taken with one conditional upsert.
//!
//! A batch takes the lock before it reads its upload, so a second upload of the same insurer is refused before its
//! body costs anything. A holder that dies (a replica killed mid-batch) leaves its row behind; the expiry lets the
//! next batch take it over.
//!
//! The lock carries its batch's entry on the progress board (`batch_progress.rs`), made when it is taken and
//! removed when it is released or dropped; [`Store::insurer_batch_progress`] answers from that entry, or, when this
//! process has none but the lock row is held, says the batch runs on another replica.
//!
//! Layer: storage adapter. Must not decide how long a batch may run (the caller passes the expiry).

use std::sync::Arc;

use onshi_proto::insurer::BatchProgress;

use crate::error::Result;
use crate::store::batch_progress::ProgressCell;
use crate::store::{Store, random_id};

/// The insurer batch lock, held until [`BatchLock::release`] (or, if the holder is dropped first, released in the
/// background).
#[derive(Debug)]
pub struct BatchLock {
    store: Store,
    insurer: String,
    holder: String,
    released: bool,
    progress: Arc<ProgressCell>,
}

impl Store {
    /// Takes `insurer`'s batch lock at `now` until `expires_at`, unless another holder has it and its expiry has not
    /// passed: `None` then.
    pub async fn try_lock_insurer_batch(&self, insurer: &str, now: i64, expires_at: i64) -> Result<Option<BatchLock>> {
        let holder = random_id()?;
        let taken = sqlx::query(
            "INSERT INTO insurer_batch_locks (insurer_number, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (insurer_number) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE insurer_batch_locks.expires_at <= $4",
        )
        .bind(insurer)
        .bind(&holder)
        .bind(expires_at)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok((taken == 1).then(|| BatchLock {
            store: self.clone(),
            insurer: insurer.to_owned(),
            holder,
            released: false,
            progress: self.batch_progress().start(insurer),
        }))
    }

    /// How far `insurer`'s running batch has got: from this process's board when it runs it, else
    /// [`BatchProgress::RunningElsewhere`] while the insurer's lock row is held and unexpired at `now`, else
    /// [`BatchProgress::None`].
    pub async fn insurer_batch_progress(&self, insurer: &str, now: i64) -> Result<BatchProgress> {
        if let Some(progress) = self.batch_progress().get(insurer) {
            return Ok(progress);
        }
        let held: Option<i64> = sqlx::query_scalar(
            "SELECT expires_at FROM insurer_batch_locks WHERE insurer_number = $1 AND expires_at > $2",
        )
        .bind(insurer)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        // The lock row may have been released between the two looks: then nothing runs, as the row says.
        Ok(if held.is_some() { BatchProgress::RunningElsewhere } else { BatchProgress::None })
    }

    async fn unlock_insurer_batch(&self, insurer: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM insurer_batch_locks WHERE insurer_number = $1 AND holder = $2")
            .bind(insurer)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

impl BatchLock {
    /// Where the batch under this lock reports how far it has got.
    pub fn progress(&self) -> &ProgressCell {
        &self.progress
    }

    /// Releases the lock (only if this holder still has it), and then the batch's progress entry: a progress call
    /// in between still sees this batch, never "running elsewhere".
    pub async fn release(mut self) -> Result<()> {
        self.released = true;
        let unlocked = self.store.unlock_insurer_batch(&self.insurer, &self.holder).await;
        self.store.batch_progress().end(&self.insurer, &self.progress);
        unlocked
    }
}

impl Drop for BatchLock {
    /// A request cut short (the client went away, a timeout) drops its lock without releasing it; the row is
    /// deleted in the background, so the insurer does not wait for the expiry.
    fn drop(&mut self) {
        if self.released {
            // A release cut short after it began (its request went away) still takes the entry off the board.
            self.store.batch_progress().end(&self.insurer, &self.progress);
            return;
        }
        let (store, insurer, holder) = (self.store.clone(), std::mem::take(&mut self.insurer), self.holder.clone());
        let progress = self.progress.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(error) = store.unlock_insurer_batch(&insurer, &holder).await {
                        tracing::warn!(%error, "an insurer batch lock is left to expire");
                    }
                    store.batch_progress().end(&insurer, &progress);
                });
            }
            Err(_) => store.batch_progress().end(&insurer, &progress),
        }
    }
}
