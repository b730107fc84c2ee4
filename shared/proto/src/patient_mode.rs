//! How the patient used the kiosk: the language of its screens and the aids they turned on (voice guidance, large
//! text, high contrast). The kiosk sends it with the qualification, the origin keeps it on the check-in row, and the
//! staff console shows it, so the receptionist who comes to help speaks the patient's language and knows they
//! listened rather than read. It names nobody and says nothing of health.

use serde::{Deserialize, Serialize};

/// A language of the kiosk's screens, by its BCP 47 tag (as the kiosk's `lang` attribute writes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
pub enum PatientLanguage {
    /// 日本語.
    #[serde(rename = "ja")]
    #[strum(serialize = "ja")]
    Japanese,
    /// English.
    #[serde(rename = "en")]
    #[strum(serialize = "en")]
    English,
    /// 简体中文.
    #[serde(rename = "zh-Hans")]
    #[strum(serialize = "zh-Hans")]
    SimplifiedChinese,
    /// 한국어.
    #[serde(rename = "ko")]
    #[strum(serialize = "ko")]
    Korean,
    /// Tiếng Việt.
    #[serde(rename = "vi")]
    #[strum(serialize = "vi")]
    Vietnamese,
    /// Português (Brasil).
    #[serde(rename = "pt-BR")]
    #[strum(serialize = "pt-BR")]
    BrazilianPortuguese,
    /// Filipino.
    #[serde(rename = "fil")]
    #[strum(serialize = "fil")]
    Filipino,
    /// नेपाली.
    #[serde(rename = "ne")]
    #[strum(serialize = "ne")]
    Nepali,
    /// Bahasa Indonesia.
    #[serde(rename = "id")]
    #[strum(serialize = "id")]
    Indonesian,
    /// やさしい日本語 with ふりがな.
    #[serde(rename = "ja-x-easy")]
    #[strum(serialize = "ja-x-easy")]
    PlainJapanese,
}

crate::wire_enum::wire_text!(PatientLanguage);

/// An aid the patient turned on at the kiosk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum PatientAid {
    /// 音声案内: the screens were spoken.
    Voice,
    /// 文字を大きく.
    LargeText,
    /// 白黒反転.
    HighContrast,
}

crate::wire_enum::wire_text!(PatientAid);

/// The patient's language and aids at the kiosk. The aids are kept sorted and without repeats however they arrive,
/// so one mode has one form on the wire and in the database.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(from = "PatientModeWire")]
pub struct PatientMode {
    /// The language of the screens when the patient checked in; none from a kiosk that did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<PatientLanguage>,
    /// The aids on, sorted, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aids: Vec<PatientAid>,
}

/// [`PatientMode`] as it may arrive: aids in any order, possibly repeated.
#[derive(Deserialize)]
struct PatientModeWire {
    #[serde(default)]
    language: Option<PatientLanguage>,
    #[serde(default)]
    aids: Vec<PatientAid>,
}

impl From<PatientModeWire> for PatientMode {
    fn from(wire: PatientModeWire) -> Self {
        Self::new(wire.language, wire.aids)
    }
}

impl PatientMode {
    /// The mode with `aids` sorted and each kept once.
    pub fn new(language: Option<PatientLanguage>, mut aids: Vec<PatientAid>) -> Self {
        aids.sort_unstable();
        aids.dedup();
        Self { language, aids }
    }

    /// True when the kiosk said nothing (a kiosk from before this field).
    pub fn is_unknown(&self) -> bool {
        self.language.is_none() && self.aids.is_empty()
    }

    /// The aids as one text column: their wire names joined by commas, or `None` when there are none.
    pub fn aids_text(&self) -> Option<String> {
        (!self.aids.is_empty()).then(|| self.aids.iter().map(|aid| aid.as_str()).collect::<Vec<_>>().join(","))
    }

    /// Reads the columns [`PatientMode::aids_text`] and the language's wire name wrote; `None` when one is not.
    pub fn from_columns(language: Option<&str>, aids: Option<&str>) -> Option<Self> {
        let language = language.map(str::parse).transpose().ok()?;
        let aids = aids
            .filter(|text| !text.is_empty())
            .map(|text| text.split(',').map(str::parse).collect::<Result<Vec<PatientAid>, _>>())
            .transpose()
            .ok()?
            .unwrap_or_default();
        Some(Self::new(language, aids))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn a_mode_has_one_form_however_it_arrives() {
        let mode: PatientMode =
            serde_json::from_str(r#"{"language":"vi","aids":["voice","high_contrast","voice"]}"#).unwrap();
        assert_eq!(
            mode,
            PatientMode::new(Some(PatientLanguage::Vietnamese), vec![PatientAid::Voice, PatientAid::HighContrast])
        );
        assert_eq!(mode.aids, [PatientAid::Voice, PatientAid::HighContrast]);
        assert_eq!(serde_json::to_string(&mode).unwrap(), r#"{"language":"vi","aids":["voice","high_contrast"]}"#);
        let unknown: PatientMode = serde_json::from_str("{}").unwrap();
        assert!(unknown.is_unknown());
        assert_eq!(serde_json::to_string(&unknown).unwrap(), "{}");
    }

    #[test]
    fn only_the_kiosk_languages_and_aids_are_read() {
        for refused in
            [r#"{"language":"fr"}"#, r#"{"language":"JA"}"#, r#"{"aids":["braille"]}"#, r#"{"aids":"voice"}"#]
        {
            assert!(serde_json::from_str::<PatientMode>(refused).is_err(), "{refused}");
        }
        let tags: Vec<&str> = PatientLanguage::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(tags, ["ja", "en", "zh-Hans", "ko", "vi", "pt-BR", "fil", "ne", "id", "ja-x-easy"]);
    }

    #[test]
    fn the_columns_read_back_what_was_written() {
        let mode =
            PatientMode::new(Some(PatientLanguage::PlainJapanese), vec![PatientAid::LargeText, PatientAid::Voice]);
        let language = mode.language.map(PatientLanguage::as_str);
        let aids = mode.aids_text();
        assert_eq!(aids.as_deref(), Some("voice,large_text"));
        assert_eq!(PatientMode::from_columns(language, aids.as_deref()), Some(mode));
        assert_eq!(PatientMode::from_columns(None, None), Some(PatientMode::default()));
        assert_eq!(PatientMode::from_columns(Some("fr"), None), None);
        assert_eq!(PatientMode::from_columns(None, Some("voice,braille")), None);
    }
}
