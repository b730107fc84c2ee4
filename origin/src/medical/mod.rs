//! Medical information, pure: the code lists it is written in (`codes`), the 重複投薬 rule (`duplicates`) and the
//! synthetic history the demo and the test population carry (`synthetic`).
//!
//! Layer: pure core (no I/O, no clock: the day the history ends on is passed in). Imports nothing from the store
//! or the HTTP layer; `store/medical_records.rs` keeps the rows and `http/medical_records.rs` serves them.

pub mod codes;
pub mod duplicates;
pub mod synthetic;
