//! Who may see a 特定疾病療養受療証's disease category, and when: the one rule, applied to every answer that leaves
//! the origin.
//!
//! The 疾病区分 (OQSCD013) names a disease: "1" 人工透析を要する慢性腎不全, "2" 先天性血液凝固因子障害, "3"
//! 血液凝固因子製剤起因HIV. It is 要配慮個人情報. The facility needs it to bill, so its staff (the by-number lookup and
//! the check-in list) and its レセコン (the XmlMsg and FHIR renderings) get it whole. A kiosk's screen is seen by
//! others in the waiting room and needs only that a certificate applies, with its period and monthly limit: the
//! answers a kiosk shows (the card check-in's JSON and a collected 目視) carry each certificate with the category
//! withheld, as an empty string.
//!
//! Pure: no I/O, no clock.

use onshi_proto::qualification::QualificationAnswer;

/// Who an answer is addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The patient's kiosk screen, in a waiting room.
    KioskScreen,
    /// The facility's staff or its レセコン.
    Facility,
}

/// `answer` as `reader` may see it.
pub fn disclose(mut answer: QualificationAnswer, reader: Reader) -> QualificationAnswer {
    if reader == Reader::KioskScreen {
        for certificate in answer.records.iter_mut().flat_map(|record| record.specific_diseases.iter_mut()) {
            certificate.disease_category.clear();
        }
    }
    answer
}
