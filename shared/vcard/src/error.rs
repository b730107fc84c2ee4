//! The one error type of this crate.

/// What can go wrong building the test PKI or a virtual card.
#[derive(Debug, thiserror::Error)]
pub enum VcardError {
    /// There is no demo card with this index.
    #[error("there is no demo card {index} (there are {count})")]
    NoSuchDemoCard {
        /// The index asked for.
        index: usize,
        /// How many demo cards exist.
        count: usize,
    },
    /// The PIN given to a virtual card is not exactly four ASCII digits.
    #[error("a virtual card PIN must be exactly four ASCII digits")]
    InvalidPin,
    /// The private key given to a virtual card does not belong to its certificate.
    #[error("the private key does not match the certificate")]
    KeyDoesNotMatchCertificate,
    /// A private key could not be decoded or encoded.
    #[error("private key encoding: {0}")]
    KeyEncoding(String),
    /// An RSA operation failed.
    #[error("RSA: {0}")]
    Rsa(#[from] rsa::Error),
    /// DER encoding or decoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// The x509-cert certificate builder failed.
    #[error("certificate builder: {0}")]
    CertificateBuilder(#[from] x509_cert::builder::Error),
    /// The time a dated demo card was asked for lies outside what a certificate can carry.
    #[error("the time is outside what a certificate can carry")]
    ClockOutOfRange,
    /// The demo population could not be serialised or parsed.
    #[error("demo data: {0}")]
    DemoData(#[source] serde_json::Error),
}

impl VcardError {
    /// Maps a DER error; a named function so call sites read as `map_err(VcardError::from_der)`.
    pub(crate) fn from_der(error: der::Error) -> Self {
        Self::Der(error)
    }
}
