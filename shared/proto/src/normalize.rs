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
    let unified = text.chars().map(before_nfkc);
    let wide: Vec<char> = if unified.clone().all(stays_in_nfkc) {
        unified.filter(|c| !c.is_whitespace()).collect()
    } else {
        // A voiced mark that stood after a space joins its kana once the space is gone.
        unified.nfkc().filter(|c| !c.is_whitespace()).nfc().collect()
    };
    wide.into_iter().map(large_katakana).collect()
}

/// A kana as the key holds it: hiragana as katakana, small kana as large.
fn large_katakana(c: char) -> char {
    let katakana = match c {
        // Hiragana to katakana: the blocks are 0x60 apart.
        'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(u32::from(c) + 0x60).unwrap_or(c),
        other => other,
    };
    match katakana {
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
    }
}

/// True for a character that NFKC leaves as it is and never joins to a neighbour (its NFKC quick check is Yes and it
/// is a starter), and for the ideographic space, which NFKC makes a plain space: the characters of almost every
/// Japanese name and address (ASCII, kana, the common kanji). NFKC changes a text of only these in nothing but its
/// whitespace, which every key removes, so the keys skip the normalization for it: an insurer batch compares a
/// million records' items. The tests check each character of these ranges against the Unicode data.
fn stays_in_nfkc(c: char) -> bool {
    matches!(c, '\0'..='\u{7f}' | '\u{3000}' | '々' | '〆' | '〇' | 'ぁ'..='ゖ' | 'ゝ' | 'ゞ' | 'ァ'..='ヺ' | 'ー' | 'ヽ' | 'ヾ' | '一'..='\u{9fff}')
}

/// The text in NFKC with its whitespace removed: the first step of the kanji name's and the address's keys.
fn nfkc_without_whitespace(text: &str) -> Vec<char> {
    if text.chars().all(stays_in_nfkc) {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        text.nfkc().filter(|c| !c.is_whitespace()).collect()
    }
}

/// The comparison form of a kanji name: NFKC, whitespace removed.
pub fn name_key(text: &str) -> Vec<char> {
    nfkc_without_whitespace(text)
}

/// True when a kanji name holds a placeholder for a 外字 (●, 〓) that the sender could not encode.
pub fn has_gaiji(text: &str) -> bool {
    text.chars().any(|c| GAIJI_PLACEHOLDERS.contains(&c))
}

/// Compares two kanji names; see [`NameComparison`].
pub fn compare_names(left: &str, right: &str) -> NameComparison {
    compare_name_keys(&name_key(left), &name_key(right))
}

/// Compares two kanji names already in their comparison form ([`name_key`]); see [`NameComparison`].
pub fn compare_name_keys(left: &[char], right: &[char]) -> NameComparison {
    if left.len() != right.len() {
        return NameComparison::Different;
    }
    let mut saw_placeholder = false;
    for (a, b) in left.iter().zip(right) {
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
    let chars = nfkc_without_whitespace(text);
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while let Some(rest) = chars.get(index..) {
        let Some(&c) = rest.first() else { break };
        if let Some((value, used)) = kanji_number(rest) {
            out.push_str(&value.to_string());
            index += used;
            continue;
        }
        if rest.starts_with(&['丁', '目']) || rest.starts_with(&['番', '地']) {
            push_separator(&mut out);
            index += 2;
            continue;
        }
        match c {
            '番' | '号' | '-' | 'ー' | '‐' | '―' | '\u{2212}' | '–' | '—' => push_separator(&mut out),
            // "1の2" is read as "1-2"; a の between other characters is part of a name (霞が関 / 霞ヶ関 aside).
            'の' if out.ends_with(|d: char| d.is_ascii_digit())
                && rest.get(1).is_some_and(|n| n.is_ascii_digit() || kanji_digit(*n).is_some()) =>
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
    match c {
        '〇' => Some(0),
        '一' => Some(1),
        '二' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    }
}

/// Reads a kanji numeral (一 … 九十九, with 十 and 百) at the start of `chars`: its value and how many characters it
/// used. Plain digit strings such as 二〇 are read digit by digit. A run too long for any address (ten digits and
/// more, as only a hostile sender writes) saturates rather than overflows.
fn kanji_number(chars: &[char]) -> Option<(u32, usize)> {
    let mut total = 0u32;
    let mut current = 0u32;
    let mut used = 0;
    for &c in chars {
        if let Some(digit) = kanji_digit(c) {
            current = current.saturating_mul(10).saturating_add(digit);
        } else if c == '十' || c == '百' {
            let unit = if c == '十' { 10 } else { 100 };
            total = total.saturating_add(if current == 0 { 1 } else { current }.saturating_mul(unit));
            current = 0;
        } else {
            break;
        }
        used += 1;
    }
    (used > 0).then_some((total.saturating_add(current), used))
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

    #[test]
    fn a_run_of_kanji_digits_too_long_for_any_address_gives_a_key() {
        let run = "九".repeat(40);
        assert_eq!(address_key(&format!("{run}番地")), u32::MAX.to_string());
        assert_eq!(address_key(&format!("九{}十", "九".repeat(12))), u32::MAX.to_string());
    }

    #[test]
    fn the_characters_passed_without_normalization_are_those_nfkc_keeps() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{IsNormalized, is_nfc_quick, is_nfkc_quick};
        let mut checked = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32).filter(|&c| stays_in_nfkc(c)) {
            checked += 1;
            if c == '\u{3000}' {
                assert_eq!(c.to_string().nfkc().collect::<String>(), " ");
                continue;
            }
            let alone = std::iter::once(c);
            assert_eq!(is_nfkc_quick(alone.clone()), IsNormalized::Yes, "{c:?}");
            // Not a character that may join the one before it.
            assert_eq!(is_nfc_quick(alone), IsNormalized::Yes, "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
        }
        assert_eq!(checked, 128 + 1 + 3 + 86 + 2 + 90 + 3 + 20_992);
    }

    /// The keys as first written: a full NFKC of every text, and the address read with a string made per character.
    /// The keys in use skip the normalization of a text the quick check finds normal and make nothing per
    /// character; these tests hold them to the same answers.
    mod reference {
        use unicode_normalization::UnicodeNormalization as _;

        use super::super::{before_nfkc, kanji_number, large_katakana, push_separator};

        /// Only the normalization is the reference's own: the kana mapping after it did not change.
        pub fn kana_key(text: &str) -> String {
            text.chars().map(before_nfkc).nfkc().filter(|c| !c.is_whitespace()).nfc().map(large_katakana).collect()
        }

        pub fn name_key(text: &str) -> Vec<char> {
            text.nfkc().filter(|c| !c.is_whitespace()).collect()
        }

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
                    '番' | '号' | '-' | 'ー' | '‐' | '―' | '\u{2212}' | '–' | '—' => {
                        push_separator(&mut out)
                    }
                    'の' if out.ends_with(|d: char| d.is_ascii_digit())
                        && chars
                            .get(index + 1)
                            .is_some_and(|n| n.is_ascii_digit() || "〇一二三四五六七八九".contains(*n)) =>
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
    }

    /// Texts of the pieces the keys treat specially, and their neighbours: kana of every width and size, voiced
    /// marks spacing, combining and alone (also after a space), long-vowel variants, whitespace of both widths,
    /// digits of both widths and in kanji, the address words, 外字 placeholders, and characters NFKC changes (a
    /// compatibility ideograph, a circled digit, full-width letters).
    fn mixed_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const PIECES: &[&str] = &[
            "ｱ",
            "ｶ",
            "ｷ",
            "ﾞ",
            "ﾟ",
            "ｯ",
            "ｮ",
            "ｰ",
            "ﾊﾟ",
            "ｶﾞ",
            "ア",
            "カ",
            "ガ",
            "ハ",
            "パ",
            "ッ",
            "ョ",
            "ヶ",
            "ヵ",
            "ヮ",
            "ヴ",
            "あ",
            "か",
            "が",
            "っ",
            "ゝ",
            "ゞ",
            "ゖ",
            "ゔ",
            "゛",
            "゜",
            "\u{3099}",
            "\u{309A}",
            " \u{3099}",
            "カ゛",
            "ハ ゜",
            "ー",
            "－",
            "‐",
            "―",
            "～",
            "〜",
            "\u{2212}",
            "-",
            "~",
            "–",
            "—",
            " ",
            "\u{3000}",
            "\t",
            "0",
            "1",
            "9",
            "０",
            "１",
            "９",
            "〇",
            "一",
            "二",
            "九",
            "十",
            "百",
            "二十三",
            "丁目",
            "番地",
            "丁",
            "目",
            "番",
            "地",
            "号",
            "の",
            "ケ",
            "東京都",
            "霞",
            "関",
            "●",
            "〓",
            "髙",
            "\u{F900}",
            "①",
            "Ａ",
            "a",
            "㈱",
        ];
        proptest::collection::vec(proptest::sample::select(PIECES), 0..16).prop_map(|pieces| pieces.concat())
    }

    mod same_as_reference {
        use proptest::prelude::*;

        use super::super::{address_key, kana_key, name_key};
        use super::{mixed_text, reference};

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]
            #[test]
            fn every_key_is_the_reference_key(text in mixed_text()) {
                prop_assert_eq!(kana_key(&text), reference::kana_key(&text));
                prop_assert_eq!(name_key(&text), reference::name_key(&text));
                prop_assert_eq!(address_key(&text), reference::address_key(&text));
            }
        }

        #[test]
        fn the_notations_the_checks_meet_keep_their_reference_keys() {
            for text in [
                "東京都千代田区霞が関一丁目2番3号",
                "東京都 千代田区 霞が関一丁目二番地三",
                "大阪市北区梅田二十三番地",
                "横浜市1の2",
                "ｼﾝﾘｮｳ ﾀﾛｳ",
                "しんりょう　たろう",
                "カ゛ッコウ",
                "ハ ゙ーク",
                "髙橋　一郎",
                "●橋　一郎",
            ] {
                assert_eq!(kana_key(text), reference::kana_key(text), "{text}");
                assert_eq!(name_key(text), reference::name_key(text), "{text}");
                assert_eq!(address_key(text), reference::address_key(text), "{text}");
            }
        }
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
