//! The qualification answer (資格確認結果) as every tier sees it.
//!
//! Field meanings follow the national XmlMsg `ResultOfQualificationConfirmation` (element names are given on each
//! field). The answer is always typed: there is no "unknown, charge 10割" state. When no valid qualification is
//! found the answer carries [`Guidance::ClaimForm`], the 被保険者資格申立書 path.

use serde::{Deserialize, Serialize};

use crate::IsoDate;

/// `QualificationValidity` (OQSCD006).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Validity {
    /// 1 有効.
    Valid,
    /// 2 無効.
    Invalid,
    /// 3 無効（新しい資格あり）.
    InvalidNewerExists,
    /// 4 該当資格なし.
    NoQualification,
    /// 5 複数該当.
    MultipleMatches,
}

crate::wire_enum::wire_text!(Validity);

impl Validity {
    /// The national code value.
    pub fn code(self) -> u8 {
        match self {
            Self::Valid => 1,
            Self::Invalid => 2,
            Self::InvalidNewerExists => 3,
            Self::NoQualification => 4,
            Self::MultipleMatches => 5,
        }
    }

    /// The Japanese label printed on screens and slips.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Valid => "有効",
            Self::Invalid => "無効",
            Self::InvalidNewerExists => "無効（新しい資格あり）",
            Self::NoQualification => "該当資格なし",
            Self::MultipleMatches => "複数該当",
        }
    }
}

/// Why the answer is what it is, as a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Reason {
    /// A current qualification was found.
    Current,
    /// The qualification has been lost (資格喪失日 passed).
    Lost,
    /// The qualification starts in the future.
    NotYetStarted,
    /// A newer qualification exists for the same person.
    Superseded,
    /// The card is not linked to any insured record (健康保険証利用登録 not done).
    NotRegistered,
    /// The search found no record.
    NotFound,
    /// More than one current record matched.
    Ambiguous,
}

crate::wire_enum::wire_text!(Reason);

/// What the facility should do next when the answer is not a clean 有効.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Guidance {
    /// The patient fills in a 被保険者資格申立書 and pays the normal share (保発0710第1号); never 10割.
    ClaimForm,
    /// Staff must resolve which of several records applies.
    StaffReview,
}

crate::wire_enum::wire_text!(Guidance);

/// 本人・家族の別 (`PersonalFamilyClassification`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum PersonalFamily {
    /// 1 本人.
    Insured,
    /// 2 家族.
    Dependent,
}

crate::wire_enum::wire_text!(PersonalFamily);

/// 性別 (`Sex1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Sex {
    /// 1 男.
    Male,
    /// 2 女.
    Female,
    /// 3 未設定.
    Unspecified,
}

crate::wire_enum::wire_text!(Sex);

/// 高齢受給者証 (`ElderlyRecipientCertificateInfo`), for insured persons aged 70–74.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ElderlyRecipient {
    /// `ElderlyRecipientContributionRatio`, in percent.
    pub contribution_ratio_percent: u8,
    /// `ElderlyRecipientValidStartDate`.
    pub valid_from: IsoDate,
    /// `ElderlyRecipientValidEndDate`.
    pub valid_until: Option<IsoDate>,
}

/// One `ResultOfQualificationConfirmation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualificationRecord {
    /// `InsuredCardClassification`, the two-digit 証区分 code (01 一般 …).
    pub card_classification: String,
    /// `InsurerNumber`, 保険者番号 (6 or 8 digits, no padding).
    pub insurer_number: String,
    /// `InsurerName`.
    pub insurer_name: String,
    /// `InsuredCardSymbol`, 記号 (may be absent).
    pub symbol: Option<String>,
    /// `InsuredIdentificationNumber`, 番号.
    pub number: String,
    /// `InsuredBranchNumber`, 枝番 (2 digits).
    pub branch: Option<String>,
    /// `PersonalFamilyClassification`.
    pub personal_family: PersonalFamily,
    /// `Name`: kanji, family and given name separated by U+3000; may hold ● for 外字.
    pub name: String,
    /// `NameKana`: half-width katakana with an ASCII space.
    pub name_kana: String,
    /// `Sex1`.
    pub sex: Sex,
    /// `Birthdate`.
    pub birth_date: IsoDate,
    /// `QualificationDate`, 資格取得日.
    pub qualification_date: IsoDate,
    /// `DisqualificationDate`, 資格喪失日.
    pub disqualification_date: Option<IsoDate>,
    /// `InsuredPartialContributionRatio`, 一部負担金割合 in percent (10, 20, 30).
    pub partial_contribution_percent: u8,
    /// `ElderlyRecipientCertificateInfo`.
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// `LimitApplicationCertificateClassificationFlag` (A01–A06, B01–B10).
    pub limit_category: Option<String>,
    /// `SpecificDiseasesCertificateList`: 特定疾病療養受療証 on this qualification; empty when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specific_diseases: Vec<SpecificDiseaseCertificate>,
}

/// One entry of `SpecificDiseasesCertificateList` (特定疾病療養受療証).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpecificDiseaseCertificate {
    /// `SpecificDiseasesDiseaseCategory`, code list OQSCD013: "1" 人工透析を要する慢性腎不全, "2" 先天性血液凝固因子障害,
    /// "3" 血液凝固因子製剤起因HIV.
    pub disease_category: String,
    /// `SpecificDiseasesValidStartDate`, when the insurer recorded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<IsoDate>,
    /// `SpecificDiseasesValidEndDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<IsoDate>,
    /// `SpecificDiseasesSelfPay`: 月額自己負担限度額 in yen (10,000 or 20,000), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_self_pay_yen: Option<u32>,
}

/// The typed answer to a qualification query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualificationAnswer {
    /// `QualificationValidity`.
    pub validity: Validity,
    /// Why.
    pub reason: Reason,
    /// The next step when the answer is not a clean 有効.
    pub guidance: Option<Guidance>,
    /// `QualificationConfirmationDate`: the day the answer applies to.
    pub confirmation_date: IsoDate,
    /// `ResultList`.
    pub records: Vec<QualificationRecord>,
}

impl QualificationAnswer {
    /// True only for "有効 with exactly one record", the one state in which a facility may bill normally without
    /// further checks.
    pub fn is_clean(&self) -> bool {
        self.validity == Validity::Valid && self.records.len() == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_codes_match_oqscd006() {
        let all = [
            Validity::Valid,
            Validity::Invalid,
            Validity::InvalidNewerExists,
            Validity::NoQualification,
            Validity::MultipleMatches,
        ];
        let codes: Vec<u8> = all.iter().map(|v| v.code()).collect();
        assert_eq!(codes, vec![1, 2, 3, 4, 5]);
        assert_eq!(Validity::InvalidNewerExists.label_ja(), "無効（新しい資格あり）");
    }

    #[test]
    fn a_valid_answer_with_two_records_is_not_clean() {
        let answer = QualificationAnswer {
            validity: Validity::Valid,
            reason: Reason::Ambiguous,
            guidance: Some(Guidance::StaffReview),
            confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
            records: vec![],
        };
        assert!(!answer.is_clean());
    }
}
