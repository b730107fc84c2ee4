//! Who may see a 特定疾病療養受療証's disease category, and when: the one rule, applied to every answer and every
//! check-in row that leaves the origin.
//!
//! The 疾病区分 (OQSCD013) names a disease: "1" 人工透析を要する慢性腎不全, "2" 先天性血液凝固因子障害, "3"
//! 血液凝固因子製剤起因HIV. It is 要配慮個人情報, and the national reader still asks the patient's consent before it
//! passes it on (`SpecificDiseasesCertificateRelatedConsFlg`), although the 2024-10 change dropped the 限度額
//! question. onshi asks the same consent at the kiosk ([`ConsentKind::SpecificDisease`], never covered by 包括同意)
//! and keeps it like the others: per facility, for 24 hours, withdrawable.
//!
//! So the category reaches the facility's staff and its レセコン only while that consent to the facility is live.
//! Without it they still get the certificate itself, its period and its monthly limit: the counter needs them to
//! charge the right 自己負担 and the レセプト to bill (the 特定疾病 limit applies whichever disease it is), and they
//! say only that one of three diseases applies. A 記号・番号 answer never carries the category: no card was read, so
//! no consent could be asked, and its flag says 0. A kiosk's screen is seen by others in the waiting room: the
//! answers a kiosk shows (the card check-in's JSON and a collected 目視) never carry the category, whatever the
//! consent.
//!
//! A check done on the facility's national reader asked the national reader's own consent, and its file states the
//! flag: the bridge hands the category on only under 1, and the origin keeps it only so
//! ([`disclose_reader_result`]), by the same rule, which lives in `onshi_proto::qualification`
//! (`withhold_category_without_consent`).
//!
//! Pure: no I/O, no clock. Whether a consent is live is read by the caller, at the moment of the read.

use onshi_proto::origin::{AuthMethod, CheckIn, ConsentKind};
use onshi_proto::qualification::{QualificationAnswer, SpecificDiseaseConsent, withhold_category_without_consent};
use onshi_proto::reader_result::ReaderResult;

/// Who an answer is addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The patient's kiosk screen, in a waiting room.
    KioskScreen,
    /// The facility's staff or its レセコン, about the holder of a card: the category under a live consent, which
    /// the answer's `specific_disease_consent` states.
    FacilityByCard,
    /// The facility's staff or its レセコン, about a person found by 記号・番号: no card, so no consent.
    FacilityByNumber,
}

/// `answer` as `reader` may see it.
pub fn disclose(mut answer: QualificationAnswer, reader: Reader) -> QualificationAnswer {
    if reader == Reader::FacilityByNumber {
        answer.specific_disease_consent = SpecificDiseaseConsent::NotGiven;
        answer.specific_disease_question_due = false;
    }
    // A kiosk's screen never shows the category, whatever the flag the answer states.
    let opening = match reader {
        Reader::KioskScreen => None,
        Reader::FacilityByCard | Reader::FacilityByNumber => Some(answer.specific_disease_consent),
    };
    for record in &mut answer.records {
        withhold_category_without_consent(opening, &mut record.specific_diseases);
    }
    answer
}

/// A check-in row as staff see it: the category only when `checkin.consents`, the patient's consents to the
/// facility live as the list is read, hold the 特定疾病 one. A withdrawal or a lapse shows on the next read. A
/// national reader's row is left as it was kept: its category was kept only under the national reader's own
/// consent flag ([`disclose_reader_result`]), which the national service keeps, not onshi.
pub fn disclose_checkin(mut checkin: CheckIn) -> CheckIn {
    if checkin.method == AuthMethod::NationalReader {
        return checkin;
    }
    let consented = checkin.consents.iter().any(|kind| kind.covers(ConsentKind::SpecificDisease));
    let flag = if consented { SpecificDiseaseConsent::Given } else { SpecificDiseaseConsent::NotGiven };
    withhold_category_without_consent(Some(flag), &mut checkin.specific_diseases);
    checkin
}

/// A national reader's result as the origin keeps it: the category only under the flag the terminal stated, the
/// rule the bridge applied already (`onshi_onsfile::reader_result`), applied again here since a bridge is a
/// program on a facility's LAN that onshi does not update.
pub fn disclose_reader_result(mut result: ReaderResult) -> ReaderResult {
    withhold_category_without_consent(result.specific_disease_consent, &mut result.specific_diseases);
    result
}

/// The flag an answer states, from the patient's latest 特定疾病 consent to the facility: whether it is live at
/// the read, and whether it was withdrawn.
pub fn consent_flag(latest: Option<LatestConsent>) -> SpecificDiseaseConsent {
    match latest {
        None | Some(LatestConsent::Withdrawn) => SpecificDiseaseConsent::NotGiven,
        Some(LatestConsent::Live) => SpecificDiseaseConsent::Given,
        Some(LatestConsent::Lapsed) => SpecificDiseaseConsent::Lapsed,
    }
}

/// Where the latest 特定疾病 consent of a patient to a facility stands at a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatestConsent {
    /// Given and still within its window.
    Live,
    /// Its window has passed, and the patient has not withdrawn since.
    Lapsed,
    /// The patient took it back, while it was live or after it lapsed: as if never given.
    Withdrawn,
}

impl LatestConsent {
    /// The standing at `now` of a consent whose window ends at `expires_at`, marked `withdrawn_at` when a withdrawal
    /// stopped it while it was live, given the patient's latest withdrawal of their consents to the facility up to
    /// `now` (`last_withdrawal`; a withdrawal is recorded even when nothing was live).
    ///
    /// A withdrawal after the consent lapsed counts as a withdrawal: the patient's last word to the facility is no,
    /// and the national flag 2 (同意有効期限切れ) tells the facility to ask again at the next card check-in, which
    /// the patient just said they do not want. So it flags 0, as a withdrawn live consent does. A later grant is a
    /// newer consent and stands on its own.
    pub fn at(expires_at: i64, withdrawn_at: Option<i64>, last_withdrawal: Option<i64>, now: i64) -> Self {
        match withdrawn_at {
            Some(_) => Self::Withdrawn,
            None if expires_at > now => Self::Live,
            None if last_withdrawal.is_some_and(|at| at >= expires_at) => Self::Withdrawn,
            None => Self::Lapsed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_proto::IsoDate;
    use onshi_proto::qualification::{Reason, SpecificDiseaseCertificate, Validity};

    fn answer(consent: SpecificDiseaseConsent) -> QualificationAnswer {
        let certificate = SpecificDiseaseCertificate {
            disease_category: "3".into(),
            valid_from: None,
            valid_until: None,
            monthly_self_pay_yen: Some(10_000),
        };
        let mut record = crate::interop::xml_msg::tests::record();
        record.specific_diseases = vec![certificate];
        QualificationAnswer {
            validity: Validity::Valid,
            reason: Reason::Current,
            guidance: None,
            confirmation_date: IsoDate(time::macros::date!(2026 - 12 - 01)),
            records: vec![record],
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: consent,
            specific_disease_question_due: true,
        }
    }

    fn category(answer: &QualificationAnswer) -> &str {
        answer.records.first().and_then(|r| r.specific_diseases.first()).map_or("?", |c| c.disease_category.as_str())
    }

    #[test]
    fn the_category_reaches_the_facility_only_under_a_live_consent_and_never_by_number_or_on_a_kiosk() {
        use SpecificDiseaseConsent::{Given, Lapsed, NotGiven};
        assert_eq!(category(&disclose(answer(Given), Reader::FacilityByCard)), "3");
        for flag in [NotGiven, Lapsed] {
            assert_eq!(category(&disclose(answer(flag), Reader::FacilityByCard)), "", "{flag:?}");
        }
        for flag in [NotGiven, Given, Lapsed] {
            assert_eq!(category(&disclose(answer(flag), Reader::KioskScreen)), "", "{flag:?}");
            let by_number = disclose(answer(flag), Reader::FacilityByNumber);
            assert_eq!((category(&by_number), by_number.specific_disease_consent), ("", NotGiven), "{flag:?}");
        }
        // The limit billing needs stays in every form.
        let withheld = disclose(answer(NotGiven), Reader::FacilityByCard);
        assert_eq!(withheld.records[0].specific_diseases[0].monthly_self_pay_yen, Some(10_000));
    }

    #[test]
    fn a_national_readers_result_keeps_the_category_only_under_its_own_flag_one() {
        use SpecificDiseaseConsent::{Given, Lapsed, NotGiven};
        use onshi_proto::identifier::FaceFileName;
        let result = |flag: Option<SpecificDiseaseConsent>| {
            let file = FaceFileName::parse("OQSsiquc01res_face_1.xml").unwrap();
            let mut result = ReaderResult::new(file, None, Validity::Valid);
            result.specific_diseases = answer(Given).records[0].specific_diseases.clone();
            result.specific_disease_consent = flag;
            disclose_reader_result(result).specific_diseases[0].clone()
        };
        assert_eq!(result(Some(Given)).disease_category, "3");
        for flag in [Some(NotGiven), Some(Lapsed), None] {
            let kept = result(flag);
            assert_eq!((kept.disease_category.as_str(), kept.monthly_self_pay_yen), ("", Some(10_000)), "{flag:?}");
        }
    }

    #[test]
    fn a_consent_withdrawn_after_it_lapsed_stands_as_withdrawn() {
        let (granted_until, now) = (1_000, 5_000);
        assert_eq!(LatestConsent::at(granted_until, None, None, 999), LatestConsent::Live);
        assert_eq!(LatestConsent::at(granted_until, None, None, now), LatestConsent::Lapsed);
        assert_eq!(LatestConsent::at(granted_until, Some(500), Some(500), now), LatestConsent::Withdrawn);
        // Withdrawn once it had lapsed: no, not "ask again".
        assert_eq!(LatestConsent::at(granted_until, None, Some(2_000), now), LatestConsent::Withdrawn);
        // A withdrawal before this consent was given (which marked an older one) leaves this one lapsed.
        assert_eq!(LatestConsent::at(granted_until, None, Some(10), now), LatestConsent::Lapsed);
    }

    #[test]
    fn a_withdrawn_consent_flags_as_none_and_a_lapsed_one_as_lapsed() {
        assert_eq!(consent_flag(None), SpecificDiseaseConsent::NotGiven);
        assert_eq!(consent_flag(Some(LatestConsent::Withdrawn)), SpecificDiseaseConsent::NotGiven);
        assert_eq!(consent_flag(Some(LatestConsent::Live)), SpecificDiseaseConsent::Given);
        assert_eq!(consent_flag(Some(LatestConsent::Lapsed)), SpecificDiseaseConsent::Lapsed);
    }
}
