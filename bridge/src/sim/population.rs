//! Who the simulated terminal knows: a trait the simulator asks, and a fixed in-memory population for tests.
//!
//! Wiring the simulator to onshi's origin data is another implementation of the same trait. Pure lookups.

use onshi_onsfile::messages::{QualificationRecord, SearchInfo};
use onshi_proto::qualification::Validity;

/// The terminal's answer about one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// `QualificationValidity`.
    pub validity: Validity,
    /// The qualifications (one for 有効; none for 該当資格なし).
    pub records: Vec<QualificationRecord>,
}

/// Where the simulator finds qualifications.
pub trait Population: Send + Sync {
    /// The answer to a by-number search.
    fn search(&self, search: &SearchInfo) -> Found;
}

/// A fixed list of qualifications, matched on 保険者番号 (padding ignored), 番号 and 生年月日. One found is 有効,
/// or 無効 when its record carries a 資格喪失日 (`DisqualificationDate`, which the answer then carries): a
/// population names only losses that have happened, so the day is not compared with today. A lost one is
/// 無効（新しい資格あり） when the population also holds a qualification of the same person that is not lost (the
/// same 生年月日 and カナ氏名, the only identity a list of qualifications has): the person moved to another insurer
/// and was asked for with the old one's numbers. The answer carries the lost qualification, the one asked for.
#[derive(Clone, Debug, Default)]
pub struct FixedPopulation {
    records: Vec<QualificationRecord>,
}

impl FixedPopulation {
    /// A population of these records.
    pub fn new(records: Vec<QualificationRecord>) -> Self {
        Self { records }
    }
}

impl FixedPopulation {
    /// Whether another qualification of the person `lost` belongs to is not lost.
    fn holds_a_newer(&self, lost: &QualificationRecord) -> bool {
        let kana = lost.name_kana.as_deref().map(str::trim).filter(|kana| !kana.is_empty());
        let Some(kana) = kana else { return false };
        self.records.iter().any(|r| {
            r.disqualified_on.is_none()
                && raw(&r.birthdate) == raw(&lost.birthdate)
                && r.name_kana.as_deref().map(str::trim) == Some(kana)
        })
    }
}

fn raw<T>(field: &Option<onshi_onsfile::Checked<T>>) -> String {
    field.as_ref().map(|c| c.raw.trim().to_owned()).unwrap_or_default()
}

impl Population for FixedPopulation {
    fn search(&self, search: &SearchInfo) -> Found {
        let insurer = raw(&search.insurer);
        let found: Vec<QualificationRecord> = self
            .records
            .iter()
            .filter(|r| {
                raw(&r.insurer) == insurer
                    && r.number.as_deref().map(str::trim) == search.number.as_deref().map(str::trim)
                    && raw(&r.birthdate) == raw(&search.birthdate)
            })
            .cloned()
            .collect();
        let validity = match found.as_slice() {
            [] => Validity::NoQualification,
            [only] if only.disqualified_on.is_some() && self.holds_a_newer(only) => Validity::InvalidNewerExists,
            [only] if only.disqualified_on.is_some() => Validity::Invalid,
            [_] => Validity::Valid,
            _ => Validity::MultipleMatches,
        };
        Found { validity, records: found }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_onsfile::record::Checked;

    use super::*;

    fn person(number: &str, lost_on: Option<&str>) -> QualificationRecord {
        QualificationRecord {
            insurer: Some(Checked::new("06130017")),
            number: Some(number.to_owned()),
            birthdate: Some(Checked::new("19911209")),
            disqualified_on: lost_on.map(Checked::new),
            ..QualificationRecord::default()
        }
    }

    fn search(number: &str) -> SearchInfo {
        SearchInfo {
            insurer: Some(Checked::new("06130017")),
            number: Some(number.to_owned()),
            birthdate: Some(Checked::new("19911209")),
            ..SearchInfo::default()
        }
    }

    #[test]
    fn a_person_whose_qualification_was_lost_is_answered_invalid_with_the_day() {
        let population = FixedPopulation::new(vec![person("0056", None), person("0093", Some("20261031"))]);
        assert_eq!(population.search(&search("0056")).validity, Validity::Valid);
        let lost = population.search(&search("0093"));
        assert_eq!(lost.validity, Validity::Invalid);
        assert_eq!(lost.records[0].disqualified_on.as_ref().unwrap().raw, "20261031");
        assert_eq!(population.search(&search("0001")).validity, Validity::NoQualification);
    }

    #[test]
    fn a_lost_qualification_of_someone_insured_again_is_invalid_with_a_newer_one() {
        let kana = |mut record: QualificationRecord, kana: &str| {
            record.name_kana = Some(kana.to_owned());
            record
        };
        let mut newer = kana(person("7001", None), "ｼﾝﾘｮｳ ﾊﾅｺ");
        newer.insurer = Some(Checked::new("01130012"));
        let population = FixedPopulation::new(vec![
            kana(person("0093", Some("20260331")), "ｼﾝﾘｮｳ ﾊﾅｺ"),
            newer,
            // Born the same day, another person: her lost qualification has no newer one.
            kana(person("0094", Some("20260331")), "ｼﾝﾘｮｳ ﾀﾛｳ"),
        ]);
        let asked_with_the_old_numbers = population.search(&search("0093"));
        assert_eq!(asked_with_the_old_numbers.validity, Validity::InvalidNewerExists);
        assert_eq!(asked_with_the_old_numbers.records.len(), 1);
        assert_eq!(asked_with_the_old_numbers.records[0].number.as_deref(), Some("0093"));
        assert_eq!(population.search(&search("0094")).validity, Validity::Invalid);
        let mut with_the_new_numbers = search("7001");
        with_the_new_numbers.insurer = Some(Checked::new("01130012"));
        assert_eq!(population.search(&with_the_new_numbers).validity, Validity::Valid);
    }
}
