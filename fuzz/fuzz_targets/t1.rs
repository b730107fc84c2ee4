//! T=1 blocks and ATRs from arbitrary bytes must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onshi_card::t1::{Block, ifsc_from_atr};

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = Block::parse(data) {
        // Whatever parses must encode back to the same bytes.
        assert_eq!(block.encode().as_slice(), data);
    }
    let _ = ifsc_from_atr(data);
});
