//! Every browser API the kiosk uses, behind plain Rust functions: the reader over WebUSB ([`webusb`], the only code
//! that touches `navigator.usb`), the enrolled device identity ([`device`]: WebCrypto and IndexedDB), the edge's
//! API ([`api`]), where the edge is ([`config`]), the texts of the languages not in the bundle (`locales`: `fetch`
//! from the page's own site), the voice (`speech`: `speechSynthesis`), and the 目視 assist's photo module, images
//! and camera (`assist_media`).
//!
//! Must not: know the screens or the check-in's steps; hold the PIN.

pub mod config;

#[cfg(target_arch = "wasm32")]
pub(crate) mod api;
#[cfg(target_arch = "wasm32")]
pub(crate) mod assist_media;
#[cfg(target_arch = "wasm32")]
pub(crate) mod device;
#[cfg(target_arch = "wasm32")]
pub(crate) mod locales;
#[cfg(target_arch = "wasm32")]
pub(crate) mod speech;
#[cfg(target_arch = "wasm32")]
pub(crate) mod webusb;
