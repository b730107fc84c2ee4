//! 保険者番号 and its 検証番号 (check digit).
//!
//! The rule and the type live in [`onshi_proto::insurer_number`], so that the kiosk's staff form, the edge and the
//! origin validate with one implementation. This module re-exports them under the origin's error type: every
//! refusal converts into [`OriginError`](crate::OriginError) with `?`.
//!
//! Pure: no I/O, no clock.

pub use onshi_proto::insurer_number::{InsurerNumber, InsurerNumberError};

use crate::error::Result;

/// The 検証番号 for `base`, the digits that precede it.
pub fn check_digit(base: &str) -> Result<u8> {
    Ok(onshi_proto::insurer_number::check_digit(base)?)
}

/// `base` followed by its 検証番号.
pub fn with_check_digit(base: &str) -> Result<String> {
    Ok(onshi_proto::insurer_number::with_check_digit(base)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::OriginError;

    /// The worked examples of the reference notes, kept as data beside the integration tests.
    const EXAMPLES: &str = include_str!("../tests/data/insurer-numbers-reference-notes-s2.1.json");

    #[test]
    fn refusals_convert_into_the_origin_error() {
        let examples: serde_json::Value = serde_json::from_str(EXAMPLES).unwrap();
        for example in examples["wrong_check_digit"].as_array().unwrap() {
            let number = example["number"].as_str().unwrap();
            let expected = u8::try_from(example["expected"].as_u64().unwrap()).unwrap();
            let converted: OriginError = InsurerNumber::parse(number).unwrap_err().into();
            assert!(matches!(converted, OriginError::CheckDigitMismatch { expected: got, .. } if got == expected));
        }
        let converted: OriginError = InsurerNumber::parse("1234567").unwrap_err().into();
        assert!(matches!(converted, OriginError::InsurerNumberLength { length: 7 }));
        assert!(matches!(check_digit("12a"), Err(OriginError::NotDigits)));
        assert_eq!(with_check_digit("3312001").unwrap(), "33120015");
    }
}
