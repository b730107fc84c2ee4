//! BER-TLV and the 券面事項入力補助AP files from arbitrary bytes must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = onshi_card::tlv::parse_all(data);
    let _ = onshi_card::text::parse_basic_four(data);
    let _ = onshi_card::text::parse_my_number(data);
});
