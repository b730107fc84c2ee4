//! The admin credential on every admin route, and the one route only the national operator may call: issuing a
//! facility admin credential.
//!
//! Layer: edge use cases over [`EdgePorts`], on the pure rule of [`crate::auth::admin`]. The admin's own routes
//! (enrolment codes, device revocation, staff login codes) live with their audiences in [`super::device`] and
//! [`super::staff`] and start with [`EdgeApi::admin`]. Must not: let an admin route run before its credential is
//! checked, or end one whose audit event does not name the actor.

use onshi_proto::api::{FacilityAdminRequest, FacilityAdminResponse};

use crate::api::{ApiRequest, AuditContext, EdgeApi, EdgePorts};
use crate::audit::AuditAction;
use crate::auth::admin::AdminActor;
use crate::error::EdgeError;
use crate::http_policy::parse_json;

impl<P: EdgePorts> EdgeApi<'_, P> {
    /// The admin a request carries, checked, and named in the audit event from here on.
    pub(crate) fn admin(&self, request: &ApiRequest<'_>, context: &mut AuditContext) -> Result<AdminActor, EdgeError> {
        let actor = self.config.admin.authenticate(request.authorization, request.now_unix)?;
        context.actor = Some(actor.audit_name());
        if let AdminActor::Facility { facility, .. } = &actor {
            context.facility = Some(facility.as_str().to_owned());
        }
        Ok(actor)
    }

    /// `POST /api/v1/admin/facility-admins`: the national operator issues one facility's admin credential, named
    /// for its holder. A facility admin asking is `forbidden`, so one facility's admin cannot mint another's.
    pub async fn issue_facility_admin(&self, request: &ApiRequest<'_>) -> Result<FacilityAdminResponse, EdgeError> {
        self.audited(AuditAction::FacilityAdminIssued, request.now_unix, async |context| {
            self.admin(request, context)?.must_be_operator()?;
            let body: FacilityAdminRequest = parse_json(request.body)?;
            context.facility = Some(body.facility_code.as_str().to_owned());
            let (token, expires_at) =
                self.config.admin.issue_facility_admin(&body.facility_code, &body.actor, request.now_unix)?;
            Ok(FacilityAdminResponse {
                token: token.expose().to_owned(),
                facility_code: body.facility_code,
                actor: body.actor,
                expires_at,
            })
        })
        .await
    }
}
