//! The 申立書 relay of an outage (issue 15 item 6): a kiosk hands the 4 items it read from a card, sealed to its
//! facility's staff console, and the console takes them. The edge keeps each sealed capture in the facility's
//! store only until a console takes it, at most [`MAX_QUEUED_PER_FACILITY`] a facility for
//! [`onshi_proto::petition::QUEUE_LIFETIME_SECS`], and never sees a plain item: the console's private key never
//! leaves its browser, and the kiosk's key for each capture never leaves the kiosk.
//!
//! Layer: edge use cases over [`EdgePorts`]. The kiosk's calls are device-proven (its facility comes from the proof,
//! never from a body); the console's are staff calls on an enrolled console, counted like every other. Audited
//! with the capture id, nothing personal (there is nothing readable to log). Must not: open, log or keep a capture
//! past its taking, or take the facility from a body.

use onshi_proto::facility::FacilityCode;
use onshi_proto::petition::{PetitionBatch, PetitionKey, PetitionReceipt, PetitionRecipient, SealedPetition};

use crate::api::{ApiRequest, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

/// What the facility's store answers a capture handed to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Queued {
    /// Kept until a staff console takes it.
    Kept,
    /// The queue holds its bound already; nothing was kept.
    Full,
}

fn facility_code(facility: &str) -> Result<FacilityCode, EdgeError> {
    FacilityCode::parse(facility).map_err(|_| EdgeError::Runtime("a stored facility code does not parse"))
}

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// `POST /api/v1/petitions/key`: the kiosk reads its facility and the key its staff console published.
    pub async fn petition_recipient(&self, request: &ApiRequest<'_>) -> Result<PetitionRecipient, EdgeError> {
        self.audited(AuditAction::PetitionKeyRead, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            let facility = device.facility_code.as_str();
            let public_key = self.ports.petition_key(facility).await?.ok_or(EdgeError::PetitionKeyMissing)?;
            Ok(PetitionRecipient { facility_code: facility_code(facility)?, public_key })
        })
        .await
    }

    /// `POST /api/v1/petitions`: the kiosk hands a sealed capture for its facility's staff console.
    pub async fn queue_petition(&self, request: &ApiRequest<'_>) -> Result<PetitionReceipt, EdgeError> {
        self.audited(AuditAction::PetitionQueued, request.now_unix, async |context| {
            let device = self.authenticate_device(request, context).await?;
            let sealed: SealedPetition = parse_json(request.body)?;
            context.request = Some(sealed.capture_id.as_str().to_owned());
            let facility = device.facility_code.as_str();
            // A capture sealed to a key the facility no longer publishes would never open: refused now, while the
            // patient is still at the kiosk to be sent to the paper form.
            if self.ports.petition_key(facility).await?.as_ref() != Some(&sealed.recipient_key) {
                return Err(EdgeError::PetitionKeyMissing);
            }
            match self.ports.queue_petition(facility, &sealed, request.now_unix).await? {
                Queued::Kept => Ok(PetitionReceipt { capture_id: sealed.capture_id }),
                Queued::Full => Err(EdgeError::PetitionQueueFull),
            }
        })
        .await
    }

    /// `POST /api/v1/staff/petitions/key`: a staff console publishes its key for the facility's kiosks, in place
    /// of the one before.
    pub async fn publish_petition_key(&self, request: &ApiRequest<'_>) -> Result<PetitionKey, EdgeError> {
        self.audited(AuditAction::PetitionKeyPublished, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, Vec::new(), Vec::new()).await?;
            let key: PetitionKey = parse_json(request.body)?;
            self.ports.store_petition_key(&claims.facility, &key.public_key).await?;
            Ok(key)
        })
        .await
    }

    /// `POST /api/v1/staff/petitions`: a staff console takes every capture queued for the facility (at most
    /// [`onshi_proto::petition::MAX_QUEUED_PER_FACILITY`]); the store forgets them as it hands them over.
    pub async fn take_petitions(&self, request: &ApiRequest<'_>) -> Result<PetitionBatch, EdgeError> {
        self.audited(AuditAction::PetitionsTaken, request.now_unix, async |context| {
            let (claims, _, _) = self.staff_session(request, context, Vec::new(), Vec::new()).await?;
            let petitions = self.ports.take_petitions(&claims.facility, request.now_unix).await?;
            Ok(PetitionBatch { petitions })
        })
        .await
    }
}
