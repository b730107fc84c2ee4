//! The bridge's pure core: what to write, journal, publish and report, decided from events the adapter feeds in.
//!
//! Sans-I/O and clock-free (quinn-proto style): every input carries the time as the adapter read it, and every
//! output is an [`spool::Effect`] the adapter carries out in order. Nothing here opens a file or a socket.

pub mod caller;
pub mod health;
pub mod journal;
pub mod outbox;
pub mod prune;
pub mod relay;
pub mod spool;
