//! What the batch upload screen shows of a batch the origin is reading and applying ([`BatchProgress`]): the bar's
//! figures, the counts as text, the stage said to a screen reader, and how often the console asks.
//!
//! The stage (reading, applying, running elsewhere) is what a screen reader is told, once per stage; the counts
//! change with every answer and are only shown, so the clerk is not read a number every few seconds.
//!
//! Pure: no I/O, no clock, so it is tested natively.

use onshi_proto::insurer::BatchProgress;
use onshi_web::i18n::Lang;

use crate::text::{INSURER, t};

/// How often the console asks how far the batch has got, in milliseconds. The edge allows a device 60 calls a
/// minute by default (`edge/src/auth/ratelimit.rs`); asking every 1.5 s spends 40 of them, and leaves the rest for
/// the upload's own answer and the clerk's next screen.
pub const POLL_MS: u32 = 1_500;

/// The bar's `(value, max)`, when the batch's end is known (applying); `None` for a bar without a value, which a
/// browser shows as work going on.
pub fn bar(progress: &BatchProgress) -> Option<(u64, u64)> {
    match progress {
        BatchProgress::Applying(rows) => Some((rows.applied(), rows.total())),
        // Every row is written but the end is a commit, of no known length: a bar still at work, not a full one
        // that looks stuck.
        BatchProgress::None
        | BatchProgress::Reading(_)
        | BatchProgress::Finishing { .. }
        | BatchProgress::RunningElsewhere => None,
    }
}

/// The stage in a sentence, for the live region; `None` when nothing runs.
pub fn stage_text(lang: Lang, progress: &BatchProgress) -> Option<String> {
    let key = match progress {
        BatchProgress::None => return None,
        BatchProgress::Reading(_) => "insurer.progress.stage.reading",
        BatchProgress::Applying(_) => "insurer.progress.stage.applying",
        BatchProgress::Finishing { .. } => "insurer.progress.stage.finishing",
        BatchProgress::RunningElsewhere => "insurer.progress.stage.elsewhere",
    };
    Some(t(lang, key))
}

/// The counts, for the bar's label; `None` when there are none to show.
pub fn figures_text(lang: Lang, progress: &BatchProgress) -> Option<String> {
    match progress {
        BatchProgress::Reading(rows) => Some(INSURER.fill(
            lang,
            "insurer.progress.read",
            &[("read", &rows.read().to_string()), ("refused", &rows.refused().to_string())],
        )),
        BatchProgress::Applying(rows) => Some(INSURER.fill(
            lang,
            "insurer.progress.applying",
            &[("applied", &rows.applied().to_string()), ("total", &rows.total().to_string())],
        )),
        BatchProgress::Finishing { rows_total } => {
            Some(INSURER.fill(lang, "insurer.progress.finishing", &[("total", &rows_total.to_string())]))
        }
        BatchProgress::None | BatchProgress::RunningElsewhere => None,
    }
}

/// The stage's name, as the page marks it for tests and styles (`data-stage`).
pub fn stage_name(progress: &BatchProgress) -> &'static str {
    match progress {
        BatchProgress::None => "none",
        BatchProgress::Reading(_) => "reading",
        BatchProgress::Applying(_) => "applying",
        BatchProgress::Finishing { .. } => "finishing",
        BatchProgress::RunningElsewhere => "running_elsewhere",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use onshi_proto::insurer::{RowsApplied, RowsRead};

    use super::*;

    #[test]
    fn reading_shows_its_counts_without_an_end_and_applying_shows_how_far_of_all() {
        let reading = BatchProgress::Reading(RowsRead::new(12_000, 3).unwrap());
        assert_eq!(bar(&reading), None);
        assert_eq!(figures_text(Lang::En, &reading).unwrap(), "12000 rows read, 3 refused");
        assert_eq!(figures_text(Lang::Ja, &reading).unwrap(), "12000行を読み込み（うち誤り3行）");
        let applying = BatchProgress::Applying(RowsApplied::new(40_000, 100_000).unwrap());
        assert_eq!(bar(&applying), Some((40_000, 100_000)));
        assert_eq!(figures_text(Lang::En, &applying).unwrap(), "Applying 40000 of 100000 rows");
        assert_eq!(figures_text(Lang::Ja, &applying).unwrap(), "100000行中40000行を登録中");
        // After the last row: no full bar that looks stuck, and the count of all that is being saved.
        let finishing = BatchProgress::Finishing { rows_total: 100_000 };
        assert_eq!(bar(&finishing), None);
        assert_eq!(figures_text(Lang::En, &finishing).unwrap(), "Saving all 100000 rows");
        assert_eq!(figures_text(Lang::Ja, &finishing).unwrap(), "100000行の登録を確定中");
        assert_eq!(stage_name(&finishing), "finishing");
    }

    #[test]
    fn each_stage_is_said_once_in_both_languages_and_nothing_running_says_nothing() {
        let stages = [
            BatchProgress::Reading(RowsRead::new(1, 0).unwrap()),
            BatchProgress::Applying(RowsApplied::new(0, 1).unwrap()),
            BatchProgress::Finishing { rows_total: 1 },
            BatchProgress::RunningElsewhere,
        ];
        for lang in [Lang::Ja, Lang::En] {
            let said: Vec<String> = stages.iter().map(|stage| stage_text(lang, stage).unwrap()).collect();
            assert!(said.iter().all(|text| !text.starts_with("insurer.")), "{said:?}");
            let distinct: std::collections::BTreeSet<&String> = said.iter().collect();
            assert_eq!(distinct.len(), stages.len(), "{said:?}");
            // The stage's sentence holds no count, so a new count is not a new announcement.
            assert!(said.iter().all(|text| !text.chars().any(|c| c.is_ascii_digit())), "{said:?}");
            assert_eq!(stage_text(lang, &BatchProgress::None), None);
            assert_eq!(figures_text(lang, &BatchProgress::RunningElsewhere), None);
        }
        assert_eq!(bar(&BatchProgress::RunningElsewhere), None);
    }
}
