//! `/openapi.json` against the router, `/metrics`, and the admin credential. Run on both databases.

use onshi_origin::http::api_doc::{Auth, ROUTES};
use onshi_origin::http::{OpsRoutes, RouterSettings};
use serde_json::Value;

use crate::fixture::{Db, NOW, Origin, acquire, expect_error, ndjson};

async fn the_openapi_document_parses_and_lists_every_route_the_router_serves(db: Db) {
    let origin = Origin::start(db).await;
    let response = origin.client.get(format!("{}/openapi.json", origin.base)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let document: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    let listed: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(listed, ROUTES.len());
    for route in ROUTES {
        let (method, path, auth) = (route.method, route.path, route.auth);
        assert!(paths[path][method].is_object(), "{method} {path} missing from the document");
        // The router serves it: an unauthenticated call is refused as unauthorized (or answered), never 404.
        let url = format!("{}{}", origin.base, path.replace("{batch_id}", "x").replace("{person_id}", "x"));
        let request = match method {
            "get" => origin.client.get(url),
            "delete" => origin.client.delete(url),
            _ => origin.client.post(url).body("{}"),
        };
        let status = request.send().await.unwrap().status().as_u16();
        match auth {
            Auth::None => assert_eq!(status, 200, "{method} {path}"),
            _ => assert_eq!(status, 401, "{method} {path}"),
        }
    }
    // And a route that is not in the list is not served.
    expect_error(
        origin.client.get(format!("{}/admin/v1/nothing", origin.base)).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    origin.stop().await;
}
on_both_databases!(the_openapi_document_parses_and_lists_every_route_the_router_serves);

async fn metrics_count_requests_and_batches_in_prometheus_text(db: Db) {
    let origin = Origin::start(db).await;
    origin.client.get(format!("{}/health", origin.base)).send().await.unwrap();
    let token = origin.insurer_token("33120015").await;
    origin.upload(&token, "text/csv", "op\nbogus\n").await;
    let text = origin.client.get(format!("{}/metrics", origin.base)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("onshi_origin_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1"), "{text}");
    assert!(text.contains("onshi_origin_batches_rejected_total 1"), "{text}");
    assert!(text.contains("onshi_origin_request_duration_seconds_bucket{le=\"+Inf\"}"));
    // Every sample line is "name{labels} value" or "name value" with a numeric value.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
    origin.stop().await;
}
on_both_databases!(metrics_count_requests_and_batches_in_prometheus_text);

/// The share of a batch's numbers 住基 does not know or does not match shows beside the records registered, so the
/// operator sees an insurer probing guessed 個人番号 (SECURITY.md, the notice-kind oracle).
async fn metrics_count_the_registry_misses_of_batches_beside_their_records(db: Db) {
    let origin = Origin::start(db).await;
    let address = "東京都千代田区霞が関一丁目2番3号";
    origin.resident("111111111118", "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", "female", address).await;
    let token = origin.insurer_token("33120015").await;
    let body = ndjson(&[
        acquire("5001", "111111111118", "資格　花子", "ｼｶｸ ﾊﾅｺ", "1989-09-13", address),
        acquire("5002", "222222222225", "資格　太郎", "ｼｶｸ ﾀﾛｳ", "1990-01-01", address),
    ]);
    assert_eq!(origin.upload(&token, "application/x-ndjson", &body).await.status().as_u16(), 200);
    let text = origin.client.get(format!("{}/metrics", origin.base)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("onshi_origin_batch_records_total 2"), "{text}");
    assert!(text.contains("onshi_origin_batch_registry_misses_total 1"), "{text}");
    origin.stop().await;
}
on_both_databases!(metrics_count_the_registry_misses_of_batches_beside_their_records);

async fn metrics_labels_do_not_grow_with_what_callers_choose(db: Db) {
    let origin = Origin::start(db).await;
    let metrics =
        || async { origin.client.get(format!("{}/metrics", origin.base)).send().await.unwrap().text().await.unwrap() };
    // Random paths and made-up methods, as anyone who can reach the origin may send.
    let hit = |round: u32| {
        let origin = &origin;
        async move {
            for index in 0..50 {
                let path = format!("/v1/{round}-{index}/{}", "x".repeat(usize::try_from(index).unwrap()));
                origin.client.get(format!("{}{path}", origin.base)).send().await.unwrap();
                let method = reqwest::Method::from_bytes(format!("X{round}N{index}").as_bytes()).unwrap();
                origin.client.request(method, format!("{}{path}", origin.base)).send().await.unwrap();
            }
        }
    };
    // The first read of /metrics adds its own series; it is taken before the counts are compared.
    metrics().await;
    hit(0).await;
    let after_few = metrics().await;
    for round in 1..=5 {
        hit(round).await;
    }
    let after_many = metrics().await;
    let series = |text: &str| text.lines().filter(|l| l.starts_with("onshi_origin_requests_total{")).count();
    assert_eq!(series(&after_few), series(&after_many), "{after_many}");
    assert!(after_many.len() < 8 * 1024, "{} bytes", after_many.len());
    assert!(after_many.contains("method=\"OTHER\",route=\"unmatched\",status=\"404\"} 300"), "{after_many}");
    assert!(after_many.contains("method=\"GET\",route=\"unmatched\",status=\"404\"} 300"), "{after_many}");
    assert!(!after_many.contains("/v1/0-"), "a raw path became a label");
    origin.stop().await;
}
on_both_databases!(metrics_labels_do_not_grow_with_what_callers_choose);

async fn metrics_and_the_api_document_can_be_closed(db: Db) {
    let closed =
        Origin::start_with(db, RouterSettings { ops_routes: OpsRoutes::Closed, ..RouterSettings::default() }).await;
    for path in ["/metrics", "/openapi.json"] {
        expect_error(closed.client.get(format!("{}{path}", closed.base)).send().await.unwrap(), 404, "not_found").await;
    }
    let health = closed.client.get(format!("{}/health", closed.base)).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    closed.stop().await;
    let open =
        Origin::start_with(db, RouterSettings { ops_routes: OpsRoutes::Open, ..RouterSettings::default() }).await;
    for path in ["/metrics", "/openapi.json"] {
        assert_eq!(open.client.get(format!("{}{path}", open.base)).send().await.unwrap().status().as_u16(), 200);
    }
    open.stop().await;
}
on_both_databases!(metrics_and_the_api_document_can_be_closed);

async fn admin_routes_need_the_admin_token_and_insurer_tokens_are_stored_hashed(db: Db) {
    let origin = Origin::start(db).await;
    let body = serde_json::json!({"insurer_number": "33120015", "name": "x"});
    let refused = origin
        .client
        .post(format!("{}/admin/v1/insurers", origin.base))
        .bearer_auth("wrong-token-0123456789")
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_error(refused, 401, "unauthorized").await;
    let bad_number =
        origin.admin_post("/admin/v1/insurers", &serde_json::json!({"insurer_number": "33120016", "name": "x"})).await;
    expect_error(bad_number, 400, "bad_request").await;
    let token = origin.insurer_token("33120015").await;
    assert_eq!(origin.store.insurer_for_token(&token, NOW).await.unwrap(), None);
    assert_eq!(
        origin.store.insurer_for_token(&onshi_origin::key::token_sha256(&token), NOW).await.unwrap().as_deref(),
        Some("33120015")
    );
    origin.stop().await;
}
on_both_databases!(admin_routes_need_the_admin_token_and_insurer_tokens_are_stored_hashed);

async fn every_admin_change_writes_an_audit_row_naming_the_operator_and_no_personal_data(db: Db) {
    let origin = Origin::start(db).await;
    let admin_rows_before =
        origin.store.audit_events().await.unwrap().iter().filter(|row| row.purpose.starts_with("admin_")).count();
    origin.insurer_token("33120015").await;
    // A 個人番号 with a valid check digit, as the fixture's batches make them.
    let base = "10000000099";
    let number = format!("{base}{}", onshi_origin::individual_number::check_digit(base).unwrap());
    origin.resident(&number, "監査　花子", "ｶﾝｻ ﾊﾅｺ", "1990-01-01", "female", "東京都千代田区1-1").await;
    // A refused call changes nothing and writes no admin row.
    let refused =
        origin.admin_post("/admin/v1/insurers", &serde_json::json!({"insurer_number": "1", "name": "x"})).await;
    expect_error(refused, 400, "bad_request").await;

    let rows = origin.store.audit_events().await.unwrap();
    let admin_rows: Vec<_> = rows.iter().filter(|row| row.purpose.starts_with("admin_")).collect();
    assert_eq!(admin_rows.len(), admin_rows_before + 2, "one row for each change, none for the refusal");
    // Rows written in the same second come back in id order, so the purposes are compared as a set.
    let mut purposes: Vec<&str> = admin_rows.iter().map(|row| row.purpose.as_str()).collect();
    purposes.sort_unstable();
    purposes.dedup();
    assert_eq!(purposes, ["admin_insurer", "admin_resident"]);
    for row in &admin_rows {
        assert_eq!(row.actor_device_id.as_deref(), Some("operator:operator"), "{row:?}");
        assert_eq!((row.outcome.as_str(), row.subject_person_id.as_deref()), ("ok", None));
        let printed = format!("{row:?}");
        assert!(!printed.contains(&number) && !printed.contains("監査"), "{printed}");
    }
    origin.stop().await;
}
on_both_databases!(every_admin_change_writes_an_audit_row_naming_the_operator_and_no_personal_data);
