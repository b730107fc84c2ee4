//! 公費, pure: reading a payer's batch (a welfare office's 医療扶助, a municipality's 受給者証) with every row checked
//! as it is read, and the rule for which 公費 an answer carries.
//!
//! Layer: pure core. Must not import the store, read the clock or do I/O; `store/public_expense.rs` applies what
//! these decide and reads what they select from.

pub mod read;
pub mod select;

pub use read::{PayerRow, PayerRowError, PayerRowErrorCode, RowErrors, read_payer_batch};
pub use select::{Selection, select, without_the_question};
