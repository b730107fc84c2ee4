//! Health of the terminal link as the bridge can see it from the folders: whether the share is reachable, whether
//! the 連携アプリ consumes `req`, and whether reader results keep arriving during opening hours; and, when the bridge
//! hands reader results on to the edge, how that stands. Pure.

use serde::Serialize;

/// What the staff console is told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    /// The oldest of the bridge's files still waiting in `req`, in milliseconds, when it is older than the stall
    /// limit: the 連携アプリ is not consuming requests.
    pub link_app_stalled_ms: Option<u64>,
    /// How many of the bridge's files wait in `req`.
    pub waiting_in_req: usize,
    /// Milliseconds since the last `face` file, when that is longer than the silence limit during opening hours.
    pub face_silent_ms: Option<u64>,
    /// The terminal's folders cannot be listed (set by the adapter, which alone can see that).
    pub terminal_unreachable: bool,
    /// Requests whose outcome is uncertain (never resent; staff must check on the terminal).
    pub uncertain: usize,
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

impl Health {
    /// True when nothing needs attention.
    pub fn is_ok(&self) -> bool {
        self.link_app_stalled_ms.is_none()
            && self.face_silent_ms.is_none()
            && self.uncertain == 0
            && !self.terminal_unreachable
    }
}
