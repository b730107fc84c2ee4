//! Card authentication refuses certificates outside the J-LIS profile: certificates generated here, under the
//! committed test CA's key, each carry one defect (a missing key usage, a missing or wrong extended key usage, an
//! unknown critical extension, an anchor that is not a CA or has expired), and each is refused while the same
//! certificate without the defect is accepted.

// Test helpers unwrap: a panic is how a test reports a broken fixture.
#![allow(clippy::unwrap_used)]

mod card_checks;

use std::str::FromStr;

use card_checks::{verify_card_authentication, verify_card_certificate};
use der::asn1::OctetString;
use der::{DateTime, Encode};
use onshi_edge::EdgeError;
use onshi_edge::auth::cardauth::TrustAnchors;
use rsa::pkcs1v15::{Signature, SigningKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

const CA_KEY: &[u8] = include_bytes!("../../shared/vcard/data/test-pki/auth-ca.pk8");
const CARD_KEY: &[u8] = include_bytes!("../../shared/vcard/data/test-pki/card-00.key.pk8");
const SIGN_CA: &[u8] = include_bytes!("../../shared/vcard/data/test-pki/sign-ca.der");
const SIGN_CARD: &[u8] = include_bytes!("../../shared/vcard/data/test-pki/card-00.sign.cert.der");
const SIGN_CARD_KEY: &[u8] = include_bytes!("../../shared/vcard/data/test-pki/card-00.sign.key.pk8");
const SMALL_CARD_KEY: &[u8] = include_bytes!("data/key-sizes/card-1024.key.pk8");
const LARGE_CARD_KEY: &[u8] = include_bytes!("data/key-sizes/card-4608.key.pk8");

const CA_SUBJECT: &str = "CN=profile test CA,O=onshi test,C=JP";
const CARD_SUBJECT: &str = "CN=PROFILETEST00000000000001,C=JP";
const CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
/// An extension no one understands, from the private-enterprise arc.
const UNKNOWN_EXTENSION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1");
const CERTIFICATE_POLICIES: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32");

/// 2027-06-01T00:00:00Z: inside every validity below but the expired anchor's.
const NOW: i64 = 1_811_808_000;
const MESSAGE: &[u8] = b"onshi profile test message";

/// What a generated certificate carries.
#[derive(Clone, Copy, Debug, Default)]
struct Defects {
    no_key_usage: bool,
    no_basic_constraints: bool,
    no_extended_key_usage: bool,
    wrong_extended_key_usage: bool,
    unknown_critical_extension: bool,
    /// A critical certificatePolicies extension, as on every real J-LIS card certificate: not a defect.
    critical_policies: bool,
}

struct Profile {
    subject: Name,
    issuer: Name,
    ca: bool,
    defects: Defects,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _subject_key: SubjectPublicKeyInfoRef<'_>,
        _issuer_key: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let defects = self.defects;
        let mut extensions = Vec::new();
        if !defects.no_basic_constraints && self.ca {
            let constraints = BasicConstraints { ca: true, path_len_constraint: Some(0) };
            extensions.push(constraints.to_extension(subject, &extensions)?);
        }
        if !defects.no_key_usage {
            let usage =
                if self.ca { KeyUsages::KeyCertSign | KeyUsages::CRLSign } else { KeyUsages::DigitalSignature.into() };
            extensions.push(KeyUsage(usage).to_extension(subject, &extensions)?);
        }
        if !self.ca && !defects.no_extended_key_usage {
            let purpose = if defects.wrong_extended_key_usage { EMAIL_PROTECTION } else { CLIENT_AUTH };
            extensions.push(ExtendedKeyUsage(vec![purpose]).to_extension(subject, &extensions)?);
        }
        if defects.unknown_critical_extension {
            let value = OctetString::new(vec![0x05, 0x00])?;
            extensions.push(Extension { extn_id: UNKNOWN_EXTENSION, critical: true, extn_value: value });
        }
        if defects.critical_policies {
            // SEQUENCE { SEQUENCE { OID 1.2.392.200149.8.5.1.3.30 } }, the real cards' policy.
            let policy =
                [0x30, 0x0f, 0x30, 0x0d, 0x06, 0x0b, 0x2a, 0x83, 0x08, 0x8c, 0x9b, 0x55, 0x08, 0x05, 0x01, 0x03, 0x1e];
            let value = OctetString::new(policy.to_vec())?;
            extensions.push(Extension { extn_id: CERTIFICATE_POLICIES, critical: true, extn_value: value });
        }
        Ok(extensions)
    }
}

fn utc(year: u16) -> Time {
    Time::from(DateTime::new(year, 1, 1, 0, 0, 0).unwrap())
}

fn key(pkcs8: &[u8]) -> rsa::PrivateKey {
    rsa::PrivateKey::from_pkcs8_der(pkcs8).unwrap()
}

fn spki(pkcs8: &[u8]) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_key(key(pkcs8).as_ref()).unwrap()
}

/// A certificate for `subject_key`, signed by the test CA's key.
fn issue(profile: Profile, subject_key: &[u8], validity: Validity, serial: u32) -> Vec<u8> {
    let signer = SigningKey::<Sha256>::new(key(CA_KEY));
    CertificateBuilder::new(profile, SerialNumber::from(serial), validity, spki(subject_key))
        .unwrap()
        .build::<_, Signature>(&signer)
        .unwrap()
        .to_der()
        .unwrap()
}

fn anchor_der(defects: Defects, validity: Validity) -> Vec<u8> {
    let name = Name::from_str(CA_SUBJECT).unwrap();
    issue(Profile { subject: name.clone(), issuer: name, ca: true, defects }, CA_KEY, validity, 1)
}

fn anchors(defects: Defects) -> Result<TrustAnchors, EdgeError> {
    TrustAnchors::from_der_certificates([anchor_der(defects, Validity::new(utc(2024), utc(2040)))])
}

fn card(defects: Defects) -> Vec<u8> {
    card_with_key(defects, CARD_KEY)
}

fn card_with_key(defects: Defects, card_key: &[u8]) -> Vec<u8> {
    let profile = Profile {
        subject: Name::from_str(CARD_SUBJECT).unwrap(),
        issuer: Name::from_str(CA_SUBJECT).unwrap(),
        ca: false,
        defects,
    };
    issue(profile, card_key, Validity::new(utc(2025), utc(2031)), 0x0123_4567)
}

fn card_signature(pkcs8: &[u8], message: &[u8]) -> Vec<u8> {
    SigningKey::<Sha256>::new(key(pkcs8)).sign(message).to_vec()
}

fn authenticate(card_der: &[u8], anchors: &TrustAnchors) -> Result<(), EdgeError> {
    verify_card_authentication(card_der, &card_signature(CARD_KEY, MESSAGE), MESSAGE, anchors, NOW).map(|_| ())
}

#[test]
fn a_card_certificate_in_the_profile_is_accepted_with_a_critical_policy_extension_or_without() {
    let anchors = anchors(Defects::default()).unwrap();
    assert_eq!(authenticate(&card(Defects::default()), &anchors), Ok(()));
    assert_eq!(authenticate(&card(Defects { critical_policies: true, ..Defects::default() }), &anchors), Ok(()));
}

#[test]
fn a_card_certificate_without_key_usage_is_refused() {
    let anchors = anchors(Defects::default()).unwrap();
    let refused = authenticate(&card(Defects { no_key_usage: true, ..Defects::default() }), &anchors);
    assert!(matches!(refused, Err(EdgeError::CertificateInvalid(_))), "{refused:?}");
}

#[test]
fn a_card_certificate_without_client_auth_is_refused() {
    let anchors = anchors(Defects::default()).unwrap();
    for defects in [
        Defects { no_extended_key_usage: true, ..Defects::default() },
        Defects { wrong_extended_key_usage: true, ..Defects::default() },
    ] {
        let refused = authenticate(&card(defects), &anchors);
        assert!(matches!(refused, Err(EdgeError::CertificateInvalid(_))), "{defects:?}: {refused:?}");
        let refused = verify_card_certificate(&card(defects), &anchors, NOW);
        assert!(matches!(refused, Err(EdgeError::CertificateInvalid(_))), "{defects:?}: {refused:?}");
    }
}

#[test]
fn a_card_certificate_with_an_unknown_critical_extension_is_refused() {
    let anchors = anchors(Defects::default()).unwrap();
    let refused = authenticate(&card(Defects { unknown_critical_extension: true, ..Defects::default() }), &anchors);
    assert!(matches!(refused, Err(EdgeError::CertificateInvalid(_))), "{refused:?}");
}

#[test]
fn a_signing_certificate_under_a_trusted_signing_ca_does_not_authenticate() {
    let anchors = TrustAnchors::from_der_certificates([SIGN_CA.to_vec()]).unwrap();
    let signature = card_signature(SIGN_CARD_KEY, MESSAGE);
    let refused = verify_card_authentication(SIGN_CARD, &signature, MESSAGE, &anchors, NOW);
    assert!(matches!(refused, Err(EdgeError::CertificateInvalid(_))), "{refused:?}");
}

#[test]
fn an_anchor_must_be_a_ca_allowed_to_sign_certificates_with_only_understood_critical_extensions() {
    for defects in [
        Defects { no_basic_constraints: true, ..Defects::default() },
        Defects { no_key_usage: true, ..Defects::default() },
        Defects { unknown_critical_extension: true, ..Defects::default() },
    ] {
        assert!(matches!(anchors(defects), Err(EdgeError::Config(_))), "{defects:?}");
    }
}

#[test]
fn an_anchor_outside_its_validity_vouches_for_no_card() {
    let expired = anchor_der(Defects::default(), Validity::new(utc(2020), utc(2027)));
    let anchors = TrustAnchors::from_der_certificates([expired]).unwrap();
    assert_eq!(authenticate(&card(Defects::default()), &anchors), Err(EdgeError::CertificateExpired));
    let not_yet = anchor_der(Defects::default(), Validity::new(utc(2028), utc(2040)));
    let anchors = TrustAnchors::from_der_certificates([not_yet]).unwrap();
    assert_eq!(authenticate(&card(Defects::default()), &anchors), Err(EdgeError::CertificateExpired));
}

#[test]
fn a_card_key_smaller_or_larger_than_the_profile_allows_is_refused_before_any_signature_is_checked() {
    let anchors = anchors(Defects::default()).unwrap();
    for (key, bits) in [(SMALL_CARD_KEY, 1024), (LARGE_CARD_KEY, 4608)] {
        let certificate = card_with_key(Defects::default(), key);
        let signature = card_signature(key, MESSAGE);
        // The card's signature is right for its key: only the key's size is wrong.
        let refused = verify_card_authentication(&certificate, &signature, MESSAGE, &anchors, NOW);
        assert!(
            matches!(refused, Err(EdgeError::CertificateInvalid("the card key's size is outside the profile"))),
            "{bits} bits: {refused:?}"
        );
        // Without a signature (目視) the certificate is refused the same way.
        assert!(verify_card_certificate(&certificate, &anchors, NOW).is_err(), "{bits} bits");
    }
    // The committed card key, 2,048 bits as J-LIS issues them, passes the same rule.
    assert!(authenticate(&card(Defects::default()), &anchors).is_ok());
}
