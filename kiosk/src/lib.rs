//! # onshi-kiosk — the patient-facing check-in app
//!
//! Layer: user interface (Yew, compiled to WebAssembly). It drives the sans-I/O card stack of `onshi-card` over
//! WebUSB and talks only to the edge, with the wire types of `onshi-proto`.
//!
//! Must not: send, log or format the PIN (it lives in a zeroizing buffer until VERIFY); read the 個人番号; talk to
//! the origin directly; keep personal data after a reset. The screen logic ([`state`]), the PIN buffer and the rule
//! for what wipes it ([`pin_buffer`]), the keys ([`keys`]), the texts ([`i18n`]) and the language choice
//! ([`language`]) are pure and tested natively; the browser-only modules build for `wasm32` only: `app` composes the `hooks`
//! (device, idle clock, reader status, the check-in and its PIN buffer) and the `screens`; `checkin` is the
//! check-in task; [`platform`] every browser API (WebUSB, WebCrypto and IndexedDB, `fetch`), whose failures are the
//! one [`error::KioskError`].

pub mod assist;
pub mod early_challenge;
pub mod error;
pub mod i18n;
pub mod keys;
pub mod language;
pub mod petition;
pub mod pin_buffer;
pub mod state;
pub mod voice;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod checkin;
#[cfg(target_arch = "wasm32")]
mod hooks;
pub mod platform;
#[cfg(target_arch = "wasm32")]
mod screens;

/// Entry point called by the page's module script.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)] // The #[wasm_bindgen] export expands to FFI glue.
mod entry {
    use wasm_bindgen::prelude::*;

    /// Mounts the kiosk on `<div id="app">` (or the body when absent).
    #[wasm_bindgen(start)]
    pub fn start() {
        let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
        match root {
            Some(root) => {
                yew::Renderer::<crate::app::App>::with_root(root).render();
            }
            None => {
                yew::Renderer::<crate::app::App>::new().render();
            }
        }
    }
}
