//! The XmlMsg in Shift_JIS (`CharacterCodeIdentifier` 1), the encoding the facilities' tools write and read
//! (system-2026.md §2.1).
//!
//! The rule for a character Shift_JIS cannot carry: it is written `●` (U+25CF, 0x819C), exactly as the national
//! system writes a 外字 it cannot show (qualification-domain.md §0.4), so a reader already handles it. "Shift_JIS"
//! here means JIS X 0208 as every Shift_JIS decoder reads it: the Windows extensions (NEC row 13, the IBM kanji, lead
//! bytes 0x87, 0xED, 0xEE and 0xFA–0xFC) are decoded by some readers and refused by others, so their characters
//! (①, 髙, 﨑 …) become `●` too. The UTF-8 form of the same answer keeps every character.
//!
//! Pure: text in, bytes out.

use encoding_rs::SHIFT_JIS;

/// What a character Shift_JIS cannot carry becomes.
pub const UNREPRESENTABLE: char = '●';

/// Lead bytes of the Windows (CP932) extensions to JIS X 0208.
const EXTENSION_LEAD_BYTES: [u8; 6] = [0x87, 0xED, 0xEE, 0xFA, 0xFB, 0xFC];

/// True when `c` has a JIS X 0208 Shift_JIS code.
pub fn is_shift_jis(c: char) -> bool {
    let mut buffer = [0; 4];
    let (bytes, _, unmappable) = SHIFT_JIS.encode(c.encode_utf8(&mut buffer));
    !unmappable && bytes.first().is_some_and(|lead| !EXTENSION_LEAD_BYTES.contains(lead))
}

/// `text` with every character Shift_JIS cannot carry replaced by [`UNREPRESENTABLE`].
pub fn representable(text: &str) -> String {
    text.chars().map(|c| if is_shift_jis(c) { c } else { UNREPRESENTABLE }).collect()
}

/// `document` encoded in Shift_JIS after [`representable`]; the caller writes the matching XML declaration.
pub fn encode(document: &str) -> Vec<u8> {
    let text = representable(document);
    let (bytes, _, unmappable) = SHIFT_JIS.encode(&text);
    debug_assert!(!unmappable, "every character was checked to be representable");
    bytes.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_outside_jis_x_0208_become_the_gaiji_mark() {
        assert_eq!(representable("山田　太郎 ﾔﾏﾀﾞ ﾀﾛｳ"), "山田　太郎 ﾔﾏﾀﾞ ﾀﾛｳ");
        // 𠮷 (not in Shift_JIS at all), 髙, ① and ⅰ (in the Windows extensions only).
        assert_eq!(representable("𠮷田　髙子①ⅰ"), "●田　●子●●");
        assert_eq!(encode("●"), vec![0x81, 0x9C]);
        assert_eq!(encode("ｱ"), vec![0xB1]);
        assert_eq!(encode("山"), vec![0x8E, 0x52]);
    }
}
