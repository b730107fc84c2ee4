//! Interop out: a qualification answer as the national 資格確認結果 XmlMsg (element names of the domain notes
//! §1.3–§1.5) and one qualification as an FHIR R4 JP Core `Coverage` resource.
//!
//! Pure: the processing time and the facility come in as arguments; the output is text (written with quick-xml)
//! or JSON.

use onshi_proto::IsoDate;
use onshi_proto::qualification::{PersonalFamily, QualificationAnswer, QualificationRecord, Sex, Validity};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Value, json};

/// The header fields the XmlMsg needs besides the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlHeader {
    /// `ProcessExecutionTime`, already formatted `YYYYMMDDhhmmss` (Japan time).
    pub process_execution_time: String,
    /// `MedicalInstitutionCode` (10 digits).
    pub medical_institution_code: String,
    /// `ArbitraryFileIdentifier`, echoed.
    pub arbitrary_file_identifier: Option<String>,
    /// `ReferenceClassification`: true for a マイナンバーカード check (1), false for 被保険者証情報 (2).
    pub by_card: bool,
}

fn compact(date: IsoDate) -> String {
    date.to_string().replace('-', "")
}

/// The 保険者番号 as the XmlMsg carries it: 8 characters, a 6-digit 国保 number left-padded with spaces.
pub fn xml_insurer_number(number: &str) -> String {
    format!("{number:>8}")
}

/// An XmlMsg being written: elements indented by two spaces, one per line, text escaped by quick-xml.
struct XmlOut(Writer<Vec<u8>>);

impl XmlOut {
    fn put(&mut self, event: Event<'_>) {
        // The sink is memory, which cannot refuse a write: quick-xml reports only the sink's I/O errors here.
        let _infallible = self.0.write_event(event);
    }

    fn open(&mut self, name: &str) {
        self.put(Event::Start(BytesStart::new(name)));
    }

    fn close(&mut self, name: &str) {
        self.put(Event::End(BytesEnd::new(name)));
    }

    /// `<name>value</name>` on a line of its own.
    fn element(&mut self, name: &str, value: &str) {
        self.open(name);
        self.put(Event::Text(BytesText::new(value)));
        self.close(name);
    }

    fn finish(self) -> String {
        let mut text = String::from_utf8_lossy(&self.0.into_inner()).into_owned();
        text.push('\n');
        text
    }
}

/// The answer as an XmlMsg document (UTF-8, `CharacterCodeIdentifier` 0).
pub fn to_xml_msg(answer: &QualificationAnswer, header: &XmlHeader) -> String {
    let mut out = XmlOut(Writer::new_with_indent(Vec::new(), b' ', 2));
    out.put(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    out.open("XmlMsg");
    out.open("MessageHeader");
    out.element("ProcessExecutionTime", &header.process_execution_time);
    out.element("QualificationConfirmationDate", &compact(answer.confirmation_date));
    out.element("MedicalInstitutionCode", &header.medical_institution_code);
    if let Some(id) = &header.arbitrary_file_identifier {
        out.element("ArbitraryFileIdentifier", id);
    }
    out.element("ReferenceClassification", if header.by_card { "1" } else { "2" });
    // Every typed answer is a completed, normal processing; 有効 or not is said by QualificationValidity.
    out.element("SegmentOfResult", "1");
    out.element("CharacterCodeIdentifier", "0");
    out.close("MessageHeader");
    out.open("MessageBody");
    out.element("ProcessingResultStatus", "1");
    out.element("QualificationValidity", &answer.validity.code().to_string());
    out.open("ResultList");
    for record in &answer.records {
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
        out.element("Name", &record.name);
        out.element("NameKana", &record.name_kana);
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
            out.element("LimitApplicationCertificateClassificationFlag", category);
            out.close("LimitApplicationCertificateRelatedInfo");
        }
        if !record.specific_diseases.is_empty() {
            out.open("SpecificDiseasesCertificateList");
            for disease in &record.specific_diseases {
                out.open("SpecificDiseasesCertificateInfo");
                out.element("SpecificDiseasesDiseaseCategory", &disease.disease_category);
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
        out.close("ResultOfQualificationConfirmation");
    }
    out.close("ResultList");
    out.close("MessageBody");
    out.close("XmlMsg");
    out.finish()
}

const JP_CORE_EXTENSION: &str = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/";
/// The onshi extension carrying one 特定疾病療養受療証 on a `Coverage`. JP Core defines no element for it, so this
/// is onshi's own complex extension: sub-extensions `diseaseCategory` (`valueCode`, OQSCD013 1–3), `validStart` and
/// `validEnd` (`valueDate`), and `monthlySelfPay` (`valueMoney` in JPY), each present when the record has it.
pub const ONSHI_SPECIFIC_DISEASE_EXTENSION: &str =
    "urn:onshi:fhir:StructureDefinition:coverage-specific-disease-certificate";
/// The JP Core NamingSystem of 保険者番号.
pub const INSURER_NUMBER_SYSTEM: &str = "urn:oid:1.2.392.100495.20.3.61";

/// One qualification as a JP Core `Coverage`. `beneficiary` and `subscriber` are references the caller chooses
/// (for example `Patient/<id>`); the 資格 is `active` unless it has been lost by `today`.
pub fn to_fhir_coverage(record: &QualificationRecord, beneficiary: &str, subscriber: &str, today: IsoDate) -> Value {
    let active = record.disqualification_date.is_none_or(|lost| lost > today);
    let mut extension = Vec::new();
    if let Some(symbol) = &record.symbol {
        extension.push(
            json!({ "url": format!("{JP_CORE_EXTENSION}JP_Coverage_InsuredPersonSymbol"), "valueString": symbol }),
        );
    }
    extension.push(
        json!({ "url": format!("{JP_CORE_EXTENSION}JP_Coverage_InsuredPersonNumber"), "valueString": record.number }),
    );
    if let Some(branch) = &record.branch {
        extension.push(
            json!({ "url": format!("{JP_CORE_EXTENSION}JP_Coverage_InsuredPersonSubNumber"), "valueString": branch }),
        );
    }
    for disease in &record.specific_diseases {
        let mut parts = vec![json!({ "url": "diseaseCategory", "valueCode": disease.disease_category })];
        if let Some(from) = disease.valid_from {
            parts.push(json!({ "url": "validStart", "valueDate": from.to_string() }));
        }
        if let Some(until) = disease.valid_until {
            parts.push(json!({ "url": "validEnd", "valueDate": until.to_string() }));
        }
        if let Some(yen) = disease.monthly_self_pay_yen {
            parts.push(json!({ "url": "monthlySelfPay", "valueMoney": { "value": yen, "currency": "JPY" } }));
        }
        extension.push(json!({ "url": ONSHI_SPECIFIC_DISEASE_EXTENSION, "extension": parts }));
    }
    let relationship = match record.personal_family {
        PersonalFamily::Insured => "self",
        PersonalFamily::Dependent => "other",
    };
    let mut period = serde_json::Map::new();
    period.insert("start".into(), json!(record.qualification_date.to_string()));
    if let Some(lost) = record.disqualification_date {
        // The 喪失日 is the first day without cover, so the period ends the day before.
        let end = lost.0.previous_day().map_or_else(|| lost.to_string(), |day| IsoDate(day).to_string());
        period.insert("end".into(), json!(end));
    }
    json!({
        "resourceType": "Coverage",
        "meta": { "profile": ["http://jpfhir.jp/fhir/core/StructureDefinition/JP_Coverage"] },
        "extension": extension,
        "status": if active { "active" } else { "cancelled" },
        "type": { "text": record.card_classification },
        "subscriber": { "reference": subscriber },
        "beneficiary": { "reference": beneficiary },
        "relationship": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            "code": relationship
        }]},
        "period": period,
        "payor": [{
            "identifier": { "system": INSURER_NUMBER_SYSTEM, "value": record.insurer_number },
            "display": record.insurer_name
        }],
        "costToBeneficiary": [{
            "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/coverage-copay-type", "code": "copaypct" }] },
            "valueQuantity": { "value": record.partial_contribution_percent, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%" }
        }]
    })
}

/// True when the answer is the one a facility may bill on without further checks, in XmlMsg terms:
/// 正常終了 ∧ 正常 ∧ 有効 ∧ exactly one result.
pub fn xml_is_clean(answer: &QualificationAnswer) -> bool {
    answer.validity == Validity::Valid && answer.records.len() == 1
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::qualification::{ElderlyRecipient, Guidance, Reason, SpecificDiseaseCertificate};

    fn record() -> QualificationRecord {
        QualificationRecord {
            card_classification: "01".into(),
            insurer_number: "131011".into(),
            insurer_name: "テスト市国保 <&>".into(),
            symbol: Some("12-34".into()),
            number: "567".into(),
            branch: Some("00".into()),
            personal_family: PersonalFamily::Insured,
            name: "試験　花子".into(),
            name_kana: "ｼｹﾝ ﾊﾅｺ".into(),
            sex: Sex::Female,
            birth_date: IsoDate::parse("1954-03-10").unwrap(),
            qualification_date: IsoDate::parse("2020-04-01").unwrap(),
            disqualification_date: Some(IsoDate::parse("2026-12-01").unwrap()),
            partial_contribution_percent: 20,
            elderly_recipient: Some(ElderlyRecipient {
                contribution_ratio_percent: 20,
                valid_from: IsoDate::parse("2024-04-01").unwrap(),
                valid_until: None,
            }),
            limit_category: Some("B04".into()),
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
        }
    }

    #[test]
    fn the_xml_msg_carries_the_national_element_names_and_formats() {
        let header = XmlHeader {
            process_execution_time: "20261124120000".into(),
            medical_institution_code: "0110113719".into(),
            arbitrary_file_identifier: Some("file-1".into()),
            by_card: true,
        };
        let xml = to_xml_msg(&answer(), &header);
        for expected in [
            "<QualificationConfirmationDate>20261124</QualificationConfirmationDate>",
            "<QualificationValidity>1</QualificationValidity>",
            "<InsurerNumber>  131011</InsurerNumber>",
            "<InsuredCardSymbol>12-34</InsuredCardSymbol>",
            "<PersonalFamilyClassification>1</PersonalFamilyClassification>",
            "<Sex1>2</Sex1>",
            "<Birthdate>19540310</Birthdate>",
            "<DisqualificationDate>20261201</DisqualificationDate>",
            "<InsuredPartialContributionRatio>020</InsuredPartialContributionRatio>",
            "<ElderlyRecipientContributionRatio>020</ElderlyRecipientContributionRatio>",
            "<LimitApplicationCertificateClassificationFlag>B04</LimitApplicationCertificateClassificationFlag>",
            "<InsurerName>テスト市国保 &lt;&amp;&gt;</InsurerName>",
            "<ReferenceClassification>1</ReferenceClassification>",
        ] {
            assert!(xml.contains(expected), "missing {expected} in\n{xml}");
        }
        // Opening and closing tags balance.
        assert_eq!(xml.matches("<ResultOfQualificationConfirmation>").count(), 1);
        assert_eq!(xml.matches("</ResultOfQualificationConfirmation>").count(), 1);
        assert!(xml_is_clean(&answer()));
    }

    #[test]
    fn a_no_qualification_answer_is_code_four_with_an_empty_list() {
        let empty = QualificationAnswer {
            validity: Validity::NoQualification,
            reason: Reason::NotFound,
            guidance: Some(Guidance::ClaimForm),
            confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
            records: vec![],
        };
        let header = XmlHeader {
            process_execution_time: "20261124120000".into(),
            medical_institution_code: "0110113719".into(),
            arbitrary_file_identifier: None,
            by_card: false,
        };
        let xml = to_xml_msg(&empty, &header);
        assert!(xml.contains("<QualificationValidity>4</QualificationValidity>"));
        assert!(!xml.contains("<ResultOfQualificationConfirmation>"));
        assert!(!xml_is_clean(&empty));
    }

    #[test]
    fn the_coverage_follows_jp_core() {
        let today = IsoDate::parse("2026-11-24").unwrap();
        let coverage = to_fhir_coverage(&record(), "Patient/p1", "Patient/p1", today);
        assert_eq!(coverage["resourceType"], "Coverage");
        assert_eq!(coverage["status"], "active");
        assert_eq!(coverage["period"]["end"], "2026-11-30");
        assert_eq!(coverage["payor"][0]["identifier"]["value"], "131011");
        assert_eq!(coverage["costToBeneficiary"][0]["valueQuantity"]["value"], 20);
        let urls: Vec<&str> =
            coverage["extension"].as_array().unwrap().iter().map(|e| e["url"].as_str().unwrap()).collect();
        assert!(urls.iter().all(|u| u.starts_with(JP_CORE_EXTENSION)));
        assert_eq!(urls.len(), 3);
        let lost = to_fhir_coverage(&record(), "Patient/p1", "Patient/p1", IsoDate::parse("2026-12-01").unwrap());
        assert_eq!(lost["status"], "cancelled");
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
        let header = XmlHeader {
            process_execution_time: "20261124120000".into(),
            medical_institution_code: "0110113719".into(),
            arbitrary_file_identifier: None,
            by_card: true,
        };
        let answer_without = answer();
        let answer = QualificationAnswer { records: vec![record_with_specific_disease()], ..answer() };
        let xml = to_xml_msg(&answer, &header);
        let expected = "        <SpecificDiseasesCertificateList>\n\
                        \x20         <SpecificDiseasesCertificateInfo>\n\
                        \x20           <SpecificDiseasesDiseaseCategory>2</SpecificDiseasesDiseaseCategory>\n\
                        \x20           <SpecificDiseasesValidStartDate>20250401</SpecificDiseasesValidStartDate>\n\
                        \x20           <SpecificDiseasesValidEndDate>20270331</SpecificDiseasesValidEndDate>\n\
                        \x20           <SpecificDiseasesSelfPay>10000</SpecificDiseasesSelfPay>\n\
                        \x20         </SpecificDiseasesCertificateInfo>\n\
                        \x20       </SpecificDiseasesCertificateList>\n";
        assert!(xml.contains(expected), "missing the list in\n{xml}");
        // Without a certificate the list is absent rather than empty.
        assert!(!to_xml_msg(&answer_without, &header).contains("SpecificDiseases"));
    }

    #[test]
    fn a_specific_disease_certificate_is_an_onshi_extension_on_the_coverage() {
        let today = IsoDate::parse("2026-11-24").unwrap();
        let coverage = to_fhir_coverage(&record_with_specific_disease(), "Patient/p1", "Patient/p1", today);
        let extensions = coverage["extension"].as_array().unwrap();
        let disease: Vec<&Value> = extensions.iter().filter(|e| e["url"] == ONSHI_SPECIFIC_DISEASE_EXTENSION).collect();
        let [disease] = disease.as_slice() else { panic!("{extensions:?}") };
        assert_eq!(
            disease["extension"],
            json!([
                { "url": "diseaseCategory", "valueCode": "2" },
                { "url": "validStart", "valueDate": "2025-04-01" },
                { "url": "validEnd", "valueDate": "2027-03-31" },
                { "url": "monthlySelfPay", "valueMoney": { "value": 10000, "currency": "JPY" } },
            ])
        );
    }
}
