//! The enrolment screen: a browser that holds no staff console identity yet asks for the one-time code the
//! facility admin issued for a staff console (a kiosk's code is refused, as this code cannot enrol a kiosk).
//!
//! Must not: keep the code after it is handed to the console, which sends it once and wipes it.

use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::text::t;

/// The enrolment screen's inputs.
#[derive(Properties, PartialEq)]
pub struct EnrolmentProps {
    /// The page's language.
    pub lang: Lang,
    /// Why the last attempt failed, or why the console must be enrolled again, as a text key.
    pub problem: Option<&'static str>,
    /// True while the code is being sent.
    pub busy: bool,
    /// Fired with the typed code.
    pub on_enrol: Callback<String>,
}

/// The enrolment form.
#[function_component(Enrolment)]
pub fn enrolment(props: &EnrolmentProps) -> Html {
    let lang = props.lang;
    let code = use_node_ref();
    let onsubmit = {
        let code = code.clone();
        let on_enrol = props.on_enrol.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if let Some(input) = code.cast::<web_sys::HtmlInputElement>() {
                let typed = input.value().trim().to_owned();
                input.set_value("");
                if !typed.is_empty() {
                    on_enrol.emit(typed);
                }
            }
        })
    };
    html! {
        <main data-screen="staff-enrol" lang={lang.tag()}>
            <form class="login" {onsubmit} aria-labelledby="enrol-heading">
                <h2 id="enrol-heading">{ t(lang, "staff.enrol.heading") }</h2>
                <p>{ t(lang, "staff.enrol.intro") }</p>
                <label for="enrol-code">{ t(lang, "staff.enrol.code_label") }</label>
                <input id="enrol-code" ref={code} autocomplete="one-time-code" autocapitalize="characters"
                       spellcheck="false" required=true
                       aria-describedby={props.problem.is_some().then_some("enrol-error")} />
                <button id="enrol-submit" class="primary" type="submit" disabled={props.busy}>
                    { t(lang, "staff.enrol.submit") }
                </button>
                if let Some(key) = props.problem {
                    <p id="enrol-error" role="alert" class="warning">{ t(lang, key) }</p>
                }
            </form>
        </main>
    }
}
