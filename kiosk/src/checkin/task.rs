//! The check-in as one async task: it owns the reader and the card session, drives the sans-I/O card flow, talks to
//! the edge, and reports progress to the UI as [`Action`]s. The UI sends it the PIN through a channel.
//!
//! The task never retries VERIFY by itself: every VERIFY is one PIN the person typed and confirmed. Card insertion
//! and removal are learnt from the reader's CCID interrupt endpoint (NotifySlotChange) where it has one, and from
//! status commands otherwise (GetSlotStatus, or the RC-S380's poll and presence check): never from an APDU.
//!
//! Must not: retry VERIFY, keep the PIN after VERIFY, or touch the page (it reports actions; the hooks show them).

use std::cell::RefCell;
use std::rc::Rc;

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use futures::channel::oneshot;
use futures::future::{Either, select};
use onshi_card::CardError;
use onshi_card::card_face::{CardFace, SignedFaceDigests};
use onshi_card::ccid::parse_notify_slot_change;
use onshi_card::collation::CollationNumberB;
use onshi_card::flow::CheckIn;
use onshi_card::jpki::{PinStatus, VerifyOutcome};
use onshi_card::reader::AnyReader;
use onshi_card::surface::{CollationOutcome, SurfaceAp};
use onshi_card::transport::TransportError;
use onshi_proto::access_log::{AccessLogCursor, AccessLogSubmission};
use onshi_proto::api::{ChallengePurpose, ChallengeRequestPurpose, SessionRequest, card_challenge_message};
use onshi_proto::api::{ChallengeResponse, ConsentSubmission, SessionResponse};
use onshi_proto::card_face::CardFacePresence;
use onshi_proto::origin::{ConsentKind, PrescriptionFormat, RegistrationOutcome, VisualCheckReason, VisualCheckState};
use onshi_proto::patient_mode::PatientMode;
use onshi_proto::{Base64Bytes, ErrorCode};
use onshi_web::WebError;
use yew::Callback;

use gloo_timers::future::TimeoutFuture;

pub use crate::checkin::command::UiCommand;
use crate::checkin::petition::{self, CaptureEnd, CardNews, ShownItems};
use crate::checkin::visual_check;
use crate::early_challenge;
use crate::error::KioskError;
use crate::platform::api;
use crate::platform::assist_media;
use crate::platform::device::Device;
use crate::platform::webusb::{self, ReaderProtocol, SlotInterrupt, WebUsbBulk};
use crate::state::{Action, CertificateTerms, Failure, Purpose};

/// The prefix of the check-in's step marks on the page's performance timeline (`onshi:step:<name>`), beside the
/// screen marks: the benchmarks split the time from the PIN sent to the answer shown by them. A mark names a step
/// only, never anything the patient typed or the card holds.
pub const STEP_MARK: &str = "onshi:step:";

/// Marks the end of one check-in step ([`STEP_MARK`]).
fn step_done(name: &str) {
    onshi_web::page::mark(STEP_MARK, name);
}

/// The card face the 目視 assist opened, handed from the task to the face screen, which takes it, shows it and
/// drops it (wiped) when it ends. Empty at every other moment.
pub type ShownFace = Rc<RefCell<Option<CardFace>>>;

/// How the patient uses the kiosk right now (language, aids), kept up to date by the app while a check-in runs and
/// read when the qualification is asked for, so staff see it on the check-in row.
pub type PatientModeSource = Rc<RefCell<PatientMode>>;

/// How a check-in task begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// The person pressed start: find the reader (the chooser when none is remembered) and ask for the card.
    Pressed(Purpose),
    /// The start screen shows and a remembered reader is plugged in: open it and wait, saying nothing, until a card
    /// is placed on it (then the check-in begins for this purpose) or the person presses start.
    WhenCardPlaced(Purpose),
}

fn failure_from_usb(error: &KioskError) -> Failure {
    match error {
        KioskError::UsbProtectedClass => Failure::ReaderRefusedCcid,
        KioskError::UsbNoDeviceChosen => Failure::NoReaderChosen,
        _ => Failure::Reader,
    }
}

fn failure_from_card(error: &CardError) -> Failure {
    match error {
        CardError::Transport(TransportError::NoCard | TransportError::CardMute) => Failure::CardRemoved,
        CardError::Transport(TransportError::Disconnected) => Failure::ReaderDisconnected,
        _ => Failure::Reader,
    }
}

/// Runs one check-in from the device chooser to the answer, signing every edge call as the enrolled kiosk
/// `identity`. Every outcome ends in exactly one final action.
///
/// A task that waits for a card on the start screen ([`Start::WhenCardPlaced`]) never opens the chooser and reports
/// nothing until the check-in begins: a reader it cannot use leaves the start screen as it is, and pressing start
/// then reports the problem.
pub async fn run(
    dispatch: Callback<Action>,
    mut commands: UnboundedReceiver<UiCommand>,
    identity: Device,
    start: Start,
    patient_mode: PatientModeSource,
    shown_face: ShownFace,
    shown_items: ShownItems,
) {
    let (mut purpose, waiting) = match start {
        Start::Pressed(purpose) => (purpose, false),
        Start::WhenCardPlaced(purpose) => (purpose, true),
    };
    let found = if waiting {
        webusb::remembered_reader().await.and_then(|d| d.ok_or(KioskError::UsbNoDeviceChosen))
    } else {
        webusb::find_reader().await
    };
    let device = match found {
        Ok(device) => device,
        Err(_) if waiting && !begun(&mut commands) => return,
        Err(error) => return dispatch.emit(Action::Fail(failure_from_usb(&error))),
    };
    let bulk = match WebUsbBulk::open(device).await {
        Ok(bulk) => bulk,
        Err(_) if waiting && !begun(&mut commands) => return,
        Err(error) => return dispatch.emit(Action::Fail(failure_from_usb(&error))),
    };
    let mut slot_watch = match bulk.slot_interrupt() {
        Some(interrupt) => SlotWatch::Interrupt(interrupt),
        None => SlotWatch::Polling,
    };
    // The card stack picks APDU-level CCID, TPDU-level CCID (host T=1) or the RC-S380 from the descriptors.
    let protocol: ReaderProtocol = bulk.protocol();
    let configuration = bulk.configuration_descriptor().await.unwrap_or_default();
    let mut reader = match onshi_card::reader::open(bulk, protocol, &configuration) {
        Ok(reader) => reader,
        Err(_) if waiting && !begun(&mut commands) => return,
        Err(error) => return dispatch.emit(Action::Fail(failure_from_card(&error))),
    };
    let mut powered = false;
    if waiting {
        match wait_for_a_card_placed(&mut reader, &mut slot_watch, &mut commands).await {
            Placed::Card => {
                dispatch.emit(Action::CardPlaced);
                powered = true;
            }
            // The hook showed the person that the check-in started; from here it goes as if pressed.
            Placed::Begin(chosen) => purpose = chosen,
            Placed::Stop => return reader.into_inner().close().await,
        }
    }
    if !powered {
        match power_on_when_card_arrives(&mut reader, &mut slot_watch, &dispatch, &mut commands).await {
            Ok(true) => {}
            Ok(false) => return reader.into_inner().close().await,
            Err(failure) => {
                dispatch.emit(Action::Fail(failure));
                return reader.into_inner().close().await;
            }
        }
    }
    loop {
        dispatch.emit(Action::ReaderReady);
        let mut checkin = CheckIn::new(reader);
        let outcome =
            drive(&mut checkin, &dispatch, &mut commands, &mut slot_watch, &identity, purpose, &patient_mode).await;
        reader = checkin.into_transport();
        match outcome {
            Ok(Finished::Answered(session)) => {
                let mut watch = CardWatch { reader: &mut reader, slot_watch: &mut slot_watch, taken: false };
                watch
                    .until_the_person_is_done(&dispatch, &mut commands, &identity, session.as_ref(), &patient_mode)
                    .await;
            }
            Ok(Finished::Blocked { certificate_der, reason }) => {
                let mut watch = CardWatch { reader: &mut reader, slot_watch: &mut slot_watch, taken: false };
                let blocked =
                    Blocked { certificate_der: &certificate_der, reason, identity: &identity, shown_face: &shown_face };
                if let Some(session) = watch.while_blocked(&blocked, &dispatch, &mut commands).await {
                    watch
                        .until_the_person_is_done(&dispatch, &mut commands, &identity, session.as_ref(), &patient_mode)
                        .await;
                }
            }
            Ok(Finished::Stopped) => {}
            // The card was taken out mid-flow: the kiosk says so and reads it again when it is put back, so the
            // person needs no button to carry on (the PIN pad starts empty).
            Err(Failure::CardRemoved) => {
                dispatch.emit(Action::Fail(Failure::CardRemoved));
                match power_on_when_card_arrives(&mut reader, &mut slot_watch, &dispatch, &mut commands).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(failure) => dispatch.emit(Action::Fail(failure)),
                }
            }
            // In an outage the card stays in use for the 申立書 capture, if the patient wants it.
            Err(Failure::ServiceUnavailable) => {
                dispatch.emit(Action::Fail(Failure::ServiceUnavailable));
                let polling = matches!(slot_watch, SlotWatch::Polling);
                let end = {
                    // The reader's slot news, as the capture hears them: the card left (or the reader stopped
                    // answering). A reader without an interrupt endpoint says nothing unasked: the capture asks it.
                    let card_gone = futures::stream::unfold(&mut slot_watch, |watch| async move {
                        loop {
                            match watch.next_news().await {
                                Ok(SlotNews::Present) => {}
                                Ok(SlotNews::Absent) | Err(_) => return Some(((), watch)),
                            }
                        }
                    });
                    let mut card_gone = std::pin::pin!(card_gone);
                    let news = if polling { CardNews::Asked } else { CardNews::Announced(&mut card_gone) };
                    petition::offer(&mut reader, &mut commands, news, &dispatch, &identity, &shown_items).await
                };
                // The capture's end clears soon once the card has left, as the answer does.
                if end == CaptureEnd::CardInReader {
                    let mut watch = CardWatch { reader: &mut reader, slot_watch: &mut slot_watch, taken: false };
                    watch.until_the_card_is_taken(&dispatch, &mut commands).await;
                }
            }
            Err(failure) => dispatch.emit(Action::Fail(failure)),
        }
        break;
    }
    reader.into_inner().close().await;
}

/// How the kiosk learns that the card came or went.
enum SlotWatch {
    /// The reader's CCID interrupt endpoint announces every change (NotifySlotChange); nothing is sent to learn it.
    Interrupt(SlotInterrupt),
    /// The reader has no interrupt endpoint (the RC-S380, some CCID readers): the kiosk asks with status commands.
    Polling,
}

/// What one NotifySlotChange says about slot 0, the only slot of a kiosk reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotNews {
    /// A card is in the slot now (it came, or the reader repeats the state it announced).
    Present,
    /// The slot is empty now.
    Absent,
}

impl SlotWatch {
    /// Waits for the next notification of slot 0. A notification the kiosk cannot read counts as `Absent`, so that
    /// the flow stops or re-checks rather than trusts a card that may have been swapped. Polling readers never
    /// resolve here; their callers poll instead.
    async fn next_news(&mut self) -> Result<SlotNews, Failure> {
        let SlotWatch::Interrupt(interrupt) = self else { return futures::future::pending().await };
        let bytes = interrupt.next().await.map_err(|error| match error {
            KioskError::UsbDisconnected => Failure::ReaderDisconnected,
            _ => Failure::Reader,
        })?;
        Ok(match parse_notify_slot_change(&bytes).ok().and_then(|slots| slots.into_iter().find(|s| s.slot == 0)) {
            Some(slot) if slot.present => SlotNews::Present,
            _ => SlotNews::Absent,
        })
    }
}

/// Whether a card sits in the reader, asked with a status command: CCID GetSlotStatus, or the RC-S380's ISO-DEP
/// presence check of the card it activated.
async fn card_present(reader: &mut AnyReader<WebUsbBulk>) -> Result<bool, Failure> {
    reader.card_present().await.map_err(|error| failure_from_card(&CardError::Transport(error)))
}

/// Waits for the answer to a screen that asks to confirm: `true` on the command `is_yes` picks out, `false` when the
/// person cancels or the screen's sender has gone; any other command (a key pressed on the way) is passed over.
async fn confirmed(commands: &mut UnboundedReceiver<UiCommand>, is_yes: impl Fn(&UiCommand) -> bool) -> bool {
    loop {
        match commands.next().await {
            Some(UiCommand::Cancel) | None => return false,
            Some(command) if is_yes(&command) => return true,
            Some(_) => {}
        }
    }
}

/// True when the person pressed start while the task waited for a card: a reader the waiting task cannot use must
/// then be reported, as after any press of start.
fn begun(commands: &mut UnboundedReceiver<UiCommand>) -> bool {
    while let Ok(command) = commands.try_recv() {
        if matches!(command, UiCommand::Begin(_)) {
            return true;
        }
    }
    false
}

/// What happened while the start screen waited for a card.
enum Placed {
    /// A card was placed on the reader and is powered on.
    Card,
    /// The person pressed start (for this purpose) before placing a card.
    Begin(Purpose),
    /// The wait was called off, or the reader failed: the start screen stays as it is.
    Stop,
}

/// Waits on the start screen for a card to be placed: news from the reader's CCID interrupt endpoint
/// (NotifySlotChange) followed by GetSlotStatus, or GetSlotStatus once a second, or the RC-S380's own poll, whose
/// answer is its power-on. None of these is an APDU; nothing reaches the card before it is placed. A card that is
/// already on the reader when the wait begins (one left behind by the person before) starts nothing: only a card
/// placed on an empty reader does.
async fn wait_for_a_card_placed(
    reader: &mut AnyReader<WebUsbBulk>,
    slot_watch: &mut SlotWatch,
    commands: &mut UnboundedReceiver<UiCommand>,
) -> Placed {
    let mut seen_empty = false;
    loop {
        let present = if matches!(reader, AnyReader::Rcs380(_)) {
            match reader.power_on().await {
                Ok(_) => true,
                Err(TransportError::NoCard | TransportError::CardMute) => false,
                Err(_) => return Placed::Stop,
            }
        } else {
            match card_present(reader).await {
                Ok(present) => present,
                Err(_) => return Placed::Stop,
            }
        };
        if present && seen_empty {
            if matches!(reader, AnyReader::Rcs380(_)) {
                return Placed::Card;
            }
            match reader.power_on().await {
                Ok(_) => return Placed::Card,
                Err(TransportError::NoCard | TransportError::CardMute) => {}
                Err(_) => return Placed::Stop,
            }
        }
        seen_empty |= !present;
        let change = async {
            match slot_watch {
                SlotWatch::Interrupt(_) => slot_watch.next_news().await.map(|_| ()),
                SlotWatch::Polling => {
                    TimeoutFuture::new(1_000).await;
                    Ok(())
                }
            }
        };
        match select(Box::pin(change), commands.next()).await {
            Either::Left((Ok(()), _)) => {}
            Either::Left((Err(_), _)) => return Placed::Stop,
            Either::Right((Some(UiCommand::Begin(purpose)), _)) => return Placed::Begin(purpose),
            Either::Right((Some(UiCommand::Cancel) | None, _)) => return Placed::Stop,
            Either::Right(_) => {}
        }
    }
}

/// Powers the card on, first asking for it when the reader is empty: the kiosk shows "place your card" and waits
/// for the reader's NotifySlotChange (CCID with an interrupt endpoint) or polls once a second (GetSlotStatus; the
/// RC-S380's own poll, REQB, is its power-on). Answers `false` when the person cancelled meanwhile.
async fn power_on_when_card_arrives(
    reader: &mut AnyReader<WebUsbBulk>,
    slot_watch: &mut SlotWatch,
    dispatch: &Callback<Action>,
    commands: &mut UnboundedReceiver<UiCommand>,
) -> Result<bool, Failure> {
    let mut asked = false;
    loop {
        // The RC-S380 cannot tell without polling for a card, which is what its power-on does.
        let present = matches!(reader, AnyReader::Rcs380(_)) || card_present(reader).await?;
        if present {
            match reader.power_on().await {
                Ok(_) => return Ok(true),
                // The card left between the status and the power-on, or none answered the RC-S380's poll.
                Err(TransportError::NoCard | TransportError::CardMute) => {}
                Err(error) => return Err(failure_from_card(&CardError::Transport(error))),
            }
        }
        if !asked {
            asked = true;
            dispatch.emit(Action::CardAbsent);
        }
        let change = async {
            match slot_watch {
                SlotWatch::Interrupt(_) => slot_watch.next_news().await.map(|_| ()),
                SlotWatch::Polling => {
                    TimeoutFuture::new(1_000).await;
                    Ok(())
                }
            }
        };
        match select(Box::pin(change), commands.next()).await {
            Either::Left((result, _)) => result?,
            Either::Right((Some(UiCommand::Cancel) | None, _)) => return Ok(false),
            // Nothing else means anything before the card is read.
            Either::Right(_) => {}
        }
    }
}

/// The visual check: the certificate read without a PIN goes to the edge, and the kiosk waits for staff to look
/// at the patient and the card. A cancel (start over, idle reset, unplugged reader) stops the wait and withdraws
/// the request, so staff no longer see a patient who has gone; the withdrawal is best effort, as the kiosk is
/// starting over whatever the edge answers, and an unanswered request still lapses on its own.
async fn ask_for_visual_check(
    certificate_der: &[u8],
    reason: VisualCheckReason,
    card_face: Option<CardFacePresence>,
    dispatch: &Callback<Action>,
    commands: &mut UnboundedReceiver<UiCommand>,
) -> Result<Finished, Failure> {
    let ticket =
        visual_check::request(certificate_der, reason, card_face).await.map_err(Failure::from_visual_check_request)?;
    let wait = Box::pin(visual_check::wait_for_decision(&ticket.request_id));
    let decision = match select(wait, commands.next()).await {
        Either::Left((decision, _)) => decision.map_err(Failure::from_code)?,
        // Staff came to the kiosk to open the card face: the request leaves the console while they do, and the
        // assist asks again, with the card's proof, once they confirm.
        Either::Right((Some(UiCommand::OpenAssist), _)) => {
            let _ = visual_check::withdraw(&ticket.request_id).await;
            return Ok(Finished::Blocked { certificate_der: certificate_der.to_vec(), reason });
        }
        Either::Right(_) => {
            let _ = visual_check::withdraw(&ticket.request_id).await;
            return Ok(Finished::Stopped);
        }
    };
    match (decision.state, decision.qualification) {
        (VisualCheckState::Approved, Some(answer)) => {
            // The approval's session carries the certificate's scope and notice, as a PIN session's does.
            let terms = decision.session.as_ref().map_or_else(CertificateTerms::default, |s| CertificateTerms {
                scope: s.scope,
                notice: s.expiry_notice,
            });
            dispatch.emit(Action::CardAnswer(answer, terms));
            Ok(Finished::Answered(decision.session))
        }
        (VisualCheckState::Refused, _) => Err(Failure::VisualCheckRefused),
        _ => Err(Failure::VisualCheckExpired),
    }
}

/// Sends the consent choice and the prescription format, and reports what the origin holds live now.
async fn record_consent(
    identity: &Device,
    session: Option<&SessionResponse>,
    kinds: Vec<ConsentKind>,
    prescription: PrescriptionFormat,
    dispatch: &Callback<Action>,
) {
    let Some(session) = session else { return dispatch.emit(Action::ConsentFailed) };
    match api::consent(identity, session, &ConsentSubmission { kinds, prescription: Some(prescription) }).await {
        Ok(answer) => dispatch.emit(Action::ConsentRecorded(answer.live)),
        // The kiosk must be enrolled again before anyone can use it; that outweighs this one consent.
        Err(error) if error.code() == ErrorCode::DeviceNotEnrolled => {
            dispatch.emit(Action::Fail(Failure::DeviceNotEnrolled));
        }
        Err(_) => dispatch.emit(Action::ConsentFailed),
    }
}

/// Withdraws the session holder's consents to this facility, and reports what stopped.
async fn withdraw_consent(identity: &Device, session: Option<&SessionResponse>, dispatch: &Callback<Action>) {
    let Some(session) = session else { return dispatch.emit(Action::Fail(Failure::Other)) };
    match api::withdraw_consent(identity, session).await {
        Ok(answer) => dispatch.emit(Action::ConsentWithdrawn(answer.withdrawn)),
        Err(error) => dispatch.emit(Action::Fail(Failure::from_code(error.code()))),
    }
}

/// Reads one page of the session holder's access log, and shows it.
async fn read_access_log(
    identity: &Device,
    session: Option<&SessionResponse>,
    before: Option<AccessLogCursor>,
    dispatch: &Callback<Action>,
) {
    let Some(session) = session else { return dispatch.emit(Action::Fail(Failure::Other)) };
    match api::access_log(identity, session, &AccessLogSubmission { before }).await {
        Ok(page) => dispatch.emit(Action::AccessLogArrived(page)),
        Err(error) => dispatch.emit(Action::Fail(Failure::from_code(error.code()))),
    }
}

/// A card-session challenge asked for when the PIN pad shows, its answer arriving while the patient types.
struct EarlyChallenge {
    /// When it was asked for, in milliseconds of the kiosk's clock.
    asked_at_ms: f64,
    /// Its answer, once the edge gave it (an ask still under way when the check-in ends finishes unread).
    answer: oneshot::Receiver<Result<ChallengeResponse, KioskError>>,
}

impl EarlyChallenge {
    /// Asks the edge for a challenge in the background.
    fn ask(device: &Device) -> Self {
        let device = device.clone();
        let (sender, answer) = oneshot::channel();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = sender.send(api::challenge(&device).await);
        });
        Self { asked_at_ms: js_sys::Date::now(), answer }
    }

    /// The challenge for the card to sign: the early one when it came and is young enough
    /// ([`early_challenge::still_usable`]), else a fresh one, asked for now as if there had been no early ask. An
    /// edge's refusal of the early ask (a revoked kiosk, a limit) is the answer: asked again, it would refuse alike
    /// and count the kiosk twice. Only an early ask that could not reach the edge is asked again.
    async fn take(self, device: &Device) -> Result<ChallengeResponse, KioskError> {
        if early_challenge::still_usable(self.asked_at_ms, js_sys::Date::now()) {
            match self.answer.await {
                Ok(Ok(challenge)) => return Ok(challenge),
                Ok(Err(refused)) if !matches!(refused, KioskError::Edge(WebError::Unreachable)) => return Err(refused),
                Ok(Err(_)) | Err(_) => {}
            }
        }
        api::challenge(device).await
    }
}

/// How a check-in that did not fail ended.
enum Finished {
    /// The answer is on screen and the card is still in the reader; the card session (when the edge gave one)
    /// records the consent asked under the answer.
    Answered(Option<SessionResponse>),
    /// The PIN cannot be used (blocked, or never set); the certificate (read without a PIN) can still go to a
    /// visual check.
    Blocked {
        /// The 利用者証明用 certificate read at the start.
        certificate_der: Vec<u8>,
        /// Why the PIN cannot be used, which staff see beside the visual check.
        reason: VisualCheckReason,
    },
    /// The person cancelled, or the registration finished.
    Stopped,
}

/// Links the card to the insurance from an answer that found none linked, with the same card session, and then
/// asks for the qualification again so that the new answer replaces the old one on screen.
async fn register_and_ask_again(
    identity: &Device,
    session: &SessionResponse,
    dispatch: &Callback<Action>,
    patient_mode: &PatientModeSource,
) {
    let outcome = match api::register(identity, session).await {
        Ok(answer) => answer.outcome,
        Err(error) => return dispatch.emit(Action::Fail(Failure::from_code(error.code()))),
    };
    if !matches!(outcome, RegistrationOutcome::Registered | RegistrationOutcome::AlreadyRegistered) {
        return dispatch.emit(Action::RegistrationDone(outcome));
    }
    dispatch.emit(Action::SessionReady);
    let terms = CertificateTerms { scope: session.scope, notice: session.expiry_notice };
    let mode = patient_mode.borrow().clone();
    match api::qualification(identity, session, mode, false).await {
        Ok(answer) => dispatch.emit(Action::CardAnswer(answer, terms)),
        Err(error) => dispatch.emit(Action::Fail(Failure::from_code(error.code()))),
    }
}

/// Asks for the qualification again with the same card session, now with the patient's 公費受給者証, so that the
/// new answer, which carries them, replaces the old one on screen.
async fn ask_again_with_certificates(
    identity: &Device,
    session: &SessionResponse,
    dispatch: &Callback<Action>,
    patient_mode: &PatientModeSource,
) {
    let terms = CertificateTerms { scope: session.scope, notice: session.expiry_notice };
    let mode = patient_mode.borrow().clone();
    match api::qualification(identity, session, mode, true).await {
        Ok(answer) => dispatch.emit(Action::CardAnswer(answer, terms)),
        Err(error) => dispatch.emit(Action::Fail(Failure::from_code(error.code()))),
    }
}

/// The reader after the card was read, and whether the card has left it since.
struct CardWatch<'a> {
    reader: &'a mut AnyReader<WebUsbBulk>,
    slot_watch: &'a mut SlotWatch,
    /// The card has been taken out (told once to the UI).
    taken: bool,
}

/// What happened while the kiosk waited for the person.
enum Waited {
    /// The person (or the UI) sent a command.
    Command(Option<UiCommand>),
    /// The card is still there, or the reader said nothing new.
    CardStill,
    /// The card left the reader just now.
    CardGone,
    /// The reader failed or went away.
    ReaderFailed(Failure),
}

impl CardWatch<'_> {
    /// Waits for the next command, a second's tick or news of the slot. Once the card has gone only commands
    /// count: the flow goes on without it.
    async fn next(&mut self, commands: &mut UnboundedReceiver<UiCommand>) -> Waited {
        if self.taken {
            return Waited::Command(commands.next().await);
        }
        let polling = matches!(self.slot_watch, SlotWatch::Polling);
        let tick = Box::pin(TimeoutFuture::new(1_000));
        let news = Box::pin(self.slot_watch.next_news());
        let present = match select(select(tick, news), commands.next()).await {
            Either::Left((Either::Left(_), _)) if polling => card_present(self.reader).await,
            Either::Left((Either::Left(_), _)) => Ok(true),
            Either::Left((Either::Right((news, _)), _)) => news.map(|news| news != SlotNews::Absent),
            Either::Right((command, _)) => return Waited::Command(command),
        };
        match present {
            Ok(true) => Waited::CardStill,
            Ok(false) => {
                self.taken = true;
                Waited::CardGone
            }
            Err(failure) => Waited::ReaderFailed(failure),
        }
    }

    /// After the answer: tells the UI when the card leaves the reader (the UI decides when to ask for it and when
    /// to raise the left-behind alert: not while the patient is still answering), records the consent given under
    /// the answer, and links the card on the spot when the patient asks to. Card or no card, it serves the
    /// questions until the person starts over.
    async fn until_the_person_is_done(
        &mut self,
        dispatch: &Callback<Action>,
        commands: &mut UnboundedReceiver<UiCommand>,
        identity: &Device,
        session: Option<&SessionResponse>,
        patient_mode: &PatientModeSource,
    ) {
        loop {
            match self.next(commands).await {
                Waited::CardStill => {}
                Waited::CardGone => dispatch.emit(Action::CardTaken),
                // An unplugged reader does not take the answer off the screen; the questions still go out.
                Waited::ReaderFailed(failure) => {
                    dispatch.emit(Action::Fail(failure));
                    self.taken = true;
                }
                Waited::Command(Some(UiCommand::Consent { kinds, prescription })) => {
                    record_consent(identity, session, kinds, prescription, dispatch).await;
                }
                Waited::Command(Some(UiCommand::AcceptTerms)) => {
                    let Some(session) = session else { continue };
                    register_and_ask_again(identity, session, dispatch, patient_mode).await;
                    // The new answer starts as "card in the reader"; say again that it has gone.
                    if self.taken {
                        dispatch.emit(Action::CardTaken);
                    }
                }
                // A cancel, or the UI dropped its end of the channel: the person started over.
                Waited::Command(Some(UiCommand::Cancel) | None) => return,
                Waited::Command(Some(UiCommand::WithdrawConsent)) => {
                    withdraw_consent(identity, session, dispatch).await;
                }
                Waited::Command(Some(UiCommand::ReadAccessLog(before))) => {
                    read_access_log(identity, session, before, dispatch).await;
                }
                Waited::Command(Some(UiCommand::UseRecipientCertificates)) => {
                    let Some(session) = session else { continue };
                    ask_again_with_certificates(identity, session, dispatch, patient_mode).await;
                    // The new answer starts as "card in the reader"; say again that it has gone.
                    if self.taken {
                        dispatch.emit(Action::CardTaken);
                    }
                }
                Waited::Command(Some(
                    UiCommand::SubmitPin(_)
                    | UiCommand::VisualCheck
                    | UiCommand::Begin(_)
                    | UiCommand::ConfirmCancel
                    | UiCommand::OpenAssist
                    | UiCommand::AssistCollation(_)
                    | UiCommand::AssistBackToWaiting
                    | UiCommand::AssistMismatch
                    | UiCommand::AssistConfirm
                    | UiCommand::PetitionAnswer(_),
                )) => {}
            }
        }
    }

    /// After an end with nothing left to answer (the 申立書 capture's): tells the UI when the card leaves the reader,
    /// so that the screen clears soon. A reader that stops answering ends the watch; the screen then waits for the
    /// patient's 「終了」 or the idle reset, as the answer does.
    async fn until_the_card_is_taken(
        &mut self,
        dispatch: &Callback<Action>,
        commands: &mut UnboundedReceiver<UiCommand>,
    ) {
        loop {
            match self.next(commands).await {
                Waited::CardGone => return dispatch.emit(Action::CardTaken),
                Waited::ReaderFailed(_) | Waited::Command(Some(UiCommand::Cancel) | None) => return,
                Waited::CardStill | Waited::Command(Some(_)) => {}
            }
        }
    }

    /// The PIN is blocked or not set, or staff opened the 目視 assist: the screen offers the visual check, which
    /// calls the desk, and staff may open the card face with 照合番号B first. Waits for those choices, telling the UI
    /// when the card leaves so that the screen clears. Answers the card session of an approved visual check.
    async fn while_blocked(
        &mut self,
        blocked: &Blocked<'_>,
        dispatch: &Callback<Action>,
        commands: &mut UnboundedReceiver<UiCommand>,
    ) -> Option<Option<SessionResponse>> {
        // What the issuer signed of the face the assist opened, for the proof 確認 sends; wiped on drop.
        let mut opened: Option<OpenedFace> = None;
        loop {
            let proof = match self.next(commands).await {
                Waited::CardStill => continue,
                Waited::CardGone => {
                    // The face leaves with the card: neither the screen nor a proof may outlive it.
                    drop(blocked.shown_face.borrow_mut().take());
                    opened = None;
                    dispatch.emit(Action::CardTaken);
                    continue;
                }
                Waited::ReaderFailed(failure) => {
                    dispatch.emit(Action::Fail(failure));
                    return None;
                }
                Waited::Command(Some(UiCommand::VisualCheck | UiCommand::AssistBackToWaiting)) => None,
                Waited::Command(Some(UiCommand::AssistConfirm)) => {
                    let Some(face) = opened.take() else { continue };
                    match self.prove_card_face(face, blocked.identity).await {
                        Ok(proof) => Some(proof),
                        Err(failure) => {
                            dispatch.emit(Action::Fail(failure));
                            return None;
                        }
                    }
                }
                Waited::Command(Some(UiCommand::AssistCollation(number))) => {
                    match self.open_card_face(number, blocked.shown_face, dispatch).await {
                        Ok(face) => opened = face,
                        Err(failure) => {
                            dispatch.emit(Action::Fail(failure));
                            return None;
                        }
                    }
                    continue;
                }
                // Nothing was sent for the assist, and nothing is now: the screen sends the patient to staff.
                Waited::Command(Some(UiCommand::AssistMismatch)) => {
                    opened = None;
                    continue;
                }
                Waited::Command(Some(UiCommand::Cancel) | None) => return None,
                Waited::Command(Some(_)) => continue,
            };
            let asked = ask_for_visual_check(blocked.certificate_der, blocked.reason, proof, dispatch, commands);
            return match asked.await {
                // Staff opened the assist from the waiting screen: the card is theirs to open now.
                Ok(Finished::Blocked { .. }) => continue,
                Ok(Finished::Answered(session)) => {
                    if self.taken {
                        dispatch.emit(Action::CardTaken);
                    }
                    Some(session)
                }
                Ok(_) => None,
                Err(failure) => {
                    dispatch.emit(Action::Fail(failure));
                    None
                }
            };
        }
    }

    /// One attempt of the 目視 assist: the 券面事項確認AP reads 照合番号B's counter and sends at most one VERIFY,
    /// none at three tries or fewer (`onshi_card::surface`); the card's answer goes to the screen. Once opened,
    /// the card face is read and shown only when a known issuer signed it; what the issuer signed is kept for the
    /// proof. A card taken out meanwhile ends the assist.
    async fn open_card_face(
        &mut self,
        number: CollationNumberB,
        shown_face: &ShownFace,
        dispatch: &Callback<Action>,
    ) -> Result<Option<OpenedFace>, Failure> {
        let mut surface = SurfaceAp::new(&mut *self.reader);
        surface.select().await.map_err(|error| assist_failure(&error))?;
        let outcome: CollationOutcome =
            surface.open_with_collation_b(number).await.map_err(|error| assist_failure(&error))?;
        dispatch.emit(Action::AssistChecked(outcome));
        if outcome != CollationOutcome::Opened {
            return Ok(None);
        }
        let face = surface.read_card_face().await.map_err(|error| assist_failure(&error))?;
        let digests = face.signed_digests();
        if !assist_media::card_face_issued(&digests.digest_info(), &face.issuer_signature).await {
            dispatch.emit(Action::AssistFaceUnverified);
            return Ok(None);
        }
        let opened = OpenedFace { digests, issuer_signature: face.issuer_signature.clone() };
        *shown_face.borrow_mut() = Some(face);
        dispatch.emit(Action::AssistFaceShown);
        Ok(Some(opened))
    }

    /// The card-presence proof staff's 確認 sends: the card signs a challenge the edge issued to this kiosk for
    /// that purpose, with the key inside the face it opened; with it go the face's issuer signature and the
    /// hash-only structure it covers, never the images or the photo.
    async fn prove_card_face(&mut self, face: OpenedFace, identity: &Device) -> Result<CardFacePresence, Failure> {
        let challenge = api::challenge_for(identity, ChallengeRequestPurpose::CardFacePresence)
            .await
            .map_err(|error| Failure::from_code(error.code()))?;
        let purpose = ChallengePurpose::CardFacePresence;
        let message = card_challenge_message(purpose, identity.id(), challenge.challenge.as_slice());
        let signature =
            SurfaceAp::new(&mut *self.reader).sign_challenge(&message).await.map_err(|error| assist_failure(&error))?;
        Ok(CardFacePresence {
            challenge_id: challenge.challenge_id,
            signed_group_one: Base64Bytes(face.digests.group_one.to_vec()),
            name_address_digest: Base64Bytes(face.digests.name_address_digest.to_vec()),
            photo_digest: Base64Bytes(face.digests.photo_digest.to_vec()),
            issuer_signature: Base64Bytes(face.issuer_signature),
            card_signature: Base64Bytes(signature),
        })
    }
}

/// A card failure during the assist: a card taken out ends the assist, as the screen says.
fn assist_failure(error: &CardError) -> Failure {
    match failure_from_card(error) {
        Failure::CardRemoved => Failure::AssistCardRemoved,
        other => other,
    }
}

/// What the issuer signed of the card face the assist opened: the proof's part that does not need the card.
/// Group 1 (a birth date) is wiped on drop.
struct OpenedFace {
    digests: SignedFaceDigests,
    issuer_signature: Vec<u8>,
}

/// A card whose PIN cannot be used, or is not used: what a 目視 request needs, and where the assist shows a face.
struct Blocked<'a> {
    /// The 利用者証明用 certificate read at the start.
    certificate_der: &'a [u8],
    /// Why the PIN is not used, which staff see beside the visual check.
    reason: VisualCheckReason,
    /// The enrolled kiosk, which asks the edge for the assist's challenge.
    identity: &'a Device,
    /// Where the assist hands the card face to its screen.
    shown_face: &'a ShownFace,
}

async fn drive(
    checkin: &mut CheckIn<AnyReader<WebUsbBulk>>,
    dispatch: &Callback<Action>,
    commands: &mut UnboundedReceiver<UiCommand>,
    slot_watch: &mut SlotWatch,
    device: &Device,
    purpose: Purpose,
    patient_mode: &PatientModeSource,
) -> Result<Finished, Failure> {
    let card = checkin.start().await.map_err(|e| failure_from_card(&e))?;
    match checkin.pin_status().await.map_err(|e| failure_from_card(&e))? {
        PinStatus::Blocked => {
            dispatch.emit(Action::PinBlocked);
            return Ok(Finished::Blocked {
                certificate_der: card.certificate_der,
                reason: VisualCheckReason::PinLocked,
            });
        }
        // A 顔認証 card: no PIN pad, and nothing was sent that a try could be spent on.
        PinStatus::NotSet => {
            dispatch.emit(Action::PinNotSet);
            return Ok(Finished::Blocked {
                certificate_der: card.certificate_der,
                reason: VisualCheckReason::PinNotSet,
            });
        }
        PinStatus::Remaining { tries_left } => dispatch.emit(Action::PinRequired { tries_left }),
        // The card was powered on moments ago, so it cannot hold a verified state; treat it as a faulty card
        // rather than skip the PIN the patient must prove now.
        PinStatus::AlreadyVerified => return Err(Failure::Reader),
    }
    // The edge's round trip for the challenge overlaps the patient's typing, so that the card signs as soon as
    // VERIFY passes. The challenge is bound to this kiosk and to opening a session either way; asking early only
    // moves when it is issued.
    let early_challenge = EarlyChallenge::ask(device);
    loop {
        // While the PIN pad waits, a card taken out ends the check-in at once, before a PIN typed for it could
        // reach another card. (A "present" notice is not trusted to mean a swap: readers may repeat the state they
        // announced when the kiosk started listening; a swap shows as "absent" first, since the kiosk always
        // listens.)
        let command = match select(commands.next(), Box::pin(slot_watch.next_news())).await {
            Either::Left((command, _)) => command,
            Either::Right((Ok(SlotNews::Present), _)) => continue,
            Either::Right((Ok(SlotNews::Absent), _)) => return Err(Failure::CardRemoved),
            Either::Right((Err(failure), _)) => return Err(failure),
        };
        let pin = match command {
            Some(UiCommand::SubmitPin(pin)) => pin,
            Some(UiCommand::VisualCheck) => {
                return ask_for_visual_check(
                    &card.certificate_der,
                    VisualCheckReason::PatientChose,
                    None,
                    dispatch,
                    commands,
                )
                .await;
            }
            Some(UiCommand::Cancel) | None => return Ok(Finished::Stopped),
            // There is no answer yet to consent under, and no terms on screen.
            Some(
                UiCommand::Consent { .. }
                | UiCommand::AcceptTerms
                | UiCommand::Begin(_)
                | UiCommand::WithdrawConsent
                | UiCommand::ReadAccessLog(_)
                | UiCommand::UseRecipientCertificates
                | UiCommand::ConfirmCancel
                | UiCommand::OpenAssist
                | UiCommand::AssistCollation(_)
                | UiCommand::AssistBackToWaiting
                | UiCommand::AssistMismatch
                | UiCommand::AssistConfirm
                | UiCommand::PetitionAnswer(_),
            ) => continue,
        };
        step_done("pin-sent");
        match checkin.verify(pin).await.map_err(|e| failure_from_card(&e))? {
            VerifyOutcome::Verified => {
                step_done("verified");
                break;
            }
            VerifyOutcome::Wrong { tries_left: 0 } | VerifyOutcome::Blocked => {
                dispatch.emit(Action::PinBlocked);
                return Ok(Finished::Blocked {
                    certificate_der: card.certificate_der,
                    reason: VisualCheckReason::PinLocked,
                });
            }
            VerifyOutcome::Wrong { tries_left } => dispatch.emit(Action::PinWrong { tries_left }),
        }
    }
    dispatch.emit(Action::PinAccepted);
    let challenge = early_challenge.take(device).await.map_err(|e| Failure::from_code(e.code()))?;
    step_done("challenge");
    // The card signs the challenge bound to this kiosk and to opening a session, never the bare bytes.
    let message = card_challenge_message(ChallengePurpose::CardSession, device.id(), challenge.challenge.as_slice());
    let signature = checkin.sign_challenge(&message).await.map_err(|e| failure_from_card(&e))?;
    step_done("signed");
    // A check-in asks its qualification in the same request that opens the session, saving a round trip; the
    // registration and its cancellation ask none, since they show their terms first.
    let asked = (purpose == Purpose::CheckIn).then(|| api::qualification_body(patient_mode.borrow().clone(), false));
    let mut session = api::session(
        device,
        &SessionRequest {
            challenge_id: challenge.challenge_id,
            certificate: Base64Bytes(card.certificate_der),
            signature: Base64Bytes(signature),
            qualification: asked,
        },
    )
    .await
    .map_err(|e| Failure::from_code(e.code()))?;
    step_done("session");
    // The answer is taken out, so the session kept for the later calls carries none.
    let answered_with_session = session.qualification.take();
    let terms = CertificateTerms { scope: session.scope, notice: session.expiry_notice };
    if purpose == Purpose::CancelRegistration {
        // Cancelling only takes the card's use away, so a certificate in its grace period may cancel too.
        dispatch.emit(Action::ShowCancelTerms);
        // Declining is starting over: nothing was sent, and the registration stays.
        if !confirmed(commands, |command| matches!(command, UiCommand::ConfirmCancel)).await {
            return Ok(Finished::Stopped);
        }
        let answer = api::cancel_registration(device, &session).await.map_err(|e| Failure::from_code(e.code()))?;
        dispatch.emit(Action::RegistrationCancelled(answer.outcome));
        return Ok(Finished::Stopped);
    }
    if purpose == Purpose::Registration {
        // An expired certificate, even in its grace period, is never linked: say so before the terms are shown.
        if !terms.scope.is_full() {
            return Err(Failure::QualificationOnly);
        }
        dispatch.emit(Action::ShowRegistrationTerms);
        if !confirmed(commands, |command| matches!(command, UiCommand::AcceptTerms)).await {
            return Ok(Finished::Stopped);
        }
        let answer = api::register(device, &session).await.map_err(|e| Failure::from_code(e.code()))?;
        dispatch.emit(Action::RegistrationDone(answer.outcome));
        return Ok(Finished::Stopped);
    }
    dispatch.emit(Action::SessionReady);
    let answer = match answered_with_session {
        Some(answer) => answer,
        // An edge that did not answer with the session is asked on its own, as before the two were one request.
        None => {
            let mode = patient_mode.borrow().clone();
            api::qualification(device, &session, mode, false).await.map_err(|e| Failure::from_code(e.code()))?
        }
    };
    step_done("answer");
    dispatch.emit(Action::CardAnswer(answer, terms));
    Ok(Finished::Answered(Some(session)))
}
