//! The simulator's reader-check trigger: a JSON file dropped into a folder (`--reader-checks <dir>`) describes one
//! person's qualification as the national reader would find it, and the simulated terminal writes the `face` file
//! for it ([`super::Terminal::reader_check_as`]), then removes the trigger. Tests and the demo make the national
//! reader "check" someone this way.
//!
//! The JSON shape is [`ReaderCheck`] (documented in `bridge/README.md`); every value is checked by its wire type as
//! it is read, and a trigger that does not read is reported on stderr and removed.

use std::path::Path;

use onshi_onsfile::messages::{
    ElderlyRecipient, LimitCertificate, QualificationRecord, SpecificDisease, SpecificDiseaseList,
};
use onshi_onsfile::record::{Check, Checked, One};
use onshi_proto::IsoDate;
use onshi_proto::identifier::{Identifier, ReferenceNumber};
use onshi_proto::insured_number::BranchNumber;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::origin::PrescriptionFormat;
use onshi_proto::qualification::Percent;
use onshi_proto::qualification::{Sex, SpecificDiseaseCertificate, SpecificDiseaseConsent, Validity};
use onshi_proto::record_text::RecordText;
use serde::Deserialize;

use super::Terminal;
use crate::error::{BridgeError, Context};
use crate::files;

/// One reader check: the person and the qualification the terminal reports.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReaderCheck {
    /// 氏名 (kanji, U+3000 between family and given name).
    pub name: RecordText,
    /// カナ氏名 (half-width katakana, as the terminal writes it).
    pub name_kana: RecordText,
    /// 生年月日, `YYYY-MM-DD`.
    pub birth_date: IsoDate,
    /// `male`, `female` or `unspecified`.
    pub sex: Sex,
    /// 保険者番号, 8 digits or 6 (written space-padded to 8, as the terminal does).
    pub insurer_number: InsurerNumber,
    /// 保険者名称.
    pub insurer_name: RecordText,
    /// 記号, when the card has one.
    #[serde(default)]
    pub symbol: Option<RecordText>,
    /// 番号.
    pub number: RecordText,
    /// 枝番, two digits.
    #[serde(default)]
    pub branch: Option<BranchNumber>,
    /// 一部負担金割合 in percent (written as three digits, `030`).
    pub ratio_percent: Percent,
    /// The 高齢受給者証's ratio in percent, for a person 70 to 74.
    #[serde(default)]
    pub elderly_ratio_percent: Option<Percent>,
    /// The 高齢受給者証's first day (`YYYY-MM-DD`; its 適用年度 begins on 1 August), when it has a ratio.
    #[serde(default)]
    pub elderly_valid_from: Option<IsoDate>,
    /// The 高齢受給者証's last day (`YYYY-MM-DD`, the 31 July that ends its 適用年度).
    #[serde(default)]
    pub elderly_valid_until: Option<IsoDate>,
    /// `QualificationValidity`: `valid`, `invalid`, `invalid_newer_exists`, `no_qualification` or
    /// `multiple_matches` (for `no_qualification` the file carries no person).
    pub validity: Validity,
    /// 資格喪失日, `YYYY-MM-DD`.
    #[serde(default)]
    pub disqualification_date: Option<IsoDate>,
    /// 限度額適用区分 (`A01`…), shown when the patient agreed on the reader.
    #[serde(default)]
    pub limit_category: Option<Identifier>,
    /// 処理コード in the face file's name, three digits; `000` when absent.
    #[serde(default)]
    pub processing_code: Option<String>,
    /// The prescription format the patient chose on the reader (`electronic` or `paper`), when they chose one.
    #[serde(default)]
    pub prescription: Option<PrescriptionFormat>,
    /// 照会番号 registered for the person (the clinic's patient id), written as the record's `ReferenceNumber`.
    #[serde(default)]
    pub reference_number: Option<ReferenceNumber>,
    /// 特定疾病療養受療証, each written as given (an empty category is left out of the file): a test can make a
    /// terminal that writes a category under a flag that should have kept it back.
    #[serde(default)]
    pub specific_diseases: Vec<SpecificDiseaseCertificate>,
    /// The patient's 特定疾病 consent on the reader, written as `SpecificDiseasesCertificateRelatedConsFlg`.
    #[serde(default)]
    pub specific_disease_consent: Option<SpecificDiseaseConsent>,
}

fn checked<T: Check>(text: &str) -> Option<Checked<T>> {
    Some(Checked::new(text))
}

fn three_digits(percent: Percent) -> String {
    format!("{:03}", percent.get())
}

impl ReaderCheck {
    /// Reads a trigger file.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let check: Self = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let code = check.processing_code();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err("processing_code is three digits".to_owned());
        }
        Ok(check)
    }

    /// The 処理コード of the face file's name.
    pub fn processing_code(&self) -> &str {
        self.processing_code.as_deref().unwrap_or("000")
    }

    /// The qualification as the terminal writes it in the file.
    pub fn record(&self) -> QualificationRecord {
        QualificationRecord {
            insurer: checked(&format!("{:>8}", self.insurer_number.as_str())),
            symbol: self.symbol.as_ref().map(|s| s.as_str().to_owned()),
            number: Some(self.number.as_str().to_owned()),
            branch: self.branch.as_ref().and_then(|b| checked(b.as_str())),
            personal_family: Some("1".to_owned()),
            name: Some(self.name.as_str().to_owned()),
            name_kana: Some(self.name_kana.as_str().to_owned()),
            sex: Some(self.sex.national_code().to_owned()),
            birthdate: checked(&self.birth_date.compact()),
            disqualified_on: self.disqualification_date.and_then(|d| checked(&d.compact())),
            ratio: Some(three_digits(self.ratio_percent)),
            insurer_name: Some(self.insurer_name.as_str().to_owned()),
            elderly: One(self.elderly_ratio_percent.map(|ratio| ElderlyRecipient {
                ratio: Some(three_digits(ratio)),
                valid_from: self.elderly_valid_from.and_then(|d| checked(&d.compact())),
                valid_to: self.elderly_valid_until.and_then(|d| checked(&d.compact())),
                ..ElderlyRecipient::default()
            })),
            limit_consent: self.limit_category.as_ref().map(|_| "1".to_owned()),
            limit: One(self.limit_category.as_ref().map(|category| LimitCertificate {
                category: Some(category.as_str().to_owned()),
                ..LimitCertificate::default()
            })),
            reference_number: self.reference_number.as_ref().map(|r| r.as_str().to_owned()),
            disease_consent: self.specific_disease_consent.map(|flag| flag.national_code().to_owned()),
            diseases: One((!self.specific_diseases.is_empty()).then(|| SpecificDiseaseList {
                certificates: self.specific_diseases.iter().map(written_certificate).collect(),
                unknown: Vec::new(),
            })),
            ..QualificationRecord::default()
        }
    }
}

/// One 特定疾病療養受療証 as the terminal writes it.
fn written_certificate(certificate: &SpecificDiseaseCertificate) -> SpecificDisease {
    SpecificDisease {
        category: Some(certificate.disease_category.clone()).filter(|category| !category.is_empty()),
        valid_from: certificate.valid_from.and_then(|day| checked(&day.compact())),
        valid_to: certificate.valid_until.and_then(|day| checked(&day.compact())),
        self_pay: certificate.monthly_self_pay_yen.map(|yen| yen.to_string()),
        ..SpecificDisease::default()
    }
}

impl Terminal {
    /// Takes every trigger file (`*.json`, not hidden) now in `dir`: writes its face file and removes it. A trigger
    /// that does not read, or whose person the terminal cannot write (a character Shift_JIS lacks), is reported on
    /// stderr and removed. Returns the face files written.
    pub fn take_reader_checks(&self, dir: &Path) -> Result<Vec<String>, BridgeError> {
        let mut written = Vec::new();
        for name in files::list(dir)? {
            if !name.to_ascii_lowercase().ends_with(".json") {
                continue;
            }
            let path = dir.join(&name);
            let Some(bytes) = files::read_if_there(&path) else { continue };
            let outcome = ReaderCheck::parse(&bytes).and_then(|check| {
                self.reader_check_choosing(
                    Some(check.record()),
                    check.validity,
                    check.processing_code(),
                    check.prescription,
                )
                .map_err(|e| e.to_string())
            });
            match outcome {
                Ok(face) => written.push(face),
                Err(why) => eprintln!("onshi-terminal-sim: reader check {name} not taken: {why}"),
            }
            std::fs::remove_file(&path).context(|| format!("remove {}", path.display()))?;
        }
        Ok(written)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
        "name": "診療　花子", "name_kana": "ｼﾝﾘｮｳ ﾊﾅｺ", "birth_date": "1954-06-12", "sex": "female",
        "insurer_number": "138057", "insurer_name": "札幌市", "symbol": "１２", "number": "0045", "branch": "01",
        "ratio_percent": 30, "elderly_ratio_percent": 20, "elderly_valid_from": "2026-08-01",
        "elderly_valid_until": "2027-07-31", "validity": "invalid",
        "disqualification_date": "2026-11-30", "limit_category": "A03", "processing_code": "600",
        "reference_number": "P-0045",
        "specific_diseases": [{"disease_category": "1", "valid_from": "2025-04-01", "monthly_self_pay_yen": 10000}],
        "specific_disease_consent": "lapsed"
    }"#;

    #[test]
    fn a_trigger_reads_into_the_record_the_terminal_writes() {
        let check = ReaderCheck::parse(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(check.processing_code(), "600");
        let record = check.record();
        assert_eq!(record.insurer.unwrap().raw, "  138057");
        assert_eq!(record.ratio.as_deref(), Some("030"));
        let elderly = record.elderly.0.unwrap();
        assert_eq!(elderly.ratio.as_deref(), Some("020"));
        assert_eq!(elderly.valid_from.unwrap().raw, "20260801");
        assert_eq!(elderly.valid_to.unwrap().raw, "20270731");
        assert_eq!(record.disqualified_on.unwrap().raw, "20261130");
        assert_eq!(record.birthdate.unwrap().raw, "19540612");
        assert_eq!(record.sex.as_deref(), Some("2"));
        assert_eq!(record.reference_number.as_deref(), Some("P-0045"));
        assert_eq!(record.limit.0.unwrap().category.as_deref(), Some("A03"));
        // Written as given, even a category under a flag that should have kept it back.
        assert_eq!(record.disease_consent.as_deref(), Some("2"));
        let [certificate] = record.diseases.0.unwrap().certificates.try_into().unwrap();
        assert_eq!(certificate.category.as_deref(), Some("1"));
        assert_eq!(certificate.valid_from.unwrap().raw, "20250401");
        assert_eq!((certificate.valid_to, certificate.self_pay.as_deref()), (None, Some("10000")));
    }

    #[test]
    fn a_trigger_with_a_bad_value_or_an_unknown_field_is_refused() {
        for (from, to) in [
            ("\"138057\"", "\"138058\""),
            ("\"ratio_percent\": 30", "\"ratio_percent\": 130"),
            ("\"600\"", "\"6000\""),
            ("\"female\"", "\"woman\""),
            ("\"branch\"", "\"branch_number\""),
            ("\"P-0045\"", "\"患者45\""),
            ("\"lapsed\"", "\"expired\""),
        ] {
            let text = EXAMPLE.replace(from, to);
            assert!(ReaderCheck::parse(text.as_bytes()).is_err(), "{from} → {to}");
        }
    }
}
