//! The edge's JSON answers, read the same way by both apps: a success is the expected wire type, anything else is
//! the edge's typed [`onshi_proto::ApiError`], and an answer neither can read counts as an unreachable edge.
//!
//! Must not: build or send requests (each app signs or authorises its own calls), or retry.

use gloo_net::http::Response;
use onshi_proto::ApiError;
use serde::de::DeserializeOwned;

use crate::WebError;

/// The body of a successful answer as `T`, or why the call failed.
///
/// Only the parse is generic: the waiting (for the body, or for the refusal) is [`success_body`], one function for
/// every wire type instead of a copy of the whole async read per answer type in each browser bundle.
pub async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, WebError> {
    let body = success_body(response).await?;
    serde_json::from_str(&body).map_err(|_| WebError::Unreachable)
}

/// The text of a successful answer, or why the call failed.
async fn success_body(response: Response) -> Result<String, WebError> {
    if response.ok() {
        return response.text().await.map_err(|_| WebError::Unreachable);
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
