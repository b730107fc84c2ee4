//! The 目視 assist's card-presence proof, made by a virtual card through the kiosk's own card stack and judged by
//! the edge: a genuine card passes, and every way of faking presence without that card is refused, first by the
//! pure rule and then through `POST /api/v1/visual-check` with the challenge the kiosk asked for.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::cell::RefCell;
use std::rc::Rc;

use der::Decode as _;
use futures::executor::block_on;
use onshi_card::ccid::CcidReader;
use onshi_card::collation::CollationNumberB;
use onshi_card::surface::{CollationOutcome, SurfaceAp};
use onshi_edge::auth::card_face::{CardFaceIssuers, verify_card_face_presence};
use onshi_edge::error::EdgeError;
use onshi_proto::Base64Bytes;
use onshi_proto::api::{ChallengePurpose, card_challenge_message};
use onshi_proto::card_face::{CardFaceHolder, CardFacePresence};
use onshi_vcard::demo::{SURFACE_ISSUER_PUBLIC_KEY_DER, TEST_CA_CERTIFICATE_DER, demo_collation_b, demo_person};
use onshi_vcard::reader::class_descriptor;
use onshi_vcard::{VirtualBulk, VirtualCard, VirtualCcidReader};

mod support;

const DEVICE: &str = "0110113719.kiosk-1";
const CHALLENGE: [u8; 32] = [0x5C; 32];

fn message(device: &str) -> Vec<u8> {
    card_challenge_message(ChallengePurpose::CardFacePresence, device, &CHALLENGE)
}

fn opened(index: usize) -> SurfaceAp<CcidReader<VirtualBulk>> {
    let reader = Rc::new(RefCell::new(VirtualCcidReader::with_card(VirtualCard::demo(index).unwrap())));
    let mut ccid = CcidReader::with_descriptor(VirtualBulk::shared(reader), &class_descriptor()).unwrap();
    block_on(ccid.power_on()).unwrap();
    let mut ap = SurfaceAp::new(ccid);
    block_on(ap.select()).unwrap();
    let number = CollationNumberB::new(&demo_collation_b(index).unwrap()).unwrap();
    assert_eq!(block_on(ap.open_with_collation_b(number)).unwrap(), CollationOutcome::Opened);
    ap
}

/// What a kiosk sends once staff opened card `face_of` and card `signed_by` answered the challenge for `device`.
fn proof(face_of: usize, signed_by: usize, device: &str) -> CardFacePresence {
    let face = block_on(opened(face_of).read_card_face()).unwrap();
    let digests = face.signed_digests();
    let card_signature = block_on(opened(signed_by).sign_challenge(&message(device))).unwrap();
    CardFacePresence {
        challenge_id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        signed_group_one: Base64Bytes(digests.group_one.to_vec()),
        name_address_digest: Base64Bytes(digests.name_address_digest.to_vec()),
        photo_digest: Base64Bytes(digests.photo_digest.to_vec()),
        issuer_signature: Base64Bytes(face.issuer_signature.clone()),
        card_signature: Base64Bytes(card_signature),
    }
}

fn issuers() -> CardFaceIssuers {
    CardFaceIssuers::from_spki_der(&[SURFACE_ISSUER_PUBLIC_KEY_DER]).unwrap()
}

#[test]
fn the_card_in_the_reader_proves_its_face_and_tells_whose_it_is() {
    for index in [0, 1, 4] {
        let holder = verify_card_face_presence(&proof(index, index, DEVICE), &message(DEVICE), &issuers()).unwrap();
        // The birth date and sex the issuer signed, which the origin compares with the certificate's person.
        let person = demo_person(index).unwrap();
        let expected: CardFaceHolder =
            serde_json::from_value(serde_json::json!({"birth_date": person.birth_date, "sex": person.sex})).unwrap();
        assert_eq!(holder, expected, "card {index}");
    }
}

#[test]
fn a_copied_face_answered_by_another_card_is_refused() {
    let refused = verify_card_face_presence(&proof(0, 1, DEVICE), &message(DEVICE), &issuers());
    assert!(matches!(refused, Err(EdgeError::SignatureInvalid)));
}

#[test]
fn a_signature_made_for_another_kiosk_is_refused_here() {
    let elsewhere = proof(2, 2, "0110113719.kiosk-2");
    assert!(matches!(
        verify_card_face_presence(&elsewhere, &message(DEVICE), &issuers()),
        Err(EdgeError::SignatureInvalid)
    ));
    let for_a_session = card_challenge_message(ChallengePurpose::CardSession, DEVICE, &CHALLENGE);
    assert!(matches!(
        verify_card_face_presence(&proof(2, 2, DEVICE), &for_a_session, &issuers()),
        Err(EdgeError::SignatureInvalid)
    ));
}

#[test]
fn another_photo_or_birth_date_breaks_the_issuer_signature() {
    let mut other_photo = proof(1, 1, DEVICE);
    other_photo.photo_digest.0[31] ^= 0x80;
    assert!(matches!(
        verify_card_face_presence(&other_photo, &message(DEVICE), &issuers()),
        Err(EdgeError::SignatureInvalid)
    ));
    let mut other_birth = proof(1, 1, DEVICE);
    other_birth.signed_group_one.0[3] ^= 0x01; // a digit of DF22's birth date
    assert!(matches!(
        verify_card_face_presence(&other_birth, &message(DEVICE), &issuers()),
        Err(EdgeError::SignatureInvalid)
    ));
}

#[test]
fn a_face_signed_by_no_configured_issuer_is_refused() {
    let genuine = proof(3, 3, DEVICE);
    assert!(matches!(
        verify_card_face_presence(&genuine, &message(DEVICE), &CardFaceIssuers::default()),
        Err(EdgeError::SignatureInvalid)
    ));
    // The test auth CA's key is a real RSA key, but not the card-face issuer.
    let ca = x509_cert::Certificate::from_der(TEST_CA_CERTIFICATE_DER).unwrap();
    let ca_spki = der::Encode::to_der(ca.tbs_certificate().subject_public_key_info()).unwrap();
    let wrong_issuer = CardFaceIssuers::from_spki_der(&[&ca_spki]).unwrap();
    assert!(matches!(
        verify_card_face_presence(&genuine, &message(DEVICE), &wrong_issuer),
        Err(EdgeError::SignatureInvalid)
    ));
}

#[test]
fn a_group_one_that_is_not_the_card_faces_is_a_bad_request() {
    let mut scrambled = proof(0, 0, DEVICE);
    scrambled.signed_group_one.0[0] = 0x5F;
    assert!(matches!(verify_card_face_presence(&scrambled, &message(DEVICE), &issuers()), Err(EdgeError::BadRequest)));
}

/// The proof for a challenge `challenge` issued to `device`, with card `index`'s face and signature.
fn proof_for(index: usize, device: &str, challenge: &onshi_proto::api::ChallengeResponse) -> CardFacePresence {
    let message = card_challenge_message(ChallengePurpose::CardFacePresence, device, challenge.challenge.as_slice());
    let face = block_on(opened(index).read_card_face()).unwrap();
    let digests = face.signed_digests();
    CardFacePresence {
        challenge_id: challenge.challenge_id.clone(),
        signed_group_one: Base64Bytes(digests.group_one.to_vec()),
        name_address_digest: Base64Bytes(digests.name_address_digest.to_vec()),
        photo_digest: Base64Bytes(digests.photo_digest.to_vec()),
        issuer_signature: Base64Bytes(face.issuer_signature.clone()),
        card_signature: Base64Bytes(block_on(opened(index).sign_challenge(&message)).unwrap()),
    }
}

fn origin() -> support::OriginScript {
    Box::new(|path, body| {
        support::good_card_or_approved_visual_check(path, body).unwrap_or_else(|| {
            support::json(
                200,
                &serde_json::json!({ "request_id": "abc123", "state": "pending", "expires_at": support::NOW + 600 }),
            )
        })
    })
}

fn issuer_binding() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(SURFACE_ISSUER_PUBLIC_KEY_DER)
}

#[test]
fn a_visual_check_with_the_card_face_proven_reaches_staff_and_its_challenge_is_spent() {
    let binding = issuer_binding();
    let config = support::config_with(&[("CARD_FACE_ISSUER_KEYS", &binding)]);
    let ports = support::FakePorts::new(origin());
    let api = onshi_edge::api::EdgeApi::new(&config, &ports);
    let kiosk = support::enrolled_kiosk(&api, 9);
    let ask_challenge = br#"{"purpose":"card-face-presence"}"#;
    let challenge =
        block_on(api.issue_challenge(&kiosk.request("/api/v1/challenge", ask_challenge, support::NOW))).unwrap();
    let body = serde_json::to_vec(&serde_json::json!({
        "certificate": Base64Bytes(support::CARD0_CERT.to_vec()),
        "reason": "patient_chose",
        "card_face": proof_for(0, &kiosk.device_id, &challenge),
    }))
    .unwrap();
    let ticket =
        block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, support::NOW))).unwrap();
    assert_eq!(ticket.request_id.as_str(), "abc123");
    let sent = ports.sent_to("/v1/visual-checks");
    assert_eq!(sent.len(), 1);
    let forwarded = String::from_utf8(sent[0].clone()).unwrap();
    // Only the face's birth date and sex go on, for the origin to compare with the certificate's person: no
    // signature, digest or challenge of the proof.
    let create: serde_json::Value = serde_json::from_str(&forwarded).unwrap();
    let person = demo_person(0).unwrap();
    assert_eq!(create["card_face"], serde_json::json!({"birth_date": person.birth_date, "sex": person.sex}));
    for part in ["signed_group_one", "issuer_signature", "card_signature", "photo_digest", "challenge_id"] {
        assert!(!forwarded.contains(part), "{part} stays at the edge");
    }

    // The same kiosk asking without the assist says nothing of a proof.
    let plain = serde_json::to_vec(&serde_json::json!({
        "certificate": Base64Bytes(support::CARD0_CERT.to_vec()),
        "reason": "patient_chose",
    }))
    .unwrap();
    block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &plain, support::NOW))).unwrap();
    let sent = ports.sent_to("/v1/visual-checks");
    let create: serde_json::Value = serde_json::from_slice(&sent[1]).unwrap();
    assert!(create.get("card_face").is_none(), "{create}");

    // The same proof again: its challenge is spent.
    let replayed = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, support::NOW)));
    assert_eq!(replayed, Err(EdgeError::ChallengeReplayed));
    assert_eq!(ports.sent_to("/v1/visual-checks").len(), 2);
}

#[test]
fn a_card_session_challenge_or_an_unconfigured_issuer_opens_no_assisted_check() {
    let binding = issuer_binding();
    let config = support::config_with(&[("CARD_FACE_ISSUER_KEYS", &binding)]);
    let ports = support::FakePorts::new(origin());
    let api = onshi_edge::api::EdgeApi::new(&config, &ports);
    let kiosk = support::enrolled_kiosk(&api, 10);
    let for_a_session = kiosk.challenge(&api, support::NOW);
    let body = |proof: CardFacePresence| {
        serde_json::to_vec(&serde_json::json!({
            "certificate": Base64Bytes(support::CARD0_CERT.to_vec()),
            "card_face": proof,
        }))
        .unwrap()
    };
    let wrong_purpose = body(proof_for(0, &kiosk.device_id, &for_a_session));
    let refused =
        block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &wrong_purpose, support::NOW)));
    assert_eq!(refused, Err(EdgeError::ChallengeUnknown));

    let unconfigured = support::config_with(&[]);
    let api = onshi_edge::api::EdgeApi::new(&unconfigured, &ports);
    let ask_challenge = br#"{"purpose":"card-face-presence"}"#;
    let challenge =
        block_on(api.issue_challenge(&kiosk.request("/api/v1/challenge", ask_challenge, support::NOW))).unwrap();
    let genuine = body(proof_for(0, &kiosk.device_id, &challenge));
    let refused = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &genuine, support::NOW)));
    assert_eq!(refused, Err(EdgeError::SignatureInvalid));
    assert!(ports.sent_to("/v1/visual-checks").is_empty(), "no request reached staff");
}

#[test]
fn the_committed_test_issuer_is_recognised_so_production_can_refuse_it() {
    use onshi_edge::auth::card_face::CardFaceIssuers;
    assert!(CardFaceIssuers::from_binding(Some(&issuer_binding())).unwrap().include_committed_test_key());
    let ca = x509_cert::Certificate::from_der(TEST_CA_CERTIFICATE_DER).unwrap();
    let other = der::Encode::to_der(ca.tbs_certificate().subject_public_key_info()).unwrap();
    let other = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(other)
    };
    let configured = CardFaceIssuers::from_binding(Some(&format!(" {other} ,"))).unwrap();
    assert!(!configured.include_committed_test_key() && !configured.is_empty());
    assert!(CardFaceIssuers::from_binding(None).unwrap().is_empty());
    assert!(CardFaceIssuers::from_binding(Some("not base64!")).is_err());
}

#[test]
fn production_refuses_to_start_with_the_committed_test_issuer() {
    let jlis_root = include_str!("data/jpki-myna-ta/auth_ca_2015.pem");
    let binding = issuer_binding();
    let lookup = |environment: Option<&'static str>, issuers: Option<String>| {
        move |name: &str| match name {
            "ORIGIN_URL" => Some("https://origin.test".to_owned()),
            "ORIGIN_SIGNING_KEY" => Some(support::ORIGIN_KEY.to_owned()),
            "SESSION_KEY" => Some(support::SESSION_KEY.to_owned()),
            "JPKI_AUTH_CA_PEM" => Some(jlis_root.to_owned()),
            "ENVIRONMENT" => environment.map(str::to_owned),
            "CARD_FACE_ISSUER_KEYS" => issuers.clone(),
            _ => None,
        }
    };
    for environment in [None, Some("production")] {
        let refused = onshi_edge::config::EdgeConfig::from_lookup(lookup(environment, Some(binding.clone())));
        let error = refused.err().unwrap();
        assert!(error.to_string().contains("CARD_FACE_ISSUER_KEYS"), "{error}");
        assert!(onshi_edge::config::EdgeConfig::from_lookup(lookup(environment, None)).is_ok(), "none is allowed");
    }
    let development = onshi_edge::config::EdgeConfig::from_lookup(lookup(Some("development"), Some(binding))).unwrap();
    assert!(!development.card_face_issuers.is_empty());
}
