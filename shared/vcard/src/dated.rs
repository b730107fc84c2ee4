//! Demo cards for the states a certificate's dates decide, issued when the card is made so they never go stale: a
//! 利用者証明用 certificate that expires within three months, one expired but within its grace period, one past
//! its grace; a card whose PIN is locked; and a 顔認証マイナンバーカード, which has no PIN at all.
//!
//! Each dated card is a demo person's card (same key, subject and serial, so the origin already knows whose it is)
//! with its certificate issued again by the committed test CA with validity dates relative to the `now` passed in.
//! Must not: read a clock (the caller passes "now"), or be mistaken for the fixed demo cards: they keep their indices
//! `0..DEMO_CARD_COUNT`, and the dated cards follow.

use core::time::Duration;

use der::DateTime;
use onshi_proto::certificate_expiry::jst_date;
use x509_cert::time::Time;

use crate::card::VirtualCard;
use crate::demo::{DEMO_CARD_COUNT, DemoPerson, demo_person};
use crate::error::VcardError;
use crate::test_pki::reissue_user_certificate;

/// What a dated demo card shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatedState {
    /// The certificate expires [`EXPIRING_IN_DAYS`] days after today (Japan's calendar).
    ExpiringSoon,
    /// The certificate expired [`EXPIRED_DAYS_AGO`] days before today: within its grace, qualification only.
    InGrace,
    /// The certificate expired [`LAPSED_DAYS_AGO`] days before today: past its grace, refused.
    Lapsed,
    /// The certificate is current, and the PIN is locked (three wrong tries).
    Locked,
    /// The certificate is current, and no PIN was ever set: a 顔認証マイナンバーカード.
    PinNotSet,
}

/// Days from today to the expiry of an expiring-soon card.
pub const EXPIRING_IN_DAYS: i64 = 30;
/// Days since the expiry of an in-grace card (the grace lasts at least three calendar months).
pub const EXPIRED_DAYS_AGO: i64 = 20;
/// Days since the expiry of a lapsed card: more than the longest grace (three months and the rest of the expiry
/// month, 123 days at most).
pub const LAPSED_DAYS_AGO: i64 = 150;

/// One dated demo card: whose card it is, and its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatedCard {
    /// The demo person (index into the fixed demo cards) whose key, subject and serial it carries.
    pub person: usize,
    /// What it shows.
    pub state: DatedState,
    /// The demo picker's label.
    pub label: &'static str,
    /// The scenario name the demo and the tests pick it by.
    pub scenario: &'static str,
}

/// The dated demo cards, at indices `DEMO_CARD_COUNT..` after the fixed ones.
pub const DATED_CARDS: [DatedCard; 5] = [
    DatedCard {
        person: 0,
        state: DatedState::ExpiringSoon,
        label: "山田 太郎（証明書 期限まもなく）",
        scenario: "expiring_soon",
    },
    DatedCard {
        person: 4,
        state: DatedState::InGrace,
        label: "高橋 ハナ（証明書 期限切れ・3か月以内）",
        scenario: "expired_in_grace",
    },
    DatedCard {
        person: 1,
        state: DatedState::Lapsed,
        label: "山田 花子（証明書 期限切れ・3か月超）",
        scenario: "expired_beyond_grace",
    },
    DatedCard {
        person: 2, state: DatedState::Locked, label: "佐藤 次郎（暗証番号ロック）", scenario: "pin_locked"
    },
    DatedCard {
        person: 4,
        state: DatedState::PinNotSet,
        label: "高橋 ハナ（顔認証マイナンバーカード・暗証番号なし）",
        scenario: "pin_not_set",
    },
];

/// Every demo card, fixed and dated.
pub const ALL_DEMO_CARD_COUNT: usize = DEMO_CARD_COUNT + DATED_CARDS.len();

/// The dated card at demo index `index` (`DEMO_CARD_COUNT..ALL_DEMO_CARD_COUNT`).
pub fn dated_card(index: usize) -> Option<&'static DatedCard> {
    index.checked_sub(DEMO_CARD_COUNT).and_then(|at| DATED_CARDS.get(at))
}

/// The person whose card the dated card is.
pub fn dated_person(card: &DatedCard) -> Option<&'static DemoPerson> {
    demo_person(card.person)
}

const SECONDS_PER_DAY: i64 = 86_400;
const JST_OFFSET_SECONDS: i64 = 9 * 3_600;
/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// Unix seconds of the last second (23:59:59 in Japan) of the day `days` after the Japanese calendar day of
/// `now_unix` (negative: before).
fn end_of_day_in_japan(now_unix: i64, days: i64) -> Result<i64, VcardError> {
    let today = jst_date(now_unix).map_err(|_| VcardError::ClockOutOfRange)?;
    let day = i64::from(today.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY + days;
    Ok(day * SECONDS_PER_DAY - JST_OFFSET_SECONDS + SECONDS_PER_DAY - 1)
}

fn x509_time(unix: i64) -> Result<Time, VcardError> {
    let seconds = u64::try_from(unix).map_err(|_| VcardError::ClockOutOfRange)?;
    DateTime::from_unix_duration(Duration::from_secs(seconds)).map(Time::from).map_err(VcardError::from_der)
}

impl VirtualCard {
    /// Dated demo card `index` (`DEMO_CARD_COUNT..ALL_DEMO_CARD_COUNT`), its certificate issued for `now_unix`.
    pub fn dated_demo(index: usize, now_unix: i64) -> Result<Self, VcardError> {
        let card = dated_card(index).ok_or(VcardError::NoSuchDemoCard { index, count: ALL_DEMO_CARD_COUNT })?;
        let days = match card.state {
            DatedState::ExpiringSoon => EXPIRING_IN_DAYS,
            DatedState::InGrace => -EXPIRED_DAYS_AGO,
            DatedState::Lapsed => -LAPSED_DAYS_AGO,
            // A locked card's certificate is current; only its PIN counter differs.
            DatedState::Locked => return Ok(Self::demo(card.person)?.with_blocked_auth_pin()),
            DatedState::PinNotSet => return Ok(Self::demo(card.person)?.face_authentication_only()),
        };
        let not_after = end_of_day_in_japan(now_unix, days)?;
        // Issued five years before it ends, as J-LIS does (to the fifth birthday), but never before the test CA.
        let not_before = not_after.saturating_sub(5 * 365 * SECONDS_PER_DAY).max(TEST_CA_NOT_BEFORE_UNIX);
        let original = Self::demo(card.person)?;
        let certificate =
            reissue_user_certificate(original.certificate_der(), x509_time(not_before)?, x509_time(not_after)?)?;
        original.with_certificate(certificate)
    }
}

/// 2024-01-01T00:00:00Z, when the committed test CA starts.
const TEST_CA_NOT_BEFORE_UNIX: i64 = 1_704_067_200;

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use der::Decode;
    use onshi_proto::certificate_expiry::{CardScope, CertificateStanding, ExpiryNotice};
    use x509_cert::Certificate;

    /// 2026-12-04T12:00:00Z.
    const NOW: i64 = 1_796_385_600;

    fn standing(card: &VirtualCard, now: i64) -> CertificateStanding {
        let certificate = Certificate::from_der(card.certificate_der()).unwrap();
        let not_after = certificate.tbs_certificate().validity().not_after.to_unix_duration().as_secs();
        CertificateStanding::judge(i64::try_from(not_after).unwrap(), now).unwrap()
    }

    #[test]
    fn each_dated_card_stands_where_its_name_says_on_the_day_it_is_made() {
        for now in [NOW, NOW + 40 * SECONDS_PER_DAY, NOW + 400 * SECONDS_PER_DAY, 1_893_456_000] {
            let soon = VirtualCard::dated_demo(DEMO_CARD_COUNT, now).unwrap();
            assert!(
                matches!(
                    standing(&soon, now),
                    CertificateStanding::ExpiringSoon(ExpiryNotice::ExpiringSoon { days_left: 30, .. })
                ),
                "{now}"
            );
            let grace = VirtualCard::dated_demo(DEMO_CARD_COUNT + 1, now).unwrap();
            assert_eq!(standing(&grace, now).scope(), Some(CardScope::QualificationOnly), "{now}");
            let lapsed = VirtualCard::dated_demo(DEMO_CARD_COUNT + 2, now).unwrap();
            assert!(matches!(standing(&lapsed, now), CertificateStanding::Lapsed { .. }), "{now}");
            let locked = VirtualCard::dated_demo(DEMO_CARD_COUNT + 3, now).unwrap();
            assert_eq!(locked.tries_left(), 0);
            assert_eq!(standing(&locked, now).scope(), Some(CardScope::Full));
            let pin_not_set = VirtualCard::dated_demo(DEMO_CARD_COUNT + 4, now).unwrap();
            assert!(pin_not_set.has_no_auth_pin());
            assert_eq!(standing(&pin_not_set, now).scope(), Some(CardScope::Full));
        }
    }

    #[test]
    fn a_dated_card_keeps_its_persons_serial_subject_and_key() {
        let grace = VirtualCard::dated_demo(DEMO_CARD_COUNT + 1, NOW).unwrap();
        let person = VirtualCard::demo(4).unwrap();
        let reissued = Certificate::from_der(grace.certificate_der()).unwrap();
        let original = Certificate::from_der(person.certificate_der()).unwrap();
        assert_eq!(reissued.tbs_certificate().serial_number(), original.tbs_certificate().serial_number());
        assert_eq!(reissued.tbs_certificate().subject(), original.tbs_certificate().subject());
        assert_eq!(
            reissued.tbs_certificate().subject_public_key_info(),
            original.tbs_certificate().subject_public_key_info()
        );
        assert_ne!(grace.certificate_der(), person.certificate_der());
        assert!(VirtualCard::dated_demo(ALL_DEMO_CARD_COUNT, NOW).is_err());
        assert!(VirtualCard::dated_demo(0, NOW).is_err());
    }
}
