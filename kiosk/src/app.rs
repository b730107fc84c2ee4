//! The kiosk application: composes the hooks (device, check-in, idle clock, reader status) and shows the screen the
//! pure machine in [`crate::state`] is on, handing each screen view the language and what it drives.
//!
//! Must not: hold the PIN (the check-in hook does), or decide a screen change itself: every change is an
//! [`Action`] for the reducer.

use std::cell::RefCell;
use std::rc::Rc;

use onshi_proto::patient_mode::{PatientAid, PatientMode};

use onshi_web::page::{self, KIOSK_SCREEN};
use yew::prelude::*;

use crate::checkin::task::{PatientModeSource, UiCommand};
use crate::hooks::use_check_in::use_check_in;
use crate::hooks::use_device::{DeviceState, use_device};
use crate::hooks::use_idle::use_idle;
use crate::hooks::use_keys::{focus_of, use_keys};
use crate::hooks::use_language::{use_language, use_language_prefetch};
use crate::hooks::use_reader_status::{ReaderStatus, use_reader_status, use_virtual_cards};
use crate::hooks::use_voice::use_voice;
use crate::i18n::{Lang, text};
use crate::keys::{KeyCommand, key_command};
use crate::screens::header::{AidToggle, Aids};
use crate::screens::pin_pad::PinPadState;
use crate::screens::{
    access_log, access_log_offer, blocked, cancel_terms, cancelled, consent, enrol, failed, header, idle_warning,
    insert_card, no_pin, petition, pin_pad, progress, registered, registration_offer, registration_terms, result,
    visual_assist, visual_check, welcome, withdrawal_confirm, withdrawal_offer, withdrawn,
};
use crate::state::{AccessLogView, Action, ConsentStep, Failure, IdlePhase, Screen};

/// The reducer wrapper Yew needs around the pure [`Screen`] machine.
#[derive(Clone, Debug, PartialEq)]
struct ScreenState(Screen);

impl Reducible for ScreenState {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(ScreenState(self.0.clone().apply(action)))
    }
}

/// The kiosk application.
/// How staff are told the patient uses the kiosk: its language by tag, and the aids on.
fn patient_mode_of(lang: Lang, aids: Aids) -> PatientMode {
    let on = [
        (aids.voice, PatientAid::Voice),
        (aids.large, PatientAid::LargeText),
        (aids.contrast, PatientAid::HighContrast),
    ];
    PatientMode::new(lang.tag().parse().ok(), on.into_iter().filter_map(|(on, aid)| on.then_some(aid)).collect())
}

#[function_component(App)]
pub fn app() -> Html {
    let screen = use_reducer(|| ScreenState(Screen::Welcome));
    let dispatcher = screen.dispatcher();
    let dispatch = (*use_memo((), move |_| Callback::from(move |action: Action| dispatcher.dispatch(action)))).clone();
    let aids = use_state(Aids::default);
    // The check-in task reads the patient's language and aids when it asks for the qualification, whenever they
    // were chosen (a card placed first, the language changed at the PIN pad): the app keeps this one copy current.
    let patient_mode: PatientModeSource = (*use_memo((), |_| Rc::new(RefCell::new(PatientMode::default())))).clone();
    let language = use_language();
    let lang = language.choice().shown;
    {
        let patient_mode = patient_mode.clone();
        use_effect_with((lang, *aids), move |(lang, aids)| {
            *patient_mode.borrow_mut() = patient_mode_of(*lang, *aids);
        });
    }
    let check_in = use_check_in(&screen.0, dispatch.clone(), patient_mode);
    let lapsed = matches!(screen.0, Screen::Failed(Failure::DeviceNotEnrolled));
    let device = use_device(dispatch.clone(), lapsed, {
        let check_in = check_in.clone();
        Callback::from(move |()| check_in.cancel())
    });
    let enrolled = device.enrolled();
    let page_name = match device.state() {
        DeviceState::Enrolled(_) => screen_name(&screen.0),
        DeviceState::Loading => "starting",
        DeviceState::NotEnrolled { .. } | DeviceState::Enrolling => "enrol",
    };
    // Start over: stop the check-in, wipe the PIN, forget the answer, go back to Japanese and turn the aids off
    // (voice, large text, high contrast belong to this patient), so the next person finds the kiosk exactly as the
    // first one did.
    let start_over = {
        let (check_in, language, aids) = (check_in.clone(), language.clone(), aids.clone());
        Callback::from(move |()| {
            check_in.start_over();
            language.reset();
            aids.set(Aids::default());
        })
    };
    let on_aid = {
        let aids = aids.clone();
        Callback::from(move |which: AidToggle| {
            let mut now = *aids;
            match which {
                AidToggle::Voice => now.voice = !now.voice,
                AidToggle::Large => now.large = !now.large,
                AidToggle::Contrast => now.contrast = !now.contrast,
            }
            aids.set(now);
        })
    };
    // The idle clock runs neither on an untouched start screen nor while the person waits for the kiosk.
    let idle_counts = enrolled.is_some()
        && !screen.0.is_busy()
        && (screen.0 != Screen::Welcome || !language.choice().is_initial() || *aids != Aids::default());
    let idle = use_idle(idle_counts, page_name, screen.0.clears_soon(), &check_in, start_over.clone());
    let reader = use_reader_status(page_name == "welcome");
    use_language_prefetch(page_name == "welcome");
    let virtual_cards = use_virtual_cards();
    let on_start = {
        let (check_in, enrolled) = (check_in.clone(), enrolled.clone());
        Callback::from(move |(card, purpose)| {
            if let Some(device) = enrolled.clone() {
                check_in.start(device, card, purpose);
            }
        })
    };
    // Touch-free start: while the start screen shows and a reader this kiosk may use is plugged in, the reader is
    // open and a card placed on it begins the check-in (or the registration, at a registration point).
    {
        let waits = page_name == "welcome" && reader == ReaderStatus::Connected;
        let (check_in, enrolled) = (check_in.clone(), enrolled.clone());
        use_effect_with((waits, enrolled.is_some()), move |&(waits, _)| {
            if let (true, Some(device)) = (waits, enrolled) {
                check_in.wait_for_card(device, welcome::default_purpose());
            }
        });
    }
    // The patient's keys (numeric keypad or keyboard) drive every screen as the buttons do.
    {
        let (screen, check_in, dispatch, on_start, start_over) =
            (screen.0.clone(), check_in.clone(), dispatch.clone(), on_start.clone(), start_over.clone());
        let (active, on_aid) = (enrolled.is_some(), on_aid.clone());
        use_keys(Callback::from(move |event: KeyboardEvent| {
            if !active || event.ctrl_key() || event.alt_key() || event.meta_key() {
                return;
            }
            let (on_control, on_field) = focus_of(&event);
            let Some(command) = key_command(&screen, &event.key(), on_control, on_field) else { return };
            event.prevent_default();
            match command {
                KeyCommand::Digit(digit) => check_in.type_digit(digit),
                KeyCommand::TakeBack => check_in.take_back_digit(),
                KeyCommand::Clear => check_in.clear_pin(),
                KeyCommand::Submit => {
                    if let Some(submit) = screen.pin_submit() {
                        check_in.press_pin_ok(submit);
                    }
                }
                KeyCommand::ConfirmLastTry => {
                    if let Some(action) = screen.last_try_confirmation() {
                        check_in.submit_pin(action);
                    }
                }
                KeyCommand::Start => on_start.emit((None, welcome::default_purpose())),
                KeyCommand::StartOver => start_over.emit(()),
                KeyCommand::Voice => on_aid.emit(AidToggle::Voice),
                KeyCommand::Certificates(true) => {
                    check_in.send(Action::CertificatesAnswered(true), UiCommand::UseRecipientCertificates);
                }
                KeyCommand::Certificates(false) => dispatch.emit(Action::CertificatesAnswered(false)),
                KeyCommand::Sharing(choice) => dispatch.emit(Action::SharingAnswered(choice)),
                KeyCommand::ToggleKind(kind) => dispatch.emit(Action::ToggleConsent(kind)),
                KeyCommand::KindsChosen => dispatch.emit(Action::KindsChosen),
                KeyCommand::SpecificDisease(agreed) => dispatch.emit(Action::SpecificDiseaseAnswered(agreed)),
                KeyCommand::ConsentBack => dispatch.emit(Action::ConsentBack),
                KeyCommand::Prescription(format) => {
                    if let Screen::Result { consent: ConsentStep::Asking { chosen, .. }, .. } = &screen {
                        let kinds = ConsentStep::to_send(chosen);
                        check_in
                            .send(Action::ConsentSubmitted(format), UiCommand::Consent { kinds, prescription: format });
                    }
                }
            }
        }));
    }
    let spoken =
        use_voice(aids.voice && enrolled.is_some(), lang, &screen.0, reader == ReaderStatus::Connected, idle.phase);
    // Every new screen moves keyboard and screen-reader focus to its heading, and leaves a performance mark, so
    // that the benchmark can measure the kiosk's own time between screens.
    use_effect_with(page_name, |name| {
        page::focus("heading");
        page::mark(KIOSK_SCREEN, name);
    });
    // The next consent question replaces the one answered under the same answer: the focus moves to the question,
    // as it would to a new screen's heading, but not when the answer first appears (its heading has the focus).
    {
        let asked_before = use_mut_ref(|| None);
        use_effect_with(screen.0.consent_stage(), move |stage| {
            let before = asked_before.replace(*stage);
            if before.is_some() && stage.is_some() && before != *stage {
                page::focus("consent-heading");
            }
        });
    }
    // The document's language follows the switcher, so that the header, too, is read in the right voice; the
    // document's classes follow the aids, so that large text and high contrast reach every part of the page.
    use_effect_with((lang, *aids), |(lang, aids)| {
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", lang.tag());
            let classes = root.class_list();
            let _ = classes.toggle_with_force("large-text", aids.large);
            let _ = classes.toggle_with_force("high-contrast", aids.contrast);
        }
    });

    let lang_value = lang;
    let progress = |message: &str| progress::progress(lang_value, message);
    let body = match device.state() {
        DeviceState::Loading => progress("enrol.checking"),
        DeviceState::Enrolling => progress("enrol.enrolling"),
        DeviceState::NotEnrolled { failed, lapsed } => {
            let device = device.clone();
            enrol::enrol(lang_value, *failed, *lapsed, &Callback::from(move |code| device.enrol(code)))
        }
        DeviceState::Enrolled(_) => match &screen.0 {
            Screen::Welcome => welcome::welcome(lang_value, reader, &virtual_cards, &on_start),
            Screen::Connecting => progress("reader.connecting"),
            Screen::InsertCard => insert_card::insert_card(lang_value),
            Screen::ReadingCard => progress("card.reading"),
            &Screen::PinEntry { tries_left, entered, last_was_wrong, confirming_last_try } => {
                let ok = screen.0.pin_submit();
                let state = PinPadState { tries_left, entered, last_was_wrong, confirming_last_try, ok };
                pin_pad::pin_pad(lang_value, &state, &check_in)
            }
            Screen::VisualCheck => visual_check::visual_check(lang_value, &check_in),
            Screen::RegistrationTerms => registration_terms::registration_terms(lang_value, &check_in),
            Screen::Registering => progress("progress.registering"),
            Screen::Registered(outcome) => registered::registered(lang_value, *outcome),
            Screen::RegistrationCancelTerms => cancel_terms::cancel_terms(lang_value, &check_in),
            Screen::CancellingRegistration => progress("progress.cancelling"),
            Screen::RegistrationCancelled(outcome) => cancelled::cancelled(lang_value, *outcome),
            Screen::WithdrawalConfirm { .. } => {
                withdrawal_confirm::withdrawal_confirm(lang_value, &dispatch, &check_in)
            }
            Screen::WithdrawingConsent => progress("progress.withdrawing"),
            Screen::ConsentWithdrawn(kinds) => withdrawn::withdrawn(lang_value, kinds),
            Screen::AccessLog { view, .. } => access_log::access_log(lang_value, view, &dispatch, &check_in),
            Screen::Verifying => progress("progress.verifying"),
            Screen::Authenticating => progress("progress.authenticating"),
            Screen::Querying => progress("progress.querying"),
            // The answer and its question side by side on a landscape kiosk, so both are on screen without
            // scrolling; one after the other, in that order, on a phone.
            Screen::Result { answer, card, consent, certificate, .. } => html! {
                <div class="result-layout">
                    { result::result_view(lang_value, answer, *card, consent.is_open(), certificate.notice) }
                    // The question and, once it is answered, the way to take a consent back, in one column.
                    <div class="result-questions">
                        if screen.0.offers_registration() {
                            { registration_offer::registration_offer(lang_value, &dispatch) }
                        } else {
                            { consent::consent(lang_value, consent, &dispatch, &check_in) }
                        }
                        if screen.0.offers_consent_withdrawal() {
                            { withdrawal_offer::withdrawal_offer(lang_value, &dispatch) }
                        }
                        if screen.0.offers_access_log() {
                            { access_log_offer::access_log_offer(lang_value, &check_in) }
                        }
                    </div>
                </div>
            },
            Screen::Blocked { card_taken } => blocked::blocked(lang_value, *card_taken, &check_in),
            Screen::NoPin { card_taken } => no_pin::no_pin(lang_value, *card_taken, &check_in),
            Screen::Assist { step, back } => {
                visual_assist::visual_assist(lang_value, *step, **back == Screen::VisualCheck, &check_in)
            }
            Screen::Failed(failure) => failed::failed(lang_value, *failure, &check_in),
            Screen::Petition { step, card_taken } => {
                petition::petition(lang_value, step, *card_taken, &check_in, &start_over)
            }
        },
    };

    let show_reset = enrolled.is_some() && screen.0 != Screen::Welcome;
    let unavailable = language.choice().unavailable;
    let on_lang = Callback::from(move |chosen: Lang| language.choose(chosen));
    html! {
        <div class="kiosk" onpointerdown={idle.touch.reform(|_: PointerEvent| ())}
            onkeydown={idle.touch.reform(|_: KeyboardEvent| ())}>
            { header::header(lang_value, *aids, spoken, unavailable, &on_lang, &on_aid) }
            <main lang={lang_value.tag()} data-screen={page_name}>
                { body }
                if show_reset {
                    <button id="start-over" class="secondary" onclick={start_over.reform(|_: MouseEvent| ())}>
                        { text(lang_value, "action.start_over") }
                    </button>
                }
                if let IdlePhase::Warning { seconds_left } = idle.phase {
                    { idle_warning::idle_warning(lang_value, seconds_left, &idle.touch) }
                }
            </main>
        </div>
    }
}

/// The page name of a screen, for the `data-screen` attribute and the performance marks.
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
        Screen::RegistrationCancelTerms => "registration-cancel-terms",
        Screen::CancellingRegistration => "cancelling-registration",
        Screen::RegistrationCancelled(_) => "registration-cancelled",
        Screen::WithdrawalConfirm { .. } => "withdrawal-confirm",
        Screen::WithdrawingConsent => "withdrawing-consent",
        Screen::ConsentWithdrawn(_) => "consent-withdrawn",
        Screen::AccessLog { view: AccessLogView { page: None, .. }, .. } => "access-log-loading",
        Screen::AccessLog { .. } => "access-log",
        Screen::Verifying => "verifying",
        Screen::Authenticating => "authenticating",
        Screen::Querying => "querying",
        Screen::Result { .. } => "result",
        Screen::Blocked { .. } => "blocked",
        Screen::NoPin { .. } => "no-pin",
        Screen::Assist { .. } => "assist",
        Screen::Failed(_) => "failed",
        Screen::Petition { .. } => "petition",
    }
}
