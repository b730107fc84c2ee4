//! The qualification lookups: the holder of a card certificate, and the holders of a card number.
//!
//! Layer: storage adapter. Must not decide validity (that is `validity.rs`) or write anything.

use std::sync::LazyLock;

use onshi_proto::IsoDate;
use onshi_proto::origin::{CertificateRef, CertificateStatus};
use onshi_proto::qualification::{
    ElderlyRecipient, LimitCategory, LossReason, PersonalFamily, QualificationRecord, Sex, SpecificDiseaseCertificate,
};
use sqlx::{AnyConnection, FromRow};

use crate::error::{OriginError, Result};
use crate::store::Store;
use crate::store::rows::{
    CardHolderRecord, HoldStatus, JlisStatus, NumberKey, parse_date, parse_percent, parse_stored,
};

/// One row of [`Store::card_holder`]'s statement: the link and person, and one qualification when there is one.
#[derive(FromRow)]
struct CardHolderRow {
    /// The certificate's J-LIS status, read by [`Store::status_and_card_holder`] only.
    #[sqlx(default)]
    certificate_status: Option<String>,
    /// The linked person; null for the one row of a certificate that is not linked (or not `good`).
    person_id: Option<String>,
    hold_status: Option<String>,
    /// A count, as SQLite has no boolean to read: how many 公費 are registered for the person.
    public_expense_count: i64,
    card_classification: Option<String>,
    insurer_number: Option<String>,
    insurer_name: Option<String>,
    symbol: Option<String>,
    number: Option<String>,
    branch: Option<String>,
    personal_family: Option<String>,
    insured_name: Option<String>,
    name: Option<String>,
    name_kana: Option<String>,
    sex: Option<String>,
    birth_date: Option<String>,
    qualification_date: Option<String>,
    disqualification_date: Option<String>,
    loss_reason: Option<String>,
    partial_contribution_percent: Option<i32>,
    elderly_contribution_percent: Option<i32>,
    elderly_valid_from: Option<String>,
    elderly_valid_until: Option<String>,
    limit_category: Option<String>,
    specific_disease_category: Option<String>,
    specific_disease_valid_from: Option<String>,
    specific_disease_valid_until: Option<String>,
    specific_disease_self_pay_yen: Option<i32>,
}

impl CardHolderRow {
    /// The qualification this row carries; `None` for the single row of a person without qualifications (or a
    /// qualification whose insurer is missing).
    fn into_qualification(self) -> Option<QualificationRow> {
        Some(QualificationRow {
            card_classification: self.card_classification?,
            insurer_number: self.insurer_number?,
            insurer_name: self.insurer_name?,
            symbol: self.symbol?,
            number: self.number?,
            branch: self.branch?,
            personal_family: self.personal_family?,
            insured_name: self.insured_name,
            name: self.name?,
            name_kana: self.name_kana?,
            sex: self.sex?,
            birth_date: self.birth_date?,
            qualification_date: self.qualification_date?,
            disqualification_date: self.disqualification_date,
            loss_reason: self.loss_reason,
            partial_contribution_percent: self.partial_contribution_percent?,
            elderly_contribution_percent: self.elderly_contribution_percent,
            elderly_valid_from: self.elderly_valid_from,
            elderly_valid_until: self.elderly_valid_until,
            limit_category: self.limit_category,
            specific_disease_category: self.specific_disease_category,
            specific_disease_valid_from: self.specific_disease_valid_from,
            specific_disease_valid_until: self.specific_disease_valid_until,
            specific_disease_self_pay_yen: self.specific_disease_self_pay_yen,
        })
    }
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
    /// The 被保険者's name, read for a 家族 only.
    insured_name: Option<String>,
    name: String,
    name_kana: String,
    sex: String,
    birth_date: String,
    qualification_date: String,
    disqualification_date: Option<String>,
    loss_reason: Option<String>,
    partial_contribution_percent: i32,
    elderly_contribution_percent: Option<i32>,
    elderly_valid_from: Option<String>,
    elderly_valid_until: Option<String>,
    limit_category: Option<String>,
    specific_disease_category: Option<String>,
    specific_disease_valid_from: Option<String>,
    specific_disease_valid_until: Option<String>,
    specific_disease_self_pay_yen: Option<i32>,
}

/// What both card-holder statements read: the person, their hold status, whether any 公費 is registered for them,
/// and one qualification per row.
const CARD_HOLDER_COLUMNS: &str = "l.person_id, p.hold_status, \
    (SELECT COUNT(*) FROM public_expenses e WHERE e.individual_number = p.individual_number) AS public_expense_count, \
    q.card_classification, q.insurer_number, i.name AS insurer_name, q.symbol, q.number, q.branch, \
    q.personal_family, CASE WHEN q.insured_person_id <> q.person_id THEN ip.name END AS insured_name, \
    p.name, p.name_kana, p.sex, p.birth_date, q.qualification_date, q.disqualification_date, q.loss_reason, \
    q.partial_contribution_percent, q.elderly_contribution_percent, q.elderly_valid_from, q.elderly_valid_until, \
    q.limit_category, q.specific_disease_category, q.specific_disease_valid_from, q.specific_disease_valid_until, \
    q.specific_disease_self_pay_yen";

/// From the link to the person and their qualifications. The qualification joins are outer joins only so that a
/// linked person without qualifications still yields a row; a qualification without its insurer is skipped, as the
/// inner join of [`qualifications_of`] would.
const CARD_HOLDER_JOINS: &str = "LEFT JOIN persons p ON p.id = l.person_id \
    LEFT JOIN qualifications q ON q.person_id = p.id \
    LEFT JOIN insurers i ON i.insurer_number = q.insurer_number \
    LEFT JOIN persons ip ON ip.id = q.insured_person_id";

/// Newest qualification first.
const CARD_HOLDER_ORDER: &str = "ORDER BY q.qualification_date DESC, q.id";

/// [`Store::card_holder`]'s statement: from the certificate's link.
static CARD_HOLDER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {CARD_HOLDER_COLUMNS} FROM certificate_links l {CARD_HOLDER_JOINS} \
         WHERE l.certificate_issuer = $1 AND l.certificate_serial = $2 {CARD_HOLDER_ORDER}"
    )
});

/// [`Store::status_and_card_holder`]'s statement: from the certificate's J-LIS entry, and to its link only when
/// that entry is `good`.
static STATUS_AND_CARD_HOLDER: LazyLock<String> = LazyLock::new(|| {
    let good = JlisStatus::Good.as_text();
    format!(
        "SELECT j.status AS certificate_status, {CARD_HOLDER_COLUMNS} \
         FROM jlis_certificates j \
         LEFT JOIN certificate_links l ON l.certificate_issuer = j.certificate_issuer \
               AND l.certificate_serial = j.certificate_serial AND j.status = '{good}' \
         {CARD_HOLDER_JOINS} \
         WHERE j.certificate_issuer = $1 AND j.certificate_serial = $2 {CARD_HOLDER_ORDER}"
    )
});

/// The holder the rows of a card-holder statement name: `None` when no row names a person (the certificate is not
/// linked).
fn card_holder_of(rows: Vec<CardHolderRow>) -> Result<Option<CardHolderRecord>> {
    let Some(first) = rows.first() else { return Ok(None) };
    let (Some(person_id), Some(hold_status)) = (first.person_id.clone(), first.hold_status.as_deref()) else {
        return Ok(None);
    };
    let held = HoldStatus::from_text(hold_status)? == HoldStatus::Held;
    let has_public_expense = first.public_expense_count > 0;
    if held {
        return Ok(Some(CardHolderRecord { person_id, held, has_public_expense, records: Vec::new() }));
    }
    let records = rows
        .into_iter()
        .filter_map(CardHolderRow::into_qualification)
        .map(QualificationRow::into_record)
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(CardHolderRecord { person_id, held, has_public_expense, records }))
}

impl Store {
    /// The person a certificate is linked to and all of their qualifications, or `None` when the certificate is
    /// not linked.
    pub async fn card_holder(&self, certificate: &CertificateRef) -> Result<Option<CardHolderRecord>> {
        // One statement finds the link, the person's hold status, whether any 公費 is registered for them and every
        // qualification: a lookup is one round trip to the database, and a second only for the few with 公費.
        let rows = self.read_card_holder_rows(&CARD_HOLDER, certificate).await?;
        card_holder_of(rows)
    }

    /// A kiosk check-in's two reads in one statement: the certificate's J-LIS status and, only when it is `good`,
    /// its holder as [`Store::card_holder`] finds them. A certificate J-LIS does not know is `Unknown` and has no
    /// holder; a revoked one has none either, since nothing is answered for it.
    pub async fn status_and_card_holder(
        &self,
        certificate: &CertificateRef,
    ) -> Result<(CertificateStatus, Option<CardHolderRecord>)> {
        let rows = self.read_card_holder_rows(&STATUS_AND_CARD_HOLDER, certificate).await?;
        let stored = rows.first().and_then(|row| row.certificate_status.as_deref()).map(JlisStatus::from_text);
        let status = JlisStatus::wire_status_of(stored.transpose()?);
        if status != CertificateStatus::Good {
            return Ok((status, None));
        }
        Ok((status, card_holder_of(rows)?))
    }

    /// Runs one of the card-holder statements for `certificate` on a read connection (the pool's, when the
    /// database has no separate readers).
    async fn read_card_holder_rows(
        &self,
        sql: &'static str,
        certificate: &CertificateRef,
    ) -> Result<Vec<CardHolderRow>> {
        // Both statements are built once from the constants above, never from input.
        let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(certificate.issuer.as_str())
            .bind(certificate.serial.as_str());
        let reader = match &self.readers {
            Some(readers) => readers.acquire().await,
            None => None,
        };
        Ok(match reader {
            Some(mut connection) => query.fetch_all(&mut *connection).await?,
            None => query.fetch_all(&self.pool).await?,
        })
    }

    /// The qualifications under 保険者番号 + 記号 + 番号 + 枝番 whose holder was born on `birth_date`, grouped by
    /// person: one entry per person found (normally zero or one).
    pub async fn qualification_holders(&self, key: &NumberKey, birth_date: IsoDate) -> Result<Vec<CardHolderRecord>> {
        let mut conn = self.pool.acquire().await?;
        let people: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT DISTINCT p.id, p.hold_status, \
                    (SELECT COUNT(*) FROM public_expenses e WHERE e.individual_number = p.individual_number) \
             FROM qualifications q JOIN persons p ON p.id = q.person_id \
             WHERE q.insurer_number = $1 AND q.symbol = $2 AND q.number = $3 AND q.branch = $4 \
               AND p.birth_date = $5 ORDER BY p.id",
        )
        .bind(&key.insurer_number)
        .bind(&key.symbol)
        .bind(&key.number)
        .bind(&key.branch)
        .bind(birth_date.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let mut holders = Vec::with_capacity(people.len());
        for (person_id, hold_status, public_expense_count) in people {
            let has_public_expense = public_expense_count > 0;
            let held = HoldStatus::from_text(&hold_status)? == HoldStatus::Held;
            let records = if held {
                Vec::new()
            } else {
                qualifications_of(&mut conn, &person_id)
                    .await?
                    .into_iter()
                    .filter(|r| {
                        r.insurer_number == key.insurer_number
                            && r.symbol.as_deref().unwrap_or_default() == key.symbol
                            && r.number == key.number
                            && r.branch.as_deref().unwrap_or_default() == key.branch
                    })
                    .collect()
            };
            holders.push(CardHolderRecord { person_id, held, has_public_expense, records });
        }
        Ok(holders)
    }
}

async fn qualifications_of(conn: &mut AnyConnection, person_id: &str) -> Result<Vec<QualificationRecord>> {
    let rows: Vec<QualificationRow> = sqlx::query_as(
        "SELECT q.card_classification, q.insurer_number, i.name AS insurer_name, q.symbol, q.number, q.branch, \
                    q.personal_family, CASE WHEN q.insured_person_id <> q.person_id THEN ip.name END AS insured_name, \
                    p.name, p.name_kana, p.sex, p.birth_date, q.qualification_date, \
                    q.disqualification_date, q.loss_reason, q.partial_contribution_percent, \
                    q.elderly_contribution_percent, \
                    q.elderly_valid_from, q.elderly_valid_until, q.limit_category, q.specific_disease_category, \
                    q.specific_disease_valid_from, q.specific_disease_valid_until, q.specific_disease_self_pay_yen \
             FROM qualifications q \
             JOIN persons p ON p.id = q.person_id \
             JOIN insurers i ON i.insurer_number = q.insurer_number \
             LEFT JOIN persons ip ON ip.id = q.insured_person_id \
             WHERE q.person_id = $1 \
             ORDER BY q.qualification_date DESC, q.id",
    )
    .bind(person_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(QualificationRow::into_record).collect::<Result<Vec<_>>>()
}

fn non_empty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

impl QualificationRow {
    fn into_record(self) -> Result<QualificationRecord> {
        let personal_family: PersonalFamily = parse_stored("personal_family", &self.personal_family)?;
        let sex: Sex = parse_stored("sex", &self.sex)?;
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
            // A 本人 is their own 被保険者; only a 家族's record names another.
            insured_name: self.insured_name.filter(|_| personal_family == PersonalFamily::Dependent),
            name: self.name,
            name_kana: self.name_kana,
            sex,
            birth_date: parse_date("birth_date", &self.birth_date)?,
            qualification_date: parse_date("qualification_date", &self.qualification_date)?,
            disqualification_date: self
                .disqualification_date
                .map(|d| parse_date("disqualification_date", &d))
                .transpose()?,
            loss_reason: match self.loss_reason.as_deref() {
                None | Some("") => None,
                Some(code) => Some(
                    LossReason::from_code(code)
                        .ok_or_else(|| OriginError::CorruptRecord(format!("loss_reason {code:?}")))?,
                ),
            },
            partial_contribution_percent: parse_percent(
                "partial_contribution_percent",
                self.partial_contribution_percent,
            )?,
            elderly_recipient,
            limit_category: self
                .limit_category
                .filter(|code| !code.is_empty())
                .map(|code| {
                    LimitCategory::parse(&code)
                        .map_err(|_| OriginError::CorruptRecord(format!("limit_category {code:?}")))
                })
                .transpose()?,
            specific_diseases: match self.specific_disease_category {
                None => Vec::new(),
                Some(disease_category) => vec![SpecificDiseaseCertificate {
                    disease_category,
                    valid_from: self
                        .specific_disease_valid_from
                        .map(|d| parse_date("specific_disease_valid_from", &d))
                        .transpose()?,
                    valid_until: self
                        .specific_disease_valid_until
                        .map(|d| parse_date("specific_disease_valid_until", &d))
                        .transpose()?,
                    monthly_self_pay_yen: self
                        .specific_disease_self_pay_yen
                        .map(|yen| {
                            u32::try_from(yen)
                                .map_err(|_| OriginError::CorruptRecord("specific_disease_self_pay_yen".into()))
                        })
                        .transpose()?,
                }],
            },
        })
    }
}
