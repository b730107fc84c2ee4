//! The day's check-ins as the console holds them: the newest page, refreshed every few seconds, and the older pages
//! staff asked for with 「さらに表示」, appended below it.
//!
//! The edge answers one bounded page at a time ([`onshi_proto::checkin_page`]). Until staff ask for older rows a
//! refresh simply replaces the list, as it always has. Once they have, a refresh must not take away what they are
//! reading: its rows are merged into the loaded ones (a row's newer copy wins, so a consent or a withdrawal still
//! shows), the cursor of the oldest loaded row is kept, and the rows the fresh first page pushed past its end stay
//! where they were, so nothing between the pages is lost.
//!
//! Pure: no I/O, no clock. Must not call the edge (the console does, and hands the answers here).

use onshi_proto::IsoDate;
use onshi_proto::checkin_page::{CheckInCursor, listing_order};
use onshi_proto::origin::{CheckIn, CheckInList, PendingVisualCheck};

/// What the console shows of the day's listing.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedCheckIns {
    date: IsoDate,
    total: u64,
    pending: Vec<PendingVisualCheck>,
    rows: Vec<CheckIn>,
    next: Option<CheckInCursor>,
    /// Staff have asked for older rows, so a refresh merges instead of replacing.
    paged: bool,
}

impl LoadedCheckIns {
    /// The newest page, as the first read after login shows it.
    pub fn first(list: CheckInList) -> Self {
        Self {
            date: list.date,
            total: list.total,
            pending: list.pending,
            rows: list.checkins,
            next: list.next,
            paged: false,
        }
    }

    /// After a refresh of the newest page: that page alone while staff have not paged (or the day turned); else the
    /// loaded rows with the fresh page merged in, still ending at the oldest row loaded.
    pub fn refreshed(self, fresh: CheckInList) -> Self {
        if !self.paged || fresh.date != self.date {
            return Self::first(fresh);
        }
        Self {
            rows: merged(self.rows, fresh.checkins),
            date: fresh.date,
            total: fresh.total,
            pending: fresh.pending,
            next: self.next,
            paged: true,
        }
    }

    /// After staff asked for the page after [`LoadedCheckIns::older`]: its rows below the loaded ones, and where the
    /// page after it starts. A page of another day (read across midnight) is dropped; the next refresh starts the
    /// new day.
    pub fn appended(self, page: CheckInList) -> Self {
        if page.date != self.date {
            return self;
        }
        Self {
            rows: merged(self.rows, page.checkins),
            date: page.date,
            total: page.total,
            pending: page.pending,
            next: page.next,
            paged: true,
        }
    }

    /// The rows to show, newest first.
    pub fn rows(&self) -> &[CheckIn] {
        &self.rows
    }

    /// Where the older rows start, when the day has more than are shown.
    pub fn older(&self) -> Option<&CheckInCursor> {
        self.next.as_ref()
    }

    /// How many check-ins the day holds in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The day listed.
    pub fn date(&self) -> IsoDate {
        self.date
    }

    /// The visual checks waiting for staff, as last read.
    pub fn pending(&self) -> &[PendingVisualCheck] {
        &self.pending
    }
}

/// `loaded` and `fresh` as one list in the listing's order, each row once, the fresh copy of a row kept.
fn merged(loaded: Vec<CheckIn>, fresh: Vec<CheckIn>) -> Vec<CheckIn> {
    let fresh_ids: std::collections::HashSet<String> = fresh.iter().map(|row| row.id.clone()).collect();
    let mut rows: Vec<CheckIn> = loaded.into_iter().filter(|row| !fresh_ids.contains(&row.id)).chain(fresh).collect();
    rows.sort_by(|a, b| listing_order((a.checked_in_at, &a.id), (b.checked_in_at, &b.id)));
    rows
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

    use onshi_proto::origin::ConsentKind;

    use super::*;

    fn row(checked_in_at: i64, id: &str) -> CheckIn {
        serde_json::from_value(serde_json::json!({
            "id": id, "checked_in_at": checked_in_at, "device_id": null, "method": "pin", "validity": "valid",
            "reason": "current", "guidance": null, "name": null, "name_kana": null, "insurer_number": null,
            "insurer_name": null, "contribution_percent": null,
        }))
        .unwrap()
    }

    fn page(date: &str, rows: Vec<CheckIn>, next: Option<&str>, total: u64) -> CheckInList {
        CheckInList {
            date: IsoDate::parse(date).unwrap(),
            checkins: rows,
            next: next.map(|cursor| CheckInCursor::parse(cursor).unwrap()),
            total,
            pending: Vec::new(),
        }
    }

    fn ids(loaded: &LoadedCheckIns) -> Vec<&str> {
        loaded.rows().iter().map(|row| row.id.as_str()).collect()
    }

    #[test]
    fn older_pages_append_below_and_the_last_one_ends_the_button() {
        let first = LoadedCheckIns::first(page("2026-11-24", vec![row(30, "a"), row(20, "b")], Some("20.b"), 5));
        assert_eq!(first.older().unwrap().as_str(), "20.b");
        let second = first.appended(page("2026-11-24", vec![row(20, "c"), row(10, "d")], Some("10.d"), 5));
        assert_eq!(ids(&second), ["a", "b", "c", "d"]);
        let last = second.appended(page("2026-11-24", vec![row(5, "e")], None, 5));
        assert_eq!(ids(&last), ["a", "b", "c", "d", "e"]);
        assert_eq!((last.older(), last.total()), (None, 5));
    }

    #[test]
    fn a_refresh_replaces_the_first_page_until_staff_page_then_keeps_what_they_read() {
        let first = LoadedCheckIns::first(page("2026-11-24", vec![row(30, "a"), row(20, "b")], Some("20.b"), 4));
        // Not paged: the refresh is the list, as before paging existed.
        let refreshed = first.clone().refreshed(page("2026-11-24", vec![row(40, "n"), row(30, "a")], Some("30.a"), 5));
        assert_eq!(ids(&refreshed), ["n", "a"]);
        assert_eq!(refreshed.older().unwrap().as_str(), "30.a");

        // Paged: a new check-in arrives on top, "b" falls off the fresh first page but stays shown, and the older
        // button still starts after the oldest row loaded.
        let paged = first.appended(page("2026-11-24", vec![row(10, "c"), row(5, "d")], Some("5.d"), 6));
        let mut consented = row(30, "a");
        consented.consents = vec![ConsentKind::Medication];
        let refreshed = paged.refreshed(page("2026-11-24", vec![row(40, "n"), consented], Some("30.a"), 7));
        assert_eq!(ids(&refreshed), ["n", "a", "b", "c", "d"]);
        assert_eq!(refreshed.rows()[1].consents, [ConsentKind::Medication], "the fresh copy of a row wins");
        assert_eq!(refreshed.older().unwrap().as_str(), "5.d");
        assert_eq!(refreshed.total(), 7);

        // The day turned: the new day's first page alone.
        let next_day = refreshed.refreshed(page("2026-11-25", vec![row(90_000, "x")], None, 1));
        assert_eq!(ids(&next_day), ["x"]);
        assert_eq!(next_day.older(), None);
    }

    #[test]
    fn a_page_of_another_day_is_not_appended() {
        let first = LoadedCheckIns::first(page("2026-11-24", vec![row(30, "a")], Some("30.a"), 2));
        let after_midnight = first.clone().appended(page("2026-11-25", vec![], None, 0));
        assert_eq!(after_midnight, first);
    }
}
