//! 個人番号 (My Number): 12 digits whose last digit is a mod-11 check digit over the first 11 with the weights
//! 6,5,4,3,2,7,6,5,4,3,2 from the left (番号法施行令第8条; see the domain notes §2.2). When the weighted sum
//! leaves a remainder of 0 or 1 the check digit is 0, otherwise it is 11 minus the remainder.
//!
//! Pure: no I/O. The number is personal data, so its `Debug` shows only the last four digits, the same part the
//! insurers' 2024 notices showed.

use zeroize::Zeroize;

/// Why a text is not a 個人番号.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndividualNumberError {
    /// Not exactly 12 characters.
    Length,
    /// Something other than the ASCII digits 0–9.
    NotDigits,
    /// The 12th digit is not the one the first 11 require.
    CheckDigit,
}

const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// The check digit for the 11 leading digits `base`, or `None` when `base` is not 11 ASCII digits.
pub fn check_digit(base: &str) -> Option<u8> {
    if base.len() != 11 || !base.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = base.bytes().zip(WEIGHTS).map(|(byte, weight)| u32::from(byte - b'0') * weight).sum();
    let remainder = sum % 11;
    // The remainder is below 11, so 11 − remainder fits a digit once 0 and 1 are taken out.
    Some(if remainder <= 1 { 0 } else { (11 - remainder) as u8 })
}

/// A 個人番号 whose form and check digit have been verified.
#[derive(Clone, PartialEq, Eq, Hash, Zeroize)]
pub struct IndividualNumber(String);

impl IndividualNumber {
    /// Checks `text` and keeps it.
    pub fn parse(text: &str) -> Result<Self, IndividualNumberError> {
        if text.len() != 12 {
            return Err(IndividualNumberError::Length);
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IndividualNumberError::NotDigits);
        }
        let (base, last) = text.split_at(11);
        let expected = check_digit(base).ok_or(IndividualNumberError::NotDigits)?;
        if last.bytes().next().map(|b| b - b'0') != Some(expected) {
            return Err(IndividualNumberError::CheckDigit);
        }
        Ok(Self(text.to_owned()))
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for IndividualNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IndividualNumber(********{})", self.0.get(8..).unwrap_or_default())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    const VECTORS: &str = include_str!("../tests/data/individual-numbers-reference-notes-s2.2.json");

    #[derive(serde::Deserialize)]
    struct Vector {
        number: String,
        valid: bool,
    }

    #[test]
    fn the_worked_examples_of_the_reference_notes_hold() {
        let vectors: Vec<Vector> = serde_json::from_str(VECTORS).unwrap();
        assert!(vectors.len() >= 4);
        for vector in vectors {
            assert_eq!(IndividualNumber::parse(&vector.number).is_ok(), vector.valid, "{}", vector.number);
        }
    }

    #[test]
    fn every_wrong_last_digit_is_refused() {
        for digit in 0..=9u8 {
            let text = format!("12345678901{digit}");
            assert_eq!(IndividualNumber::parse(&text).is_ok(), digit == 8, "{text}");
        }
        assert_eq!(IndividualNumber::parse("12345678901").unwrap_err(), IndividualNumberError::Length);
        assert_eq!(IndividualNumber::parse("12345678901８").unwrap_err(), IndividualNumberError::Length);
        assert_eq!(IndividualNumber::parse("1234567890a8").unwrap_err(), IndividualNumberError::NotDigits);
    }

    #[test]
    fn remainders_of_zero_and_one_give_a_zero_check_digit() {
        // Weighted sums: "00000000001" → 2 (remainder 2 → 9); "00000000006" → 12 (remainder 1 → 0);
        // "00000000000" → 0 (remainder 0 → 0).
        assert_eq!(check_digit("00000000001"), Some(9));
        assert_eq!(check_digit("00000000006"), Some(0));
        assert_eq!(check_digit("00000000000"), Some(0));
    }

    #[test]
    fn debug_shows_only_the_last_four_digits() {
        let number = IndividualNumber::parse("123456789018").unwrap();
        let shown = format!("{number:?}");
        assert!(shown.ends_with("9018)"), "{shown}");
        assert!(!shown.contains("12345678"));
    }
}
