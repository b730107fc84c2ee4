//! `POST /v1/qualification/by-certificate/with-status`: a kiosk check-in's certificate status and qualification in
//! one call. The status is decided first; only a `good` certificate's holder is looked up, checked in and audited,
//! and a `revoked` or `unknown` one leaves nothing behind but the request's nonce. Every test runs on both databases.

use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, CardQualificationQuery, CertificateStatus, STATUS_AND_QUALIFICATION_PATH,
    StatusAndQualificationAnswer,
};
use onshi_proto::qualification::{QualificationAnswer, Validity};

use crate::fixture::{Db, NOW, Origin, card_query, certificate, expect_error, serial};

const FACILITY: &str = "1312345679";

async fn check_in(origin: &Origin, query: &CardQualificationQuery) -> StatusAndQualificationAnswer {
    let response = origin.post_signed(STATUS_AND_QUALIFICATION_PATH, query).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    response.json().await.unwrap()
}

/// The qualification lookups on the audit trail, as (outcome, facility) pairs.
async fn qualification_audit_rows(origin: &Origin) -> Vec<(String, Option<String>)> {
    let events = origin.store.audit_events().await.unwrap();
    events
        .into_iter()
        .filter(|event| event.purpose == "qualification_by_certificate")
        .map(|event| (event.outcome, event.actor_facility_code))
        .collect()
}

async fn a_revoked_or_unknown_certificate_gets_its_status_and_no_check_in_or_audit_row(db: Db) {
    let origin = Origin::start(db).await;
    origin.store.set_certificate_status(&certificate(serial::VALID), CertificateStatus::Revoked, NOW).await.unwrap();

    let revoked = check_in(&origin, &card_query(serial::VALID, Some(FACILITY))).await;
    assert_eq!(revoked, StatusAndQualificationAnswer { status: CertificateStatus::Revoked, qualification: None });
    let unknown = check_in(&origin, &card_query("0BADC0DE", Some(FACILITY))).await;
    assert_eq!(unknown, StatusAndQualificationAnswer { status: CertificateStatus::Unknown, qualification: None });

    // Staff see no check-in, and nobody's qualification was read.
    assert!(origin.staff_list(FACILITY).await.checkins.is_empty());
    assert!(qualification_audit_rows(&origin).await.is_empty());

    // A good card on the same route is checked in and audited once, so the emptiness above is the refusal's.
    let good = check_in(&origin, &card_query(serial::DEPENDENT, Some(FACILITY))).await;
    assert_eq!(good.status, CertificateStatus::Good);
    assert_eq!(good.qualification.map(|answer| answer.validity), Some(Validity::Valid));
    assert_eq!(origin.staff_list(FACILITY).await.checkins.len(), 1);
    assert_eq!(qualification_audit_rows(&origin).await, [("valid".to_owned(), Some(FACILITY.to_owned()))]);
    origin.stop().await;
}
on_both_databases!(a_revoked_or_unknown_certificate_gets_its_status_and_no_check_in_or_audit_row);

async fn a_good_certificate_gets_the_answer_the_by_certificate_route_gives_a_kiosk(db: Db) {
    let origin = Origin::start(db).await;
    let query = CardQualificationQuery {
        arbitrary_identifier: Some("visit-9".try_into().unwrap()),
        ..card_query(serial::VALID, Some(FACILITY))
    };
    let alone: QualificationAnswer = origin.post_signed(BY_CERTIFICATE_PATH, &query).await.json().await.unwrap();
    let combined = check_in(&origin, &query).await;
    assert_eq!(combined.status, CertificateStatus::Good);
    assert_eq!(combined.qualification, Some(alone));
    // Each call is one check-in and one audit row, as the by-certificate route writes them.
    assert_eq!(origin.staff_list(FACILITY).await.checkins.len(), 2);
    assert_eq!(qualification_audit_rows(&origin).await.len(), 2);
    origin.stop().await;
}
on_both_databases!(a_good_certificate_gets_the_answer_the_by_certificate_route_gives_a_kiosk);

/// The status and the holder are one read on this route: every kind of holder the demo has (本人, 家族, lost,
/// never linked, 後期高齢者, 高齢受給者) is answered exactly as the by-certificate route answers it.
async fn every_kind_of_holder_is_answered_as_the_by_certificate_route_answers_it(db: Db) {
    let origin = Origin::start(db).await;
    for card in [serial::VALID, serial::DEPENDENT, serial::LOST, serial::UNREGISTERED, serial::ELDERLY, serial::SENIOR]
    {
        let query = card_query(card, Some(FACILITY));
        let alone: QualificationAnswer = origin.post_signed(BY_CERTIFICATE_PATH, &query).await.json().await.unwrap();
        let combined = check_in(&origin, &query).await;
        assert_eq!(combined.status, CertificateStatus::Good, "{card}");
        assert_eq!(combined.qualification.as_ref(), Some(&alone), "{card}");
        let expected = if card == serial::UNREGISTERED { 0 } else { 1 };
        assert_eq!(alone.records.len(), expected, "{card}: {alone:?}");
    }
    origin.stop().await;
}
on_both_databases!(every_kind_of_holder_is_answered_as_the_by_certificate_route_answers_it);

async fn a_refused_certificates_request_is_still_served_only_once(db: Db) {
    let origin = Origin::start(db).await;
    origin.store.set_certificate_status(&certificate(serial::VALID), CertificateStatus::Revoked, NOW).await.unwrap();
    let body = serde_json::to_vec(&card_query(serial::VALID, Some(FACILITY))).unwrap();
    let headers = origin.sign("POST", STATUS_AND_QUALIFICATION_PATH, &body);
    let first = origin.post_raw(STATUS_AND_QUALIFICATION_PATH, body.clone(), Some(&headers)).await;
    assert_eq!(first.status().as_u16(), 200);
    // Its nonce was claimed though nothing else was written: the same signed request again is a replay.
    expect_error(origin.post_raw(STATUS_AND_QUALIFICATION_PATH, body, Some(&headers)).await, 401, "unauthorized").await;
    origin.stop().await;
}
on_both_databases!(a_refused_certificates_request_is_still_served_only_once);
