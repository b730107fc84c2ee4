//! What a patient takes back, on the wire: the consents they gave one facility (同意の撤回), and the link of their
//! card to their insurance (健康保険証利用登録の解除, possible since 2024-10).
//!
//! Flow of a withdrawal: the patient, after card + PIN at a kiosk, `POST` [`CONSENT_WITHDRAWAL_PATH`] (card session);
//! or staff of the facility, at the patient's request at the counter, `POST` [`STAFF_CONSENT_WITHDRAWAL_PATH`] for
//! one of the day's check-ins (staff session). Either way the edge sends the origin one [`ConsentWithdrawal`] to
//! [`ORIGIN_CONSENT_WITHDRAWAL_PATH`], naming the facility from the credential, never from the body; every consent
//! of that person to that facility stops at once, and a new consent given later counts again.
//!
//! Flow of a cancellation: after card + PIN at a registration point, `POST` [`REGISTRATION_CANCEL_PATH`] with
//! [`RegistrationCancelSubmission`]; the origin removes the link ([`ORIGIN_REGISTRATION_CANCEL_PATH`]), so the next
//! check-in with the card answers 該当資格なし until the card is registered again.

use serde::{Deserialize, Serialize};

use crate::certificate::CertificateRef;
use crate::certificate_expiry::CardScope;
use crate::facility::FacilityCode;
use crate::identifier::Identifier;
use crate::origin::ConsentKind;

/// Kiosk → edge: the card session's holder withdraws every consent they gave the kiosk's facility.
pub const CONSENT_WITHDRAWAL_PATH: &str = "/api/v1/consent/withdraw";
/// Staff console → edge: staff record the withdrawal a patient asked for at the counter.
pub const STAFF_CONSENT_WITHDRAWAL_PATH: &str = "/api/v1/staff/consent/withdraw";
/// Kiosk → edge: the card session's holder cancels their 健康保険証利用登録.
pub const REGISTRATION_CANCEL_PATH: &str = "/api/v1/registration/cancel";
/// Edge → origin: record a withdrawal.
pub const ORIGIN_CONSENT_WITHDRAWAL_PATH: &str = "/v1/consent/withdraw";
/// Edge → origin: remove a card's link to its holder's insured records.
pub const ORIGIN_REGISTRATION_CANCEL_PATH: &str = "/v1/registration/cancel";

/// Body of `POST` [`CONSENT_WITHDRAWAL_PATH`] (`Authorization: Bearer <session token>`, with the device proof).
/// The card comes from the session and the facility from the device.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentWithdrawalSubmission {
    /// The patient read what withdrawing means and confirmed it; the edge refuses the request otherwise.
    pub confirmed: bool,
}

/// Body of `POST` [`STAFF_CONSENT_WITHDRAWAL_PATH`] (`Authorization: Bearer <staff token>`). The facility comes from
/// the staff session; the check-in must be one of that facility's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffConsentWithdrawal {
    /// The check-in row ([`crate::origin::CheckIn::id`]) of the patient who asked.
    pub checkin_id: Identifier,
}

/// Body of `POST` [`REGISTRATION_CANCEL_PATH`] (`Authorization: Bearer <session token>`, with the device proof).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistrationCancelSubmission {
    /// The card holder read what cancelling means and confirmed it; the edge refuses the request otherwise.
    pub confirmed: bool,
}

/// Whose consents are withdrawn, and who asked for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WithdrawalBy {
    /// The card holder at a kiosk of the facility, proven by the edge's card session.
    Card {
        /// The card holder's certificate, as verified by the edge.
        certificate: CertificateRef,
        /// The kiosk.
        device_id: Identifier,
    },
    /// Staff of the facility, for the patient of one of its check-ins.
    Staff {
        /// The check-in row of the patient who asked.
        checkin_id: Identifier,
        /// The staff session's id.
        staff_id: Identifier,
    },
}

/// Body of `POST` [`ORIGIN_CONSENT_WITHDRAWAL_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentWithdrawal {
    /// 医療機関コード of the facility whose consents end, from the kiosk's or the staff session's credential.
    pub facility_code: FacilityCode,
    /// Who the patient is and who asked.
    pub by: WithdrawalBy,
}

/// Answer to a withdrawal, at the origin and at the edge alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentWithdrawn {
    /// The kinds that were live and have stopped now; empty when none was live (nothing was shared).
    pub withdrawn: Vec<ConsentKind>,
    /// When the withdrawal was recorded (Unix seconds).
    pub withdrawn_at: i64,
}

/// Body of `POST` [`ORIGIN_REGISTRATION_CANCEL_PATH`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistrationCancelRequest {
    /// The card holder's certificate, as verified by the edge.
    pub certificate: CertificateRef,
    /// 医療機関コード of the facility where the registration point stands.
    pub facility_code: FacilityCode,
    /// The registration point.
    pub device_id: Identifier,
    /// What the edge's card session may do. Cancelling only takes access away, so a certificate in its grace
    /// period may cancel too; the scope is kept for the audit trail.
    #[serde(default)]
    pub scope: CardScope,
}

/// What a cancellation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum RegistrationCancelOutcome {
    /// The card was linked and no longer is.
    Cancelled,
    /// The card was not linked; nothing changed.
    NotRegistered,
}

crate::wire_enum::wire_text!(RegistrationCancelOutcome);

/// Answer to a cancellation, at the origin and at the edge alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationCancelAnswer {
    /// What happened.
    pub outcome: RegistrationCancelOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withdrawal_names_one_kind_of_asker_and_nothing_else() {
        let by_staff: ConsentWithdrawal = serde_json::from_str(
            r#"{"facility_code":"0110113719","by":{"staff":{"checkin_id":"c1","staff_id":"s1"}}}"#,
        )
        .unwrap();
        assert!(matches!(by_staff.by, WithdrawalBy::Staff { .. }));
        for bad in [
            // A facility with a wrong check digit.
            r#"{"facility_code":"0110113710","by":{"staff":{"checkin_id":"c1","staff_id":"s1"}}}"#,
            // A staff withdrawal that also names a certificate.
            r#"{"facility_code":"0110113719","by":{"staff":{"checkin_id":"c1","staff_id":"s1","certificate":{}}}}"#,
            // An empty check-in id.
            r#"{"facility_code":"0110113719","by":{"staff":{"checkin_id":"","staff_id":"s1"}}}"#,
        ] {
            assert!(serde_json::from_str::<ConsentWithdrawal>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_kiosk_bodies_take_a_confirmation_only() {
        assert!(serde_json::from_str::<ConsentWithdrawalSubmission>(r#"{"confirmed":true}"#).is_ok());
        assert!(
            serde_json::from_str::<RegistrationCancelSubmission>(
                r#"{"confirmed":true,"certificate":{"issuer":"CN=x","serial":"01"}}"#
            )
            .is_err()
        );
        assert_eq!(RegistrationCancelOutcome::NotRegistered.as_str(), "not_registered");
    }
}
