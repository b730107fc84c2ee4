//! A virtual USB CCID reader at short-APDU exchange level: the reader side of the CCID protocol, fed one bulk
//! OUT frame at a time, with its replies queued for bulk IN. It presents itself like an ACS ACR1252U-style
//! contactless reader so a WebUSB fake can stand in for real hardware.

use std::collections::VecDeque;

use onshi_card::ccid::{
    CcidClassDescriptor, CommandFrame, CommandStatus, FrameError, Header, HostCommand, IccStatus, ReplyFrame,
    ReplyKind, SlotStatusRegister, message_type, slot_error,
};

use crate::card::{MY_NUMBER_CARD_ATR, VirtualCard};
use crate::t1_card::{T1Answer, T1Card};

/// Which kind of CCID reader the virtual reader plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CcidLevel {
    /// Short APDU level (ACR122U-style, 271-byte messages).
    #[default]
    ShortApdu,
    /// Short and extended APDU level with 522-byte messages and CCID chaining (ACR1252U-style).
    ExtendedApdu,
    /// TPDU level (ACR39U-style contact reader): the host runs T=1.
    Tpdu,
}

/// The USB identity the virtual reader presents (what a WebUSB fake reports).
pub mod usb_identity {
    /// Vendor ID: Advanced Card Systems.
    pub const VENDOR_ID: u16 = 0x072F;
    /// Product ID of the ACR1252U.
    pub const PRODUCT_ID: u16 = 0x223E;
    /// Product string.
    pub const PRODUCT_NAME: &str = "onshi virtual CCID reader (ACR1252U-style)";
    /// Interface number of the CCID interface.
    pub const INTERFACE_NUMBER: u8 = 0;
    /// Interface class: Smart Card (CCID).
    pub const INTERFACE_CLASS: u8 = 0x0B;
    /// Interface subclass.
    pub const INTERFACE_SUBCLASS: u8 = 0x00;
    /// Interface protocol (CCID bulk transfers).
    pub const INTERFACE_PROTOCOL: u8 = 0x00;
    /// Endpoint number of both bulk endpoints (WebUSB's `transferOut(2, …)` / `transferIn(2, …)`).
    pub const BULK_ENDPOINT_NUMBER: u8 = 2;
    /// Address of the bulk OUT endpoint.
    pub const BULK_OUT_ENDPOINT_ADDRESS: u8 = 0x02;
    /// Address of the bulk IN endpoint.
    pub const BULK_IN_ENDPOINT_ADDRESS: u8 = 0x82;
    /// Address of the interrupt IN endpoint (slot change notifications; the virtual reader never sends any).
    pub const INTERRUPT_IN_ENDPOINT_ADDRESS: u8 = 0x83;
    /// Maximum packet size of the bulk endpoints (full speed).
    pub const BULK_MAX_PACKET_SIZE: u16 = 64;
}

/// `dwFeatures` of the virtual reader: short APDU level exchange (0x00020000) with automatic parameter
/// configuration (0x02), voltage (0x08), clock (0x10), baud rate (0x20), PPS (0x80) and IFSD exchange (0x400).
pub const VIRTUAL_READER_FEATURES: u32 = 0x0002_04BA;

/// `dwMaxCCIDMessageLength`: a 261-byte short command or a 258-byte short response plus the 10-byte header.
pub const VIRTUAL_READER_MAX_MESSAGE_LENGTH: u32 = 271;

/// The virtual reader's CCID class descriptor (short APDU level).
pub fn class_descriptor() -> CcidClassDescriptor {
    class_descriptor_for(CcidLevel::ShortApdu)
}

/// The class descriptor of the virtual reader at `level`. Values follow the libccid reader list for the
/// ACR122U (short), ACR1252U (extended) and ACR39U (TPDU) as summarised in the reference notes.
pub fn class_descriptor_for(level: CcidLevel) -> CcidClassDescriptor {
    let (features, max_message_length, max_ifsd) = match level {
        CcidLevel::ShortApdu => (VIRTUAL_READER_FEATURES, VIRTUAL_READER_MAX_MESSAGE_LENGTH, 254),
        CcidLevel::ExtendedApdu => (0x0004_04BA, 522, 254),
        CcidLevel::Tpdu => (0x0001_00B2, 271, 247),
    };
    CcidClassDescriptor { features, max_message_length, max_ifsd, ..short_class_descriptor() }
}

fn short_class_descriptor() -> CcidClassDescriptor {
    CcidClassDescriptor {
        bcd_ccid: 0x0110,
        max_slot_index: 0,
        voltage_support: 0x07,
        protocols: 0x0000_0003,
        default_clock: 4000,
        maximum_clock: 4000,
        num_clock_supported: 0,
        data_rate: 10_752,
        max_data_rate: 826_000,
        num_data_rates_supported: 0,
        max_ifsd: 254,
        synch_protocols: 0,
        mechanical: 0,
        features: VIRTUAL_READER_FEATURES,
        max_message_length: VIRTUAL_READER_MAX_MESSAGE_LENGTH,
        class_get_response: 0xFF,
        class_envelope: 0xFF,
        lcd_layout: 0,
        pin_support: 0,
        max_busy_slots: 1,
    }
}

/// The whole configuration descriptor (configuration, interface, CCID class descriptor, bulk OUT, bulk IN and
/// interrupt IN endpoints), as a standard GET_DESCRIPTOR(CONFIGURATION) returns it.
pub fn configuration_descriptor() -> Vec<u8> {
    configuration_descriptor_for(CcidLevel::ShortApdu)
}

/// The configuration descriptor of the virtual reader at `level`.
pub fn configuration_descriptor_for(level: CcidLevel) -> Vec<u8> {
    use usb_identity::{
        BULK_IN_ENDPOINT_ADDRESS, BULK_MAX_PACKET_SIZE, BULK_OUT_ENDPOINT_ADDRESS, INTERFACE_CLASS, INTERFACE_NUMBER,
        INTERFACE_PROTOCOL, INTERFACE_SUBCLASS, INTERRUPT_IN_ENDPOINT_ADDRESS,
    };
    const BULK: u8 = 0x02;
    const INTERRUPT: u8 = 0x03;
    let [packet_low, packet_high] = BULK_MAX_PACKET_SIZE.to_le_bytes();
    let interface = [9, 0x04, INTERFACE_NUMBER, 0, 3, INTERFACE_CLASS, INTERFACE_SUBCLASS, INTERFACE_PROTOCOL, 0];
    let bulk_out = [7, 0x05, BULK_OUT_ENDPOINT_ADDRESS, BULK, packet_low, packet_high, 0];
    let bulk_in = [7, 0x05, BULK_IN_ENDPOINT_ADDRESS, BULK, packet_low, packet_high, 0];
    let interrupt_in = [7, 0x05, INTERRUPT_IN_ENDPOINT_ADDRESS, INTERRUPT, 8, 0, 16];
    let body = [&interface[..], &class_descriptor_for(level).encode(), &bulk_out, &bulk_in, &interrupt_in].concat();
    let total = u16::try_from(9 + body.len()).unwrap_or(u16::MAX).to_le_bytes();
    // Configuration 1, one interface, bus powered, 100 mA (bMaxPower is in 2 mA units).
    let configuration = [9, 0x02, total[0], total[1], 1, 1, 0, 0x80, 50];
    [&configuration[..], &body].concat()
}

/// A virtual CCID reader with one slot.
#[derive(Debug, Default)]
pub struct VirtualCcidReader {
    card: Option<VirtualCard>,
    powered: bool,
    pending: VecDeque<Vec<u8>>,
    signing_time_extensions: u8,
    level: CcidLevel,
    command_chain: Vec<u8>,
    response_chain: VecDeque<Vec<u8>>,
    t1: T1Card,
    t1_parameters: Vec<u8>,
    stalled: bool,
    remove_on_next_xfr: bool,
    slot_changes: VecDeque<Vec<u8>>,
}

impl VirtualCcidReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// A reader with `card` inserted.
    pub fn with_card(card: VirtualCard) -> Self {
        let mut reader = Self::new();
        reader.insert(card);
        reader
    }

    /// A reader of the given kind with `card` inserted.
    pub fn with_level(level: CcidLevel, card: Option<VirtualCard>) -> Self {
        let mut reader = Self { level, ..Self::default() };
        if let Some(card) = card {
            reader.insert(card);
        }
        reader
    }

    /// The kind of reader this is.
    pub fn level(&self) -> CcidLevel {
        self.level
    }

    /// The card-side T=1 engine (TPDU level), for injecting faults.
    pub fn t1_mut(&mut self) -> &mut T1Card {
        &mut self.t1
    }

    /// Fault: the reader stops answering (a USB stall): bulk OUT transfers are swallowed until unstalled.
    pub fn set_stalled(&mut self, stalled: bool) {
        self.stalled = stalled;
    }

    /// Fault: the card is pulled out while the next XfrBlock is in flight.
    pub fn remove_card_during_next_apdu(&mut self) {
        self.remove_on_next_xfr = true;
    }

    /// The next RDR_to_PC_NotifySlotChange for the interrupt endpoint, if a card was inserted or removed.
    pub fn interrupt_in(&mut self) -> Option<Vec<u8>> {
        self.slot_changes.pop_front()
    }

    /// Makes the reader ask for `count` time extensions before answering a signing command, as real readers do
    /// while the card computes an RSA signature.
    #[must_use]
    pub fn with_signing_time_extensions(mut self, count: u8) -> Self {
        self.signing_time_extensions = count;
        self
    }

    /// Puts a card in the slot (unpowered), replacing any card there.
    pub fn insert(&mut self, card: VirtualCard) {
        self.card = Some(card);
        self.powered = false;
        self.slot_changes.push_back(vec![message_type::NOTIFY_SLOT_CHANGE, 0x03]);
    }

    /// Takes the card out. Later commands fail with "ICC absent" until a card is inserted.
    pub fn remove(&mut self) -> Option<VirtualCard> {
        self.powered = false;
        if self.card.is_some() {
            self.slot_changes.push_back(vec![message_type::NOTIFY_SLOT_CHANGE, 0x02]);
        }
        self.card.take()
    }

    /// The card in the slot.
    pub fn card(&self) -> Option<&VirtualCard> {
        self.card.as_ref()
    }

    /// Whether a card is in the slot.
    pub fn has_card(&self) -> bool {
        self.card.is_some()
    }

    /// Receives one bulk OUT transfer (one PC_to_RDR message) and queues the reply (or replies: time
    /// extensions first) for [`VirtualCcidReader::bulk_in`].
    pub fn bulk_out(&mut self, frame: &[u8]) {
        if self.stalled {
            return;
        }
        let replies = self.handle(frame);
        self.pending.extend(replies.iter().map(ReplyFrame::encode));
    }

    /// The next queued RDR_to_PC message, if any.
    pub fn bulk_in(&mut self) -> Option<Vec<u8>> {
        self.pending.pop_front()
    }

    fn icc_status(&self) -> IccStatus {
        match (&self.card, self.powered) {
            (None, _) => IccStatus::Absent,
            (Some(_), false) => IccStatus::PresentInactive,
            (Some(_), true) => IccStatus::PresentActive,
        }
    }

    fn handle(&mut self, frame: &[u8]) -> Vec<ReplyFrame> {
        let header = match Header::parse(frame) {
            Ok(header) => header,
            Err(_) => {
                // Without a whole header there is no message type to answer; echo whatever bSeq arrived.
                let sequence = frame.get(6).copied().unwrap_or(0);
                return vec![self.failure(message_type::SLOT_STATUS, 0, sequence, slot_error::BAD_LENGTH)];
            }
        };
        let reply_type = match header.message_type {
            message_type::ICC_POWER_ON | message_type::XFR_BLOCK => message_type::DATA_BLOCK,
            message_type::SET_PARAMETERS | message_type::GET_PARAMETERS => message_type::PARAMETERS,
            _ => message_type::SLOT_STATUS,
        };
        let command = match CommandFrame::parse(frame) {
            Ok(command) => command,
            Err(error) => {
                let code = match error {
                    FrameError::UnsupportedMessage { .. } => slot_error::COMMAND_NOT_SUPPORTED,
                    FrameError::BadField { offset } => offset,
                    _ => slot_error::BAD_LENGTH,
                };
                return vec![self.failure(reply_type, header.slot, header.sequence, code)];
            }
        };
        if command.slot != 0 {
            return vec![self.failure(reply_type, command.slot, command.sequence, slot_error::BAD_SLOT)];
        }
        let sequence = command.sequence;
        match command.command {
            HostCommand::IccPowerOn { .. } => match self.card.as_mut() {
                None => vec![self.failure(reply_type, 0, sequence, slot_error::ICC_MUTE)],
                Some(card) => {
                    card.reset();
                    self.t1.reset();
                    self.command_chain.clear();
                    self.response_chain.clear();
                    self.powered = true;
                    vec![self.data_block(sequence, MY_NUMBER_CARD_ATR.to_vec())]
                }
            },
            HostCommand::IccPowerOff => {
                self.powered = false;
                if let Some(card) = self.card.as_mut() {
                    card.reset();
                }
                vec![self.slot_status(sequence)]
            }
            HostCommand::GetSlotStatus | HostCommand::Abort => vec![self.slot_status(sequence)],
            HostCommand::Escape { .. } => {
                vec![self.failure(message_type::SLOT_STATUS, 0, sequence, slot_error::COMMAND_NOT_SUPPORTED)]
            }
            HostCommand::SetParameters { protocol, data } => {
                if self.level != CcidLevel::Tpdu || protocol != 1 || data.len() != 7 {
                    return vec![self.failure(reply_type, 0, sequence, 7)];
                }
                self.t1_parameters = data;
                vec![self.parameters(sequence)]
            }
            HostCommand::GetParameters => vec![self.parameters(sequence)],
            HostCommand::XfrBlock { level_parameter, data, .. } => {
                if self.remove_on_next_xfr {
                    self.remove_on_next_xfr = false;
                    self.remove();
                }
                if self.card.is_none() || !self.powered {
                    return vec![self.failure(reply_type, 0, sequence, slot_error::ICC_MUTE)];
                }
                match self.level {
                    CcidLevel::Tpdu => return self.xfr_tpdu(sequence, &data),
                    CcidLevel::ExtendedApdu => return self.xfr_extended(sequence, level_parameter, &data),
                    CcidLevel::ShortApdu => {}
                }
                if level_parameter != 0 {
                    return vec![self.failure(reply_type, 0, sequence, slot_error::BAD_LEVEL_PARAMETER)];
                }
                let is_signing = matches!(data.get(..2), Some([0x80, 0x2A]));
                let response = match (self.card.as_mut(), self.powered) {
                    (Some(card), true) => card.process_apdu(&data),
                    _ => return vec![self.failure(reply_type, 0, sequence, slot_error::ICC_MUTE)],
                };
                let extensions = if is_signing { self.signing_time_extensions } else { 0 };
                let mut replies: Vec<ReplyFrame> = (0..extensions).map(|_| self.time_extension(sequence)).collect();
                replies.push(self.data_block(sequence, response));
                replies
            }
        }
    }

    fn xfr_tpdu(&mut self, sequence: u8, block: &[u8]) -> Vec<ReplyFrame> {
        let Some(card) = self.card.as_mut() else {
            return vec![self.failure(message_type::DATA_BLOCK, 0, sequence, slot_error::ICC_MUTE)];
        };
        match self.t1.receive(card, block) {
            T1Answer::Block(answer) => vec![self.data_block(sequence, answer)],
            // A card that does not answer within the block waiting time: the reader reports it mute.
            T1Answer::Silent => vec![self.failure(message_type::DATA_BLOCK, 0, sequence, slot_error::ICC_MUTE)],
        }
    }

    fn xfr_extended(&mut self, sequence: u8, level_parameter: u16, data: &[u8]) -> Vec<ReplyFrame> {
        use onshi_card::ccid::chain;
        let max_data = usize::try_from(class_descriptor_for(self.level).max_message_length).unwrap_or(522) - 10;
        match level_parameter {
            chain::BEGIN | chain::CONTINUE => {
                self.command_chain.extend_from_slice(data);
                return vec![self.chained_block(sequence, Vec::new(), 0x10)];
            }
            chain::EMPTY_CONTINUE => {
                let Some(part) = self.response_chain.pop_front() else {
                    return vec![self.failure(message_type::DATA_BLOCK, 0, sequence, slot_error::BAD_LEVEL_PARAMETER)];
                };
                let parameter = if self.response_chain.is_empty() { 0x02 } else { 0x03 };
                return vec![self.chained_block(sequence, part, parameter)];
            }
            chain::COMPLETE | chain::END => {}
            _ => return vec![self.failure(message_type::DATA_BLOCK, 0, sequence, slot_error::BAD_LEVEL_PARAMETER)],
        }
        let mut command = std::mem::take(&mut self.command_chain);
        command.extend_from_slice(data);
        let is_signing = matches!(command.get(..2), Some([0x80, 0x2A]));
        let Some(card) = self.card.as_mut() else {
            return vec![self.failure(message_type::DATA_BLOCK, 0, sequence, slot_error::ICC_MUTE)];
        };
        let response = card.process_apdu(&command);
        let extensions = if is_signing { self.signing_time_extensions } else { 0 };
        let mut replies: Vec<ReplyFrame> = (0..extensions).map(|_| self.time_extension(sequence)).collect();
        if response.len() <= max_data {
            replies.push(self.data_block(sequence, response));
            return replies;
        }
        let mut parts: VecDeque<Vec<u8>> = response.chunks(max_data).map(<[u8]>::to_vec).collect();
        let first = parts.pop_front().unwrap_or_default();
        self.response_chain = parts;
        replies.push(self.chained_block(sequence, first, 0x01));
        replies
    }

    fn chained_block(&self, sequence: u8, data: Vec<u8>, chain_parameter: u8) -> ReplyFrame {
        ReplyFrame { kind: ReplyKind::DataBlock { chain_parameter }, ..self.data_block(sequence, data) }
    }

    fn parameters(&self, sequence: u8) -> ReplyFrame {
        ReplyFrame {
            kind: ReplyKind::Parameters { protocol: 1 },
            slot: 0,
            sequence,
            status: SlotStatusRegister::new(self.icc_status(), CommandStatus::Processed),
            error: 0,
            data: self.t1_parameters.clone(),
        }
    }

    fn data_block(&self, sequence: u8, data: Vec<u8>) -> ReplyFrame {
        ReplyFrame {
            kind: ReplyKind::DataBlock { chain_parameter: 0 },
            slot: 0,
            sequence,
            status: SlotStatusRegister::new(self.icc_status(), CommandStatus::Processed),
            error: 0,
            data,
        }
    }

    fn time_extension(&self, sequence: u8) -> ReplyFrame {
        ReplyFrame {
            status: SlotStatusRegister::new(self.icc_status(), CommandStatus::TimeExtension),
            // During a time extension bError carries the waiting-time multiplier.
            error: 1,
            ..self.data_block(sequence, Vec::new())
        }
    }

    fn slot_status(&self, sequence: u8) -> ReplyFrame {
        ReplyFrame {
            kind: ReplyKind::SlotStatus { clock_status: 0 },
            slot: 0,
            sequence,
            status: SlotStatusRegister::new(self.icc_status(), CommandStatus::Processed),
            error: 0,
            data: Vec::new(),
        }
    }

    fn failure(&self, reply_type: u8, slot: u8, sequence: u8, error: u8) -> ReplyFrame {
        let kind = match reply_type {
            message_type::DATA_BLOCK => ReplyKind::DataBlock { chain_parameter: 0 },
            message_type::PARAMETERS => ReplyKind::Parameters { protocol: 0 },
            _ => ReplyKind::SlotStatus { clock_status: 0 },
        };
        ReplyFrame {
            kind,
            slot,
            sequence,
            status: SlotStatusRegister::new(self.icc_status(), CommandStatus::Failed),
            error,
            data: Vec::new(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    use crate::test_hex::hex;

    fn exchange(reader: &mut VirtualCcidReader, frame: &str) -> Vec<u8> {
        reader.bulk_out(&hex(frame));
        let reply = reader.bulk_in().unwrap();
        assert!(reader.bulk_in().is_none());
        reply
    }

    #[test]
    fn power_on_answers_with_the_atr() {
        let mut reader = VirtualCcidReader::with_card(VirtualCard::demo(0).unwrap());
        assert_eq!(
            exchange(&mut reader, "62 00 00 00 00 00 00 00 00 00"),
            hex("80 09 00 00 00 00 00 00 00 00 3B E0 00 FF 81 31 FE 45 14")
        );
        assert_eq!(
            exchange(&mut reader, "6F 0F 00 00 00 00 01 00 00 00 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"),
            hex("80 02 00 00 00 00 01 00 00 00 90 00")
        );
        assert_eq!(exchange(&mut reader, "65 00 00 00 00 00 02 00 00 00"), hex("81 00 00 00 00 00 02 00 00 00"));
        assert_eq!(exchange(&mut reader, "63 00 00 00 00 00 03 00 00 00"), hex("81 00 00 00 00 00 03 01 00 00"));
    }

    #[test]
    fn an_empty_slot_reports_icc_absent() {
        let mut reader = VirtualCcidReader::new();
        assert_eq!(exchange(&mut reader, "62 00 00 00 00 00 05 00 00 00"), hex("80 00 00 00 00 00 05 42 FE 00"));
        assert_eq!(exchange(&mut reader, "65 00 00 00 00 00 06 00 00 00"), hex("81 00 00 00 00 00 06 02 00 00"));
        assert_eq!(
            exchange(&mut reader, "6F 04 00 00 00 00 07 00 00 00 00 B0 00 00"),
            hex("80 00 00 00 00 00 07 42 FE 00")
        );
    }

    #[test]
    fn an_unpowered_card_is_mute() {
        let mut reader = VirtualCcidReader::with_card(VirtualCard::demo(0).unwrap());
        assert_eq!(
            exchange(&mut reader, "6F 04 00 00 00 00 01 00 00 00 00 B0 00 00"),
            hex("80 00 00 00 00 00 01 41 FE 00")
        );
    }

    #[test]
    fn malformed_and_unsupported_frames_get_typed_failures() {
        let mut reader = VirtualCcidReader::with_card(VirtualCard::demo(0).unwrap());
        assert_eq!(exchange(&mut reader, "6B 00 00 00 00 00 09 00 00 00"), hex("81 00 00 00 00 00 09 41 00 00"));
        assert_eq!(exchange(&mut reader, "65 00 00 00 00 01 0A 00 00 00"), hex("81 00 00 00 00 01 0A 41 05 00"));
        assert_eq!(exchange(&mut reader, "6F 05 00 00 00 00 0B 00 00 00 00"), hex("80 00 00 00 00 00 0B 41 01 00"));
        assert_eq!(exchange(&mut reader, "62 00 00"), hex("81 00 00 00 00 00 00 41 01 00"));
        assert_eq!(exchange(&mut reader, "62 00 00 00 00 00 0C 07 00 00"), hex("80 00 00 00 00 00 0C 41 07 00"));
    }

    #[test]
    fn descriptors_describe_a_short_apdu_ccid_reader() {
        let configuration = configuration_descriptor();
        assert_eq!(usize::from(u16::from_le_bytes([configuration[2], configuration[3]])), configuration.len());
        let descriptor = CcidClassDescriptor::find_in_configuration(&configuration).unwrap();
        assert_eq!(descriptor, class_descriptor());
        assert_eq!(descriptor.exchange_level(), onshi_card::ccid::ExchangeLevel::ShortApdu);
        assert_eq!(configuration[9 + 5], usb_identity::INTERFACE_CLASS);
        assert_eq!(usb_identity::BULK_OUT_ENDPOINT_ADDRESS & 0x0F, usb_identity::BULK_ENDPOINT_NUMBER);
        assert_eq!(usb_identity::BULK_IN_ENDPOINT_ADDRESS & 0x0F, usb_identity::BULK_ENDPOINT_NUMBER);
    }
}
