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
///
/// The bridge's loop hands its health over on every pass ([`Reports::handed`]), and a report carries only health
/// handed over since the last one: a bridge whose loop is stuck (on a share that hangs) stops reporting, and the
/// edge says it went silent, rather than a heartbeat repeating what held before it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reports {
    heartbeat_ms: u64,
    /// Health handed over since the last report.
    latest: Option<BridgeHealth>,
    /// The last report and when it went.
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
        Self { heartbeat_ms, latest: None, last: None, failing: false }
    }

    /// The bridge's health as its loop sees it at `now_ms`. Returns whether a report is due now.
    pub fn handed(&mut self, health: BridgeHealth, now_ms: u64) -> bool {
        self.latest = Some(health);
        self.due(now_ms)
    }

    /// Whether a report is due at `now_ms`: health was handed over since the last report, and nothing was reported
    /// yet, it changed since, or the heartbeat has elapsed (or the clock went back, which a heartbeat must not wait
    /// out).
    fn due(&self, now_ms: u64) -> bool {
        let Some(latest) = &self.latest else { return false };
        let Some((last, at)) = &self.last else { return true };
        shape(last) != shape(latest) || now_ms < *at || now_ms - at >= self.heartbeat_ms
    }

    /// The health to report at `now_ms`, if a report is due; it is taken, so the next report waits for health handed
    /// over after it.
    pub fn take_due(&mut self, now_ms: u64) -> Option<BridgeHealth> {
        if self.due(now_ms) { self.latest.take() } else { None }
    }

    /// When the next heartbeat falls due if nothing changes; none while no health waits to be reported, so nothing
    /// needs to wake for it.
    pub fn next_heartbeat_ms(&self) -> Option<u64> {
        self.latest.as_ref()?;
        self.last.as_ref().map(|(_, at)| at.saturating_add(self.heartbeat_ms))
    }

    /// `health` was reported at `at_ms` and the edge answered `acknowledged` (2xx) or not. Returns a line for the
    /// operator when reporting starts failing or works again (not on every failed heartbeat), described by
    /// `outcome`.
    pub fn reported(&mut self, health: BridgeHealth, at_ms: u64, acknowledged: bool, outcome: &str) -> Option<String> {
        self.last = Some((health, at_ms));
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

    /// The bridge's loop hands `health` over at `now`, and whatever is due goes and is taken.
    fn pass(reports: &mut Reports, health: &BridgeHealth, now: u64) -> Option<BridgeHealth> {
        reports.handed(health.clone(), now);
        let sent = reports.take_due(now)?;
        reports.reported(sent.clone(), now, true, "status 204");
        Some(sent)
    }

    #[test]
    fn the_first_health_is_reported_at_once_and_then_every_heartbeat() {
        let mut reports = Reports::new(BEAT);
        let quiet = BridgeHealth::default();
        assert_eq!(reports.take_due(0), None, "nothing handed over, nothing to report");
        assert!(reports.handed(quiet.clone(), 5));
        assert_eq!(reports.next_heartbeat_ms(), None);
        assert_eq!(reports.take_due(5), Some(quiet.clone()));
        reports.reported(quiet.clone(), 5, true, "status 204");
        assert!(!reports.handed(quiet.clone(), 6));
        assert_eq!(reports.next_heartbeat_ms(), Some(5 + BEAT));
        assert_eq!(pass(&mut reports, &quiet, 5 + BEAT - 1), None);
        assert_eq!(pass(&mut reports, &quiet, 5 + BEAT), Some(quiet.clone()));
        assert_eq!(pass(&mut reports, &quiet, 5 + BEAT + 1), None);
    }

    #[test]
    fn a_change_staff_would_see_is_reported_at_once_and_a_growing_duration_waits_for_the_heartbeat() {
        let mut reports = Reports::new(BEAT);
        pass(&mut reports, &BridgeHealth::default(), 0);
        let waiting = BridgeHealth { waiting_in_req: 1, ..BridgeHealth::default() };
        assert_eq!(pass(&mut reports, &waiting, 1), Some(waiting.clone()));
        let stalled = BridgeHealth { link_app_stalled_ms: Some(30_000), ..waiting.clone() };
        assert_eq!(pass(&mut reports, &stalled, 2), Some(stalled.clone()), "a stall appearing is a change");
        let longer = BridgeHealth { link_app_stalled_ms: Some(30_500), ..waiting.clone() };
        assert_eq!(pass(&mut reports, &longer, 502), None, "only longer: the heartbeat brings it");
        let longest = BridgeHealth { link_app_stalled_ms: Some(50_000), ..waiting.clone() };
        assert_eq!(pass(&mut reports, &longest, 2 + BEAT), Some(longest.clone()), "the latest goes");
        for changed in [
            BridgeHealth { link_app_stalled_ms: None, ..stalled.clone() },
            BridgeHealth { face_silent_ms: Some(1), ..stalled.clone() },
            BridgeHealth { terminal_unreachable: true, ..stalled.clone() },
            BridgeHealth { uncertain: 1, ..stalled.clone() },
            BridgeHealth { results_unsent: 1, ..stalled.clone() },
            BridgeHealth { waiting_in_req: 2, ..stalled.clone() },
        ] {
            assert!(reports.clone().handed(changed.clone(), 3 + BEAT), "{changed:?}");
        }
    }

    #[test]
    fn a_failed_report_is_not_retried_before_the_next_change_or_heartbeat_and_is_logged_once() {
        let mut reports = Reports::new(BEAT);
        let health = BridgeHealth { uncertain: 1, ..BridgeHealth::default() };
        reports.handed(health.clone(), 0);
        assert_eq!(reports.take_due(0), Some(health.clone()));
        let first = reports.reported(health.clone(), 0, false, "status 500");
        assert!(first.is_some_and(|line| line.contains("status 500")));
        assert!(!reports.handed(health.clone(), BEAT - 1));
        assert!(reports.handed(health.clone(), BEAT));
        assert_eq!(reports.reported(health.clone(), BEAT, false, "connection refused"), None);
        assert!(reports.reported(health, 2 * BEAT, true, "status 204").is_some_and(|line| line.contains("again")));
    }

    #[test]
    fn a_bridge_whose_loop_stopped_handing_over_health_stops_reporting() {
        let mut reports = Reports::new(BEAT);
        pass(&mut reports, &BridgeHealth::default(), 0);
        assert_eq!(reports.next_heartbeat_ms(), None, "nothing to wake for");
        assert_eq!(reports.take_due(10 * BEAT), None, "no heartbeat without fresh health");
        assert!(reports.handed(BridgeHealth::default(), 10 * BEAT), "a fresh pass makes it due at once");
    }

    #[test]
    fn a_clock_that_went_back_does_not_hold_up_the_heartbeat() {
        let mut reports = Reports::new(BEAT);
        pass(&mut reports, &BridgeHealth::default(), 1_000_000);
        assert!(reports.handed(BridgeHealth::default(), 999_999));
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
