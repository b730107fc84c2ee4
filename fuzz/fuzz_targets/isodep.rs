//! ISO-DEP blocks from arbitrary bytes must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onshi_card::isodep::IsoDepBlock;

fuzz_target!(|data: &[u8]| {
    let _ = IsoDepBlock::parse(data);
});
