//! The rules of an insurer's (or a 公費負担者's) bearer credential that are not SQL: how long one lives when it is
//! issued ([`CredentialLifetime`]) and the public name it is listed and revoked by ([`CredentialName`]). Both kinds
//! of credential are issued, listed and revoked by these same rules.
//!
//! Layer: pure core. Must not read the clock (the caller says when "now" is) or hold a token: only the SHA-256 of
//! one ever reaches this file.

use crate::error::{OriginError, Result};

/// Seconds in a day.
const DAY_SECS: i64 = 24 * 60 * 60;
/// How many days a credential lives unless the operator configures another maximum.
pub const DEFAULT_CREDENTIAL_DAYS: u32 = 365;
/// The longest maximum an operator may configure: ten years is already longer than any credential should live.
pub const MAX_CONFIGURABLE_CREDENTIAL_DAYS: u32 = 3_650;
/// The environment variable the maximum (and default) lifetime is read from, in days.
pub const CREDENTIAL_DAYS_ENV: &str = "ONSHI_INSURER_CREDENTIAL_DAYS";

/// How long an issued credential lives: the configured maximum, which is also what a request that asks for no
/// lifetime gets. A request may ask for fewer days, never for more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialLifetime {
    max_days: u32,
}

/// A request asked for a lifetime of no days or of more than the configured maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a credential lives 1 to {max_days} days")]
pub struct LifetimeRefused {
    /// The configured maximum.
    pub max_days: u32,
}

impl Default for CredentialLifetime {
    fn default() -> Self {
        Self { max_days: DEFAULT_CREDENTIAL_DAYS }
    }
}

impl CredentialLifetime {
    /// A lifetime of at most `max_days` (1 to [`MAX_CONFIGURABLE_CREDENTIAL_DAYS`]).
    pub fn new(max_days: u32) -> Result<Self> {
        if !(1..=MAX_CONFIGURABLE_CREDENTIAL_DAYS).contains(&max_days) {
            return Err(OriginError::Usage(format!(
                "{CREDENTIAL_DAYS_ENV} is a number of days from 1 to {MAX_CONFIGURABLE_CREDENTIAL_DAYS}"
            )));
        }
        Ok(Self { max_days })
    }

    /// Reads [`CREDENTIAL_DAYS_ENV`]; the default when it is unset or empty.
    pub fn from_env() -> Result<Self> {
        match std::env::var(CREDENTIAL_DAYS_ENV) {
            Ok(text) if !text.trim().is_empty() => {
                let days = text.trim().parse::<u32>().map_err(|_| {
                    OriginError::Usage(format!("{CREDENTIAL_DAYS_ENV} is a whole number of days, not {text:?}"))
                })?;
                Self::new(days)
            }
            _ => Ok(Self::default()),
        }
    }

    /// The configured maximum, in days.
    pub fn max_days(self) -> u32 {
        self.max_days
    }

    /// When a credential issued at `now` expires: after `requested_days` when the request asks (1 up to the
    /// maximum), after the maximum when it does not.
    pub fn expiry(self, now: i64, requested_days: Option<u32>) -> std::result::Result<i64, LifetimeRefused> {
        let days = requested_days.unwrap_or(self.max_days);
        if days == 0 || days > self.max_days {
            return Err(LifetimeRefused { max_days: self.max_days });
        }
        Ok(now.saturating_add(i64::from(days) * DAY_SECS))
    }
}

/// A credential's public name, a wire type since the edge binds its console sessions to it.
pub use onshi_proto::credential_name::{CREDENTIAL_NAME_LEN, CredentialName};

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn a_credential_lives_the_maximum_unless_a_shorter_life_is_asked_for() {
        let lifetime = CredentialLifetime::default();
        assert_eq!(lifetime.expiry(1_000, None), Ok(1_000 + 365 * DAY_SECS));
        assert_eq!(lifetime.expiry(1_000, Some(30)), Ok(1_000 + 30 * DAY_SECS));
        assert_eq!(lifetime.expiry(1_000, Some(365)), Ok(1_000 + 365 * DAY_SECS));
        assert_eq!(lifetime.expiry(1_000, Some(366)), Err(LifetimeRefused { max_days: 365 }));
        assert_eq!(lifetime.expiry(1_000, Some(0)), Err(LifetimeRefused { max_days: 365 }));
        let short = CredentialLifetime::new(90).unwrap();
        assert_eq!(short.expiry(0, None), Ok(90 * DAY_SECS));
        assert!(short.expiry(0, Some(91)).is_err());
    }

    #[test]
    fn the_configured_maximum_is_one_day_to_ten_years() {
        assert!(CredentialLifetime::new(0).is_err());
        assert!(CredentialLifetime::new(MAX_CONFIGURABLE_CREDENTIAL_DAYS + 1).is_err());
        assert_eq!(CredentialLifetime::new(1).unwrap().max_days(), 1);
    }
}
