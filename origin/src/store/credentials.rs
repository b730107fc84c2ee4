//! Insurers' and 公費負担者' bearer credentials in the store (`insurer_tokens`, kept as the SHA-256 of the token):
//! issuing one with its expiry, finding whose a live one is, whether a console session's one still is, listing and
//! revoking them. Both kinds of principal go through these same statements, so a credential of either expires and
//! is revoked by one rule.
//!
//! Layer: storage adapter. Must not decide a lifetime (the caller passes the expiry, `credential.rs` computes it)
//! or ever see a token: only its SHA-256 comes here.

use sqlx::AnyConnection;

use crate::credential::CredentialName;
use crate::error::{OriginError, Result};
use crate::store::Store;

/// Which kind of principal a credential opens the routes of (`insurers.principal_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// An insurer: the `/insurer/v1/…` routes.
    Insurer,
    /// A 公費負担者: the `/public-expense/v1/…` routes.
    PublicExpensePayer,
}

impl PrincipalKind {
    /// The stored text.
    pub(crate) const fn as_text(self) -> &'static str {
        match self {
            Self::Insurer => "insurer",
            Self::PublicExpensePayer => "public_expense_payer",
        }
    }
}

/// One credential as the operator lists it: never the token, nor the whole hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRow {
    /// Its public name.
    pub name: CredentialName,
    /// When it was issued (Unix seconds).
    pub issued_at: i64,
    /// When it stops opening anything (Unix seconds); `None` only between an upgrade and the first start after it.
    pub expires_at: Option<i64>,
    /// When the operator revoked it.
    pub revoked_at: Option<i64>,
}

/// Stores a new credential of `number`, expiring at `expires_at`. The caller's transaction has registered the
/// principal.
pub(crate) async fn insert_credential(
    conn: &mut AnyConnection,
    token_sha256: &str,
    number: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO insurer_tokens (token_sha256, insurer_number, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_sha256)
    .bind(number)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What revoking a credential found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// The credential, revoked now or earlier (revoking twice changes nothing).
    Revoked(CredentialRow),
    /// The principal has no credential of that name.
    NotFound,
}

type StoredCredential = (String, i64, Option<i64>, Option<i64>);

fn credential_row((sha256, issued_at, expires_at, revoked_at): StoredCredential) -> CredentialRow {
    CredentialRow { name: CredentialName::of_sha256(&sha256), issued_at, expires_at, revoked_at }
}

impl Store {
    /// The number and name of the principal of `kind` whose live credential has `token_sha256` at `now`: neither
    /// revoked nor past its expiry. An unknown, revoked, expired or undated credential, or one of the other kind,
    /// finds nothing. Read from the database every replica shares, so a revocation holds everywhere at once.
    pub async fn credential_holder(
        &self,
        token_sha256: &str,
        kind: PrincipalKind,
        now: i64,
    ) -> Result<Option<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT i.insurer_number, i.name FROM insurer_tokens t \
             JOIN insurers i ON i.insurer_number = t.insurer_number \
             WHERE t.token_sha256 = $1 AND i.principal_kind = $2 AND t.revoked_at IS NULL AND t.expires_at > $3",
        )
        .bind(token_sha256)
        .bind(kind.as_text())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Whether the principal `number` of `kind` holds a live credential named `name` at `now`: neither revoked nor
    /// past its expiry. An edge console session names the credential it was opened with on every call, and this is
    /// the one read that call costs: the index on the insurer's credentials finds its few rows, and nothing is
    /// written. Two credentials of one principal sharing a name are revoked together (`revoke_credential`), so a
    /// live one of that name is the session's own.
    pub async fn credential_is_live(
        &self,
        number: &str,
        kind: PrincipalKind,
        name: &CredentialName,
        now: i64,
    ) -> Result<bool> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT t.insurer_number FROM insurer_tokens t JOIN insurers i ON i.insurer_number = t.insurer_number \
             WHERE t.insurer_number = $1 AND i.principal_kind = $2 AND SUBSTR(t.token_sha256, 1, 12) = $3 \
             AND t.revoked_at IS NULL AND t.expires_at > $4 LIMIT 1",
        )
        .bind(number)
        .bind(kind.as_text())
        .bind(name.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Every credential of the principal `number` of `kind`, oldest first; `None` when there is no such principal.
    pub async fn credentials_of(&self, number: &str, kind: PrincipalKind) -> Result<Option<Vec<CredentialRow>>> {
        let known: Option<String> =
            sqlx::query_scalar("SELECT insurer_number FROM insurers WHERE insurer_number = $1 AND principal_kind = $2")
                .bind(number)
                .bind(kind.as_text())
                .fetch_optional(&self.pool)
                .await?;
        if known.is_none() {
            return Ok(None);
        }
        let rows: Vec<StoredCredential> = sqlx::query_as(
            "SELECT token_sha256, created_at, expires_at, revoked_at FROM insurer_tokens \
             WHERE insurer_number = $1 ORDER BY created_at, token_sha256",
        )
        .bind(number)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(rows.into_iter().map(credential_row).collect()))
    }

    /// Revokes the credential of the principal `number` of `kind` named `name`, at `now`, by `revoked_by`. Two
    /// credentials of one principal sharing a name (48 bits of a hash) would both be revoked: the operator then
    /// issues a fresh one, which is safer than guessing which was meant.
    pub async fn revoke_credential(
        &self,
        number: &str,
        kind: PrincipalKind,
        name: &CredentialName,
        now: i64,
        revoked_by: &str,
    ) -> Result<Revocation> {
        let mut tx = self.pool.begin().await?;
        let select = "SELECT t.token_sha256, t.created_at, t.expires_at, t.revoked_at FROM insurer_tokens t \
                      JOIN insurers i ON i.insurer_number = t.insurer_number \
                      WHERE t.insurer_number = $1 AND i.principal_kind = $2 AND SUBSTR(t.token_sha256, 1, 12) = $3";
        let found: Vec<StoredCredential> =
            sqlx::query_as(select).bind(number).bind(kind.as_text()).bind(name.as_str()).fetch_all(&mut *tx).await?;
        if found.is_empty() {
            return Ok(Revocation::NotFound);
        }
        sqlx::query(
            "UPDATE insurer_tokens SET revoked_at = $1, revoked_by = $2 \
             WHERE insurer_number = $3 AND SUBSTR(token_sha256, 1, 12) = $4 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(revoked_by)
        .bind(number)
        .bind(name.as_str())
        .execute(&mut *tx)
        .await?;
        let after: Option<StoredCredential> = sqlx::query_as(select)
            .bind(number)
            .bind(kind.as_text())
            .bind(name.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        let row = after.ok_or_else(|| OriginError::CorruptRecord("a revoked credential vanished".into()))?;
        Ok(Revocation::Revoked(credential_row(row)))
    }

    /// Gives every credential issued before credentials expired (migration 0024) the expiry `expires_at`; the
    /// number of credentials dated. `serve` calls it at each start with now + the configured lifetime, so an
    /// upgrade breaks no insurer's system and a credential is never left without an end.
    pub async fn date_undated_credentials(&self, expires_at: i64) -> Result<u64> {
        let done = sqlx::query("UPDATE insurer_tokens SET expires_at = $1 WHERE expires_at IS NULL")
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
