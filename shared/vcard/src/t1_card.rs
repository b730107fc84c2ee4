//! The card side of T=1, as a contact My Number card runs it behind a TPDU-level reader: reassembles chained
//! I-blocks into an APDU, answers in chained I-blocks of at most IFSD bytes, answers S(IFS) and S(RESYNCH),
//! asks for a waiting-time extension before a signature, and resends its last block when the host asks.
//! Faults can be injected: corrupted LRCs and lost answers.

use onshi_card::t1::{Block, RError, SKind};
use zeroize::Zeroizing;

use crate::card::VirtualCard;

/// What the card does with one block from the host.
#[derive(Debug)]
pub enum T1Answer {
    /// This block goes back to the host.
    Block(Vec<u8>),
    /// The card stays silent (the reader reports a mute card).
    Silent,
}

/// Card-side T=1 state.
#[derive(Debug)]
pub struct T1Card {
    expected_host_sequence: u8,
    next_card_sequence: u8,
    ifsd: usize,
    command: Zeroizing<Vec<u8>>,
    pending_chunks: Vec<Vec<u8>>,
    last_sent: Option<Vec<u8>>,
    answer_after_wtx: Option<Vec<u8>>,
    /// How many of the next answers get a wrong LRC.
    pub corrupt_answers: u32,
    /// How many of the next answers are lost.
    pub silent_answers: u32,
    /// Whether the card asks for a WTX before answering a signing command.
    pub wtx_before_signing: bool,
}

impl Default for T1Card {
    fn default() -> Self {
        Self {
            expected_host_sequence: 0,
            next_card_sequence: 0,
            ifsd: 32,
            command: Zeroizing::new(Vec::new()),
            pending_chunks: Vec::new(),
            last_sent: None,
            answer_after_wtx: None,
            corrupt_answers: 0,
            silent_answers: 0,
            wtx_before_signing: true,
        }
    }
}

impl T1Card {
    /// Back to the state after an ATR.
    pub fn reset(&mut self) {
        let faults = (self.corrupt_answers, self.silent_answers, self.wtx_before_signing);
        *self = Self::default();
        (self.corrupt_answers, self.silent_answers, self.wtx_before_signing) = faults;
    }

    /// Handles one block from the host.
    pub fn receive(&mut self, card: &mut VirtualCard, bytes: &[u8]) -> T1Answer {
        let answer = match Block::parse(bytes) {
            Err(_) => Block::R { sequence: self.expected_host_sequence, error: RError::Edc }.encode().to_vec(),
            Ok(block) => match self.handle(card, block) {
                Some(answer) => answer,
                None => return T1Answer::Silent,
            },
        };
        if self.silent_answers > 0 {
            self.silent_answers -= 1;
            return T1Answer::Silent;
        }
        if self.corrupt_answers > 0 {
            self.corrupt_answers -= 1;
            let mut corrupted = answer;
            if let Some(last) = corrupted.last_mut() {
                *last ^= 0xFF;
            }
            return T1Answer::Block(corrupted);
        }
        T1Answer::Block(answer)
    }

    fn send_i(&mut self, data: Vec<u8>, more: bool) -> Vec<u8> {
        let block = Block::I { sequence: self.next_card_sequence, more, data: Zeroizing::new(data) }.encode().to_vec();
        self.next_card_sequence ^= 1;
        self.last_sent = Some(block.clone());
        block
    }

    fn send_next_chunk(&mut self) -> Vec<u8> {
        let chunk = if self.pending_chunks.is_empty() { Vec::new() } else { self.pending_chunks.remove(0) };
        let more = !self.pending_chunks.is_empty();
        self.send_i(chunk, more)
    }

    fn handle(&mut self, card: &mut VirtualCard, block: Block) -> Option<Vec<u8>> {
        match block {
            Block::I { sequence, more, data } => {
                if sequence != self.expected_host_sequence {
                    // A repeat of a block we already took: our answer to it was lost.
                    return self.last_sent.clone();
                }
                self.expected_host_sequence ^= 1;
                self.command.extend_from_slice(&data);
                if more {
                    let ack = Block::R { sequence: self.expected_host_sequence, error: RError::None };
                    let ack = ack.encode().to_vec();
                    self.last_sent = Some(ack.clone());
                    return Some(ack);
                }
                let command = std::mem::replace(&mut self.command, Zeroizing::new(Vec::new()));
                let is_signing = command.get(..2) == Some(&[0x80, 0x2A]);
                let response = card.process_apdu(&command);
                self.pending_chunks = response.chunks(self.ifsd.max(1)).map(<[u8]>::to_vec).collect();
                if is_signing && self.wtx_before_signing {
                    let wtx = Block::S { kind: SKind::Wtx, response: false, data: vec![2] }.encode().to_vec();
                    self.answer_after_wtx = Some(Vec::new());
                    return Some(wtx);
                }
                Some(self.send_next_chunk())
            }
            Block::R { sequence, .. } => {
                if sequence == self.next_card_sequence && !self.pending_chunks.is_empty() {
                    return Some(self.send_next_chunk());
                }
                self.last_sent.clone()
            }
            Block::S { kind: SKind::Wtx, response: true, .. } if self.answer_after_wtx.take().is_some() => {
                Some(self.send_next_chunk())
            }
            Block::S { kind: SKind::Ifs, response: false, data } => {
                if let Some(&size) = data.first() {
                    self.ifsd = usize::from(size).clamp(1, 254);
                }
                Some(Block::S { kind: SKind::Ifs, response: true, data }.encode().to_vec())
            }
            Block::S { kind: SKind::Resynch, response: false, .. } => {
                let ifsd = self.ifsd;
                self.reset();
                self.ifsd = ifsd;
                Some(Block::S { kind: SKind::Resynch, response: true, data: Vec::new() }.encode().to_vec())
            }
            Block::S { kind: SKind::Abort, response: false, .. } => {
                self.command.clear();
                self.pending_chunks.clear();
                Some(Block::S { kind: SKind::Abort, response: true, data: Vec::new() }.encode().to_vec())
            }
            Block::S { .. } => {
                Some(Block::R { sequence: self.expected_host_sequence, error: RError::Other }.encode().to_vec())
            }
        }
    }
}
