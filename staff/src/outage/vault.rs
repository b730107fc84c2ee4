//! The browser's store of 申立書: each [`Entry`] sealed with AES-GCM (256-bit key, a fresh 96-bit IV per write)
//! under one WebCrypto key made **non-extractable** and kept in IndexedDB, so the page can use it but no script
//! can read it out, and nothing personal rests in clear in the browser. Nothing here talks to the network.
//!
//! Layer: staff console I/O adapter (browser only: WebCrypto, IndexedDB), reached through `js_sys::Reflect` as
//! the kiosk's `platform/device.rs` does, so it needs no extra `web-sys` features. What an entry holds and how it
//! is compared is decided in the pure [`crate::outage::reconcile`].
//!
//! Must not: export or log the key, write an entry's plaintext anywhere, or keep it beyond the call.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::StaffError;
use crate::outage::reconcile::Entry;

/// IndexedDB database of the console's 申立書.
const DATABASE: &str = "onshi-staff-declarations";
/// Its version; the upgrade creates both stores.
const DATABASE_VERSION: u32 = 1;
/// Object store holding the one sealing key, a `CryptoKey` kept by structured clone.
const KEY_STORE: &str = "key";
/// Key of the sealing key's record.
const KEY_RECORD: &str = "current";
/// Object store holding the sealed entries, by their random id.
const ENTRY_STORE: &str = "declarations";
/// Bytes of an AES-GCM IV.
const IV_LEN: u32 = 12;

fn store(what: &'static str) -> impl FnOnce(JsValue) -> StaffError {
    move |_| StaffError::Store(what)
}

fn get(target: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
}

fn object(properties: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let value = Object::new();
    for (name, property) in properties {
        Reflect::set(&value, &JsValue::from_str(name), property)?;
    }
    Ok(value)
}

/// `count` bytes from `crypto.getRandomValues`.
fn random_bytes(count: u32) -> Result<Uint8Array, JsValue> {
    let crypto = get(&js_sys::global(), "crypto")?;
    let fill: Function = get(&crypto, "getRandomValues")?.dyn_into()?;
    let bytes = Uint8Array::new_with_length(count);
    fill.call1(&crypto, &bytes)?;
    Ok(bytes)
}

/// A fresh entry id: 16 random bytes in hex, naming nothing.
pub fn new_id() -> Result<String, StaffError> {
    let bytes = random_bytes(16).map_err(store("random id"))?.to_vec();
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Calls `crypto.subtle.<method>(...arguments)` and awaits it.
async fn subtle(method: &str, arguments: &Array) -> Result<JsValue, JsValue> {
    let subtle = get(&get(&js_sys::global(), "crypto")?, "subtle")?;
    let function: Function = get(&subtle, method)?.dyn_into()?;
    let promise: Promise = Reflect::apply(&function, &subtle, arguments)?.dyn_into()?;
    JsFuture::from(promise).await
}

/// Turns an IndexedDB request into a promise of its `result`.
fn request_promise(request: &JsValue) -> Promise {
    let request = request.clone();
    Promise::new(&mut |resolve, reject| {
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move |_event: JsValue| {
                let result = get(&request, "result").unwrap_or(JsValue::UNDEFINED);
                let _ = resolve.call1(&JsValue::NULL, &result);
            })
        };
        let on_error = Closure::once_into_js(move |event: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &event);
        });
        let _ = Reflect::set(&request, &JsValue::from_str("onsuccess"), &on_success);
        let _ = Reflect::set(&request, &JsValue::from_str("onerror"), &on_error);
    })
}

/// Opens the database, creating both stores on first use.
async fn open_database() -> Result<JsValue, JsValue> {
    let factory = get(&js_sys::global(), "indexedDB")?;
    let open: Function = get(&factory, "open")?.dyn_into()?;
    let request = open.call2(&factory, &JsValue::from_str(DATABASE), &JsValue::from(DATABASE_VERSION))?;
    let on_upgrade = {
        let request = request.clone();
        Closure::once_into_js(move |_event: JsValue| {
            if let Ok(database) = get(&request, "result")
                && let Ok(create) = get(&database, "createObjectStore").and_then(|f| f.dyn_into::<Function>())
            {
                let _ = create.call1(&database, &JsValue::from_str(KEY_STORE));
                let _ = create.call1(&database, &JsValue::from_str(ENTRY_STORE));
            }
        })
    };
    Reflect::set(&request, &JsValue::from_str("onupgradeneeded"), &on_upgrade)?;
    JsFuture::from(request_promise(&request)).await
}

/// Runs one call (`get`, `getAll`, `put`, `delete`) on `store_name` in its own transaction and awaits its result.
async fn store_call(store_name: &str, mode: &str, method: &str, arguments: &Array) -> Result<JsValue, JsValue> {
    let database = open_database().await?;
    let transaction: Function = get(&database, "transaction")?.dyn_into()?;
    let transaction = transaction.call2(&database, &JsValue::from_str(store_name), &JsValue::from_str(mode))?;
    let object_store: Function = get(&transaction, "objectStore")?.dyn_into()?;
    let object_store = object_store.call1(&transaction, &JsValue::from_str(store_name))?;
    let call: Function = get(&object_store, method)?.dyn_into()?;
    let request = Reflect::apply(&call, &object_store, arguments)?;
    let result = JsFuture::from(request_promise(&request)).await;
    if let Ok(close) = get(&database, "close").and_then(|f| f.dyn_into::<Function>()) {
        let _ = close.call0(&database);
    }
    result
}

/// The sealing key, made on first use: AES-GCM, 256 bits, non-extractable, for encrypting and decrypting only.
async fn sealing_key() -> Result<JsValue, StaffError> {
    let stored = store_call(KEY_STORE, "readonly", "get", &Array::of1(&JsValue::from_str(KEY_RECORD)))
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
    store_call(KEY_STORE, "readwrite", "put", &Array::of2(&key, &JsValue::from_str(KEY_RECORD)))
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
    let plaintext = serde_json::to_vec(entry).map_err(|_| StaffError::Unreadable)?;
    let sealed = subtle("encrypt", &Array::of3(&aes_gcm(&iv)?, &key, &Uint8Array::from(plaintext.as_slice())))
        .await
        .map_err(store("encrypt"))?;
    let record = object(&[("iv", iv.into()), ("sealed", Uint8Array::new(&sealed).into())]).map_err(store("record"))?;
    store_call(ENTRY_STORE, "readwrite", "put", &Array::of2(&record, &JsValue::from_str(&entry.id)))
        .await
        .map_err(store("entry write"))?;
    Ok(())
}

/// Every stored entry, oldest declaration first. A record that no longer opens (sealed under a key since lost) is
/// an error rather than silently skipped: a 申立書 must not vanish unnoticed.
pub async fn all() -> Result<Vec<Entry>, StaffError> {
    let records = store_call(ENTRY_STORE, "readonly", "getAll", &Array::new()).await.map_err(store("entry read"))?;
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
        let bytes = Uint8Array::new(&plaintext).to_vec();
        entries.push(serde_json::from_slice::<Entry>(&bytes).map_err(|_| StaffError::Unreadable)?);
    }
    entries.sort_by_key(|entry| entry.declaration.declared_at);
    Ok(entries)
}

/// Removes the entry `id`, once staff marked it done.
pub async fn remove(id: &str) -> Result<(), StaffError> {
    store_call(ENTRY_STORE, "readwrite", "delete", &Array::of1(&JsValue::from_str(id)))
        .await
        .map_err(store("entry delete"))?;
    Ok(())
}
