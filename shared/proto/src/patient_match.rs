//! Which of the clinic's own patients a check-in is: the clinic's patient register (its patient ids with each
//! person's カナ氏名, 漢字氏名, 生年月日, 性別 and any 照会番号) against one reading, from the national terminal's
//! result or of the person a kiosk check-in's certificate led to.
//!
//! The order is fixed: the 照会番号 first (the clinic's id, registered nationally for that person, which the
//! terminal's later results carry); otherwise the birth date and the normalised kana name must both agree
//! ([`crate::normalize::kana_key`]); among those, the sex narrows when both sides have one, and the kanji name
//! narrows only when both sides have one and neither holds a 外字 placeholder (● or 〓), since a placeholder says
//! nothing about the character it stands for. A narrowing never turns a match on birth date and kana into no match:
//! when every candidate differs in sex or kanji, staff see them all. Anything but exactly one person confirmed is
//! for staff to decide: several candidates are [`PatientMatch::Candidates`], never one of them picked.
//!
//! Layer: pure, shared by the staff console (in the browser, where the register stays) and any tier that needs the
//! rule. Must not: do I/O, or keep or send the register anywhere.

use std::collections::HashMap;

use crate::IsoDate;
use crate::identifier::ReferenceNumber;
use crate::normalize::{NameComparison, compare_names, has_gaiji, kana_key};
use crate::qualification::Sex;

/// One patient of the clinic's register.
#[derive(Clone, PartialEq, Eq)]
pub struct RegisteredPatient {
    /// The clinic's own patient id.
    pub patient_id: String,
    /// The 照会番号 registered nationally for this patient, when the register knows one. When it does not, the
    /// patient id itself is taken as the 照会番号 (when it can be one), since that is what the clinic registers.
    pub reference_number: Option<ReferenceNumber>,
    /// カナ氏名, as the register writes it (half-width, hiragana, spaces: all read alike).
    pub name_kana: String,
    /// 漢字氏名, when the register has one.
    pub name: Option<String>,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別, when the register has one.
    pub sex: Option<Sex>,
}

impl std::fmt::Debug for RegisteredPatient {
    /// Names nobody: a register row is personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RegisteredPatient(..)")
    }
}

impl RegisteredPatient {
    /// The 照会番号 this patient is found by: the one the register gives, else the patient id when it can be one.
    pub fn effective_reference_number(&self) -> Option<ReferenceNumber> {
        self.reference_number.clone().or_else(|| ReferenceNumber::parse(&self.patient_id).ok())
    }
}

/// What a check-in says about the person checked (the national terminal's result, or the person a kiosk's
/// certificate led to), as far as matching needs it.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading<'a> {
    /// The 照会番号 the result carried, when one is registered for the person.
    pub reference_number: Option<&'a ReferenceNumber>,
    /// カナ氏名.
    pub name_kana: Option<&'a str>,
    /// 漢字氏名.
    pub name: Option<&'a str>,
    /// 生年月日.
    pub birth_date: Option<IsoDate>,
    /// 性別.
    pub sex: Option<Sex>,
}

impl std::fmt::Debug for Reading<'_> {
    /// Says which parts the reading holds, never their values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Reading(reference: {}, kana: {}, kanji: {}, birth date: {}, sex: {})",
            self.reference_number.is_some(),
            self.name_kana.is_some(),
            self.name.is_some(),
            self.birth_date.is_some(),
            self.sex.is_some()
        )
    }
}

/// Which patient a reading is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatientMatch {
    /// Found by the 照会番号 the result carried.
    ByReference(String),
    /// Exactly one patient agrees in birth date and kana and in every attribute both sides hold.
    Unique(String),
    /// Several patients could be this person (or one whose sex or kanji name differs): staff choose; none is picked.
    Candidates(Vec<String>),
    /// No patient agrees in birth date and kana (or the reading lacks one of them).
    NoMatch,
}

/// The register, indexed for matching: built once when staff load it, then asked for every row of the day.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PatientRegister {
    patients: Vec<RegisteredPatient>,
    by_reference: HashMap<ReferenceNumber, Vec<usize>>,
    by_birth_and_kana: HashMap<(IsoDate, String), Vec<usize>>,
}

impl std::fmt::Debug for PatientRegister {
    /// Counts, names nobody.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PatientRegister({} patients)", self.patients.len())
    }
}

impl PatientRegister {
    /// Indexes `patients` by 照会番号 and by birth date with normalised kana.
    pub fn new(patients: Vec<RegisteredPatient>) -> Self {
        let mut by_reference: HashMap<ReferenceNumber, Vec<usize>> = HashMap::new();
        let mut by_birth_and_kana: HashMap<(IsoDate, String), Vec<usize>> = HashMap::new();
        for (index, patient) in patients.iter().enumerate() {
            if let Some(reference) = patient.effective_reference_number() {
                by_reference.entry(reference).or_default().push(index);
            }
            let kana = kana_key(&patient.name_kana);
            if !kana.is_empty() {
                by_birth_and_kana.entry((patient.birth_date, kana)).or_default().push(index);
            }
        }
        Self { patients, by_reference, by_birth_and_kana }
    }

    /// How many patients the register holds.
    pub fn len(&self) -> usize {
        self.patients.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.patients.is_empty()
    }

    /// The patient of `patient_id`, when the register holds exactly one.
    pub fn patient(&self, patient_id: &str) -> Option<&RegisteredPatient> {
        let mut found = self.patients.iter().filter(|p| p.patient_id == patient_id);
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// Which patient `reading` is; see the module documentation for the order.
    pub fn find(&self, reading: &Reading<'_>) -> PatientMatch {
        if let Some(found) = reading.reference_number.and_then(|reference| self.by_reference.get(reference)) {
            match found.as_slice() {
                [only] => return PatientMatch::ByReference(self.id(*only)),
                // Two rows claiming one 照会番号 is a register to correct, not a choice to make.
                several => return PatientMatch::Candidates(several.iter().map(|&i| self.id(i)).collect()),
            }
        }
        let (Some(birth_date), Some(kana)) = (reading.birth_date, reading.name_kana.map(kana_key)) else {
            return PatientMatch::NoMatch;
        };
        let Some(agreeing) = self.by_birth_and_kana.get(&(birth_date, kana)) else { return PatientMatch::NoMatch };
        let narrowed: Vec<usize> = agreeing
            .iter()
            .copied()
            .filter(|&i| !sex_differs(self.patients[i].sex, reading.sex))
            .filter(|&i| !kanji_differs(self.patients[i].name.as_deref(), reading.name))
            .collect();
        match narrowed.as_slice() {
            [only] => PatientMatch::Unique(self.id(*only)),
            [] => PatientMatch::Candidates(agreeing.iter().map(|&i| self.id(i)).collect()),
            several => PatientMatch::Candidates(several.iter().map(|&i| self.id(i)).collect()),
        }
    }

    fn id(&self, index: usize) -> String {
        self.patients[index].patient_id.clone()
    }
}

/// True when both sides state a sex (未設定 states none) and they differ.
fn sex_differs(registered: Option<Sex>, read: Option<Sex>) -> bool {
    match (registered, read) {
        (Some(a), Some(b)) if a != Sex::Unspecified && b != Sex::Unspecified => a != b,
        _ => false,
    }
}

/// True when both sides have a kanji name free of 外字 placeholders and the names differ.
fn kanji_differs(registered: Option<&str>, read: Option<&str>) -> bool {
    match (registered, read) {
        (Some(a), Some(b)) if !a.trim().is_empty() && !b.trim().is_empty() && !has_gaiji(a) && !has_gaiji(b) => {
            compare_names(a, b) != NameComparison::Equal
        }
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn date(text: &str) -> IsoDate {
        IsoDate::parse(text).unwrap()
    }

    fn patient(id: &str, kana: &str, name: Option<&str>, birth: &str, sex: Option<Sex>) -> RegisteredPatient {
        RegisteredPatient {
            patient_id: id.to_owned(),
            reference_number: None,
            name_kana: kana.to_owned(),
            name: name.map(str::to_owned),
            birth_date: date(birth),
            sex,
        }
    }

    fn reading<'a>(kana: &'a str, name: Option<&'a str>, birth: &str, sex: Option<Sex>) -> Reading<'a> {
        Reading { reference_number: None, name_kana: Some(kana), name, birth_date: Some(date(birth)), sex }
    }

    fn candidates(ids: &[&str]) -> PatientMatch {
        PatientMatch::Candidates(ids.iter().map(|id| (*id).to_owned()).collect())
    }

    #[test]
    fn the_reference_number_comes_first_and_the_patient_id_stands_for_it_when_the_register_gives_none() {
        let mut registered = patient("P-1", "シンリョウ タロウ", None, "1980-01-15", None);
        registered.reference_number = Some(ReferenceNumber::parse("REF-9").unwrap());
        let register = PatientRegister::new(vec![
            registered,
            patient("P-2", "シンリョウ タロウ", None, "1980-01-15", None),
            patient("P-3", "ベツ ジン", None, "1990-05-05", None),
        ]);
        let reference = ReferenceNumber::parse("REF-9").unwrap();
        // The reading's attributes would find two people; its 照会番号 finds one.
        let read = Reading {
            reference_number: Some(&reference), ..reading("ｼﾝﾘｮｳ ﾀﾛｳ", None, "1980-01-15", None)
        };
        assert_eq!(register.find(&read), PatientMatch::ByReference("P-1".into()));
        let by_id = ReferenceNumber::parse("P-3").unwrap();
        let read = Reading { reference_number: Some(&by_id), ..Reading::default() };
        assert_eq!(register.find(&read), PatientMatch::ByReference("P-3".into()));
        // A 照会番号 the register does not know falls back to the attributes.
        let unknown = ReferenceNumber::parse("OTHER").unwrap();
        let read = Reading { reference_number: Some(&unknown), ..reading("ベツ　ジン", None, "1990-05-05", None) };
        assert_eq!(register.find(&read), PatientMatch::Unique("P-3".into()));
    }

    #[test]
    fn two_rows_claiming_one_reference_number_go_to_staff() {
        let mut first = patient("P-1", "ア", None, "1980-01-15", None);
        let mut second = patient("P-2", "イ", None, "1981-01-15", None);
        first.reference_number = Some(ReferenceNumber::parse("R").unwrap());
        second.reference_number = first.reference_number.clone();
        let register = PatientRegister::new(vec![first, second]);
        let reference = ReferenceNumber::parse("R").unwrap();
        let read = Reading { reference_number: Some(&reference), ..Reading::default() };
        assert_eq!(register.find(&read), candidates(&["P-1", "P-2"]));
    }

    #[test]
    fn birth_date_and_kana_must_both_agree_in_any_written_form() {
        let register = PatientRegister::new(vec![patient("P-1", "シンリョウ　ユーコ", None, "1980-01-15", None)]);
        for kana in ["ｼﾝﾘｮｳ ﾕｰｺ", "しんりょう ゆーこ", "シンリョウユ～コ", "シンリヨウ ユ－コ", " シンリョウ ユーコ "]
        {
            assert_eq!(
                register.find(&reading(kana, None, "1980-01-15", None)),
                PatientMatch::Unique("P-1".into()),
                "{kana}"
            );
        }
        assert_eq!(register.find(&reading("シンリョウ ユウコ", None, "1980-01-15", None)), PatientMatch::NoMatch);
        assert_eq!(register.find(&reading("シンリョウ ユーコ", None, "1980-01-16", None)), PatientMatch::NoMatch);
        let no_birth = Reading { birth_date: None, ..reading("シンリョウ ユーコ", None, "1980-01-15", None) };
        assert_eq!(register.find(&no_birth), PatientMatch::NoMatch, "the birth date is required");
        let no_kana = Reading { name_kana: None, ..reading("", Some("診療　優子"), "1980-01-15", None) };
        assert_eq!(register.find(&no_kana), PatientMatch::NoMatch, "the kana is required");
    }

    #[test]
    fn sex_narrows_when_both_sides_have_it() {
        let register = PatientRegister::new(vec![
            patient("P-M", "ヒカル", None, "2000-04-01", Some(Sex::Male)),
            patient("P-F", "ヒカル", None, "2000-04-01", Some(Sex::Female)),
            patient("P-?", "ヒカル", None, "2000-04-01", None),
        ]);
        assert_eq!(register.find(&reading("ヒカル", None, "2000-04-01", Some(Sex::Male))), candidates(&["P-M", "P-?"]));
        assert_eq!(register.find(&reading("ヒカル", None, "2000-04-01", None)), candidates(&["P-M", "P-F", "P-?"]));
        assert_eq!(
            register.find(&reading("ヒカル", None, "2000-04-01", Some(Sex::Unspecified))),
            candidates(&["P-M", "P-F", "P-?"]),
            "未設定 narrows nothing"
        );
        let two = PatientRegister::new(vec![
            patient("P-M", "ヒカル", None, "2000-04-01", Some(Sex::Male)),
            patient("P-F", "ヒカル", None, "2000-04-01", Some(Sex::Female)),
        ]);
        assert_eq!(
            two.find(&reading("ヒカル", None, "2000-04-01", Some(Sex::Female))),
            PatientMatch::Unique("P-F".into())
        );
    }

    #[test]
    fn kanji_narrows_only_when_neither_side_holds_a_gaiji_placeholder() {
        let register = PatientRegister::new(vec![
            patient("P-1", "タカハシ イチロウ", Some("高橋　一郎"), "1970-07-07", None),
            patient("P-2", "タカハシ イチロウ", Some("髙橋　一郎"), "1970-07-07", None),
        ]);
        assert_eq!(
            register.find(&reading("ﾀｶﾊｼ ｲﾁﾛｳ", Some("髙橋 一郎"), "1970-07-07", None)),
            PatientMatch::Unique("P-2".into())
        );
        // ● stands for a character nobody knows: it cannot tell 高 from 髙, so both stay candidates.
        assert_eq!(
            register.find(&reading("ﾀｶﾊｼ ｲﾁﾛｳ", Some("●橋 一郎"), "1970-07-07", None)),
            candidates(&["P-1", "P-2"])
        );
        let with_gaiji = PatientRegister::new(vec![
            patient("P-1", "タカハシ イチロウ", Some("〓橋　一郎"), "1970-07-07", None),
            patient("P-2", "タカハシ イチロウ", Some("髙橋　一郎"), "1970-07-07", None),
        ]);
        assert_eq!(
            with_gaiji.find(&reading("タカハシ イチロウ", Some("髙橋　一郎"), "1970-07-07", None)),
            candidates(&["P-1", "P-2"]),
            "a placeholder on the register's side narrows nothing either"
        );
    }

    #[test]
    fn a_single_candidate_that_differs_goes_to_staff_and_is_not_picked() {
        let register = PatientRegister::new(vec![patient(
            "P-1",
            "タカハシ イチロウ",
            Some("高橋　一郎"),
            "1970-07-07",
            Some(Sex::Male),
        )]);
        assert_eq!(
            register.find(&reading("タカハシ イチロウ", Some("髙橋　一郎"), "1970-07-07", None)),
            candidates(&["P-1"])
        );
        assert_eq!(
            register.find(&reading("タカハシ イチロウ", None, "1970-07-07", Some(Sex::Female))),
            candidates(&["P-1"])
        );
        assert!(PatientRegister::default().is_empty());
        assert_eq!(PatientRegister::default().find(&reading("ア", None, "1970-07-07", None)), PatientMatch::NoMatch);
    }

    #[test]
    fn debug_names_nobody() {
        let register = PatientRegister::new(vec![patient("P-1", "シンリョウ", Some("診療"), "1980-01-15", None)]);
        let printed = format!("{register:?} {:?}", register.patient("P-1").unwrap());
        assert!(!printed.contains("P-1") && !printed.contains("シンリョウ") && !printed.contains("1980"), "{printed}");
    }

    /// Property tests: however the reader writes the kana of a registered person, that person is found, and only
    /// them; and a match is never a pick among several.
    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::kana_variants::{katakana_name, to_half_width, to_hiragana, with_long_vowel};

        proptest! {
            #[test]
            fn a_long_vowel_in_any_form_and_half_width_kana_find_the_same_person_and_a_gaiji_never_picks_one(
                name in katakana_name(),
                at in 1usize..8,
                variant in proptest::sample::select(crate::normalize::LONG_VOWEL_VARIANTS.to_vec()),
            ) {
                let at = at.min(name.chars().count());
                let registered: String = name.chars().take(at).chain(['ー']).chain(name.chars().skip(at)).collect();
                let register = PatientRegister::new(vec![
                    patient("ME", &registered, Some("髙橋　一郎"), "1985-03-03", None),
                    patient("TWIN", &registered, Some("高橋　一郎"), "1985-03-03", None),
                ]);
                let written = to_half_width(&with_long_vowel(&registered, variant));
                let found = register.find(&reading(&written, Some("髙橋 一郎"), "1985-03-03", None));
                prop_assert_eq!(found, PatientMatch::Unique("ME".into()), "{}", written);
                let gaiji = register.find(&reading(&written, Some("●橋 一郎"), "1985-03-03", None));
                prop_assert_eq!(gaiji, candidates(&["ME", "TWIN"]));
            }

            #[test]
            fn a_registered_person_is_found_however_the_kana_is_written(
                name in katakana_name(),
                others in proptest::collection::vec(katakana_name(), 0..5),
                split in 1usize..3,
            ) {
                let mut patients = vec![patient("ME", &name, None, "1985-03-03", None)];
                patients.extend(others.iter().enumerate().map(|(i, other)| patient(&format!("O{i}"), other, None, "1985-03-03", None)));
                let register = PatientRegister::new(patients);
                let same_key = others.iter().filter(|other| kana_key(other) == kana_key(&name)).count();
                let spaced: String = name.chars().enumerate().flat_map(|(i, c)| (i == split).then_some('　').into_iter().chain([c])).collect();
                for written in [to_hiragana(&name), spaced] {
                    let found = register.find(&reading(&written, None, "1985-03-03", None));
                    if same_key == 0 {
                        prop_assert_eq!(found, PatientMatch::Unique("ME".into()));
                    } else {
                        let PatientMatch::Candidates(ids) = found else { return Err(TestCaseError::fail("several must be candidates")) };
                        prop_assert_eq!(ids.len(), same_key + 1);
                        prop_assert!(ids.contains(&"ME".to_owned()));
                    }
                }
            }
        }
    }
}
