//! WebCrypto for ECDSA P-256 device keys (importing a SubjectPublicKeyInfo, verifying a signature) and for a card's
//! RSA PKCS#1 v1.5 signatures. workerd's WebCrypto does the arithmetic natively, many times faster than the same
//! arithmetic compiled to wasm. Used by the worker (is an enrolling key on the curve; do a card certificate and a
//! card's answer verify) and by the facility store (does a device proof verify).

use worker::js_sys;
use worker::wasm_bindgen::{JsCast as _, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

use crate::error::EdgeError;

/// A plain JavaScript object with the given string-keyed properties.
fn js_object(properties: &[(&str, JsValue)]) -> Result<js_sys::Object, JsValue> {
    let object = js_sys::Object::new();
    for (name, value) in properties {
        js_sys::Reflect::set(&object, &JsValue::from_str(name), value)?;
    }
    Ok(object)
}

/// Calls `crypto.subtle.<method>(...arguments)` and awaits its promise.
async fn subtle_call(method: &str, arguments: &js_sys::Array) -> Result<JsValue, JsValue> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))?;
    let subtle = js_sys::Reflect::get(&crypto, &JsValue::from_str("subtle"))?;
    let function: js_sys::Function = js_sys::Reflect::get(&subtle, &JsValue::from_str(method))?.dyn_into()?;
    let promise: js_sys::Promise = js_sys::Reflect::apply(&function, &subtle, arguments)?.dyn_into()?;
    JsFuture::from(promise).await
}

/// `importKey("spki", …)` of a public key for verifying under `algorithm`; fails when WebCrypto refuses the key (an
/// ECDSA point off its curve, an encoding that is not the algorithm's).
async fn import_verification_key(spki_der: &[u8], algorithm: &js_sys::Object) -> Result<JsValue, JsValue> {
    let arguments = js_sys::Array::new();
    arguments.push(&JsValue::from_str("spki"));
    arguments.push(&js_sys::Uint8Array::from(spki_der));
    arguments.push(algorithm);
    arguments.push(&JsValue::FALSE);
    arguments.push(&js_sys::Array::of1(&JsValue::from_str("verify")));
    subtle_call("importKey", &arguments).await
}

/// Whether `signature` verifies over `message` under the imported `key` and `algorithm`.
async fn verifies(
    algorithm: &js_sys::Object,
    key: &JsValue,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, EdgeError> {
    let arguments =
        js_sys::Array::of4(algorithm, key, &js_sys::Uint8Array::from(signature), &js_sys::Uint8Array::from(message));
    let verdict = subtle_call("verify", &arguments).await.map_err(|_| EdgeError::Runtime("WebCrypto verify failed"))?;
    Ok(verdict.as_bool() == Some(true))
}

/// The algorithm object named by `properties`; building a plain object fails only when the runtime is broken.
fn algorithm(properties: &[(&str, JsValue)]) -> Result<js_sys::Object, EdgeError> {
    js_object(properties).map_err(|_| EdgeError::Runtime("WebCrypto arguments cannot be built"))
}

/// Whether `signature` is the RSASSA-PKCS1-v1_5 / SHA-256 signature over `message` of the RSA key `spki_der`
/// ([`crate::auth::rsa_signature::RsaSha256Check`]); a key WebCrypto does not import answers `false`.
pub async fn rsa_sha256_verifies(spki_der: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, EdgeError> {
    let rsa = algorithm(&[("name", "RSASSA-PKCS1-v1_5".into()), ("hash", "SHA-256".into())])?;
    let Ok(key) = import_verification_key(spki_der, &rsa).await else {
        return Ok(false);
    };
    verifies(&rsa, &key, message, signature).await
}

/// True when `spki_der` imports as an ECDSA P-256 public key.
pub async fn p256_key_is_valid(spki_der: &[u8]) -> bool {
    P256Key::import(spki_der).await.is_ok()
}

/// An ECDSA P-256 public key imported into WebCrypto, ready to verify.
#[derive(Clone, Debug)]
pub struct P256Key(JsValue);

impl P256Key {
    /// Imports a SubjectPublicKeyInfo; fails when it is not a P-256 point on the curve.
    pub async fn import(spki_der: &[u8]) -> Result<Self, EdgeError> {
        let p256 = algorithm(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())])?;
        let key = import_verification_key(spki_der, &p256).await;
        key.map(Self).map_err(|_| EdgeError::Runtime("a device key does not import"))
    }

    /// True when `signature` (IEEE P1363 `r || s`) is a valid ECDSA P-256 / SHA-256 signature over `message`.
    pub async fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, EdgeError> {
        let ecdsa = algorithm(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())])?;
        verifies(&ecdsa, &self.0, message, signature).await
    }
}
