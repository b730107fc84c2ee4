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

/// True for text of 1 to `max_chars` characters with no control character (line breaks and tabs included).
pub(crate) fn is_plain_line(text: &str, max_chars: usize) -> bool {
    !text.is_empty() && text.chars().count() <= max_chars && !text.chars().any(char::is_control)
}
