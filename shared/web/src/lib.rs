//! # onshi-web — what the patient kiosk and the staff console share in the browser
//!
//! Layer: user interface support, below both apps. [`i18n`] is the language and resource-file catalog (pure, tested
//! natively); the browser-only modules are the edge's JSON answers ([`client`]) and the page helpers both apps use
//! on every screen change ([`page`]: keyboard focus, performance marks).
//!
//! Must not: know either app's screens, texts or calls; keep state; talk to anything but the page and the answers
//! it is handed.

pub mod i18n;

#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod page;

/// Why an edge call failed, as both apps tell it: the edge's typed refusal, or no readable answer at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebError {
    /// The edge answered with a typed error.
    #[error("edge refused: {0}")]
    Refused(onshi_proto::ErrorCode),
    /// The edge could not be reached or answered something unreadable.
    #[error("edge unreachable")]
    Unreachable,
}

impl WebError {
    /// The wire code this stands for: an unreachable edge is, to a person at the page, an unavailable service.
    pub fn code(self) -> onshi_proto::ErrorCode {
        match self {
            WebError::Refused(code) => code,
            WebError::Unreachable => onshi_proto::ErrorCode::OriginUnavailable,
        }
    }
}
