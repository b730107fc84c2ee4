//! The kiosk's device identity as the app sees it: loaded (and confirmed with the edge) when the page starts,
//! enrolled with a one-time code, and forgotten when the edge no longer knows it.
//!
//! Must not: keep the one-time code after it is sent; show a ready start screen before the edge confirmed the
//! device (an unreachable edge is said instead).

use yew::prelude::*;
use zeroize::Zeroizing;

use crate::platform::api;
use crate::platform::device::{self, Device};
use crate::state::{Action, Failure};

/// Whether this browser profile holds an enrolled device identity; check-ins need one.
#[derive(Clone, Debug)]
pub enum DeviceState {
    /// Reading IndexedDB.
    Loading,
    /// No device yet (or the last enrolment attempt failed): the enrolment screen shows.
    NotEnrolled {
        /// The last attempt was refused or could not reach the edge.
        failed: bool,
        /// The kiosk was enrolled, but the edge answered `device_not_enrolled` (revoked, or an identity it no
        /// longer knows); the kiosk forgot it, and the screen tells staff to enter a new code.
        lapsed: bool,
    },
    /// Enrolling with a typed code.
    Enrolling,
    /// Ready.
    Enrolled(Device),
}

/// The device identity and what can be done with it.
#[derive(Clone, Debug)]
pub struct DeviceHandle {
    state: UseStateHandle<DeviceState>,
}

impl DeviceHandle {
    /// Where the identity stands.
    pub fn state(&self) -> &DeviceState {
        &self.state
    }

    /// The enrolled device, when there is one.
    pub fn enrolled(&self) -> Option<Device> {
        match &*self.state {
            DeviceState::Enrolled(device) => Some(device.clone()),
            _ => None,
        }
    }

    /// Enrols this kiosk with the one-time `code` staff typed. A failed attempt after a lapsed enrolment keeps
    /// saying that the kiosk must be enrolled again.
    pub fn enrol(&self, code: Zeroizing<String>) {
        let lapsed = matches!(*self.state, DeviceState::NotEnrolled { lapsed: true, .. });
        self.state.set(DeviceState::Enrolling);
        let state = self.state.clone();
        wasm_bindgen_futures::spawn_local(async move {
            state.set(match device::enrol(code.as_str()).await {
                Ok(device) => DeviceState::Enrolled(device),
                Err(_) => DeviceState::NotEnrolled { failed: true, lapsed },
            });
        });
    }
}

/// The device identity, loaded when the page starts. When the screen says the edge no longer knows this kiosk
/// (`lapsed`: revoked, or an identity from before its id format changed), retrying cannot help: `stop` calls off
/// the check-in, the kiosk forgets its identity and shows the enrolment screen, which tells staff to enter a new
/// code. The forgetting comes first, so that a reload cannot bring back the dead identity.
#[hook]
pub fn use_device(dispatch: Callback<Action>, lapsed: bool, stop: Callback<()>) -> DeviceHandle {
    let state = use_state(|| DeviceState::Loading);
    {
        let state = state.clone();
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(Some(device)) = device::load().await else {
                    state.set(DeviceState::NotEnrolled { failed: false, lapsed: false });
                    return;
                };
                // The browser keeps its key when the edge forgets the device (a restarted demo, a revoked kiosk),
                // so the edge confirms it before any start screen shows. A forgotten device takes the lapsed path
                // (forget, enrolment screen); an edge that cannot be reached is said, rather than looking ready.
                match api::confirm_device(&device).await {
                    Ok(()) => state.set(DeviceState::Enrolled(device)),
                    Err(error) => {
                        let failure = Failure::from_code(error.code());
                        if failure != Failure::DeviceNotEnrolled {
                            state.set(DeviceState::Enrolled(device));
                        }
                        dispatch.emit(Action::Fail(failure));
                    }
                }
            });
        });
    }
    {
        let state = state.clone();
        use_effect_with(lapsed, move |lapsed| {
            if *lapsed {
                stop.emit(());
                wasm_bindgen_futures::spawn_local(async move {
                    // A failed delete leaves a record the edge refuses; the next enrolment overwrites it, and until
                    // then the kiosk asks for a code either way.
                    let _ = device::forget().await;
                    state.set(DeviceState::NotEnrolled { failed: false, lapsed: true });
                    dispatch.emit(Action::Reset);
                });
            }
        });
    }
    DeviceHandle { state }
}
