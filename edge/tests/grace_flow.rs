//! A card whose 利用者証明用 certificate has expired, within three calendar months (to the end of the third month
//! after its expiry month), still opens a session, scoped to the qualification: the edge asks the origin for the
//! qualification with that scope, and refuses consent and 健康保険証利用登録 itself, without asking the origin. Past
//! the grace it is refused as expired; revocation is checked either way; a certificate expiring within three months
//! opens a full session and says in how many days.

// Test helpers unwrap: a panic is how a test reports a broken fixture.
#![allow(clippy::unwrap_used)]

use der::DateTime;
use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::EdgeApi;
use onshi_proto::api::SessionResponse;
use onshi_proto::origin::{CardQualificationQuery, CardScope, CertificateStatusQuery, ExpiryNotice};
use onshi_proto::{ErrorCode, IsoDate};
use x509_cert::time::Time;

mod support;

use support::*;

/// The test card 00's certificate, issued again by the test CA to end at 23:59:59 in Japan on `year-month-day`.
fn card_ending(year: u16, month: u8, day: u8) -> Vec<u8> {
    let not_before = Time::from(DateTime::new(2021, 4, 1, 0, 0, 0).unwrap());
    // 23:59:59 in Japan is 14:59:59 UTC the same day.
    let not_after = Time::from(DateTime::new(year, month, day, 14, 59, 59).unwrap());
    onshi_vcard::test_pki::reissue_user_certificate(CARD0_CERT, not_before, not_after).unwrap()
}

/// An origin that knows `revoked` as revoked, every other certificate as good, answers the qualification, and
/// would record consents and registrations (the edge must not get that far with a grace session).
fn origin(revoked: &'static str) -> OriginScript {
    Box::new(move |path, body| match path {
        "/v1/certificate-status" => {
            let query: CertificateStatusQuery = serde_json::from_slice(body).unwrap();
            let status = if query.certificate.serial.as_str() == revoked { "revoked" } else { "good" };
            json(200, &serde_json::json!({ "status": status }))
        }
        "/v1/qualification/by-certificate" => json(200, &answer()),
        "/v1/consent" => json(200, &serde_json::json!({ "live": [] })),
        "/v1/registration" => json(200, &serde_json::json!({ "outcome": "registered" })),
        _ => json(404, &serde_json::json!({"error": "not_found", "message": "x"})),
    })
}

fn open<P: onshi_edge::api::EdgePorts>(
    api: &EdgeApi<'_, P>,
    kiosk: &Kiosk,
    certificate: &[u8],
) -> Result<SessionResponse, EdgeError> {
    let body = kiosk.answered_challenge(api, certificate, CARD0_KEY, NOW);
    kiosk.session(api, &body, NOW)
}

/// A request from `kiosk` carrying the session's `Authorization` header.
fn with_session<'r>(kiosk: &Kiosk, path: &'r str, body: &'r [u8], bearer: &'r str) -> onshi_edge::api::ApiRequest<'r> {
    let mut request = kiosk.request(path, body, NOW + 5);
    request.authorization = Some(bearer);
    request
}

#[test]
fn a_certificate_in_its_grace_confirms_the_qualification_and_nothing_else() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 11);

    // NOW is 2026-11-24 in Japan; the certificate ended on 2026-10-31, so it serves until 2027-01-31.
    let session = open(&api, &kiosk, &card_ending(2026, 10, 31)).unwrap();
    assert_eq!(session.scope, CardScope::QualificationOnly);
    let grace = ExpiryNotice::InGrace {
        expired_on: IsoDate::parse("2026-10-31").unwrap(),
        covered_until: IsoDate::parse("2027-01-31").unwrap(),
    };
    assert_eq!(session.expiry_notice, Some(grace));

    assert_eq!(kiosk.qualification(&api, Some(&session), b"", NOW + 5).unwrap(), answer());
    let asked: Vec<CardQualificationQuery> = ports
        .sent_to("/v1/qualification/by-certificate")
        .iter()
        .map(|body| serde_json::from_slice(body).unwrap())
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].scope, CardScope::QualificationOnly, "the origin is told the scope, to enforce it again");
    assert_eq!(asked[0].expiry_notice, Some(grace));

    let bearer = format!("Bearer {}", session.session_token);
    let consent = br#"{"kinds":["comprehensive"],"prescription":"paper"}"#;
    let refused = block_on(api.record_consent(&with_session(&kiosk, "/api/v1/consent", consent, &bearer)));
    assert_eq!(refused, Err(EdgeError::QualificationOnly));
    assert_eq!(refused.unwrap_err().code(), ErrorCode::QualificationOnly);
    let register = br#"{"terms_accepted":true}"#;
    let refused = block_on(api.register_card(&with_session(&kiosk, "/api/v1/registration", register, &bearer)));
    assert_eq!(refused, Err(EdgeError::QualificationOnly));
    // The edge refused both on its own: neither reached the origin.
    assert!(ports.sent_to("/v1/consent").is_empty());
    assert!(ports.sent_to("/v1/registration").is_empty());
    assert!(
        ports.audit.borrow().iter().any(|event| event.contains("qualification_only")),
        "{:?}",
        ports.audit.borrow()
    );
}

#[test]
fn past_its_grace_a_certificate_opens_no_session_and_the_origin_is_not_asked() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 12);
    // Ended 2026-07-31: its grace ran to 2026-10-31, before NOW (2026-11-24).
    assert_eq!(open(&api, &kiosk, &card_ending(2026, 7, 31)), Err(EdgeError::CertificateExpired));
    // Ended 2026-08-31: its grace runs to 2026-11-30, so it still opens a qualification-only session.
    assert_eq!(open(&api, &kiosk, &card_ending(2026, 8, 31)).unwrap().scope, CardScope::QualificationOnly);
    assert_eq!(ports.sent_to("/v1/certificate-status").len(), 1, "only the session within its grace asked");
}

#[test]
fn a_revoked_certificate_in_its_grace_is_refused() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin(CARD0_SERIAL));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 13);
    assert_eq!(open(&api, &kiosk, &card_ending(2026, 10, 31)), Err(EdgeError::CertificateRevoked));
}

#[test]
fn a_certificate_expiring_within_three_months_opens_a_full_session_and_says_in_how_many_days() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin("none"));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 14);
    let session = open(&api, &kiosk, &card_ending(2027, 1, 10)).unwrap();
    assert_eq!(session.scope, CardScope::Full);
    let soon = ExpiryNotice::ExpiringSoon { expires_on: IsoDate::parse("2027-01-10").unwrap(), days_left: 47 };
    assert_eq!(session.expiry_notice, Some(soon));
    kiosk.qualification(&api, Some(&session), b"", NOW + 5).unwrap();
    let asked: CardQualificationQuery =
        serde_json::from_slice(&ports.sent_to("/v1/qualification/by-certificate")[0]).unwrap();
    assert_eq!((asked.scope, asked.expiry_notice), (CardScope::Full, Some(soon)));
    let bearer = format!("Bearer {}", session.session_token);
    let consent = br#"{"kinds":["comprehensive"],"prescription":"paper"}"#;
    block_on(api.record_consent(&with_session(&kiosk, "/api/v1/consent", consent, &bearer))).unwrap();
    // Further off than three months, nothing is said.
    let far = open(&api, &kiosk, &card_ending(2027, 3, 1)).unwrap();
    assert_eq!((far.scope, far.expiry_notice), (CardScope::Full, None));
}

/// An origin that keeps a visual check's request as the real one does and answers the approval with what the kiosk
/// asked with: the certificate, and the scope and notice the edge found.
fn visual_check_origin() -> OriginScript {
    use onshi_proto::origin::{VisualCheckCollected, VisualCheckCreate, VisualCheckState};
    let kept = std::rc::Rc::new(std::cell::RefCell::new(None::<VisualCheckCreate>));
    Box::new(move |path, body| match path {
        "/v1/certificate-status" => json(200, &serde_json::json!({ "status": "good" })),
        "/v1/visual-checks" => {
            *kept.borrow_mut() = Some(serde_json::from_slice(body).unwrap());
            json(200, &serde_json::json!({ "request_id": "abc123", "state": "pending", "expires_at": NOW + 600 }))
        }
        "/v1/visual-checks/collect" => {
            let asked = kept.borrow().clone().unwrap();
            json(
                200,
                &VisualCheckCollected {
                    state: VisualCheckState::Collected,
                    certificate: Some(asked.certificate),
                    qualification: Some(answer()),
                    scope: asked.scope,
                    expiry_notice: asked.expiry_notice,
                },
            )
        }
        _ => json(404, &serde_json::json!({"error": "not_found", "message": "x"})),
    })
}

#[test]
fn a_certificate_in_its_grace_reaches_staff_by_visual_check_and_confirms_the_qualification_only() {
    use onshi_proto::Base64Bytes;
    use onshi_proto::origin::VisualCheckCreate;
    let config = config_with(&[]);
    let ports = FakePorts::new(visual_check_origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 13);
    let body =
        |certificate: Vec<u8>| serde_json::to_vec(&serde_json::json!({ "certificate": Base64Bytes(certificate) }));

    // Past its grace the kiosk's request is refused before the origin records anything.
    let lapsed = body(card_ending(2026, 7, 31)).unwrap();
    let refused = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &lapsed, NOW)));
    assert_eq!(refused, Err(EdgeError::CertificateExpired));
    assert!(ports.sent_to("/v1/visual-checks").is_empty());

    // Within it, the request goes to staff with the scope and the notice, after the revocation check.
    let in_grace = body(card_ending(2026, 10, 31)).unwrap();
    block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &in_grace, NOW))).unwrap();
    let created: VisualCheckCreate = serde_json::from_slice(&ports.sent_to("/v1/visual-checks")[0]).unwrap();
    let grace = ExpiryNotice::InGrace {
        expired_on: IsoDate::parse("2026-10-31").unwrap(),
        covered_until: IsoDate::parse("2027-01-31").unwrap(),
    };
    assert_eq!((created.scope, created.expiry_notice), (CardScope::QualificationOnly, Some(grace)));
    assert_eq!(ports.sent_to("/v1/certificate-status").len(), 1);

    // Staff approve: the session the kiosk gets confirms the qualification and refuses consent on its own.
    let poll = br#"{"request_id":"abc123"}"#;
    let status = block_on(api.visual_check_status(&kiosk.request("/api/v1/visual-check/status", poll, NOW))).unwrap();
    let session = status.session.unwrap();
    assert_eq!((session.scope, session.expiry_notice), (CardScope::QualificationOnly, Some(grace)));
    let bearer = format!("Bearer {}", session.session_token);
    let consent = br#"{"kinds":["comprehensive"],"prescription":"paper"}"#;
    let refused = block_on(api.record_consent(&with_session(&kiosk, "/api/v1/consent", consent, &bearer)));
    assert_eq!(refused, Err(EdgeError::QualificationOnly));
    assert!(ports.sent_to("/v1/consent").is_empty());
}
