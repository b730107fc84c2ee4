//! The staff side of check-in: the staff console at `/staff` and the kiosk's staff visual check (目視).
//!
//! The console is a second Yew entry point built only with the `staff-console` feature (`www/staff.html` loads
//! that build), so the patient kiosk's bundle carries none of it. It logs in with a one-time staff code, keeps the
//! staff token in memory only (never in storage), lists the facility's check-ins of the day and the pending visual
//! checks, lets staff approve or refuse them, and runs the number-based check with the 保険者番号 check digit
//! validated before anything is sent ([`form`]). Its texts are its own resource files in the kiosk's five
//! languages ([`text`], `kiosk/locales/staff/`), read through the same [`crate::i18n::Catalog`] as the kiosk's.
//!
//! [`visual_check`] is the patient kiosk's half: it sends the card's certificate (EF 000A, read without a PIN) for
//! a visual check and polls until staff decide.
//!
//! Must not: store the staff token or any answer beyond the page's memory; send a number query that fails the
//! check digit; send a PIN (the visual check never asks for one).

pub mod form;
pub mod text;

#[cfg(target_arch = "wasm32")]
pub mod visual_check;

#[cfg(all(target_arch = "wasm32", feature = "staff-console"))]
mod client;
#[cfg(all(target_arch = "wasm32", feature = "staff-console"))]
pub mod console;
