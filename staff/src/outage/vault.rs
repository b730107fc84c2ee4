//! The browser's store of 申立書: each [`Entry`] sealed with AES-GCM (256-bit key, a fresh 96-bit IV per write)
//! under one WebCrypto key made **non-extractable** and kept in IndexedDB, so the page can use it but no script
//! can read it out, and nothing personal rests in clear in the browser. Nothing here talks to the network.
//!
//! Layer: staff console I/O adapter (browser only: WebCrypto, IndexedDB), reached through the apps' shared
//! `onshi_web::browser_store`, as the device identity is. What an entry holds and how it
//! is compared is decided in the pure [`crate::outage::reconcile`].
//!
//! Must not: export or log the key, write an entry's plaintext anywhere, or keep it beyond the call.

use js_sys::{Array, Uint8Array};
use onshi_web::browser_store::{Database, get, object, random_bytes, subtle};
use wasm_bindgen::{JsCast as _, JsValue};
use zeroize::Zeroizing;

use crate::error::StaffError;
use crate::outage::reconcile::Entry;

/// Object store holding the one sealing key, a `CryptoKey` kept by structured clone.
const KEY_STORE: &str = "key";
/// Key of the sealing key's record.
const KEY_RECORD: &str = "current";
/// Object store holding the sealed entries, by their random id.
const ENTRY_STORE: &str = "declarations";
/// IndexedDB database of the console's 申立書, version 1, holding both stores.
const DATABASE: Database = Database::new("onshi-staff-declarations", 1, &[KEY_STORE, ENTRY_STORE]);
/// Bytes of an AES-GCM IV.
const IV_LEN: u32 = 12;

fn store(what: &'static str) -> impl FnOnce(JsValue) -> StaffError {
    move |_| StaffError::Store(what)
}

/// A fresh entry id: 16 random bytes in hex, naming nothing.
pub fn new_id() -> Result<String, StaffError> {
    let bytes = random_bytes(16).map_err(store("random id"))?.to_vec();
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The sealing key, made on first use: AES-GCM, 256 bits, non-extractable, for encrypting and decrypting only.
async fn sealing_key() -> Result<JsValue, StaffError> {
    let stored = DATABASE
        .call(KEY_STORE, "readonly", "get", &Array::of1(&JsValue::from_str(KEY_RECORD)))
        .await
        .map_err(store("key read"))?;
    if stored.is_object() {
        return Ok(stored);
    }
    let algorithm = object(&[("name", JsValue::from_str("AES-GCM")), ("length", JsValue::from(256))])
        .map_err(store("key algorithm"))?;
    let usages = Array::of2(&JsValue::from_str("encrypt"), &JsValue::from_str("decrypt"));
    // `false`: the browser will never hand the key's bytes out, to this page or any other script.
    let key = subtle("generateKey", &Array::of3(&algorithm, &JsValue::FALSE, &usages))
        .await
        .map_err(store("key generation"))?;
    DATABASE
        .call(KEY_STORE, "readwrite", "put", &Array::of2(&key, &JsValue::from_str(KEY_RECORD)))
        .await
        .map_err(store("key write"))?;
    Ok(key)
}

fn aes_gcm(iv: &Uint8Array) -> Result<JsValue, StaffError> {
    object(&[("name", JsValue::from_str("AES-GCM")), ("iv", iv.into())])
        .map(JsValue::from)
        .map_err(store("cipher parameters"))
}

/// Seals `entry` and writes it under its id, replacing an earlier version.
pub async fn put(entry: &Entry) -> Result<(), StaffError> {
    let key = sealing_key().await?;
    let iv = random_bytes(IV_LEN).map_err(store("random iv"))?;
    // The plaintext names the patient: the Rust copy is wiped once sealed.
    let plaintext = Zeroizing::new(serde_json::to_vec(entry).map_err(|_| StaffError::Unreadable)?);
    let sealed = subtle("encrypt", &Array::of3(&aes_gcm(&iv)?, &key, &Uint8Array::from(plaintext.as_slice())))
        .await
        .map_err(store("encrypt"))?;
    let record = object(&[("iv", iv.into()), ("sealed", Uint8Array::new(&sealed).into())]).map_err(store("record"))?;
    DATABASE
        .call(ENTRY_STORE, "readwrite", "put", &Array::of2(&record, &JsValue::from_str(&entry.id)))
        .await
        .map_err(store("entry write"))?;
    Ok(())
}

/// Every stored entry, oldest declaration first. A record that no longer opens (sealed under a key since lost) is
/// an error rather than silently skipped: a 申立書 must not vanish unnoticed.
pub async fn all() -> Result<Vec<Entry>, StaffError> {
    let records = DATABASE.call(ENTRY_STORE, "readonly", "getAll", &Array::new()).await.map_err(store("entry read"))?;
    let records: Array = records.dyn_into().map_err(store("entry list"))?;
    if records.length() == 0 {
        return Ok(Vec::new());
    }
    let key = sealing_key().await?;
    let mut entries = Vec::new();
    for record in records.iter() {
        let iv: Uint8Array = get(&record, "iv").and_then(|v| v.dyn_into()).map_err(|_| StaffError::Unreadable)?;
        let sealed = get(&record, "sealed").map_err(|_| StaffError::Unreadable)?;
        let plaintext =
            subtle("decrypt", &Array::of3(&aes_gcm(&iv)?, &key, &sealed)).await.map_err(|_| StaffError::Unreadable)?;
        let bytes = Zeroizing::new(Uint8Array::new(&plaintext).to_vec());
        entries.push(serde_json::from_slice::<Entry>(&bytes).map_err(|_| StaffError::Unreadable)?);
    }
    entries.sort_by_key(|entry| entry.declaration.declared_at);
    Ok(entries)
}

/// Removes the entry `id`, once staff marked it done.
pub async fn remove(id: &str) -> Result<(), StaffError> {
    DATABASE
        .call(ENTRY_STORE, "readwrite", "delete", &Array::of1(&JsValue::from_str(id)))
        .await
        .map_err(store("entry delete"))?;
    Ok(())
}
