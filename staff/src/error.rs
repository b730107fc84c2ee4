//! The console's one error type, for what fails inside the browser rather than at the edge (whose answers are
//! typed [`onshi_proto::ErrorCode`]s already).

/// What can go wrong in the console itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    /// The browser's encrypted store of 申立書 (IndexedDB, WebCrypto) refused a step; the step is named, the
    /// browser's own detail is dropped.
    #[error("the browser's store failed: {0}")]
    Store(&'static str),
    /// A stored 申立書 could not be read back as one (another version's record, or a damaged one).
    #[error("a stored record is unreadable")]
    Unreadable,
}

impl StaffError {
    /// The resource key of what staff are told.
    pub fn key(self) -> &'static str {
        "staff.declaration.store_failed"
    }
}
