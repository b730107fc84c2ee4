//! The one error type of the file-interface crate: why a whole file could not be read or written.
//!
//! A single bad field is never an error here; the tolerant reader reports it as an [`crate::Issue`] beside the
//! message it still returns.

/// Why a file as a whole was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OnsfileError {
    /// The text holds a character Shift_JIS cannot carry, so the file would not reach the terminal intact.
    #[error("the character {0:?} has no Shift_JIS form")]
    Unencodable(char),
    /// The bytes are not well-formed XML.
    #[error("the file is not well-formed XML near byte {position}")]
    Xml {
        /// Byte offset in the decoded text near which the reader gave up.
        position: u64,
    },
    /// Elements nest deeper than any interface message does.
    #[error("the XML nests deeper than {0} elements")]
    TooDeep(usize),
    /// The document's root element is not the one the message needs.
    #[error("the root element is {found:?}, not {expected:?}")]
    Root {
        /// The name the message needs.
        expected: &'static str,
        /// The name found.
        found: String,
    },
    /// The file name does not follow the interface's naming.
    #[error("the file name {0:?} is not an interface file name")]
    FileName(String),
    /// A reader result (`face`) that carries no qualification to hand on.
    #[error("the reader result carries no qualification: {0}")]
    NoQualification(Unanswered),
}

/// Why a reader result carries no qualification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unanswered {
    /// `SegmentOfResult` 2 (処理中): the terminal had not finished.
    #[error("the terminal was still processing (処理中)")]
    InProgress,
    /// The terminal or the check failed (`SegmentOfResult` 9 or `ProcessingResultStatus` 2), with the code and
    /// message as the terminal gave them.
    #[error("the terminal reported an error (code {code:?})")]
    Error {
        /// `ErrorCode` or `ProcessingResultCode`.
        code: Option<String>,
        /// `ErrorMessage` or `ProcessingResultMessage`.
        message: Option<String>,
    },
    /// Processed normally, but `QualificationValidity` is missing or not a known code.
    #[error("QualificationValidity is missing or unreadable")]
    NoValidity,
}
