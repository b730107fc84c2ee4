//! Checks on the certificate references the edge sends and the demo file carries.

use onshi_proto::origin::{CertificateRef, canonical_serial};

use crate::error::{OriginError, Result};

/// Longest issuer distinguished name accepted, in bytes. Real JPKI issuer DNs are under 200.
pub const MAX_ISSUER_LEN: usize = 1024;
/// Longest serial accepted, in hex digits: RFC 5280 allows at most 20 octets.
pub const MAX_SERIAL_HEX_LEN: usize = 40;

/// True when `certificate` is in the form the edge must send: a plausible issuer DN and a serial already in
/// [`canonical_serial`] form.
pub fn is_well_formed(certificate: &CertificateRef) -> bool {
    let issuer_ok = !certificate.issuer.trim().is_empty()
        && certificate.issuer.len() <= MAX_ISSUER_LEN
        && !certificate.issuer.chars().any(char::is_control);
    let serial = &certificate.serial;
    let serial_ok = serial.len() <= MAX_SERIAL_HEX_LEN
        && serial.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        && hex::decode(serial).is_ok_and(|bytes| !bytes.is_empty() && canonical_serial(&bytes) == *serial);
    issuer_ok && serial_ok
}

/// Brings a serial written by a person or another tool (either case, odd length, leading zeros, `0x`) into
/// canonical form.
pub fn normalize_serial(text: &str) -> Result<String> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")).unwrap_or(trimmed);
    if digits.is_empty() || digits.len() > MAX_SERIAL_HEX_LEN || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OriginError::DemoCards(format!("certificate serial {text:?} is not hexadecimal")));
    }
    let padded = if digits.len() % 2 == 1 { format!("0{digits}") } else { digits.to_owned() };
    let bytes = hex::decode(padded).map_err(|_| OriginError::DemoCards(format!("certificate serial {text:?}")))?;
    Ok(canonical_serial(&bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn cert(serial: &str) -> CertificateRef {
        CertificateRef { issuer: "CN=Test CA,O=onshi,C=JP".into(), serial: serial.into() }
    }

    #[test]
    fn only_canonical_serials_are_well_formed() {
        assert!(is_well_formed(&cert("012D57CA")));
        assert!(is_well_formed(&cert("00")));
        assert!(!is_well_formed(&cert("012d57ca")));
        assert!(!is_well_formed(&cert("12D57CA")));
        assert!(!is_well_formed(&cert("00012D57CA")));
        assert!(!is_well_formed(&cert("")));
        assert!(!is_well_formed(&cert(&"AB".repeat(21))));
        assert!(!is_well_formed(&CertificateRef { issuer: " ".into(), serial: "01".into() }));
        assert!(!is_well_formed(&CertificateRef { issuer: "CN=a\nb".into(), serial: "01".into() }));
    }

    #[test]
    fn serials_are_normalized() {
        assert_eq!(normalize_serial("12d57ca").unwrap(), "012D57CA");
        assert_eq!(normalize_serial("0x00810A").unwrap(), "810A");
        assert_eq!(normalize_serial(" 0A1B ").unwrap(), "0A1B");
        assert!(normalize_serial("xyz").is_err());
        assert!(normalize_serial("").is_err());
    }
}
