//! Command and response APDUs from arbitrary bytes must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onshi_card::apdu::{Command, Response};

fuzz_target!(|data: &[u8]| {
    let _ = Command::parse(data);
    let _ = Response::parse(data.to_vec());
});
