//! The enrolment form of a browser app that holds no device identity yet (the staff console, the insurer console):
//! one field for the one-time code an administrator issued for that kind of device, handed on once and wiped from
//! the field at once.
//!
//! Must not: keep the code after it is handed on, or know which app it serves: the app passes the screen's name and
//! its own texts, already in the page's language.

use yew::prelude::*;

use crate::i18n::Lang;

/// The form's texts, in the page's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolmentTexts {
    /// The heading.
    pub heading: String,
    /// What the code is and who issues it.
    pub intro: String,
    /// The code field's label.
    pub code_label: String,
    /// The button.
    pub submit: String,
}

impl EnrolmentTexts {
    /// The texts an app keeps under one key prefix: `lookup` gets each part's name (`heading`, `intro`,
    /// `code_label`, `submit`) and answers with the app's text for it, in the page's language.
    pub fn read(lookup: impl Fn(&str) -> String) -> Self {
        Self {
            heading: lookup("heading"),
            intro: lookup("intro"),
            code_label: lookup("code_label"),
            submit: lookup("submit"),
        }
    }
}

/// The enrolment form's inputs.
#[derive(Debug, Properties, PartialEq)]
pub struct EnrolmentFormProps {
    /// The `data-screen` name of the page (`staff-enrol`, `insurer-enrol`).
    pub screen: &'static str,
    /// The page's language.
    pub lang: Lang,
    /// The form's texts.
    pub texts: EnrolmentTexts,
    /// Why the last attempt failed, or why the device must be enrolled again, in the page's language.
    pub problem: Option<String>,
    /// True while the code is being sent.
    pub busy: bool,
    /// Fired with the typed code.
    pub on_enrol: Callback<String>,
}

/// The enrolment form.
#[function_component(EnrolmentForm)]
pub fn enrolment_form(props: &EnrolmentFormProps) -> Html {
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
    let texts = &props.texts;
    html! {
        <main data-screen={props.screen} lang={props.lang.tag()}>
            <form class="login" {onsubmit} aria-labelledby="enrol-heading">
                <h2 id="enrol-heading">{ &texts.heading }</h2>
                <p>{ &texts.intro }</p>
                <label for="enrol-code">{ &texts.code_label }</label>
                <input id="enrol-code" ref={code} autocomplete="one-time-code" autocapitalize="characters"
                       spellcheck="false" required=true
                       aria-describedby={props.problem.is_some().then_some("enrol-error")} />
                <button id="enrol-submit" class="primary" type="submit" disabled={props.busy}>
                    { &texts.submit }
                </button>
                if let Some(problem) = &props.problem {
                    <p id="enrol-error" role="alert" class="warning">{ problem }</p>
                }
            </form>
        </main>
    }
}
