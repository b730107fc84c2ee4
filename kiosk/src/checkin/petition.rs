//! The 申立書 capture of an outage, on the card the check-in left in the reader (`crate::petition` decides the
//! steps): on the patient's yes, the 券面事項入力補助AP is selected, its own PIN verified once per PIN the patient
//! typed, the 4 items read and handed to the review screen; on the patient's second yes they are sealed to the
//! facility's staff console (`onshi_web::petition_seal`) and posted to the edge, which cannot read them.
//!
//! Must not: select the 券面事項入力補助AP before the patient agreed, read the 個人番号, retry VERIFY, keep the
//! items after they were sent or declined, or send them anywhere but sealed to the console key the edge gave.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::UnboundedReceiver;
use futures::future::{Either, select};
use futures::{Stream, StreamExt};
use gloo_timers::future::TimeoutFuture;
use onshi_card::jpki::{PinStatus, VerifyOutcome};
use onshi_card::reader::AnyReader;
use onshi_card::text::TextAp;
use onshi_card::transport::UsbBulk;
use onshi_proto::ErrorCode;
use onshi_proto::petition::{
    CAPTURE_ID_LEN, CaptureId, PETITION_KEY_PATH, PETITION_PATH, PetitionItems, PetitionReceipt, PetitionRecipient,
};
use yew::Callback;

use crate::checkin::command::UiCommand;
use crate::petition::{PetitionEvent, PetitionFailure};
use crate::platform::api;
use crate::platform::device::Device;
use crate::state::Action;

/// The 4 items the review screen shows, handed from the capture to the screen; emptied (and so wiped) by the hook
/// as soon as the review leaves the screen.
pub type ShownItems = Rc<RefCell<Option<PetitionItems>>>;

fn emit(dispatch: &Callback<Action>, event: PetitionEvent) {
    dispatch.emit(Action::Petition(event));
}

/// What the kiosk heard while it waited on the patient.
enum Heard<T> {
    /// What it waited for.
    Said(T),
    /// The card left the reader (or the reader stopped answering): whatever was on screen for it goes.
    CardTaken,
    /// The patient started over (or the UI went away).
    Stopped,
}

/// Waits for the command `pick` takes, or for the card to leave; a cancel stops the wait.
async fn heard<T>(
    commands: &mut UnboundedReceiver<UiCommand>,
    card_gone: &mut (dyn Stream<Item = ()> + Unpin),
    mut pick: impl FnMut(UiCommand) -> Option<T>,
) -> Heard<T> {
    loop {
        match select(commands.next(), card_gone.next()).await {
            Either::Left((Some(UiCommand::Cancel) | None, _)) => return Heard::Stopped,
            Either::Left((Some(command), _)) => {
                if let Some(said) = pick(command) {
                    return Heard::Said(said);
                }
            }
            Either::Right(_) => return Heard::CardTaken,
        }
    }
}

/// Where the card stands when the capture is over, for the check-in task to go on watching it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureEnd {
    /// The capture ended on a screen of its own with the card, as far as the kiosk knows, still in the reader: the
    /// task tells the UI when it leaves, so that the screen clears soon.
    CardInReader,
    /// The card left the reader during the capture (the screen already says so).
    CardTaken,
    /// The patient started over (or the UI went away).
    Stopped,
}

/// The patient's yes or no to the question on screen.
fn yes_or_no(command: UiCommand) -> Option<bool> {
    match command {
        UiCommand::PetitionAnswer(yes) => Some(yes),
        _ => None,
    }
}

/// How the capture learns that the card left the reader.
pub enum CardNews<'a, S> {
    /// The reader announces it (CCID NotifySlotChange): `S` yields when the card leaves.
    Announced(&'a mut S),
    /// The reader says nothing unasked (the RC-S380, a CCID reader without an interrupt endpoint): the capture asks
    /// it once a second while the items are on screen, the one wait where a card taken out must be noticed at once.
    /// While the PIN pad waits, the next VERIFY finds the card gone instead.
    Asked,
}

/// Offers the capture on the outage screen and, if the patient agrees, runs it on `reader`; says where the card
/// stands once it is over.
///
/// When the card leaves the reader (`news`), nothing typed afterwards reaches a card (a PIN typed for this card
/// must not go to the next one placed) and the items leave the screen at once.
pub async fn offer<B: UsbBulk, S: Stream<Item = ()> + Unpin>(
    reader: &mut AnyReader<B>,
    commands: &mut UnboundedReceiver<UiCommand>,
    news: CardNews<'_, S>,
    dispatch: &Callback<Action>,
    identity: &Device,
    shown: &ShownItems,
) -> CaptureEnd {
    let asked = matches!(news, CardNews::Asked);
    let mut never = futures::stream::pending();
    let card_gone: &mut (dyn Stream<Item = ()> + Unpin) = match news {
        CardNews::Announced(stream) => stream,
        CardNews::Asked => &mut never,
    };
    // The card is not read before the patient agrees, so its leaving changes nothing here: a yes then finds no
    // card and ends in the paper form.
    match heard(commands, &mut futures::stream::pending(), yes_or_no).await {
        Heard::Said(true) => {}
        Heard::Said(false) => return CaptureEnd::CardInReader,
        Heard::CardTaken | Heard::Stopped => return CaptureEnd::Stopped,
    }
    let items = match read_items(reader, commands, card_gone, dispatch).await {
        Ok(items) => items,
        Err(end) => return end,
    };
    *shown.borrow_mut() = Some(items.clone());
    emit(dispatch, PetitionEvent::Read);
    // A reader that is asked has announced nothing, so asking it is the only way to learn the card left.
    let agreed = if asked {
        heard(commands, &mut asked_once_a_second(reader), yes_or_no).await
    } else {
        heard(commands, card_gone, yes_or_no).await
    };
    // Whatever the answer, the screen's copy goes now; the capture's own goes when this returns.
    shown.borrow_mut().take();
    match agreed {
        Heard::Said(true) => {}
        Heard::CardTaken => {
            emit(dispatch, PetitionEvent::Failed(PetitionFailure::CardTaken));
            return CaptureEnd::CardTaken;
        }
        Heard::Said(false) => return CaptureEnd::CardInReader,
        Heard::Stopped => return CaptureEnd::Stopped,
    }
    match send(identity, &items).await {
        Ok(reference) => emit(dispatch, PetitionEvent::Sent(reference)),
        Err(failure) => emit(dispatch, PetitionEvent::Failed(failure)),
    }
    CaptureEnd::CardInReader
}

/// Yields once the card has left `reader` (or the reader stopped answering), asking it once a second with a status
/// command (GetSlotStatus, or the RC-S380's presence check), never with an APDU.
fn asked_once_a_second<B: UsbBulk>(reader: &mut AnyReader<B>) -> impl Stream<Item = ()> + Unpin + '_ {
    Box::pin(futures::stream::once(async move {
        loop {
            TimeoutFuture::new(1_000).await;
            if !matches!(reader.card_present().await, Ok(true)) {
                return;
            }
        }
    }))
}

/// The 券面事項入力補助AP's PIN, asked for until the card accepts one or locks, then the 4 items; or where the card
/// stands when the capture ended without them.
async fn read_items<B: UsbBulk>(
    reader: &mut AnyReader<B>,
    commands: &mut UnboundedReceiver<UiCommand>,
    card_gone: &mut (dyn Stream<Item = ()> + Unpin),
    dispatch: &Callback<Action>,
) -> Result<PetitionItems, CaptureEnd> {
    let mut text = TextAp::new(reader);
    let failed = |failure| {
        emit(dispatch, PetitionEvent::Failed(failure));
        Err(if failure == PetitionFailure::CardTaken { CaptureEnd::CardTaken } else { CaptureEnd::CardInReader })
    };
    if text.select().await.is_err() {
        return failed(PetitionFailure::Card);
    }
    match text.pin_status().await {
        Ok(PinStatus::Remaining { tries_left }) => emit(dispatch, PetitionEvent::PinRequired { tries_left }),
        Ok(PinStatus::Blocked) => return failed(PetitionFailure::PinBlocked),
        Ok(PinStatus::NotSet | PinStatus::AlreadyVerified) | Err(_) => return failed(PetitionFailure::Card),
    }
    loop {
        // A no at the pad (the patient does not know this PIN) ends the capture with nothing read.
        let submitted = heard(commands, card_gone, |command| match command {
            UiCommand::SubmitPin(pin) => Some(Some(pin)),
            UiCommand::PetitionAnswer(false) => Some(None),
            _ => None,
        });
        let pin = match submitted.await {
            Heard::Said(Some(pin)) => pin,
            Heard::Said(None) => return Err(CaptureEnd::CardInReader),
            Heard::CardTaken => return failed(PetitionFailure::CardTaken),
            Heard::Stopped => return Err(CaptureEnd::Stopped),
        };
        match text.verify_pin(pin).await {
            Ok(VerifyOutcome::Verified) => break,
            Ok(VerifyOutcome::Wrong { tries_left: 0 } | VerifyOutcome::Blocked) => {
                return failed(PetitionFailure::PinBlocked);
            }
            Ok(VerifyOutcome::Wrong { tries_left }) => emit(dispatch, PetitionEvent::PinWrong { tries_left }),
            Err(_) => return failed(PetitionFailure::Card),
        }
    }
    let now = (js_sys::Date::now() / 1000.0).floor() as i64;
    let items =
        text.read_basic_four().await.ok().and_then(|card| {
            PetitionItems::from_card(&card.name, &card.address, &card.birth_date, &card.sex, now).ok()
        });
    match items {
        Some(items) => Ok(items),
        None => failed(PetitionFailure::Card),
    }
}

/// Seals `items` to the facility's staff console and posts them; the patient's reference on success.
async fn send(identity: &Device, items: &PetitionItems) -> Result<String, PetitionFailure> {
    let refused = |code: ErrorCode| match code {
        ErrorCode::PetitionQueueFull => PetitionFailure::QueueFull,
        _ => PetitionFailure::NotSent,
    };
    let recipient: PetitionRecipient =
        api::device_call(identity, PETITION_KEY_PATH, &()).await.map_err(|error| refused(error.code()))?;
    let random = onshi_web::browser_store::random_bytes((CAPTURE_ID_LEN / 2) as u32)
        .map_err(|_| PetitionFailure::NotSent)?
        .to_vec();
    let capture_id = CaptureId::from_random(random.try_into().map_err(|_| PetitionFailure::NotSent)?);
    let sealed = onshi_web::petition_seal::seal(&recipient.public_key, &recipient.facility_code, &capture_id, items)
        .await
        .map_err(|_| PetitionFailure::NotSent)?;
    let receipt: PetitionReceipt =
        api::device_call(identity, PETITION_PATH, &sealed).await.map_err(|error| refused(error.code()))?;
    Ok(receipt.capture_id.reference())
}
