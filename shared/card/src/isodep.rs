//! Layer 2c: ISO/IEC 14443-4 (ISO-DEP) half-duplex block transmission, for contactless readers that hand the
//! host raw RF frames (the Sony RC-S380). No CID and no NAD are used, as with every public My Number driver.
//!
//! [`IsoDepBlock`] is the codec (host and virtual card share it). [`IsoDepHost`] holds the host's block number
//! and the card's frame size and runs one APDU at a time over any [`RfLink`]: chaining both ways, R(ACK) on
//! chained answers, resending after an R(ACK) with the other block number, R(NAK) after a lost answer, and
//! echoing S(WTX). Timeouts are numbers handed to the link (units of 0.1 ms, as InCommRF takes them); nothing
//! here reads a clock.

use std::fmt;

use zeroize::Zeroizing;

use crate::transport::TransportError;

/// One ISO-DEP block (CRC_B is the reader's business and never appears here).
#[derive(Clone, PartialEq, Eq)]
pub enum IsoDepBlock {
    /// I-block `02|n`, `12|n` with chaining.
    I {
        /// Block number, 0 or 1.
        number: u8,
        /// More blocks follow.
        chaining: bool,
        /// INF: part of an APDU (may hold a PIN; zeroized, never printed).
        data: Zeroizing<Vec<u8>>,
    },
    /// R(ACK) `A2|n`.
    Ack {
        /// Block number.
        number: u8,
    },
    /// R(NAK) `B2|n`.
    Nak {
        /// Block number.
        number: u8,
    },
    /// S(DESELECT) `C2`.
    Deselect,
    /// S(WTX) `F2` with WTXM in the low six bits of INF.
    Wtx {
        /// The INF byte as sent.
        inf: u8,
    },
}

impl fmt::Debug for IsoDepBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::I { number, chaining, data } => f
                .debug_struct("I")
                .field("number", number)
                .field("chaining", chaining)
                .field("data", &format_args!("<{} bytes>", data.len()))
                .finish(),
            Self::Ack { number } => f.debug_struct("Ack").field("number", number).finish(),
            Self::Nak { number } => f.debug_struct("Nak").field("number", number).finish(),
            Self::Deselect => f.write_str("Deselect"),
            Self::Wtx { inf } => f.debug_struct("Wtx").field("inf", inf).finish(),
        }
    }
}

/// Why bytes are not an ISO-DEP block this stack accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IsoDepError {
    /// An empty frame.
    #[error("empty ISO-DEP frame")]
    Empty,
    /// A PCB with CID or NAD set, or one ISO-DEP does not define.
    #[error("unsupported ISO-DEP PCB {0:02X}")]
    Pcb(u8),
    /// An R- or S-block with the wrong INF length.
    #[error("ISO-DEP block has the wrong length")]
    Length,
}

impl IsoDepBlock {
    /// The frame (PCB then INF), without CRC. Zeroized on drop.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut bytes = Zeroizing::new(Vec::new());
        match self {
            Self::I { number, chaining, data } => {
                bytes.push(0x02 | (number & 1) | if *chaining { 0x10 } else { 0 });
                bytes.extend_from_slice(data);
            }
            Self::Ack { number } => bytes.push(0xA2 | (number & 1)),
            Self::Nak { number } => bytes.push(0xB2 | (number & 1)),
            Self::Deselect => bytes.push(0xC2),
            Self::Wtx { inf } => bytes.extend_from_slice(&[0xF2, *inf]),
        }
        bytes
    }

    /// Parses a frame.
    pub fn parse(frame: &[u8]) -> Result<Self, IsoDepError> {
        let [pcb, inf @ ..] = frame else { return Err(IsoDepError::Empty) };
        let pcb = *pcb;
        if pcb & 0x0C != 0 {
            // CID (08) and NAD (04) are never negotiated here.
            return Err(IsoDepError::Pcb(pcb));
        }
        match pcb & 0xE2 {
            0x02 => Ok(Self::I { number: pcb & 1, chaining: pcb & 0x10 != 0, data: Zeroizing::new(inf.to_vec()) }),
            0xA2 => {
                if !inf.is_empty() {
                    return Err(IsoDepError::Length);
                }
                match pcb & 0xF0 {
                    0xA0 => Ok(Self::Ack { number: pcb & 1 }),
                    0xB0 => Ok(Self::Nak { number: pcb & 1 }),
                    _ => Err(IsoDepError::Pcb(pcb)),
                }
            }
            0xC2 | 0xE2 => match (pcb, inf) {
                (0xC2, []) => Ok(Self::Deselect),
                (0xF2, [wtx]) => Ok(Self::Wtx { inf: *wtx }),
                (0xC2 | 0xF2, _) => Err(IsoDepError::Length),
                _ => Err(IsoDepError::Pcb(pcb)),
            },
            _ => Err(IsoDepError::Pcb(pcb)),
        }
    }
}

/// Carries one RF frame to the card and back. A card that does not answer in time is
/// [`TransportError::CardMute`]; a garbled answer is [`TransportError::MalformedFrame`].
#[allow(async_fn_in_trait)]
pub trait RfLink {
    /// Sends `frame` (PCB + INF) and returns the card's frame, waiting at most `timeout` (units of 0.1 ms).
    async fn exchange_frame(&mut self, frame: &[u8], timeout: u16) -> Result<Vec<u8>, TransportError>;
}

/// Frame waiting time of FWI plus ΔFWT, in units of 0.1 ms, rounded up and saturating: FWT = 4096 × 2^FWI / fc
/// with fc = 13.56 MHz, ΔFWT = 49 152 / fc (ISO/IEC 14443-4 §7.2; values in the RC-S380 notes §4.2).
pub fn frame_waiting_timeout(fwi: u8) -> u16 {
    let fwi = if fwi > 14 { 4 } else { fwi };
    let cycles = 4096u64 * (1u64 << fwi) + 49_152;
    // 0.1 ms = 1356 carrier cycles.
    let units = cycles.div_ceil(1356) + 10;
    u16::try_from(units).unwrap_or(u16::MAX)
}

/// FSC in bytes from FSCI (ISO/IEC 14443-3 Table), FSCI above 8 treated as 8.
pub fn frame_size(fsci: u8) -> usize {
    match fsci {
        0 => 16,
        1 => 24,
        2 => 32,
        3 => 40,
        4 => 48,
        5 => 64,
        6 => 96,
        7 => 128,
        _ => 256,
    }
}

/// The host (PCD) side of ISO-DEP.
#[derive(Clone, Debug)]
pub struct IsoDepHost {
    block_number: u8,
    fsc: usize,
    timeout: u16,
    max_retries: u8,
    max_wtx: u32,
}

impl IsoDepHost {
    /// A host after ATTRIB: block number 0, the card's FSC and frame waiting timeout.
    pub fn new(fsc: usize, timeout: u16) -> Self {
        Self { block_number: 0, fsc: fsc.clamp(16, 256), timeout, max_retries: 3, max_wtx: 1024 }
    }

    /// INF bytes per I-block: FSC minus PCB and the two CRC_B bytes.
    pub fn max_inf(&self) -> usize {
        self.fsc - 3
    }

    /// One APDU: the command goes out in I-blocks of at most [`IsoDepHost::max_inf`] bytes, the answer is
    /// reassembled from the card's chain.
    pub async fn transceive<L: RfLink>(&mut self, link: &mut L, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut chunks: Vec<&[u8]> = command.chunks(self.max_inf()).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        let last = chunks.len() - 1;
        let mut first_answer = None;
        for (index, chunk) in chunks.iter().enumerate() {
            let chaining = index < last;
            let block = IsoDepBlock::I { number: self.block_number, chaining, data: Zeroizing::new(chunk.to_vec()) };
            let answer = self.send_until_answered(link, &block.encode()).await?;
            match answer {
                IsoDepBlock::Ack { number } if chaining && number == self.block_number => {
                    self.block_number ^= 1;
                }
                IsoDepBlock::I { number, chaining: more, data } if !chaining && number == self.block_number => {
                    self.block_number ^= 1;
                    first_answer = Some((more, data));
                }
                _ => return Err(TransportError::MalformedFrame("ISO-DEP block out of sequence")),
            }
        }
        let Some((mut more, first)) = first_answer else {
            return Err(TransportError::MalformedFrame("ISO-DEP exchange ended without an answer"));
        };
        let mut response = Zeroizing::new(first.to_vec());
        while more {
            let ack = IsoDepBlock::Ack { number: self.block_number }.encode();
            match self.send_until_answered(link, &ack).await? {
                IsoDepBlock::I { number, chaining, data } if number == self.block_number => {
                    self.block_number ^= 1;
                    response.extend_from_slice(&data);
                    if response.len() > 65_538 {
                        return Err(TransportError::MalformedFrame("ISO-DEP answer longer than an APDU"));
                    }
                    more = chaining;
                }
                _ => return Err(TransportError::MalformedFrame("ISO-DEP chain out of sequence")),
            }
        }
        Ok(response.to_vec())
    }

    /// Sends `frame` and returns the card's next I-block or R(ACK), handling S(WTX), lost answers (R(NAK)) and
    /// an R(ACK) that asks for the last block again.
    async fn send_until_answered<L: RfLink>(&self, link: &mut L, frame: &[u8]) -> Result<IsoDepBlock, TransportError> {
        let mut to_send = Zeroizing::new(frame.to_vec());
        let mut timeout = self.timeout;
        let mut retries = 0u8;
        let mut wtx_count = 0u32;
        loop {
            let answer = link.exchange_frame(&to_send, timeout).await;
            timeout = self.timeout;
            let block = match answer {
                Ok(bytes) => IsoDepBlock::parse(&bytes).map_err(|_| TransportError::MalformedFrame("ISO-DEP block")),
                Err(error) => Err(error),
            };
            match block {
                Ok(IsoDepBlock::Wtx { inf }) => {
                    wtx_count += 1;
                    if wtx_count > self.max_wtx {
                        return Err(TransportError::TooManyTimeExtensions);
                    }
                    let multiplier = u16::from((inf & 0x3F).clamp(1, 59));
                    timeout = self.timeout.saturating_mul(multiplier);
                    to_send = IsoDepBlock::Wtx { inf: inf & 0x3F }.encode();
                }
                Ok(IsoDepBlock::Ack { number })
                    if number != self.block_number && frame.first().is_some_and(|pcb| pcb & 0xE2 == 0x02) =>
                {
                    // The card acknowledges the previous block: ours was lost, send it again.
                    retries = self.count_retry(retries)?;
                    to_send = Zeroizing::new(frame.to_vec());
                }
                Ok(block) => return Ok(block),
                Err(TransportError::CardMute | TransportError::MalformedFrame(_)) => {
                    retries = self.count_retry(retries)?;
                    // After a lost or garbled answer: R(NAK) asks the card to repeat its last block, or to
                    // acknowledge ours if it never got it.
                    to_send = IsoDepBlock::Nak { number: self.block_number }.encode();
                }
                Err(other) => return Err(other),
            }
        }
    }

    fn count_retry(&self, retries: u8) -> Result<u8, TransportError> {
        if retries >= self.max_retries {
            return Err(TransportError::CardMute);
        }
        Ok(retries + 1)
    }

    /// Presence check between APDUs: R(NAK) with the next block number, which a present card answers with
    /// R(ACK) without changing its state. `false` when the card does not answer.
    pub async fn presence_check<L: RfLink>(&self, link: &mut L) -> Result<bool, TransportError> {
        let nak = IsoDepBlock::Nak { number: self.block_number }.encode();
        match link.exchange_frame(&nak, self.timeout).await {
            Ok(answer) => match IsoDepBlock::parse(&answer) {
                Ok(IsoDepBlock::Ack { .. }) => Ok(true),
                _ => Err(TransportError::MalformedFrame("unexpected answer to a presence check")),
            },
            Err(TransportError::CardMute) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use futures::executor::block_on;
    use proptest::prelude::*;

    use super::*;

    use crate::test_script::{Script, hex};

    #[derive(Debug, Default)]
    struct ScriptedRf {
        script: Script,
        timeouts: Vec<u16>,
    }

    impl ScriptedRf {
        fn new(script: &[(&str, Result<&str, TransportError>)]) -> Self {
            Self { script: Script::new(script), timeouts: Vec::new() }
        }
    }

    impl RfLink for ScriptedRf {
        async fn exchange_frame(&mut self, frame: &[u8], timeout: u16) -> Result<Vec<u8>, TransportError> {
            self.timeouts.push(timeout);
            self.script.answer(frame)
        }
    }

    #[test]
    fn pcb_values_are_the_documented_ones() {
        let i = IsoDepBlock::I { number: 0, chaining: false, data: Zeroizing::new(hex("00 A4")) };
        assert_eq!(i.encode().as_slice(), hex("02 00 A4"));
        let chained = IsoDepBlock::I { number: 1, chaining: true, data: Zeroizing::new(vec![]) };
        assert_eq!(chained.encode().as_slice(), hex("13"));
        assert_eq!(IsoDepBlock::Ack { number: 1 }.encode().as_slice(), hex("A3"));
        assert_eq!(IsoDepBlock::Nak { number: 0 }.encode().as_slice(), hex("B2"));
        assert_eq!(IsoDepBlock::Deselect.encode().as_slice(), hex("C2"));
        assert_eq!(IsoDepBlock::Wtx { inf: 1 }.encode().as_slice(), hex("F2 01"));
        for frame in ["02 90 00", "13 01", "A2", "B3", "C2", "F2 05"] {
            assert_eq!(IsoDepBlock::parse(&hex(frame)).unwrap().encode().as_slice(), hex(frame), "{frame}");
        }
        assert_eq!(IsoDepBlock::parse(&hex("0A 00")), Err(IsoDepError::Pcb(0x0A)));
        assert_eq!(IsoDepBlock::parse(&[]), Err(IsoDepError::Empty));
        assert_eq!(IsoDepBlock::parse(&hex("F2")), Err(IsoDepError::Length));
    }

    #[test]
    fn fwi_13_timeout_is_the_documented_d6_60_plus_margin() {
        // FWT(13) + ΔFWT = 2478.1 ms; the documented nfcpy encoding is 0x60D6 = 24790 (with its +1 ms).
        let timeout = frame_waiting_timeout(13);
        assert!((24_780..=24_800).contains(&timeout), "{timeout}");
        assert_eq!(frame_size(8), 256);
        assert_eq!(frame_size(12), 256);
    }

    #[test]
    fn select_round_trip_toggles_the_block_number() {
        let mut rf =
            ScriptedRf::new(&[("02 00 A4 04 0C", Ok("02 90 00")), ("03 00 B0 00 00 04", Ok("03 30 82 01 00 90 00"))]);
        let mut host = IsoDepHost::new(256, 100);
        assert_eq!(block_on(host.transceive(&mut rf, &hex("00 A4 04 0C"))).unwrap(), hex("90 00"));
        assert_eq!(block_on(host.transceive(&mut rf, &hex("00 B0 00 00 04"))).unwrap(), hex("30 82 01 00 90 00"));
    }

    #[test]
    fn chains_both_ways_like_the_nfcpy_vectors() {
        // FSC 16 → 13 INF bytes per block. Command of 15 bytes: 13 + 2; answer in three blocks.
        let command: Vec<u8> = (1..=15).collect();
        let first = format!("12 {}", hex::encode(&command[..13]));
        let second = format!("03 {}", hex::encode(&command[13..]));
        let mut rf = ScriptedRf::new(&[
            (&first, Ok("A2")),
            (&second, Ok("13 01 02")),
            ("A2", Ok("12 03 04")),
            ("A3", Ok("03 90 00")),
        ]);
        let mut host = IsoDepHost::new(16, 100);
        assert_eq!(block_on(host.transceive(&mut rf, &command)).unwrap(), hex("01 02 03 04 90 00"));
    }

    #[test]
    fn wtx_is_echoed_with_a_longer_timeout() {
        let mut rf = ScriptedRf::new(&[("02 2A", Ok("F2 02")), ("F2 02", Ok("02 90 00"))]);
        let mut host = IsoDepHost::new(256, 100);
        assert_eq!(block_on(host.transceive(&mut rf, &[0x2A])).unwrap(), hex("90 00"));
        assert_eq!(rf.timeouts, vec![100, 200]);
    }

    #[test]
    fn lost_answers_get_a_nak_and_an_old_ack_gets_a_resend() {
        let mut rf =
            ScriptedRf::new(&[("02 2A", Err(TransportError::CardMute)), ("B2", Ok("A3")), ("02 2A", Ok("02 90 00"))]);
        let mut host = IsoDepHost::new(256, 100);
        assert_eq!(block_on(host.transceive(&mut rf, &[0x2A])).unwrap(), hex("90 00"));
    }

    #[test]
    fn a_card_that_stays_silent_is_mute_after_the_retries() {
        let mut rf = ScriptedRf::new(&[
            ("02 2A", Err(TransportError::CardMute)),
            ("B2", Err(TransportError::CardMute)),
            ("B2", Err(TransportError::CardMute)),
            ("B2", Err(TransportError::CardMute)),
        ]);
        let mut host = IsoDepHost::new(256, 100);
        assert_eq!(block_on(host.transceive(&mut rf, &[0x2A])), Err(TransportError::CardMute));
    }

    proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = IsoDepBlock::parse(&bytes);
        }
    }
}
