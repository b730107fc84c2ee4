//! Layer 1: moving bytes. A [`Transport`] carries one command APDU to the card and brings its response back; a
//! [`UsbBulk`] moves raw frames over a USB reader's bulk endpoints. Neither knows what the bytes mean.
//!
//! Both traits use `async fn` without a `Send` bound on purpose: WebUSB futures hold JavaScript values, which
//! cannot cross threads, and the kiosk runs on a single-threaded executor anyway.

use std::fmt;

/// Why a transport could not deliver a command or its response. The card's own refusals are status words, never
/// transport errors.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// The platform's USB or PC/SC layer failed; the text is the platform's own description (no card data).
    Io(String),
    /// The reader or device is gone (unplugged, closed, or permission revoked).
    Disconnected,
    /// There is no card in the reader.
    NoCard,
    /// A card is present but does not answer (not powered, or mute).
    CardMute,
    /// The reader refused the command: CCID `bmCommandStatus` "failed" with this `bError`.
    ReaderFailed {
        /// The CCID slot error register (`bError`).
        error_code: u8,
    },
    /// The reader answered with a sequence number other than the one the command carried.
    SequenceMismatch {
        /// The `bSeq` of the command.
        expected: u8,
        /// The `bSeq` of the reply.
        received: u8,
    },
    /// The reader sent a frame the codec cannot accept.
    MalformedFrame(&'static str),
    /// The reader kept asking for more time beyond the configured limit.
    TooManyTimeExtensions,
    /// The command is longer than this reader or exchange level can carry.
    CommandTooLong {
        /// Length of the command APDU.
        len: usize,
        /// The largest command the reader accepts.
        max: usize,
    },
    /// The reader works at an exchange level this stack does not drive (TPDU or character level).
    UnsupportedReader(&'static str),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(detail) => write!(f, "reader I/O failed: {detail}"),
            Self::Disconnected => f.write_str("the reader was disconnected"),
            Self::NoCard => f.write_str("no card in the reader"),
            Self::CardMute => f.write_str("the card does not answer"),
            Self::ReaderFailed { error_code } => write!(f, "the reader refused the command (bError {error_code:02X})"),
            Self::SequenceMismatch { expected, received } => {
                write!(f, "reader reply out of sequence (expected bSeq {expected}, got {received})")
            }
            Self::MalformedFrame(what) => write!(f, "malformed reader frame: {what}"),
            Self::TooManyTimeExtensions => f.write_str("the reader asked for more time too often"),
            Self::CommandTooLong { len, max } => write!(f, "command of {len} bytes exceeds the reader's {max}"),
            Self::UnsupportedReader(why) => write!(f, "unsupported reader: {why}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Sends one command APDU and returns the card's response, status word (SW1 SW2) included.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Transmits `command` (a complete APDU) and returns the response APDU including SW1 SW2.
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Whether extended-length APDUs (Lc up to 65 535, Ne up to 65 536) get through this transport. Readers
    /// that only carry short APDUs keep the default; callers then read files in 256-byte chunks.
    fn supports_extended_length(&self) -> bool {
        false
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command).await
    }

    fn supports_extended_length(&self) -> bool {
        (**self).supports_extended_length()
    }
}

/// The bulk endpoints of a USB reader (WebUSB in the kiosk, an in-memory fake in tests).
#[allow(async_fn_in_trait)]
pub trait UsbBulk {
    /// Writes `data` to the bulk OUT endpoint as one transfer.
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), TransportError>;

    /// Reads one transfer of at most `max_len` bytes from the bulk IN endpoint.
    async fn bulk_in(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError>;
}

impl<B: UsbBulk + ?Sized> UsbBulk for &mut B {
    async fn bulk_out(&mut self, data: &[u8]) -> Result<(), TransportError> {
        (**self).bulk_out(data).await
    }

    async fn bulk_in(&mut self, max_len: usize) -> Result<Vec<u8>, TransportError> {
        (**self).bulk_in(max_len).await
    }
}
