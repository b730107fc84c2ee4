//! The 申立書 capture's sealing as the rule in `onshi_proto::petition` says, carried out by the browser's WebCrypto:
//! the kiosk seals the card's 4 items to its facility's staff console ([`seal`]), and the console makes its key pair
//! ([`new_key_pair`]) and opens what the edge handed it ([`open`]). ECDH P-256 between a kiosk key made for one
//! capture and the console's key, HKDF-SHA-256 to an AES-256-GCM key, AES-GCM with the facility and the capture id
//! as associated data. No primitive is written here: every step is a `crypto.subtle` call, and the shared secret
//! and the derived key stay inside WebCrypto (the derived key is made non-extractable).
//!
//! Layer: shared browser I/O adapter over [`crate::browser_store`]'s WebCrypto calls. Must not: log or keep an item,
//! a shared secret or a private key; export the console's private key (it is made non-extractable).

use js_sys::{Array, Object, Uint8Array};
use onshi_proto::facility::FacilityCode;
use onshi_proto::petition::{
    CaptureId, IV_LEN, KDF_INFO, P256PublicKey, PetitionCiphertext, PetitionItems, PetitionIv, SealedPetition,
    associated_data,
};
use wasm_bindgen::JsValue;
use zeroize::Zeroizing;

use crate::WebError;
use crate::browser_store::{get, object, random_bytes, subtle};

/// Why a sealed capture did not open on this console; each is told to staff in its own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// It was sealed to another console key (this console made a new one since, or it is another console's).
    #[error("the capture was sealed to another key")]
    WrongKey,
    /// Its tag does not verify under this console's key, its facility and its id: it was changed on the way, or
    /// moved from another facility's queue.
    #[error("the capture was changed on the way")]
    Tampered,
    /// It opened, but what it holds is not the 4 items.
    #[error("the capture holds no items")]
    Unreadable,
    /// WebCrypto failed the named step.
    #[error("browser crypto failed: {0}")]
    Browser(&'static str),
}

fn browser(step: &'static str) -> impl Fn(JsValue) -> WebError {
    move |_| WebError::Browser(step)
}

fn ecdh_p256() -> Result<JsValue, JsValue> {
    object(&[("name", JsValue::from_str("ECDH")), ("namedCurve", JsValue::from_str("P-256"))]).map(JsValue::from)
}

fn usages(names: &[&str]) -> Array {
    names.iter().map(|name| JsValue::from_str(name)).collect()
}

/// A new ECDH P-256 key pair: the private key non-extractable (WebCrypto will use it, never hand it out), and the
/// public key's raw bytes to publish.
pub async fn new_key_pair() -> Result<(JsValue, P256PublicKey), WebError> {
    let pair = subtle(
        "generateKey",
        &Array::of3(&ecdh_p256().map_err(browser("key parameters"))?, &JsValue::FALSE, &usages(&["deriveBits"])),
    )
    .await
    .map_err(browser("key generation"))?;
    let private_key = get(&pair, "privateKey").map_err(browser("key generation"))?;
    let public_key = get(&pair, "publicKey").map_err(browser("key generation"))?;
    let raw = subtle("exportKey", &Array::of2(&JsValue::from_str("raw"), &public_key))
        .await
        .map_err(browser("public key export"))?;
    let public = P256PublicKey::parse(&Uint8Array::new(&raw).to_vec()).map_err(|_| WebError::Browser("public key"))?;
    Ok((private_key, public))
}

async fn import_public(key: &P256PublicKey) -> Result<JsValue, JsValue> {
    let raw = Uint8Array::from(key.as_slice());
    subtle("importKey", &Array::of5(&JsValue::from_str("raw"), &raw, &ecdh_p256()?, &JsValue::TRUE, &Array::new()))
        .await
}

/// The AES-GCM key of one capture: ECDH between `private_key` and `public_key`, then HKDF-SHA-256 (salt empty,
/// info [`KDF_INFO`]). The shared bits stay a WebCrypto buffer, and the derived key is not extractable.
async fn capture_key(private_key: &JsValue, public_key: &JsValue, usage: &str) -> Result<JsValue, JsValue> {
    let ecdh = object(&[("name", JsValue::from_str("ECDH")), ("public", public_key.clone())])?;
    let bits = subtle("deriveBits", &Array::of3(&ecdh, private_key, &JsValue::from(256))).await?;
    let hkdf_key = subtle(
        "importKey",
        &Array::of5(
            &JsValue::from_str("raw"),
            &bits,
            &JsValue::from_str("HKDF"),
            &JsValue::FALSE,
            &usages(&["deriveKey"]),
        ),
    )
    .await?;
    let hkdf = object(&[
        ("name", JsValue::from_str("HKDF")),
        ("hash", JsValue::from_str("SHA-256")),
        ("salt", Uint8Array::new_with_length(0).into()),
        ("info", Uint8Array::from(KDF_INFO).into()),
    ])?;
    let aes = object(&[("name", JsValue::from_str("AES-GCM")), ("length", JsValue::from(256))])?;
    subtle("deriveKey", &Array::of5(&hkdf, &hkdf_key, &aes, &JsValue::FALSE, &usages(&[usage]))).await
}

fn aes_gcm(iv: &[u8], associated: &[u8]) -> Result<Object, JsValue> {
    object(&[
        ("name", JsValue::from_str("AES-GCM")),
        ("iv", Uint8Array::from(iv).into()),
        ("additionalData", Uint8Array::from(associated).into()),
    ])
}

/// Seals `items` to the console key `recipient` for `facility`, under `capture_id`: a key pair made for this
/// capture alone (dropped when this returns), a fresh IV.
pub async fn seal(
    recipient: &P256PublicKey,
    facility: &FacilityCode,
    capture_id: &CaptureId,
    items: &PetitionItems,
) -> Result<SealedPetition, WebError> {
    let (ephemeral_private, ephemeral_public) = new_key_pair().await?;
    let recipient_key = import_public(recipient).await.map_err(browser("console key import"))?;
    let key = capture_key(&ephemeral_private, &recipient_key, "encrypt").await.map_err(browser("key agreement"))?;
    let iv = random_bytes(IV_LEN as u32).map_err(browser("random iv"))?.to_vec();
    // The plaintext names the patient: the Rust copy is wiped once sealed.
    let plaintext = Zeroizing::new(serde_json::to_vec(items).map_err(|_| WebError::Browser("items"))?);
    let parameters = aes_gcm(&iv, &associated_data(facility, capture_id)).map_err(browser("cipher parameters"))?;
    let sealed = subtle("encrypt", &Array::of3(&parameters, &key, &Uint8Array::from(plaintext.as_slice())))
        .await
        .map_err(browser("encrypt"))?;
    Ok(SealedPetition {
        capture_id: capture_id.clone(),
        recipient_key: recipient.clone(),
        ephemeral_key: ephemeral_public,
        iv: PetitionIv::parse(&iv).map_err(|_| WebError::Browser("random iv"))?,
        ciphertext: PetitionCiphertext::parse(&Uint8Array::new(&sealed).to_vec())
            .map_err(|_| WebError::Browser("encrypt"))?,
    })
}

/// Opens `sealed`, queued for `facility`, with the console's private key, whose public half is `own_public`.
pub async fn open(
    private_key: &JsValue,
    own_public: &P256PublicKey,
    facility: &FacilityCode,
    sealed: &SealedPetition,
) -> Result<PetitionItems, OpenError> {
    if &sealed.recipient_key != own_public {
        return Err(OpenError::WrongKey);
    }
    // A point off the curve is refused here: a changed ephemeral key is a changed capture.
    let ephemeral = import_public(&sealed.ephemeral_key).await.map_err(|_| OpenError::Tampered)?;
    let key = capture_key(private_key, &ephemeral, "decrypt").await.map_err(|_| OpenError::Browser("key agreement"))?;
    let parameters = aes_gcm(sealed.iv.as_slice(), &associated_data(facility, &sealed.capture_id))
        .map_err(|_| OpenError::Browser("cipher parameters"))?;
    let opened = subtle("decrypt", &Array::of3(&parameters, &key, &Uint8Array::from(sealed.ciphertext.as_slice())))
        .await
        .map_err(|error| match get(&error, "name").ok().and_then(|name| name.as_string()).as_deref() {
            // WebCrypto's one answer to a tag that does not verify.
            Some("OperationError") => OpenError::Tampered,
            _ => OpenError::Browser("decrypt"),
        })?;
    let bytes = Zeroizing::new(Uint8Array::new(&opened).to_vec());
    serde_json::from_slice(&bytes).map_err(|_| OpenError::Unreadable)
}
