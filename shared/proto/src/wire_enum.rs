//! One spelling per variant of every wire enum, shared by serde, SQL text columns, audit outcome codes and the
//! HTML `data-*` attributes the user interfaces write.
//!
//! Each enum derives serde with `rename_all = "snake_case"` and strum with `serialize_all = "snake_case"`;
//! [`wire_text!`] gives it `as_str()` and `ALL` from the strum derive, and `FromStr` comes from strum too. The tests
//! below hold the two derives to one spelling for every variant, so no tier writes a `match` from enum to text.

/// Gives a wire enum `as_str()` (its wire name) and `ALL` (every variant), from its strum derives.
macro_rules! wire_text {
    ($name:ident) => {
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

            /// The wire name: the same text serde writes, stored in text columns and written to `data-*`
            /// attributes.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}

pub(crate) use wire_text;

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use crate::ErrorCode;
    use crate::facility::FeeSchedule;
    use crate::origin::{
        AuthMethod, CertificateStatus, ConsentKind, PrescriptionFormat, RegistrationOutcome, VisualCheckReason,
        VisualCheckState,
    };
    use crate::qualification::{Guidance, LossReason, PersonalFamily, Reason, Sex, Validity};

    /// serde's text, `as_str()` and `FromStr` agree on every variant, and no two variants share a name.
    fn one_spelling<T>(all: &[T], as_str: fn(T) -> &'static str)
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + std::str::FromStr,
    {
        let mut seen = std::collections::BTreeSet::new();
        for &variant in all {
            let name = as_str(variant);
            assert_eq!(serde_json::to_value(variant).unwrap(), serde_json::Value::from(name), "{variant:?}");
            assert!(name.parse::<T>().ok() == Some(variant), "{name} does not parse back to {variant:?}");
            assert!(seen.insert(name), "{name} names two variants");
        }
        assert!(!all.is_empty());
    }

    #[test]
    fn every_wire_enum_has_one_spelling() {
        one_spelling(Validity::ALL, Validity::as_str);
        one_spelling(Reason::ALL, Reason::as_str);
        one_spelling(LossReason::ALL, LossReason::as_str);
        one_spelling(Guidance::ALL, Guidance::as_str);
        one_spelling(PersonalFamily::ALL, PersonalFamily::as_str);
        one_spelling(Sex::ALL, Sex::as_str);
        one_spelling(CertificateStatus::ALL, CertificateStatus::as_str);
        one_spelling(RegistrationOutcome::ALL, RegistrationOutcome::as_str);
        one_spelling(ConsentKind::ALL, ConsentKind::as_str);
        one_spelling(crate::certificate_expiry::CardScope::ALL, crate::certificate_expiry::CardScope::as_str);
        one_spelling(PrescriptionFormat::ALL, PrescriptionFormat::as_str);
        one_spelling(AuthMethod::ALL, AuthMethod::as_str);
        one_spelling(crate::api::DeviceRole::ALL, crate::api::DeviceRole::as_str);
        one_spelling(crate::bridge_health::BridgeAlert::ALL, crate::bridge_health::BridgeAlert::as_str);
        one_spelling(VisualCheckState::ALL, VisualCheckState::as_str);
        one_spelling(VisualCheckReason::ALL, VisualCheckReason::as_str);
        one_spelling(ErrorCode::ALL, ErrorCode::as_str);
        one_spelling(FeeSchedule::ALL, FeeSchedule::as_str);
        one_spelling(
            crate::qualification::SpecificDiseaseConsent::ALL,
            crate::qualification::SpecificDiseaseConsent::as_str,
        );
        one_spelling(crate::access_log::AccessKind::ALL, crate::access_log::AccessKind::as_str);
        one_spelling(crate::public_expense::PublicExpenseKind::ALL, crate::public_expense::PublicExpenseKind::as_str);
        one_spelling(crate::public_expense::TicketKind::ALL, crate::public_expense::TicketKind::as_str);
        one_spelling(crate::batch_report::RowErrorCode::ALL, crate::batch_report::RowErrorCode::as_str);
    }

    #[test]
    fn an_unknown_name_is_refused() {
        assert!("Valid".parse::<Validity>().is_err());
        assert!("".parse::<Sex>().is_err());
        assert_eq!("invalid_newer_exists".parse::<Validity>().unwrap(), Validity::InvalidNewerExists);
    }

    /// The OpenAPI document lists the same names: its enum schemas come from the serde attributes.
    #[cfg(feature = "openapi")]
    #[test]
    fn the_api_document_spells_enums_the_same_way() {
        use utoipa::PartialSchema as _;

        let schema = serde_json::to_value(Validity::schema()).unwrap();
        let names: Vec<&str> = Validity::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(schema["enum"], serde_json::json!(names), "{schema}");
    }
}
