//! Whole files: bytes → decoded text → element tree → typed message with its issues, and back.
//!
//! Pure: takes and returns bytes, never a path. A file that is not XML, or whose root is not `XmlMsg`, is an
//! error; anything less (a bad field, an unknown element, an undecodable byte) is an [`Issue`] beside the message.

use crate::encoding::{self, Charset};
use crate::record::Record;
use crate::{Element, Issue, IssueKind, OnsfileError, tree};

/// The root element of every interface message.
pub const ROOT: &str = "XmlMsg";

/// A message read from a file, with everything the tolerant reader noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read<T> {
    /// The typed message.
    pub message: T,
    /// Per-field observations, in document order.
    pub issues: Vec<Issue>,
    /// The encoding the file used.
    pub charset: Charset,
}

impl<T> Read<T> {
    /// The paths of elements the reader did not know (they are kept in the records' `unknown` lists).
    pub fn unknown_paths(&self) -> impl Iterator<Item = &str> {
        self.issues.iter().filter(|i| i.kind == IssueKind::Unknown).map(|i| i.path.as_str())
    }
}

/// Reads a file's bytes as message `T`.
pub fn read<T: Record>(bytes: &[u8]) -> Result<Read<T>, OnsfileError> {
    let decoded = encoding::decode(bytes);
    let root = tree::parse(&decoded.text)?;
    if root.name != ROOT {
        return Err(OnsfileError::Root { expected: ROOT, found: root.name });
    }
    let mut issues = Vec::new();
    if decoded.had_errors {
        issues.push(Issue { path: ROOT.to_owned(), kind: IssueKind::Undecodable });
    }
    for part in ["MessageHeader", "MessageBody"] {
        if root.child(part).is_none() {
            issues.push(Issue { path: format!("{ROOT}/{part}"), kind: IssueKind::Missing });
        }
    }
    let message = T::read(&root, ROOT, &mut issues);
    Ok(Read { message, issues, charset: decoded.charset })
}

/// Writes message `T` as a file's bytes in `charset`.
pub fn write<T: Record>(message: &T, charset: Charset) -> Result<Vec<u8>, OnsfileError> {
    write_tree(&message.write(ROOT), charset)
}

/// Writes an element tree as a file's bytes in `charset`.
pub fn write_tree(root: &Element, charset: Charset) -> Result<Vec<u8>, OnsfileError> {
    encoding::encode(&tree::write(root, charset), charset)
}
