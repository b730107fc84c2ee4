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

impl Sex {
    /// The file interface's code (`Sex1`): 1 男, 2 女, 3 未設定.
    pub fn national_code(self) -> &'static str {
        match self {
            Self::Male => "1",
            Self::Female => "2",
            Self::Unspecified => "3",
        }
    }

    /// The sex a national code names; `None` for any other text.
    pub fn from_national_code(code: &str) -> Option<Self> {
        [Self::Male, Self::Female, Self::Unspecified].into_iter().find(|sex| sex.national_code() == code.trim())
    }
}

/// 喪失事由 (`ReasonOfLoss`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum LossReason {
    /// 01 死亡.
    Death,
    /// 02 生活保護受給開始.
    PublicAssistance,
    /// 03 医療保険等の資格取得.
    OtherInsurance,
    /// 99 その他.
    Other,
}

crate::wire_enum::wire_text!(LossReason);

impl LossReason {
    /// The national two-digit code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Death => "01",
            Self::PublicAssistance => "02",
            Self::OtherInsurance => "03",
            Self::Other => "99",
        }
    }

    /// The reason for a national code, `None` for a code the list does not have.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|reason| reason.code() == code)
    }
}

/// Why a 限度額適用区分 was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a 限度額適用区分 is A01–A06 or B01–B10 (OQSCD012)")]
pub struct LimitCategoryError;

crate::text::validated_text! {
    /// 限度額適用認定証区分 (`LimitApplicationCertificateClassificationFlag`, OQSCD012): A01–A06 under 70, B01–B10 from
    /// 70. Since 2024-10 it is part of every answer without a consent.
    pub struct LimitCategory, error = LimitCategoryError;
}

impl LimitCategory {
    /// Checks the code against OQSCD012.
    pub fn parse(code: &str) -> Result<Self, LimitCategoryError> {
        let (digits, max) = match code.split_at_checked(1) {
            Some(("A", digits)) => (digits, 6),
            Some(("B", digits)) => (digits, 10),
            _ => return Err(LimitCategoryError),
        };
        let in_list = digits.len() == 2
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<u8>().is_ok_and(|n| (1..=max).contains(&n));
        if in_list { Ok(Self(code.to_owned())) } else { Err(LimitCategoryError) }
    }

    /// The 区分 as the certificate and the counter name it (ア…オ（境）under 70, 現役並みⅢ…一般Ⅰ from 70).
    pub fn label_ja(&self) -> &'static str {
        match self.as_str() {
            "A01" => "区分ア",
            "A02" => "区分イ",
            "A03" => "区分ウ",
            "A04" => "区分エ",
            "A05" => "区分オ",
            "A06" => "区分オ（境）",
            "B01" => "現役並みⅢ",
            "B02" => "現役並みⅡ",
            "B03" => "現役並みⅠ",
            "B04" => "一般",
            "B05" => "低所得Ⅱ",
            "B06" => "低所得Ⅰ",
            "B07" => "低所得Ⅰ（老福）",
            "B08" => "低所得Ⅰ（境）",
            "B09" => "一般Ⅱ",
            _ => "一般Ⅰ",
        }
    }

    /// `LimitApplicationCertificateClassification`: 02 限度額適用・標準負担額減額認定証 for the 住民税非課税 区分 (オ, オ（境）,
    /// 低所得Ⅱ, 低所得Ⅰ and its variants), whose meals are reduced too; 01 限度額適用認定証 for every other 区分.
    pub fn certificate_classification(&self) -> &'static str {
        match self.as_str() {
            "A05" | "A06" | "B05" | "B06" | "B07" | "B08" => "02",
            _ => "01",
        }
    }
}

/// A share in percent, 0 to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "u8", into = "u8")]
pub struct Percent(u8);

/// A share above 100 percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a percentage is 0 to 100")]
pub struct PercentError;

impl Percent {
    /// A share written in the code (a seed, a test): checked when it is built, and in a `const` at compile time.
    ///
    /// # Panics
    /// When `value` is above 100.
    pub const fn literal(value: u8) -> Self {
        assert!(value <= 100, "a percentage is 0 to 100");
        Self(value)
    }

    /// The value, 0 to 100.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The share in 割 (tenths), as a counter says it: 30 percent is 3割.
    pub const fn tenths(self) -> u8 {
        self.0 / 10
    }
}

impl TryFrom<u8> for Percent {
    type Error = PercentError;

    fn try_from(value: u8) -> Result<Self, PercentError> {
        if value <= 100 { Ok(Self(value)) } else { Err(PercentError) }
    }
}

impl From<Percent> for u8 {
    fn from(value: Percent) -> Self {
        value.0
    }
}

/// What a database column holds.
impl From<Percent> for i32 {
    fn from(value: Percent) -> Self {
        Self::from(value.0)
    }
}

/// The number alone (`30`), so that a national element's `{:03}` writes `030`.
impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// 高齢受給者証 (`ElderlyRecipientCertificateInfo`), for insured persons aged 70–74.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ElderlyRecipient {
    /// `ElderlyRecipientContributionRatio`, in percent.
    pub contribution_ratio_percent: Percent,
    /// `ElderlyRecipientValidStartDate`.
    pub valid_from: IsoDate,
    /// `ElderlyRecipientValidEndDate`.
    pub valid_until: Option<IsoDate>,
}

impl ElderlyRecipient {
    /// True when the certificate applies on `day`: from its start, up to and including its end date.
    pub fn in_force_on(&self, day: IsoDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }
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
    /// `InsuredName`: for a 家族, the 被保険者 (本人) whose cover this is; absent for a 本人, who is their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured_name: Option<String>,
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
    /// `ReasonOfLoss`, 喪失事由, when the qualification was lost and the insurer said why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_reason: Option<LossReason>,
    /// `InsuredPartialContributionRatio`, 一部負担金割合 in percent (10, 20, 30).
    pub partial_contribution_percent: Percent,
    /// `ElderlyRecipientCertificateInfo`.
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// `LimitApplicationCertificateClassificationFlag` (A01–A06, B01–B10).
    pub limit_category: Option<LimitCategory>,
    /// `SpecificDiseasesCertificateList`: 特定疾病療養受療証 on this qualification; empty when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specific_diseases: Vec<SpecificDiseaseCertificate>,
}

impl QualificationRecord {
    /// 負担割合 in force on `day`, in percent: the 高齢受給者証's ratio while it applies, otherwise the
    /// 一部負担金割合. This is what the patient pays at the counter.
    pub fn contribution_percent_on(&self, day: IsoDate) -> Percent {
        match &self.elderly_recipient {
            Some(elderly) if elderly.in_force_on(day) => elderly.contribution_ratio_percent,
            _ => self.partial_contribution_percent,
        }
    }
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
    /// 公費 (`PublicExpenseNumber` …): 医療扶助 always, a municipality's 受給者証 only when the patient said yes to
    /// 「医療費助成の受給者証を利用しますか」 (`crate::public_expense`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_expense: Vec<crate::public_expense::PublicExpense>,
    /// True when the person has a 受給者証 in force that this answer leaves out because the patient was not asked
    /// yet: the kiosk then asks. It says that one exists, never which.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub certificates_on_offer: bool,
    /// `SpecificDiseasesCertificateRelatedConsFlg`: the patient's 特定疾病 consent to the asking facility, which
    /// decided whether the certificates' 疾病区分 is in this answer. In every answer.
    #[serde(default)]
    pub specific_disease_consent: SpecificDiseaseConsent,
    /// True when the card holder holds a 特定疾病療養受療証 and the kiosk should ask the 特定疾病 consent question.
    /// It says that the question is due, never which disease (a kiosk's answer never carries the 疾病区分).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub specific_disease_question_due: bool,
}

/// The state of a patient's 特定疾病 consent to one facility, as the national answer flags it
/// (`SpecificDiseasesCertificateRelatedConsFlg`: 0 なし, 1 あり, 2 同意有効期限切れ).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum SpecificDiseaseConsent {
    /// 0: no consent to this facility (never given, withdrawn, or no card to give it with: a 記号番号 answer).
    #[default]
    NotGiven,
    /// 1: a live consent; the 疾病区分 reaches the facility.
    Given,
    /// 2: the latest consent to this facility has lapsed; the facility asks again at the next card check-in.
    Lapsed,
}

crate::wire_enum::wire_text!(SpecificDiseaseConsent);

impl SpecificDiseaseConsent {
    /// The national code of the flag.
    pub fn national_code(self) -> &'static str {
        match self {
            Self::NotGiven => "0",
            Self::Given => "1",
            Self::Lapsed => "2",
        }
    }

    /// The flag a national code names; `None` for any other text.
    pub fn from_national_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|flag| flag.national_code() == code.trim())
    }

    /// The national code list's label of the flag.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::NotGiven => "なし",
            Self::Given => "あり",
            Self::Lapsed => "同意有効期限切れ",
        }
    }
}

/// The one rule of the 疾病区分, 要配慮個人情報 (3 is HIV from blood products): it reaches a facility only under the
/// patient's live 特定疾病 consent to it, flag 1, as the national reader passes it on. Under 0 (none, withdrawn),
/// 2 (lapsed) or no flag at all (`None`, a file that did not say) each certificate's category is cleared; the
/// certificate keeps its period and monthly limit, which the counter charges and the レセプト bills by whichever
/// disease it is. onshi's own answers apply it to the flag they state (`origin/src/disclosure.rs`); a national
/// terminal's answers, as the bridge reads them, to the flag the terminal stated.
pub fn withhold_category_without_consent(
    consent: Option<SpecificDiseaseConsent>,
    certificates: &mut [SpecificDiseaseCertificate],
) {
    if consent != Some(SpecificDiseaseConsent::Given) {
        for certificate in certificates {
            certificate.disease_category.clear();
        }
    }
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
    fn loss_reasons_and_limit_categories_follow_the_national_code_lists() {
        let codes: Vec<&str> = LossReason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes, ["01", "02", "03", "99"]);
        assert_eq!(LossReason::from_code("03"), Some(LossReason::OtherInsurance));
        assert_eq!(LossReason::from_code("04"), None);
        for good in ["A01", "A06", "B01", "B10"] {
            assert!(LimitCategory::parse(good).is_ok(), "{good}");
        }
        for bad in ["A00", "A07", "B11", "C01", "A1", "a01", "A001", "B+1", "", "Bー1"] {
            assert_eq!(LimitCategory::parse(bad), Err(LimitCategoryError), "{bad}");
        }
        let low_income = LimitCategory::parse("B05").unwrap();
        assert_eq!((low_income.label_ja(), low_income.certificate_classification()), ("低所得Ⅱ", "02"));
        let upper = LimitCategory::parse("A01").unwrap();
        assert_eq!((upper.label_ja(), upper.certificate_classification()), ("区分ア", "01"));
        assert!(serde_json::from_str::<LimitCategory>("\"A07\"").is_err());
    }

    #[test]
    fn a_share_is_0_to_100_percent_wherever_it_is_read() {
        let certificate = |ratio: u16| format!(r#"{{"contribution_ratio_percent":{ratio},"valid_from":"2026-08-01"}}"#);
        let read: ElderlyRecipient = serde_json::from_str(&certificate(20)).unwrap();
        assert_eq!(read.contribution_ratio_percent.tenths(), 2);
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"contribution_ratio_percent":20,"valid_from":"2026-08-01","valid_until":null}"#
        );
        for over in [101, 150, 255, 300] {
            assert!(serde_json::from_str::<ElderlyRecipient>(&certificate(over)).is_err(), "{over}");
        }
        assert_eq!(Percent::try_from(100).map(Percent::get), Ok(100));
        assert_eq!(Percent::try_from(101), Err(PercentError));
        assert_eq!(format!("{:03}", Percent::literal(20)), "020", "a national element's three digits");
    }

    #[test]
    fn the_elderly_ratio_counts_only_while_its_certificate_is_in_force() {
        let day = |text: &str| IsoDate::parse(text).unwrap();
        let record = QualificationRecord {
            card_classification: "01".into(),
            insurer_number: "01130012".into(),
            insurer_name: "テスト".into(),
            symbol: None,
            number: "1".into(),
            branch: None,
            personal_family: PersonalFamily::Insured,
            insured_name: None,
            name: "試験　一郎".into(),
            name_kana: "ｼｹﾝ ｲﾁﾛｳ".into(),
            sex: Sex::Male,
            birth_date: day("1954-06-01"),
            qualification_date: day("2020-04-01"),
            disqualification_date: None,
            loss_reason: None,
            partial_contribution_percent: Percent::literal(30),
            elderly_recipient: Some(ElderlyRecipient {
                contribution_ratio_percent: Percent::literal(20),
                valid_from: day("2024-07-01"),
                valid_until: Some(day("2026-07-31")),
            }),
            limit_category: None,
            specific_diseases: Vec::new(),
        };
        assert_eq!(record.contribution_percent_on(day("2024-06-30")).get(), 30);
        assert_eq!(record.contribution_percent_on(day("2024-07-01")).get(), 20);
        assert_eq!(record.contribution_percent_on(day("2026-07-31")).get(), 20);
        assert_eq!(record.contribution_percent_on(day("2026-08-01")).get(), 30);
    }

    #[test]
    fn a_valid_answer_with_two_records_is_not_clean() {
        let answer = QualificationAnswer {
            validity: Validity::Valid,
            reason: Reason::Ambiguous,
            guidance: Some(Guidance::StaffReview),
            confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
            records: vec![],
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: SpecificDiseaseConsent::NotGiven,
            specific_disease_question_due: false,
        };
        assert!(!answer.is_clean());
    }

    #[test]
    fn the_category_stays_only_under_a_given_consent_and_the_limit_always() {
        let certificate = SpecificDiseaseCertificate {
            disease_category: "3".into(),
            valid_from: IsoDate::parse("2025-04-01").ok(),
            valid_until: None,
            monthly_self_pay_yen: Some(10_000),
        };
        for (consent, kept) in [
            (Some(SpecificDiseaseConsent::Given), "3"),
            (Some(SpecificDiseaseConsent::NotGiven), ""),
            (Some(SpecificDiseaseConsent::Lapsed), ""),
            (None, ""),
        ] {
            let mut certificates = vec![certificate.clone(), certificate.clone()];
            withhold_category_without_consent(consent, &mut certificates);
            for shown in &certificates {
                assert_eq!(shown.disease_category, kept, "{consent:?}");
                assert_eq!((shown.valid_from, shown.monthly_self_pay_yen), (certificate.valid_from, Some(10_000)));
            }
        }
    }

    #[test]
    fn the_specific_disease_flag_reads_back_from_its_national_code() {
        for flag in SpecificDiseaseConsent::ALL {
            assert_eq!(SpecificDiseaseConsent::from_national_code(flag.national_code()), Some(*flag));
        }
        assert_eq!(SpecificDiseaseConsent::Lapsed.national_code(), "2");
        assert_eq!(SpecificDiseaseConsent::from_national_code("3"), None);
    }
}
