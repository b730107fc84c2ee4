//! Validating one batch row: the fields an insurer may send, their forms, and the rows a batch may not repeat.
//!
//! Pure: no I/O, no clock.

use compact_str::CompactString;
use onshi_proto::IsoDate;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::is_plain_char;
use onshi_proto::qualification::{
    ElderlyRecipient, LimitCategory, Percent, PersonalFamily, Sex, SpecificDiseaseCertificate,
};
use onshi_proto::record_text::{RecordText, RecordTextError};

use crate::batch::decide::PersonItems;
use crate::individual_number::{IndividualNumber, IndividualNumberError};

/// Why one row was refused: the wire enum of the insurer API.
pub use onshi_proto::batch_report::RowErrorCode;

/// One refused row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the file (the CSV header is line 1).
    pub line: u64,
    /// The field at fault, when one is.
    pub field: Option<&'static str>,
    /// What is wrong.
    pub code: RowErrorCode,
}

/// 資格取得: a new member record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acquisition {
    /// Line in the file.
    pub line: u64,
    /// 個人番号.
    pub individual_number: IndividualNumber,
    /// The 5 items.
    pub items: PersonItems,
    /// 証区分.
    pub card_classification: CompactString,
    /// 記号 ('' when none).
    pub symbol: CompactString,
    /// 番号.
    pub number: CompactString,
    /// 枝番 ('' when none).
    pub branch: CompactString,
    /// 本人・家族.
    pub personal_family: PersonalFamily,
    /// 資格取得日.
    pub qualification_date: IsoDate,
    /// 一部負担金割合 (%).
    pub partial_contribution_percent: Percent,
    /// 高齢受給者証.
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// 限度額適用区分.
    pub limit_category: Option<String>,
    /// 特定疾病療養受療証: the 疾病区分 (OQSCD013: 1 人工透析を要する慢性腎不全, 2 先天性血液凝固因子障害,
    /// 3 血液凝固因子製剤起因HIV) with its validity period and 月額自己負担限度額 when the insurer gave them.
    pub specific_disease: Option<SpecificDiseaseCertificate>,
}

/// 資格喪失: an existing qualification ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    /// Line in the file.
    pub line: u64,
    /// 記号 ('' when none).
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番 ('' when none).
    pub branch: String,
    /// 資格喪失日.
    pub disqualification_date: IsoDate,
    /// 喪失事由.
    pub loss_reason: String,
}

/// One validated row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchRow {
    /// 資格取得.
    Acquire(Acquisition),
    /// 資格喪失.
    Lose(Loss),
}

const FIELDS: [&str; 26] = [
    "op",
    "insurer_number",
    "individual_number",
    "name",
    "name_kana",
    "birth_date",
    "sex",
    "address",
    "card_classification",
    "symbol",
    "number",
    "branch",
    "personal_family",
    "qualification_date",
    "partial_contribution_percent",
    "elderly_contribution_percent",
    "elderly_valid_from",
    "elderly_valid_until",
    "limit_category",
    "specific_disease_category",
    "specific_disease_valid_from",
    "specific_disease_valid_until",
    "specific_disease_self_pay_yen",
    "disqualification_date",
    "loss_reason",
    "note",
];

/// The later rows of every group of 資格取得 rows with the same 記号・番号・枝番 and 資格取得日. Sorting row indices
/// finds them without copying any key.
pub(crate) fn duplicate_acquisitions(rows: &[BatchRow]) -> Vec<RowError> {
    fn key(row: &BatchRow) -> Option<(&str, &str, &str, IsoDate)> {
        match row {
            BatchRow::Acquire(a) => {
                Some((a.symbol.as_str(), a.number.as_str(), a.branch.as_str(), a.qualification_date))
            }
            BatchRow::Lose(_) => None,
        }
    }
    let mut order: Vec<usize> = (0..rows.len()).filter(|&index| key(&rows[index]).is_some()).collect();
    // Rows are in file order, so the index breaks ties by line: the first of a group is the one kept.
    order.sort_unstable_by(|&a, &b| key(&rows[a]).cmp(&key(&rows[b])).then(a.cmp(&b)));
    order
        .windows(2)
        .filter(|pair| key(&rows[pair[0]]) == key(&rows[pair[1]]))
        .filter_map(|pair| match &rows[pair[1]] {
            BatchRow::Acquire(a) => Some(RowError { line: a.line, field: None, code: RowErrorCode::Duplicate }),
            BatchRow::Lose(_) => None,
        })
        .collect()
}

pub(crate) fn field_name(key: &str) -> Option<&'static str> {
    FIELDS.iter().copied().find(|known| *known == key)
}

pub(crate) fn validate_row(line: u64, fields: &[(&str, &str)], insurer: &InsurerNumber) -> Result<BatchRow, RowError> {
    let error = |field: Option<&'static str>, code| RowError { line, field, code };
    for (key, _) in fields {
        if field_name(key).is_none() {
            return Err(error(None, RowErrorCode::UnknownField));
        }
    }
    let get = |name: &'static str| fields.iter().find(|(key, _)| *key == name).map(|(_, value)| value.trim());
    let required = |name: &'static str| {
        get(name).filter(|value| !value.is_empty()).ok_or(error(Some(name), RowErrorCode::MissingField))
    };
    let date = |name: &'static str| -> Result<IsoDate, RowError> {
        IsoDate::parse(required(name)?).map_err(|_| error(Some(name), RowErrorCode::InvalidValue))
    };
    let optional_date = |name: &'static str| -> Result<Option<IsoDate>, RowError> {
        get(name)
            .filter(|v| !v.is_empty())
            .map(|v| IsoDate::parse(v).map_err(|_| error(Some(name), RowErrorCode::InvalidValue)))
            .transpose()
    };
    let text_field = |name: &'static str, max: usize| -> Result<String, RowError> {
        let value = get(name).unwrap_or_default();
        if !value.chars().all(is_plain_char) {
            return Err(error(Some(name), RowErrorCode::ForbiddenCharacter));
        }
        if value.chars().count() > max {
            return Err(error(Some(name), RowErrorCode::InvalidValue));
        }
        Ok(value.to_owned())
    };
    if let Some(named) = get("insurer_number") {
        // A 6-digit 国保 number may arrive space-padded to 8 characters, as on the XmlMsg wire.
        if named.trim() != insurer.as_str() {
            return Err(error(Some("insurer_number"), RowErrorCode::InsurerMismatch));
        }
    }
    let symbol = text_field("symbol", 40)?;
    let number = required("number")?.to_owned();
    if !number.chars().all(is_plain_char) {
        return Err(error(Some("number"), RowErrorCode::ForbiddenCharacter));
    }
    if number.chars().count() > 20 {
        return Err(error(Some("number"), RowErrorCode::InvalidValue));
    }
    let branch = text_field("branch", 2)?;
    let branch_ok = branch.is_empty() || (branch.len() == 2 && branch.bytes().all(|b| b.is_ascii_digit()));
    if !branch_ok {
        return Err(error(Some("branch"), RowErrorCode::InvalidValue));
    }
    match required("op")? {
        "lose" => {
            let loss_reason = get("loss_reason").unwrap_or("99").to_owned();
            if !["01", "02", "03", "99"].contains(&loss_reason.as_str()) {
                return Err(error(Some("loss_reason"), RowErrorCode::InvalidValue));
            }
            Ok(BatchRow::Lose(Loss {
                line,
                symbol,
                number,
                branch,
                disqualification_date: date("disqualification_date")?,
                loss_reason,
            }))
        }
        "acquire" => {
            let individual_number = IndividualNumber::parse(required("individual_number")?).map_err(|e| match e {
                IndividualNumberError::CheckDigit => {
                    error(Some("individual_number"), RowErrorCode::IndividualNumberCheckDigit)
                }
                _ => error(Some("individual_number"), RowErrorCode::IndividualNumberForm),
            })?;
            let sex = match required("sex")? {
                "male" | "1" => Sex::Male,
                "female" | "2" => Sex::Female,
                "unspecified" | "3" => Sex::Unspecified,
                _ => return Err(error(Some("sex"), RowErrorCode::InvalidValue)),
            };
            let personal_family = match get("personal_family").unwrap_or("insured") {
                "insured" | "1" => PersonalFamily::Insured,
                "dependent" | "2" => PersonalFamily::Dependent,
                _ => return Err(error(Some("personal_family"), RowErrorCode::InvalidValue)),
            };
            // A registered share is one of the three a counter charges: 1割, 2割 or 3割.
            let percent = |name: &'static str, value: &str| -> Result<Percent, RowError> {
                match value.parse::<u8>() {
                    Ok(p @ (10 | 20 | 30)) => Ok(Percent::literal(p)),
                    _ => Err(error(Some(name), RowErrorCode::InvalidValue)),
                }
            };
            let partial = percent("partial_contribution_percent", required("partial_contribution_percent")?)?;
            let elderly = match get("elderly_contribution_percent").filter(|v| !v.is_empty()) {
                None => None,
                Some(value) => Some(ElderlyRecipient {
                    contribution_ratio_percent: percent("elderly_contribution_percent", value)?,
                    valid_from: date("elderly_valid_from")?,
                    valid_until: optional_date("elderly_valid_until")?,
                }),
            };
            let limit_category = get("limit_category")
                .filter(|v| !v.is_empty())
                .map(|code| LimitCategory::parse(code).map(String::from))
                .transpose()
                .map_err(|_| error(Some("limit_category"), RowErrorCode::InvalidValue))?;
            let specific_disease = specific_disease(&get, &optional_date, &error)?;
            let card_classification = get("card_classification").unwrap_or("01").to_owned();
            if !(card_classification.len() == 2 && card_classification.bytes().all(|b| b.is_ascii_digit())) {
                return Err(error(Some("card_classification"), RowErrorCode::InvalidValue));
            }
            // The rule for registered text lives in `RecordText`: it is what every answer later writes into JSON,
            // an XmlMsg or FHIR.
            let record_text = |name: &'static str| -> Result<String, RowError> {
                RecordText::parse(required(name)?).map(String::from).map_err(|refused| match refused {
                    RecordTextError::Empty => error(Some(name), RowErrorCode::MissingField),
                    RecordTextError::TooLong => error(Some(name), RowErrorCode::InvalidValue),
                    RecordTextError::ForbiddenCharacter => error(Some(name), RowErrorCode::ForbiddenCharacter),
                })
            };
            let name = record_text("name")?.into();
            let name_kana = record_text("name_kana")?.into();
            let address = record_text("address")?.into();
            Ok(BatchRow::Acquire(Acquisition {
                line,
                individual_number,
                items: PersonItems { name, name_kana, birth_date: date("birth_date")?, sex, address },
                card_classification: card_classification.into(),
                symbol: symbol.into(),
                number: number.into(),
                branch: branch.into(),
                personal_family,
                qualification_date: date("qualification_date")?,
                partial_contribution_percent: partial,
                elderly_recipient: elderly,
                limit_category,
                specific_disease,
            }))
        }
        _ => Err(error(Some("op"), RowErrorCode::UnknownOperation)),
    }
}

/// The row's 特定疾病療養受療証: the category must be 1–3; the period and the self-pay amount are optional, but
/// need the category, the period must not end before it starts, and the self-pay is 10,000 or 20,000 yen.
fn specific_disease<'a>(
    get: &impl Fn(&'static str) -> Option<&'a str>,
    optional_date: &impl Fn(&'static str) -> Result<Option<IsoDate>, RowError>,
    error: &impl Fn(Option<&'static str>, RowErrorCode) -> RowError,
) -> Result<Option<SpecificDiseaseCertificate>, RowError> {
    let valid_from = optional_date("specific_disease_valid_from")?;
    let valid_until = optional_date("specific_disease_valid_until")?;
    let self_pay = get("specific_disease_self_pay_yen").filter(|v| !v.is_empty());
    let Some(category) = get("specific_disease_category").filter(|v| !v.is_empty()) else {
        if valid_from.is_some() || valid_until.is_some() || self_pay.is_some() {
            return Err(error(Some("specific_disease_category"), RowErrorCode::MissingField));
        }
        return Ok(None);
    };
    if !["1", "2", "3"].contains(&category) {
        return Err(error(Some("specific_disease_category"), RowErrorCode::InvalidValue));
    }
    if let (Some(from), Some(until)) = (valid_from, valid_until)
        && until < from
    {
        return Err(error(Some("specific_disease_valid_until"), RowErrorCode::InvalidValue));
    }
    let monthly_self_pay_yen = match self_pay.map(str::parse::<u32>) {
        None => None,
        Some(Ok(yen @ (10_000 | 20_000))) => Some(yen),
        Some(_) => return Err(error(Some("specific_disease_self_pay_yen"), RowErrorCode::InvalidValue)),
    };
    Ok(Some(SpecificDiseaseCertificate {
        disease_category: category.to_owned(),
        valid_from,
        valid_until,
        monthly_self_pay_yen,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    const INSURER: &str = "33120015";

    fn acquire_with(field: &'static str, value: &str) -> Vec<(&'static str, String)> {
        let mut fields: Vec<(&'static str, String)> = [
            ("op", "acquire"),
            ("individual_number", "123456789018"),
            ("name", "資格　花子"),
            ("name_kana", "ｼｶｸ ﾊﾅｺ"),
            ("birth_date", "1989-09-13"),
            ("sex", "female"),
            ("address", "東京都千代田区1-1"),
            ("symbol", "10"),
            ("number", "5001"),
            ("qualification_date", "2026-04-01"),
            ("partial_contribution_percent", "30"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value.to_owned()));
        fields
    }

    fn validate(fields: &[(&'static str, String)]) -> Result<BatchRow, RowError> {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        validate_row(2, &borrowed, &InsurerNumber::parse(INSURER).unwrap())
    }

    #[test]
    fn a_character_xml_forbids_is_refused_per_row_with_its_field() {
        for (field, value) in [
            ("name", "資格\u{1}花子"),
            ("name", "資格　花子\u{FFFE}"),
            ("name_kana", "ｼｶｸ\u{FFFF}"),
            ("address", "東京都\u{B}千代田区"),
            ("symbol", "1\u{FDD0}"),
            ("number", "50\u{7F}01"),
        ] {
            let refused = validate(&acquire_with(field, value)).unwrap_err();
            assert_eq!(refused, RowError { line: 2, field: Some(field), code: RowErrorCode::ForbiddenCharacter });
        }
        // A ● for a 外字 is an ordinary character, and a name is kept as written.
        let Ok(BatchRow::Acquire(row)) = validate(&acquire_with("name", "鈴木　●子")) else { panic!() };
        assert_eq!(row.items.name, "鈴木　●子");
    }

    #[test]
    fn limit_categories_are_checked_against_oqscd012() {
        let Ok(BatchRow::Acquire(row)) = validate(&acquire_with("limit_category", "B10")) else { panic!() };
        assert_eq!(row.limit_category.as_deref(), Some("B10"));
        let refused = validate(&acquire_with("limit_category", "A07")).unwrap_err();
        assert_eq!((refused.field, refused.code), (Some("limit_category"), RowErrorCode::InvalidValue));
    }
}
