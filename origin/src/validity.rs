//! Deciding the 資格確認結果 for one person on one day.
//!
//! The answer is always one of the five typed outcomes. None of them means "charge 10割": every outcome that is
//! not a clean 有効 carries guidance, either the 被保険者資格申立書 path or a staff review.
//!
//! Pure: the records and "today" are passed in.

use onshi_proto::IsoDate;
use onshi_proto::origin::ElderlyShare;
use onshi_proto::qualification::{Guidance, Percent, QualificationAnswer, QualificationRecord, Reason, Validity};
use time::Date;

/// What the store found for a card certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardHolder {
    /// The certificate is not linked to anyone (健康保険証利用登録 not done, or undone).
    NotLinked,
    /// The certificate is linked to a person with these qualifications (possibly none).
    Linked(Vec<QualificationRecord>),
}

/// Where one qualification stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// 資格取得日 has come and 資格喪失日 has not.
    Current,
    /// 資格喪失日 is today or earlier: the 喪失日 is the first day without cover.
    Lost,
    /// 資格取得日 is still ahead.
    NotYetStarted,
}

/// Where `record` stands on `today`.
pub fn standing(record: &QualificationRecord, today: Date) -> Standing {
    if record.qualification_date.0 > today {
        Standing::NotYetStarted
    } else if record.disqualification_date.is_some_and(|lost_on| lost_on.0 <= today) {
        Standing::Lost
    } else {
        Standing::Current
    }
}

/// The answer for `holder` on `today`.
pub fn assess(holder: CardHolder, today: Date) -> QualificationAnswer {
    let confirmation_date = IsoDate(today);
    let answer = |validity, reason, guidance, records| QualificationAnswer {
        validity,
        reason,
        guidance,
        confirmation_date,
        records,
        public_expense: Vec::new(),
        certificates_on_offer: false,
        specific_disease_consent: Default::default(),
        specific_disease_question_due: false,
    };
    let mut records = match holder {
        CardHolder::NotLinked => {
            return answer(Validity::NoQualification, Reason::NotRegistered, Some(Guidance::ClaimForm), vec![]);
        }
        CardHolder::Linked(records) => records,
    };
    // Newest first, so "the latest lost one" is the first lost one.
    records.sort_by_key(|record| std::cmp::Reverse(record.qualification_date));

    let (mut current, mut lost, mut upcoming) = (Vec::new(), Vec::new(), Vec::new());
    for record in records {
        match standing(&record, today) {
            Standing::Current => current.push(record),
            Standing::Lost => lost.push(record),
            Standing::NotYetStarted => upcoming.push(record),
        }
    }

    if current.len() > 1 {
        return answer(Validity::MultipleMatches, Reason::Ambiguous, Some(Guidance::StaffReview), current);
    }
    if !current.is_empty() {
        return answer(Validity::Valid, Reason::Current, None, current);
    }
    let latest_lost = lost.into_iter().next();
    match (latest_lost, upcoming.is_empty()) {
        (Some(lost), false) => {
            // The old cover has ended and a newer one is registered but has not begun: show both, so staff can
            // see the gap, and take the claim-form path for today.
            let mut shown = vec![lost];
            shown.extend(upcoming);
            answer(Validity::InvalidNewerExists, Reason::Superseded, Some(Guidance::ClaimForm), shown)
        }
        (Some(lost), true) => answer(Validity::Invalid, Reason::Lost, Some(Guidance::ClaimForm), vec![lost]),
        (None, false) => answer(Validity::Invalid, Reason::NotYetStarted, Some(Guidance::ClaimForm), upcoming),
        (None, true) => answer(Validity::NoQualification, Reason::NotFound, Some(Guidance::ClaimForm), vec![]),
    }
}

/// 負担割合 as a check-in row shows it (the ratio in force on the confirmation date, see
/// `QualificationRecord::contribution_percent_on`): only for a 有効 answer. A 無効 qualification has ended (or not begun), and of
/// several matching records none is known to apply, so printing a ratio there would tell the counter to charge what
/// no insurer confirmed; such rows show the guidance instead.
pub fn shown_contribution_percent(answer: &QualificationAnswer) -> Option<Percent> {
    shown_record(answer).map(|record| record.contribution_percent_on(answer.confirmation_date))
}

/// The 高齢受給者証 behind [`shown_contribution_percent`], with the insurance's own share: by the same rule, only for
/// a 有効 answer, and only while the certificate is in force on the confirmation date.
pub fn shown_elderly_share(answer: &QualificationAnswer) -> Option<ElderlyShare> {
    shown_record(answer).and_then(|record| ElderlyShare::in_force(record, answer.confirmation_date))
}

/// The one record whose share a check-in row may show: that of a 有効 answer with exactly one record.
fn shown_record(answer: &QualificationAnswer) -> Option<&QualificationRecord> {
    match (answer.validity, answer.records.as_slice()) {
        (Validity::Valid, [record]) => Some(record),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
pub(crate) mod tests {
    use super::*;
    use onshi_proto::qualification::{PersonalFamily, Sex};
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn record(number: &str, from: Date, lost_on: Option<Date>) -> QualificationRecord {
        QualificationRecord {
            card_classification: "01".into(),
            insurer_number: "01130012".into(),
            insurer_name: "テスト保険者".into(),
            symbol: Some("1001".into()),
            number: number.into(),
            branch: Some("00".into()),
            personal_family: PersonalFamily::Insured,
            insured_name: None,
            name: "試験　花子".into(),
            name_kana: "ｼｹﾝ ﾊﾅｺ".into(),
            sex: Sex::Female,
            birth_date: IsoDate(date!(1990 - 01 - 01)),
            qualification_date: IsoDate(from),
            disqualification_date: lost_on.map(IsoDate),
            loss_reason: None,
            partial_contribution_percent: Percent::literal(30),
            elderly_recipient: None,
            limit_category: None,
            specific_diseases: Vec::new(),
        }
    }

    fn numbers(answer: &QualificationAnswer) -> Vec<&str> {
        answer.records.iter().map(|r| r.number.as_str()).collect()
    }

    #[test]
    fn an_unlinked_card_takes_the_claim_form_path() {
        let answer = assess(CardHolder::NotLinked, TODAY);
        assert_eq!(answer.validity, Validity::NoQualification);
        assert_eq!(answer.reason, Reason::NotRegistered);
        assert_eq!(answer.guidance, Some(Guidance::ClaimForm));
        assert_eq!(answer.confirmation_date, IsoDate(TODAY));
        assert!(answer.records.is_empty());
    }

    #[test]
    fn one_current_qualification_is_a_clean_valid_answer() {
        let answer = assess(
            CardHolder::Linked(vec![
                record("old", date!(2010 - 04 - 01), Some(date!(2020 - 04 - 01))),
                record("now", date!(2020 - 04 - 01), None),
            ]),
            TODAY,
        );
        assert_eq!((answer.validity, answer.reason, answer.guidance), (Validity::Valid, Reason::Current, None));
        assert_eq!(numbers(&answer), ["now"]);
        assert!(answer.is_clean());
    }

    #[test]
    fn the_loss_date_is_the_first_day_without_cover() {
        let on_the_day = assess(CardHolder::Linked(vec![record("a", date!(2020 - 04 - 01), Some(TODAY))]), TODAY);
        assert_eq!((on_the_day.validity, on_the_day.reason), (Validity::Invalid, Reason::Lost));
        assert_eq!(on_the_day.guidance, Some(Guidance::ClaimForm));
        assert_eq!(numbers(&on_the_day), ["a"]);

        let tomorrow = TODAY.next_day().unwrap();
        let day_before = assess(CardHolder::Linked(vec![record("a", date!(2020 - 04 - 01), Some(tomorrow))]), TODAY);
        assert_eq!(day_before.validity, Validity::Valid);
    }

    #[test]
    fn only_the_latest_lost_qualification_is_shown() {
        let answer = assess(
            CardHolder::Linked(vec![
                record("older", date!(2001 - 04 - 01), Some(date!(2010 - 04 - 01))),
                record("newer", date!(2010 - 04 - 01), Some(date!(2026 - 10 - 01))),
            ]),
            TODAY,
        );
        assert_eq!((answer.validity, answer.reason), (Validity::Invalid, Reason::Lost));
        assert_eq!(numbers(&answer), ["newer"]);
    }

    #[test]
    fn a_lost_qualification_with_a_registered_successor_is_invalid_newer_exists() {
        let answer = assess(
            CardHolder::Linked(vec![
                record("old", date!(2010 - 04 - 01), Some(date!(2026 - 11 - 01))),
                record("next", date!(2026 - 12 - 01), None),
            ]),
            TODAY,
        );
        assert_eq!((answer.validity, answer.reason), (Validity::InvalidNewerExists, Reason::Superseded));
        assert_eq!(answer.guidance, Some(Guidance::ClaimForm));
        assert_eq!(numbers(&answer), ["old", "next"]);
    }

    #[test]
    fn a_qualification_that_has_not_started_is_invalid() {
        let answer = assess(CardHolder::Linked(vec![record("next", date!(2026 - 12 - 01), None)]), TODAY);
        assert_eq!((answer.validity, answer.reason), (Validity::Invalid, Reason::NotYetStarted));
        assert_eq!(answer.guidance, Some(Guidance::ClaimForm));
    }

    #[test]
    fn several_current_qualifications_go_to_staff_review() {
        let answer = assess(
            CardHolder::Linked(vec![
                record("a", date!(2020 - 04 - 01), None),
                record("b", date!(2024 - 04 - 01), None),
                record("gone", date!(2001 - 04 - 01), Some(date!(2020 - 04 - 01))),
            ]),
            TODAY,
        );
        assert_eq!((answer.validity, answer.reason), (Validity::MultipleMatches, Reason::Ambiguous));
        assert_eq!(answer.guidance, Some(Guidance::StaffReview));
        assert_eq!(numbers(&answer), ["b", "a"]);
        assert!(!answer.is_clean());
    }

    #[test]
    fn a_linked_person_without_any_qualification_has_none() {
        let answer = assess(CardHolder::Linked(vec![]), TODAY);
        assert_eq!((answer.validity, answer.reason), (Validity::NoQualification, Reason::NotFound));
        assert_eq!(answer.guidance, Some(Guidance::ClaimForm));
    }

    #[test]
    fn no_outcome_lacks_a_next_step_unless_it_is_valid() {
        let cases = [
            CardHolder::NotLinked,
            CardHolder::Linked(vec![]),
            CardHolder::Linked(vec![record("a", date!(2020 - 04 - 01), Some(TODAY))]),
            CardHolder::Linked(vec![record("a", date!(2027 - 04 - 01), None)]),
            CardHolder::Linked(vec![record("a", date!(2020 - 04 - 01), None), record("b", TODAY, None)]),
        ];
        for holder in cases {
            let answer = assess(holder, TODAY);
            assert_ne!(answer.validity, Validity::Valid);
            assert!(answer.guidance.is_some(), "{answer:?}");
        }
    }

    fn answer_of(validity: Validity, records: Vec<QualificationRecord>) -> QualificationAnswer {
        QualificationAnswer {
            validity,
            reason: onshi_proto::qualification::Reason::Current,
            guidance: None,
            confirmation_date: IsoDate::parse("2026-12-03").unwrap(),
            records,
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: Default::default(),
            specific_disease_question_due: false,
        }
    }

    /// A plain 本人 record of 協会けんぽ, for tests here and in the HTTP layer.
    pub(crate) fn shown_record(percent: u8, lost_on: Option<&str>) -> QualificationRecord {
        QualificationRecord {
            card_classification: "01".into(),
            insurer_number: "01130012".into(),
            insurer_name: "全国健康保険協会".into(),
            symbol: None,
            number: "1".into(),
            branch: None,
            personal_family: onshi_proto::qualification::PersonalFamily::Insured,
            insured_name: None,
            name: "試験　花子".into(),
            name_kana: "ｼｹﾝ ﾊﾅｺ".into(),
            sex: onshi_proto::qualification::Sex::Female,
            birth_date: IsoDate::parse("1990-01-01").unwrap(),
            qualification_date: IsoDate::parse("2020-04-01").unwrap(),
            disqualification_date: lost_on.map(|d| IsoDate::parse(d).unwrap()),
            loss_reason: None,
            partial_contribution_percent: Percent::literal(percent),
            elderly_recipient: None,
            limit_category: None,
            specific_diseases: Vec::new(),
        }
    }

    #[test]
    fn only_a_clean_valid_answer_shows_a_contribution_ratio() {
        assert_eq!(
            shown_contribution_percent(&answer_of(Validity::Valid, vec![shown_record(30, None)])),
            Some(Percent::literal(30))
        );
        // 無効: the qualification ended; its old ratio is not what the patient pays today.
        let lost = answer_of(Validity::Invalid, vec![shown_record(30, Some("2026-11-30"))]);
        assert_eq!(shown_contribution_percent(&lost), None);
        assert_eq!(
            shown_contribution_percent(&answer_of(Validity::InvalidNewerExists, vec![shown_record(30, None)])),
            None
        );
        assert_eq!(
            shown_contribution_percent(&answer_of(
                Validity::MultipleMatches,
                vec![shown_record(30, None), shown_record(20, None)]
            )),
            None
        );
        assert_eq!(shown_contribution_percent(&answer_of(Validity::NoQualification, vec![])), None);
    }

    #[test]
    fn a_valid_answer_shows_the_elderly_ratio_only_while_its_certificate_is_in_force() {
        let elderly = |until: &str| QualificationRecord {
            elderly_recipient: Some(onshi_proto::qualification::ElderlyRecipient {
                contribution_ratio_percent: Percent::literal(20),
                valid_from: IsoDate::parse("2024-07-01").unwrap(),
                valid_until: Some(IsoDate::parse(until).unwrap()),
            }),
            ..shown_record(30, None)
        };
        assert_eq!(
            shown_contribution_percent(&answer_of(Validity::Valid, vec![elderly("2027-07-31")])),
            Some(Percent::literal(20))
        );
        assert_eq!(
            shown_contribution_percent(&answer_of(Validity::Valid, vec![elderly("2026-07-31")])),
            Some(Percent::literal(30))
        );
    }
}
