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
