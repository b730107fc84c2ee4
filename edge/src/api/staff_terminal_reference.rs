//! Staff's 照会番号 registration through the facility's bridge: the console matched a national-reader check to the
//! clinic's patient by attributes, and asks the terminal (IF-003) to register that patient's id as the person's
//! 照会番号, so that the next check of that person carries it. staff → edge → the facility's store → the bridge's
//! WebSocket → an IF-003 request in `req` (the bridge takes the person's number from its own copy of the face file)
//! → IF-004 in `res` → back the same way, while the staff call waits.
//!
//! Layer: an edge use case over [`EdgePorts`]. Device-proven and counted like every staff call, and per facility
//! and day ([`REFERENCE_REGISTRATIONS_PER_DAY`]) once the bridge is known to hold its link; without one the answer
//! is `bridge_not_connected` and nothing is counted. A terminal that does not answer within
//! [`TERMINAL_WAIT_MS`] is `terminal_timeout` and the request is never sent again. Must not: keep or log the face
//! file or the 照会番号 (they are pass-through), or take the facility from the body.

use onshi_proto::bridge_link::{
    LinkRequestId, ReferenceRegistered, ReferenceRegistrationAsk, TerminalAsk, TerminalOutcome, ToBridge,
};

use crate::api::bridge::TerminalReply;
use crate::api::staff_terminal::TERMINAL_WAIT_MS;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::auth::staff_session::daily_counter;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

/// Registrations one facility may ask a day: one for each national-reader check of a busy clinic's day, with room
/// to spare; a console asks each check's once.
pub const REFERENCE_REGISTRATIONS_PER_DAY: u32 = 2_000;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/staff/terminal/reference`: registers the clinic's patient id as the 照会番号 of the person of
    /// a national-reader check, through the facility's bridge.
    pub async fn staff_terminal_reference(&self, request: &ApiRequest<'_>) -> Result<ReferenceRegistered, EdgeError> {
        self.audited(AuditAction::StaffTerminalReference, request.now_unix, async |context| {
            let claims = self.staff_token(request, context).await?;
            let body: ReferenceRegistrationAsk = parse_json(request.body)?;
            if !self.ports.bridge_link_open(&claims.facility).await? {
                return Err(EdgeError::BridgeNotConnected);
            }
            let registrations = daily_counter(format!("reference:facility:{}", claims.facility), request.now_unix);
            let (counted, _) = self.staff_call(&claims, request, vec![registrations], Vec::new()).await?;
            if counted.first().is_none_or(|&asked| asked > REFERENCE_REGISTRATIONS_PER_DAY) {
                return Err(EdgeError::RateLimited("reference registrations"));
            }
            let id = LinkRequestId::parse(&hex::encode(self.random::<16>()?))
                .map_err(|_| EdgeError::Runtime("a link request id does not check"))?;
            let ask =
                TerminalAsk::RegisterReference { face_file: body.face_file, reference_number: body.reference_number };
            let reply =
                self.ports.ask_bridge(&claims.facility, &ToBridge::Request { id, ask }, TERMINAL_WAIT_MS).await?;
            match reply {
                TerminalReply::Outcome { outcome: TerminalOutcome::Registered } => {
                    Ok(ReferenceRegistered { registered: true })
                }
                // Another request's kind of answer is not this request's.
                TerminalReply::Outcome {
                    outcome:
                        TerminalOutcome::Failed { .. }
                        | TerminalOutcome::Answered { .. }
                        | TerminalOutcome::BulkAnswered { .. }
                        | TerminalOutcome::Settled
                        | TerminalOutcome::SettleRefused { .. },
                } => Err(EdgeError::TerminalFailed),
                TerminalReply::Outcome { outcome: TerminalOutcome::Uncertain } | TerminalReply::TimedOut => {
                    Err(EdgeError::TerminalTimeout)
                }
                TerminalReply::NotConnected => Err(EdgeError::BridgeNotConnected),
            }
        })
        .await
    }
}
