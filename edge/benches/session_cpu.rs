//! `cargo bench -p onshi-edge --bench session_cpu [-- --quick]`: CPU time of the edge's per-request cryptography,
//! natively, single-threaded.
//!
//! Prints `bench: edge.session_cpu_ms = …` (verifying one card session: chain to the CA, validity, the card's RSA
//! signature over the challenge; the two RSA checks by the `rsa` crate, where a worker has workerd's WebCrypto make
//! them natively, so this is an upper bound for a worker) and, as extra figures, the device proof check (ECDSA
//! P-256) and minting plus checking a session token. Each figure is the median of several runs of a fixed number of
//! iterations after a warm-up; the inputs are the virtual card's test PKI copied into `test/fixtures`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark stops at a broken fixture.

use std::hint::black_box;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::executor::block_on;
use onshi_edge::auth::cardauth::{TrustAnchors, verify_card_authentication};
use onshi_edge::auth::device::{
    DeviceCheck, DeviceId, DeviceProofHeaders, DeviceRecord, SignedRequest, check_device_proof,
};
use onshi_edge::auth::ratelimit::RateLimits;
use onshi_edge::auth::rsa_signature::RustCryptoRsa;
use onshi_edge::auth::session::SessionMinter;
use onshi_edge::secret::SecretBytes;
use onshi_proto::Base64Bytes;
use onshi_proto::api::device_proof_message;
use onshi_proto::facility::FacilityCode;
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};

const CA_PEM: &str = include_str!("../test/fixtures/test-pki/auth-ca.pem");
const CARD_CERT: &[u8] = include_bytes!("../test/fixtures/test-pki/card-00.cert.der");
const CARD_KEY: &[u8] = include_bytes!("../test/fixtures/test-pki/card-00.key.pk8");
/// 2026-11-24T00:00:00Z, inside the test card's validity.
const NOW: i64 = 1_795_478_400;

/// Median milliseconds per call of `work` over `runs` runs of `iterations` calls, after a warm-up run.
fn median_ms(runs: usize, iterations: usize, mut work: impl FnMut()) -> f64 {
    for _ in 0..iterations {
        work();
    }
    let mut per_call: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..iterations {
                work();
            }
            started.elapsed().as_secs_f64() * 1e3 / iterations as f64
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    per_call[per_call.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (runs, iterations) = if quick { (3, 5) } else { (7, 50) };

    let anchors = TrustAnchors::from_pem(CA_PEM).unwrap();
    let challenge = [7_u8; 32];
    let card_key = SigningKey::<Sha256>::from_pkcs8_der(CARD_KEY).unwrap();
    let card_signature = card_key.sign(&challenge).to_vec();
    let session_ms = median_ms(runs, iterations, || {
        let verified =
            verify_card_authentication(CARD_CERT, &card_signature, &challenge, &anchors, NOW, &RustCryptoRsa);
        black_box(block_on(verified).unwrap());
    });

    let device_key = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
    let record = DeviceRecord {
        device_id: DeviceId::from_random(&FacilityCode::parse("0110113719").unwrap(), &[1; 16]),
        facility_code: "0110113719".into(),
        public_key: Base64Bytes(device_key.verifying_key().to_public_key_der().unwrap().as_bytes().to_vec()),
        enrolled_at: NOW,
        revoked: false,
        terms: onshi_edge::auth::enrolment_code::DeviceTerms { staffed: true, ..Default::default() },
    };
    let request = SignedRequest { method: "POST", path: "/api/v1/challenge", body: b"" };
    let time = NOW.to_string();
    let nonce = "AAAAAAAAAAAAAAAAAAAAAA";
    let signature: p256::ecdsa::Signature =
        device_key.sign(&device_proof_message(request.method, request.path, &time, nonce, request.body));
    let headers = DeviceProofHeaders {
        device_id: Some(record.device_id.as_str().to_owned()),
        timestamp: Some(time),
        nonce: Some(nonce.to_owned()),
        signature: Some(URL_SAFE_NO_PAD.encode(signature.to_bytes())),
    };
    // The checks the edge makes itself, plus the ECDSA verification workerd's WebCrypto does for it (here the
    // same arithmetic natively, an upper bound for WebCrypto's native code).
    let device_ms = median_ms(runs, iterations, || {
        let check = DeviceCheck::new(record.device_id.clone(), &headers, request, NOW, &RateLimits::default());
        let pending = check_device_proof(Some(record.clone()), &check).unwrap().unwrap();
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(&pending.public_key).unwrap();
        let signature = p256::ecdsa::Signature::from_slice(&pending.signature).unwrap();
        key.verify(black_box(&pending.message), &signature).unwrap();
    });

    let minter = SessionMinter::new(&SecretBytes::new(vec![9; 32])).unwrap();
    let verified = verify_card_authentication(CARD_CERT, &card_signature, &challenge, &anchors, NOW, &RustCryptoRsa);
    let certificate = block_on(verified).unwrap();
    let token_ms = median_ms(runs, iterations * 10, || {
        let (token, _) =
            minter.mint(&certificate, "device", onshi_proto::origin::AuthMethod::Pin, NOW, [1; 16]).unwrap();
        black_box(minter.verify(token.expose(), NOW).unwrap());
    });

    // The sample is the number of timed calls; each figure is the median of `runs` runs' means.
    let (calls, token_calls) = (runs * iterations, runs * iterations * 10);
    println!("bench: edge.session_cpu_ms = {session_ms:.3} ms (n {calls}) (target <= 5)");
    println!("bench: edge.device_proof_cpu_ms = {device_ms:.3} ms (n {calls}) (target report)");
    println!("bench: edge.session_token_cpu_ms = {token_ms:.4} ms (n {token_calls}) (target report)");
}
