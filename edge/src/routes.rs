//! The API's one route table: which use case a method and path run. Pure, so the table is tested natively and
//! the workerd adapter only reads a request, looks its route up here and answers.

use onshi_proto::api::{
    ADMIN_ENROLMENT_CODES_PATH, ADMIN_FACILITY_ADMINS_PATH, ADMIN_STAFF_CODES_PATH, CHALLENGE_PATH, CONSENT_PATH,
    DEVICE_PATH, ENROL_PATH, QUALIFICATION_PATH, REGISTRATION_PATH, SESSION_PATH, STAFF_BY_NUMBER_PATH,
    STAFF_CHECKINS_PATH, STAFF_LOGIN_PATH, STAFF_LOGOUT_PATH, STAFF_VISUAL_CHECK_DECISION_PATH,
    STAFF_VISUAL_CHECK_OPEN_PATH, VISUAL_CHECK_PATH, VISUAL_CHECK_STATUS_PATH, VISUAL_CHECK_WITHDRAW_PATH,
};

use onshi_proto::access_log::ACCESS_LOG_PATH;
use onshi_proto::bridge_bulk::{MAX_BULK_UPLOAD_BYTES, STAFF_TERMINAL_BULK_PATH, STAFF_TERMINAL_BULK_STATUS_PATH};
use onshi_proto::bridge_health::{BRIDGE_HEALTH_PATH, STAFF_BRIDGE_PATH, STAFF_BRIDGE_SETTLE_PATH};
use onshi_proto::bridge_link::{BRIDGE_LINK_PATH, STAFF_TERMINAL_BY_NUMBER_PATH, STAFF_TERMINAL_REFERENCE_PATH};
use onshi_proto::insurer::{
    BatchUploadFormat, INSURER_BATCH_CSV_PATH, INSURER_BATCH_NDJSON_PATH, INSURER_BATCH_PROGRESS_PATH,
    INSURER_HOLD_PREFIX, INSURER_HOLDS_PATH, INSURER_LOGIN_PATH, INSURER_LOGOUT_PATH, INSURER_NOTICE_PREFIX,
    INSURER_NOTICES_PATH, INSURER_RESOLUTION_SUFFIX, MAX_EDGE_BATCH_BYTES,
};
use onshi_proto::medical_record::STAFF_MEDICAL_RECORDS_PATH;
use onshi_proto::petition::{PETITION_KEY_PATH, PETITION_PATH, STAFF_PETITION_KEY_PATH, STAFF_PETITIONS_PATH};
use onshi_proto::reader_result::BRIDGE_READER_RESULT_PATH;
use onshi_proto::withdrawal::{CONSENT_WITHDRAWAL_PATH, REGISTRATION_CANCEL_PATH, STAFF_CONSENT_WITHDRAWAL_PATH};

use crate::http_policy::{HEALTH_PATH, MAX_BODY_BYTES};

/// Prefix and suffix of the one route with a parameter, `/api/v1/admin/devices/<id>/revoke`.
const REVOKE_DEVICE_PREFIX: &str = "/api/v1/admin/devices/";
const REVOKE_DEVICE_SUFFIX: &str = "/revoke";

/// What a route runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseCase {
    /// `GET /api/v1/health`.
    Health,
    /// `POST /api/v1/challenge`.
    Challenge,
    /// `POST /api/v1/session`.
    Session,
    /// `POST /api/v1/qualification`.
    Qualification,
    /// `POST /api/v1/devices/enrol`.
    Enrol,
    /// `GET /api/v1/device`: the device confirms that the edge still knows it.
    ConfirmDevice,
    /// `POST /api/v1/admin/facility-admins`.
    IssueFacilityAdmin,
    /// `POST /api/v1/admin/enrolment-codes`.
    IssueEnrolmentCode,
    /// `POST /api/v1/admin/devices/<id>/revoke`, with the id as written in the path.
    RevokeDevice(String),
    /// `POST /api/v1/consent`.
    Consent,
    /// `POST /api/v1/registration`.
    Registration,
    /// `POST /api/v1/admin/staff-codes`.
    IssueStaffCode,
    /// `POST /api/v1/staff/login`.
    StaffLogin,
    /// `GET /api/v1/staff/checkins` (the newest page) and `POST` (the page after a cursor).
    StaffCheckIns,
    /// `POST /api/v1/staff/logout`.
    StaffLogout,
    /// `POST /api/v1/staff/qualification/by-number`.
    StaffByNumber,
    /// `POST /api/v1/staff/visual-checks/decision`.
    StaffDecision,
    /// `POST /api/v1/staff/visual-checks/open`.
    StaffOpenVisualCheck,
    /// `POST /api/v1/visual-check`.
    RequestVisualCheck,
    /// `POST /api/v1/visual-check/status`.
    VisualCheckStatus,
    /// `POST /api/v1/visual-check/withdraw`.
    WithdrawVisualCheck,
    /// `POST /api/v1/bridge/reader-results`.
    ReaderResult,
    /// `POST /api/v1/bridge/health`.
    BridgeHealth,
    /// `GET /api/v1/staff/bridge`.
    StaffBridge,
    /// `POST /api/v1/staff/medical-records`.
    StaffMedicalRecords,
    /// `POST /api/v1/consent/withdraw`.
    WithdrawConsent,
    /// `POST /api/v1/staff/consent/withdraw`.
    StaffWithdrawConsent,
    /// `POST /api/v1/registration/cancel`.
    CancelRegistration,
    /// `POST /api/v1/access-log`.
    AccessLog,
    /// `POST /api/v1/insurer/login`.
    InsurerLogin,
    /// `POST /api/v1/insurer/logout`.
    InsurerLogout,
    /// `GET /api/v1/insurer/holds`.
    InsurerHolds,
    /// `POST /api/v1/insurer/notices`.
    InsurerNotices,
    /// `GET /api/v1/insurer/notices/<id>`, with the id as written in the path.
    InsurerNotice(String),
    /// `POST /api/v1/insurer/holds/<person id>/resolution`, with the id as written in the path.
    InsurerHoldResolution(String),
    /// `POST /api/v1/insurer/batches/csv` and `/ndjson`.
    InsurerBatch(BatchUploadFormat),
    /// `GET /api/v1/insurer/batch-progress`.
    InsurerBatchProgress,
    /// `GET /api/v1/bridge/link`: a WebSocket upgrade, which the adapter hands to the facility's store.
    BridgeLink,
    /// `POST /api/v1/staff/qualification/by-number/terminal`.
    StaffTerminalByNumber,
    /// `POST /api/v1/staff/terminal/bulk`.
    StaffTerminalBulk,
    /// `POST /api/v1/staff/terminal/bulk/status`.
    StaffTerminalBulkStatus,
    /// `POST /api/v1/staff/terminal/reference`.
    StaffTerminalReference,
    /// `POST /api/v1/staff/bridge/settle`.
    StaffBridgeSettle,
    /// `POST /api/v1/petitions/key`.
    PetitionKey,
    /// `POST /api/v1/petitions`.
    Petition,
    /// `POST /api/v1/staff/petitions/key`.
    StaffPetitionKey,
    /// `POST /api/v1/staff/petitions`.
    StaffPetitions,
}

impl UseCase {
    /// The largest body this use case reads: a batch upload's [`MAX_EDGE_BATCH_BYTES`], a bulk pre-check's
    /// [`MAX_BULK_UPLOAD_BYTES`], every other's [`MAX_BODY_BYTES`].
    pub fn body_limit(&self) -> usize {
        match self {
            Self::InsurerBatch(_) => MAX_EDGE_BATCH_BYTES,
            Self::StaffTerminalBulk => MAX_BULK_UPLOAD_BYTES,
            _ => MAX_BODY_BYTES,
        }
    }
}

/// Every route without a parameter: its method, path and use case.
const FIXED_ROUTES: &[(&str, &str, UseCase)] = &[
    ("GET", HEALTH_PATH, UseCase::Health),
    ("POST", CHALLENGE_PATH, UseCase::Challenge),
    ("POST", SESSION_PATH, UseCase::Session),
    ("POST", QUALIFICATION_PATH, UseCase::Qualification),
    ("POST", ENROL_PATH, UseCase::Enrol),
    ("GET", DEVICE_PATH, UseCase::ConfirmDevice),
    ("POST", ADMIN_FACILITY_ADMINS_PATH, UseCase::IssueFacilityAdmin),
    ("POST", ADMIN_ENROLMENT_CODES_PATH, UseCase::IssueEnrolmentCode),
    ("POST", CONSENT_PATH, UseCase::Consent),
    ("POST", REGISTRATION_PATH, UseCase::Registration),
    ("POST", ADMIN_STAFF_CODES_PATH, UseCase::IssueStaffCode),
    ("POST", STAFF_LOGIN_PATH, UseCase::StaffLogin),
    ("GET", STAFF_CHECKINS_PATH, UseCase::StaffCheckIns),
    ("POST", STAFF_CHECKINS_PATH, UseCase::StaffCheckIns),
    ("POST", STAFF_LOGOUT_PATH, UseCase::StaffLogout),
    ("POST", STAFF_BY_NUMBER_PATH, UseCase::StaffByNumber),
    ("POST", STAFF_VISUAL_CHECK_DECISION_PATH, UseCase::StaffDecision),
    ("POST", STAFF_VISUAL_CHECK_OPEN_PATH, UseCase::StaffOpenVisualCheck),
    ("POST", VISUAL_CHECK_PATH, UseCase::RequestVisualCheck),
    ("POST", VISUAL_CHECK_STATUS_PATH, UseCase::VisualCheckStatus),
    ("POST", VISUAL_CHECK_WITHDRAW_PATH, UseCase::WithdrawVisualCheck),
    ("POST", BRIDGE_READER_RESULT_PATH, UseCase::ReaderResult),
    ("POST", BRIDGE_HEALTH_PATH, UseCase::BridgeHealth),
    ("GET", STAFF_BRIDGE_PATH, UseCase::StaffBridge),
    ("POST", STAFF_MEDICAL_RECORDS_PATH, UseCase::StaffMedicalRecords),
    ("POST", CONSENT_WITHDRAWAL_PATH, UseCase::WithdrawConsent),
    ("POST", STAFF_CONSENT_WITHDRAWAL_PATH, UseCase::StaffWithdrawConsent),
    ("POST", REGISTRATION_CANCEL_PATH, UseCase::CancelRegistration),
    ("POST", ACCESS_LOG_PATH, UseCase::AccessLog),
    ("POST", INSURER_LOGIN_PATH, UseCase::InsurerLogin),
    ("POST", INSURER_LOGOUT_PATH, UseCase::InsurerLogout),
    ("GET", INSURER_HOLDS_PATH, UseCase::InsurerHolds),
    ("POST", INSURER_NOTICES_PATH, UseCase::InsurerNotices),
    ("POST", INSURER_BATCH_CSV_PATH, UseCase::InsurerBatch(BatchUploadFormat::Csv)),
    ("POST", INSURER_BATCH_NDJSON_PATH, UseCase::InsurerBatch(BatchUploadFormat::Ndjson)),
    ("GET", INSURER_BATCH_PROGRESS_PATH, UseCase::InsurerBatchProgress),
    ("GET", BRIDGE_LINK_PATH, UseCase::BridgeLink),
    ("POST", STAFF_TERMINAL_BY_NUMBER_PATH, UseCase::StaffTerminalByNumber),
    ("POST", STAFF_TERMINAL_BULK_PATH, UseCase::StaffTerminalBulk),
    ("POST", STAFF_TERMINAL_BULK_STATUS_PATH, UseCase::StaffTerminalBulkStatus),
    ("POST", STAFF_TERMINAL_REFERENCE_PATH, UseCase::StaffTerminalReference),
    ("POST", STAFF_BRIDGE_SETTLE_PATH, UseCase::StaffBridgeSettle),
    ("POST", PETITION_KEY_PATH, UseCase::PetitionKey),
    ("POST", PETITION_PATH, UseCase::Petition),
    ("POST", STAFF_PETITION_KEY_PATH, UseCase::StaffPetitionKey),
    ("POST", STAFF_PETITIONS_PATH, UseCase::StaffPetitions),
];

/// The one path segment after `prefix` and before `suffix`, when `path` has exactly that shape.
fn segment<'p>(path: &'p str, prefix: &str, suffix: &str) -> Option<&'p str> {
    let segment = path.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!segment.is_empty() && !segment.contains('/')).then_some(segment)
}

/// The use case of `method` on `path`; `None` for an unknown path or a known path asked with another method,
/// both of which the API answers with a JSON `not_found`.
pub fn route(method: &str, path: &str) -> Option<UseCase> {
    if let Some((_, _, use_case)) =
        FIXED_ROUTES.iter().find(|(route_method, route_path, _)| *route_path == path && *route_method == method)
    {
        return Some(use_case.clone());
    }
    match method {
        "POST" => segment(path, REVOKE_DEVICE_PREFIX, REVOKE_DEVICE_SUFFIX)
            .map(|device| UseCase::RevokeDevice(device.to_owned()))
            .or_else(|| {
                segment(path, INSURER_HOLD_PREFIX, INSURER_RESOLUTION_SUFFIX)
                    .map(|person| UseCase::InsurerHoldResolution(person.to_owned()))
            }),
        "GET" => segment(path, INSURER_NOTICE_PREFIX, "").map(|notice| UseCase::InsurerNotice(notice.to_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_with_its_own_method_only() {
        for (method, path, use_case) in FIXED_ROUTES {
            assert_eq!(route(method, path).as_ref(), Some(use_case), "{method} {path}");
            // A path answers another method only when it has a route of its own for that method.
            let other = if *method == "GET" { "POST" } else { "GET" };
            let other_route = FIXED_ROUTES.iter().find(|(m, p, _)| *m == other && p == path).map(|(_, _, u)| u);
            assert_eq!(route(other, path).as_ref(), other_route, "{other} {path}");
            for wrong in ["PUT", "PATCH", "DELETE"] {
                assert_eq!(route(wrong, path), None, "{wrong} {path}");
            }
        }
    }

    #[test]
    fn the_revoke_route_takes_one_path_segment() {
        assert_eq!(route("POST", "/api/v1/admin/devices/abc/revoke"), Some(UseCase::RevokeDevice("abc".into())));
        for path in ["/api/v1/admin/devices//revoke", "/api/v1/admin/devices/a/b/revoke", "/api/v1/admin/devices/abc"] {
            assert_eq!(route("POST", path), None, "{path}");
        }
        assert_eq!(route("GET", "/api/v1/admin/devices/abc/revoke"), None);
        assert_eq!(route("POST", "/api/v1/nothing"), None);
        assert_eq!(route("POST", "/api"), None);
    }

    #[test]
    fn the_insurer_routes_with_a_parameter_take_one_path_segment() {
        assert_eq!(route("GET", "/api/v1/insurer/notices/n-1"), Some(UseCase::InsurerNotice("n-1".into())));
        assert_eq!(
            route("POST", "/api/v1/insurer/holds/p-1/resolution"),
            Some(UseCase::InsurerHoldResolution("p-1".into()))
        );
        for path in ["/api/v1/insurer/notices/", "/api/v1/insurer/notices/a/b"] {
            assert_eq!(route("GET", path), None, "{path}");
        }
        for path in ["/api/v1/insurer/holds//resolution", "/api/v1/insurer/holds/a/b/resolution"] {
            assert_eq!(route("POST", path), None, "{path}");
        }
        assert_eq!(route("POST", "/api/v1/insurer/notices/n-1"), None);
        assert_eq!(route("GET", "/api/v1/insurer/holds/p-1/resolution"), None);
    }
}
