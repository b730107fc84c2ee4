//! A kiosk opening its card session and asking the qualification in one request: the same checks as the two
//! requests (device proof, the challenge's single use, the card, its revocation, the origin's query), one round trip,
//! one device check, one origin call (the status and the qualification together), and both audit events; a body
//! without the ask still only opens the session, with the status-only call.

// Test helpers unwrap: a panic is how a test reports a broken fixture.
#![allow(clippy::unwrap_used)]

use onshi_edge::EdgeError;
use onshi_edge::api::EdgeApi;
use onshi_proto::Base64Bytes;
use onshi_proto::ErrorCode;
use onshi_proto::api::{QualificationRequest, SessionRequest};
use onshi_proto::origin::CardQualificationQuery;
use onshi_proto::patient_mode::{PatientLanguage, PatientMode};

mod support;

use support::*;

const STATUS_PATH: &str = "/v1/certificate-status";
const BY_CERTIFICATE_PATH: &str = "/v1/qualification/by-certificate";
const STATUS_AND_QUALIFICATION_PATH: &str = "/v1/qualification/by-certificate/with-status";

/// An origin that gives every certificate `status` (`good`, `revoked` or `unknown`) and answers every
/// qualification query with [`answer`]; with `qualification_status` other than 200 it refuses the qualification
/// with that status (423 as the real origin refuses a held record). As the real one, its combined route decides
/// the status first and answers the qualification only for `good`.
fn origin(status: &'static str, qualification_status: u16) -> OriginScript {
    let refusal = move || {
        let code = if qualification_status == 423 { "record_held" } else { "unavailable" };
        json(qualification_status, &serde_json::json!({"error": code, "message": "x"}))
    };
    Box::new(move |path, _body| match path {
        STATUS_PATH => json(200, &serde_json::json!({ "status": status })),
        STATUS_AND_QUALIFICATION_PATH if status != "good" => json(200, &serde_json::json!({ "status": status })),
        STATUS_AND_QUALIFICATION_PATH if qualification_status == 200 => {
            json(200, &serde_json::json!({ "status": "good", "qualification": answer() }))
        }
        BY_CERTIFICATE_PATH if qualification_status == 200 => json(200, &answer()),
        STATUS_AND_QUALIFICATION_PATH | BY_CERTIFICATE_PATH => refusal(),
        _ => json(404, &serde_json::json!({"error": "not_found", "message": "x"})),
    })
}

/// The origin paths the edge called, in order.
fn paths_sent(ports: &FakePorts) -> Vec<String> {
    ports.sent.borrow().iter().map(|request| request.url.trim_start_matches("https://origin.test").to_owned()).collect()
}

/// A session request body over a fresh challenge signed by test card 0, asking `asked` with it.
fn body_asking<P: onshi_edge::api::EdgePorts>(
    api: &EdgeApi<'_, P>,
    kiosk: &Kiosk,
    asked: Option<QualificationRequest>,
) -> Vec<u8> {
    let challenge = kiosk.challenge(api, NOW);
    serde_json::to_vec(&SessionRequest {
        challenge_id: challenge.challenge_id.clone(),
        certificate: Base64Bytes(CARD0_CERT.to_vec()),
        signature: Base64Bytes(sign(CARD0_KEY, &kiosk.device_id, &challenge)),
        qualification: asked,
    })
    .unwrap()
}

/// The audit events of one action, as JSON values, in order.
fn audited(ports: &FakePorts, action: &str) -> Vec<serde_json::Value> {
    ports
        .audit
        .borrow()
        .iter()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|event| event["action"] == action)
        .collect()
}

/// The check-in's audit events (sessions and qualifications) as action and outcome, in order.
fn audit_trail(ports: &FakePorts) -> Vec<(String, String)> {
    ports
        .audit
        .borrow()
        .iter()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|event| event["action"] == "session" || event["action"] == "qualification")
        .map(|event| (event["action"].as_str().unwrap().to_owned(), event["outcome"].as_str().unwrap().to_owned()))
        .collect()
}

/// The trail of one session and its qualification, with their outcomes.
fn trail(session: &str, qualification: Option<&str>) -> Vec<(String, String)> {
    let mut trail = vec![("session".to_owned(), session.to_owned())];
    trail.extend(qualification.map(|outcome| ("qualification".to_owned(), outcome.to_owned())));
    trail
}

#[test]
fn one_request_and_one_origin_call_open_the_session_and_answer_the_qualification_of_a_good_card() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin("good", 200));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 41);
    let asked = QualificationRequest {
        arbitrary_identifier: Some("visit-7".to_owned()),
        patient_mode: PatientMode::new(Some(PatientLanguage::English), vec![]),
        use_recipient_certificates: false,
    };
    let body = body_asking(&api, &kiosk, Some(asked));

    let checks_before = ports.device_checks.get();
    let opened = kiosk.session(&api, &body, NOW + 1).unwrap();
    assert_eq!(ports.device_checks.get(), checks_before + 1, "one device check for the session and its answer");
    assert_eq!(opened.qualification, Some(answer()));
    assert_eq!(opened.expires_at, NOW + 1 + 300);

    // One origin call asked the status and the query together, for the certificate the card proved and this kiosk.
    assert_eq!(paths_sent(&ports), [STATUS_AND_QUALIFICATION_PATH]);
    let query: CardQualificationQuery =
        serde_json::from_slice(&ports.sent_to(STATUS_AND_QUALIFICATION_PATH)[0]).unwrap();
    assert_eq!(query.certificate.serial.as_str(), CARD0_SERIAL);
    assert_eq!(query.device_id.as_deref(), Some(kiosk.device_id.as_str()));
    assert_eq!(query.facility_code.as_deref(), Some(FACILITY));
    assert_eq!(query.arbitrary_identifier.as_deref(), Some("visit-7"));
    assert_eq!(query.patient_mode.language, Some(PatientLanguage::English));

    // Both use cases are audited, in order, for the same device and card.
    assert_eq!(audit_trail(&ports), trail("ok", Some("ok")));
    let (sessions, answers) = (audited(&ports, "session"), audited(&ports, "qualification"));
    for event in [&sessions[0], &answers[0]] {
        assert_eq!(event["device"], kiosk.device_id.as_str());
        assert_eq!(event["facility"], FACILITY);
    }
    assert_eq!(sessions[0]["certificate"], answers[0]["certificate"]);
    assert!(sessions[0]["certificate"].is_string());

    // The session it handed out works for the later calls, as a session opened alone does.
    let again = kiosk.qualification(&api, Some(&opened), b"", NOW + 2);
    assert_eq!(again, Ok(answer()));
    // The challenge was used once.
    assert_eq!(kiosk.session(&api, &body, NOW + 3), Err(EdgeError::ChallengeReplayed));
}

#[test]
fn a_session_request_without_the_ask_only_opens_the_session_as_older_kiosks_expect() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin("good", 200));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 42);
    // The body as a kiosk from before the field writes it: no `qualification` key at all.
    let body = body_asking(&api, &kiosk, None);
    assert!(!String::from_utf8(body.clone()).unwrap().contains("qualification"));

    let opened = kiosk.session(&api, &body, NOW).unwrap();
    assert_eq!(opened.qualification, None);
    assert!(!serde_json::to_string(&opened).unwrap().contains("qualification"), "the answer's shape is as before");
    // The status alone was asked: nothing that writes a check-in.
    assert_eq!(paths_sent(&ports), [STATUS_PATH]);
    assert!(audited(&ports, "qualification").is_empty());
    assert_eq!(kiosk.qualification(&api, Some(&opened), b"", NOW + 1), Ok(answer()));
}

#[test]
fn a_revoked_card_gets_no_session_and_no_qualification_even_with_soft_fail() {
    for soft_fail in ["false", "true"] {
        let config = config_with(&[("REVOCATION_SOFT_FAIL", soft_fail)]);
        let ports = FakePorts::new(origin("revoked", 200));
        let api = EdgeApi::new(&config, &ports);
        let kiosk = enrolled_kiosk(&api, 43);
        let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
        assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::CertificateRevoked), "soft fail {soft_fail}");
        assert_eq!(paths_sent(&ports), [STATUS_AND_QUALIFICATION_PATH], "no second call for a revoked card");
        assert_eq!(audit_trail(&ports), trail("certificate_revoked", None), "no session, so no qualification event");
        assert!(ports.warnings.borrow().is_empty());
        // The same body again: its challenge is used up, so nothing reaches the origin this time.
        assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::ChallengeReplayed));
        assert_eq!(paths_sent(&ports).len(), 1);
        // Another kiosk cannot answer this kiosk's challenge either.
        let other = enrolled_kiosk(&api, 44);
        let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
        assert!(other.session(&api, &body, NOW).is_err());
        assert_eq!(paths_sent(&ports).len(), 1);
    }
}

#[test]
fn an_unknown_certificate_fails_closed_with_the_ask_as_without_it() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin("unknown", 200));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 47);
    let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::CertificateStatusUnknown));
    assert_eq!(paths_sent(&ports), [STATUS_AND_QUALIFICATION_PATH]);
    assert_eq!(audit_trail(&ports), trail("certificate_untrusted", None));
    assert!(ports.warnings.borrow().is_empty());
    // Without the ask, the status-only call refuses it the same way.
    let body = body_asking(&api, &kiosk, None);
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::CertificateStatusUnknown));
}

#[test]
fn an_unknown_certificate_let_through_by_soft_fail_is_warned_about_and_asked_with_the_plain_call() {
    let config = config_with(&[("REVOCATION_SOFT_FAIL", "true")]);
    let ports = FakePorts::new(origin("unknown", 200));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 48);
    let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
    let opened = kiosk.session(&api, &body, NOW).unwrap();
    assert_eq!(opened.qualification, Some(answer()));
    // The combined call answered the status without a qualification, so the plain call asked it.
    assert_eq!(paths_sent(&ports), [STATUS_AND_QUALIFICATION_PATH, BY_CERTIFICATE_PATH]);
    assert_eq!(audit_trail(&ports), trail("ok", Some("ok")));
    let warnings = ports.warnings.borrow();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("REVOCATION_SOFT_FAIL"), "{warnings:?}");
    assert!(!warnings[0].contains(CARD0_SERIAL), "the warning names no card: {warnings:?}");
}

#[test]
fn a_failed_combined_call_fails_the_session_and_a_held_record_fails_the_qualification() {
    // An origin that cannot answer leaves the status undecided: the session fails, after the one retry.
    let config = config_with(&[]);
    let ports = FakePorts::new(origin("good", 503));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 45);
    let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
    let refused = kiosk.session(&api, &body, NOW).unwrap_err();
    assert_eq!(refused, EdgeError::OriginError { status: 503 });
    assert_eq!(paths_sent(&ports), [STATUS_AND_QUALIFICATION_PATH, STATUS_AND_QUALIFICATION_PATH]);
    assert_eq!(audit_trail(&ports), trail(refused.code().as_str(), None));

    // A held record is refused only after its status passed: the session's event is ok, the refusal is the
    // qualification's, and the request answers it, as when the qualification was asked on its own.
    let ports = FakePorts::new(origin("good", 423));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 49);
    let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::OriginRefused(ErrorCode::RecordHeld)));
    assert_eq!(paths_sent(&ports), [STATUS_AND_QUALIFICATION_PATH]);
    assert_eq!(audit_trail(&ports), trail("ok", Some("record_held")));
}

#[test]
fn an_ask_the_qualification_route_refuses_is_refused_after_the_status_only_check() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin("good", 200));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 46);
    let asked = QualificationRequest { arbitrary_identifier: Some("x".repeat(65)), ..QualificationRequest::default() };
    let body = body_asking(&api, &kiosk, Some(asked));
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::BadRequest));
    assert_eq!(paths_sent(&ports), [STATUS_PATH], "nothing that writes a check-in was asked");
    assert_eq!(audit_trail(&ports), trail("ok", Some("bad_request")));
}
