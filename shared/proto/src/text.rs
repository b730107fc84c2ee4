//! The shape every self-validating text type in this crate shares: a `String` newtype that can only be built by
//! its `parse`, serialises as its text and refuses invalid text when deserialised, so a malformed value cannot
//! cross a boundary that carries the type.

/// Defines a text newtype whose only constructor is the `parse` the caller writes beside it: serde reads it
/// through `TryFrom<String>` (so deserialising runs `parse`) and writes it as plain text.
macro_rules! validated_text {
    ($(#[$meta:meta])* $vis:vis struct $name:ident, error = $error:ty;) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $vis struct $name(String);

        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;

            fn try_from(text: String) -> Result<Self, $error> {
                Self::parse(&text)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = $error;

            fn try_from(text: &str) -> Result<Self, $error> {
                Self::parse(text)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        // Read-only text view: a validated value can be read wherever text is, never changed.
        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use validated_text;

/// True for text of 1 to `max_chars` characters, each of them [`is_plain_char`].
pub(crate) fn is_plain_line(text: &str, max_chars: usize) -> bool {
    !text.is_empty() && text.chars().count() <= max_chars && text.chars().all(is_plain_char)
}

/// True for a character that may stand in a line of text every output can carry: not a control character (line
/// breaks and tabs included) and not a Unicode noncharacter (U+FDD0–U+FDEF, and U+xFFFE/U+xFFFF of every plane).
/// XML 1.0 forbids every control character below U+0020 except tab and line breaks, and U+FFFE/U+FFFF: none of them
/// passes, so text that passes can be written into an XmlMsg or a JSON string without breaking the document.
pub fn is_plain_char(c: char) -> bool {
    let code = u32::from(c);
    let noncharacter = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
    !c.is_control() && !noncharacter
}
