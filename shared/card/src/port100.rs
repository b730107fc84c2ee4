//! Layer 2d: the Sony RC-S380 (NFC Port-100) reader protocol over its vendor bulk endpoints, ISO/IEC 14443-3
//! Type B activation at 106 kbit/s, and ISO-DEP on top ([`crate::isodep`]). Facts: the RC-S380 reference notes.
//!
//! The frame codec works both ways (host commands `D6`, reader answers `D7`) so the virtual RC-S380 in
//! `onshi-vcard` shares it. [`Rcs380`] is the host driver over any [`UsbBulk`]: it checks every ACK, checksum
//! and response code, and resynchronises by sending an ACK (which cancels the reader's pending command).

use zeroize::Zeroizing;

use crate::ccid::Atr;
use crate::isodep::{IsoDepHost, RfLink, frame_size, frame_waiting_timeout};
use crate::transport::{Transport, TransportError, UsbBulk};

/// The ACK frame, both directions.
pub const ACK: [u8; 6] = [0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
/// Direction byte of a host command.
pub const DIRECTION_COMMAND: u8 = 0xD6;
/// Direction byte of a reader answer.
pub const DIRECTION_RESPONSE: u8 = 0xD7;
/// Largest DATA length accepted (2 + 1001, Linux `PORT100_FRAME_MAX_PAYLOAD_LEN`).
pub const MAX_DATA: usize = 1003;
/// Bytes asked for per bulk IN transfer (a full frame with FSD 256 is 271 bytes).
pub const READ_SIZE: usize = 300;

/// Command codes (§2.4).
pub mod command {
    /// InSetRF.
    pub const IN_SET_RF: u8 = 0x00;
    /// InSetProtocol.
    pub const IN_SET_PROTOCOL: u8 = 0x02;
    /// InCommRF.
    pub const IN_COMM_RF: u8 = 0x04;
    /// SwitchRF.
    pub const SWITCH_RF: u8 = 0x06;
    /// GetFirmwareVersion.
    pub const GET_FIRMWARE_VERSION: u8 = 0x20;
    /// SetCommandType.
    pub const SET_COMMAND_TYPE: u8 = 0x2A;
}

/// InSetRF parameters for ISO/IEC 14443 Type B at 106 kbit/s both ways.
pub const IN_SET_RF_106B: [u8; 4] = [0x03, 0x07, 0x0F, 0x07];
/// InSetProtocol: the default table (number, value pairs).
pub const IN_SET_PROTOCOL_DEFAULT: [u8; 38] = [
    0x00, 0x18, 0x01, 0x01, 0x02, 0x01, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x08, 0x08, 0x00, 0x09,
    0x00, 0x0A, 0x00, 0x0B, 0x00, 0x0C, 0x00, 0x0E, 0x04, 0x0F, 0x00, 0x10, 0x00, 0x11, 0x00, 0x12, 0x00, 0x13, 0x06,
];
/// InSetProtocol: the Type B overrides (SOF/EOF on, initial guard time 20).
pub const IN_SET_PROTOCOL_TYPE_B: [u8; 10] = [0x0B, 0x01, 0x09, 0x01, 0x0C, 0x01, 0x0A, 0x01, 0x00, 0x14];
/// REQB: APf 05, AFI 00 (all), PARAM 10 (extended ATQB allowed, one slot).
pub const REQB: [u8; 3] = [0x05, 0x00, 0x10];
/// InCommRF timeout for REQB and ATTRIB: 30 ms encoded as (30 + 1) × 10.
pub const ACTIVATION_TIMEOUT: u16 = 310;

/// InCommRF status bits (§6.2).
pub mod rf_status {
    /// No answer from the card in time.
    pub const RECEIVE_TIMEOUT: u32 = 0x0000_0080;
    /// CRC error on the answer.
    pub const CRC_ERROR: u32 = 0x0000_0004;
}

/// Why bytes are not a Port-100 frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Port100Error {
    /// Too short, or LEN disagrees with the bytes.
    #[error("Port-100 frame length is wrong")]
    Length,
    /// The preamble or start of packet is wrong.
    #[error("Port-100 frame does not start with 00 00 FF")]
    StartOfPacket,
    /// LCS or DCS does not sum to zero.
    #[error("Port-100 frame checksum is wrong")]
    Checksum,
}

/// A parsed Port-100 frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// The ACK frame.
    Ack,
    /// A data frame; DATA starts with the direction byte and the code.
    Data(Vec<u8>),
}

fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, byte| sum.wrapping_add(*byte)).wrapping_neg()
}

/// Encodes a data frame around DATA (direction, code, parameters). Zeroized on drop: DATA may carry a PIN.
pub fn encode_frame(data: &[u8]) -> Zeroizing<Vec<u8>> {
    let len = u16::try_from(data.len()).unwrap_or(u16::MAX).to_le_bytes();
    let mut frame = Zeroizing::new(Vec::with_capacity(data.len() + 10));
    frame.extend_from_slice(&[0x00, 0x00, 0xFF, 0xFF, 0xFF, len[0], len[1], checksum(&len)]);
    frame.extend_from_slice(data);
    frame.push(checksum(data));
    frame.push(0x00);
    frame
}

/// A host command frame: `D6 code params`.
pub fn command_frame(code: u8, params: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut data = Zeroizing::new(Vec::with_capacity(params.len() + 2));
    data.extend_from_slice(&[DIRECTION_COMMAND, code]);
    data.extend_from_slice(params);
    encode_frame(&data)
}

/// A reader answer frame: `D7 code+1 params`.
pub fn response_frame(command_code: u8, params: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(params.len() + 2);
    data.extend_from_slice(&[DIRECTION_RESPONSE, command_code.wrapping_add(1)]);
    data.extend_from_slice(params);
    encode_frame(&data).to_vec()
}

/// Parses one frame (checking both checksums).
pub fn parse_frame(bytes: &[u8]) -> Result<Frame, Port100Error> {
    if bytes == ACK {
        return Ok(Frame::Ack);
    }
    let [0x00, 0x00, 0xFF, 0xFF, 0xFF, len_low, len_high, lcs, rest @ ..] = bytes else {
        return match bytes {
            [0x00, 0x00, 0xFF, ..] => Err(Port100Error::Length),
            _ => Err(Port100Error::StartOfPacket),
        };
    };
    if len_low.wrapping_add(*len_high).wrapping_add(*lcs) != 0 {
        return Err(Port100Error::Checksum);
    }
    let len = usize::from(u16::from_le_bytes([*len_low, *len_high]));
    if len > MAX_DATA || rest.len() != len + 2 {
        return Err(Port100Error::Length);
    }
    let (data, tail) = rest.split_at(len);
    let [dcs, 0x00] = *tail else { return Err(Port100Error::Length) };
    if checksum(data) != dcs {
        return Err(Port100Error::Checksum);
    }
    Ok(Frame::Data(data.to_vec()))
}

/// InCommRF request parameters: timeout (0.1 ms units, little-endian) then the RF bytes.
pub fn in_comm_rf_params(timeout: u16, rf: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut params = Zeroizing::new(Vec::with_capacity(rf.len() + 2));
    params.extend_from_slice(&timeout.to_le_bytes());
    params.extend_from_slice(rf);
    params
}

/// What Type B activation learned from the ATQB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Atqb {
    /// Pseudo-unique PICC identifier (used in ATTRIB).
    pub pupi: [u8; 4],
    /// Application data.
    pub application_data: [u8; 4],
    /// Protocol info PI1 PI2 PI3.
    pub protocol_info: [u8; 3],
}

impl Atqb {
    /// Parses an ATQB (`50`, PUPI, application data, protocol info, optional fourth protocol byte). Refuses a
    /// card that does not claim ISO/IEC 14443-4.
    pub fn parse(bytes: &[u8]) -> Result<Self, TransportError> {
        let Some([0x50, p0, p1, p2, p3, a0, a1, a2, a3, pi1, pi2, pi3]) =
            bytes.get(..12).and_then(|head| <[u8; 12]>::try_from(head).ok())
        else {
            return Err(TransportError::MalformedFrame("ATQB"));
        };
        if bytes.len() > 13 {
            return Err(TransportError::MalformedFrame("ATQB too long"));
        }
        if pi2 & 0x01 == 0 || pi2 & 0x08 != 0 {
            return Err(TransportError::UnsupportedReader("the card is not ISO/IEC 14443-4"));
        }
        Ok(Self { pupi: [p0, p1, p2, p3], application_data: [a0, a1, a2, a3], protocol_info: [pi1, pi2, pi3] })
    }

    /// FSC in bytes, from PI2's high nibble.
    pub fn fsc(&self) -> usize {
        frame_size(self.protocol_info[1] >> 4)
    }

    /// FWI, from PI3's high nibble.
    pub fn fwi(&self) -> u8 {
        self.protocol_info[2] >> 4
    }

    /// ATTRIB for this card: `1D PUPI 00 08 01 00` (default TR0/TR1, 106 kbit/s, FSD 256, ISO-DEP, CID 0).
    pub fn attrib(&self) -> [u8; 9] {
        let [p0, p1, p2, p3] = self.pupi;
        [0x1D, p0, p1, p2, p3, 0x00, 0x08, 0x01, 0x00]
    }

    /// The ATR a PC/SC reader would build for this card: `3B 88 80 01`, application data, protocol info,
    /// MBLI nibble, TCK.
    pub fn pcsc_atr(&self, mbli: u8) -> Atr {
        let mut atr = vec![0x3B, 0x88, 0x80, 0x01];
        atr.extend_from_slice(&self.application_data);
        atr.extend_from_slice(&self.protocol_info);
        atr.push(mbli << 4);
        let tck = atr.iter().skip(1).fold(0u8, |acc, byte| acc ^ byte);
        atr.push(tck);
        Atr(atr)
    }
}

/// The Port-100 transport over bulk endpoints, without ISO-DEP.
#[derive(Debug)]
pub struct Port100<B> {
    bulk: B,
}

impl<B: UsbBulk> Port100<B> {
    /// Wraps the bulk endpoints of interface 0.
    pub fn new(bulk: B) -> Self {
        Self { bulk }
    }

    /// Gives the endpoints back.
    pub fn into_inner(self) -> B {
        self.bulk
    }

    /// Sends the ACK frame: a soft reset that cancels any pending command. The reader answers nothing.
    pub async fn send_ack(&mut self) -> Result<(), TransportError> {
        self.bulk.bulk_out(&ACK).await
    }

    /// One command: the frame out, then an ACK and the `D7 code+1` answer in; returns the answer parameters.
    pub async fn command(&mut self, code: u8, params: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.bulk.bulk_out(&command_frame(code, params)).await?;
        let ack = self.bulk.bulk_in(READ_SIZE).await?;
        if parse_frame(&ack) != Ok(Frame::Ack) {
            // Cancel whatever the reader thinks it is doing so the next command starts clean.
            self.send_ack().await?;
            return Err(TransportError::MalformedFrame("Port-100: no ACK"));
        }
        let answer = self.bulk.bulk_in(READ_SIZE).await?;
        let data = match parse_frame(&answer) {
            Ok(Frame::Data(data)) => data,
            Ok(Frame::Ack) | Err(_) => {
                self.send_ack().await?;
                return Err(TransportError::MalformedFrame("Port-100: bad answer frame"));
            }
        };
        match data.as_slice() {
            [DIRECTION_RESPONSE, response_code, params @ ..] if *response_code == code.wrapping_add(1) => {
                Ok(params.to_vec())
            }
            _ => Err(TransportError::MalformedFrame("Port-100: unexpected response code")),
        }
    }

    /// A command whose answer is one status byte that must be 0.
    pub async fn command_with_status(&mut self, code: u8, params: &[u8]) -> Result<(), TransportError> {
        match self.command(code, params).await?.as_slice() {
            [0x00] => Ok(()),
            [status, ..] => Err(TransportError::ReaderFailed { error_code: *status }),
            [] => Err(TransportError::MalformedFrame("Port-100: empty status")),
        }
    }

    /// InCommRF: sends RF bytes and returns the card's answer (without CRC). A receive timeout is
    /// [`TransportError::CardMute`]; other RF errors are [`TransportError::MalformedFrame`].
    pub async fn in_comm_rf(&mut self, timeout: u16, rf: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.command(command::IN_COMM_RF, &in_comm_rf_params(timeout, rf)).await?;
        let [s0, s1, s2, s3, rest @ ..] = answer.as_slice() else {
            return Err(TransportError::MalformedFrame("InCommRF answer"));
        };
        let status = u32::from_le_bytes([*s0, *s1, *s2, *s3]);
        if status & rf_status::RECEIVE_TIMEOUT != 0 {
            return Err(TransportError::CardMute);
        }
        if status != 0 {
            return Err(TransportError::MalformedFrame("InCommRF RF error"));
        }
        // The byte after the status is always 08 on hardware; the RF bytes follow it.
        match rest {
            [_, rf @ ..] => Ok(rf.to_vec()),
            [] => Err(TransportError::MalformedFrame("InCommRF answer without RF bytes")),
        }
    }
}

/// The RC-S380 as a [`Transport`]: Port-100 + Type B + ISO-DEP.
#[derive(Debug)]
pub struct Rcs380<B> {
    port: Port100<B>,
    isodep: Option<IsoDepHost>,
}

impl<B: UsbBulk> Rcs380<B> {
    /// The reader on the claimed vendor interface.
    pub fn new(bulk: B) -> Self {
        Self { port: Port100::new(bulk), isodep: None }
    }

    /// Gives the endpoints back.
    pub fn into_inner(self) -> B {
        self.port.into_inner()
    }

    /// Initialises the reader (ACK, SetCommandType 1, SwitchRF off, 106B RF settings and protocol), then
    /// activates a Type B card (REQB, ATTRIB). Returns the PC/SC-style ATR of the card. No card is
    /// [`TransportError::NoCard`].
    pub async fn power_on(&mut self) -> Result<Atr, TransportError> {
        self.isodep = None;
        self.port.send_ack().await?;
        self.port.command_with_status(command::SET_COMMAND_TYPE, &[0x01]).await?;
        self.port.command_with_status(command::SWITCH_RF, &[0x00]).await?;
        self.port.command_with_status(command::IN_SET_RF, &IN_SET_RF_106B).await?;
        self.port.command_with_status(command::IN_SET_PROTOCOL, &IN_SET_PROTOCOL_DEFAULT).await?;
        self.port.command_with_status(command::IN_SET_PROTOCOL, &IN_SET_PROTOCOL_TYPE_B).await?;
        let atqb = match self.port.in_comm_rf(ACTIVATION_TIMEOUT, &REQB).await {
            Ok(answer) => Atqb::parse(&answer)?,
            Err(TransportError::CardMute) => return Err(TransportError::NoCard),
            Err(other) => return Err(other),
        };
        let attrib_answer = self.port.in_comm_rf(ACTIVATION_TIMEOUT, &atqb.attrib()).await?;
        let Some(&mbli_cid) = attrib_answer.first() else {
            return Err(TransportError::MalformedFrame("empty ATTRIB answer"));
        };
        if mbli_cid & 0x0F != 0 {
            return Err(TransportError::MalformedFrame("ATTRIB answer with a CID"));
        }
        self.isodep = Some(IsoDepHost::new(atqb.fsc(), frame_waiting_timeout(atqb.fwi())));
        Ok(atqb.pcsc_atr(mbli_cid >> 4))
    }

    /// Whether the activated card is still in the field (ISO-DEP presence check); `false` also when no card
    /// was activated.
    pub async fn card_present(&mut self) -> Result<bool, TransportError> {
        let Some(isodep) = self.isodep.as_ref() else { return Ok(false) };
        let present = isodep.presence_check(&mut self.port).await?;
        if !present {
            self.isodep = None;
        }
        Ok(present)
    }

    /// Switches the field off (the card loses power) and sends the closing ACK.
    pub async fn power_off(&mut self) -> Result<(), TransportError> {
        self.isodep = None;
        self.port.command_with_status(command::SWITCH_RF, &[0x00]).await?;
        self.port.send_ack().await
    }
}

impl<B: UsbBulk> RfLink for Port100<B> {
    async fn exchange_frame(&mut self, frame: &[u8], timeout: u16) -> Result<Vec<u8>, TransportError> {
        self.in_comm_rf(timeout, frame).await
    }
}

impl<B: UsbBulk> Transport for Rcs380<B> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let Some(isodep) = self.isodep.as_mut() else { return Err(TransportError::CardMute) };
        let result = isodep.transceive(&mut self.port, command).await;
        if result.is_err() {
            // The ISO-DEP session is lost; the card must be activated again.
            self.isodep = None;
        }
        result
    }

    fn supports_extended_length(&self) -> bool {
        // ISO-DEP chaining carries any APDU length.
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use proptest::prelude::*;

    use super::*;

    use crate::test_script::hex;

    #[test]
    fn frames_match_the_worked_usb_transcript() {
        // Rows of §7 of the RC-S380 notes.
        assert_eq!(command_frame(0x2A, &[0x01]).as_slice(), hex("00 00 FF FF FF 03 00 FD D6 2A 01 FF 00"));
        assert_eq!(command_frame(0x20, &[]).as_slice(), hex("00 00 FF FF FF 02 00 FE D6 20 0A 00"));
        assert_eq!(command_frame(0x06, &[0x00]).as_slice(), hex("00 00 FF FF FF 03 00 FD D6 06 00 24 00"));
        assert_eq!(
            command_frame(0x00, &IN_SET_RF_106B).as_slice(),
            hex("00 00 FF FF FF 06 00 FA D6 00 03 07 0F 07 0A 00")
        );
        assert_eq!(
            command_frame(0x02, &IN_SET_PROTOCOL_DEFAULT).as_slice(),
            hex(
                "00 00 FF FF FF 28 00 D8 D6 02 00 18 01 01 02 01 03 00 04 00 05 00 06 00 07 08 08 00 09 00 0A 00 0B 00 0C 00 0E 04 0F 00 10 00 11 00 12 00 13 06 4B 00"
            )
        );
        assert_eq!(
            command_frame(0x02, &IN_SET_PROTOCOL_TYPE_B).as_slice(),
            hex("00 00 FF FF FF 0C 00 F4 D6 02 0B 01 09 01 0C 01 0A 01 00 14 E6 00")
        );
        assert_eq!(
            command_frame(0x04, &in_comm_rf_params(ACTIVATION_TIMEOUT, &REQB)).as_slice(),
            hex("00 00 FF FF FF 07 00 F9 D6 04 36 01 05 00 10 DA 00")
        );
        let atqb = Atqb::parse(&hex("50 12 34 56 78 00 4B 51 FF B3 81 D1")).unwrap();
        assert_eq!(
            command_frame(0x04, &in_comm_rf_params(ACTIVATION_TIMEOUT, &atqb.attrib())).as_slice(),
            hex("00 00 FF FF FF 0D 00 F3 D6 04 36 01 1D 12 34 56 78 00 08 01 00 B5 00")
        );
        let select = hex("02 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01");
        assert_eq!(
            command_frame(0x04, &in_comm_rf_params(0x60D6, &select)).as_slice(),
            hex("00 00 FF FF FF 14 00 EC D6 04 D6 60 02 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 B3 00")
        );
        assert_eq!(response_frame(0x2A, &[0x00]), hex("00 00 FF FF FF 03 00 FD D7 2B 00 FE 00"));
        assert_eq!(response_frame(0x00, &[0x00]), hex("00 00 FF FF FF 03 00 FD D7 01 00 28 00"));
        assert_eq!(
            parse_frame(&hex("00 00 FF FF FF 0A 00 F6 D7 05 00 00 00 00 08 02 90 00 8A 00")),
            Ok(Frame::Data(hex("D7 05 00 00 00 00 08 02 90 00")))
        );
        assert_eq!(parse_frame(&hex("00 00 FF FF FF 02 00 FE 31 32 9D 00")), Ok(Frame::Data(hex("31 32"))));
        assert_eq!(parse_frame(&ACK), Ok(Frame::Ack));
    }

    #[test]
    fn bad_frames_are_typed_errors() {
        assert_eq!(parse_frame(&hex("00 00 FF FF FF 02 00 FE 31 32 9E 00")), Err(Port100Error::Checksum));
        assert_eq!(parse_frame(&hex("00 00 FF FF FF 02 00 FD 31 32 9D 00")), Err(Port100Error::Checksum));
        assert_eq!(parse_frame(&hex("00 00 FF FF FF 03 00 FD 31 32 9D 00")), Err(Port100Error::Length));
        assert_eq!(parse_frame(&hex("01 00 FF")), Err(Port100Error::StartOfPacket));
        assert_eq!(parse_frame(&hex("00 00 FF FF FF")), Err(Port100Error::Length));
    }

    #[test]
    fn atqb_gives_fsc_fwi_and_the_pcsc_atr() {
        let atqb = Atqb::parse(&hex("50 12 34 56 78 00 4B 51 FF B3 81 D1")).unwrap();
        assert_eq!(atqb.fsc(), 256);
        assert_eq!(atqb.fwi(), 13);
        // The pcsc-tools list entry for a My Number card: 3B 88 80 01 00 4B 51 FF B3 81 D1 00 0F.
        assert_eq!(atqb.pcsc_atr(0).0, hex("3B 88 80 01 00 4B 51 FF B3 81 D1 00 0F"));
        assert!(Atqb::parse(&hex("51 12 34 56 78 00 4B 51 FF B3 81 D1")).is_err());
        assert!(Atqb::parse(&hex("50 12 34 56 78 00 4B 51 FF B3 80 D1")).is_err(), "not ISO-DEP");
        assert!(Atqb::parse(&hex("50 12 34 56 78 00 4B 51 FF B3 81")).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_frame(&bytes);
            let _ = Atqb::parse(&bytes);
        }

        #[test]
        fn data_frames_round_trip(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            prop_assert_eq!(parse_frame(&encode_frame(&data)), Ok(Frame::Data(data)));
        }
    }
}
