//! The 特定疾病療養受療証 of one by-number answer as staff see them, whichever path answered (onshi's own, or the
//! facility's 資格確認端末): for each, its category in words, or 「同意なし」 when the answer left the category out,
//! with its period and monthly limit ([`crate::text::disease_category_text`], [`crate::text::disease_details`]).
//!
//! Layer: user interface (one Yew component). Must not: decide whether the category is shown (the origin, and for
//! the terminal's answers the bridge, left it out without the patient's live 特定疾病 consent).

use onshi_proto::qualification::SpecificDiseaseCertificate;
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::text::{disease_category_text, disease_details};

/// Properties of [`SpecificDiseaseList`].
#[derive(Properties, PartialEq)]
pub struct SpecificDiseaseListProps {
    /// The answer's certificates.
    pub certificates: Vec<SpecificDiseaseCertificate>,
    /// The console's language.
    pub lang: Lang,
}

/// One list item per certificate.
#[function_component(SpecificDiseaseList)]
pub fn specific_disease_list(props: &SpecificDiseaseListProps) -> Html {
    let lang = props.lang;
    html! {
        <ul>
            { for props.certificates.iter().map(|d| html! {
                <li class="specific-disease" data-category={d.disease_category.clone()}
                    data-consent={if d.disease_category.is_empty() { "none" } else { "given" }}>
                    <span class="category">{ disease_category_text(lang, &d.disease_category) }</span>
                    { for disease_details(lang, d).into_iter().map(|detail| html! { <span class="detail">{ detail }</span> }) }
                </li>
            }) }
        </ul>
    }
}
