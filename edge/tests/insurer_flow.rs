//! The insurer console's use cases, run natively against in-memory ports and a scripted origin that knows two
//! insurers: a clerk signs in with the insurer's credential on an enrolled insurer console device, reads holds and
//! notices, resolves a hold, and signs out or idles out. The insurer always comes from the session, each session is
//! bound to its device, and one insurer's session reaches nothing of another's. Every request writes one audit event.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::EdgeApi;
use onshi_edge::auth::insurer_session::INSURER_IDLE_SECS;
use onshi_edge::proxy::{OriginOutcome, OriginRequest};
use onshi_edge::routes::route;
use onshi_proto::ErrorCode;
use onshi_proto::batch_report::{BatchRejection, BatchReport, RejectedRow, RowErrorCode};
use onshi_proto::signing::{INSURER_CREDENTIAL_HEADER, INSURER_HEADER, INSURER_SESSION_HEADER};
use serde_json::{Value, json};

mod support;

use support::*;

/// 保険者 A and B, and the credential each was given by the origin.
const A: &str = "33120015";
const B: &str = "01130012";
const CREDENTIAL_A: &str = "insurer-credential-a";
const CREDENTIAL_B: &str = "insurer-credential-b";
/// The public names the scripted origin gives A's and B's credentials.
const NAME_A: &str = "aaaaaaaaaaaa";
const NAME_B: &str = "bbbbbbbbbbbb";

fn refusal(status: u16, code: &str) -> OriginOutcome {
    json(status, &json!({ "error": code, "message": "x" }))
}

/// Which insurer owns a notice or a person id in the scripted origin: its id starts with the insurer's number.
fn owned_by(id: &str, insurer: &str) -> bool {
    id.starts_with(insurer)
}

fn notice_detail(notice: &str) -> Value {
    json!({
        "notice": {"id": notice, "kind": "suspected_twin", "state": "open", "person_id": format!("{notice}-p"),
                   "created_at": NOW},
        "member": {"person_id": format!("{notice}-p"), "name": "●格　次郎", "name_has_gaiji": true,
                   "name_kana": "ｼｶｸ ｼﾞﾛｳ", "name_kana_normalized": "シカクジロウ", "birth_date": "2004-08-04",
                   "sex": "female", "address": "大阪府", "held": true, "held_since": NOW},
        "counterpart": {"source": "other_record", "items": [{"item": "name_kana", "comparison": "differs"}]},
        "decisions": []
    })
}

/// The origin as the insurer routes see it: a credential names its insurer at sign-in, and a signed request is
/// answered for the insurer its signature names, never another.
fn insurer_origin(request: &OriginRequest) -> OriginOutcome {
    let path = request.url.strip_prefix("https://origin.test").unwrap_or_default();
    // A bearer call (the sign-in) learns which credential answered; a session's call must name its insurer's.
    let (insurer, credential) = match (request.header("authorization"), request.header(INSURER_HEADER)) {
        (Some(bearer), None) => match bearer.strip_prefix("Bearer ") {
            Some(CREDENTIAL_A) => (A, Some(NAME_A)),
            Some(CREDENTIAL_B) => (B, Some(NAME_B)),
            _ => return refusal(401, "unauthorized"),
        },
        (None, Some(insurer)) => {
            let named = request.header(INSURER_CREDENTIAL_HEADER);
            if !matches!((insurer, named), (A, Some(NAME_A)) | (B, Some(NAME_B))) {
                return refusal(401, "unauthorized");
            }
            (insurer, None)
        }
        _ => return refusal(401, "unauthorized"),
    };
    match (request.method, path.split('?').next().unwrap_or_default()) {
        ("GET", "/insurer/v1/holds") => json(
            200,
            &json!({"insurer_number": insurer, "open": 1, "oldest_since": NOW - 90_000, "under_one_day": 0,
                    "one_to_seven_days": 1, "over_seven_days": 0, "credential": credential}),
        ),
        ("GET", "/insurer/v1/notices") => json(
            200,
            &json!({"notices": [{"id": format!("{insurer}-n1"), "kind": "suspected_twin", "state": "open",
                                 "created_at": NOW}]}),
        ),
        ("GET", notice) if notice.starts_with("/insurer/v1/notices/") => {
            let id = notice.trim_start_matches("/insurer/v1/notices/");
            if owned_by(id, insurer) { json(200, &notice_detail(id)) } else { refusal(404, "not_found") }
        }
        ("POST", hold) if hold.starts_with("/insurer/v1/holds/") => {
            let person = hold.trim_start_matches("/insurer/v1/holds/").trim_end_matches("/resolution");
            if owned_by(person, insurer) {
                json(200, &json!({"outcome": "released"}))
            } else {
                refusal(404, "not_found")
            }
        }
        _ => refusal(404, "not_found"),
    }
}

fn ports() -> FakePorts {
    let mut ports = FakePorts::new(Box::new(|_, _| refusal(404, "not_found")));
    ports.request_origin = Some(Box::new(insurer_origin));
    ports
}

/// An insurer console PC of [`FACILITY`] (the insurer's office, enrolled like a site) with a key from `seed`.
fn console<P: onshi_edge::api::EdgePorts>(api: &EdgeApi<'_, P>, seed: u8) -> Kiosk {
    device_enrolled_with(api, seed, &json!({"facility_code": FACILITY, "role": "insurer_console"}))
}

fn login<P: onshi_edge::api::EdgePorts>(
    api: &EdgeApi<'_, P>,
    device: &Kiosk,
    credential: &str,
    now: i64,
) -> Result<String, EdgeError> {
    let body = serde_json::to_vec(&json!({"credential": credential, "clerk": "審査係 鈴木"})).unwrap();
    block_on(api.insurer_login(&device.request("/api/v1/insurer/login", &body, now))).map(|s| s.insurer_token)
}

/// Runs one insurer route as the console sends it: the device's proof and the session's token.
fn call<P: onshi_edge::api::EdgePorts>(
    api: &EdgeApi<'_, P>,
    device: &Kiosk,
    token: &str,
    method: &str,
    path: &str,
    body: &[u8],
    now: i64,
) -> Result<Value, EdgeError> {
    let authorization = format!("Bearer {token}");
    let mut request = device.request_with(method, path, body, now);
    request.authorization = Some(&authorization);
    let use_case = route(method, path).unwrap();
    let answer = block_on(api.handle(&use_case, &request))?;
    Ok(if answer.is_empty() { Value::Null } else { serde_json::from_slice(&answer).unwrap() })
}

#[test]
fn a_clerk_signs_in_reads_the_inbox_and_resolves_a_hold_of_their_own_insurer_only() {
    let config = config_with(&[]);
    let ports = ports();
    let api = EdgeApi::new(&config, &ports);
    let device = console(&api, 41);
    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    // The edge kept nothing of the credential: not in a token, an audit line or any store.
    assert!(!token.contains(CREDENTIAL_A));
    assert!(ports.audit.borrow().iter().all(|line| !line.contains(CREDENTIAL_A)));

    let holds = call(&api, &device, &token, "GET", "/api/v1/insurer/holds", b"", NOW).unwrap();
    assert_eq!((holds["insurer_number"].as_str(), holds["open"].as_u64()), (Some(A), Some(1)));
    let filter = br#"{"kind":"suspected_twin","state":"open","limit":20}"#;
    let page = call(&api, &device, &token, "POST", "/api/v1/insurer/notices", filter, NOW).unwrap();
    assert_eq!(page["notices"][0]["id"], format!("{A}-n1"));
    let asked = ports.sent.borrow().last().unwrap().clone();
    assert_eq!(asked.url, "https://origin.test/insurer/v1/notices?kind=suspected_twin&state=open&limit=20");
    assert_eq!((asked.method, asked.header(INSURER_HEADER)), ("GET", Some(A)));
    assert!(asked.header("authorization").is_none(), "the edge speaks for the insurer by signature only");
    assert!(asked.header(INSURER_SESSION_HEADER).is_some_and(|session| !session.is_empty()));

    let detail = call(&api, &device, &token, "GET", &format!("/api/v1/insurer/notices/{A}-n1"), b"", NOW).unwrap();
    assert_eq!(detail["member"]["name_has_gaiji"], true);
    // B's notice and B's hold are not found for A's session: the insurer comes from the token, nowhere else.
    let other = call(&api, &device, &token, "GET", &format!("/api/v1/insurer/notices/{B}-n1"), b"", NOW);
    assert_eq!(other.unwrap_err().code(), ErrorCode::NotFound);
    let reason = serde_json::to_vec(&json!({"resolution": "no_suspicion", "reason": "本人に電話で確認済み"})).unwrap();
    let other_hold = format!("/api/v1/insurer/holds/{B}-n1-p/resolution");
    assert_eq!(call(&api, &device, &token, "POST", &other_hold, &reason, NOW).unwrap_err().code(), ErrorCode::NotFound);
    // A body that tries to name an insurer is refused before anything is forwarded.
    let sneaky = format!(r#"{{"insurer_number":"{B}"}}"#);
    let refused = call(&api, &device, &token, "POST", "/api/v1/insurer/notices", sneaky.as_bytes(), NOW);
    assert_eq!(refused.unwrap_err(), EdgeError::BadRequest);

    let hold = format!("/api/v1/insurer/holds/{A}-n1-p/resolution");
    let resolved = call(&api, &device, &token, "POST", &hold, &reason, NOW).unwrap();
    assert_eq!(resolved["outcome"], "released");
    let sent = ports.sent.borrow().last().unwrap().clone();
    assert_eq!(sent.url, format!("https://origin.test/insurer/v1/holds/{A}-n1-p/resolution"));
    // The decision is recorded under the clerk who signed in, percent-encoded as the origin reads it.
    assert_eq!(sent.header("x-onshi-decided-by"), Some("%E5%AF%A9%E6%9F%BB%E4%BF%82%20%E9%88%B4%E6%9C%A8"));
    assert_eq!(serde_json::from_slice::<Value>(&sent.body).unwrap()["reason"], "本人に電話で確認済み");

    // B's clerk on B's own console sees B only.
    let b_device = console(&api, 42);
    let b_token = login(&api, &b_device, CREDENTIAL_B, NOW).unwrap();
    let b_holds = call(&api, &b_device, &b_token, "GET", "/api/v1/insurer/holds", b"", NOW).unwrap();
    assert_eq!(b_holds["insurer_number"], B);
    let b_other = call(&api, &b_device, &b_token, "GET", &format!("/api/v1/insurer/notices/{A}-n1"), b"", NOW);
    assert_eq!(b_other.unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn only_an_insurer_console_with_a_known_credential_signs_in_and_its_token_works_on_that_device_only() {
    let config = config_with(&[]);
    let ports = ports();
    let api = EdgeApi::new(&config, &ports);
    let device = console(&api, 43);
    // A wrong credential, or one that could not travel in a header, is `unauthorized`; nothing is minted.
    for wrong in ["not-a-credential", "", "two words", "line\r\nbreak"] {
        assert_eq!(login(&api, &device, wrong, NOW).unwrap_err().code(), ErrorCode::Unauthorized, "{wrong:?}");
    }
    // A kiosk, a bridge, or no device at all cannot sign a clerk in, whatever the credential.
    let kiosk = enrolled_kiosk(&api, 44);
    assert_eq!(login(&api, &kiosk, CREDENTIAL_A, NOW).unwrap_err(), EdgeError::DeviceRoleForbidden);
    let bridge = device_enrolled_with(&api, 45, &json!({"facility_code": FACILITY, "role": "bridge"}));
    assert_eq!(login(&api, &bridge, CREDENTIAL_A, NOW).unwrap_err(), EdgeError::DeviceRoleForbidden);
    let body = serde_json::to_vec(&json!({"credential": CREDENTIAL_A, "clerk": "x"})).unwrap();
    let bare = request("POST", "/api/v1/insurer/login", &body, None);
    assert_eq!(block_on(api.insurer_login(&bare)).unwrap_err().code(), ErrorCode::Unauthorized);
    // A clerk's name longer than a decision can record is refused at sign-in.
    let long = serde_json::to_vec(&json!({"credential": CREDENTIAL_A, "clerk": "鈴".repeat(65)})).unwrap();
    let refused = block_on(api.insurer_login(&device.request("/api/v1/insurer/login", &long, NOW)));
    assert_eq!(refused.unwrap_err(), EdgeError::BadRequest);

    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    // The token copied to another insurer console (even one of the same office) is refused.
    let other_console = console(&api, 46);
    let copied = call(&api, &other_console, &token, "GET", "/api/v1/insurer/holds", b"", NOW);
    assert_eq!(copied.unwrap_err(), EdgeError::SessionInvalid);
    // A staff token or a forged one is not an insurer token.
    for forged in ["staff.abc.def", "insurer.abc.def", ""] {
        let refused = call(&api, &device, forged, "GET", "/api/v1/insurer/holds", b"", NOW);
        assert_eq!(refused.unwrap_err(), EdgeError::SessionInvalid, "{forged}");
    }
    // The session's own device, proof and token together, is served.
    assert!(call(&api, &device, &token, "GET", "/api/v1/insurer/holds", b"", NOW).is_ok());
    // Once the admin revokes the device, its session goes with it.
    let revoke = format!("/api/v1/admin/devices/{}/revoke", device.device_id);
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    block_on(api.revoke_device(&request("POST", &revoke, b"", Some(&authorization)), &device.device_id)).unwrap();
    let revoked = call(&api, &device, &token, "GET", "/api/v1/insurer/holds", b"", NOW);
    assert_eq!(revoked.unwrap_err().code(), ErrorCode::DeviceNotEnrolled);
}

#[test]
fn signing_out_or_leaving_the_console_idle_ends_the_session() {
    let config = config_with(&[]);
    let ports = ports();
    let api = EdgeApi::new(&config, &ports);
    let device = console(&api, 47);
    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    assert_eq!(call(&api, &device, &token, "POST", "/api/v1/insurer/logout", b"", NOW).unwrap(), Value::Null);
    let after = call(&api, &device, &token, "GET", "/api/v1/insurer/holds", b"", NOW);
    assert_eq!(after.unwrap_err(), EdgeError::SessionInvalid);
    assert_eq!(
        call(&api, &device, &token, "POST", "/api/v1/insurer/logout", b"", NOW).unwrap_err(),
        EdgeError::SessionInvalid
    );

    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    let idle = call(&api, &device, &token, "GET", "/api/v1/insurer/holds", b"", NOW + INSURER_IDLE_SECS + 1);
    assert_eq!(idle.unwrap_err(), EdgeError::SessionExpired);
}

#[test]
fn a_session_whose_credential_the_origin_no_longer_accepts_ends_and_the_console_signs_in_again() {
    let config = config_with(&[]);
    let revoked = std::rc::Rc::new(std::cell::Cell::new(false));
    let mut ports = ports();
    let revoked_in_origin = revoked.clone();
    // The origin as it is once the operator revoked A's credential: its bearer calls and its sessions' calls are
    // refused as `unauthorized`.
    ports.request_origin = Some(Box::new(move |request: &OriginRequest| {
        let names_a = request.header(INSURER_CREDENTIAL_HEADER) == Some(NAME_A)
            || request.header("authorization") == Some(&format!("Bearer {CREDENTIAL_A}"));
        if revoked_in_origin.get() && names_a { refusal(401, "unauthorized") } else { insurer_origin(request) }
    }));
    let api = EdgeApi::new(&config, &ports);
    let device = console(&api, 49);
    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    call(&api, &device, &token, "GET", "/api/v1/insurer/holds", b"", NOW).unwrap();
    let sent = ports.sent.borrow().last().unwrap().clone();
    assert_eq!(sent.header(INSURER_CREDENTIAL_HEADER), Some(NAME_A), "every call names the session's credential");
    assert!(!token.contains(CREDENTIAL_A));
    let b_device = console(&api, 50);
    let b_token = login(&api, &b_device, CREDENTIAL_B, NOW).unwrap();
    revoked.set(true);
    // The session's next call is `session_invalid`, the answer that sends the console back to its sign-in.
    let filter = br#"{"kind":"suspected_twin","state":"open","limit":20}"#;
    let refused = call(&api, &device, &token, "POST", "/api/v1/insurer/notices", filter, NOW + 1).unwrap_err();
    assert_eq!((refused.clone(), refused.code()), (EdgeError::SessionInvalid, ErrorCode::SessionInvalid));
    // The edge ended the session too: its next call stops at the edge, the origin is not asked.
    let asked = ports.sent.borrow().len();
    let again = call(&api, &device, &token, "GET", "/api/v1/insurer/holds", b"", NOW + 2);
    assert_eq!(again.unwrap_err(), EdgeError::SessionInvalid);
    assert_eq!(ports.sent.borrow().len(), asked);
    // Signing in again with the revoked credential is refused; B's session, on its own credential, goes on.
    assert_eq!(login(&api, &device, CREDENTIAL_A, NOW + 3).unwrap_err(), EdgeError::InsurerCredentialInvalid);
    let b_holds = call(&api, &b_device, &b_token, "GET", "/api/v1/insurer/holds", b"", NOW + 3).unwrap();
    assert_eq!(b_holds["insurer_number"], B);
}

#[test]
fn a_sign_in_answer_that_names_no_credential_opens_no_session() {
    let config = config_with(&[]);
    let mut ports = ports();
    // An origin that does not say which credential answered: a session it opened could not be ended by revoking it.
    ports.request_origin = Some(Box::new(|request: &OriginRequest| match insurer_origin(request) {
        OriginOutcome::Answered { status: 200, body, signature } => {
            let mut answer: Value = serde_json::from_slice(&body).unwrap();
            answer.as_object_mut().unwrap().remove("credential");
            OriginOutcome::Answered { status: 200, body: serde_json::to_vec(&answer).unwrap(), signature }
        }
        other => other,
    }));
    let api = EdgeApi::new(&config, &ports);
    let device = console(&api, 51);
    assert_eq!(login(&api, &device, CREDENTIAL_A, NOW).unwrap_err(), EdgeError::OriginError { status: 200 });
}

#[test]
fn every_insurer_request_writes_exactly_one_audit_event_naming_the_session_not_the_clerk() {
    let config = config_with(&[]);
    let ports = ports();
    let api = EdgeApi::new(&config, &ports);
    let device = console(&api, 48);
    let before = ports.audit.borrow().len();
    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    let _ = login(&api, &device, "wrong", NOW);
    let reason = serde_json::to_vec(&json!({"resolution": "no_suspicion", "reason": "確認済み"})).unwrap();
    let hold = format!("/api/v1/insurer/holds/{A}-n1-p/resolution");
    let notice = format!("/api/v1/insurer/notices/{A}-n1");
    let calls: [(&str, &str, &[u8]); 6] = [
        ("GET", "/api/v1/insurer/holds", b""),
        ("POST", "/api/v1/insurer/notices", b"{}"),
        ("GET", &notice, b""),
        ("POST", &hold, &reason),
        ("GET", "/api/v1/insurer/notices/a/b", b""),
        ("POST", "/api/v1/insurer/logout", b""),
    ];
    for (method, path, body) in calls {
        if route(method, path).is_some() {
            let _ = call(&api, &device, &token, method, path, body, NOW);
        }
    }
    let events: Vec<Value> =
        ports.audit.borrow()[before..].iter().map(|line| serde_json::from_str(line).unwrap()).collect();
    let actions: Vec<&str> = events.iter().map(|event| event["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "insurer_login",
            "insurer_login",
            "insurer_holds",
            "insurer_notices",
            "insurer_notice",
            "insurer_hold_resolution",
            "insurer_logout"
        ]
    );
    assert_eq!(events[1]["outcome"], "unauthorized");
    for event in &events[2..] {
        assert!(event["actor"].as_str().unwrap().starts_with(&format!("insurer:{A}:")), "{event}");
    }
    assert!(events.iter().all(|event| !event.to_string().contains("鈴木")));
}

/// An origin that applies a batch when its first line says so and refuses it with its bad rows otherwise, and
/// answers everything else as [`insurer_origin`] does.
fn batch_origin(request: &OriginRequest) -> OriginOutcome {
    if request.url != "https://origin.test/insurer/v1/batches" {
        return insurer_origin(request);
    }
    let insurer = request.header(INSURER_HEADER).unwrap_or_default();
    if request.body.starts_with(b"good") {
        let report = BatchReport {
            batch_id: format!("{insurer}-b1"),
            insurer_number: insurer.to_owned(),
            rows_total: 1,
            records_registered: 1,
            ..BatchReport::default()
        };
        json(200, &serde_json::to_value(report).unwrap())
    } else if request.body.starts_with(b"odd") {
        // A rejection of another shape: a code the insurer API does not have.
        let rows = json!([{"line": 2, "field": "birth_date", "code": "invalid_date"}]);
        json(400, &json!({"error": "bad_request", "message": "x", "rows": rows, "total_errors": 1}))
    } else {
        let row = RejectedRow { line: 2, field: Some("birth_date".into()), code: RowErrorCode::InvalidValue };
        let rejection = BatchRejection::new(vec![row], 1, [(RowErrorCode::InvalidValue, 1)].into());
        json(400, &serde_json::to_value(rejection).unwrap())
    }
}

#[test]
fn a_batch_goes_through_for_the_sessions_insurer_and_a_refused_file_keeps_its_bad_rows() {
    let config = config_with(&[]);
    let mut ports = ports();
    ports.request_origin = Some(Box::new(batch_origin));
    let api = EdgeApi::new(&config, &ports);
    let device = console(&api, 49);
    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    let applied = call(&api, &device, &token, "POST", "/api/v1/insurer/batches/csv", b"good,csv\n", NOW).unwrap();
    assert_eq!(applied["applied"]["batch_id"], format!("{A}-b1"));
    let sent = ports.sent.borrow().last().unwrap().clone();
    assert_eq!((sent.header("content-type"), sent.header(INSURER_HEADER)), (Some("text/csv"), Some(A)));
    assert_eq!(sent.body, b"good,csv\n");
    let refused = call(&api, &device, &token, "POST", "/api/v1/insurer/batches/ndjson", b"{\"bad\":1}\n", NOW).unwrap();
    assert_eq!(refused["refused"]["rows"][0]["field"], "birth_date");
    assert_eq!(refused["refused"]["total_errors"], 1);
    assert_eq!(refused["refused"]["rows"][0]["code"], "invalid_value");
    assert_eq!(ports.sent.borrow().last().unwrap().header("content-type"), Some("application/x-ndjson"));
    // Rows the insurer API cannot carry are not passed on: the refusal arrives as its code alone.
    let odd = call(&api, &device, &token, "POST", "/api/v1/insurer/batches/csv", b"odd,csv\n", NOW);
    assert_eq!(odd.unwrap_err(), EdgeError::OriginRefused(ErrorCode::BadRequest));
    // An empty file is refused at the edge; a batch without a session never reaches the origin.
    let empty = call(&api, &device, &token, "POST", "/api/v1/insurer/batches/csv", b"  \n", NOW);
    assert_eq!(empty.unwrap_err(), EdgeError::BadRequest);
    let sent_before = ports.sent.borrow().len();
    let anonymous = call(&api, &device, "", "POST", "/api/v1/insurer/batches/csv", b"good\n", NOW);
    assert_eq!(anonymous.unwrap_err(), EdgeError::SessionInvalid);
    assert_eq!(ports.sent.borrow().len(), sent_before);
    // The route reads up to the batch limit, every other insurer route 16 KiB.
    let batch = route("POST", "/api/v1/insurer/batches/csv").unwrap();
    assert_eq!(batch.body_limit(), onshi_proto::insurer::MAX_EDGE_BATCH_BYTES);
    assert_eq!(route("POST", "/api/v1/insurer/notices").unwrap().body_limit(), onshi_edge::http_policy::MAX_BODY_BYTES);
}

/// An origin whose batch of insurer A is applying, whose insurer B runs nothing, and whose answers for the
/// clerk of a third insurer break the rule that no more rows are applied than there are; everything else as
/// [`insurer_origin`].
fn progress_origin(request: &OriginRequest) -> OriginOutcome {
    if request.url != "https://origin.test/insurer/v1/batch-progress" {
        return insurer_origin(request);
    }
    match request.header(INSURER_HEADER) {
        Some(A) => json(200, &json!({"stage": "applying", "rows_applied": 40_000, "rows_total": 100_000})),
        Some(B) => json(200, &json!({"stage": "none"})),
        _ => refusal(401, "unauthorized"),
    }
}

#[test]
fn a_console_sees_how_far_its_own_insurers_batch_has_got() {
    let config = config_with(&[]);
    let mut ports = ports();
    ports.request_origin = Some(Box::new(progress_origin));
    let api = EdgeApi::new(&config, &ports);
    let (device, b_device) = (console(&api, 50), console(&api, 51));
    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    let b_token = login(&api, &b_device, CREDENTIAL_B, NOW).unwrap();
    let path = onshi_proto::insurer::INSURER_BATCH_PROGRESS_PATH;
    let progress = call(&api, &device, &token, "GET", path, b"", NOW).unwrap();
    assert_eq!(progress, json!({"stage": "applying", "rows_applied": 40_000, "rows_total": 100_000}));
    // The origin was asked for the session's insurer, signed, with no bearer credential.
    let sent = ports.sent.borrow().last().unwrap().clone();
    assert_eq!((sent.method, sent.header(INSURER_HEADER)), ("GET", Some(A)));
    assert_eq!(sent.header("authorization"), None);
    // B's session is answered for B alone.
    assert_eq!(call(&api, &b_device, &b_token, "GET", path, b"", NOW).unwrap(), json!({"stage": "none"}));
    // No session, or a session on another device, never reaches the origin.
    let sent_before = ports.sent.borrow().len();
    assert_eq!(call(&api, &device, "", "GET", path, b"", NOW).unwrap_err(), EdgeError::SessionInvalid);
    assert_eq!(call(&api, &b_device, &token, "GET", path, b"", NOW).unwrap_err(), EdgeError::SessionInvalid);
    assert_eq!(ports.sent.borrow().len(), sent_before);
    assert!(route("POST", path).is_none());
    // The request was audited under its own action.
    let last: Value = serde_json::from_str(ports.audit.borrow().last().unwrap()).unwrap();
    assert_eq!(
        (last["action"].as_str(), last["outcome"].as_str()),
        (Some("insurer_batch_progress"), Some("session_invalid"))
    );
}

#[test]
fn a_progress_answer_that_breaks_its_rule_is_a_fault_not_a_figure() {
    let config = config_with(&[]);
    let mut ports = ports();
    ports.request_origin = Some(Box::new(|request: &OriginRequest| {
        if request.url.ends_with("/insurer/v1/batch-progress") {
            json(200, &json!({"stage": "applying", "rows_applied": 101, "rows_total": 100}))
        } else {
            insurer_origin(request)
        }
    }));
    let api = EdgeApi::new(&config, &ports);
    let device = console(&api, 52);
    let token = login(&api, &device, CREDENTIAL_A, NOW).unwrap();
    let path = onshi_proto::insurer::INSURER_BATCH_PROGRESS_PATH;
    assert_eq!(call(&api, &device, &token, "GET", path, b"", NOW).unwrap_err(), EdgeError::OriginError { status: 200 });
}
