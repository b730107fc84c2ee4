//! The enrolment screen: a PC that holds no device identity yet asks for the one-time code an administrator issued
//! (a code for an insurer console, as a kiosk's code enrols a kiosk).
//!
//! The form itself is the shared one ([`onshi_web::enrolment_form`]); this names its screen and gives its texts.

use onshi_web::enrolment_form::{EnrolmentForm, EnrolmentTexts};
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::text::t;

/// The enrolment screen's inputs.
#[derive(Properties, PartialEq)]
pub struct EnrolmentProps {
    /// The page's language.
    pub lang: Lang,
    /// Why the last attempt failed, as a text key.
    pub problem: Option<&'static str>,
    /// True while the code is being sent.
    pub busy: bool,
    /// Fired with the typed code.
    pub on_enrol: Callback<String>,
}

/// The enrolment screen.
#[function_component(Enrolment)]
pub fn enrolment(props: &EnrolmentProps) -> Html {
    let lang = props.lang;
    let texts = EnrolmentTexts {
        heading: t(lang, "insurer.enrol.heading"),
        intro: t(lang, "insurer.enrol.intro"),
        code_label: t(lang, "insurer.enrol.code_label"),
        submit: t(lang, "insurer.enrol.submit"),
    };
    html! {
        <EnrolmentForm screen="insurer-enrol" {lang} {texts} problem={props.problem.map(|key| t(lang, key))}
            busy={props.busy} on_enrol={props.on_enrol.clone()} />
    }
}
