//! Every answer to a request that presents the edge's signature carries the origin's signature over that answer,
//! bound to that request ([`onshi_proto::answer_signing`]); the edge keeps nothing else.

use onshi_proto::answer_signing::{ANSWER_SIGNATURE_HEADER, AnswerSignatureError, verify_answer};
use onshi_proto::origin::{CERTIFICATE_STATUS_PATH, CertificateStatusQuery};
use onshi_proto::signing::SignatureHeaders;

use crate::fixture::{Db, KEY, Origin, certificate, serial};

/// Status, body and answer signature of one POST.
async fn exchange(
    origin: &Origin,
    path: &str,
    body: &[u8],
    headers: Option<&SignatureHeaders>,
) -> (u16, Vec<u8>, Option<String>) {
    let response = origin.post_raw(path, body.to_vec(), headers).await;
    let status = response.status().as_u16();
    let signature = response.headers().get(ANSWER_SIGNATURE_HEADER).map(|value| value.to_str().unwrap().to_owned());
    (status, response.bytes().await.unwrap().to_vec(), signature)
}

async fn an_answer_is_signed_for_the_request_that_asked_and_for_no_other(db: Db) {
    let origin = Origin::start(db).await;
    let query = serde_json::to_vec(&CertificateStatusQuery { certificate: certificate(serial::VALID) }).unwrap();
    let asked = origin.sign("POST", CERTIFICATE_STATUS_PATH, &query);
    let (status, body, signature) = exchange(&origin, CERTIFICATE_STATUS_PATH, &query, Some(&asked)).await;
    assert_eq!(status, 200);
    assert_eq!(verify_answer(KEY, &asked.signature, status, &body, signature.as_deref()), Ok(()));
    // The same answer, told to belong to another request, or changed, does not verify.
    let other = origin.sign("POST", CERTIFICATE_STATUS_PATH, &query);
    assert_eq!(
        verify_answer(KEY, &other.signature, status, &body, signature.as_deref()),
        Err(AnswerSignatureError::Mismatch)
    );
    let changed = String::from_utf8(body.clone()).unwrap().replace("good", "revoked");
    assert_eq!(
        verify_answer(KEY, &asked.signature, status, changed.as_bytes(), signature.as_deref()),
        Err(AnswerSignatureError::Mismatch)
    );

    // The replayed request is refused, and the refusal is signed too: the edge can tell the origin's own
    // `unauthorized` from one a network made up.
    let (status, body, signature) = exchange(&origin, CERTIFICATE_STATUS_PATH, &query, Some(&asked)).await;
    assert_eq!(status, 401);
    assert_eq!(verify_answer(KEY, &asked.signature, status, &body, signature.as_deref()), Ok(()));

    // A path the origin does not serve: the typed refusal is signed.
    let unknown = origin.sign("POST", "/v1/nowhere", b"{}");
    let (status, body, signature) = exchange(&origin, "/v1/nowhere", b"{}", Some(&unknown)).await;
    assert_eq!(status, 404);
    assert_eq!(verify_answer(KEY, &unknown.signature, status, &body, signature.as_deref()), Ok(()));
    origin.stop().await;
}
on_both_databases!(an_answer_is_signed_for_the_request_that_asked_and_for_no_other);

async fn a_request_without_a_usable_signature_gets_an_unsigned_answer(db: Db) {
    let origin = Origin::start(db).await;
    let query = serde_json::to_vec(&CertificateStatusQuery { certificate: certificate(serial::VALID) }).unwrap();
    let (status, _, signature) = exchange(&origin, CERTIFICATE_STATUS_PATH, &query, None).await;
    assert_eq!((status, signature), (401, None));
    // A "signature" that is no hex binds nothing, so nothing is signed for it.
    let mut garbled = origin.sign("POST", CERTIFICATE_STATUS_PATH, &query);
    garbled.signature = "not-hex".into();
    let (status, _, signature) = exchange(&origin, CERTIFICATE_STATUS_PATH, &query, Some(&garbled)).await;
    assert_eq!((status, signature), (401, None));
    // An operator's health check carries no signature and gets none.
    let health = reqwest::get(format!("{}/health", origin.base)).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert!(health.headers().get(ANSWER_SIGNATURE_HEADER).is_none());
    origin.stop().await;
}
on_both_databases!(a_request_without_a_usable_signature_gets_an_unsigned_answer);
