//! A reader result in `face` as the wire's [`ReaderResult`]: what the bridge hands on to onshi after a patient
//! checked in on the facility's national reader (顔認証付きカードリーダー); and an IF-002 answer in `res` as the
//! bridge link's [`TerminalAnswer`] (the same fields without the file), by the same rules ([`terminal_answer`]).
//!
//! Pure: the file's name and bytes in, the typed result out. The file is read with [`document::read`] as a
//! [`QualificationAnswer`], and its [`Verdict`] decides: 有効 and every not-valid validity (無効, 無効（新しい資格
//! あり）, 該当資格なし, 複数該当) become a result; 処理中, an error, or a validity that cannot be read are an
//! [`OnsfileError::NoQualification`], never a guess.
//!
//! Tolerant, like the reader it builds on: a field whose text does not fit its wire type (a name holding a control
//! character, an insurer number failing its check digit, a ratio over 100) is left out of the result, and the result
//! is still made, because the validity alone is what staff act on. The person's fields are taken only when exactly
//! one qualification came back; for 複数該当 none is, since the fields would name one of several people.
//!
//! The 特定疾病療養受療証 are carried with their period and monthly limit, and their 疾病区分 (要配慮個人情報) only
//! when the record's `SpecificDiseasesCertificateRelatedConsFlg` reads 1: the patient consented on the reader. Under
//! 0, 2 or no flag the category is dropped even if the file holds one, by the rule onshi's own answers follow
//! (`onshi_proto::qualification::withhold_category_without_consent`).
//!
//! A bulk pre-check's result (IF-008, taken out of its ZIP by the bridge) reads as the link's
//! [`BulkRowOutcome`]s ([`bulk_rows`]): one per requested row, matched on the `ArbitraryIdentifier` the bridge
//! numbered the rows with, by the same verdict and the same field rules; a row no unit answers is failed.

use onshi_proto::IsoDate;
use onshi_proto::bridge_bulk::{BulkRowOutcome, MAX_BULK_ROWS};
use onshi_proto::bridge_link::TerminalAnswer;
use onshi_proto::identifier::{FaceFileName, Identifier, ReferenceNumber};
use onshi_proto::origin::{ElderlyShare, PrescriptionFormat};
use onshi_proto::qualification::Percent;
use onshi_proto::qualification::{
    ElderlyRecipient, SpecificDiseaseCertificate, SpecificDiseaseConsent, withhold_category_without_consent,
};
use onshi_proto::reader_result::ReaderResult;
use onshi_proto::record_text::RecordText;

use crate::OnsfileError;
use crate::check::{Processing, Segment, Timestamp, Ymd};
use crate::document;
use crate::error::Unanswered;
use crate::messages::{BulkResult, QualificationAnswer, QualificationAnswerBody, QualificationRecord};
use crate::name::FileName;
use crate::verdict::{Verdict, unit_verdict};

/// Japan's offset from UTC, in seconds (no daylight saving): `ProcessExecutionTime` is Japan's wall clock.
const JST_OFFSET_SECS: i64 = 9 * 3600;

/// Reads the face file `file_name` (a bare name, `OQSsiquc01res_face_…_yyyyMMddHHmmss.xml`) with contents `bytes`
/// (Shift_JIS or UTF-8) as a [`ReaderResult`].
///
/// Errors: a name that is not a face file name ([`OnsfileError::FileName`]), bytes that are not an XmlMsg
/// document, or an answer that carries no qualification ([`OnsfileError::NoQualification`]). A field that does not
/// fit its wire type is dropped to `None` (see the module documentation).
pub fn reader_result(file_name: &str, bytes: &[u8]) -> Result<ReaderResult, OnsfileError> {
    let bad_name = || OnsfileError::FileName(file_name.to_owned());
    let Ok(FileName::Face(_)) = FileName::parse(file_name) else { return Err(bad_name()) };
    let file_name = FaceFileName::parse(file_name).map_err(|_| bad_name())?;
    let (answer, person) = answer_and_person(bytes)?;
    let mut result = ReaderResult::new(file_name, answer.checked_at, answer.validity);
    result.birth_date = person.birth_date;
    result.sex = person.sex;
    result.reference_number = person.reference_number;
    result.prescription = answer.prescription;
    result.name = answer.name;
    result.name_kana = answer.name_kana;
    result.insurer_number = answer.insurer_number;
    result.insurer_name = answer.insurer_name;
    result.contribution_percent = answer.contribution_percent;
    result.elderly_share = answer.elderly_share;
    result.disqualification_date = answer.disqualification_date;
    result.limit_category = answer.limit_category;
    result.specific_diseases = answer.specific_diseases;
    result.specific_disease_consent = answer.specific_disease_consent;
    Ok(result)
}

/// Reads a qualification answer (an IF-002 answer in `res`, or a `face` file's contents; Shift_JIS or UTF-8) as
/// the link's [`TerminalAnswer`], by the same rules as [`reader_result`]: the verdict decides, and a field that does
/// not fit its wire type is left out.
///
/// Errors: bytes that are not an XmlMsg document, or an answer that carries no qualification
/// ([`OnsfileError::NoQualification`]).
pub fn terminal_answer(bytes: &[u8]) -> Result<TerminalAnswer, OnsfileError> {
    answer_and_person(bytes).map(|(answer, _)| answer)
}

/// What a face result carries beyond the link's answer, for the clinic to match it to its own patients: read from
/// the one record like the other fields, so a 複数該当 carries none of them.
#[derive(Default)]
struct MatchingFields {
    birth_date: Option<IsoDate>,
    sex: Option<onshi_proto::qualification::Sex>,
    reference_number: Option<ReferenceNumber>,
}

impl MatchingFields {
    /// Assumed from the message definitions (`messages.rs`): `Birthdate` and `Sex1` in the record, and
    /// `ReferenceNumber` in the record, else beside the results in the body (where a bulk unit carries it).
    fn of(record: &QualificationRecord, body: Option<&QualificationAnswerBody>) -> Self {
        let reference = record.reference_number.as_deref().or_else(|| body?.reference_number.as_deref());
        Self {
            birth_date: record.birthdate.as_ref().and_then(|date| date.value).and_then(iso_date),
            sex: record.sex.as_deref().and_then(onshi_proto::qualification::Sex::from_national_code),
            reference_number: reference.and_then(|text| ReferenceNumber::parse(text).ok()),
        }
    }
}

/// The answer with the matching fields of its one record.
fn answer_and_person(bytes: &[u8]) -> Result<(TerminalAnswer, MatchingFields), OnsfileError> {
    let read = document::read::<QualificationAnswer>(bytes)?;
    let answer = &read.message;
    let (validity, record) = match answer.verdict() {
        Verdict::Valid(record) => (onshi_proto::qualification::Validity::Valid, Some(record)),
        Verdict::NotValid { validity: Some(validity), results } => {
            let only = (results == 1).then(|| only_record(answer)).flatten();
            (validity, only)
        }
        Verdict::NotValid { validity: None, .. } => {
            return Err(OnsfileError::NoQualification(Unanswered::NoValidity));
        }
        Verdict::InProgress => return Err(OnsfileError::NoQualification(Unanswered::InProgress)),
        Verdict::Error { code, message } => {
            return Err(OnsfileError::NoQualification(Unanswered::Error { code, message }));
        }
    };
    let executed = answer.header.0.as_ref().and_then(|header| header.executed_at.as_ref()).and_then(|e| e.value);
    let checked_at = executed.and_then(unix_seconds);
    let mut result = TerminalAnswer::new(checked_at, validity);
    result.prescription = answer
        .body
        .0
        .as_ref()
        .and_then(|body| body.prescription.as_deref())
        .and_then(PrescriptionFormat::from_national_code);
    let mut person = MatchingFields::default();
    if let Some(record) = record {
        person = MatchingFields::of(record, answer.body.0.as_ref());
        result.name = text(record.name.as_deref());
        result.name_kana = text(record.name_kana.as_deref());
        result.insurer_number = record.insurer.as_ref().and_then(|insurer| insurer.value.clone());
        result.insurer_name = text(record.insurer_name.as_deref());
        result.contribution_percent = contribution(record);
        result.elderly_share = elderly_share(record, executed.and_then(|stamp| iso_date(stamp.date)));
        result.disqualification_date = record.disqualified_on.as_ref().and_then(|date| date.value).and_then(iso_date);
        result.limit_category = limit_category(record);
        let consent = record.disease_consent.as_deref().and_then(SpecificDiseaseConsent::from_national_code);
        result.specific_diseases = specific_diseases(record, consent);
        result.specific_disease_consent = consent;
    }
    Ok((result, person))
}

/// The 特定疾病療養受療証 of a record, with their period and monthly limit, and their 疾病区分 only under the flag
/// `consent` the record states (the rule of [`withhold_category_without_consent`]: a terminal that wrote a category
/// under 0, 2 or no flag does not pass it on). A category that is not a code of one or two digits is left out, like
/// any field that does not fit.
fn specific_diseases(
    record: &QualificationRecord,
    consent: Option<SpecificDiseaseConsent>,
) -> Vec<SpecificDiseaseCertificate> {
    let listed = record.diseases.0.as_ref().map_or(&[][..], |list| list.certificates.as_slice());
    let mut certificates: Vec<SpecificDiseaseCertificate> = listed
        .iter()
        .map(|certificate| {
            let category = certificate.category.as_deref().map(str::trim).unwrap_or_default();
            let is_code = (1..=2).contains(&category.len()) && category.bytes().all(|b| b.is_ascii_digit());
            SpecificDiseaseCertificate {
                disease_category: if is_code { category.to_owned() } else { String::new() },
                valid_from: certificate.valid_from.as_ref().and_then(|date| date.value).and_then(iso_date),
                valid_until: certificate.valid_to.as_ref().and_then(|date| date.value).and_then(iso_date),
                monthly_self_pay_yen: certificate.self_pay.as_deref().and_then(yen),
            }
        })
        .collect();
    withhold_category_without_consent(consent, &mut certificates);
    certificates
}

/// A yen amount as the files write it: ASCII or full-width digits, padding spaces allowed; anything else is `None`.
fn yen(raw: &str) -> Option<u32> {
    let digits = half_width_digits(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `raw` without padding spaces (ASCII or ideographic), its full-width digits made ASCII.
fn half_width_digits(raw: &str) -> String {
    raw.trim_matches(|c: char| c == ' ' || c == '\u{3000}')
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// The 負担割合 of a record: the 高齢受給者 ratio when it carries one, else the insured's.
fn contribution(record: &QualificationRecord) -> Option<Percent> {
    let elderly = record.elderly.0.as_ref().and_then(|elderly| percent(elderly.ratio.as_deref()?));
    elderly.or_else(|| percent(record.ratio.as_deref()?))
}

/// The 高齢受給者証 of a record with the record's own 一部負担金割合 beside it, when the certificate's ratio and start
/// date read and, if the file says which day the terminal checked (`day`, Japan's date), it is in force that day:
/// the rule a kiosk check-in's row follows ([`ElderlyShare::in_force`]).
fn elderly_share(record: &QualificationRecord, day: Option<IsoDate>) -> Option<ElderlyShare> {
    let elderly = record.elderly.0.as_ref()?;
    let certificate = ElderlyRecipient {
        contribution_ratio_percent: percent(elderly.ratio.as_deref()?)?,
        valid_from: elderly.valid_from.as_ref().and_then(|date| date.value).and_then(iso_date)?,
        valid_until: elderly.valid_to.as_ref().and_then(|date| date.value).and_then(iso_date),
    };
    let insured_percent = percent(record.ratio.as_deref()?)?;
    day.is_none_or(|day| certificate.in_force_on(day)).then_some(ElderlyShare { certificate, insured_percent })
}

/// The 限度額適用区分 of a record, when it carries one.
fn limit_category(record: &QualificationRecord) -> Option<Identifier> {
    record
        .limit
        .0
        .as_ref()
        .and_then(|limit| limit.category.as_deref())
        .and_then(|category| Identifier::parse(category.trim()).ok())
}

/// Reads a bulk pre-check's result (IF-008, Shift_JIS or UTF-8) as one [`BulkRowOutcome`] per row, the rows
/// numbered from 1 in their `ArbitraryIdentifier` (a unit without a readable one takes its position). The list
/// reaches the highest row a unit answers (at most [`MAX_BULK_ROWS`]); a row within it that no unit answers, or
/// whose unit is an error, is [`BulkRowOutcome::Failed`], and so is, for whoever holds the request, a row beyond it.
///
/// Errors: bytes that are not an XmlMsg document, or a result the terminal did not finish (処理中) or aborted
/// ([`OnsfileError::NoQualification`]).
pub fn bulk_rows(bytes: &[u8]) -> Result<Vec<BulkRowOutcome>, OnsfileError> {
    let read = document::read::<BulkResult>(bytes)?;
    let header = read.message.header.0.as_ref();
    let body = read.message.body.0.as_ref();
    let failed = || {
        OnsfileError::NoQualification(Unanswered::Error {
            code: header.and_then(|h| h.error_code.clone()).or_else(|| body.and_then(|b| b.code.clone())),
            message: header.and_then(|h| h.error_message.clone()).or_else(|| body.and_then(|b| b.message.clone())),
        })
    };
    match header.and_then(|h| h.segment.as_ref()).and_then(|s| s.value) {
        Some(Segment::Completed) => {}
        Some(Segment::InProgress) => return Err(OnsfileError::NoQualification(Unanswered::InProgress)),
        Some(Segment::Aborted) | None => return Err(failed()),
    }
    let Some(body) = body.filter(|b| b.status.as_ref().and_then(|s| s.value) == Some(Processing::Normal)) else {
        return Err(failed());
    };
    let placed: Vec<(usize, &QualificationAnswerBody)> = body
        .units
        .iter()
        .enumerate()
        .map(|(position, unit)| {
            let numbered = unit
                .search
                .0
                .as_ref()
                .and_then(|search| search.row_identifier.as_deref())
                .and_then(|row| row.trim().parse::<usize>().ok())
                .and_then(|row| row.checked_sub(1));
            (numbered.unwrap_or(position), unit)
        })
        .filter(|(index, _)| *index < MAX_BULK_ROWS)
        .collect();
    let rows = placed.iter().map(|(index, _)| index + 1).max().unwrap_or(0);
    let mut outcomes = vec![BulkRowOutcome::Failed; rows];
    for (index, unit) in placed {
        if let Some(slot) = outcomes.get_mut(index) {
            *slot = unit_outcome(unit);
        }
    }
    Ok(outcomes)
}

/// One bulk unit as the row's outcome, by the verdict of a single answer.
fn unit_outcome(unit: &QualificationAnswerBody) -> BulkRowOutcome {
    let (validity, record) = match unit_verdict(Some(unit)) {
        Verdict::Valid(record) => (onshi_proto::qualification::Validity::Valid, Some(record)),
        Verdict::NotValid { validity: Some(validity), results } => {
            let only = unit.results.0.as_ref().and_then(|list| list.results.first()).filter(|_| results == 1);
            (validity, only)
        }
        Verdict::NotValid { validity: None, .. } | Verdict::InProgress | Verdict::Error { .. } => {
            return BulkRowOutcome::Failed;
        }
    };
    BulkRowOutcome::Answered {
        validity,
        contribution_percent: record.and_then(contribution),
        limit_category: record.and_then(limit_category),
    }
}

fn only_record(answer: &QualificationAnswer) -> Option<&QualificationRecord> {
    answer.body.0.as_ref()?.results.0.as_ref()?.results.first()
}

/// A registered name or insurer name, when it is text a record may hold (trimmed; empty is `None`).
fn text(raw: Option<&str>) -> Option<RecordText> {
    RecordText::parse(raw?).ok()
}

/// 負担割合 as the files spell it: three digits of percent (`030`, as the terminal and onshi's origin write it),
/// the same without leading zeros (`30`), or one digit of 割 (`3`, as some third-party exporters write it).
/// Full-width digits and padding spaces are accepted; anything else, or more than 100 percent, is `None`.
fn percent(raw: &str) -> Option<Percent> {
    let digits = half_width_digits(raw);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u8 = digits.parse().ok()?;
    let percent = if digits.len() == 1 { value.checked_mul(10)? } else { value };
    Percent::try_from(percent).ok()
}

fn date(ymd: Ymd) -> Option<time::Date> {
    time::Date::from_calendar_date(i32::from(ymd.year), time::Month::try_from(ymd.month).ok()?, ymd.day).ok()
}

fn iso_date(ymd: Ymd) -> Option<IsoDate> {
    date(ymd).map(IsoDate)
}

/// `ProcessExecutionTime`, Japan's wall clock, as Unix seconds.
fn unix_seconds(stamp: Timestamp) -> Option<i64> {
    let midnight_utc = date(stamp.date)?.midnight().assume_utc().unix_timestamp();
    Some(midnight_utc + i64::from(stamp.seconds) - JST_OFFSET_SECS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::qualification::{Sex, Validity};

    use super::*;
    use crate::Charset;
    use crate::messages::{
        AnswerHeader, ElderlyRecipient, LimitCertificate, QualificationAnswerBody, ResultList, SpecificDisease,
        SpecificDiseaseList, StatusAnswer, StatusBody,
    };
    use crate::record::{Check, Checked, One};

    const NAME: &str = "OQSsiquc01res_face_011011371900000000000000000007_20261204093012.xml";

    fn checked<T: Check>(text: &str) -> Option<Checked<T>> {
        Some(Checked::new(text))
    }

    fn person() -> QualificationRecord {
        QualificationRecord {
            insurer: checked("  138057"),
            name: Some("診療　花子".to_owned()),
            name_kana: Some("ｼﾝﾘｮｳ ﾊﾅｺ".to_owned()),
            insurer_name: Some("札幌市".to_owned()),
            ratio: Some("030".to_owned()),
            birthdate: checked("19800115"),
            ..QualificationRecord::default()
        }
    }

    fn face(validity: &str, records: Vec<QualificationRecord>, charset: Charset) -> Vec<u8> {
        let header = AnswerHeader {
            executed_at: checked("20261204093012"),
            segment: checked("1"),
            character_code: Some(charset.identifier().to_owned()),
            ..AnswerHeader::default()
        };
        let body = QualificationAnswerBody {
            status: checked("1"),
            validity: checked(validity),
            results: One((!records.is_empty()).then(|| ResultList { results: records, unknown: Vec::new() })),
            ..QualificationAnswerBody::default()
        };
        let message = QualificationAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() };
        document::write(&message, charset).unwrap()
    }

    #[test]
    fn the_prescription_format_chosen_on_the_reader_is_carried_and_an_unknown_code_is_not() {
        let with_choice = |code: Option<&str>| {
            let mut message =
                document::read::<QualificationAnswer>(&face("1", vec![person()], Charset::Utf8)).unwrap().message;
            if let Some(body) = message.body.0.as_mut() {
                body.prescription = code.map(str::to_owned);
            }
            reader_result(NAME, &document::write(&message, Charset::ShiftJis).unwrap()).unwrap().prescription
        };
        assert_eq!(with_choice(Some("1")), Some(PrescriptionFormat::Electronic));
        assert_eq!(with_choice(Some("2")), Some(PrescriptionFormat::Paper));
        assert_eq!(with_choice(Some("9")), None);
        assert_eq!(with_choice(None), None);
    }

    #[test]
    fn a_valid_face_file_becomes_a_result_with_the_person_and_the_time_it_was_checked() {
        let result = reader_result(NAME, &face("1", vec![person()], Charset::ShiftJis)).unwrap();
        assert_eq!(result.file_name.as_str(), NAME);
        assert_eq!(result.validity, Validity::Valid);
        // 2026-12-04 09:30:12 in Japan is 00:30:12 UTC.
        assert_eq!(result.checked_at, Some(1_796_344_212));
        assert_eq!(result.name.unwrap().as_str(), "診療　花子");
        assert_eq!(result.name_kana.unwrap().as_str(), "ｼﾝﾘｮｳ ﾊﾅｺ");
        assert_eq!(result.insurer_number.unwrap().as_str(), "138057");
        assert_eq!(result.insurer_name.unwrap().as_str(), "札幌市");
        assert_eq!(result.contribution_percent.map(Percent::get), Some(30));
        assert_eq!(result.disqualification_date, None);
        assert_eq!(result.limit_category, None);
        assert_eq!(result.birth_date.map(|d| d.to_string()).as_deref(), Some("1980-01-15"));
        assert_eq!((result.sex, result.reference_number), (None, None), "the file said neither");
    }

    #[test]
    fn the_birth_date_sex_and_reference_number_are_read_for_matching_and_an_unreadable_one_is_left_out() {
        let with = |sex: Option<&str>, in_record: Option<&str>, in_body: Option<&str>| {
            let mut record = person();
            record.sex = sex.map(str::to_owned);
            record.reference_number = in_record.map(str::to_owned);
            let mut message =
                document::read::<QualificationAnswer>(&face("1", vec![record], Charset::Utf8)).unwrap().message;
            if let Some(body) = message.body.0.as_mut() {
                body.reference_number = in_body.map(str::to_owned);
            }
            let result = reader_result(NAME, &document::write(&message, Charset::ShiftJis).unwrap()).unwrap();
            (result.sex, result.reference_number.map(|r| r.as_str().to_owned()))
        };
        assert_eq!(with(Some("2"), Some("P-0001"), None), (Some(Sex::Female), Some("P-0001".to_owned())));
        assert_eq!(with(Some("1"), None, Some(" P-0002 ")), (Some(Sex::Male), Some("P-0002".to_owned())));
        assert_eq!(with(Some("3"), Some("P-1"), Some("P-2")), (Some(Sex::Unspecified), Some("P-1".to_owned())));
        assert_eq!(with(Some("男"), Some("患者一"), None), (None, None), "not a code, not a 照会番号");
        let several = reader_result(NAME, &face("5", vec![person(), person()], Charset::Utf8)).unwrap();
        assert_eq!((several.birth_date, several.sex), (None, None), "複数該当 names nobody");
    }

    #[test]
    fn an_answer_in_res_reads_as_the_link_answer_with_the_face_file_rules() {
        let answer = terminal_answer(&face("1", vec![person()], Charset::ShiftJis)).unwrap();
        assert_eq!(answer.validity, Validity::Valid);
        assert_eq!(answer.checked_at, Some(1_796_344_212));
        assert_eq!(answer.name.unwrap().as_str(), "診療　花子");
        assert_eq!(answer.contribution_percent.map(Percent::get), Some(30));
        let several = terminal_answer(&face("5", vec![person(), person()], Charset::Utf8)).unwrap();
        assert_eq!((several.validity, several.name), (Validity::MultipleMatches, None));
        assert_eq!(
            terminal_answer(&face("9", vec![person()], Charset::Utf8)),
            Err(OnsfileError::NoQualification(Unanswered::NoValidity))
        );
    }

    #[test]
    fn an_invalid_qualification_keeps_its_disqualification_date_and_limit_category() {
        let record = QualificationRecord {
            disqualified_on: checked("20261130"),
            limit: One(Some(LimitCertificate { category: Some("A03".to_owned()), ..LimitCertificate::default() })),
            ..person()
        };
        let result = reader_result(NAME, &face("2", vec![record], Charset::Utf8)).unwrap();
        assert_eq!(result.validity, Validity::Invalid);
        assert_eq!(result.disqualification_date.unwrap().to_string(), "2026-11-30");
        assert_eq!(result.limit_category.unwrap().as_str(), "A03");
        assert_eq!(result.name.unwrap().as_str(), "診療　花子");
    }

    /// The fixture's person holding a 受療証 of `category` (dialysis when "1"), under the flag `flag`.
    fn holder(flag: Option<&str>, category: Option<&str>) -> QualificationRecord {
        let certificate = SpecificDisease {
            category: category.map(str::to_owned),
            valid_from: checked("20250401"),
            valid_to: checked("20270331"),
            self_pay: Some("10000".to_owned()),
            ..SpecificDisease::default()
        };
        QualificationRecord {
            disease_consent: flag.map(str::to_owned),
            diseases: One(Some(SpecificDiseaseList { certificates: vec![certificate], unknown: Vec::new() })),
            ..person()
        }
    }

    #[test]
    fn a_specific_disease_category_is_carried_only_under_the_readers_consent_flag_one() {
        let day = |text: &str| IsoDate::parse(text).ok();
        let read = |record: QualificationRecord| {
            let bytes = face("1", vec![record], Charset::ShiftJis);
            let terminal = terminal_answer(&bytes).unwrap();
            let face = reader_result(NAME, &bytes).unwrap();
            assert_eq!(
                (&terminal.specific_diseases, terminal.specific_disease_consent),
                (&face.specific_diseases, face.specific_disease_consent),
                "a face file and a by-number answer follow the same rule"
            );
            (face.specific_diseases, face.specific_disease_consent)
        };
        let certificate = |category: &str| SpecificDiseaseCertificate {
            disease_category: category.to_owned(),
            valid_from: day("2025-04-01"),
            valid_until: day("2027-03-31"),
            monthly_self_pay_yen: Some(10_000),
        };
        // Consented on the reader: the category, with the period and the limit.
        assert_eq!(read(holder(Some("1"), Some("3"))), (vec![certificate("3")], Some(SpecificDiseaseConsent::Given)));
        // A terminal that wrote the category under 0, 2 or no flag: dropped, the certificate and its limit kept.
        assert_eq!(read(holder(Some("0"), Some("3"))), (vec![certificate("")], Some(SpecificDiseaseConsent::NotGiven)));
        assert_eq!(read(holder(Some("2"), Some("1"))), (vec![certificate("")], Some(SpecificDiseaseConsent::Lapsed)));
        assert_eq!(read(holder(None, Some("1"))), (vec![certificate("")], None));
        assert_eq!(read(holder(Some("9"), Some("1"))), (vec![certificate("")], None), "an unknown flag opens nothing");
        // The category the terminal leaves out under 0, as the national reader does.
        assert_eq!(read(holder(Some("0"), None)), (vec![certificate("")], Some(SpecificDiseaseConsent::NotGiven)));
        // A category that is no code is left out even under 1.
        assert_eq!(read(holder(Some("1"), Some("透析"))).0, vec![certificate("")]);
        // No certificate: none, and the flag as stated.
        assert_eq!(read(QualificationRecord { disease_consent: Some("0".to_owned()), ..person() }).0, Vec::new());
        // 複数該当 names nobody, so carries nobody's certificate.
        let several = reader_result(NAME, &face("5", vec![holder(Some("1"), Some("1")), person()], Charset::Utf8));
        assert_eq!(several.unwrap().specific_diseases, Vec::new());
    }

    #[test]
    fn a_monthly_limit_reads_in_ascii_or_full_width_digits_and_nothing_else() {
        for (raw, want) in [
            ("10000", Some(10_000)),
            (" 20000 ", Some(20_000)),
            ("１００００", Some(10_000)),
            ("1万", None),
            ("", None),
        ] {
            assert_eq!(yen(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn the_elderly_recipient_ratio_wins_over_the_insured_ratio() {
        let elderly = |ratio: &str| QualificationRecord {
            elderly: One(Some(ElderlyRecipient { ratio: Some(ratio.to_owned()), ..ElderlyRecipient::default() })),
            ..person()
        };
        let share = |record| {
            reader_result(NAME, &face("1", vec![record], Charset::ShiftJis))
                .unwrap()
                .contribution_percent
                .map(Percent::get)
        };
        assert_eq!(share(elderly("020")), Some(20));
        assert_eq!(share(elderly("2")), Some(20));
        assert_eq!(share(elderly("10")), Some(10));
        // An elderly ratio that does not read leaves the insured ratio.
        assert_eq!(share(elderly("x")), Some(30));
    }

    #[test]
    fn a_certificate_in_force_on_the_check_day_is_carried_with_its_period_and_the_insured_share() {
        // The face file checked on 2026-12-04; a 適用年度 runs from 1 August to 31 July.
        let certificate = |from: &str, to: Option<&str>| QualificationRecord {
            elderly: One(Some(ElderlyRecipient {
                ratio: Some("020".to_owned()),
                valid_from: checked(from),
                valid_to: to.and_then(checked),
                ..ElderlyRecipient::default()
            })),
            ..person()
        };
        let carried = |record| reader_result(NAME, &face("1", vec![record], Charset::ShiftJis)).unwrap().elderly_share;
        let date = |text: &str| IsoDate::parse(text).unwrap();
        let share = carried(certificate("20260801", Some("20270731"))).unwrap();
        assert_eq!(share.certificate.contribution_ratio_percent.get(), 20);
        assert_eq!(share.certificate.valid_from, date("2026-08-01"));
        assert_eq!(share.certificate.valid_until, Some(date("2027-07-31")));
        assert_eq!(share.insured_percent.get(), 30, "what the patient pays once the certificate ends");
        // Open-ended, it is in force; ended before the check day, or not begun, it lowers nothing that day.
        assert!(carried(certificate("20260801", None)).is_some());
        assert_eq!(carried(certificate("20250801", Some("20260731"))), None);
        assert_eq!(carried(certificate("20270101", None)), None);
        // Without a start date that reads there is no period to show; the share itself still comes from the ratio.
        let undated = certificate("2026-08-01", None);
        assert_eq!(carried(undated.clone()), None);
        assert_eq!(
            reader_result(NAME, &face("1", vec![undated], Charset::ShiftJis)).unwrap().contribution_percent,
            Some(Percent::literal(20))
        );
    }

    #[test]
    fn ratios_are_read_in_every_plausible_spelling_and_nothing_else() {
        for (raw, want) in [
            ("030", Some(30)),
            ("30", Some(30)),
            ("3", Some(30)),
            ("0", Some(0)),
            ("100", Some(100)),
            (" 030 ", Some(30)),
            ("０３０", Some(30)),
            ("101", None),
            ("3割", None),
            ("", None),
            ("0300", None),
            ("-30", None),
        ] {
            assert_eq!(percent(raw).map(Percent::get), want, "{raw:?}");
        }
    }

    #[test]
    fn a_field_that_does_not_fit_is_dropped_and_the_result_still_made() {
        let record = QualificationRecord {
            name: Some("診療\u{1}花子".to_owned()),
            insurer: checked("  138058"),
            ratio: Some("300".to_owned()),
            limit: One(Some(LimitCertificate { category: Some("   ".to_owned()), ..LimitCertificate::default() })),
            disqualified_on: checked("20260230"),
            ..person()
        };
        let result = reader_result(NAME, &face("1", vec![record], Charset::Utf8)).unwrap();
        assert_eq!(result.validity, Validity::Valid);
        assert_eq!(
            (result.name, result.insurer_number, result.contribution_percent),
            (None, None, None),
            "each field that does not fit is None"
        );
        assert_eq!((result.limit_category, result.disqualification_date), (None, None));
        assert_eq!(result.name_kana.unwrap().as_str(), "ｼﾝﾘｮｳ ﾊﾅｺ");
    }

    #[test]
    fn several_matches_name_nobody_and_no_qualification_is_still_a_result() {
        let result = reader_result(NAME, &face("5", vec![person(), person()], Charset::Utf8)).unwrap();
        assert_eq!(result.validity, Validity::MultipleMatches);
        assert_eq!((result.name, result.insurer_number), (None, None));
        let result = reader_result(NAME, &face("4", Vec::new(), Charset::Utf8)).unwrap();
        assert_eq!(result.validity, Validity::NoQualification);
    }

    #[test]
    fn an_error_in_progress_or_unreadable_validity_is_a_typed_error() {
        let error = |segment: &str, status: &str| {
            let header = AnswerHeader {
                segment: checked(segment),
                error_code: (segment == "9").then(|| "E01".to_owned()),
                ..AnswerHeader::default()
            };
            let body = StatusBody { status: checked(status), ..StatusBody::default() };
            let message = StatusAnswer { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() };
            reader_result(NAME, &document::write(&message, Charset::ShiftJis).unwrap())
        };
        assert_eq!(
            error("9", "2"),
            Err(OnsfileError::NoQualification(Unanswered::Error { code: Some("E01".to_owned()), message: None }))
        );
        assert_eq!(error("2", "1"), Err(OnsfileError::NoQualification(Unanswered::InProgress)));
        assert!(matches!(error("1", "2"), Err(OnsfileError::NoQualification(Unanswered::Error { .. }))));
        assert_eq!(
            reader_result(NAME, &face("9", vec![person()], Charset::Utf8)),
            Err(OnsfileError::NoQualification(Unanswered::NoValidity))
        );
    }

    #[test]
    fn a_file_that_is_not_a_face_file_is_refused() {
        let bytes = face("1", vec![person()], Charset::Utf8);
        for name in ["OQSsiquc01res_202612040001.xml", "../face/x.xml", ""] {
            assert_eq!(reader_result(name, &bytes), Err(OnsfileError::FileName(name.to_owned())), "{name}");
        }
        assert!(matches!(reader_result(NAME, b"not xml <"), Err(OnsfileError::Xml { .. } | OnsfileError::Root { .. })));
    }

    fn unit(
        row: Option<&str>,
        status: &str,
        validity: &str,
        records: Vec<QualificationRecord>,
    ) -> QualificationAnswerBody {
        QualificationAnswerBody {
            status: checked(status),
            validity: checked(validity),
            search: One(row.map(|row| crate::messages::SearchInfo {
                row_identifier: Some(row.to_owned()),
                ..crate::messages::SearchInfo::default()
            })),
            results: One((!records.is_empty()).then(|| ResultList { results: records, unknown: Vec::new() })),
            ..QualificationAnswerBody::default()
        }
    }

    fn bulk(segment: &str, units: Vec<QualificationAnswerBody>) -> Vec<u8> {
        let header = AnswerHeader { segment: checked(segment), ..AnswerHeader::default() };
        let body = crate::messages::BulkResultBody { status: checked("1"), units, ..Default::default() };
        let message = BulkResult { header: One(Some(header)), body: One(Some(body)), unknown: Vec::new() };
        document::write(&message, Charset::ShiftJis).unwrap()
    }

    #[test]
    fn a_bulk_result_reads_row_by_row_in_the_order_of_the_request() {
        let limited = QualificationRecord {
            limit: One(Some(LimitCertificate { category: Some("A01".to_owned()), ..LimitCertificate::default() })),
            ..person()
        };
        // The units come back out of order, one row has no unit and one unit is an error.
        let units = vec![
            unit(Some("3"), "1", "4", vec![]),
            unit(Some("1"), "1", "1", vec![limited]),
            unit(Some("4"), "2", "1", vec![person()]),
            unit(Some("6"), "1", "2", vec![person()]),
            unit(Some("1001"), "1", "1", vec![person()]),
        ];
        let rows = bulk_rows(&bulk("1", units)).unwrap();
        let answered = |validity, percent: Option<u8>, limit: Option<&str>| BulkRowOutcome::Answered {
            validity,
            contribution_percent: percent.map(|p| Percent::try_from(p).unwrap()),
            limit_category: limit.map(|l| Identifier::parse(l).unwrap()),
        };
        assert_eq!(
            rows,
            vec![
                answered(Validity::Valid, Some(30), Some("A01")),
                BulkRowOutcome::Failed,
                answered(Validity::NoQualification, None, None),
                BulkRowOutcome::Failed,
                BulkRowOutcome::Failed,
                answered(Validity::Invalid, Some(30), None),
            ]
        );
        // Without identifiers, a unit answers the row at its position.
        let plain = vec![unit(None, "1", "1", vec![person()]), unit(None, "1", "4", vec![])];
        let rows = bulk_rows(&bulk("1", plain)).unwrap();
        assert_eq!(
            rows,
            vec![answered(Validity::Valid, Some(30), None), answered(Validity::NoQualification, None, None)]
        );
    }

    #[test]
    fn a_bulk_result_not_ready_or_aborted_is_a_typed_error() {
        assert_eq!(bulk_rows(&bulk("2", vec![])), Err(OnsfileError::NoQualification(Unanswered::InProgress)));
        assert!(matches!(
            bulk_rows(&bulk("9", vec![unit(None, "1", "1", vec![person()])])),
            Err(OnsfileError::NoQualification(Unanswered::Error { .. }))
        ));
        assert!(bulk_rows(b"not xml <").is_err());
    }
}
