//! The audit rows of the routes: who asked ([`Asker`]), the row of one answer, and the audit and check-in rows of
//! an answered qualification lookup.
//!
//! Layer: HTTP adapter. Must not let an answer leave before its audit row is committed: [`audit`] and
//! [`commit_lookup`] return only once the store has committed the rows.

use onshi_proto::origin::{AuthMethod, CardQualificationQuery, ExpiryNotice, VisualCheckReason};
use onshi_proto::patient_mode::PatientMode;
use onshi_proto::public_expense::PublicExpense;
use onshi_proto::qualification::{QualificationAnswer, QualificationRecord};

use crate::clock::tokyo_date;
use crate::error::Result;
use crate::http::signed::Failure;
use crate::http::state::AppState;
use crate::store::random_id;
use crate::store::rows::{AuditEvent, CheckInRow, RequestRows, json_column, json_list_column};
use crate::validity::{shown_contribution_percent, shown_elderly_share};

/// Prefix of the audit trail's actor for a staff session (defined once with the edge's wire types).
pub use onshi_proto::origin::STAFF_ACTOR_PREFIX;

/// Who asked, for the audit trail.
pub(crate) trait Asker: Sync {
    fn device_id(&self) -> Option<&str>;
    fn facility_code(&self) -> Option<&str>;
    fn arbitrary_identifier(&self) -> Option<&str> {
        None
    }
    /// The asking kiosk's name, kept on its check-in rows.
    fn device_label(&self) -> Option<&str> {
        None
    }
    /// What the edge found about the card certificate's expiry, kept on the check-in row.
    fn expiry_notice(&self) -> Option<ExpiryNotice> {
        None
    }
    /// The patient's language and aids at the kiosk, kept on the check-in row.
    fn patient_mode(&self) -> Option<&PatientMode> {
        None
    }
    /// True when this lookup revises the check-in of the same visit (see [`CheckInRow::revises_visit`]).
    fn revises_visit(&self) -> bool {
        false
    }
    /// For a visual check's answer, why the kiosk asked, kept on the check-in row so that staff still see it there.
    fn visual_check_reason(&self) -> Option<VisualCheckReason> {
        None
    }
}

impl Asker for CardQualificationQuery {
    fn device_id(&self) -> Option<&str> {
        self.device_id.as_deref()
    }
    fn device_label(&self) -> Option<&str> {
        self.device_label.as_deref()
    }
    fn facility_code(&self) -> Option<&str> {
        self.facility_code.as_deref()
    }
    fn arbitrary_identifier(&self) -> Option<&str> {
        self.arbitrary_identifier.as_deref()
    }
    fn expiry_notice(&self) -> Option<ExpiryNotice> {
        self.expiry_notice
    }
    fn patient_mode(&self) -> Option<&PatientMode> {
        Some(&self.patient_mode)
    }
    fn revises_visit(&self) -> bool {
        // The patient's yes is asked only after the first answer of the visit, whose check-in it completes.
        self.use_recipient_certificates
    }
}

/// An asker named field by field, for the requests whose body is not itself an [`Asker`].
pub(crate) struct Who<'a> {
    pub(crate) device_id: Option<&'a str>,
    pub(crate) facility_code: Option<&'a str>,
    pub(crate) arbitrary_identifier: Option<&'a str>,
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

/// The audit row of an answered qualification lookup and, when a facility asked, its check-in row.
pub(crate) fn lookup_rows(
    now: i64,
    asker: &dyn Asker,
    subject_person_id: Option<String>,
    purpose: &str,
    answer: &QualificationAnswer,
    method: AuthMethod,
) -> Result<RequestRows> {
    let checkin = match asker.facility_code() {
        None => None,
        Some(facility_code) => {
            let first = answer.records.first();
            Some(CheckInRow {
                id: random_id()?,
                facility_code: facility_code.to_owned(),
                checkin_date: onshi_proto::IsoDate(tokyo_date(now)?).to_string(),
                checked_in_at: now,
                device_id: asker.device_id().map(str::to_owned),
                person_id: subject_person_id.clone(),
                method: method.as_str().to_owned(),
                visual_check_reason: asker.visual_check_reason().map(|reason| reason.as_str().to_owned()),
                validity: answer.validity.as_str().to_owned(),
                reason: answer.reason.as_str().to_owned(),
                guidance: answer.guidance.map(|guidance| guidance.as_str().to_owned()),
                name: first.map(|r| r.name.clone()),
                name_kana: first.map(|r| r.name_kana.clone()),
                insurer_number: first.map(|r| r.insurer_number.clone()),
                insurer_name: first.map(|r| r.insurer_name.clone()),
                contribution_percent: shown_contribution_percent(answer).map(i32::from),
                elderly_recipient: elderly_share_text(answer)?,
                device_label: asker.device_label().map(str::to_owned),
                disqualification_date: first.and_then(|r| r.disqualification_date).map(|date| date.to_string()),
                limit_category: first.and_then(|r| r.limit_category.clone()).map(String::from),
                specific_diseases: specific_diseases_text(first)?,
                certificate_notice: asker.expiry_notice().map(|notice| notice.kind().to_owned()),
                certificate_expiry_date: asker.expiry_notice().map(|notice| notice.expiry_date().to_string()),
                patient_language: asker.patient_mode().and_then(|mode| mode.language).map(|l| l.as_str().to_owned()),
                patient_aids: asker.patient_mode().and_then(PatientMode::aids_text),
                public_expense: public_expense_text(&answer.public_expense)?,
                revises_visit: asker.revises_visit(),
            })
        }
    };
    let audit = audit_event(now, asker, subject_person_id, purpose, answer.validity.as_str())?;
    Ok(RequestRows { audit, checkin })
}

/// Writes the audit row of an answered qualification lookup and, when a facility asked, its check-in, through the
/// group commit: both rows share one transaction (a check-in is never listed without the audited read behind it),
/// and this returns only once that transaction has committed, so the answer leaves after its audit row.
/// Concurrent lookups share that transaction, which is what lets the audit trail keep up with the lookups.
pub(crate) async fn commit_lookup(
    state: &AppState,
    now: i64,
    asker: &dyn Asker,
    subject_person_id: Option<String>,
    purpose: &str,
    answer: &QualificationAnswer,
    method: AuthMethod,
) -> std::result::Result<(), Failure> {
    let rows = lookup_rows(now, asker, subject_person_id, purpose, answer, method)?;
    state.store().commit_request_rows(rows).await?;
    Ok(())
}

/// One audit row: who (`asker`), about whom, why (`purpose`), when (`now`) and with what result.
pub(crate) fn audit_event(
    now: i64,
    asker: &dyn Asker,
    subject_person_id: Option<String>,
    purpose: &str,
    outcome: &str,
) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: random_id()?,
        occurred_at: now,
        actor_device_id: asker.device_id().map(str::to_owned),
        actor_facility_code: asker.facility_code().map(str::to_owned),
        subject_person_id,
        purpose: purpose.to_owned(),
        outcome: outcome.to_owned(),
        arbitrary_identifier: asker.arbitrary_identifier().map(str::to_owned),
    })
}

/// Writes one audit row (see [`audit_event`]).
pub(crate) async fn audit(
    state: &AppState,
    now: i64,
    asker: &dyn Asker,
    subject_person_id: Option<String>,
    purpose: &str,
    outcome: &str,
) -> std::result::Result<(), Failure> {
    state.store().record_audit(&audit_event(now, asker, subject_person_id, purpose, outcome)?).await?;
    Ok(())
}

/// The 特定疾病療養受療証 of a check-in's first record, as the JSON array its row keeps; `None` when there is none.
pub(crate) fn specific_diseases_text(record: Option<&QualificationRecord>) -> Result<Option<String>> {
    record.map_or(Ok(None), |record| json_list_column("a 特定疾病 list", &record.specific_diseases))
}

/// The 高齢受給者証 a check-in row shows beside its share, as the JSON object it keeps; `None` when none is in force.
pub(crate) fn elderly_share_text(answer: &QualificationAnswer) -> Result<Option<String>> {
    shown_elderly_share(answer).map(|share| json_column("a 高齢受給者証", &share)).transpose()
}

/// The 公費 of an answer, as the JSON array a check-in row keeps; `None` when there are none.
pub(crate) fn public_expense_text(expenses: &[PublicExpense]) -> Result<Option<String>> {
    json_list_column("a 公費 list", expenses)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::qualification::{SpecificDiseaseCertificate, Validity};

    #[test]
    fn outcome_codes_are_the_wire_names() {
        for validity in [
            Validity::Valid,
            Validity::Invalid,
            Validity::InvalidNewerExists,
            Validity::NoQualification,
            Validity::MultipleMatches,
        ] {
            assert_eq!(serde_json::to_value(validity).unwrap(), validity.as_str());
        }
    }

    use crate::validity::tests::shown_record as record;

    #[test]
    fn a_specific_disease_list_is_kept_as_json_and_none_is_kept_as_nothing() {
        assert_eq!(specific_diseases_text(None).unwrap(), None);
        assert_eq!(specific_diseases_text(Some(&record(10, None))).unwrap(), None);
        let mut dialysis = record(10, None);
        dialysis.specific_diseases = vec![SpecificDiseaseCertificate {
            disease_category: "1".into(),
            valid_from: None,
            valid_until: None,
            monthly_self_pay_yen: Some(10_000),
        }];
        let text = specific_diseases_text(Some(&dialysis)).unwrap().unwrap();
        let read: Vec<SpecificDiseaseCertificate> = serde_json::from_str(&text).unwrap();
        assert_eq!(read, dialysis.specific_diseases);
    }
}
