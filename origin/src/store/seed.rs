//! Seeding: a [`RecordBatch`] inserted row by row in one transaction, keeping every row that already exists.
//!
//! Layer: storage adapter. Must not decide what a batch holds (the demo seed and tests build it).

use onshi_proto::origin::CertificateStatus;
use sqlx::AnyConnection;

use crate::error::Result;
use crate::store::Store;
use crate::store::registry::{upsert_jlis, upsert_resident};
use crate::store::rows::{
    BatchSummary, JlisStatus, NewCertificateLink, NewCheckup, NewInsurer, NewJlisCertificate, NewMedication, NewPerson,
    NewProcedure, NewQualification, RecordBatch,
};

impl Store {
    /// Inserts `batch` in one transaction at `now` (Unix seconds). Existing rows are kept unchanged, but for one
    /// thing an insurer does every August: a qualification's 高齢受給者証 that ended before the batch's certificate
    /// for it begins is replaced by that one (the next 適用年度's), so a demo database seeded last year still
    /// answers this year's share.
    pub async fn apply(&self, batch: &RecordBatch, now: i64) -> Result<BatchSummary> {
        let mut tx = self.pool.begin().await?;
        let mut rows_inserted = 0;
        for insurer in &batch.insurers {
            rows_inserted += insert_insurer(&mut tx, insurer, now).await?;
        }
        for person in &batch.persons {
            rows_inserted += insert_person(&mut tx, person, now).await?;
        }
        for qualification in &batch.qualifications {
            let inserted = insert_qualification(&mut tx, qualification, now).await?;
            rows_inserted += inserted;
            if inserted == 0 {
                rows_inserted += renew_elderly_certificate(&mut tx, qualification).await?;
            }
        }
        for link in &batch.links {
            rows_inserted += insert_link(&mut tx, link, now).await?;
        }
        // J-LIS entries with their 個人番号 go first, so a bare status for the same certificate cannot take
        // their place.
        for entry in &batch.jlis_certificates {
            rows_inserted += upsert_jlis(&mut tx, entry, now, false).await?;
        }
        for (certificate, status) in &batch.certificate_statuses {
            let status = match status {
                CertificateStatus::Good => JlisStatus::Good,
                CertificateStatus::Revoked => JlisStatus::Revoked,
                CertificateStatus::Unknown => continue,
            };
            let entry = NewJlisCertificate { certificate: certificate.clone(), individual_number: None, status };
            rows_inserted += upsert_jlis(&mut tx, &entry, now, false).await?;
        }
        for (person_id, number) in &batch.individual_numbers {
            let done =
                sqlx::query("UPDATE persons SET individual_number = $1 WHERE id = $2 AND individual_number IS NULL")
                    .bind(number)
                    .bind(person_id)
                    .execute(&mut *tx)
                    .await?;
            rows_inserted += done.rows_affected();
        }
        for resident in &batch.residents {
            rows_inserted += upsert_resident(&mut tx, resident, now, false).await?;
        }
        for entry in &batch.medications {
            rows_inserted += insert_medication(&mut tx, entry).await?;
        }
        for entry in &batch.checkups {
            rows_inserted += insert_checkup(&mut tx, entry).await?;
        }
        for entry in &batch.procedures {
            rows_inserted += insert_procedure(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(BatchSummary { rows_inserted })
    }
}

pub(crate) async fn insert_insurer(conn: &mut AnyConnection, insurer: &NewInsurer, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO insurers (insurer_number, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(insurer.number.as_str())
    .bind(&insurer.name)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_person(conn: &mut AnyConnection, person: &NewPerson, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO persons (id, name, name_kana, birth_date, sex, address, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&person.id)
    .bind(&person.name)
    .bind(&person.name_kana)
    .bind(person.birth_date.to_string())
    .bind(person.sex.as_str())
    .bind(&person.address)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_qualification(conn: &mut AnyConnection, q: &NewQualification, now: i64) -> Result<u64> {
    let elderly = q.elderly_recipient.as_ref();
    let disease = q.specific_disease.as_ref();
    let done = sqlx::query(
        "INSERT INTO qualifications (id, person_id, insured_person_id, insurer_number, card_classification, symbol, \
                                     number, branch, personal_family, qualification_date, disqualification_date, \
                                     loss_reason, partial_contribution_percent, elderly_contribution_percent, \
                                     elderly_valid_from, elderly_valid_until, limit_category, created_at, \
                                     specific_disease_category, specific_disease_valid_from, \
                                     specific_disease_valid_until, specific_disease_self_pay_yen) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
                 $22) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&q.id)
    .bind(&q.person_id)
    .bind(&q.insured_person_id)
    .bind(q.insurer_number.as_str())
    .bind(&q.card_classification)
    .bind(q.symbol.clone().unwrap_or_default())
    .bind(&q.number)
    .bind(q.branch.clone().unwrap_or_default())
    .bind(q.personal_family.as_str())
    .bind(q.qualification_date.to_string())
    .bind(q.disqualification_date.map(|d| d.to_string()))
    .bind(&q.loss_reason)
    .bind(i32::from(q.partial_contribution_percent))
    .bind(elderly.map(|e| i32::from(e.contribution_ratio_percent)))
    .bind(elderly.map(|e| e.valid_from.to_string()))
    .bind(elderly.and_then(|e| e.valid_until).map(|d| d.to_string()))
    .bind(&q.limit_category)
    .bind(now)
    .bind(disease.map(|d| d.disease_category.as_str()))
    .bind(disease.and_then(|d| d.valid_from).map(|d| d.to_string()))
    .bind(disease.and_then(|d| d.valid_until).map(|d| d.to_string()))
    // Batches accept only 10,000 or 20,000; anything that does not fit is refused by the column's CHECK.
    .bind(disease.and_then(|d| d.monthly_self_pay_yen).map(|yen| i32::try_from(yen).unwrap_or(i32::MAX)))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Puts `q`'s 高齢受給者証 on its stored row when the stored one ended before it begins; a certificate still in
/// force, or one the batch does not follow, is left as it is. Dates are stored as `YYYY-MM-DD`, which compare as
/// text.
async fn renew_elderly_certificate(conn: &mut AnyConnection, q: &NewQualification) -> Result<u64> {
    let Some(elderly) = &q.elderly_recipient else { return Ok(0) };
    let done = sqlx::query(
        "UPDATE qualifications SET elderly_contribution_percent = $1, elderly_valid_from = $2, \
                                   elderly_valid_until = $3 \
         WHERE id = $4 AND elderly_valid_until IS NOT NULL AND elderly_valid_until < $2",
    )
    .bind(i32::from(elderly.contribution_ratio_percent))
    .bind(elderly.valid_from.to_string())
    .bind(elderly.valid_until.map(|d| d.to_string()))
    .bind(&q.id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_link(conn: &mut AnyConnection, link: &NewCertificateLink, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO certificate_links (certificate_issuer, certificate_serial, person_id, linked_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(link.certificate.issuer.as_str())
    .bind(link.certificate.serial.as_str())
    .bind(&link.person_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_medication(conn: &mut AnyConnection, entry: &NewMedication) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO medication_history (id, person_id, dispensed_on, drug_name, quantity, days, facility_name, \
                                         yj_code, prescriber_code, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
    )
    .bind(&entry.id)
    .bind(&entry.person_id)
    .bind(entry.entry.dispensed_on.to_string())
    .bind(&entry.entry.drug_name)
    .bind(&entry.entry.quantity)
    .bind(i64::from(entry.entry.days))
    .bind(&entry.entry.facility_name)
    .bind(&entry.yj_code)
    .bind(&entry.prescriber_code)
    .bind(entry.source.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_checkup(conn: &mut AnyConnection, entry: &NewCheckup) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO checkup_history (id, person_id, checked_on, item, value, unit, code) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&entry.id)
    .bind(&entry.person_id)
    .bind(entry.entry.checked_on.to_string())
    .bind(&entry.entry.item)
    .bind(&entry.entry.value)
    .bind(&entry.entry.unit)
    .bind(&entry.code)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_procedure(conn: &mut AnyConnection, entry: &NewProcedure) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO procedure_history (id, person_id, kind, performed_on, code, name, facility_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&entry.id)
    .bind(&entry.person_id)
    .bind(entry.kind.as_str())
    .bind(entry.entry.performed_on.to_string())
    .bind(&entry.entry.code)
    .bind(&entry.entry.name)
    .bind(&entry.entry.facility_name)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
