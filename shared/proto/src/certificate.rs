//! How a 利用者証明用 certificate is named across the tiers: its issuer and its serial number.
//!
//! The edge reads both from a certificate it has verified; the origin keys its records on them. The serial has
//! one canonical text form ([`CertificateSerial`]) so that a serial written with a sign byte, in lower case or by a
//! person with `0x` can never name a second record.

use crate::text::{is_plain_line, validated_text};

/// Longest issuer distinguished name accepted, in bytes. Real JPKI issuer DNs are under 200.
pub const MAX_ISSUER_LEN: usize = 1024;
/// Longest serial accepted, in hex digits: RFC 5280 allows at most 20 octets.
pub const MAX_SERIAL_HEX_LEN: usize = 40;

/// Why a certificate reference was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertificateRefError {
    /// The issuer is blank, longer than [`MAX_ISSUER_LEN`] or holds a control character.
    #[error("the issuer name is blank, too long or holds a control character")]
    Issuer,
    /// The serial is not hexadecimal, is empty or is longer than [`MAX_SERIAL_HEX_LEN`] digits.
    #[error("a certificate serial is 1 to {MAX_SERIAL_HEX_LEN} hexadecimal digits")]
    SerialNotHex,
    /// The serial is hexadecimal but not in canonical form (upper case, whole bytes, no leading zero byte).
    #[error("the certificate serial is not in canonical form")]
    SerialNotCanonical,
}

/// The canonical text form of a certificate serial: upper-case hex of the DER INTEGER's magnitude, without the
/// leading zero bytes DER adds for sign, at least two digits.
pub fn canonical_serial(der_integer_bytes: &[u8]) -> String {
    let first_significant = der_integer_bytes.iter().position(|&b| b != 0).unwrap_or(der_integer_bytes.len());
    let magnitude = der_integer_bytes.get(first_significant..).unwrap_or_default();
    if magnitude.is_empty() { "00".to_owned() } else { hex::encode_upper(magnitude) }
}

validated_text! {
    /// A certificate serial in [`canonical_serial`] form; anything else is refused, so two spellings of one serial
    /// cannot both travel.
    pub struct CertificateSerial, error = CertificateRefError;
}

impl CertificateSerial {
    /// Accepts canonical text only.
    pub fn parse(text: &str) -> Result<Self, CertificateRefError> {
        if text.is_empty()
            || text.len() > MAX_SERIAL_HEX_LEN
            || !text.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b) || (b'a'..=b'f').contains(&b))
        {
            return Err(CertificateRefError::SerialNotHex);
        }
        match hex::decode(text) {
            Ok(bytes) if !bytes.is_empty() && canonical_serial(&bytes) == text => Ok(Self(text.to_owned())),
            _ => Err(CertificateRefError::SerialNotCanonical),
        }
    }

    /// The serial of a certificate, from the bytes of its DER INTEGER.
    pub fn from_der_integer(bytes: &[u8]) -> Self {
        Self(canonical_serial(bytes))
    }

    /// Brings a serial written by a person or another tool (either case, odd length, leading zeros, `0x`, white
    /// space around it) into canonical form.
    pub fn normalize(text: &str) -> Result<Self, CertificateRefError> {
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")).unwrap_or(trimmed);
        if digits.is_empty() || digits.len() > MAX_SERIAL_HEX_LEN || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CertificateRefError::SerialNotHex);
        }
        let padded = if digits.len() % 2 == 1 { format!("0{digits}") } else { digits.to_owned() };
        let bytes = hex::decode(padded).map_err(|_| CertificateRefError::SerialNotHex)?;
        Ok(Self::from_der_integer(&bytes))
    }
}

validated_text! {
    /// A certificate issuer's distinguished name as RFC 4514 text: not blank, at most [`MAX_ISSUER_LEN`] bytes, no
    /// control characters.
    pub struct IssuerName, error = CertificateRefError;
}

impl IssuerName {
    /// Checks the text; it is kept exactly as given, since the edge writes it from the certificate.
    pub fn parse(text: &str) -> Result<Self, CertificateRefError> {
        if text.trim().is_empty() || text.len() > MAX_ISSUER_LEN || !is_plain_line(text, usize::MAX) {
            return Err(CertificateRefError::Issuer);
        }
        Ok(Self(text.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_drops_sign_bytes_and_keeps_two_digits() {
        assert_eq!(canonical_serial(&[0x00, 0x81, 0x0a]), "810A");
        assert_eq!(canonical_serial(&[0x01, 0x2d, 0x57, 0xca]), "012D57CA");
        assert_eq!(canonical_serial(&[0x00]), "00");
        assert_eq!(CertificateSerial::from_der_integer(&[0x00, 0x81, 0x0a]).as_str(), "810A");
    }

    #[test]
    fn only_canonical_serials_parse() {
        for good in ["012D57CA", "00", "810A"] {
            assert_eq!(CertificateSerial::parse(good).unwrap().as_str(), good);
        }
        for (bad, why) in [
            ("012d57ca", CertificateRefError::SerialNotCanonical),
            ("12D57CA", CertificateRefError::SerialNotCanonical),
            ("00012D57CA", CertificateRefError::SerialNotCanonical),
            ("", CertificateRefError::SerialNotHex),
            ("XYZ", CertificateRefError::SerialNotHex),
            (" 0A", CertificateRefError::SerialNotHex),
        ] {
            assert_eq!(CertificateSerial::parse(bad), Err(why), "{bad:?}");
        }
        assert_eq!(CertificateSerial::parse(&"AB".repeat(21)), Err(CertificateRefError::SerialNotHex));
    }

    #[test]
    fn serials_written_by_people_are_normalized() {
        assert_eq!(CertificateSerial::normalize("12d57ca").unwrap().as_str(), "012D57CA");
        assert_eq!(CertificateSerial::normalize("0x00810A").unwrap().as_str(), "810A");
        assert_eq!(CertificateSerial::normalize(" 0A1B ").unwrap().as_str(), "0A1B");
        assert!(CertificateSerial::normalize("xyz").is_err());
        assert!(CertificateSerial::normalize("").is_err());
    }

    #[test]
    fn serde_refuses_what_parse_refuses() {
        let serial: CertificateSerial = serde_json::from_str("\"012D57CA\"").unwrap();
        assert_eq!(serde_json::to_string(&serial).unwrap(), "\"012D57CA\"");
        assert!(serde_json::from_str::<CertificateSerial>("\"012d57ca\"").is_err());
        assert!(serde_json::from_str::<IssuerName>("\"CN=a\\nb\"").is_err());
        assert!(serde_json::from_str::<IssuerName>("\" \"").is_err());
        assert!(serde_json::from_str::<IssuerName>("\"CN=Test CA,O=onshi,C=JP\"").is_ok());
    }
}
