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

/// Imports a SubjectPublicKeyInfo as a WebCrypto ECDSA P-256 verification key; fails when the point is not on the
/// curve.
async fn import_p256_key(spki_der: &[u8]) -> Result<JsValue, JsValue> {
    let algorithm = js_object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())])?;
    let usages = js_sys::Array::of1(&JsValue::from_str("verify"));
    let arguments = js_sys::Array::new();
    arguments.push(&JsValue::from_str("spki"));
    arguments.push(&js_sys::Uint8Array::from(spki_der));
    arguments.push(&algorithm);
    arguments.push(&JsValue::FALSE);
    arguments.push(&usages);
    subtle_call("importKey", &arguments).await
}

/// Whether `signature` is the RSASSA-PKCS1-v1_5 / SHA-256 signature over `message` of the RSA key `spki_der`
/// ([`crate::auth::rsa_signature::RsaSha256Check`]); a key WebCrypto does not import answers `false`.
pub async fn rsa_sha256_verifies(spki_der: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, EdgeError> {
    let built = |_| EdgeError::Runtime("WebCrypto arguments cannot be built");
    let algorithm = js_object(&[("name", "RSASSA-PKCS1-v1_5".into()), ("hash", "SHA-256".into())]).map_err(built)?;
    let arguments = js_sys::Array::new();
    arguments.push(&JsValue::from_str("spki"));
    arguments.push(&js_sys::Uint8Array::from(spki_der));
    arguments.push(&algorithm);
    arguments.push(&JsValue::FALSE);
    arguments.push(&js_sys::Array::of1(&JsValue::from_str("verify")));
    let Ok(key) = subtle_call("importKey", &arguments).await else {
        return Ok(false);
    };
    let arguments =
        js_sys::Array::of4(&algorithm, &key, &js_sys::Uint8Array::from(signature), &js_sys::Uint8Array::from(message));
    let verdict = subtle_call("verify", &arguments).await.map_err(|_| EdgeError::Runtime("WebCrypto verify failed"))?;
    Ok(verdict.as_bool() == Some(true))
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
        import_p256_key(spki_der).await.map(Self).map_err(|_| EdgeError::Runtime("a device key does not import"))
    }

    /// True when `signature` (IEEE P1363 `r || s`) is a valid ECDSA P-256 / SHA-256 signature over `message`.
    pub async fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, EdgeError> {
        let algorithm = js_object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())])
            .map_err(|_| EdgeError::Runtime("WebCrypto arguments cannot be built"))?;
        let arguments = js_sys::Array::of4(
            &algorithm,
            &self.0,
            &js_sys::Uint8Array::from(signature),
            &js_sys::Uint8Array::from(message),
        );
        let verdict =
            subtle_call("verify", &arguments).await.map_err(|_| EdgeError::Runtime("WebCrypto verify failed"))?;
        Ok(verdict.as_bool() == Some(true))
    }
}
