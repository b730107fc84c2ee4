//! The Yew UI: renders [`Screen`]s, owns the zeroizing PIN buffer, and starts the check-in task.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{UnboundedSender, unbounded};
use onshi_card::jpki::Pin;
use onshi_proto::IsoDate;
use onshi_proto::qualification::{
    Guidance, PersonalFamily, QualificationAnswer, Reason, SpecificDiseaseCertificate, Validity,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;
use zeroize::{Zeroize, Zeroizing};

use crate::device::{self, Device};
use crate::i18n::{Lang, text, text_n};
use crate::session::{self, UiCommand};
use crate::state::{
    Action, CARD_LEFT_BEHIND_SECS, CLEAR_AFTER_CARD_TAKEN_SECS, CardReminder, ConsentStep, Failure, IdlePhase, PIN_LEN,
    Purpose, Screen, idle_phase,
};
use crate::timer;
use crate::webusb;
use onshi_proto::origin::{ConsentKind, PrescriptionFormat, RegistrationOutcome};

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
    let watchedUsb = null;
    let onDisconnect = null;
    let changesUsb = null;
    let onChange = null;
    export function watch_usb_changes(callback) {
      onChange = callback;
      const usb = navigator.usb;
      if (!usb || changesUsb === usb) return;
      changesUsb = usb;
      const changed = () => { if (onChange) onChange(); };
      usb.addEventListener('connect', changed);
      usb.addEventListener('disconnect', changed);
    }
    export function watch_usb_disconnect(callback) {
      onDisconnect = callback;
      const usb = navigator.usb;
      if (!usb || watchedUsb === usb) return;
      watchedUsb = usb;
      usb.addEventListener('disconnect', () => { if (onDisconnect) onDisconnect(); });
    }
    "#)]
    extern "C" {
        /// Labels of the demo cards when this deployment ships the virtual reader (demo and test builds), else empty.
        pub async fn virtual_reader_cards() -> JsValue;
        /// Replaces `navigator.usb` with the virtual reader holding demo card `index`.
        pub async fn install_virtual_reader(index: u32);
        /// Calls `callback` whenever a USB device goes away (the reader was unplugged). Registers one listener
        /// per `navigator.usb` object; a later call only replaces the callback.
        pub fn watch_usb_disconnect(callback: &js_sys::Function);
        /// Calls `callback` whenever a USB device is plugged in or goes away. Listens on the current
        /// `navigator.usb` object (once per object); a later call only replaces the callback.
        pub fn watch_usb_changes(callback: &js_sys::Function);
    }
}
use virtual_reader_js::{install_virtual_reader, virtual_reader_cards, watch_usb_changes, watch_usb_disconnect};

/// The page's one listener for USB plug and unplug events.
type UsbChangeListener = Closure<dyn Fn()>;

/// What the start screen says about the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReaderStatus {
    /// Not known (yet), or this browser has no WebUSB: nothing is said.
    Unknown,
    /// A reader this kiosk may use is plugged in: the check-in starts without the chooser.
    Connected,
    /// No such reader is plugged in.
    Missing,
}

/// The idle clock: when someone last touched the kiosk and what time it is now, both from the page clock.
#[derive(Clone, Copy, Debug, PartialEq)]
struct IdleClock {
    last_touch_ms: f64,
    now_ms: f64,
}

/// What moves the idle clock.
enum IdleEvent {
    /// A touch or key press (or a screen change): the person is here.
    Touch(f64),
    /// A second passed.
    Tick(f64),
}

impl Reducible for IdleClock {
    type Action = IdleEvent;
    fn reduce(self: Rc<Self>, event: IdleEvent) -> Rc<Self> {
        match event {
            IdleEvent::Touch(now_ms) => Rc::new(IdleClock { last_touch_ms: now_ms, now_ms }),
            IdleEvent::Tick(now_ms) => {
                let next = IdleClock { last_touch_ms: self.last_touch_ms, now_ms };
                // Keeping the same value when the phase does not change spares a re-render every second.
                if next.phase() == self.phase() { self } else { Rc::new(next) }
            }
        }
    }
}

impl IdleClock {
    fn phase(&self) -> IdlePhase {
        let idle_ms = (self.now_ms - self.last_touch_ms).max(0.0);
        // Whole seconds; the value is bounded by the page's uptime, far below u32::MAX seconds.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let idle_secs = (idle_ms / 1_000.0) as u32;
        idle_phase(idle_secs)
    }
}

/// The reducer wrapper Yew needs around the pure [`Screen`] machine.
#[derive(Clone, Debug, PartialEq)]
struct ScreenState(Screen);

impl Reducible for ScreenState {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(ScreenState(self.0.clone().apply(action)))
    }
}

/// Whether this browser profile holds an enrolled device identity; check-ins need one.
#[derive(Clone, Debug)]
enum DeviceState {
    /// Reading IndexedDB.
    Loading,
    /// No device yet (or the last enrolment attempt failed): the enrolment screen shows.
    NotEnrolled {
        /// The last attempt was refused or could not reach the edge.
        failed: bool,
        /// The kiosk was enrolled, but the edge answered `device_not_enrolled` (revoked, or an identity it no
        /// longer knows); the kiosk forgot it, and the screen tells staff to enter a new code.
        lapsed: bool,
    },
    /// Enrolling with a typed code.
    Enrolling,
    /// Ready.
    Enrolled(Device),
}

/// The PIN digits typed so far. Zeroized when cleared, submitted or dropped.
type PinBuffer = Rc<RefCell<Zeroizing<String>>>;

/// Empties the PIN buffer, overwriting the digits: the one way the kiosk forgets a typed PIN.
fn wipe(pin: &PinBuffer) {
    pin.borrow_mut().zeroize();
}

/// Milliseconds for a timer of `secs` seconds, as the page's `setTimeout` takes them.
fn timer_ms(secs: u32) -> i32 {
    i32::try_from(u64::from(secs) * 1_000).unwrap_or(i32::MAX)
}

/// The kiosk application.
#[function_component(App)]
pub fn app() -> Html {
    let screen = use_reducer(|| ScreenState(Screen::Welcome));
    let lang = use_state(|| Lang::Ja);
    let pin: PinBuffer = use_mut_ref(|| Zeroizing::new(String::new()));
    let commands: Rc<RefCell<Option<UnboundedSender<UiCommand>>>> = use_mut_ref(|| None);
    let virtual_cards = use_state(Vec::<String>::new);
    let chosen_card = use_state(|| 0u32);
    let device_state = use_state(|| DeviceState::Loading);
    let enrol_code = use_node_ref();
    let enrolled_device = match &*device_state {
        DeviceState::Enrolled(device) => Some(device.clone()),
        _ => None,
    };
    let page_name = match &*device_state {
        DeviceState::Enrolled(_) => screen_name(&screen.0),
        DeviceState::Loading => "starting",
        DeviceState::NotEnrolled { .. } | DeviceState::Enrolling => "enrol",
    };
    let idle = use_reducer(|| IdleClock { last_touch_ms: timer::now_ms(), now_ms: timer::now_ms() });
    // Whether the idle clock runs: not on an untouched start screen, and not while the person waits for the kiosk.
    let idle_counts = use_mut_ref(|| false);
    *idle_counts.borrow_mut() =
        enrolled_device.is_some() && !screen.0.is_busy() && (screen.0 != Screen::Welcome || *lang != Lang::Ja);

    {
        let device_state = device_state.clone();
        let screen = screen.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(Some(device)) = device::load().await else {
                    device_state.set(DeviceState::NotEnrolled { failed: false, lapsed: false });
                    return;
                };
                // The browser keeps its key when the edge forgets the device (a restarted demo, a revoked kiosk), so
                // the edge confirms it before any start screen shows. A forgotten device takes the lapsed path below
                // (forget, enrolment screen); an edge that cannot be reached is said, rather than looking ready.
                match crate::api::confirm_device(&device).await {
                    Ok(()) => device_state.set(DeviceState::Enrolled(device)),
                    Err(error) => {
                        let failure = Failure::from_code(error.code());
                        if failure != Failure::DeviceNotEnrolled {
                            device_state.set(DeviceState::Enrolled(device));
                        }
                        screen.dispatch(Action::Fail(failure));
                    }
                }
            });
        });
    }

    {
        let idle = idle.clone();
        let idle_counts = idle_counts.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                loop {
                    timer::sleep_ms(1_000).await;
                    // While the clock does not run nothing is dispatched; every way back to a counted screen
                    // (a screen change, a touch) restarts it from a fresh touch.
                    if *idle_counts.borrow() {
                        idle.dispatch(IdleEvent::Tick(timer::now_ms()));
                    }
                }
            });
        });
    }
    {
        // Every new screen counts as activity, and moves keyboard and screen-reader focus to its heading.
        let idle = idle.clone();
        use_effect_with(page_name, move |name| {
            idle.dispatch(IdleEvent::Touch(timer::now_ms()));
            focus_element("heading");
            // A performance mark per screen lets the benchmark measure the kiosk's own time between screens.
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                let _ = performance.mark(&format!("onshi:screen:{name}"));
            }
        });
    }
    {
        // The document's language follows the switcher, so that the header, too, is read in the right voice.
        use_effect_with(*lang, move |lang| {
            if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
                let _ = root.set_attribute("lang", lang.tag());
            }
        });
    }

    // The start screen says whether a usable reader is plugged in, and follows plug and unplug events.
    let reader_status = use_state(|| ReaderStatus::Unknown);
    let on_usb_change: Rc<RefCell<Option<UsbChangeListener>>> = use_mut_ref(|| None);
    {
        let reader_status = reader_status.clone();
        let on_usb_change = on_usb_change.clone();
        use_effect_with(page_name == "welcome", move |welcome| {
            if *welcome {
                let refresh = move || {
                    let reader_status = reader_status.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        reader_status.set(match webusb::remembered_reader().await {
                            Ok(Some(_)) => ReaderStatus::Connected,
                            Ok(None) => ReaderStatus::Missing,
                            Err(_) => ReaderStatus::Unknown,
                        });
                    });
                };
                refresh();
                let mut slot = on_usb_change.borrow_mut();
                // One listener for the page's life; `navigator.usb` may have been replaced since the last start
                // screen (the demo's virtual reader), so the watch is renewed on every visit.
                let callback = slot.get_or_insert_with(|| Closure::<dyn Fn()>::new(refresh));
                watch_usb_changes(callback.as_ref().unchecked_ref());
            }
        });
    }

    {
        let virtual_cards = virtual_cards.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let labels = virtual_reader_cards().await;
                let labels: Vec<String> = js_sys::Array::from(&labels).iter().filter_map(|v| v.as_string()).collect();
                virtual_cards.set(labels);
            });
        });
    }

    let dispatch = {
        let screen = screen.clone();
        Callback::from(move |action: Action| screen.dispatch(action))
    };
    // Each check-in task reports through a dispatch stamped with its run; starting over or starting again moves
    // the run on, so a late message from a cancelled task (a chooser closed after 最初にもどる, say) is dropped.
    let run_generation = use_mut_ref(|| 0u32);
    // When the person last touched the kiosk, for the timers a touch extends.
    let last_touch_ms = use_mut_ref(timer::now_ms);
    {
        // The PIN pad is the only screen that holds digits: leaving it for any reason wipes them.
        let pin = pin.clone();
        let on_pin_pad = matches!(screen.0, Screen::PinEntry { .. });
        use_effect_with(on_pin_pad, move |on_pin_pad| {
            if !*on_pin_pad {
                wipe(&pin);
            }
        });
    }

    let start = {
        let dispatch = dispatch.clone();
        let commands = commands.clone();
        let pin = pin.clone();
        let enrolled_device = enrolled_device.clone();
        let run_generation = run_generation.clone();
        move |use_virtual: Option<u32>, purpose: Purpose| {
            let Some(device) = enrolled_device.clone() else { return };
            wipe(&pin);
            let (sender, receiver) = unbounded();
            if let Some(previous) = commands.borrow_mut().replace(sender) {
                let _ = previous.unbounded_send(UiCommand::Cancel);
            }
            dispatch.emit(Action::Connect);
            let run = {
                let mut generation = run_generation.borrow_mut();
                *generation += 1;
                *generation
            };
            let dispatch = {
                let dispatch = dispatch.clone();
                let run_generation = run_generation.clone();
                Callback::from(move |action: Action| {
                    if *run_generation.borrow() == run {
                        dispatch.emit(action);
                    }
                })
            };
            let commands = commands.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(index) = use_virtual {
                    install_virtual_reader(index).await;
                }
                // An unplugged reader ends the running check-in at once, even while it waits for the PIN and no
                // transfer is pending to fail.
                let on_disconnect = {
                    let dispatch = dispatch.clone();
                    Closure::<dyn Fn()>::new(move || {
                        if let Some(sender) = commands.borrow_mut().take() {
                            let _ = sender.unbounded_send(UiCommand::Cancel);
                            dispatch.emit(Action::Fail(Failure::ReaderDisconnected));
                        }
                    })
                };
                watch_usb_disconnect(on_disconnect.as_ref().unchecked_ref());
                // The listener outlives this task: the page keeps one per reader object.
                on_disconnect.forget();
                session::run(dispatch, receiver, device, purpose).await;
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
            wipe(&pin);
            dispatch.emit(Action::PinTyped { entered: 0 });
        })
    };
    // Moves the typed digits into a `Pin` and hands it to the check-in task; the buffer is zeroized when the
    // replaced `Zeroizing` value drops, and the `Pin` zeroizes itself after VERIFY.
    let send_pin = {
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        let commands = commands.clone();
        Rc::new(move |action: Action| {
            let digits = std::mem::replace(&mut *pin.borrow_mut(), Zeroizing::new(String::new()));
            let Ok(pin) = Pin::new(digits.as_str()) else {
                dispatch.emit(Action::PinTyped { entered: 0 });
                return;
            };
            if let Some(sender) = commands.borrow().as_ref() {
                dispatch.emit(action);
                let _ = sender.unbounded_send(UiCommand::SubmitPin(pin));
            }
        })
    };
    let on_submit = {
        let send_pin = send_pin.clone();
        let dispatch = dispatch.clone();
        let needs_confirmation = screen.0.submit_needs_confirmation();
        Callback::from(move |_| {
            if needs_confirmation {
                // One try left: ask first, keeping the digits, and offer the visual check.
                dispatch.emit(Action::PinSubmitted);
            } else {
                send_pin(Action::PinSubmitted);
            }
        })
    };
    let on_confirm_last_try = {
        let send_pin = send_pin.clone();
        Callback::from(move |_| send_pin(Action::LastTryConfirmed))
    };
    let on_visual_check = {
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        let commands = commands.clone();
        Callback::from(move |_| {
            // The typed digits are dropped unsent: the visual check never uses the PIN.
            wipe(&pin);
            if let Some(sender) = commands.borrow().as_ref() {
                dispatch.emit(Action::ChooseVisualCheck);
                let _ = sender.unbounded_send(UiCommand::VisualCheck);
            }
        })
    };
    // Start over: stop the check-in, wipe the PIN, forget the answer and go back to Japanese, so the next person
    // finds the kiosk exactly as the first one did.
    let reset_all = {
        let run_generation = run_generation.clone();
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        let commands = commands.clone();
        let lang = lang.clone();
        Callback::from(move |()| {
            *run_generation.borrow_mut() += 1;
            wipe(&pin);
            if let Some(sender) = commands.borrow_mut().take() {
                let _ = sender.unbounded_send(UiCommand::Cancel);
            }
            lang.set(Lang::Ja);
            dispatch.emit(Action::Reset);
        })
    };
    let on_reset = reset_all.reform(|_: MouseEvent| ());
    {
        // Personal data leaves the screen soon after the check-in is complete and the card has left the reader,
        // unless someone started over first. Every touch on the screen gives the person the full time again.
        let reset_all = reset_all.clone();
        let run_generation = run_generation.clone();
        let last_touch_ms = last_touch_ms.clone();
        use_effect_with(screen.0.clears_soon(), move |clears| {
            if *clears {
                // Starting over (or a new check-in) moves the run on, which calls this timer off.
                let started = *run_generation.borrow();
                let since_ms = timer::now_ms();
                wasm_bindgen_futures::spawn_local(async move {
                    loop {
                        let from_ms = since_ms.max(*last_touch_ms.borrow());
                        let left_ms = from_ms + f64::from(CLEAR_AFTER_CARD_TAKEN_SECS) * 1_000.0 - timer::now_ms();
                        if left_ms <= 0.0 {
                            break;
                        }
                        // Whole milliseconds of a wait of at most a few seconds.
                        #[allow(clippy::cast_possible_truncation)]
                        timer::sleep_ms(left_ms.ceil() as i32).await;
                        if *run_generation.borrow() != started {
                            return;
                        }
                    }
                    reset_all.emit(());
                });
            }
        });
    }
    {
        // Once nothing is left to answer and the card is still in the reader, the kiosk asks for it, and raises the
        // alert if it stays. The alert never fires while the patient is still answering the question on screen.
        let asks = screen.0.asks_for_the_card();
        let dispatch = dispatch.clone();
        let card_ask = use_mut_ref(|| 0u32);
        use_effect_with(asks, move |asks| {
            *card_ask.borrow_mut() += 1;
            if *asks {
                let started = *card_ask.borrow();
                wasm_bindgen_futures::spawn_local(async move {
                    timer::sleep_ms(timer_ms(CARD_LEFT_BEHIND_SECS)).await;
                    if *card_ask.borrow() == started {
                        dispatch.emit(Action::CardLeftBehind);
                    }
                });
            }
        });
    }
    {
        // The edge no longer knows this kiosk (revoked, or an identity from before its id format changed): retrying
        // cannot help, so the kiosk stops the check-in, forgets its identity and shows the enrolment screen, which
        // tells staff to enter a new code. The forgetting comes first, so that a reload cannot bring back the dead
        // identity.
        let device_lapsed = matches!(screen.0, Screen::Failed(Failure::DeviceNotEnrolled));
        let device_state = device_state.clone();
        let commands = commands.clone();
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        use_effect_with(device_lapsed, move |lapsed| {
            if *lapsed {
                wipe(&pin);
                if let Some(sender) = commands.borrow_mut().take() {
                    let _ = sender.unbounded_send(UiCommand::Cancel);
                }
                wasm_bindgen_futures::spawn_local(async move {
                    // A failed delete leaves a record the edge refuses; the next enrolment overwrites it, and until
                    // then the kiosk asks for a code either way.
                    let _ = device::forget().await;
                    device_state.set(DeviceState::NotEnrolled { failed: false, lapsed: true });
                    dispatch.emit(Action::Reset);
                });
            }
        });
    }
    let idle_phase_now = if *idle_counts.borrow() { idle.phase() } else { IdlePhase::Active };
    {
        let reset_all = reset_all.clone();
        use_effect_with(idle_phase_now == IdlePhase::Expired, move |expired| {
            if *expired {
                reset_all.emit(());
            }
        });
    }
    {
        // The warning takes focus, so a keyboard or switch user can extend at once.
        let warning_shown = matches!(idle_phase_now, IdlePhase::Warning { .. });
        use_effect_with(warning_shown, move |shown| {
            if *shown {
                focus_element("idle-extend");
            }
        });
    }
    let on_touch = {
        let idle = idle.clone();
        let last_touch_ms = last_touch_ms.clone();
        Callback::from(move |_: ()| {
            let now = timer::now_ms();
            *last_touch_ms.borrow_mut() = now;
            idle.dispatch(IdleEvent::Touch(now));
        })
    };

    let on_enrol = {
        let device_state = device_state.clone();
        let enrol_code = enrol_code.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(input) = enrol_code.cast::<web_sys::HtmlInputElement>() else { return };
            // The one-time code is a credential: it leaves the input as soon as it is read.
            let code = Zeroizing::new(input.value());
            input.set_value("");
            if code.trim().is_empty() {
                return;
            }
            // A failed attempt after a lapsed enrolment keeps saying that the kiosk must be enrolled again.
            let lapsed = matches!(*device_state, DeviceState::NotEnrolled { lapsed: true, .. });
            device_state.set(DeviceState::Enrolling);
            let device_state = device_state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                device_state.set(match device::enrol(code.as_str()).await {
                    Ok(device) => DeviceState::Enrolled(device),
                    Err(_) => DeviceState::NotEnrolled { failed: true, lapsed },
                });
            });
        })
    };

    let on_toggle_consent = {
        let dispatch = dispatch.clone();
        Callback::from(move |kind: ConsentKind| dispatch.emit(Action::ToggleConsent(kind)))
    };
    let on_choose_prescription = {
        let dispatch = dispatch.clone();
        Callback::from(move |format: PrescriptionFormat| dispatch.emit(Action::ChoosePrescription(format)))
    };
    let on_send_consent = {
        let dispatch = dispatch.clone();
        let commands = commands.clone();
        let (chosen, prescription) = match &screen.0 {
            Screen::Result { consent: ConsentStep::Asking { chosen, prescription }, .. } => {
                (chosen.clone(), *prescription)
            }
            _ => (Vec::new(), None),
        };
        Callback::from(move |agree: bool| {
            // The buttons are disabled until a prescription format is chosen; nothing is sent without one.
            let Some(prescription) = prescription else { return };
            let kinds = if agree { ConsentStep::to_send(&chosen) } else { Vec::new() };
            if let Some(sender) = commands.borrow().as_ref() {
                dispatch.emit(Action::ConsentSubmitted);
                let _ = sender.unbounded_send(UiCommand::Consent { kinds, prescription });
            }
        })
    };
    let on_skip_consent = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::ConsentSkipped))
    };
    let on_register_now = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.emit(Action::StartRegistration))
    };
    let on_reenter_pin = {
        let pin = pin.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            // Typing the PIN again withdraws the pending last-try confirmation (the state machine's rule).
            wipe(&pin);
            dispatch.emit(Action::PinTyped { entered: 0 });
        })
    };

    let lang_value = *lang;
    let t = move |key: &str| text(lang_value, key);

    let body = match &*device_state {
        DeviceState::Loading => Some(progress(&t("enrol.checking"))),
        DeviceState::Enrolling => Some(progress(&t("enrol.enrolling"))),
        DeviceState::NotEnrolled { failed, lapsed } => Some(html! {
            <section aria-labelledby="heading" class="enrol" id="enrol" data-lapsed={lapsed.to_string()}>
                <h2 id="heading" tabindex="-1">
                    { t(if *lapsed { "enrol.lapsed_heading" } else { "enrol.heading" }) }
                </h2>
                if *lapsed {
                    <p class="warning" role="alert" id="enrol-lapsed">{ t("enrol.lapsed") }</p>
                } else {
                    <p>{ t("enrol.body") }</p>
                }
                if *failed {
                    <p class="warning" role="alert" id="enrol-failed">{ t("enrol.failed") }</p>
                }
                <form onsubmit={on_enrol}>
                    <label for="enrol-code">{ t("enrol.code_label") }</label>
                    <input id="enrol-code" type="text" autocomplete="off" autocapitalize="characters"
                        spellcheck="false" ref={enrol_code} />
                    <button id="enrol-submit" class="primary" type="submit">{ t("enrol.submit") }</button>
                </form>
            </section>
        }),
        DeviceState::Enrolled(_) => None,
    };
    let body = body.unwrap_or_else(|| match &screen.0 {
        Screen::Welcome => {
            // `/?mode=register` makes the kiosk an ATM-style 健康保険証利用登録 point; otherwise check-in comes first
            // and registration is offered beside it.
            let registration_point = web_sys::window()
                .and_then(|w| w.location().search().ok())
                .is_some_and(|search| search.contains("mode=register"));
            let default_purpose = if registration_point { Purpose::Registration } else { Purpose::CheckIn };
            let start_with = |purpose: Purpose| {
                let start = start.clone();
                Callback::from(move |_: MouseEvent| start(None, purpose))
            };
            let virtual_section = if virtual_cards.is_empty() {
                html! {}
            } else {
                let start_virtual = {
                    let start = start.clone();
                    let chosen_card = chosen_card.clone();
                    Callback::from(move |_| start(Some(*chosen_card), default_purpose))
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
            let reader_line = match *reader_status {
                ReaderStatus::Connected => html! {
                    <p id="reader-status" class="reader-status connected" role="status" data-reader="connected">
                        { t("reader.status_connected") }
                    </p>
                },
                ReaderStatus::Missing => html! {
                    <p id="reader-status" class="reader-status" role="status" data-reader="missing">
                        { t("reader.status_missing") }
                    </p>
                },
                ReaderStatus::Unknown => html! {},
            };
            if registration_point {
                html! {
                    <section aria-labelledby="heading">
                        <h2 id="heading" tabindex="-1">{ t("register.point_heading") }</h2>
                        <p>{ t("register.point_body") }</p>
                        { reader_line.clone() }
                        <button id="register" class="primary" onclick={start_with(Purpose::Registration)}>
                            { t("welcome.register") }
                        </button>
                        { virtual_section }
                    </section>
                }
            } else {
                html! {
                    <section aria-labelledby="heading">
                        <h2 id="heading" tabindex="-1">{ t("welcome.heading") }</h2>
                        <p>{ t("welcome.body") }</p>
                        { reader_line.clone() }
                        <button id="connect" class="primary" onclick={start_with(Purpose::CheckIn)}>
                            { t("welcome.connect") }
                        </button>
                        <button id="register" class="secondary" onclick={start_with(Purpose::Registration)}>
                            { t("welcome.register") }
                        </button>
                        { virtual_section }
                    </section>
                }
            }
        }
        Screen::Connecting => progress(&t("reader.connecting")),
        Screen::InsertCard => html! {
            <section aria-labelledby="heading" class="insert-card" id="insert-card">
                <h2 id="heading" tabindex="-1">{ t("card.insert_heading") }</h2>
                <p role="status">{ t("card.insert_body") }</p>
            </section>
        },
        Screen::ReadingCard => progress(&t("card.reading")),
        Screen::PinEntry { tries_left, entered, last_was_wrong, confirming_last_try } => {
            let keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
            // Two columns on a landscape kiosk (what to know beside what to press), one on a phone: the OK button
            // stays on screen after a wrong PIN, whatever the warnings above it say.
            html! {
                <section aria-labelledby="heading" class="pin">
                    <div class="pin-info">
                        <h2 id="heading" tabindex="-1">{ t("pin.heading") }</h2>
                        <p class="hint">{ t("pin.hint") }</p>
                        if *last_was_wrong {
                            <p class="warning" role="alert">{ t("pin.wrong") }</p>
                        }
                        <p id="tries-left" class={classes!("tries", (*tries_left <= 1).then_some("danger"))}>
                            { text_n(lang_value, "pin.tries_left", tries_left) }
                        </p>
                        if *tries_left == 1 && !*confirming_last_try {
                            <p class="warning" role="alert">{ t("pin.last_try") }</p>
                        }
                    </div>
                    <div class="pin-entry">
                        if *confirming_last_try {
                            <div id="last-try" class="confirm" role="alertdialog" aria-modal="false"
                                aria-labelledby="last-try-heading" aria-describedby="last-try-body">
                                <h3 id="last-try-heading">{ t("pin.confirm_heading") }</h3>
                                <p id="last-try-body">{ t("pin.confirm_body") }</p>
                                <button id="last-try-send" class="primary" onclick={on_confirm_last_try.clone()}>
                                    { t("pin.confirm_send") }
                                </button>
                                <button id="last-try-reenter" class="secondary" onclick={on_reenter_pin.clone()}>
                                    { t("pin.reenter") }
                                </button>
                                <button id="visual-check" class="secondary" onclick={on_visual_check.clone()}>
                                    { t("pin.visual_check") }
                                </button>
                            </div>
                        } else {
                            <div class="pin-dots" role="status" aria-label={text_n(lang_value, "pin.entered", entered)}>
                                { for (0..PIN_LEN).map(|i| html! {
                                    <span class={classes!("dot", (i < *entered).then_some("filled"))}></span>
                                }) }
                            </div>
                            <div class="keypad" role="group" aria-label={t("pin.keypad")}>
                                { for keys.iter().map(|&k| key_button(k, on_digit.clone())) }
                                <button class="key" id="pin-clear" onclick={on_clear.clone()}>{ t("pin.clear") }</button>
                                { key_button('0', on_digit.clone()) }
                                <button class="key" id="pin-back" onclick={on_back.clone()}>{ t("pin.back") }</button>
                            </div>
                            <button id="pin-submit" class="primary" disabled={*entered != PIN_LEN}
                                onclick={on_submit.clone()}>
                                { t("pin.submit") }
                            </button>
                            <button id="visual-check" class="secondary" onclick={on_visual_check.clone()}>
                                { t("pin.visual_check") }
                            </button>
                        }
                    </div>
                </section>
            }
        }
        Screen::VisualCheck => html! {
            <section aria-labelledby="heading" class="visual-check" id="visual">
                <h2 id="heading" tabindex="-1">{ t("visual.heading") }</h2>
                <p>{ t("visual.body") }</p>
                <div class="spinner" role="presentation"></div>
                <p class="remove" role="status">{ t("visual.waiting") }</p>
            </section>
        },
        Screen::RegistrationTerms => {
            let on_accept = {
                let dispatch = dispatch.clone();
                let commands = commands.clone();
                Callback::from(move |_: MouseEvent| {
                    if let Some(sender) = commands.borrow().as_ref() {
                        dispatch.emit(Action::TermsAccepted);
                        let _ = sender.unbounded_send(UiCommand::AcceptTerms);
                    }
                })
            };
            html! {
                <section aria-labelledby="heading" class="terms" id="terms">
                    <h2 id="heading" tabindex="-1">{ t("register.terms_heading") }</h2>
                    <p>{ t("register.terms_body") }</p>
                    <button id="terms-accept" class="primary" onclick={on_accept}>{ t("register.accept") }</button>
                </section>
            }
        }
        Screen::Registering => progress(&t("progress.registering")),
        Screen::Registered(outcome) => {
            let (key, done) = match outcome {
                RegistrationOutcome::Registered => ("register.registered", true),
                RegistrationOutcome::AlreadyRegistered => ("register.already", true),
                RegistrationOutcome::NoInsuredRecord => ("register.no_record", false),
                RegistrationOutcome::CertificateNotUsable => ("register.not_usable", false),
            };
            html! {
                <section aria-labelledby="heading" class="registered" id="registered"
                    data-outcome={format!("{outcome:?}")}>
                    <h2 id="heading" tabindex="-1">{ t("register.done_heading") }</h2>
                    <p class={if done { "done" } else { "guidance" }} role="status">{ t(key) }</p>
                    <p class="remove">{ t("result.remove_card") }</p>
                </section>
            }
        }
        Screen::Verifying => progress(&t("progress.verifying")),
        Screen::Authenticating => progress(&t("progress.authenticating")),
        Screen::Querying => progress(&t("progress.querying")),
        Screen::Result { answer, card, consent, .. } => {
            let questions = if screen.0.offers_registration() {
                registration_offer_view(lang_value, on_register_now.clone())
            } else {
                consent_view(lang_value, consent, &ConsentCallbacks {
                    toggle: on_toggle_consent.clone(),
                    prescription: on_choose_prescription.clone(),
                    send: on_send_consent.clone(),
                    skip: on_skip_consent.clone(),
                })
            };
            // The answer and its question side by side on a landscape kiosk, so both are on screen without
            // scrolling; one after the other, in that order, on a phone.
            html! {
                <div class="result-layout">
                    { result_view(lang_value, answer, *card, consent.is_open()) }
                    { questions }
                </div>
            }
        }
        Screen::Blocked { card_taken } => html! {
            <section aria-labelledby="heading" class="blocked" id="blocked" data-card-taken={card_taken.to_string()}>
                <h2 id="heading" tabindex="-1">{ t("blocked.heading") }</h2>
                <p>{ t("blocked.body") }</p>
                <p>{ t("blocked.visual_check_offer") }</p>
                <button id="visual-check" class="primary" onclick={on_visual_check.clone()}>
                    { t("blocked.visual_check") }
                </button>
                if *card_taken {
                    <p class="done" id="card-taken" role="status">{ t("blocked.card_taken") }</p>
                } else {
                    <p class="remove" id="remove-card">{ t("blocked.remove_card") }</p>
                }
            </section>
        },
        Screen::Failed(failure) => html! {
            <section aria-labelledby="heading" class="failed" id="failed" data-failure={format!("{failure:?}")}>
                <h2 id="heading" tabindex="-1">{ t("error.heading") }</h2>
                <p role="alert">{ t(failure.message_key()) }</p>
                if *failure == crate::state::Failure::ReaderRefusedCcid {
                    <p>{ t("reader.refused_next") }</p>
                }
            </section>
        },
    });

    let show_reset = enrolled_device.is_some() && !matches!(screen.0, Screen::Welcome);
    let idle_warning = match idle_phase_now {
        IdlePhase::Warning { seconds_left } => {
            let on_extend = on_touch.reform(|_: MouseEvent| ());
            html! {
                <div id="idle-warning" class="idle" role="alertdialog" aria-modal="true"
                    aria-labelledby="idle-heading" aria-describedby="idle-body">
                    <div class="idle-box">
                        <h2 id="idle-heading">{ t("idle.heading") }</h2>
                        <p id="idle-body" data-seconds-left={seconds_left.to_string()}>
                            { text_n(lang_value, "idle.body", seconds_left) }
                        </p>
                        <button id="idle-extend" class="primary" onclick={on_extend}>{ t("idle.extend") }</button>
                    </div>
                </div>
            }
        }
        IdlePhase::Active | IdlePhase::Expired => html! {},
    };
    let on_pointer = on_touch.reform(|_: PointerEvent| ());
    let on_key = on_touch.reform(|_: KeyboardEvent| ());
    html! {
        <div class="kiosk" onpointerdown={on_pointer} onkeydown={on_key}>
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
            <main lang={lang_value.tag()} data-screen={page_name}>
                { body }
                if show_reset {
                    <button id="start-over" class="secondary" onclick={on_reset}>{ t("action.start_over") }</button>
                }
                { idle_warning }
            </main>
        </div>
    }
}

/// Moves keyboard focus to the element with this id, if it is on the page.
fn focus_element(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

fn screen_name(screen: &Screen) -> &'static str {
    match screen {
        Screen::Welcome => "welcome",
        Screen::Connecting => "connecting",
        Screen::InsertCard => "insert-card",
        Screen::ReadingCard => "reading",
        Screen::PinEntry { .. } => "pin",
        Screen::VisualCheck => "visual-check",
        Screen::RegistrationTerms => "registration-terms",
        Screen::Registering => "registering",
        Screen::Registered(_) => "registered",
        Screen::Verifying => "verifying",
        Screen::Authenticating => "authenticating",
        Screen::Querying => "querying",
        Screen::Result { .. } => "result",
        Screen::Blocked { .. } => "blocked",
        Screen::Failed(_) => "failed",
    }
}

fn progress(message: &str) -> Html {
    html! { <section class="progress" role="status" aria-live="polite"><div class="spinner"></div><p>{ message }</p></section> }
}

fn key_button(digit: char, on_digit: Callback<char>) -> Html {
    html! { <button class="key" data-digit={digit.to_string()} onclick={Callback::from(move |_| on_digit.emit(digit))}>{ digit }</button> }
}

/// The consent kinds in the order the question lists them, with their resource keys and element ids.
const CONSENT_KINDS: [(ConsentKind, &str, &str); 5] = [
    (ConsentKind::Comprehensive, "consent.comprehensive", "consent-comprehensive"),
    (ConsentKind::Diagnosis, "consent.diagnosis", "consent-diagnosis"),
    (ConsentKind::Medication, "consent.medication", "consent-medication"),
    (ConsentKind::Operation, "consent.operation", "consent-operation"),
    (ConsentKind::HealthCheckup, "consent.health_checkup", "consent-health-checkup"),
];

fn consent_key(kind: ConsentKind) -> &'static str {
    CONSENT_KINDS.iter().find(|(k, _, _)| *k == kind).map_or("consent.comprehensive", |(_, key, _)| key)
}

/// The prescription formats in the order the question lists them, with their resource keys and element ids.
const PRESCRIPTION_FORMATS: [(PrescriptionFormat, &str, &str); 2] = [
    (PrescriptionFormat::Electronic, "consent.prescription_electronic", "prescription-electronic"),
    (PrescriptionFormat::Paper, "consent.prescription_paper", "prescription-paper"),
];

/// The wire name of a prescription format (`electronic`, `paper`), for the page's data attributes.
fn prescription_tag(format: PrescriptionFormat) -> &'static str {
    match format {
        PrescriptionFormat::Electronic => "electronic",
        PrescriptionFormat::Paper => "paper",
    }
}

fn prescription_key(format: PrescriptionFormat) -> &'static str {
    PRESCRIPTION_FORMATS.iter().find(|(f, _, _)| *f == format).map_or("consent.prescription_paper", |(_, key, _)| key)
}

/// What the consent question reports back to the app.
struct ConsentCallbacks {
    /// A kind was ticked or unticked.
    toggle: Callback<ConsentKind>,
    /// A prescription format was chosen.
    prescription: Callback<PrescriptionFormat>,
    /// Agree (`true`) or decline (`false`) was pressed.
    send: Callback<bool>,
    /// The patient chose to tell the desk instead of answering here.
    skip: Callback<MouseEvent>,
}

/// The consent question under the answer: 包括同意 or single kinds, each for 24 hours, or nothing; and, required
/// on the same screen, how the patient wants the prescription (電子処方箋 or 紙). No question is shown where no
/// current qualification could record it.
fn consent_view(lang: Lang, step: &ConsentStep, callbacks: &ConsentCallbacks) -> Html {
    let t = |key: &str| text(lang, key);
    let body = match step {
        ConsentStep::NotAsked => return html! {},
        ConsentStep::Asking { chosen, prescription } => {
            let comprehensive = chosen.contains(&ConsentKind::Comprehensive);
            html! {
                <>
                    <p class="consent-body">{ t("consent.body") }</p>
                    <fieldset class="consent-kinds">
                        <legend>{ t("consent.legend") }</legend>
                        { for CONSENT_KINDS.iter().map(|&(kind, key, id)| {
                            let on_toggle = callbacks.toggle.clone();
                            // 包括同意 already covers every single kind, so those are shown ticked and fixed.
                            let covered = comprehensive && kind != ConsentKind::Comprehensive;
                            html! {
                                <label class={classes!("check", (kind == ConsentKind::Comprehensive).then_some("all"))}
                                    for={id}>
                                    <input type="checkbox" id={id} checked={chosen.contains(&kind) || covered}
                                        disabled={covered} onchange={Callback::from(move |_: Event| on_toggle.emit(kind))} />
                                    <span>{ t(key) }</span>
                                </label>
                            }
                        }) }
                    </fieldset>
                    <fieldset class="prescription" id="prescription" aria-describedby="prescription-hint">
                        <legend>{ t("consent.prescription_legend") }</legend>
                        <p id="prescription-hint" class="hint">{ t("consent.prescription_hint") }</p>
                        <div class="choices">
                            { for PRESCRIPTION_FORMATS.iter().map(|&(format, key, id)| {
                                let on_choose = callbacks.prescription.clone();
                                html! {
                                    <label class="check choice" for={id}>
                                        <input type="radio" name="prescription" id={id} required=true
                                            value={prescription_tag(format)} checked={*prescription == Some(format)}
                                            onchange={Callback::from(move |_: Event| on_choose.emit(format))} />
                                        <span>{ t(key) }</span>
                                    </label>
                                }
                            }) }
                        </div>
                    </fieldset>
                    <div class="answer-buttons">
                        <button id="consent-agree" class="primary" disabled={chosen.is_empty() || prescription.is_none()}
                            onclick={callbacks.send.reform(|_: MouseEvent| true)}>{ t("consent.agree") }</button>
                        <button id="consent-decline" class="secondary" disabled={prescription.is_none()}
                            onclick={callbacks.send.reform(|_: MouseEvent| false)}>
                            { t("consent.decline") }
                        </button>
                    </div>
                    <button id="consent-skip" class="link" onclick={callbacks.skip.clone()}>{ t("consent.skip") }</button>
                </>
            }
        }
        ConsentStep::Sending { .. } => html! { <p role="status">{ t("consent.sending") }</p> },
        ConsentStep::Recorded { agreed, prescription, .. } => {
            let names = |kinds: &[ConsentKind]| -> String {
                kinds.iter().map(|&kind| t(consent_key(kind))).collect::<Vec<_>>().join("・")
            };
            let consent_line = if agreed.is_empty() {
                html! { <p id="consent-recorded" role="status" data-kinds="">{ t("consent.declined") }</p> }
            } else {
                let data: Vec<String> = agreed.iter().map(|&kind| consent_tag(kind)).collect();
                html! {
                    <p id="consent-recorded" role="status" data-kinds={data.join(",")}>
                        { t("consent.recorded") }{ " " }<strong>{ names(agreed) }</strong>
                    </p>
                }
            };
            // What an earlier visit agreed to stays live until it lapses; it is named as such, never as this answer.
            let still_live = step.live_from_before();
            let earlier_line = if still_live.is_empty() {
                html! {}
            } else {
                let items: Vec<String> = still_live
                    .iter()
                    .map(|grant| {
                        let until = crate::i18n::jst_date_time(grant.expires_at);
                        crate::i18n::text_with(
                            lang,
                            "consent.until",
                            &[("kind", &t(consent_key(grant.kind))), ("n", &until)],
                        )
                    })
                    .collect();
                let data: Vec<String> = still_live.iter().map(|grant| consent_tag(grant.kind)).collect();
                html! {
                    <p id="consent-still-live" data-kinds={data.join(",")}>
                        { t("consent.still_live") }{ " " }<strong>{ items.join("・") }</strong>
                    </p>
                }
            };
            html! {
                <>
                    { consent_line }
                    { earlier_line }
                    <p id="prescription-recorded" data-prescription={prescription_tag(*prescription)}>
                        { t("consent.prescription_recorded") }{ " " }<strong>{ t(prescription_key(*prescription)) }</strong>
                    </p>
                </>
            }
        }
        ConsentStep::Skipped => html! { <p id="consent-skipped" role="status">{ t("consent.skipped") }</p> },
        ConsentStep::Failed => {
            html! { <p id="consent-failed" class="warning" role="alert">{ t("consent.failed") }</p> }
        }
    };
    html! {
        <section class="consent" id="consent" aria-labelledby="consent-heading" data-open={step.is_open().to_string()}>
            <h3 id="consent-heading">{ t("consent.heading") }</h3>
            { body }
        </section>
    }
}

/// The offer under an answer that found no insurance linked to a card proved with its PIN: link it now (the
/// 健康保険証利用登録), instead of leaving with a form. The answer's own guidance still names the 申立書 path.
fn registration_offer_view(lang: Lang, on_register: Callback<MouseEvent>) -> Html {
    let t = |key: &str| text(lang, key);
    html! {
        <section class="consent offer" id="register-offer" aria-labelledby="register-offer-heading">
            <h3 id="register-offer-heading">{ t("register.offer_heading") }</h3>
            <p>{ t("register.offer_body") }</p>
            <button id="register-now" class="primary" onclick={on_register}>{ t("register.offer_button") }</button>
        </section>
    }
}

/// The wire name of a consent kind (`diagnosis`, `health_checkup`, …), for the page's data attributes.
fn consent_tag(kind: ConsentKind) -> String {
    serde_json::to_value(kind).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

/// One 特定疾病療養受療証 in the result summary: that a certificate applies, with its monthly limit and the end of its
/// validity when the insurer recorded them. The category names a disease (人工透析, HIV), and a kiosk screen is seen
/// by others in the waiting room, so the patient's screen never shows it; the staff console does.
fn specific_disease_view(lang: Lang, certificate: &SpecificDiseaseCertificate) -> Html {
    let t = |key: &str| text(lang, key);
    let mut details = vec![t("result.specific_disease_applies")];
    if let Some(yen) = certificate.monthly_self_pay_yen {
        details.push(text_n(lang, "result.specific_disease_self_pay", crate::i18n::yen(yen)));
    }
    if let Some(until) = &certificate.valid_until {
        details.push(text_n(lang, "result.specific_disease_until", until));
    }
    html! {
        <>
            <dt>{ t("result.specific_disease") }</dt>
            <dd class="specific-disease">{ details.join(" ・ ") }</dd>
        </>
    }
}

fn validity_key(validity: Validity) -> &'static str {
    match validity {
        Validity::Valid => "validity.valid",
        Validity::Invalid => "validity.invalid",
        Validity::InvalidNewerExists => "validity.invalid_newer",
        Validity::NoQualification => "validity.no_qualification",
        Validity::MultipleMatches => "validity.multiple",
    }
}

/// The answer's guidance in words: a lost qualification says when it ended and asks for the new insurance before
/// the 申立書, rather than read like a card that was never registered.
fn guidance_view(lang: Lang, answer: &QualificationAnswer) -> Html {
    let t = |key: &str| text(lang, key);
    let lost_on = answer.records.iter().find_map(|record| record.disqualification_date);
    let sentence = match (answer.guidance, answer.reason, lost_on) {
        (None, _, _) => return html! {},
        (Some(Guidance::StaffReview), _, _) => t("result.staff_review"),
        (Some(Guidance::ClaimForm), Reason::Lost, Some(date)) => text_n(lang, "result.lost", date_with_era(date)),
        (Some(Guidance::ClaimForm), Reason::NotYetStarted, _) => t("result.not_yet_started"),
        (Some(Guidance::ClaimForm), _, _) => t("result.claim_form"),
    };
    html! { <p class="guidance" id="guidance">{ sentence }</p> }
}

/// A date as patients and staff read it at the counter: 和暦 with 西暦 beside it, in every language.
fn date_with_era(date: IsoDate) -> String {
    onshi_proto::wareki::format_with_iso(date)
}

fn result_view(lang: Lang, answer: &QualificationAnswer, card: CardReminder, questions_open: bool) -> Html {
    let t = |key: &str| text(lang, key);
    let validity_class = if answer.validity == Validity::Valid { "valid" } else { "invalid" };
    // A 無効 answer carries no share to pay under the lost qualification; it shows when that ended instead.
    let lost = answer.validity == Validity::Invalid;
    html! {
        <section aria-labelledby="heading" class="result" id="result" data-validity={format!("{:?}", answer.validity)}>
            <h2 id="heading" tabindex="-1">{ t("result.heading") }</h2>
            <p class={classes!("validity", validity_class)}>
                <span class="label">{ t("result.validity") }</span>
                // The staff read the national label at a glance; a patient reading another language gets theirs too.
                <strong id="validity" lang="ja">{ text(Lang::Ja, validity_key(answer.validity)) }</strong>
                if lang != Lang::Ja {
                    <span class="translated" id="validity-translated">{ t(validity_key(answer.validity)) }</span>
                }
            </p>
            { for answer.records.iter().map(|record| html! {
                <dl class="record">
                    <dt>{ t("result.name") }</dt><dd>{ &record.name }</dd>
                    <dt>{ t("result.birth_date") }</dt><dd id="birth-date">{ date_with_era(record.birth_date) }</dd>
                    <dt>{ t("result.insurer") }</dt><dd>{ &record.insurer_name }</dd>
                    <dt>{ t("result.insurer_number") }</dt><dd>{ &record.insurer_number }</dd>
                    <dt>{ t("result.symbol_number") }</dt>
                    <dd>{ format!("{} ・ {} ・ {}", record.symbol.as_deref().unwrap_or("—"), record.number, record.branch.as_deref().unwrap_or("—")) }</dd>
                    <dt>{ t("result.personal_family") }</dt>
                    <dd>{ t(if record.personal_family == PersonalFamily::Insured { "result.insured" } else { "result.dependent" }) }</dd>
                    if lost {
                        if let Some(date) = record.disqualification_date {
                            <dt>{ t("result.disqualification_date") }</dt>
                            <dd id="disqualification-date">{ date_with_era(date) }</dd>
                        }
                    } else {
                        <dt>{ t("result.ratio") }</dt>
                        <dd id="ratio">{ text_n(lang, "result.ratio_value", record.partial_contribution_percent / 10) }</dd>
                    }
                    { for record.specific_diseases.iter().map(|certificate| specific_disease_view(lang, certificate)) }
                </dl>
            }) }
            { guidance_view(lang, answer) }
            { match (card, questions_open) {
                // The card may stay while the patient answers; it is asked for once nothing is left to answer.
                (CardReminder::InReader | CardReminder::LeftBehind, true) => html! {
                    <p class="hint" id="answer-first">{ t("result.answer_first") }</p>
                },
                (CardReminder::Taken, true) => html! {
                    <p class="hint" id="card-taken-early" role="status">{ t("result.card_taken_answer_first") }</p>
                },
                (CardReminder::InReader, false) => html! { <p class="remove" id="remove-card">{ t("result.remove_card") }</p> },
                (CardReminder::LeftBehind, false) => html! {
                    <p class="remove alert" id="card-left-behind" role="alert">{ t("result.card_left_behind") }</p>
                },
                (CardReminder::Taken, false) => html! {
                    <p class="done" id="card-taken" role="status">{ t("result.card_taken") }</p>
                },
            } }
        </section>
    }
}
