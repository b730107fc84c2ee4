//! Demo population from the virtual-card helper's `demo-cards.json`.
//!
//! Each card in the file carries a scenario; this module turns it into the records that make the origin answer
//! that scenario: `valid` (協会けんぽ 本人, 3割), `dependent` (家族 of a synthetic 被保険者, 3割), `lost` (a 資格喪失日
//! 30 days ago), `unregistered` (insured but the card not linked), `elderly` (後期高齢者医療広域連合, 1割) and `senior`
//! (協会けんぽ 本人 aged 70–74: 一部負担金割合 3割 with a 高齢受給者証 of 2割 for the 適用年度 that holds `today`).
//! Identifiers are derived from the certificate, and rows that exist are left alone, so seeding is idempotent.
//!
//! The file also holds each card's demo PIN. The origin never needs it: it is not deserialised, and the raw file
//! bytes are zeroized once parsed.

use std::path::Path;

use onshi_proto::IsoDate;
use onshi_proto::origin::{CertificateRef, CertificateStatus};
use onshi_proto::qualification::{ElderlyRecipient, Percent, PersonalFamily, Sex, SpecificDiseaseCertificate};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::{Date, Month};
use zeroize::Zeroizing;

use onshi_proto::insurer_number::{InsurerNumber, with_check_digit};

use crate::batch::decide::PersonItems;
use crate::error::{OriginError, Result};
use crate::store::Store;
use crate::store::rows::{
    BatchSummary, JlisStatus, NewCertificateLink, NewCheckup, NewInsurer, NewJlisCertificate, NewMedication, NewPerson,
    NewProcedure, NewQualification, NewResident, RecordBatch,
};
use onshi_proto::certificate::{CertificateSerial, IssuerName};
use onshi_proto::medical_record::ProcedureLine;
use onshi_proto::origin::{CheckupEntry, MedicationEntry};

/// The largest demo file read, so a wrong path cannot make the service read a huge file into memory.
const MAX_DEMO_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What a demo card is meant to show at the kiosk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// 有効: 本人 under a 協会けんぽ-style insurer, 3割.
    Valid,
    /// 有効: 家族 of another insured person, 3割.
    Dependent,
    /// 無効: the qualification was lost 30 days ago.
    Lost,
    /// 該当資格なし: insured, but the card was never linked (保険証利用登録 not done).
    Unregistered,
    /// 有効: 後期高齢者医療 (法別番号 39), 1割.
    Elderly,
    /// 有効: 本人 aged 70–74 under a 協会けんぽ-style insurer, 3割, with a 高齢受給者証 of 2割.
    Senior,
}

/// One card of `demo-cards.json`. The file's `pin` field is deliberately not read.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct DemoCard {
    /// Position in the file.
    pub index: u32,
    /// A human label for menus.
    pub label: String,
    /// The 利用者証明用 certificate's serial (hex).
    pub certificate_serial: String,
    /// The certificate's issuer DN (RFC 4514).
    pub certificate_issuer: String,
    /// 漢字氏名.
    pub name: String,
    /// カナ氏名 (half-width).
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所.
    #[serde(default)]
    pub address: Option<String>,
    /// What the card demonstrates.
    pub scenario: Scenario,
}

/// Parses the demo file's JSON array.
pub fn parse_demo_cards(json: &[u8]) -> Result<Vec<DemoCard>> {
    serde_json::from_slice(json).map_err(|error| OriginError::DemoCards(format!("not a demo card array: {error}")))
}

/// Reads, parses and applies the demo file at `path`, dating the records relative to `today` (Tokyo) and
/// stamping them with `now` (Unix seconds).
pub async fn seed_demo_file(store: &Store, path: &Path, today: Date, now: i64) -> Result<BatchSummary> {
    let cards = read_demo_cards(path)?;
    let summary = store.apply(&demo_batch(&cards, today)?, now).await?;
    for (facility_code, name) in DEMO_FACILITY_NAMES {
        store.name_facility(facility_code, name).await?;
    }
    Ok(summary)
}

/// The 利用者証明用 certificate of a demo card.
pub fn card_certificate(card: &DemoCard) -> Result<CertificateRef> {
    Ok(CertificateRef {
        issuer: IssuerName::parse(card.certificate_issuer.trim())
            .map_err(|_| OriginError::DemoCards(format!("card {} has no certificate issuer", card.index)))?,
        serial: CertificateSerial::normalize(&card.certificate_serial).map_err(|_| {
            OriginError::DemoCards(format!("certificate serial {:?} is not hexadecimal", card.certificate_serial))
        })?,
    })
}

/// The cards of the demo file at `path`, its bytes (which hold the demo PINs) wiped once parsed.
pub fn read_demo_cards(path: &Path) -> Result<Vec<DemoCard>> {
    let length = std::fs::metadata(path)?.len();
    if length > MAX_DEMO_FILE_BYTES {
        return Err(OriginError::DemoCards(format!("{} is larger than {MAX_DEMO_FILE_BYTES} bytes", path.display())));
    }
    let bytes = Zeroizing::new(std::fs::read(path)?);
    parse_demo_cards(&bytes)
}

/// The demo's facilities by 医療機関コード, so that a patient's access log names them: the stack's own facility
/// (the worked example of qualification-domain.md §2.3) and a second one the tests check in at. The names are
/// made up.
pub const DEMO_FACILITY_NAMES: [(&str, &str); 2] =
    [("0110113719", "おんし内科クリニック"), ("1312345679", "かすみがせき中央病院")];

/// The records that make each card answer its scenario on `today` and afterwards.
pub fn demo_batch(cards: &[DemoCard], today: Date) -> Result<RecordBatch> {
    let kyokai = NewInsurer {
        number: InsurerNumber::from_base("0113001")?,
        name: "全国健康保険協会 東京支部（デモ）".into(),
    };
    let kumiai = NewInsurer {
        number: InsurerNumber::from_base("0613999")?, name: "オンシ健康保険組合（デモ）".into()
    };
    let late_elderly = NewInsurer {
        number: InsurerNumber::from_base("3913001")?,
        name: "東京都後期高齢者医療広域連合（デモ）".into(),
    };
    let mut batch =
        RecordBatch { insurers: vec![kyokai.clone(), kumiai.clone(), late_elderly.clone()], ..RecordBatch::default() };

    let three_years_ago = april_first(today.year() - 3)?;
    for card in cards {
        let certificate = card_certificate(card)?;
        let person_id = derived_id("person", &certificate);
        batch.persons.push(NewPerson {
            id: person_id.clone(),
            name: card.name.clone(),
            name_kana: card.name_kana.clone(),
            birth_date: card.birth_date,
            sex: card.sex,
            address: card.address.clone(),
        });
        let own_cover = |insurer: &NewInsurer, from: Date| NewQualification {
            id: format!("{person_id}-q1"),
            person_id: person_id.clone(),
            insured_person_id: person_id.clone(),
            insurer_number: insurer.number.clone(),
            card_classification: "01".into(),
            symbol: Some((2100 + card.index).to_string()),
            number: (100 + card.index).to_string(),
            branch: Some("00".into()),
            personal_family: PersonalFamily::Insured,
            qualification_date: IsoDate(from),
            disqualification_date: None,
            loss_reason: None,
            partial_contribution_percent: Percent::literal(30),
            elderly_recipient: None,
            limit_category: None,
            specific_disease: None,
        };
        let link = NewCertificateLink { certificate: certificate.clone(), person_id: person_id.clone() };
        match card.scenario {
            Scenario::Valid => {
                batch.qualifications.push(own_cover(&kyokai, three_years_ago));
                batch.links.push(link);
            }
            Scenario::Unregistered => {
                // Insured like anyone else; only the 利用登録 is missing.
                batch.qualifications.push(own_cover(&kyokai, three_years_ago));
            }
            Scenario::Lost => {
                let lost_on = today
                    .checked_sub(time::Duration::days(30))
                    .ok_or_else(|| OriginError::DemoCards("today is too early for a lost qualification".into()))?;
                batch.qualifications.push(NewQualification {
                    disqualification_date: Some(IsoDate(lost_on)),
                    loss_reason: Some("99".into()),
                    ..own_cover(&kumiai, april_first(today.year() - 6)?)
                });
                batch.links.push(link);
            }
            Scenario::Elderly => {
                // 後期高齢者医療 starts on the 75th birthday; a younger demo person gets a plain start date.
                let from = birthday_in(card.birth_date.0, card.birth_date.0.year() + 75)
                    .filter(|birthday| *birthday <= today)
                    .unwrap_or(three_years_ago);
                batch.qualifications.push(NewQualification {
                    symbol: None,
                    number: with_check_digit(&format!("{:07}", 1_000_000 + card.index))?,
                    branch: None,
                    partial_contribution_percent: Percent::literal(10),
                    // 低所得Ⅱ: a 限度額適用・標準負担額減額認定証, which every answer carries without a consent.
                    limit_category: Some("B05".into()),
                    // A 特定疾病療養受療証 for 人工透析 (category 1, 10,000 yen a month), so the kiosk and the staff
                    // console have one to show.
                    specific_disease: Some(SpecificDiseaseCertificate {
                        disease_category: "1".into(),
                        valid_from: Some(IsoDate(from)),
                        valid_until: None,
                        monthly_self_pay_yen: Some(10_000),
                    }),
                    ..own_cover(&late_elderly, from)
                });
                batch.links.push(link);
            }
            Scenario::Senior => {
                batch.qualifications.push(NewQualification {
                    elderly_recipient: senior_certificate(card.birth_date.0, today),
                    ..own_cover(&kyokai, three_years_ago)
                });
                batch.links.push(link);
            }
            Scenario::Dependent => {
                let insured = synthetic_insured(card, &certificate)?;
                let insured_cover = NewQualification {
                    id: format!("{}-q1", insured.id),
                    person_id: insured.id.clone(),
                    insured_person_id: insured.id.clone(),
                    ..own_cover(&kyokai, three_years_ago)
                };
                let dependent_cover = NewQualification {
                    insured_person_id: insured.id.clone(),
                    branch: Some("01".into()),
                    personal_family: PersonalFamily::Dependent,
                    ..own_cover(&kyokai, three_years_ago)
                };
                batch.persons.push(insured);
                batch.qualifications.push(insured_cover);
                batch.qualifications.push(dependent_cover);
                batch.links.push(link);
            }
        }
        batch.certificate_statuses.push((certificate.clone(), CertificateStatus::Good));
        // The J-LIS stand-in knows every demo card's 個人番号, and the 住基 stand-in its holder's 5 items, so the
        // 'unregistered' card can do 健康保険証利用登録 at the kiosk and the insurer checks have something to match.
        let individual_number = derived_individual_number(&certificate)?;
        batch.jlis_certificates.push(NewJlisCertificate {
            certificate: certificate.clone(),
            individual_number: Some(individual_number.clone()),
            status: JlisStatus::Good,
        });
        batch.residents.push(NewResident {
            individual_number: individual_number.clone(),
            items: PersonItems {
                name: card.name.as_str().into(),
                name_kana: card.name_kana.as_str().into(),
                birth_date: card.birth_date,
                sex: card.sex,
                address: card.address.as_deref().unwrap_or_default().into(),
            },
        });
        batch.individual_numbers.push((person_id.clone(), individual_number));
        if card.scenario == Scenario::Valid {
            demo_history(&mut batch, &person_id, today)?;
        }
    }
    Ok(batch)
}

/// A valid 個人番号 derived from a demo certificate: 11 digits from its hash, then the check digit. Demo numbers
/// start with 9 so they are easy to tell apart in logs of a development database.
pub fn derived_individual_number(certificate: &CertificateRef) -> Result<String> {
    let digest = Sha256::new()
        .chain_update(b"onshi demo individual number\n")
        .chain_update(certificate.issuer.as_bytes())
        .chain_update(b"\n")
        .chain_update(certificate.serial.as_bytes())
        .finalize();
    let mut base = String::from("9");
    for byte in digest.iter().take(10) {
        base.push(char::from(b'0' + byte % 10));
    }
    let check = crate::individual_number::check_digit(&base)
        .ok_or_else(|| OriginError::DemoCards("derived individual number".into()))?;
    Ok(format!("{base}{check}"))
}

/// The synthetic medical history ([`crate::medical::synthetic`]) of a demo card holder, so consent-gated views have
/// something to show: 薬剤 with a 重複投薬, five years of 特定健診 with values out of range, 診療 and 手術.
fn demo_history(batch: &mut RecordBatch, person_id: &str, today: Date) -> Result<()> {
    let history = crate::medical::synthetic::history(person_id, today)
        .ok_or_else(|| OriginError::DemoCards("today is too early for demo history".into()))?;
    for (index, entry) in history.medications.iter().enumerate() {
        batch.medications.push(NewMedication {
            id: format!("{person_id}-med{index}"),
            person_id: person_id.to_owned(),
            entry: MedicationEntry {
                dispensed_on: entry.on,
                drug_name: entry.drug.name.into(),
                quantity: entry.drug.dose.into(),
                days: entry.days,
                facility_name: entry.prescriber.name.into(),
            },
            yj_code: entry.drug.yj_code.into(),
            prescriber_code: entry.prescriber.code.into(),
            source: entry.source,
        });
    }
    for (index, entry) in history.checkups.iter().enumerate() {
        batch.checkups.push(NewCheckup {
            id: format!("{person_id}-chk{index}"),
            person_id: person_id.to_owned(),
            entry: CheckupEntry {
                checked_on: entry.on,
                item: entry.item.name.into(),
                value: entry.value.clone(),
                unit: entry.item.unit.into(),
            },
            code: entry.item.code.into(),
        });
    }
    for (index, entry) in history.procedures.iter().enumerate() {
        batch.procedures.push(NewProcedure {
            id: format!("{person_id}-prc{index}"),
            person_id: person_id.to_owned(),
            kind: entry.procedure.kind,
            entry: ProcedureLine {
                performed_on: entry.on,
                code: entry.procedure.code.into(),
                name: entry.procedure.name.into(),
                facility_name: entry.facility_name.into(),
            },
        });
    }
    Ok(())
}

/// A stable identifier for a record derived from a demo certificate, so re-seeding finds the same rows.
fn derived_id(kind: &str, certificate: &CertificateRef) -> String {
    let digest = Sha256::new()
        .chain_update(b"onshi demo\n")
        .chain_update(kind.as_bytes())
        .chain_update(b"\n")
        .chain_update(certificate.issuer.as_bytes())
        .chain_update(b"\n")
        .chain_update(certificate.serial.as_bytes())
        .finalize();
    format!("demo-{kind}-{}", hex::encode(digest.get(..12).unwrap_or_default()))
}

/// The 被保険者 a dependent's cover hangs on: same family name and address, a generation older.
fn synthetic_insured(card: &DemoCard, certificate: &CertificateRef) -> Result<NewPerson> {
    let family_name = card.name.split('\u{3000}').next().unwrap_or(&card.name);
    let family_kana = card.name_kana.split(' ').next().unwrap_or(&card.name_kana);
    let birth_year = card.birth_date.0.year() - 30;
    let birth_date = birthday_in(card.birth_date.0, birth_year)
        .or_else(|| Date::from_calendar_date(birth_year, Month::January, 1).ok())
        .ok_or_else(|| OriginError::DemoCards(format!("card {} has an impossible birth date", card.index)))?;
    Ok(NewPerson {
        id: derived_id("insured", certificate),
        name: format!("{family_name}\u{3000}一郎"),
        name_kana: format!("{family_kana} ｲﾁﾛｳ"),
        birth_date: IsoDate(birth_date),
        sex: Sex::Male,
        address: card.address.clone(),
    })
}

/// The demo 高齢受給者証 (2割) of a person born on `birth`, as their insurer issues it for the 適用年度 that holds
/// `today`: from 1 August to 31 July (the 負担割合 is judged again every August on the year's income), cut to the
/// months the person is a 高齢受給者. `None` when `today` is outside those months, so a demo database seeded before
/// the 70th birthday or after the 75th holds no certificate rather than an invented one.
fn senior_certificate(birth: Date, today: Date) -> Option<ElderlyRecipient> {
    let (eligible_from, eligible_until) = elderly_recipient_months(birth)?;
    if today < eligible_from || eligible_until < today {
        return None;
    }
    let year_start = if u8::from(today.month()) >= 8 { today.year() } else { today.year() - 1 };
    let august_first = Date::from_calendar_date(year_start, Month::August, 1).ok()?;
    let july_last = Date::from_calendar_date(year_start + 1, Month::July, 31).ok()?;
    Some(ElderlyRecipient {
        contribution_ratio_percent: Percent::literal(20),
        valid_from: IsoDate(august_first.max(eligible_from)),
        valid_until: Some(IsoDate(july_last.min(eligible_until))),
    })
}

/// The first and last day a person born on `birth` is a 高齢受給者: from the first of the month after the one in
/// which they reach 70 (on the day before the 70th birthday, 年齢計算ニ関スル法律, so someone born on the first of a
/// month starts in the birthday's own month) to the day before the 75th birthday, when 後期高齢者医療 takes over.
fn elderly_recipient_months(birth: Date) -> Option<(Date, Date)> {
    let reaches_seventy = birthday_in(birth, birth.year() + 70)?.previous_day()?;
    let from = reaches_seventy.replace_day(1).ok()?.checked_add(time::Duration::days(31))?.replace_day(1).ok()?;
    let until = birthday_in(birth, birth.year() + 75)?.previous_day()?;
    Some((from, until))
}

fn april_first(year: i32) -> Result<Date> {
    Date::from_calendar_date(year, Month::April, 1).map_err(|_| OriginError::DemoCards(format!("year {year}")))
}

/// The same month and day in `year`; 29 February becomes 1 March in common years.
fn birthday_in(birth: Date, year: i32) -> Option<Date> {
    birth.replace_year(year).ok().or_else(|| Date::from_calendar_date(year, Month::March, 1).ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use time::macros::date;

    const FIXTURE: &str = include_str!("../tests/data/demo-cards-fixture.json");
    const TODAY: Date = date!(2026 - 11 - 24);

    #[test]
    fn the_fixture_parses_and_the_pin_is_not_kept() {
        let cards = parse_demo_cards(FIXTURE.as_bytes()).unwrap();
        assert_eq!(cards.len(), 6);
        assert!(FIXTURE.contains("\"pin\""));
        assert!(!format!("{cards:?}").contains("pin"));
    }

    #[test]
    fn every_scenario_gets_its_records() {
        let cards = parse_demo_cards(FIXTURE.as_bytes()).unwrap();
        let batch = demo_batch(&cards, TODAY).unwrap();
        // Six card holders (one a scenario each) plus the synthetic 被保険者 of the dependent.
        assert_eq!(batch.persons.len(), 7);
        assert_eq!(batch.qualifications.len(), 7);
        // Everyone but the unregistered card is linked; every card has a status.
        assert_eq!(batch.links.len(), 5);
        assert_eq!(batch.certificate_statuses.len(), 6);
        // Every card is known to J-LIS under a valid 個人番号 that 住基 knows too.
        assert_eq!(batch.jlis_certificates.len(), 6);
        for entry in &batch.jlis_certificates {
            let number = entry.individual_number.clone().unwrap();
            assert!(crate::individual_number::IndividualNumber::parse(&number).is_ok());
            assert!(batch.residents.iter().any(|r| r.individual_number == number));
        }
        assert_eq!(batch.individual_numbers.len(), 6);
        // The valid card holder carries the synthetic medical history.
        assert!(batch.medications.len() > 30 && batch.checkups.len() == 60 && !batch.procedures.is_empty());
        for insurer in &batch.insurers {
            assert!(InsurerNumber::parse(insurer.number.as_str()).is_ok());
        }
        let senior = batch.qualifications.iter().find(|q| q.elderly_recipient.is_some()).unwrap();
        assert_eq!(senior.elderly_recipient.as_ref().unwrap().contribution_ratio_percent.get(), 20);
        let elderly = batch.qualifications.iter().find(|q| q.partial_contribution_percent.get() == 10).unwrap();
        assert!(elderly.insurer_number.is_late_elderly());
        assert!(
            onshi_proto::insurer_number::check_digit(&elderly.number[..7])
                .is_ok_and(|d| elderly.number.ends_with(&d.to_string()))
        );
        let dependent = batch.qualifications.iter().find(|q| q.personal_family == PersonalFamily::Dependent).unwrap();
        assert_ne!(dependent.insured_person_id, dependent.person_id);
        let lost = batch.qualifications.iter().find(|q| q.disqualification_date.is_some()).unwrap();
        assert!(lost.disqualification_date.unwrap().0 < TODAY);
    }

    #[test]
    fn the_same_cards_give_the_same_batch_on_another_day() {
        let cards = parse_demo_cards(FIXTURE.as_bytes()).unwrap();
        let first = demo_batch(&cards, TODAY).unwrap();
        let second = demo_batch(&cards, TODAY).unwrap();
        assert_eq!(first, second);
        let ids = |batch: &RecordBatch| batch.persons.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&first), ids(&demo_batch(&cards, date!(2027 - 01 - 05)).unwrap()));
    }

    #[test]
    fn malformed_files_get_typed_errors() {
        assert!(matches!(parse_demo_cards(b"{}"), Err(OriginError::DemoCards(_))));
        assert!(matches!(parse_demo_cards(b"[{\"index\":0}]"), Err(OriginError::DemoCards(_))));
        let mut cards = parse_demo_cards(FIXTURE.as_bytes()).unwrap();
        cards[0].certificate_serial = "not hex".into();
        assert!(matches!(demo_batch(&cards, TODAY), Err(OriginError::DemoCards(_))));
    }

    /// The fixture's first card as the 70–74-year-old `senior` of the demo, born on `birth`.
    fn senior_card(birth: Date) -> DemoCard {
        let mut card = parse_demo_cards(FIXTURE.as_bytes()).unwrap().remove(0);
        card.scenario = Scenario::Senior;
        card.birth_date = IsoDate(birth);
        card
    }

    #[test]
    fn a_senior_holds_a_two_tenths_certificate_for_the_year_that_holds_today() {
        let card = senior_card(date!(1955 - 01 - 01));
        let batch = demo_batch(std::slice::from_ref(&card), TODAY).unwrap();
        assert_eq!(batch.qualifications.len(), 1);
        assert_eq!(batch.links.len(), 1);
        let cover = &batch.qualifications[0];
        assert_eq!(cover.partial_contribution_percent.get(), 30, "the 一部負担金割合 stays the insured's own");
        assert!(!cover.insurer_number.is_late_elderly());
        assert_eq!(
            cover.elderly_recipient,
            Some(ElderlyRecipient {
                contribution_ratio_percent: Percent::literal(20),
                valid_from: IsoDate(date!(2026 - 08 - 01)),
                valid_until: Some(IsoDate(date!(2027 - 07 - 31))),
            })
        );
    }

    #[test]
    fn a_senior_certificate_keeps_to_the_months_between_seventy_and_seventy_five() {
        let certificate = |birth, today| senior_certificate(birth, today).map(|c| (c.valid_from.0, c.valid_until));
        // Born on the first of a month: 70 is reached the day before, so the certificate starts that month.
        let first = date!(1955 - 01 - 01);
        assert_eq!(certificate(first, date!(2024 - 12 - 31)), None);
        assert_eq!(
            certificate(first, date!(2025 - 01 - 01)),
            Some((date!(2025 - 01 - 01), Some(IsoDate(date!(2025 - 07 - 31)))))
        );
        assert_eq!(
            certificate(first, date!(2029 - 12 - 31)),
            Some((date!(2029 - 08 - 01), Some(IsoDate(date!(2029 - 12 - 31)))))
        );
        assert_eq!(certificate(first, date!(2030 - 01 - 01)), None, "後期高齢者医療 from the 75th birthday");
        // Born mid-month: from the first of the next month, to the day before the 75th birthday.
        let mid = date!(1956 - 06 - 15);
        assert_eq!(certificate(mid, date!(2026 - 06 - 30)), None);
        assert_eq!(
            certificate(mid, date!(2026 - 07 - 01)),
            Some((date!(2026 - 07 - 01), Some(IsoDate(date!(2026 - 07 - 31)))))
        );
        assert_eq!(
            certificate(mid, date!(2031 - 06 - 14)),
            Some((date!(2030 - 08 - 01), Some(IsoDate(date!(2031 - 06 - 14)))))
        );
        assert_eq!(certificate(mid, date!(2031 - 06 - 15)), None);
        // Every day of 2025–2029 falls inside the certificate seeded for it.
        let mut day = date!(2025 - 01 - 01);
        while day <= date!(2029 - 12 - 31) {
            let seeded = senior_certificate(first, day).unwrap();
            assert!(seeded.in_force_on(IsoDate(day)), "{day}");
            assert_eq!(seeded.contribution_ratio_percent.get(), 20);
            day = day.next_day().unwrap();
        }
    }

    #[test]
    fn a_leap_day_birthday_falls_on_the_first_of_march() {
        assert_eq!(birthday_in(date!(1952 - 02 - 29), 2027), Some(date!(2027 - 03 - 01)));
        assert_eq!(birthday_in(date!(1952 - 02 - 29), 2028), Some(date!(2028 - 02 - 29)));
    }
}
