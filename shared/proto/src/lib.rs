//! # onshi-proto — the contract between the tiers
//!
//! Layer: shared domain and wire types. Every type that crosses a network boundary (kiosk ⇄ edge ⇄ origin) is
//! defined here once, so the three tiers cannot drift apart. It also holds the pure pieces all tiers must agree
//! on: the stable error codes and the origin request signature.
//!
//! Must not: do I/O, read a clock or a random source (callers pass time and nonces in), or depend on a server or
//! browser crate. It builds for native targets and `wasm32-unknown-unknown` alike.
#![forbid(unsafe_code)]

pub mod access_log;
pub mod answer_signing;
pub mod api;
pub mod batch_page;
pub mod batch_report;
pub mod bridge_bulk;
pub mod bridge_health;
pub mod bridge_link;
pub mod bytes;
pub mod card_face;
pub mod certificate;
pub mod certificate_expiry;
pub mod check_digit;
pub mod checkin_page;
pub mod credential_name;
pub mod date;
pub mod edge_url;
pub mod error;
#[cfg(any(test, feature = "example"))]
pub mod example;
pub mod facility;
pub mod identifier;
pub mod insured_number;
pub mod insurer;
pub mod insurer_number;
#[cfg(test)]
mod kana_variants;
pub mod medical_record;
pub mod normalize;
pub mod origin;
pub mod patient_match;
pub mod patient_mode;
pub mod petition;
pub mod public_expense;
pub mod qualification;
pub mod reader_result;
pub mod record_text;
pub mod signing;
mod text;
mod time_id_cursor;
pub use text::is_plain_char;
pub mod wareki;
mod wire_enum;
pub mod withdrawal;
pub mod written_date;

pub use bytes::Base64Bytes;
pub use date::IsoDate;
pub use error::{ApiError, ErrorCode};
