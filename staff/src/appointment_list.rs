//! The appointment list staff upload for a bulk pre-check (一括照会, 前日確認): a CSV file with a header row, in
//! UTF-8 or Shift_JIS as a レセコン or a spreadsheet writes it, read whole and strictly before anything is sent.
//! Each row is checked by the by-number form's own rules ([`crate::form::NumberForm`]), so a row the console
//! accepts is one the edge and the terminal accept; the clinic's patient id stays here and is never sent (results
//! come back in the order of the rows).
//!
//! Layer: pure, tested natively. The Shift_JIS decoder is handed in (the browser's `TextDecoder` in the console,
//! the file interface crate's in tests). Must not: send anything, or accept a list with any row in error.

use onshi_proto::bridge_bulk::{Appointment, MAX_BULK_ROWS, repeated_rows};
use onshi_proto::insured_number::{BranchNumber, InsuredNo, InsuredSymbol};
use onshi_proto::insurer_number::InsurerNumber;

use crate::form::{FormProblem, NumberForm};

/// Longest clinic patient id, in characters: a table cell, not a note.
pub const MAX_PATIENT_ID_CHARS: usize = 32;

/// One checked row: the clinic's patient id (kept in the console) and what is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRow {
    /// The clinic's own patient id, as the list gave it.
    pub patient_id: String,
    /// The appointment to check.
    pub appointment: Appointment,
}

/// Why one row cannot be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowProblemKind {
    /// The row does not have as many cells as the header.
    Cells,
    /// The patient id is empty, too long, or not one line.
    PatientId,
    /// A part of the number or the birth date does not check.
    Field(FormProblem),
    /// The row names the insured person of the row on `first_line` again: the edge refuses such a list, since it
    /// could only be trying birth dates against that person.
    Repeated {
        /// The line of the first row naming them.
        first_line: usize,
    },
}

impl RowProblemKind {
    /// The resource key of the message (`staff/locales/`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Cells => "staff.bulk.row_cells",
            Self::PatientId => "staff.bulk.row_patient_id",
            Self::Repeated { .. } => "staff.bulk.row_repeated",
            Self::Field(problem) => problem.key(),
        }
    }
}

/// A row in error, by its line in the file (the header is line 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// The line in the file.
    pub line: usize,
    /// What is wrong.
    pub kind: RowProblemKind,
}

/// Why the list cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListProblem {
    /// The file is neither UTF-8 nor Shift_JIS text.
    NotText,
    /// No header row, or no row under it.
    Empty,
    /// The header lacks a column the check needs (its resource key's name: `patient_id`, `insurer_number`, …).
    MissingColumn(&'static str),
    /// More rows than one upload may hold.
    TooManyRows(usize),
    /// Rows in error, in file order (all of them, so staff correct the file once).
    Rows(Vec<RowProblem>),
}

impl ListProblem {
    /// The resource key of the message (`staff/locales/`).
    pub fn key(&self) -> &'static str {
        match self {
            Self::NotText => "staff.bulk.not_text",
            Self::Empty => "staff.bulk.empty",
            Self::MissingColumn(_) => "staff.bulk.missing_column",
            Self::TooManyRows(_) => "staff.bulk.too_many_rows",
            Self::Rows(_) => "staff.bulk.rows_in_error",
        }
    }
}

/// The columns, each with the header names it is known by (Japanese as a レセコン writes them, and English).
const COLUMNS: [(&str, &[&str]); 6] = [
    ("patient_id", &["患者id", "患者番号", "カルテ番号", "patient_id"]),
    ("insurer_number", &["保険者番号", "insurer_number"]),
    ("symbol", &["記号", "被保険者記号", "symbol"]),
    ("number", &["番号", "被保険者番号", "number"]),
    ("branch", &["枝番", "branch"]),
    ("birth_date", &["生年月日", "birth_date"]),
];

/// The file's text: UTF-8 (a BOM is dropped) when it is valid UTF-8, else Shift_JIS through `shift_jis`, which
/// answers `None` for bytes that are not Shift_JIS either.
pub fn decode(bytes: &[u8], shift_jis: impl FnOnce(&[u8]) -> Option<String>) -> Result<String, ListProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => shift_jis(bytes).ok_or(ListProblem::NotText),
    }
}

/// Reads the list: every row checked, all or nothing.
pub fn read(text: &str) -> Result<Vec<PlannedRow>, ListProblem> {
    let mut records = records(text).into_iter();
    let (_, header) = records.next().ok_or(ListProblem::Empty)?;
    let header: Vec<String> = header.iter().map(|name| name.trim().to_lowercase()).collect();
    let mut at = [0usize; 6];
    for (slot, (name, spellings)) in at.iter_mut().zip(COLUMNS) {
        *slot = header
            .iter()
            .position(|cell| spellings.contains(&cell.as_str()))
            .ok_or(ListProblem::MissingColumn(name))?;
    }
    let rows: Vec<(usize, Vec<String>)> =
        records.filter(|(_, cells)| cells.iter().any(|cell| !cell.trim().is_empty())).collect();
    if rows.is_empty() {
        return Err(ListProblem::Empty);
    }
    if rows.len() > MAX_BULK_ROWS {
        return Err(ListProblem::TooManyRows(rows.len()));
    }
    let mut planned = Vec::with_capacity(rows.len());
    let mut lines = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (line, cells) in rows {
        match row(&cells, header.len(), &at) {
            Ok(row) => {
                planned.push(row);
                lines.push(line);
            }
            Err(kind) => problems.push(RowProblem { line, kind }),
        }
    }
    let appointments: Vec<Appointment> = planned.iter().map(|row| row.appointment.clone()).collect();
    for (row, first) in repeated_rows(&appointments) {
        if let (Some(&line), Some(&first_line)) = (lines.get(row), lines.get(first)) {
            problems.push(RowProblem { line, kind: RowProblemKind::Repeated { first_line } });
        }
    }
    problems.sort_by_key(|problem| problem.line);
    if problems.is_empty() { Ok(planned) } else { Err(ListProblem::Rows(problems)) }
}

/// One row, checked.
fn row(cells: &[String], columns: usize, at: &[usize; 6]) -> Result<PlannedRow, RowProblemKind> {
    if cells.len() != columns {
        return Err(RowProblemKind::Cells);
    }
    let cell = |index: usize| cells.get(at[index]).map_or("", |text| text.as_str());
    let patient_id = cell(0).trim();
    let plain = patient_id.chars().all(|c| !c.is_control());
    if patient_id.is_empty() || patient_id.chars().count() > MAX_PATIENT_ID_CHARS || !plain {
        return Err(RowProblemKind::PatientId);
    }
    let form = NumberForm {
        insurer_number: cell(1).to_owned(),
        symbol: cell(2).to_owned(),
        number: cell(3).to_owned(),
        branch: cell(4).to_owned(),
        birth_date: cell(5).to_owned(),
    };
    let query = form.validate().map_err(RowProblemKind::Field)?;
    // The form's query has passed the same types these parse into; a refusal here would be a form bug, said as
    // the number's problem rather than sent.
    let number = RowProblemKind::Field(FormProblem::Number);
    let appointment = Appointment {
        insurer_number: InsurerNumber::parse(&query.insurer_number)
            .map_err(|_| RowProblemKind::Field(FormProblem::InsurerNumberCheckDigit))?,
        symbol: query.symbol.as_deref().map(InsuredSymbol::parse).transpose().map_err(|_| number)?,
        number: InsuredNo::parse(&query.number).map_err(|_| number)?,
        branch: query.branch.as_deref().map(BranchNumber::parse).transpose().map_err(|_| number)?,
        birth_date: query.birth_date,
    };
    Ok(PlannedRow { patient_id: patient_id.to_owned(), appointment })
}

/// The file's records with the line each starts on: cells split on commas, a cell in double quotes may hold
/// commas, line breaks and doubled quotes (RFC 4180), and a line may end in CRLF or LF.
fn records(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut records = Vec::new();
    let (mut cells, mut cell) = (Vec::new(), String::new());
    let (mut line, mut starts_on) = (1, 1);
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, other) => {
                if other == '\n' {
                    line += 1;
                }
                cell.push(other);
            }
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => cells.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                cells.push(std::mem::take(&mut cell));
                records.push((starts_on, std::mem::take(&mut cells)));
                line += 1;
                starts_on = line;
            }
            (false, other) => cell.push(other),
        }
    }
    if !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        records.push((starts_on, cells));
    }
    records
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    const HEADER: &str = "患者ID,保険者番号,記号,番号,枝番,生年月日\r\n";

    fn shift_jis(bytes: &[u8]) -> Option<String> {
        let decoded = onshi_onsfile::encoding::decode(bytes);
        (!decoded.had_errors).then_some(decoded.text)
    }

    #[test]
    fn a_list_in_utf8_or_shift_jis_reads_row_by_row() {
        let text =
            format!("{HEADER}P-001,06130017,記号１,00001,01,1980-01-15\r\n\"P,002\",06130017,,00002,,S55.2.17\r\n\r\n");
        let read = read(&decode(text.as_bytes(), shift_jis).unwrap()).unwrap();
        assert_eq!(read.len(), 2, "a blank line is not a row");
        assert_eq!(read[0].patient_id, "P-001");
        assert_eq!(read[0].appointment.symbol.as_ref().unwrap().as_str(), "記号１");
        assert_eq!(read[0].appointment.branch.as_ref().unwrap().as_str(), "01");
        assert_eq!(read[1].patient_id, "P,002", "a quoted cell keeps its comma");
        assert!(read[1].appointment.symbol.is_none() && read[1].appointment.branch.is_none());
        assert_eq!(read[1].appointment.birth_date.to_string(), "1980-02-17", "和暦 as the certificate prints it");

        let sjis = onshi_onsfile::encoding::encode(&text, onshi_onsfile::Charset::ShiftJis).unwrap();
        assert!(std::str::from_utf8(&sjis).is_err(), "the test file is really Shift_JIS");
        assert_eq!(super::read(&decode(&sjis, shift_jis).unwrap()).unwrap(), read);
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(super::read(&decode(&bom, shift_jis).unwrap()).unwrap(), read);
        assert_eq!(decode(&[0x82, 0xFF, 0xFF], shift_jis), Err(ListProblem::NotText));
    }

    #[test]
    fn english_headers_in_any_order_are_read_too() {
        let text = "birth_date,number,insurer_number,patient_id,branch,symbol\n1980-01-15,00001,06130017,A1,,\n";
        let read = read(text).unwrap();
        assert_eq!((read[0].patient_id.as_str(), read[0].appointment.number.as_str()), ("A1", "00001"));
    }

    #[test]
    fn every_row_in_error_is_named_by_its_line_and_nothing_is_planned() {
        let text = format!(
            "{HEADER}P1,06130018,,1,,1980-01-15\nP2,06130017,,1,1,1980-01-15\n,06130017,,1,,1980-01-15\nP4,06130017,,1,,1980-02-30\nP5,06130017\nP6,06130017,,00006,,1980-01-15\n"
        );
        let problem = |line, kind| RowProblem { line, kind };
        assert_eq!(
            read(&text),
            Err(ListProblem::Rows(vec![
                problem(2, RowProblemKind::Field(FormProblem::InsurerNumberCheckDigit)),
                problem(3, RowProblemKind::Field(FormProblem::Branch)),
                problem(4, RowProblemKind::PatientId),
                problem(5, RowProblemKind::Field(FormProblem::BirthDate)),
                problem(6, RowProblemKind::Cells),
            ]))
        );
        // A quoted cell across lines (a patient id holding a line break, itself refused) counts its lines, so the
        // next row's line is still right.
        let text = format!("{HEADER}\"P\n1\",06130017,,1,,1980-01-15\nP2,06130018,,1,,1980-01-15\n");
        let Err(ListProblem::Rows(rows)) = read(&text) else { panic!("rows in error") };
        assert_eq!(
            rows,
            [
                problem(2, RowProblemKind::PatientId),
                problem(4, RowProblemKind::Field(FormProblem::InsurerNumberCheckDigit))
            ]
        );
    }

    #[test]
    fn a_patient_listed_twice_is_named_on_each_later_line_with_the_line_first_naming_them() {
        // The same 保険者番号, 記号, 番号 and 枝番 with another birth date is the same person; another 枝番 (a family
        // member) is not.
        let text = format!(
            "{HEADER}P1,06130017,記号,00001,01,1980-01-15\nP2,06130017,記号,00001,02,1982-04-01\nP3,06130017,記号,00001,01,1981-03-09\nP4,06130018,,1,,1980-01-15\nP5,06130017,記号,00001,01,S55.2.17\n"
        );
        let problem = |line, kind| RowProblem { line, kind };
        assert_eq!(
            read(&text),
            Err(ListProblem::Rows(vec![
                problem(4, RowProblemKind::Repeated { first_line: 2 }),
                problem(5, RowProblemKind::Field(FormProblem::InsurerNumberCheckDigit)),
                problem(6, RowProblemKind::Repeated { first_line: 2 }),
            ]))
        );
    }

    #[test]
    fn the_list_as_a_whole_is_checked() {
        assert_eq!(read(""), Err(ListProblem::Empty));
        assert_eq!(read(HEADER), Err(ListProblem::Empty));
        assert_eq!(
            read("患者ID,保険者番号,記号,番号,枝番\nP1,06130017,,1,\n"),
            Err(ListProblem::MissingColumn("birth_date"))
        );
        let rows: String = (0..=MAX_BULK_ROWS).map(|i| format!("P{i},06130017,,{i},,1980-01-15\n")).collect();
        assert_eq!(read(&format!("{HEADER}{rows}")), Err(ListProblem::TooManyRows(MAX_BULK_ROWS + 1)));
        let most: String = (0..MAX_BULK_ROWS).map(|i| format!("P{i},06130017,,{i},,1980-01-15\n")).collect();
        assert_eq!(read(&format!("{HEADER}{most}")).unwrap().len(), MAX_BULK_ROWS);
    }

    #[test]
    fn every_message_is_in_every_language() {
        use crate::text::t;
        use onshi_web::i18n::Lang;
        let keys = [
            RowProblemKind::Cells.key(),
            RowProblemKind::PatientId.key(),
            RowProblemKind::Repeated { first_line: 2 }.key(),
            ListProblem::NotText.key(),
            ListProblem::Empty.key(),
            ListProblem::MissingColumn("x").key(),
            ListProblem::TooManyRows(0).key(),
            ListProblem::Rows(Vec::new()).key(),
        ];
        for key in keys {
            for lang in Lang::ALL {
                assert_ne!(t(lang, key), key, "{key} in {lang:?}");
            }
        }
    }
}
