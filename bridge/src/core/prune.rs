//! Which of the caller's copies in the folder link are past retention: the outcomes in `link/out` (answers hold
//! names and insurer numbers) and the reader results in `link/face`, and how often the folders are looked over.
//!
//! The age of an outcome is measured from the request's last change as the spool knows it (its answer time): the
//! spool forgets a finished request exactly when that is older than the retention, and then says so
//! ([`super::spool::Effect::ForgetOutcome`]), so the copy goes with the bridge's own stored answer. A copy whose id
//! the spool still knows is therefore never taken here, whatever its file time says: that also keeps every copy of
//! a request still pending, submitted or Uncertain. Only a copy whose id the spool does not know (left by an earlier
//! run, by a crash between journalling the forgetting and deleting, or a refusal that was never journalled) is aged
//! by its file time, the time the link wrote it, which is the closest the bridge still has to its answer time.
//! A reader result's copy has no request behind it and the spool keeps no time for it, so its file time (when the
//! bridge passed it on) is its age.
//!
//! Sans-I/O and clock-free: the adapter lists the folders and passes the time in; the names to delete come out.
//! Only names the link itself writes are ever named, each a plain file name in its folder.

use super::spool::valid_request_id;

/// The endings of the outcome copies the folder link writes as `<id>.<ending>`.
pub const OUTCOME_ENDINGS: [&str; 4] = ["answered.xml", "failed.txt", "uncertain.txt", "settled.txt"];

/// The folders are looked over at most this often (their copies are also dropped at once when the spool forgets
/// a request): a minute late out of days of retention is nothing, and listing a few thousand files on every pass
/// of the loop would be wasted work.
pub const SWEEP_EVERY_MS: u64 = 60_000;

/// A file in one of the link's folders, as the adapter listed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Its name in the folder.
    pub name: String,
    /// When it was last written, in milliseconds since 1970, if the file system said.
    pub written_ms: Option<u64>,
}

/// The caller's request id an outcome copy belongs to, if `name` is one the folder link writes.
pub fn outcome_id(name: &str) -> Option<&str> {
    OUTCOME_ENDINGS.iter().find_map(|ending| {
        let id = name.strip_suffix(ending)?.strip_suffix('.')?;
        valid_request_id(id).then_some(id)
    })
}

fn older_than(file: &Listed, now_ms: u64, retention_ms: u64) -> bool {
    // A file the file system gives no time for is kept: it cannot be shown to be old.
    file.written_ms.is_some_and(|written| now_ms.saturating_sub(written) >= retention_ms)
}

/// Of the files in `link/out`, the outcome copies to delete: those of requests the spool no longer knows
/// (`spool_knows` says which it does) written at least `retention_ms` before `now_ms`. Files of other names are not
/// the link's and are left alone.
pub fn outcomes_past_retention(
    files: &[Listed],
    spool_knows: impl Fn(&str) -> bool,
    now_ms: u64,
    retention_ms: u64,
) -> Vec<String> {
    files
        .iter()
        .filter(|file| outcome_id(&file.name).is_some_and(|id| !spool_knows(id)))
        .filter(|file| older_than(file, now_ms, retention_ms))
        .map(|file| file.name.clone())
        .collect()
}

/// Whether `name` is a plain file name the link may have written a reader result under: one path component,
/// neither hidden (the link's own temporary files) nor a way out of the folder.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':'])
        && name.chars().all(|c| !c.is_control())
}

/// Of the files in `link/face`, the reader results written at least `retention_ms` before `now_ms`.
pub fn faces_past_retention(files: &[Listed], now_ms: u64, retention_ms: u64) -> Vec<String> {
    files
        .iter()
        .filter(|file| plain_name(&file.name) && older_than(file, now_ms, retention_ms))
        .map(|file| file.name.clone())
        .collect()
}

/// When the link's folders were last looked over.
#[derive(Clone, Debug, Default)]
pub struct Sweeps {
    last_ms: Option<u64>,
}

impl Sweeps {
    /// Whether to look the folders over now: on the first pass, then once [`SWEEP_EVERY_MS`] has passed. Saying
    /// yes counts as looking.
    pub fn due(&mut self, now_ms: u64) -> bool {
        let due = self.last_ms.is_none_or(|last| now_ms.saturating_sub(last) >= SWEEP_EVERY_MS);
        if due {
            self.last_ms = Some(now_ms);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400_000;

    fn listed(name: &str, written_ms: Option<u64>) -> Listed {
        Listed { name: name.to_owned(), written_ms }
    }

    #[test]
    fn an_outcome_the_spool_knows_is_kept_however_old_its_file() {
        let files = [
            listed("open.uncertain.txt", Some(0)),
            listed("known.answered.xml", Some(0)),
            listed("gone.answered.xml", Some(0)),
            listed("gone.failed.txt", Some(0)),
        ];
        let knows = |id: &str| ["open", "known"].contains(&id);
        assert_eq!(outcomes_past_retention(&files, knows, 10 * DAY, 3 * DAY), ["gone.answered.xml", "gone.failed.txt"]);
    }

    #[test]
    fn an_unknown_outcome_is_aged_by_its_file_time_and_kept_without_one() {
        let files = [
            listed("young.answered.xml", Some(8 * DAY)),
            listed("edge.answered.xml", Some(7 * DAY)),
            listed("timeless.answered.xml", None),
        ];
        assert_eq!(outcomes_past_retention(&files, |_| false, 10 * DAY, 3 * DAY), ["edge.answered.xml"]);
    }

    #[test]
    fn only_names_the_link_writes_are_taken_from_the_outcome_folder() {
        let names = [
            "notes.txt",
            "a.answered.xml.bak",
            "..answered.xml",
            "../x.answered.xml",
            "a b.failed.txt",
            ".a.answered.xml.part",
            "answered.xml",
        ];
        let files: Vec<Listed> = names.iter().map(|name| listed(name, Some(0))).collect();
        assert!(outcomes_past_retention(&files, |_| false, 10 * DAY, DAY).is_empty());
        assert_eq!(outcome_id("edge-r1.uncertain.txt"), Some("edge-r1"));
    }

    #[test]
    fn a_reader_result_is_aged_by_its_file_time_and_odd_names_are_left_alone() {
        let files = [
            listed("OQSsiquc01res_face_1.xml", Some(DAY)),
            listed("OQSsiquc01res_face_2.xml", Some(9 * DAY)),
            listed(".OQSsiquc01res_face_3.xml.part", Some(0)),
            listed("../outside.xml", Some(0)),
        ];
        assert_eq!(faces_past_retention(&files, 10 * DAY, 3 * DAY), ["OQSsiquc01res_face_1.xml"]);
    }

    #[test]
    fn the_folders_are_looked_over_at_once_then_once_a_minute() {
        let mut sweeps = Sweeps::default();
        assert!(sweeps.due(1_000));
        assert!(!sweeps.due(1_000 + SWEEP_EVERY_MS - 1));
        assert!(sweeps.due(1_000 + SWEEP_EVERY_MS));
        assert!(!sweeps.due(1_000 + SWEEP_EVERY_MS));
    }
}
