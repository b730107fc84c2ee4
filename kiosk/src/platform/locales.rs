//! Fetches the kiosk's resource files that are not in the bundle (every language but Japanese) from the page's own
//! site, and hands each to the catalog ([`crate::i18n::KIOSK`]), which parses it once and keeps it for the page's
//! life.
//!
//! Must not: decide which language the screen shows (`crate::language` does); retry on its own (the patient's next
//! press does).

use gloo_net::http::Request;

use crate::error::KioskError;
use crate::i18n::{KIOSK, Lang, locale_path};

/// Makes the texts of `lang` available: at once when they already are, else fetched and loaded. Offline, a missing
/// file or one that is no resource file leaves the catalog as it was.
pub async fn load(lang: Lang) -> Result<(), KioskError> {
    if KIOSK.has(lang) {
        return Ok(());
    }
    let unavailable = |_| KioskError::LocaleUnavailable(lang);
    let response = Request::get(&locale_path(lang)).send().await.map_err(unavailable)?;
    if !response.ok() {
        return Err(KioskError::LocaleUnavailable(lang));
    }
    let json = response.text().await.map_err(unavailable)?;
    Ok(KIOSK.load(lang, &json)?)
}

/// Loads every language not loaded yet, one file after the other, so that a later choice switches at once; a file
/// that cannot be had now is fetched again when a patient chooses its language.
pub async fn prefetch() {
    for lang in KIOSK.langs().iter().copied() {
        let _ = load(lang).await;
    }
}
