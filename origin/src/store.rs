//! The database adapter: the only module that speaks SQL.
//!
//! SQLite now (a file in WAL mode, or `sqlite::memory:`); the SQL is kept portable to PostgreSQL (`$n` binds,
//! `ON CONFLICT`, no SQLite-only functions) so a Postgres pool can be added behind the same methods later. Dates
//! are stored as `YYYY-MM-DD` text and instants as Unix seconds; see `migrations/0001_initial.sql`.

use std::str::FromStr;
use std::time::Duration;

use onshi_proto::IsoDate;
use onshi_proto::origin::{CertificateRef, CertificateStatus};
use onshi_proto::qualification::{ElderlyRecipient, PersonalFamily, QualificationRecord, Sex};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, SqliteConnection};

use crate::error::{OriginError, Result};
use crate::insurer_number::InsurerNumber;

/// The schema migrations, embedded at build time from `origin/migrations/`.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a connection waits for a lock held by another connection before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A handle to the origin database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

/// A person to insert (see the `persons` table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPerson {
    /// Stable identifier chosen by the caller.
    pub id: String,
    /// 漢字氏名 as registered.
    pub name: String,
    /// カナ氏名 as registered (half-width).
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所, when registered.
    pub address: Option<String>,
}

/// An insurer to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInsurer {
    /// 保険者番号, already checked.
    pub number: InsurerNumber,
    /// 保険者名称.
    pub name: String,
}

/// A qualification (資格) to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQualification {
    /// Stable identifier chosen by the caller.
    pub id: String,
    /// Whose cover this is.
    pub person_id: String,
    /// The 被保険者 (本人) the cover hangs on: `person_id` itself for 本人.
    pub insured_person_id: String,
    /// 保険者番号, already checked.
    pub insurer_number: InsurerNumber,
    /// 証区分 code (01 一般 …).
    pub card_classification: String,
    /// 記号.
    pub symbol: Option<String>,
    /// 番号.
    pub number: String,
    /// 枝番.
    pub branch: Option<String>,
    /// 本人・家族の別.
    pub personal_family: PersonalFamily,
    /// 資格取得日.
    pub qualification_date: IsoDate,
    /// 資格喪失日: the first day without cover.
    pub disqualification_date: Option<IsoDate>,
    /// 喪失事由 code (01 死亡, 02 生活保護受給開始, 03 医療保険等の資格取得, 99 その他).
    pub loss_reason: Option<String>,
    /// 一部負担金割合 in percent.
    pub partial_contribution_percent: u8,
    /// 高齢受給者証, for ages 70–74.
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// 限度額適用認定証区分 (A01–A06, B01–B10).
    pub limit_category: Option<String>,
}

/// A 保険証利用登録 link between a certificate and a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCertificateLink {
    /// The linked certificate.
    pub certificate: CertificateRef,
    /// The person it identifies.
    pub person_id: String,
}

/// Records to insert together, all or nothing. Rows whose key already exists are left as they are, so applying
/// the same batch twice changes nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordBatch {
    /// Insurers.
    pub insurers: Vec<NewInsurer>,
    /// Persons.
    pub persons: Vec<NewPerson>,
    /// Qualifications (after the insurers and persons they refer to).
    pub qualifications: Vec<NewQualification>,
    /// Certificate links.
    pub links: Vec<NewCertificateLink>,
    /// Initial certificate statuses. An existing status is never overwritten by a batch, so re-seeding cannot
    /// un-revoke a certificate.
    pub certificate_statuses: Vec<(CertificateRef, CertificateStatus)>,
}

/// How many rows a batch actually added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// New rows across all tables.
    pub rows_inserted: u64,
}

/// One row of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct AuditEvent {
    /// Random identifier.
    pub id: String,
    /// When (Unix seconds).
    pub occurred_at: i64,
    /// Which device asked, as the edge reported it.
    pub actor_device_id: Option<String>,
    /// Which facility (医療機関コード) asked.
    pub actor_facility_code: Option<String>,
    /// About whom; `None` when the question matched nobody.
    pub subject_person_id: Option<String>,
    /// Why: a fixed purpose code such as `qualification_by_certificate`.
    pub purpose: String,
    /// What the answer was: a fixed outcome code such as `valid` or `no_qualification`.
    pub outcome: String,
    /// The facility's `ArbitraryIdentifier`, echoed.
    pub arbitrary_identifier: Option<String>,
}

#[derive(FromRow)]
struct QualificationRow {
    card_classification: String,
    insurer_number: String,
    insurer_name: String,
    symbol: String,
    number: String,
    branch: String,
    personal_family: String,
    name: String,
    name_kana: String,
    sex: String,
    birth_date: String,
    qualification_date: String,
    disqualification_date: Option<String>,
    partial_contribution_percent: i32,
    elderly_contribution_percent: Option<i32>,
    elderly_valid_from: Option<String>,
    elderly_valid_until: Option<String>,
    limit_category: Option<String>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies the migrations. `sqlite://path/to/file`,
    /// `sqlite:path` and `sqlite::memory:` are understood.
    pub async fn connect(url: &str) -> Result<Self> {
        if !url.starts_with("sqlite:") {
            return Err(OriginError::Usage(format!(
                "unsupported database URL scheme in {url:?}: this build supports sqlite: URLs"
            )));
        }
        let options =
            SqliteConnectOptions::from_str(url)?.create_if_missing(true).foreign_keys(true).busy_timeout(BUSY_TIMEOUT);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = if in_memory {
            // Every connection to an in-memory database sees its own empty database unless they share one
            // connection, and the database vanishes when its last connection closes: keep exactly one, forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            // WAL lets readers proceed while one writer commits; NORMAL sync is durable across process crashes
            // in WAL mode and loses at most the last commits on power loss, acceptable for this reference service.
            let options = options.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal);
            SqlitePoolOptions::new().max_connections(8).connect_with(options).await?
        };
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The person a certificate is linked to and all of their qualifications, or `None` when the certificate is
    /// not linked.
    pub async fn card_holder(&self, certificate: &CertificateRef) -> Result<Option<(String, Vec<QualificationRecord>)>> {
        let mut conn = self.pool.acquire().await?;
        let person_id: Option<String> = sqlx::query_scalar(
            "SELECT person_id FROM certificate_links WHERE certificate_issuer = $1 AND certificate_serial = $2",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(person_id) = person_id else { return Ok(None) };
        let rows: Vec<QualificationRow> = sqlx::query_as(
            "SELECT q.card_classification, q.insurer_number, i.name AS insurer_name, q.symbol, q.number, q.branch, \
                    q.personal_family, p.name, p.name_kana, p.sex, p.birth_date, q.qualification_date, \
                    q.disqualification_date, q.partial_contribution_percent, q.elderly_contribution_percent, \
                    q.elderly_valid_from, q.elderly_valid_until, q.limit_category \
             FROM qualifications q \
             JOIN persons p ON p.id = q.person_id \
             JOIN insurers i ON i.insurer_number = q.insurer_number \
             WHERE q.person_id = $1 \
             ORDER BY q.qualification_date DESC, q.id",
        )
        .bind(&person_id)
        .fetch_all(&mut *conn)
        .await?;
        let records = rows.into_iter().map(QualificationRow::into_record).collect::<Result<Vec<_>>>()?;
        Ok(Some((person_id, records)))
    }

    /// Appends one row to the audit trail.
    pub async fn record_audit(&self, event: &AuditEvent) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events (id, occurred_at, actor_device_id, actor_facility_code, subject_person_id, \
                                       purpose, outcome, arbitrary_identifier) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&event.id)
        .bind(event.occurred_at)
        .bind(&event.actor_device_id)
        .bind(&event.actor_facility_code)
        .bind(&event.subject_person_id)
        .bind(&event.purpose)
        .bind(&event.outcome)
        .bind(&event.arbitrary_identifier)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The audit trail about one person, oldest first.
    pub async fn audit_events_about(&self, person_id: &str) -> Result<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, occurred_at, actor_device_id, actor_facility_code, subject_person_id, purpose, outcome, \
                    arbitrary_identifier \
             FROM audit_events WHERE subject_person_id = $1 ORDER BY occurred_at, id",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The whole audit trail, oldest first.
    pub async fn audit_events(&self) -> Result<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, occurred_at, actor_device_id, actor_facility_code, subject_person_id, purpose, outcome, \
                    arbitrary_identifier \
             FROM audit_events ORDER BY occurred_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The revocation status of a certificate; `Unknown` when it has never been recorded.
    pub async fn certificate_status(&self, certificate: &CertificateRef) -> Result<CertificateStatus> {
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM certificate_status WHERE certificate_issuer = $1 AND certificate_serial = $2",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .fetch_optional(&self.pool)
        .await?;
        match status.as_deref() {
            None => Ok(CertificateStatus::Unknown),
            Some("good") => Ok(CertificateStatus::Good),
            Some("revoked") => Ok(CertificateStatus::Revoked),
            Some(other) => Err(OriginError::CorruptRecord(format!("certificate status {other:?}"))),
        }
    }

    /// Records a certificate as good or revoked at `now` (Unix seconds), replacing any earlier status.
    /// `Unknown` is not a status that can be recorded; asking for it removes the record instead.
    pub async fn set_certificate_status(
        &self,
        certificate: &CertificateRef,
        status: CertificateStatus,
        now: i64,
    ) -> Result<()> {
        let Some(text) = status_text(status) else {
            sqlx::query("DELETE FROM certificate_status WHERE certificate_issuer = $1 AND certificate_serial = $2")
                .bind(&certificate.issuer)
                .bind(&certificate.serial)
                .execute(&self.pool)
                .await?;
            return Ok(());
        };
        let revoked_at = (status == CertificateStatus::Revoked).then_some(now);
        sqlx::query(
            "INSERT INTO certificate_status (certificate_issuer, certificate_serial, status, revoked_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (certificate_issuer, certificate_serial) \
             DO UPDATE SET status = excluded.status, revoked_at = excluded.revoked_at, updated_at = excluded.updated_at",
        )
        .bind(&certificate.issuer)
        .bind(&certificate.serial)
        .bind(text)
        .bind(revoked_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Inserts `batch` in one transaction at `now` (Unix seconds). Existing rows are kept unchanged.
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
            rows_inserted += insert_qualification(&mut tx, qualification, now).await?;
        }
        for link in &batch.links {
            rows_inserted += insert_link(&mut tx, link, now).await?;
        }
        for (certificate, status) in &batch.certificate_statuses {
            rows_inserted += insert_status(&mut tx, certificate, *status, now).await?;
        }
        tx.commit().await?;
        Ok(BatchSummary { rows_inserted })
    }
}

async fn insert_insurer(conn: &mut SqliteConnection, insurer: &NewInsurer, now: i64) -> Result<u64> {
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

async fn insert_person(conn: &mut SqliteConnection, person: &NewPerson, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO persons (id, name, name_kana, birth_date, sex, address, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&person.id)
    .bind(&person.name)
    .bind(&person.name_kana)
    .bind(person.birth_date.to_string())
    .bind(sex_text(person.sex))
    .bind(&person.address)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_qualification(conn: &mut SqliteConnection, q: &NewQualification, now: i64) -> Result<u64> {
    let elderly = q.elderly_recipient.as_ref();
    let done = sqlx::query(
        "INSERT INTO qualifications (id, person_id, insured_person_id, insurer_number, card_classification, symbol, \
                                     number, branch, personal_family, qualification_date, disqualification_date, \
                                     loss_reason, partial_contribution_percent, elderly_contribution_percent, \
                                     elderly_valid_from, elderly_valid_until, limit_category, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&q.id)
    .bind(&q.person_id)
    .bind(&q.insured_person_id)
    .bind(q.insurer_number.as_str())
    .bind(&q.card_classification)
    .bind(q.symbol.as_deref().unwrap_or_default())
    .bind(&q.number)
    .bind(q.branch.as_deref().unwrap_or_default())
    .bind(personal_family_text(q.personal_family))
    .bind(q.qualification_date.to_string())
    .bind(q.disqualification_date.map(|d| d.to_string()))
    .bind(&q.loss_reason)
    .bind(i32::from(q.partial_contribution_percent))
    .bind(elderly.map(|e| i32::from(e.contribution_ratio_percent)))
    .bind(elderly.map(|e| e.valid_from.to_string()))
    .bind(elderly.and_then(|e| e.valid_until).map(|d| d.to_string()))
    .bind(&q.limit_category)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_link(conn: &mut SqliteConnection, link: &NewCertificateLink, now: i64) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO certificate_links (certificate_issuer, certificate_serial, person_id, linked_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(&link.certificate.issuer)
    .bind(&link.certificate.serial)
    .bind(&link.person_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn insert_status(
    conn: &mut SqliteConnection,
    certificate: &CertificateRef,
    status: CertificateStatus,
    now: i64,
) -> Result<u64> {
    let Some(text) = status_text(status) else { return Ok(0) };
    let revoked_at = (status == CertificateStatus::Revoked).then_some(now);
    let done = sqlx::query(
        "INSERT INTO certificate_status (certificate_issuer, certificate_serial, status, revoked_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(&certificate.issuer)
    .bind(&certificate.serial)
    .bind(text)
    .bind(revoked_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

fn status_text(status: CertificateStatus) -> Option<&'static str> {
    match status {
        CertificateStatus::Good => Some("good"),
        CertificateStatus::Revoked => Some("revoked"),
        CertificateStatus::Unknown => None,
    }
}

fn sex_text(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Unspecified => "unspecified",
    }
}

fn personal_family_text(value: PersonalFamily) -> &'static str {
    match value {
        PersonalFamily::Insured => "insured",
        PersonalFamily::Dependent => "dependent",
    }
}

fn parse_date(column: &str, text: &str) -> Result<IsoDate> {
    IsoDate::parse(text).map_err(|_| OriginError::CorruptRecord(format!("{column} is not a YYYY-MM-DD date")))
}

fn parse_percent(column: &str, value: i32) -> Result<u8> {
    u8::try_from(value).map_err(|_| OriginError::CorruptRecord(format!("{column} is out of range")))
}

fn non_empty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

impl QualificationRow {
    fn into_record(self) -> Result<QualificationRecord> {
        let personal_family = match self.personal_family.as_str() {
            "insured" => PersonalFamily::Insured,
            "dependent" => PersonalFamily::Dependent,
            _ => return Err(OriginError::CorruptRecord("personal_family".into())),
        };
        let sex = match self.sex.as_str() {
            "male" => Sex::Male,
            "female" => Sex::Female,
            "unspecified" => Sex::Unspecified,
            _ => return Err(OriginError::CorruptRecord("sex".into())),
        };
        let elderly_recipient = match (self.elderly_contribution_percent, self.elderly_valid_from) {
            (Some(percent), Some(from)) => Some(ElderlyRecipient {
                contribution_ratio_percent: parse_percent("elderly_contribution_percent", percent)?,
                valid_from: parse_date("elderly_valid_from", &from)?,
                valid_until: self.elderly_valid_until.map(|d| parse_date("elderly_valid_until", &d)).transpose()?,
            }),
            (None, None) => None,
            _ => return Err(OriginError::CorruptRecord("elderly recipient fields are incomplete".into())),
        };
        Ok(QualificationRecord {
            card_classification: self.card_classification,
            insurer_number: self.insurer_number,
            insurer_name: self.insurer_name,
            symbol: non_empty(self.symbol),
            number: self.number,
            branch: non_empty(self.branch),
            personal_family,
            name: self.name,
            name_kana: self.name_kana,
            sex,
            birth_date: parse_date("birth_date", &self.birth_date)?,
            qualification_date: parse_date("qualification_date", &self.qualification_date)?,
            disqualification_date: self
                .disqualification_date
                .map(|d| parse_date("disqualification_date", &d))
                .transpose()?,
            partial_contribution_percent: parse_percent("partial_contribution_percent", self.partial_contribution_percent)?,
            elderly_recipient,
            limit_category: self.limit_category,
        })
    }
}
