//! Bounded identifiers the tiers pass along for the audit trail and for staff: device ids, a kiosk's name
//! ([`DeviceLabel`]) and where it stands ([`DeviceLocation`]), 任意の識別子 (`ArbitraryIdentifier`), staff ids and
//! 目視 request ids, the ids of requests on a bridge's link ([`LinkRequestId`]), and the 照会番号 a clinic registers nationally
//! ([`ReferenceNumber`]). They are chosen by software, not checked against a
//! registry, so the only rules are bounds that keep a log line and a table cell sane.

use crate::text::{is_plain_line, validated_text};

/// Longest [`Identifier`], in characters.
pub const MAX_IDENTIFIER_CHARS: usize = 128;
/// Longest [`RequestId`], in bytes.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// Why an identifier was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// Empty, longer than its bound, or holding a control character.
    #[error("an identifier is 1 to {MAX_IDENTIFIER_CHARS} characters with no control characters")]
    Identifier,
    /// Not 1 to [`MAX_REQUEST_ID_LEN`] ASCII letters, digits, `-` or `_`.
    #[error("a request id is 1 to {MAX_REQUEST_ID_LEN} ASCII letters, digits, '-' or '_'")]
    RequestId,
}

validated_text! {
    /// An identifier for the audit trail: 1 to [`MAX_IDENTIFIER_CHARS`] characters, no control characters, kept
    /// exactly as given.
    pub struct Identifier, error = IdentifierError;
}

impl Identifier {
    /// Checks the bounds.
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        if is_plain_line(text, MAX_IDENTIFIER_CHARS) {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdentifierError::Identifier)
        }
    }
}

validated_text! {
    /// The id of a 目視 request: 1 to [`MAX_REQUEST_ID_LEN`] ASCII letters, digits, `-` or `_`, so it is safe in a
    /// path, an HTML attribute and a log line alike.
    pub struct RequestId, error = IdentifierError;
}

impl RequestId {
    /// Checks the bounds and the alphabet.
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        let well_formed = !text.is_empty()
            && text.len() <= MAX_REQUEST_ID_LEN
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if well_formed { Ok(Self(text.to_owned())) } else { Err(IdentifierError::RequestId) }
    }
}

/// Longest [`DeviceLabel`], in characters: enough for `2階 小児科 待合 右`, short enough for a table cell.
pub const DEVICE_LABEL_MAX_CHARS: usize = 24;

crate::text::validated_text! {
    /// A kiosk's name as staff know it (`受付1`, `2F 待合`): given by the admin with the enrolment code, shown on the
    /// staff console's check-in rows and 目視 requests, so that staff know which kiosk a patient stands at. It names a
    /// place, never a person. Trimmed, 1 to [`DEVICE_LABEL_MAX_CHARS`] characters, no control characters.
    pub struct DeviceLabel, error = DeviceLabelError;
}

/// Longest [`DeviceLocation`], in characters: a floor, a wing and a landmark (`2階 東棟 小児科待合 エレベーター前`).
pub const DEVICE_LOCATION_MAX_CHARS: usize = 40;

crate::text::validated_text! {
    /// Where a kiosk stands, as staff would walk to it (`1階 受付前`, `2F 小児科待合`): given by the admin with the
    /// enrolment code beside the [`DeviceLabel`] and shown with it on each 目視 request, so that staff who did not
    /// set the kiosks up still find the patient. It names a place, never a person. Trimmed, 1 to
    /// [`DEVICE_LOCATION_MAX_CHARS`] characters, no control characters.
    pub struct DeviceLocation, error = DeviceLabelError;
}

/// Why a text is not a [`DeviceLabel`] or a [`DeviceLocation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviceLabelError {
    /// Nothing but white space.
    #[error("a device label or location must not be empty")]
    Empty,
    /// Longer than [`DEVICE_LABEL_MAX_CHARS`] (a label) or [`DEVICE_LOCATION_MAX_CHARS`] (a location).
    #[error("a device label has at most {DEVICE_LABEL_MAX_CHARS} characters, a location {DEVICE_LOCATION_MAX_CHARS}")]
    TooLong,
    /// A line break, tab or other control character.
    #[error("a device label or location must not hold control characters")]
    ControlCharacter,
}

/// The one rule for the names of places staff read: trimmed, not empty, at most `max_chars`, one plain line.
fn place_text(text: &str, max_chars: usize) -> Result<String, DeviceLabelError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        Err(DeviceLabelError::Empty)
    } else if trimmed.chars().count() > max_chars {
        Err(DeviceLabelError::TooLong)
    } else if trimmed.chars().any(char::is_control) {
        Err(DeviceLabelError::ControlCharacter)
    } else {
        Ok(trimmed.to_owned())
    }
}

impl DeviceLabel {
    /// Reads a label as typed; white space around it does not count.
    pub fn parse(text: &str) -> Result<Self, DeviceLabelError> {
        place_text(text, DEVICE_LABEL_MAX_CHARS).map(Self)
    }
}

impl DeviceLocation {
    /// Reads a location as typed; white space around it does not count.
    pub fn parse(text: &str) -> Result<Self, DeviceLabelError> {
        place_text(text, DEVICE_LOCATION_MAX_CHARS).map(Self)
    }
}

/// Longest [`LinkRequestId`], in bytes: the bridge keeps it under a short prefix within its own 64-byte ids.
pub const MAX_LINK_REQUEST_ID_LEN: usize = 48;

/// Why a link request id was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a link request id is 1 to {MAX_LINK_REQUEST_ID_LEN} ASCII letters, digits, '-' or '_'")]
pub struct LinkRequestIdError;

validated_text! {
    /// The id of one request on the link, chosen by the edge: the bridge's spool key, so a request handed twice is
    /// written into `req` once. Only characters that are safe in a file name and a log line.
    pub struct LinkRequestId, error = LinkRequestIdError;
}

impl LinkRequestId {
    /// Checks the length and the alphabet.
    pub fn parse(text: &str) -> Result<Self, LinkRequestIdError> {
        let well_formed = !text.is_empty()
            && text.len() <= MAX_LINK_REQUEST_ID_LEN
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        if well_formed { Ok(Self(text.to_owned())) } else { Err(LinkRequestIdError) }
    }
}

/// Longest [`ReferenceNumber`], in characters (the file interface's `ReferenceNumber`, ≤ 50).
pub const MAX_REFERENCE_NUMBER_CHARS: usize = 50;

/// Why a 照会番号 was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a 照会番号 is 1 to {MAX_REFERENCE_NUMBER_CHARS} printable ASCII characters, no space")]
pub struct ReferenceNumberError;

validated_text! {
    /// 照会番号 (`ReferenceNumber`): the clinic's own patient id, registered nationally for a person through the
    /// terminal (IF-003), so that the terminal's later answers and face results for that person carry it. Assumed:
    /// printable ASCII without spaces (半角英数記号), as a レセコン's patient numbers are; a clinic id in other
    /// characters cannot be registered and is matched by the person's attributes instead.
    pub struct ReferenceNumber, error = ReferenceNumberError;
}

impl ReferenceNumber {
    /// Checks the length and the alphabet (leading and trailing spaces, as a fixed-width field pads, are dropped).
    pub fn parse(text: &str) -> Result<Self, ReferenceNumberError> {
        let text = text.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
        let well_formed =
            !text.is_empty() && text.len() <= MAX_REFERENCE_NUMBER_CHARS && text.bytes().all(|b| b.is_ascii_graphic());
        if well_formed { Ok(Self(text.to_owned())) } else { Err(ReferenceNumberError) }
    }
}

/// Longest [`FaceFileName`], in bytes. The terminal's names are about 70.
pub const MAX_FACE_FILE_NAME_LEN: usize = 128;

/// Why a face file name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a face file name is 1 to {MAX_FACE_FILE_NAME_LEN} ASCII letters, digits, '_', '-' or '.', not starting with '.'"
)]
pub struct FaceFileNameError;

validated_text! {
    /// The name of the `face` file a result came from (`OQSsiquc01res_face_…_20261204093012.xml`): the key under
    /// which the origin keeps it, so a result sent twice is kept once. Only the characters a terminal writes, so it
    /// is safe in a path, a table cell and a log line.
    pub struct FaceFileName, error = FaceFileNameError;
}

impl FaceFileName {
    /// Checks the length and the alphabet.
    pub fn parse(text: &str) -> Result<Self, FaceFileNameError> {
        let well_formed = !text.is_empty()
            && text.len() <= MAX_FACE_FILE_NAME_LEN
            && !text.starts_with('.')
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if well_formed { Ok(Self(text.to_owned())) } else { Err(FaceFileNameError) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_number_is_up_to_50_printable_ascii_characters() {
        assert_eq!(ReferenceNumber::parse(" P-0001 ").unwrap().as_str(), "P-0001", "padding is not part of it");
        assert!(ReferenceNumber::parse(&"9".repeat(MAX_REFERENCE_NUMBER_CHARS)).is_ok());
        let too_long = "9".repeat(MAX_REFERENCE_NUMBER_CHARS + 1);
        for bad in ["", "  ", "P 1", "患者1", "Ｐ１", "a\tb", too_long.as_str()] {
            assert_eq!(ReferenceNumber::parse(bad), Err(ReferenceNumberError), "{bad:?}");
        }
    }

    #[test]
    fn identifiers_are_bounded() {
        assert!(Identifier::parse("kiosk-01").is_ok());
        assert!(Identifier::parse(&"あ".repeat(MAX_IDENTIFIER_CHARS)).is_ok());
        assert_eq!(Identifier::parse(&"a".repeat(MAX_IDENTIFIER_CHARS + 1)), Err(IdentifierError::Identifier));
        assert_eq!(Identifier::parse(""), Err(IdentifierError::Identifier));
        assert_eq!(Identifier::parse("a\u{7}b"), Err(IdentifierError::Identifier));
    }

    #[test]
    fn request_ids_are_path_safe() {
        assert!(RequestId::parse("vc_01-AB").is_ok());
        for bad in ["", "a/b", "a b", "ａ", "%FF"] {
            assert_eq!(RequestId::parse(bad), Err(IdentifierError::RequestId), "{bad:?}");
        }
        assert!(RequestId::parse(&"a".repeat(MAX_REQUEST_ID_LEN + 1)).is_err());
        assert!(serde_json::from_str::<RequestId>("\"a/b\"").is_err());
    }

    #[test]
    fn a_location_is_a_trimmed_plain_line_longer_than_a_label() {
        assert_eq!(DeviceLocation::parse("  1階 受付前 ").unwrap().as_str(), "1階 受付前");
        let long = "あ".repeat(DEVICE_LOCATION_MAX_CHARS);
        assert!(DeviceLabel::parse(&long).is_err());
        assert!(DeviceLocation::parse(&long).is_ok());
        assert_eq!(DeviceLocation::parse(&format!("{long}あ")), Err(DeviceLabelError::TooLong));
        assert_eq!(DeviceLocation::parse("\u{3000}"), Err(DeviceLabelError::Empty));
        assert_eq!(DeviceLocation::parse("2F\n待合"), Err(DeviceLabelError::ControlCharacter));
        assert!(serde_json::from_str::<DeviceLocation>("\"2F\\t待合\"").is_err());
    }
}
