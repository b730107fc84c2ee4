//! Reading an insurer batch: JSON Lines or CSV, each row validated as soon as it is read.
//!
//! A batch is read and validated whole before anything is read from or written to the database: a file with any
//! bad row is refused with typed per-row errors (line numbers from 1) and changes nothing.
//!
//! Pure: no I/O beyond the bytes given, no clock.

use onshi_proto::insurer_number::InsurerNumber;

use crate::batch::validate::{BatchRow, RowError, RowErrorCode, duplicate_acquisitions, field_name, validate_row};

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

/// Parses and validates a whole batch for `insurer`. Either every row is good, or every bad row is reported.
///
/// Each line is validated as soon as it is read, straight into its compact [`BatchRow`]; the text of a row is
/// never kept beyond its own validation (a CSV record is read into one reused buffer). Errors of the file's shape
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
    let mut header: Option<Vec<String>> = None;
    csv_records(text, |line, cells| {
        let Some(names) = &header else {
            header = Some(cells.iter().map(|cell| (*cell).to_owned()).collect());
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
            .map(String::as_str)
            .zip(cells.iter().copied())
            .filter(|(_, value)| !value.is_empty())
            .collect();
        collector.add(line, &fields);
    })
    .map_err(|line| vec![RowError { line, field: None, code: RowErrorCode::Malformed }])
}

/// Splits CSV text into records of cells and hands each to `each` with the line it starts on, one record at a
/// time through one reused [`csv::ByteRecord`]. Quoted cells may hold commas, doubled quotes and line breaks; only
/// a line feed ends a record (the CR of a CRLF is not part of the last cell, a lone CR is kept), and an empty line
/// is a record of one empty cell. On bad quoting (a quote inside a cell without quotes, text after a closing quote,
/// a quote never closed), the line of the bad record is returned; records before it have been handed over.
fn csv_records(text: &str, mut each: impl FnMut(u64, &[&str])) -> Result<(), u64> {
    let bytes = text.as_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let line_feeds = |from: usize, to: usize| bytes.get(from..to).map_or(0, |part| bytecount(part, b'\n'));
    // Where the previous record ended, as a byte offset and the line that follows it. Lines are counted here from
    // the bytes, because the reader skips empty lines, which are records of this format.
    let (mut consumed, mut next_line) = (0usize, 1u64);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Err(next_line),
        }
        // The reader gives where it started looking for the record, before the empty lines it skipped.
        let looked_from = record.position().and_then(|at| usize::try_from(at.byte()).ok()).unwrap_or(consumed);
        let end = usize::try_from(reader.position().byte()).unwrap_or(bytes.len());
        let skipped = bytes.get(looked_from..end).map_or(0, |part| part.iter().take_while(|&&b| b == b'\n').count());
        let start = looked_from + skipped;
        let line = next_line + if start > consumed { line_feeds(consumed, start) } else { 0 };
        for empty in next_line..line {
            each(empty, &[""]);
        }
        let raw = bytes.get(start..end).ok_or(line)?;
        let Some(record_line_feeds) = well_quoted(raw) else { return Err(line) };
        // The cells' bytes are valid UTF-8 as a whole, since every delimiter is ASCII; checked once per record.
        let text = std::str::from_utf8(record.as_slice()).map_err(|_| line)?;
        let mut cells = (0..record.len())
            .map(|index| record.range(index).and_then(|range| text.get(range)))
            .collect::<Option<Vec<&str>>>()
            .ok_or(line)?;
        if raw.ends_with(b"\r\n")
            && let Some(last) = cells.last_mut()
        {
            *last = last.strip_suffix('\r').unwrap_or(last);
        }
        each(line, &cells);
        (consumed, next_line) = (end, line + record_line_feeds);
    }
    for empty in next_line..next_line + line_feeds(consumed, bytes.len()) {
        each(empty, &[""]);
    }
    Ok(())
}

/// How many times `byte` occurs in `bytes`.
fn bytecount(bytes: &[u8], byte: u8) -> u64 {
    bytes.iter().filter(|&&b| b == byte).count() as u64
}

/// The line feeds of one record's text, when it quotes by RFC 4180: a cell is either without quotes, or wholly
/// quoted with its inner quotes doubled. `None` when it does not: the `csv` crate reads anything, so a file an
/// insurer quoted by mistake is caught here instead.
fn well_quoted(raw: &[u8]) -> Option<u64> {
    let line_feeds = bytecount(raw, b'\n');
    if !raw.contains(&b'"') {
        return Some(line_feeds);
    }
    // The cells, without the record's line feed (and the CR of a CRLF).
    let mut rest = raw.strip_suffix(b"\n").map_or(raw, |cells| cells.strip_suffix(b"\r").unwrap_or(cells));
    loop {
        if let Some(quoted) = rest.strip_prefix(b"\"") {
            // A quoted cell ends at a quote that is not doubled; one never closed is refused.
            let mut after = quoted;
            loop {
                let quote = after.iter().position(|&byte| byte == b'"')?;
                after = after.get(quote + 1..)?;
                match after.strip_prefix(b"\"") {
                    Some(doubled) => after = doubled,
                    None => break,
                }
            }
            match after.split_first() {
                None => return Some(line_feeds),
                Some((b',', next)) => rest = next,
                Some(_) => return None,
            }
        } else {
            match rest.iter().position(|&byte| byte == b',' || byte == b'"') {
                None => return Some(line_feeds),
                Some(at) if rest.get(at) == Some(&b'"') => return None,
                Some(at) => rest = rest.get(at + 1..)?,
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::batch::validate::BatchRow;
    use onshi_proto::IsoDate;
    use onshi_proto::qualification::{PersonalFamily, Sex, SpecificDiseaseCertificate};
    use time::macros::date;

    fn insurer() -> InsurerNumber {
        InsurerNumber::parse("33120015").unwrap()
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
            csv_records(text, |line, cells| found.push((line, cells.iter().map(|cell| (*cell).to_owned()).collect())))
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
}
