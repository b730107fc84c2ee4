//! The crate's one error type. Nothing in it crosses the network: handlers map every variant to an
//! [`onshi_proto::ErrorCode`] and keep the detail in the server's own log.

/// Everything that can go wrong inside the origin service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// A 保険者番号 does not follow its rule (see [`onshi_proto::insurer_number`]).
    #[error(transparent)]
    InsurerNumber(#[from] onshi_proto::insurer_number::InsurerNumberError),
    /// A number that should hold only ASCII digits holds something else.
    #[error("number must contain only the digits 0-9")]
    NotDigits,
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
    /// A part of an insurer batch that runs beside its checks (the read-ahead, the writer) stopped before
    /// answering them.
    #[error("a part of the insurer batch stopped before answering")]
    BatchTaskStopped,
    /// The thread generating a population load's persons stopped before the last of them.
    #[error("the population generator stopped before the last person")]
    PopulationGeneratorStopped,
}

/// Shorthand for results in this crate.
pub type Result<T, E = OriginError> = std::result::Result<T, E>;

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::insurer_number::{InsurerNumber, InsurerNumberError, check_digit, with_check_digit};

    /// The worked examples of the reference notes, kept as data beside the integration tests.
    const EXAMPLES: &str = include_str!("../tests/data/insurer-numbers-reference-notes-s2.1.json");

    #[test]
    fn refusals_convert_into_the_origin_error() {
        let examples: serde_json::Value = serde_json::from_str(EXAMPLES).unwrap();
        for example in examples["wrong_check_digit"].as_array().unwrap() {
            let number = example["number"].as_str().unwrap();
            let expected = u8::try_from(example["expected"].as_u64().unwrap()).unwrap();
            let converted: OriginError = InsurerNumber::parse(number).unwrap_err().into();
            assert!(matches!(
                converted,
                OriginError::InsurerNumber(InsurerNumberError::CheckDigitMismatch { expected: got, .. }) if got == expected
            ));
        }
        let converted: OriginError = InsurerNumber::parse("1234567").unwrap_err().into();
        assert!(matches!(converted, OriginError::InsurerNumber(InsurerNumberError::Length { length: 7 })));
        assert!(matches!(
            check_digit("12a").map_err(OriginError::from),
            Err(OriginError::InsurerNumber(InsurerNumberError::NotDigits))
        ));
        assert_eq!(with_check_digit("3312001").unwrap(), "33120015");
    }
}
