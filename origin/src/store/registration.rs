//! 健康保険証利用登録: linking a card certificate to the person the insurers registered under its 個人番号.
//!
//! Layer: storage adapter. Must not let the 個人番号 leave these functions.

use onshi_proto::origin::CertificateRef;

use crate::error::Result;
use crate::store::Store;
use crate::store::rows::{HoldStatus, JlisStatus, RegistrationResult};

impl Store {
    /// 健康保険証利用登録 at `now`: resolves the certificate to a 個人番号 through the J-LIS stand-in, finds the
    /// person the insurers registered under it (never a held one), and links the certificate to that person. The
    /// number itself never leaves this function.
    pub async fn register_certificate(&self, certificate: &CertificateRef, now: i64) -> Result<RegistrationResult> {
        let mut tx = self.pool.begin().await?;
        let jlis: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT individual_number, status FROM jlis_certificates \
             WHERE certificate_issuer = $1 AND certificate_serial = $2",
        )
        .bind(certificate.issuer.as_str())
        .bind(certificate.serial.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((number, status)) = jlis else { return Ok(RegistrationResult::CertificateNotUsable) };
        if JlisStatus::from_text(&status)? != JlisStatus::Good {
            return Ok(RegistrationResult::CertificateNotUsable);
        }
        let Some(number) = number else { return Ok(RegistrationResult::NoInsuredRecord) };
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT person_id FROM certificate_links WHERE certificate_issuer = $1 AND certificate_serial = $2",
        )
        .bind(certificate.issuer.as_str())
        .bind(certificate.serial.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let candidates: Vec<(String, String)> =
            sqlx::query_as("SELECT id, hold_status FROM persons WHERE individual_number = $1 ORDER BY id")
                .bind(&number)
                .fetch_all(&mut *tx)
                .await?;
        let mut usable = Vec::new();
        let mut held = None;
        for (person_id, hold) in candidates {
            if HoldStatus::from_text(&hold)? == HoldStatus::Held {
                held.get_or_insert(person_id);
            } else {
                usable.push(person_id);
            }
        }
        let person_id = match (usable.len(), held) {
            (0, Some(person_id)) => return Ok(RegistrationResult::Held { person_id }),
            (0, None) => return Ok(RegistrationResult::NoInsuredRecord),
            (1, _) => usable.remove(0),
            _ => return Ok(RegistrationResult::Ambiguous),
        };
        if existing.as_deref() == Some(person_id.as_str()) {
            return Ok(RegistrationResult::AlreadyRegistered { person_id });
        }
        // A link to someone else (a renewed number, or an earlier mis-link the insurer has since corrected) is
        // replaced: the J-LIS answer is the authority on whose card this is.
        sqlx::query(
            "INSERT INTO certificate_links (certificate_issuer, certificate_serial, person_id, linked_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (certificate_issuer, certificate_serial) \
             DO UPDATE SET person_id = excluded.person_id, linked_at = excluded.linked_at",
        )
        .bind(certificate.issuer.as_str())
        .bind(certificate.serial.as_str())
        .bind(&person_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RegistrationResult::Registered { person_id })
    }

    /// The person a certificate is linked to and whether that record is held.
    pub async fn linked_person(&self, certificate: &CertificateRef) -> Result<Option<(String, HoldStatus)>> {
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT l.person_id, p.hold_status FROM certificate_links l JOIN persons p ON p.id = l.person_id \
             WHERE l.certificate_issuer = $1 AND l.certificate_serial = $2",
        )
        .bind(certificate.issuer.as_str())
        .bind(certificate.serial.as_str())
        .fetch_optional(&self.pool)
        .await?;
        found.map(|(id, hold)| Ok((id, HoldStatus::from_text(&hold)?))).transpose()
    }
}
