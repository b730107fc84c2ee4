//! The kiosk's consent and registration routes: request plumbing only; the decisions are in [`crate::consent`].

use worker::{Request, Response, RouteContext};

use super::ports::WorkerPorts;
use super::{check_cross_origin, forwarded_headers, header, load_config, now_unix, read_body, respond, to_json};
use crate::device::DeviceProofHeaders;
use crate::service::{ApiRequest, EdgeApi};
use onshi_proto::api::{DEVICE_ID_HEADER, DEVICE_SIGNATURE_HEADER, DEVICE_TIME_HEADER};

/// Which use case a route runs.
#[derive(Clone, Copy)]
enum PatientUseCase {
    Consent,
    Registration,
}

/// `POST /api/v1/consent`.
pub async fn consent_route(request: Request, context: RouteContext<()>) -> worker::Result<Response> {
    run(request, context, PatientUseCase::Consent).await
}

/// `POST /api/v1/registration`.
pub async fn registration_route(request: Request, context: RouteContext<()>) -> worker::Result<Response> {
    run(request, context, PatientUseCase::Registration).await
}

async fn run(mut request: Request, context: RouteContext<()>, use_case: PatientUseCase) -> worker::Result<Response> {
    respond(
        async {
            check_cross_origin(&request)?;
            let body = read_body(&mut request).await?;
            let config = load_config(&context.env)?;
            let ports = WorkerPorts::new(&context.env);
            let api = EdgeApi::new(&config, &ports);
            let path = request.path();
            let authorization = header(&request, "authorization");
            let api_request = ApiRequest {
                method: "POST",
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
                PatientUseCase::Consent => to_json(api.record_consent(&api_request).await),
                PatientUseCase::Registration => to_json(api.register_card(&api_request).await),
            }
        }
        .await,
    )
}
