//! Edge ⇄ origin: the signed internal API. Only the edge calls these paths; every call carries the request
//! signature of [`crate::signing`].

use serde::{Deserialize, Serialize};

use crate::facility::FacilityCode;
use crate::identifier::{DeviceLabel, DeviceLocation, Identifier, RequestId};
use crate::insured_number::{BranchNumber, InsuredNo, InsuredSymbol};
use crate::insurer_number::InsurerNumber;
use crate::qualification::Percent;

/// Qualification of the holder of a card certificate.
pub const BY_CERTIFICATE_PATH: &str = "/v1/qualification/by-certificate";
/// Validity and revocation status of a card certificate (the stand-in for J-LIS).
pub const CERTIFICATE_STATUS_PATH: &str = "/v1/certificate-status";
/// A kiosk check-in in one call: the card certificate's status and, only when it is `good`, the qualification of
/// its holder. Asked with a [`CardQualificationQuery`], answered with a [`StatusAndQualificationAnswer`].
pub const STATUS_AND_QUALIFICATION_PATH: &str = "/v1/qualification/by-certificate/with-status";

pub use crate::certificate::{CertificateRef, canonical_serial};
pub use crate::certificate_expiry::{CardScope, ExpiryNotice};

/// Prefix of the audit trail's actor for a staff session: the edge writes it before the staff id in a staff call's
/// device id, and the origin in the rows it writes for staff, so staff and kiosks never read alike.
pub const STAFF_ACTOR_PREFIX: &str = "staff:";

/// Body of `POST /v1/qualification/by-certificate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardQualificationQuery {
    /// The card holder's certificate, as verified by the edge.
    pub certificate: CertificateRef,
    /// 医療機関コード of the asking facility, when the device is enrolled to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<FacilityCode>,
    /// The asking device's identifier, for the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Identifier>,
    /// The asking kiosk's name ([`crate::api::DeviceLabel`]), kept on the check-in so staff know where it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_label: Option<DeviceLabel>,
    /// Echoed `ArbitraryIdentifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitrary_identifier: Option<Identifier>,
    /// What the edge's card session may do: a certificate in its grace period confirms the qualification only.
    #[serde(default)]
    pub scope: CardScope,
    /// What the edge found about the certificate's expiry, kept on the check-in so staff see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::certificate_expiry::ExpiryNoticeShape>))]
    pub expiry_notice: Option<ExpiryNotice>,
    /// The patient's language and aids at the kiosk, kept on the check-in row for staff.
    #[serde(default, skip_serializing_if = "crate::patient_mode::PatientMode::is_unknown")]
    pub patient_mode: crate::patient_mode::PatientMode,
    /// True when the patient answered yes to 「医療費助成の受給者証を利用しますか」: the answer then carries the
    /// municipality's 公費受給者証 too. 医療扶助 is in every answer either way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_recipient_certificates: bool,
}

/// Body of `POST /v1/certificate-status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CertificateStatusQuery {
    /// The certificate to look up.
    pub certificate: CertificateRef,
}

/// Revocation status of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum CertificateStatus {
    /// Not revoked.
    Good,
    /// Revoked (card returned, lost, or holder deceased).
    Revoked,
    /// The status service does not know this certificate.
    Unknown,
}

crate::wire_enum::wire_text!(CertificateStatus);

/// Answer to `POST /v1/certificate-status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateStatusAnswer {
    /// The status.
    pub status: CertificateStatus,
}

/// Answer to `POST /v1/qualification/by-certificate/with-status`: the status the certificate-status route would have
/// answered and, only when it is `good`, the qualification the by-certificate route would have answered to a kiosk
/// (its audit row and check-in committed before this answer). A `revoked` or `unknown` certificate gets its status
/// and no qualification, and leaves no audit row or check-in behind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusAndQualificationAnswer {
    /// The certificate's status, decided before anything else.
    pub status: CertificateStatus,
    /// The card holder's qualification; present exactly when `status` is `good`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<crate::qualification::QualificationAnswer>,
}

/// 健康保険証利用登録: link the card holder's certificate to the insured record registered under their 個人番号.
pub const REGISTRATION_PATH: &str = "/v1/registration";
/// Qualification by 保険者番号 + 記号 + 番号 + 枝番 + 生年月日 (a 資格確認書 or an old 保険証).
pub const BY_NUMBER_PATH: &str = "/v1/qualification/by-number";
/// Record the consents the patient chose at the reader.
pub const CONSENT_PATH: &str = "/v1/consent";
/// Which consents of the card holder are live for a facility.
pub const CONSENT_QUERY_PATH: &str = "/v1/consent/query";
/// 薬剤情報, only under a live medication (or comprehensive) consent.
pub const MEDICATION_PATH: &str = "/v1/medical-info/medication";
/// 特定健診情報, only under a live health-checkup (or comprehensive) consent.
pub const CHECKUP_PATH: &str = "/v1/medical-info/checkup";

/// How long a consent given at a reader lasts, in seconds: 24 hours.
pub const CONSENT_WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// Body of `POST /v1/registration`. The card holder, proven by the edge session, asks to link their card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// The card holder's certificate, as verified by the edge.
    pub certificate: CertificateRef,
    /// 医療機関コード of the facility where the kiosk stands, when enrolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<FacilityCode>,
    /// The asking device, for the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Identifier>,
    /// What the edge's card session may do; `qualification_only` is refused here, whatever the edge did.
    #[serde(default)]
    pub scope: CardScope,
}

/// The result of a registration attempt. A held record is refused with `ErrorCode::RecordHeld` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum RegistrationOutcome {
    /// The certificate is now linked.
    Registered,
    /// The certificate was already linked to the same record; nothing changed.
    AlreadyRegistered,
    /// No insurer has registered a record for this card holder yet: the patient takes the claim-form path.
    NoInsuredRecord,
    /// The certificate is revoked, expired or unknown to the certificate authority, so it cannot be linked.
    CertificateNotUsable,
}

crate::wire_enum::wire_text!(RegistrationOutcome);

/// Answer to `POST /v1/registration`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationAnswer {
    /// What happened.
    pub outcome: RegistrationOutcome,
}

/// Body of `POST /v1/qualification/by-number`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NumberQualificationQuery {
    /// 保険者番号, 6 or 8 digits (a space-padded 6-digit number is accepted).
    pub insurer_number: InsurerNumber,
    /// 記号, when the card has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<InsuredSymbol>,
    /// 番号.
    pub number: InsuredNo,
    /// 枝番, when the card has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<BranchNumber>,
    /// 生年月日.
    pub birth_date: crate::IsoDate,
    /// 医療機関コード of the asking facility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<FacilityCode>,
    /// The asking device, for the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Identifier>,
    /// Echoed `ArbitraryIdentifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitrary_identifier: Option<Identifier>,
}

/// One kind of information a patient can consent to show (§1.7 of the domain notes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum ConsentKind {
    /// 診療情報.
    Diagnosis,
    /// 薬剤情報.
    Medication,
    /// 手術情報.
    Operation,
    /// 特定健診情報.
    HealthCheckup,
    /// 包括同意: one consent covering every kind above.
    Comprehensive,
    /// 特定疾病療養受療証情報: the certificate's 疾病区分, which names a disease (要配慮個人情報). Asked on its own, as
    /// the national reader still asks it after the 2024-10 change, and never covered by 包括同意: a patient who
    /// agreed to show their records has not thereby agreed to name their disease.
    SpecificDisease,
}

crate::wire_enum::wire_text!(ConsentKind);

/// How the patient wants this visit's prescription (処方箋の受け取り方法): the kiosk asks at check-in, the staff
/// console shows it, and the facility issues an 電子処方箋 only when the patient chose it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum PrescriptionFormat {
    /// 電子処方箋.
    Electronic,
    /// 紙の処方箋.
    Paper,
}

crate::wire_enum::wire_text!(PrescriptionFormat);

impl PrescriptionFormat {
    /// The national code of the choice (`PrescriptionIssueSelect`: 1 電子, 2 紙).
    pub fn national_code(self) -> &'static str {
        match self {
            Self::Electronic => "1",
            Self::Paper => "2",
        }
    }

    /// The choice a national code names; `None` for any other text (the field is absent when nothing was chosen).
    pub fn from_national_code(code: &str) -> Option<Self> {
        [Self::Electronic, Self::Paper].into_iter().find(|format| format.national_code() == code.trim())
    }
}

impl ConsentKind {
    /// True when a consent of kind `self` lets the facility see information of kind `wanted`. 包括同意 covers
    /// every kind but the 特定疾病 one, which only its own consent opens.
    pub fn covers(self, wanted: ConsentKind) -> bool {
        self == wanted || (self == ConsentKind::Comprehensive && wanted != ConsentKind::SpecificDisease)
    }

    /// What to record of a patient's choice: each kind once, sorted, without the kinds another chosen kind already
    /// covers (包括同意 is kept alone with the 特定疾病 consent beside it).
    pub fn to_record(chosen: &[ConsentKind]) -> Vec<ConsentKind> {
        let mut kept: Vec<ConsentKind> = chosen
            .iter()
            .copied()
            .filter(|kind| !chosen.iter().any(|other| other != kind && other.covers(*kind)))
            .collect();
        kept.sort();
        kept.dedup();
        kept
    }
}

/// Body of `POST /v1/consent`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// The card holder's certificate, as verified by the edge.
    pub certificate: CertificateRef,
    /// 医療機関コード of the facility that may view (required: a consent is given to one facility).
    pub facility_code: FacilityCode,
    /// The reader the consent was given at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Identifier>,
    /// What the patient agreed to show. May be empty (the patient declined everything).
    pub kinds: Vec<ConsentKind>,
    /// The prescription format the patient chose at the same screen, when the facility asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescription: Option<PrescriptionFormat>,
    /// What the edge's card session may do; `qualification_only` is refused here, whatever the edge did.
    #[serde(default)]
    pub scope: CardScope,
}

/// Body of `POST /v1/consent/query`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentQuery {
    /// The card holder's certificate.
    pub certificate: CertificateRef,
    /// 医療機関コード of the facility asking.
    pub facility_code: FacilityCode,
}

/// One live consent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentGrant {
    /// What it covers.
    pub kind: ConsentKind,
    /// When it was given (Unix seconds).
    pub granted_at: i64,
    /// When it lapses (Unix seconds): [`CONSENT_WINDOW_SECONDS`] after it was given.
    pub expires_at: i64,
}

/// Answer to `POST /v1/consent` and `POST /v1/consent/query`: the consents live now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentAnswer {
    /// Live consents, one per kind, the latest grant of each.
    pub live: Vec<ConsentGrant>,
}

/// Body of `POST /v1/medical-info/medication` and `POST /v1/medical-info/checkup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MedicalInfoQuery {
    /// The card holder's certificate.
    pub certificate: CertificateRef,
    /// 医療機関コード of the facility asking; the consent must have been given to it.
    pub facility_code: FacilityCode,
    /// The asking device, for the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Identifier>,
    /// What the edge's card session may do; `qualification_only` is refused here, whatever the edge did.
    #[serde(default)]
    pub scope: CardScope,
}

/// One dispensed medicine (薬剤情報).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MedicationEntry {
    /// 調剤日.
    pub dispensed_on: crate::IsoDate,
    /// 薬品名.
    pub drug_name: String,
    /// 用量, as printed.
    pub quantity: String,
    /// 日数.
    pub days: u32,
    /// Where it was dispensed.
    pub facility_name: String,
}

/// Answer to `POST /v1/medical-info/medication`, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MedicationAnswer {
    /// The entries.
    pub entries: Vec<MedicationEntry>,
}

/// One 特定健診 result item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckupEntry {
    /// 受診日.
    pub checked_on: crate::IsoDate,
    /// 検査項目.
    pub item: String,
    /// 結果値.
    pub value: String,
    /// 単位.
    pub unit: String,
}

/// Answer to `POST /v1/medical-info/checkup`, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckupAnswer {
    /// The entries.
    pub entries: Vec<CheckupEntry>,
}

// ---- Staff console: today's check-ins and staff visual checks (目視) --------------------------------------------
//
// A check-in is recorded whenever a qualification by certificate is answered for a facility. Staff list their
// facility's check-ins of the day (every listing is audited). A kiosk whose patient does not use the PIN asks for a
// visual check: the origin keeps the pending request (it points at a card, so it is personal-ish and never rests at
// the edge), staff approve or refuse it after looking at the patient and the card face, and the kiosk collects the
// outcome, once: an approved request is answered with the qualification, recorded as a `visual_check` check-in.

/// Today's check-ins and the pending visual checks of one facility.
pub const CHECKINS_PATH: &str = "/v1/staff/checkins";
/// A kiosk asks for a staff visual check of a card certificate the edge has verified.
pub const VISUAL_CHECK_CREATE_PATH: &str = "/v1/visual-checks";
/// A member of staff approves or refuses a pending visual check.
pub const VISUAL_CHECK_DECIDE_PATH: &str = "/v1/visual-checks/decide";
/// Staff (through the edge): the name and birth date behind one pending visual check of their facility, each
/// disclosure audited with the person.
pub const VISUAL_CHECK_OPEN_PATH: &str = "/v1/visual-checks/open";
/// The kiosk collects its visual check; an approved one is answered with the qualification, once.
pub const VISUAL_CHECK_COLLECT_PATH: &str = "/v1/visual-checks/collect";
/// The kiosk withdraws its visual check, which its patient left; staff can no longer decide it.
pub const VISUAL_CHECK_WITHDRAW_PATH: &str = "/v1/visual-checks/withdraw";
/// How long a visual check waits for staff, in seconds.
pub const VISUAL_CHECK_LIFETIME_SECONDS: i64 = 10 * 60;

/// How the card holder was identified: at onshi's kiosk, or on the national reader beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum AuthMethod {
    /// 暗証番号: the card signed a challenge after the PIN was verified.
    Pin,
    /// 目視: staff compared the patient with the card face; no PIN was used.
    VisualCheck,
    /// The facility's national reader (顔認証付きカードリーダー) checked the card, by face or PIN, and the bridge
    /// passed its `face` result on ([`crate::reader_result`]).
    NationalReader,
}

crate::wire_enum::wire_text!(AuthMethod);

/// Body of `POST /v1/staff/checkins`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckInListQuery {
    /// 医療機関コード of the staff member's facility.
    pub facility_code: FacilityCode,
    /// The staff session's id, for the audit trail.
    pub staff_id: Identifier,
    /// Where the page starts: the [`CheckInList::next`] of the page before. None asks for the newest page; an
    /// older caller that never sends one still gets a bounded answer, the newest page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<crate::checkin_page::CheckInCursor>,
}

/// One check-in of the day, as the staff console shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckIn {
    /// Identifier of the check-in.
    pub id: String,
    /// Unix seconds.
    pub checked_in_at: i64,
    /// The kiosk it happened at.
    pub device_id: Option<String>,
    /// That kiosk's name ([`crate::api::DeviceLabel`]) at the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_label: Option<String>,
    /// PIN or staff visual check.
    pub method: AuthMethod,
    /// For a visual check (目視), why the kiosk asked, carried over from the request staff approved: staff still
    /// see on the row, after the request has left their queue, that the card had no PIN or a locked one. None for a
    /// PIN check-in, a national reader's check, and a 目視 recorded before the reason was kept on the check-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visual_check_reason: Option<VisualCheckReason>,
    /// The answer's validity.
    pub validity: crate::qualification::Validity,
    /// The answer's reason.
    pub reason: crate::qualification::Reason,
    /// The answer's guidance, when it is not a clean 有効.
    pub guidance: Option<crate::qualification::Guidance>,
    /// 氏名 of the first record, when there is one.
    pub name: Option<String>,
    /// カナ氏名 of the first record.
    pub name_kana: Option<String>,
    /// 保険者番号 of the first record.
    pub insurer_number: Option<String>,
    /// 保険者名称 of the first record.
    pub insurer_name: Option<String>,
    /// 負担割合 in percent: the 高齢受給者 ratio when there is one, else the 一部負担金割合. Only for a 有効 answer:
    /// the ratio of a qualification that has ended (or not begun, or is one of several) is not what the patient
    /// pays today.
    pub contribution_percent: Option<Percent>,
    /// The 高齢受給者証 behind [`CheckIn::contribution_percent`], when one was in force on the answer's day (a 有効
    /// answer only): staff see how long it runs and what the insurance's own share is beside it, which the patient
    /// pays again once it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_recipient: Option<ElderlyShare>,
    /// 資格喪失日 of the first record, when it has one: for a 無効 answer, the day the qualification ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disqualification_date: Option<crate::IsoDate>,
    /// 限度額適用区分 of the first record (`LimitApplicationCertificateClassificationFlag`, A01–A06, B01–B10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_category: Option<String>,
    /// 特定疾病療養受療証 on the first record; empty when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specific_diseases: Vec<crate::qualification::SpecificDiseaseCertificate>,
    /// The prescription format the patient chose at the kiosk, when they chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescription: Option<PrescriptionFormat>,
    /// The card certificate's expiry, when it expires within three months or is in its grace period (a card
    /// check-in only), as of the check-in's day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::certificate_expiry::ExpiryNoticeShape>))]
    pub expiry_notice: Option<ExpiryNotice>,
    /// The patient's language and aids at the kiosk (a PIN check-in only), so staff can help the same way.
    #[serde(default, skip_serializing_if = "crate::patient_mode::PatientMode::is_unknown")]
    pub patient_mode: crate::patient_mode::PatientMode,
    /// The patient's consents to this facility live when the list was read, which open their medical information
    /// to staff ([`crate::medical_record`]); empty when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<ConsentKind>,
    /// When the patient withdrew their consents to this facility since this check-in (at a kiosk, or through staff
    /// at the counter), the latest such time (Unix seconds); none when they have not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_withdrawn_at: Option<i64>,
    /// The 公費 the answer carried (医療扶助 with the day's 医療券/調剤券 always; a 受給者証 only when the patient
    /// agreed to use it), so staff see them beside 負担割合, 限度額 and 特定疾病; empty when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_expense: Vec<crate::public_expense::PublicExpense>,
    /// 生年月日 of the person: for a kiosk's check-in, the person the certificate led to (none when it led to
    /// nobody); for a national reader's check, as its result said. Staff's console matches every row to the
    /// clinic's own patients by it ([`crate::patient_match`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<crate::IsoDate>,
    /// 性別 of the person, from the same source as [`CheckIn::birth_date`] (the same match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<crate::qualification::Sex>,
    /// 照会番号 the national reader's result carried: the clinic's patient id registered for the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_number: Option<crate::identifier::ReferenceNumber>,
    /// The face file a national reader's check was read from: what staff name when they ask the facility's bridge
    /// to register the clinic's patient id for that person ([`crate::bridge_link::ReferenceRegistrationAsk`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_file: Option<crate::identifier::FaceFileName>,
}

/// A 高齢受給者証 in force on a check-in's day, with the 一部負担金割合 it lowers: what a staff row shows beside the
/// share the patient pays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ElderlyShare {
    /// The certificate: its ratio (the share in force) and its period.
    pub certificate: crate::qualification::ElderlyRecipient,
    /// `InsuredPartialContributionRatio`, the insurance's own share in percent.
    pub insured_percent: Percent,
}

impl ElderlyShare {
    /// The certificate of `record` with the record's own share, when the certificate is in force on `day`; none
    /// otherwise, because a certificate that has ended (or not begun) lowers nothing that day.
    pub fn in_force(record: &crate::qualification::QualificationRecord, day: crate::IsoDate) -> Option<Self> {
        let certificate = record.elderly_recipient.as_ref().filter(|elderly| elderly.in_force_on(day))?;
        Some(Self { certificate: certificate.clone(), insured_percent: record.partial_contribution_percent })
    }
}

/// A visual check waiting for staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingVisualCheck {
    /// The request's id.
    pub request_id: String,
    /// Unix seconds.
    pub requested_at: i64,
    /// Unix seconds after which it lapses.
    pub expires_at: i64,
    /// The kiosk that asked.
    pub device_id: Option<String>,
    /// That kiosk's name ([`crate::api::DeviceLabel`]), so staff know where the patient waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_label: Option<String>,
    /// Where that kiosk stands ([`crate::api::DeviceLocation`]), when the admin said so at its enrolment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_location: Option<String>,
    /// Why the kiosk asked. The name and birth date behind the request are not listed: staff open one request at a
    /// time ([`VisualCheckPerson`]), and each opening is audited with the person.
    #[serde(default)]
    pub reason: VisualCheckReason,
    /// The kiosk proved the card present with the 目視 assist: staff opened its card face at the kiosk with
    /// 照合番号B and the card signed the edge's challenge. The edge checked the proof and passes only this fact.
    #[serde(default)]
    pub card_proven: bool,
}

/// Answer to `POST /v1/staff/checkins` (and, unchanged, to the edge's staff listing): one page of the day's
/// check-ins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInList {
    /// The day listed (Asia/Tokyo).
    pub date: crate::IsoDate,
    /// One page of the day's check-ins, newest first (then by id): at most
    /// [`crate::checkin_page::CHECKIN_PAGE_ROWS`], the kiosks' and the national reader's in one order.
    pub checkins: Vec<CheckIn>,
    /// Where the next (older) page starts, to send back as [`CheckInListQuery::before`]; none on the day's last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<crate::checkin_page::CheckInCursor>,
    /// How many check-ins the day holds in all, the national reader's among them, when the page was read.
    #[serde(default)]
    pub total: u64,
    /// Visual checks waiting for staff, oldest first: at most [`crate::checkin_page::PENDING_VISUAL_CHECK_ROWS`].
    pub pending: Vec<PendingVisualCheck>,
}

/// Body of `POST /v1/visual-checks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisualCheckCreate {
    /// The card certificate, verified by the edge (chain, dates, revocation).
    pub certificate: CertificateRef,
    /// 医療機関コード of the kiosk's facility.
    pub facility_code: FacilityCode,
    /// The kiosk.
    pub device_id: Identifier,
    /// The kiosk's name, shown to staff beside the request and on the check-in it leads to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_label: Option<DeviceLabel>,
    /// Where the kiosk stands, shown to staff beside its name on the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_location: Option<DeviceLocation>,
    /// What the session staff approve may do: a certificate in its grace period confirms the qualification only.
    #[serde(default)]
    pub scope: CardScope,
    /// What the edge found about the certificate's expiry, kept for the check-in the approval leads to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::certificate_expiry::ExpiryNoticeShape>))]
    pub expiry_notice: Option<ExpiryNotice>,
    /// Why the kiosk asked, as it told the edge.
    #[serde(default)]
    pub reason: VisualCheckReason,
    /// With the 目視 assist: the birth date and sex of the card face whose proof the edge checked, and nothing else
    /// of the proof. The origin refuses the request when they are not the linked person's (`card_face_mismatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_face: Option<crate::card_face::CardFaceHolder>,
}

/// Where a visual check stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum VisualCheckState {
    /// Waiting for staff.
    Pending,
    /// Staff confirmed the patient; the kiosk may collect the qualification.
    Approved,
    /// Staff refused.
    Refused,
    /// Nobody decided within [`VISUAL_CHECK_LIFETIME_SECONDS`].
    Expired,
    /// The kiosk has collected the approved answer; it is never given twice.
    Collected,
    /// The kiosk withdrew it before collecting an answer: the patient started over, the kiosk reset itself or lost
    /// its reader. Staff no longer see it, and a decision on it is refused with `visual_check_withdrawn`.
    Withdrawn,
}

crate::wire_enum::wire_text!(VisualCheckState);

/// Why a kiosk asks staff for a visual check, shown to staff beside the request so they know what they are
/// looking at. It is the kiosk's account of what the card answered and changes nothing about what staff must
/// check; a kiosk that says nothing asks as [`VisualCheckReason::PatientChose`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum VisualCheckReason {
    /// The patient chose 目視 at the PIN pad (a forgotten PIN, or no wish to type it).
    #[default]
    PatientChose,
    /// The card's PIN is locked.
    PinLocked,
    /// The card has no PIN at all: a 顔認証マイナンバーカード, usable only with face authentication or 目視.
    PinNotSet,
}

crate::wire_enum::wire_text!(VisualCheckReason);

/// Answer to `POST /v1/visual-checks` and `POST /v1/visual-checks/decide`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisualCheckTicket {
    /// The request's id, which the kiosk polls.
    pub request_id: String,
    /// Where it stands.
    pub state: VisualCheckState,
    /// Unix seconds after which a pending request lapses.
    pub expires_at: i64,
}

/// Body of `POST /v1/visual-checks/decide`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisualCheckDecision {
    /// The request decided on.
    pub request_id: RequestId,
    /// 医療機関コード of the staff member; it must be the request's facility.
    pub facility_code: FacilityCode,
    /// The staff session's id, for the audit trail.
    pub staff_id: Identifier,
    /// True to approve, false to refuse.
    pub approve: bool,
}

/// Body of `POST /v1/visual-checks/open`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisualCheckOpen {
    /// The pending request opened.
    pub request_id: RequestId,
    /// 医療機関コード of the staff member; it must be the request's facility.
    pub facility_code: FacilityCode,
    /// The staff session's id, for the audit trail.
    pub staff_id: Identifier,
}

/// Answer to `POST /v1/visual-checks/open`: what staff compare with the patient and the card face.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisualCheckPerson {
    /// The request opened.
    pub request_id: String,
    /// 氏名 of the person the card is linked to; none for a card not linked to any insurance.
    pub name: Option<String>,
    /// 生年月日 of that person.
    pub birth_date: Option<crate::IsoDate>,
}

/// Body of `POST /v1/visual-checks/collect` and, as [`VisualCheckWithdraw`], of `POST /v1/visual-checks/withdraw`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisualCheckCollect {
    /// The request to collect (or withdraw).
    pub request_id: RequestId,
    /// 医療機関コード of the kiosk; it must be the request's facility.
    pub facility_code: FacilityCode,
    /// The kiosk; it must be the one that asked.
    pub device_id: Identifier,
}

/// Body of `POST /v1/visual-checks/withdraw`: the same request, facility and asking kiosk as a collect; answered
/// with [`VisualCheckTicket`].
pub type VisualCheckWithdraw = VisualCheckCollect;

/// Answer to `POST /v1/visual-checks/collect`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisualCheckCollected {
    /// Where the request stands after this call (`collected` when this call took the answer).
    pub state: VisualCheckState,
    /// The certificate the approved check was for, so that the edge can bind a session to it.
    pub certificate: Option<CertificateRef>,
    /// The qualification, given once, when this call collected an approved check.
    pub qualification: Option<crate::qualification::QualificationAnswer>,
    /// The scope the kiosk's request was made with, for the session the edge binds to the certificate.
    #[serde(default)]
    pub scope: CardScope,
    /// The certificate's expiry notice as of this call, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::certificate_expiry::ExpiryNoticeShape>))]
    pub expiry_notice: Option<ExpiryNotice>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comprehensive_consent_covers_every_kind_and_others_only_themselves() {
        assert!(ConsentKind::Comprehensive.covers(ConsentKind::Medication));
        assert!(ConsentKind::Medication.covers(ConsentKind::Medication));
        assert!(!ConsentKind::Medication.covers(ConsentKind::HealthCheckup));
        assert_eq!(serde_json::to_string(&ConsentKind::HealthCheckup).unwrap_or_default(), "\"health_checkup\"");
    }

    #[test]
    fn only_its_own_consent_opens_the_specific_disease_category() {
        assert!(!ConsentKind::Comprehensive.covers(ConsentKind::SpecificDisease));
        assert!(ConsentKind::SpecificDisease.covers(ConsentKind::SpecificDisease));
        assert!(!ConsentKind::SpecificDisease.covers(ConsentKind::Medication));
        // The stored spelling is the one the schema's CHECK has always listed.
        assert_eq!(ConsentKind::SpecificDisease.as_str(), "specific_disease");
        assert_eq!(
            ConsentKind::to_record(&[
                ConsentKind::SpecificDisease,
                ConsentKind::Medication,
                ConsentKind::Comprehensive
            ]),
            vec![ConsentKind::Comprehensive, ConsentKind::SpecificDisease]
        );
        assert_eq!(
            ConsentKind::to_record(&[ConsentKind::Operation, ConsentKind::Diagnosis, ConsentKind::Operation]),
            vec![ConsentKind::Diagnosis, ConsentKind::Operation]
        );
    }
}
