//! The language of the page and its resource files, shared by the patient kiosk and the staff console. Every
//! string a person reads comes from resource files, one JSON object per language; Japanese is the reference and
//! the fallback. A [`Catalog`] is one such set of files; each app has its own, so that neither bundle carries the
//! other's texts. A catalog either carries every file in the bundle ([`Catalog::new`]) or only the Japanese
//! ([`Catalog::japanese_only`]), the others being handed to [`Catalog::load`] when the app has fetched them: they
//! are parsed once and kept for the page's life.
//!
//! Pure and tested natively. Must not: hold any app's texts (they are the apps' own catalogs).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::WebError;

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
    /// Portuguese as spoken in Brazil.
    PtBr,
    /// Filipino (Tagalog).
    Fil,
    /// Nepali.
    Ne,
    /// Indonesian.
    Id,
    /// やさしい日本語: plain Japanese in short sentences, with readings (ふりがな) over the kanji, for those who
    /// read Japanese as a second language and for children.
    JaEasy,
}

impl Lang {
    /// The languages of every onshi screen (the staff console's), in the order the switcher lists them.
    pub const ALL: [Lang; 5] = [Lang::Ja, Lang::En, Lang::ZhHans, Lang::Ko, Lang::Vi];

    /// The patient kiosk's languages: those of [`Lang::ALL`], then the languages of Japan's next largest groups of
    /// residents (Brazilian, Filipino, Nepali, Indonesian), and やさしい日本語.
    pub const PATIENT: [Lang; 10] =
        [Lang::Ja, Lang::En, Lang::ZhHans, Lang::Ko, Lang::Vi, Lang::PtBr, Lang::Fil, Lang::Ne, Lang::Id, Lang::JaEasy];

    /// The BCP 47 tag, for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
            Lang::Ko => "ko",
            Lang::Vi => "vi",
            Lang::PtBr => "pt-BR",
            Lang::Fil => "fil",
            Lang::Ne => "ne",
            Lang::Id => "id",
            // BCP 47 private use: Japanese, in its plain variety.
            Lang::JaEasy => "ja-x-easy",
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
            Lang::PtBr => "Português",
            Lang::Fil => "Filipino",
            Lang::Ne => "नेपाली",
            Lang::Id => "Bahasa Indonesia",
            Lang::JaEasy => "やさしい にほんご",
        }
    }

    /// The language with this BCP 47 tag, if the kiosk has it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::PATIENT.into_iter().find(|lang| lang.tag().eq_ignore_ascii_case(tag))
    }

    /// The position of this language in [`Lang::PATIENT`] (and in [`Lang::ALL`] for its first five), which is
    /// also the order of a catalog's sources.
    fn index(self) -> usize {
        self as usize
    }
}

/// One set of resource files for the first `N` languages of [`Lang::PATIENT`] (five, [`Lang::ALL`], unless the app
/// says otherwise; a language beyond `N` reads Japanese). Each file is either carried in the bundle (parsed on first
/// use) or handed over later with [`Catalog::load`]; until then its language reads Japanese.
#[derive(Debug)]
pub struct Catalog<const N: usize = 5> {
    bundled: [Option<&'static str>; N],
    tables: [OnceLock<HashMap<String, String>>; N],
}

impl<const N: usize> Catalog<N> {
    /// A catalog carrying every resource file, given in the order of [`Lang::PATIENT`] (usually `include_str!`).
    pub const fn new(sources: [&'static str; N]) -> Catalog<N> {
        let mut bundled = [None; N];
        let mut index = 0;
        while index < N {
            bundled[index] = Some(sources[index]);
            index += 1;
        }
        Catalog { bundled, tables: [const { OnceLock::new() }; N] }
    }

    /// A catalog carrying only the Japanese file, the reference and fallback; every other language is handed over
    /// with [`Catalog::load`] once fetched, so that the bundle does not carry texts few pages show.
    pub const fn japanese_only(japanese: &'static str) -> Catalog<N> {
        let mut bundled = [None; N];
        bundled[0] = Some(japanese);
        Catalog { bundled, tables: [const { OnceLock::new() }; N] }
    }

    /// The languages this catalog has, in the switcher's order.
    pub fn langs(&self) -> &'static [Lang] {
        &Lang::PATIENT[..N]
    }

    /// The resource file of `lang` carried in the bundle, as written (Japanese's for a language the catalog lacks);
    /// `None` for a file that is loaded at run time.
    pub fn source(&self, lang: Lang) -> Option<&'static str> {
        self.bundled.get(lang.index()).copied().unwrap_or(self.bundled[0])
    }

    /// True when the texts of `lang` are at hand: carried in the bundle or already loaded. A language the catalog
    /// lacks is not (it reads Japanese).
    pub fn has(&self, lang: Lang) -> bool {
        lang.index() < N && (self.bundled[lang.index()].is_some() || self.tables[lang.index()].get().is_some())
    }

    /// Hands the catalog the resource file of `lang`, fetched after the page started: parsed once and kept for the
    /// page's life, so that a second choice of the language fetches nothing. A language already at hand keeps its
    /// texts. A file that is no JSON object of texts, or a language the catalog lacks, is refused and changes
    /// nothing.
    pub fn load(&self, lang: Lang, json: &str) -> Result<(), WebError> {
        if lang.index() >= N {
            return Err(WebError::TextsUnreadable(lang));
        }
        if self.has(lang) {
            return Ok(());
        }
        let table: HashMap<String, String> = serde_json::from_str(json).map_err(|_| WebError::TextsUnreadable(lang))?;
        // Two loads of one language may race (a prefetch and a choice); the first one kept wins, both are the same.
        let _ = self.tables[lang.index()].set(table);
        Ok(())
    }

    fn table(&self, lang: Lang) -> Option<&HashMap<String, String>> {
        // A bundled resource file that does not parse yields an empty table, so every lookup falls back to Japanese
        // and then to the key; `completeness_problems` (run by each catalog's tests) keeps that from shipping.
        let index = if lang.index() < N { lang.index() } else { 0 };
        match self.bundled[index] {
            Some(source) => Some(self.tables[index].get_or_init(|| serde_json::from_str(source).unwrap_or_default())),
            None => self.tables[index].get(),
        }
    }

    /// The text for `key` in `lang`, falling back to Japanese, then to the key itself.
    pub fn text(&self, lang: Lang, key: &str) -> String {
        let find = |lang: Lang| self.table(lang).and_then(|table| table.get(key));
        find(lang).or_else(|| find(Lang::Ja)).cloned().unwrap_or_else(|| key.to_owned())
    }

    /// The text for `key` with each `{name}` placeholder replaced by its value, in one pass: a value that itself
    /// holds braces (a name as the record spells it) is copied as it is. A placeholder without a value stays.
    pub fn fill(&self, lang: Lang, key: &str, values: &[(&str, &str)]) -> String {
        let template = self.text(lang, key);
        let mut filled = String::with_capacity(template.len());
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            filled.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after
                .find('}')
                .and_then(|close| values.iter().find(|(name, _)| *name == &after[..close]).map(|(_, v)| (close, *v)));
            match value {
                Some((close, value)) => {
                    filled.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    filled.push('{');
                    rest = after;
                }
            }
        }
        filled.push_str(rest);
        filled
    }

    /// Everything wrong with the catalog's bundled files, one line each: a file that is missing from the bundle
    /// or does not parse, a key missing from or added to a translation, an empty text, or a translation whose
    /// `{placeholders}` differ from the Japanese. Empty when all is well; each catalog's tests assert that (a
    /// catalog loading its files at run time checks a [`Catalog::new`] over the same files).
    pub fn completeness_problems(&self) -> Vec<String> {
        let parse = |lang: Lang| match self.source(lang) {
            Some(source) => serde_json::from_str::<HashMap<String, String>>(source)
                .map_err(|error| format!("{} does not parse: {error}", lang.tag())),
            None => Err(format!("{} is not in the bundle", lang.tag())),
        };
        let reference = match parse(Lang::Ja) {
            Ok(reference) => reference,
            Err(problem) => return vec![problem],
        };
        let mut problems = Vec::new();
        for &lang in self.langs() {
            let table = match parse(lang) {
                Ok(table) => table,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            let keys: BTreeSet<&String> = reference.keys().chain(table.keys()).collect();
            for key in keys {
                match (reference.get(key), table.get(key)) {
                    (Some(_), None) => problems.push(format!("{}: missing {key}", lang.tag())),
                    (None, Some(_)) => problems.push(format!("{}: extra {key}", lang.tag())),
                    (Some(japanese), Some(translated)) => {
                        if translated.trim().is_empty() {
                            problems.push(format!("{}: empty {key}", lang.tag()));
                        }
                        if placeholders(japanese) != placeholders(translated) {
                            problems.push(format!("{}: placeholders of {key} differ from the Japanese", lang.tag()));
                        }
                    }
                    (None, None) => {}
                }
            }
        }
        problems
    }
}

/// The `{name}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect()
}

/// A whole number of yen with thousands separators: 10000 → `10,000`.
pub fn yen(amount: u32) -> String {
    let digits = amount.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_catalog_reports_each_problem() {
        const JA: &str = r#"{"a.one": "一 {n}", "a.two": "二"}"#;
        let broken = Catalog::new([JA, r#"{"a.one": "one", "a.three": "three"}"#, JA, "{not json", JA]);
        let problems = broken.completeness_problems();
        assert!(problems.contains(&"en: missing a.two".to_owned()), "{problems:?}");
        assert!(problems.contains(&"en: extra a.three".to_owned()), "{problems:?}");
        assert!(problems.contains(&"en: placeholders of a.one differ from the Japanese".to_owned()), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("ko does not parse")), "{problems:?}");
        assert_eq!(problems.len(), 4, "{problems:?}");
        // The broken file still answers, from Japanese and then from the key.
        assert_eq!(broken.text(Lang::Ko, "a.two"), "二");
        assert_eq!(broken.fill(Lang::Ko, "a.one", &[("n", "1")]), "一 1");
        assert_eq!(broken.text(Lang::En, "a.none"), "a.none");
    }

    #[test]
    fn fill_replaces_each_placeholder_once_and_leaves_values_as_they_are() {
        let catalog = Catalog::new([r#"{"k": "{name}（{number}）{unknown}"}"#; 5]);
        assert_eq!(catalog.fill(Lang::Ja, "k", &[("name", "a{number}"), ("number", "01")]), "a{number}（01）{unknown}");
        assert_eq!(catalog.fill(Lang::En, "k", &[]), "{name}（{number}）{unknown}");
    }

    #[test]
    fn a_catalog_of_more_languages_checks_each_and_a_shorter_one_reads_japanese_for_the_rest() {
        const JA: &str = r#"{"a": "あ"}"#;
        let ten = Catalog::new([JA, JA, JA, JA, JA, JA, r#"{"b": "b"}"#, JA, JA, JA]);
        assert_eq!(ten.completeness_problems(), ["fil: missing a", "fil: extra b"]);
        let five = Catalog::new([JA; 5]);
        assert_eq!(five.text(Lang::Ne, "a"), "あ");
        assert_eq!(five.langs(), Lang::ALL);
    }

    #[test]
    fn a_japanese_only_catalog_reads_japanese_until_a_language_is_loaded_and_keeps_it() {
        let catalog: Catalog<5> = Catalog::japanese_only(r#"{"a": "あ", "b": "い {n}"}"#);
        assert!(catalog.has(Lang::Ja));
        assert!(!catalog.has(Lang::En));
        assert_eq!(catalog.text(Lang::En, "a"), "あ");
        catalog.load(Lang::En, r#"{"a": "a"}"#).unwrap();
        assert!(catalog.has(Lang::En));
        assert_eq!(catalog.text(Lang::En, "a"), "a");
        // A key the loaded file lacks still reads Japanese, never a blank.
        assert_eq!(catalog.fill(Lang::En, "b", &[("n", "1")]), "い 1");
        // Loaded once for the page's life: a later file for the language changes nothing.
        catalog.load(Lang::En, r#"{"a": "other"}"#).unwrap();
        assert_eq!(catalog.text(Lang::En, "a"), "a");
        // The other languages are untouched.
        assert!(!catalog.has(Lang::Ko));
        assert_eq!(catalog.source(Lang::En), None);
        assert_eq!(
            catalog.completeness_problems(),
            [
                "en is not in the bundle",
                "zh-Hans is not in the bundle",
                "ko is not in the bundle",
                "vi is not in the bundle"
            ]
        );
    }

    #[test]
    fn a_file_that_is_no_object_of_texts_is_refused_and_changes_nothing() {
        let catalog: Catalog<5> = Catalog::japanese_only(r#"{"a": "あ"}"#);
        for unreadable in ["<!doctype html><p>Not found", r#"{"a": 1}"#, "[]", ""] {
            assert_eq!(catalog.load(Lang::Ko, unreadable), Err(WebError::TextsUnreadable(Lang::Ko)), "{unreadable}");
        }
        assert!(!catalog.has(Lang::Ko));
        assert_eq!(catalog.text(Lang::Ko, "a"), "あ");
        // A language the catalog does not have is refused too; it keeps reading Japanese.
        assert_eq!(catalog.load(Lang::Ne, r#"{"a": "a"}"#), Err(WebError::TextsUnreadable(Lang::Ne)));
        assert!(!catalog.has(Lang::Ne));
        assert_eq!(WebError::TextsUnreadable(Lang::PtBr).to_string(), "the texts of pt-BR cannot be read");
    }

    #[test]
    fn tags_round_trip_and_unknown_tags_are_refused() {
        for lang in Lang::PATIENT {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(Lang::from_tag("zh-hans"), Some(Lang::ZhHans));
        assert_eq!(Lang::from_tag("pt-br"), Some(Lang::PtBr));
        assert_eq!(Lang::from_tag("fr"), None);
    }

    #[test]
    fn yen_amounts_are_grouped_by_thousands() {
        assert_eq!(yen(0), "0");
        assert_eq!(yen(999), "999");
        assert_eq!(yen(10_000), "10,000");
        assert_eq!(yen(1_234_567), "1,234,567");
    }
}
