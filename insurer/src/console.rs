//! The insurer console page (`/insurer`): enrols the PC once ([`EnrolmentForm`]), signs the clerk in ([`SignIn`]),
//! then shows the notices ([`Inbox`], one opened in [`NoticeView`]) or the batch upload ([`BatchUpload`]) under a
//! header naming the clerk and their insurer, with the idle rule said and kept ([`crate::idle`]).
//!
//! The session token lives in this component's state only: a reload signs the clerk out, and nothing but the
//! device identity (its non-extractable key) is written to storage. Every screen change marks
//! `onshi:insurer:<name>` on the page's performance timeline, as the other apps do.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use onshi_proto::ErrorCode;
use onshi_proto::api::{DeviceRole, ENROL_PATH};
use onshi_proto::identifier::Identifier;
use onshi_web::device::{Device, DeviceStore};
use onshi_web::enrolment_form::{EnrolmentForm, EnrolmentTexts};
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::batch_upload::BatchUpload;
use crate::client::{self, Session};
use crate::idle::{CHECK_INTERVAL_MS, has_lapsed, minutes_left};
use crate::inbox::Inbox;
use crate::notice_view::NoticeView;
use crate::sign_in::SignIn;
use crate::text::{INSURER, error_key, t};

/// The console's IndexedDB database, apart from the kiosk's on the same browser profile.
const STORE: DeviceStore = DeviceStore::new("onshi-insurer-console", DeviceRole::InsurerConsole);

/// The languages of the console.
const LANGS: [Lang; 2] = [Lang::Ja, Lang::En];

/// Whether this PC holds an enrolled device identity.
#[derive(Clone, PartialEq)]
enum DeviceState {
    Loading,
    NotEnrolled { problem: Option<&'static str>, busy: bool },
    Enrolled(Device),
}

/// A signed-in clerk.
#[derive(Clone, PartialEq)]
struct SignedIn {
    session: Session,
    insurer_number: String,
    clerk: String,
}

/// What the signed-in clerk looks at.
#[derive(Clone, PartialEq)]
enum View {
    Inbox,
    Notice(String),
    Upload,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn mark(name: &str) {
    onshi_web::page::mark(onshi_web::page::INSURER_SCREEN, name);
}

/// The insurer console.
#[function_component(InsurerConsole)]
pub fn insurer_console() -> Html {
    let lang = use_state(|| Lang::Ja);
    let device = use_state(|| DeviceState::Loading);
    let signed_in = use_state(|| None::<SignedIn>);
    let signing_in = use_state(|| false);
    let notice = use_state(|| None::<&'static str>);
    let view = use_state(|| View::Inbox);
    let last_action = use_mut_ref(now_ms);
    let left = use_state(|| crate::idle::IDLE_MINUTES);

    {
        let device = device.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                device.set(match STORE.load().await {
                    Ok(Some(loaded)) => DeviceState::Enrolled(loaded),
                    _ => DeviceState::NotEnrolled { problem: None, busy: false },
                });
            });
        });
    }

    // Leaves the signed-in screens, saying why.
    let end_session = {
        let (signed_in, notice, view) = (signed_in.clone(), notice.clone(), view.clone());
        Callback::from(move |why: &'static str| {
            signed_in.set(None);
            view.set(View::Inbox);
            notice.set(Some(why));
            mark("sign-in");
        })
    };
    let on_session_lost = {
        let end_session = end_session.clone();
        Callback::from(move |_: ErrorCode| end_session.emit("insurer.ended.session"))
    };

    // The idle rule: the page counts the edge's 15 minutes from the clerk's last action.
    {
        let (last_action, left, end_session) = (last_action.clone(), left.clone(), end_session.clone());
        use_effect_with(signed_in.is_some(), move |signed| {
            let interval = signed.then(|| {
                *last_action.borrow_mut() = now_ms();
                left.set(crate::idle::IDLE_MINUTES);
                Interval::new(CHECK_INTERVAL_MS, move || {
                    let last = *last_action.borrow();
                    if has_lapsed(last, now_ms()) {
                        end_session.emit("insurer.ended.idle");
                    } else {
                        left.set(minutes_left(last, now_ms()));
                    }
                })
            });
            move || drop(interval)
        });
    }
    let on_activity = {
        let last_action = last_action.clone();
        Callback::from(move |_: ()| *last_action.borrow_mut() = now_ms())
    };

    let on_enrol = {
        let device = device.clone();
        Callback::from(move |code: String| {
            let device = device.clone();
            device.set(DeviceState::NotEnrolled { problem: None, busy: true });
            wasm_bindgen_futures::spawn_local(async move {
                let mut code = zeroize::Zeroizing::new(code);
                let enrolled = STORE.enrol(ENROL_PATH, code.as_str()).await;
                code.clear();
                device.set(match enrolled {
                    Ok(enrolled) => {
                        mark("sign-in");
                        DeviceState::Enrolled(enrolled)
                    }
                    Err(_) => DeviceState::NotEnrolled { problem: Some("insurer.enrol.failed"), busy: false },
                });
            });
        })
    };

    let on_sign_in = {
        let (device, signed_in, signing_in, notice) =
            (device.clone(), signed_in.clone(), signing_in.clone(), notice.clone());
        Callback::from(move |(credential, clerk): (String, Identifier)| {
            let DeviceState::Enrolled(enrolled) = (*device).clone() else { return };
            let (device, signed_in, signing_in, notice) =
                (device.clone(), signed_in.clone(), signing_in.clone(), notice.clone());
            signing_in.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let name = clerk.as_str().to_owned();
                let answer = client::login(&enrolled, credential, clerk).await;
                signing_in.set(false);
                match answer {
                    Ok(opened) => {
                        notice.set(None);
                        signed_in.set(Some(SignedIn {
                            session: Session { device: enrolled, token: opened.insurer_token.clone() },
                            insurer_number: opened.insurer_number.as_str().to_owned(),
                            clerk: name,
                        }));
                        mark("inbox");
                    }
                    // The edge no longer knows this PC: forget it, so that the enrolment screen asks for a new code.
                    Err(ErrorCode::DeviceNotEnrolled) => {
                        let _ = STORE.forget().await;
                        device.set(DeviceState::NotEnrolled {
                            problem: Some(error_key(ErrorCode::DeviceNotEnrolled)),
                            busy: false,
                        });
                    }
                    Err(code) => notice.set(Some(error_key(code))),
                }
            });
        })
    };

    let on_sign_out = {
        let (signed_in, end_session) = (signed_in.clone(), end_session.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(current) = (*signed_in).clone() {
                let end_session = end_session.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    // Signed out on the page whatever the edge says: a token the edge cannot end lapses by itself.
                    let _ = client::logout(&current.session).await;
                    end_session.emit("insurer.ended.signed_out");
                });
            }
        })
    };

    // The page's language follows the switcher, so that a screen reader reads the whole page in it.
    use_effect_with(*lang, |lang| {
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", lang.tag());
        }
    });

    let lang_value = *lang;
    let header = html! {
        <header>
            <h1>{ t(lang_value, "insurer.title") }</h1>
            <nav class="langs" aria-label={t(lang_value, "insurer.lang_label")}>
                { for LANGS.iter().map(|&l| {
                    let lang = lang.clone();
                    html! {
                        <button type="button" lang={l.tag()} aria-pressed={(l == lang_value).to_string()}
                            onclick={Callback::from(move |_| lang.set(l))}>{ l.native_name() }</button>
                    }
                }) }
            </nav>
        </header>
    };

    let screen = match (&*device, (*signed_in).clone()) {
        (DeviceState::Loading, _) => html! {
            <main data-screen="insurer-loading" lang={lang_value.tag()}><p>{ t(lang_value, "insurer.loading") }</p></main>
        },
        (DeviceState::NotEnrolled { problem, busy }, _) => html! {
            <EnrolmentForm screen="insurer-enrol" lang={lang_value} busy={*busy} {on_enrol}
                texts={EnrolmentTexts::read(|part| t(lang_value, &format!("insurer.enrol.{part}")))}
                problem={problem.map(|key| t(lang_value, key))} />
        },
        (DeviceState::Enrolled(_), None) => html! {
            <SignIn lang={lang_value} notice={*notice} busy={*signing_in} on_sign_in={on_sign_in} />
        },
        (DeviceState::Enrolled(_), Some(current)) => {
            let go = |to: View| {
                let view = view.clone();
                Callback::from(move |_: MouseEvent| view.set(to.clone()))
            };
            let on_open = {
                let view = view.clone();
                Callback::from(move |id: String| {
                    view.set(View::Notice(id));
                    onshi_web::page::focus("notice-heading");
                })
            };
            let on_back = {
                let view = view.clone();
                Callback::from(move |_: ()| view.set(View::Inbox))
            };
            let (screen_name, body) = match &*view {
                View::Inbox => (
                    "insurer-inbox",
                    html! {
                        <Inbox session={current.session.clone()} lang={lang_value} on_open={on_open}
                            on_session_lost={on_session_lost.clone()} />
                    },
                ),
                View::Notice(id) => (
                    "insurer-notice",
                    html! {
                        <NoticeView key={id.clone()} session={current.session.clone()} lang={lang_value} id={id.clone()}
                            on_back={on_back} on_session_lost={on_session_lost.clone()} />
                    },
                ),
                View::Upload => (
                    "insurer-upload",
                    html! {
                        <BatchUpload session={current.session.clone()} lang={lang_value}
                            on_session_lost={on_session_lost.clone()} />
                    },
                ),
            };
            let current_page = |which: bool| which.then_some("page");
            html! {
                <main data-screen={screen_name} lang={lang_value.tag()}>
                    <div class="session">
                        <p id="signed-in-as">{ INSURER.fill(lang_value, "insurer.signed_in_as", &[
                            ("clerk", &current.clerk), ("insurer", &current.insurer_number),
                        ]) }</p>
                        <p id="idle-rule">{ INSURER.fill(lang_value, "insurer.idle_left", &[("minutes", &left.to_string())]) }</p>
                        <button id="sign-out" class="secondary" type="button" onclick={on_sign_out}>
                            { t(lang_value, "insurer.sign_out") }
                        </button>
                    </div>
                    <nav class="views" aria-label={t(lang_value, "insurer.nav.label")}>
                        <button id="nav-inbox" type="button" class="secondary"
                            aria-current={current_page(*view != View::Upload)} onclick={go(View::Inbox)}>
                            { t(lang_value, "insurer.nav.inbox") }
                        </button>
                        <button id="nav-upload" type="button" class="secondary"
                            aria-current={current_page(*view == View::Upload)} onclick={go(View::Upload)}>
                            { t(lang_value, "insurer.nav.upload") }
                        </button>
                    </nav>
                    { body }
                </main>
            }
        }
    };
    let activity = Rc::new(on_activity);
    let (on_click, on_key) = {
        let (a, b) = (activity.clone(), activity);
        (Callback::from(move |_: MouseEvent| a.emit(())), Callback::from(move |_: KeyboardEvent| b.emit(())))
    };
    html! {
        <div class="insurer-console" onclick={on_click} onkeydown={on_key}>
            { header }
            { screen }
        </div>
    }
}

/// Entry point of the insurer console's bundle: mounts the console on `<div id="app">`.
#[allow(unsafe_code)] // The #[wasm_bindgen] export expands to FFI glue.
mod entry {
    use wasm_bindgen::prelude::*;

    /// Mounts the insurer console.
    #[wasm_bindgen(start)]
    pub fn start_insurer_console() {
        let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
        match root {
            Some(root) => {
                yew::Renderer::<crate::console::InsurerConsole>::with_root(root).render();
            }
            None => {
                yew::Renderer::<crate::console::InsurerConsole>::new().render();
            }
        }
    }
}
