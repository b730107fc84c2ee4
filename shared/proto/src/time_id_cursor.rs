//! The one shape of a keyset cursor over a listing ordered newest first: the last listed row's time and id,
//! written `<seconds>.<id>`. Both the staff day listing ([`crate::checkin_page`]) and the insurer's batch listing
//! ([`crate::batch_page`]) page this way, so the rule is written here once and each cursor type wraps it.
//!
//! Layer: wire rule, sans-I/O and clock-free. Must not know what rows a listing holds or how a store reads them.

/// The time and id a cursor text names, or `None` when it is not a canonical `<seconds>.<id>`: a non-negative
/// decimal time without leading zeros, a dot, and 1 to `max_id_len` ASCII letters, digits, `-` or `_`. Only one
/// spelling is accepted per row, so a cursor cannot be varied to look like a new one.
pub(crate) fn split_time_and_id(text: &str, max_id_len: usize) -> Option<(i64, &str)> {
    let (seconds, id) = text.split_once('.')?;
    let canonical_seconds = !seconds.is_empty()
        && seconds.bytes().all(|b| b.is_ascii_digit())
        && (seconds == "0" || !seconds.starts_with('0'));
    let plain_id = !id.is_empty()
        && id.len() <= max_id_len
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !(canonical_seconds && plain_id) {
        return None;
    }
    Some((seconds.parse::<i64>().ok()?, id))
}

/// The listing order of two rows, each by its `(time, id)`: newest first, then by id (as the stores'
/// `ORDER BY <time> DESC, id` reads it, the ids being ASCII).
pub(crate) fn newest_first(a: (i64, &str), b: (i64, &str)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_spelling_of_a_time_and_an_id_is_read() {
        assert_eq!(split_time_and_id("1780000000.0123abcd", 8), Some((1_780_000_000, "0123abcd")));
        assert_eq!(split_time_and_id("0.a", 1), Some((0, "a")));
        for tampered in [
            "",
            ".",
            "1780000000",
            "1780000000.",
            ".abc",
            "-5.abc",
            "+5.abc",
            "05.abc",
            "17x0.abc",
            "99999999999999999999.abc",
            "5.a b",
            "5.a.b",
            "5.a'--",
            "5.ａ",
        ] {
            assert_eq!(split_time_and_id(tampered, 64), None, "{tampered:?}");
        }
        assert_eq!(split_time_and_id("5.aaa", 2), None, "an id longer than the listing allows");
    }

    #[test]
    fn rows_list_newest_first_then_by_id() {
        use std::cmp::Ordering::{Greater, Less};
        assert_eq!(newest_first((100, "z"), (99, "a")), Less);
        assert_eq!(newest_first((100, "a"), (100, "b")), Less);
        assert_eq!(newest_first((99, "a"), (100, "a")), Greater);
    }
}
