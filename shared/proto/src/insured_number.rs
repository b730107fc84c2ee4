//! 被保険者等記号・番号・枝番: what a 資格確認書 or an old 保険証 prints beside the 保険者番号, and what a by-number
//! check sends. The bounds live here once, so the kiosk's staff form, the edge and the origin refuse the same
//! input for the same reason.
//!
//! 記号 and 番号 are free text on real cards (kanji, kana, digits and hyphens all occur), so they are bounded in
//! characters rather than restricted to digits; 枝番 is always two digits.

use crate::text::{is_plain_line, validated_text};

/// Longest 記号, in characters.
pub const MAX_SYMBOL_CHARS: usize = 40;
/// Longest 番号, in characters.
pub const MAX_NUMBER_CHARS: usize = 20;
/// Digits in a 枝番.
pub const BRANCH_DIGITS: usize = 2;

/// Which part of an insured number was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InsuredNumberError {
    /// The 記号 is longer than [`MAX_SYMBOL_CHARS`] or holds a control character.
    #[error("the symbol has at most {MAX_SYMBOL_CHARS} characters and no control characters")]
    Symbol,
    /// The 番号 is blank, longer than [`MAX_NUMBER_CHARS`] or holds a control character.
    #[error("the number is 1 to {MAX_NUMBER_CHARS} characters with no control characters")]
    Number,
    /// The 枝番 is not two ASCII digits.
    #[error("the branch number is two digits")]
    Branch,
}

validated_text! {
    /// A 記号, trimmed: 1 to [`MAX_SYMBOL_CHARS`] characters, no control characters.
    pub struct InsuredSymbol, error = InsuredNumberError;
}

impl InsuredSymbol {
    /// Reads a 記号; white space around it does not count.
    pub fn parse(text: &str) -> Result<Self, InsuredNumberError> {
        let trimmed = text.trim();
        if is_plain_line(trimmed, MAX_SYMBOL_CHARS) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(InsuredNumberError::Symbol)
        }
    }
}

validated_text! {
    /// A 番号, trimmed: 1 to [`MAX_NUMBER_CHARS`] characters, no control characters.
    pub struct InsuredNo, error = InsuredNumberError;
}

impl InsuredNo {
    /// Reads a 番号; white space around it does not count.
    pub fn parse(text: &str) -> Result<Self, InsuredNumberError> {
        let trimmed = text.trim();
        if is_plain_line(trimmed, MAX_NUMBER_CHARS) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(InsuredNumberError::Number)
        }
    }
}

validated_text! {
    /// A 枝番: exactly two ASCII digits (`00` included).
    pub struct BranchNumber, error = InsuredNumberError;
}

impl BranchNumber {
    /// Reads a 枝番; white space around it does not count, full-width digits do not pass.
    pub fn parse(text: &str) -> Result<Self, InsuredNumberError> {
        let trimmed = text.trim();
        if trimmed.len() == BRANCH_DIGITS && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(InsuredNumberError::Branch)
        }
    }
}

/// 記号・番号・枝番 together, as a form or a by-number query gives them: a blank 記号 or 枝番 means none.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InsuredNumber {
    /// 記号, when the card has one.
    pub symbol: Option<InsuredSymbol>,
    /// 番号.
    pub number: InsuredNo,
    /// 枝番, when given.
    pub branch: Option<BranchNumber>,
}

impl InsuredNumber {
    /// Reads the three parts as typed; a part that is absent or blank is none.
    pub fn parse(symbol: Option<&str>, number: &str, branch: Option<&str>) -> Result<Self, InsuredNumberError> {
        fn present(text: Option<&str>) -> Option<&str> {
            text.filter(|t| !t.trim().is_empty())
        }
        Ok(Self {
            symbol: present(symbol).map(InsuredSymbol::parse).transpose()?,
            number: InsuredNo::parse(number)?,
            branch: present(branch).map(BranchNumber::parse).transpose()?,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn the_three_parts_are_read_as_typed() {
        let read = InsuredNumber::parse(Some(" 記号12 "), "3456", Some("01")).unwrap();
        assert_eq!(read.symbol.unwrap().as_str(), "記号12");
        assert_eq!(read.number.as_str(), "3456");
        assert_eq!(read.branch.unwrap().as_str(), "01");
        let bare = InsuredNumber::parse(Some(" "), "1", Some("")).unwrap();
        assert!(bare.symbol.is_none() && bare.branch.is_none());
    }

    #[test]
    fn each_bound_is_a_typed_error() {
        assert_eq!(InsuredNumber::parse(None, "", None), Err(InsuredNumberError::Number));
        assert_eq!(InsuredNumber::parse(None, &"1".repeat(21), None), Err(InsuredNumberError::Number));
        assert!(InsuredNumber::parse(None, &"番".repeat(20), None).is_ok());
        assert_eq!(InsuredNumber::parse(None, "12\n3", None), Err(InsuredNumberError::Number));
        assert_eq!(InsuredNumber::parse(Some(&"x".repeat(41)), "1", None), Err(InsuredNumberError::Symbol));
        assert_eq!(InsuredNumber::parse(Some("a\tb"), "1", None), Err(InsuredNumberError::Symbol));
        for branch in ["1", "001", "０１", "a1"] {
            assert_eq!(InsuredNumber::parse(None, "1", Some(branch)), Err(InsuredNumberError::Branch), "{branch:?}");
        }
    }

    #[test]
    fn serde_refuses_what_parse_refuses() {
        assert!(serde_json::from_str::<BranchNumber>("\"1\"").is_err());
        assert!(serde_json::from_str::<InsuredNo>("\"\"").is_err());
        let symbol: InsuredSymbol = serde_json::from_str("\" ab \"").unwrap();
        assert_eq!(symbol.as_str(), "ab");
    }
}
