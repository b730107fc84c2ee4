//! The staff console's routes: check-ins recorded with the audit row of a qualification by certificate and listed
//! per facility and day (every listing audited), and staff visual checks (目視) from request to a single collected
//! answer. Every test runs on both databases.

use onshi_proto::IsoDate;
use onshi_proto::card_face::CardFaceHolder;
use onshi_proto::checkin_page::{CHECKIN_PAGE_ROWS, CheckInCursor, PENDING_VISUAL_CHECK_ROWS};
use onshi_proto::origin::{
    AuthMethod, BY_CERTIFICATE_PATH, CHECKINS_PATH, CONSENT_PATH, CardQualificationQuery, CheckInList,
    CheckInListQuery, ConsentRequest, PrescriptionFormat, VISUAL_CHECK_COLLECT_PATH, VISUAL_CHECK_CREATE_PATH,
    VISUAL_CHECK_DECIDE_PATH, VISUAL_CHECK_LIFETIME_SECONDS, VISUAL_CHECK_OPEN_PATH, VISUAL_CHECK_WITHDRAW_PATH,
    VisualCheckCollect, VisualCheckCollected, VisualCheckCreate, VisualCheckDecision, VisualCheckOpen,
    VisualCheckPerson, VisualCheckReason, VisualCheckState, VisualCheckTicket,
};
use onshi_proto::qualification::{QualificationAnswer, Sex, Validity};
use onshi_proto::reader_result::READER_RESULT_PATH;

use crate::fixture::{Db, ISSUER, NOW, Origin, card_query, certificate, expect_error, serial, visual_check_ask};

const FACILITY: &str = "1312345679";
const OTHER_FACILITY: &str = "2712345673";
const KIOSK: &str = "kiosk-1";
/// The name the admin gave [`KIOSK`].
const KIOSK_LABEL: &str = "受付1";
const KIOSK_LOCATION: &str = "1階 受付前";

async fn check_in(origin: &Origin, serial: &str, facility_code: Option<&str>) -> QualificationAnswer {
    let query = CardQualificationQuery {
        device_id: Some(KIOSK.try_into().unwrap()),
        device_label: Some(KIOSK_LABEL.try_into().unwrap()),
        ..card_query(serial, facility_code)
    };
    let response = origin.post_signed(BY_CERTIFICATE_PATH, &query).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn request_visual_check(origin: &Origin, serial: &str) -> VisualCheckTicket {
    request_visual_check_because(origin, serial, VisualCheckReason::default()).await
}

async fn request_visual_check_because(origin: &Origin, serial: &str, reason: VisualCheckReason) -> VisualCheckTicket {
    let request = VisualCheckCreate {
        device_label: Some(KIOSK_LABEL.try_into().unwrap()),
        device_location: Some(KIOSK_LOCATION.try_into().unwrap()),
        reason,
        ..visual_check_ask(serial, FACILITY)
    };
    let response = origin.post_signed(VISUAL_CHECK_CREATE_PATH, &request).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

fn decision(request_id: &str, facility_code: &str, approve: bool) -> VisualCheckDecision {
    VisualCheckDecision {
        request_id: request_id.try_into().unwrap(),
        facility_code: facility_code.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        approve,
    }
}

async fn decide(origin: &Origin, request_id: &str, approve: bool) -> VisualCheckTicket {
    let response = origin.post_signed(VISUAL_CHECK_DECIDE_PATH, &decision(request_id, FACILITY, approve)).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

fn collect_body(request_id: &str, device_id: &str) -> VisualCheckCollect {
    VisualCheckCollect {
        request_id: request_id.try_into().unwrap(),
        facility_code: FACILITY.try_into().unwrap(),
        device_id: device_id.try_into().unwrap(),
    }
}

async fn collect(origin: &Origin, request_id: &str) -> VisualCheckCollected {
    let response = origin.post_signed(VISUAL_CHECK_COLLECT_PATH, &collect_body(request_id, KIOSK)).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn a_check_in_is_listed_for_its_facility_and_day_and_every_listing_is_audited(db: Db) {
    let origin = Origin::start(db).await;
    assert!(origin.staff_list(FACILITY).await.checkins.is_empty());
    let answer = check_in(&origin, serial::VALID, Some(FACILITY)).await;
    assert_eq!(answer.validity, Validity::Valid);
    let unregistered = check_in(&origin, serial::UNREGISTERED, Some(FACILITY)).await;
    assert_eq!(unregistered.validity, Validity::NoQualification);
    // A query without a facility is answered but is nobody's check-in.
    check_in(&origin, serial::ELDERLY, None).await;

    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(listed.date.to_string(), "2026-11-24");
    assert_eq!(listed.checkins.len(), 2);
    let valid = listed.checkins.iter().find(|c| c.validity == Validity::Valid).unwrap();
    let record = &answer.records[0];
    assert_eq!(valid.method, AuthMethod::Pin);
    assert_eq!(valid.name.as_deref(), Some(record.name.as_str()));
    assert_eq!(valid.insurer_name.as_deref(), Some(record.insurer_name.as_str()));
    assert_eq!(valid.insurer_number.as_deref(), Some(record.insurer_number.as_str()));
    assert_eq!(valid.contribution_percent, Some(record.partial_contribution_percent));
    assert_eq!(valid.device_id.as_deref(), Some(KIOSK));
    assert_eq!(valid.checked_in_at, NOW);
    let not_found = listed.checkins.iter().find(|c| c.validity == Validity::NoQualification).unwrap();
    assert!(not_found.name.is_none());
    assert_eq!(not_found.guidance, unregistered.guidance);
    assert!(origin.staff_list(OTHER_FACILITY).await.checkins.is_empty());

    // The elderly card's 高齢受給者 ratio is the one shown.
    let elderly = check_in(&origin, serial::ELDERLY, Some(FACILITY)).await;
    let listed = origin.staff_list(FACILITY).await;
    let shown = listed.checkins.iter().find(|c| c.name.as_deref() == Some(elderly.records[0].name.as_str())).unwrap();
    assert_eq!(
        shown.contribution_percent,
        Some(
            elderly.records[0]
                .elderly_recipient
                .as_ref()
                .map_or(elderly.records[0].partial_contribution_percent, |e| e.contribution_ratio_percent)
        )
    );
    // A 後期高齢者 pays their insurance's own 1割: no 高齢受給者証 stands behind it.
    assert_eq!(shown.elderly_recipient, None);

    // The senior's row shows his 高齢受給者証's 2割, and beside it how long it runs and his insurance's own 3割.
    let senior = check_in(&origin, serial::SENIOR, Some(FACILITY)).await;
    let record = &senior.records[0];
    let Some(certificate) = record.elderly_recipient.clone() else {
        panic!("the fixture senior holds no 高齢受給者証")
    };
    let listed = origin.staff_list(FACILITY).await;
    let shown = listed.checkins.iter().find(|c| c.name.as_deref() == Some(record.name.as_str())).unwrap();
    assert_eq!(shown.contribution_percent.map(u8::from), Some(20));
    assert_eq!(
        shown.elderly_recipient,
        Some(onshi_proto::origin::ElderlyShare {
            certificate,
            insured_percent: onshi_proto::qualification::Percent::literal(30)
        })
    );

    // Each check-in has its audited read behind it, and each listing its own audit row naming the staff session.
    let events = origin.store.audit_events().await.unwrap();
    let listings: Vec<_> = events.iter().filter(|e| e.purpose == "staff_checkin_list").collect();
    assert_eq!(listings.len(), 5);
    assert!(listings.iter().all(|e| e.actor_device_id.as_deref() == Some("staff:staff-a")));
    assert_eq!(
        events
            .iter()
            .filter(
                |e| e.purpose == "qualification_by_certificate" && e.actor_facility_code.as_deref() == Some(FACILITY)
            )
            .count(),
        4
    );

    // The next Tokyo day starts an empty list.
    origin.clock.set(NOW + 24 * 60 * 60);
    assert!(origin.staff_list(FACILITY).await.checkins.is_empty());
    origin.stop().await;
}
on_both_databases!(a_check_in_is_listed_for_its_facility_and_day_and_every_listing_is_audited);

/// Every kiosk check-in whose certificate led to a person lists that person's birth date and sex, so staff's console
/// can match it to the clinic's register as it does a national reader's row: a PIN check-in and a collected 目視
/// alike; a check-in that found nobody lists neither.
async fn a_kiosk_check_in_lists_the_birth_date_and_sex_of_the_person_it_found(db: Db) {
    let origin = Origin::start(db).await;
    let pin = check_in(&origin, serial::VALID, Some(FACILITY)).await;
    check_in(&origin, serial::UNREGISTERED, Some(FACILITY)).await;
    origin.clock.set(NOW + 60);
    let ticket = request_visual_check(&origin, serial::ELDERLY).await;
    decide(&origin, &ticket.request_id, true).await;
    let visual = collect(&origin, &ticket.request_id).await.qualification.unwrap();

    let listed = origin.staff_list(FACILITY).await.checkins;
    assert_eq!(listed.len(), 3);
    let row_of = |method: AuthMethod, name: &str| {
        listed.iter().find(|c| c.method == method && c.name.as_deref() == Some(name)).unwrap()
    };
    let pin_row = row_of(AuthMethod::Pin, &pin.records[0].name);
    assert_eq!((pin_row.birth_date, pin_row.sex), (Some(pin.records[0].birth_date), Some(pin.records[0].sex)));
    let visual_row = row_of(AuthMethod::VisualCheck, &visual.records[0].name);
    assert_eq!(
        (visual_row.birth_date, visual_row.sex),
        (Some(visual.records[0].birth_date), Some(visual.records[0].sex))
    );
    assert_ne!(pin_row.birth_date, visual_row.birth_date, "each row is joined to its own person");
    let nobody = listed.iter().find(|c| c.name.is_none()).unwrap();
    assert_eq!((nobody.birth_date, nobody.sex), (None, None));
    // What only a national reader's result carries stays empty on a kiosk's row.
    assert!(listed.iter().all(|c| c.reference_number.is_none() && c.face_file.is_none()));
    origin.stop().await;
}
on_both_databases!(a_kiosk_check_in_lists_the_birth_date_and_sex_of_the_person_it_found);

async fn consent(origin: &Origin, serial: &str, facility_code: &str, prescription: Option<PrescriptionFormat>) {
    let request = ConsentRequest {
        certificate: certificate(serial),
        facility_code: facility_code.try_into().unwrap(),
        device_id: Some(KIOSK.try_into().unwrap()),
        kinds: vec![],
        prescription,
        scope: Default::default(),
    };
    assert_eq!(origin.post_signed(CONSENT_PATH, &request).await.status().as_u16(), 200);
}

async fn the_prescription_choice_of_the_consent_screen_shows_on_that_days_check_in(db: Db) {
    let origin = Origin::start(db).await;
    let name_of = |answer: &QualificationAnswer| answer.records[0].name.clone();
    let valid = check_in(&origin, serial::VALID, Some(FACILITY)).await;
    let elderly = check_in(&origin, serial::ELDERLY, Some(FACILITY)).await;
    // A patient who declines every consent may still choose a format; a patient who is not asked chooses none.
    consent(&origin, serial::VALID, FACILITY, Some(PrescriptionFormat::Electronic)).await;
    consent(&origin, serial::ELDERLY, FACILITY, None).await;
    // Another facility's consent screen never touches this facility's check-ins.
    consent(&origin, serial::ELDERLY, OTHER_FACILITY, Some(PrescriptionFormat::Electronic)).await;
    let chosen = |list: &CheckInList, name: &str| {
        list.checkins.iter().find(|c| c.name.as_deref() == Some(name)).map(|c| c.prescription)
    };
    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(chosen(&listed, &name_of(&valid)), Some(Some(PrescriptionFormat::Electronic)));
    assert_eq!(chosen(&listed, &name_of(&elderly)), Some(None));

    // A second visit the same day: the choice goes onto the latest check-in only, and the earlier one keeps its own.
    origin.clock.set(NOW + 3_600);
    check_in(&origin, serial::VALID, Some(FACILITY)).await;
    consent(&origin, serial::VALID, FACILITY, Some(PrescriptionFormat::Paper)).await;
    let listed = origin.staff_list(FACILITY).await;
    let formats: Vec<Option<PrescriptionFormat>> = listed
        .checkins
        .iter()
        .filter(|c| c.name.as_deref() == Some(name_of(&valid).as_str()))
        .map(|c| c.prescription)
        .collect();
    // Newest first.
    assert_eq!(formats, vec![Some(PrescriptionFormat::Paper), Some(PrescriptionFormat::Electronic)]);

    // The next day, a choice without a check-in that day has nothing to attach to and changes no earlier row.
    origin.clock.set(NOW + 24 * 60 * 60);
    consent(&origin, serial::ELDERLY, FACILITY, Some(PrescriptionFormat::Paper)).await;
    origin.clock.set(NOW + 3_600);
    assert_eq!(chosen(&origin.staff_list(FACILITY).await, &name_of(&elderly)), Some(None));
    origin.stop().await;
}
on_both_databases!(the_prescription_choice_of_the_consent_screen_shows_on_that_days_check_in);

async fn open(origin: &Origin, request_id: &str, facility_code: &str) -> reqwest::Response {
    let open = VisualCheckOpen {
        request_id: request_id.try_into().unwrap(),
        facility_code: facility_code.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
    };
    origin.post_signed(VISUAL_CHECK_OPEN_PATH, &open).await
}

async fn the_name_and_birth_date_behind_a_visual_check_are_shown_only_when_staff_open_it_and_each_time_audited(db: Db) {
    let origin = Origin::start(db).await;
    let linked = request_visual_check(&origin, serial::VALID).await;
    let unlinked = request_visual_check(&origin, serial::UNREGISTERED).await;

    // The list names nobody: not in its fields, and not anywhere in its text.
    let listed = serde_json::to_string(&origin.staff_list(FACILITY).await).unwrap();
    let answer = check_in(&origin, serial::VALID, None).await;
    let name = answer.records[0].name.clone();
    let birth_date = answer.records[0].birth_date.to_string();
    assert!(!listed.contains(&name) && !listed.contains(&birth_date), "{listed}");

    // Opening one shows its person and writes an audit row naming them and the staff session, once per opening.
    let person = open(&origin, &linked.request_id, FACILITY).await.json::<VisualCheckPerson>().await.unwrap();
    assert_eq!(
        (person.name.as_deref(), person.birth_date.map(|d| d.to_string())),
        (Some(name.as_str()), Some(birth_date))
    );
    open(&origin, &linked.request_id, FACILITY).await;
    let events = origin.store.audit_events().await.unwrap();
    let disclosures: Vec<_> = events.iter().filter(|e| e.purpose == "visual_check_disclosure").collect();
    assert_eq!(disclosures.len(), 2);
    assert!(disclosures.iter().all(|e| e.subject_person_id.is_some() && e.outcome == "disclosed"));
    assert!(disclosures.iter().all(|e| e.actor_facility_code.as_deref() == Some(FACILITY)));

    // A card linked to nobody discloses nothing, and says so.
    let nobody = open(&origin, &unlinked.request_id, FACILITY).await.json::<VisualCheckPerson>().await.unwrap();
    assert_eq!((nobody.name, nobody.birth_date), (None, None));

    // Another facility cannot open it, nor learn that it exists; a decided request discloses nothing more.
    expect_error(open(&origin, &linked.request_id, OTHER_FACILITY).await, 404, "not_found").await;
    decide(&origin, &linked.request_id, true).await;
    expect_error(open(&origin, &linked.request_id, FACILITY).await, 404, "not_found").await;
    // A request its kiosk withdrew is refused by its own code.
    withdraw(&origin, &unlinked.request_id).await;
    expect_error(open(&origin, &unlinked.request_id, FACILITY).await, 409, "visual_check_withdrawn").await;
    let after = origin.store.audit_events().await.unwrap();
    assert_eq!(after.iter().filter(|e| e.purpose == "visual_check_disclosure").count(), 3);
    origin.stop().await;
}
on_both_databases!(
    the_name_and_birth_date_behind_a_visual_check_are_shown_only_when_staff_open_it_and_each_time_audited
);

async fn staff_see_why_each_kiosk_asked_for_a_visual_check(db: Db) {
    let origin = Origin::start(db).await;
    let asked = [
        (serial::VALID, VisualCheckReason::PinNotSet),
        (serial::DEPENDENT, VisualCheckReason::PinLocked),
        (serial::ELDERLY, VisualCheckReason::PatientChose),
    ];
    for (at, (serial, reason)) in (NOW..).zip(asked) {
        // One second apart, so that the list's order (oldest first) is the order asked.
        origin.clock.set(at);
        request_visual_check_because(&origin, serial, reason).await;
    }
    let listed = origin.staff_list(FACILITY).await;
    let reasons: Vec<_> = listed.pending.iter().map(|pending| pending.reason).collect();
    assert_eq!(reasons, asked.map(|(_, reason)| reason));

    // A kiosk built before reasons existed says nothing, and its request reads as the patient's choice.
    let mut body = serde_json::to_value(VisualCheckCreate {
        reason: VisualCheckReason::PinNotSet,
        ..visual_check_ask(serial::LOST, FACILITY)
    })
    .unwrap();
    body.as_object_mut().unwrap().remove("reason");
    assert_eq!(origin.post_signed(VISUAL_CHECK_CREATE_PATH, &body).await.status().as_u16(), 200);
    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(listed.pending.last().map(|pending| pending.reason), Some(VisualCheckReason::PatientChose));

    // A reason the API does not know is refused, and nothing is recorded.
    body["reason"] = "card_is_shiny".into();
    body["certificate"] = serde_json::to_value(certificate(serial::UNREGISTERED)).unwrap();
    assert_eq!(origin.post_signed(VISUAL_CHECK_CREATE_PATH, &body).await.status().as_u16(), 400);
    assert_eq!(origin.staff_list(FACILITY).await.pending.len(), 4);
    origin.stop().await;
}
on_both_databases!(staff_see_why_each_kiosk_asked_for_a_visual_check);

/// The face of `serial`'s person as the edge passes it on after checking a 目視 assist's proof.
async fn face_of(origin: &Origin, serial: &str) -> CardFaceHolder {
    let record = check_in(origin, serial, None).await.records.remove(0);
    CardFaceHolder { birth_date: record.birth_date, sex: record.sex }
}

fn ask_with_face(serial: &str, card_face: Option<CardFaceHolder>) -> VisualCheckCreate {
    VisualCheckCreate { reason: VisualCheckReason::PinNotSet, card_face, ..visual_check_ask(serial, FACILITY) }
}

async fn staff_see_which_requests_came_with_the_card_proven_at_the_kiosk(db: Db) {
    let origin = Origin::start(db).await;
    let face = face_of(&origin, serial::VALID).await;
    origin.clock.set(NOW);
    let proven = ask_with_face(serial::VALID, Some(face));
    assert_eq!(origin.post_signed(VISUAL_CHECK_CREATE_PATH, &proven).await.status().as_u16(), 200);
    // An edge built before the assist says nothing of a face, and its request reads as not proven.
    origin.clock.set(NOW + 1);
    let older = serde_json::to_value(ask_with_face(serial::LOST, None)).unwrap();
    assert!(older.get("card_face").is_none());
    assert_eq!(origin.post_signed(VISUAL_CHECK_CREATE_PATH, &older).await.status().as_u16(), 200);
    let listed = origin.staff_list(FACILITY).await;
    let proven: Vec<bool> = listed.pending.iter().map(|pending| pending.card_proven).collect();
    assert_eq!(proven, [true, false]);
    // Staff see that the card was proven, never the face's birth date.
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains(&face.birth_date.to_string()), "{text}");
    origin.stop().await;
}
on_both_databases!(staff_see_which_requests_came_with_the_card_proven_at_the_kiosk);

async fn a_card_face_that_is_not_the_certificate_holders_reaches_no_staff_and_is_audited(db: Db) {
    let origin = Origin::start(db).await;
    let face = face_of(&origin, serial::VALID).await;
    // A kiosk sends the certificate of one card with the face of another: a day later, or of the other sex.
    let next_day = CardFaceHolder { birth_date: IsoDate(face.birth_date.0.next_day().unwrap()), ..face };
    let other_sex = CardFaceHolder { sex: if face.sex == Sex::Female { Sex::Male } else { Sex::Female }, ..face };
    for wrong in [next_day, other_sex] {
        let response = origin.post_signed(VISUAL_CHECK_CREATE_PATH, &ask_with_face(serial::VALID, Some(wrong))).await;
        expect_error(response, 409, "card_face_mismatch").await;
    }
    assert!(origin.staff_list(FACILITY).await.pending.is_empty(), "no staff see a mismatched request");
    let events = origin.store.audit_events().await.unwrap();
    let refusals: Vec<_> = events.iter().filter(|e| e.outcome == "card_face_mismatch").collect();
    assert_eq!(refusals.len(), 2, "each refusal is audited");
    assert!(refusals.iter().all(|e| e.purpose == "visual_check_request" && e.subject_person_id.is_some()));
    assert!(refusals.iter().all(|e| e.actor_facility_code.as_deref() == Some(FACILITY)));

    // A face with no sex on it compares by its birth date; a certificate linked to nobody has no one to compare.
    let no_sex = CardFaceHolder { sex: Sex::Unspecified, ..face };
    let answer = origin.post_signed(VISUAL_CHECK_CREATE_PATH, &ask_with_face(serial::VALID, Some(no_sex))).await;
    assert_eq!(answer.status().as_u16(), 200);
    let unlinked = ask_with_face(serial::UNREGISTERED, Some(next_day));
    assert_eq!(origin.post_signed(VISUAL_CHECK_CREATE_PATH, &unlinked).await.status().as_u16(), 200);
    assert_eq!(origin.staff_list(FACILITY).await.pending.len(), 2);
    origin.stop().await;
}
on_both_databases!(a_card_face_that_is_not_the_certificate_holders_reaches_no_staff_and_is_audited);

async fn an_approved_visual_check_answers_the_asking_kiosk_once(db: Db) {
    let origin = Origin::start(db).await;
    let ticket = request_visual_check(&origin, serial::VALID).await;
    assert_eq!(ticket.state, VisualCheckState::Pending);
    assert_eq!(ticket.expires_at, NOW + VISUAL_CHECK_LIFETIME_SECONDS);

    // Staff see it pending; opening it shows the linked person's name and birth date to compare with the card face.
    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(listed.pending.len(), 1);
    let pending = &listed.pending[0];
    assert_eq!(pending.request_id, ticket.request_id);
    let person = open(&origin, &ticket.request_id, FACILITY).await.json::<VisualCheckPerson>().await.unwrap();
    assert!(person.name.is_some() && person.birth_date.is_some());
    assert!(origin.staff_list(OTHER_FACILITY).await.pending.is_empty());

    // Before a decision the kiosk only hears "pending".
    let waiting = collect(&origin, &ticket.request_id).await;
    assert_eq!(waiting.state, VisualCheckState::Pending);
    assert!(waiting.qualification.is_none() && waiting.certificate.is_none());

    // Another facility cannot decide it, nor even learn that it exists.
    let elsewhere =
        origin.post_signed(VISUAL_CHECK_DECIDE_PATH, &decision(&ticket.request_id, OTHER_FACILITY, true)).await;
    expect_error(elsewhere, 404, "not_found").await;
    assert_eq!(decide(&origin, &ticket.request_id, true).await.state, VisualCheckState::Approved);
    // A second click changes nothing.
    assert_eq!(decide(&origin, &ticket.request_id, false).await.state, VisualCheckState::Approved);
    assert!(origin.staff_list(FACILITY).await.pending.is_empty());

    // Another kiosk cannot collect it.
    let other_kiosk = origin.post_signed(VISUAL_CHECK_COLLECT_PATH, &collect_body(&ticket.request_id, "kiosk-2")).await;
    expect_error(other_kiosk, 404, "not_found").await;
    let collected = collect(&origin, &ticket.request_id).await;
    assert_eq!(collected.state, VisualCheckState::Collected);
    assert_eq!(collected.certificate, Some(certificate(serial::VALID)));
    assert_eq!(collected.qualification.as_ref().map(|a| a.validity), Some(Validity::Valid));
    let again = collect(&origin, &ticket.request_id).await;
    assert_eq!(again.state, VisualCheckState::Collected);
    assert!(again.qualification.is_none() && again.certificate.is_none());

    let checkins = origin.staff_list(FACILITY).await.checkins;
    assert_eq!(checkins.len(), 1);
    assert_eq!(checkins[0].method, AuthMethod::VisualCheck);
    assert_eq!(checkins[0].validity, Validity::Valid);
    let events = origin.store.audit_events().await.unwrap();
    let answered: Vec<_> = events.iter().filter(|e| e.purpose == "qualification_by_visual_check").collect();
    assert_eq!(answered.len(), 1);
    assert!(answered[0].subject_person_id.is_some());
    assert_eq!(answered[0].outcome, "valid");
    assert!(events.iter().any(|e| e.purpose == "visual_check_decision" && e.outcome == "approved"));
    assert!(events.iter().any(|e| e.purpose == "visual_check_request" && e.actor_device_id.as_deref() == Some(KIOSK)));
    origin.stop().await;
}
on_both_databases!(an_approved_visual_check_answers_the_asking_kiosk_once);

async fn refused_and_lapsed_visual_checks_never_answer(db: Db) {
    let origin = Origin::start(db).await;
    let refused = request_visual_check(&origin, serial::VALID).await;
    assert_eq!(decide(&origin, &refused.request_id, false).await.state, VisualCheckState::Refused);
    let collected = collect(&origin, &refused.request_id).await;
    assert_eq!(collected.state, VisualCheckState::Refused);
    assert!(collected.qualification.is_none());

    let lapsed = request_visual_check(&origin, serial::VALID).await;
    origin.clock.set(NOW + VISUAL_CHECK_LIFETIME_SECONDS + 1);
    assert!(origin.staff_list(FACILITY).await.pending.is_empty());
    assert_eq!(decide(&origin, &lapsed.request_id, true).await.state, VisualCheckState::Expired);
    assert_eq!(collect(&origin, &lapsed.request_id).await.state, VisualCheckState::Expired);

    // An approval not collected in time lapses too.
    let slow = request_visual_check(&origin, serial::VALID).await;
    assert_eq!(decide(&origin, &slow.request_id, true).await.state, VisualCheckState::Approved);
    origin.clock.set(NOW + 2 * VISUAL_CHECK_LIFETIME_SECONDS + 2);
    assert_eq!(collect(&origin, &slow.request_id).await.state, VisualCheckState::Expired);

    assert!(origin.staff_list(FACILITY).await.checkins.is_empty());
    let unknown = origin.post_signed(VISUAL_CHECK_COLLECT_PATH, &collect_body("0123456789abcdef", KIOSK)).await;
    expect_error(unknown, 404, "not_found").await;
    origin.stop().await;
}
on_both_databases!(refused_and_lapsed_visual_checks_never_answer);

async fn staff_routes_refuse_unsigned_and_malformed_requests(db: Db) {
    let origin = Origin::start(db).await;
    let body = serde_json::to_vec(&CheckInListQuery {
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "s".try_into().unwrap(),
        before: None,
    })
    .unwrap();
    expect_error(origin.post_raw(CHECKINS_PATH, body, None).await, 401, "unauthorized").await;
    // The malformed bodies are raw JSON: the typed bodies cannot hold these values at all.
    let short = serde_json::json!({ "facility_code": "13123", "staff_id": "s" });
    expect_error(origin.post_signed(CHECKINS_PATH, &short).await, 400, "bad_request").await;
    let control = serde_json::json!({ "facility_code": FACILITY, "staff_id": "a\u{0}b" });
    expect_error(origin.post_signed(CHECKINS_PATH, &control).await, 400, "bad_request").await;
    let bad_serial = serde_json::json!({
        "certificate": { "issuer": ISSUER, "serial": "not-hex" },
        "facility_code": FACILITY,
        "device_id": KIOSK,
    });
    expect_error(origin.post_signed(VISUAL_CHECK_CREATE_PATH, &bad_serial).await, 400, "bad_request").await;
    let unknown_field =
        serde_json::json!({ "request_id": "x", "facility_code": FACILITY, "device_id": KIOSK, "extra": 1 });
    expect_error(origin.post_signed(VISUAL_CHECK_COLLECT_PATH, &unknown_field).await, 400, "bad_request").await;
    // Nothing of these refusals reached the audit trail as a listing.
    let events = origin.store.audit_events().await.unwrap();
    assert!(events.iter().all(|e| e.purpose != "staff_checkin_list"));
    origin.stop().await;
}
on_both_databases!(staff_routes_refuse_unsigned_and_malformed_requests);

async fn withdraw(origin: &Origin, request_id: &str) -> VisualCheckTicket {
    let response = origin.post_signed(VISUAL_CHECK_WITHDRAW_PATH, &collect_body(request_id, KIOSK)).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn a_row_shows_the_lost_date_without_a_ratio_the_specific_disease_and_the_kiosk_name(db: Db) {
    let origin = Origin::start(db).await;
    let lost = check_in(&origin, serial::LOST, Some(FACILITY)).await;
    assert_eq!(lost.validity, Validity::Invalid);
    let elderly = check_in(&origin, serial::ELDERLY, Some(FACILITY)).await;
    assert!(!elderly.records[0].specific_diseases.is_empty(), "the fixture's elderly person holds a 受療証");
    let listed = origin.staff_list(FACILITY).await;
    let row = |answer: &QualificationAnswer| {
        listed.checkins.iter().find(|c| c.name.as_deref() == Some(answer.records[0].name.as_str())).unwrap().clone()
    };

    // 無効: the day the qualification ended, and no 負担割合 (the old one is not what the patient pays today).
    let lost_row = row(&lost);
    assert_eq!(lost_row.validity, Validity::Invalid);
    assert!(lost.records[0].disqualification_date.is_some());
    assert_eq!(lost_row.disqualification_date, lost.records[0].disqualification_date);
    assert_eq!(lost_row.contribution_percent, None);
    assert_eq!(lost_row.device_label.as_deref(), Some(KIOSK_LABEL));

    // The elderly person's 特定疾病療養受療証 and 限度額適用区分, as her answer had them, with her ratio. She has
    // given no 特定疾病 consent, so the row shows the certificate and its limit without the category
    // (`specific_disease.rs` follows the consent).
    let elderly_row = row(&elderly);
    assert_eq!(elderly_row.specific_diseases, elderly.records[0].specific_diseases);
    assert_eq!(elderly_row.specific_diseases[0].disease_category, "");
    assert_eq!(elderly_row.specific_diseases[0].monthly_self_pay_yen, Some(10_000));
    assert_eq!(elderly_row.limit_category.as_deref(), elderly.records[0].limit_category.as_deref());
    assert_eq!(elderly_row.disqualification_date, None);
    assert!(elderly_row.contribution_percent.is_some());
    origin.stop().await;
}
on_both_databases!(a_row_shows_the_lost_date_without_a_ratio_the_specific_disease_and_the_kiosk_name);

async fn a_withdrawn_visual_check_leaves_the_list_and_a_decision_on_it_is_refused(db: Db) {
    let origin = Origin::start(db).await;
    let ticket = request_visual_check(&origin, serial::VALID).await;
    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(listed.pending.len(), 1);
    assert_eq!(listed.pending[0].device_label.as_deref(), Some(KIOSK_LABEL));
    assert_eq!(listed.pending[0].device_location.as_deref(), Some(KIOSK_LOCATION));

    // Only the kiosk that asked may withdraw it; to any other it does not exist.
    let other_kiosk =
        origin.post_signed(VISUAL_CHECK_WITHDRAW_PATH, &collect_body(&ticket.request_id, "kiosk-2")).await;
    expect_error(other_kiosk, 404, "not_found").await;
    assert_eq!(withdraw(&origin, &ticket.request_id).await.state, VisualCheckState::Withdrawn);
    assert!(origin.staff_list(FACILITY).await.pending.is_empty(), "staff no longer see it");

    // A decision on it is refused with its own code, approve or refuse alike, and changes nothing.
    for approve in [true, false] {
        let late = origin.post_signed(VISUAL_CHECK_DECIDE_PATH, &decision(&ticket.request_id, FACILITY, approve)).await;
        expect_error(late, 409, "visual_check_withdrawn").await;
    }
    let collected = collect(&origin, &ticket.request_id).await;
    assert_eq!(collected.state, VisualCheckState::Withdrawn);
    assert!(collected.qualification.is_none() && collected.certificate.is_none());
    // Withdrawing twice changes nothing.
    assert_eq!(withdraw(&origin, &ticket.request_id).await.state, VisualCheckState::Withdrawn);

    // An approval the kiosk never collected is withdrawn too: nobody is there to be answered.
    let approved = request_visual_check(&origin, serial::VALID).await;
    assert_eq!(decide(&origin, &approved.request_id, true).await.state, VisualCheckState::Approved);
    assert_eq!(withdraw(&origin, &approved.request_id).await.state, VisualCheckState::Withdrawn);
    assert_eq!(collect(&origin, &approved.request_id).await.state, VisualCheckState::Withdrawn);
    // A refused request stays refused.
    let refused = request_visual_check(&origin, serial::VALID).await;
    assert_eq!(decide(&origin, &refused.request_id, false).await.state, VisualCheckState::Refused);
    assert_eq!(withdraw(&origin, &refused.request_id).await.state, VisualCheckState::Refused);

    assert!(origin.staff_list(FACILITY).await.checkins.is_empty(), "no answer was given, so nobody checked in");
    let events = origin.store.audit_events().await.unwrap();
    let withdrawals: Vec<_> = events.iter().filter(|e| e.purpose == "visual_check_withdrawal").collect();
    assert_eq!(withdrawals.len(), 2, "one per request that changed");
    assert!(withdrawals.iter().all(|e| e.actor_device_id.as_deref() == Some(KIOSK) && e.outcome == "withdrawn"));
    origin.stop().await;
}
on_both_databases!(a_withdrawn_visual_check_leaves_the_list_and_a_decision_on_it_is_refused);

async fn a_collected_visual_check_is_recorded_under_the_kiosk_name(db: Db) {
    let origin = Origin::start(db).await;
    let ticket = request_visual_check(&origin, serial::VALID).await;
    decide(&origin, &ticket.request_id, true).await;
    collect(&origin, &ticket.request_id).await;
    let checkins = origin.staff_list(FACILITY).await.checkins;
    assert_eq!(checkins.len(), 1);
    assert_eq!(checkins[0].device_label.as_deref(), Some(KIOSK_LABEL));
    origin.stop().await;
}
on_both_databases!(a_collected_visual_check_is_recorded_under_the_kiosk_name);

/// The patient's language and aids at the kiosk travel with the check-in to the staff's list, in one form however
/// the kiosk wrote them; a check-in that says nothing lists nothing; a language the kiosk does not have is refused
/// as the body is read.
async fn a_check_in_keeps_the_patients_language_and_aids_for_staff(db: Db) {
    use onshi_proto::patient_mode::{PatientAid, PatientLanguage, PatientMode};
    let origin = Origin::start(db).await;
    let mut body = serde_json::to_value(card_query(serial::VALID, Some(FACILITY))).unwrap();
    body["patient_mode"] = serde_json::json!({"language": "vi", "aids": ["high_contrast", "voice", "voice"]});
    assert_eq!(origin.post_signed(BY_CERTIFICATE_PATH, &body).await.status().as_u16(), 200);
    check_in(&origin, serial::ELDERLY, Some(FACILITY)).await;
    body["patient_mode"] = serde_json::json!({"language": "fr"});
    expect_error(origin.post_signed(BY_CERTIFICATE_PATH, &body).await, 400, "bad_request").await;

    let listed = origin.staff_list(FACILITY).await.checkins;
    assert_eq!(listed.len(), 2);
    let modes: Vec<PatientMode> = listed.into_iter().map(|c| c.patient_mode).collect();
    let vietnamese =
        PatientMode::new(Some(PatientLanguage::Vietnamese), vec![PatientAid::Voice, PatientAid::HighContrast]);
    assert!(modes.contains(&vietnamese), "{modes:?}");
    assert!(modes.contains(&PatientMode::default()), "{modes:?}");
    origin.stop().await;
}
on_both_databases!(a_check_in_keeps_the_patients_language_and_aids_for_staff);

/// The staff listing of `facility_code` as staff session `staff-a` reads the page after `before`.
async fn staff_page(origin: &Origin, before: Option<&CheckInCursor>) -> CheckInList {
    let query = CheckInListQuery {
        facility_code: FACILITY.try_into().unwrap(),
        staff_id: "staff-a".try_into().unwrap(),
        before: before.cloned(),
    };
    let response = origin.post_signed(CHECKINS_PATH, &query).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// The facility's bridge hands on one national reader's check, done at `checked_at`.
async fn reader_check(origin: &Origin, file: &str, checked_at: i64) {
    let body = serde_json::json!({
        "facility_code": FACILITY,
        "device_id": format!("{FACILITY}.bridge"),
        "result": { "file_name": file, "checked_at": checked_at, "validity": "valid", "name": "山田 花子" },
    });
    assert_eq!(origin.post_signed(READER_RESULT_PATH, &body).await.status().as_u16(), 200);
}

async fn a_busy_day_is_listed_page_by_page_with_every_row_once_in_order(db: Db) {
    let origin = Origin::start(db).await;
    // Two pages and some of one day, a third of them from the national reader, three to a second so that rows of
    // both sources share seconds (and a page's edge falls inside one).
    let day_rows = 2 * CHECKIN_PAGE_ROWS + 37;
    let first_second = NOW - 3_600;
    for row in 0..day_rows {
        let second = first_second + i64::try_from(row / 3).unwrap();
        if row % 3 == 0 {
            reader_check(&origin, &format!("OQSsiquc01res_face_{row}.xml"), second).await;
        } else {
            origin.clock.set(second);
            check_in(&origin, serial::VALID, Some(FACILITY)).await;
        }
    }
    origin.clock.set(NOW);

    let first = staff_page(&origin, None).await;
    assert_eq!(first.checkins.len(), CHECKIN_PAGE_ROWS, "the answer is one page, not the day");
    assert_eq!(first.total, u64::try_from(day_rows).unwrap());
    // A patient checks in while staff read on: the newer row waits for the next refresh of the first page, and the
    // pages already asked for neither repeat nor skip a row.
    check_in(&origin, serial::VALID, Some(FACILITY)).await;
    let mut listed = first.checkins;
    let mut next = first.next;
    let mut pages = 1;
    while let Some(cursor) = next {
        let page = staff_page(&origin, Some(&cursor)).await;
        assert!(!page.checkins.is_empty() && page.checkins.len() <= CHECKIN_PAGE_ROWS);
        assert_eq!(page.total, u64::try_from(day_rows + 1).unwrap());
        listed.extend(page.checkins);
        next = page.next;
        pages += 1;
        assert!(pages <= 3, "the pages end");
    }
    assert_eq!(pages, 3);
    assert_eq!(listed.len(), day_rows);
    let ids: std::collections::HashSet<&str> = listed.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), day_rows, "every row exactly once");
    let readers = listed.iter().filter(|c| c.method == AuthMethod::NationalReader).count();
    assert_eq!(readers, day_rows.div_ceil(3));
    for (newer, older) in listed.iter().zip(listed.iter().skip(1)) {
        let ordered = newer.checked_in_at > older.checked_in_at
            || (newer.checked_in_at == older.checked_in_at && newer.id < older.id);
        assert!(
            ordered,
            "newest first, then by id: {} {} / {} {}",
            newer.checked_in_at, newer.id, older.checked_in_at, older.id
        );
    }
    assert_eq!(listed.last().unwrap().checked_in_at, first_second);
    // The refreshed first page starts with the newest check-in.
    let refreshed = staff_page(&origin, None).await;
    assert_eq!(refreshed.checkins[0].checked_in_at, NOW);
    assert!(!ids.contains(refreshed.checkins[0].id.as_str()));
    origin.stop().await;
}
on_both_databases!(a_busy_day_is_listed_page_by_page_with_every_row_once_in_order);

async fn a_tampered_cursor_is_refused_and_not_audited_as_a_listing(db: Db) {
    let origin = Origin::start(db).await;
    check_in(&origin, serial::VALID, Some(FACILITY)).await;
    for cursor in ["", "abc", "1795489200", "1795489200.", "-1.abc", "1795489200.a b", "1795489200.x' OR 1=1 --"] {
        let body = serde_json::json!({ "facility_code": FACILITY, "staff_id": "staff-a", "before": cursor });
        expect_error(origin.post_signed(CHECKINS_PATH, &body).await, 400, "bad_request").await;
    }
    let events = origin.store.audit_events().await.unwrap();
    assert!(events.iter().all(|e| e.purpose != "staff_checkin_list"));
    // A well-formed cursor after every row of the day lists nothing more, and says so.
    let past_the_day = CheckInCursor::after(NOW - 86_400, "0").unwrap();
    let empty = staff_page(&origin, Some(&past_the_day)).await;
    assert!(empty.checkins.is_empty() && empty.next.is_none());
    assert_eq!(empty.total, 1);
    origin.stop().await;
}
on_both_databases!(a_tampered_cursor_is_refused_and_not_audited_as_a_listing);

async fn a_flood_of_visual_check_requests_lists_only_the_longest_waiting(db: Db) {
    let origin = Origin::start(db).await;
    let mut asked = Vec::new();
    for second in 0..PENDING_VISUAL_CHECK_ROWS + 5 {
        origin.clock.set(NOW + i64::try_from(second).unwrap());
        asked.push(request_visual_check(&origin, serial::VALID).await.request_id);
    }
    let listed = origin.staff_list(FACILITY).await;
    let pending: Vec<&str> = listed.pending.iter().map(|p| p.request_id.as_str()).collect();
    let longest_waiting: Vec<&str> = asked.iter().take(PENDING_VISUAL_CHECK_ROWS).map(String::as_str).collect();
    assert_eq!(pending, longest_waiting);
    // Deciding one lets the next in line onto the list.
    assert_eq!(decide(&origin, &asked[0], false).await.state, VisualCheckState::Refused);
    let listed = origin.staff_list(FACILITY).await;
    assert_eq!(listed.pending.len(), PENDING_VISUAL_CHECK_ROWS);
    assert_eq!(listed.pending.last().unwrap().request_id, asked[PENDING_VISUAL_CHECK_ROWS]);
    origin.stop().await;
}
on_both_databases!(a_flood_of_visual_check_requests_lists_only_the_longest_waiting);

async fn the_check_in_a_visual_check_becomes_keeps_why_the_kiosk_asked(db: Db) {
    let origin = Origin::start(db).await;
    let asked = [
        (serial::VALID, VisualCheckReason::PinNotSet),
        (serial::DEPENDENT, VisualCheckReason::PinLocked),
        (serial::ELDERLY, VisualCheckReason::PatientChose),
    ];
    let mut names = Vec::new();
    for (serial, reason) in asked {
        let ticket = request_visual_check_because(&origin, serial, reason).await;
        decide(&origin, &ticket.request_id, true).await;
        let collected = collect(&origin, &ticket.request_id).await;
        assert_eq!(collected.state, VisualCheckState::Collected);
        let Some(answer) = collected.qualification else { panic!("an approved request is answered") };
        names.push(answer.records[0].name.clone());
    }
    // A PIN check-in of the same day has no reason to carry.
    let by_pin = check_in(&origin, serial::UNREGISTERED, Some(FACILITY)).await;
    assert_eq!(by_pin.validity, Validity::NoQualification);

    let listed = origin.staff_list(FACILITY).await;
    assert!(listed.pending.is_empty(), "every request has left the queue");
    assert_eq!(listed.checkins.len(), 4);
    for ((_, reason), name) in asked.iter().zip(&names) {
        let row = listed.checkins.iter().find(|c| c.name.as_deref() == Some(name.as_str())).unwrap();
        assert_eq!(row.method, AuthMethod::VisualCheck);
        assert_eq!(row.visual_check_reason, Some(*reason), "the row of {name}");
    }
    let pin_row = listed.checkins.iter().find(|c| c.method == AuthMethod::Pin).unwrap();
    assert_eq!(pin_row.visual_check_reason, None);
    // On the wire a row without a reason says nothing of one, as the rows written before the reason was kept.
    let wire = serde_json::to_value(pin_row).unwrap();
    assert!(wire.get("visual_check_reason").is_none());
    let pin_not_set = listed.checkins.iter().find(|c| c.name.as_deref() == Some(names[0].as_str())).unwrap();
    assert_eq!(serde_json::to_value(pin_not_set).unwrap()["visual_check_reason"], "pin_not_set");
    origin.stop().await;
}
on_both_databases!(the_check_in_a_visual_check_becomes_keeps_why_the_kiosk_asked);
