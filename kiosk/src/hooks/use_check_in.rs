//! The running check-in as the screens see it: the one owner of the channel to the check-in task and of the
//! zeroizing PIN buffer. Every way the typed digits are forgotten goes through [`CheckInHandle::forget_pin`], and
//! every way a check-in is called off through [`CheckInHandle::cancel`]; the digits leave the buffer only moved
//! into a [`Pin`] for the task.
//!
//! Must not: decide what a screen shows (the reducer in [`crate::state`] does, from the actions sent to it), copy,
//! log or format the PIN.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::mpsc::{UnboundedSender, unbounded};
use futures::lock::Mutex;
use gloo_timers::future::TimeoutFuture;
use onshi_card::jpki::Pin;
use yew::prelude::*;
use zeroize::{Zeroize, ZeroizeOnDrop};

use onshi_card::card_face::CardFace;

use crate::checkin::task::{self, PatientModeSource, ShownFace, Start, UiCommand};
use crate::platform::device::Device;
use crate::platform::webusb::{self, UsbListener};
use crate::state::{Action, CARD_LEFT_BEHIND_SECS, Failure, PIN_LEN, Purpose, Screen};

/// The PIN digits typed so far, in a fixed array with no spare capacity: every byte that ever held a digit is in
/// view, so overwriting the array forgets them all. (A `String` keeps a digit taken back with `pop` in its spare
/// capacity until the next wipe.) Zeroized when forgotten, submitted or dropped.
#[derive(Default, Zeroize, ZeroizeOnDrop)]
struct PinDigits {
    digits: [u8; PIN_LEN],
    len: usize,
}

impl PinDigits {
    /// Adds one ASCII digit (anything else, or a digit past a complete PIN, is ignored); the count after it.
    fn push(&mut self, digit: char) -> usize {
        if let (Some(slot), true) = (self.digits.get_mut(self.len), digit.is_ascii_digit()) {
            // An ASCII digit is one byte.
            *slot = digit as u8;
            self.len += 1;
        }
        self.len
    }

    /// Takes back the last digit, overwriting it; the count after it.
    fn pop(&mut self) -> usize {
        self.len = self.len.saturating_sub(1);
        if let Some(slot) = self.digits.get_mut(self.len) {
            slot.zeroize();
        }
        self.len
    }

    /// Moves the digits into a [`Pin`] (when they are a whole PIN) and forgets them here either way.
    fn take_pin(&mut self) -> Option<Pin> {
        let pin = std::str::from_utf8(self.digits.get(..self.len).unwrap_or_default())
            .ok()
            .and_then(|digits| Pin::new(digits).ok());
        self.zeroize();
        pin
    }
}

/// The kiosk's one PIN buffer, shared by the handle's clones.
type PinBuffer = Rc<RefCell<PinDigits>>;

/// The channel to the running check-in task, when one runs.
type Commands = Rc<RefCell<Option<UnboundedSender<UiCommand>>>>;

/// The check-in as the screens drive it. Clones share one buffer, one channel and one run counter.
#[derive(Clone)]
pub struct CheckInHandle {
    pin: PinBuffer,
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
    /// Empties the PIN buffer, overwriting the digits: the one way the kiosk forgets a typed PIN.
    pub fn forget_pin(&self) {
        self.pin.borrow_mut().zeroize();
    }

    /// Calls off the running check-in, if any, and forgets the typed digits: the task releases the reader.
    pub fn cancel(&self) {
        self.forget_pin();
        drop(self.shown_face.borrow_mut().take());
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
            task::run(dispatch, receiver, device, start, this.patient_mode.clone(), this.shown_face.clone()).await;
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
        let entered = self.pin.borrow_mut().pop();
        self.dispatch.emit(Action::PinTyped { entered });
    }

    /// Empties the PIN pad (also withdrawing a pending last-try confirmation: the state machine's rule).
    pub fn clear_pin(&self) {
        self.forget_pin();
        self.dispatch.emit(Action::PinTyped { entered: 0 });
    }

    /// Moves the typed digits into a [`Pin`] and hands it to the check-in task, showing `action`; the buffer is
    /// zeroized as the digits leave it, and the `Pin` zeroizes itself after VERIFY.
    pub fn submit_pin(&self, action: Action) {
        let Some(pin) = self.pin.borrow_mut().take_pin() else {
            self.dispatch.emit(Action::PinTyped { entered: 0 });
            return;
        };
        self.send(action, UiCommand::SubmitPin(pin));
    }

    /// The staff's visual check instead of the PIN: the typed digits are dropped unsent, as the visual check never
    /// uses the PIN.
    pub fn choose_visual_check(&self) {
        self.forget_pin();
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
    let pin: PinBuffer = use_mut_ref(PinDigits::default);
    let commands: Commands = use_mut_ref(|| None);
    let run = use_mut_ref(|| 0u32);
    let unplug = use_mut_ref(|| None);
    let waiting = (*use_memo((), |_| Rc::new(Cell::new(false)))).clone();
    let reader_lock = (*use_memo((), |_| Rc::new(Mutex::new(())))).clone();
    let shown_face: ShownFace = use_mut_ref(|| None);
    let handle = CheckInHandle { pin, commands, run, unplug, waiting, reader_lock, dispatch, patient_mode, shown_face };
    {
        let handle = handle.clone();
        use_effect_with(matches!(screen, Screen::PinEntry { .. }), move |on_pin_pad| {
            if !*on_pin_pad {
                handle.forget_pin();
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A handle with no check-in task running and a dispatch that goes nowhere, over `pin`.
    fn handle(pin: &PinBuffer) -> CheckInHandle {
        CheckInHandle {
            pin: pin.clone(),
            commands: Rc::default(),
            run: Rc::default(),
            unplug: Rc::default(),
            dispatch: Callback::from(|_: Action| ()),
        }
    }

    /// A buffer holding a whole typed PIN.
    fn typed(pin: &PinBuffer) -> CheckInHandle {
        let handle = handle(pin);
        "1234".chars().for_each(|digit| handle.type_digit(digit));
        assert_eq!(&pin.borrow().digits, b"1234");
        handle
    }

    #[test]
    fn every_way_out_of_the_pin_pad_overwrites_every_digit() {
        type Path = fn(&CheckInHandle);
        let paths: [(&str, Path); 5] = [
            ("cancel", CheckInHandle::cancel),
            ("visual check", CheckInHandle::choose_visual_check),
            ("idle reset and start over", CheckInHandle::start_over),
            ("clear", CheckInHandle::clear_pin),
            ("leaving the PIN pad", CheckInHandle::forget_pin),
        ];
        for (name, path) in paths {
            let pin = PinBuffer::default();
            path(&typed(&pin));
            let buffer = pin.borrow();
            assert_eq!((buffer.digits, buffer.len), ([0; PIN_LEN], 0), "{name}");
        }
    }

    #[test]
    fn a_digit_taken_back_is_overwritten_and_a_submitted_pin_leaves_nothing_behind() {
        let pin = PinBuffer::default();
        let handle = typed(&pin);
        handle.take_back_digit();
        assert_eq!((pin.borrow().digits, pin.borrow().len), (*b"123\0", 3));
        handle.type_digit('9');
        handle.type_digit('8');
        assert_eq!(&pin.borrow().digits, b"1239", "a fifth digit is ignored");
        handle.submit_pin(Action::PinTyped { entered: PIN_LEN });
        assert_eq!((pin.borrow().digits, pin.borrow().len), ([0; PIN_LEN], 0));
        handle.type_digit('x');
        assert_eq!(pin.borrow().len, 0, "only digits are typed");
    }
}
