//! What the insurer's console reads: the inbox of notices (newest first, by kind and state), one notice with the
//! records it compares, and the count and age of open holds. Every statement names the insurer, so one insurer
//! never reads another's notices or members.
//!
//! Layer: storage adapter. Must not decide: how two records compare is `batch::decide::compare_items`'s answer;
//! here the rows are only read and handed over.

use onshi_proto::insurer::{NoticeKind, NoticeState, NoticeSummary};

use crate::batch::decide::PersonItems;
use crate::error::Result;
use crate::store::Store;
use crate::store::batch_reads::residents;
use crate::store::rows::{HoldStatus, parse_stored, stored_person_items};

/// The notification kinds that record a decision rather than raise a suspicion: never in the inbox.
const DECISION_KINDS: &str = "('hold_cleared', 'hold_corrected', 'hold_still_mismatched')";

/// A notice's place in the inbox order (time, batch, line, id, all descending); the cursor is
/// `created_at.batch_id.line.id`, as for the oldest-first listing.
pub use crate::store::rows::NotificationKey as NoticeKey;

/// Where a notice stands in the inbox order.
pub fn notice_key(notice: &NoticeSummary) -> NoticeKey {
    NoticeKey {
        created_at: notice.created_at,
        batch_id: notice.batch_id.clone().unwrap_or_default(),
        line: notice.line.unwrap_or(0),
        id: notice.id.clone(),
    }
}

/// The member record a notice concerns, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    /// The person record.
    pub person_id: String,
    /// The 個人番号 registered.
    pub individual_number: Option<String>,
    /// Its 5 items.
    pub items: PersonItems,
    /// Whether it is held now.
    pub held: bool,
    /// When it was created (a hold starts then).
    pub created_at: i64,
}

/// The other record of a notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OtherRow {
    /// A person record, and whether the same insurer registered it.
    Record {
        /// Its 5 items.
        items: PersonItems,
        /// True when the asking insurer registered it.
        own: bool,
    },
    /// The 住基 stand-in's entry for the member's 個人番号.
    Resident(PersonItems),
}

/// One notice with what it compares, and the decisions on its member's hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeRecords {
    /// The notice.
    pub notice: NoticeSummary,
    /// The member record.
    pub member: MemberRow,
    /// The other record, when there is one.
    pub other: Option<OtherRow>,
    /// `(decided_at, decided_by, resolution, reason, outcome)`, oldest first.
    pub decisions: Vec<(i64, String, String, Option<String>, String)>,
    /// The 理由付き疑いなし waiting for a second clerk, as `(proposed_at, proposed_by, reason)`.
    pub proposal: Option<(i64, String, String)>,
}

/// The open holds of an insurer, counted by age.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HoldCounts {
    /// Held now.
    pub open: i64,
    /// The oldest hold's start.
    pub oldest_since: Option<i64>,
    /// Started after the first boundary.
    pub recent: i64,
    /// Started between the two boundaries.
    pub middle: i64,
}

type NoticeTuple = (String, String, Option<String>, Option<i64>, Option<String>, i64, Option<String>, Option<String>);

fn notice_row(tuple: NoticeTuple) -> Result<NoticeSummary> {
    let (id, kind, batch_id, line, person_id, created_at, hold_status, hold_reason) = tuple;
    let state = match hold_status.as_deref().map(HoldStatus::from_text).transpose()? {
        Some(HoldStatus::Held) => NoticeState::Open,
        _ if hold_reason.is_some() => NoticeState::Resolved,
        _ => NoticeState::Informational,
    };
    Ok(NoticeSummary { id, kind: parse_stored("kind", &kind)?, state, batch_id, line, person_id, created_at })
}

impl Store {
    /// Up to `limit` of `insurer`'s notices, newest first, strictly older than `before` (from the newest when
    /// `None`), of one kind and one state when asked.
    pub async fn inbox(
        &self,
        insurer: &str,
        kind: Option<NoticeKind>,
        state: Option<NoticeState>,
        before: Option<&NoticeKey>,
        limit: u32,
    ) -> Result<Vec<NoticeSummary>> {
        // Only fixed fragments and placeholder numbers are formatted in; every value is bound.
        let mut sql = format!(
            "SELECT n.id, n.kind, n.batch_id, n.line, n.person_id, n.created_at, p.hold_status, p.hold_reason \
             FROM insurer_notifications n \
             LEFT JOIN persons p ON p.id = n.person_id AND p.registered_by = n.insurer_number \
             WHERE n.insurer_number = $1 AND n.kind NOT IN {DECISION_KINDS} \
               AND (n.created_at, COALESCE(n.batch_id, ''), COALESCE(n.line, 0), n.id) < ($2, $3, $4, $5)"
        );
        let mut next = 6;
        if kind.is_some() {
            sql.push_str(&format!(" AND n.kind = ${next}"));
            next += 1;
        }
        sql.push_str(match state {
            None => "",
            Some(NoticeState::Open) => " AND p.hold_status = 'held'",
            Some(NoticeState::Resolved) => " AND p.hold_status <> 'held' AND p.hold_reason IS NOT NULL",
            Some(NoticeState::Informational) => " AND p.hold_reason IS NULL",
        });
        sql.push_str(&format!(
            " ORDER BY n.created_at DESC, COALESCE(n.batch_id, '') DESC, COALESCE(n.line, 0) DESC, n.id DESC \
             LIMIT ${next}"
        ));
        let start = NoticeKey { created_at: i64::MAX, batch_id: String::new(), line: 0, id: String::new() };
        let before = before.unwrap_or(&start);
        let mut query = sqlx::query_as::<_, NoticeTuple>(sqlx::AssertSqlSafe(sql))
            .bind(insurer)
            .bind(before.created_at)
            .bind(&before.batch_id)
            .bind(before.line)
            .bind(&before.id);
        if let Some(kind) = kind {
            query = query.bind(kind.as_str());
        }
        let rows = query.bind(i64::from(limit)).fetch_all(self.pool()).await?;
        rows.into_iter().map(notice_row).collect()
    }

    /// One of `insurer`'s notices with its member record, the other record it compares with, and the decisions on
    /// the member's hold; `None` when the insurer has no such notice.
    pub async fn notice_records(&self, insurer: &str, notice_id: &str) -> Result<Option<NoticeRecords>> {
        let mut conn = self.pool().acquire().await?;
        let sql = format!(
            "SELECT n.id, n.kind, n.batch_id, n.line, n.person_id, n.created_at, p.hold_status, p.hold_reason \
             FROM insurer_notifications n \
             LEFT JOIN persons p ON p.id = n.person_id AND p.registered_by = n.insurer_number \
             WHERE n.id = $1 AND n.insurer_number = $2 AND n.kind NOT IN {DECISION_KINDS}"
        );
        let found: Option<NoticeTuple> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(notice_id).bind(insurer).fetch_optional(&mut *conn).await?;
        let Some(tuple) = found else { return Ok(None) };
        let notice = notice_row(tuple)?;
        let Some(person_id) = notice.person_id.clone() else { return Ok(None) };
        type MemberTuple =
            (String, Option<String>, String, String, String, String, Option<String>, String, Option<String>, i64);
        let member: Option<MemberTuple> = sqlx::query_as(
            "SELECT id, individual_number, name, name_kana, birth_date, sex, address, hold_status, hold_reason, \
                    created_at \
             FROM persons WHERE id = $1 AND registered_by = $2",
        )
        .bind(&person_id)
        .bind(insurer)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((id, individual_number, name, name_kana, birth, sex, address, hold, hold_reason, created_at)) = member
        else {
            return Ok(None);
        };
        let member = MemberRow {
            person_id: id,
            individual_number,
            items: stored_person_items(name, name_kana, &birth, &sex, address)?,
            held: HoldStatus::from_text(&hold)? == HoldStatus::Held,
            created_at,
        };
        // A `record_held` notice compares with what held the record: the record of check b or c, or 住基.
        let cause = match notice.kind {
            NoticeKind::RecordHeld => hold_reason.as_deref().and_then(|reason| reason.parse().ok()),
            kind => Some(kind),
        };
        let other = match cause {
            Some(kind @ (NoticeKind::SuspectedMisregistration | NoticeKind::SuspectedTwin)) => {
                let counterpart: Option<Option<String>> = sqlx::query_scalar(
                    "SELECT counterpart_person_id FROM insurer_notifications \
                     WHERE person_id = $1 AND insurer_number = $2 AND kind = $3 \
                     ORDER BY created_at DESC, id LIMIT 1",
                )
                .bind(&person_id)
                .bind(insurer)
                .bind(kind.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                match counterpart.flatten() {
                    None => None,
                    Some(other_id) => {
                        type OtherTuple = (String, String, String, String, Option<String>, Option<String>);
                        let row: Option<OtherTuple> = sqlx::query_as(
                            "SELECT name, name_kana, birth_date, sex, address, registered_by FROM persons WHERE id = $1",
                        )
                        .bind(&other_id)
                        .fetch_optional(&mut *conn)
                        .await?;
                        match row {
                            None => None,
                            Some((name, name_kana, birth, sex, address, registered_by)) => Some(OtherRow::Record {
                                items: stored_person_items(name, name_kana, &birth, &sex, address)?,
                                own: registered_by.as_deref() == Some(insurer),
                            }),
                        }
                    }
                }
            }
            Some(
                NoticeKind::ResidentRegistryMatch
                | NoticeKind::ResidentRegistryMismatch
                | NoticeKind::FiveItemMismatch
                | NoticeKind::RecordHeld,
            ) => match &member.individual_number {
                None => None,
                Some(number) => {
                    let mut found = residents(&mut conn, self.backend(), &[number.as_str()]).await?;
                    found.remove(number.as_str()).map(OtherRow::Resident)
                }
            },
            Some(NoticeKind::ResidentRegistryNotFound) | None => None,
        };
        let decisions = sqlx::query_as(
            "SELECT decided_at, decided_by, resolution, reason, outcome FROM hold_decisions \
             WHERE person_id = $1 AND insurer_number = $2 ORDER BY decided_at, id",
        )
        .bind(&person_id)
        .bind(insurer)
        .fetch_all(&mut *conn)
        .await?;
        let proposal = sqlx::query_as(
            "SELECT proposed_at, proposed_by, reason FROM hold_proposals \
             WHERE person_id = $1 AND insurer_number = $2 AND settled_at IS NULL ORDER BY proposed_at, id",
        )
        .bind(&person_id)
        .bind(insurer)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(Some(NoticeRecords { notice, member, other, decisions, proposal }))
    }

    /// `insurer`'s held records: how many, the oldest hold's start, and how many started after `recent_after` and
    /// between `middle_after` and `recent_after`.
    pub async fn hold_counts(&self, insurer: &str, recent_after: i64, middle_after: i64) -> Result<HoldCounts> {
        let (open, oldest_since, recent, middle): (i64, Option<i64>, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at), \
                    COALESCE(SUM(CASE WHEN created_at > $2 THEN 1 ELSE 0 END), 0), \
                    COALESCE(SUM(CASE WHEN created_at <= $3 AND created_at > $4 THEN 1 ELSE 0 END), 0) \
             FROM persons WHERE registered_by = $1 AND hold_status = 'held'",
        )
        .bind(insurer)
        .bind(recent_after)
        .bind(recent_after)
        .bind(middle_after)
        .fetch_one(self.pool())
        .await?;
        Ok(HoldCounts { open, oldest_since, recent, middle })
    }
}
