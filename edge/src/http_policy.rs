//! HTTP rules that do not depend on the runtime: which paths are API paths, body limits, JSON bodies and the
//! security headers on every response.

use serde::de::DeserializeOwned;

use crate::error::EdgeError;

/// Largest accepted request body on any API route, in bytes. A session request (certificate plus signature,
/// base64) is under 4 KiB.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Prefix of every API path; everything else is a static file.
pub const API_PREFIX: &str = "/api/";

/// Health check path.
pub const HEALTH_PATH: &str = "/api/v1/health";

/// Headers on every API response. Answers are personal and must not be stored by any cache.
///
/// `content-encoding: identity` keeps the platform from compressing them (Cloudflare, and Miniflare after it,
/// compress JSON unless the response already names an encoding). API answers carry session tokens and personal
/// data next to fields the caller chose, which is the setting of compression length attacks (BREACH); and they are
/// a few hundred bytes, so compressing them saves nothing and costs time on both ends.
pub const API_RESPONSE_HEADERS: &[(&str, &str)] = &[
    ("content-type", "application/json; charset=utf-8"),
    ("cache-control", "no-store"),
    ("content-encoding", "identity"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    ("strict-transport-security", HSTS),
];

/// HSTS on every answer: two years, subdomains included. Browsers ignore it over plain `http://` (the local
/// stack), and over HTTPS it keeps a kiosk from ever being downgraded onto a hostile network's plain HTTP.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// What the kiosk's pages may use beyond the page itself: WebUSB for the reader and the camera for the staff's
/// 目視 view, both for this origin only; everything else a hostile script could reach for is off.
pub const PERMISSIONS_POLICY: &str =
    "usb=(self), camera=(self), microphone=(), geolocation=(), payment=(), serial=(), hid=(), bluetooth=()";

/// Content Security Policy of the kiosk's pages: its own scripts and wasm only, no framing.
/// `base-uri` and `form-action` close the two ways an injected tag could send a page's links or a form (a PIN pad is
/// one) elsewhere without running a script.
pub const KIOSK_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Headers added to every static file response. `cross-origin-opener-policy` puts a kiosk or console page in a
/// browsing context group of its own: a page of another site that opened it (or that it opened) holds no handle to
/// its window to navigate it or count its frames.
pub const STATIC_RESPONSE_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", KIOSK_CSP),
    ("cross-origin-opener-policy", "same-origin"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("strict-transport-security", HSTS),
    ("permissions-policy", PERMISSIONS_POLICY),
];

/// True for paths served by the API router rather than the static files.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with(API_PREFIX) || path == "/api"
}

/// True when a browser's `Origin` header names the origin the request was sent to. `null` (sandboxed frames,
/// some redirects) and any other origin are refused; the comparison ignores ASCII case, as origins do.
pub fn same_origin(origin_header: &str, own_origin: &str) -> bool {
    let given = origin_header.trim().trim_end_matches('/');
    given != "null" && given.eq_ignore_ascii_case(own_origin)
}

/// Headers a kiosk on an allowed other origin may send; everything the API reads.
pub const CORS_ALLOWED_HEADERS: &str = "authorization, content-type, x-onshi-device-id, x-onshi-device-time, x-onshi-device-nonce, \
     x-onshi-device-signature";
/// Methods the API answers.
pub const CORS_ALLOWED_METHODS: &str = "GET, POST";
/// How long a browser may reuse a preflight answer, in seconds.
pub const CORS_MAX_AGE_SECS: &str = "600";

/// The kiosk origins allowed to call the API besides the edge's own: a kiosk packaged as an Isolated Web App
/// runs at `isolated-app://<bundle id>`, not at the edge's origin. Binding `KIOSK_ORIGINS`: origins separated by
/// commas or white space; unset means the edge's own origin only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KioskOrigins {
    /// Lower-case `scheme://host[:port]`, without a trailing slash.
    allowed: Vec<String>,
}

/// How a browser request's `Origin` is treated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsVerdict {
    /// No `Origin`, or the edge's own: answered as it always was, with no CORS headers.
    SameOrigin,
    /// A configured kiosk origin: answered with `Access-Control-Allow-Origin` naming it.
    Allowed(String),
}

impl KioskOrigins {
    /// Parses the binding. Each entry must be a bare origin (`scheme://host[:port]`, no path, query or
    /// credentials); `null` and wildcards are refused, because they would let any page drive a kiosk's key. Only
    /// `isolated-app://` and `https://` are taken, and `http://` for a loopback host alone: a kiosk page served
    /// over plain HTTP across a network can be rewritten on the way, and the rewritten page would hold the kiosk's
    /// device key and card sessions.
    pub fn parse(value: Option<&str>) -> Result<Self, EdgeError> {
        let invalid = EdgeError::Config(
            "KIOSK_ORIGINS must list origins like isolated-app://<id> or https://host (http:// only for localhost)",
        );
        let mut allowed = Vec::new();
        for entry in
            value.unwrap_or_default().split(|c: char| c == ',' || c.is_whitespace()).filter(|entry| !entry.is_empty())
        {
            let entry = entry.trim_end_matches('/').to_ascii_lowercase();
            let (scheme, authority) = entry.split_once("://").ok_or_else(|| invalid.clone())?;
            let well_formed = !scheme.is_empty()
                && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
                && !authority.is_empty()
                && authority.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b));
            let scheme_allowed = match scheme {
                "https" | "isolated-app" => true,
                "http" => is_loopback_authority(authority),
                _ => false,
            };
            if !well_formed || !scheme_allowed {
                return Err(invalid);
            }
            allowed.push(entry);
        }
        Ok(Self { allowed })
    }

    /// Judges a request's `Origin` header against the edge's own origin and the configured kiosk origins; any
    /// other origin (and `null`) is refused.
    pub fn judge(&self, origin_header: Option<&str>, own_origin: &str) -> Result<CorsVerdict, EdgeError> {
        let Some(origin) = origin_header else {
            return Ok(CorsVerdict::SameOrigin);
        };
        if same_origin(origin, own_origin) {
            return Ok(CorsVerdict::SameOrigin);
        }
        let given = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        if self.allowed.contains(&given) { Ok(CorsVerdict::Allowed(given)) } else { Err(EdgeError::CrossOrigin) }
    }
}

/// True when `authority` (`host[:port]`) names this machine: `localhost`, an IPv4 address in 127.0.0.0/8 or
/// `[::1]`. Anything else, a name that merely resolves to a loopback address included, is not.
pub fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']').map_or("", |(host, _)| host),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback())
}

/// The headers of an answer to an allowed kiosk origin; `preflight` adds what an `OPTIONS` answer carries.
pub fn cors_headers(allowed_origin: &str, preflight: bool) -> Vec<(&'static str, String)> {
    let mut headers = vec![("access-control-allow-origin", allowed_origin.to_owned()), ("vary", "Origin".to_owned())];
    if preflight {
        headers.push(("access-control-allow-methods", CORS_ALLOWED_METHODS.to_owned()));
        headers.push(("access-control-allow-headers", CORS_ALLOWED_HEADERS.to_owned()));
        headers.push(("access-control-max-age", CORS_MAX_AGE_SECS.to_owned()));
    }
    headers
}

/// Bodies up to this size are read to their end even when they are too large, so that the client gets a clean
/// 413 instead of a connection reset while it is still sending; larger bodies are cut off unread.
pub const MAX_DRAINED_BYTES: usize = 64 * 1024;

/// Refuses, before reading it, a body whose declared `Content-Length` is too large even to drain.
pub fn check_declared_length(content_length: Option<&str>) -> Result<(), EdgeError> {
    check_declared_length_within(content_length, MAX_BODY_BYTES)
}

/// [`check_declared_length`] for a route that reads up to `limit` bytes (a batch upload): a body declared longer
/// than the limit, and longer than [`MAX_DRAINED_BYTES`], is refused before it is read.
pub fn check_declared_length_within(content_length: Option<&str>, limit: usize) -> Result<(), EdgeError> {
    match content_length.map(|text| text.trim().parse::<u64>()) {
        None => Ok(()),
        Some(Ok(length)) if length <= limit.max(MAX_DRAINED_BYTES) as u64 => Ok(()),
        Some(Ok(_)) => Err(EdgeError::PayloadTooLarge { limit }),
        Some(Err(_)) => Err(EdgeError::BadRequest),
    }
}

/// Collects a streamed body (the declared length may be absent or wrong), keeping at most its limit
/// ([`MAX_BODY_BYTES`] unless [`BodyCollector::within`] says otherwise).
#[derive(Debug)]
pub struct BodyCollector {
    bytes: Vec<u8>,
    seen: usize,
    limit: usize,
}

impl Default for BodyCollector {
    fn default() -> Self {
        Self::within(MAX_BODY_BYTES)
    }
}

impl BodyCollector {
    /// A collector that keeps at most `limit` bytes.
    pub fn within(limit: usize) -> Self {
        Self { bytes: Vec::new(), seen: 0, limit }
    }

    /// Adds one chunk. An error means "stop reading": the body is past the limit and past [`MAX_DRAINED_BYTES`].
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), EdgeError> {
        self.seen = self.seen.saturating_add(chunk.len());
        if self.seen > self.limit.max(MAX_DRAINED_BYTES) {
            return Err(EdgeError::PayloadTooLarge { limit: self.limit });
        }
        if self.seen <= self.limit {
            self.bytes.extend_from_slice(chunk);
        }
        Ok(())
    }

    /// The whole body, or `payload_too_large` when it was longer than the limit.
    pub fn finish(self) -> Result<Vec<u8>, EdgeError> {
        if self.seen > self.limit { Err(EdgeError::PayloadTooLarge { limit: self.limit }) } else { Ok(self.bytes) }
    }
}

/// Parses a JSON body; malformed JSON or unknown fields are a bad request.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, EdgeError> {
    serde_json::from_slice(body).map_err(|_| EdgeError::BadRequest)
}

/// Like [`parse_json`], but an empty body means the type's default.
pub fn parse_json_or_default<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, EdgeError> {
    if body.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { parse_json(body) }
}

#[cfg(test)]
mod tests {
    use onshi_proto::api::{QualificationRequest, SessionRequest};

    use super::*;

    #[test]
    fn api_paths_are_told_apart_from_static_files() {
        assert!(is_api_path("/api/v1/session"));
        assert!(is_api_path("/api"));
        assert!(!is_api_path("/"));
        assert!(!is_api_path("/apidocs.html"));
        assert!(!is_api_path("/index.html"));
    }

    #[test]
    fn only_same_origin_browser_requests_pass() {
        assert!(same_origin("http://127.0.0.1:8787", "http://127.0.0.1:8787"));
        assert!(same_origin("HTTPS://Kiosk.Example", "https://kiosk.example"));
        assert!(!same_origin("http://127.0.0.1:8788", "http://127.0.0.1:8787"));
        assert!(!same_origin("https://evil.example", "https://kiosk.example"));
        assert!(!same_origin("null", "null"));
    }

    #[test]
    fn configured_kiosk_origins_pass_and_others_are_refused() {
        let origins = KioskOrigins::parse(Some("isolated-app://abcdefghijklmnop, https://Kiosk.Example/")).unwrap();
        let own = "https://edge.example";
        assert_eq!(origins.judge(None, own), Ok(CorsVerdict::SameOrigin));
        assert_eq!(origins.judge(Some("https://edge.example"), own), Ok(CorsVerdict::SameOrigin));
        assert_eq!(
            origins.judge(Some("isolated-app://ABCDEFGHIJKLMNOP"), own),
            Ok(CorsVerdict::Allowed("isolated-app://abcdefghijklmnop".into()))
        );
        assert_eq!(
            origins.judge(Some("https://kiosk.example"), own),
            Ok(CorsVerdict::Allowed("https://kiosk.example".into()))
        );
        for refused in ["https://evil.example", "isolated-app://other", "null", "https://kiosk.example.evil"] {
            assert_eq!(origins.judge(Some(refused), own), Err(EdgeError::CrossOrigin), "{refused}");
        }
        let none = KioskOrigins::parse(None).unwrap();
        assert_eq!(none, KioskOrigins::default());
        assert_eq!(none.judge(Some("isolated-app://abcdefghijklmnop"), own), Err(EdgeError::CrossOrigin));
    }

    #[test]
    fn kiosk_origins_must_be_bare_origins_over_https_or_of_an_installed_app() {
        for bad in [
            "*",
            "null",
            "kiosk.example",
            "https://",
            "https://a.example/path",
            "https://u@a.example",
            "http://kiosk.example",
            "http://192.168.1.20:8080",
            "http://localhost.evil.example",
            "ftp://kiosk.example",
            "chrome-extension://abcdefghijklmnop",
        ] {
            assert!(matches!(KioskOrigins::parse(Some(bad)), Err(EdgeError::Config(_))), "{bad}");
        }
        for loopback in ["http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787", "http://localhost"] {
            let origins = KioskOrigins::parse(Some(loopback)).unwrap();
            assert_eq!(
                origins.judge(Some(loopback), "https://edge.example"),
                Ok(CorsVerdict::Allowed(loopback.into()))
            );
        }
        assert_eq!(KioskOrigins::parse(Some(" , ")).unwrap(), KioskOrigins::default());
        let headers = cors_headers("isolated-app://x", true);
        assert!(headers.contains(&("access-control-allow-origin", "isolated-app://x".to_owned())));
        assert!(headers.iter().any(|(name, value)| *name == "access-control-allow-headers"
            && value.contains("x-onshi-device-signature")
            && value.contains("x-onshi-device-nonce")));
        assert_eq!(cors_headers("isolated-app://x", false).len(), 2);
    }

    #[test]
    fn a_route_with_a_larger_limit_reads_up_to_it_and_refuses_a_byte_more() {
        let limit = 1024 * 1024;
        let mut batch = BodyCollector::within(limit);
        batch.push(&vec![b'x'; limit]).unwrap();
        assert_eq!(batch.finish().map(|body| body.len()), Ok(limit));
        let mut batch = BodyCollector::within(limit);
        assert_eq!(batch.push(&vec![b'x'; limit + 1]), Err(EdgeError::PayloadTooLarge { limit }));
        assert_eq!(check_declared_length_within(Some("1048576"), limit), Ok(()));
        assert_eq!(check_declared_length_within(Some("1048577"), limit), Err(EdgeError::PayloadTooLarge { limit }));
    }

    #[test]
    fn bodies_over_16_kib_are_refused_whether_declared_or_streamed() {
        let too_large = EdgeError::PayloadTooLarge { limit: MAX_BODY_BYTES };
        assert_eq!(check_declared_length(None), Ok(()));
        assert_eq!(check_declared_length(Some("65536")), Ok(()));
        assert_eq!(check_declared_length(Some("65537")), Err(too_large.clone()));
        assert_eq!(check_declared_length(Some("lots")), Err(EdgeError::BadRequest));

        let mut exact = BodyCollector::default();
        exact.push(&[b'a'; MAX_BODY_BYTES - 1]).unwrap();
        exact.push(b"b").unwrap();
        assert_eq!(exact.finish().map(|body| body.len()), Ok(MAX_BODY_BYTES));

        // One byte over: read on (drained) but refused at the end.
        let mut over = BodyCollector::default();
        over.push(&[b'a'; MAX_BODY_BYTES]).unwrap();
        over.push(b"c").unwrap();
        assert_eq!(over.finish(), Err(too_large.clone()));

        // Far over: reading stops.
        let mut flood = BodyCollector::default();
        flood.push(&[b'a'; MAX_DRAINED_BYTES]).unwrap();
        assert_eq!(flood.push(b"d"), Err(too_large));
    }

    #[test]
    fn json_bodies_are_strict_and_empty_ones_default_only_where_allowed() {
        assert_eq!(parse_json::<SessionRequest>(b"{not json"), Err(EdgeError::BadRequest));
        assert_eq!(
            parse_json::<SessionRequest>(br#"{"challenge_id":"a","certificate":"","signature":"","extra":1}"#),
            Err(EdgeError::BadRequest)
        );
        assert_eq!(parse_json_or_default::<QualificationRequest>(b" \n"), Ok(QualificationRequest::default()));
        assert_eq!(
            parse_json_or_default::<QualificationRequest>(br#"{"arbitrary_identifier":5}"#),
            Err(EdgeError::BadRequest)
        );
        assert_eq!(parse_json::<SessionRequest>(b""), Err(EdgeError::BadRequest));
    }
}
