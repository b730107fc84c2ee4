//! The worker's configuration, read from its bindings through a lookup function so it can be built and
//! tested without the runtime.
//!
//! Layer: beside the use cases, which read it; it builds the pure rules of [`crate::auth`] from the bindings and
//! derives every `SESSION_KEY`-based key once ([`crate::secret::KeyPurpose`]). Must not: know the use cases, or
//! start with a binding it could not validate.
//!
//! | binding | kind | meaning |
//! |---|---|---|
//! | `ORIGIN_URL` | var | `https://host[:port]` of the origin (`http://` only for a loopback host) |
//! | `ORIGIN_SIGNING_KEY` | secret | HMAC key for origin request signatures (its UTF-8 bytes), ≥ 32 bytes |
//! | `ORIGIN_AUDIENCE` | var, optional | the origin deployment signed requests are meant for, as the origin's `ONSHI_ORIGIN_AUDIENCE` (default `onshi`) |
//! | `SESSION_KEY` | secret | key material for the session tokens and audit hashes (its UTF-8 bytes; each key is derived from it by HKDF), ≥ 32 bytes |
//! | `JPKI_AUTH_CA_PEM` | var | one or more PEM certificates of the 利用者証明用 CA(s) to trust |
//! | `ORIGIN_TIMEOUT_MS` | var, optional | origin timeout, default 3000 |
//! | `ADMIN_TOKEN` | secret, optional | the national operator's bearer token of the admin routes (≥ 24 bytes); unset closes them to the operator |
//! | `OPERATOR_ID` | var, optional | who holds `ADMIN_TOKEN`, as audit events name them; default `operator` |
//! | `RATE_LIMIT_PER_DEVICE` | var, optional | requests per device per minute, default 60 |
//! | `RATE_LIMIT_PER_FACILITY` | var, optional | requests per facility per minute, default 600 |
//! | `RATE_LIMIT_PER_STAFF_SESSION` | var, optional | calls per staff session per window, default the per-device limit; the session's own limit answers before its console's only when set below it |
//! | `RATE_LIMIT_PER_CLIENT` | var, optional | unauthenticated attempts (enrolment, staff login, unknown device ids) per client address per window, default 30 |
//! | `STAFF_IDLE_SECS` | var, optional | seconds a staff session may go without a call before it is over, default 900 (1–3600) |
//! | `RATE_LIMIT_WINDOW_SECS` | var, optional | length of a counting window, default 60 (1–86400) |
//! | `KIOSK_ORIGINS` | var, optional | kiosk origins allowed besides the edge's own (e.g. `isolated-app://<id>`) |
//! | `ENVIRONMENT` | var, optional | `production` (the default when unset) or `development`; production refuses the committed test CAs |
//! | `CARD_FACE_ISSUER_KEYS` | var, optional | base64 `SubjectPublicKeyInfo` DER of each key whose signature over a card face (券面事項確認AP) the 目視 assist accepts, comma-separated; unset refuses every card-face proof; production refuses the committed test issuer |
//! | `REVOCATION_SOFT_FAIL` | var, optional | `true` lets a certificate whose status is `unknown` pass, with a warning; default `false` |

use crate::audit::CertificateHasher;
use crate::auth::admin::AdminCredentials;
use crate::auth::card_face::CardFaceIssuers;
use crate::auth::cardauth::TrustAnchors;
use crate::auth::device::DeviceIdTags;
use crate::auth::enrolment_code::CodeLookupKeys;
use crate::auth::insurer_session::InsurerSessions;
use crate::auth::ratelimit::{
    DEFAULT_PER_CLIENT, DEFAULT_PER_DEVICE, DEFAULT_PER_FACILITY, RateLimits, parse_limit, parse_window,
};
use crate::auth::session::SessionMinter;
use crate::auth::staff_session::{IdleLimit, StaffSessions};
use crate::error::EdgeError;
use crate::http_policy::KioskOrigins;
use crate::proxy::{OriginClient, parse_timeout_ms};
use crate::secret::SecretBytes;
use onshi_proto::signing::Audience;

/// Binding name of the card-face issuer keys of the 目視 assist.
pub const CARD_FACE_ISSUER_KEYS: &str = "CARD_FACE_ISSUER_KEYS";
/// Binding name of the origin's base URL.
pub const ORIGIN_URL: &str = "ORIGIN_URL";
/// Binding name of the origin request signing key.
pub const ORIGIN_SIGNING_KEY: &str = "ORIGIN_SIGNING_KEY";
/// Binding name of the origin deployment requests are meant for (`onshi_proto::signing::Audience`).
pub const ORIGIN_AUDIENCE: &str = "ORIGIN_AUDIENCE";
/// Binding name of the session token key.
pub const SESSION_KEY: &str = "SESSION_KEY";
/// Binding name of the trusted CA certificates.
pub const JPKI_AUTH_CA_PEM: &str = "JPKI_AUTH_CA_PEM";
/// Binding name of the origin timeout.
pub const ORIGIN_TIMEOUT_MS: &str = "ORIGIN_TIMEOUT_MS";
/// Binding name of the national operator's admin token.
pub const ADMIN_TOKEN: &str = "ADMIN_TOKEN";
/// Binding name of the operator's name in audit events.
pub const OPERATOR_ID: &str = "OPERATOR_ID";
/// Binding name of the per-device rate limit.
pub const RATE_LIMIT_PER_DEVICE: &str = "RATE_LIMIT_PER_DEVICE";
/// Binding name of the per-facility rate limit.
pub const RATE_LIMIT_PER_FACILITY: &str = "RATE_LIMIT_PER_FACILITY";
/// Binding name of the per-staff-session rate limit.
pub const RATE_LIMIT_PER_STAFF_SESSION: &str = "RATE_LIMIT_PER_STAFF_SESSION";
/// Binding name of the per-client limit of unauthenticated attempts.
pub const RATE_LIMIT_PER_CLIENT: &str = "RATE_LIMIT_PER_CLIENT";
/// Binding name of the kiosk origins allowed besides the edge's own.
pub const KIOSK_ORIGINS: &str = "KIOSK_ORIGINS";
/// Binding name of the rate limit window.
pub const RATE_LIMIT_WINDOW_SECS: &str = "RATE_LIMIT_WINDOW_SECS";
/// Binding name of the staff sessions' idle limit.
pub const STAFF_IDLE_SECS: &str = "STAFF_IDLE_SECS";
/// Binding name of the deployment's environment.
pub const ENVIRONMENT: &str = "ENVIRONMENT";
/// Binding name of the revocation soft-fail switch.
pub const REVOCATION_SOFT_FAIL: &str = "REVOCATION_SOFT_FAIL";

/// Where the worker runs. Production is the default, so a deployment that forgets the binding gets the strict
/// rules; only the local launcher and the tests say `development`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// A real deployment: the committed test material is refused.
    Production,
    /// The local demo and the tests: the virtual card's test CA may be trusted.
    Development,
}

impl Environment {
    /// Reads the `ENVIRONMENT` binding; unset is production, and any word but the two is an error.
    pub fn parse(value: Option<&str>) -> Result<Self, EdgeError> {
        match value {
            None | Some("production") => Ok(Self::Production),
            Some("development") => Ok(Self::Development),
            Some(_) => Err(EdgeError::Config("ENVIRONMENT must be production or development")),
        }
    }
}

/// Reads the `REVOCATION_SOFT_FAIL` binding: only the exact words `true` and `false` are understood, so a typo
/// cannot quietly turn the check off (or leave an operator believing it is off).
fn parse_soft_fail(value: Option<&str>) -> Result<bool, EdgeError> {
    match value {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(EdgeError::Config("REVOCATION_SOFT_FAIL must be true or false")),
    }
}

/// Everything the handlers need, validated.
#[derive(Debug)]
pub struct EdgeConfig {
    /// Builds signed origin requests.
    pub origin: OriginClient,
    /// Mints and checks sessions.
    pub sessions: SessionMinter,
    /// Trusted 利用者証明用 CAs.
    pub trust_anchors: TrustAnchors,
    /// The keys whose signature over a card face the 目視 assist accepts.
    pub card_face_issuers: CardFaceIssuers,
    /// Origin timeout in milliseconds.
    pub origin_timeout_ms: u32,
    /// The admin routes' credentials: the operator's token and the facility admin credentials.
    pub admin: AdminCredentials,
    /// Request limits per device and facility.
    pub rate_limits: RateLimits,
    /// Hashes certificate identities for audit events.
    pub audit_hasher: CertificateHasher,
    /// Browser origins allowed to call the API besides the edge's own.
    pub kiosk_origins: KioskOrigins,
    /// Issues and recognises device ids (a key derived from `SESSION_KEY`).
    pub device_ids: DeviceIdTags,
    /// Mints and checks staff sessions (a key derived from `SESSION_KEY`).
    pub staff_sessions: StaffSessions,
    /// How long a staff session may go without a call.
    pub staff_idle: IdleLimit,
    /// Makes the keys one-time codes are stored under (a key derived from `SESSION_KEY`).
    pub code_lookup: CodeLookupKeys,
    /// Mints and checks insurer console sessions (a key derived from `SESSION_KEY`).
    pub insurer_sessions: InsurerSessions,
    /// Where the worker runs.
    pub environment: Environment,
    /// True when an operator asked for a certificate whose status is `unknown` to pass (with a warning);
    /// `revoked` is refused either way.
    pub revocation_soft_fail: bool,
}

impl EdgeConfig {
    /// Reads and validates every binding; `lookup` returns a binding's text, or `None` when it is unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EdgeError> {
        let required = |name: &'static str, missing: &'static str| {
            lookup(name).filter(|value| !value.trim().is_empty()).ok_or(EdgeError::Config(missing))
        };
        let origin_url = required(ORIGIN_URL, "ORIGIN_URL is not set")?;
        let origin_key = required(ORIGIN_SIGNING_KEY, "ORIGIN_SIGNING_KEY is not set")?;
        let session_key = required(SESSION_KEY, "SESSION_KEY is not set")?;
        let anchors_pem = required(JPKI_AUTH_CA_PEM, "JPKI_AUTH_CA_PEM is not set")?;
        let origin_audience = match lookup(ORIGIN_AUDIENCE).filter(|value| !value.trim().is_empty()) {
            None => Audience::default(),
            Some(text) => Audience::parse(text.trim())
                .map_err(|_| EdgeError::Config("ORIGIN_AUDIENCE must be 1-64 characters of a-z, 0-9, '-', '.', '_'"))?,
        };
        let environment = Environment::parse(lookup(ENVIRONMENT).as_deref())?;
        let trust_anchors = TrustAnchors::from_pem(&anchors_pem)?;
        if environment == Environment::Production && trust_anchors.include_committed_test_key() {
            return Err(EdgeError::Config(
                "JPKI_AUTH_CA_PEM holds a committed test CA, whose private key is public; production refuses it",
            ));
        }
        let card_face_issuers = CardFaceIssuers::from_binding(lookup(CARD_FACE_ISSUER_KEYS).as_deref())?;
        if environment == Environment::Production && card_face_issuers.include_committed_test_key() {
            return Err(EdgeError::Config(
                "CARD_FACE_ISSUER_KEYS holds the committed test issuer, whose private key is public; production refuses it",
            ));
        }
        let session_key = SecretBytes::new(session_key.into_bytes());
        let admin_token = lookup(ADMIN_TOKEN)
            .filter(|value| !value.trim().is_empty())
            .map(|value| SecretBytes::new(value.into_bytes()));
        let per_device = parse_limit(
            lookup(RATE_LIMIT_PER_DEVICE).as_deref(),
            DEFAULT_PER_DEVICE,
            "RATE_LIMIT_PER_DEVICE must be a whole number from 1 to 1000000",
        )?;
        Ok(Self {
            origin: OriginClient::new(&origin_url, SecretBytes::new(origin_key.into_bytes()), &origin_audience)?,
            audit_hasher: CertificateHasher::derive(&session_key)?,
            staff_sessions: StaffSessions::derive(&session_key)?,
            insurer_sessions: InsurerSessions::derive(&session_key)?,
            device_ids: DeviceIdTags::derive(&session_key)?,
            code_lookup: CodeLookupKeys::derive(&session_key)?,
            staff_idle: IdleLimit::parse(lookup(STAFF_IDLE_SECS).as_deref())?,
            sessions: SessionMinter::new(&session_key)?,
            admin: AdminCredentials::new(
                admin_token,
                lookup(OPERATOR_ID).filter(|value| !value.trim().is_empty()).as_deref(),
                &session_key,
            )?,
            rate_limits: RateLimits {
                per_device,
                per_facility: parse_limit(
                    lookup(RATE_LIMIT_PER_FACILITY).as_deref(),
                    DEFAULT_PER_FACILITY,
                    "RATE_LIMIT_PER_FACILITY must be a whole number from 1 to 1000000",
                )?,
                // Unset, a session may make as many calls as its console: the device's limit as configured.
                per_staff_session: parse_limit(
                    lookup(RATE_LIMIT_PER_STAFF_SESSION).as_deref(),
                    per_device,
                    "RATE_LIMIT_PER_STAFF_SESSION must be a whole number from 1 to 1000000",
                )?,
                per_client: parse_limit(
                    lookup(RATE_LIMIT_PER_CLIENT).as_deref(),
                    DEFAULT_PER_CLIENT,
                    "RATE_LIMIT_PER_CLIENT must be a whole number from 1 to 1000000",
                )?,
                window_secs: parse_window(
                    lookup(RATE_LIMIT_WINDOW_SECS).as_deref(),
                    "RATE_LIMIT_WINDOW_SECS must be a whole number from 1 to 86400",
                )?,
            },
            trust_anchors,
            card_face_issuers,
            kiosk_origins: KioskOrigins::parse(lookup(KIOSK_ORIGINS).as_deref())?,
            origin_timeout_ms: parse_timeout_ms(lookup(ORIGIN_TIMEOUT_MS).as_deref())?,
            environment,
            revocation_soft_fail: parse_soft_fail(lookup(REVOCATION_SOFT_FAIL).as_deref())?,
        })
    }
}
