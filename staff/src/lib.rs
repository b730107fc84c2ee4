//! # onshi-staff-console — the staff console at `/staff`
//!
//! Layer: user interface (Yew, compiled to WebAssembly), a second bundle beside the patient kiosk's
//! (`www/staff.html` loads it), so the kiosk's bundle carries none of it. It enrols the browser once as the
//! facility's staff console with a code the admin issued for one ([`device`]: a non-extractable key that signs every
//! call, so a staff token is useless away from it), logs in with a one-time staff code,
//! keeps the staff token in memory only (never in storage), lists the facility's check-ins of the day a page at a
//! time with the day's total, older pages appended on request ([`checkin_pages`]), and the pending visual checks, tells staff when the facility's bridge to its 資格確認端末 needs attention
//! ([`bridge_status`], listing the requests whose outcome is uncertain for staff to close once they found it on the
//! terminal, [`uncertain_requests`]), lets staff approve or refuse visual checks and record a consent withdrawal the patient asks for
//! ([`consent_withdrawal`]), and runs the number-based check with the 保険者番号
//! check digit validated before anything is sent ([`form`]): through the facility's 資格確認端末 when its bridge
//! holds its link to the edge ([`terminal_answer`] shows that answer), and of onshi otherwise; and it sends the day's
//! appointment list ([`appointment_list`], every row checked first) for a bulk pre-check through the same terminal; and
//! with the clinic's patient register loaded into the page ([`patient_register`]), each check-in on the day's list
//! (at the kiosk or on the national reader) shows which of the clinic's patients it is, or the candidates staff
//! choose between ([`row_match`]). Its texts are its own resource files in the kiosk's
//! five languages ([`text`], `staff/locales/`), read through the shared [`onshi_web::i18n::Catalog`].
//!
//! When the qualification service cannot answer, it takes the patient's 被保険者資格申立書 at the counter, keeps it
//! sealed in this browser only, and re-checks it on its own once the service is back ([`outage`]).
//!
//! Must not: store the staff token, any answer or the patient register beyond the page's memory, or send the
//! register; keep a 申立書 anywhere but the browser's store, sealed under its non-extractable key; send a number
//! query that fails the check digit; talk to anything but the edge.

pub mod appointment_list;
pub mod checkin_pages;
pub mod csv_table;
pub mod form;
pub mod medical;
pub mod outage;
pub mod patient_register;
pub mod public_expense_text;
pub mod row_match;
pub mod text;
pub mod uncertain_requests;

pub mod error;

#[cfg(target_arch = "wasm32")]
mod bridge_status;
#[cfg(target_arch = "wasm32")]
mod bulk_panel;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod consent_withdrawal;
#[cfg(target_arch = "wasm32")]
pub mod console;
#[cfg(target_arch = "wasm32")]
mod csv_file;
#[cfg(target_arch = "wasm32")]
mod device;
#[cfg(target_arch = "wasm32")]
mod public_expense_list;
#[cfg(target_arch = "wasm32")]
mod register_panel;
#[cfg(target_arch = "wasm32")]
mod specific_disease_list;
#[cfg(target_arch = "wasm32")]
mod terminal_answer;
