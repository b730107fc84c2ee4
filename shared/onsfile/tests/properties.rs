//! Properties of the reader and writer: any bytes are read without a panic, every typed message written in
//! either encoding reads back as itself, and any face file becomes a reader result with its validity or a typed
//! error.

#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use onshi_onsfile::check::Ymd;
use onshi_onsfile::document;
use onshi_onsfile::messages::{
    AnswerHeader, BulkResult, QualificationAnswer, QualificationAnswerBody, QualificationRecord, QualificationRequest,
    ResultList, StatusAnswer,
};
use onshi_onsfile::name::{ExchangeName, FileName, Operation, System};
use onshi_onsfile::reader_result::reader_result;
use onshi_onsfile::record::{Check, Checked, One};
use onshi_onsfile::verdict::Verdict;
use onshi_onsfile::{Charset, Element, IssueKind, OnsfileError, Unanswered};
use onshi_proto::qualification::Validity;
use proptest::prelude::*;

const FACE: &str = "OQSsiquc01res_face_011011371900000000000000000001_20260930091500.xml";

/// Text Shift_JIS can carry, including the characters that need escaping, kana, `●` and padding spaces.
fn text() -> impl Strategy<Value = String> {
    "[0-9A-Za-z ｱ-ﾝﾞ　●髙診療太郎<>&\"'\n-]{0,12}"
}

fn checked<T: Check + std::fmt::Debug>() -> impl Strategy<Value = Option<Checked<T>>> {
    proptest::option::of(prop_oneof!["[0-9 ]{0,10}", text()].prop_map(|raw| Checked::<T>::new(&raw)))
}

fn record() -> impl Strategy<Value = QualificationRecord> {
    (
        checked(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        checked(),
        checked(),
        proptest::option::of(text()),
        proptest::collection::vec(("X[a-z]{1,6}", text()), 0..2),
    )
        .prop_map(|(insurer, name, kana, branch, birthdate, reference_number, unknown)| QualificationRecord {
            insurer,
            name,
            name_kana: kana,
            branch,
            birthdate,
            reference_number,
            unknown: unknown.into_iter().map(|(n, t)| Element::leaf(&n, &t)).collect(),
            ..QualificationRecord::default()
        })
}

fn answer() -> impl Strategy<Value = QualificationAnswer> {
    (
        checked(),
        checked(),
        proptest::option::of(text()),
        checked(),
        checked(),
        proptest::collection::vec(record(), 0..3),
    )
        .prop_map(|(facility, segment, error_code, status, validity, results)| QualificationAnswer {
            header: One(Some(AnswerHeader { facility, segment, error_code, ..AnswerHeader::default() })),
            body: One(Some(QualificationAnswerBody {
                status,
                validity,
                results: One(Some(ResultList { results, ..ResultList::default() })),
                ..QualificationAnswerBody::default()
            })),
            unknown: Vec::new(),
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = document::read::<QualificationAnswer>(&bytes);
        let _ = document::read::<BulkResult>(&bytes);
        let _ = FileName::parse(&String::from_utf8_lossy(&bytes));
        let _ = reader_result(FACE, &bytes);
    }

    #[test]
    fn any_face_file_is_a_result_with_its_validity_or_a_typed_error(message in answer(), ratio in text(),
                                                                     shift_jis in any::<bool>()) {
        let mut message = message;
        if let Some(record) = message.body.0.as_mut().and_then(|b| b.results.0.as_mut()).and_then(|l| l.results.first_mut()) {
            record.ratio = Some(ratio);
        }
        let charset = if shift_jis { Charset::ShiftJis } else { Charset::Utf8 };
        let bytes = document::write(&message, charset).unwrap();
        match (reader_result(FACE, &bytes), message.verdict()) {
            (Ok(result), Verdict::Valid(_)) => prop_assert_eq!(result.validity, Validity::Valid),
            (Ok(result), Verdict::NotValid { validity, .. }) => prop_assert_eq!(Some(result.validity), validity),
            (Err(OnsfileError::NoQualification(_)), Verdict::InProgress | Verdict::Error { .. }) => {}
            (Err(OnsfileError::NoQualification(Unanswered::NoValidity)), Verdict::NotValid { validity: None, .. }) => {}
            (outcome, verdict) => prop_assert!(false, "{:?} for {:?}", outcome, verdict),
        }
    }

    #[test]
    fn xml_shaped_noise_never_panics(parts in proptest::collection::vec(prop_oneof![
        Just("<XmlMsg>".to_owned()), Just("</XmlMsg>".to_owned()), Just("<MessageBody>".to_owned()),
        Just("</MessageBody>".to_owned()), Just("<ResultList>".to_owned()), Just("</ResultList>".to_owned()),
        Just("<ResultOfQualificationConfirmation>".to_owned()), Just("</ResultOfQualificationConfirmation>".to_owned()),
        Just("<InsurerNumber>".to_owned()), Just("</InsurerNumber>".to_owned()), Just("&amp;".to_owned()),
        Just("&#x0;".to_owned()), Just("<![CDATA[x]]>".to_owned()), Just("<a/>".to_owned()), text(),
    ], 0..40)) {
        let _ = document::read::<QualificationAnswer>(parts.concat().as_bytes());
    }

    #[test]
    fn answers_round_trip_in_both_encodings(message in answer(), shift_jis in any::<bool>()) {
        let charset = if shift_jis { Charset::ShiftJis } else { Charset::Utf8 };
        let bytes = document::write(&message, charset).unwrap();
        let read = document::read::<QualificationAnswer>(&bytes).unwrap();
        prop_assert_eq!(read.charset, charset);
        prop_assert_eq!(&read.message, &message);
        // Only what the generator made invalid or unknown is reported.
        prop_assert!(read.issues.iter().all(|i| matches!(i.kind, IssueKind::Invalid(_) | IssueKind::Unknown)));
    }

    #[test]
    fn requests_round_trip(raw in "[0-9 ]{0,10}", number in text()) {
        let search = onshi_onsfile::messages::SearchInfo {
            insurer: Some(Checked::new(&raw)),
            number: Some(number),
            ..Default::default()
        };
        let body = onshi_onsfile::messages::QualificationRequestBody { search: One(Some(search)), unknown: Vec::new() };
        let message = QualificationRequest { header: One(Some(Default::default())), body: One(Some(body)), unknown: Vec::new() };
        let bytes = document::write(&message, Charset::ShiftJis).unwrap();
        prop_assert_eq!(document::read::<QualificationRequest>(&bytes).unwrap().message, message);
    }

    #[test]
    fn exchange_names_round_trip(year in 1990u16..2100, month in 1u8..=12, day in 1u8..=28, sequence in 1u16..=9999,
                                 phase in 1u8..=2) {
        let date = Ymd::new(year, month, day).unwrap();
        for operation in [Operation::SingleCheck, Operation::BulkCheck, Operation::SingleReference, Operation::BulkWelfare] {
            let name = ExchangeName::request(System::Oqs, operation, phase, date, sequence);
            prop_assert_eq!(FileName::parse(&name.to_string()).unwrap(), FileName::Exchange(name.clone()));
            let answer = name.answer("zip");
            prop_assert_eq!(FileName::parse(&answer.to_string()).unwrap(), FileName::Exchange(answer));
        }
    }
}

#[test]
fn status_answers_write_and_read() {
    let message = StatusAnswer::default();
    let bytes = document::write(&message, Charset::Utf8).unwrap();
    let read = document::read::<StatusAnswer>(&bytes).unwrap();
    assert_eq!(read.message, StatusAnswer::default());
    // An empty message lacks its header and body, and says so.
    assert_eq!(read.issues.iter().filter(|i| i.kind == IssueKind::Missing).count(), 2);
}
