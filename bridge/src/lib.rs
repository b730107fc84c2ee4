//! The bridge between onshi and a facility's 資格確認端末, through the national file interface (req/res/face):
//! the facility-LAN layer, a program beside the terminal.
//!
//! `core` decides (sans-I/O, clock-free: the spool, its journal, health and when to report it, the edge outbox, and
//! `relay`, what the edge link's messages mean for the spool, and `prune`, which of the caller's copies are past
//! retention); `bridge` and `files` carry out its effects on the
//! folders; `link` is the seam to whoever asks for checks (a folder, and `link_ws`, the WebSocket to the
//! facility's store at the edge, through which staff's by-number checks come) and wraps the edge sink (`sink`, over the HTTP client `edge`), which hands every
//! reader result and the bridge's health on to onshi's edge as an enrolled device (`device`: its key and proofs);
//! `sim` is a simulated terminal for tests and the demo. `clock` is the one place the time is read.

pub mod bridge;
pub mod clock;
pub mod core;
pub mod device;
pub mod edge;
pub mod error;
pub mod files;
pub mod link;
pub mod link_ws;
pub mod sim;
pub mod sink;

pub use error::BridgeError;
