//! Screen text. Every string a person reads comes from resource files, one JSON object per language; Japanese is
//! the reference and the fallback. [`KIOSK`] (`kiosk/locales/`) is the patient kiosk's [`Catalog`] (the type is
//! shared with the staff console, which has its own catalog, so neither bundle carries the other's texts). Only
//! the Japanese file is in the bundle; the site serves the others at [`locale_path`], and the kiosk hands each one
//! to [`KIOSK`] once fetched (`crate::platform::locales`), so a language reads Japanese until its file is loaded.
//!
//! Pure and tested natively. Must not: read the page or hold state beyond the parsed catalog.

use onshi_proto::origin::RegistrationOutcome;
use onshi_proto::qualification::Validity;
pub use onshi_web::i18n::{Catalog, Lang, yen};

/// The patient kiosk's texts (`kiosk/locales/`), one file for each language of [`Lang::PATIENT`]: the Japanese in
/// the bundle, the others loaded when fetched. The bundle's wasm stays within its budget by carrying one file, not
/// ten (together about 59 KB gzipped).
pub static KIOSK: Catalog<10> = Catalog::japanese_only(include_str!("../locales/ja.json"));

/// Where the site serves the resource file of `lang` (`cargo xtask build` copies `kiosk/locales/` there), on the
/// page's own origin, which is also the Isolated Web App's.
pub fn locale_path(lang: Lang) -> String {
    format!("/locales/kiosk/{}.json", lang.tag())
}

/// Every resource file of the kiosk as written, for the tests that check each key in each language.
#[cfg(test)]
pub(crate) const EVERY_SET: [&str; 10] = [
    include_str!("../locales/ja.json"),
    include_str!("../locales/en.json"),
    include_str!("../locales/zh-Hans.json"),
    include_str!("../locales/ko.json"),
    include_str!("../locales/vi.json"),
    include_str!("../locales/pt-BR.json"),
    include_str!("../locales/fil.json"),
    include_str!("../locales/ne.json"),
    include_str!("../locales/id.json"),
    include_str!("../locales/ja-x-easy.json"),
];

/// [`KIOSK`] with every language loaded, as a kiosk is once the patient chose each of them: the tests that read
/// every language's texts through [`text`] begin here.
#[cfg(test)]
pub(crate) fn every_set_loaded() -> &'static Catalog<10> {
    for (lang, source) in Lang::PATIENT.into_iter().zip(EVERY_SET) {
        KIOSK.load(lang, source).expect("every resource file is a JSON object of texts");
    }
    &KIOSK
}

/// The kiosk's text for `key` in `lang`, falling back to Japanese, then to the key itself; as plain text (a
/// reading written over kanji is left out), for attributes, the voice and tests.
pub fn text(lang: Lang, key: &str) -> String {
    plain(&KIOSK.text(lang, key))
}

/// The kiosk's text for `key` with each `{name}` placeholder replaced by its value, as plain text.
pub fn text_with(lang: Lang, key: &str, values: &[(&str, &str)]) -> String {
    plain(&KIOSK.fill(lang, key, values))
}

/// The kiosk's text for `key` with `{n}` replaced by `n`, as plain text.
pub fn text_n(lang: Lang, key: &str, n: impl std::fmt::Display) -> String {
    plain(&KIOSK.fill(lang, key, &[("n", &n.to_string())]))
}

/// The kiosk's text for `key` as written, readings included (`[漢字|かんじ]`), for [`segments`].
pub fn marked(lang: Lang, key: &str) -> String {
    KIOSK.text(lang, key)
}

/// The kiosk's text for `key` with `{n}` replaced by `n`, readings included.
pub fn marked_n(lang: Lang, key: &str, n: impl std::fmt::Display) -> String {
    KIOSK.fill(lang, key, &[("n", &n.to_string())])
}

/// A piece of a text: some characters, and the reading shown over them (ふりがな) when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    /// The characters as written.
    pub base: &'a str,
    /// Their reading in kana, shown over them as ruby.
    pub reading: Option<&'a str>,
}

/// A text cut into its pieces: `[漢字|かんじ]` marks a reading over the characters before the bar. A bracket that
/// is not such a mark stays as it is.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let mark = after.find(']').and_then(|close| after[..close].split_once('|').map(|(b, r)| (close, b, r)));
        match mark {
            Some((close, base, reading)) if !base.is_empty() && !reading.is_empty() => {
                if open > 0 {
                    pieces.push(Segment { base: &rest[..open], reading: None });
                }
                pieces.push(Segment { base, reading: Some(reading) });
                rest = &after[close + 1..];
            }
            _ => {
                pieces.push(Segment { base: &rest[..=open], reading: None });
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        pieces.push(Segment { base: rest, reading: None });
    }
    pieces
}

/// A text without its readings: what is read aloud, and what an attribute holds.
pub fn plain(text: &str) -> String {
    if !text.contains('|') {
        return text.to_owned();
    }
    segments(text).iter().map(|segment| segment.base).collect()
}

/// The resource key of an answer's validity.
pub fn validity_key(validity: Validity) -> &'static str {
    match validity {
        Validity::Valid => "validity.valid",
        Validity::Invalid => "validity.invalid",
        Validity::InvalidNewerExists => "validity.invalid_newer",
        Validity::NoQualification => "validity.no_qualification",
        Validity::MultipleMatches => "validity.multiple",
    }
}

/// The sentence that says what a cancellation did.
pub fn cancelled_key(outcome: onshi_proto::withdrawal::RegistrationCancelOutcome) -> &'static str {
    match outcome {
        onshi_proto::withdrawal::RegistrationCancelOutcome::Cancelled => "cancel.cancelled",
        onshi_proto::withdrawal::RegistrationCancelOutcome::NotRegistered => "cancel.not_registered",
    }
}

/// The sentence that says what a withdrawal stopped: the consents, or that none was live (nothing was shared).
pub fn withdrawn_key(withdrawn: &[onshi_proto::origin::ConsentKind]) -> &'static str {
    if withdrawn.is_empty() { "withdraw.done_nothing" } else { "withdraw.done_body" }
}

/// The resource key naming what a facility read, in the patient's access log.
pub fn access_kind_key(kind: onshi_proto::access_log::AccessKind) -> &'static str {
    use onshi_proto::access_log::AccessKind;
    match kind {
        AccessKind::Qualification => "access_log.kind.qualification",
        AccessKind::VisualCheck => "access_log.kind.visual_check",
        AccessKind::Medication => "access_log.kind.medication",
        AccessKind::HealthCheckup => "access_log.kind.health_checkup",
        AccessKind::Diagnosis => "access_log.kind.diagnosis",
        AccessKind::Operation => "access_log.kind.operation",
    }
}

/// The resource key of the sentence that says how a registration ended.
pub fn registered_key(outcome: RegistrationOutcome) -> &'static str {
    match outcome {
        RegistrationOutcome::Registered => "register.registered",
        RegistrationOutcome::AlreadyRegistered => "register.already",
        RegistrationOutcome::NoInsuredRecord => "register.no_record",
        RegistrationOutcome::CertificateNotUsable => "register.not_usable",
    }
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
        // The kiosk has a resource file for every patient language, and each has every key of the Japanese.
        assert_eq!(KIOSK.langs(), Lang::PATIENT);
        assert_eq!(Catalog::new(EVERY_SET).completeness_problems(), Vec::<String>::new());
    }

    #[test]
    fn only_japanese_is_in_the_bundle_and_each_loaded_file_reads_as_written() {
        assert_eq!(KIOSK.source(Lang::Ja), Some(EVERY_SET[0]));
        assert!(Lang::PATIENT[1..].iter().all(|&lang| KIOSK.source(lang).is_none()));
        let bundled = Catalog::new(EVERY_SET);
        let loaded = every_set_loaded();
        let reference: HashMap<String, String> = serde_json::from_str(EVERY_SET[0]).unwrap();
        for lang in Lang::PATIENT {
            assert!(loaded.has(lang), "{lang:?}");
            for key in reference.keys() {
                assert_eq!(loaded.text(lang, key), bundled.text(lang, key), "{lang:?} {key}");
            }
        }
        assert_eq!(locale_path(Lang::PtBr), "/locales/kiosk/pt-BR.json");
    }

    #[test]
    fn every_placeholder_of_the_reference_is_kept_in_every_translation() {
        every_set_loaded();
        let reference: HashMap<String, String> = serde_json::from_str(EVERY_SET[0]).unwrap();
        for lang in Lang::PATIENT {
            for (key, japanese) in &reference {
                let translated = text(lang, key);
                assert_eq!(japanese.contains("{n}"), translated.contains("{n}"), "{lang:?} {key}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_unknown_keys_fall_back() {
        every_set_loaded();
        assert_eq!(text_n(Lang::Ja, "pin.tries_left", 2), "あと 2 回まちがえるとロックされます");
        assert_eq!(text(Lang::En, "no.such.key"), "no.such.key");
    }

    #[test]
    fn readings_are_cut_out_of_the_text_and_left_out_of_plain_text() {
        let text = "[受付|うけつけ]を します。[番号|ばんごう] [4|けた]";
        assert_eq!(
            segments(text),
            [
                Segment { base: "受付", reading: Some("うけつけ") },
                Segment { base: "を します。", reading: None },
                Segment { base: "番号", reading: Some("ばんごう") },
                Segment { base: " ", reading: None },
                Segment { base: "4", reading: Some("けた") },
            ]
        );
        assert_eq!(plain(text), "受付を します。番号 4");
        // Brackets that are no reading stay.
        assert_eq!(plain("[a] [|b] [c|]"), "[a] [|b] [c|]");
        assert_eq!(plain("no marks"), "no marks");
    }

    #[test]
    fn moments_are_shown_on_the_japanese_clock() {
        // 2026-12-03T15:15:00Z is a quarter past midnight on the 4th in Japan.
        assert_eq!(jst_date_time(1_796_310_900), "2026-12-04 00:15");
        assert_eq!(jst_date_time(0), "1970-01-01 09:00");
    }
}
