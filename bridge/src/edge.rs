//! The bridge's HTTP client to onshi's edge: enrolment, and one `POST` of one reader result or one health report
//! with its device proof.
//!
//! Adapter code: it sends what it is given and reports the status it got back; what a status means is the
//! outbox's to decide ([`crate::core::outbox`]). Synchronous (`ureq`, rustls with the webpki roots), with a
//! timeout on every call, no redirects followed (a proof signs one path) and no status turned into an error.

use std::time::Duration;

use onshi_proto::ApiError;
use onshi_proto::api::{ENROL_PATH, EnrolRequest, EnrolResponse};
use onshi_proto::bridge_health::{BRIDGE_HEALTH_PATH, BridgeHealth};
use onshi_proto::reader_result::{BRIDGE_READER_RESULT_PATH, ReaderResult};

use crate::clock;
use crate::core::outbox::Attempt;
use crate::device::{self, Enrolled};
use crate::error::BridgeError;

/// The longest one call may take, connection included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// A client of one edge.
#[derive(Debug)]
pub struct EdgeClient {
    agent: ureq::Agent,
    origin: String,
}

impl EdgeClient {
    /// A client of the edge at `origin` (already checked by [`device::edge_origin`]).
    pub fn new(origin: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(CALL_TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("onshi-bridge/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent, origin: origin.to_owned() }
    }

    /// `POST`s `body` as JSON to `path` with `headers`: the status and the body of the answer, or why none came.
    fn post(&self, path: &str, body: &[u8], headers: &[(&str, String)]) -> Result<(u16, String), String> {
        let mut request = self.agent.post(format!("{}{path}", self.origin)).header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let mut response = request.send(body).map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        // The answer's body matters only for enrolment and for a refusal's log line.
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Ok((status, text))
    }

    /// `POST`s `body` to `path` with a fresh device proof (time from the clock, a random nonce): what came back.
    fn post_proven(&self, enrolled: &Enrolled, path: &str, body: &[u8]) -> Attempt {
        let nonce = match device::new_nonce() {
            Ok(nonce) => nonce,
            Err(e) => return Attempt::Unreachable(e.to_string()),
        };
        let headers = match device::proof_headers(enrolled, "POST", path, body, clock::now_unix_secs(), &nonce) {
            Ok(headers) => headers,
            Err(e) => return Attempt::Unreachable(e.to_string()),
        };
        match self.post(path, body, &headers) {
            Ok((status, text)) => {
                let code = (!(200..300).contains(&status)).then(|| error_code(&text)).flatten();
                Attempt::Status { status, code }
            }
            Err(why) => Attempt::Unreachable(why),
        }
    }

    /// Sends one reader result with a fresh device proof.
    pub fn send_reader_result(&self, enrolled: &Enrolled, result: &ReaderResult) -> Attempt {
        match serde_json::to_vec(result) {
            Ok(body) => self.post_proven(enrolled, BRIDGE_READER_RESULT_PATH, &body),
            Err(e) => Attempt::Unreachable(format!("the result does not serialise: {e}")),
        }
    }

    /// Sends one health report with a fresh device proof (the edge answers 204).
    pub fn send_health(&self, enrolled: &Enrolled, health: &BridgeHealth) -> Attempt {
        match serde_json::to_vec(health) {
            Ok(body) => self.post_proven(enrolled, BRIDGE_HEALTH_PATH, &body),
            Err(e) => Attempt::Unreachable(format!("the health report does not serialise: {e}")),
        }
    }

    /// Enrols: sends the one-time `code` and the public key, and reads the device id and facility.
    pub fn enrol(&self, code: &str, public_key_spki: Vec<u8>) -> Result<EnrolResponse, BridgeError> {
        let request = EnrolRequest { code: code.to_owned(), public_key: public_key_spki.into(), role: None };
        let body = serde_json::to_vec(&request).map_err(|e| BridgeError::Edge(format!("enrolment request: {e}")))?;
        let (status, text) = self
            .post(ENROL_PATH, &body, &[])
            .map_err(|why| BridgeError::Edge(format!("the edge at {} cannot be reached: {why}", self.origin)))?;
        if !(200..300).contains(&status) {
            let said = serde_json::from_str::<ApiError>(&text)
                .map(|e| e.to_string())
                .unwrap_or_else(|_| error_code(&text).unwrap_or_else(|| "no error body".to_owned()));
            return Err(BridgeError::Edge(format!("the edge refused the enrolment (status {status}, {said})")));
        }
        serde_json::from_str(&text).map_err(|e| BridgeError::Edge(format!("the edge's enrolment answer: {e}")))
    }
}

/// The `error` of an error body (`{"error": "<code>", "message": "…"}`, [`ApiError`]), read loosely so that a code
/// this bridge does not know yet is still logged; only a short snake_case code is taken.
fn error_code(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let code = value.get("error")?.as_str()?;
    let plain = !code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    plain.then(|| code.to_owned())
}

/// `onshi-bridge enrol`: makes the device key, saves it (before the code is spent, so a key the edge knows is never
/// lost), enrols it with the one-time `code` at the edge `edge_url`, and writes `<state>/device.json`. Refuses when
/// the state folder already holds an enrolled device.
pub fn enrol(edge_url: &str, code: &str, state: &std::path::Path) -> Result<device::Device, BridgeError> {
    let origin = device::edge_origin(edge_url).ok_or_else(|| {
        BridgeError::Usage("--edge must be https://host[:port] (http:// only for a loopback host), no path".into())
    })?;
    crate::files::ensure_dirs(&[&state.to_path_buf()])?;
    if state.join(device::DEVICE_FILE).exists() {
        return Err(BridgeError::Usage(format!(
            "{} already holds an enrolled device; remove {} to enrol again",
            state.display(),
            device::DEVICE_FILE
        )));
    }
    let key = device::DeviceKey::generate()?;
    device::save_key(state, &key)?;
    let answer = EdgeClient::new(&origin).enrol(code, key.public_key_spki()?)?;
    let record = device::Device { device_id: answer.device_id, facility_code: answer.facility_code, edge: origin };
    device::save_device(state, &record)?;
    Ok(record)
}
