//! The staff console's device identity: the shared browser identity ([`onshi_web::device`]) kept in the console's
//! own IndexedDB database, enrolled once with a code the facility admin issued for a staff console, and the one
//! device of this page, which signs every staff call ([`crate::client`]).
//!
//! A staff token is bound at the edge to the device it was opened on, so the token alone is worth nothing elsewhere;
//! the device's key is non-extractable and never leaves WebCrypto. The page's device is held here for the page's
//! lifetime (a wasm page runs on one thread), so that the client's calls, made from every panel, sign with it
//! without each panel carrying it.
//!
//! Must not: keep the enrolment code after use (the shared identity sends and wipes it), or sign with any device but
//! the one loaded or enrolled on this page.

use std::cell::RefCell;

use onshi_proto::api::{DeviceRole, ENROL_PATH};
use onshi_web::WebError;
pub use onshi_web::device::Device;
use onshi_web::device::DeviceStore;

/// The staff console's IndexedDB database, apart from the kiosk's and the insurer console's on the same profile.
const STORE: DeviceStore = DeviceStore::new("onshi-staff-console", DeviceRole::StaffConsole);

thread_local! {
    /// The page's enrolled device, once loaded or enrolled.
    static CURRENT: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// The device that signs this page's calls, if the page has one.
pub fn current() -> Option<Device> {
    CURRENT.with(|current| current.borrow().clone())
}

fn hold(device: Option<Device>) -> bool {
    let held = device.is_some();
    CURRENT.with(|current| *current.borrow_mut() = device);
    held
}

/// Loads this browser profile's enrolled staff console, if any; true when there is one.
pub async fn load() -> Result<bool, WebError> {
    Ok(hold(STORE.load().await?))
}

/// Enrols this browser as a staff console with a one-time code; the edge refuses a code of another role.
pub async fn enrol(code: &str) -> Result<(), WebError> {
    hold(Some(STORE.enrol(ENROL_PATH, code).await?));
    Ok(())
}

/// Forgets the device (the edge answered `device_not_enrolled`: revoked, or unknown to it), so that the console
/// asks for a new enrolment code, also after a reload.
pub async fn forget() -> Result<(), WebError> {
    hold(None);
    STORE.forget().await
}
