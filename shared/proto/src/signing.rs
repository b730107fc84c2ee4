//! The origin request signature: how the origin knows a call really comes from the edge.
//!
//! `signature = hex(HMAC-SHA256(key, METHOD "\n" PATH_AND_QUERY "\n" TIMESTAMP "\n" NONCE "\n" hex(SHA-256(body))))`
//!
//! The timestamp (unix seconds) must be within [`MAX_SKEW_SECS`] of the origin's clock and the nonce must not have
//! been seen within that window; replay tracking is the origin's job (it owns the state). Both sides pass the
//! clock in, so this module stays pure.
//!
//! `key` is never the configured secret itself: both sides sign with [`request_key`], derived from the secret and
//! the [`Audience`], the origin deployment the request is for. Two deployments that share a secret by mistake
//! (staging and production) then still refuse each other's requests, although each keeps its own nonce store.

use hmac::{KeyInit, Mac};
use key::SigningKeyBytes;
use sha2::{Digest, Sha256};

/// Header carrying the unix-seconds timestamp.
pub const TIMESTAMP_HEADER: &str = "x-onshi-timestamp";
/// Header carrying the per-request nonce.
pub const NONCE_HEADER: &str = "x-onshi-nonce";
/// Header carrying the hex HMAC.
pub const SIGNATURE_HEADER: &str = "x-onshi-signature";
/// Accepted clock difference between edge and origin, in seconds, either way.
pub const MAX_SKEW_SECS: i64 = 60;
/// Longest accepted nonce, in characters.
pub const MAX_NONCE_LEN: usize = 64;
/// Header naming the insurer the edge speaks for ([`sign_for_insurer`]); the signature covers it.
pub const INSURER_HEADER: &str = "x-onshi-insurer";
/// Header naming the edge's insurer console session, for the origin's audit trail; the signature covers it.
pub const INSURER_SESSION_HEADER: &str = "x-onshi-insurer-session";
/// Header naming the credential the console session was opened with, by its public name
/// ([`crate::credential_name::CredentialName`]): the origin refuses the call once that credential is revoked or
/// expired. The signature covers it.
pub const INSURER_CREDENTIAL_HEADER: &str = "x-onshi-insurer-credential";

type HmacSha256 = hmac::Hmac<Sha256>;

/// The origin deployment a signed request is meant for, as both the edge and the origin are configured: for
/// example `production` or `staging-osaka`. 1 to [`MAX_AUDIENCE_LEN`] characters of lower-case ASCII letters,
/// digits, `-`, `.` and `_`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audience(String);

/// Longest [`Audience`], in characters.
pub const MAX_AUDIENCE_LEN: usize = 64;

/// Why an audience was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an origin audience is 1 to {MAX_AUDIENCE_LEN} characters of a-z, 0-9, '-', '.' and '_'")]
pub struct AudienceError;

impl Audience {
    /// The audience of a deployment that does not name one: the demo, the tests and a single installation.
    pub const DEFAULT: &'static str = "onshi";

    /// Checks `text` as an audience.
    pub fn parse(text: &str) -> Result<Self, AudienceError> {
        let well_formed = !text.is_empty()
            && text.len() <= MAX_AUDIENCE_LEN
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b));
        if well_formed { Ok(Self(text.to_owned())) } else { Err(AudienceError) }
    }

    /// The audience as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Audience {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

/// The key requests for `audience` are signed and verified with (and the origin's answers to them): HKDF-SHA-256
/// over the configured secret, with no salt and the info `onshi-origin-request-v1:` followed by the audience. The
/// caller checks the secret's length; this only separates deployments.
pub fn request_key(secret: &[u8], audience: &Audience) -> Result<zeroize::Zeroizing<[u8; 32]>, SignatureError> {
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    let info = format!("onshi-origin-request-v1:{}", audience.as_str());
    hkdf::Hkdf::<Sha256>::new(None, secret)
        .expand(info.as_bytes(), key.as_mut())
        .map_err(|_| SignatureError::Underivable)?;
    Ok(key)
}

/// Why a request signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A signature header is absent.
    #[error("request signature headers are missing")]
    Missing,
    /// A header is malformed (timestamp not a number, nonce too long, signature not hex).
    #[error("request signature headers are malformed")]
    Malformed,
    /// The timestamp is outside the accepted window.
    #[error("request timestamp is outside the accepted window")]
    Stale,
    /// The HMAC does not match.
    #[error("request signature does not match")]
    Mismatch,
    /// The signing key is empty.
    #[error("request signing key is empty")]
    EmptyKey,
    /// No request key could be derived from the secret (HKDF refuses only outputs far longer than the one asked for,
    /// so this is not expected).
    #[error("a request key cannot be derived from the secret")]
    Underivable,
}

mod key {
    /// Key bytes, kept out of `Debug`.
    pub struct SigningKeyBytes<'a>(pub &'a [u8]);
}

/// The three header values that sign one request.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    /// [`TIMESTAMP_HEADER`].
    pub timestamp: String,
    /// [`NONCE_HEADER`].
    pub nonce: String,
    /// [`SIGNATURE_HEADER`].
    pub signature: String,
}

impl std::fmt::Debug for SignatureHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureHeaders")
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("signature", &"<redacted>")
            .finish()
    }
}

fn mac(
    key: SigningKeyBytes<'_>,
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
    speaking_for: Option<&Principal>,
) -> Result<HmacSha256, SignatureError> {
    if key.0.is_empty() {
        return Err(SignatureError::EmptyKey);
    }
    let mut mac = HmacSha256::new_from_slice(key.0).map_err(|_| SignatureError::EmptyKey)?;
    let body_hash = hex::encode(Sha256::digest(body));
    for (index, part) in [method, path_and_query, timestamp, nonce, body_hash.as_str()].iter().enumerate() {
        if index > 0 {
            mac.update(b"\n");
        }
        mac.update(part.as_bytes());
    }
    if let Some(principal) = speaking_for {
        // Four more lines, each starting with a fixed tag: the body hash before them is fixed-length hex, so no
        // plain signature can be read as one that names an insurer, or the other way round.
        let lines = [
            ("insurer:", principal.insurer.as_str()),
            ("session:", principal.session.as_str()),
            ("clerk:", principal.clerk.as_str()),
            ("credential:", principal.credential.as_str()),
        ];
        for (tag, value) in lines {
            mac.update(b"\n");
            mac.update(tag.as_bytes());
            mac.update(value.as_bytes());
        }
    }
    Ok(mac)
}

/// Whom a signed request speaks for, when the edge calls the origin on behalf of an insurer's console session:
/// the insurer (its 保険者番号 as text), the edge's session id, the clerk who signed in and the credential the
/// session was opened with, sent in [`INSURER_HEADER`], [`INSURER_SESSION_HEADER`],
/// [`crate::insurer::DECIDED_BY_HEADER`] and [`INSURER_CREDENTIAL_HEADER`] and covered by the signature, so that
/// the name a hold decision is recorded under cannot be changed between edge and origin, and a session cannot be
/// moved onto another credential than the one it was opened with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The insurer.
    pub insurer: String,
    /// The edge's insurer console session.
    pub session: String,
    /// The clerk's name as the header carries it (UTF-8, percent-encoded).
    pub clerk: String,
    /// The public name of the credential the session was opened with, as the header carries it.
    pub credential: String,
}

/// Signs one request that speaks for `principal` ([`Principal`]); verified by [`verify_for_insurer`] only.
pub fn sign_for_insurer(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    now_unix: i64,
    nonce: &str,
    body: &[u8],
    principal: &Principal,
) -> Result<SignatureHeaders, SignatureError> {
    sign_with(key, method, path_and_query, now_unix, nonce, body, Some(principal))
}

/// [`verify`] for a request signed by [`sign_for_insurer`]: the insurer and session it names are part of what
/// was signed, so neither can be swapped on the way.
pub fn verify_for_insurer(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    headers: &SignatureHeaders,
    body: &[u8],
    now_unix: i64,
    principal: &Principal,
) -> Result<i64, SignatureError> {
    verify_with(key, method, path_and_query, headers, body, now_unix, Some(principal))
}

/// Signs one request. `nonce` must be unique per request (the caller draws it from a random source).
pub fn sign(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    now_unix: i64,
    nonce: &str,
    body: &[u8],
) -> Result<SignatureHeaders, SignatureError> {
    sign_with(key, method, path_and_query, now_unix, nonce, body, None)
}

/// The one signing step of [`sign`] and [`sign_for_insurer`], as `verify_with` is the one check of both.
fn sign_with(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    now_unix: i64,
    nonce: &str,
    body: &[u8],
    principal: Option<&Principal>,
) -> Result<SignatureHeaders, SignatureError> {
    let timestamp = now_unix.to_string();
    let tag =
        mac(SigningKeyBytes(key), method, path_and_query, &timestamp, nonce, body, principal)?.finalize().into_bytes();
    Ok(SignatureHeaders { timestamp, nonce: nonce.to_owned(), signature: hex::encode(tag) })
}

/// Verifies one request's signature and timestamp window (not the nonce's freshness: see the module docs).
/// Returns the parsed timestamp so the caller can expire its nonce record.
pub fn verify(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    headers: &SignatureHeaders,
    body: &[u8],
    now_unix: i64,
) -> Result<i64, SignatureError> {
    verify_with(key, method, path_and_query, headers, body, now_unix, None)
}

fn verify_with(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    headers: &SignatureHeaders,
    body: &[u8],
    now_unix: i64,
    speaking_for: Option<&Principal>,
) -> Result<i64, SignatureError> {
    let timestamp: i64 = headers.timestamp.parse().map_err(|_| SignatureError::Malformed)?;
    if headers.nonce.is_empty()
        || headers.nonce.len() > MAX_NONCE_LEN
        || !headers.nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(SignatureError::Malformed);
    }
    let tag = hex::decode(&headers.signature).map_err(|_| SignatureError::Malformed)?;
    // abs_diff cannot overflow, whatever timestamp a caller sends (i64::MIN included).
    if now_unix.abs_diff(timestamp) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    mac(SigningKeyBytes(key), method, path_and_query, &headers.timestamp, &headers.nonce, body, speaking_for)?
        .verify_slice(&tag)
        .map_err(|_| SignatureError::Mismatch)?;
    Ok(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test-origin-signing-key";
    /// The known answer for the JavaScript signer's default key (see the test that uses it).
    const EXPECTED_DEFAULT_KEY_HEX: &str = "f6a4aa164a9a468aa630be7c9ec626a322cc927e4fc631b559e5536af88787e5";

    #[test]
    fn a_request_signed_for_one_audience_does_not_verify_for_another_under_the_same_secret() {
        let secret = b"one-secret-shared-by-mistake-between-two-deployments";
        let production = request_key(secret, &Audience::parse("production").unwrap()).unwrap();
        let staging = request_key(secret, &Audience::parse("staging").unwrap()).unwrap();
        let headers = sign(staging.as_ref(), "POST", "/v1/x", 1_000, "n1", b"{}").unwrap();
        assert_eq!(verify(staging.as_ref(), "POST", "/v1/x", &headers, b"{}", 1_000), Ok(1_000));
        assert_eq!(verify(production.as_ref(), "POST", "/v1/x", &headers, b"{}", 1_000), Err(SignatureError::Mismatch));
        assert_eq!(
            verify(secret, "POST", "/v1/x", &headers, b"{}", 1_000),
            Err(SignatureError::Mismatch),
            "the secret itself signs nothing"
        );
        assert_eq!(
            request_key(secret, &Audience::default()).unwrap(),
            request_key(secret, &Audience::parse("onshi").unwrap()).unwrap()
        );
    }

    #[test]
    fn the_request_key_is_hkdf_sha256_as_the_javascript_signer_derives_it() {
        // The same derivation, computed once with Node's crypto.hkdfSync('sha256', secret, '', info, 32), so the
        // launcher's and the tests' signer (xtask/origin-signature.mjs) and this one cannot drift apart.
        let key = request_key(b"edge-test-origin-signing-key-0001", &Audience::default()).unwrap();
        assert_eq!(hex::encode(key.as_ref()), EXPECTED_DEFAULT_KEY_HEX);
    }

    #[test]
    fn audiences_are_short_lower_case_names() {
        for good in ["onshi", "production", "staging-osaka", "prod.tokyo_1"] {
            assert_eq!(Audience::parse(good).unwrap().as_str(), good);
        }
        let too_long = "a".repeat(MAX_AUDIENCE_LEN + 1);
        for bad in ["", "Production", "prod tokyo", "prod/tokyo", "本番", too_long.as_str()] {
            assert_eq!(Audience::parse(bad), Err(AudienceError), "{bad:?}");
        }
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_breaks_it() {
        let headers = sign(KEY, "POST", "/v1/x", 1_000, "n1", b"{}").unwrap();
        assert_eq!(verify(KEY, "POST", "/v1/x", &headers, b"{}", 1_030), Ok(1_000));
        assert_eq!(verify(KEY, "POST", "/v1/x", &headers, b"{ }", 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(KEY, "GET", "/v1/x", &headers, b"{}", 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(KEY, "POST", "/v1/y", &headers, b"{}", 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(b"other", "POST", "/v1/x", &headers, b"{}", 1_000), Err(SignatureError::Mismatch));
        let mut other_nonce = headers.clone();
        other_nonce.nonce = "n2".into();
        assert_eq!(verify(KEY, "POST", "/v1/x", &other_nonce, b"{}", 1_000), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_signature_for_an_insurer_binds_the_insurer_session_clerk_and_credential() {
        let principal = Principal {
            insurer: "06139996".into(),
            session: "s1".into(),
            clerk: "%E9%88%B4%E6%9C%A8".into(),
            credential: "0123456789ab".into(),
        };
        let headers = sign_for_insurer(KEY, "GET", "/insurer/v1/holds", 1_000, "n1", b"", &principal).unwrap();
        assert_eq!(verify_for_insurer(KEY, "GET", "/insurer/v1/holds", &headers, b"", 1_000, &principal), Ok(1_000));
        let other_insurer = Principal { insurer: "06139997".into(), ..principal.clone() };
        let other_session = Principal { session: "s2".into(), ..principal.clone() };
        let other_clerk = Principal { clerk: "%E4%BD%90%E8%97%A4".into(), ..principal.clone() };
        let other_credential = Principal { credential: "ba9876543210".into(), ..principal.clone() };
        for wrong in [other_insurer, other_session, other_clerk, other_credential] {
            assert_eq!(
                verify_for_insurer(KEY, "GET", "/insurer/v1/holds", &headers, b"", 1_000, &wrong),
                Err(SignatureError::Mismatch)
            );
        }
        // A plain signature is not one that speaks for an insurer, nor the other way round.
        assert_eq!(verify(KEY, "GET", "/insurer/v1/holds", &headers, b"", 1_000), Err(SignatureError::Mismatch));
        let plain = sign(KEY, "GET", "/insurer/v1/holds", 1_000, "n1", b"").unwrap();
        assert_eq!(
            verify_for_insurer(KEY, "GET", "/insurer/v1/holds", &plain, b"", 1_000, &principal),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_window_is_sixty_seconds_either_way() {
        let headers = sign(KEY, "POST", "/p", 1_000, "n", b"").unwrap();
        assert!(verify(KEY, "POST", "/p", &headers, b"", 1_060).is_ok());
        assert!(verify(KEY, "POST", "/p", &headers, b"", 940).is_ok());
        assert_eq!(verify(KEY, "POST", "/p", &headers, b"", 1_061), Err(SignatureError::Stale));
        assert_eq!(verify(KEY, "POST", "/p", &headers, b"", 939), Err(SignatureError::Stale));
    }

    #[test]
    fn extreme_timestamps_are_stale_not_a_panic() {
        for extreme in [i64::MIN, i64::MAX] {
            let mut headers = sign(KEY, "POST", "/p", 1_000, "n", b"").unwrap();
            headers.timestamp = extreme.to_string();
            assert_eq!(verify(KEY, "POST", "/p", &headers, b"", 1_000), Err(SignatureError::Stale));
            assert_eq!(
                verify(KEY, "POST", "/p", &headers, b"", i64::MIN),
                if extreme == i64::MIN { Err(SignatureError::Mismatch) } else { Err(SignatureError::Stale) }
            );
        }
    }

    #[test]
    fn malformed_headers_and_empty_keys_are_refused() {
        let good = sign(KEY, "POST", "/p", 1_000, "n", b"").unwrap();
        let mut bad = good.clone();
        bad.timestamp = "soon".into();
        assert_eq!(verify(KEY, "POST", "/p", &bad, b"", 1_000), Err(SignatureError::Malformed));
        let mut bad = good.clone();
        bad.signature = "zz".into();
        assert_eq!(verify(KEY, "POST", "/p", &bad, b"", 1_000), Err(SignatureError::Malformed));
        let mut bad = good.clone();
        bad.nonce = "a b".into();
        assert_eq!(verify(KEY, "POST", "/p", &bad, b"", 1_000), Err(SignatureError::Malformed));
        assert_eq!(sign(b"", "POST", "/p", 1, "n", b""), Err(SignatureError::EmptyKey));
        assert!(!format!("{good:?}").contains(&good.signature));
    }
}
