//! Calls to the origin: building the signed request, checking that the answer is the origin's own answer to it
//! ([`OriginClient::authenticate`]), and turning whatever happened into a typed result.
//!
//! Pure: the clock and the nonce's randomness are passed in, and the adapter performs the actual fetch and
//! reports an [`OriginOutcome`]. The request carries a fresh header set: only [`FORWARDED_HEADERS`] are copied
//! from the kiosk's request, so its `Authorization`, cookies or any spoofed signature header never reach the
//! origin.

use onshi_proto::answer_signing::verify_answer;
use onshi_proto::signing::{self, Audience};
use onshi_proto::{ApiError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::EdgeError;
use crate::http_policy::is_loopback_authority;
use crate::secret::SecretBytes;

/// Origin timeout when `ORIGIN_TIMEOUT_MS` is not set.
pub const DEFAULT_ORIGIN_TIMEOUT_MS: u32 = 3_000;
/// Longest accepted `ORIGIN_TIMEOUT_MS`; a kiosk user should never wait longer than this.
pub const MAX_ORIGIN_TIMEOUT_MS: u32 = 30_000;
/// Shortest accepted `ORIGIN_SIGNING_KEY`, in bytes.
pub const MIN_ORIGIN_KEY_LEN: usize = 32;
/// Random bytes behind a request nonce.
pub const NONCE_RANDOM_LEN: usize = 16;
/// Request headers copied from the kiosk to the origin (lower case). Everything else is dropped.
pub const FORWARDED_HEADERS: &[&str] = &["accept-language", "x-request-id"];
/// Longest forwarded header value; longer values are dropped rather than truncated.
const MAX_FORWARDED_VALUE_LEN: usize = 256;

/// One request to the origin, ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct OriginRequest {
    /// HTTP method.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body bytes (JSON).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for OriginRequest {
    /// Shows header names only: the body holds a card identity and the headers a signature.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("OriginRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl OriginRequest {
    /// The value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// What happened when the adapter sent an [`OriginRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginOutcome {
    /// No connection could be made (refused, DNS, TLS, reset before an answer).
    Unreachable,
    /// No answer within the timeout; the request was aborted.
    TimedOut,
    /// The origin answered.
    Answered {
        /// HTTP status.
        status: u16,
        /// Body bytes.
        body: Vec<u8>,
        /// [`onshi_proto::answer_signing::ANSWER_SIGNATURE_HEADER`], as it came.
        signature: Option<String>,
    },
    /// Something answered, but not with the origin's signature over this request: the answer was changed on the
    /// way, answers another request, or does not come from the origin at all. Nothing of it is used.
    Unverified {
        /// The HTTP status it came with.
        status: u16,
    },
}

/// Builds signed requests to one origin.
#[derive(Debug)]
pub struct OriginClient {
    base_url: String,
    /// The request key for the origin's audience (`signing::request_key`), never the configured secret itself.
    signing_key: SecretBytes,
}

impl OriginClient {
    /// `base_url` is `https://host[:port]` with no path, query or fragment: the signature covers the path the
    /// origin sees, so a base path would break it. Plain `http://` is accepted only for a loopback host (an origin
    /// on the same machine, as in development and the tests): anywhere else a network attacker could read every
    /// answer and forge the certificate status.
    pub fn new(base_url: &str, signing_secret: SecretBytes, audience: &Audience) -> Result<Self, EdgeError> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let (authority, encrypted) = match (trimmed.strip_prefix("https://"), trimmed.strip_prefix("http://")) {
            (Some(authority), _) => (authority, true),
            (None, Some(authority)) => (authority, false),
            (None, None) => return Err(EdgeError::Config("ORIGIN_URL must start with https://")),
        };
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return Err(EdgeError::Config("ORIGIN_URL must be scheme://host[:port] without a path"));
        }
        if !encrypted && !is_loopback_authority(authority) {
            return Err(EdgeError::Config("ORIGIN_URL must use https:// unless the origin is on a loopback address"));
        }
        if signing_secret.len() < MIN_ORIGIN_KEY_LEN {
            return Err(EdgeError::Config("ORIGIN_SIGNING_KEY is shorter than 32 bytes"));
        }
        let signing_key = signing::request_key(signing_secret.expose(), audience)
            .map_err(|_| EdgeError::Config("no request key derives from ORIGIN_SIGNING_KEY"))?;
        let signing_key = SecretBytes::new(signing_key.to_vec());
        Ok(Self { base_url: trimmed.to_owned(), signing_key })
    }

    /// A signed `POST` of `body` as JSON to `path` (which starts with `/`).
    pub fn post_json<T: Serialize>(
        &self,
        path: &str,
        body: &T,
        forwarded: Vec<(String, String)>,
        now_unix: i64,
        nonce_random: [u8; NONCE_RANDOM_LEN],
    ) -> Result<OriginRequest, EdgeError> {
        let body = serde_json::to_vec(body).map_err(|_| EdgeError::Runtime("origin request does not serialise"))?;
        let nonce = hex::encode(nonce_random);
        let signature = signing::sign(self.signing_key.expose(), "POST", path, now_unix, &nonce, &body)
            .map_err(|_| EdgeError::Config("ORIGIN_SIGNING_KEY is unusable"))?;
        let mut headers = forwarded;
        headers.extend([
            ("content-type".to_owned(), "application/json".to_owned()),
            ("accept".to_owned(), "application/json".to_owned()),
            (signing::TIMESTAMP_HEADER.to_owned(), signature.timestamp.clone()),
            (signing::NONCE_HEADER.to_owned(), signature.nonce.clone()),
            (signing::SIGNATURE_HEADER.to_owned(), signature.signature.clone()),
        ]);
        Ok(OriginRequest { method: "POST", url: format!("{}{path}", self.base_url), headers, body })
    }
}

impl OriginClient {
    /// A signed request to an insurer route that speaks for `principal` (the insurer and the edge's session,
    /// [`signing::sign_for_insurer`]): the origin then serves that insurer and no other. `content_type` goes with a
    /// body; a `GET` has none.
    #[allow(clippy::too_many_arguments, reason = "one request, each argument a part of it")]
    pub fn for_insurer(
        &self,
        method: &'static str,
        path_and_query: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
        principal: &signing::Principal,
        forwarded: Vec<(String, String)>,
        now_unix: i64,
        nonce_random: [u8; NONCE_RANDOM_LEN],
    ) -> Result<OriginRequest, EdgeError> {
        let nonce = hex::encode(nonce_random);
        let signature = signing::sign_for_insurer(
            self.signing_key.expose(),
            method,
            path_and_query,
            now_unix,
            &nonce,
            &body,
            principal,
        )
        .map_err(|_| EdgeError::Config("ORIGIN_SIGNING_KEY is unusable"))?;
        let mut headers = forwarded;
        if let Some(content_type) = content_type {
            headers.push(("content-type".to_owned(), content_type.to_owned()));
        }
        headers.extend([
            ("accept".to_owned(), "application/json".to_owned()),
            (signing::INSURER_HEADER.to_owned(), principal.insurer.clone()),
            (signing::INSURER_SESSION_HEADER.to_owned(), principal.session.clone()),
            (onshi_proto::insurer::DECIDED_BY_HEADER.to_owned(), principal.clerk.clone()),
            (signing::INSURER_CREDENTIAL_HEADER.to_owned(), principal.credential.clone()),
            (signing::TIMESTAMP_HEADER.to_owned(), signature.timestamp.clone()),
            (signing::NONCE_HEADER.to_owned(), signature.nonce.clone()),
            (signing::SIGNATURE_HEADER.to_owned(), signature.signature.clone()),
        ]);
        Ok(OriginRequest { method, url: format!("{}{path_and_query}", self.base_url), headers, body })
    }

    /// A `GET` of `path` with the insurer's own credential as its bearer token: how a sign-in shows the origin the
    /// credential the clerk typed, once, to learn whose it is. The edge keeps no copy. The origin authorises it by
    /// the credential alone; the edge's signature rides along so that the answer, which names the insurer the
    /// session will speak for, comes back signed for this request ([`Self::authenticate`]).
    pub fn get_with_insurer_credential(
        &self,
        path: &str,
        credential: &str,
        now_unix: i64,
        nonce_random: [u8; NONCE_RANDOM_LEN],
    ) -> Result<OriginRequest, EdgeError> {
        let nonce = hex::encode(nonce_random);
        let signature = signing::sign(self.signing_key.expose(), "GET", path, now_unix, &nonce, b"")
            .map_err(|_| EdgeError::Config("ORIGIN_SIGNING_KEY is unusable"))?;
        Ok(OriginRequest {
            method: "GET",
            url: format!("{}{path}", self.base_url),
            headers: vec![
                ("accept".to_owned(), "application/json".to_owned()),
                ("authorization".to_owned(), format!("Bearer {credential}")),
                (signing::TIMESTAMP_HEADER.to_owned(), signature.timestamp),
                (signing::NONCE_HEADER.to_owned(), signature.nonce),
                (signing::SIGNATURE_HEADER.to_owned(), signature.signature),
            ],
            body: Vec::new(),
        })
    }

    /// Keeps an answer only when the origin signed it for the request the edge signed with `sent_signature` and
    /// sent; anything else becomes [`OriginOutcome::Unverified`]. No connection, no answer in time and a server
    /// failure (5xx) pass through as they are: they carry nothing the edge acts on (a 5xx body is never read), and a
    /// balancer or proxy in front of the origin says `503` without the origin's key, which the edge must still
    /// retry and report as the origin being unavailable.
    pub fn authenticate(&self, sent_signature: &str, outcome: OriginOutcome) -> OriginOutcome {
        let OriginOutcome::Answered { status, body, signature } = outcome else {
            return outcome;
        };
        if status >= 500 {
            return OriginOutcome::Answered { status, body, signature };
        }
        match verify_answer(self.signing_key.expose(), sent_signature, status, &body, signature.as_deref()) {
            Ok(()) => OriginOutcome::Answered { status, body, signature },
            Err(_) => OriginOutcome::Unverified { status },
        }
    }
}

/// Keeps only the allow-listed kiosk headers, with lower-case names and short, printable values.
pub fn forwardable_headers(incoming: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    incoming
        .into_iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .filter(|(name, value)| {
            FORWARDED_HEADERS.contains(&name.as_str())
                && value.len() <= MAX_FORWARDED_VALUE_LEN
                && value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        })
        .collect()
}

/// Parses `ORIGIN_TIMEOUT_MS`; absent means [`DEFAULT_ORIGIN_TIMEOUT_MS`].
pub fn parse_timeout_ms(value: Option<&str>) -> Result<u32, EdgeError> {
    let Some(text) = value.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(DEFAULT_ORIGIN_TIMEOUT_MS);
    };
    match text.parse::<u32>() {
        Ok(ms) if (1..=MAX_ORIGIN_TIMEOUT_MS).contains(&ms) => Ok(ms),
        _ => Err(EdgeError::Config("ORIGIN_TIMEOUT_MS must be a whole number from 1 to 30000")),
    }
}

/// Turns an outcome into the expected answer or a typed error.
///
/// 2xx with a body of type `T` → the answer; 4xx with an [`ApiError`] body → that code, passed on (except
/// `unauthorized`, which means the origin refused the edge's own signature: nothing the kiosk can fix, so it
/// becomes `origin_error`; and `device_not_enrolled`, which only the edge may say about a kiosk, since the kiosk
/// forgets its enrolment when it hears it); anything else → `origin_error`.
pub fn interpret_outcome<T: DeserializeOwned>(outcome: OriginOutcome) -> Result<T, EdgeError> {
    match outcome {
        OriginOutcome::Unreachable => Err(EdgeError::OriginUnavailable),
        OriginOutcome::TimedOut => Err(EdgeError::OriginTimeout),
        OriginOutcome::Unverified { status } => Err(EdgeError::OriginUnverified { status }),
        OriginOutcome::Answered { status, body, .. } => match status {
            200..=299 => serde_json::from_slice(&body).map_err(|_| EdgeError::OriginError { status }),
            400..=499 => match serde_json::from_slice::<ApiError>(&body) {
                Ok(ApiError { error: ErrorCode::Unauthorized | ErrorCode::DeviceNotEnrolled, .. }) | Err(_) => {
                    Err(EdgeError::OriginError { status })
                }
                Ok(ApiError { error, .. }) => Err(EdgeError::OriginRefused(error)),
            },
            _ => Err(EdgeError::OriginError { status }),
        },
    }
}

#[cfg(test)]
mod tests {
    use onshi_proto::origin::{CertificateStatus, CertificateStatusAnswer};

    use super::*;

    const KEY: &[u8] = b"origin-signing-key-for-the-proxy-tests";

    fn client() -> OriginClient {
        OriginClient::new("http://127.0.0.1:8787/", SecretBytes::new(KEY.to_vec()), &Audience::default()).unwrap()
    }

    #[test]
    fn a_built_request_carries_a_signature_the_origin_accepts() {
        let body = serde_json::json!({"hello": "world"});
        let request = client().post_json("/v1/certificate-status", &body, vec![], 1_000, [0xab; 16]).unwrap();
        assert_eq!(request.url, "http://127.0.0.1:8787/v1/certificate-status");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header(signing::NONCE_HEADER), Some("ab".repeat(16).as_str()));
        let headers = signing::SignatureHeaders {
            timestamp: request.header(signing::TIMESTAMP_HEADER).unwrap().to_owned(),
            nonce: request.header(signing::NONCE_HEADER).unwrap().to_owned(),
            signature: request.header(signing::SIGNATURE_HEADER).unwrap().to_owned(),
        };
        let verify_for =
            |key: &[u8]| signing::verify(key, "POST", "/v1/certificate-status", &headers, &request.body, 1_010);
        let default_key = signing::request_key(KEY, &Audience::default()).unwrap();
        assert_eq!(verify_for(default_key.as_ref()), Ok(1_000));
        // An origin of another deployment that shares the secret by mistake refuses it, and so would an origin
        // that took the secret itself as its key.
        let staging = signing::request_key(KEY, &Audience::parse("staging").unwrap()).unwrap();
        assert_eq!(verify_for(staging.as_ref()), Err(signing::SignatureError::Mismatch));
        assert_eq!(verify_for(KEY), Err(signing::SignatureError::Mismatch));
        assert!(!format!("{request:?}").contains(&headers.signature));
    }

    #[test]
    fn only_allow_listed_kiosk_headers_are_forwarded() {
        let incoming = vec![
            ("Authorization".to_owned(), "Bearer secret".to_owned()),
            ("Cookie".to_owned(), "a=b".to_owned()),
            ("X-Onshi-Signature".to_owned(), "spoofed".to_owned()),
            ("Accept-Language".to_owned(), "ja-JP".to_owned()),
            ("X-Request-Id".to_owned(), "bad\nvalue".to_owned()),
        ];
        let forwarded = forwardable_headers(incoming);
        assert_eq!(forwarded, vec![("accept-language".to_owned(), "ja-JP".to_owned())]);
        let request = client().post_json("/v1/x", &(), forwarded, 1, [0; 16]).unwrap();
        assert_eq!(request.header("authorization"), None);
        assert_ne!(request.header(signing::SIGNATURE_HEADER), Some("spoofed"));
    }

    #[test]
    fn origin_urls_with_paths_or_other_schemes_and_short_keys_are_refused() {
        for url in ["ftp://host", "http://", "http://host/base", "http://host?x", "host:8787", "http://u@host"] {
            let result = OriginClient::new(url, SecretBytes::new(KEY.to_vec()), &Audience::default());
            assert!(matches!(result, Err(EdgeError::Config(_))), "{url}");
        }
        assert!(
            OriginClient::new("https://origin.example:8443", SecretBytes::new(KEY.to_vec()), &Audience::default())
                .is_ok()
        );
        assert!(matches!(
            OriginClient::new("http://127.0.0.1", SecretBytes::new(vec![1; 31]), &Audience::default()),
            Err(EdgeError::Config(_))
        ));
    }

    #[test]
    fn plain_http_is_refused_for_any_origin_off_this_machine() {
        for url in [
            "http://origin.example.jp",
            "http://origin.example.jp:8787",
            "http://10.0.0.5:8788",
            "http://192.168.1.1",
            "http://[2001:db8::1]:8788",
            "http://localhost.example.jp",
            "http://127.0.0.1.nip.io",
        ] {
            assert_eq!(
                OriginClient::new(url, SecretBytes::new(KEY.to_vec()), &Audience::default()).map(|_| ()),
                Err(EdgeError::Config("ORIGIN_URL must use https:// unless the origin is on a loopback address")),
                "{url}"
            );
        }
        for url in ["http://127.0.0.1:8788", "http://127.1.2.3", "http://localhost:8788", "http://[::1]:8788"] {
            assert!(OriginClient::new(url, SecretBytes::new(KEY.to_vec()), &Audience::default()).is_ok(), "{url}");
        }
        assert!(
            OriginClient::new("https://origin.example.jp", SecretBytes::new(KEY.to_vec()), &Audience::default())
                .is_ok()
        );
    }

    #[test]
    fn timeouts_default_to_three_seconds_and_must_be_sane() {
        assert_eq!(parse_timeout_ms(None), Ok(3_000));
        assert_eq!(parse_timeout_ms(Some(" ")), Ok(3_000));
        assert_eq!(parse_timeout_ms(Some("250")), Ok(250));
        for bad in ["0", "-1", "abc", "30001"] {
            assert!(matches!(parse_timeout_ms(Some(bad)), Err(EdgeError::Config(_))), "{bad}");
        }
    }

    #[test]
    fn outcomes_map_to_typed_results() {
        let answered =
            |status, body: &str| OriginOutcome::Answered { status, body: body.as_bytes().to_vec(), signature: None };
        let good: Result<CertificateStatusAnswer, _> = interpret_outcome(answered(200, r#"{"status":"revoked"}"#));
        assert_eq!(good.unwrap().status, CertificateStatus::Revoked);
        let check = |outcome, expected: EdgeError| {
            assert_eq!(interpret_outcome::<CertificateStatusAnswer>(outcome), Err(expected));
        };
        check(OriginOutcome::Unreachable, EdgeError::OriginUnavailable);
        check(OriginOutcome::TimedOut, EdgeError::OriginTimeout);
        check(answered(200, "<html>"), EdgeError::OriginError { status: 200 });
        check(answered(500, r#"{"error":"internal","message":"x"}"#), EdgeError::OriginError { status: 500 });
        check(answered(302, ""), EdgeError::OriginError { status: 302 });
        check(
            answered(423, r#"{"error":"record_held","message":"m"}"#),
            EdgeError::OriginRefused(ErrorCode::RecordHeld),
        );
        check(answered(401, r#"{"error":"unauthorized","message":"m"}"#), EdgeError::OriginError { status: 401 });
        check(
            answered(401, r#"{"error":"device_not_enrolled","message":"m"}"#),
            EdgeError::OriginError { status: 401 },
        );
        check(answered(404, "not json"), EdgeError::OriginError { status: 404 });
        check(OriginOutcome::Unverified { status: 200 }, EdgeError::OriginUnverified { status: 200 });
    }

    #[test]
    fn only_the_origins_own_answer_to_the_request_sent_is_kept() {
        use onshi_proto::answer_signing::sign_answer;
        let client = client();
        let sent = client.post_json("/v1/certificate-status", &"x", vec![], 1_000, [1; NONCE_RANDOM_LEN]).unwrap();
        let earlier = client.post_json("/v1/certificate-status", &"x", vec![], 990, [2; NONCE_RANDOM_LEN]).unwrap();
        let signed_for = |request: &OriginRequest, key: &[u8], status, body: &str| OriginOutcome::Answered {
            status,
            body: body.as_bytes().to_vec(),
            signature: sign_answer(key, request.header(signing::SIGNATURE_HEADER).unwrap(), status, body.as_bytes())
                .ok(),
        };
        let revoked = r#"{"status":"revoked"}"#;
        let good = r#"{"status":"good"}"#;
        let sent_signature = sent.header(signing::SIGNATURE_HEADER).unwrap();
        let key = signing::request_key(KEY, &Audience::default()).unwrap();
        let genuine = signed_for(&sent, key.as_ref(), 200, revoked);
        assert_eq!(client.authenticate(sent_signature, genuine.clone()), genuine);

        // A network in between turns `revoked` into `good`, keeping the origin's signature.
        let OriginOutcome::Answered { signature, .. } = genuine else { unreachable!() };
        let rewritten = OriginOutcome::Answered { status: 200, body: good.as_bytes().to_vec(), signature };
        assert_eq!(client.authenticate(sent_signature, rewritten), OriginOutcome::Unverified { status: 200 });
        // It replays the origin's genuine `good` answer to an earlier request.
        let replayed = signed_for(&earlier, key.as_ref(), 200, good);
        assert_eq!(client.authenticate(sent_signature, replayed), OriginOutcome::Unverified { status: 200 });
        // It signs its own answer under a key it made up, or sends none.
        let made_up = signed_for(&sent, b"a-key-the-attacker-chose", 200, good);
        assert_eq!(client.authenticate(sent_signature, made_up), OriginOutcome::Unverified { status: 200 });
        let unsigned = OriginOutcome::Answered { status: 200, body: good.as_bytes().to_vec(), signature: None };
        assert_eq!(client.authenticate(sent_signature, unsigned), OriginOutcome::Unverified { status: 200 });
        // No answer carries nothing to trust or distrust, and neither does a balancer's unsigned 503: it is kept as a
        // failure to retry, its body never read.
        assert_eq!(client.authenticate(sent_signature, OriginOutcome::TimedOut), OriginOutcome::TimedOut);
        let busy = OriginOutcome::Answered { status: 503, body: b"no replica".to_vec(), signature: None };
        assert_eq!(client.authenticate(sent_signature, busy.clone()), busy);
        assert_eq!(interpret_outcome::<CertificateStatusAnswer>(busy), Err(EdgeError::OriginError { status: 503 }));
    }
}
