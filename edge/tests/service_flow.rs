//! The API use cases end to end over in-memory ports, with the virtual card's test PKI: a card key really signs
//! the issued challenge, an enrolled device's P-256 key really signs every request, and a fake origin checks the
//! edge's request signatures.

// Test helpers unwrap: a panic is how a test reports a broken fixture.
#![allow(clippy::unwrap_used)]

use std::cell::Cell;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::{ApiRequest, EdgeApi};
use onshi_edge::auth::device::{DeviceId, DeviceProofHeaders};
use onshi_edge::auth::enrolment_code::{CodeKind, EnrolmentCode};
use onshi_edge::config::EdgeConfig;
use onshi_edge::proxy::OriginOutcome;
use onshi_proto::api::{ChallengeResponse, EnrolRequest, SessionResponse};
use onshi_proto::facility::FacilityCode;
use onshi_proto::origin::{CardQualificationQuery, CertificateStatusQuery};
use onshi_proto::qualification::{Guidance, QualificationAnswer, Reason, Validity};
use onshi_proto::{Base64Bytes, ErrorCode, IsoDate, signing};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};

mod support;

use support::*;

fn config() -> EdgeConfig {
    config_with(&[("RATE_LIMIT_PER_DEVICE", "8"), ("RATE_LIMIT_PER_FACILITY", "12"), ("RATE_LIMIT_WINDOW_SECS", "60")])
}

fn valid_answer() -> QualificationAnswer {
    QualificationAnswer {
        validity: Validity::NoQualification,
        reason: Reason::NotRegistered,
        guidance: Some(Guidance::ClaimForm),
        confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
        records: vec![],
        public_expense: Vec::new(),
        certificates_on_offer: false,
        specific_disease_consent: Default::default(),
        specific_disease_question_due: false,
    }
}

/// An origin that knows one revoked serial and answers every qualification query with [`valid_answer`].
fn origin_with_revoked(revoked_serial: &'static str) -> OriginScript {
    Box::new(move |path, body| match path {
        "/v1/certificate-status" => {
            let query: CertificateStatusQuery = serde_json::from_slice(body).unwrap();
            let status = if query.certificate.serial.as_str() == revoked_serial { "revoked" } else { "good" };
            json(200, &serde_json::json!({ "status": status }))
        }
        "/v1/qualification/by-certificate" => json(200, &valid_answer()),
        _ => json(404, &serde_json::json!({"error": "not_found", "message": "x"})),
    })
}

#[test]
fn enrol_then_challenge_then_session_then_qualification() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);

    let challenge = kiosk.challenge(&api, NOW);
    assert_eq!(challenge.challenge.as_slice().len(), 32);
    assert_eq!(challenge.expires_at, NOW + 120);

    let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &kiosk.device_id, &challenge));
    let mut request = kiosk.request("/api/v1/session", &body, NOW + 5);
    request.forwarded = vec![("accept-language".to_owned(), "ja".to_owned())];
    let session = block_on(api.open_session(&request)).unwrap();
    assert_eq!(session.expires_at, NOW + 5 + 300);

    let answer =
        kiosk.qualification(&api, Some(&session), br#"{"arbitrary_identifier":"visit-42"}"#, NOW + 10).unwrap();
    assert_eq!(answer, valid_answer());

    let sent = ports.sent.borrow();
    assert_eq!(sent.len(), 2);
    let status_query: CertificateStatusQuery = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(status_query.certificate.serial.as_str(), CARD0_SERIAL);
    assert_eq!(status_query.certificate.issuer.as_str(), TEST_CA_ISSUER);
    assert_eq!(sent[0].header("accept-language"), Some("ja"));
    let query: CardQualificationQuery = serde_json::from_slice(&sent[1].body).unwrap();
    assert_eq!(query.certificate, status_query.certificate);
    assert_eq!(query.arbitrary_identifier.as_deref(), Some("visit-42"));
    assert_eq!(query.facility_code.as_deref(), Some(FACILITY));
    assert_eq!(query.device_id.as_deref(), Some(kiosk.device_id.as_str()));
    assert!(sent.iter().all(|request| request.header("authorization").is_none()));
    assert_ne!(sent[0].header(signing::NONCE_HEADER), sent[1].header(signing::NONCE_HEADER));
}

#[test]
fn an_edge_signing_for_another_deployment_is_refused_by_an_origin_that_shares_its_secret() {
    // The scripted origin is the default deployment. An edge that names it explicitly opens the session; an edge
    // configured for staging with the same secret is refused, and nothing it sends is taken.
    for (audience, opens) in [("onshi", true), ("staging", false)] {
        let config = config_with(&[("ORIGIN_AUDIENCE", audience)]);
        let ports = FakePorts::new(origin_with_revoked("none"));
        let api = EdgeApi::new(&config, &ports);
        let kiosk = enrolled_kiosk(&api, 7);
        let challenge = kiosk.challenge(&api, NOW);
        let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &kiosk.device_id, &challenge));
        let opened = block_on(api.open_session(&kiosk.request("/api/v1/session", &body, NOW + 5)));
        assert_eq!(opened.is_ok(), opens, "{audience}: {opened:?}");
        if !opens {
            assert!(
                matches!(
                    opened,
                    Err(EdgeError::OriginUnverified { status: 401 } | EdgeError::OriginError { status: 401 })
                ),
                "{opened:?}"
            );
        }
    }
}

#[test]
fn audit_events_record_every_decision_without_personal_data() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked(CARD0_SERIAL));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::CertificateRevoked));

    let events: Vec<serde_json::Value> =
        ports.audit.borrow().iter().map(|line| serde_json::from_str(line).unwrap()).collect();
    let summary: Vec<(&str, &str)> =
        events.iter().map(|event| (event["action"].as_str().unwrap(), event["outcome"].as_str().unwrap())).collect();
    assert_eq!(
        summary,
        [("enrolment_code_issued", "ok"), ("enrol", "ok"), ("challenge", "ok"), ("session", "certificate_revoked"),]
    );
    let session_event = &events[3];
    assert_eq!(session_event["device"], kiosk.device_id.as_str());
    assert_eq!(session_event["facility"], FACILITY);
    assert_eq!(session_event["certificate"].as_str().unwrap().len(), 32);
    let everything = ports.audit.borrow().join("\n");
    for personal in [CARD0_SERIAL, "onshi test auth CA", &URL_SAFE_NO_PAD.encode(CARD0_CERT)[..40]] {
        assert!(!everything.contains(personal), "{personal} leaked into {everything}");
    }
}

/// A network between edge and origin that rewrites every `revoked` certificate status to `good`, keeping the
/// signature that came with the answer.
fn rewriting_network(outcome: OriginOutcome) -> OriginOutcome {
    match outcome {
        OriginOutcome::Answered { status, body, signature } => {
            let text = String::from_utf8(body).unwrap().replace("revoked", "good");
            OriginOutcome::Answered { status, body: text.into_bytes(), signature }
        }
        other => other,
    }
}

#[test]
fn an_answer_rewritten_between_origin_and_edge_opens_nothing_and_says_nothing() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked(CARD0_SERIAL));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    // Untouched, the origin's `revoked` stands.
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::CertificateRevoked));

    // Turned into `good` on the way, it opens no session: the answer no longer matches the origin's signature.
    *ports.in_between.borrow_mut() = Some(Box::new(rewriting_network));
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::OriginUnverified { status: 200 }));
    assert_eq!(EdgeError::OriginUnverified { status: 200 }.code(), ErrorCode::OriginError);
    assert!(ports.warnings.borrow().iter().any(|warning| warning.contains("without the origin's signature")));

    // A card the origin calls good still opens a session, but a rewritten qualification answer is not shown.
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    let session = kiosk.session(&api, &body, NOW).unwrap();
    assert_eq!(kiosk.qualification(&api, Some(&session), b"", NOW), Ok(valid_answer()));
    *ports.in_between.borrow_mut() = Some(Box::new(|outcome| match outcome {
        // An old answer, or one from somewhere else, with no signature or a made-up one.
        OriginOutcome::Answered { status, body, .. } => {
            OriginOutcome::Answered { status, body, signature: Some("00".repeat(32)) }
        }
        other => other,
    }));
    assert_eq!(kiosk.qualification(&api, Some(&session), b"", NOW), Err(EdgeError::OriginUnverified { status: 200 }));
}

#[test]
fn a_balancers_unsigned_503_is_retried_as_before() {
    // A balancer in front of two origin replicas finds neither for a moment and says 503 itself, unsigned.
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    let first = std::cell::Cell::new(true);
    *ports.in_between.borrow_mut() = Some(Box::new(move |outcome| {
        if first.replace(false) {
            OriginOutcome::Answered { status: 503, body: b"no replica is reachable".to_vec(), signature: None }
        } else {
            outcome
        }
    }));
    assert!(kiosk.session(&api, &body, NOW).is_ok());
    assert_eq!(ports.sent_to("/v1/certificate-status").len(), 2);
}

#[test]
fn an_enrolment_code_works_once_and_only_for_a_valid_key() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let key = p256::ecdsa::SigningKey::from_slice(&[5; 32]).unwrap();
    let code = issue_code(&api, FACILITY);
    assert_eq!(code.len(), 14, "three groups of four, e.g. K7QM-4XRD-9TWP: {code}");

    // A broken key is refused before the code is redeemed, so the code survives the mistake.
    let broken = serde_json::to_vec(&EnrolRequest {
        code: code.clone(),
        public_key: Base64Bytes(b"not a key".to_vec()),
        role: None,
    })
    .unwrap();
    let enrol = |body: &[u8]| block_on(api.enrol(&admin_request("/api/v1/devices/enrol", body, None)));
    assert_eq!(enrol(&broken), Err(EdgeError::BadRequest));
    let typed_sloppily = code.to_lowercase().replace('-', " ");
    assert!(enrol(&enrol_request(&typed_sloppily, &key)).is_ok());
    assert_eq!(enrol(&enrol_request(&code, &key)), Err(EdgeError::EnrolmentCodeInvalid("already used")));
    assert_eq!(enrol(&enrol_request("2345-6789-ABCD", &key)), Err(EdgeError::EnrolmentCodeInvalid("unknown")));
    assert_eq!(enrol(b"{"), Err(EdgeError::BadRequest));
    assert_eq!(EdgeError::EnrolmentCodeInvalid("unknown").http_status(), 401);
}

#[test]
fn an_enrolment_code_is_stored_under_a_keyed_key_and_one_issued_before_still_redeems_once() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let key = p256::ecdsa::SigningKey::from_slice(&[6; 32]).unwrap();
    let enrol =
        |code: &str| block_on(api.enrol(&admin_request("/api/v1/devices/enrol", &enrol_request(code, &key), None)));

    // The store holds the new code under its keyed key alone, never under the unkeyed one a reader could search.
    let code = issue_code(&api, FACILITY);
    let [keyed, unkeyed] =
        config.code_lookup.redeem_under(CodeKind::Enrolment, &EnrolmentCode::parse(&code).unwrap()).unwrap();
    assert_eq!(ports.codes.borrow().keys().collect::<Vec<_>>(), vec![&keyed]);
    assert_ne!(keyed, unkeyed);

    // A code the release before issued sits under the unkeyed key: the admin's note from yesterday still works, once.
    let before = issue_code(&api, FACILITY);
    let [keyed, unkeyed] =
        config.code_lookup.redeem_under(CodeKind::Enrolment, &EnrolmentCode::parse(&before).unwrap()).unwrap();
    let record = ports.codes.borrow_mut().remove(&keyed).unwrap();
    ports.codes.borrow_mut().insert(unkeyed, record);
    assert!(enrol(&before).is_ok());
    assert_eq!(enrol(&before), Err(EdgeError::EnrolmentCodeInvalid("already used")));

    // And the new one redeems once too.
    assert!(enrol(&code).is_ok());
    assert_eq!(enrol(&code), Err(EdgeError::EnrolmentCodeInvalid("already used")));
}

#[test]
fn only_the_admin_issues_codes_and_only_for_valid_facility_codes() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let good = br#"{"facility_code":"0110113719"}"#;
    let path = "/api/v1/admin/enrolment-codes";
    for authorization in [None, Some("Bearer wrong-token-wrong-token-wrong")] {
        assert_eq!(
            block_on(api.issue_enrolment_code(&admin_request(path, good, authorization))),
            Err(EdgeError::AdminUnauthorized)
        );
    }
    let admin = format!("Bearer {ADMIN_TOKEN}");
    for bad in [&br#"{"facility_code":"0110113718"}"#[..], br#"{"facility_code":"011011371"}"#, b"{}"] {
        assert_eq!(
            block_on(api.issue_enrolment_code(&admin_request(path, bad, Some(&admin)))),
            Err(EdgeError::BadRequest)
        );
    }
    assert!(ports.codes.borrow().is_empty());
    let issued = block_on(api.issue_enrolment_code(&admin_request(path, good, Some(&admin)))).unwrap();
    assert_eq!(issued.expires_at, NOW + 24 * 3600);
    let stored_keys: Vec<String> = ports.codes.borrow().keys().cloned().collect();
    assert!(
        stored_keys.iter().all(|key| !key.contains(&issued.code.replace('-', ""))),
        "the store keeps only a hash of the code"
    );
}

#[test]
fn unknown_forged_and_revoked_devices_are_refused() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let challenge_of = |request: &ApiRequest<'_>| block_on(api.issue_challenge(request));

    let mut no_proof = kiosk.request("/api/v1/challenge", b"", NOW);
    no_proof.device_proof = DeviceProofHeaders::default();
    assert_eq!(challenge_of(&no_proof), Err(EdgeError::DeviceProofInvalid("no device id")));

    let stranger = Kiosk {
        device_id: DeviceId::from_random(&FacilityCode::parse(FACILITY).unwrap(), &[0xee; 16]).as_str().to_owned(),
        key: kiosk.key.clone(),
    };
    assert_eq!(challenge_of(&stranger.request("/api/v1/challenge", b"", NOW)), Err(EdgeError::DeviceUnknown));

    let impostor =
        Kiosk { device_id: kiosk.device_id.clone(), key: p256::ecdsa::SigningKey::from_slice(&[8; 32]).unwrap() };
    assert_eq!(
        challenge_of(&impostor.request("/api/v1/challenge", b"", NOW)),
        Err(EdgeError::DeviceProofInvalid("signature does not verify"))
    );
    // A proof made for another path does not carry over.
    let mut moved = kiosk.request("/api/v1/session", b"", NOW);
    moved.path = "/api/v1/challenge";
    assert_eq!(challenge_of(&moved), Err(EdgeError::DeviceProofInvalid("signature does not verify")));

    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    let session = kiosk.session(&api, &body, NOW).unwrap();

    let admin = format!("Bearer {ADMIN_TOKEN}");
    let revoke_path = format!("/api/v1/admin/devices/{}/revoke", kiosk.device_id);
    let revoke = |id: &str, authorization: Option<&str>| {
        block_on(api.revoke_device(&admin_request(&revoke_path, b"", authorization), id))
    };
    assert_eq!(revoke(&kiosk.device_id, None), Err(EdgeError::AdminUnauthorized));
    assert!(revoke(&kiosk.device_id, Some(&admin)).unwrap().revoked);
    assert_eq!(revoke(stranger.device_id.as_str(), Some(&admin)), Err(EdgeError::NotFound));
    assert_eq!(revoke("nonsense", Some(&admin)), Err(EdgeError::NotFound));

    // Revocation also stops the session that was opened before it.
    assert_eq!(kiosk.qualification(&api, Some(&session), b"", NOW), Err(EdgeError::DeviceRevoked));
    assert_eq!(challenge_of(&kiosk.request("/api/v1/challenge", b"", NOW)), Err(EdgeError::DeviceRevoked));
}

#[test]
fn a_device_confirms_its_enrolment_until_the_edge_no_longer_knows_it() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let path = onshi_proto::api::DEVICE_PATH;
    let confirm = |request: &ApiRequest<'_>| block_on(api.confirm_device(request));

    // A known device gets an empty answer, which the adapter sends as 204; only GET is routed.
    let known = kiosk.request_with("GET", path, b"", NOW);
    assert_eq!(confirm(&known), Ok(()));
    let use_case = onshi_edge::routes::route("GET", path).unwrap();
    let again = kiosk.request_with("GET", path, b"", NOW);
    assert_eq!(block_on(api.handle(&use_case, &again)), Ok(Vec::new()));
    // The same proof a second time is a replay.
    assert_eq!(confirm(&known), Err(EdgeError::DeviceProofInvalid("replayed nonce")));
    assert_eq!(onshi_edge::routes::route("POST", path), None);

    // A proof over POST does not pass for GET; a request without a proof is refused before anything is looked up.
    let mut moved = kiosk.request_with("POST", path, b"", NOW);
    moved.method = "GET";
    assert_eq!(confirm(&moved), Err(EdgeError::DeviceProofInvalid("signature does not verify")));
    let mut no_proof = kiosk.request_with("GET", path, b"", NOW);
    no_proof.device_proof = DeviceProofHeaders::default();
    assert_eq!(confirm(&no_proof), Err(EdgeError::DeviceProofInvalid("no device id")));

    // An identity this edge never enrolled (a browser that outlived a restarted demo edge) and a revoked one are
    // both device_not_enrolled, the code that sends the kiosk to its enrolment screen.
    let stranger = Kiosk {
        device_id: DeviceId::from_random(&FacilityCode::parse(FACILITY).unwrap(), &[0xee; 16]).as_str().to_owned(),
        key: kiosk.key.clone(),
    };
    let unknown = confirm(&stranger.request_with("GET", path, b"", NOW));
    assert_eq!(unknown, Err(EdgeError::DeviceUnknown));
    assert_eq!(unknown.unwrap_err().to_api_error().error, ErrorCode::DeviceNotEnrolled);
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let revoke_path = format!("/api/v1/admin/devices/{}/revoke", kiosk.device_id);
    block_on(api.revoke_device(&admin_request(&revoke_path, b"", Some(&admin)), &kiosk.device_id)).unwrap();
    let revoked = confirm(&kiosk.request_with("GET", path, b"", NOW));
    assert_eq!(revoked, Err(EdgeError::DeviceRevoked));
    assert_eq!(revoked.unwrap_err().to_api_error().error, ErrorCode::DeviceNotEnrolled);

    let outcomes: Vec<serde_json::Value> = ports
        .audit
        .borrow()
        .iter()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|event| event["action"] == "device_confirmed")
        .map(|event| event["outcome"].clone())
        .collect();
    assert_eq!(
        outcomes,
        ["ok", "ok", "unauthorized", "unauthorized", "unauthorized", "device_not_enrolled", "device_not_enrolled"]
    );
}

#[test]
fn a_session_is_bound_to_the_device_that_opened_it() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let first = enrolled_kiosk(&api, 7);
    let second = enrolled_kiosk(&api, 9);
    let body = first.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    let session = first.session(&api, &body, NOW).unwrap();
    assert_eq!(second.qualification(&api, Some(&session), b"", NOW), Err(EdgeError::SessionInvalid));
    assert!(first.qualification(&api, Some(&session), b"", NOW).is_ok());
}

#[test]
fn devices_and_facilities_are_rate_limited_per_minute() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let first = enrolled_kiosk(&api, 7);
    let second = enrolled_kiosk(&api, 9);
    let ask = |kiosk: &Kiosk, now| block_on(api.issue_challenge(&kiosk.request("/api/v1/challenge", b"", now)));
    for _ in 0..8 {
        assert!(ask(&first, NOW).is_ok());
    }
    assert_eq!(ask(&first, NOW), Err(EdgeError::RateLimited("device")));
    // The facility has counted 9 so far (the refused one included); its limit is 12.
    for _ in 0..3 {
        assert!(ask(&second, NOW).is_ok());
    }
    assert_eq!(ask(&second, NOW), Err(EdgeError::RateLimited("facility")));
    assert_eq!(EdgeError::RateLimited("facility").code(), ErrorCode::RateLimited);
    // The next minute starts afresh.
    assert!(ask(&first, NOW + 60).is_ok());
    // Forged proofs are not counted against the device.
    let impostor =
        Kiosk { device_id: second.device_id.clone(), key: p256::ecdsa::SigningKey::from_slice(&[1; 32]).unwrap() };
    for _ in 0..20 {
        assert!(matches!(ask(&impostor, NOW + 120), Err(EdgeError::DeviceProofInvalid(_))));
    }
    assert!(ask(&second, NOW + 120).is_ok());
}

#[test]
fn a_challenge_answers_once_and_only_in_time() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);

    let challenge = kiosk.challenge(&api, NOW);
    let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &kiosk.device_id, &challenge));
    assert!(kiosk.session(&api, &body, NOW).is_ok());
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::ChallengeReplayed));

    let late = kiosk.challenge(&api, NOW);
    let body = session_body(&late, CARD0_CERT, sign(CARD0_KEY, &kiosk.device_id, &late));
    assert_eq!(kiosk.session(&api, &body, NOW + 121), Err(EdgeError::ChallengeExpired));

    let unknown = ChallengeResponse { challenge_id: "AAAAAAAAAAAAAAAAAAAAAA".into(), ..challenge };
    let body = session_body(&unknown, CARD0_CERT, sign(CARD0_KEY, &kiosk.device_id, &unknown));
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::ChallengeUnknown));
    assert_eq!(ports.sent.borrow().len(), 1, "only the one good session reached the origin");
}

#[test]
fn a_challenge_is_answered_only_on_the_device_that_asked_for_it() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let asking = enrolled_kiosk(&api, 7);
    let other = enrolled_kiosk(&api, 8);

    let challenge = asking.challenge(&api, NOW);
    // The answer the card made on the asking kiosk, and one it made naming the other kiosk: neither opens a
    // session there, and neither burns the challenge.
    for signed_for in [&asking.device_id, &other.device_id] {
        let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, signed_for, &challenge));
        assert_eq!(other.session(&api, &body, NOW), Err(EdgeError::ChallengeUnknown));
    }
    // Signed for another kiosk, the asking kiosk's own challenge does not verify either.
    let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &other.device_id, &challenge));
    assert_eq!(asking.session(&api, &body, NOW), Err(EdgeError::SignatureInvalid));
    let fresh = asking.challenge(&api, NOW);
    let body = session_body(&fresh, CARD0_CERT, sign(CARD0_KEY, &asking.device_id, &fresh));
    assert!(asking.session(&api, &body, NOW).is_ok());
}

#[test]
fn a_session_checks_its_device_and_uses_its_challenge_in_one_store_call_and_a_forged_proof_uses_none() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);

    // The kiosk's id with another key's proof: refused by the store, and the challenge is still unused.
    let impostor =
        Kiosk { device_id: kiosk.device_id.clone(), key: p256::ecdsa::SigningKey::from_slice(&[9; 32]).unwrap() };
    assert!(matches!(impostor.session(&api, &body, NOW), Err(EdgeError::DeviceProofInvalid(_))));
    // A body that does not read is refused after the device was checked, as before the fold, and uses nothing.
    let checks_before = ports.device_checks.get();
    assert_eq!(kiosk.session(&api, b"{", NOW), Err(EdgeError::BadRequest));
    assert_eq!(ports.device_checks.get(), checks_before + 1, "the device is checked before the body is judged");

    let (checks_before, uses_before) = (ports.device_checks.get(), ports.challenge_use_calls.get());
    assert!(
        kiosk.session(&api, &body, NOW).is_ok(),
        "the forged and the unreadable requests left the challenge unused"
    );
    assert_eq!(ports.device_checks.get(), checks_before + 1);
    assert_eq!(ports.challenge_use_calls.get(), uses_before, "the challenge was used in the device check's store call");
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::ChallengeReplayed));
}

#[test]
fn a_card_signature_over_the_bare_challenge_opens_no_session() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let challenge = kiosk.challenge(&api, NOW);
    let key = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::from_pkcs8_der(CARD0_KEY).unwrap();
    let body = session_body(&challenge, CARD0_CERT, key.sign(challenge.challenge.as_slice()).to_vec());
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::SignatureInvalid));
}

#[test]
fn a_signature_by_another_card_or_a_revoked_certificate_gets_no_session() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked(CARD0_SERIAL));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);

    let challenge = kiosk.challenge(&api, NOW);
    let body = session_body(&challenge, CARD0_CERT, sign(CARD1_KEY, &kiosk.device_id, &challenge));
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::SignatureInvalid));

    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::CertificateRevoked));
}

#[test]
fn origin_failures_become_typed_errors() {
    let config = config();
    for (outcome, expected) in [
        (OriginOutcome::Unreachable, EdgeError::OriginUnavailable),
        (OriginOutcome::TimedOut, EdgeError::OriginTimeout),
        (
            OriginOutcome::Answered { status: 200, body: b"garbage".to_vec(), signature: None },
            EdgeError::OriginError { status: 200 },
        ),
    ] {
        let ports = FakePorts::new(Box::new(move |_, _| outcome.clone()));
        let api = EdgeApi::new(&config, &ports);
        let kiosk = enrolled_kiosk(&api, 7);
        let challenge = kiosk.challenge(&api, NOW);
        let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &kiosk.device_id, &challenge));
        assert_eq!(kiosk.session(&api, &body, NOW), Err(expected));
    }

    let held = json(423, &serde_json::json!({"error": "record_held", "message": "x"}));
    let ports = FakePorts::new(Box::new(move |path, body| {
        if path == "/v1/certificate-status" { origin_with_revoked("none")(path, body) } else { held.clone() }
    }));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    let session = kiosk.session(&api, &body, NOW).unwrap();
    let refused = kiosk.qualification(&api, Some(&session), b"", NOW).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::RecordHeld);
}

#[test]
fn origin_reads_are_retried_once_after_a_failed_connection_but_not_after_a_timeout() {
    let config = config();
    for (first, second, expected_sends, expected) in [
        (OriginOutcome::Unreachable, None, 2, Ok(())),
        (OriginOutcome::Answered { status: 503, body: b"busy".to_vec(), signature: None }, None, 2, Ok(())),
        (OriginOutcome::Unreachable, Some(OriginOutcome::Unreachable), 2, Err(EdgeError::OriginUnavailable)),
        (OriginOutcome::TimedOut, None, 1, Err(EdgeError::OriginTimeout)),
    ] {
        let calls = std::rc::Rc::new(Cell::new(0_u32));
        let counted = calls.clone();
        let ports = FakePorts::new(Box::new(move |path, body| {
            counted.set(counted.get() + 1);
            match (counted.get(), &second) {
                (1, _) => first.clone(),
                (_, Some(again)) => again.clone(),
                _ => origin_with_revoked("none")(path, body),
            }
        }));
        let api = EdgeApi::new(&config, &ports);
        let kiosk = enrolled_kiosk(&api, 7);
        let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
        assert_eq!(kiosk.session(&api, &body, NOW).map(|_| ()), expected);
        assert_eq!(calls.get(), expected_sends);
        let sent = ports.sent.borrow();
        if sent.len() == 2 {
            assert_ne!(
                sent[0].header(signing::NONCE_HEADER),
                sent[1].header(signing::NONCE_HEADER),
                "a retry is signed afresh"
            );
        }
    }
}

#[test]
fn qualification_needs_a_live_session_of_this_edge() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    let session = kiosk.session(&api, &body, NOW).unwrap();

    assert_eq!(kiosk.qualification(&api, None, b"", NOW), Err(EdgeError::SessionInvalid));
    let forged = SessionResponse { session_token: format!("{}x", session.session_token), ..session.clone() };
    assert_eq!(kiosk.qualification(&api, Some(&forged), b"", NOW), Err(EdgeError::SessionInvalid));
    assert_eq!(kiosk.qualification(&api, Some(&session), b"", NOW + 300), Err(EdgeError::SessionExpired));
    assert_eq!(kiosk.qualification(&api, Some(&session), b"{", NOW), Err(EdgeError::BadRequest));
    let long_id = format!(r#"{{"arbitrary_identifier":"{}"}}"#, "x".repeat(65));
    assert_eq!(kiosk.qualification(&api, Some(&session), long_id.as_bytes(), NOW), Err(EdgeError::BadRequest));
    assert_eq!(ports.sent.borrow().len(), 1, "no refused query reached the origin");
}

#[test]
fn missing_or_unusable_bindings_are_configuration_errors() {
    let complete = |name: &str| match name {
        "ORIGIN_URL" => Some("https://origin.test".to_owned()),
        "ORIGIN_SIGNING_KEY" => Some(ORIGIN_KEY.to_owned()),
        "SESSION_KEY" => Some("s".repeat(32)),
        "JPKI_AUTH_CA_PEM" => Some(CA_PEM.to_owned()),
        "ENVIRONMENT" => Some("development".to_owned()),
        _ => None,
    };
    let config = EdgeConfig::from_lookup(complete).unwrap();
    assert_eq!(config.origin_timeout_ms, 3_000);
    assert_eq!(config.trust_anchors.len(), 1);
    // A staff session may make as many calls as its console unless told otherwise, the console's limit as set.
    assert_eq!(config.rate_limits.per_staff_session, config.rate_limits.per_device);
    // Staff sessions idle out after fifteen minutes unless told otherwise.
    assert_eq!(config.staff_idle.secs(), 15 * 60);
    let device_set = |name: &str| if name == "RATE_LIMIT_PER_DEVICE" { Some("7".to_owned()) } else { complete(name) };
    assert_eq!(EdgeConfig::from_lookup(device_set).unwrap().rate_limits.per_staff_session, 7);
    let both_set = |name: &str| match name {
        "RATE_LIMIT_PER_STAFF_SESSION" => Some("3".to_owned()),
        other => device_set(other),
    };
    let both = EdgeConfig::from_lookup(both_set).unwrap().rate_limits;
    assert_eq!((both.per_device, both.per_staff_session), (7, 3));
    for (broken, value) in [
        ("ORIGIN_URL", None),
        ("SESSION_KEY", Some("short".to_owned())),
        ("JPKI_AUTH_CA_PEM", Some("not pem".to_owned())),
        ("ORIGIN_TIMEOUT_MS", Some("soon".to_owned())),
        ("ADMIN_TOKEN", Some("too-short".to_owned())),
        ("RATE_LIMIT_PER_DEVICE", Some("0".to_owned())),
        ("RATE_LIMIT_PER_FACILITY", Some("lots".to_owned())),
        ("RATE_LIMIT_PER_STAFF_SESSION", Some("0".to_owned())),
        ("STAFF_IDLE_SECS", Some("0".to_owned())),
        ("STAFF_IDLE_SECS", Some("3601".to_owned())),
        ("ORIGIN_SIGNING_KEY", Some("thirty-one-bytes-is-still-short".to_owned())),
        ("ORIGIN_AUDIENCE", Some("Production Tokyo".to_owned())),
        ("KIOSK_ORIGINS", Some("http://kiosk.example".to_owned())),
    ] {
        let lookup = |name: &str| {
            if name == broken { value.clone() } else { complete(name) }
        };
        let error = EdgeConfig::from_lookup(lookup).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Internal, "{broken}");
    }
    assert!(!format!("{config:?}").contains(ORIGIN_KEY), "secrets stay out of Debug output");
}

/// An origin whose status service cannot say anything about any certificate (RFC 6960's `unknown`).
fn origin_answering_unknown() -> OriginScript {
    Box::new(|path, _body| match path {
        "/v1/certificate-status" => json(200, &serde_json::json!({ "status": "unknown" })),
        "/v1/qualification/by-certificate" => json(200, &valid_answer()),
        _ => json(404, &serde_json::json!({"error": "not_found", "message": "x"})),
    })
}

#[test]
fn a_certificate_whose_status_is_not_good_opens_no_session() {
    let config = config();
    let ports = FakePorts::new(origin_answering_unknown());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    let refused = kiosk.session(&api, &body, NOW).unwrap_err();
    assert_eq!(refused.to_api_error().error, ErrorCode::CertificateUntrusted);
    assert_eq!(refused.http_status(), 401);
    assert!(ports.sent_to("/v1/qualification/by-certificate").is_empty());
    let last: serde_json::Value = serde_json::from_str(ports.audit.borrow().last().unwrap()).unwrap();
    assert_eq!((last["action"].as_str(), last["outcome"].as_str()), (Some("session"), Some("certificate_untrusted")));
}

#[test]
fn the_revocation_soft_fail_setting_lets_an_unknown_status_pass_with_a_warning() {
    let config = config_with(&[("REVOCATION_SOFT_FAIL", "true")]);
    let ports = FakePorts::new(origin_answering_unknown());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    let session = kiosk.session(&api, &body, NOW).unwrap();
    assert_eq!(kiosk.qualification(&api, Some(&session), b"", NOW + 1), Ok(valid_answer()));
    let warnings = ports.warnings.borrow();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("REVOCATION_SOFT_FAIL"), "{warnings:?}");
    assert!(!warnings[0].contains(CARD0_SERIAL), "the warning names no card: {warnings:?}");

    // Soft-fail lets `unknown` through, never `revoked`.
    let ports = FakePorts::new(origin_with_revoked(CARD0_SERIAL));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = kiosk.answered_challenge(&api, CARD0_CERT, CARD0_KEY, NOW);
    assert_eq!(kiosk.session(&api, &body, NOW), Err(EdgeError::CertificateRevoked));
}

#[test]
fn revocation_soft_fail_is_off_unless_set_to_true_and_refuses_other_words() {
    assert!(!config().revocation_soft_fail);
    assert!(config_with(&[("REVOCATION_SOFT_FAIL", "true")]).revocation_soft_fail);
    assert!(!config_with(&[("REVOCATION_SOFT_FAIL", "false")]).revocation_soft_fail);
    for word in ["yes", "1", "TRUE "] {
        let error = EdgeConfig::from_lookup(|name| match name {
            "REVOCATION_SOFT_FAIL" => Some(word.to_owned()),
            "ENVIRONMENT" => Some("development".to_owned()),
            "ORIGIN_URL" => Some("https://origin.test".to_owned()),
            "ORIGIN_SIGNING_KEY" => Some(ORIGIN_KEY.to_owned()),
            "SESSION_KEY" => Some(SESSION_KEY.to_owned()),
            "JPKI_AUTH_CA_PEM" => Some(CA_PEM.to_owned()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(error.code(), ErrorCode::Internal, "{word}");
    }
}

const JLIS_AUTH_CA_2015: &str = include_str!("data/jpki-myna-ta/auth_ca_2015.pem");
const TEST_ROOT_CA: &[u8] = include_bytes!("../../shared/vcard/data/test-pki/root-ca.der");
const TEST_AUTH_CA_BY_ROOT: &[u8] = include_bytes!("../../shared/vcard/data/test-pki/auth-ca.by-root.der");

fn pem_of(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|line| std::str::from_utf8(line).unwrap()).collect();
    format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
}

/// The bindings of a complete configuration with these anchors, in this environment (`None`: unset).
fn lookup_with(anchors: String, environment: Option<&'static str>) -> impl Fn(&str) -> Option<String> {
    move |name| match name {
        "ORIGIN_URL" => Some("https://origin.test".to_owned()),
        "ORIGIN_SIGNING_KEY" => Some(ORIGIN_KEY.to_owned()),
        "SESSION_KEY" => Some(SESSION_KEY.to_owned()),
        "JPKI_AUTH_CA_PEM" => Some(anchors.clone()),
        "ENVIRONMENT" => environment.map(str::to_owned),
        _ => None,
    }
}

#[test]
fn production_refuses_to_start_with_the_committed_test_ca_among_its_anchors() {
    // Unset means production: a deployment that forgets the variable gets the strict rules.
    for environment in [None, Some("production")] {
        let error = EdgeConfig::from_lookup(lookup_with(CA_PEM.to_owned(), environment)).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Internal, "{environment:?}");
        assert!(error.to_string().contains("test"), "{error}");
        // Hidden among real anchors, or re-issued under another name with the same key, it is still found.
        let mixed = format!("{JLIS_AUTH_CA_2015}{CA_PEM}");
        assert!(EdgeConfig::from_lookup(lookup_with(mixed, environment)).is_err(), "{environment:?}");
        for other in [TEST_ROOT_CA, TEST_AUTH_CA_BY_ROOT] {
            assert!(EdgeConfig::from_lookup(lookup_with(pem_of(other), environment)).is_err(), "{environment:?}");
        }
        // The J-LIS roots are what production trusts.
        assert!(EdgeConfig::from_lookup(lookup_with(JLIS_AUTH_CA_2015.to_owned(), environment)).is_ok());
    }
    // Development trusts the virtual card's test CA.
    let development = EdgeConfig::from_lookup(lookup_with(CA_PEM.to_owned(), Some("development"))).unwrap();
    assert_eq!(development.trust_anchors.len(), 1);
    // Any other word is a configuration error, not a silent fallback.
    let typo = EdgeConfig::from_lookup(lookup_with(JLIS_AUTH_CA_2015.to_owned(), Some("prod"))).unwrap_err();
    assert_eq!(typo.code(), ErrorCode::Internal);
}

#[test]
fn unauthenticated_guesses_are_throttled_per_client_and_forged_device_ids_reach_no_store() {
    let config = config_with(&[("RATE_LIMIT_PER_CLIENT", "3"), ("RATE_LIMIT_WINDOW_SECS", "60")]);
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let guess = |client: &'static str, code: &str| {
        let body = enrol_request(code, &key);
        let mut request = admin_request("/api/v1/devices/enrol", &body, None);
        request.client = Some(client);
        block_on(api.enrol(&request)).map(|_| ())
    };
    for code in ["2345-6789-ABCD", "2345-6789-ABCE", "2345-6789-ABCF"] {
        assert_eq!(guess("203.0.113.7", code), Err(EdgeError::EnrolmentCodeInvalid("unknown")));
    }
    assert_eq!(guess("203.0.113.7", "2345-6789-ABCG"), Err(EdgeError::RateLimited("client")));
    assert_eq!(EdgeError::RateLimited("client").to_api_error().error, ErrorCode::RateLimited);
    // Staff login guesses from the same client share its budget; another client has its own.
    let console = enrolled_staff_console(&api, FACILITY, 9);
    let login = |client: &'static str| {
        let mut request = console.request("/api/v1/staff/login", br#"{"code":"2345-6789-ABCH"}"#, NOW);
        request.client = Some(client);
        block_on(api.staff_login(&request)).map(|_| ())
    };
    assert_eq!(login("203.0.113.7"), Err(EdgeError::RateLimited("client")));
    assert_eq!(login("198.51.100.1"), Err(EdgeError::EnrolmentCodeInvalid("unknown")));

    // Device ids this edge never issued are refused before any store is asked, and counted per client.
    let kiosk = enrolled_kiosk(&api, 8);
    let checks_before = ports.device_checks.get();
    let forged = |index: u8| Kiosk {
        device_id: DeviceId::from_random(&FacilityCode::parse("1310000011").unwrap(), &[index; 16]).as_str().to_owned(),
        key: kiosk.key.clone(),
    };
    let ask = |kiosk: &Kiosk| {
        let mut request = kiosk.request("/api/v1/challenge", b"", NOW);
        request.client = Some("192.0.2.9");
        block_on(api.issue_challenge(&request)).map(|_| ())
    };
    for index in 0..3 {
        assert_eq!(ask(&forged(index)), Err(EdgeError::DeviceUnknown));
    }
    assert_eq!(ask(&forged(3)), Err(EdgeError::RateLimited("client")));
    assert_eq!(ports.device_checks.get(), checks_before, "no forged id reached a facility store");
    // The enrolled kiosk, from that same address, is not held back: its id is one this edge issued.
    assert_eq!(ask(&kiosk), Ok(()));
}
