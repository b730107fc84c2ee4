//! # onshi-card — the My Number card stack, sans-I/O
//!
//! Layer: shared card protocol code for the kiosk (wasm, WebUSB), the virtual card tests and native tools.
//! Each module knows only the one below it:
//!
//! 1. [`transport`] — the [`Transport`] trait (one APDU in, one response out) and the [`UsbBulk`] trait (raw
//!    bulk endpoints of a USB reader). Implementations live outside this crate.
//! 2. [`ccid`] — the USB CCID codec in both directions and [`ccid::CcidReader`], an APDU-level [`Transport`]
//!    (short, or extended with CCID chaining) over any [`UsbBulk`], and the block link under [`t1`] for
//!    TPDU-level readers.
//! 3. [`apdu`] — typed command/response APDUs and status words; `61xx`/`6Cxx` handled in one place.
//! 4. [`jpki`] — the 公的個人認証AP: certificate read, PIN status, VERIFY, signing; [`jpki::Pin`].
//! 5. [`flow`] — [`flow::CheckIn`], the steps a kiosk UI drives.
//!
//! For the 目視 assist, [`surface`] is the 券面事項確認AP (照合番号B from [`collation`], the card face of
//! [`card_face`] with the structure its issuer signed, and the card's own signature over a challenge).
//!
//! Beside the CCID codec sit the other reader paths: [`t1`] (T=1 for TPDU-level readers), [`isodep`] and
//! [`port100`] (the Sony RC-S380), and [`reader`], which picks one from the USB descriptors. [`text`] reads the
//! 券面事項入力補助AP (registration and insurer-side tools only, never check-in) with the BER-TLV parser [`tlv`].
//!
//! Must not: do I/O of its own, read a clock or a random source, spawn tasks, or depend on an async runtime
//! (it builds for `wasm32-unknown-unknown` and native alike); print a PIN or retry a VERIFY on its own.
#![forbid(unsafe_code)]

pub mod apdu;
pub mod card_face;
pub mod ccid;
pub mod collation;
pub mod error;
pub mod flow;
pub mod isodep;
pub mod jpki;
pub mod port100;
pub mod reader;
pub mod status;
pub mod surface;
pub mod t1;
pub mod text;
pub mod tlv;
pub mod transport;

#[cfg(test)]
mod test_script;

pub use error::{CardError, Result};
pub use transport::{Transport, TransportError, UsbBulk};
