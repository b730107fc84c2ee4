//! The bridge's one error type: what stops the bridge or the simulator from running at all.
//!
//! Per-request trouble is never an error here; it is a request state in the journal.

/// Why the bridge or the simulator could not go on.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// A folder or file operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file-system watcher could not start.
    #[error("cannot watch the folders: {0}")]
    Watch(#[from] notify::Error),
    /// A command-line argument was wrong.
    #[error("{0}")]
    Usage(String),
    /// The device key could not be made, read or used, or the device record is unusable.
    #[error("device key: {0}")]
    Key(String),
    /// The edge could not be reached or refused (enrolment; reader results are retried instead).
    #[error("{0}")]
    Edge(String),
}

/// Attaches what was being done to an I/O error.
pub(crate) trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, BridgeError>;
}

impl<T> Context<T> for std::io::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T, BridgeError> {
        self.map_err(|source| BridgeError::Io { what: what(), source })
    }
}
