//! The crate's one error type. Nothing in it crosses the network: handlers map every variant to an
//! [`onshi_proto::ErrorCode`] and keep the detail in the server's own log.

/// Everything that can go wrong inside the origin service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// A 保険者番号 (or a number built by the same rule) does not have 6 or 8 digits.
    #[error("insurer number must have 6 or 8 digits, found {length} characters")]
    InsurerNumberLength {
        /// How many characters were given.
        length: usize,
    },
    /// A number that should hold only ASCII digits holds something else.
    #[error("number must contain only the digits 0-9")]
    NotDigits,
    /// The last digit of a 保険者番号 is not the 検証番号 its other digits require.
    #[error("check digit is {found}, but the other digits require {expected}")]
    CheckDigitMismatch {
        /// The 検証番号 computed from the leading digits.
        expected: u8,
        /// The digit actually given.
        found: u8,
    },
    /// The command line is not understood.
    #[error("{0}")]
    Usage(String),
    /// The request-signing key is missing or empty.
    #[error("the environment variable {variable} must hold the edge-to-origin signing key")]
    MissingSigningKey {
        /// The variable that was read.
        variable: &'static str,
    },
    /// The request-signing key is too short to be safe.
    #[error("the signing key in {variable} must be at least {min} bytes long")]
    SigningKeyTooShort {
        /// The variable that was read.
        variable: &'static str,
        /// The shortest accepted length in bytes.
        min: usize,
    },
    /// The demo-card file cannot be used.
    #[error("demo card file: {0}")]
    DemoCards(String),
    /// A stored value does not have the form the schema promises (the database was edited by hand, or a
    /// migration is missing).
    #[error("stored data is inconsistent: {0}")]
    CorruptRecord(String),
    /// The clock reads a time outside the representable calendar.
    #[error("the clock reads an impossible time: {0}")]
    Clock(i64),
    /// A database call failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema migrations could not be applied.
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// Reading a file or binding a socket failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The task that commits audit rows has stopped, so nothing can be answered that needs an audit row.
    #[error("the audit writer has stopped")]
    AuditWriterStopped,
}

impl From<onshi_proto::insurer_number::InsurerNumberError> for OriginError {
    fn from(error: onshi_proto::insurer_number::InsurerNumberError) -> Self {
        use onshi_proto::insurer_number::InsurerNumberError as Refused;
        match error {
            Refused::NotDigits => Self::NotDigits,
            Refused::Length { length } => Self::InsurerNumberLength { length },
            Refused::CheckDigitMismatch { expected, found } => Self::CheckDigitMismatch { expected, found },
        }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = OriginError> = std::result::Result<T, E>;
