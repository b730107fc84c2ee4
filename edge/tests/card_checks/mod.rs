//! The card checks of `onshi_edge::auth::cardauth` as the card tests call them: with the `rsa` crate's signature
//! check (where a worker has WebCrypto's), run to their end.
#![allow(dead_code, reason = "each test binary uses its own part of the shared helpers")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::auth::cardauth::{self, AuthenticatedCard, TrustAnchors};
use onshi_edge::auth::rsa_signature::RustCryptoRsa;
use onshi_proto::certificate::CertificateRef;

/// [`cardauth::verify_card_authentication`], run to its end.
pub fn verify_card_authentication(
    certificate_der: &[u8],
    signature: &[u8],
    challenge: &[u8],
    anchors: &TrustAnchors,
    now_unix: i64,
) -> Result<CertificateRef, EdgeError> {
    block_on(cardauth::verify_card_authentication(
        certificate_der,
        signature,
        challenge,
        anchors,
        now_unix,
        &RustCryptoRsa,
    ))
}

/// [`cardauth::verify_card_certificate`], run to its end.
pub fn verify_card_certificate(
    certificate_der: &[u8],
    anchors: &TrustAnchors,
    now_unix: i64,
) -> Result<AuthenticatedCard, EdgeError> {
    block_on(cardauth::verify_card_certificate(certificate_der, anchors, now_unix, &RustCryptoRsa))
}
