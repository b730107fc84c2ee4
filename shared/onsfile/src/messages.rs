//! The typed messages of the file interface, one record per element group, declared once for reading and writing.
//!
//! Element names come from the public third-party parsers summarised in the reference (myclinic-ts, OQSDrug2,
//! the Sotatek DTOs); the official layout is not public. Assumed, and marked so below: the phase-2 request's body
//! (only `ReceptionNumber`), the 照会番号 answer's per-row status, `CharacterCodeIdentifier` in requests, the
//! `MedicalTreatmentFlag`/date-range fields sitting in `QualificationConfirmSearchInfo`, and that the newer
//! spelling of a renamed consent field is the one to write. Pure data: no I/O.

use onshi_proto::facility::FacilityCode;
use onshi_proto::insured_number::BranchNumber;
use onshi_proto::insurer_number::InsurerNumber;

use crate::check::{Processing, Segment, Timestamp, ValidityCode, Ymd};
use crate::record::{Checked, One, Raw};

crate::record! {
    /// `MessageHeader` of a request (IF-001, 003, 005, 007).
    pub struct RequestHeader {
        /// `QualificationConfirmationDate`, the day the check is for.
        confirmation_date: Option<Checked<Ymd>> = ["QualificationConfirmationDate"],
        /// `MedicalInstitutionCode`, 10 digits.
        facility: Option<Checked<FacilityCode>> = ["MedicalInstitutionCode"],
        /// `ArbitraryFileIdentifier`, the sender's own id for the file (echoed in the answer).
        file_identifier: Option<String> = ["ArbitraryFileIdentifier"],
        /// `CharacterCodeIdentifier` (assumed in requests as in answers: 0 UTF-8, 1 Shift_JIS).
        character_code: Option<String> = ["CharacterCodeIdentifier"],
    }
}

crate::record! {
    /// `QualificationConfirmSearchInfo`: who to check, by 保険者番号 + 記号・番号・枝番 + 生年月日, or for the
    /// 同意済 bulk variants by month or date range.
    pub struct SearchInfo {
        /// `InsurerNumber`, 8 characters, a 6-digit number space-padded.
        insurer: Option<Checked<InsurerNumber>> = ["InsurerNumber"],
        /// `InsuredCardSymbol` 記号, omitted when the card has none.
        symbol: Option<String> = ["InsuredCardSymbol"],
        /// `InsuredIdentificationNumber` 番号.
        number: Option<String> = ["InsuredIdentificationNumber"],
        /// `InsuredBranchNumber` 枝番.
        branch: Option<Checked<BranchNumber>> = ["InsuredBranchNumber"],
        /// `Birthdate`.
        birthdate: Option<Checked<Ymd>> = ["Birthdate"],
        /// `LimitApplicationCertificateRelatedConsFlg` (0 未同意, 1 同意).
        limit_consent: Option<String> = ["LimitApplicationCertificateRelatedConsFlg"],
        /// `ArbitraryIdentifier`, the sender's id for this row (echoed back; the bridge matches bulk rows on it).
        row_identifier: Option<String> = ["ArbitraryIdentifier"],
        /// `MedicalTreatmentFlag` (1 通常, 2 訪問診療, 3 オンライン診療).
        treatment_flag: Option<String> = ["MedicalTreatmentFlag"],
        /// `MedicalTreatmentMonth` (yyyyMM, 医療扶助 bulk).
        treatment_month: Option<String> = ["MedicalTreatmentMonth"],
        /// `ConsentDateFrom`.
        consent_from: Option<Checked<Ymd>> = ["ConsentDateFrom"],
        /// `ConsentDateTo`.
        consent_to: Option<Checked<Ymd>> = ["ConsentDateTo"],
        /// `ExaminationDateFrom`.
        examination_from: Option<Checked<Ymd>> = ["ExaminationDateFrom"],
        /// `ExaminationDateTo`.
        examination_to: Option<Checked<Ymd>> = ["ExaminationDateTo"],
    }
}

crate::record! {
    /// `MessageHeader` of an answer (IF-002, 004, 006, 008 and `face`).
    pub struct AnswerHeader {
        /// `ProcessExecutionTime`.
        executed_at: Option<Checked<Timestamp>> = ["ProcessExecutionTime"],
        /// `QualificationConfirmationDate`.
        confirmation_date: Option<Checked<Ymd>> = ["QualificationConfirmationDate"],
        /// `MedicalInstitutionCode`.
        facility: Option<Checked<FacilityCode>> = ["MedicalInstitutionCode"],
        /// `ArbitraryFileIdentifier`, echoed from the request.
        file_identifier: Option<String> = ["ArbitraryFileIdentifier"],
        /// `ReferenceClassification` (1 マイナンバーカード, 2 被保険者証情報).
        reference_classification: Option<String> = ["ReferenceClassification"],
        /// `SegmentOfResult`.
        segment: Option<Checked<Segment>> = ["SegmentOfResult"],
        /// `ErrorCode`.
        error_code: Option<String> = ["ErrorCode"],
        /// `ErrorMessage`.
        error_message: Option<String> = ["ErrorMessage"],
        /// `CharacterCodeIdentifier`.
        character_code: Option<String> = ["CharacterCodeIdentifier"],
        /// `ReceptionNumber` (bulk): the key of phase 2.
        reception_number: Option<String> = ["ReceptionNumber"],
        /// `NumberOfProcessingResult` (bulk).
        result_count: Option<String> = ["NumberOfProcessingResult"],
        /// `NumberOfNormalProcessing` (bulk).
        normal_count: Option<String> = ["NumberOfNormalProcessing"],
        /// `NumberOfError` (bulk).
        error_count: Option<String> = ["NumberOfError"],
    }
}

crate::record! {
    /// `ElderlyRecipientCertificateInfo` 高齢受給者証.
    pub struct ElderlyRecipient {
        /// 交付年月日.
        issued: Option<Checked<Ymd>> = ["ElderlyRecipientCertificateDate"],
        /// 有効開始日.
        valid_from: Option<Checked<Ymd>> = ["ElderlyRecipientValidStartDate"],
        /// 有効終了日.
        valid_to: Option<Checked<Ymd>> = ["ElderlyRecipientValidEndDate"],
        /// 一部負担金割合 (%, 3 digits).
        ratio: Option<String> = ["ElderlyRecipientContributionRatio"],
    }
}

crate::record! {
    /// `LimitApplicationCertificateRelatedInfo` 限度額適用認定証.
    pub struct LimitCertificate {
        /// `LimitApplicationCertificateClassification` (01–03).
        classification: Option<String> = ["LimitApplicationCertificateClassification"],
        /// `LimitApplicationCertificateClassificationFlag` (OQSCD012: A01…, B01…).
        category: Option<String> = ["LimitApplicationCertificateClassificationFlag"],
        /// 交付年月日.
        issued: Option<Checked<Ymd>> = ["LimitApplicationCertificateDate"],
        /// 有効開始日.
        valid_from: Option<Checked<Ymd>> = ["LimitApplicationCertificateValidStartDate"],
        /// 有効終了日.
        valid_to: Option<Checked<Ymd>> = ["LimitApplicationCertificateValidEndDate"],
        /// 長期入院該当日.
        long_term: Option<Checked<Ymd>> = ["LimitApplicationCertificateLongTermDate"],
    }
}

crate::record! {
    /// `SpecificDiseasesCertificateInfo` 特定疾病療養受療証.
    pub struct SpecificDisease {
        /// `SpecificDiseasesDiseaseCategory` (OQSCD013).
        category: Option<String> = ["SpecificDiseasesDiseaseCategory"],
        /// 交付年月日.
        issued: Option<Checked<Ymd>> = ["SpecificDiseasesCertificateDate"],
        /// 有効開始日.
        valid_from: Option<Checked<Ymd>> = ["SpecificDiseasesValidStartDate"],
        /// 有効終了日.
        valid_to: Option<Checked<Ymd>> = ["SpecificDiseasesValidEndDate"],
        /// 自己負担限度額.
        self_pay: Option<String> = ["SpecificDiseasesSelfPay"],
    }
}

crate::record! {
    /// `SpecificDiseasesCertificateList`, one or many certificates.
    pub struct SpecificDiseaseList {
        /// The certificates.
        certificates: Vec<SpecificDisease> = ["SpecificDiseasesCertificateInfo"],
    }
}

crate::record! {
    /// `MedicalTicketInfo` 医療券/調剤券 (公費, 2024+).
    pub struct MedicalTicket {
        /// `TicketType` (医療券/調剤券).
        ticket_type: Option<String> = ["TicketType"],
        /// 有効開始日.
        valid_from: Option<Checked<Ymd>> = ["MedicalTicketValidDate"],
        /// 有効終了日.
        valid_to: Option<Checked<Ymd>> = ["MedicalTicketExpirationDate"],
        /// `IssueNumber`.
        issue_number: Option<String> = ["IssueNumber"],
        /// `MedicalTreatmentMonth`.
        treatment_month: Option<String> = ["MedicalTreatmentMonth"],
        /// `DesignatedMedicalInstitutionCode`.
        designated_facility: Option<String> = ["DesignatedMedicalInstitutionCode"],
        /// `DesignatedMedicalInstitutionName`.
        designated_facility_name: Option<String> = ["DesignatedMedicalInstitutionName"],
        /// `SelfPayAmount`.
        self_pay: Option<String> = ["SelfPayAmount"],
    }
}

crate::record! {
    /// `PublicExpenseResultList`.
    pub struct MedicalTicketList {
        /// The tickets.
        tickets: Vec<MedicalTicket> = ["MedicalTicketInfo"],
    }
}

crate::record! {
    /// `ResultOfQualificationConfirmation`: one qualification as the terminal knows it.
    pub struct QualificationRecord {
        /// `InsuredCardClassification` 被保険者証の種類.
        card_classification: Option<String> = ["InsuredCardClassification"],
        /// `InsurerNumber` (raw text keeps the space padding).
        insurer: Option<Checked<InsurerNumber>> = ["InsurerNumber"],
        /// 記号.
        symbol: Option<String> = ["InsuredCardSymbol"],
        /// 番号.
        number: Option<String> = ["InsuredIdentificationNumber"],
        /// 枝番.
        branch: Option<Checked<BranchNumber>> = ["InsuredBranchNumber"],
        /// `PersonalFamilyClassification` (1 本人, 2 家族).
        personal_family: Option<String> = ["PersonalFamilyClassification"],
        /// `InsuredName` 世帯主氏名.
        insured_name: Option<String> = ["InsuredName"],
        /// `Name`, kanji with U+3000; `●` stands for a 外字 and is kept as it is.
        name: Option<String> = ["Name"],
        /// `NameKana`, half-width katakana with an ASCII space.
        name_kana: Option<String> = ["NameKana"],
        /// `NameOfOther` 通称.
        other_name: Option<String> = ["NameOfOther"],
        /// `NameOfOtherKana`.
        other_name_kana: Option<String> = ["NameOfOtherKana"],
        /// `Sex1` (1 男, 2 女, 3 未設定).
        sex: Option<String> = ["Sex1"],
        /// `Sex2` 裏面性別.
        sex_back: Option<String> = ["Sex2"],
        /// `Birthdate`.
        birthdate: Option<Checked<Ymd>> = ["Birthdate"],
        /// `Address`.
        address: Option<String> = ["Address"],
        /// `PostNumber`.
        post_number: Option<String> = ["PostNumber"],
        /// `InsuredCertificateIssuanceDate` 交付年月日.
        issued: Option<Checked<Ymd>> = ["InsuredCertificateIssuanceDate"],
        /// `InsuredCardValidDate`.
        valid_from: Option<Checked<Ymd>> = ["InsuredCardValidDate"],
        /// `InsuredCardExpirationDate`.
        valid_to: Option<Checked<Ymd>> = ["InsuredCardExpirationDate"],
        /// `QualificationDate` 資格取得日 (newer versions).
        qualified_on: Option<Checked<Ymd>> = ["QualificationDate"],
        /// `DisqualificationDate` 資格喪失日 (newer versions).
        disqualified_on: Option<Checked<Ymd>> = ["DisqualificationDate"],
        /// `InsuredPartialContributionRatio` (%, 3 digits: `030` = 3割).
        ratio: Option<String> = ["InsuredPartialContributionRatio"],
        /// `PreschoolClassification`.
        preschool: Option<String> = ["PreschoolClassification"],
        /// `ReasonOfLoss`.
        reason_of_loss: Option<String> = ["ReasonOfLoss"],
        /// `InsurerName`.
        insurer_name: Option<String> = ["InsurerName"],
        /// `ElderlyRecipientCertificateInfo`.
        elderly: One<ElderlyRecipient> = ["ElderlyRecipientCertificateInfo"],
        /// `LimitApplicationCertificateRelatedConsFlg`.
        limit_consent: Option<String> = ["LimitApplicationCertificateRelatedConsFlg"],
        /// `LimitApplicationCertificateRelatedConsTime`.
        limit_consent_time: Option<String> = ["LimitApplicationCertificateRelatedConsTime"],
        /// `LimitApplicationCertificateRelatedInfo`.
        limit: One<LimitCertificate> = ["LimitApplicationCertificateRelatedInfo"],
        /// `SpecificDiseasesCertificateRelatedConsFlg` (0 なし, 1 あり, 2 同意有効期限切れ); onshi's own answers write
        /// it from `onshi_proto::qualification::SpecificDiseaseConsent`, which also reads this code.
        disease_consent: Option<String> = ["SpecificDiseasesCertificateRelatedConsFlg"],
        /// `SpecificDiseasesCertificateRelatedConsTime`.
        disease_consent_time: Option<String> = ["SpecificDiseasesCertificateRelatedConsTime"],
        /// `SpecificDiseasesCertificateList`.
        diseases: One<SpecificDiseaseList> = ["SpecificDiseasesCertificateList"],
        /// 特定健診 閲覧同意 flag.
        checkup_consent: Option<String> = ["SpecificHealthCheckupsInfoConsFlg"],
        /// 特定健診 同意時刻.
        checkup_consent_time: Option<String> = ["SpecificHealthCheckupsInfoConsTime"],
        /// 特定健診 閲覧可能時刻.
        checkup_available: Option<String> =
            ["SpecificHealthCheckupsInfoAcquisitionTime", "SpecificHealthCheckupsInfoAvailableTime"],
        /// 薬剤情報 閲覧同意 flag: the newer spelling is written, the older read too.
        drug_consent: Option<String> = ["PharmaceuticalInfoConsFlg", "PharmacistsInfoConsFlg"],
        /// 薬剤情報 同意時刻.
        drug_consent_time: Option<String> = ["PharmaceuticalInfoConsTime", "PharmacistsInfoConsTime"],
        /// 薬剤情報 閲覧可能時刻 (the older `…AvailableTime` became `…AcquisitionTime`; a third-party exporter maps
        /// one onto the other).
        drug_available: Option<String> = ["PharmaceuticalInfoAcquisitionTime", "PharmaceuticalInfoAvailableTime", "PharmacistsInfoAvailableTime"],
        /// 診療情報 閲覧同意 flag.
        diagnosis_consent: Option<String> = ["DiagnosisInfoConsFlg"],
        /// 診療情報 同意時刻.
        diagnosis_consent_time: Option<String> = ["DiagnosisInfoConsTime"],
        /// 診療情報 閲覧可能時刻.
        diagnosis_available: Option<String> = ["DiagnosisInfoAcquisitionTime", "DiagnosisInfoAvailableTime"],
        /// 手術情報 閲覧同意 flag.
        operation_consent: Option<String> = ["OperationInfoConsFlg"],
        /// 手術情報 同意時刻.
        operation_consent_time: Option<String> = ["OperationInfoConsTime"],
        /// 手術情報 閲覧可能時刻.
        operation_available: Option<String> = ["OperationInfoAcquisitionTime", "OperationInfoAvailableTime"],
        /// `ReferenceNumber` 照会番号, the clinic's own patient id when registered.
        reference_number: Option<String> = ["ReferenceNumber"],
        /// `ArbitraryIdentifier`, echoed from the request row.
        row_identifier: Option<String> = ["ArbitraryIdentifier"],
        /// `PublicExpenseNumber` 公費負担者番号 (2024+).
        public_expense_number: Option<String> = ["PublicExpenseNumber"],
        /// `BeneficiaryNumber` 受給者番号 (2024+).
        beneficiary_number: Option<String> = ["BeneficiaryNumber"],
        /// `WelfareOfficeName`.
        welfare_office: Option<String> = ["WelfareOfficeName"],
        /// `NumberOfMedicalTickets`.
        ticket_count: Option<String> = ["NumberOfMedicalTickets"],
        /// `PublicExpenseResultList`.
        tickets: One<MedicalTicketList> = ["PublicExpenseResultList"],
    }
}

crate::record! {
    /// `ResultList`: one or many qualifications (a single entry is still a list).
    pub struct ResultList {
        /// The qualifications found.
        results: Vec<QualificationRecord> = ["ResultOfQualificationConfirmation"],
    }
}

crate::record! {
    /// The body of a qualification answer (IF-002 and `face`), also one `BulkConfirmUnit` of a bulk answer.
    pub struct QualificationAnswerBody {
        /// `ProcessingResultStatus`.
        status: Option<Checked<Processing>> = ["ProcessingResultStatus"],
        /// `ProcessingResultCode`.
        code: Option<String> = ["ProcessingResultCode"],
        /// `ProcessingResultMessage`.
        message: Option<String> = ["ProcessingResultMessage"],
        /// `QualificationValidity` (OQSCD006).
        validity: Option<Checked<ValidityCode>> = ["QualificationValidity"],
        /// `PrescriptionIssueSelect` (1 電子, 2 紙).
        prescription: Option<String> = ["PrescriptionIssueSelect"],
        /// `QualificationConfirmSearchInfo`, echoed in by-number answers.
        search: One<SearchInfo> = ["QualificationConfirmSearchInfo"],
        /// `ResultList`.
        results: One<ResultList> = ["ResultList"],
        /// `ReferenceNumber` 照会番号, which a bulk unit carries beside its results.
        reference_number: Option<String> = ["ReferenceNumber"],
    }
}

crate::record! {
    /// `ReferenceNumberRegistrationInfo`: one 照会番号 to register.
    pub struct ReferenceRegistration {
        /// `ReferenceNumber`, ≤ 50 characters: the clinic's patient id.
        reference_number: Option<String> = ["ReferenceNumber"],
        /// `InsurerNumber`, space-padded to 8.
        insurer: Option<Checked<InsurerNumber>> = ["InsurerNumber"],
        /// `InsuredCardSymbol`, omitted when empty.
        symbol: Option<String> = ["InsuredCardSymbol"],
        /// `InsuredIdentificationNumber`.
        number: Option<String> = ["InsuredIdentificationNumber"],
        /// `InsuredBranchNumber`.
        branch: Option<Checked<BranchNumber>> = ["InsuredBranchNumber"],
        /// `ProcessingResultStatus` per row, in answers (assumed).
        status: Option<Checked<Processing>> = ["ProcessingResultStatus"],
        /// `ProcessingResultCode` per row, in answers (assumed).
        code: Option<String> = ["ProcessingResultCode"],
    }
}

crate::record! {
    /// Body of IF-001: one search.
    pub struct QualificationRequestBody {
        /// The person to check.
        search: One<SearchInfo> = ["QualificationConfirmSearchInfo"],
    }
}

crate::record! {
    /// Body of IF-003 (and of the bulk 照会番号 upload): one or many registrations.
    pub struct ReferenceRequestBody {
        /// The registrations.
        registrations: Vec<ReferenceRegistration> = ["ReferenceNumberRegistrationInfo"],
    }
}

crate::record! {
    /// Body of an answer that carries only a status (IF-004, IF-006), plus 照会番号 rows echoed (assumed).
    pub struct StatusBody {
        /// `ProcessingResultStatus`.
        status: Option<Checked<Processing>> = ["ProcessingResultStatus"],
        /// `ProcessingResultCode`.
        code: Option<String> = ["ProcessingResultCode"],
        /// `ProcessingResultMessage`.
        message: Option<String> = ["ProcessingResultMessage"],
        /// Echoed registrations, if any.
        registrations: Vec<ReferenceRegistration> = ["ReferenceNumberRegistrationInfo"],
    }
}

crate::record! {
    /// Body of IF-005: the rows of a bulk pre-check.
    pub struct BulkUploadBody {
        /// One search per appointment (or one month/date-range search for the 同意済 variants).
        searches: Vec<SearchInfo> = ["QualificationConfirmSearchInfo"],
    }
}

crate::record! {
    /// Body of IF-007: which upload to fetch.
    pub struct BulkDownloadBody {
        /// `ReceptionNumber` from the IF-006 answer.
        reception_number: Option<String> = ["ReceptionNumber"],
    }
}

crate::record! {
    /// Body of IF-008: the status and one unit per row, directly in the body (as two third-party parsers read it).
    pub struct BulkResultBody {
        /// `ProcessingResultStatus`.
        status: Option<Checked<Processing>> = ["ProcessingResultStatus"],
        /// `ProcessingResultCode`.
        code: Option<String> = ["ProcessingResultCode"],
        /// `ProcessingResultMessage`.
        message: Option<String> = ["ProcessingResultMessage"],
        /// One unit per requested row.
        units: Vec<QualificationAnswerBody> = ["BulkConfirmUnit"],
    }
}

crate::record! {
    /// `MessageHeader` of a 薬剤/特定健診 request: note its *different* names for the insured number.
    pub struct RecordRequestHeader {
        /// `MedicalInstitutionCode`.
        facility: Option<Checked<FacilityCode>> = ["MedicalInstitutionCode"],
        /// `InsurerNumber`.
        insurer: Option<Checked<InsurerNumber>> = ["InsurerNumber"],
        /// `InsuranceCardSymbol`.
        symbol: Option<String> = ["InsuranceCardSymbol"],
        /// `InsuredPersonIdentificationNumber`.
        number: Option<String> = ["InsuredPersonIdentificationNumber"],
        /// `BranchNumber`.
        branch: Option<Checked<BranchNumber>> = ["BranchNumber"],
        /// `ArbitraryFileIdentifier`.
        file_identifier: Option<String> = ["ArbitraryFileIdentifier"],
    }
}

crate::record! {
    /// `MessageBody` of a 薬剤/特定健診 request.
    pub struct RecordRequestBody {
        /// `StartDate`.
        start: Option<Checked<Ymd>> = ["StartDate"],
        /// `EndDate` (薬剤 only).
        end: Option<Checked<Ymd>> = ["EndDate"],
        /// `FileCategory` (1 PDF, 2 XML, 3/4 薬剤+診療 PDF/XML).
        file_category: Option<String> = ["FileCategory"],
        /// `PrDiInfClassification`.
        classification: Option<String> = ["PrDiInfClassification"],
        /// `MedicalTreatmentFlag`.
        treatment_flag: Option<String> = ["MedicalTreatmentFlag"],
    }
}

crate::record! {
    /// `QuaInf` of a 薬剤/特定健診 answer.
    pub struct RecordPerson {
        /// `Name`.
        name: Option<String> = ["Name"],
        /// `KanaName`.
        kana: Option<String> = ["KanaName"],
        /// `Birth`.
        birth: Option<String> = ["Birth"],
        /// `AdmGendCode`.
        sex: Option<String> = ["AdmGendCode"],
    }
}

crate::record! {
    /// `MessageHeader` of a 薬剤/特定健診 answer.
    pub struct RecordAnswerHeader {
        /// `ResultCode` (1 = success).
        result_code: Option<String> = ["ResultCode"],
        /// `MessageContents`, the error text.
        message: Option<String> = ["MessageContents"],
        /// `QuaInf`.
        person: One<RecordPerson> = ["QuaInf"],
        /// `MedicalInstitutionCode`.
        facility: Option<Checked<FacilityCode>> = ["MedicalInstitutionCode"],
        /// `ArbitraryFileIdentifier`.
        file_identifier: Option<String> = ["ArbitraryFileIdentifier"],
    }
}

macro_rules! xml_msg {
    ($(#[$meta:meta])* $name:ident, $header:ty, $body:ty) => {
        crate::record! {
            $(#[$meta])*
            pub struct $name {
                /// `MessageHeader`.
                header: One<$header> = ["MessageHeader"],
                /// `MessageBody`.
                body: One<$body> = ["MessageBody"],
            }
        }
    };
}

xml_msg!(
    /// IF-001 資格確認要求 (`OQSsiquc01req`).
    QualificationRequest, RequestHeader, QualificationRequestBody
);
xml_msg!(
    /// IF-002 資格確認結果 (`OQSsiquc01res`), and the unsolicited reader result in `face`.
    QualificationAnswer, AnswerHeader, QualificationAnswerBody
);
xml_msg!(
    /// IF-003 照会番号登録要求 (`OQSsiimm01req`).
    ReferenceRequest, RequestHeader, ReferenceRequestBody
);
xml_msg!(
    /// IF-004 照会番号登録結果, and IF-006 一括照会 アップロード結果 (`ReceptionNumber` in the header).
    StatusAnswer, AnswerHeader, StatusBody
);
xml_msg!(
    /// IF-005 資格確認一括照会要求 (`OQSmuquc01req`; also the 同意済 and 医療扶助 variants).
    BulkUploadRequest, RequestHeader, BulkUploadBody
);
xml_msg!(
    /// IF-007 一括照会 ダウンロード要求 (`OQSmuquc02req`).
    BulkDownloadRequest, RequestHeader, BulkDownloadBody
);
xml_msg!(
    /// IF-008 一括照会結果 (`OQSmuquc02res`, XML or a ZIP holding it).
    BulkResult, AnswerHeader, BulkResultBody
);
xml_msg!(
    /// 薬剤情報 / 特定健診情報 request (`YZKsiquc01req`, `TKKsiquc01req`).
    RecordRequest, RecordRequestHeader, RecordRequestBody
);
xml_msg!(
    /// 薬剤情報 / 特定健診情報 answer; its body (`MonthInf`…, `SpecificHealthCheckupInfo`…) is kept verbatim.
    RecordAnswer, RecordAnswerHeader, RecordAnswerBody
);

crate::record! {
    /// `MessageBody` of a 薬剤/特定健診 answer, kept verbatim.
    pub struct RecordAnswerBody {
        /// 薬剤: `MonthInf` tree.
        months: Raw = ["MonthInf"],
        /// 診療/手術: `MeTrInfs` tree.
        treatments: Raw = ["MeTrInfs"],
        /// 特定健診: `SpecificHealthCheckupInfo` tree.
        checkups: Raw = ["SpecificHealthCheckupInfo"],
    }
}
