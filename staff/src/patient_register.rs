//! The clinic's patient register staff load into the console, so that each national-reader check on the day's list
//! shows which of the clinic's patients it is ([`onshi_proto::patient_match`]): a CSV file read by the same rules
//! as the appointment list ([`crate::csv_table`]), with the columns 患者ID, カナ氏名 and 生年月日, and optionally
//! 漢字氏名, 性別 and 照会番号. Every row is checked, all or nothing, as for the appointment list.
//!
//! Layer: pure, tested natively. Must not: send the register or any of it anywhere (it stays in the page's memory,
//! in the browser that loaded it).

use onshi_proto::identifier::ReferenceNumber;
use onshi_proto::patient_match::{PatientRegister, RegisteredPatient};
use onshi_proto::qualification::Sex;
use onshi_proto::written_date;

use crate::csv_table::{ListProblem, PATIENT_ID_HEADERS, RowProblem, RowProblemKind, column, patient_id, table};
use crate::form::FormProblem;

/// Most patients one register may hold: a large clinic's, read in the browser in well under a second.
pub const MAX_REGISTER_ROWS: usize = 200_000;

/// Longest name, kana or kanji, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The required columns, each with the header names it is known by.
const REQUIRED: [(&str, &[&str]); 3] = [
    ("patient_id", PATIENT_ID_HEADERS),
    ("kana_name", &["カナ氏名", "氏名カナ", "フリガナ", "ふりがな", "kana_name", "name_kana"]),
    ("birth_date", &["生年月日", "birth_date"]),
];

/// The optional columns.
const OPTIONAL: [&[&str]; 3] = [&["漢字氏名", "氏名", "name"], &["性別", "sex"], &["照会番号", "reference_number"]];

/// Reads the register: every row checked, all or nothing.
pub fn read(text: &str) -> Result<PatientRegister, ListProblem> {
    let (header, rows) = table(text)?;
    let mut required = [0usize; 3];
    for (slot, (name, spellings)) in required.iter_mut().zip(REQUIRED) {
        *slot = column(&header, spellings).ok_or(ListProblem::MissingColumn(name))?;
    }
    let optional = OPTIONAL.map(|spellings| column(&header, spellings));
    if rows.len() > MAX_REGISTER_ROWS {
        return Err(ListProblem::TooManyRows(rows.len()));
    }
    let mut patients = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (line, cells) in rows {
        if cells.len() != header.len() {
            problems.push(RowProblem { line, kind: RowProblemKind::Cells });
            continue;
        }
        let cell = |at: usize| cells.get(at).map_or("", |text| text.trim());
        let optional_cell = |at: Option<usize>| at.map(cell).filter(|text| !text.is_empty());
        match patient(
            cell,
            required,
            optional_cell(optional[0]),
            optional_cell(optional[1]),
            optional_cell(optional[2]),
        ) {
            Ok(patient) => patients.push(patient),
            Err(kind) => problems.push(RowProblem { line, kind }),
        }
    }
    if problems.is_empty() { Ok(PatientRegister::new(patients)) } else { Err(ListProblem::Rows(problems)) }
}

/// One row, checked.
fn patient<'a>(
    cell: impl Fn(usize) -> &'a str,
    required: [usize; 3],
    name: Option<&str>,
    sex: Option<&str>,
    reference_number: Option<&str>,
) -> Result<RegisteredPatient, RowProblemKind> {
    let patient_id = patient_id(cell(required[0]))?;
    let name_kana = cell(required[1]);
    if !plain_name(name_kana) {
        return Err(RowProblemKind::KanaName);
    }
    let birth_date =
        written_date::parse(cell(required[2])).map_err(|_| RowProblemKind::Field(FormProblem::BirthDate))?;
    if name.is_some_and(|name| !plain_name(name)) {
        return Err(RowProblemKind::Name);
    }
    Ok(RegisteredPatient {
        patient_id: patient_id.to_owned(),
        reference_number: reference_number
            .map(ReferenceNumber::parse)
            .transpose()
            .map_err(|_| RowProblemKind::ReferenceNumber)?,
        name_kana: name_kana.to_owned(),
        name: name.map(str::to_owned),
        birth_date,
        sex: sex.map(|text| read_sex(text).ok_or(RowProblemKind::Sex)).transpose()?,
    })
}

/// 1 to [`MAX_NAME_CHARS`] characters on one line.
fn plain_name(text: &str) -> bool {
    !text.is_empty() && text.chars().count() <= MAX_NAME_CHARS && text.chars().all(|c| !c.is_control())
}

/// 性別 as registers write it: 男/女, the national codes 1/2 (3 未設定), M/F, or English.
fn read_sex(text: &str) -> Option<Sex> {
    match text.trim().to_lowercase().as_str() {
        "男" | "男性" | "m" | "male" => Some(Sex::Male),
        "女" | "女性" | "f" | "female" => Some(Sex::Female),
        "未設定" => Some(Sex::Unspecified),
        code => Sex::from_national_code(code),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::patient_match::{PatientMatch, Reading};

    use super::*;
    use crate::csv_table::{MAX_PATIENT_ID_CHARS, decode};

    fn shift_jis(bytes: &[u8]) -> Option<String> {
        let decoded = onshi_onsfile::encoding::decode(bytes);
        (!decoded.had_errors).then_some(decoded.text)
    }

    fn find(register: &PatientRegister, kana: &str, birth: &str) -> PatientMatch {
        let birth_date = onshi_proto::IsoDate::parse(birth).ok();
        register.find(&Reading { name_kana: Some(kana), birth_date, ..Reading::default() })
    }

    #[test]
    fn a_register_in_shift_jis_with_only_the_required_columns_reads_and_matches() {
        let text = "カルテ番号,カナ氏名,生年月日\r\n1001,ｼﾝﾘｮｳ ﾊﾅｺ,S59.6.12\r\n1002,ウケツケ　ヨウコ,1979-04-21\r\n";
        let bytes = onshi_onsfile::encoding::encode(text, onshi_onsfile::Charset::ShiftJis).unwrap();
        let register = read(&decode(&bytes, shift_jis).unwrap()).unwrap();
        assert_eq!(register.len(), 2);
        assert_eq!(find(&register, "シンリョウ　ハナコ", "1984-06-12"), PatientMatch::Unique("1001".into()));
        assert_eq!(find(&register, "ｳｹﾂｹ ﾖｳｺ", "1979-04-21"), PatientMatch::Unique("1002".into()));
    }

    #[test]
    fn the_optional_columns_are_read_in_any_order_and_may_be_empty() {
        let text = "sex,reference_number,name,birth_date,kana_name,patient_id\n\
                    女,R-1,診療　花子,1984-06-12,シンリョウ ハナコ,A1\n\
                    ,,,1984-06-12,シンリョウ ハナコ,A2\n\
                    1,,,1990-01-01,ベツ ジン,A3\n";
        let register = read(text).unwrap();
        let a1 = register.patient("A1").unwrap();
        assert_eq!((a1.sex, a1.reference_number.as_deref()), (Some(Sex::Female), Some("R-1")));
        assert_eq!(a1.name.as_deref(), Some("診療　花子"));
        let a2 = register.patient("A2").unwrap();
        assert_eq!((a2.sex, a2.reference_number.as_ref(), a2.name.as_ref()), (None, None, None));
        assert_eq!(register.patient("A3").unwrap().sex, Some(Sex::Male));
        // Same kana and birth date: both are candidates, and the kanji of one of them does not pick it alone.
        assert_eq!(
            find(&register, "シンリョウ ハナコ", "1984-06-12"),
            PatientMatch::Candidates(vec!["A1".into(), "A2".into()])
        );
    }

    #[test]
    fn every_row_in_error_is_named_by_its_line_and_no_register_is_made() {
        let long_id = "1".repeat(MAX_PATIENT_ID_CHARS + 1);
        let text = format!(
            "患者ID,カナ氏名,生年月日,性別,照会番号\n\
             {long_id},ア,1980-01-01,,\n\
             P2,,1980-01-01,,\n\
             P3,ア,1980-02-30,,\n\
             P4,ア,1980-01-01,不明,\n\
             P5,ア,1980-01-01,,照会 5\n\
             P6,ア\n\
             P7,ア,1980-01-01,女,P-7\n"
        );
        let problem = |line, kind| RowProblem { line, kind };
        assert_eq!(
            read(&text),
            Err(ListProblem::Rows(vec![
                problem(2, RowProblemKind::PatientId),
                problem(3, RowProblemKind::KanaName),
                problem(4, RowProblemKind::Field(FormProblem::BirthDate)),
                problem(5, RowProblemKind::Sex),
                problem(6, RowProblemKind::ReferenceNumber),
                problem(7, RowProblemKind::Cells),
            ]))
        );
    }

    #[test]
    fn the_file_as_a_whole_is_checked() {
        assert_eq!(read(""), Err(ListProblem::Empty));
        assert_eq!(read("患者ID,カナ氏名,生年月日\n"), Err(ListProblem::Empty));
        assert_eq!(read("患者ID,生年月日\nP1,1980-01-01\n"), Err(ListProblem::MissingColumn("kana_name")));
        assert_eq!(read("患者ID,カナ氏名\nP1,ア\n"), Err(ListProblem::MissingColumn("birth_date")));
    }
}
