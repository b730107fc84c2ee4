//! Reading an insurer batch: JSON Lines or CSV, each row validated as soon as it is read.
//!
//! A batch is read and validated whole before anything is read from or written to the database: a file with any
//! bad row is refused with typed per-row errors (line numbers from 1, the first ones listed and all counted) and
//! changes nothing. The file is read as it arrives, in chunks, so its text is never held whole.
//!
//! Pure: no I/O beyond the bytes given, no clock.

use onshi_proto::insurer::RowsRead;
use onshi_proto::insurer_number::InsurerNumber;

use crate::batch::tally::ErrorTally;
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

/// Longest line (JSON Lines) or record (CSV) read; a longer one is malformed. A good row is well under 2 KiB, and
/// a limit keeps one endless line from being held in memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// CSV text handed to the `csv` reader at a time, cut where a record ends.
const CSV_BLOCK_BYTES: usize = 256 * 1024;

/// Parses and validates a whole batch for `insurer` held in memory: [`BatchReader`] over one chunk.
pub fn parse_batch(format: BatchFormat, body: &[u8], insurer: &InsurerNumber) -> Result<Vec<BatchRow>, ErrorTally> {
    let mut reader = BatchReader::new(format, insurer);
    // One row per line at most: reserving that once avoids regrowing a vector of a million rows (and holding the
    // old and the new buffer at the same time).
    reader.collector.rows.reserve(bytecount(body, b'\n').saturating_add(1).min(MAX_ROWS as u64) as usize);
    reader.push(body);
    reader.finish()
}

/// Reads and validates a batch for one insurer as its bytes arrive, in chunks of any size: either every row is
/// good, or the errors are reported (the first ones and a count of all, see [`ErrorTally`]).
///
/// Each line is validated as soon as it is complete, straight into its compact [`BatchRow`]; the text of a row is
/// never kept beyond its own validation, and at most one line (JSON Lines) or one block of records (CSV) of text is
/// held at a time. Errors of the file's shape (a line that is not UTF-8 or not a JSON object, a line over
/// [`MAX_LINE_BYTES`], a CSV row with the wrong number of cells or bad quoting) are reported on their own, as
/// before validation; then a wrong batch size; then every row's field errors and duplicates. CSV quoting that goes
/// wrong leaves the record boundaries after it unknown, so reading stops at that record.
#[derive(Debug)]
pub struct BatchReader<'i> {
    format: BatchFormat,
    collector: RowCollector<'i>,
    /// Bytes of the current line (JSON Lines), or of the records not yet handed to the `csv` reader (CSV).
    pending: Vec<u8>,
    /// The line the first byte of `pending` is on.
    pending_line: u64,
    /// CSV: how far into `pending` quotes and record ends were scanned, whether a quoted cell is open there, and
    /// where the last complete record ends.
    scanned: usize,
    in_quotes: bool,
    records_end: usize,
    /// JSON Lines: the current line is over the limit, and its bytes are dropped up to its line feed.
    skipping: bool,
    /// CSV: reading stopped at a record whose quoting or length is wrong.
    stopped: bool,
    /// CSV: whether the first block (which may begin with a byte-order mark) was read.
    started: bool,
    csv_header: Option<Vec<String>>,
}

impl<'i> BatchReader<'i> {
    /// A reader of a batch in `format` uploaded by `insurer`.
    pub fn new(format: BatchFormat, insurer: &'i InsurerNumber) -> Self {
        Self {
            format,
            collector: RowCollector::new(insurer),
            pending: Vec::new(),
            pending_line: 1,
            scanned: 0,
            in_quotes: false,
            records_end: 0,
            skipping: false,
            stopped: false,
            started: false,
            csv_header: None,
        }
    }

    /// Reads the next bytes of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        match self.format {
            BatchFormat::Ndjson => self.push_ndjson(chunk),
            BatchFormat::Csv => self.push_csv(chunk),
        }
    }

    /// How far the reading has got: the rows read so far, and how many of them are refused (a duplicate is only
    /// found at [`BatchReader::finish`]). Cheap: two counters kept as the rows go by.
    pub fn rows_read(&self) -> RowsRead {
        self.collector.rows_read()
    }

    /// Ends the file: the rows, or why the batch is refused.
    pub fn finish(mut self) -> Result<Vec<BatchRow>, ErrorTally> {
        match self.format {
            BatchFormat::Ndjson => {
                if !self.skipping && !self.pending.is_empty() {
                    let line = std::mem::take(&mut self.pending);
                    ndjson_line(self.pending_line, &line, &mut self.collector);
                }
            }
            BatchFormat::Csv => {
                let end = self.pending.len();
                self.csv_block(end);
            }
        }
        self.collector.finish()
    }

    fn push_ndjson(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() {
            let (part, complete, rest) = match chunk.iter().position(|&byte| byte == b'\n') {
                Some(at) => (chunk.get(..at).unwrap_or_default(), true, chunk.get(at + 1..).unwrap_or_default()),
                None => (chunk, false, &[][..]),
            };
            chunk = rest;
            if !self.skipping {
                if self.pending.len() + part.len() > MAX_LINE_BYTES {
                    let line = self.pending_line;
                    self.collector.shape_error(RowError { line, field: None, code: RowErrorCode::Malformed });
                    self.pending = Vec::new();
                    self.skipping = true;
                } else if complete && self.pending.is_empty() {
                    // The whole line is in this chunk: read it where it is.
                    ndjson_line(self.pending_line, part, &mut self.collector);
                } else {
                    self.pending.extend_from_slice(part);
                    if complete {
                        ndjson_line(self.pending_line, &self.pending, &mut self.collector);
                    }
                }
            }
            if complete {
                self.pending.clear();
                self.skipping = false;
                self.pending_line += 1;
            }
        }
    }

    fn push_csv(&mut self, chunk: &[u8]) {
        if self.stopped {
            return;
        }
        self.pending.extend_from_slice(chunk);
        for (offset, &byte) in self.pending.get(self.scanned..).unwrap_or_default().iter().enumerate() {
            match byte {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\n' if !self.in_quotes => self.records_end = self.scanned + offset + 1,
                _ => {}
            }
        }
        self.scanned = self.pending.len();
        if self.records_end >= CSV_BLOCK_BYTES {
            self.csv_block(self.records_end);
        }
        if self.pending.len() - self.records_end > MAX_LINE_BYTES && !self.stopped {
            // One record longer than any good row (a quote never closed reads to the end of the file).
            let line = self.pending_line + bytecount(self.pending.get(..self.records_end).unwrap_or_default(), b'\n');
            self.collector.shape_error(RowError { line, field: None, code: RowErrorCode::Malformed });
            self.stop();
        }
    }

    /// Hands the records in the first `end` bytes of `pending` to the `csv` reader, and drops them.
    fn csv_block(&mut self, end: usize) {
        if self.stopped || end == 0 {
            return;
        }
        let block = self.pending.get(..end).unwrap_or_default();
        let first_line = self.pending_line;
        let text = match std::str::from_utf8(block) {
            Ok(text) => text,
            Err(error) => {
                let line = first_line + bytecount(block.get(..error.valid_up_to()).unwrap_or_default(), b'\n');
                self.collector.shape_error(RowError { line, field: None, code: RowErrorCode::Malformed });
                self.stop();
                return;
            }
        };
        let text = if self.started { text } else { text.strip_prefix('\u{feff}').unwrap_or(text) };
        self.started = true;
        let (header, collector) = (&mut self.csv_header, &mut self.collector);
        let read = csv_records(text, |line, cells| csv_row(first_line + line - 1, cells, header, collector));
        if let Err(line) = read {
            let line = first_line + line - 1;
            self.collector.shape_error(RowError { line, field: None, code: RowErrorCode::Malformed });
            self.stop();
            return;
        }
        self.pending_line += bytecount(block, b'\n');
        self.pending.drain(..end);
        self.scanned -= end;
        self.records_end -= end;
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.pending = Vec::new();
        (self.scanned, self.records_end) = (0, 0);
    }
}

/// Gathers validated rows and errors while a file is read.
#[derive(Debug)]
struct RowCollector<'i> {
    insurer: &'i InsurerNumber,
    rows: Vec<BatchRow>,
    shape_errors: ErrorTally,
    row_errors: ErrorTally,
    count: usize,
    /// Lines refused for their shape, each counted once however many errors it has (they come in file order).
    shape_lines: u64,
    last_shape_line: Option<u64>,
}

impl<'i> RowCollector<'i> {
    fn new(insurer: &'i InsurerNumber) -> Self {
        Self {
            insurer,
            rows: Vec::new(),
            shape_errors: ErrorTally::new(),
            row_errors: ErrorTally::new(),
            count: 0,
            shape_lines: 0,
            last_shape_line: None,
        }
    }

    fn shape_error(&mut self, error: RowError) {
        if self.last_shape_line != Some(error.line) {
            self.shape_lines += 1;
            self.last_shape_line = Some(error.line);
        }
        self.shape_errors.push(error);
    }

    /// A line refused for its shape never reaches [`RowCollector::add`], and a row that does has at most one field
    /// error: so each refused line is counted once, among the lines read.
    fn rows_read(&self) -> RowsRead {
        let read = (self.count as u64).saturating_add(self.shape_lines);
        let refused = self.shape_lines.saturating_add(self.row_errors.total()).min(read);
        RowsRead::new(read, refused).unwrap_or_default()
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
            // Rows arrive in file order and each line has at most one error, so the tally keeps the first ones.
            Err(error) => self.row_errors.push(error),
        }
    }

    fn finish(mut self) -> Result<Vec<BatchRow>, ErrorTally> {
        if !self.shape_errors.is_empty() {
            return Err(self.shape_errors);
        }
        if self.count == 0 || self.count > MAX_ROWS {
            return Err(ErrorTally::of(vec![RowError { line: 0, field: None, code: RowErrorCode::BatchSize }]));
        }
        self.row_errors.merge(duplicate_acquisitions(&self.rows));
        if self.row_errors.is_empty() { Ok(self.rows) } else { Err(self.row_errors) }
    }
}

/// Reads one JSON line (without its line feed; a CR before it is dropped).
fn ndjson_line(line_number: u64, line: &[u8], collector: &mut RowCollector<'_>) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Ok(line) = std::str::from_utf8(line) else {
        collector.shape_error(RowError { line: line_number, field: None, code: RowErrorCode::Malformed });
        return;
    };
    if line.trim().is_empty() {
        return;
    }
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(line) else {
        collector.shape_error(RowError { line: line_number, field: None, code: RowErrorCode::Malformed });
        return;
    };
    let mut values: Vec<(String, String)> = Vec::with_capacity(object.len());
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

/// Reads one CSV record: the first is the header naming the fields.
fn csv_row(line: u64, cells: &[&str], header: &mut Option<Vec<String>>, collector: &mut RowCollector<'_>) {
    let Some(names) = header.as_ref() else {
        *header = Some(cells.iter().map(|cell| (*cell).to_owned()).collect());
        return;
    };
    if cells.len() == 1 && cells.first().is_some_and(|cell| cell.is_empty()) {
        return;
    }
    if cells.len() != names.len() {
        collector.shape_error(RowError { line, field: None, code: RowErrorCode::Malformed });
        return;
    }
    let fields: Vec<(&str, &str)> =
        names.iter().map(String::as_str).zip(cells.iter().copied()).filter(|(_, value)| !value.is_empty()).collect();
    collector.add(line, &fields);
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
        let found: Vec<(u64, Option<&str>, RowErrorCode)> =
            errors.first().iter().map(|e| (e.line, e.field, e.code)).collect();
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
        let found: Vec<(u64, Option<&str>, RowErrorCode)> =
            errors.first().iter().map(|e| (e.line, e.field, e.code)).collect();
        assert_eq!(found, vec![(2, None, RowErrorCode::Malformed),]);
        // Without the unparseable line, the per-field errors of the remaining rows all show.
        let body = body.replace("not json\n", "");
        let errors = parse_batch(BatchFormat::Ndjson, body.as_bytes(), &insurer()).unwrap_err();
        let found: Vec<(u64, Option<&str>, RowErrorCode)> =
            errors.first().iter().map(|e| (e.line, e.field, e.code)).collect();
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
        assert_eq!(errors.first()[0].code, RowErrorCode::InsurerMismatch);
        let extra = ROW.replace("\"op\"", "\"my_number\":\"1\",\"op\"");
        assert_eq!(
            parse_batch(BatchFormat::Ndjson, extra.as_bytes(), &insurer()).unwrap_err().first()[0].code,
            RowErrorCode::UnknownField
        );
        assert_eq!(
            parse_batch(BatchFormat::Ndjson, b"", &insurer()).unwrap_err().first()[0].code,
            RowErrorCode::BatchSize
        );
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
            parse_batch(BatchFormat::Csv, short.as_bytes(), &insurer()).unwrap_err().first()[0].code,
            RowErrorCode::Malformed
        );
    }

    #[test]
    fn a_file_read_in_chunks_of_any_size_reads_as_a_whole() {
        let owner = insurer();
        let ndjson = format!("{ROW}\r\n\n{}\n{ROW}", ROW.replace("A03", "A07"));
        let csv = "op,number,symbol,branch,disqualification_date\r\nlose,5001,\"1\n0\",00,2026-11-01\n\
                   lose,5002,10,00,2026-11-01\nlose,5002,10\n";
        for (format, body) in [(BatchFormat::Ndjson, ndjson.as_bytes()), (BatchFormat::Csv, csv.as_bytes())] {
            let whole = parse_batch(format, body, &insurer());
            for size in [1, 2, 3, 7, 64] {
                let mut reader = BatchReader::new(format, &owner);
                body.chunks(size).for_each(|chunk| reader.push(chunk));
                assert_eq!(reader.finish(), whole, "{format:?} in chunks of {size}");
            }
        }
        let with_bom = format!("\u{feff}{csv}");
        let mut reader = BatchReader::new(BatchFormat::Csv, &owner);
        with_bom.as_bytes().chunks(1).for_each(|chunk| reader.push(chunk));
        assert_eq!(reader.finish(), parse_batch(BatchFormat::Csv, csv.as_bytes(), &insurer()));
    }

    #[test]
    fn the_rows_read_so_far_count_each_refused_line_once() {
        let owner = insurer();
        let mut reader = BatchReader::new(BatchFormat::Ndjson, &owner);
        assert_eq!((reader.rows_read().read(), reader.rows_read().refused()), (0, 0));
        // A good row, a blank line, a bad check digit, a good row, and the start of a line not yet ended.
        let body = format!("{ROW}\n\n{}\n{ROW}\n{{\"op\"", ROW.replace("123456789018", "123456789012"));
        reader.push(body.as_bytes());
        assert_eq!((reader.rows_read().read(), reader.rows_read().refused()), (3, 1));
        // The line ends as a row without its fields.
        reader.push(b":\"acquire\"}\n");
        assert_eq!((reader.rows_read().read(), reader.rows_read().refused()), (4, 2));
        // A line with two values of the wrong type is one refused line; the rows after it are only counted, as
        // the file is refused for its shape whatever they hold.
        let two_bad_types = ROW.replace("\"5001\"", "[1]").replace("\"A03\"", "{}");
        reader.push(format!("{two_bad_types}\n{{\"op\":\"acquire\"}}\n").as_bytes());
        assert_eq!((reader.rows_read().read(), reader.rows_read().refused()), (6, 3));
        // CSV: the header is not a row; a record with the wrong number of cells is refused.
        let mut reader = BatchReader::new(BatchFormat::Csv, &owner);
        reader.push(b"op,number,symbol,branch,disqualification_date\nlose,5001,10,00,2026-11-01\nlose,5002\n");
        // A CSV block is read once it is large, or at the end of the file.
        assert_eq!(reader.rows_read().read(), 0);
        reader.push(&b"lose,5003,10,00,2026-11-01\n".repeat(CSV_BLOCK_BYTES / 20));
        let read = reader.rows_read();
        assert!(read.read() > 2 && read.refused() == 1, "{read:?}");
    }

    #[test]
    fn millions_of_bad_lines_keep_a_bounded_list_and_an_exact_count() {
        let lines = 2_000_000_u64;
        let errors = parse_batch(BatchFormat::Ndjson, "0\n".repeat(lines as usize).as_bytes(), &insurer()).unwrap_err();
        assert_eq!(errors.first().len(), crate::batch::tally::MAX_REPORTED_ERRORS);
        assert_eq!(errors.total(), lines);
        assert_eq!(errors.by_code().get(&RowErrorCode::Malformed), Some(&lines));
        assert_eq!(errors.first().last().map(|error| error.line), Some(1_000));
        let header = "op,number,symbol\n";
        let csv = format!("{header}{}", "lose\n".repeat(5_000));
        let errors = parse_batch(BatchFormat::Csv, csv.as_bytes(), &insurer()).unwrap_err();
        assert_eq!((errors.first().len(), errors.total()), (crate::batch::tally::MAX_REPORTED_ERRORS, 5_000));
    }

    #[test]
    fn an_endless_line_or_record_is_malformed_without_being_held() {
        let owner = insurer();
        let long = format!("{ROW}\n{}\n{ROW}\n", "x".repeat(MAX_LINE_BYTES + 1));
        let mut reader = BatchReader::new(BatchFormat::Ndjson, &owner);
        long.as_bytes().chunks(1000).for_each(|chunk| reader.push(chunk));
        assert!(reader.pending.capacity() <= MAX_LINE_BYTES + 1000);
        let errors = reader.finish().unwrap_err();
        assert_eq!(errors.first().iter().map(|e| (e.line, e.code)).collect::<Vec<_>>(), [(2, RowErrorCode::Malformed)]);
        // A quote never closed would read to the end of the file as one record.
        let mut reader = BatchReader::new(BatchFormat::Csv, &owner);
        reader.push(b"op,number\nlose,\"5001\n");
        for _ in 0..100 {
            reader.push(&[b'x'; 4096]);
        }
        assert!(reader.pending.capacity() < 2 * MAX_LINE_BYTES);
        let errors = reader.finish().unwrap_err();
        assert_eq!(errors.first().iter().map(|e| (e.line, e.code)).collect::<Vec<_>>(), [(2, RowErrorCode::Malformed)]);
        let mut bad = format!("{ROW}\n").into_bytes();
        bad.extend_from_slice(b"\xff\n");
        let errors = parse_batch(BatchFormat::Ndjson, &bad, &insurer()).unwrap_err();
        assert_eq!(errors.first().iter().map(|e| (e.line, e.code)).collect::<Vec<_>>(), [(2, RowErrorCode::Malformed)]);
    }
}
