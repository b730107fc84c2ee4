//! 保険者番号 and its 検証番号 (check digit): the one validator every tier uses.
//!
//! The 検証番号 follows 厚労省「保険者番号等の設定について」, the rule in [`crate::check_digit`], so a 6-digit
//! 市町村国保 number validates the same way as its zero-padded 8-digit form. The same rule covers 後期高齢者
//! 被保険者番号 and 公費負担者番号.
//!
//! The kiosk's staff console checks a typed number with it before sending anything, the edge checks it again
//! before forwarding, and the origin checks it before it looks anything up.

/// Why a 保険者番号 was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InsurerNumberError {
    /// A character other than an ASCII digit (full-width digits included), or nothing at all.
    #[error("an insurer number holds ASCII digits only")]
    NotDigits,
    /// Neither 6 nor 8 digits.
    #[error("an insurer number has 6 or 8 digits, not {length}")]
    Length {
        /// The length found, in bytes.
        length: usize,
    },
    /// The 検証番号 does not match the digits before it.
    #[error("the check digit should be {expected}, not {found}")]
    CheckDigitMismatch {
        /// The digit the rule gives.
        expected: u8,
        /// The digit typed.
        found: u8,
    },
}

/// The 検証番号 for `base`, the digits that precede it.
pub fn check_digit(base: &str) -> Result<u8, InsurerNumberError> {
    let digits = crate::check_digit::ascii_digit_values(base)
        .filter(|digits| !digits.is_empty())
        .ok_or(InsurerNumberError::NotDigits)?;
    Ok(crate::check_digit::weighted_2_1(&digits))
}

/// `base` followed by its 検証番号.
pub fn with_check_digit(base: &str) -> Result<String, InsurerNumberError> {
    let digit = check_digit(base)?;
    Ok(format!("{base}{digit}"))
}

crate::text::validated_text! {
    /// A 保険者番号 whose length and 検証番号 have been checked: 8 digits (法別番号 2 + 都道府県 2 + 保険者別 3 + 検証 1)
    /// or 6 digits for 市町村国保, which has no 法別番号.
    pub struct InsurerNumber, error = InsurerNumberError;
}

impl InsurerNumber {
    /// Checks `text` and keeps it.
    pub fn parse(text: &str) -> Result<Self, InsurerNumberError> {
        // Checking the characters first also guarantees that every byte index below is a character boundary.
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InsurerNumberError::NotDigits);
        }
        let (base, found) = match text.as_bytes() {
            [.., last] if text.len() == 6 || text.len() == 8 => (text.get(..text.len() - 1), last - b'0'),
            _ => return Err(InsurerNumberError::Length { length: text.len() }),
        };
        let expected = check_digit(base.unwrap_or_default())?;
        if expected != found {
            return Err(InsurerNumberError::CheckDigitMismatch { expected, found });
        }
        Ok(Self(text.to_owned()))
    }

    /// Builds a number from its leading 5 or 7 digits by appending the 検証番号.
    pub fn from_base(base: &str) -> Result<Self, InsurerNumberError> {
        Self::parse(&with_check_digit(base)?)
    }

    /// The 法別番号 (first two digits) of an 8-digit number; 市町村国保 numbers have none.
    pub fn law_code(&self) -> Option<&str> {
        if self.0.len() == 8 { self.0.get(..2) } else { None }
    }

    /// True for 後期高齢者医療広域連合 (法別番号 39).
    pub fn is_late_elderly(&self) -> bool {
        self.law_code() == Some("39")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    /// The worked examples of the reference notes, kept as data (see `tests/data/README.md`).
    const EXAMPLES: &str = include_str!("../tests/data/insurer-numbers-reference-notes-s2.1.json");

    fn examples() -> serde_json::Value {
        serde_json::from_str(EXAMPLES).unwrap()
    }

    #[test]
    fn the_worked_examples_validate() {
        let examples = examples();
        let valid = examples["valid"].as_array().unwrap();
        assert_eq!(valid.len(), 4);
        for example in valid {
            let number = example["number"].as_str().unwrap();
            let parsed = InsurerNumber::parse(number).unwrap();
            assert_eq!(parsed.as_str(), number);
            let (base, _) = number.split_at(number.len() - 1);
            assert_eq!(InsurerNumber::from_base(base).unwrap(), parsed);
        }
    }

    #[test]
    fn a_wrong_check_digit_names_the_expected_one() {
        let examples = examples();
        for example in examples["wrong_check_digit"].as_array().unwrap() {
            let number = example["number"].as_str().unwrap();
            let expected = u8::try_from(example["expected"].as_u64().unwrap()).unwrap();
            match InsurerNumber::parse(number) {
                Err(InsurerNumberError::CheckDigitMismatch { expected: got, found }) => {
                    assert_eq!(got, expected, "{number}");
                    assert_ne!(found, expected);
                }
                other => panic!("{number}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_chiba_police_example_sums_to_fifteen() {
        // 3312001 weighted 2 1 2 1 2 1 2 from the left gives 6 3 2 2 0 0 2 = 15, so the check digit is 5.
        assert_eq!(check_digit("3312001").unwrap(), 5);
        assert_eq!(check_digit("13101").unwrap(), 1);
    }

    #[test]
    fn zero_padding_a_national_health_insurance_number_keeps_it_valid() {
        assert!(InsurerNumber::parse("131011").is_ok());
        assert!(InsurerNumber::parse("00131011").is_ok());
    }

    #[test]
    fn malformed_numbers_get_typed_errors() {
        assert_eq!(InsurerNumber::parse("1234567"), Err(InsurerNumberError::Length { length: 7 }));
        assert_eq!(InsurerNumber::parse(""), Err(InsurerNumberError::Length { length: 0 }));
        assert_eq!(InsurerNumber::parse("0113001a"), Err(InsurerNumberError::NotDigits));
        assert_eq!(InsurerNumber::parse("0113 012"), Err(InsurerNumberError::NotDigits));
        // Eight bytes but a multi-byte character at the end: refused without slicing inside a character.
        assert_eq!(InsurerNumber::parse("011300é"), Err(InsurerNumberError::NotDigits));
        assert_eq!(InsurerNumber::parse("０１１３００１２"), Err(InsurerNumberError::NotDigits));
        assert_eq!(check_digit(""), Err(InsurerNumberError::NotDigits));
    }

    #[test]
    fn law_code_identifies_late_elderly_insurers() {
        let elderly = InsurerNumber::from_base("3913001").unwrap();
        assert_eq!(elderly.as_str(), "39130018");
        assert!(elderly.is_late_elderly());
        assert_eq!(InsurerNumber::parse("01130012").unwrap().law_code(), Some("01"));
        assert_eq!(InsurerNumber::parse("131011").unwrap().law_code(), None);
    }
}
