//! # onshi-insurer-console — the insurer's console at `/insurer`
//!
//! Layer: user interface (Yew, compiled to WebAssembly), a third bundle beside the kiosk's and the staff console's
//! (`www/insurer.html` loads it). A clerk at an insurer enrols the PC once with a one-time code (the shared device
//! identity, [`onshi_web::device`], in this app's own IndexedDB database), signs in with the insurer's credential
//! and their own name, reads the notices the batch checks raised ([`inbox`], one opened side by side in
//! [`notice_view`]), lifts a hold ([`resolution`]) and uploads a batch with a progress bar of the bytes sent, then
//! of the rows read and applied ([`batch_upload`]). The session ends on sign-out, and after 15 idle minutes, as the
//! edge ends it ([`idle`]).
//!
//! The pure parts are tested natively: the texts ([`text`], `insurer/locales/`, Japanese and English), the error
//! rows handed back to fix ([`error_rows`]), and what is shown of a batch the origin is reading and applying
//! ([`progress`]). The batch answer is the wire type of [`onshi_proto::batch_report`], shown as it arrives.
//!
//! Must not: store the insurer credential or the session token beyond the page's memory; name another insurer
//! (the origin describes the other record by what differs); talk to anything but the edge.

pub mod error_rows;
pub mod idle;
pub mod progress;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod batch_upload;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
pub mod console;
#[cfg(target_arch = "wasm32")]
mod inbox;
#[cfg(target_arch = "wasm32")]
mod notice_view;
#[cfg(target_arch = "wasm32")]
mod resolution;
#[cfg(target_arch = "wasm32")]
mod sign_in;
#[cfg(target_arch = "wasm32")]
mod upload;
