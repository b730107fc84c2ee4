//! The 目視 assist at the kiosk, as a pure part of the screen machine: staff standing at the kiosk type 照合番号B
//! from the card face they hold, the kiosk opens the card's 券面事項確認AP with it (reading the counter first,
//! sending at most one VERIFY, none at [`STOP_AT_TRIES_LEFT`] tries or fewer), and staff compare the chip's face
//! with the person before they confirm (visual-check-assist.md §1.1, §1.2, §5).
//!
//! This module decides what the assist shows and checks the form staff fill in; the task
//! (`crate::checkin::task`) talks to the card. Pure: no I/O, no clock, and no secret is kept here (the typed
//! number goes straight into a zeroizing [`CollationNumberB`] and on to the task).
//!
//! Must not: hold the typed number, the card face or the photo, or allow a try at [`STOP_AT_TRIES_LEFT`] or fewer.

use onshi_card::collation::{CollationNumberB, STOP_AT_TRIES_LEFT};
use onshi_card::surface::CollationOutcome;
use onshi_proto::IsoDate;
use onshi_proto::wareki::{Wareki, collation_birth_digits};

/// Where the assist stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AssistStep {
    /// Staff type 照合番号B's three parts.
    #[default]
    Form,
    /// What staff typed cannot be 照合番号B; nothing was sent to the card.
    Invalid(FormProblem),
    /// The card refused the number and spent one try; this many are left, still more than the kiosk keeps back,
    /// so staff may type it again (the kiosk never tries again on its own).
    Wrong {
        /// Tries left.
        tries_left: u8,
    },
    /// The counter is being read and, when allowed, the one VERIFY sent.
    Checking,
    /// The kiosk spends no try: only this many are left (0: the counter is used up). Staff send the holder to the
    /// 市区町村 or accept the 資格確認書.
    Stopped {
        /// Tries left.
        tries_left: u8,
        /// The number staff just typed was wrong and spent the try that brought the counter here.
        after_wrong: bool,
    },
    /// The card accepted the number; the card face is being read and its issuer's signature checked.
    Opened,
    /// The card face is on screen for staff: the chip's photo and four items beside the live camera, with
    /// 確認 and 不一致.
    Face,
    /// The card face does not carry a signature of a known issuer: nothing of it is shown, and the assist cannot
    /// vouch for this card.
    Unverified,
    /// Staff found that the card face and the person do not match: nothing personal was sent, any pending
    /// request was withdrawn, and the patient is asked to see staff.
    Mismatch,
}

impl AssistStep {
    /// The step after the card's answer to one attempt.
    pub fn after(outcome: CollationOutcome) -> Self {
        match outcome {
            CollationOutcome::Opened => Self::Opened,
            CollationOutcome::Wrong { tries_left } if tries_left > STOP_AT_TRIES_LEFT => Self::Wrong { tries_left },
            CollationOutcome::Wrong { tries_left } => Self::Stopped { tries_left, after_wrong: true },
            CollationOutcome::Stopped { tries_left } => Self::Stopped { tries_left, after_wrong: false },
            CollationOutcome::Blocked => Self::Stopped { tries_left: 0, after_wrong: false },
        }
    }

    /// True while staff may submit the form: not while an attempt is in flight, and never once stopped.
    pub fn accepts_a_number(self) -> bool {
        matches!(self, Self::Form | Self::Invalid(_) | Self::Wrong { .. })
    }

    /// True while staff may leave the assist and go back to the screen they opened it from.
    pub fn may_go_back(self) -> bool {
        matches!(self, Self::Form | Self::Invalid(_) | Self::Wrong { .. } | Self::Stopped { .. } | Self::Unverified)
    }

    /// True while staff may say that the card face and the person do not match.
    pub fn may_refuse(self) -> bool {
        matches!(self, Self::Opened | Self::Face)
    }
}

/// Which of the three parts staff typed cannot be right, said in words on the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormProblem {
    /// Not six digits of a 和暦 date (month 01–12, day 01–31); a 西暦 year is the commonest mistake.
    BirthDate,
    /// Not a four-digit 西暦 year a card can expire in (2015–2099).
    ExpiryYear,
    /// Not four digits.
    SecurityCode,
}

impl FormProblem {
    /// The resource key of the sentence that says what to correct.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::BirthDate => "assist.problem_birth",
            Self::ExpiryYear => "assist.problem_expiry",
            Self::SecurityCode => "assist.problem_code",
        }
    }
}

fn digits(text: &str, len: usize) -> Option<u32> {
    (text.len() == len && text.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| text.bytes().fold(0u32, |value, digit| value * 10 + u32::from(digit - b'0')))
}

/// Checks the three parts staff typed and builds 照合番号B from them ([`CollationNumberB::from_parts`] is the
/// rule); a part that cannot be right is named, so the form says which to correct.
pub fn collation_number(
    birth_wareki: &str,
    expiry_year: &str,
    security_code: &str,
) -> Result<CollationNumberB, FormProblem> {
    let birth_plausible = digits(birth_wareki, 6)
        .is_some_and(|value| (1..=12).contains(&(value / 100 % 100)) && (1..=31).contains(&(value % 100)));
    if !birth_plausible {
        return Err(FormProblem::BirthDate);
    }
    if !digits(expiry_year, 4).is_some_and(|year| (2015..=2099).contains(&year)) {
        return Err(FormProblem::ExpiryYear);
    }
    if digits(security_code, 4).is_none() {
        return Err(FormProblem::SecurityCode);
    }
    // The parts passed one by one; the rule itself still has the last word.
    CollationNumberB::from_parts(birth_wareki, expiry_year, security_code).map_err(|_| FormProblem::BirthDate)
}

/// The 西暦 helper beside the birth-date field: a date staff know in 西暦 (`1990-04-01`) as the card prints it in
/// 和暦 digits (`020401`), with the era named for staff to compare with the card (`平成2年4月1日`). `None` for a
/// text that is not a date, or a date with no 和暦 of two digits.
pub fn birth_digits_from_seireki(iso_date: &str) -> Option<(String, String)> {
    let date = IsoDate::parse(iso_date.trim()).ok()?;
    let digits = collation_birth_digits(date)?;
    Some((digits, Wareki::of(date)?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seireki_helper_gives_the_printed_wareki_digits_across_era_boundaries() {
        let helped = |text: &str| birth_digits_from_seireki(text);
        assert_eq!(helped("1990-04-01"), Some(("020401".into(), "平成2年4月1日".into())));
        assert_eq!(helped("1989-01-07"), Some(("640107".into(), "昭和64年1月7日".into())));
        assert_eq!(helped("1989-01-08"), Some(("010108".into(), "平成元年1月8日".into())));
        assert_eq!(helped("2019-04-30"), Some(("310430".into(), "平成31年4月30日".into())));
        assert_eq!(helped("2019-05-01"), Some(("010501".into(), "令和元年5月1日".into())));
        assert_eq!(helped("1990/04/01"), None);
        assert_eq!(helped("1990-02-30"), None);
    }

    #[test]
    fn each_wrong_part_is_named_and_nothing_is_built_from_it() {
        assert!(collation_number("020401", "2030", "1234").is_ok());
        for (birth, expiry, code, problem) in [
            ("19900401", "2030", "1234", FormProblem::BirthDate),
            ("021301", "2030", "1234", FormProblem::BirthDate),
            ("020400", "2030", "1234", FormProblem::BirthDate),
            ("02O401", "2030", "1234", FormProblem::BirthDate),
            ("020401", "30", "1234", FormProblem::ExpiryYear),
            ("020401", "2014", "1234", FormProblem::ExpiryYear),
            ("020401", "2030", "123", FormProblem::SecurityCode),
            ("020401", "2030", "１２３４", FormProblem::SecurityCode),
        ] {
            assert_eq!(collation_number(birth, expiry, code).err(), Some(problem), "{birth} {expiry} {code}");
        }
    }

    #[test]
    fn a_wrong_number_may_be_typed_again_only_while_more_than_three_tries_are_left() {
        assert_eq!(AssistStep::after(CollationOutcome::Wrong { tries_left: 9 }), AssistStep::Wrong { tries_left: 9 });
        assert!(AssistStep::Wrong { tries_left: 4 }.accepts_a_number());
        let last_allowed = AssistStep::after(CollationOutcome::Wrong { tries_left: STOP_AT_TRIES_LEFT });
        assert_eq!(last_allowed, AssistStep::Stopped { tries_left: 3, after_wrong: true });
        assert!(!last_allowed.accepts_a_number());
        assert_eq!(
            AssistStep::after(CollationOutcome::Stopped { tries_left: 2 }),
            AssistStep::Stopped { tries_left: 2, after_wrong: false }
        );
        assert_eq!(
            AssistStep::after(CollationOutcome::Blocked),
            AssistStep::Stopped { tries_left: 0, after_wrong: false }
        );
        assert_eq!(AssistStep::after(CollationOutcome::Opened), AssistStep::Opened);
        assert!(!AssistStep::Checking.accepts_a_number() && !AssistStep::Opened.accepts_a_number());
    }
}
