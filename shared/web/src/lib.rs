//! # onshi-web — what the patient kiosk, the staff console and the insurer console share in the browser
//!
//! Layer: user interface support, below the apps. [`i18n`] is the language and resource-file catalog (pure, tested
//! natively); the browser-only modules are the edge's JSON answers ([`client`]), the enrolled device identity that
//! signs a kiosk's or an insurer console's calls ([`device`]), the WebCrypto and IndexedDB calls both it and the staff
//! console's sealed 申立書 store make ([`browser_store`]), the sealing of a kiosk's 申立書 capture to its
//! facility's staff console ([`petition_seal`]), the enrolment form of the two consoles
//! ([`enrolment_form`], its texts passed in) and the page helpers the apps
//! use on every screen change ([`page`]: keyboard focus, performance marks).
//!
//! Must not: know either app's screens, texts or calls; keep state; talk to anything but the page and the answers
//! it is handed.

pub mod i18n;

#[cfg(target_arch = "wasm32")]
pub mod browser_store;
#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod device;
#[cfg(target_arch = "wasm32")]
pub mod enrolment_form;
#[cfg(target_arch = "wasm32")]
pub mod page;
#[cfg(target_arch = "wasm32")]
pub mod petition_seal;

/// Why an edge call failed, as the apps tell it: the edge's typed refusal, no readable answer at all, or the browser
/// itself failing the device identity's step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebError {
    /// The edge answered with a typed error.
    #[error("edge refused: {0}")]
    Refused(onshi_proto::ErrorCode),
    /// The edge could not be reached or answered something unreadable.
    #[error("edge unreachable")]
    Unreachable,
    /// The browser lacks WebCrypto or IndexedDB, or one of them failed: the step is named, the browser's detail is
    /// dropped (it could name a key).
    #[error("browser storage or crypto failed: {0}")]
    Browser(&'static str),
    /// A language's resource file, fetched after the page started, is not a JSON object of texts (or the language
    /// is not in the catalog): the page keeps the languages it has.
    #[error("the texts of {} cannot be read", .0.tag())]
    TextsUnreadable(i18n::Lang),
}

impl WebError {
    /// The wire code this stands for: an unreachable edge is, to a person at the page, an unavailable service, and
    /// a browser failure is internal.
    pub fn code(self) -> onshi_proto::ErrorCode {
        match self {
            WebError::Refused(code) => code,
            WebError::Unreachable => onshi_proto::ErrorCode::OriginUnavailable,
            WebError::Browser(_) | WebError::TextsUnreadable(_) => onshi_proto::ErrorCode::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_stands_for_one_wire_code() {
        let refused = WebError::Refused(onshi_proto::ErrorCode::SessionInvalid);
        assert_eq!(refused.code(), onshi_proto::ErrorCode::SessionInvalid);
        assert_eq!(WebError::Unreachable.code(), onshi_proto::ErrorCode::OriginUnavailable);
        assert_eq!(WebError::Browser("signing failed").code(), onshi_proto::ErrorCode::Internal);
        assert_eq!(WebError::TextsUnreadable(i18n::Lang::En).code(), onshi_proto::ErrorCode::Internal);
    }
}
