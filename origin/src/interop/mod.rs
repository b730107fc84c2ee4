//! Interop out: a qualification answer in the forms other systems read — the national 資格確認結果 XmlMsg
//! (`xml_msg.rs`, in UTF-8 or Shift_JIS by `shift_jis.rs`, カナ by `kana.rs`) and FHIR R4 after JP Core (`fhir.rs`).
//!
//! Pure: the processing time, the facility and "today" come in as arguments; the output is text, bytes or JSON.
//! Must not: read the store, the clock or the request.

pub mod fhir;
pub mod kana;
pub mod shift_jis;
pub mod xml_msg;

pub use fhir::{INSURER_NUMBER_SYSTEM, ONSHI_SPECIFIC_DISEASE_EXTENSION, operation_outcome, to_fhir_bundle};
pub use xml_msg::{SearchEcho, XmlEncoding, XmlHeader, to_xml_msg, xml_insurer_number, xml_is_clean};
