//! The kiosk's device identity: the shared browser identity ([`onshi_web::device`]) kept in the kiosk's own
//! IndexedDB database and enrolled at the edge the kiosk talks to ([`crate::platform::config`]).
//!
//! Must not: keep the enrolment code after use (the shared identity sends and wipes it).

use onshi_proto::api::{DeviceRole, ENROL_PATH};
pub use onshi_web::device::Device;
use onshi_web::device::DeviceStore;

use crate::error::KioskError;

/// The kiosk's IndexedDB database, apart from any other app's on the same browser profile.
const STORE: DeviceStore = DeviceStore::new("onshi-kiosk", DeviceRole::Kiosk);

/// The enrolled device of this browser profile, if any.
pub async fn load() -> Result<Option<Device>, KioskError> {
    Ok(STORE.load().await?)
}

/// Forgets the device, so that the kiosk shows the enrolment screen again, also after a reload.
pub async fn forget() -> Result<(), KioskError> {
    Ok(STORE.forget().await?)
}

/// Enrols this kiosk with a one-time code at the kiosk's edge.
pub async fn enrol(code: &str) -> Result<Device, KioskError> {
    Ok(STORE.enrol(&crate::platform::config::edge_url(ENROL_PATH), code).await?)
}
