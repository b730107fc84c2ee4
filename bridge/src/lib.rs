//! The bridge between onshi and a facility's 資格確認端末, through the national file interface (req/res/face).
//!
//! `core` decides (sans-I/O, clock-free); `bridge` and `files` carry out its effects on the folders; `link` is the
//! seam to whoever asks for checks (a folder today, the edge's WebSocket later); `sim` is a simulated terminal for
//! tests and the demo. `clock` is the one place the time is read.

pub mod bridge;
pub mod clock;
pub mod core;
pub mod error;
pub mod files;
pub mod link;
pub mod sim;

pub use error::BridgeError;
