//! Card authentication against a real My Number card's certificate and signature, under the real J-LIS CAs.

// Test helpers unwrap: a panic is how a test reports a broken fixture.
#![allow(clippy::unwrap_used)]

mod card_checks;

use card_checks::verify_card_authentication;
use onshi_edge::EdgeError;
use onshi_edge::auth::cardauth::TrustAnchors;

const CARD_CERT: &[u8] = include_bytes!("data/my-number-myna-test-vector/auth-cert-myna.cer");
const CARD_SIGNATURE: &[u8] = include_bytes!("data/my-number-myna-test-vector/auth-message1-sha256rsapkcs.sig");
const MESSAGE1: &[u8] = include_bytes!("data/my-number-myna-test-vector/message1.txt");
const MESSAGE2: &[u8] = include_bytes!("data/my-number-myna-test-vector/message2.txt");
const AUTH_CA_2015: &str = include_str!("data/jpki-myna-ta/auth_ca_2015.pem");
const AUTH_CA_2023: &str = include_str!("data/jpki-myna-ta/auth_ca_2023.pem");
const SIGN_CA_2015: &str = include_str!("data/jpki-myna-ta/sign_ca_2015.pem");

/// 2020-02-01T00:00:00Z, inside the card certificate's validity (2019-07-25 .. 2024-05-02).
const FEB_2020: i64 = 1_580_515_200;
/// 2026-11-24T00:00:00Z, after it.
const NOV_2026: i64 = 1_795_478_400;
/// 2019-07-01T00:00:00Z, before it.
const JUL_2019: i64 = 1_561_939_200;

fn anchors(pems: &[&str]) -> TrustAnchors {
    TrustAnchors::from_pem(&pems.concat()).unwrap()
}

#[test]
fn the_real_card_verifies_under_the_2015_auth_root_inside_its_validity() {
    let certificate =
        verify_card_authentication(CARD_CERT, CARD_SIGNATURE, MESSAGE1, &anchors(&[AUTH_CA_2015]), FEB_2020).unwrap();
    assert_eq!(certificate.serial.as_str(), "012D57CA");
    assert_eq!(
        certificate.issuer.as_str(),
        "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for user authentication,O=JPKI,C=JP"
    );
}

#[test]
fn both_auth_roots_configured_together_still_find_the_issuer() {
    // The 2015 and 2023 roots share one subject name, so the issuer is found by signature, not by name alone.
    let both = anchors(&[AUTH_CA_2023, AUTH_CA_2015]);
    assert_eq!(both.len(), 2);
    assert!(verify_card_authentication(CARD_CERT, CARD_SIGNATURE, MESSAGE1, &both, FEB_2020).is_ok());
}

#[test]
fn the_real_card_is_expired_today_and_not_yet_valid_before_issue() {
    let roots = anchors(&[AUTH_CA_2015]);
    assert_eq!(
        verify_card_authentication(CARD_CERT, CARD_SIGNATURE, MESSAGE1, &roots, NOV_2026),
        Err(EdgeError::CertificateExpired)
    );
    assert_eq!(
        verify_card_authentication(CARD_CERT, CARD_SIGNATURE, MESSAGE1, &roots, JUL_2019),
        Err(EdgeError::CertificateExpired)
    );
}

#[test]
fn the_real_card_is_untrusted_under_other_roots() {
    for roots in [anchors(&[AUTH_CA_2023]), anchors(&[SIGN_CA_2015])] {
        assert_eq!(
            verify_card_authentication(CARD_CERT, CARD_SIGNATURE, MESSAGE1, &roots, FEB_2020),
            Err(EdgeError::CertificateUntrusted)
        );
    }
}

#[test]
fn a_signature_over_another_message_is_refused() {
    assert_eq!(
        verify_card_authentication(CARD_CERT, CARD_SIGNATURE, MESSAGE2, &anchors(&[AUTH_CA_2015]), FEB_2020),
        Err(EdgeError::SignatureInvalid)
    );
    let mut flipped = CARD_SIGNATURE.to_vec();
    flipped[100] ^= 0x01;
    assert_eq!(
        verify_card_authentication(CARD_CERT, &flipped, MESSAGE1, &anchors(&[AUTH_CA_2015]), FEB_2020),
        Err(EdgeError::SignatureInvalid)
    );
    assert_eq!(
        verify_card_authentication(CARD_CERT, &[], MESSAGE1, &anchors(&[AUTH_CA_2015]), FEB_2020),
        Err(EdgeError::SignatureInvalid)
    );
}

#[test]
fn an_altered_certificate_is_untrusted() {
    // Change one character of the subject's CN: the body still parses but the CA's signature no longer fits.
    let cn = b"840444E37PAFHN08220003A";
    let at = CARD_CERT.windows(cn.len()).position(|window| window == cn).unwrap();
    let mut altered = CARD_CERT.to_vec();
    altered[at] = b'9';
    assert_eq!(
        verify_card_authentication(&altered, CARD_SIGNATURE, MESSAGE1, &anchors(&[AUTH_CA_2015]), FEB_2020),
        Err(EdgeError::CertificateUntrusted)
    );
}

#[test]
fn garbage_and_truncated_certificates_are_invalid_without_panicking() {
    let roots = anchors(&[AUTH_CA_2015]);
    for bad in [&[][..], b"not a certificate", &CARD_CERT[..CARD_CERT.len() - 1], &CARD_CERT[..40]] {
        assert!(matches!(
            verify_card_authentication(bad, CARD_SIGNATURE, MESSAGE1, &roots, FEB_2020),
            Err(EdgeError::CertificateInvalid(_))
        ));
    }
    let mut trailing = CARD_CERT.to_vec();
    trailing.push(0);
    assert!(matches!(
        verify_card_authentication(&trailing, CARD_SIGNATURE, MESSAGE1, &roots, FEB_2020),
        Err(EdgeError::CertificateInvalid(_))
    ));
}

#[test]
fn a_root_is_never_accepted_as_a_card_certificate() {
    // The anchor is self-signed, so it "verifies" under itself; it must still be refused as a card.
    let roots = anchors(&[AUTH_CA_2015]);
    let root_der = pem_body(AUTH_CA_2015);
    assert!(matches!(
        verify_card_authentication(&root_der, CARD_SIGNATURE, MESSAGE1, &roots, FEB_2020),
        Err(EdgeError::CertificateInvalid(_) | EdgeError::CertificateUntrusted)
    ));
}

#[test]
fn trust_anchor_configuration_errors_are_typed() {
    for bad in ["", "garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
        assert!(matches!(TrustAnchors::from_pem(bad), Err(EdgeError::Config(_))), "{bad:?}");
    }
    // The card's own certificate is not a CA and may not be configured as one.
    assert!(matches!(TrustAnchors::from_der_certificates([CARD_CERT.to_vec()]), Err(EdgeError::Config(_))));
}

fn pem_body(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}
