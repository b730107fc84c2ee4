//! Whatever bytes a host sends, the virtual card and reader answer with a well-formed reply and never panic.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use onshi_card::apdu::Response;
use onshi_card::ccid::ReplyFrame;
use onshi_card::port100::{Frame, parse_frame};
use onshi_vcard::{CcidLevel, VirtualCard, VirtualCcidReader, VirtualRcs380, VirtualUsbDevice};
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

    #[test]
    fn the_tpdu_and_extended_readers_answer_any_frame_sequence(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..6),
        tpdu in any::<bool>(),
    ) {
        let level = if tpdu { CcidLevel::Tpdu } else { CcidLevel::ExtendedApdu };
        let mut reader = VirtualCcidReader::with_level(level, Some(VirtualCard::demo(2).unwrap()));
        reader.bulk_out(&[0x62, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        prop_assert!(reader.bulk_in().is_some());
        for frame in frames {
            // Arbitrary T=1 blocks (or extended APDUs) wrapped in a well-formed XfrBlock.
            let mut xfr = vec![0x6F];
            xfr.extend_from_slice(&u32::try_from(frame.len()).unwrap().to_le_bytes());
            xfr.extend_from_slice(&[0, 1, 0, 0, 0]);
            xfr.extend_from_slice(&frame);
            reader.bulk_out(&xfr);
            while let Some(reply) = reader.bulk_in() {
                prop_assert!(ReplyFrame::parse(&reply).is_ok());
            }
        }
    }

    #[test]
    fn the_rcs380_never_panics_and_only_sends_valid_frames(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..6),
    ) {
        let mut reader = VirtualRcs380::new(Some(VirtualCard::demo(3).unwrap()));
        for data in frames {
            // Both raw garbage and well-framed arbitrary commands.
            reader.bulk_out(&data);
            let mut command = vec![0xD6];
            command.extend_from_slice(&data);
            reader.bulk_out(&onshi_card::port100::encode_frame(&command));
            while let Some(reply) = reader.bulk_in() {
                prop_assert!(matches!(parse_frame(&reply), Ok(Frame::Ack | Frame::Data(_))));
            }
        }
    }
}
