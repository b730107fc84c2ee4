//! Staff close an uncertain terminal request: the bridge's health lists each request whose outcome it cannot know
//! (the terminal may have processed it, no answer came), staff look it up in the terminal's own history, and then
//! say so here. staff → edge → the facility's store → the bridge's WebSocket ([`ToBridge::Settle`]) → the bridge's
//! spool journals it Settled → back the same way, while the staff call waits; the bridge's next health report no
//! longer lists it.
//!
//! Layer: an edge use case over [`EdgePorts`]. Device-proven, staff session, counted like every staff call. Without
//! a bridge link the answer is `bridge_not_connected`; a bridge that holds no uncertain request by the id answers
//! why, which is `not_uncertain` here (nothing changed); a bridge that does not say within [`TERMINAL_WAIT_MS`] is
//! `terminal_timeout`. Audited with the request's link id and the staff actor, nothing personal (the listed
//! request holds nothing personal either). Must not: take the facility from the body.

use onshi_proto::bridge_link::{SettleAsk, Settled, TerminalOutcome, ToBridge};

use crate::api::bridge::TerminalReply;
use crate::api::staff_terminal::TERMINAL_WAIT_MS;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/staff/bridge/settle`: closes the uncertain terminal request staff found on the terminal.
    pub async fn staff_bridge_settle(&self, request: &ApiRequest<'_>) -> Result<Settled, EdgeError> {
        self.audited(AuditAction::StaffBridgeSettle, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, Vec::new(), Vec::new()).await?;
            let body: SettleAsk = parse_json(request.body)?;
            context.request = Some(body.id.as_str().to_owned());
            let reply =
                self.ports.ask_bridge(&claims.facility, &ToBridge::Settle { id: body.id }, TERMINAL_WAIT_MS).await?;
            match reply {
                TerminalReply::Outcome { outcome: TerminalOutcome::Settled } => Ok(Settled { settled: true }),
                TerminalReply::Outcome { outcome: TerminalOutcome::SettleRefused { .. } } => {
                    Err(EdgeError::NotUncertain)
                }
                // The facility's store hands a closing only the bridge's answer to a closing; any other is not one.
                TerminalReply::Outcome {
                    outcome:
                        TerminalOutcome::Answered { .. }
                        | TerminalOutcome::Failed { .. }
                        | TerminalOutcome::Uncertain
                        | TerminalOutcome::BulkAnswered { .. }
                        | TerminalOutcome::Registered,
                } => Err(EdgeError::NotUncertain),
                TerminalReply::TimedOut => Err(EdgeError::TerminalTimeout),
                TerminalReply::NotConnected => Err(EdgeError::BridgeNotConnected),
            }
        })
        .await
    }
}
