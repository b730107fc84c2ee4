//! 和暦: a Gregorian [`IsoDate`] written in the Japanese era calendar, e.g. `令和8年12月3日`.
//!
//! Screens show 和暦 beside 西暦 (`令和8年12月3日 (2026-12-03)`, [`format_with_iso`]) because insurance cards,
//! 受給者証 and patients' own memory of their birth date are in 和暦. An era's first year is 元年, and an era
//! starts on the day of its 改元, so one Gregorian year can span two eras (1989-01-07 is 昭和64年, 1989-01-08
//! 平成元年).
//!
//! Japan used the lunisolar calendar until 明治5年12月2日; the Gregorian calendar began on 明治6年1月1日
//! (1873-01-01). A Gregorian date before that has no 和暦 with the same month and day, so [`Wareki::of`] gives
//! `None` for it and [`format`] writes the 西暦 form alone.

use crate::IsoDate;

/// A Japanese era (元号) from 明治 on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Era {
    /// 明治.
    Meiji,
    /// 大正, from 1912-07-30.
    Taisho,
    /// 昭和, from 1926-12-25.
    Showa,
    /// 平成, from 1989-01-08.
    Heisei,
    /// 令和, from 2019-05-01.
    Reiwa,
}

impl Era {
    /// The era's name as written, e.g. `令和`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Meiji => "明治",
            Self::Taisho => "大正",
            Self::Showa => "昭和",
            Self::Heisei => "平成",
            Self::Reiwa => "令和",
        }
    }

    /// The 西暦 year of the era's first year (元年), e.g. 1989 for 平成.
    pub fn first_gregorian_year(self) -> i32 {
        ERA_STARTS.iter().find(|&&(era, ..)| era == self).map_or(MEIJI_FIRST_YEAR, |&(_, year, _, _)| year)
    }
}

/// The first day of each era after 明治 (year, month, day), newest first; 明治 covers everything before 大正.
const ERA_STARTS: [(Era, i32, u8, u8); 4] =
    [(Era::Reiwa, 2019, 5, 1), (Era::Heisei, 1989, 1, 8), (Era::Showa, 1926, 12, 25), (Era::Taisho, 1912, 7, 30)];
/// 明治元年 is 1868; the years of 明治 count from it.
const MEIJI_FIRST_YEAR: i32 = 1868;
/// 明治6年1月1日, the first day of the Gregorian calendar in Japan.
const GREGORIAN_ADOPTED: (i32, u8, u8) = (1873, 1, 1);

/// A date in 和暦: era, year of the era (1 is 元年), month and day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Wareki {
    /// The era.
    pub era: Era,
    /// The year of the era, 1 for 元年.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
    /// The day of the month.
    pub day: u8,
}

impl Wareki {
    /// The 和暦 of a date, or `None` before 明治6年1月1日 (1873-01-01), when Japan did not yet count Gregorian days.
    pub fn of(date: IsoDate) -> Option<Self> {
        let (year, month, day) = (date.0.year(), u8::from(date.0.month()), date.0.day());
        if (year, month, day) < GREGORIAN_ADOPTED {
            return None;
        }
        let (era, first_year) = ERA_STARTS
            .iter()
            .find(|&&(_, start_year, start_month, start_day)| {
                (year, month, day) >= (start_year, start_month, start_day)
            })
            .map_or((Era::Meiji, MEIJI_FIRST_YEAR), |&(era, start_year, _, _)| (era, start_year));
        Some(Self { era, year: year - first_year + 1, month, day })
    }

    /// The Gregorian date this 和暦 names, or `None` when the calendar has no such day or the era does not cover it
    /// (`昭和64年1月8日` was already 平成元年; `明治5年` used the lunisolar calendar).
    pub fn to_date(self) -> Option<IsoDate> {
        let year = self.era.first_gregorian_year().checked_add(self.year.checked_sub(1)?)?;
        let month = time::Month::try_from(self.month).ok()?;
        let date = IsoDate(time::Date::from_calendar_date(year, month, self.day).ok()?);
        // The day must be written in this very era: converting back is the one rule for both era boundaries.
        (self.year >= 1 && Self::of(date) == Some(self)).then_some(date)
    }
}

impl std::fmt::Display for Wareki {
    /// `令和8年12月3日`; the first year of an era is `元年`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.era.name())?;
        if self.year == 1 {
            f.write_str("元")?
        } else {
            write!(f, "{}", self.year)?
        }
        write!(f, "年{}月{}日", self.month, self.day)
    }
}

/// The date in 和暦, e.g. `令和8年12月3日`; before 1873 (no 和暦 with Gregorian days) the 西暦 form `1872-12-31`.
pub fn format(date: IsoDate) -> String {
    Wareki::of(date).map_or_else(|| date.to_string(), |wareki| wareki.to_string())
}

/// The birth date as 照合番号B begins with it: the year of the era, month and day, two digits each (`YYMMDD` in 和暦;
/// 昭和55年2月17日 is `550217`, and 元年 is `01`). Staff who know the 西暦 birth date get the digits the card expects
/// (the commonest mistake is typing the 西暦 year: card-protocol.md §2.3). `None` before 1873, or for an era year
/// past 99, which no living holder has.
pub fn collation_birth_digits(date: IsoDate) -> Option<String> {
    let wareki = Wareki::of(date)?;
    (1..=99).contains(&wareki.year).then(|| format!("{:02}{:02}{:02}", wareki.year, wareki.month, wareki.day))
}

/// 和暦 with 西暦 beside it, e.g. `令和8年12月3日 (2026-12-03)`; before 1873 the 西暦 form alone.
pub fn format_with_iso(date: IsoDate) -> String {
    match Wareki::of(date) {
        Some(wareki) => format!("{wareki} ({date})"),
        None => date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_birth_digits_of_collation_number_b_are_in_wareki() {
        let digits = |text: &str| collation_birth_digits(IsoDate::parse(text).unwrap());
        assert_eq!(digits("1980-02-17").as_deref(), Some("550217"));
        assert_eq!(digits("1989-01-07").as_deref(), Some("640107"), "the last day of 昭和");
        assert_eq!(digits("1989-01-08").as_deref(), Some("010108"), "平成元年");
        assert_eq!(digits("2019-05-01").as_deref(), Some("010501"), "令和元年");
        assert_eq!(digits("2012-05-05").as_deref(), Some("240505"));
        assert_eq!(digits("1872-12-31"), None);
    }

    fn wareki(text: &str) -> String {
        format(IsoDate::parse(text).unwrap())
    }

    #[test]
    fn writes_era_year_month_and_day_without_padding() {
        assert_eq!(wareki("2026-12-03"), "令和8年12月3日");
        assert_eq!(format_with_iso(IsoDate::parse("2026-12-03").unwrap()), "令和8年12月3日 (2026-12-03)");
        assert_eq!(wareki("1948-03-05"), "昭和23年3月5日");
    }

    #[test]
    fn each_era_starts_on_its_day_with_gannen() {
        for (date, expected) in [
            ("1912-07-29", "明治45年7月29日"),
            ("1912-07-30", "大正元年7月30日"),
            ("1926-12-24", "大正15年12月24日"),
            ("1926-12-25", "昭和元年12月25日"),
            ("1989-01-07", "昭和64年1月7日"),
            ("1989-01-08", "平成元年1月8日"),
            ("2019-04-30", "平成31年4月30日"),
            ("2019-05-01", "令和元年5月1日"),
            ("2019-12-31", "令和元年12月31日"),
            ("2020-01-01", "令和2年1月1日"),
        ] {
            assert_eq!(wareki(date), expected, "{date}");
        }
    }

    #[test]
    fn before_the_gregorian_calendar_in_japan_only_the_iso_form_is_written() {
        assert_eq!(wareki("1873-01-01"), "明治6年1月1日");
        let before = IsoDate::parse("1872-12-31").unwrap();
        assert_eq!(Wareki::of(before), None);
        assert_eq!(format(before), "1872-12-31");
        assert_eq!(format_with_iso(before), "1872-12-31");
    }

    #[test]
    fn a_wareki_names_its_date_only_inside_its_era() {
        let date = |era, year, month, day| Wareki { era, year, month, day }.to_date().map(|d| d.to_string());
        assert_eq!(date(Era::Showa, 64, 1, 7), Some("1989-01-07".into()));
        assert_eq!(date(Era::Showa, 64, 1, 8), None);
        assert_eq!(date(Era::Heisei, 1, 1, 7), None);
        assert_eq!(date(Era::Reiwa, 0, 12, 3), None);
        assert_eq!(date(Era::Meiji, 5, 12, 31), None);
        assert_eq!(date(Era::Showa, 55, 2, 30), None);
        assert_eq!(Era::Heisei.first_gregorian_year(), 1989);
        assert_eq!(Era::Meiji.first_gregorian_year(), 1868);
    }

    #[test]
    fn the_parts_are_there_for_callers_that_lay_them_out_themselves() {
        let parts = Wareki::of(IsoDate::parse("1989-01-08").unwrap()).unwrap();
        assert_eq!(parts, Wareki { era: Era::Heisei, year: 1, month: 1, day: 8 });
        assert_eq!(parts.era.name(), "平成");
    }
}
