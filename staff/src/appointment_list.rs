//! The appointment list staff upload for a bulk pre-check (一括照会, 前日確認): a CSV file with a header row, in
//! UTF-8 or Shift_JIS as a レセコン or a spreadsheet writes it, read whole and strictly before anything is sent.
//! Each row is checked by the by-number form's own rules ([`crate::form::NumberForm`]), so a row the console
//! accepts is one the edge and the terminal accept; the clinic's patient id stays here and is never sent (results
//! come back in the order of the rows).
//!
//! Layer: pure, tested natively; the file is read by [`crate::csv_table`], shared with the patient register. The
//! Shift_JIS decoder is handed in (the browser's `TextDecoder` in the console, the file interface crate's in
//! tests). Must not: send anything, or accept a list with any row in error.

use onshi_proto::bridge_bulk::{Appointment, MAX_BULK_ROWS, repeated_rows};
use onshi_proto::insured_number::{BranchNumber, InsuredNo, InsuredSymbol};
use onshi_proto::insurer_number::InsurerNumber;

pub use crate::csv_table::{ListProblem, MAX_PATIENT_ID_CHARS, RowProblem, RowProblemKind, Table, decode};
use crate::csv_table::{PATIENT_ID_HEADERS, column, patient_id, table};
use crate::form::{FormProblem, NumberForm};

/// One checked row: the clinic's patient id (kept in the console) and what is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRow {
    /// The clinic's own patient id, as the list gave it.
    pub patient_id: String,
    /// The appointment to check.
    pub appointment: Appointment,
}

/// The columns, each with the header names it is known by (Japanese as a レセコン writes them, and English).
const COLUMNS: [(&str, &[&str]); 6] = [
    ("patient_id", PATIENT_ID_HEADERS),
    ("insurer_number", &["保険者番号", "insurer_number"]),
    ("symbol", &["記号", "被保険者記号", "symbol"]),
    ("number", &["番号", "被保険者番号", "number"]),
    ("branch", &["枝番", "branch"]),
    ("birth_date", &["生年月日", "birth_date"]),
];

/// Reads the list: every row checked, all or nothing.
pub fn read(text: &str) -> Result<Vec<PlannedRow>, ListProblem> {
    let (header, rows) = table(text)?;
    let mut at = [0usize; 6];
    for (slot, (name, spellings)) in at.iter_mut().zip(COLUMNS) {
        *slot = column(&header, spellings).ok_or(ListProblem::MissingColumn(name))?;
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
    let patient_id = patient_id(cell(0))?;
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
            RowProblemKind::KanaName.key(),
            RowProblemKind::Name.key(),
            RowProblemKind::Sex.key(),
            RowProblemKind::ReferenceNumber.key(),
        ];
        let problems = [
            ListProblem::NotText,
            ListProblem::Empty,
            ListProblem::MissingColumn("x"),
            ListProblem::TooManyRows(0),
            ListProblem::Rows(Vec::new()),
        ];
        let keys = keys.into_iter().chain(
            problems.iter().flat_map(|problem| [problem.key(Table::Appointments), problem.key(Table::Register)]),
        );
        for key in keys {
            for lang in Lang::ALL {
                assert_ne!(t(lang, key), key, "{key} in {lang:?}");
            }
        }
    }
}
