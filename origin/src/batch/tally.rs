//! The errors of a refused batch, bounded: the first [`MAX_REPORTED_ERRORS`] in file order, and a count of every
//! error by its code.
//!
//! A file can hold millions of bad lines, each costing its sender two bytes; keeping (or answering) one entry per
//! line would let one upload take the origin's memory. The counts still say how much is wrong, so an insurer can
//! tell a typo from a file in the wrong format.
//!
//! Pure: no I/O, no clock.

use std::collections::BTreeMap;

use crate::batch::validate::{RowError, RowErrorCode};

/// Most errors listed one by one in a refusal; the rest are only counted.
pub const MAX_REPORTED_ERRORS: usize = 1_000;

/// A bounded record of a batch's errors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorTally {
    first: Vec<RowError>,
    by_code: BTreeMap<&'static str, u64>,
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
        let count = self.by_code.entry(code_name(error.code)).or_default();
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
            let count = self.by_code.entry(code_name(error.code)).or_default();
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

    /// The count of each code that occurred, by its wire name.
    pub fn by_code(&self) -> &BTreeMap<&'static str, u64> {
        &self.by_code
    }
}

/// The wire name of `code` (its serde spelling).
fn code_name(code: RowErrorCode) -> &'static str {
    match code {
        RowErrorCode::Malformed => "malformed",
        RowErrorCode::UnknownField => "unknown_field",
        RowErrorCode::MissingField => "missing_field",
        RowErrorCode::InvalidValue => "invalid_value",
        RowErrorCode::ForbiddenCharacter => "forbidden_character",
        RowErrorCode::IndividualNumberForm => "individual_number_form",
        RowErrorCode::IndividualNumberCheckDigit => "individual_number_check_digit",
        RowErrorCode::InsurerMismatch => "insurer_mismatch",
        RowErrorCode::UnknownOperation => "unknown_operation",
        RowErrorCode::Duplicate => "duplicate",
        RowErrorCode::InsuredMemberNotFound => "insured_member_not_found",
        RowErrorCode::QualificationNotFound => "qualification_not_found",
        RowErrorCode::BatchSize => "batch_size",
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
        assert_eq!(tally.by_code().get("malformed"), Some(&2_500));
        assert_eq!(tally.by_code().get("missing_field"), Some(&2_500));
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
        assert_eq!(tally.by_code().get("duplicate"), Some(&2));
        let names: Vec<String> = [RowErrorCode::Duplicate, RowErrorCode::BatchSize]
            .iter()
            .map(|code| serde_json::to_value(code).unwrap().as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, [code_name(RowErrorCode::Duplicate), code_name(RowErrorCode::BatchSize)]);
    }
}
