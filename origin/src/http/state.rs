//! The application state every handler shares: the store, the clock, the edge's signing key, the admin token and
//! the lifetime of the credentials it issues, the
//! metrics counters and the nonces of the requests this process answers from memory alone.
//!
//! Layer: HTTP adapter (data only). Must not hold anything per request.

use std::sync::{Arc, Mutex, PoisonError};

use crate::clock::Clock;
use crate::credential::CredentialLifetime;
use crate::key::{AdminToken, SigningKey};
use crate::metrics::Metrics;
use crate::replay::{NonceRecord, RecentNonces};
use crate::store::Store;

/// What every handler shares. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) key: SigningKey,
    pub(crate) admin_token: Option<AdminToken>,
    /// How long the insurer and payer credentials the admin routes issue live.
    pub(crate) credential_lifetime: CredentialLifetime,
    pub(crate) metrics: Metrics,
    /// The nonces of edge-signed requests answered from this process's memory (`insurer_signed.rs`).
    pub(crate) recent_nonces: Mutex<RecentNonces>,
}

impl AppState {
    /// State over `store`, reading time from `clock` and verifying requests with `key`.
    pub fn new(store: Store, clock: Arc<dyn Clock>, key: SigningKey) -> Self {
        Self::with_admin_token(store, clock, key, None)
    }

    /// State as [`AppState::new`], also accepting `admin_token` on the `/admin/v1/…` routes (which are closed
    /// without one).
    pub fn with_admin_token(
        store: Store,
        clock: Arc<dyn Clock>,
        key: SigningKey,
        admin_token: Option<AdminToken>,
    ) -> Self {
        Self::configured(store, clock, key, admin_token, CredentialLifetime::default())
    }

    /// State as [`AppState::with_admin_token`], issuing credentials that live `credential_lifetime`.
    pub fn configured(
        store: Store,
        clock: Arc<dyn Clock>,
        key: SigningKey,
        admin_token: Option<AdminToken>,
        credential_lifetime: CredentialLifetime,
    ) -> Self {
        Self(Arc::new(Shared {
            store,
            clock,
            key,
            admin_token,
            credential_lifetime,
            metrics: Metrics::default(),
            recent_nonces: Mutex::default(),
        }))
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.0
    }

    /// The current time, from the state's clock.
    pub fn now(&self) -> i64 {
        self.0.clock.now_unix()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// Records the nonce of a request answered from this process's memory: true when fresh, false for a replay.
    pub(crate) fn remember_nonce_here(&self, nonce: &NonceRecord, now: i64) -> bool {
        // A panic elsewhere while the lock was held leaves a set that is whole: each change is one map operation.
        self.0.recent_nonces.lock().unwrap_or_else(PoisonError::into_inner).remember(nonce, now)
    }
}
