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
}

impl Lang {
    /// Every language, in the order the switcher lists them.
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    /// The BCP 47 tag, for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The language's own name, as shown on the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Ja => "日本語",
            Lang::En => "English",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Ja => include_str!("../locales/ja.json"),
            Lang::En => include_str!("../locales/en.json"),
        }
    }

    fn table(self) -> &'static HashMap<String, String> {
        static JA: OnceLock<HashMap<String, String>> = OnceLock::new();
        static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
        let cell = match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        };
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
    fn placeholders_are_filled_and_unknown_keys_fall_back() {
        assert_eq!(text_n(Lang::Ja, "pin.tries_left", 2), "あと 2 回まちがえるとロックされます");
        assert_eq!(text(Lang::En, "no.such.key"), "no.such.key");
    }
}
