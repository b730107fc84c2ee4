//! The edge-facing routes added for issue 4: qualification by number, 健康保険証利用登録, consent, and medication
//! and checkup information under a live consent. All are signed like the original routes, all answers are typed,
//! and every read of personal data writes its audit row before the answer leaves.

use axum::Json;
use axum::extract::State;
use onshi_proto::ErrorCode;
use onshi_proto::origin::{
    CheckupAnswer, ConsentAnswer, ConsentKind, ConsentQuery, ConsentRequest, MedicalInfoQuery, MedicationAnswer,
    NumberQualificationQuery, RegistrationAnswer, RegistrationOutcome, RegistrationRequest,
};
use onshi_proto::qualification::Validity;

use crate::certificate;
use crate::clock::tokyo_date;
use crate::http::{
    AppState, Asker, Failure, SignedJson, audit, facility_code_is_well_formed, identifier_is_well_formed, outcome_code,
};
use crate::store::{HoldStatus, NumberKey, RegistrationResult};
use crate::validity::{CardHolder, assess};

/// Audit purpose of a lookup by 保険者番号 + 記号・番号.
pub const PURPOSE_QUALIFICATION_BY_NUMBER: &str = "qualification_by_number";
/// Audit purpose of a 健康保険証利用登録.
pub const PURPOSE_REGISTRATION: &str = "registration";
/// Audit purpose of recording or reading consents.
pub const PURPOSE_CONSENT: &str = "consent";
/// Audit purpose of a 薬剤情報 read.
pub const PURPOSE_MEDICATION: &str = "medication_info";
/// Audit purpose of a 特定健診情報 read.
pub const PURPOSE_CHECKUP: &str = "checkup_info";

struct Who<'a> {
    device_id: Option<&'a str>,
    facility_code: Option<&'a str>,
    arbitrary_identifier: Option<&'a str>,
}

impl Asker for Who<'_> {
    fn device_id(&self) -> Option<&str> {
        self.device_id
    }
    fn facility_code(&self) -> Option<&str> {
        self.facility_code
    }
    fn arbitrary_identifier(&self) -> Option<&str> {
        self.arbitrary_identifier
    }
}

fn bad_request() -> Failure {
    Failure(ErrorCode::BadRequest)
}

/// `POST /v1/qualification/by-number`.
pub async fn qualification_by_number(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    SignedJson(query): SignedJson<NumberQualificationQuery>,
) -> Result<axum::response::Response, Failure> {
    let insurer_number = query.insurer_number.trim().to_owned();
    let plain = |text: &str, max: usize| text.chars().count() <= max && !text.chars().any(char::is_control);
    let well_formed = crate::insurer_number::InsurerNumber::parse(&insurer_number).is_ok()
        && !query.number.is_empty()
        && plain(&query.number, 20)
        && query.symbol.as_deref().is_none_or(|s| plain(s, 40))
        && query.branch.as_deref().is_none_or(|b| b.len() == 2 && b.bytes().all(|c| c.is_ascii_digit()))
        && query.facility_code.as_deref().is_none_or(facility_code_is_well_formed)
        && identifier_is_well_formed(query.device_id.as_deref())
        && identifier_is_well_formed(query.arbitrary_identifier.as_deref());
    if !well_formed {
        return Err(bad_request());
    }
    let now = state.now();
    let today = tokyo_date(now)?;
    let key = NumberKey {
        insurer_number,
        symbol: query.symbol.clone().unwrap_or_default(),
        number: query.number.clone(),
        branch: query.branch.clone().unwrap_or_default(),
    };
    let who = Who {
        device_id: query.device_id.as_deref(),
        facility_code: query.facility_code.as_deref(),
        arbitrary_identifier: query.arbitrary_identifier.as_deref(),
    };
    let mut holders = state.shared().store.qualification_holders(&key, query.birth_date).await?;
    if let Some(held) = holders.iter().find(|h| h.held) {
        audit(&state, now, &who, Some(held.person_id.clone()), PURPOSE_QUALIFICATION_BY_NUMBER, "record_held").await?;
        return Err(Failure(ErrorCode::RecordHeld));
    }
    let (subject, answer) = match holders.len() {
        0 => (None, assess(CardHolder::Linked(Vec::new()), today)),
        1 => {
            let holder = holders.remove(0);
            (Some(holder.person_id), assess(CardHolder::Linked(holder.records), today))
        }
        _ => {
            // Two people share 記号・番号・枝番 and a birthday: staff decide; every candidate is in the answer.
            let records = holders.into_iter().flat_map(|h| h.records).collect();
            let mut answer = assess(CardHolder::Linked(records), today);
            if answer.validity == Validity::Valid {
                answer.validity = Validity::MultipleMatches;
                answer.reason = onshi_proto::qualification::Reason::Ambiguous;
                answer.guidance = Some(onshi_proto::qualification::Guidance::StaffReview);
            }
            (None, answer)
        }
    };
    audit(&state, now, &who, subject, PURPOSE_QUALIFICATION_BY_NUMBER, outcome_code(answer.validity)).await?;
    crate::http::render_answer(
        &headers,
        &answer,
        query.facility_code.as_deref(),
        query.arbitrary_identifier.as_deref(),
        false,
        now,
    )
}

/// `POST /v1/registration`.
pub async fn registration(
    State(state): State<AppState>,
    SignedJson(request): SignedJson<RegistrationRequest>,
) -> Result<Json<RegistrationAnswer>, Failure> {
    if !certificate::is_well_formed(&request.certificate)
        || !request.facility_code.as_deref().is_none_or(facility_code_is_well_formed)
        || !identifier_is_well_formed(request.device_id.as_deref())
    {
        return Err(bad_request());
    }
    let now = state.now();
    let who = Who {
        device_id: request.device_id.as_deref(),
        facility_code: request.facility_code.as_deref(),
        arbitrary_identifier: None,
    };
    let result = state.shared().store.register_certificate(&request.certificate, now).await?;
    let (subject, outcome) = match result {
        RegistrationResult::Registered { person_id } => (Some(person_id), Ok(RegistrationOutcome::Registered)),
        RegistrationResult::AlreadyRegistered { person_id } => {
            (Some(person_id), Ok(RegistrationOutcome::AlreadyRegistered))
        }
        RegistrationResult::Held { person_id } => (Some(person_id), Err(Failure(ErrorCode::RecordHeld))),
        // Several unheld records under one number is itself a sign of mis-registration: refuse like a hold.
        RegistrationResult::Ambiguous => (None, Err(Failure(ErrorCode::RecordHeld))),
        RegistrationResult::NoInsuredRecord => (None, Ok(RegistrationOutcome::NoInsuredRecord)),
        RegistrationResult::CertificateNotUsable => (None, Ok(RegistrationOutcome::CertificateNotUsable)),
    };
    let outcome_text = match &outcome {
        Ok(RegistrationOutcome::Registered) => "registered",
        Ok(RegistrationOutcome::AlreadyRegistered) => "already_registered",
        Ok(RegistrationOutcome::NoInsuredRecord) => "no_insured_record",
        Ok(RegistrationOutcome::CertificateNotUsable) => "certificate_not_usable",
        Err(_) => "record_held",
    };
    audit(&state, now, &who, subject, PURPOSE_REGISTRATION, outcome_text).await?;
    outcome.map(|outcome| Json(RegistrationAnswer { outcome }))
}

/// The unheld person a certificate is linked to; a held record refuses, an unlinked card is `not_found`.
async fn consenting_person(
    state: &AppState,
    certificate: &onshi_proto::origin::CertificateRef,
) -> Result<String, Failure> {
    match state.shared().store.linked_person(certificate).await? {
        Some((_, HoldStatus::Held)) => Err(Failure(ErrorCode::RecordHeld)),
        Some((person_id, _)) => Ok(person_id),
        None => Err(Failure(ErrorCode::NotFound)),
    }
}

/// `POST /v1/consent`.
pub async fn record_consent(
    State(state): State<AppState>,
    SignedJson(request): SignedJson<ConsentRequest>,
) -> Result<Json<ConsentAnswer>, Failure> {
    if !certificate::is_well_formed(&request.certificate)
        || !facility_code_is_well_formed(&request.facility_code)
        || !identifier_is_well_formed(request.device_id.as_deref())
        || request.kinds.len() > 8
    {
        return Err(bad_request());
    }
    let now = state.now();
    let person_id = consenting_person(&state, &request.certificate).await?;
    let mut kinds = request.kinds.clone();
    kinds.sort();
    kinds.dedup();
    let store = &state.shared().store;
    store
        .record_consents(
            &person_id,
            &request.facility_code,
            request.device_id.as_deref(),
            &kinds,
            request.prescription,
            now,
        )
        .await?;
    let live = store.live_consents(&person_id, &request.facility_code, now).await?;
    let who = Who {
        device_id: request.device_id.as_deref(),
        facility_code: Some(&request.facility_code),
        arbitrary_identifier: None,
    };
    audit(&state, now, &who, Some(person_id), PURPOSE_CONSENT, "recorded").await?;
    Ok(Json(ConsentAnswer { live }))
}

/// `POST /v1/consent/query`.
pub async fn query_consent(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<ConsentQuery>,
) -> Result<Json<ConsentAnswer>, Failure> {
    if !certificate::is_well_formed(&query.certificate) || !facility_code_is_well_formed(&query.facility_code) {
        return Err(bad_request());
    }
    let now = state.now();
    let person_id = consenting_person(&state, &query.certificate).await?;
    let live = state.shared().store.live_consents(&person_id, &query.facility_code, now).await?;
    let who = Who { device_id: None, facility_code: Some(&query.facility_code), arbitrary_identifier: None };
    audit(&state, now, &who, Some(person_id), PURPOSE_CONSENT, "read").await?;
    Ok(Json(ConsentAnswer { live }))
}

/// Checks the query and the consent; returns the person whose information may be shown.
async fn consented_person(
    state: &AppState,
    query: &MedicalInfoQuery,
    wanted: ConsentKind,
    purpose: &str,
) -> Result<String, Failure> {
    if !certificate::is_well_formed(&query.certificate)
        || !facility_code_is_well_formed(&query.facility_code)
        || !identifier_is_well_formed(query.device_id.as_deref())
    {
        return Err(bad_request());
    }
    let now = state.now();
    let person_id = consenting_person(state, &query.certificate).await?;
    let live = state.shared().store.live_consents(&person_id, &query.facility_code, now).await?;
    let who = Who {
        device_id: query.device_id.as_deref(),
        facility_code: Some(&query.facility_code),
        arbitrary_identifier: None,
    };
    if !live.iter().any(|grant| grant.kind.covers(wanted)) {
        audit(state, now, &who, Some(person_id), purpose, "consent_required").await?;
        return Err(Failure(ErrorCode::ConsentRequired));
    }
    audit(state, now, &who, Some(person_id.clone()), purpose, "shown").await?;
    Ok(person_id)
}

/// `POST /v1/medical-info/medication`.
pub async fn medication(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<MedicalInfoQuery>,
) -> Result<Json<MedicationAnswer>, Failure> {
    let person_id = consented_person(&state, &query, ConsentKind::Medication, PURPOSE_MEDICATION).await?;
    Ok(Json(MedicationAnswer { entries: state.shared().store.medication_history(&person_id).await? }))
}

/// `POST /v1/medical-info/checkup`.
pub async fn checkup(
    State(state): State<AppState>,
    SignedJson(query): SignedJson<MedicalInfoQuery>,
) -> Result<Json<CheckupAnswer>, Failure> {
    let person_id = consented_person(&state, &query, ConsentKind::HealthCheckup, PURPOSE_CHECKUP).await?;
    Ok(Json(CheckupAnswer { entries: state.shared().store.checkup_history(&person_id).await? }))
}
