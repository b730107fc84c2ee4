//! The ways one kana name is written, for property tests: half-width, hiragana, small kana, spaces, every
//! long-vowel form and NFD. The name key's tests ([`crate::normalize`]) and the patient match's tests
//! ([`crate::patient_match`]) generate names and their variants here, so both test the same forms.
//!
//! Layer: test support only (compiled for this crate's tests). Must not: be used by code that ships.

use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization as _;

/// Full-width katakana that names are written in; small kana and ー included (ー last).
pub const KATAKANA: &str = "アイウエオカキクケコガギグゲゴサシスセソザジズゼゾタチツテトダヂヅデドナニヌネノ\
    ハヒフヘホバビブベボパピプペポマミムメモヤユヨラリルレロワヲンヴャュョッァィゥェォー";

/// A katakana name of one to nine letters, never starting with the long-vowel mark.
pub fn katakana_name() -> impl Strategy<Value = String> {
    let letters: Vec<char> = KATAKANA.chars().collect();
    (
        proptest::sample::select(letters[..letters.len() - 1].to_vec()),
        proptest::collection::vec(proptest::sample::select(letters), 0..9),
    )
        .prop_map(|(first, rest)| std::iter::once(first).chain(rest).collect())
}

/// Half-width katakana for a full-width one, found by asking NFKC which half-width form becomes it.
fn half_width(c: char) -> Option<char> {
    ('\u{FF61}'..='\u{FF9F}').find(|&half| {
        let mut composed = std::iter::once(half).nfkc();
        composed.next() == Some(c) && composed.next().is_none()
    })
}

/// The name in half-width katakana, a voiced letter as its base and a separate mark (ｶﾞ).
pub fn to_half_width(text: &str) -> String {
    text.nfd()
        .map(|c| match c {
            '\u{3099}' => '\u{FF9E}',
            '\u{309A}' => '\u{FF9F}',
            other => half_width(other).unwrap_or(other),
        })
        .collect()
}

/// The name in hiragana.
pub fn to_hiragana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(u32::from(c) - 0x60).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// The name with every letter that has a small form written small (as old registers and some readers do).
pub fn to_small(text: &str) -> String {
    const PAIRS: [(char, char); 12] = [
        ('ア', 'ァ'),
        ('イ', 'ィ'),
        ('ウ', 'ゥ'),
        ('エ', 'ェ'),
        ('オ', 'ォ'),
        ('ツ', 'ッ'),
        ('ヤ', 'ャ'),
        ('ユ', 'ュ'),
        ('ヨ', 'ョ'),
        ('ワ', 'ヮ'),
        ('カ', 'ヵ'),
        ('ケ', 'ヶ'),
    ];
    text.chars().map(|c| PAIRS.iter().find(|(large, _)| *large == c).map_or(c, |(_, small)| *small)).collect()
}

/// The name with a half-width or an ideographic space before every `every + 1` letters.
pub fn with_spaces(text: &str, every: usize) -> String {
    text.chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let space = match i % (every + 1) {
                0 => Some(' '),
                1 => Some('\u{3000}'),
                _ => None,
            };
            space.into_iter().chain(std::iter::once(c))
        })
        .collect()
}

/// The name with its long-vowel marks written as `variant`.
pub fn with_long_vowel(text: &str, variant: char) -> String {
    text.chars().map(|c| if c == 'ー' { variant } else { c }).collect()
}
