//! 公費 in the store: the payers' credentials (kept beside the insurers', told apart by `principal_kind`), applying a
//! payer's batch in one transaction, and a person's 公費 with their tickets for the answer.
//!
//! A payer's batch is acknowledged only after its commit, so an acknowledged batch is wholly there and a refused or
//! interrupted one is wholly absent.
//!
//! Layer: storage adapter. Must not decide: which rows are good is `public_expense::read`'s answer and which 公費 an
//! answer carries is `public_expense::select`'s.

use std::collections::{BTreeMap, HashMap};

use onshi_proto::IsoDate;
use onshi_proto::public_expense::{
    IssueNumber, MedicalTicket, PayerNumber, PublicExpense, PublicExpenseKind, RecipientNumber, SelfPayYen, TicketKind,
    TreatmentMonth, ValidityPeriod,
};
use onshi_proto::record_text::RecordText;
use serde::Serialize;
use sqlx::FromRow;

use crate::error::{OriginError, Result};
use crate::public_expense::{PayerRow, PayerRowError, PayerRowErrorCode};
use crate::store::credentials::{PrincipalKind, insert_credential};
use crate::store::{Store, random_id};

/// `principal_kind` of a 公費負担者 in `insurers`.
const PAYER_KIND: &str = PrincipalKind::PublicExpensePayer.as_text();

/// A payer as its credential names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payer {
    /// 公費負担者番号.
    pub number: PayerNumber,
    /// The welfare office's or the municipality's name.
    pub name: RecordText,
}

/// What an applied payer batch did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PayerBatchReport {
    /// The batch identifier.
    pub batch_id: String,
    /// The payer.
    pub payer_number: String,
    /// When it was committed (Unix seconds).
    pub received_at: i64,
    /// Rows in the file, each a 公費 registered (a 受給者番号 registered before is replaced with its tickets).
    pub rows_total: i64,
}

#[derive(FromRow)]
struct ExpenseRow {
    id: String,
    payer_number: String,
    payer_name: String,
    kind: String,
    recipient_number: String,
    valid_from: String,
    valid_until: Option<String>,
    monthly_self_pay_yen: Option<i64>,
}

#[derive(FromRow)]
struct TicketRow {
    public_expense_id: String,
    kind: String,
    valid_from: String,
    valid_until: Option<String>,
    issue_number: String,
    treatment_month: String,
    designated_facility_code: String,
    designated_facility_name: String,
    self_pay_yen: i64,
}

fn corrupt(what: &str) -> OriginError {
    OriginError::CorruptRecord(format!("public expense: {what}"))
}

fn date(text: &str) -> Result<IsoDate> {
    IsoDate::parse(text).map_err(|_| corrupt("date"))
}

fn period(from: &str, until: Option<&str>) -> Result<ValidityPeriod> {
    ValidityPeriod::new(date(from)?, until.map(date).transpose()?).map_err(|_| corrupt("period"))
}

fn yen(amount: i64) -> Result<SelfPayYen> {
    u32::try_from(amount).ok().and_then(|yen| SelfPayYen::try_from(yen).ok()).ok_or_else(|| corrupt("amount"))
}

impl TicketRow {
    fn into_ticket(self) -> Result<MedicalTicket> {
        Ok(MedicalTicket {
            kind: self.kind.parse::<TicketKind>().map_err(|_| corrupt("ticket kind"))?,
            validity: period(&self.valid_from, self.valid_until.as_deref())?,
            issue_number: IssueNumber::parse(&self.issue_number).map_err(|_| corrupt("issue number"))?,
            treatment_month: TreatmentMonth::parse(&self.treatment_month).map_err(|_| corrupt("month"))?,
            designated_facility_code: self
                .designated_facility_code
                .as_str()
                .try_into()
                .map_err(|_| corrupt("facility"))?,
            designated_facility_name: RecordText::parse(&self.designated_facility_name).map_err(|_| corrupt("name"))?,
            self_pay_yen: yen(self.self_pay_yen)?,
        })
    }
}

impl Store {
    /// Registers a 公費負担者 (if new) and a bearer token for it expiring at `expires_at`, stored as its SHA-256
    /// only. False, with nothing stored, when the number is already an insurer's.
    pub async fn add_payer_token(&self, payer: &Payer, token_sha256: &str, now: i64, expires_at: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        if !insert_payer(&mut tx, payer, now).await? {
            return Ok(false);
        }
        insert_credential(&mut tx, token_sha256, payer.number.as_str(), now, expires_at).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Registers a 公費負担者 (if new) without a token, as the demo's payers are. False when the number is an
    /// insurer's.
    pub async fn register_payer(&self, payer: &Payer, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let registered = insert_payer(&mut tx, payer, now).await?;
        tx.commit().await?;
        Ok(registered)
    }

    /// The payer a live bearer token (given as its SHA-256) belongs to at `now`; `None` for an unknown, expired or
    /// revoked token or an insurer's.
    pub async fn payer_for_token(&self, token_sha256: &str, now: i64) -> Result<Option<Payer>> {
        let found = self.credential_holder(token_sha256, PrincipalKind::PublicExpensePayer, now).await?;
        found
            .map(|(number, name)| {
                Ok(Payer {
                    number: PayerNumber::parse(&number).map_err(|_| corrupt("payer number"))?,
                    name: RecordText::parse(&name).map_err(|_| corrupt("payer name"))?,
                })
            })
            .transpose()
    }

    /// Applies `rows` of `payer`'s batch at `now`, all or nothing: a row naming a 個人番号 no person is registered
    /// with refuses the whole batch.
    pub async fn apply_public_expense_batch(
        &self,
        payer: &PayerNumber,
        body_sha256: &str,
        rows: &[PayerRow],
        now: i64,
    ) -> Result<std::result::Result<PayerBatchReport, Vec<PayerRowError>>> {
        let mut tx = self.pool.begin().await?;
        let mut known: HashMap<&str, bool> = HashMap::new();
        let mut unknown = Vec::new();
        for row in rows {
            let number = row.individual_number.as_str();
            let exists = match known.get(number) {
                Some(exists) => *exists,
                None => {
                    let found: Option<i32> =
                        sqlx::query_scalar("SELECT 1 FROM persons WHERE individual_number = $1 LIMIT 1")
                            .bind(number)
                            .fetch_optional(&mut *tx)
                            .await?;
                    known.insert(number, found.is_some());
                    found.is_some()
                }
            };
            if !exists {
                unknown.push(PayerRowError {
                    line: row.line,
                    field: Some("individual_number"),
                    code: PayerRowErrorCode::UnknownPerson,
                });
            }
        }
        if !unknown.is_empty() {
            return Ok(Err(unknown));
        }
        let batch_id = random_id()?;
        let rows_total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO public_expense_batches (id, payer_number, received_at, body_sha256, rows_total) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&batch_id)
        .bind(payer.as_str())
        .bind(now)
        .bind(body_sha256)
        .bind(rows_total)
        .execute(&mut *tx)
        .await?;
        for row in rows {
            // A 受給者番号 registered before is replaced whole, with its tickets.
            sqlx::query(
                "DELETE FROM medical_tickets WHERE public_expense_id IN \
                 (SELECT id FROM public_expenses WHERE payer_number = $1 AND recipient_number = $2)",
            )
            .bind(payer.as_str())
            .bind(row.recipient_number.as_str())
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM public_expenses WHERE payer_number = $1 AND recipient_number = $2")
                .bind(payer.as_str())
                .bind(row.recipient_number.as_str())
                .execute(&mut *tx)
                .await?;
            let id = random_id()?;
            sqlx::query(
                "INSERT INTO public_expenses (id, individual_number, payer_number, kind, recipient_number, \
                 valid_from, valid_until, monthly_self_pay_yen, batch_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&id)
            .bind(row.individual_number.as_str())
            .bind(payer.as_str())
            .bind(row.kind.as_str())
            .bind(row.recipient_number.as_str())
            .bind(row.validity.valid_from.to_string())
            .bind(row.validity.valid_until.map(|day| day.to_string()))
            .bind(row.monthly_self_pay_yen.map(|yen| i64::from(yen.yen())))
            .bind(&batch_id)
            .execute(&mut *tx)
            .await?;
            for (position, ticket) in row.tickets.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO medical_tickets (public_expense_id, position, kind, valid_from, valid_until, \
                     issue_number, treatment_month, designated_facility_code, designated_facility_name, \
                     self_pay_yen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&id)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(ticket.kind.as_str())
                .bind(ticket.validity.valid_from.to_string())
                .bind(ticket.validity.valid_until.map(|day| day.to_string()))
                .bind(ticket.issue_number.as_str())
                .bind(ticket.treatment_month.as_str())
                .bind(ticket.designated_facility_code.as_str())
                .bind(ticket.designated_facility_name.as_str())
                .bind(i64::from(ticket.self_pay_yen.yen()))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(PayerBatchReport { batch_id, payer_number: payer.as_str().to_owned(), received_at: now, rows_total }))
    }

    /// Every 公費 registered for the person `person_id` (by the 個人番号 of their record), with its tickets in
    /// the order they were registered; which of them an answer shows is the caller's choice.
    pub async fn public_expenses_of(&self, person_id: &str) -> Result<Vec<PublicExpense>> {
        let expenses: Vec<ExpenseRow> = sqlx::query_as(
            "SELECT e.id, e.payer_number, i.name AS payer_name, e.kind, e.recipient_number, e.valid_from, \
                    e.valid_until, e.monthly_self_pay_yen \
             FROM persons p \
             JOIN public_expenses e ON e.individual_number = p.individual_number \
             JOIN insurers i ON i.insurer_number = e.payer_number \
             WHERE p.id = $1 \
             ORDER BY e.kind, e.payer_number, e.recipient_number",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        if expenses.is_empty() {
            return Ok(Vec::new());
        }
        let tickets: Vec<TicketRow> = sqlx::query_as(
            "SELECT t.public_expense_id, t.kind, t.valid_from, t.valid_until, t.issue_number, t.treatment_month, \
                    t.designated_facility_code, t.designated_facility_name, t.self_pay_yen \
             FROM persons p \
             JOIN public_expenses e ON e.individual_number = p.individual_number \
             JOIN medical_tickets t ON t.public_expense_id = e.id \
             WHERE p.id = $1 \
             ORDER BY t.public_expense_id, t.position",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        let mut tickets_by_expense: BTreeMap<String, Vec<MedicalTicket>> = BTreeMap::new();
        for ticket in tickets {
            let id = ticket.public_expense_id.clone();
            tickets_by_expense.entry(id).or_default().push(ticket.into_ticket()?);
        }
        expenses
            .into_iter()
            .map(|row| {
                let expense = PublicExpense {
                    kind: row.kind.parse::<PublicExpenseKind>().map_err(|_| corrupt("kind"))?,
                    payer_number: PayerNumber::parse(&row.payer_number).map_err(|_| corrupt("payer number"))?,
                    recipient_number: RecipientNumber::parse(&row.recipient_number)
                        .map_err(|_| corrupt("recipient number"))?,
                    payer_name: RecordText::parse(&row.payer_name).map_err(|_| corrupt("payer name"))?,
                    validity: period(&row.valid_from, row.valid_until.as_deref())?,
                    monthly_self_pay_yen: row.monthly_self_pay_yen.map(yen).transpose()?,
                    tickets: tickets_by_expense.remove(&row.id).unwrap_or_default(),
                };
                PublicExpense::new(expense).map_err(|_| corrupt("rules"))
            })
            .collect()
    }
}

/// Adds `payer` to `insurers` as a 公費負担者 unless its number is there already; true when the number is a payer's
/// (new or not), false when it is an insurer's.
async fn insert_payer(tx: &mut sqlx::AnyConnection, payer: &Payer, now: i64) -> Result<bool> {
    sqlx::query(
        "INSERT INTO insurers (insurer_number, name, created_at, principal_kind) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(payer.number.as_str())
    .bind(payer.name.as_str())
    .bind(now)
    .bind(PAYER_KIND)
    .execute(&mut *tx)
    .await?;
    let kind: String = sqlx::query_scalar("SELECT principal_kind FROM insurers WHERE insurer_number = $1")
        .bind(payer.number.as_str())
        .fetch_one(&mut *tx)
        .await?;
    Ok(kind == PAYER_KIND)
}
