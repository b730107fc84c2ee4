//! A synthetic, plausible and coded medical history, computed from a person's id and the day it ends on: a
//! hypertension, diabetes and lipid course at a clinic with its last prescriptions as 電子処方箋 and 調剤結果, one
//! 重複投薬 of the same ingredient from a hospital, an as-needed painkiller, five years of 特定健診 drifting out of
//! range, blood tests and imaging, and two operations. The codes come from [`super::codes`].
//!
//! The same id and day always give the same history; the id moves the 特定健診 day so patients differ.
//!
//! Layer: pure core (the day is passed in).

use onshi_proto::IsoDate;
use onshi_proto::medical_record::{MedicalRecordKind, MedicationSource};
use sha2::{Digest as _, Sha256};
use time::{Date, Duration};

use super::codes::{CHECKUP_ITEMS, CheckupItem, DRUGS, Drug, PROCEDURES, Procedure};

/// A prescriber of the synthetic history: 医療機関コード (check digit valid) and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prescriber {
    /// 医療機関コード.
    pub code: &'static str,
    /// 医療機関名.
    pub name: &'static str,
}

/// The clinic that follows the patient.
pub const CLINIC: Prescriber = Prescriber { code: "1312345687", name: "しみず内科クリニック（架空）" };
/// The hospital whose prescription duplicates the clinic's.
pub const HOSPITAL: Prescriber = Prescriber { code: "1319876544", name: "さくら総合病院（架空）" };
/// An orthopaedic clinic.
const ORTHOPAEDICS: Prescriber = Prescriber { code: "1311112229", name: "あおば整形外科（架空）" };
/// An eye hospital.
const EYE_HOSPITAL: Prescriber = Prescriber { code: "1315556660", name: "みどり眼科病院（架空）" };

/// One synthetic 薬剤 entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticMedication {
    /// The first day of the supply.
    pub on: IsoDate,
    /// The medicine.
    pub drug: Drug,
    /// 日数.
    pub days: u32,
    /// Who prescribed it.
    pub prescriber: Prescriber,
    /// Where the entry comes from.
    pub source: MedicationSource,
}

/// One synthetic 特定健診 result.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticCheckup {
    /// 受診日.
    pub on: IsoDate,
    /// The item.
    pub item: CheckupItem,
    /// The value, written with the item's decimals.
    pub value: String,
}

/// One synthetic 診療行為 or 手術.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticProcedure {
    /// 実施日.
    pub on: IsoDate,
    /// The procedure.
    pub procedure: Procedure,
    /// Where.
    pub facility_name: &'static str,
}

/// A person's synthetic history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyntheticHistory {
    /// 薬剤, oldest first.
    pub medications: Vec<SyntheticMedication>,
    /// 特定健診, oldest first.
    pub checkups: Vec<SyntheticCheckup>,
    /// 診療行為 and 手術, oldest first.
    pub procedures: Vec<SyntheticProcedure>,
}

/// The day `days` before `today`; `None` before the calendar's start.
fn before(today: Date, days: i64) -> Option<IsoDate> {
    today.checked_sub(Duration::days(days)).map(IsoDate)
}

fn drug(yj_code: &str) -> Option<Drug> {
    DRUGS.iter().copied().find(|drug| drug.yj_code == yj_code)
}

fn procedure(code: &str) -> Option<Procedure> {
    PROCEDURES.iter().copied().find(|procedure| procedure.code == code)
}

fn item(name: &str) -> Option<CheckupItem> {
    CHECKUP_ITEMS.iter().copied().find(|item| item.name == name)
}

/// The history of `person_id` ending on `today`; `None` only for a day too close to the calendar's start.
pub fn history(person_id: &str, today: Date) -> Option<SyntheticHistory> {
    let digest = Sha256::digest(person_id.as_bytes());
    // 0 to 4 weeks: moves the 特定健診 day so patients differ; the values stay, so each crosses its range as told.
    let shift = i64::from(digest.first().copied().unwrap_or(0) % 5) * 7;
    let mut history = SyntheticHistory::default();

    // The clinic's course: every 28 days for a year; the last two visits went through 電子処方箋 (処方) and the
    // pharmacy's 調剤結果 (調剤), the older ones are known from claims.
    let amlodipine = drug("2171022F1027")?;
    let metformin = drug("3962002F1024")?;
    let atorvastatin = drug("2189015F1022")?;
    for visit in (0..13_i64).rev() {
        let on = before(today, 14 + visit * 28)?;
        let source = match visit {
            0 => MedicationSource::DispensingResult,
            1 => MedicationSource::ElectronicPrescription,
            _ => MedicationSource::Claim,
        };
        for drug in [amlodipine, metformin, atorvastatin] {
            history.medications.push(SyntheticMedication { on, drug, days: 28, prescriber: CLINIC, source });
        }
    }
    // The hospital prescribed the original brand of the clinic's amlodipine 7 days ago, for 28 days: the same
    // ingredient from two facilities, overlapping the clinic's latest supply (14 days ago, 28 days).
    history.medications.push(SyntheticMedication {
        on: before(today, 7)?,
        drug: drug("2171022F1035")?,
        days: 28,
        prescriber: HOSPITAL,
        source: MedicationSource::ElectronicPrescription,
    });
    history.medications.push(SyntheticMedication {
        on: before(today, 7)?,
        drug: drug("2329023F1020")?,
        days: 28,
        prescriber: HOSPITAL,
        source: MedicationSource::ElectronicPrescription,
    });
    // An as-needed painkiller, 10 times, half a year ago.
    history.medications.push(SyntheticMedication {
        on: before(today, 190)?,
        drug: drug("1149019F1020")?,
        days: 10,
        prescriber: ORTHOPAEDICS,
        source: MedicationSource::Claim,
    });

    // Five yearly 特定健診, drifting: glucose and lipids rise year by year and leave their range.
    let series: [(&str, [f64; 5]); 12] = [
        ("身長", [168.2, 168.1, 168.1, 168.0, 167.9]),
        ("体重", [68.4, 69.9, 71.3, 72.0, 73.1]),
        ("BMI", [24.2, 24.7, 25.2, 25.5, 25.9]),
        ("収縮期血圧", [124.0, 128.0, 133.0, 138.0, 134.0]),
        ("拡張期血圧", [78.0, 80.0, 84.0, 88.0, 86.0]),
        ("HbA1c（NGSP）", [5.4, 5.6, 5.9, 6.2, 6.4]),
        ("空腹時血糖", [94.0, 98.0, 104.0, 112.0, 118.0]),
        ("LDLコレステロール", [112.0, 121.0, 133.0, 146.0, 128.0]),
        ("HDLコレステロール", [55.0, 51.0, 46.0, 41.0, 38.0]),
        ("中性脂肪", [118.0, 132.0, 151.0, 168.0, 142.0]),
        ("ALT（GPT）", [22.0, 25.0, 29.0, 34.0, 31.0]),
        ("γ-GT（γ-GTP）", [31.0, 36.0, 42.0, 55.0, 48.0]),
    ];
    for year in 0..5_usize {
        let years_ago = i64::try_from(4 - year).ok()?;
        let on = before(today, 60 + shift + years_ago * 365)?;
        for (name, values) in &series {
            let item = item(name)?;
            let value = values[year];
            history.checkups.push(SyntheticCheckup { on, item, value: format!("{value:.*}", item.decimals) });
        }
    }

    // 診療: blood tests at the clinic every quarter, an ultrasound and a CT; 手術: a cataract and a polypectomy.
    for quarter in (0..8_i64).rev() {
        let on = before(today, 14 + quarter * 91)?;
        for code in ["D005", "D007"] {
            history.procedures.push(SyntheticProcedure { on, procedure: procedure(code)?, facility_name: CLINIC.name });
        }
    }
    history.procedures.push(SyntheticProcedure {
        on: before(today, 400)?,
        procedure: procedure("D215")?,
        facility_name: HOSPITAL.name,
    });
    history.procedures.push(SyntheticProcedure {
        on: before(today, 398)?,
        procedure: procedure("E200")?,
        facility_name: HOSPITAL.name,
    });
    history.procedures.push(SyntheticProcedure {
        on: before(today, 1_100)?,
        procedure: procedure("K282")?,
        facility_name: EYE_HOSPITAL.name,
    });
    history.procedures.push(SyntheticProcedure {
        on: before(today, 380)?,
        procedure: procedure("K721")?,
        facility_name: HOSPITAL.name,
    });
    history.medications.sort_by_key(|entry| entry.on);
    history.procedures.sort_by_key(|entry| entry.on);
    Some(history)
}

/// How many entries of a kind a history holds.
pub fn count(history: &SyntheticHistory, kind: MedicalRecordKind) -> usize {
    match kind {
        MedicalRecordKind::Medication => history.medications.len(),
        MedicalRecordKind::HealthCheckup => history.checkups.len(),
        MedicalRecordKind::Diagnosis | MedicalRecordKind::Operation => {
            history.procedures.iter().filter(|entry| entry.procedure.kind == kind).count()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::medical::duplicates::is_duplicate;
    use onshi_proto::medical_record::MedicationLine;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

    fn line(entry: &SyntheticMedication) -> MedicationLine {
        MedicationLine {
            dispensed_on: entry.on,
            yj_code: entry.drug.yj_code.into(),
            drug_name: entry.drug.name.into(),
            dose: entry.drug.dose.into(),
            days: entry.days,
            prescriber_code: entry.prescriber.code.into(),
            prescriber_name: entry.prescriber.name.into(),
            source: entry.source,
            duplicate: false,
        }
    }

    #[test]
    fn the_history_has_every_kind_a_duplicate_and_values_out_of_range() {
        let history = history("person-a", TODAY).unwrap();
        for kind in MedicalRecordKind::ALL {
            assert!(count(&history, *kind) > 0, "{kind:?}");
        }
        let lines: Vec<_> = history.medications.iter().map(line).collect();
        let duplicates = lines.iter().filter(|a| lines.iter().any(|b| is_duplicate(a, b))).count();
        assert_eq!(duplicates, 2, "the hospital's original and the clinic's latest generic");
        for source in MedicationSource::ALL {
            assert!(history.medications.iter().any(|entry| entry.source == *source), "{source:?}");
        }
        let flagged = history.checkups.iter().filter(|c| c.item.range.judge(&c.value).is_some()).count();
        let in_range = history.checkups.iter().filter(|c| c.item.range.judge(&c.value).is_none()).count();
        assert!(flagged > 5 && in_range > 5, "{flagged} out of range, {in_range} in range");
        for prescriber in [CLINIC, HOSPITAL, ORTHOPAEDICS, EYE_HOSPITAL] {
            assert!(onshi_proto::facility::FacilityCode::parse(prescriber.code).is_ok(), "{}", prescriber.name);
        }
        let years: std::collections::BTreeSet<_> = history.checkups.iter().map(|c| c.on).collect();
        assert_eq!(years.len(), 5);
        assert!(history.medications.iter().all(|entry| entry.on.0 <= TODAY));
    }

    #[test]
    fn the_same_person_and_day_give_the_same_history_and_another_person_other_values() {
        assert_eq!(history("person-a", TODAY), history("person-a", TODAY));
        let days = |id: &str| history(id, TODAY).unwrap().checkups.into_iter().map(|c| c.on).collect::<Vec<_>>();
        let differing = (0..8).map(|n| days(&format!("person-{n}"))).collect::<std::collections::BTreeSet<_>>();
        assert!(differing.len() > 1);
    }
}
