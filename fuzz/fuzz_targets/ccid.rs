//! CCID messages, class descriptors and slot-change notifications from arbitrary bytes must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onshi_card::ccid::{CcidClassDescriptor, CommandFrame, Header, ReplyFrame, T1Parameters, parse_notify_slot_change};

fuzz_target!(|data: &[u8]| {
    let _ = Header::parse(data);
    let _ = CommandFrame::parse(data);
    let _ = ReplyFrame::parse(data);
    let _ = CcidClassDescriptor::parse(data);
    let _ = CcidClassDescriptor::find_in_configuration(data);
    let _ = parse_notify_slot_change(data);
    let _ = T1Parameters::parse(data);
});
