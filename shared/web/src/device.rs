//! A browser app's device identity: a non-extractable ECDSA P-256 key made in WebCrypto, kept in IndexedDB, enrolled
//! once with a facility admin's one-time code (issued for the app's role), and used to sign every later call to the
//! edge. The kiosk, the staff console and the insurer console each keep theirs in their own database
//! ([`DeviceStore`]).
//!
//! Layer: shared browser I/O adapter (WebCrypto, IndexedDB, `fetch`). The message it signs is defined in
//! `onshi_proto::api::device_proof_message`, shared with the edge. Must not: export or log the private key (it is
//! created non-extractable, so the browser will not hand it out), keep the enrolment code after use, or sign
//! anything but the request it is about to send.
//!
//! Reaches WebCrypto and IndexedDB through [`crate::browser_store`], so it needs no extra `web-sys` features.

use base64::Engine as _;
use gloo_net::http::{Request, Response};
use js_sys::{Array, Uint8Array};
use onshi_proto::Base64Bytes;
use onshi_proto::api::{
    DEVICE_ID_HEADER, DEVICE_NONCE_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIME_HEADER, DeviceRole, EnrolRequest,
    EnrolResponse, device_proof_message,
};
use wasm_bindgen::JsValue;
use zeroize::Zeroize as _;

use crate::WebError;
use crate::browser_store::{Database, get, object, random_bytes, subtle};

/// Its version; the upgrade creates [`STORE`].
const DATABASE_VERSION: u32 = 1;
/// Object store holding the one device record.
const STORE: &str = "device";
/// Key of the device record.
const RECORD_KEY: &str = "current";

/// An enrolled device: its id, its facility and its private signing key (a non-extractable WebCrypto key).
#[derive(Clone)]
pub struct Device {
    id: String,
    facility_code: String,
    private_key: JsValue,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("id", &self.id)
            .field("facility_code", &self.facility_code)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Device {
    /// Two devices are the same when the edge gave them the same id (the key itself cannot be compared: it never
    /// leaves WebCrypto).
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// Maps a JavaScript failure to a [`WebError::Browser`] naming the step; the JavaScript detail is dropped.
fn browser(what: &'static str) -> impl FnOnce(JsValue) -> WebError {
    move |_| WebError::Browser(what)
}

/// A fresh device proof nonce: 16 bytes from `crypto.getRandomValues`, base64url (22 characters).
fn proof_nonce() -> Result<String, JsValue> {
    Ok(base64url(&random_bytes(16)?.to_vec()))
}

/// Where one app keeps its device identity: its own IndexedDB database, so that a kiosk, a staff console and an
/// insurer console opened in the same browser profile never share a key; and what the app is, so that it enrols
/// only with a code the admin issued for that role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceStore {
    database: Database,
    role: DeviceRole,
}

impl DeviceStore {
    /// The store in the IndexedDB database named `database` (e.g. `onshi-kiosk`), of an app of `role`.
    pub const fn new(database: &'static str, role: DeviceRole) -> Self {
        Self { database: Database::new(database, DATABASE_VERSION, &[STORE]), role }
    }

    /// The enrolled device of this browser profile, if any.
    pub async fn load(&self) -> Result<Option<Device>, WebError> {
        let record = self
            .database
            .call(STORE, "readonly", "get", &Array::of1(&JsValue::from_str(RECORD_KEY)))
            .await
            .map_err(browser("IndexedDB read failed"))?;
        if record.is_undefined() || record.is_null() {
            return Ok(None);
        }
        let text = |name| get(&record, name).ok().and_then(|value| value.as_string());
        match (text("id"), text("facility_code"), get(&record, "key")) {
            (Some(id), Some(facility_code), Ok(private_key)) if private_key.is_object() => {
                Ok(Some(Device { id, facility_code, private_key }))
            }
            _ => Err(WebError::Browser("the stored device record is malformed")),
        }
    }

    /// Forgets the device (after the edge answers `device_not_enrolled`: revoked, or unknown to it), so that the app
    /// shows its enrolment screen again, also after a reload.
    pub async fn forget(&self) -> Result<(), WebError> {
        self.database
            .call(STORE, "readwrite", "delete", &Array::of1(&JsValue::from_str(RECORD_KEY)))
            .await
            .map_err(browser("IndexedDB delete failed"))?;
        Ok(())
    }

    /// Enrols this browser with a one-time code: makes a non-extractable ECDSA P-256 key pair, registers the public
    /// key with the edge at `enrol_url` (the app knows where its edge is), and stores the device (private key included,
    /// as a structured-cloned `CryptoKey`) in IndexedDB.
    pub async fn enrol(&self, enrol_url: &str, code: &str) -> Result<Device, WebError> {
        let algorithm = object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())])
            .map_err(browser("WebCrypto arguments"))?;
        let usages = Array::of2(&JsValue::from_str("sign"), &JsValue::from_str("verify"));
        let pair = subtle("generateKey", &Array::of3(&algorithm, &JsValue::FALSE, &usages))
            .await
            .map_err(browser("key generation failed"))?;
        let private_key = get(&pair, "privateKey").map_err(browser("no private key"))?;
        let public_key = get(&pair, "publicKey").map_err(browser("no public key"))?;
        let spki = subtle("exportKey", &Array::of2(&JsValue::from_str("spki"), &public_key))
            .await
            .map_err(browser("public key export failed"))?;
        let spki = Uint8Array::new(&spki).to_vec();

        let mut request = EnrolRequest { code: code.to_owned(), public_key: Base64Bytes(spki), role: Some(self.role) };
        let sent = Request::post(enrol_url).json(&request).map_err(|_| WebError::Unreachable);
        request.code.zeroize();
        let response = sent?.send().await.map_err(|_| WebError::Unreachable)?;
        let enrolled: EnrolResponse = crate::client::decode(response).await?;
        let device =
            Device { id: enrolled.device_id, facility_code: enrolled.facility_code.as_str().to_owned(), private_key };
        let record = object(&[
            ("id", JsValue::from_str(&device.id)),
            ("facility_code", JsValue::from_str(&device.facility_code)),
            ("key", device.private_key.clone()),
        ])
        .map_err(browser("device record"))?;
        self.database
            .call(STORE, "readwrite", "put", &Array::of2(&record, &JsValue::from_str(RECORD_KEY)))
            .await
            .map_err(browser("IndexedDB write failed"))?;
        Ok(device)
    }
}

/// Base64url without padding, as the edge reads the signature header.
fn base64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Device {
    /// The device id the edge issued: the card's answer to a challenge names it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The device proof headers for one request: attach them to exactly that method, path and body.
    pub async fn proof_headers(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, WebError> {
        // Whole seconds of a millisecond clock always fit in an i64.
        let timestamp = ((js_sys::Date::now() / 1000.0).floor() as i64).to_string();
        // The edge refuses a nonce it has seen from this device, so a captured request cannot be sent again.
        let nonce = proof_nonce().map_err(browser("no random source"))?;
        let message = device_proof_message(method, path, &timestamp, &nonce, body);
        let algorithm =
            object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]).map_err(browser("WebCrypto arguments"))?;
        let signature =
            subtle("sign", &Array::of3(&algorithm, &self.private_key, &Uint8Array::from(message.as_slice())))
                .await
                .map_err(browser("signing failed"))?;
        let signature = Uint8Array::new(&signature).to_vec();
        Ok(vec![
            (DEVICE_ID_HEADER.to_owned(), self.id.clone()),
            (DEVICE_TIME_HEADER.to_owned(), timestamp),
            (DEVICE_NONCE_HEADER.to_owned(), nonce),
            (DEVICE_SIGNATURE_HEADER.to_owned(), base64url(&signature)),
        ])
    }

    /// Sends `method path` with this device's proof over exactly the `body` sent (JSON, or nothing), and the
    /// bearer `token` of a session opened on this device when there is one: the one way a staff or insurer console
    /// calls its edge.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        token: Option<&str>,
    ) -> Result<Response, WebError> {
        let bytes = body.unwrap_or_default();
        let proof = self.proof_headers(method, path, bytes.as_bytes()).await?;
        let mut request = if method == "GET" { Request::get(path) } else { Request::post(path) };
        for (name, value) in &proof {
            request = request.header(name, value);
        }
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let request = if method == "GET" {
            request.build()
        } else {
            request.header("Content-Type", "application/json").body(bytes)
        };
        request
            .map_err(|_| WebError::Browser("the request could not be built"))?
            .send()
            .await
            .map_err(|_| WebError::Unreachable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_test_vectors_without_padding() {
        // RFC 4648 §10, with padding removed; 0xfb 0xff exercises the URL-safe characters.
        for (input, expected) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (&[0xfb, 0xff], "-_8"),
        ] {
            assert_eq!(base64url(input), expected);
        }
    }
}
