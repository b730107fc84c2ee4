//! The staff console's routes and the kiosk's visual-check routes: request plumbing only; the decisions are in
//! [`crate::staff`].

use worker::{Env, Request, Response, RouteContext};

use super::ports::WorkerPorts;
use super::{
    check_cross_origin, forwarded_headers, header, load_config, now_unix, read_body, respond,
    to_json,
};
use crate::device::DeviceProofHeaders;
use crate::service::{ApiRequest, EdgeApi};
use onshi_proto::api::{DEVICE_ID_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIME_HEADER};

/// Which staff or visual-check use case a route runs.
#[derive(Clone, Copy)]
enum StaffUseCase {
    IssueStaffCode,
    Login,
    CheckIns,
    ByNumber,
    Decide,
    RequestVisualCheck,
    VisualCheckStatus,
}

async fn run(mut request: Request, env: &Env, use_case: StaffUseCase) -> worker::Result<Response> {
    respond(
        async {
            check_cross_origin(&request)?;
            let body = read_body(&mut request).await?;
            let config = load_config(env)?;
            let ports = WorkerPorts::new(env);
            let api = EdgeApi::new(&config, &ports);
            let path = request.path();
            let method = request.method().to_string();
            let authorization = header(&request, "authorization");
            let api_request = ApiRequest {
                method: &method,
                path: &path,
                body: &body,
                authorization: authorization.as_deref(),
                device_proof: DeviceProofHeaders {
                    device_id: header(&request, DEVICE_ID_HEADER),
                    timestamp: header(&request, DEVICE_TIME_HEADER),
                    signature: header(&request, DEVICE_SIGNATURE_HEADER),
                },
                forwarded: forwarded_headers(&request),
                now_unix: now_unix(),
            };
            match use_case {
                StaffUseCase::IssueStaffCode => to_json(api.issue_staff_code(&api_request).await),
                StaffUseCase::Login => to_json(api.staff_login(&api_request).await),
                StaffUseCase::CheckIns => to_json(api.staff_checkins(&api_request).await),
                StaffUseCase::ByNumber => {
                    to_json(api.staff_qualification_by_number(&api_request).await)
                }
                StaffUseCase::Decide => {
                    to_json(api.staff_visual_check_decision(&api_request).await)
                }
                StaffUseCase::RequestVisualCheck => {
                    to_json(api.request_visual_check(&api_request).await)
                }
                StaffUseCase::VisualCheckStatus => {
                    to_json(api.visual_check_status(&api_request).await)
                }
            }
        }
        .await,
    )
}

/// `POST /api/v1/admin/staff-codes`.
pub async fn staff_code_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, StaffUseCase::IssueStaffCode).await
}

/// `POST /api/v1/staff/login`.
pub async fn staff_login_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, StaffUseCase::Login).await
}

/// `GET /api/v1/staff/checkins`.
pub async fn staff_checkins_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, StaffUseCase::CheckIns).await
}

/// `POST /api/v1/staff/qualification/by-number`.
pub async fn staff_by_number_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, StaffUseCase::ByNumber).await
}

/// `POST /api/v1/staff/visual-checks/decision`.
pub async fn staff_decision_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, StaffUseCase::Decide).await
}

/// `POST /api/v1/visual-check`.
pub async fn visual_check_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, StaffUseCase::RequestVisualCheck).await
}

/// `POST /api/v1/visual-check/status`.
pub async fn visual_check_status_route(
    request: Request,
    context: RouteContext<()>,
) -> worker::Result<Response> {
    run(request, &context.env, StaffUseCase::VisualCheckStatus).await
}
