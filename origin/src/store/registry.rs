//! The J-LIS and 住基 stand-ins: certificate statuses with the 個人番号 they were issued for, and resident entries.
//!
//! Layer: storage adapter. Must not print or log a 個人番号.

use onshi_proto::origin::{CertificateRef, CertificateStatus};
use sqlx::AnyConnection;

use crate::error::Result;
use crate::store::Store;
use crate::store::rows::{JlisEntry, JlisStatus, NewJlisCertificate, NewResident, bind_person_items};

impl Store {
    /// The revocation status of a certificate; `Unknown` when it has never been recorded. An expired certificate
    /// is reported as revoked: either way the edge must refuse it, and it knows no other refusal.
    pub async fn certificate_status(&self, certificate: &CertificateRef) -> Result<CertificateStatus> {
        let stored = self.jlis_certificate(certificate).await?.map(|entry| entry.status);
        Ok(JlisStatus::wire_status_of(stored))
    }

    /// The J-LIS stand-in's entry for a certificate.
    pub async fn jlis_certificate(&self, certificate: &CertificateRef) -> Result<Option<JlisEntry>> {
        let row: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT individual_number, status FROM jlis_certificates \
             WHERE certificate_issuer = $1 AND certificate_serial = $2",
        )
        .bind(certificate.issuer.as_str())
        .bind(certificate.serial.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(individual_number, status)| {
            Ok(JlisEntry { individual_number, status: JlisStatus::from_text(&status)? })
        })
        .transpose()
    }

    /// Records a certificate as good or revoked at `now` (Unix seconds), replacing any earlier status and keeping
    /// its 個人番号. `Unknown` is not a status that can be recorded; asking for it removes the record instead.
    pub async fn set_certificate_status(
        &self,
        certificate: &CertificateRef,
        status: CertificateStatus,
        now: i64,
    ) -> Result<()> {
        let status = match status {
            CertificateStatus::Good => JlisStatus::Good,
            CertificateStatus::Revoked => JlisStatus::Revoked,
            CertificateStatus::Unknown => {
                sqlx::query("DELETE FROM jlis_certificates WHERE certificate_issuer = $1 AND certificate_serial = $2")
                    .bind(certificate.issuer.as_str())
                    .bind(certificate.serial.as_str())
                    .execute(&self.pool)
                    .await?;
                return Ok(());
            }
        };
        let revoked_at = (status == JlisStatus::Revoked).then_some(now);
        sqlx::query(
            "INSERT INTO jlis_certificates (certificate_issuer, certificate_serial, individual_number, status, \
                                            revoked_at, updated_at) \
             VALUES ($1, $2, NULL, $3, $4, $5) \
             ON CONFLICT (certificate_issuer, certificate_serial) \
             DO UPDATE SET status = excluded.status, revoked_at = excluded.revoked_at, updated_at = excluded.updated_at",
        )
        .bind(certificate.issuer.as_str())
        .bind(certificate.serial.as_str())
        .bind(status.as_text())
        .bind(revoked_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records (or replaces) the J-LIS stand-in's entry for a certificate.
    pub async fn put_jlis_certificate(&self, entry: &NewJlisCertificate, now: i64) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        upsert_jlis(&mut conn, entry, now, true).await?;
        Ok(())
    }

    /// Records (or replaces) one 住基 stand-in entry.
    pub async fn put_resident(&self, resident: &NewResident, now: i64) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        upsert_resident(&mut conn, resident, now, true).await?;
        Ok(())
    }
}

/// Inserts or (with `replace`) overwrites a J-LIS entry. Without `replace` an existing entry is kept, so
/// re-seeding cannot un-revoke a certificate.
pub(super) async fn upsert_jlis(
    conn: &mut AnyConnection,
    entry: &NewJlisCertificate,
    now: i64,
    replace: bool,
) -> Result<u64> {
    let revoked_at = (entry.status == JlisStatus::Revoked).then_some(now);
    let on_conflict = if replace {
        "DO UPDATE SET individual_number = excluded.individual_number, status = excluded.status, \
         revoked_at = excluded.revoked_at, updated_at = excluded.updated_at"
    } else {
        "DO NOTHING"
    };
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO jlis_certificates (certificate_issuer, certificate_serial, individual_number, status, revoked_at, \
                                        updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (certificate_issuer, certificate_serial) {on_conflict}"
    )))
    .bind(entry.certificate.issuer.as_str())
    .bind(entry.certificate.serial.as_str())
    .bind(&entry.individual_number)
    .bind(entry.status.as_text())
    .bind(revoked_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn upsert_resident(
    conn: &mut AnyConnection,
    resident: &NewResident,
    now: i64,
    replace: bool,
) -> Result<u64> {
    let on_conflict = if replace {
        "DO UPDATE SET name = excluded.name, name_kana = excluded.name_kana, birth_date = excluded.birth_date, \
         sex = excluded.sex, address = excluded.address, updated_at = excluded.updated_at"
    } else {
        "DO NOTHING"
    };
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO resident_registry (individual_number, name, name_kana, birth_date, sex, address, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (individual_number) {on_conflict}"
    )))
    .bind(&resident.individual_number);
    let done = bind_person_items(query, &resident.items).bind(now).execute(conn).await?;
    Ok(done.rows_affected())
}
