//! 医療機関コード: the 10-digit code that names a medical facility or pharmacy.
//!
//! Layout: 都道府県番号 (2 digits) + 点数表番号 (1 digit: 1 医科, 3 歯科, 4 調剤) + 郡市区番号 (2) + 医療機関番号 (4) +
//! 検証番号 (1). The 検証番号 is [`crate::check_digit`]'s rule computed over all nine preceding digits (prefecture
//! and 点数表 included), so the 7-digit local part must never be validated on its own.

use serde::{Deserialize, Serialize};

/// Number of digits in a 医療機関コード.
pub const FACILITY_CODE_LEN: usize = 10;

/// Why a 医療機関コード was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FacilityCodeError {
    /// Not exactly ten ASCII digits.
    #[error("a facility code is exactly ten digits")]
    Malformed,
    /// The prefecture number is not 01–47.
    #[error("the prefecture number is not 01 to 47")]
    UnknownPrefecture,
    /// The 点数表番号 is not 1 (医科), 3 (歯科) or 4 (調剤).
    #[error("the fee schedule digit is not 1, 3 or 4")]
    UnknownFeeSchedule,
    /// The check digit does not match.
    #[error("the check digit does not match")]
    CheckDigitMismatch,
}

/// Which 点数表 the facility bills under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum FeeSchedule {
    /// 1: 医科 (medical).
    Medical,
    /// 3: 歯科 (dental).
    Dental,
    /// 4: 調剤 (pharmacy).
    Pharmacy,
}

crate::wire_enum::wire_text!(FeeSchedule);

crate::text::validated_text! {
    /// A validated 医療機関コード. Serialises as its ten-digit text and refuses invalid text when deserialised.
    pub struct FacilityCode, error = FacilityCodeError;
}

impl FacilityCode {
    /// Validates the text: ten ASCII digits, a known prefecture and 点数表, and a matching check digit.
    pub fn parse(text: &str) -> Result<Self, FacilityCodeError> {
        let bytes = text.as_bytes();
        if bytes.len() != FACILITY_CODE_LEN || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(FacilityCodeError::Malformed);
        }
        let digits: Vec<u8> = bytes.iter().map(|b| b - b'0').collect();
        let prefecture = digits[0] * 10 + digits[1];
        if !(1..=47).contains(&prefecture) {
            return Err(FacilityCodeError::UnknownPrefecture);
        }
        if !matches!(digits[2], 1 | 3 | 4) {
            return Err(FacilityCodeError::UnknownFeeSchedule);
        }
        if crate::check_digit::weighted_2_1(&digits[..FACILITY_CODE_LEN - 1]) != digits[FACILITY_CODE_LEN - 1] {
            return Err(FacilityCodeError::CheckDigitMismatch);
        }
        Ok(Self(text.to_owned()))
    }

    /// The 都道府県番号, 1–47.
    pub fn prefecture(&self) -> u8 {
        let bytes = self.0.as_bytes();
        (bytes[0] - b'0') * 10 + (bytes[1] - b'0')
    }

    /// The 点数表.
    pub fn fee_schedule(&self) -> FeeSchedule {
        match self.0.as_bytes()[2] {
            b'1' => FeeSchedule::Medical,
            b'3' => FeeSchedule::Dental,
            // `parse` admits only 1, 3 and 4.
            _ => FeeSchedule::Pharmacy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// qualification-domain.md §2.3: base 011011371, products from the right 2 7 6 1 2 0 2 1 0, sum 21, check 9.
    const WORKED_EXAMPLE: &str = "0110113719";

    #[test]
    fn the_worked_example_validates_and_its_parts_are_read() {
        let code = FacilityCode::parse(WORKED_EXAMPLE).unwrap();
        assert_eq!(code.as_str(), WORKED_EXAMPLE);
        assert_eq!(code.prefecture(), 1);
        assert_eq!(code.fee_schedule(), FeeSchedule::Medical);
        assert_eq!(crate::check_digit::weighted_2_1(&[0, 1, 1, 0, 1, 1, 3, 7, 1]), 9);
    }

    #[test]
    fn every_other_check_digit_is_refused() {
        for wrong in (0..=9).filter(|d| *d != 9) {
            let text = format!("011011371{wrong}");
            assert_eq!(FacilityCode::parse(&text), Err(FacilityCodeError::CheckDigitMismatch), "{text}");
        }
    }

    #[test]
    fn the_check_digit_covers_prefecture_and_fee_schedule() {
        // The worked example's local part alone (011371) would give 2; over all nine digits it is 9.
        assert_eq!(crate::check_digit::weighted_2_1(&[0, 1, 1, 3, 7, 1]), 2);
        assert_eq!(FacilityCode::parse("0110113712"), Err(FacilityCodeError::CheckDigitMismatch));
        // Moving the same local part to a pharmacy in Tokyo changes the check digit.
        let tokyo_pharmacy_check = crate::check_digit::weighted_2_1(&[1, 3, 4, 0, 1, 1, 3, 7, 1]);
        let text = format!("134011371{tokyo_pharmacy_check}");
        let code = FacilityCode::parse(&text).unwrap();
        assert_eq!(code.prefecture(), 13);
        assert_eq!(code.fee_schedule(), FeeSchedule::Pharmacy);
    }

    #[test]
    fn malformed_prefectures_and_fee_schedules_are_typed_errors() {
        for text in ["", "011011371", "01101137190", "01101137l9", "０１１０１１３７１９", " 0110113719"] {
            assert_eq!(FacilityCode::parse(text), Err(FacilityCodeError::Malformed), "{text:?}");
        }
        assert_eq!(FacilityCode::parse("0010113719"), Err(FacilityCodeError::UnknownPrefecture));
        assert_eq!(FacilityCode::parse("4810113719"), Err(FacilityCodeError::UnknownPrefecture));
        assert_eq!(FacilityCode::parse("0120113719"), Err(FacilityCodeError::UnknownFeeSchedule));
    }

    #[test]
    fn serde_round_trips_and_refuses_invalid_codes() {
        let code: FacilityCode = serde_json::from_str(&format!("\"{WORKED_EXAMPLE}\"")).unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{WORKED_EXAMPLE}\""));
        assert!(serde_json::from_str::<FacilityCode>("\"0110113718\"").is_err());
    }
}
