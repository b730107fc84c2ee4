//! The kiosk's screens, one view per file: plain functions of the language and what the screen shows, so that the
//! bundle pays for no component machinery per screen. Those that drive the check-in are handed the
//! [`crate::hooks::use_check_in::CheckInHandle`].
//!
//! Must not: hold state, touch a browser API other than the page, or keep the PIN (the PIN pad hands each digit
//! straight to the check-in handle).

pub mod access_log;
pub mod access_log_offer;
pub mod assist_entry;
pub mod assist_face;
pub mod assist_form;
pub mod blocked;
pub mod cancel_terms;
pub mod cancelled;
pub mod consent;
pub mod enrol;
pub mod failed;
pub mod header;
pub mod idle_warning;
pub mod insert_card;
pub mod no_pin;
pub mod petition;
pub mod pin_pad;
pub mod progress;
pub mod registered;
pub mod registration_offer;
pub mod registration_terms;
pub mod result;
pub mod ruby;
pub mod visual_assist;
pub mod visual_check;
pub mod visual_check_offer;
pub mod welcome;
pub mod withdrawal_confirm;
pub mod withdrawal_offer;
pub mod withdrawn;
