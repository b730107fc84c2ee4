//! How far each running insurer batch has got, kept in the memory of the process that runs it: a board with an
//! entry per insurer whose batch lock this process holds (`batch_lock.rs`).
//!
//! Why memory and not the database: a batch applies all its rows in one transaction, and on SQLite a write outside
//! that transaction waits until it commits, so a progress row could only ever be written when there is nothing
//! left to report. The entry is made when the lock is taken and removed when it is released or dropped (a request
//! cut short), so an insurer is never shown the counts of a batch that has ended. A replica that does not run the
//! batch has no entry; it finds the insurer's lock row held and says the batch runs elsewhere, without counts.
//!
//! Counting costs next to nothing: the reader's counts are copied once per chunk of the request body (each holds
//! many rows), and the applied count once per multi-row write of the apply loop, a short uncontended lock each.
//!
//! Layer: storage adapter (in-process state). Must not show one insurer another's batch, or outlive the lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use onshi_proto::insurer::{BatchProgress, RowsApplied, RowsRead};

/// One running batch's progress, updated by the batch and read by the progress route.
#[derive(Debug)]
pub struct ProgressCell(Mutex<BatchProgress>);

impl Default for ProgressCell {
    /// A batch that has not read a row yet.
    fn default() -> Self {
        Self(Mutex::new(BatchProgress::Reading(RowsRead::default())))
    }
}

impl ProgressCell {
    /// The rows read so far.
    pub fn reading(&self, rows: RowsRead) {
        self.set(BatchProgress::Reading(rows));
    }

    /// `applied` rows of `total` checked and written (counts past the total are shown as the total).
    pub fn applying(&self, applied: usize, total: usize) {
        let (applied, total) = (applied as u64, total as u64);
        self.set(BatchProgress::Applying(RowsApplied::new(applied.min(total), total).unwrap_or_default()));
    }

    /// Every one of `total` rows is written, with its notices; the commit remains.
    pub fn finishing(&self, total: usize) {
        self.set(BatchProgress::Finishing { rows_total: total as u64 });
    }

    /// What the batch last reported.
    pub fn get(&self) -> BatchProgress {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, progress: BatchProgress) {
        // A panic elsewhere while the lock was held cannot leave a half-written value: it is one copy.
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = progress;
    }
}

/// The entries of the batches this process runs, by insurer (or 公費負担者) number. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProgressBoard(Arc<Mutex<HashMap<String, Arc<ProgressCell>>>>);

impl ProgressBoard {
    /// A fresh entry for `insurer`'s batch, replacing any left by a holder whose lock expired and was taken over.
    pub(crate) fn start(&self, insurer: &str) -> Arc<ProgressCell> {
        let cell = Arc::new(ProgressCell::default());
        self.entries().insert(insurer.to_owned(), cell.clone());
        cell
    }

    /// Removes `insurer`'s entry if it is still `cell` (a later batch's entry stays).
    pub(crate) fn end(&self, insurer: &str, cell: &Arc<ProgressCell>) {
        let mut entries = self.entries();
        if entries.get(insurer).is_some_and(|current| Arc::ptr_eq(current, cell)) {
            entries.remove(insurer);
        }
    }

    /// The progress of `insurer`'s batch, if this process runs one.
    pub(crate) fn get(&self, insurer: &str) -> Option<BatchProgress> {
        self.entries().get(insurer).map(|cell| cell.get())
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<ProgressCell>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_the_insurers_own_until_its_batch_ends() {
        let board = ProgressBoard::default();
        let first = board.start("33120015");
        first.reading(RowsRead::new(10, 1).unwrap());
        assert_eq!(board.get("33120015"), Some(BatchProgress::Reading(RowsRead::new(10, 1).unwrap())));
        assert_eq!(board.get("01130012"), None);
        // A holder whose lock was taken over ends after the new one started: the new entry stays.
        let second = board.start("33120015");
        board.end("33120015", &first);
        second.applying(5, 3);
        assert_eq!(board.get("33120015"), Some(BatchProgress::Applying(RowsApplied::new(3, 3).unwrap())));
        board.end("33120015", &second);
        assert_eq!(board.get("33120015"), None);
    }
}
