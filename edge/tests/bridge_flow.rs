//! The facility's bridge at the edge, run natively against in-memory ports: a device enrolled as the bridge hands
//! on a national-reader result, which reaches the origin with the facility and device its proof named (never the
//! body's); a kiosk cannot pass off such a result, the bridge cannot start a card check-in, and the edge keeps and
//! logs nothing of the result. The bridge reports its health, and staff of its facility (only) are told what needs
//! their attention.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::EdgeApi;
use onshi_proto::ErrorCode;
use onshi_proto::bridge_health::{
    BRIDGE_HEALTH_PATH, BRIDGE_REPORT_STALE_SECS, BridgeAlert, BridgeStatus, STAFF_BRIDGE_PATH,
};
use onshi_proto::reader_result::{BRIDGE_READER_RESULT_PATH, READER_RESULT_PATH, ReaderResultUpload};

mod support;

use support::*;

fn origin() -> OriginScript {
    Box::new(
        |path, _| {
            if path == READER_RESULT_PATH { json(200, &serde_json::json!({ "new": true })) } else { json(404, &()) }
        },
    )
}

fn bridge<P: onshi_edge::api::EdgePorts>(api: &EdgeApi<'_, P>, seed: u8) -> Kiosk {
    device_enrolled_with(api, seed, &serde_json::json!({ "facility_code": FACILITY, "role": "bridge" }))
}

/// A result as the bridge reads it from a face file, naming a person.
fn reader_result(file: &str) -> Vec<u8> {
    serde_json::json!({
        "file_name": file,
        "checked_at": NOW - 5,
        "validity": "valid",
        "name": "山田 花子",
        "name_kana": "ﾔﾏﾀﾞ ﾊﾅｺ",
        "insurer_number": "06139992",
        "contribution_percent": 30,
    })
    .to_string()
    .into_bytes()
}

#[test]
fn a_bridge_hands_on_a_reader_result_for_its_own_facility_and_the_edge_keeps_none_of_it() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let bridge = bridge(&api, 7);
    let body = reader_result("OQSsiquc01res_face_a.xml");

    let receipt = block_on(api.hand_on_reader_result(&bridge.request(BRIDGE_READER_RESULT_PATH, &body, NOW))).unwrap();
    assert!(receipt.new);

    let sent = ports.sent_to(READER_RESULT_PATH);
    assert_eq!(sent.len(), 1);
    let upload: ReaderResultUpload = serde_json::from_slice(&sent[0]).unwrap();
    assert_eq!(upload.facility_code.as_str(), FACILITY);
    assert_eq!(upload.device_id.as_str(), bridge.device_id);
    assert_eq!(upload.result.name.as_deref(), Some("山田 花子"));

    // Nothing of the person reaches the audit log or a warning.
    let logged = format!("{:?}{:?}", ports.audit.borrow(), ports.warnings.borrow());
    for personal in ["山田", "ﾔﾏﾀﾞ", "06139992"] {
        assert!(!logged.contains(personal), "{personal} was logged: {logged}");
    }
    assert!(logged.contains("reader_result"), "the call is audited: {logged}");
}

#[test]
fn a_kiosk_cannot_pass_off_a_reader_result_and_a_bridge_cannot_start_a_check_in() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 3);
    let bridge = bridge(&api, 7);

    let body = reader_result("OQSsiquc01res_face_b.xml");
    let refused = block_on(api.hand_on_reader_result(&kiosk.request(BRIDGE_READER_RESULT_PATH, &body, NOW)));
    assert_eq!(refused.unwrap_err().code(), ErrorCode::Forbidden);

    let challenge = block_on(api.issue_challenge(&bridge.request("/api/v1/challenge", b"", NOW)));
    assert_eq!(challenge.unwrap_err(), EdgeError::DeviceRoleForbidden);
    assert!(ports.sent_to(READER_RESULT_PATH).is_empty(), "nothing reached the origin");

    // The bridge may still confirm that it is enrolled, as a kiosk does when it starts.
    block_on(api.confirm_device(&bridge.request_with("GET", "/api/v1/device", b"", NOW))).unwrap();
}

#[test]
fn a_malformed_result_is_refused_before_the_origin_and_a_bridge_cannot_be_staffed() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let bridge = bridge(&api, 7);

    for bad in [
        br#"{"file_name":"../res/x.xml","validity":"valid"}"#.to_vec(),
        br#"{"file_name":"f.xml","validity":"valid","contribution_percent":130}"#.to_vec(),
        br#"{"file_name":"f.xml","validity":"valid","my_number":"123456789012"}"#.to_vec(),
        b"not json".to_vec(),
    ] {
        let refused = block_on(api.hand_on_reader_result(&bridge.request(BRIDGE_READER_RESULT_PATH, &bad, NOW)));
        assert_eq!(refused.unwrap_err().code(), ErrorCode::BadRequest, "{}", String::from_utf8_lossy(&bad));
    }
    assert!(ports.sent_to(READER_RESULT_PATH).is_empty());

    let authorization = format!("Bearer {ADMIN_TOKEN}");
    let body = serde_json::json!({ "facility_code": FACILITY, "role": "bridge", "staffed": true }).to_string();
    let request = admin_request("/api/v1/admin/enrolment-codes", body.as_bytes(), Some(&authorization));
    assert_eq!(block_on(api.issue_enrolment_code(&request)).unwrap_err(), EdgeError::BadRequest);
}

fn bridge_status<P: onshi_edge::api::EdgePorts>(
    api: &EdgeApi<'_, P>,
    staff: &StaffDesk,
    now: i64,
) -> onshi_proto::bridge_health::BridgeStatus {
    block_on(api.staff_bridge_status(&staff.request("GET", STAFF_BRIDGE_PATH, b"", now))).unwrap()
}

#[test]
fn staff_see_a_stalled_link_app_and_a_silent_bridge_of_their_own_facility_only() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let staff = staff_desk(&api, FACILITY, 41);
    // A facility without a bridge has nothing to be told.
    assert_eq!(bridge_status(&api, &staff, NOW), BridgeStatus::default());

    let bridge = bridge(&api, 7);
    let stalled = serde_json::json!({ "link_app_stalled_ms": 45_000, "waiting_in_req": 2 }).to_string();
    block_on(api.report_bridge_health(&bridge.request(BRIDGE_HEALTH_PATH, stalled.as_bytes(), NOW))).unwrap();
    let told = bridge_status(&api, &staff, NOW + 5);
    assert_eq!(told.alerts, vec![BridgeAlert::LinkAppStalled]);
    assert_eq!(told.reported_at, Some(NOW));
    assert_eq!(told.health.unwrap().waiting_in_req, 2);

    // The 連携アプリ catches up; then the bridge stops reporting altogether.
    let healthy = serde_json::json!({}).to_string();
    block_on(api.report_bridge_health(&bridge.request(BRIDGE_HEALTH_PATH, healthy.as_bytes(), NOW + 20))).unwrap();
    assert!(bridge_status(&api, &staff, NOW + 30).alerts.is_empty());
    let later = NOW + 20 + BRIDGE_REPORT_STALE_SECS + 1;
    assert_eq!(bridge_status(&api, &staff, later).alerts, vec![BridgeAlert::BridgeSilent]);

    // Another facility's staff are told nothing of it; a kiosk cannot report a bridge's health.
    let other_staff = staff_desk(&api, "1312345679", 42);
    assert_eq!(bridge_status(&api, &other_staff, NOW + 30), BridgeStatus::default());
    let kiosk = enrolled_kiosk(&api, 3);
    let refused = block_on(api.report_bridge_health(&kiosk.request(BRIDGE_HEALTH_PATH, stalled.as_bytes(), NOW)));
    assert_eq!(refused.unwrap_err(), EdgeError::DeviceRoleForbidden);
    let unknown_field = br#"{"patient_name":"x"}"#;
    let refused = block_on(api.report_bridge_health(&bridge.request(BRIDGE_HEALTH_PATH, unknown_field, NOW + 40)));
    assert_eq!(refused.unwrap_err(), EdgeError::BadRequest);
    let unauthenticated = request("GET", STAFF_BRIDGE_PATH, b"", None);
    assert_eq!(block_on(api.staff_bridge_status(&unauthenticated)).unwrap_err().code(), ErrorCode::Unauthorized);
    let mut without_token = staff.request("GET", STAFF_BRIDGE_PATH, b"", NOW + 40);
    without_token.authorization = None;
    assert_eq!(block_on(api.staff_bridge_status(&without_token)).unwrap_err().code(), ErrorCode::SessionInvalid);
}
