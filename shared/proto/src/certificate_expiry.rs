//! When a card's 利用者証明用 certificate still opens a check-in, and what the patient is told about its expiry.
//!
//! The rule, as municipalities publish it (多摩市 "電子証明書の有効期限が切れても、3か月はマイナ保険証として利用できます",
//! 2025-05-15: "有効期限が2月の場合、5月末までマイナ保険証として利用できます"; 協会けんぽ's notice as relayed by
//! sr-clover.or.jp: "有効期限満了日が属する月の末日から3か月間"): an expired certificate still confirms the
//! qualification, and nothing else (a clinic's notice: no 薬剤情報 or 診療情報 in that period), until the last day of
//! the third calendar month after the month it expired in. Renewal opens three months before the expiry date, and the
//! card readers warn from then on. Dates are calendar dates in Japan (UTC+9, no daylight saving).
//!
//! Layer: a pure rule shared by the edge (which mints the session's scope), the origin (which enforces the scope
//! again and shows the notice to staff) and the kiosk (which shows it to the patient). Must not: read a clock; "now"
//! is passed in.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset};

use crate::IsoDate;

/// Calendar months after the expiry month during which an expired certificate still confirms the qualification.
pub const GRACE_MONTHS: u8 = 3;
/// Calendar months before the expiry date from which the patient is told that it comes.
pub const NOTICE_MONTHS: u8 = 3;
/// Japan Standard Time, in seconds east of UTC.
const JST_OFFSET_SECONDS: i32 = 9 * 60 * 60;

/// What a card session may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum CardScope {
    /// Everything a card session does: the qualification, consent, 健康保険証利用登録 and the reads consent opens.
    #[default]
    Full,
    /// The qualification only: the certificate has expired and is in its grace period, so no consent, no
    /// registration and no 薬剤・健診 reads (refused with `ErrorCode::QualificationOnly`).
    QualificationOnly,
}

crate::wire_enum::wire_text!(CardScope);

impl CardScope {
    /// True when the session may do more than confirm the qualification.
    pub fn is_full(self) -> bool {
        self == Self::Full
    }
}

/// Where a certificate stands on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateStanding {
    /// Valid, and not expiring within [`NOTICE_MONTHS`].
    Current,
    /// Valid, and expiring within [`NOTICE_MONTHS`]: the patient is told, with the days left.
    ExpiringSoon(ExpiryNotice),
    /// Expired, but within its grace: the qualification only.
    InGrace(ExpiryNotice),
    /// Expired, and its grace has ended on the date carried: refused, with renewal guidance.
    Lapsed {
        /// The last day the grace covered.
        covered_until: IsoDate,
    },
}

impl CertificateStanding {
    /// The standing at `now_unix` of a certificate valid until `not_after_unix` (both Unix seconds). A certificate
    /// is valid up to and including its `notAfter` second; the calendar is the one in Japan.
    pub fn judge(not_after_unix: i64, now_unix: i64) -> Result<Self, ExpiryError> {
        let expires_on = jst_date(not_after_unix)?;
        let today = jst_date(now_unix)?;
        if now_unix <= not_after_unix {
            return Ok(if today >= months_before(expires_on, NOTICE_MONTHS)? {
                Self::ExpiringSoon(ExpiryNotice::expiring(IsoDate(expires_on), IsoDate(today))?)
            } else {
                Self::Current
            });
        }
        let notice = ExpiryNotice::in_grace(IsoDate(expires_on))?;
        Ok(if today <= notice.covered_until().0 {
            Self::InGrace(notice)
        } else {
            Self::Lapsed { covered_until: notice.covered_until() }
        })
    }

    /// The scope a session opened with this certificate gets; `None` when it may not open one.
    pub fn scope(self) -> Option<CardScope> {
        match self {
            Self::Current | Self::ExpiringSoon(_) => Some(CardScope::Full),
            Self::InGrace(_) => Some(CardScope::QualificationOnly),
            Self::Lapsed { .. } => None,
        }
    }

    /// What the patient and staff are told, when anything.
    pub fn notice(self) -> Option<ExpiryNotice> {
        match self {
            Self::ExpiringSoon(notice) | Self::InGrace(notice) => Some(notice),
            Self::Current | Self::Lapsed { .. } => None,
        }
    }
}

/// What the patient (and staff) are told about the certificate's expiry. It checks itself when it is read: the
/// days left are those from the day it was judged to the expiry date, and the end of a grace is the one the rule
/// gives for the expiry date.
///
/// Its wire shape (and OpenAPI schema) is [`ExpiryNoticeShape`]: a field of this type is declared
/// `schema(value_type = ExpiryNoticeShape)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ExpiryNoticeShape", into = "ExpiryNoticeShape")]
pub enum ExpiryNotice {
    /// The certificate expires within [`NOTICE_MONTHS`].
    ExpiringSoon {
        /// Its last valid day.
        expires_on: IsoDate,
        /// Days from the day of the check to `expires_on` (0 on the day itself).
        days_left: u16,
    },
    /// The certificate has expired; the qualification is confirmed until `covered_until`.
    InGrace {
        /// Its last valid day.
        expired_on: IsoDate,
        /// The last day its grace covers.
        covered_until: IsoDate,
    },
}

impl ExpiryNotice {
    /// The notice for a certificate expiring on `expires_on`, judged on `today` (at most [`NOTICE_MONTHS`] before).
    pub fn expiring(expires_on: IsoDate, today: IsoDate) -> Result<Self, ExpiryError> {
        if today.0 > expires_on.0 || today.0 < months_before(expires_on.0, NOTICE_MONTHS)? {
            return Err(ExpiryError::Inconsistent);
        }
        let days = (expires_on.0 - today.0).whole_days();
        let days_left = u16::try_from(days).map_err(|_| ExpiryError::Inconsistent)?;
        Ok(Self::ExpiringSoon { expires_on, days_left })
    }

    /// The notice for a certificate that expired on `expired_on`, with the end of its grace.
    pub fn in_grace(expired_on: IsoDate) -> Result<Self, ExpiryError> {
        Ok(Self::InGrace { expired_on, covered_until: IsoDate(grace_end(expired_on.0)?) })
    }

    /// The certificate's last valid day.
    pub fn expiry_date(self) -> IsoDate {
        match self {
            Self::ExpiringSoon { expires_on, .. } => expires_on,
            Self::InGrace { expired_on, .. } => expired_on,
        }
    }

    /// The last day a check-in with this certificate confirms the qualification: the expiry date, or the grace's end.
    pub fn covered_until(self) -> IsoDate {
        match self {
            Self::ExpiringSoon { expires_on, .. } => expires_on,
            Self::InGrace { covered_until, .. } => covered_until,
        }
    }

    /// The kind's wire name, as stored beside a check-in: `expiring_soon` or `in_grace`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::ExpiringSoon { .. } => "expiring_soon",
            Self::InGrace { .. } => "in_grace",
        }
    }

    /// Rebuilds a notice from its kind and the expiry date, as of `today` (a stored check-in's day).
    pub fn rebuild(kind: &str, expiry_date: IsoDate, today: IsoDate) -> Result<Self, ExpiryError> {
        match kind {
            "expiring_soon" => Self::expiring(expiry_date, today),
            "in_grace" => Self::in_grace(expiry_date),
            _ => Err(ExpiryError::Inconsistent),
        }
    }
}

/// The wire shape of [`ExpiryNotice`], before its dates are checked against each other.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpiryNoticeShape {
    /// See [`ExpiryNotice::ExpiringSoon`].
    ExpiringSoon {
        /// Its last valid day.
        expires_on: IsoDate,
        /// Days from the day of the check to `expires_on`.
        days_left: u16,
    },
    /// See [`ExpiryNotice::InGrace`].
    InGrace {
        /// Its last valid day.
        expired_on: IsoDate,
        /// The last day its grace covers.
        covered_until: IsoDate,
    },
}

impl TryFrom<ExpiryNoticeShape> for ExpiryNotice {
    type Error = ExpiryError;

    fn try_from(raw: ExpiryNoticeShape) -> Result<Self, Self::Error> {
        match raw {
            ExpiryNoticeShape::ExpiringSoon { expires_on, days_left } => {
                let today = expires_on.0 - Duration::days(i64::from(days_left));
                Self::expiring(expires_on, IsoDate(today))
            }
            ExpiryNoticeShape::InGrace { expired_on, covered_until } => {
                let notice = Self::in_grace(expired_on)?;
                if notice.covered_until() != covered_until {
                    return Err(ExpiryError::Inconsistent);
                }
                Ok(notice)
            }
        }
    }
}

impl From<ExpiryNotice> for ExpiryNoticeShape {
    fn from(notice: ExpiryNotice) -> Self {
        match notice {
            ExpiryNotice::ExpiringSoon { expires_on, days_left } => Self::ExpiringSoon { expires_on, days_left },
            ExpiryNotice::InGrace { expired_on, covered_until } => Self::InGrace { expired_on, covered_until },
        }
    }
}

/// A date outside what the calendar can carry, or a notice whose parts disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    /// A time or date outside the supported calendar.
    #[error("the date is outside the supported calendar")]
    OutOfRange,
    /// The notice's dates do not agree with the rule.
    #[error("the expiry notice does not agree with the rule")]
    Inconsistent,
}

/// The calendar date in Japan at `unix` seconds.
pub fn jst_date(unix: i64) -> Result<Date, ExpiryError> {
    let offset = UtcOffset::from_whole_seconds(JST_OFFSET_SECONDS).map_err(|_| ExpiryError::OutOfRange)?;
    let instant = OffsetDateTime::from_unix_timestamp(unix).map_err(|_| ExpiryError::OutOfRange)?;
    Ok(instant.to_offset(offset).date())
}

/// The first day of the month `months` after `date`'s month.
fn first_of_month_after(date: Date, months: u8) -> Result<(i32, Month), ExpiryError> {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + i64::from(months);
    month_of_index(index)
}

fn month_of_index(index: i64) -> Result<(i32, Month), ExpiryError> {
    let year = i32::try_from(index.div_euclid(12)).map_err(|_| ExpiryError::OutOfRange)?;
    let month = u8::try_from(index.rem_euclid(12) + 1).map_err(|_| ExpiryError::OutOfRange)?;
    Ok((year, Month::try_from(month).map_err(|_| ExpiryError::OutOfRange)?))
}

/// The last day a certificate that expired on `expired_on` still confirms the qualification: the last day of the
/// [`GRACE_MONTHS`]th calendar month after its expiry month.
pub fn grace_end(expired_on: Date) -> Result<Date, ExpiryError> {
    let (year, month) = first_of_month_after(expired_on, GRACE_MONTHS)?;
    Date::from_calendar_date(year, month, month.length(year)).map_err(|_| ExpiryError::OutOfRange)
}

/// The same day `months` calendar months before `date`, clamped to the end of a shorter month (05-31 → 02-28).
fn months_before(date: Date, months: u8) -> Result<Date, ExpiryError> {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 - i64::from(months);
    let (year, month) = month_of_index(index)?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).map_err(|_| ExpiryError::OutOfRange)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn date(text: &str) -> IsoDate {
        IsoDate::parse(text).unwrap()
    }

    /// Unix seconds of `text` at `hh:mm:ss` in Japan.
    fn jst(text: &str, hh: u8, mm: u8, ss: u8) -> i64 {
        let day = date(text).0;
        let time = time::Time::from_hms(hh, mm, ss).unwrap();
        day.with_time(time).assume_offset(UtcOffset::from_whole_seconds(JST_OFFSET_SECONDS).unwrap()).unix_timestamp()
    }

    #[test]
    fn the_grace_ends_at_the_end_of_the_third_month_after_the_expiry_month() {
        // 多摩市's example: expiring in February, usable to the end of May.
        for expired in ["2026-02-01", "2026-02-15", "2026-02-28"] {
            assert_eq!(grace_end(date(expired).0).unwrap(), date("2026-05-31").0, "{expired}");
        }
        assert_eq!(grace_end(date("2026-11-30").0).unwrap(), date("2027-02-28").0);
        assert_eq!(grace_end(date("2027-11-10").0).unwrap(), date("2028-02-29").0, "a leap year's February");
        assert_eq!(grace_end(date("2026-10-31").0).unwrap(), date("2027-01-31").0);
    }

    #[test]
    fn a_certificate_is_judged_on_the_japanese_calendar() {
        let not_after = jst("2026-12-10", 23, 59, 59);
        // Valid through its last second, and told so from three calendar months ahead.
        assert_eq!(
            CertificateStanding::judge(not_after, jst("2026-09-09", 23, 59, 59)).unwrap(),
            CertificateStanding::Current
        );
        assert_eq!(
            CertificateStanding::judge(not_after, jst("2026-09-10", 0, 0, 0)).unwrap(),
            CertificateStanding::ExpiringSoon(ExpiryNotice::ExpiringSoon {
                expires_on: date("2026-12-10"),
                days_left: 91
            })
        );
        assert_eq!(
            CertificateStanding::judge(not_after, not_after).unwrap(),
            CertificateStanding::ExpiringSoon(ExpiryNotice::ExpiringSoon {
                expires_on: date("2026-12-10"),
                days_left: 0
            })
        );
        // One second later it has expired: the qualification only, until the end of March.
        let grace = ExpiryNotice::InGrace { expired_on: date("2026-12-10"), covered_until: date("2027-03-31") };
        let next = CertificateStanding::judge(not_after, not_after + 1).unwrap();
        assert_eq!(next, CertificateStanding::InGrace(grace));
        assert_eq!(next.scope(), Some(CardScope::QualificationOnly));
        let last = CertificateStanding::judge(not_after, jst("2027-03-31", 23, 59, 59)).unwrap();
        assert_eq!(last, CertificateStanding::InGrace(grace));
        let lapsed = CertificateStanding::judge(not_after, jst("2027-04-01", 0, 0, 0)).unwrap();
        assert_eq!(lapsed, CertificateStanding::Lapsed { covered_until: date("2027-03-31") });
        assert_eq!(lapsed.scope(), None);
        assert_eq!(lapsed.notice(), None);
        // 15:00 UTC is already the next day in Japan.
        let utc_evening = jst("2027-04-01", 0, 0, 0) - 1;
        assert_eq!(CertificateStanding::judge(not_after, utc_evening).unwrap(), CertificateStanding::InGrace(grace));
    }

    #[test]
    fn the_notice_starts_on_the_same_day_three_months_before_clamped_to_a_short_month() {
        let not_after = jst("2027-05-31", 23, 59, 59);
        assert_eq!(
            CertificateStanding::judge(not_after, jst("2027-02-27", 12, 0, 0)).unwrap(),
            CertificateStanding::Current
        );
        let first = CertificateStanding::judge(not_after, jst("2027-02-28", 0, 0, 0)).unwrap();
        assert_eq!(first.notice().map(ExpiryNotice::covered_until), Some(date("2027-05-31")));
        assert_eq!(first.scope(), Some(CardScope::Full));
        assert_eq!(
            CertificateStanding::judge(not_after, jst("2026-01-01", 0, 0, 0)).unwrap().scope(),
            Some(CardScope::Full)
        );
    }

    #[test]
    fn a_notice_checks_itself_when_it_is_read() {
        let soon = ExpiryNotice::expiring(date("2026-12-10"), date("2026-12-01")).unwrap();
        let text = serde_json::to_string(&soon).unwrap();
        assert_eq!(text, r#"{"kind":"expiring_soon","expires_on":"2026-12-10","days_left":9}"#);
        assert_eq!(serde_json::from_str::<ExpiryNotice>(&text).unwrap(), soon);
        let grace = ExpiryNotice::in_grace(date("2026-12-10")).unwrap();
        let text = serde_json::to_string(&grace).unwrap();
        assert_eq!(text, r#"{"kind":"in_grace","expired_on":"2026-12-10","covered_until":"2027-03-31"}"#);
        assert_eq!(serde_json::from_str::<ExpiryNotice>(&text).unwrap(), grace);
        for bad in [
            r#"{"kind":"in_grace","expired_on":"2026-12-10","covered_until":"2027-06-30"}"#,
            r#"{"kind":"expiring_soon","expires_on":"2026-12-10","days_left":400}"#,
            r#"{"kind":"expiring_soon","expires_on":"2026-12-10","days_left":9,"extra":1}"#,
            r#"{"kind":"lapsed","expired_on":"2026-12-10"}"#,
        ] {
            assert!(serde_json::from_str::<ExpiryNotice>(bad).is_err(), "{bad}");
        }
        assert_eq!(ExpiryNotice::rebuild(grace.kind(), grace.expiry_date(), date("2027-01-05")).unwrap(), grace);
        assert_eq!(ExpiryNotice::rebuild(soon.kind(), soon.expiry_date(), date("2026-12-01")).unwrap(), soon);
        assert!(ExpiryNotice::rebuild("other", soon.expiry_date(), date("2026-12-01")).is_err());
        assert!(ExpiryNotice::expiring(date("2026-12-10"), date("2026-12-11")).is_err());
    }

    #[test]
    fn out_of_range_times_are_errors_not_panics() {
        assert_eq!(CertificateStanding::judge(i64::MAX, 0), Err(ExpiryError::OutOfRange));
        assert_eq!(CertificateStanding::judge(0, i64::MIN), Err(ExpiryError::OutOfRange));
    }
}
