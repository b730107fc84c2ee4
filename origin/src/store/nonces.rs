//! The nonces of signed edge requests, in the database every replica shares: one unique-keyed row per nonce until
//! its expiry, claimed with a conditional upsert, so two replicas (or a replica before and after a restart) cannot
//! both accept one request.
//!
//! A qualification lookup by certificate claims its nonce together with its audit and check-in rows, in one
//! transaction of the group commit ([`Store::commit_rows_of_fresh_request`]): its rows are written only if the
//! nonce was fresh, so a replay is refused with nothing stored, and the lookup costs one commit, not two. Other
//! signed requests claim before their handler runs: on SQLite through the group commit
//! ([`crate::store::group_commit`]), so the claims of every request waiting at that moment share one transaction
//! instead of each queueing for the one write lock; on PostgreSQL, which takes concurrent writers, alone and at once
//! (measured before the lookups joined their claims to their rows: grouping the claims alone lowered PostgreSQL's
//! lookup rate). Either way a request is served only after its claim has committed.
//!
//! Layer: storage adapter. Must not decide how long a nonce is kept (`replay.rs` does).

use std::collections::HashSet;

use sqlx::{AnyConnection, Row as _};

use crate::error::Result;
use crate::replay::NonceRecord;
use crate::store::Store;
use crate::store::rows::RequestRows;
use crate::store::sql::{Backend, Bound, Statement, multi_row_insert};

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

    /// Records `nonce` at `now` and, only when it was fresh, commits `rows` in the same transaction (shared with
    /// other requests waiting at the same moment): true once both are durable, false for a replay, of which
    /// nothing is stored. On either database this is one grouped commit instead of a claim and then the rows.
    pub async fn commit_rows_of_fresh_request(&self, nonce: NonceRecord, now: i64, rows: RequestRows) -> Result<bool> {
        self.group_commit.commit_claimed(NonceClaim { record: nonce, now }, rows).await
    }
}

/// Claims `claims` inside the caller's transaction and answers, in order, whether each was fresh. A nonce named
/// twice among `claims` is fresh at most once. Expired rows are pruned when one of the claims draws the prune.
pub(crate) async fn claim_nonces(
    connection: &mut AnyConnection,
    backend: Backend,
    claims: &[&NonceClaim],
) -> Result<Vec<bool>> {
    let group = ClaimGroup::new(claims);
    let mut fresh = HashSet::with_capacity(claims.len());
    for statement in group.statements(backend) {
        for row in statement.query().fetch_all(&mut *connection).await? {
            fresh.insert(row.try_get::<String, _>(0)?);
        }
    }
    Ok(group.answers(&fresh))
}

/// The claims of one transaction: the statements that make them and how their answers are read, for
/// [`claim_nonces`] and for the group commit's SQLite script, which runs the statements in one command.
pub(crate) struct ClaimGroup<'a> {
    claims: &'a [&'a NonceClaim],
    /// Whether each claim is the first of its digest among `claims`.
    first: Vec<bool>,
    /// The first claim of each digest, in digest order.
    to_claim: Vec<&'a NonceClaim>,
}

impl<'a> ClaimGroup<'a> {
    pub(crate) fn new(claims: &'a [&'a NonceClaim]) -> Self {
        // The first claim of a digest goes to the database; a second one in the same group is a replay of the first.
        let mut seen = HashSet::with_capacity(claims.len());
        let first: Vec<bool> = claims.iter().map(|claim| seen.insert(claim.record.digest.as_str())).collect();
        let mut to_claim: Vec<&NonceClaim> =
            claims.iter().zip(&first).filter(|(_, first)| **first).map(|(c, _)| *c).collect();
        // Rows are locked in digest order, the same in every replica, so two replicas' grouped claims that share
        // nonces (a replay sent to both at once) wait for each other instead of deadlocking.
        to_claim.sort_unstable_by(|a, b| a.record.digest.cmp(&b.record.digest));
        Self { claims, first, to_claim }
    }

    /// The upserts, each returning the digests it claimed, then the prune when one of the claims draws it.
    pub(crate) fn statements(&self, backend: Backend) -> Vec<Statement<'a>> {
        let mut statements = Vec::with_capacity(self.to_claim.len().div_ceil(MAX_CLAIMS_PER_STATEMENT) + 1);
        for chunk in self.to_claim.chunks(MAX_CLAIMS_PER_STATEMENT) {
            // One `now` per statement: the earliest of the chunk, so a row is never taken over before its expiry
            // for any claim in it (a later claim at worst sees its repeated nonce refused a second early).
            let now = chunk.iter().map(|claim| claim.now).min().unwrap_or_default();
            let mut sql = multi_row_insert(
                backend,
                "INSERT INTO request_nonces (nonce_digest, expires_at) VALUES ",
                2,
                chunk.len(),
            );
            let now_parameter = match backend {
                Backend::Sqlite => "?".to_owned(),
                Backend::Postgres => format!("${}", chunk.len() * 2 + 1),
            };
            // A row is taken over exactly when it no longer guards its nonce (`NonceRecord::guards_at` is false).
            sql.push_str(&format!(
                " ON CONFLICT (nonce_digest) DO UPDATE SET expires_at = excluded.expires_at \
                  WHERE request_nonces.expires_at < {now_parameter} RETURNING nonce_digest"
            ));
            let mut values = Vec::with_capacity(chunk.len() * 2 + 1);
            for claim in chunk {
                values.push(Bound::Text(Some(claim.record.digest.as_str())));
                values.push(Bound::Int(claim.record.expires_at));
            }
            values.push(Bound::Int(now));
            statements.push(Statement { sql, values });
        }
        if let Some(now) = self.claims.iter().filter(|claim| claim.record.prunes()).map(|claim| claim.now).min() {
            let sql = match backend {
                Backend::Sqlite => "DELETE FROM request_nonces WHERE expires_at < ?",
                Backend::Postgres => "DELETE FROM request_nonces WHERE expires_at < $1",
            };
            statements.push(Statement { sql: sql.to_owned(), values: vec![Bound::Int(now)] });
        }
        statements
    }

    /// In claim order, whether each claim was fresh, given the digests the statements returned.
    pub(crate) fn answers(&self, fresh: &HashSet<String>) -> Vec<bool> {
        self.claims
            .iter()
            .zip(&self.first)
            .map(|(claim, first)| *first && fresh.contains(&claim.record.digest))
            .collect()
    }
}
