//! The insurer console's texts: its own [`Catalog`] of resource files (`insurer/locales/`, Japanese and English,
//! every key under `insurer.`), and the choice of key for each typed value the console shows. Pure, so it is
//! tested natively; neither the kiosk nor the staff console refers to it.

use onshi_proto::ErrorCode;
use onshi_proto::batch_report::RowErrorCode;
use onshi_proto::insurer::{Comparison, CounterpartSource, DecisionOutcome, Item, NoticeKind, NoticeState};
use onshi_web::i18n::{Catalog, Lang};

/// The console's texts: Japanese, then English.
pub static INSURER: Catalog<2> = Catalog::new([include_str!("../locales/ja.json"), include_str!("../locales/en.json")]);

/// The console's text for `key` in `lang` (Japanese, then the key itself, when missing).
pub fn t(lang: Lang, key: &str) -> String {
    INSURER.text(lang, key)
}

/// The sentence for an error the edge answered.
pub fn error_key(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Unauthorized => "insurer.error.unauthorized",
        ErrorCode::Forbidden => "insurer.error.forbidden",
        ErrorCode::DeviceNotEnrolled => "insurer.error.device_not_enrolled",
        ErrorCode::SessionInvalid | ErrorCode::SessionExpired => "insurer.error.session",
        ErrorCode::BadRequest => "insurer.error.bad_request",
        ErrorCode::NotFound => "insurer.error.not_found",
        ErrorCode::RateLimited => "insurer.error.rate_limited",
        ErrorCode::PayloadTooLarge => "insurer.error.too_large",
        _ => "insurer.error.unavailable",
    }
}

/// True for the answers that mean the session is over: the page returns to sign-in.
pub fn ends_session(code: ErrorCode) -> bool {
    matches!(code, ErrorCode::SessionInvalid | ErrorCode::SessionExpired)
}

/// A notice kind's name.
pub fn kind_key(kind: NoticeKind) -> String {
    format!("insurer.kind.{}", kind.as_str())
}

/// A notice state's name.
pub fn state_key(state: NoticeState) -> String {
    format!("insurer.state.{}", state.as_str())
}

/// A compared item's name.
pub fn item_key(item: Item) -> String {
    format!("insurer.item.{}", item.as_str())
}

/// How the other record compares on one item.
pub fn comparison_key(comparison: Comparison) -> String {
    format!("insurer.comparison.{}", comparison.as_str())
}

/// What the other record is: 住基, another record of this insurer, or another record (never whose).
pub fn source_key(source: CounterpartSource) -> String {
    format!("insurer.source.{}", source.as_str())
}

/// What a resolution did.
pub fn outcome_key(outcome: DecisionOutcome) -> String {
    format!("insurer.outcome.{}", outcome.as_str())
}

/// The sentence for a refused row's code.
pub fn row_error_key(code: RowErrorCode) -> String {
    format!("insurer.row_error.{}", code.as_str())
}

/// How long ago `since` was at `now` (Unix seconds), in the largest whole unit: minutes, hours or days.
pub fn age_text(lang: Lang, since: i64, now: i64) -> String {
    let seconds = (now - since).max(0);
    let (key, count) = match seconds {
        s if s < 3_600 => ("insurer.age.minutes", s / 60),
        s if s < 86_400 => ("insurer.age.hours", s / 3_600),
        s => ("insurer.age.days", s / 86_400),
    };
    INSURER.fill(lang, key, &[("count", &count.to_string())])
}

/// A time as the clerk reads it, in Japan's time (UTC+9 all year): `2026-12-04 09:30`.
pub fn date_time_text(unix: i64) -> String {
    let Ok(moment) = time::OffsetDateTime::from_unix_timestamp(unix + 9 * 3_600) else { return String::new() };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        moment.year(),
        u8::from(moment.month()),
        moment.day(),
        moment.hour(),
        moment.minute()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key() {
        assert_eq!(INSURER.completeness_problems(), Vec::<String>::new());
    }

    #[test]
    fn every_typed_value_has_a_text_in_both_languages() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(NoticeKind::ALL.iter().map(|kind| kind_key(*kind)));
        keys.extend(NoticeState::ALL.iter().map(|state| state_key(*state)));
        keys.extend(Item::ALL.iter().map(|item| item_key(*item)));
        keys.extend(Comparison::ALL.iter().map(|comparison| comparison_key(*comparison)));
        keys.extend(CounterpartSource::ALL.iter().map(|source| source_key(*source)));
        keys.extend(DecisionOutcome::ALL.iter().map(|outcome| outcome_key(*outcome)));
        keys.extend(RowErrorCode::ALL.iter().map(|code| row_error_key(*code)));
        for code in [ErrorCode::Unauthorized, ErrorCode::Forbidden, ErrorCode::Internal, ErrorCode::SessionExpired] {
            keys.push(error_key(code).to_owned());
        }
        for lang in [Lang::Ja, Lang::En] {
            for key in &keys {
                assert_ne!(&t(lang, key), key, "{key} has no {} text", lang.tag());
            }
        }
    }

    #[test]
    fn an_age_is_told_in_its_largest_whole_unit() {
        assert_eq!(age_text(Lang::Ja, 0, 59 * 60), "59分");
        assert_eq!(age_text(Lang::Ja, 0, 5 * 3_600 + 10), "5時間");
        assert_eq!(age_text(Lang::En, 0, 3 * 86_400), "3 days");
        assert_eq!(age_text(Lang::En, 100, 0), "0 minutes");
    }

    #[test]
    fn a_time_is_read_in_japan() {
        // 2026-12-04 00:30 UTC is 09:30 in Japan.
        assert_eq!(date_time_text(1_796_344_200), "2026-12-04 09:30");
    }

    #[test]
    fn only_a_lost_session_returns_to_sign_in() {
        assert!(ends_session(ErrorCode::SessionInvalid) && ends_session(ErrorCode::SessionExpired));
        assert!(!ends_session(ErrorCode::Unauthorized) && !ends_session(ErrorCode::NotFound));
    }
}
