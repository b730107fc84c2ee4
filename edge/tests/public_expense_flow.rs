//! 公費 through the edge: the patient's yes to 「医療費助成の受給者証を利用しますか」 reaches the origin with the
//! session's card and no other, and the answer with the 受給者証 comes back; without the yes, the origin is asked for
//! none and the answer only says one is on offer. Run natively against in-memory ports and a scripted origin that
//! answers as the real one does (`origin/tests/it/public_expense.rs`).
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use onshi_edge::EdgeError;
use onshi_edge::api::EdgeApi;
use onshi_proto::origin::CardQualificationQuery;
use onshi_proto::qualification::QualificationAnswer;

mod support;

use support::*;

/// A 子ども医療費 受給者証 as the origin writes it.
fn certificate() -> serde_json::Value {
    serde_json::json!({
        "kind": "child_medical", "payer_number": "88131016", "recipient_number": "2345676",
        "payer_name": "新宿区", "validity": {"valid_from": "2026-04-01", "valid_until": "2027-03-31"},
        "monthly_self_pay_yen": 200
    })
}

/// An origin that knows every certificate as good and holds one 受給者証 for [`CARD0_SERIAL`]'s holder: offered
/// until the query says the patient agreed, then shown.
fn origin() -> OriginScript {
    Box::new(|path, body| match path {
        path if let Some(answer) = good_card_or_approved_visual_check(path, body) => answer,
        "/v1/qualification/by-certificate" => {
            let query: CardQualificationQuery = serde_json::from_slice(body).unwrap();
            let mut answer = serde_json::to_value(answer()).unwrap();
            if query.certificate.serial.as_str() == CARD0_SERIAL {
                if query.use_recipient_certificates {
                    answer["public_expense"] = serde_json::json!([certificate()]);
                } else {
                    answer["certificates_on_offer"] = true.into();
                }
            }
            json(200, &answer)
        }
        _ => json(404, &serde_json::json!({"error": "not_found", "message": "x"})),
    })
}

#[test]
fn the_patients_yes_reaches_the_origin_and_brings_the_certificate_back() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let session = pin_session(&api, &kiosk);

    // The first answer only says a 受給者証 is on offer.
    let first: QualificationAnswer = kiosk.qualification(&api, Some(&session), b"{}", NOW + 10).unwrap();
    assert!(first.certificates_on_offer);
    assert!(first.public_expense.is_empty());

    // The patient says yes; the same session asks again.
    let agreed =
        kiosk.qualification(&api, Some(&session), br#"{"use_recipient_certificates":true}"#, NOW + 20).unwrap();
    assert!(!agreed.certificates_on_offer);
    assert_eq!(agreed.public_expense.len(), 1);
    assert_eq!(agreed.public_expense[0].recipient_number.as_str(), "2345676");

    let sent = ports.sent_to("/v1/qualification/by-certificate");
    let queries: Vec<CardQualificationQuery> = sent.iter().map(|body| serde_json::from_slice(body).unwrap()).collect();
    assert_eq!(queries.iter().map(|q| q.use_recipient_certificates).collect::<Vec<_>>(), [false, true]);
    // The card is the session's both times, whatever the body says.
    assert!(queries.iter().all(|q| q.certificate.serial.as_str() == CARD0_SERIAL));
}

#[test]
fn a_yes_without_a_session_or_in_the_wrong_shape_opens_nothing() {
    let config = config_with(&[]);
    let ports = FakePorts::new(origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let yes = br#"{"use_recipient_certificates":true}"#;
    assert_eq!(kiosk.qualification(&api, None, yes, NOW + 10), Err(EdgeError::SessionInvalid));
    let session = pin_session(&api, &kiosk);
    for body in
        [&br#"{"use_recipient_certificates":"yes"}"#[..], br#"{"use_recipient_certificates":true,"serial":"01"}"#]
    {
        assert_eq!(kiosk.qualification(&api, Some(&session), body, NOW + 10), Err(EdgeError::BadRequest));
    }
    assert!(ports.sent_to("/v1/qualification/by-certificate").is_empty());
}
