//! The patient's keys on every screen: one `keydown` listener on the page for as long as the kiosk runs, which
//! hands each key to the latest handler (so it always sees the screen on show).
//!
//! Must not: decide what a key means (the pure [`crate::keys`] does) or hold the digits.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Calls `on_key` for every key pressed anywhere on the page.
#[hook]
pub fn use_keys(on_key: Callback<web_sys::KeyboardEvent>) {
    let latest: Rc<RefCell<Callback<web_sys::KeyboardEvent>>> = use_mut_ref(|| on_key.clone());
    *latest.borrow_mut() = on_key;
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "keydown", move |event| {
                if let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() {
                    latest.borrow().emit(event.clone());
                }
            })
        });
        move || drop(listener)
    });
}

/// Where the key was pressed: on a control (button, list) and on a text field.
pub fn focus_of(event: &web_sys::KeyboardEvent) -> (bool, bool) {
    let tag = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|e| e.tag_name());
    match tag.as_deref() {
        Some("INPUT" | "TEXTAREA") => (true, true),
        Some("BUTTON" | "SELECT" | "A" | "SUMMARY") => (true, false),
        _ => (false, false),
    }
}
