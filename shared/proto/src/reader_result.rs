//! A check done on the facility's national reader (顔認証付きカードリーダー), as the facility's bridge reads it from
//! the 資格確認端末's `face` folder and hands it to onshi, so that the staff console lists it beside the kiosk's
//! check-ins.
//!
//! The bridge sends what the staff row shows and nothing more; the origin keeps it as the facility's record of the
//! check (personal data rests only there) and lists it under the day the terminal processed it. The face file's
//! name is the result's key: a bridge that restarts and sends a file again adds nothing.

use serde::{Deserialize, Serialize};

use crate::IsoDate;
use crate::facility::FacilityCode;
use crate::identifier::{FaceFileName, Identifier, ReferenceNumber};
use crate::insurer_number::InsurerNumber;
use crate::origin::{ElderlyShare, PrescriptionFormat};
use crate::qualification::{
    Guidance, Percent, Reason, Sex, SpecificDiseaseCertificate, SpecificDiseaseConsent, Validity,
};
use crate::record_text::RecordText;

/// The edge route a bridge posts a reader result to (device-proven, bridge devices only).
pub const BRIDGE_READER_RESULT_PATH: &str = "/api/v1/bridge/reader-results";
/// The origin route the edge forwards it to.
pub const READER_RESULT_PATH: &str = "/v1/reader-results";

/// One national-reader check: body of `POST` [`BRIDGE_READER_RESULT_PATH`] (the bridge's device proof says which
/// facility it is for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReaderResult {
    /// The face file it was read from.
    pub file_name: FaceFileName,
    /// When the terminal processed the check (`ProcessExecutionTime`), Unix seconds; `None` when the file did not
    /// say, and the origin uses the time it received it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<i64>,
    /// `QualificationValidity`.
    pub validity: Validity,
    /// 氏名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<RecordText>,
    /// カナ氏名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<RecordText>,
    /// 保険者番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurer_number: Option<InsurerNumber>,
    /// 保険者名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurer_name: Option<RecordText>,
    /// 負担割合 in percent (the 高齢受給者 ratio when the file carries one): 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contribution_percent: Option<Percent>,
    /// The 高齢受給者証 the 負担割合 came from, with its period, and the insurance's own share beside it (what the
    /// patient pays once it ends), when the record carries one in force on the check's day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_share: Option<ElderlyShare>,
    /// 資格喪失日, when the qualification has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disqualification_date: Option<IsoDate>,
    /// 限度額適用区分 (`LimitApplicationCertificateClassificationFlag`), when the patient agreed on the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_category: Option<Identifier>,
    /// The prescription format the patient chose on the reader (`PrescriptionIssueSelect`), when they chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescription: Option<PrescriptionFormat>,
    /// 生年月日 (`Birthdate`), which the clinic matches the result to its own patients by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<IsoDate>,
    /// 性別 (`Sex1`), which narrows that match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// 照会番号 (`ReferenceNumber`): the clinic's own patient id, when the clinic registered one for this person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_number: Option<ReferenceNumber>,
    /// 特定疾病療養受療証 of the one record (`SpecificDiseasesCertificateList`), with their period and monthly limit;
    /// the 疾病区分 only when `specific_disease_consent` is 1
    /// ([`crate::qualification::withhold_category_without_consent`]). Empty when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specific_diseases: Vec<SpecificDiseaseCertificate>,
    /// The patient's 特定疾病 consent as the terminal stated it (`SpecificDiseasesCertificateRelatedConsFlg`); none
    /// when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_disease_consent: Option<SpecificDiseaseConsent>,
}

impl ReaderResult {
    /// A result that says only its file, time and validity; the reader's other fields are filled in as they are read.
    pub fn new(file_name: FaceFileName, checked_at: Option<i64>, validity: Validity) -> Self {
        Self {
            file_name,
            checked_at,
            validity,
            name: None,
            name_kana: None,
            insurer_number: None,
            insurer_name: None,
            contribution_percent: None,
            elderly_share: None,
            disqualification_date: None,
            limit_category: None,
            prescription: None,
            birth_date: None,
            sex: None,
            reference_number: None,
            specific_diseases: Vec::new(),
            specific_disease_consent: None,
        }
    }
}

/// Why a national-reader answer is what it is, as its validity alone tells it (the national system decided, not
/// onshi): an invalid qualification was lost, several matches are ambiguous.
pub fn reason_for(validity: Validity) -> Reason {
    match validity {
        Validity::Valid => Reason::Current,
        Validity::Invalid => Reason::Lost,
        Validity::InvalidNewerExists => Reason::Superseded,
        Validity::NoQualification => Reason::NotFound,
        Validity::MultipleMatches => Reason::Ambiguous,
    }
}

/// What staff do next after a national-reader answer, as for any answer that is not a clean 有効: the 申立書 path,
/// or resolving which record applies.
pub fn guidance_for(validity: Validity) -> Option<Guidance> {
    match validity {
        Validity::Valid => None,
        Validity::MultipleMatches => Some(Guidance::StaffReview),
        _ => Some(Guidance::ClaimForm),
    }
}

/// Body of `POST` [`READER_RESULT_PATH`]: the result with the facility and the bridge the edge authenticated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReaderResultUpload {
    /// The bridge's facility, from its device proof.
    pub facility_code: FacilityCode,
    /// The bridge's device id.
    pub device_id: Identifier,
    /// The result.
    pub result: ReaderResult,
}

/// Answer to both routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReaderResultReceipt {
    /// False when this face file had been received before (nothing was added).
    pub new: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifier::{FaceFileNameError, MAX_FACE_FILE_NAME_LEN};

    #[test]
    fn a_face_file_name_is_what_a_terminal_writes_and_nothing_a_path_could_misread() {
        for good in ["OQSsiquc01res_face_0110113719001000000000000000001_20261204093012.xml", "a", "a.b-c_d"] {
            assert!(FaceFileName::parse(good).is_ok(), "{good}");
        }
        let too_long = "a".repeat(MAX_FACE_FILE_NAME_LEN + 1);
        for bad in ["", ".hidden", "../res/x.xml", "a/b", "a\\b", "名前.xml", "a b", too_long.as_str()] {
            assert_eq!(FaceFileName::parse(bad), Err(FaceFileNameError), "{bad}");
        }
    }

    #[test]
    fn a_reader_result_refuses_a_share_over_100_and_an_unknown_field() {
        let body =
            |extra: &str| format!(r#"{{"file_name":"f.xml","validity":"valid","contribution_percent":30{extra}}}"#);
        let read: ReaderResult = serde_json::from_str(&body("")).unwrap();
        assert_eq!(read.contribution_percent.map(Percent::get), Some(30));
        assert!(serde_json::from_str::<ReaderResult>(&body(r#","name_of_spouse":"x""#)).is_err());
        let over = r#"{"file_name":"f.xml","validity":"valid","contribution_percent":101}"#;
        assert!(serde_json::from_str::<ReaderResult>(over).is_err());
    }

    #[test]
    fn the_prescription_choice_is_read_from_its_national_code_only() {
        assert_eq!(PrescriptionFormat::from_national_code("1"), Some(PrescriptionFormat::Electronic));
        assert_eq!(PrescriptionFormat::from_national_code(" 2 "), Some(PrescriptionFormat::Paper));
        for other in ["", "0", "3", "電子", "12"] {
            assert_eq!(PrescriptionFormat::from_national_code(other), None, "{other:?}");
        }
        for format in [PrescriptionFormat::Electronic, PrescriptionFormat::Paper] {
            assert_eq!(PrescriptionFormat::from_national_code(format.national_code()), Some(format));
        }
    }

    #[test]
    fn the_reason_and_guidance_follow_the_validity_as_for_any_answer() {
        assert_eq!((reason_for(Validity::Valid), guidance_for(Validity::Valid)), (Reason::Current, None));
        assert_eq!(guidance_for(Validity::MultipleMatches), Some(Guidance::StaffReview));
        for validity in [Validity::Invalid, Validity::InvalidNewerExists, Validity::NoQualification] {
            assert_eq!(guidance_for(validity), Some(Guidance::ClaimForm), "{validity:?}");
        }
    }
}
