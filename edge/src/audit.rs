//! Audit events: one structured JSON line per API decision, with no personal data.
//!
//! An event names the action, its outcome (`ok` or the stable error code), the device and facility (not personal
//! data) and, for card actions, a keyed hash of the certificate's issuer and serial. The hash lets an operator see
//! that two events concern the same card without the log revealing which card: it is an HMAC under a key derived
//! from `SESSION_KEY` for this purpose only ([`KeyPurpose::AuditCertificate`]), so it cannot be reversed by hashing
//! every possible serial.
//!
//! Layer: beside the use cases, which fill the events in; the adapter writes them. Must not: put a serial, an
//! issuer, a token or any personal data in an event.

use hmac::{KeyInit, Mac};
use onshi_proto::origin::CertificateRef;
use serde::Serialize;
use sha2::Sha256;

use crate::error::EdgeError;
use crate::secret::{KeyPurpose, SecretBytes};

type HmacSha256 = hmac::Hmac<Sha256>;

/// Hex characters of the certificate hash kept in an event (128 bits).
const CERTIFICATE_HASH_HEX_LEN: usize = 32;

/// The action an event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// `POST /api/v1/challenge`.
    Challenge,
    /// `POST /api/v1/session`.
    Session,
    /// `POST /api/v1/qualification`.
    Qualification,
    /// `POST /api/v1/devices/enrol`.
    Enrol,
    /// `GET /api/v1/device`: a kiosk confirmed its enrolment when it started.
    DeviceConfirmed,
    /// The national operator issued a facility admin credential.
    FacilityAdminIssued,
    /// An admin issued an enrolment code.
    EnrolmentCodeIssued,
    /// An admin revoked a device.
    DeviceRevoked,
    /// An admin issued a staff login code.
    StaffCodeIssued,
    /// A staff login code was exchanged for a staff session.
    StaffLogin,
    /// Staff listed the day's check-ins.
    StaffCheckIns,
    /// Staff logged out.
    StaffLogout,
    /// Staff checked a qualification by number.
    StaffQualificationByNumber,
    /// Staff approved or refused a visual check.
    StaffVisualCheckDecision,
    /// Staff opened a visual check to see the name and birth date behind it.
    StaffVisualCheckOpen,
    /// A kiosk asked for a staff visual check (目視).
    VisualCheckRequest,
    /// A kiosk polled its visual check.
    VisualCheckStatus,
    /// A kiosk withdrew its visual check because its patient left.
    VisualCheckWithdraw,
    /// `POST /api/v1/consent`: a card holder's consents recorded at the reader.
    Consent,
    /// `POST /api/v1/registration`: 健康保険証利用登録 at the reader.
    Registration,
    /// `POST /api/v1/bridge/reader-results`: a bridge handed on a national-reader result.
    ReaderResult,
    /// `POST /api/v1/bridge/health`: a bridge reported how it stands.
    BridgeHealth,
    /// `GET /api/v1/staff/bridge`: staff read how the facility's bridge stands.
    StaffBridge,
    /// `GET /api/v1/bridge/link`: a bridge opened its WebSocket link to its facility's store.
    BridgeLink,
    /// `POST /api/v1/staff/qualification/by-number/terminal`: staff asked the national terminal by number.
    StaffTerminalByNumber,
    /// `POST /api/v1/staff/terminal/bulk`: staff handed a bulk pre-check to the national terminal.
    StaffTerminalBulk,
    /// `POST /api/v1/staff/terminal/bulk/status`: staff asked how a bulk pre-check stands.
    StaffTerminalBulkStatus,
    /// `POST /api/v1/staff/terminal/reference`: staff asked the national terminal to register a 照会番号.
    StaffTerminalReference,
    /// `POST /api/v1/staff/bridge/settle`: staff closed an uncertain terminal request after looking on the terminal.
    StaffBridgeSettle,
    /// `POST /api/v1/staff/medical-records`: staff read a page of a check-in's patient's medical information.
    StaffMedicalRecords,
    /// `POST /api/v1/consent/withdraw`: a card holder withdrew their consents at the kiosk.
    ConsentWithdrawal,
    /// `POST /api/v1/staff/consent/withdraw`: staff recorded a withdrawal the patient asked for.
    StaffConsentWithdrawal,
    /// `POST /api/v1/registration/cancel`: a card holder cancelled their 健康保険証利用登録.
    RegistrationCancel,
    /// `POST /api/v1/access-log`: a card holder read which facilities read their information.
    AccessLog,
    /// An insurer's clerk signed in on an insurer console device.
    InsurerLogin,
    /// An insurer's clerk signed out.
    InsurerLogout,
    /// An insurer console read the count and age of its open holds.
    InsurerHolds,
    /// An insurer console read a page of its notices.
    InsurerNotices,
    /// An insurer console opened one notice.
    InsurerNotice,
    /// An insurer's clerk resolved a held record.
    InsurerHoldResolution,
    /// An insurer's clerk uploaded a batch.
    InsurerBatch,
    /// An insurer console asked how far its running batch has got.
    InsurerBatchProgress,
    /// `POST /api/v1/petitions/key`: a kiosk read its staff console's key for a 申立書 capture.
    PetitionKeyRead,
    /// `POST /api/v1/petitions`: a kiosk handed a sealed 申立書 capture (the audit names its id only).
    PetitionQueued,
    /// `POST /api/v1/staff/petitions/key`: a staff console published its key for 申立書 captures.
    PetitionKeyPublished,
    /// `POST /api/v1/staff/petitions`: a staff console took its facility's sealed 申立書 captures.
    PetitionsTaken,
}

/// One audit event, serialised as a single JSON object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Always `onshi.edge.audit`, so the lines can be picked out of a log stream.
    pub kind: &'static str,
    /// What was attempted.
    pub action: AuditAction,
    /// `ok`, or the stable error code sent to the client.
    pub outcome: &'static str,
    /// Unix seconds.
    pub at: i64,
    /// The device id, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The facility's 医療機関コード, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// Keyed hash of the card certificate, once verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Who did it, on the admin routes: `operator:<id>` or `facility-admin:<facility>:<holder>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The link id of the terminal request the call was about, on routes that name one (nothing personal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

impl AuditEvent {
    /// An event for `action` at `at` with the outcome of `result`.
    pub fn new<T>(action: AuditAction, at: i64, result: &Result<T, EdgeError>) -> Self {
        Self {
            kind: "onshi.edge.audit",
            action,
            outcome: match result {
                Ok(_) => "ok",
                Err(error) => error.code().as_str(),
            },
            at,
            device: None,
            facility: None,
            certificate: None,
            actor: None,
            request: None,
        }
    }

    /// The event as one JSON line.
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serialises; the fallback only keeps the signature total.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{\"kind\":\"onshi.edge.audit\"}"))
    }
}

/// Hashes certificate identities for audit events.
#[derive(Debug)]
pub struct CertificateHasher {
    key: SecretBytes,
}

impl CertificateHasher {
    /// Derives the hashing key from the session key ([`KeyPurpose::AuditCertificate`]).
    pub fn derive(session_key: &SecretBytes) -> Result<Self, EdgeError> {
        Ok(Self { key: session_key.derive(KeyPurpose::AuditCertificate)? })
    }

    /// The keyed hash of one certificate identity, hex.
    pub fn hash(&self, certificate: &CertificateRef) -> String {
        let Ok(mut mac) = HmacSha256::new_from_slice(self.key.expose()) else {
            return String::new();
        };
        mac.update(certificate.issuer.as_str().as_bytes());
        mac.update(b"\n");
        mac.update(certificate.serial.as_str().as_bytes());
        let mut text = hex::encode(mac.finalize().into_bytes());
        text.truncate(CERTIFICATE_HASH_HEX_LEN);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(serial: &str) -> CertificateRef {
        CertificateRef { issuer: "CN=onshi test auth CA,C=JP".try_into().unwrap(), serial: serial.try_into().unwrap() }
    }

    #[test]
    fn an_event_carries_the_code_and_a_hash_but_no_serial() {
        let hasher = CertificateHasher::derive(&SecretBytes::new(vec![1; 32])).unwrap();
        let mut event = AuditEvent::new::<()>(AuditAction::Session, 1_000, &Err(EdgeError::CertificateRevoked));
        event.device = Some("dev".into());
        event.facility = Some("0110113719".into());
        event.certificate = Some(hasher.hash(&certificate("3B55F11D")));
        let json = event.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["outcome"], "certificate_revoked");
        assert_eq!(value["action"], "session");
        assert_eq!(value["certificate"].as_str().unwrap().len(), 32);
        assert!(!json.contains("3B55F11D") && !json.contains("onshi test auth CA"), "{json}");
    }

    #[test]
    fn the_hash_tells_cards_apart_and_depends_on_the_key() {
        let one = CertificateHasher::derive(&SecretBytes::new(vec![1; 32])).unwrap();
        let two = CertificateHasher::derive(&SecretBytes::new(vec![2; 32])).unwrap();
        assert_eq!(one.hash(&certificate("01")), one.hash(&certificate("01")));
        assert_ne!(one.hash(&certificate("01")), one.hash(&certificate("02")));
        assert_ne!(one.hash(&certificate("01")), two.hash(&certificate("01")));
        let ok = AuditEvent::new(AuditAction::Challenge, 5, &Ok(()));
        assert_eq!(ok.outcome, "ok");
        assert_eq!(ok.to_json(), r#"{"kind":"onshi.edge.audit","action":"challenge","outcome":"ok","at":5}"#);
    }
}
