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

/// A fixed list of qualifications, matched on 保険者番号 (padding ignored), 番号 and 生年月日.
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
        let validity = match found.len() {
            0 => Validity::NoQualification,
            1 => Validity::Valid,
            _ => Validity::MultipleMatches,
        };
        Found { validity, records: found }
    }
}
