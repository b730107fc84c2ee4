//! Who may use the admin routes, and for which facility.
//!
//! Two credentials open them. The **national operator's** token (`ADMIN_TOKEN`, compared in constant time through
//! its SHA-256) acts for every facility and alone issues facility admin credentials; its holder is named by
//! `OPERATOR_ID` in every audit event. A **facility admin** credential is a bearer token the operator issued for one
//! facility and one named holder: `fadmin.` followed by the shared token format ([`crate::auth::token`]), MAC'd
//! under a key derived from `SESSION_KEY` for this purpose only ([`KeyPurpose::FacilityAdmin`]), so neither a card
//! nor a staff session token is ever taken for it. It issues enrolment and staff login codes and revokes devices of
//! its own facility, and is refused (`forbidden`) for any other.
//!
//! Layer: a pure auth rule under the admin use cases. Must not: read a clock (it is passed in), let a facility admin
//! act beyond its facility, or let anything but the operator's token mint a facility admin credential.
//!
//! Assumed, and said in ARCHITECTURE.md: a facility admin credential is not stored, so it cannot be withdrawn one by
//! one before it expires ([`FACILITY_ADMIN_LIFETIME_SECS`]); a leaked one is ended for all by rotating `SESSION_KEY`.

use onshi_proto::facility::FacilityCode;
use onshi_proto::identifier::Identifier;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::auth::session::bearer_token;
use crate::auth::token::{Lifetime, TokenCodec};
use crate::error::EdgeError;
use crate::secret::{KeyPurpose, SecretBytes, SessionToken};

/// Shortest accepted `ADMIN_TOKEN`, in bytes.
pub const MIN_ADMIN_TOKEN_LEN: usize = 24;
/// How long a facility admin credential lasts: a quarter, so a forgotten one does not live for ever.
pub const FACILITY_ADMIN_LIFETIME_SECS: i64 = 90 * 86_400;
/// Prefix of every facility admin credential.
pub const FACILITY_ADMIN_TOKEN_PREFIX: &str = "fadmin.";
/// The operator's name in audit events when `OPERATOR_ID` is unset.
pub const DEFAULT_OPERATOR_ID: &str = "operator";
/// Longest credential text considered at all.
const MAX_FACILITY_ADMIN_TOKEN_LEN: usize = 1024;

/// Who is calling an admin route, once their credential has been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminActor {
    /// The national operator: every facility.
    Operator {
        /// `OPERATOR_ID`.
        id: String,
    },
    /// One facility's admin.
    Facility {
        /// The only facility they act for.
        facility: FacilityCode,
        /// Who holds the credential.
        holder: String,
    },
}

impl AdminActor {
    /// How audit events name the actor: `operator:<id>` or `facility-admin:<facility>:<holder>`.
    pub fn audit_name(&self) -> String {
        match self {
            Self::Operator { id } => format!("operator:{id}"),
            Self::Facility { facility, holder } => format!("facility-admin:{}:{holder}", facility.as_str()),
        }
    }

    /// Refuses a facility admin acting for another facility; the operator acts for all.
    pub fn may_act_for(&self, facility: &str) -> Result<(), EdgeError> {
        match self {
            Self::Operator { .. } => Ok(()),
            Self::Facility { facility: own, .. } if own.as_str() == facility => Ok(()),
            Self::Facility { .. } => Err(EdgeError::AdminForbidden),
        }
    }

    /// Refuses anyone but the operator.
    pub fn must_be_operator(&self) -> Result<(), EdgeError> {
        match self {
            Self::Operator { .. } => Ok(()),
            Self::Facility { .. } => Err(EdgeError::AdminForbidden),
        }
    }
}

/// What a facility admin credential asserts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FacilityAdminClaims {
    /// The facility's 医療機関コード.
    facility: String,
    /// Who holds it.
    holder: String,
    /// Unix seconds at which it was issued.
    iat: i64,
    /// Unix seconds after which it is refused.
    exp: i64,
}

impl Lifetime for FacilityAdminClaims {
    fn issued_at(&self) -> i64 {
        self.iat
    }
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

/// The admin routes' credentials.
#[derive(Debug)]
pub struct AdminCredentials {
    operator_token_hash: Option<SecretBytes>,
    operator_id: String,
    facility_admins: TokenCodec,
}

impl AdminCredentials {
    /// `operator_token` `None` closes the admin routes to the operator (facility admins already issued still
    /// work until they expire); a token shorter than [`MIN_ADMIN_TOKEN_LEN`] or an operator id that is not a plain
    /// identifier is a configuration error.
    pub fn new(
        operator_token: Option<SecretBytes>,
        operator_id: Option<&str>,
        session_key: &SecretBytes,
    ) -> Result<Self, EdgeError> {
        let operator_token_hash = match operator_token {
            None => None,
            Some(token) if token.len() < MIN_ADMIN_TOKEN_LEN => {
                return Err(EdgeError::Config("ADMIN_TOKEN is shorter than 24 bytes"));
            }
            Some(token) => Some(SecretBytes::new(Sha256::digest(token.expose()).to_vec())),
        };
        let operator_id = Identifier::parse(operator_id.unwrap_or(DEFAULT_OPERATOR_ID))
            .map_err(|_| EdgeError::Config("OPERATOR_ID must be 1 to 128 characters with no control characters"))?;
        Ok(Self {
            operator_token_hash,
            operator_id: operator_id.as_str().to_owned(),
            facility_admins: TokenCodec::new(
                session_key.derive(KeyPurpose::FacilityAdmin)?,
                FACILITY_ADMIN_TOKEN_PREFIX,
                MAX_FACILITY_ADMIN_TOKEN_LEN,
                FACILITY_ADMIN_LIFETIME_SECS,
            ),
        })
    }

    /// Checks an `Authorization: Bearer <credential>` header value: the operator's token or a live facility admin
    /// credential. Every failure is the one `unauthorized`, so a caller learns nothing about which part was wrong.
    pub fn authenticate(&self, authorization: Option<&str>, now_unix: i64) -> Result<AdminActor, EdgeError> {
        let given = bearer_token(authorization).map_err(|_| EdgeError::AdminUnauthorized)?;
        if given.starts_with(FACILITY_ADMIN_TOKEN_PREFIX) {
            let claims: FacilityAdminClaims =
                self.facility_admins.open(given, now_unix).map_err(|_| EdgeError::AdminUnauthorized)?;
            let facility = FacilityCode::parse(&claims.facility).map_err(|_| EdgeError::AdminUnauthorized)?;
            return Ok(AdminActor::Facility { facility, holder: claims.holder });
        }
        let expected = self.operator_token_hash.as_ref().ok_or(EdgeError::AdminUnauthorized)?;
        let given_hash = Sha256::digest(given.as_bytes());
        if bool::from(given_hash.as_slice().ct_eq(expected.expose())) {
            Ok(AdminActor::Operator { id: self.operator_id.clone() })
        } else {
            Err(EdgeError::AdminUnauthorized)
        }
    }

    /// A facility admin credential for `facility`, held by `holder`, live from `now_unix`; answers it with its
    /// expiry. The caller has checked that the operator asks.
    pub fn issue_facility_admin(
        &self,
        facility: &FacilityCode,
        holder: &Identifier,
        now_unix: i64,
    ) -> Result<(SessionToken, i64), EdgeError> {
        let expires_at = now_unix.saturating_add(FACILITY_ADMIN_LIFETIME_SECS);
        let claims = FacilityAdminClaims {
            facility: facility.as_str().to_owned(),
            holder: holder.as_str().to_owned(),
            iat: now_unix,
            exp: expires_at,
        };
        Ok((self.facility_admins.seal(&claims)?, expires_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "admin-token-for-edge-tests-0001";
    const NOW: i64 = 1_780_000_000;

    fn session_key() -> SecretBytes {
        SecretBytes::new(vec![7; 32])
    }

    fn credentials() -> AdminCredentials {
        AdminCredentials::new(Some(SecretBytes::new(TOKEN.as_bytes().to_vec())), Some("ops-tanaka"), &session_key())
            .unwrap()
    }

    fn facility(code: &str) -> FacilityCode {
        FacilityCode::parse(code).unwrap()
    }

    #[test]
    fn only_the_configured_token_opens_the_admin_routes_for_the_operator() {
        let admin = credentials();
        let actor = admin.authenticate(Some(&format!("Bearer {TOKEN}")), NOW).unwrap();
        assert_eq!(actor, AdminActor::Operator { id: "ops-tanaka".into() });
        assert_eq!(actor.audit_name(), "operator:ops-tanaka");
        for bad in
            [None, Some("Bearer"), Some("Bearer wrong"), Some(TOKEN), Some("Basic YWRtaW4="), Some("Bearer fadmin.x.y")]
        {
            assert_eq!(admin.authenticate(bad, NOW), Err(EdgeError::AdminUnauthorized), "{bad:?}");
        }
        assert!(!format!("{admin:?}").contains(TOKEN));
    }

    #[test]
    fn no_token_closes_the_routes_and_short_tokens_or_odd_operator_ids_are_refused() {
        let closed = AdminCredentials::new(None, None, &session_key()).unwrap();
        assert_eq!(closed.authenticate(Some(&format!("Bearer {TOKEN}")), NOW), Err(EdgeError::AdminUnauthorized));
        let short = AdminCredentials::new(Some(SecretBytes::new(b"short".to_vec())), None, &session_key());
        assert!(matches!(short, Err(EdgeError::Config(_))));
        let odd = AdminCredentials::new(None, Some("two\nlines"), &session_key());
        assert!(matches!(odd, Err(EdgeError::Config(_))));
        let default = AdminCredentials::new(Some(SecretBytes::new(TOKEN.as_bytes().to_vec())), None, &session_key());
        let actor = default.unwrap().authenticate(Some(&format!("Bearer {TOKEN}")), NOW).unwrap();
        assert_eq!(actor.audit_name(), "operator:operator");
    }

    #[test]
    fn a_facility_admin_acts_for_its_own_facility_only() {
        let admin = credentials();
        let holder = Identifier::parse("事務長 佐藤").unwrap();
        let (token, expires_at) = admin.issue_facility_admin(&facility("0110113719"), &holder, NOW).unwrap();
        assert_eq!(expires_at, NOW + FACILITY_ADMIN_LIFETIME_SECS);
        let actor = admin.authenticate(Some(&format!("Bearer {}", token.expose())), NOW + 10).unwrap();
        assert_eq!(actor.audit_name(), "facility-admin:0110113719:事務長 佐藤");
        assert_eq!(actor.may_act_for("0110113719"), Ok(()));
        assert_eq!(actor.may_act_for("1312345679"), Err(EdgeError::AdminForbidden));
        assert_eq!(actor.must_be_operator(), Err(EdgeError::AdminForbidden));
        let operator = admin.authenticate(Some(&format!("Bearer {TOKEN}")), NOW).unwrap();
        assert_eq!(operator.may_act_for("1312345679"), Ok(()));
        assert_eq!(operator.must_be_operator(), Ok(()));
    }

    #[test]
    fn a_facility_admin_credential_expires_and_cannot_be_altered_or_moved_to_another_key() {
        let admin = credentials();
        let holder = Identifier::parse("it-vendor-3").unwrap();
        let (token, expires_at) = admin.issue_facility_admin(&facility("0110113719"), &holder, NOW).unwrap();
        let header = format!("Bearer {}", token.expose());
        assert_eq!(admin.authenticate(Some(&header), expires_at), Err(EdgeError::AdminUnauthorized));
        // One character of the claims changed: the MAC no longer holds.
        let mut forged = token.expose().to_owned();
        let at = FACILITY_ADMIN_TOKEN_PREFIX.len() + 3;
        let replacement = if forged.as_bytes()[at] == b'A' { "B" } else { "A" };
        forged.replace_range(at..=at, replacement);
        assert_eq!(admin.authenticate(Some(&format!("Bearer {forged}")), NOW), Err(EdgeError::AdminUnauthorized));
        // Another deployment's key (another SESSION_KEY) does not accept it.
        let other = AdminCredentials::new(None, None, &SecretBytes::new(vec![8; 32])).unwrap();
        assert_eq!(other.authenticate(Some(&header), NOW), Err(EdgeError::AdminUnauthorized));
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
