//! The card holder's own access log (医療機関等での閲覧履歴, as マイナポータル shows it): which facilities read their
//! information, when, and what kind, newest first, a page at a time.
//!
//! Flow: after card + PIN at a kiosk, `POST` [`ACCESS_LOG_PATH`] with [`AccessLogSubmission`] (card session and
//! device proof); the edge names the card from the session and the asking kiosk from its proof and sends the origin
//! one [`AccessLogQuery`] to [`ORIGIN_ACCESS_LOG_PATH`]; the origin answers an [`AccessLogPage`] for the person that
//! certificate is linked to and nobody else, and audits the reading itself. A facility is named by its 医療機関コード
//! and, where the origin knows it, its name; never by a staff member or a device.

use serde::{Deserialize, Serialize};

use crate::certificate::CertificateRef;
use crate::certificate_expiry::CardScope;
use crate::facility::FacilityCode;
use crate::identifier::{Identifier, RequestId};

/// Kiosk → edge: one page of the card holder's access log.
pub const ACCESS_LOG_PATH: &str = "/api/v1/access-log";
/// Edge → origin: the same page, for the certificate the edge verified.
pub const ORIGIN_ACCESS_LOG_PATH: &str = "/v1/access-log";

/// What kind of information a facility read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum AccessKind {
    /// 資格確認: the insurance qualification (by card, by number, or after a 目視 check).
    Qualification,
    /// 目視: staff were shown the name and birth date to compare with the person at the counter.
    VisualCheck,
    /// 薬剤情報.
    Medication,
    /// 特定健診情報.
    HealthCheckup,
    /// 診療情報.
    Diagnosis,
    /// 手術情報.
    Operation,
}

crate::wire_enum::wire_text!(AccessKind);

/// Where the next page starts: the last entry of the page before, by time and by its row, so that entries of the
/// same second are neither repeated nor skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, try_from = "RawCursor")]
pub struct AccessLogCursor {
    /// When the last entry shown happened (Unix seconds, never negative).
    pub occurred_at: i64,
    /// The row of that entry.
    pub id: RequestId,
}

/// An [`AccessLogCursor`] as it arrives, before its time is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCursor {
    occurred_at: i64,
    id: RequestId,
}

/// Why a cursor was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an access-log cursor's time is a Unix time in seconds, never negative")]
pub struct CursorError;

impl TryFrom<RawCursor> for AccessLogCursor {
    type Error = CursorError;

    fn try_from(raw: RawCursor) -> Result<Self, Self::Error> {
        if raw.occurred_at < 0 {
            return Err(CursorError);
        }
        Ok(Self { occurred_at: raw.occurred_at, id: raw.id })
    }
}

/// Body of `POST` [`ACCESS_LOG_PATH`] (`Authorization: Bearer <session token>`, with the device proof). The card
/// comes from the session; the body only says where the page starts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccessLogSubmission {
    /// Absent for the newest page; the previous page's [`AccessLogPage::next`] for the one after it.
    #[serde(default)]
    pub before: Option<AccessLogCursor>,
}

/// Body of `POST` [`ORIGIN_ACCESS_LOG_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccessLogQuery {
    /// The card holder's certificate, as verified by the edge.
    pub certificate: CertificateRef,
    /// 医療機関コード of the facility where the kiosk stands, for the audit row of this reading.
    pub facility_code: FacilityCode,
    /// The kiosk, for the audit row of this reading.
    pub device_id: Identifier,
    /// What the edge's card session may do: a certificate in its grace period confirms the qualification only.
    #[serde(default)]
    pub scope: CardScope,
    /// Where the page starts; absent for the newest.
    #[serde(default)]
    pub before: Option<AccessLogCursor>,
}

/// One read of the card holder's information by a facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessLogEntry {
    /// When it was read (Unix seconds).
    pub occurred_at: i64,
    /// 医療機関コード of the facility that read it.
    pub facility_code: FacilityCode,
    /// The facility's name, when the origin's list of facilities has it.
    pub facility_name: Option<String>,
    /// What was read.
    pub kind: AccessKind,
}

/// Answer of [`ORIGIN_ACCESS_LOG_PATH`] and [`ACCESS_LOG_PATH`] alike: one page, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessLogPage {
    /// The reads, newest first; empty when no facility has read anything.
    pub entries: Vec<AccessLogEntry>,
    /// Where the next, older page starts; absent on the last page.
    pub next: Option<AccessLogCursor>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_a_time_and_a_plain_row_id_and_nothing_else() {
        let cursor: AccessLogCursor = serde_json::from_str(r#"{"occurred_at":1767225600,"id":"0a1b"}"#).unwrap();
        assert_eq!(cursor.occurred_at, 1_767_225_600);
        for bad in [
            r#"{"occurred_at":-1,"id":"0a1b"}"#,
            r#"{"occurred_at":1,"id":"a b"}"#,
            r#"{"occurred_at":1,"id":""}"#,
            r#"{"occurred_at":1,"id":"0a1b","person_id":"p"}"#,
        ] {
            assert!(serde_json::from_str::<AccessLogCursor>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_kiosk_body_names_no_person_or_card() {
        assert_eq!(serde_json::from_str::<AccessLogSubmission>("{}").unwrap(), AccessLogSubmission::default());
        assert!(
            serde_json::from_str::<AccessLogSubmission>(r#"{"certificate":{"issuer":"CN=x","serial":"01"}}"#).is_err()
        );
        assert!(serde_json::from_str::<AccessLogSubmission>(r#"{"person_id":"p-1"}"#).is_err());
    }
}
