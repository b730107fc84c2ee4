//! The national 資格確認結果 XmlMsg (element names of qualification-domain.md §1.3–§1.5), in UTF-8 or Shift_JIS.
//!
//! Every text is written as the message specifies it: `NameKana` in half-width katakana with an ASCII space, dates
//! `YYYYMMDD`, ratios three digits, the 保険者番号 eight characters. A character no XML document may hold (and, in
//! Shift_JIS, one the encoding cannot carry) is written `●`, the national mark for a character that cannot be shown;
//! the insurer batch already refuses such characters, so this is a second line of defence.
//!
//! Pure: the processing time and the facility come in as arguments; the output is bytes (written with quick-xml).

use onshi_proto::public_expense::PublicExpense;
use onshi_proto::qualification::{
    PersonalFamily, QualificationAnswer, QualificationRecord, Sex, SpecificDiseaseConsent, Validity,
};
use onshi_proto::{IsoDate, is_plain_char};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::interop::kana::half_width_kana;
use crate::interop::shift_jis;

/// The character encoding of the document (`CharacterCodeIdentifier`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XmlEncoding {
    /// 0: UTF-8.
    Utf8,
    /// 1: Shift_JIS.
    ShiftJis,
}

impl XmlEncoding {
    /// The name in the XML declaration and in the `charset` of the answer's media type.
    pub fn label(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::ShiftJis => "Shift_JIS",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Utf8 => "0",
            Self::ShiftJis => "1",
        }
    }
}

/// The search of a 記号番号 check, echoed back in the body as `QualificationConfirmSearchInfo` (§1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchEcho {
    /// `InsurerNumber` as asked.
    pub insurer_number: String,
    /// `InsuredCardSymbol`.
    pub symbol: Option<String>,
    /// `InsuredIdentificationNumber`.
    pub number: String,
    /// `InsuredBranchNumber`.
    pub branch: Option<String>,
    /// `Birthdate`.
    pub birth_date: IsoDate,
}

/// The header fields the XmlMsg needs besides the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlHeader {
    /// `ProcessExecutionTime`, already formatted `YYYYMMDDhhmmss` (Japan time).
    pub process_execution_time: String,
    /// `MedicalInstitutionCode` (10 digits).
    pub medical_institution_code: String,
    /// `ArbitraryIdentifier`: the facility's own identifier of the query, echoed in each result (§1.5) and in the
    /// echoed search.
    pub arbitrary_identifier: Option<String>,
    /// `ReferenceClassification`: true for a マイナンバーカード check (1), false for 被保険者証情報 (2).
    pub by_card: bool,
    /// The search of a 記号番号 check, echoed; `None` for a card check.
    pub search: Option<SearchEcho>,
    /// The document's encoding.
    pub encoding: XmlEncoding,
}

fn compact(date: IsoDate) -> String {
    date.to_string().replace('-', "")
}

/// The 保険者番号 as the XmlMsg carries it: 8 characters, a 6-digit 国保 number left-padded with spaces.
pub fn xml_insurer_number(number: &str) -> String {
    format!("{number:>8}")
}

/// An XmlMsg being written: elements indented by two spaces, one per line, text escaped by quick-xml.
struct XmlOut {
    writer: Writer<Vec<u8>>,
    encoding: XmlEncoding,
}

impl XmlOut {
    fn put(&mut self, event: Event<'_>) {
        // The sink is memory, which cannot refuse a write: quick-xml reports only the sink's I/O errors here.
        let _infallible = self.writer.write_event(event);
    }

    fn open(&mut self, name: &str) {
        self.put(Event::Start(BytesStart::new(name)));
    }

    fn close(&mut self, name: &str) {
        self.put(Event::End(BytesEnd::new(name)));
    }

    /// `<name>value</name>` on a line of its own, the value made writable first ([`writable`]).
    fn element(&mut self, name: &str, value: &str) {
        let value = writable(value, self.encoding);
        self.open(name);
        self.put(Event::Text(BytesText::new(&value)));
        self.close(name);
    }

    fn finish(self) -> Vec<u8> {
        let mut text = String::from_utf8_lossy(&self.writer.into_inner()).into_owned();
        text.push('\n');
        match self.encoding {
            XmlEncoding::Utf8 => text.into_bytes(),
            XmlEncoding::ShiftJis => shift_jis::encode(&text),
        }
    }
}

/// `value` with every character the document cannot hold written `●`: one that XML forbids (or that is not
/// [`is_plain_char`]), and in Shift_JIS one the encoding lacks.
fn writable(value: &str, encoding: XmlEncoding) -> String {
    value
        .chars()
        .map(|c| {
            let carried = is_plain_char(c) && (encoding == XmlEncoding::Utf8 || shift_jis::is_shift_jis(c));
            if carried { c } else { shift_jis::UNREPRESENTABLE }
        })
        .collect()
}

/// The answer as an XmlMsg document in the header's encoding, its declaration and `CharacterCodeIdentifier`
/// saying which.
pub fn to_xml_msg(answer: &QualificationAnswer, header: &XmlHeader) -> Vec<u8> {
    let mut out = XmlOut { writer: Writer::new_with_indent(Vec::new(), b' ', 2), encoding: header.encoding };
    out.put(Event::Decl(BytesDecl::new("1.0", Some(header.encoding.label()), None)));
    out.open("XmlMsg");
    out.open("MessageHeader");
    out.element("ProcessExecutionTime", &header.process_execution_time);
    out.element("QualificationConfirmationDate", &compact(answer.confirmation_date));
    out.element("MedicalInstitutionCode", &header.medical_institution_code);
    out.element("ReferenceClassification", if header.by_card { "1" } else { "2" });
    // Every typed answer is a completed, normal processing; 有効 or not is said by QualificationValidity.
    out.element("SegmentOfResult", "1");
    out.element("CharacterCodeIdentifier", header.encoding.code());
    out.close("MessageHeader");
    out.open("MessageBody");
    out.element("ProcessingResultStatus", "1");
    out.element("QualificationValidity", &answer.validity.code().to_string());
    if let Some(search) = &header.search {
        out.open("QualificationConfirmSearchInfo");
        out.element("InsurerNumber", &xml_insurer_number(&search.insurer_number));
        if let Some(symbol) = &search.symbol {
            out.element("InsuredCardSymbol", symbol);
        }
        out.element("InsuredIdentificationNumber", &search.number);
        if let Some(branch) = &search.branch {
            out.element("InsuredBranchNumber", branch);
        }
        out.element("Birthdate", &compact(search.birth_date));
        if let Some(id) = &header.arbitrary_identifier {
            out.element("ArbitraryIdentifier", id);
        }
        out.close("QualificationConfirmSearchInfo");
    }
    out.open("ResultList");
    for record in &answer.records {
        let consent = answer.specific_disease_consent;
        result_of_qualification_confirmation(&mut out, record, consent, header.arbitrary_identifier.as_deref());
    }
    for expense in &answer.public_expense {
        public_expense_confirmation(&mut out, expense, answer.records.first(), header.arbitrary_identifier.as_deref());
    }
    out.close("ResultList");
    out.close("MessageBody");
    out.close("XmlMsg");
    out.finish()
}

/// One `ResultOfQualificationConfirmation`, its elements in the order of §1.5.
fn result_of_qualification_confirmation(
    out: &mut XmlOut,
    record: &QualificationRecord,
    consent: SpecificDiseaseConsent,
    arbitrary: Option<&str>,
) {
    out.open("ResultOfQualificationConfirmation");
    out.element("InsuredCardClassification", &record.card_classification);
    out.element("InsurerNumber", &xml_insurer_number(&record.insurer_number));
    if let Some(symbol) = &record.symbol {
        out.element("InsuredCardSymbol", symbol);
    }
    out.element("InsuredIdentificationNumber", &record.number);
    if let Some(branch) = &record.branch {
        out.element("InsuredBranchNumber", branch);
    }
    let family = match record.personal_family {
        PersonalFamily::Insured => "1",
        PersonalFamily::Dependent => "2",
    };
    out.element("PersonalFamilyClassification", family);
    if let Some(insured) = &record.insured_name {
        out.element("InsuredName", insured);
    }
    out.element("Name", &record.name);
    out.element("NameKana", &half_width_kana(&record.name_kana));
    let sex = match record.sex {
        Sex::Male => "1",
        Sex::Female => "2",
        Sex::Unspecified => "3",
    };
    out.element("Sex1", sex);
    out.element("Birthdate", &compact(record.birth_date));
    out.element("QualificationDate", &compact(record.qualification_date));
    if let Some(lost) = record.disqualification_date {
        out.element("DisqualificationDate", &compact(lost));
    }
    out.element("InsuredPartialContributionRatio", &format!("{:03}", record.partial_contribution_percent));
    if let Some(reason) = record.loss_reason {
        out.element("ReasonOfLoss", reason.code());
    }
    out.element("InsurerName", &record.insurer_name);
    if let Some(elderly) = &record.elderly_recipient {
        out.open("ElderlyRecipientCertificateInfo");
        out.element("ElderlyRecipientValidStartDate", &compact(elderly.valid_from));
        if let Some(until) = elderly.valid_until {
            out.element("ElderlyRecipientValidEndDate", &compact(until));
        }
        out.element("ElderlyRecipientContributionRatio", &format!("{:03}", elderly.contribution_ratio_percent));
        out.close("ElderlyRecipientCertificateInfo");
    }
    if let Some(category) = &record.limit_category {
        out.open("LimitApplicationCertificateRelatedInfo");
        out.element("LimitApplicationCertificateClassification", category.certificate_classification());
        out.element("LimitApplicationCertificateClassificationFlag", category.as_str());
        out.close("LimitApplicationCertificateRelatedInfo");
    }
    // The flag in every result, as the national answer carries it; the category only where `disclosure.rs` left it.
    out.element("SpecificDiseasesCertificateRelatedConsFlg", consent.national_code());
    if !record.specific_diseases.is_empty() {
        out.open("SpecificDiseasesCertificateList");
        for disease in &record.specific_diseases {
            out.open("SpecificDiseasesCertificateInfo");
            if !disease.disease_category.is_empty() {
                out.element("SpecificDiseasesDiseaseCategory", &disease.disease_category);
            }
            if let Some(from) = disease.valid_from {
                out.element("SpecificDiseasesValidStartDate", &compact(from));
            }
            if let Some(until) = disease.valid_until {
                out.element("SpecificDiseasesValidEndDate", &compact(until));
            }
            if let Some(yen) = disease.monthly_self_pay_yen {
                out.element("SpecificDiseasesSelfPay", &yen.to_string());
            }
            out.close("SpecificDiseasesCertificateInfo");
        }
        out.close("SpecificDiseasesCertificateList");
    }
    if let Some(id) = arbitrary {
        out.element("ArbitraryIdentifier", id);
    }
    out.close("ResultOfQualificationConfirmation");
}

/// One 公費 as a `ResultOfQualificationConfirmation` of its own, the confirmation of a 公費 rather than of a health
/// insurance (reference notes `system-2026.md` §2.4): the person as the first insurance record names them, when there
/// is one, then `PublicExpenseNumber`, `BeneficiaryNumber`, `WelfareOfficeName` (the payer's name) and, for
/// 医療扶助, `NumberOfMedicalTickets` and `PublicExpenseResultList/MedicalTicketInfo`. Assumed (◐): the notes give
/// the element names but not where a 公費 stands in the list; a separate entry keeps each insurance record whole.
/// A 受給者証's period and monthly limit have no element the notes name, so only the FHIR rendering carries them.
fn public_expense_confirmation(
    out: &mut XmlOut,
    expense: &PublicExpense,
    person: Option<&QualificationRecord>,
    arbitrary: Option<&str>,
) {
    out.open("ResultOfQualificationConfirmation");
    if let Some(person) = person {
        out.element("Name", &person.name);
        out.element("NameKana", &half_width_kana(&person.name_kana));
        let sex = match person.sex {
            Sex::Male => "1",
            Sex::Female => "2",
            Sex::Unspecified => "3",
        };
        out.element("Sex1", sex);
        out.element("Birthdate", &compact(person.birth_date));
    }
    out.element("PublicExpenseNumber", expense.payer_number.as_str());
    out.element("BeneficiaryNumber", expense.recipient_number.as_str());
    out.element("WelfareOfficeName", expense.payer_name.as_str());
    if expense.kind.is_medical_assistance() {
        out.element("NumberOfMedicalTickets", &expense.tickets.len().to_string());
        out.open("PublicExpenseResultList");
        for ticket in &expense.tickets {
            out.open("MedicalTicketInfo");
            out.element("TicketType", ticket.kind.code());
            out.element("MedicalTicketValidDate", &compact(ticket.validity.valid_from));
            if let Some(until) = ticket.validity.valid_until {
                out.element("MedicalTicketExpirationDate", &compact(until));
            }
            out.element("IssueNumber", ticket.issue_number.as_str());
            out.element("MedicalTreatmentMonth", &ticket.treatment_month.compact());
            out.element("DesignatedMedicalInstitutionCode", ticket.designated_facility_code.as_str());
            out.element("DesignatedMedicalInstitutionName", ticket.designated_facility_name.as_str());
            out.element("SelfPayAmount", &ticket.self_pay_yen.yen().to_string());
            out.close("MedicalTicketInfo");
        }
        out.close("PublicExpenseResultList");
    }
    if let Some(id) = arbitrary {
        out.element("ArbitraryIdentifier", id);
    }
    out.close("ResultOfQualificationConfirmation");
}

/// True when the answer is the one a facility may bill on without further checks, in XmlMsg terms:
/// 正常終了 ∧ 正常 ∧ 有効 ∧ exactly one result.
pub fn xml_is_clean(answer: &QualificationAnswer) -> bool {
    answer.validity == Validity::Valid && answer.records.len() == 1
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
pub(crate) mod tests {
    use super::*;
    use onshi_proto::qualification::{
        ElderlyRecipient, Guidance, LimitCategory, LossReason, Percent, Reason, SpecificDiseaseCertificate,
    };

    pub(crate) fn record() -> QualificationRecord {
        QualificationRecord {
            card_classification: "01".into(),
            insurer_number: "131011".into(),
            insurer_name: "テスト市国保 <&>".into(),
            symbol: Some("12-34".into()),
            number: "567".into(),
            branch: Some("00".into()),
            personal_family: PersonalFamily::Insured,
            insured_name: None,
            name: "試験　花子".into(),
            name_kana: "ｼｹﾝ ﾊﾅｺ".into(),
            sex: Sex::Female,
            birth_date: IsoDate::parse("1954-03-10").unwrap(),
            qualification_date: IsoDate::parse("2020-04-01").unwrap(),
            disqualification_date: Some(IsoDate::parse("2026-12-01").unwrap()),
            loss_reason: None,
            partial_contribution_percent: Percent::literal(30),
            elderly_recipient: Some(ElderlyRecipient {
                contribution_ratio_percent: Percent::literal(20),
                valid_from: IsoDate::parse("2024-04-01").unwrap(),
                valid_until: None,
            }),
            limit_category: Some(LimitCategory::parse("B05").unwrap()),
            specific_diseases: Vec::new(),
        }
    }

    fn answer() -> QualificationAnswer {
        QualificationAnswer {
            validity: Validity::Valid,
            reason: Reason::Current,
            guidance: None,
            confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
            records: vec![record()],
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: Default::default(),
            specific_disease_question_due: false,
        }
    }

    fn header(encoding: XmlEncoding) -> XmlHeader {
        XmlHeader {
            process_execution_time: "20261124120000".into(),
            medical_institution_code: "0110113719".into(),
            arbitrary_identifier: Some("karte-42".into()),
            by_card: true,
            search: None,
            encoding,
        }
    }

    fn utf8(answer: &QualificationAnswer, header: &XmlHeader) -> String {
        String::from_utf8(to_xml_msg(answer, header)).unwrap()
    }

    #[test]
    fn the_xml_msg_carries_the_national_element_names_and_formats() {
        let xml = utf8(&answer(), &header(XmlEncoding::Utf8));
        for expected in [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<QualificationConfirmationDate>20261124</QualificationConfirmationDate>",
            "<CharacterCodeIdentifier>0</CharacterCodeIdentifier>",
            "<QualificationValidity>1</QualificationValidity>",
            "<InsurerNumber>  131011</InsurerNumber>",
            "<InsuredCardSymbol>12-34</InsuredCardSymbol>",
            "<PersonalFamilyClassification>1</PersonalFamilyClassification>",
            "<Sex1>2</Sex1>",
            "<Birthdate>19540310</Birthdate>",
            "<DisqualificationDate>20261201</DisqualificationDate>",
            "<InsuredPartialContributionRatio>030</InsuredPartialContributionRatio>",
            "<ElderlyRecipientContributionRatio>020</ElderlyRecipientContributionRatio>",
            "<LimitApplicationCertificateClassification>02</LimitApplicationCertificateClassification>",
            "<LimitApplicationCertificateClassificationFlag>B05</LimitApplicationCertificateClassificationFlag>",
            "<InsurerName>テスト市国保 &lt;&amp;&gt;</InsurerName>",
            "<ReferenceClassification>1</ReferenceClassification>",
            "<ArbitraryIdentifier>karte-42</ArbitraryIdentifier>\n      </ResultOfQualificationConfirmation>",
        ] {
            assert!(xml.contains(expected), "missing {expected} in\n{xml}");
        }
        // The facility's identifier is the query's ArbitraryIdentifier, never the file-level header element.
        assert!(!xml.contains("ArbitraryFileIdentifier"));
        // A 本人 is their own 被保険者: no InsuredName.
        assert!(!xml.contains("InsuredName"));
        assert_eq!(xml.matches("<ResultOfQualificationConfirmation>").count(), 1);
        assert_eq!(xml.matches("</ResultOfQualificationConfirmation>").count(), 1);
        assert!(xml_is_clean(&answer()));
    }

    #[test]
    fn kana_is_half_width_and_a_dependent_names_the_insured_and_a_loss_its_reason() {
        let dependent = QualificationRecord {
            personal_family: PersonalFamily::Dependent,
            insured_name: Some("試験　一郎".into()),
            name_kana: "シケン　ハナコ".into(),
            loss_reason: Some(LossReason::OtherInsurance),
            ..record()
        };
        let answer = QualificationAnswer { records: vec![dependent], ..answer() };
        let xml = utf8(&answer, &header(XmlEncoding::Utf8));
        for expected in [
            "<NameKana>ｼｹﾝ ﾊﾅｺ</NameKana>",
            "<PersonalFamilyClassification>2</PersonalFamilyClassification>\n        <InsuredName>試験　一郎</InsuredName>",
            "<ReasonOfLoss>03</ReasonOfLoss>",
        ] {
            assert!(xml.contains(expected), "missing {expected} in\n{xml}");
        }
    }

    #[test]
    fn a_character_xml_forbids_is_written_as_the_gaiji_mark() {
        let broken = QualificationRecord { name: "試験\u{1}花子\u{FFFE}".into(), ..record() };
        let xml = utf8(&QualificationAnswer { records: vec![broken], ..answer() }, &header(XmlEncoding::Utf8));
        assert!(xml.contains("<Name>試験●花子●</Name>"), "{xml}");
        assert!(!xml.contains('\u{1}') && !xml.contains('\u{FFFE}'));
    }

    #[test]
    fn the_shift_jis_form_declares_itself_and_writes_the_gaiji_mark_for_what_it_cannot_carry() {
        let rare = QualificationRecord { name: "𠮷田　髙子".into(), ..record() };
        let bytes =
            to_xml_msg(&QualificationAnswer { records: vec![rare], ..answer() }, &header(XmlEncoding::ShiftJis));
        let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!malformed);
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>"), "{text}");
        assert!(text.contains("<CharacterCodeIdentifier>1</CharacterCodeIdentifier>"));
        assert!(text.contains("<Name>●田　●子</Name>"), "{text}");
        assert!(text.contains("<NameKana>ｼｹﾝ ﾊﾅｺ</NameKana>"));
        // Half-width kana is one byte each in Shift_JIS.
        assert!(bytes.windows(4).any(|w| w == [0xBC, 0xB9, 0xDD, 0x20]));
    }

    #[test]
    fn a_number_check_echoes_its_search_with_the_arbitrary_identifier() {
        let empty = QualificationAnswer {
            validity: Validity::NoQualification,
            reason: Reason::NotFound,
            guidance: Some(Guidance::ClaimForm),
            confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
            records: vec![],
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: Default::default(),
            specific_disease_question_due: false,
        };
        let search = SearchEcho {
            insurer_number: "131011".into(),
            symbol: None,
            number: "567".into(),
            branch: Some("01".into()),
            birth_date: IsoDate::parse("1954-03-10").unwrap(),
        };
        let header = XmlHeader { by_card: false, search: Some(search), ..header(XmlEncoding::Utf8) };
        let xml = utf8(&empty, &header);
        let expected = "    <QualificationConfirmSearchInfo>\n\
                        \x20     <InsurerNumber>  131011</InsurerNumber>\n\
                        \x20     <InsuredIdentificationNumber>567</InsuredIdentificationNumber>\n\
                        \x20     <InsuredBranchNumber>01</InsuredBranchNumber>\n\
                        \x20     <Birthdate>19540310</Birthdate>\n\
                        \x20     <ArbitraryIdentifier>karte-42</ArbitraryIdentifier>\n\
                        \x20   </QualificationConfirmSearchInfo>\n";
        assert!(xml.contains(expected), "{xml}");
        assert!(xml.contains("<QualificationValidity>4</QualificationValidity>"));
        assert!(!xml.contains("<ResultOfQualificationConfirmation>"));
        assert!(!xml_is_clean(&empty));
    }

    fn record_with_specific_disease() -> QualificationRecord {
        QualificationRecord {
            specific_diseases: vec![SpecificDiseaseCertificate {
                disease_category: "2".into(),
                valid_from: Some(IsoDate::parse("2025-04-01").unwrap()),
                valid_until: Some(IsoDate::parse("2027-03-31").unwrap()),
                monthly_self_pay_yen: Some(10_000),
            }],
            ..record()
        }
    }

    #[test]
    fn a_specific_disease_certificate_shows_in_the_xml_msg_with_the_national_names() {
        let header = header(XmlEncoding::Utf8);
        let answer_without = answer();
        let answer = QualificationAnswer {
            records: vec![record_with_specific_disease()],
            specific_disease_consent: SpecificDiseaseConsent::Given,
            ..answer()
        };
        let xml = utf8(&answer, &header);
        let expected = "        <SpecificDiseasesCertificateRelatedConsFlg>1</SpecificDiseasesCertificateRelatedConsFlg>\n\
                        \x20       <SpecificDiseasesCertificateList>\n\
                        \x20         <SpecificDiseasesCertificateInfo>\n\
                        \x20           <SpecificDiseasesDiseaseCategory>2</SpecificDiseasesDiseaseCategory>\n\
                        \x20           <SpecificDiseasesValidStartDate>20250401</SpecificDiseasesValidStartDate>\n\
                        \x20           <SpecificDiseasesValidEndDate>20270331</SpecificDiseasesValidEndDate>\n\
                        \x20           <SpecificDiseasesSelfPay>10000</SpecificDiseasesSelfPay>\n\
                        \x20         </SpecificDiseasesCertificateInfo>\n\
                        \x20       </SpecificDiseasesCertificateList>\n";
        assert!(xml.contains(expected), "missing the list in\n{xml}");
        // Without a certificate the list is absent rather than empty, and the flag still says 0.
        let without = utf8(&answer_without, &header);
        assert!(!without.contains("SpecificDiseasesCertificateList"), "{without}");
        assert!(without.contains("<SpecificDiseasesCertificateRelatedConsFlg>0</"), "{without}");
    }

    #[test]
    fn a_withheld_category_leaves_no_empty_element_and_the_flag_says_why() {
        let mut record = record_with_specific_disease();
        record.specific_diseases[0].disease_category.clear();
        let answer = QualificationAnswer {
            records: vec![record],
            specific_disease_consent: SpecificDiseaseConsent::Lapsed,
            ..answer()
        };
        let xml = utf8(&answer, &header(XmlEncoding::Utf8));
        assert!(!xml.contains("SpecificDiseasesDiseaseCategory"), "{xml}");
        assert!(xml.contains("<SpecificDiseasesSelfPay>10000</SpecificDiseasesSelfPay>"), "{xml}");
        assert!(xml.contains("<SpecificDiseasesCertificateRelatedConsFlg>2</"), "{xml}");
    }

    /// 医療扶助 with a 医療券 and a 調剤券, and a 子ども医療費 受給者証, as a payer registers them.
    pub(crate) fn public_expenses() -> Vec<PublicExpense> {
        let ticket = |kind: &str| {
            serde_json::json!({
                "kind": kind, "validity": {"valid_from": "2026-11-01", "valid_until": "2026-11-30"},
                "issue_number": "2026110001", "treatment_month": "2026-11",
                "designated_facility_code": "1312345679", "designated_facility_name": "しんじゅく内科",
                "self_pay_yen": 1500
            })
        };
        serde_json::from_value(serde_json::json!([
            {
                "kind": "medical_assistance", "payer_number": "12131017", "recipient_number": "1234566",
                "payer_name": "新宿区福祉事務所", "validity": {"valid_from": "2026-04-01"},
                "tickets": [ticket("medical"), ticket("dispensing")]
            },
            {
                "kind": "child_medical", "payer_number": "88131016", "recipient_number": "2345676",
                "payer_name": "新宿区", "validity": {"valid_from": "2026-04-01", "valid_until": "2027-03-31"},
                "monthly_self_pay_yen": 200
            }
        ]))
        .unwrap()
    }

    #[test]
    fn each_public_expense_is_a_result_of_its_own_with_the_national_names() {
        let answer = QualificationAnswer { public_expense: public_expenses(), ..answer() };
        let xml = utf8(&answer, &header(XmlEncoding::Utf8));
        assert_eq!(xml.matches("<ResultOfQualificationConfirmation>").count(), 3);
        let expected = "        <PublicExpenseNumber>12131017</PublicExpenseNumber>\n\
                        \x20       <BeneficiaryNumber>1234566</BeneficiaryNumber>\n\
                        \x20       <WelfareOfficeName>新宿区福祉事務所</WelfareOfficeName>\n\
                        \x20       <NumberOfMedicalTickets>2</NumberOfMedicalTickets>\n\
                        \x20       <PublicExpenseResultList>\n\
                        \x20         <MedicalTicketInfo>\n\
                        \x20           <TicketType>1</TicketType>\n\
                        \x20           <MedicalTicketValidDate>20261101</MedicalTicketValidDate>\n\
                        \x20           <MedicalTicketExpirationDate>20261130</MedicalTicketExpirationDate>\n\
                        \x20           <IssueNumber>2026110001</IssueNumber>\n\
                        \x20           <MedicalTreatmentMonth>202611</MedicalTreatmentMonth>\n\
                        \x20           <DesignatedMedicalInstitutionCode>1312345679</DesignatedMedicalInstitutionCode>\n\
                        \x20           <DesignatedMedicalInstitutionName>しんじゅく内科</DesignatedMedicalInstitutionName>\n\
                        \x20           <SelfPayAmount>1500</SelfPayAmount>\n\
                        \x20         </MedicalTicketInfo>\n";
        assert!(xml.contains(expected), "missing 医療扶助 in\n{xml}");
        assert!(xml.contains("<TicketType>2</TicketType>"));
        // The 受給者証 has no tickets, so no ticket list, and names the person as the insurance record does.
        assert!(xml.contains("<PublicExpenseNumber>88131016</PublicExpenseNumber>"));
        assert_eq!(xml.matches("<PublicExpenseResultList>").count(), 1);
        assert_eq!(xml.matches("<Name>試験　花子</Name>").count(), 3);
        // Shift_JIS carries the same.
        let sjis = to_xml_msg(&answer, &header(XmlEncoding::ShiftJis));
        assert!(!sjis.is_empty());
        assert!(!utf8(&self::answer(), &header(XmlEncoding::Utf8)).contains("PublicExpense"));
    }
}
