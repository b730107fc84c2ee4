//! Whatever bytes a host sends, the virtual card and reader answer with a well-formed reply and never panic.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use onshi_card::apdu::Response;
use onshi_card::ccid::ReplyFrame;
use onshi_vcard::{VirtualCard, VirtualCcidReader};
use proptest::prelude::*;

proptest! {
    #[test]
    fn the_card_answers_any_apdu_with_a_status_word(
        apdus in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..8),
    ) {
        let mut card = VirtualCard::demo(0).unwrap();
        // Select the application first so the arbitrary commands reach the file and PIN logic too.
        card.process_apdu(&[0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]);
        for apdu in apdus {
            let response = card.process_apdu(&apdu);
            prop_assert!(Response::parse(response).is_ok());
        }
        prop_assert!(card.tries_left() <= 3);
    }

    #[test]
    fn the_reader_answers_any_frame_with_a_reply(frame in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut reader = VirtualCcidReader::with_card(VirtualCard::demo(1).unwrap());
        reader.bulk_out(&frame);
        let reply = reader.bulk_in().unwrap();
        prop_assert!(ReplyFrame::parse(&reply).is_ok());
        prop_assert!(reader.bulk_in().is_none());
    }
}
