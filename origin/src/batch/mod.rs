//! Insurer batches, pure: reading (JSON Lines or CSV) with each row validated as it is read, and the
//! mis-registration checks that decide where each member record goes.
//!
//! Layer: pure core. Must not import the store, read the clock or do I/O; `store/insurer.rs` applies what these
//! decide.

pub mod decide;
pub mod read;
pub mod tally;
pub mod validate;

pub use read::{BatchFormat, BatchReader, parse_batch};
pub use tally::ErrorTally;
