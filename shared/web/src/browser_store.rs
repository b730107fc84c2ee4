//! WebCrypto and IndexedDB as the browser apps use them: one object-store call in its own transaction, a call to
//! `crypto.subtle`, random bytes. The device identity ([`crate::device`]) and the staff console's sealed 申立書 keep
//! their keys and records through this one adapter.
//!
//! Layer: shared browser I/O adapter. Reaches both APIs through `js_sys::Reflect`, so it needs no extra `web-sys`
//! features. Must not: know what is stored, log a value it carries, or keep a database open after its call.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `target[name]`.
pub fn get(target: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
}

/// A plain object with these properties, for WebCrypto's algorithm arguments and stored records.
pub fn object(properties: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let value = Object::new();
    for (name, property) in properties {
        Reflect::set(&value, &JsValue::from_str(name), property)?;
    }
    Ok(value)
}

/// `count` bytes from `crypto.getRandomValues`.
pub fn random_bytes(count: u32) -> Result<Uint8Array, JsValue> {
    let crypto = get(&js_sys::global(), "crypto")?;
    let fill: Function = get(&crypto, "getRandomValues")?.dyn_into()?;
    let bytes = Uint8Array::new_with_length(count);
    fill.call1(&crypto, &bytes)?;
    Ok(bytes)
}

/// Calls `crypto.subtle.<method>(...arguments)` and awaits it.
pub async fn subtle(method: &str, arguments: &Array) -> Result<JsValue, JsValue> {
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

/// One app's IndexedDB database: its name, its version and the object stores its first opening creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Database {
    name: &'static str,
    version: u32,
    stores: &'static [&'static str],
}

impl Database {
    /// The database `name` at `version`, holding `stores`.
    pub const fn new(name: &'static str, version: u32, stores: &'static [&'static str]) -> Self {
        Self { name, version, stores }
    }

    /// Opens the database, creating its stores on first use.
    async fn open(&self) -> Result<JsValue, JsValue> {
        let factory = get(&js_sys::global(), "indexedDB")?;
        let open: Function = get(&factory, "open")?.dyn_into()?;
        let request = open.call2(&factory, &JsValue::from_str(self.name), &JsValue::from(self.version))?;
        let stores = self.stores;
        let on_upgrade = {
            let request = request.clone();
            Closure::once_into_js(move |_event: JsValue| {
                if let Ok(database) = get(&request, "result")
                    && let Ok(create) = get(&database, "createObjectStore").and_then(|f| f.dyn_into::<Function>())
                {
                    for store in stores {
                        let _ = create.call1(&database, &JsValue::from_str(store));
                    }
                }
            })
        };
        Reflect::set(&request, &JsValue::from_str("onupgradeneeded"), &on_upgrade)?;
        JsFuture::from(request_promise(&request)).await
    }

    /// Runs one call (`get`, `getAll`, `put`, `delete`) on `store` in its own transaction (`mode` is `readonly` or
    /// `readwrite`) and awaits its result; the database is closed again whatever happened.
    pub async fn call(&self, store: &str, mode: &str, method: &str, arguments: &Array) -> Result<JsValue, JsValue> {
        let database = self.open().await?;
        let result = async {
            let transaction: Function = get(&database, "transaction")?.dyn_into()?;
            let transaction = transaction.call2(&database, &JsValue::from_str(store), &JsValue::from_str(mode))?;
            let object_store: Function = get(&transaction, "objectStore")?.dyn_into()?;
            let object_store = object_store.call1(&transaction, &JsValue::from_str(store))?;
            let call: Function = get(&object_store, method)?.dyn_into()?;
            let request = Reflect::apply(&call, &object_store, arguments)?;
            JsFuture::from(request_promise(&request)).await
        }
        .await;
        if let Ok(close) = get(&database, "close").and_then(|f| f.dyn_into::<Function>()) {
            let _ = close.call0(&database);
        }
        result
    }
}
