//! 重複投薬: the same ingredient prescribed by different facilities for overlapping periods.
//!
//! Two entries are the same ingredient when the first 7 characters of their YJコード agree (薬効分類 and 成分, so a
//! generic and its original match, and two strengths of one ingredient do too). An entry covers the days from its
//! first day for its 日数 (at least that one day). A 電子処方箋 and the 調剤結果 of the same prescription come from
//! one prescriber and are never a duplicate of each other; nor is a repeat prescription from the same facility,
//! which is that facility's own decision.
//!
//! Layer: pure core.

use onshi_proto::medical_record::MedicationLine;

/// The characters of a YJコード that name the ingredient.
const INGREDIENT_CHARS: usize = 7;

/// The ingredient part of a YJコード; `None` for a code too short to have one.
fn ingredient(yj_code: &str) -> Option<&str> {
    yj_code.get(..INGREDIENT_CHARS)
}

/// The days an entry covers, as Julian day numbers: its first day and the day after its last.
fn period(line: &MedicationLine) -> (i32, i32) {
    let first = line.dispensed_on.0.to_julian_day();
    let days = i32::try_from(line.days.max(1)).unwrap_or(i32::MAX);
    (first, first.saturating_add(days))
}

/// Whether two entries are a 重複投薬 of each other.
pub fn is_duplicate(a: &MedicationLine, b: &MedicationLine) -> bool {
    let same_ingredient =
        ingredient(&a.yj_code).is_some_and(|ingredient_a| ingredient(&b.yj_code) == Some(ingredient_a));
    let (a_from, a_until) = period(a);
    let (b_from, b_until) = period(b);
    same_ingredient && a.prescriber_code != b.prescriber_code && a_from < b_until && b_from < a_until
}

/// Marks every entry that is a 重複投薬 of another (both of a pair are marked); clears the mark of every other.
pub fn flag_duplicates(lines: &mut [MedicationLine]) {
    let flags: Vec<bool> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| lines.iter().enumerate().any(|(other, them)| other != index && is_duplicate(line, them)))
        .collect();
    for (line, duplicate) in lines.iter_mut().zip(flags) {
        line.duplicate = duplicate;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::IsoDate;
    use onshi_proto::medical_record::MedicationSource;

    fn line(yj_code: &str, on: &str, days: u32, prescriber: &str) -> MedicationLine {
        MedicationLine {
            dispensed_on: IsoDate::parse(on).unwrap(),
            yj_code: yj_code.into(),
            drug_name: "x".into(),
            dose: "x".into(),
            days,
            prescriber_code: prescriber.into(),
            prescriber_name: "x".into(),
            source: MedicationSource::Claim,
            duplicate: true,
        }
    }

    fn flags(mut lines: Vec<MedicationLine>) -> Vec<bool> {
        flag_duplicates(&mut lines);
        lines.iter().map(|line| line.duplicate).collect()
    }

    #[test]
    fn the_same_ingredient_from_two_facilities_in_overlapping_periods_is_flagged_on_both() {
        // A generic and its original: one ingredient, different brands.
        let generic = line("2171022F1027", "2026-11-01", 28, "1310000009");
        let original = line("2171022F1035", "2026-11-20", 28, "1310000017");
        assert_eq!(flags(vec![generic, original]), vec![true, true]);
    }

    #[test]
    fn periods_that_only_touch_do_not_overlap() {
        // 28 days from 11-01 cover 11-01 to 11-28; the next starts on 11-29.
        let first = line("2171022F1027", "2026-11-01", 28, "1310000009");
        let next = line("2171022F1035", "2026-11-29", 28, "1310000017");
        assert_eq!(flags(vec![first.clone(), next]), vec![false, false]);
        let overlapping = line("2171022F1035", "2026-11-28", 28, "1310000017");
        assert_eq!(flags(vec![first, overlapping]), vec![true, true]);
    }

    #[test]
    fn the_same_facility_or_another_ingredient_is_no_duplicate() {
        let amlodipine = line("2171022F1027", "2026-11-01", 28, "1310000009");
        let repeat = line("2171022F1027", "2026-11-15", 28, "1310000009");
        let metformin = line("3962002F1024", "2026-11-01", 28, "1310000017");
        let malformed = line("217", "2026-11-01", 28, "1310000017");
        assert_eq!(flags(vec![amlodipine, repeat, metformin, malformed]), vec![false, false, false, false]);
    }

    #[test]
    fn an_as_needed_entry_of_zero_days_still_covers_its_day() {
        let as_needed = line("1149019F1020", "2026-11-10", 0, "1310000009");
        let course = line("1149019F1020", "2026-11-05", 7, "1310000017");
        assert_eq!(flags(vec![as_needed, course]), vec![true, true]);
    }
}
