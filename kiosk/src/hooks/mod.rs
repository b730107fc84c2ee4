//! The app's state beyond the pure screen machine, as Yew hooks: the device identity ([`use_device`]), the idle
//! clock ([`use_idle`]), what the start screen says about the reader ([`use_reader_status`]), the running
//! check-in with its PIN buffer ([`use_check_in`]), the patient's keys ([`use_keys`]), the patient's language and
//! the fetch of its texts ([`use_language`]) and the voice guidance ([`use_voice`]).
//!
//! Must not: decide what the screen shows; the hooks hand their decisions to [`crate::state`] as actions.

pub mod use_check_in;
pub mod use_device;
pub mod use_idle;
pub mod use_keys;
pub mod use_language;
pub mod use_reader_status;
pub mod use_voice;
