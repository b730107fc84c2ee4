//! # onshi-vcard — a virtual My Number card and a virtual CCID reader
//!
//! Layer: test and demo hardware. [`VirtualCard`] answers the JPKI AP's APDUs the way a real card does (files,
//! PIN counter, RSA PKCS#1 v1.5 signing); [`VirtualCcidReader`] is the reader side of a CCID reader at short-APDU
//! exchange level, fed raw bulk frames. The [`test_pki`] module generates the deterministic test JPKI PKI whose
//! committed files the cards use.
//!
//! Must not: do I/O (no files, sockets or USB; the committed PKI is compiled in), read a clock or an OS random
//! source, or pretend to be a real card outside tests and demos. Builds for native targets and
//! `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]

pub mod bulk;
pub mod card;
pub mod demo;
pub mod error;
pub mod reader;
pub mod test_pki;

pub use bulk::VirtualBulk;
pub use card::VirtualCard;
pub use error::VcardError;
pub use reader::VirtualCcidReader;
