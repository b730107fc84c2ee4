//! The end of a 健康保険証利用登録: linked (or already linked), or why it could not be.

use onshi_proto::origin::RegistrationOutcome;
use yew::prelude::*;

use crate::i18n::{Lang, text};

/// The registration's `outcome` and the request to take the card.
pub fn registered(lang: Lang, outcome: RegistrationOutcome) -> Html {
    let t = |key: &str| text(lang, key);
    let (key, done) = match outcome {
        RegistrationOutcome::Registered => ("register.registered", true),
        RegistrationOutcome::AlreadyRegistered => ("register.already", true),
        RegistrationOutcome::NoInsuredRecord => ("register.no_record", false),
        RegistrationOutcome::CertificateNotUsable => ("register.not_usable", false),
    };
    html! {
        <section aria-labelledby="heading" class="registered" id="registered" data-outcome={format!("{outcome:?}")}>
            <h2 id="heading" tabindex="-1">{ t("register.done_heading") }</h2>
            <p class={if done { "done" } else { "guidance" }} role="status">{ t(key) }</p>
            <p class="remove">{ t("result.remove_card") }</p>
        </section>
    }
}
