//! The staff console's texts: its own [`Catalog`] of resource files (`kiosk/locales/staff/`, every key under
//! `staff.`), and the choice of key for each typed value the console shows. Pure, so it is tested natively; the
//! patient kiosk never refers to it, so its bundle carries none of these texts.

use onshi_proto::ErrorCode;
use onshi_proto::origin::{AuthMethod, PrescriptionFormat};
use onshi_proto::qualification::{Guidance, SpecificDiseaseCertificate, Validity};

use crate::i18n::{Catalog, Lang};

/// The staff console's texts.
pub static STAFF: Catalog = Catalog::new([
    include_str!("../../locales/staff/ja.json"),
    include_str!("../../locales/staff/en.json"),
    include_str!("../../locales/staff/zh-Hans.json"),
    include_str!("../../locales/staff/ko.json"),
    include_str!("../../locales/staff/vi.json"),
]);

/// The console's text for `key` in `lang` (Japanese, then the key itself, when missing).
pub fn t(lang: Lang, key: &str) -> String {
    STAFF.text(lang, key)
}

/// The message for an error the edge answered.
pub fn error_key(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Unauthorized => "staff.error.unauthorized",
        ErrorCode::SessionInvalid | ErrorCode::SessionExpired => "staff.error.session",
        ErrorCode::BadRequest => "staff.error.bad_request",
        ErrorCode::RecordHeld => "staff.error.record_held",
        ErrorCode::RateLimited => "staff.error.rate_limited",
        _ => "staff.error.unavailable",
    }
}

/// The next step the console tells staff about, for an answer that is not a clean 有効.
pub fn guidance_key(guidance: Guidance) -> &'static str {
    match guidance {
        Guidance::ClaimForm => "staff.guidance.claim_form",
        Guidance::StaffReview => "staff.guidance.staff_review",
    }
}

/// The name of a validity (OQSCD006); in Japanese it is the national label.
pub fn validity_key(validity: Validity) -> &'static str {
    match validity {
        Validity::Valid => "staff.validity.valid",
        Validity::Invalid => "staff.validity.invalid",
        Validity::InvalidNewerExists => "staff.validity.invalid_newer",
        Validity::NoQualification => "staff.validity.no_qualification",
        Validity::MultipleMatches => "staff.validity.multiple",
    }
}

/// How the patient was identified.
pub fn method_key(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Pin => "staff.method.pin",
        AuthMethod::VisualCheck => "staff.method.visual_check",
    }
}

/// The prescription format the patient chose at the kiosk (電子 / 紙), or that they chose none.
pub fn prescription_key(prescription: Option<PrescriptionFormat>) -> &'static str {
    match prescription {
        Some(PrescriptionFormat::Electronic) => "staff.prescription.electronic",
        Some(PrescriptionFormat::Paper) => "staff.prescription.paper",
        None => "staff.prescription.none",
    }
}

/// 負担割合 as the console prints it: 30 → `3割` in Japanese, `30%` in English.
pub fn ratio_text(lang: Lang, percent: u8) -> String {
    STAFF.fill(lang, "staff.ratio", &[("n", &(percent / 10).to_string())])
}

/// The 特定疾病 category (`SpecificDiseasesDiseaseCategory`, code list OQSCD013) in words; a code outside the list
/// is shown as the code, never dropped.
pub fn disease_category_text(lang: Lang, code: &str) -> String {
    match code.trim() {
        "1" => t(lang, "staff.disease.1"),
        "2" => t(lang, "staff.disease.2"),
        "3" => t(lang, "staff.disease.3"),
        other => STAFF.fill(lang, "staff.disease.other", &[("code", other)]),
    }
}

/// The details of one 特定疾病療養受療証 beside its category: validity dates and the monthly self-pay limit, each
/// only when the insurer recorded it.
pub fn disease_details(lang: Lang, certificate: &SpecificDiseaseCertificate) -> Vec<String> {
    let mut details = Vec::new();
    if let Some(from) = certificate.valid_from {
        details.push(STAFF.fill(lang, "staff.disease.from", &[("date", &from.to_string())]));
    }
    if let Some(until) = certificate.valid_until {
        details.push(STAFF.fill(lang, "staff.disease.until", &[("date", &until.to_string())]));
    }
    if let Some(limit) = certificate.monthly_self_pay_yen {
        details.push(STAFF.fill(lang, "staff.disease.self_pay", &[("yen", &crate::i18n::yen(limit))]));
    }
    details
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_proto::IsoDate;

    #[test]
    fn every_staff_locale_parses_and_has_every_key_with_the_same_placeholders() {
        assert_eq!(STAFF.completeness_problems(), Vec::<String>::new());
    }

    #[test]
    fn every_key_the_console_chooses_exists_in_every_language() {
        let mut keys = vec![
            error_key(ErrorCode::Unauthorized),
            error_key(ErrorCode::SessionExpired),
            error_key(ErrorCode::BadRequest),
            error_key(ErrorCode::RecordHeld),
            error_key(ErrorCode::RateLimited),
            error_key(ErrorCode::OriginUnavailable),
            guidance_key(Guidance::ClaimForm),
            guidance_key(Guidance::StaffReview),
            method_key(AuthMethod::Pin),
            method_key(AuthMethod::VisualCheck),
            prescription_key(Some(PrescriptionFormat::Electronic)),
            prescription_key(Some(PrescriptionFormat::Paper)),
            prescription_key(None),
        ];
        keys.extend(
            [Validity::Valid, Validity::Invalid, Validity::InvalidNewerExists, Validity::NoQualification, Validity::MultipleMatches]
                .map(validity_key),
        );
        for lang in Lang::ALL {
            for key in &keys {
                assert_ne!(t(lang, key), *key, "{lang:?} has no text for {key}");
            }
        }
    }

    #[test]
    fn the_japanese_validity_is_the_national_label() {
        for validity in
            [Validity::Valid, Validity::Invalid, Validity::InvalidNewerExists, Validity::NoQualification, Validity::MultipleMatches]
        {
            assert_eq!(t(Lang::Ja, validity_key(validity)), validity.label_ja());
        }
        assert_eq!(t(Lang::En, validity_key(Validity::Valid)), "Valid");
    }

    #[test]
    fn prescriptions_read_as_electronic_or_paper() {
        assert_eq!(t(Lang::Ja, prescription_key(Some(PrescriptionFormat::Electronic))), "電子");
        assert_eq!(t(Lang::Ja, prescription_key(Some(PrescriptionFormat::Paper))), "紙");
        assert_eq!(t(Lang::En, prescription_key(Some(PrescriptionFormat::Paper))), "Paper");
    }

    #[test]
    fn ratios_print_in_wari_or_percent() {
        assert_eq!(ratio_text(Lang::Ja, 30), "3割");
        assert_eq!(ratio_text(Lang::Ja, 10), "1割");
        assert_eq!(ratio_text(Lang::En, 20), "20%");
    }

    #[test]
    fn disease_categories_follow_oqscd013_and_unknown_codes_are_shown() {
        assert_eq!(disease_category_text(Lang::Ja, "1"), "人工透析を要する慢性腎不全");
        assert_eq!(disease_category_text(Lang::Ja, "2"), "先天性血液凝固因子障害");
        assert_eq!(disease_category_text(Lang::Ja, "3"), "血液凝固因子製剤起因HIV");
        assert_eq!(disease_category_text(Lang::Ja, "9"), "区分 9");
        assert_eq!(disease_category_text(Lang::En, "1"), "Chronic renal failure requiring dialysis");
    }

    #[test]
    fn disease_details_show_only_what_the_insurer_recorded() {
        let certificate = SpecificDiseaseCertificate {
            disease_category: "1".into(),
            valid_from: Some(IsoDate::parse("2026-04-01").unwrap()),
            valid_until: None,
            monthly_self_pay_yen: Some(10_000),
        };
        assert_eq!(disease_details(Lang::Ja, &certificate), ["2026-04-01から", "自己負担限度額 月10,000円"]);
        let bare = SpecificDiseaseCertificate { valid_from: None, monthly_self_pay_yen: None, ..certificate };
        assert!(disease_details(Lang::En, &bare).is_empty());
    }
}
