//! # onshi-vcard — a virtual My Number card and a virtual CCID reader
//!
//! Layer: test and demo hardware. [`VirtualCard`] answers the JPKI AP's APDUs the way a real card does (files,
//! PIN counter, RSA PKCS#1 v1.5 signing), and those of the 券面事項確認AP for the 目視 assist ([`surface_ap`]: a
//! card face signed by a test issuer, 照合番号B with 10 tries, the AP's own key signing a challenge); [`VirtualCcidReader`] is the reader side of a CCID reader at short-APDU
//! exchange level (or extended APDU level, or TPDU level with a card-side T=1), fed raw bulk frames;
//! [`VirtualRcs380`] is a Sony RC-S380 with a contactless card in its field (Port-100, Type B, ISO-DEP). The [`test_pki`] module generates the deterministic test JPKI PKI whose
//! committed files the cards use.
//!
//! Must not: do I/O (no files, sockets or USB; the committed PKI is compiled in), read a clock or an OS random
//! source, or pretend to be a real card outside tests and demos. Builds for native targets and
//! `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]

pub mod bulk;
pub mod card;
pub mod dated;
pub mod demo;
pub mod error;
pub mod rcs380;
pub mod reader;
pub mod surface_ap;
pub mod t1_card;
pub mod test_pki;
pub mod vpcd;

pub use bulk::{VirtualBulk, VirtualUsbDevice};
pub use card::VirtualCard;
pub use error::VcardError;
pub use rcs380::VirtualRcs380;
pub use reader::{CcidLevel, VirtualCcidReader};

/// Bytes from spaced hex, as the reference transcripts write them (the unit tests' one decoder).
#[cfg(test)]
mod test_hex {
    #[allow(clippy::unwrap_used)] // A malformed literal is a broken test.
    pub(crate) fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap()).collect()
    }
}
