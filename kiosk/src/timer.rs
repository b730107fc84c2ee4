//! The page clock: the current time and a sleep, both from the browser's own timers, so that tests can drive
//! them with a fake clock.

use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the Unix epoch, from the page's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Resolves after `ms` milliseconds (at once when the page has no window, which cannot happen in the kiosk).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            // A failed setTimeout leaves the promise pending; the callers race it against a cancel.
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}
