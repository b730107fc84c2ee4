//! The clinic's CSV files as the console reads them: the appointment list of a bulk pre-check
//! ([`crate::appointment_list`]) and the patient register matched against the national reader's results
//! ([`crate::patient_register`]). One reading of both: UTF-8 or Shift_JIS as a レセコン or a spreadsheet writes
//! them, a header row whose names are found in any order and case, RFC 4180 cells, the clinic's patient id checked
//! the same way, and every row in error reported by its line before anything is used.
//!
//! Layer: pure, tested natively (the Shift_JIS decoder is handed in). Must not: send anything, or know what a row
//! means beyond its patient id.

use crate::form::FormProblem;

/// Longest clinic patient id, in characters: a table cell, not a note.
pub const MAX_PATIENT_ID_CHARS: usize = 32;

/// The header names of the clinic's patient id column (Japanese as a レセコン writes them, and English).
pub const PATIENT_ID_HEADERS: &[&str] = &["患者id", "患者番号", "カルテ番号", "patient_id"];

/// Which file a problem is about: each says it in its own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// The appointment list of a bulk pre-check.
    Appointments,
    /// The clinic's patient register.
    Register,
}

/// Why one row cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowProblemKind {
    /// The row does not have as many cells as the header.
    Cells,
    /// The patient id is empty, too long, or not one line.
    PatientId,
    /// A part of the number or the birth date does not check.
    Field(FormProblem),
    /// The カナ氏名 is empty, too long, or not one line.
    KanaName,
    /// The 漢字氏名 is too long or not one line.
    Name,
    /// The 性別 is none of 男, 女, 1, 2, M, F, male, female.
    Sex,
    /// The 照会番号 is not up to 50 printable ASCII characters.
    ReferenceNumber,
    /// The row names the insured person of the row on `first_line` again: the edge refuses such an appointment
    /// list, since it could only be trying birth dates against that person.
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
            Self::Field(problem) => problem.key(),
            Self::KanaName => "staff.register.row_kana_name",
            Self::Name => "staff.register.row_name",
            Self::Sex => "staff.register.row_sex",
            Self::ReferenceNumber => "staff.register.row_reference_number",
            Self::Repeated { .. } => "staff.bulk.row_repeated",
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

/// Why the file cannot be used.
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
    /// The resource key of the message about `table` (`staff/locales/`).
    pub fn key(&self, table: Table) -> &'static str {
        match (table, self) {
            (Table::Appointments, Self::NotText) => "staff.bulk.not_text",
            (Table::Appointments, Self::Empty) => "staff.bulk.empty",
            (Table::Appointments, Self::MissingColumn(_)) => "staff.bulk.missing_column",
            (Table::Appointments, Self::TooManyRows(_)) => "staff.bulk.too_many_rows",
            (Table::Appointments, Self::Rows(_)) => "staff.bulk.rows_in_error",
            (Table::Register, Self::NotText) => "staff.register.not_text",
            (Table::Register, Self::Empty) => "staff.register.empty",
            (Table::Register, Self::MissingColumn(_)) => "staff.register.missing_column",
            (Table::Register, Self::TooManyRows(_)) => "staff.register.too_many_rows",
            (Table::Register, Self::Rows(_)) => "staff.register.rows_in_error",
        }
    }
}

/// The file's text: UTF-8 (a BOM is dropped) when it is valid UTF-8, else Shift_JIS through `shift_jis`, which
/// answers `None` for bytes that are not Shift_JIS either.
pub fn decode(bytes: &[u8], shift_jis: impl FnOnce(&[u8]) -> Option<String>) -> Result<String, ListProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) => shift_jis(bytes).ok_or(ListProblem::NotText),
    }
}

/// A data row: the line it starts on, and its cells.
pub type Row = (usize, Vec<String>);

/// The file's header and data rows, or [`ListProblem::Empty`] when it has no row under its header: the header's
/// names trimmed and lower-cased (for [`column`]), each data row with its line, blank rows left out.
pub fn table(text: &str) -> Result<(Vec<String>, Vec<Row>), ListProblem> {
    let mut records = records(text).into_iter();
    let (_, header) = records.next().ok_or(ListProblem::Empty)?;
    let header: Vec<String> = header.iter().map(|name| name.trim().to_lowercase()).collect();
    let rows: Vec<Row> = records.filter(|(_, cells)| cells.iter().any(|cell| !cell.trim().is_empty())).collect();
    if rows.is_empty() { Err(ListProblem::Empty) } else { Ok((header, rows)) }
}

/// Where the column known by `spellings` is in `header`, when it is there.
pub fn column(header: &[String], spellings: &[&str]) -> Option<usize> {
    header.iter().position(|cell| spellings.contains(&cell.as_str()))
}

/// The clinic's patient id in a cell: trimmed, 1 to [`MAX_PATIENT_ID_CHARS`] characters, one line.
pub fn patient_id(cell: &str) -> Result<&str, RowProblemKind> {
    let patient_id = cell.trim();
    let plain = patient_id.chars().all(|c| !c.is_control());
    if patient_id.is_empty() || patient_id.chars().count() > MAX_PATIENT_ID_CHARS || !plain {
        Err(RowProblemKind::PatientId)
    } else {
        Ok(patient_id)
    }
}

/// The file's records with the line each starts on: cells split on commas, a cell in double quotes may hold
/// commas, line breaks and doubled quotes (RFC 4180), and a line may end in CRLF or LF.
pub(crate) fn records(text: &str) -> Vec<Row> {
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
