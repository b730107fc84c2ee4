//! The insurer's side of the wire (origin ⇄ edge ⇄ the insurer's console): what a notice is, the inbox page, one
//! notice opened beside the record it concerns, the count of open holds, and how far a running batch has got.
//!
//! A notice always concerns one of the insurer's own member records. The other record of a suspicion (a record
//! another insurer registered under the same 個人番号, or the 住基 entry) is never named: it is described by which
//! of the 5 items differ ([`FieldDifference`]), and its values travel only when the same insurer registered it.
//!
//! Pure: no I/O, no clock.

use serde::{Deserialize, Serialize};

use crate::IsoDate;
use crate::qualification::Sex;

/// What an insurer is told about one batch row: the seed's checks b–d and the 2024 5-item check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum NoticeKind {
    /// Check b: the 個人番号 is registered with another 生年月日 (個人番号誤登録疑い).
    SuspectedMisregistration,
    /// Check c (機能②): same 個人番号 and 生年月日, different カナ氏名: twins given one number by mistake.
    SuspectedTwin,
    /// Check d (機能①): a number with no history was queried against 住基; the 5 items match.
    ResidentRegistryMatch,
    /// Check d: the 住基 query found the number, but the 5 items do not match.
    ResidentRegistryMismatch,
    /// Check d: the 住基 query does not know the number.
    ResidentRegistryNotFound,
    /// Check e/f: the row does not match the 住基 5 items (表記ゆれ and 外字 tolerated); the record is held.
    FiveItemMismatch,
    /// Check f: the record is held and cannot be viewed until corrected or cleared.
    RecordHeld,
}

crate::wire_enum::wire_text!(NoticeKind);

impl NoticeKind {
    /// Whether a record held for this reason is released by 理由付き疑いなし only when a second clerk confirms the
    /// first one's: the holds the 住基 comparison raised (the 5 items do not match, or 住基 does not know the
    /// number). Releasing one says the registry is wrong about a person, so one clerk's word is not enough. The
    /// other holds (a 生年月日 or a カナ氏名 against another record) are still released by one clerk with a reason.
    pub fn release_needs_second_clerk(self) -> bool {
        matches!(self, Self::FiveItemMismatch | Self::ResidentRegistryMismatch | Self::ResidentRegistryNotFound)
    }
}

/// Where a notice stands, from the hold of the record it concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum NoticeState {
    /// The record is held: it answers `record_held` until the insurer acts.
    Open,
    /// The record was held and the insurer corrected it or recorded 理由付き疑いなし.
    Resolved,
    /// The record was never held: the notice only informs (a 住基 match).
    Informational,
}

crate::wire_enum::wire_text!(NoticeState);

/// One notice in the inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeSummary {
    /// Identifier.
    pub id: String,
    /// What it says.
    pub kind: NoticeKind,
    /// Where it stands now.
    pub state: NoticeState,
    /// The batch that raised it.
    pub batch_id: Option<String>,
    /// The batch line it concerns.
    pub line: Option<i64>,
    /// The insurer's own member record it concerns.
    pub person_id: Option<String>,
    /// When it was raised (Unix seconds).
    pub created_at: i64,
}

/// A page of the inbox, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticePage {
    /// Up to `limit` notices, newest first.
    pub notices: Vec<NoticeSummary>,
    /// The `before` of the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// One of the 5 items identity matching compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Item {
    /// 漢字氏名.
    Name,
    /// カナ氏名.
    NameKana,
    /// 生年月日.
    BirthDate,
    /// 性別.
    Sex,
    /// 住所.
    Address,
}

crate::wire_enum::wire_text!(Item);

/// How one item of the member record compares with the other record's, in the comparison forms the checks use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Comparison {
    /// Equal once normalised (表記ゆれ tolerated).
    Same,
    /// Equal except where one side has ● for a 外字, which is never taken as equal to a real character.
    SameExceptGaiji,
    /// Different.
    Differs,
}

crate::wire_enum::wire_text!(Comparison);

/// Whose the other record of a notice is, said without naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum CounterpartSource {
    /// The 住基 stand-in's entry for the member's 個人番号.
    ResidentRegistry,
    /// Another record this insurer registered under the same 個人番号: its values are shown.
    OwnRecord,
    /// A record registered under the same 個人番号 by someone else: only what differs is said.
    OtherRecord,
}

crate::wire_enum::wire_text!(CounterpartSource);

/// One item of the member record beside the other record's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldDifference {
    /// Which item.
    pub item: Item,
    /// How it compares.
    pub comparison: Comparison,
    /// The other record's value, only when the source is [`CounterpartSource::OwnRecord`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_value: Option<String>,
}

/// The other record of a notice, described by what differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counterpart {
    /// Whose it is, without naming it.
    pub source: CounterpartSource,
    /// Each of the 5 items, compared.
    pub items: Vec<FieldDifference>,
}

/// The member record a notice concerns: the insurer's own data, as it registered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberRecord {
    /// The person record.
    pub person_id: String,
    /// The 個人番号 the insurer registered.
    pub individual_number: Option<String>,
    /// 漢字氏名 as registered (● where a 外字 could not be sent).
    pub name: String,
    /// True when the name holds a ● for a 外字.
    pub name_has_gaiji: bool,
    /// カナ氏名 as registered.
    pub name_kana: String,
    /// カナ氏名 in the comparison form the checks use.
    pub name_kana_normalized: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所.
    pub address: String,
    /// Whether it is held now.
    pub held: bool,
    /// Since when (Unix seconds) it has been held, while it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_since: Option<i64>,
}

/// How an insurer resolved a hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum ResolutionKind {
    /// 理由付き疑いなし.
    NoSuspicion,
    /// The 個人番号 was corrected and checked again.
    Corrected,
}

crate::wire_enum::wire_text!(ResolutionKind);

/// What a resolution did to the hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum DecisionOutcome {
    /// The record may be shown again.
    Released,
    /// The corrected number still fails the checks: the record stays held.
    StillHeld,
    /// 理由付き疑いなし on a hold that needs a second clerk
    /// ([`NoticeKind::release_needs_second_clerk`]): the record stays held until another clerk of the insurer
    /// confirms it. Only a resolution's answer says this; the decisions kept are releases and still-helds.
    AwaitingSecondClerk,
}

crate::wire_enum::wire_text!(DecisionOutcome);

/// A first clerk's 理由付き疑いなし on a hold that needs a second clerk, waiting for another clerk to confirm it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldProposal {
    /// When (Unix seconds).
    pub proposed_at: i64,
    /// The clerk who proposed it: the confirmation must come from someone else.
    pub proposed_by: String,
    /// Their reason.
    pub reason: String,
}

/// One decision on a held record, as the audit keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldDecision {
    /// When (Unix seconds).
    pub decided_at: i64,
    /// Who decided, as the insurer's console (or its own system) named them.
    pub decided_by: String,
    /// What was done.
    pub resolution: ResolutionKind,
    /// The reason given (required for 理由付き疑いなし).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What it did.
    pub outcome: DecisionOutcome,
}

/// One notice opened: the member record beside the other record, and the decisions taken on its hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeDetail {
    /// The notice.
    pub notice: NoticeSummary,
    /// The member record it concerns.
    pub member: MemberRecord,
    /// The other record, when the notice has one that still exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterpart: Option<Counterpart>,
    /// Decisions on the member record's hold, oldest first.
    pub decisions: Vec<HoldDecision>,
    /// The 理由付き疑いなし waiting for a second clerk, while there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<HoldProposal>,
}

/// The insurer's open holds: how many, and how long they have waited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldSummary {
    /// The insurer the summary is of: the console's sign-in learns from it whose credential was typed.
    pub insurer_number: crate::insurer_number::InsurerNumber,
    /// Records held now.
    pub open: u64,
    /// Since when the oldest has been held (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_since: Option<i64>,
    /// Held for less than a day.
    pub under_one_day: u64,
    /// Held for one to seven days.
    pub one_to_seven_days: u64,
    /// Held for more than seven days: patients may have been turned away.
    pub over_seven_days: u64,
    /// The credential that asked, by its public name, when an insurer's own bearer token asked: the console's
    /// sign-in binds its session to it. Absent when the edge asks for a session, which already names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<crate::credential_name::CredentialName>,
}

/// Longest reason of a 理由付き疑いなし, in characters.
pub const MAX_REASON_CHARS: usize = 200;
/// Longest name of the person who decides, in characters.
pub const MAX_DECIDED_BY_CHARS: usize = 64;

/// A 理由付き疑いなし reason, checked: not blank, at most [`MAX_REASON_CHARS`] characters, plain text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    /// Reads a reason; `None` when it is blank, too long or holds a control character.
    pub fn parse(text: &str) -> Option<Self> {
        let trimmed = text.trim();
        let plain = trimmed.chars().all(|c| c == '\n' || !c.is_control());
        (!trimmed.is_empty() && trimmed.chars().count() <= MAX_REASON_CHARS && plain).then(|| Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reason {
    type Error = &'static str;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or("a reason is 1 to 200 characters of plain text")
    }
}

impl From<Reason> for String {
    fn from(reason: Reason) -> Self {
        reason.0
    }
}

/// How an insurer resolves a held record, as the console sends it and the origin reads it. The origin checks each
/// field as it checks a batch row (a [`Reason`], a 個人番号 with its check digit) and refuses the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "resolution", rename_all = "snake_case", deny_unknown_fields)]
pub enum HoldResolution {
    /// 理由付き疑いなし: the insurer confirmed the registration with the person; the reason is recorded.
    NoSuspicion {
        /// Why there is no suspicion (free text, at most 200 characters).
        reason: String,
    },
    /// The insurer corrects the 個人番号; the record is checked against 住基 again and released only on a match.
    Corrected {
        /// The corrected 個人番号.
        individual_number: String,
    },
}

/// The header the insurer's console (through the edge) names the deciding clerk in.
pub const DECIDED_BY_HEADER: &str = "x-onshi-decided-by";

/// Edge: an insurer console device signs its clerk in with the insurer's credential (device proof, `POST`).
pub const INSURER_LOGIN_PATH: &str = "/api/v1/insurer/login";
/// Edge: ends the insurer session the `Authorization` header carries; answered `204 No Content`.
pub const INSURER_LOGOUT_PATH: &str = "/api/v1/insurer/logout";
/// Edge: the count and age of the insurer's open holds ([`HoldSummary`], `GET`).
pub const INSURER_HOLDS_PATH: &str = "/api/v1/insurer/holds";
/// Edge: one page of the inbox ([`NoticePage`]) for the filter in the body ([`InboxFilter`], `POST`).
pub const INSURER_NOTICES_PATH: &str = "/api/v1/insurer/notices";
/// Edge: one notice opened ([`NoticeDetail`], `GET`), as `<prefix><notice id>`.
pub const INSURER_NOTICE_PREFIX: &str = "/api/v1/insurer/notices/";
/// Edge: a hold's resolution (`POST`), as `<prefix><person id>/resolution`.
pub const INSURER_HOLD_PREFIX: &str = "/api/v1/insurer/holds/";
/// The last segment of a hold resolution path.
pub const INSURER_RESOLUTION_SUFFIX: &str = "/resolution";

/// Origin: a batch upload (`POST`), from an insurer's own system or through the edge.
pub const ORIGIN_BATCHES_PATH: &str = "/insurer/v1/batches";
/// Origin: the count and age of the insurer's open holds (`GET`); a hold's resolution is
/// `<this>/<person id>/resolution` (`POST`).
pub const ORIGIN_HOLDS_PATH: &str = "/insurer/v1/holds";
/// Origin: the insurer's inbox (`GET`); one notice is `<this>/<notice id>`.
pub const ORIGIN_NOTICES_PATH: &str = "/insurer/v1/notices";
/// Origin: how the insurer's running batch is getting on ([`BatchProgress`], `GET`).
pub const ORIGIN_BATCH_PROGRESS_PATH: &str = "/insurer/v1/batch-progress";
/// Edge: how the session's insurer's running batch is getting on ([`BatchProgress`], `GET`).
pub const INSURER_BATCH_PROGRESS_PATH: &str = "/api/v1/insurer/batch-progress";

/// Edge: a batch upload in CSV (`POST`, `text/csv` as the body).
pub const INSURER_BATCH_CSV_PATH: &str = "/api/v1/insurer/batches/csv";
/// Edge: a batch upload in JSON Lines (`POST`, one JSON object a line as the body).
pub const INSURER_BATCH_NDJSON_PATH: &str = "/api/v1/insurer/batches/ndjson";
/// Largest batch the edge takes, in bytes: the edge holds a request in memory to sign it, so a worker's memory sets
/// the bound. About 100,000 rows of CSV; an insurer's own system sends larger files straight to the origin's batch
/// API with the insurer's credential. Over it, the edge answers `payload_too_large` before reading the body.
pub const MAX_EDGE_BATCH_BYTES: usize = 24 * 1024 * 1024;

/// The formats of a batch upload, each the origin's content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BatchUploadFormat {
    /// `text/csv`.
    Csv,
    /// `application/x-ndjson`.
    Ndjson,
}

impl BatchUploadFormat {
    /// The content type the origin reads this format by.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::Ndjson => "application/x-ndjson",
        }
    }
}

/// The edge's answer to a batch upload: applied, with the origin's report, or refused as a whole, with the first
/// bad rows (line, field and a sentence each) and the count of all, so the console can offer the rows to fix. Both
/// are `200`: a refused file is the insurer's data speaking, not a failed request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchUploadAnswer {
    /// The batch was applied: the origin's batch report (counts, notices, holds).
    Applied(crate::batch_report::BatchReport),
    /// The batch was refused and nothing changed: the origin's rejection (the first rows, the count of all).
    Refused(crate::batch_report::BatchRejection),
}

/// How far a running batch has got, as [`ORIGIN_BATCH_PROGRESS_PATH`] and [`INSURER_BATCH_PROGRESS_PATH`] answer
/// it: nothing running, reading and validating the file, applying its rows, finishing (the commit, after the last
/// row), or running on a replica of the origin other than the one asked, whose counts that one cannot see.
///
/// Applied rows are written inside the batch's one transaction: none of them is visible to anyone until the commit,
/// and a batch refused while applying changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "stage", rename_all = "snake_case", deny_unknown_fields)]
pub enum BatchProgress {
    /// No batch of this insurer is running.
    None,
    /// The file is being read, each row validated as it is read.
    Reading(RowsRead),
    /// Every row was read and is valid; the rows are being checked and written.
    Applying(RowsApplied),
    /// Every row is checked and written, with the notices the checks raised; the batch is being committed, which for
    /// a large batch takes a while of its own.
    Finishing {
        /// All the batch's rows.
        rows_total: u64,
    },
    /// A batch of this insurer is running, on another replica of the origin: no counts are known here.
    RunningElsewhere,
}

/// The rows read so far of a file being read, and how many of them are refused: never more than were read. The
/// default is none read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RowsReadWire")]
pub struct RowsRead {
    rows_read: u64,
    rows_refused: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowsReadWire {
    rows_read: u64,
    rows_refused: u64,
}

impl RowsRead {
    /// `read` rows of which `refused` are refused; `None` when more are refused than were read.
    pub fn new(read: u64, refused: u64) -> Option<Self> {
        (refused <= read).then_some(Self { rows_read: read, rows_refused: refused })
    }

    /// Rows read so far (a line or record that is not a row, such as the CSV header or a blank line, is not one).
    pub fn read(self) -> u64 {
        self.rows_read
    }

    /// Rows read so far that are refused: one is enough for the whole file to be refused at its end.
    pub fn refused(self) -> u64 {
        self.rows_refused
    }
}

impl TryFrom<RowsReadWire> for RowsRead {
    type Error = &'static str;

    fn try_from(wire: RowsReadWire) -> Result<Self, Self::Error> {
        Self::new(wire.rows_read, wire.rows_refused).ok_or("more rows refused than read")
    }
}

/// The rows of a batch checked and written so far, of all its rows: never more than all. The default is none of
/// none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RowsAppliedWire")]
pub struct RowsApplied {
    rows_applied: u64,
    rows_total: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowsAppliedWire {
    rows_applied: u64,
    rows_total: u64,
}

impl RowsApplied {
    /// `applied` rows of `total`; `None` when more are applied than there are.
    pub fn new(applied: u64, total: u64) -> Option<Self> {
        (applied <= total).then_some(Self { rows_applied: applied, rows_total: total })
    }

    /// Rows checked and written so far.
    pub fn applied(self) -> u64 {
        self.rows_applied
    }

    /// All the batch's rows.
    pub fn total(self) -> u64 {
        self.rows_total
    }
}

impl TryFrom<RowsAppliedWire> for RowsApplied {
    type Error = &'static str;

    fn try_from(wire: RowsAppliedWire) -> Result<Self, Self::Error> {
        Self::new(wire.rows_applied, wire.rows_total).ok_or("more rows applied than the batch holds")
    }
}

/// Body of `POST` [`INSURER_LOGIN_PATH`]: the insurer's credential as the clerk typed it, and the clerk's name,
/// which every hold decision of the session is recorded under.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsurerLoginRequest {
    /// The insurer's credential (the origin's insurer token); the edge shows it to the origin once and keeps none.
    pub credential: String,
    /// Who signs in (`審査係 鈴木`): the audit of each decision names them.
    pub clerk: crate::identifier::Identifier,
}

impl std::fmt::Debug for InsurerLoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsurerLoginRequest").field("credential", &"<redacted>").field("clerk", &self.clerk).finish()
    }
}

/// Answer to `POST` [`INSURER_LOGIN_PATH`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsurerSessionResponse {
    /// Bearer token for the insurer routes, valid from the device that signed in only.
    pub insurer_token: String,
    /// The insurer the session acts for.
    pub insurer_number: crate::insurer_number::InsurerNumber,
    /// Unix seconds after which the session is refused (idle sessions end sooner).
    pub expires_at: i64,
}

impl std::fmt::Debug for InsurerSessionResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsurerSessionResponse")
            .field("insurer_token", &"<redacted>")
            .field("insurer_number", &self.insurer_number)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Most notices in one inbox page the console may ask for.
pub const MAX_INBOX_PAGE: u32 = 1_000;

/// Body of `POST` [`INSURER_NOTICES_PATH`]: which notices, and from where.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxFilter {
    /// Only notices of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<NoticeKind>,
    /// Only notices in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<NoticeState>,
    /// The `next` of the page before (an opaque cursor of letters, digits, `-`, `_` and `.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<InboxCursor>,
    /// Notices in the page, 1 to [`MAX_INBOX_PAGE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl InboxFilter {
    /// The origin's query string for this filter (`?kind=…&state=…`), empty when nothing is asked; every value is
    /// a wire spelling, a cursor of URL-safe characters or a number, so nothing needs escaping.
    pub fn query_string(&self) -> Result<String, &'static str> {
        if self.limit.is_some_and(|limit| limit == 0 || limit > MAX_INBOX_PAGE) {
            return Err("an inbox page holds 1 to 1,000 notices");
        }
        let mut parts = Vec::new();
        if let Some(kind) = self.kind {
            parts.push(format!("kind={}", kind.as_str()));
        }
        if let Some(state) = self.state {
            parts.push(format!("state={}", state.as_str()));
        }
        if let Some(before) = &self.before {
            parts.push(format!("before={}", before.0));
        }
        if let Some(limit) = self.limit {
            parts.push(format!("limit={limit}"));
        }
        Ok(if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) })
    }
}

/// Longest inbox cursor, in characters.
pub const MAX_CURSOR_CHARS: usize = 200;

/// An inbox cursor as the origin hands it out: 1 to [`MAX_CURSOR_CHARS`] URL-safe characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InboxCursor(String);

impl TryFrom<String> for InboxCursor {
    type Error = &'static str;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let safe = text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        if text.is_empty() || text.len() > MAX_CURSOR_CHARS || !safe {
            return Err("a cursor is 1 to 200 URL-safe characters");
        }
        Ok(Self(text))
    }
}

impl From<InboxCursor> for String {
    fn from(cursor: InboxCursor) -> Self {
        cursor.0
    }
}

/// An id in a path (a notice id, a person id) as the console sends it: 1 to 64 letters, digits, `-` or `_`, so it
/// can be put into the origin's path as it is.
pub fn is_path_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_bounded_and_plain() {
        assert!(Reason::parse("   ").is_none());
        assert!(Reason::parse(&"あ".repeat(MAX_REASON_CHARS + 1)).is_none());
        assert!(Reason::parse("本人\u{0007}確認").is_none());
        assert_eq!(Reason::parse("  本人に電話で確認済み ").unwrap().as_str(), "本人に電話で確認済み");
        assert!(serde_json::from_str::<Reason>("\"\"").is_err());
    }

    #[test]
    fn an_inbox_filter_becomes_a_query_of_wire_spellings_only() {
        assert_eq!(InboxFilter::default().query_string().unwrap(), "");
        let filter: InboxFilter =
            serde_json::from_str(r#"{"kind":"suspected_twin","state":"open","before":"a.b-1","limit":20}"#).unwrap();
        assert_eq!(filter.query_string().unwrap(), "?kind=suspected_twin&state=open&before=a.b-1&limit=20");
        for bad in [r#"{"before":"a&kind=x"}"#, r#"{"before":""}"#, r#"{"kind":"other"}"#, r#"{"page":1}"#] {
            assert!(serde_json::from_str::<InboxFilter>(bad).is_err(), "{bad}");
        }
        for limit in [0, MAX_INBOX_PAGE + 1] {
            assert!(InboxFilter { limit: Some(limit), ..InboxFilter::default() }.query_string().is_err());
        }
        assert!(is_path_id("p-123_x") && !is_path_id("") && !is_path_id("a/b") && !is_path_id(&"a".repeat(65)));
    }

    #[test]
    fn a_hold_resolution_is_tagged_by_its_kind_and_takes_nothing_else() {
        let corrected = HoldResolution::Corrected { individual_number: "555555555557".into() };
        assert_eq!(
            serde_json::to_value(&corrected).unwrap(),
            serde_json::json!({"resolution": "corrected", "individual_number": "555555555557"})
        );
        let read: HoldResolution =
            serde_json::from_str(r#"{"resolution":"no_suspicion","reason":"確認済み"}"#).unwrap();
        assert_eq!(read, HoldResolution::NoSuspicion { reason: "確認済み".into() });
        for bad in [
            r#"{"resolution":"no_suspicion"}"#,
            r#"{"resolution":"other","reason":"x"}"#,
            r#"{"resolution":"no_suspicion","reason":"x","by":"y"}"#,
        ] {
            assert!(serde_json::from_str::<HoldResolution>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_insurer_credential_and_token_are_redacted() {
        let login: InsurerLoginRequest =
            serde_json::from_str(r#"{"credential":"secret-insurer-token","clerk":"審査係 鈴木"}"#).unwrap();
        let session = InsurerSessionResponse {
            insurer_token: "insurer.secret".into(),
            insurer_number: crate::insurer_number::InsurerNumber::parse("33120015").unwrap(),
            expires_at: 1,
        };
        for text in [format!("{login:?}"), format!("{session:?}")] {
            assert!(!text.contains("secret"), "{text}");
        }
    }

    #[test]
    fn batch_progress_names_its_stage_and_never_counts_past_its_whole() {
        let reading = BatchProgress::Reading(RowsRead::new(120, 3).unwrap());
        assert_eq!(
            serde_json::to_value(reading).unwrap(),
            serde_json::json!({"stage": "reading", "rows_read": 120, "rows_refused": 3})
        );
        let applying = BatchProgress::Applying(RowsApplied::new(400, 1_000).unwrap());
        assert_eq!(
            serde_json::to_value(applying).unwrap(),
            serde_json::json!({"stage": "applying", "rows_applied": 400, "rows_total": 1_000})
        );
        for (text, value) in [
            (r#"{"stage":"none"}"#, BatchProgress::None),
            (r#"{"stage":"running_elsewhere"}"#, BatchProgress::RunningElsewhere),
            (r#"{"stage":"reading","rows_read":120,"rows_refused":3}"#, reading),
            (r#"{"stage":"applying","rows_applied":400,"rows_total":1000}"#, applying),
        ] {
            assert_eq!(serde_json::from_str::<BatchProgress>(text).unwrap(), value, "{text}");
        }
        assert!(RowsRead::new(2, 3).is_none() && RowsApplied::new(11, 10).is_none());
        for bad in [
            r#"{"stage":"reading","rows_read":2,"rows_refused":3}"#,
            r#"{"stage":"applying","rows_applied":11,"rows_total":10}"#,
            r#"{"stage":"applying","rows_applied":1}"#,
            r#"{"stage":"done"}"#,
        ] {
            assert!(serde_json::from_str::<BatchProgress>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_insurer_wire_enum_has_one_spelling() {
        for kind in NoticeKind::ALL {
            assert_eq!(kind.as_str().parse::<NoticeKind>().unwrap(), *kind);
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for state in NoticeState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        assert_eq!(Comparison::SameExceptGaiji.as_str(), "same_except_gaiji");
    }
}
