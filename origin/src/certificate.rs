//! Checks on the certificate references the edge sends and the demo file carries, by the rules of
//! [`onshi_proto::certificate`] (one spelling of a serial for every tier).
//!
//! Pure: no I/O.

use onshi_proto::certificate::{CertificateSerial, IssuerName};
use onshi_proto::origin::CertificateRef;

use crate::error::{OriginError, Result};

/// True when `certificate` is in the form the edge must send: a plausible issuer DN and a serial already in
/// canonical form.
pub fn is_well_formed(certificate: &CertificateRef) -> bool {
    IssuerName::parse(&certificate.issuer).is_ok() && CertificateSerial::parse(&certificate.serial).is_ok()
}

/// Brings a serial written by a person or another tool (either case, odd length, leading zeros, `0x`) into
/// canonical form.
pub fn normalize_serial(text: &str) -> Result<String> {
    CertificateSerial::normalize(text)
        .map(|serial| serial.as_str().to_owned())
        .map_err(|_| OriginError::DemoCards(format!("certificate serial {text:?} is not hexadecimal")))
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
