//! A virtual Sony RC-S380 (NFC Port-100) with a contactless My Number card in its field, reproducing the
//! behaviour listed in §8 of the RC-S380 reference notes: an ACK then the answer for every command frame,
//! nothing for the host's ACK, InCommRF driving a Type B card through REQB → ATQB, ATTRIB and ISO-DEP, and a
//! receive timeout when no card answers. Faults: a missing ACK, a DCS error, lost card answers, S(WTX) before a
//! signature, and the card leaving the field.

use std::collections::VecDeque;

use onshi_card::isodep::IsoDepBlock;
use onshi_card::port100::{ACK, DIRECTION_COMMAND, Frame, command, parse_frame, response_frame};
use zeroize::Zeroizing;

use crate::bulk::VirtualUsbDevice;
use crate::card::VirtualCard;

/// The USB identity of the virtual RC-S380.
pub mod usb_identity {
    /// Vendor ID: Sony.
    pub const VENDOR_ID: u16 = 0x054C;
    /// Product ID of the RC-S380/P.
    pub const PRODUCT_ID: u16 = 0x06C3;
    /// Product string.
    pub const PRODUCT_NAME: &str = "onshi virtual RC-S380/P";
    /// Bulk OUT endpoint number.
    pub const BULK_OUT_ENDPOINT_NUMBER: u8 = 2;
    /// Bulk IN endpoint number.
    pub const BULK_IN_ENDPOINT_NUMBER: u8 = 1;
    /// Vendor-specific interface class.
    pub const INTERFACE_CLASS: u8 = 0xFF;
}

/// The configuration descriptor: one vendor-class interface with bulk OUT 0x02 and bulk IN 0x81.
pub fn configuration_descriptor() -> Vec<u8> {
    let interface = [9, 0x04, 0, 0, 2, usb_identity::INTERFACE_CLASS, 0, 0, 0];
    let bulk_out = [7, 0x05, 0x02, 0x02, 64, 0, 0];
    let bulk_in = [7, 0x05, 0x81, 0x02, 64, 0, 0];
    let body = [&interface[..], &bulk_out, &bulk_in].concat();
    let total = u16::try_from(9 + body.len()).unwrap_or(u16::MAX).to_le_bytes();
    let configuration = [9, 0x02, total[0], total[1], 1, 1, 0, 0x80, 50];
    [&configuration[..], &body].concat()
}

/// The card's ATQB after the PUPI: application data and protocol info of a My Number card (FSC 256, FWI 10,
/// ISO-DEP), one of the values the public ATR list shows.
const ATQB_TAIL: [u8; 7] = [0x00, 0x00, 0x05, 0xE0, 0xB3, 0x81, 0xA1];
/// The card's PUPI (fixed: the virtual card is deterministic).
const PUPI: [u8; 4] = [0x4F, 0x4E, 0x53, 0x48];
/// INF bytes per I-block the card sends: FSD 256 minus PCB and CRC.
const CARD_MAX_INF: usize = 253;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PiccState {
    PowerOff,
    Idle,
    Ready,
    Active,
    Halt,
}

/// The virtual RC-S380.
#[derive(Debug)]
pub struct VirtualRcs380 {
    card: Option<VirtualCard>,
    state: PiccState,
    pending: VecDeque<Vec<u8>>,
    command: Zeroizing<Vec<u8>>,
    chunks: VecDeque<Vec<u8>>,
    last_frame: Option<Vec<u8>>,
    last_number: u8,
    wtx_outstanding: bool,
    /// Whether the card asks for S(WTX) before answering a signing command.
    pub wtx_before_signing: bool,
    /// How many of the next card answers are lost (InCommRF times out).
    pub lost_answers: u32,
    /// How many of the next command frames get no ACK.
    pub missing_acks: u32,
    /// How many of the next answer frames carry a wrong DCS.
    pub bad_checksums: u32,
    /// Frames received, for tests.
    pub frames_received: u64,
}

impl VirtualRcs380 {
    /// A reader with `card` in the field (or an empty field).
    pub fn new(card: Option<VirtualCard>) -> Self {
        Self {
            card,
            state: PiccState::PowerOff,
            pending: VecDeque::new(),
            command: Zeroizing::new(Vec::new()),
            chunks: VecDeque::new(),
            last_frame: None,
            last_number: 0,
            wtx_outstanding: false,
            wtx_before_signing: true,
            lost_answers: 0,
            missing_acks: 0,
            bad_checksums: 0,
            frames_received: 0,
        }
    }

    /// Puts a card in the field.
    pub fn insert(&mut self, card: VirtualCard) {
        self.card = Some(card);
        self.state = PiccState::PowerOff;
    }

    /// Takes the card out of the field.
    pub fn remove(&mut self) -> Option<VirtualCard> {
        self.state = PiccState::PowerOff;
        self.card.take()
    }

    /// Whether a card is in the field.
    pub fn has_card(&self) -> bool {
        self.card.is_some()
    }

    /// The card in the field.
    pub fn card(&self) -> Option<&VirtualCard> {
        self.card.as_ref()
    }

    fn field_off(&mut self) {
        self.state = PiccState::PowerOff;
        if let Some(card) = self.card.as_mut() {
            card.reset();
        }
    }

    fn handle_command(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        let [DIRECTION_COMMAND, code, params @ ..] = data else { return None };
        let answer = match *code {
            command::SET_COMMAND_TYPE | command::IN_SET_RF | command::IN_SET_PROTOCOL => vec![0x00],
            command::GET_FIRMWARE_VERSION => vec![0x11, 0x01],
            0x22 => vec![0x00, 0x01],
            command::SWITCH_RF => {
                match params.first() {
                    Some(0x00) => self.field_off(),
                    _ => {
                        if self.state == PiccState::PowerOff {
                            self.state = PiccState::Idle;
                        }
                    }
                }
                vec![0x00]
            }
            command::IN_COMM_RF => {
                let rf = params.get(2..).unwrap_or_default();
                if self.state == PiccState::PowerOff && self.card.is_some() {
                    self.state = PiccState::Idle;
                }
                match self.card_answer(rf) {
                    Some(answer) if self.lost_answers == 0 => [&[0x00, 0x00, 0x00, 0x00, 0x08][..], &answer].concat(),
                    Some(_) => {
                        self.lost_answers -= 1;
                        vec![0x80, 0x00, 0x00, 0x00]
                    }
                    None => vec![0x80, 0x00, 0x00, 0x00],
                }
            }
            // Unknown commands: real behaviour is not documented; answer nothing, and the host will time out.
            _ => return None,
        };
        Some(response_frame(*code, &answer))
    }

    /// The card's RF answer to one InCommRF, or `None` for silence.
    fn card_answer(&mut self, rf: &[u8]) -> Option<Vec<u8>> {
        self.card.as_ref()?;
        match (self.state, rf) {
            (PiccState::Idle | PiccState::Ready, [0x05, _afi, _param]) => {
                self.state = PiccState::Ready;
                Some([&[0x50][..], &PUPI, &ATQB_TAIL].concat())
            }
            (PiccState::Ready, [0x1D, p0, p1, p2, p3, _, _, _, _, ..]) if [*p0, *p1, *p2, *p3] == PUPI => {
                self.state = PiccState::Active;
                self.last_number = 1;
                self.last_frame = None;
                self.chunks.clear();
                self.command.clear();
                if let Some(card) = self.card.as_mut() {
                    card.reset();
                }
                Some(vec![0x00])
            }
            (PiccState::Active, frame) => self.iso_dep(frame),
            _ => None,
        }
    }

    fn send(&mut self, block: IsoDepBlock) -> Option<Vec<u8>> {
        let frame = block.encode().to_vec();
        self.last_frame = Some(frame.clone());
        Some(frame)
    }

    fn next_chunk(&mut self, number: u8) -> Option<Vec<u8>> {
        let data = self.chunks.pop_front().unwrap_or_default();
        let chaining = !self.chunks.is_empty();
        self.send(IsoDepBlock::I { number, chaining, data: Zeroizing::new(data) })
    }

    fn iso_dep(&mut self, frame: &[u8]) -> Option<Vec<u8>> {
        match IsoDepBlock::parse(frame).ok()? {
            IsoDepBlock::I { number, chaining, data } => {
                self.last_number = number;
                self.command.extend_from_slice(&data);
                if chaining {
                    return self.send(IsoDepBlock::Ack { number });
                }
                let command = std::mem::replace(&mut self.command, Zeroizing::new(Vec::new()));
                let is_signing = command.get(..2) == Some(&[0x80, 0x2A]);
                let response = self.card.as_mut()?.process_apdu(&command);
                self.chunks = response.chunks(CARD_MAX_INF).map(<[u8]>::to_vec).collect();
                if is_signing && self.wtx_before_signing {
                    self.wtx_outstanding = true;
                    return Some(IsoDepBlock::Wtx { inf: 1 }.encode().to_vec());
                }
                self.next_chunk(number)
            }
            IsoDepBlock::Wtx { .. } if self.wtx_outstanding => {
                self.wtx_outstanding = false;
                let number = self.last_number;
                self.next_chunk(number)
            }
            IsoDepBlock::Ack { number } if number != self.last_number && !self.chunks.is_empty() => {
                self.last_number = number;
                self.next_chunk(number)
            }
            IsoDepBlock::Nak { number } if number != self.last_number && !self.wtx_outstanding => {
                // ISO/IEC 14443-4 rule 12: an R(NAK) with the other block number is answered by R(ACK); this is
                // what a presence check relies on.
                Some(IsoDepBlock::Ack { number: self.last_number }.encode().to_vec())
            }
            IsoDepBlock::Ack { .. } | IsoDepBlock::Nak { .. } => {
                if self.wtx_outstanding {
                    return Some(IsoDepBlock::Wtx { inf: 1 }.encode().to_vec());
                }
                match self.last_frame.clone() {
                    Some(frame) => Some(frame),
                    None => Some(IsoDepBlock::Ack { number: self.last_number ^ 1 }.encode().to_vec()),
                }
            }
            IsoDepBlock::Deselect => {
                self.state = PiccState::Halt;
                Some(IsoDepBlock::Deselect.encode().to_vec())
            }
            IsoDepBlock::Wtx { .. } => None,
        }
    }
}

impl VirtualUsbDevice for VirtualRcs380 {
    fn bulk_out(&mut self, data: &[u8]) {
        self.frames_received += 1;
        match parse_frame(data) {
            Ok(Frame::Ack) => self.pending.clear(),
            Ok(Frame::Data(frame)) => {
                if self.missing_acks > 0 {
                    self.missing_acks -= 1;
                } else {
                    self.pending.push_back(ACK.to_vec());
                }
                if let Some(mut answer) = self.handle_command(&frame) {
                    if self.bad_checksums > 0 {
                        self.bad_checksums -= 1;
                        let dcs = answer.len().saturating_sub(2);
                        if let Some(byte) = answer.get_mut(dcs) {
                            *byte ^= 0x5A;
                        }
                    }
                    self.pending.push_back(answer);
                }
            }
            // A frame with a bad checksum: real behaviour is unknown, so answer nothing.
            Err(_) => {}
        }
    }

    fn bulk_in(&mut self) -> Option<Vec<u8>> {
        self.pending.pop_front()
    }
}
