//! Screen text. Every string a person reads comes from the resource files in `kiosk/locales/`, one JSON object per
//! language; Japanese is the reference and the fallback.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language the kiosk can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// 日本語 (the default, and the fallback for any missing text).
    Ja,
    /// English.
    En,
    /// Simplified Chinese.
    ZhHans,
    /// Korean.
    Ko,
    /// Vietnamese.
    Vi,
}

impl Lang {
    /// Every language, in the order the switcher lists them.
    pub const ALL: [Lang; 5] = [Lang::Ja, Lang::En, Lang::ZhHans, Lang::Ko, Lang::Vi];

    /// The BCP 47 tag, for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
            Lang::Ko => "ko",
            Lang::Vi => "vi",
        }
    }

    /// The language's own name, as shown on the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Ja => "日本語",
            Lang::En => "English",
            Lang::ZhHans => "简体中文",
            Lang::Ko => "한국어",
            Lang::Vi => "Tiếng Việt",
        }
    }

    /// The language with this BCP 47 tag, if the kiosk has it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.tag().eq_ignore_ascii_case(tag))
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Ja => include_str!("../locales/ja.json"),
            Lang::En => include_str!("../locales/en.json"),
            Lang::ZhHans => include_str!("../locales/zh-Hans.json"),
            Lang::Ko => include_str!("../locales/ko.json"),
            Lang::Vi => include_str!("../locales/vi.json"),
        }
    }

    fn table(self) -> &'static HashMap<String, String> {
        static TABLES: [OnceLock<HashMap<String, String>>; 5] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let cell = &TABLES[self as usize];
        // A resource file that does not parse yields an empty table, so every lookup falls back to Japanese and
        // then to the key; the `every_locale_parses_and_has_every_key` test keeps that from shipping.
        cell.get_or_init(|| serde_json::from_str(self.source()).unwrap_or_default())
    }
}

/// The text for `key` in `lang`, falling back to Japanese, then to the key itself.
pub fn text(lang: Lang, key: &str) -> String {
    lang.table()
        .get(key)
        .or_else(|| Lang::Ja.table().get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// The text for `key` with `{n}` replaced by `n`.
pub fn text_n(lang: Lang, key: &str, n: impl std::fmt::Display) -> String {
    text(lang, key).replace("{n}", &n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_parses_and_has_every_key() {
        let reference: HashMap<String, String> = serde_json::from_str(Lang::Ja.source()).unwrap();
        for lang in Lang::ALL {
            let table: HashMap<String, String> = serde_json::from_str(lang.source()).unwrap();
            let mut missing: Vec<_> = reference.keys().filter(|k| !table.contains_key(*k)).collect();
            let mut extra: Vec<_> = table.keys().filter(|k| !reference.contains_key(*k)).collect();
            missing.sort();
            extra.sort();
            assert!(missing.is_empty() && extra.is_empty(), "{lang:?}: missing {missing:?}, extra {extra:?}");
            assert!(table.values().all(|v| !v.trim().is_empty()), "{lang:?} has an empty text");
        }
    }

    #[test]
    fn every_placeholder_of_the_reference_is_kept_in_every_translation() {
        let reference: HashMap<String, String> = serde_json::from_str(Lang::Ja.source()).unwrap();
        for lang in Lang::ALL {
            for (key, japanese) in &reference {
                let translated = text(lang, key);
                assert_eq!(japanese.contains("{n}"), translated.contains("{n}"), "{lang:?} {key}");
            }
        }
    }

    #[test]
    fn tags_round_trip_and_unknown_tags_are_refused() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(Lang::from_tag("zh-hans"), Some(Lang::ZhHans));
        assert_eq!(Lang::from_tag("fr"), None);
    }

    #[test]
    fn placeholders_are_filled_and_unknown_keys_fall_back() {
        assert_eq!(text_n(Lang::Ja, "pin.tries_left", 2), "あと 2 回まちがえるとロックされます");
        assert_eq!(text(Lang::En, "no.such.key"), "no.such.key");
    }
}
