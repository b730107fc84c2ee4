//! The staff console's texts: its own [`Catalog`] of resource files (`staff/locales/`, every key under
//! `staff.`), and the choice of key for each typed value the console shows. Pure, so it is tested natively; the
//! patient kiosk never refers to it, so its bundle carries none of these texts.

use onshi_proto::bridge_health::BridgeAlert;
use onshi_proto::certificate_expiry::jst_date;
use onshi_proto::origin::{AuthMethod, CheckIn, ElderlyShare, ExpiryNotice, PrescriptionFormat, VisualCheckState};
use onshi_proto::patient_mode::{PatientLanguage, PatientMode};
use onshi_proto::qualification::{
    Guidance, Percent, QualificationAnswer, Reason, SpecificDiseaseCertificate, Validity,
};
use onshi_proto::{ErrorCode, IsoDate, wareki};

use onshi_web::i18n::{Catalog, Lang, yen};

/// The staff console's texts.
pub static STAFF: Catalog = Catalog::new([
    include_str!("../locales/ja.json"),
    include_str!("../locales/en.json"),
    include_str!("../locales/zh-Hans.json"),
    include_str!("../locales/ko.json"),
    include_str!("../locales/vi.json"),
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
        ErrorCode::VisualCheckWithdrawn => "staff.decision.withdrawn",
        ErrorCode::ConsentRequired => "staff.error.consent_required",
        ErrorCode::Forbidden => "staff.error.forbidden",
        ErrorCode::DeviceNotEnrolled => "staff.error.device_not_enrolled",
        ErrorCode::TerminalTimeout => "staff.error.terminal_timeout",
        ErrorCode::TerminalFailed => "staff.error.terminal_failed",
        ErrorCode::TooManyRows => "staff.error.too_many_rows",
        ErrorCode::BridgeNotConnected => "staff.bulk.no_bridge",
        _ => "staff.error.unavailable",
    }
}

/// The time of day in Japan, `09:30`: Asia/Tokyo has no daylight saving time, UTC+9 all year.
pub fn time_of_day(unix: i64) -> String {
    let seconds = (unix + 9 * 3600).rem_euclid(86_400);
    format!("{:02}:{:02}", seconds / 3600, (seconds % 3600) / 60)
}

/// A moment as the console prints it: the day as [`date_text`] does and [`time_of_day`],
/// `令和8年12月4日 (2026-12-04) 09:30`.
pub fn moment_text(unix: i64) -> String {
    let day = jst_date(unix).map(|date| date_text(IsoDate(date))).unwrap_or_default();
    format!("{day} {}", time_of_day(unix))
}

/// A date as the console prints it: 和暦 with 西暦 beside it, `令和8年12月3日 (2026-12-03)`, the same in every
/// language (staff compare it with cards printed in 和暦).
pub fn date_text(date: IsoDate) -> String {
    wareki::format_with_iso(date)
}

/// What staff must be told after deciding a visual check, when the decision did not simply happen: the kiosk had
/// withdrawn it (its patient left), it had lapsed, or someone had decided it already. `None` when the request now
/// stands as staff decided. `outcome` is the request's state after the call, or the edge's refusal.
pub fn decision_notice_key(approve: bool, outcome: Result<VisualCheckState, ErrorCode>) -> Option<&'static str> {
    let decided = if approve { VisualCheckState::Approved } else { VisualCheckState::Refused };
    match outcome {
        Ok(state) if state == decided => None,
        // The kiosk collected the approval at once; that is still the approval staff gave.
        Ok(VisualCheckState::Collected) if approve => None,
        Ok(VisualCheckState::Withdrawn) | Err(ErrorCode::VisualCheckWithdrawn) => Some("staff.decision.withdrawn"),
        Ok(VisualCheckState::Expired) => Some("staff.decision.expired"),
        // Not found: the request is gone from this facility's view altogether.
        Err(ErrorCode::NotFound) => Some("staff.decision.expired"),
        Ok(_) => Some("staff.decision.already"),
        Err(code) => Some(error_key(code)),
    }
}

/// The row's advice: a 無効 answer has its own (the qualification ended on its 資格喪失日: ask for the new
/// insurance), every other answer that is not a clean 有効 the guidance the origin gave. `(key, date)`: the resource
/// key and, when it has a `{date}` placeholder, the date to fill in.
pub fn advice_key(checkin: &CheckIn) -> Option<(&'static str, Option<IsoDate>)> {
    match (read_in_japanese(checkin.validity), checkin.disqualification_date) {
        (true, Some(lost_on)) => Some(("staff.guidance.lost", Some(lost_on))),
        (true, None) => Some(("staff.guidance.invalid", None)),
        (false, _) => checkin.guidance.map(|guidance| (guidance_key(guidance), None)),
    }
}

/// True for the answers staff read in Japanese whatever the console's language (with the translation beside):
/// 無効, whose date and next step must not be misread.
pub fn read_in_japanese(validity: Validity) -> bool {
    matches!(validity, Validity::Invalid | Validity::InvalidNewerExists)
}

/// The mark on a check-in row whose card certificate expires within three months (the days left on the day of the
/// check-in, and the date) or has expired and is in its grace period (qualification only, until when).
pub fn expiry_mark(lang: Lang, notice: ExpiryNotice) -> String {
    match notice {
        ExpiryNotice::ExpiringSoon { expires_on, days_left } => STAFF.fill(
            lang,
            "staff.cert.expiring",
            &[("days", &days_left.to_string()), ("date", &date_text(expires_on))],
        ),
        ExpiryNotice::InGrace { covered_until, .. } => {
            STAFF.fill(lang, "staff.cert.grace", &[("date", &date_text(covered_until))])
        }
    }
}

/// The text of a resource `key` with its `{date}` filled in as [`date_text`] prints it, in `lang`.
pub fn dated_text(lang: Lang, key: &str, date: Option<IsoDate>) -> String {
    match date {
        Some(date) => STAFF.fill(lang, key, &[("date", &date_text(date))]),
        None => t(lang, key),
    }
}

/// One 特定疾病療養受療証 on a check-in row, in one line: `特定疾病 人工透析を要する慢性腎不全 自己負担限度額
/// 月10,000円`.
pub fn disease_line(lang: Lang, certificate: &SpecificDiseaseCertificate) -> String {
    let category = disease_category_text(lang, &certificate.disease_category);
    let mut line = STAFF.fill(lang, "staff.benefit.disease", &[("category", &category)]);
    if let Some(limit) = certificate.monthly_self_pay_yen {
        line.push(' ');
        line.push_str(&STAFF.fill(lang, "staff.disease.self_pay", &[("yen", &yen(limit))]));
    }
    line
}

/// True when a by-number check found nobody under the number and birth date typed: staff first check what they
/// typed against the 資格確認書 before sending the patient down the 被保険者資格申立書 path.
pub fn by_number_found_nothing(answer: &QualificationAnswer) -> bool {
    answer.validity == Validity::NoQualification && answer.reason == Reason::NotFound
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

/// How the patient used the kiosk, as staff are told it when it differs from the default (Japanese, no aid): the
/// language of the screens by its own name with its tag (so the console can mark it up in that language), and each
/// aid in the console's language.
pub fn patient_mode_parts(lang: Lang, mode: &PatientMode) -> (Option<(&'static str, &'static str)>, Vec<String>) {
    let language = mode
        .language
        .filter(|language| *language != PatientLanguage::Japanese)
        .and_then(|language| Lang::from_tag(language.as_str()))
        .map(|language| (language.tag(), language.native_name()));
    let aids = mode.aids.iter().map(|aid| t(lang, &format!("staff.aid.{}", aid.as_str()))).collect();
    (language, aids)
}

/// What staff are told for an alert about the facility's bridge to its 資格確認端末.
pub fn bridge_alert_key(alert: BridgeAlert) -> &'static str {
    match alert {
        BridgeAlert::BridgeSilent => "staff.bridge.bridge_silent",
        BridgeAlert::TerminalUnreachable => "staff.bridge.terminal_unreachable",
        BridgeAlert::LinkAppStalled => "staff.bridge.link_app_stalled",
        BridgeAlert::UncertainRequests => "staff.bridge.uncertain_requests",
        BridgeAlert::ReaderSilent => "staff.bridge.reader_silent",
    }
}

/// How the patient was identified.
pub fn method_key(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Pin => "staff.method.pin",
        AuthMethod::VisualCheck => "staff.method.visual_check",
        AuthMethod::NationalReader => "staff.method.national_reader",
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
pub fn ratio_text(lang: Lang, percent: Percent) -> String {
    STAFF.fill(lang, "staff.ratio", &[("n", &percent.tenths().to_string())])
}

/// The 高齢受給者証 behind a share, as staff read it beside that share: until when the lower share runs, and the
/// insurance's own share, which the patient pays again once it ends.
pub fn elderly_share_text(lang: Lang, share: &ElderlyShare) -> String {
    let insured = ratio_text(lang, share.insured_percent);
    match share.certificate.valid_until {
        Some(until) => STAFF.fill(lang, "staff.elderly.until", &[("until", &date_text(until)), ("insured", &insured)]),
        None => STAFF.fill(lang, "staff.elderly.open", &[("insured", &insured)]),
    }
}

/// The 特定疾病 category (`SpecificDiseasesDiseaseCategory`, code list OQSCD013) in words; a code outside the list
/// is shown as the code, never dropped. The origin leaves it empty without the patient's live 特定疾病 consent to
/// the facility (and in every 記号・番号 answer), which staff read as 「同意なし」.
pub fn disease_category_text(lang: Lang, code: &str) -> String {
    match code.trim() {
        "" => t(lang, "staff.disease.no_consent"),
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
        details.push(STAFF.fill(lang, "staff.disease.self_pay", &[("yen", &yen(limit))]));
    }
    details
}

#[cfg(test)]
mod tests {
    use super::*;
    use onshi_proto::IsoDate;
    use onshi_proto::bridge_health::{TerminalRequestKind, UncertainReason};

    #[test]
    fn every_staff_locale_parses_and_has_every_key_with_the_same_placeholders() {
        assert_eq!(STAFF.completeness_problems(), Vec::<String>::new());
    }

    #[test]
    fn a_terminal_that_did_not_answer_is_told_apart_from_an_unreachable_service() {
        assert_eq!(error_key(ErrorCode::TerminalTimeout), "staff.error.terminal_timeout");
        assert_ne!(error_key(ErrorCode::TerminalFailed), error_key(ErrorCode::OriginUnavailable));
        assert!(t(Lang::Ja, error_key(ErrorCode::TerminalTimeout)).contains("資格確認端末"));
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
            error_key(ErrorCode::Forbidden),
            error_key(ErrorCode::DeviceNotEnrolled),
            error_key(ErrorCode::TerminalTimeout),
            error_key(ErrorCode::TerminalFailed),
            "staff.by_number.via_terminal",
            "staff.by_number.via_onshi",
            "staff.enrol.heading",
            "staff.enrol.intro",
            "staff.enrol.code_label",
            "staff.enrol.submit",
            "staff.enrol.failed",
            "staff.enrol.checking",
            guidance_key(Guidance::ClaimForm),
            guidance_key(Guidance::StaffReview),
            method_key(AuthMethod::Pin),
            method_key(AuthMethod::VisualCheck),
            method_key(AuthMethod::NationalReader),
            "staff.bridge.heading",
            prescription_key(Some(PrescriptionFormat::Electronic)),
            prescription_key(Some(PrescriptionFormat::Paper)),
            prescription_key(None),
        ];
        keys.extend(
            [
                Validity::Valid,
                Validity::Invalid,
                Validity::InvalidNewerExists,
                Validity::NoQualification,
                Validity::MultipleMatches,
            ]
            .map(validity_key),
        );
        keys.extend(BridgeAlert::ALL.iter().map(|&alert| bridge_alert_key(alert)));
        let kinds: Vec<String> =
            TerminalRequestKind::ALL.iter().map(|kind| format!("staff.bridge.kind.{}", kind.as_str())).collect();
        let reasons: Vec<String> =
            UncertainReason::ALL.iter().map(|reason| format!("staff.bridge.reason.{}", reason.as_str())).collect();
        keys.extend(kinds.iter().chain(&reasons).map(String::as_str));
        keys.extend([
            "staff.bridge.uncertain_list",
            "staff.bridge.column.kind",
            "staff.bridge.column.file",
            "staff.bridge.column.written",
            "staff.bridge.column.reason",
            "staff.bridge.settle",
            "staff.bridge.settle_confirm",
            "staff.bridge.settle_yes",
            "staff.bridge.settle_no",
            "staff.bridge.settle_sending",
            "staff.bridge.settle_not_uncertain",
        ]);
        for lang in Lang::ALL {
            for key in &keys {
                assert_ne!(t(lang, key), *key, "{lang:?} has no text for {key}");
            }
        }
    }

    #[test]
    fn the_japanese_validity_is_the_national_label() {
        for validity in [
            Validity::Valid,
            Validity::Invalid,
            Validity::InvalidNewerExists,
            Validity::NoQualification,
            Validity::MultipleMatches,
        ] {
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
        assert_eq!(ratio_text(Lang::Ja, Percent::literal(30)), "3割");
        assert_eq!(ratio_text(Lang::Ja, Percent::literal(10)), "1割");
        assert_eq!(ratio_text(Lang::En, Percent::literal(20)), "20%");
    }

    #[test]
    fn an_elderly_certificate_reads_as_its_end_and_the_insurance_share_after_it() {
        use onshi_proto::qualification::ElderlyRecipient;
        let mut share = ElderlyShare {
            certificate: ElderlyRecipient {
                contribution_ratio_percent: Percent::literal(20),
                valid_from: IsoDate::parse("2026-08-01").unwrap(),
                valid_until: Some(IsoDate::parse("2027-07-31").unwrap()),
            },
            insured_percent: Percent::literal(30),
        };
        assert_eq!(elderly_share_text(Lang::Ja, &share), "令和9年7月31日 (2027-07-31)まで（保険は3割）");
        assert_eq!(elderly_share_text(Lang::En, &share), "until 令和9年7月31日 (2027-07-31) (insurance share 30%)");
        share.certificate.valid_until = None;
        assert_eq!(elderly_share_text(Lang::Ja, &share), "終了日なし（保険は3割）");
    }

    #[test]
    fn disease_categories_follow_oqscd013_and_unknown_codes_are_shown() {
        assert_eq!(disease_category_text(Lang::Ja, "1"), "人工透析を要する慢性腎不全");
        assert_eq!(disease_category_text(Lang::Ja, "2"), "先天性血液凝固因子障害");
        assert_eq!(disease_category_text(Lang::Ja, "3"), "血液凝固因子製剤起因HIV");
        assert_eq!(disease_category_text(Lang::Ja, "9"), "区分 9");
        assert_eq!(disease_category_text(Lang::En, "1"), "Chronic renal failure requiring dialysis");
    }

    fn checkin(validity: Validity, lost_on: Option<&str>, guidance: Option<Guidance>) -> CheckIn {
        CheckIn {
            id: "c1".into(),
            checked_in_at: 0,
            device_id: None,
            device_label: Some("受付1".into()),
            method: AuthMethod::Pin,
            visual_check_reason: None,
            validity,
            reason: Reason::Lost,
            guidance,
            name: None,
            name_kana: None,
            insurer_number: None,
            insurer_name: None,
            contribution_percent: None,
            elderly_recipient: None,
            prescription: None,
            disqualification_date: lost_on.map(|d| IsoDate::parse(d).unwrap()),
            limit_category: None,
            specific_diseases: Vec::new(),
            expiry_notice: None,
            patient_mode: Default::default(),
            consents: Vec::new(),
            consent_withdrawn_at: None,
            public_expense: Vec::new(),
            birth_date: None,
            sex: None,
            reference_number: None,
            face_file: None,
        }
    }

    #[test]
    fn staff_are_told_the_patients_language_and_aids_only_when_they_differ_from_the_default() {
        use onshi_proto::patient_mode::PatientAid;
        let vietnamese = PatientMode::new(Some(PatientLanguage::Vietnamese), vec![PatientAid::Voice]);
        assert_eq!(
            patient_mode_parts(Lang::Ja, &vietnamese),
            (Some(("vi", "Tiếng Việt")), vec!["音声案内".to_owned()])
        );
        let plain = PatientMode::new(Some(PatientLanguage::PlainJapanese), vec![]);
        assert_eq!(patient_mode_parts(Lang::En, &plain), (Some(("ja-x-easy", "やさしい にほんご")), vec![]));
        let japanese = PatientMode::new(Some(PatientLanguage::Japanese), vec![]);
        assert_eq!(patient_mode_parts(Lang::Ja, &japanese), (None, vec![]));
        assert_eq!(patient_mode_parts(Lang::Ja, &PatientMode::default()), (None, vec![]));
        for language in PatientLanguage::ALL {
            assert!(Lang::from_tag(language.as_str()).is_some(), "{language:?} is a kiosk language");
        }
        for aid in PatientAid::ALL {
            for lang in Lang::ALL {
                let key = format!("staff.aid.{}", aid.as_str());
                assert_ne!(t(lang, &key), key, "{key} in {lang:?}");
            }
        }
    }

    #[test]
    fn a_certificate_that_expires_soon_or_is_in_its_grace_is_marked_with_its_days_or_its_end() {
        let soon = ExpiryNotice::expiring(IsoDate::parse("2026-12-10").unwrap(), IsoDate::parse("2026-11-30").unwrap())
            .unwrap();
        assert_eq!(expiry_mark(Lang::Ja, soon), "電子証明書の期限まであと10日 (令和8年12月10日 (2026-12-10))");
        assert!(expiry_mark(Lang::En, soon).contains("10 days"), "{}", expiry_mark(Lang::En, soon));
        let grace = ExpiryNotice::in_grace(IsoDate::parse("2026-10-05").unwrap()).unwrap();
        let mark = expiry_mark(Lang::Ja, grace);
        assert!(mark.contains("資格確認のみ") && mark.contains("(2027-01-31)"), "{mark}");
        for lang in Lang::ALL {
            assert!(!expiry_mark(lang, grace).contains('{'), "{lang:?}");
            assert!(!expiry_mark(lang, soon).contains('{'), "{lang:?}");
        }
    }

    #[test]
    fn a_lost_qualification_has_its_own_advice_with_its_date_never_the_claim_form_of_no_qualification() {
        let lost = checkin(Validity::Invalid, Some("2026-11-03"), Some(Guidance::ClaimForm));
        let (key, date) = advice_key(&lost).unwrap();
        assert_eq!(key, "staff.guidance.lost");
        let advice = dated_text(Lang::Ja, key, date);
        assert!(advice.starts_with("資格喪失日 令和8年11月3日 (2026-11-03) で資格が終了しています。"), "{advice}");
        assert!(advice.contains("資格確認書"), "{advice}");
        assert_ne!(advice, t(Lang::Ja, guidance_key(Guidance::ClaimForm)));
        let not_started = checkin(Validity::Invalid, None, Some(Guidance::ClaimForm));
        assert_eq!(advice_key(&not_started), Some(("staff.guidance.invalid", None)));
        // Answers that are not 無効 keep the origin's guidance; a clean 有効 has none.
        let none = checkin(Validity::NoQualification, None, Some(Guidance::ClaimForm));
        assert_eq!(advice_key(&none), Some(("staff.guidance.claim_form", None)));
        assert_eq!(advice_key(&checkin(Validity::Valid, None, None)), None);
        assert!(read_in_japanese(Validity::Invalid) && read_in_japanese(Validity::InvalidNewerExists));
        assert!(!read_in_japanese(Validity::Valid) && !read_in_japanese(Validity::NoQualification));
        // Every language prints the date it is given, in 和暦 and 西暦.
        for lang in Lang::ALL {
            for key in ["staff.guidance.lost", "staff.lost_on"] {
                let text = dated_text(lang, key, Some(IsoDate::parse("2026-11-03").unwrap()));
                assert!(text.contains("令和8年11月3日 (2026-11-03)"), "{lang:?} {key}: {text}");
            }
        }
    }

    #[test]
    fn dates_print_in_wareki_with_the_western_date_beside() {
        assert_eq!(date_text(IsoDate::parse("2026-12-03").unwrap()), "令和8年12月3日 (2026-12-03)");
        assert_eq!(date_text(IsoDate::parse("1938-03-09").unwrap()), "昭和13年3月9日 (1938-03-09)");
    }

    #[test]
    fn a_decision_that_did_not_happen_is_told_and_one_that_did_is_not() {
        use VisualCheckState::*;
        assert_eq!(decision_notice_key(true, Ok(Approved)), None);
        assert_eq!(decision_notice_key(true, Ok(Collected)), None);
        assert_eq!(decision_notice_key(false, Ok(Refused)), None);
        assert_eq!(decision_notice_key(true, Err(ErrorCode::VisualCheckWithdrawn)), Some("staff.decision.withdrawn"));
        assert_eq!(decision_notice_key(false, Ok(Withdrawn)), Some("staff.decision.withdrawn"));
        assert_eq!(decision_notice_key(true, Ok(Expired)), Some("staff.decision.expired"));
        assert_eq!(decision_notice_key(true, Ok(Refused)), Some("staff.decision.already"));
        assert_eq!(decision_notice_key(false, Ok(Collected)), Some("staff.decision.already"));
        assert_eq!(decision_notice_key(true, Err(ErrorCode::OriginUnavailable)), Some("staff.error.unavailable"));
        assert_eq!(
            t(Lang::Ja, "staff.decision.withdrawn"),
            "この目視確認は取り下げられました。患者さまが受付機の操作をやめています。"
        );
        for lang in Lang::ALL {
            for key in ["staff.decision.withdrawn", "staff.decision.expired", "staff.decision.already"] {
                assert_ne!(t(lang, key), key, "{lang:?}");
            }
        }
    }

    #[test]
    fn a_disease_on_a_row_reads_as_one_line_with_its_limit() {
        let dialysis = SpecificDiseaseCertificate {
            disease_category: "1".into(),
            valid_from: None,
            valid_until: None,
            monthly_self_pay_yen: Some(10_000),
        };
        assert_eq!(disease_line(Lang::Ja, &dialysis), "特定疾病: 人工透析を要する慢性腎不全 自己負担限度額 月10,000円");
        assert!(disease_line(Lang::En, &dialysis).contains("¥10,000"));
        // Without the patient's 特定疾病 consent the origin withholds the category: staff read that, and the limit.
        let withheld = SpecificDiseaseCertificate { disease_category: String::new(), ..dialysis };
        assert_eq!(disease_line(Lang::Ja, &withheld), "特定疾病: 同意なし 自己負担限度額 月10,000円");
        assert_eq!(disease_line(Lang::En, &withheld), "Specified disease: no consent monthly limit ¥10,000");
    }

    #[test]
    fn a_number_check_that_found_nobody_is_told_apart_from_an_unregistered_card() {
        let answer = |validity, reason| QualificationAnswer {
            validity,
            reason,
            guidance: Some(Guidance::ClaimForm),
            confirmation_date: IsoDate::parse("2026-12-03").unwrap(),
            records: vec![],
            public_expense: Vec::new(),
            certificates_on_offer: false,
            specific_disease_consent: Default::default(),
            specific_disease_question_due: false,
        };
        assert!(by_number_found_nothing(&answer(Validity::NoQualification, Reason::NotFound)));
        assert!(!by_number_found_nothing(&answer(Validity::NoQualification, Reason::NotRegistered)));
        assert!(!by_number_found_nothing(&answer(Validity::Invalid, Reason::Lost)));
        assert!(t(Lang::Ja, "staff.by_number.no_match").contains("記号・番号・枝番と生年月日"));
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
