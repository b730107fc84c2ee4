//! Synthetic names and addresses built from small tables of kanji with their readings.
//!
//! A family name is two elements and a given name is a stem and an ending, each element a kanji with its reading
//! in half-width katakana (dakuten as the separate half-width mark, as 中間サーバー data has it). Combinations are
//! not always real names, and readings ignore 連濁; they only need the registered shapes: kanji with U+3000 between
//! family and given name, kana with one ASCII space.

use super::SplitMix;

type Element = (&'static str, &'static str);

const FAMILY_FIRST: [Element; 16] = [
    ("山", "ﾔﾏ"),
    ("田", "ﾀ"),
    ("中", "ﾅｶ"),
    ("高", "ﾀｶ"),
    ("小", "ｺ"),
    ("大", "ｵｵ"),
    ("石", "ｲｼ"),
    ("松", "ﾏﾂ"),
    ("森", "ﾓﾘ"),
    ("川", "ｶﾜ"),
    ("藤", "ﾌｼﾞ"),
    ("木", "ｷ"),
    ("池", "ｲｹ"),
    ("岡", "ｵｶ"),
    ("長", "ﾅｶﾞ"),
    ("西", "ﾆｼ"),
];

const FAMILY_SECOND: [Element; 12] = [
    ("田", "ﾀﾞ"),
    ("川", "ｶﾜ"),
    ("本", "ﾓﾄ"),
    ("野", "ﾉ"),
    ("村", "ﾑﾗ"),
    ("井", "ｲ"),
    ("原", "ﾊﾗ"),
    ("島", "ｼﾏ"),
    ("崎", "ｻｷ"),
    ("山", "ﾔﾏ"),
    ("谷", "ﾀﾆ"),
    ("沢", "ｻﾜ"),
];

const MALE_STEM: [Element; 10] = [
    ("太", "ﾀ"),
    ("健", "ｹﾝ"),
    ("大", "ﾀﾞｲ"),
    ("翔", "ｼｮｳ"),
    ("誠", "ｾｲ"),
    ("和", "ｶｽﾞ"),
    ("浩", "ｺｳ"),
    ("拓", "ﾀｸ"),
    ("悠", "ﾕｳ"),
    ("正", "ﾏｻ"),
];

const MALE_ENDING: [Element; 6] = [("郎", "ﾛｳ"), ("一", "ｲﾁ"), ("介", "ｽｹ"), ("斗", "ﾄ"), ("樹", "ｷ"), ("也", "ﾔ")];

const FEMALE_STEM: [Element; 10] = [
    ("花", "ﾊﾅ"),
    ("美", "ﾐ"),
    ("愛", "ｱｲ"),
    ("陽", "ﾋ"),
    ("結", "ﾕｲ"),
    ("真", "ﾏ"),
    ("由", "ﾕ"),
    ("明", "ｱｷ"),
    ("千", "ﾁ"),
    ("優", "ﾕｳ"),
];

const FEMALE_ENDING: [Element; 6] = [("子", "ｺ"), ("奈", "ﾅ"), ("香", "ｶ"), ("菜", "ﾅ"), ("衣", "ｴ"), ("里", "ﾘ")];

const TOWNS: [&str; 8] = ["本町", "栄町", "緑町", "旭町", "若葉", "中央", "桜台", "港町"];

const KANJI_DIGITS: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];

fn pick<T: Copy, const N: usize>(rng: &mut SplitMix, table: &[T; N]) -> T {
    // `below(N)` is below N, so the index is in range; the fallback is never taken.
    let index = usize::try_from(rng.below(N as u64)).unwrap_or(0);
    table.get(index).copied().unwrap_or(table[0])
}

/// `(漢字氏名, カナ氏名)`.
pub(super) fn full_name(rng: &mut SplitMix, sex: onshi_proto::qualification::Sex) -> (String, String) {
    let (family_a, family_a_kana) = pick(rng, &FAMILY_FIRST);
    let (family_b, family_b_kana) = pick(rng, &FAMILY_SECOND);
    let ((stem, stem_kana), (ending, ending_kana)) = match sex {
        onshi_proto::qualification::Sex::Female => (pick(rng, &FEMALE_STEM), pick(rng, &FEMALE_ENDING)),
        _ => (pick(rng, &MALE_STEM), pick(rng, &MALE_ENDING)),
    };
    (
        format!("{family_a}{family_b}\u{3000}{stem}{ending}"),
        format!("{family_a_kana}{family_b_kana} {stem_kana}{ending_kana}"),
    )
}

/// An address in a fictitious city (架空市) of `prefecture`.
pub(super) fn address(rng: &mut SplitMix, prefecture: &str) -> String {
    let town = pick(rng, &TOWNS);
    let chome = pick(rng, &KANJI_DIGITS);
    let block = rng.below(30) + 1;
    let house = rng.below(40) + 1;
    format!("{prefecture}架空市{town}{chome}丁目{block}番{house}号")
}
