//! `POST /v1/certificate-status`.

use onshi_proto::origin::{
    CERTIFICATE_STATUS_PATH, CertificateStatus, CertificateStatusAnswer, CertificateStatusQuery,
};

use crate::fixture::{Db, ISSUER, NOW, Origin, certificate, expect_error, serial};

async fn status_of(origin: &Origin, serial: &str) -> CertificateStatus {
    let response =
        origin.post_signed(CERTIFICATE_STATUS_PATH, &CertificateStatusQuery { certificate: certificate(serial) }).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    response.json::<CertificateStatusAnswer>().await.unwrap().status
}

async fn seeded_certificates_are_good_revoked_ones_revoked_and_others_unknown(db: Db) {
    let origin = Origin::start(db).await;
    assert_eq!(status_of(&origin, serial::VALID).await, CertificateStatus::Good);
    // Not linked to anyone, but a perfectly good certificate.
    assert_eq!(status_of(&origin, serial::UNREGISTERED).await, CertificateStatus::Good);
    assert_eq!(status_of(&origin, "0BADC0DE").await, CertificateStatus::Unknown);

    origin.store.set_certificate_status(&certificate(serial::LOST), CertificateStatus::Revoked, NOW).await.unwrap();
    assert_eq!(status_of(&origin, serial::LOST).await, CertificateStatus::Revoked);
    // Same serial under another issuer is another certificate.
    let mut other_issuer = certificate(serial::LOST);
    other_issuer.issuer = "CN=Another CA,C=JP".try_into().unwrap();
    let response =
        origin.post_signed(CERTIFICATE_STATUS_PATH, &CertificateStatusQuery { certificate: other_issuer }).await;
    assert_eq!(response.json::<CertificateStatusAnswer>().await.unwrap().status, CertificateStatus::Unknown);
    origin.stop().await;
}
on_both_databases!(seeded_certificates_are_good_revoked_ones_revoked_and_others_unknown);

async fn a_non_canonical_serial_is_a_bad_request(db: Db) {
    let origin = Origin::start(db).await;
    let response = origin
        // Sent as raw JSON: the typed body cannot even hold a serial in lower case.
        .post_signed(
            CERTIFICATE_STATUS_PATH,
            &serde_json::json!({ "certificate": { "issuer": ISSUER, "serial": "0a1b2c3d" } }),
        )
        .await;
    expect_error(response, 400, "bad_request").await;
    origin.stop().await;
}
on_both_databases!(a_non_canonical_serial_is_a_bad_request);
