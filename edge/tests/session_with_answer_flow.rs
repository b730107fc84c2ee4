//! A kiosk opening its card session and asking the qualification in one request: the same checks as the two
//! requests (device proof, the challenge's single use, the card, its revocation, the origin's query), one round trip,
//! one device check, and both audit events; a body without the ask still only opens the session.

// Test helpers unwrap: a panic is how a test reports a broken fixture.
#![allow(clippy::unwrap_used)]

use onshi_edge::EdgeError;
use onshi_edge::api::EdgeApi;
use onshi_proto::Base64Bytes;
use onshi_proto::api::{QualificationRequest, SessionRequest};
use onshi_proto::origin::CardQualificationQuery;
use onshi_proto::patient_mode::{PatientLanguage, PatientMode};

mod support;

use support::*;

const STATUS_PATH: &str = "/v1/certificate-status";
const BY_CERTIFICATE_PATH: &str = "/v1/qualification/by-certificate";

/// An origin that calls every certificate good (or, with `revoked`, revoked) and answers every qualification query
/// with [`answer`]; with `qualification_status` other than 200 it refuses the qualification with that status.
fn origin(revoked: bool, qualification_status: u16) -> OriginScript {
    Box::new(move |path, _body| match path {
        STATUS_PATH => json(200, &serde_json::json!({ "status": if revoked { "revoked" } else { "good" } })),
        BY_CERTIFICATE_PATH if qualification_status == 200 => json(200, &answer()),
        BY_CERTIFICATE_PATH => json(qualification_status, &serde_json::json!({"error": "unavailable", "message": "x"})),
        _ => json(404, &serde_json::json!({"error": "not_found", "message": "x"})),
    })
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

#[test]
fn one_request_opens_the_session_and_answers_the_qualification_after_the_revocation_check() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin(false, 200));
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

    // The revocation check came first, then the query, for the certificate the card proved and this kiosk.
    let sent: Vec<String> = ports.sent.borrow().iter().map(|request| request.url.clone()).collect();
    assert_eq!(
        sent,
        [format!("https://origin.test{STATUS_PATH}"), format!("https://origin.test{BY_CERTIFICATE_PATH}")]
    );
    let query: CardQualificationQuery = serde_json::from_slice(&ports.sent_to(BY_CERTIFICATE_PATH)[0]).unwrap();
    assert_eq!(query.certificate.serial.as_str(), CARD0_SERIAL);
    assert_eq!(query.device_id.as_deref(), Some(kiosk.device_id.as_str()));
    assert_eq!(query.facility_code.as_deref(), Some(FACILITY));
    assert_eq!(query.arbitrary_identifier.as_deref(), Some("visit-7"));
    assert_eq!(query.patient_mode.language, Some(PatientLanguage::English));

    // Both use cases are audited, in order, for the same device and card.
    let (sessions, answers) = (audited(&ports, "session"), audited(&ports, "qualification"));
    assert_eq!((sessions.len(), answers.len()), (1, 1));
    for event in [&sessions[0], &answers[0]] {
        assert_eq!(event["outcome"], "ok");
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
    let ports = FakePorts::new(origin(false, 200));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 42);
    // The body as a kiosk from before the field writes it: no `qualification` key at all.
    let body = body_asking(&api, &kiosk, None);
    assert!(!String::from_utf8(body.clone()).unwrap().contains("qualification"));

    let opened = kiosk.session(&api, &body, NOW).unwrap();
    assert_eq!(opened.qualification, None);
    assert!(!serde_json::to_string(&opened).unwrap().contains("qualification"), "the answer's shape is as before");
    assert!(ports.sent_to(BY_CERTIFICATE_PATH).is_empty());
    assert!(audited(&ports, "qualification").is_empty());
    assert_eq!(kiosk.qualification(&api, Some(&opened), b"", NOW + 1), Ok(answer()));
}

#[test]
fn a_revoked_card_or_a_refused_challenge_is_never_asked_about() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin(true, 200));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 43);
    let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::CertificateRevoked));
    // The same body again: its challenge is used up, so nothing reaches the origin this time.
    let sent_before = ports.sent.borrow().len();
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::ChallengeReplayed));
    assert_eq!(ports.sent.borrow().len(), sent_before);
    // Another kiosk cannot answer this kiosk's challenge either.
    let other = enrolled_kiosk(&api, 44);
    let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
    assert!(other.session(&api, &body, NOW).is_err());
    assert!(ports.sent_to(BY_CERTIFICATE_PATH).is_empty());
    assert!(audited(&ports, "qualification").is_empty(), "no session, so no qualification was attempted");
}

#[test]
fn a_qualification_that_fails_fails_the_request_with_its_own_code_and_audit_event() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin(false, 503));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 45);
    let body = body_asking(&api, &kiosk, Some(QualificationRequest::default()));
    let refused = kiosk.session(&api, &body, NOW).unwrap_err();
    assert_eq!(refused, EdgeError::OriginError { status: 503 });
    assert_eq!(audited(&ports, "session")[0]["outcome"], "ok");
    assert_eq!(audited(&ports, "qualification")[0]["outcome"], refused.code().as_str());

    // An ask the qualification route would refuse is refused here too, after the session's checks.
    let ports = FakePorts::new(origin(false, 200));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 46);
    let asked = QualificationRequest { arbitrary_identifier: Some("x".repeat(65)), ..QualificationRequest::default() };
    let body = body_asking(&api, &kiosk, Some(asked));
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::BadRequest));
    assert!(ports.sent_to(BY_CERTIFICATE_PATH).is_empty());
}
