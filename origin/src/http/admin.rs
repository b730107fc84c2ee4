//! The admin routes (`/admin/v1/…`): register an insurer and issue its token (which expires; listing and revoking
//! tokens is `admin_credentials.rs`), and put entries into the 住基 and J-LIS stand-ins. They take the token from `ONSHI_ADMIN_TOKEN` and are closed when it is unset; every call that
//! changes something writes an audit row naming the operator (`operator:<ONSHI_OPERATOR_ID>`) and what was done,
//! never the personal data it carried.
//!
//! Layer: HTTP adapter. Must not show an issued token again after the answer that carries it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use onshi_proto::insurer_number::InsurerNumber;
use onshi_proto::origin::CertificateRef;
use onshi_proto::public_expense::PayerNumber;
use onshi_proto::qualification::Sex;
use onshi_proto::record_text::RecordText;
use onshi_proto::{ErrorCode, IsoDate};
use serde::{Deserialize, Serialize};

use crate::batch::decide::PersonItems;
use crate::credential::CredentialName;
use crate::http::audit::{Asker, audit};
use crate::http::signed::{Failure, bearer};
use crate::http::state::AppState;
use crate::individual_number::IndividualNumber;
use crate::key::token_sha256;
use crate::store::public_expense::Payer;
use crate::store::{JlisStatus, NewInsurer, NewJlisCertificate, NewResident, random_id};

/// Register an insurer and issue it a token.
pub const ADMIN_INSURERS_PATH: &str = "/admin/v1/insurers";
/// Register a 公費負担者 (a welfare office, a municipality's programme) and issue it a token.
pub const ADMIN_PAYERS_PATH: &str = "/admin/v1/public-expense-payers";
/// Put a 住基 stand-in entry.
pub const ADMIN_RESIDENTS_PATH: &str = "/admin/v1/residents";
/// Put a J-LIS stand-in entry.
pub const ADMIN_CERTIFICATES_PATH: &str = "/admin/v1/certificates";

/// Proof that the request carried the admin token, with who holds it (`operator:<id>`) for the audit row.
#[derive(Debug)]
pub struct Admin {
    actor: String,
}

impl Admin {
    /// Who holds the admin token: `operator:<id>`.
    pub(crate) fn actor(&self) -> &str {
        &self.actor
    }
}

impl Asker for Admin {
    fn device_id(&self) -> Option<&str> {
        Some(&self.actor)
    }
    fn facility_code(&self) -> Option<&str> {
        None
    }
}

/// Audit purpose of `POST /admin/v1/insurers`.
pub const PURPOSE_ADMIN_INSURER: &str = "admin_insurer";
/// Audit purpose of `POST /admin/v1/public-expense-payers`.
pub const PURPOSE_ADMIN_PAYER: &str = "admin_public_expense_payer";
/// Audit purpose of `POST /admin/v1/residents`.
pub const PURPOSE_ADMIN_RESIDENT: &str = "admin_resident";
/// Audit purpose of `POST /admin/v1/certificates`.
pub const PURPOSE_ADMIN_CERTIFICATE: &str = "admin_certificate";

impl FromRequestParts<AppState> for Admin {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(Failure(ErrorCode::Unauthorized))?;
        match &state.shared().admin_token {
            Some(admin) if admin.matches(token) => Ok(Self { actor: admin.actor().to_owned() }),
            _ => {
                tracing::warn!("admin route refused");
                Err(Failure(ErrorCode::Unauthorized))
            }
        }
    }
}

/// Body of `POST /admin/v1/insurers`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInsurerRequest {
    /// 保険者番号 (checked).
    pub insurer_number: String,
    /// 保険者名称.
    pub name: String,
    /// How many days the token lives: at most the origin's configured lifetime (`ONSHI_INSURER_CREDENTIAL_DAYS`,
    /// 365 unless set), which is also what an issue that does not ask gets. Asking for more is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_days: Option<u32>,
}

/// Answer of `POST /admin/v1/insurers`: the bearer token, shown this once and stored only as its SHA-256.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewInsurerAnswer {
    /// The insurer.
    pub insurer_number: String,
    /// Its new bearer token.
    pub token: String,
    /// The token's public name, as the credential listing shows it.
    pub credential: String,
    /// When the token stops opening the insurer routes (Unix seconds).
    pub expires_at: i64,
}

impl std::fmt::Debug for NewInsurerAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInsurerAnswer")
            .field("insurer_number", &self.insurer_number)
            .field("token", &"<redacted>")
            .field("credential", &self.credential)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

pub(crate) async fn add_insurer(
    State(state): State<AppState>,
    admin: Admin,
    body: Bytes,
) -> Result<Json<NewInsurerAnswer>, Failure> {
    let request: NewInsurerRequest = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let number = InsurerNumber::parse(&request.insurer_number).map_err(|_| Failure(ErrorCode::BadRequest))?;
    if request.name.trim().is_empty() || request.name.chars().count() > 100 {
        return Err(Failure(ErrorCode::BadRequest));
    }
    let now = state.now();
    let expires_at = credential_expiry(&state, now, request.lifetime_days)?;
    let token = format!("{}{}", random_id()?, random_id()?);
    let insurer = NewInsurer { number, name: request.name };
    let sha256 = token_sha256(&token);
    state.store().add_insurer_token(&insurer, &sha256, now, expires_at).await?;
    audit(&state, now, &admin, None, PURPOSE_ADMIN_INSURER, "ok").await?;
    let credential = CredentialName::of_sha256(&sha256).as_str().to_owned();
    Ok(Json(NewInsurerAnswer { insurer_number: insurer.number.as_str().to_owned(), token, credential, expires_at }))
}

/// When a credential issued now expires: the configured lifetime, or the shorter one the request asks for. A
/// longer one is refused as a malformed request, so the operator learns it rather than getting a shorter credential
/// than asked without a word.
fn credential_expiry(state: &AppState, now: i64, requested_days: Option<u32>) -> Result<i64, Failure> {
    state.shared().credential_lifetime.expiry(now, requested_days).map_err(|refused| {
        tracing::info!(%refused, "credential issue refused");
        Failure(ErrorCode::BadRequest)
    })
}

/// Body of `POST /admin/v1/public-expense-payers`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayerRequest {
    /// 公費負担者番号 (checked).
    #[schema(value_type = String)]
    pub payer_number: PayerNumber,
    /// The welfare office's or the municipality's name, as answers show it (`WelfareOfficeName`).
    #[schema(value_type = String)]
    pub name: RecordText,
    /// How many days the token lives, as for an insurer's (at most the configured lifetime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_days: Option<u32>,
}

/// Answer of `POST /admin/v1/public-expense-payers`: the bearer token, shown this once and stored only as its
/// SHA-256.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewPayerAnswer {
    /// The payer.
    pub payer_number: String,
    /// Its new bearer token.
    pub token: String,
    /// The token's public name, as the credential listing shows it.
    pub credential: String,
    /// When the token stops opening the payer routes (Unix seconds).
    pub expires_at: i64,
}

impl std::fmt::Debug for NewPayerAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPayerAnswer")
            .field("payer_number", &self.payer_number)
            .field("token", &"<redacted>")
            .field("credential", &self.credential)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// `POST /admin/v1/public-expense-payers`: a payer's credential, issued as an insurer's is; a number already
/// registered as an insurer's is refused.
pub(crate) async fn add_payer(
    State(state): State<AppState>,
    admin: Admin,
    body: Bytes,
) -> Result<Json<NewPayerAnswer>, Failure> {
    let request: NewPayerRequest = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let now = state.now();
    let expires_at = credential_expiry(&state, now, request.lifetime_days)?;
    let token = format!("{}{}", random_id()?, random_id()?);
    let payer = Payer { number: request.payer_number, name: request.name };
    let sha256 = token_sha256(&token);
    if !state.store().add_payer_token(&payer, &sha256, now, expires_at).await? {
        audit(&state, now, &admin, None, PURPOSE_ADMIN_PAYER, "insurer_number").await?;
        return Err(Failure(ErrorCode::BadRequest));
    }
    audit(&state, now, &admin, None, PURPOSE_ADMIN_PAYER, "ok").await?;
    let credential = CredentialName::of_sha256(&sha256).as_str().to_owned();
    Ok(Json(NewPayerAnswer { payer_number: payer.number.as_str().to_owned(), token, credential, expires_at }))
}

/// Body of `POST /admin/v1/residents`: one 住基 stand-in entry.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentRequest {
    /// 個人番号 (checked).
    pub individual_number: String,
    /// 漢字氏名.
    pub name: String,
    /// カナ氏名.
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所.
    pub address: String,
}

pub(crate) async fn put_resident(
    State(state): State<AppState>,
    admin: Admin,
    body: Bytes,
) -> Result<StatusCode, Failure> {
    let request: ResidentRequest = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let number = IndividualNumber::parse(&request.individual_number).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let resident = NewResident {
        individual_number: number.as_str().to_owned(),
        items: PersonItems {
            name: request.name.into(),
            name_kana: request.name_kana.into(),
            birth_date: request.birth_date,
            sex: request.sex,
            address: request.address.into(),
        },
    };
    state.store().put_resident(&resident, state.now()).await?;
    audit(&state, state.now(), &admin, None, PURPOSE_ADMIN_RESIDENT, "ok").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /admin/v1/certificates`: one J-LIS stand-in entry.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequest {
    /// The certificate.
    pub certificate: CertificateRef,
    /// The 個人番号 it was issued for.
    pub individual_number: String,
    /// `good`, `revoked` or `expired`.
    pub status: String,
}

pub(crate) async fn put_certificate(
    State(state): State<AppState>,
    admin: Admin,
    body: Bytes,
) -> Result<StatusCode, Failure> {
    let request: CertificateRequest = serde_json::from_slice(&body).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let number = IndividualNumber::parse(&request.individual_number).map_err(|_| Failure(ErrorCode::BadRequest))?;
    let status = match request.status.as_str() {
        "good" => JlisStatus::Good,
        "revoked" => JlisStatus::Revoked,
        "expired" => JlisStatus::Expired,
        _ => return Err(Failure(ErrorCode::BadRequest)),
    };
    let entry = NewJlisCertificate {
        certificate: request.certificate,
        individual_number: Some(number.as_str().to_owned()),
        status,
    };
    state.store().put_jlis_certificate(&entry, state.now()).await?;
    audit(&state, state.now(), &admin, None, PURPOSE_ADMIN_CERTIFICATE, "ok").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_insurer_token_never_shows_in_debug_output() {
        let answer = NewInsurerAnswer {
            insurer_number: "33120015".into(),
            token: "secret-token-value-0123".into(),
            credential: "0123456789ab".into(),
            expires_at: 0,
        };
        let shown = format!("{answer:?}");
        assert!(shown.contains("33120015"));
        assert!(!shown.contains("secret-token-value"));
    }
}
