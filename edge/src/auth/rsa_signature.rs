//! Checking the one signature JPKI makes for card authentication, RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017
//! §8.2): a CA's over a card certificate and a card's over the edge's challenge.
//!
//! Why a port: in a worker the check is the runtime's WebCrypto, which does the arithmetic natively. The same
//! arithmetic compiled to wasm costs about 0.9 ms for a card's two signatures once V8 has optimised it, and 4 to
//! 5 ms before (measured under Node 20 with this crate's `rsa` code), on every check-in; a Worker's CPU time is
//! what it is billed and limited by. [`RustCryptoRsa`], the `rsa` crate's check, serves native callers and the
//! tests.
//!
//! Layer: pure, beside [`super::cardauth`], which decides what each signature means. Must not: know where a key
//! came from or what a refusal is called; it answers only whether the signature is right.

use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::sha2::Sha256;
use rsa::signature::Verifier as _;
use spki::der::Decode as _;

use crate::error::EdgeError;

/// Checks RSASSA-PKCS1-v1_5 / SHA-256 signatures.
#[allow(async_fn_in_trait)] // The worker runs on one thread; its futures are not `Send` and need not be.
pub trait RsaSha256Check {
    /// Whether `signature` is the signature over `message` of the RSA key whose `SubjectPublicKeyInfo` DER is
    /// `spki_der`. A key that does not read as an RSA key answers `false`, as a wrong signature does; an error
    /// means the check itself could not be made.
    async fn rsa_sha256_verifies(&self, spki_der: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, EdgeError>;
}

/// The check in Rust, by the `rsa` crate.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCryptoRsa;

impl RsaSha256Check for RustCryptoRsa {
    async fn rsa_sha256_verifies(&self, spki_der: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, EdgeError> {
        let (Some(key), Ok(signature)) = (rsa_public_key(spki_der), Signature::try_from(signature)) else {
            return Ok(false);
        };
        Ok(VerifyingKey::<Sha256>::new(key).verify(message, &signature).is_ok())
    }
}

/// The `rsa` crate's key from a `SubjectPublicKeyInfo` DER; `None` when it is not a usable RSA key.
pub(crate) fn rsa_public_key(spki_der: &[u8]) -> Option<rsa::PublicKey> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    rsa::PublicKey::try_from(spki).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use x509_cert::Certificate;
    use x509_cert::der::Encode as _;

    const CARD_CERT: &[u8] = include_bytes!("../../tests/data/my-number-myna-test-vector/auth-cert-myna.cer");
    const SIGNATURE: &[u8] =
        include_bytes!("../../tests/data/my-number-myna-test-vector/auth-message1-sha256rsapkcs.sig");
    const MESSAGE1: &[u8] = include_bytes!("../../tests/data/my-number-myna-test-vector/message1.txt");
    const MESSAGE2: &[u8] = include_bytes!("../../tests/data/my-number-myna-test-vector/message2.txt");

    fn card_spki() -> Vec<u8> {
        Certificate::from_der(CARD_CERT).unwrap().tbs_certificate().subject_public_key_info().to_der().unwrap()
    }

    fn verifies(spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
        block_on(RustCryptoRsa.rsa_sha256_verifies(spki, message, signature)).unwrap()
    }

    /// A real card's signature: right over its message, wrong over another, and neither a flipped bit, a cut
    /// signature nor a key that is not a key verifies; none of them is an error.
    #[test]
    fn a_real_cards_signature_verifies_over_its_message_only() {
        let spki = card_spki();
        assert!(verifies(&spki, MESSAGE1, SIGNATURE));
        assert!(!verifies(&spki, MESSAGE2, SIGNATURE));
        let mut flipped = SIGNATURE.to_vec();
        flipped[17] ^= 0x01;
        assert!(!verifies(&spki, MESSAGE1, &flipped));
        assert!(!verifies(&spki, MESSAGE1, &SIGNATURE[1..]));
        assert!(!verifies(&spki, MESSAGE1, b""));
        assert!(!verifies(&spki[..spki.len() - 1], MESSAGE1, SIGNATURE));
        assert!(!verifies(b"not a key", MESSAGE1, SIGNATURE));
    }
}
