//! The operator's view of insurers' and 公費負担者' credentials (`/admin/v1/…/credentials`): list one principal's
//! credentials by public name, with when each was issued, expires and was revoked, and revoke one. Both are for the
//! admin token only (`GET` lists, `DELETE` on one credential revokes it) and each call writes an audit row naming the operator.
//!
//! A revoked or expired credential is refused with `unauthorized`, exactly as an unknown one is. A distinct
//! `credential_expired` code was weighed and not taken: an insurer's system cannot renew its own credential (only
//! the operator issues one, and the issue answer already says when it expires, so rotation is planned, not
//! discovered), the operator sees the state of every credential here, and a distinct code would tell whoever holds
//! an old or leaked token that it was once genuine. The origin's log says which of the three it was.
//!
//! Layer: HTTP adapter. Must not show a token or a whole token hash, or list one principal's credentials under
//! another's number.

use axum::Json;
use axum::extract::{Path, State};
use onshi_proto::ErrorCode;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::public_expense::PayerNumber;
use serde::{Deserialize, Serialize};

use crate::credential::CredentialName;
use crate::http::admin::Admin;
use crate::http::audit::audit;
use crate::http::signed::Failure;
use crate::http::state::AppState;
use crate::store::credentials::{CredentialRow, PrincipalKind, Revocation};

/// An insurer's credentials.
pub const ADMIN_INSURER_CREDENTIALS_PATH: &str = "/admin/v1/insurers/{insurer_number}/credentials";
/// One of an insurer's credentials: `DELETE` revokes it (its row stays, for the listing and the audit).
pub const ADMIN_INSURER_CREDENTIAL_PATH: &str = "/admin/v1/insurers/{insurer_number}/credentials/{credential}";
/// A 公費負担者's credentials.
pub const ADMIN_PAYER_CREDENTIALS_PATH: &str = "/admin/v1/public-expense-payers/{payer_number}/credentials";
/// One of a 公費負担者's credentials: `DELETE` revokes it.
pub const ADMIN_PAYER_CREDENTIAL_PATH: &str = "/admin/v1/public-expense-payers/{payer_number}/credentials/{credential}";

/// Audit purpose of listing a principal's credentials.
pub const PURPOSE_ADMIN_CREDENTIAL_LIST: &str = "admin_credential_list";
/// Audit purpose of revoking a credential.
pub const PURPOSE_ADMIN_CREDENTIAL_REVOKE: &str = "admin_credential_revoke";

/// One credential as the operator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CredentialView {
    /// Its public name: the first 12 hex digits of the token's SHA-256.
    pub credential: String,
    /// When it was issued (Unix seconds).
    pub issued_at: i64,
    /// When it stops opening anything (Unix seconds). Absent only for a credential issued before credentials
    /// expired, between the upgrade and the origin's first start on it (it opens nothing meanwhile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// When the operator revoked it; absent while it is not revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}

impl From<CredentialRow> for CredentialView {
    fn from(row: CredentialRow) -> Self {
        Self {
            credential: row.name.as_str().to_owned(),
            issued_at: row.issued_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// A principal's credentials, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CredentialList {
    /// The insurer's or payer's number.
    pub number: String,
    /// Its credentials.
    pub credentials: Vec<CredentialView>,
}

fn insurer_number(text: &str) -> Result<String, Failure> {
    Ok(InsurerNumber::parse(text).map_err(|_| Failure(ErrorCode::BadRequest))?.as_str().to_owned())
}

fn payer_number(text: &str) -> Result<String, Failure> {
    Ok(PayerNumber::parse(text).map_err(|_| Failure(ErrorCode::BadRequest))?.as_str().to_owned())
}

async fn list(state: &AppState, admin: &Admin, number: String, kind: PrincipalKind) -> Result<CredentialList, Failure> {
    let now = state.now();
    let Some(rows) = state.store().credentials_of(&number, kind).await? else {
        audit(state, now, admin, None, PURPOSE_ADMIN_CREDENTIAL_LIST, "not_found").await?;
        return Err(Failure(ErrorCode::NotFound));
    };
    audit(state, now, admin, None, PURPOSE_ADMIN_CREDENTIAL_LIST, &format!("listed:{number}")).await?;
    Ok(CredentialList { number, credentials: rows.into_iter().map(CredentialView::from).collect() })
}

async fn revoke(
    state: &AppState,
    admin: &Admin,
    number: String,
    kind: PrincipalKind,
    credential: &str,
) -> Result<CredentialView, Failure> {
    // A name that cannot be one is no credential of this principal's.
    let name = CredentialName::parse(credential).ok_or(Failure(ErrorCode::NotFound))?;
    let now = state.now();
    match state.store().revoke_credential(&number, kind, &name, now, admin.actor()).await? {
        Revocation::Revoked(row) => {
            let outcome = format!("revoked:{number}:{}", name.as_str());
            audit(state, now, admin, None, PURPOSE_ADMIN_CREDENTIAL_REVOKE, &outcome).await?;
            tracing::info!(credential = name.as_str(), "credential revoked");
            Ok(CredentialView::from(row))
        }
        Revocation::NotFound => {
            audit(state, now, admin, None, PURPOSE_ADMIN_CREDENTIAL_REVOKE, "not_found").await?;
            Err(Failure(ErrorCode::NotFound))
        }
    }
}

/// `GET /admin/v1/insurers/{insurer_number}/credentials`.
pub(crate) async fn insurer_credentials(
    State(state): State<AppState>,
    admin: Admin,
    Path(number): Path<String>,
) -> Result<Json<CredentialList>, Failure> {
    Ok(Json(list(&state, &admin, insurer_number(&number)?, PrincipalKind::Insurer).await?))
}

/// `DELETE /admin/v1/insurers/{insurer_number}/credentials/{credential}`: the credential is refused at once on every replica,
/// since each request reads the credential's row; revoking twice answers the first revocation.
pub(crate) async fn revoke_insurer_credential(
    State(state): State<AppState>,
    admin: Admin,
    Path((number, credential)): Path<(String, String)>,
) -> Result<Json<CredentialView>, Failure> {
    Ok(Json(revoke(&state, &admin, insurer_number(&number)?, PrincipalKind::Insurer, &credential).await?))
}

/// `GET /admin/v1/public-expense-payers/{payer_number}/credentials`.
pub(crate) async fn payer_credentials(
    State(state): State<AppState>,
    admin: Admin,
    Path(number): Path<String>,
) -> Result<Json<CredentialList>, Failure> {
    Ok(Json(list(&state, &admin, payer_number(&number)?, PrincipalKind::PublicExpensePayer).await?))
}

/// `DELETE /admin/v1/public-expense-payers/{payer_number}/credentials/{credential}`.
pub(crate) async fn revoke_payer_credential(
    State(state): State<AppState>,
    admin: Admin,
    Path((number, credential)): Path<(String, String)>,
) -> Result<Json<CredentialView>, Failure> {
    Ok(Json(revoke(&state, &admin, payer_number(&number)?, PrincipalKind::PublicExpensePayer, &credential).await?))
}
