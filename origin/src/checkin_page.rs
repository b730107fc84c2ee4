//! One page of a facility's day for the staff listing, merged from the two places check-ins rest: the kiosks'
//! (`checkins`) and the national reader's (`reader_results`).
//!
//! Each store query answers at most a page and one more row after the cursor, in the listing's order (newest first,
//! then by id); this module merges the two into one order, keeps a page, and names where the next page starts. The
//! page's first rows of the whole day after the cursor are always among the first rows of each source, so nothing
//! is skipped, and a row on one page is strictly before the next page's cursor, so nothing is listed twice.
//!
//! Pure: no I/O, no clock. Must not read or write a store.

use std::cmp::Ordering;

use onshi_proto::checkin_page::{CheckInCursor, listing_order};
use onshi_proto::origin::CheckIn;

use crate::error::{OriginError, Result};

/// A check-in as a source lists it, with the person it found (for the consents staff see on the page's rows only).
#[derive(Debug)]
pub struct ListedCheckIn {
    /// The row as staff see it.
    pub checkin: CheckIn,
    /// The person the check-in found; none for the national reader's rows and for a check-in that found nobody.
    pub person_id: Option<String>,
}

/// The listing's order of two check-ins ([`listing_order`]).
fn checkin_order(a: &CheckIn, b: &CheckIn) -> Ordering {
    listing_order((a.checked_in_at, &a.id), (b.checked_in_at, &b.id))
}

/// A page of at most `rows` rows, merged from `sources` (each in listing order, each at most `rows + 1` rows after
/// the same cursor), and the cursor of the next page when the sources hold more.
pub fn merge_page(
    sources: Vec<Vec<ListedCheckIn>>,
    rows: usize,
) -> Result<(Vec<ListedCheckIn>, Option<CheckInCursor>)> {
    let mut merged: Vec<ListedCheckIn> = sources.into_iter().flatten().collect();
    merged.sort_by(|a, b| checkin_order(&a.checkin, &b.checkin));
    if merged.len() <= rows {
        return Ok((merged, None));
    }
    merged.truncate(rows);
    let next = match merged.last() {
        Some(last) => Some(
            CheckInCursor::after(last.checkin.checked_in_at, &last.checkin.id)
                .map_err(|_| OriginError::CorruptRecord("a stored check-in id cannot name a page".into()))?,
        ),
        // A page of no rows with more behind it would loop: the listing's page is never empty.
        None => return Err(OriginError::CorruptRecord("an empty page has no cursor".into())),
    };
    Ok((merged, next))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

    use super::*;

    fn row(checked_in_at: i64, id: &str) -> ListedCheckIn {
        let json = serde_json::json!({
            "id": id, "checked_in_at": checked_in_at, "device_id": null, "method": "pin", "validity": "valid",
            "reason": "current", "guidance": null, "name": null, "name_kana": null, "insurer_number": null,
            "insurer_name": null, "contribution_percent": null,
        });
        ListedCheckIn { checkin: serde_json::from_value(json).unwrap(), person_id: None }
    }

    fn ids(page: &[ListedCheckIn]) -> Vec<&str> {
        page.iter().map(|listed| listed.checkin.id.as_str()).collect()
    }

    #[test]
    fn two_sources_merge_into_one_order_and_the_cursor_names_the_last_row_kept() {
        let kiosk = vec![row(30, "k1"), row(20, "a2"), row(20, "k2"), row(10, "k3")];
        let reader = vec![row(25, "r1"), row(20, "b1"), row(5, "r2")];
        let (page, next) = merge_page(vec![kiosk, reader], 4).unwrap();
        assert_eq!(ids(&page), ["k1", "r1", "a2", "b1"]);
        assert_eq!(next.unwrap().as_str(), "20.b1");
    }

    #[test]
    fn a_page_that_holds_everything_left_has_no_next() {
        let (page, next) = merge_page(vec![vec![row(3, "a")], vec![row(2, "b")]], 2).unwrap();
        assert_eq!(ids(&page), ["a", "b"]);
        assert!(next.is_none());
        let (empty, none) = merge_page(vec![vec![], vec![]], 2).unwrap();
        assert!(empty.is_empty() && none.is_none());
    }
}
