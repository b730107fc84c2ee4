//! How a 申立書 compares with the qualification found once the service is back, and the figures staff see. Pure, so
//! it is tested natively; the console runs the lookup ([`crate::outage::capture::Declaration::lookup`]) through the
//! by-number check and hands the answer here.
//!
//! The rule: the person is the record with the declared 生年月日 and 氏名 (spaces, half- or full-width, ignored).
//! Nobody under the number, or only someone else, is **not found**. The person with a qualification in force under
//! the 保険者番号 the patient gave is **confirmed**. The person found but with another insurer in force, or with the
//! declared insurance lost, is **changed**: the facility bills the insurer found, or follows the loss up. An answer
//! that cannot tell (複数該当), or no answer yet, leaves the declaration **pending**.

use onshi_proto::IsoDate;
use onshi_proto::qualification::{QualificationAnswer, QualificationRecord, Validity};
use serde::{Deserialize, Serialize};

use crate::outage::capture::Declaration;

/// Where one declaration stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Recheck {
    /// Not yet checked: the service is still down, the patient gave no number to look up, or the answer could not
    /// tell.
    #[default]
    Pending,
    /// Found, with a qualification in force under the insurer the patient named.
    Confirmed,
    /// Found, but the insurer in force is another one, or the declared insurance has been lost.
    Changed {
        /// The insurer found.
        insurer_name: String,
        /// Its 保険者番号.
        insurer_number: String,
        /// The 資格喪失日, when the qualification found has ended.
        lost_on: Option<IsoDate>,
    },
    /// Nobody with this 氏名 and 生年月日 under the number given.
    NotFound,
}

impl Recheck {
    /// The word on the wire of the page (`data-recheck`) and in the resource keys.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Changed { .. } => "changed",
            Self::NotFound => "not_found",
        }
    }

    /// True once the re-check has a final word; a pending one is tried again.
    pub fn is_settled(&self) -> bool {
        !matches!(self, Self::Pending)
    }
}

/// Seconds before a lookup that was answered without settling is tried again: each try counts against the
/// by-number check's allowances (per insured number a day, per staff session), which a refusal would not change
/// within minutes.
pub const RETRY_AFTER_SECS: i64 = 600;

/// One 申立書 as the browser's store keeps it: the declaration, where its re-check stands, and when it was last
/// tried. It leaves the store only when staff mark it done.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// A random id, which names nothing personal (it is the store's key, kept in clear).
    pub id: String,
    /// What the patient declared.
    pub declaration: Declaration,
    /// Where its re-check stands.
    pub recheck: Recheck,
    /// When its lookup last got an answer from the service, settling or not (Unix seconds).
    pub checked_at: Option<i64>,
}

impl std::fmt::Debug for Entry {
    /// The id and the state only: the declaration is personal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry").field("id", &self.id).field("recheck", &self.recheck.as_str()).finish_non_exhaustive()
    }
}

impl Entry {
    /// The resource key of what staff are told of this declaration while its re-check is pending: a capture read
    /// from the card at a kiosk carries no insurer numbers and is followed up by hand (the list must not promise a
    /// re-check that will not come); a typed one without a number cannot be looked up either; the others are
    /// re-checked once the service answers.
    pub fn pending_key(&self) -> &'static str {
        if self.declaration.from_kiosk.is_some() {
            "staff.recheck.from_kiosk"
        } else if self.declaration.lookup().is_none() {
            "staff.recheck.unlookable"
        } else {
            "staff.recheck.pending"
        }
    }

    /// True when the console should look this declaration up now, the service answering: it is not settled, the
    /// patient gave a number to look it up by, and it has not been answered yet, or was answered without settling
    /// (複数該当, a record its insurer holds, the session's allowance spent) at least [`RETRY_AFTER_SECS`] ago. A
    /// lookup the service did not answer is not an answer, and is tried again as soon as the service answers.
    pub fn needs_recheck(&self, now: i64) -> bool {
        !self.recheck.is_settled()
            && self.declaration.lookup().is_some()
            && self.checked_at.is_none_or(|at| now - at >= RETRY_AFTER_SECS)
    }

    /// The entry after its lookup answered.
    pub fn rechecked(&self, answer: &QualificationAnswer, now: i64) -> Self {
        Entry { recheck: compare(&self.declaration, answer), checked_at: Some(now), ..self.clone() }
    }

    /// The entry after its lookup was refused for a reason of its own: still pending, tried again later.
    pub fn refused(&self, now: i64) -> Self {
        Entry { recheck: Recheck::Pending, checked_at: Some(now), ..self.clone() }
    }
}

/// A name as compared: without any space, half- or full-width.
fn name_key(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

fn is_the_person(declaration: &Declaration, record: &QualificationRecord) -> bool {
    record.birth_date == declaration.birth_date && name_key(&record.name) == name_key(&declaration.name)
}

/// How `declaration` stands against the answer to its lookup.
pub fn compare(declaration: &Declaration, answer: &QualificationAnswer) -> Recheck {
    if answer.validity == Validity::MultipleMatches {
        return Recheck::Pending;
    }
    let found: Vec<&QualificationRecord> = answer.records.iter().filter(|r| is_the_person(declaration, r)).collect();
    let Some(first) = found.first() else { return Recheck::NotFound };
    let in_force = matches!(answer.validity, Validity::Valid | Validity::InvalidNewerExists);
    let declared = declaration.insurer.number.as_deref();
    // Of an answer with a newer qualification, the one without a 資格喪失日 is in force.
    let current = found.iter().find(|r| r.disqualification_date.is_none()).unwrap_or(first);
    if in_force && current.disqualification_date.is_none() && declared == Some(current.insurer_number.as_str()) {
        return Recheck::Confirmed;
    }
    Recheck::Changed {
        insurer_name: current.insurer_name.clone(),
        insurer_number: current.insurer_number.clone(),
        lost_on: current.disqualification_date,
    }
}

/// The figures on the console: how many declarations staff have not marked done, and how old the oldest is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Declarations still in the store.
    pub pending: usize,
    /// Minutes since the oldest of them was declared.
    pub oldest_minutes: Option<i64>,
}

impl Figures {
    /// The figures of declarations made at `declared_at` (Unix seconds), at `now`.
    pub fn of(declared_at: impl IntoIterator<Item = i64>, now: i64) -> Self {
        let (mut pending, mut oldest) = (0, None::<i64>);
        for at in declared_at {
            pending += 1;
            oldest = Some(oldest.map_or(at, |o| o.min(at)));
        }
        Figures { pending, oldest_minutes: oldest.map(|at| (now - at).max(0) / 60) }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::qualification::{PersonalFamily, Reason, Sex};

    use super::*;
    use crate::outage::capture::DeclaredInsurer;

    fn date(text: &str) -> IsoDate {
        IsoDate::parse(text).unwrap()
    }

    fn declaration(insurer_number: &str) -> Declaration {
        Declaration {
            name: "山田　太郎".into(),
            birth_date: date("1980-02-17"),
            sex: Sex::Male,
            address: "東京都".into(),
            insurer: DeclaredInsurer {
                number: Some(insurer_number.into()),
                insured_number: Some("5678".into()),
                ..DeclaredInsurer::default()
            },
            declared_at: 0,
            from_kiosk: None,
        }
    }

    fn record(name: &str, insurer_number: &str, lost_on: Option<&str>) -> QualificationRecord {
        let json = serde_json::json!({
            "card_classification": "1", "insurer_number": insurer_number, "insurer_name": "協会けんぽ",
            "number": "5678", "personal_family": PersonalFamily::Insured, "name": name, "name_kana": "ヤマダ タロウ",
            "sex": "male", "birth_date": "1980-02-17", "qualification_date": "2020-04-01",
            "disqualification_date": lost_on, "partial_contribution_percent": 30, "specific_diseases": [],
        });
        serde_json::from_value(json).unwrap()
    }

    fn answer(validity: Validity, records: Vec<QualificationRecord>) -> QualificationAnswer {
        QualificationAnswer {
            validity,
            reason: Reason::Current,
            guidance: None,
            confirmation_date: date("2026-12-04"),
            records,
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: Default::default(),
            specific_disease_question_due: false,
        }
    }

    #[test]
    fn the_person_under_the_declared_insurer_is_confirmed_whatever_the_spaces() {
        let found = answer(Validity::Valid, vec![record("山田 太郎", "33120015", None)]);
        assert_eq!(compare(&declaration("33120015"), &found), Recheck::Confirmed);
    }

    #[test]
    fn another_insurer_in_force_or_a_lost_qualification_is_a_change() {
        let moved = answer(
            Validity::InvalidNewerExists,
            vec![record("山田太郎", "33120015", Some("2026-09-30")), record("山田太郎", "06130017", None)],
        );
        let changed = compare(&declaration("33120015"), &moved);
        assert_eq!(changed.as_str(), "changed");
        assert!(
            matches!(&changed, Recheck::Changed { insurer_number, lost_on: None, .. } if insurer_number == "06130017")
        );
        let lost = answer(Validity::Invalid, vec![record("山田太郎", "33120015", Some("2026-09-30"))]);
        assert_eq!(
            compare(&declaration("33120015"), &lost),
            Recheck::Changed {
                insurer_name: "協会けんぽ".into(),
                insurer_number: "33120015".into(),
                lost_on: Some(date("2026-09-30")),
            }
        );
    }

    #[test]
    fn nobody_or_someone_else_under_the_number_is_not_found_and_an_unclear_answer_stays_pending() {
        assert_eq!(compare(&declaration("33120015"), &answer(Validity::NoQualification, vec![])), Recheck::NotFound);
        let other = answer(Validity::Valid, vec![record("佐藤花子", "33120015", None)]);
        assert_eq!(compare(&declaration("33120015"), &other), Recheck::NotFound);
        let unclear = answer(Validity::MultipleMatches, vec![record("山田太郎", "33120015", None)]);
        assert_eq!(compare(&declaration("33120015"), &unclear), Recheck::Pending);
        assert!(!Recheck::Pending.is_settled() && Recheck::NotFound.is_settled());
    }

    #[test]
    fn only_an_unsettled_entry_with_a_number_is_looked_up_and_its_answer_settles_it() {
        let entry = Entry {
            id: "a1".into(),
            declaration: declaration("33120015"),
            recheck: Recheck::Pending,
            checked_at: None,
        };
        assert!(entry.needs_recheck(0));
        let found = answer(Validity::Valid, vec![record("山田太郎", "33120015", None)]);
        let settled = entry.rechecked(&found, 50);
        assert_eq!((settled.recheck.clone(), settled.checked_at), (Recheck::Confirmed, Some(50)));
        assert!(!settled.needs_recheck(10_000));
        let mut unnumbered = entry.clone();
        unnumbered.declaration.insurer.insured_number = None;
        assert!(!unnumbered.needs_recheck(0));
        // A refusal (a held record) leaves it pending and waits before the next try; so does an unclear answer.
        let held = entry.refused(100);
        assert!(!held.needs_recheck(100 + RETRY_AFTER_SECS - 1));
        assert!(held.needs_recheck(100 + RETRY_AFTER_SECS));
        let unclear = entry.rechecked(&answer(Validity::MultipleMatches, vec![]), 100);
        assert_eq!(unclear.recheck, Recheck::Pending);
        assert!(!unclear.needs_recheck(200));
        assert!(!format!("{entry:?}").contains("山田"));
    }

    #[test]
    fn figures_count_what_is_left_and_age_the_oldest() {
        assert_eq!(Figures::of([], 1_000), Figures { pending: 0, oldest_minutes: None });
        assert_eq!(Figures::of([4_000, 1_000, 2_500], 4_600), Figures { pending: 3, oldest_minutes: Some(60) });
    }

    #[test]
    fn a_pending_kiosk_capture_is_said_to_be_followed_up_by_hand_not_rechecked() {
        let entry = |declaration| Entry { id: "a".into(), declaration, recheck: Recheck::Pending, checked_at: None };
        let typed = declaration("01130012");
        let mut without_number = typed.clone();
        without_number.insurer = DeclaredInsurer::default();
        let mut from_kiosk = without_number.clone();
        from_kiosk.from_kiosk = Some("3C3C3C".into());
        assert_eq!(entry(typed).pending_key(), "staff.recheck.pending");
        assert_eq!(entry(without_number).pending_key(), "staff.recheck.unlookable");
        assert_eq!(entry(from_kiosk.clone()).pending_key(), "staff.recheck.from_kiosk");
        // Nor is it looked up when the service returns.
        assert!(!entry(from_kiosk).needs_recheck(1_000));
    }
}
