//! Consent at the reader: after a card session, the kiosk records what the card holder agreed to show this facility
//! (包括同意 or single kinds, each live for 24 hours at the origin).
//!
//! Layer: an edge use case over [`EdgePorts`], pure like the others in [`crate::api`]. The card comes from the
//! session token and the facility from the device proof, never from the body; the origin keeps the consents.
//! Must not: accept a facility, certificate or device from the body, or record anything for another device's session.

use onshi_proto::api::ConsentSubmission;
use onshi_proto::origin::{CONSENT_PATH as ORIGIN_CONSENT_PATH, ConsentAnswer, ConsentKind, ConsentRequest};

use crate::api::own;
use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

/// Checks the submitted kinds: at most one of each, so never more than the kinds there are.
pub fn check_kinds(kinds: &[ConsentKind]) -> Result<Vec<ConsentKind>, EdgeError> {
    let mut unique = kinds.to_vec();
    unique.sort();
    unique.dedup();
    if kinds.len() > ConsentKind::ALL.len() || unique.len() != kinds.len() {
        return Err(EdgeError::BadRequest);
    }
    Ok(unique)
}

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/consent`: records the session holder's consents for the device's facility.
    pub async fn record_consent(&self, request: &ApiRequest<'_>) -> Result<ConsentAnswer, EdgeError> {
        self.audited(AuditAction::Consent, request.now_unix, async |context| {
            // Consent may follow a visual check: the patient chooses what to show after 顔認証, 暗証番号 or 目視.
            let (device, claims) = self.card_session(request, context).await?;
            // A certificate in its grace period confirms the qualification and nothing more.
            claims.require_full_scope()?;
            let certificate = claims.certificate();
            let body: ConsentSubmission = parse_json(request.body)?;
            let consent = ConsentRequest {
                certificate,
                facility_code: own(device.facility_code.as_str())?,
                device_id: Some(own(device.device_id.as_str())?),
                kinds: check_kinds(&body.kinds)?,
                prescription: body.prescription,
                scope: claims.scope,
            };
            self.call_origin(ORIGIN_CONSENT_PATH, &consent, request.forwarded.clone(), request.now_unix).await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_checked_for_duplicates_and_kept_in_order() {
        assert_eq!(
            check_kinds(&[ConsentKind::Medication, ConsentKind::Diagnosis]).ok(),
            Some(vec![ConsentKind::Diagnosis, ConsentKind::Medication])
        );
        assert_eq!(check_kinds(&[]).ok(), Some(vec![]));
        assert!(matches!(
            check_kinds(&[ConsentKind::Comprehensive, ConsentKind::Comprehensive]),
            Err(EdgeError::BadRequest)
        ));
    }
}
