//! Staff's by-number check asked of the national terminal, through the facility's bridge: staff → edge → the
//! facility's store → the bridge's WebSocket → an IF-001 request in the terminal's `req` → its answer in `res` →
//! back the same way, while the staff call waits.
//!
//! Layer: an edge use case over [`EdgePorts`]. The same session checks and limits as a by-number check asked of
//! onshi (tries per subject, misses per session), counted only once the facility's bridge is known to hold its
//! link: without one the answer is `bridge_not_connected` and nothing is counted, so the console asks onshi
//! instead. The wait is bounded: a terminal that does not answer within [`TERMINAL_WAIT_MS`] is
//! `terminal_timeout`, and the request is not sent again (the bridge's spool makes it Uncertain when its own
//! timeout passes). Must not: keep or log any part of the answer (a name, an insurer), or take the facility from
//! the body.

use onshi_proto::api::StaffNumberQuery;
use onshi_proto::bridge_link::{LinkRequestId, TerminalAnswer, TerminalAsk, TerminalOutcome, ToBridge};

use crate::api::bridge::TerminalReply;
use crate::api::staff::read_number_query;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

/// How long a staff call waits for the terminal. The terminal usually answers in a few seconds; staff are told
/// after this that it did not, well before a browser or a front gives up on the call.
pub const TERMINAL_WAIT_MS: u32 = 20_000;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/staff/qualification/by-number/terminal`: a qualification by 保険者番号 + 記号・番号・枝番 +
    /// 生年月日, asked of the national terminal through the facility's bridge.
    pub async fn staff_terminal_by_number(&self, request: &ApiRequest<'_>) -> Result<TerminalAnswer, EdgeError> {
        self.audited(AuditAction::StaffTerminalByNumber, request.now_unix, async |context| {
            let claims = self.staff_token(request, context).await?;
            let body: StaffNumberQuery = parse_json(request.body)?;
            let (insurer_number, insured) = read_number_query(&body)?;
            if !self.ports.bridge_link_open(&claims.facility).await? {
                return Err(EdgeError::BridgeNotConnected);
            }
            let misses = self.admit_by_number(&claims, request, &insurer_number, &insured).await?;
            let id = LinkRequestId::parse(&hex::encode(self.random::<16>()?))
                .map_err(|_| EdgeError::Runtime("a link request id does not check"))?;
            let ask = TerminalAsk::ByNumber {
                insurer_number,
                symbol: insured.symbol,
                number: insured.number,
                branch: insured.branch,
                birth_date: body.birth_date,
            };
            let reply =
                self.ports.ask_bridge(&claims.facility, &ToBridge::Request { id, ask }, TERMINAL_WAIT_MS).await?;
            let answer = match reply {
                TerminalReply::Outcome { outcome: TerminalOutcome::Answered { answer } } => answer,
                // A bulk answer to a by-number request is not this request's answer.
                TerminalReply::Outcome {
                    outcome:
                        TerminalOutcome::Failed { .. }
                        | TerminalOutcome::BulkAnswered { .. }
                        | TerminalOutcome::Registered
                        | TerminalOutcome::Settled
                        | TerminalOutcome::SettleRefused { .. },
                } => {
                    return Err(EdgeError::TerminalFailed);
                }
                TerminalReply::Outcome { outcome: TerminalOutcome::Uncertain } | TerminalReply::TimedOut => {
                    return Err(EdgeError::TerminalTimeout);
                }
                TerminalReply::NotConnected => return Err(EdgeError::BridgeNotConnected),
            };
            self.count_by_number_answer(&claims, &misses, answer.validity, request.now_unix).await?;
            Ok(answer)
        })
        .await
    }
}
