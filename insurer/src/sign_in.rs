//! The sign-in screen: the insurer's credential and the clerk's own name, which the edge records with every
//! decision the clerk makes. Also where the page returns when a session ends, saying why (signed out, 15 idle
//! minutes, or ended at the edge).
//!
//! Must not: keep the credential (the field is emptied as it is handed over) or put it anywhere but the call.

use onshi_proto::identifier::Identifier;
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::text::t;

/// The sign-in screen's inputs.
#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// The page's language.
    pub lang: Lang,
    /// Why the page is here (a session ended) or why the last attempt failed, as a text key.
    pub notice: Option<&'static str>,
    /// True while the credential is being checked.
    pub busy: bool,
    /// Fired with the credential and the clerk's name.
    pub on_sign_in: Callback<(String, Identifier)>,
}

/// The sign-in form.
#[function_component(SignIn)]
pub fn sign_in(props: &SignInProps) -> Html {
    let lang = props.lang;
    let credential = use_node_ref();
    let clerk = use_node_ref();
    let clerk_problem = use_state(|| false);
    let onsubmit = {
        let (credential, clerk, clerk_problem) = (credential.clone(), clerk.clone(), clerk_problem.clone());
        let on_sign_in = props.on_sign_in.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (Some(credential), Some(clerk)) =
                (credential.cast::<web_sys::HtmlInputElement>(), clerk.cast::<web_sys::HtmlInputElement>())
            else {
                return;
            };
            let Ok(name) = Identifier::parse(clerk.value().trim()) else {
                clerk_problem.set(true);
                onshi_web::page::focus("clerk-name");
                return;
            };
            clerk_problem.set(false);
            let secret = credential.value();
            credential.set_value("");
            on_sign_in.emit((secret, name));
        })
    };
    let described = |problem: bool, id: &'static str| problem.then_some(id);
    html! {
        <main data-screen="insurer-sign-in" lang={lang.tag()}>
            <form class="login" {onsubmit} aria-labelledby="sign-in-heading" novalidate=true>
                <h2 id="sign-in-heading">{ t(lang, "insurer.sign_in.heading") }</h2>
                if let Some(key) = props.notice {
                    <p id="sign-in-notice" role="alert" class="warning">{ t(lang, key) }</p>
                }
                <label for="insurer-credential">{ t(lang, "insurer.sign_in.credential_label") }</label>
                <input id="insurer-credential" ref={credential} type="password" autocomplete="off" spellcheck="false"
                       required=true aria-describedby={described(props.notice.is_some(), "sign-in-notice")} />
                <label for="clerk-name">{ t(lang, "insurer.sign_in.clerk_label") }</label>
                <input id="clerk-name" ref={clerk} autocomplete="name" required=true
                       aria-invalid={(*clerk_problem).to_string()}
                       aria-describedby={described(*clerk_problem, "clerk-error")} />
                if *clerk_problem {
                    <p id="clerk-error" role="alert" class="warning">{ t(lang, "insurer.sign_in.clerk_invalid") }</p>
                }
                <button id="sign-in-submit" class="primary" type="submit" disabled={props.busy}>
                    { t(lang, "insurer.sign_in.submit") }
                </button>
            </form>
        </main>
    }
}
