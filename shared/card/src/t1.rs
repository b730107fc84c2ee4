//! Layer 2b: the ISO/IEC 7816-3 T=1 block protocol, for TPDU-level readers (contact readers such as the ACR39U).
//!
//! At TPDU level the reader moves raw blocks and the host runs T=1 itself: I-blocks carry the APDU (chained
//! when it is longer than the card's IFSC), R-blocks acknowledge chained blocks or ask for a resend, S-blocks
//! negotiate the information field size (IFS), grant waiting-time extensions (WTX) and resynchronise.
//!
//! [`Block`] is the codec, used by the host here and by the virtual card in `onshi-vcard`. [`T1Host`] drives
//! the host side over any [`BlockLink`] (one block out, one block back) and is itself a [`Transport`].
//! The engine is clock-free: a waiting-time extension is passed down to the link as a multiplier (CCID
//! `bBWI`), never waited for here.

use std::fmt;

use zeroize::Zeroizing;

use crate::transport::{Transport, TransportError};

/// Node address byte this host uses (no addressing).
pub const NAD: u8 = 0x00;
/// Prologue (NAD, PCB, LEN) plus the one-byte LRC epilogue.
pub const OVERHEAD: usize = 4;
/// Largest information field T=1 allows.
pub const MAX_IFS: u8 = 254;
/// IFSC assumed until the ATR or an S(IFS) says otherwise (ISO/IEC 7816-3 §11.4.2).
pub const DEFAULT_IFSC: u8 = 32;

/// The kind of an S-block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SKind {
    /// RESYNCH: both sides reset their send sequence numbers.
    Resynch,
    /// IFS: one byte, the new information field size.
    Ifs,
    /// ABORT: the sender gives up the chain in progress.
    Abort,
    /// WTX: one byte, the waiting time multiplier.
    Wtx,
}

impl SKind {
    fn bits(self) -> u8 {
        match self {
            Self::Resynch => 0,
            Self::Ifs => 1,
            Self::Abort => 2,
            Self::Wtx => 3,
        }
    }
}

/// Error code of an R-block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RError {
    /// No error: an acknowledgement.
    None,
    /// EDC (LRC) or parity error.
    Edc,
    /// Any other error.
    Other,
}

/// One T=1 block (NAD is always 0 here).
#[derive(Clone, PartialEq, Eq)]
pub enum Block {
    /// Information block.
    I {
        /// Send sequence number N(S), 0 or 1.
        sequence: u8,
        /// More data follows in the next I-block (chaining).
        more: bool,
        /// The information field: part of an APDU. It may hold a PIN, so it is zeroized and never printed.
        data: Zeroizing<Vec<u8>>,
    },
    /// Receive-ready block.
    R {
        /// The sequence number N(R) of the I-block expected next.
        sequence: u8,
        /// Why, if it reports an error.
        error: RError,
    },
    /// Supervisory block.
    S {
        /// Which supervisory function.
        kind: SKind,
        /// Whether this is the response (bit 6) rather than the request.
        response: bool,
        /// The information field (one byte for IFS and WTX, empty otherwise).
        data: Vec<u8>,
    },
}

impl fmt::Debug for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::I { sequence, more, data } => f
                .debug_struct("I")
                .field("sequence", sequence)
                .field("more", more)
                .field("data", &format_args!("<{} bytes>", data.len()))
                .finish(),
            Self::R { sequence, error } => {
                f.debug_struct("R").field("sequence", sequence).field("error", error).finish()
            }
            Self::S { kind, response, data } => {
                f.debug_struct("S").field("kind", kind).field("response", response).field("data", data).finish()
            }
        }
    }
}

/// Why bytes are not a T=1 block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// Fewer than four bytes, or LEN disagrees with the number of bytes.
    #[error("T=1 block length is wrong")]
    Length,
    /// The LRC does not match.
    #[error("T=1 block LRC is wrong")]
    Edc,
    /// A PCB value T=1 does not define, or an information field too long.
    #[error("T=1 block PCB or LEN is invalid")]
    Invalid,
}

/// Longitudinal redundancy check: the XOR of all bytes.
pub fn lrc(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, byte| acc ^ byte)
}

impl Block {
    /// The PCB byte.
    pub fn pcb(&self) -> u8 {
        match self {
            Self::I { sequence, more, .. } => ((sequence & 1) << 6) | if *more { 0x20 } else { 0 },
            Self::R { sequence, error } => {
                let code = match error {
                    RError::None => 0,
                    RError::Edc => 1,
                    RError::Other => 2,
                };
                0x80 | ((sequence & 1) << 4) | code
            }
            Self::S { kind, response, .. } => 0xC0 | if *response { 0x20 } else { 0 } | kind.bits(),
        }
    }

    /// The information field.
    pub fn data(&self) -> &[u8] {
        match self {
            Self::I { data, .. } => data,
            Self::R { .. } => &[],
            Self::S { data, .. } => data,
        }
    }

    /// The block on the wire: NAD, PCB, LEN, INF, LRC. Zeroized on drop (an I-block may carry a PIN).
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let data = self.data();
        let mut bytes = Zeroizing::new(Vec::with_capacity(OVERHEAD + data.len()));
        bytes.extend_from_slice(&[NAD, self.pcb(), u8::try_from(data.len()).unwrap_or(MAX_IFS)]);
        bytes.extend_from_slice(data);
        let check = lrc(&bytes);
        bytes.push(check);
        bytes
    }

    /// Parses one block, checking LEN and the LRC.
    pub fn parse(bytes: &[u8]) -> Result<Self, BlockError> {
        let [_nad, pcb, len, rest @ ..] = bytes else { return Err(BlockError::Length) };
        if rest.len() != usize::from(*len) + 1 {
            return Err(BlockError::Length);
        }
        if lrc(bytes) != 0 {
            return Err(BlockError::Edc);
        }
        if *len > MAX_IFS {
            return Err(BlockError::Invalid);
        }
        let data = rest.get(..usize::from(*len)).unwrap_or_default();
        match pcb & 0xC0 {
            0x00 | 0x40 => {
                if pcb & 0x1F != 0 {
                    return Err(BlockError::Invalid);
                }
                Ok(Self::I { sequence: (pcb >> 6) & 1, more: pcb & 0x20 != 0, data: Zeroizing::new(data.to_vec()) })
            }
            0x80 => {
                let error = match pcb & 0x0F {
                    0 => RError::None,
                    1 => RError::Edc,
                    2 => RError::Other,
                    _ => return Err(BlockError::Invalid),
                };
                if pcb & 0x20 != 0 || !data.is_empty() {
                    return Err(BlockError::Invalid);
                }
                Ok(Self::R { sequence: (pcb >> 4) & 1, error })
            }
            _ => {
                let kind = match pcb & 0x1F {
                    0 => SKind::Resynch,
                    1 => SKind::Ifs,
                    2 => SKind::Abort,
                    3 => SKind::Wtx,
                    _ => return Err(BlockError::Invalid),
                };
                let expected_len = usize::from(matches!(kind, SKind::Ifs | SKind::Wtx));
                if data.len() != expected_len {
                    return Err(BlockError::Invalid);
                }
                Ok(Self::S { kind, response: pcb & 0x20 != 0, data: data.to_vec() })
            }
        }
    }
}

/// Carries one T=1 block to the card and brings the card's next block back. `waiting_multiplier` is the WTX
/// the card asked for (1 when none), which a CCID link passes as `bBWI`.
#[allow(async_fn_in_trait)]
pub trait BlockLink {
    /// Sends `block` and returns the card's answer block, unparsed.
    async fn exchange_block(&mut self, block: &[u8], waiting_multiplier: u8) -> Result<Vec<u8>, TransportError>;
}

/// The host side of T=1 over a [`BlockLink`].
#[derive(Debug)]
pub struct T1Host<L> {
    link: L,
    send_sequence: u8,
    receive_sequence: u8,
    ifsc: u8,
    max_retries: u8,
    max_wtx: u32,
}

/// Counters of the last APDU exchange, for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct T1Stats {
    /// Blocks sent to the card in total.
    pub blocks_sent: u64,
    /// Resends and R-blocks sent because of errors.
    pub recoveries: u64,
    /// RESYNCH requests sent.
    pub resynchs: u64,
}

impl<L: BlockLink> T1Host<L> {
    /// How many times one block is retried (R-block or resend) before a RESYNCH (ISO/IEC 7816-3 §11.6.3).
    pub const DEFAULT_MAX_RETRIES: u8 = 3;

    /// A host with IFSC from the card's ATR (or [`DEFAULT_IFSC`]).
    pub fn new(link: L, ifsc: u8) -> Self {
        Self {
            link,
            send_sequence: 0,
            receive_sequence: 0,
            ifsc: ifsc.clamp(1, MAX_IFS),
            max_retries: Self::DEFAULT_MAX_RETRIES,
            max_wtx: 1024,
        }
    }

    /// The link.
    pub fn link_mut(&mut self) -> &mut L {
        &mut self.link
    }

    /// Gives the link back.
    pub fn into_inner(self) -> L {
        self.link
    }

    /// The card's current information field size.
    pub fn ifsc(&self) -> u8 {
        self.ifsc
    }

    /// Starts over after a card reset: both sequence numbers back to 0.
    pub fn reset(&mut self, ifsc: u8) {
        self.send_sequence = 0;
        self.receive_sequence = 0;
        self.ifsc = ifsc.clamp(1, MAX_IFS);
    }

    /// Tells the card how much the host can receive: S(IFS request) with `ifsd`, expecting the same back.
    pub async fn negotiate_ifsd(&mut self, ifsd: u8) -> Result<(), TransportError> {
        let request = Block::S { kind: SKind::Ifs, response: false, data: vec![ifsd] };
        for _ in 0..=self.max_retries {
            let answer = self.link.exchange_block(&request.encode(), 1).await?;
            match Block::parse(&answer) {
                Ok(Block::S { kind: SKind::Ifs, response: true, data }) if data == [ifsd] => return Ok(()),
                Ok(_) => return Err(TransportError::MalformedFrame("unexpected answer to S(IFS)")),
                Err(_) => {}
            }
        }
        Err(TransportError::MalformedFrame("S(IFS) not acknowledged"))
    }

    /// RESYNCH: both sides return to sequence 0 (§11.6.3.2, rule 6.4).
    async fn resynchronise(&mut self) -> Result<(), TransportError> {
        let request = Block::S { kind: SKind::Resynch, response: false, data: Vec::new() };
        for _ in 0..=self.max_retries {
            let answer = self.link.exchange_block(&request.encode(), 1).await?;
            if let Ok(Block::S { kind: SKind::Resynch, response: true, .. }) = Block::parse(&answer) {
                self.send_sequence = 0;
                self.receive_sequence = 0;
                return Ok(());
            }
        }
        Err(TransportError::MalformedFrame("the card does not resynchronise"))
    }

    /// One APDU over T=1: chained I-blocks out, chained I-blocks back. Error recovery: a corrupt or missing
    /// answer is met with an R-block asking for the expected block (the card then resends), up to
    /// `max_retries` times; then one RESYNCH and the whole APDU once more.
    async fn exchange_apdu(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.exchange_apdu_once(command).await {
            Err(TransportError::MalformedFrame(_) | TransportError::CardMute) => {
                self.resynchronise().await?;
                self.exchange_apdu_once(command).await
            }
            other => other,
        }
    }

    async fn exchange_apdu_once(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let chunk_len = usize::from(self.ifsc);
        let mut chunks: Vec<&[u8]> = command.chunks(chunk_len).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        let last_chunk = chunks.len() - 1;
        let mut response = Zeroizing::new(Vec::new());
        let mut waiting_multiplier = 1u8;
        let mut wtx_count = 0u32;
        for (index, chunk) in chunks.iter().enumerate() {
            let more = index < last_chunk;
            let block = Block::I { sequence: self.send_sequence, more, data: Zeroizing::new(chunk.to_vec()) };
            let encoded = block.encode();
            let mut to_send = encoded.clone();
            let mut retries = 0u8;
            loop {
                let answer = self.link.exchange_block(&to_send, waiting_multiplier).await;
                waiting_multiplier = 1;
                let parsed = match answer {
                    Ok(bytes) => Block::parse(&bytes).map_err(|_| ()),
                    Err(TransportError::CardMute) => Err(()),
                    Err(other) => return Err(other),
                };
                match parsed {
                    Ok(Block::R { sequence, error: RError::None }) if more && sequence != self.send_sequence => {
                        // The card acknowledged this chunk and wants the next one.
                        self.send_sequence ^= 1;
                        break;
                    }
                    Ok(Block::R { sequence, .. }) if sequence == self.send_sequence => {
                        // The card did not get our block: resend it as it was.
                        retries = self.count_retry(retries)?;
                        to_send = encoded.clone();
                    }
                    Ok(Block::S { kind: SKind::Wtx, response: false, data }) => {
                        wtx_count += 1;
                        if wtx_count > self.max_wtx {
                            return Err(TransportError::TooManyTimeExtensions);
                        }
                        waiting_multiplier = data.first().copied().unwrap_or(1).max(1);
                        to_send = Block::S { kind: SKind::Wtx, response: true, data }.encode();
                    }
                    Ok(Block::S { kind: SKind::Ifs, response: false, data }) => {
                        if let Some(&ifsc) = data.first().filter(|&&size| (1..=MAX_IFS).contains(&size)) {
                            self.ifsc = ifsc;
                        }
                        to_send = Block::S { kind: SKind::Ifs, response: true, data }.encode();
                    }
                    Ok(Block::S { kind: SKind::Abort, response: false, .. }) => {
                        return Err(TransportError::MalformedFrame("the card aborted the chain"));
                    }
                    Ok(Block::I { sequence, more: card_more, data }) if !more && sequence == self.receive_sequence => {
                        self.send_sequence ^= 1;
                        self.receive_sequence ^= 1;
                        response.extend_from_slice(&data);
                        if !card_more {
                            return Ok(response.to_vec());
                        }
                        return self.receive_chain(response).await;
                    }
                    Ok(_) | Err(()) => {
                        retries = self.count_retry(retries)?;
                        // Ask for the block we expect: during our chain that is an ack of this chunk, after it
                        // the card's first I-block.
                        let error = if parsed.is_err() { RError::Edc } else { RError::Other };
                        let expected = if more { self.send_sequence } else { self.receive_sequence };
                        to_send = if more { encoded.clone() } else { Block::R { sequence: expected, error }.encode() };
                    }
                }
            }
        }
        Err(TransportError::MalformedFrame("T=1 exchange ended without an answer"))
    }

    /// Reads the rest of a chained answer: each I-block with M set is acknowledged by R(N(R) = next).
    async fn receive_chain(&mut self, mut response: Zeroizing<Vec<u8>>) -> Result<Vec<u8>, TransportError> {
        let mut retries = 0u8;
        let mut waiting_multiplier = 1u8;
        loop {
            let ack = Block::R { sequence: self.receive_sequence, error: RError::None }.encode();
            let mut to_send = ack.clone();
            loop {
                let answer = self.link.exchange_block(&to_send, waiting_multiplier).await;
                waiting_multiplier = 1;
                let parsed = match answer {
                    Ok(bytes) => Block::parse(&bytes).ok(),
                    Err(TransportError::CardMute) => None,
                    Err(other) => return Err(other),
                };
                match parsed {
                    Some(Block::I { sequence, more, data }) if sequence == self.receive_sequence => {
                        self.receive_sequence ^= 1;
                        response.extend_from_slice(&data);
                        if response.len() > 65_538 {
                            return Err(TransportError::MalformedFrame("T=1 answer longer than an APDU"));
                        }
                        if !more {
                            return Ok(response.to_vec());
                        }
                        retries = 0;
                        break;
                    }
                    Some(Block::S { kind: SKind::Wtx, response: false, data }) => {
                        waiting_multiplier = data.first().copied().unwrap_or(1).max(1);
                        to_send = Block::S { kind: SKind::Wtx, response: true, data }.encode();
                    }
                    _ => {
                        retries = self.count_retry(retries)?;
                        to_send = Block::R { sequence: self.receive_sequence, error: RError::Edc }.encode();
                    }
                }
            }
        }
    }

    fn count_retry(&self, retries: u8) -> Result<u8, TransportError> {
        if retries >= self.max_retries {
            return Err(TransportError::MalformedFrame("T=1 block retries exhausted"));
        }
        Ok(retries + 1)
    }
}

impl<L: BlockLink> Transport for T1Host<L> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.exchange_apdu(command).await
    }

    fn supports_extended_length(&self) -> bool {
        // T=1 carries any APDU length by chaining, so extended APDUs need no help from the reader.
        true
    }
}

/// IFSC announced in an ATR (the first TA(i) for i ≥ 3 after T=1 is indicated), or [`DEFAULT_IFSC`].
pub fn ifsc_from_atr(atr: &[u8]) -> u8 {
    let Some(&t0) = atr.get(1) else { return DEFAULT_IFSC };
    let mut position = 2usize;
    let mut indicator = t0;
    let mut interface_index = 1u8;
    let mut t1_seen = false;
    loop {
        let has = |bit: u8| indicator & bit != 0;
        let ta = has(0x10).then(|| atr.get(position).copied()).flatten();
        position += usize::from(has(0x10));
        position += usize::from(has(0x20));
        position += usize::from(has(0x40));
        if interface_index >= 3
            && t1_seen
            && let Some(value) = ta
        {
            return if (1..=MAX_IFS).contains(&value) { value } else { DEFAULT_IFSC };
        }
        if !has(0x80) {
            return DEFAULT_IFSC;
        }
        let Some(&td) = atr.get(position) else { return DEFAULT_IFSC };
        position += 1;
        t1_seen |= td & 0x0F == 1;
        indicator = td;
        interface_index += 1;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use futures::executor::block_on;
    use proptest::prelude::*;

    use super::*;

    use crate::test_script::{Script, hex};

    /// A link that checks each block the host sends and answers from a script.
    #[derive(Debug, Default)]
    struct ScriptedLink {
        script: Script,
        multipliers: Vec<u8>,
    }

    impl ScriptedLink {
        fn new(script: &[(&str, Result<&str, TransportError>)]) -> Self {
            Self { script: Script::new(script), multipliers: Vec::new() }
        }
    }

    impl BlockLink for ScriptedLink {
        async fn exchange_block(&mut self, block: &[u8], multiplier: u8) -> Result<Vec<u8>, TransportError> {
            self.multipliers.push(multiplier);
            self.script.answer(block)
        }
    }

    #[test]
    fn blocks_encode_with_lrc() {
        let select = Block::I { sequence: 0, more: false, data: Zeroizing::new(hex("00 A4 04 0C")) };
        assert_eq!(select.encode().as_slice(), hex("00 00 04 00 A4 04 0C A8"));
        assert_eq!(Block::R { sequence: 1, error: RError::None }.encode().as_slice(), hex("00 90 00 90"));
        assert_eq!(Block::R { sequence: 0, error: RError::Edc }.encode().as_slice(), hex("00 81 00 81"));
        let ifs = Block::S { kind: SKind::Ifs, response: false, data: vec![0xFE] };
        assert_eq!(ifs.encode().as_slice(), hex("00 C1 01 FE 3E"));
        let wtx = Block::S { kind: SKind::Wtx, response: true, data: vec![0x02] };
        assert_eq!(wtx.encode().as_slice(), hex("00 E3 01 02 E0"));
        assert_eq!(Block::parse(&hex("00 C1 01 FE 3E")).unwrap(), ifs);
        assert_eq!(Block::parse(&hex("00 C1 01 FE 3F")), Err(BlockError::Edc));
        assert_eq!(Block::parse(&hex("00 C1 02 FE 3E")), Err(BlockError::Length));
        assert_eq!(Block::parse(&hex("00 C7 00 C7")), Err(BlockError::Invalid));
    }

    #[test]
    fn ifsc_is_read_from_the_my_number_atr() {
        assert_eq!(ifsc_from_atr(&hex("3B E0 00 FF 81 31 FE 45 14")), 0xFE);
        assert_eq!(ifsc_from_atr(&hex("3B 00")), DEFAULT_IFSC);
        assert_eq!(ifsc_from_atr(&[]), DEFAULT_IFSC);
    }

    #[test]
    fn a_short_apdu_is_one_i_block_each_way() {
        let link = ScriptedLink::new(&[
            ("00 00 02 00 B0 B2", Ok("00 00 02 90 00 92")),
            ("00 40 00 40", Ok("00 40 02 90 00 D2")),
        ]);
        let mut host = T1Host::new(link, 254);
        assert_eq!(block_on(host.transmit(&hex("00 B0"))).unwrap(), hex("90 00"));
        assert_eq!(block_on(host.transmit(&[])).unwrap(), hex("90 00"));
    }

    #[test]
    fn long_commands_and_answers_are_chained() {
        // IFSC 3: a 5-byte command goes out as 3 + 2 bytes; the answer comes back as 2 + 2 bytes.
        let link = ScriptedLink::new(&[
            ("00 20 03 01 02 03 23", Ok("00 90 00 90")),
            ("00 40 02 04 05 43", Ok("00 20 02 AA BB 33")),
            ("00 90 00 90", Ok("00 40 02 90 00 D2")),
        ]);
        let mut host = T1Host::new(link, 3);
        assert_eq!(block_on(host.transmit(&hex("01 02 03 04 05"))).unwrap(), hex("AA BB 90 00"));
    }

    #[test]
    fn wtx_is_granted_and_passed_down_as_the_multiplier() {
        let link =
            ScriptedLink::new(&[("00 00 01 2A 2B", Ok("00 C3 01 05 C7")), ("00 E3 01 05 E7", Ok("00 00 02 90 00 92"))]);
        let mut host = T1Host::new(link, 254);
        assert_eq!(block_on(host.transmit(&[0x2A])).unwrap(), hex("90 00"));
        assert_eq!(host.into_inner().multipliers, vec![1, 5]);
    }

    #[test]
    fn a_corrupt_answer_is_asked_for_again() {
        let link = ScriptedLink::new(&[
            ("00 00 01 2A 2B", Ok("00 00 02 90 00 FF")),
            ("00 81 00 81", Err(TransportError::CardMute)),
            ("00 81 00 81", Ok("00 00 02 90 00 92")),
        ]);
        let mut host = T1Host::new(link, 254);
        assert_eq!(block_on(host.transmit(&[0x2A])).unwrap(), hex("90 00"));
    }

    #[test]
    fn exhausted_retries_lead_to_resynch_then_one_more_try() {
        let bad = "00 00 02 90 00 FF";
        let link = ScriptedLink::new(&[
            ("00 00 01 2A 2B", Ok(bad)),
            ("00 81 00 81", Ok(bad)),
            ("00 81 00 81", Ok(bad)),
            ("00 81 00 81", Ok(bad)),
            ("00 C0 00 C0", Ok("00 E0 00 E0")),
            ("00 00 01 2A 2B", Ok("00 00 02 90 00 92")),
        ]);
        let mut host = T1Host::new(link, 254);
        assert_eq!(block_on(host.transmit(&[0x2A])).unwrap(), hex("90 00"));
    }

    #[test]
    fn no_card_is_not_retried() {
        let link = ScriptedLink::new(&[("00 00 01 2A 2B", Err(TransportError::NoCard))]);
        let mut host = T1Host::new(link, 254);
        assert_eq!(block_on(host.transmit(&[0x2A])), Err(TransportError::NoCard));
    }

    #[test]
    fn ifs_negotiation() {
        let link = ScriptedLink::new(&[("00 C1 01 FE 3E", Ok("00 E1 01 FE 1E"))]);
        let mut host = T1Host::new(link, 32);
        block_on(host.negotiate_ifsd(254)).unwrap();
    }

    #[test]
    fn i_block_debug_hides_the_data() {
        let block = Block::I { sequence: 0, more: false, data: Zeroizing::new(b"1234".to_vec()) };
        assert!(!format!("{block:?}").contains("49"));
    }

    proptest! {
        #[test]
        fn block_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Block::parse(&bytes);
            let _ = ifsc_from_atr(&bytes);
        }

        #[test]
        fn i_blocks_round_trip(sequence in 0u8..2, more in any::<bool>(), data in proptest::collection::vec(any::<u8>(), 0..255)) {
            let block = Block::I { sequence, more, data: Zeroizing::new(data) };
            prop_assert_eq!(Block::parse(&block.encode()), Ok(block));
        }
    }
}
