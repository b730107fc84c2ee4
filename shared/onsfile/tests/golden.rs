//! The hand-written golden files under `tests/data/` (see its README) read as the reference describes them.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use onshi_onsfile::check::{Processing, Segment, Ymd};
use onshi_onsfile::document::{self, Read};
use onshi_onsfile::messages::{BulkResult, QualificationAnswer, QualificationRequest, RecordRequest, ReferenceRequest};
use onshi_onsfile::name::{FileName, Operation, System};
use onshi_onsfile::reader_result::reader_result;
use onshi_onsfile::record::Record;
use onshi_onsfile::verdict::{Verdict, unit_verdict};
use onshi_onsfile::{Charset, IssueKind, OnsfileError, Unanswered};
use onshi_proto::qualification::Percent;
use onshi_proto::qualification::Validity;

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn read<T: Record>(name: &str) -> Read<T> {
    assert!(FileName::parse(name).is_ok(), "{name} is an interface file name");
    document::read(&golden(name)).unwrap()
}

const FACE: &str = "OQSsiquc01res_face_011011371900000000000000000001_20260930091500.xml";
const FACE_LOST: &str = "OQSsiquc01res_face_011011371900000000000000000002_20260930101500.xml";

#[test]
fn shift_jis_face_files_become_reader_results() {
    let lost = reader_result(FACE_LOST, &golden(FACE_LOST)).unwrap();
    assert_eq!(lost.file_name.as_str(), FACE_LOST);
    assert_eq!(lost.validity, Validity::Invalid);
    // 2026-09-30 10:15:00 in Japan.
    assert_eq!(lost.checked_at, Some(1_790_730_900));
    assert_eq!(lost.name.unwrap().as_str(), "渡邉　花子");
    assert_eq!(lost.name_kana.unwrap().as_str(), "ﾜﾀﾅﾍﾞ ﾊﾅｺ");
    assert_eq!(lost.insurer_number.unwrap().as_str(), "06130017");
    assert_eq!(lost.insurer_name.unwrap().as_str(), "全国健康保険協会東京支部");
    // The 高齢受給者証's 2割, not the insured 3割.
    assert_eq!(lost.contribution_percent.map(Percent::get), Some(20));
    assert_eq!(lost.disqualification_date.unwrap().to_string(), "2026-09-15");
    assert_eq!(lost.limit_category.unwrap().as_str(), "B01");

    let valid = reader_result(FACE, &golden(FACE)).unwrap();
    assert_eq!(valid.validity, Validity::Valid);
    assert_eq!(valid.name.unwrap().as_str(), "髙●　太郎");
    assert_eq!(valid.insurer_number.unwrap().as_str(), "138057");
    assert_eq!(valid.contribution_percent.map(Percent::get), Some(30));
    assert_eq!(valid.limit_category.unwrap().as_str(), "A03");
}

#[test]
fn an_error_answer_is_no_reader_result() {
    let error = golden("OQSsiquc01res_202609300003.xml");
    assert_eq!(
        reader_result(FACE, &error),
        Err(OnsfileError::NoQualification(Unanswered::Error {
            code: Some("ERR-SAMPLE".into()),
            message: Some("hand-written sample error text".into())
        }))
    );
}

#[test]
fn shift_jis_face_result_keeps_padding_zeros_and_gaiji() {
    let read: Read<QualificationAnswer> = read(FACE);
    assert_eq!(read.charset, Charset::ShiftJis);
    let Verdict::Valid(record) = read.message.verdict() else {
        panic!("expected 有効: {:?}", read.message.verdict())
    };
    let insurer = record.insurer.as_ref().unwrap();
    assert_eq!(insurer.raw, "  138057");
    assert_eq!(insurer.value.as_ref().unwrap().as_str(), "138057");
    assert_eq!(record.symbol.as_deref(), Some("０１２３"));
    assert_eq!(record.number.as_deref(), Some("0045"));
    assert_eq!(record.branch.as_ref().unwrap().raw, "01");
    assert_eq!(record.ratio.as_deref(), Some("030"));
    assert_eq!(record.reference_number.as_deref(), Some("000123"));
    assert_eq!(record.name.as_deref(), Some("髙●　太郎"));
    assert_eq!(record.name_kana.as_deref(), Some("ﾀｶﾊｼ ﾀﾛｳ"));
    assert_eq!(record.birthdate.as_ref().unwrap().value, Ymd::new(1958, 4, 1));
    // The older 薬剤 consent spelling lands in the same field as the newer one.
    assert_eq!(record.drug_consent.as_deref(), Some("1"));
    assert_eq!(record.drug_available.as_deref(), Some("20261001091455"));
    assert_eq!(record.limit.0.as_ref().unwrap().category.as_deref(), Some("A03"));
    assert_eq!(record.diseases.0.as_ref().unwrap().certificates.len(), 1);
    // The unknown element is kept and reported, and nothing else is.
    assert_eq!(record.unknown.len(), 1);
    assert_eq!(
        read.unknown_paths().collect::<Vec<_>>(),
        ["XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation[0]/FutureExtensionElement"]
    );
    assert_eq!(read.issues.len(), 1);
}

#[test]
fn face_result_rewritten_in_shift_jis_reads_the_same() {
    let read: Read<QualificationAnswer> = read(FACE);
    let bytes = document::write(&read.message, Charset::ShiftJis).unwrap();
    let again: Read<QualificationAnswer> = document::read(&bytes).unwrap();
    assert_eq!(again.message, read.message);
    // Written with the newer spelling, the unknown element carried along.
    let text = encoding_text(&bytes);
    assert!(text.contains("<PharmaceuticalInfoConsFlg>1</PharmaceuticalInfoConsFlg>"));
    assert!(text.contains("<InsurerNumber>  138057</InsurerNumber>"));
    assert!(text.contains("<FutureExtensionElement>kept</FutureExtensionElement>"));
}

fn encoding_text(bytes: &[u8]) -> String {
    onshi_onsfile::encoding::decode(bytes).text
}

#[test]
fn by_number_request_checks_every_field() {
    let read: Read<QualificationRequest> = read("OQSsiquc01req_202609300001.xml");
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    let header = read.message.header.0.unwrap();
    assert_eq!(header.facility.unwrap().value.unwrap().as_str(), "0110113719");
    let search = read.message.body.0.unwrap().search.0.unwrap();
    assert_eq!(search.insurer.unwrap().value.unwrap().as_str(), "06130017");
    assert_eq!(search.number.as_deref(), Some("00567"));
    assert_eq!(search.branch.unwrap().raw, "00");
}

#[test]
fn bulk_result_reads_each_unit_and_reports_one_bad_date_without_dropping_it() {
    let read: Read<BulkResult> = read("OQSmuquc02res_202609300002.xml");
    let header = read.message.header.0.as_ref().unwrap();
    assert_eq!(header.reception_number.as_deref(), Some("R000000042"));
    assert_eq!(header.segment.as_ref().unwrap().value, Some(Segment::Completed));
    let body = read.message.body.0.as_ref().unwrap();
    assert_eq!(body.units.len(), 2);
    assert!(matches!(unit_verdict(Some(&body.units[0])), Verdict::Valid(_)));
    assert_eq!(body.units[0].reference_number.as_deref(), Some("000777"));
    assert_eq!(
        unit_verdict(Some(&body.units[1])),
        Verdict::NotValid { validity: Some(Validity::NoQualification), results: 0 }
    );
    let bad_birthdate = body.units[1].search.0.as_ref().unwrap().birthdate.as_ref().unwrap();
    assert_eq!(bad_birthdate.raw, "19900230");
    assert_eq!(bad_birthdate.value, None);
    assert_eq!(read.issues.len(), 1);
    assert_eq!(read.issues[0].path, "XmlMsg/MessageBody/BulkConfirmUnit[1]/QualificationConfirmSearchInfo/Birthdate");
    assert!(matches!(read.issues[0].kind, IssueKind::Invalid(_)));
}

#[test]
fn error_answer_is_an_error_not_a_qualification() {
    let read: Read<QualificationAnswer> = read("OQSsiquc01res_202609300003.xml");
    assert_eq!(
        read.message.verdict(),
        Verdict::Error { code: Some("ERR-SAMPLE".into()), message: Some("hand-written sample error text".into()) }
    );
    assert_eq!(read.message.body.0.unwrap().status.unwrap().value, Some(Processing::Error));
}

#[test]
fn reference_registration_keeps_the_padded_insurer_number() {
    let read: Read<ReferenceRequest> = read("OQSsiimm01req_202609300004.xml");
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    let registrations = read.message.body.0.unwrap().registrations;
    assert_eq!(registrations.len(), 1);
    assert_eq!(registrations[0].reference_number.as_deref(), Some("000123"));
    assert_eq!(registrations[0].insurer.as_ref().unwrap().raw, "  138057");
}

#[test]
fn drug_information_request_uses_its_own_header_names() {
    let name = "YZKsiquc01req_202609300005.xml";
    let FileName::Exchange(parsed) = FileName::parse(name).unwrap() else { panic!("not an exchange name") };
    assert_eq!((parsed.prefix.system, parsed.prefix.operation), (System::Yzk, Operation::SingleCheck));
    let read: Read<RecordRequest> = read(name);
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    let header = read.message.header.0.unwrap();
    assert_eq!(header.symbol.as_deref(), Some("12-34"));
    assert_eq!(header.number.as_deref(), Some("00567"));
    assert_eq!(read.message.body.0.unwrap().file_category.as_deref(), Some("2"));
}

#[test]
fn a_qualification_request_read_as_another_message_reports_rather_than_fails() {
    let read: Read<BulkResult> = read("OQSsiquc01req_202609300001.xml");
    assert!(read.unknown_paths().any(|p| p == "XmlMsg/MessageBody/QualificationConfirmSearchInfo"));
}
