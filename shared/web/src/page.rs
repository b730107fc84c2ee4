//! The page helpers both apps run on every screen change: move the keyboard (and screen-reader) focus, and leave a
//! mark on the page's performance timeline that the benchmarks and end-to-end tests read.
//!
//! Must not: change what is on the page; both helpers do nothing when the page lacks what they need.

use wasm_bindgen::JsCast as _;

/// The prefix of the patient kiosk's screen marks (`onshi:screen:<name>`).
pub const KIOSK_SCREEN: &str = "onshi:screen:";
/// The prefix of the staff console's marks (`onshi:staff:<name>`).
pub const STAFF_SCREEN: &str = "onshi:staff:";
/// The prefix of the insurer console's screen marks.
pub const INSURER_SCREEN: &str = "onshi:insurer:";

/// Moves keyboard focus to the element with this id, if it is on the page.
pub fn focus(id: &str) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// Marks `<prefix><name>` on the page's performance timeline ([`KIOSK_SCREEN`], [`STAFF_SCREEN`], [`INSURER_SCREEN`]).
pub fn mark(prefix: &str, name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(&format!("{prefix}{name}"));
    }
}
