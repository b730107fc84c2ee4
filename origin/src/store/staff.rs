//! The staff console's rows: a facility's check-ins of one day, and the visual checks (目視) kiosks ask for.
//!
//! Layer: storage adapter. Must not decide where a visual check stands (the HTTP layer reads the stored state
//! with the clock) or write a check-in (the group commit does, with its audit row).

use onshi_proto::IsoDate;
use onshi_proto::checkin_page::{CheckInCursor, PENDING_VISUAL_CHECK_ROWS};
use onshi_proto::origin::{
    CardScope, CertificateRef, CheckIn, ElderlyShare, ExpiryNotice, PendingVisualCheck, VisualCheckReason,
    VisualCheckState,
};
use onshi_proto::patient_mode::PatientMode;
use onshi_proto::public_expense::PublicExpense;
use onshi_proto::qualification::{Sex, SpecificDiseaseCertificate};

use crate::checkin_page::ListedCheckIn;
use crate::error::{OriginError, Result};
use crate::store::Store;
use crate::store::rows::{parse_date, parse_json_column, parse_percent, parse_stored};

/// A check-in as the staff listing reads it back (the row written is [`CheckInRow`](crate::store::CheckInRow)).
#[derive(sqlx::FromRow)]
struct CheckInListRow {
    id: String,
    checked_in_at: i64,
    device_id: Option<String>,
    method: String,
    visual_check_reason: Option<String>,
    validity: String,
    reason: String,
    guidance: Option<String>,
    name: Option<String>,
    name_kana: Option<String>,
    insurer_number: Option<String>,
    insurer_name: Option<String>,
    contribution_percent: Option<i32>,
    elderly_recipient: Option<String>,
    prescription: Option<String>,
    device_label: Option<String>,
    disqualification_date: Option<String>,
    limit_category: Option<String>,
    specific_diseases: Option<String>,
    checkin_date: String,
    certificate_notice: Option<String>,
    certificate_expiry_date: Option<String>,
    patient_language: Option<String>,
    patient_aids: Option<String>,
    consent_withdrawn_at: Option<i64>,
    public_expense: Option<String>,
    /// The birth date and sex of the person the check-in found, when it found one.
    person_birth_date: Option<String>,
    person_sex: Option<String>,
    /// That person, for the consents staff see on the row.
    person_id: Option<String>,
}

impl CheckInListRow {
    /// The certificate's expiry notice as of the check-in's day, rebuilt by the one rule from what the row keeps.
    fn expiry_notice(&self) -> Result<Option<ExpiryNotice>> {
        let (Some(kind), Some(expiry)) = (&self.certificate_notice, &self.certificate_expiry_date) else {
            return Ok(None);
        };
        let corrupt = || OriginError::CorruptRecord("certificate expiry".into());
        let expiry = IsoDate::parse(expiry).map_err(|_| corrupt())?;
        let day = IsoDate::parse(&self.checkin_date).map_err(|_| corrupt())?;
        ExpiryNotice::rebuild(kind, expiry, day).map(Some).map_err(|_| corrupt())
    }

    fn into_listed(self) -> Result<ListedCheckIn> {
        let person_id = self.person_id.clone();
        Ok(ListedCheckIn { checkin: self.into_wire()?, person_id })
    }

    fn into_wire(self) -> Result<CheckIn> {
        let expiry_notice = self.expiry_notice()?;
        let patient_mode = PatientMode::from_columns(self.patient_language.as_deref(), self.patient_aids.as_deref())
            .ok_or_else(|| OriginError::CorruptRecord("patient mode".into()))?;
        Ok(CheckIn {
            expiry_notice,
            patient_mode,
            consent_withdrawn_at: self.consent_withdrawn_at,
            id: self.id,
            checked_in_at: self.checked_in_at,
            device_id: self.device_id,
            method: parse_stored("method", &self.method)?,
            visual_check_reason: self
                .visual_check_reason
                .as_deref()
                .map(|text| parse_stored("visual check reason", text))
                .transpose()?,
            validity: parse_stored("validity", &self.validity)?,
            reason: parse_stored("reason", &self.reason)?,
            guidance: self.guidance.as_deref().map(|text| parse_stored("guidance", text)).transpose()?,
            name: self.name,
            name_kana: self.name_kana,
            insurer_number: self.insurer_number,
            insurer_name: self.insurer_name,
            contribution_percent: self
                .contribution_percent
                .map(|p| parse_percent("contribution_percent", p))
                .transpose()?,
            // Read back through the wire type, as the 公費 are: a row that breaks its rules is reported, never shown.
            elderly_recipient: parse_json_column::<ElderlyShare>(
                "elderly recipient",
                self.elderly_recipient.as_deref(),
            )?,
            prescription: self.prescription.as_deref().map(|text| parse_stored("prescription", text)).transpose()?,
            device_label: self.device_label,
            disqualification_date: self
                .disqualification_date
                .as_deref()
                .map(|text| parse_date("disqualification_date", text))
                .transpose()?,
            limit_category: self.limit_category,
            specific_diseases: parse_json_column::<Vec<SpecificDiseaseCertificate>>(
                "specific diseases",
                self.specific_diseases.as_deref(),
            )?
            .unwrap_or_default(),
            // Filled by the listing, which asks the consent store for each patient.
            consents: Vec::new(),
            // Read back through the wire type, so a row that breaks a 公費 rule is reported, never shown.
            public_expense: parse_json_column::<Vec<PublicExpense>>("public expense", self.public_expense.as_deref())?
                .unwrap_or_default(),
            // The person the certificate led to: staff's console matches every row to the clinic's own register
            // by them, a kiosk's check-in as much as the national reader's. A check-in that found nobody has none.
            birth_date: self
                .person_birth_date
                .as_deref()
                .map(|text| parse_date("person birth date", text))
                .transpose()?,
            sex: self.person_sex.as_deref().map(|text| parse_stored("person sex", text)).transpose()?,
            reference_number: None,
            face_file: None,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    id: String,
    requested_at: i64,
    expires_at: i64,
    device_id: String,
    device_label: Option<String>,
    device_location: Option<String>,
    reason: String,
    card_proven: i64,
}

#[derive(sqlx::FromRow)]
struct LinkedPersonRow {
    person_id: String,
    name: String,
    birth_date: String,
}

/// The person a visual check's card is linked to, as staff compare them with the patient.
pub(crate) struct LinkedPerson {
    pub(crate) person_id: String,
    pub(crate) name: String,
    pub(crate) birth_date: IsoDate,
}

#[derive(sqlx::FromRow)]
struct CertificatePersonRow {
    person_id: String,
    birth_date: String,
    sex: String,
}

/// The person a certificate leads to, as a 目視 assist's card face is compared with them.
pub(crate) struct CertificatePerson {
    pub(crate) person_id: String,
    pub(crate) birth_date: IsoDate,
    pub(crate) sex: Sex,
}

/// A visual check as stored.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct VisualCheckRow {
    pub(crate) facility_code: String,
    pub(crate) device_id: String,
    pub(crate) device_label: Option<String>,
    pub(crate) certificate_issuer: String,
    pub(crate) certificate_serial: String,
    /// The stored state, by its wire name.
    pub(crate) state: String,
    pub(crate) expires_at: i64,
    pub(crate) decided_at: Option<i64>,
    /// The scope the kiosk asked with, by its wire name.
    pub(crate) scope: String,
    /// The certificate's expiry notice kind when the kiosk asked, and its expiry date.
    pub(crate) certificate_notice: Option<String>,
    pub(crate) certificate_expiry_date: Option<String>,
    /// Why the kiosk asked, by its wire name.
    pub(crate) reason: String,
}

impl VisualCheckRow {
    /// The scope of the session an approval opens.
    pub(crate) fn scope(&self) -> Result<CardScope> {
        parse_stored("scope", &self.scope)
    }

    /// Why the kiosk asked, which the check-in an approval leads to keeps.
    pub(crate) fn reason(&self) -> Result<VisualCheckReason> {
        parse_stored("visual check reason", &self.reason)
    }

    /// The certificate's expiry notice as of `today`, rebuilt by the one rule from what the row keeps. A notice that
    /// no longer holds (an expiring certificate asked about before midnight and collected after its last day) is
    /// dropped: the scope, fixed when the edge checked the certificate, still decides what the session may do.
    pub(crate) fn expiry_notice(&self, today: IsoDate) -> Result<Option<ExpiryNotice>> {
        let (Some(kind), Some(expiry)) = (&self.certificate_notice, &self.certificate_expiry_date) else {
            return Ok(None);
        };
        let expiry = IsoDate::parse(expiry).map_err(|_| OriginError::CorruptRecord("certificate expiry".into()))?;
        Ok(ExpiryNotice::rebuild(kind, expiry, today).ok())
    }
}

/// A new visual check to record as pending.
pub(crate) struct NewVisualCheck<'a> {
    pub(crate) id: &'a str,
    pub(crate) facility_code: &'a str,
    pub(crate) device_id: &'a str,
    pub(crate) device_label: Option<&'a str>,
    pub(crate) device_location: Option<&'a str>,
    pub(crate) certificate: &'a CertificateRef,
    pub(crate) requested_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) scope: CardScope,
    pub(crate) expiry_notice: Option<ExpiryNotice>,
    pub(crate) reason: VisualCheckReason,
    /// The edge checked the 目視 assist's card-presence proof.
    pub(crate) card_proven: bool,
}

impl Store {
    /// At most `rows` check-ins of `facility_code` on `day` after `before` (all of the day's when none), newest
    /// first and then by id, each with the birth date and sex of the person it found (joined in the same
    /// statement). The keyset condition and the order are those of the index `checkins_by_facility_day_page`, so
    /// the database reads only the page, however many rows the day holds; `checked_in_at <= $3` is the range the
    /// index seeks to, and the `OR` only sorts out the rows of the cursor's own second.
    pub(crate) async fn checkins_page(
        &self,
        facility_code: &str,
        day: IsoDate,
        before: Option<&CheckInCursor>,
        rows: usize,
    ) -> Result<Vec<ListedCheckIn>> {
        let (seconds, id) = keyset(before);
        let rows: Vec<CheckInListRow> = sqlx::query_as(
            "SELECT c.id, c.checked_in_at, c.device_id, c.method, c.validity, c.reason, c.guidance, c.name, \
                    c.name_kana, c.insurer_number, c.insurer_name, c.contribution_percent, c.prescription, \
                    c.device_label, c.disqualification_date, c.limit_category, c.specific_diseases, c.checkin_date, \
                    c.certificate_notice, c.certificate_expiry_date, c.patient_language, c.patient_aids, \
                    c.public_expense, c.visual_check_reason, c.elderly_recipient, c.person_id, p.birth_date AS person_birth_date, p.sex AS person_sex, \
                    (SELECT MAX(w.withdrawn_at) FROM consent_withdrawals w \
                      WHERE w.person_id = c.person_id AND w.facility_code = c.facility_code \
                        AND w.withdrawn_at >= c.checked_in_at) AS consent_withdrawn_at \
             FROM checkins c LEFT JOIN persons p ON p.id = c.person_id \
             WHERE c.facility_code = $1 AND c.checkin_date = $2 \
               AND c.checked_in_at <= $3 AND (c.checked_in_at < $3 OR c.id > $4) \
             ORDER BY c.checked_in_at DESC, c.id LIMIT $5",
        )
        .bind(facility_code)
        .bind(day.to_string())
        .bind(seconds)
        .bind(id)
        .bind(limit(rows))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(CheckInListRow::into_listed).collect()
    }

    /// How many rows the listing of `facility_code`'s `day` holds in all: its kiosks' check-ins and the national
    /// reader's results, each counted in its day index without reading a row, in one statement.
    pub(crate) async fn listing_total(&self, facility_code: &str, day: IsoDate) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM checkins WHERE facility_code = $1 AND checkin_date = $2) \
                  + (SELECT COUNT(*) FROM reader_results WHERE facility_code = $1 AND result_date = $2)",
        )
        .bind(facility_code)
        .bind(day.to_string())
        .fetch_one(self.pool())
        .await?;
        u64::try_from(count).map_err(|_| OriginError::CorruptRecord("a negative count".into()))
    }

    /// The visual checks of `facility_code` still pending at `now`, oldest first, at most
    /// [`PENDING_VISUAL_CHECK_ROWS`]. Nothing of the person is listed: staff open one request at a time
    /// ([`Store::visual_check_person`]).
    pub(crate) async fn pending_visual_checks(&self, facility_code: &str, now: i64) -> Result<Vec<PendingVisualCheck>> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT id, requested_at, expires_at, device_id, device_label, device_location, reason, card_proven \
             FROM visual_checks \
             WHERE facility_code = $1 AND state = 'pending' AND expires_at >= $2 \
             ORDER BY requested_at, id LIMIT $3",
        )
        .bind(facility_code)
        .bind(now)
        .bind(limit(PENDING_VISUAL_CHECK_ROWS))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(PendingVisualCheck {
                    request_id: row.id,
                    requested_at: row.requested_at,
                    expires_at: row.expires_at,
                    device_id: Some(row.device_id),
                    device_label: row.device_label,
                    device_location: row.device_location,
                    reason: parse_stored("visual check reason", &row.reason)?,
                    card_proven: row.card_proven != 0,
                })
            })
            .collect()
    }

    /// The person the card of visual check `request_id` is linked to; `None` for a card linked to nobody.
    pub(crate) async fn visual_check_person(&self, request_id: &str) -> Result<Option<LinkedPerson>> {
        let row: Option<LinkedPersonRow> = sqlx::query_as(
            "SELECT p.id AS person_id, p.name, p.birth_date FROM visual_checks v \
             JOIN certificate_links l \
               ON l.certificate_issuer = v.certificate_issuer AND l.certificate_serial = v.certificate_serial \
             JOIN persons p ON p.id = l.person_id \
             WHERE v.id = $1",
        )
        .bind(request_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(LinkedPerson {
                person_id: row.person_id,
                name: row.name,
                birth_date: parse_date("birth date", &row.birth_date)?,
            })
        })
        .transpose()
    }

    /// The person `certificate` is linked to, with the birth date and sex a card face is compared with; `None`
    /// for a certificate linked to nobody.
    pub(crate) async fn certificate_person(&self, certificate: &CertificateRef) -> Result<Option<CertificatePerson>> {
        let row: Option<CertificatePersonRow> = sqlx::query_as(
            "SELECT p.id AS person_id, p.birth_date, p.sex FROM certificate_links l \
             JOIN persons p ON p.id = l.person_id \
             WHERE l.certificate_issuer = $1 AND l.certificate_serial = $2",
        )
        .bind(certificate.issuer.as_str())
        .bind(certificate.serial.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(CertificatePerson {
                person_id: row.person_id,
                birth_date: parse_date("birth date", &row.birth_date)?,
                sex: parse_stored("sex", &row.sex)?,
            })
        })
        .transpose()
    }

    /// Records a pending visual check.
    pub(crate) async fn insert_visual_check(&self, check: &NewVisualCheck<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO visual_checks (id, facility_code, device_id, device_label, device_location, \
                                        certificate_issuer, certificate_serial, state, requested_at, expires_at, \
                                        scope, certificate_notice, certificate_expiry_date, reason, card_proven) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(check.id)
        .bind(check.facility_code)
        .bind(check.device_id)
        .bind(check.device_label)
        .bind(check.device_location)
        .bind(check.certificate.issuer.as_str())
        .bind(check.certificate.serial.as_str())
        .bind(check.requested_at)
        .bind(check.expires_at)
        .bind(check.scope.as_str())
        .bind(check.expiry_notice.map(ExpiryNotice::kind))
        .bind(check.expiry_notice.map(|notice| notice.expiry_date().to_string()))
        .bind(check.reason.as_str())
        .bind(i64::from(check.card_proven))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// One visual check, by its id.
    pub(crate) async fn visual_check(&self, request_id: &str) -> Result<Option<VisualCheckRow>> {
        Ok(sqlx::query_as(
            "SELECT facility_code, device_id, device_label, certificate_issuer, certificate_serial, state, expires_at, \
                    decided_at, scope, certificate_notice, certificate_expiry_date, reason \
             FROM visual_checks WHERE id = $1",
        )
        .bind(request_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Decides a visual check that is still pending and unexpired at `now`; true when this call decided it.
    pub(crate) async fn decide_visual_check(
        &self,
        request_id: &str,
        decided: VisualCheckState,
        staff_id: &str,
        now: i64,
    ) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE visual_checks SET state = $1, decided_at = $2, decided_by = $3 \
             WHERE id = $4 AND state = 'pending' AND expires_at >= $2",
        )
        .bind(decided.as_str())
        .bind(now)
        .bind(staff_id)
        .bind(request_id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Marks an approved visual check collected; true when this call took it (a concurrent poll may have).
    pub(crate) async fn take_approved_visual_check(&self, request_id: &str) -> Result<bool> {
        let taken = sqlx::query("UPDATE visual_checks SET state = 'collected' WHERE id = $1 AND state = 'approved'")
            .bind(request_id)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(taken == 1)
    }

    /// Withdraws a pending or approved visual check; true when this call withdrew it.
    pub(crate) async fn withdraw_visual_check(&self, request_id: &str) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE visual_checks SET state = 'withdrawn' WHERE id = $1 AND state IN ('pending', 'approved')",
        )
        .bind(request_id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }
}

/// The keyset a page starts after, as the page queries bind it: the cursor's time and id, or for the newest page a
/// time no row reaches and the id every id follows.
pub(crate) fn keyset(before: Option<&CheckInCursor>) -> (i64, String) {
    before.map_or((i64::MAX, String::new()), |cursor| (cursor.checked_in_at(), cursor.id().to_owned()))
}

/// A row count as SQL's `LIMIT` binds it.
pub(crate) fn limit(rows: usize) -> i64 {
    i64::try_from(rows).unwrap_or(i64::MAX)
}
