//! A date as a person writes it at a Japanese counter: in 和暦 as the 資格確認書 and most insurance papers print it
//! (`昭和13年3月9日`, `昭和元年12月25日`, `S13.3.9`, `昭13/3/9`, `㍼13.3.9`), or in 西暦 (`1938-03-09`,
//! `1938/3/9`, `1938年3月9日`, `19380309`), typed with full-width or half-width digits.
//!
//! Reading is strict about what the date is and lenient only about how it is written: a 和暦 date must lie inside
//! its era (`昭和64年1月8日` and `平成元年1月7日` never existed), a month must have the day, and anything the reader
//! does not recognise is refused rather than guessed at. A birth date read wrongly sends a by-number check to the
//! wrong person, so no two-digit 西暦 year and no era-less 和暦 year is accepted.

use time::{Date, Month};

use crate::IsoDate;
use crate::wareki::{Era, Wareki};

/// Why a written date was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WrittenDateError {
    /// The text is not written in any of the accepted shapes.
    #[error("not a date in 西暦 (1980-02-17) or 和暦 (昭和55年2月17日, S55.2.17)")]
    Unreadable,
    /// The shape is right but the calendar has no such day (2月30日, 13月).
    #[error("the calendar has no such day")]
    NoSuchDay,
    /// The 和暦 year, month and day fall outside the era (昭和65年, 平成元年1月7日, 明治 before 1873).
    #[error("the era does not cover that day")]
    OutsideEra,
}

/// Reads a date written in 和暦 or 西暦; see the module documentation for the shapes.
pub fn parse(text: &str) -> Result<IsoDate, WrittenDateError> {
    let text: String = text.chars().filter_map(half_width).collect();
    let (era, rest) = match split_era(&text) {
        Some((era, rest)) => (Some(era), rest),
        None => (None, text.as_str()),
    };
    let (year, month, day) = match era {
        // Eight digits with no era are the compact 西暦 form; nothing compact is read for 和暦.
        None if rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            (number(&rest[..4])?, number(&rest[4..6])?, number(&rest[6..])?)
        }
        _ => three_parts(rest, era.is_some())?,
    };
    let month = u8::try_from(month).ok().and_then(|m| Month::try_from(m).ok()).ok_or(WrittenDateError::NoSuchDay)?;
    let day = u8::try_from(day).map_err(|_| WrittenDateError::NoSuchDay)?;
    match era {
        None => {
            let year = i32::try_from(year).map_err(|_| WrittenDateError::Unreadable)?;
            Date::from_calendar_date(year, month, day).map(IsoDate).map_err(|_| WrittenDateError::NoSuchDay)
        }
        Some(era) => {
            let year = i32::try_from(year).map_err(|_| WrittenDateError::OutsideEra)?;
            let wareki = Wareki { era, year, month: u8::from(month), day };
            wareki.to_date().ok_or_else(|| {
                // Tell a day no calendar has (2月30日) from one this era does not cover (昭和65年).
                let gregorian = era.first_gregorian_year() + year - 1;
                match Date::from_calendar_date(gregorian, month, day) {
                    Ok(_) => WrittenDateError::OutsideEra,
                    Err(_) => WrittenDateError::NoSuchDay,
                }
            })
        }
    }
}

/// Full-width ASCII (as an IME types it) becomes ASCII, the ideographic space a space; spaces are dropped.
fn half_width(c: char) -> Option<char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        other => other,
    };
    (!c.is_whitespace()).then_some(c)
}

/// The era the text starts with, and the rest: a full name (`昭和`), its first kanji (`昭`), its letter (`S`, `s`)
/// or its one-character square form (`㍼`).
fn split_era(text: &str) -> Option<(Era, &str)> {
    const NAMES: [(Era, &str, char, char, char); 5] = [
        (Era::Meiji, "明治", '明', 'M', '\u{337E}'),
        (Era::Taisho, "大正", '大', 'T', '\u{337D}'),
        (Era::Showa, "昭和", '昭', 'S', '\u{337C}'),
        (Era::Heisei, "平成", '平', 'H', '\u{337B}'),
        (Era::Reiwa, "令和", '令', 'R', '\u{32FF}'),
    ];
    for (era, name, kanji, letter, square) in NAMES {
        if let Some(rest) = text.strip_prefix(name) {
            return Some((era, rest));
        }
        let mut chars = text.chars();
        let first = chars.next()?;
        if first == kanji || first == square || first.to_ascii_uppercase() == letter {
            return Some((era, chars.as_str()));
        }
    }
    None
}

/// Year, month and day separated by `年 月 日` or by one of `. / -`, used consistently; `元` is year 1 in 和暦.
fn three_parts(text: &str, wareki: bool) -> Result<(u32, u32, u32), WrittenDateError> {
    let (year, rest, separator) = if let Some((year, rest)) = text.split_once('年') {
        (year, rest, None)
    } else {
        let separator = text.chars().find(|c| matches!(c, '.' | '/' | '-')).ok_or(WrittenDateError::Unreadable)?;
        let (year, rest) = text.split_once(separator).ok_or(WrittenDateError::Unreadable)?;
        (year, rest, Some(separator))
    };
    let (month, day) = match separator {
        None => {
            let (month, day) = rest.split_once('月').ok_or(WrittenDateError::Unreadable)?;
            (month, day.strip_suffix('日').unwrap_or(day))
        }
        Some(separator) => rest.split_once(separator).ok_or(WrittenDateError::Unreadable)?,
    };
    let year = match year {
        "元" if wareki => 1,
        digits if wareki && (1..=2).contains(&digits.len()) => number(digits)?,
        digits if !wareki && digits.len() == 4 => number(digits)?,
        _ => return Err(WrittenDateError::Unreadable),
    };
    if !(1..=2).contains(&month.len()) || !(1..=2).contains(&day.len()) {
        return Err(WrittenDateError::Unreadable);
    }
    Ok((year, number(month)?, number(day)?))
}

fn number(digits: &str) -> Result<u32, WrittenDateError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WrittenDateError::Unreadable);
    }
    digits.parse().map_err(|_| WrittenDateError::Unreadable)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<String, WrittenDateError> {
        parse(text).map(|date| date.to_string())
    }

    #[test]
    fn the_shapes_on_a_certificate_and_on_a_form_are_read() {
        for text in [
            "昭和13年3月9日",
            "昭和13年03月09日",
            "昭和１３年３月９日",
            "昭和 13年 3月 9日",
            "S13.3.9",
            "s13.03.09",
            "Ｓ１３．３．９",
            "昭13.3.9",
            "昭13/3/9",
            "\u{337C}13.3.9",
            "1938-03-09",
            "1938/3/9",
            "1938.3.9",
            "1938年3月9日",
            "19380309",
            " 1938-03-09 ",
        ] {
            assert_eq!(read(text), Ok("1938-03-09".into()), "{text}");
        }
    }

    #[test]
    fn every_era_and_its_first_year_are_read() {
        for (text, expected) in [
            ("明治6年1月1日", "1873-01-01"),
            ("M45.7.29", "1912-07-29"),
            ("大正元年7月30日", "1912-07-30"),
            ("T15.12.24", "1926-12-24"),
            ("昭和元年12月25日", "1926-12-25"),
            ("S64.1.7", "1989-01-07"),
            ("平成元年1月8日", "1989-01-08"),
            ("H1.1.8", "1989-01-08"),
            ("H31.4.30", "2019-04-30"),
            ("令和元年5月1日", "2019-05-01"),
            ("R8.12.3", "2026-12-03"),
            ("\u{32FF}8.12.3", "2026-12-03"),
        ] {
            assert_eq!(read(text), Ok(expected.into()), "{text}");
        }
    }

    #[test]
    fn a_day_the_era_does_not_cover_is_refused_as_such() {
        for text in ["昭和64年1月8日", "平成元年1月7日", "S65.1.1", "T16.1.1", "R1.4.30", "明治5年12月31日", "H99.1.1"]
        {
            assert_eq!(read(text), Err(WrittenDateError::OutsideEra), "{text}");
        }
    }

    #[test]
    fn a_day_no_calendar_has_is_refused_as_such() {
        for text in ["昭和55年2月30日", "S55.13.1", "1980-02-30", "19800230", "H1.2.29", "1981/2/29", "S55.0.1"] {
            assert_eq!(read(text), Err(WrittenDateError::NoSuchDay), "{text}");
        }
        assert_eq!(read("2000-02-29"), Ok("2000-02-29".into()));
    }

    #[test]
    fn what_could_be_misread_is_refused_not_guessed() {
        for text in [
            "",
            "13.3.9",
            "38-03-09",
            "1938-3.9",
            "昭和13年3月",
            "S13.3",
            "S.13.3.9",
            "X13.3.9",
            "S123.3.9",
            "1938-003-09",
            "元年1月1日",
            "1938年元月1日",
            "S13.3.9日",
            "380309",
            "令和八年十二月三日",
        ] {
            assert_eq!(read(text), Err(WrittenDateError::Unreadable), "{text:?}");
        }
    }

    #[test]
    fn whatever_is_read_is_the_date_its_wareki_says() {
        // Every day from 1873 to 2030 written as the certificate writes it reads back as that day.
        let mut date = Date::from_calendar_date(1873, Month::January, 1).unwrap();
        let end = Date::from_calendar_date(2030, Month::December, 31).unwrap();
        while date <= end {
            let iso = IsoDate(date);
            let written = crate::wareki::format(iso);
            assert_eq!(parse(&written), Ok(iso), "{written}");
            date = date.next_day().unwrap();
        }
    }
}
