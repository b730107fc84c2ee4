//! Edge ⇄ origin: the signed internal API. Only the edge calls these paths; every call carries the request
//! signature of [`crate::signing`].

use serde::{Deserialize, Serialize};

/// Qualification of the holder of a card certificate.
pub const BY_CERTIFICATE_PATH: &str = "/v1/qualification/by-certificate";
/// Validity and revocation status of a card certificate (the stand-in for J-LIS).
pub const CERTIFICATE_STATUS_PATH: &str = "/v1/certificate-status";

/// Identifies a 利用者証明用 certificate: its issuer and serial number.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRef {
    /// The issuer's distinguished name as RFC 4514 text.
    pub issuer: String,
    /// The serial number in canonical form (see [`canonical_serial`]).
    pub serial: String,
}

/// The canonical text form of a certificate serial: upper-case hex of the DER INTEGER's magnitude, without the
/// leading zero bytes DER adds for sign, at least two digits.
pub fn canonical_serial(der_integer_bytes: &[u8]) -> String {
    let first_significant = der_integer_bytes.iter().position(|&b| b != 0).unwrap_or(der_integer_bytes.len());
    let magnitude = der_integer_bytes.get(first_significant..).unwrap_or_default();
    if magnitude.is_empty() { "00".to_owned() } else { hex::encode_upper(magnitude) }
}

/// Body of `POST /v1/qualification/by-certificate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardQualificationQuery {
    /// The card holder's certificate, as verified by the edge.
    pub certificate: CertificateRef,
    /// 医療機関コード of the asking facility, when the device is enrolled to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<String>,
    /// The asking device's identifier, for the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Echoed `ArbitraryIdentifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitrary_identifier: Option<String>,
}

/// Body of `POST /v1/certificate-status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateStatusQuery {
    /// The certificate to look up.
    pub certificate: CertificateRef,
}

/// Revocation status of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// Not revoked.
    Good,
    /// Revoked (card returned, lost, or holder deceased).
    Revoked,
    /// The status service does not know this certificate.
    Unknown,
}

/// Answer to `POST /v1/certificate-status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateStatusAnswer {
    /// The status.
    pub status: CertificateStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_drops_sign_padding_and_keeps_case_stable() {
        assert_eq!(canonical_serial(&[0x00, 0x81, 0x0a]), "810A");
        // The real card vector of shared/data/jpki has serial 0x012D57CA: whole bytes are kept.
        assert_eq!(canonical_serial(&[0x01, 0x2d, 0x57, 0xca]), "012D57CA");
        assert_eq!(canonical_serial(&[0x00]), "00");
    }
}
