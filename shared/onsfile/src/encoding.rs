//! Text encodings of interface files: Shift_JIS (what every production tool writes) and UTF-8.
//!
//! Pure conversion between bytes and text; it knows nothing about XML elements beyond the declaration line.
//! Decoding never fails: undecodable bytes become U+FFFD and are reported, so one bad byte in a name does not
//! lose a whole answer.

use crate::OnsfileError;

/// The two encodings the interface allows, told apart by the XML declaration (`CharacterCodeIdentifier` in the
/// header says the same: 0 UTF-8, 1 Shift_JIS — the code values are assumed from third-party parsers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Charset {
    /// Shift_JIS (decoded as WHATWG Shift_JIS, which is Windows-31J: the form Windows terminals write).
    ShiftJis,
    /// UTF-8.
    Utf8,
}

impl Charset {
    /// The name written in the XML declaration.
    pub fn xml_name(self) -> &'static str {
        match self {
            Self::ShiftJis => "Shift_JIS",
            Self::Utf8 => "UTF-8",
        }
    }

    /// The `CharacterCodeIdentifier` value for this encoding (assumed: 0 UTF-8, 1 Shift_JIS).
    pub fn identifier(self) -> &'static str {
        match self {
            Self::ShiftJis => "1",
            Self::Utf8 => "0",
        }
    }

    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            Self::ShiftJis => encoding_rs::SHIFT_JIS,
            Self::Utf8 => encoding_rs::UTF_8,
        }
    }
}

/// Text decoded from a file, with what the decoder noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The text, with a byte-order mark removed.
    pub text: String,
    /// The encoding used.
    pub charset: Charset,
    /// True when some bytes were not valid in that encoding and were replaced by U+FFFD.
    pub had_errors: bool,
}

/// Decodes a file: a UTF-8 byte-order mark wins, then the declaration's `encoding`, then UTF-8 when the bytes are
/// valid UTF-8, else Shift_JIS.
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_as(rest, Charset::Utf8);
    }
    let charset = declared(bytes)
        .unwrap_or_else(|| if std::str::from_utf8(bytes).is_ok() { Charset::Utf8 } else { Charset::ShiftJis });
    decode_as(bytes, charset)
}

fn decode_as(bytes: &[u8], charset: Charset) -> Decoded {
    let (text, had_errors) = charset.encoding().decode_without_bom_handling(bytes);
    Decoded { text: text.into_owned(), charset, had_errors }
}

/// The encoding named in the XML declaration, read from its ASCII bytes (both encodings agree on ASCII).
fn declared(bytes: &[u8]) -> Option<Charset> {
    let head = bytes.get(..bytes.len().min(200))?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(head.get(..end)?).to_ascii_lowercase();
    if !decl.starts_with("<?xml") {
        return None;
    }
    let value = decl.split("encoding").nth(1)?;
    let value = value.trim_start().strip_prefix('=')?.trim_start();
    let value = value.trim_start_matches(['"', '\'']);
    let name: String = value.chars().take_while(|c| !matches!(c, '"' | '\'' | ' ')).collect();
    match name.as_str() {
        "shift_jis" | "shift-jis" | "sjis" | "windows-31j" | "cp932" | "ms932" | "x-sjis" => Some(Charset::ShiftJis),
        "utf-8" | "utf8" => Some(Charset::Utf8),
        _ => None,
    }
}

/// Encodes text for a file. Shift_JIS refuses a character it cannot carry rather than writing `?` or an HTML
/// entity, because the terminal would then read a different name or number than the one meant.
pub fn encode(text: &str, charset: Charset) -> Result<Vec<u8>, OnsfileError> {
    match charset {
        Charset::Utf8 => Ok(text.as_bytes().to_vec()),
        Charset::ShiftJis => {
            let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(text);
            if had_errors {
                let bad = text
                    .chars()
                    .find(|c| encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut [0; 4])).2)
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                return Err(OnsfileError::Unencodable(bad));
            }
            Ok(bytes.into_owned())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_declaration_is_honoured_and_round_trips() {
        let text = "<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?><a>ｼﾝﾘｮｳ ﾀﾛｳ　診療●</a>";
        let bytes = encode(text, Charset::ShiftJis).unwrap();
        assert_ne!(bytes, text.as_bytes());
        let back = decode(&bytes);
        assert_eq!(back.charset, Charset::ShiftJis);
        assert_eq!(back.text, text);
        assert!(!back.had_errors);
    }

    #[test]
    fn undeclared_utf8_and_bom_are_utf8() {
        assert_eq!(decode("<a>診療</a>".as_bytes()).charset, Charset::Utf8);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("<a>診療</a>".as_bytes());
        assert_eq!(decode(&bom).text, "<a>診療</a>");
    }

    #[test]
    fn bad_bytes_are_reported_not_fatal() {
        let decoded = decode(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xFF</a>");
        assert!(decoded.had_errors);
        assert!(decoded.text.contains('\u{FFFD}'));
    }

    #[test]
    fn a_character_shift_jis_lacks_is_refused() {
        assert_eq!(encode("𠮷", Charset::ShiftJis), Err(OnsfileError::Unencodable('𠮷')));
    }
}
