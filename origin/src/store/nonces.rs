//! The nonces of signed edge requests, in the database every replica shares: one unique-keyed row per nonce until
//! its expiry, claimed with a conditional upsert, so two replicas (or a replica before and after a restart) cannot
//! both accept one request.
//!
//! On SQLite, claims go through the group commit ([`crate::store::group_commit`]): the claims of every request
//! waiting at that moment share one transaction with the audit rows being written, instead of each request queueing
//! for the one write lock on its own. PostgreSQL takes concurrent writers, so there a claim commits on its own at
//! once rather than wait for the writer's turn (measured: the grouped claims lowered PostgreSQL's lookup rate). Either
//! way a request is served only after its claim has committed.
//!
//! Layer: storage adapter. Must not decide how long a nonce is kept (`replay.rs` does).

use std::collections::HashSet;

use sqlx::{AnyConnection, Row as _};

use crate::error::Result;
use crate::replay::NonceRecord;
use crate::store::Store;
use crate::store::sql::{Backend, multi_row_insert};

/// Most nonces in one multi-row upsert.
const MAX_CLAIMS_PER_STATEMENT: usize = 64;

/// One request's nonce, to be claimed at `now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NonceClaim {
    /// What is kept of the nonce.
    pub record: NonceRecord,
    /// When the request arrived (Unix seconds): a row left by a nonce that expired before it may be taken over.
    pub now: i64,
}

impl Store {
    /// Records `nonce` at `now`: true when it was not seen within its window (a row left by an expired nonce is
    /// taken over), false for a replay.
    pub async fn remember_nonce(&self, nonce: &NonceRecord, now: i64) -> Result<bool> {
        let claim = NonceClaim { record: nonce.clone(), now };
        match self.backend {
            Backend::Sqlite => self.group_commit.claim_nonce(claim).await,
            Backend::Postgres => {
                let mut connection = self.pool().acquire().await?;
                // One claim answers once; no answer would be a refusal, never an acceptance.
                Ok(claim_nonces(&mut connection, self.backend, &[&claim]).await?.first().copied().unwrap_or(false))
            }
        }
    }
}

/// Claims `claims` inside the caller's transaction and answers, in order, whether each was fresh. A nonce named
/// twice among `claims` is fresh at most once. Expired rows are pruned when one of the claims draws the prune.
pub(crate) async fn claim_nonces(
    connection: &mut AnyConnection,
    backend: Backend,
    claims: &[&NonceClaim],
) -> Result<Vec<bool>> {
    // The first claim of a digest goes to the database; a second one in the same group is a replay of the first.
    let mut seen = HashSet::with_capacity(claims.len());
    let first: Vec<bool> = claims.iter().map(|claim| seen.insert(claim.record.digest.as_str())).collect();
    let to_claim: Vec<&NonceClaim> = claims.iter().zip(&first).filter(|(_, first)| **first).map(|(c, _)| *c).collect();
    let mut fresh = HashSet::with_capacity(to_claim.len());
    for chunk in to_claim.chunks(MAX_CLAIMS_PER_STATEMENT) {
        // One `now` per statement: the earliest of the chunk, so a row is never taken over before its expiry for
        // any claim in it (a later claim at worst sees its repeated nonce refused a second early).
        let now = chunk.iter().map(|claim| claim.now).min().unwrap_or_default();
        let mut sql =
            multi_row_insert(backend, "INSERT INTO request_nonces (nonce_digest, expires_at) VALUES ", 2, chunk.len());
        let now_parameter = match backend {
            Backend::Sqlite => "?".to_owned(),
            Backend::Postgres => format!("${}", chunk.len() * 2 + 1),
        };
        sql.push_str(&format!(
            " ON CONFLICT (nonce_digest) DO UPDATE SET expires_at = excluded.expires_at \
              WHERE request_nonces.expires_at < {now_parameter} RETURNING nonce_digest"
        ));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for claim in chunk {
            query = query.bind(claim.record.digest.as_str()).bind(claim.record.expires_at);
        }
        for row in query.bind(now).fetch_all(&mut *connection).await? {
            fresh.insert(row.try_get::<String, _>(0)?);
        }
    }
    if let Some(now) = claims.iter().filter(|claim| claim.record.prunes()).map(|claim| claim.now).min() {
        sqlx::query("DELETE FROM request_nonces WHERE expires_at < $1").bind(now).execute(&mut *connection).await?;
    }
    Ok(claims.iter().zip(first).map(|(claim, first)| first && fresh.contains(&claim.record.digest)).collect())
}
