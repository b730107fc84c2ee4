//! # onshi-card — the My Number card stack, sans-I/O
//!
//! Layer: shared card protocol code for the kiosk (wasm, WebUSB), the virtual card tests and native tools.
//! Each module knows only the one below it:
//!
//! 1. [`transport`] — the [`Transport`] trait (one APDU in, one response out) and the [`UsbBulk`] trait (raw
//!    bulk endpoints of a USB reader). Implementations live outside this crate.
//! 2. [`ccid`] — the USB CCID codec in both directions and [`ccid::CcidReader`], a short-APDU-level
//!    [`Transport`] over any [`UsbBulk`].
//! 3. [`apdu`] — typed command/response APDUs and status words; `61xx`/`6Cxx` handled in one place.
//! 4. [`jpki`] — the 公的個人認証AP: certificate read, PIN status, VERIFY, signing; [`jpki::Pin`].
//! 5. [`flow`] — [`flow::CheckIn`], the steps a kiosk UI drives.
//!
//! Must not: do I/O of its own, read a clock or a random source, spawn tasks, or depend on an async runtime
//! (it builds for `wasm32-unknown-unknown` and native alike); print a PIN or retry a VERIFY on its own.
#![forbid(unsafe_code)]

pub mod apdu;
pub mod ccid;
pub mod error;
pub mod flow;
pub mod jpki;
pub mod transport;

pub use error::{CardError, Result};
pub use transport::{Transport, TransportError, UsbBulk};
