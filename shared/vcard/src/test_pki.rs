//! The deterministic test JPKI PKI: a self-signed test 利用者証明用 CA and one user certificate per demo card.
//!
//! RSA-2048 key generation takes seconds natively and far longer in a browser, so the PKI is generated once by
//! `cargo run -p onshi-vcard --bin regenerate-test-pki` and committed under `shared/vcard/data/`. The runtime only
//! `include_bytes!`s those files. A test regenerates everything from [`TEST_PKI_SEED`] and compares it with the
//! committed files, so the generator and the data cannot drift apart.
//!
//! Every key is drawn from its own ChaCha20 stream seeded with SHA-256(seed ‖ purpose), so regenerating one key
//! does not depend on how many random bytes another one consumed.

use std::str::FromStr;

use der::asn1::OctetString;
use der::referenced::OwnedToRef;
use der::{DateTime, Encode};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rsa::pkcs1v15::{Signature, SigningKey};
use rsa::pkcs8::EncodePrivateKey;
use rsa::{PrivateKey, PublicKey};
use sha2::{Digest, Sha256};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zeroize::Zeroizing;

use crate::demo::{DEMO_PERSONS, DemoCardRecord, DemoPerson};
use crate::error::VcardError;

/// The seed the committed test PKI was generated from. Changing it changes every committed key and certificate.
pub const TEST_PKI_SEED: [u8; 32] = *b"onshi test JPKI PKI generation 1";

/// RSA modulus size of every key, as on the real card.
pub const RSA_BITS: usize = 2048;

/// Subject (and issuer of every card certificate) of the test CA, as RFC 4514 text.
pub const TEST_CA_SUBJECT: &str = "CN=onshi test auth CA,OU=JPKI for user authentication TEST,O=onshi test,C=JP";

/// Object identifier of the TLS client-authentication extended key usage, which real 利用者証明用 certificates carry.
const CLIENT_AUTH_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// Length of the subject common name of a real 利用者証明用 certificate (an opaque code, not a person's name).
const SUBJECT_CODE_LEN: usize = 23;

/// File names, relative to `shared/vcard/data/`, of the committed PKI.
pub mod file_names {
    /// The test CA certificate (DER).
    pub const CA_CERTIFICATE: &str = "test-pki/auth-ca.der";
    /// The test CA private key (PKCS#8 DER). A test key: it protects nothing.
    pub const CA_PRIVATE_KEY: &str = "test-pki/auth-ca.pk8";
    /// The demo population.
    pub const DEMO_CARDS: &str = "demo-cards.json";

    /// The certificate of demo card `index` (DER).
    pub fn card_certificate(index: usize) -> String {
        format!("test-pki/card-{index:02}.cert.der")
    }

    /// The private key of demo card `index` (PKCS#8 DER). A test key: it protects nothing.
    pub fn card_private_key(index: usize) -> String {
        format!("test-pki/card-{index:02}.key.pk8")
    }
}

/// One generated card: its certificate and key.
pub struct GeneratedCard {
    /// The 利用者証明用 certificate (DER).
    pub certificate_der: Vec<u8>,
    /// The card's private key (PKCS#8 DER).
    pub private_key_pkcs8: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for GeneratedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedCard")
            .field("certificate_der", &format_args!("{} bytes", self.certificate_der.len()))
            .field("private_key_pkcs8", &format_args!("<redacted>"))
            .finish()
    }
}

/// The whole generated test PKI.
pub struct GeneratedPki {
    /// The test CA certificate (DER).
    pub ca_certificate_der: Vec<u8>,
    /// The test CA private key (PKCS#8 DER).
    pub ca_private_key_pkcs8: Zeroizing<Vec<u8>>,
    /// One entry per [`DEMO_PERSONS`] entry, in the same order.
    pub cards: Vec<GeneratedCard>,
    /// The demo population as pretty-printed JSON (the content of `demo-cards.json`).
    pub demo_cards_json: String,
}

impl std::fmt::Debug for GeneratedPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedPki")
            .field("ca_certificate_der", &format_args!("{} bytes", self.ca_certificate_der.len()))
            .field("ca_private_key_pkcs8", &format_args!("<redacted>"))
            .field("cards", &self.cards)
            .finish_non_exhaustive()
    }
}

impl GeneratedPki {
    /// Every file of the committed PKI as (path relative to `shared/vcard/data/`, content).
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = vec![
            (file_names::CA_CERTIFICATE.to_owned(), self.ca_certificate_der.clone()),
            (file_names::CA_PRIVATE_KEY.to_owned(), self.ca_private_key_pkcs8.to_vec()),
        ];
        for (index, card) in self.cards.iter().enumerate() {
            files.push((file_names::card_certificate(index), card.certificate_der.clone()));
            files.push((file_names::card_private_key(index), card.private_key_pkcs8.to_vec()));
        }
        files.push((file_names::DEMO_CARDS.to_owned(), self.demo_cards_json.clone().into_bytes()));
        files
    }
}

/// Generates the test CA and one certificate per demo person from `seed`. Same seed, same bytes.
pub fn generate_test_pki(seed: &[u8; 32]) -> Result<GeneratedPki, VcardError> {
    let ca_key = generate_rsa_key(seed, "test CA key")?;
    let ca_name = Name::from_str(TEST_CA_SUBJECT).map_err(VcardError::from_der)?;
    let ca_signer = SigningKey::<Sha256>::new(ca_key.clone());
    let ca_spki = subject_public_key_info(ca_key.as_ref())?;
    let ca_key_identifier = key_identifier(&ca_spki)?;

    let ca_profile = TestPkiProfile {
        subject: ca_name.clone(),
        issuer: ca_name.clone(),
        role: CertificateRole::CertificateAuthority,
        issuer_key_identifier: ca_key_identifier.clone(),
    };
    let ca_validity = Validity::new(utc(2024, 1, 1, 0, 0, 0)?, utc(2039, 12, 31, 23, 59, 59)?);
    let ca_certificate = CertificateBuilder::new(ca_profile, SerialNumber::from(1u32), ca_validity, ca_spki)?
        .build::<_, Signature>(&ca_signer)?;
    let ca_certificate_der = ca_certificate.to_der().map_err(VcardError::from_der)?;

    let mut serial_rng = ChaCha20Rng::from_seed(derive_seed(seed, "card serial numbers"));
    let mut used_serials: Vec<[u8; 4]> = Vec::new();
    let mut cards = Vec::with_capacity(DEMO_PERSONS.len());
    let mut records = Vec::with_capacity(DEMO_PERSONS.len());

    for (index, person) in DEMO_PERSONS.iter().enumerate() {
        let serial = distinct_serial(&mut serial_rng, &used_serials);
        used_serials.push(serial);
        let subject_code = subject_code(seed, index);
        let subject = Name::from_str(&format!("CN={subject_code},C=JP")).map_err(VcardError::from_der)?;

        let card_key = generate_rsa_key(seed, &format!("card {index} key"))?;
        let card_spki = subject_public_key_info(card_key.as_ref())?;
        let profile = TestPkiProfile {
            subject,
            issuer: ca_name.clone(),
            role: CertificateRole::UserAuthentication,
            issuer_key_identifier: ca_key_identifier.clone(),
        };
        let validity = Validity::new(utc(2025, 1, 1, 0, 0, 0)?, utc(2030, 12, 31, 23, 59, 59)?);
        let certificate: Certificate =
            CertificateBuilder::new(profile, SerialNumber::new(&serial)?, validity, card_spki)?
                .build::<_, Signature>(&ca_signer)?;

        records.push(demo_record(index, person, &certificate));
        cards.push(GeneratedCard {
            certificate_der: certificate.to_der().map_err(VcardError::from_der)?,
            private_key_pkcs8: pkcs8_der(&card_key)?,
        });
    }

    let mut demo_cards_json = serde_json::to_string_pretty(&records).map_err(VcardError::DemoData)?;
    demo_cards_json.push('\n');

    Ok(GeneratedPki { ca_certificate_der, ca_private_key_pkcs8: pkcs8_der(&ca_key)?, cards, demo_cards_json })
}

/// The demo-cards.json record of one person, with the serial and issuer read back from the finished certificate
/// exactly as a verifier will read them.
fn demo_record(index: usize, person: &DemoPerson, certificate: &Certificate) -> DemoCardRecord {
    let tbs = certificate.tbs_certificate();
    DemoCardRecord {
        index,
        label: person.label.to_owned(),
        pin: person.pin.to_owned(),
        certificate_serial: onshi_proto::origin::canonical_serial(tbs.serial_number().as_bytes()),
        certificate_issuer: tbs.issuer().to_string(),
        name: person.name.to_owned(),
        name_kana: person.name_kana.to_owned(),
        birth_date: person.birth_date.to_owned(),
        sex: person.sex.to_owned(),
        address: person.address.to_owned(),
        scenario: person.scenario.to_owned(),
    }
}

/// Which kind of certificate a [`TestPkiProfile`] issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CertificateRole {
    /// The self-signed test CA.
    CertificateAuthority,
    /// The self-signed test root above both issuing CAs.
    RootAuthority,
    /// A card's 利用者証明用 certificate.
    UserAuthentication,
    /// A card's 署名用 certificate.
    UserSigning,
}

/// Subject of the test root CA.
pub const TEST_ROOT_SUBJECT: &str = "CN=onshi test JPKI root CA,O=onshi test,C=JP";
/// Subject of the test 署名用 CA.
pub const TEST_SIGN_CA_SUBJECT: &str = "CN=onshi test sign CA,OU=JPKI for digital signature TEST,O=onshi test,C=JP";

/// File names of the hierarchy added on top of the committed auth PKI (the original files stay unchanged).
pub mod hierarchy_file_names {
    /// The self-signed test root (DER).
    pub const ROOT_CERTIFICATE: &str = "test-pki/root-ca.der";
    /// The root's private key. Test key.
    pub const ROOT_PRIVATE_KEY: &str = "test-pki/root-ca.pk8";
    /// The test auth CA (same subject and key as `auth-ca.der`) certified by the root: root → auth CA → cards.
    pub const AUTH_CA_BY_ROOT: &str = "test-pki/auth-ca.by-root.der";
    /// The test 署名用 CA, issued by the root.
    pub const SIGN_CA_CERTIFICATE: &str = "test-pki/sign-ca.der";
    /// The sign CA's private key. Test key.
    pub const SIGN_CA_PRIVATE_KEY: &str = "test-pki/sign-ca.pk8";
    /// An expired 利用者証明用 certificate (2015–2020) from the auth CA, for the expired-card state.
    pub const EXPIRED_CARD_CERTIFICATE: &str = "test-pki/card-expired.cert.der";
    /// Its private key. Test key.
    pub const EXPIRED_CARD_PRIVATE_KEY: &str = "test-pki/card-expired.key.pk8";

    /// The 署名用 certificate of demo card `index`.
    pub fn sign_certificate(index: usize) -> String {
        format!("test-pki/card-{index:02}.sign.cert.der")
    }

    /// The 署名用 private key of demo card `index`. Test key.
    pub fn sign_private_key(index: usize) -> String {
        format!("test-pki/card-{index:02}.sign.key.pk8")
    }
}

/// Generates the hierarchy around the committed auth PKI: a root, the auth CA cross-certified by it, the 署名用
/// CA with one signing certificate per demo card, and an expired card certificate. Same seed, same bytes; the
/// auth CA key is re-derived from the same seed stream as in [`generate_test_pki`].
pub fn generate_hierarchy(seed: &[u8; 32]) -> Result<Vec<(String, Vec<u8>)>, VcardError> {
    use hierarchy_file_names as names;
    let mut files = Vec::new();
    let root_key = generate_rsa_key(seed, "root CA key")?;
    let root_name = Name::from_str(TEST_ROOT_SUBJECT).map_err(VcardError::from_der)?;
    let root_signer = SigningKey::<Sha256>::new(root_key.clone());
    let root_spki = subject_public_key_info(root_key.as_ref())?;
    let root_key_identifier = key_identifier(&root_spki)?;
    let long_validity = || -> Result<Validity, VcardError> {
        Ok(Validity::new(utc(2024, 1, 1, 0, 0, 0)?, utc(2039, 12, 31, 23, 59, 59)?))
    };
    let issue = |subject: &Name, issuer: &Name, role, issuer_key_identifier: &OctetString| TestPkiProfile {
        subject: subject.clone(),
        issuer: issuer.clone(),
        role,
        issuer_key_identifier: issuer_key_identifier.clone(),
    };
    let root = CertificateBuilder::new(
        issue(&root_name, &root_name, CertificateRole::RootAuthority, &root_key_identifier),
        SerialNumber::from(1u32),
        long_validity()?,
        root_spki,
    )?
    .build::<_, Signature>(&root_signer)?;
    files.push((names::ROOT_CERTIFICATE.to_owned(), root.to_der().map_err(VcardError::from_der)?));
    files.push((names::ROOT_PRIVATE_KEY.to_owned(), pkcs8_der(&root_key)?.to_vec()));

    let auth_ca_key = generate_rsa_key(seed, "test CA key")?;
    let auth_ca_name = Name::from_str(TEST_CA_SUBJECT).map_err(VcardError::from_der)?;
    let auth_ca_spki = subject_public_key_info(auth_ca_key.as_ref())?;
    let auth_ca_key_identifier = key_identifier(&auth_ca_spki)?;
    let auth_ca = CertificateBuilder::new(
        issue(&auth_ca_name, &root_name, CertificateRole::CertificateAuthority, &root_key_identifier),
        SerialNumber::from(2u32),
        long_validity()?,
        auth_ca_spki,
    )?
    .build::<_, Signature>(&root_signer)?;
    files.push((names::AUTH_CA_BY_ROOT.to_owned(), auth_ca.to_der().map_err(VcardError::from_der)?));

    let sign_ca_key = generate_rsa_key(seed, "sign CA key")?;
    let sign_ca_name = Name::from_str(TEST_SIGN_CA_SUBJECT).map_err(VcardError::from_der)?;
    let sign_ca_spki = subject_public_key_info(sign_ca_key.as_ref())?;
    let sign_ca_key_identifier = key_identifier(&sign_ca_spki)?;
    let sign_ca = CertificateBuilder::new(
        issue(&sign_ca_name, &root_name, CertificateRole::CertificateAuthority, &root_key_identifier),
        SerialNumber::from(3u32),
        long_validity()?,
        sign_ca_spki,
    )?
    .build::<_, Signature>(&root_signer)?;
    files.push((names::SIGN_CA_CERTIFICATE.to_owned(), sign_ca.to_der().map_err(VcardError::from_der)?));
    files.push((names::SIGN_CA_PRIVATE_KEY.to_owned(), pkcs8_der(&sign_ca_key)?.to_vec()));

    let sign_ca_signer = SigningKey::<Sha256>::new(sign_ca_key);
    let mut serial_rng = ChaCha20Rng::from_seed(derive_seed(seed, "sign serial numbers"));
    let mut used_serials: Vec<[u8; 4]> = Vec::new();
    for index in 0..DEMO_PERSONS.len() {
        let serial = distinct_serial(&mut serial_rng, &used_serials);
        used_serials.push(serial);
        let subject =
            Name::from_str(&format!("CN={},C=JP", subject_code(seed, 100 + index))).map_err(VcardError::from_der)?;
        let key = generate_rsa_key(seed, &format!("card {index} sign key"))?;
        let spki = subject_public_key_info(key.as_ref())?;
        let validity = Validity::new(utc(2025, 1, 1, 0, 0, 0)?, utc(2030, 12, 31, 23, 59, 59)?);
        let certificate = CertificateBuilder::new(
            issue(&subject, &sign_ca_name, CertificateRole::UserSigning, &sign_ca_key_identifier),
            SerialNumber::new(&serial)?,
            validity,
            spki,
        )?
        .build::<_, Signature>(&sign_ca_signer)?;
        files.push((names::sign_certificate(index), certificate.to_der().map_err(VcardError::from_der)?));
        files.push((names::sign_private_key(index), pkcs8_der(&key)?.to_vec()));
    }

    let auth_ca_signer = SigningKey::<Sha256>::new(auth_ca_key);
    let expired_key = generate_rsa_key(seed, "expired card key")?;
    let expired_subject =
        Name::from_str(&format!("CN={},C=JP", subject_code(seed, 200))).map_err(VcardError::from_der)?;
    let expired = CertificateBuilder::new(
        issue(&expired_subject, &auth_ca_name, CertificateRole::UserAuthentication, &auth_ca_key_identifier),
        SerialNumber::from(0x0100_0001u32),
        Validity::new(utc(2015, 1, 1, 0, 0, 0)?, utc(2020, 12, 31, 23, 59, 59)?),
        subject_public_key_info(expired_key.as_ref())?,
    )?
    .build::<_, Signature>(&auth_ca_signer)?;
    files.push((names::EXPIRED_CARD_CERTIFICATE.to_owned(), expired.to_der().map_err(VcardError::from_der)?));
    files.push((names::EXPIRED_CARD_PRIVATE_KEY.to_owned(), pkcs8_der(&expired_key)?.to_vec()));
    Ok(files)
}

/// The committed test CA's private key, with which [`reissue_user_certificate`] issues a demo card's certificate again
/// with other dates. A test key: it protects nothing.
const TEST_CA_PRIVATE_KEY_PKCS8: &[u8] = include_bytes!("../data/test-pki/auth-ca.pk8");

/// A 利用者証明用 certificate issued again by the committed test CA: the same subject, serial and key as
/// `original_der`, valid from `not_before` to `not_after`. The dated demo cards use it, so their dates follow the
/// day they are made.
pub fn reissue_user_certificate(original_der: &[u8], not_before: Time, not_after: Time) -> Result<Vec<u8>, VcardError> {
    use der::Decode;
    use rsa::pkcs8::DecodePrivateKey;

    let original = Certificate::from_der(original_der)?;
    let ca = Certificate::from_der(crate::demo::TEST_CA_CERTIFICATE_DER)?;
    let ca_key = PrivateKey::from_pkcs8_der(TEST_CA_PRIVATE_KEY_PKCS8)
        .map_err(|error| VcardError::KeyEncoding(error.to_string()))?;
    let ca_spki = ca.tbs_certificate().subject_public_key_info().clone();
    let profile = TestPkiProfile {
        subject: original.tbs_certificate().subject().clone(),
        issuer: ca.tbs_certificate().subject().clone(),
        role: CertificateRole::UserAuthentication,
        issuer_key_identifier: key_identifier(&ca_spki)?,
    };
    let certificate = CertificateBuilder::new(
        profile,
        original.tbs_certificate().serial_number().clone(),
        Validity::new(not_before, not_after),
        original.tbs_certificate().subject_public_key_info().clone(),
    )?
    .build::<_, Signature>(&SigningKey::<Sha256>::new(ca_key))?;
    certificate.to_der().map_err(VcardError::from_der)
}

/// The x509-cert builder profile of the test PKI: extensions modelled on the real JPKI certificates (critical
/// keyUsage, clientAuth EKU, key identifiers), without the real policy OIDs, which a test CA must not claim.
#[derive(Debug)]
struct TestPkiProfile {
    subject: Name,
    issuer: Name,
    role: CertificateRole,
    issuer_key_identifier: OctetString,
}

impl BuilderProfile for TestPkiProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        subject_key: SubjectPublicKeyInfoRef<'_>,
        _issuer_key: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut extensions: Vec<Extension> = Vec::new();
        let subject_key_identifier = SubjectKeyIdentifier(key_identifier_of_ref(subject_key)?);
        match self.role {
            CertificateRole::CertificateAuthority | CertificateRole::RootAuthority => {
                let path_len = if self.role == CertificateRole::RootAuthority { 1 } else { 0 };
                let basic_constraints = BasicConstraints { ca: true, path_len_constraint: Some(path_len) };
                extensions.push(basic_constraints.to_extension(subject, &extensions)?);
                let key_usage = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
                extensions.push(key_usage.to_extension(subject, &extensions)?);
            }
            CertificateRole::UserAuthentication => {
                let key_usage = KeyUsage(KeyUsages::DigitalSignature.into());
                extensions.push(key_usage.to_extension(subject, &extensions)?);
                let extended_key_usage = ExtendedKeyUsage(vec![CLIENT_AUTH_OID]);
                extensions.push(extended_key_usage.to_extension(subject, &extensions)?);
                let authority_key_identifier = AuthorityKeyIdentifier {
                    key_identifier: Some(self.issuer_key_identifier.clone()),
                    ..Default::default()
                };
                extensions.push(authority_key_identifier.to_extension(subject, &extensions)?);
            }
            CertificateRole::UserSigning => {
                let key_usage = KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
                extensions.push(key_usage.to_extension(subject, &extensions)?);
                let authority_key_identifier = AuthorityKeyIdentifier {
                    key_identifier: Some(self.issuer_key_identifier.clone()),
                    ..Default::default()
                };
                extensions.push(authority_key_identifier.to_extension(subject, &extensions)?);
            }
        }
        extensions.push(subject_key_identifier.to_extension(subject, &extensions)?);
        Ok(extensions)
    }
}

/// SHA-256(seed ‖ 0x00 ‖ purpose): an independent 32-byte seed per purpose.
/// File names of the 券面事項確認AP's test keys: the issuer that signs every demo card face (the key a real card's
/// EF 0004 certifies under J-LIS) and each demo card's own key, with which the AP signs a challenge.
pub mod surface_file_names {
    /// The test card-face issuer's private key (PKCS#8 DER). Test key.
    pub const ISSUER_PRIVATE_KEY: &str = "test-pki/surface-issuer.pk8";
    /// Its public key (SubjectPublicKeyInfo DER), which a verifier trusts in development.
    pub const ISSUER_PUBLIC_KEY: &str = "test-pki/surface-issuer.spki.der";

    /// The 券面事項確認AP key of demo card `index`. Test key.
    pub fn card_key(index: usize) -> String {
        format!("test-pki/card-{index:02}.surface.key.pk8")
    }
}

/// Generates the 券面事項確認AP's test keys from the same seed, each from its own stream.
pub fn generate_surface_keys(seed: &[u8; 32]) -> Result<Vec<(String, Vec<u8>)>, VcardError> {
    use surface_file_names as names;
    let issuer = generate_rsa_key(seed, "card face issuer key")?;
    let issuer_spki = subject_public_key_info(issuer.as_ref())?.to_der()?;
    let mut files = vec![
        (names::ISSUER_PRIVATE_KEY.to_owned(), pkcs8_der(&issuer)?.to_vec()),
        (names::ISSUER_PUBLIC_KEY.to_owned(), issuer_spki),
    ];
    for index in 0..DEMO_PERSONS.len() {
        let key = generate_rsa_key(seed, &format!("card {index} card face AP key"))?;
        files.push((names::card_key(index), pkcs8_der(&key)?.to_vec()));
    }
    Ok(files)
}

fn derive_seed(seed: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update([0u8]);
    hasher.update(purpose.as_bytes());
    hasher.finalize().into()
}

fn generate_rsa_key(seed: &[u8; 32], purpose: &str) -> Result<PrivateKey, VcardError> {
    let mut rng = ChaCha20Rng::from_seed(derive_seed(seed, purpose));
    PrivateKey::new(&mut rng, RSA_BITS).map_err(VcardError::Rsa)
}

fn pkcs8_der(key: &PrivateKey) -> Result<Zeroizing<Vec<u8>>, VcardError> {
    let document = key.to_pkcs8_der().map_err(|error| VcardError::KeyEncoding(error.to_string()))?;
    Ok(Zeroizing::new(document.as_bytes().to_vec()))
}

fn subject_public_key_info(key: &PublicKey) -> Result<SubjectPublicKeyInfoOwned, VcardError> {
    SubjectPublicKeyInfoOwned::from_key(key).map_err(|error| VcardError::KeyEncoding(error.to_string()))
}

/// The key identifier of RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 of the subjectPublicKey bits.
fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<OctetString, VcardError> {
    key_identifier_of_ref(spki.owned_to_ref()).map_err(VcardError::from_der)
}

fn key_identifier_of_ref(spki: SubjectPublicKeyInfoRef<'_>) -> der::Result<OctetString> {
    let digest = Sha256::digest(spki.subject_public_key.raw_bytes());
    OctetString::new(digest.get(..20).unwrap_or_default())
}

/// A 4-byte positive serial (like the real card's 0x012D57CA) that no earlier card has.
fn distinct_serial(rng: &mut ChaCha20Rng, used: &[[u8; 4]]) -> [u8; 4] {
    loop {
        let mut serial = [0u8; 4];
        rng.fill_bytes(&mut serial);
        // Keep the top byte in 0x01..=0x7F: positive, and exactly four significant bytes.
        serial[0] = (serial[0] % 0x7F) + 1;
        if !used.contains(&serial) {
            return serial;
        }
    }
}

/// An opaque upper-case alphanumeric code standing in for the real certificate's subject common name.
fn subject_code(seed: &[u8; 32], index: usize) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = ChaCha20Rng::from_seed(derive_seed(seed, &format!("card {index} subject code")));
    (0..SUBJECT_CODE_LEN)
        .map(|_| {
            let pick = usize::try_from(rng.next_u32() % 36).unwrap_or_default();
            char::from(ALPHABET.get(pick).copied().unwrap_or(b'0'))
        })
        .collect()
}

fn utc(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Result<Time, VcardError> {
    DateTime::new(year, month, day, hour, minute, second).map(Time::from).map_err(VcardError::from_der)
}
