//! Health of the terminal link as the bridge can see it from the folders: whether the share is reachable, whether
//! the 連携アプリ consumes `req`, and whether reader results keep arriving during opening hours; and, when the bridge
//! hands reader results on to the edge, how that stands. Pure.
//!
//! The part staff are told is the wire's [`BridgeHealth`], kept as it is sent; [`Health`] adds only what the bridge
//! alone needs. [`Reports`] decides when the edge is told: at once when the health changes, and every heartbeat
//! even when it does not.

use onshi_proto::bridge_health::BridgeHealth;
use serde::Serialize;

/// The bridge's health: what the edge and staff are told, and the detail of the hand-off to the edge that only
/// the bridge's own `link/health.json` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    /// The report as the edge receives it.
    #[serde(flatten)]
    pub report: BridgeHealth,
    /// Reader results on their way to the edge; absent when the bridge has no edge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge: Option<EdgeHealth>,
}

/// How handing reader results on to the edge stands ([`super::outbox`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EdgeHealth {
    /// Results not yet acknowledged by the edge (sent again until they are).
    pub unsent: usize,
    /// Why the last attempt that the edge did not acknowledge failed (a status or a network error), while results
    /// wait; `None` once nothing waits.
    pub last_failure: Option<String>,
    /// Results the edge refused for good (a 4xx other than 429): never sent again. A count since enrolment.
    pub refused: usize,
    /// `face` files that carry no qualification to hand on (an error or 処理中 answer, or no validity): never sent.
    /// A count since enrolment.
    pub unreadable: usize,
}

/// A count as the wire carries it (saturating: a count beyond `u32` is not a state a facility reaches).
pub fn wire_count(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

impl Health {
    /// True when nothing needs attention.
    pub fn is_ok(&self) -> bool {
        let report = &self.report;
        report.link_app_stalled_ms.is_none()
            && report.face_silent_ms.is_none()
            && report.uncertain == 0
            && !report.terminal_unreachable
    }

    /// This health with how handing results on to the edge stands (which also gives the report its unsent count).
    pub fn with_edge(&self, edge: EdgeHealth) -> Self {
        let report = BridgeHealth { results_unsent: wire_count(edge.unsent), ..self.report.clone() };
        Self { report, edge: Some(edge) }
    }
}

/// When the edge is told the bridge's health: at once when it changes, and at least every heartbeat even when it
/// does not, so that the edge can tell a quiet bridge from a silent one. A report is one state, not an event: one
/// that fails is not sent again as such; the next change or heartbeat carries the latest health.
///
/// "Changed" means a change staff would see: a count, a flag, or a duration appearing or clearing. A duration that
/// only grows (how long the 連携アプリ has been stalled, how long the reader has been silent) is brought up to date
/// by the heartbeat rather than sent on every scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reports {
    heartbeat_ms: u64,
    last: Option<(BridgeHealth, u64)>,
    failing: bool,
}

/// A duration that is only there or not.
fn shape(health: &BridgeHealth) -> BridgeHealth {
    BridgeHealth {
        link_app_stalled_ms: health.link_app_stalled_ms.map(|_| 0),
        face_silent_ms: health.face_silent_ms.map(|_| 0),
        ..health.clone()
    }
}

impl Reports {
    /// Nothing reported yet; a report at least every `heartbeat_ms`.
    pub fn new(heartbeat_ms: u64) -> Self {
        Self { heartbeat_ms, last: None, failing: false }
    }

    /// Whether `health` is to be reported at `now_ms`: nothing was reported yet, it changed since the last report,
    /// or the heartbeat has elapsed (or the clock went back, which a heartbeat must not wait out).
    pub fn due(&self, health: &BridgeHealth, now_ms: u64) -> bool {
        let Some((last, at)) = &self.last else { return true };
        shape(last) != shape(health) || now_ms < *at || now_ms - at >= self.heartbeat_ms
    }

    /// When the next heartbeat falls due if nothing changes; none before the first report.
    pub fn next_heartbeat_ms(&self) -> Option<u64> {
        self.last.as_ref().map(|(_, at)| at.saturating_add(self.heartbeat_ms))
    }

    /// `health` was reported at `now_ms` and the edge answered `acknowledged` (2xx) or not. Returns a line for the
    /// operator when reporting starts failing or works again (not on every failed heartbeat), described by
    /// `outcome`.
    pub fn reported(&mut self, health: BridgeHealth, now_ms: u64, acknowledged: bool, outcome: &str) -> Option<String> {
        self.last = Some((health, now_ms));
        let line = match (self.failing, acknowledged) {
            (false, false) => Some(format!(
                "the edge did not take the health report ({outcome}); the next one goes at the next change or heartbeat"
            )),
            (true, true) => Some("the edge takes health reports again".to_owned()),
            _ => None,
        };
        self.failing = !acknowledged;
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEAT: u64 = 20_000;

    fn reported(reports: &mut Reports, health: &BridgeHealth, now: u64) {
        reports.reported(health.clone(), now, true, "status 204");
    }

    #[test]
    fn the_first_health_is_reported_at_once_and_then_every_heartbeat() {
        let mut reports = Reports::new(BEAT);
        let quiet = BridgeHealth::default();
        assert!(reports.due(&quiet, 5));
        assert_eq!(reports.next_heartbeat_ms(), None);
        reported(&mut reports, &quiet, 5);
        assert_eq!(reports.next_heartbeat_ms(), Some(5 + BEAT));
        assert!(!reports.due(&quiet, 6));
        assert!(!reports.due(&quiet, 5 + BEAT - 1));
        assert!(reports.due(&quiet, 5 + BEAT));
        reported(&mut reports, &quiet, 5 + BEAT);
        assert!(!reports.due(&quiet, 5 + BEAT + 1));
    }

    #[test]
    fn a_change_staff_would_see_is_reported_at_once_and_a_growing_duration_waits_for_the_heartbeat() {
        let mut reports = Reports::new(BEAT);
        reported(&mut reports, &BridgeHealth::default(), 0);
        let waiting = BridgeHealth { waiting_in_req: 1, ..BridgeHealth::default() };
        assert!(reports.due(&waiting, 1));
        reported(&mut reports, &waiting, 1);
        let stalled = BridgeHealth { link_app_stalled_ms: Some(30_000), ..waiting.clone() };
        assert!(reports.due(&stalled, 2), "a stall appearing is a change");
        reported(&mut reports, &stalled, 2);
        let longer = BridgeHealth { link_app_stalled_ms: Some(30_500), ..waiting.clone() };
        assert!(!reports.due(&longer, 502), "only longer: the heartbeat brings it");
        assert!(reports.due(&longer, 2 + BEAT));
        for changed in [
            BridgeHealth { link_app_stalled_ms: None, ..stalled.clone() },
            BridgeHealth { face_silent_ms: Some(1), ..stalled.clone() },
            BridgeHealth { terminal_unreachable: true, ..stalled.clone() },
            BridgeHealth { uncertain: 1, ..stalled.clone() },
            BridgeHealth { results_unsent: 1, ..stalled.clone() },
            BridgeHealth { waiting_in_req: 2, ..stalled.clone() },
        ] {
            assert!(reports.due(&changed, 3), "{changed:?}");
        }
    }

    #[test]
    fn a_failed_report_is_not_retried_before_the_next_change_or_heartbeat_and_is_logged_once() {
        let mut reports = Reports::new(BEAT);
        let health = BridgeHealth { uncertain: 1, ..BridgeHealth::default() };
        let first = reports.reported(health.clone(), 0, false, "status 500");
        assert!(first.is_some_and(|line| line.contains("status 500")));
        assert!(!reports.due(&health, BEAT - 1));
        assert!(reports.due(&health, BEAT));
        assert_eq!(reports.reported(health.clone(), BEAT, false, "connection refused"), None);
        assert!(reports.reported(health, 2 * BEAT, true, "status 204").is_some_and(|line| line.contains("again")));
    }

    #[test]
    fn a_clock_that_went_back_does_not_hold_up_the_heartbeat() {
        let mut reports = Reports::new(BEAT);
        reported(&mut reports, &BridgeHealth::default(), 1_000_000);
        assert!(reports.due(&BridgeHealth::default(), 999_999));
    }

    #[test]
    fn the_unsent_count_comes_from_the_edge_part() {
        let health = Health { report: BridgeHealth { uncertain: 2, ..BridgeHealth::default() }, edge: None };
        let joined = health.with_edge(EdgeHealth { unsent: 3, ..EdgeHealth::default() });
        assert_eq!((joined.report.results_unsent, joined.report.uncertain), (3, 2));
        assert!(!joined.is_ok());
        let json = serde_json::to_value(&joined).unwrap_or_default();
        assert_eq!(json["results_unsent"], 3);
        assert_eq!(json["edge"]["unsent"], 3);
        assert!(json.get("link_app_stalled_ms").is_none());
    }
}
