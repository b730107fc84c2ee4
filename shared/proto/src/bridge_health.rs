//! How the facility's bridge to its 資格確認端末 stands, as the bridge reports it and staff are told: whether the
//! terminal's share is reachable, whether the 連携アプリ consumes requests, whether the national reader's results
//! keep arriving in opening hours, and whether the bridge itself still reports at all.
//!
//! Nothing here is personal: counts and durations only, so the edge may keep the latest report in the facility's
//! store. [`alerts`] is the one rule that turns a report (or its absence) into what staff must be told.

use serde::{Deserialize, Serialize};

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
    /// National-reader results not yet acknowledged by the edge.
    #[serde(default)]
    pub results_unsent: u32,
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
}
