//! The running check-in as the screens see it: the one owner of the channel to the check-in task and of the
//! zeroizing [`PinBuffer`]. Every event that concerns the typed digits is handed to [`PinBuffer::follow`], which
//! decides (and its native tests prove) which of them wipe the digits; every way a check-in is called off goes
//! through [`CheckInHandle::cancel`]; the digits leave the buffer only moved into a
//! [`Pin`](onshi_card::jpki::Pin) for the task.
//!
//! Must not: decide what a screen shows (the reducer in [`crate::state`] does, from the actions sent to it), copy,
//! log or format the PIN.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::mpsc::{UnboundedSender, unbounded};
use futures::lock::Mutex;
use gloo_timers::future::TimeoutFuture;
use yew::prelude::*;

use onshi_card::card_face::CardFace;
use onshi_proto::petition::PetitionItems;

use crate::checkin::petition::ShownItems;
use crate::checkin::task::{self, PatientModeSource, ShownFace, Start, UiCommand};
use crate::petition::PetitionEvent;
use crate::pin_buffer::{PinBuffer, PinEvent};
use crate::platform::device::Device;
use crate::platform::webusb::{self, UsbListener};
use crate::state::{Action, CARD_LEFT_BEHIND_SECS, Failure, PinSubmit, Purpose, Screen};

/// The kiosk's one PIN buffer, shared by the handle's clones.
type SharedPin = Rc<RefCell<PinBuffer>>;

/// The channel to the running check-in task, when one runs.
type Commands = Rc<RefCell<Option<UnboundedSender<UiCommand>>>>;

/// The check-in as the screens drive it. Clones share one buffer, one channel and one run counter.
#[derive(Clone)]
pub struct CheckInHandle {
    pin: SharedPin,
    commands: Commands,
    /// Each check-in task reports through a dispatch stamped with its run; starting over or starting again moves
    /// the run on, so a late message from a cancelled task (a chooser closed after 最初にもどる, say) is dropped,
    /// and so is a timer started for an earlier run.
    run: Rc<RefCell<u32>>,
    /// The listener that ends the running check-in when the reader is unplugged.
    unplug: Rc<RefCell<Option<UsbListener>>>,
    /// The running task waits, on the start screen, for a card to be placed, and has shown nothing yet.
    waiting: Rc<Cell<bool>>,
    /// Held by a task while it uses the reader: a task that was just called off still closes the reader, and the
    /// next one (the start screen waiting again) opens it only after that, never the other way round.
    reader_lock: Rc<Mutex<()>>,
    dispatch: Callback<Action>,
    /// The patient's language and aids, which the app keeps current, for the task to send with the qualification.
    patient_mode: PatientModeSource,
    /// The card face the 目視 assist opened, until its screen takes it.
    shown_face: ShownFace,
    /// The 申立書 capture's 4 items while its review shows; emptied the moment the review leaves the screen.
    shown_items: ShownItems,
}

impl PartialEq for CheckInHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.pin, &other.pin) && self.dispatch == other.dispatch
    }
}

impl std::fmt::Debug for CheckInHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckInHandle").field("run", &self.run).finish_non_exhaustive()
    }
}

impl CheckInHandle {
    /// Hands `event` to the PIN buffer, which forgets the digits when it is a way out of the PIN pad; the count
    /// after it.
    fn pin_follows(&self, event: PinEvent) -> usize {
        self.pin.borrow_mut().follow(event)
    }

    /// Calls off the running check-in, if any, and forgets the typed digits: the task releases the reader.
    pub fn cancel(&self) {
        self.pin_follows(PinEvent::Cancel);
        drop(self.shown_face.borrow_mut().take());
        drop(self.shown_items.borrow_mut().take());
        self.waiting.set(false);
        if let Some(sender) = self.commands.borrow_mut().take() {
            let _ = sender.unbounded_send(UiCommand::Cancel);
        }
    }

    /// The current run; a timer compares it later to learn whether the person started over meanwhile.
    pub fn run(&self) -> u32 {
        *self.run.borrow()
    }

    /// Moves the run on, calling off every late message and timer of the runs before.
    fn next_run(&self) -> u32 {
        let mut run = self.run.borrow_mut();
        *run += 1;
        *run
    }

    /// Starts over: calls off the check-in and shows the start screen.
    pub fn start_over(&self) {
        self.next_run();
        self.pin_follows(PinEvent::StartOver);
        self.cancel();
        self.dispatch.emit(Action::Reset);
    }

    /// Starts a check-in (or a registration) as the enrolled `device`, on demo card `virtual_card` of the virtual
    /// reader when one is given. A task waiting for a card on the start screen begins at once (it has the reader
    /// open); any other check-in still running is called off first.
    pub fn start(&self, device: Device, virtual_card: Option<u32>, purpose: Purpose) {
        if virtual_card.is_none() && self.waiting.get() {
            let begun =
                self.commands.borrow().as_ref().is_some_and(|s| s.unbounded_send(UiCommand::Begin(purpose)).is_ok());
            if begun {
                self.waiting.set(false);
                self.dispatch.emit(Action::Connect);
                return;
            }
        }
        self.spawn(device, virtual_card, Start::Pressed(purpose));
    }

    /// On the start screen: opens the remembered reader and waits for a card to be placed on it, so that the
    /// check-in (or registration, per `purpose`) begins without a touch. Shows nothing until then.
    pub fn wait_for_card(&self, device: Device, purpose: Purpose) {
        self.spawn(device, None, Start::WhenCardPlaced(purpose));
    }

    fn spawn(&self, device: Device, virtual_card: Option<u32>, start: Start) {
        self.cancel();
        let (sender, receiver) = unbounded();
        *self.commands.borrow_mut() = Some(sender);
        let waiting = matches!(start, Start::WhenCardPlaced(_));
        self.waiting.set(waiting);
        if !waiting {
            self.dispatch.emit(Action::Connect);
        }
        let run = self.next_run();
        // The first action a waiting task reports is the card placed: from then on it is a check-in like any other.
        let dispatch = {
            let (dispatch, current, waiting) = (self.dispatch.clone(), self.run.clone(), self.waiting.clone());
            Callback::from(move |action: Action| {
                if *current.borrow() == run {
                    waiting.set(false);
                    dispatch.emit(action);
                }
            })
        };
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _reader = this.reader_lock.lock().await;
            if *this.run.borrow() != run {
                return;
            }
            if let Some(index) = virtual_card {
                webusb::install_virtual_reader(index).await;
            }
            // An unplugged reader ends the running check-in at once, even while it waits for the PIN and no
            // transfer is pending to fail. The listener is on the reader object in use (the virtual reader may
            // just have replaced it) and stays until the next check-in replaces it.
            // A reader unplugged while the start screen waits only ends the wait.
            let on_unplug = {
                let (commands, dispatch, waiting) = (this.commands.clone(), dispatch.clone(), this.waiting.clone());
                move || {
                    if let Some(sender) = commands.borrow_mut().take() {
                        let _ = sender.unbounded_send(UiCommand::Cancel);
                        if !waiting.replace(false) {
                            dispatch.emit(Action::Fail(Failure::ReaderDisconnected));
                        }
                    }
                }
            };
            *this.unplug.borrow_mut() = webusb::on_unplug(on_unplug);
            let (mode, face, items) = (this.patient_mode.clone(), this.shown_face.clone(), this.shown_items.clone());
            task::run(dispatch, receiver, device, start, mode, face, items).await;
        });
    }

    /// Sends `command` to the running check-in, showing `action` first; nothing happens when none runs.
    pub fn send(&self, action: Action, command: UiCommand) {
        if let Some(sender) = self.commands.borrow().as_ref() {
            self.dispatch.emit(action);
            let _ = sender.unbounded_send(command);
        }
    }

    /// One more digit on the PIN pad (ignored once the PIN is complete).
    pub fn type_digit(&self, digit: char) {
        let entered = self.pin.borrow_mut().push(digit);
        self.dispatch.emit(Action::PinTyped { entered });
    }

    /// Takes back the last digit, overwriting it.
    pub fn take_back_digit(&self) {
        let entered = self.pin.borrow_mut().take_back();
        self.dispatch.emit(Action::PinTyped { entered });
    }

    /// Empties the PIN pad (also withdrawing a pending last-try confirmation: the state machine's rule).
    pub fn clear_pin(&self) {
        let entered = self.pin_follows(PinEvent::Clear);
        self.dispatch.emit(Action::PinTyped { entered });
    }

    /// Moves the typed digits into a [`Pin`](onshi_card::jpki::Pin) and hands it to the check-in task, showing
    /// `action`; the buffer is zeroized as the digits leave it, and the `Pin` zeroizes itself after VERIFY.
    pub fn submit_pin(&self, action: Action) {
        let Some(pin) = self.pin.borrow_mut().take_pin() else {
            self.dispatch.emit(Action::PinTyped { entered: 0 });
            return;
        };
        self.send(action, UiCommand::SubmitPin(pin));
    }

    /// OK on a PIN pad, as the screen decided ([`Screen::pin_submit`](crate::state::Screen::pin_submit)): at one
    /// try left only the confirmation shows (the digits stay in the buffer); otherwise the PIN goes to the card.
    pub fn press_pin_ok(&self, submit: PinSubmit) {
        match submit {
            PinSubmit::AskFirst(action) => self.dispatch.emit(action),
            PinSubmit::Send(action) => self.submit_pin(action),
        }
    }

    /// The staff's visual check instead of the PIN: the typed digits are dropped unsent, as the visual check never
    /// uses the PIN.
    pub fn choose_visual_check(&self) {
        self.pin_follows(PinEvent::VisualCheck);
        self.send(Action::ChooseVisualCheck, UiCommand::VisualCheck);
    }

    /// Staff open the 目視 assist at the kiosk.
    pub fn open_assist(&self) {
        self.send(Action::OpenAssist, UiCommand::OpenAssist);
    }

    /// Staff submit 照合番号B's three parts: a part that cannot be right is named on the form and nothing goes to
    /// the card; otherwise the number, zeroizing, goes to the task for its one attempt.
    pub fn submit_collation(&self, birth_wareki: &str, expiry_year: &str, security_code: &str) {
        match crate::assist::collation_number(birth_wareki, expiry_year, security_code) {
            Ok(number) => self.send(Action::AssistSubmitted, UiCommand::AssistCollation(number)),
            Err(problem) => self.dispatch.emit(Action::AssistInvalid(problem)),
        }
    }

    /// Staff leave the assist; back on the 目視 waiting screen, the request it withdrew is asked for again.
    pub fn close_assist(&self, back_to_waiting: bool) {
        if back_to_waiting {
            self.send(Action::AssistClosed, UiCommand::AssistBackToWaiting);
        } else {
            self.dispatch.emit(Action::AssistClosed);
        }
    }

    /// Staff found that the card face and the person do not match.
    pub fn assist_mismatch(&self) {
        self.send(Action::AssistMismatch, UiCommand::AssistMismatch);
    }

    /// Staff confirmed that the card face and the person match: the request goes out with the card's proof.
    pub fn assist_confirm(&self) {
        self.send(Action::AssistConfirmed, UiCommand::AssistConfirm);
    }

    /// The patient answered the 申立書 capture's question on screen: fill it from the card (then: send what was
    /// read), or not.
    pub fn answer_petition(&self, yes: bool) {
        self.send(Action::Petition(PetitionEvent::Answered(yes)), UiCommand::PetitionAnswer(yes));
    }

    /// The 申立書 capture's 4 items, for its review screen to show while it is on screen (a copy; the cell keeps
    /// its own until the review leaves).
    pub fn petition_items(&self) -> Option<PetitionItems> {
        self.shown_items.borrow().clone()
    }

    /// The card face the assist opened, for its screen to show and then drop (wiped); `None` once taken.
    pub fn take_face(&self) -> Option<CardFace> {
        self.shown_face.borrow_mut().take()
    }
}

/// The check-in of the kiosk showing `screen`, reporting to `dispatch`. The PIN pad is the only screen that holds
/// digits, so leaving it for any reason forgets them; and once nothing is left to answer and the card is still in
/// the reader, the kiosk asks for it and raises the alert if it stays.
#[hook]
pub fn use_check_in(screen: &Screen, dispatch: Callback<Action>, patient_mode: PatientModeSource) -> CheckInHandle {
    let pin: SharedPin = use_mut_ref(PinBuffer::default);
    let commands: Commands = use_mut_ref(|| None);
    let run = use_mut_ref(|| 0u32);
    let unplug = use_mut_ref(|| None);
    let waiting = (*use_memo((), |_| Rc::new(Cell::new(false)))).clone();
    let reader_lock = (*use_memo((), |_| Rc::new(Mutex::new(())))).clone();
    let shown_face: ShownFace = use_mut_ref(|| None);
    let shown_items: ShownItems = use_mut_ref(|| None);
    let handle = CheckInHandle {
        pin,
        commands,
        run,
        unplug,
        waiting,
        reader_lock,
        dispatch,
        patient_mode,
        shown_face,
        shown_items,
    };
    {
        // The items are on a shared screen only while the review shows: leaving it for any reason wipes them.
        let shown_items = handle.shown_items.clone();
        use_effect_with(matches!(screen, Screen::Petition { step, .. } if step.shows_items()), move |shows| {
            if !*shows {
                drop(shown_items.borrow_mut().take());
            }
        });
    }
    {
        let handle = handle.clone();
        use_effect_with(PinEvent::shown(screen), move |shown| {
            handle.pin_follows(*shown);
        });
    }
    {
        // The alert never fires while the patient is still answering the question on screen.
        let dispatch = handle.dispatch.clone();
        let card_ask = use_mut_ref(|| 0u32);
        use_effect_with(screen.asks_for_the_card(), move |asks| {
            *card_ask.borrow_mut() += 1;
            if *asks {
                let started = *card_ask.borrow();
                wasm_bindgen_futures::spawn_local(async move {
                    TimeoutFuture::new(CARD_LEFT_BEHIND_SECS.saturating_mul(1_000)).await;
                    if *card_ask.borrow() == started {
                        dispatch.emit(Action::CardLeftBehind);
                    }
                });
            }
        });
    }
    handle
}
