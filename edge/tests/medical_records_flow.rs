//! Staff read a check-in's patient's medical information through the edge (issue 15 item 3), natively against
//! in-memory ports and a scripted origin: the facility and the staff id come from the staff token alone, the
//! origin's refusal for want of consent reaches the console as its typed code, staff of another facility ask for
//! their own facility only, and a kiosk — with its device proof, even holding another token — cannot read at all.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::{EdgeApi, EdgePorts};
use onshi_proto::ErrorCode;
use onshi_proto::medical_record::{
    MEDICAL_RECORDS_PATH, MedicalRecordKind, MedicalRecordPage, MedicalRecordQuery, MedicalRecords,
    STAFF_MEDICAL_RECORDS_PATH,
};

mod support;

use support::*;

/// Another facility, with its own staff.
/// The one check-in of [`FACILITY`] whose patient consented to 薬剤.
const CONSENTED: &str = "checkin-consented";

/// An origin that holds one consented check-in of [`FACILITY`], opening 薬剤 only, as the real origin decides.
fn consenting_origin() -> OriginScript {
    Box::new(|path, body| {
        assert_eq!(path, MEDICAL_RECORDS_PATH);
        let query: MedicalRecordQuery = serde_json::from_slice(body).unwrap();
        match (query.facility_code.as_str(), query.checkin_id.as_str(), query.kind) {
            (FACILITY, CONSENTED, MedicalRecordKind::Medication) => json(
                200,
                &MedicalRecordPage {
                    page: query.page.get(),
                    next_page: None,
                    records: MedicalRecords::Medication { entries: vec![] },
                },
            ),
            (FACILITY, CONSENTED, _) => json(403, &serde_json::json!({ "error": "consent_required", "message": "x" })),
            _ => json(404, &serde_json::json!({ "error": "not_found", "message": "x" })),
        }
    })
}

fn ask<P: EdgePorts>(
    api: &EdgeApi<'_, P>,
    staff: &StaffDesk,
    body: &serde_json::Value,
) -> Result<MedicalRecordPage, EdgeError> {
    let body = serde_json::to_vec(body).unwrap();
    block_on(api.staff_medical_records(&staff.request("POST", STAFF_MEDICAL_RECORDS_PATH, &body, NOW)))
}

#[test]
fn staff_read_for_their_own_facility_and_a_missing_consent_comes_back_typed() {
    let config = config_with(&[]);
    let ports = FakePorts::new(consenting_origin());
    let api = EdgeApi::new(&config, &ports);
    let bearer = staff_desk(&api, FACILITY, 51);
    let medication = serde_json::json!({ "checkin_id": CONSENTED, "kind": "medication", "page": 2 });
    let page = ask(&api, &bearer, &medication).unwrap();
    assert_eq!(page.page, 2);
    let sent: MedicalRecordQuery = serde_json::from_slice(&ports.sent_to(MEDICAL_RECORDS_PATH)[0]).unwrap();
    assert_eq!((sent.facility_code.as_str(), sent.checkin_id.as_str()), (FACILITY, CONSENTED));
    assert!(!sent.staff_id.is_empty());

    let checkups = serde_json::json!({ "checkin_id": CONSENTED, "kind": "health_checkup" });
    let refused = ask(&api, &bearer, &checkups).unwrap_err();
    assert_eq!(refused, EdgeError::OriginRefused(ErrorCode::ConsentRequired));
    assert_eq!(refused.code().http_status(), 403);

    // A body naming a facility is not read at all: the facility is the token's.
    let smuggled =
        serde_json::json!({ "checkin_id": CONSENTED, "kind": "medication", "facility_code": OTHER_FACILITY });
    assert_eq!(ask(&api, &bearer, &smuggled).unwrap_err(), EdgeError::BadRequest);
    for malformed in [
        serde_json::json!({ "checkin_id": "../admin", "kind": "medication" }),
        serde_json::json!({ "checkin_id": CONSENTED, "kind": "comprehensive" }),
        serde_json::json!({ "checkin_id": CONSENTED, "kind": "medication", "page": 1000 }),
    ] {
        assert_eq!(ask(&api, &bearer, &malformed).unwrap_err(), EdgeError::BadRequest, "{malformed}");
    }
    assert_eq!(ports.sent_to(MEDICAL_RECORDS_PATH).len(), 2);

    // One audit line per request, naming the staff session and no personal data.
    let audit = ports.audit.borrow();
    let lines: Vec<_> = audit.iter().filter(|line| line.contains("\"staff_medical_records\"")).collect();
    assert_eq!(lines.len(), 6);
    assert!(lines.iter().all(|line| line.contains(FACILITY) && line.contains("staff:") && !line.contains(CONSENTED)));
}

#[test]
fn staff_of_another_facility_ask_for_their_own_facility_and_are_refused() {
    let config = config_with(&[]);
    let ports = FakePorts::new(consenting_origin());
    let api = EdgeApi::new(&config, &ports);
    let bearer = staff_desk(&api, OTHER_FACILITY, 52);
    let medication = serde_json::json!({ "checkin_id": CONSENTED, "kind": "medication" });
    assert_eq!(ask(&api, &bearer, &medication).unwrap_err(), EdgeError::OriginRefused(ErrorCode::NotFound));
    let sent: MedicalRecordQuery = serde_json::from_slice(&ports.sent_to(MEDICAL_RECORDS_PATH)[0]).unwrap();
    assert_eq!(sent.facility_code.as_str(), OTHER_FACILITY);
}

#[test]
fn a_kiosk_cannot_read_medical_information_with_its_proof_or_another_token() {
    let config = config_with(&[]);
    let ports = FakePorts::new(consenting_origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = serde_json::to_vec(&serde_json::json!({ "checkin_id": CONSENTED, "kind": "medication" })).unwrap();
    let proven = kiosk.request(STAFF_MEDICAL_RECORDS_PATH, &body, NOW);
    assert_eq!(block_on(api.staff_medical_records(&proven)).unwrap_err().code().as_str(), "forbidden");
    // A token of another kind (here the operator's) is no staff session either, even from a staff console.
    let console = enrolled_staff_console(&api, FACILITY, 53);
    let mut with_bearer = console.request(STAFF_MEDICAL_RECORDS_PATH, &body, NOW);
    let admin = format!("Bearer {ADMIN_TOKEN}");
    with_bearer.authorization = Some(&admin);
    assert_eq!(block_on(api.staff_medical_records(&with_bearer)).unwrap_err().code().as_str(), "session_invalid");
    assert!(ports.sent_to(MEDICAL_RECORDS_PATH).is_empty());
}
