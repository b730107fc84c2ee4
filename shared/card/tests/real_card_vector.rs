//! The DigestInfo this crate builds is exactly what a real My Number card signed: the published signature of
//! a real card (tests/data, from github.com/my-number/myna) RSA-recovers to `digest_info_sha256(b"message1")`.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use der::{Decode, Encode};
use onshi_card::jpki::{SIGNATURE_LEN, digest_info_sha256};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::Sha256;
use rsa::signature::Verifier;
use rsa::{Pkcs1v15Sign, PublicKey};
use x509_cert::Certificate;

const CERTIFICATE: &[u8] = include_bytes!("data/auth-cert-myna.cer");
const SIGNATURE: &[u8] = include_bytes!("data/auth-message1-sha256rsapkcs.sig");
const MESSAGE: &[u8] = include_bytes!("data/message1.txt");

fn card_public_key() -> PublicKey {
    let certificate = Certificate::from_der(CERTIFICATE).unwrap();
    let spki = certificate.tbs_certificate().subject_public_key_info().to_der().unwrap();
    PublicKey::from_public_key_der(&spki).unwrap()
}

#[test]
fn the_real_signature_recovers_to_our_digest_info() {
    assert_eq!(MESSAGE, b"message1");
    assert_eq!(SIGNATURE.len(), SIGNATURE_LEN);
    let key = card_public_key();
    // Unprefixed PKCS#1 v1.5 verification compares the recovered payload with the bytes given, byte for byte.
    key.verify(Pkcs1v15Sign::new_unprefixed(), &digest_info_sha256(MESSAGE), SIGNATURE).unwrap();
    assert!(key.verify(Pkcs1v15Sign::new_unprefixed(), &digest_info_sha256(b"message2"), SIGNATURE).is_err());
}

#[test]
fn the_real_signature_is_a_standard_sha256_signature() {
    let verifying_key = VerifyingKey::<Sha256>::new(card_public_key());
    let signature = Signature::try_from(SIGNATURE).unwrap();
    verifying_key.verify(MESSAGE, &signature).unwrap();
    assert!(verifying_key.verify(b"message2", &signature).is_err());
}
