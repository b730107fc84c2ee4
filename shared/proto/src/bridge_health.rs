//! How the facility's bridge to its 資格確認端末 stands, as the bridge reports it and staff are told: whether the
//! terminal's share is reachable, whether the 連携アプリ consumes requests, whether the national reader's results
//! keep arriving in opening hours, and whether the bridge itself still reports at all.
//!
//! Nothing here is personal: counts, durations, and for each request whose outcome is uncertain
//! ([`UncertainRequest`]) only what staff need to find it in the terminal's own history (its link id, kind, request
//! file name, when it was written and why it is uncertain), so the edge may keep the latest report in the
//! facility's store. [`status`] is the one rule that turns a report (or its absence) into what staff must be told.

use serde::{Deserialize, Serialize};

use crate::identifier::LinkRequestId;
use crate::text::validated_text;

/// The edge route a bridge reports its health to (device-proven, bridge devices only).
pub const BRIDGE_HEALTH_PATH: &str = "/api/v1/bridge/health";
/// The edge route the staff console reads the facility's bridge status from (staff session).
pub const STAFF_BRIDGE_PATH: &str = "/api/v1/staff/bridge";
/// A bridge reports at least this often, in seconds, even when nothing changed.
pub const BRIDGE_HEARTBEAT_SECS: i64 = 20;
/// A report older than this, in seconds, means the bridge itself has stopped (its PC is off, its network is down):
/// three heartbeats missed.
pub const BRIDGE_REPORT_STALE_SECS: i64 = 3 * BRIDGE_HEARTBEAT_SECS;

/// One health report: body of `POST` [`BRIDGE_HEALTH_PATH`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BridgeHealth {
    /// How long the oldest of the bridge's requests has waited in `req`, in milliseconds, once that is longer than
    /// the bridge's stall limit: the 連携アプリ is not consuming requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_app_stalled_ms: Option<u64>,
    /// How many of the bridge's requests wait in `req`.
    #[serde(default)]
    pub waiting_in_req: u32,
    /// Milliseconds since the last `face` file, once that is longer than the silence limit in opening hours: the
    /// national reader may be off or its results may not be written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_silent_ms: Option<u64>,
    /// The terminal's folders could not be listed at the last scan.
    #[serde(default)]
    pub terminal_unreachable: bool,
    /// Requests whose outcome is uncertain: never resent, so staff must look on the terminal.
    #[serde(default)]
    pub uncertain: u32,
    /// The oldest of those requests, at most [`MAX_LISTED_UNCERTAIN`], oldest first, for staff to find on the
    /// terminal and close ([`STAFF_BRIDGE_SETTLE_PATH`]).
    #[serde(default, skip_serializing_if = "UncertainList::is_empty")]
    pub uncertain_requests: UncertainList,
    /// National-reader results not yet acknowledged by the edge.
    #[serde(default)]
    pub results_unsent: u32,
}

/// The staff route that closes an uncertain request once staff found its outcome in the terminal's own history:
/// body [`crate::bridge_link::SettleAsk`], answered with [`crate::bridge_link::Settled`]; `bridge_not_connected`
/// when the facility's bridge holds no link, `not_uncertain` when the bridge holds no uncertain request by that id
/// (nothing changes), `terminal_timeout` when the bridge did not say in time.
pub const STAFF_BRIDGE_SETTLE_PATH: &str = "/api/v1/staff/bridge/settle";

/// At most this many uncertain requests are listed in one report (the count says how many there are): enough for a
/// clinic's bad morning, small enough that a report stays a few kilobytes.
pub const MAX_LISTED_UNCERTAIN: usize = 20;

/// Which kind of terminal request an uncertain one was, as staff look for it in the terminal's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum TerminalRequestKind {
    /// 資格確認 of one person (IF-001).
    Qualification,
    /// 照会番号登録 (IF-003).
    ReferenceRegistration,
    /// 一括照会 (IF-005..008, and the other bulk requests).
    Bulk,
}

crate::wire_enum::wire_text!(TerminalRequestKind);

/// Why a request's outcome is uncertain: a short code, never text read from a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum UncertainReason {
    /// The request reached `req` and no answer came in time: the terminal may have processed it.
    NoAnswerInTime,
}

crate::wire_enum::wire_text!(UncertainReason);

/// Longest [`RequestFileName`], in bytes. The terminal's request names are about 30.
pub const MAX_REQUEST_FILE_NAME_LEN: usize = 64;

/// Why a request file name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a request file name is 1 to {MAX_REQUEST_FILE_NAME_LEN} ASCII letters, digits, '_', '-' or '.', not starting \
     with '.'"
)]
pub struct RequestFileNameError;

validated_text! {
    /// The name the bridge gave a request file in the terminal's `req` folder (`OQSsiquc01req_202609300001.xml`):
    /// the date and the day's sequence number, nobody's name, so staff can find the request in the terminal's
    /// history.
    pub struct RequestFileName, error = RequestFileNameError;
}

impl RequestFileName {
    /// Checks the length and the alphabet.
    pub fn parse(text: &str) -> Result<Self, RequestFileNameError> {
        let well_formed = !text.is_empty()
            && text.len() <= MAX_REQUEST_FILE_NAME_LEN
            && !text.starts_with('.')
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if well_formed { Ok(Self(text.to_owned())) } else { Err(RequestFileNameError) }
    }
}

/// One request whose outcome is uncertain, as staff need it to find the request on the terminal: nothing personal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UncertainRequest {
    /// The request's id on the link (for a request a local caller handed the bridge through its folder, that
    /// caller's id); what staff close it by.
    pub id: LinkRequestId,
    /// Which kind of request.
    pub kind: TerminalRequestKind,
    /// The file the bridge wrote into `req`.
    pub file: RequestFileName,
    /// When the bridge wrote it, Unix seconds.
    pub written_at: i64,
    /// Why it is uncertain.
    pub reason: UncertainReason,
}

/// Why a list of uncertain requests was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a report lists at most {MAX_LISTED_UNCERTAIN} uncertain requests")]
pub struct UncertainListError;

/// At most [`MAX_LISTED_UNCERTAIN`] uncertain requests, as a report lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "Vec<UncertainRequest>", into = "Vec<UncertainRequest>")]
pub struct UncertainList(Vec<UncertainRequest>);

impl UncertainList {
    /// The first [`MAX_LISTED_UNCERTAIN`] of `requests`, in the order given (the bridge gives the oldest first).
    pub fn first_of(requests: impl IntoIterator<Item = UncertainRequest>) -> Self {
        Self(requests.into_iter().take(MAX_LISTED_UNCERTAIN).collect())
    }

    /// The listed requests.
    pub fn requests(&self) -> &[UncertainRequest] {
        &self.0
    }

    /// Whether none is listed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<UncertainRequest>> for UncertainList {
    type Error = UncertainListError;

    fn try_from(requests: Vec<UncertainRequest>) -> Result<Self, UncertainListError> {
        if requests.len() > MAX_LISTED_UNCERTAIN { Err(UncertainListError) } else { Ok(Self(requests)) }
    }
}

impl From<UncertainList> for Vec<UncertainRequest> {
    fn from(list: UncertainList) -> Self {
        list.0
    }
}

/// What staff must be told about the bridge, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum BridgeAlert {
    /// The bridge has not reported for [`BRIDGE_REPORT_STALE_SECS`]: nothing it would see reaches onshi.
    BridgeSilent,
    /// The bridge cannot reach the terminal's share.
    TerminalUnreachable,
    /// The 連携アプリ is not consuming the bridge's requests.
    LinkAppStalled,
    /// Requests with an uncertain outcome wait for staff to look on the terminal.
    UncertainRequests,
    /// No national-reader result for a long time in opening hours.
    ReaderSilent,
}

crate::wire_enum::wire_text!(BridgeAlert);

/// Answer to `GET` [`STAFF_BRIDGE_PATH`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BridgeStatus {
    /// Unix seconds of the latest report; none when the facility has no bridge (or it never reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_at: Option<i64>,
    /// The latest report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<BridgeHealth>,
    /// What staff must be told, most urgent first; empty when all is well or there is no bridge.
    #[serde(default)]
    pub alerts: Vec<BridgeAlert>,
}

/// The status staff see at `now`, from the latest report and when it came. A stale report says only that the
/// bridge went silent: what it said then may no longer hold.
pub fn status(report: Option<(BridgeHealth, i64)>, now: i64) -> BridgeStatus {
    let Some((health, reported_at)) = report else { return BridgeStatus::default() };
    let alerts = if now.saturating_sub(reported_at) > BRIDGE_REPORT_STALE_SECS {
        vec![BridgeAlert::BridgeSilent]
    } else {
        [
            (health.terminal_unreachable, BridgeAlert::TerminalUnreachable),
            (health.link_app_stalled_ms.is_some(), BridgeAlert::LinkAppStalled),
            (health.uncertain > 0, BridgeAlert::UncertainRequests),
            (health.face_silent_ms.is_some(), BridgeAlert::ReaderSilent),
        ]
        .into_iter()
        .filter_map(|(raised, alert)| raised.then_some(alert))
        .collect()
    };
    BridgeStatus { reported_at: Some(reported_at), health: Some(health), alerts }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_478_400;

    #[test]
    fn no_bridge_raises_nothing_and_a_quiet_bridge_raises_only_its_silence() {
        assert_eq!(status(None, NOW), BridgeStatus::default());
        let stalled = BridgeHealth { link_app_stalled_ms: Some(45_000), waiting_in_req: 1, ..BridgeHealth::default() };
        assert_eq!(status(Some((stalled.clone(), NOW - 10)), NOW).alerts, vec![BridgeAlert::LinkAppStalled]);
        let edge_of_staleness = status(Some((stalled.clone(), NOW - BRIDGE_REPORT_STALE_SECS)), NOW);
        assert_eq!(edge_of_staleness.alerts, vec![BridgeAlert::LinkAppStalled]);
        let gone = status(Some((stalled, NOW - BRIDGE_REPORT_STALE_SECS - 1)), NOW);
        assert_eq!(gone.alerts, vec![BridgeAlert::BridgeSilent]);
    }

    #[test]
    fn alerts_come_most_urgent_first_and_a_healthy_bridge_raises_none() {
        assert!(status(Some((BridgeHealth::default(), NOW)), NOW).alerts.is_empty());
        let everything = BridgeHealth {
            link_app_stalled_ms: Some(1),
            waiting_in_req: 3,
            face_silent_ms: Some(1),
            terminal_unreachable: true,
            uncertain: 2,
            uncertain_requests: UncertainList::default(),
            results_unsent: 4,
        };
        assert_eq!(
            status(Some((everything, NOW)), NOW).alerts,
            vec![
                BridgeAlert::TerminalUnreachable,
                BridgeAlert::LinkAppStalled,
                BridgeAlert::UncertainRequests,
                BridgeAlert::ReaderSilent,
            ]
        );
    }

    #[test]
    fn a_report_refuses_an_unknown_field() {
        assert!(serde_json::from_str::<BridgeHealth>(r#"{"waiting_in_req":1}"#).is_ok());
        assert!(serde_json::from_str::<BridgeHealth>(r#"{"patient":"x"}"#).is_err());
    }

    fn uncertain(id: &str) -> UncertainRequest {
        UncertainRequest {
            id: LinkRequestId::parse(id).unwrap_or_else(|_| panic!("{id}")),
            kind: TerminalRequestKind::Qualification,
            file: RequestFileName::parse("OQSsiquc01req_202609300001.xml").unwrap_or_else(|_| panic!()),
            written_at: NOW,
            reason: UncertainReason::NoAnswerInTime,
        }
    }

    #[test]
    fn a_report_lists_at_most_twenty_uncertain_requests_and_each_checks_itself() {
        let ids: Vec<String> = (0..MAX_LISTED_UNCERTAIN + 5).map(|i| format!("r{i}")).collect();
        let list = UncertainList::first_of(ids.iter().map(|id| uncertain(id)));
        assert_eq!(list.requests().len(), MAX_LISTED_UNCERTAIN);
        assert_eq!(list.requests()[0].id.as_str(), "r0", "the order given is kept");
        let health = BridgeHealth { uncertain: 25, uncertain_requests: list, ..BridgeHealth::default() };
        let text = serde_json::to_string(&health).unwrap_or_default();
        assert!(text.contains(r#""kind":"qualification","file":"OQSsiquc01req_202609300001.xml""#), "{text}");
        assert!(text.contains(r#""reason":"no_answer_in_time""#), "{text}");
        assert_eq!(serde_json::from_str::<BridgeHealth>(&text).ok(), Some(health.clone()));

        let too_many = text.replacen(r#""uncertain_requests":["#, r#""uncertain_requests":[{"id":"x","kind":"bulk","file":"a.xml","written_at":1,"reason":"no_answer_in_time"},"#, 1);
        assert_ne!(too_many, text);
        assert!(serde_json::from_str::<BridgeHealth>(&too_many).is_err(), "21 listed");
        let one = serde_json::to_string(&uncertain("r1")).unwrap_or_default();
        for (from, to) in [
            ("OQSsiquc01req_202609300001.xml", "../req.xml"),
            ("\"r1\"", "\"r 1\""),
            ("no_answer_in_time", "the terminal said so"),
            ("\"reason\"", "\"name\":\"x\",\"reason\""),
        ] {
            let bad = one.replace(from, to);
            assert_ne!(bad, one);
            assert!(serde_json::from_str::<UncertainRequest>(&bad).is_err(), "{bad}");
        }
        let quiet = serde_json::to_string(&BridgeHealth::default()).unwrap_or_default();
        assert!(!quiet.contains("uncertain_requests"), "an empty list is left out: {quiet}");
    }
}
