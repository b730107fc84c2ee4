//! What a patient takes back, through the edge: a consent withdrawn at the kiosk after card + PIN or recorded by
//! staff of the same facility, and a 健康保険証利用登録 cancelled after card + PIN. Run natively against in-memory
//! ports and a scripted origin, with the attacks as tests: a staff session of another facility, a body that names
//! another card or facility, a session of another kiosk, a replayed proof, an expired session, and a session
//! opened without the PIN.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::{ApiRequest, EdgeApi};
use onshi_proto::ErrorCode;
use onshi_proto::origin::ConsentKind;
use onshi_proto::withdrawal::{ConsentWithdrawal, RegistrationCancelOutcome, RegistrationCancelRequest, WithdrawalBy};

mod support;

use support::*;

/// The only check-in the scripted origin knows, a check-in of [`FACILITY`].
const CHECKIN: &str = "checkin-1";
/// Another facility, with a valid check digit.
/// An origin that knows every certificate as good, answers withdrawals as the real one does (a staff withdrawal
/// finds [`CHECKIN`] only within [`FACILITY`]) and cancels registrations.
fn origin() -> OriginScript {
    Box::new(|path, body| match path {
        path if let Some(answer) = good_card_or_approved_visual_check(path, body) => answer,
        "/v1/consent/withdraw" => {
            let withdrawal: ConsentWithdrawal = serde_json::from_slice(body).unwrap();
            match withdrawal.by {
                WithdrawalBy::Staff { checkin_id, .. }
                    if checkin_id.as_str() != CHECKIN || withdrawal.facility_code.as_str() != FACILITY =>
                {
                    json(404, &serde_json::json!({ "error": "not_found", "message": "x" }))
                }
                _ => json(200, &serde_json::json!({ "withdrawn": ["comprehensive"], "withdrawn_at": NOW })),
            }
        }
        "/v1/registration/cancel" => json(200, &serde_json::json!({ "outcome": "cancelled" })),
        _ => json(404, &serde_json::json!({ "error": "not_found", "message": "x" })),
    })
}

/// A request from `kiosk` at `now` carrying `session`'s bearer token.
fn with_session<'r>(kiosk: &Kiosk, path: &'r str, body: &'r [u8], bearer: &'r str, now: i64) -> ApiRequest<'r> {
    let mut request = kiosk.request(path, body, now);
    request.authorization = Some(bearer);
    request
}

const CONFIRMED: &[u8] = br#"{"confirmed":true}"#;

#[test]
fn a_patient_withdraws_at_the_kiosk_for_its_facility_with_the_card_of_the_session() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 21);
    let session = pin_session(&api, &kiosk);
    let bearer = format!("Bearer {}", session.session_token);

    // Pressing withdraw without confirming on the screen that says what it means sends nothing.
    let unconfirmed = br#"{"confirmed":false}"#;
    let refused =
        block_on(api.withdraw_consent(&with_session(&kiosk, "/api/v1/consent/withdraw", unconfirmed, &bearer, NOW)));
    assert_eq!(refused, Err(EdgeError::BadRequest));
    // A body that names a card or a facility is refused whole: both come from the credentials.
    for smuggled in [
        r#"{"confirmed":true,"facility_code":"1312345679"}"#,
        r#"{"confirmed":true,"certificate":{"issuer":"CN=x","serial":"01"}}"#,
    ] {
        let request = with_session(&kiosk, "/api/v1/consent/withdraw", smuggled.as_bytes(), &bearer, NOW);
        assert_eq!(block_on(api.withdraw_consent(&request)), Err(EdgeError::BadRequest), "{smuggled}");
    }
    assert!(ports.sent_to("/v1/consent/withdraw").is_empty());

    let withdrawn =
        block_on(api.withdraw_consent(&with_session(&kiosk, "/api/v1/consent/withdraw", CONFIRMED, &bearer, NOW)))
            .unwrap();
    assert_eq!(withdrawn.withdrawn, vec![ConsentKind::Comprehensive]);
    let sent: ConsentWithdrawal = serde_json::from_slice(&ports.sent_to("/v1/consent/withdraw")[0]).unwrap();
    assert_eq!(sent.facility_code.as_str(), FACILITY);
    match sent.by {
        WithdrawalBy::Card { certificate, device_id } => {
            assert_eq!(certificate.serial.as_str(), CARD0_SERIAL);
            assert_eq!(device_id.as_str(), kiosk.device_id);
        }
        WithdrawalBy::Staff { .. } => panic!("a kiosk withdrawal was sent as a staff one"),
    }
    // One audit event for each request, refusals included, and none names the card.
    let events = ports.audit.borrow();
    assert_eq!(events.iter().filter(|event| event.contains("\"consent_withdrawal\"")).count(), 4);
    assert!(events.iter().all(|event| !event.contains(CARD0_SERIAL)));
}

#[test]
fn a_withdrawal_needs_a_live_pin_session_of_the_same_kiosk_and_a_fresh_proof() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 22);
    let other_kiosk = enrolled_kiosk(&api, 23);
    let session = pin_session(&api, &kiosk);
    let bearer = format!("Bearer {}", session.session_token);
    let path = "/api/v1/consent/withdraw";

    // No session, a forged one, and one of another kiosk: refused.
    assert_eq!(block_on(api.withdraw_consent(&kiosk.request(path, CONFIRMED, NOW))), Err(EdgeError::SessionInvalid));
    let forged = format!("{bearer}x");
    assert_eq!(
        block_on(api.withdraw_consent(&with_session(&kiosk, path, CONFIRMED, &forged, NOW))),
        Err(EdgeError::SessionInvalid)
    );
    assert_eq!(
        block_on(api.withdraw_consent(&with_session(&other_kiosk, path, CONFIRMED, &bearer, NOW))),
        Err(EdgeError::SessionInvalid)
    );
    // The patient answers late: the session has expired.
    assert_eq!(
        block_on(api.withdraw_consent(&with_session(&kiosk, path, CONFIRMED, &bearer, NOW + 300))),
        Err(EdgeError::SessionExpired)
    );
    // A captured request sent again is a replay, refused before the origin hears of it a second time.
    let once = with_session(&kiosk, path, CONFIRMED, &bearer, NOW);
    assert!(block_on(api.withdraw_consent(&once)).is_ok());
    assert_eq!(block_on(api.withdraw_consent(&once)), Err(EdgeError::DeviceProofInvalid("replayed nonce")));
    assert_eq!(ports.sent_to("/v1/consent/withdraw").len(), 1);

    // A session staff approved by 目視 proves nothing about the holder's wish: the PIN is needed.
    let poll = br#"{"request_id":"abc123"}"#;
    let approved = block_on(api.visual_check_status(&kiosk.request("/api/v1/visual-check/status", poll, NOW))).unwrap();
    let visual = format!("Bearer {}", approved.session.unwrap().session_token);
    assert_eq!(
        block_on(api.withdraw_consent(&with_session(&kiosk, path, CONFIRMED, &visual, NOW))),
        Err(EdgeError::PinRequired)
    );
    assert_eq!(
        block_on(api.cancel_registration(&with_session(
            &kiosk,
            "/api/v1/registration/cancel",
            CONFIRMED,
            &visual,
            NOW
        ))),
        Err(EdgeError::PinRequired)
    );
    assert_eq!(ports.sent_to("/v1/consent/withdraw").len(), 1);
    assert!(ports.sent_to("/v1/registration/cancel").is_empty());
}

#[test]
fn staff_withdraw_for_a_check_in_of_their_facility_only() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let path = "/api/v1/staff/consent/withdraw";
    let body = format!(r#"{{"checkin_id":"{CHECKIN}"}}"#);

    let own = staff_desk(&api, FACILITY, 61);
    let withdrawn = block_on(api.staff_withdraw_consent(&own.request("POST", path, body.as_bytes(), NOW))).unwrap();
    assert_eq!(withdrawn.withdrawn, vec![ConsentKind::Comprehensive]);
    let sent: ConsentWithdrawal = serde_json::from_slice(&ports.sent_to("/v1/consent/withdraw")[0]).unwrap();
    assert_eq!(sent.facility_code.as_str(), FACILITY);
    assert!(matches!(sent.by, WithdrawalBy::Staff { ref checkin_id, .. } if checkin_id.as_str() == CHECKIN));

    // Staff of another facility name the same check-in: the facility sent is their own, and the origin finds
    // nothing there.
    let other = staff_desk(&api, OTHER_FACILITY, 62);
    let refused = block_on(api.staff_withdraw_consent(&other.request("POST", path, body.as_bytes(), NOW)));
    assert_eq!(refused, Err(EdgeError::OriginRefused(ErrorCode::NotFound)));
    let sent: ConsentWithdrawal = serde_json::from_slice(&ports.sent_to("/v1/consent/withdraw")[1]).unwrap();
    assert_eq!(sent.facility_code.as_str(), OTHER_FACILITY);
    // Nor can they name the facility in the body.
    let smuggled = format!(r#"{{"checkin_id":"{CHECKIN}","facility_code":"{FACILITY}"}}"#);
    let refused = block_on(api.staff_withdraw_consent(&other.request("POST", path, smuggled.as_bytes(), NOW)));
    assert_eq!(refused, Err(EdgeError::BadRequest));

    // A card session, a kiosk's, or an admin's credential is not a staff session; neither is a logged-out one.
    let kiosk = enrolled_kiosk(&api, 24);
    let card = format!("Bearer {}", pin_session(&api, &kiosk).session_token);
    let admin = format!("Bearer {ADMIN_TOKEN}");
    for bearer in [card.as_str(), admin.as_str()] {
        let mut request = own.request("POST", path, body.as_bytes(), NOW);
        request.authorization = Some(bearer);
        let refused = block_on(api.staff_withdraw_consent(&request));
        assert_eq!(refused, Err(EdgeError::SessionInvalid), "{bearer}");
    }
    block_on(api.staff_logout(&own.request("POST", "/api/v1/staff/logout", b"", NOW))).unwrap();
    let refused = block_on(api.staff_withdraw_consent(&own.request("POST", path, body.as_bytes(), NOW)));
    assert_eq!(refused, Err(EdgeError::SessionInvalid));
    assert_eq!(ports.sent_to("/v1/consent/withdraw").len(), 2);
    let events = ports.audit.borrow();
    assert_eq!(events.iter().filter(|event| event.contains("\"staff_consent_withdrawal\"")).count(), 6);
}

#[test]
fn a_card_holder_cancels_only_their_own_registration_after_confirming() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 25);
    let session = pin_session(&api, &kiosk);
    let bearer = format!("Bearer {}", session.session_token);
    let path = "/api/v1/registration/cancel";

    // Declining on the confirmation screen sends nothing; a body naming another card is refused whole.
    for refused_body in [
        r#"{"confirmed":false}"#,
        r#"{"confirmed":true,"certificate":{"issuer":"CN=x","serial":"0C0FFEE1"}}"#,
        r#"{"confirmed":true,"serial":"0C0FFEE1"}"#,
    ] {
        let request = with_session(&kiosk, path, refused_body.as_bytes(), &bearer, NOW);
        assert_eq!(block_on(api.cancel_registration(&request)), Err(EdgeError::BadRequest), "{refused_body}");
    }
    assert!(ports.sent_to("/v1/registration/cancel").is_empty());
    assert_eq!(
        block_on(api.cancel_registration(&with_session(&kiosk, path, CONFIRMED, &bearer, NOW + 300))),
        Err(EdgeError::SessionExpired)
    );

    let answer = block_on(api.cancel_registration(&with_session(&kiosk, path, CONFIRMED, &bearer, NOW))).unwrap();
    assert_eq!(answer.outcome, RegistrationCancelOutcome::Cancelled);
    let sent: RegistrationCancelRequest = serde_json::from_slice(&ports.sent_to("/v1/registration/cancel")[0]).unwrap();
    assert_eq!(sent.certificate.serial.as_str(), CARD0_SERIAL, "the card of the session, and no other");
    assert_eq!(sent.facility_code.as_str(), FACILITY);
    assert_eq!(sent.device_id.as_str(), kiosk.device_id);
    let events = ports.audit.borrow();
    assert_eq!(events.iter().filter(|event| event.contains("\"registration_cancel\"")).count(), 5);
}

#[test]
fn the_new_routes_are_in_the_route_table() {
    use onshi_edge::routes::{UseCase, route};
    assert_eq!(route("POST", "/api/v1/consent/withdraw"), Some(UseCase::WithdrawConsent));
    assert_eq!(route("POST", "/api/v1/staff/consent/withdraw"), Some(UseCase::StaffWithdrawConsent));
    assert_eq!(route("POST", "/api/v1/registration/cancel"), Some(UseCase::CancelRegistration));
    assert_eq!(route("GET", "/api/v1/registration/cancel"), None);
}
