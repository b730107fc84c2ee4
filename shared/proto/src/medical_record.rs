//! Medical information staff read under the patient's live consent: 薬剤 (with 電子処方箋 and 調剤結果 entries),
//! 特定健診, 診療 and 手術 history, one kind per read, a page at a time, for the patient of one check-in.
//!
//! The staff console asks the edge with a check-in id ([`StaffMedicalRecordRequest`]); the edge adds the facility
//! and the staff session from the staff token ([`MedicalRecordQuery`]) and the origin answers only while the patient's
//! consent to that facility for that kind is live, auditing every read with the subject before the answer leaves.
//! Nothing here is kept at the edge.

use serde::{Deserialize, Serialize};

use crate::IsoDate;
use crate::facility::FacilityCode;
use crate::identifier::{Identifier, RequestId};
use crate::origin::ConsentKind;

/// Origin (edge-signed): one page of one kind of the medical information of a check-in's patient.
pub const MEDICAL_RECORDS_PATH: &str = "/v1/staff/medical-records";
/// Edge (staff session): the same read, for the session's facility.
pub const STAFF_MEDICAL_RECORDS_PATH: &str = "/api/v1/staff/medical-records";

/// The highest page number a read may ask for: a patient's history holds 3 years of 薬剤 and 5 of 健診, far fewer
/// pages than this, so a larger number is a malformed request rather than an empty page.
pub const MAX_PAGE: u32 = 999;

/// One kind of medical information, each opened by its own consent ([`MedicalRecordKind::consent`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum MedicalRecordKind {
    /// 薬剤情報: dispensings from claims, 電子処方箋 and 調剤結果.
    Medication,
    /// 特定健診情報.
    HealthCheckup,
    /// 診療情報: what was done at each visit (診療行為).
    Diagnosis,
    /// 手術情報.
    Operation,
}

crate::wire_enum::wire_text!(MedicalRecordKind);

impl MedicalRecordKind {
    /// The consent that opens this kind (包括同意 covers every one, by [`ConsentKind::covers`]).
    pub fn consent(self) -> ConsentKind {
        match self {
            Self::Medication => ConsentKind::Medication,
            Self::HealthCheckup => ConsentKind::HealthCheckup,
            Self::Diagnosis => ConsentKind::Diagnosis,
            Self::Operation => ConsentKind::Operation,
        }
    }

    /// The kinds that `consents` open, in declaration order.
    pub fn opened_by(consents: &[ConsentKind]) -> Vec<Self> {
        Self::ALL.iter().copied().filter(|kind| consents.iter().any(|given| given.covers(kind.consent()))).collect()
    }
}

/// A page number, 0 to [`MAX_PAGE`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = u32))]
#[serde(try_from = "u32", into = "u32")]
pub struct PageNumber(u32);

/// A page number above [`MAX_PAGE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("page number out of range")]
pub struct PageNumberError;

impl TryFrom<u32> for PageNumber {
    type Error = PageNumberError;
    fn try_from(page: u32) -> Result<Self, Self::Error> {
        if page <= MAX_PAGE { Ok(Self(page)) } else { Err(PageNumberError) }
    }
}

impl From<PageNumber> for u32 {
    fn from(page: PageNumber) -> Self {
        page.0
    }
}

impl PageNumber {
    /// The page number.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// Body of `POST` [`STAFF_MEDICAL_RECORDS_PATH`]. The facility comes from the staff session, never from the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffMedicalRecordRequest {
    /// The check-in whose patient's information is read (an id of the day's check-in list).
    pub checkin_id: RequestId,
    /// Which kind.
    pub kind: MedicalRecordKind,
    /// Which page, from 0.
    #[serde(default)]
    pub page: PageNumber,
}

/// Body of `POST` [`MEDICAL_RECORDS_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MedicalRecordQuery {
    /// 医療機関コード of the staff session's facility: the check-in and the consent must both be its own.
    pub facility_code: FacilityCode,
    /// The staff session's id, for the audit trail.
    pub staff_id: Identifier,
    /// The check-in whose patient's information is read.
    pub checkin_id: RequestId,
    /// Which kind.
    pub kind: MedicalRecordKind,
    /// Which page, from 0.
    #[serde(default)]
    pub page: PageNumber,
}

/// Where a 薬剤 entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum MedicationSource {
    /// レセプト (claims), a month or more behind.
    Claim,
    /// 電子処方箋 (処方情報), as the prescriber registered it.
    ElectronicPrescription,
    /// 調剤結果, as the pharmacy registered it.
    DispensingResult,
}

crate::wire_enum::wire_text!(MedicationSource);

/// One medicine prescribed or dispensed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MedicationLine {
    /// 処方日 or 調剤日: the first day of the supply.
    pub dispensed_on: IsoDate,
    /// YJコード (薬価基準収載医薬品コード, 12 characters); its first 7 name the ingredient and route.
    pub yj_code: String,
    /// 薬品名.
    pub drug_name: String,
    /// 用法・用量, as printed.
    pub dose: String,
    /// 日数 (or 回数 for an as-needed medicine).
    pub days: u32,
    /// 医療機関コード of the prescriber.
    pub prescriber_code: String,
    /// 処方医療機関名.
    pub prescriber_name: String,
    /// Where the entry comes from.
    pub source: MedicationSource,
    /// 重複投薬: the same ingredient prescribed by another facility for an overlapping period.
    pub duplicate: bool,
}

/// A reference range (基準範囲 or 保健指導判定値): a value below `lower` or above `upper` is out of range.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceRange {
    /// The lowest value in range, when there is one.
    pub lower: Option<f64>,
    /// The highest value in range, when there is one.
    pub upper: Option<f64>,
}

/// How a value stands against its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum RangeFlag {
    /// Below the range.
    Low,
    /// Above the range.
    High,
}

crate::wire_enum::wire_text!(RangeFlag);

impl ReferenceRange {
    /// How `value` stands against the range: `None` when it is in range or is not a number (a qualitative result
    /// such as `(-)` is shown as it is, unjudged).
    pub fn judge(&self, value: &str) -> Option<RangeFlag> {
        let value: f64 = value.trim().parse().ok()?;
        if self.lower.is_some_and(|lower| value < lower) {
            Some(RangeFlag::Low)
        } else if self.upper.is_some_and(|upper| value > upper) {
            Some(RangeFlag::High)
        } else {
            None
        }
    }
}

/// One 特定健診 result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckupResult {
    /// 受診日.
    pub checked_on: IsoDate,
    /// 項目コード (JLAC10, as the 特定健診 standard format names it).
    pub code: String,
    /// 検査項目.
    pub item: String,
    /// 結果値, as recorded.
    pub value: String,
    /// 単位.
    pub unit: String,
    /// The item's range, when it has one.
    pub range: Option<ReferenceRange>,
    /// Out of range, and which way.
    pub flag: Option<RangeFlag>,
}

/// One 診療行為 or 手術.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcedureLine {
    /// 実施日.
    pub performed_on: IsoDate,
    /// 区分番号 of the 医科診療報酬点数表.
    pub code: String,
    /// 名称.
    pub name: String,
    /// 医療機関名.
    pub facility_name: String,
}

/// The entries of one page, by kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MedicalRecords {
    /// 薬剤, newest first.
    Medication {
        /// The entries.
        entries: Vec<MedicationLine>,
    },
    /// 特定健診 results, newest first.
    HealthCheckup {
        /// The entries.
        entries: Vec<CheckupResult>,
    },
    /// 診療行為, newest first.
    Diagnosis {
        /// The entries.
        entries: Vec<ProcedureLine>,
    },
    /// 手術, newest first.
    Operation {
        /// The entries.
        entries: Vec<ProcedureLine>,
    },
}

impl MedicalRecords {
    /// Which kind the page holds.
    pub fn kind(&self) -> MedicalRecordKind {
        match self {
            Self::Medication { .. } => MedicalRecordKind::Medication,
            Self::HealthCheckup { .. } => MedicalRecordKind::HealthCheckup,
            Self::Diagnosis { .. } => MedicalRecordKind::Diagnosis,
            Self::Operation { .. } => MedicalRecordKind::Operation,
        }
    }
}

/// Answer to `POST` [`MEDICAL_RECORDS_PATH`] and [`STAFF_MEDICAL_RECORDS_PATH`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MedicalRecordPage {
    /// This page's number.
    pub page: u32,
    /// The next page's number, when there are more entries.
    pub next_page: Option<u32>,
    /// The entries.
    pub records: MedicalRecords,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_judged_against_its_range_and_a_qualitative_one_is_not() {
        let ldl = ReferenceRange { lower: None, upper: Some(119.0) };
        assert_eq!(ldl.judge("119"), None);
        assert_eq!(ldl.judge("142"), Some(RangeFlag::High));
        let hdl = ReferenceRange { lower: Some(40.0), upper: None };
        assert_eq!(hdl.judge("38"), Some(RangeFlag::Low));
        assert_eq!(hdl.judge(" 40.0 "), None);
        assert_eq!(ldl.judge("(-)"), None);
    }

    #[test]
    fn each_kind_needs_its_own_consent_or_the_comprehensive_one() {
        assert_eq!(MedicalRecordKind::opened_by(&[ConsentKind::Medication]), vec![MedicalRecordKind::Medication]);
        assert_eq!(MedicalRecordKind::opened_by(&[ConsentKind::Comprehensive]), MedicalRecordKind::ALL.to_vec());
        assert!(MedicalRecordKind::opened_by(&[]).is_empty());
    }

    #[test]
    fn a_page_number_past_the_bound_is_refused_when_read() {
        let read = |page: u32| {
            serde_json::from_value::<StaffMedicalRecordRequest>(serde_json::json!({
                "checkin_id": "abc", "kind": "medication", "page": page,
            }))
        };
        assert_eq!(read(MAX_PAGE).unwrap().page.get(), MAX_PAGE);
        assert!(read(MAX_PAGE + 1).is_err());
        assert!(
            serde_json::from_value::<StaffMedicalRecordRequest>(
                serde_json::json!({"checkin_id": "../x", "kind": "medication"})
            )
            .is_err()
        );
    }
}
