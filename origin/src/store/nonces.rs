//! The nonces of signed edge requests, in the database every replica shares: one unique-keyed row per nonce until
//! its expiry, taken with one conditional upsert, so two replicas (or a replica before and after a restart) cannot
//! both accept one request.
//!
//! Layer: storage adapter. Must not decide how long a nonce is kept (`replay.rs` does).

use crate::error::Result;
use crate::replay::NonceRecord;
use crate::store::Store;

impl Store {
    /// Records `nonce` at `now`: true when it was not seen within its window (a row left by an expired nonce is
    /// taken over), false for a replay.
    pub async fn remember_nonce(&self, nonce: &NonceRecord, now: i64) -> Result<bool> {
        let fresh = sqlx::query(
            "INSERT INTO request_nonces (nonce_digest, expires_at) VALUES ($1, $2) \
             ON CONFLICT (nonce_digest) DO UPDATE SET expires_at = excluded.expires_at \
             WHERE request_nonces.expires_at < $3",
        )
        .bind(&nonce.digest)
        .bind(nonce.expires_at)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1;
        if fresh && nonce.prunes() {
            sqlx::query("DELETE FROM request_nonces WHERE expires_at < $1").bind(now).execute(self.pool()).await?;
        }
        Ok(fresh)
    }
}
