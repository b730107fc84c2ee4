//! The committed test PKI is exactly what the generator makes from the seed, and demo-cards.json describes it.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::HashSet;

use der::{Decode, Encode};
use onshi_vcard::demo::{DEMO_CARDS_JSON, DEMO_PERSONS, DemoCardRecord, TEST_CA_CERTIFICATE_DER, demo_certificate_der};
use onshi_vcard::test_pki::{TEST_CA_SUBJECT, TEST_PKI_SEED, generate_test_pki};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::Sha256;
use rsa::signature::Verifier;
use x509_cert::Certificate;

#[test]
fn committed_pki_matches_the_generator() {
    let generated = generate_test_pki(&TEST_PKI_SEED).unwrap();
    let data_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let files = generated.files();
    assert_eq!(files.len(), 2 + 2 * DEMO_PERSONS.len() + 1);
    for (relative_path, content) in files {
        let committed = std::fs::read(data_dir.join(&relative_path)).unwrap();
        assert!(
            committed == content,
            "{relative_path} differs from the generator; run `cargo run -p onshi-vcard --bin regenerate-test-pki`"
        );
    }
}

#[test]
fn a_different_seed_gives_a_different_pki() {
    let mut seed = TEST_PKI_SEED;
    seed[0] ^= 1;
    let other = generate_test_pki(&seed).unwrap();
    assert_ne!(other.ca_certificate_der, TEST_CA_CERTIFICATE_DER);
}

fn verifies_under_ca(certificate: &Certificate, ca: &Certificate) -> bool {
    let ca_key = ca.tbs_certificate().subject_public_key_info().to_der().unwrap();
    let verifying_key = VerifyingKey::<Sha256>::new(rsa::PublicKey::from_public_key_der(&ca_key).unwrap());
    let tbs = certificate.tbs_certificate().to_der().unwrap();
    let signature = Signature::try_from(certificate.signature().raw_bytes()).unwrap();
    verifying_key.verify(&tbs, &signature).is_ok()
}

#[test]
fn demo_cards_json_describes_the_committed_certificates() {
    let records: Vec<DemoCardRecord> = serde_json::from_str(DEMO_CARDS_JSON).unwrap();
    assert_eq!(records.len(), DEMO_PERSONS.len());
    let ca = Certificate::from_der(TEST_CA_CERTIFICATE_DER).unwrap();
    assert_eq!(ca.tbs_certificate().subject().to_string(), TEST_CA_SUBJECT);
    assert!(verifies_under_ca(&ca, &ca), "the CA is self-signed");

    let mut pins = HashSet::new();
    let mut serials = HashSet::new();
    let mut scenarios = HashSet::new();
    for (index, record) in records.iter().enumerate() {
        assert_eq!(record.index, index);
        let certificate = Certificate::from_der(demo_certificate_der(index).unwrap()).unwrap();
        let tbs = certificate.tbs_certificate();
        assert_eq!(record.certificate_serial, onshi_proto::origin::canonical_serial(tbs.serial_number().as_bytes()));
        assert_eq!(record.certificate_issuer, tbs.issuer().to_string());
        assert_eq!(record.certificate_issuer, TEST_CA_SUBJECT);
        assert!(verifies_under_ca(&certificate, &ca), "card {index} is issued by the test CA");
        assert_eq!(record.pin, DEMO_PERSONS[index].pin);
        assert!(record.pin.len() == 4 && record.pin.bytes().all(|b| b.is_ascii_digit()));
        assert!(onshi_proto::IsoDate::parse(&record.birth_date).is_ok(), "{}", record.birth_date);
        assert!(["male", "female"].contains(&record.sex.as_str()));
        pins.insert(record.pin.clone());
        serials.insert(record.certificate_serial.clone());
        scenarios.insert(record.scenario.clone());
    }
    assert_eq!(pins.len(), DEMO_PERSONS.len(), "PINs are distinct");
    assert_eq!(serials.len(), DEMO_PERSONS.len(), "serials are distinct");
    let expected: HashSet<String> =
        ["valid", "dependent", "lost", "unregistered", "elderly", "senior"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(scenarios, expected);
}

#[test]
fn card_certificates_have_the_user_authentication_profile() {
    use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
    for index in 0..DEMO_PERSONS.len() {
        let certificate = Certificate::from_der(demo_certificate_der(index).unwrap()).unwrap();
        let tbs = certificate.tbs_certificate();
        let key_usage: KeyUsage = tbs.get_extension::<KeyUsage>().unwrap().map(|(_, usage)| usage).unwrap();
        assert!(key_usage.digital_signature() && !key_usage.key_cert_sign());
        assert_eq!(key_usage.0.bits(), KeyUsage(KeyUsages::DigitalSignature.into()).0.bits());
        let subject = tbs.subject().to_string();
        assert!(subject.starts_with("CN=") && subject.ends_with(",C=JP"), "{subject}");
        let validity = tbs.validity();
        assert_eq!(validity.not_before.to_date_time().year(), 2025);
        assert_eq!(validity.not_after.to_date_time().year(), 2030);
    }
}

#[test]
fn committed_hierarchy_matches_the_generator_and_chains_to_the_root() {
    use onshi_vcard::demo::{SIGN_CA_CERTIFICATE_DER, TEST_AUTH_CA_BY_ROOT_DER, TEST_ROOT_CERTIFICATE_DER};
    use onshi_vcard::test_pki::generate_hierarchy;

    let data_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let files = generate_hierarchy(&TEST_PKI_SEED).unwrap();
    assert_eq!(files.len(), 5 + 2 * DEMO_PERSONS.len() + 2);
    for (relative_path, content) in &files {
        let committed = std::fs::read(data_dir.join(relative_path)).unwrap();
        assert!(committed == *content, "{relative_path} differs from the generator");
    }

    let root = Certificate::from_der(TEST_ROOT_CERTIFICATE_DER).unwrap();
    let auth_ca = Certificate::from_der(TEST_AUTH_CA_BY_ROOT_DER).unwrap();
    let sign_ca = Certificate::from_der(SIGN_CA_CERTIFICATE_DER).unwrap();
    let original_auth_ca = Certificate::from_der(TEST_CA_CERTIFICATE_DER).unwrap();
    assert!(verifies_under_ca(&root, &root), "the root is self-signed");
    assert!(verifies_under_ca(&auth_ca, &root), "root → auth CA");
    assert!(verifies_under_ca(&sign_ca, &root), "root → sign CA");
    assert_eq!(auth_ca.tbs_certificate().subject(), original_auth_ca.tbs_certificate().subject());
    assert_eq!(
        auth_ca.tbs_certificate().subject_public_key_info(),
        original_auth_ca.tbs_certificate().subject_public_key_info(),
        "the cross certificate certifies the same CA key, so the committed card certificates chain through it"
    );
    for index in 0..DEMO_PERSONS.len() {
        let card = Certificate::from_der(demo_certificate_der(index).unwrap()).unwrap();
        assert!(verifies_under_ca(&card, &auth_ca), "auth CA → card {index}");
        let (_, sign_der) =
            files.iter().find(|(path, _)| path == &format!("test-pki/card-{index:02}.sign.cert.der")).unwrap();
        let sign_certificate = Certificate::from_der(sign_der).unwrap();
        assert!(verifies_under_ca(&sign_certificate, &sign_ca), "sign CA → card {index} signing certificate");
        assert!(!verifies_under_ca(&sign_certificate, &auth_ca));
    }
}

#[test]
fn committed_card_face_keys_match_the_generator() {
    use onshi_vcard::test_pki::generate_surface_keys;

    let data_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let files = generate_surface_keys(&TEST_PKI_SEED).unwrap();
    assert_eq!(files.len(), 2 + DEMO_PERSONS.len());
    for (relative_path, content) in &files {
        let committed = std::fs::read(data_dir.join(relative_path)).unwrap();
        assert!(committed == *content, "{relative_path} differs from the generator");
    }
    let distinct: HashSet<&Vec<u8>> = files.iter().map(|(_, content)| content).collect();
    assert_eq!(distinct.len(), files.len(), "the issuer and every card have their own key");
}
