//! Test-only scripts for the layers of this crate: a queue of "the host must send this, the other side answers
//! that" exchanges, shared by the APDU, T=1 and ISO-DEP tests so each layer's stand-in is only its trait impl.

use std::collections::VecDeque;

use crate::transport::TransportError;

/// Bytes from spaced hex, as the reference transcripts write them.
pub(crate) fn hex(text: &str) -> Vec<u8> {
    #[allow(clippy::unwrap_used)] // A malformed literal is a broken test.
    hex::decode(text.replace(' ', "")).unwrap()
}

/// What the host must send, and what the other side answers.
type Exchange = (Vec<u8>, Result<Vec<u8>, TransportError>);

/// The exchanges a test expects, in order.
#[derive(Debug, Default)]
pub(crate) struct Script {
    exchanges: VecDeque<Exchange>,
}

impl Script {
    /// A script whose answers may be transport errors.
    pub(crate) fn new(script: &[(&str, Result<&str, TransportError>)]) -> Self {
        Self { exchanges: script.iter().map(|(sent, answer)| (hex(sent), answer.clone().map(hex))).collect() }
    }

    /// A script whose every answer arrives.
    pub(crate) fn answered(script: &[(&str, &str)]) -> Self {
        Self { exchanges: script.iter().map(|(sent, answer)| (hex(sent), Ok(hex(answer)))).collect() }
    }

    /// Checks that `sent` is the next expected message (the test fails on any other) and gives its answer.
    pub(crate) fn answer(&mut self, sent: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (expected, answer) = self.exchanges.pop_front().ok_or(TransportError::Io("script exhausted".into()))?;
        assert_eq!(hex::encode_upper(sent), hex::encode_upper(&expected), "unexpected message");
        answer
    }

    /// True when every scripted exchange took place.
    pub(crate) fn is_done(&self) -> bool {
        self.exchanges.is_empty()
    }
}
