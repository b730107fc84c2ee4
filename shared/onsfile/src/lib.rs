//! The national qualification-check file interface (外部インターフェイス): the XmlMsg files a facility's software
//! drops into the 資格確認端末's `req` folder, the answers the 連携アプリ writes into `res`, and the reader results
//! it writes, unsolicited, into `face`.
//!
//! Pure and clock-free: bytes in, typed messages and issues out, and back; file names built from a date and a
//! sequence the caller supplies. It never touches a file system (the bridge does) and never rejects a whole file
//! for one bad field: the tolerant reader keeps every raw text and reports what it could not check.
//!
//! Start at [`document::read`] and the messages in [`messages`]; names are in [`name`]; a `face` file becomes the
//! wire's reader result in [`reader_result`].

pub mod check;
pub mod document;
pub mod encoding;
mod error;
pub mod messages;
pub mod name;
pub mod reader_result;
pub mod record;
pub mod tree;
pub mod verdict;

pub use encoding::Charset;
pub use error::{OnsfileError, Unanswered};
pub use record::{Checked, Issue, IssueKind};
pub use tree::Element;
