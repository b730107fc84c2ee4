//! ISO 7816-4 status words (SW1 SW2), with the meanings this card stack acts on decoded once.
//!
//! A room of its own so that the crate's error type can carry a status word without importing the APDU layer
//! that returns that error (iso7816's `response/status.rs` has the same shape). Pure: no I/O.

use std::fmt;

/// SW1 SW2, with the meanings this card stack acts on decoded once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusWord {
    /// `9000`.
    Ok,
    /// `61xx`: more response bytes are waiting; fetch them with GET RESPONSE. `0` means 256.
    MoreAvailable(u8),
    /// `6282`: end of file reached before Ne bytes were read (the data returned is still valid).
    EndOfFile,
    /// `63Cx`: verification failed or (empty VERIFY) the counter; `tries_left` is x. `63C0` is the attempt
    /// that used the last try.
    WrongPin {
        /// Tries left.
        tries_left: u8,
    },
    /// `6700`: wrong length.
    WrongLength,
    /// `6981`: command incompatible with the file structure.
    IncompatibleFile,
    /// `6982`: security status not satisfied (no PIN verified).
    SecurityNotSatisfied,
    /// `6984` (what the My Number card sends) or `6983`: the PIN is blocked.
    Blocked,
    /// `6985`: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// `6986`: command not allowed (no current EF).
    NoCurrentEf,
    /// `6A82`: file or application not found.
    FileNotFound,
    /// `6A86`: incorrect P1 P2.
    IncorrectParameters,
    /// `6A88`: referenced data not found.
    ReferencedDataNotFound,
    /// `6B00`: offset beyond the end of the file.
    OffsetOutOfRange,
    /// `6Cxx`: wrong Le; re-send with Le = xx. `0` means 256.
    WrongLe(u8),
    /// `6D00`: instruction not supported.
    InstructionNotSupported,
    /// `6E00`: class not supported.
    ClassNotSupported,
    /// Any other status word.
    Other(u16),
}

impl StatusWord {
    /// Decodes SW1 SW2.
    pub fn from_code(code: u16) -> Self {
        let [sw1, sw2] = code.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => Self::Ok,
            (0x61, available) => Self::MoreAvailable(available),
            (0x62, 0x82) => Self::EndOfFile,
            (0x63, 0xC0..=0xCF) => Self::WrongPin { tries_left: sw2 & 0x0F },
            (0x67, 0x00) => Self::WrongLength,
            (0x69, 0x81) => Self::IncompatibleFile,
            (0x69, 0x82) => Self::SecurityNotSatisfied,
            (0x69, 0x83 | 0x84) => Self::Blocked,
            (0x69, 0x85) => Self::ConditionsNotSatisfied,
            (0x69, 0x86) => Self::NoCurrentEf,
            (0x6A, 0x82) => Self::FileNotFound,
            (0x6A, 0x86) => Self::IncorrectParameters,
            (0x6A, 0x88) => Self::ReferencedDataNotFound,
            (0x6B, 0x00) => Self::OffsetOutOfRange,
            (0x6C, le) => Self::WrongLe(le),
            (0x6D, 0x00) => Self::InstructionNotSupported,
            (0x6E, 0x00) => Self::ClassNotSupported,
            _ => Self::Other(code),
        }
    }

    /// SW1 SW2 as a number. [`StatusWord::Blocked`] encodes as `6984`, the value the My Number card uses.
    pub fn code(self) -> u16 {
        match self {
            Self::Ok => 0x9000,
            Self::MoreAvailable(available) => 0x6100 | u16::from(available),
            Self::EndOfFile => 0x6282,
            Self::WrongPin { tries_left } => 0x63C0 | u16::from(tries_left & 0x0F),
            Self::WrongLength => 0x6700,
            Self::IncompatibleFile => 0x6981,
            Self::SecurityNotSatisfied => 0x6982,
            Self::Blocked => 0x6984,
            Self::ConditionsNotSatisfied => 0x6985,
            Self::NoCurrentEf => 0x6986,
            Self::FileNotFound => 0x6A82,
            Self::IncorrectParameters => 0x6A86,
            Self::ReferencedDataNotFound => 0x6A88,
            Self::OffsetOutOfRange => 0x6B00,
            Self::WrongLe(le) => 0x6C00 | u16::from(le),
            Self::InstructionNotSupported => 0x6D00,
            Self::ClassNotSupported => 0x6E00,
            Self::Other(code) => code,
        }
    }

    /// SW1 and SW2 as bytes.
    pub fn to_bytes(self) -> [u8; 2] {
        self.code().to_be_bytes()
    }

    /// Whether the command completed (`9000`, or `6282` whose data is still good).
    pub fn is_success(self) -> bool {
        matches!(self, Self::Ok | Self::EndOfFile)
    }
}

impl From<(u8, u8)> for StatusWord {
    fn from((sw1, sw2): (u8, u8)) -> Self {
        Self::from_code(u16::from_be_bytes([sw1, sw2]))
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.code())
    }
}
