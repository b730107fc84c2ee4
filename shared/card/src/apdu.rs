//! Layer 3: ISO/IEC 7816-4 command and response APDUs, typed status words, and the one place that follows
//! `61xx` (GET RESPONSE) and `6Cxx` (re-send with the right Le).
//!
//! Both the host (encoding commands, parsing responses) and a card (parsing commands) use these types, so the
//! byte layout of §5.1 is written once.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::CardError;
pub use crate::status::StatusWord;
use crate::transport::Transport;

/// The largest Ne a short APDU can ask for (Le byte `00`).
pub const MAX_SHORT_LE: u32 = 256;
/// The largest Ne an extended APDU can ask for (Le bytes `00 00`).
pub const MAX_EXTENDED_LE: u32 = 65_536;
/// The largest Nc of a short APDU.
pub const MAX_SHORT_DATA: usize = 255;
/// The largest Nc of an extended APDU.
pub const MAX_EXTENDED_DATA: usize = 65_535;

/// A command APDU: header, optional data, optional expected length.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    data: Zeroizing<Vec<u8>>,
    sensitive: bool,
    le: Option<u32>,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Command");
        out.field("cla", &format_args!("{:02X}", self.cla))
            .field("ins", &format_args!("{:02X}", self.ins))
            .field("p1", &format_args!("{:02X}", self.p1))
            .field("p2", &format_args!("{:02X}", self.p2));
        if self.sensitive {
            out.field("data", &format_args!("<{} bytes redacted>", self.data.len()));
        } else {
            out.field("data", &format_args!("{}", HexBytes(&self.data)));
        }
        out.field("le", &self.le).finish()
    }
}

/// Upper-case hex with spaces, for `Debug` output of non-secret bytes.
struct HexBytes<'a>(&'a [u8]);

impl fmt::Display for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl Command {
    /// A case 1 command (header only).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self { cla, ins, p1, p2, data: Zeroizing::new(Vec::new()), sensitive: false, le: None }
    }

    /// Adds command data that may be printed (AIDs, file IDs, digests).
    #[must_use]
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = Zeroizing::new(data.into());
        self.sensitive = false;
        self
    }

    /// Adds command data that must never be printed (PINs). It is zeroized when the command is dropped.
    #[must_use]
    pub fn with_sensitive_data(mut self, data: Zeroizing<Vec<u8>>) -> Self {
        self.data = data;
        self.sensitive = true;
        self
    }

    /// Sets Ne, the number of response bytes expected (1 ..= 65 536; 256 is the short `00`).
    #[must_use]
    pub fn with_le(mut self, expected_len: u32) -> Self {
        self.le = Some(expected_len);
        self
    }

    /// The command data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Ne, if the command expects response data.
    pub fn le(&self) -> Option<u32> {
        self.le
    }

    /// Whether the data is secret.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// Whether the command fits the short encoding.
    pub fn fits_short(&self) -> bool {
        self.data.len() <= MAX_SHORT_DATA && self.le.is_none_or(|le| le <= MAX_SHORT_LE)
    }

    /// Short encoding if it fits, extended otherwise.
    pub fn encode(&self) -> Result<Zeroizing<Vec<u8>>, CardError> {
        if self.fits_short() { self.encode_short() } else { self.encode_extended() }
    }

    /// Short encoding (ISO/IEC 7816-4 §5.1): `CLA INS P1 P2 [Lc data] [Le]`, Le `00` meaning 256.
    pub fn encode_short(&self) -> Result<Zeroizing<Vec<u8>>, CardError> {
        if self.data.len() > MAX_SHORT_DATA {
            return Err(CardError::CommandTooLong { len: self.data.len(), max: MAX_SHORT_DATA });
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(6 + self.data.len()));
        bytes.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if let Ok(lc) = u8::try_from(self.data.len())
            && lc > 0
        {
            bytes.push(lc);
            bytes.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            bytes.push(short_le_byte(le)?);
        }
        Ok(bytes)
    }

    /// Extended encoding: `CLA INS P1 P2 00 [Lc(2) data] [Le(2)]`, or `… 00 Le(2)` without data; Le `00 00`
    /// meaning 65 536.
    pub fn encode_extended(&self) -> Result<Zeroizing<Vec<u8>>, CardError> {
        if self.data.len() > MAX_EXTENDED_DATA {
            return Err(CardError::CommandTooLong { len: self.data.len(), max: MAX_EXTENDED_DATA });
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(9 + self.data.len()));
        bytes.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if self.data.is_empty() && self.le.is_none() {
            return Ok(bytes);
        }
        bytes.push(0x00);
        if let Ok(lc) = u16::try_from(self.data.len())
            && lc > 0
        {
            bytes.extend_from_slice(&lc.to_be_bytes());
            bytes.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            bytes.extend_from_slice(&extended_le_bytes(le)?);
        }
        Ok(bytes)
    }

    /// Parses a command APDU in either encoding (what a card does with the bytes it receives).
    pub fn parse(bytes: &[u8]) -> Result<Self, CardError> {
        let malformed = CardError::MalformedCommand;
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(malformed("shorter than a header"));
        };
        let command = Self::new(*cla, *ins, *p1, *p2);
        let (data, le): (&[u8], Option<u32>) = match body {
            [] => (&[], None),
            [le] => (&[], Some(short_le(*le))),
            [0x00, high, low] => (&[], Some(extended_le(*high, *low))),
            [0x00, lc_high, lc_low, rest @ ..] if !rest.is_empty() => {
                let lc = usize::from(u16::from_be_bytes([*lc_high, *lc_low]));
                match (rest.len().checked_sub(lc), rest.get(..lc), rest.get(lc..)) {
                    (Some(0), Some(data), _) if lc > 0 => (data, None),
                    (Some(2), Some(data), Some([high, low])) if lc > 0 => (data, Some(extended_le(*high, *low))),
                    _ => return Err(malformed("extended Lc disagrees with the length")),
                }
            }
            [lc, rest @ ..] if *lc != 0 => {
                let lc = usize::from(*lc);
                match (rest.len().checked_sub(lc), rest.get(..lc), rest.get(lc..)) {
                    (Some(0), Some(data), _) => (data, None),
                    (Some(1), Some(data), Some([le])) => (data, Some(short_le(*le))),
                    _ => return Err(malformed("Lc disagrees with the length")),
                }
            }
            _ => return Err(malformed("body is neither short nor extended")),
        };
        let command = if data.is_empty() { command } else { command.with_data(data.to_vec()) };
        Ok(match le {
            Some(le) => command.with_le(le),
            None => command,
        })
    }
}

fn short_le(byte: u8) -> u32 {
    if byte == 0 { MAX_SHORT_LE } else { u32::from(byte) }
}

fn extended_le(high: u8, low: u8) -> u32 {
    match u16::from_be_bytes([high, low]) {
        0 => MAX_EXTENDED_LE,
        le => u32::from(le),
    }
}

fn short_le_byte(le: u32) -> Result<u8, CardError> {
    match le {
        MAX_SHORT_LE => Ok(0),
        1..=255 => u8::try_from(le).map_err(|_| CardError::InvalidLe(le)),
        _ => Err(CardError::InvalidLe(le)),
    }
}

fn extended_le_bytes(le: u32) -> Result<[u8; 2], CardError> {
    match le {
        MAX_EXTENDED_LE => Ok([0, 0]),
        1..=65_535 => u16::try_from(le).map(u16::to_be_bytes).map_err(|_| CardError::InvalidLe(le)),
        _ => Err(CardError::InvalidLe(le)),
    }
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The response data (without SW1 SW2).
    pub data: Vec<u8>,
    /// The status word.
    pub status: StatusWord,
}

impl fmt::Debug for Response {
    /// Prints the length only: response data may be a certificate or other personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .field("status", &self.status)
            .finish()
    }
}

impl Response {
    /// Splits raw response bytes into data and SW1 SW2.
    pub fn parse(mut bytes: Vec<u8>) -> Result<Self, CardError> {
        let split = bytes.len().checked_sub(2).ok_or(CardError::MalformedResponse("no status word"))?;
        let status = match bytes.get(split..) {
            Some(&[sw1, sw2]) => StatusWord::from((sw1, sw2)),
            _ => return Err(CardError::MalformedResponse("no status word")),
        };
        bytes.truncate(split);
        Ok(Self { data: bytes, status })
    }

    /// Response bytes as a card sends them: data then SW1 SW2.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.data.len() + 2);
        bytes.extend_from_slice(&self.data);
        bytes.extend_from_slice(&self.status.to_bytes());
        bytes
    }

    /// The data if the command succeeded, the status word as an error otherwise.
    pub fn into_success_data(self) -> Result<Vec<u8>, CardError> {
        if self.status.is_success() { Ok(self.data) } else { Err(CardError::Status(self.status)) }
    }
}

/// GET RESPONSE `00 C0 00 00 xx` (ISO/IEC 7816-4 §11.4.1).
pub fn get_response(available: u8) -> Command {
    Command::new(0x00, 0xC0, 0x00, 0x00).with_le(short_le(available))
}

/// Sends `command` and returns the complete response: follows `61xx` with GET RESPONSE until the card has
/// given everything, and answers one `6Cxx` by re-sending the command with the Le the card named. This is the
/// only place either is handled.
pub async fn transceive<T: Transport + ?Sized>(transport: &mut T, command: &Command) -> Result<Response, CardError> {
    let mut response = send_once(transport, command).await?;
    if let StatusWord::WrongLe(le) = response.status {
        let corrected = command.clone().with_le(short_le(le));
        response = send_once(transport, &corrected).await?;
    }
    let mut data = std::mem::take(&mut response.data);
    let mut status = response.status;
    while let StatusWord::MoreAvailable(available) = status {
        let more = send_once(transport, &get_response(available)).await?;
        if more.data.is_empty() && matches!(more.status, StatusWord::MoreAvailable(_)) {
            // Without this a card that keeps saying "more" and sends nothing would hold the host forever.
            return Err(CardError::MalformedResponse("GET RESPONSE returned no data but announced more"));
        }
        data.extend_from_slice(&more.data);
        if data.len() > usize::try_from(MAX_EXTENDED_LE).unwrap_or(usize::MAX) {
            return Err(CardError::MalformedResponse("GET RESPONSE chain longer than 65 536 bytes"));
        }
        status = more.status;
    }
    Ok(Response { data, status })
}

pub(crate) async fn send_once<T: Transport + ?Sized>(
    transport: &mut T,
    command: &Command,
) -> Result<Response, CardError> {
    let bytes = command.encode()?;
    let raw = transport.transmit(&bytes).await?;
    Response::parse(raw)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
pub(crate) mod tests {
    use futures::executor::block_on;
    use proptest::prelude::*;

    use super::*;
    use crate::transport::TransportError;

    use crate::test_script::Script;
    pub(crate) use crate::test_script::hex;

    /// A card stand-in: checks each command against the script and answers with the scripted response.
    #[derive(Debug, Default)]
    pub(crate) struct ScriptedCard {
        pub(crate) script: Script,
        pub(crate) sent: Vec<Vec<u8>>,
    }

    impl ScriptedCard {
        pub(crate) fn new(script: &[(&str, &str)]) -> Self {
            Self { script: Script::answered(script), sent: Vec::new() }
        }
    }

    impl Transport for ScriptedCard {
        async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command.to_vec());
            self.script.answer(command)
        }
    }

    #[test]
    fn short_encodings_of_all_four_cases() {
        assert_eq!(Command::new(0x00, 0x20, 0x00, 0x80).encode().unwrap().as_slice(), hex("00 20 00 80"));
        assert_eq!(Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4).encode().unwrap().as_slice(), hex("00 B0 00 00 04"));
        assert_eq!(
            Command::new(0x00, 0xB0, 0x01, 0x00).with_le(256).encode().unwrap().as_slice(),
            hex("00 B0 01 00 00")
        );
        let select_ef = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x00, 0x0A]);
        assert_eq!(select_ef.encode().unwrap().as_slice(), hex("00 A4 02 0C 02 00 0A"));
        let sign = Command::new(0x80, 0x2A, 0x00, 0x80).with_data(vec![0xAB; 3]).with_le(256);
        assert_eq!(sign.encode().unwrap().as_slice(), hex("80 2A 00 80 03 AB AB AB 00"));
    }

    #[test]
    fn extended_encodings() {
        let read = Command::new(0x00, 0xB0, 0x00, 0x04).with_le(0x061F);
        assert_eq!(read.encode().unwrap().as_slice(), hex("00 B0 00 04 00 06 1F"));
        let read_all = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(MAX_EXTENDED_LE);
        assert_eq!(read_all.encode().unwrap().as_slice(), hex("00 B0 00 00 00 00 00"));
        let big = Command::new(0x00, 0xD6, 0x00, 0x00).with_data(vec![0x11; 300]).with_le(2);
        let encoded = big.encode().unwrap();
        assert_eq!(&encoded[..7], hex("00 D6 00 00 00 01 2C").as_slice());
        assert_eq!(&encoded[encoded.len() - 2..], &[0x00, 0x02]);
        assert_eq!(encoded.len(), 7 + 300 + 2);
        assert!(matches!(big.encode_short(), Err(CardError::CommandTooLong { len: 300, max: 255 })));
    }

    #[test]
    fn out_of_range_le_is_refused() {
        assert!(matches!(Command::new(0, 0xB0, 0, 0).with_le(0).encode(), Err(CardError::InvalidLe(0))));
        assert!(matches!(Command::new(0, 0xB0, 0, 0).with_le(65_537).encode(), Err(CardError::InvalidLe(65_537))));
        assert!(matches!(Command::new(0, 0xB0, 0, 0).with_le(300).encode_short(), Err(CardError::InvalidLe(300))));
    }

    #[test]
    fn parse_reads_every_case() {
        let cases = [
            "00 20 00 80",
            "00 B0 00 00 04",
            "00 B0 01 00 00",
            "00 A4 02 0C 02 00 0A",
            "80 2A 00 80 03 AB AB AB 00",
            "00 B0 00 04 00 06 1F",
            "00 B0 00 00 00 00 00",
        ];
        for case in cases {
            let bytes = hex(case);
            let command = Command::parse(&bytes).unwrap();
            assert_eq!(command.encode().unwrap().as_slice(), bytes, "{case}");
        }
        let sign = Command::parse(&hex("80 2A 00 80 03 AB AB AB 00")).unwrap();
        assert_eq!((sign.cla, sign.ins, sign.p1, sign.p2), (0x80, 0x2A, 0x00, 0x80));
        assert_eq!(sign.data(), &[0xAB; 3]);
        assert_eq!(sign.le(), Some(256));
    }

    #[test]
    fn parse_rejects_inconsistent_lengths() {
        for bad in
            ["00 A4", "00 A4 02 0C 02 00", "00 A4 02 0C 02 00 0A 00 00", "00 B0 00 00 00 01", "00 B0 00 00 00 00 02 01"]
        {
            assert!(matches!(Command::parse(&hex(bad)), Err(CardError::MalformedCommand(_))), "{bad}");
        }
    }

    #[test]
    fn sensitive_data_is_redacted_in_debug() {
        let verify = Command::new(0x00, 0x20, 0x00, 0x80).with_sensitive_data(Zeroizing::new(b"1234".to_vec()));
        let printed = format!("{verify:?}");
        assert!(!printed.contains("31 32 33 34") && !printed.contains("1234"), "{printed}");
        assert!(printed.contains("4 bytes redacted"), "{printed}");
        let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x00, 0x0A]);
        assert!(format!("{select:?}").contains("00 0A"));
    }

    #[test]
    fn status_words_decode_to_their_meanings() {
        assert_eq!(StatusWord::from((0x90, 0x00)), StatusWord::Ok);
        assert_eq!(StatusWord::from((0x63, 0xC2)), StatusWord::WrongPin { tries_left: 2 });
        assert_eq!(StatusWord::from((0x63, 0xC0)), StatusWord::WrongPin { tries_left: 0 });
        assert_eq!(StatusWord::from((0x69, 0x84)), StatusWord::Blocked);
        assert_eq!(StatusWord::from((0x69, 0x83)), StatusWord::Blocked);
        assert_eq!(StatusWord::from((0x6A, 0x82)), StatusWord::FileNotFound);
        assert_eq!(StatusWord::from((0x69, 0x82)), StatusWord::SecurityNotSatisfied);
        assert_eq!(StatusWord::from((0x61, 0x10)), StatusWord::MoreAvailable(0x10));
        assert_eq!(StatusWord::from((0x6C, 0x20)), StatusWord::WrongLe(0x20));
        assert_eq!(StatusWord::from((0x63, 0x00)), StatusWord::Other(0x6300));
        assert_eq!(StatusWord::from((0x69, 0x84)).to_string(), "6984");
    }

    #[test]
    fn every_status_word_round_trips_except_the_second_blocked_code() {
        for code in 0..=u16::MAX {
            let status = StatusWord::from_code(code);
            assert_eq!(StatusWord::from_code(status.code()), status);
            if code != 0x6983 {
                assert_eq!(status.code(), code, "{code:04X}");
            }
        }
    }

    #[test]
    fn responses_split_data_and_status() {
        let response = Response::parse(hex("30 82 06 1F 90 00")).unwrap();
        assert_eq!(response.data, hex("30 82 06 1F"));
        assert_eq!(response.status, StatusWord::Ok);
        assert_eq!(response.encode(), hex("30 82 06 1F 90 00"));
        assert!(matches!(Response::parse(vec![0x90]), Err(CardError::MalformedResponse(_))));
        assert!(format!("{response:?}").contains("<4 bytes>"));
    }

    #[test]
    fn more_available_is_fetched_with_get_response() {
        let mut card = ScriptedCard::new(&[
            ("80 2A 00 80 02 01 02 00", "AA BB 61 03"),
            ("00 C0 00 00 03", "CC DD EE 61 01"),
            ("00 C0 00 00 01", "FF 90 00"),
        ]);
        let sign = Command::new(0x80, 0x2A, 0x00, 0x80).with_data(vec![1, 2]).with_le(256);
        let response = block_on(transceive(&mut card, &sign)).unwrap();
        assert_eq!(response.data, hex("AA BB CC DD EE FF"));
        assert_eq!(response.status, StatusWord::Ok);
        assert!(card.script.is_done());
    }

    #[test]
    fn wrong_le_is_answered_by_resending_once() {
        let mut card = ScriptedCard::new(&[("00 B0 00 00 04", "6C 02"), ("00 B0 00 00 02", "30 03 90 00")]);
        let read = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
        let response = block_on(transceive(&mut card, &read)).unwrap();
        assert_eq!(response.data, hex("30 03"));
        assert!(card.script.is_done());
    }

    #[test]
    fn a_second_wrong_le_is_returned_not_looped_on() {
        let mut card = ScriptedCard::new(&[("00 B0 00 00 04", "6C 02"), ("00 B0 00 00 02", "6C 01")]);
        let read = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
        let response = block_on(transceive(&mut card, &read)).unwrap();
        assert_eq!(response.status, StatusWord::WrongLe(1));
    }

    #[test]
    fn an_empty_get_response_chain_is_cut_off() {
        let mut card = ScriptedCard::new(&[("00 B0 00 00 04", "61 04"), ("00 C0 00 00 04", "61 04")]);
        let result = block_on(transceive(&mut card, &Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4)));
        assert!(matches!(result, Err(CardError::MalformedResponse(_))));
    }

    #[test]
    fn transport_errors_stay_transport_errors() {
        let mut card = ScriptedCard::default();
        let result = block_on(transceive(&mut card, &Command::new(0, 0xA4, 4, 0x0C)));
        assert!(matches!(result, Err(CardError::Transport(TransportError::Io(_)))));
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Command::parse(&bytes);
            let _ = Response::parse(bytes);
        }

        #[test]
        fn encode_then_parse_round_trips(
            cla in any::<u8>(), ins in any::<u8>(), p1 in any::<u8>(), p2 in any::<u8>(),
            data in proptest::collection::vec(any::<u8>(), 0..400),
            le in proptest::option::of(1u32..=65_536),
        ) {
            let mut command = Command::new(cla, ins, p1, p2);
            if !data.is_empty() {
                command = command.with_data(data);
            }
            if let Some(le) = le {
                command = command.with_le(le);
            }
            let encoded = command.encode().unwrap();
            prop_assert_eq!(Command::parse(&encoded).unwrap(), command);
        }
    }
}
