//! Refusals the framework writes itself still reach the caller as the typed `ApiError` the API promises: a path
//! segment that is not UTF-8, and a body over the limit on the insurer and admin routes. Run on both databases.

use crate::fixture::{ADMIN_TOKEN, Db, Origin, expect_error};

/// The body of every refusal: the typed JSON error, with no word of the framework's own message.
async fn expect_typed(response: reqwest::Response, status: u16, code: &str) {
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    expect_error(response, status, code).await;
}

async fn a_path_segment_that_is_not_utf8_is_a_typed_bad_request(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token("33120015").await;
    let response = origin.get_with("/insurer/v1/batches/%FF", &token).await;
    expect_typed(response, 400, "bad_request").await;
    origin.stop().await;
}
on_both_databases!(a_path_segment_that_is_not_utf8_is_a_typed_bad_request);

async fn a_body_over_the_limit_is_a_typed_refusal_on_insurer_and_admin_routes(db: Db) {
    let origin = Origin::start(db).await;
    let token = origin.insurer_token("33120015").await;
    let too_big = vec![b'x'; 70 * 1024];
    let hold = origin
        .client
        .post(format!("{}/insurer/v1/holds/p-1/resolution", origin.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(too_big.clone())
        .send()
        .await
        .unwrap();
    expect_typed(hold, 413, "payload_too_large").await;
    let admin = origin
        .client
        .post(format!("{}/admin/v1/residents", origin.base))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body(too_big)
        .send()
        .await
        .unwrap();
    expect_typed(admin, 413, "payload_too_large").await;
    origin.stop().await;
}
on_both_databases!(a_body_over_the_limit_is_a_typed_refusal_on_insurer_and_admin_routes);
