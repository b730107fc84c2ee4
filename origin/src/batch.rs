//! Insurer batches: parsing (JSON Lines or CSV), per-row validation, and the mis-registration checks.
//!
//! A batch is parsed and validated whole before anything is read from or written to the database: a file with
//! any bad row is refused with typed per-row errors (line numbers from 1) and changes nothing. The checks of the
//! seed document and the 2023–2024 countermeasures then decide, row by row, where a member record goes and whether
//! it is held; [`decide`] is that decision, pure, given what the database and the 住基 stand-in hold.
//!
//! Pure: no I/O, no clock.

use onshi_proto::IsoDate;
use onshi_proto::qualification::{ElderlyRecipient, PersonalFamily, Sex, SpecificDiseaseCertificate};
use serde::Serialize;
use std::borrow::Cow;

use crate::individual_number::{IndividualNumber, IndividualNumberError};
use crate::insurer_number::InsurerNumber;
use crate::normalize::{NameComparison, address_key, compare_names, kana_key};
use crate::store::PersonItems;

/// Most rows one batch may hold.
pub const MAX_ROWS: usize = 1_000_000;

/// The two accepted encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchFormat {
    /// `application/x-ndjson`: one JSON object per line.
    Ndjson,
    /// `text/csv`: a header line naming the fields, then one row per line (RFC 4180 quoting).
    Csv,
}

impl BatchFormat {
    /// The stored name.
    pub fn as_text(self) -> &'static str {
        match self {
            Self::Ndjson => "ndjson",
            Self::Csv => "csv",
        }
    }
}

/// Why one row was refused. The serialised names are part of the insurer API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowErrorCode {
    /// The line is not a JSON object, or a CSV line has the wrong number of cells or bad quoting.
    Malformed,
    /// A field this format does not know.
    UnknownField,
    /// A required field is missing or empty.
    MissingField,
    /// A field's value has the wrong form.
    InvalidValue,
    /// The 個人番号 is not 12 digits.
    IndividualNumberForm,
    /// The 個人番号's check digit is wrong.
    IndividualNumberCheckDigit,
    /// The row names an insurer other than the one uploading.
    InsurerMismatch,
    /// The `op` is neither `acquire` nor `lose`.
    UnknownOperation,
    /// The same 記号・番号・枝番 and 資格取得日 appear twice in the batch, or are already registered.
    Duplicate,
    /// A 家族 row whose 被保険者 (本人 with the same 記号・番号) is neither in the batch nor registered.
    InsuredMemberNotFound,
    /// A `lose` row for a qualification that is not registered (or already lost).
    QualificationNotFound,
    /// The batch has no rows, or more than [`MAX_ROWS`].
    BatchSize,
}

/// One refused row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based line number in the file (the CSV header is line 1).
    pub line: u64,
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    pub card_classification: String,
    /// 記号 ('' when none).
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番 ('' when none).
    pub branch: String,
    /// 本人・家族.
    pub personal_family: PersonalFamily,
    /// 資格取得日.
    pub qualification_date: IsoDate,
    /// 一部負担金割合 (%).
    pub partial_contribution_percent: u8,
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

/// Parses and validates a whole batch for `insurer`. Either every row is good, or every bad row is reported.
///
/// Each line is validated as soon as it is read, straight into its compact [`BatchRow`]; the text of a row is
/// never kept beyond its own validation (CSV cells without quotes are not even copied). Errors of the file's shape
/// (a line that is not a JSON object, a CSV row with the wrong number of cells or bad quoting) are reported on
/// their own, as before validation; then a wrong batch size; then every row's field errors and duplicates.
pub fn parse_batch(format: BatchFormat, body: &[u8], insurer: &InsurerNumber) -> Result<Vec<BatchRow>, Vec<RowError>> {
    let text = std::str::from_utf8(body)
        .map_err(|_| vec![RowError { line: 0, field: None, code: RowErrorCode::Malformed }])?;
    let mut collector = RowCollector::new(insurer);
    // One row per line at most: reserving that once avoids regrowing a vector of a million rows (and holding the
    // old and the new buffer at the same time).
    collector.rows.reserve(text.bytes().filter(|&b| b == b'\n').count().saturating_add(1).min(MAX_ROWS));
    match format {
        BatchFormat::Ndjson => ndjson_rows(text, &mut collector),
        BatchFormat::Csv => csv_rows(text, &mut collector)?,
    }
    collector.finish()
}

/// Gathers validated rows and errors while a file is read.
struct RowCollector<'i> {
    insurer: &'i InsurerNumber,
    rows: Vec<BatchRow>,
    shape_errors: Vec<RowError>,
    row_errors: Vec<RowError>,
    count: usize,
}

impl<'i> RowCollector<'i> {
    fn new(insurer: &'i InsurerNumber) -> Self {
        Self { insurer, rows: Vec::new(), shape_errors: Vec::new(), row_errors: Vec::new(), count: 0 }
    }

    fn shape_error(&mut self, error: RowError) {
        self.shape_errors.push(error);
    }

    fn add(&mut self, line: u64, fields: &[(&str, &str)]) {
        self.count += 1;
        // Once the file is known to be refused for its shape or its size, field errors would not be reported, so
        // the remaining rows are only counted.
        if !self.shape_errors.is_empty() || self.count > MAX_ROWS {
            return;
        }
        match validate_row(line, fields, self.insurer) {
            Ok(row) => self.rows.push(row),
            Err(error) => self.row_errors.push(error),
        }
    }

    fn finish(mut self) -> Result<Vec<BatchRow>, Vec<RowError>> {
        if !self.shape_errors.is_empty() {
            return Err(self.shape_errors);
        }
        if self.count == 0 || self.count > MAX_ROWS {
            return Err(vec![RowError { line: 0, field: None, code: RowErrorCode::BatchSize }]);
        }
        self.row_errors.extend(duplicate_acquisitions(&self.rows));
        if self.row_errors.is_empty() {
            Ok(self.rows)
        } else {
            // Each line has at most one error, so ordering by line gives the order of the file.
            self.row_errors.sort_by_key(|error| error.line);
            Err(self.row_errors)
        }
    }
}

/// The later rows of every group of 資格取得 rows with the same 記号・番号・枝番 and 資格取得日. Sorting row indices
/// finds them without copying any key.
fn duplicate_acquisitions(rows: &[BatchRow]) -> Vec<RowError> {
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

fn ndjson_rows(text: &str, collector: &mut RowCollector<'_>) {
    let mut values: Vec<(String, String)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(line) else {
            collector.shape_error(RowError { line: line_number, field: None, code: RowErrorCode::Malformed });
            continue;
        };
        values.clear();
        let mut ok = true;
        for (key, value) in object {
            let text = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Number(number) => number.to_string(),
                serde_json::Value::Null => continue,
                _ => {
                    collector.shape_error(RowError {
                        line: line_number,
                        field: field_name(&key),
                        code: RowErrorCode::InvalidValue,
                    });
                    ok = false;
                    continue;
                }
            };
            values.push((key, text));
        }
        if ok {
            let fields: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            collector.add(line_number, &fields);
        }
    }
}

fn csv_rows(text: &str, collector: &mut RowCollector<'_>) -> Result<(), Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut header: Option<Vec<Cow<'_, str>>> = None;
    csv_records(text, |line, cells| {
        let Some(names) = &header else {
            header = Some(cells);
            return;
        };
        if cells.len() == 1 && cells.first().is_some_and(|cell| cell.is_empty()) {
            return;
        }
        if cells.len() != names.len() {
            collector.shape_error(RowError { line, field: None, code: RowErrorCode::Malformed });
            return;
        }
        let fields: Vec<(&str, &str)> = names
            .iter()
            .map(|name| name.as_ref())
            .zip(cells.iter().map(|cell| cell.as_ref()))
            .filter(|(_, value)| !value.is_empty())
            .collect();
        collector.add(line, &fields);
    })
    .map_err(|line| vec![RowError { line, field: None, code: RowErrorCode::Malformed }])
}

/// Splits CSV text into records of cells and hands each to `each` with the line it starts on. Quoted cells may
/// hold commas, doubled quotes and line breaks; a cell without quotes is borrowed from `text`. On bad quoting, the
/// line of the bad record is returned (records before it have been handed over).
fn csv_records<'t>(text: &'t str, mut each: impl FnMut(u64, Vec<Cow<'t, str>>)) -> Result<(), u64> {
    let bytes = text.as_bytes();
    let end = bytes.len();
    let mut cells: Vec<Cow<'t, str>> = Vec::new();
    let (mut line, mut record_line) = (1u64, 1u64);
    let mut at = 0;
    loop {
        if at == end {
            // After a trailing comma the record ends with an empty cell; after a line break there is no record.
            if !cells.is_empty() {
                cells.push(Cow::Borrowed(""));
                each(record_line, cells);
            }
            return Ok(());
        }
        // Every delimiter searched for is ASCII, so each index below is on a character boundary.
        if bytes[at] == b'"' {
            let mut cell = String::new();
            at += 1;
            let mut from = at;
            loop {
                match bytes.get(at) {
                    None => return Err(record_line),
                    Some(b'"') if bytes.get(at + 1) == Some(&b'"') => {
                        cell.push_str(&text[from..=at]);
                        at += 2;
                        from = at;
                    }
                    Some(b'"') => {
                        cell.push_str(&text[from..at]);
                        at += 1;
                        break;
                    }
                    Some(b'\n') => {
                        line += 1;
                        at += 1;
                    }
                    Some(_) => at += 1,
                }
            }
            cells.push(Cow::Owned(cell));
        } else {
            let from = at;
            while at < end && !matches!(bytes[at], b',' | b'\n' | b'"') {
                at += 1;
            }
            if bytes.get(at) == Some(&b'"') {
                return Err(record_line);
            }
            let mut to = at;
            // The CR of a CRLF line break is not part of the cell.
            if bytes.get(at) == Some(&b'\n') && to > from && bytes[to - 1] == b'\r' {
                to -= 1;
            }
            cells.push(Cow::Borrowed(&text[from..to]));
        }
        let record_ends = match bytes.get(at) {
            None => {
                each(record_line, std::mem::take(&mut cells));
                return Ok(());
            }
            Some(b',') => {
                at += 1;
                false
            }
            Some(b'\n') => {
                at += 1;
                true
            }
            Some(b'\r') if bytes.get(at + 1) == Some(&b'\n') => {
                at += 2;
                true
            }
            Some(_) => return Err(record_line),
        };
        if record_ends {
            each(record_line, std::mem::take(&mut cells));
            line += 1;
            record_line = line;
        }
    }
}

fn field_name(key: &str) -> Option<&'static str> {
    FIELDS.iter().copied().find(|known| *known == key)
}

fn validate_row(line: u64, fields: &[(&str, &str)], insurer: &InsurerNumber) -> Result<BatchRow, RowError> {
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
        if value.chars().count() > max || value.chars().any(char::is_control) {
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
    if number.chars().count() > 20 || number.chars().any(char::is_control) {
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
            let percent = |name: &'static str, value: &str| -> Result<u8, RowError> {
                match value.parse::<u8>() {
                    Ok(p @ (10 | 20 | 30)) => Ok(p),
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
            let limit_category = get("limit_category").filter(|v| !v.is_empty()).map(str::to_owned);
            if limit_category.as_deref().is_some_and(|category| !is_limit_category(category)) {
                return Err(error(Some("limit_category"), RowErrorCode::InvalidValue));
            }
            let specific_disease = specific_disease(&get, &optional_date, &error)?;
            let card_classification = get("card_classification").unwrap_or("01").to_owned();
            if !(card_classification.len() == 2 && card_classification.bytes().all(|b| b.is_ascii_digit())) {
                return Err(error(Some("card_classification"), RowErrorCode::InvalidValue));
            }
            let name = required("name")?.to_owned();
            let name_kana = required("name_kana")?.to_owned();
            let address = required("address")?.to_owned();
            for (field, value) in [("name", &name), ("name_kana", &name_kana), ("address", &address)] {
                if value.chars().count() > 200 || value.chars().any(char::is_control) {
                    return Err(error(field_name(field), RowErrorCode::InvalidValue));
                }
            }
            Ok(BatchRow::Acquire(Acquisition {
                line,
                individual_number,
                items: PersonItems { name, name_kana, birth_date: date("birth_date")?, sex, address },
                card_classification,
                symbol,
                number,
                branch,
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

/// True for the 限度額適用認定証区分 codes A01–A06 and B01–B10 (OQSCD012).
pub fn is_limit_category(code: &str) -> bool {
    let Some(rest) = code.strip_prefix('A').map(|r| (r, 6)).or_else(|| code.strip_prefix('B').map(|r| (r, 10))) else {
        return false;
    };
    let (digits, max) = rest;
    digits.len() == 2 && digits.parse::<u8>().is_ok_and(|n| (1..=max).contains(&n))
}

/// A record already carrying the same 個人番号: in the database (registered by any insurer) or earlier in this
/// batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownRecord {
    /// The person record.
    pub person_id: String,
    /// Its 5 items.
    pub items: PersonItems,
    /// True when it is itself held.
    pub held: bool,
}

/// What an insurer is told about one row. The serialised names are part of the insurer API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Check b: the 個人番号 is registered with another 生年月日 (個人番号誤登録疑い).
    SuspectedMisregistration,
    /// Check c (機能②): same 個人番号 and 生年月日, different カナ氏名: twins given one number by mistake.
    SuspectedTwin,
    /// Check d (機能①): a number with no history was queried against 住基; the 5 items match.
    ResidentRegistryMatch,
    /// Check d: the 住基 query found the number, but the 5 items do not match.
    ResidentRegistryMismatch,
    /// Check d: the 住基 query does not know the number.
    ResidentRegistryNotFound,
    /// Check e/f: the row does not match the 住基 5 items (表記ゆれ and 外字 tolerated); the record is held.
    FiveItemMismatch,
    /// Check f: the record is held and cannot be viewed until corrected or cleared.
    RecordHeld,
}

impl NoticeKind {
    /// The stored name.
    pub fn as_text(self) -> &'static str {
        match self {
            Self::SuspectedMisregistration => "suspected_misregistration",
            Self::SuspectedTwin => "suspected_twin",
            Self::ResidentRegistryMatch => "resident_registry_match",
            Self::ResidentRegistryMismatch => "resident_registry_mismatch",
            Self::ResidentRegistryNotFound => "resident_registry_not_found",
            Self::FiveItemMismatch => "five_item_mismatch",
            Self::RecordHeld => "record_held",
        }
    }
}

/// Where a new member record goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Onto an existing person record whose 5 items match.
    Existing(String),
    /// Onto a new person record.
    New,
}

/// The outcome of the checks for one 資格取得 row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Where the record goes.
    pub placement: Placement,
    /// Why it is held, when it is ([`NoticeKind`] of the first failed check).
    pub hold: Option<NoticeKind>,
    /// What the insurer is told.
    pub notices: Vec<NoticeKind>,
}

/// The 5-item match of the 2023-04 rule: 漢字氏名, カナ氏名, 生年月日, 性別 and 住所, each in its comparison form.
/// A 外字 placeholder in the kanji name never counts as equal, but it does not break the match when the other
/// four items (and so the number's owner) agree.
pub fn five_items_match(left: &PersonItems, right: &PersonItems) -> bool {
    let name_ok = compare_names(&left.name, &right.name) != NameComparison::Different;
    name_ok
        && kana_key(&left.name_kana) == kana_key(&right.name_kana)
        && left.birth_date == right.birth_date
        && left.sex == right.sex
        && address_key(&left.address) == address_key(&right.address)
}

/// Runs checks b–f for one row. `known` holds the records that already carry the row's 個人番号; `resident` is
/// the 住基 stand-in's entry for it.
pub fn decide(row: &PersonItems, known: &[KnownRecord], resident: Option<&PersonItems>) -> Decision {
    let mut notices = Vec::new();
    let mut hold = None;
    // b: the same number with another birth date.
    if known.iter().any(|k| k.items.birth_date != row.birth_date) {
        notices.push(NoticeKind::SuspectedMisregistration);
        hold.get_or_insert(NoticeKind::SuspectedMisregistration);
    }
    // c: the same number and birth date with another kana name: twins.
    if known
        .iter()
        .any(|k| k.items.birth_date == row.birth_date && kana_key(&k.items.name_kana) != kana_key(&row.name_kana))
    {
        notices.push(NoticeKind::SuspectedTwin);
        hold.get_or_insert(NoticeKind::SuspectedTwin);
    }
    // d: no history → the 住基 query, whose result the insurer is told.
    let resident_matches = resident.is_some_and(|r| five_items_match(row, r));
    if known.is_empty() {
        notices.push(match (resident, resident_matches) {
            (None, _) => NoticeKind::ResidentRegistryNotFound,
            (Some(_), true) => NoticeKind::ResidentRegistryMatch,
            (Some(_), false) => NoticeKind::ResidentRegistryMismatch,
        });
    }
    // e/f: every record is checked against 住基 on 5 items; a mismatch (or an unknown number) holds it.
    if !resident_matches {
        if known.is_empty() {
            hold.get_or_insert(match resident {
                None => NoticeKind::ResidentRegistryNotFound,
                Some(_) => NoticeKind::ResidentRegistryMismatch,
            });
        } else {
            notices.push(NoticeKind::FiveItemMismatch);
            hold.get_or_insert(NoticeKind::FiveItemMismatch);
        }
    }
    if hold.is_some() {
        notices.push(NoticeKind::RecordHeld);
        return Decision { placement: Placement::New, hold, notices };
    }
    // Linked only on a full 5-item match with a record that is not held.
    let placement = known
        .iter()
        .find(|k| !k.held && five_items_match(row, &k.items))
        .map_or(Placement::New, |k| Placement::Existing(k.person_id.clone()));
    Decision { placement, hold: None, notices }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use time::macros::date;

    fn insurer() -> InsurerNumber {
        InsurerNumber::parse("33120015").unwrap()
    }

    fn items(name: &str, kana: &str, birth: time::Date, address: &str) -> PersonItems {
        PersonItems {
            name: name.into(),
            name_kana: kana.into(),
            birth_date: IsoDate(birth),
            sex: Sex::Female,
            address: address.into(),
        }
    }

    fn known(id: &str, items: PersonItems) -> KnownRecord {
        KnownRecord { person_id: id.into(), items, held: false }
    }

    const ROW: &str = r#"{"op":"acquire","individual_number":"123456789018","name":"資格　花子","name_kana":"ｼｶｸ ﾊﾅｺ","birth_date":"1989-09-13","sex":"2","address":"東京都千代田区1-1","number":"5001","qualification_date":"2026-04-01","partial_contribution_percent":30,"limit_category":"A03","specific_disease_category":"1"}"#;

    #[test]
    fn a_good_json_line_becomes_an_acquisition() {
        let rows = parse_batch(BatchFormat::Ndjson, format!("{ROW}\n\n").as_bytes(), &insurer()).unwrap();
        let [BatchRow::Acquire(row)] = rows.as_slice() else { panic!("{rows:?}") };
        assert_eq!(row.line, 1);
        assert_eq!(row.items.sex, Sex::Female);
        assert_eq!(row.personal_family, PersonalFamily::Insured);
        assert_eq!((row.symbol.as_str(), row.branch.as_str()), ("", ""));
        assert_eq!(row.limit_category.as_deref(), Some("A03"));
        let disease = row.specific_disease.as_ref().unwrap();
        assert_eq!(
            (disease.disease_category.as_str(), disease.valid_from, disease.monthly_self_pay_yen),
            ("1", None, None)
        );
    }

    #[test]
    fn a_specific_disease_certificate_carries_its_period_and_self_pay_in_json_and_csv() {
        let full = ROW.replace(
            "\"specific_disease_category\":\"1\"",
            "\"specific_disease_category\":\"1\",\"specific_disease_valid_from\":\"2026-04-01\",\
             \"specific_disease_valid_until\":\"2027-03-31\",\"specific_disease_self_pay_yen\":10000",
        );
        let rows = parse_batch(BatchFormat::Ndjson, full.as_bytes(), &insurer()).unwrap();
        let [BatchRow::Acquire(row)] = rows.as_slice() else { panic!("{rows:?}") };
        assert_eq!(
            row.specific_disease,
            Some(SpecificDiseaseCertificate {
                disease_category: "1".into(),
                valid_from: Some(IsoDate(date!(2026 - 04 - 01))),
                valid_until: Some(IsoDate(date!(2027 - 03 - 31))),
                monthly_self_pay_yen: Some(10_000),
            })
        );
        let csv = "op,individual_number,name,name_kana,birth_date,sex,address,number,qualification_date,\
                   partial_contribution_percent,specific_disease_category,specific_disease_valid_from,\
                   specific_disease_self_pay_yen\n\
                   acquire,123456789018,資格　花子,ｼｶｸ ﾊﾅｺ,1989-09-13,2,東京都千代田区1-1,5001,2026-04-01,30,2,2026-05-01,20000\n";
        let rows = parse_batch(BatchFormat::Csv, csv.as_bytes(), &insurer()).unwrap();
        let [BatchRow::Acquire(row)] = rows.as_slice() else { panic!("{rows:?}") };
        let disease = row.specific_disease.as_ref().unwrap();
        assert_eq!(disease.disease_category, "2");
        assert_eq!((disease.valid_from, disease.valid_until), (Some(IsoDate(date!(2026 - 05 - 01))), None));
        assert_eq!(disease.monthly_self_pay_yen, Some(20_000));
    }

    #[test]
    fn bad_specific_disease_fields_are_refused_by_line_and_field() {
        let with = |extra: &str| ROW.replace("\"specific_disease_category\":\"1\"", extra);
        let body = [
            with("\"specific_disease_category\":\"4\""),
            with("\"specific_disease_category\":\"1\",\"specific_disease_self_pay_yen\":15000"),
            with(
                "\"specific_disease_category\":\"1\",\"specific_disease_valid_from\":\"2026-04-01\",\
                  \"specific_disease_valid_until\":\"2026-03-31\"",
            ),
            with("\"specific_disease_self_pay_yen\":10000"),
            with("\"specific_disease_category\":\"1\",\"specific_disease_valid_from\":\"2026-13-01\""),
        ]
        .join("\n");
        let errors = parse_batch(BatchFormat::Ndjson, body.as_bytes(), &insurer()).unwrap_err();
        let found: Vec<(u64, Option<&str>, RowErrorCode)> = errors.iter().map(|e| (e.line, e.field, e.code)).collect();
        assert_eq!(
            found,
            vec![
                (1, Some("specific_disease_category"), RowErrorCode::InvalidValue),
                (2, Some("specific_disease_self_pay_yen"), RowErrorCode::InvalidValue),
                (3, Some("specific_disease_valid_until"), RowErrorCode::InvalidValue),
                (4, Some("specific_disease_category"), RowErrorCode::MissingField),
                (5, Some("specific_disease_valid_from"), RowErrorCode::InvalidValue),
            ]
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_field() {
        let body = format!(
            "{ROW}\nnot json\n{}\n{}\n{}\n{ROW}\n",
            ROW.replace("123456789018", "123456789012"),
            ROW.replace("A03", "A07"),
            ROW.replace("\"op\":\"acquire\"", "\"op\":\"merge\""),
        );
        let errors = parse_batch(BatchFormat::Ndjson, body.as_bytes(), &insurer()).unwrap_err();
        let found: Vec<(u64, Option<&str>, RowErrorCode)> = errors.iter().map(|e| (e.line, e.field, e.code)).collect();
        assert_eq!(found, vec![(2, None, RowErrorCode::Malformed),]);
        // Without the unparseable line, the per-field errors of the remaining rows all show.
        let body = body.replace("not json\n", "");
        let errors = parse_batch(BatchFormat::Ndjson, body.as_bytes(), &insurer()).unwrap_err();
        let found: Vec<(u64, Option<&str>, RowErrorCode)> = errors.iter().map(|e| (e.line, e.field, e.code)).collect();
        assert_eq!(
            found,
            vec![
                (2, Some("individual_number"), RowErrorCode::IndividualNumberCheckDigit),
                (3, Some("limit_category"), RowErrorCode::InvalidValue),
                (4, Some("op"), RowErrorCode::UnknownOperation),
                (5, None, RowErrorCode::Duplicate),
            ]
        );
    }

    #[test]
    fn another_insurers_number_and_unknown_fields_are_refused() {
        let other = ROW.replace("\"op\"", "\"insurer_number\":\"01130012\",\"op\"");
        let errors = parse_batch(BatchFormat::Ndjson, other.as_bytes(), &insurer()).unwrap_err();
        assert_eq!(errors[0].code, RowErrorCode::InsurerMismatch);
        let extra = ROW.replace("\"op\"", "\"my_number\":\"1\",\"op\"");
        assert_eq!(
            parse_batch(BatchFormat::Ndjson, extra.as_bytes(), &insurer()).unwrap_err()[0].code,
            RowErrorCode::UnknownField
        );
        assert_eq!(parse_batch(BatchFormat::Ndjson, b"", &insurer()).unwrap_err()[0].code, RowErrorCode::BatchSize);
    }

    #[test]
    fn csv_quoting_commas_and_line_breaks_are_read() {
        let records = |text: &str| {
            let mut found: Vec<(u64, Vec<String>)> = Vec::new();
            csv_records(text, |line, cells| found.push((line, cells.into_iter().map(Cow::into_owned).collect())))
                .map(|()| found)
        };
        assert_eq!(
            records("a,b\r\n\"x, \"\"y\"\"\",\"line\nbreak\"\n").unwrap(),
            vec![(1, vec!["a".to_owned(), "b".to_owned()]), (2, vec!["x, \"y\"".to_owned(), "line\nbreak".to_owned()])]
        );
        // A last record without a line break, a trailing empty cell, a lone CR kept inside a cell, and an empty
        // line (one empty cell).
        assert_eq!(
            records("a,\n\nb\rc,\"d\"").unwrap(),
            vec![
                (1, vec!["a".to_owned(), String::new()]),
                (2, vec![String::new()]),
                (3, vec!["b\rc".to_owned(), "d".to_owned()])
            ]
        );
        assert_eq!(records("a\n\"open\n"), Err(2));
        assert_eq!(records("a\nx\"y\n"), Err(2));
        assert_eq!(records("\"x\"y\n"), Err(1));
        assert_eq!(records("").unwrap(), vec![]);
        let csv = "op,number,symbol,branch,disqualification_date\nlose,5001,10,00,2026-11-01\n";
        let rows = parse_batch(BatchFormat::Csv, csv.as_bytes(), &insurer()).unwrap();
        assert!(matches!(&rows[0], BatchRow::Lose(loss) if loss.line == 2 && loss.loss_reason == "99"));
        let short = "op,number\nlose\n";
        assert_eq!(
            parse_batch(BatchFormat::Csv, short.as_bytes(), &insurer()).unwrap_err()[0].code,
            RowErrorCode::Malformed
        );
    }

    #[test]
    fn limit_categories_are_a01_to_a06_and_b01_to_b10() {
        for good in ["A01", "A06", "B01", "B10"] {
            assert!(is_limit_category(good), "{good}");
        }
        for bad in ["A00", "A07", "B11", "C01", "A1", "a01", "A001"] {
            assert!(!is_limit_category(bad), "{bad}");
        }
    }

    const HANAKO_ADDRESS: &str = "東京都千代田区霞が関一丁目2番3号";

    #[test]
    fn check_b_another_birth_date_is_a_suspected_misregistration() {
        let registered = known("p1", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS));
        let row = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1987 - 09 - 13), HANAKO_ADDRESS);
        let decision = decide(&row, std::slice::from_ref(&registered), Some(&registered.items));
        assert_eq!(decision.hold, Some(NoticeKind::SuspectedMisregistration));
        assert_eq!(decision.placement, Placement::New);
        assert!(decision.notices.contains(&NoticeKind::RecordHeld));
    }

    #[test]
    fn check_c_another_kana_on_the_same_birth_date_is_a_suspected_twin() {
        let taro = known("p1", items("資格　太郎", "ｼｶｸ ﾀﾛｳ", date!(2004 - 08 - 04), "大阪市1-1"));
        let jiro = items("資格　次郎", "ｼｶｸ ｼﾞﾛｳ", date!(2004 - 08 - 04), "大阪市1-1");
        let decision = decide(&jiro, std::slice::from_ref(&taro), Some(&taro.items));
        assert_eq!(decision.hold, Some(NoticeKind::SuspectedTwin));
    }

    #[test]
    fn check_d_a_number_without_history_reports_the_registry_answer() {
        let newborn = items("資格　芽衣", "ｼｶｸ ﾒｲ", date!(2021 - 03 - 01), "福岡市天神2-3-4");
        let matched = decide(&newborn, &[], Some(&newborn));
        assert_eq!((matched.hold, matched.notices), (None, vec![NoticeKind::ResidentRegistryMatch]));
        let missing = decide(&newborn, &[], None);
        assert_eq!(missing.hold, Some(NoticeKind::ResidentRegistryNotFound));
        let other = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(2021 - 03 - 01), "福岡市天神2-3-4");
        assert_eq!(decide(&newborn, &[], Some(&other)).hold, Some(NoticeKind::ResidentRegistryMismatch));
    }

    #[test]
    fn check_e_links_only_on_a_five_item_match_tolerating_notation() {
        let registered = known("p1", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS));
        let variant = items("●格 花子", "シカク　ハナコ", date!(1989 - 09 - 13), "東京都千代田区霞ヶ関１－２－３");
        let decision = decide(&variant, std::slice::from_ref(&registered), Some(&registered.items));
        assert_eq!(decision, Decision { placement: Placement::Existing("p1".into()), hold: None, notices: vec![] });
        // A held record is never linked to, even on a full match.
        let held = KnownRecord { held: true, ..registered };
        assert_eq!(decide(&variant, std::slice::from_ref(&held), Some(&held.items)).placement, Placement::New);
        // One differing item (性別) breaks the match.
        let other_sex = PersonItems { sex: Sex::Male, ..variant };
        assert!(!five_items_match(&other_sex, &held.items));
    }

    #[test]
    fn check_f_a_registry_mismatch_on_a_known_number_holds_the_record() {
        let registered = known("p1", items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), HANAKO_ADDRESS));
        let moved = items("資格　花子", "ｼｶｸ ﾊﾅｺ", date!(1989 - 09 - 13), "北海道札幌市1-1");
        let decision = decide(&moved, std::slice::from_ref(&registered), Some(&registered.items));
        assert_eq!(decision.hold, Some(NoticeKind::FiveItemMismatch));
        assert_eq!(decision.notices, vec![NoticeKind::FiveItemMismatch, NoticeKind::RecordHeld]);
    }
}
