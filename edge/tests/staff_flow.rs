//! The staff console's use cases and the kiosk's visual check (目視), run natively against in-memory ports and a
//! scripted origin: one-time staff codes, staff tokens that carry the facility, the shared 保険者番号 validator
//! before anything is forwarded, and visual checks that verify the certificate as a PIN session does and mint a
//! card session only once staff approved.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

use futures::executor::block_on;
use onshi_edge::EdgeError;
use onshi_edge::api::{ApiRequest, EdgeApi, EdgePorts};
use onshi_edge::auth::enrolment_code::{CodeKind, EnrolmentCode};
use onshi_edge::config::EdgeConfig;
use onshi_proto::Base64Bytes;
use onshi_proto::api::{EnrolRequest, STAFF_CHECKINS_PATH, StaffCheckInListRequest};
use onshi_proto::checkin_page::CHECKIN_PAGE_ROWS;
use onshi_proto::origin::{
    AuthMethod, CertificateRef, CertificateStatusQuery, CheckInListQuery, ConsentRequest, NumberQualificationQuery,
    PrescriptionFormat, VisualCheckCollect, VisualCheckCreate, VisualCheckDecision, VisualCheckOpen,
};
use onshi_proto::qualification::{QualificationAnswer, Reason, Validity};
use p256::pkcs8::EncodePublicKey as _;

mod support;

use support::*;

fn config() -> EdgeConfig {
    config_with(&[])
}

fn admin_post<'r>(path: &'r str, body: &'r [u8], authorization: &'r str) -> ApiRequest<'r> {
    request("POST", path, body, Some(authorization))
}

fn staff_code<P: EdgePorts>(api: &EdgeApi<'_, P>) -> String {
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    let body = format!(r#"{{"facility_code":"{FACILITY}"}}"#);
    block_on(api.issue_staff_code(&admin_post("/api/v1/admin/staff-codes", body.as_bytes(), &authorization)))
        .unwrap()
        .code
}

fn login<P: EdgePorts>(api: &EdgeApi<'_, P>, console: &Kiosk, code: &str) -> Result<String, EdgeError> {
    staff_login_on(api, console, code).map(|session| session.staff_token)
}

#[test]
fn a_staff_code_issued_before_lookup_keys_were_keyed_still_logs_in_once() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let console = enrolled_staff_console(&api, FACILITY, 32);
    let code = staff_code(&api);
    let [keyed, unkeyed] =
        config.code_lookup.redeem_under(CodeKind::StaffLogin, &EnrolmentCode::parse(&code).unwrap()).unwrap();
    assert!(keyed.starts_with("staff:") && unkeyed.starts_with("staff:"));
    // Issued by the release before: the record sits under the unkeyed staff key.
    let record = ports.codes.borrow_mut().remove(&keyed).unwrap();
    ports.codes.borrow_mut().insert(unkeyed, record);
    assert!(login(&api, &console, &code).is_ok());
    assert_eq!(login(&api, &console, &code), Err(EdgeError::EnrolmentCodeInvalid("already used")));
}

/// An origin that answers every staff and visual-check route; `collect_approved` decides the collect answer.
fn scripted_origin(collect_approved: bool) -> OriginScript {
    Box::new(move |path, body| match path {
        "/v1/certificate-status" => {
            let query: CertificateStatusQuery = serde_json::from_slice(body).unwrap();
            let status = if query.certificate.serial.as_str() == "REVOKED" { "revoked" } else { "good" };
            json(200, &serde_json::json!({ "status": status }))
        }
        "/v1/staff/checkins" => json(200, &serde_json::json!({ "date": "2026-11-24", "checkins": [], "pending": [] })),
        "/v1/qualification/by-number" => json(200, &answer()),
        "/v1/visual-checks" | "/v1/visual-checks/decide" => {
            json(200, &serde_json::json!({ "request_id": "abc123", "state": "pending", "expires_at": NOW + 600 }))
        }
        "/v1/visual-checks/collect" if collect_approved => {
            let collect: VisualCheckCollect = serde_json::from_slice(body).unwrap();
            let certificate = CertificateRef {
                issuer: "CN=onshi test auth CA,OU=JPKI for user authentication TEST,O=onshi test,C=JP"
                    .try_into()
                    .unwrap(),
                serial: CARD0_SERIAL.try_into().unwrap(),
            };
            assert_eq!(collect.request_id.as_str(), "abc123");
            json(
                200,
                &serde_json::json!({ "state": "collected", "certificate": certificate, "qualification": answer() }),
            )
        }
        "/v1/visual-checks/collect" => json(200, &serde_json::json!({ "state": "pending" })),
        "/v1/visual-checks/open" => {
            json(200, &serde_json::json!({ "request_id": "abc123", "name": "山田　太郎", "birth_date": "1980-02-17" }))
        }
        _ => json(404, &serde_json::json!({ "error": "not_found", "message": "x" })),
    })
}

#[test]
fn a_staff_code_logs_in_once_and_the_token_names_the_facility_for_every_call() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let console = enrolled_staff_console(&api, FACILITY, 31);
    let code = staff_code(&api);
    let token = login(&api, &console, &code).unwrap();
    assert!(token.starts_with("staff."));
    assert_eq!(login(&api, &console, &code), Err(EdgeError::EnrolmentCodeInvalid("already used")));
    assert!(matches!(login(&api, &console, "AAAA-BBBB-CCCC"), Err(EdgeError::EnrolmentCodeInvalid(_))));

    // The listing asks the origin for the token's facility, whatever the caller might wish.
    let staff = StaffDesk { console, bearer: format!("Bearer {token}") };
    let list = block_on(api.staff_checkins(&staff.request("GET", "/api/v1/staff/checkins", b"", NOW))).unwrap();
    assert!(list.checkins.is_empty());
    let sent: CheckInListQuery = serde_json::from_slice(&ports.sent_to("/v1/staff/checkins")[0]).unwrap();
    assert_eq!(sent.facility_code.as_str(), FACILITY);
    assert!(!sent.staff_id.is_empty());

    // Without a token, with a forged one, or with the admin token: refused before the origin is asked.
    for authorization in [None, Some("Bearer staff.e30.AAAA"), Some(format!("Bearer {ADMIN_TOKEN}").as_str())] {
        let mut request = staff.request("GET", "/api/v1/staff/checkins", b"", NOW);
        request.authorization = authorization;
        let refused = block_on(api.staff_checkins(&request));
        assert_eq!(refused.unwrap_err().code().as_str(), "session_invalid");
    }
    assert_eq!(ports.sent_to("/v1/staff/checkins").len(), 1);

    // Audit lines name the staff session, never the code or the token.
    let audit = ports.audit.borrow().join("\n");
    assert!(audit.contains("\"staff_login\"") && audit.contains("\"staff_check_ins\""));
    assert!(!audit.contains(&code) && !audit.contains(&token));
}

#[test]
fn enrolment_codes_and_staff_codes_are_not_interchangeable() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    let body = format!(r#"{{"facility_code":"{FACILITY}"}}"#);
    let enrolment = block_on(api.issue_enrolment_code(&admin_post(
        "/api/v1/admin/enrolment-codes",
        body.as_bytes(),
        &authorization,
    )))
    .unwrap();
    let console = enrolled_staff_console(&api, FACILITY, 31);
    assert!(matches!(login(&api, &console, &enrolment.code), Err(EdgeError::EnrolmentCodeInvalid("unknown"))));
    let staff = staff_code(&api);
    let key = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
    let spki = key.verifying_key().to_public_key_der().unwrap();
    let enrol = serde_json::to_vec(&EnrolRequest {
        code: staff,
        public_key: Base64Bytes(spki.as_bytes().to_vec()),
        role: None,
    })
    .unwrap();
    let refused = block_on(api.enrol(&request("POST", "/api/v1/devices/enrol", &enrol, None)));
    assert!(matches!(refused, Err(EdgeError::EnrolmentCodeInvalid("unknown"))));
    // Only the admin issues staff codes.
    let wrong =
        block_on(api.issue_staff_code(&admin_post("/api/v1/admin/staff-codes", body.as_bytes(), "Bearer nope")));
    assert_eq!(wrong.unwrap_err(), EdgeError::AdminUnauthorized);
}

#[test]
fn the_number_check_is_validated_with_the_check_digit_before_it_is_forwarded() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let bearer = staff_desk(&api, FACILITY, 31);
    let query = |insurer: &str| {
        serde_json::to_vec(&serde_json::json!({
            "insurer_number": insurer, "symbol": "2100", "number": "100", "branch": "00", "birth_date": "1980-02-17"
        }))
        .unwrap()
    };
    let path = "/api/v1/staff/qualification/by-number";
    let bad = query("01130013");
    let refused = block_on(api.staff_qualification_by_number(&bearer.request("POST", path, &bad, NOW)));
    assert_eq!(refused, Err(EdgeError::BadRequest));
    assert!(ports.sent_to("/v1/qualification/by-number").is_empty());
    let good = query("01130012");
    let answered = block_on(api.staff_qualification_by_number(&bearer.request("POST", path, &good, NOW))).unwrap();
    assert_eq!(answered.validity, Validity::Valid);
    let sent: NumberQualificationQuery =
        serde_json::from_slice(&ports.sent_to("/v1/qualification/by-number")[0]).unwrap();
    assert_eq!(sent.facility_code.as_deref(), Some(FACILITY));
    assert!(sent.device_id.as_deref().is_some_and(|actor| actor.starts_with("staff:")));
    assert_eq!(sent.insurer_number.as_str(), "01130012");

    // A decision is forwarded for the token's facility and names the staff session.
    let decision = br#"{"request_id":"abc123","approve":true}"#;
    block_on(api.staff_visual_check_decision(&bearer.request(
        "POST",
        "/api/v1/staff/visual-checks/decision",
        decision,
        NOW,
    )))
    .unwrap();
    let sent: VisualCheckDecision = serde_json::from_slice(&ports.sent_to("/v1/visual-checks/decide")[0]).unwrap();
    assert_eq!((sent.facility_code.as_str(), sent.approve), (FACILITY, true));
    let traversal = br#"{"request_id":"../x","approve":true}"#;
    let refused = block_on(api.staff_visual_check_decision(&bearer.request(
        "POST",
        "/api/v1/staff/visual-checks/decision",
        traversal,
        NOW,
    )));
    assert_eq!(refused, Err(EdgeError::BadRequest));

    // Opening a request is forwarded for the token's facility, naming the staff session; the name comes back to
    // the console only, and no open is forwarded without a staff token or with a path-like id.
    let open_path = "/api/v1/staff/visual-checks/open";
    let opened =
        block_on(api.staff_visual_check_open(&bearer.request("POST", open_path, br#"{"request_id":"abc123"}"#, NOW)))
            .unwrap();
    assert_eq!(opened.name.as_deref(), Some("山田　太郎"));
    let sent: VisualCheckOpen = serde_json::from_slice(&ports.sent_to("/v1/visual-checks/open")[0]).unwrap();
    assert_eq!((sent.facility_code.as_str(), sent.request_id.as_str()), (FACILITY, "abc123"));
    assert!(!sent.staff_id.as_str().is_empty());
    let anonymous =
        block_on(api.staff_visual_check_open(&request("POST", open_path, br#"{"request_id":"abc123"}"#, None)));
    assert!(anonymous.is_err(), "{anonymous:?}");
    let traversal =
        block_on(api.staff_visual_check_open(&bearer.request("POST", open_path, br#"{"request_id":"../x"}"#, NOW)));
    assert_eq!(traversal, Err(EdgeError::BadRequest));
    assert_eq!(ports.sent_to("/v1/visual-checks/open").len(), 1);
}

fn visual_check_body(certificate: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "certificate": Base64Bytes(certificate.to_vec()) })).unwrap()
}

/// Enrols a kiosk of [`FACILITY`] whose admin did not say it stands where staff see the patient.
fn unstaffed_kiosk<P: EdgePorts>(api: &EdgeApi<'_, P>, seed: u8) -> Kiosk {
    device_enrolled_with(api, seed, &serde_json::json!({ "facility_code": FACILITY, "label": "待合 奥" }))
}

#[test]
fn only_a_staffed_kiosk_asks_for_a_visual_check_and_only_a_few_times_an_hour() {
    use onshi_edge::auth::ratelimit::{VISUAL_CHECKS_PER_DEVICE, VISUAL_CHECKS_PER_FACILITY};
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let body = visual_check_body(CARD0_CERT);
    let ask = |kiosk: &Kiosk, now: i64| {
        block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, now)))
    };

    // A kiosk in an unattended corner, or one whose device key was copied off it, cannot queue 目視 at all.
    let corner = unstaffed_kiosk(&api, 40);
    let refused = ask(&corner, NOW);
    assert_eq!(refused, Err(EdgeError::VisualCheckNotStaffed));
    assert_eq!(refused.unwrap_err().to_api_error().error, onshi_proto::ErrorCode::Forbidden);
    assert!(ports.sent_to("/v1/visual-checks").is_empty() && ports.sent_to("/v1/certificate-status").is_empty());

    // A staffed kiosk: its hourly allowance, then rate_limited before the certificate or the origin is asked.
    let reception = enrolled_kiosk(&api, 41);
    for _ in 0..VISUAL_CHECKS_PER_DEVICE {
        ask(&reception, NOW).unwrap();
    }
    let asked = ports.sent_to("/v1/certificate-status").len();
    assert_eq!(ask(&reception, NOW), Err(EdgeError::RateLimited("visual checks")));
    assert_eq!(ports.sent_to("/v1/certificate-status").len(), asked);

    // The facility's kiosks together (the refusal above did not count for the facility): once the facility's
    // allowance is spent, a fresh kiosk is refused too.
    let per_facility = usize::try_from(VISUAL_CHECKS_PER_FACILITY).unwrap();
    let per_device = usize::try_from(VISUAL_CHECKS_PER_DEVICE).unwrap();
    let mut spent = per_device;
    let mut seed = 42;
    while spent < per_facility {
        let kiosk = enrolled_kiosk(&api, seed);
        seed += 1;
        for _ in 0..per_device.min(per_facility - spent) {
            ask(&kiosk, NOW).unwrap();
            spent += 1;
        }
    }
    let fresh = enrolled_kiosk(&api, seed);
    assert_eq!(ask(&fresh, NOW), Err(EdgeError::RateLimited("visual checks")));
    assert_eq!(ports.sent_to("/v1/visual-checks").len(), per_facility);
}

#[test]
fn a_visual_check_verifies_the_certificate_and_opens_a_session_only_once_approved() {
    let config = config();
    let pending_ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &pending_ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = visual_check_body(CARD0_CERT);
    let ticket = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, NOW))).unwrap();
    assert_eq!(ticket.request_id.as_str(), "abc123");
    let created: VisualCheckCreate = serde_json::from_slice(&pending_ports.sent_to("/v1/visual-checks")[0]).unwrap();
    assert_eq!(created.certificate.serial.as_str(), CARD0_SERIAL);
    assert_eq!((created.facility_code.as_str(), created.device_id.as_str()), (FACILITY, kiosk.device_id.as_str()));
    assert_eq!(pending_ports.sent_to("/v1/certificate-status").len(), 1, "revocation is asked as for a PIN session");

    // Not a certificate, or no device proof: refused before the origin records anything.
    let junk = visual_check_body(b"not a certificate");
    let refused = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &junk, NOW)));
    assert!(matches!(refused, Err(EdgeError::CertificateInvalid(_))));
    let unproven = block_on(api.request_visual_check(&request("POST", "/api/v1/visual-check", &body, None)));
    assert!(matches!(unproven, Err(EdgeError::DeviceProofInvalid(_))));
    // Outside the certificate's validity (the test cards end in 2030).
    let late = kiosk.request("/api/v1/visual-check", &body, 2_000_000_000);
    assert_eq!(block_on(api.request_visual_check(&late)), Err(EdgeError::CertificateExpired));
    assert_eq!(pending_ports.sent_to("/v1/visual-checks").len(), 1);

    // While staff have not decided, the kiosk hears "pending" and gets no session.
    let poll = br#"{"request_id":"abc123"}"#;
    let waiting = block_on(api.visual_check_status(&kiosk.request("/api/v1/visual-check/status", poll, NOW))).unwrap();
    assert!(waiting.session.is_none() && waiting.qualification.is_none());
    let sent: VisualCheckCollect =
        serde_json::from_slice(&pending_ports.sent_to("/v1/visual-checks/collect")[0]).unwrap();
    assert_eq!(sent.device_id.as_str(), kiosk.device_id);

    // Approved: a card session bound to the certificate and this device, and the qualification.
    let approved_ports = FakePorts::new(scripted_origin(true));
    let api = EdgeApi::new(&config, &approved_ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let approved = block_on(api.visual_check_status(&kiosk.request("/api/v1/visual-check/status", poll, NOW))).unwrap();
    assert_eq!(approved.state, onshi_proto::origin::VisualCheckState::Approved);
    assert_eq!(approved.qualification.map(|a| a.validity), Some(Validity::Valid));
    let session = approved.session.unwrap();
    let claims = config.sessions.verify(&session.session_token, NOW).unwrap();
    assert_eq!(claims.device, kiosk.device_id);
    assert_eq!(claims.certificate().serial.as_str(), CARD0_SERIAL);
    // A card session is not a staff token, from a staff console or from the kiosk it was opened on.
    let bearer = format!("Bearer {}", session.session_token);
    let console = enrolled_staff_console(&api, FACILITY, 34);
    for device in [&console, &kiosk] {
        let mut request = device.request_with("GET", "/api/v1/staff/checkins", b"", NOW);
        request.authorization = Some(&bearer);
        let refused = block_on(api.staff_checkins(&request)).unwrap_err();
        assert!(matches!(refused, EdgeError::SessionInvalid | EdgeError::DeviceRoleForbidden), "{refused:?}");
    }
}

#[test]
fn a_revoked_certificate_gets_no_visual_check() {
    let config = config();
    let ports = FakePorts::new(Box::new(|path, _body| match path {
        "/v1/certificate-status" => json(200, &serde_json::json!({ "status": "revoked" })),
        _ => json(200, &serde_json::json!({ "request_id": "abc123", "state": "pending", "expires_at": NOW })),
    }));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = visual_check_body(CARD0_CERT);
    let refused = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, NOW)));
    assert_eq!(refused, Err(EdgeError::CertificateRevoked));
    assert!(ports.sent_to("/v1/visual-checks").is_empty());
}

#[test]
fn a_visual_check_session_says_so_and_may_not_do_what_needs_the_pin() {
    let config = config();
    let ports = FakePorts::new(Box::new(|path, body| match path {
        "/v1/consent" => {
            let _: ConsentRequest = serde_json::from_slice(body).unwrap();
            json(200, &serde_json::json!({ "live": [] }))
        }
        _ => scripted_origin(true)(path, body),
    }));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let poll = br#"{"request_id":"abc123"}"#;
    let approved = block_on(api.visual_check_status(&kiosk.request("/api/v1/visual-check/status", poll, NOW))).unwrap();
    let token = approved.session.unwrap().session_token;
    assert_eq!(config.sessions.verify(&token, NOW).unwrap().method, AuthMethod::VisualCheck);
    let bearer = format!("Bearer {token}");
    let with_session = |path: &'static str, body: &'static [u8]| {
        let mut request = kiosk.request(path, body, NOW);
        request.authorization = Some(bearer.as_str());
        request
    };

    // The qualification was answered once, at approval, where the origin recorded a 目視 check-in; asking again
    // would record a PIN check-in, so it is refused before the origin hears of it.
    let again = block_on(api.qualification(&with_session("/api/v1/qualification", b"")));
    assert_eq!(again, Err(EdgeError::PinRequired));
    assert_eq!(again.unwrap_err().code().as_str(), "session_invalid");
    assert!(ports.sent_to("/v1/qualification/by-certificate").is_empty());
    // Linking the card to an insured record needs the PIN.
    let registration =
        block_on(api.register_card(&with_session("/api/v1/registration", br#"{"terms_accepted":true}"#)));
    assert_eq!(registration, Err(EdgeError::PinRequired));
    assert!(ports.sent_to("/v1/registration").is_empty());
    // Consent follows a visual check as it follows a PIN, and the prescription choice is forwarded.
    let consent =
        block_on(api.record_consent(&with_session(
            "/api/v1/consent",
            br#"{"kinds":["medication"],"prescription":"electronic"}"#,
        )));
    assert!(consent.is_ok(), "{consent:?}");
    let sent: ConsentRequest = serde_json::from_slice(&ports.sent_to("/v1/consent")[0]).unwrap();
    assert_eq!(sent.certificate.serial.as_str(), CARD0_SERIAL);
    assert_eq!(sent.prescription, Some(PrescriptionFormat::Electronic));
}

/// Enrols a staffed kiosk with a code the admin issued under `label` (or none), with a key derived from `seed`.
fn labelled_kiosk<P: EdgePorts>(api: &EdgeApi<'_, P>, seed: u8, label: Option<&str>) -> Kiosk {
    let body = match label {
        Some(label) => serde_json::json!({ "facility_code": FACILITY, "label": label, "staffed": true }),
        None => serde_json::json!({ "facility_code": FACILITY, "staffed": true }),
    };
    device_enrolled_with(api, seed, &body)
}

#[test]
fn why_the_kiosk_asks_for_a_visual_check_reaches_staff_and_an_unknown_reason_reaches_nothing() {
    use onshi_proto::origin::VisualCheckReason;
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let with_reason = |reason: &str| {
        serde_json::to_vec(&serde_json::json!({ "certificate": Base64Bytes(CARD0_CERT.to_vec()), "reason": reason }))
            .unwrap()
    };
    for body in [with_reason("pin_not_set"), with_reason("pin_locked"), visual_check_body(CARD0_CERT)] {
        block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, NOW))).unwrap();
    }
    let reasons: Vec<VisualCheckReason> = ports
        .sent_to("/v1/visual-checks")
        .iter()
        .map(|sent| serde_json::from_slice::<VisualCheckCreate>(sent).unwrap().reason)
        .collect();
    assert_eq!(reasons, [VisualCheckReason::PinNotSet, VisualCheckReason::PinLocked, VisualCheckReason::PatientChose]);

    let unknown = with_reason("face_matched");
    let refused = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &unknown, NOW)));
    assert_eq!(refused.unwrap_err(), EdgeError::BadRequest);
    assert_eq!(ports.sent_to("/v1/visual-checks").len(), 3);
}

#[test]
fn the_name_the_admin_gave_a_kiosk_goes_with_its_visual_checks_and_its_short_id_without_one() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let named = labelled_kiosk(&api, 7, Some(" 受付1 "));
    let unnamed = labelled_kiosk(&api, 8, None);
    let body = visual_check_body(CARD0_CERT);
    for kiosk in [&named, &unnamed] {
        block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, NOW))).unwrap();
    }
    let created: Vec<VisualCheckCreate> =
        ports.sent_to("/v1/visual-checks").iter().map(|sent| serde_json::from_slice(sent).unwrap()).collect();
    assert_eq!(created[0].device_label.as_deref(), Some("受付1"));
    // Without a label, staff know the kiosk by the start of its id's random part.
    let random = unnamed.device_id.split_once('.').unwrap().1;
    assert_eq!(created[1].device_label.as_deref(), Some(&random[..6]));

    // A label that is no label is refused when the code is issued, before anything is stored.
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    for bad in ["", "   ", "受付\n1", &"あ".repeat(25)] {
        let body = serde_json::to_vec(&serde_json::json!({ "facility_code": FACILITY, "label": bad })).unwrap();
        let refused =
            block_on(api.issue_enrolment_code(&admin_post("/api/v1/admin/enrolment-codes", &body, &authorization)));
        assert_eq!(refused.unwrap_err(), EdgeError::BadRequest, "{bad:?}");
    }
}

#[test]
fn where_the_admin_said_a_kiosk_stands_goes_with_its_visual_checks_and_nothing_without_it() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let placed = device_enrolled_with(
        &api,
        7,
        &serde_json::json!({ "facility_code": FACILITY, "label": "受付2", "location": " 2階 小児科待合 ", "staffed": true }),
    );
    let unplaced = labelled_kiosk(&api, 8, Some("受付3"));
    let body = visual_check_body(CARD0_CERT);
    for kiosk in [&placed, &unplaced] {
        block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, NOW))).unwrap();
    }
    let created: Vec<VisualCheckCreate> =
        ports.sent_to("/v1/visual-checks").iter().map(|sent| serde_json::from_slice(sent).unwrap()).collect();
    assert_eq!(created[0].device_location.as_deref(), Some("2階 小児科待合"));
    assert_eq!(created[1].device_location, None);

    // A location that is no place is refused when the code is issued, before anything is stored.
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    for bad in ["", "　", "2階\n待合", &"あ".repeat(41)] {
        let body = serde_json::to_vec(&serde_json::json!({ "facility_code": FACILITY, "location": bad })).unwrap();
        let refused =
            block_on(api.issue_enrolment_code(&admin_post("/api/v1/admin/enrolment-codes", &body, &authorization)));
        assert_eq!(refused.unwrap_err(), EdgeError::BadRequest, "{bad:?}");
    }
}

#[test]
fn a_kiosk_withdraws_its_own_visual_check_and_a_decision_on_it_is_refused_by_its_code() {
    let config = config();
    let ports = FakePorts::new(Box::new(|path, body| match path {
        "/v1/visual-checks/withdraw" => {
            let withdraw: VisualCheckCollect = serde_json::from_slice(body).unwrap();
            let ticket = serde_json::json!({
                "request_id": withdraw.request_id,
                "state": "withdrawn",
                "expires_at": NOW + 600,
            });
            json(200, &ticket)
        }
        "/v1/visual-checks/decide" => {
            json(409, &serde_json::json!({ "error": "visual_check_withdrawn", "message": "x" }))
        }
        _ => json(404, &serde_json::json!({ "error": "not_found", "message": "x" })),
    }));
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = br#"{"request_id":"abc123"}"#;
    let ticket =
        block_on(api.withdraw_visual_check(&kiosk.request("/api/v1/visual-check/withdraw", body, NOW))).unwrap();
    assert_eq!(ticket.state, onshi_proto::origin::VisualCheckState::Withdrawn);
    // The facility and the kiosk come from the device proof, never from the body.
    let sent: VisualCheckCollect = serde_json::from_slice(&ports.sent_to("/v1/visual-checks/withdraw")[0]).unwrap();
    assert_eq!(
        (sent.request_id.as_str(), sent.facility_code.as_str(), sent.device_id.as_str()),
        ("abc123", FACILITY, kiosk.device_id.as_str())
    );
    // Without a device proof, or with a request id that is not one, nothing reaches the origin.
    let unproven = block_on(api.withdraw_visual_check(&request("POST", "/api/v1/visual-check/withdraw", body, None)));
    assert!(matches!(unproven, Err(EdgeError::DeviceProofInvalid(_))));
    let traversal = br#"{"request_id":"../admin"}"#;
    let refused = block_on(api.withdraw_visual_check(&kiosk.request("/api/v1/visual-check/withdraw", traversal, NOW)));
    assert_eq!(refused.unwrap_err(), EdgeError::BadRequest);
    assert_eq!(ports.sent_to("/v1/visual-checks/withdraw").len(), 1);

    // Staff deciding it afterwards hear the origin's own code.
    let bearer = staff_desk(&api, FACILITY, 31);
    let decision = br#"{"request_id":"abc123","approve":true}"#;
    let late = block_on(api.staff_visual_check_decision(&bearer.request(
        "POST",
        "/api/v1/staff/visual-checks/decision",
        decision,
        NOW,
    )));
    let error = late.unwrap_err();
    assert_eq!(error.code(), onshi_proto::ErrorCode::VisualCheckWithdrawn);
    assert_eq!(error.code().http_status(), 409);
}

#[test]
fn a_certificate_whose_status_is_unknown_gets_no_visual_check_unless_soft_fail_is_set() {
    let unknown_origin = || -> OriginScript {
        Box::new(|path, _body| match path {
            "/v1/certificate-status" => json(200, &serde_json::json!({ "status": "unknown" })),
            _ => json(200, &serde_json::json!({ "request_id": "abc123", "state": "pending", "expires_at": NOW })),
        })
    };
    let config = config();
    let ports = FakePorts::new(unknown_origin());
    let api = EdgeApi::new(&config, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let body = visual_check_body(CARD0_CERT);
    let refused = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, NOW))).unwrap_err();
    assert_eq!(refused.to_api_error().error, onshi_proto::ErrorCode::CertificateUntrusted);
    assert!(ports.sent_to("/v1/visual-checks").is_empty());

    let soft = config_with(&[("REVOCATION_SOFT_FAIL", "true")]);
    let ports = FakePorts::new(unknown_origin());
    let api = EdgeApi::new(&soft, &ports);
    let kiosk = enrolled_kiosk(&api, 7);
    let ticket = block_on(api.request_visual_check(&kiosk.request("/api/v1/visual-check", &body, NOW))).unwrap();
    assert_eq!(ticket.request_id.as_str(), "abc123");
    assert_eq!(ports.sent_to("/v1/visual-checks").len(), 1);
    assert_eq!(ports.warnings.borrow().len(), 1);
}

/// An origin whose by-number check finds a record only for the birth date 1980-02-17.
fn birth_date_origin() -> OriginScript {
    Box::new(|path, body| match path {
        "/v1/qualification/by-number" => {
            let query: NumberQualificationQuery = serde_json::from_slice(body).unwrap();
            if query.birth_date.to_string() == "1980-02-17" {
                json(200, &answer())
            } else {
                let miss =
                    QualificationAnswer { validity: Validity::NoQualification, reason: Reason::NotFound, ..answer() };
                json(200, &miss)
            }
        }
        _ => json(200, &serde_json::json!({ "date": "2026-11-24", "checkins": [], "pending": [] })),
    })
}

fn by_number<P: EdgePorts>(
    api: &EdgeApi<'_, P>,
    staff: &StaffDesk,
    number: &str,
    birth_date: &str,
    now: i64,
) -> Result<Validity, EdgeError> {
    let body = serde_json::to_vec(&serde_json::json!({
        "insurer_number": "01130012", "symbol": "2100", "number": number, "branch": "00", "birth_date": birth_date
    }))
    .unwrap();
    block_on(api.staff_qualification_by_number(&staff.request(
        "POST",
        "/api/v1/staff/qualification/by-number",
        &body,
        now,
    )))
    .map(|answer| answer.validity)
}

#[test]
fn a_birth_date_search_by_number_is_stopped_after_a_few_misses() {
    let config = config();
    let ports = FakePorts::new(birth_date_origin());
    let api = EdgeApi::new(&config, &ports);
    let bearer = staff_desk(&api, FACILITY, 31);
    // Guessing one person's birth date: the subject is checked five times a day at most, hits included.
    let guesses = ["1980-01-01", "1980-01-02", "1980-01-03", "1980-01-04"];
    for guess in guesses {
        assert_eq!(by_number(&api, &bearer, "100", guess, NOW), Ok(Validity::NoQualification));
    }
    assert_eq!(by_number(&api, &bearer, "100", "1980-02-17", NOW), Ok(Validity::Valid));
    assert_eq!(by_number(&api, &bearer, "100", "1980-02-18", NOW), Err(EdgeError::RateLimited("by-number subject")));
    // The session missed four times; one more miss on another number, and it checks by number no more today.
    assert_eq!(by_number(&api, &bearer, "200", "1990-01-01", NOW), Ok(Validity::NoQualification));
    assert_eq!(by_number(&api, &bearer, "300", "1980-02-17", NOW), Err(EdgeError::RateLimited("by-number misses")));
    assert_eq!(ports.sent_to("/v1/qualification/by-number").len(), 6, "refused checks never reach the origin");
    // Another staff session of the facility still checks other people, but not the subject searched for.
    let other = staff_desk(&api, FACILITY, 32);
    assert_eq!(by_number(&api, &other, "300", "1980-02-17", NOW), Ok(Validity::Valid));
    assert_eq!(by_number(&api, &other, "100", "1980-02-17", NOW), Err(EdgeError::RateLimited("by-number subject")));
}

#[test]
fn a_staff_session_ends_at_logout_and_when_left_idle_and_its_calls_are_counted() {
    let config = config_with(&[("RATE_LIMIT_PER_DEVICE", "5")]);
    let ports = FakePorts::new(birth_date_origin());
    let api = EdgeApi::new(&config, &ports);
    let checkins = |staff: &StaffDesk, now: i64| {
        block_on(api.staff_checkins(&staff.request("GET", "/api/v1/staff/checkins", b"", now))).map(|_| ())
    };
    let logout =
        |staff: &StaffDesk| block_on(api.staff_logout(&staff.request("POST", "/api/v1/staff/logout", b"", NOW)));

    let bearer = staff_desk(&api, FACILITY, 31);
    assert_eq!(checkins(&bearer, NOW), Ok(()));
    assert_eq!(logout(&bearer), Ok(()));
    // The token has not expired, but its session is gone.
    assert_eq!(checkins(&bearer, NOW + 1), Err(EdgeError::SessionInvalid));
    assert_eq!(logout(&bearer), Err(EdgeError::SessionInvalid));

    let idle = staff_desk(&api, FACILITY, 32);
    assert_eq!(checkins(&idle, NOW), Ok(()));
    // Fifteen minutes without a call end it, though its token would live an hour.
    assert_eq!(checkins(&idle, NOW + 15 * 60 + 1), Err(EdgeError::SessionExpired));

    // Staff calls count against the limits of the console they come from (its login was one) and of the session.
    let busy = staff_desk(&api, FACILITY, 33);
    for _ in 0..4 {
        assert_eq!(checkins(&busy, NOW), Ok(()));
    }
    assert_eq!(checkins(&busy, NOW), Err(EdgeError::RateLimited("device")));
}

#[test]
fn a_staff_session_ends_after_the_idle_limit_the_edge_is_configured_with() {
    let config = config_with(&[("STAFF_IDLE_SECS", "120")]);
    let ports = FakePorts::new(birth_date_origin());
    let api = EdgeApi::new(&config, &ports);
    // The bridge's status is read from the facility's store alone, so the call is the session's and nothing else's.
    let staff_call = |staff: &StaffDesk, now: i64| {
        block_on(api.staff_bridge_status(&staff.request("GET", "/api/v1/staff/bridge", b"", now))).map(|_| ())
    };
    let staff = staff_desk(&api, FACILITY, 34);
    assert_eq!(staff_call(&staff, NOW), Ok(()));
    // Each call marks the session seen: two minutes after the last call it is still open.
    assert_eq!(staff_call(&staff, NOW + 120), Ok(()));
    assert_eq!(staff_call(&staff, NOW + 240), Ok(()));
    assert_eq!(staff_call(&staff, NOW + 361), Err(EdgeError::SessionExpired));
}

/// What the facility's store has counted on the facility's limit, in every window and under every name it keeps.
fn facility_count(ports: &FakePorts) -> u32 {
    let name = format!("rate:facility:{FACILITY}");
    ports.counters.borrow().iter().filter(|((counter, _), _)| counter.ends_with(&name)).map(|(_, count)| count).sum()
}

#[test]
fn a_staff_session_is_refused_over_its_own_limit_while_its_console_and_facility_have_room() {
    let config = config_with(&[
        ("RATE_LIMIT_PER_DEVICE", "10"),
        ("RATE_LIMIT_PER_FACILITY", "20"),
        ("RATE_LIMIT_PER_STAFF_SESSION", "3"),
    ]);
    let ports = FakePorts::new(birth_date_origin());
    let api = EdgeApi::new(&config, &ports);
    let path = "/api/v1/staff/checkins";
    let desk = staff_desk(&api, FACILITY, 31);
    for call in 0..3 {
        assert_eq!(list_checkins(&api, &desk.request("GET", path, b"", NOW)), Ok(()), "call {call}");
    }
    let asked = ports.sent.borrow().len();
    let refused = list_checkins(&api, &desk.request("GET", path, b"", NOW));
    assert_eq!(refused, Err(EdgeError::RateLimited("staff")));
    assert_eq!(EdgeError::RateLimited("staff").http_status(), 429);
    assert_eq!(ports.sent.borrow().len(), asked, "the refused call never reached the origin");
    // The console (a login and four calls of its ten) and the facility (five of twenty) still have room: another
    // session on the same console is served, and so is another console of the facility.
    assert!(facility_count(&ports) < 20, "{} counted on the facility", facility_count(&ports));
    let second = staff_login_on(&api, &desk.console, &issue_staff_code(&api, FACILITY)).unwrap();
    let second_bearer = format!("Bearer {}", second.staff_token);
    let mut again = desk.console.request_with("GET", path, b"", NOW);
    again.authorization = Some(&second_bearer);
    assert_eq!(list_checkins(&api, &again), Ok(()));
    let other = staff_desk(&api, FACILITY, 32);
    assert_eq!(list_checkins(&api, &other.request("GET", path, b"", NOW)), Ok(()));
    // The first session stays refused for the rest of the window, and goes on in the next.
    assert_eq!(list_checkins(&api, &desk.request("GET", path, b"", NOW)), Err(EdgeError::RateLimited("staff")));
    assert_eq!(list_checkins(&api, &desk.request("GET", path, b"", NOW + 60)), Ok(()));
}

#[test]
fn each_staff_call_counts_once_against_its_facility() {
    let config = config_with(&[("RATE_LIMIT_PER_DEVICE", "100"), ("RATE_LIMIT_PER_FACILITY", "8")]);
    let ports = FakePorts::new(birth_date_origin());
    let api = EdgeApi::new(&config, &ports);
    let path = "/api/v1/staff/checkins";
    let desk = staff_desk(&api, FACILITY, 31);
    // The staff login was the console's first counted request.
    assert_eq!(facility_count(&ports), 1);
    for call in 1..=5_u32 {
        assert_eq!(list_checkins(&api, &desk.request("GET", path, b"", NOW)), Ok(()));
        assert_eq!(facility_count(&ports), 1 + call, "after staff call {call}");
    }
    // A by-number check, which counts its subject and its session's misses besides, is one facility request too.
    assert_eq!(by_number(&api, &desk, "100", "1980-02-17", NOW), Ok(Validity::Valid));
    assert_eq!(facility_count(&ports), 7);
    // So a facility allowed eight requests a window serves its login and seven staff calls, and refuses the ninth.
    assert_eq!(list_checkins(&api, &desk.request("GET", path, b"", NOW)), Ok(()));
    assert_eq!(list_checkins(&api, &desk.request("GET", path, b"", NOW)), Err(EdgeError::RateLimited("facility")));
}

/// The staff list as the console asks for it: `request` as built, the answer's success only.
fn list_checkins<P: EdgePorts>(api: &EdgeApi<'_, P>, request: &ApiRequest<'_>) -> Result<(), EdgeError> {
    block_on(api.staff_checkins(request)).map(|_| ())
}

#[test]
fn a_staff_token_opens_nothing_but_with_a_fresh_proof_of_the_staff_console_it_was_opened_on() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let path = "/api/v1/staff/checkins";
    let staff = staff_desk(&api, FACILITY, 31);
    let proven = staff.request("GET", path, b"", NOW);
    assert_eq!(list_checkins(&api, &proven), Ok(()));

    // The same request again, proof and all (a recorded request replayed): its nonce is spent.
    assert_eq!(list_checkins(&api, &proven), Err(EdgeError::DeviceProofInvalid("replayed nonce")));
    // The token copied to a second staff console of the same facility, which signs its own request properly.
    let second = enrolled_staff_console(&api, FACILITY, 32);
    let mut copied = second.request_with("GET", path, b"", NOW);
    copied.authorization = Some(&staff.bearer);
    assert_eq!(list_checkins(&api, &copied), Err(EdgeError::SessionInvalid));
    // From a kiosk of the facility: a kiosk makes no staff call, whatever token it holds.
    let kiosk = enrolled_kiosk(&api, 33);
    let mut from_kiosk = kiosk.request_with("GET", path, b"", NOW);
    from_kiosk.authorization = Some(&staff.bearer);
    assert_eq!(list_checkins(&api, &from_kiosk), Err(EdgeError::DeviceRoleForbidden));
    // With no proof at all, as a bearer token alone.
    let bare = request("GET", path, b"", Some(&staff.bearer));
    assert_eq!(list_checkins(&api, &bare), Err(EdgeError::DeviceProofInvalid("no device id")));
    // The console's proof of another request (its logout) put on this one: it does not verify.
    let logout = staff.request("POST", "/api/v1/staff/logout", b"", NOW);
    let mut borrowed = staff.request("GET", path, b"", NOW);
    borrowed.device_proof = logout.device_proof.clone();
    assert_eq!(list_checkins(&api, &borrowed), Err(EdgeError::DeviceProofInvalid("signature does not verify")));

    // A leaked token cannot drive the by-number check (a birth-date search) from anywhere: without the console's
    // proof every try is refused before the origin or the by-number counters hear of it.
    let query =
        br#"{"insurer_number":"01130012","symbol":"2100","number":"100","branch":"00","birth_date":"1980-02-17"}"#;
    for _ in 0..20 {
        let bare = request("POST", "/api/v1/staff/qualification/by-number", query, Some(&staff.bearer));
        let refused = block_on(api.staff_qualification_by_number(&bare));
        assert_eq!(refused, Err(EdgeError::DeviceProofInvalid("no device id")));
    }
    assert!(ports.sent_to("/v1/qualification/by-number").is_empty());

    // Only the first request reached the origin; the session is still the console's own, and each request wrote
    // exactly one audit event, the refusals naming the device that sent them.
    assert_eq!(ports.sent_to("/v1/staff/checkins").len(), 1);
    assert_eq!(list_checkins(&api, &staff.request("GET", path, b"", NOW)), Ok(()));
    let audit = ports.audit.borrow();
    let listed: Vec<_> = audit.iter().filter(|line| line.contains("\"staff_check_ins\"")).collect();
    assert_eq!(listed.len(), 7);
    assert!(listed.iter().any(|line| line.contains(&second.device_id) && line.contains("session_invalid")));
    assert!(listed.iter().any(|line| line.contains(&kiosk.device_id) && line.contains("forbidden")));
}

#[test]
fn staff_log_in_only_on_an_enrolled_staff_console_of_the_code_s_facility() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let code = staff_code(&api);
    let body = serde_json::to_vec(&serde_json::json!({ "code": code })).unwrap();
    let path = "/api/v1/staff/login";

    // Without a device, or from a kiosk or a bridge, the code is not even looked at, so it is not spent.
    let bare = block_on(api.staff_login(&request("POST", path, &body, None)));
    assert_eq!(bare.unwrap_err(), EdgeError::DeviceProofInvalid("no device id"));
    let kiosk = enrolled_kiosk(&api, 33);
    assert_eq!(login(&api, &kiosk, &code), Err(EdgeError::DeviceRoleForbidden));
    let bridge = device_enrolled_with(&api, 35, &serde_json::json!({ "facility_code": FACILITY, "role": "bridge" }));
    assert_eq!(login(&api, &bridge, &code), Err(EdgeError::DeviceRoleForbidden));
    // A staff console enrolled for another facility spends the code and gets nothing.
    let foreign = enrolled_staff_console(&api, "1312345679", 36);
    assert_eq!(login(&api, &foreign, &code), Err(EdgeError::EnrolmentCodeInvalid("another facility's")));
    assert_eq!(login(&api, &foreign, &code), Err(EdgeError::EnrolmentCodeInvalid("already used")));

    // The facility's own staff console logs in with a fresh code, and its token names the console.
    let console = enrolled_staff_console(&api, FACILITY, 31);
    let token = login(&api, &console, &staff_code(&api)).unwrap();
    assert_eq!(config.staff_sessions.verify(&token, NOW).unwrap().device, console.device_id);
    // A staff console is no kiosk: it cannot start a card check-in.
    let challenge = block_on(api.issue_challenge(&console.request("/api/v1/challenge", b"", NOW)));
    assert_eq!(challenge.unwrap_err(), EdgeError::DeviceRoleForbidden);
    let audit = ports.audit.borrow();
    assert_eq!(audit.iter().filter(|line| line.contains("\"staff_login\"")).count(), 6);
    assert!(audit.iter().all(|line| !line.contains(&code) && !line.contains(&token)));
}

#[test]
fn revoking_a_staff_console_ends_its_staff_sessions_at_once() {
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let path = "/api/v1/staff/checkins";
    let staff = staff_desk(&api, FACILITY, 31);
    let colleague = staff_desk(&api, FACILITY, 32);
    assert_eq!(list_checkins(&api, &staff.request("GET", path, b"", NOW)), Ok(()));

    let revoke = format!("/api/v1/admin/devices/{}/revoke", staff.console.device_id);
    let admin = format!("Bearer {ADMIN_TOKEN}");
    block_on(api.revoke_device(&request("POST", &revoke, b"", Some(&admin)), &staff.console.device_id)).unwrap();
    // Its session, unexpired and not idle, is over with it, and it cannot log in again or log out.
    let refused = list_checkins(&api, &staff.request("GET", path, b"", NOW + 1)).unwrap_err();
    assert_eq!(refused, EdgeError::DeviceRevoked);
    assert_eq!(refused.code(), onshi_proto::ErrorCode::DeviceNotEnrolled);
    assert_eq!(login(&api, &staff.console, &staff_code(&api)), Err(EdgeError::DeviceRevoked));
    let logout = block_on(api.staff_logout(&staff.request("POST", "/api/v1/staff/logout", b"", NOW + 1)));
    assert_eq!(logout, Err(EdgeError::DeviceRevoked));
    // Another console of the facility works on.
    assert_eq!(list_checkins(&api, &colleague.request("GET", path, b"", NOW + 1)), Ok(()));
    assert_eq!(ports.sent_to("/v1/staff/checkins").len(), 2);
}

#[test]
fn an_app_that_says_what_it_is_enrols_only_with_a_code_of_that_role() {
    use onshi_proto::api::DeviceRole;
    let config = config();
    let ports = FakePorts::new(scripted_origin(false));
    let api = EdgeApi::new(&config, &ports);
    let authorization = format!("Bearer {ADMIN_TOKEN}");
    let issue = |role: &str| {
        let body = serde_json::json!({ "facility_code": FACILITY, "role": role }).to_string();
        let request = admin_post("/api/v1/admin/enrolment-codes", body.as_bytes(), &authorization);
        block_on(api.issue_enrolment_code(&request)).unwrap().code
    };
    let key = p256::ecdsa::SigningKey::from_slice(&[37; 32]).unwrap();
    let public_key = Base64Bytes(key.verifying_key().to_public_key_der().unwrap().as_bytes().to_vec());
    let enrol_as = |code: String, role: DeviceRole| {
        let body =
            serde_json::to_vec(&EnrolRequest { code, public_key: public_key.clone(), role: Some(role) }).unwrap();
        block_on(api.enrol(&request("POST", "/api/v1/devices/enrol", &body, None)))
    };
    // A kiosk's code typed into the staff console, and a staff console's code typed into a kiosk: refused, and spent.
    let kiosk_code = issue("kiosk");
    assert_eq!(
        enrol_as(kiosk_code.clone(), DeviceRole::StaffConsole),
        Err(EdgeError::EnrolmentCodeInvalid("another role's"))
    );
    assert_eq!(enrol_as(kiosk_code, DeviceRole::Kiosk), Err(EdgeError::EnrolmentCodeInvalid("already used")));
    assert_eq!(
        enrol_as(issue("staff_console"), DeviceRole::Kiosk),
        Err(EdgeError::EnrolmentCodeInvalid("another role's"))
    );
    assert!(ports.devices.borrow().is_empty(), "nothing was enrolled");
    // Its own role's code enrols it, as a device of that role.
    let enrolled = enrol_as(issue("staff_console"), DeviceRole::StaffConsole).unwrap();
    let console = Kiosk { device_id: enrolled.device_id, key };
    let challenge = block_on(api.issue_challenge(&console.request("/api/v1/challenge", b"", NOW)));
    assert_eq!(challenge.unwrap_err(), EdgeError::DeviceRoleForbidden);
}

/// An origin whose staff listing answers `rows` check-ins, with a next page unless it was asked for one.
fn paging_origin(rows: usize) -> OriginScript {
    Box::new(move |path, body| match path {
        "/v1/certificate-status" => json(200, &serde_json::json!({ "status": "good" })),
        "/v1/staff/checkins" => {
            let query: CheckInListQuery = serde_json::from_slice(body).unwrap();
            let checkins: Vec<serde_json::Value> = (0..rows)
                .map(|row| {
                    serde_json::json!({
                        "id": format!("row{row}"), "checked_in_at": NOW - 10, "device_id": null, "method": "pin",
                        "validity": "valid", "reason": "current", "guidance": null, "name": null,
                        "name_kana": null, "insurer_number": null, "insurer_name": null,
                        "contribution_percent": null,
                    })
                })
                .collect();
            let next = query.before.is_none().then(|| format!("{}.row{}", NOW - 10, rows.saturating_sub(1)));
            json(
                200,
                &serde_json::json!({
                    "date": "2026-11-24", "checkins": checkins, "next": next, "total": 250, "pending": [],
                }),
            )
        }
        _ => json(404, &serde_json::json!({ "error": "not_found", "message": "x" })),
    })
}

#[test]
fn the_listing_passes_a_page_cursor_both_ways_and_refuses_a_tampered_one_or_an_unbounded_answer() {
    let config = config();
    let ports = FakePorts::new(paging_origin(2));
    let api = EdgeApi::new(&config, &ports);
    let console = enrolled_staff_console(&api, FACILITY, 41);
    let token = login(&api, &console, &staff_code(&api)).unwrap();
    let staff = StaffDesk { console, bearer: format!("Bearer {token}") };

    // The newest page, by GET as older consoles ask: no cursor goes to the origin, and its cursor and total come back.
    let first = block_on(api.staff_checkins(&staff.request("GET", STAFF_CHECKINS_PATH, b"", NOW))).unwrap();
    assert_eq!((first.checkins.len(), first.total), (2, 250));
    let next = first.next.clone().unwrap();
    let sent: CheckInListQuery = serde_json::from_slice(&ports.sent_to("/v1/staff/checkins")[0]).unwrap();
    assert_eq!(sent.before, None);

    // The next page, by POST with the cursor: the origin is asked after exactly that cursor.
    let body = serde_json::to_vec(&StaffCheckInListRequest { before: Some(next.clone()) }).unwrap();
    let second = block_on(api.staff_checkins(&staff.request("POST", STAFF_CHECKINS_PATH, &body, NOW))).unwrap();
    assert_eq!(second.next, None);
    let sent: CheckInListQuery = serde_json::from_slice(&ports.sent_to("/v1/staff/checkins")[1]).unwrap();
    assert_eq!(sent.before, Some(next));
    assert_eq!(sent.facility_code.as_str(), FACILITY);

    // A tampered cursor, or a body with more than a cursor, is refused before the origin is asked.
    for body in [r#"{"before":"abc"}"#, r#"{"before":"-1.row"}"#, r#"{"before":"5.a b"}"#, r#"{"after":"5.a"}"#] {
        let refused = block_on(api.staff_checkins(&staff.request("POST", STAFF_CHECKINS_PATH, body.as_bytes(), NOW)));
        assert_eq!(refused.unwrap_err(), EdgeError::BadRequest, "{body}");
    }
    assert_eq!(ports.sent_to("/v1/staff/checkins").len(), 2);

    // An origin that answered more than a page is not passed on.
    let ports = FakePorts::new(paging_origin(CHECKIN_PAGE_ROWS + 1));
    let api = EdgeApi::new(&config, &ports);
    let console = enrolled_staff_console(&api, FACILITY, 42);
    let token = login(&api, &console, &staff_code(&api)).unwrap();
    let staff = StaffDesk { console, bearer: format!("Bearer {token}") };
    let refused = block_on(api.staff_checkins(&staff.request("GET", STAFF_CHECKINS_PATH, b"", NOW)));
    assert_eq!(refused.unwrap_err(), EdgeError::OriginError { status: 200 });
}
