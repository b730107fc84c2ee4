//! A qualification answer in FHIR R4, after JP Core's conventions: a `searchset` `Bundle` with one `Coverage` per
//! qualification and one `OperationOutcome` saying the 資格確認結果; every refusal is an `OperationOutcome` too.
//!
//! Each `Coverage` is self-contained: the person covered (`beneficiary`) and, for a 家族, the 被保険者 whose cover it is
//! (`subscriber`) are `Patient` resources in its `contained`, named in kanji and kana as JP Core's `JP_Patient`
//! names them (`iso21090-EN-representation` IDE and SYL). A 本人 is their own subscriber. The 記号・番号・枝番 are
//! JP Core's three extensions and the 枝番 is also `dependent`; the relationship is coded both in HL7's
//! `subscriber-relationship` and in the Japanese 続柄 code system (urn:oid:1.2.392.100495.20.2.62, 1 被保険者,
//! 2 被扶養者) used by the JP eCheckup guide; the copay is the 負担割合 in force on the confirmation date (the
//! 高齢受給者 ratio while its certificate applies). FHIR forbids empty arrays and empty strings, so an element with
//! nothing to say is left out.
//!
//! Pure: "today" comes in as the answer's confirmation date; the output is JSON.

use onshi_proto::public_expense::PublicExpense;
use onshi_proto::qualification::{PersonalFamily, QualificationAnswer, QualificationRecord, Sex, Validity};
use onshi_proto::{ApiError, ErrorCode, IsoDate};
use serde_json::{Map, Value, json};
use unicode_normalization::UnicodeNormalization;

const JP_CORE_EXTENSION: &str = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/";
const JP_CORE_PROFILE: &str = "http://jpfhir.jp/fhir/core/StructureDefinition/";
const NAME_REPRESENTATION: &str = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation";
/// 続柄 (1 被保険者, 2 被扶養者), as the JP eCheckup guide codes `Coverage.relationship`.
const JP_RELATIONSHIP_SYSTEM: &str = "urn:oid:1.2.392.100495.20.2.62";
/// The onshi extension carrying one 特定疾病療養受療証 on a `Coverage`. JP Core defines no element for it, so this
/// is onshi's own complex extension: sub-extensions `diseaseCategory` (`valueCode`, OQSCD013 1–3), `validStart` and
/// `validEnd` (`valueDate`), and `monthlySelfPay` (`valueMoney` in JPY), each present when the record has it; and
/// always `consent` (`valueCoding` in [`SPECIFIC_DISEASE_CONSENT_SYSTEM`]), the patient's 特定疾病 consent that
/// decided whether `diseaseCategory` is there.
pub const ONSHI_SPECIFIC_DISEASE_EXTENSION: &str =
    "urn:onshi:fhir:StructureDefinition:coverage-specific-disease-certificate";
/// `SpecificDiseasesCertificateRelatedConsFlg` as a code system: 0 なし, 1 あり, 2 同意有効期限切れ. A certificate
/// without `diseaseCategory` says by this code why: 0 or 2, the category was withheld.
pub const SPECIFIC_DISEASE_CONSENT_SYSTEM: &str = "urn:onshi:fhir:CodeSystem:specific-disease-consent";
/// The onshi extension carrying the 限度額適用認定証区分 (`valueCode`, OQSCD012 A01–A06, B01–B10).
pub const ONSHI_LIMIT_CATEGORY_EXTENSION: &str = "urn:onshi:fhir:StructureDefinition:coverage-limit-category";
/// `QualificationValidity` (OQSCD006) as a code system: 1 有効 … 5 複数該当.
pub const VALIDITY_SYSTEM: &str = "urn:onshi:fhir:CodeSystem:qualification-validity";
/// The `ErrorCode` spellings as a code system, for refusals.
pub const ERROR_CODE_SYSTEM: &str = "urn:onshi:fhir:CodeSystem:error-code";
/// 被保険者証の種類 (`InsuredCardClassification`, 01 一般 …) as a code system.
pub const CARD_CLASSIFICATION_SYSTEM: &str = "urn:onshi:fhir:CodeSystem:insured-card-classification";
/// The JP Core NamingSystem of 保険者番号.
pub const INSURER_NUMBER_SYSTEM: &str = "urn:oid:1.2.392.100495.20.3.61";
/// The JP Core NamingSystem of 公費負担者番号 (◐: the OID JP Core lists beside the 保険者番号's).
pub const PAYER_NUMBER_SYSTEM: &str = "urn:oid:1.2.392.100495.20.3.71";
/// The JP Core NamingSystem of 公費受給者番号 (◐, as above).
pub const RECIPIENT_NUMBER_SYSTEM: &str = "urn:oid:1.2.392.100495.20.3.72";
/// The JP Core NamingSystem of 医療機関コード (10 digits).
pub const FACILITY_CODE_SYSTEM: &str = "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no";
/// Which 公費 a `Coverage` is (`medical_assistance`, `child_medical` …), as a code system.
pub const PUBLIC_EXPENSE_KIND_SYSTEM: &str = "urn:onshi:fhir:CodeSystem:public-expense-kind";
/// The onshi extension carrying one 医療券/調剤券 of 医療扶助 on its `Coverage`. JP Core defines no element for it:
/// sub-extensions `ticketType` (`valueCode` medical/dispensing), `validStart` and `validEnd` (`valueDate`),
/// `issueNumber` and `treatmentMonth` (`valueString`, `YYYY-MM`), `designatedFacility` (`valueIdentifier`, the
/// 医療機関コード), `designatedFacilityName` (`valueString`) and `selfPay` (`valueMoney` in JPY).
pub const ONSHI_MEDICAL_TICKET_EXTENSION: &str = "urn:onshi:fhir:StructureDefinition:coverage-medical-ticket";

/// The answer as a `searchset` `Bundle`: one `Coverage` per record (`search.mode` `match`, counted by `total`), then
/// the `OperationOutcome` of the check (`search.mode` `outcome`), so that even 該当資格なし has one entry to say so.
pub fn to_fhir_bundle(answer: &QualificationAnswer) -> Value {
    let mut entries: Vec<Value> = answer
        .records
        .iter()
        .enumerate()
        .map(|(index, record)| json!({ "resource": coverage(record, index, answer), "search": { "mode": "match" } }))
        .collect();
    let person = answer.records.first();
    entries.extend(answer.public_expense.iter().enumerate().map(|(index, expense)| {
        json!({ "resource": public_expense_coverage(expense, index, person), "search": { "mode": "match" } })
    }));
    let total = entries.len();
    entries.push(json!({ "resource": answer_outcome(answer), "search": { "mode": "outcome" } }));
    json!({ "resourceType": "Bundle", "type": "searchset", "total": total, "entry": entries })
}

/// One 公費 as a JP Core `Coverage` of its own: `payor` the 公費負担者 by its 公費負担者番号, `subscriberId` the
/// 受給者番号, `type` the kind, `period` its validity, a 受給者証's 自己負担上限月額 as `maxoutofpocket`, and each
/// 医療券/調剤券 of 医療扶助 in [`ONSHI_MEDICAL_TICKET_EXTENSION`]. The person is the first insurance record's, when
/// there is one.
fn public_expense_coverage(expense: &PublicExpense, index: usize, person: Option<&QualificationRecord>) -> Value {
    let mut beneficiary = match person {
        Some(person) => {
            let mut patient = patient("beneficiary", &person.name, Some(&person.name_kana));
            patient.insert("birthDate".into(), json!(person.birth_date.to_string()));
            patient
        }
        None => {
            let mut patient = Map::new();
            patient.insert("resourceType".into(), json!("Patient"));
            patient.insert("id".into(), json!("beneficiary"));
            patient
        }
    };
    beneficiary.insert("meta".into(), json!({ "profile": [format!("{JP_CORE_PROFILE}JP_Patient")] }));
    let extension: Vec<Value> = expense
        .tickets
        .iter()
        .map(|ticket| {
            let mut parts = vec![
                json!({ "url": "ticketType", "valueCode": ticket.kind.as_str() }),
                json!({ "url": "validStart", "valueDate": ticket.validity.valid_from.to_string() }),
            ];
            if let Some(until) = ticket.validity.valid_until {
                parts.push(json!({ "url": "validEnd", "valueDate": until.to_string() }));
            }
            parts.extend([
                json!({ "url": "issueNumber", "valueString": ticket.issue_number.as_str() }),
                json!({ "url": "treatmentMonth", "valueString": ticket.treatment_month.as_str() }),
                json!({ "url": "designatedFacility", "valueIdentifier": {
                    "system": FACILITY_CODE_SYSTEM, "value": ticket.designated_facility_code.as_str()
                }}),
                json!({ "url": "designatedFacilityName", "valueString": ticket.designated_facility_name.as_str() }),
                json!({ "url": "selfPay", "valueMoney": { "value": ticket.self_pay_yen.yen(), "currency": "JPY" } }),
            ]);
            json!({ "url": ONSHI_MEDICAL_TICKET_EXTENSION, "extension": parts })
        })
        .collect();
    let mut period = Map::new();
    period.insert("start".into(), json!(expense.validity.valid_from.to_string()));
    if let Some(until) = expense.validity.valid_until {
        period.insert("end".into(), json!(until.to_string()));
    }
    let mut resource = Map::new();
    resource.insert("resourceType".into(), json!("Coverage"));
    resource.insert("id".into(), json!(format!("public-expense-{index}")));
    resource.insert("meta".into(), json!({ "profile": [format!("{JP_CORE_PROFILE}JP_Coverage")] }));
    resource.insert("contained".into(), json!([Value::Object(beneficiary)]));
    if !extension.is_empty() {
        resource.insert("extension".into(), Value::Array(extension));
    }
    resource.insert("status".into(), json!("active"));
    resource.insert(
        "type".into(),
        json!({ "coding": [
            { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PUBLICPOL", "display": "public healthcare" },
            { "system": PUBLIC_EXPENSE_KIND_SYSTEM, "code": expense.kind.as_str(), "display": expense.kind.label_ja() }
        ]}),
    );
    resource.insert(
        "identifier".into(),
        json!([{ "system": RECIPIENT_NUMBER_SYSTEM, "value": expense.recipient_number.as_str() }]),
    );
    resource.insert("subscriberId".into(), json!(expense.recipient_number.as_str()));
    resource.insert("beneficiary".into(), json!({ "reference": "#beneficiary" }));
    resource.insert(
        "relationship".into(),
        json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "self" }] }),
    );
    resource.insert("period".into(), Value::Object(period));
    resource.insert(
        "payor".into(),
        json!([{
            "identifier": { "system": PAYER_NUMBER_SYSTEM, "value": expense.payer_number.as_str() },
            "display": expense.payer_name.as_str()
        }]),
    );
    if let Some(limit) = expense.monthly_self_pay_yen {
        resource.insert(
            "costToBeneficiary".into(),
            json!([{
                "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/coverage-copay-type", "code": "maxoutofpocket" }] },
                "valueMoney": { "value": limit.yen(), "currency": "JPY" }
            }]),
        );
    }
    Value::Object(resource)
}

/// A refusal as an `OperationOutcome`: the stable code in `details`, its fixed sentence as the text.
pub fn operation_outcome(code: ErrorCode) -> Value {
    let issue_type = match code {
        ErrorCode::BadRequest => "invalid",
        ErrorCode::PayloadTooLarge => "too-costly",
        ErrorCode::NotFound => "not-found",
        ErrorCode::Unauthorized => "security",
        ErrorCode::RateLimited => "throttled",
        ErrorCode::RecordHeld => "suspended",
        ErrorCode::ConsentRequired => "forbidden",
        ErrorCode::OriginTimeout => "timeout",
        _ => "exception",
    };
    let error = ApiError::from(code);
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "error",
            "code": issue_type,
            "details": {
                "coding": [{ "system": ERROR_CODE_SYSTEM, "code": code.as_str() }],
                "text": error.message
            }
        }]
    })
}

/// What the check found, as an informational `OperationOutcome`.
fn answer_outcome(answer: &QualificationAnswer) -> Value {
    let issue_type = match answer.validity {
        Validity::NoQualification => "not-found",
        Validity::MultipleMatches => "multiple-matches",
        Validity::Valid | Validity::Invalid | Validity::InvalidNewerExists => "informational",
    };
    let diagnostics = match answer.guidance {
        Some(guidance) => format!("reason: {}; guidance: {}", answer.reason.as_str(), guidance.as_str()),
        None => format!("reason: {}", answer.reason.as_str()),
    };
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "information",
            "code": issue_type,
            "details": {
                "coding": [{
                    "system": VALIDITY_SYSTEM,
                    "code": answer.validity.code().to_string(),
                    "display": answer.validity.label_ja()
                }],
                "text": answer.validity.label_ja()
            },
            "diagnostics": diagnostics
        }]
    })
}

/// One qualification as a JP Core `Coverage`, with its people contained.
fn coverage(record: &QualificationRecord, index: usize, answer: &QualificationAnswer) -> Value {
    let day = answer.confirmation_date;
    let active = record.disqualification_date.is_none_or(|lost| lost > day);
    let mut extension = Vec::new();
    let mut jp_core = |name: &str, value: &str| {
        extension.push(json!({ "url": format!("{JP_CORE_EXTENSION}{name}"), "valueString": value }));
    };
    if let Some(symbol) = &record.symbol {
        jp_core("JP_Coverage_InsuredPersonSymbol", symbol);
    }
    jp_core("JP_Coverage_InsuredPersonNumber", &record.number);
    if let Some(branch) = &record.branch {
        jp_core("JP_Coverage_InsuredPersonSubNumber", branch);
    }
    if let Some(category) = &record.limit_category {
        extension.push(json!({ "url": ONSHI_LIMIT_CATEGORY_EXTENSION, "valueCode": category.as_str() }));
    }
    for disease in &record.specific_diseases {
        // A category withheld by `disclosure.rs` is left out: FHIR has no empty code.
        let mut parts = Vec::new();
        if !disease.disease_category.is_empty() {
            parts.push(json!({ "url": "diseaseCategory", "valueCode": disease.disease_category }));
        }
        if let Some(from) = disease.valid_from {
            parts.push(json!({ "url": "validStart", "valueDate": from.to_string() }));
        }
        if let Some(until) = disease.valid_until {
            parts.push(json!({ "url": "validEnd", "valueDate": until.to_string() }));
        }
        if let Some(yen) = disease.monthly_self_pay_yen {
            parts.push(json!({ "url": "monthlySelfPay", "valueMoney": { "value": yen, "currency": "JPY" } }));
        }
        // The flag, so that a reader can tell a category withheld for want of consent (0) or for a lapsed one (2)
        // from a certificate shown under a live one (1), as the XmlMsg's flag does.
        let consent = answer.specific_disease_consent;
        parts.push(json!({ "url": "consent", "valueCoding": {
            "system": SPECIFIC_DISEASE_CONSENT_SYSTEM, "code": consent.national_code(), "display": consent.label_ja()
        }}));
        extension.push(json!({ "url": ONSHI_SPECIFIC_DISEASE_EXTENSION, "extension": parts }));
    }
    let gender = match record.sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Unspecified => "unknown",
    };
    let mut beneficiary = patient("beneficiary", &record.name, Some(&record.name_kana));
    beneficiary.insert("gender".into(), json!(gender));
    beneficiary.insert("birthDate".into(), json!(record.birth_date.to_string()));
    let mut contained = vec![Value::Object(beneficiary)];
    let (subscriber, hl7_relationship, jp_relationship) = match (record.personal_family, &record.insured_name) {
        (PersonalFamily::Insured, _) => ("#beneficiary", "self", ("1", "被保険者")),
        (PersonalFamily::Dependent, Some(insured)) => {
            contained.push(Value::Object(patient("subscriber", insured, None)));
            ("#subscriber", "other", ("2", "被扶養者"))
        }
        // A 家族 whose 被保険者 is not on record: the cover still names who it covers, and no one as subscriber.
        (PersonalFamily::Dependent, None) => ("", "other", ("2", "被扶養者")),
    };
    let mut period = Map::new();
    period.insert("start".into(), json!(record.qualification_date.to_string()));
    if let Some(lost) = record.disqualification_date {
        // The 喪失日 is the first day without cover, so the period ends the day before.
        let end = lost.0.previous_day().map_or_else(|| lost.to_string(), |day| IsoDate(day).to_string());
        period.insert("end".into(), json!(end));
    }
    let mut resource = Map::new();
    resource.insert("resourceType".into(), json!("Coverage"));
    resource.insert("id".into(), json!(format!("coverage-{index}")));
    resource.insert("meta".into(), json!({ "profile": [format!("{JP_CORE_PROFILE}JP_Coverage")] }));
    resource.insert("contained".into(), Value::Array(contained));
    resource.insert("extension".into(), Value::Array(extension));
    resource.insert("status".into(), json!(if active { "active" } else { "cancelled" }));
    resource.insert(
        "type".into(),
        json!({ "coding": [
            { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PUBLICPOL", "display": "public healthcare" },
            { "system": CARD_CLASSIFICATION_SYSTEM, "code": record.card_classification }
        ]}),
    );
    if !subscriber.is_empty() {
        resource.insert("subscriber".into(), json!({ "reference": subscriber }));
    }
    resource.insert("beneficiary".into(), json!({ "reference": "#beneficiary" }));
    if let Some(branch) = &record.branch {
        resource.insert("dependent".into(), json!(branch));
    }
    resource.insert(
        "relationship".into(),
        json!({ "coding": [
            { "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": hl7_relationship },
            { "system": JP_RELATIONSHIP_SYSTEM, "code": jp_relationship.0, "display": jp_relationship.1 }
        ]}),
    );
    resource.insert("period".into(), Value::Object(period));
    resource.insert(
        "payor".into(),
        json!([{
            "identifier": { "system": INSURER_NUMBER_SYSTEM, "value": record.insurer_number },
            "display": record.insurer_name
        }]),
    );
    resource.insert(
        "costToBeneficiary".into(),
        json!([{
            "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/coverage-copay-type", "code": "copaypct" }] },
            "valueQuantity": {
                "value": record.contribution_percent_on(day),
                "unit": "%",
                "system": "http://unitsofmeasure.org",
                "code": "%"
            }
        }]),
    );
    Value::Object(resource)
}

/// A contained JP Core `Patient` named in kanji (IDE) and, when known, in full-width katakana (SYL).
fn patient(id: &str, name: &str, kana: Option<&str>) -> Map<String, Value> {
    let mut names = vec![human_name(name, "IDE")];
    if let Some(kana) = kana {
        // JP Core writes カナ氏名 in full-width katakana; NFKC widens half-width kana and joins its sound marks.
        names.push(human_name(&kana.nfkc().collect::<String>(), "SYL"));
    }
    let mut patient = Map::new();
    patient.insert("resourceType".into(), json!("Patient"));
    patient.insert("id".into(), json!(id));
    patient.insert("meta".into(), json!({ "profile": [format!("{JP_CORE_PROFILE}JP_Patient")] }));
    patient.insert("name".into(), Value::Array(names));
    patient
}

/// One `HumanName`: the whole name as `text`, and family and given names when a space (ideographic or ASCII)
/// separates them.
fn human_name(name: &str, representation: &str) -> Value {
    let name = name.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
    let mut value = Map::new();
    value.insert("extension".into(), json!([{ "url": NAME_REPRESENTATION, "valueCode": representation }]));
    value.insert("use".into(), json!("official"));
    value.insert("text".into(), json!(name));
    if let Some((family, given)) = name.split_once(['\u{3000}', ' ']) {
        let given = given.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
        if !family.is_empty() && !given.is_empty() {
            value.insert("family".into(), json!(family));
            value.insert("given".into(), json!([given]));
        }
    }
    Value::Object(value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::interop::xml_msg::tests::record;
    use onshi_proto::qualification::{Guidance, Reason, SpecificDiseaseCertificate, SpecificDiseaseConsent};

    fn answer_of(records: Vec<QualificationRecord>) -> QualificationAnswer {
        QualificationAnswer {
            validity: Validity::Valid,
            reason: Reason::Current,
            guidance: None,
            confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
            records,
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: Default::default(),
            specific_disease_question_due: false,
        }
    }

    fn only_coverage(bundle: &Value) -> &Value {
        let coverages: Vec<&Value> = bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| &entry["resource"])
            .filter(|resource| resource["resourceType"] == "Coverage")
            .collect();
        let [coverage] = coverages.as_slice() else { panic!("{bundle}") };
        coverage
    }

    #[test]
    fn the_coverage_follows_jp_core_with_its_patient_contained() {
        let bundle = to_fhir_bundle(&answer_of(vec![record()]));
        assert_eq!((bundle["type"].as_str(), bundle["total"].as_u64()), (Some("searchset"), Some(1)));
        let coverage = only_coverage(&bundle);
        assert_eq!(coverage["status"], "active");
        assert_eq!(coverage["period"]["end"], "2026-11-30");
        assert_eq!(coverage["payor"][0]["identifier"]["value"], "131011");
        assert_eq!(coverage["dependent"], "00");
        assert_eq!(coverage["type"]["coding"][0]["code"], "PUBLICPOL");
        // A 本人 is their own subscriber, and both references resolve inside the resource.
        assert_eq!(coverage["beneficiary"]["reference"], "#beneficiary");
        assert_eq!(coverage["subscriber"]["reference"], "#beneficiary");
        assert_eq!(coverage["relationship"]["coding"][0]["code"], "self");
        let contained = coverage["contained"].as_array().unwrap();
        assert_eq!(contained.len(), 1);
        let patient = &contained[0];
        assert_eq!((patient["resourceType"].as_str(), patient["id"].as_str()), (Some("Patient"), Some("beneficiary")));
        assert_eq!(patient["name"][0]["family"], "試験");
        assert_eq!(patient["name"][0]["given"], json!(["花子"]));
        assert_eq!(patient["name"][1]["text"], "シケン ハナコ");
        assert_eq!(patient["birthDate"], "1954-03-10");
        // The 高齢受給者 ratio in force (20) is what the patient pays, not the 一部負担金割合 (30).
        assert_eq!(coverage["costToBeneficiary"][0]["valueQuantity"]["value"], 20);
        assert_eq!(
            coverage["extension"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["url"] == ONSHI_LIMIT_CATEGORY_EXTENSION)
                .count(),
            1
        );
        let lost = to_fhir_bundle(&QualificationAnswer {
            confirmation_date: IsoDate::parse("2026-12-01").unwrap(),
            ..answer_of(vec![record()])
        });
        assert_eq!(only_coverage(&lost)["status"], "cancelled");
    }

    #[test]
    fn a_dependent_is_covered_under_the_insured_as_subscriber() {
        let dependent = QualificationRecord {
            personal_family: PersonalFamily::Dependent,
            insured_name: Some("試験　一郎".into()),
            elderly_recipient: None,
            ..record()
        };
        let bundle = to_fhir_bundle(&answer_of(vec![dependent]));
        let coverage = only_coverage(&bundle);
        assert_eq!(coverage["subscriber"]["reference"], "#subscriber");
        assert_eq!(coverage["relationship"]["coding"][1]["code"], "2");
        let subscriber = &coverage["contained"][1];
        assert_eq!(
            (subscriber["id"].as_str(), subscriber["name"][0]["text"].as_str()),
            (Some("subscriber"), Some("試験　一郎"))
        );
        assert_eq!(coverage["costToBeneficiary"][0]["valueQuantity"]["value"], 30);
    }

    #[test]
    fn no_qualification_is_an_outcome_entry_never_an_empty_list() {
        let empty = QualificationAnswer {
            validity: Validity::NoQualification,
            reason: Reason::NotFound,
            guidance: Some(Guidance::ClaimForm),
            ..answer_of(Vec::new())
        };
        let bundle = to_fhir_bundle(&empty);
        assert_eq!(bundle["total"], 0);
        let entries = bundle["entry"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["search"]["mode"], "outcome");
        let issue = &entries[0]["resource"]["issue"][0];
        assert_eq!(
            (issue["code"].as_str(), issue["details"]["coding"][0]["code"].as_str()),
            (Some("not-found"), Some("4"))
        );
        let refusal = operation_outcome(ErrorCode::RecordHeld);
        assert_eq!(refusal["issue"][0]["code"], "suspended");
        assert_eq!(refusal["issue"][0]["details"]["coding"][0]["code"], "record_held");
    }

    fn with_disease_record() -> QualificationRecord {
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

    /// The sub-extensions of the one 特定疾病 extension of the one `Coverage` of `answer`'s bundle.
    fn disease_parts(answer: &QualificationAnswer) -> Value {
        let bundle = to_fhir_bundle(answer);
        let extensions = only_coverage(&bundle)["extension"].as_array().unwrap();
        let disease: Vec<&Value> = extensions.iter().filter(|e| e["url"] == ONSHI_SPECIFIC_DISEASE_EXTENSION).collect();
        let [disease] = disease.as_slice() else { panic!("{extensions:?}") };
        disease["extension"].clone()
    }

    #[test]
    fn a_specific_disease_certificate_is_an_onshi_extension_on_the_coverage() {
        let shown = QualificationAnswer {
            specific_disease_consent: SpecificDiseaseConsent::Given,
            ..answer_of(vec![with_disease_record()])
        };
        assert_eq!(
            disease_parts(&shown),
            json!([
                { "url": "diseaseCategory", "valueCode": "2" },
                { "url": "validStart", "valueDate": "2025-04-01" },
                { "url": "validEnd", "valueDate": "2027-03-31" },
                { "url": "monthlySelfPay", "valueMoney": { "value": 10000, "currency": "JPY" } },
                { "url": "consent", "valueCoding": {
                    "system": SPECIFIC_DISEASE_CONSENT_SYSTEM, "code": "1", "display": "あり"
                }},
            ])
        );
        // Withheld (no live 特定疾病 consent): the certificate and its limit, and no empty code.
        let mut withheld = answer_of(vec![with_disease_record()]);
        withheld.records[0].specific_diseases[0].disease_category.clear();
        let bundle = to_fhir_bundle(&withheld);
        let text = serde_json::to_string(&bundle).unwrap();
        assert!(!text.contains("diseaseCategory"), "{text}");
        assert!(text.contains("monthlySelfPay"), "{text}");
    }

    #[test]
    fn each_certificate_says_the_consent_flag_that_decided_its_category() {
        use SpecificDiseaseConsent::{Given, Lapsed, NotGiven};
        for (flag, code, display, category_shown) in
            [(NotGiven, "0", "なし", false), (Given, "1", "あり", true), (Lapsed, "2", "同意有効期限切れ", false)]
        {
            // As `disclosure.rs` hands the answer on: the category only under a live consent.
            let mut answer =
                QualificationAnswer { specific_disease_consent: flag, ..answer_of(vec![with_disease_record()]) };
            if !category_shown {
                answer.records[0].specific_diseases[0].disease_category.clear();
            }
            let parts = disease_parts(&answer);
            let part = |name: &str| parts.as_array().unwrap().iter().find(|p| p["url"] == name).cloned();
            assert_eq!(
                part("consent"),
                Some(json!({ "url": "consent", "valueCoding": {
                    "system": SPECIFIC_DISEASE_CONSENT_SYSTEM, "code": code, "display": display
                }})),
                "{flag:?}"
            );
            assert_eq!(part("diseaseCategory").is_some(), category_shown, "{flag:?}");
            assert_eq!(part("monthlySelfPay").unwrap()["valueMoney"]["value"], 10000, "{flag:?}");
        }
        // No certificate, no flag: the flag belongs to the certificate it explains.
        let bundle =
            to_fhir_bundle(&QualificationAnswer { specific_disease_consent: Given, ..answer_of(vec![record()]) });
        assert!(!serde_json::to_string(&bundle).unwrap().contains(SPECIFIC_DISEASE_CONSENT_SYSTEM));
    }

    #[test]
    fn each_public_expense_is_a_coverage_of_its_own_paid_by_its_payer() {
        let answer = QualificationAnswer {
            public_expense: crate::interop::xml_msg::tests::public_expenses(),
            ..answer_of(vec![record()])
        };
        let bundle = to_fhir_bundle(&answer);
        assert_eq!(bundle["total"], 3);
        let entries = bundle["entry"].as_array().unwrap();
        assert_eq!(entries.len(), 4);
        let assistance = &entries[1]["resource"];
        assert_eq!(assistance["id"], "public-expense-0");
        assert_eq!(assistance["payor"][0]["identifier"]["value"], "12131017");
        assert_eq!(assistance["payor"][0]["display"], "新宿区福祉事務所");
        assert_eq!(assistance["subscriberId"], "1234566");
        assert_eq!(assistance["type"]["coding"][1]["code"], "medical_assistance");
        assert_eq!(assistance["contained"][0]["name"][0]["text"], "試験　花子");
        let tickets = assistance["extension"].as_array().unwrap();
        assert_eq!(tickets.len(), 2);
        assert!(tickets.iter().all(|t| t["url"] == ONSHI_MEDICAL_TICKET_EXTENSION));
        let parts = tickets[0]["extension"].as_array().unwrap();
        let part = |name: &str| parts.iter().find(|p| p["url"] == name).unwrap().clone();
        assert_eq!(part("ticketType")["valueCode"], "medical");
        assert_eq!(part("treatmentMonth")["valueString"], "2026-11");
        assert_eq!(part("selfPay")["valueMoney"]["value"], 1500);
        assert_eq!(part("designatedFacility")["valueIdentifier"]["value"], "1312345679");
        let certificate = &entries[2]["resource"];
        assert_eq!(certificate["type"]["coding"][1]["code"], "child_medical");
        assert_eq!(certificate["period"], json!({"start": "2026-04-01", "end": "2027-03-31"}));
        assert_eq!(certificate["costToBeneficiary"][0]["valueMoney"]["value"], 200);
        // FHIR forbids empty arrays: a 受給者証 without tickets has no extension at all.
        assert!(certificate.get("extension").is_none());
        assert_eq!(entries[3]["search"]["mode"], "outcome");
    }
}
