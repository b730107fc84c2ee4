//! Port-100 frames and ATQBs from arbitrary bytes must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = onshi_card::port100::parse_frame(data);
    let _ = onshi_card::port100::Atqb::parse(data);
});
