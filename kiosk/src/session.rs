//! The check-in as one async task: it owns the reader and the card session, drives the sans-I/O card flow, talks to
//! the edge, and reports progress to the UI as [`Action`]s. The UI sends it the PIN through a channel.
//!
//! The task never retries VERIFY by itself: every VERIFY is one PIN the person typed and confirmed.

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use onshi_card::ccid::CcidReader;
use onshi_card::flow::CheckIn;
use onshi_card::CardError;
use onshi_card::jpki::{Pin, PinStatus, VerifyOutcome};
use onshi_card::transport::TransportError;
use onshi_proto::api::SessionRequest;
use onshi_proto::Base64Bytes;
use yew::Callback;

use crate::api;
use crate::state::{Action, Failure};
use crate::webusb::{self, ReaderProtocol, UsbError, WebUsbBulk};

/// What the UI can tell the running check-in.
pub enum UiCommand {
    /// The PIN the person typed and confirmed. It is moved into the card flow and zeroized there after VERIFY.
    SubmitPin(Pin),
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
        _ => Failure::Reader,
    }
}

/// Runs one check-in from the device chooser to the answer. Every outcome ends in exactly one final action.
pub async fn run(dispatch: Callback<Action>, mut commands: UnboundedReceiver<UiCommand>) {
    let device = match webusb::choose_reader().await {
        Ok(device) => device,
        Err(error) => return dispatch.emit(Action::Fail(failure_from_usb(&error))),
    };
    let bulk = match WebUsbBulk::open(device).await {
        Ok(bulk) => bulk,
        Err(error) => return dispatch.emit(Action::Fail(failure_from_usb(&error))),
    };
    if bulk.protocol() != ReaderProtocol::Ccid {
        // The RC-S380 (NFC Port-100) driver is not wired into the kiosk yet; say so instead of sending CCID to it.
        bulk.close().await;
        return dispatch.emit(Action::Fail(Failure::Reader));
    }
    let mut reader = CcidReader::new(bulk);
    if let Err(error) = reader.power_on().await {
        return dispatch.emit(Action::Fail(failure_from_card(&CardError::Transport(error))));
    }
    dispatch.emit(Action::ReaderReady);
    let mut checkin = CheckIn::new(reader);
    let outcome = drive(&mut checkin, &dispatch, &mut commands).await;
    if let Err(failure) = outcome {
        dispatch.emit(Action::Fail(failure));
    }
    checkin.into_transport().into_inner().close().await;
}

async fn drive(
    checkin: &mut CheckIn<CcidReader<WebUsbBulk>>,
    dispatch: &Callback<Action>,
    commands: &mut UnboundedReceiver<UiCommand>,
) -> Result<(), Failure> {
    let card = checkin.start().await.map_err(|e| failure_from_card(&e))?;
    match checkin.pin_status().await.map_err(|e| failure_from_card(&e))? {
        PinStatus::Blocked => {
            dispatch.emit(Action::PinBlocked);
            return Ok(());
        }
        PinStatus::Remaining { tries_left } => dispatch.emit(Action::PinRequired { tries_left }),
        // The card was powered on moments ago, so it cannot hold a verified state; treat it as a faulty card
        // rather than skip the PIN the patient must prove now.
        PinStatus::AlreadyVerified => return Err(Failure::Reader),
    }
    loop {
        let Some(UiCommand::SubmitPin(pin)) = commands.next().await else { return Ok(()) };
        match checkin.verify(pin).await.map_err(|e| failure_from_card(&e))? {
            VerifyOutcome::Verified => break,
            VerifyOutcome::Wrong { tries_left: 0 } | VerifyOutcome::Blocked => {
                dispatch.emit(Action::PinBlocked);
                return Ok(());
            }
            VerifyOutcome::Wrong { tries_left } => dispatch.emit(Action::PinWrong { tries_left }),
        }
    }
    dispatch.emit(Action::PinAccepted);
    let challenge = api::challenge().await.map_err(|e| Failure::from_code(e.code()))?;
    let signature =
        checkin.sign_challenge(challenge.challenge.as_slice()).await.map_err(|e| failure_from_card(&e))?;
    let session = api::session(&SessionRequest {
        challenge_id: challenge.challenge_id,
        certificate: Base64Bytes(card.certificate_der),
        signature: Base64Bytes(signature),
    })
    .await
    .map_err(|e| Failure::from_code(e.code()))?;
    dispatch.emit(Action::SessionReady);
    let answer = api::qualification(&session).await.map_err(|e| Failure::from_code(e.code()))?;
    dispatch.emit(Action::Answer(answer));
    Ok(())
}
