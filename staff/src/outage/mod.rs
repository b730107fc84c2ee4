//! The 被保険者資格申立書 path for when the qualification service cannot answer (issue 15 item 6): the facility
//! charges the patient's normal share on what the patient declares, never 10割, and checks it once the service is
//! back.
//!
//! Pure rooms, tested natively: [`detection`] (when the console counts the service as down, and back), [`capture`]
//! (what the 申立書 asks, read strictly from the form), [`reconcile`] (how a capture compares with the
//! qualification found later, and the figures staff see). The browser's storage, encrypted under a non-extractable
//! key, is the adapter `vault.rs`; the captures a kiosk read from a patient's card and sealed to this console reach
//! it through `kiosk_inbox.rs`, which files them in the vault; the screens are `declaration_form.rs` (the form) and `declaration_list.rs` (the
//! list, its figures and each one's printable summary), composed with the re-checks by `panel.rs`.

pub mod capture;
pub mod detection;
pub mod reconcile;

#[cfg(target_arch = "wasm32")]
pub(crate) mod declaration_form;
#[cfg(target_arch = "wasm32")]
pub(crate) mod declaration_list;
#[cfg(target_arch = "wasm32")]
pub(crate) mod kiosk_inbox;
#[cfg(target_arch = "wasm32")]
pub(crate) mod panel;
#[cfg(target_arch = "wasm32")]
pub(crate) mod vault;

#[cfg(test)]
mod tests {
    use onshi_proto::qualification::Sex;
    use onshi_web::i18n::Lang;

    use crate::form::FormProblem;
    use crate::outage::capture::DeclarationProblem;
    use crate::text::t;

    #[test]
    fn every_key_the_outage_screens_choose_exists_in_every_language() {
        let mut keys: Vec<String> = [
            DeclarationProblem::Name,
            DeclarationProblem::BirthDate,
            DeclarationProblem::Sex,
            DeclarationProblem::Address,
            DeclarationProblem::InsurerName,
            DeclarationProblem::NumberWithoutInsurer,
            DeclarationProblem::Number(FormProblem::Branch),
        ]
        .iter()
        .map(|problem| problem.key().to_owned())
        .collect();
        keys.extend(Sex::ALL.iter().map(|sex| format!("staff.declaration.sex.{}", sex.as_str())));
        keys.extend(
            ["pending", "unlookable", "from_kiosk", "confirmed", "changed", "lost", "not_found"]
                .map(|s| format!("staff.recheck.{s}")),
        );
        keys.push(crate::error::StaffError::Unreadable.key().to_owned());
        keys.extend(
            ["done", "done_confirm", "done_yes", "done_no", "print", "figures", "none", "from_kiosk", "kiosk_unopened"]
                .map(|s| format!("staff.declarations.{s}")),
        );
        for lang in Lang::ALL {
            for key in &keys {
                assert_ne!(t(lang, key), *key, "{lang:?} has no text for {key}");
            }
        }
    }
}
