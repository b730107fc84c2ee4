//! Errors that cross the network: a closed set of stable codes and nothing else.
//!
//! An error body never carries internal detail (no SQL, no stack, no personal data). The kiosk decides what to
//! tell the patient from the code alone, so a code's meaning never changes once published.

use serde::{Deserialize, Serialize};

/// Stable error codes. The serialised names (`snake_case`) are the public contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request body or parameters are malformed.
    BadRequest,
    /// The request body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// No such route.
    NotFound,
    /// Missing or invalid credentials (device proof, session, request signature).
    Unauthorized,
    /// This device is not enrolled: it never was, or its facility's admin revoked it. The device should forget its
    /// identity and be enrolled again with a fresh enrolment code; retrying with the same identity cannot succeed.
    DeviceNotEnrolled,
    /// The challenge is unknown (never issued, or already expired and forgotten).
    ChallengeUnknown,
    /// The challenge was issued but its lifetime has passed.
    ChallengeExpired,
    /// The challenge has already been used once.
    ChallengeReplayed,
    /// The card's signature does not verify over the challenge with the certificate's key.
    SignatureInvalid,
    /// The certificate cannot be parsed or is not a 利用者証明用 certificate.
    CertificateInvalid,
    /// The certificate does not chain to a configured 利用者証明用 CA.
    CertificateUntrusted,
    /// The certificate is outside its validity period.
    CertificateExpired,
    /// The certificate has been revoked.
    CertificateRevoked,
    /// The session token is missing, malformed, forged or bound to something else.
    SessionInvalid,
    /// The session token's lifetime has passed.
    SessionExpired,
    /// Too many requests from this device or facility.
    RateLimited,
    /// The origin answered with an error the edge cannot pass on.
    OriginError,
    /// The origin could not be reached.
    OriginUnavailable,
    /// The origin did not answer in time.
    OriginTimeout,
    /// The credential is genuine but may not do this: a facility's admin acting for another facility, or for
    /// something only the national operator may do.
    Forbidden,
    /// A record is held after a suspected mis-registration and may not be shown.
    RecordHeld,
    /// The information asked for may be shown only under a live consent of the patient, and there is none.
    ConsentRequired,
    /// The card's certificate has expired and is in its grace period: the session confirms the qualification
    /// only, so consent, 健康保険証利用登録 and medical information are refused.
    QualificationOnly,
    /// The kiosk withdrew this visual check (目視) before staff decided: the patient started over, the kiosk reset
    /// itself or lost its reader. There is nothing left to approve or refuse.
    VisualCheckWithdrawn,
    /// The card face the kiosk proved present with the 目視 assist is not the face of the person its certificate
    /// leads to (another birth date or sex): the certificate was not read from the card in the reader.
    CardFaceMismatch,
    /// The facility's bridge holds no link to the edge now: the check is to be asked of onshi instead.
    BridgeNotConnected,
    /// The national terminal gave no answer in time. The request may have been processed and is never sent again.
    TerminalTimeout,
    /// The national terminal answered with an error, or the request never reached it.
    TerminalFailed,
    /// A bulk pre-check has more rows than one upload may hold ([`crate::bridge_bulk::MAX_BULK_ROWS`]), or none.
    TooManyRows,
    /// Staff closed an uncertain request the bridge does not hold as uncertain: it never was one, it was answered
    /// late, or it was closed already. Nothing changed; the bridge's next report lists what is still uncertain.
    NotUncertain,
    /// No staff console of the facility has published a key to seal a 申立書 capture to.
    PetitionKeyMissing,
    /// The facility's queue of 申立書 captures is full until a staff console takes them.
    PetitionQueueFull,
    /// Anything else; details stay in the server's own log.
    Internal,
}

crate::wire_enum::wire_text!(ErrorCode);

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::PayloadTooLarge => 413,
            Self::NotFound => 404,
            Self::Unauthorized
            | Self::DeviceNotEnrolled
            | Self::SessionInvalid
            | Self::SessionExpired
            | Self::SignatureInvalid
            | Self::CertificateInvalid
            | Self::CertificateUntrusted
            | Self::CertificateExpired
            | Self::CertificateRevoked => 401,
            Self::ChallengeUnknown | Self::ChallengeExpired | Self::ChallengeReplayed | Self::VisualCheckWithdrawn => {
                409
            }
            Self::RecordHeld => 423,
            Self::BridgeNotConnected | Self::CardFaceMismatch | Self::NotUncertain | Self::PetitionKeyMissing => 409,
            Self::PetitionQueueFull => 507,
            Self::TerminalFailed => 502,
            Self::TerminalTimeout => 504,
            Self::TooManyRows => 413,
            Self::ConsentRequired | Self::QualificationOnly | Self::Forbidden => 403,
            Self::RateLimited => 429,
            Self::OriginError => 502,
            Self::OriginUnavailable => 503,
            Self::OriginTimeout => 504,
            Self::Internal => 500,
        }
    }

    /// A fixed English sentence for logs and API consumers; user interfaces translate from the code instead.
    pub fn default_message(self) -> &'static str {
        match self {
            Self::BadRequest => "The request is malformed.",
            Self::PayloadTooLarge => "The request body is too large.",
            Self::NotFound => "No such resource.",
            Self::Unauthorized => "Authentication is required.",
            Self::DeviceNotEnrolled => "This device is not enrolled; enrol it again with a new enrolment code.",
            Self::ChallengeUnknown => "The challenge is unknown.",
            Self::ChallengeExpired => "The challenge has expired.",
            Self::ChallengeReplayed => "The challenge has already been used.",
            Self::SignatureInvalid => "The card signature does not verify.",
            Self::CertificateInvalid => "The card certificate is not valid.",
            Self::CertificateUntrusted => {
                "The card certificate is not trusted: no trusted CA issued it, or its status cannot be confirmed."
            }
            Self::CertificateExpired => "The card certificate has expired.",
            Self::CertificateRevoked => "The card certificate has been revoked.",
            Self::SessionInvalid => "The session is not valid.",
            Self::SessionExpired => "The session has expired.",
            Self::RateLimited => "Too many requests.",
            Self::OriginError => "The qualification service returned an error.",
            Self::OriginUnavailable => "The qualification service is unavailable.",
            Self::OriginTimeout => "The qualification service did not answer in time.",
            Self::Forbidden => "This credential may not do this.",
            Self::RecordHeld => "The record is held for review and cannot be shown.",
            Self::ConsentRequired => "The patient's consent is required to view this information.",
            Self::QualificationOnly => {
                "The card's certificate has expired: within its grace period it confirms the qualification only."
            }
            Self::VisualCheckWithdrawn => "The kiosk withdrew this visual check; there is nothing to decide.",
            Self::CardFaceMismatch => "The card face shown at the kiosk is not that of the certificate's holder.",
            Self::BridgeNotConnected => "The facility's bridge to the national terminal is not connected.",
            Self::TerminalTimeout => "The national terminal did not answer in time; the request is not sent again.",
            Self::TerminalFailed => "The national terminal could not answer this request.",
            Self::TooManyRows => "A bulk pre-check holds 1 to 1000 rows; split the list.",
            Self::NotUncertain => "The bridge holds no uncertain request by this id; nothing was changed.",
            Self::PetitionKeyMissing => "No staff console of this facility takes 申立書 captures; use the paper form.",
            Self::PetitionQueueFull => "The facility's 申立書 queue is full until a staff console takes it.",
            Self::Internal => "Internal error.",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every error response: `{"error": "<code>", "message": "<fixed sentence>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{error}: {message}")]
pub struct ApiError {
    /// The stable code.
    pub error: ErrorCode,
    /// A fixed sentence for the code; never internal detail.
    pub message: String,
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self { error: code, message: code.default_message().to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_to_their_stable_strings() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::ChallengeReplayed,
            ErrorCode::CertificateRevoked,
            ErrorCode::OriginTimeout,
            ErrorCode::RecordHeld,
            ErrorCode::DeviceNotEnrolled,
            ErrorCode::VisualCheckWithdrawn,
            ErrorCode::QualificationOnly,
            ErrorCode::Forbidden,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn a_device_that_is_not_enrolled_has_its_own_code_apart_from_unauthorized() {
        let body = serde_json::to_value(ApiError::from(ErrorCode::DeviceNotEnrolled)).unwrap();
        assert_eq!(body["error"], "device_not_enrolled");
        assert_eq!(ErrorCode::DeviceNotEnrolled.http_status(), 401);
        assert_ne!(ErrorCode::DeviceNotEnrolled.as_str(), ErrorCode::Unauthorized.as_str());
        let parsed: ApiError = serde_json::from_str(&body.to_string()).unwrap();
        assert_eq!(parsed.error, ErrorCode::DeviceNotEnrolled);
        assert_eq!(parsed.message, ErrorCode::DeviceNotEnrolled.default_message());
    }

    #[test]
    fn a_withdrawn_visual_check_is_a_conflict_with_its_own_code() {
        let body = serde_json::to_value(ApiError::from(ErrorCode::VisualCheckWithdrawn)).unwrap();
        assert_eq!(body["error"], "visual_check_withdrawn");
        assert_eq!(ErrorCode::VisualCheckWithdrawn.http_status(), 409);
        assert!(!ErrorCode::VisualCheckWithdrawn.default_message().is_empty());
    }

    #[test]
    fn error_body_has_fixed_shape() {
        let body = serde_json::to_value(ApiError::from(ErrorCode::OriginUnavailable)).unwrap();
        assert_eq!(body["error"], "origin_unavailable");
        assert_eq!(ErrorCode::OriginUnavailable.http_status(), 503);
        assert!(serde_json::from_str::<ApiError>(r#"{"error":"no_such_code","message":"x"}"#).is_err());
    }
}
