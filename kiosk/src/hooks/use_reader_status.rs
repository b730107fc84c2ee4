//! What the start screen says about the reader: whether a reader this kiosk may use is plugged in, following plug
//! and unplug events while the start screen shows; and the demo cards of the virtual reader, when this deployment
//! ships it.
//!
//! Must not: open or claim the reader (the check-in task does, from a click).

use std::rc::Rc;

use yew::prelude::*;

use crate::platform::webusb;

/// What the start screen says about the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderStatus {
    /// Not known (yet), or this browser has no WebUSB: nothing is said.
    Unknown,
    /// A reader this kiosk may use is plugged in: the check-in starts without the chooser.
    Connected,
    /// No such reader is plugged in.
    Missing,
}

/// The reader's status, asked whenever the start screen shows (`on_start_screen`) and again on every plug or
/// unplug, so that it is already right when the start screen comes back. `navigator.usb` may have been replaced
/// since the last start screen (the demo's virtual reader), so the listener is made anew on every visit.
#[hook]
pub fn use_reader_status(on_start_screen: bool) -> ReaderStatus {
    let status = use_state(|| ReaderStatus::Unknown);
    let listener = use_mut_ref(|| None);
    {
        let status = status.clone();
        use_effect_with(on_start_screen, move |shown| {
            if *shown {
                let refresh = move || {
                    let status = status.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        status.set(match webusb::remembered_reader().await {
                            Ok(Some(_)) => ReaderStatus::Connected,
                            Ok(None) => ReaderStatus::Missing,
                            Err(_) => ReaderStatus::Unknown,
                        });
                    });
                };
                refresh();
                *listener.borrow_mut() = webusb::on_plug_change(refresh);
            }
        });
    }
    *status
}

/// The virtual reader's demo cards and the one chosen on the start screen.
#[derive(Clone, Debug, PartialEq)]
pub struct VirtualCards {
    /// The cards' labels; empty when this deployment has no virtual reader.
    pub labels: Rc<Vec<String>>,
    /// The index of the chosen card, kept while the page lives.
    pub chosen: UseStateHandle<u32>,
}

/// The virtual reader's demo cards, asked once when the page loads.
#[hook]
pub fn use_virtual_cards() -> VirtualCards {
    let labels = use_state(|| Rc::new(Vec::new()));
    let chosen = use_state(|| 0u32);
    {
        let labels = labels.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move { labels.set(Rc::new(webusb::virtual_reader_cards().await)) });
        });
    }
    VirtualCards { labels: (*labels).clone(), chosen }
}
