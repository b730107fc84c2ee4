//! The one error type of the card stack.

use crate::status::StatusWord;
use crate::transport::TransportError;

/// Everything that can go wrong talking to a card. [`CardError::Transport`] means the bytes did not get through;
/// [`CardError::Status`] means they did and the card said no.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    /// The reader, USB or PC/SC layer failed.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The card refused the command with this status word.
    #[error("the card answered {0}")]
    Status(StatusWord),
    /// The card's response does not have the expected shape.
    #[error("malformed card response: {0}")]
    MalformedResponse(&'static str),
    /// Bytes received as a command APDU are not one.
    #[error("malformed command APDU: {0}")]
    MalformedCommand(&'static str),
    /// Command data longer than the encoding allows.
    #[error("command data of {len} bytes exceeds {max}")]
    CommandTooLong {
        /// Length of the data.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// An expected response length outside 1 ..= 65 536 (or 256 for a short APDU).
    #[error("expected length {0} cannot be encoded")]
    InvalidLe(u32),
    /// A PIN that is not exactly four ASCII digits. The PIN itself is never part of the error.
    #[error("the PIN must be exactly four digits")]
    InvalidPin,
    /// A 照合番号B that is not 14 plausible digits. The digits are never part of the error.
    #[error("照合番号B must be 14 digits: birth date (和暦 YYMMDD), expiry year, security code")]
    InvalidCollationNumber,
    /// A signing password that is not 6–16 upper-case letters and digits. The password is never part of it.
    #[error("the signing password must be 6 to 16 upper-case letters and digits")]
    InvalidPassword,
    /// A read beyond the 15-bit offset range of READ BINARY.
    #[error("file offset {0} is beyond READ BINARY's range")]
    OffsetTooLarge(usize),
    /// A check-in step was called out of order (for example signing before the PIN was verified).
    #[error("{step} is not allowed now: {reason}")]
    StepOutOfOrder {
        /// The step that was called.
        step: &'static str,
        /// Why it is not allowed.
        reason: &'static str,
    },
}

/// Result alias of the card stack.
pub type Result<T, E = CardError> = std::result::Result<T, E>;
