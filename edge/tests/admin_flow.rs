//! The admin routes per facility, run natively against in-memory ports: the national operator issues a facility
//! admin credential; with it that facility's admin issues enrolment and staff login codes and revokes devices of
//! their own facility and of no other, cannot mint admin credentials, and every admin event names who acted.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::EdgeApi;
use onshi_edge::auth::admin::FACILITY_ADMIN_LIFETIME_SECS;
use onshi_proto::ErrorCode;
use onshi_proto::api::FacilityAdminResponse;

mod support;

use support::*;

/// Another facility than [`FACILITY`], with a valid check digit.
const FACILITY_ADMINS: &str = "/api/v1/admin/facility-admins";
const ENROLMENT_CODES: &str = "/api/v1/admin/enrolment-codes";
const STAFF_CODES: &str = "/api/v1/admin/staff-codes";

fn origin() -> OriginScript {
    Box::new(|_, _| json(200, &serde_json::json!({ "status": "good" })))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn facility_body(facility: &str) -> Vec<u8> {
    format!(r#"{{"facility_code":"{facility}"}}"#).into_bytes()
}

/// The operator issues a facility admin credential for `facility`, held by `holder`.
fn facility_admin(api: &EdgeApi<'_, FakePorts>, facility: &str, holder: &str) -> FacilityAdminResponse {
    let body = serde_json::json!({ "facility_code": facility, "actor": holder }).to_string();
    let operator = bearer(ADMIN_TOKEN);
    block_on(api.issue_facility_admin(&admin_request(FACILITY_ADMINS, body.as_bytes(), Some(&operator)))).unwrap()
}

/// The `actor` of every audit event written so far, with its action and outcome.
fn audited_actors(ports: &FakePorts) -> Vec<(String, String, Option<String>)> {
    ports
        .audit
        .borrow()
        .iter()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                event["action"].as_str().unwrap().to_owned(),
                event["outcome"].as_str().unwrap().to_owned(),
                event["actor"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn a_facility_admin_issues_codes_for_its_own_facility_and_is_forbidden_any_other() {
    let config = config_with(&[("OPERATOR_ID", "ops-tanaka")]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let issued = facility_admin(&api, FACILITY, "事務長 佐藤");
    assert_eq!(issued.facility_code.as_str(), FACILITY);
    assert_eq!(issued.expires_at, NOW + FACILITY_ADMIN_LIFETIME_SECS);
    assert!(!format!("{issued:?}").contains(&issued.token), "the credential never shows in Debug");
    let admin = bearer(&issued.token);

    // Its own facility: an enrolment code that enrols a kiosk, and a staff login code that opens a staff session.
    let code =
        block_on(api.issue_enrolment_code(&admin_request(ENROLMENT_CODES, &facility_body(FACILITY), Some(&admin))))
            .unwrap();
    let key = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
    let enrolled =
        block_on(api.enrol(&admin_request("/api/v1/devices/enrol", &enrol_request(&code.code, &key), None))).unwrap();
    assert_eq!(enrolled.facility_code.as_str(), FACILITY);
    let staff_code =
        block_on(api.issue_staff_code(&admin_request(STAFF_CODES, &facility_body(FACILITY), Some(&admin)))).unwrap();
    // The staff console it logs in on is enrolled with a code of its own, of the staff console's role.
    let console_body = serde_json::json!({ "facility_code": FACILITY, "role": "staff_console" }).to_string();
    let console_code =
        block_on(api.issue_enrolment_code(&admin_request(ENROLMENT_CODES, console_body.as_bytes(), Some(&admin))))
            .unwrap();
    let console_key = p256::ecdsa::SigningKey::from_slice(&[12; 32]).unwrap();
    let console_enrolment = enrol_request(&console_code.code, &console_key);
    let console = block_on(api.enrol(&admin_request("/api/v1/devices/enrol", &console_enrolment, None))).unwrap();
    let console = Kiosk { device_id: console.device_id, key: console_key };
    staff_login_on(&api, &console, &staff_code.code).unwrap();

    // Another facility: refused as forbidden, and nothing is stored for it.
    let codes_before = ports.codes.borrow().len();
    let other = facility_body(OTHER_FACILITY);
    let refused = block_on(api.issue_enrolment_code(&admin_request(ENROLMENT_CODES, &other, Some(&admin))));
    assert_eq!(refused, Err(EdgeError::AdminForbidden));
    assert_eq!(refused.unwrap_err().to_api_error().error, ErrorCode::Forbidden);
    assert_eq!(EdgeError::AdminForbidden.http_status(), 403);
    assert_eq!(
        block_on(api.issue_staff_code(&admin_request(STAFF_CODES, &other, Some(&admin)))),
        Err(EdgeError::AdminForbidden)
    );
    assert_eq!(ports.codes.borrow().len(), codes_before);

    // A facility admin cannot mint admin credentials, for its own facility or another.
    for facility in [FACILITY, OTHER_FACILITY] {
        let body = serde_json::json!({ "facility_code": facility, "actor": "mallory" }).to_string();
        assert_eq!(
            block_on(api.issue_facility_admin(&admin_request(FACILITY_ADMINS, body.as_bytes(), Some(&admin)))),
            Err(EdgeError::AdminForbidden)
        );
    }

    // Every admin event names who acted; the refusals too.
    let actors = audited_actors(&ports);
    let by = |action: &str, outcome: &str| -> Vec<Option<String>> {
        actors.iter().filter(|(a, o, _)| a == action && o == outcome).map(|(_, _, actor)| actor.clone()).collect()
    };
    let facility_actor = Some(format!("facility-admin:{FACILITY}:事務長 佐藤"));
    assert_eq!(by("facility_admin_issued", "ok"), vec![Some("operator:ops-tanaka".to_owned())]);
    assert_eq!(by("facility_admin_issued", "forbidden"), vec![facility_actor.clone(); 2]);
    assert_eq!(by("enrolment_code_issued", "ok"), vec![facility_actor.clone(); 2]);
    assert_eq!(by("enrolment_code_issued", "forbidden"), vec![facility_actor.clone()]);
    assert_eq!(by("staff_code_issued", "ok"), vec![facility_actor.clone()]);
    assert_eq!(by("staff_code_issued", "forbidden"), vec![facility_actor]);
    // The devices' own calls name no admin.
    assert_eq!(by("enrol", "ok"), vec![None; 2]);
}

#[test]
fn a_facility_admin_revokes_its_own_devices_and_no_other_facilitys() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let own_kiosk = enrolled_kiosk(&api, 5);
    // The operator enrols a kiosk of another facility.
    let other_code = issue_code(&api, OTHER_FACILITY);
    let other_key = p256::ecdsa::SigningKey::from_slice(&[6; 32]).unwrap();
    let other_kiosk =
        block_on(api.enrol(&admin_request("/api/v1/devices/enrol", &enrol_request(&other_code, &other_key), None)))
            .unwrap();
    let admin = bearer(&facility_admin(&api, FACILITY, "it-vendor-3").token);
    let revoke = |id: &str| {
        let path = format!("/api/v1/admin/devices/{id}/revoke");
        block_on(api.revoke_device(&admin_request(&path, b"", Some(&admin)), id))
    };

    assert_eq!(revoke(&other_kiosk.device_id), Err(EdgeError::AdminForbidden));
    // The other facility's kiosk still works.
    let other = Kiosk { device_id: other_kiosk.device_id.clone(), key: other_key };
    assert!(block_on(api.issue_challenge(&other.request("/api/v1/challenge", b"", NOW))).is_ok());

    assert!(revoke(&own_kiosk.device_id).unwrap().revoked);
    assert_eq!(
        block_on(api.issue_challenge(&own_kiosk.request("/api/v1/challenge", b"", NOW))),
        Err(EdgeError::DeviceRevoked)
    );
    let revocations: Vec<_> =
        audited_actors(&ports).into_iter().filter(|(action, _, _)| action == "device_revoked").collect();
    let actor = Some(format!("facility-admin:{FACILITY}:it-vendor-3"));
    assert_eq!(
        revocations,
        vec![
            ("device_revoked".to_owned(), "forbidden".to_owned(), actor.clone()),
            ("device_revoked".to_owned(), "ok".to_owned(), actor)
        ]
    );
}

#[test]
fn only_a_live_credential_of_this_edge_opens_the_admin_routes() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let issued = facility_admin(&api, FACILITY, "事務長 佐藤");
    let body = facility_body(FACILITY);
    let issue_at = |authorization: &str, now: i64| {
        let mut request = admin_request(ENROLMENT_CODES, &body, Some(authorization));
        request.now_unix = now;
        block_on(api.issue_enrolment_code(&request))
    };
    assert!(issue_at(&bearer(&issued.token), issued.expires_at - 1).is_ok());
    assert_eq!(issue_at(&bearer(&issued.token), issued.expires_at), Err(EdgeError::AdminUnauthorized));

    // A staff session token of the same facility is not an admin credential.
    let staff = staff_desk(&api, FACILITY, 13);
    assert_eq!(issue_at(&staff.bearer, NOW), Err(EdgeError::AdminUnauthorized));

    // A credential another edge (another SESSION_KEY) issued is refused here.
    let elsewhere = config_with(&[("SESSION_KEY", "another-session-key-for-edge-tests-0123")]);
    let elsewhere_ports = FakePorts::new(origin());
    let foreign = facility_admin(&EdgeApi::new(&elsewhere, &elsewhere_ports), FACILITY, "x");
    assert_eq!(issue_at(&bearer(&foreign.token), NOW), Err(EdgeError::AdminUnauthorized));

    // The operator's request for a credential is checked like any body: a bad facility or holder is refused.
    for bad in [
        r#"{"facility_code":"0110113718","actor":"x"}"#,
        r#"{"facility_code":"0110113719","actor":""}"#,
        r#"{"facility_code":"0110113719"}"#,
        r#"{"facility_code":"0110113719","actor":"x","extra":1}"#,
    ] {
        let operator = bearer(ADMIN_TOKEN);
        let request = admin_request(FACILITY_ADMINS, bad.as_bytes(), Some(&operator));
        assert_eq!(block_on(api.issue_facility_admin(&request)), Err(EdgeError::BadRequest), "{bad}");
    }
    let body = br#"{"facility_code":"0110113719","actor":"x"}"#;
    let nobody = admin_request(FACILITY_ADMINS, body, None);
    assert_eq!(block_on(api.issue_facility_admin(&nobody)), Err(EdgeError::AdminUnauthorized));
}
