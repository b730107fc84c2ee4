//! 公費 in the qualification answer: 医療扶助 (生活保護, with each 医療券/調剤券) and the municipality's 公費受給者証
//! (子ども医療費, ひとり親, 難病, 小児慢性 …, offered through PMH), and the rows a payer registers them with.
//!
//! Field meanings follow the national answer's additions since 2024 (reference notes `system-2026.md` §2.4:
//! `PublicExpenseNumber`, `BeneficiaryNumber`, `WelfareOfficeName`, `NumberOfMedicalTickets`,
//! `PublicExpenseResultList/MedicalTicketInfo` with `TicketType`, `MedicalTicketValidDate`,
//! `MedicalTicketExpirationDate`, `IssueNumber`, `MedicalTreatmentMonth`, `DesignatedMedicalInstitutionCode/Name`,
//! `SelfPayAmount`); each field names its element.
//!
//! 医療扶助 is part of every answer, as the card check has given it since 2024-03. A municipal 受給者証 is only
//! returned when the patient answered yes to 「医療費助成の受給者証を利用しますか」 (PMH, FY2026); otherwise the answer
//! says only that one is on offer (`QualificationAnswer::certificates_on_offer`), never which.

use serde::{Deserialize, Serialize};

use crate::IsoDate;
use crate::facility::FacilityCode;
use crate::record_text::RecordText;

/// The 法別番号 of 生活保護法による医療扶助.
pub const MEDICAL_ASSISTANCE_LAW_CODE: &str = "12";
/// The 法別番号 of 難病の患者に対する医療等に関する法律 (特定医療費).
pub const INTRACTABLE_DISEASE_LAW_CODE: &str = "54";
/// The 法別番号 of 児童福祉法 小児慢性特定疾病医療支援.
pub const PEDIATRIC_CHRONIC_LAW_CODE: &str = "52";
/// Largest self-pay amount a 医療券 or 受給者証 may name, in yen: far above any real monthly limit, so only a
/// mistyped amount is refused.
pub const MAX_SELF_PAY_YEN: u32 = 1_000_000;
/// Most 医療券/調剤券 one 医療扶助 may carry in an answer or a row: one per month and kind for a year, with room.
pub const MAX_TICKETS: usize = 48;
/// Longest 交付番号 (`IssueNumber`), in digits.
pub const MAX_ISSUE_NUMBER_DIGITS: usize = 20;

/// Why a 公費 value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublicExpenseError {
    /// A character other than an ASCII digit, or nothing at all.
    #[error("the number holds ASCII digits only")]
    NotDigits,
    /// The wrong number of digits.
    #[error("the number has {expected} digits, not {found}")]
    Length {
        /// The length the number must have.
        expected: usize,
        /// The length found, in bytes.
        found: usize,
    },
    /// The 検証番号 does not match the digits before it.
    #[error("the check digit should be {expected}, not {found}")]
    CheckDigitMismatch {
        /// The digit the rule gives.
        expected: u8,
        /// The digit found.
        found: u8,
    },
    /// A month that is not `YYYY-MM` with a month 01–12.
    #[error("a treatment month is YYYY-MM")]
    Month,
    /// A period that ends before it starts.
    #[error("a validity period ends before it starts")]
    Period,
    /// A self-pay amount above [`MAX_SELF_PAY_YEN`].
    #[error("a self-pay amount is at most {MAX_SELF_PAY_YEN} yen")]
    SelfPay,
    /// A 公費 kind whose 法別番号 the payer number does not carry (医療扶助 is 12, 難病 54, 小児慢性 52).
    #[error("the payer number's law code does not fit the kind of public expense")]
    LawCode,
    /// 医療券/調剤券 on anything but 医療扶助, or more than [`MAX_TICKETS`].
    #[error("only medical assistance carries tickets, at most {MAX_TICKETS}")]
    Tickets,
}

/// Checks that `text` is `length` ASCII digits whose last is the 検証番号 of the others, by the rule every
/// health-insurance number shares ([`crate::check_digit`]).
fn check_digits(text: &str, length: usize) -> Result<(), PublicExpenseError> {
    let digits = crate::check_digit::ascii_digit_values(text).ok_or(PublicExpenseError::NotDigits)?;
    if digits.len() != length {
        return Err(PublicExpenseError::Length { expected: length, found: text.len() });
    }
    let (base, last) = digits.split_at(length - 1);
    let found = last.first().copied().unwrap_or_default();
    let expected = crate::check_digit::weighted_2_1(base);
    if expected != found {
        return Err(PublicExpenseError::CheckDigitMismatch { expected, found });
    }
    Ok(())
}

crate::text::validated_text! {
    /// 公費負担者番号 (`PublicExpenseNumber`): 8 digits, 法別番号 (2) + 都道府県番号 (2) + 実施機関番号 (3) + 検証番号 (1),
    /// checked by the same rule as a 保険者番号 (reference notes `qualification-domain.md` §2.1: "54016027 (公費負担者番号
    /// uses the same rule)"). It names the payer: the welfare office or the municipality's programme.
    pub struct PayerNumber, error = PublicExpenseError;
}

impl PayerNumber {
    /// Checks `text` and keeps it.
    pub fn parse(text: &str) -> Result<Self, PublicExpenseError> {
        check_digits(text, 8)?;
        Ok(Self(text.to_owned()))
    }

    /// The 法別番号, the first two digits.
    pub fn law_code(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }
}

crate::text::validated_text! {
    /// 公費受給者番号 (`BeneficiaryNumber`): 7 digits, 6 and a 検証番号. Assumed: the 検証番号 follows the same
    /// weights-2-and-1 rule as the 公費負担者番号 (厚労省's レセプト記載要領 gives one rule for both; the reference notes
    /// do not state it).
    pub struct RecipientNumber, error = PublicExpenseError;
}

impl RecipientNumber {
    /// Checks `text` and keeps it.
    pub fn parse(text: &str) -> Result<Self, PublicExpenseError> {
        check_digits(text, 7)?;
        Ok(Self(text.to_owned()))
    }
}

crate::text::validated_text! {
    /// 交付番号 of a 医療券/調剤券 (`IssueNumber`): 1 to [`MAX_ISSUE_NUMBER_DIGITS`] ASCII digits.
    pub struct IssueNumber, error = PublicExpenseError;
}

impl IssueNumber {
    /// Checks `text` and keeps it.
    pub fn parse(text: &str) -> Result<Self, PublicExpenseError> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PublicExpenseError::NotDigits);
        }
        if text.len() > MAX_ISSUE_NUMBER_DIGITS {
            return Err(PublicExpenseError::Length { expected: MAX_ISSUE_NUMBER_DIGITS, found: text.len() });
        }
        Ok(Self(text.to_owned()))
    }
}

crate::text::validated_text! {
    /// 診療年月 (`MedicalTreatmentMonth`), written `YYYY-MM` here and `yyyyMM` in an XmlMsg.
    pub struct TreatmentMonth, error = PublicExpenseError;
}

impl TreatmentMonth {
    /// Checks `text` and keeps it.
    pub fn parse(text: &str) -> Result<Self, PublicExpenseError> {
        let well_formed = match text.as_bytes() {
            [y1, y2, y3, y4, b'-', m1, m2] => {
                [y1, y2, y3, y4, m1, m2].iter().all(|b| b.is_ascii_digit())
                    && (1..=12).contains(&(u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0')))
                    && *y1 != b'0'
            }
            _ => false,
        };
        if well_formed { Ok(Self(text.to_owned())) } else { Err(PublicExpenseError::Month) }
    }

    /// `yyyyMM`, as the XmlMsg writes it.
    pub fn compact(&self) -> String {
        self.0.replace('-', "")
    }
}

/// When a 医療券 or 受給者証 applies: from its first day to its last, both included; open-ended when no end is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawPeriod")]
pub struct ValidityPeriod {
    /// The first day (`…ValidDate`).
    pub valid_from: IsoDate,
    /// The last day (`…ExpirationDate`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<IsoDate>,
}

#[derive(Deserialize)]
struct RawPeriod {
    valid_from: IsoDate,
    #[serde(default)]
    valid_until: Option<IsoDate>,
}

impl TryFrom<RawPeriod> for ValidityPeriod {
    type Error = PublicExpenseError;

    fn try_from(raw: RawPeriod) -> Result<Self, PublicExpenseError> {
        Self::new(raw.valid_from, raw.valid_until)
    }
}

impl ValidityPeriod {
    /// A period, refused when it ends before it starts.
    pub fn new(valid_from: IsoDate, valid_until: Option<IsoDate>) -> Result<Self, PublicExpenseError> {
        if valid_until.is_some_and(|until| until < valid_from) {
            return Err(PublicExpenseError::Period);
        }
        Ok(Self { valid_from, valid_until })
    }

    /// True when `day` falls within the period.
    pub fn covers(&self, day: IsoDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }
}

/// A self-pay amount in yen (`SelfPayAmount`: 本人支払額 on a 医療券, 自己負担上限月額 on a 受給者証), at most
/// [`MAX_SELF_PAY_YEN`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "u32", into = "u32")]
pub struct SelfPayYen(u32);

impl TryFrom<u32> for SelfPayYen {
    type Error = PublicExpenseError;

    fn try_from(yen: u32) -> Result<Self, PublicExpenseError> {
        if yen > MAX_SELF_PAY_YEN { Err(PublicExpenseError::SelfPay) } else { Ok(Self(yen)) }
    }
}

impl From<SelfPayYen> for u32 {
    fn from(value: SelfPayYen) -> Self {
        value.0
    }
}

impl SelfPayYen {
    /// The amount in yen.
    pub fn yen(self) -> u32 {
        self.0
    }
}

/// Which 公費 a record is. 医療扶助 comes from a welfare office and is in every answer; every other kind is a
/// municipality's or prefecture's 受給者証, shown only when the patient says yes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum PublicExpenseKind {
    /// 医療扶助 (生活保護, 法別 12).
    MedicalAssistance,
    /// 子ども医療費助成.
    ChildMedical,
    /// ひとり親家庭等医療費助成.
    SingleParent,
    /// 特定医療費 (指定難病, 法別 54).
    IntractableDisease,
    /// 小児慢性特定疾病医療費 (法別 52).
    PediatricChronic,
    /// 重度心身障害者医療費助成.
    SevereDisability,
}

crate::wire_enum::wire_text!(PublicExpenseKind);

impl PublicExpenseKind {
    /// True for the 医療扶助, which every answer carries; false for a 受給者証 the patient must agree to use.
    pub fn is_medical_assistance(self) -> bool {
        self == Self::MedicalAssistance
    }

    /// The 法別番号 a payer number of this kind must carry, for the kinds national law numbers.
    pub fn law_code(self) -> Option<&'static str> {
        match self {
            Self::MedicalAssistance => Some(MEDICAL_ASSISTANCE_LAW_CODE),
            Self::IntractableDisease => Some(INTRACTABLE_DISEASE_LAW_CODE),
            Self::PediatricChronic => Some(PEDIATRIC_CHRONIC_LAW_CODE),
            Self::ChildMedical | Self::SingleParent | Self::SevereDisability => None,
        }
    }

    /// The name staff and slips use.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::MedicalAssistance => "医療扶助（生活保護）",
            Self::ChildMedical => "子ども医療費",
            Self::SingleParent => "ひとり親家庭等医療費",
            Self::IntractableDisease => "特定医療費（指定難病）",
            Self::PediatricChronic => "小児慢性特定疾病医療費",
            Self::SevereDisability => "重度心身障害者医療費",
        }
    }
}

/// `TicketType`: a 医療券 (for a 医療機関) or a 調剤券 (for a 薬局).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum TicketKind {
    /// 1 医療券.
    Medical,
    /// 2 調剤券.
    Dispensing,
}

crate::wire_enum::wire_text!(TicketKind);

impl TicketKind {
    /// The code `TicketType` carries. Assumed: 1 医療券, 2 調剤券, in the order the notes list them.
    pub fn code(self) -> &'static str {
        match self {
            Self::Medical => "1",
            Self::Dispensing => "2",
        }
    }

    /// The name on the ticket.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Medical => "医療券",
            Self::Dispensing => "調剤券",
        }
    }
}

/// One 医療券 or 調剤券 (`PublicExpenseResultList/MedicalTicketInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MedicalTicket {
    /// `TicketType`.
    pub kind: TicketKind,
    /// `MedicalTicketValidDate` and `MedicalTicketExpirationDate`.
    pub validity: ValidityPeriod,
    /// `IssueNumber`, 交付番号.
    pub issue_number: IssueNumber,
    /// `MedicalTreatmentMonth`, 診療年月.
    pub treatment_month: TreatmentMonth,
    /// `DesignatedMedicalInstitutionCode`, 指定医療機関.
    pub designated_facility_code: FacilityCode,
    /// `DesignatedMedicalInstitutionName`.
    pub designated_facility_name: RecordText,
    /// `SelfPayAmount`, 本人支払額.
    pub self_pay_yen: SelfPayYen,
}

/// One 公費 of a person: 医療扶助 with its tickets, or one 受給者証.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawPublicExpense")]
pub struct PublicExpense {
    /// Which 公費.
    pub kind: PublicExpenseKind,
    /// `PublicExpenseNumber`, 公費負担者番号.
    pub payer_number: PayerNumber,
    /// `BeneficiaryNumber`, 公費受給者番号.
    pub recipient_number: RecipientNumber,
    /// `WelfareOfficeName` for 医療扶助; the municipality's programme otherwise.
    pub payer_name: RecordText,
    /// When the 受給者証 or the 医療扶助 applies.
    pub validity: ValidityPeriod,
    /// 自己負担上限月額 of a 受給者証 (`SelfPayAmount`), when it has one; 医療扶助 puts its amounts on the tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_self_pay_yen: Option<SelfPayYen>,
    /// `PublicExpenseResultList`: the 医療券/調剤券 of 医療扶助; always empty for a 受給者証.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tickets: Vec<MedicalTicket>,
}

#[derive(Deserialize)]
struct RawPublicExpense {
    kind: PublicExpenseKind,
    payer_number: PayerNumber,
    recipient_number: RecipientNumber,
    payer_name: RecordText,
    validity: ValidityPeriod,
    #[serde(default)]
    monthly_self_pay_yen: Option<SelfPayYen>,
    #[serde(default)]
    tickets: Vec<MedicalTicket>,
}

impl TryFrom<RawPublicExpense> for PublicExpense {
    type Error = PublicExpenseError;

    fn try_from(raw: RawPublicExpense) -> Result<Self, PublicExpenseError> {
        Self::new(PublicExpense {
            kind: raw.kind,
            payer_number: raw.payer_number,
            recipient_number: raw.recipient_number,
            payer_name: raw.payer_name,
            validity: raw.validity,
            monthly_self_pay_yen: raw.monthly_self_pay_yen,
            tickets: raw.tickets,
        })
    }
}

impl PublicExpense {
    /// Checks the rules that tie the fields together: the payer number carries the kind's 法別番号 where the law
    /// numbers one, and only 医療扶助 carries tickets, at most [`MAX_TICKETS`].
    pub fn new(expense: PublicExpense) -> Result<Self, PublicExpenseError> {
        Self::check_fit(expense.kind, &expense.payer_number, &expense.tickets)?;
        Ok(expense)
    }

    /// The rules of [`PublicExpense::new`], for a payer's row checked before the rest of the record is known.
    pub fn check_fit(
        kind: PublicExpenseKind,
        payer_number: &PayerNumber,
        tickets: &[MedicalTicket],
    ) -> Result<(), PublicExpenseError> {
        if kind.law_code().is_some_and(|code| code != payer_number.law_code()) {
            return Err(PublicExpenseError::LawCode);
        }
        let tickets_fit = tickets.len() <= MAX_TICKETS && (kind.is_medical_assistance() || tickets.is_empty());
        if !tickets_fit {
            return Err(PublicExpenseError::Tickets);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    use crate::example::{day, medical_assistance as assistance};

    #[test]
    fn the_worked_payer_number_validates_and_a_wrong_check_digit_is_named() {
        // The reference notes' example: base 5401602, sum 13, check digit 7.
        assert_eq!(PayerNumber::parse("54016027").unwrap().law_code(), "54");
        assert_eq!(
            PayerNumber::parse("54016028"),
            Err(PublicExpenseError::CheckDigitMismatch { expected: 7, found: 8 })
        );
        assert_eq!(PayerNumber::parse("5401602"), Err(PublicExpenseError::Length { expected: 8, found: 7 }));
        assert_eq!(PayerNumber::parse("5401602a"), Err(PublicExpenseError::NotDigits));
        assert_eq!(PayerNumber::parse("５４０１６０２７"), Err(PublicExpenseError::NotDigits));
        assert!(serde_json::from_str::<PayerNumber>("\"54016028\"").is_err());
    }

    #[test]
    fn a_recipient_number_is_seven_digits_with_its_check_digit() {
        // 123456 weighted 1 2 1 2 1 2 from the left gives 1 4 3 8 5 (1+2) = 24, so the check digit is 6.
        assert!(RecipientNumber::parse("1234566").is_ok());
        assert_eq!(
            RecipientNumber::parse("1234567"),
            Err(PublicExpenseError::CheckDigitMismatch { expected: 6, found: 7 })
        );
        assert_eq!(RecipientNumber::parse("12345"), Err(PublicExpenseError::Length { expected: 7, found: 5 }));
        assert_eq!(RecipientNumber::parse(""), Err(PublicExpenseError::Length { expected: 7, found: 0 }));
    }

    #[test]
    fn months_periods_amounts_and_issue_numbers_check_themselves() {
        assert_eq!(TreatmentMonth::parse("2026-12").unwrap().compact(), "202612");
        for bad in ["2026-13", "2026-00", "202612", "2026-1", "0999-01", "２０２６-12", ""] {
            assert_eq!(TreatmentMonth::parse(bad), Err(PublicExpenseError::Month), "{bad}");
        }
        assert_eq!(ValidityPeriod::new(day("2026-12-02"), Some(day("2026-12-01"))), Err(PublicExpenseError::Period));
        assert!(
            serde_json::from_str::<ValidityPeriod>(r#"{"valid_from":"2026-12-02","valid_until":"2026-12-01"}"#)
                .is_err()
        );
        let period = ValidityPeriod::new(day("2026-12-01"), Some(day("2026-12-31"))).unwrap();
        assert!(period.covers(day("2026-12-31")) && !period.covers(day("2027-01-01")));
        assert!(!period.covers(day("2026-11-30")));
        assert!(serde_json::from_str::<SelfPayYen>("1000001").is_err());
        assert_eq!(serde_json::from_str::<SelfPayYen>("2500").unwrap().yen(), 2500);
        assert!(IssueNumber::parse("123456789012345678901").is_err());
        assert!(IssueNumber::parse("12-3").is_err());
    }

    #[test]
    fn a_kind_must_fit_its_payers_law_code_and_only_medical_assistance_has_tickets() {
        let good = assistance();
        assert_eq!(PublicExpense::new(good.clone()), Ok(good.clone()));
        let wrong_law = PublicExpense { payer_number: PayerNumber::parse("54016027").unwrap(), ..good.clone() };
        assert_eq!(PublicExpense::new(wrong_law), Err(PublicExpenseError::LawCode));
        // A municipality's own programme has a local 法別番号, so any payer number fits it, but it has no tickets.
        let child = PublicExpense {
            kind: PublicExpenseKind::ChildMedical,
            payer_number: PayerNumber::parse("88131016").unwrap(),
            ..good.clone()
        };
        assert_eq!(PublicExpense::new(child.clone()), Err(PublicExpenseError::Tickets));
        let child = PublicExpense { tickets: Vec::new(), ..child };
        assert!(PublicExpense::new(child).is_ok());
        let too_many = PublicExpense { tickets: vec![good.tickets[0].clone(); MAX_TICKETS + 1], ..good.clone() };
        assert_eq!(PublicExpense::new(too_many), Err(PublicExpenseError::Tickets));
    }

    #[test]
    fn a_public_expense_round_trips_and_refuses_what_the_rules_refuse() {
        let expense = assistance();
        let text = serde_json::to_string(&expense).unwrap();
        assert_eq!(serde_json::from_str::<PublicExpense>(&text).unwrap(), expense);
        let mut value = serde_json::to_value(&expense).unwrap();
        value["kind"] = "intractable_disease".into();
        assert!(serde_json::from_value::<PublicExpense>(value).is_err());
    }

    #[test]
    fn the_kinds_say_which_one_every_answer_carries() {
        let always: Vec<_> =
            PublicExpenseKind::ALL.iter().filter(|kind| kind.is_medical_assistance()).map(|k| k.as_str()).collect();
        assert_eq!(always, ["medical_assistance"]);
        assert_eq!(TicketKind::Dispensing.code(), "2");
    }
}
