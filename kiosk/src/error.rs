//! The kiosk's one error type, [`KioskError`]: why the reader, the device identity or the edge could not do what
//! the kiosk asked, grouped by where it went wrong.
//!
//! Layer: kiosk, below the platform adapters that return it and the check-in and hooks that read it (pure, tested
//! natively). What leaves the kiosk or reaches a screen is a stable [`ErrorCode`] ([`KioskError::code`]) or a
//! `Failure` of the screen logic, never this type's text. Must not: carry the PIN, the enrolment code, a key or a
//! browser error's message (a variant holds at most a DOM exception's name or a fixed phrase), so that `Debug` and
//! `Display` can never show a secret.

use onshi_proto::ErrorCode;
use onshi_web::WebError;

/// Why a kiosk operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    // The reader, over WebUSB.
    /// The browser has no WebUSB (not Chromium, or not a secure context).
    #[error("WebUSB is not available in this browser")]
    UsbUnsupported,
    /// The person closed the chooser without picking a device.
    #[error("no reader was chosen")]
    UsbNoDeviceChosen,
    /// Chrome refused to claim a protected interface class (smart card, 0x0B) outside an Isolated Web App.
    #[error("the browser refused the reader's smart-card interface")]
    UsbProtectedClass,
    /// The device has no interface we can speak to.
    #[error("the device is not a supported card reader")]
    UsbNotAReader,
    /// The device went away.
    #[error("the reader was disconnected")]
    UsbDisconnected,
    /// A transfer failed; the text is a DOM exception's name or a transfer status, never the bytes moved.
    #[error("USB transfer failed: {0}")]
    UsbTransfer(String),

    // The device identity, in WebCrypto and IndexedDB.
    /// The browser lacks WebCrypto or IndexedDB, or one of them failed (the step is named; the browser's detail is
    /// dropped).
    #[error("browser storage or crypto failed: {0}")]
    DeviceBrowser(&'static str),
    /// The browser could not sign the device proof of an edge call.
    #[error("device proof failed")]
    DeviceProof,

    // The edge.
    /// The edge refused the call with a typed error (an enrolment code that is unknown, used or expired is
    /// `unauthorized`; a forgotten device is `device_not_enrolled`), or could not be reached, or answered something
    /// unreadable.
    #[error(transparent)]
    Edge(WebError),

    // The page's own files.
    /// The texts of a language the patient chose could not be fetched from the site (offline, not found) or are
    /// not a resource file; the kiosk keeps the language it shows.
    #[error("the texts of {} are unavailable", .0.tag())]
    LocaleUnavailable(onshi_web::i18n::Lang),
}

impl From<WebError> for KioskError {
    /// The shared browser code reports its own failures beside the edge's: a WebCrypto or IndexedDB step that
    /// failed is the kiosk's device identity failing, not the edge.
    fn from(error: WebError) -> Self {
        match error {
            WebError::Browser(step) => KioskError::DeviceBrowser(step),
            WebError::TextsUnreadable(lang) => KioskError::LocaleUnavailable(lang),
            edge => KioskError::Edge(edge),
        }
    }
}

impl KioskError {
    /// The edge could not be reached, or its answer could not be read.
    pub const EDGE_UNREACHABLE: Self = Self::Edge(WebError::Unreachable);

    /// The network error code this stands for: the edge's own code when it refused, an unavailable service when it
    /// could not be reached, and `internal` for what went wrong inside the browser.
    pub fn code(&self) -> ErrorCode {
        match self {
            KioskError::Edge(error) => error.code(),
            KioskError::UsbUnsupported
            | KioskError::UsbNoDeviceChosen
            | KioskError::UsbProtectedClass
            | KioskError::UsbNotAReader
            | KioskError::UsbDisconnected
            | KioskError::UsbTransfer(_)
            | KioskError::DeviceBrowser(_)
            | KioskError::DeviceProof
            | KioskError::LocaleUnavailable(_) => ErrorCode::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edge_refusal_keeps_its_code() {
        let error = KioskError::from(WebError::Refused(ErrorCode::DeviceNotEnrolled));
        assert_eq!(error.code(), ErrorCode::DeviceNotEnrolled);
        assert!(matches!(error, KioskError::Edge(WebError::Refused(ErrorCode::DeviceNotEnrolled))));
    }

    #[test]
    fn a_browser_failure_in_the_shared_identity_is_the_device_failing() {
        let error = KioskError::from(WebError::Browser("IndexedDB read failed"));
        assert!(matches!(error, KioskError::DeviceBrowser("IndexedDB read failed")));
        assert_eq!(error.code(), ErrorCode::Internal);
    }

    #[test]
    fn an_unreachable_edge_is_an_unavailable_service() {
        assert_eq!(KioskError::EDGE_UNREACHABLE.code(), ErrorCode::OriginUnavailable);
        assert_eq!(KioskError::EDGE_UNREACHABLE.to_string(), "edge unreachable");
    }

    #[test]
    fn browser_failures_are_internal() {
        for error in [
            KioskError::DeviceProof,
            KioskError::DeviceBrowser("signing failed"),
            KioskError::UsbDisconnected,
            KioskError::UsbTransfer("NetworkError".into()),
            KioskError::from(WebError::TextsUnreadable(onshi_web::i18n::Lang::Ko)),
        ] {
            assert_eq!(error.code(), ErrorCode::Internal);
        }
    }
}
