//! The rows the store reads and writes, and the stored text of each enumeration.
//!
//! Layer: storage adapter (data only). Must not run SQL or import the other files of `store/`.

use std::str::FromStr;

use onshi_proto::IsoDate;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::origin::{CertificateRef, CertificateStatus};
use onshi_proto::qualification::{
    ElderlyRecipient, Percent, PersonalFamily, QualificationRecord, Sex, SpecificDiseaseCertificate,
};
use serde::Serialize;
use sqlx::FromRow;

use crate::batch::decide::PersonItems;
use crate::error::{OriginError, Result};
use crate::store::sql::AnyQuery;

/// A person to insert (see the `persons` table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPerson {
    /// Stable identifier chosen by the caller.
    pub id: String,
    /// 漢字氏名 as registered.
    pub name: String,
    /// カナ氏名 as registered (half-width).
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所, when registered.
    pub address: Option<String>,
}

/// An insurer to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInsurer {
    /// 保険者番号, already checked.
    pub number: InsurerNumber,
    /// 保険者名称.
    pub name: String,
}

/// A qualification (資格) to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQualification {
    /// Stable identifier chosen by the caller.
    pub id: String,
    /// Whose cover this is.
    pub person_id: String,
    /// The 被保険者 (本人) the cover hangs on: `person_id` itself for 本人.
    pub insured_person_id: String,
    /// 保険者番号, already checked.
    pub insurer_number: InsurerNumber,
    /// 証区分 code (01 一般 …).
    pub card_classification: String,
    /// 記号.
    pub symbol: Option<String>,
    /// 番号.
    pub number: String,
    /// 枝番.
    pub branch: Option<String>,
    /// 本人・家族の別.
    pub personal_family: PersonalFamily,
    /// 資格取得日.
    pub qualification_date: IsoDate,
    /// 資格喪失日: the first day without cover.
    pub disqualification_date: Option<IsoDate>,
    /// 喪失事由 code (01 死亡, 02 生活保護受給開始, 03 医療保険等の資格取得, 99 その他).
    pub loss_reason: Option<String>,
    /// 一部負担金割合 in percent.
    pub partial_contribution_percent: Percent,
    /// 高齢受給者証, for ages 70–74.
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// 限度額適用認定証区分 (A01–A06, B01–B10).
    pub limit_category: Option<String>,
    /// 特定疾病療養受療証, at most one per qualification (see `migrations/0004_…`).
    pub specific_disease: Option<SpecificDiseaseCertificate>,
}

/// A 保険証利用登録 link between a certificate and a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCertificateLink {
    /// The linked certificate.
    pub certificate: CertificateRef,
    /// The person it identifies.
    pub person_id: String,
}

/// Records to insert together, all or nothing. Rows whose key already exists are left as they are, so applying
/// the same batch twice changes nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordBatch {
    /// Insurers.
    pub insurers: Vec<NewInsurer>,
    /// Persons.
    pub persons: Vec<NewPerson>,
    /// Qualifications (after the insurers and persons they refer to).
    pub qualifications: Vec<NewQualification>,
    /// Certificate links.
    pub links: Vec<NewCertificateLink>,
    /// Initial certificate statuses. An existing status is never overwritten by a batch, so re-seeding cannot
    /// un-revoke a certificate.
    pub certificate_statuses: Vec<(CertificateRef, CertificateStatus)>,
    /// J-LIS stand-in entries (certificate → 個人番号 and status); existing entries are kept.
    pub jlis_certificates: Vec<NewJlisCertificate>,
    /// 住基 stand-in entries; existing entries are kept.
    pub residents: Vec<NewResident>,
    /// 個人番号 of persons in this batch (or already stored), as (person id, number); set only where a person
    /// has none yet.
    pub individual_numbers: Vec<(String, String)>,
    /// 薬剤情報 rows.
    pub medications: Vec<NewMedication>,
    /// 特定健診 rows.
    pub checkups: Vec<NewCheckup>,
    /// 診療行為 and 手術 rows.
    pub procedures: Vec<NewProcedure>,
}
/// One 住基 stand-in entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewResident {
    /// 個人番号 (already checked).
    pub individual_number: String,
    /// What the resident registry holds.
    pub items: PersonItems,
}

/// Status of a certificate in the J-LIS stand-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JlisStatus {
    /// Usable.
    Good,
    /// Revoked.
    Revoked,
    /// Past its validity period.
    Expired,
}

impl JlisStatus {
    pub(crate) fn as_text(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }

    pub(crate) fn from_text(text: &str) -> Result<Self> {
        match text {
            "good" => Ok(Self::Good),
            "revoked" => Ok(Self::Revoked),
            "expired" => Ok(Self::Expired),
            other => Err(OriginError::CorruptRecord(format!("certificate status {other:?}"))),
        }
    }

    /// The status as the edge sees it.
    pub fn wire_status(self) -> CertificateStatus {
        match self {
            Self::Good => CertificateStatus::Good,
            Self::Revoked | Self::Expired => CertificateStatus::Revoked,
        }
    }

    /// The status as the edge sees it of a certificate whose stored status is `stored`: a certificate J-LIS has no
    /// entry for is `Unknown`, a status no row holds.
    pub fn wire_status_of(stored: Option<Self>) -> CertificateStatus {
        stored.map_or(CertificateStatus::Unknown, Self::wire_status)
    }
}

/// A J-LIS stand-in entry to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJlisCertificate {
    /// The certificate.
    pub certificate: CertificateRef,
    /// The 個人番号 it was issued for, when known.
    pub individual_number: Option<String>,
    /// Its status.
    pub status: JlisStatus,
}

/// A J-LIS stand-in entry as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct JlisEntry {
    /// The 個人番号 the certificate was issued for, when known.
    pub individual_number: Option<String>,
    /// Its status.
    pub status: JlisStatus,
}

impl std::fmt::Debug for JlisEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The 個人番号 is never printed.
        f.debug_struct("JlisEntry")
            .field("individual_number", &self.individual_number.as_ref().map(|_| "<redacted>"))
            .field("status", &self.status)
            .finish()
    }
}

/// A 薬剤情報 row to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMedication {
    /// Stable identifier.
    pub id: String,
    /// Whose.
    pub person_id: String,
    /// The entry.
    pub entry: onshi_proto::origin::MedicationEntry,
    /// YJコード.
    pub yj_code: String,
    /// 医療機関コード of the prescriber (`entry.facility_name` is its name).
    pub prescriber_code: String,
    /// Where the entry comes from.
    pub source: onshi_proto::medical_record::MedicationSource,
}

/// A 特定健診 row to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCheckup {
    /// Stable identifier.
    pub id: String,
    /// Whose.
    pub person_id: String,
    /// The entry.
    pub entry: onshi_proto::origin::CheckupEntry,
    /// 項目コード (JLAC10), by which the item's range is found.
    pub code: String,
}

/// A 診療行為 or 手術 row to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProcedure {
    /// Stable identifier.
    pub id: String,
    /// Whose.
    pub person_id: String,
    /// 診療 or 手術.
    pub kind: onshi_proto::medical_record::MedicalRecordKind,
    /// The entry.
    pub entry: onshi_proto::medical_record::ProcedureLine,
}

/// Whether a person record may be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldStatus {
    /// Never held, or corrected by the insurer.
    None,
    /// Held after a failed mis-registration check: answers `record_held`, never shows data.
    Held,
    /// The insurer recorded 理由付き疑いなし.
    Cleared,
}

impl HoldStatus {
    pub(crate) fn as_text(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Held => "held",
            Self::Cleared => "cleared",
        }
    }

    pub(crate) fn from_text(text: &str) -> Result<Self> {
        match text {
            "none" => Ok(Self::None),
            "held" => Ok(Self::Held),
            "cleared" => Ok(Self::Cleared),
            other => Err(OriginError::CorruptRecord(format!("hold status {other:?}"))),
        }
    }
}

/// The person a certificate (or a card number) leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardHolderRecord {
    /// The person record.
    pub person_id: String,
    /// True when the record is held; `records` is then always empty.
    pub held: bool,
    /// True when a 公費 (医療扶助 or a 受給者証) is registered for the person, so the answer must read them
    /// ([`crate::store::Store::public_expenses_of`]); false for most people, who are spared that read.
    pub has_public_expense: bool,
    /// All of the person's qualifications (empty when held).
    pub records: Vec<QualificationRecord>,
}

/// 保険者番号 + 記号 + 番号 + 枝番 as stored (記号 and 枝番 are '' when absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberKey {
    /// 保険者番号 (6 or 8 digits).
    pub insurer_number: String,
    /// 記号, '' when none.
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番, '' when none.
    pub branch: String,
}

/// How many rows a batch actually added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// New rows across all tables.
    pub rows_inserted: u64,
}

/// One row of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct AuditEvent {
    /// Random identifier.
    pub id: String,
    /// When (Unix seconds).
    pub occurred_at: i64,
    /// Which device asked, as the edge reported it.
    pub actor_device_id: Option<String>,
    /// Which facility (医療機関コード) asked.
    pub actor_facility_code: Option<String>,
    /// About whom; `None` when the question matched nobody.
    pub subject_person_id: Option<String>,
    /// Why: a fixed purpose code such as `qualification_by_certificate`.
    pub purpose: String,
    /// What the answer was: a fixed outcome code such as `valid` or `no_qualification`.
    pub outcome: String,
    /// The facility's `ArbitraryIdentifier`, echoed.
    pub arbitrary_identifier: Option<String>,
}

/// One facility check-in row to write (see the `checkins` table), with every enumeration already in its stored
/// text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInRow {
    /// Random identifier.
    pub id: String,
    /// The facility's 医療機関コード.
    pub facility_code: String,
    /// The Tokyo calendar day of the check-in, `YYYY-MM-DD`.
    pub checkin_date: String,
    /// Unix seconds.
    pub checked_in_at: i64,
    /// The kiosk that asked.
    pub device_id: Option<String>,
    /// The person the answer was about, when one was found.
    pub person_id: Option<String>,
    /// How the patient was identified (`pin` or `visual_check`).
    pub method: String,
    /// For a `visual_check`, why the kiosk asked for it, by its wire name
    /// ([`onshi_proto::origin::VisualCheckReason`]); `None` for any other method.
    pub visual_check_reason: Option<String>,
    /// The answer's validity, by its wire name.
    pub validity: String,
    /// The answer's reason, by its wire name.
    pub reason: String,
    /// The answer's guidance, by its wire name.
    pub guidance: Option<String>,
    /// Name on the first record.
    pub name: Option<String>,
    /// Kana name on the first record.
    pub name_kana: Option<String>,
    /// 保険者番号 of the first record.
    pub insurer_number: Option<String>,
    /// Insurer name of the first record.
    pub insurer_name: Option<String>,
    /// 負担割合 of the first record, for a 有効 answer only ([`crate::validity::shown_contribution_percent`]).
    pub contribution_percent: Option<i32>,
    /// The 高齢受給者証 behind that share with the insurance's own share, as the JSON object of
    /// [`onshi_proto::origin::ElderlyShare`] ([`crate::validity::shown_elderly_share`]); `None` when none was in force.
    pub elderly_recipient: Option<String>,
    /// The kiosk's name as the edge gave it.
    pub device_label: Option<String>,
    /// 資格喪失日 of the first record, `YYYY-MM-DD`.
    pub disqualification_date: Option<String>,
    /// 限度額適用区分 of the first record.
    pub limit_category: Option<String>,
    /// 特定疾病療養受療証 of the first record as a JSON array; `None` when there is none.
    pub specific_diseases: Option<String>,
    /// The card certificate's expiry notice kind (`expiring_soon`, `in_grace`), when the edge sent one.
    pub certificate_notice: Option<String>,
    /// That certificate's last valid day, `YYYY-MM-DD`, beside its notice.
    pub certificate_expiry_date: Option<String>,
    /// The language of the kiosk's screens, by its tag ([`onshi_proto::patient_mode::PatientLanguage`]).
    pub patient_language: Option<String>,
    /// The aids the patient turned on ([`onshi_proto::patient_mode::PatientMode::aids_text`]).
    pub patient_aids: Option<String>,
    /// The 公費 the answer carried, as the JSON array its row keeps; `None` when it carried none.
    pub public_expense: Option<String>,
    /// True when this answer revises the check-in of the same visit rather than starting one: the patient's yes to
    /// 「医療費助成の受給者証を利用しますか」 asks again in the same PIN session. The group commit then rewrites the
    /// answer on that device's latest check-in of this person within [`VISIT_REVISION_WINDOW_SECONDS`], so staff
    /// see one row per visit, and adds a row only when there is none to revise.
    pub revises_visit: bool,
}

/// How far back a revising answer looks for the check-in of its visit: a card session lasts five minutes (the
/// edge's `SESSION_LIFETIME_SECS`), and twice that leaves room for the time the patient takes to answer and for the
/// clocks of edge and origin to differ, while a visit earlier in the day is never taken for this one.
pub const VISIT_REVISION_WINDOW_SECONDS: i64 = 600;

/// The rows one request must have committed before it is answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRows {
    /// The audit row.
    pub audit: AuditEvent,
    /// The check-in row, when a facility asked.
    pub checkin: Option<CheckInRow>,
}

/// What a 健康保険証利用登録 attempt found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationResult {
    /// Linked now.
    Registered {
        /// The person linked to.
        person_id: String,
    },
    /// The certificate was already linked to this person.
    AlreadyRegistered {
        /// The person.
        person_id: String,
    },
    /// The only records under the card holder's 個人番号 are held.
    Held {
        /// One of the held records.
        person_id: String,
    },
    /// No insurer registered anyone under the card holder's 個人番号 (or J-LIS does not know the number).
    NoInsuredRecord,
    /// Several records that are not held carry the number: linking would have to guess.
    Ambiguous,
    /// The certificate is revoked, expired or unknown to J-LIS.
    CertificateNotUsable,
}

/// A percentage as its integer column stores it.
pub(crate) fn parse_percent(column: &str, value: i32) -> Result<Percent> {
    u8::try_from(value)
        .ok()
        .and_then(|value| Percent::try_from(value).ok())
        .ok_or_else(|| OriginError::CorruptRecord(format!("{column} is out of range")))
}

pub(crate) fn parse_date(column: &str, text: &str) -> Result<IsoDate> {
    IsoDate::parse(text).map_err(|_| OriginError::CorruptRecord(format!("{column} is not a YYYY-MM-DD date")))
}

/// Binds `items` to `query` in the order every table keeping them stores them: name, カナ, birth date (as
/// `YYYY-MM-DD`), sex, address. The reverse of [`stored_person_items`].
pub(crate) fn bind_person_items<'q>(query: AnyQuery<'q>, items: &'q PersonItems) -> AnyQuery<'q> {
    query
        .bind(items.name.as_str())
        .bind(items.name_kana.as_str())
        .bind(items.birth_date.to_string())
        .bind(items.sex.as_str())
        .bind(items.address.as_str())
}

/// The five items of a person as their columns store them (birth date and sex as text, an address that may be
/// absent), read back; a date or a sex code that does not parse is a corrupt record.
pub(crate) fn stored_person_items(
    name: String,
    name_kana: String,
    birth_date: &str,
    sex: &str,
    address: Option<String>,
) -> Result<PersonItems> {
    Ok(PersonItems {
        name: name.into(),
        name_kana: name_kana.into(),
        birth_date: parse_date("birth_date", birth_date)?,
        sex: parse_stored("sex", sex)?,
        address: address.unwrap_or_default().into(),
    })
}

/// The wire enumeration a stored text column names, by the enumeration's derived `FromStr` (the spelling serde
/// and `as_str()` use); a name no variant has is a corrupt record.
pub(crate) fn parse_stored<T: FromStr>(column: &str, text: &str) -> Result<T> {
    text.parse().map_err(|_| OriginError::CorruptRecord(format!("{column}: unknown stored code {text:?}")))
}

/// A column that keeps a wire value as JSON (a check-in's 公費, 特定疾病 or 高齢受給者証), read back through the wire
/// type, so that a row breaking the type's rules is reported as a corrupt record and never shown.
pub(crate) fn parse_json_column<T: serde::de::DeserializeOwned>(column: &str, text: Option<&str>) -> Result<Option<T>> {
    text.map(|text| {
        serde_json::from_str(text).map_err(|_| OriginError::CorruptRecord(format!("{column}: not a stored {column}")))
    })
    .transpose()
}

/// The JSON a column keeps for a wire value ([`parse_json_column`] reads it back).
pub(crate) fn json_column<T: Serialize + ?Sized>(column: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|_| OriginError::CorruptRecord(format!("{column} that does not serialise")))
}

/// The JSON a column keeps for a list, or no value for an empty one (a check-in without 公費 keeps NULL).
pub(crate) fn json_list_column<T: Serialize>(column: &str, items: &[T]) -> Result<Option<String>> {
    if items.is_empty() {
        return Ok(None);
    }
    json_column(column, items).map(Some)
}

/// What an applied batch did: the wire type of the insurer API.
pub use onshi_proto::batch_report::BatchReport;

/// One notification to an insurer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notification {
    /// Identifier.
    pub id: String,
    /// The batch that raised it.
    pub batch_id: Option<String>,
    /// The batch line it concerns.
    pub line: Option<i64>,
    /// The person record it concerns (the insurer's own record).
    pub person_id: Option<String>,
    /// What it says: a `NoticeKind` name, or `hold_cleared` / `hold_corrected` / `hold_still_mismatched`.
    pub kind: String,
    /// When (Unix seconds).
    pub created_at: i64,
}

impl Notification {
    /// Where this notification stands in the listing's order.
    pub fn key(&self) -> NotificationKey {
        NotificationKey {
            created_at: self.created_at,
            batch_id: self.batch_id.clone().unwrap_or_default(),
            line: self.line.unwrap_or(0),
            id: self.id.clone(),
        }
    }
}

/// A notification's place in the listing order (time, batch, line, id; a missing batch or line sorts first), and
/// the cursor an insurer pages with: `created_at.batch_id.line.id` as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationKey {
    /// When it was raised.
    pub created_at: i64,
    /// Its batch, or empty.
    pub batch_id: String,
    /// Its line, or 0.
    pub line: i64,
    /// Its id.
    pub id: String,
}

impl NotificationKey {
    /// Reads a cursor written by [`NotificationKey::to_cursor`]; `None` for anything else.
    pub fn from_cursor(cursor: &str) -> Option<Self> {
        let mut parts = cursor.splitn(4, '.');
        let created_at = parts.next()?.parse().ok()?;
        let batch_id = parts.next()?;
        let line = parts.next()?.parse().ok()?;
        let id = parts.next()?;
        // Ids are the store's own random hex; anything else was never a cursor of this listing.
        let hex = |text: &str| text.len() <= 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit());
        (hex(batch_id) && hex(id) && !id.is_empty()).then(|| Self {
            created_at,
            batch_id: batch_id.to_owned(),
            line,
            id: id.to_owned(),
        })
    }

    /// The cursor text.
    pub fn to_cursor(&self) -> String {
        format!("{}.{}.{}.{}", self.created_at, self.batch_id, self.line, self.id)
    }
}

/// How an insurer resolves a held record: the wire type the console sends, defined once in the contract.
pub use onshi_proto::insurer::HoldResolution;

/// The result of a hold resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoldOutcome {
    /// The record may be shown again.
    Released,
    /// The corrected number still does not match 住基 on 5 items: the record stays held.
    StillHeld,
    /// 理由付き疑いなし on a hold the 住基 comparison raised, recorded as a proposal: the record stays held until
    /// another clerk of the insurer confirms it.
    AwaitingSecondClerk,
    /// No such held record of this insurer.
    NotFound,
    /// The clerk who proposed the release tried to confirm it: refused, nothing changed (never sent as an outcome;
    /// the route answers `forbidden`).
    SameClerk,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::origin::AuthMethod;

    #[test]
    fn a_json_column_reads_back_through_its_wire_type_and_reports_what_breaks_it() {
        let expenses: Vec<onshi_proto::public_expense::PublicExpense> = Vec::new();
        assert_eq!(json_list_column("public expense", &expenses).unwrap(), None, "an empty list keeps NULL");
        let shares = vec![20_u8, 30];
        let text = json_list_column("shares", &shares).unwrap().unwrap();
        assert_eq!(parse_json_column::<Vec<u8>>("shares", Some(&text)).unwrap(), Some(shares));
        assert_eq!(parse_json_column::<Vec<u8>>("shares", None).unwrap(), None);
        // A value the type refuses (a share past 255) is a corrupt record naming the column, not a default.
        let error = parse_json_column::<Vec<u8>>("shares", Some("[20, 300]")).unwrap_err();
        assert!(matches!(&error, OriginError::CorruptRecord(what) if what.contains("shares")), "{error:?}");
    }

    #[test]
    fn a_jlis_entry_never_prints_its_individual_number() {
        let entry = JlisEntry { individual_number: Some("123456789018".into()), status: JlisStatus::Good };
        assert!(!format!("{entry:?}").contains("123456789018"));
    }

    #[test]
    fn enumerations_are_stored_by_their_wire_names() {
        assert_eq!(AuthMethod::VisualCheck.as_str(), "visual_check");
        assert_eq!(parse_stored::<AuthMethod>("method", "pin").unwrap(), AuthMethod::Pin);
        assert!(parse_stored::<AuthMethod>("method", "face").is_err());
    }
}
