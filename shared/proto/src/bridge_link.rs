//! The bridge link: the messages between a facility's store at the edge (its Durable Object) and the facility's
//! bridge, over the WebSocket the bridge holds open to it (`GET` [`BRIDGE_LINK_PATH`], upgraded, carrying the
//! bridge's device proof like every bridge call; the connection is outbound from the facility's LAN).
//!
//! The edge hands the bridge a [`ToBridge::Request`] (a by-number check for the 資格確認端末); the bridge answers
//! [`FromBridge::Ack`] once the request is journalled in its spool, and later [`FromBridge::Outcome`] with what the
//! terminal said. A request id is taken once: the edge may hand the same request again after a reconnection (the
//! bridge's spool answers a known id from its journal and never writes a second file), and an outcome the edge no
//! longer waits for is dropped. [`TerminalOutcome::Uncertain`] means the terminal may have processed the request:
//! nobody sends it again.
//!
//! Every message is JSON text of at most [`MAX_LINK_MESSAGE_BYTES`], read with [`ToBridge::read`] or
//! [`FromBridge::read`], and every value in it checks itself when it is read. The answer carries what a staff row
//! shows and nothing more; the edge passes it through and keeps none of it.
//!
//! A bulk pre-check ([`TerminalAsk::Bulk`], rows of [`crate::bridge_bulk`]) goes the same way: acknowledged once
//! journalled, answered with [`TerminalOutcome::BulkAnswered`] once the terminal's two phases are done. So does a
//! 照会番号 registration ([`TerminalAsk::RegisterReference`], IF-003): the clinic's patient id for the person of a
//! face file the bridge read, answered [`TerminalOutcome::Registered`] once the terminal's IF-004 says so; the edge
//! names only the face file and the id, and the bridge takes the person's number from its own copy of the file.
//!
//! Staff close an uncertain request once they found its outcome in the terminal's own history: the edge hands the
//! bridge [`ToBridge::Settle`] naming the request's id, and the bridge answers [`TerminalOutcome::Settled`] (the
//! request's final outcome: it stays never sent again, and its health count drops) or
//! [`TerminalOutcome::SettleRefused`] when it holds no uncertain request by that id (nothing changed).

use serde::{Deserialize, Serialize};

use crate::IsoDate;
use crate::bridge_bulk::{Appointments, BulkRowOutcome};
use crate::identifier::{FaceFileName, Identifier, ReferenceNumber};
use crate::insured_number::{BranchNumber, InsuredNo, InsuredSymbol};
use crate::insurer_number::InsurerNumber;
use crate::origin::{ElderlyShare, PrescriptionFormat};
use crate::qualification::Percent;
use crate::qualification::{SpecificDiseaseCertificate, SpecificDiseaseConsent, Validity};
use crate::record_text::RecordText;

/// The id of one request on the link lives with the other bounded identifiers; the link's messages carry it.
pub use crate::identifier::{LinkRequestId, LinkRequestIdError, MAX_LINK_REQUEST_ID_LEN};

/// The edge route a bridge opens its link on: a WebSocket upgrade, device-proven, bridge devices only.
pub const BRIDGE_LINK_PATH: &str = "/api/v1/bridge/link";

/// The staff route of a by-number check asked of the national terminal through the facility's bridge: body
/// [`crate::api::StaffNumberQuery`], answered with [`TerminalAnswer`]; `bridge_not_connected` (nothing counted)
/// when the facility's bridge holds no link, `terminal_timeout` when the terminal did not answer in time (the
/// request is then uncertain and never sent again), `terminal_failed` when it could not answer.
pub const STAFF_TERMINAL_BY_NUMBER_PATH: &str = "/api/v1/staff/qualification/by-number/terminal";

/// Longest link message, in bytes of JSON text. A by-number answer is well under 2 KiB; a bulk request of
/// [`crate::bridge_bulk::MAX_BULK_ROWS`] rows is at most [`crate::bridge_bulk::MAX_BULK_UPLOAD_BYTES`] and its
/// answer far less (no names), both well within what a WebSocket message may carry at the edge (1 MiB).
pub const MAX_LINK_MESSAGE_BYTES: usize = 512 * 1024;

/// What the terminal is asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TerminalAsk {
    /// A qualification by 保険者番号 + 記号・番号・枝番 + 生年月日 (IF-001 資格確認要求).
    ByNumber {
        /// 保険者番号.
        insurer_number: InsurerNumber,
        /// 記号, when the card has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<InsuredSymbol>,
        /// 番号.
        number: InsuredNo,
        /// 枝番, when the card has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        branch: Option<BranchNumber>,
        /// 生年月日.
        birth_date: IsoDate,
    },
    /// A bulk pre-check of appointments (一括照会, IF-005 then IF-007), answered row by row in the same order.
    Bulk {
        /// The rows.
        rows: Appointments,
    },
    /// Register the clinic's patient id as the 照会番号 of the person a national-reader check found (IF-003
    /// 照会番号登録要求, answered by IF-004), so that the terminal's later results for that person carry it.
    RegisterReference {
        /// The face file the person was read from; the bridge takes their 保険者番号 and 記号・番号・枝番 from it.
        face_file: FaceFileName,
        /// The clinic's patient id.
        reference_number: ReferenceNumber,
    },
}

/// The staff route of a 照会番号 registration through the facility's bridge: body [`ReferenceRegistrationAsk`],
/// answered with [`ReferenceRegistered`]; the same refusals as [`STAFF_TERMINAL_BY_NUMBER_PATH`]
/// (`bridge_not_connected`, `terminal_timeout` — then never sent again —, `terminal_failed`).
pub const STAFF_TERMINAL_REFERENCE_PATH: &str = "/api/v1/staff/terminal/reference";

/// Body of `POST` [`STAFF_TERMINAL_REFERENCE_PATH`]: which national-reader check, and the patient id staff matched
/// it to. Nothing else of the person: the bridge holds the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceRegistrationAsk {
    /// The check's face file ([`crate::origin::CheckIn::face_file`]).
    pub face_file: FaceFileName,
    /// The clinic's patient id, to register as the person's 照会番号.
    pub reference_number: ReferenceNumber,
}

/// Answer of `POST` [`STAFF_TERMINAL_REFERENCE_PATH`]: the terminal registered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceRegistered {
    /// Always true: any other outcome is an error.
    pub registered: bool,
}

/// Body of `POST` [`crate::bridge_health::STAFF_BRIDGE_SETTLE_PATH`]: the uncertain request staff found on the
/// terminal, by the id the bridge's health report lists it under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleAsk {
    /// The request's id ([`crate::bridge_health::UncertainRequest::id`]).
    pub id: LinkRequestId,
}

/// Answer of `POST` [`crate::bridge_health::STAFF_BRIDGE_SETTLE_PATH`]: the bridge closed the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settled {
    /// Always true: any other outcome is an error.
    pub settled: bool,
}

/// A message from the edge to the bridge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ToBridge {
    /// Ask the terminal.
    Request {
        /// The request's id.
        id: LinkRequestId,
        /// What to ask.
        ask: TerminalAsk,
    },
    /// Staff found the outcome of the uncertain request `id` on the terminal: close it. Answered with the request's
    /// outcome, [`TerminalOutcome::Settled`] or [`TerminalOutcome::SettleRefused`].
    Settle {
        /// The uncertain request's id, as the health report lists it.
        id: LinkRequestId,
    },
}

/// Why the bridge did not close a request staff named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum SettleRefusal {
    /// The bridge knows no request by that id (never, or forgotten after its retention).
    Unknown,
    /// The request is not uncertain: it is in flight, was answered (late, perhaps) or failed, or is closed already.
    NotUncertain,
}

crate::wire_enum::wire_text!(SettleRefusal);

/// What the terminal answered, as a staff row shows it: a national-reader result's fields without its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalAnswer {
    /// When the terminal processed the check (`ProcessExecutionTime`), Unix seconds, when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<i64>,
    /// `QualificationValidity`.
    pub validity: Validity,
    /// 氏名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<RecordText>,
    /// カナ氏名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<RecordText>,
    /// 保険者番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurer_number: Option<InsurerNumber>,
    /// 保険者名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurer_name: Option<RecordText>,
    /// 負担割合 in percent (the 高齢受給者 ratio when the answer carries one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contribution_percent: Option<Percent>,
    /// The 高齢受給者証 the 負担割合 came from, with its period, and the insurance's own share beside it (what the
    /// patient pays once it ends), when the record carries one in force on the check's day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elderly_share: Option<ElderlyShare>,
    /// 資格喪失日, when the qualification has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disqualification_date: Option<IsoDate>,
    /// 限度額適用区分, when the answer carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_category: Option<Identifier>,
    /// The prescription format chosen on the reader, when the answer carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescription: Option<PrescriptionFormat>,
    /// 特定疾病療養受療証 of the one record (`SpecificDiseasesCertificateList`), with their period and monthly limit;
    /// the 疾病区分 only when `specific_disease_consent` is 1
    /// ([`crate::qualification::withhold_category_without_consent`]). Empty when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specific_diseases: Vec<SpecificDiseaseCertificate>,
    /// The patient's 特定疾病 consent as the terminal stated it (`SpecificDiseasesCertificateRelatedConsFlg`); none
    /// when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific_disease_consent: Option<SpecificDiseaseConsent>,
}

impl TerminalAnswer {
    /// An answer that says only its time and validity; the other fields are filled in as they are read.
    pub fn new(checked_at: Option<i64>, validity: Validity) -> Self {
        Self {
            checked_at,
            validity,
            name: None,
            name_kana: None,
            insurer_number: None,
            insurer_name: None,
            contribution_percent: None,
            elderly_share: None,
            disqualification_date: None,
            limit_category: None,
            prescription: None,
            specific_diseases: Vec::new(),
            specific_disease_consent: None,
        }
    }
}

/// Why a request got no answer, for certain (so it may be asked again, by the same path or another).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum TerminalFailure {
    /// The request never reached the terminal's `req` folder (the bridge could not write it).
    NotSubmitted,
    /// The terminal answered with an error (処理結果 異常, or an aborted processing).
    TerminalError,
    /// The terminal's answer could not be read as a qualification.
    Unreadable,
}

crate::wire_enum::wire_text!(TerminalFailure);

/// How a request ended at the terminal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum TerminalOutcome {
    /// The terminal answered in `res`.
    Answered {
        /// The answer.
        answer: TerminalAnswer,
    },
    /// No answer, for certain.
    Failed {
        /// Why.
        code: TerminalFailure,
    },
    /// The terminal may have processed it, and no answer came in time: it is never sent again.
    Uncertain,
    /// The terminal answered a bulk pre-check: one outcome per requested row, in the order of the request.
    BulkAnswered {
        /// The rows' outcomes.
        rows: Vec<BulkRowOutcome>,
    },
    /// The terminal registered a 照会番号 (IF-004 処理結果 正常).
    Registered,
    /// The request was uncertain and staff closed it after finding its outcome on the terminal: final, never sent
    /// again.
    Settled,
    /// The answer to a [`ToBridge::Settle`] the bridge did not carry out: nothing changed.
    SettleRefused {
        /// Why.
        reason: SettleRefusal,
    },
}

impl TerminalOutcome {
    /// Whether this is the bridge's answer to a [`ToBridge::Settle`] (an edge waiting on a request's own outcome
    /// hands it to the closing's wait instead).
    pub fn answers_settle(&self) -> bool {
        matches!(self, Self::Settled | Self::SettleRefused { .. })
    }
}

/// A message from the bridge to the edge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FromBridge {
    /// The request is journalled in the bridge's spool: it will be answered, even across a restart.
    Ack {
        /// The request's id.
        id: LinkRequestId,
    },
    /// How the request ended.
    Outcome {
        /// The request's id.
        id: LinkRequestId,
        /// How it ended.
        outcome: TerminalOutcome,
    },
}

/// Why a link message was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkMessageError {
    /// Longer than [`MAX_LINK_MESSAGE_BYTES`].
    #[error("a link message is at most {MAX_LINK_MESSAGE_BYTES} bytes")]
    TooLong,
    /// Not a message of this side, or a value in it does not check.
    #[error("not a link message: {0}")]
    Malformed(String),
}

fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, LinkMessageError> {
    if text.len() > MAX_LINK_MESSAGE_BYTES {
        return Err(LinkMessageError::TooLong);
    }
    serde_json::from_str(text).map_err(|error| LinkMessageError::Malformed(error.to_string()))
}

fn write(message: &impl Serialize) -> String {
    // Every field is a checked string, number or enum: serialising cannot fail.
    serde_json::to_string(message).unwrap_or_default()
}

impl ToBridge {
    /// The request the message is about.
    pub fn id(&self) -> &LinkRequestId {
        match self {
            Self::Request { id, .. } | Self::Settle { id } => id,
        }
    }

    /// Reads a message the edge sent.
    pub fn read(text: &str) -> Result<Self, LinkMessageError> {
        read(text)
    }

    /// The message as JSON text.
    pub fn to_text(&self) -> String {
        write(self)
    }
}

impl FromBridge {
    /// Reads a message the bridge sent.
    pub fn read(text: &str) -> Result<Self, LinkMessageError> {
        read(text)
    }

    /// The message as JSON text.
    pub fn to_text(&self) -> String {
        write(self)
    }

    /// The request the message is about.
    pub fn id(&self) -> &LinkRequestId {
        match self {
            Self::Ack { id } | Self::Outcome { id, .. } => id,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn by_number() -> ToBridge {
        ToBridge::Request {
            id: LinkRequestId::parse("staff-1a2b").unwrap(),
            ask: TerminalAsk::ByNumber {
                insurer_number: InsurerNumber::parse("06130017").unwrap(),
                symbol: Some(InsuredSymbol::parse("記号１").unwrap()),
                number: InsuredNo::parse("00001").unwrap(),
                branch: None,
                birth_date: IsoDate::parse("1980-01-15").unwrap(),
            },
        }
    }

    #[test]
    fn a_request_id_is_what_a_file_name_and_a_log_line_can_hold() {
        let longest = "a".repeat(MAX_LINK_REQUEST_ID_LEN);
        for good in ["a", "staff-1a2b", "A_9", longest.as_str()] {
            assert!(LinkRequestId::parse(good).is_ok(), "{good}");
        }
        let too_long = "a".repeat(MAX_LINK_REQUEST_ID_LEN + 1);
        for bad in ["", "a.b", "../x", "a b", "名前", "a\n", too_long.as_str()] {
            assert_eq!(LinkRequestId::parse(bad), Err(LinkRequestIdError), "{bad:?}");
        }
    }

    #[test]
    fn messages_round_trip_in_their_wire_spelling() {
        let request = by_number();
        let text = request.to_text();
        assert!(text.starts_with(r#"{"type":"request","id":"staff-1a2b","ask":{"kind":"by_number""#), "{text}");
        assert_eq!(ToBridge::read(&text).unwrap(), request);
        let mut answer = TerminalAnswer::new(Some(1_796_344_212), Validity::Valid);
        answer.contribution_percent = Some(Percent::literal(30));
        answer.specific_diseases = vec![SpecificDiseaseCertificate {
            disease_category: String::new(),
            valid_from: Some(IsoDate::parse("2025-04-01").unwrap()),
            valid_until: None,
            monthly_self_pay_yen: Some(10_000),
        }];
        answer.specific_disease_consent = Some(SpecificDiseaseConsent::Lapsed);
        let id = LinkRequestId::parse("staff-1a2b").unwrap();
        for message in [
            FromBridge::Ack { id: id.clone() },
            FromBridge::Outcome { id: id.clone(), outcome: TerminalOutcome::Answered { answer } },
            FromBridge::Outcome {
                id: id.clone(),
                outcome: TerminalOutcome::Failed { code: TerminalFailure::TerminalError },
            },
            FromBridge::Outcome { id: id.clone(), outcome: TerminalOutcome::Uncertain },
        ] {
            let read = FromBridge::read(&message.to_text()).unwrap();
            assert_eq!(read.id(), &id);
            assert_eq!(read, message);
        }
        // A bridge from before the 特定疾病 fields still speaks the link: its answer reads as one without them.
        let older = r#"{"type":"outcome","id":"x","outcome":{"state":"answered","answer":{"validity":"valid"}}}"#;
        let FromBridge::Outcome { outcome: TerminalOutcome::Answered { answer }, .. } =
            FromBridge::read(older).unwrap()
        else {
            panic!("{older}")
        };
        assert_eq!(answer, TerminalAnswer::new(None, Validity::Valid));
        assert_eq!(
            FromBridge::read(r#"{"type":"outcome","id":"x","outcome":{"state":"uncertain"}}"#).unwrap(),
            FromBridge::Outcome { id: LinkRequestId::parse("x").unwrap(), outcome: TerminalOutcome::Uncertain }
        );
    }

    #[test]
    fn a_message_with_a_value_that_does_not_check_is_refused_whole() {
        let good = by_number().to_text();
        for (from, to) in [
            ("06130017", "06130018"),     // the insurer number's check digit
            ("1980-01-15", "1980-02-30"), // no such day
            ("staff-1a2b", "../etc"),     // an id no file name may hold
            (r#""kind":"by_number""#, r#""kind":"by_name""#),
            (r#""type":"request""#, r#""type":"ack""#),
        ] {
            let bad = good.replace(from, to);
            assert_ne!(bad, good);
            assert!(matches!(ToBridge::read(&bad), Err(LinkMessageError::Malformed(_))), "{bad}");
        }
        let extra = good.replacen('{', r#"{"facility":"0110113719","#, 1);
        assert!(ToBridge::read(&extra).is_err(), "an unknown field is refused");
        let share = r#"{"type":"outcome","id":"x","outcome":{"state":"answered","answer":{"validity":"valid","contribution_percent":101}}}"#;
        assert!(FromBridge::read(share).is_err(), "a share over 100 percent");
        assert!(FromBridge::read(r#"{"type":"outcome","id":"x","outcome":{"state":"failed","code":"oops"}}"#).is_err());
    }

    #[test]
    fn a_bulk_request_of_the_most_rows_and_its_answer_fit_one_message() {
        // Every part at its longest, in characters of four bytes each; each row a person of its own, its 番号
        // ending in its index written in three characters of U+20000..U+2000F.
        let four_byte_digit = |digit: usize| char::from_u32(0x2_0000 + u32::try_from(digit).unwrap()).unwrap();
        let row = |index: usize| {
            let mut number = "𠮷".repeat(crate::insured_number::MAX_NUMBER_CHARS - 3);
            number.extend([index / 256, index / 16 % 16, index % 16].map(four_byte_digit));
            crate::bridge_bulk::Appointment {
                insurer_number: InsurerNumber::parse("06130017").unwrap(),
                symbol: Some(InsuredSymbol::parse(&"𠮷".repeat(crate::insured_number::MAX_SYMBOL_CHARS)).unwrap()),
                number: InsuredNo::parse(&number).unwrap(),
                branch: Some(BranchNumber::parse("01").unwrap()),
                birth_date: IsoDate::parse("1980-01-15").unwrap(),
            }
        };
        let rows = Appointments::try_from((0..crate::bridge_bulk::MAX_BULK_ROWS).map(row).collect::<Vec<_>>()).unwrap();
        let upload = serde_json::to_string(&crate::bridge_bulk::BulkUpload { rows: rows.rows().to_vec() }).unwrap();
        assert!(upload.len() <= crate::bridge_bulk::MAX_BULK_UPLOAD_BYTES, "{}", upload.len());
        let request = ToBridge::Request { id: LinkRequestId::parse("b1").unwrap(), ask: TerminalAsk::Bulk { rows } };
        let text = request.to_text();
        assert!(text.starts_with(r#"{"type":"request","id":"b1","ask":{"kind":"bulk","rows":[{"#), "{}", &text[..80]);
        assert!(text.len() <= MAX_LINK_MESSAGE_BYTES, "{}", text.len());
        assert_eq!(ToBridge::read(&text).unwrap(), request);
        let answered = BulkRowOutcome::Answered {
            validity: Validity::InvalidNewerExists,
            contribution_percent: Some(Percent::literal(100)),
            limit_category: Some(Identifier::parse(&"区".repeat(16)).unwrap()),
        };
        let outcome = FromBridge::Outcome {
            id: LinkRequestId::parse("b1").unwrap(),
            outcome: TerminalOutcome::BulkAnswered { rows: vec![answered; crate::bridge_bulk::MAX_BULK_ROWS] },
        };
        let text = outcome.to_text();
        assert!(text.len() <= MAX_LINK_MESSAGE_BYTES, "{}", text.len());
        assert_eq!(FromBridge::read(&text).unwrap(), outcome);
        let empty = r#"{"type":"request","id":"b1","ask":{"kind":"bulk","rows":[]}}"#;
        assert!(matches!(ToBridge::read(empty), Err(LinkMessageError::Malformed(_))), "a bulk request has rows");
    }

    #[test]
    fn a_reference_registration_names_a_face_file_and_a_reference_number_only() {
        let request = ToBridge::Request {
            id: LinkRequestId::parse("r1").unwrap(),
            ask: TerminalAsk::RegisterReference {
                face_file: FaceFileName::parse("OQSsiquc01res_face_1.xml").unwrap(),
                reference_number: ReferenceNumber::parse("P-0001").unwrap(),
            },
        };
        let text = request.to_text();
        assert_eq!(
            text,
            r#"{"type":"request","id":"r1","ask":{"kind":"register_reference","face_file":"OQSsiquc01res_face_1.xml","reference_number":"P-0001"}}"#
        );
        assert_eq!(ToBridge::read(&text).unwrap(), request);
        for (from, to) in [("P-0001", "P 0001"), ("OQSsiquc01res_face_1.xml", "../face.xml")] {
            assert!(ToBridge::read(&text.replace(from, to)).is_err(), "{to}");
        }
        let registered =
            FromBridge::Outcome { id: LinkRequestId::parse("r1").unwrap(), outcome: TerminalOutcome::Registered };
        assert_eq!(registered.to_text(), r#"{"type":"outcome","id":"r1","outcome":{"state":"registered"}}"#);
        assert_eq!(FromBridge::read(&registered.to_text()).unwrap(), registered);
        let ask: ReferenceRegistrationAsk =
            serde_json::from_str(r#"{"face_file":"f.xml","reference_number":"1001"}"#).unwrap();
        assert_eq!(ask.reference_number.as_str(), "1001");
        assert!(
            serde_json::from_str::<ReferenceRegistrationAsk>(
                r#"{"face_file":"f.xml","reference_number":"1001","name":"x"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn a_settlement_names_only_the_request_and_is_answered_settled_or_refused_with_a_reason() {
        let id = LinkRequestId::parse("staff-1a2b").unwrap();
        let settle = ToBridge::Settle { id: id.clone() };
        assert_eq!(settle.to_text(), r#"{"type":"settle","id":"staff-1a2b"}"#);
        assert_eq!(ToBridge::read(&settle.to_text()).unwrap(), settle);
        assert_eq!(settle.id(), &id);
        assert!(ToBridge::read(r#"{"type":"settle","id":"../x"}"#).is_err());
        assert!(ToBridge::read(r#"{"type":"settle","id":"a","reason":"x"}"#).is_err());
        for outcome in [
            TerminalOutcome::Settled,
            TerminalOutcome::SettleRefused { reason: SettleRefusal::Unknown },
            TerminalOutcome::SettleRefused { reason: SettleRefusal::NotUncertain },
        ] {
            let message = FromBridge::Outcome { id: id.clone(), outcome };
            assert_eq!(FromBridge::read(&message.to_text()).unwrap(), message);
        }
        let refused = r#"{"type":"outcome","id":"a","outcome":{"state":"settle_refused","reason":"not_uncertain"}}"#;
        assert!(FromBridge::read(refused).is_ok());
        assert!(FromBridge::read(&refused.replace("not_uncertain", "tired")).is_err());
        assert!(serde_json::from_str::<SettleAsk>(r#"{"id":"a","note":"x"}"#).is_err());
        assert_eq!(serde_json::from_str::<SettleAsk>(r#"{"id":"a"}"#).unwrap().id.as_str(), "a");
    }

    #[test]
    fn a_message_longer_than_the_limit_is_refused_before_it_is_parsed() {
        let long = format!(r#"{{"type":"ack","id":"x","pad":"{}"}}"#, "a".repeat(MAX_LINK_MESSAGE_BYTES));
        assert_eq!(FromBridge::read(&long), Err(LinkMessageError::TooLong));
        assert_eq!(ToBridge::read(&long), Err(LinkMessageError::TooLong));
    }
}
