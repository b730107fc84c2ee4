//! カナ氏名 as the XmlMsg carries it (`NameKana`): half-width katakana with an ASCII space between family and given
//! name (qualification-domain.md §1.5). Insurers register kana in either width, and in hiragana now and then; this
//! writes any of them in the one form the national message uses.
//!
//! Pure: text in, text out.

/// Full-width katakana U+30A1..=U+30F6 in code order, each as its half-width spelling ("" where none exists).
const HALF_WIDTH: [&str; 86] = [
    "ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ", // ァ ア ィ イ ゥ ウ ェ エ ォ オ
    "ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ", "ｹ", "ｹﾞ", "ｺ", "ｺﾞ", // カ … ゴ
    "ｻ", "ｻﾞ", "ｼ", "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ", // サ … ゾ
    "ﾀ", "ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ", "ﾄﾞ", // タ … ド
    "ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ", // ナ … ノ
    "ﾊ", "ﾊﾞ", "ﾊﾟ", "ﾋ", "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ", "ﾍﾞ", "ﾍﾟ", "ﾎ", "ﾎﾞ", "ﾎﾟ", // ハ … ポ
    "ﾏ", "ﾐ", "ﾑ", "ﾒ", "ﾓ", // マ … モ
    "ｬ", "ﾔ", "ｭ", "ﾕ", "ｮ", "ﾖ", // ャ … ヨ
    "ﾗ", "ﾘ", "ﾙ", "ﾚ", "ﾛ", // ラ … ロ
    "ﾜ", "ﾜ", "ｲ", "ｴ", "ｦ", "ﾝ", "ｳﾞ", "ｶ", "ｹ", // ヮ ワ ヰ ヱ ヲ ン ヴ ヵ ヶ
];

/// `kana` in half-width katakana: hiragana and full-width katakana narrowed (a voiced sound becomes its base and
/// ﾞ or ﾟ), the ideographic space and every other space become one ASCII space, full-width Latin letters and digits
/// become ASCII, and anything already half-width stays as it is.
pub fn half_width_kana(kana: &str) -> String {
    let mut out = String::with_capacity(kana.len());
    for c in kana.chars() {
        let code = u32::from(c);
        // Hiragana ぁ..ゖ sit 0x60 below the katakana ァ..ヶ.
        let katakana = if (0x3041..=0x3096).contains(&code) { code + 0x60 } else { code };
        match katakana {
            0x30A1..=0x30F6 => out.push_str(HALF_WIDTH[(katakana - 0x30A1) as usize]),
            0x30FC => out.push('ｰ'),
            0x30FB => out.push('･'),
            0x309B | 0x3099 => out.push('ﾞ'),
            0x309C | 0x309A => out.push('ﾟ'),
            0xFF01..=0xFF5E => out.extend(char::from_u32(code - 0xFEE0)),
            _ if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ => out.push(c),
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_and_script_becomes_half_width_katakana_with_an_ascii_space() {
        assert_eq!(half_width_kana("ヤマダ　タロウ"), "ﾔﾏﾀﾞ ﾀﾛｳ");
        assert_eq!(half_width_kana("ﾔﾏﾀﾞ ﾀﾛｳ"), "ﾔﾏﾀﾞ ﾀﾛｳ");
        assert_eq!(half_width_kana("ぱぴぷぺぽ　ゔぁ"), "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ｳﾞｧ");
        assert_eq!(half_width_kana("ジョン・スミス　ＪＲ"), "ｼﾞｮﾝ･ｽﾐｽ JR");
        assert_eq!(half_width_kana("キャッシュ ー ヲヴ"), "ｷｬｯｼｭ ｰ ｦｳﾞ");
        assert_eq!(half_width_kana(" シケン　\u{3000}ハナコ "), "ｼｹﾝ ﾊﾅｺ");
    }

    #[test]
    fn the_table_covers_every_full_width_katakana_with_half_width_text() {
        for (offset, half) in HALF_WIDTH.iter().enumerate() {
            assert!(!half.is_empty(), "U+{:04X}", 0x30A1 + offset);
            assert!(half.chars().all(|c| ('\u{FF61}'..='\u{FF9F}').contains(&c)), "{half}");
        }
    }
}
