//! Text an insurer registers about a person and that every answer later carries: 漢字氏名, カナ氏名, 住所, 保険者名称.
//! One rule for all of them, so that whatever was accepted can be written into JSON, an XmlMsg or an FHIR resource
//! without breaking the document.

use crate::text::{is_plain_char, validated_text};

/// Longest [`RecordText`], in characters.
pub const MAX_RECORD_TEXT_CHARS: usize = 200;

/// Why a registered text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordTextError {
    /// Empty or only spaces.
    #[error("the text is empty")]
    Empty,
    /// Longer than [`MAX_RECORD_TEXT_CHARS`].
    #[error("the text is longer than {MAX_RECORD_TEXT_CHARS} characters")]
    TooLong,
    /// A control character or a noncharacter (which XML 1.0 forbids, e.g. U+0001 or U+FFFE).
    #[error("the text holds a character no document may carry")]
    ForbiddenCharacter,
}

validated_text! {
    /// One line of registered text: trimmed of spaces at both ends, 1 to [`MAX_RECORD_TEXT_CHARS`] characters, every
    /// character [`is_plain_char`]. `●` (a 外字 the insurer could not write) is an ordinary character here.
    pub struct RecordText, error = RecordTextError;
}

impl RecordText {
    /// Trims ASCII and ideographic spaces at both ends and checks the rest.
    pub fn parse(text: &str) -> Result<Self, RecordTextError> {
        let trimmed = text.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
        if trimmed.is_empty() {
            return Err(RecordTextError::Empty);
        }
        if !trimmed.chars().all(is_plain_char) {
            return Err(RecordTextError::ForbiddenCharacter);
        }
        if trimmed.chars().count() > MAX_RECORD_TEXT_CHARS {
            return Err(RecordTextError::TooLong);
        }
        Ok(Self(trimmed.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_forbids_are_refused_and_gaiji_marks_are_kept() {
        for bad in ["山田\u{1}太郎", "山田\u{FFFE}", "\u{FFFF}", "山田\u{7}", "山田\n太郎", "a\u{FDD0}", "\u{10FFFF}x"]
        {
            assert_eq!(RecordText::parse(bad), Err(RecordTextError::ForbiddenCharacter), "{bad:?}");
        }
        assert_eq!(RecordText::parse("鈴木　●子").unwrap().as_str(), "鈴木　●子");
        assert_eq!(RecordText::parse(" 𠮷田　太郎\u{3000}").unwrap().as_str(), "𠮷田　太郎");
        assert_eq!(RecordText::parse(" \u{3000} "), Err(RecordTextError::Empty));
        assert_eq!(RecordText::parse(&"あ".repeat(201)), Err(RecordTextError::TooLong));
        assert!(serde_json::from_str::<RecordText>("\"a\\u0001\"").is_err());
        assert!(serde_json::from_str::<RecordText>("\"a\\uFFFE\"").is_err());
    }
}
