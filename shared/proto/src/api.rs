//! Kiosk ⇄ edge: the public API the browser calls.
//!
//! Flow: `POST` [`CHALLENGE_PATH`] → the card signs DigestInfo(SHA-256([`card_challenge_message`])) → `POST`
//! [`SESSION_PATH`] with the certificate and signature → a short-lived bearer session → `POST`
//! [`QUALIFICATION_PATH`].

use serde::{Deserialize, Serialize};

use crate::Base64Bytes;

/// Issues a single-use challenge.
pub const CHALLENGE_PATH: &str = "/api/v1/challenge";
/// Exchanges a signed challenge for a card session.
pub const SESSION_PATH: &str = "/api/v1/session";
/// Asks for the qualification of the session's card holder.
pub const QUALIFICATION_PATH: &str = "/api/v1/qualification";

/// Length of a challenge in bytes.
pub const CHALLENGE_LEN: usize = 32;

/// What a card's signature over a challenge is for. The purpose is part of the message the card signs and of the
/// challenge the edge stores, so a signature made for one purpose never counts for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChallengePurpose {
    /// Opening a card session for a PIN check-in (`POST` [`SESSION_PATH`]).
    CardSession,
    /// Proving, with the 券面事項確認AP's own key, that the card whose face staff saw at the kiosk is in the reader
    /// (`POST` [`VISUAL_CHECK_PATH`] with a [`crate::card_face::CardFacePresence`]).
    CardFacePresence,
}

impl ChallengePurpose {
    /// The purpose's tag in the signed message and in the challenge store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CardSession => "card-session",
            Self::CardFacePresence => "card-face-presence",
        }
    }
}

/// Body of `POST` [`CHALLENGE_PATH`]; an empty body asks for a card-session challenge, as before this body existed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// What the card's signature will be for.
    #[serde(default)]
    pub purpose: ChallengeRequestPurpose,
}

/// The purposes a kiosk may ask a challenge for, as spelled on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ChallengeRequestPurpose {
    /// [`ChallengePurpose::CardSession`].
    #[default]
    CardSession,
    /// [`ChallengePurpose::CardFacePresence`].
    CardFacePresence,
}

impl From<ChallengeRequestPurpose> for ChallengePurpose {
    fn from(purpose: ChallengeRequestPurpose) -> Self {
        match purpose {
            ChallengeRequestPurpose::CardSession => Self::CardSession,
            ChallengeRequestPurpose::CardFacePresence => Self::CardFacePresence,
        }
    }
}

/// The bytes the card signs (as DigestInfo(SHA-256(message))) to answer a challenge:
/// `"onshi-card-challenge-v1" "\n" PURPOSE "\n" DEVICE_ID "\n" hex(challenge)`. The tag keeps the card's
/// signature from meaning anything outside this protocol; the purpose and the id of the device that asked for the
/// challenge bind the answer to them, so a signature made on one kiosk opens no session on another.
pub fn card_challenge_message(purpose: ChallengePurpose, device_id: &str, challenge: &[u8]) -> Vec<u8> {
    ["onshi-card-challenge-v1", purpose.as_str(), device_id, &hex::encode(challenge)].join("\n").into_bytes()
}

/// Answer to `POST /api/v1/challenge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChallengeResponse {
    /// Opaque identifier to send back with the signature.
    pub challenge_id: String,
    /// The challenge the card answers, signing [`card_challenge_message`] for it.
    pub challenge: Base64Bytes,
    /// Unix seconds after which the challenge is refused.
    pub expires_at: i64,
}

/// Body of `POST /api/v1/session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// From [`ChallengeResponse::challenge_id`].
    pub challenge_id: String,
    /// The 利用者証明用 certificate (DER) read from JPKI EF 000A.
    pub certificate: Base64Bytes,
    /// The card's RSA PKCS#1 v1.5 signature over DigestInfo(SHA-256([`card_challenge_message`])) for
    /// [`ChallengePurpose::CardSession`], the requesting device and the challenge.
    pub signature: Base64Bytes,
    /// The qualification the kiosk asks for as soon as the session is open, asked in the same request to save a
    /// round trip: the edge opens the session, then asks exactly as `POST /api/v1/qualification` with this body and
    /// the new session would, and answers both in [`SessionResponse::qualification`]. Absent (as older kiosks and
    /// the 健康保険証利用登録 and its cancellation send it), the session is only opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<QualificationRequest>,
}

/// Answer to `POST /api/v1/session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// Bearer token for the qualification call; bound to the certificate.
    pub session_token: String,
    /// Unix seconds after which the session is refused.
    pub expires_at: i64,
    /// What the session may do: `qualification_only` for a certificate in its grace period.
    #[serde(default)]
    pub scope: crate::certificate_expiry::CardScope,
    /// What the patient is told about the certificate's expiry, when it expires soon or has expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::certificate_expiry::ExpiryNoticeShape>))]
    pub expiry_notice: Option<crate::certificate_expiry::ExpiryNotice>,
    /// The qualification asked in [`SessionRequest::qualification`], as the origin answered it for this session's
    /// card holder; absent when the request asked none. It is never part of a session kept for later calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<crate::qualification::QualificationAnswer>,
}

/// Body of `POST /api/v1/qualification`, and of a qualification asked with the session
/// ([`SessionRequest::qualification`]). The card holder comes from the session, never from the body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QualificationRequest {
    /// The facility's own identifier for this check (`ArbitraryIdentifier`), echoed back in audit records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitrary_identifier: Option<String>,
    /// The patient's language and aids at the kiosk, shown to staff on the check-in row.
    #[serde(default, skip_serializing_if = "crate::patient_mode::PatientMode::is_unknown")]
    pub patient_mode: crate::patient_mode::PatientMode,
    /// True when the patient answered yes to 「医療費助成の受給者証を利用しますか」, asked because an earlier answer of
    /// the same session said a 受給者証 is on offer; the answer then carries it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_recipient_certificates: bool,
}

// ---- Device enrolment and device proofs -------------------------------------------------------------------------
//
// A kiosk enrols once with a one-time code a facility admin issued: it makes a non-extractable ECDSA P-256 key and
// sends the public key (SPKI DER). Every later call carries a device proof: the device id, a unix-seconds timestamp,
// a fresh random nonce (the edge refuses one it has seen from the device) and an ECDSA P-256 / SHA-256 signature (IEEE P1363 `r || s`, 64 bytes, as WebCrypto produces it) over
// [`device_proof_message`].

/// Enrols a device with a one-time code (no device proof: the code is the credential).
pub const ENROL_PATH: &str = "/api/v1/devices/enrol";
/// Admin: issues a one-time enrolment code for a facility (`Authorization: Bearer <admin token>`).
pub const ADMIN_ENROLMENT_CODES_PATH: &str = "/api/v1/admin/enrolment-codes";
/// Operator: issues a facility admin credential ([`FacilityAdminRequest`] → [`FacilityAdminResponse`]); only the
/// national operator's credential may call it.
pub const ADMIN_FACILITY_ADMINS_PATH: &str = "/api/v1/admin/facility-admins";
/// Admin: `POST {ADMIN_DEVICES_PREFIX}<device id>/revoke` revokes a device.
pub const ADMIN_DEVICES_PREFIX: &str = "/api/v1/admin/devices/";
/// `GET` with a device proof over an empty body: the device asks whether the edge still knows it, answered
/// `204 No Content` when it does and `device_not_enrolled` when it does not (revoked, or an identity a restarted
/// edge never saw). The kiosk asks when it starts, because the browser keeps its key when the edge forgets the
/// device, and a kiosk that only learns it on a patient's first tap looks ready when it is not.
pub const DEVICE_PATH: &str = "/api/v1/device";

/// Header carrying the enrolled device's id.
pub const DEVICE_ID_HEADER: &str = "x-onshi-device-id";
/// Header carrying the device proof's unix-seconds timestamp.
pub const DEVICE_TIME_HEADER: &str = "x-onshi-device-time";
/// Header carrying the device proof's nonce: fresh random text for every request ([`is_device_proof_nonce`]), which
/// the edge remembers while the proof's timestamp is acceptable, so a captured proof cannot be sent again.
pub const DEVICE_NONCE_HEADER: &str = "x-onshi-device-nonce";
/// Shortest accepted device proof nonce: 16 characters of the base64url alphabet carry at least 96 random bits.
pub const DEVICE_NONCE_MIN_CHARS: usize = 16;
/// Longest accepted device proof nonce.
pub const DEVICE_NONCE_MAX_CHARS: usize = 64;

/// True when `nonce` may be a device proof nonce: [`DEVICE_NONCE_MIN_CHARS`] to [`DEVICE_NONCE_MAX_CHARS`]
/// characters of the base64url alphabet (a UUID's hex digits and hyphens qualify), so it can never contain the
/// proof message's separator.
pub fn is_device_proof_nonce(nonce: &str) -> bool {
    (DEVICE_NONCE_MIN_CHARS..=DEVICE_NONCE_MAX_CHARS).contains(&nonce.len())
        && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Header carrying the device proof's signature, base64url without padding.
pub const DEVICE_SIGNATURE_HEADER: &str = "x-onshi-device-signature";
/// Accepted clock difference between kiosk and edge for a device proof, in seconds, either way.
pub const DEVICE_PROOF_MAX_SKEW_SECS: i64 = 60;

/// The bytes a device signs for one request:
/// `"onshi-device-proof-v2" "\n" METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" hex(SHA-256(body))`.
pub fn device_proof_message(method: &str, path: &str, timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    device_proof_message_over_hash(method, path, timestamp, nonce, &device_proof_body_hash(body))
}

/// The body's part of a device proof: hex(SHA-256(body)), lower case.
pub fn device_proof_body_hash(body: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(body))
}

/// [`device_proof_message`] from the body's hash ([`device_proof_body_hash`]), for a checker that is handed the
/// hash instead of the body.
pub fn device_proof_message_over_hash(
    method: &str,
    path: &str,
    timestamp: &str,
    nonce: &str,
    body_hash: &str,
) -> Vec<u8> {
    ["onshi-device-proof-v2", method, path, timestamp, nonce, body_hash].join("\n").into_bytes()
}

/// Body of `POST` [`ADMIN_ENROLMENT_CODES_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolmentCodeRequest {
    /// The facility the device will belong to (validated, check digit included).
    pub facility_code: crate::facility::FacilityCode,
    /// The name staff will know the kiosk by, e.g. `受付1`; without one the edge names it by its short id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<DeviceLabel>,
    /// Where the kiosk stands (`1階 受付前`), shown with its name on each 目視 request so that staff find the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<DeviceLocation>,
    /// True when the kiosk stands where staff see the patient (a reception counter, a pharmacy's PC reader): only
    /// such a device may ask staff for a visual check (目視), which stands on staff seeing the person beside the
    /// card. Unset is false, so a kiosk in an unattended corner cannot queue 目視 requests at all.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub staffed: bool,
    /// What the device is: a patient kiosk (unset), or the facility's bridge to its 資格確認端末, which may only
    /// hand on the national reader's results and may make no card call.
    #[serde(default, skip_serializing_if = "DeviceRole::is_kiosk")]
    pub role: DeviceRole,
}

/// What an enrolled device is for: every route knows which role may call it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum DeviceRole {
    /// A patient kiosk (or a pharmacy PC's reader page): card check-ins, consent, registration, 目視.
    #[default]
    Kiosk,
    /// The facility's bridge to the 資格確認端末's file interface ([`crate::reader_result`]).
    Bridge,
    /// An insurer's console PC: its clerk signs in with the insurer's credential ([`crate::insurer`]).
    InsurerConsole,
    /// A facility's staff console PC: staff log in on it with a staff login code, and every staff call it makes
    /// carries its proof, so a staff token copied to another machine opens nothing.
    StaffConsole,
}

crate::wire_enum::wire_text!(DeviceRole);

impl DeviceRole {
    /// True for the default role, which the wire leaves unsaid.
    pub fn is_kiosk(&self) -> bool {
        *self == Self::Kiosk
    }
}

pub use crate::identifier::{
    DEVICE_LABEL_MAX_CHARS, DEVICE_LOCATION_MAX_CHARS, DeviceLabel, DeviceLabelError, DeviceLocation,
};

/// Body of `POST` [`ADMIN_FACILITY_ADMINS_PATH`]: the facility whose admin the credential is for, and who holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FacilityAdminRequest {
    /// The facility the credential acts for, and for no other (validated, check digit included).
    pub facility_code: crate::facility::FacilityCode,
    /// Who holds the credential (`事務長 佐藤`, `it-vendor-3`): every audit event of its calls names them.
    pub actor: crate::identifier::Identifier,
}

/// Answer to `POST` [`ADMIN_FACILITY_ADMINS_PATH`]: a bearer credential shown this once; the edge keeps no copy.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityAdminResponse {
    /// `Authorization: Bearer <token>` on the facility's admin routes.
    pub token: String,
    /// The one facility it acts for.
    pub facility_code: crate::facility::FacilityCode,
    /// Who holds it, as audit events name them.
    pub actor: crate::identifier::Identifier,
    /// Unix seconds after which it is refused; the operator issues a new one before then.
    pub expires_at: i64,
}

impl std::fmt::Debug for FacilityAdminResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FacilityAdminResponse")
            .field("token", &"<redacted>")
            .field("facility_code", &self.facility_code)
            .field("actor", &self.actor)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A one-time code an admin issued: an enrolment code (answer to `POST` [`ADMIN_ENROLMENT_CODES_PATH`]) or a
/// staff login code (answer to `POST` [`ADMIN_STAFF_CODES_PATH`]). Both have one shape on the wire; what the code
/// is good for is decided by the route that issued it, never by the answer.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OneTimeCodeResponse {
    /// The one-time code to type on the kiosk or the staff console, e.g. `K7QM-4XRD-9TWP`.
    pub code: String,
    /// The facility the code enrols a device into, or logs staff into.
    pub facility_code: crate::facility::FacilityCode,
    /// Unix seconds after which the code is refused.
    pub expires_at: i64,
}

/// Answer to `POST` [`ADMIN_ENROLMENT_CODES_PATH`].
pub type EnrolmentCodeResponse = OneTimeCodeResponse;
/// Answer to `POST` [`ADMIN_STAFF_CODES_PATH`].
pub type StaffCodeResponse = OneTimeCodeResponse;

impl std::fmt::Debug for OneTimeCodeResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneTimeCodeResponse")
            .field("code", &"<redacted>")
            .field("facility_code", &self.facility_code)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Body of `POST` [`ENROL_PATH`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time code, as typed (case, spaces and hyphens do not matter).
    pub code: String,
    /// The device's ECDSA P-256 public key, SubjectPublicKeyInfo DER (WebCrypto `exportKey("spki")`).
    pub public_key: Base64Bytes,
    /// What the enrolling app is for, when it says: a code the admin issued for another role is then refused (and
    /// spent), so a kiosk's code cannot make a staff console a kiosk, nor a staff console's code a kiosk a console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<DeviceRole>,
}

impl std::fmt::Debug for EnrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolRequest")
            .field("code", &"<redacted>")
            .field("public_key_len", &self.public_key.as_slice().len())
            .finish()
    }
}

/// Answer to `POST` [`ENROL_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    /// The new device's id, sent in [`DEVICE_ID_HEADER`] from now on.
    pub device_id: String,
    /// The facility the device belongs to.
    pub facility_code: crate::facility::FacilityCode,
}

/// Answer to an admin device revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceRevokeResponse {
    /// The revoked device.
    pub device_id: String,
    /// Always true: an unknown device is `not_found` instead.
    pub revoked: bool,
}

// ---- Staff console -----------------------------------------------------------------------------------------------
//
// A facility admin issues a one-time staff login code; the console exchanges it for a short-lived staff session
// (a bearer token the edge verifies; nothing personal is stored at the edge). With it, staff list the day's
// check-ins, check a qualification by number, and approve or refuse visual checks (目視). A kiosk asks for a visual
// check with the card certificate alone (no PIN) and polls its request id until staff decide.

/// Admin: issues a one-time staff login code for a facility (`Authorization: Bearer <admin token>`).
pub const ADMIN_STAFF_CODES_PATH: &str = "/api/v1/admin/staff-codes";
/// Exchanges a staff login code for a staff session.
pub const STAFF_LOGIN_PATH: &str = "/api/v1/staff/login";
/// Staff: one page of today's check-ins and the pending visual checks of the session's facility: `GET` for the
/// newest page, `POST` with a [`StaffCheckInListRequest`] for the page after a cursor.
pub const STAFF_CHECKINS_PATH: &str = "/api/v1/staff/checkins";
/// Ends the staff session the `Authorization` header carries; answered `204 No Content`.
pub const STAFF_LOGOUT_PATH: &str = "/api/v1/staff/logout";
/// Staff: qualification by 保険者番号 + 記号・番号・枝番 + 生年月日.
pub const STAFF_BY_NUMBER_PATH: &str = "/api/v1/staff/qualification/by-number";
/// Staff: approves or refuses a pending visual check.
pub const STAFF_VISUAL_CHECK_DECISION_PATH: &str = "/api/v1/staff/visual-checks/decision";
/// Staff: opens a pending visual check to see the name and birth date of the person its card is linked to.
pub const STAFF_VISUAL_CHECK_OPEN_PATH: &str = "/api/v1/staff/visual-checks/open";
/// Kiosk (device proof): asks for a staff visual check of the card certificate.
pub const VISUAL_CHECK_PATH: &str = "/api/v1/visual-check";
/// Kiosk (device proof): polls a visual check; an approved one answers with a session and the qualification.
pub const VISUAL_CHECK_STATUS_PATH: &str = "/api/v1/visual-check/status";
/// Kiosk (device proof): withdraws its visual check because the patient left it (started over, the idle reset, the
/// reader went away); answered with [`crate::origin::VisualCheckTicket`], and staff no longer see the request.
pub const VISUAL_CHECK_WITHDRAW_PATH: &str = "/api/v1/visual-check/withdraw";

/// Body of `POST` [`ADMIN_STAFF_CODES_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffCodeRequest {
    /// The facility the staff member works at (validated, check digit included).
    pub facility_code: crate::facility::FacilityCode,
}

/// Body of `POST` [`STAFF_LOGIN_PATH`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffLoginRequest {
    /// The one-time code, as typed (case, spaces and hyphens do not matter).
    pub code: String,
}

impl std::fmt::Debug for StaffLoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffLoginRequest").field("code", &"<redacted>").finish()
    }
}

/// Answer to `POST` [`STAFF_LOGIN_PATH`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSessionResponse {
    /// Bearer token for the staff routes.
    pub staff_token: String,
    /// The facility the session acts for.
    pub facility_code: crate::facility::FacilityCode,
    /// Unix seconds after which the session is refused.
    pub expires_at: i64,
}

impl std::fmt::Debug for StaffSessionResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSessionResponse")
            .field("staff_token", &"<redacted>")
            .field("facility_code", &self.facility_code)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Body of `POST` [`STAFF_BY_NUMBER_PATH`]. The facility comes from the staff session, never from the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffNumberQuery {
    /// 保険者番号, 6 or 8 digits with a valid 検証番号 ([`crate::insurer_number::InsurerNumber`]).
    pub insurer_number: String,
    /// 記号, when the card has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// 番号.
    pub number: String,
    /// 枝番, when the card has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// 生年月日.
    pub birth_date: crate::IsoDate,
}

/// Body of `POST` [`STAFF_VISUAL_CHECK_DECISION_PATH`]; answered with [`crate::origin::VisualCheckTicket`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffVisualCheckDecision {
    /// The pending request.
    pub request_id: String,
    /// True when staff confirmed the patient against the card face.
    pub approve: bool,
}

/// Body of `POST` [`STAFF_CHECKINS_PATH`]; answered with [`crate::origin::CheckInList`]. An empty body, like a
/// `GET`, asks for the newest page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffCheckInListRequest {
    /// The [`crate::origin::CheckInList::next`] of the page before; none for the newest page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<crate::checkin_page::CheckInCursor>,
}

/// Body of `POST` [`STAFF_VISUAL_CHECK_OPEN_PATH`]; answered with [`crate::origin::VisualCheckPerson`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffVisualCheckOpen {
    /// The pending request staff are about to compare with the patient and the card face.
    pub request_id: String,
}

/// Body of `POST` [`VISUAL_CHECK_PATH`]; answered with [`crate::origin::VisualCheckTicket`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisualCheckRequest {
    /// The 利用者証明用 certificate (DER) read from JPKI EF 000A, which needs no PIN.
    pub certificate: Base64Bytes,
    /// Why the kiosk asks: the patient's choice, a locked PIN, or a card with no PIN.
    #[serde(default)]
    pub reason: crate::origin::VisualCheckReason,
    /// The card-presence proof of the 目視 assist, when staff opened the card face at the kiosk with 照合番号B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_face: Option<crate::card_face::CardFacePresence>,
}

/// Body of `POST` [`VISUAL_CHECK_STATUS_PATH`] and of `POST` [`VISUAL_CHECK_WITHDRAW_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisualCheckStatusRequest {
    /// From [`crate::origin::VisualCheckTicket::request_id`].
    pub request_id: String,
}

/// Answer to `POST` [`VISUAL_CHECK_STATUS_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisualCheckStatusResponse {
    /// Where the request stands: `approved` exactly once, together with the session and the qualification;
    /// `collected` on any later poll, without them.
    pub state: crate::origin::VisualCheckState,
    /// A card session bound to the certificate, once, when staff approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionResponse>,
    /// The qualification, once, when staff approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<crate::qualification::QualificationAnswer>,
}

// ---- Consent at the reader ---------------------------------------------------------------------------------------
//
// After the card holder is authenticated (a card session), the kiosk records what they agreed to show this facility:
// 包括同意 or single kinds, each live for 24 hours (`origin::CONSENT_WINDOW_SECONDS`). The card comes from the
// session and the facility from the device, never from the body.

/// Records the session holder's consents for the device's facility; answered with [`crate::origin::ConsentAnswer`].
pub const CONSENT_PATH: &str = "/api/v1/consent";

/// Body of `POST` [`CONSENT_PATH`] (`Authorization: Bearer <session token>`, with the device proof).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentSubmission {
    /// What the patient agreed to show; empty when they declined everything.
    pub kinds: Vec<crate::origin::ConsentKind>,
    /// 電子処方箋 or 紙, as the patient chose on the same screen; absent where the facility does not ask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescription: Option<crate::origin::PrescriptionFormat>,
}

// ---- 健康保険証利用登録 at the reader -----------------------------------------------------------------------------

/// Links the session holder's card to their insured record (健康保険証利用登録); answered with
/// [`crate::origin::RegistrationAnswer`]. The card comes from the session, the facility from the device.
pub const REGISTRATION_PATH: &str = "/api/v1/registration";

/// Body of `POST` [`REGISTRATION_PATH`] (`Authorization: Bearer <session token>`, with the device proof).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistrationSubmission {
    /// The card holder read and accepted the terms of use on the kiosk; the edge refuses the request otherwise.
    pub terms_accepted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_challenge_message_binds_purpose_device_and_challenge() {
        let message = card_challenge_message(ChallengePurpose::CardSession, "0110113719.AAAA", &[0xab, 0x01]);
        assert_eq!(message, b"onshi-card-challenge-v1\ncard-session\n0110113719.AAAA\nab01");
        assert_ne!(message, card_challenge_message(ChallengePurpose::CardSession, "0110113719.AAAB", &[0xab, 0x01]));
    }

    #[test]
    fn the_device_proof_message_binds_method_path_time_nonce_and_body() {
        const NONCE: &str = "0123456789abcdef-_ABCD";
        let message = device_proof_message("POST", "/api/v1/challenge", "1795478400", NONCE, b"");
        // SHA-256 of the empty string.
        let expected = "onshi-device-proof-v2\nPOST\n/api/v1/challenge\n1795478400\n0123456789abcdef-_ABCD\n\
                        e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(String::from_utf8(message).unwrap(), expected);
        let base = device_proof_message("POST", "/p", "1", NONCE, b"{}");
        assert_ne!(base, device_proof_message("GET", "/p", "1", NONCE, b"{}"));
        assert_ne!(base, device_proof_message("POST", "/q", "1", NONCE, b"{}"));
        assert_ne!(base, device_proof_message("POST", "/p", "2", NONCE, b"{}"));
        assert_ne!(base, device_proof_message("POST", "/p", "1", "0123456789abcdef-_ABCE", b"{}"));
        assert_ne!(base, device_proof_message("POST", "/p", "1", NONCE, b"{ }"));
    }

    #[test]
    fn a_device_proof_nonce_is_long_enough_and_cannot_hold_a_separator() {
        assert!(is_device_proof_nonce("0123456789abcdef"));
        assert!(is_device_proof_nonce("3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a3b"));
        assert!(is_device_proof_nonce(&"a".repeat(DEVICE_NONCE_MAX_CHARS)));
        for bad in ["", "short", "0123456789abcde", "0123456789abcdef\n", "0123456789 abcdef", "0123456789abcdef="] {
            assert!(!is_device_proof_nonce(bad), "{bad:?}");
        }
        assert!(!is_device_proof_nonce(&"a".repeat(DEVICE_NONCE_MAX_CHARS + 1)));
    }

    #[test]
    fn enrolment_wire_types_validate_the_facility_and_hide_the_code() {
        let request: EnrolmentCodeRequest = serde_json::from_str(r#"{"facility_code":"0110113719"}"#).unwrap();
        assert_eq!(request.facility_code.as_str(), "0110113719");
        assert!(serde_json::from_str::<EnrolmentCodeRequest>(r#"{"facility_code":"0110113710"}"#).is_err());
        let enrol =
            EnrolRequest { code: "K7QM-4XRD-9TWP".into(), public_key: Base64Bytes::from(vec![1, 2]), role: None };
        assert!(!format!("{enrol:?}").contains("K7QM"));
    }

    #[test]
    fn device_labels_are_trimmed_bounded_plain_text() {
        assert_eq!(DeviceLabel::parse("  受付1 ").unwrap().as_str(), "受付1");
        assert_eq!(DeviceLabel::parse(&"あ".repeat(DEVICE_LABEL_MAX_CHARS)).unwrap().as_str().chars().count(), 24);
        assert_eq!(DeviceLabel::parse(&"あ".repeat(DEVICE_LABEL_MAX_CHARS + 1)), Err(DeviceLabelError::TooLong));
        assert_eq!(DeviceLabel::parse(" \u{3000} "), Err(DeviceLabelError::Empty));
        assert_eq!(DeviceLabel::parse("受付\n1"), Err(DeviceLabelError::ControlCharacter));
        // On the wire a bad label refuses the whole request; none at all is fine.
        let labelled: EnrolmentCodeRequest =
            serde_json::from_str(r#"{"facility_code":"0110113719","label":"2F 待合"}"#).unwrap();
        assert_eq!(labelled.label.unwrap().as_str(), "2F 待合");
        let placed: EnrolmentCodeRequest =
            serde_json::from_str(r#"{"facility_code":"0110113719","label":"受付1","location":" 1階 受付前 "}"#)
                .unwrap();
        assert_eq!(placed.location.unwrap().as_str(), "1階 受付前");
        assert!(
            serde_json::from_str::<EnrolmentCodeRequest>(r#"{"facility_code":"0110113719","location":"1階\n待合"}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<EnrolmentCodeRequest>(r#"{"facility_code":"0110113719","label":""}"#).is_err());
        let bare: EnrolmentCodeRequest = serde_json::from_str(r#"{"facility_code":"0110113719"}"#).unwrap();
        assert_eq!(bare.label, None);
        assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"facility_code":"0110113719"}"#);
    }

    #[test]
    fn staff_credentials_never_show_in_debug() {
        let facility_code = crate::facility::FacilityCode::parse("0110113719").unwrap();
        let code =
            StaffCodeResponse { code: "K7QM-4XRD-9TWP".into(), facility_code: facility_code.clone(), expires_at: 1 };
        let login = StaffLoginRequest { code: "K7QM-4XRD-9TWP".into() };
        let session = StaffSessionResponse { staff_token: "staff.secret-token".into(), facility_code, expires_at: 1 };
        for text in [format!("{code:?}"), format!("{login:?}"), format!("{session:?}")] {
            assert!(!text.contains("K7QM") && !text.contains("secret-token"), "{text}");
            assert!(text.contains("<redacted>"));
        }
    }
}
