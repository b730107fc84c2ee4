//! The application state every handler shares: the store, the clock, the edge's signing key, the admin token and
//! the metrics counters.
//!
//! Layer: HTTP adapter (data only). Must not hold anything per request.

use std::sync::Arc;

use crate::clock::Clock;
use crate::key::{AdminToken, SigningKey};
use crate::metrics::Metrics;
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
    pub(crate) metrics: Metrics,
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
        Self(Arc::new(Shared { store, clock, key, admin_token, metrics: Metrics::default() }))
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
}
