//! Name, kana and address normalization for identity matching (the domain notes §3.2).
//!
//! The raw form is always kept; these functions only give the form two values are compared in. Kana: NFKC (so
//! half-width becomes full-width), hiragana to katakana, whitespace removed, small kana made large, long-vowel
//! variants unified. Kanji names: NFKC and whitespace removed, and a `●` or `〓` (a 外字 the sender could not
//! encode) never equals a real character. Addresses: NFKC, whitespace removed, kanji numerals to digits, and
//! 丁目・番地・番・号・の and every dash variant read as one separator, so 一丁目2番3号 and 1-2-3 agree.
//!
//! Layer: pure, shared by the origin (an insurer batch's identity checks, the insurer console) and the staff console
//! (matching a national-reader result to the clinic's patients, [`crate::patient_match`]), so both compare names
//! the same way. Must not: do I/O, or decide a match (it only gives the forms values are compared in).

use unicode_normalization::UnicodeNormalization as _;

/// The characters senders put where a 外字 could not be encoded.
pub const GAIJI_PLACEHOLDERS: [char; 2] = ['●', '〓'];

/// How two kanji names compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameComparison {
    /// Equal after normalization, with no 外字 placeholder in either.
    Equal,
    /// Equal wherever both have a real character, but at least one position holds a 外字 placeholder: the names
    /// are compatible, yet the kanji name alone cannot confirm the match.
    CompatibleExceptGaiji,
    /// Different.
    Different,
}

/// Every way senders write the long-vowel mark (the domain notes §3.2 step 5, plus the wave dash and the ASCII
/// look-alikes that NFKC itself produces from the full-width forms).
pub const LONG_VOWEL_VARIANTS: [char; 13] =
    ['ー', 'ｰ', '－', '‐', '‑', '–', '—', '―', '～', '〜', '\u{2212}', '-', '~'];

/// The step before NFKC: long-vowel variants become `ー`, and a spacing voiced or semi-voiced mark (`゛` `゜`)
/// becomes its combining form so that NFKC joins it to the kana before it. Done first, every later step sees one
/// spelling. The pipeline would hold without the order, but only by the later steps' grace: the variant list also
/// holds the ASCII `~` and `-` that NFKC makes of `～` and `－`, and the whitespace removal drops the space NFKC
/// puts before a loose mark (`カ゛` → `カ ゙`) so that the last NFC can still join it.
fn before_nfkc(c: char) -> char {
    match c {
        c if LONG_VOWEL_VARIANTS.contains(&c) => 'ー',
        '\u{309B}' => '\u{3099}',
        '\u{309C}' => '\u{309A}',
        other => other,
    }
}

/// The comparison form of a katakana or hiragana name, by the domain notes' §3.2 pipeline: long-vowel and
/// voiced-mark variants unified, NFKC (half-width becomes full-width, NFD becomes composed), whitespace removed,
/// hiragana to katakana, small kana made large.
pub fn kana_key(text: &str) -> String {
    text.chars()
        .map(before_nfkc)
        .nfkc()
        .filter(|c| !c.is_whitespace())
        // A voiced mark that stood after a space joins its kana once the space is gone.
        .nfc()
        .map(|c| match c {
            // Hiragana to katakana: the blocks are 0x60 apart.
            'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(u32::from(c) + 0x60).unwrap_or(c),
            other => other,
        })
        .map(|c| match c {
            'ァ' => 'ア',
            'ィ' => 'イ',
            'ゥ' => 'ウ',
            'ェ' => 'エ',
            'ォ' => 'オ',
            'ッ' => 'ツ',
            'ャ' => 'ヤ',
            'ュ' => 'ユ',
            'ョ' => 'ヨ',
            'ヮ' => 'ワ',
            'ヵ' => 'カ',
            'ヶ' => 'ケ',
            other => other,
        })
        .collect()
}

/// The comparison form of a kanji name: NFKC, whitespace removed.
pub fn name_key(text: &str) -> Vec<char> {
    text.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// True when a kanji name holds a placeholder for a 外字 (●, 〓) that the sender could not encode.
pub fn has_gaiji(text: &str) -> bool {
    text.chars().any(|c| GAIJI_PLACEHOLDERS.contains(&c))
}

/// Compares two kanji names; see [`NameComparison`].
pub fn compare_names(left: &str, right: &str) -> NameComparison {
    let (left, right) = (name_key(left), name_key(right));
    if left.len() != right.len() {
        return NameComparison::Different;
    }
    let mut saw_placeholder = false;
    for (a, b) in left.iter().zip(&right) {
        let a_unknown = GAIJI_PLACEHOLDERS.contains(a);
        let b_unknown = GAIJI_PLACEHOLDERS.contains(b);
        if a_unknown || b_unknown {
            saw_placeholder = true;
        } else if a != b {
            return NameComparison::Different;
        }
    }
    if saw_placeholder { NameComparison::CompatibleExceptGaiji } else { NameComparison::Equal }
}

/// The comparison form of an address.
pub fn address_key(text: &str) -> String {
    let chars: Vec<char> = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::new();
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        if let Some((value, used)) = kanji_number(&chars[index..]) {
            out.push_str(&value.to_string());
            index += used;
            continue;
        }
        let rest: String = chars[index..].iter().take(2).collect();
        if rest == "丁目" || rest == "番地" {
            push_separator(&mut out);
            index += 2;
            continue;
        }
        match c {
            '番' | '号' | '-' | 'ー' | '‐' | '―' | '\u{2212}' | '–' | '—' => push_separator(&mut out),
            // "1の2" is read as "1-2"; a の between other characters is part of a name (霞が関 / 霞ヶ関 aside).
            'の' if out.ends_with(|d: char| d.is_ascii_digit())
                && chars.get(index + 1).is_some_and(|n| n.is_ascii_digit() || kanji_digit(*n).is_some()) =>
            {
                push_separator(&mut out);
            }
            'ヶ' | 'ケ' | 'が' | 'ガ' => out.push('ケ'),
            other => out.push(other),
        }
        index += 1;
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn push_separator(out: &mut String) {
    if !out.is_empty() && !out.ends_with('-') {
        out.push('-');
    }
}

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九".chars().position(|d| d == c).and_then(|p| u32::try_from(p).ok())
}

/// Reads a kanji numeral (一 … 九十九, with 十 and 百) at the start of `chars`: its value and how many characters it
/// used. Plain digit strings such as 二〇 are read digit by digit.
fn kanji_number(chars: &[char]) -> Option<(u32, usize)> {
    let mut total = 0u32;
    let mut current = 0u32;
    let mut used = 0;
    for &c in chars {
        if let Some(digit) = kanji_digit(c) {
            current = current * 10 + digit;
        } else if c == '十' || c == '百' {
            let unit = if c == '十' { 10 } else { 100 };
            total += if current == 0 { 1 } else { current } * unit;
            current = 0;
        } else {
            break;
        }
        used += 1;
    }
    (used > 0).then_some((total + current, used))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn half_width_full_width_hiragana_and_spacing_give_one_kana_key() {
        let key = kana_key("ｼﾝﾘｮｳ ﾀﾛｳ");
        assert_eq!(key, "シンリヨウタロウ");
        assert_eq!(kana_key("シンリョウ　タロウ"), key);
        assert_eq!(kana_key("しんりょう たろう"), key);
        assert_ne!(kana_key("ｼﾝﾘｮｳ ｼﾞﾛｳ"), key);
        assert_eq!(kana_key("ﾊﾟｰｸ"), kana_key("パ－ク"));
    }

    #[test]
    fn every_long_vowel_form_and_a_spacing_voiced_mark_give_one_key() {
        // The pair from the security review: a full-width wave dash that NFKC turns into ASCII before the mapping.
        assert_eq!(kana_key("ユーコ"), kana_key("ユ～コ"));
        for variant in LONG_VOWEL_VARIANTS {
            assert_eq!(kana_key(&format!("ユ{variant}コ")), "ユーコ", "{variant:?}");
        }
        assert_eq!(kana_key("カ゛ッコウ"), kana_key("ガッコウ"));
        assert_eq!(kana_key("ハ゜ーク"), kana_key("パーク"));
    }

    #[test]
    fn a_gaiji_placeholder_never_equals_a_real_character() {
        assert_eq!(compare_names("髙橋　一郎", "髙橋 一郎"), NameComparison::Equal);
        assert_eq!(compare_names("●橋　一郎", "髙橋　一郎"), NameComparison::CompatibleExceptGaiji);
        assert_eq!(compare_names("●橋　一郎", "●橋　一郎"), NameComparison::CompatibleExceptGaiji);
        assert_eq!(compare_names("●橋　一郎", "●橋　二郎"), NameComparison::Different);
        assert_eq!(compare_names("●橋　一郎", "橋　一郎"), NameComparison::Different);
        assert_ne!(compare_names("●", "髙"), NameComparison::Equal);
    }

    #[test]
    fn address_notation_variants_agree() {
        let canonical = address_key("東京都千代田区霞が関1-2-3");
        assert_eq!(address_key("東京都千代田区霞が関一丁目2番3号"), canonical);
        assert_eq!(address_key("東京都千代田区霞ヶ関１－２－３"), canonical);
        assert_eq!(address_key("東京都 千代田区 霞が関一丁目二番地三"), canonical);
        assert_eq!(address_key("東京都千代田区霞が関1丁目2-3"), canonical);
        assert_ne!(address_key("東京都千代田区霞が関1-2-4"), canonical);
        assert_eq!(address_key("大阪市北区梅田二十三番地"), address_key("大阪市北区梅田23"));
        assert_eq!(address_key("横浜市1の2"), address_key("横浜市1-2"));
    }

    /// Property tests over generated names: each §3.2 variant of a name keeps its key, and a different name does not
    /// share it.
    mod variants {
        use proptest::prelude::*;
        use unicode_normalization::UnicodeNormalization as _;

        use super::super::{LONG_VOWEL_VARIANTS, kana_key};
        use crate::kana_variants::{katakana_name, to_half_width, to_hiragana, to_small, with_long_vowel, with_spaces};

        proptest! {
            #[test]
            fn each_variant_of_a_name_keeps_its_key(
                name in katakana_name(),
                variant in proptest::sample::select(LONG_VOWEL_VARIANTS.to_vec()),
                every in 1usize..4,
            ) {
                let key = kana_key(&name);
                prop_assert_eq!(&kana_key(&to_half_width(&name)), &key, "half-width");
                prop_assert_eq!(&kana_key(&to_hiragana(&name)), &key, "hiragana");
                prop_assert_eq!(&kana_key(&to_small(&name)), &key, "small kana");
                prop_assert_eq!(&kana_key(&with_spaces(&name, every)), &key, "spaces");
                prop_assert_eq!(&kana_key(&with_long_vowel(&name, variant)), &key, "long vowel");
                prop_assert_eq!(&kana_key(&name.nfd().collect::<String>()), &key, "NFD");
                let all_at_once = with_spaces(&to_half_width(&with_long_vowel(&to_small(&name), variant)), every);
                prop_assert_eq!(&kana_key(&all_at_once), &key, "all together");
            }

            #[test]
            fn a_different_name_gets_a_different_key(name in katakana_name(), other in katakana_name()) {
                prop_assume!(kana_key(&to_small(&name)) != kana_key(&to_small(&other)));
                prop_assume!(to_small(&name) != to_small(&other));
                prop_assert_ne!(kana_key(&name), kana_key(&other));
            }
        }
    }
}
