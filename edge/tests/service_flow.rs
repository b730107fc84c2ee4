//! The API use cases end to end over in-memory ports, with the virtual card's test PKI: a card key really signs
//! the issued challenge, and a fake origin checks the edge's request signatures.

// Test helpers unwrap: a panic is how a test reports a broken fixture.
#![allow(clippy::unwrap_used)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::challenge::{ChallengeId, IssuedChallenge, StoredChallenge};
use onshi_edge::config::EdgeConfig;
use onshi_edge::proxy::{OriginOutcome, OriginRequest};
use onshi_edge::service::{EdgeApi, EdgePorts};
use onshi_proto::api::{ChallengeResponse, SessionRequest};
use onshi_proto::origin::{CardQualificationQuery, CertificateStatusQuery};
use onshi_proto::qualification::{Guidance, QualificationAnswer, Reason, Validity};
use onshi_proto::{Base64Bytes, ErrorCode, IsoDate, signing};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};

const CA_PEM: &str = include_str!("../test/fixtures/test-pki/auth-ca.pem");
const CARD0_CERT: &[u8] = include_bytes!("../test/fixtures/test-pki/card-00.cert.der");
const CARD0_KEY: &[u8] = include_bytes!("../test/fixtures/test-pki/card-00.key.pk8");
const CARD1_KEY: &[u8] = include_bytes!("../test/fixtures/test-pki/card-01.key.pk8");
const CARD0_SERIAL: &str = "3B55F11D";
const TEST_CA_ISSUER: &str =
    "CN=onshi test auth CA,OU=JPKI for user authentication TEST,O=onshi test,C=JP";

const ORIGIN_KEY: &str = "origin-signing-key-for-edge-tests";
/// 2026-11-24T00:00:00Z, inside the test cards' validity (2025 .. 2030).
const NOW: i64 = 1_795_478_400;

type OriginScript = Box<dyn Fn(&str, &[u8]) -> OriginOutcome>;

struct FakePorts {
    next_random: Cell<u8>,
    challenges: RefCell<HashMap<String, StoredChallenge>>,
    origin: OriginScript,
    sent: RefCell<Vec<OriginRequest>>,
}

impl FakePorts {
    fn new(origin: OriginScript) -> Self {
        Self {
            next_random: Cell::new(1),
            challenges: RefCell::default(),
            origin,
            sent: RefCell::default(),
        }
    }
}

impl EdgePorts for FakePorts {
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), EdgeError> {
        // Distinct, predictable bytes per draw: enough to tell draws apart in a test.
        let seed = self.next_random.get();
        self.next_random.set(seed.wrapping_add(1));
        buffer
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = seed.wrapping_mul(31).wrapping_add(i as u8));
        Ok(())
    }

    async fn store_challenge(
        &self,
        challenge: &IssuedChallenge,
        _now: i64,
    ) -> Result<(), EdgeError> {
        let record = StoredChallenge {
            challenge: challenge.challenge.to_vec(),
            expires_at: challenge.expires_at,
            uses: 0,
        };
        self.challenges
            .borrow_mut()
            .insert(challenge.id.as_str().to_owned(), record);
        Ok(())
    }

    async fn count_challenge_use(
        &self,
        id: &ChallengeId,
        _now: i64,
    ) -> Result<Option<StoredChallenge>, EdgeError> {
        Ok(self
            .challenges
            .borrow_mut()
            .get_mut(id.as_str())
            .map(|record| {
                record.uses += 1;
                record.clone()
            }))
    }

    async fn send_to_origin(&self, request: OriginRequest, _timeout_ms: u32) -> OriginOutcome {
        let path = request
            .url
            .strip_prefix("http://origin.test")
            .unwrap_or("")
            .to_owned();
        let headers = signing::SignatureHeaders {
            timestamp: request
                .header(signing::TIMESTAMP_HEADER)
                .unwrap_or_default()
                .to_owned(),
            nonce: request
                .header(signing::NONCE_HEADER)
                .unwrap_or_default()
                .to_owned(),
            signature: request
                .header(signing::SIGNATURE_HEADER)
                .unwrap_or_default()
                .to_owned(),
        };
        let verified = signing::verify(
            ORIGIN_KEY.as_bytes(),
            "POST",
            &path,
            &headers,
            &request.body,
            NOW,
        );
        let outcome = if verified.is_ok() {
            (self.origin)(&path, &request.body)
        } else {
            OriginOutcome::Answered {
                status: 401,
                body: br#"{"error":"unauthorized","message":"x"}"#.to_vec(),
            }
        };
        self.sent.borrow_mut().push(request);
        outcome
    }
}

fn config() -> EdgeConfig {
    EdgeConfig::from_lookup(|name| {
        match name {
            "ORIGIN_URL" => Some("http://origin.test"),
            "ORIGIN_SIGNING_KEY" => Some(ORIGIN_KEY),
            "SESSION_KEY" => Some("session-key-for-edge-tests-0123456789"),
            "JPKI_AUTH_CA_PEM" => Some(CA_PEM),
            _ => None,
        }
        .map(str::to_owned)
    })
    .unwrap()
}

fn json(status: u16, value: &impl serde::Serialize) -> OriginOutcome {
    OriginOutcome::Answered {
        status,
        body: serde_json::to_vec(value).unwrap(),
    }
}

fn valid_answer() -> QualificationAnswer {
    QualificationAnswer {
        validity: Validity::NoQualification,
        reason: Reason::NotRegistered,
        guidance: Some(Guidance::ClaimForm),
        confirmation_date: IsoDate::parse("2026-11-24").unwrap(),
        records: vec![],
    }
}

/// An origin that knows one revoked serial and answers every qualification query with [`valid_answer`].
fn origin_with_revoked(revoked_serial: &'static str) -> OriginScript {
    Box::new(move |path, body| match path {
        "/v1/certificate-status" => {
            let query: CertificateStatusQuery = serde_json::from_slice(body).unwrap();
            let status = if query.certificate.serial == revoked_serial {
                "revoked"
            } else {
                "good"
            };
            json(200, &serde_json::json!({ "status": status }))
        }
        "/v1/qualification/by-certificate" => json(200, &valid_answer()),
        _ => json(
            404,
            &serde_json::json!({"error": "not_found", "message": "x"}),
        ),
    })
}

fn sign(key_pk8: &[u8], challenge: &ChallengeResponse) -> Vec<u8> {
    let key = SigningKey::<Sha256>::from_pkcs8_der(key_pk8).unwrap();
    key.sign(challenge.challenge.as_slice()).to_vec()
}

fn session_body(challenge: &ChallengeResponse, certificate: &[u8], signature: Vec<u8>) -> Vec<u8> {
    serde_json::to_vec(&SessionRequest {
        challenge_id: challenge.challenge_id.clone(),
        certificate: Base64Bytes(certificate.to_vec()),
        signature: Base64Bytes(signature),
    })
    .unwrap()
}

#[test]
fn challenge_then_session_then_qualification() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);

    let challenge = block_on(api.issue_challenge(NOW)).unwrap();
    assert_eq!(challenge.challenge.as_slice().len(), 32);
    assert_eq!(challenge.expires_at, NOW + 120);

    let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &challenge));
    let forwarded = vec![("accept-language".to_owned(), "ja".to_owned())];
    let session = block_on(api.open_session(&body, forwarded, NOW + 5)).unwrap();
    assert_eq!(session.expires_at, NOW + 5 + 300);

    let authorization = format!("Bearer {}", session.session_token);
    let request = br#"{"arbitrary_identifier":"visit-42"}"#;
    let answer =
        block_on(api.qualification(Some(&authorization), request, vec![], NOW + 10)).unwrap();
    assert_eq!(answer, valid_answer());

    let sent = ports.sent.borrow();
    assert_eq!(sent.len(), 2);
    let status_query: CertificateStatusQuery = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(status_query.certificate.serial, CARD0_SERIAL);
    assert_eq!(status_query.certificate.issuer, TEST_CA_ISSUER);
    assert_eq!(sent[0].header("accept-language"), Some("ja"));
    let query: CardQualificationQuery = serde_json::from_slice(&sent[1].body).unwrap();
    assert_eq!(query.certificate, status_query.certificate);
    assert_eq!(query.arbitrary_identifier.as_deref(), Some("visit-42"));
    assert!(
        sent.iter()
            .all(|request| request.header("authorization").is_none())
    );
    assert_ne!(
        sent[0].header(signing::NONCE_HEADER),
        sent[1].header(signing::NONCE_HEADER)
    );
}

#[test]
fn a_challenge_answers_once_and_only_in_time() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);

    let challenge = block_on(api.issue_challenge(NOW)).unwrap();
    let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &challenge));
    assert!(block_on(api.open_session(&body, vec![], NOW)).is_ok());
    assert_eq!(
        block_on(api.open_session(&body, vec![], NOW)),
        Err(EdgeError::ChallengeReplayed)
    );

    let late = block_on(api.issue_challenge(NOW)).unwrap();
    let body = session_body(&late, CARD0_CERT, sign(CARD0_KEY, &late));
    assert_eq!(
        block_on(api.open_session(&body, vec![], NOW + 121)),
        Err(EdgeError::ChallengeExpired)
    );

    let unknown = ChallengeResponse {
        challenge_id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        ..challenge
    };
    let body = session_body(&unknown, CARD0_CERT, sign(CARD0_KEY, &unknown));
    assert_eq!(
        block_on(api.open_session(&body, vec![], NOW)),
        Err(EdgeError::ChallengeUnknown)
    );
    assert_eq!(
        ports.sent.borrow().len(),
        1,
        "only the one good session reached the origin"
    );
}

#[test]
fn a_signature_by_another_card_or_a_revoked_certificate_gets_no_session() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked(CARD0_SERIAL));
    let api = EdgeApi::new(&config, &ports);

    let challenge = block_on(api.issue_challenge(NOW)).unwrap();
    let body = session_body(&challenge, CARD0_CERT, sign(CARD1_KEY, &challenge));
    assert_eq!(
        block_on(api.open_session(&body, vec![], NOW)),
        Err(EdgeError::SignatureInvalid)
    );

    let challenge = block_on(api.issue_challenge(NOW)).unwrap();
    let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &challenge));
    assert_eq!(
        block_on(api.open_session(&body, vec![], NOW)),
        Err(EdgeError::CertificateRevoked)
    );
}

#[test]
fn origin_failures_become_typed_errors() {
    let config = config();
    for (outcome, expected) in [
        (OriginOutcome::Unreachable, EdgeError::OriginUnavailable),
        (OriginOutcome::TimedOut, EdgeError::OriginTimeout),
        (
            OriginOutcome::Answered {
                status: 200,
                body: b"garbage".to_vec(),
            },
            EdgeError::OriginError { status: 200 },
        ),
    ] {
        let ports = FakePorts::new(Box::new(move |_, _| outcome.clone()));
        let api = EdgeApi::new(&config, &ports);
        let challenge = block_on(api.issue_challenge(NOW)).unwrap();
        let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &challenge));
        assert_eq!(
            block_on(api.open_session(&body, vec![], NOW)),
            Err(expected)
        );
    }

    let held = json(
        423,
        &serde_json::json!({"error": "record_held", "message": "x"}),
    );
    let ports = FakePorts::new(Box::new(move |path, body| {
        if path == "/v1/certificate-status" {
            origin_with_revoked("none")(path, body)
        } else {
            held.clone()
        }
    }));
    let api = EdgeApi::new(&config, &ports);
    let challenge = block_on(api.issue_challenge(NOW)).unwrap();
    let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &challenge));
    let session = block_on(api.open_session(&body, vec![], NOW)).unwrap();
    let authorization = format!("Bearer {}", session.session_token);
    let refused = block_on(api.qualification(Some(&authorization), b"", vec![], NOW)).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::RecordHeld);
}

#[test]
fn qualification_needs_a_live_session_of_this_edge() {
    let config = config();
    let ports = FakePorts::new(origin_with_revoked("none"));
    let api = EdgeApi::new(&config, &ports);
    let challenge = block_on(api.issue_challenge(NOW)).unwrap();
    let body = session_body(&challenge, CARD0_CERT, sign(CARD0_KEY, &challenge));
    let session = block_on(api.open_session(&body, vec![], NOW)).unwrap();
    let authorization = format!("Bearer {}", session.session_token);

    assert_eq!(
        block_on(api.qualification(None, b"", vec![], NOW)),
        Err(EdgeError::SessionInvalid)
    );
    let forged = format!("{}x", authorization);
    assert_eq!(
        block_on(api.qualification(Some(&forged), b"", vec![], NOW)),
        Err(EdgeError::SessionInvalid)
    );
    assert_eq!(
        block_on(api.qualification(Some(&authorization), b"", vec![], NOW + 300)),
        Err(EdgeError::SessionExpired)
    );
    assert_eq!(
        block_on(api.qualification(Some(&authorization), b"{", vec![], NOW)),
        Err(EdgeError::BadRequest)
    );
    let long_id = format!(r#"{{"arbitrary_identifier":"{}"}}"#, "x".repeat(65));
    assert_eq!(
        block_on(api.qualification(Some(&authorization), long_id.as_bytes(), vec![], NOW)),
        Err(EdgeError::BadRequest)
    );
    assert_eq!(
        ports.sent.borrow().len(),
        1,
        "no refused query reached the origin"
    );
}

#[test]
fn missing_or_unusable_bindings_are_configuration_errors() {
    let complete = |name: &str| match name {
        "ORIGIN_URL" => Some("http://origin.test".to_owned()),
        "ORIGIN_SIGNING_KEY" => Some(ORIGIN_KEY.to_owned()),
        "SESSION_KEY" => Some("s".repeat(32)),
        "JPKI_AUTH_CA_PEM" => Some(CA_PEM.to_owned()),
        _ => None,
    };
    let config = EdgeConfig::from_lookup(complete).unwrap();
    assert_eq!(config.origin_timeout_ms, 3_000);
    assert_eq!(config.trust_anchors.len(), 1);
    for (broken, value) in [
        ("ORIGIN_URL", None),
        ("SESSION_KEY", Some("short".to_owned())),
        ("JPKI_AUTH_CA_PEM", Some("not pem".to_owned())),
        ("ORIGIN_TIMEOUT_MS", Some("soon".to_owned())),
    ] {
        let lookup = |name: &str| {
            if name == broken {
                value.clone()
            } else {
                complete(name)
            }
        };
        let error = EdgeConfig::from_lookup(lookup).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Internal, "{broken}");
    }
    assert!(
        !format!("{config:?}").contains(ORIGIN_KEY),
        "secrets stay out of Debug output"
    );
}
