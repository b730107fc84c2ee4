//! The staff listing of a day's check-ins, one bounded page at a time: how many rows a page holds, how many pending
//! visual checks are listed, and the cursor that names where the next (older) page starts.
//!
//! Layer: wire types, sans-I/O. The cursor is opaque to the console (it sends back what it was given) but checked
//! by every tier that reads it, so a tampered one is refused as `bad_request` before any query runs. Must not know
//! how a store finds the rows after it.

use std::cmp::Ordering;

use crate::text::validated_text;
use crate::time_id_cursor::{newest_first, split_time_and_id};

/// Most check-ins one listing answers. A clinic's whole day (hundreds of check-ins) fits in one or two pages, and a
/// page of this size is read, serialised and drawn in well under a second even with its consents, while a flood of
/// check-ins (150,000 a day were seen in a soak) can no longer make one answer outrun the origin's 30 s limit.
pub const CHECKIN_PAGE_ROWS: usize = 200;

/// Most pending visual checks one listing answers, the longest-waiting first. A kiosk's request lapses after
/// `VISUAL_CHECK_LIFETIME_SECONDS`, so a facility has a handful at a time; the cap only bounds what
/// a flood of requests could make one answer carry.
pub const PENDING_VISUAL_CHECK_ROWS: usize = 100;

/// Longest check-in id a cursor names, in bytes: the stores' ids are 32 hex digits.
pub const MAX_CURSOR_ID_LEN: usize = 64;

/// Why a text is not a [`CheckInCursor`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a check-in cursor is the last row's time (decimal Unix seconds), '.', and its id \
     (1 to {MAX_CURSOR_ID_LEN} ASCII letters, digits, '-' or '_')"
)]
pub struct CheckInCursorError;

validated_text! {
    /// Where the next page of a day's check-ins starts: the last listed row's `checked_in_at` and `id`, written
    /// `<seconds>.<id>`. The listing is ordered newest first and, within one second, by id; the next page holds
    /// the rows strictly after this one in that order, so a row added while staff page is never listed twice and
    /// none already on the day is skipped.
    pub struct CheckInCursor, error = CheckInCursorError;
}

impl CheckInCursor {
    /// Checks the shape: a non-negative decimal time without leading zeros, a dot, and a plain id.
    pub fn parse(text: &str) -> Result<Self, CheckInCursorError> {
        match split_time_and_id(text, MAX_CURSOR_ID_LEN) {
            Some(_) => Ok(Self(text.to_owned())),
            None => Err(CheckInCursorError),
        }
    }

    /// The cursor after the row listed last: its time and id.
    pub fn after(checked_in_at: i64, id: &str) -> Result<Self, CheckInCursorError> {
        Self::parse(&format!("{checked_in_at}.{id}"))
    }

    /// The last listed row's time, Unix seconds.
    pub fn checked_in_at(&self) -> i64 {
        // The shape was checked when the cursor was made, so the time always reads.
        self.0.split_once('.').and_then(|(seconds, _)| seconds.parse().ok()).unwrap_or_default()
    }

    /// The last listed row's id.
    pub fn id(&self) -> &str {
        self.0.split_once('.').map_or("", |(_, id)| id)
    }

    /// Whether a row at `checked_in_at` with `id` comes after this cursor in the listing's order, so belongs to
    /// the next page.
    pub fn precedes(&self, checked_in_at: i64, id: &str) -> bool {
        listing_order((self.checked_in_at(), self.id()), (checked_in_at, id)) == Ordering::Less
    }
}

/// The listing's order of two rows, each by its `(checked_in_at, id)`: newest first, then by id (as the stores'
/// `ORDER BY checked_in_at DESC, id` reads it, the ids being ASCII).
pub fn listing_order(a: (i64, &str), b: (i64, &str)) -> Ordering {
    newest_first(a, b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

    use super::*;

    #[test]
    fn a_cursor_reads_back_the_row_it_was_made_after() {
        let cursor = CheckInCursor::after(1_780_000_000, "0123abcd").unwrap();
        assert_eq!(cursor.as_str(), "1780000000.0123abcd");
        assert_eq!((cursor.checked_in_at(), cursor.id()), (1_780_000_000, "0123abcd"));
        let read: CheckInCursor = serde_json::from_str("\"1780000000.0123abcd\"").unwrap();
        assert_eq!(read, cursor);
    }

    #[test]
    fn a_tampered_cursor_is_refused() {
        // The spellings refused are `time_id_cursor`'s to list; here, that this cursor reads by that rule.
        for text in ["", "05.abc", "5.a'--"] {
            assert_eq!(CheckInCursor::parse(text), Err(CheckInCursorError), "{text:?}");
            assert!(serde_json::from_str::<CheckInCursor>(&format!("{text:?}")).is_err(), "{text:?}");
        }
        assert!(CheckInCursor::parse(&format!("5.{}", "a".repeat(MAX_CURSOR_ID_LEN + 1))).is_err());
        assert!(CheckInCursor::parse(&format!("5.{}", "a".repeat(MAX_CURSOR_ID_LEN))).is_ok());
        assert!(CheckInCursor::parse("0.a").is_ok());
    }

    #[test]
    fn the_next_page_holds_older_rows_and_later_ids_of_the_same_second() {
        let cursor = CheckInCursor::after(100, "m").unwrap();
        assert!(cursor.precedes(99, "a"));
        assert!(cursor.precedes(100, "n"));
        assert!(!cursor.precedes(100, "m"));
        assert!(!cursor.precedes(100, "a"));
        assert!(!cursor.precedes(101, "z"));
    }
}
