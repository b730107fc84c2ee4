//! The edge's JSON answers, read the same way by both apps: a success is the expected wire type, anything else is
//! the edge's typed [`onshi_proto::ApiError`], and an answer neither can read counts as an unreachable edge.
//!
//! Must not: build or send requests (each app signs or authorises its own calls), or retry.

use gloo_net::http::Response;
use onshi_proto::ApiError;
use serde::de::DeserializeOwned;

use crate::WebError;

/// The body of a successful answer as `T`, or why the call failed.
pub async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, WebError> {
    if response.ok() {
        return response.json::<T>().await.map_err(|_| WebError::Unreachable);
    }
    Err(refusal(response).await)
}

/// The typed error of an answer that is not a success; one that cannot be read counts as unreachable.
pub async fn refusal(response: Response) -> WebError {
    match response.json::<ApiError>().await {
        Ok(error) => WebError::Refused(error.error),
        Err(_) => WebError::Unreachable,
    }
}
