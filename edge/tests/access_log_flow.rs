//! The card holder's own access log, through the edge: after card + PIN, a page of which facilities read their
//! information, for the card of the session and nobody else. Run natively against in-memory ports and a scripted
//! origin, with the attacks as tests: a body that names another card or person, no session, a forged session, a
//! session of another kiosk, an expired one, a replayed proof, and a session opened by 目視 without the PIN.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::{ApiRequest, EdgeApi};
use onshi_proto::access_log::{AccessKind, AccessLogQuery};

mod support;

use support::*;

const PATH: &str = "/api/v1/access-log";

/// An origin that knows every certificate as good, approves a 目視 request, and answers an access-log page with
/// one read at a facility for [`CARD0_SERIAL`]'s holder and nothing for anyone else, as the real one does (the
/// person is found from the certificate).
fn origin() -> OriginScript {
    Box::new(|path, body| match path {
        path if let Some(answer) = good_card_or_approved_visual_check(path, body) => answer,
        "/v1/access-log" => {
            let query: AccessLogQuery = serde_json::from_slice(body).unwrap();
            let entries = if query.certificate.serial.as_str() == CARD0_SERIAL {
                serde_json::json!([{
                    "occurred_at": NOW - 3600, "facility_code": "1312345679",
                    "facility_name": "かすみがせき中央病院", "kind": "medication"
                }])
            } else {
                serde_json::json!([])
            };
            json(200, &serde_json::json!({ "entries": entries, "next": { "occurred_at": NOW - 3600, "id": "a1" } }))
        }
        _ => json(404, &serde_json::json!({ "error": "not_found", "message": "x" })),
    })
}

/// A request from `kiosk` at `now` carrying `bearer`.
fn with_session<'r>(kiosk: &Kiosk, body: &'r [u8], bearer: &'r str, now: i64) -> ApiRequest<'r> {
    let mut request = kiosk.request(PATH, body, now);
    request.authorization = Some(bearer);
    request
}

#[test]
fn a_card_holder_reads_their_own_log_page_by_page() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 31);
    let bearer = format!("Bearer {}", pin_session(&api, &kiosk).session_token);

    let first = block_on(api.access_log(&with_session(&kiosk, b"{}", &bearer, NOW))).unwrap();
    assert_eq!(first.entries.len(), 1);
    assert_eq!(first.entries[0].kind, AccessKind::Medication);
    let sent: AccessLogQuery = serde_json::from_slice(&ports.sent_to("/v1/access-log")[0]).unwrap();
    assert_eq!(sent.certificate.serial.as_str(), CARD0_SERIAL);
    assert_eq!(sent.facility_code.as_str(), FACILITY);
    assert_eq!(sent.device_id.as_str(), kiosk.device_id);
    assert_eq!(sent.before, None);

    // The next page starts where the answer said; the cursor is passed on as it came.
    let next = serde_json::to_vec(&serde_json::json!({ "before": first.next })).unwrap();
    block_on(api.access_log(&with_session(&kiosk, &next, &bearer, NOW))).unwrap();
    let sent: AccessLogQuery = serde_json::from_slice(&ports.sent_to("/v1/access-log")[1]).unwrap();
    assert_eq!(sent.before, first.next);

    // A body that names another card, a person or a facility, or a malformed cursor, is refused whole: the card
    // comes from the session and the facility from the kiosk.
    for smuggled in [
        r#"{"certificate":{"issuer":"CN=x","serial":"0C0FFEE1"}}"#,
        r#"{"person_id":"p-other"}"#,
        r#"{"facility_code":"1312345679"}"#,
        r#"{"before":{"occurred_at":-5,"id":"a1"}}"#,
    ] {
        let refused = block_on(api.access_log(&with_session(&kiosk, smuggled.as_bytes(), &bearer, NOW)));
        assert_eq!(refused, Err(EdgeError::BadRequest), "{smuggled}");
    }
    assert_eq!(ports.sent_to("/v1/access-log").len(), 2);
    // One audit event per request, refusals included, and none names the card.
    let events = ports.audit.borrow();
    assert_eq!(events.iter().filter(|event| event.contains("\"access_log\"")).count(), 6);
    assert!(events.iter().all(|event| !event.contains(CARD0_SERIAL)));
}

#[test]
fn the_log_needs_a_live_pin_session_of_the_same_kiosk_and_a_fresh_proof() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 32);
    let other_kiosk = enrolled_kiosk(&api, 33);
    let bearer = format!("Bearer {}", pin_session(&api, &kiosk).session_token);

    assert_eq!(block_on(api.access_log(&kiosk.request(PATH, b"{}", NOW))), Err(EdgeError::SessionInvalid));
    let forged = format!("{bearer}x");
    assert_eq!(block_on(api.access_log(&with_session(&kiosk, b"{}", &forged, NOW))), Err(EdgeError::SessionInvalid));
    assert_eq!(
        block_on(api.access_log(&with_session(&other_kiosk, b"{}", &bearer, NOW))),
        Err(EdgeError::SessionInvalid)
    );
    // The patient comes back to the screen too late: the session has expired.
    assert_eq!(
        block_on(api.access_log(&with_session(&kiosk, b"{}", &bearer, NOW + 300))),
        Err(EdgeError::SessionExpired)
    );
    // A captured request sent again is a replay.
    let once = with_session(&kiosk, b"{}", &bearer, NOW);
    assert!(block_on(api.access_log(&once)).is_ok());
    assert_eq!(block_on(api.access_log(&once)), Err(EdgeError::DeviceProofInvalid("replayed nonce")));
    // A session staff approved by 目視 shows the answer, but not the holder's log: that needs the PIN.
    let poll = br#"{"request_id":"abc123"}"#;
    let approved = block_on(api.visual_check_status(&kiosk.request("/api/v1/visual-check/status", poll, NOW))).unwrap();
    let visual = format!("Bearer {}", approved.session.unwrap().session_token);
    assert_eq!(block_on(api.access_log(&with_session(&kiosk, b"{}", &visual, NOW))), Err(EdgeError::PinRequired));
    assert_eq!(ports.sent_to("/v1/access-log").len(), 1);
}
