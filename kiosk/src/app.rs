//! The Yew UI: renders [`Screen`]s, owns the zeroizing PIN buffer, and starts the check-in task.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{UnboundedSender, unbounded};
use onshi_card::jpki::Pin;
use onshi_proto::qualification::{Guidance, PersonalFamily, QualificationAnswer, Validity};
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::i18n::{Lang, text, text_n};
use crate::session::{self, UiCommand};
use crate::state::{Action, PIN_LEN, Screen};

/// Bridge to the virtual reader module that demo and test builds ship at `/virtual-reader/`.
#[allow(unsafe_code)] // The #[wasm_bindgen] import block expands to FFI glue.
mod virtual_reader_js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
    const MODULE = '/virtual-reader/fake-usb.js';
    export async function virtual_reader_cards() {
      try {
        const head = await fetch(MODULE, { method: 'HEAD' });
        if (!head.ok) return [];
        const m = await import(MODULE);
        return await m.listCards();
      } catch (e) { return []; }
    }
    export async function install_virtual_reader(index) {
      const m = await import(MODULE);
      await m.installVirtualUsb({ cardIndex: index });
    }
    "#)]
    extern "C" {
        /// Labels of the demo cards when this deployment ships the virtual reader (demo and test builds), else empty.
        pub async fn virtual_reader_cards() -> JsValue;
        /// Replaces `navigator.usb` with the virtual reader holding demo card `index`.
        pub async fn install_virtual_reader(index: u32);
    }
}
use virtual_reader_js::{install_virtual_reader, virtual_reader_cards};

/// The reducer wrapper Yew needs around the pure [`Screen`] machine.
#[derive(Clone, Debug, PartialEq)]
struct ScreenState(Screen);

impl Reducible for ScreenState {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(ScreenState(self.0.clone().apply(action)))
    }
}

/// The PIN digits typed so far. Zeroized when cleared, submitted or dropped.
type PinBuffer = Rc<RefCell<Zeroizing<String>>>;

/// The kiosk application.
#[function_component(App)]
pub fn app() -> Html {
    let screen = use_reducer(|| ScreenState(Screen::Welcome));
    let lang = use_state(|| Lang::Ja);
    let pin: PinBuffer = use_mut_ref(|| Zeroizing::new(String::new()));
    let commands: Rc<RefCell<Option<UnboundedSender<UiCommand>>>> = use_mut_ref(|| None);
    let virtual_cards = use_state(Vec::<String>::new);
    let chosen_card = use_state(|| 0u32);

    {
        let virtual_cards = virtual_cards.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let labels = virtual_reader_cards().await;
                let labels: Vec<String> =
                    js_sys::Array::from(&labels).iter().filter_map(|v| v.as_string()).collect();
                virtual_cards.set(labels);
            });
        });
    }

    let dispatch = {
        let screen = screen.clone();
        Callback::from(move |action: Action| screen.dispatch(action))
    };

    let start = {
        let dispatch = dispatch.clone();
        let commands = commands.clone();
        let pin = pin.clone();
        move |use_virtual: Option<u32>| {
            pin.borrow_mut().clear();
            let (sender, receiver) = unbounded();
            if let Some(previous) = commands.borrow_mut().replace(sender) {
                let _ = previous.unbounded_send(UiCommand::Cancel);
            }
            dispatch.emit(Action::Connect);
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(index) = use_virtual {
                    install_virtual_reader(index).await;
                }
                session::run(dispatch, receiver).await;
            });
        }
    };

    let on_digit = {
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |digit: char| {
            let mut buffer = pin.borrow_mut();
            if buffer.len() < PIN_LEN {
                buffer.push(digit);
            }
            dispatch.emit(Action::PinTyped { entered: buffer.len() });
        })
    };
    let on_back = {
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            let mut buffer = pin.borrow_mut();
            buffer.pop();
            dispatch.emit(Action::PinTyped { entered: buffer.len() });
        })
    };
    let on_clear = {
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_| {
            pin.borrow_mut().clear();
            dispatch.emit(Action::PinTyped { entered: 0 });
        })
    };
    let on_submit = {
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        let commands = commands.clone();
        Callback::from(move |_| {
            // Take the digits out of the buffer; the old buffer is zeroized when the Zeroizing value drops.
            let digits = std::mem::replace(&mut *pin.borrow_mut(), Zeroizing::new(String::new()));
            dispatch.emit(Action::PinTyped { entered: 0 });
            let Ok(pin) = Pin::new(digits.as_str()) else { return };
            if let Some(sender) = commands.borrow().as_ref() {
                dispatch.emit(Action::PinTyped { entered: PIN_LEN });
                dispatch.emit(Action::PinSubmitted);
                let _ = sender.unbounded_send(UiCommand::SubmitPin(pin));
            }
        })
    };
    let on_reset = {
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        let commands = commands.clone();
        Callback::from(move |_| {
            pin.borrow_mut().clear();
            if let Some(sender) = commands.borrow_mut().take() {
                let _ = sender.unbounded_send(UiCommand::Cancel);
            }
            dispatch.emit(Action::Reset);
        })
    };

    let lang_value = *lang;
    let t = move |key: &str| text(lang_value, key);

    let body = match &screen.0 {
        Screen::Welcome => {
            let start_real = {
                let start = start.clone();
                Callback::from(move |_| start(None))
            };
            let virtual_section = if virtual_cards.is_empty() {
                html! {}
            } else {
                let start_virtual = {
                    let start = start.clone();
                    let chosen_card = chosen_card.clone();
                    Callback::from(move |_| start(Some(*chosen_card)))
                };
                let on_choose = {
                    let chosen_card = chosen_card.clone();
                    Callback::from(move |event: Event| {
                        if let Some(select) = event.target_dyn_into::<web_sys::HtmlSelectElement>() {
                            chosen_card.set(select.value().parse().unwrap_or(0));
                        }
                    })
                };
                html! {
                    <div class="virtual">
                        <label for="virtual-card">{ t("welcome.virtual_card") }</label>
                        <select id="virtual-card" onchange={on_choose}>
                            { for virtual_cards.iter().enumerate().map(|(i, label)| html! {
                                <option value={i.to_string()} selected={i as u32 == *chosen_card}>{ label.clone() }</option>
                            }) }
                        </select>
                        <button id="use-virtual" class="secondary" onclick={start_virtual}>{ t("welcome.virtual") }</button>
                    </div>
                }
            };
            html! {
                <section aria-labelledby="heading">
                    <h2 id="heading">{ t("welcome.heading") }</h2>
                    <p>{ t("welcome.body") }</p>
                    <button id="connect" class="primary" onclick={start_real}>{ t("welcome.connect") }</button>
                    { virtual_section }
                </section>
            }
        }
        Screen::Connecting => progress(&t("reader.connecting")),
        Screen::ReadingCard => progress(&t("card.reading")),
        Screen::PinEntry { tries_left, entered, last_was_wrong } => {
            let keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
            html! {
                <section aria-labelledby="heading" class="pin">
                    <h2 id="heading">{ t("pin.heading") }</h2>
                    <p class="hint">{ t("pin.hint") }</p>
                    if *last_was_wrong {
                        <p class="warning" role="alert">{ t("pin.wrong") }</p>
                    }
                    <p id="tries-left" class={classes!("tries", (*tries_left <= 1).then_some("danger"))}>
                        { text_n(lang_value, "pin.tries_left", tries_left) }
                    </p>
                    if *tries_left == 1 {
                        <p class="warning" role="alert">{ t("pin.last_try") }</p>
                    }
                    <div class="pin-dots" aria-live="polite" aria-label={text_n(lang_value, "pin.entered", entered)}>
                        { for (0..PIN_LEN).map(|i| html! { <span class={classes!("dot", (i < *entered).then_some("filled"))}></span> }) }
                    </div>
                    <div class="keypad">
                        { for keys.iter().map(|&k| key_button(k, on_digit.clone())) }
                        <button class="key" onclick={on_clear.clone()}>{ t("pin.clear") }</button>
                        { key_button('0', on_digit.clone()) }
                        <button class="key" onclick={on_back.clone()}>{ t("pin.back") }</button>
                    </div>
                    <button id="pin-submit" class="primary" disabled={*entered != PIN_LEN} onclick={on_submit.clone()}>
                        { t("pin.submit") }
                    </button>
                </section>
            }
        }
        Screen::Verifying => progress(&t("progress.verifying")),
        Screen::Authenticating => progress(&t("progress.authenticating")),
        Screen::Querying => progress(&t("progress.querying")),
        Screen::Result(answer) => result_view(lang_value, answer),
        Screen::Blocked => html! {
            <section aria-labelledby="heading" class="blocked" id="blocked">
                <h2 id="heading">{ t("blocked.heading") }</h2>
                <p>{ t("blocked.body") }</p>
                <p class="remove">{ t("result.remove_card") }</p>
            </section>
        },
        Screen::Failed(failure) => html! {
            <section aria-labelledby="heading" class="failed" id="failed" data-failure={format!("{failure:?}")}>
                <h2 id="heading">{ t("error.heading") }</h2>
                <p role="alert">{ t(failure.message_key()) }</p>
                if *failure == crate::state::Failure::ReaderRefusedCcid {
                    <p>{ t("reader.refused_next") }</p>
                }
            </section>
        },
    };

    let show_reset = !matches!(screen.0, Screen::Welcome);
    html! {
        <>
            <header>
                <h1>{ t("app.title") }</h1>
                <nav class="langs" aria-label={t("lang.label")}>
                    { for Lang::ALL.iter().map(|&l| {
                        let lang = lang.clone();
                        html! {
                            <button lang={l.tag()} aria-pressed={(l == lang_value).to_string()}
                                onclick={Callback::from(move |_| lang.set(l))}>{ l.native_name() }</button>
                        }
                    }) }
                </nav>
            </header>
            <main lang={lang_value.tag()} data-screen={screen_name(&screen.0)}>
                { body }
                if show_reset {
                    <button id="start-over" class="secondary" onclick={on_reset}>{ t("action.start_over") }</button>
                }
            </main>
        </>
    }
}

fn screen_name(screen: &Screen) -> &'static str {
    match screen {
        Screen::Welcome => "welcome",
        Screen::Connecting => "connecting",
        Screen::ReadingCard => "reading",
        Screen::PinEntry { .. } => "pin",
        Screen::Verifying => "verifying",
        Screen::Authenticating => "authenticating",
        Screen::Querying => "querying",
        Screen::Result(_) => "result",
        Screen::Blocked => "blocked",
        Screen::Failed(_) => "failed",
    }
}

fn progress(message: &str) -> Html {
    html! { <section class="progress" role="status" aria-live="polite"><div class="spinner"></div><p>{ message }</p></section> }
}

fn key_button(digit: char, on_digit: Callback<char>) -> Html {
    html! { <button class="key" data-digit={digit.to_string()} onclick={Callback::from(move |_| on_digit.emit(digit))}>{ digit }</button> }
}

fn result_view(lang: Lang, answer: &QualificationAnswer) -> Html {
    let t = |key: &str| text(lang, key);
    let validity_class = if answer.validity == Validity::Valid { "valid" } else { "invalid" };
    html! {
        <section aria-labelledby="heading" class="result" id="result" data-validity={format!("{:?}", answer.validity)}>
            <h2 id="heading">{ t("result.heading") }</h2>
            <p class={classes!("validity", validity_class)}>
                <span class="label">{ t("result.validity") }</span>
                <strong id="validity">{ answer.validity.label_ja() }</strong>
            </p>
            { for answer.records.iter().map(|record| html! {
                <dl class="record">
                    <dt>{ t("result.name") }</dt><dd>{ &record.name }</dd>
                    <dt>{ t("result.birth_date") }</dt><dd>{ record.birth_date.to_string() }</dd>
                    <dt>{ t("result.insurer") }</dt><dd>{ &record.insurer_name }</dd>
                    <dt>{ t("result.insurer_number") }</dt><dd>{ &record.insurer_number }</dd>
                    <dt>{ t("result.symbol_number") }</dt>
                    <dd>{ format!("{} ・ {} ・ {}", record.symbol.as_deref().unwrap_or("—"), record.number, record.branch.as_deref().unwrap_or("—")) }</dd>
                    <dt>{ t("result.personal_family") }</dt>
                    <dd>{ t(if record.personal_family == PersonalFamily::Insured { "result.insured" } else { "result.dependent" }) }</dd>
                    <dt>{ t("result.ratio") }</dt>
                    <dd id="ratio">{ text_n(lang, "result.ratio_value", record.partial_contribution_percent / 10) }</dd>
                </dl>
            }) }
            { match answer.guidance {
                Some(Guidance::ClaimForm) => html! { <p class="guidance" id="guidance">{ t("result.claim_form") }</p> },
                Some(Guidance::StaffReview) => html! { <p class="guidance" id="guidance">{ t("result.staff_review") }</p> },
                None => html! {},
            } }
            <p class="remove" role="alert">{ t("result.remove_card") }</p>
        </section>
    }
}
