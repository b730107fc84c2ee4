//! The kiosk's 申立書 captures reaching this console: the console's ECDH P-256 key pair (the private key a
//! non-extractable WebCrypto key kept in the console's own IndexedDB, beside the vault's key), its public key
//! published to the facility through the edge, and each capture the edge queued taken, opened
//! (`onshi_web::petition_seal`) and filed in the vault as a declaration marked with the patient's reference, so the
//! re-check and the list cover it as they cover a declaration typed at the counter.
//!
//! Layer: staff console I/O adapter (WebCrypto, IndexedDB, the edge through [`crate::client`]). Must not: export
//! the private key, keep an opened capture anywhere but the sealed vault, or drop a capture it could not open
//! without saying so.

use js_sys::{Array, Uint8Array};
use onshi_proto::ErrorCode;
use onshi_proto::facility::FacilityCode;
use onshi_proto::petition::{P256PublicKey, PetitionBatch, PetitionKey, STAFF_PETITION_KEY_PATH, STAFF_PETITIONS_PATH};
use onshi_web::browser_store::{Database, get, object};
use onshi_web::petition_seal::{self, OpenError};
use wasm_bindgen::{JsCast as _, JsValue};

use crate::client;
use crate::error::StaffError;
use crate::outage::capture::Declaration;
use crate::outage::reconcile::Entry;
use crate::outage::vault;

/// The console's own database for its capture key pair (the vault's is the vault's).
const KEY_STORE: &str = "key";
/// The record of the key pair.
const KEY_RECORD: &str = "petition";
/// IndexedDB database of the console's capture key pair.
const DATABASE: Database = Database::new("onshi-staff-petition-key", 1, &[KEY_STORE]);

fn store(what: &'static str) -> impl FnOnce(JsValue) -> StaffError {
    move |_| StaffError::Store(what)
}

/// The console's key pair, made on first use: the private key as WebCrypto holds it, the public key's bytes.
async fn key_pair() -> Result<(JsValue, P256PublicKey), StaffError> {
    let stored = DATABASE
        .call(KEY_STORE, "readonly", "get", &Array::of1(&JsValue::from_str(KEY_RECORD)))
        .await
        .map_err(store("capture key read"))?;
    if stored.is_object() {
        let private = get(&stored, "private").map_err(store("capture key read"))?;
        let public: Uint8Array =
            get(&stored, "public").and_then(|v| v.dyn_into()).map_err(store("capture key read"))?;
        let public = P256PublicKey::parse(&public.to_vec()).map_err(|_| StaffError::Unreadable)?;
        return Ok((private, public));
    }
    let (private, public) = petition_seal::new_key_pair().await.map_err(|_| StaffError::Store("capture key"))?;
    let record = object(&[("private", private.clone()), ("public", Uint8Array::from(public.as_slice()).into())])
        .map_err(store("capture key record"))?;
    DATABASE
        .call(KEY_STORE, "readwrite", "put", &Array::of2(&record, &JsValue::from_str(KEY_RECORD)))
        .await
        .map_err(store("capture key write"))?;
    Ok((private, public))
}

/// What one collection found: how many captures were filed, and how many could not be opened (each named by its
/// reason, so staff know to ask those patients to fill the paper form).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Captures filed in the vault.
    pub filed: usize,
    /// Captures sealed to another key (this console made a new one since, or another console's).
    pub wrong_key: usize,
    /// Captures whose tag did not verify: changed on the way, or moved from another facility.
    pub tampered: usize,
}

/// Publishes this console's key for the facility (in place of any before), then takes every capture the edge
/// queued, opens each and files it in the vault. An edge refusal is its code; a store failure, the store's.
pub async fn collect(token: &str, facility: &FacilityCode) -> Result<Collected, CollectError> {
    let (private, public) = key_pair().await.map_err(CollectError::Store)?;
    let _: PetitionKey =
        client::staff_call(token, STAFF_PETITION_KEY_PATH, &PetitionKey { public_key: public.clone() })
            .await
            .map_err(CollectError::Edge)?;
    let batch: PetitionBatch =
        client::staff_call(token, STAFF_PETITIONS_PATH, &()).await.map_err(CollectError::Edge)?;
    let mut collected = Collected::default();
    for queued in batch.petitions {
        match petition_seal::open(&private, &public, facility, &queued.sealed).await {
            Ok(items) => {
                let declaration = Declaration::from_kiosk(&items, &queued.sealed.capture_id);
                let entry = Entry {
                    id: vault::new_id().map_err(CollectError::Store)?,
                    declaration,
                    recheck: Default::default(),
                    checked_at: None,
                };
                vault::put(&entry).await.map_err(CollectError::Store)?;
                collected.filed += 1;
            }
            Err(OpenError::WrongKey) => collected.wrong_key += 1,
            Err(OpenError::Tampered | OpenError::Unreadable) => collected.tampered += 1,
            Err(OpenError::Browser(step)) => return Err(CollectError::Store(StaffError::Store(step))),
        }
    }
    Ok(collected)
}

/// Why a collection stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectError {
    /// The edge refused or could not be reached.
    Edge(ErrorCode),
    /// The browser's store or crypto failed.
    Store(StaffError),
}
