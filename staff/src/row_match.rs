//! What a row of the day's list says about the clinic's patient it is, once staff loaded the patient register
//! ([`crate::patient_register`]): the patient id found by 照会番号 or by the person's attributes, the candidates for
//! staff to choose from, the one staff chose, or that nobody in the register is this person. Every row that carries
//! a reading is matched, whichever reader the patient used: a national reader's check by what its result said, a
//! kiosk's check-in (PIN or 目視) by the person its certificate led to, since the receptionist needs the clinic's
//! patient id for every patient who checked in. A row with nothing to match by (no 照会番号, and not both a birth
//! date and a kana name, such as a kiosk check-in whose certificate led to nobody) shows nothing.
//!
//! A national-reader row matched by attributes (the only candidate, or the one staff chose) whose result carried no
//! 照会番号 asks the facility's bridge to register the patient's 照会番号 for that person
//! ([`RowMatch::registration`]), so that the next check of that person is found by it.
//!
//! Layer: pure, tested natively; the row's view is `console.rs`. Must not: pick one of several candidates (only
//! staff do); ask a registration for a row found by its 照会番号 already, or for any row but a national reader's
//! (a registration names the face file the terminal wrote, which a kiosk's check-in has none of).

use onshi_proto::bridge_link::ReferenceRegistrationAsk;
use onshi_proto::origin::{AuthMethod, CheckIn};
use onshi_proto::patient_match::{PatientMatch, PatientRegister, Reading};

/// What a row shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowMatch {
    /// No register loaded, or a row with nothing to match by: nothing is shown.
    NotShown,
    /// The patient, found by the 照会番号 the result carried.
    ByReference(String),
    /// The patient, the only one whose attributes agree.
    ByAttributes(String),
    /// The patient staff chose among the candidates.
    Chosen(String),
    /// Several patients (or one that differs in sex or kanji) could be this person: staff choose.
    Candidates(Vec<String>),
    /// Nobody in the register.
    NoMatch,
}

/// What `checkin` says of who the patient is, when it says enough to search the register by: a 照会番号, or both
/// a birth date and a kana name (the register's key; a sex or kanji name alone only narrows).
fn reading_of(checkin: &CheckIn) -> Option<Reading<'_>> {
    let searchable =
        checkin.reference_number.is_some() || (checkin.birth_date.is_some() && checkin.name_kana.is_some());
    searchable.then_some(Reading {
        reference_number: checkin.reference_number.as_ref(),
        name_kana: checkin.name_kana.as_deref(),
        name: checkin.name.as_deref(),
        birth_date: checkin.birth_date,
        sex: checkin.sex,
    })
}

impl RowMatch {
    /// The row's match: `chosen` is the patient staff chose for this row, kept only while it is still a candidate.
    pub fn of(register: &PatientRegister, checkin: &CheckIn, chosen: Option<&str>) -> Self {
        if register.is_empty() {
            return Self::NotShown;
        }
        let Some(reading) = reading_of(checkin) else { return Self::NotShown };
        match register.find(&reading) {
            PatientMatch::ByReference(id) => Self::ByReference(id),
            PatientMatch::Unique(id) => Self::ByAttributes(id),
            PatientMatch::Candidates(ids) => match chosen.filter(|chosen| ids.iter().any(|id| id == chosen)) {
                Some(chosen) => Self::Chosen(chosen.to_owned()),
                None => Self::Candidates(ids),
            },
            PatientMatch::NoMatch => Self::NoMatch,
        }
    }

    /// The 照会番号 registration this row asks for: a national reader's row whose patient was found by attributes
    /// (alone, or chosen by staff) in a result that carried no 照会番号, whose register row gives one or whose
    /// patient id can be one. A kiosk's row asks none, however it matched: the terminal registers a 照会番号 for the
    /// person of one of its face files, and the kiosk's check-in never went through the terminal.
    pub fn registration(&self, register: &PatientRegister, checkin: &CheckIn) -> Option<ReferenceRegistrationAsk> {
        let (Self::ByAttributes(id) | Self::Chosen(id)) = self else { return None };
        if checkin.method != AuthMethod::NationalReader || checkin.reference_number.is_some() {
            return None;
        }
        Some(ReferenceRegistrationAsk {
            face_file: checkin.face_file.clone()?,
            reference_number: register.patient(id)?.effective_reference_number()?,
        })
    }

    /// The state's name, for the row's `data-match` (and tests).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotShown => "none",
            Self::ByReference(_) => "by_reference",
            Self::ByAttributes(_) => "by_attributes",
            Self::Chosen(_) => "chosen",
            Self::Candidates(_) => "candidates",
            Self::NoMatch => "no_match",
        }
    }

    /// The patient id the row is now known by, when it is known.
    pub fn patient_id(&self) -> Option<&str> {
        match self {
            Self::ByReference(id) | Self::ByAttributes(id) | Self::Chosen(id) => Some(id),
            Self::NotShown | Self::Candidates(_) | Self::NoMatch => None,
        }
    }

    /// The resource key of what the row says (`staff/locales/`).
    pub fn key(&self) -> &'static str {
        match self {
            Self::NotShown => "",
            Self::ByReference(_) => "staff.match.by_reference",
            Self::ByAttributes(_) => "staff.match.by_attributes",
            Self::Chosen(_) => "staff.match.chosen",
            Self::Candidates(_) => "staff.match.candidates",
            Self::NoMatch => "staff.match.none",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::IsoDate;
    use onshi_proto::identifier::ReferenceNumber;
    use onshi_proto::qualification::{Reason, Sex, Validity};
    use onshi_web::i18n::Lang;

    use super::*;
    use crate::patient_register;
    use crate::text::t;

    const REGISTER: &str = "患者ID,カナ氏名,漢字氏名,生年月日,性別\n\
                            1001,シンリョウ ハナコ,診療　花子,1984-06-12,女\n\
                            2001,フタゴ ヒカル,双子　光,2001-05-05,\n\
                            2002,フタゴ ヒカル,双子　光,2001-05-05,\n";

    fn reader_row(kana: &str, birth: &str) -> CheckIn {
        CheckIn {
            id: "r1".into(),
            checked_in_at: 0,
            device_id: Some("bridge".into()),
            device_label: None,
            method: AuthMethod::NationalReader,
            visual_check_reason: None,
            validity: Validity::Valid,
            reason: Reason::Current,
            guidance: None,
            name: Some("診療　花子".into()),
            name_kana: Some(kana.into()),
            insurer_number: None,
            insurer_name: None,
            contribution_percent: None,
            elderly_recipient: None,
            disqualification_date: None,
            limit_category: None,
            specific_diseases: Vec::new(),
            prescription: None,
            expiry_notice: None,
            patient_mode: Default::default(),
            consents: Vec::new(),
            consent_withdrawn_at: None,
            public_expense: Vec::new(),
            birth_date: Some(IsoDate::parse(birth).unwrap()),
            sex: Some(Sex::Female),
            reference_number: None,
            face_file: Some(onshi_proto::identifier::FaceFileName::parse("OQSsiquc01res_face_1.xml").unwrap()),
        }
    }

    #[test]
    fn a_reader_row_shows_the_patient_found_by_attributes_or_by_reference_number() {
        let register = patient_register::read(REGISTER).unwrap();
        let row = reader_row("ｼﾝﾘｮｳ ﾊﾅｺ", "1984-06-12");
        let found = RowMatch::of(&register, &row, None);
        assert_eq!(found, RowMatch::ByAttributes("1001".into()));
        assert_eq!(found.patient_id(), Some("1001"));
        // Once registered, the terminal's result carries the id, and the row is found by it whatever the name says.
        let registered = CheckIn {
            reference_number: Some(ReferenceNumber::parse("2002").unwrap()),
            name_kana: Some("ベツ".into()),
            ..row.clone()
        };
        assert_eq!(RowMatch::of(&register, &registered, None), RowMatch::ByReference("2002".into()));
        let nobody = reader_row("ﾀﾞﾚﾓ ｲﾅｲ", "1984-06-12");
        assert_eq!(RowMatch::of(&register, &nobody, None), RowMatch::NoMatch);
    }

    #[test]
    fn several_candidates_wait_for_staff_and_only_a_candidate_can_be_chosen() {
        let register = patient_register::read(REGISTER).unwrap();
        let mut twin = reader_row("ﾌﾀｺﾞ ﾋｶﾙ", "2001-05-05");
        twin.name = Some("双子　光".into());
        let waiting = RowMatch::of(&register, &twin, None);
        assert_eq!(waiting, RowMatch::Candidates(vec!["2001".into(), "2002".into()]));
        assert_eq!(waiting.patient_id(), None, "nobody is picked");
        assert_eq!(RowMatch::of(&register, &twin, Some("2002")), RowMatch::Chosen("2002".into()));
        assert_eq!(RowMatch::of(&register, &twin, Some("1001")), waiting, "not a candidate: not taken");
    }

    #[test]
    fn only_a_row_matched_by_attributes_without_a_reference_number_asks_for_its_registration() {
        let register = patient_register::read(REGISTER).unwrap();
        let row = reader_row("ｼﾝﾘｮｳ ﾊﾅｺ", "1984-06-12");
        let found = RowMatch::of(&register, &row, None);
        let ask = found.registration(&register, &row).unwrap();
        assert_eq!((ask.face_file.as_str(), ask.reference_number.as_str()), ("OQSsiquc01res_face_1.xml", "1001"));
        let mut twin = reader_row("ﾌﾀｺﾞ ﾋｶﾙ", "2001-05-05");
        twin.name = Some("双子　光".into());
        assert_eq!(RowMatch::of(&register, &twin, None).registration(&register, &twin), None, "candidates wait");
        let chosen = RowMatch::of(&register, &twin, Some("2002"));
        assert_eq!(chosen.registration(&register, &twin).unwrap().reference_number.as_str(), "2002");
        let carried = CheckIn { reference_number: Some(ReferenceNumber::parse("1001").unwrap()), ..row.clone() };
        let by_reference = RowMatch::of(&register, &carried, None);
        assert_eq!(by_reference.registration(&register, &carried), None, "already registered");
        let no_file = CheckIn { face_file: None, ..row };
        assert_eq!(found.registration(&register, &no_file), None);
    }

    /// A kiosk's PIN check-in as the origin lists it: the name from the answer, the birth date and sex of the person
    /// the certificate led to, and neither a 照会番号 nor a face file, which only the terminal writes.
    fn kiosk_row(name: &str, kana: &str, birth: &str, sex: Sex) -> CheckIn {
        CheckIn {
            id: "k1".into(),
            device_id: Some("kiosk-1".into()),
            device_label: Some("受付1".into()),
            method: AuthMethod::Pin,
            visual_check_reason: None,
            name: Some(name.into()),
            name_kana: Some(kana.into()),
            birth_date: Some(IsoDate::parse(birth).unwrap()),
            sex: Some(sex),
            reference_number: None,
            face_file: None,
            ..reader_row(kana, birth)
        }
    }

    #[test]
    fn a_kiosk_row_shows_the_only_patient_whose_attributes_agree_and_asks_no_registration() {
        let register = patient_register::read(REGISTER).unwrap();
        let row = kiosk_row("診療　花子", "シンリョウ　ハナコ", "1984-06-12", Sex::Female);
        let found = RowMatch::of(&register, &row, None);
        assert_eq!(found, RowMatch::ByAttributes("1001".into()));
        assert_eq!(found.patient_id(), Some("1001"));
        assert_eq!(found.registration(&register, &row), None, "a kiosk's check-in has no face file to register");
        // The rule is the reader, not an accident of the row: even a kiosk row naming a face file asks nothing.
        let named =
            CheckIn { face_file: reader_row("ｼﾝﾘｮｳ ﾊﾅｺ", "1984-06-12").face_file, ..row.clone() };
        assert_eq!(RowMatch::of(&register, &named, None).registration(&register, &named), None);
        // A different birth date is somebody else, whatever the name.
        let other_day = kiosk_row("診療　花子", "シンリョウ　ハナコ", "1984-06-13", Sex::Female);
        assert_eq!(RowMatch::of(&register, &other_day, None), RowMatch::NoMatch);
    }

    #[test]
    fn a_kiosk_row_with_several_candidates_waits_for_staff_and_asks_no_registration_once_chosen() {
        let register = patient_register::read(REGISTER).unwrap();
        let twin = kiosk_row("双子　光", "フタゴ　ヒカル", "2001-05-05", Sex::Male);
        let waiting = RowMatch::of(&register, &twin, None);
        assert_eq!(waiting, RowMatch::Candidates(vec!["2001".into(), "2002".into()]));
        assert_eq!((waiting.patient_id(), waiting.registration(&register, &twin)), (None, None), "nobody is picked");
        let chosen = RowMatch::of(&register, &twin, Some("2001"));
        assert_eq!(chosen, RowMatch::Chosen("2001".into()));
        assert_eq!(chosen.patient_id(), Some("2001"));
        assert_eq!(chosen.registration(&register, &twin), None);
        assert_eq!(RowMatch::of(&register, &twin, Some("1001")), waiting, "not a candidate: not taken");
    }

    #[test]
    fn a_kiosk_row_nobody_in_the_register_agrees_with_says_so() {
        let register = patient_register::read(REGISTER).unwrap();
        let stranger = kiosk_row("来院　初子", "ライイン　ハツコ", "1999-09-09", Sex::Female);
        let found = RowMatch::of(&register, &stranger, None);
        assert_eq!(found, RowMatch::NoMatch);
        assert_eq!((found.patient_id(), found.registration(&register, &stranger)), (None, None));
        assert_eq!(t(Lang::Ja, found.key()), "該当なし");
    }

    #[test]
    fn a_row_with_nothing_to_match_by_or_an_empty_register_shows_nothing() {
        let register = patient_register::read(REGISTER).unwrap();
        // A kiosk check-in whose certificate led to nobody: no name, no birth date, no sex.
        let nobody = CheckIn {
            name: None,
            name_kana: None,
            birth_date: None,
            sex: None,
            ..kiosk_row("診療　花子", "シンリョウ　ハナコ", "1984-06-12", Sex::Female)
        };
        assert_eq!(RowMatch::of(&register, &nobody, None), RowMatch::NotShown);
        // A birth date without a kana name cannot be searched for either, on any reader.
        let no_kana = CheckIn { name_kana: None, ..reader_row("ｼﾝﾘｮｳ ﾊﾅｺ", "1984-06-12") };
        assert_eq!(RowMatch::of(&register, &no_kana, None), RowMatch::NotShown);
        let row = reader_row("ｼﾝﾘｮｳ ﾊﾅｺ", "1984-06-12");
        assert_eq!(RowMatch::of(&PatientRegister::default(), &row, None), RowMatch::NotShown);
        let kiosk = kiosk_row("診療　花子", "シンリョウ　ハナコ", "1984-06-12", Sex::Female);
        assert_eq!(RowMatch::of(&PatientRegister::default(), &kiosk, None), RowMatch::NotShown);
    }

    #[test]
    fn every_text_is_in_every_language() {
        let shown = [
            RowMatch::ByReference(String::new()),
            RowMatch::ByAttributes(String::new()),
            RowMatch::Chosen(String::new()),
            RowMatch::Candidates(Vec::new()),
            RowMatch::NoMatch,
        ];
        let keys = shown.iter().map(RowMatch::key).chain([
            "staff.match.choose",
            "staff.match.registration.asking",
            "staff.match.registration.registered",
            "staff.match.registration.failed",
            "staff.match.registration.uncertain",
            "staff.register.heading",
            "staff.register.intro",
            "staff.register.file_label",
            "staff.register.loaded",
            "staff.bulk.column.kana_name",
        ]);
        for key in keys {
            for lang in Lang::ALL {
                assert_ne!(t(lang, key), key, "{key} in {lang:?}");
            }
        }
    }
}
