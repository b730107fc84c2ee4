//! Which rows of the audit trail a card holder sees in their own access log (医療機関等での閲覧履歴), and as what.
//!
//! Layer: pure core (no I/O, no clock). The store selects the rows by the lists here and the HTTP layer names each
//! row's kind with [`access_kind`].
//!
//! What a patient expects to see, as マイナポータル shows it: each time a facility (医療機関・薬局) read their
//! information without the patient doing it themself, when, and what kind. So the log holds a facility's reads
//! that were answered:
//! - 資格確認 — a by-number check by its staff, or the answer staff approved after a 目視 check; any answered
//!   validity counts, since even 該当資格なし tells the facility something about the person;
//! - 目視 — staff of the facility were shown the name and birth date to compare with the person at the counter;
//! - 薬剤, 特定健診, 診療, 手術 — read by the facility under the patient's consent.
//!
//! It leaves out what the patient did themself: their own check-in with card and PIN at a kiosk (they saw the
//! answer the facility got, as they gave it), consenting, withdrawing, registering, cancelling, asking for a 目視
//! check and reading this log. It leaves out what was refused (no consent, a held record: nothing was shown), what
//! insurers and the national operator did (their batches and hold decisions are not reads by a facility), and staff
//! listing the day's check-ins (the names there are of patients who checked in themselves). A facility is named by
//! its code and name; the staff member or device that read is on the audit trail but never in the patient's log.

use onshi_proto::access_log::AccessKind;

/// Entries per page: a kiosk screen's worth.
pub const ACCESS_LOG_PAGE: u32 = 10;

/// The audit purposes of a facility's reads, each with what it read. The strings are the purposes the HTTP layer
/// writes (`origin/src/http/access_log.rs` holds them to its constants in a test).
const QUALIFICATION_PURPOSES: [&str; 2] = ["qualification_by_number", "qualification_by_visual_check"];
const VISUAL_CHECK_DISCLOSURE: &str = "visual_check_disclosure";
const KIOSK_MEDICATION: &str = "medication_info";
const KIOSK_CHECKUP: &str = "checkup_info";
const STAFF_MEDICAL_RECORDS: &str = "staff_medical_records";

/// Every answered validity, as the audit rows of qualification reads write it.
const ANSWERED_VALIDITIES: [&str; 5] =
    ["valid", "invalid", "invalid_newer_exists", "no_qualification", "multiple_matches"];
/// The outcome of a 目視 disclosure that named a person.
const DISCLOSED: &str = "disclosed";
/// The outcome of a consented read at the kiosk's facility.
const SHOWN: &str = "shown";
/// The outcomes of staff reads that were shown, one per kind (the kind is the outcome's prefix).
const STAFF_SHOWN: [(&str, AccessKind); 4] = [
    ("medication:shown", AccessKind::Medication),
    ("health_checkup:shown", AccessKind::HealthCheckup),
    ("diagnosis:shown", AccessKind::Diagnosis),
    ("operation:shown", AccessKind::Operation),
];

/// The purposes the store selects rows by.
pub fn read_purposes() -> Vec<&'static str> {
    let mut purposes = QUALIFICATION_PURPOSES.to_vec();
    purposes.extend([VISUAL_CHECK_DISCLOSURE, KIOSK_MEDICATION, KIOSK_CHECKUP, STAFF_MEDICAL_RECORDS]);
    purposes
}

/// The outcomes the store selects rows by. A row is an entry only when [`access_kind`] names it, so a pairing of a
/// purpose with another purpose's outcome (none is written today) would be left out rather than mislabelled.
pub fn read_outcomes() -> Vec<&'static str> {
    let mut outcomes = ANSWERED_VALIDITIES.to_vec();
    outcomes.extend([DISCLOSED, SHOWN]);
    outcomes.extend(STAFF_SHOWN.iter().map(|(outcome, _)| *outcome));
    outcomes
}

/// What a facility read by the audit row with `purpose` and `outcome`, or `None` when the row is not a facility's
/// read of the person's information.
pub fn access_kind(purpose: &str, outcome: &str) -> Option<AccessKind> {
    match purpose {
        _ if QUALIFICATION_PURPOSES.contains(&purpose) => {
            ANSWERED_VALIDITIES.contains(&outcome).then_some(AccessKind::Qualification)
        }
        VISUAL_CHECK_DISCLOSURE => (outcome == DISCLOSED).then_some(AccessKind::VisualCheck),
        KIOSK_MEDICATION => (outcome == SHOWN).then_some(AccessKind::Medication),
        KIOSK_CHECKUP => (outcome == SHOWN).then_some(AccessKind::HealthCheckup),
        STAFF_MEDICAL_RECORDS => STAFF_SHOWN.iter().find(|(shown, _)| *shown == outcome).map(|(_, kind)| *kind),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answered_reads_are_entries_and_refusals_and_the_patients_own_acts_are_not() {
        assert_eq!(access_kind("qualification_by_visual_check", "valid"), Some(AccessKind::Qualification));
        assert_eq!(access_kind("qualification_by_number", "no_qualification"), Some(AccessKind::Qualification));
        assert_eq!(access_kind("visual_check_disclosure", "disclosed"), Some(AccessKind::VisualCheck));
        assert_eq!(access_kind("medication_info", "shown"), Some(AccessKind::Medication));
        assert_eq!(access_kind("checkup_info", "shown"), Some(AccessKind::HealthCheckup));
        assert_eq!(access_kind("staff_medical_records", "operation:shown"), Some(AccessKind::Operation));
        for (purpose, outcome) in [
            // The patient's own check-in with card and PIN.
            ("qualification_by_certificate", "valid"),
            ("qualification_by_number", "record_held"),
            ("visual_check_disclosure", "unlinked"),
            ("medication_info", "consent_required"),
            ("staff_medical_records", "medication:consent_required"),
            ("consent", "recorded"),
            ("consent_withdrawal", "withdrawn"),
            ("registration", "registered"),
            ("access_log", "shown"),
            ("insurer_notice_detail", "shown"),
            ("qualification_by_number", "shown"),
        ] {
            assert_eq!(access_kind(purpose, outcome), None, "{purpose} {outcome}");
        }
    }

    #[test]
    fn every_kind_is_reachable_and_every_listed_pair_is_selected() {
        for kind in AccessKind::ALL {
            let reached = read_purposes()
                .iter()
                .any(|purpose| read_outcomes().iter().any(|outcome| access_kind(purpose, outcome) == Some(*kind)));
            assert!(reached, "{kind:?}");
        }
        assert!(!read_purposes().contains(&"access_log"));
    }
}
