//! What the edge link's messages mean for the spool: a request the facility's store at the edge hands over becomes
//! an IF-001 資格確認要求 (a bulk pre-check an IF-005 upload, a 照会番号 registration an IF-003 request naming the
//! person of a face file the bridge read) for the spool (which keeps it once, journals it and writes it into `req` in the terminal's
//! encoding), and a spool outcome becomes the link's answer ([`FromBridge`]), read from the terminal's `res` file.
//!
//! The spool's ids are shared by every caller, so an edge request's spool id is its link id under
//! [`EDGE_ID_PREFIX`]: a folder caller cannot answer for it, and an outcome that is not the edge's is not sent there.
//! Pure: no I/O, no clock.

use onshi_onsfile::check::{Processing, Segment};
use onshi_onsfile::document;
use onshi_onsfile::messages::{
    BulkResult, BulkUploadBody, BulkUploadRequest, QualificationAnswer, QualificationRequest, QualificationRequestBody,
    ReferenceRegistration, ReferenceRequest, ReferenceRequestBody, RequestHeader, SearchInfo, StatusAnswer,
};
use onshi_onsfile::name::{Operation, System};
use onshi_onsfile::record::{Checked, One};
use onshi_onsfile::{Charset, OnsfileError, Unanswered};
use onshi_proto::IsoDate;
use onshi_proto::bridge_link::{FromBridge, LinkRequestId, TerminalAsk, TerminalFailure, TerminalOutcome};
use onshi_proto::identifier::{FaceFileName, ReferenceNumber};
use onshi_proto::insured_number::{BranchNumber, InsuredNo, InsuredSymbol};
use onshi_proto::insurer_number::InsurerNumber;

use super::spool::{NewRequest, Outcome, State};

pub use super::caller::{EDGE_ID_PREFIX, link_id, spool_id};

/// The spool request for the edge's request `id` asking `ask` ([`onshi_proto::bridge_link::ToBridge::Request`]), for the facility `facility` (its 医療機関コード, which the
/// request carries; the edge never names it, the bridge is enrolled for one facility): a by-number check becomes an
/// IF-001 資格確認要求, a bulk pre-check an IF-005 一括照会 upload whose rows are numbered from 1 in their
/// `ArbitraryIdentifier` (the spool follows it with its phase-2 download), and a 照会番号 registration an IF-003
/// request for the person of the face file `face` gives the bytes of.
///
/// Errors: a registration whose face file the bridge no longer has, or which does not name exactly one person
/// with a number, is answered at once as failed ([`TerminalFailure::NotSubmitted`]: nothing was written).
pub fn request_from(
    id: &LinkRequestId,
    ask: &TerminalAsk,
    facility: &str,
    face: impl FnOnce(&FaceFileName) -> Option<Vec<u8>>,
) -> Result<NewRequest, Box<FromBridge>> {
    let header = RequestHeader {
        facility: Some(Checked::new(facility)),
        file_identifier: Some(id.as_str().to_owned()),
        ..RequestHeader::default()
    };
    // Every field below is checked text that XML can hold, so writing UTF-8 cannot fail; the spool re-encodes it
    // into the terminal's encoding and refuses an empty body as a request that is not XmlMsg.
    let (operation, body) = match ask {
        TerminalAsk::ByNumber { insurer_number, symbol, number, branch, birth_date } => {
            let search =
                search_info(insurer_number, symbol.as_ref(), number, branch.as_ref(), *birth_date, id.as_str());
            let message = QualificationRequest {
                header: One(Some(header)),
                body: One(Some(QualificationRequestBody { search: One(Some(search)), unknown: Vec::new() })),
                unknown: Vec::new(),
            };
            (Operation::SingleCheck, document::write(&message, Charset::Utf8).unwrap_or_default())
        }
        TerminalAsk::Bulk { rows } => {
            let searches = rows
                .rows()
                .iter()
                .enumerate()
                .map(|(index, row)| {
                    let number = (index + 1).to_string();
                    search_info(
                        &row.insurer_number,
                        row.symbol.as_ref(),
                        &row.number,
                        row.branch.as_ref(),
                        row.birth_date,
                        &number,
                    )
                })
                .collect();
            let message = BulkUploadRequest {
                header: One(Some(header)),
                body: One(Some(BulkUploadBody { searches, unknown: Vec::new() })),
                unknown: Vec::new(),
            };
            (Operation::BulkCheck, document::write(&message, Charset::Utf8).unwrap_or_default())
        }
        TerminalAsk::RegisterReference { face_file, reference_number } => {
            let registration = face(face_file).and_then(|bytes| registration_for(&bytes, reference_number));
            let Some(registration) = registration else {
                let outcome = TerminalOutcome::Failed { code: TerminalFailure::NotSubmitted };
                return Err(Box::new(FromBridge::Outcome { id: id.clone(), outcome }));
            };
            let message = ReferenceRequest {
                header: One(Some(header)),
                body: One(Some(ReferenceRequestBody { registrations: vec![registration], unknown: Vec::new() })),
                unknown: Vec::new(),
            };
            (Operation::SingleReference, document::write(&message, Charset::Utf8).unwrap_or_default())
        }
    };
    Ok(NewRequest { id: spool_id(id), system: System::Oqs, operation, phase: 1, body })
}

/// The IF-003 registration of `reference_number` for the one person a face file names: their 保険者番号 and
/// 記号・番号・枝番 as the file gives them (padding kept). `None` when the file does not read, names several people
/// or nobody, or has no number.
fn registration_for(face: &[u8], reference_number: &ReferenceNumber) -> Option<ReferenceRegistration> {
    let answer = document::read::<QualificationAnswer>(face).ok()?.message;
    let results = answer.body.0?.results.0?.results;
    let [record] = results.as_slice() else { return None };
    Some(ReferenceRegistration {
        reference_number: Some(reference_number.as_str().to_owned()),
        insurer: Some(record.insurer.clone()?),
        symbol: record.symbol.clone().filter(|symbol| !symbol.trim().is_empty()),
        number: Some(record.number.clone()?),
        branch: record.branch.clone(),
        ..ReferenceRegistration::default()
    })
}

/// Whether a stored answer is a completed, normal status answer (IF-004 照会番号登録結果): what a registration is
/// answered with, and what no qualification answer is (one always says its validity).
fn is_registered(bytes: &[u8]) -> bool {
    document::read::<StatusAnswer>(bytes).is_ok_and(|read| {
        let completed =
            read.message.header.0.as_ref().and_then(|h| h.segment.as_ref()?.value) == Some(Segment::Completed);
        let normal = read.message.body.0.as_ref().and_then(|b| b.status.as_ref()?.value) == Some(Processing::Normal);
        completed && normal
    })
}

/// One `QualificationConfirmSearchInfo`: the number on the card, the birth date and the row's own identifier.
fn search_info(
    insurer_number: &InsurerNumber,
    symbol: Option<&InsuredSymbol>,
    number: &InsuredNo,
    branch: Option<&BranchNumber>,
    birth_date: IsoDate,
    row: &str,
) -> SearchInfo {
    SearchInfo {
        insurer: Some(Checked::new(insurer_number.as_str())),
        symbol: symbol.map(|symbol| symbol.as_str().to_owned()),
        number: Some(number.as_str().to_owned()),
        branch: branch.map(|branch| Checked::new(branch.as_str())),
        birthdate: Some(Checked::new(&birth_date.to_string().replace('-', ""))),
        row_identifier: Some(row.to_owned()),
        ..SearchInfo::default()
    }
}

/// Whether a stored answer is a bulk pre-check's result (IF-008 units) rather than a single check's answer.
fn is_bulk_result(bytes: &[u8]) -> bool {
    document::read::<BulkResult>(bytes).is_ok_and(|read| read.message.body.0.is_some_and(|body| !body.units.is_empty()))
}

/// What the edge is told of a spool outcome: `None` for an outcome that is not the edge's, for one still in
/// flight, and for an answered one whose answer is not at hand (a repeated request of a finished id: the answer
/// itself was delivered when the request ended, or is on its way after a restart).
pub fn message_for(outcome: &Outcome) -> Option<FromBridge> {
    let id = link_id(&outcome.id)?;
    let outcome = match &outcome.state {
        State::Pending | State::Submitted => return None,
        State::Answered if is_bulk_result(outcome.answer.as_deref()?) => {
            match onshi_onsfile::reader_result::bulk_rows(outcome.answer.as_deref()?) {
                Ok(rows) => TerminalOutcome::BulkAnswered { rows },
                Err(OnsfileError::NoQualification(Unanswered::Error { .. })) => {
                    TerminalOutcome::Failed { code: TerminalFailure::TerminalError }
                }
                Err(_) => TerminalOutcome::Failed { code: TerminalFailure::Unreadable },
            }
        }
        State::Answered => match onshi_onsfile::reader_result::terminal_answer(outcome.answer.as_deref()?) {
            Ok(answer) => TerminalOutcome::Answered { answer },
            Err(OnsfileError::NoQualification(Unanswered::NoValidity)) if is_registered(outcome.answer.as_deref()?) => {
                TerminalOutcome::Registered
            }
            Err(OnsfileError::NoQualification(Unanswered::Error { .. })) => {
                TerminalOutcome::Failed { code: TerminalFailure::TerminalError }
            }
            Err(_) => TerminalOutcome::Failed { code: TerminalFailure::Unreadable },
        },
        State::Failed(_) => TerminalOutcome::Failed { code: TerminalFailure::NotSubmitted },
        State::Uncertain(_) => TerminalOutcome::Uncertain,
        State::Settled => TerminalOutcome::Settled,
    };
    Some(FromBridge::Outcome { id, outcome })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_onsfile::messages::{AnswerHeader, QualificationAnswerBody, QualificationRecord, ResultList, StatusBody};
    use onshi_proto::bridge_link::ToBridge;
    use onshi_proto::qualification::Validity;

    use super::*;

    /// The spool request for a request message.
    fn request_from(
        message: &ToBridge,
        facility: &str,
        face: impl FnOnce(&FaceFileName) -> Option<Vec<u8>>,
    ) -> Result<NewRequest, Box<FromBridge>> {
        let ToBridge::Request { id, ask } = message else { panic!("not a request: {message:?}") };
        super::request_from(id, ask, facility, face)
    }

    fn ask(id: &str) -> ToBridge {
        ToBridge::Request {
            id: LinkRequestId::parse(id).unwrap(),
            ask: TerminalAsk::ByNumber {
                insurer_number: InsurerNumber::parse("06130017").unwrap(),
                symbol: Some(InsuredSymbol::parse("記号").unwrap()),
                number: InsuredNo::parse("00001").unwrap(),
                branch: Some(BranchNumber::parse("01").unwrap()),
                birth_date: IsoDate::parse("1980-01-15").unwrap(),
            },
        }
    }

    fn answer(segment: &str, validity: &str) -> Vec<u8> {
        let header = AnswerHeader { segment: Some(Checked::new(segment)), ..AnswerHeader::default() };
        let record = QualificationRecord { name: Some("診療　太郎".to_owned()), ..QualificationRecord::default() };
        let body = QualificationAnswerBody {
            status: Some(Checked::new("1")),
            validity: Some(Checked::new(validity)),
            results: One(Some(ResultList { results: vec![record], unknown: Vec::new() })),
            ..QualificationAnswerBody::default()
        };
        let message = QualificationAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() };
        document::write(&message, Charset::ShiftJis).unwrap()
    }

    #[test]
    fn a_by_number_request_becomes_an_if001_request_with_every_part_of_the_number() {
        let request = request_from(&ask("a1"), "0110113719", |_| None).unwrap();
        assert_eq!(request.id, "edge-a1");
        assert_eq!((request.system, request.operation, request.phase), (System::Oqs, Operation::SingleCheck, 1));
        let read = document::read::<QualificationRequest>(&request.body).unwrap().message;
        let header = read.header.0.unwrap();
        assert_eq!(header.facility.unwrap().raw, "0110113719");
        let search = read.body.0.unwrap().search.0.unwrap();
        assert_eq!(search.insurer.unwrap().raw, "06130017");
        assert_eq!(search.symbol.as_deref(), Some("記号"));
        assert_eq!(search.number.as_deref(), Some("00001"));
        assert_eq!(search.branch.unwrap().raw, "01");
        assert_eq!(search.birthdate.unwrap().raw, "19800115");
    }

    #[test]
    fn the_health_report_of_an_uncertain_by_number_request_holds_nothing_of_the_person() {
        use crate::core::spool::{Config, Now, Spool};
        use onshi_onsfile::check::Ymd;

        let id = LinkRequestId::parse("staff-7f3a").unwrap();
        let ask = TerminalAsk::ByNumber {
            insurer_number: InsurerNumber::parse("06130017").unwrap(),
            symbol: Some(InsuredSymbol::parse("ひまわり").unwrap()),
            number: InsuredNo::parse("58273").unwrap(),
            branch: Some(BranchNumber::parse("07").unwrap()),
            birth_date: IsoDate::parse("1961-07-23").unwrap(),
        };
        let request = super::request_from(&id, &ask, "0110113719", |_| None).unwrap();
        let config = Config {
            facility: "0110113719".into(),
            charset: Charset::ShiftJis,
            answer_timeout_ms: 1000,
            stall_after_ms: 1000,
            face_silence_ms: 1000,
            bulk_retry_ms: 1000,
            retention_ms: 10_000,
        };
        let now = |ms| Now { ms, today: Ymd::new(2026, 9, 30).unwrap(), open: false };
        let mut spool = Spool::recover(config, []);
        let start = 1_790_000_000_000;
        spool.submit(request, now(start));
        spool.published("edge-staff-7f3a", now(start));
        spool.tick(now(start + 1000), &[]);
        let report = serde_json::to_string(&spool.health().report).unwrap();
        assert!(
            report.contains(r#""id":"staff-7f3a","kind":"qualification","file":"OQSsiquc01req_202609300001.xml""#),
            "{report}"
        );
        assert!(report.contains(r#""written_at":1790000000"#), "{report}");
        for personal in ["06130017", "ひまわり", "58273", "19610723", "1961-07-23", "0723"] {
            assert!(!report.contains(personal), "{personal} in {report}");
        }
    }

    #[test]
    fn only_the_edges_own_outcomes_go_back_to_it_each_as_what_it_is() {
        let outcome = |id: &str, state: State, answer: Option<Vec<u8>>| Outcome { id: id.to_owned(), state, answer };
        let id = LinkRequestId::parse("a1").unwrap();
        let Some(FromBridge::Outcome { id: said, outcome: TerminalOutcome::Answered { answer: read } }) =
            message_for(&outcome("edge-a1", State::Answered, Some(answer("1", "1"))))
        else {
            panic!("an answered request is answered")
        };
        assert_eq!((said, read.validity), (id.clone(), Validity::Valid));
        assert_eq!(read.name.unwrap().as_str(), "診療　太郎");
        let told = |state: State, answer: Option<Vec<u8>>| message_for(&outcome("edge-a1", state, answer));
        let said = |outcome: TerminalOutcome| Some(FromBridge::Outcome { id: id.clone(), outcome });
        assert_eq!(
            told(State::Answered, Some(answer("9", "1"))),
            said(TerminalOutcome::Failed { code: TerminalFailure::TerminalError })
        );
        assert_eq!(
            told(State::Answered, Some(b"not xml".to_vec())),
            said(TerminalOutcome::Failed { code: TerminalFailure::Unreadable })
        );
        assert_eq!(
            told(State::Failed("no room".into()), None),
            said(TerminalOutcome::Failed { code: TerminalFailure::NotSubmitted })
        );
        assert_eq!(told(State::Uncertain("timed out".into()), None), said(TerminalOutcome::Uncertain));
        assert_eq!(told(State::Answered, None), None, "an answer not at hand is not made up");
        assert_eq!(told(State::Submitted, None), None);
        assert_eq!(message_for(&outcome("a1", State::Uncertain("x".into()), None)), None, "a folder caller's");
        assert_eq!(link_id("edge-../x"), None);
    }

    fn bulk_result(segment: &str, units: Vec<QualificationAnswerBody>) -> Vec<u8> {
        let header = AnswerHeader { segment: Some(Checked::new(segment)), ..AnswerHeader::default() };
        let body =
            onshi_onsfile::messages::BulkResultBody { status: Some(Checked::new("1")), units, ..Default::default() };
        document::write(
            &BulkResult { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() },
            Charset::ShiftJis,
        )
        .unwrap()
    }

    #[test]
    fn a_bulk_pre_check_becomes_an_if005_upload_and_its_result_goes_back_row_by_row() {
        let row = |number: &str| onshi_proto::bridge_bulk::Appointment {
            insurer_number: InsurerNumber::parse("06130017").unwrap(),
            symbol: None,
            number: InsuredNo::parse(number).unwrap(),
            branch: None,
            birth_date: IsoDate::parse("1980-01-15").unwrap(),
        };
        let rows = vec![row("00001"), row("00002")].try_into().unwrap();
        let message = ToBridge::Request { id: LinkRequestId::parse("b1").unwrap(), ask: TerminalAsk::Bulk { rows } };
        let request = request_from(&message, "0110113719", |_| None).unwrap();
        assert_eq!((request.id.as_str(), request.operation, request.phase), ("edge-b1", Operation::BulkCheck, 1));
        let read = document::read::<BulkUploadRequest>(&request.body).unwrap().message;
        let searches = read.body.0.unwrap().searches;
        let numbered: Vec<(Option<&str>, Option<&str>)> =
            searches.iter().map(|s| (s.number.as_deref(), s.row_identifier.as_deref())).collect();
        assert_eq!(numbered, [(Some("00001"), Some("1")), (Some("00002"), Some("2"))]);

        let unit = |row: &str| QualificationAnswerBody {
            status: Some(Checked::new("1")),
            validity: Some(Checked::new("4")),
            search: One(Some(SearchInfo { row_identifier: Some(row.to_owned()), ..SearchInfo::default() })),
            ..QualificationAnswerBody::default()
        };
        let outcome = |answer: Vec<u8>| {
            message_for(&Outcome { id: "edge-b1".to_owned(), state: State::Answered, answer: Some(answer) })
        };
        let Some(FromBridge::Outcome { outcome: TerminalOutcome::BulkAnswered { rows }, .. }) =
            outcome(bulk_result("1", vec![unit("2"), unit("1")]))
        else {
            panic!("a bulk result is answered row by row")
        };
        assert_eq!(rows.len(), 2);
        // An aborted download is the terminal's error, as for a single check.
        let aborted = outcome(bulk_result("9", vec![unit("1")]));
        let failed = TerminalOutcome::Failed { code: TerminalFailure::TerminalError };
        assert_eq!(aborted, Some(FromBridge::Outcome { id: LinkRequestId::parse("b1").unwrap(), outcome: failed }));
    }

    #[test]
    fn a_registration_becomes_an_if003_request_for_the_person_of_its_face_file_and_if004_says_registered() {
        let face_file = FaceFileName::parse("OQSsiquc01res_face_1.xml").unwrap();
        let message = ToBridge::Request {
            id: LinkRequestId::parse("r1").unwrap(),
            ask: TerminalAsk::RegisterReference {
                face_file: face_file.clone(),
                reference_number: ReferenceNumber::parse("P-1001").unwrap(),
            },
        };
        let person = QualificationRecord {
            insurer: Some(Checked::new("  138057")),
            symbol: Some("１２".to_owned()),
            number: Some("0045".to_owned()),
            branch: Some(Checked::new("01")),
            name: Some("診療　花子".to_owned()),
            ..QualificationRecord::default()
        };
        let face = |records: Vec<QualificationRecord>| {
            let body = QualificationAnswerBody {
                status: Some(Checked::new("1")),
                validity: Some(Checked::new("1")),
                results: One(Some(ResultList { results: records, unknown: Vec::new() })),
                ..QualificationAnswerBody::default()
            };
            let message = QualificationAnswer { header: One(None), body: One(Some(body)), unknown: Vec::new() };
            document::write(&message, Charset::ShiftJis).unwrap()
        };
        let mut asked = None;
        let request = request_from(&message, "0110113719", |file| {
            asked = Some(file.clone());
            Some(face(vec![person.clone()]))
        })
        .unwrap();
        assert_eq!(asked, Some(face_file), "the bridge reads the file the edge named");
        assert_eq!((request.id.as_str(), request.operation, request.phase), ("edge-r1", Operation::SingleReference, 1));
        let read = document::read::<ReferenceRequest>(&request.body).unwrap().message;
        assert_eq!(read.header.0.unwrap().facility.unwrap().raw, "0110113719");
        let [registration] = read.body.0.unwrap().registrations.try_into().unwrap();
        assert_eq!(registration.reference_number.as_deref(), Some("P-1001"));
        assert_eq!(registration.insurer.unwrap().raw, "  138057");
        assert_eq!((registration.symbol.as_deref(), registration.number.as_deref()), (Some("１２"), Some("0045")));
        assert_eq!(registration.branch.unwrap().raw, "01");

        // A face file that is gone, or that names several people, is answered at once: nothing is written.
        let failed = Err(Box::new(FromBridge::Outcome {
            id: LinkRequestId::parse("r1").unwrap(),
            outcome: TerminalOutcome::Failed { code: TerminalFailure::NotSubmitted },
        }));
        assert_eq!(request_from(&message, "0110113719", |_| None), failed);
        assert_eq!(request_from(&message, "0110113719", |_| Some(face(vec![person.clone(), person.clone()]))), failed);

        let status = |segment: &str, processing: &str| {
            let header = AnswerHeader { segment: Some(Checked::new(segment)), ..AnswerHeader::default() };
            let body = StatusBody { status: Some(Checked::new(processing)), ..StatusBody::default() };
            document::write(
                &StatusAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() },
                Charset::ShiftJis,
            )
            .unwrap()
        };
        let told = |answer: Vec<u8>| {
            let Some(FromBridge::Outcome { outcome, .. }) =
                message_for(&Outcome { id: "edge-r1".to_owned(), state: State::Answered, answer: Some(answer) })
            else {
                panic!("an answered registration is told")
            };
            outcome
        };
        assert_eq!(told(status("1", "1")), TerminalOutcome::Registered);
        assert_eq!(told(status("9", "2")), TerminalOutcome::Failed { code: TerminalFailure::TerminalError });
    }
}
