//! Screen text. Every string a person reads comes from resource files, one JSON object per language; Japanese is
//! the reference and the fallback. [`KIOSK`] (`kiosk/locales/`) is the patient kiosk's [`Catalog`] (the type is
//! shared with the staff console, which has its own catalog, so neither bundle carries the other's texts).
//!
//! Pure and tested natively. Must not: read the page or hold state beyond the parsed catalog.

pub use onshi_web::i18n::{Catalog, Lang, yen};

/// The patient kiosk's texts (`kiosk/locales/`).
pub static KIOSK: Catalog = Catalog::new([
    include_str!("../locales/ja.json"),
    include_str!("../locales/en.json"),
    include_str!("../locales/zh-Hans.json"),
    include_str!("../locales/ko.json"),
    include_str!("../locales/vi.json"),
]);

/// The kiosk's text for `key` in `lang`, falling back to Japanese, then to the key itself.
pub fn text(lang: Lang, key: &str) -> String {
    KIOSK.text(lang, key)
}

/// The kiosk's text for `key` with each `{name}` placeholder replaced by its value.
pub fn text_with(lang: Lang, key: &str, values: &[(&str, &str)]) -> String {
    KIOSK.fill(lang, key, values)
}

/// The kiosk's text for `key` with `{n}` replaced by `n`.
pub fn text_n(lang: Lang, key: &str, n: impl std::fmt::Display) -> String {
    KIOSK.fill(lang, key, &[("n", &n.to_string())])
}

/// A moment given in Unix seconds as the clock on the clinic's wall shows it (JST, UTC+9): `2026-12-04 10:15`.
pub fn jst_date_time(unix_secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix_secs) {
        Ok(moment) => {
            let local = moment.to_offset(time::macros::offset!(+9));
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                local.year(),
                u8::from(local.month()),
                local.day(),
                local.hour(),
                local.minute()
            )
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn every_locale_parses_and_has_every_key() {
        assert_eq!(KIOSK.completeness_problems(), Vec::<String>::new());
    }

    #[test]
    fn every_placeholder_of_the_reference_is_kept_in_every_translation() {
        let reference: HashMap<String, String> = serde_json::from_str(KIOSK.source(Lang::Ja)).unwrap();
        for lang in Lang::ALL {
            for (key, japanese) in &reference {
                let translated = text(lang, key);
                assert_eq!(japanese.contains("{n}"), translated.contains("{n}"), "{lang:?} {key}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_unknown_keys_fall_back() {
        assert_eq!(text_n(Lang::Ja, "pin.tries_left", 2), "あと 2 回まちがえるとロックされます");
        assert_eq!(text(Lang::En, "no.such.key"), "no.such.key");
    }

    #[test]
    fn moments_are_shown_on_the_japanese_clock() {
        // 2026-12-03T15:15:00Z is a quarter past midnight on the 4th in Japan.
        assert_eq!(jst_date_time(1_796_310_900), "2026-12-04 00:15");
        assert_eq!(jst_date_time(0), "1970-01-01 09:00");
    }
}
