//! The insurer's listing of its own batches (`GET /insurer/v1/batches`), one bounded page at a time: the newest
//! batches first, how many a page holds, and the cursor that names where the next (older) page starts.
//!
//! Layer: wire types, sans-I/O. The cursor is opaque to the caller (it sends back the `next` it was given) but
//! checked before any query runs, so a tampered one is refused as `bad_request`. Must not know how a store finds
//! the rows after it.

use serde::{Deserialize, Serialize};

use crate::text::validated_text;
use crate::time_id_cursor::split_time_and_id;

/// Batches in a page unless the caller asks for another number. An insurer sends a batch a day or so, so this is
/// some months of them; the newest, which is what a clerk checks, is always on the first page.
pub const DEFAULT_BATCH_PAGE: u32 = 100;

/// Most batches in one page, whatever the caller asks: years of batches are listed in pages of at most this many,
/// so one answer stays small however long the insurer has been sending.
pub const MAX_BATCH_PAGE: u32 = 1_000;

/// Longest batch id a cursor names, in bytes: the stores' ids are 32 hex digits.
pub const MAX_BATCH_CURSOR_ID_LEN: usize = 64;

/// Why a text is not a [`BatchCursor`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a batch cursor is the last batch's receipt time (decimal Unix seconds), '.', and its id \
     (1 to {MAX_BATCH_CURSOR_ID_LEN} ASCII letters, digits, '-' or '_')"
)]
pub struct BatchCursorError;

validated_text! {
    /// Where the next page of an insurer's batches starts: the last listed batch's `received_at` and `id`, written
    /// `<seconds>.<id>`. The listing is ordered newest first and, within one second, by id; the next page holds
    /// the batches strictly after this one in that order, so a batch applied while the insurer pages is never
    /// listed twice and none older is skipped.
    pub struct BatchCursor, error = BatchCursorError;
}

impl BatchCursor {
    /// Checks the shape: a non-negative decimal time without leading zeros, a dot, and a plain id.
    pub fn parse(text: &str) -> Result<Self, BatchCursorError> {
        match split_time_and_id(text, MAX_BATCH_CURSOR_ID_LEN) {
            Some(_) => Ok(Self(text.to_owned())),
            None => Err(BatchCursorError),
        }
    }

    /// The cursor after the batch listed last: its receipt time and id.
    pub fn after(received_at: i64, id: &str) -> Result<Self, BatchCursorError> {
        Self::parse(&format!("{received_at}.{id}"))
    }

    /// The last listed batch's receipt time, Unix seconds.
    pub fn received_at(&self) -> i64 {
        // The shape was checked when the cursor was made, so the time always reads.
        split_time_and_id(&self.0, MAX_BATCH_CURSOR_ID_LEN).map_or(0, |(seconds, _)| seconds)
    }

    /// The last listed batch's id.
    pub fn id(&self) -> &str {
        split_time_and_id(&self.0, MAX_BATCH_CURSOR_ID_LEN).map_or("", |(_, id)| id)
    }
}

/// How many batches a page holds: `limit` when asked (1 to [`MAX_BATCH_PAGE`]), else [`DEFAULT_BATCH_PAGE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchPageSize(u32);

/// Why a page size was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a page of batches holds 1 to {MAX_BATCH_PAGE} batches")]
pub struct BatchPageSizeError;

impl BatchPageSize {
    /// The size asked for, or the default when none was.
    pub fn new(limit: Option<u32>) -> Result<Self, BatchPageSizeError> {
        match limit.unwrap_or(DEFAULT_BATCH_PAGE) {
            rows @ 1..=MAX_BATCH_PAGE => Ok(Self(rows)),
            _ => Err(BatchPageSizeError),
        }
    }

    /// The number of batches.
    pub fn rows(self) -> u32 {
        self.0
    }
}

/// One batch as the listing names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListedBatch {
    /// The batch id, as its report (`GET /insurer/v1/batches/{batch_id}`) is asked for.
    pub id: String,
    /// When the batch was applied (Unix seconds).
    pub received_at: i64,
}

/// A page of the insurer's batches, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchPage {
    /// Up to the page size of batches, newest first.
    pub batches: Vec<ListedBatch>,
    /// The `before` of the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<BatchCursor>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

    use super::*;

    #[test]
    fn a_batch_cursor_reads_back_the_batch_it_was_made_after() {
        let cursor = BatchCursor::after(1_780_000_000, "0123abcd").unwrap();
        assert_eq!(cursor.as_str(), "1780000000.0123abcd");
        assert_eq!((cursor.received_at(), cursor.id()), (1_780_000_000, "0123abcd"));
        let read: BatchCursor = serde_json::from_str("\"1780000000.0123abcd\"").unwrap();
        assert_eq!(read, cursor);
    }

    #[test]
    fn a_tampered_batch_cursor_is_refused() {
        // The spellings refused are `time_id_cursor`'s to list; here, that this cursor reads by that rule.
        for text in ["", "05.abc", "5.a'--"] {
            assert_eq!(BatchCursor::parse(text), Err(BatchCursorError), "{text:?}");
            assert!(serde_json::from_str::<BatchCursor>(&format!("{text:?}")).is_err(), "{text:?}");
        }
        assert!(BatchCursor::parse(&format!("5.{}", "a".repeat(MAX_BATCH_CURSOR_ID_LEN + 1))).is_err());
        assert!(BatchCursor::parse(&format!("5.{}", "a".repeat(MAX_BATCH_CURSOR_ID_LEN))).is_ok());
        assert!(BatchCursor::parse("0.a").is_ok());
    }

    #[test]
    fn a_page_holds_one_to_the_most_batches_and_the_default_when_not_asked() {
        assert_eq!(BatchPageSize::new(None).unwrap().rows(), DEFAULT_BATCH_PAGE);
        assert_eq!(BatchPageSize::new(Some(1)).unwrap().rows(), 1);
        assert_eq!(BatchPageSize::new(Some(MAX_BATCH_PAGE)).unwrap().rows(), MAX_BATCH_PAGE);
        assert_eq!(BatchPageSize::new(Some(0)), Err(BatchPageSizeError));
        assert_eq!(BatchPageSize::new(Some(MAX_BATCH_PAGE + 1)), Err(BatchPageSizeError));
    }
}
