//! Consents given at a reader, the prescription format chosen with them, and the information they open
//! (薬剤情報, 特定健診).
//!
//! Layer: storage adapter. Must not decide whether a consent covers a read (the HTTP layer asks `covers`).

use onshi_proto::IsoDate;

use crate::disclosure::LatestConsent;
use crate::error::{OriginError, Result};
use crate::store::rows::{parse_date, parse_stored};
use crate::store::{Store, random_id};

impl Store {
    /// Records consents of `kinds` given by `person_id` to `facility_code` at `now`, each lasting
    /// [`onshi_proto::origin::CONSENT_WINDOW_SECONDS`], and the prescription format chosen on the same screen, all
    /// in one transaction.
    ///
    /// The prescription choice belongs to the visit, not to a consent (a patient may decline every consent and
    /// still choose 紙 or 電子), and the kiosk sends it after the qualification check-in of the same visit has been
    /// answered, which is committed before that answer leaves. So it is written onto the facility's latest
    /// check-in of this person on the Tokyo day of `now`, where the staff list reads it with no
    /// join. A choice without such a check-in (a consent given without a check-in today) has nothing to attach to
    /// and is not kept.
    pub async fn record_consents(
        &self,
        person_id: &str,
        facility_code: &str,
        device_id: Option<&str>,
        kinds: &[onshi_proto::origin::ConsentKind],
        prescription: Option<onshi_proto::origin::PrescriptionFormat>,
        now: i64,
    ) -> Result<()> {
        let checkin_date = IsoDate(crate::clock::tokyo_date(now)?);
        let mut tx = self.pool.begin().await?;
        for kind in kinds {
            sqlx::query(
                "INSERT INTO consents (id, person_id, facility_code, device_id, kind, granted_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(random_id()?)
            .bind(person_id)
            .bind(facility_code)
            .bind(device_id)
            .bind(kind.as_str())
            .bind(now)
            .bind(now + onshi_proto::origin::CONSENT_WINDOW_SECONDS)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(prescription) = prescription {
            sqlx::query(
                "UPDATE checkins SET prescription = $1 WHERE id = ( \
                     SELECT id FROM checkins WHERE facility_code = $2 AND person_id = $3 AND checkin_date = $4 \
                     ORDER BY checked_in_at DESC, id DESC LIMIT 1)",
            )
            .bind(prescription.as_str())
            .bind(facility_code)
            .bind(person_id)
            .bind(checkin_date.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The consents of `person_id` to `facility_code` live at `now`: the latest grant of each kind. A withdrawn
    /// consent is never live, whatever its window (see `withdraw_consents`).
    pub async fn live_consents(
        &self,
        person_id: &str,
        facility_code: &str,
        now: i64,
    ) -> Result<Vec<onshi_proto::origin::ConsentGrant>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT kind, granted_at, expires_at FROM consents \
             WHERE person_id = $1 AND facility_code = $2 AND granted_at <= $3 AND expires_at > $3 \
               AND withdrawn_at IS NULL \
             ORDER BY kind, granted_at DESC",
        )
        .bind(person_id)
        .bind(facility_code)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut live: Vec<onshi_proto::origin::ConsentGrant> = Vec::new();
        for (kind, granted_at, expires_at) in rows {
            let kind = parse_stored("consent kind", &kind)?;
            if live.last().is_some_and(|grant| grant.kind == kind) {
                continue;
            }
            live.push(onshi_proto::origin::ConsentGrant { kind, granted_at, expires_at });
        }
        live.sort_by_key(|grant| grant.kind);
        Ok(live)
    }

    /// Where the latest consent of `kind` that `person_id` gave `facility_code` stands at `now`: live, lapsed or
    /// withdrawn, also when the withdrawal came after it lapsed ([`LatestConsent::at`]); `None` when none was given
    /// before `now`.
    pub async fn latest_consent(
        &self,
        person_id: &str,
        facility_code: &str,
        kind: onshi_proto::origin::ConsentKind,
        now: i64,
    ) -> Result<Option<LatestConsent>> {
        let latest: Option<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT c.expires_at, c.withdrawn_at, \
                    (SELECT MAX(w.withdrawn_at) FROM consent_withdrawals w \
                     WHERE w.person_id = c.person_id AND w.facility_code = c.facility_code \
                       AND w.withdrawn_at <= $4) \
             FROM consents c \
             WHERE c.person_id = $1 AND c.facility_code = $2 AND c.kind = $3 AND c.granted_at <= $4 \
             ORDER BY c.granted_at DESC, c.id DESC LIMIT 1",
        )
        .bind(person_id)
        .bind(facility_code)
        .bind(kind.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(latest.map(|(expires_at, withdrawn_at, last_withdrawal)| {
            LatestConsent::at(expires_at, withdrawn_at, last_withdrawal, now)
        }))
    }

    /// 薬剤情報 of a person, newest first.
    pub async fn medication_history(&self, person_id: &str) -> Result<Vec<onshi_proto::origin::MedicationEntry>> {
        let rows: Vec<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT dispensed_on, drug_name, quantity, days, facility_name FROM medication_history \
             WHERE person_id = $1 ORDER BY dispensed_on DESC, id",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(on, drug_name, quantity, days, facility_name)| {
                Ok(onshi_proto::origin::MedicationEntry {
                    dispensed_on: parse_date("dispensed_on", &on)?,
                    drug_name,
                    quantity,
                    days: u32::try_from(days).map_err(|_| OriginError::CorruptRecord("days".into()))?,
                    facility_name,
                })
            })
            .collect()
    }

    /// 特定健診 results of a person, newest first.
    pub async fn checkup_history(&self, person_id: &str) -> Result<Vec<onshi_proto::origin::CheckupEntry>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT checked_on, item, value, unit FROM checkup_history WHERE person_id = $1 \
             ORDER BY checked_on DESC, id",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(on, item, value, unit)| {
                Ok(onshi_proto::origin::CheckupEntry { checked_on: parse_date("checked_on", &on)?, item, value, unit })
            })
            .collect()
    }
}
