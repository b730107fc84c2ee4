//! What a patient takes back: the consents they gave a facility (同意の撤回), and the link of their card to their
//! insured records (健康保険証利用登録の解除).
//!
//! Layer: storage adapter. Must not decide who may withdraw or cancel (the HTTP layer does, from the credential the
//! edge named), or let a withdrawal leave any consent of that person to that facility live.

use onshi_proto::origin::{CertificateRef, ConsentKind};

use crate::error::Result;
use crate::store::rows::parse_stored;
use crate::store::{Store, random_id};

impl Store {
    /// Withdraws every consent `person_id` gave `facility_code` that is live at `now`, and records the withdrawal,
    /// in one transaction. Answers the kinds that stopped, each once, sorted; empty when none was live.
    pub async fn withdraw_consents(&self, person_id: &str, facility_code: &str, now: i64) -> Result<Vec<ConsentKind>> {
        let mut tx = self.pool.begin().await?;
        let live: Vec<String> = sqlx::query_scalar(
            "SELECT kind FROM consents WHERE person_id = $1 AND facility_code = $2 AND withdrawn_at IS NULL \
             AND granted_at <= $3 AND expires_at > $3",
        )
        .bind(person_id)
        .bind(facility_code)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        // Every unwithdrawn row is marked, not only the live ones: a consent is never revived by a clock that moves
        // back, and one recorded ahead of `now` could otherwise outlive the withdrawal.
        sqlx::query(
            "UPDATE consents SET withdrawn_at = $3 \
             WHERE person_id = $1 AND facility_code = $2 AND withdrawn_at IS NULL AND expires_at > $3",
        )
        .bind(person_id)
        .bind(facility_code)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO consent_withdrawals (id, person_id, facility_code, withdrawn_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(random_id()?)
        .bind(person_id)
        .bind(facility_code)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut kinds =
            live.iter().map(|kind| parse_stored("consent kind", kind)).collect::<Result<Vec<ConsentKind>>>()?;
        kinds.sort();
        kinds.dedup();
        Ok(kinds)
    }

    /// The person a check-in of `facility_code` was answered for; `None` for a check-in of another facility, an
    /// unknown one, or one that found nobody.
    pub async fn checkin_person(&self, checkin_id: &str, facility_code: &str) -> Result<Option<String>> {
        let found: Option<Option<String>> =
            sqlx::query_scalar("SELECT person_id FROM checkins WHERE id = $1 AND facility_code = $2")
                .bind(checkin_id)
                .bind(facility_code)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.flatten())
    }

    /// Removes the link of `certificate` to its holder (健康保険証利用登録の解除) and, in the same transaction,
    /// withdraws every consent of that person live at `now`, recording one withdrawal per facility that had one:
    /// cancelling ends the card's use, so a card registered again (even within a consent's 24 hours) opens nothing
    /// until the patient consents again. Answers the person it was linked to, or `None` when it was not linked
    /// (nothing changed).
    pub async fn cancel_registration(&self, certificate: &CertificateRef, now: i64) -> Result<Option<String>> {
        let mut tx = self.pool.begin().await?;
        let removed: Option<String> = sqlx::query_scalar(
            "DELETE FROM certificate_links WHERE certificate_issuer = $1 AND certificate_serial = $2 \
             RETURNING person_id",
        )
        .bind(certificate.issuer.as_str())
        .bind(certificate.serial.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(person_id) = &removed {
            let facilities: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT facility_code FROM consents WHERE person_id = $1 AND withdrawn_at IS NULL \
                 AND granted_at <= $2 AND expires_at > $2 ORDER BY facility_code",
            )
            .bind(person_id)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            // As a withdrawal does, every unwithdrawn row that has not ended is marked, not only the live ones.
            sqlx::query(
                "UPDATE consents SET withdrawn_at = $2 WHERE person_id = $1 AND withdrawn_at IS NULL AND expires_at > $2",
            )
            .bind(person_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for facility_code in facilities {
                sqlx::query(
                    "INSERT INTO consent_withdrawals (id, person_id, facility_code, withdrawn_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(random_id()?)
                .bind(person_id)
                .bind(&facility_code)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(removed)
    }
}
