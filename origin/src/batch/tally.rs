//! The errors of a refused batch, bounded: the first [`MAX_REPORTED_ERRORS`] in file order, and a count of every
//! error by its code.
//!
//! A file can hold millions of bad lines, each costing its sender two bytes; keeping (or answering) one entry per
//! line would let one upload take the origin's memory. The counts still say how much is wrong, so an insurer can
//! tell a typo from a file in the wrong format.
//!
//! Pure: no I/O, no clock.

use std::collections::BTreeMap;

use onshi_proto::batch_report::{BatchRejection, MAX_LISTED_ROWS, RejectedRow};

use crate::batch::validate::{RowError, RowErrorCode};

/// Most errors listed one by one in a refusal; the rest are only counted.
pub const MAX_REPORTED_ERRORS: usize = MAX_LISTED_ROWS;

/// A bounded record of a batch's errors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorTally {
    first: Vec<RowError>,
    by_code: BTreeMap<RowErrorCode, u64>,
    total: u64,
}

impl ErrorTally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tally of `errors`, whatever their order: the kept ones are the first by line.
    pub fn of(mut errors: Vec<RowError>) -> Self {
        errors.sort_by_key(|error| error.line);
        let mut tally = Self::new();
        for error in errors {
            tally.push(error);
        }
        tally
    }

    /// Counts `error`, and keeps it when fewer than [`MAX_REPORTED_ERRORS`] are kept. Errors pushed in file order
    /// keep the first ones of the file.
    pub fn push(&mut self, error: RowError) {
        self.total = self.total.saturating_add(1);
        let count = self.by_code.entry(error.code).or_default();
        *count = count.saturating_add(1);
        if self.first.len() < MAX_REPORTED_ERRORS {
            self.first.push(error);
        }
    }

    /// Adds `more` (errors found after the file was read, such as duplicates, whose lines may come before the kept
    /// ones): the kept list stays the first by line among all of them.
    pub fn merge(&mut self, more: Vec<RowError>) {
        if more.is_empty() {
            return;
        }
        for error in &more {
            self.total = self.total.saturating_add(1);
            let count = self.by_code.entry(error.code).or_default();
            *count = count.saturating_add(1);
        }
        self.first.extend(more);
        self.first.sort_by_key(|error| error.line);
        self.first.truncate(MAX_REPORTED_ERRORS);
    }

    /// True when no error was counted.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The kept errors, first by line.
    pub fn first(&self) -> &[RowError] {
        &self.first
    }

    /// Every error counted, kept or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The count of each code that occurred.
    pub fn by_code(&self) -> &BTreeMap<RowErrorCode, u64> {
        &self.by_code
    }

    /// The refusal the insurer is given: the kept rows, the count of all and the counts by code.
    pub fn rejection(&self) -> BatchRejection {
        let rows = self
            .first
            .iter()
            .map(|error| RejectedRow { line: error.line, field: error.field.map(str::to_owned), code: error.code })
            .collect();
        BatchRejection::new(rows, self.total, self.by_code.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn error(line: u64, code: RowErrorCode) -> RowError {
        RowError { line, field: None, code }
    }

    #[test]
    fn the_first_errors_are_kept_and_every_one_is_counted() {
        let mut tally = ErrorTally::new();
        for line in 1..=5_000 {
            tally.push(error(line, if line % 2 == 0 { RowErrorCode::Malformed } else { RowErrorCode::MissingField }));
        }
        assert_eq!(tally.first().len(), MAX_REPORTED_ERRORS);
        assert_eq!(tally.first().last().unwrap().line, MAX_REPORTED_ERRORS as u64);
        assert_eq!(tally.total(), 5_000);
        assert_eq!(tally.by_code().get(&RowErrorCode::Malformed), Some(&2_500));
        assert_eq!(tally.by_code().get(&RowErrorCode::MissingField), Some(&2_500));
    }

    #[test]
    fn merged_errors_take_their_place_by_line() {
        let mut tally = ErrorTally::new();
        for line in 10..10 + MAX_REPORTED_ERRORS as u64 {
            tally.push(error(line, RowErrorCode::InvalidValue));
        }
        tally.merge(vec![error(3, RowErrorCode::Duplicate), error(1_000_000, RowErrorCode::Duplicate)]);
        assert_eq!(tally.first().first().unwrap().line, 3);
        assert_eq!(tally.first().len(), MAX_REPORTED_ERRORS);
        assert_eq!(tally.total(), MAX_REPORTED_ERRORS as u64 + 2);
        assert_eq!(tally.by_code().get(&RowErrorCode::Duplicate), Some(&2));
        let rejection = tally.rejection();
        assert_eq!((rejection.rows.len(), rejection.total_errors), (MAX_REPORTED_ERRORS, tally.total()));
        assert_eq!(rejection.errors_by_code.get(&RowErrorCode::Duplicate), Some(&2));
    }
}
