//! Card authentication: is this certificate a current 利用者証明用 certificate from a trusted JPKI CA, and did
//! its private key (inside the card) sign our challenge?
//!
//! Pure: the trust anchors, the clock and the RSA signature check ([`super::rsa_signature`]) are passed in. The
//! chain is one level deep, as in JPKI: the card certificate is issued directly by the 利用者証明用 CA, whose
//! self-signed certificate is configured as a trust anchor. A self-signed certificate is accepted only in that
//! anchor role, never as the card's certificate.
//!
//! The profile is the one J-LIS issues, checked strictly: an anchor must say it is a CA (basicConstraints
//! `cA=TRUE`) allowed to sign certificates (keyUsage `keyCertSign`) and be valid when a card is checked; a card
//! certificate must carry keyUsage `digitalSignature` and the extended key usage `clientAuth` that every
//! 利用者証明用 certificate carries and a 署名用 certificate lacks. A critical extension this module does not
//! understand refuses the certificate (RFC 5280 §4.2).

use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Encode, Sequence};
use onshi_proto::certificate::{CertificateRef, CertificateSerial, IssuerName};
use onshi_proto::certificate_expiry::{CardScope, CertificateStanding, ExpiryNotice};
use rsa::pkcs1::RsaPublicKeyRef;
use spki::{AlgorithmIdentifierRef, ObjectIdentifier};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use x509_cert::name::Name;
use x509_cert::time::Time;

use super::rsa_signature::{RsaSha256Check, rsa_public_key};
use crate::error::EdgeError;

/// `sha256WithRSAEncryption` (RFC 4055), the only certificate signature algorithm JPKI uses.
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// `id-kp-clientAuth` (RFC 5280 §4.2.1.12): the extended key usage of a 利用者証明用 certificate.
const CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// The extensions this module understands, and so may find marked critical: keyUsage, basicConstraints and
/// extKeyUsage, which it checks, and certificatePolicies, which J-LIS marks critical on every card certificate
/// and whose only effect here is the profile the other three already enforce.
const UNDERSTOOD_CRITICAL_EXTENSIONS: [ObjectIdentifier; 4] = [
    ObjectIdentifier::new_unwrap("2.5.29.15"),
    ObjectIdentifier::new_unwrap("2.5.29.19"),
    ObjectIdentifier::new_unwrap("2.5.29.37"),
    ObjectIdentifier::new_unwrap("2.5.29.32"),
];

/// True when every critical extension of `certificate` is one this module understands.
fn critical_extensions_understood(certificate: &Certificate) -> bool {
    certificate
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .filter(|extension| extension.critical)
        .all(|extension| UNDERSTOOD_CRITICAL_EXTENSIONS.contains(&extension.extn_id))
}

/// The three top-level fields of a certificate, with the to-be-signed part kept as the exact bytes that were
/// signed (re-encoding a parsed structure could differ from what the CA signed).
#[derive(Sequence)]
struct SignedParts<'a> {
    tbs_certificate: AnyRef<'a>,
    signature_algorithm: AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

/// The CA certificates of the committed test PKI (the virtual card's), whose private keys are in the repository:
/// anyone can issue a card under them, so production must never trust their keys.
const COMMITTED_TEST_CAS: [&[u8]; 3] = [
    include_bytes!("../../../shared/vcard/data/test-pki/auth-ca.der"),
    include_bytes!("../../../shared/vcard/data/test-pki/root-ca.der"),
    include_bytes!("../../../shared/vcard/data/test-pki/sign-ca.der"),
];

/// One configured CA: its certificate and its RSA public key (the `SubjectPublicKeyInfo` DER).
#[derive(Clone)]
struct TrustAnchor {
    der: Vec<u8>,
    subject: Name,
    spki: Vec<u8>,
    not_before: i64,
    not_after: i64,
}

/// The configured 利用者証明用 CA certificates.
#[derive(Clone, Default)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor>,
}

impl std::fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let subjects: Vec<String> = self.anchors.iter().map(|anchor| anchor.subject.to_string()).collect();
        f.debug_struct("TrustAnchors").field("subjects", &subjects).finish()
    }
}

impl TrustAnchors {
    /// Loads one or more concatenated PEM `CERTIFICATE` blocks.
    pub fn from_pem(text: &str) -> Result<Self, EdgeError> {
        let certificates = Certificate::load_pem_chain(text.trim().as_bytes())
            .map_err(|_| EdgeError::Config("JPKI_AUTH_CA_PEM is not a list of PEM certificates"))?;
        let ders = certificates
            .iter()
            .map(|certificate| certificate.to_der())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| EdgeError::Config("a trust anchor cannot be re-encoded"))?;
        Self::from_der_certificates(ders)
    }

    /// Loads DER certificates. Each must carry an RSA key, say it is a CA (basicConstraints `cA=TRUE`) allowed to
    /// sign certificates (keyUsage `keyCertSign`), and mark no extension critical that this module does not
    /// understand. Its validity is checked each time it is used, not here: a configuration may name a successor
    /// CA before it starts.
    pub fn from_der_certificates(ders: impl IntoIterator<Item = Vec<u8>>) -> Result<Self, EdgeError> {
        let mut anchors = Vec::new();
        for der in ders {
            let certificate =
                Certificate::from_der(&der).map_err(|_| EdgeError::Config("a trust anchor cannot be parsed"))?;
            let tbs = certificate.tbs_certificate();
            let basic = tbs
                .get_extension::<BasicConstraints>()
                .map_err(|_| EdgeError::Config("a trust anchor has malformed basic constraints"))?;
            if !basic.is_some_and(|(_, constraints)| constraints.ca) {
                return Err(EdgeError::Config("a trust anchor is not a CA certificate"));
            }
            let usage = tbs
                .get_extension::<KeyUsage>()
                .map_err(|_| EdgeError::Config("a trust anchor has a malformed key usage"))?;
            if !usage.is_some_and(|(_, usage)| usage.key_cert_sign()) {
                return Err(EdgeError::Config("a trust anchor may not sign certificates"));
            }
            if !critical_extensions_understood(&certificate) {
                return Err(EdgeError::Config("a trust anchor has a critical extension the edge does not understand"));
            }
            // The key is read in full once here, so that an anchor whose key no check could use is refused at
            // start-up rather than by every card it should have vouched for.
            let spki = spki_of(&certificate)
                .ok()
                .filter(|spki| rsa_public_key(spki).is_some())
                .ok_or(EdgeError::Config("a trust anchor has no RSA key"))?;
            let validity = tbs.validity();
            anchors.push(TrustAnchor {
                subject: tbs.subject().clone(),
                spki,
                der,
                not_before: unix_seconds(validity.not_before),
                not_after: unix_seconds(validity.not_after),
            });
        }
        if anchors.is_empty() {
            return Err(EdgeError::Config("no trust anchor is configured"));
        }
        Ok(Self { anchors })
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True when no anchor is configured.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// True when an anchor carries the key of a committed test CA. Keys are compared, not names: a certificate
    /// re-issued for the same key under another name would trust the same cards.
    pub fn include_committed_test_key(&self) -> bool {
        let test_keys: Vec<Vec<u8>> = COMMITTED_TEST_CAS
            .iter()
            .filter_map(|der| Certificate::from_der(der).ok())
            .filter_map(|certificate| spki_of(&certificate).ok())
            .collect();
        self.anchors.iter().any(|anchor| test_keys.contains(&anchor.spki))
    }
}

fn spki_of(certificate: &Certificate) -> Result<Vec<u8>, EdgeError> {
    certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| EdgeError::CertificateInvalid("public key cannot be encoded"))
}

/// The modulus sizes a card key may have, in bits. J-LIS issues 2,048-bit 利用者証明用 keys; up to 4,096 leaves room
/// for a later generation of cards, while a weaker key, or a huge one that costs every verification more, is refused
/// before anything is computed with it.
const CARD_KEY_BITS: std::ops::RangeInclusive<usize> = 2048..=4096;

/// The size of a certificate's RSA modulus, in bits (to the octet, as RFC 8017's `k` counts it). Read from the
/// key's encoding alone: building the `rsa` crate's key would also compute its Montgomery parameters, which only a
/// check made here would use.
fn rsa_modulus_bits(certificate: &Certificate) -> Result<usize, EdgeError> {
    let not_rsa = EdgeError::CertificateInvalid("not an RSA public key");
    let spki = certificate.tbs_certificate().subject_public_key_info();
    if spki.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
        return Err(not_rsa);
    }
    let key = spki.subject_public_key.as_bytes().and_then(|bytes| RsaPublicKeyRef::try_from(bytes).ok());
    Ok(key.ok_or(not_rsa)?.modulus.as_bytes().len() * 8)
}

fn unix_seconds(time: Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

fn is_sha256_with_rsa(algorithm: &AlgorithmIdentifierRef<'_>) -> bool {
    // RFC 4055 says the parameters are NULL; some encoders omit them, which is harmless.
    algorithm.oid == SHA256_WITH_RSA && algorithm.parameters.is_none_or(|parameters| parameters.is_null())
}

/// A card that proved it holds the key of a trusted 利用者証明用 certificate, with where that certificate stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedCard {
    /// The certificate's identity.
    pub certificate: CertificateRef,
    /// What a session opened with it may do: `qualification_only` while it is in its grace period.
    pub scope: CardScope,
    /// What the patient is told about its expiry, when it expires soon or has expired.
    pub expiry_notice: Option<ExpiryNotice>,
}

/// Verifies a card's answer to a challenge, admitting a certificate in its grace period
/// ([`onshi_proto::certificate_expiry`]): the checks of [`verify_card_authentication`], except that a certificate
/// expired by less than its grace confirms the qualification only. Past the grace it is refused as expired.
pub async fn authenticate_card(
    certificate_der: &[u8],
    signature: &[u8],
    challenge: &[u8],
    anchors: &TrustAnchors,
    now_unix: i64,
    rsa: &impl RsaSha256Check,
) -> Result<AuthenticatedCard, EdgeError> {
    let (certificate, standing) = checked_card_certificate(certificate_der, anchors, now_unix, rsa).await?;
    let card = admitted(&certificate, standing)?;
    if !rsa.rsa_sha256_verifies(&spki_of(&certificate)?, challenge, signature).await? {
        return Err(EdgeError::SignatureInvalid);
    }
    Ok(card)
}

/// The card a checked certificate stands for on the day: refused past its grace, otherwise with its scope and notice.
fn admitted(certificate: &Certificate, standing: CertificateStanding) -> Result<AuthenticatedCard, EdgeError> {
    let scope = standing.scope().ok_or(EdgeError::CertificateExpired)?;
    Ok(AuthenticatedCard { certificate: identity_of(certificate)?, scope, expiry_notice: standing.notice() })
}

/// Verifies a card's answer to a challenge and returns the certificate's identity.
///
/// Checks, in order: the certificate parses and is an end-entity 利用者証明用 certificate (keyUsage
/// `digitalSignature`, extended key usage `clientAuth`, no critical extension it does not understand); one of
/// `anchors` signed it (sha256WithRSAEncryption); `now_unix` lies within its validity and the anchor's; and
/// `signature` is the card's RSA PKCS#1 v1.5 SHA-256 signature over `challenge`.
pub async fn verify_card_authentication(
    certificate_der: &[u8],
    signature: &[u8],
    challenge: &[u8],
    anchors: &TrustAnchors,
    now_unix: i64,
    rsa: &impl RsaSha256Check,
) -> Result<CertificateRef, EdgeError> {
    let card = authenticate_card(certificate_der, signature, challenge, anchors, now_unix, rsa).await?;
    if !card.scope.is_full() {
        return Err(EdgeError::CertificateExpired);
    }
    Ok(card.certificate)
}

/// Verifies a card certificate without any signature by the card: the checks of [`verify_card_authentication`] up
/// to and including the validity dates, admitting a certificate in its grace period as [`authenticate_card`] does.
/// A staff visual check (目視) uses it, because the certificate (EF 000A) is read without a PIN and the card signs
/// nothing; staff confirm the person. The scope and notice travel with the request to the origin and come back
/// with the approval, so the session staff open confirms no more than a PIN session with the same card would.
pub async fn verify_card_certificate(
    certificate_der: &[u8],
    anchors: &TrustAnchors,
    now_unix: i64,
    rsa: &impl RsaSha256Check,
) -> Result<AuthenticatedCard, EdgeError> {
    let (certificate, standing) = checked_card_certificate(certificate_der, anchors, now_unix, rsa).await?;
    admitted(&certificate, standing)
}

/// The issuer and serial the other tiers name the certificate by. A trusted issuer's name is always plain text; a
/// name that is not (a control character, an absurd length) is refused rather than passed on.
fn identity_of(certificate: &Certificate) -> Result<CertificateRef, EdgeError> {
    let tbs = certificate.tbs_certificate();
    Ok(CertificateRef {
        issuer: IssuerName::parse(&tbs.issuer().to_string())
            .map_err(|_| EdgeError::CertificateInvalid("the issuer name is not plain text"))?,
        serial: CertificateSerial::from_der_integer(tbs.serial_number().as_bytes()),
    })
}

/// The parsed certificate, once it is known to be a card certificate a trust anchor issued, begun by `now_unix`,
/// with where it stands then (valid, expiring soon, in its grace, or lapsed).
async fn checked_card_certificate(
    certificate_der: &[u8],
    anchors: &TrustAnchors,
    now_unix: i64,
    rsa: &impl RsaSha256Check,
) -> Result<(Certificate, CertificateStanding), EdgeError> {
    let parts =
        SignedParts::from_der(certificate_der).map_err(|_| EdgeError::CertificateInvalid("not a DER certificate"))?;
    let certificate = Certificate::from_der(certificate_der)
        .map_err(|_| EdgeError::CertificateInvalid("not an X.509 certificate"))?;
    let tbs = certificate.tbs_certificate();

    let inner_algorithm = AlgorithmIdentifierRef::from(tbs.signature());
    if !is_sha256_with_rsa(&parts.signature_algorithm) || inner_algorithm != parts.signature_algorithm {
        return Err(EdgeError::CertificateInvalid("unsupported or inconsistent signature algorithm"));
    }
    let basic = tbs
        .get_extension::<BasicConstraints>()
        .map_err(|_| EdgeError::CertificateInvalid("malformed basic constraints"))?;
    if basic.is_some_and(|(_, constraints)| constraints.ca) {
        return Err(EdgeError::CertificateInvalid("a CA certificate is not a card certificate"));
    }
    let usage = tbs.get_extension::<KeyUsage>().map_err(|_| EdgeError::CertificateInvalid("malformed key usage"))?;
    if !usage.is_some_and(|(_, usage)| usage.digital_signature()) {
        return Err(EdgeError::CertificateInvalid("key usage does not allow digital signatures"));
    }
    let extended = tbs
        .get_extension::<ExtendedKeyUsage>()
        .map_err(|_| EdgeError::CertificateInvalid("malformed extended key usage"))?;
    if !extended.is_some_and(|(_, usages)| usages.0.contains(&CLIENT_AUTH)) {
        return Err(EdgeError::CertificateInvalid("not a certificate for user authentication"));
    }
    if !critical_extensions_understood(&certificate) {
        return Err(EdgeError::CertificateInvalid("a critical extension is not understood"));
    }
    if !CARD_KEY_BITS.contains(&rsa_modulus_bits(&certificate)?) {
        return Err(EdgeError::CertificateInvalid("the card key's size is outside the profile"));
    }

    // A self-issued certificate would "verify" under its own key; it is trusted only when configured as an
    // anchor, and an anchor is never a card.
    if tbs.subject() == tbs.issuer() || anchors.anchors.iter().any(|anchor| anchor.der == certificate_der) {
        return Err(EdgeError::CertificateUntrusted);
    }
    let tbs_der = parts.tbs_certificate.to_der().map_err(|_| EdgeError::CertificateInvalid("unencodable body"))?;
    let ca_signature =
        parts.signature.as_bytes().ok_or(EdgeError::CertificateInvalid("malformed certificate signature"))?;
    // Two generations of a CA may share one name, so the issuer is the named anchor whose key signed it.
    let mut issuer = None;
    for anchor in anchors.anchors.iter().filter(|anchor| &anchor.subject == tbs.issuer()) {
        if rsa.rsa_sha256_verifies(&anchor.spki, &tbs_der, ca_signature).await? {
            issuer = Some(anchor);
            break;
        }
    }
    let issuer = issuer.ok_or(EdgeError::CertificateUntrusted)?;

    let validity = tbs.validity();
    if now_unix < unix_seconds(validity.not_before) {
        return Err(EdgeError::CertificateExpired);
    }
    // A CA outside its own validity vouches for nothing, whatever the card certificate's dates say.
    if now_unix < issuer.not_before || now_unix > issuer.not_after {
        return Err(EdgeError::CertificateExpired);
    }
    // After `notAfter` the certificate may still be in its grace period; the callers decide what that allows.
    let standing = CertificateStanding::judge(unix_seconds(validity.not_after), now_unix)
        .map_err(|_| EdgeError::CertificateInvalid("the validity dates are outside the supported calendar"))?;
    Ok((certificate, standing))
}
