//! The lock that lets one insurer run one batch at a time, kept in the database so that every replica of the origin
//! sees it: a row per insurer with its holder and an expiry, taken with one conditional upsert.
//!
//! A batch takes the lock before it reads its upload, so a second upload of the same insurer is refused before its
//! body costs anything. A holder that dies (a replica killed mid-batch) leaves its row behind; the expiry lets the
//! next batch take it over.
//!
//! Layer: storage adapter. Must not decide how long a batch may run (the caller passes the expiry).

use crate::error::Result;
use crate::store::{Store, random_id};

/// The insurer batch lock, held until [`BatchLock::release`] (or, if the holder is dropped first, released in the
/// background).
#[derive(Debug)]
pub struct BatchLock {
    store: Store,
    insurer: String,
    holder: String,
    released: bool,
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
        }))
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
    /// Releases the lock (only if this holder still has it).
    pub async fn release(mut self) -> Result<()> {
        self.released = true;
        self.store.unlock_insurer_batch(&self.insurer, &self.holder).await
    }
}

impl Drop for BatchLock {
    /// A request cut short (the client went away, a timeout) drops its lock without releasing it; the row is
    /// deleted in the background, so the insurer does not wait for the expiry.
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let (store, insurer, holder) = (self.store.clone(), std::mem::take(&mut self.insurer), self.holder.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = store.unlock_insurer_batch(&insurer, &holder).await {
                    tracing::warn!(%error, "an insurer batch lock is left to expire");
                }
            });
        }
    }
}
