//! A card session scoped to the qualification (a certificate in its grace period) is enforced here again, whatever
//! the edge checked: the origin answers the qualification and keeps the certificate's expiry on the check-in, and
//! refuses consent, 健康保険証利用登録 and the medical reads with `qualification_only`, recording nothing but the
//! refusal's audit row. Every test runs on both databases.

use onshi_proto::IsoDate;
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, CHECKINS_PATH, CHECKUP_PATH, CONSENT_PATH, CONSENT_QUERY_PATH, CardQualificationQuery,
    CardScope, CheckInList, CheckInListQuery, ConsentAnswer, ConsentKind, ConsentQuery, ConsentRequest, ExpiryNotice,
    MEDICATION_PATH, MedicalInfoQuery, REGISTRATION_PATH, RegistrationAnswer, RegistrationOutcome, RegistrationRequest,
};
use onshi_proto::qualification::{QualificationAnswer, Validity};

use crate::fixture::{Db, Origin, card_query, certificate, expect_error, serial, visual_check_ask};

const FACILITY: &str = "1312345679";

fn grace() -> ExpiryNotice {
    ExpiryNotice::in_grace(IsoDate::parse("2026-10-31").unwrap()).unwrap()
}

fn query(serial: &str, scope: CardScope, expiry_notice: Option<ExpiryNotice>) -> CardQualificationQuery {
    CardQualificationQuery {
        device_label: Some("受付1".try_into().unwrap()),
        scope,
        expiry_notice,
        ..card_query(serial, Some(FACILITY))
    }
}

async fn listed(origin: &Origin) -> CheckInList {
    let query = CheckInListQuery {
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        before: None,
    };
    origin.post_signed(CHECKINS_PATH, &query).await.json().await.unwrap()
}

async fn a_qualification_only_session_gets_its_qualification_and_staff_see_the_grace(db: Db) {
    let origin = Origin::start(db).await;
    // An expiring certificate's check-in keeps its days left, as of the check-in's day (2026-11-24).
    let soon =
        ExpiryNotice::expiring(IsoDate::parse("2027-01-10").unwrap(), IsoDate::parse("2026-11-24").unwrap()).unwrap();
    assert!(matches!(soon, ExpiryNotice::ExpiringSoon { days_left: 47, .. }));
    let mut expected = Vec::new();
    for (serial, scope, notice) in [
        (serial::VALID, CardScope::QualificationOnly, Some(grace())),
        (serial::ELDERLY, CardScope::Full, Some(soon)),
        (serial::DEPENDENT, CardScope::Full, None),
    ] {
        let response = origin.post_signed(BY_CERTIFICATE_PATH, &query(serial, scope, notice)).await;
        assert_eq!(response.status().as_u16(), 200);
        let answer: QualificationAnswer = response.json().await.unwrap();
        assert_eq!(answer.validity, Validity::Valid, "{serial}");
        expected.push((answer.records[0].name.clone(), notice));
    }

    let list = listed(&origin).await;
    assert_eq!(list.checkins.len(), 3);
    for (name, notice) in expected {
        let row = list.checkins.iter().find(|c| c.name.as_deref() == Some(name.as_str())).unwrap();
        assert_eq!(row.expiry_notice, notice, "{name}");
    }
    origin.stop().await;
}
on_both_databases!(a_qualification_only_session_gets_its_qualification_and_staff_see_the_grace);

async fn a_qualification_only_session_cannot_consent_register_or_read(db: Db) {
    let origin = Origin::start(db).await;
    let consent = ConsentRequest {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: Some("kiosk-1".try_into().unwrap()),
        kinds: vec![ConsentKind::Comprehensive],
        prescription: None,
        scope: CardScope::QualificationOnly,
    };
    expect_error(origin.post_signed(CONSENT_PATH, &consent).await, 403, "qualification_only").await;
    let live: ConsentAnswer = origin
        .post_signed(
            CONSENT_QUERY_PATH,
            &ConsentQuery { certificate: certificate(serial::VALID), facility_code: FACILITY.try_into().unwrap() },
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(live.live.is_empty(), "nothing was recorded");

    // Even under a consent given earlier with a full session, a qualification-only session reads nothing.
    let full = ConsentRequest { scope: CardScope::Full, ..consent };
    assert_eq!(origin.post_signed(CONSENT_PATH, &full).await.status().as_u16(), 200);
    let read = MedicalInfoQuery {
        certificate: certificate(serial::VALID),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: None,
        scope: CardScope::QualificationOnly,
    };
    expect_error(origin.post_signed(MEDICATION_PATH, &read).await, 403, "qualification_only").await;
    expect_error(origin.post_signed(CHECKUP_PATH, &read).await, 403, "qualification_only").await;
    let full_read = MedicalInfoQuery { scope: CardScope::Full, ..read };
    assert_eq!(origin.post_signed(MEDICATION_PATH, &full_read).await.status().as_u16(), 200);

    let register = RegistrationRequest {
        certificate: certificate(serial::UNREGISTERED),
        facility_code: Some(FACILITY.try_into().unwrap()),
        device_id: Some("kiosk-1".try_into().unwrap()),
        scope: CardScope::QualificationOnly,
    };
    expect_error(origin.post_signed(REGISTRATION_PATH, &register).await, 403, "qualification_only").await;
    let unlinked: QualificationAnswer = origin
        .post_signed(BY_CERTIFICATE_PATH, &query(serial::UNREGISTERED, CardScope::QualificationOnly, Some(grace())))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unlinked.validity, Validity::NoQualification, "the refused registration linked nothing");
    let registered: RegistrationAnswer = origin
        .post_signed(REGISTRATION_PATH, &RegistrationRequest { scope: CardScope::Full, ..register })
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(registered.outcome, RegistrationOutcome::Registered);

    let events = origin.store.audit_events().await.unwrap();
    let mut refusals: Vec<&str> =
        events.iter().filter(|e| e.outcome == "qualification_only").map(|e| e.purpose.as_str()).collect();
    refusals.sort_unstable();
    assert_eq!(refusals, vec!["checkup_info", "consent", "medication_info", "registration"]);
    origin.stop().await;
}
on_both_databases!(a_qualification_only_session_cannot_consent_register_or_read);

/// An edge that sends no scope (one built before scopes) is taken as a full session: the field defaults to `full`,
/// and any other word is refused as the body is read.
async fn the_scope_is_read_strictly(db: Db) {
    let origin = Origin::start(db).await;
    let mut body = serde_json::to_value(query(serial::VALID, CardScope::Full, None)).unwrap();
    body.as_object_mut().unwrap().remove("scope");
    assert_eq!(origin.post_signed(BY_CERTIFICATE_PATH, &body).await.status().as_u16(), 200);
    body["scope"] = serde_json::json!("everything");
    expect_error(origin.post_signed(BY_CERTIFICATE_PATH, &body).await, 400, "bad_request").await;
    body["scope"] = serde_json::json!("full");
    body["expiry_notice"] =
        serde_json::json!({"kind": "in_grace", "expired_on": "2026-10-31", "covered_until": "2027-06-30"});
    expect_error(origin.post_signed(BY_CERTIFICATE_PATH, &body).await, 400, "bad_request").await;
    origin.stop().await;
}
on_both_databases!(the_scope_is_read_strictly);

/// A card in its grace period that goes the 目視 way (no PIN): the kiosk's request keeps the scope and the notice
/// the edge found, the approval answers them to the edge with the qualification, so the session it binds confirms
/// the qualification only, and the check-in row carries the grace as a PIN check-in's does. A request from before
/// scopes (no field) is a full one.
async fn a_visual_check_keeps_the_scope_and_the_grace_of_its_certificate(db: Db) {
    use onshi_proto::origin::{
        VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH, VISUAL_CHECK_DECIDE_PATH, VisualCheckCollect,
        VisualCheckCollected, VisualCheckCreate, VisualCheckDecision, VisualCheckState, VisualCheckTicket,
    };
    let origin = Origin::start(db).await;
    let ask = |scope: CardScope, expiry_notice: Option<ExpiryNotice>, serial: &str| VisualCheckCreate {
        device_label: Some("受付1".try_into().unwrap()),
        scope,
        expiry_notice,
        ..visual_check_ask(serial, FACILITY)
    };
    let mut collected = Vec::new();
    let older_edge = serde_json::to_value(ask(CardScope::Full, None, serial::ELDERLY)).unwrap();
    let mut older_edge = older_edge.as_object().unwrap().clone();
    older_edge.remove("scope");
    for body in [
        serde_json::to_value(ask(CardScope::QualificationOnly, Some(grace()), serial::VALID)).unwrap(),
        serde_json::Value::Object(older_edge),
    ] {
        let ticket: VisualCheckTicket = origin.post_signed(VISUAL_CHECK_CREATE_PATH, &body).await.json().await.unwrap();
        let decision = VisualCheckDecision {
            request_id: ticket.request_id.as_str().try_into().unwrap(),
            facility_code: FACILITY.try_into().unwrap(),
            staff_id: "staff-a".try_into().unwrap(),
            approve: true,
        };
        assert_eq!(origin.post_signed(VISUAL_CHECK_DECIDE_PATH, &decision).await.status().as_u16(), 200);
        let collect = VisualCheckCollect {
            request_id: ticket.request_id.as_str().try_into().unwrap(),
            facility_code: FACILITY.try_into().unwrap(),
            device_id: "kiosk-1".try_into().unwrap(),
        };
        let answer: VisualCheckCollected =
            origin.post_signed(VISUAL_CHECK_COLLECT_PATH, &collect).await.json().await.unwrap();
        assert_eq!(answer.state, VisualCheckState::Collected);
        assert_eq!(answer.qualification.map(|q| q.validity), Some(Validity::Valid));
        collected.push((answer.scope, answer.expiry_notice));
    }
    assert_eq!(collected, [(CardScope::QualificationOnly, Some(grace())), (CardScope::Full, None)]);

    let list = listed(&origin).await;
    let notices: Vec<_> = list.checkins.iter().map(|c| c.expiry_notice).collect();
    assert_eq!(notices.len(), 2);
    assert!(notices.contains(&Some(grace())) && notices.contains(&None), "{notices:?}");
    origin.stop().await;
}
on_both_databases!(a_visual_check_keeps_the_scope_and_the_grace_of_its_certificate);
