//! The crate's one error type, and its mapping onto the stable wire codes.
//!
//! Every variant maps to exactly one [`ErrorCode`]; the detail a variant carries (which configuration value is
//! missing, what the origin said) is for the worker's own log and is never put in a response body.

use onshi_proto::{ApiError, ErrorCode};

/// Everything that can go wrong in the edge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EdgeError {
    /// The request body or a parameter is malformed.
    #[error("the request is malformed")]
    BadRequest,
    /// The request body is larger than the route accepts.
    #[error("the request body exceeds {limit} bytes")]
    PayloadTooLarge {
        /// The route's limit in bytes.
        limit: usize,
    },
    /// No route matches.
    #[error("no such route")]
    NotFound,
    /// The challenge id was never issued, or was forgotten after it expired.
    #[error("the challenge is unknown")]
    ChallengeUnknown,
    /// The challenge's lifetime has passed.
    #[error("the challenge has expired")]
    ChallengeExpired,
    /// The challenge has been consumed before.
    #[error("the challenge was already used")]
    ChallengeReplayed,
    /// The card certificate cannot be parsed, uses an unsupported algorithm, or is not an end-entity
    /// certificate for digital signatures.
    #[error("the card certificate is invalid: {0}")]
    CertificateInvalid(&'static str),
    /// No configured trust anchor issued the card certificate.
    #[error("the card certificate does not chain to a configured trust anchor")]
    CertificateUntrusted,
    /// The card certificate is outside its validity period.
    #[error("the card certificate is outside its validity period")]
    CertificateExpired,
    /// The origin's status service reports the certificate as revoked.
    #[error("the card certificate is revoked")]
    CertificateRevoked,
    /// The origin's status service cannot say the certificate is good (RFC 6960's `unknown`): not good is not
    /// trusted, unless an operator set `REVOCATION_SOFT_FAIL`.
    #[error("the card certificate's status is not good")]
    CertificateStatusUnknown,
    /// The card's signature over the challenge does not verify.
    #[error("the card signature does not verify")]
    SignatureInvalid,
    /// The session token is missing, malformed or forged.
    #[error("the session token is invalid")]
    SessionInvalid,
    /// The session was opened by a staff visual check (目視), and the use case needs a PIN-verified session.
    #[error("the session was opened without the PIN")]
    PinRequired,
    /// The session was opened with a certificate in its grace period, and the use case needs more than the
    /// qualification (consent, 健康保険証利用登録).
    #[error("the session confirms the qualification only")]
    QualificationOnly,
    /// The session token's lifetime has passed.
    #[error("the session token has expired")]
    SessionExpired,
    /// The origin could not be reached.
    #[error("the origin is unreachable")]
    OriginUnavailable,
    /// The origin did not answer within the configured timeout.
    #[error("the origin did not answer in time")]
    OriginTimeout,
    /// The origin answered with a server error or a body the edge cannot understand.
    #[error("the origin answered with an unusable response (status {status})")]
    OriginError {
        /// The origin's HTTP status.
        status: u16,
    },
    /// Something answered in the origin's place, or changed its answer: the answer does not carry the origin's
    /// signature over the request the edge sent ([`crate::proxy::OriginClient::authenticate`]).
    #[error("an answer without the origin's signature over this request was refused (status {status})")]
    OriginUnverified {
        /// The HTTP status the answer came with.
        status: u16,
    },
    /// The origin refused the request with a typed client error, which is passed on by its code.
    #[error("the origin refused the request: {0}")]
    OriginRefused(ErrorCode),
    /// The enrolment code is malformed, unknown, already used or expired.
    #[error("the enrolment code is not usable: {0}")]
    EnrolmentCodeInvalid(&'static str),
    /// The request carries no device proof, or one that does not verify.
    #[error("the device proof is missing or invalid: {0}")]
    DeviceProofInvalid(&'static str),
    /// The device id is not enrolled.
    #[error("the device is not enrolled")]
    DeviceUnknown,
    /// The device has been revoked by its facility's admin.
    #[error("the device is revoked")]
    DeviceRevoked,
    /// The admin bearer token is missing or wrong, or no admin token is configured.
    #[error("the admin token is missing or wrong")]
    AdminUnauthorized,
    /// A genuine admin credential asked for what it may not do: a facility admin acting for another facility, or
    /// for what only the national operator may do.
    #[error("the admin credential may not do this")]
    AdminForbidden,
    /// A kiosk not enrolled as standing where staff see the patient asked for a visual check (目視).
    #[error("this device may not ask for a visual check")]
    VisualCheckNotStaffed,
    /// A device called a route of another role: a bridge a card route, or a kiosk the bridge's.
    #[error("this device may not call this route")]
    DeviceRoleForbidden,
    /// The insurer credential typed at an insurer console's sign-in is not one the origin knows.
    #[error("the insurer credential is not known")]
    InsurerCredentialInvalid,
    /// A browser sent the request from a page of another origin.
    #[error("the request comes from another origin")]
    CrossOrigin,
    /// A device or a facility has made too many requests in the current window.
    #[error("rate limit exceeded for the {0}")]
    RateLimited(&'static str),
    /// The facility's bridge holds no link to the edge.
    #[error("the facility's bridge is not connected")]
    BridgeNotConnected,
    /// The national terminal gave no answer in time, or the bridge said the outcome is uncertain.
    #[error("the national terminal did not answer in time")]
    TerminalTimeout,
    /// The national terminal answered with an error, or the request never reached it.
    #[error("the national terminal could not answer")]
    TerminalFailed,
    /// Staff closed a terminal request the bridge does not hold as uncertain (unknown, or not uncertain).
    #[error("the bridge holds no uncertain request by this id")]
    NotUncertain,
    /// No staff console of the facility published a key for 申立書 captures (or the capture was sealed to an older
    /// one).
    #[error("no staff console key for 申立書 captures")]
    PetitionKeyMissing,
    /// The facility's 申立書 queue holds its bound.
    #[error("the facility's 申立書 queue is full")]
    PetitionQueueFull,
    /// A bulk pre-check with more rows than one upload may hold, or none.
    #[error("a bulk pre-check holds 1 to the most rows of one upload")]
    TooManyRows,
    /// A binding or secret is missing or unusable; the worker is misconfigured.
    #[error("configuration error: {0}")]
    Config(&'static str),
    /// A runtime facility (random source, storage, request plumbing) failed.
    #[error("runtime failure: {0}")]
    Runtime(&'static str),
}

impl EdgeError {
    /// The stable code sent to the client.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest => ErrorCode::BadRequest,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::NotFound => ErrorCode::NotFound,
            Self::ChallengeUnknown => ErrorCode::ChallengeUnknown,
            Self::ChallengeExpired => ErrorCode::ChallengeExpired,
            Self::ChallengeReplayed => ErrorCode::ChallengeReplayed,
            Self::CertificateInvalid(_) => ErrorCode::CertificateInvalid,
            Self::CertificateUntrusted | Self::CertificateStatusUnknown => ErrorCode::CertificateUntrusted,
            Self::CertificateExpired => ErrorCode::CertificateExpired,
            Self::CertificateRevoked => ErrorCode::CertificateRevoked,
            Self::SignatureInvalid => ErrorCode::SignatureInvalid,
            Self::SessionInvalid | Self::PinRequired => ErrorCode::SessionInvalid,
            Self::QualificationOnly => ErrorCode::QualificationOnly,
            Self::SessionExpired => ErrorCode::SessionExpired,
            Self::OriginUnavailable => ErrorCode::OriginUnavailable,
            Self::OriginTimeout => ErrorCode::OriginTimeout,
            Self::OriginError { .. } | Self::OriginUnverified { .. } => ErrorCode::OriginError,
            Self::OriginRefused(code) => *code,
            // The kiosk can only recover from these by enrolling again, so they get their own code; a missing or
            // bad proof for a known device stays `unauthorized`, since a fresh enrolment would not mend it.
            Self::DeviceUnknown | Self::DeviceRevoked => ErrorCode::DeviceNotEnrolled,
            Self::EnrolmentCodeInvalid(_)
            | Self::DeviceProofInvalid(_)
            | Self::AdminUnauthorized
            | Self::InsurerCredentialInvalid
            | Self::CrossOrigin => ErrorCode::Unauthorized,
            Self::AdminForbidden | Self::VisualCheckNotStaffed | Self::DeviceRoleForbidden => ErrorCode::Forbidden,
            Self::RateLimited(_) => ErrorCode::RateLimited,
            Self::BridgeNotConnected => ErrorCode::BridgeNotConnected,
            Self::TerminalTimeout => ErrorCode::TerminalTimeout,
            Self::TerminalFailed => ErrorCode::TerminalFailed,
            Self::TooManyRows => ErrorCode::TooManyRows,
            Self::NotUncertain => ErrorCode::NotUncertain,
            Self::PetitionKeyMissing => ErrorCode::PetitionKeyMissing,
            Self::PetitionQueueFull => ErrorCode::PetitionQueueFull,
            Self::Config(_) | Self::Runtime(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status that carries [`Self::code`].
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }

    /// The response body: the code and its fixed sentence, nothing else.
    pub fn to_api_error(&self) -> ApiError {
        ApiError::from(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reaches_the_body() {
        let error = EdgeError::Config("SESSION_KEY is shorter than 32 bytes");
        let body = serde_json::to_string(&error.to_api_error()).unwrap();
        assert_eq!(error.http_status(), 500);
        assert!(body.contains("\"internal\""));
        assert!(!body.contains("SESSION_KEY"));
    }

    #[test]
    fn refused_origin_codes_pass_through_with_their_own_status() {
        let error = EdgeError::OriginRefused(ErrorCode::RecordHeld);
        assert_eq!(error.code(), ErrorCode::RecordHeld);
        assert_eq!(error.http_status(), 423);
        assert_eq!(EdgeError::OriginError { status: 500 }.http_status(), 502);
        assert_eq!(EdgeError::PayloadTooLarge { limit: 1 }.http_status(), 413);
    }

    #[test]
    fn only_an_unknown_or_revoked_device_is_told_to_enrol_again() {
        for error in [EdgeError::DeviceUnknown, EdgeError::DeviceRevoked] {
            assert_eq!(error.code(), ErrorCode::DeviceNotEnrolled, "{error:?}");
            assert_eq!(error.http_status(), 401);
        }
        for error in [
            EdgeError::DeviceProofInvalid("the signature does not verify"),
            EdgeError::EnrolmentCodeInvalid("unknown code"),
            EdgeError::AdminUnauthorized,
            EdgeError::CrossOrigin,
        ] {
            assert_eq!(error.code(), ErrorCode::Unauthorized, "{error:?}");
        }
    }
}
