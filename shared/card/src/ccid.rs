//! Layer 2: the USB CCID reader protocol (CCID Rev 1.1 §6), sans-I/O.
//!
//! Both directions are here so nothing is written twice: the host encodes PC_to_RDR messages and parses
//! RDR_to_PC replies ([`CommandFrame::encode`], [`ReplyFrame::parse`]); a reader (the virtual reader in
//! `onshi-vcard`) parses PC_to_RDR and encodes RDR_to_PC ([`CommandFrame::parse`], [`ReplyFrame::encode`]).
//! [`CcidReader`] drives a reader at short-APDU exchange level over any [`UsbBulk`] and is itself a
//! [`Transport`]. The class descriptor parser tells which exchange level a reader speaks.
//!
//! Every message is a 10-byte header (`bMessageType`, `dwLength` little-endian, `bSlot`, `bSeq`, three
//! message-specific bytes) followed by `dwLength` bytes of data.

use std::fmt;

use zeroize::Zeroizing;

use crate::transport::{Transport, TransportError, UsbBulk};

/// Length of every CCID message header.
pub const HEADER_LEN: usize = 10;

/// The largest `dwLength` this codec accepts: an extended APDU response (65 536 bytes + SW1 SW2) with room to spare.
pub const MAX_DATA_LEN: usize = 65_538;

/// `bMessageType` codes (CCID Rev 1.1 §6.1 and §6.2).
pub mod message_type {
    /// PC_to_RDR_IccPowerOn (§6.1.1).
    pub const ICC_POWER_ON: u8 = 0x62;
    /// PC_to_RDR_IccPowerOff (§6.1.2).
    pub const ICC_POWER_OFF: u8 = 0x63;
    /// PC_to_RDR_GetSlotStatus (§6.1.3).
    pub const GET_SLOT_STATUS: u8 = 0x65;
    /// PC_to_RDR_XfrBlock (§6.1.4).
    pub const XFR_BLOCK: u8 = 0x6F;
    /// PC_to_RDR_SetParameters (§6.1.7).
    pub const SET_PARAMETERS: u8 = 0x61;
    /// PC_to_RDR_GetParameters (§6.1.5).
    pub const GET_PARAMETERS: u8 = 0x6C;
    /// PC_to_RDR_Escape (§6.1.8).
    pub const ESCAPE: u8 = 0x6B;
    /// PC_to_RDR_Abort (§6.1.13).
    pub const ABORT: u8 = 0x72;
    /// RDR_to_PC_Parameters (§6.2.3).
    pub const PARAMETERS: u8 = 0x82;
    /// RDR_to_PC_Escape (§6.2.4).
    pub const ESCAPE_REPLY: u8 = 0x83;
    /// RDR_to_PC_NotifySlotChange on the interrupt endpoint (§6.3.1).
    pub const NOTIFY_SLOT_CHANGE: u8 = 0x50;
    /// RDR_to_PC_DataBlock (§6.2.1).
    pub const DATA_BLOCK: u8 = 0x80;
    /// RDR_to_PC_SlotStatus (§6.2.2).
    pub const SLOT_STATUS: u8 = 0x81;
}

/// `bError` values a reader reports with a failed command (CCID Rev 1.1 §6.2.6).
pub mod slot_error {
    /// The command is not supported.
    pub const COMMAND_NOT_SUPPORTED: u8 = 0x00;
    /// Offset of `dwLength` in the header: the length is wrong.
    pub const BAD_LENGTH: u8 = 0x01;
    /// Offset of `bSlot` in the header: no such slot.
    pub const BAD_SLOT: u8 = 0x05;
    /// Offset of `bPowerSelect` in the header: unsupported voltage.
    pub const BAD_POWER_SELECT: u8 = 0x07;
    /// Offset of `wLevelParameter` in the header: unsupported chaining.
    pub const BAD_LEVEL_PARAMETER: u8 = 0x08;
    /// The card is absent or mute.
    pub const ICC_MUTE: u8 = 0xFE;
    /// The host aborted the command.
    pub const COMMAND_ABORTED: u8 = 0xFF;
}

/// Why bytes are not a well-formed CCID message or descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than the fixed part needs.
    TooShort {
        /// How many bytes there were.
        len: usize,
    },
    /// `dwLength` disagrees with the number of data bytes.
    LengthMismatch {
        /// The length the header declares.
        declared: usize,
        /// The number of data bytes present.
        actual: usize,
    },
    /// `dwLength` is beyond [`MAX_DATA_LEN`].
    TooLong {
        /// The length the header declares.
        declared: usize,
    },
    /// A message type this codec does not handle in this direction.
    UnsupportedMessage {
        /// The `bMessageType`.
        message_type: u8,
    },
    /// A header field holds a value this codec does not accept; `offset` is its position (as CCID `bError` does).
    BadField {
        /// Byte offset of the field in the header.
        offset: u8,
    },
    /// A class descriptor has the wrong length or type.
    BadDescriptor,
    /// No CCID class descriptor in a configuration descriptor.
    NoCcidInterface,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { len } => write!(f, "CCID message of {len} bytes is too short"),
            Self::LengthMismatch { declared, actual } => {
                write!(f, "CCID dwLength {declared} but {actual} data bytes")
            }
            Self::TooLong { declared } => write!(f, "CCID dwLength {declared} is too long"),
            Self::UnsupportedMessage { message_type } => write!(f, "unsupported CCID message {message_type:02X}"),
            Self::BadField { offset } => write!(f, "bad CCID header field at offset {offset}"),
            Self::BadDescriptor => f.write_str("malformed CCID class descriptor"),
            Self::NoCcidInterface => f.write_str("no CCID interface in the configuration descriptor"),
        }
    }
}

impl std::error::Error for FrameError {}

/// The fixed header fields of any CCID message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// `bMessageType`.
    pub message_type: u8,
    /// `dwLength`: number of data bytes after the header.
    pub data_len: usize,
    /// `bSlot`.
    pub slot: u8,
    /// `bSeq`.
    pub sequence: u8,
    /// The three message-specific bytes (offsets 7, 8, 9).
    pub specific: [u8; 3],
}

impl Header {
    /// Reads the header at the start of `bytes` (which may hold only part of the data).
    pub fn parse(bytes: &[u8]) -> Result<Self, FrameError> {
        let header: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|head| head.try_into().ok())
            .ok_or(FrameError::TooShort { len: bytes.len() })?;
        let [message_type, l0, l1, l2, l3, slot, sequence, s0, s1, s2] = *header;
        let data_len = usize::try_from(u32::from_le_bytes([l0, l1, l2, l3])).unwrap_or(usize::MAX);
        if data_len > MAX_DATA_LEN {
            return Err(FrameError::TooLong { declared: data_len });
        }
        Ok(Self { message_type, data_len, slot, sequence, specific: [s0, s1, s2] })
    }

    /// The header bytes followed by `data`. `data.len()` must fit `dwLength` (at most [`MAX_DATA_LEN`] bytes).
    fn encode_with(&self, data: &[u8]) -> Zeroizing<Vec<u8>> {
        let mut frame = Zeroizing::new(Vec::with_capacity(HEADER_LEN + data.len()));
        let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
        frame.push(self.message_type);
        frame.extend_from_slice(&length.to_le_bytes());
        frame.extend_from_slice(&[self.slot, self.sequence]);
        frame.extend_from_slice(&self.specific);
        frame.extend_from_slice(data);
        frame
    }
}

/// The data bytes of a whole message whose header has been parsed, checking `dwLength`.
fn message_data<'a>(header: &Header, frame: &'a [u8]) -> Result<&'a [u8], FrameError> {
    let data = frame.get(HEADER_LEN..).unwrap_or_default();
    if data.len() != header.data_len {
        return Err(FrameError::LengthMismatch { declared: header.data_len, actual: data.len() });
    }
    Ok(data)
}

/// `bPowerSelect` of PC_to_RDR_IccPowerOn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerSelect {
    /// Let the reader choose (0x00).
    Automatic,
    /// 5.0 V (0x01).
    Volts5,
    /// 3.0 V (0x02).
    Volts3,
    /// 1.8 V (0x03).
    Volts1_8,
}

impl PowerSelect {
    fn byte(self) -> u8 {
        match self {
            Self::Automatic => 0,
            Self::Volts5 => 1,
            Self::Volts3 => 2,
            Self::Volts1_8 => 3,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Automatic),
            1 => Some(Self::Volts5),
            2 => Some(Self::Volts3),
            3 => Some(Self::Volts1_8),
            _ => None,
        }
    }
}

/// A PC_to_RDR message this codec handles.
#[derive(Clone, PartialEq, Eq)]
pub enum HostCommand {
    /// Power the card up; the reply is a DataBlock carrying the ATR.
    IccPowerOn {
        /// Voltage selection.
        power_select: PowerSelect,
    },
    /// Power the card down; the reply is a SlotStatus.
    IccPowerOff,
    /// Ask for the slot status; the reply is a SlotStatus.
    GetSlotStatus,
    /// Carry one APDU (at APDU exchange level); the reply is a DataBlock.
    XfrBlock {
        /// `bBWI`, block waiting time extension (0 at APDU level).
        block_waiting_integer: u8,
        /// `wLevelParameter` (0 for a whole short APDU).
        level_parameter: u16,
        /// The command APDU. It may hold a PIN, so it is zeroized on drop and never printed.
        data: Zeroizing<Vec<u8>>,
    },
    /// Set the protocol parameters (`bProtocolNum` 0 = T=0, 1 = T=1); the reply is a Parameters message.
    SetParameters {
        /// `bProtocolNum`.
        protocol: u8,
        /// The protocol data structure (7 bytes for T=1, §6.1.7 Table 6.1-9).
        data: Vec<u8>,
    },
    /// Read the protocol parameters; the reply is a Parameters message.
    GetParameters,
    /// A vendor command; the reply is an Escape message.
    Escape {
        /// The vendor bytes.
        data: Vec<u8>,
    },
    /// Abort the command with this `bSeq` (sent after the control request ABORT); the reply is a SlotStatus.
    Abort,
}

impl fmt::Debug for HostCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IccPowerOn { power_select } => {
                f.debug_struct("IccPowerOn").field("power_select", power_select).finish()
            }
            Self::IccPowerOff => f.write_str("IccPowerOff"),
            Self::GetSlotStatus => f.write_str("GetSlotStatus"),
            Self::XfrBlock { block_waiting_integer, level_parameter, data } => f
                .debug_struct("XfrBlock")
                .field("block_waiting_integer", block_waiting_integer)
                .field("level_parameter", level_parameter)
                .field("data", &format_args!("<{} bytes redacted>", data.len()))
                .finish(),
            Self::SetParameters { protocol, data } => {
                f.debug_struct("SetParameters").field("protocol", protocol).field("data", data).finish()
            }
            Self::GetParameters => f.write_str("GetParameters"),
            Self::Escape { data } => {
                f.debug_struct("Escape").field("data", &format_args!("<{} bytes>", data.len())).finish()
            }
            Self::Abort => f.write_str("Abort"),
        }
    }
}

impl HostCommand {
    /// The `bMessageType` of this command.
    pub fn message_type(&self) -> u8 {
        match self {
            Self::IccPowerOn { .. } => message_type::ICC_POWER_ON,
            Self::IccPowerOff => message_type::ICC_POWER_OFF,
            Self::GetSlotStatus => message_type::GET_SLOT_STATUS,
            Self::XfrBlock { .. } => message_type::XFR_BLOCK,
            Self::SetParameters { .. } => message_type::SET_PARAMETERS,
            Self::GetParameters => message_type::GET_PARAMETERS,
            Self::Escape { .. } => message_type::ESCAPE,
            Self::Abort => message_type::ABORT,
        }
    }

    /// The `bMessageType` of the reply this command expects.
    pub fn reply_message_type(&self) -> u8 {
        match self {
            Self::IccPowerOn { .. } | Self::XfrBlock { .. } => message_type::DATA_BLOCK,
            Self::IccPowerOff | Self::GetSlotStatus | Self::Abort => message_type::SLOT_STATUS,
            Self::SetParameters { .. } | Self::GetParameters => message_type::PARAMETERS,
            Self::Escape { .. } => message_type::ESCAPE_REPLY,
        }
    }
}

/// A whole PC_to_RDR message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandFrame {
    /// `bSlot`.
    pub slot: u8,
    /// `bSeq`.
    pub sequence: u8,
    /// The command.
    pub command: HostCommand,
}

impl CommandFrame {
    /// Encodes the message (host side). Zeroized on drop because an XfrBlock may carry a PIN.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let (specific, data): ([u8; 3], &[u8]) = match &self.command {
            HostCommand::IccPowerOn { power_select } => ([power_select.byte(), 0, 0], &[]),
            HostCommand::IccPowerOff | HostCommand::GetSlotStatus | HostCommand::GetParameters | HostCommand::Abort => {
                ([0, 0, 0], &[])
            }
            HostCommand::SetParameters { protocol, data } => ([*protocol, 0, 0], data.as_slice()),
            HostCommand::Escape { data } => ([0, 0, 0], data.as_slice()),
            HostCommand::XfrBlock { block_waiting_integer, level_parameter, data } => {
                let [level_low, level_high] = level_parameter.to_le_bytes();
                ([*block_waiting_integer, level_low, level_high], data.as_slice())
            }
        };
        let header = Header {
            message_type: self.command.message_type(),
            data_len: data.len(),
            slot: self.slot,
            sequence: self.sequence,
            specific,
        };
        header.encode_with(data)
    }

    /// Parses one PC_to_RDR message (reader side). Unknown message types are
    /// [`FrameError::UnsupportedMessage`]; call [`Header::parse`] first to answer them with the right `bSeq`.
    pub fn parse(frame: &[u8]) -> Result<Self, FrameError> {
        let header = Header::parse(frame)?;
        let data = message_data(&header, frame)?;
        let [specific_0, specific_1, specific_2] = header.specific;
        let command = match header.message_type {
            message_type::ICC_POWER_ON => {
                let power_select = PowerSelect::from_byte(specific_0).ok_or(FrameError::BadField { offset: 7 })?;
                HostCommand::IccPowerOn { power_select }
            }
            message_type::ICC_POWER_OFF => HostCommand::IccPowerOff,
            message_type::GET_SLOT_STATUS => HostCommand::GetSlotStatus,
            message_type::XFR_BLOCK => HostCommand::XfrBlock {
                block_waiting_integer: specific_0,
                level_parameter: u16::from_le_bytes([specific_1, specific_2]),
                data: Zeroizing::new(data.to_vec()),
            },
            message_type::SET_PARAMETERS => HostCommand::SetParameters { protocol: specific_0, data: data.to_vec() },
            message_type::GET_PARAMETERS => HostCommand::GetParameters,
            message_type::ESCAPE => HostCommand::Escape { data: data.to_vec() },
            message_type::ABORT => HostCommand::Abort,
            other => return Err(FrameError::UnsupportedMessage { message_type: other }),
        };
        let carries_data = matches!(
            command,
            HostCommand::XfrBlock { .. } | HostCommand::SetParameters { .. } | HostCommand::Escape { .. }
        );
        if !carries_data && header.data_len != 0 {
            return Err(FrameError::BadField { offset: 1 });
        }
        Ok(Self { slot: header.slot, sequence: header.sequence, command })
    }
}

/// `bmICCStatus`, bits 1..0 of `bStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IccStatus {
    /// A card is present and powered.
    PresentActive,
    /// A card is present but not powered.
    PresentInactive,
    /// No card.
    Absent,
    /// The reserved value 3.
    Reserved,
}

/// `bmCommandStatus`, bits 7..6 of `bStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandStatus {
    /// Processed without error.
    Processed,
    /// Failed; `bError` says why.
    Failed,
    /// Still working: the reader asks for more time and will send another reply with the same `bSeq`.
    TimeExtension,
    /// The reserved value 3.
    Reserved,
}

/// The `bStatus` byte of every RDR_to_PC message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotStatusRegister(pub u8);

impl SlotStatusRegister {
    /// Builds `bStatus` from its two fields.
    pub fn new(icc: IccStatus, command: CommandStatus) -> Self {
        let icc_bits = match icc {
            IccStatus::PresentActive => 0,
            IccStatus::PresentInactive => 1,
            IccStatus::Absent => 2,
            IccStatus::Reserved => 3,
        };
        let command_bits = match command {
            CommandStatus::Processed => 0,
            CommandStatus::Failed => 1,
            CommandStatus::TimeExtension => 2,
            CommandStatus::Reserved => 3,
        };
        Self((command_bits << 6) | icc_bits)
    }

    /// The card's presence and power state.
    pub fn icc_status(self) -> IccStatus {
        match self.0 & 0x03 {
            0 => IccStatus::PresentActive,
            1 => IccStatus::PresentInactive,
            2 => IccStatus::Absent,
            _ => IccStatus::Reserved,
        }
    }

    /// How the command went.
    pub fn command_status(self) -> CommandStatus {
        match self.0 >> 6 {
            0 => CommandStatus::Processed,
            1 => CommandStatus::Failed,
            2 => CommandStatus::TimeExtension,
            _ => CommandStatus::Reserved,
        }
    }
}

/// Which RDR_to_PC message a reply is, with its message-specific byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    /// RDR_to_PC_DataBlock; `chain_parameter` is 0 for a complete response.
    DataBlock {
        /// `bChainParameter`.
        chain_parameter: u8,
    },
    /// RDR_to_PC_SlotStatus.
    SlotStatus {
        /// `bClockStatus`.
        clock_status: u8,
    },
    /// RDR_to_PC_Parameters; the data is the protocol data structure.
    Parameters {
        /// `bProtocolNum`.
        protocol: u8,
    },
    /// RDR_to_PC_Escape.
    Escape,
}

/// A whole RDR_to_PC message.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplyFrame {
    /// Which message, with its specific byte.
    pub kind: ReplyKind,
    /// `bSlot`.
    pub slot: u8,
    /// `bSeq`, echoing the command's.
    pub sequence: u8,
    /// `bStatus`.
    pub status: SlotStatusRegister,
    /// `bError` (meaningful when the command failed; the time multiplier during a time extension).
    pub error: u8,
    /// The ATR or response APDU (DataBlock), empty for SlotStatus.
    pub data: Vec<u8>,
}

impl fmt::Debug for ReplyFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyFrame")
            .field("kind", &self.kind)
            .field("slot", &self.slot)
            .field("sequence", &self.sequence)
            .field("status", &self.status)
            .field("error", &self.error)
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .finish()
    }
}

impl ReplyFrame {
    /// Encodes the message (reader side).
    pub fn encode(&self) -> Vec<u8> {
        let (message_type, specific) = match self.kind {
            ReplyKind::DataBlock { chain_parameter } => (message_type::DATA_BLOCK, chain_parameter),
            ReplyKind::SlotStatus { clock_status } => (message_type::SLOT_STATUS, clock_status),
            ReplyKind::Parameters { protocol } => (message_type::PARAMETERS, protocol),
            ReplyKind::Escape => (message_type::ESCAPE_REPLY, 0),
        };
        let header = Header {
            message_type,
            data_len: self.data.len(),
            slot: self.slot,
            sequence: self.sequence,
            specific: [self.status.0, self.error, specific],
        };
        header.encode_with(&self.data).to_vec()
    }

    /// Parses one RDR_to_PC message (host side).
    pub fn parse(frame: &[u8]) -> Result<Self, FrameError> {
        let header = Header::parse(frame)?;
        let data = message_data(&header, frame)?;
        let [status, error, specific] = header.specific;
        let kind = match header.message_type {
            message_type::DATA_BLOCK => ReplyKind::DataBlock { chain_parameter: specific },
            message_type::SLOT_STATUS => ReplyKind::SlotStatus { clock_status: specific },
            message_type::PARAMETERS => ReplyKind::Parameters { protocol: specific },
            message_type::ESCAPE_REPLY => ReplyKind::Escape,
            other => return Err(FrameError::UnsupportedMessage { message_type: other }),
        };
        Ok(Self {
            kind,
            slot: header.slot,
            sequence: header.sequence,
            status: SlotStatusRegister(status),
            error,
            data: data.to_vec(),
        })
    }

    fn message_type(&self) -> u8 {
        match self.kind {
            ReplyKind::DataBlock { .. } => message_type::DATA_BLOCK,
            ReplyKind::SlotStatus { .. } => message_type::SLOT_STATUS,
            ReplyKind::Parameters { .. } => message_type::PARAMETERS,
            ReplyKind::Escape => message_type::ESCAPE_REPLY,
        }
    }
}

/// What RDR_to_PC_NotifySlotChange says about one slot (two bits per slot, §6.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotChange {
    /// The slot number.
    pub slot: u8,
    /// Whether a card is in the slot now.
    pub present: bool,
    /// Whether the state changed since the last notification (a card was inserted or removed).
    pub changed: bool,
}

/// Parses an interrupt IN transfer carrying RDR_to_PC_NotifySlotChange into per-slot changes.
pub fn parse_notify_slot_change(bytes: &[u8]) -> Result<Vec<SlotChange>, FrameError> {
    let [message, bitmap @ ..] = bytes else { return Err(FrameError::TooShort { len: 0 }) };
    if *message != message_type::NOTIFY_SLOT_CHANGE {
        return Err(FrameError::UnsupportedMessage { message_type: *message });
    }
    if bitmap.is_empty() {
        return Err(FrameError::TooShort { len: bytes.len() });
    }
    let mut changes = Vec::with_capacity(bitmap.len() * 4);
    for (byte_index, byte) in bitmap.iter().enumerate() {
        for pair in 0..4u8 {
            let bits = (byte >> (pair * 2)) & 0x03;
            let slot = u8::try_from(byte_index * 4).unwrap_or(u8::MAX).saturating_add(pair);
            changes.push(SlotChange { slot, present: bits & 0x01 != 0, changed: bits & 0x02 != 0 });
        }
    }
    Ok(changes)
}

/// The 7-byte T=1 protocol data structure of SetParameters (§6.1.7 Table 6.1-9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct T1Parameters {
    /// `bmFindexDindex`.
    pub findex_dindex: u8,
    /// `bmTCCKST1`: checksum type (bit 0: 1 = CRC, 0 = LRC) and convention.
    pub tcck: u8,
    /// `bGuardTimeT1`.
    pub guard_time: u8,
    /// `bmWaitingIntegersT1`: BWI in the high nibble, CWI in the low one.
    pub waiting_integers: u8,
    /// `bClockStop`.
    pub clock_stop: u8,
    /// `bIFSC`.
    pub ifsc: u8,
    /// `bNadValue`.
    pub nad: u8,
}

impl T1Parameters {
    /// LRC, direct convention, default timing, the given IFSC.
    pub fn lrc_with_ifsc(ifsc: u8) -> Self {
        Self { findex_dindex: 0x11, tcck: 0x10, guard_time: 0x00, waiting_integers: 0x45, clock_stop: 0, ifsc, nad: 0 }
    }

    /// The 7 bytes.
    pub fn encode(&self) -> Vec<u8> {
        vec![
            self.findex_dindex,
            self.tcck,
            self.guard_time,
            self.waiting_integers,
            self.clock_stop,
            self.ifsc,
            self.nad,
        ]
    }

    /// Parses the 7 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, FrameError> {
        let [findex_dindex, tcck, guard_time, waiting_integers, clock_stop, ifsc, nad] = *bytes else {
            return Err(FrameError::BadField { offset: 10 });
        };
        Ok(Self { findex_dindex, tcck, guard_time, waiting_integers, clock_stop, ifsc, nad })
    }
}

/// The exchange level a reader declares in `dwFeatures` (CCID Rev 1.1 Table 5.1-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangeLevel {
    /// Character level: the host does everything.
    Character,
    /// TPDU level: the host runs T=0/T=1.
    Tpdu,
    /// Short APDU level: one XfrBlock per short APDU.
    ShortApdu,
    /// Short and extended APDU level.
    ShortAndExtendedApdu,
}

/// The CCID class descriptor (`bDescriptorType` 0x21, 54 bytes, CCID Rev 1.1 Table 5.1-1). All fields are
/// little-endian on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // Field names are the specification's, without their Hungarian prefixes.
pub struct CcidClassDescriptor {
    pub bcd_ccid: u16,
    pub max_slot_index: u8,
    pub voltage_support: u8,
    pub protocols: u32,
    pub default_clock: u32,
    pub maximum_clock: u32,
    pub num_clock_supported: u8,
    pub data_rate: u32,
    pub max_data_rate: u32,
    pub num_data_rates_supported: u8,
    pub max_ifsd: u32,
    pub synch_protocols: u32,
    pub mechanical: u32,
    pub features: u32,
    pub max_message_length: u32,
    pub class_get_response: u8,
    pub class_envelope: u8,
    pub lcd_layout: u16,
    pub pin_support: u8,
    pub max_busy_slots: u8,
}

/// Little-endian reader over a fixed-size descriptor; the caller checked the length, so reads cannot run short.
struct DescriptorCursor<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl DescriptorCursor<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(slice) = self.bytes.get(self.offset..self.offset + N) {
            out.copy_from_slice(slice);
        }
        self.offset += N;
        out
    }

    fn u8(&mut self) -> u8 {
        let [byte] = self.take::<1>();
        byte
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
}

impl CcidClassDescriptor {
    /// `bLength` of the descriptor.
    pub const LEN: usize = 54;
    /// `bDescriptorType` of the CCID class descriptor.
    pub const DESCRIPTOR_TYPE: u8 = 0x21;
    /// `dwFeatures` mask of the exchange level bits.
    pub const EXCHANGE_LEVEL_MASK: u32 = 0x0007_0000;
    /// `dwFeatures`: TPDU level exchange.
    pub const FEATURE_TPDU: u32 = 0x0001_0000;
    /// `dwFeatures`: short APDU level exchange.
    pub const FEATURE_SHORT_APDU: u32 = 0x0002_0000;
    /// `dwFeatures`: short and extended APDU level exchange.
    pub const FEATURE_EXTENDED_APDU: u32 = 0x0004_0000;

    /// Parses the 54 descriptor bytes (starting with `bLength` 0x36 and `bDescriptorType` 0x21).
    pub fn parse(bytes: &[u8]) -> Result<Self, FrameError> {
        let bytes = bytes.get(..Self::LEN).ok_or(FrameError::BadDescriptor)?;
        if bytes.first() != Some(&0x36) || bytes.get(1) != Some(&Self::DESCRIPTOR_TYPE) {
            return Err(FrameError::BadDescriptor);
        }
        let mut cursor = DescriptorCursor { bytes, offset: 2 };
        Ok(Self {
            bcd_ccid: cursor.u16(),
            max_slot_index: cursor.u8(),
            voltage_support: cursor.u8(),
            protocols: cursor.u32(),
            default_clock: cursor.u32(),
            maximum_clock: cursor.u32(),
            num_clock_supported: cursor.u8(),
            data_rate: cursor.u32(),
            max_data_rate: cursor.u32(),
            num_data_rates_supported: cursor.u8(),
            max_ifsd: cursor.u32(),
            synch_protocols: cursor.u32(),
            mechanical: cursor.u32(),
            features: cursor.u32(),
            max_message_length: cursor.u32(),
            class_get_response: cursor.u8(),
            class_envelope: cursor.u8(),
            lcd_layout: cursor.u16(),
            pin_support: cursor.u8(),
            max_busy_slots: cursor.u8(),
        })
    }

    /// Finds and parses the CCID class descriptor inside a whole configuration descriptor (what a standard
    /// GET_DESCRIPTOR(CONFIGURATION) returns). Only a 0x21 descriptor following an interface of class 0x0B counts:
    /// HID uses the same descriptor type.
    pub fn find_in_configuration(configuration: &[u8]) -> Result<Self, FrameError> {
        const INTERFACE_DESCRIPTOR: u8 = 0x04;
        const SMART_CARD_CLASS: u8 = 0x0B;
        let mut rest = configuration;
        let mut in_smart_card_interface = false;
        while let [length, descriptor_type, ..] = *rest {
            let length = usize::from(length);
            let Some(descriptor) = rest.get(..length).filter(|_| length >= 2) else {
                break;
            };
            if descriptor_type == INTERFACE_DESCRIPTOR {
                in_smart_card_interface = descriptor.get(5) == Some(&SMART_CARD_CLASS);
            } else if descriptor_type == Self::DESCRIPTOR_TYPE && in_smart_card_interface {
                return Self::parse(descriptor);
            }
            rest = rest.get(length..).unwrap_or_default();
        }
        Err(FrameError::NoCcidInterface)
    }

    /// The 54 descriptor bytes.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut bytes = Vec::with_capacity(Self::LEN);
        bytes.extend_from_slice(&[0x36, Self::DESCRIPTOR_TYPE]);
        bytes.extend_from_slice(&self.bcd_ccid.to_le_bytes());
        bytes.extend_from_slice(&[self.max_slot_index, self.voltage_support]);
        for value in [self.protocols, self.default_clock, self.maximum_clock] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes.push(self.num_clock_supported);
        for value in [self.data_rate, self.max_data_rate] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes.push(self.num_data_rates_supported);
        for value in [self.max_ifsd, self.synch_protocols, self.mechanical, self.features, self.max_message_length] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes.extend_from_slice(&[self.class_get_response, self.class_envelope]);
        bytes.extend_from_slice(&self.lcd_layout.to_le_bytes());
        bytes.extend_from_slice(&[self.pin_support, self.max_busy_slots]);
        let mut out = [0u8; Self::LEN];
        for (slot, byte) in out.iter_mut().zip(bytes) {
            *slot = byte;
        }
        out
    }

    /// The exchange level from `dwFeatures`. When several level bits are set the highest wins.
    pub fn exchange_level(&self) -> ExchangeLevel {
        let level = self.features & Self::EXCHANGE_LEVEL_MASK;
        if level & Self::FEATURE_EXTENDED_APDU != 0 {
            ExchangeLevel::ShortAndExtendedApdu
        } else if level & Self::FEATURE_SHORT_APDU != 0 {
            ExchangeLevel::ShortApdu
        } else if level & Self::FEATURE_TPDU != 0 {
            ExchangeLevel::Tpdu
        } else {
            ExchangeLevel::Character
        }
    }
}

/// The card's Answer To Reset, as the reader reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atr(pub Vec<u8>);

impl Atr {
    /// The ATR bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A CCID reader driven at short-APDU exchange level over raw bulk endpoints: one XfrBlock per short APDU.
#[derive(Debug)]
pub struct CcidReader<B> {
    bulk: B,
    slot: u8,
    next_sequence: u8,
    max_message_length: usize,
    max_time_extensions: u32,
    level: ExchangeLevel,
}

impl<B: UsbBulk> CcidReader<B> {
    /// `dwMaxCCIDMessageLength` assumed when no class descriptor is given: enough for a 261-byte short command
    /// and a 258-byte short response, and what the smallest common APDU-level readers declare.
    pub const DEFAULT_MAX_MESSAGE_LENGTH: usize = 271;
    /// How many time-extension replies one command may receive before the reader is given up on. RSA signing
    /// takes a few block waiting times; a reader that never finishes must not hang the kiosk forever.
    pub const DEFAULT_MAX_TIME_EXTENSIONS: u32 = 1024;
    /// How many bulk IN transfers may make up one reply before it is declared malformed.
    const MAX_TRANSFERS_PER_REPLY: usize = 300;

    /// A reader on slot 0 with default limits, for when the class descriptor is not available.
    pub fn new(bulk: B) -> Self {
        Self {
            bulk,
            slot: 0,
            next_sequence: 0,
            max_message_length: Self::DEFAULT_MAX_MESSAGE_LENGTH,
            max_time_extensions: Self::DEFAULT_MAX_TIME_EXTENSIONS,
            level: ExchangeLevel::ShortApdu,
        }
    }

    /// A reader configured from its class descriptor, for use as an APDU-level [`Transport`]. Refuses TPDU- and
    /// character-level readers: wrap a TPDU reader with [`CcidReader::tpdu_with_descriptor`] and a T=1 engine.
    pub fn with_descriptor(bulk: B, descriptor: &CcidClassDescriptor) -> Result<Self, TransportError> {
        match descriptor.exchange_level() {
            ExchangeLevel::ShortApdu | ExchangeLevel::ShortAndExtendedApdu => {}
            ExchangeLevel::Tpdu => return Err(TransportError::UnsupportedReader("TPDU-level exchange")),
            ExchangeLevel::Character => return Err(TransportError::UnsupportedReader("character-level exchange")),
        }
        Self::configured(bulk, descriptor)
    }

    /// A TPDU-level reader configured from its class descriptor, for [`crate::t1::T1Host`] to drive.
    pub fn tpdu_with_descriptor(bulk: B, descriptor: &CcidClassDescriptor) -> Result<Self, TransportError> {
        if descriptor.exchange_level() != ExchangeLevel::Tpdu {
            return Err(TransportError::UnsupportedReader("not a TPDU-level reader"));
        }
        Self::configured(bulk, descriptor)
    }

    fn configured(bulk: B, descriptor: &CcidClassDescriptor) -> Result<Self, TransportError> {
        let declared = usize::try_from(descriptor.max_message_length).unwrap_or(usize::MAX);
        if declared <= HEADER_LEN + 4 {
            return Err(TransportError::UnsupportedReader("dwMaxCCIDMessageLength too small"));
        }
        let mut reader = Self::new(bulk);
        reader.max_message_length = declared.min(HEADER_LEN + MAX_DATA_LEN);
        reader.level = descriptor.exchange_level();
        Ok(reader)
    }

    /// The exchange level this reader was configured for.
    pub fn exchange_level(&self) -> ExchangeLevel {
        self.level
    }

    /// Sets the T=1 protocol parameters (TPDU-level readers need them after power-on) and returns what the
    /// reader accepted.
    pub async fn set_t1_parameters(&mut self, parameters: &T1Parameters) -> Result<T1Parameters, TransportError> {
        let reply = self.exchange(HostCommand::SetParameters { protocol: 1, data: parameters.encode() }).await?;
        Self::check_processed(&reply)?;
        T1Parameters::parse(&reply.data).map_err(|_| TransportError::MalformedFrame("T=1 parameters"))
    }

    /// Sends a vendor Escape command and returns the reader's answer bytes.
    pub async fn escape(&mut self, data: &[u8]) -> Result<Vec<u8>, TransportError> {
        let reply = self.exchange(HostCommand::Escape { data: data.to_vec() }).await?;
        Self::check_processed(&reply)?;
        Ok(reply.data)
    }

    /// Sends the bulk half of an abort (the caller issues the ABORT control request with the same `bSeq`
    /// first); returns the slot state.
    pub async fn abort(&mut self) -> Result<IccStatus, TransportError> {
        let reply = self.exchange(HostCommand::Abort).await?;
        Self::slot_state_of(&reply)
    }

    /// One XfrBlock with raw bytes (a T=1 block at TPDU level), `bBWI` extending the block waiting time.
    pub async fn xfr_raw(&mut self, data: &[u8], block_waiting_integer: u8) -> Result<Vec<u8>, TransportError> {
        self.xfr(data, block_waiting_integer, 0).await.map(|(_, data)| data)
    }

    async fn xfr(
        &mut self,
        data: &[u8],
        block_waiting_integer: u8,
        level_parameter: u16,
    ) -> Result<(u8, Vec<u8>), TransportError> {
        let reply = self
            .exchange(HostCommand::XfrBlock {
                block_waiting_integer,
                level_parameter,
                data: Zeroizing::new(data.to_vec()),
            })
            .await?;
        Self::check_processed(&reply)?;
        match reply.kind {
            ReplyKind::DataBlock { chain_parameter } => Ok((chain_parameter, reply.data)),
            _ => Err(TransportError::MalformedFrame("XfrBlock answered without a DataBlock")),
        }
    }

    /// Changes how many time extensions one command may receive.
    #[must_use]
    pub fn with_max_time_extensions(mut self, limit: u32) -> Self {
        self.max_time_extensions = limit;
        self
    }

    /// Powers the card up and returns its ATR.
    pub async fn power_on(&mut self) -> Result<Atr, TransportError> {
        let reply = self.exchange(HostCommand::IccPowerOn { power_select: PowerSelect::Automatic }).await?;
        Self::check_processed(&reply)?;
        Ok(Atr(reply.data))
    }

    /// Powers the card down. Returns the slot state afterwards.
    pub async fn power_off(&mut self) -> Result<IccStatus, TransportError> {
        let reply = self.exchange(HostCommand::IccPowerOff).await?;
        Self::slot_state_of(&reply)
    }

    /// Asks whether a card is present and powered. An empty slot is an answer here, not an error.
    pub async fn slot_status(&mut self) -> Result<IccStatus, TransportError> {
        let reply = self.exchange(HostCommand::GetSlotStatus).await?;
        Self::slot_state_of(&reply)
    }

    /// Gives the bulk endpoints back.
    pub fn into_inner(self) -> B {
        self.bulk
    }

    /// The bulk endpoints.
    pub fn bulk_mut(&mut self) -> &mut B {
        &mut self.bulk
    }

    fn slot_state_of(reply: &ReplyFrame) -> Result<IccStatus, TransportError> {
        let icc = reply.status.icc_status();
        match reply.status.command_status() {
            CommandStatus::Failed if icc != IccStatus::Absent => Err(Self::failure(reply)),
            _ => Ok(icc),
        }
    }

    fn check_processed(reply: &ReplyFrame) -> Result<(), TransportError> {
        match reply.status.command_status() {
            CommandStatus::Processed => Ok(()),
            CommandStatus::Failed => Err(Self::failure(reply)),
            CommandStatus::TimeExtension | CommandStatus::Reserved => {
                Err(TransportError::MalformedFrame("reserved bmCommandStatus"))
            }
        }
    }

    fn failure(reply: &ReplyFrame) -> TransportError {
        match (reply.status.icc_status(), reply.error) {
            (IccStatus::Absent, _) => TransportError::NoCard,
            (_, slot_error::ICC_MUTE) => TransportError::CardMute,
            (_, error_code) => TransportError::ReaderFailed { error_code },
        }
    }

    /// Sends one command and returns its final reply, waiting through time extensions.
    async fn exchange(&mut self, command: HostCommand) -> Result<ReplyFrame, TransportError> {
        let sequence = self.next_sequence;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        let expected_type = command.reply_message_type();
        let frame = CommandFrame { slot: self.slot, sequence, command };
        self.bulk.bulk_out(&frame.encode()).await?;

        let mut time_extensions = 0u32;
        loop {
            let reply = self.read_reply().await?;
            if reply.sequence != sequence {
                return Err(TransportError::SequenceMismatch { expected: sequence, received: reply.sequence });
            }
            if reply.slot != self.slot {
                return Err(TransportError::MalformedFrame("reply for another slot"));
            }
            if reply.status.command_status() == CommandStatus::TimeExtension {
                time_extensions += 1;
                if time_extensions > self.max_time_extensions {
                    return Err(TransportError::TooManyTimeExtensions);
                }
                continue;
            }
            if reply.message_type() != expected_type {
                return Err(TransportError::MalformedFrame("reply of the wrong message type"));
            }
            return Ok(reply);
        }
    }

    /// Reads bulk IN transfers until one whole message is in, however the device splits it.
    async fn read_reply(&mut self) -> Result<ReplyFrame, TransportError> {
        let mut buffer: Vec<u8> = Vec::new();
        for _ in 0..Self::MAX_TRANSFERS_PER_REPLY {
            let chunk = self.bulk.bulk_in(self.max_message_length).await?;
            buffer.extend_from_slice(&chunk);
            let header = match Header::parse(&buffer) {
                Ok(header) => header,
                Err(FrameError::TooShort { .. }) => continue,
                Err(_) => return Err(TransportError::MalformedFrame("reply header")),
            };
            let total = HEADER_LEN + header.data_len;
            if buffer.len() < total {
                continue;
            }
            if buffer.len() > total {
                return Err(TransportError::MalformedFrame("bytes after the end of the reply"));
            }
            return ReplyFrame::parse(&buffer).map_err(|_| TransportError::MalformedFrame("reply"));
        }
        Err(TransportError::MalformedFrame("reply never completed"))
    }
}

/// `wLevelParameter` / `bChainParameter` values of extended APDU level chaining (CCID Rev 1.1 §6.1.4, §6.2.1).
pub mod chain {
    /// The whole APDU in one message.
    pub const COMPLETE: u16 = 0x0000;
    /// The first part of a chain; more follows.
    pub const BEGIN: u16 = 0x0001;
    /// The last part of a chain.
    pub const END: u16 = 0x0002;
    /// A middle part of a chain.
    pub const CONTINUE: u16 = 0x0003;
    /// An empty XfrBlock asking for the next part of the reader's answer (or, from the reader, asking for the
    /// next part of the command).
    pub const EMPTY_CONTINUE: u16 = 0x0010;
}

impl<B: UsbBulk> CcidReader<B> {
    /// Sends an extended APDU in as many XfrBlocks as `dwMaxCCIDMessageLength` needs and collects the answer
    /// the same way.
    async fn transmit_chained(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let max = self.max_message_length.saturating_sub(HEADER_LEN).max(1);
        let parts: Vec<&[u8]> = command.chunks(max).collect();
        let last = parts.len().saturating_sub(1);
        let mut answer = (0u8, Vec::new());
        for (index, part) in parts.iter().enumerate() {
            let level = match (index, index == last) {
                (0, true) => chain::COMPLETE,
                (0, false) => chain::BEGIN,
                (_, true) => chain::END,
                (_, false) => chain::CONTINUE,
            };
            answer = self.xfr(part, 0, level).await?;
            let expects_more = index < last;
            let asks_for_more = u16::from(answer.0) == chain::EMPTY_CONTINUE;
            if expects_more != asks_for_more {
                return Err(TransportError::MalformedFrame("reader broke the command chain"));
            }
        }
        let (mut chain_parameter, mut response) = answer;
        while matches!(u16::from(chain_parameter), chain::BEGIN | chain::CONTINUE) {
            let (next_parameter, part) = self.xfr(&[], 0, chain::EMPTY_CONTINUE).await?;
            response.extend_from_slice(&part);
            if response.len() > MAX_DATA_LEN {
                return Err(TransportError::MalformedFrame("chained response longer than an extended APDU"));
            }
            chain_parameter = next_parameter;
        }
        match u16::from(chain_parameter) {
            chain::COMPLETE | chain::END => Ok(response),
            _ => Err(TransportError::MalformedFrame("unknown bChainParameter")),
        }
    }
}

impl<B: UsbBulk> Transport for CcidReader<B> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.level {
            ExchangeLevel::ShortAndExtendedApdu => return self.transmit_chained(command).await,
            ExchangeLevel::ShortApdu => {}
            ExchangeLevel::Tpdu | ExchangeLevel::Character => {
                return Err(TransportError::UnsupportedReader("this reader needs a T=1 engine"));
            }
        }
        let max = self.max_message_length.saturating_sub(HEADER_LEN);
        if command.len() > max {
            return Err(TransportError::CommandTooLong { len: command.len(), max });
        }
        match self.xfr(command, 0, chain::COMPLETE).await? {
            (0, data) => Ok(data),
            _ => Err(TransportError::MalformedFrame("chained response at short APDU level")),
        }
    }

    fn supports_extended_length(&self) -> bool {
        self.level == ExchangeLevel::ShortAndExtendedApdu
    }
}

impl<B: UsbBulk> crate::t1::BlockLink for CcidReader<B> {
    async fn exchange_block(&mut self, block: &[u8], waiting_multiplier: u8) -> Result<Vec<u8>, TransportError> {
        // bBWI 0 means "no extension"; a WTX multiplier of 1 is the same thing.
        let bwi = if waiting_multiplier <= 1 { 0 } else { waiting_multiplier };
        self.xfr_raw(block, bwi).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use std::collections::VecDeque;

    use futures::executor::block_on;
    use proptest::prelude::*;

    use super::*;

    /// Bulk endpoints that record what the host wrote and play back scripted reader replies.
    #[derive(Debug, Default)]
    struct ScriptedBulk {
        written: Vec<Vec<u8>>,
        replies: VecDeque<Vec<u8>>,
    }

    impl ScriptedBulk {
        fn replying(replies: &[Vec<u8>]) -> Self {
            Self { written: Vec::new(), replies: replies.iter().cloned().collect() }
        }
    }

    impl UsbBulk for ScriptedBulk {
        async fn bulk_out(&mut self, data: &[u8]) -> Result<(), TransportError> {
            self.written.push(data.to_vec());
            Ok(())
        }

        async fn bulk_in(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
            let mut reply = self.replies.pop_front().ok_or(TransportError::Io("script exhausted".into()))?;
            if reply.len() > max_len {
                let rest = reply.split_off(max_len);
                self.replies.push_front(rest);
            }
            Ok(reply)
        }
    }

    use crate::test_script::hex;

    fn data_block(sequence: u8, status: u8, error: u8, data: &[u8]) -> Vec<u8> {
        ReplyFrame {
            kind: ReplyKind::DataBlock { chain_parameter: 0 },
            slot: 0,
            sequence,
            status: SlotStatusRegister(status),
            error,
            data: data.to_vec(),
        }
        .encode()
    }

    const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";

    #[test]
    fn power_on_frame_is_the_documented_bytes() {
        let frame = CommandFrame {
            slot: 0,
            sequence: 0,
            command: HostCommand::IccPowerOn { power_select: PowerSelect::Automatic },
        };
        assert_eq!(frame.encode().as_slice(), hex("62 00 00 00 00 00 00 00 00 00"));
        assert_eq!(CommandFrame::parse(&frame.encode()).unwrap(), frame);
    }

    #[test]
    fn get_slot_status_and_power_off_frames() {
        let status = CommandFrame { slot: 0, sequence: 2, command: HostCommand::GetSlotStatus };
        assert_eq!(status.encode().as_slice(), hex("65 00 00 00 00 00 02 00 00 00"));
        let off = CommandFrame { slot: 0, sequence: 3, command: HostCommand::IccPowerOff };
        assert_eq!(off.encode().as_slice(), hex("63 00 00 00 00 00 03 00 00 00"));
    }

    #[test]
    fn xfr_block_select_jpki_with_sequence_1() {
        let frame = CommandFrame {
            slot: 0,
            sequence: 1,
            command: HostCommand::XfrBlock {
                block_waiting_integer: 0,
                level_parameter: 0,
                data: Zeroizing::new(hex(SELECT_JPKI)),
            },
        };
        let expected = hex("6F 0F 00 00 00 00 01 00 00 00 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01");
        assert_eq!(frame.encode().as_slice(), expected);
        assert_eq!(CommandFrame::parse(&expected).unwrap(), frame);
    }

    #[test]
    fn xfr_block_debug_does_not_print_the_apdu() {
        let command = HostCommand::XfrBlock {
            block_waiting_integer: 0,
            level_parameter: 0,
            data: Zeroizing::new(b"\x00\x20\x00\x80\x041234".to_vec()),
        };
        let printed = format!("{command:?}");
        assert!(!printed.contains("49") && !printed.contains("1234"), "{printed}");
        assert!(printed.contains("9 bytes redacted"), "{printed}");
    }

    #[test]
    fn reply_frames_round_trip_and_decode_status() {
        let frame = hex("80 04 00 00 00 00 07 40 FE 00 DE AD BE EF");
        let reply = ReplyFrame::parse(&frame).unwrap();
        assert_eq!(reply.kind, ReplyKind::DataBlock { chain_parameter: 0 });
        assert_eq!(reply.sequence, 7);
        assert_eq!(reply.status.command_status(), CommandStatus::Failed);
        assert_eq!(reply.status.icc_status(), IccStatus::PresentActive);
        assert_eq!(reply.error, 0xFE);
        assert_eq!(reply.data, hex("DE AD BE EF"));
        assert_eq!(reply.encode(), frame);
        assert_eq!(SlotStatusRegister::new(IccStatus::Absent, CommandStatus::Failed), SlotStatusRegister(0x42));
        assert_eq!(SlotStatusRegister::new(IccStatus::PresentActive, CommandStatus::TimeExtension).0, 0x80);
    }

    #[test]
    fn length_mismatch_and_unknown_types_are_typed_errors() {
        assert_eq!(
            ReplyFrame::parse(&hex("80 05 00 00 00 00 00 00 00 00 01")),
            Err(FrameError::LengthMismatch { declared: 5, actual: 1 })
        );
        assert_eq!(ReplyFrame::parse(&hex("80 00")), Err(FrameError::TooShort { len: 2 }));
        assert_eq!(
            CommandFrame::parse(&hex("6A 00 00 00 00 00 00 00 00 00")),
            Err(FrameError::UnsupportedMessage { message_type: 0x6A })
        );
        assert_eq!(CommandFrame::parse(&hex("62 00 00 00 00 00 00 09 00 00")), Err(FrameError::BadField { offset: 7 }));
        assert_eq!(
            Header::parse(&hex("80 FF FF FF FF 00 00 00 00 00")),
            Err(FrameError::TooLong { declared: 0xFFFF_FFFF })
        );
    }

    #[test]
    fn power_on_returns_the_atr_and_increments_the_sequence() {
        let atr = hex("3B E0 00 FF 81 31 FE 45 14");
        let bulk = ScriptedBulk::replying(&[data_block(0, 0, 0, &atr), data_block(1, 0, 0, &hex("90 00"))]);
        let mut reader = CcidReader::new(bulk);
        assert_eq!(block_on(reader.power_on()).unwrap(), Atr(atr));
        assert_eq!(block_on(reader.transmit(&hex(SELECT_JPKI))).unwrap(), hex("90 00"));
        let bulk = reader.into_inner();
        assert_eq!(bulk.written[0], hex("62 00 00 00 00 00 00 00 00 00"));
        assert_eq!(bulk.written[1], hex("6F 0F 00 00 00 00 01 00 00 00 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"));
    }

    #[test]
    fn time_extension_keeps_reading_the_same_sequence() {
        let signature = vec![0x5A; 258];
        let bulk = ScriptedBulk::replying(&[
            data_block(0, 0x80, 1, &[]),
            data_block(0, 0x80, 2, &[]),
            data_block(0, 0x00, 0, &signature),
        ]);
        let mut reader = CcidReader::new(bulk);
        assert_eq!(block_on(reader.transmit(&[0x80, 0x2A, 0x00, 0x80])).unwrap(), signature);
        assert!(reader.into_inner().replies.is_empty());
    }

    #[test]
    fn endless_time_extensions_are_cut_off() {
        let bulk = ScriptedBulk::replying(&vec![data_block(0, 0x80, 1, &[]); 4]);
        let mut reader = CcidReader::new(bulk).with_max_time_extensions(3);
        assert_eq!(block_on(reader.transmit(&[0x00, 0xB0, 0, 0, 4])), Err(TransportError::TooManyTimeExtensions));
    }

    #[test]
    fn sequence_mismatch_is_a_typed_error() {
        let bulk = ScriptedBulk::replying(&[data_block(5, 0, 0, &hex("90 00"))]);
        let mut reader = CcidReader::new(bulk);
        assert_eq!(
            block_on(reader.transmit(&hex(SELECT_JPKI))),
            Err(TransportError::SequenceMismatch { expected: 0, received: 5 })
        );
    }

    #[test]
    fn failures_map_to_no_card_mute_or_reader_error() {
        let cases = [
            (0x42, 0xFE, TransportError::NoCard),
            (0x41, 0xFE, TransportError::CardMute),
            (0x40, 0x05, TransportError::ReaderFailed { error_code: 0x05 }),
        ];
        for (status, error, expected) in cases {
            let mut reader = CcidReader::new(ScriptedBulk::replying(&[data_block(0, status, error, &[])]));
            assert_eq!(block_on(reader.transmit(&hex(SELECT_JPKI))), Err(expected));
        }
    }

    #[test]
    fn slot_status_reports_an_empty_slot_as_an_answer() {
        let slot_status = |sequence, status| {
            ReplyFrame {
                kind: ReplyKind::SlotStatus { clock_status: 0 },
                slot: 0,
                sequence,
                status: SlotStatusRegister(status),
                error: if status & 0x40 != 0 { 0xFE } else { 0 },
                data: Vec::new(),
            }
            .encode()
        };
        let bulk = ScriptedBulk::replying(&[slot_status(0, 0x02), slot_status(1, 0x42), slot_status(2, 0x00)]);
        let mut reader = CcidReader::new(bulk);
        assert_eq!(block_on(reader.slot_status()), Ok(IccStatus::Absent));
        assert_eq!(block_on(reader.slot_status()), Ok(IccStatus::Absent));
        assert_eq!(block_on(reader.slot_status()), Ok(IccStatus::PresentActive));
    }

    #[test]
    fn replies_split_across_transfers_are_reassembled() {
        let response = vec![0x42; 258];
        let frame = data_block(0, 0, 0, &response);
        let (first, second) = frame.split_at(64);
        let mut reader = CcidReader::new(ScriptedBulk::replying(&[first.to_vec(), second.to_vec()]));
        assert_eq!(block_on(reader.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00])).unwrap(), response);
    }

    #[test]
    fn wrong_reply_type_and_trailing_bytes_are_rejected() {
        let slot_status = hex("81 00 00 00 00 00 00 00 00 00");
        let mut reader = CcidReader::new(ScriptedBulk::replying(&[slot_status]));
        assert!(matches!(block_on(reader.transmit(&hex(SELECT_JPKI))), Err(TransportError::MalformedFrame(_))));

        let mut trailing = data_block(0, 0, 0, &hex("90 00"));
        trailing.push(0);
        let mut reader = CcidReader::new(ScriptedBulk::replying(&[trailing]));
        assert!(matches!(block_on(reader.transmit(&hex(SELECT_JPKI))), Err(TransportError::MalformedFrame(_))));
    }

    #[test]
    fn commands_longer_than_the_reader_accepts_are_refused_before_sending() {
        let mut reader = CcidReader::new(ScriptedBulk::default());
        let too_long = vec![0u8; CcidReader::<ScriptedBulk>::DEFAULT_MAX_MESSAGE_LENGTH];
        assert!(matches!(block_on(reader.transmit(&too_long)), Err(TransportError::CommandTooLong { .. })));
        assert!(reader.into_inner().written.is_empty());
    }

    /// Class descriptor of an ACS ACR1252U-style reader: short and extended APDU level (0x000404BA), 522-byte
    /// messages (values from libccid's reader list as summarised in the reference notes).
    fn acr1252_style_descriptor() -> CcidClassDescriptor {
        CcidClassDescriptor {
            bcd_ccid: 0x0110,
            max_slot_index: 0,
            voltage_support: 0x07,
            protocols: 0x0000_0003,
            default_clock: 4000,
            maximum_clock: 4000,
            num_clock_supported: 0,
            data_rate: 10752,
            max_data_rate: 826_000,
            num_data_rates_supported: 0,
            max_ifsd: 254,
            synch_protocols: 0,
            mechanical: 0,
            features: 0x0004_04BA,
            max_message_length: 522,
            class_get_response: 0xFF,
            class_envelope: 0xFF,
            lcd_layout: 0,
            pin_support: 0,
            max_busy_slots: 1,
        }
    }

    #[test]
    fn class_descriptor_round_trips_and_reports_the_exchange_level() {
        let descriptor = acr1252_style_descriptor();
        let bytes = descriptor.encode();
        assert_eq!(bytes[0], 0x36);
        assert_eq!(bytes[1], 0x21);
        assert_eq!(&bytes[40..44], &[0xBA, 0x04, 0x04, 0x00]);
        assert_eq!(&bytes[44..48], &[0x0A, 0x02, 0x00, 0x00]);
        assert_eq!(CcidClassDescriptor::parse(&bytes), Ok(descriptor));
        assert_eq!(descriptor.exchange_level(), ExchangeLevel::ShortAndExtendedApdu);

        let tpdu = CcidClassDescriptor { features: 0x0001_00B2, ..descriptor };
        assert_eq!(tpdu.exchange_level(), ExchangeLevel::Tpdu);
        assert!(matches!(
            CcidReader::with_descriptor(ScriptedBulk::default(), &tpdu),
            Err(TransportError::UnsupportedReader(_))
        ));
        let short = CcidClassDescriptor { features: 0x0002_0040, ..descriptor };
        assert_eq!(short.exchange_level(), ExchangeLevel::ShortApdu);
        assert_eq!(CcidClassDescriptor { features: 0, ..descriptor }.exchange_level(), ExchangeLevel::Character);
        assert_eq!(CcidClassDescriptor::parse(&bytes[..53]), Err(FrameError::BadDescriptor));
    }

    #[test]
    fn class_descriptor_is_found_after_a_smart_card_interface_only() {
        let descriptor = acr1252_style_descriptor().encode();
        let configuration_header = hex("09 02 00 00 02 01 00 80 32");
        let hid_interface = hex("09 04 00 00 01 03 00 00 00");
        let hid_descriptor = hex("09 21 11 01 00 01 22 20 00");
        let ccid_interface = hex("09 04 01 00 02 0B 00 00 00");
        let endpoint = hex("07 05 02 02 40 00 00");
        let configuration =
            [configuration_header, hid_interface, hid_descriptor, ccid_interface, descriptor.to_vec(), endpoint]
                .concat();
        assert_eq!(CcidClassDescriptor::find_in_configuration(&configuration), Ok(acr1252_style_descriptor()));
        assert_eq!(CcidClassDescriptor::find_in_configuration(&configuration[..27]), Err(FrameError::NoCcidInterface));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Header::parse(&bytes);
            let _ = CommandFrame::parse(&bytes);
            let _ = ReplyFrame::parse(&bytes);
            let _ = CcidClassDescriptor::parse(&bytes);
            let _ = CcidClassDescriptor::find_in_configuration(&bytes);
        }

        #[test]
        fn reply_frames_round_trip(
            data_block in any::<bool>(), slot in any::<u8>(), sequence in any::<u8>(), status in any::<u8>(),
            error in any::<u8>(), specific in any::<u8>(), data in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let kind = if data_block {
                ReplyKind::DataBlock { chain_parameter: specific }
            } else {
                ReplyKind::SlotStatus { clock_status: specific }
            };
            let frame = ReplyFrame { kind, slot, sequence, status: SlotStatusRegister(status), error, data };
            prop_assert_eq!(ReplyFrame::parse(&frame.encode()), Ok(frame));
        }

        #[test]
        fn xfr_block_frames_round_trip(
            sequence in any::<u8>(), bwi in any::<u8>(), level in any::<u16>(),
            data in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let frame = CommandFrame {
                slot: 0,
                sequence,
                command: HostCommand::XfrBlock { block_waiting_integer: bwi, level_parameter: level, data: Zeroizing::new(data) },
            };
            prop_assert_eq!(CommandFrame::parse(&frame.encode()), Ok(frame));
        }
    }
}
