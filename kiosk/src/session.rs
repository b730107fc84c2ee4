//! The check-in as one async task: it owns the reader and the card session, drives the sans-I/O card flow, talks to
//! the edge, and reports progress to the UI as [`Action`]s. The UI sends it the PIN through a channel.
//!
//! The task never retries VERIFY by itself: every VERIFY is one PIN the person typed and confirmed.

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use futures::future::{Either, select};
use onshi_card::ccid::IccStatus;
use onshi_card::reader::AnyReader;
use onshi_card::flow::CheckIn;
use onshi_card::CardError;
use onshi_card::jpki::{Pin, PinStatus, VerifyOutcome};
use onshi_card::transport::TransportError;
use onshi_proto::api::SessionRequest;
use onshi_proto::Base64Bytes;
use onshi_proto::api::{ConsentSubmission, SessionResponse};
use onshi_proto::origin::{ConsentKind, VisualCheckState};
use yew::Callback;

use crate::api;
use crate::device::Device;
use crate::state::{Action, CARD_LEFT_BEHIND_SECS, Failure, Purpose};
use crate::timer;
use crate::webusb::{self, ReaderProtocol, UsbError, WebUsbBulk};

/// What the UI can tell the running check-in.
pub enum UiCommand {
    /// The PIN the person typed and confirmed. It is moved into the card flow and zeroized there after VERIFY.
    SubmitPin(Pin),
    /// The person chose the staff's visual check (目視) instead of the PIN.
    VisualCheck,
    /// The consents the person chose under the answer (empty: declined).
    Consent(Vec<ConsentKind>),
    /// The card holder accepted the registration terms.
    AcceptTerms,
    /// Stop and release the reader.
    Cancel,
}

/// Maps a WebUSB failure into the card stack's transport error.
pub fn transport_error(error: UsbError) -> TransportError {
    match error {
        UsbError::Disconnected => TransportError::Disconnected,
        other => TransportError::Io(other.to_string()),
    }
}

fn failure_from_usb(error: &UsbError) -> Failure {
    match error {
        UsbError::ProtectedClass => Failure::ReaderRefusedCcid,
        UsbError::NoDeviceChosen => Failure::NoReaderChosen,
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
pub async fn run(dispatch: Callback<Action>, mut commands: UnboundedReceiver<UiCommand>,
    identity: Device,
    purpose: Purpose,
) {
    let device = match webusb::choose_reader().await {
        Ok(device) => device,
        Err(error) => return dispatch.emit(Action::Fail(failure_from_usb(&error))),
    };
    let bulk = match WebUsbBulk::open(device).await {
        Ok(bulk) => bulk,
        Err(error) => return dispatch.emit(Action::Fail(failure_from_usb(&error))),
    };
    // The card stack picks APDU-level CCID, TPDU-level CCID (host T=1) or the RC-S380 from the descriptors.
    let protocol: ReaderProtocol = bulk.protocol();
    let configuration = bulk.configuration_descriptor().await.unwrap_or_default();
    let mut reader = match onshi_card::reader::open(bulk, protocol, &configuration) {
        Ok(reader) => reader,
        Err(error) => return dispatch.emit(Action::Fail(failure_from_card(&error))),
    };
    if let Err(error) = reader.power_on().await {
        return dispatch.emit(Action::Fail(failure_from_card(&CardError::Transport(error))));
    }
    dispatch.emit(Action::ReaderReady);
    let mut checkin = CheckIn::new(reader);
    let outcome = drive(&mut checkin, &dispatch, &mut commands, &identity, purpose).await;
    let mut reader = checkin.into_transport();
    match outcome {
        Ok(Finished::Answered(session)) => {
            watch_until_card_taken(&mut reader, &dispatch, &mut commands, &identity, session.as_ref()).await;
        }
        Ok(Finished::Stopped) => {}
        Err(failure) => dispatch.emit(Action::Fail(failure)),
    }
    reader.into_inner().close().await;
}

/// The visual check: the certificate read without a PIN goes to the edge, and the kiosk waits for staff to look
/// at the patient and the card. A cancel (start over, idle reset, unplugged reader) stops the wait.
async fn visual_check(
    certificate_der: &[u8],
    dispatch: &Callback<Action>,
    commands: &mut UnboundedReceiver<UiCommand>,
) -> Result<Finished, Failure> {
    let ticket = crate::staff::visual_check::request(certificate_der).await.map_err(Failure::from_code)?;
    let wait = Box::pin(crate::staff::visual_check::wait_for_decision(&ticket.request_id));
    let decision = match select(wait, commands.next()).await {
        Either::Left((decision, _)) => decision.map_err(Failure::from_code)?,
        Either::Right(_) => return Ok(Finished::Stopped),
    };
    match (decision.state, decision.qualification) {
        (VisualCheckState::Approved, Some(answer)) => {
            dispatch.emit(Action::Answer(answer));
            Ok(Finished::Answered(decision.session))
        }
        (VisualCheckState::Refused, _) => Err(Failure::VisualCheckRefused),
        _ => Err(Failure::VisualCheckExpired),
    }
}

/// Sends the consent choice and reports what the origin holds live now.
async fn record_consent(
    identity: &Device,
    session: Option<&SessionResponse>,
    kinds: Vec<ConsentKind>,
    dispatch: &Callback<Action>,
) {
    let Some(session) = session else { return dispatch.emit(Action::ConsentFailed) };
    match api::consent(identity, session, &ConsentSubmission { kinds, prescription: None }).await {
        Ok(answer) => dispatch.emit(Action::ConsentRecorded(answer.live.into_iter().map(|grant| grant.kind).collect())),
        Err(_) => dispatch.emit(Action::ConsentFailed),
    }
}

/// How a check-in that did not fail ended.
enum Finished {
    /// The answer is on screen and the card is still in the reader; the card session (when the edge gave one)
    /// records the consent asked under the answer.
    Answered(Option<SessionResponse>),
    /// The PIN is blocked, or the person cancelled.
    Stopped,
}

/// Whether a card sits in the reader, when the reader can tell: CCID readers report the slot, the RC-S380 cannot
/// without disturbing the card.
async fn card_present(reader: &mut AnyReader<WebUsbBulk>) -> Result<Option<bool>, TransportError> {
    let status = match reader {
        AnyReader::Apdu(ccid) => ccid.slot_status().await?,
        AnyReader::Tpdu(host) => host.link_mut().slot_status().await?,
        AnyReader::Rcs380(_) => return Ok(None),
    };
    Ok(Some(status != IccStatus::Absent))
}

/// After the answer, polls the reader's slot once a second until the card leaves it; if it stays for
/// [`CARD_LEFT_BEHIND_SECS`] the UI raises the left-behind alert. Meanwhile, and after, it records the consent the
/// person gives under the answer. Stops on a cancel or a reset.
/// Elapsed time comes from the page clock, not from counting polls, so a throttled page still alerts on time.
async fn watch_until_card_taken(
    reader: &mut AnyReader<WebUsbBulk>,
    dispatch: &Callback<Action>,
    commands: &mut UnboundedReceiver<UiCommand>,
    identity: &Device,
    session: Option<&SessionResponse>,
) {
    let answered_at_ms = timer::now_ms();
    let mut alerted = false;
    loop {
        let tick = Box::pin(timer::sleep_ms(1_000));
        let command = commands.next();
        match select(tick, command).await {
            Either::Left(_) => {}
            Either::Right((Some(UiCommand::Consent(kinds)), _)) => {
                record_consent(identity, session, kinds, dispatch).await;
                continue;
            }
            // A cancel, or the UI dropped its end of the channel: the person started over.
            Either::Right((Some(UiCommand::Cancel) | None, _)) => return,
            Either::Right(_) => continue,
        }
        match card_present(reader).await {
            Ok(Some(false)) => {
                dispatch.emit(Action::CardTaken);
                break;
            }
            Ok(Some(true)) => {
                let elapsed_secs = (timer::now_ms() - answered_at_ms) / 1_000.0;
                if !alerted && elapsed_secs >= f64::from(CARD_LEFT_BEHIND_SECS) {
                    alerted = true;
                    dispatch.emit(Action::CardLeftBehind);
                }
            }
            // This reader cannot tell; the screen keeps its "take your card" line without polling.
            Ok(None) => break,
            Err(error) => {
                dispatch.emit(Action::Fail(failure_from_card(&CardError::Transport(error))));
                break;
            }
        }
    }
    // The consent question stays answerable while the answer is on screen, card or no card.
    while let Some(command) = commands.next().await {
        match command {
            UiCommand::Consent(kinds) => record_consent(identity, session, kinds, dispatch).await,
            UiCommand::Cancel => return,
            UiCommand::SubmitPin(_) | UiCommand::VisualCheck | UiCommand::AcceptTerms => {}
        }
    }
}

async fn drive(
    checkin: &mut CheckIn<AnyReader<WebUsbBulk>>,
    dispatch: &Callback<Action>,
    commands: &mut UnboundedReceiver<UiCommand>,
    device: &Device,
    purpose: Purpose,
) -> Result<Finished, Failure> {
    let card = checkin.start().await.map_err(|e| failure_from_card(&e))?;
    match checkin.pin_status().await.map_err(|e| failure_from_card(&e))? {
        PinStatus::Blocked => {
            dispatch.emit(Action::PinBlocked);
            return Ok(Finished::Stopped);
        }
        PinStatus::Remaining { tries_left } => dispatch.emit(Action::PinRequired { tries_left }),
        // The card was powered on moments ago, so it cannot hold a verified state; treat it as a faulty card
        // rather than skip the PIN the patient must prove now.
        PinStatus::AlreadyVerified => return Err(Failure::Reader),
    }
    loop {
        let pin = match commands.next().await {
            Some(UiCommand::SubmitPin(pin)) => pin,
            Some(UiCommand::VisualCheck) => return visual_check(&card.certificate_der, dispatch, commands).await,
            Some(UiCommand::Cancel) | None => return Ok(Finished::Stopped),
            // There is no answer yet to consent under, and no terms on screen.
            Some(UiCommand::Consent(_) | UiCommand::AcceptTerms) => continue,
        };
        match checkin.verify(pin).await.map_err(|e| failure_from_card(&e))? {
            VerifyOutcome::Verified => break,
            VerifyOutcome::Wrong { tries_left: 0 } | VerifyOutcome::Blocked => {
                dispatch.emit(Action::PinBlocked);
                return Ok(Finished::Stopped);
            }
            VerifyOutcome::Wrong { tries_left } => dispatch.emit(Action::PinWrong { tries_left }),
        }
    }
    dispatch.emit(Action::PinAccepted);
    let challenge = api::challenge(device).await.map_err(|e| Failure::from_code(e.code()))?;
    let signature =
        checkin.sign_challenge(challenge.challenge.as_slice()).await.map_err(|e| failure_from_card(&e))?;
    let session = api::session(device, &SessionRequest {
        challenge_id: challenge.challenge_id,
        certificate: Base64Bytes(card.certificate_der),
        signature: Base64Bytes(signature),
    })
    .await
    .map_err(|e| Failure::from_code(e.code()))?;
    if purpose == Purpose::Registration {
        dispatch.emit(Action::ShowRegistrationTerms);
        loop {
            match commands.next().await {
                Some(UiCommand::AcceptTerms) => break,
                Some(UiCommand::Cancel) | None => return Ok(Finished::Stopped),
                Some(_) => {}
            }
        }
        let answer = api::register(device, &session).await.map_err(|e| Failure::from_code(e.code()))?;
        dispatch.emit(Action::RegistrationDone(answer.outcome));
        return Ok(Finished::Stopped);
    }
    dispatch.emit(Action::SessionReady);
    let answer = api::qualification(device, &session).await.map_err(|e| Failure::from_code(e.code()))?;
    dispatch.emit(Action::Answer(answer));
    Ok(Finished::Answered(Some(session)))
}
